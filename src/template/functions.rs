//! The functions and filters every template sees: `env()`, `secret()`, `uuid()`, `now()`,
//! `timestamp()`, `base64_encode`/`base64_decode`, `urlencode_component` and `substring`.

use base64::Engine as _;
use minijinja::value::{Rest, Value, ValueKind};
use minijinja::{Environment, ErrorKind};

use crate::secrets::Secrets;

/// Adds the common functions and filters to an environment; `secret()` registers what it
/// reads in `secrets`.
pub(super) fn register(env: &mut Environment<'static>, secrets: &Secrets) {
    env.add_function("env", env_var);
    let secrets = secrets.clone();
    env.add_function("secret", move |name: String, default: Rest<String>| {
        secret_var(&secrets, name, default)
    });
    env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    env.add_function("now", now_rfc3339);
    env.add_function("timestamp", timestamp);
    for (name, f) in [
        ("base64_encode", base64_encode as fn(String) -> String),
        ("urlencode_component", urlencode_component),
    ] {
        env.add_filter(name, f);
        env.add_function(name, f);
    }
    env.add_filter("base64_decode", base64_decode);
    env.add_function("base64_decode", base64_decode);
    env.add_filter("substring", substring);
}

/// `text | substring(start[, end])`: JavaScript's `String.prototype.substring`. Positions
/// count UTF-16 code units, are clamped to the string and swapped when `start > end`; half a
/// surrogate pair becomes U+FFFD, as Node writes it. Anything but a string is an error.
fn substring(value: &Value, start: i64, end: Option<i64>) -> Result<String, minijinja::Error> {
    let Some(text) = value.as_str().filter(|_| value.kind() == ValueKind::String) else {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("substring of {} (not a string)", value.kind()),
        ));
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    let clamp = |n: i64| usize::try_from(n.max(0)).map_or(units.len(), |n| n.min(units.len()));
    let (a, b) = (clamp(start), end.map_or(units.len(), clamp));
    Ok(String::from_utf16_lossy(&units[a.min(b)..a.max(b)]))
}

/// `env("NAME")` or `env("NAME", "default")`: the process environment.
fn env_var(name: String, default: Rest<String>) -> Result<String, minijinja::Error> {
    match std::env::var(&name) {
        Ok(value) => Ok(value),
        Err(_) => default.first().cloned().ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("environment variable `{name}` is not set"),
            )
        }),
    }
}

/// `secret("NAME")`: like `env`, and the value is masked in every output.
fn secret_var(
    secrets: &Secrets,
    name: String,
    default: Rest<String>,
) -> Result<String, minijinja::Error> {
    let value = env_var(name, default)?;
    secrets.add(&value);
    Ok(value)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// `timestamp()`: Unix time in seconds.
pub fn timestamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn base64_encode(text: String) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn base64_decode(text: String) -> Result<String, minijinja::Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()))
        .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "decoded bytes are not UTF-8")
    })
}

/// Encodes every reserved character, `/` included (minijinja's `urlencode` keeps `/`).
fn urlencode_component(text: String) -> String {
    crate::urlencode::encode_component(&text)
}
