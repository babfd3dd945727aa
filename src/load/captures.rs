//! `capture:` of a request: what to keep from the response, under which condition, and what
//! to do when nothing is selected (`optional`, `default`). A `value:` capture sets a value of
//! its own, a template rendered after the response.

use crate::load::error::LoadErrorKind;
use crate::load::keys::CAPTURE_FIELDS;
use crate::load::matcher::{read_query, read_regex};
use crate::load::reader::Reader;
use crate::load::yaml::{Node, NodeKind};
use crate::model::{Capture, CaptureSource};
use crate::template::TemplateId;

pub(crate) fn read_captures(r: &mut Reader, node: &Node) -> Vec<Capture> {
    let mut out = Vec::new();
    for (name, key, list) in r.map_entries(node, "capture").unwrap_or_default() {
        // a list: captures of one variable, made in order (each under its own `when`)
        let values: Vec<&Node> = match &list.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![list],
        };
        for value in values {
            out.extend(read_capture(r, name, key, value));
        }
    }
    out
}

/// One capture map (or JSONPath) of `name`.
fn read_capture(r: &mut Reader, name: &str, key: &Node, value: &Node) -> Option<Capture> {
    let secret = secret_flag(r, value, name);
    let source = match &value.kind {
        NodeKind::Str(path) => read_query(r, value, path).map(CaptureSource::Json),
        NodeKind::Map(_) => read_capture_source(r, value, name),
        _ => {
            r.error(
                value.pos,
                LoadErrorKind::WrongType {
                    field: format!("capture.{name}"),
                    expected: "a JSONPath or a map",
                    found: value.type_name(),
                },
            );
            None
        }
    }?;
    let (optional, default, when) = capture_conditions(r, value, name);
    Some(Capture {
        name: name.to_string(),
        location: r.location(key.pos),
        source,
        secret,
        optional,
        default,
        when,
    })
}

/// `optional: true`, `default: VALUE` and `when: EXPR` of a capture map.
fn capture_conditions(
    r: &mut Reader,
    node: &Node,
    name: &str,
) -> (bool, Option<serde_json::Value>, Option<TemplateId>) {
    let NodeKind::Map(entries) = &node.kind else {
        return (false, None, None);
    };
    let field = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
            .map(|(_, v)| v)
    };
    let optional = field("optional")
        .and_then(|v| r.bool(v, &format!("capture.{name}.optional")))
        .unwrap_or(false);
    let default = field("default").and_then(Node::to_json);
    let when = field("when").and_then(|v| {
        let text = r.string(v, &format!("capture.{name}.when"))?;
        let location = r.location(v.pos);
        Some(r.templates.expression(&text, location, "capture.when"))
    });
    (optional, default, when)
}

/// `secret: true` on a capture map.
fn secret_flag(r: &mut Reader, node: &Node, name: &str) -> bool {
    let NodeKind::Map(entries) = &node.kind else {
        return false;
    };
    entries
        .iter()
        .find(|(k, _)| k.scalar_text().as_deref() == Some("secret"))
        .and_then(|(_, v)| r.bool(v, &format!("capture.{name}.secret")))
        .unwrap_or(false)
}

/// The map form of a capture: exactly one source, `from` only with `regex`.
fn read_capture_source(r: &mut Reader, node: &Node, name: &str) -> Option<CaptureSource> {
    let what = format!("capture.{name}");
    let fields = r.fields(node, &what, CAPTURE_FIELDS)?;
    let kinds: Vec<&str> = ["json", "header", "regex", "status", "value"]
        .into_iter()
        .filter(|k| fields.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "{what} needs exactly one of `json`, `header`, `regex`, `status`, `value`"
            )),
        );
        return None;
    }
    if fields.get("from").is_some() && kinds[0] != "regex" {
        let key = fields.key("from").expect("present");
        r.error(
            key.pos,
            LoadErrorKind::Invalid("`from` goes with `regex`".into()),
        );
    }
    let value = fields.get(kinds[0])?;
    match kinds[0] {
        "json" => {
            let path = r.string(value, &format!("{what}.json"))?;
            read_query(r, value, &path).map(CaptureSource::Json)
        }
        "header" => r
            .string(value, &format!("{what}.header"))
            .map(CaptureSource::Header),
        "regex" => {
            let regex = read_regex(r, value, &format!("{what}.regex"))?;
            let header = match fields.get("from") {
                Some(from) => read_from(r, from, &what)?,
                None => None,
            };
            Some(CaptureSource::Regex { regex, header })
        }
        "value" => Some(CaptureSource::Value(
            r.tvalue(value, &format!("{what}.value")),
        )),
        _ => match r.bool(value, &format!("{what}.status"))? {
            true => Some(CaptureSource::Status),
            false => {
                r.error(
                    value.pos,
                    LoadErrorKind::Invalid("`status: false` captures nothing".into()),
                );
                None
            }
        },
    }
}

/// `from: body` or `from: header NAME`.
fn read_from(r: &mut Reader, node: &Node, what: &str) -> Option<Option<String>> {
    let text = r.string(node, &format!("{what}.from"))?;
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("body"), None, None) => Some(None),
        (Some("header"), Some(name), None) => Some(Some(name.to_string())),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("`from: {text}`: expected `body` or `header NAME`")),
            );
            None
        }
    }
}
