//! `assert:` of a request: what to check in the response.

use std::path::PathBuf;
use std::sync::Arc;

use crate::load::error::LoadErrorKind;
use crate::load::keys::{ASSERT_FIELDS, SNAPSHOT_FIELDS};
use crate::load::matcher::{read_matcher, read_query};
use crate::load::reader::Reader;
use crate::load::yaml::{Node, NodeKind};
use crate::model::{Assertion, Check, Matcher, Op, Schema, Snapshot, Subject};

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
