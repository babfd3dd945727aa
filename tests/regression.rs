//! Regression suites (issue 7): snapshot assertions (create, match, mismatch, update, ignore
//! paths, headers, secrets, CI), JSON Schema assertions, pagination, `for_each` loops, setup and
//! teardown (after failures, `--bail` and Ctrl-C), and the shipped bc-regression collection.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::regression::REG_COMPANY_ID;
use support::{CLIENT_SECRET, Outcome, Project, Ready, Signal, TestServer};

/// The collection most tests use lives in a subfolder, so that "relative to the collection" is
/// told apart from "relative to the current directory".
const SUITE: &str = "suites/suite.yaml";

/// The BC-like API of the test server, for `--var`: `api=http://…/reg/bc/v2.0/t/e/api/v2.0`.
fn api_var(server: &TestServer) -> String {
    format!(
        "api={}/reg/bc/v2.0/cronus-test/Sandbox/api/v2.0",
        server.base_url()
    )
}

fn company_var() -> String {
    format!("company={REG_COMPANY_ID}")
}

/// `runner run suites/suite.yaml --var base_url=… --var api=… --var company=… EXTRA…`.
fn run_suite(project: &Project, server: &TestServer, extra: &[&str]) -> Outcome {
    project
        .runner(["run", SUITE])
        .server(server)
        .args(["--var".to_string(), api_var(server)])
        .args(["--var".to_string(), company_var()])
        .args(extra)
        .run()
}

/// The lines of a unified diff in the details that remove or add something (not the headers).
fn changed_lines(details: &str) -> Vec<String> {
    details
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("---") && !l.starts_with("-->"))
                || (l.starts_with('+') && !l.starts_with("+++"))
        })
        .map(str::to_string)
        .collect()
}

fn file_bytes(project: &Project, rel: &str) -> Vec<u8> {
    std::fs::read(project.path().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

fn exists(project: &Project, rel: &str) -> bool {
    project.path().join(rel).exists()
}

fn paths(list: &[&str]) -> Vec<PathBuf> {
    list.iter().map(PathBuf::from).collect()
}

/// A customer document with its keys deliberately out of order.
fn customer_doc(city: &str) -> Value {
    json!({
        "number": "10000",
        "displayName": "Adatum Corporation",
        "address": {"street": "192 Market Square", "city": city},
        "creditLimit": 1000,
        "tags": ["b2b", "rush"],
    })
}

/// `customer_doc("Atlanta")` as the snapshot stores it: pretty-printed, keys sorted.
const CUSTOMER_SNAPSHOT: &str = r#"{
  "address": {
    "city": "Atlanta",
    "street": "192 Market Square"
  },
  "creditLimit": 1000,
  "displayName": "Adatum Corporation",
  "number": "10000",
  "tags": [
    "b2b",
    "rush"
  ]
}
"#;

const CUSTOMER_SUITE: &str = r#"
    name: snapshots
    requests:
      - group: customers
        requests:
          - name: read one
            url: <<base_url>>/reg/doc/customer
            assert:
              status: 200
              snapshot: true
"#;

const CUSTOMER_SNAPSHOT_FILE: &str = "suites/snapshots/suite/customers/read_one.json";

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshot_is_created_with_the_flag_and_matches_on_the_next_run() {
    let server = TestServer::start();
    server
        .regression()
        .set_json("customer", customer_doc("Atlanta"));
    let project = Project::new();
    project.file(SUITE, CUSTOMER_SUITE);

    let created = run_suite(&project, &server, &["--update-snapshots"]);
    created
        .expect_code(0)
        .expect_summary("1 passed, 0 failed")
        .expect_request("✔", "customers/read one", &["GET", "200"])
        .expect_details(
            "customers/read one",
            &["snapshot created: snapshots/suite/customers/read_one.json"],
        );
    // default file: snapshots/<collection stem>/<request path>.json, next to the collection
    assert_eq!(
        project.files(),
        paths(&[CUSTOMER_SNAPSHOT_FILE, SUITE]),
        "{created}"
    );
    assert_eq!(project.read(CUSTOMER_SNAPSHOT_FILE), CUSTOMER_SNAPSHOT);

    let matched = run_suite(&project, &server, &[]);
    matched
        .expect_code(0)
        .expect_summary("1 passed, 0 failed")
        .expect_request("✔", "customers/read one", &["200"]);
    assert!(
        matched.details("customers/read one").trim().is_empty(),
        "a matching snapshot needs no comment\n{matched}"
    );
    assert_eq!(project.read(CUSTOMER_SNAPSHOT_FILE), CUSTOMER_SNAPSHOT);
    assert_eq!(server.hits("/reg/doc/customer"), 2);
}

#[test]
fn snapshot_mismatch_shows_exactly_the_changed_line_and_its_path() {
    let server = TestServer::start();
    server
        .regression()
        .set_json("customer", customer_doc("Atlanta"));
    let project = Project::new();
    project.file(SUITE, CUSTOMER_SUITE);
    run_suite(&project, &server, &["--update-snapshots"]).expect_code(0);

    server
        .regression()
        .set_json("customer", customer_doc("Augusta"));
    let changed = run_suite(&project, &server, &[]);
    changed
        .expect_code(1)
        .expect_summary("0 passed, 1 failed")
        .expect_request("✘", "customers/read one", &["200"])
        .expect_details(
            "customers/read one",
            &["differs from snapshot snapshots/suite/customers/read_one.json"],
        );
    let details = changed.details("customers/read one");
    assert_eq!(
        changed_lines(&details),
        vec![
            r#"-    "city": "Atlanta","#.to_string(),
            r#"+    "city": "Augusta","#.to_string()
        ],
        "the diff should show exactly the changed line\n{changed}"
    );
    // the list of differing paths names the field and nothing else
    let message = details
        .lines()
        .find(|l| l.contains("differs from snapshot"))
        .unwrap();
    let listed = message.split_once("read_one.json").unwrap().1;
    assert!(
        listed.contains("$['address']['city']") || listed.contains("$.address.city"),
        "the path list should name the changed field: {message:?}\n{changed}"
    );
    for other in ["number", "displayName", "creditLimit", "tags", "street"] {
        assert!(
            !listed.contains(other),
            "the path list names {other}, which did not change: {message:?}"
        );
    }
    // a failing run never touches the file
    assert_eq!(project.read(CUSTOMER_SNAPSHOT_FILE), CUSTOMER_SNAPSHOT);
}

#[test]
fn update_rewrites_only_the_changed_snapshot_and_says_which() {
    let server = TestServer::start();
    server
        .regression()
        .set_json("customer", customer_doc("Atlanta"));
    server
        .regression()
        .set_json("company", json!({"name": "CRONUS", "currency": "USD"}));
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: snapshots
        requests:
          - name: customer
            url: <<base_url>>/reg/doc/customer
            assert: { snapshot: true }
          - name: company
            url: <<base_url>>/reg/doc/company
            assert: { snapshot: true }
        "#,
    );
    run_suite(&project, &server, &["--update-snapshots"]).expect_code(0);
    let company_before = file_bytes(&project, "suites/snapshots/suite/company.json");

    server
        .regression()
        .set_json("customer", customer_doc("Augusta"));
    let updated = run_suite(&project, &server, &["--update-snapshots"]);
    updated
        .expect_code(0)
        .expect_summary("2 passed, 0 failed")
        .expect_details(
            "customer",
            &["snapshot updated: snapshots/suite/customer.json"],
        );
    assert!(
        !updated.details("company").contains("snapshot"),
        "the unchanged snapshot is not reported as written\n{updated}"
    );
    assert_eq!(
        project.read("suites/snapshots/suite/customer.json"),
        CUSTOMER_SNAPSHOT.replace("Atlanta", "Augusta")
    );
    assert_eq!(
        file_bytes(&project, "suites/snapshots/suite/company.json"),
        company_before
    );

    run_suite(&project, &server, &[])
        .expect_code(0)
        .expect_summary("2 passed, 0 failed");
}

#[test]
fn missing_snapshot_fails_naming_the_flag_and_writes_nothing() {
    let server = TestServer::start();
    server
        .regression()
        .set_json("customer", customer_doc("Atlanta"));
    let project = Project::new();
    project.file(SUITE, CUSTOMER_SUITE);

    let missing = run_suite(&project, &server, &[]);
    missing
        .expect_code(1)
        .expect_summary("0 passed, 1 failed")
        .expect_request("✘", "customers/read one", &["200"])
        .expect_details(
            "customers/read one",
            &[
                "snapshots/suite/customers/read_one.json",
                "--update-snapshots",
            ],
        );
    assert_eq!(project.files(), paths(&[SUITE]), "{missing}");
}

#[test]
fn in_ci_snapshots_are_never_written_without_the_flag() {
    let server = TestServer::start();
    server
        .regression()
        .set_json("customer", customer_doc("Atlanta"));
    let project = Project::new();
    project.file(SUITE, CUSTOMER_SUITE);
    let ci_run = |extra: &[&str]| {
        let mut args = vec![
            "run".to_string(),
            SUITE.into(),
            "--var".into(),
            server.var(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        project.runner(args).env("CI", "true").run()
    };

    // missing: fails, nothing created
    let missing = ci_run(&[]);
    missing
        .expect_code(1)
        .expect_details("customers/read one", &["--update-snapshots"]);
    assert_eq!(project.files(), paths(&[SUITE]), "{missing}");

    // stale: fails with the diff, the file stays as it was
    project.file(
        CUSTOMER_SNAPSHOT_FILE,
        &CUSTOMER_SNAPSHOT.replace("Atlanta", "Boston"),
    );
    let stale = ci_run(&[]);
    stale.expect_code(1);
    assert_eq!(
        changed_lines(&stale.details("customers/read one")),
        vec![
            r#"-    "city": "Boston","#.to_string(),
            r#"+    "city": "Atlanta","#.to_string()
        ],
        "{stale}"
    );
    assert_eq!(
        project.read(CUSTOMER_SNAPSHOT_FILE),
        CUSTOMER_SNAPSHOT.replace("Atlanta", "Boston")
    );

    // the flag given explicitly writes even in CI
    ci_run(&["--update-snapshots"])
        .expect_code(0)
        .expect_details(
            "customers/read one",
            &["snapshot updated: snapshots/suite/customers/read_one.json"],
        );
    assert_eq!(project.read(CUSTOMER_SNAPSHOT_FILE), CUSTOMER_SNAPSHOT);
}

fn volatile_order(id: &str, stamp: &str, etag: &str, quantity: u32) -> Value {
    json!({
        "@odata.etag": etag,
        "id": id,
        "number": "S-1001",
        "lastModifiedDateTime": stamp,
        "lines": [
            {"@odata.etag": format!("{etag}-1"), "id": format!("{id}-1"), "quantity": quantity},
            {"@odata.etag": format!("{etag}-2"), "id": format!("{id}-2"), "quantity": 2},
        ],
    })
}

#[test]
fn ignored_paths_keep_the_snapshot_stable_when_ids_and_timestamps_change() {
    let server = TestServer::start();
    let api = server.regression();
    api.set_json(
        "order",
        volatile_order("a1", "2024-05-01T08:00:00.000Z", "W/\"1\"", 1),
    );
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: ignore
        requests:
          - name: order
            url: <<base_url>>/reg/doc/order
            assert:
              snapshot:
                ignore: ["$.id", "$.lastModifiedDateTime", "$..['@odata.etag']", "$.lines[*].id"]
        "#,
    );
    let file = "suites/snapshots/suite/order.json";
    run_suite(&project, &server, &["--update-snapshots"])
        .expect_code(0)
        .expect_details("order", &["snapshot created: snapshots/suite/order.json"]);
    let expected = r#"{
  "@odata.etag": "<ignored>",
  "id": "<ignored>",
  "lastModifiedDateTime": "<ignored>",
  "lines": [
    {
      "@odata.etag": "<ignored>",
      "id": "<ignored>",
      "quantity": 1
    },
    {
      "@odata.etag": "<ignored>",
      "id": "<ignored>",
      "quantity": 2
    }
  ],
  "number": "S-1001"
}
"#;
    assert_eq!(project.read(file), expected);

    api.set_json(
        "order",
        volatile_order("b2", "2024-06-02T09:30:00.000Z", "W/\"2\"", 1),
    );
    run_suite(&project, &server, &[])
        .expect_code(0)
        .expect_summary("1 passed, 0 failed");
    // nothing to rewrite either: the file stays byte for byte, and no update is reported
    let again = run_suite(&project, &server, &["--update-snapshots"]);
    again.expect_code(0);
    assert!(
        !again.stdout.contains("snapshot updated"),
        "only ignored values changed\n{again}"
    );
    assert_eq!(project.read(file), expected);

    // a change outside the ignored paths is still caught
    api.set_json(
        "order",
        volatile_order("c3", "2024-07-03T10:00:00.000Z", "W/\"3\"", 5),
    );
    let changed = run_suite(&project, &server, &[]);
    changed.expect_code(1);
    assert_eq!(
        changed_lines(&changed.details("order")),
        vec![
            r#"-      "quantity": 1"#.to_string(),
            r#"+      "quantity": 5"#.to_string()
        ],
        "{changed}"
    );
}

#[test]
fn snapshot_with_headers_stores_and_compares_the_chosen_headers() {
    let server = TestServer::start();
    let api = server.regression();
    let body = json!({"number": "10000", "name": "Adatum"});
    api.set_json_with_headers(
        "versioned",
        body.clone(),
        &[("x-api-version", "2.1"), ("x-request-id", "req-1")],
    );
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: headers
        requests:
          - name: versioned
            url: <<base_url>>/reg/doc/versioned
            assert:
              snapshot:
                file: golden/versioned.json
                headers: [content-type, x-api-version]
        "#,
    );
    // `file` is relative to the collection, not to the current directory
    let file = "suites/golden/versioned.json";
    run_suite(&project, &server, &["--update-snapshots"])
        .expect_code(0)
        .expect_details("versioned", &["snapshot created: golden/versioned.json"]);
    let stored: Value = serde_json::from_str(&project.read(file)).expect("the snapshot is JSON");
    assert_eq!(stored["body"], body, "{stored:#}");
    assert_eq!(stored["headers"]["x-api-version"], "2.1", "{stored:#}");
    assert_eq!(
        stored["headers"]["content-type"], "application/json",
        "{stored:#}"
    );
    assert!(
        !project.read(file).contains("req-1"),
        "headers not asked for are not stored"
    );

    // another request id (not stored) still matches
    api.set_json_with_headers(
        "versioned",
        body.clone(),
        &[("x-api-version", "2.1"), ("x-request-id", "req-2")],
    );
    run_suite(&project, &server, &[]).expect_code(0);

    // the version header changes: caught, with its path
    api.set_json_with_headers(
        "versioned",
        body,
        &[("x-api-version", "2.2"), ("x-request-id", "req-3")],
    );
    let changed = run_suite(&project, &server, &[]);
    changed
        .expect_code(1)
        .expect_details("versioned", &["x-api-version"]);
    let details = changed.details("versioned");
    assert_eq!(
        changed_lines(&details),
        vec![
            r#"-    "x-api-version": "2.1""#.to_string(),
            r#"+    "x-api-version": "2.2""#.to_string()
        ],
        "{changed}"
    );
    assert!(
        details.contains("$['headers']['x-api-version']")
            || details.contains("$.headers['x-api-version']"),
        "the path list should name the header\n{changed}"
    );
}

#[test]
fn secrets_are_masked_in_snapshot_files() {
    const SECRET: &str = "k3y-Sup3r-S3cret-9f8e";
    // a secret with characters JSON escapes: stored as `\"` and `\\` in the file
    const ESCAPED: &str = r#"Pa"ss\w0rd-77"#;
    let server = TestServer::start();
    server.regression().set_json(
        "session",
        json!({"user": "alice", "apiKey": SECRET, "note": format!("issued key {SECRET} today"),
               "password": ESCAPED}),
    );
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: secrets
        requests:
          - name: session
            url: <<base_url>>/reg/doc/session
            headers: { X-Api-Key: <<api_key>> }
            assert: { snapshot: true }
        "#,
    );
    let secret_arg = format!("api_key={SECRET}");
    let escaped_arg = format!("password={ESCAPED}");
    let recorded = run_suite(
        &project,
        &server,
        &[
            "--secret",
            &secret_arg,
            "--secret",
            &escaped_arg,
            "--update-snapshots",
        ],
    );
    recorded.expect_code(0);
    assert_eq!(
        server.last("/reg/doc/session").header("x-api-key"),
        Some(SECRET),
        "the secret itself is sent"
    );
    let stored = project.read("suites/snapshots/suite/session.json");
    assert!(
        !stored.contains(SECRET) && !stored.contains("w0rd-77"),
        "a secret leaked into the snapshot:\n{stored}"
    );
    assert_eq!(
        stored,
        "{\n  \"apiKey\": \"***\",\n  \"note\": \"issued key *** today\",\n  \"password\": \"***\",\n  \"user\": \"alice\"\n}\n"
    );
    assert!(!recorded.all().contains(SECRET), "{recorded}");

    // the masked file matches the next run
    run_suite(
        &project,
        &server,
        &["--secret", &secret_arg, "--secret", &escaped_arg],
    )
    .expect_code(0)
    .expect_summary("1 passed, 0 failed");
}

/// Each element of a `for_each` is its own result; with `snapshot: true` each needs its own
/// stored response, or a suite recorded once cannot pass unchanged on the next run.
#[test]
fn snapshots_inside_for_each_are_kept_per_element() {
    let server = TestServer::start();
    for (name, city) in [("a", "Atlanta"), ("b", "Boston"), ("c", "Chicago")] {
        server.regression().set_json(name, customer_doc(city));
    }
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: loop snapshots
        vars:
          names: [a, b, c]
        requests:
          - name: read each
            for_each: <<names>>
            as: doc
            url: <<base_url>>/reg/doc/<<doc>>
            assert: { snapshot: true }
        "#,
    );
    let recorded = run_suite(&project, &server, &["--update-snapshots"]);
    recorded.expect_code(0).expect_summary("3 passed, 0 failed");
    let created = recorded.stdout.matches("snapshot created").count();
    let updated = recorded.stdout.matches("snapshot updated").count();
    let snapshot_files: Vec<PathBuf> = project
        .files()
        .into_iter()
        .filter(|f| f.starts_with("suites/snapshots"))
        .collect();
    let again = run_suite(&project, &server, &[]);
    assert!(
        created == 3 && updated == 0 && snapshot_files.len() == 3,
        "three elements should record three snapshots (created {created}, updated {updated}, \
         files {snapshot_files:?})\n{recorded}"
    );
    again.expect_code(0).expect_summary("3 passed, 0 failed");
}

/// Each data row (`--data`) runs the collection again; its snapshots must not overwrite each
/// other's, or the recorded suite fails on its next unchanged run.
#[test]
fn snapshots_of_data_rows_are_kept_per_row() {
    let server = TestServer::start();
    server.regression().set_json("a", customer_doc("Atlanta"));
    server.regression().set_json("b", customer_doc("Boston"));
    let project = Project::new();
    project.file("rows.csv", "doc\na\nb\n");
    project.file(
        SUITE,
        r#"
        name: row snapshots
        requests:
          - name: read row
            url: <<base_url>>/reg/doc/<<doc>>
            assert: { snapshot: true }
        "#,
    );
    let recorded = run_suite(
        &project,
        &server,
        &["--data", "rows.csv", "--update-snapshots"],
    );
    recorded.expect_code(0).expect_summary("2 passed, 0 failed");
    assert!(
        !recorded.stdout.contains("snapshot updated"),
        "the second row overwrote the first row's snapshot\n{recorded}"
    );
    run_suite(&project, &server, &["--data", "rows.csv"])
        .expect_code(0)
        .expect_summary("2 passed, 0 failed");
}

#[test]
fn text_bodies_are_stored_as_they_are() {
    let server = TestServer::start();
    let text = "order 10042\nstatus: shipped\ncarrier: UPS\n";
    server.regression().set_text("note", text);
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: text
        requests:
          - name: note
            url: <<base_url>>/reg/doc/note
            assert: { snapshot: true }
          - name: named note
            url: <<base_url>>/reg/doc/note
            assert: { snapshot: texts/note.txt }
        "#,
    );
    run_suite(&project, &server, &["--update-snapshots"])
        .expect_code(0)
        .expect_details("note", &["snapshot created: snapshots/suite/note.txt"])
        .expect_details("named note", &["snapshot created: texts/note.txt"]);
    assert_eq!(project.read("suites/snapshots/suite/note.txt"), text);
    assert_eq!(project.read("suites/texts/note.txt"), text);

    server
        .regression()
        .set_text("note", &text.replace("shipped", "returned"));
    let changed = run_suite(&project, &server, &[]);
    changed.expect_code(1).expect_summary("0 passed, 2 failed");
    assert_eq!(
        changed_lines(&changed.details("note")),
        vec![
            "-status: shipped".to_string(),
            "+status: returned".to_string()
        ],
        "{changed}"
    );
}

// ---------------------------------------------------------------------------------------------
// JSON Schema

const CUSTOMER_SCHEMA: &str = r#"
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "required": ["id", "number", "displayName"],
      "properties": {
        "id": { "type": "string" },
        "number": { "type": "string" },
        "displayName": { "type": "string", "minLength": 1 },
        "creditLimit": { "type": "number", "minimum": 0 },
        "lines": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": { "quantity": { "type": "integer" } }
          }
        }
      }
    }
"#;

#[test]
fn schema_from_json_and_yaml_files_passes_a_valid_body() {
    let server = TestServer::start();
    server.regression().set_json(
        "customer",
        json!({"id": "c-1", "number": "10000", "displayName": "Adatum", "creditLimit": 0,
               "lines": [{"quantity": 1}, {"quantity": 2}]}),
    );
    let project = Project::new();
    project.file("suites/schemas/customer.json", CUSTOMER_SCHEMA);
    project.file(
        "suites/schemas/customer.yaml",
        r#"
        type: object
        required: [id, number]
        properties:
          id: { type: string }
          number: { type: string, pattern: "^[0-9]+$" }
        "#,
    );
    project.file(
        SUITE,
        r#"
        name: schema
        requests:
          - name: json schema
            url: <<base_url>>/reg/doc/customer
            assert: { schema: schemas/customer.json }
          - name: yaml schema
            url: <<base_url>>/reg/doc/customer
            assert: { schema: schemas/customer.yaml }
        "#,
    );
    run_suite(&project, &server, &[])
        .expect_code(0)
        .expect_summary("2 passed, 0 failed")
        .expect_request("✔", "json schema", &["200"])
        .expect_request("✔", "yaml schema", &["200"]);
}

#[test]
fn schema_failure_lists_every_violation_with_its_path() {
    let server = TestServer::start();
    server.regression().set_json(
        "customer",
        json!({"id": 42, "displayName": "", "creditLimit": -5,
               "lines": [{"quantity": 1}, {"quantity": "two"}]}),
    );
    let project = Project::new();
    project.file("suites/schemas/customer.json", CUSTOMER_SCHEMA);
    project.file(
        SUITE,
        r#"
        name: schema
        requests:
          - name: customer
            url: <<base_url>>/reg/doc/customer
            assert: { status: 200, schema: schemas/customer.json }
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(1)
        .expect_summary("0 passed, 1 failed")
        .expect_request("✘", "customer", &["200"]);
    let details = out.details("customer");
    let violations: Vec<&str> = details
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("✘") && l.contains("schema"))
        .collect();
    assert_eq!(
        violations.len(),
        5,
        "one line per violation expected\n{out}"
    );
    for (path, about) in [
        ("$.id", "42"),
        ("$.displayName", "\"\""),
        ("$.creditLimit", "-5"),
        ("$.lines[1].quantity", "\"two\""),
        ("$", "number"),
    ] {
        let at = format!(" at {path}:");
        assert!(
            violations
                .iter()
                .any(|l| l.contains(&at) && l.contains(about)),
            "no violation at {path} mentioning {about}\n{out}"
        );
    }
}

#[test]
fn inline_schema_passes_and_fails() {
    let server = TestServer::start();
    server.regression().set_json(
        "item",
        json!({"number": "1896-S", "price": 10.5, "blocked": "no"}),
    );
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: inline
        requests:
          - name: good
            url: <<base_url>>/reg/doc/item
            assert:
              schema:
                type: object
                required: [number, price]
                properties:
                  number: { type: string }
                  price: { type: number, exclusiveMinimum: 0 }
          - name: bad
            url: <<base_url>>/reg/doc/item
            assert:
              schema:
                type: object
                required: [number, unitOfMeasure]
                properties:
                  blocked: { type: boolean }
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(1)
        .expect_summary("1 passed, 1 failed")
        .expect_request("✔", "good", &["200"])
        .expect_request("✘", "bad", &["200"])
        .expect_details("bad", &[" at $.blocked:", " at $:", "unitOfMeasure"]);
}

#[test]
fn missing_schema_file_is_a_load_error_with_its_position() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: schema
        requests:
          - name: customer
            url: <<base_url>>/reg/doc/customer
            assert:
              status: 200
              schema: schemas/nowhere.json
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(2);
    let all = out.all();
    assert!(
        all.contains("suite.yaml:7:15"),
        "the error should point at the schema value (line 7, column 15)\n{out}"
    );
    assert!(all.contains("nowhere.json"), "{out}");
    assert_eq!(server.total_hits(), 0, "nothing may be sent\n{out}");
}

#[test]
fn invalid_schema_is_a_load_error_with_its_position() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("suites/schemas/broken.json", r#"{"type": "objekt"}"#);
    project.file(
        SUITE,
        r#"
        name: schema
        requests:
          - name: from file
            url: <<base_url>>/reg/doc/customer
            assert: { schema: schemas/broken.json }
          - name: inline
            url: <<base_url>>/reg/doc/customer
            assert:
              schema:
                type: object
                minProperties: lots
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(2);
    let all = out.all();
    assert!(
        all.contains("suite.yaml:5:23"),
        "file schema position\n{out}"
    );
    assert!(
        all.contains("suite.yaml:10:9"),
        "inline schema position\n{out}"
    );
    assert_eq!(server.total_hits(), 0, "nothing may be sent\n{out}");
}

#[test]
fn invalid_regression_fields_are_load_errors_with_positions() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: bad
        requests:
          - name: one
            url: <<base_url>>/echo
            paginate: { next: "$$bad" }
            for_each: <<[1, 2>>
            as: x
            assert:
              snapshot: { ignore: ["$.[bad"], fille: x.json }
          - name: two
            url: <<base_url>>/echo
            for_each: <<[1, 2]>>
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(2);
    let all = out.all();
    for (at, about) in [
        ("suite.yaml:5:23", "$$bad"),
        ("suite.yaml:6:15", "for_each"),
        ("suite.yaml:9:28", "$.[bad"),
        ("suite.yaml:9:39", "fille"),
    ] {
        assert!(
            all.lines().any(|l| l.contains(at) && l.contains(about)),
            "expected an error at {at} about {about}\n{out}"
        );
    }
    assert!(
        all.lines()
            .any(|l| l.contains("suite.yaml:10:") && l.contains("`as`")),
        "for_each without `as` should be reported at request `two`\n{out}"
    );
    assert_eq!(server.total_hits(), 0, "nothing may be sent\n{out}");
}

// ---------------------------------------------------------------------------------------------
// Pagination

fn numbered_items(n: u32) -> Vec<Value> {
    (1..=n)
        .map(|i| json!({"n": i, "name": format!("customer {i}")}))
        .collect()
}

/// A test server whose `/reg/list/{list}` holds items 1..=n, and a project whose suite is `yaml`.
fn paging_setup(list: &str, n: u32, yaml: &str) -> (TestServer, Project) {
    let server = TestServer::start();
    server.regression().set_list(list, numbered_items(n));
    let project = Project::new();
    project.file(SUITE, yaml);
    (server, project)
}

#[test]
fn pagination_follows_three_pages_with_the_same_headers_and_joins_the_items() {
    let (server, project) = paging_setup(
        "customers",
        7,
        r#"
        name: paging
        requests:
          - name: all customers
            url: <<base_url>>/reg/list/customers
            headers:
              Prefer: odata.maxpagesize=3
              Authorization: Bearer paging-token
            paginate: { next: "$['@odata.nextLink']", max_pages: 50 }
            assert:
              status: 200
              json:
                $.value: { length: 7 }
                $.value[*].n: [1, 2, 3, 4, 5, 6, 7]
              expr:
                - response.pages == 3
                - response.json.value | length == 7
            capture:
              names: $.value[*].name
          - name: uses the joined capture
            url: <<base_url>>/echo
            query: { count: "<<names | length>>", last: "<<names[6]>>" }
            assert:
              json:
                $.args.count: "7"
                $.args.last: customer 7
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0)
        .expect_summary("2 passed, 0 failed")
        .expect_request("✔", "all customers", &["GET", "200"]);
    let pages = server.received("/reg/list/customers");
    assert_eq!(pages.len(), 3, "three page requests\n{out}");
    let starts: Vec<Option<String>> = pages
        .iter()
        .map(|p| p.args().get("$skiptoken").cloned())
        .collect();
    assert_eq!(
        starts,
        vec![None, Some("3".into()), Some("6".into())],
        "pages requested in order"
    );
    for page in &pages {
        assert_eq!(page.method, "GET");
        assert_eq!(page.header("prefer"), Some("odata.maxpagesize=3"));
        assert_eq!(page.header("authorization"), Some("Bearer paging-token"));
    }
}

#[test]
fn pagination_defaults_follow_the_odata_next_link_up_to_50_pages() {
    let (server, project) = paging_setup(
        "items",
        60,
        r#"
        name: paging
        requests:
          - name: items
            url: <<base_url>>/reg/list/items
            headers: { Prefer: odata.maxpagesize=1 }
            paginate: {}
            assert:
              json:
                $.value: { length: 50 }
                $.value[49].n: 50
              expr: [response.pages == 50]
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(server.hits("/reg/list/items"), 50, "{out}");
}

#[test]
fn max_pages_stops_early() {
    let (server, project) = paging_setup(
        "many",
        10,
        r#"
        name: paging
        requests:
          - name: first two pages
            url: <<base_url>>/reg/list/many
            headers: { Prefer: odata.maxpagesize=2 }
            paginate: { max_pages: 2 }
            assert:
              json:
                $.value[*].n: [1, 2, 3, 4]
              expr: [response.pages == 2]
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(
        server.hits("/reg/list/many"),
        2,
        "max_pages: 2 fetches two pages\n{out}"
    );
}

#[test]
fn pagination_with_a_custom_items_path_for_non_odata_apis() {
    let (server, project) = paging_setup(
        "plain",
        5,
        r#"
        name: paging
        requests:
          - name: plain pages
            url: <<base_url>>/reg/list/plain?style=plain
            headers: { Prefer: odata.maxpagesize=2 }
            paginate: { next: $.next, items: $.data }
            assert:
              json:
                $.data[*].n: [1, 2, 3, 4, 5]
              expr: [response.pages == 3]
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(server.hits("/reg/list/plain"), 3, "{out}");
}

#[test]
fn a_throttled_page_is_sent_again_and_the_pages_still_join() {
    let (server, project) = paging_setup(
        "busy",
        5,
        r#"
        name: paging
        requests:
          - name: busy pages
            url: <<base_url>>/reg/list/busy?throttle_pages=1
            headers: { Prefer: odata.maxpagesize=3 }
            paginate: {}
            assert:
              json:
                $.value[*].n: [1, 2, 3, 4, 5]
              expr: [response.pages == 2]
        "#,
    );
    let out = run_suite(&project, &server, &["-v"]);
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let statuses: Vec<u16> = server
        .received("/reg/list/busy")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 429, 200], "{out}");
    assert!(
        out.stdout
            .contains("1 throttled page request (429/503) was sent again"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// for_each

#[test]
fn for_each_deletes_each_captured_customer_as_its_own_result() {
    let server = TestServer::start();
    let ids = server.regression().seed_customers(&[
        json!({"displayName": "test A"}),
        json!({"displayName": "test B"}),
        json!({"displayName": "test C"}),
    ]);
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: loops
        requests:
          - name: list test customers
            url: <<api>>/companies(<<company>>)/customers
            headers: { Authorization: Bearer t }
            capture: { customer_ids: "$.value[*].id" }
          - name: delete customer
            method: DELETE
            for_each: <<customer_ids>>
            as: id
            url: <<api>>/companies(<<company>>)/customers(<<id>>)
            headers: { Authorization: Bearer t, If-Match: "*" }
            assert: { status: 204 }
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0).expect_summary("4 passed, 0 failed");
    for i in 1..=3 {
        out.expect_request("✔", &format!("delete customer [{i}/3]"), &["DELETE", "204"]);
    }
    let deletes: Vec<String> = server
        .received_under("/reg/bc/")
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    let expected: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                "/reg/bc/v2.0/cronus-test/Sandbox/api/v2.0/companies({REG_COMPANY_ID})/customers({id})"
            )
        })
        .collect();
    assert_eq!(
        deletes, expected,
        "one DELETE per customer, in order\n{out}"
    );
    assert!(server.regression().customers().is_empty());
}

#[test]
fn for_each_over_a_single_value_runs_once_and_over_nothing_is_skipped() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        SUITE,
        r#"
        name: loops
        vars:
          single: only-one
          empty: []
          nothing: null
        requests:
          - name: one
            for_each: <<single>>
            as: item
            url: <<base_url>>/echo
            query: { item: <<item>> }
            assert: { json: { $.args.item: only-one } }
          - name: none
            for_each: <<empty>>
            as: item
            url: <<base_url>>/echo
            query: { item: <<item>> }
          - name: null list
            for_each: <<nothing>>
            as: item
            url: <<base_url>>/echo
            query: { item: <<item>> }
        "#,
    );
    let out = run_suite(&project, &server, &[]);
    out.expect_code(0)
        .expect_summary("1 passed, 0 failed, 2 skipped")
        .expect_request("✔", "one [1/1]", &["GET", "200"])
        .expect_request("-", "none", &["skipped"])
        .expect_request("-", "null list", &["skipped"]);
    assert_eq!(server.hits("/echo"), 1, "{out}");
}

// ---------------------------------------------------------------------------------------------
// Setup and teardown

/// Setup creates a customer; teardown deletes it. `MAIN` is spliced in as the main requests.
fn crud_suite(main: &str) -> String {
    let head = r#"
        name: cleanup
        setup:
          - name: create customer
            method: POST
            url: <<api>>/companies(<<company>>)/customers
            headers: { Authorization: Bearer t }
            json: { displayName: runner teardown test }
            assert: { status: 201 }
            capture: { customer_id: $.id }
        requests:
"#;
    let tail = r#"
        teardown:
          - name: delete customer
            method: DELETE
            url: <<api>>/companies(<<company>>)/customers(<<customer_id>>)
            headers: { Authorization: Bearer t, If-Match: "*" }
            assert: { status: 204 }
"#;
    format!("{head}{main}{tail}")
}

fn teardown_deletes(server: &TestServer) -> Vec<support::server::Recorded> {
    server
        .received_under("/reg/bc/")
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect()
}

#[test]
fn teardown_runs_after_a_failed_main_request_and_its_failures_do_not_hide_them() {
    let server = TestServer::start();
    let project = Project::new();
    let suite = crud_suite(
        r#"
          - name: broken check
            url: <<base_url>>/status/500
            assert: { status: 200 }
          - name: next check
            url: <<base_url>>/echo
            assert: { status: 200 }
"#,
    )
    .replace(
        "        teardown:\n",
        "        teardown:\n          - name: failing cleanup\n            url: <<base_url>>/status/503\n            assert: { status: 204 }\n",
    );
    project.file(SUITE, &suite);
    let out = run_suite(&project, &server, &[]);
    out.expect_code(1)
        .expect_summary("3 passed, 2 failed")
        .expect_request("✔", "create customer", &["POST", "201"])
        .expect_request("✘", "broken check", &["500"])
        .expect_request("✔", "next check", &["200"])
        .expect_request("✘", "failing cleanup", &["503"])
        .expect_request("✔", "delete customer", &["DELETE", "204"])
        .expect_details("broken check", &["status"]);
    // teardown ran after the main requests, and the created customer is gone
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = |name: &str| lines.iter().position(|l| l.contains(name)).unwrap();
    assert!(
        at("next check") < at("failing cleanup") && at("failing cleanup") < at("delete customer")
    );
    assert_eq!(teardown_deletes(&server).len(), 1, "{out}");
    assert!(server.regression().customers().is_empty(), "{out}");
}

#[test]
fn teardown_runs_after_bail() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        SUITE,
        &crud_suite(
            r#"
          - name: broken check
            url: <<base_url>>/status/500
            assert: { status: 200 }
          - name: never sent
            url: <<base_url>>/echo
"#,
        ),
    );
    let out = run_suite(&project, &server, &["--bail"]);
    out.expect_code(1)
        .expect_request("✘", "broken check", &["500"])
        .expect_request("-", "never sent", &["--bail"])
        .expect_request("✔", "delete customer", &["DELETE", "204"])
        .expect_summary("2 passed, 1 failed, 1 skipped");
    assert_eq!(server.hits("/echo"), 0, "{out}");
    assert_eq!(teardown_deletes(&server).len(), 1, "{out}");
    assert!(server.regression().customers().is_empty(), "{out}");
}

#[test]
fn failed_setup_skips_the_main_requests_and_teardown_still_runs() {
    let server = TestServer::start();
    let project = Project::new();
    let suite = crud_suite(
        r#"
          - name: main one
            url: <<base_url>>/echo
          - name: main two
            url: <<base_url>>/text
"#,
    )
    .replace(
        "        requests:\n",
        "          - name: setup check\n            url: <<base_url>>/status/500\n            assert: { status: 200 }\n        requests:\n",
    );
    project.file(SUITE, &suite);
    let out = run_suite(&project, &server, &[]);
    out.expect_code(1)
        .expect_summary("2 passed, 1 failed, 2 skipped")
        .expect_request("✔", "create customer", &["201"])
        .expect_request("✘", "setup check", &["500"])
        .expect_request("-", "main one", &["setup check"])
        .expect_request("-", "main two", &["setup check"])
        .expect_request("✔", "delete customer", &["DELETE", "204"]);
    assert_eq!(server.hits("/echo") + server.hits("/text"), 0, "{out}");
    assert!(server.regression().customers().is_empty(), "{out}");
}

/// Runs the suite as a child process, sends it SIGINT once a request for `stall_path` has
/// reached the server (and stalls there), and waits (bounded) for it to exit. Returns what it
/// printed and how long it took to exit after the signal.
fn interrupt_while_stalled(
    project: &Project,
    server: &TestServer,
    stall_path: &str,
) -> (Outcome, Duration) {
    let mut running = project
        .runner(["run", SUITE])
        .server(server)
        .args(["--var", &api_var(server), "--var", &company_var()])
        .spawn();
    let interrupted_at = running.signal_when(Ready::Request(server, stall_path), Signal::Int);
    let out = running
        .wait(Duration::from_secs(20))
        .expect("runner did not exit within 20 s");
    (out, interrupted_at.elapsed())
}

#[test]
fn teardown_runs_after_an_interrupt_and_the_exit_code_is_130() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        SUITE,
        &crud_suite(
            r#"
          - name: stalls
            url: <<base_url>>/slow/9000
          - name: after the stall
            url: <<base_url>>/echo
"#,
        ),
    );
    let (out, waited) = interrupt_while_stalled(&project, &server, "/slow/9000");
    out.expect_code(130);
    assert!(
        waited < Duration::from_secs(8),
        "the stalled request should be cancelled, not awaited ({waited:?})\n{out}"
    );
    let deletes = teardown_deletes(&server);
    assert_eq!(
        deletes.len(),
        1,
        "the teardown DELETE must reach the server\n{out}"
    );
    assert_eq!(deletes[0].status, 204, "{out}");
    assert!(server.regression().customers().is_empty(), "{out}");
    assert_eq!(
        server.hits("/echo"),
        0,
        "nothing new starts after Ctrl-C\n{out}"
    );
    out.expect_request("✘", "stalls", &["GET"])
        .expect_request("-", "after the stall", &["skipped"])
        .expect_request("✔", "delete customer", &["DELETE", "204"]);
}

#[test]
fn teardown_requests_in_flight_are_not_cancelled_by_the_first_interrupt() {
    let server = TestServer::start();
    let project = Project::new();
    let suite = crud_suite(
        r#"
          - name: quick check
            url: <<base_url>>/echo
"#,
    )
    .replace(
        "        teardown:\n",
        "        teardown:\n          - name: slow cleanup\n            url: <<base_url>>/slow/1500\n            assert: { status: 200 }\n",
    );
    project.file(SUITE, &suite);
    let (out, waited) = interrupt_while_stalled(&project, &server, "/slow/1500");
    out.expect_code(130)
        .expect_request("✔", "quick check", &["200"])
        .expect_request("✔", "slow cleanup", &["GET", "200"])
        .expect_request("✔", "delete customer", &["DELETE", "204"]);
    assert!(
        waited >= Duration::from_millis(1000),
        "the slow teardown request should have been awaited ({waited:?})\n{out}"
    );
    assert_eq!(server.last("/slow/1500").status, 200, "{out}");
    assert!(server.regression().customers().is_empty(), "{out}");
}

// ---------------------------------------------------------------------------------------------
// The shipped bc-regression collection

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A temp project holding copies of the repo's collections/, mocks/ and environments/.
fn shipped_project() -> Project {
    let project = Project::new();
    for dir in ["collections", "mocks", "environments"] {
        copy_dir(&repo_path(dir), &project.path().join(dir));
    }
    project
}

/// Every file of the project with its contents.
fn snapshot_of(project: &Project) -> Vec<(PathBuf, Vec<u8>)> {
    project
        .files()
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(project.path().join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

const SHIPPED_SNAPSHOTS: [&str; 3] = [
    "collections/snapshots/bc-regression/read_customer.json",
    "collections/snapshots/bc-regression/update_customer.json",
    "collections/snapshots/bc-regression/customer-names.json",
];

fn run_shipped_on_mock(project: &Project, extra: &[&str]) -> Outcome {
    let mut args = vec![
        "run",
        "collections/bc-regression.yaml",
        "-e",
        "local",
        "--mock",
        "mocks/bc.yaml",
    ];
    args.extend_from_slice(extra);
    project.runner(args).run()
}

#[test]
fn shipped_bc_regression_runs_green_against_the_shipped_mock() {
    let project = shipped_project();
    let before = snapshot_of(&project);
    let out = run_shipped_on_mock(&project, &[]);
    out.expect_code(0)
        .expect_summary("8 passed, 0 failed")
        .expect_request("✔", "company", &["200"])
        .expect_request("✔", "create first customer", &["POST", "201"])
        .expect_request("✔", "create second customer", &["POST", "201"])
        .expect_request("✔", "read customer", &["GET", "200"])
        .expect_request("✔", "update customer", &["PATCH", "200"])
        .expect_request("✔", "list customers page by page", &["GET", "200"])
        .expect_request("✔", "delete test customers [1/2]", &["DELETE", "204"])
        .expect_request("✔", "delete test customers [2/2]", &["DELETE", "204"]);
    assert!(
        before == snapshot_of(&project),
        "a run without --update-snapshots changed files\n{out}"
    );
}

#[test]
fn recording_the_shipped_suite_on_the_mock_reproduces_the_committed_snapshots() {
    let project = shipped_project();
    std::fs::remove_dir_all(project.path().join("collections/snapshots")).unwrap();
    let recorded = run_shipped_on_mock(&project, &["--update-snapshots"]);
    recorded.expect_code(0).expect_summary("8 passed, 0 failed");
    for file in SHIPPED_SNAPSHOTS {
        let rel = file.strip_prefix("collections/").unwrap();
        assert!(
            recorded
                .stdout
                .contains(&format!("snapshot created: {rel}")),
            "no report of {rel}\n{recorded}"
        );
        assert_eq!(
            project.read(file),
            std::fs::read_to_string(repo_path(file)).unwrap(),
            "the recorded {file} differs from the committed one"
        );
    }
    run_shipped_on_mock(&project, &[])
        .expect_code(0)
        .expect_summary("8 passed, 0 failed");
}

/// The recording run reported and wrote every shipped snapshot.
fn expect_every_snapshot_created(project: &Project, recorded: &Outcome) {
    for file in SHIPPED_SNAPSHOTS {
        let rel = file.strip_prefix("collections/").unwrap();
        assert!(
            recorded
                .stdout
                .contains(&format!("snapshot created: {rel}")),
            "no report of {rel}\n{recorded}"
        );
        assert!(exists(project, file), "{file} not written\n{recorded}");
    }
}

/// After the email drifted: the diffs of the single reads and of the paged list show exactly
/// the email lines.
fn expect_only_the_email_lines_differ(drifted: &Outcome) {
    for name in ["read customer", "update customer"] {
        let details = drifted.details(name);
        assert_eq!(
            changed_lines(&details),
            vec![
                r#"-  "email": "a@example.com","#.to_string(),
                r#"+  "email": "changed@example.com","#.to_string()
            ],
            "{name}: the diff should show exactly the email line\n{drifted}"
        );
        assert!(
            details.contains("$['email']") || details.contains("$.email"),
            "{name}: the path list should name $.email\n{drifted}"
        );
    }
    let list = drifted.details("list customers page by page");
    assert_eq!(
        changed_lines(&list),
        vec![
            r#"-      "email": "a@example.com","#.to_string(),
            r#"+      "email": "changed@example.com","#.to_string(),
            r#"-      "email": "b@example.com","#.to_string(),
            r#"+      "email": "changed@example.com","#.to_string(),
        ],
        "{drifted}"
    );
}

/// The issue's "Done when": the shipped suite against a Business Central stand-in (the test
/// server): recorded once, passes unchanged, fails with a precise diff when the server changes
/// one field, and always deletes what it created.
#[test]
fn done_when_recorded_once_passes_unchanged_fails_precisely_and_always_cleans_up() {
    let server = TestServer::start();
    let project = shipped_project();
    std::fs::remove_dir_all(project.path().join("collections/snapshots")).unwrap();
    project.file(
        "environments/teststand.yaml",
        &format!(
            "login_url: {base}\nbc_url: {base}/reg/bc\nTenant: cronus-test\nEnvironment: Sandbox\nClientId: regression-app\nClientSecret: {CLIENT_SECRET}\n",
            base = server.base_url()
        ),
    );
    let run_it = |extra: &[&str]| {
        let mut args = vec!["run", "collections/bc-regression.yaml", "-e", "teststand"];
        args.extend_from_slice(extra);
        project.runner(args).run()
    };
    let api = server.regression();

    // 1. recorded once
    let recorded = run_it(&["--update-snapshots"]);
    recorded.expect_code(0).expect_summary("8 passed, 0 failed");
    expect_every_snapshot_created(&project, &recorded);
    assert_eq!(api.created_and_deleted(), (2, 2), "{recorded}");
    assert!(api.customers().is_empty(), "{recorded}");
    let files = snapshot_of(&project);

    // 2. passes unchanged (new ids, ETags and timestamps)
    let unchanged = run_it(&[]);
    unchanged
        .expect_code(0)
        .expect_summary("8 passed, 0 failed");
    assert!(!unchanged.stdout.contains("snapshot"), "{unchanged}");
    assert!(files == snapshot_of(&project), "{unchanged}");
    assert_eq!(api.created_and_deleted(), (4, 4), "{unchanged}");

    // 3. the server changes one field: a precise diff, and still everything deleted
    api.drift("email", json!("changed@example.com"));
    let drifted = run_it(&[]);
    drifted
        .expect_code(1)
        .expect_summary("5 passed, 3 failed")
        .expect_request("✘", "read customer", &["200"])
        .expect_request("✘", "update customer", &["200"])
        .expect_request("✘", "list customers page by page", &["200"])
        .expect_request("✔", "delete test customers [1/2]", &["204"])
        .expect_request("✔", "delete test customers [2/2]", &["204"]);
    expect_only_the_email_lines_differ(&drifted);
    assert!(
        files == snapshot_of(&project),
        "a failing run wrote files\n{drifted}"
    );
    assert_eq!(api.created_and_deleted(), (6, 6), "{drifted}");
    assert!(api.customers().is_empty(), "{drifted}");
    // the list was read page by page (one customer per page)
    let list_pages = server
        .received_under("/reg/bc/")
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/customers"))
        .count();
    assert_eq!(list_pages, 3 * 2, "two pages per run, three runs");
}
