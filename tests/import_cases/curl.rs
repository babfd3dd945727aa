//! `runner import curl` through the binary: shell variables, file bodies, credential
//! warnings, and commands that are not curl.

use super::support::Project;

#[test]
fn shell_variables_become_env_and_secret_reads() {
    let project = Project::new();
    let outcome = project.runner([
        "import",
        "curl",
        r#"curl -H "Authorization: Bearer $API_TOKEN" "${BASE_URL}/items?region=$REGION&literal=" -d '{"note": "$NOT_A_VAR"}' -H 'Content-Type: application/json'"#,
        "-o",
        "c.yaml",
    ]).run();
    outcome.expect_code(0);
    let yaml = project.read("c.yaml");
    for expected in [
        r#"<<env("BASE_URL")>>/items?region=<<env("REGION")>>"#,
        r#"Authorization: Bearer <<secret("API_TOKEN")>>"#,
        "note: $NOT_A_VAR",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?} in\n{yaml}");
    }
    assert!(outcome.stderr.contains("API_TOKEN"), "{outcome}");
    project.runner(["validate", "c.yaml"]).run().expect_code(0);
}

#[test]
fn a_file_body_is_kept_and_credentials_are_warned_about() {
    let project = Project::new();
    let outcome = project.runner([
        "import",
        "curl",
        "curl -X POST https://127.0.0.1:9/upload --data-binary @data/new.json -H 'Content-Type: application/json' -u key: -H 'Authorization: Basic a2V5Og=='",
        "-o",
        "c.yaml",
    ]).run();
    outcome.expect_code(0);
    let yaml = project.read("c.yaml");
    assert!(yaml.contains("body: { file: data/new.json }"), "{yaml}");
    assert!(outcome.stderr.contains("-u user and password"), "{outcome}");
    assert!(
        outcome
            .stderr
            .contains("header `Authorization` holds a credential"),
        "{outcome}"
    );
    let upload = project
        .runner([
            "import",
            "curl",
            "curl -T report.csv https://127.0.0.1:9/files/report.csv",
        ])
        .run();
    upload.expect_code(0);
    assert!(upload.stdout.contains("method: PUT"), "{upload}");
    assert!(
        upload.stdout.contains("body: { file: report.csv }"),
        "{upload}"
    );
}

#[test]
fn a_command_that_is_not_curl_is_refused() {
    let project = Project::new();
    let outcome = project
        .runner(["import", "curl", "wget http://127.0.0.1:9/x"])
        .run();
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("`wget` is not curl"), "{outcome}");
}
