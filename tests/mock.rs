//! Mock servers: the shipped Business Central mock under the shipped collection, route
//! matching, templated responses, state with ETags, unmatched requests, `runner mock` standalone.

mod support;

use std::path::Path;
use std::time::Duration;

use support::{Case, Project};

fn repo_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn shipped_collection_runs_green_against_the_shipped_mock() {
    let out = Case::in_repo([
        "run",
        "collections/bc.yaml",
        "-e",
        "local",
        "--mock",
        "mocks/bc.yaml",
    ])
    .run();
    out.expect_code(0).expect_summary("6 passed, 0 failed");
    for name in [
        "companies",
        "create customer",
        "update customer",
        "delete customer",
    ] {
        out.expect_request("✔", name, &[]);
    }
    assert!(!out.stderr.contains("no route matched"), "{out}");
}

#[test]
fn wrong_secret_gets_the_azure_ad_error_from_the_shipped_mock() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: token
            method: POST
            url: <<mock_url>>/contoso/oauth2/v2.0/token
            multipart:
              grant_type: client_credentials
              client_id: app
              client_secret: wrong
              scope: https://api.businesscentral.dynamics.com/.default
            assert:
              status: 401
              json:
                $.error: invalid_client
                $.error_description: { starts_with: "AADSTS7000215" }
          - name: no grant
            method: POST
            url: <<mock_url>>/contoso/oauth2/v2.0/token
            form: { client_id: app }
            assert:
              status: 400
              json: { "$.error_codes[0]": 900144 }
          - name: no bearer
            url: <<mock_url>>/v2.0/contoso/Production/api/v2.0/companies
            assert:
              status: 401
              json: { $.error.code: Authentication_InvalidCredentials }
        "#,
    );
    let out = project
        .runner(["run", "c.yaml", "--mock", &repo_file("mocks/bc.yaml")])
        .run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
}

#[test]
fn first_matching_route_wins_and_matchers_select_routes() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            r#"
            routes:
              - match: { method: GET, path: /items, query: { kind: special } }
                respond: { json: { route: special } }
              - match: { method: GET, path: /items, headers: { x-tier: { one_of: [gold, silver] } } }
                respond: { json: { route: tier } }
              - match: { method: POST, path: /items, json: { $.qty: { gt: 10 } } }
                respond: { status: 202, json: { route: bulk } }
              - match: { path: /items }
                respond: { json: { route: any } }
              - match: { path: /items }
                respond: { json: { route: never } }
            "#,
        )
        .file(
            "c.yaml",
            r#"
            requests:
              - name: special
                url: <<mock_url>>/items
                query: { kind: special }
                assert: { json: { $.route: special } }
              - name: tier
                url: <<mock_url>>/items
                headers: { X-Tier: silver }
                assert: { json: { $.route: tier } }
              - name: bulk
                method: POST
                url: <<mock_url>>/items
                json: { qty: 11 }
                assert: { status: 202, json: { $.route: bulk } }
              - name: small
                method: POST
                url: <<mock_url>>/items
                json: { qty: 1 }
                assert: { status: 200, json: { $.route: any } }
            "#,
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    out.expect_code(0).expect_summary("4 passed, 0 failed");
}

#[test]
fn responses_are_templates_over_the_request() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            r#"
            routes:
              - match: { method: POST, path: "/orders(<id>)/lines" }
                respond:
                  status: 201
                  headers: { Location: "/orders(<<request.params.id>>)/lines/1" }
                  json:
                    order: <<request.params.id>>
                    qty: <<request.json.qty * 2>>
                    page: <<request.query.page>>
                    agent: <<request.headers['x-agent']>>
                    line_id: <<uuid()>>
              - match: { method: POST, path: /token }
                respond:
                  json: { access_token: "<<jwt({'roles': ['API.ReadWrite.All'], 'tid': request.form.tenant})>>" }
              - match: { path: /slow }
                respond: { delay: 50ms, body: "done" }
            "#,
        )
        .file(
            "c.yaml",
            r#"
            requests:
              - name: line
                method: POST
                url: <<mock_url>>/orders(42)/lines
                query: { page: 3 }
                headers: { X-Agent: runner }
                json: { qty: 4 }
                assert:
                  status: 201
                  headers: { location: "/orders(42)/lines/1" }
                  json:
                    $.order: "42"
                    $.qty: 8
                    $.page: "3"
                    $.agent: runner
                    $.line_id: { matches: '^[0-9a-f-]{36}$' }
              - name: token
                method: POST
                url: <<mock_url>>/token
                form: { tenant: contoso }
                capture:
                  claims: { regex: '"access_token":"[^.]+\.([^.]+)\.' }
                assert:
                  json:
                    $.access_token: { matches: '^[\w-]+\.[\w-]+\.[\w-]+$' }
                  expr:
                    - "'API.ReadWrite.All' in (claims | base64_decode)"
                    - "'\"tid\":\"contoso\"' in (claims | base64_decode)"
              - name: slow
                url: <<mock_url>>/slow
                assert: { body: done, duration_ms: { gte: 50 } }
            "#,
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    out.expect_request("✔", "line", &["201"]);
    out.expect_request("✔", "slow", &["200"]);
}

#[test]
fn store_behaves_like_business_central_with_etags() {
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        vars:
          base: <<mock_url>>/v2.0/t/Production/api/v2.0/companies(c1)
          auth: Bearer x
        requests:
          - name: create
            method: POST
            url: <<base>>/items
            headers: { Authorization: <<auth>> }
            json: { number: "1000", displayName: Bicycle }
            assert:
              status: 201
              headers: { etag: { starts_with: 'W/"' } }
            capture: { id: $.id, etag: { header: ETag } }
          - name: patch without if-match
            method: PATCH
            url: <<base>>/items(<<id>>)
            headers: { Authorization: <<auth>> }
            json: { displayName: Tandem }
            assert:
              status: 400
              json: { $.error.code: BadRequest_InvalidToken }
          - name: patch
            method: PATCH
            url: <<base>>/items(<<id>>)
            headers: { Authorization: <<auth>>, If-Match: <<etag>> }
            json: { displayName: Tandem }
            assert:
              status: 200
              json: { $.displayName: Tandem, $.number: "1000" }
            capture: { new_etag: { header: etag } }
          - name: stale patch
            method: PATCH
            url: <<base>>/items(<<id>>)
            headers: { Authorization: <<auth>>, If-Match: <<etag>> }
            json: { displayName: Unicycle }
            assert:
              status: 409
              json: { $.error.code: Request_EntityChanged }
          - name: list
            url: <<base>>/items
            headers: { Authorization: <<auth>> }
            assert:
              json: { $.value: { length: 1 }, "$.value[0].displayName": Tandem }
          - name: other company is separate
            url: <<mock_url>>/v2.0/t/Production/api/v2.0/companies(c2)/items
            headers: { Authorization: <<auth>> }
            assert:
              json: { $.value: { length: 0 } }
          - name: delete
            method: DELETE
            url: <<base>>/items(<<id>>)
            headers: { Authorization: <<auth>>, If-Match: <<new_etag>> }
            assert: { status: 204 }
          - name: gone
            url: <<base>>/items(<<id>>)
            headers: { Authorization: <<auth>> }
            assert: { status: 404 }
        "#,
    );
    let out = project
        .runner(["run", "c.yaml", "--mock", &repo_file("mocks/bc.yaml")])
        .run();
    out.expect_code(0).expect_summary("8 passed, 0 failed");
}

#[test]
fn unmatched_requests_are_reported() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            "routes:\n  - match: { path: /known }\n    respond: { status: 204 }\n",
        )
        .file(
            "c.yaml",
            r#"
            requests:
              - name: unknown
                url: <<mock_url>>/unknown/path
                assert: { status: 404, json: { $.error.code: BadRequest_NotFound } }
            "#,
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    out.expect_code(0);
    assert!(
        out.stderr
            .contains("mock: GET /unknown/path → 404 (no route matched)"),
        "{out}"
    );
}

#[test]
fn a_long_run_keeps_the_first_1000_unmatched_requests_and_counts_the_rest() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            "routes:\n  - match: { path: /known }\n    respond: { status: 204 }\n",
        )
        .file(
            "c.yaml",
            r#"
            requests:
              - name: unknown
                url: <<mock_url>>/unknown/<<n>>
                assert: { status: 404 }
              - name: known
                url: <<mock_url>>/known
                assert: { status: 204 }
            "#,
        );
    let rows: String = (1..=1_003).map(|n| format!("{n}\n")).collect();
    project.file("rows.csv", &format!("n\n{rows}"));
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml", "--data", "rows.csv"])
        .run();
    out.expect_code(0);
    let logged: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("mock: GET"))
        .collect();
    assert_eq!(logged.len(), 1_000, "{out}");
    assert_eq!(
        logged[999],
        "mock: GET /unknown/1000 → 404 (no route matched)"
    );
    assert!(out.stderr.contains("mock: … and 3 more requests"), "{out}");
}

#[test]
fn invalid_mock_file_is_an_input_error_with_position() {
    let project = Project::new();
    project
        .file(
            "mock.yaml",
            r#"
            routes:
              - match: { path: "/a/<bad name>" }
                respond: { status: 200 }
              - match: { path: /b }
                respnd: { status: 200 }
            "#,
        )
        .file(
            "c.yaml",
            "requests:\n  - name: a\n    url: <<mock_url>>/a\n",
        );
    let out = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("mock.yaml:2:20: `<bad name>`"), "{out}");
    assert!(
        out.stderr.contains("mock.yaml:5:5: unknown field `respnd`"),
        "{out}"
    );
    assert!(out.stderr.contains("did you mean `respond`?"), "{out}");
}

#[test]
fn standalone_mock_serves_another_client() {
    let mock = Case::in_repo(["mock", &repo_file("mocks/bc.yaml"), "--port", "0"]).spawn();
    let first = mock.stdout_lines(1).remove(0);
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let token = client
            .post(format!("{url}/contoso/oauth2/v2.0/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&client_id=app&client_secret=local-secret&scope=s")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token: serde_json::Value = serde_json::from_str(&token).unwrap();
        assert_eq!(token["token_type"], "Bearer");
        let access = token["access_token"].as_str().unwrap();
        let companies = client
            .get(format!("{url}/v2.0/contoso/Production/api/v2.0/companies"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(companies.status(), 200);
        let body: serde_json::Value =
            serde_json::from_str(&companies.text().await.unwrap()).unwrap();
        assert_eq!(body["value"][0]["name"], "CRONUS USA, Inc.");
    });
    let logged = mock.stdout_lines(2).remove(1);
    assert!(
        logged.starts_with("POST /contoso/oauth2/v2.0/token → 200"),
        "{logged}"
    );
}
