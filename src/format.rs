//! The file formats as Rust types, for the JSON Schemas under schema/ (editor completion and
//! validation). The loader reads YAML trees itself, for positions; tests keep these types and
//! the loader's accepted keys equal, and every shipped file valid, so the schemas cannot drift.

// Schema-only types: never built or read, only described.
#![allow(dead_code, clippy::large_enum_variant)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde_json::Value;

/// A collection: variables, defaults for every request, and the requests in order.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "runner collection")]
pub struct CollectionFile {
    /// Shown in output and reports; the file name when absent.
    #[schemars(example = &"Business Central smoke")]
    name: Option<String>,
    /// Default variables; the environment, `--var` and captures override them. Values may be
    /// templates over other variables.
    #[schemars(example = serde_json::json!({"api": "https://api.businesscentral.dynamics.com/v2.0/<<Tenant>>/<<Environment>>/api/v2.0"}))]
    vars: Option<BTreeMap<String, Value>>,
    /// Authentication for every request (a group or request may override it).
    auth: Option<Auth>,
    /// Network settings for this collection; command-line flags win.
    settings: Option<Settings>,
    /// Requests that run first; if one fails the main requests are skipped.
    setup: Option<Vec<Item>>,
    /// The requests, in order. An item is a request, a group or an include.
    requests: Vec<Item>,
    /// Requests that always run last, even after failures, --bail or Ctrl-C.
    teardown: Option<Vec<Item>>,
}

/// An environment: a flat map of variables (values may be templates, e.g. `<<secret("X")>>`).
#[derive(JsonSchema)]
#[schemars(title = "runner environment")]
pub struct EnvironmentFile {
    /// Another environment (beside this file) whose variables this one overrides.
    #[schemars(example = &"base")]
    extends: Option<String>,
    /// Any variable.
    #[schemars(flatten)]
    vars: BTreeMap<String, Value>,
}

/// A request, a group of requests, or an included file.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum Item {
    Request(Box<Request>),
    Group(Group),
    Include(Include),
}

/// Requests that share auth, variables, tags or a condition; the output shows `group/name`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Group {
    /// The group's name.
    group: String,
    /// Defaults for the group's requests (above collection vars, below the environment).
    vars: Option<BTreeMap<String, Value>>,
    /// Authentication for the group's requests.
    auth: Option<Auth>,
    /// Tags for `--tag` / `--skip-tag`, added to the requests'.
    tags: Option<Vec<String>>,
    /// Run the group's requests only when this expression holds.
    when: Option<String>,
    /// Skip the group's requests when this expression holds.
    skip_if: Option<String>,
    /// The group's items.
    requests: Vec<Item>,
}

/// Another file's requests run in place, like a function call.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Include {
    /// The file, relative to this one.
    #[schemars(example = &"auth/token.yaml")]
    include: String,
    /// Parameters: variables for the included requests (they win over the environment).
    with: Option<BTreeMap<String, Value>>,
    /// The group name of the included requests (default: the file's name).
    name: Option<String>,
}

/// One HTTP request with its checks and captures.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Request {
    /// Unique within the collection (with its group path).
    name: String,
    /// HTTP method; GET when absent.
    #[schemars(example = &"POST")]
    method: Option<String>,
    /// The URL; a template.
    #[schemars(example = &"<<api>>/companies")]
    url: String,
    /// Query parameters, appended percent-encoded.
    #[schemars(example = serde_json::json!({"$top": 5}))]
    query: Option<BTreeMap<String, Value>>,
    /// Headers.
    headers: Option<BTreeMap<String, String>>,
    /// A body sent as JSON; a string that is exactly `<<expr>>` keeps its type.
    json: Option<Value>,
    /// An application/x-www-form-urlencoded body.
    form: Option<BTreeMap<String, Value>>,
    /// A multipart/form-data body; `{ file: path }` sends a file.
    multipart: Option<BTreeMap<String, MultipartValue>>,
    /// A raw body, or `{ file: path }` for a file's bytes; set Content-Type yourself.
    body: Option<RawBody>,
    /// Authentication for this request; `none` switches it off.
    auth: Option<Auth>,
    /// Tags for `--tag` / `--skip-tag`.
    tags: Option<Vec<String>>,
    /// Run only when this expression over the variables holds.
    when: Option<String>,
    /// Skip when this expression over the variables holds.
    skip_if: Option<String>,
    /// Polling and retry options.
    retry: Option<Retry>,
    /// Wait before sending, e.g. `500ms`.
    delay: Option<String>,
    /// Run once per element of this list (a template), bound to `as`.
    #[schemars(example = &"<<customer_ids>>")]
    for_each: Option<String>,
    /// The variable each `for_each` element is bound to.
    #[schemars(rename = "as")]
    as_: Option<String>,
    /// Follow next links and join the pages' items.
    paginate: Option<Paginate>,
    /// Checks on the response; all are evaluated.
    assert: Option<Assert>,
    /// Values taken from the response into variables: a JSONPath, or a map.
    #[schemars(example = serde_json::json!({"token": "$.access_token", "etag": {"header": "ETag"}}))]
    capture: Option<BTreeMap<String, Capture>>,
}

/// A raw body: text, or a file.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum RawBody {
    Text(String),
    File(FilePart),
}

/// A multipart field: a value, or a file.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum MultipartValue {
    File(FilePart),
    Value(Value),
}

/// A file part.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct FilePart {
    /// Path relative to the collection file.
    file: String,
}

/// `none`, or one of bearer, basic, digest, oauth1, oauth2.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum Auth {
    Off(AuthOff),
    Block(AuthBlock),
}

/// Switches inherited authentication off.
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
enum AuthOff {
    None,
}

/// One of `bearer`, `basic`, `digest`, `oauth1`, `oauth2`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AuthBlock {
    /// `Authorization: Bearer <token>`.
    bearer: Option<String>,
    /// HTTP Basic.
    basic: Option<Basic>,
    /// HTTP Digest (RFC 7616): the request is answered to the server's challenge after a 401.
    digest: Option<Basic>,
    /// An OAuth 1.0a signature (RFC 5849), made for each request.
    oauth1: Option<OAuth1>,
    /// A token from an OAuth2 token endpoint, fetched once and shared.
    oauth2: Option<OAuth2>,
}

/// OAuth 1.0a credentials.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct OAuth1 {
    /// Consumer (client) key.
    consumer_key: String,
    /// Consumer secret (always masked in output).
    consumer_secret: String,
    /// Access token.
    token: Option<String>,
    /// Token secret (always masked in output).
    token_secret: Option<String>,
    /// How the request is signed (HMAC-SHA1 when absent).
    signature_method: Option<SignatureMethod>,
    /// `realm`, sent in the header but not signed.
    realm: Option<String>,
}

/// An OAuth 1.0a signature method.
#[derive(JsonSchema)]
enum SignatureMethod {
    #[schemars(rename = "HMAC-SHA1")]
    HmacSha1,
    #[schemars(rename = "HMAC-SHA256")]
    HmacSha256,
    #[schemars(rename = "PLAINTEXT")]
    Plaintext,
}

/// HTTP Basic credentials.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Basic {
    /// User name.
    username: String,
    /// Password (always masked in output).
    password: String,
}

/// An OAuth2 token endpoint (Azure AD for Business Central) and the credentials to present.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct OAuth2 {
    /// The token endpoint.
    #[schemars(example = &"https://login.microsoftonline.com/<<Tenant>>/oauth2/v2.0/token")]
    token_url: String,
    /// The application (client) id.
    client_id: String,
    /// The client secret (or use `client_assertion`).
    #[schemars(example = &"<<secret(\"BC_CLIENT_SECRET\")>>")]
    client_secret: Option<String>,
    /// The scope.
    #[schemars(example = &"https://api.businesscentral.dynamics.com/.default")]
    scope: Option<String>,
    /// The grant: `client_credentials` (default), `password` or `refresh_token`.
    grant: Option<Grant>,
    /// For the password grant.
    username: Option<String>,
    /// For the password grant.
    password: Option<String>,
    /// For the refresh_token grant.
    refresh_token: Option<String>,
    /// How client credentials travel: `form` (default), `multipart` or `basic`.
    send_as: Option<SendAs>,
    /// A certificate to sign a client assertion with (RS256), instead of a secret.
    client_assertion: Option<ClientAssertion>,
}

/// OAuth2 grants.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Grant {
    ClientCredentials,
    Password,
    RefreshToken,
}

/// Where client credentials go.
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
enum SendAs {
    Form,
    Multipart,
    Basic,
}

/// Certificate and key files (PEM), relative to the collection.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ClientAssertion {
    /// The certificate.
    cert: String,
    /// The RSA private key.
    key: String,
}

/// Network settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Settings {
    /// Whole-request timeout, e.g. `30s`.
    timeout: Option<String>,
    /// Connection timeout.
    connect_timeout: Option<String>,
    /// Follow redirects (default true, at most 10).
    follow_redirects: Option<bool>,
    /// A cookie jar for the run (default true).
    cookies: Option<bool>,
    /// Accept any TLS certificate (prints a warning).
    insecure: Option<bool>,
    /// Extra root certificates (PEM file).
    ca_cert: Option<String>,
    /// Client certificate (PEM) for mutual TLS.
    client_cert: Option<String>,
    /// Its private key (PEM).
    client_key: Option<String>,
    /// Proxy URL.
    proxy: Option<String>,
    /// HTTP/2 with prior knowledge.
    http2: Option<bool>,
    /// Larger responses fail, e.g. `50MiB` (the default).
    max_response_bytes: Option<Value>,
    /// Send `Accept-Encoding: gzip, deflate, br, zstd` and decode compressed responses
    /// (default true).
    compression: Option<bool>,
    /// Retries of throttled (429, 503) or reset requests (default 3).
    max_retries: Option<u32>,
}

/// Retry and polling options.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Retry {
    /// Resend until this expression over `response` holds.
    #[schemars(example = &"response.json.status == 'Completed'")]
    until: Option<String>,
    /// Wait between polls, e.g. `2s`.
    every: Option<String>,
    /// Most polls.
    max: Option<u32>,
    /// Also retry non-idempotent methods after a connection reset.
    #[schemars(rename = "unsafe")]
    unsafe_: Option<bool>,
    /// Time all attempts may take, e.g. `2m`.
    budget: Option<String>,
}

/// Pagination by next links.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Paginate {
    /// JSONPath of the next page's URL.
    #[schemars(example = &"$['@odata.nextLink']")]
    next: Option<String>,
    /// JSONPath of each page's items.
    #[schemars(example = &"$.value")]
    items: Option<String>,
    /// Stop after this many pages (default 50).
    max_pages: Option<u32>,
}

/// Checks on the response.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Assert {
    /// The status: a number, a list of allowed numbers, or a matcher.
    status: Option<Matcher>,
    /// Headers by case-insensitive name.
    headers: Option<BTreeMap<String, Matcher>>,
    /// JSONPath → matcher.
    #[schemars(example = serde_json::json!({"$.value": {"length": {"gte": 1}}}))]
    json: Option<BTreeMap<String, Matcher>>,
    /// The body as text.
    body: Option<Matcher>,
    /// Time to the full response.
    duration_ms: Option<Matcher>,
    /// Expressions over `response` (status, headers, json, body, duration_ms, pages) that must hold.
    expr: Option<OneOrMany>,
    /// A JSON Schema: a file relative to the collection, or inline.
    schema: Option<Value>,
    /// The response equals a stored snapshot: `true`, a file, or options.
    snapshot: Option<SnapshotOption>,
}

/// One string or a list of them.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// A plain value (equality) or a map of operators. (A misspelt operator is caught by the
/// loader with a "did you mean"; the schema can only tell a map with a known operator.)
#[derive(JsonSchema)]
#[schemars(untagged)]
enum Matcher {
    Operators(Box<Operators>),
    Value(#[schemars(schema_with = "plain_value")] Value),
}

/// Any value but a map holding an operator name (that is an operator map, checked above).
fn plain_value(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let operator_keys: Vec<Value> = crate::model::OPERATORS
        .iter()
        .map(|op| serde_json::json!({ "required": [op] }))
        .collect();
    schemars::json_schema!({
        "not": { "type": "object", "anyOf": operator_keys }
    })
}

/// Matcher operators; every one given must hold.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Operators {
    /// Equal.
    eq: Option<Value>,
    /// Not equal.
    ne: Option<Value>,
    /// Greater than.
    gt: Option<Value>,
    /// Greater than or equal.
    gte: Option<Value>,
    /// Less than.
    lt: Option<Value>,
    /// Less than or equal.
    lte: Option<Value>,
    /// Substring, array element or object key.
    contains: Option<Value>,
    /// The opposite of contains.
    not_contains: Option<Value>,
    /// String prefix.
    starts_with: Option<Value>,
    /// String suffix.
    ends_with: Option<Value>,
    /// Regular expression search.
    matches: Option<String>,
    /// Whether anything is there.
    exists: Option<bool>,
    /// JSON type.
    #[schemars(rename = "type")]
    type_: Option<JsonType>,
    /// Length of a string, array or object: a number or a matcher.
    length: Option<Matcher>,
    /// Equal to one of these.
    one_of: Option<Vec<Value>>,
}

/// JSON types.
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
enum JsonType {
    String,
    Number,
    Integer,
    Bool,
    Boolean,
    Object,
    Array,
    Null,
}

/// `true`, a file name, or options.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum SnapshotOption {
    On(bool),
    File(String),
    Options(SnapshotOptions),
}

/// Snapshot options.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct SnapshotOptions {
    /// The stored file, relative to the collection.
    file: Option<String>,
    /// JSONPaths stored as a placeholder (timestamps, ids, ETags).
    ignore: Option<Vec<String>>,
    /// Response headers kept in the snapshot.
    headers: Option<Vec<String>>,
}

/// A JSONPath, or a map.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum Capture {
    Path(String),
    Spec(CaptureSpec),
    /// Captures of one variable, made in order (each under its own `when`).
    List(Vec<CaptureSpec>),
}

/// Where a capture reads from: one of json, header, regex, status, value.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct CaptureSpec {
    /// A JSONPath into the JSON body.
    json: Option<String>,
    /// A header's value.
    header: Option<String>,
    /// A regex over the body (or `from: header NAME`); the first group.
    regex: Option<String>,
    /// `body` or `header NAME`, for regex.
    from: Option<String>,
    /// The status code.
    status: Option<bool>,
    /// A value of its own (any YAML value; strings are templates over the variables and
    /// `response`), set as it renders.
    value: Option<serde_json::Value>,
    /// Mask the value in every output.
    secret: Option<bool>,
    /// When nothing is selected, leave the variable as it was instead of failing.
    optional: Option<bool>,
    /// The value to set when nothing is selected.
    default: Option<serde_json::Value>,
    /// Capture only when this expression (over `response` and the variables) is true.
    when: Option<String>,
}

/// The JSON Schema of collection files.
pub fn collection_schema() -> String {
    pretty(generator().into_root_schema_for::<CollectionFile>())
}

/// The JSON Schema of environment files.
pub fn environment_schema() -> String {
    pretty(generator().into_root_schema_for::<EnvironmentFile>())
}

/// Draft 2020-12; an absent key is "not set", so `null` is not offered as a value.
fn generator() -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.transforms
                .push(Box::new(schemars::transform::RecursiveTransform(drop_null)))
        })
        .into_generator()
}

/// `"type": ["string", "null"]` → `"string"`; `anyOf: [X, {"type": "null"}]` → X.
fn drop_null(schema: &mut schemars::Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(options)) = object.get("anyOf") {
        let kept: Vec<Value> = options
            .iter()
            .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
            .cloned()
            .collect();
        if kept.len() == 1 {
            object.remove("anyOf");
            if let Value::Object(inner) = &kept[0] {
                for (k, v) in inner {
                    object.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        } else {
            object.insert("anyOf".into(), Value::Array(kept));
        }
    }
}

fn pretty(schema: schemars::Schema) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    )
}
