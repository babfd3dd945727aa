//! A request as the mock reads it: path decoded, query, headers, JSON and form bodies, and the
//! `request` value its templates see.

use serde_json::{Map, Value, json};

/// Request bodies larger than this are refused.
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The parts of a request that routes match on and templates see.
pub(super) struct Incoming {
    pub method: String,
    pub path: String,
    pub target: String,
    pub query: Vec<(String, String)>,
    pub headers: Map<String, Value>,
    pub body: String,
    pub json: Option<Value>,
    pub form: Map<String, Value>,
}

/// Reads a request: path decoded, query and form parsed, headers joined by name.
pub(super) async fn read_incoming(request: axum::extract::Request) -> Result<Incoming, String> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|e| format!("cannot read the request body: {e}"))?;
    let raw_path = parts.uri.path();
    let path = percent_encoding::percent_decode_str(raw_path)
        .decode_utf8_lossy()
        .into_owned();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_string())
            .and_modify(|v| {
                if let Value::String(s) = v {
                    s.push_str(", ");
                    s.push_str(&value);
                }
            })
            .or_insert(Value::String(value));
    }
    let content_type = headers
        .get("content-type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let form = read_form(&content_type, &bytes).await;
    Ok(Incoming {
        method: parts.method.as_str().to_string(),
        target: parts
            .uri
            .path_and_query()
            .map_or(raw_path.to_string(), |p| p.as_str().to_string()),
        path,
        query,
        headers,
        json: serde_json::from_slice(&bytes).ok(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        form,
    })
}

/// Fields of an urlencoded or multipart body (file fields as their text).
async fn read_form(content_type: &str, bytes: &bytes::Bytes) -> Map<String, Value> {
    let mut form = Map::new();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in form_urlencoded::parse(bytes) {
            form.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    } else if let Ok(boundary) = multer::parse_boundary(content_type) {
        let data = bytes.clone();
        let stream =
            futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(data) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = multipart.next_field().await {
            let name = field.name().unwrap_or_default().to_string();
            if let Ok(text) = field.text().await {
                form.insert(name, Value::String(text));
            }
        }
    }
    form
}

/// `request` as mock templates see it.
pub(super) fn request_value(incoming: &Incoming, params: &[(String, String)]) -> Value {
    let query: Map<String, Value> = incoming
        .query
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let params: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "method": incoming.method,
        "path": incoming.path,
        "params": params,
        "query": query,
        "headers": incoming.headers,
        "json": incoming.json,
        "form": incoming.form,
        "body": incoming.body,
    })
}
