//! Azure AD's v2 token endpoint (client credentials) and a small Business Central API v2.0,
//! answering as BC-API.md describes the real services: same status codes and body shapes.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::forms::{content_type, form_fields, parse_urlencoded};
use super::server::json_response;

/// The client secret the token endpoint accepts; any other value gets AADSTS7000215.
pub const CLIENT_SECRET: &str = "s3cret";
/// Id of the first company, "CRONUS USA, Inc.".
pub const CRONUS_ID: &str = "2f9c8e6a-5d3b-4c1e-9a7f-0b1c2d3e4f50";
/// Id of the second company, "My Company".
pub const MY_COMPANY_ID: &str = "7e4d1a2b-8c9f-4e3d-a6b5-1c2d3e4f5a60";
/// Weak etag of the first CRONUS customer (real BC shape: base64 of `'<len>;<rowversion>;00;'`).
pub const CUSTOMER_ETAG: &str = r#"W/"JzIwOzEyMjU1NzUwNjQ3MjkxMTQ0Mjg5MTswMDsn""#;

/// The access token the server issues to `client_id` (and expects back as a Bearer token).
pub fn token_for(client_id: &str) -> String {
    format!("tok-{client_id}")
}

/// Accepts urlencoded and multipart bodies; anything else is read as empty, as AAD does.
pub async fn token(headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(content_type(&headers), &body, true).unwrap_or_default();
    token_response(&fields)
}

/// As the real endpoint is documented to behave: multipart bodies are read as empty too.
pub async fn strict_token(headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(content_type(&headers), &body, false).unwrap_or_default();
    token_response(&fields)
}

fn token_response(fields: &BTreeMap<String, String>) -> Response {
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

// Business Central API v2.0 from here on; the token endpoint is above.

/// The content type BC answers its JSON with.
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
pub async fn bc_entity(
    UrlPath((tenant, env, entity)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Some(denied) = deny_without_bearer(&tenant, &headers) {
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
pub async fn bc_customers(
    UrlPath((tenant, env, company)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Some(denied) = deny_without_bearer(&tenant, &headers) {
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

/// The 401 BC answers when the request has no `Bearer tok-…` authorization.
fn deny_without_bearer(tenant: &str, headers: &HeaderMap) -> Option<Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if authorization
        .strip_prefix("Bearer tok-")
        .is_some_and(|rest| !rest.is_empty())
    {
        return None;
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
    Some(response)
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
