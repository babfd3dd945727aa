//! minijinja expressions for `expr:` assertions and capture conditions: the response's parts,
//! paths into its JSON and literal values, written so that they read what the script read.

use serde_json::Value;

use super::path::Seg;

/// `response.json['value'][0]['id']`.
pub fn json(segs: &[Seg]) -> String {
    let mut out = String::from("response.json");
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                out.push('[');
                out.push_str(&string(k));
                out.push(']');
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A header's value: `response.headers['content-type']`.
pub fn header(name: &str) -> String {
    format!("response.headers[{}]", string(&name.to_ascii_lowercase()))
}

/// A string literal.
pub fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A value as written for YAML (literal text escaped for templates, a variable as
/// `<<name>>`) as an expression: the variable itself, or the literal.
pub fn literal(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => match variable(s) {
            Some(name) => name.to_string(),
            None if s.contains("<<") && !is_escaped_only(s) => return None,
            None => string(&unescape(s)),
        },
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(literal).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Object(map) => {
            let parts: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", string(k), literal(v)?)))
                .collect();
            format!("{{{}}}", parts?.join(", "))
        }
    })
}

/// `<<name>>` alone: the variable's name.
fn variable(text: &str) -> Option<&str> {
    let name = text.strip_prefix("<<")?.strip_suffix(">>")?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

const ESCAPES: [(&str, &str); 3] = [("<<'<<'>>", "<<"), ("<<'<%'>>", "<%"), ("<<'<#'>>", "<#")];

/// Whether every `<<` of a text is one of the escapes `escape_literal` writes.
fn is_escaped_only(text: &str) -> bool {
    let mut rest = text.to_string();
    for (escaped, _) in ESCAPES {
        rest = rest.replace(escaped, "");
    }
    !rest.contains("<<")
}

/// The literal text an escaped template stands for.
fn unescape(text: &str) -> String {
    let mut out = text.to_string();
    for (escaped, plain) in ESCAPES {
        out = out.replace(escaped, plain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::placeholder::escape_literal;
    use serde_json::json;

    #[test]
    fn literals_and_variables() {
        assert_eq!(literal(&json!("<<company_id>>")).unwrap(), "company_id");
        assert_eq!(literal(&json!(escape_literal("a<<b"))).unwrap(), "\"a<<b\"");
        assert_eq!(literal(&json!([1, null, true])).unwrap(), "[1, none, true]");
        assert_eq!(literal(&json!("Bearer <<t>>")), None);
        assert_eq!(
            json(&[Seg::Key("a b".into()), Seg::Index(0)]),
            "response.json[\"a b\"][0]"
        );
    }
}
