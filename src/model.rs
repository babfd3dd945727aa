//! The validated collection: what the loader produces and the runner executes.
//! Strings that may hold templates are already compiled (`Tpl`); JSONPaths and regexes are parsed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use crate::location::Location;
use crate::query::Query;
use crate::template::{TValue, TemplateId, Templates, Tpl};

/// One collection file, ready to run.
#[derive(Debug)]
pub struct Collection {
    /// `name:` or the file stem.
    pub name: String,
    /// The collection file.
    pub path: PathBuf,
    /// The folder relative paths (multipart files) are resolved against.
    pub dir: PathBuf,
    /// Default variables, lowest precedence.
    pub vars: Vec<(String, TValue)>,
    /// Requests in file order, groups flattened (each request knows its scope).
    pub requests: Vec<Request>,
    /// Variable scopes of groups; `scopes[0]` is the collection itself (no vars of its own).
    pub scopes: Vec<Scope>,
    /// Network settings of `settings:` (command-line flags win).
    pub settings: Settings,
    /// Where each of `vars` is defined.
    pub var_locations: Vec<(String, Location)>,
    /// The compiled templates every `Tpl` in this collection points into.
    pub templates: Arc<Templates>,
}

/// Network settings: each `None` means "not set here" (a flag or the default decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Whole-request timeout.
    pub timeout: Option<Duration>,
    /// Connection timeout.
    pub connect_timeout: Option<Duration>,
    /// Follow redirects (at most 10).
    pub follow_redirects: Option<bool>,
    /// Keep a cookie jar for the run.
    pub cookies: Option<bool>,
    /// Accept any TLS certificate.
    pub insecure: Option<bool>,
    /// A PEM file of extra root certificates.
    pub ca_cert: Option<PathBuf>,
    /// A PEM client certificate (mTLS).
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of the client certificate.
    pub client_key: Option<PathBuf>,
    /// Proxy URL for all requests.
    pub proxy: Option<String>,
    /// HTTP/2 with prior knowledge (no upgrade).
    pub http2: Option<bool>,
    /// Responses larger than this (decoded) fail.
    pub max_response_bytes: Option<u64>,
    /// Ask for compressed responses and decode them.
    pub compression: Option<bool>,
    /// Retries of throttled (429, 503) and reset requests.
    pub max_retries: Option<u32>,
}

/// How a request is sent again: after throttling, or until a condition holds (polling).
#[derive(Debug, Clone)]
pub struct Retry {
    /// Resend until this expression over `response` holds.
    pub until: Option<Condition>,
    /// Wait between polls.
    pub every: Option<Duration>,
    /// Most attempts when polling.
    pub max: Option<u32>,
    /// Retry non-idempotent methods after a connection reset too.
    pub unsafe_methods: bool,
    /// Time all attempts together may take.
    pub budget: Option<Duration>,
}

/// The variables a group adds for its requests, and the group around it.
#[derive(Debug, Default)]
pub struct Scope {
    /// The enclosing scope; `None` for the collection.
    pub parent: Option<usize>,
    /// Defaults for the group's requests: above collection vars, below environment and `--var`.
    pub vars: Vec<(String, TValue)>,
    /// `with:` parameters of an include: above environment and `--var`, below captures.
    pub params: Vec<(String, TValue)>,
}

/// How a request authenticates.
#[derive(Debug)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(Tpl),
    /// HTTP Basic.
    Basic {
        /// User name.
        username: Tpl,
        /// Password (always secret).
        password: Tpl,
    },
    /// HTTP Digest (RFC 7616): sent once without credentials, answered to the server's
    /// `WWW-Authenticate: Digest` challenge after a 401.
    Digest {
        /// User name.
        username: Tpl,
        /// Password (always secret).
        password: Tpl,
    },
    /// An OAuth 1.0a signature, made for each request.
    OAuth1(OAuth1),
    /// A token from an OAuth2 token endpoint, fetched once and shared.
    OAuth2(OAuth2),
}

/// OAuth 1.0a credentials; the signature covers method, URL, query and form body.
#[derive(Debug)]
pub struct OAuth1 {
    /// Consumer (client) key.
    pub consumer_key: Tpl,
    /// Consumer secret (always secret).
    pub consumer_secret: Tpl,
    /// Access token, if any.
    pub token: Option<Tpl>,
    /// Token secret (always secret), if any.
    pub token_secret: Option<Tpl>,
    /// How the request is signed.
    pub signature_method: SignatureMethod,
    /// `realm`, sent but not signed.
    pub realm: Option<Tpl>,
}

/// An OAuth 1.0a signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// HMAC-SHA1 (the default).
    HmacSha1,
    /// HMAC-SHA256.
    HmacSha256,
    /// The key itself (only over TLS).
    Plaintext,
}

impl SignatureMethod {
    /// Every method, by name on the wire.
    pub const ALL: [(SignatureMethod, &'static str); 3] = [
        (SignatureMethod::HmacSha1, "HMAC-SHA1"),
        (SignatureMethod::HmacSha256, "HMAC-SHA256"),
        (SignatureMethod::Plaintext, "PLAINTEXT"),
    ];

    /// The method's name on the wire.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("", |(_, n)| n)
    }

    /// The method of a name (any case).
    pub fn parse(name: &str) -> Option<SignatureMethod> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(m, _)| *m)
    }
}

/// An OAuth2 token endpoint and the credentials to present to it.
#[derive(Debug)]
pub struct OAuth2 {
    /// Where the `auth:` block is written.
    pub location: Location,
    /// The token endpoint.
    pub token_url: Tpl,
    /// The application (client) id.
    pub client_id: Tpl,
    /// The client secret, unless a certificate is used.
    pub client_secret: Option<Tpl>,
    /// Requested scope, e.g. `https://api.businesscentral.dynamics.com/.default`.
    pub scope: Option<Tpl>,
    /// The grant and its own parameters.
    pub grant: Grant,
    /// How client credentials travel.
    pub send_as: SendAs,
    /// A certificate to sign a client assertion with, instead of a secret.
    pub client_assertion: Option<ClientAssertion>,
}

/// OAuth2 grant types.
#[derive(Debug)]
pub enum Grant {
    /// `client_credentials` (the default).
    ClientCredentials,
    /// `password` (resource owner credentials).
    Password {
        /// User name.
        username: Tpl,
        /// Password.
        password: Tpl,
    },
    /// `refresh_token`.
    RefreshToken(Tpl),
}

/// Where client credentials go in the token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAs {
    /// In an urlencoded body (the default, what Azure AD documents).
    Form,
    /// In a multipart body (as Postman's form-data sends them).
    Multipart,
    /// As HTTP Basic credentials, the rest in an urlencoded body.
    Basic,
}

/// A certificate credential: a signed JWT instead of a client secret.
#[derive(Debug)]
pub struct ClientAssertion {
    /// PEM certificate file, relative to the collection.
    pub cert: Tpl,
    /// PEM private key file (RSA), relative to the collection.
    pub key: Tpl,
}

/// One HTTP request with its checks and captures.
#[derive(Debug)]
pub struct Request {
    /// The request's own name.
    pub name: String,
    /// Group names and the name joined with `/`: unique within the collection.
    pub path: String,
    /// The variable scope of the innermost group around it (0: none).
    pub scope: usize,
    /// The nearest `auth:` (request, group, collection); `None` when off.
    pub auth: Option<Arc<Auth>>,
    /// Its own tags and those of the groups around it.
    pub tags: Vec<String>,
    /// `when:` / `skip_if:` of the request and its groups, all checked before it runs.
    pub conditions: Vec<Condition>,
    /// Retries and polling.
    pub retry: Option<Retry>,
    /// Setup, main or teardown.
    pub phase: Phase,
    /// Run once per element of a list.
    pub for_each: Option<ForEach>,
    /// Follow next links.
    pub paginate: Option<Paginate>,
    /// Wait before sending.
    pub delay: Option<Duration>,
    /// Where the request's entry starts.
    pub location: Location,
    /// HTTP method (may be a template).
    pub method: Tpl,
    /// URL before the query is appended.
    pub url: Tpl,
    /// Query parameters appended to the URL, percent-encoded.
    pub query: Vec<(String, TValue)>,
    /// Headers in file order.
    pub headers: Vec<(String, Tpl)>,
    /// At most one body.
    pub body: Option<Body>,
    /// Checks on the response, all evaluated.
    pub assertions: Vec<Assertion>,
    /// Values taken from the response into variables.
    pub captures: Vec<Capture>,
}

/// A `when:` or `skip_if:` expression over the variables.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The compiled expression.
    pub id: TemplateId,
    /// As written.
    pub source: String,
    /// `skip_if:` (skip when true) rather than `when:` (run only when true).
    pub skip_if: bool,
}

/// A request body.
#[derive(Debug)]
pub enum Body {
    /// Any value, sent as JSON; whole-expression strings keep their type.
    Json(TValue),
    /// application/x-www-form-urlencoded.
    Form(Vec<(String, TValue)>),
    /// multipart/form-data.
    Multipart(Vec<(String, Part)>),
    /// A raw string; the user sets Content-Type.
    Raw(Tpl),
    /// A file's bytes, relative to the collection's folder; the user sets Content-Type.
    File(Tpl),
}

/// One multipart field.
#[derive(Debug)]
pub enum Part {
    /// A text field.
    Text(TValue),
    /// A file, relative to the collection's folder.
    File(Tpl),
}

/// One check, with the place it was written.
#[derive(Debug)]
pub struct Assertion {
    /// Where the assertion's key stands.
    pub location: Location,
    /// What is checked.
    pub subject: Subject,
    /// How it is checked.
    pub check: Check,
}

/// What part of the response an assertion looks at.
#[derive(Debug)]
pub enum Subject {
    /// The status code.
    Status,
    /// One header, by case-insensitive name.
    Header(String),
    /// A JSONPath into the JSON body.
    Json(Query),
    /// The body as text.
    Body,
    /// Time to the full response, in milliseconds.
    DurationMs,
    /// A minijinja expression over `response` and the variables.
    Expr {
        /// The compiled expression.
        id: TemplateId,
        /// As written.
        source: String,
    },
}

/// How a subject is checked.
#[derive(Debug)]
pub enum Check {
    /// A matcher over the subject's value.
    Matcher(Matcher),
    /// An expression that must be truthy (for `Subject::Expr`).
    Truthy,
    /// The JSON body validates against a JSON Schema.
    Schema(Schema),
    /// The response equals a stored snapshot file.
    Snapshot(Snapshot),
}

/// A compiled JSON Schema and where it came from.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The file, or `inline schema`.
    pub source: String,
    /// The validator.
    pub validator: Arc<jsonschema::Validator>,
}

/// `assert: snapshot:`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The stored file, relative to the collection; `None` derives one from the request path.
    pub file: Option<PathBuf>,
    /// JSONPaths whose values are replaced by a placeholder (timestamps, ETags).
    pub ignore: Vec<Query>,
    /// Response headers kept in the snapshot.
    pub headers: Vec<String>,
}

/// Which part of a collection a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `setup:`: runs first; a failure skips the main requests.
    Setup,
    /// `requests:`.
    Main,
    /// `teardown:`: runs last, always, even after failures, `--bail` or Ctrl-C.
    Teardown,
}

/// `for_each:` + `as:`: the request runs once per element of a list.
#[derive(Debug, Clone)]
pub struct ForEach {
    /// The list (usually `<<captured_ids>>`).
    pub items: Tpl,
    /// The variable each element is bound to.
    pub var: String,
}

/// `paginate:`: follow next links and join the pages' items.
#[derive(Debug, Clone)]
pub struct Paginate {
    /// Where the next page's URL is (absent on the last page).
    pub next: Query,
    /// Where each page's items are (`$.value`).
    pub items: Query,
    /// Stop after this many pages.
    pub max_pages: u32,
}

/// A matcher: every operator must hold.
#[derive(Debug)]
pub struct Matcher {
    /// Operators, in file order.
    pub ops: Vec<Op>,
}

/// One matcher operator.
#[derive(Debug)]
pub enum Op {
    /// Equal (numbers compare by value).
    Eq(TValue),
    /// Not equal.
    Ne(TValue),
    /// Greater than.
    Gt(TValue),
    /// Greater than or equal.
    Gte(TValue),
    /// Less than.
    Lt(TValue),
    /// Less than or equal.
    Lte(TValue),
    /// Substring, array element or object key.
    Contains(TValue),
    /// Negation of `Contains`.
    NotContains(TValue),
    /// String prefix.
    StartsWith(TValue),
    /// String suffix.
    EndsWith(TValue),
    /// Regex search over a string.
    Matches(Regex),
    /// Whether the subject is present at all.
    Exists(bool),
    /// JSON type.
    Type(JsonType),
    /// Length of a string, array or object.
    Length(Matcher),
    /// Equal to one of these.
    OneOf(Vec<TValue>),
}

impl Op {
    /// The operator's name as written in YAML.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Contains(_) => "contains",
            Op::NotContains(_) => "not_contains",
            Op::StartsWith(_) => "starts_with",
            Op::EndsWith(_) => "ends_with",
            Op::Matches(_) => "matches",
            Op::Exists(_) => "exists",
            Op::Type(_) => "type",
            Op::Length(_) => "length",
            Op::OneOf(_) => "one_of",
        }
    }
}

/// Operator names, for parsing and "did you mean" hints.
pub const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "exists",
    "type",
    "length",
    "one_of",
];

/// JSON value types for the `type` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A string.
    String,
    /// Any number.
    Number,
    /// A number without fraction.
    Integer,
    /// true/false.
    Bool,
    /// A map.
    Object,
    /// A list.
    Array,
    /// null.
    Null,
}

impl JsonType {
    /// Parses a type name; `boolean` is accepted beside `bool`.
    pub fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "bool" | "boolean" => JsonType::Bool,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    /// The type's name as written.
    pub fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Bool => "bool",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
}

/// A value taken from the response into a variable.
#[derive(Debug)]
pub struct Capture {
    /// The variable it sets.
    pub name: String,
    /// Where it was written.
    pub location: Location,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Mask the value in every output.
    pub secret: bool,
    /// Selecting nothing leaves the variable as it was instead of failing the request.
    pub optional: bool,
    /// The value set when nothing is selected.
    pub default: Option<serde_json::Value>,
    /// Made only when this expression (over `response` and the variables) is true.
    pub when: Option<TemplateId>,
}

/// Where a capture reads from.
#[derive(Debug)]
pub enum CaptureSource {
    /// A JSONPath into the JSON body.
    Json(Query),
    /// A header's value.
    Header(String),
    /// The first group (or whole match) of a regex over the body or a header.
    Regex {
        /// The pattern.
        regex: Regex,
        /// `None` for the body; `Some(name)` for a header.
        header: Option<String>,
    },
    /// The status code.
    Status,
    /// A value of its own; its strings are templates over the variables and `response`.
    Value(TValue),
}
