//! `auth: { digest: … }`: the request goes once without credentials, and the server's
//! `WWW-Authenticate: Digest` challenge is answered once (RFC 7616/2617). Checked against a raw
//! server on 127.0.0.1 that knows the password and recomputes the response; also the Postman
//! import of a digest auth block.

mod support;

use digest_auth::{AuthContext, AuthorizationHeader};
use support::Project;
use support::net::{RawRequest, RawServer, Reply, http_response};

const CHALLENGE: &[u8] =
    b"Digest realm=\"Users\", nonce=\"7ypf9XXwfDPEoM4\", qop=\"auth\", opaque=\"FQhe\"";

fn authorization(request: &RawRequest) -> Option<String> {
    request
        .headers
        .iter()
        .find_map(|h| h.strip_prefix("Authorization: "))
        .map(str::to_string)
}

/// Whether the Digest answer is right for this user and password (the server's own check).
fn accepts(request: &RawRequest, username: &str, password: &str) -> bool {
    let Some(mut answer) = authorization(request).and_then(|v| AuthorizationHeader::parse(&v).ok())
    else {
        return false;
    };
    let sent = answer.response.clone();
    let method = request.line.split(' ').next().unwrap_or("GET").to_string();
    let uri = answer.uri.clone();
    answer.digest(&AuthContext::new_with_method(
        username,
        password,
        &uri,
        None::<&[u8]>,
        method.as_str().into(),
    ));
    answer.username == username && answer.nonce == "7ypf9XXwfDPEoM4" && answer.response == sent
}

/// A server that challenges requests without a right Digest answer for `postman`/`s3cr3t-pw`.
fn digest_server() -> RawServer {
    RawServer::start(|_, request| {
        if accepts(request, "postman", "s3cr3t-pw") {
            Reply::Bytes(http_response(
                "200 OK",
                &[("content-type", b"application/json")],
                b"{\"authenticated\": true}",
            ))
        } else {
            Reply::Bytes(http_response(
                "401 Unauthorized",
                &[("www-authenticate", CHALLENGE)],
                b"",
            ))
        }
    })
}

fn collection(password: &str) -> String {
    format!(
        "requests:\n  - name: guarded\n    url: <<base_url>>/digest-auth?x=1\n    \
         auth:\n      digest: {{ username: postman, password: {password} }}\n    \
         assert:\n      status: 200\n"
    )
}

#[test]
fn the_challenge_is_answered_once_and_the_password_is_never_shown() {
    let server = digest_server();
    let project = Project::new();
    project.file("c.yaml", &collection("<<secret(\"DIGEST_PW\")>>"));
    let base = format!("base_url={}", server.base_url());
    let out = project
        .runner(["run", "c.yaml", "--var", &base, "-vv"])
        .env("DIGEST_PW", "s3cr3t-pw")
        .run();
    out.expect_code(0);
    assert!(!out.all().contains("s3cr3t-pw"), "{out}");
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(authorization(&seen[0]), None);
    let answer = authorization(&seen[1]).expect("the second request answers");
    assert!(answer.contains("uri=\"/digest-auth?x=1\""), "{answer}");
    assert!(!out.all().contains(&answer), "the answer is masked: {out}");
}

#[test]
fn a_wrong_password_fails_on_the_second_401_without_looping() {
    let server = digest_server();
    let project = Project::new();
    project.file("c.yaml", &collection("wrong"));
    let base = format!("base_url={}", server.base_url());
    let out = project.runner(["run", "c.yaml", "--var", &base]).run();
    out.expect_code(1).expect_request("✘", "guarded", &["401"]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_401_without_a_digest_challenge_is_explained() {
    let server = RawServer::start(|_, _| {
        Reply::Bytes(http_response(
            "401 Unauthorized",
            &[("www-authenticate", b"Basic realm=\"x\"")],
            b"",
        ))
    });
    let project = Project::new();
    project.file("c.yaml", &collection("s3cr3t-pw"));
    let base = format!("base_url={}", server.base_url());
    let out = project.runner(["run", "c.yaml", "--var", &base]).run();
    out.expect_code(1).expect_details(
        "guarded",
        &["without a `WWW-Authenticate: Digest` challenge"],
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn postman_digest_auth_is_imported_with_its_password_as_a_secret() {
    let server = digest_server();
    let project = Project::new();
    project.file(
        "c.json",
        r#"{"info": {"name": "digest"},
            "auth": {"type": "digest", "digest": [
              {"key": "username", "value": "postman"}, {"key": "password", "value": "s3cr3t-pw"},
              {"key": "realm", "value": "Users"}, {"key": "algorithm", "value": "MD5"}]},
            "item": [{"name": "guarded", "request": {"url": "{{base_url}}/digest-auth"}}]}"#,
    );
    project
        .runner(["import", "postman", "c.json", "-o", "out"])
        .run()
        .expect_code(0);
    let yaml = project.read("out/collections/digest.yaml");
    assert!(
        yaml.contains("digest: { username: postman, password: <<secret(\"DIGEST_PASSWORD\")>> }"),
        "{yaml}"
    );
    let report = project.read("out/IMPORT-REPORT.md");
    assert!(
        report.contains("the saved realm, algorithm are not used"),
        "{report}"
    );
    let base = format!("base_url={}", server.base_url());
    project
        .runner(["run", "out/collections", "--var", &base])
        .env("DIGEST_PASSWORD", "s3cr3t-pw")
        .run()
        .expect_code(0);
}
