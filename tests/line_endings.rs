//! Files as Windows editors save them (issue 19): CRLF line endings and a UTF-8 byte order
//! mark in collections, environments, `.env` and CSV data are read like their LF twins, and
//! positions in errors stay the same. Paths in messages are printed as the user wrote them.

mod support;

use support::{Outcome, Project, TestServer, dedent};

/// Writes `text` (dedented like `Project::file`) with CRLF line endings.
fn crlf(project: &Project, rel_path: &str, text: &str) {
    let path = project.path().join(rel_path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, dedent(text).replace('\n', "\r\n")).unwrap();
}

/// The same text with a byte order mark in front.
fn with_bom(project: &Project, rel_path: &str, text: &str) {
    let path = project.path().join(rel_path);
    std::fs::write(path, format!("\u{feff}{}", dedent(text))).unwrap();
}

/// Output of `runner ARGS`, with `name` replaced by `FILE` so twins can be compared.
fn output(project: &Project, args: &[&str], name: &str) -> (Option<i32>, String) {
    let out: Outcome = project.runner(args).run();
    assert!(
        !out.all().contains('\r'),
        "a carriage return in the output:\n{out}"
    );
    (out.code, out.all().replace(name, "FILE"))
}

/// A collection whose 7th and 13th lines hold errors.
const BROKEN: &str = r#"
    name: demo
    vars:
      base: http://127.0.0.1:9
    requests:
      - name: one
        url: <<base>>/x
        expect:
          status: 200
      - name: two
        url: <<base>>/y
        headers:
          x-a: a
        bogus: 1
"#;

#[test]
fn collection_errors_point_at_the_same_line_and_column_with_crlf() {
    let project = Project::new();
    project.file("lf.yaml", BROKEN);
    crlf(&project, "crlf.yaml", BROKEN);
    let (code, lf) = output(&project, &["validate", "lf.yaml"], "lf.yaml");
    let (crlf_code, crlf) = output(&project, &["validate", "crlf.yaml"], "crlf.yaml");
    assert_eq!(code, Some(2));
    assert_eq!((crlf_code, &crlf), (code, &lf));
    for position in [
        "FILE:7:5: unknown field `expect`",
        "FILE:13:5: unknown field `bogus`",
    ] {
        assert!(crlf.contains(position), "no {position}:\n{crlf}");
    }
    // the source line under the position, without its line ending
    assert!(crlf.contains("13 |     bogus: 1\n"), "{crlf}");

    let (_, json) = output(
        &project,
        &["validate", "--format", "json", "crlf.yaml"],
        "crlf",
    );
    assert!(json.contains("\"line\": 13"), "{json}");
}

#[test]
fn template_errors_point_into_the_value_with_crlf() {
    let project = Project::new();
    let text = "
        name: demo
        requests:
          - name: one
            method: POST
            url: http://127.0.0.1:9/<<where>>
            body: |
              first
              second <<missing>>
    ";
    project.file("lf.yaml", text);
    crlf(&project, "crlf.yaml", text);
    let (_, lf) = output(&project, &["validate", "lf.yaml"], "lf.yaml");
    let (_, crlf) = output(&project, &["validate", "crlf.yaml"], "crlf.yaml");
    assert_eq!(crlf, lf);
    assert!(
        crlf.contains("FILE:5:10: undefined variable `where`"),
        "{crlf}"
    );
    assert!(
        crlf.contains("FILE:7:7: undefined variable `missing`"),
        "{crlf}"
    );
}

#[test]
fn yaml_syntax_errors_keep_their_position_with_crlf() {
    let project = Project::new();
    let text = "
        name: demo
        requests:
          - name: one
            url: [http://127.0.0.1:9
    ";
    project.file("lf.yaml", text);
    crlf(&project, "crlf.yaml", text);
    let (_, lf) = output(&project, &["validate", "lf.yaml"], "lf.yaml");
    let (_, crlf) = output(&project, &["validate", "crlf.yaml"], "crlf.yaml");
    assert_eq!(crlf, lf);
    // the end of the file, after the last line break
    assert!(crlf.contains("FILE:6:1: invalid YAML"), "{crlf}");
}

#[test]
fn environment_errors_keep_their_position_with_crlf() {
    let project = Project::new();
    project.file("c.yaml", "requests: []");
    crlf(
        &project,
        "environments/broken.yaml",
        "
        # a comment
        region: emea
        bad: <<x(>>
        ",
    );
    let (code, out) = output(&project, &["validate", "c.yaml", "-e", "broken"], "broken");
    assert_eq!(code, Some(2), "{out}");
    // the path as runner built it from `-e broken`: environments/broken.yaml
    let file = std::path::Path::new("environments").join("FILE.yaml");
    let position = format!("{}:3:6: invalid template", file.display());
    assert!(out.contains(&position), "{out}");
}

#[test]
fn a_run_from_crlf_files_sends_the_same_values() {
    let server = TestServer::start();
    let project = Project::new();
    crlf(
        &project,
        "collections/c.yaml",
        r#"
        name: crlf
        requests:
          - name: echo
            method: POST
            url: <<base_url>>/echo
            query:
              user: <<user>>
              region: <<region>>
              secret: <<env('CRLF_TEST_SECRET')>>
            body: |
              first
              second
            assert:
              status: 200
        "#,
    );
    crlf(&project, "environments/test.yaml", "region: emea\n");
    crlf(&project, ".env", "CRLF_TEST_SECRET=s3cret\n# a comment\n");
    crlf(&project, "users.csv", "user,unused\nanna,1\nbert,2\n");
    let out = project
        .runner([
            "run",
            "collections/c.yaml",
            "-e",
            "test",
            "--data",
            "users.csv",
            "--var",
            &server.var(),
        ])
        .run();
    out.expect_code(0);
    let received = server.received("/echo");
    let users: Vec<String> = received.iter().map(|r| r.args()["user"].clone()).collect();
    assert_eq!(users, ["anna", "bert"]);
    for request in &received {
        let args = request.args();
        assert_eq!(args["region"], "emea");
        assert_eq!(args["secret"], "s3cret");
        assert_eq!(request.body, "first\nsecond\n");
    }
}

#[test]
fn csv_errors_name_the_right_line_with_crlf() {
    let project = Project::new();
    project.file("c.yaml", "requests: []");
    crlf(&project, "rows.csv", "a,b\n1,2\n3\n");
    let out = project
        .runner(["run", "c.yaml", "--data", "rows.csv"])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("rows.csv: invalid CSV"), "{out}");
    assert!(out.stderr.contains("line: 3"), "{out}");
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let server = TestServer::start();
    let project = Project::new();
    with_bom(
        &project,
        "c.yaml",
        "
        name: bom
        requests:
          - name: echo
            url: <<base_url>>/echo?id=<<id>>
        ",
    );
    with_bom(&project, "rows.csv", "id\n7\n");
    let vars = ["--var", "id=1", "--var", "base_url=http://127.0.0.1:9"];
    let (code, out) = output(
        &project,
        &[&["validate", "c.yaml"][..], &vars].concat(),
        "c.yaml",
    );
    assert_eq!(code, Some(0), "{out}");
    let args = [
        "run",
        "c.yaml",
        "--data",
        "rows.csv",
        "--var",
        &server.var(),
    ];
    project.runner(args).run().expect_code(0);
    assert_eq!(server.last("/echo").args()["id"], "7");
}

#[test]
fn messages_name_files_as_the_user_wrote_them() {
    let project = Project::new();
    project.file("sub/c.yaml", BROKEN);
    let written = "./sub/../sub/c.yaml";
    let out = project.runner(["validate", written]).run();
    out.expect_code(2);
    assert!(
        out.all()
            .contains(&format!("{written}:13:5: unknown field `bogus`")),
        "{out}"
    );
    project.file("sub/ok.yaml", "requests: []");
    let out = project
        .runner(["run", "./sub//ok.yaml", "-e", "./nowhere/x.yaml"])
        .run();
    out.expect_code(2);
    assert!(out.all().contains("`./nowhere/x.yaml` not found"), "{out}");
}
