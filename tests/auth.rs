//! Auth and secrets (issue 4's contract), black-box: declarative `auth:` with the token shared,
//! refreshed on expiry and after a 401; Azure AD and Business Central diagnostics; groups and
//! inheritance; certificate credentials; secrets that never reach any output; `runner token`;
//! `--token-cache`. All against the in-process test server in `support` on 127.0.0.1.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use support::microsoft::{
    APP_PUBLIC_KEY_PEM, BC_AUDIENCE, EXPIRED_SECRET, FORBIDDEN_APP, JWT_BEARER, REVOKED_ALWAYS,
    REVOKED_FIRST, STRONG_CLIENT_SECRET, TENANT_ID, UNKNOWN_APP, UNKNOWN_TENANT,
    app_cert_thumbprints,
};
use support::{CLIENT_SECRET, Outcome, Project, SESSION_TOKEN, TestServer, files_under};

const TENANT: &str = "contoso";
const TOKEN_PATH: &str = "/contoso/oauth2/v2.0/token";
const COMPANIES_PATH: &str = "/v2.0/contoso/production/api/v2.0/companies";
const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";

/// The top of a collection whose requests all use one declarative OAuth2 block; variables
/// `Tenant`, `ClientId`, `ClientSecret`, `Scope` come from the environment `auth` (see
/// `auth_env`), `base_url` from `--var`.
const OAUTH2_HEAD: &str = r#"
    name: oauth2
    vars:
      api: <<base_url>>/v2.0/<<Tenant>>/production/api/v2.0
    auth:
      oauth2:
        token_url: <<base_url>>/<<Tenant>>/oauth2/v2.0/token
        client_id: <<ClientId>>
        client_secret: <<ClientSecret>>
        scope: <<Scope>>
    requests:
"#;

/// `environments/auth.yaml` with these values.
fn auth_env(project: &Project, tenant: &str, client_id: &str, secret: &str, scope: &str) {
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    project.file(
        "environments/auth.yaml",
        &format!(
            "Tenant: {}\nClientId: {}\nClientSecret: {}\nScope: {}\n",
            quote(tenant),
            quote(client_id),
            quote(secret),
            quote(scope)
        ),
    );
}

/// `OAUTH2_HEAD` and `count` requests `companies-1`… to the BC companies list, each asserting 200.
fn companies_collection(count: usize) -> String {
    let mut yaml = support::dedent(OAUTH2_HEAD);
    for i in 1..=count {
        yaml.push_str(&format!(
            "  - name: companies-{i}\n    url: <<api>>/companies\n    assert: {{ status: 200 }}\n"
        ));
    }
    yaml
}

/// A project with `c.yaml` = `companies_collection(count)` for `client_id` (secret `s3cret`).
fn companies_project(client_id: &str, count: usize) -> Project {
    let project = Project::new();
    auth_env(&project, TENANT, client_id, CLIENT_SECRET, BC_SCOPE);
    project.file("c.yaml", &companies_collection(count));
    project
}

/// The `hint:` lines of the output, joined.
fn hints(out: &Outcome) -> String {
    out.all()
        .lines()
        .filter(|l| l.contains("hint:"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Authorization header of each request the server received for `path`.
fn authorizations(server: &TestServer, path: &str) -> Vec<Option<String>> {
    server
        .received(path)
        .iter()
        .map(|r| r.header("authorization").map(String::from))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One token, shared; refreshed on expiry

#[test]
fn one_token_serves_two_hundred_requests() {
    let server = TestServer::start();
    let project = companies_project("many-requests", 200);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("200 passed, 0 failed");
    assert_eq!(server.hits(TOKEN_PATH), 1, "token requests\n{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 200);
    let expected = Some("Bearer tok-many-requests".to_string());
    assert!(
        authorizations(&server, COMPANIES_PATH)
            .iter()
            .all(|a| *a == expected),
        "every API request carries the one token"
    );
    // the token request itself: client credentials as an urlencoded form, as Azure AD documents
    let token = server.last(TOKEN_PATH);
    assert!(
        token
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/x-www-form-urlencoded"),
        "{token:?}"
    );
    let form = token.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "many-requests");
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert_eq!(form["scope"], BC_SCOPE);
}

#[test]
fn a_token_that_expires_at_once_is_fetched_for_every_request() {
    let server = TestServer::start();
    let project = companies_project("expires-0", 5);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("5 passed, 0 failed");
    assert_eq!(server.hits(TOKEN_PATH), 5, "one token per request\n{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 5);
}

#[test]
fn expires_in_as_a_string_is_accepted() {
    // Azure AD v1 answers `"expires_in": "3599"`
    let server = TestServer::start();
    let project = companies_project("expires-str-3599", 20);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("20 passed, 0 failed");
    assert_eq!(server.hits(TOKEN_PATH), 1, "the token lives an hour\n{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 20);
}

#[test]
fn one_more_token_request_per_expiry() {
    // A 3 s token; a 3.2 s request in the middle outlives it: the requests before it share
    // the first token, the ones after it the second.
    let server = TestServer::start();
    let project = Project::new();
    auth_env(&project, TENANT, "expires-3", CLIENT_SECRET, BC_SCOPE);
    let mut yaml = companies_collection(2);
    yaml.push_str("  - name: slow\n    url: <<base_url>>/slow/3200\n    assert: { status: 200 }\n");
    for i in 3..=4 {
        yaml.push_str(&format!(
            "  - name: companies-{i}\n    url: <<api>>/companies\n    assert: {{ status: 200 }}\n"
        ));
    }
    project.file("c.yaml", &yaml);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(0).expect_summary("5 passed, 0 failed");
    assert_eq!(server.hits(TOKEN_PATH), 2, "one token per lifetime\n{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 4);
}

#[test]
fn parallel_units_share_one_token_fetch() {
    // six iterations at once, all asking for the token while the first fetch is under way
    let server = TestServer::start();
    let project = companies_project("slow-parallel", 2);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .args(["--iterations", "6", "--jobs", "6"])
        .run();
    out.expect_code(0);
    assert!(out.summary().starts_with("12 passed, 0 failed"), "{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 12);
    assert_eq!(server.hits(TOKEN_PATH), 1, "one fetch for all units\n{out}");
}

// ---------------------------------------------------------------------------------------------
// Refresh and retry on 401

#[test]
fn a_401_refreshes_the_token_and_resends_once() {
    // The API refuses the first token it sees for this client, accepts the second.
    let server = TestServer::start();
    let project = companies_project(REVOKED_FIRST, 3);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .args(["-v"])
        .run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    assert_eq!(
        server.hits(TOKEN_PATH),
        2,
        "the first token and its replacement\n{out}"
    );
    let seen = authorizations(&server, COMPANIES_PATH);
    let bearer = |n: usize| Some(format!("Bearer tok-{REVOKED_FIRST}-{n}"));
    assert_eq!(
        seen,
        vec![bearer(1), bearer(2), bearer(2), bearer(2)],
        "the first request is sent twice, the later ones use the new token\n{out}"
    );
    assert!(
        out.details("companies-1")
            .contains("sent the request again"),
        "-v notes the resend under the request\n{out}"
    );
    assert!(
        !out.details("companies-2")
            .contains("sent the request again"),
        "only the first request was resent\n{out}"
    );
}

#[test]
fn a_throttled_token_request_is_sent_again_after_retry_after() {
    let server = TestServer::start();
    let project = companies_project("throttled-1-app", 2);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .args(["-v"])
        .run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    let asked = server.received(TOKEN_PATH);
    assert_eq!(
        asked.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200],
        "{out}"
    );
    let waited = asked[1].at - asked[0].at;
    assert!(
        waited >= std::time::Duration::from_millis(900),
        "{waited:?}\n{out}"
    );
    assert!(
        out.stdout.contains("(after 1 throttled answer)"),
        "the wait is told\n{out}"
    );
    assert_eq!(server.hits(COMPANIES_PATH), 2);
}

#[test]
fn a_token_request_still_throttled_after_the_retries_fails_with_its_status() {
    let server = TestServer::start();
    let project = companies_project("throttled-5-app", 1);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .args(["--max-retries", "0"])
        .run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    assert_eq!(
        server.hits(TOKEN_PATH),
        1,
        "no retry with --max-retries 0\n{out}"
    );
    assert!(out.stdout.contains("429"), "the status is shown\n{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 0);
}

#[test]
fn a_second_401_fails_the_request_without_looping() {
    // Every token of this client is refused: each request is sent at most twice.
    let server = TestServer::start();
    let project = companies_project(REVOKED_ALWAYS, 2);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(1).expect_summary("0 passed, 2 failed");
    out.expect_request("✘", "companies-1", &["401"]);
    out.expect_request("✘", "companies-2", &["401"]);
    assert_eq!(
        server.hits(COMPANIES_PATH),
        4,
        "two sends per request\n{out}"
    );
    assert_eq!(
        server.hits(TOKEN_PATH),
        3,
        "the first token, then one refresh per request\n{out}"
    );
    assert!(
        hints(&out).contains("Entra Applications"),
        "the BC 401 hint\n{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Azure AD errors: the AADSTS code and a hint, exit 1

/// One request with a token from the given tenant, client, secret and scope; it must fail.
fn failed_token(tenant: &str, client_id: &str, secret: &str, scope: &str) -> Outcome {
    let server = TestServer::start();
    let project = Project::new();
    auth_env(&project, tenant, client_id, secret, scope);
    project.file("c.yaml", &companies_collection(1));
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    out.expect_request("✘", "companies-1", &[]);
    assert_eq!(
        server.hits(COMPANIES_PATH),
        0,
        "no API call without a token"
    );
    assert_eq!(server.hits(&format!("/{tenant}/oauth2/v2.0/token")), 1);
    out
}

fn expect_aad(out: &Outcome, code: &str, hint_words: &[&str]) {
    let details = out.details("companies-1");
    assert!(
        details.contains(&format!("AADSTS{code}")),
        "the AADSTS code under the request\n{out}"
    );
    let hints = hints(out).to_lowercase();
    for word in hint_words {
        assert!(
            hints.contains(&word.to_lowercase()),
            "the hint lacks {word:?}\n{out}"
        );
    }
}

#[test]
fn wrong_client_secret_shows_aadsts7000215_and_the_value_not_id_hint() {
    let wrong = "W1ld-Guess+Secret/Value!";
    let out = failed_token(TENANT, "some-app", wrong, BC_SCOPE);
    expect_aad(&out, "7000215", &["secret's Value"]);
    assert!(
        !out.all().contains(wrong),
        "the wrong secret is a secret too\n{out}"
    );
}

#[test]
fn expired_client_secret_shows_aadsts7000222() {
    let out = failed_token(TENANT, "some-app", EXPIRED_SECRET, BC_SCOPE);
    expect_aad(&out, "7000222", &["expired"]);
}

#[test]
fn unknown_app_shows_aadsts700016() {
    let out = failed_token(TENANT, UNKNOWN_APP, CLIENT_SECRET, BC_SCOPE);
    expect_aad(&out, "700016", &["tenant"]);
}

#[test]
fn unknown_tenant_shows_aadsts90002() {
    let out = failed_token(UNKNOWN_TENANT, "some-app", CLIENT_SECRET, BC_SCOPE);
    expect_aad(&out, "90002", &["tenant was not found"]);
}

#[test]
fn scope_without_default_shows_aadsts1002012() {
    let scope = "https://api.businesscentral.dynamics.com";
    let out = failed_token(TENANT, "some-app", CLIENT_SECRET, scope);
    expect_aad(&out, "1002012", &["scope", "/.default"]);
}

#[test]
fn invalid_scope_shows_aadsts70011() {
    let scope = "https://api.businesscentral.dynamics.com/.default openid";
    let out = failed_token(TENANT, "some-app", CLIENT_SECRET, scope);
    expect_aad(&out, "70011", &["scope"]);
}

// ---------------------------------------------------------------------------------------------
// Business Central 401 / 403

#[test]
fn bc_403_hints_at_permission_sets() {
    let server = TestServer::start();
    let project = companies_project(FORBIDDEN_APP, 1);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(1);
    out.expect_request("✘", "companies-1", &["403"]);
    let hints = hints(&out);
    assert!(hints.contains("permission sets"), "the 403 hint\n{out}");
    assert!(
        !hints.contains("Entra Applications page"),
        "not the 401 hint\n{out}"
    );
}

#[test]
fn bc_401_hints_at_the_entra_applications_page() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: bc 401
        auth: { bearer: not-a-business-central-token }
        requests:
          - name: companies
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
            assert: { status: 200 }
        "#,
    );
    let out = project
        .runner(["run", "c.yaml", "--var", &server.var()])
        .run();
    out.expect_code(1);
    out.expect_request("✘", "companies", &["401"]);
    let hints = hints(&out);
    assert!(hints.contains("Entra Applications"), "the 401 hint\n{out}");
    assert!(
        !hints.contains("permission sets"),
        "not the 403 hint\n{out}"
    );
}

#[test]
fn bc_accepts_a_token_with_roles_and_refuses_one_without() {
    let server = TestServer::start();
    let project = companies_project("jwt-app", 1);
    project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run()
        .expect_code(0);
    let project = companies_project("jwt-noroles", 1);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(1);
    out.expect_request("✘", "companies-1", &["401"]);
    assert!(hints(&out).contains("Entra Applications"), "{out}");
}

#[test]
fn no_api_hint_when_the_request_passes() {
    // A 403 the collection expects is not a problem to explain.
    let server = TestServer::start();
    let project = companies_project(FORBIDDEN_APP, 1);
    let yaml = project.read("c.yaml").replace("status: 200", "status: 403");
    project.file("c.yaml", &yaml);
    let out = project
        .runner(["run", "c.yaml", "-e", "auth"])
        .server(&server)
        .run();
    out.expect_code(0);
    assert_eq!(hints(&out), "", "{out}");
}

// ---------------------------------------------------------------------------------------------
// Groups and inheritance

const GROUPS: &str = r#"
    name: groups
    vars:
      who: collection
      level: collection
      envvar: collection
      clivar: collection
    auth:
      oauth2:
        token_url: <<base_url>>/contoso/oauth2/v2.0/token
        client_id: group-app
        client_secret: s3cret
        scope: https://api.businesscentral.dynamics.com/.default
    requests:
      - name: top
        url: <<base_url>>/echo
        query: { r: top, who: <<who>>, level: <<level>>, envvar: <<envvar>>, clivar: <<clivar>> }
      - group: admin
        auth: { bearer: fixed-admin-token }
        vars:
          who: admin
          level: admin
          envvar: from-group
          clivar: from-group
        requests:
          - name: list
            url: <<base_url>>/echo
            query: { r: list, who: <<who>>, level: <<level>>, envvar: <<envvar>>, clivar: <<clivar>> }
          - name: anonymous
            url: <<base_url>>/echo
            query: { r: anonymous }
            auth: none
          - name: basic
            url: <<base_url>>/echo
            query: { r: basic }
            auth: { basic: { username: alice, password: wonderland } }
          - group: sub
            vars: { level: sub }
            requests:
              - name: deep
                url: <<base_url>>/echo
                query: { r: deep, who: <<who>>, level: <<level>>, envvar: <<envvar>>, clivar: <<clivar>> }
              - name: own-header
                url: <<base_url>>/echo
                query: { r: own-header }
                headers:
                  Authorization: Custom given-by-the-request
      - name: after
        url: <<base_url>>/echo
        query: { r: after, who: <<who>>, level: <<level>>, envvar: <<envvar>>, clivar: <<clivar>> }
"#;

/// The echoed requests of the `GROUPS` run, by their `r` query argument.
type Echoes = BTreeMap<String, support::server::Recorded>;

/// Which Authorization header each request of `GROUPS` sent.
fn expect_inherited_auth(echoes: &Echoes, server: &TestServer) {
    let auth = |r: &str| echoes[r].header("authorization").map(String::from);
    let bearer = |t: &str| Some(format!("Bearer {t}"));
    assert_eq!(auth("top"), bearer("tok-group-app"), "collection oauth2");
    assert_eq!(
        auth("list"),
        bearer("fixed-admin-token"),
        "the group's bearer"
    );
    assert_eq!(auth("anonymous"), None, "auth: none sends nothing");
    let basic = format!("Basic {}", STANDARD.encode("alice:wonderland"));
    assert_eq!(auth("basic"), Some(basic));
    assert_eq!(
        auth("deep"),
        bearer("fixed-admin-token"),
        "inherited two levels down"
    );
    assert_eq!(
        auth("own-header").as_deref(),
        Some("Custom given-by-the-request"),
        "an Authorization header of the request wins"
    );
    assert_eq!(
        auth("after"),
        bearer("tok-group-app"),
        "back to the collection's auth"
    );
    assert_eq!(server.hits(TOKEN_PATH), 1, "top and after share the token");
}

/// Which variables each request of `GROUPS` saw: group over collection, not over env or --var.
fn expect_inherited_vars(echoes: &Echoes) {
    let vars = |r: &str| {
        let args = echoes[r].args();
        ["who", "level", "envvar", "clivar"].map(|k| args[k].clone())
    };
    assert_eq!(
        vars("top"),
        ["collection", "collection", "from-env", "from-cli"]
    );
    assert_eq!(
        vars("list"),
        ["admin", "admin", "from-env", "from-cli"],
        "group vars override collection vars, not the environment or --var"
    );
    assert_eq!(
        vars("deep"),
        ["admin", "sub", "from-env", "from-cli"],
        "nested"
    );
    assert_eq!(
        vars("after"),
        ["collection", "collection", "from-env", "from-cli"],
        "group vars stay in the group"
    );
}

#[test]
fn auth_and_vars_are_inherited_through_nested_groups() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", GROUPS);
    project.file("environments/g.yaml", "envvar: from-env\n");
    let out = project
        .runner([
            "run",
            "c.yaml",
            "-e",
            "g",
            "--var",
            &server.var(),
            "--var",
            "clivar=from-cli",
        ])
        .run();
    out.expect_code(0).expect_summary("7 passed, 0 failed");
    for path in [
        "top",
        "admin/list",
        "admin/anonymous",
        "admin/basic",
        "admin/sub/deep",
        "admin/sub/own-header",
        "after",
    ] {
        out.expect_request("✔", path, &["GET", "200"]);
    }
    let echoes: BTreeMap<String, support::server::Recorded> = server
        .received("/echo")
        .into_iter()
        .map(|r| (r.args()["r"].clone(), r))
        .collect();
    assert_eq!(echoes.len(), 7, "{out}");
    expect_inherited_auth(&echoes, &server);
    expect_inherited_vars(&echoes);
}

#[test]
fn a_failing_request_in_a_group_is_reported_with_its_path() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: group failure
        requests:
          - group: outer
            requests:
              - group: inner
                requests:
                  - name: check
                    url: <<base_url>>/status/404
                    assert: { status: 200 }
        "#,
    );
    let out = project
        .runner(["run", "c.yaml", "--var", &server.var()])
        .run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    out.expect_request("✘", "outer/inner/check", &["404"]);
}

// ---------------------------------------------------------------------------------------------
// Certificate credentials

const CERT_COLLECTION: &str = r#"
    name: certificate
    auth:
      oauth2:
        token_url: <<base_url>>/contoso/oauth2/v2.0/token
        client_id: cert-app
        scope: https://api.businesscentral.dynamics.com/.default
        client_assertion: { cert: ../certs/app.pem, key: ../certs/KEY }
    requests:
      - name: companies
        url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
        assert: { status: 200 }
"#;

/// A project with the fixtures under `certs/` and the collection in `collections/cert.yaml`,
/// signing with `key`; run from the `elsewhere/` folder so paths must be relative to the file.
fn run_cert(server: &TestServer, key: &str) -> Outcome {
    let project = Project::new();
    project
        .fixture("app.pem", "certs/app.pem")
        .fixture("app.key", "certs/app.key")
        .fixture("wrong.key", "certs/wrong.key")
        .file(
            "collections/cert.yaml",
            &CERT_COLLECTION.replace("KEY", key),
        );
    project
        .runner(["run", "../collections/cert.yaml", "--var", &server.var()])
        .in_dir("elsewhere")
        .run()
}

#[test]
fn certificate_credentials_send_a_signed_client_assertion() {
    let server = TestServer::start();
    // the token endpoint verifies the assertion (see `verify_assertion`) and refuses otherwise
    let out = run_cert(&server, "app.key");
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(server.hits(TOKEN_PATH), 1);
    let form = server.last(TOKEN_PATH).form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "cert-app");
    assert_eq!(form["client_assertion_type"], JWT_BEARER);
    assert!(!form.contains_key("client_secret"), "{form:?}");

    // and the same checks once more here, so a failure says which
    let assertion = &form["client_assertion"];
    let segment = |i: usize| -> Value {
        let part = assertion.split('.').nth(i).expect("three segments");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    let header = segment(0);
    let (x5t, x5t_s256) = app_cert_thumbprints();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], x5t.as_str(), "base64url SHA-1 of the DER");
    assert_eq!(
        header["x5t#S256"],
        x5t_s256.as_str(),
        "base64url SHA-256 of the DER"
    );
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(APP_PUBLIC_KEY_PEM.as_bytes()).unwrap();
    let token_url = format!("{}{TOKEN_PATH}", server.base_url());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&token_url]);
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .expect("signed by app.key, aud = the token URL")
        .claims;
    assert_eq!(claims["iss"], "cert-app");
    assert_eq!(claims["sub"], "cert-app");
    let now = support::microsoft::unix_now();
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(exp > now && exp <= now + 3600, "a short expiry: {claims}");
    assert_eq!(segment(1), claims);
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused_with_the_hint() {
    let server = TestServer::start();
    let out = run_cert(&server, "wrong.key");
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    assert!(out.details("companies").contains("AADSTS700027"), "{out}");
    assert!(hints(&out).contains("certificate"), "{out}");
    assert_eq!(server.hits(COMPANIES_PATH), 0);
}

#[test]
fn a_missing_certificate_file_is_a_clear_failure() {
    let server = TestServer::start();
    let out = run_cert(&server, "no-such.key");
    assert_ne!(out.code, Some(0), "{out}");
    assert!(out.all().contains("no-such.key"), "names the file\n{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert_eq!(
        server.hits(TOKEN_PATH),
        0,
        "nothing sent without a signature"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets never leak

const API_KEY: &str = r#"k3y+"/v@l\ue!7z"#;
const BASIC_PASSWORD: &str = "b@sic+pw/0rd!x9";
const DOTENV_SECRET: &str = "d0t%env+v@l/ue!x";

const LEAK_ENV: &str = r#"
    Tenant: contoso
    ClientId: leak-app
    ClientSecret: <<secret("BC_CLIENT_SECRET")>>
"#;

/// Requests that would print every secret if masking failed: failing assertions on bodies,
/// headers and objects holding them, a failed capture, -v dumps, a connection error's URL.
const LEAK_COLLECTION: &str = r#"
    name: leaks
    vars:
      echo: <<base_url>>/echo
    auth:
      oauth2:
        token_url: <<base_url>>/<<Tenant>>/oauth2/v2.0/token
        client_id: <<ClientId>>
        client_secret: <<ClientSecret>>
        scope: https://api.businesscentral.dynamics.com/.default
    requests:
      - name: explicit-token
        method: POST
        url: <<base_url>>/<<Tenant>>/oauth2/v2.0/token
        auth: none
        form:
          grant_type: client_credentials
          client_id: leak-explicit
          client_secret: <<ClientSecret>>
          scope: https://api.businesscentral.dynamics.com/.default
        assert:
          status: 201
          json:
            $.access_token: wrong-token
        capture:
          explicit_token: { json: $.access_token, secret: true }
      - name: login
        url: <<base_url>>/session
        assert:
          json:
            $.user: bob
        capture:
          session: { json: $.session_token, secret: true }
      - name: basic
        url: <<echo>>
        auth: { basic: { username: alice, password: <<basic_pw>> } }
        json: { pw: <<basic_pw>> }
        assert:
          json:
            $.headers.authorization: wrong
            $.json: { pw: nope }
      - name: echo-all
        method: POST
        url: <<echo>>
        query: { key: <<api_key>>, s: <<session>> }
        headers:
          X-Api-Key: <<api_key>>
          X-Session: <<session>>
          X-Explicit: Bearer <<explicit_token>>
          X-Dotenv: <<secret("DOTENV_SECRET")>>
        json:
          client_secret: <<ClientSecret>>
          api_key: <<api_key>>
          session: <<session>>
          dotenv: <<secret("DOTENV_SECRET")>>
          password: <<basic_pw>>
          note: "prefix-<<api_key>>-suffix"
        assert:
          status: 200
          headers:
            content-type: { contains: "<<api_key>>" }
          json:
            "$.headers['x-api-key']": wrong
            $.headers.authorization: wrong
            $.json: { client_secret: x }
            $.args: { key: x }
            $.query: nope
            $.json.note: { starts_with: nope }
            $.body: { eq: "<<session>>" }
          body: { contains: not-in-the-body }
          expr:
            - response.json.headers["x-session"] == "nope"
        capture:
          missing: $.nothing.here
      - name: mirror
        url: <<base_url>>/mirror
        headers:
          X-Api-Key: <<api_key>>
          X-Dotenv: <<secret("DOTENV_SECRET")>>
        assert:
          headers:
            x-mirror-x-api-key: wrong
            x-mirror-authorization: wrong
            x-mirror-x-dotenv: { eq: wrong }
      - name: refused
        url: <<dead_url>>/x?key=<<api_key>>&s=<<session>>&d=<<secret("DOTENV_SECRET")>>
"#;

/// The secrets of the leak test, named.
fn leak_test_secrets() -> Vec<(&'static str, String)> {
    let basic = STANDARD.encode(format!("alice:{BASIC_PASSWORD}"));
    vec![
        ("client secret", STRONG_CLIENT_SECRET.to_string()),
        ("oauth2 access token", "tok-leak-app".to_string()),
        ("captured access token", "tok-leak-explicit".to_string()),
        ("--secret api_key", API_KEY.to_string()),
        ("captured session", SESSION_TOKEN.to_string()),
        ("basic password", BASIC_PASSWORD.to_string()),
        ("basic credentials", basic),
        (".env secret", DOTENV_SECRET.to_string()),
    ]
}

/// Each secret with the encodings it must not appear in either.
fn needles(secrets: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    let mut needles = Vec::new();
    for (what, value) in secrets {
        let percent =
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let json_escape = |s: &str| {
            let quoted = serde_json::to_string(s).unwrap();
            quoted[1..quoted.len() - 1].to_string()
        };
        // a JSON text shown as a JSON string (a body in a diff) escapes it twice
        let json = json_escape(&value);
        let json_twice = json_escape(&json);
        let base = [value, percent, form, json, json_twice];
        // HTML and XML (reports) escape `&`, `<`, `>`, `"` and `'`, in one of several ways
        let markup = |s: &str, quot: &str, apos: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', quot)
                .replace('\'', apos)
        };
        let mut forms = base.to_vec();
        for form in &base {
            for (quot, apos) in [
                ("&quot;", "&#39;"),
                ("&#34;", "&apos;"),
                ("&#x22;", "&#x27;"),
            ] {
                forms.push(markup(form, quot, apos));
            }
        }
        for form in forms {
            if !needles.iter().any(|(_, v)| *v == form) {
                needles.push((what, form));
            }
        }
    }
    needles
}

/// `%XX` sequences decoded (lossy), so partly encoded secrets show up raw.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where in `text` (from `source`) a secret shows: one line per secret and encoding, with the
/// number of places and the first one in context. A secret found as is is not looked for
/// again after percent-decoding.
fn find_leaks(
    source: &str,
    text: &str,
    needles: &[(&'static str, String)],
    leaks: &mut Vec<String>,
) {
    let decoded = percent_decoded(text);
    for (what, needle) in needles {
        for (label, haystack) in [("", text), (" after percent-decoding", decoded.as_str())] {
            let found: Vec<usize> = haystack
                .match_indices(needle.as_str())
                .map(|(at, _)| at)
                .collect();
            let Some(&at) = found.first() else {
                continue;
            };
            let before: String = haystack[..at].chars().rev().take(50).collect();
            let before: String = before.chars().rev().collect();
            let after: String = haystack[at..]
                .chars()
                .take(needle.chars().count() + 50)
                .collect();
            let context = format!("{before}{after}").replace('\n', "⏎");
            leaks.push(format!(
                "- {what} as {needle:?} in {source}{label}, {} place(s), first: …{context}…",
                found.len()
            ));
            break;
        }
    }
}

/// The leak-test run did what would print the secrets: every request failed, masks show, the
/// real values were sent.
fn expect_every_leaky_request_ran(out: &Outcome, server: &TestServer, label: &str, verbose: bool) {
    // the run did what would print the secrets
    for name in [
        "explicit-token",
        "login",
        "basic",
        "echo-all",
        "mirror",
        "refused",
    ] {
        out.expect_request("✘", name, &[]);
    }
    assert!(out.all().contains("***"), "masks show ({label})\n{out}");
    assert!(
        out.details("echo-all").contains("x-api-key"),
        "the failed header assertion is reported ({label})\n{out}"
    );
    let echo = server.last("/echo");
    assert_eq!(
        echo.header("x-api-key"),
        Some(API_KEY),
        "the real value was sent"
    );
    assert_eq!(
        echo.header("x-dotenv"),
        Some(DOTENV_SECRET),
        ".env was read"
    );
    assert_eq!(
        echo.header("x-session"),
        Some(SESSION_TOKEN),
        "the capture worked"
    );
    if verbose {
        assert!(out.stdout.contains("> POST"), "-v dumps requests\n{out}");
    }
}

/// Searches the files written (the project's, whose .env holds a secret by design, and the
/// user's folders under `home`) for the needles; both report sets must be there.
fn find_leaks_in_files(
    project: &Project,
    home: &Path,
    needles: &[(&'static str, String)],
    leaks: &mut Vec<String>,
) {
    // written files: the project (its .env holds a secret by design) and the user's folders
    let files = project.files();
    for kind in ["json", "junit", "html", "tap"] {
        for name in ["default", "verbose"] {
            let report = Path::new("reports").join(format!("{name}.{kind}"));
            assert!(
                files.contains(&report),
                "{} was written: {files:?}",
                report.display()
            );
        }
    }
    for file in files {
        if file == Path::new(".env") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(project.path().join(&file)).unwrap())
            .into_owned();
        find_leaks(&format!("file {}", file.display()), &text, needles, leaks);
    }
    for file in files_under(home) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        find_leaks(&format!("file {}", file.display()), &text, needles, leaks);
    }
}

#[test]
fn no_secret_appears_in_any_output_or_file() {
    let server = TestServer::start();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let project = Project::new();
    let cache = tempfile::tempdir().unwrap();
    project.file("collections/leak.yaml", LEAK_COLLECTION);
    project.file("environments/leak.yaml", LEAK_ENV);
    project.file(".env", &format!("DOTENV_SECRET='{DOTENV_SECRET}'\n"));
    let needles = needles(leak_test_secrets());
    let mut leaks = Vec::new();
    for verbose in [false, true] {
        let mut cmd = project.runner([
            "run",
            "collections/leak.yaml",
            "-e",
            "leak",
            "--var",
            &server.var(),
            "--var",
            &format!("dead_url={dead_url}"),
            "--var",
            &format!("basic_pw={BASIC_PASSWORD}"),
            "--secret",
            &format!("api_key={API_KEY}"),
        ]);
        // every report format, written into the project (searched below with the other files)
        for kind in ["json", "junit", "html", "tap"] {
            let name = if verbose { "verbose" } else { "default" };
            cmd.arg("--report")
                .arg(format!("{kind}=reports/{name}.{kind}"));
        }
        if verbose {
            cmd.arg("-v");
        }
        cmd.env("BC_CLIENT_SECRET", STRONG_CLIENT_SECRET)
            .env_remove("DOTENV_SECRET")
            .env("HOME", cache.path())
            .env("XDG_CACHE_HOME", cache.path().join("cache"));
        let out = cmd.run();
        out.expect_code(1);
        let label = if verbose { "-v" } else { "default" };

        expect_every_leaky_request_ran(&out, &server, label, verbose);
        find_leaks(
            &format!("stdout ({label})"),
            &out.stdout,
            &needles,
            &mut leaks,
        );
        find_leaks(
            &format!("stderr ({label})"),
            &out.stderr,
            &needles,
            &mut leaks,
        );
    }
    find_leaks_in_files(&project, cache.path(), &needles, &mut leaks);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Runs `collection` with `--secret` `key=API_KEY` and `-v`; returns the leaks found.
fn leaks_of(collection: &str) -> (Outcome, Vec<String>) {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", collection);
    let out = project
        .runner([
            "run",
            "c.yaml",
            "-v",
            "--var",
            &server.var(),
            "--secret",
            &format!("key={API_KEY}"),
        ])
        .run();
    let needles = needles(vec![("--secret key", API_KEY.to_string())]);
    let mut leaks = Vec::new();
    find_leaks("stdout", &out.stdout, &needles, &mut leaks);
    find_leaks("stderr", &out.stderr, &needles, &mut leaks);
    (out, leaks)
}

#[test]
fn a_secret_in_a_query_parameter_is_masked_in_the_url() {
    // `query:` percent-encodes with the runner's own set (`/`, `@`, `!` stay as they are)
    let (out, leaks) = leaks_of(
        r#"
        name: query
        requests:
          - name: search
            url: <<base_url>>/echo
            query: { key: <<key>> }
            assert:
              json:
                $.query: nope
        "#,
    );
    out.expect_code(1);
    out.expect_request("✘", "search", &["200"]);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

#[test]
fn a_secret_inside_a_json_string_inside_json_is_masked() {
    // the echo's `body` field holds the sent JSON text as a string: escaped twice
    let (out, leaks) = leaks_of(
        r#"
        name: nested json
        requests:
          - name: send
            method: POST
            url: <<base_url>>/echo
            json: { key: <<key>> }
            assert:
              body: { contains: not-in-the-body }
        "#,
    );
    out.expect_code(1);
    out.expect_request("✘", "send", &["200"]);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Runs a failing request that carries `--secret key=SECRET` in a header, with every report
/// format written into the project; returns the leaks found in output and report files.
fn report_leaks(secret: &str) -> Vec<String> {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: reports
        requests:
          - name: send
            url: <<base_url>>/mirror
            headers:
              X-Key: <<key>>
            assert:
              headers:
                x-mirror-x-key: wrong
        "#,
    );
    let mut cmd = project.runner([
        "run",
        "c.yaml",
        "--var",
        &server.var(),
        "--secret",
        &format!("key={secret}"),
    ]);
    for kind in ["json", "junit", "html", "tap"] {
        cmd.arg("--report").arg(format!("{kind}=reports/r.{kind}"));
    }
    let out = cmd.run();
    out.expect_code(1);
    assert_eq!(server.last("/mirror").header("x-key"), Some(secret));
    let needles = needles(vec![("--secret key", secret.to_string())]);
    let mut leaks = Vec::new();
    find_leaks("stdout", &out.stdout, &needles, &mut leaks);
    find_leaks("stderr", &out.stderr, &needles, &mut leaks);
    for kind in ["json", "junit", "html", "tap"] {
        let text = project.read(&format!("reports/r.{kind}"));
        find_leaks(&format!("the {kind} report"), &text, &needles, &mut leaks);
        if !text.contains("***") {
            leaks.push(format!("- the {kind} report shows no `***` at all"));
        }
    }
    leaks
}

#[test]
fn plain_secrets_are_masked_in_every_report() {
    let leaks = report_leaks("plainSecretValue123");
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

#[test]
fn secrets_with_quotes_and_backslashes_are_masked_in_every_report() {
    // the same key the leak test uses: JSON, HTML and XML escape its `"` and `\`
    let leaks = report_leaks(API_KEY);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

#[test]
fn a_secret_written_in_the_source_line_of_a_failure_is_masked_in_every_report() {
    let secret = "plainSecretValue123";
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            r#"
            requests:
              - name: send
                url: <<base_url>>/mirror
                assert:
                  headers:
                    x-mirror-x-key: "wrong {secret}"
            "#
        ),
    );
    let mut cmd = project.runner([
        "run",
        "c.yaml",
        "--var",
        &server.var(),
        "--secret",
        &format!("key={secret}"),
    ]);
    for kind in ["json", "junit", "html", "tap"] {
        cmd.arg("--report").arg(format!("{kind}=reports/r.{kind}"));
    }
    let out = cmd.run();
    out.expect_code(1)
        .expect_details("send", &["x-mirror-x-key: \"wrong ***\""]);
    let needles = needles(vec![("--secret key", secret.to_string())]);
    let mut leaks = Vec::new();
    find_leaks("stdout", &out.stdout, &needles, &mut leaks);
    for kind in ["json", "junit", "html", "tap"] {
        let text = project.read(&format!("reports/r.{kind}"));
        find_leaks(&format!("the {kind} report"), &text, &needles, &mut leaks);
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    let junit = project.read("reports/r.junit");
    assert!(
        junit.contains("x-mirror-x-key: &quot;wrong ***&quot;"),
        "the source line, masked:\n{junit}"
    );
}

// ---------------------------------------------------------------------------------------------
// runner token

/// A project for `runner token`: `c.yaml` and `environments/auth.yaml` for `client_id` and
/// `secret`, the environment holding `base_url` too (so no `--var` is needed).
fn token_project(server: &TestServer, client_id: &str, secret: &str) -> Project {
    let project = Project::new();
    auth_env(&project, TENANT, client_id, secret, BC_SCOPE);
    let env = project.read("environments/auth.yaml");
    let base_url = format!("base_url: {}\n", server.base_url());
    project.file("environments/auth.yaml", &format!("{env}{base_url}"));
    project.file("c.yaml", &companies_collection(1));
    project
}

/// `runner token c.yaml -e auth EXTRA…` for `client_id`.
fn run_token(server: &TestServer, client_id: &str, extra: &[&str]) -> (Project, Outcome) {
    let project = token_project(server, client_id, CLIENT_SECRET);
    let mut args = vec!["token", "c.yaml", "-e", "auth"];
    args.extend_from_slice(extra);
    let out = project.runner(args).run();
    (project, out)
}

#[test]
fn runner_token_shows_the_claims_but_not_the_token() {
    let server = TestServer::start();
    let (_project, out) = run_token(&server, "jwt-app", &[]);
    out.expect_code(0);
    let token = server.issued_tokens().pop().expect("a token was issued");
    assert_eq!(token.split('.').count(), 3, "JWT-shaped: {token}");
    for claim in [BC_AUDIENCE, TENANT_ID, "jwt-app", "API.ReadWrite.All"] {
        assert!(out.stdout.contains(claim), "shows {claim}\n{out}");
    }
    assert!(
        out.stdout.contains("expires in 59 min") || out.stdout.contains("expires in 58 min"),
        "the expiry, relative\n{out}"
    );
    let payload = token.split('.').nth(1).unwrap();
    assert!(
        !out.all().contains(&token),
        "the token is not printed\n{out}"
    );
    assert!(!out.all().contains(payload), "nor its payload\n{out}");
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert_eq!(server.hits(COMPANIES_PATH), 0, "`token` calls no API");
}

#[test]
fn runner_token_raw_prints_the_token() {
    let server = TestServer::start();
    let (_project, out) = run_token(&server, "jwt-app", &["--raw"]);
    out.expect_code(0);
    let token = server.issued_tokens().pop().expect("a token was issued");
    assert!(
        out.stdout.lines().any(|l| l.trim() == token),
        "the token on a line of its own\n{out}"
    );
    assert!(out.stdout.contains("API.ReadWrite.All"), "{out}");
}

#[test]
fn runner_token_says_when_no_roles_were_granted() {
    let server = TestServer::start();
    let (_project, out) = run_token(&server, "jwt-noroles", &[]);
    out.expect_code(0);
    assert!(!out.stdout.contains("API.ReadWrite.All"), "{out}");
    let roles = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("roles"))
        .unwrap_or_else(|| panic!("a roles line\n{out}"));
    assert!(roles.to_lowercase().contains("none"), "{roles:?}\n{out}");
}

#[test]
fn runner_token_failure_shows_the_aadsts_code_and_hint() {
    let server = TestServer::start();
    let project = token_project(&server, "jwt-app", EXPIRED_SECRET);
    let out = project.runner(["token", "c.yaml", "-e", "auth"]).run();
    out.expect_code(1);
    assert!(out.all().contains("AADSTS7000222"), "{out}");
    assert!(hints(&out).contains("expired"), "{out}");
}

#[test]
fn runner_token_takes_var_and_secret_like_run() {
    // `--var` and `--secret` set variables for `runner token` as they do for `runner run`
    let server = TestServer::start();
    let project = Project::new();
    auth_env(&project, TENANT, "jwt-app", "<<given_secret>>", BC_SCOPE);
    project.file("c.yaml", &companies_collection(1));
    let out = project
        .runner([
            "token",
            "c.yaml",
            "-e",
            "auth",
            "--var",
            &server.var(),
            "--secret",
            &format!("given_secret={STRONG_CLIENT_SECRET}"),
        ])
        .run();
    out.expect_code(0);
    assert!(out.stdout.contains("API.ReadWrite.All"), "{out}");
    assert_eq!(
        server.last(TOKEN_PATH).form()["client_secret"],
        STRONG_CLIENT_SECRET
    );
    assert!(!out.all().contains(STRONG_CLIENT_SECRET), "{out}");
}

#[test]
fn runner_token_reads_the_dotenv_file() {
    // `secret("NAME")` finds NAME in ./.env for `runner token` as for `runner run`
    let server = TestServer::start();
    let project = token_project(&server, "jwt-app", r#"<<secret("BC_CLIENT_SECRET")>>"#);
    project.file(".env", &format!("BC_CLIENT_SECRET='{CLIENT_SECRET}'\n"));
    let out = project.runner(["token", "c.yaml", "-e", "auth"]).run();
    out.expect_code(0);
    assert!(out.stdout.contains("API.ReadWrite.All"), "{out}");
    // and `runner run` with the same files, for comparison
    let out = project.runner(["run", "c.yaml", "-e", "auth"]).run();
    out.expect_code(0);
    assert_eq!(server.hits(TOKEN_PATH), 2, "`run` read .env too\n{out}");
}

// ---------------------------------------------------------------------------------------------
// --token-cache

#[cfg(unix)]
#[test]
fn token_cache_keeps_the_token_across_runs_in_the_user_cache_folder() {
    use std::os::unix::fs::PermissionsExt as _;

    let server = TestServer::start();
    let project = companies_project("cached-app", 2);
    let user = tempfile::tempdir().unwrap();
    let cache_home = user.path().join("cache");
    let home = user.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let with_user_dirs = |args: &[&str]| {
        let mut cmd = project.runner(args);
        cmd.env("XDG_CACHE_HOME", &cache_home).env("HOME", &home);
        cmd.run()
    };
    let var = server.var();
    let run_args = [
        "run",
        "c.yaml",
        "-e",
        "auth",
        "--var",
        var.as_str(),
        "--token-cache",
    ];
    let files_before = project.files();

    with_user_dirs(&run_args).expect_code(0);
    let out = with_user_dirs(&run_args);
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    assert_eq!(
        server.hits(TOKEN_PATH),
        1,
        "the second run reuses the token\n{out}"
    );
    assert_eq!(server.hits(COMPANIES_PATH), 4);

    let file = cache_home.join("runner").join("tokens.json");
    let meta = std::fs::metadata(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; user dirs hold {:?}",
            file.display(),
            files_under(user.path())
        )
    });
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "only the user may read it"
    );
    assert_eq!(
        project.files(),
        files_before,
        "nothing written into the project"
    );
    assert_eq!(
        files_under(&home),
        Vec::<std::path::PathBuf>::new(),
        "nor into HOME"
    );

    // another client is another key
    let other = companies_project("other-cached-app", 1);
    let mut cmd = other.runner(run_args);
    cmd.env("XDG_CACHE_HOME", &cache_home).env("HOME", &home);
    cmd.run().expect_code(0);
    assert_eq!(server.hits(TOKEN_PATH), 2, "a token per client");

    // without --token-cache the file is not used
    let plain = with_user_dirs(&run_args[..6]);
    plain.expect_code(0);
    assert_eq!(server.hits(TOKEN_PATH), 3, "no cache unless asked\n{plain}");

    let cleared = with_user_dirs(&["token", "--clear"]);
    cleared.expect_code(0);
    assert!(!file.exists(), "--clear removes the cache file\n{cleared}");
    with_user_dirs(&run_args).expect_code(0);
    assert_eq!(server.hits(TOKEN_PATH), 4, "fetched again after --clear");
    assert!(file.exists(), "and cached again");
}
