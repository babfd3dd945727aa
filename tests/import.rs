//! `runner import postman`, `runner import curl` and `runner export curl`, black-box: the
//! Postman exports under tests/fixtures/postman are converted and the YAML snapshot-tested,
//! the report is checked line by line, no secret value may reach a written file, and the
//! imported Business Central collection runs green against the test server. The cases under
//! tests/import_cases/: curl import, curl export, script idioms, unusual inputs.

mod support;

#[path = "import_cases/curl.rs"]
mod curl;
#[path = "import_cases/export.rs"]
mod export;
#[path = "import_cases/idioms.rs"]
mod idioms;
#[path = "import_cases/inputs.rs"]
mod inputs;

use std::path::Path;

use support::{Outcome, Project, TestServer, files_under};

const BC: &str = "postman/bc.postman_collection.json";
const BC_ENV: &str = "postman/bc-sandbox.postman_environment.json";
const LEGACY: &str = "postman/legacy-v2.0.postman_collection.json";

/// Every secret value the fixtures hold; none may appear in what an import writes.
const SECRET_VALUES: &[&str] = &[
    "s3cret",
    "Ws-Pa55word!",
    "k3y-9f8e7d6c",
    "static-demo-token-4711",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9",
    "Adm1n-Pa55!",
    "eyJ0eXAiOiJKV1QiLCJub25jZSI6InN0YWxlIn0",
];

/// The secrets the imported BC collection reads, as the round trip sets them.
const BC_SECRETS: &[(&str, &str)] = &[
    ("CLIENT_SECRET", "s3cret"),
    ("BASIC_PASSWORD", "Ws-Pa55word!"),
    ("API_KEY", "k3y-9f8e7d6c"),
    ("BEARER_TOKEN", "static-demo-token-4711"),
];

/// Imports the BC fixture (with its environment) into `out/`.
fn import_bc(project: &Project) -> Outcome {
    project
        .fixture(BC, "bc.postman_collection.json")
        .fixture(BC_ENV, "bc-sandbox.postman_environment.json");
    let outcome = project
        .runner([
            "import",
            "postman",
            "bc.postman_collection.json",
            "--env",
            "bc-sandbox.postman_environment.json",
            "-o",
            "out",
        ])
        .run();
    outcome.expect_code(0);
    outcome
}

#[test]
fn bc_collection_and_environment_convert_to_checked_yaml() {
    let project = Project::new();
    import_bc(&project);
    let mut written: Vec<String> = project
        .files()
        .iter()
        .filter(|p| p.starts_with("out"))
        .map(|p| p.display().to_string())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "out/IMPORT-REPORT.md",
            "out/collections/business-central-api.yaml",
            "out/environments/bc-sandbox.yaml",
        ]
    );
    insta::assert_snapshot!(
        "bc_collection",
        project.read("out/collections/business-central-api.yaml")
    );
    insta::assert_snapshot!(
        "bc_environment",
        project.read("out/environments/bc-sandbox.yaml")
    );
    insta::assert_snapshot!("bc_report", project.read("out/IMPORT-REPORT.md"));
}

#[test]
fn a_v2_0_export_converts_too() {
    let project = Project::new();
    project.fixture(LEGACY, "legacy.json");
    let outcome = project
        .runner(["import", "postman", "legacy.json", "-o", "out"])
        .run();
    outcome.expect_code(0);
    insta::assert_snapshot!(
        "legacy_collection",
        project.read("out/collections/legacy-bc-v2-0.yaml")
    );
    insta::assert_snapshot!("legacy_report", project.read("out/IMPORT-REPORT.md"));
    // the v2.0 shapes: auth as a map, headers as text, a bare URL request, `id` variables
    let yaml = project.read("out/collections/legacy-bc-v2-0.yaml");
    for expected in [
        "auth:\n  bearer: <<token>>",
        "base_url: https://api.businesscentral.dynamics.com/v2.0/contoso/Production/api/v2.0",
        "url: https://api.businesscentral.dynamics.com/v2.0/contoso/Production/api/v2.0/companies?$top=1&$top=2",
        "Content-Type: application/x-www-form-urlencoded",
        "password: <<secret(\"BASIC_PASSWORD\")>>",
        "url: <<base_url>>/companies(<<company_id>>)/customers",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?} in\n{yaml}");
    }
}

/// (place, event, line, code) of every script line the BC fixture holds that has no
/// translation.
const UNTRANSLATED: &[(&str, &str, usize, &str)] = &[
    (
        "(collection)",
        "prerequest",
        2,
        r#"pm.request.headers.add({ key: "x-correlation-id", value: pm.variables.replaceIn("{{$guid}}") });"#,
    ),
    (
        "Auth / Get token",
        "test",
        9,
        r#"pm.environment.set("tokenExpiresAt", Date.now() + jsonData.expires_in * 1000);"#,
    ),
    (
        "Companies / Customers / List customers",
        "test",
        8,
        "customers.forEach(function (c) {",
    ),
    (
        "Companies / Customers / List customers",
        "test",
        9,
        r#"pm.expect(c.blocked).to.not.eql("All");"#,
    ),
    (
        "Companies / Customers / List customers",
        "test",
        13,
        r#"postman.setNextRequest("Customer by number");"#,
    ),
    (
        "Companies / Customers / Customer by number",
        "test",
        7,
        "if (jsonData.value.length > 1) {",
    ),
    (
        "Companies / Customers / Customer by number",
        "test",
        8,
        r#"console.log("more than one customer matched");"#,
    ),
];

#[test]
fn the_report_lists_each_untranslated_line_with_its_place() {
    let project = Project::new();
    let outcome = import_bc(&project);
    let report = project.read("out/IMPORT-REPORT.md");
    let yaml = project.read("out/collections/business-central-api.yaml");
    for (place, event, line, code) in UNTRANSLATED {
        let row = format!("| {place} | {event} | {line} | `{code}` |");
        assert!(report.contains(&row), "missing {row}\nin\n{report}");
        let terminal = format!("{place} [{event} script, line {line}]: {code}");
        assert!(
            outcome.stderr.contains(&terminal),
            "missing {terminal}\n{outcome}"
        );
        let comment = format!("# postman: {code}");
        assert!(
            yaml.contains(&comment),
            "missing {comment} in the YAML\n{yaml}"
        );
    }
    // digest auth is converted (tests/auth_digest.rs runs it)
    assert!(
        yaml.contains("digest: { username: <<basicUser>>, password: <<basicPassword>> }"),
        "{yaml}"
    );
    // auth and settings not converted are listed with their place too
    for needle in [
        "| Other auth types / OAuth2 authorization code | oauth2 grant `authorization_code`",
        "| (collection) | oauth2 saved `accessToken` not written",
        "| Companies / List companies | disabled header `Prefer` left out |",
        "| Body modes (echo service) / Binary upload | binary body from file",
        "| `CLIENT_SECRET` | environment `bc-sandbox`: `clientSecret` |",
    ] {
        assert!(report.contains(needle), "missing {needle}\nin\n{report}");
    }
    // translated lines are not listed
    assert!(
        !report.contains("pm.response.to.have.status(200)"),
        "{report}"
    );
}

#[test]
fn no_secret_value_is_written_anywhere() {
    let project = Project::new();
    let outcome = import_bc(&project);
    project.fixture(LEGACY, "legacy.json");
    project
        .runner(["import", "postman", "legacy.json", "-o", "out"])
        .run()
        .expect_code(2);
    project
        .runner(["import", "postman", "legacy.json", "-o", "out", "--force"])
        .run()
        .expect_code(0);
    let out = project.path().join("out");
    let files = files_under(&out);
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for secret in SECRET_VALUES {
            assert!(
                !text.contains(secret),
                "{} holds the secret {secret:?}",
                file.display()
            );
        }
    }
    for secret in SECRET_VALUES {
        assert!(
            !outcome.all().contains(secret),
            "the output shows {secret:?}"
        );
    }
}

#[test]
fn the_imported_bc_collection_runs_green_against_the_test_server() {
    let server = TestServer::start();
    let base = server.base_url();
    let project = Project::new();
    // the Postman collection's hosts, pointed at the test server
    let original = std::fs::read_to_string(fixture_path(BC)).unwrap();
    let pointed = original
        .replace("https://login.microsoftonline.com", &base)
        .replace("https://api.businesscentral.dynamics.com", &base)
        .replace("https://echo.example.com", &base);
    project
        .file("bc.json", &pointed)
        .fixture(BC_ENV, "bc-sandbox.json");
    project
        .runner([
            "import",
            "postman",
            "bc.json",
            "--env",
            "bc-sandbox.json",
            "-o",
            "out",
        ])
        .run()
        .expect_code(0);
    // the form-data file the collection uploads, where the report says it is read from
    project.file(
        "out/collections/fixtures/invoice.txt",
        "INV-1001 Adatum Corporation 1,234.50 USD",
    );
    let mut cmd = project.runner([
        "run",
        "out/collections/business-central-api.yaml",
        "-e",
        "bc-sandbox",
    ]);
    for (name, value) in BC_SECRETS {
        cmd.env(name, value);
    }
    let outcome = cmd.run();
    outcome.expect_code(0).expect_summary("16 passed, 0 failed");
    // the explicit token request and the collection's OAuth2 block both got tokens
    let token_path = "/contoso.onmicrosoft.com/oauth2/v2.0/token";
    let token_requests = server.received(token_path);
    assert!(
        token_requests.iter().any(|r| r
            .header("content-type")
            .unwrap_or("")
            .starts_with("multipart/form-data")),
        "the form-data token request was not sent"
    );
    assert!(
        token_requests
            .iter()
            .any(|r| r.header("content-type") == Some("application/x-www-form-urlencoded")),
        "the OAuth2 block did not fetch a token"
    );
    assert!(!outcome.all().contains("s3cret"), "{outcome}");
}

fn fixture_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn malformed_input_exits_2_with_a_clear_message() {
    let project = Project::new();
    project
        .file("broken.json", "{\"info\": {\"name\": \"x\"}, \"item\": [")
        .file("array.json", "[1, 2]")
        .file(
            "v1.json",
            r#"{"id": "1", "name": "old", "order": [], "requests": []}"#,
        )
        .file(
            "wrong.json",
            r#"{"info": {"name": "x"}, "item": [{"name": "r", "request": {"url": 5}}]}"#,
        )
        .fixture(BC_ENV, "env.json");
    let cases = [
        ("broken.json", "invalid JSON"),
        ("array.json", "not an object"),
        ("v1.json", "v1 export"),
        ("wrong.json", "unexpected shape"),
        ("env.json", "looks like an environment"),
        ("missing.json", "cannot read missing.json"),
    ];
    for (file, needle) in cases {
        let outcome = project
            .runner(["import", "postman", file, "-o", "out"])
            .run();
        outcome.expect_code(2);
        assert!(outcome.stderr.contains(needle), "{file}: {outcome}");
        assert!(outcome.stderr.starts_with("error: "), "{file}: {outcome}");
    }
    let outcome = project
        .runner([
            "import",
            "postman",
            "broken.json",
            "--env",
            "broken.json",
            "-o",
            "out",
        ])
        .run();
    outcome.expect_code(2);
    assert!(
        !project.path().join("out").exists(),
        "nothing is written on bad input"
    );
}

#[test]
fn import_curl_prints_a_request_that_runs() {
    let server = TestServer::start();
    let project = Project::new();
    let command = format!(
        "curl -X POST '{}/echo?from=curl' \\\n  -H 'Content-Type: application/json' -H \"X-Trace: a b\" \\\n  -d '{{\"customer\": \"Adatum\", \"qty\": 3}}' -u 'WEBSERVICE:pa55'",
        server.base_url()
    );
    let outcome = project.runner(["import", "curl", &command]).run();
    outcome.expect_code(0);
    let expected = format!(
        "# Converted from a curl command by `runner import curl`.\n\
         requests:\n  - name: POST echo\n    method: POST\n    url: {}/echo?from=curl\n\
         \x20   headers:\n      Content-Type: application/json\n      X-Trace: a b\n\
         \x20   json:\n      customer: Adatum\n      qty: 3\n\
         \x20   auth:\n      basic: {{ username: WEBSERVICE, password: pa55 }}\n",
        server.base_url()
    );
    assert_eq!(outcome.stdout, expected);
    assert!(
        outcome.stderr.contains("password is written as given"),
        "{outcome}"
    );

    // with -o the file is written, and it runs
    project
        .runner(["import", "curl", &command, "-o", "echo.yaml"])
        .run()
        .expect_code(0);
    assert_eq!(project.read("echo.yaml"), expected);
    project
        .runner(["run", "echo.yaml"])
        .run()
        .expect_code(0)
        .expect_summary("1 passed, 0 failed");
    let sent = server.last("/echo");
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.query, "from=curl");
    assert_eq!(
        sent.json(),
        serde_json::json!({"customer": "Adatum", "qty": 3})
    );
    assert_eq!(sent.header("x-trace"), Some("a b"));
    assert_eq!(
        sent.header("authorization"),
        Some("Basic V0VCU0VSVklDRTpwYTU1")
    );
}

#[test]
fn import_curl_refuses_what_it_cannot_read() {
    let project = Project::new();
    for (command, needle) in [
        ("curl 'https://x", "single quote"),
        ("curl -k", "no URL"),
        ("curl -H", "`-H` needs a value"),
    ] {
        let outcome = project.runner(["import", "curl", command]).run();
        outcome.expect_code(2);
        assert!(outcome.stderr.contains(needle), "{command}: {outcome}");
    }
}

/// Whatever text a Postman export holds, what the importer writes loads, and nothing panics.
mod properties {
    use proptest::prelude::*;
    use runner::import::postman::{convert_collection, parse_collection};
    use runner::import::report::Report;
    use serde_json::json;

    fn js(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn any_text_in_a_postman_collection_still_loads(
            name in any::<String>(),
            method in "[A-Za-z {}]{0,8}",
            path in any::<String>(),
            header in any::<String>(),
            value in any::<String>(),
            raw in any::<String>(),
            key in any::<String>(),
            line in any::<String>(),
        ) {
            let exec = vec![
                format!("pm.expect(pm.response.json()[{}]).to.eql({});", js(&key), js(&value)),
                format!("pm.response.to.have.header({}, {});", js(&header), js(&value)),
                format!("pm.environment.set({}, pm.response.json()[{}]);", js(&name), js(&key)),
                line,
            ];
            let collection = json!({
                "info": {
                    "name": name,
                    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
                },
                "variable": [{ "key": key, "value": value }],
                "item": [{
                    "name": name,
                    "item": [{
                        "name": name,
                        "event": [{ "listen": "test", "script": { "exec": exec } }],
                        "request": {
                            "method": method,
                            "url": format!("https://x/{path}"),
                            "header": [{ "key": header, "value": value }],
                            "body": { "mode": "raw", "raw": raw },
                        },
                    }],
                }],
            });
            let parsed = parse_collection(&collection.to_string()).unwrap();
            let mut report = Report::default();
            let generated = convert_collection(&parsed, &mut report);
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("c.yaml");
            std::fs::write(&file, &generated.text).unwrap();
            let loaded = runner::load::load_collection(&file, &runner::secrets::Secrets::default());
            prop_assert!(loaded.is_ok(), "{}\n{:?}", generated.text, loaded.err());
        }

        #[test]
        fn curl_command_lines_never_panic(line in "(curl )?[-a-zA-Z0-9 '\"\\\\$@:/=&{}]{0,60}") {
            let _ = runner::import::curl::convert_line(&line);
        }

        #[test]
        fn any_json_is_refused_or_converted_without_panic(text in any::<String>()) {
            if let Ok(parsed) = parse_collection(&text) {
                convert_collection(&parsed, &mut Report::default());
            }
        }
    }
}
