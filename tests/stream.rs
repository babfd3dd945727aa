//! Issue 17: reports that stream. A large run's reports are valid and complete (JSON against
//! its schema, JUnit parsed, TAP's plan, HTML whole); a SIGINT in the middle leaves valid
//! reports; shard reports still merge. Memory is measured by scripts/bench.sh, not here.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Project, Ready, Signal, TestServer};

const SCHEMA_FILE: &str = "schema/report.schema.json";

/// The JSON report at `rel`, checked against the committed schema and laid out as
/// serde_json's pretty printer lays out the whole document (it is written unit by unit).
fn valid_json_report(project: &Project, rel: &str) -> Value {
    let text = project.read(rel);
    let report: Value = serde_json::from_str(&text).expect("the JSON report parses");
    assert!(
        text == serde_json::to_string_pretty(&report).unwrap(),
        "{rel} is not laid out as one pretty-printed document"
    );
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_FILE);
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "not valid against {SCHEMA_FILE}: {errors:?}"
    );
    report
}

/// `(tests, failures, skipped)` of the JUnit report at `rel`, checked element by element.
fn junit_totals(project: &Project, rel: &str) -> (usize, usize, usize) {
    let text = project.read(rel);
    let doc = roxmltree::Document::parse(&text).expect("the JUnit report is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |name: &str| -> usize { root.attribute(name).unwrap().parse().unwrap() };
    let cases = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, attr("tests"), "every test case is in the file");
    (attr("tests"), attr("failures"), attr("skipped"))
}

/// The number of test points of the TAP report at `rel`, which must match its plan.
fn tap_points(project: &Project, rel: &str) -> usize {
    let text = project.read(rel);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("TAP version 14"));
    let planned: usize = lines
        .next()
        .unwrap()
        .strip_prefix("1..")
        .unwrap()
        .parse()
        .unwrap();
    let points = lines
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .count();
    assert_eq!(points, planned, "plan 1..{planned}");
    points
}

fn reports(prefix: &str) -> Vec<String> {
    ["json", "junit", "tap", "html"]
        .iter()
        .zip(["json", "xml", "tap", "html"])
        .flat_map(|(kind, ext)| ["--report".to_string(), format!("{kind}={prefix}.{ext}")])
        .collect()
}

/// Rows whose second request fails (its status is not the one asserted).
const FAILING_ROWS: [usize; 4] = [625, 2_500, 3_333, 5_000];

/// 10,000 requests, not more: in a debug build the run and the checks of its reports (the
/// JSON Schema, the XML parse) take about 15 s of CPU per 10,000 on their own. The benchmark
/// (scripts/bench.sh --only SCALE) runs 100,000 in release.
#[test]
fn the_reports_of_10_000_requests_from_a_5_000_row_data_file_are_valid_and_complete() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        name: c
        requests:
          - name: first
            url: <<base_url>>/status/200
            assert:
              status: 200
          - name: second
            url: <<base_url>>/status/<<code>>
            assert:
              status: 201
        ",
    );
    let rows: String = (1..=5_000)
        .map(|n| {
            if FAILING_ROWS.contains(&n) {
                "500\n"
            } else {
                "201\n"
            }
        })
        .collect();
    project.file("rows.csv", &format!("code\n{rows}"));
    let out = project
        .runner(["run", "c.yaml", "--data", "rows.csv"])
        .server(&server)
        .args(reports("r"))
        .timeout(Duration::from_secs(600))
        .run();
    out.expect_code(1);

    let report = valid_json_report(&project, "r.json");
    assert_eq!(report["summary"]["passed"], 10_000 - FAILING_ROWS.len());
    assert_eq!(report["summary"]["failed"], FAILING_ROWS.len());
    let units = report["units"].as_array().unwrap();
    assert_eq!(units.len(), 5_000);
    assert_eq!(units[4_999]["iteration"], 5_000, "units in run order");
    let response = &units[0]["requests"][0]["response"];
    assert_eq!(
        response["body"], "",
        "passing bodies are not kept by default"
    );
    assert!(
        response["headers"]
            .as_array()
            .is_some_and(|h| !h.is_empty())
    );
    assert_eq!(
        junit_totals(&project, "r.xml"),
        (10_000, FAILING_ROWS.len(), 0)
    );
    let tap = project.read("r.tap");
    assert_eq!(tap_points(&project, "r.tap"), 10_000);
    assert_eq!(tap.matches("\nnot ok ").count(), FAILING_ROWS.len());

    let html = project.read("r.html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // units with failures are sections of the page; the others are folded into its data
    let units = html.matches("<details class=\"unit\"").count() + html.matches("{\"l\":").count();
    assert_eq!(units, 5_000, "a section or a folded entry per unit");
    let first_passing = html.find("c [row 1]").expect("row 1 is in the page");
    for n in FAILING_ROWS {
        let at = html
            .find(&format!("c [row {n}] "))
            .unwrap_or_else(|| panic!("row {n} is not in the page"));
        assert!(at < first_passing, "the failure of row {n} comes first");
    }
}

#[test]
fn a_sigint_in_the_middle_leaves_valid_reports() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: wait
            url: <<base_url>>/slow/<<ms>>
        ",
    );
    let rows: String = (1..=300)
        .map(|n| {
            if n == 200 {
                "10000\n".to_string()
            } else {
                "0\n".to_string()
            }
        })
        .collect();
    project.file("rows.csv", &format!("ms\n{rows}"));
    let mut running = project
        .runner(["run", "c.yaml", "--data", "rows.csv"])
        .server(&server)
        .args(reports("r"))
        .spawn();
    running.signal_when(Ready::Request(&server, "/slow/10000"), Signal::Int);
    let out = running
        .wait(Duration::from_secs(30))
        .expect("runner did not stop after SIGINT");
    out.expect_code(130);

    let report = valid_json_report(&project, "r.json");
    assert_eq!(report["interrupted"], true);
    assert_eq!(
        report["summary"]["passed"], 199,
        "every unit before the signal"
    );
    let (tests, _, _) = junit_totals(&project, "r.xml");
    assert_eq!(tests, tap_points(&project, "r.tap"));
    assert!(project.read("r.html").trim_end().ends_with("</html>"));
}

#[test]
fn shard_reports_still_merge() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: one
            url: <<base_url>>/status/200
        ",
    );
    for k in 1..=2 {
        project
            .runner([
                "run",
                "c.yaml",
                "--iterations",
                "50",
                "--shard",
                &format!("{k}/2"),
            ])
            .server(&server)
            .args(["--report", &format!("json=s{k}.json")])
            .run()
            .expect_code(0);
    }
    project
        .runner([
            "report",
            "merge",
            "all.json",
            "--from",
            "s1.json",
            "--from",
            "s2.json",
            "--report",
            "junit=all.xml",
        ])
        .run()
        .expect_code(0);
    let merged = valid_json_report(&project, "all.json");
    assert_eq!(merged["summary"]["passed"], 50);
    assert_eq!(junit_totals(&project, "all.xml"), (50, 0, 0));

    // a shard with no unit of its own: empty reports, still valid
    project
        .runner(["run", "c.yaml", "--iterations", "2", "--shard", "3/3"])
        .server(&server)
        .args(reports("empty"))
        .run()
        .expect_code(0);
    let empty = valid_json_report(&project, "empty.json");
    assert_eq!(empty["units"], serde_json::json!([]));
    assert_eq!(junit_totals(&project, "empty.xml"), (0, 0, 0));
    assert_eq!(tap_points(&project, "empty.tap"), 0);
}

#[test]
fn a_bad_row_near_the_end_of_a_long_data_file_stops_the_run_before_anything_is_sent() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: one
            url: <<base_url>>/status/<<code>>
        ",
    );
    let mut csv: String = "code,note\n".into();
    csv.extend((1..=2_999).map(|_| "200,fine\n"));
    csv.push_str("200\n");
    project.file("rows.csv", &csv);
    let mut json: Vec<String> = (1..=2_999)
        .map(|_| r#"{"code": 200}"#.to_string())
        .collect();
    json.push("[200]".into());
    project.file("rows.json", &format!("[{}]", json.join(",\n")));
    for (file, problem) in [
        ("rows.csv", "line: 3001"),
        ("rows.json", "item 3000 is not an object"),
    ] {
        let out = project
            .runner(["run", "c.yaml", "--data", file, "--jobs", "4"])
            .server(&server)
            .run();
        out.expect_code(2);
        assert!(out.stderr.contains(problem), "{out}");
    }
    assert_eq!(server.hits("/status/200"), 0, "nothing was sent");
}
