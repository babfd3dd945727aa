//! Routes of the test server for regression suites, all under `/reg`, with state a test changes
//! between runs (through `TestServer::regression()`):
//! - `GET /reg/doc/{name}`: a document the test set (JSON or text, with extra headers), so a
//!   test can record a snapshot, change one field and run again;
//! - `GET /reg/list/{name}`: a list the test set, paged as Business Central pages:
//!   `Prefer: odata.maxpagesize=N` sets the page size, `$skiptoken` the start, and
//!   `@odata.nextLink` (absolute) points at the next page; `?style=plain` answers
//!   `{"data": [...], "next": link}` instead, as non-OData APIs do; `?throttle_pages=1` answers
//!   429 (Retry-After: 1) to the first request of every page after the first;
//! - `/reg/bc/v2.0/{tenant}/{env}/api/v2.0/…`: a small stateful Business Central API (companies;
//!   customers created, read, patched with If-Match, listed with paging, deleted), whose
//!   answers can be made to differ in one field (`drift`), and that remembers what exists so a
//!   test can check a suite deleted what it created.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Router};
use serde_json::{Map, Value, json};

use super::forms::parse_urlencoded;
use super::server::json_response;

/// The one company of the regression BC API.
pub const REG_COMPANY_ID: &str = "5d1c9a7e-3b2f-4e6d-8a9c-0f1e2d3c4b5a";

const ODATA_JSON: &str = "application/json; odata.metadata=minimal";

/// A document served by `GET /reg/doc/{name}`.
#[derive(Clone, Debug)]
struct Doc {
    body: DocBody,
    headers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
enum DocBody {
    Json(Value),
    Text(String),
}

/// The customers of the regression BC API and how its answers differ from what is stored.
#[derive(Default)]
struct Bc {
    customers: Vec<Map<String, Value>>,
    /// Fields every customer answer carries instead of the stored ones.
    drift: Map<String, Value>,
    created: usize,
    deleted: usize,
}

/// The state behind the `/reg` routes of one test server.
#[derive(Default)]
pub struct RegressionApi {
    docs: Mutex<HashMap<String, Doc>>,
    lists: Mutex<HashMap<String, Vec<Value>>>,
    /// Page URLs already answered 429 once (`?throttle_pages=1`).
    throttled_pages: Mutex<std::collections::HashSet<String>>,
    bc: Mutex<Bc>,
    serial: AtomicU64,
}

impl RegressionApi {
    /// `GET /reg/doc/{name}` answers this JSON (as `application/json`).
    pub fn set_json(&self, name: &str, body: Value) {
        self.set_doc(name, DocBody::Json(body), &[]);
    }

    /// `GET /reg/doc/{name}` answers this JSON with these extra response headers.
    pub fn set_json_with_headers(&self, name: &str, body: Value, headers: &[(&str, &str)]) {
        self.set_doc(name, DocBody::Json(body), headers);
    }

    /// `GET /reg/doc/{name}` answers this text (as `text/plain`).
    pub fn set_text(&self, name: &str, body: &str) {
        self.set_doc(name, DocBody::Text(body.to_string()), &[]);
    }

    fn set_doc(&self, name: &str, body: DocBody, headers: &[(&str, &str)]) {
        let headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        self.docs
            .lock()
            .unwrap()
            .insert(name.to_string(), Doc { body, headers });
    }

    /// `GET /reg/list/{name}` pages through these items.
    pub fn set_list(&self, name: &str, items: Vec<Value>) {
        self.lists.lock().unwrap().insert(name.to_string(), items);
    }

    /// Stores customers as if they had been created (each gets an id, an ETag and a
    /// timestamp); returns their ids in order.
    pub fn seed_customers(&self, customers: &[Value]) -> Vec<String> {
        let mut bc = self.bc.lock().unwrap();
        customers
            .iter()
            .map(|c| {
                let record = self.new_customer(c.as_object().cloned().unwrap_or_default());
                let id = record["id"].as_str().unwrap().to_string();
                bc.customers.push(record);
                id
            })
            .collect()
    }

    /// The customers that exist now, as stored.
    pub fn customers(&self) -> Vec<Value> {
        let bc = self.bc.lock().unwrap();
        bc.customers.iter().cloned().map(Value::Object).collect()
    }

    /// How many customers POST requests created, and DELETE requests deleted.
    pub fn created_and_deleted(&self) -> (usize, usize) {
        let bc = self.bc.lock().unwrap();
        (bc.created, bc.deleted)
    }

    /// From now on every customer the API answers with (one, a list, a created or patched one)
    /// carries `value` at `field`, whatever is stored: the server "changed one field".
    pub fn drift(&self, field: &str, value: Value) {
        let mut bc = self.bc.lock().unwrap();
        bc.drift.insert(field.to_string(), value);
    }

    fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// A new id every time (so ids differ between runs), a fresh ETag and timestamp.
    fn new_customer(&self, fields: Map<String, Value>) -> Map<String, Value> {
        let mut record = Map::new();
        record.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
        for (k, v) in fields {
            if k != "id" {
                record.insert(k, v);
            }
        }
        self.touch(&mut record);
        record
    }

    /// A new ETag and lastModifiedDateTime, as BC sets them on every write.
    fn touch(&self, record: &mut Map<String, Value>) {
        let serial = self.next_serial();
        record.insert(
            "@odata.etag".into(),
            json!(format!("W/\"JzQ0O{serial:06}Oyc=\"")),
        );
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        record.insert("lastModifiedDateTime".into(), json!(now));
    }
}

/// The `/reg` routes over this state.
pub fn routes(api: Arc<RegressionApi>) -> Router {
    Router::new()
        .route("/reg/doc/{name}", get(doc))
        .route("/reg/list/{name}", get(list))
        .route(
            "/reg/bc/v2.0/{tenant}/{env}/api/v2.0/companies",
            get(companies),
        )
        .route(
            "/reg/bc/v2.0/{tenant}/{env}/api/v2.0/{company}/{entity}",
            any(customers),
        )
        .layer(Extension(api))
}

async fn doc(
    Extension(api): Extension<Arc<RegressionApi>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let Some(doc) = api.docs.lock().unwrap().get(&name).cloned() else {
        return (StatusCode::NOT_FOUND, format!("no document {name}")).into_response();
    };
    let mut response = match &doc.body {
        DocBody::Json(body) => json_response(StatusCode::OK, body, "application/json"),
        DocBody::Text(text) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text.clone(),
        )
            .into_response(),
    };
    for (name, value) in &doc.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn list(
    Extension(api): Extension<Arc<RegressionApi>>,
    UrlPath(name): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some(items) = api.lists.lock().unwrap().get(&name).cloned() else {
        return (StatusCode::NOT_FOUND, format!("no list {name}")).into_response();
    };
    let args = parse_urlencoded(query.as_deref().unwrap_or(""));
    // pages after the first are throttled once each, as BC does under load
    if args.contains_key("throttle_pages")
        && args.contains_key("$skiptoken")
        && api.throttled_pages.lock().unwrap().insert(uri.to_string())
    {
        let mut response = bc_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Application_TooManyRequests",
            "Too many requests reached.  Actual (101). Maximum (100).",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    let plain = args.get("style").is_some_and(|s| s == "plain");
    let (value, next, size) = page(&items, &headers, &args, &uri);
    let body = if plain {
        json!({"data": value, "next": next})
    } else {
        let mut body = json!({
            "@odata.context": format!("{}/$metadata#{name}", host_url(&headers)),
            "value": value,
        });
        if let Some(next) = next {
            body["@odata.nextLink"] = json!(next);
        }
        body
    };
    with_preference(json_response(StatusCode::OK, &body, ODATA_JSON), size)
}

/// One page of `items`: the page, the next link (absolute, keeping the other query arguments)
/// and the page size applied, if the client asked for one.
fn page(
    items: &[Value],
    headers: &HeaderMap,
    args: &BTreeMap<String, String>,
    uri: &Uri,
) -> (Vec<Value>, Option<String>, Option<usize>) {
    let size = headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|p| {
            p.split(',')
                .find_map(|part| part.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .filter(|n| *n > 0);
    let start = args
        .get("$skiptoken")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0)
        .min(items.len());
    let end = size.map_or(items.len(), |n| (start + n).min(items.len()));
    let next = (end < items.len()).then(|| {
        let mut query: Vec<String> = args
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.push(format!("$skiptoken={end}"));
        format!("{}{}?{}", host_url(headers), uri.path(), query.join("&"))
    });
    (items[start..end].to_vec(), next, size)
}

fn with_preference(mut response: Response, size: Option<usize>) -> Response {
    if let Some(size) = size
        && let Ok(value) = HeaderValue::from_str(&format!("odata.maxpagesize={size}"))
    {
        response.headers_mut().insert("preference-applied", value);
    }
    response
}

fn host_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7)
}

fn bc_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"error": {"code": code, "message": message}}),
        ODATA_JSON,
    )
}

fn unauthorized() -> Response {
    bc_error(
        StatusCode::UNAUTHORIZED,
        "Authentication_InvalidCredentials",
        "The server has rejected the client credentials.",
    )
}

fn not_found(path: &str) -> Response {
    bc_error(
        StatusCode::NOT_FOUND,
        "BadRequest_NotFound",
        &format!("No HTTP resource was found that matches the request URI '{path}'."),
    )
}

async fn companies(
    UrlPath((tenant, env)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !has_bearer(&headers) {
        return unauthorized();
    }
    let body = json!({
        "@odata.context": format!("{}/reg/bc/v2.0/{tenant}/{env}/api/v2.0/$metadata#companies", host_url(&headers)),
        "value": [{
            "id": REG_COMPANY_ID,
            "systemVersion": "24.0.16410.18040",
            "name": "CRONUS Regression",
            "displayName": "CRONUS Regression",
            "businessProfileId": "",
        }],
    });
    json_response(StatusCode::OK, &body, ODATA_JSON)
}

/// `name(key)` → `("name", Some("key"))`; `name` → `("name", None)`.
fn entity_key(segment: &str) -> (&str, Option<&str>) {
    match segment.split_once('(') {
        Some((name, rest)) => (name, rest.strip_suffix(')')),
        None => (segment, None),
    }
}

/// A customer as the server answers it: the stored record with the drifted fields over it.
fn with_drift(record: &Map<String, Value>, drift: &Map<String, Value>) -> Value {
    let mut record = record.clone();
    for (k, v) in drift {
        record.insert(k.clone(), v.clone());
    }
    Value::Object(record)
}

/// One customer with its ETag header.
fn customer_response(
    status: StatusCode,
    record: &Map<String, Value>,
    drift: &Map<String, Value>,
) -> Response {
    let mut response = json_response(status, &with_drift(record, drift), ODATA_JSON);
    if let Some(etag) = record["@odata.etag"]
        .as_str()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// A page of the customer list, with `@odata.nextLink` while more follow.
fn customer_list(
    items: &[Value],
    headers: &HeaderMap,
    query: Option<&str>,
    uri: &Uri,
    (tenant, env): (&str, &str),
) -> Response {
    let args = parse_urlencoded(query.unwrap_or(""));
    let (value, next, size) = page(items, headers, &args, uri);
    let mut body = json!({
        "@odata.context": format!(
            "{}/reg/bc/v2.0/{tenant}/{env}/api/v2.0/$metadata#companies({REG_COMPANY_ID})/customers",
            host_url(headers)
        ),
        "value": value,
    });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(next);
    }
    with_preference(json_response(StatusCode::OK, &body, ODATA_JSON), size)
}

/// Business Central's refusal when `If-Match` is missing (where `required`) or stale.
fn etag_refused(
    if_match: Option<&str>,
    record: &Map<String, Value>,
    required: bool,
) -> Option<Response> {
    match if_match {
        None if required => Some(bc_error(
            StatusCode::PRECONDITION_REQUIRED,
            "Request_EntityChanged",
            "Could not find a property named 'If-Match' in the request headers.",
        )),
        Some(given) if given != "*" && Some(given) != record["@odata.etag"].as_str() => {
            Some(bc_error(
                StatusCode::PRECONDITION_FAILED,
                "Request_EntityChanged",
                "Another user has already changed the record.",
            ))
        }
        _ => None,
    }
}

fn not_an_object() -> Response {
    bc_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "The request body is not a JSON object.",
    )
}

/// `…/companies({company})/customers[({id})]`: list (paged), create, read, patch, delete.
async fn customers(
    Extension(api): Extension<Arc<RegressionApi>>,
    UrlPath((tenant, env, company, entity)): UrlPath<(String, String, String, String)>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if !has_bearer(&headers) {
        return unauthorized();
    }
    let (kind, company_id) = entity_key(&company);
    let (entity, id) = entity_key(&entity);
    if kind != "companies" || company_id != Some(REG_COMPANY_ID) || entity != "customers" {
        return not_found(uri.path());
    }
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let mut bc = api.bc.lock().unwrap();
    let drift = bc.drift.clone();
    let answer = |record: &Map<String, Value>| with_drift(record, &drift);
    let one =
        |status: StatusCode, record: &Map<String, Value>| customer_response(status, record, &drift);
    let index = id.map(|id| bc.customers.iter().position(|c| c["id"] == id));
    match (method, index) {
        (Method::GET, None) => {
            let items: Vec<Value> = bc.customers.iter().map(answer).collect();
            customer_list(&items, &headers, query.as_deref(), &uri, (&tenant, &env))
        }
        (Method::POST, None) => {
            let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
                return not_an_object();
            };
            let record = api.new_customer(fields);
            bc.customers.push(record.clone());
            bc.created += 1;
            one(StatusCode::CREATED, &record)
        }
        (_, Some(None)) => not_found(uri.path()),
        (Method::GET, Some(Some(i))) => one(StatusCode::OK, &bc.customers[i]),
        (Method::PATCH, Some(Some(i))) => {
            if let Some(refused) = etag_refused(if_match.as_deref(), &bc.customers[i], true) {
                return refused;
            }
            let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
                return not_an_object();
            };
            let mut record = bc.customers[i].clone();
            for (k, v) in fields {
                if k != "id" {
                    record.insert(k, v);
                }
            }
            api.touch(&mut record);
            bc.customers[i] = record.clone();
            one(StatusCode::OK, &record)
        }
        (Method::DELETE, Some(Some(i))) => {
            if let Some(refused) = etag_refused(if_match.as_deref(), &bc.customers[i], false) {
                return refused;
            }
            bc.customers.remove(i);
            bc.deleted += 1;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => bc_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest_MethodNotAllowed",
            "The method is not allowed here.",
        ),
    }
}
