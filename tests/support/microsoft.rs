//! Azure AD's v2 token endpoint (client credentials) and a small Business Central API v2.0,
//! answering as BC-API.md describes the real services: same status codes and body shapes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use super::forms::{content_type, form_fields, parse_urlencoded};
use super::server::json_response;

/// The client secret the token endpoint accepts; any other value gets AADSTS7000215.
pub const CLIENT_SECRET: &str = "s3cret";
/// A second accepted client secret: long, and full of characters that URL and JSON encoding
/// change, for tests that look for a leaked secret in every encoding.
pub const STRONG_CLIENT_SECRET: &str = r#"Cl1ent+S3cr/et@v"al\ue!"#;
/// The client secret the token endpoint answers AADSTS7000222 (expired secret) to.
/// (Not a word of the hint: the runner masks the client secret wherever it appears.)
pub const EXPIRED_SECRET: &str = "Old+Secret/2023!";
/// The client id the token endpoint answers AADSTS700016 (app not in the tenant) to.
pub const UNKNOWN_APP: &str = "unknown-app";
/// The tenant the token endpoint answers AADSTS90002 (tenant not found) to.
pub const UNKNOWN_TENANT: &str = "no-such-tenant";
/// The tenant id (`tid`) in the JWT-shaped tokens.
pub const TENANT_ID: &str = "3c1d6e2f-9a8b-4c7d-b6e5-f4a3b2c1d0e9";
/// The audience of the JWT-shaped tokens: Business Central.
pub const BC_AUDIENCE: &str = "https://api.businesscentral.dynamics.com";
/// The client whose tokens the Business Central API answers 403 to (no permission sets).
pub const FORBIDDEN_APP: &str = "forbidden-app";
/// The client whose first token the Business Central API refuses with 401 (later ones pass).
pub const REVOKED_FIRST: &str = "revoked-first";
/// The client whose every token the Business Central API refuses with 401.
pub const REVOKED_ALWAYS: &str = "revoked-always";
/// The certificate registered for client-assertion (certificate) credentials, and its public
/// key; tests/fixtures/app.key is its private key, tests/fixtures/wrong.key is not.
pub const APP_CERT_PEM: &str = include_str!("../fixtures/app.pem");
pub const APP_PUBLIC_KEY_PEM: &str = include_str!("../fixtures/app.pub.pem");
/// `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Id of the first company, "CRONUS USA, Inc.".
pub const CRONUS_ID: &str = "2f9c8e6a-5d3b-4c1e-9a7f-0b1c2d3e4f50";
/// Id of the second company, "My Company".
pub const MY_COMPANY_ID: &str = "7e4d1a2b-8c9f-4e3d-a6b5-1c2d3e4f5a60";
/// Weak etag of the first CRONUS customer (real BC shape: base64 of `'<len>;<rowversion>;00;'`).
pub const CUSTOMER_ETAG: &str = r#"W/"JzIwOzEyMjU1NzUwNjQ3MjkxMTQ0Mjg5MTswMDsn""#;

/// The access token the server issues to `client_id` (and expects back as a Bearer token).
/// Exceptions, by client id (see `Issuer::issue`): `jwt-…` clients get a JWT-shaped token,
/// `revoked-…` clients get numbered tokens `tok-revoked-first-1`, `…-2`, ….
pub fn token_for(client_id: &str) -> String {
    format!("tok-{client_id}")
}

/// The token endpoint's memory: what it issued, to whom. Shared by the token routes.
#[derive(Debug, Default)]
pub struct Issuer {
    issued: Mutex<Vec<(String, String)>>,
    /// Token requests made so far per client id, throttled ones included.
    asked: Mutex<BTreeMap<String, usize>>,
}

impl Issuer {
    /// Every access token issued so far as (client id, token), oldest first.
    pub fn issued(&self) -> Vec<(String, String)> {
        self.issued.lock().unwrap().clone()
    }

    /// Whether this request of `client_id` is throttled: `throttled-N-…` clients get
    /// 429 Too Many Requests (with `Retry-After: 1`) for their first N token requests.
    fn throttles(&self, client_id: &str) -> bool {
        let Some(limit) = client_id
            .strip_prefix("throttled-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return false;
        };
        let mut asked = self.asked.lock().unwrap();
        let count = asked.entry(client_id.to_string()).or_default();
        *count += 1;
        *count <= limit
    }

    /// A new access token for `client_id` and how it reports `expires_in`:
    /// - `expires-N`: `expires_in: N` (a number, as v2 sends it); `expires-str-N`: `"N"`, as the
    ///   v1 endpoint sends it; everyone else 3599.
    /// - `jwt-…`: a JWT-shaped token (not validly signed) with aud, iss, tid, appid, roles
    ///   `["API.ReadWrite.All"]` (none when the id contains `noroles`), iat, nbf and exp.
    /// - `revoked-…`: `tok-CLIENT-N`, N counting this client's tokens from 1.
    /// - anyone else: `token_for(client_id)`.
    fn issue(&self, client_id: &str, tenant: &str) -> (String, Value) {
        let mut issued = self.issued.lock().unwrap();
        let serial = 1 + issued.iter().filter(|(c, _)| c == client_id).count();
        let lifetime: Value = if let Some(n) = client_id.strip_prefix("expires-str-") {
            json!(n)
        } else if let Some(n) = client_id.strip_prefix("expires-") {
            json!(n.parse::<u64>().unwrap_or(3599))
        } else {
            json!(3599)
        };
        let token = if client_id.starts_with("jwt-") {
            jwt_shaped_token(client_id, tenant, !client_id.contains("noroles"))
        } else if client_id.starts_with("revoked-") {
            format!("tok-{client_id}-{serial}")
        } else {
            token_for(client_id)
        };
        issued.push((client_id.to_string(), token.clone()));
        (token, lifetime)
    }
}

/// What Azure AD's access tokens look like to a client: header.payload.signature, base64url.
fn jwt_shaped_token(client_id: &str, tenant: &str, with_roles: bool) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let now = unix_now();
    let tid = if tenant.len() == 36 {
        tenant
    } else {
        TENANT_ID
    };
    let mut claims = json!({
        "aud": BC_AUDIENCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now,
        "nbf": now,
        "exp": now + 3599,
        "appid": client_id,
        "appidacr": "1",
        "idp": format!("https://sts.windows.net/{tid}/"),
        "oid": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "tid": tid,
        "ver": "1.0",
    });
    if with_roles {
        claims["roles"] = json!(["API.ReadWrite.All"]);
    }
    let header =
        json!({"typ": "JWT", "alg": "RS256", "x5t": "fake-thumbprint", "kid": "fake-thumbprint"});
    let signature = URL_SAFE_NO_PAD.encode(format!("not-a-signature-{now}"));
    format!("{}.{}.{signature}", b64(&header), b64(&claims))
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Where the token request came in, as the client addressed it.
struct Endpoint {
    tenant: String,
    /// `http://HOST/PATH`: what a client assertion's `aud` must be.
    url: String,
}

impl Endpoint {
    fn new(tenant: String, headers: &HeaderMap, uri: &Uri) -> Endpoint {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        Endpoint {
            tenant,
            url: format!("http://{host}{}", uri.path()),
        }
    }
}

/// Accepts urlencoded and multipart bodies; anything else is read as empty, as AAD does.
pub async fn token(
    Extension(issuer): Extension<Arc<Issuer>>,
    UrlPath(tenant): UrlPath<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(content_type(&headers), &body, true).unwrap_or_default();
    let endpoint = Endpoint::new(tenant, &headers, &uri);
    slow_down(&fields).await;
    token_response(&issuer, &endpoint, &headers, fields)
}

/// As the real endpoint is documented to behave: multipart bodies are read as empty too.
pub async fn strict_token(
    Extension(issuer): Extension<Arc<Issuer>>,
    UrlPath(tenant): UrlPath<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(content_type(&headers), &body, false).unwrap_or_default();
    let endpoint = Endpoint::new(tenant, &headers, &uri);
    slow_down(&fields).await;
    token_response(&issuer, &endpoint, &headers, fields)
}

/// Clients whose id starts with `slow-` wait 300 ms for their token, so that requests running
/// in parallel all ask while the first token request is still under way.
async fn slow_down(fields: &BTreeMap<String, String>) {
    if fields
        .get("client_id")
        .is_some_and(|c| c.starts_with("slow-"))
    {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// The checks in the order Azure AD makes them: tenant, request, client, credential, scope.
fn token_response(
    issuer: &Issuer,
    endpoint: &Endpoint,
    headers: &HeaderMap,
    mut fields: BTreeMap<String, String>,
) -> Response {
    let tenant = endpoint.tenant.as_str();
    if tenant == UNKNOWN_TENANT {
        let msg = format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        );
        return aad_error(StatusCode::BAD_REQUEST, "invalid_tenant", 90002, &msg);
    }
    // Client credentials as HTTP Basic (RFC 6749 §2.3.1): each part form-urlencoded.
    if let Some((id, secret)) = basic_credentials(headers) {
        fields.entry("client_id".into()).or_insert(id);
        fields.entry("client_secret".into()).or_insert(secret);
    }
    let field = |name: &str| fields.get(name).map(String::as_str);
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
    if issuer.throttles(client_id) {
        let msg = "The request was throttled: too many requests from this client in a short time. Retry after the time in the Retry-After header.";
        let mut response = aad_error(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            50196,
            msg,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    if client_id == UNKNOWN_APP {
        let msg = format!(
            "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        );
        return aad_error(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, &msg);
    }
    if let Some(refusal) = credential_refusal(&fields, client_id, &endpoint.url) {
        return refusal;
    }
    if let Some(refusal) = scope_refusal(field("scope")) {
        return refusal;
    }
    let (access_token, expires_in) = issuer.issue(client_id, tenant);
    let body = json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    });
    aad_json(StatusCode::OK, &body)
}

/// Azure AD's answer to a request without the parameter `name`.
fn missing(name: &str) -> Response {
    let msg = format!("The request body must contain the following parameter: '{name}'.");
    aad_error(StatusCode::BAD_REQUEST, "invalid_request", 900144, &msg)
}

/// Why the client's credential is refused, if it is: it must be a signed assertion for
/// `token_url`, or a known, unexpired secret.
fn credential_refusal(
    fields: &BTreeMap<String, String>,
    client_id: &str,
    token_url: &str,
) -> Option<Response> {
    let field = |name: &str| fields.get(name).map(String::as_str);
    if let Some(assertion_type) = field("client_assertion_type") {
        if assertion_type != JWT_BEARER {
            let msg = format!(
                "The client_assertion_type '{assertion_type}' is not supported; expected '{JWT_BEARER}'."
            );
            return Some(aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                &msg,
            ));
        }
        let Some(assertion) = field("client_assertion") else {
            return Some(missing("client_assertion"));
        };
        if let Err(refusal) = verify_assertion(assertion, client_id, token_url) {
            return Some(*refusal);
        }
    } else {
        match field("client_secret") {
            None => {
                let msg = "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
                return Some(aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000218,
                    msg,
                ));
            }
            Some(EXPIRED_SECRET) => {
                let msg = format!(
                    "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
                );
                return Some(aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000222,
                    &msg,
                ));
            }
            Some(secret) if secret != CLIENT_SECRET && secret != STRONG_CLIENT_SECRET => {
                let msg = format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                );
                return Some(aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    &msg,
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// Why the scope is refused, if it is: it must be present, one value, ending in `/.default`.
fn scope_refusal(scope: Option<&str>) -> Option<Response> {
    let Some(scope) = scope else {
        let msg = "The required field 'scope' is missing from the credential.";
        return Some(aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90014,
            msg,
        ));
    };
    if scope.trim().is_empty() || scope.contains(char::is_whitespace) {
        let msg = "The provided value for the input parameter 'scope' is not valid.";
        return Some(aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            msg,
        ));
    }
    if !scope.ends_with("/.default") {
        let msg = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        );
        return Some(aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &msg,
        ));
    }
    None
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))`, decoded.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        parse_urlencoded(&format!("v={s}"))
            .remove("v")
            .unwrap_or_default()
    };
    Some((decode(id), decode(secret)))
}

/// base64url SHA-1 and SHA-256 of the registered certificate's DER: `x5t` and `x5t#S256`.
pub fn app_cert_thumbprints() -> (String, String) {
    let cert = pem::parse(APP_CERT_PEM).expect("tests/fixtures/app.pem");
    let der = cert.contents();
    (
        URL_SAFE_NO_PAD.encode(Sha1::digest(der)),
        URL_SAFE_NO_PAD.encode(Sha256::digest(der)),
    )
}

/// Checks a JWT client assertion as Azure AD does, with a precise reason when it refuses:
/// RS256, thumbprints of the registered certificate, signature by its key, aud = the token
/// URL, iss = sub = client id, an expiry in the (near) future.
fn verify_assertion(
    assertion: &str,
    client_id: &str,
    token_url: &str,
) -> Result<(), Box<Response>> {
    let refuse = |code: u32, msg: String| {
        Err(Box::new(aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            code,
            &msg,
        )))
    };
    let malformed =
        |why: String| refuse(50027, format!("JWT token is invalid or malformed: {why}."));
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return malformed(format!("{} segments instead of 3", parts.len()));
    }
    let header: Value = match URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
    {
        Some(h) => h,
        None => return malformed("the header is not base64url JSON".into()),
    };
    if header["alg"] != "RS256" {
        return malformed(format!("alg is {} instead of RS256", header["alg"]));
    }
    let (x5t, x5t_s256) = app_cert_thumbprints();
    let (Some(sent_x5t), Some(sent_s256)) = (header["x5t"].as_str(), header["x5t#S256"].as_str())
    else {
        return malformed(format!("the header lacks x5t or x5t#S256: {header}"));
    };
    if sent_x5t != x5t || sent_s256 != x5t_s256 {
        return refuse(
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{sent_x5t}', expected '{x5t}' (x5t#S256 '{sent_s256}', expected '{x5t_s256}')]"
            ),
        );
    }
    let key = DecodingKey::from_rsa_pem(APP_PUBLIC_KEY_PEM.as_bytes()).expect("public key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[token_url]);
    validation.set_issuer(&[client_id]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    validation.leeway = 0;
    let claims = match jsonwebtoken::decode::<Value>(assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {
            return refuse(
                700027,
                "Client assertion contains an invalid signature. [Reason - The key used is not the registered certificate's key.]".into(),
            );
        }
        Err(e) => return malformed(format!("{e:?} (aud must be {token_url}, iss {client_id})")),
    };
    if claims["sub"] != client_id {
        return malformed(format!("sub is {} instead of {client_id}", claims["sub"]));
    }
    let exp = claims["exp"].as_u64().unwrap_or(0);
    let now = unix_now();
    if exp <= now || exp > now + 3600 {
        return malformed(format!("exp {exp} is not within the next hour (now {now})"));
    }
    Ok(())
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

/// BC's answer to a request it does not authorize: 401 without a `Bearer tok-…` token or a
/// JWT-shaped one with roles (a JWT without roles gets BC's "could not be authenticated"), 401
/// "The credentials provided are incorrect" for a revoked token (`tok-revoked-first-1`, every
/// `tok-revoked-always-…`), 403 for the token of `FORBIDDEN_APP`.
fn deny_without_bearer(tenant: &str, headers: &HeaderMap) -> Option<Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let bearer = authorization.strip_prefix("Bearer ").unwrap_or("");
    // the JWT-shaped tokens of `jwt-…` clients: accepted when they carry roles
    if let Some(claims) = jwt_claims(bearer) {
        let has_roles = claims["roles"].as_array().is_some_and(|r| !r.is_empty());
        return (!has_roles).then(|| {
            bc_error(
                StatusCode::UNAUTHORIZED,
                "Authentication_InvalidCredentials",
                "Web service call failed because user could not be authenticated or authorized.",
            )
        });
    }
    let token = bearer
        .strip_prefix("tok-")
        .filter(|rest| !rest.is_empty())
        .map(|rest| format!("tok-{rest}"));
    let challenge = |description: &str| {
        let challenge = format!(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/{tenant}/oauth2/authorize", error="invalid_token", error_description="{description}""#
        );
        HeaderValue::from_str(&challenge).expect("challenge header")
    };
    let mut response = match token {
        None => {
            let mut response = bc_error(
                StatusCode::UNAUTHORIZED,
                "Authentication_InvalidCredentials",
                "The server has rejected the client credentials.",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                challenge("The access token is missing or invalid"),
            );
            return Some(response);
        }
        Some(token) if is_revoked(&token) => bc_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The credentials provided are incorrect",
        ),
        // BC-API.md has no captured 403 body; assumed the usual error shape [U].
        Some(token) if token == token_for(FORBIDDEN_APP) => {
            return Some(bc_error(
                StatusCode::FORBIDDEN,
                "Authorization_Failed",
                "The current permissions prevented the action. (TableData 2000000006 Company Read: Base Application)",
            ));
        }
        Some(_) => return None,
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        challenge("The access token is expired or revoked"),
    );
    Some(response)
}

/// The claims of a JWT-shaped token (signature not checked), or None.
fn jwt_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Tokens the BC API refuses although the token endpoint issued them.
pub fn is_revoked(token: &str) -> bool {
    token == format!("tok-{REVOKED_FIRST}-1")
        || token.starts_with(&format!("tok-{REVOKED_ALWAYS}-"))
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
