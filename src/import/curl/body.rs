//! The data of `-d` & co. and the `-F` fields → the request's body: `json:` when the data is
//! JSON and says so, `form:` for urlencoded pairs, `multipart:` for fields, `body:` otherwise.

use serde_json::Value;

use super::options::{Curl, Data, Field};
use crate::import::placeholder::escape_literal;
use crate::import::yaml::Yaml;

/// The data pieces joined as curl sends them (`&` between pieces, encoded where asked).
pub(super) fn data_text(data: &[Data]) -> String {
    data.iter()
        .map(|d| match d {
            Data::Raw(text) => text.clone(),
            Data::Encode(text) => match text.split_once('=') {
                Some((name, content)) if !name.is_empty() => {
                    format!("{name}={}", encode(content))
                }
                Some((_, content)) => encode(content),
                None => encode(text),
            },
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(super) fn body(
    curl: &Curl,
    headers: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) -> Option<(&'static str, Yaml)> {
    if !curl.form.is_empty() {
        if !curl.data.is_empty() {
            notes.push("both -d and -F given; the -d data is left out".into());
        }
        headers
            .retain(|(n, v)| !(n.eq_ignore_ascii_case("content-type") && v.contains("multipart")));
        let mut parts = Yaml::map();
        for (name, field) in &curl.form {
            if parts.get(name).is_some() {
                notes.push(format!(
                    "form field `{name}` repeated; only the first is kept"
                ));
                continue;
            }
            let value = match field {
                Field::Text(t) => Yaml::str(escape_literal(t)),
                Field::File(path) => Yaml::pair("file", Yaml::str(escape_literal(path))),
            };
            parts.insert(name, value);
        }
        return Some(("multipart", parts));
    }
    if let Some(path) = &curl.file_body {
        if !curl.data.is_empty() {
            notes.push("both a file body and -d data given; the -d data is left out".into());
        }
        return Some(("body", Yaml::pair("file", Yaml::str(escape_literal(path)))));
    }
    if curl.data.is_empty() {
        return None;
    }
    for d in &curl.data {
        if let Data::Encode(text) = d
            && text
                .split_once('=')
                .map_or(text.as_str(), |(_, c)| c)
                .starts_with('@')
        {
            notes.push(format!(
                "`--data-urlencode {text}` reads a file; not converted"
            ));
        }
    }
    let text = data_text(&curl.data);
    let declared = content_type(headers);
    let is_json = curl.json || declared.as_deref().is_some_and(|c| c.contains("json"));
    if is_json {
        if let Ok(value) = serde_json::from_str::<Value>(&text)
            && (value.is_object() || value.is_array())
        {
            return Some(("json", escape_json(&value)));
        }
        if !has_header(headers, "content-type") {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        return Some(("body", Yaml::str(escape_literal(&text))));
    }
    let is_form = declared
        .as_deref()
        .is_none_or(|c| c.contains("application/x-www-form-urlencoded"));
    if is_form && let Some(fields) = form_fields(&text) {
        return Some(("form", fields));
    }
    if !has_header(headers, "content-type") {
        // what curl sends with -d
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    Some(("body", Yaml::str(escape_literal(&text))))
}

/// `a=1&b=x%20y` as a `form:` map, if every pair has a unique name and decodes cleanly.
fn form_fields(text: &str) -> Option<Yaml> {
    let mut map = Yaml::map();
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=')?;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        };
        let (name, value) = (decode(name)?, decode(value)?);
        if name.is_empty() || map.get(&name).is_some() {
            return None;
        }
        map.insert(&name, Yaml::str(escape_literal(&value)));
    }
    Some(map)
}

/// A JSON value with every string made safe for templates.
fn escape_json(value: &Value) -> Yaml {
    match value {
        Value::String(s) => Yaml::str(escape_literal(s)),
        Value::Array(items) => Yaml::seq(items.iter().map(escape_json)),
        Value::Object(map) => {
            let mut out = Yaml::map();
            for (k, v) in map {
                out.insert(k, escape_json(v));
            }
            out
        }
        other => Yaml::from_json(other),
    }
}

/// Whether the command sets the header (any case).
pub(super) fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// The command's `Content-Type`, lower-cased.
fn content_type(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
}
