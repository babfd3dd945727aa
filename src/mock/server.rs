//! Serving a `MockSpec` over HTTP: match the first route, apply its store action, render its
//! response, log the exchange.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::check::{self, CheckContext};
use crate::mock::incoming::{Incoming, read_incoming, request_value};
use crate::mock::spec::{MockBody, MockSpec, Respond, Route};
use crate::mock::store::{self, ActionInput, Store, StoreOutcome};

/// One served request, for the log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The matched route's label; `None` when nothing matched.
    pub route: Option<String>,
    /// Status sent.
    pub status: u16,
}

impl std::fmt::Display for LogEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.route {
            Some(route) => write!(
                f,
                "{} {} → {} ({route})",
                self.method, self.target, self.status
            ),
            None => write!(
                f,
                "{} {} → {} (no route matched)",
                self.method, self.target, self.status
            ),
        }
    }
}

/// What happens with log entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// Print each to stdout as it happens (`runner mock`).
    Print,
    /// Keep them for the caller (`runner run --mock`): those no route matched, or all; the
    /// first `KEPT_LOG_ENTRIES` of them, the rest counted (a long run keeps no growing log).
    Keep {
        /// Requests a route matched are kept too.
        matched: bool,
    },
}

/// Log entries kept for the caller, at most.
pub const KEPT_LOG_ENTRIES: usize = 1_000;

/// The requests kept for the caller.
#[derive(Debug, Clone, Default)]
pub struct MockLog {
    /// The first ones, in order.
    pub entries: Vec<LogEntry>,
    /// How many more were not kept.
    pub more: usize,
}

struct MockState {
    spec: MockSpec,
    store: Store,
    log: Mutex<MockLog>,
    mode: LogMode,
}

/// A mock server running on a background task.
pub struct RunningMock {
    /// `http://host:port`.
    pub url: String,
    state: Arc<MockState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningMock {
    /// The requests kept so far.
    pub fn log(&self) -> MockLog {
        self.state
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops accepting requests and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until the process is interrupted.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Binds `host:port` (port 0 picks a free one) and starts serving.
pub async fn start(
    spec: MockSpec,
    host: &str,
    port: u16,
    mode: LogMode,
) -> std::io::Result<RunningMock> {
    let listener = TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(MockState {
        spec,
        store: Store::default(),
        log: Mutex::new(MockLog::default()),
        mode,
    });
    let router = axum::Router::new()
        .fallback(handle)
        .with_state(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    let host = if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    Ok(RunningMock {
        url: format!("http://{host}:{}", addr.port()),
        state,
        shutdown: Some(tx),
        task,
    })
}

async fn handle(State(state): State<Arc<MockState>>, request: axum::extract::Request) -> Response {
    let incoming = match read_incoming(request).await {
        Ok(incoming) => incoming,
        Err(message) => return error_response(400, "BadRequest", &message),
    };
    let (response, route) = respond(&state, &incoming).await;
    let entry = LogEntry {
        method: incoming.method.clone(),
        target: incoming.target.clone(),
        route,
        status: response.status().as_u16(),
    };
    match state.mode {
        LogMode::Print => println!("{entry}"),
        LogMode::Keep { matched } if matched || entry.route.is_none() => {
            let mut log = state.log.lock().unwrap_or_else(|e| e.into_inner());
            if log.entries.len() < KEPT_LOG_ENTRIES {
                log.entries.push(entry);
            } else {
                log.more += 1;
            }
        }
        LogMode::Keep { .. } => {}
    }
    response
}

/// The first matching route's response, and its label for the log.
async fn respond(state: &MockState, incoming: &Incoming) -> (Response, Option<String>) {
    for route in &state.spec.routes {
        let Some(params) = route_params(route, incoming) else {
            continue;
        };
        let request = request_value(incoming, &params);
        let ctx =
            minijinja::Value::from_iter([("request", minijinja::Value::from_serialize(&request))]);
        if !route_matches(state, route, incoming, &ctx) {
            continue;
        }
        let response = route_response(state, route, incoming, ctx).await;
        return (response, Some(route.label.clone()));
    }
    let message = format!(
        "No mock route matches {} {}.",
        incoming.method, incoming.path
    );
    (error_response(404, "BadRequest_NotFound", &message), None)
}

fn route_params(route: &Route, incoming: &Incoming) -> Option<Vec<(String, String)>> {
    if route.method.as_ref().is_some_and(|m| *m != incoming.method) {
        return None;
    }
    route.path.captures(&incoming.path)
}

fn route_matches(
    state: &MockState,
    route: &Route,
    incoming: &Incoming,
    ctx: &minijinja::Value,
) -> bool {
    let cx = CheckContext {
        snapshots: None,
        request_path: &route.label,
        templates: &state.spec.templates,
        vars: ctx,
    };
    let query_value = |name: &str| {
        incoming
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone()))
    };
    route
        .query
        .iter()
        .all(|(name, m)| check::matches(m, query_value(name).as_ref(), &cx))
        && route
            .headers
            .iter()
            .all(|(name, m)| check::matches(m, incoming.headers.get(name), &cx))
        && route
            .form
            .iter()
            .all(|(name, m)| check::matches(m, incoming.form.get(name), &cx))
        && route.json.iter().all(|(query, m)| {
            let selected = incoming
                .json
                .as_ref()
                .and_then(|json| crate::query::select(query, json));
            check::matches(m, selected.as_ref(), &cx)
        })
}

async fn route_response(
    state: &MockState,
    route: &Route,
    incoming: &Incoming,
    ctx: minijinja::Value,
) -> Response {
    let t = &state.spec.templates;
    let mut ctx = ctx;
    let mut default = None;
    let mut next_link: Option<String> = None;
    if let Some(action) = &route.store {
        let collection = match t.render(&action.collection, &ctx) {
            Ok(c) => c,
            Err(e) => return template_error(route, &e),
        };
        let id = match action.id.as_ref().map(|id| t.render(id, &ctx)).transpose() {
            Ok(id) => id,
            Err(e) => return template_error(route, &e),
        };
        let input = ActionInput {
            id: id.as_deref(),
            json: incoming.json.as_ref(),
            if_match: incoming.headers.get("if-match").and_then(Value::as_str),
        };
        let outcome = state.store.apply(&collection, action.action, &input);
        let (name, value, response) = match outcome {
            StoreOutcome::Refused {
                status,
                code,
                message,
            } => return error_response(status, code, &message),
            StoreOutcome::Record(record) => {
                let status = if action.action == crate::mock::spec::Action::Create {
                    201
                } else {
                    200
                };
                let mut response = json_response(status, &record);
                if let Some(etag) = store::etag(&record).and_then(|e| HeaderValue::from_str(e).ok())
                {
                    response.headers_mut().insert("etag", etag);
                }
                ("record", record, response)
            }
            StoreOutcome::Records(records) => {
                let (page, next) = page_of(records, incoming);
                next_link = next;
                let mut list = json!({ "value": page });
                if let Some(link) = &next_link {
                    list["@odata.nextLink"] = Value::String(link.clone());
                }
                let response = json_response(200, &list);
                ("records", Value::Array(page), response)
            }
            StoreOutcome::Deleted => ("record", Value::Null, empty_response(204)),
        };
        ctx = minijinja::Value::from_iter([
            ("request", ctx.get_attr("request").unwrap_or_default()),
            (name, minijinja::Value::from_serialize(&value)),
            ("next_link", minijinja::Value::from_serialize(&next_link)),
        ]);
        default = Some(response);
    }
    match (&route.respond, default) {
        (Some(respond), _) => render_response(t, respond, &ctx, route).await,
        (None, Some(response)) => response,
        (None, None) => empty_response(200),
    }
}

async fn render_response(
    t: &crate::template::Templates,
    respond: &Respond,
    ctx: &minijinja::Value,
    route: &Route,
) -> Response {
    if let Some(delay) = respond.delay {
        tokio::time::sleep(delay).await;
    }
    let (body, content_type) = match &respond.body {
        None => (Vec::new(), None),
        Some(MockBody::Json(value)) => match t.render_value(value, ctx) {
            Ok(v) => (
                serde_json::to_vec(&v).unwrap_or_default(),
                Some("application/json; charset=utf-8"),
            ),
            Err(e) => return template_error(route, &e),
        },
        Some(MockBody::Text(text)) => match t.render(text, ctx) {
            Ok(s) => (s.into_bytes(), Some("text/plain; charset=utf-8")),
            Err(e) => return template_error(route, &e),
        },
    };
    let mut builder = Response::builder().status(respond.status);
    let mut has_content_type = false;
    for (name, value) in &respond.headers {
        match t.render(value, ctx) {
            Ok(v) => {
                has_content_type |= name.eq_ignore_ascii_case("content-type");
                builder = builder.header(name.as_str(), v);
            }
            Err(e) => return template_error(route, &e),
        }
    }
    if let (Some(ct), false) = (content_type, has_content_type) {
        builder = builder.header("content-type", ct);
    }
    builder
        .body(Body::from(body))
        .unwrap_or_else(|e| error_response(500, "Mock_InvalidResponse", &e.to_string()))
}

/// Server-driven paging as Business Central does it: `Prefer: odata.maxpagesize=N` sets the
/// page size, `$skiptoken` the start, and `@odata.nextLink` points at the next page.
fn page_of(records: Vec<Value>, incoming: &Incoming) -> (Vec<Value>, Option<String>) {
    let size = incoming
        .headers
        .get("prefer")
        .and_then(Value::as_str)
        .and_then(|p| {
            p.split(',')
                .find_map(|part| part.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .filter(|n| *n > 0);
    let Some(size) = size else {
        return (records, None);
    };
    let start = incoming
        .query
        .iter()
        .find(|(k, _)| k == "$skiptoken")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + size).min(records.len());
    let next = (end < records.len()).then(|| {
        let host = incoming
            .headers
            .get("host")
            .and_then(Value::as_str)
            .unwrap_or("127.0.0.1");
        let mut query: Vec<String> = incoming
            .query
            .iter()
            .filter(|(k, _)| k != "$skiptoken")
            .map(|(k, v)| format!("{k}={}", crate::urlencode::encode_query(v)))
            .collect();
        query.push(format!("$skiptoken={end}"));
        format!("http://{host}{}?{}", incoming.path, query.join("&"))
    });
    let page = records.into_iter().skip(start).take(size).collect();
    (page, next)
}

fn template_error(route: &Route, e: &crate::template::TemplateError) -> Response {
    error_response(
        500,
        "Mock_TemplateError",
        &format!("route `{}` ({}): {e}", route.label, route.location),
    )
}

fn json_response(status: u16, value: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(serde_json::to_vec(value).unwrap_or_default()))
        .expect("a valid response")
}

fn empty_response(status: u16) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
}

/// A Business Central-shaped error body.
fn error_response(status: u16, code: &str, message: &str) -> Response {
    let correlation = uuid::Uuid::new_v4();
    json_response(
        status,
        &json!({ "error": { "code": code, "message": format!("{message}  CorrelationId:  {correlation}.") } }),
    )
}
