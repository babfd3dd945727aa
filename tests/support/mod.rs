//! Test support shared by the integration tests: an in-process HTTP server on 127.0.0.1 that
//! plays the Azure AD token endpoint and a small Business Central API (behaviour taken from
//! BC-API.md), and a temporary project directory that runs the real `runner` binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The client secret the token endpoint accepts; any other value gets AADSTS7000215.
pub const CLIENT_SECRET: &str = "s3cret";
/// Id of the first company, "CRONUS USA, Inc.".
pub const CRONUS_ID: &str = "2f9c8e6a-5d3b-4c1e-9a7f-0b1c2d3e4f50";
/// Id of the second company, "My Company".
pub const MY_COMPANY_ID: &str = "7e4d1a2b-8c9f-4e3d-a6b5-1c2d3e4f5a60";
/// Weak etag of the first CRONUS customer (real BC shape: base64 of `'<len>;<rowversion>;00;'`).
pub const CUSTOMER_ETAG: &str = r#"W/"JzIwOzEyMjU1NzUwNjQ3MjkxMTQ0Mjg5MTswMDsn""#;
/// Body of `GET /text`.
pub const TEXT_BODY: &str = r#"order "number":"10042" ok"#;

/// The access token the server issues to `client_id` (and expects back as a Bearer token).
pub fn token_for(client_id: &str) -> String {
    format!("tok-{client_id}")
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`; empty when there was none.
    pub query: String,
    /// Header names in lowercase; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The body parsed as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body of {} is not JSON ({e}): {}", self.path, self.body))
    }

    /// The query string decoded into name → value (last one wins).
    pub fn args(&self) -> BTreeMap<String, String> {
        parse_urlencoded(&self.query)
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// An HTTP server on 127.0.0.1 with an ephemeral port, run on its own thread and tokio runtime.
/// It records every request it receives and shuts down gracefully when dropped.
pub struct TestServer {
    addr: SocketAddr,
    log: Log,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let log = Log::default();
        let app = router(log.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop.await;
                    })
                    .await
                    .expect("test server");
            });
        });
        TestServer {
            addr,
            log,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url=http://127.0.0.1:PORT`, ready for `--var`.
    pub fn var(&self) -> String {
        format!("base_url={}", self.base_url())
    }

    /// How many requests arrived for exactly this path (query not included).
    pub fn hits(&self, path: &str) -> usize {
        self.received(path).len()
    }

    /// How many requests arrived at all.
    pub fn total_hits(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// The requests received for this path, oldest first.
    pub fn received(&self, path: &str) -> Vec<Recorded> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// The last request received for this path; panics (listing what did arrive) if none.
    pub fn last(&self, path: &str) -> Recorded {
        self.received(path).pop().unwrap_or_else(|| {
            let log = self.log.lock().unwrap();
            let seen: Vec<_> = log
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            panic!("no request for {path}; received: {seen:?}")
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Graceful shutdown waits for open connections; wait a bounded time, then let the
        // thread go rather than hang the test.
        if let Some(thread) = self.thread.take() {
            for _ in 0..100 {
                if thread.is_finished() {
                    let _ = thread.join();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

fn router(log: Log) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/strict/{tenant}/oauth2/v2.0/token", post(strict_token))
        .route("/v2.0/{tenant}/{env}/api/v2.0/{entity}", get(bc_entity))
        .route(
            "/v2.0/{tenant}/{env}/api/v2.0/{company}/customers",
            get(bc_customers),
        )
        .route("/echo", any(echo))
        .route("/text", get(text))
        .route("/status/{code}", get(status))
        .route("/slow/{ms}", get(slow))
        .route("/big-json", get(big_json_route))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such test route") })
        .layer(middleware::from_fn_with_state(log, record))
}

/// Records the request (buffering its body) before handing it on.
async fn record(State(log): State<Log>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    log.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

// ---------------------------------------------------------------------------------------------
// Azure AD v2 token endpoint (client credentials)

async fn token(UrlPath(tenant): UrlPath<String>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&headers, &body, true).unwrap_or_default();
    token_response(&tenant, &fields)
}

/// Like the real endpoint is documented to be: multipart bodies are read as empty.
async fn strict_token(
    UrlPath(tenant): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&headers, &body, false).unwrap_or_default();
    token_response(&tenant, &fields)
}

fn token_response(tenant: &str, fields: &BTreeMap<String, String>) -> Response {
    let field = |name: &str| fields.get(name).map(String::as_str);
    let missing = |name: &str| {
        let msg = format!("The request body must contain the following parameter: '{name}'.");
        aad_error(StatusCode::BAD_REQUEST, "invalid_request", 900144, &msg)
    };
    let Some(grant_type) = field("grant_type") else {
        return missing("grant_type");
    };
    if grant_type != "client_credentials" {
        let msg = "The app requested an unsupported grant type.";
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            msg,
        );
    }
    let Some(client_id) = field("client_id") else {
        return missing("client_id");
    };
    match field("client_secret") {
        None => {
            let msg = "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
            return aad_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, msg);
        }
        Some(secret) if secret != CLIENT_SECRET => {
            let msg = format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            );
            return aad_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, &msg);
        }
        Some(_) => {}
    }
    let Some(scope) = field("scope") else {
        let msg = "The required field 'scope' is missing from the credential.";
        return aad_error(StatusCode::BAD_REQUEST, "invalid_request", 90014, msg);
    };
    if !scope.ends_with("/.default") {
        let msg = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        );
        return aad_error(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, &msg);
    }
    let _ = tenant;
    let body = json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": token_for(client_id),
    });
    aad_json(StatusCode::OK, &body)
}

fn aad_error(status: StatusCode, error: &str, code: u32, message: &str) -> Response {
    let trace_id = "255d1aef-8c98-452f-ac51-23d051240864";
    let correlation_id = "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7";
    let timestamp = "2024-05-01 08:00:00Z";
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    aad_json(status, &body)
}

fn aad_json(status: StatusCode, body: &Value) -> Response {
    let mut response = json_response(status, body, "application/json; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

// ---------------------------------------------------------------------------------------------
// Business Central API v2.0

const ODATA_JSON: &str = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

fn companies() -> Vec<Value> {
    let company = |id: &str, name: &str, timestamp: u64| {
        json!({
            "id": id,
            "systemVersion": "24.0.16410.18056",
            "timestamp": timestamp,
            "name": name,
            "displayName": name,
            "businessProfileId": "",
            "systemCreatedAt": "2024-01-10T09:12:44.837Z",
            "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
            "systemModifiedAt": "2024-01-10T09:12:44.837Z",
            "systemModifiedBy": "00000000-0000-0000-0000-000000000001",
        })
    };
    vec![
        company(CRONUS_ID, "CRONUS USA, Inc.", 35042),
        company(MY_COMPANY_ID, "My Company", 35043),
    ]
}

fn customers(company_id: &str) -> Option<Vec<Value>> {
    let customer = |etag: &str, id: &str, number: &str, name: &str, city: &str, state: &str| {
        json!({
            "@odata.etag": etag,
            "id": id,
            "number": number,
            "displayName": name,
            "type": "Company",
            "addressLine1": "192 Market Square",
            "addressLine2": "",
            "city": city,
            "state": state,
            "country": "US",
            "postalCode": "31772",
            "phoneNumber": "",
            "email": "",
            "website": "",
            "salespersonCode": "PS",
            "balanceDue": 0,
            "creditLimit": 0,
            "taxLiable": true,
            "blocked": "_x0020_",
            "lastModifiedDateTime": "2020-08-21T07:38:44.293Z",
        })
    };
    if company_id == CRONUS_ID {
        Some(vec![
            customer(
                CUSTOMER_ETAG,
                "5f8a1c3e-0001-4b2d-9e7a-6c5d4e3f2a10",
                "10000",
                "Adatum Corporation",
                "Atlanta",
                "GA",
            ),
            customer(
                r#"W/"JzIwOzE3NDA4NjQ1NzMyNjIyMzA5MDkxOzAwOyc=""#,
                "5f8a1c3e-0002-4b2d-9e7a-6c5d4e3f2a10",
                "20000",
                "Trey Research",
                "Chicago",
                "IL",
            ),
        ])
    } else if company_id == MY_COMPANY_ID {
        Some(vec![])
    } else {
        None
    }
}

/// `…/companies` (list, honours `$top`) and `…/companies({id})` (one entity).
async fn bc_entity(
    UrlPath((tenant, env, entity)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Err(denied) = check_bearer(&tenant, &headers) {
        return denied;
    }
    let base = bc_base(&headers, &tenant, &env);
    if entity == "companies" {
        let args = parse_urlencoded(uri.query().unwrap_or(""));
        let mut value = companies();
        if let Some(top) = args.get("$top") {
            let Ok(top) = top.parse::<usize>() else {
                let msg = format!("Invalid value for $top: '{top}'.");
                return bc_error(StatusCode::BAD_REQUEST, "BadRequest", &msg);
            };
            value.truncate(top);
        }
        let body = json!({"@odata.context": format!("{base}/$metadata#companies"), "value": value});
        return json_response(StatusCode::OK, &body, ODATA_JSON);
    }
    let found = company_key(&entity).and_then(|id| companies().into_iter().find(|c| c["id"] == id));
    match found {
        Some(mut company) => {
            company["@odata.context"] = json!(format!("{base}/$metadata#companies/$entity"));
            json_response(StatusCode::OK, &company, ODATA_JSON)
        }
        None => not_found(uri.path()),
    }
}

/// `…/companies({id})/customers`: the list, with `@odata.etag` per entity and an `ETag` header.
async fn bc_customers(
    UrlPath((tenant, env, company)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Err(denied) = check_bearer(&tenant, &headers) {
        return denied;
    }
    let Some(id) = company_key(&company) else {
        return not_found(uri.path());
    };
    let Some(value) = customers(id) else {
        return not_found(uri.path());
    };
    let base = bc_base(&headers, &tenant, &env);
    let body = json!({
        "@odata.context": format!("{base}/$metadata#companies({id})/customers"),
        "value": value,
    });
    let mut response = json_response(StatusCode::OK, &body, ODATA_JSON);
    let etag = value
        .first()
        .and_then(|c| c["@odata.etag"].as_str())
        .unwrap_or(CUSTOMER_ETAG);
    response.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(etag).expect("etag header"),
    );
    response
}

/// `companies(ID)` → `ID`.
fn company_key(segment: &str) -> Option<&str> {
    segment.strip_prefix("companies(")?.strip_suffix(')')
}

fn bc_base(headers: &HeaderMap, tenant: &str, env: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/v2.0/{tenant}/{env}/api/v2.0")
}

fn check_bearer(tenant: &str, headers: &HeaderMap) -> Result<(), Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if authorization
        .strip_prefix("Bearer tok-")
        .is_some_and(|rest| !rest.is_empty())
    {
        return Ok(());
    }
    let mut response = bc_error(
        StatusCode::UNAUTHORIZED,
        "Authentication_InvalidCredentials",
        "The server has rejected the client credentials.",
    );
    let challenge = format!(
        r#"Bearer authorization_uri="https://login.microsoftonline.com/{tenant}/oauth2/authorize", error="invalid_token", error_description="The access token is missing or invalid""#
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&challenge).expect("challenge header"),
    );
    Err(response)
}

fn not_found(path: &str) -> Response {
    let msg = format!("No HTTP resource was found that matches the request URI '{path}'.");
    bc_error(StatusCode::NOT_FOUND, "BadRequest_NotFound", &msg)
}

fn bc_error(status: StatusCode, code: &str, message: &str) -> Response {
    let message = format!("{message}  CorrelationId:  8c2f1e4d-3b5a-4c6d-9e8f-7a6b5c4d3e2f.");
    let body = json!({"error": {"code": code, "message": message}});
    json_response(status, &body, "application/json; charset=utf-8")
}

// ---------------------------------------------------------------------------------------------
// Utility routes

/// Echoes the request as JSON: method, path, raw query, decoded args, lowercase headers, body
/// text, the body parsed as JSON (or null) and as form/multipart fields (or null).
async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_ascii_lowercase(), Value::String(value));
    }
    let query = parts.uri.query().unwrap_or("");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": query,
        "args": parse_urlencoded(query),
        "headers": headers,
        "body": text,
        "json": serde_json::from_slice::<Value>(&bytes).ok(),
        "form": form_fields(&parts.headers, &bytes, true),
    });
    json_response(StatusCode::OK, &body, "application/json")
}

async fn text() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        TEXT_BODY,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/orders/77"));
    headers.insert(header::ETAG, HeaderValue::from_static(r#"W/"text-1""#));
    headers.insert("x-server-note", HeaderValue::from_static("hello-from-test"));
    response
}

async fn status(UrlPath(code): UrlPath<u16>) -> Response {
    match StatusCode::from_u16(code) {
        Ok(status) => json_response(status, &json!({"status": code}), "application/json"),
        Err(_) => (StatusCode::BAD_REQUEST, "not a status code").into_response(),
    }
}

async fn slow(UrlPath(ms): UrlPath<u64>) -> Response {
    tokio::time::sleep(Duration::from_millis(ms.min(10_000))).await;
    json_response(StatusCode::OK, &json!({"slept_ms": ms}), "application/json")
}

async fn big_json_route() -> Response {
    json_response(StatusCode::OK, &big_json(), "application/json")
}

/// The document served by `GET /big-json`: a sales order with a customer and twelve lines.
pub fn big_json() -> Value {
    let lines: Vec<Value> = (1..=12u32)
        .map(|i| {
            json!({
                "lineNo": i * 10000,
                "itemNumber": format!("1{i:03}-S"),
                "description": format!("Item {i}"),
                "quantity": i,
                "unitPrice": 10.5 * f64::from(i),
                "amount": 10.5 * f64::from(i * i),
            })
        })
        .collect();
    json!({
        "@odata.context": "http://127.0.0.1/api/v2.0/$metadata#salesOrders/$entity",
        "order": {
            "number": "10042",
            "status": "Open",
            "currency": "USD",
            "quantity": 5,
            "total": 1234.5,
            "paid": false,
            "notes": null,
            "tags": ["rush", "wholesale", "b2b"],
            "customer": {
                "number": "10000",
                "name": "Adatum Corporation",
                "address": {
                    "street": "192 Market Square",
                    "city": "Atlanta",
                    "state": "GA",
                    "postalCode": "31772",
                    "country": "US"
                },
                "email": "robert.townes@contoso.com",
                "phone": "+1 425 555 0100"
            },
            "lines": lines,
        },
        "audit": {
            "createdAt": "2024-05-01T08:00:00Z",
            "createdBy": "ADMIN",
            "history": [
                {"at": "2024-05-01T08:00:00Z", "event": "created"},
                {"at": "2024-05-01T09:30:00Z", "event": "released"}
            ]
        }
    })
}

fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Body parsing, by hand (axum's form/multipart features are not enabled)

/// Fields of an urlencoded or (if `multipart`) multipart/form-data body; None for other types.
fn form_fields(
    headers: &HeaderMap,
    body: &[u8],
    multipart: bool,
) -> Option<BTreeMap<String, String>> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = content_type.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            Some(parse_urlencoded(&String::from_utf8_lossy(body)))
        }
        "multipart/form-data" if multipart => {
            parse_multipart(body, &header_param(content_type, "boundary")?)
        }
        _ => None,
    }
}

/// `a=1&b=x+y%21` → {a: "1", b: "x y!"}.
pub fn parse_urlencoded(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex().is_some_and(|h| u8::from_str_radix(h, 16).is_ok()) => {
                out.push(u8::from_str_radix(hex().unwrap(), 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parts of a multipart/form-data body: name → content (for a file part, its content).
fn parse_multipart(body: &[u8], boundary: &str) -> Option<BTreeMap<String, String>> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut fields = BTreeMap::new();
    // The text before the first delimiter is preamble; `--` right after a delimiter ends it.
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            return Some(fields);
        }
        let part = part.strip_prefix("\r\n")?;
        let (head, content) = part.split_once("\r\n\r\n")?;
        let disposition = head.split("\r\n").find(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-disposition:")
        })?;
        let name = header_param(disposition, "name")?;
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        fields.insert(name, content.to_string());
    }
    None // no closing delimiter
}

/// The value of `name=` among the `;`-separated parameters of a header, unquoted.
fn header_param(header_value: &str, name: &str) -> Option<String> {
    header_value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

// ---------------------------------------------------------------------------------------------
// Projects and runs of the binary

/// A temporary project directory to write collections and environments into.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `rel_path` (creating folders), after `dedent`, so tests can indent
    /// YAML along with the code: line 1 of the file is the first line after the opening quote.
    pub fn file(&self, rel_path: &str, contents: &str) -> &Project {
        let path = self.dir.path().join(rel_path);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create folders");
        std::fs::write(&path, dedent(contents)).expect("write file");
        self
    }

    /// The text of a file written with `file`.
    pub fn read(&self, rel_path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel_path)).expect("read file")
    }

    /// `runner ARGS` with the project as current directory.
    pub fn runner<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.runner_in(".", args)
    }

    /// `runner ARGS` with `rel_dir` (inside the project) as current directory.
    pub fn runner_in<I, S>(&self, rel_dir: &str, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let dir: PathBuf = self.dir.path().join(rel_dir);
        std::fs::create_dir_all(&dir).expect("create current dir");
        let mut cmd = Command::cargo_bin("runner").expect("runner binary");
        cmd.current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("BC_CLIENT_SECRET")
            .timeout(Duration::from_secs(60));
        cmd
    }
}

/// Removes a leading empty line and the indentation common to all non-empty lines.
pub fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out: String = text
        .lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// What one run of the binary produced.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command to completion (bounded by the command's timeout).
pub fn run(cmd: &mut Command) -> Outcome {
    let output = cmd.output().expect("run runner");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const MARKS: [&str; 3] = ["✔", "✘", "-"];

impl Outcome {
    /// Panics, showing the whole output, unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Outcome {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        assert!(
            !self.stderr.contains("panicked"),
            "the runner panicked\n{self}"
        );
        self
    }

    /// The last line of stdout.
    pub fn summary(&self) -> &str {
        self.stdout
            .trim_end_matches(['\n', '\r'])
            .lines()
            .last()
            .unwrap_or("")
    }

    pub fn expect_summary(&self, summary: &str) -> &Outcome {
        assert_eq!(self.summary(), summary, "unexpected summary line\n{self}");
        self
    }

    /// stdout followed by stderr.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Index in stdout's lines of the line reporting the request `name`: it starts with a mark
    /// and holds the name as a whole word.
    fn request_index(&self, name: &str) -> Option<usize> {
        self.stdout.lines().position(|line| {
            let line = line.trim_start();
            MARKS.iter().any(|m| line.starts_with(m)) && contains_word(line, name)
        })
    }

    /// The line reporting the request `name`; panics if there is none.
    pub fn request_line(&self, name: &str) -> &str {
        let index = self
            .request_index(name)
            .unwrap_or_else(|| panic!("no line for request {name:?}\n{self}"));
        self.stdout.lines().nth(index).unwrap().trim_start()
    }

    /// Asserts the request's line carries `mark` and the other given words (method, status…).
    pub fn expect_request(&self, mark: &str, name: &str, words: &[&str]) -> &Outcome {
        let line = self.request_line(name);
        assert!(
            line.starts_with(mark),
            "request {name:?} should be marked {mark}: {line:?}\n{self}"
        );
        for word in words {
            assert!(
                line.contains(word),
                "line of {name:?} lacks {word:?}: {line:?}\n{self}"
            );
        }
        self
    }

    /// The lines indented below the request's line (its failure details), joined.
    pub fn details(&self, name: &str) -> String {
        let index = self
            .request_index(name)
            .unwrap_or_else(|| panic!("no line for request {name:?}\n{self}"));
        let lines: Vec<&str> = self.stdout.lines().collect();
        let indent = |l: &str| l.len() - l.trim_start().len();
        let own = indent(lines[index]);
        lines[index + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) > own)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts the details below request `name` contain each needle.
    pub fn expect_details(&self, name: &str, needles: &[&str]) -> &Outcome {
        let details = self.details(name);
        for needle in needles {
            assert!(
                details.contains(needle),
                "details of {name:?} lack {needle:?}:\n{details}\n---\n{self}"
            );
        }
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `needle` occurs in `line` preceded by start/space and not followed by a word character.
pub fn contains_word(line: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    line.match_indices(needle).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + needle.len()..].chars().next();
        before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c))
    })
}
