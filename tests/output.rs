//! Snapshots of what a user reads after a run: the terminal output, the JUnit XML and the TAP
//! report, for one passing and one failing run against the in-process server. Durations,
//! timestamps, ports and temporary paths are redacted, colours are off (NO_COLOR=1).

mod support;

use support::{Outcome, Project, TestServer};

/// Two requests that pass: a status check and a JSON field of the echoed body.
const PASSING: &str = r#"
    requests:
      - name: health
        url: <<base_url>>/status/200
        assert: { status: 200 }
      - name: create order
        method: POST
        url: <<base_url>>/echo
        json: { number: "10042", lines: 2 }
        assert:
          status: 200
          json: { $.json.number: "10042" }
    "#;

/// One request whose echoed body differs from the expected object (a diff), one with a wrong
/// status, and one that passes between them.
const FAILING: &str = r#"
    requests:
      - name: customer
        method: POST
        url: <<base_url>>/echo
        json: { number: "10000", name: Adatum, city: Atlanta, country: US }
        assert:
          json:
            $.json:
              eq: { number: "10000", name: Adatum, city: Boston, country: US }
      - name: health
        url: <<base_url>>/status/200
        assert: { status: 200 }
      - name: missing
        url: <<base_url>>/status/404
        assert: { status: 200 }
    "#;

/// Runs `collection` in `project` with terminal, JUnit and TAP output; the outcome.
fn run_with_reports(project: &Project, collection: &str) -> Outcome {
    let server = TestServer::start();
    project.file("orders.yaml", collection);
    project
        .runner(["run", "orders.yaml"])
        .server(&server)
        .args([
            "--report",
            "junit=out/report.xml",
            "--report",
            "tap=out/report.tap",
        ])
        .env("NO_COLOR", "1")
        .run()
}

/// Snapshots stdout, stderr, the JUnit and the TAP report of `out` under `name-…`, with what
/// changes between runs redacted.
fn assert_reports_snapshot(name: &str, out: &Outcome) {
    let dir = out.dir.display().to_string();
    insta::with_settings!({
        filters => vec![
            (regex::escape(&dir).as_str(), "[DIR]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?", "[TIMESTAMP]"),
            (r#"time="[0-9.]+""#, r#"time="[SECONDS]""#),
            (r"\b\d+(\.\d+)?\s?(ms|s|µs)\b", "[DURATION]"),
            (r"duration_ms: \d+", "duration_ms: [DURATION]"),
            (r#"hostname="[^"]*""#, r#"hostname="[HOST]""#),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}-terminal"), format!("exit code: {:?}\n--- stdout ---\n{}--- stderr ---\n{}", out.code, out.stdout, out.stderr));
        insta::assert_snapshot!(format!("{name}-junit"), out.file("out/report.xml"));
        insta::assert_snapshot!(format!("{name}-tap"), out.file("out/report.tap"));
    });
}

#[test]
fn a_passing_run_as_the_user_sees_it() {
    let project = Project::new();
    let out = run_with_reports(&project, PASSING);
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    assert_reports_snapshot("passing", &out);
}

#[test]
fn a_failing_run_as_the_user_sees_it() {
    let project = Project::new();
    let out = run_with_reports(&project, FAILING);
    out.expect_code(1).expect_summary("1 passed, 2 failed");
    assert_reports_snapshot("failing", &out);
}

/// A template error and a capture that finds nothing: run-time failures, each shown at its
/// place with the source line, in the terminal and in JUnit alike.
const RUN_TIME_FAILURES: &str = r#"
    requests:
      - name: undefined
        url: <<base_url>>/status/<<no_such_variable>>
      - name: capture
        url: <<base_url>>/status/200
        capture:
          id: { json: $.id }
    "#;

#[test]
fn run_time_failures_show_their_place_and_source_line() {
    let project = Project::new();
    let out = run_with_reports(&project, RUN_TIME_FAILURES);
    out.expect_code(1).expect_summary("0 passed, 2 failed");
    out.expect_details(
        "undefined",
        &[
            "orders.yaml:3:10: undefined variable `no_such_variable` in url",
            "3 |     url: <<base_url>>/status/<<no_such_variable>>",
        ],
    );
    let junit = out.file("out/report.xml");
    assert!(
        junit.contains("orders.yaml:3:10: undefined variable `no_such_variable` in url\n  |\n3 |"),
        "{junit}"
    );
    assert_reports_snapshot("run-time-failures", &out);
}
