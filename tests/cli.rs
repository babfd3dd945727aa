//! Black-box tests of the `runner` binary (issue 2's contract): YAML collections run against the
//! in-process test server in `support`, checked by exit code, output text and what the server saw.

mod support;

use serde_json::json;
use support::{
    CLIENT_SECRET, CRONUS_ID, CUSTOMER_ETAG, Outcome, Project, TestServer, contains_word, token_for,
};

const BC_BASE: &str = "/v2.0/contoso.onmicrosoft.com/production/api/v2.0";
const TOKEN_PATH: &str = "/contoso.onmicrosoft.com/oauth2/v2.0/token";

// ---------------------------------------------------------------------------------------------
// The motivating chain: token → companies → customers

/// The collection from the issue, pointed at the test server; `BODY_KIND` is `form` or `multipart`.
const BC_COLLECTION: &str = r#"
    name: Business Central smoke
    vars:
      api: <<base_url>>/v2.0/<<Tenant>>/<<Environment>>/api/v2.0
    requests:
      - name: token
        method: POST
        url: <<base_url>>/<<Tenant>>/oauth2/v2.0/token
        BODY_KIND:
          grant_type: client_credentials
          client_id: <<ClientId>>
          client_secret: <<ClientSecret>>
          scope: https://api.businesscentral.dynamics.com/.default
        assert:
          status: 200
          json:
            $.token_type: Bearer
        capture:
          token: $.access_token
      - name: companies
        url: <<api>>/companies
        headers:
          Authorization: Bearer <<token>>
        query: { $top: 5 }
        assert:
          status: 200
          headers:
            content-type: { contains: application/json }
          json:
            $.value: { length: { gte: 1 } }
          duration_ms: { lt: 5000 }
        capture:
          company_id: $.value[0].id
      - name: customers
        url: <<api>>/companies(<<company_id>>)/customers
        headers:
          Authorization: Bearer <<token>>
        assert:
          status: 200
          json:
            $.value[0].displayName: Adatum Corporation
        capture:
          etag: { header: ETag }
"#;

const BC_ENVIRONMENT: &str = r#"
    Tenant: contoso.onmicrosoft.com
    Environment: production
    ClientId: 6f1c2a34-runner-tests
    ClientSecret: <<env("BC_CLIENT_SECRET")>>
"#;

fn bc_project(body_kind: &str) -> Project {
    let project = Project::new();
    project
        .file(
            "collections/bc.yaml",
            &BC_COLLECTION.replace("BODY_KIND", body_kind),
        )
        .file("environments/test.yaml", BC_ENVIRONMENT);
    project
}

fn run_bc(project: &Project, server: &TestServer) -> Outcome {
    let mut cmd = project.runner([
        "run",
        "collections/bc.yaml",
        "-e",
        "test",
        "--var",
        &server.var(),
    ]);
    cmd.env("BC_CLIENT_SECRET", CLIENT_SECRET).run()
}

fn assert_bc_chain_sent(server: &TestServer) {
    let customers_path = format!("{BC_BASE}/companies({CRONUS_ID})/customers");
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert_eq!(server.hits(&format!("{BC_BASE}/companies")), 1);
    assert_eq!(
        server.hits(&customers_path),
        1,
        "customers of the captured company id"
    );
    let bearer = format!("Bearer {}", token_for("6f1c2a34-runner-tests"));
    let customers = server.last(&customers_path);
    assert_eq!(customers.header("authorization"), Some(bearer.as_str()));
}

#[test]
fn token_via_form_then_companies_then_customers_passes() {
    let server = TestServer::start();
    let project = bc_project("form");
    let out = run_bc(&project, &server);
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    out.expect_request("✔", "token", &["POST", "200"])
        .expect_request("✔", "companies", &["GET", "200"])
        .expect_request("✔", "customers", &["GET", "200"]);
    assert_bc_chain_sent(&server);
    let token = server.last(TOKEN_PATH);
    let content_type = token.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/x-www-form-urlencoded"),
        "{content_type}"
    );
    let fields = support::parse_urlencoded(&token.body);
    assert_eq!(fields["client_secret"], CLIENT_SECRET);
    assert_eq!(
        fields["scope"],
        "https://api.businesscentral.dynamics.com/.default"
    );
}

#[test]
fn token_via_multipart_then_companies_then_customers_passes() {
    let server = TestServer::start();
    let project = bc_project("multipart");
    let out = run_bc(&project, &server);
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    assert_bc_chain_sent(&server);
    let token = server.last(TOKEN_PATH);
    let content_type = token.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert!(
        token.body.contains("name=\"client_secret\""),
        "{}",
        token.body
    );
}

#[test]
fn wrong_secret_fails_token_and_later_requests_name_the_missing_capture() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: get token
            method: POST
            url: <<base_url>>/contoso/oauth2/v2.0/token
            form:
              grant_type: client_credentials
              client_id: app-1
              client_secret: wrong-secret
              scope: https://api.businesscentral.dynamics.com/.default
            assert:
              status: 200
            capture:
              access: $.access_token
          - name: list companies
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
            headers:
              Authorization: Bearer <<access>>
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("0 passed, 2 failed");
    out.expect_request("✘", "get token", &["POST", "401"]);
    // The token endpoint's real answer (AADSTS7000215) is what the runner got back.
    assert_eq!(server.hits("/contoso/oauth2/v2.0/token"), 1);
    out.expect_request("✘", "list companies", &[])
        .expect_details("list companies", &["access", "get token"]);
    assert_eq!(
        server.hits("/v2.0/contoso/production/api/v2.0/companies"),
        0,
        "a request missing a variable must not be sent"
    );
}

#[test]
fn token_and_bc_error_responses_are_faithful() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: bad secret
            method: POST
            url: <<base_url>>/contoso/oauth2/v2.0/token
            form: { grant_type: client_credentials, client_id: app-1, client_secret: nope, scope: x/.default }
            assert:
              status: 401
              json:
                $.error: invalid_client
                $.error_codes[0]: 7000215
                $.error_description: { starts_with: "AADSTS7000215: Invalid client secret provided." }
          - name: strict endpoint refuses multipart
            method: POST
            url: <<base_url>>/strict/contoso/oauth2/v2.0/token
            multipart: { grant_type: client_credentials, client_id: app-1, client_secret: s3cret, scope: x/.default }
            assert:
              status: 400
              json:
                $.error: invalid_request
                $.error_codes: [900144]
          - name: no bearer
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
            assert:
              status: 401
              json:
                $.error.code: Authentication_InvalidCredentials
          - name: top one
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies
            headers: { Authorization: Bearer tok-app-1 }
            query: { $top: 1 }
            assert:
              headers:
                Content-Type: { starts_with: "application/json; odata.metadata=minimal" }
              json:
                $.value: { length: 1 }
                $.value[0].name: CRONUS USA, Inc.
          - name: unknown company
            url: <<base_url>>/v2.0/contoso/production/api/v2.0/companies(00000000-0000-0000-0000-000000000000)/customers
            headers: { Authorization: Bearer tok-app-1 }
            assert:
              status: 404
              json:
                $.error.code: BadRequest_NotFound
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("5 passed, 0 failed");
    assert_eq!(server.total_hits(), 5);
}

#[test]
fn several_files_run_in_one_invocation() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "a.yaml",
            "
            requests:
              - name: from a
                url: <<base_url>>/status/200
            ",
        )
        .file(
            "b.yaml",
            "
            requests:
              - name: from b one
                url: <<base_url>>/status/201
              - name: from b two
                url: <<base_url>>/status/202
            ",
        );
    let out = project
        .runner(["run", "a.yaml", "b.yaml", "--var", &server.var()])
        .run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    assert_eq!(server.total_hits(), 3);
}

// ---------------------------------------------------------------------------------------------
// Assertions

#[test]
fn every_assertion_operator_can_pass() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: json operators
            url: <<base_url>>/big-json
            assert:
              status: 200
              headers:
                CoNtEnT-TyPe: { starts_with: application/json }
              json:
                $.order.number: "10042"
                $.order.quantity: { eq: 5, ne: 4, gt: 4, gte: 5, lt: 6, lte: 5, type: number, one_of: [1, 5, 9] }
                $.order.total: { gt: 1234, lt: 1235, type: number }
                $.order.status: { one_of: [Open, Released], ne: Closed }
                $.order.customer.name: { contains: Adatum, not_contains: Fabrikam, starts_with: Ada, ends_with: Corporation, matches: '^Adatum \w+$', type: string, length: 18 }
                $.order.paid: { eq: false, type: bool }
                $.order.notes: { type: "null", exists: true }
                $.order.discount: { exists: false }
                $.order.customer: { type: object }
                $.order.customer.address: { eq: { street: 192 Market Square, city: Atlanta, state: GA, postalCode: "31772", country: US } }
                $.order.tags: { type: array, length: 3, eq: [rush, wholesale, b2b] }
                $.order.lines: { length: { gte: 10, lt: 100 } }
                $.order.lines[*].lineNo: { length: 12 }
                $.order.tags[0:2]: [rush, wholesale]
              duration_ms: { lt: 10000, gte: 0 }
              expr:
                - response.status == 200
                - response.json.order.tags | length == 3
                - response.json.order.customer.address.city == "Atlanta"
                - response.body | length > 100
                - response.duration_ms >= 0
          - name: status list
            url: <<base_url>>/status/201
            assert:
              status: [200, 201]
          - name: status matcher
            url: <<base_url>>/status/204
            assert:
              status: { gte: 200, lt: 300 }
          - name: body equality
            url: <<base_url>>/text
            assert:
              body: 'order "number":"10042" ok'
          - name: body matcher
            url: <<base_url>>/text
            assert:
              body: { contains: '"number":"10042"', not_contains: error, starts_with: order, ends_with: ok, matches: '^order .* ok$', length: 25 }
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("5 passed, 0 failed");
    for name in [
        "json operators",
        "status list",
        "status matcher",
        "body equality",
        "body matcher",
    ] {
        out.expect_request("✔", name, &["GET"]);
    }
}

/// One request per line, `NAME ROUTE ASSERTION`, each with a single assertion that must fail.
const FAILING_ASSERTIONS: &str = r"
    fail_eq              big-json  json: { $.order.quantity: { eq: 6 } }
    fail_plain           big-json  json: { $.order.status: Closed }
    fail_ne              big-json  json: { $.order.quantity: { ne: 5 } }
    fail_gt              big-json  json: { $.order.quantity: { gt: 5 } }
    fail_gte             big-json  json: { $.order.quantity: { gte: 6 } }
    fail_lt              big-json  json: { $.order.quantity: { lt: 5 } }
    fail_lte             big-json  json: { $.order.quantity: { lte: 4 } }
    fail_contains        big-json  json: { $.order.customer.name: { contains: Fabrikam } }
    fail_not_contains    big-json  json: { $.order.customer.name: { not_contains: Adatum } }
    fail_starts_with     big-json  json: { $.order.customer.name: { starts_with: Corporation } }
    fail_ends_with       big-json  json: { $.order.customer.name: { ends_with: Adatum } }
    fail_matches         big-json  json: { $.order.customer.name: { matches: '^\d+$' } }
    fail_exists_true     big-json  json: { $.order.discount: { exists: true } }
    fail_exists_false    big-json  json: { $.order.number: { exists: false } }
    fail_missing_node    big-json  json: { $.order.discount: 10 }
    fail_type            big-json  json: { $.order.quantity: { type: string } }
    fail_length          big-json  json: { $.order.tags: { length: 4 } }
    fail_length_matcher  big-json  json: { $.order.lines: { length: { lt: 5 } } }
    fail_one_of          big-json  json: { $.order.status: { one_of: [Closed, Released] } }
    fail_status          big-json  status: 201
    fail_status_list     big-json  status: [201, 202]
    fail_status_matcher  big-json  status: { gte: 400 }
    fail_headers         big-json  headers: { Content-Type: { contains: text/html } }
    fail_body            text      body: { contains: error }
    fail_body_equality   text      body: 'order ok'
    fail_duration        slow/300  duration_ms: { lt: 100 }
    fail_expr            big-json  expr: [ response.json.order.quantity > 100 ]
";

/// `FAILING_ASSERTIONS` as (name, route, assertion).
fn failing_assertions() -> Vec<(&'static str, &'static str, &'static str)> {
    let next_word = |text: &'static str| {
        let text = text.trim_start();
        text.split_once(' ').unwrap_or((text, ""))
    };
    FAILING_ASSERTIONS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (name, rest) = next_word(line);
            let (route, assertion) = next_word(rest);
            (name, route, assertion.trim())
        })
        .collect()
}

#[test]
fn every_assertion_operator_can_fail() {
    let server = TestServer::start();
    let project = Project::new();
    let cases = failing_assertions();
    let mut yaml = String::from("requests:\n");
    for (name, route, assertion) in &cases {
        yaml += &format!(
            "  - name: {name}\n    url: <<base_url>>/{route}\n    assert:\n      {assertion}\n"
        );
    }
    project.file("c.yaml", &yaml);
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1)
        .expect_summary(&format!("0 passed, {} failed", cases.len()));
    for (name, _, _) in &cases {
        out.expect_request("✘", name, &["GET"]);
    }
    // Expected and actual both shown.
    out.expect_details("fail_contains", &["Fabrikam", "Adatum Corporation"])
        .expect_details("fail_status", &["201", "200"])
        .expect_details("fail_one_of", &["Closed", "Open"]);
    assert_eq!(server.total_hits(), cases.len());
}

#[test]
fn all_failed_assertions_of_a_request_are_reported() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: three wrongs
            url: <<base_url>>/big-json
            assert:
              status: 201
              json:
                $.order.currency: EUR
                $.order.customer.address.city: { eq: Boston }
        ",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    out.expect_request("✘", "three wrongs", &["GET", "200"])
        .expect_details("three wrongs", &["201", "EUR", "USD", "Boston", "Atlanta"]);
}

#[test]
fn failing_object_assertion_prints_a_diff() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: customer
            url: <<base_url>>/big-json
            assert:
              json:
                $.order.customer:
                  eq:
                    number: '10000'
                    name: Adatum Corporation
                    address: { street: 192 Market Square, city: Boston, state: GA, postalCode: '31772', country: US }
                    email: robert.townes@contoso.com
                    phone: +1 425 555 0100
        ",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    let details = out.details("customer");
    let sign_of = |needle: &str| {
        details.lines().map(str::trim_start).find_map(|line| {
            let sign = line.chars().next()?;
            (matches!(sign, '-' | '+') && line.contains(needle)).then_some(sign)
        })
    };
    let expected = sign_of("Boston");
    let actual = sign_of("Atlanta");
    assert!(
        expected.is_some() && actual.is_some() && expected != actual,
        "expected a -/+ diff line for Boston and the opposite for Atlanta:\n{details}\n---\n{out}"
    );
    // Unchanged fields are context, not changes.
    assert!(
        !details
            .lines()
            .map(str::trim_start)
            .any(|l| (l.starts_with('-') || l.starts_with('+')) && l.contains("Market Square")),
        "unchanged lines marked as changed:\n{details}"
    );
}

// ---------------------------------------------------------------------------------------------
// Captures and templating

#[test]
fn every_capture_kind_feeds_later_requests() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: from text
            url: <<base_url>>/text
            capture:
              number: { regex: '"number":"(\d+)"' }
              order: { regex: 'orders/(\d+)', from: header Location }
              code: { status: true }
              etag: { header: ETag }
          - name: from json
            url: <<base_url>>/echo?who=alice&n=7
            capture:
              who: $.args.who
              method: { json: $.method }
          - name: use them
            method: POST
            url: <<base_url>>/echo
            json:
              number: <<number>>
              order: <<order>>
              code: <<code>>
              etag: <<etag>>
              who: <<who>>
              method: <<method>>
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("3 passed, 0 failed");
    let sent = server.last("/echo").json();
    assert_eq!(sent["number"], "10042");
    assert_eq!(sent["order"], "77");
    assert!(
        sent["code"] == json!(200) || sent["code"] == json!("200"),
        "{sent}"
    );
    assert_eq!(sent["etag"], r#"W/"text-1""#);
    assert_eq!(sent["who"], "alice");
    assert_eq!(sent["method"], "GET");
}

#[test]
fn capture_that_finds_nothing_fails_the_request_and_names_the_capture() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: no json node
            url: <<base_url>>/big-json
            capture:
              ghost_field: $.order.ghost
          - name: no header
            url: <<base_url>>/text
            capture:
              ghost_header: { header: X-Not-There }
          - name: no regex match
            url: <<base_url>>/text
            capture:
              ghost_match: { regex: 'invoice (\d+)' }
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("0 passed, 3 failed");
    out.expect_request("✘", "no json node", &["200"])
        .expect_details("no json node", &["ghost_field"])
        .expect_details("no header", &["ghost_header"])
        .expect_details("no regex match", &["ghost_match"]);
}

#[test]
fn json_body_keeps_the_type_of_a_lone_template() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        vars:
          qty: 3
          rush: true
          price: 9.5
          thing: { a: 1, b: [x, y] }
        requests:
          - name: typed
            method: POST
            url: <<base_url>>/echo
            json:
              quantity: <<qty>>
              spaced: "<< qty >>"
              rush: <<rush>>
              price: <<price>>
              thing: <<thing>>
              label: qty=<<qty>>
              list: [<<qty>>, "<<qty>>x"]
            assert:
              json:
                $.json.quantity: { eq: 3, type: number }
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let echo = server.last("/echo");
    let content_type = echo.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let sent = echo.json();
    assert_eq!(sent["quantity"], json!(3));
    assert_eq!(sent["spaced"], json!(3));
    assert_eq!(sent["rush"], json!(true));
    assert_eq!(sent["price"], json!(9.5));
    assert_eq!(sent["thing"], json!({"a": 1, "b": ["x", "y"]}));
    assert_eq!(sent["label"], json!("qty=3"));
    assert_eq!(sent["list"], json!([3, "3x"]));
}

#[test]
fn variables_collection_then_environment_then_cli_then_captures() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "c.yaml",
            "
            vars:
              a: coll-a
              b: coll-b
              c: coll-c
              d: coll-d
            requests:
              - name: capture d
                url: <<base_url>>/echo?v=captured-d&before=<<d>>
                capture:
                  d: $.args.v
              - name: show
                method: POST
                url: <<base_url>>/echo
                json: { a: <<a>>, b: <<b>>, c: <<c>>, d: <<d>> }
            ",
        )
        .file(
            "environments/dev.yaml",
            "
            b: env-b
            c: env-c
            d: env-d
            ",
        );
    let out = project
        .runner([
            "run",
            "c.yaml",
            "-e",
            "dev",
            "--var",
            &server.var(),
            "--var",
            "c=cli-c",
            "--var",
            "d=cli-d",
        ])
        .run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    let echoes = server.received("/echo");
    assert_eq!(echoes.len(), 2);
    assert_eq!(echoes[0].args()["before"], "cli-d");
    assert_eq!(
        echoes[1].json(),
        json!({"a": "coll-a", "b": "env-b", "c": "cli-c", "d": "captured-d"})
    );
}

#[test]
fn query_map_is_appended_percent_encoded() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: query
            url: <<base_url>>/echo?keep=1
            query: { $top: 5, $filter: "displayName eq 'A&B'", q: a b/c }
        "#,
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let echo = server.last("/echo");
    assert!(!echo.query.contains(' '), "raw query: {}", echo.query);
    let args = echo.args();
    assert_eq!(args.len(), 4, "raw query: {}", echo.query);
    assert_eq!(args["keep"], "1");
    assert_eq!(args["$top"], "5");
    assert_eq!(args["$filter"], "displayName eq 'A&B'");
    assert_eq!(args["q"], "a b/c");
}

#[test]
fn template_functions_and_filters() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        vars:
          Tenant: contoso
        requests:
          - name: functions
            method: POST
            url: <<base_url>>/echo
            json:
              from_env: <<env("RUNNER_TEST_VALUE")>>
              with_default: <<env("RUNNER_TEST_SURELY_UNSET_VAR", "fallback-9")>>
              id: <<uuid()>>
              b64: <<"user:pass" | base64_encode>>
              decoded: <<"aGVsbG8=" | base64_decode>>
              encoded: <<"a b&c" | urlencode>>
              tenant: <<Tenant | upper>>
              now: <<now()>>
              ts: <<timestamp()>>
        "#,
    );
    let mut cmd = project.runner(["run", "c.yaml", "--var", &server.var()]);
    cmd.env("RUNNER_TEST_VALUE", "value-from-process")
        .env_remove("RUNNER_TEST_SURELY_UNSET_VAR");
    let out = cmd.run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let sent = server.last("/echo").json();
    assert_eq!(sent["from_env"], "value-from-process");
    assert_eq!(sent["with_default"], "fallback-9");
    let id = sent["id"].as_str().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "uuid(): {id:?}");
    assert_eq!(sent["b64"], "dXNlcjpwYXNz");
    assert_eq!(sent["decoded"], "hello");
    assert_eq!(sent["encoded"], "a%20b%26c");
    assert_eq!(sent["tenant"], "CONTOSO");
    let now = sent["now"].as_str().unwrap_or_default();
    assert!(
        now.len() >= 20 && now.contains('T') && (now.ends_with('Z') || now.ends_with("+00:00")),
        "now(): {now:?}"
    );
    let system_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let ts = sent["ts"]
        .as_f64()
        .unwrap_or_else(|| panic!("timestamp() is a number: {sent}"));
    assert!((ts - system_now).abs() < 600.0, "timestamp(): {ts}");
}

#[test]
fn env_function_without_default_fails_when_unset() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        r#"
        requests:
          - name: needs env
            url: <<base_url>>/echo
            headers:
              X-Secret: <<env("RUNNER_TEST_SURELY_UNSET_VAR")>>
        "#,
    );
    let mut cmd = project.runner(["run", "c.yaml", "--var", &server.var()]);
    let out = cmd.env_remove("RUNNER_TEST_SURELY_UNSET_VAR").run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    out.expect_request("✘", "needs env", &[])
        .expect_details("needs env", &["RUNNER_TEST_SURELY_UNSET_VAR"]);
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn undefined_variable_fails_the_request_naming_variable_and_field() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: uses missing
            url: <<base_url>>/echo?x=<<nonexistent_var>>
          - name: fine
            url: <<base_url>>/status/200
        ",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("1 passed, 1 failed");
    out.expect_request("✘", "uses missing", &[])
        .expect_details("uses missing", &["nonexistent_var", "url"]);
    assert_eq!(
        server.hits("/echo"),
        0,
        "nothing sent with an undefined variable"
    );
    assert_eq!(server.hits("/status/200"), 1);
}

// ---------------------------------------------------------------------------------------------
// Environments

const ENV_COLLECTION: &str = "
    requests:
      - name: greet
        url: <<base_url>>/echo?greeting=<<greeting>>
";

fn env_file(server: &TestServer, greeting: &str) -> String {
    format!("base_url: {}\ngreeting: {greeting}\n", server.base_url())
}

fn greeting_sent(server: &TestServer) -> String {
    server.last("/echo").args()["greeting"].clone()
}

#[test]
fn environment_found_in_current_directory() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("c.yaml", ENV_COLLECTION)
        .file("environments/local.yaml", &env_file(&server, "from-cwd"))
        .file("environments/other.yml", &env_file(&server, "from-yml"));
    let out = project.runner(["run", "c.yaml", "-e", "local"]).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(greeting_sent(&server), "from-cwd");

    let out = project.runner(["run", "c.yaml", "-e", "other"]).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(greeting_sent(&server), "from-yml");
}

#[test]
fn environment_found_next_to_the_collection() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("api/c.yaml", ENV_COLLECTION).file(
        "api/environments/staging.yaml",
        &env_file(&server, "from-collection-folder"),
    );
    let out = project.runner(["run", "api/c.yaml", "-e", "staging"]).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(greeting_sent(&server), "from-collection-folder");
}

#[test]
fn environment_found_in_the_collection_folders_parent() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("repo/collections/c.yaml", ENV_COLLECTION)
        .file(
            "repo/environments/staging.yaml",
            &env_file(&server, "from-parent"),
        );
    let out = project
        .runner(["run", "../repo/collections/c.yaml", "-e", "staging"])
        .in_dir("elsewhere")
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(greeting_sent(&server), "from-parent");
}

#[test]
fn environment_given_as_a_file_path() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("c.yaml", ENV_COLLECTION)
        .file("conf/dev-vars.yaml", &env_file(&server, "from-path"))
        .file("environments/conf.yaml", &env_file(&server, "wrong-one"));
    let out = project
        .runner(["run", "c.yaml", "-e", "conf/dev-vars.yaml"])
        .run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    assert_eq!(greeting_sent(&server), "from-path");
}

#[test]
fn unknown_environment_lists_where_it_looked_and_what_exists() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file("api/c.yaml", ENV_COLLECTION)
        .file("environments/local.yaml", &env_file(&server, "x"))
        .file("api/environments/staging.yml", &env_file(&server, "y"));
    let out = project.runner(["run", "api/c.yaml", "-e", "nope"]).run();
    out.expect_code(2);
    for needle in ["nope", "environments", "local", "staging"] {
        assert!(
            out.stderr.contains(needle),
            "stderr lacks {needle:?}\n{out}"
        );
    }
    assert!(
        out.stderr.contains("environments/nope.yaml")
            || out.stderr.contains("environments/nope.yml"),
        "where it looked\n{out}"
    );
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn invalid_environment_file_is_reported_with_its_position() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", ENV_COLLECTION).file(
        "environments/bad.yaml",
        "
            greeting: hi
            Tenant: a: b
            ",
    );
    let out = project
        .runner(["run", "c.yaml", "-e", "bad", "--var", &server.var()])
        .run();
    expect_load_error(&out, &project, "environments/bad.yaml", 2, "Tenant: a: b");
    assert_eq!(server.total_hits(), 0);
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, `FILE:LINE:COL: message` plus the source line, nothing sent

/// Asserts exit 2 and that stderr holds `FILE:LINE:COL` and the source line, which must
/// contain `marker` (a check on the test's own line counting).
fn expect_load_error(out: &Outcome, project: &Project, file: &str, line: usize, marker: &str) {
    out.expect_code(2);
    let source = project.read(file);
    let source_line = source.lines().nth(line - 1).unwrap_or_default();
    assert!(
        source_line.contains(marker),
        "test bug: line {line} of {file} is {source_line:?}"
    );
    let prefix = format!("{file}:{line}:");
    let located = out
        .stderr
        .match_indices(&prefix)
        .any(|(at, _)| out.stderr[at + prefix.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(located, "stderr lacks {prefix}COL\n{out}");
    assert!(
        out.stderr.contains(source_line.trim()),
        "stderr lacks the source line {:?}\n{out}",
        source_line.trim()
    );
}

/// A valid first request, so "nothing sent" shows the whole file was checked before running.
const FIRST_OK: &str = "
    requests:
      - name: first
        url: <<base_url>>/status/200
";

fn bad_input(rest: &str) -> (TestServer, Project, Outcome) {
    let server = TestServer::start();
    let project = Project::new();
    // The rest continues the `requests:` list, so indent it like the first request.
    let rest: String = support::dedent(rest)
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect();
    project.file("c.yaml", &format!("{}{rest}", support::dedent(FIRST_OK)));
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    (server, project, out)
}

fn expect_nothing_sent(server: &TestServer, out: &Outcome) {
    assert_eq!(server.total_hits(), 0, "requests were sent\n{out}");
}

#[test]
fn yaml_syntax_error() {
    let (server, project, out) = bad_input(
        "
          - name: second
            method: GET: POST
            url: <<base_url>>/status/200
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 5, "method: GET: POST");
    expect_nothing_sent(&server, &out);
}

#[test]
fn unknown_field_with_did_you_mean() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/status/200
            hedaers:
              Accept: application/json
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 6, "hedaers:");
    assert!(out.stderr.contains("hedaers"), "{out}");
    assert!(out.stderr.to_lowercase().contains("did you mean"), "{out}");
    assert!(contains_word(&out.stderr, "headers"), "the hint\n{out}");
    expect_nothing_sent(&server, &out);
}

#[test]
fn request_without_url() {
    let (server, project, out) = bad_input(
        "
          - name: second
            method: POST
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 4, "name: second");
    assert!(out.stderr.contains("url"), "{out}");
    expect_nothing_sent(&server, &out);
}

#[test]
fn request_with_two_bodies() {
    let (server, project, out) = bad_input(
        "
          - name: second
            method: POST
            url: <<base_url>>/echo
            json: { a: 1 }
            form: { a: 1 }
        ",
    );
    // Either body's line is a fair place to point at.
    let at_json = out.stderr.contains("c.yaml:7:");
    let line = if at_json { 7 } else { 8 };
    expect_load_error(
        &out,
        &project,
        "c.yaml",
        line,
        if at_json { "json:" } else { "form:" },
    );
    assert!(
        out.stderr.contains("json") && out.stderr.contains("form"),
        "{out}"
    );
    expect_nothing_sent(&server, &out);
}

#[test]
fn duplicate_request_names() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/status/200
          - name: second
            url: <<base_url>>/status/201
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 6, "name: second");
    let lower = out.stderr.to_lowercase();
    assert!(
        lower.contains("duplicate") || lower.contains("already"),
        "{out}"
    );
    expect_nothing_sent(&server, &out);
}

#[test]
fn template_that_does_not_parse() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/echo
            headers:
              X-Broken: << foo( >>
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 7, "X-Broken");
    expect_nothing_sent(&server, &out);
}

#[test]
fn invalid_jsonpath() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/big-json
            assert:
              json:
                '$.order[': 1
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 8, "$.order[");
    expect_nothing_sent(&server, &out);
}

#[test]
fn invalid_capture_jsonpath() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/big-json
            capture:
              broken: $.order..
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 7, "broken:");
    expect_nothing_sent(&server, &out);
}

#[test]
fn invalid_regex() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/text
            assert:
              body: { matches: '(unclosed' }
        ",
    );
    expect_load_error(&out, &project, "c.yaml", 7, "(unclosed");
    expect_nothing_sent(&server, &out);
}

#[test]
fn several_errors_are_reported_together() {
    let (server, project, out) = bad_input(
        "
          - name: second
            url: <<base_url>>/status/200
            hedaers: { Accept: text/plain }
          - name: third
            method: POST
          - name: fourth
            url: <<base_url>>/text
            capture:
              n: { regex: '(unclosed' }
        ",
    );
    out.expect_code(2);
    let source = project.read("c.yaml");
    for (line, marker) in [(6, "hedaers"), (7, "name: third"), (12, "(unclosed")] {
        assert!(
            source.lines().nth(line - 1).unwrap().contains(marker),
            "test bug"
        );
        assert!(
            out.stderr.contains(&format!("c.yaml:{line}:")),
            "stderr lacks line {line}\n{out}"
        );
    }
    expect_nothing_sent(&server, &out);
}

#[test]
fn missing_collection_file_and_bad_usage_exit_2() {
    let project = Project::new();
    let out = project.runner(["run", "nothere.yaml"]).run();
    out.expect_code(2);
    assert!(out.stderr.contains("nothere.yaml"), "{out}");

    project.file("c.yaml", FIRST_OK);
    let out = project.runner(["run", "c.yaml", "--no-such-flag"]).run();
    out.expect_code(2);
    let out = project
        .runner(["run", "c.yaml", "--var", "no-equals-sign"])
        .run();
    out.expect_code(2);
    assert!(out.stderr.contains("no-equals-sign"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Running: connection failures, --bail, -v, colour

#[test]
fn connection_refused_is_a_one_line_request_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: nobody home
            url: <<base_url>>/status/200
        ",
    );
    let base = format!("base_url=http://127.0.0.1:{port}");
    let out = project.runner(["run", "c.yaml", "--var", &base]).run();
    out.expect_code(1).expect_summary("0 passed, 1 failed");
    out.expect_request("✘", "nobody home", &["GET"]);
    let details = out.details("nobody home");
    let cause: Vec<&str> = details.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(cause.len(), 1, "one line of cause:\n{details}\n---\n{out}");
    let lower = cause[0].to_lowercase();
    assert!(
        lower.contains("refused") || lower.contains("connect"),
        "{out}"
    );
}

const BAIL_COLLECTION: &str = "
    requests:
      - name: first
        url: <<base_url>>/status/200
        assert: { status: 200 }
      - name: second
        url: <<base_url>>/status/500
        assert: { status: 200 }
      - name: third
        url: <<base_url>>/status/201
        assert: { status: 201 }
";

#[test]
fn bail_stops_at_the_first_failure_and_counts_skipped() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", BAIL_COLLECTION);
    let out = project
        .runner(["run", "c.yaml", "--bail", "--var", &server.var()])
        .run();
    out.expect_code(1)
        .expect_summary("1 passed, 1 failed, 1 skipped");
    out.expect_request("✔", "first", &[])
        .expect_request("✘", "second", &["500"])
        .expect_request("-", "third", &[]);
    assert_eq!(server.hits("/status/201"), 0);
}

#[test]
fn without_bail_the_run_continues_after_a_failure() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", BAIL_COLLECTION);
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(1).expect_summary("2 passed, 1 failed");
    out.expect_request("✔", "third", &["201"]);
    assert_eq!(server.hits("/status/201"), 1);
}

#[test]
fn verbose_prints_request_and_response_headers() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: traced
            url: <<base_url>>/text
            headers:
              X-Trace-Id: trace-abc-123
        ",
    );
    let quiet = project.runner(["run", "c.yaml"]).server(&server).run();
    quiet.expect_code(0);
    assert!(
        !quiet.all().contains("hello-from-test"),
        "headers without -v\n{quiet}"
    );

    for flag in ["-v", "--verbose"] {
        let out = project
            .runner(["run", "c.yaml", flag, "--var", &server.var()])
            .run();
        out.expect_code(0).expect_summary("1 passed, 0 failed");
        let all = out.all().to_lowercase();
        for needle in [
            "x-trace-id",
            "trace-abc-123",
            "x-server-note",
            "hello-from-test",
            "10042",
        ] {
            assert!(
                all.contains(needle),
                "{flag} output lacks {needle:?}\n{out}"
            );
        }
    }
}

#[test]
fn no_color_codes_when_output_is_not_a_terminal() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", BAIL_COLLECTION);
    for extra in [None, Some("--no-color")] {
        let mut cmd = project.runner(["run", "c.yaml", "--var", &server.var()]);
        cmd.env_remove("NO_COLOR").args(extra);
        let out = cmd.run();
        out.expect_code(1).expect_summary("2 passed, 1 failed");
        assert!(
            !out.all().contains('\u{1b}'),
            "escape codes in piped output ({extra:?})\n{out}"
        );
    }
}

#[test]
fn colour_when_forced_and_never_with_no_color() {
    let server = TestServer::start();
    let project = Project::new();
    project.file("c.yaml", BAIL_COLLECTION);
    let mut forced = project.runner(["run", "c.yaml", "--var", &server.var()]);
    forced.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
    let out = forced.run();
    out.expect_code(1);
    // the failure mark in bold red, the passed ones in bold green
    assert!(out.stdout.contains("\u{1b}[1m\u{1b}[31m✘"), "{out}");
    assert!(out.stdout.contains("\u{1b}[1m\u{1b}[32m✔"), "{out}");
    let mut refused = project.runner(["run", "c.yaml", "--var", &server.var(), "--no-color"]);
    refused.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
    let out = refused.run();
    assert!(!out.all().contains('\u{1b}'), "{out}");
}

/// Keeps the shared constants honest: the server's etag is the one tests capture.
#[test]
fn customers_route_sends_the_documented_etag() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "
            requests:
              - name: customers
                url: <<base_url>>{BC_BASE}/companies({CRONUS_ID})/customers
                headers: {{ Authorization: Bearer tok-x }}
                capture:
                  etag: {{ header: etag }}
              - name: echo etag
                url: <<base_url>>/echo
                headers: {{ If-Match: <<etag>> }}
            "
        ),
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("2 passed, 0 failed");
    assert_eq!(server.last("/echo").header("if-match"), Some(CUSTOMER_ETAG));
}

// ---------------------------------------------------------------------------------------------
// More of the format: bodies, template syntax, timeouts, odd input

#[test]
fn multipart_file_part_is_read_relative_to_the_collection() {
    let server = TestServer::start();
    let project = Project::new();
    project
        .file(
            "api/c.yaml",
            "
            requests:
              - name: upload
                method: POST
                url: <<base_url>>/echo
                multipart:
                  kind: note
                  note: { file: data/note.txt }
                assert:
                  json:
                    $.form.note: { starts_with: hello file }
            ",
        )
        .file("api/data/note.txt", "hello file");
    let out = project.runner(["run", "api/c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let echo = server.last("/echo");
    assert!(
        echo.body.contains(r#"filename="note.txt""#),
        "{}",
        echo.body
    );
    let form = echo.form();
    assert_eq!(form["kind"], "note");
    assert_eq!(form["note"], "hello file\n");
}

#[test]
fn raw_body_is_sent_as_written_with_the_users_content_type() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        vars:
          n: 42
        requests:
          - name: raw
            method: PUT
            url: <<base_url>>/echo
            headers:
              Content-Type: application/xml
            body: '<order n=\"<<n>>\"/>'
        ",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    out.expect_request("✔", "raw", &["PUT", "200"]);
    let echo = server.last("/echo");
    assert_eq!(echo.method, "PUT");
    assert_eq!(echo.body, r#"<order n="42"/>"#);
    assert_eq!(echo.header("content-type"), Some("application/xml"));
}

#[test]
fn template_blocks_and_comments_use_angle_delimiters() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        vars:
          rush: true
          items: [a, b, c]
        requests:
          - name: blocks
            url: <<base_url>>/echo
            query:
              mode: '<% if rush %>fast<% else %>slow<% endif %><# not sent #>'
              all: <% for i in items %><<i>><% endfor %>
        ",
    );
    let out = project.runner(["run", "c.yaml"]).server(&server).run();
    out.expect_code(0).expect_summary("1 passed, 0 failed");
    let args = server.last("/echo").args();
    assert_eq!(args["mode"], "fast");
    assert_eq!(args["all"], "abc");
}

#[test]
fn timeout_is_a_one_line_request_failure() {
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: too slow
            url: <<base_url>>/slow/5000
          - name: after
            url: <<base_url>>/status/200
        ",
    );
    let started = std::time::Instant::now();
    let cmd = project.runner([
        "run",
        "c.yaml",
        "--timeout",
        "300ms",
        "--var",
        &server.var(),
    ]);
    let out = cmd.run();
    let elapsed = started.elapsed();
    out.expect_code(1).expect_summary("1 passed, 1 failed");
    out.expect_request("✘", "too slow", &["GET"]);
    let details = out.details("too slow");
    let lines: Vec<&str> = details.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line of cause:\n{details}\n---\n{out}");
    assert!(lines[0].to_lowercase().contains("time"), "{out}");
    assert!(
        elapsed < std::time::Duration::from_secs(4),
        "the 300ms timeout was not applied: {elapsed:?}"
    );
}

#[test]
fn odd_input_is_rejected_without_panicking() {
    let cases = [
        ("top-level list", "- just\n- a list\n"),
        ("requests not a list", "requests: 5\n"),
        ("request not a map", "requests:\n  - 5\n"),
        (
            "name not a string",
            "requests:\n  - { name: [1, 2], url: x }\n",
        ),
        (
            "unknown capture kind",
            "requests:\n  - { name: a, url: x, capture: { t: { jsno: $.x } } }\n",
        ),
        ("control characters", "requests:\n  - name: \u{1}\u{2}: [\n"),
    ];
    for (what, yaml) in cases {
        let project = Project::new();
        project.file("c.yaml", yaml);
        let out = project.runner(["run", "c.yaml"]).run();
        assert_eq!(out.code, Some(2), "{what}: exit code\n{out}");
        assert!(!out.stderr.contains("panicked"), "{what}: panic\n{out}");
        assert!(out.stderr.contains("c.yaml:"), "{what}: no position\n{out}");
    }
}
