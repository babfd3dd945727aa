//! The network side of hardening against real servers (issue 16), black-box through the
//! binary: compressed bodies, redirects, proxies, TLS and timeout wording, AADSTS hints. Every
//! server is started here on 127.0.0.1 and stops by itself; every run has a timeout.

mod support;

use std::io::Write;

use std::time::Duration;

use support::net::{Pki, Proxy, RawRequest, RawServer, Reply, TlsServer, http_response};
use support::{Outcome, Project};

// ---------------------------------------------------------------------------------------------
// Compression

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    encoder.write_all(data).unwrap();
    drop(encoder);
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn header<'a>(request: &'a RawRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The JSON a compressing server answers `/CODING` with: 502 items, `2` at index 500.
fn json_body(coding: &str) -> String {
    format!(
        r#"{{"coding": "{coding}", "items": [{}]}}"#,
        "1,".repeat(500) + "2"
    )
}

/// Answers `/CODING` with a JSON body naming the coding, encoded with it (`/plain`: not
/// encoded); when `only_if_asked`, encodes only for a request that accepts the coding.
fn compressing_server(only_if_asked: bool) -> RawServer {
    RawServer::start(move |_, request| {
        let path = request.line.split(' ').nth(1).unwrap_or("/");
        let coding = path.trim_start_matches('/');
        let json = json_body(coding);
        let accepted = header(request, "accept-encoding").is_some_and(|v| v.contains(coding));
        let (name, body) = match coding {
            _ if only_if_asked && !accepted => ("", json.into_bytes()),
            "gzip" => ("gzip", gzip(json.as_bytes())),
            "deflate" => ("deflate", deflate(json.as_bytes())),
            "br" => ("br", brotli(json.as_bytes())),
            "zstd" => ("zstd", zstd(json.as_bytes())),
            _ => ("", json.into_bytes()),
        };
        let content_type: (&str, &[u8]) = ("content-type", b"application/json");
        let headers = if name.is_empty() {
            vec![content_type]
        } else {
            vec![content_type, ("content-encoding", name.as_bytes())]
        };
        Reply::Bytes(http_response("200 OK", &headers, &body))
    })
}

const CODINGS: [&str; 4] = ["gzip", "deflate", "br", "zstd"];

fn coding_collection() -> String {
    let mut yaml = String::from("requests:\n");
    for coding in CODINGS {
        yaml.push_str(&format!(
            "  - name: {coding}\n    url: <<base_url>>/{coding}\n    assert:\n      status: 200\n      json: {{ $.coding: {coding}, '$.items[500]': 2 }}\n    capture: {{ got_{coding}: $.coding }}\n"
        ));
    }
    // the captures are the decoded values
    yaml.push_str(
        "  - name: captured\n    url: <<base_url>>/plain?c=<<got_gzip>>-<<got_deflate>>-<<got_br>>-<<got_zstd>>\n    assert: { status: 200 }\n",
    );
    yaml
}

fn run_codings(server: &RawServer, extra: &[&str]) -> Outcome {
    let project = Project::new();
    project.file("c.yaml", &coding_collection());
    let base = format!("base_url={}", server.base_url());
    let mut args = vec!["run", "c.yaml", "--var", &base];
    args.extend_from_slice(extra);
    project.runner(args).run()
}

#[test]
fn gzip_deflate_brotli_and_zstd_bodies_are_decoded_for_assertions_and_captures() {
    let server = compressing_server(false);
    let out = run_codings(&server, &["-v"]);
    out.expect_code(0);
    let requests = server.requests();
    assert_eq!(requests.len(), 5, "{out}");
    for request in &requests {
        assert_eq!(
            header(request, "accept-encoding"),
            Some("gzip, deflate, br, zstd"),
            "{out}"
        );
    }
    assert!(
        requests[4].line.contains("c=gzip-deflate-br-zstd"),
        "{:?}",
        requests[4].line
    );
    // -v shows how each body travelled: its coding and both sizes
    for coding in CODINGS {
        let wire = format!("({coding}: ");
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains(&wire))
            .unwrap_or_else(|| panic!("no wire line for {coding}\n{out}"));
        let decoded = format!("bytes on the wire, {} decoded)", json_body(coding).len());
        assert!(line.contains(&decoded), "{line}");
    }
}

#[test]
fn no_compression_flag_and_setting_send_no_accept_encoding_and_decode_nothing() {
    let server = compressing_server(true);
    let out = run_codings(&server, &["--no-compression"]);
    out.expect_code(0);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| header(r, "accept-encoding").is_none()),
        "{out}"
    );

    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "settings: {{ compression: false }}\n{}",
            coding_collection()
        ),
    );
    let base = format!("base_url={}", server.base_url());
    project
        .runner(["run", "c.yaml", "--var", &base])
        .run()
        .expect_code(0);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| header(r, "accept-encoding").is_none())
    );

    // a server that compresses anyway: the body is kept as it came
    let pushy = compressing_server(false);
    let out = run_codings(&pushy, &["--no-compression"]);
    out.expect_code(1);
    out.expect_details("gzip", &["not JSON"]);
}

#[test]
fn a_small_gzip_that_expands_past_the_limit_stops_there_with_a_clear_error() {
    // 64 MiB of zeros: about 64 KB on the wire
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let server = RawServer::start(move |_, _| {
        Reply::Bytes(http_response(
            "200 OK",
            &[("content-encoding", b"gzip")],
            &bomb,
        ))
    });
    let project = Project::new();
    project.file(
        "c.yaml",
        "requests:\n  - name: bomb\n    url: <<base_url>>/zeros\n    assert: { status: 200 }\n",
    );
    let base = format!("base_url={}", server.base_url());
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--var",
            &base,
            "--max-response-bytes",
            "1MiB",
        ])
        .run();
    out.expect_code(1);
    out.expect_details(
        "bomb",
        &[
            "response too large",
            "decoded from gzip",
            "exceeds max_response_bytes (1048576 bytes)",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// TLS and timeouts

fn one_request(project: &Project, url: &str) {
    project.file(
        "c.yaml",
        &format!("requests:\n  - name: one\n    url: {url}/hello\n    assert: {{ status: 200 }}\n"),
    );
}

#[test]
fn a_ca_cert_file_without_a_certificate_exits_2_before_sending() {
    let server = RawServer::start(|_, _| Reply::Bytes(http_response("200 OK", &[], b"")));
    let project = Project::new();
    one_request(&project, &server.base_url());
    project.file("not-a-cert.pem", "just some text\n");
    let out = project
        .runner(["run", "c.yaml", "--ca-cert", "not-a-cert.pem"])
        .run();
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("not-a-cert.pem holds no PEM certificate"),
        "{out}"
    );
    project.file(
        "c.yaml",
        &format!(
            "settings: {{ ca_cert: not-a-cert.pem }}\nrequests:\n  - name: one\n    url: {}/hello\n",
            server.base_url()
        ),
    );
    project.runner(["run", "c.yaml"]).run().expect_code(2);
    assert!(server.requests().is_empty());
}

#[test]
fn an_untrusted_certificate_is_worded_with_a_hint_not_rustls_debug_output() {
    let project = Project::new();
    let pki = Pki::generate(&project.path().join("pki"));
    let server = TlsServer::start(&pki, false);
    one_request(&project, &server.url());
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(1);
    out.expect_details(
        "one",
        &[
            "certificate authority that is not trusted",
            "--ca-cert",
            "-k",
        ],
    );
    assert!(!out.stdout.contains("UnknownIssuer"), "{out}");
}

#[test]
fn a_timeout_names_the_limit_and_its_flag() {
    let server = RawServer::start(|_, _| {
        std::thread::sleep(Duration::from_secs(3));
        Reply::Bytes(http_response("200 OK", &[], b""))
    });
    let project = Project::new();
    one_request(&project, &server.base_url());
    let out = project
        .runner(["run", "c.yaml", "--timeout", "300ms", "--max-retries", "0"])
        .run();
    out.expect_code(1);
    out.expect_details("one", &["timed out after 300ms (--timeout)"]);
}

// ---------------------------------------------------------------------------------------------
// Proxies

/// The same server under a name that resolves nowhere: only a proxy reaches it.
fn remote_url(server: &RawServer) -> String {
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    format!("http://bc.example.test:{port}")
}

fn ok_server() -> RawServer {
    RawServer::start(|_, _| Reply::Bytes(http_response("200 OK", &[], b"")))
}

#[test]
fn all_proxy_carries_requests_when_no_other_variable_does() {
    let server = ok_server();
    let proxy = Proxy::start();
    let project = Project::new();
    one_request(&project, &remote_url(&server));
    let out = project
        .runner(["run", "c.yaml"])
        .env("ALL_PROXY", proxy.url())
        .run();
    out.expect_code(0);
    assert_eq!(
        proxy.request_lines(),
        [format!("GET {}/hello HTTP/1.1", remote_url(&server))]
    );
    // lower case too
    let out = project
        .runner(["run", "c.yaml"])
        .env("all_proxy", proxy.url())
        .run();
    out.expect_code(0);
    assert_eq!(proxy.request_lines().len(), 2);
}

#[test]
fn an_explicit_proxy_carries_loopback_and_ignores_no_proxy() {
    let server = ok_server();
    let proxy = Proxy::start();
    let project = Project::new();
    one_request(&project, &server.base_url());
    let out = project
        .runner(["run", "c.yaml", "--proxy", &proxy.url()])
        .env("NO_PROXY", "*,127.0.0.1,localhost")
        .run();
    out.expect_code(0);
    assert_eq!(
        proxy.request_lines(),
        [format!("GET {}/hello HTTP/1.1", server.base_url())]
    );
    // the proxy variables still leave loopback alone
    project
        .runner(["run", "c.yaml"])
        .env("HTTP_PROXY", proxy.url())
        .run()
        .expect_code(0);
    assert_eq!(proxy.request_lines().len(), 1);
}

#[test]
fn socks_proxies_are_refused_before_sending() {
    let server = ok_server();
    let project = Project::new();
    one_request(&project, &server.base_url());
    for scheme in ["socks5", "socks5h"] {
        let url = format!("{scheme}://user:hunter2-secret@127.0.0.1:1080");
        let out = project.runner(["run", "c.yaml", "--proxy", &url]).run();
        out.expect_code(2);
        assert!(
            out.stderr
                .contains(&format!("`{scheme}://` proxies are not supported")),
            "{out}"
        );
        assert!(!out.all().contains("hunter2-secret"), "{out}");
        let out = project
            .runner(["run", "c.yaml"])
            .env("ALL_PROXY", &url)
            .run();
        out.expect_code(2);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_proxy_that_refuses_connections_is_named() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = ok_server();
    let project = Project::new();
    one_request(&project, &remote_url(&server));
    let out = project
        .runner(["run", "c.yaml", "--proxy", &proxy_url, "--max-retries", "0"])
        .run();
    out.expect_code(1);
    out.expect_details("one", &[&format!("through the proxy {proxy_url}")]);
    let out = project
        .runner(["run", "c.yaml", "--max-retries", "0"])
        .env("HTTP_PROXY", &proxy_url)
        .run();
    out.expect_code(1);
    out.expect_details("one", &[&format!("through the proxy {proxy_url}")]);
}

// ---------------------------------------------------------------------------------------------
// Azure AD errors on any request

#[test]
fn an_explicit_token_request_refused_with_aadsts_gets_the_aadsts_hint() {
    let body = br#"{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}"#;
    let server = RawServer::start(move |_, _| {
        Reply::Bytes(http_response(
            "401 Unauthorized",
            &[("content-type", b"application/json")],
            body,
        ))
    });
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: token\n    method: POST\n    url: {}/tenant/oauth2/v2.0/token\n    form: {{ grant_type: client_credentials, client_id: app }}\n    assert: {{ status: 200 }}\n",
            server.base_url()
        ),
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(1);
    out.expect_details("token", &["no credential was sent"]);
    assert!(!out.stdout.contains("Entra Applications"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Redirects

/// `/from…` answers `status` with `Location: location`; anything else 200.
fn redirecting_server(status: &'static str, location: String) -> RawServer {
    RawServer::start(move |_, request| {
        let path = request.line.split(' ').nth(1).unwrap_or("/");
        if path.starts_with("/from") {
            let headers: [(&str, &[u8]); 1] = [("location", location.as_bytes())];
            Reply::Bytes(http_response(status, &headers, b""))
        } else {
            Reply::Bytes(http_response("200 OK", &[], b"{}"))
        }
    })
}

#[test]
fn redirects_send_no_referer_same_host_or_cross_host() {
    let other = ok_server();
    let cross = format!(
        "{}/landed",
        other.base_url().replace("127.0.0.1", "localhost")
    );
    let same = redirecting_server("302 Found", "/landed".into());
    let away = redirecting_server("302 Found", cross);
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: same\n    url: {}/from?code=sas-key-1234567890\n    assert: {{ status: 200 }}\n  - name: away\n    url: {}/from?code=sas-key-1234567890\n    assert: {{ status: 200 }}\n",
            same.base_url(),
            away.base_url()
        ),
    );
    project.runner(["run", "c.yaml"]).run().expect_code(0);
    let landed = [&same.requests()[1], &other.requests()[0]];
    for request in landed {
        assert!(request.line.contains("/landed"), "{:?}", request.line);
        assert_eq!(header(request, "referer"), None, "{:?}", request.headers);
    }
}

#[test]
fn a_token_request_redirected_to_another_host_is_refused_not_followed() {
    let elsewhere = ok_server();
    let token = redirecting_server(
        "307 Temporary Redirect",
        format!(
            "{}/steal",
            elsewhere.base_url().replace("127.0.0.1", "localhost")
        ),
    );
    let api = ok_server();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "auth:\n  oauth2:\n    token_url: {}/from/oauth2/v2.0/token\n    client_id: app\n    client_secret: s3cret-value-never-sent-on\n    scope: api/.default\nrequests:\n  - name: one\n    url: {}/hello\n    assert: {{ status: 200 }}\n",
            token.base_url(),
            api.base_url()
        ),
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(1);
    out.expect_details("one", &["was not followed", "credentials in its body"]);
    assert!(elsewhere.requests().is_empty(), "followed to another host");
    assert!(api.requests().is_empty());
}

#[test]
fn an_endless_redirect_stops_after_10_hops_with_a_clear_error() {
    let server = redirecting_server("302 Found", "/from-again".into());
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: loop\n    url: {}/from\n    assert: {{ status: 200 }}\n",
            server.base_url()
        ),
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(1);
    out.expect_details("loop", &["too many redirects (more than 10)"]);
    assert_eq!(server.requests().len(), 11, "the first request and 10 hops");
}

#[test]
fn a_307_or_308_resends_a_multipart_body() {
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let server = redirecting_server(status, "/landed".into());
        let project = Project::new();
        project.file("note.txt", "hello");
        project.file(
            "c.yaml",
            &format!(
                "requests:\n  - name: upload\n    method: POST\n    url: {}/from\n    multipart: {{ kind: note, file: {{ file: note.txt }} }}\n    assert: {{ status: 200 }}\n",
                server.base_url()
            ),
        );
        project.runner(["run", "c.yaml"]).run().expect_code(0);
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{status}");
        let landed = &requests[1];
        assert!(landed.line.starts_with("POST /landed"), "{:?}", landed.line);
        assert!(
            header(landed, "content-type").is_some_and(|v| v.starts_with("multipart/form-data")),
            "{:?}",
            landed.headers
        );
        let length: usize = header(landed, "content-length").unwrap().parse().unwrap();
        assert_eq!(
            Some(length),
            header(&requests[0], "content-length").map(|v| v.parse().unwrap())
        );
        assert!(length > 0);
    }
}

#[test]
fn an_empty_body_with_a_content_encoding_is_just_empty() {
    let server = RawServer::start(|_, _| {
        Reply::Bytes(http_response(
            "204 No Content",
            &[("content-encoding", b"gzip")],
            b"",
        ))
    });
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: empty\n    url: {}/nothing\n    assert: {{ status: 204 }}\n",
            server.base_url()
        ),
    );
    project.runner(["run", "c.yaml"]).run().expect_code(0);
}
