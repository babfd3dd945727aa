//! Requests imported from Postman go on the wire as Postman (newman) sends them: raw bodies
//! with the Content-Type Postman gives them, and header names in the case Postman writes
//! them (`Content-Type`, `Host`). Checked on a raw TCP server that records the request head.

mod support;

use support::Project;
use support::net::{RawRequest, RawServer, Reply, http_response};

/// A collection in our own words: a text body without a language, a JSON body with the
/// JSON language, and one with an explicit lower-case header.
const COLLECTION: &str = r#"{
  "info": { "name": "wire", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
  "item": [
    { "name": "plain", "request": { "method": "POST", "url": "{{base_url}}/plain",
      "body": { "mode": "raw", "raw": "colour=teal" } } },
    { "name": "language", "request": { "method": "POST", "url": "{{base_url}}/language",
      "body": { "mode": "raw", "raw": "{ \"colour\": \"teal\" }",
                "options": { "raw": { "language": "json" } } } } },
    { "name": "header", "request": { "method": "POST", "url": "{{base_url}}/header",
      "header": [ { "key": "content-type", "value": "application/json" } ],
      "body": { "mode": "raw", "raw": "[1, 2]" } } }
  ]
}"#;

fn sent(requests: &[RawRequest], path: &str) -> RawRequest {
    requests
        .iter()
        .find(|r| r.line.contains(&format!(" /{path} ")))
        .cloned()
        .unwrap_or_else(|| panic!("no request to /{path} in {requests:?}"))
}

fn content_type(request: &RawRequest) -> Option<&str> {
    request
        .headers
        .iter()
        .find_map(|h| h.strip_prefix("Content-Type: "))
}

#[test]
fn raw_bodies_carry_the_content_type_postman_sends_and_title_case_header_names() {
    let server = RawServer::start(|_, _| {
        Reply::Bytes(http_response(
            "200 OK",
            &[("content-type", b"text/plain")],
            b"ok",
        ))
    });
    let project = Project::new();
    project.file("wire.postman_collection.json", COLLECTION);
    project
        .runner([
            "import",
            "postman",
            "wire.postman_collection.json",
            "-o",
            "out",
        ])
        .run()
        .expect_code(0);
    let base = format!("base_url={}", server.base_url());
    project
        .runner(["run", "out/collections", "--var", &base])
        .run()
        .expect_code(0);

    let requests = server.requests();
    let plain = sent(&requests, "plain");
    assert_eq!(content_type(&plain), Some("text/plain"), "{plain:?}");
    assert!(
        plain.headers.iter().any(|h| h == "Content-Length: 11"),
        "the raw text is sent as written: {plain:?}"
    );
    assert_eq!(
        content_type(&sent(&requests, "language")),
        Some("application/json")
    );
    assert_eq!(
        content_type(&sent(&requests, "header")),
        Some("application/json")
    );
    assert!(
        plain.headers.iter().any(|h| h.starts_with("Host: ")),
        "header names are title case: {plain:?}"
    );
}

/// GET bodies: Postman leaves them out unless `disableBodyPruning` is set (on the request or
/// a level above it).
const PRUNING: &str = r#"{
  "info": { "name": "pruning", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
  "item": [
    { "name": "pruned", "request": { "method": "GET", "url": "{{base_url}}/pruned",
      "body": { "mode": "raw", "raw": "dropped", "options": { "raw": { "language": "text" } } } } },
    { "name": "kept", "protocolProfileBehavior": { "disableBodyPruning": true },
      "request": { "method": "GET", "url": "{{base_url}}/kept",
      "body": { "mode": "raw", "raw": "sent" } } },
    { "name": "folder", "protocolProfileBehavior": { "disableBodyPruning": true }, "item": [
      { "name": "inner", "request": { "method": "GET", "url": "{{base_url}}/inner",
        "body": { "mode": "urlencoded", "urlencoded": [ { "key": "a", "value": "1" } ] } } } ] },
    { "name": "posted", "request": { "method": "POST", "url": "{{base_url}}/posted",
      "body": { "mode": "raw", "raw": "sent" } } }
  ]
}"#;

fn content_length(request: &RawRequest) -> Option<&str> {
    request
        .headers
        .iter()
        .find_map(|h| h.strip_prefix("Content-Length: "))
}

#[test]
fn get_bodies_are_left_out_as_postman_prunes_them_unless_pruning_is_disabled() {
    let server = RawServer::start(|_, _| Reply::Bytes(http_response("200 OK", &[], b"")));
    let project = Project::new();
    project.file("pruning.postman_collection.json", PRUNING);
    let import = project
        .runner([
            "import",
            "postman",
            "pruning.postman_collection.json",
            "-o",
            "out",
        ])
        .run();
    import.expect_code(0);
    let report = project.read("out/IMPORT-REPORT.md");
    assert!(
        report.contains("| pruned | the body of this GET request is left out"),
        "{report}"
    );
    let base = format!("base_url={}", server.base_url());
    project
        .runner(["run", "out/collections", "--var", &base])
        .run()
        .expect_code(0);
    let requests = server.requests();
    let pruned = sent(&requests, "pruned");
    assert_eq!(content_type(&pruned), None, "{pruned:?}");
    assert_eq!(content_length(&pruned), None, "{pruned:?}");
    assert_eq!(content_length(&sent(&requests, "kept")), Some("4"));
    assert_eq!(content_length(&sent(&requests, "inner")), Some("3"));
    assert_eq!(content_length(&sent(&requests, "posted")), Some("4"));
}
