//! Secret values known to this process and their masking. Process-wide on purpose: a secret
//! learnt anywhere (an environment read, a token, a capture) must be hidden everywhere output
//! is written, and no output path may forget to be told.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{OnceLock, RwLock};

use aho_corasick::AhoCorasick;

use crate::urlencode;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Values shorter than this are not masked: they would blank out ordinary text.
const MIN_LEN: usize = 3;

#[derive(Default)]
struct Registry {
    /// Secrets as given (a repeated `add` of one is a lookup, not six encodings).
    known: HashSet<String, BuildHasherDefault<EndsHasher>>,
    /// Every secret in every encoding, longest first.
    values: Vec<String>,
    /// Built on the first `mask` after a change, not on every `add`.
    matcher: Option<AhoCorasick>,
}

/// Hashes a text by its length and its first and last 16 bytes: a lookup of a 1 KB token,
/// made for every request that sends it, reads 32 bytes instead of all of them. Texts that
/// share those still meet in one bucket and are told apart by comparison.
#[derive(Default)]
struct EndsHasher(u64);

impl Hasher for EndsHasher {
    fn write(&mut self, bytes: &[u8]) {
        let head = &bytes[..bytes.len().min(16)];
        let tail = &bytes[bytes.len().saturating_sub(16)..];
        // FNV-1a
        let mut hash = self.0 ^ 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
        for byte in head.iter().chain(tail) {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Marks a value secret, with the encodings it may appear in (URL, form, JSON string).
pub fn add(value: &str) {
    if value.len() < MIN_LEN {
        return;
    }
    if registry()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .known
        .contains(value)
    {
        return;
    }
    let json = json_escaped(value);
    let forms = [
        value.to_string(),
        urlencode::encode_component(value),
        form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        urlencode::encode_query(value),
        // JSON inside JSON (a body echoed in a string field) escapes twice
        json_escaped(&json),
        json,
    ];
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    reg.known.insert(value.to_string());
    let before = reg.values.len();
    for form in forms {
        if form.len() >= MIN_LEN && !reg.values.contains(&form) {
            reg.values.push(form);
        }
    }
    if reg.values.len() != before {
        // longest first, so a secret containing another is masked whole
        reg.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        reg.matcher = None;
    }
}

/// The text as it stands inside a JSON string.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

/// The text with every known secret replaced by `***`.
pub fn mask(text: &str) -> Cow<'_, str> {
    let stale = {
        let reg = registry().read().unwrap_or_else(|e| e.into_inner());
        reg.matcher.is_none() && !reg.values.is_empty()
    };
    if stale {
        let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
        if reg.matcher.is_none() {
            // a contiguous NFA builds quickly; the texts masked are short lines and reports
            reg.matcher = AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .build(&reg.values)
                .ok();
        }
    }
    let reg = registry().read().unwrap_or_else(|e| e.into_inner());
    let Some(matcher) = &reg.matcher else {
        return Cow::Borrowed(text);
    };
    if !matcher.is_match(text) {
        return Cow::Borrowed(text);
    }
    // a mask next to the text around it can spell a secret containing `*` again
    let masks = vec![MASK; reg.values.len()];
    let mut masked = matcher.replace_all(text, &masks);
    for _ in 0..8 {
        if !matcher.is_match(&masked) {
            break;
        }
        masked = matcher.replace_all(&masked, &masks);
    }
    Cow::Owned(masked)
}

/// Field names whose values are always secret: OAuth2 credentials and tokens.
const CREDENTIAL_FIELDS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "password",
    "refresh_token",
    "access_token",
    "id_token",
];

/// Marks a form or JSON field's value secret when its name says it is a credential.
pub fn add_if_credential(field: &str, value: &str) {
    if CREDENTIAL_FIELDS
        .iter()
        .any(|f| field.eq_ignore_ascii_case(f))
    {
        add(value);
    }
}

/// Marks the credential fields at the top of a JSON object secret (token responses, bodies).
pub fn add_credential_fields(json: &serde_json::Value) {
    if let serde_json::Value::Object(map) = json {
        for (name, value) in map {
            if let serde_json::Value::String(text) = value {
                add_if_credential(name, text);
            }
        }
    }
}

/// Header names whose values are always secret.
pub fn is_secret_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// Registers a secret header's value: whole, and its credential after an auth scheme.
pub fn add_header_value(value: &str) {
    add(value);
    if let Some((_, credential)) = value.split_once(' ') {
        add(credential.trim());
    }
    for cookie in value.split(';') {
        if let Some((_, v)) = cookie.split_once('=') {
            add(v.trim());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_inside_longer_text_and_their_encodings() {
        add("s3cr+t/value");
        assert_eq!(mask("x=s3cr+t/value&y=1"), "x=***&y=1");
        assert_eq!(mask("client_secret=s3cr%2Bt%2Fvalue"), "client_secret=***");
        assert_eq!(mask("nothing here"), "nothing here");
    }

    #[test]
    fn short_values_are_not_masked() {
        add("ab");
        assert_eq!(mask("abc"), "abc");
    }

    #[test]
    fn header_credentials_are_registered() {
        add_header_value("Bearer eyJ0eXAiOiJKV1QiLCJ4");
        assert_eq!(mask("token eyJ0eXAiOiJKV1QiLCJ4 used"), "token *** used");
    }
}
