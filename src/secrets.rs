//! Secret values known to a command and their masking. A `Secrets` is a handle: one per
//! command, cloned into every place that learns a secret (rendering, authorization, captures,
//! tokens) and every sink that writes output, so a secret learnt anywhere is hidden everywhere,
//! and forgotten with the command's last handle (no process-wide registry).

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use aho_corasick::AhoCorasick;

use crate::urlencode;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Values shorter than this are not masked: they would blank out ordinary text.
const MIN_LEN: usize = 3;

/// The secrets of one command: cheap to clone, and every clone sees every secret.
#[derive(Clone, Default)]
pub struct Secrets {
    registry: Arc<RwLock<Registry>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the values
        write!(f, "Secrets({} known)", self.read().known.len())
    }
}

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

impl Secrets {
    /// Marks a value secret, with the encodings it may appear in (URL, form, JSON string).
    pub fn add(&self, value: &str) {
        if value.len() < MIN_LEN || self.read().known.contains(value) {
            return;
        }
        let json = json_escaped(value);
        let [in_query, in_path] = urlencode::as_parsed(value);
        let forms = [
            value.to_string(),
            in_query,
            in_path,
            urlencode::encode_component(value),
            form_urlencoded::byte_serialize(value.as_bytes()).collect(),
            urlencode::encode_query(value),
            // JSON inside JSON (a body echoed in a string field) escapes twice
            json_escaped(&json),
            json,
        ];
        let mut reg = self.write();
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

    /// The text with every known secret replaced by `***`.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.build_matcher();
        let reg = self.read();
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

    /// Builds the matcher on the first use after a change, not on every `add`.
    fn build_matcher(&self) {
        let stale = {
            let reg = self.read();
            reg.matcher.is_none() && !reg.values.is_empty()
        };
        if stale {
            let mut reg = self.write();
            if reg.matcher.is_none() {
                // a contiguous NFA builds quickly; the texts masked are short lines and reports
                reg.matcher = AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .build(&reg.values)
                    .ok();
            }
        }
    }

    /// Marks a form or JSON field's value secret when its name says it is a credential.
    pub fn add_if_credential(&self, field: &str, value: &str) {
        if CREDENTIAL_FIELDS
            .iter()
            .any(|f| field.eq_ignore_ascii_case(f))
        {
            self.add(value);
        }
    }

    /// Marks the credential fields at the top of a JSON object secret (token responses, bodies).
    pub fn add_credential_fields(&self, json: &serde_json::Value) {
        if let serde_json::Value::Object(map) = json {
            for (name, value) in map {
                if let serde_json::Value::String(text) = value {
                    self.add_if_credential(name, text);
                }
            }
        }
    }

    /// Registers a secret header's value: whole, its credential after an auth scheme
    /// (`Bearer x`), and each cookie's value (`a=x; b=y`). Cookie attributes (`Path=/`,
    /// `Max-Age=3600`, `Domain=…`) are not secret: masking them would hide hosts and numbers
    /// everywhere they appear.
    pub fn add_header_value(&self, value: &str) {
        self.add(value);
        if let Some((scheme, credential)) = value.split_once(' ')
            && !scheme.contains(['=', ';'])
        {
            self.add(credential.trim());
        }
        for pair in value.split(';') {
            if let Some((name, v)) = pair.split_once('=')
                && !is_cookie_attribute(name.trim())
            {
                self.add(v.trim());
            }
        }
    }

    /// The text masked, then cut to at most `max` bytes: the one way text is shortened for
    /// display. Masking first means a secret straddling the cut is masked whole, never printed
    /// without its tail; the cut falls on a character boundary and never inside a mask.
    pub fn mask_then_cut(&self, text: &str, max: usize) -> Cut {
        cut_masked(&self.mask(text), max)
    }

    /// The value with every known secret masked in every string it holds.
    pub fn mask_value(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => match self.mask(s) {
                Cow::Owned(masked) => Value::String(masked),
                Cow::Borrowed(_) => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|v| self.mask_value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.mask_value(v)))
                    .collect(),
            ),
            _ => value.clone(),
        }
    }

    /// Where to cut raw bytes kept for later (bodies in results, masked when shown): at most
    /// `max`, moved back before any known secret the cut would split, so the masking done
    /// later still finds it whole.
    pub fn cut_point(&self, bytes: &[u8], max: usize) -> usize {
        if bytes.len() <= max {
            return bytes.len();
        }
        self.build_matcher();
        let reg = self.read();
        let Some(matcher) = &reg.matcher else {
            return max;
        };
        matcher
            .find_iter(bytes)
            .take_while(|found| found.start() < max)
            .filter(|found| found.end() > max)
            .map(|found| found.start())
            .min()
            .unwrap_or(max)
    }

    // A poisoned lock still holds a usable registry: masking must go on after a panic.
    fn read(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A text masked and cut for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// What is shown.
    pub text: String,
    /// How many bytes of the masked text were left out.
    pub left_out: usize,
}

/// A text already masked, cut to at most `max` bytes on a character boundary and never
/// inside a mask (a run of `*` across the cut is left out whole).
pub fn cut_masked(masked: &str, max: usize) -> Cut {
    if masked.len() <= max {
        return Cut {
            text: masked.to_string(),
            left_out: 0,
        };
    }
    let mut end = max;
    while !masked.is_char_boundary(end) {
        end -= 1;
    }
    let bytes = masked.as_bytes();
    if end > 0 && bytes[end - 1] == b'*' && bytes.get(end) == Some(&b'*') {
        while end > 0 && bytes[end - 1] == b'*' {
            end -= 1;
        }
    }
    Cut {
        text: masked[..end].to_string(),
        left_out: masked.len() - end,
    }
}

/// The text as it stands inside a JSON string.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
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

/// The attributes a `Set-Cookie` gives after the cookie itself (RFC 6265bis and common ones).
fn is_cookie_attribute(name: &str) -> bool {
    [
        "path",
        "domain",
        "expires",
        "max-age",
        "samesite",
        "secure",
        "httponly",
        "partitioned",
        "priority",
    ]
    .iter()
    .any(|a| name.eq_ignore_ascii_case(a))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_inside_longer_text_and_their_encodings() {
        let secrets = Secrets::default();
        secrets.add("s3cr+t/value");
        assert_eq!(secrets.mask("x=s3cr+t/value&y=1"), "x=***&y=1");
        assert_eq!(
            secrets.mask("client_secret=s3cr%2Bt%2Fvalue"),
            "client_secret=***"
        );
        assert_eq!(secrets.mask("nothing here"), "nothing here");
    }

    #[test]
    fn short_values_are_not_masked() {
        let secrets = Secrets::default();
        secrets.add("ab");
        assert_eq!(secrets.mask("abc"), "abc");
    }

    #[test]
    fn header_credentials_are_registered() {
        let secrets = Secrets::default();
        secrets.add_header_value("Bearer eyJ0eXAiOiJKV1QiLCJ4");
        assert_eq!(
            secrets.mask("token eyJ0eXAiOiJKV1QiLCJ4 used"),
            "token *** used"
        );
    }

    #[test]
    fn cookie_values_are_secret_and_their_attributes_are_not() {
        let secrets = Secrets::default();
        secrets.add_header_value(
            "ARRAffinity=0123abcd; Path=/; HttpOnly; Secure; Domain=app.example.net; Max-Age=3600; SameSite=None",
        );
        secrets.add_header_value("session=s3ss10n; theme=dark-mode");
        assert_eq!(
            secrets.mask(
                "cookie 0123abcd for app.example.net, Max-Age 3600, Path=/; HttpOnly; Secure"
            ),
            "cookie *** for app.example.net, Max-Age 3600, Path=/; HttpOnly; Secure"
        );
        assert_eq!(secrets.mask("s3ss10n dark-mode"), "*** ***");
    }

    #[test]
    fn clones_share_secrets_and_separate_handles_do_not() {
        let one = Secrets::default();
        let other = Secrets::default();
        one.clone().add("learnt-by-a-clone");
        assert_eq!(one.mask("x learnt-by-a-clone"), "x ***");
        assert_eq!(other.mask("x learnt-by-a-clone"), "x learnt-by-a-clone");
    }
}
