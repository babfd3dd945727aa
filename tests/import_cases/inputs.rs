//! Inputs newman accepts, through the binary: UTF-16 and BOM files, a collection without
//! `info` and with `items`, URLs from parts and with backslashes; and what an import refuses.

use super::support::Project;

#[test]
fn loose_exports_and_utf16_environments_are_read() {
    let project = Project::new();
    project
        .fixture("postman/loose.postman_collection.json", "loose.json")
        .fixture("postman/utf16.postman_environment.json", "env.json");
    project
        .runner([
            "import",
            "postman",
            "loose.json",
            "--env",
            "env.json",
            "-o",
            "out",
        ])
        .run()
        .expect_code(0);
    let yaml = project.read("out/collections/loose-export.yaml");
    for expected in [
        "name: Loose export",
        "url: http://127.0.0.1:9/echo/get",
        "q: '1'",
        "url: https://127.0.0.1:9/get",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?} in\n{yaml}");
    }
    let env = project.read("out/environments/utf16-env.yaml");
    assert!(env.contains("region: eu"), "{env}");
    // secret-typed, even when the export left it empty
    assert!(env.contains("token: <<secret(\"TOKEN\")>>"), "{env}");
}

#[test]
fn an_occupied_folder_needs_force_and_bad_input_writes_nothing() {
    let project = Project::new();
    project.fixture("postman/loose.postman_collection.json", "loose.json");
    project.file("out/collections/loose-export.yaml", "# edited by hand\n");
    let refused = project
        .runner(["import", "postman", "loose.json", "-o", "out"])
        .run();
    refused.expect_code(2);
    assert!(refused.stderr.contains("--force"), "{refused}");
    assert_eq!(
        project.read("out/collections/loose-export.yaml"),
        "# edited by hand\n"
    );
    project
        .runner(["import", "postman", "loose.json", "-o", "out", "--force"])
        .run()
        .expect_code(0);
    project.file("data.json", "{\"rows\": []}");
    project
        .runner(["import", "postman", "data.json", "-o", "fresh"])
        .run()
        .expect_code(2);
    assert!(!project.path().join("fresh").exists());
}

#[test]
fn the_bc_mock_accepts_client_credentials_in_a_basic_header() {
    let project = Project::new();
    let mock = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/bc.yaml"),
    )
    .unwrap();
    project.file("bc.yaml", &mock);
    project.file(
        "c.yaml",
        "requests:
  - name: token
    method: POST
    url: <<mock_url>>/contoso/oauth2/v2.0/token
    auth: { basic: { username: 6f0d2c1a-app, password: local-secret } }
    form: { grant_type: client_credentials }
    assert:
      status: 200
    capture:
      token: { json: $.access_token, secret: true }
  - name: companies
    url: <<mock_url>>/v2.0/contoso/Production/api/v2.0/companies
    auth: { bearer: <<token>> }
    assert:
      status: 200
  - name: wrong secret
    method: POST
    url: <<mock_url>>/contoso/oauth2/v2.0/token
    auth: { basic: { username: 6f0d2c1a-app, password: not-it } }
    form: { grant_type: client_credentials }
    assert:
      status: 401
      json:
        $.error: invalid_client
",
    );
    project
        .runner(["run", "c.yaml", "--mock", "bc.yaml"])
        .run()
        .expect_code(0);
}

#[test]
fn a_saved_oauth2_token_is_a_bearer_and_an_empty_form_sends_no_body() {
    let project = Project::new();
    project.file(
        "c.json",
        r#"{"info": {"name": "saved token"},
            "auth": {"type": "oauth2", "oauth2": [
                {"key": "accessToken", "value": "{{access_token}}"},
                {"key": "tokenType", "value": "Bearer"}]},
            "item": [{"name": "delete", "request": {"method": "DELETE",
                "url": "http://127.0.0.1:9/x", "body": {"mode": "formdata", "formdata": []}}}]}"#,
    );
    project
        .runner(["import", "postman", "c.json", "-o", "out"])
        .run()
        .expect_code(0);
    let yaml = project.read("out/collections/saved-token.yaml");
    assert!(yaml.contains("auth:\n  bearer: <<access_token>>"), "{yaml}");
    assert!(!yaml.contains("multipart"), "{yaml}");
}

#[test]
fn undefined_variables_are_todo_entries_of_the_environment() {
    let project = Project::new();
    project.file(
        "c.json",
        r#"{"info": {"name": "todo"},
            "item": [{"name": "r", "request": {"url": "http://127.0.0.1:9/{{company}}/x"}}]}"#,
    );
    project.file(
        "e.json",
        r#"{"name": "dev", "values": [{"key": "other", "value": "1"}]}"#,
    );
    project
        .runner([
            "import", "postman", "c.json", "--env", "e.json", "-o", "out",
        ])
        .run()
        .expect_code(0);
    let env = project.read("out/environments/dev.yaml");
    assert!(env.contains("# company: ''"), "{env}");
    let filled = env.replace("# company: ''", "company: acme");
    project.file("out/environments/dev.yaml", &filled);
    project
        .runner(["validate", "out/collections/todo.yaml", "-e", "dev"])
        .run()
        .expect_code(0);
}

#[test]
fn a_query_name_with_a_variable_stays_in_the_url() {
    let project = Project::new();
    project.file(
        "c.json",
        r#"{"info": {"name": "q"}, "variable": [{"key": "field", "value": "name"}],
            "item": [{"name": "r", "request": {"url": {"raw": "http://127.0.0.1:9/x?{{field}}=a&b=1",
              "query": [{"key": "{{field}}", "value": "a"}, {"key": "b", "value": "1"}]}}}]}"#,
    );
    project
        .runner(["import", "postman", "c.json", "-o", "out"])
        .run()
        .expect_code(0);
    let yaml = project.read("out/collections/q.yaml");
    assert!(
        yaml.contains("url: http://127.0.0.1:9/x?<<field>>=a&b=1"),
        "{yaml}"
    );
}

#[test]
fn numbers_put_into_json_positions_keep_their_type() {
    let project = Project::new();
    project.file(
        "c.json",
        r#"{"info": {"name": "typed"},
            "variable": [{"key": "qty", "value": "3"}, {"key": "label", "value": "7"}],
            "item": [{"name": "r", "request": {"method": "POST", "url": "http://127.0.0.1:9/x",
              "body": {"mode": "raw", "raw": "{\"qty\": {{qty}}, \"code\": \"{{qty}}\", \"label\": \"{{label}}\"}"}}}]}"#,
    );
    project.file(
        "e.json",
        r#"{"name": "dev", "values": [{"key": "qty", "value": "5"}]}"#,
    );
    project
        .runner([
            "import", "postman", "c.json", "--env", "e.json", "-o", "out",
        ])
        .run()
        .expect_code(0);
    let yaml = project.read("out/collections/typed.yaml");
    for expected in [
        "qty: 3",
        "label: '7'",
        "qty: <<qty>>",
        "code: <<qty | string>>",
        "label: <<label>>",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?} in\n{yaml}");
    }
    let env = project.read("out/environments/dev.yaml");
    assert!(env.contains("qty: 5"), "{env}");
}
