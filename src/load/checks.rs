//! `assert:` and `capture:` of a request: what to check in the response and what to keep from it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::load::error::LoadErrorKind;
use crate::load::keys::{ASSERT_FIELDS, CAPTURE_FIELDS, SNAPSHOT_FIELDS};
use crate::load::matcher::{read_matcher, read_query, read_regex};
use crate::load::reader::Reader;
use crate::load::yaml::{Node, NodeKind};
use crate::model::{
    Assertion, Capture, CaptureSource, Check, Matcher, Op, Schema, Snapshot, Subject,
};

/// `assert:`: one assertion per key, or per entry for `headers`, `json` and a list of `expr`.
pub(crate) fn read_assertions(r: &mut Reader, node: &Node) -> Vec<Assertion> {
    let Some(fields) = r.fields(node, "assert", ASSERT_FIELDS) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in ASSERT_FIELDS {
        let (Some(key), Some(value)) = (fields.key(name), fields.get(name)) else {
            continue;
        };
        match *name {
            "headers" => read_header_assertions(r, value, &mut out),
            "json" => read_json_assertions(r, value, &mut out),
            "expr" => read_expr_assertions(r, value, &mut out),
            _ => out.extend(read_response_assertion(r, name, key, value)),
        }
    }
    out
}

/// `status`, `body`, `duration_ms`, `schema` or `snapshot`: one check of the whole response.
fn read_response_assertion(
    r: &mut Reader,
    name: &str,
    key: &Node,
    value: &Node,
) -> Option<Assertion> {
    let (subject, check) = match name {
        "status" => (Subject::Status, Check::Matcher(read_status(r, value))),
        "body" => (
            Subject::Body,
            Check::Matcher(read_matcher(r, value, "assert.body")),
        ),
        "duration_ms" => (
            Subject::DurationMs,
            Check::Matcher(read_matcher(r, value, "assert.duration_ms")),
        ),
        "schema" => (Subject::Body, Check::Schema(read_schema(r, value)?)),
        _ => (Subject::Body, Check::Snapshot(read_snapshot(r, value)?)),
    };
    Some(Assertion {
        location: r.location(key.pos),
        subject,
        check,
    })
}

/// `status:` a code, a matcher, or a list of codes meaning any one of them.
fn read_status(r: &mut Reader, value: &Node) -> Matcher {
    check_status_codes(r, value);
    match &value.kind {
        NodeKind::Seq(items) => Matcher {
            ops: vec![Op::OneOf(
                items.iter().map(|i| r.tvalue(i, "assert.status")).collect(),
            )],
        },
        _ => read_matcher(r, value, "assert.status"),
    }
}

/// Literal status codes (`status: 20`, `status: "abc"`, `gt: ok`) are checked now, not when
/// the first response is compared; templates and operators without a code are left alone.
fn check_status_codes(r: &mut Reader, node: &Node) {
    let code = match &node.kind {
        NodeKind::Int(i) => Some(*i),
        NodeKind::Str(s) if crate::template::has_template_syntax(s) => return,
        NodeKind::Str(s) => s.trim().parse().ok(),
        NodeKind::Seq(items) => {
            items.iter().for_each(|i| check_status_codes(r, i));
            return;
        }
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                let op = key.scalar_text().unwrap_or_default();
                if matches!(
                    op.as_str(),
                    "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "one_of"
                ) {
                    check_status_codes(r, value);
                }
            }
            return;
        }
        _ => None,
    };
    if !code.is_some_and(|c| (100..=999).contains(&c)) {
        let found = node.scalar_text().unwrap_or_default();
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "`assert.status` compares with HTTP status codes (100 to 999), found `{found}`"
            )),
        );
    }
}

/// `headers:` name → matcher; names compare lowercased.
fn read_header_assertions(r: &mut Reader, value: &Node, out: &mut Vec<Assertion>) {
    for (header, hkey, hvalue) in r.map_entries(value, "assert.headers").unwrap_or_default() {
        let matcher = read_matcher(r, hvalue, &format!("assert.headers.{header}"));
        out.push(Assertion {
            location: r.location(hkey.pos),
            subject: Subject::Header(header.to_ascii_lowercase()),
            check: Check::Matcher(matcher),
        });
    }
}

/// `json:` JSONPath → matcher.
fn read_json_assertions(r: &mut Reader, value: &Node, out: &mut Vec<Assertion>) {
    for (path, pkey, pvalue) in r.map_entries(value, "assert.json").unwrap_or_default() {
        let query = read_query(r, pkey, path);
        let matcher = read_matcher(r, pvalue, &format!("assert.json.{path}"));
        if let Some(query) = query {
            out.push(Assertion {
                location: r.location(pkey.pos),
                subject: Subject::Json(query),
                check: Check::Matcher(matcher),
            });
        }
    }
}

/// `expr:` one expression or a list of them, each to be truthy.
fn read_expr_assertions(r: &mut Reader, value: &Node, out: &mut Vec<Assertion>) {
    let items: Vec<&Node> = match &value.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    for item in items {
        if let Some(text) = r.string(item, "assert.expr") {
            let location = r.location(item.pos);
            let id = r.templates.expression(&text, location, "assert.expr");
            out.push(Assertion {
                location: r.location(item.pos),
                subject: Subject::Expr { id, source: text },
                check: Check::Truthy,
            });
        }
    }
}

/// `schema: file.json` (relative to the collection) or an inline schema map.
fn read_schema(r: &mut Reader, node: &Node) -> Option<Schema> {
    let (source, schema) = match &node.kind {
        NodeKind::Str(file) => {
            let path = r.dir().join(file);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    r.error(
                        node.pos,
                        LoadErrorKind::Invalid(format!(
                            "cannot read schema {}: {e}",
                            path.display()
                        )),
                    );
                    return None;
                }
            };
            // JSON, or YAML for schemas written alongside collections
            let value = serde_json::from_str(&text).ok().or_else(|| {
                crate::load::yaml::parse(&text)
                    .ok()
                    .and_then(|n| n.to_json())
            });
            match value {
                Some(v) => (file.clone(), v),
                None => {
                    r.error(
                        node.pos,
                        LoadErrorKind::Invalid(format!(
                            "{} is neither JSON nor YAML",
                            path.display()
                        )),
                    );
                    return None;
                }
            }
        }
        NodeKind::Map(_) => ("inline schema".to_string(), node.to_json()?),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: "assert.schema".into(),
                    expected: "a file name or a schema map",
                    found: node.type_name(),
                },
            );
            return None;
        }
    };
    match jsonschema::validator_for(&schema) {
        Ok(validator) => Some(Schema {
            source,
            validator: Arc::new(validator),
        }),
        Err(e) => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("invalid JSON Schema {source}: {e}")),
            );
            None
        }
    }
}

/// `snapshot: true`, `snapshot: file.json` or `snapshot: { file, ignore, headers }`.
fn read_snapshot(r: &mut Reader, node: &Node) -> Option<Snapshot> {
    let mut snapshot = Snapshot {
        file: None,
        ignore: Vec::new(),
        headers: Vec::new(),
    };
    match &node.kind {
        NodeKind::Bool(true) => {}
        NodeKind::Str(file) => snapshot.file = Some(PathBuf::from(file)),
        NodeKind::Map(_) => {
            let fields = r.fields(node, "assert.snapshot", SNAPSHOT_FIELDS)?;
            snapshot.file = fields
                .get("file")
                .and_then(|n| r.string(n, "assert.snapshot.file"))
                .map(PathBuf::from);
            if let Some(list) = fields.get("ignore") {
                for item in r.seq(list, "assert.snapshot.ignore").unwrap_or_default() {
                    if let Some(path) = r.string(item, "assert.snapshot.ignore") {
                        snapshot.ignore.extend(read_query(r, item, &path));
                    }
                }
            }
            if let Some(list) = fields.get("headers") {
                for item in r.seq(list, "assert.snapshot.headers").unwrap_or_default() {
                    snapshot.headers.extend(
                        r.string(item, "assert.snapshot.headers")
                            .map(|h| h.to_ascii_lowercase()),
                    );
                }
            }
        }
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: "assert.snapshot".into(),
                    expected: "true, a file name or a map",
                    found: node.type_name(),
                },
            );
            return None;
        }
    }
    Some(snapshot)
}

/// `capture:` name → a JSONPath, or a map with one source (`json`, `header`, `regex`, `status`).
pub(crate) fn read_captures(r: &mut Reader, node: &Node) -> Vec<Capture> {
    let mut out = Vec::new();
    for (name, key, value) in r.map_entries(node, "capture").unwrap_or_default() {
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
        };
        if let Some(source) = source {
            out.push(Capture {
                name: name.to_string(),
                location: r.location(key.pos),
                source,
                secret,
            });
        }
    }
    out
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
    let kinds: Vec<&str> = ["json", "header", "regex", "status"]
        .into_iter()
        .filter(|k| fields.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "{what} needs exactly one of `json`, `header`, `regex`, `status`"
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
