//! The test server: binds 127.0.0.1:0, serves on its own thread and tokio runtime, records
//! every request it receives, stops on drop. Also the utility routes (echo, text, status, …).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::forms::{content_type, form_fields, parse_urlencoded};
use super::microsoft::{Issuer, bc_customers, bc_entity, strict_token, token};
use super::regression::RegressionApi;

/// Body of `GET /text`.
pub const TEXT_BODY: &str = r#"order "number":"10042" ok"#;

/// The session token `GET /session` hands out (long, with characters encodings change).
pub const SESSION_TOKEN: &str = r#"sess+9f/8e@7d!6c"b\x"#;

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
    /// When the server received it (the server's clock, for measuring waits between requests).
    pub at: Instant,
    /// The status the server answered with (0 while the answer is not complete).
    pub status: u16,
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

    /// The urlencoded or multipart/form-data body's fields; panics for other bodies.
    pub fn form(&self) -> BTreeMap<String, String> {
        let content_type = self.header("content-type").unwrap_or_default();
        form_fields(content_type, self.body.as_bytes(), true)
            .unwrap_or_else(|| panic!("not a form body ({content_type}): {}", self.body))
    }

    /// The query string decoded into name → value (last one wins).
    pub fn args(&self) -> BTreeMap<String, String> {
        parse_urlencoded(&self.query)
    }
}

/// The requests received, with a condition variable signalled on every arrival and answer so
/// tests can wait for one instead of sleeping.
#[derive(Default)]
struct Received {
    requests: Mutex<Vec<Recorded>>,
    changed: Condvar,
}

type Log = Arc<Received>;

/// An HTTP server on 127.0.0.1 with an ephemeral port, run on its own thread and tokio runtime.
/// It records every request it receives and shuts down gracefully when dropped.
pub struct TestServer {
    addr: SocketAddr,
    log: Log,
    issuer: Arc<Issuer>,
    regression: Arc<RegressionApi>,
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
        let issuer = Arc::new(Issuer::default());
        let regression = Arc::new(RegressionApi::default());
        let app = router(log.clone(), issuer.clone(), regression.clone());
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
            issuer,
            regression,
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

    /// The state behind the `/reg` routes (documents, lists, the regression BC API).
    pub fn regression(&self) -> &RegressionApi {
        &self.regression
    }

    /// How many requests arrived for exactly this path (query not included).
    pub fn hits(&self, path: &str) -> usize {
        self.received(path).len()
    }

    /// Waits up to `limit` until a request for `path` has arrived; whether one did.
    pub fn wait_for_request(&self, path: &str, limit: Duration) -> bool {
        self.wait_for(limit, |r| r.path == path)
    }

    /// Waits up to `limit` until a request for `path` has been answered; whether one was.
    pub fn wait_for_answer(&self, path: &str, limit: Duration) -> bool {
        self.wait_for(limit, |r| r.path == path && r.status != 0)
    }

    fn wait_for(&self, limit: Duration, seen: impl Fn(&Recorded) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        let mut requests = self.log.requests.lock().unwrap();
        loop {
            if requests.iter().any(&seen) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            requests = self
                .log
                .changed
                .wait_timeout(requests, deadline - now)
                .unwrap()
                .0;
        }
    }

    /// The access tokens the token endpoint issued, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.issuer.issued().into_iter().map(|(_, t)| t).collect()
    }

    /// The access tokens issued to `client_id`, oldest first.
    pub fn tokens_issued_to(&self, client_id: &str) -> Vec<String> {
        let issued = self.issuer.issued().into_iter();
        issued
            .filter(|(c, _)| c == client_id)
            .map(|(_, t)| t)
            .collect()
    }

    /// The requests received for paths starting with `prefix`, oldest first.
    pub fn received_under(&self, prefix: &str) -> Vec<Recorded> {
        let log = self.log.requests.lock().unwrap();
        log.iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// How many requests arrived at all.
    pub fn total_hits(&self) -> usize {
        self.log.requests.lock().unwrap().len()
    }

    /// The requests received for this path, oldest first.
    pub fn received(&self, path: &str) -> Vec<Recorded> {
        let log = self.log.requests.lock().unwrap();
        log.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// The last request received for this path; panics (listing what did arrive) if none.
    pub fn last(&self, path: &str) -> Recorded {
        self.received(path).pop().unwrap_or_else(|| {
            let log = self.log.requests.lock().unwrap();
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

fn router(log: Log, issuer: Arc<Issuer>, regression: Arc<RegressionApi>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/strict/{tenant}/oauth2/v2.0/token", post(strict_token))
        .route("/v2.0/{tenant}/{env}/api/v2.0/{entity}", get(bc_entity))
        .route(
            "/v2.0/{tenant}/{env}/api/v2.0/{company}/customers",
            get(bc_customers),
        )
        .route("/echo", any(echo))
        .route("/mirror", any(mirror))
        .route("/session", get(session))
        .route("/text", get(text))
        .route("/status/{code}", get(status))
        .route("/slow/{ms}", get(slow))
        .route("/big-json", get(big_json_route))
        .merge(super::unreliable::routes())
        .merge(super::regression::routes(regression))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such test route") })
        .layer(Extension(issuer))
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
    let index = {
        let mut requests = log.requests.lock().unwrap();
        requests.push(Recorded {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or("").to_string(),
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            at: Instant::now(),
            status: 0,
        });
        log.changed.notify_all();
        requests.len() - 1
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    log.requests.lock().unwrap()[index].status = response.status().as_u16();
    log.changed.notify_all();
    response
}

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
        "form": form_fields(content_type(&parts.headers), &bytes, true),
    });
    json_response(StatusCode::OK, &body, "application/json")
}

/// `echo`, and every request header `NAME` sent back as response header `x-mirror-NAME`.
async fn mirror(request: Request) -> Response {
    let sent = request.headers().clone();
    let mut response = echo(request).await;
    for (name, value) in &sent {
        let mirrored = format!("x-mirror-{}", name.as_str());
        if let Ok(mirrored) = header::HeaderName::from_bytes(mirrored.as_bytes()) {
            response.headers_mut().append(mirrored, value.clone());
        }
    }
    response
}

/// `{"session_token": SESSION_TOKEN, "user": "alice"}`.
async fn session() -> Response {
    let body = json!({"session_token": SESSION_TOKEN, "user": "alice"});
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

pub fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}
