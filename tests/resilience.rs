//! Resilience (issue 6), black-box: throttling and retries, polling, timeouts, redirects,
//! cookies, response size limits, TLS with a private CA and client certificates, proxies,
//! broken responses, Ctrl-C, and hostile input. Every server here is on 127.0.0.1 (the shared
//! `TestServer`, or the raw TCP, proxy and TLS servers of `support::net`) and stops by itself;
//! every run of the binary has a timeout.

mod support;

use std::path::Path;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::net::{Pki, Proxy, RawServer, Reply, TlsServer, http_response};
use support::{Outcome, Project, Ready, Signal, TestServer};

/// The notes `-v` prints under requests (`· …` lines).
fn notes(out: &Outcome) -> Vec<String> {
    out.stdout
        .lines()
        .map(str::trim_start)
        .filter_map(|l| l.strip_prefix("· "))
        .map(str::to_string)
        .collect()
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

// ---------------------------------------------------------------------------------------------
// Throttling: 429/503, Retry-After, backoff, limits

#[test]
fn a_suite_of_100_passes_against_a_server_that_throttles_every_fifth_request() {
    let server = TestServer::start();
    let project = Project::new();
    let mut yaml = String::from("name: throttled\nrequests:\n");
    for i in 1..=100 {
        yaml.push_str(&format!(
            "  - name: r{i}\n    url: <<base_url>>/throttle/5/r{i}\n    assert: {{ status: 200 }}\n"
        ));
    }
    project.file("c.yaml", &yaml);
    let var = server.var();
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--var",
            &var,
            "-v",
            "--report",
            "json=report.json",
        ])
        .timeout(Duration::from_secs(120))
        .run();
    out.expect_code(0).expect_summary("100 passed, 0 failed");

    let flaky_names = expect_every_fifth_retried_once(&server, &out);
    expect_waits_and_flaky_line(&out, &flaky_names);
    expect_waits_noted_in_report(&project);
}

/// What the server saw: every 5th request throttled, each retried once, after ≥ 1 s. Returns
/// the names of the retried requests, in order.
fn expect_every_fifth_retried_once(server: &TestServer, out: &Outcome) -> Vec<String> {
    // what the server saw: every 5th request throttled, each retried once, after ≥ 1 s
    let log = server.received_under("/throttle/");
    let throttled: Vec<usize> = (0..log.len()).filter(|&i| log[i].status == 429).collect();
    // requests 5, 10, … of the 124 sent (100 + 24 retries) were throttled
    assert_eq!(log.len(), 124, "{out}");
    assert_eq!(throttled.len(), 24, "{out}");
    let mut flaky_names = Vec::new();
    for &i in &throttled {
        let first = &log[i];
        let retry = log[i + 1..]
            .iter()
            .find(|r| r.path == first.path)
            .unwrap_or_else(|| panic!("{} was never retried\n{out}", first.path));
        assert_eq!(retry.status, 200, "{}", retry.path);
        let waited = retry.at.duration_since(first.at);
        assert!(
            waited >= Duration::from_millis(990),
            "{} retried {} ms after its 429 (Retry-After: 1)",
            first.path,
            millis(waited)
        );
        assert!(
            waited < Duration::from_secs(4),
            "{} retried only after {} ms",
            first.path,
            millis(waited)
        );
        let name = first.path.rsplit('/').next().unwrap().to_string();
        out.expect_request("✔", &name, &["200", "after 1 retry"]);
        flaky_names.push(name);
    }
    // no request was sent more than twice, none that was not throttled twice
    for i in 1..=100 {
        let name = format!("r{i}");
        let sent = log
            .iter()
            .filter(|r| r.path == format!("/throttle/5/{name}"))
            .count();
        let expected = if flaky_names.contains(&name) { 2 } else { 1 };
        assert_eq!(sent, expected, "{name} sent {sent} times\n{out}");
    }
    flaky_names
}

/// `-v` shows each wait; the summary names the flaky requests before the final line.
fn expect_waits_and_flaky_line(out: &Outcome, flaky_names: &[String]) {
    // -v shows each wait; the summary names the flaky requests before the final line
    let waits = notes(out)
        .iter()
        .filter(|n| n.contains("429 Too Many Requests, Retry-After: waited 1.0 s before attempt 2"))
        .count();
    assert_eq!(waits, 24, "one note per retry\n{out}");
    let flaky_line = out
        .stdout
        .lines()
        .find(|l| l.contains("flaky"))
        .unwrap_or_else(|| panic!("no flaky line\n{out}"));
    assert!(
        flaky_line.starts_with("24 flaky: passed only after retrying: "),
        "{flaky_line}"
    );
    let listed: Vec<&str> = flaky_line
        .split_once(": passed only after retrying: ")
        .unwrap()
        .1
        .split(", ")
        .collect();
    assert_eq!(listed, flaky_names, "{flaky_line}");
    let lines: Vec<&str> = out.stdout.trim_end().lines().collect();
    let flaky_at = lines.iter().position(|l| l.contains("flaky")).unwrap();
    assert!(
        flaky_at + 3 >= lines.len(),
        "the flaky line stands just before the summary\n{out}"
    );
}

/// The JSON report keeps the waits as notes.
fn expect_waits_noted_in_report(project: &Project) {
    // the JSON report keeps the waits as notes
    let report: Value = serde_json::from_str(&project.read("report.json")).unwrap();
    let requests = report["units"][0]["requests"].as_array().unwrap();
    let noted = requests
        .iter()
        .filter(|r| {
            r["notes"].as_array().unwrap().iter().any(|n| {
                n.as_str()
                    .unwrap()
                    .contains("Retry-After: waited 1.0 s before attempt 2")
            })
        })
        .count();
    assert_eq!(noted, 24, "every retried request's report notes the wait");
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: dated
            url: <<base_url>>/retry-date/a
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["-v"])
        .run();
    out.expect_code(0)
        .expect_request("✔", "dated", &["200", "after 1 retry"]);
    let log = server.received("/retry-date/a");
    assert_eq!(log.len(), 2, "{out}");
    assert_eq!((log[0].status, log[1].status), (429, 200));
    // the date is 2 s ahead in whole seconds: the wait is between 1 and 2 s
    let waited = log[1].at.duration_since(log[0].at);
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(3000),
        "retried after {} ms\n{out}",
        millis(waited)
    );
    // the date has whole seconds: depending on when in its second the 429 was sent, the
    // wait shown is anywhere from just under 1 s up to 2 s (1.95 s shows as 2.0 s)
    let note = notes(&out).join("\n");
    assert!(
        regex::Regex::new(
            r"429 Too Many Requests, Retry-After: waited (9\d\d ms|1\.\d s|2\.0 s) before attempt 2"
        )
        .unwrap()
        .is_match(&note),
        "{out}"
    );
}

#[test]
fn a_503_without_retry_after_is_retried_with_growing_backoff() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: flaky
            url: <<base_url>>/unavailable/2/b
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["-v"])
        .run();
    out.expect_code(0)
        .expect_request("✔", "flaky", &["200", "after 2 retries"]);
    let log = server.received("/unavailable/2/b");
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [503, 503, 200]
    );
    // backoff: 0.5–1 × 500 ms, then 0.5–1 × 1 s (jitter), plus the exchange itself
    let first = log[1].at.duration_since(log[0].at);
    let second = log[2].at.duration_since(log[1].at);
    assert!(
        first >= Duration::from_millis(240) && first < Duration::from_millis(1500),
        "first wait {} ms",
        millis(first)
    );
    assert!(
        second >= Duration::from_millis(490) && second < Duration::from_millis(2500),
        "second wait {} ms",
        millis(second)
    );
    let notes = notes(&out);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("503 Service Unavailable: waited ")
                && n.ends_with("before attempt 2")),
        "{out}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("503 Service Unavailable: waited ")
                && n.ends_with("before attempt 3")),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("1 flaky: passed only after retrying: flaky"),
        "{out}"
    );
}

#[test]
fn exhausted_retries_fail_with_the_last_status_and_say_so() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: down
            url: <<base_url>>/unavailable/99/c
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--max-retries", "2"])
        .run();
    out.expect_code(1)
        .expect_summary("0 passed, 1 failed")
        .expect_request("✘", "down", &["503", "after 2 retries"])
        .expect_details("down", &["503"]);
    assert_eq!(
        server.hits("/unavailable/99/c"),
        3,
        "1 try + 2 retries\n{out}"
    );
    assert!(
        !out.stdout.contains("flaky"),
        "a failure is not flaky\n{out}"
    );

    // -v says why it stopped
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: down
            url: <<base_url>>/unavailable/99/d
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--max-retries", "1", "-v"])
        .run();
    out.expect_code(1);
    assert!(
        notes(&out)
            .iter()
            .any(|n| n.contains("503 Service Unavailable: not retried again (1 retries made")),
        "{out}"
    );
    assert_eq!(server.hits("/unavailable/99/d"), 2);
}

#[test]
fn max_retries_zero_disables_retries_from_the_flag_and_from_settings() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: once
            url: <<base_url>>/unavailable/1/e
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--max-retries", "0"])
        .run();
    out.expect_code(1).expect_request("✘", "once", &["503"]);
    assert!(!out.request_line("once").contains("after"), "{out}");
    assert_eq!(server.hits("/unavailable/1/e"), 1);

    let out = project
        .file(
            "c.yaml",
            r#"
        settings: { max_retries: 0 }
        requests:
          - name: once
            url: <<base_url>>/unavailable/1/f
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(1).expect_request("✘", "once", &["503"]);
    assert_eq!(server.hits("/unavailable/1/f"), 1);

    // the flag wins over settings
    let out = project
        .file(
            "c.yaml",
            r#"
        settings: { max_retries: 0 }
        requests:
          - name: twice
            url: <<base_url>>/unavailable/1/g
            assert: { status: 200 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--max-retries", "1"])
        .run();
    out.expect_code(0)
        .expect_request("✔", "twice", &["after 1 retry"]);
    assert_eq!(server.hits("/unavailable/1/g"), 2);
}

/// Flakiness is visible in the reports too, not only on the terminal (issue 6: "reported as
/// passed-after-N-retries in the terminal summary and in the JSON and JUnit reports").
#[test]
fn reports_show_retried_requests_as_flaky() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: flaky
            url: <<base_url>>/unavailable/1/h
            assert: { status: 200 }
          - name: steady
            url: <<base_url>>/status/200
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args([
            "--report",
            "json=report.json",
            "--report",
            "junit=report.xml",
        ])
        .run();
    out.expect_code(0);
    let report: Value = serde_json::from_str(&project.read("report.json")).unwrap();
    let flaky = &report["units"][0]["requests"][0];
    let steady = &report["units"][0]["requests"][1];
    assert_eq!(flaky["name"], "flaky");
    let counts = |r: &Value| (r.get("attempts").cloned(), r.get("retries").cloned());
    assert_eq!(
        counts(flaky),
        (Some(2.into()), Some(1.into())),
        "the JSON report should count attempts and retries of a flaky request: {flaky:#}"
    );
    assert_eq!(counts(steady), (Some(1.into()), Some(0.into())));

    let junit = project.read("report.xml");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("flaky"))
        .unwrap();
    let text: String = case
        .descendants()
        .map(|n| format!("{} {}", n.tag_name().name(), n.text().unwrap_or_default()))
        .collect();
    assert!(
        text.contains("flaky") || text.contains("retr"),
        "the JUnit test case should show the retry: {junit}"
    );
}

// ---------------------------------------------------------------------------------------------
// Connection resets

/// Drops the first connection after reading the request; answers the rest.
fn reset_once_server() -> RawServer {
    RawServer::start(|n, _| {
        if n == 1 {
            Reply::Drop
        } else {
            Reply::Bytes(http_response(
                "200 OK",
                &[("content-type", b"application/json")],
                br#"{"ok":true}"#,
            ))
        }
    })
}

#[test]
fn a_get_is_retried_after_a_connection_reset() {
    let server = reset_once_server();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: read
            url: <<base_url>>/items
            assert: { status: 200, json: { $.ok: true } }
        "#,
    );
    let var = format!("base_url={}", server.base_url());
    let out = project.runner(["run", "c.yaml", "--var", &var, "-v"]).run();
    out.expect_code(0)
        .expect_request("✔", "read", &["200", "after 1 retry"]);
    assert_eq!(server.requests().len(), 2, "{out}");
    assert!(
        notes(&out)
            .iter()
            .any(|n| n.starts_with("connection reset: waited ")),
        "{out}"
    );
}

#[test]
fn a_post_is_not_retried_after_a_reset_unless_retry_unsafe() {
    let server = reset_once_server();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: create
            method: POST
            url: <<base_url>>/items
            json: { name: widget }
            assert: { status: 200 }
        "#,
    );
    let var = format!("base_url={}", server.base_url());
    let out = project.runner(["run", "c.yaml", "--var", &var]).run();
    out.expect_code(1)
        .expect_request("✘", "create", &[])
        .expect_details("create", &["connection reset"]);
    assert_eq!(server.requests().len(), 1, "a POST is sent once\n{out}");
    let details = out.details("create");
    let failure: Vec<&str> = details
        .lines()
        .filter(|l| l.contains("connection reset"))
        .collect();
    assert_eq!(failure.len(), 1, "one line: {failure:?}");

    let server = reset_once_server();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: create
            method: POST
            url: <<base_url>>/items
            json: { name: widget }
            retry: { unsafe: true }
            assert: { status: 200 }
        "#,
    );
    let var = format!("base_url={}", server.base_url());
    let out = project.runner(["run", "c.yaml", "--var", &var]).run();
    out.expect_code(0)
        .expect_request("✔", "create", &["after 1 retry"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.line.starts_with("POST /items")));
}

// ---------------------------------------------------------------------------------------------
// Polling with retry.until

#[test]
fn polling_succeeds_on_the_third_try() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: job
            url: <<base_url>>/poll/3/job1
            retry: { until: "response.json.status == 'Completed'", every: 200ms, max: 10 }
            assert:
              json: { $.status: Completed }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["-v"])
        .run();
    out.expect_code(0).expect_request("✔", "job", &["200"]);
    let log = server.received("/poll/3/job1");
    assert_eq!(log.len(), 3, "polled until done, then stopped\n{out}");
    for pair in log.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(195),
            "polled after {} ms",
            millis(gap)
        );
    }
    let polled = notes(&out)
        .iter()
        .filter(|n| n.starts_with("until `response.json.status == 'Completed'` not true yet"))
        .count();
    assert_eq!(polled, 2, "{out}");
}

#[test]
fn polling_that_never_succeeds_fails_with_the_tries_and_the_last_response() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: job
            url: <<base_url>>/poll/0/job2
            retry: { until: "response.json.status == 'Completed'", every: 50ms, max: 4 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(1)
        .expect_summary("0 passed, 1 failed")
        .expect_request("✘", "job", &["200"])
        .expect_details(
            "job",
            &[
                "`response.json.status == 'Completed'` was still not true after 4 tries",
                "the last response was 200",
                "\"status\":\"Running\"",
                "\"polls\":4",
            ],
        );
    assert_eq!(server.hits("/poll/0/job2"), 4);
}

#[test]
fn delay_waits_before_the_request() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: first
            url: <<base_url>>/status/200
          - name: later
            url: <<base_url>>/status/201
            delay: 700ms
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(0);
    let gap = server
        .last("/status/201")
        .at
        .duration_since(server.last("/status/200").at);
    assert!(
        gap >= Duration::from_millis(690),
        "sent {} ms later",
        millis(gap)
    );
}

// ---------------------------------------------------------------------------------------------
// Timeouts

fn one_timeout_line(out: &Outcome, name: &str) {
    let details = out.details(name);
    let failures: Vec<&str> = details
        .lines()
        .filter(|l| l.trim_start().starts_with('✘'))
        .collect();
    assert_eq!(failures.len(), 1, "one failure line\n{out}");
    assert!(failures[0].contains("timed out"), "{out}");
}

#[test]
fn a_stall_past_the_timeout_fails_in_one_line() {
    let server = TestServer::start();
    let project = Project::new();
    let started = Instant::now();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: stuck
            url: <<base_url>>/stall/5000
          - name: after
            url: <<base_url>>/status/200
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--timeout", "300ms"])
        .run();
    let elapsed = started.elapsed();
    out.expect_code(1)
        .expect_summary("1 passed, 1 failed")
        .expect_request("✘", "stuck", &[]);
    one_timeout_line(&out, "stuck");
    assert!(
        elapsed < Duration::from_secs(4),
        "took {} ms: the stalled request was waited for",
        millis(elapsed)
    );
    assert_eq!(server.hits("/stall/5000"), 1, "a timeout is not retried");
}

#[test]
fn timeout_in_settings_applies_and_the_flag_wins() {
    let server = TestServer::start();
    let project = Project::new();
    let collection = r#"
        settings: { timeout: 300ms }
        requests:
          - name: stuck
            url: <<base_url>>/stall/1500
        "#;
    let out = project
        .file("c.yaml", collection)
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(1);
    one_timeout_line(&out, "stuck");

    let out = project
        .file("c.yaml", collection)
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--timeout", "10s"])
        .run();
    out.expect_code(0).expect_request("✔", "stuck", &["200"]);

    let out = project
        .file(
            "c.yaml",
            r#"
        settings: { timeout: 10s }
        requests:
          - name: stuck
            url: <<base_url>>/stall/1500
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--timeout", "300ms"])
        .run();
    out.expect_code(1);
    one_timeout_line(&out, "stuck");
}

// ---------------------------------------------------------------------------------------------
// Redirects and cookies

#[test]
fn a_redirect_to_another_host_drops_authorization() {
    let first = TestServer::start();
    let other = TestServer::start();
    let project = Project::new();
    let port = other.base_url().rsplit(':').next().unwrap().to_string();
    let yaml = r#"
        requests:
          - name: same host
            url: <<base_url>>/redirect
            query: { to: /echo }
            headers: { Authorization: Bearer s3cret-token, X-Trace: t1 }
            assert: { status: 200 }
          - name: other host
            url: <<base_url>>/redirect
            query: { to: "http://localhost:<<other_port>>/echo" }
            headers: { Authorization: Bearer s3cret-token, X-Trace: t2 }
            assert: { status: 200 }
        "#;
    let other_port = format!("other_port={port}");
    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&first)
        .args(["--var", &other_port])
        .run();
    out.expect_code(0);
    // control: on the same host the header is kept, so its absence below means something
    let same = first.last("/echo");
    assert_eq!(same.header("authorization"), Some("Bearer s3cret-token"));
    let moved = other.last("/echo");
    assert_eq!(
        moved.header("x-trace"),
        Some("t2"),
        "the redirect was followed"
    );
    assert_eq!(
        moved.header("authorization"),
        None,
        "Authorization must not follow a redirect to another host"
    );
}

#[test]
fn follow_redirects_false_stops_at_the_302() {
    let first = TestServer::start();
    let other = TestServer::start();
    let project = Project::new();
    let to = format!("to={}/echo", other.base_url());
    let yaml = r#"
        settings: { follow_redirects: false }
        requests:
          - name: moved
            url: <<base_url>>/redirect
            query: { to: <<to>> }
            assert:
              status: 302
              headers: { location: { ends_with: /echo } }
        "#;
    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&first)
        .args(["--var", &to])
        .run();
    out.expect_code(0).expect_request("✔", "moved", &["302"]);
    assert_eq!(other.total_hits(), 0);

    // the flag does the same for a collection that follows redirects
    let yaml = r#"
        requests:
          - name: moved
            url: <<base_url>>/redirect
            query: { to: <<to>> }
            assert: { status: 302 }
        "#;
    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&first)
        .args(["--var", &to, "--no-follow-redirects"])
        .run();
    out.expect_code(0);
    assert_eq!(other.total_hits(), 0);
    // and without either, it is followed
    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&first)
        .args(["--var", &to])
        .run();
    out.expect_code(1).expect_request("✘", "moved", &["200"]);
    assert_eq!(other.hits("/echo"), 1);
}

#[test]
fn cookies_set_by_a_response_are_sent_back_unless_disabled() {
    let server = TestServer::start();
    let project = Project::new();
    let yaml = r#"
        requests:
          - name: login
            url: <<base_url>>/cookie/set
          - name: next
            url: <<base_url>>/echo
        "#;
    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(0);
    assert_eq!(
        server.last("/echo").header("cookie"),
        Some("session=abc123")
    );

    let out = project
        .file("c.yaml", yaml)
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--no-cookies"])
        .run();
    out.expect_code(0);
    assert_eq!(server.hits("/echo"), 2);
    assert_eq!(server.last("/echo").header("cookie"), None, "{out}");

    let out = project
        .file(
            "c.yaml",
            &format!("settings: {{ cookies: false }}\n{}", support::dedent(yaml)),
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(0);
    assert_eq!(server.hits("/echo"), 3);
    assert_eq!(server.last("/echo").header("cookie"), None, "{out}");
}

// ---------------------------------------------------------------------------------------------
// Response size limit and memory

const HUNDRED_MIB: usize = 100 * 1024 * 1024;

/// Where GNU time lives; with `-v` it reports the peak resident memory of what it ran.
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `runner ARGS` in the project and measures its peak resident memory in KiB: with
/// `/usr/bin/time -v` where it exists, else by polling `/proc/PID/status` (VmHWM).
fn run_measured(project: &Project, args: &[&str]) -> (Outcome, u64) {
    let timed = Path::new(GNU_TIME).exists();
    let mut case = project.runner(args);
    if timed {
        case.launched_by([GNU_TIME, "-v"]);
    }
    let mut running = case.spawn();
    let mut hwm_kib = 0u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    while running.try_wait().is_none() {
        if !timed
            && let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", running.pid()))
            && let Some(kib) = vm_hwm_kib(&text)
        {
            hwm_kib = hwm_kib.max(kib);
        }
        assert!(Instant::now() < deadline, "runner did not finish in 120 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = running.wait(Duration::ZERO).expect("the runner has ended");
    if timed {
        hwm_kib = time_peak_kib(&out.stderr)
            .unwrap_or_else(|| panic!("no peak memory in the output of time -v\n{out}"));
    }
    (out, hwm_kib)
}

/// The peak resident memory GNU `time -v` printed, in KiB.
fn time_peak_kib(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn a_100_mib_body_fails_cleanly_under_the_default_limit_with_bounded_memory() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            r#"
            requests:
              - name: streamed
                url: <<base_url>>/stream/{HUNDRED_MIB}
              - name: sized
                url: <<base_url>>/bytes/{HUNDRED_MIB}
              - name: small
                url: <<base_url>>/status/200
            "#
        ),
    );
    let var = server.var();
    let (out, peak_kib) = run_measured(&project, &["run", "c.yaml", "--var", &var]);
    eprintln!("peak RSS with a 100 MiB body under the 50 MiB limit: {peak_kib} KiB");
    out.expect_code(1)
        .expect_summary("1 passed, 2 failed")
        .expect_request("✘", "streamed", &[])
        .expect_details("streamed", &["response too large", "max_response_bytes"])
        .expect_details("sized", &["response too large", "max_response_bytes"]);
    assert!(
        peak_kib < 90 * 1024,
        "peak memory {peak_kib} KiB for a 100 MiB body refused at 50 MiB"
    );
}

#[test]
fn max_response_bytes_200mib_accepts_a_100_mib_body() {
    let server = TestServer::start();
    let project = Project::new();
    let yaml = format!(
        r#"
        requests:
          - name: big
            url: <<base_url>>/stream/{HUNDRED_MIB}
            assert: {{ status: 200 }}
        "#
    );
    let out = project
        .file("c.yaml", &yaml)
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--max-response-bytes", "200MiB"])
        .run();
    out.expect_code(0).expect_request("✔", "big", &["200"]);

    // from settings too, and a smaller limit there fails it
    let out = project
        .file(
            "c.yaml",
            &format!(
                "settings: {{ max_response_bytes: 200MiB }}\n{}",
                support::dedent(&yaml)
            ),
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(0);
    let out = project
        .file(
            "c.yaml",
            &format!(
                "settings: {{ max_response_bytes: 1MiB }}\n{}",
                support::dedent(&yaml)
            ),
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(1)
        .expect_details("big", &["response too large"]);
}

// ---------------------------------------------------------------------------------------------
// TLS

fn tls_project(pki_dir: &str) -> (Project, Pki) {
    let project = Project::new();
    let pki = Pki::generate(&project.path().join(pki_dir));
    (project, pki)
}

fn tls_collection(project: &Project, url: &str, settings: &str) {
    project.file(
        "c.yaml",
        &format!(
            "{settings}\nrequests:\n  - name: secure\n    url: {url}/hello\n    assert:\n      status: 200\n      json: {{ $.tls: true }}\n"
        ),
    );
}

#[test]
fn a_private_ca_is_trusted_with_ca_cert_and_refused_without() {
    let (project, pki) = tls_project("pki");
    let server = TlsServer::start(&pki, false);

    tls_collection(&project, &server.url(), "");
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(1).expect_request("✘", "secure", &[]);
    let details = out.details("secure");
    let failures: Vec<&str> = details
        .lines()
        .filter(|l| l.trim_start().starts_with('✘'))
        .collect();
    assert_eq!(failures.len(), 1, "one line\n{out}");
    assert!(
        failures[0].to_lowercase().contains("certificate"),
        "a TLS cause: {failures:?}\n{out}"
    );
    assert!(server.served().is_empty());

    let out = project
        .runner(["run", "c.yaml", "--ca-cert", "pki/ca.pem"])
        .run();
    out.expect_code(0).expect_request("✔", "secure", &["200"]);

    // the certificate names localhost too
    tls_collection(&project, &server.localhost_url(), "");
    let out = project
        .runner(["run", "c.yaml", "--ca-cert", "pki/ca.pem"])
        .run();
    out.expect_code(0);
    assert_eq!(server.served().len(), 2);
}

#[test]
fn ca_cert_in_settings_is_relative_to_the_collection() {
    let project = Project::new();
    let pki = Pki::generate(&project.path().join("suite/certs"));
    let server = TlsServer::start(&pki, false);
    project.file(
        "suite/c.yaml",
        &format!(
            "settings: {{ ca_cert: certs/ca.pem }}\nrequests:\n  - name: secure\n    url: {}/x\n    assert: {{ status: 200 }}\n",
            server.url()
        ),
    );
    let out = project.runner(["run", "suite/c.yaml"]).run();
    out.expect_code(0).expect_request("✔", "secure", &["200"]);
}

#[test]
fn insecure_accepts_any_certificate_with_a_warning() {
    let (project, pki) = tls_project("pki");
    let server = TlsServer::start(&pki, false);
    tls_collection(&project, &server.url(), "");
    let out = project.runner(["run", "c.yaml", "--insecure"]).run();
    out.expect_code(0);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("insecure"),
        "{out}"
    );
    let out = project.runner(["run", "c.yaml", "-k"]).run();
    out.expect_code(0);
    tls_collection(&project, &server.url(), "settings: { insecure: true }");
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(0);
    assert!(out.stderr.contains("warning"), "{out}");
    // no warning when certificates are checked
    tls_collection(&project, &server.url(), "");
    let out = project
        .runner(["run", "c.yaml", "--ca-cert", "pki/ca.pem"])
        .run();
    out.expect_code(0);
    assert!(!out.stderr.contains("insecure"), "{out}");
}

#[test]
fn a_server_requiring_a_client_certificate() {
    let (project, pki) = tls_project("pki");
    let server = TlsServer::start(&pki, true);

    tls_collection(&project, &server.url(), "");
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--ca-cert",
            "pki/ca.pem",
            "--cert",
            "pki/client.pem",
            "--key",
            "pki/client.key",
        ])
        .run();
    out.expect_code(0).expect_request("✔", "secure", &["200"]);
    assert_eq!(server.served(), [true]);

    tls_collection(
        &project,
        &server.url(),
        "settings: { ca_cert: pki/ca.pem, client_cert: pki/client.pem, client_key: pki/client.key }",
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(0);
    assert_eq!(server.served(), [true, true]);

    // without a certificate: refused by the server, a request failure (not a crash)
    tls_collection(&project, &server.url(), "settings: { ca_cert: pki/ca.pem }");
    let out = project
        .runner(["run", "c.yaml", "--max-retries", "0"])
        .run();
    out.expect_code(1).expect_request("✘", "secure", &[]);
    let failures: Vec<String> = out
        .details("secure")
        .lines()
        .filter(|l| l.trim_start().starts_with('✘'))
        .map(str::to_string)
        .collect();
    assert_eq!(failures.len(), 1, "{out}");
    assert_eq!(
        server.served().len(),
        2,
        "nothing served without a certificate"
    );
    // the server notes the refused handshake on its own thread: give it a moment
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.failed_handshakes().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!server.failed_handshakes().is_empty(), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Proxies

/// A host name that resolves nowhere (RFC 2606 `.test`): only a proxy can reach it, and the
/// test proxy sends every request to 127.0.0.1 on the URL's port. Loopback URLs themselves
/// are not proxied by the proxy variables (so a `--mock` server keeps working behind one).
const PROXIED_HOST: &str = "bc.example.test";

fn proxied_url(server: &TestServer) -> String {
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    format!("http://{PROXIED_HOST}:{port}")
}

#[test]
fn proxy_flag_and_settings_route_through_the_proxy() {
    let server = TestServer::start();
    let proxy = Proxy::start();
    let project = Project::new();
    let yaml = r#"
        requests:
          - name: via
            url: <<base_url>>/echo
            assert: { status: 200, json: { $.path: /echo } }
        "#;
    project.file("c.yaml", yaml);
    let remote = format!("base_url={}", proxied_url(&server));
    let out = project
        .runner(["run", "c.yaml", "--var", &remote, "--proxy", &proxy.url()])
        .run();
    out.expect_code(0);
    let expected = format!("GET {}/echo HTTP/1.1", proxied_url(&server));
    assert_eq!(
        proxy.request_lines(),
        std::slice::from_ref(&expected),
        "{out}"
    );
    assert_eq!(server.hits("/echo"), 1);
    assert_eq!(
        server.last("/echo").header("host"),
        Some(proxied_url(&server).trim_start_matches("http://"))
    );

    let with_settings = format!(
        "settings: {{ proxy: \"{}\" }}\n{}",
        proxy.url(),
        support::dedent(yaml)
    );
    project.file("c.yaml", &with_settings);
    let out = project.runner(["run", "c.yaml", "--var", &remote]).run();
    out.expect_code(0);
    assert_eq!(proxy.request_lines(), [expected.clone(), expected], "{out}");

    // an explicit proxy carries loopback requests too (issue 16)
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--var",
            &server.var(),
            "--proxy",
            &proxy.url(),
        ])
        .run();
    out.expect_code(0);
    assert_eq!(
        proxy.request_lines().len(),
        3,
        "loopback was not proxied\n{out}"
    );
    assert_eq!(server.hits("/echo"), 3);
}

#[test]
fn http_proxy_variable_routes_through_the_proxy() {
    let server = TestServer::start();
    let proxy = Proxy::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: via
            url: <<base_url>>/echo
            assert: { status: 200 }
        "#,
    );
    let remote = format!("base_url={}", proxied_url(&server));
    let out = project
        .runner(["run", "c.yaml", "--var", &remote])
        .env("HTTP_PROXY", proxy.url())
        .run();
    out.expect_code(0);
    assert_eq!(
        proxy.request_lines(),
        [format!("GET {}/echo HTTP/1.1", proxied_url(&server))]
    );
    // lower case works too; loopback is not proxied
    let out = project
        .runner(["run", "c.yaml", "--var", &remote])
        .env("http_proxy", proxy.url())
        .run();
    out.expect_code(0);
    assert_eq!(proxy.request_lines().len(), 2);
    let out = project
        .runner(["run", "c.yaml", "--var", &server.var()])
        .env("HTTP_PROXY", proxy.url())
        .run();
    out.expect_code(0);
    assert_eq!(
        proxy.request_lines().len(),
        2,
        "loopback was proxied\n{out}"
    );
    assert_eq!(server.hits("/echo"), 3);
}

// ---------------------------------------------------------------------------------------------
// Broken responses

#[test]
fn a_body_that_is_not_json_is_named_with_its_first_bytes() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: gateway
            url: <<base_url>>/not-json
            assert:
              json: { $.value: 1 }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .run();
    out.expect_code(1)
        .expect_request("✘", "gateway", &["200"])
        .expect_details("gateway", &["not JSON", "<html><body>Gateway says hello"]);
}

#[test]
fn a_binary_body_does_not_crash_anything() {
    let server = TestServer::start();
    let project = Project::new();
    let out = project
        .file(
            "c.yaml",
            r#"
        requests:
          - name: blob
            url: <<base_url>>/binary
            assert:
              status: 200
              body: { length: { gt: 100 } }
              expr: ["response.body | length > 100"]
          - name: blob as json
            url: <<base_url>>/binary
            assert:
              json: { $.x: 1 }
            capture:
              part: { regex: "(a.c)" }
        "#,
        )
        .runner(["run", "c.yaml"])
        .server(&server)
        .args([
            "-v",
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
            "--report",
            "html=r.html",
        ])
        .run();
    out.expect_code(1)
        .expect_request("✔", "blob", &["200"])
        .expect_details("blob as json", &["not JSON"]);
    serde_json::from_str::<Value>(&project.read("r.json")).expect("JSON report");
    roxmltree::Document::parse(&project.read("r.xml")).expect("JUnit report");
}

/// Answers every request with a response whose header has the given raw bytes.
fn header_server(header: &'static [u8]) -> RawServer {
    RawServer::start(move |_, _| {
        Reply::Bytes(http_response(
            "200 OK",
            &[("content-type", b"application/json"), ("x-weird", header)],
            br#"{"ok":true}"#,
        ))
    })
}

#[test]
fn header_bytes_outside_ascii_do_not_crash() {
    let server = header_server(b"caf\xe9 \xff\xfe end");
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: weird
            url: <<base_url>>/x
            assert:
              status: 200
              headers: { x-weird: { contains: caf } }
            capture:
              w: { header: x-weird }
        "#,
    );
    let var = format!("base_url={}", server.base_url());
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--var",
            &var,
            "-v",
            "--report",
            "json=r.json",
        ])
        .run();
    out.expect_code(0).expect_request("✔", "weird", &["200"]);
    serde_json::from_str::<Value>(&project.read("r.json")).expect("JSON report");
}

#[test]
fn invalid_header_bytes_fail_the_request_without_a_crash() {
    let server = header_server(b"a\x00b\x01c");
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: broken
            url: <<base_url>>/x
          - name: next
            url: <<base_url>>/y
        "#,
    );
    let var = format!("base_url={}", server.base_url());
    let out = project
        .runner(["run", "c.yaml", "--var", &var, "-v", "--max-retries", "0"])
        .run();
    out.expect_code(1)
        .expect_summary("0 passed, 2 failed")
        .expect_request("✘", "broken", &[]);
    let failures: Vec<String> = out
        .details("broken")
        .lines()
        .filter(|l| l.trim_start().starts_with('✘'))
        .map(str::to_string)
        .collect();
    assert_eq!(failures.len(), 1, "{out}");
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C

#[test]
fn ctrl_c_cancels_a_stalled_request_and_writes_the_reports() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: done
            url: <<base_url>>/status/200
          - name: stuck
            url: <<base_url>>/stall/15000
          - name: never
            url: <<base_url>>/status/201
        "#,
    );
    let mut running = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .args([
            "--report",
            "json=report.json",
            "--report",
            "junit=report.xml",
        ])
        .spawn();
    let interrupted_at = running.signal_when(Ready::Request(&server, "/stall/15000"), Signal::Int);
    let out = running
        .wait(Duration::from_secs(5))
        .expect("the first Ctrl-C stops the run within seconds");
    let took = interrupted_at.elapsed();
    assert_eq!(out.code, Some(130), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert!(
        took < Duration::from_secs(3),
        "stopped after {} ms",
        millis(took)
    );
    assert!(out.stderr.contains("interrupted"), "{out}");
    out.expect_request("✔", "done", &["200"]);
    out.expect_request("-", "never", &["interrupted"]);
    assert_eq!(out.summary(), "1 passed, 1 failed, 1 skipped", "{out}");
    assert_eq!(server.hits("/status/201"), 0);

    let report: Value = serde_json::from_str(&project.read("report.json")).unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["summary"]["passed"], 1);
    assert_eq!(report["units"][0]["requests"].as_array().unwrap().len(), 3);
    roxmltree::Document::parse(&project.read("report.xml")).expect("JUnit report written");
}

#[test]
fn ctrl_c_stops_a_polling_wait_and_a_delay() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: job
            url: <<base_url>>/poll/0/long
            retry: { until: "response.json.status == 'Completed'", every: 20s, max: 5 }
        "#,
    );
    let mut running = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--report", "json=r.json"])
        .spawn();
    // the first poll is answered: the runner is now waiting 20 s before the next one
    running.signal_when(Ready::Answer(&server, "/poll/0/long"), Signal::Int);
    let out = running
        .wait(Duration::from_secs(5))
        .expect("Ctrl-C interrupts the wait between polls");
    assert_eq!(out.code, Some(130), "{out}");
    let report: Value = serde_json::from_str(&project.read("r.json")).unwrap();
    assert_eq!(report["interrupted"], true);
}

/// A token endpoint that stalls: the token request is in flight when Ctrl-C comes.
const STALLED_TOKEN: &str = r#"
    auth:
      oauth2:
        token_url: <<base_url>>/stall/15000
        client_id: app
        client_secret: s3cret
        scope: api
    requests:
      - name: call
        url: <<base_url>>/echo
    "#;

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", STALLED_TOKEN);
    let mut running = project.runner(["run", "c.yaml"]).server(&server).spawn();
    running.signal_when(Ready::Request(&server, "/stall/15000"), Signal::Int);
    // whatever the first one does, a second one ends the process at once
    let second_at = running.signal_when(Ready::Stderr("Ctrl-C again"), Signal::Int);
    let out = running
        .wait(Duration::from_secs(3))
        .expect("the second Ctrl-C exits at once");
    assert_eq!(out.code, Some(130), "{out}");
    assert!(second_at.elapsed() < Duration::from_secs(2));
}

#[test]
fn ctrl_c_cancels_a_token_request_in_flight() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", STALLED_TOKEN);
    let mut running = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .args(["--report", "json=r.json"])
        .spawn();
    running.signal_when(Ready::Request(&server, "/stall/15000"), Signal::Int);
    let out = running.wait(Duration::from_secs(5)).expect(
        "one Ctrl-C cancels the in-flight token request (it waited for the stalled token endpoint)",
    );
    assert_eq!(out.code, Some(130), "{out}");
    let report: Value = serde_json::from_str(&project.read("r.json")).unwrap();
    assert_eq!(report["interrupted"], true);
}

// ---------------------------------------------------------------------------------------------
// Hostile input

/// Runs the collection `c.yaml` (bounded in time), expecting an input error (exit 2) that
/// names the file and says `needle`, never a panic.
fn expect_input_error(project: &Project, needle: &str) -> Outcome {
    let out = project
        .runner(["run", "c.yaml"])
        .timeout(Duration::from_secs(30))
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("c.yaml"), "names the file\n{out}");
    assert!(out.stderr.contains(needle), "says {needle:?}\n{out}");
    assert!(
        out.stdout.is_empty() || !out.stdout.contains("passed"),
        "{out}"
    );
    out
}

/// "Billion laughs": nine levels of nine aliases (9^9 = 387 million strings if expanded).
fn alias_bomb() -> String {
    let mut text = String::from(
        "vars:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("requests:\n  - name: x\n    url: http://127.0.0.1:9/\n");
    text
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let project = Project::new();
    std::fs::write(project.path().join("c.yaml"), alias_bomb()).unwrap();
    let started = Instant::now();
    expect_input_error(&project, "alias");
    assert!(started.elapsed() < Duration::from_secs(10));
    let (_, peak_kib) = run_measured(&project, &["run", "c.yaml"]);
    eprintln!("alias bomb: peak {peak_kib} KiB");
    assert!(peak_kib < 512 * 1024, "alias bomb took {peak_kib} KiB");
}

#[test]
fn deep_nesting_is_refused() {
    let project = Project::new();
    let depth = 100_000;
    let flow = format!("requests: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(project.path().join("c.yaml"), flow).unwrap();
    expect_input_error(&project, "c.yaml:1:");
    let maps = format!("requests: {}1{}\n", "{a: ".repeat(depth), "}".repeat(depth));
    std::fs::write(project.path().join("c.yaml"), maps).unwrap();
    expect_input_error(&project, "c.yaml:1:");
    // block style, deep enough to pass the parser's own limit only through our bound
    let mut block = String::from("vars:\n");
    for level in 1..400 {
        block.push_str(&format!("{}k{level}:\n", " ".repeat(level * 2)));
    }
    block.push_str("requests: []\n");
    std::fs::write(project.path().join("c.yaml"), block).unwrap();
    let out = project
        .runner(["run", "c.yaml"])
        .timeout(Duration::from_secs(30))
        .run();
    out.expect_code(2);
}

/// An error about a 200 KB line shows a readable excerpt of it, not the whole line.
#[test]
fn errors_on_very_long_lines_stay_readable() {
    let project = Project::new();
    let depth = 100_000;
    let flow = format!("requests: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(project.path().join("c.yaml"), flow).unwrap();
    let out = expect_input_error(&project, "c.yaml:1:");
    assert!(
        out.stderr.len() < 20_000,
        "the error output is {} bytes for one error",
        out.stderr.len()
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_input_error() {
    let project = Project::new();
    let mut bytes = b"requests:\n  - name: x\n    url: http://127.0.0.1:9/".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3, b'\n']);
    std::fs::write(project.path().join("c.yaml"), bytes).unwrap();
    expect_input_error(&project, "not UTF-8");
    // a UTF-16 file (with BOM) likewise
    let utf16: Vec<u8> = "\u{feff}requests: []\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(project.path().join("c.yaml"), utf16).unwrap();
    let out = project
        .runner(["run", "c.yaml"])
        .timeout(Duration::from_secs(30))
        .run();
    out.expect_code(2);
}

/// Runs a collection whose body is `template`, sent to a server that is never reached; the
/// request must fail with `needle` in its details, within the time and memory given.
fn expect_template_failure(template: &str, needle: &str, max_kib: u64) {
    let shown: String = template.chars().take(90).collect();
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: hostile\n    method: POST\n    url: <<base_url>>/echo\n    body: \"{template}\"\n"
        ),
    );
    // a hard cap on address space, so a failure here cannot take the machine down
    let time = if Path::new(GNU_TIME).exists() {
        format!("{GNU_TIME} -v ")
    } else {
        String::new()
    };
    let script = format!("ulimit -v 3145728; exec {time}\"$@\"");
    let started = Instant::now();
    let out = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .launched_by(["sh", "-c", &script, "sh"])
        .timeout(Duration::from_secs(60))
        .run();
    let peak_kib = time_peak_kib(&out.stderr).unwrap_or(0);
    eprintln!(
        "template {shown:?}…: peak {peak_kib} KiB, {} ms",
        millis(started.elapsed())
    );
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("memory allocation"),
        "crashed\n{out}"
    );
    assert!(
        out.stderr.contains("Exit status: 1") || out.code == Some(1),
        "a request failure (exit 1)\n{out}"
    );
    out.expect_request("✘", "hostile", &[])
        .expect_details("hostile", &[needle]);
    assert_eq!(server.hits("/echo"), 0, "nothing sent");
    assert!(
        peak_kib < max_kib,
        "template {shown:?}… took {peak_kib} KiB at its peak"
    );
}

#[test]
fn a_template_with_a_huge_range_fails_clearly() {
    expect_template_failure(
        "<% for i in range(10000000) %>x<% endfor %>",
        "range has too many elements",
        200 * 1024,
    );
}

#[test]
fn a_template_that_loops_too_long_runs_out_of_fuel() {
    expect_template_failure(
        "<% for a in range(100000) %><% for b in range(100000) %>x<% endfor %><% endfor %>",
        "ran out of fuel",
        200 * 1024,
    );
}

#[test]
fn a_template_that_recurses_hits_the_recursion_limit() {
    expect_template_failure(
        "<% macro f(n) %><<f(n + 1)>><% endmacro %><<f(0)>>",
        "recursion limit",
        200 * 1024,
    );
}

/// Fuel counts instructions, not output: a loop that writes a long text each time makes
/// gigabytes before the fuel runs out.
#[test]
fn a_template_that_loops_over_a_long_text_stays_bounded_in_memory() {
    let text = "x".repeat(1000);
    expect_template_failure(
        &format!(
            "<% for a in range(100000) %><% for b in range(100000) %>{text}<% endfor %><% endfor %>"
        ),
        "cannot render body",
        300 * 1024,
    );
}

/// Repeating a string is limited per operation, not per template.
#[test]
fn a_template_that_repeats_a_long_string_stays_bounded_in_memory() {
    expect_template_failure(
        "<% for a in range(100000) %><<'x' * 10000000>><% endfor %>",
        "cannot render body",
        300 * 1024,
    );
}

/// Found by the `template` fuzz target (fuzz/corpus/template/crash-expression-lexer-empty-stack.txt):
/// an expression with `}}` followed by more text panics in minijinja's lexer ("empty lexer
/// stack") while the collection is loaded.
#[test]
fn an_expression_that_trips_the_template_lexer_is_an_input_error() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: x
            url: http://127.0.0.1:9/
            assert:
              expr: ["}})"]
        "#,
    );
    expect_input_error(&project, "c.yaml:5:");
}
