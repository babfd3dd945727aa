//! `-v` shows each request as it went on the wire (issue 16, item 6), black-box through the
//! binary: a server on 127.0.0.1 records the raw request heads it received, and every header
//! line of each one must be shown by `-v` with the same value, nothing more (credentials
//! masked); redirects show each hop and what was not sent on.

mod support;

use support::net::{RawRequest, RawServer, Reply, http_response};
use support::{Outcome, Project};

/// A bearer token and a session cookie value: neither may appear, in whole or in part.
const TOKEN: &str = "tok-3f9a1c7e5b2d4a6f8e0c";
const SESSION: &str = "sess-9d8c7b6a5f4e3d2c1b0a";

/// Panics when any 8 characters in a row of `secret` appear in `text`.
fn assert_no_piece_of(secret: &str, text: &str) {
    for start in 0..=secret.len() - 8 {
        let piece = &secret[start..start + 8];
        assert!(
            !text.contains(piece),
            "`{piece}` of a secret leaked:\n{text}"
        );
    }
}

/// One request as `-v` showed it: `METHOD URL` and its header lines.
#[derive(Debug)]
struct Shown {
    line: String,
    headers: Vec<(String, String)>,
}

/// The requests `-v` showed below request `name`, in order (the first, then each hop's).
fn shown_requests(out: &Outcome, name: &str) -> Vec<Shown> {
    let mut shown: Vec<Shown> = Vec::new();
    let mut in_head = false;
    for line in out.details(name).lines() {
        let Some(rest) = line.trim_start().strip_prefix("> ") else {
            in_head = false;
            continue;
        };
        let is_request = rest.split(' ').next().is_some_and(|m| {
            !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()) && rest.contains("://")
        });
        if is_request {
            shown.push(Shown {
                line: rest.to_string(),
                headers: Vec::new(),
            });
            in_head = true;
        } else if let (true, Some((n, v))) = (in_head, rest.split_once(": "))
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            let last = shown.last_mut().expect("a header after a request line");
            last.headers.push((n.to_string(), v.to_string()));
        } else {
            in_head = false;
        }
    }
    shown
}

/// How `-v` shows a header value the server received: credentials masked.
fn masked(name: &str, value: &str) -> String {
    match name {
        "authorization" => format!("{} ***", value.split(' ').next().unwrap_or_default()),
        "cookie" => "***".into(),
        _ => value.to_string(),
    }
}

/// Asserts `shown` is the request the server `received`: the same method and path, and
/// exactly the same header lines (name, value; credentials masked).
fn assert_same(shown: &Shown, received: &RawRequest) {
    let mut parts = received.line.split(' ');
    let (method, path) = (parts.next().unwrap(), parts.next().unwrap());
    assert!(
        shown.line.starts_with(&format!("{method} ")) && shown.line.ends_with(path),
        "shown {:?}, received {:?}",
        shown.line,
        received.line
    );
    let mut on_wire: Vec<(String, String)> = received
        .headers
        .iter()
        .map(|line| {
            let (n, v) = line.split_once(':').expect("a header line");
            let name = n.trim().to_string();
            let value = masked(&name.to_ascii_lowercase(), v.trim());
            (name, value)
        })
        .collect();
    let mut seen = shown.headers.clone();
    on_wire.sort();
    seen.sort();
    assert_eq!(seen, on_wire, "-v must show the headers as received");
}

/// Base URLs, ports and timings replaced by stable names, for snapshots.
fn normalised(text: &str, servers: &[(&RawServer, &str)]) -> String {
    let mut text = text.to_string();
    for (server, name) in servers {
        let base = server.base_url();
        let port = base.rsplit(':').next().unwrap();
        text = text
            .replace(&format!("127.0.0.1:{port}"), name)
            .replace(&format!("localhost:{port}"), name);
    }
    let version = concat!("runner/", env!("CARGO_PKG_VERSION"));
    let ms = regex::Regex::new(r"\d+ ms").unwrap();
    ms.replace_all(&text.replace(version, "runner/[version]"), "[ms]")
        .into_owned()
}

/// Answers `/login` with a session cookie, anything else with `{}`.
fn recording_server() -> RawServer {
    RawServer::start(|_, request| {
        let cookie = format!("session={SESSION}; Path=/; HttpOnly");
        let headers: Vec<(&str, &[u8])> = if request.line.contains("/login") {
            vec![("set-cookie", cookie.as_bytes())]
        } else {
            vec![("content-type", b"application/json")]
        };
        Reply::Bytes(http_response("200 OK", &headers, b"{}"))
    })
}

#[test]
fn v_shows_every_header_sent_for_json_form_and_multipart_bodies() {
    let server = recording_server();
    let project = Project::new();
    project.file("note.txt", "hello");
    project.file(
        "c.yaml",
        &format!(
            "requests:
  - name: login
    url: {base}/login
    assert: {{ status: 200 }}
  - name: json
    method: POST
    url: {base}/items?page=1
    headers: {{ Authorization: Bearer <<token>>, X-Trace: t1 }}
    json: {{ name: widget, count: 2 }}
    assert: {{ status: 200 }}
  - name: form
    method: POST
    url: {base}/form
    headers: {{ User-Agent: custom/1.0, Accept: application/json }}
    form: {{ grant_type: client_credentials, scope: a b }}
    assert: {{ status: 200 }}
  - name: multipart
    method: POST
    url: {base}/upload
    multipart: {{ kind: note, file: {{ file: note.txt }} }}
    assert: {{ status: 200 }}
",
            base = server.base_url()
        ),
    );
    let token = format!("token={TOKEN}");
    let out = project
        .runner(["run", "c.yaml", "-v", "--secret", &token])
        .run();
    out.expect_code(0);
    let received = server.requests();
    assert_eq!(received.len(), 4, "{out}");
    for (name, received) in ["login", "json", "form", "multipart"].iter().zip(&received) {
        let shown = shown_requests(&out, name);
        assert_eq!(shown.len(), 1, "{name}: {shown:?}\n{out}");
        assert_same(&shown[0], received);
    }
    // the jar's cookie went out with the requests after the login, masked when shown
    let json = &shown_requests(&out, "json")[0];
    assert!(
        json.headers.contains(&("Cookie".into(), "***".into())),
        "{json:?}"
    );
    assert!(
        json.headers
            .contains(&("Authorization".into(), "Bearer ***".into()))
    );
    // the multipart boundary shown is the one the server parsed the body with
    let boundary = |value: &str| value.split("boundary=").nth(1).unwrap().to_string();
    let upload = &shown_requests(&out, "multipart")[0];
    let shown_type = &upload
        .headers
        .iter()
        .find(|(n, _)| n == "Content-Type")
        .unwrap()
        .1;
    let wire_type = received[3]
        .headers
        .iter()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap();
    assert_eq!(boundary(shown_type), boundary(wire_type));
    assert_no_piece_of(TOKEN, &out.all());
    assert_no_piece_of(SESSION, &out.all());
    let boundary = boundary(wire_type);
    let text =
        normalised(&out.details("multipart"), &[(&server, "api")]).replace(&boundary, "[boundary]");
    insta::assert_snapshot!("multipart_as_sent", text);
}

/// `/start` on the first server answers 302 to `/hop` on the second under another host name;
/// `/hop` answers 307 to `/end`; `/end` answers 200.
fn redirect_chain() -> (RawServer, RawServer) {
    let second = RawServer::start(|_, request| {
        if request.line.contains("/hop") {
            let headers: [(&str, &[u8]); 1] = [("location", b"/end")];
            Reply::Bytes(http_response("307 Temporary Redirect", &headers, b""))
        } else {
            Reply::Bytes(http_response(
                "200 OK",
                &[("content-type", b"application/json")],
                b"{}",
            ))
        }
    });
    let hop = format!(
        "{}/hop",
        second.base_url().replace("127.0.0.1", "localhost")
    );
    let first = RawServer::start(move |_, _| {
        let headers: [(&str, &[u8]); 1] = [("location", hop.as_bytes())];
        Reply::Bytes(http_response("302 Found", &headers, b""))
    });
    (first, second)
}

#[test]
fn v_shows_each_redirect_hop_as_sent_and_what_another_host_was_not_sent() {
    let (first, second) = redirect_chain();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:
  - name: moved
    method: POST
    url: {}/start
    headers: {{ Authorization: Bearer <<token>> }}
    json: {{ name: widget }}
    assert: {{ status: 200 }}
",
            first.base_url()
        ),
    );
    let token = format!("token={TOKEN}");
    let out = project
        .runner(["run", "c.yaml", "-v", "--secret", &token])
        .run();
    out.expect_code(0);
    let received: Vec<RawRequest> = first
        .requests()
        .into_iter()
        .chain(second.requests())
        .collect();
    assert_eq!(received.len(), 3, "{out}");
    let shown = shown_requests(&out, "moved");
    assert_eq!(
        shown.len(),
        3,
        "the first request and one per hop: {shown:?}\n{out}"
    );
    for (shown, received) in shown.iter().zip(&received) {
        assert_same(shown, received);
    }
    // the hop to another host went without the credentials, and so did the next hop there
    for request in &received[1..] {
        assert!(
            !request
                .headers
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with("authorization")),
            "{request:?}"
        );
    }
    out.expect_details(
        "moved",
        &[
            "< 302 redirect to http://localhost:",
            "· another host: authorization not sent",
            "· the body is not sent again (POST becomes GET)",
            "< 307 redirect to /end",
        ],
    );
    assert_no_piece_of(TOKEN, &out.all());
    let text = normalised(
        &out.details("moved"),
        &[(&first, "first"), (&second, "second")],
    );
    insta::assert_snapshot!("redirect_hops_as_sent", text);
}
