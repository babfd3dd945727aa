//! Issue 5: running in CI. Report files (JSON against its own schema, JUnit parsed as XML, TAP,
//! self-contained HTML), selection (`--tag`, `--skip-tag`, `--only` with dependency pull-in,
//! `when:`/`skip_if:`), data-driven runs, `--jobs`, `--shard`, `runner report merge`, Ctrl-C and
//! `--bail`. Everything runs the real binary against the in-process test server on 127.0.0.1.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde_json::{Value, json};
use support::{Outcome, Project, Ready, SESSION_TOKEN, Signal, TestServer};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The output line of request `name`: a mark, the method, then exactly this name.
fn line_of<'a>(out: &'a Outcome, name: &str) -> &'a str {
    let pattern = format!(r"^[✔✘-] +\S+ +{}(\s|$)", regex::escape(name));
    let line = Regex::new(&pattern).unwrap();
    out.stdout
        .lines()
        .find(|l| line.is_match(l))
        .unwrap_or_else(|| panic!("no line for request {name:?}\n{out}"))
}

/// Asserts request `name`'s line starts with `mark` and holds each of `words`.
fn expect_line(out: &Outcome, mark: &str, name: &str, words: &[&str]) {
    let line = line_of(out, name);
    assert!(
        line.starts_with(mark),
        "{name} should be marked {mark}: {line:?}\n{out}"
    );
    for word in words {
        assert!(
            line.contains(word),
            "line of {name:?} lacks {word:?}: {line:?}\n{out}"
        );
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SCHEMA_FILE: &str = "schema/report.schema.json";

/// The committed JSON Schema of the JSON report.
fn committed_schema() -> Value {
    let path = manifest_dir().join(SCHEMA_FILE);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SCHEMA_FILE} is not JSON: {e}"))
}

/// The schema's complaints about `report`, one line each.
fn schema_errors(report: &Value) -> Vec<String> {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{SCHEMA_FILE} is not a valid JSON Schema: {e}"));
    validator
        .iter_errors(report)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect()
}

fn assert_valid(report: &Value) {
    let errors = schema_errors(report);
    assert!(
        errors.is_empty(),
        "the report does not match {SCHEMA_FILE}:\n{}\n---\n{report:#}",
        errors.join("\n")
    );
}

/// A JSON report written by a run, checked against the committed schema.
fn json_report(project: &Project, rel: &str) -> Value {
    let path = project.path().join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no JSON report at {}: {e}", path.display()));
    let report: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the JSON report is not JSON ({e}):\n{text}"));
    assert_valid(&report);
    report
}

fn units(report: &Value) -> &Vec<Value> {
    report["units"].as_array().expect("units is an array")
}

/// The request `name` of the unit at `unit`; panics listing the names there are.
fn request<'a>(report: &'a Value, unit: usize, name: &str) -> &'a Value {
    let requests = units(report)[unit]["requests"]
        .as_array()
        .expect("requests is an array");
    requests
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| {
            let names: Vec<&Value> = requests.iter().map(|r| &r["name"]).collect();
            panic!("no request {name:?} in unit {unit}; there are {names:?}")
        })
}

/// `(passed, failed, skipped)` of a JSON report's summary.
fn totals(report: &Value) -> (u64, u64, u64) {
    let s = &report["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("summary.{k}: {s}"));
    (n("passed"), n("failed"), n("skipped"))
}

/// The outcomes of every request, counted the way the summary should be.
fn counted(report: &Value) -> (u64, u64, u64) {
    let mut counts = (0, 0, 0);
    for r in units(report)
        .iter()
        .flat_map(|u| u["requests"].as_array().unwrap())
    {
        match r["outcome"].as_str() {
            Some("passed") => counts.0 += 1,
            Some("failed") => counts.1 += 1,
            Some("skipped") => counts.2 += 1,
            other => panic!("unknown outcome {other:?}"),
        }
    }
    counts
}

/// The report without what differs between two runs of the same thing: timings, dates.
fn without_timings(report: &Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in ["started_at", "duration_ms", "started_ms"] {
                    map.remove(key);
                }
                if let Some(Value::Array(headers)) = map.get_mut("headers") {
                    headers.retain(|h| {
                        !h[0]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("date"))
                    });
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut report = report.clone();
    strip(&mut report);
    report
}

/// `(file, iteration)` of every unit of a report.
fn unit_keys(report: &Value) -> Vec<(String, u64)> {
    units(report)
        .iter()
        .map(|u| {
            (
                u["file"].as_str().expect("file").to_string(),
                u["iteration"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The text of a JSON scalar (`"3"` and `3` both give `3`).
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text)
        .unwrap_or_else(|e| panic!("the JUnit report is not well-formed XML ({e}):\n{text}"))
}

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name).unwrap_or_else(|| {
        panic!(
            "<{}> lacks the attribute {name:?}: {:?}",
            node.tag_name().name(),
            node.attributes()
                .map(|a| (a.name(), a.value()))
                .collect::<Vec<_>>()
        )
    })
}

fn count_attr(node: roxmltree::Node<'_, '_>, name: &str) -> usize {
    attr(node, name)
        .parse()
        .unwrap_or_else(|e| panic!("{name}={:?}: {e}", attr(node, name)))
}

fn children<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|c| c.is_element() && c.tag_name().name() == tag)
        .collect()
}

fn child_text<'a>(node: roxmltree::Node<'a, '_>, tag: &str) -> Option<&'a str> {
    children(node, tag).first().map(|c| c.text().unwrap_or(""))
}

/// Checks one `<testsuite>`'s counts against its `<testcase>`s, returns the cases.
fn checked_suite<'a, 'i>(suite: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    let cases = children(suite, "testcase");
    let with = |tag: &str| {
        cases
            .iter()
            .filter(|c| !children(**c, tag).is_empty())
            .count()
    };
    let name = attr(suite, "name");
    assert_eq!(count_attr(suite, "tests"), cases.len(), "tests= of {name}");
    assert_eq!(
        count_attr(suite, "failures"),
        with("failure"),
        "failures= of {name}"
    );
    assert_eq!(
        count_attr(suite, "errors"),
        with("error"),
        "errors= of {name}"
    );
    let skipped = suite
        .attribute("skipped")
        .or(suite.attribute("disabled"))
        .unwrap_or_else(|| panic!("suite {name} counts no skipped/disabled"));
    assert_eq!(
        skipped.parse::<usize>().unwrap(),
        with("skipped"),
        "skipped of {name}"
    );
    cases
}

// ---------------------------------------------------------------------------------------------
// The JSON report's schema

#[test]
fn schema_file_is_generated_from_the_report_types() {
    let mut generated =
        serde_json::to_string_pretty(&runner::report::model::json_schema()).expect("schema JSON");
    generated.push('\n');
    let path = manifest_dir().join(SCHEMA_FILE);
    if std::env::var_os("RUNNER_UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{SCHEMA_FILE} differs from the schema of src/report/model.rs. Regenerate it with\n  \
         RUNNER_UPDATE_SCHEMA=1 cargo test --test ci schema_file\nor replace it with:\n{generated}"
    );

    // draft 2020-12, and every property documented (doc comments become descriptions)
    let schema: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let mut undocumented = Vec::new();
    let mut objects = vec![("#".to_string(), &schema)];
    for (name, def) in schema["$defs"].as_object().expect("$defs").iter() {
        objects.push((format!("#/$defs/{name}"), def));
    }
    for (place, object) in objects {
        assert!(
            object.get("description").is_some(),
            "{place} has no description"
        );
        for (prop, def) in object["properties"].as_object().into_iter().flatten() {
            if def
                .get("description")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                undocumented.push(format!("{place}/properties/{prop}"));
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

#[test]
fn schema_rejects_what_is_not_a_v1_report() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: ok
            url: <<base_url>>/status/200
            assert: { status: 200 }
        ",
    );
    project
        .runner(["run", "c.yaml", "--report", "json=r.json"])
        .server(&server)
        .run()
        .expect_code(0);
    let report = json_report(&project, "r.json");
    type Breaks = fn(&mut Value);
    let broken: [(&str, Breaks); 5] = [
        ("another version", |r| {
            r["schema"] = json!("runner.report/v2")
        }),
        ("no summary", |r| {
            r.as_object_mut().unwrap().remove("summary");
        }),
        ("an unknown outcome", |r| {
            r["units"][0]["requests"][0]["outcome"] = json!("maybe")
        }),
        ("a negative count", |r| r["summary"]["passed"] = json!(-1)),
        ("shard 0", |r| r["shard"] = json!({"index": 0, "total": 2})),
    ];
    for (what, breaks) in broken {
        let mut bad = report.clone();
        breaks(&mut bad);
        assert!(
            !schema_errors(&bad).is_empty(),
            "the schema accepts a report with {what}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Report files

/// Passing, failing (status, JSON, a diffed object), an error, a skipped request and a secret.
const REPORT_COLLECTION: &str = r#"
    name: Orders API
    requests:
      - name: login
        url: <<base_url>>/session
        assert:
          status: 200
          json:
            $.user: alice
        capture:
          session: { json: $.session_token, secret: true }
          user: $.user
      - group: orders
        requests:
          - name: list
            url: <<base_url>>/echo
            headers: { X-Session: <<session>> }
            query: { who: <<user>> }
            assert:
              status: 200
              json:
                $.args.who: alice
          - name: broken
            url: <<base_url>>/status/500
            assert:
              status: 200
              json:
                $.status: { lt: 400 }
          - name: big
            url: <<base_url>>/big-json
            assert:
              json:
                $.order.customer.address: { eq: { street: 1 Main St, city: Atlanta } }
          - name: undefined
            url: <<base_url>>/echo?x=<<no_such_variable>>
          - name: for bob
            when: "user == 'bob'"
            url: <<base_url>>/status/200
"#;

/// Runs `REPORT_COLLECTION` writing every report kind to `reports/r.*`.
fn report_run(iterations: Option<&str>) -> (TestServer, Project, Outcome) {
    let server = TestServer::start();
    let project = Project::new();
    project.file("orders.yaml", REPORT_COLLECTION);
    let mut args = vec![
        "orders.yaml",
        "--report",
        "json=reports/r.json",
        "--report",
        "junit=reports/r.xml",
        "--report",
        "tap=reports/r.tap",
        "--report",
        "html=reports/r.html",
    ];
    if let Some(n) = iterations {
        args.extend(["--iterations", n]);
    }
    let out = project.runner(["run"]).args(&args).server(&server).run();
    (server, project, out)
}

/// The report's entry for `login`: sent, passed, its captures (the secret one masked) and the
/// assertion that held.
fn expect_login_entry(report: &Value, server: &TestServer) {
    let login = request(report, 0, "login");
    assert_eq!(login["method"], "GET");
    assert_eq!(login["url"], format!("{}/session", server.base_url()));
    assert_eq!(login["status"], 200);
    assert_eq!(login["outcome"], "passed");
    assert_eq!(login["location"], "orders.yaml:3:5");
    assert!(login["duration_ms"].is_u64());
    assert_eq!(
        login["captures"],
        json!([
            {"name": "session", "value": "***", "secret": true},
            {"name": "user", "value": "alice", "secret": false},
        ])
    );
    let held = &login["assertions"][1];
    assert_eq!(held["subject"], "json $.user");
    assert_eq!(held["expected"], "alice");
    assert_eq!(held["actual"], "alice");
    assert_eq!(held["passed"], true);
    assert!(login["response"]["body_bytes"].as_u64().unwrap() > 0);
}

/// The report's entry for `orders/broken`: two failed assertions with subject, operator,
/// expected and actual values, and a location.
fn expect_broken_entry(report: &Value) {
    let broken = request(report, 0, "orders/broken");
    assert_eq!(broken["outcome"], "failed");
    assert_eq!(broken["status"], 500);
    let assertions = broken["assertions"].as_array().unwrap();
    assert_eq!(assertions.len(), 2, "{broken:#}");
    assert_eq!(
        (
            &assertions[0]["subject"],
            &assertions[0]["op"],
            &assertions[0]["expected"],
            &assertions[0]["actual"],
            &assertions[0]["passed"]
        ),
        (
            &json!("status"),
            &json!("eq"),
            &json!(200),
            &json!(500),
            &json!(false)
        )
    );
    assert_eq!(assertions[1]["subject"], "json $.status");
    assert_eq!(assertions[1]["op"], "lt");
    assert_eq!(assertions[1]["expected"], 400);
    assert_eq!(assertions[1]["actual"], 500);
    assert_eq!(assertions[1]["passed"], false);
    assert!(
        assertions[1]["location"]
            .as_str()
            .unwrap()
            .starts_with("orders.yaml:")
    );
    assert!(broken["errors"].as_array().unwrap().is_empty());
}

#[test]
fn json_report_holds_requests_assertions_captures_and_errors() {
    let (server, project, out) = report_run(None);
    out.expect_code(1)
        .expect_summary("2 passed, 3 failed, 1 skipped");
    let report = json_report(&project, "reports/r.json");

    assert_eq!(report["schema"], "runner.report/v1");
    assert_eq!(report["runner_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["interrupted"], false);
    assert_eq!(report["shard"], Value::Null);
    assert_eq!(totals(&report), (2, 3, 1));
    assert_eq!(counted(&report), (2, 3, 1));
    assert_eq!(units(&report).len(), 1);
    let unit = &units(&report)[0];
    assert_eq!(unit["collection"], "Orders API");
    assert_eq!(unit["file"], "orders.yaml");
    assert_eq!(unit["iteration"], Value::Null);
    let names: Vec<&str> = unit["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "login",
            "orders/list",
            "orders/broken",
            "orders/big",
            "orders/undefined",
            "orders/for bob"
        ]
    );

    expect_login_entry(&report, &server);
    expect_broken_entry(&report);

    let big = request(&report, 0, "orders/big");
    let diff = big["assertions"][0]["diff"]
        .as_str()
        .expect("a diff for an object");
    assert!(diff.contains("-  \"street\": \"1 Main St\""), "{diff}");
    assert!(
        diff.contains("+  \"street\": \"192 Market Square\""),
        "{diff}"
    );

    let undefined = request(&report, 0, "orders/undefined");
    assert_eq!(undefined["outcome"], "failed");
    assert_eq!(undefined["url"], Value::Null, "never sent");
    assert_eq!(undefined["request"], Value::Null);
    let errors = undefined["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{undefined:#}");
    assert!(
        errors[0].as_str().unwrap().contains("no_such_variable"),
        "{errors:?}"
    );

    let skipped = request(&report, 0, "orders/for bob");
    assert_eq!(skipped["outcome"], "skipped");
    assert_eq!(skipped["status"], Value::Null);
    assert_eq!(skipped["skip_reason"], "when: user == 'bob'");
    assert_eq!(server.hits("/status/200"), 0);
}

#[test]
fn secrets_are_masked_in_every_report_kind() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: login
            url: <<base_url>>/session
            capture:
              session: { json: $.session_token, secret: true }
          - name: in a header
            url: <<base_url>>/mirror
            headers: { X-Session: <<session>> }
          - name: in a body
            method: POST
            url: <<base_url>>/echo
            json: { session: <<session>> }
          - name: in a query
            url: <<base_url>>/echo
            query: { s: <<session>> }
          - name: asserted
            url: <<base_url>>/session
            assert:
              json:
                $.session_token: nothing like it
        "#,
    );
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
            "--report",
            "tap=r.tap",
            "--report",
            "html=r.html",
        ])
        .server(&server)
        .run();
    out.expect_code(1).expect_summary("4 passed, 1 failed");
    assert_eq!(
        server.last("/mirror").header("x-session"),
        Some(SESSION_TOKEN)
    );
    // `sess+9f/8e@7d!6c"b\x`: its middle survives every escaping (JSON, HTML, XML, URL) but
    // percent-encoding, so look for both
    for file in ["r.json", "r.xml", "r.tap", "r.html"] {
        let text = project.read(file);
        for leak in ["9f/8e@7d", "9f%2F8e%407d"] {
            let at = text.find(leak);
            assert!(
                at.is_none(),
                "{file} holds the secret: …{}…",
                &text[at.unwrap().saturating_sub(60)..(at.unwrap() + 60).min(text.len())]
            );
        }
        assert!(text.contains("***"), "{file} shows no mask at all");
    }
    assert!(!out.all().contains("9f/8e@7d"), "{out}");
}

/// One `<testsuite>` of the report run: its cases in order, their times, and what each case
/// holds (output, a failure with both assertions, a diff, an error, a skip).
fn expect_junit_suite(suite: roxmltree::Node<'_, '_>, server: &TestServer) {
    let cases = checked_suite(suite);
    let case_names: Vec<&str> = cases.iter().map(|c| attr(*c, "name")).collect();
    assert_eq!(
        case_names,
        [
            "login",
            "orders/list",
            "orders/broken",
            "orders/big",
            "orders/undefined",
            "orders/for bob"
        ]
    );
    let case = |name: &str| *cases.iter().find(|c| attr(**c, "name") == name).unwrap();
    for c in &cases {
        assert_eq!(attr(*c, "classname"), "orders.yaml");
    }
    for sent in ["login", "orders/list", "orders/broken", "orders/big"] {
        let time: f64 = attr(case(sent), "time").parse().expect("time in seconds");
        assert!((0.0..30.0).contains(&time), "{sent}: time={time}");
    }

    let login = case("login");
    assert!(children(login, "failure").is_empty() && children(login, "skipped").is_empty());
    assert_eq!(
        child_text(login, "system-out"),
        Some(format!("GET {}/session → 200", server.base_url()).as_str())
    );

    let broken = case("orders/broken");
    let failure = children(broken, "failure");
    assert_eq!(failure.len(), 1, "one <failure> for orders/broken");
    let message = attr(failure[0], "message");
    assert!(
        message.contains("status") && message.contains("200") && message.contains("500"),
        "{message}"
    );
    let body = failure[0].text().unwrap_or("");
    for needle in [
        "status: expected eq 200, actual 500",
        "json $.status: expected lt 400, actual 500",
    ] {
        assert!(
            body.contains(needle),
            "failure text lacks {needle:?}:\n{body}"
        );
    }
    assert_eq!(
        child_text(broken, "system-out"),
        Some(format!("GET {}/status/500 → 500", server.base_url()).as_str())
    );

    let big = case("orders/big");
    let body = children(big, "failure")[0].text().unwrap_or("");
    assert!(
        body.contains("+  \"street\": \"192 Market Square\""),
        "diff in failure:\n{body}"
    );

    let undefined = case("orders/undefined");
    let error = children(undefined, "error");
    assert_eq!(
        error.len(),
        1,
        "a request that was never sent is an <error>"
    );
    assert!(attr(error[0], "message").contains("no_such_variable"));

    let skipped = case("orders/for bob");
    let skip = children(skipped, "skipped");
    assert_eq!(skip.len(), 1);
    assert_eq!(skip[0].attribute("message"), Some("when: user == 'bob'"));
}

#[test]
fn junit_report_has_a_suite_per_unit_and_a_case_per_request() {
    let (server, project, out) = report_run(Some("2"));
    out.expect_code(1)
        .expect_summary("4 passed, 6 failed, 2 skipped");
    let text = project.read("reports/r.xml");
    let doc = parse_xml(&text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites = children(root, "testsuite");
    let names: Vec<&str> = suites.iter().map(|s| attr(*s, "name")).collect();
    assert_eq!(
        names,
        ["Orders API [iteration 1]", "Orders API [iteration 2]"]
    );
    assert_eq!(count_attr(root, "tests"), 12);
    assert_eq!(count_attr(root, "failures") + count_attr(root, "errors"), 6);

    for suite in suites {
        expect_junit_suite(suite, &server);
    }
}

/// Test points of a TAP document: `(ok, number, description)`; checks the version and plan.
fn tap_points(text: &str) -> Vec<(bool, usize, String)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("TAP version 14"), "{text}");
    let plan = Regex::new(r"^1\.\.(\d+)$").unwrap();
    let planned: usize = lines
        .next()
        .and_then(|l| plan.captures(l))
        .map(|c| c[1].parse().unwrap())
        .unwrap_or_else(|| panic!("no plan line:\n{text}"));
    let point = Regex::new(r"^(not ok|ok) (\d+) (.*)$").unwrap();
    let mut points = Vec::new();
    let mut in_yaml = false;
    for line in lines {
        if in_yaml {
            in_yaml = line != "  ...";
            continue;
        }
        if line == "  ---" {
            in_yaml = true;
        } else if let Some(c) = point.captures(line) {
            points.push((&c[1] == "ok", c[2].parse().unwrap(), c[3].to_string()));
        } else if !line.starts_with('#') && !line.starts_with("Bail out!") {
            panic!("not TAP: {line:?}\n{text}");
        }
    }
    assert!(!in_yaml, "unterminated YAML block:\n{text}");
    assert_eq!(points.len(), planned, "plan 1..{planned}:\n{text}");
    for (i, (_, n, _)) in points.iter().enumerate() {
        assert_eq!(*n, i + 1, "test points numbered in order:\n{text}");
    }
    points
}

#[test]
fn tap_report_has_a_plan_and_a_test_point_per_request() {
    let (_server, project, out) = report_run(None);
    out.expect_code(1);
    let text = project.read("reports/r.tap");
    let points = tap_points(&text);
    let summary: Vec<(bool, &str)> = points.iter().map(|(ok, _, d)| (*ok, d.as_str())).collect();
    assert_eq!(
        summary,
        [
            (true, "Orders API - login"),
            (true, "Orders API - orders/list"),
            (false, "Orders API - orders/broken"),
            (false, "Orders API - orders/big"),
            (false, "Orders API - orders/undefined"),
            (
                true,
                "Orders API - orders/for bob # SKIP when: user == 'bob'"
            ),
        ]
    );
    assert!(
        text.contains("    - \"status eq: expected 200, actual 500\""),
        "failure diagnostics:\n{text}"
    );
}

#[test]
fn html_report_is_self_contained_with_summary_waterfall_and_diffs() {
    let (_server, project, out) = report_run(None);
    out.expect_code(1);
    let html = project.read("reports/r.html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));

    // nothing fetched: no remote src/href, no script files, no stylesheets or fonts from elsewhere
    let remote = Regex::new(r#"(?i)\b(src|href)\s*=\s*["']?\s*(https?:)?//"#).unwrap();
    assert!(
        remote.find(&html).is_none(),
        "remote reference: {:?}",
        remote.find(&html)
    );
    let link = Regex::new(r"(?i)\b(src|href)\s*=").unwrap();
    assert!(link.find(&html).is_none(), "no src=/href= at all expected");
    let script_src = Regex::new(r"(?i)<script[^>]*\bsrc").unwrap();
    assert!(script_src.find(&html).is_none());
    let css_fetch = Regex::new(r"(?i)@import|url\(\s*['\x22]?\s*(https?:)?//").unwrap();
    assert!(
        css_fetch.find(&html).is_none(),
        "CSS fetch: {:?}",
        css_fetch.find(&html)
    );
    assert!(!html.to_lowercase().contains("<link"), "no <link> elements");

    for count in ["2 passed", "3 failed", "1 skipped"] {
        assert!(html.contains(count), "summary lacks {count:?}");
    }
    for name in [
        "login",
        "orders/list",
        "orders/broken",
        "orders/big",
        "orders/undefined",
        "orders/for bob",
    ] {
        assert!(html.contains(name), "no request {name:?}");
    }
    assert!(
        html.contains("<span class=\"meta\">skipped: when: user == &#39;bob&#39;</span></summary>"),
        "skip reason shown on the row"
    );

    // every request expandable; the failed ones open
    let details =
        Regex::new(r"<details( open)?><summary><b>(\w+)</b> ([^<]+)(<span|</summary>)").unwrap();
    let rows: Vec<(bool, String)> = details
        .captures_iter(&html)
        .map(|c| (c.get(1).is_some(), c[3].to_string()))
        .collect();
    assert_eq!(
        rows,
        [
            (false, "login".to_string()),
            (false, "orders/list".to_string()),
            (true, "orders/broken".to_string()),
            (true, "orders/big".to_string()),
            (true, "orders/undefined".to_string()),
            (false, "orders/for bob".to_string()),
        ]
    );
    assert!(html.contains("<summary>response</summary>"));

    // a waterfall bar per sent request, in order along the run's time axis
    let bar =
        Regex::new(r#"<i class="(passed|failed)" style="left:([\d.]+)%;width:([\d.]+)%""#).unwrap();
    let bars: Vec<(f64, f64)> = bar
        .captures_iter(&html)
        .map(|c| (c[2].parse().unwrap(), c[3].parse().unwrap()))
        .collect();
    assert_eq!(bars.len(), 4, "bars for the four sent requests only");
    for pair in bars.windows(2) {
        assert!(pair[0].0 <= pair[1].0, "bars in time order: {bars:?}");
    }
    for (left, width) in &bars {
        assert!(
            *left >= 0.0 && left + width <= 100.5,
            "bar inside the axis: {bars:?}"
        );
    }

    // the diff of the object assertion, lines colored by kind
    assert!(html.contains(r#"<span class="del">-  &quot;street&quot;: &quot;1 Main St&quot;"#));
    assert!(
        html.contains(r#"<span class="add">+  &quot;street&quot;: &quot;192 Market Square&quot;"#)
    );
}

// ---------------------------------------------------------------------------------------------
// Selection

/// Tags on requests and groups; `customers/show` needs `customers/list`, which needs `login`.
const SHOP: &str = r#"
    name: Shop
    requests:
      - name: login
        url: <<base_url>>/session
        capture:
          user: $.user
      - name: health
        tags: [smoke]
        url: <<base_url>>/status/200
      - group: customers
        tags: [crud]
        requests:
          - name: list
            tags: [smoke]
            url: <<base_url>>/echo
            query: { who: <<user>> }
            capture:
              list_path: $.path
          - name: show
            url: <<base_url>><<list_path>>
            query: { show: 1 }
          - name: create
            tags: [write]
            method: POST
            url: <<base_url>>/echo
            json: { who: <<user>> }
      - group: admin
        tags: [write]
        requests:
          - name: purge
            method: DELETE
            url: <<base_url>>/status/204
      - name: unrelated
        url: <<base_url>>/text
"#;

/// Runs SHOP with the selection flags; returns the run and which requests reached the server.
fn shop(flags: &[&str]) -> (Outcome, Value, Vec<&'static str>) {
    let server = TestServer::start();
    let project = Project::new();
    project.file("shop.yaml", SHOP);
    let mut args = vec!["shop.yaml", "--report", "json=r.json"];
    args.extend(flags);
    let out = project.runner(["run"]).args(&args).server(&server).run();
    let report = json_report(&project, "r.json");
    let echo = server.received("/echo");
    let sent = [
        ("login", server.hits("/session") > 0),
        ("health", server.hits("/status/200") > 0),
        (
            "customers/list",
            echo.iter()
                .any(|r| r.method == "GET" && !r.query.contains("show")),
        ),
        (
            "customers/show",
            echo.iter().any(|r| r.query.contains("show")),
        ),
        ("customers/create", echo.iter().any(|r| r.method == "POST")),
        ("admin/purge", server.hits("/status/204") > 0),
        ("unrelated", server.hits("/text") > 0),
    ];
    let sent = sent
        .into_iter()
        .filter(|(_, s)| *s)
        .map(|(n, _)| n)
        .collect();
    (out, report, sent)
}

fn skip_reasons(report: &Value) -> BTreeMap<String, String> {
    units(report)[0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "skipped")
        .map(|r| (scalar(&r["name"]), scalar(&r["skip_reason"])))
        .collect()
}

#[test]
fn tag_selects_tagged_requests_and_pulls_in_what_they_need() {
    let (out, report, sent) = shop(&["--tag", "smoke"]);
    out.expect_code(0)
        .expect_summary("3 passed, 0 failed, 4 skipped");
    assert_eq!(sent, ["login", "health", "customers/list"]);
    expect_line(
        &out,
        "✔",
        "login",
        &["(run for `customers/list`, which needs its captures)"],
    );
    expect_line(&out, "✔", "health", &[]);
    expect_line(&out, "✔", "customers/list", &[]);
    expect_line(&out, "-", "customers/create", &["not selected"]);
    expect_line(&out, "-", "admin/purge", &["not selected"]);
    assert!(
        !line_of(&out, "health").contains("run for"),
        "only pulled-in requests say so\n{out}"
    );
    assert_eq!(
        request(&report, 0, "login")["pulled_in_by"],
        "customers/list"
    );
    assert_eq!(request(&report, 0, "health")["pulled_in_by"], Value::Null);
    let reasons = skip_reasons(&report);
    assert_eq!(reasons.len(), 4);
    assert!(reasons.values().all(|r| r == "not selected"), "{reasons:?}");
}

#[test]
fn tag_on_a_group_selects_its_requests() {
    let (out, _report, sent) = shop(&["--tag", "crud"]);
    out.expect_code(0)
        .expect_summary("4 passed, 0 failed, 3 skipped");
    assert_eq!(
        sent,
        [
            "login",
            "customers/list",
            "customers/show",
            "customers/create"
        ]
    );
    let line = line_of(&out, "login");
    assert!(
        Regex::new(r"\(run for `customers/(list|create)`, which needs its captures\)")
            .unwrap()
            .is_match(line),
        "{out}"
    );
}

#[test]
fn skip_tag_leaves_out_tagged_requests_and_groups() {
    let (out, report, sent) = shop(&["--skip-tag", "write"]);
    out.expect_code(0)
        .expect_summary("5 passed, 0 failed, 2 skipped");
    assert_eq!(
        sent,
        [
            "login",
            "health",
            "customers/list",
            "customers/show",
            "unrelated"
        ]
    );
    expect_line(&out, "-", "customers/create", &["not selected"]);
    expect_line(&out, "-", "admin/purge", &["not selected"]);
    assert!(
        !line_of(&out, "login").contains("run for"),
        "login is selected itself"
    );
    assert_eq!(skip_reasons(&report).len(), 2);
}

#[test]
fn only_pulls_in_the_requests_whose_captures_are_needed_transitively() {
    let (out, report, sent) = shop(&["--only", "customers/show"]);
    out.expect_code(0)
        .expect_summary("3 passed, 0 failed, 4 skipped");
    assert_eq!(sent, ["login", "customers/list", "customers/show"]);
    expect_line(
        &out,
        "✔",
        "customers/list",
        &["(run for `customers/show`, which needs its captures)"],
    );
    expect_line(
        &out,
        "✔",
        "login",
        &["(run for `customers/list`, which needs its captures)"],
    );
    assert_eq!(
        request(&report, 0, "customers/list")["pulled_in_by"],
        "customers/show"
    );
    assert_eq!(
        request(&report, 0, "login")["pulled_in_by"],
        "customers/list"
    );

    let (out, _, sent) = shop(&["--only", "customers/*", "--skip-tag", "write"]);
    out.expect_code(0)
        .expect_summary("3 passed, 0 failed, 4 skipped");
    assert_eq!(sent, ["login", "customers/list", "customers/show"]);

    let (out, _, sent) = shop(&["--only", "admin/*", "--only", "unrelated"]);
    out.expect_code(0)
        .expect_summary("2 passed, 0 failed, 5 skipped");
    assert_eq!(
        sent,
        ["admin/purge", "unrelated"],
        "nothing needed, nothing pulled in"
    );
}

#[test]
fn when_and_skip_if_decide_at_run_time_on_requests_and_groups() {
    let collection = r#"
        vars:
          stage: dev
          features: "off"
        requests:
          - name: login
            url: <<base_url>>/session
            capture: { user: $.user }
          - name: for alice
            when: "user == 'alice'"
            url: <<base_url>>/status/201
          - name: for bob
            when: "user == 'bob'"
            url: <<base_url>>/status/202
          - name: not in prod
            skip_if: "stage == 'prod'"
            url: <<base_url>>/status/203
          - group: beta
            when: "features == 'on'"
            requests:
              - name: new endpoint
                url: <<base_url>>/status/204
    "#;
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", collection);
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0)
        .expect_summary("3 passed, 0 failed, 2 skipped");
    expect_line(&out, "✔", "for alice", &["201"]);
    expect_line(&out, "-", "for bob", &["when: user == 'bob'"]);
    expect_line(&out, "✔", "not in prod", &["203"]);
    expect_line(&out, "-", "beta/new endpoint", &["when: features == 'on'"]);
    let hits: Vec<usize> = [201, 202, 203, 204]
        .iter()
        .map(|c| server.hits(&format!("/status/{c}")))
        .collect();
    assert_eq!(hits, [1, 0, 1, 0]);

    let server = TestServer::start();
    let mut args = vec!["run".to_string(), "c.yaml".into()];
    for var in ["stage=prod", "features=on", &server.var()] {
        args.extend(["--var".to_string(), var.to_string()]);
    }
    let out = project.runner(args).run();
    out.expect_code(0)
        .expect_summary("3 passed, 0 failed, 2 skipped");
    expect_line(&out, "-", "not in prod", &["skip_if: stage == 'prod'"]);
    expect_line(&out, "✔", "beta/new endpoint", &["204"]);
    let hits: Vec<usize> = [201, 202, 203, 204]
        .iter()
        .map(|c| server.hits(&format!("/status/{c}")))
        .collect();
    assert_eq!(hits, [1, 0, 0, 1]);
}

// ---------------------------------------------------------------------------------------------
// Data-driven runs

const ROWS_COLLECTION: &str = r#"
    name: Orders
    vars:
      region: collection
      name: from-collection
    requests:
      - name: create
        method: POST
        url: <<base_url>>/echo
        json: { customer: <<name>>, qty: <<qty>>, region: <<region>> }
        assert:
          status: 200
          json:
            $.json.customer: { ne: Contoso }
"#;

/// The JSON bodies sent to /echo, in order.
fn echoed(server: &TestServer) -> Vec<Value> {
    server.received("/echo").iter().map(|r| r.json()).collect()
}

#[test]
fn csv_rows_run_the_collection_once_per_row() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("orders.yaml", ROWS_COLLECTION).file(
        "customers.csv",
        "
            name,qty
            Adatum,3
            \"Fabrikam, Inc.\",5
            Contoso,7
            ",
    );
    let out = project
        .runner([
            "run",
            "orders.yaml",
            "--data",
            "customers.csv",
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
        ])
        .server(&server)
        .run();
    out.expect_code(1).expect_summary("2 passed, 1 failed");
    let headers: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("Orders"))
        .collect();
    assert_eq!(
        headers,
        [
            "Orders [row 1] (orders.yaml)",
            "Orders [row 2] (orders.yaml)",
            "Orders [row 3] (orders.yaml)"
        ],
        "{out}"
    );
    let sent: Vec<(String, String, String)> = echoed(&server)
        .iter()
        .map(|b| {
            (
                scalar(&b["customer"]),
                scalar(&b["qty"]),
                scalar(&b["region"]),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("Adatum".into(), "3".into(), "collection".into()),
            ("Fabrikam, Inc.".into(), "5".into(), "collection".into()),
            ("Contoso".into(), "7".into(), "collection".into()),
        ]
    );
    let report = json_report(&project, "r.json");
    let rows: Vec<(u64, &str)> = units(&report)
        .iter()
        .map(|u| {
            (
                u["iteration"].as_u64().unwrap(),
                u["requests"][0]["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(1, "passed"), (2, "passed"), (3, "failed")]);
    let xml = project.read("r.xml");
    let doc = parse_xml(&xml);
    let failing: Vec<&str> = children(doc.root_element(), "testsuite")
        .into_iter()
        .filter(|s| count_attr(*s, "failures") > 0)
        .map(|s| attr(s, "name"))
        .collect();
    assert_eq!(failing, ["Orders [row 3]"]);
}

#[test]
fn json_rows_keep_their_types_and_sit_between_environment_and_cli_vars() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("orders.yaml", ROWS_COLLECTION)
        .file("env.yaml", "region: from-env\nname: from-env\nqty: 0\n")
        .file(
            "rows.json",
            r#"[{"name": "Adatum", "qty": 3}, {"name": "Fabrikam", "qty": 5, "region": "row"}]"#,
        );
    let out = project
        .runner([
            "run",
            "orders.yaml",
            "-e",
            "env.yaml",
            "--data",
            "rows.json",
        ])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    let bodies = echoed(&server);
    assert_eq!(
        bodies,
        [
            json!({"customer": "Adatum", "qty": 3, "region": "from-env"}),
            json!({"customer": "Fabrikam", "qty": 5, "region": "row"}),
        ],
        "row beats environment; JSON numbers stay numbers"
    );

    let server = TestServer::start();
    let out = project
        .runner([
            "run",
            "orders.yaml",
            "-e",
            "env.yaml",
            "--data",
            "rows.json",
            "--var",
            "region=cli",
        ])
        .server(&server)
        .run();
    out.expect_code(0);
    let regions: Vec<Value> = echoed(&server)
        .iter()
        .map(|b| b["region"].clone())
        .collect();
    assert_eq!(regions, [json!("cli"), json!("cli")], "--var beats the row");
}

#[test]
fn iterations_repeat_the_collection_and_are_reported_separately() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        name: Ping
        requests:
          - name: ping
            url: <<base_url>>/status/200
        ",
    );
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--iterations",
            "3",
            "--report",
            "json=r.json",
        ])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    assert_eq!(server.hits("/status/200"), 3);
    for n in 1..=3 {
        assert!(
            out.stdout
                .contains(&format!("Ping [iteration {n}] (c.yaml)")),
            "{out}"
        );
    }
    let report = json_report(&project, "r.json");
    assert_eq!(
        unit_keys(&report),
        [
            ("c.yaml".into(), 1),
            ("c.yaml".into(), 2),
            ("c.yaml".into(), 3)
        ]
    );

    let both = project
        .runner(["run", "c.yaml", "--iterations", "2", "--data", "x.csv"])
        .server(&server)
        .run();
    both.expect_code(2);
    assert_eq!(server.hits("/status/200"), 3, "nothing more sent");
}

// ---------------------------------------------------------------------------------------------
// Parallel and sharded runs: 3 collections × 4 data rows = 12 units

/// Collection `NAME`: a pause, an echo of the row, and a status check that fails for rows 2
/// and 4.
fn unit_collection(name: &str) -> String {
    format!(
        r#"
        name: {name}
        vars:
          pause: 0
        requests:
          - name: wait
            url: <<base_url>>/slow/<<pause>>
          - name: echo
            url: <<base_url>>/echo
            query: {{ unit: {name}, row: <<n>> }}
            assert:
              json:
                $.args.row: "<<n>>"
            capture:
              seen: $.args.row
          - name: check
            url: <<base_url>>/status/<<code>>
            assert:
              status: 200
        "#
    )
}

fn twelve_units() -> Project {
    let project = Project::new();
    for name in ["alpha", "beta", "gamma"] {
        project.file(&format!("suite/{name}.yaml"), &unit_collection(name));
    }
    project.file("rows.csv", "n,code\n1,200\n2,500\n3,200\n4,404\n");
    project
}

const UNIT_FILES: [&str; 3] = ["suite/alpha.yaml", "suite/beta.yaml", "suite/gamma.yaml"];

fn twelve_unit_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = UNIT_FILES.to_vec();
    args.extend(["--data", "rows.csv"]);
    args.extend(extra);
    args
}

/// The intervals `[start, end)` in ms of the units' sent requests.
fn unit_spans(report: &Value) -> Vec<(u64, u64)> {
    units(report)
        .iter()
        .map(|u| {
            let sent: Vec<&Value> = u["requests"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["duration_ms"].is_u64())
                .collect();
            let start = sent
                .iter()
                .map(|r| r["started_ms"].as_u64().unwrap())
                .min()
                .unwrap();
            let end = sent
                .iter()
                .map(|r| r["started_ms"].as_u64().unwrap() + r["duration_ms"].as_u64().unwrap())
                .max()
                .unwrap();
            (start, end)
        })
        .collect()
}

#[test]
fn jobs_4_reports_the_same_as_jobs_1() {
    let server = TestServer::start();
    let project = twelve_units();
    let sequential = project
        .runner(["run"])
        .args(twelve_unit_args(&[
            "--var",
            "pause=250",
            "--jobs",
            "1",
            "--report",
            "json=seq.json",
        ]))
        .server(&server)
        .run();
    sequential
        .expect_code(1)
        .expect_summary("30 passed, 6 failed");
    let parallel = project
        .runner(["run"])
        .args(twelve_unit_args(&[
            "--var",
            "pause=250",
            "-j",
            "4",
            "--report",
            "json=par.json",
        ]))
        .server(&server)
        .run();
    parallel
        .expect_code(1)
        .expect_summary("30 passed, 6 failed");

    let seq = json_report(&project, "seq.json");
    let par = json_report(&project, "par.json");
    assert_eq!(unit_keys(&par).len(), 12);
    assert_eq!(
        without_timings(&seq),
        without_timings(&par),
        "--jobs 4 and --jobs 1 differ beyond timings"
    );

    // the parallel run did overlap units; the sequential one did not
    let overlapping = |spans: &[(u64, u64)]| {
        spans
            .iter()
            .enumerate()
            .any(|(i, a)| spans[i + 1..].iter().any(|b| a.0 < b.1 && b.0 < a.1))
    };
    assert!(overlapping(&unit_spans(&par)), "{:?}", unit_spans(&par));
    assert!(!overlapping(&unit_spans(&seq)), "{:?}", unit_spans(&seq));

    // each unit's lines stay together: a header, then its three requests
    let blocks: Vec<Vec<&str>> = parallel
        .stdout
        .split("\n\n")
        .map(|b| b.lines().collect::<Vec<_>>())
        .filter(|b| !b.is_empty())
        .collect();
    let header = Regex::new(r"^(alpha|beta|gamma) \[row [1-4]\] \(suite/\w+\.yaml\)$").unwrap();
    let unit_blocks: Vec<&Vec<&str>> = blocks.iter().filter(|b| header.is_match(b[0])).collect();
    assert_eq!(unit_blocks.len(), 12, "{parallel}");
    for block in unit_blocks {
        let marks: Vec<&str> = block[1..]
            .iter()
            .filter(|l| l.starts_with('✔') || l.starts_with('✘'))
            .map(|l| l.split_whitespace().nth(2).unwrap())
            .collect();
        assert_eq!(
            marks,
            ["wait", "echo", "check"],
            "block {block:?}\n{parallel}"
        );
    }
}

#[test]
fn shards_cover_every_unit_exactly_once() {
    let server = TestServer::start();
    let project = twelve_units();
    let mut seen: Vec<(String, u64)> = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let report_arg = format!("json=shard{k}.json");
        let out = project
            .runner(["run"])
            .args(twelve_unit_args(&[
                "--shard",
                &shard,
                "--report",
                &report_arg,
            ]))
            .server(&server)
            .run();
        assert!(matches!(out.code, Some(0 | 1)), "{out}");
        let report = json_report(&project, &format!("shard{k}.json"));
        assert_eq!(report["shard"], json!({"index": k, "total": 3}));
        let keys = unit_keys(&report);
        assert_eq!(keys.len(), 4, "shard {shard} takes a third: {keys:?}");
        let files: std::collections::BTreeSet<&str> =
            keys.iter().map(|(f, _)| f.as_str()).collect();
        assert!(
            files.len() > 1,
            "round robin spreads collections over shards: {keys:?}"
        );
        seen.extend(keys);
    }
    let mut all: Vec<(String, u64)> = Vec::new();
    for file in UNIT_FILES {
        for row in 1..=4 {
            all.push((file.to_string(), row));
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, all, "every unit exactly once: {seen:?}");
    assert_eq!(server.hits("/slow/0"), 12);
    assert_eq!(server.received("/echo").len(), 12);
}

#[test]
fn merging_shard_reports_reproduces_the_unsharded_run() {
    let server = TestServer::start();
    let project = twelve_units();
    let whole = project
        .runner(["run"])
        .args(twelve_unit_args(&["--report", "json=whole.json"]))
        .server(&server)
        .run();
    whole.expect_code(1);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let report_arg = format!("json=shards/{k}.json");
        project
            .runner(["run"])
            .args(twelve_unit_args(&[
                "--shard",
                &shard,
                "--report",
                &report_arg,
            ]))
            .server(&server)
            .run();
    }
    let out = project
        .runner([
            "report",
            "merge",
            "merged.json",
            "--from",
            "shards/1.json",
            "--from",
            "shards/2.json",
            "--from",
            "shards/3.json",
            "--report",
            "junit=merged.xml",
            "--report",
            "html=merged.html",
        ])
        .run();
    out.expect_code(1);
    assert!(
        out.stdout.contains("merged 3 reports: 30 passed, 6 failed"),
        "{out}"
    );

    let whole = json_report(&project, "whole.json");
    let merged = json_report(&project, "merged.json");
    assert_eq!(totals(&merged), totals(&whole));
    assert_eq!(totals(&merged), (30, 6, 0));
    assert_eq!(merged["shard"], Value::Null);
    assert_eq!(merged["interrupted"], false);
    let by_key = |report: &Value| -> BTreeMap<(String, u64), Value> {
        units(report)
            .iter()
            .map(|u| {
                let key = (scalar(&u["file"]), u["iteration"].as_u64().unwrap());
                (key, without_timings(u))
            })
            .collect()
    };
    assert_eq!(
        by_key(&merged),
        by_key(&whole),
        "the merged units are the unsharded ones"
    );

    let xml = project.read("merged.xml");
    let doc = parse_xml(&xml);
    let root = doc.root_element();
    assert_eq!(count_attr(root, "tests"), 36);
    assert_eq!(count_attr(root, "failures"), 6);
    let suites = children(root, "testsuite");
    assert_eq!(suites.len(), 12);
    for suite in suites {
        checked_suite(suite);
    }
    let html = project.read("merged.html");
    assert!(html.contains("30 passed") && html.contains("6 failed"));
}

#[test]
fn merge_rejects_what_is_not_a_runner_report() {
    let project = Project::new();
    project.file("other.json", r#"{"hello": "world"}"#);
    let out = project
        .runner(["report", "merge", "m.json", "--from", "other.json"])
        .run();
    out.expect_code(2);
    assert!(out.all().contains("other.json"), "{out}");
    assert!(!project.path().join("m.json").exists());
}

#[test]
fn ci_job_runs_a_folder_sharded_with_junit_and_html() {
    // the issue's "done when": runner run collections/ -e ci --report … --shard 2/4
    let server = TestServer::start();
    let project = Project::new();
    for name in ["a", "b", "c", "d"] {
        project.file(
            &format!("collections/{name}.yaml"),
            &format!(
                "
                name: suite {name}
                requests:
                  - name: ping {name}
                    url: <<host>>/status/200
                    assert: {{ status: 200 }}
                "
            ),
        );
    }
    project.file(
        "environments/ci.yaml",
        &format!("host: {}\n", server.base_url()),
    );
    let out = project
        .runner([
            "run",
            "collections/",
            "-e",
            "ci",
            "--report",
            "junit=out.xml",
            "--report",
            "html=out.html",
            "--shard",
            "2/4",
        ])
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let xml = project.read("out.xml");
    let doc = parse_xml(&xml);
    let suites = children(doc.root_element(), "testsuite");
    assert_eq!(suites.len(), 1);
    assert_eq!(attr(suites[0], "name"), "suite b");
    let html = project.read("out.html");
    assert!(html.contains("ping b") && html.contains("shard 2/4"));
    assert_eq!(server.total_hits(), 1);
}

// ---------------------------------------------------------------------------------------------
// Stopping early

#[test]
fn ctrl_c_writes_an_interrupted_report_and_exits_130() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: quick
            url: <<base_url>>/status/200
          - name: slow
            url: <<base_url>>/slow/10000
          - name: after
            url: <<base_url>>/status/201
        ",
    );
    let mut running = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .args([
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
            "--report",
            "tap=r.tap",
        ])
        .spawn();
    let interrupted_at = running.signal_when(Ready::Request(&server, "/slow/10000"), Signal::Int);
    let out = running
        .wait(Duration::from_secs(15))
        .expect("runner did not stop after SIGINT");
    let stopped_after = interrupted_at.elapsed();
    out.expect_code(130);
    assert!(
        stopped_after < Duration::from_secs(5),
        "the in-flight request was not cancelled ({stopped_after:?})\n{out}"
    );
    assert!(
        Regex::new(r"^\d+ passed, \d+ failed")
            .unwrap()
            .is_match(out.summary()),
        "summary line printed\n{out}"
    );
    assert_eq!(
        server.hits("/status/201"),
        0,
        "nothing new starts after Ctrl-C"
    );

    let report = json_report(&project, "r.json");
    assert_eq!(report["interrupted"], true);
    assert_eq!(request(&report, 0, "quick")["outcome"], "passed");
    let slow = request(&report, 0, "slow");
    assert_ne!(slow["outcome"], "passed");
    assert_eq!(
        slow["status"],
        Value::Null,
        "no response for the cancelled request"
    );
    let after = request(&report, 0, "after");
    assert_eq!(after["outcome"], "skipped");
    assert_eq!(after["skip_reason"], "interrupted");
    assert_eq!(totals(&report), counted(&report));
    expect_interrupted_junit_and_tap(&project);
}

/// The JUnit and TAP reports of an interrupted run: one suite; TAP bails out.
fn expect_interrupted_junit_and_tap(project: &Project) {
    let xml = project.read("r.xml");
    let doc = parse_xml(&xml);
    assert_eq!(children(doc.root_element(), "testsuite").len(), 1);
    let tap = project.read("r.tap");
    tap_points(&tap);
    assert!(tap.contains("Bail out!"), "{tap}");
}

#[test]
fn bail_still_prints_the_summary_and_writes_reports() {
    let server = TestServer::start();
    let project = Project::new();
    let collection = "
        requests:
          - name: first
            url: <<base_url>>/status/200
            assert: { status: 200 }
          - name: second
            url: <<base_url>>/status/500
            assert: { status: 200 }
          - name: third
            url: <<base_url>>/status/201
        ";
    project
        .file("one.yaml", collection)
        .file("two.yaml", collection);
    let out = project
        .runner([
            "run",
            "one.yaml",
            "two.yaml",
            "--bail",
            "--report",
            "json=r.json",
        ])
        .server(&server)
        .run();
    out.expect_code(1)
        .expect_summary("1 passed, 1 failed, 4 skipped");
    let report = json_report(&project, "r.json");
    assert_eq!(totals(&report), (1, 1, 4));
    assert_eq!(report["interrupted"], false, "--bail is not Ctrl-C");
    assert_eq!(server.hits("/status/201"), 0);
    let reason = scalar(&request(&report, 1, "first")["skip_reason"]);
    assert!(reason.contains("bail"), "skip reason {reason:?}");

    // in parallel too: units that had not finished are cut short, the summary still prints
    let server = TestServer::start();
    let out = project
        .runner(["run", "one.yaml", "two.yaml", "--bail", "-j", "2"])
        .server(&server)
        .run();
    out.expect_code(1);
    assert!(
        Regex::new(r"^\d+ passed, [12] failed, \d+ skipped$")
            .unwrap()
            .is_match(out.summary()),
        "{out}"
    );
}

#[test]
fn a_condition_that_cannot_be_evaluated_fails_the_request() {
    // A typo in `when:` must not turn a CI run green by skipping the request silently:
    // undefined variables are errors everywhere else (issue 2).
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: guarded
            when: \"stgae == 'dev'\"
            url: <<base_url>>/status/200
        ",
    );
    let out = project
        .runner(["run", "c.yaml", "--var", "stage=dev"])
        .server(&server)
        .run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    expect_line(&out, "✘", "guarded", &[]);
    assert!(
        out.stdout.contains("stgae"),
        "the message names the variable\n{out}"
    );
}

#[test]
fn waterfall_times_include_the_wait_for_a_token() {
    // The test server makes clients named `slow-…` wait 300 ms for their token. The first
    // request waits for it; its bar (started_ms .. started_ms + duration_ms) must still end
    // where the request ended, not 300 ms before the next request starts.
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        auth:
          oauth2:
            token_url: <<base_url>>/contoso/oauth2/v2.0/token
            client_id: slow-waterfall
            client_secret: s3cret
            scope: https://api.businesscentral.dynamics.com/.default
        requests:
          - name: first
            url: <<base_url>>/echo
          - name: second
            url: <<base_url>>/echo
        ",
    );
    let out = project
        .runner(["run", "c.yaml", "--report", "json=r.json"])
        .server(&server)
        .run();
    out.expect_code(0);
    let report = json_report(&project, "r.json");
    let ms = |name: &str, field: &str| request(&report, 0, name)[field].as_u64().unwrap();
    let first_end = ms("first", "started_ms") + ms("first", "duration_ms");
    let second_start = ms("second", "started_ms");
    assert!(second_start >= 300, "the token took 300 ms: {report:#}");
    assert!(
        second_start - first_end < 100,
        "`first` is shown ending at {first_end} ms, but `second` only started at \
         {second_start} ms: the token wait is missing from the waterfall"
    );
}
