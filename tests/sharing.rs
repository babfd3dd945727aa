//! Sharing collections (issue 8), black-box against the real binary: `include:` of shared files
//! with parameters, environments that `extends:` another, `runner validate`, `runner list` and
//! `runner init`. Requests go to the in-process test server in `support` on 127.0.0.1 (or to the
//! mock server `--mock` starts on the loopback interface).
//! Postman/curl import and curl export are tested elsewhere; so is schema/loader agreement.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::server::Recorded;
use support::{CLIENT_SECRET, Outcome, Project, TestServer, dedent};

const TOKEN_PATH: &str = "/contoso/oauth2/v2.0/token";
const COMPANIES_PATH: &str = "/v2.0/contoso/production/api/v2.0/companies";
const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";

/// 1-based line and column of the first occurrence of `needle` in the file `text` would be
/// written as by `Project::file` (dedented); panics when it is absent.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let text = dedent(text);
    for (index, line) in text.lines().enumerate() {
        if let Some(at) = line.find(needle) {
            return (index + 1, line[..at].chars().count() + 1);
        }
    }
    panic!("{needle:?} is not in\n{text}");
}

/// The requests to `/echo` whose query has `marker=MARKER`, oldest first.
fn echoed(server: &TestServer, marker: &str) -> Vec<Recorded> {
    server
        .received("/echo")
        .into_iter()
        .filter(|r| r.args().get("marker").map(String::as_str) == Some(marker))
        .collect()
}

/// The query of the one `/echo` request with `marker=MARKER`.
fn echoed_args(server: &TestServer, marker: &str) -> BTreeMap<String, String> {
    let mut found = echoed(server, marker);
    assert_eq!(found.len(), 1, "requests with marker={marker}: {found:?}");
    found.pop().unwrap().args()
}

/// The Authorization header of each request the server received for `path`.
fn authorizations(server: &TestServer, path: &str) -> Vec<String> {
    server
        .received(path)
        .iter()
        .map(|r| r.header("authorization").unwrap_or("(none)").to_string())
        .collect()
}

/// The lines of stderr that start a diagnostic (`FILE:LINE:COL: …` or `error: …`): not the
/// quoted source lines (`12 |     url: …`), carets, hints or the closing count.
fn diagnostic_lines(out: &Outcome) -> Vec<&str> {
    let is_snippet = |l: &str| {
        l.split_once(" |")
            .is_some_and(|(n, _)| n.trim().chars().all(|c| c.is_ascii_digit()))
    };
    out.stderr
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(": ") && !is_snippet(l))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Includes

/// One Azure AD token request, shared by every team: its parameters are `tenant`, `client_id`,
/// `client_secret`, and `login_url` / `scope` with defaults; it captures `token`.
const SHARED_TOKEN: &str = r#"
    # yaml-language-server: $schema=../../schema/collection.schema.json
    name: Azure AD token
    vars:
      login_url: https://login.microsoftonline.com
      scope: https://api.businesscentral.dynamics.com/.default
    requests:
      - name: token
        method: POST
        url: <<login_url>>/<<tenant>>/oauth2/v2.0/token
        form:
          grant_type: client_credentials
          client_id: <<client_id>>
          client_secret: <<client_secret>>
          scope: <<scope>>
        assert:
          status: 200
          json:
            $.token_type: Bearer
        capture:
          token: $.access_token
"#;

/// A team's collection: the shared token (via `include`, with `extra` lines added to the
/// include item), then the BC companies list with that token.
fn team_collection(team: &str, include: &str, client_id: &str, extra: &str) -> String {
    format!(
        r#"
        name: {team}
        requests:
          - include: {include}
            with:
              login_url: <<base_url>>
              tenant: contoso
              client_id: {client_id}
              client_secret: <<ClientSecret>>{extra}
          - name: companies
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
            headers:
              Authorization: Bearer <<token>>
            assert:
              status: 200
              json:
                $.value[0].name: CRONUS USA, Inc.
        "#
    )
}

/// Two teams in their own folders, each with its own environment, both including
/// `shared/auth/token.yaml` with their own client id.
fn two_teams() -> Project {
    let project = Project::new();
    project
        .file("shared/auth/token.yaml", SHARED_TOKEN)
        .file(
            "teams/sales/orders.yaml",
            &team_collection("sales", "../../shared/auth/token.yaml", "sales-app", ""),
        )
        .file(
            "teams/sales/environments/test.yaml",
            &format!("ClientSecret: {CLIENT_SECRET}\n"),
        )
        .file(
            "teams/finance/collections/ledger.yaml",
            &team_collection(
                "finance",
                "../../../shared/auth/token.yaml",
                "finance-app",
                "\n            name: auth",
            ),
        )
        .file(
            "teams/finance/environments/test.yaml",
            &format!("ClientSecret: {CLIENT_SECRET}\n"),
        );
    project
}

#[test]
fn a_shared_token_file_serves_two_teams() {
    let server = TestServer::start();
    let project = two_teams();
    // run from elsewhere: include paths are relative to the including file, not the current dir
    let var = server.var();
    let out = project
        .runner([
            "run",
            "../../teams/sales/orders.yaml",
            "../../teams/finance/collections/ledger.yaml",
            "-e",
            "test",
            "--var",
            &var,
        ])
        .in_dir("somewhere/else")
        .run();
    out.expect_code(0).expect_summary("4 passed, 0 failed");
    // the included request runs as a group named after the file, or after the include's `name:`
    out.expect_request("✔", "token/token", &["POST", "200"]);
    out.expect_request("✔", "auth/token", &["POST", "200"]);
    // each team got its own token with its own `with:` parameters and the file's default scope
    assert_eq!(server.hits(TOKEN_PATH), 2, "{out}");
    let forms: Vec<_> = server
        .received(TOKEN_PATH)
        .iter()
        .map(|r| r.form())
        .collect();
    assert_eq!(forms[0]["client_id"], "sales-app");
    assert_eq!(forms[1]["client_id"], "finance-app");
    for form in &forms {
        assert_eq!(form["client_secret"], CLIENT_SECRET);
        assert_eq!(form["scope"], BC_SCOPE, "the included file's default");
        assert_eq!(form["grant_type"], "client_credentials");
    }
    // the captured token is visible to the including file's requests after the include
    assert_eq!(
        authorizations(&server, COMPANIES_PATH),
        ["Bearer tok-sales-app", "Bearer tok-finance-app"],
        "{out}"
    );
}

#[test]
fn a_failing_included_request_is_reported_under_its_group_and_blocks_its_captures() {
    let server = TestServer::start();
    let project = two_teams();
    project.file(
        "teams/sales/environments/test.yaml",
        "ClientSecret: wrong\n",
    );
    let var = server.var();
    let out = project
        .runner([
            "run",
            "teams/sales/orders.yaml",
            "-e",
            "test",
            "--var",
            &var,
        ])
        .run();
    out.expect_code(1).expect_summary("0 passed, 2 failed");
    out.expect_request("✘", "token/token", &["401"]);
    // the assertion's place is in the included file
    out.expect_details("token/token", &["shared/auth/token.yaml:"]);
    assert!(
        out.details("companies").contains("token"),
        "the next request names the missing capture\n{out}"
    );
    assert_eq!(server.hits(COMPANIES_PATH), 0, "not sent without a token");
}

const PRECEDENCE_INCLUDED: &str = r#"
    vars:
      only_default: default
      default_vs_env: default
      default_vs_cli: default
      with_vs_env: default
      with_vs_cli: default
      with_vs_capture: default
      with_vs_inner_capture: default
    requests:
      - name: show
        url: <<base_url>>/echo
        query:
          marker: included
          only_default: <<only_default>>
          default_vs_env: <<default_vs_env>>
          default_vs_cli: <<default_vs_cli>>
          with_vs_env: <<with_vs_env>>
          with_vs_cli: <<with_vs_cli>>
          with_vs_capture: <<with_vs_capture>>
          with_vs_inner_capture: <<with_vs_inner_capture>>
          only_with: <<only_with>>
          from_collection: <<from_collection>>
        capture:
          with_vs_inner_capture: $.args.marker
          made_inside: $.path
      - name: show again
        url: <<base_url>>/echo
        query:
          marker: included-again
          with_vs_inner_capture: <<with_vs_inner_capture>>
          with_vs_cli: <<with_vs_cli>>
"#;

const PRECEDENCE_COLLECTION: &str = r#"
    name: precedence
    vars:
      from_collection: collection
    requests:
      - name: early capture
        url: <<base_url>>/echo
        query: { v: captured }
        capture:
          with_vs_capture: $.args.v
      - include: lib/params.yaml
        with:
          with_vs_env: with
          with_vs_cli: with
          with_vs_capture: with
          with_vs_inner_capture: with
          only_with: with
      - name: after
        url: <<base_url>>/echo
        query:
          marker: after
          made_inside: <<made_inside>>
          only_default: "<<only_default | default('unset')>>"
          only_with: "<<only_with | default('unset')>>"
          with_vs_cli: <<with_vs_cli>>
"#;

#[test]
fn include_defaults_lose_to_environment_and_var_which_lose_to_with_which_loses_to_captures() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("collections/lib/params.yaml", PRECEDENCE_INCLUDED)
        .file("collections/precedence.yaml", PRECEDENCE_COLLECTION)
        .file(
            "environments/test.yaml",
            "default_vs_env: env\nwith_vs_env: env\n",
        );
    let var = server.var();
    let out = project
        .runner([
            "run",
            "collections/precedence.yaml",
            "-e",
            "test",
            "--var",
            &var,
            "--var",
            "default_vs_cli=cli",
            "--var",
            "with_vs_cli=cli",
        ])
        .run();
    out.expect_code(0).expect_summary("4 passed, 0 failed");
    let inside = echoed_args(&server, "included");
    let expected = [
        ("only_default", "default"),
        ("default_vs_env", "env"),
        ("default_vs_cli", "cli"),
        ("with_vs_env", "with"),
        ("with_vs_cli", "with"),
        ("with_vs_capture", "captured"),
        ("with_vs_inner_capture", "with"),
        ("only_with", "with"),
        ("from_collection", "collection"),
    ];
    for (name, value) in expected {
        assert_eq!(
            inside.get(name).map(String::as_str),
            Some(value),
            "`{name}` inside the included file: {inside:?}\n{out}"
        );
    }
    // a capture made inside the included file wins over the `with:` parameter of that name
    let again = echoed_args(&server, "included-again");
    assert_eq!(again["with_vs_inner_capture"], "included", "{again:?}");
    assert_eq!(again["with_vs_cli"], "with");
    // after the include: its captures are visible, its vars and parameters are not
    let after = echoed_args(&server, "after");
    assert_eq!(
        after["made_inside"], "/echo",
        "capture made inside: {after:?}"
    );
    assert_eq!(after["only_default"], "unset", "include vars stay inside");
    assert_eq!(
        after["only_with"], "unset",
        "include parameters stay inside"
    );
    assert_eq!(after["with_vs_cli"], "cli", "outside, --var applies again");
}

#[test]
fn include_defaults_and_parameters_may_be_templates_over_each_other() {
    // the typical shared file: a default built from a parameter (`token_url` from `tenant`)
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "shared/token.yaml",
            r#"
            vars:
              login_url: <<base_url>>
              token_url: <<login_url>>/<<tenant>>/oauth2/v2.0/token
            requests:
              - name: token
                method: POST
                url: <<token_url>>
                form:
                  grant_type: client_credentials
                  client_id: <<client_id>>
                  client_secret: <<client_secret>>
                  scope: <<scope>>
                assert: { status: 200 }
                capture:
                  token: $.access_token
            "#,
        )
        .file(
            "c.yaml",
            r#"
            name: derived
            requests:
              - include: shared/token.yaml
                with:
                  tenant: contoso
                  client_id: derived-app
                  client_secret: s3cret
                  scope: <<resource>>/.default
              - name: companies
                url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
                headers:
                  Authorization: Bearer <<token>>
                assert: { status: 200 }
            "#,
        );
    let var = server.var();
    let out = project
        .runner([
            "run",
            "c.yaml",
            "--var",
            &var,
            "--var",
            "resource=https://api.businesscentral.dynamics.com",
        ])
        .run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    assert_eq!(server.received(TOKEN_PATH)[0].form()["scope"], BC_SCOPE);
    assert_eq!(
        authorizations(&server, COMPANIES_PATH),
        ["Bearer tok-derived-app"]
    );
}

#[test]
fn an_include_cycle_is_an_error_naming_the_files_and_the_place() {
    let server = TestServer::start();
    let project = Project::new();
    let lib = r#"
        requests:
          - name: in lib
            url: <<base_url>>/echo
          - include: ../main.yaml
    "#;
    project
        .file(
            "collections/main.yaml",
            r#"
            name: main
            requests:
              - name: first
                url: <<base_url>>/echo
              - include: lib/a.yaml
            "#,
        )
        .file("collections/lib/a.yaml", lib);
    let var = server.var();
    let out = project
        .runner(["run", "collections/main.yaml", "--var", &var])
        .run();
    out.expect_code(2);
    let (line, col) = position(lib, "../main.yaml");
    let at = format!("collections/lib/a.yaml:{line}:{col}: ");
    let diagnostic = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&at))
        .unwrap_or_else(|| panic!("no diagnostic at {at}\n{out}"));
    assert!(diagnostic.contains("include cycle"), "{diagnostic}");
    assert!(diagnostic.contains("collections/main.yaml"), "{diagnostic}");
    assert!(diagnostic.contains("lib/a.yaml"), "{diagnostic}");
    assert!(
        out.stderr
            .contains("1 error in the input; no request was sent"),
        "{out}"
    );
    assert_eq!(server.total_hits(), 0, "nothing is sent");

    // a file including itself is a cycle too
    project.file(
        "collections/self.yaml",
        "requests:\n  - name: x\n    url: http://127.0.0.1:9/\n  - include: self.yaml\n",
    );
    let out = project.runner(["validate", "collections/self.yaml"]).run();
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("collections/self.yaml:4:14: include cycle: collections/self.yaml"),
        "{out}"
    );
}

#[test]
fn a_yaml_error_inside_an_included_file_is_reported_at_its_line() {
    let server = TestServer::start();
    let project = Project::new();
    let broken = r#"
        requests:
          - name: fine
            url: <<base_url>>/echo
          - name: broken
            url: <<base_url>>/echo
           bad: indentation
          - name: after
            url: <<base_url>>/echo
    "#;
    project.file("shared/broken.yaml", broken).file(
        "team/c.yaml",
        r#"
            name: team
            requests:
              - name: first
                url: <<base_url>>/echo
              - include: ../shared/broken.yaml
            "#,
    );
    let var = server.var();
    let out = project.runner(["run", "team/c.yaml", "--var", &var]).run();
    out.expect_code(2);
    let (line, _) = position(broken, " bad: indentation");
    let prefix = format!("team/../shared/broken.yaml:{line}:");
    let diagnostic = diagnostic_lines(&out)
        .into_iter()
        .find(|l| l.contains("invalid YAML"))
        .unwrap_or_else(|| panic!("no YAML error\n{out}"));
    assert!(
        diagnostic.starts_with(&prefix)
            || diagnostic.starts_with(&format!("shared/broken.yaml:{line}:")),
        "expected the included file and line {line}: {diagnostic}\n{out}"
    );
    // the source line shown is the included file's
    assert!(out.stderr.contains("bad: indentation"), "{out}");
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn a_field_error_inside_an_included_file_is_reported_at_its_line() {
    let project = Project::new();
    let included = r#"
        requests:
          - name: ok
            url: http://127.0.0.1:9/ok
          - name: typo
            urll: http://127.0.0.1:9/typo
    "#;
    project.file("lib/inc.yaml", included).file(
        "c.yaml",
        r#"
        name: c
        requests:
          - include: lib/inc.yaml
          - name: own
            url: http://127.0.0.1:9/own
            hedaers: {}
        "#,
    );
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(2);
    let (line, col) = position(included, "urll");
    let expected = format!("lib/inc.yaml:{line}:{col}: unknown field `urll` in a request");
    assert!(out.stderr.contains(&expected), "want {expected}\n{out}");
    assert!(out.stderr.contains("did you mean `url`?"), "{out}");
    // the including file's own error keeps its own place
    assert!(
        out.stderr
            .contains("c.yaml:6:5: unknown field `hedaers` in a request"),
        "{out}"
    );
}

#[test]
fn a_template_error_inside_an_included_file_shows_that_files_line() {
    let project = Project::new();
    let included = r#"
        requests:
          - name: ok
            url: http://127.0.0.1:9/ok
          - name: broken
            url: http://127.0.0.1:9/<<a b>>
    "#;
    project.file("lib/inc.yaml", included).file(
        "c.yaml",
        r#"
        name: c
        requests:
          - name: own
            url: http://127.0.0.1:9/own
          - include: lib/inc.yaml
          - name: last
            url: http://127.0.0.1:9/last
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(2);
    let (line, col) = position(included, "http://127.0.0.1:9/<<a b>>");
    let at = format!("lib/inc.yaml:{line}:{col}: invalid template in url");
    assert!(out.stderr.contains(&at), "want {at}\n{out}");
    // the snippet under the message must be the included file's line, not the including one's
    assert!(
        out.stderr.contains("url: http://127.0.0.1:9/<<a b>>"),
        "the snippet shows the included file's line {line}\n{out}"
    );
    assert!(
        !out.stderr.contains("- include: lib/inc.yaml"),
        "the snippet shows a line of the including file instead\n{out}"
    );
}

#[test]
fn a_missing_included_file_is_an_error_at_the_include() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        name: c
        requests:
          - include: shared/nope.yaml
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).run();
    out.expect_code(2);
    assert!(out.stderr.contains("c.yaml:3:14: "), "at the path\n{out}");
    assert!(out.stderr.contains("nope.yaml"), "{out}");
}

#[test]
fn a_multipart_file_named_in_an_included_file_is_found_beside_it() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "shared/upload/upload.yaml",
            r#"
            requests:
              - name: upload
                method: POST
                url: <<base_url>>/echo
                query: { marker: upload }
                multipart:
                  kind: <<kind>>
                  document: { file: data/hello.txt }
                assert:
                  status: 200
                  json:
                    $.form.document: hello from the shared folder
            "#,
        )
        .file(
            "teams/docs/collections/c.yaml",
            r#"
            name: docs
            requests:
              - include: ../../../shared/upload/upload.yaml
                with: { kind: invoice }
            "#,
        );
    // written as is: `Project::file` would add a line break
    std::fs::create_dir_all(project.path().join("shared/upload/data")).unwrap();
    std::fs::write(
        project.path().join("shared/upload/data/hello.txt"),
        "hello from the shared folder",
    )
    .unwrap();
    let var = server.var();
    let out = project
        .runner(["run", "docs/collections/c.yaml", "--var", &var])
        .in_dir("teams")
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let sent = echoed(&server, "upload");
    assert_eq!(sent.len(), 1, "{out}");
    let form = sent[0].form();
    assert_eq!(form["kind"], "invoice");
    assert_eq!(form["document"], "hello from the shared folder");
    assert!(
        sent[0].body.contains(r#"filename="hello.txt""#),
        "{}",
        sent[0].body
    );
}

#[test]
fn certificate_paths_in_an_included_file_are_found_beside_it() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .fixture("app.pem", "shared/auth/certs/app.pem")
        .fixture("app.key", "shared/auth/certs/app.key")
        .file(
            "shared/auth/companies.yaml",
            r#"
            auth:
              oauth2:
                token_url: <<base_url>>/contoso/oauth2/v2.0/token
                client_id: cert-app
                scope: https://api.businesscentral.dynamics.com/.default
                client_assertion: { cert: certs/app.pem, key: certs/app.key }
            requests:
              - name: companies
                url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
                assert: { status: 200 }
            "#,
        )
        .file(
            "collections/c.yaml",
            r#"
            name: cert
            requests:
              - include: ../shared/auth/companies.yaml
            "#,
        );
    let var = server.var();
    let out = project
        .runner(["run", "../collections/c.yaml", "--var", &var])
        .in_dir("elsewhere")
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    out.expect_request("✔", "companies/companies", &["200"]);
    assert_eq!(server.tokens_issued_to("cert-app"), ["tok-cert-app"]);
    let form = server.last(TOKEN_PATH).form();
    assert!(form.contains_key("client_assertion"), "{form:?}");
}

const PING: &str = r#"
    requests:
      - name: ping
        url: <<base_url>>/echo
        query: { marker: <<n>> }
"#;

#[test]
fn the_same_file_included_twice_needs_distinct_names() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("ping.yaml", PING).file(
        "twice.yaml",
        r#"
        name: twice
        requests:
          - include: ping.yaml
            with: { n: one }
          - include: ping.yaml
            with: { n: two }
        "#,
    );
    let var = server.var();
    let out = project.runner(["run", "twice.yaml", "--var", &var]).run();
    out.expect_code(2);
    assert!(
        out.stderr.contains(
            "twice.yaml:5:5: `ping/` is used by an earlier include: give this one its own `name:`"
        ),
        "{out}"
    );
    assert_eq!(server.total_hits(), 0);

    project.file(
        "twice.yaml",
        r#"
        name: twice
        requests:
          - include: ping.yaml
            with: { n: one }
          - include: ping.yaml
            name: again
            with: { n: two }
        "#,
    );
    let out = project.runner(["run", "twice.yaml", "--var", &var]).run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    out.expect_request("✔", "ping/ping", &["200"]);
    out.expect_request("✔", "again/ping", &["200"]);
    assert_eq!(echoed(&server, "one").len(), 1, "{out}");
    assert_eq!(echoed(&server, "two").len(), 1, "{out}");
}

#[test]
fn a_duplicate_include_is_reported_where_a_name_can_fix_it() {
    // The error for two unnamed includes of one file must lead to the fix (`name:` on the second
    // include): it points at that include in the including file, or at least mentions `name:`.
    let project = Project::new();
    let main = r#"
        name: twice
        requests:
          - include: ping.yaml
            with: { n: one }
          - include: ping.yaml
            with: { n: two }
    "#;
    project.file("ping.yaml", PING).file("twice.yaml", main);
    let out = project.runner(["validate", "twice.yaml"]).run();
    out.expect_code(2);
    let (line, _) = position(main, "with: { n: two }");
    // the second include starts on the line before its `with:`
    let second = format!("twice.yaml:{}:", line - 1);
    assert!(
        out.stderr.contains(&second) || out.stderr.contains("`name:`"),
        "the duplicate is reported at {second} or with a hint to add `name:`\n{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Environments that extend another

#[test]
fn an_environment_extends_its_base_and_overrides_it() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "c.yaml",
            r#"
            name: env
            requests:
              - name: show
                url: <<base_url>>/echo
                query:
                  marker: env
                  a: <<a>>
                  b: <<b>>
                  c: <<c>>
                  d: <<d>>
                  built: <<built>>
            "#,
        )
        .file(
            "environments/base.yaml",
            "a: base-a\nb: base-b\nc: base-c\nd: base-d\nbuilt: <<c>>-built\n",
        )
        .file(
            "environments/team.yaml",
            "extends: base\nb: team-b\nc: team-c\n",
        )
        .file("environments/ci.yml", "extends: team\nc: ci-c\n");
    let var = server.var();
    let out = project
        .runner(["run", "c.yaml", "-e", "ci", "--var", &var])
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let args = echoed_args(&server, "env");
    assert_eq!(args["a"], "base-a", "from the base of the base");
    assert_eq!(args["b"], "team-b", "the middle one wins over its base");
    assert_eq!(args["c"], "ci-c", "the file itself wins");
    assert_eq!(args["d"], "base-d");
    assert_eq!(
        args["built"], "ci-c-built",
        "templates see the merged values"
    );
    assert!(!args.contains_key("extends"), "{args:?}");

    // the base alone is still an environment; --var still wins over every layer
    let out = project
        .runner([
            "run", "c.yaml", "-e", "team", "--var", &var, "--var", "a=cli-a",
        ])
        .run();
    out.expect_code(0);
    let runs = echoed(&server, "env");
    let args = runs.last().unwrap().args();
    assert_eq!(
        (args["a"].as_str(), args["b"].as_str(), args["c"].as_str()),
        ("cli-a", "team-b", "team-c")
    );
}

#[test]
fn environments_extending_each_other_in_a_cycle_are_an_error() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "c.yaml",
            "requests:\n  - name: x\n    url: <<base_url>>/echo\n",
        )
        .file("environments/one.yaml", "extends: two\na: 1\n")
        .file("environments/two.yaml", "extends: one\nb: 2\n");
    let var = server.var();
    let out = project
        .runner(["run", "c.yaml", "-e", "one", "--var", &var])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("cycle"), "{out}");
    assert!(
        out.stderr.contains("one.yaml") && out.stderr.contains("two.yaml"),
        "the cycle names both files\n{out}"
    );
    assert_eq!(server.total_hits(), 0);

    project.file("environments/self.yaml", "extends: self\na: 1\n");
    let out = project
        .runner(["run", "c.yaml", "-e", "self", "--var", &var])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("cycle"), "{out}");
}

#[test]
fn an_environment_extending_a_missing_base_is_an_error() {
    let project = Project::new();
    project
        .file(
            "c.yaml",
            "requests:\n  - name: x\n    url: http://127.0.0.1:9/\n",
        )
        .file("environments/dev.yaml", "a: 1\nextends: nosuch\n");
    let out = project.runner(["run", "c.yaml", "-e", "dev"]).run();
    out.expect_code(2);
    assert!(
        out.stderr.contains("environments/dev.yaml:2:10: "),
        "at the value of `extends`\n{out}"
    );
    assert!(out.stderr.contains("nosuch"), "{out}");
    let out = project.runner(["validate", "c.yaml", "-e", "dev"]).run();
    out.expect_code(2);
    assert!(out.stderr.contains("nosuch"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// runner validate

#[test]
fn validate_reports_an_undefined_variable_with_its_place_and_a_suggestion() {
    let server = TestServer::start();
    let project = Project::new();
    let collection = r#"
        name: typo
        vars:
          api: <<base_url>>/v2.0/contoso/production/api/v2.0
        requests:
          - name: token
            method: POST
            url: <<base_url>>/contoso/oauth2/v2.0/token
            form:
              grant_type: client_credentials
              client_id: typo-app
              client_secret: s3cret
              scope: https://api.businesscentral.dynamics.com/.default
            capture:
              token: $.access_token
          - name: companies
            url: <<api>>/companies
            headers:
              Authorization: Bearer <<tokne>>
    "#;
    project.file("collections/typo.yaml", collection);
    let var = server.var();
    let out = project
        .runner(["validate", "collections/typo.yaml", "--var", &var])
        .run();
    out.expect_code(2);
    let (line, col) = position(collection, "Bearer <<tokne>>");
    let expected = format!(
        "collections/typo.yaml:{line}:{col}: undefined variable `tokne` in headers.Authorization of request `companies` (did you mean `token`?)"
    );
    assert_eq!(diagnostic_lines(&out)[0], expected, "\n{out}");
    assert!(
        out.stderr.contains("Bearer <<tokne>>"),
        "the source line\n{out}"
    );
    assert!(out.stderr.contains("1 error"), "{out}");
    assert_eq!(server.total_hits(), 0, "validate sends nothing");

    // fixed, it validates
    project.file(
        "collections/typo.yaml",
        &collection.replace("<<tokne>>", "<<token>>"),
    );
    let out = project
        .runner(["validate", "collections/typo.yaml", "--var", &var])
        .run();
    out.expect_code(0);
    assert!(out.stderr.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn validate_catches_a_request_reading_its_own_capture_before_the_response() {
    let project = Project::new();
    let collection = r#"
        name: own
        requests:
          - name: create
            method: POST
            url: http://127.0.0.1:9/items/<<item_id>>
            capture:
              item_id: $.id
            assert:
              json:
                $.id: <<item_id>>
    "#;
    project.file("c.yaml", collection);
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(2);
    let (line, col) = position(collection, "http://127.0.0.1:9/items/<<item_id>>");
    let expected =
        format!("c.yaml:{line}:{col}: undefined variable `item_id` in url of request `create`");
    assert_eq!(
        diagnostic_lines(&out),
        [expected.as_str()],
        "only the url is wrong: assertions run after captures\n{out}"
    );
}

#[test]
fn validate_catches_a_variable_captured_only_by_a_later_request() {
    let project = Project::new();
    let collection = r#"
        name: order
        requests:
          - name: customers
            url: http://127.0.0.1:9/companies(<<company_id>>)/customers
          - name: companies
            url: http://127.0.0.1:9/companies
            capture:
              company_id: $.value[0].id
          - name: customers again
            url: http://127.0.0.1:9/companies(<<company_id>>)/customers
    "#;
    project.file("c.yaml", collection);
    let out = project
        .runner(["validate", "c.yaml", "--format", "json"])
        .run();
    out.expect_code(2);
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let (line, col) = position(collection, "http://127.0.0.1:9/companies(<<company_id>>)");
    assert_eq!(
        doc["errors"], 1,
        "only the first use is before the capture\n{out}"
    );
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["col"].as_u64()),
        (Some(line as u64), Some(col as u64))
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("undefined variable `company_id` in url of request `customers`"),
        "{d}"
    );
}

#[test]
fn validate_catches_a_derived_variable_used_before_the_capture_it_waits_for() {
    // `auth` is defined only once `token` is captured: the first request fails at run time
    // with "undefined variable `auth`", so validate must find it before the run.
    let server = TestServer::start();
    let project = Project::new();
    let collection = r#"
        name: waiting
        vars:
          auth: Bearer <<token>>
        requests:
          - name: too early
            url: <<base_url>>/echo
            headers:
              Authorization: <<auth>>
          - name: token
            url: <<base_url>>/echo
            query: { access_token: abc }
            capture:
              token: $.args.access_token
          - name: in time
            url: <<base_url>>/echo
            headers:
              Authorization: <<auth>>
    "#;
    project.file("c.yaml", collection);
    let var = server.var();
    let out = project.runner(["run", "c.yaml", "--var", &var]).run();
    out.expect_code(1).expect_summary("2 passed, 1 failed");
    out.expect_details("too early", &["undefined variable `auth`"]);
    out.expect_request("✔", "in time", &["200"]);

    let out = project.runner(["validate", "c.yaml", "--var", &var]).run();
    let (line, _) = position(collection, "Authorization: <<auth>>");
    assert_eq!(
        out.code,
        Some(2),
        "request `too early` reads `auth` before `token` is captured (line {line})\n{out}"
    );
    assert!(out.stderr.contains(&format!("c.yaml:{line}:")), "{out}");
    assert!(
        out.stderr.contains("`auth`") || out.stderr.contains("`token`"),
        "{out}"
    );
}

#[test]
fn validate_accepts_group_vars_loop_vars_include_parameters_and_earlier_captures() {
    let project = Project::new();
    project
        .file(
            "shared/lookup.yaml",
            r#"
            vars:
              top: 5
            requests:
              - name: lookup
                url: <<base_url>>/<<entity>>
                query: { $top: <<top>> }
                capture:
                  found_id: $.value[0].id
            "#,
        )
        .file(
            "c.yaml",
            r#"
            name: all defined
            vars:
              base_url: http://127.0.0.1:9
            requests:
              - include: shared/lookup.yaml
                with: { entity: companies }
              - group: customers
                vars:
                  path: customers
                requests:
                  - name: each
                    url: <<base_url>>/companies(<<found_id>>)/<<path>>/<<number>>
                    for_each: <<['10000', '20000']>>
                    as: number
                    assert:
                      json:
                        $.id: <<own>>
                    capture:
                      own: $.id
            "#,
        );
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(0);
    assert!(
        out.stderr.trim_end().ends_with("0 errors, 0 warnings"),
        "no diagnostics at all\n{out}"
    );
    // the same names outside their scope are undefined
    project.file(
        "c.yaml",
        r#"
        name: out of scope
        requests:
          - include: shared/lookup.yaml
            with: { entity: companies, base_url: http://127.0.0.1:9 }
          - name: outside
            url: http://127.0.0.1:9/<<entity>>/<<number>>/<<path>>
        "#,
    );
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(2);
    for name in ["entity", "number", "path"] {
        assert!(
            out.stderr.contains(&format!(
                "undefined variable `{name}` in url of request `outside`"
            )),
            "`{name}`\n{out}"
        );
    }
}

#[test]
fn validate_warns_about_unused_captures_and_variables_and_still_passes() {
    let project = Project::new();
    let collection = r#"
        name: unused
        vars:
          base_url: http://127.0.0.1:9
          forgotten: 42
        requests:
          - name: companies
            url: <<base_url>>/companies
            capture:
              company_id: $.value[0].id
              never_read: $.value[1].id
          - name: customers
            url: <<base_url>>/companies(<<company_id>>)/customers
    "#;
    project.file("c.yaml", collection);
    let out = project.runner(["validate", "c.yaml"]).run();
    out.expect_code(0);
    let (cline, ccol) = position(collection, "never_read");
    let (vline, vcol) = position(collection, "forgotten");
    let lines = diagnostic_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("c.yaml:{cline}:{ccol}: "))
                && l.contains("warning")
                && l.contains("`never_read`")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("c.yaml:{vline}:{vcol}: "))
                && l.contains("warning")
                && l.contains("`forgotten`")),
        "{out}"
    );
    assert!(
        !out.stderr.contains("`company_id`"),
        "company_id is used\n{out}"
    );
    assert!(
        !out.stderr.contains("`base_url`"),
        "base_url is used\n{out}"
    );
    assert!(out.stderr.contains("0 errors, 2 warnings"), "{out}");
}

/// One diagnostic of `validate --format json`: exactly these keys, a 1-based position, a
/// known severity.
fn expect_diagnostic_shape(d: &Value) {
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["col", "file", "line", "message", "severity"],
        "{d}"
    );
    assert!(
        d["line"].as_u64().unwrap() >= 1 && d["col"].as_u64().unwrap() >= 1,
        "{d}"
    );
    assert!(
        ["error", "warning"].contains(&d["severity"].as_str().unwrap()),
        "{d}"
    );
}

/// Clean input: zero counts and an empty list, exit 0.
fn expect_clean_json_validation(project: &Project) {
    project.file(
        "ok.yaml",
        "requests:\n  - name: x\n    url: http://127.0.0.1:9/\n",
    );
    let out = project
        .runner(["validate", "--format", "json", "ok.yaml"])
        .run();
    out.expect_code(0);
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"errors": 0, "warnings": 0, "diagnostics": []})
    );
}

#[test]
fn validate_json_output_lists_every_diagnostic() {
    let project = Project::new();
    let collection = r#"
        name: json
        vars:
          spare: 1
        requests:
          - name: one
            url: http://127.0.0.1:9/<<missing>>
            capture:
              unused: $.id
    "#;
    project.file("c.yaml", collection).file(
        "bad.yaml",
        "requests:\n  - name: x\n    urll: http://127.0.0.1:9/\n  - name: y\n",
    );
    let out = project
        .runner(["validate", "c.yaml", "bad.yaml", "--format", "json"])
        .run();
    out.expect_code(2);
    let doc: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e})\n{out}"));
    assert_eq!(doc["errors"], 3, "{doc:#}");
    assert_eq!(doc["warnings"], 2, "{doc:#}");
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diagnostics.len(), 5, "{doc:#}");
    diagnostics.iter().for_each(expect_diagnostic_shape);
    let find = |needle: &str| {
        diagnostics
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no diagnostic with {needle:?}: {doc:#}"))
    };
    let (line, col) = position(collection, "http://127.0.0.1:9/<<missing>>");
    let missing = find("undefined variable `missing`");
    assert_eq!(missing["file"], "c.yaml");
    assert_eq!(missing["severity"], "error");
    assert_eq!(
        (missing["line"].as_u64(), missing["col"].as_u64()),
        (Some(line as u64), Some(col as u64))
    );
    let unknown = find("unknown field `urll`");
    assert_eq!(unknown["file"], "bad.yaml");
    assert_eq!(
        (unknown["line"].as_u64(), unknown["col"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(unknown["severity"], "error");
    assert_eq!(find("`unused`")["severity"], "warning");
    assert_eq!(find("`spare`")["severity"], "warning");
    // request `y` of bad.yaml has no `url`: the third error (the typo `urll` alone gives one)
    find("missing field `url`");
    // nothing else on stdout
    assert!(out.stdout.trim_start().starts_with('{') && out.stdout.trim_end().ends_with('}'));

    expect_clean_json_validation(&project);
}

#[test]
fn validate_without_an_environment_counts_every_environment_it_could_find() {
    let project = Project::new();
    project
        .file(
            "collections/bc.yaml",
            r#"
            name: bc
            requests:
              - name: companies
                url: https://<<Host>>/<<Tenant>>/<<SandboxOnly>>/<<Nowhere>>
            "#,
        )
        .file(
            "environments/prod.yaml",
            "Host: prod.example\nTenant: contoso\n",
        )
        .file("collections/environments/sandbox.yml", "SandboxOnly: 1\n");
    let out = project.runner(["validate", "collections/bc.yaml"]).run();
    out.expect_code(2);
    let errors: Vec<&str> = diagnostic_lines(&out)
        .into_iter()
        .filter(|l| l.contains("undefined variable"))
        .collect();
    assert_eq!(errors.len(), 1, "only `Nowhere` is undefined\n{out}");
    assert!(errors[0].contains("`Nowhere`"), "{out}");

    // with -e only that environment counts
    let out = project
        .runner(["validate", "collections/bc.yaml", "-e", "prod"])
        .run();
    out.expect_code(2);
    assert!(
        out.stderr.contains("undefined variable `SandboxOnly`"),
        "{out}"
    );
    assert!(out.stderr.contains("undefined variable `Nowhere`"), "{out}");
    assert!(!out.stderr.contains("undefined variable `Tenant`"), "{out}");

    // --var defines too; run from inside collections/ the parent's environments/ is found
    let out = project
        .runner(["validate", "bc.yaml", "--var", "Nowhere=x"])
        .in_dir("collections")
        .run();
    out.expect_code(0);
    assert!(out.stderr.contains("0 errors"), "{out}");

    // an unknown -e is an error
    let out = project
        .runner(["validate", "collections/bc.yaml", "-e", "nope"])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("environment `nope` not found"), "{out}");
}

#[test]
fn validate_reports_undefined_variables_inside_included_files_at_their_place() {
    let project = Project::new();
    let shared = r#"
        requests:
          - name: token
            url: http://127.0.0.1:9/<<tenant>>/<<client_idd>>
    "#;
    project.file("shared/token.yaml", shared).file(
        "team/c.yaml",
        r#"
        name: team
        requests:
          - include: ../shared/token.yaml
            with: { tenant: contoso, client_id: app }
        "#,
    );
    let out = project.runner(["validate", "team/c.yaml"]).run();
    out.expect_code(2);
    let (line, col) = position(shared, "http://127.0.0.1:9/<<tenant>>");
    let first = diagnostic_lines(&out)[0];
    assert!(
        first.ends_with(&format!(
            "shared/token.yaml:{line}:{col}: undefined variable `client_idd` in url of request `token/token` (did you mean `client_id`?)"
        )),
        "{out}"
    );
    assert!(
        out.stderr.contains("<<client_idd>>"),
        "the included file's line\n{out}"
    );
}

#[test]
fn validate_checks_folders_and_reports_loader_errors_of_every_file() {
    let project = Project::new();
    project
        .file("collections/a.yaml", "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n")
        .file(
            "collections/b.yml",
            "requests:\n  - name: b\n    url: http://127.0.0.1:9/\n    json: {}\n    form: {}\n",
        )
        .file(
            "collections/c.yaml",
            "requests:\n  - name: c\n    url: http://127.0.0.1:9/\n  - name: c\n    url: http://127.0.0.1:9/\n",
        )
        .file("collections/notes.txt", "not a collection");
    let out = project.runner(["validate", "collections"]).run();
    out.expect_code(2);
    assert!(
        out.stderr.contains(
            "collections/b.yml:5:5: a request has at most one body, found `json` and `form`"
        ),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("collections/c.yaml:4:5: duplicate request name `c` (first used on line 2)"),
        "{out}"
    );
    assert!(!out.stderr.contains("notes.txt"), "{out}");
    assert!(!out.stderr.contains("a.yaml"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// runner list

const LIST_COLLECTION: &str = r#"
    name: listed
    setup:
      - name: login
        method: post
        url: <<base_url>>/login
        tags: [auth]
    requests:
      - name: companies
        url: <<api>>/companies?$top=<<top | default(5)>>
        tags: [smoke, bc]
      - group: customers
        tags: [bc]
        requests:
          - name: list
            url: <<api>>/customers
          - name: create
            method: POST
            url: <<api>>/customers
            tags: [write]
      - include: shared/ping.yaml
    teardown:
      - name: logout
        method: DELETE
        url: <<base_url>>/logout
"#;

fn list_project() -> Project {
    let project = Project::new();
    project
        .file("c.yaml", LIST_COLLECTION)
        .file(
            "shared/ping.yaml",
            "requests:\n  - name: ping\n    url: <<base_url>>/ping\n    tags: [smoke]\n",
        )
        .file(
            "more/b.yml",
            "requests:\n  - name: one\n    method: <<verb>>\n    url: \"<<u>>\"\n",
        );
    project
}

/// The rows of a `runner list` table, each split into its cells (two or more spaces apart).
fn rows(out: &Outcome) -> Vec<Vec<String>> {
    out.stdout
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect()
}

#[test]
fn list_prints_every_request_as_written() {
    let project = list_project();
    let out = project.runner(["list", "c.yaml", "more/b.yml"]).run();
    out.expect_code(0);
    let expected = dedent(
        "
        FILE        REQUEST           METHOD  URL                                          TAGS
        c.yaml      setup: login      POST    <<base_url>>/login                           auth
        c.yaml      companies         GET     <<api>>/companies?$top=<<top | default(5)>>  smoke,bc
        c.yaml      customers/list    GET     <<api>>/customers                            bc
        c.yaml      customers/create  POST    <<api>>/customers                            bc,write
        c.yaml      ping/ping         GET     <<base_url>>/ping                            smoke
        c.yaml      teardown: logout  DELETE  <<base_url>>/logout
        more/b.yml  one               <<verb>>  <<u>>
        ",
    );
    // compare cells rather than spacing, then check the columns line up
    let expected_rows: Vec<Vec<String>> = expected
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .filter(|row: &Vec<String>| !row.is_empty())
        .collect();
    assert_eq!(rows(&out), expected_rows, "\n{}", out.stdout);
    let header = out.stdout.lines().next().unwrap();
    for column in ["REQUEST", "METHOD", "URL", "TAGS"] {
        let at = header.find(column).unwrap();
        for line in out.stdout.lines().skip(1) {
            let before = line.get(..at).unwrap_or(line);
            assert!(
                line.len() <= at || before.ends_with("  "),
                "column {column} is aligned at {at}:\n{}",
                out.stdout
            );
        }
    }
    assert!(out.stderr.is_empty(), "{out}");
}

#[test]
fn list_filters_by_tag_and_takes_folders() {
    let project = list_project();
    let out = project.runner(["list", "c.yaml", "--tag", "smoke"]).run();
    out.expect_code(0);
    let names: Vec<String> = rows(&out)
        .into_iter()
        .skip(1)
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(names, ["companies", "ping/ping"], "{out}");

    // repeated: any of the tags; a group's tag is inherited
    let out = project
        .runner(["list", "c.yaml", "--tag", "write", "--tag", "auth"])
        .run();
    let names: Vec<String> = rows(&out)
        .into_iter()
        .skip(1)
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(names, ["setup: login", "customers/create"], "{out}");
    let out = project.runner(["list", "c.yaml", "--tag", "bc"]).run();
    let names: Vec<String> = rows(&out)
        .into_iter()
        .skip(1)
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(
        names,
        ["companies", "customers/list", "customers/create"],
        "{out}"
    );

    // no match: the header only, exit 0
    let out = project.runner(["list", "c.yaml", "--tag", "nothing"]).run();
    out.expect_code(0);
    assert_eq!(
        rows(&out),
        [["FILE", "REQUEST", "METHOD", "URL", "TAGS"]],
        "{out}"
    );

    // a folder stands for its collections
    let out = project.runner(["list", "more"]).run();
    out.expect_code(0);
    assert_eq!(
        rows(&out)[1],
        ["more/b.yml", "one", "<<verb>>", "<<u>>"],
        "{out}"
    );

    // a broken file: exit 2 with the loader's error, no table
    project.file("broken.yaml", "requests:\n  - name: x\n");
    let out = project.runner(["list", "broken.yaml"]).run();
    out.expect_code(2);
    assert!(
        out.stderr.contains("broken.yaml:2:5: missing field `url`"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// runner init

#[test]
fn init_business_central_creates_a_project_that_validates_and_runs_on_the_mock() {
    let project = Project::new();
    let out = project.runner(["init", "bc"]).run();
    out.expect_code(0);
    let files: Vec<String> = project
        .files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    for expected in [
        "bc/collections/bc.yaml",
        "bc/environments/local.yaml",
        "bc/mocks/bc.yaml",
        "bc/schema/collection.schema.json",
        "bc/schema/environment.schema.json",
        "bc/.env.example",
        "bc/.gitignore",
        "bc/README.md",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} in {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f == "bc/.env"),
        "no .env with secrets is created"
    );
    assert_eq!(
        project
            .read("bc/.gitignore")
            .lines()
            .filter(|l| l.trim() == ".env")
            .count(),
        1
    );
    assert!(project.read("bc/README.md").contains("runner validate"));
    // the schemas are the ones the binary prints
    for kind in ["collection", "environment"] {
        let printed = project.runner(["schema", kind]).run();
        printed.expect_code(0);
        let written: Value =
            serde_json::from_str(&project.read(&format!("bc/schema/{kind}.schema.json")))
                .expect("schema JSON");
        let printed: Value = serde_json::from_str(&printed.stdout).expect("printed JSON");
        assert_eq!(written, printed, "{kind} schema");
    }
    // the collection points editors at the schema it ships with
    assert!(
        project
            .read("bc/collections/bc.yaml")
            .starts_with("# yaml-language-server: $schema=../schema/collection.schema.json")
    );

    let out = project
        .runner(["validate", "collections/", "-e", "local"])
        .in_dir("bc")
        .run();
    out.expect_code(0);
    assert!(out.stderr.contains("0 errors"), "{out}");
    let out = project
        .runner([
            "run",
            "collections/bc.yaml",
            "-e",
            "local",
            "--mock",
            "mocks/bc.yaml",
        ])
        .in_dir("bc")
        .run();
    out.expect_code(0);
    assert!(out.summary().ends_with(" passed, 0 failed"), "{out}");
    assert!(!out.summary().starts_with("0 passed"), "{out}");
}

#[test]
fn init_blank_creates_a_project_that_validates() {
    let project = Project::new();
    let out = project
        .runner(["init", "--template", "blank"])
        .in_dir("new")
        .run();
    out.expect_code(0);
    let files: Vec<String> = project
        .files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("new/collections/") && f.ends_with(".yaml")),
        "{files:?}"
    );
    for expected in [
        "new/environments/local.yaml",
        "new/schema/collection.schema.json",
        "new/schema/environment.schema.json",
        "new/.env.example",
        "new/.gitignore",
        "new/README.md",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} in {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f.starts_with("new/mocks/")),
        "{files:?}"
    );
    assert!(
        project
            .read("new/.gitignore")
            .lines()
            .any(|l| l.trim() == ".env")
    );
    let out = project
        .runner(["validate", "collections/", "-e", "local"])
        .in_dir("new")
        .run();
    out.expect_code(0);
    assert!(out.stderr.contains("0 errors"), "{out}");
    let out = project.runner(["list", "collections/"]).in_dir("new").run();
    out.expect_code(0);
    assert!(rows(&out).len() >= 2, "at least one request\n{out}");
}

#[test]
fn init_adds_env_to_an_existing_gitignore_once_and_leaves_a_readme_alone() {
    let project = Project::new();
    // no newline at the end: `.env` goes on a line of its own
    std::fs::create_dir_all(project.path().join("p")).unwrap();
    std::fs::write(project.path().join("p/.gitignore"), "/target").unwrap();
    project
        .file("p/README.md", "# My project\n")
        .file("q/.gitignore", "node_modules/\n.env\n");
    let out = project.runner(["init", "p", "--template", "blank"]).run();
    out.expect_code(0);
    assert_eq!(project.read("p/.gitignore"), "/target\n.env\n");
    assert_eq!(
        project.read("p/README.md"),
        "# My project\n",
        "README untouched"
    );
    assert!(
        out.stdout.contains("runner validate"),
        "the snippet is printed\n{out}"
    );

    let out = project.runner(["init", "q"]).run();
    out.expect_code(0);
    assert_eq!(
        project.read("q/.gitignore"),
        "node_modules/\n.env\n",
        "already ignored: unchanged"
    );
}

#[test]
fn init_refuses_to_overwrite_anything() {
    let project = Project::new();
    let out = project.runner(["init", "p"]).run();
    out.expect_code(0);
    project.file("p/collections/bc.yaml", "# mine\nrequests: []\n");
    let before = project.files();
    let gitignore = project.read("p/.gitignore");
    let out = project.runner(["init", "p"]).run();
    out.expect_code(2);
    assert!(
        out.stderr.contains("p/collections/bc.yaml"),
        "names the file\n{out}"
    );
    assert_eq!(
        project.read("p/collections/bc.yaml"),
        "# mine\nrequests: []\n"
    );
    assert_eq!(project.files(), before);
    assert_eq!(
        project.read("p/.gitignore"),
        gitignore,
        "not appended twice"
    );

    // one existing file is enough to refuse; nothing is created then
    project.file("r/environments/local.yaml", "mine: 1\n");
    let out = project.runner(["init", "r", "--template", "blank"]).run();
    out.expect_code(2);
    assert!(out.stderr.contains("r/environments/local.yaml"), "{out}");
    let created: Vec<_> = project
        .files()
        .into_iter()
        .filter(|p| p.starts_with("r"))
        .collect();
    assert_eq!(
        created,
        [std::path::PathBuf::from("r/environments/local.yaml")]
    );
    assert_eq!(project.read("r/environments/local.yaml"), "mine: 1\n");
}
