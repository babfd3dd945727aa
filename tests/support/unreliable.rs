//! Routes of the test server that misbehave the way real APIs do: throttling (429 with
//! Retry-After in seconds or as an HTTP date), 503 without Retry-After, jobs that finish after
//! some polls, stalls, redirects to another host, cookies, huge, binary and non-JSON bodies.
//! Counters are per server (each `TestServer` has fresh ones) and per `{id}` in the path, so
//! tests and requests do not disturb each other.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::Bytes;
use serde_json::json;

use super::server::json_response;

/// Chunk size of the streamed big bodies.
const CHUNK: usize = 64 * 1024;
static CHUNK_BYTES: [u8; CHUNK] = [b'a'; CHUNK];

#[derive(Default)]
struct Counters {
    /// All `/throttle/…` requests together.
    throttle: AtomicUsize,
    /// Per route and id.
    by_id: Mutex<HashMap<String, usize>>,
}

impl Counters {
    /// 1 for the first request with this key, 2 for the second, …
    fn next(&self, key: String) -> usize {
        let mut map = self.by_id.lock().unwrap();
        let n = map.entry(key).or_insert(0);
        *n += 1;
        *n
    }
}

type Shared = Arc<Counters>;

/// The routes, with fresh counters.
pub fn routes() -> Router {
    Router::new()
        .route("/throttle/{every}/{id}", get(throttle))
        .route("/retry-date/{id}", get(retry_date))
        .route("/unavailable/{fails}/{id}", any(unavailable))
        .route("/poll/{done_at}/{id}", get(poll))
        .route("/stall/{ms}", any(stall))
        .route("/redirect", get(redirect))
        .route("/cookie/set", get(set_cookie))
        .route("/bytes/{n}", get(sized_bytes))
        .route("/stream/{n}", get(streamed_bytes))
        .route("/binary", get(binary))
        .route("/not-json", get(not_json))
        .with_state(Shared::default())
}

/// Every `every`-th request to any `/throttle/…` path (counted over all of them) is answered
/// `429` with `Retry-After: 1`; the others `200 {"id": id}`.
async fn throttle(
    State(counters): State<Shared>,
    UrlPath((every, id)): UrlPath<(usize, String)>,
) -> Response {
    let n = counters.throttle.fetch_add(1, Ordering::SeqCst) + 1;
    if every > 0 && n.is_multiple_of(every) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "slow down",
        )
            .into_response();
    }
    json_response(
        StatusCode::OK,
        &json!({"id": id, "n": n}),
        "application/json",
    )
}

/// The first request per id: `429` with `Retry-After` as an HTTP date 2 s ahead; then `200`.
async fn retry_date(State(counters): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    if counters.next(format!("retry-date/{id}")) == 1 {
        let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, at)],
            "later",
        )
            .into_response();
    }
    json_response(StatusCode::OK, &json!({"id": id}), "application/json")
}

/// The first `fails` requests per id: `503` without `Retry-After`; then `200`.
async fn unavailable(
    State(counters): State<Shared>,
    UrlPath((fails, id)): UrlPath<(usize, String)>,
) -> Response {
    let n = counters.next(format!("unavailable/{id}"));
    if n <= fails {
        let body = json!({"error": "unavailable", "attempt": n});
        return json_response(StatusCode::SERVICE_UNAVAILABLE, &body, "application/json");
    }
    json_response(
        StatusCode::OK,
        &json!({"id": id, "attempt": n}),
        "application/json",
    )
}

/// A job that is `Running` until the `done_at`-th request per id, `Completed` from then on
/// (`done_at` 0: never).
async fn poll(
    State(counters): State<Shared>,
    UrlPath((done_at, id)): UrlPath<(usize, String)>,
) -> Response {
    let n = counters.next(format!("poll/{id}"));
    let status = if done_at > 0 && n >= done_at {
        "Completed"
    } else {
        "Running"
    };
    let body = json!({"id": id, "status": status, "polls": n});
    json_response(StatusCode::OK, &body, "application/json")
}

/// Any method: waits `ms` (at most 20 s), then `200`.
async fn stall(UrlPath(ms): UrlPath<u64>) -> Response {
    tokio::time::sleep(Duration::from_millis(ms.min(20_000))).await;
    json_response(
        StatusCode::OK,
        &json!({"stalled_ms": ms}),
        "application/json",
    )
}

/// `302 Found` to `?to=URL`.
async fn redirect(Query(query): Query<HashMap<String, String>>) -> Response {
    let to = query.get("to").cloned().unwrap_or_else(|| "/echo".into());
    (StatusCode::FOUND, [(header::LOCATION, to)], "").into_response()
}

/// Sets `session=abc123` for the whole site.
async fn set_cookie() -> Response {
    (
        [(header::SET_COOKIE, "session=abc123; Path=/")],
        "cookie set",
    )
        .into_response()
}

/// `n` bytes of `a`, streamed in 64 KiB chunks, without holding them: the body of the size
/// given (`Content-Length` set when `sized`).
fn stream_of(n: usize) -> Body {
    let chunks = (0..n.div_ceil(CHUNK)).map(move |i| {
        let len = CHUNK.min(n - i * CHUNK);
        Ok::<_, Infallible>(Bytes::from_static(&CHUNK_BYTES[..len]))
    });
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// `n` bytes with `Content-Length: n`.
async fn sized_bytes(UrlPath(n): UrlPath<usize>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        stream_of(n),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, n.to_string().parse().unwrap());
    response
}

/// `n` bytes, chunked (no `Content-Length`: the client learns the size only by reading).
async fn streamed_bytes(UrlPath(n): UrlPath<usize>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], stream_of(n)).into_response()
}

/// Every byte value 0–255, four times, claiming to be JSON.
async fn binary() -> Response {
    let bytes: Vec<u8> = (0..4).flat_map(|_| 0u8..=255).collect();
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// An HTML error page served as JSON, the way proxies and gateways do.
async fn not_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "<html><body>Gateway says hello</body></html>",
    )
        .into_response()
}
