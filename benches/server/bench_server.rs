//! The benchmark target server for `scripts/bench.sh` (issue 9): fixed responses, built once
//! at start, so that the server is never what a benchmark measures.
//!
//! Build: `cargo build --release --features bench-server --bin bench-server`
//! Run:   `target/release/bench-server [--port N] [--threads N]`
//!
//! Binds 127.0.0.1 only. `--port 0` (the default) takes a free port. The first line on stdout
//! is the base URL (`http://127.0.0.1:PORT`), printed once the socket listens.
//!
//! Routes:
//! - `POST /tenant/oauth2/v2.0/token` → a fixed token JSON (the form body is read and dropped)
//! - `GET /api/companies` → a small JSON list; `value[0].id` is `c1`. Needs `Authorization`.
//! - `GET /api/companies/{id}/customers` → about 2 KB of JSON. Needs `Authorization`.
//! - `GET /big` → a 1 MiB JSON document; `$.summary.checks.deep.level4.level5.marker` is
//!   `"found"` and `$.items[5999].address.geo.city` is `"City 5999"`.
//! - `GET /big.gz` → the same 1 MiB document, always sent gzip-encoded
//!   (`Content-Encoding: gzip`), compressed once at start.
//! - `GET /health` → `ok`.
//!
//! Requests without an `Authorization` header on the `/api` routes get 401, so a workload whose
//! capture chain breaks fails instead of measuring nothing.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};

/// Number of items in `/big`; the padding makes the document exactly 1 MiB.
const BIG_ITEMS: usize = 6000;
const BIG_SIZE: usize = 1024 * 1024;

struct Args {
    port: u16,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        threads: 2,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                args.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?;
            }
            "--threads" => {
                args.threads = value("--threads")?
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?;
            }
            "-h" | "--help" => {
                println!("usage: bench-server [--port N (0: any free port)] [--threads N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    Ok(args)
}

fn token_json() -> Bytes {
    // About the size of a real Azure AD access token.
    let access_token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}",
        "eyJhdWQiOiJodHRwczovL2FwaS5leGFtcGxlLnRlc3QiLCJ0aWQiOiJ0ZW5hbnQifQ".repeat(12),
        "c2lnbmF0dXJl".repeat(20)
    );
    let body = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    });
    Bytes::from(serde_json::to_vec(&body).expect("serializable"))
}

fn companies_json() -> Bytes {
    let body = serde_json::json!({
        "@odata.context": "http://127.0.0.1/api/$metadata#companies",
        "value": [
            { "id": "c1", "name": "CRONUS USA, Inc.", "displayName": "CRONUS USA, Inc.", "businessProfileId": "" },
            { "id": "c2", "name": "My Company", "displayName": "My Company", "businessProfileId": "" }
        ]
    });
    Bytes::from(serde_json::to_vec(&body).expect("serializable"))
}

fn customers_json() -> Bytes {
    let customers: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("0000000{i}-0000-4000-8000-00000000000{i}"),
                "number": format!("{}", 10000 + i * 10000),
                "displayName": format!("Customer {i}"),
                "type": "Company",
                "email": format!("customer{i}@example.test"),
                "city": "Atlanta",
                "balanceDue": i * 100,
                "blocked": " ",
            })
        })
        .collect();
    let body = serde_json::json!({
        "@odata.context": "http://127.0.0.1/api/$metadata#companies('c1')/customers",
        "value": customers,
    });
    Bytes::from(serde_json::to_vec(&body).expect("serializable"))
}

/// A 1 MiB document: many small objects, then a deep `summary` at the end.
fn big_json() -> Bytes {
    let items: Vec<serde_json::Value> = (0..BIG_ITEMS)
        .map(|i| {
            serde_json::json!({
                "id": i,
                "name": format!("Item {i}"),
                "active": i % 3 != 0,
                "tags": ["alpha", "beta", format!("t{}", i % 17)],
                "address": { "street": format!("{i} Main Street"), "geo": { "city": format!("City {i}"), "lat": 33.749, "lng": -84.388 } },
            })
        })
        .collect();
    let mut doc = serde_json::json!({
        "meta": { "count": BIG_ITEMS, "generator": "bench-server" },
        "items": items,
        "padding": "",
        "summary": { "checks": { "deep": { "level4": { "level5": { "marker": "found", "count": BIG_ITEMS } } } } },
    });
    let without_padding = serde_json::to_vec(&doc).expect("serializable").len();
    let padding = BIG_SIZE.saturating_sub(without_padding);
    doc["padding"] = serde_json::Value::String("x".repeat(padding));
    let bytes = serde_json::to_vec(&doc).expect("serializable");
    Bytes::from(bytes)
}

fn json_response(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The body, gzip-encoded once.
fn gzipped(body: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).expect("in memory");
    Bytes::from(encoder.finish().expect("in memory"))
}

fn gzip_response(body: Bytes) -> Response {
    let mut response = json_response(body);
    response
        .headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    response
}

fn authorized(headers: &HeaderMap, body: Bytes) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        json_response(body)
    } else {
        let mut response = json_response(Bytes::from_static(
            br#"{"error":{"code":"Unauthorized","message":"no Authorization header"}}"#,
        ));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
    }
}

fn router() -> Router {
    let token = token_json();
    let companies = companies_json();
    let customers = customers_json();
    let big = big_json();
    let big_gz = gzipped(&big);
    eprintln!(
        "bench-server: token {} B, companies {} B, customers {} B, big {} B ({} B gzip)",
        token.len(),
        companies.len(),
        customers.len(),
        big.len(),
        big_gz.len()
    );
    Router::new()
        .route(
            "/tenant/oauth2/v2.0/token",
            post(move |_form: Bytes| {
                let token = token.clone();
                async move { json_response(token) }
            }),
        )
        .route(
            "/api/companies",
            get(move |headers: HeaderMap| {
                let companies = companies.clone();
                async move { authorized(&headers, companies) }
            }),
        )
        .route(
            "/api/companies/{id}/customers",
            get(move |headers: HeaderMap| {
                let customers = customers.clone();
                async move { authorized(&headers, customers) }
            }),
        )
        .route(
            "/big",
            get(move || {
                let big = big.clone();
                async move { json_response(big) }
            }),
        )
        .route(
            "/big.gz",
            get(move || {
                let big_gz = big_gz.clone();
                async move { gzip_response(big_gz) }
            }),
        )
        .route("/health", get(|| async { "ok" }))
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("bench-server: {message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let app = router();
        let listener = match tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            args.port,
        )))
        .await
        {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("bench-server: cannot bind 127.0.0.1:{}: {e}", args.port);
                std::process::exit(1);
            }
        };
        let addr = listener.local_addr().expect("bound address");
        println!("http://{addr}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("bench-server: {e}");
            std::process::exit(1);
        }
    });
}
