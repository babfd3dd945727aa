//! `runner import postman`, `runner import curl` and `runner export curl`, black-box: the
//! Postman exports under tests/fixtures/postman are converted and the YAML snapshot-tested,
//! the report is checked line by line, no secret value may reach a written file, and the
//! imported Business Central collection runs green against the test server. Exported curl
//! commands are run with the real `curl` when it is installed (else read back by the importer).

mod support;

#[path = "import_cases/curl.rs"]
mod curl;
#[path = "import_cases/idioms.rs"]
mod idioms;
#[path = "import_cases/inputs.rs"]
mod inputs;

use std::path::Path;

use support::{CRONUS_ID, Outcome, Project, TestServer, files_under};

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

/// A collection for export tests: vars, a secret, a JSON body, a query, bearer auth.
const EXPORT_COLLECTION: &str = r#"
    vars:
      api: <<base_url>>/echo
    requests:
      - name: create order
        method: POST
        url: <<api>>
        query:
          $filter: name eq 'a&b'
        headers:
          X-Note: it's <<note>>
        json:
          customer: <<customer_id>>
          qty: 2
        auth:
          bearer: <<api_token>>
      - name: lookup
        url: <<api>>
        capture:
          customer_id: $.path
      - group: uploads
        auth:
          basic: { username: svc, password: <<api_token>> }
        requests:
          - name: upload
            method: POST
            url: <<api>>
            multipart:
              kind: invoice;type=x
              file: { file: invoice.txt }
          - name: form
            method: POST
            url: <<api>>
            form:
              a: 1 & 2
"#;

fn curl_available() -> bool {
    std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs an exported command with `sh`, the given variables set; the echo's JSON answer.
fn run_exported(project: &Project, command: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{} --silent --show-error", command.trim_end()))
        .current_dir(project.path())
        .envs(env.iter().copied())
        .output()
        .expect("run sh");
    assert!(
        output.status.success(),
        "curl failed: {output:?}\n{command}"
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn export_curl_masks_secrets_unless_asked_and_the_command_works() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("orders.yaml", EXPORT_COLLECTION)
        .file("invoice.txt", "INV-1001");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "curl",
            "orders.yaml",
            "--request",
            "create order",
            "--var",
        ];
        let var = server.var();
        args.push(&var);
        args.extend(["--var", "note=urgent", "--secret", "api_token=T0ken-Value"]);
        args.extend(extra);
        project.runner(args).run()
    };
    let masked = export(&[]);
    masked.expect_code(0);
    assert!(!masked.stdout.contains("T0ken-Value"), "{masked}");
    assert!(
        masked.stdout.contains("Authorization: Bearer ***"),
        "{masked}"
    );
    assert!(masked.stderr.contains("--show-secrets"), "{masked}");
    // the captured customer id is a shell variable, explained in a comment
    assert!(
        masked
            .stdout
            .contains("# CUSTOMER_ID: captured by request `lookup`"),
        "{masked}"
    );

    let shown = export(&["--show-secrets"]);
    shown.expect_code(0);
    let command = shown.stdout.clone();
    assert!(
        command.contains("Authorization: Bearer T0ken-Value"),
        "{command}"
    );
    assert!(command.contains("\"${CUSTOMER_ID}\""), "{command}");

    if curl_available() {
        let echo = run_exported(&project, &command, &[("CUSTOMER_ID", "C-42")]);
        assert_eq!(echo["method"], "POST");
        assert_eq!(echo["query"], "$filter=name%20eq%20'a%26b'");
        assert_eq!(
            echo["json"],
            serde_json::json!({"customer": "C-42", "qty": 2})
        );
        assert_eq!(echo["headers"]["x-note"], "it's urgent");
        assert_eq!(echo["headers"]["authorization"], "Bearer T0ken-Value");
        assert_eq!(echo["headers"]["content-type"], "application/json");
    } else {
        // no curl here: the importer must read the command back to the same request
        let words_back = project.runner(["import", "curl", &command]).run();
        words_back.expect_code(0);
        assert!(
            words_back
                .stdout
                .contains("Authorization: Bearer T0ken-Value"),
            "{words_back}"
        );
        assert!(words_back.stdout.contains("qty: 2"), "{words_back}");
    }
}

#[test]
fn export_curl_of_multipart_and_form_bodies_works() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("orders.yaml", EXPORT_COLLECTION)
        .file("invoice.txt", "INV-1001");
    let export = |name: &str| {
        let var = server.var();
        let outcome = project
            .runner([
                "export",
                "curl",
                "orders.yaml",
                "--request",
                name,
                "--var",
                &var,
                "--var",
                "note=x",
                "--secret",
                "api_token=T0ken-Value",
                "--show-secrets",
            ])
            .run();
        outcome.expect_code(0);
        outcome.stdout
    };
    let upload = export("upload");
    assert!(
        upload.contains("--form-string 'kind=invoice;type=x'"),
        "{upload}"
    );
    assert!(
        upload.contains("-F file=@./invoice.txt") || upload.contains("-F file=@invoice.txt"),
        "{upload}"
    );
    let form = export("uploads/form");
    assert!(form.contains("--data-raw a=1+%26+2"), "{form}");
    if curl_available() {
        let echo = run_exported(&project, &upload, &[]);
        assert_eq!(echo["form"]["kind"], "invoice;type=x");
        assert_eq!(echo["form"]["file"], "INV-1001\n");
        assert_eq!(
            echo["headers"]["authorization"],
            "Basic c3ZjOlQwa2VuLVZhbHVl"
        );
        let echo = run_exported(&project, &form, &[]);
        assert_eq!(echo["form"]["a"], "1 & 2");
        assert_eq!(
            echo["headers"]["content-type"],
            "application/x-www-form-urlencoded"
        );
    }
    let unknown = project
        .runner([
            "export",
            "curl",
            "orders.yaml",
            "--request",
            "uplaod",
            "--var",
            "base_url=http://x",
        ])
        .run();
    unknown.expect_code(2);
    assert!(
        unknown.stderr.contains("did you mean `uploads/upload`?"),
        "{unknown}"
    );
}

#[test]
fn export_curl_of_an_oauth2_request_uses_a_token_variable() {
    let server = TestServer::start();
    let project = Project::new();
    let original = std::fs::read_to_string(fixture_path(BC)).unwrap();
    let base = server.base_url();
    let pointed = original
        .replace("https://login.microsoftonline.com", &base)
        .replace("https://api.businesscentral.dynamics.com", &base);
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
    let mut cmd = project.runner([
        "export",
        "curl",
        "out/collections/business-central-api.yaml",
        "--request",
        "List companies",
        "-e",
        "bc-sandbox",
    ]);
    for (name, value) in BC_SECRETS {
        cmd.env(name, value);
    }
    let outcome = cmd.run();
    outcome.expect_code(0);
    let command = outcome.stdout.clone();
    assert!(
        command.contains(
            "#   TOKEN=$(runner token out/collections/business-central-api.yaml -e bc-sandbox --raw | tail -n 1)"
        ),
        "{command}"
    );
    assert!(
        command.contains("-H \"Authorization: Bearer $TOKEN\""),
        "{command}"
    );
    if curl_available() {
        let token = support::token_for("bc-import-app");
        let answer = run_exported(&project, &command, &[("TOKEN", &token)]);
        assert_eq!(answer["value"][0]["id"], CRONUS_ID);
        assert_eq!(answer["value"].as_array().map(Vec::len), Some(2));
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
