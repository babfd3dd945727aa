//! `runner export curl` through the binary: secrets masked unless asked, multipart and form
//! bodies, an oauth2 request's token as a shell variable. The commands are run with the real
//! `curl` when it is installed (else read back by the importer).

use super::support::{self, CRONUS_ID, Project, TestServer};
use super::{BC, BC_ENV, BC_SECRETS, fixture_path};

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
