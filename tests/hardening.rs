//! Hardening against hostile input (issue 16, the input side), black-box through the binary:
//! input files (control characters, non-regular files, the size limit, large plain
//! collections), `.env` files, selections that match nothing, load-time checks of literal
//! values, `validate` and `init`, `report merge`, cookie attributes and the mock log, and
//! `export curl`. Every server is on 127.0.0.1.

mod support;

use std::time::Duration;

use support::{Outcome, Project, TestServer};

/// A collection of one request to the test server's `/echo`.
const ECHO: &str = "
    name: c
    requests:
      - name: ping
        url: <<base_url>>/echo
        assert: { status: 200 }
    ";

/// The run ended as unusable input: exit 2, nothing sent, stderr holding every needle.
fn expect_refused(out: &Outcome, server: Option<&TestServer>, needles: &[&str]) {
    out.expect_code(2);
    for needle in needles {
        assert!(out.stderr.contains(needle), "no `{needle}` in\n{out}");
    }
    if let Some(server) = server {
        assert_eq!(server.total_hits(), 0, "a request was sent\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Input files

#[test]
fn a_nul_byte_in_a_collection_is_an_error_at_its_place() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "name: c\nrequests:\n  - name: ping\n    url: <<base_url>>/echo\x00\n",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    expect_refused(&out, Some(&server), &["c.yaml:4:27", "U+0000", "␀"]);
    assert!(!out.stderr.contains('\0'), "a raw NUL was printed\n{out}");
}

#[test]
fn control_characters_in_environment_and_data_files_are_errors_at_their_place() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("c.yaml", ECHO)
        .file("environments/dev.yaml", "greeting: hi\nother: a\x1b[2Jb\n")
        .file("rows.csv", "name\nfine\nbad\x07\n");
    let out = project
        .runner(["run", "c.yaml", "-e", "dev"])
        .server(&server)
        .run();
    expect_refused(&out, Some(&server), &["dev.yaml:2:9", "U+001B"]);
    assert!(
        !out.stderr.contains('\x1b'),
        "a raw escape was printed\n{out}"
    );
    let out = project
        .runner(["run", "c.yaml", "--data", "rows.csv"])
        .server(&server)
        .run();
    expect_refused(&out, Some(&server), &["rows.csv:3:4", "U+0007"]);
}

#[test]
fn tab_cr_and_lf_are_text() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        &ECHO.replace('\n', "\r\n").replace("name: c", "name: c\t"),
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0);
}

#[test]
fn an_include_of_a_device_a_fifo_or_a_folder_is_refused_at_once() {
    let server = TestServer::start();
    let project = Project::new();
    let status = std::process::Command::new("mkfifo")
        .arg(project.path().join("pipe.yaml"))
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    std::fs::create_dir(project.path().join("folder.yaml")).unwrap();
    for (target, what) in [
        ("/dev/zero", "a device"),
        ("pipe.yaml", "a named pipe (FIFO)"),
        ("folder.yaml", "a folder"),
    ] {
        project.file(
            "c.yaml",
            &format!("name: c\nrequests:\n  - include: {target}\n"),
        );
        let out = project
            .runner(["run", "c.yaml"])
            .server(&server)
            .timeout(Duration::from_secs(20))
            .run();
        expect_refused(
            &out,
            Some(&server),
            &["c.yaml:3:14", what, "only regular files are read"],
        );
    }
    // the same for the files named on the command line
    let out = project
        .runner(["run", "/dev/zero"])
        .timeout(Duration::from_secs(20))
        .run();
    expect_refused(&out, None, &["/dev/zero", "a device"]);
    project.file("c.yaml", ECHO);
    let out = project
        .runner(["run", "c.yaml", "--data", "pipe.yaml"])
        .timeout(Duration::from_secs(20))
        .run();
    expect_refused(&out, None, &["pipe.yaml", "a named pipe (FIFO)"]);
}

#[test]
fn files_beyond_the_size_limit_are_refused_and_the_limit_can_be_raised() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", ECHO);
    // sparse: 65 MiB long without writing them
    let big = std::fs::File::create(project.path().join("big.yaml")).unwrap();
    big.set_len(65 << 20).unwrap();
    let out = project.runner(["run", "big.yaml"]).run();
    expect_refused(
        &out,
        None,
        &[
            "big.yaml",
            "larger than the input limit of 64 MiB",
            "RUNNER_MAX_INPUT_SIZE",
        ],
    );
    let out = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .env("RUNNER_MAX_INPUT_SIZE", "50")
        .run();
    expect_refused(
        &out,
        Some(&server),
        &["c.yaml", "larger than the input limit of 50 bytes"],
    );
    let out = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .env("RUNNER_MAX_INPUT_SIZE", "1KiB")
        .run();
    out.expect_code(0);
    let out = project
        .runner(["run", "c.yaml"])
        .env("RUNNER_MAX_INPUT_SIZE", "lots")
        .run();
    expect_refused(&out, None, &["RUNNER_MAX_INPUT_SIZE=lots"]);
}

#[test]
fn a_large_plain_collection_loads_while_alias_bombs_stay_refused() {
    let project = Project::new();
    let mut yaml = String::from("name: large\nrequests:\n");
    for i in 0..20_000 {
        yaml.push_str(&format!(
            "  - name: r{i}\n    method: POST\n    url: http://127.0.0.1:9/r/{i}\n    headers: {{ A: a, B: b, C: c }}\n    json: {{ id: {i}, tags: [x, y, z], more: {{ k: v, l: w }} }}\n    assert: {{ status: 200, json: {{ $.id: {i}, $.ok: true }} }}\n"
        ));
    }
    project.file("large.yaml", &yaml);
    let out = project
        .runner(["list", "large.yaml"])
        .timeout(Duration::from_secs(120))
        .run();
    out.expect_code(0);
    assert!(out.stdout.contains("r19999"), "{out}");

    let mut bomb = String::from("name: bomb\nvars:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str("requests: []\n");
    project.file("bomb.yaml", &bomb);
    let out = project.runner(["list", "bomb.yaml"]).run();
    expect_refused(&out, None, &["bomb.yaml:", "alias bomb"]);
}

// ---------------------------------------------------------------------------------------------
// .env

#[test]
fn a_malformed_env_line_is_a_warning_and_the_other_lines_still_load() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: c
        requests:
          - name: send
            method: POST
            url: <<base_url>>/echo
            json:
              first: <<env("FIRST")>>
              spaced: <<env("SPACED")>>
              quoted: <<env("QUOTED")>>
              exported: <<env("EXPORTED")>>
              secret: <<secret("BC_CLIENT_SECRET")>>
            assert: { status: 200 }
        "#,
    );
    let dotenv = "\u{feff}FIRST=one\r\n# a comment\r\nthis line is broken\r\nSPACED=two words here  # why\r\nQUOTED=\"a \\\"quoted\\\" value\"\r\nexport EXPORTED=yes\r\nBC_CLIENT_SECRET=s3cr3t-from-dotenv\r\n";
    std::fs::write(project.path().join(".env"), dotenv).unwrap();
    let out = project
        .runner(["run", "c.yaml", "-v"])
        .server(&server)
        .run();
    out.expect_code(0);
    assert!(
        out.stderr
            .contains("warning: .env:3: expected NAME=VALUE; the line is skipped"),
        "{out}"
    );
    assert_eq!(out.stderr.matches("warning: .env").count(), 1, "{out}");
    assert!(!out.all().contains("this line is broken"), "{out}");
    assert!(
        !out.all().contains("s3cr3t-from-dotenv"),
        "the secret was printed\n{out}"
    );
    let sent = server.last("/echo").json();
    assert_eq!(sent["first"], "one");
    assert_eq!(sent["spaced"], "two words here");
    assert_eq!(sent["quoted"], "a \"quoted\" value");
    assert_eq!(sent["exported"], "yes");
    assert_eq!(sent["secret"], "s3cr3t-from-dotenv");
}

#[test]
fn the_shell_wins_over_env_and_an_unclosed_quote_skips_only_its_line() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: c
        requests:
          - name: send
            method: POST
            url: <<base_url>>/echo
            json: { a: <<env("A")>>, b: <<env("B")>> }
        "#,
    );
    std::fs::write(
        project.path().join(".env"),
        "A=from-file\nX=\"never closed\nB=after\n",
    )
    .unwrap();
    let out = project
        .runner(["run", "c.yaml"])
        .server(&server)
        .env("A", "from-shell")
        .run();
    out.expect_code(0);
    assert!(
        out.stderr
            .contains("warning: .env:2: the \"quoted\" value is never closed"),
        "{out}"
    );
    let sent = server.last("/echo").json();
    assert_eq!(sent["a"], "from-shell");
    assert_eq!(sent["b"], "after");
}

// ---------------------------------------------------------------------------------------------
// Selections and folders that match nothing

const WITH_SETUP: &str = "
    name: c
    setup:
      - name: login
        url: <<base_url>>/echo
    requests:
      - name: customers
        url: <<base_url>>/echo
        tags: [smoke]
    teardown:
      - name: logout
        url: <<base_url>>/echo
    ";

#[test]
fn a_selection_that_matches_nothing_exits_2_before_setup_is_sent() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", WITH_SETUP);
    for (flags, named) in [
        (
            vec!["--tag", "smok"],
            "--tag smok matched no request in c.yaml",
        ),
        (
            vec!["--only", "vendors/*"],
            "--only 'vendors/*' matched no request in c.yaml",
        ),
        (
            vec!["--skip-tag", "smoke"],
            "--skip-tag smoke matched no request in c.yaml",
        ),
        (
            vec!["--tag", "smoke", "--only", "login"],
            "--tag smoke --only 'login' matched no request",
        ),
    ] {
        let out = project
            .runner(["run", "c.yaml"])
            .args(&flags)
            .server(&server)
            .run();
        expect_refused(&out, Some(&server), &[named, "nothing was sent"]);
    }
    let out = project
        .runner(["run", "c.yaml", "--tag", "smoke"])
        .server(&server)
        .run();
    out.expect_code(0);
    assert_eq!(server.total_hits(), 3);
}

#[test]
fn a_folder_without_collections_exits_2() {
    let project = Project::new();
    std::fs::create_dir(project.path().join("empty")).unwrap();
    project.file("notes/readme.txt", "not a collection");
    for folder in ["empty", "notes"] {
        let out = project.runner(["run", folder]).run();
        expect_refused(
            &out,
            None,
            &[&format!(
                "the folder {folder} holds no collection files (*.yaml, *.yml)"
            )],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets: cookie attributes, the mock's log

#[test]
fn cookie_values_are_masked_and_cookie_attributes_are_not() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            r#"
            routes:
              - match: { path: /affinity }
                respond:
                  headers:
                    Set-Cookie: "ARRAffinity=9f8e7d6c5b4a39281706; Path=/; HttpOnly; Secure; Domain=127.0.0.1; Max-Age=3600; SameSite=None"
                    X-Max-Age: "3600"
                    X-Domain: "127.0.0.1"
                  json: { path: "/", ttl: 3600 }
            "#,
        )
        .file(
            "c.yaml",
            r#"
            name: c
            requests:
              - name: affinity
                url: <<mock_url>>/affinity
                assert:
                  headers: { X-Max-Age: "3601", X-Domain: "127.0.0.2" }
                  json: { $.ttl: 3601, $.path: "/x" }
            "#,
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml", "-v"])
        .run();
    out.expect_code(1);
    let all = out.all();
    assert!(
        !all.contains("9f8e7d6c5b4a39281706"),
        "the cookie value was printed\n{out}"
    );
    for shown in [
        "actual \"3600\"",
        "actual \"127.0.0.1\"",
        "actual 3600",
        "actual \"/\"",
    ] {
        assert!(all.contains(shown), "`{shown}` is masked\n{out}");
    }
    assert!(
        !all.contains("actual ***"),
        "an attribute was masked\n{out}"
    );
}

#[test]
fn the_mock_log_masks_secrets_sent_in_the_query() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            "routes:\n  - match: { path: /api/hook }\n    respond: { status: 200 }\n",
        )
        .file(
            "c.yaml",
            r#"
            name: c
            requests:
              - name: hook
                url: <<mock_url>>/api/hook
                query: { code: <<key>>, plain: visible-value }
              - name: unmatched
                url: <<mock_url>>/nowhere?code=<<key>>
            "#,
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml", "-v"])
        .args(["--secret", "key=Fn+k3y/with space=="])
        .run();
    let all = out.all();
    assert!(
        all.contains("mock: GET /api/hook?code=***&plain=visible-value"),
        "{out}"
    );
    assert!(
        all.contains("mock: GET /nowhere?code=*** → 404 (no route matched)"),
        "{out}"
    );
    for form in [
        "Fn+k3y",
        "Fn%2Bk3y",
        "k3y%2Fwith",
        "with%20space",
        "with+space",
    ] {
        assert!(
            !all.contains(form),
            "`{form}` of the secret was printed\n{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// report merge

// ---------------------------------------------------------------------------------------------
// Report paths

#[test]
fn an_unwritable_report_path_stops_the_run_before_anything_is_sent() {
    let server = TestServer::start();
    let project = Project::new();
    // a folder cannot be made where a file is
    project.file("c.yaml", ECHO).file("taken", "a file");
    let out = project
        .runner(["run", "c.yaml", "--report", "json=taken/report.json"])
        .server(&server)
        .run();
    expect_refused(
        &out,
        Some(&server),
        &["cannot write the report taken/report.json"],
    );
}

#[test]
fn a_report_path_of_dash_is_standard_output_and_files_appear_whole_by_rename() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", ECHO);
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--report",
            "junit=-",
            "--report",
            "json=out/r.json",
        ])
        .server(&server)
        .run();
    out.expect_code(0);
    assert!(
        out.stdout.contains("<testsuites"),
        "no JUnit on stdout\n{out}"
    );
    assert!(
        !project.path().join("-").exists(),
        "a file named `-` was written"
    );
    serde_json::from_str::<serde_json::Value>(&project.read("out/r.json")).expect("whole JSON");
    // the temporary file beside it was renamed into place, not left behind
    let files: Vec<String> = support::files_under(project.path())
        .iter()
        .map(|f| {
            f.strip_prefix(project.path())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        files.iter().filter(|f| f.starts_with("out")).count(),
        1,
        "{files:?}"
    );
}

/// The (file, iteration) of each unit of a JSON report, in order.
fn unit_order(project: &Project, report: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&project.read(report)).unwrap();
    json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| format!("{} {}", u["file"].as_str().unwrap(), u["iteration"]))
        .collect()
}

#[test]
fn merge_counts_a_file_given_twice_once_and_keeps_the_run_order() {
    let server = TestServer::start();
    let project = Project::new();
    let files = ["a.yaml", "b.yaml", "c.yaml"];
    for file in files {
        project.file(file, ECHO);
    }
    let run = |extra: &[&str]| {
        project
            .runner(["run", "--iterations", "2"])
            .args(files)
            .args(extra)
            .server(&server)
            .run()
            .expect_code(0);
    };
    run(&["--report", "json=whole.json"]);
    run(&["--shard", "1/2", "--report", "json=s1.json"]);
    run(&["--shard", "2/2", "--report", "json=s2.json"]);
    let out = project
        .runner([
            "report",
            "merge",
            "merged.json",
            "--from",
            "s2.json",
            "--from",
            "s1.json",
        ])
        .args(["--from", "./s2.json"])
        .run();
    out.expect_code(0);
    assert!(
        out.stderr
            .contains("warning: ./s2.json is given more than once; it is merged once"),
        "{out}"
    );
    assert!(
        out.stdout.contains("merged 2 reports: 6 passed, 0 failed"),
        "{out}"
    );
    assert_eq!(
        unit_order(&project, "merged.json"),
        unit_order(&project, "whole.json")
    );

    // reports of separate runs: in the order given
    project
        .runner(["run", "b.yaml", "--report", "json=b.json"])
        .server(&server)
        .run();
    project
        .runner(["run", "a.yaml", "--report", "json=a.json"])
        .server(&server)
        .run();
    let out = project
        .runner([
            "report", "merge", "ba.json", "--from", "b.json", "--from", "a.json",
        ])
        .run();
    out.expect_code(0);
    assert_eq!(
        unit_order(&project, "ba.json"),
        ["b.yaml null", "a.yaml null"]
    );
}

// ---------------------------------------------------------------------------------------------
// Load-time checks

/// Runs a one-request collection whose request has `rest` (YAML lines, indented 4) after
/// its name; expects exit 2 with nothing sent; returns stderr.
fn refused_request(rest: &str, needles: &[&str]) -> String {
    let server = TestServer::start();
    let project = Project::new();
    let yaml = format!("name: c\nrequests:\n  - name: r\n{rest}");
    project.file("c.yaml", &yaml);
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    expect_refused(&out, Some(&server), needles);
    out.stderr
}

#[test]
fn literal_values_are_checked_at_load() {
    refused_request(
        "    url: 42\n",
        &["c.yaml:4:10", "`url` must be a string, found a number"],
    );
    refused_request(
        "    url: <<base_url>>/echo\n    assert: { status: \"abc\" }\n",
        &["c.yaml:5:23", "HTTP status codes", "found `abc`"],
    );
    refused_request(
        "    url: <<base_url>>/echo\n    assert: { status: { gt: 20, lt: 600 }, json: { $.n: { lt: 1e400 } } }\n",
        &[
            "c.yaml:5:29",
            "found `20`",
            "c.yaml:5:63",
            "`assert.json.$.n.lt` is not a finite number",
        ],
    );
    let stderr = refused_request(
        "    url: <<base_url>>/echo\n    assert: { status: [200, 2010] }\n",
        &["found `2010`"],
    );
    assert!(!stderr.contains("found `200`"), "{stderr}");
    // templates and quoted codes stay allowed
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "name: c\nvars: { ok: 200 }\nrequests:\n  - name: r\n    url: <<base_url>>/echo\n    assert: { status: { one_of: [\"<<ok>>\", \"201\"] } }\n",
    );
    project
        .runner(["run", "c.yaml"])
        .server(&server)
        .run()
        .expect_code(0);
}

#[test]
fn a_timeout_of_zero_is_refused() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", ECHO);
    let out = project
        .runner(["run", "c.yaml", "--timeout", "0"])
        .server(&server)
        .run();
    expect_refused(
        &out,
        Some(&server),
        &["--timeout", "a timeout must be longer than 0"],
    );
    project.file(
        "d.yaml",
        "name: d\nsettings: { connect_timeout: 0s }\nrequests: []\n",
    );
    let out = project.runner(["run", "d.yaml"]).run();
    expect_refused(
        &out,
        None,
        &["d.yaml:2:30", "a timeout must be longer than 0"],
    );
}

#[test]
fn one_typo_gives_one_error() {
    let stderr = refused_request(
        "    urll: <<base_url>>/echo\n",
        &[
            "c.yaml:4:5",
            "unknown field `urll` in a request",
            "did you mean `url`?",
        ],
    );
    assert!(!stderr.contains("missing field"), "{stderr}");
    assert!(stderr.contains("1 error in the input"), "{stderr}");
    // a key that is no misspelling of `url` still leaves `url` missing
    refused_request("    address: <<base_url>>/echo\n", &["missing field `url`"]);
}

#[test]
fn operator_names_of_other_tools_get_a_did_you_mean() {
    for (written, meant) in [
        ("greater_than: 1", "gt"),
        ("equals: 1", "eq"),
        ("regex: \"^a\"", "matches"),
        ("less_than_or_equal: 5", "lte"),
        ("startswith: a", "starts_with"),
    ] {
        let name = written.split(':').next().unwrap();
        refused_request(
            &format!(
                "    url: <<base_url>>/echo\n    assert:\n      json:\n        $.n: {{ {written} }}\n"
            ),
            &[
                "c.yaml:7:16",
                &format!("unknown operator `{name}`"),
                &format!("did you mean `{meant}`?"),
            ],
        );
    }
}

#[test]
fn jsonpath_members_starting_with_at_show_the_bracket_form() {
    refused_request(
        "    url: <<base_url>>/echo\n    capture: { etag: $..@odata.etag }\n    assert:\n      json:\n        $.@odata.nextLink: { exists: false }\n",
        &[
            "invalid JSONPath `$..@odata.etag`",
            "a name starting with `@` goes in brackets: `$..['@odata.etag']`",
            "invalid JSONPath `$.@odata.nextLink`",
            "`$['@odata.nextLink']`",
        ],
    );
}

#[test]
fn an_environment_named_with_its_extension_is_found_in_environments() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("collections/c.yaml", ECHO)
        .file("environments/local.yaml", "greeting: hi\n");
    let out = project
        .runner(["run", "collections/c.yaml", "-e", "local.yaml"])
        .server(&server)
        .run();
    out.expect_code(0);
    let out = project
        .runner(["run", "collections/c.yaml", "-e", "nowhere.yaml"])
        .run();
    expect_refused(
        &out,
        None,
        &["environments/nowhere.yaml", "available: local"],
    );
    assert!(!out.stderr.contains("nowhere.yaml.yaml"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// export curl

#[test]
fn export_curl_refuses_a_captured_value_behind_a_filter() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: c
        requests:
          - name: create
            method: POST
            url: http://127.0.0.1:9/customers
            capture: { customer_id: $.id, items: $.items }
          - name: plain
            url: http://127.0.0.1:9/customers/<<customer_id>>
          - name: lowered
            url: http://127.0.0.1:9/customers/<<customer_id | lower>>
          - name: counted
            url: http://127.0.0.1:9/customers?n=<<items | length>>
          - name: upper
            method: POST
            url: http://127.0.0.1:9/customers
            json: { id: "<<customer_id | upper>>" }
        "#,
    );
    let export = |request: &str| {
        project
            .runner(["export", "curl", "c.yaml", "--request", request])
            .run()
    };
    let plain = export("plain");
    plain.expect_code(0);
    assert!(plain.stdout.contains("/customers/$CUSTOMER_ID"), "{plain}");
    for (request, named) in [
        ("lowered", "`customer_id`"),
        ("counted", "`items`"),
        ("upper", "`customer_id`"),
    ] {
        let out = export(request);
        assert_ne!(out.code, Some(0), "{out}");
        let all = out.all();
        assert!(
            !all.to_lowercase().contains("__runner"),
            "a placeholder was printed\n{out}"
        );
        assert!(
            all.contains("goes through a filter or an expression"),
            "{out}"
        );
        assert!(all.contains(named), "{out}");
        assert!(all.contains("--var NAME=VALUE"), "{out}");
    }
    // with the value given, the filter is applied as in a run
    let out = project
        .runner([
            "export",
            "curl",
            "c.yaml",
            "--request",
            "lowered",
            "--var",
            "customer_id=ABC",
        ])
        .run();
    out.expect_code(0);
    assert!(out.stdout.contains("/customers/abc"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// init and validate

#[test]
fn the_readme_of_runner_init_runs_as_written_and_validate_agrees() {
    let project = Project::new();
    project.runner(["init", "proj"]).run().expect_code(0);
    let readme = project.read("proj/README.md");
    let commands: Vec<Vec<&str>> = readme
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("runner "))
        .map(|l| l.split('#').next().unwrap().split_whitespace().collect())
        .collect();
    let offline: Vec<&Vec<&str>> = commands.iter().filter(|c| c.contains(&"--mock")).collect();
    assert!(offline.iter().any(|c| c[0] == "run"), "{readme}");
    assert!(offline.iter().any(|c| c[0] == "validate"), "{readme}");
    for command in offline {
        let out = project.runner(command).in_dir("proj").run();
        out.expect_code(0);
        if command[0] == "validate" {
            assert!(out.stderr.contains("0 errors, 0 warnings"), "{out}");
        } else {
            assert!(out.summary().ends_with("passed, 0 failed"), "{out}");
        }
    }
    // without --mock, validate says what the run would hit
    let out = project
        .runner(["validate", "collections/", "-e", "local"])
        .in_dir("proj")
        .run();
    out.expect_code(0);
    assert!(
        out.stderr.contains("environments/local.yaml:4:12: warning: `mock_url` is set only by `runner run --mock FILE`"),
        "{out}"
    );
    let out = project
        .runner(["run", "collections/", "-e", "local"])
        .in_dir("proj")
        .run();
    assert_ne!(out.code, Some(0), "{out}");
}

#[test]
fn validate_warns_about_unset_env_and_secret_names_as_a_run_would_see_them() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: c
        requests:
          - name: r
            url: http://127.0.0.1:9/<<env("RUNNER_TEST_HOST")>>/<<env("RUNNER_TEST_OPTIONAL", "x")>>
            headers: { X-Key: "<<secret('RUNNER_TEST_KEY')>>" }
        "#,
    );
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(0);
    assert!(out.stderr.contains("c.yaml:4:10: warning: `env(\"RUNNER_TEST_HOST\")`: `RUNNER_TEST_HOST` is not set in the environment or .env"), "{out}");
    assert!(
        out.stderr.contains(
            "c.yaml:5:23: warning: `secret(\"RUNNER_TEST_KEY\")`: `RUNNER_TEST_KEY` is not set"
        ),
        "{out}"
    );
    assert!(
        !out.stderr.contains("`RUNNER_TEST_OPTIONAL` is not set"),
        "{out}"
    );
    assert!(out.stderr.contains("0 errors, 2 warnings"), "{out}");
    // set in the shell and in .env: nothing to say
    project.file(".env", "RUNNER_TEST_KEY=k3y-from-dotenv\n");
    let out = project
        .runner(["validate", "c.yaml"])
        .env("RUNNER_TEST_HOST", "h")
        .run();
    out.expect_code(0);
    assert!(out.stderr.contains("0 errors, 0 warnings"), "{out}");
}
