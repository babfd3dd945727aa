//! Request body parsing by hand (axum's form/multipart features are not enabled): urlencoded
//! forms and multipart/form-data, kept simple but correct for what reqwest sends.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, header};

/// Fields of an urlencoded or (if `multipart`) multipart/form-data body; None for other types.
pub fn form_fields(
    content_type: &str,
    body: &[u8],
    multipart: bool,
) -> Option<BTreeMap<String, String>> {
    let mime = content_type.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            Some(parse_urlencoded(&String::from_utf8_lossy(body)))
        }
        "multipart/form-data" if multipart => {
            parse_multipart(body, &header_param(content_type, "boundary")?)
        }
        _ => None,
    }
}

/// The Content-Type header, or "" when missing or not text.
pub fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// `a=1&b=x+y%21` → {a: "1", b: "x y!"}.
pub fn parse_urlencoded(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex().is_some_and(|h| u8::from_str_radix(h, 16).is_ok()) => {
                out.push(u8::from_str_radix(hex().unwrap(), 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parts of a multipart/form-data body: name → content (for a file part, its content).
fn parse_multipart(body: &[u8], boundary: &str) -> Option<BTreeMap<String, String>> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut fields = BTreeMap::new();
    // The text before the first delimiter is preamble; `--` right after a delimiter ends it.
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            return Some(fields);
        }
        let part = part.strip_prefix("\r\n")?;
        let (head, content) = part.split_once("\r\n\r\n")?;
        let disposition = head.split("\r\n").find(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-disposition:")
        })?;
        let name = header_param(disposition, "name")?;
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        fields.insert(name, content.to_string());
    }
    None // no closing delimiter
}

/// The value of `name=` among the `;`-separated parameters of a header, unquoted.
fn header_param(header_value: &str, name: &str) -> Option<String> {
    header_value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}
