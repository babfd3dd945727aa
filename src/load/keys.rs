//! The tables of keys a collection file may use, one per kind of map. The readers check maps
//! against them and the schema test compares them with the JSON Schema, so this is the one list.

pub(crate) const COLLECTION_FIELDS: &[&str] = &[
    "name", "vars", "auth", "settings", "setup", "requests", "teardown",
];
pub(crate) const INCLUDE_FIELDS: &[&str] = &["include", "with", "name"];
pub(crate) const INCLUDED_FILE_FIELDS: &[&str] = &["name", "vars", "auth", "requests"];
pub(crate) const SNAPSHOT_FIELDS: &[&str] = &["file", "ignore", "headers"];
pub(crate) const PAGINATE_FIELDS: &[&str] = &["next", "items", "max_pages"];
pub(crate) const SETTINGS_FIELDS: &[&str] = &[
    "timeout",
    "connect_timeout",
    "follow_redirects",
    "cookies",
    "insecure",
    "ca_cert",
    "client_cert",
    "client_key",
    "proxy",
    "http2",
    "max_response_bytes",
    "compression",
    "max_retries",
];
pub(crate) const RETRY_FIELDS: &[&str] = &["until", "every", "max", "unsafe", "budget"];
pub(crate) const GROUP_FIELDS: &[&str] = &[
    "group", "vars", "auth", "tags", "when", "skip_if", "requests",
];
pub(crate) const REQUEST_FIELDS: &[&str] = &[
    "name",
    "method",
    "url",
    "query",
    "headers",
    "json",
    "form",
    "multipart",
    "body",
    "auth",
    "tags",
    "when",
    "skip_if",
    "retry",
    "delay",
    "for_each",
    "as",
    "paginate",
    "assert",
    "capture",
];
pub(crate) const BODY_FIELDS: &[&str] = &["json", "form", "multipart", "body"];
pub(crate) const ASSERT_FIELDS: &[&str] = &[
    "status",
    "headers",
    "json",
    "body",
    "duration_ms",
    "expr",
    "schema",
    "snapshot",
];
pub(crate) const CAPTURE_FIELDS: &[&str] = &[
    "json", "header", "regex", "from", "status", "value", "secret", "optional", "default", "when",
];
pub(crate) const AUTH_KINDS: &[&str] = &["bearer", "basic", "digest", "oauth1", "oauth2"];
pub(crate) const BASIC_FIELDS: &[&str] = &["username", "password"];
pub(crate) const OAUTH1_FIELDS: &[&str] = &[
    "consumer_key",
    "consumer_secret",
    "token",
    "token_secret",
    "signature_method",
    "realm",
];
pub(crate) const OAUTH2_FIELDS: &[&str] = &[
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "grant",
    "username",
    "password",
    "refresh_token",
    "send_as",
    "client_assertion",
];

/// The keys the loader accepts in each kind of map, for checking the JSON Schema against.
pub fn accepted_keys() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("collection", COLLECTION_FIELDS),
        ("group", GROUP_FIELDS),
        ("include", INCLUDE_FIELDS),
        ("request", REQUEST_FIELDS),
        ("assert", ASSERT_FIELDS),
        ("capture", CAPTURE_FIELDS),
        ("oauth2", OAUTH2_FIELDS),
        ("basic", BASIC_FIELDS),
        ("digest", BASIC_FIELDS),
        ("oauth1", OAUTH1_FIELDS),
        ("settings", SETTINGS_FIELDS),
        ("retry", RETRY_FIELDS),
        ("paginate", PAGINATE_FIELDS),
        ("snapshot", SNAPSHOT_FIELDS),
        ("operators", crate::model::OPERATORS),
    ]
}

/// `auth.oauth2.client_assertion`: a certificate and its key.
pub(crate) const CLIENT_ASSERTION_FIELDS: &[&str] = &["cert", "key"];
/// A file part of `multipart`.
pub(crate) const MULTIPART_FILE_FIELDS: &[&str] = &["file"];
