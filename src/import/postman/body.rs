//! Postman bodies → `json:`, `form:`, `multipart:` or `body:`. Raw text that is a JSON object
//! or array once its `{{x}}` placeholders are stood in for becomes `json:` (an unquoted
//! `{{qty}}` becomes a typed `<<qty>>`); GraphQL becomes `json: {query, variables}`.

use serde_json::Value;

use super::converter::Converter;
use super::model::{Body, KeyValue, value_text};
use crate::import::placeholder::{find_placeholders, var_name};
use crate::import::report::{Place, Topic};
use crate::import::yaml::Yaml;

/// A converted body: the key, its value, and comment lines for above it.
pub(super) type BodyOut = (&'static str, Yaml, Vec<String>);

/// Marks a stood-in placeholder inside JSON text (private-use characters, never in real text).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
/// Before `CLOSE`: the placeholder stood outside any string (`{"qty": {{qty}}}`).
const BARE: char = '\u{E002}';

impl Converter<'_> {
    /// The body, adjusting headers where the runner's defaults differ from Postman's.
    pub(super) fn body(
        &mut self,
        body: &Body,
        headers: &mut Vec<(String, String)>,
        place: &Place,
    ) -> Option<BodyOut> {
        self.ignored(place, &body.other, &[]);
        if body.disabled {
            self.report
                .add(Topic::Setting, place, "disabled body left out");
            return None;
        }
        match body.mode.as_deref() {
            None | Some("none") => None,
            Some("raw") => self.raw(body, headers, place),
            Some("urlencoded") => {
                let fields = self.fields(body.urlencoded.as_deref().unwrap_or(&[]), place, "form");
                // an empty form sends no body, as in Postman
                (!fields.is_empty_collection()).then(|| ("form", fields, Vec::new()))
            }
            Some("formdata") => {
                // the runner writes Content-Type with the boundary; a fixed one would break it
                let before = headers.len();
                headers.retain(|(k, v)| {
                    !(k.eq_ignore_ascii_case("content-type") && v.contains("multipart/form-data"))
                });
                if headers.len() != before {
                    self.report.add(
                        Topic::Note,
                        place,
                        "Content-Type header of the form-data body left out: the runner sets it with the boundary",
                    );
                }
                let parts = self.multipart(body.formdata.as_deref().unwrap_or(&[]), place);
                (!parts.is_empty_collection()).then(|| ("multipart", parts, Vec::new()))
            }
            Some("graphql") => Some(self.graphql(body, place)),
            Some("file") => {
                let src = body
                    .file
                    .as_ref()
                    .and_then(|f| f.get("src"))
                    .map(value_text)
                    .unwrap_or_default();
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("binary body from file `{src}` not converted: put its text in `body:` (an empty body is sent until then)"),
                );
                Some((
                    "body",
                    Yaml::str(""),
                    vec![format!(
                        "postman: binary body from file `{src}`; not converted"
                    )],
                ))
            }
            Some(other) => {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("body mode `{other}` not converted"),
                );
                None
            }
        }
    }

    fn raw(
        &mut self,
        body: &Body,
        headers: &mut Vec<(String, String)>,
        place: &Place,
    ) -> Option<BodyOut> {
        let raw = body.raw.clone().unwrap_or_default();
        if raw.is_empty() {
            return None;
        }
        let language = body
            .options
            .as_ref()
            .and_then(|o| o.pointer("/raw/language"))
            .and_then(Value::as_str)
            .unwrap_or("text")
            .to_string();
        if let Some((value, originals)) = json_with_placeholders(&raw)
            && (value.is_object() || value.is_array())
        {
            return Some((
                "json",
                self.json_value(&value, &originals, place),
                Vec::new(),
            ));
        }
        let has_content_type = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if !has_content_type {
            // Postman sets these for raw bodies; the runner sets nothing for `body:`
            let content_type = match language.as_str() {
                "json" => "application/json",
                "xml" => "application/xml",
                "html" => "text/html",
                "javascript" => "application/javascript",
                _ => "text/plain",
            };
            headers.push(("Content-Type".into(), content_type.into()));
        }
        Some(("body", Yaml::str(self.text(&raw, place)), Vec::new()))
    }

    /// A parsed JSON body with placeholders restored and converted.
    fn json_value(&mut self, value: &Value, originals: &[String], place: &Place) -> Yaml {
        match value {
            // `"{{qty}}"` of a variable written as a number: still sent as a string
            Value::String(s)
                if single_mark(s).is_some_and(|(n, bare)| {
                    !bare
                        && originals
                            .get(n)
                            .is_some_and(|o| self.typed.contains(&name_of(o)))
                }) =>
            {
                let (n, _) = single_mark(s).unwrap_or_default();
                Yaml::str(format!("<<{} | string>>", name_of(&originals[n])))
            }
            Value::String(s) => Yaml::str(self.text(&restore(s, originals), place)),
            Value::Array(items) => {
                Yaml::seq(items.iter().map(|v| self.json_value(v, originals, place)))
            }
            Value::Object(map) => {
                let mut out = Yaml::map();
                for (k, v) in map {
                    let key = restore(k, originals);
                    if !find_placeholders(&key).is_empty() {
                        self.report.add(
                            Topic::Setting,
                            place,
                            format!("JSON key `{key}` holds a variable; keys are literal, kept as written"),
                        );
                    }
                    let value = self.json_value(v, originals, place);
                    out.insert(&key, value);
                }
                out
            }
            other => Yaml::from_json(other),
        }
    }

    /// Enabled urlencoded fields (the first of a repeated name).
    fn fields(&mut self, fields: &[KeyValue], place: &Place, what: &str) -> Yaml {
        let mut out = Yaml::map();
        for field in fields {
            let Some(key) = self.field_key(field, place, what, &out) else {
                continue;
            };
            let value = self.text(&field.value_text(), place);
            out.insert(&key, Yaml::str(value));
        }
        out
    }

    fn multipart(&mut self, fields: &[KeyValue], place: &Place) -> Yaml {
        let mut out = Yaml::map();
        for field in fields {
            let Some(key) = self.field_key(field, place, "form-data", &out) else {
                continue;
            };
            if let Some(ct) = field.content_type.as_deref().filter(|c| !c.is_empty()) {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("content type `{ct}` of form-data field `{key}` not kept"),
                );
            }
            if field.kind.as_deref() != Some("file") {
                let value = self.text(&field.value_text(), place);
                out.insert(&key, Yaml::str(value));
                continue;
            }
            let files: Vec<String> = match &field.src {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items.iter().map(value_text).collect(),
                _ => Vec::new(),
            };
            let path = files.first().cloned().unwrap_or_default();
            if path.is_empty() {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("form-data file field `{key}` names no file; fill in `file:`"),
                );
            } else {
                self.report.add(
                    Topic::Note,
                    place,
                    format!("form-data file `{path}` is read relative to the collection file; copy it there or fix the path"),
                );
            }
            if files.len() > 1 {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!(
                        "form-data field `{key}` sends {} files; only the first is kept",
                        files.len()
                    ),
                );
            }
            let path = self.text(&path, place);
            out.insert(&key, Yaml::pair("file", Yaml::str(path)));
        }
        out
    }

    /// The name of an enabled field not seen before; others reported.
    fn field_key(
        &mut self,
        field: &KeyValue,
        place: &Place,
        what: &str,
        seen: &Yaml,
    ) -> Option<String> {
        let key = field.key.clone().unwrap_or_default();
        if field.disabled {
            self.report.add(
                Topic::Setting,
                place,
                format!("disabled {what} field `{key}` left out"),
            );
            return None;
        }
        if key.is_empty() {
            if !field.value_text().is_empty() {
                self.report.add(
                    Topic::Ignored,
                    place,
                    format!("a {what} field without a name"),
                );
            }
            return None;
        }
        if seen.get(&key).is_some() {
            self.report.add(
                Topic::Setting,
                place,
                format!("{what} field `{key}` repeated; only the first is kept"),
            );
            return None;
        }
        Some(key)
    }

    fn graphql(&mut self, body: &Body, place: &Place) -> BodyOut {
        let graphql = body.graphql.as_ref();
        if let Some(g) = graphql {
            self.ignored(place, &g.other, &[]);
        }
        let query = graphql.and_then(|g| g.query.clone()).unwrap_or_default();
        let mut json = Yaml::map();
        json.insert("query", Yaml::str(self.text(&query, place)));
        let variables = graphql.and_then(|g| g.variables.clone());
        let variables = match variables {
            None | Some(Value::Null) => Yaml::map(),
            Some(Value::String(text)) if text.trim().is_empty() => Yaml::map(),
            Some(Value::String(text)) => match json_with_placeholders(&text) {
                Some((value, originals)) => self.json_value(&value, &originals, place),
                None => {
                    self.report.add(
                        Topic::Setting,
                        place,
                        "GraphQL variables are not JSON; sent as an empty object",
                    );
                    Yaml::map()
                }
            },
            Some(other) => self.json_value(&other, &[], place),
        };
        json.insert("variables", variables);
        ("json", json, Vec::new())
    }
}

/// Parses JSON text in which `{{x}}` may stand anywhere: inside strings it is marked, outside
/// it becomes a marked string. `//` and `/* */` comments (which Postman allows) are removed.
/// Returns the value and the placeholders' original texts.
fn json_with_placeholders(raw: &str) -> Option<(Value, Vec<String>)> {
    let ranges = find_placeholders(raw);
    let mut out = String::with_capacity(raw.len());
    let mut originals = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut next = ranges.iter().peekable();
    let mut i = 0;
    while i < raw.len() {
        if let Some(&&(start, end, _)) = next.peek()
            && start == i
        {
            next.next();
            let mark = format!("{OPEN}{}{CLOSE}", originals.len());
            originals.push(raw[start..end].to_string());
            if in_string {
                out.push_str(&mark);
            } else {
                out.push('"');
                out.push_str(&mark[..mark.len() - CLOSE.len_utf8()]);
                out.push(BARE);
                out.push(CLOSE);
                out.push('"');
            }
            i = end;
            continue;
        }
        let rest = &raw[i..];
        let c = rest.chars().next()?;
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
            continue;
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    let value: Value = serde_json::from_str(&out).ok()?;
    Some((value, originals))
}

/// A string that is exactly one mark: its number, and whether it stood outside a string.
fn single_mark(text: &str) -> Option<(usize, bool)> {
    let inner = text.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    let (digits, bare) = match inner.strip_suffix(BARE) {
        Some(d) => (d, true),
        None => (inner, false),
    };
    Some((digits.parse().ok()?, bare))
}

/// The template name of a `{{name}}` placeholder.
fn name_of(original: &str) -> String {
    var_name(
        original
            .trim_start_matches('{')
            .trim_end_matches('}')
            .trim(),
    )
}

/// The variables a raw JSON body puts into a JSON position without quotes
/// (`{"qty": {{qty}}}`): Postman sends their text as JSON, so a `3` is a number.
pub(super) fn bare_json_names(raw: &str) -> Vec<String> {
    fn walk(value: &Value, originals: &[String], out: &mut Vec<String>) {
        match value {
            Value::String(s) => {
                if let Some((n, true)) = single_mark(s)
                    && let Some(original) = originals.get(n)
                {
                    out.push(name_of(original));
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, originals, out)),
            Value::Object(map) => map.values().for_each(|v| walk(v, originals, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some((value, originals)) = json_with_placeholders(raw) {
        walk(&value, &originals, &mut out);
    }
    out
}

/// Marked placeholders back to their `{{x}}` text.
fn restore(text: &str, originals: &[String]) -> String {
    if !text.contains(OPEN) {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else {
            out.push_str(&rest[start..]);
            return out;
        };
        match after[..end]
            .trim_end_matches(BARE)
            .parse::<usize>()
            .ok()
            .and_then(|n| originals.get(n))
        {
            Some(original) => out.push_str(original),
            None => out.push_str(&rest[start..start + OPEN.len_utf8() + end + CLOSE.len_utf8()]),
        }
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(raw: &str) -> Option<Value> {
        let (value, originals) = json_with_placeholders(raw)?;
        Some(restore_all(&value, &originals))
    }

    fn restore_all(value: &Value, originals: &[String]) -> Value {
        match value {
            Value::String(s) => Value::String(restore(s, originals)),
            Value::Array(a) => Value::Array(a.iter().map(|v| restore_all(v, originals)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (restore(k, originals), restore_all(v, originals)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn placeholders_inside_and_outside_strings() {
        assert_eq!(
            parsed(r#"{"name": "Cust {{n}}", "qty": {{qty}}, "list": [{{a}}, 2]}"#),
            Some(json!({"name": "Cust {{n}}", "qty": "{{qty}}", "list": ["{{a}}", 2]}))
        );
    }

    #[test]
    fn comments_are_removed_and_broken_json_refused() {
        assert_eq!(
            parsed("{\n  // note\n  \"a\": 1 /* x */\n}"),
            Some(json!({"a": 1}))
        );
        assert_eq!(parsed(r#"{"a": {{x}}.5}"#), None);
        assert_eq!(parsed("<xml/>"), None);
        assert_eq!(
            parsed(r#"{"url": "http://x"}"#),
            Some(json!({"url": "http://x"}))
        );
    }
}
