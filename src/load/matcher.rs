//! The values checks are made of: matchers (`eq`, `lt`, `matches`, ...), JSONPaths and regexes,
//! each parsed at load time so a typo is a load error. Shared by assertions and mock routes.

use regex::Regex;

use crate::load::error::LoadErrorKind;
use crate::load::reader::Reader;
use crate::load::yaml::{Node, NodeKind};
use crate::model::{JsonType, Matcher, OPERATORS, Op};
use crate::query::Query;
use crate::suggest;

/// A JSONPath, parsed now so a typo is a load error.
pub(crate) fn read_query(r: &mut Reader, node: &Node, path: &str) -> Option<Query> {
    match Query::parse(path) {
        Ok(query) => Some(query),
        Err(e) => {
            r.error(
                node.pos,
                LoadErrorKind::JsonPath {
                    path: path.to_string(),
                    message: e.to_string(),
                },
            );
            None
        }
    }
}

/// A regex, compiled now; the error shows only the compiler's last line.
pub(crate) fn read_regex(r: &mut Reader, node: &Node, what: &str) -> Option<Regex> {
    let pattern = r.string(node, what)?;
    match Regex::new(&pattern) {
        Ok(re) => Some(re),
        Err(e) => {
            let full = e.to_string();
            let last = full.lines().last().unwrap_or_default().trim();
            let message = last.strip_prefix("error: ").unwrap_or(last).to_string();
            r.error(node.pos, LoadErrorKind::Regex { pattern, message });
            None
        }
    }
}

/// A plain value means equality; a map whose keys are (or nearly are) operators is a matcher.
pub(crate) fn read_matcher(r: &mut Reader, node: &Node, what: &str) -> Matcher {
    let NodeKind::Map(entries) = &node.kind else {
        return Matcher {
            ops: vec![Op::Eq(r.tvalue(node, what))],
        };
    };
    let looks_like_operators = entries.iter().any(|(k, _)| {
        k.scalar_text()
            .is_some_and(|k| OPERATORS.contains(&k.as_str()) || operator_meant(&k).is_some())
    });
    if !looks_like_operators {
        return Matcher {
            ops: vec![Op::Eq(r.tvalue(node, what))],
        };
    }
    let mut ops = Vec::new();
    for (op, key, value) in r.map_entries(node, what).unwrap_or_default() {
        let operand_what = format!("{what}.{op}");
        let parsed = match op {
            "eq" => Some(Op::Eq(r.tvalue(value, &operand_what))),
            "ne" => Some(Op::Ne(r.tvalue(value, &operand_what))),
            "gt" => Some(Op::Gt(r.tvalue(value, &operand_what))),
            "gte" => Some(Op::Gte(r.tvalue(value, &operand_what))),
            "lt" => Some(Op::Lt(r.tvalue(value, &operand_what))),
            "lte" => Some(Op::Lte(r.tvalue(value, &operand_what))),
            "contains" => Some(Op::Contains(r.tvalue(value, &operand_what))),
            "not_contains" => Some(Op::NotContains(r.tvalue(value, &operand_what))),
            "starts_with" => Some(Op::StartsWith(r.tvalue(value, &operand_what))),
            "ends_with" => Some(Op::EndsWith(r.tvalue(value, &operand_what))),
            "matches" => read_regex(r, value, &operand_what).map(Op::Matches),
            "exists" => r.bool(value, &operand_what).map(Op::Exists),
            "type" => read_type(r, value, &operand_what).map(Op::Type),
            "length" => Some(Op::Length(read_matcher(r, value, &operand_what))),
            "one_of" => r
                .seq(value, &operand_what)
                .map(|items| Op::OneOf(items.iter().map(|i| r.tvalue(i, &operand_what)).collect())),
            unknown => {
                r.error(
                    key.pos,
                    LoadErrorKind::UnknownOperator {
                        name: unknown.to_string(),
                        suggestion: operator_meant(unknown).map(str::to_string),
                    },
                );
                None
            }
        };
        ops.extend(parsed);
    }
    Matcher { ops }
}

/// Operator names of other tools (Postman/chai, Hurl, Karate), and what they are here.
const OPERATOR_SYNONYMS: &[(&str, &str)] = &[
    ("equals", "eq"),
    ("equal", "eq"),
    ("equal_to", "eq"),
    ("not_equals", "ne"),
    ("not_equal", "ne"),
    ("greater_than", "gt"),
    ("greater_than_or_equal", "gte"),
    ("greater_than_or_equals", "gte"),
    ("greater_or_equal", "gte"),
    ("less_than", "lt"),
    ("less_than_or_equal", "lte"),
    ("less_than_or_equals", "lte"),
    ("less_or_equal", "lte"),
    ("regex", "matches"),
    ("regexp", "matches"),
    ("match", "matches"),
    ("includes", "contains"),
    ("not_includes", "not_contains"),
    ("startswith", "starts_with"),
    ("endswith", "ends_with"),
];

/// The operator an unknown key probably means: another tool's name for it, or a close
/// spelling. `None` when it does not look like an operator (a literal map's key).
fn operator_meant(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase().replace('-', "_");
    if let Some((_, op)) = OPERATOR_SYNONYMS.iter().find(|(alias, _)| *alias == lower) {
        return Some(op);
    }
    let close = suggest::closest(name, OPERATORS.iter().copied())?;
    OPERATORS.iter().copied().find(|op| *op == close)
}

/// `type:` one of the JSON type names.
fn read_type(r: &mut Reader, node: &Node, what: &str) -> Option<JsonType> {
    let name = r.string(node, what)?;
    let parsed = JsonType::parse(&name);
    if parsed.is_none() {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "unknown type `{name}`; expected string, number, integer, bool, object, array or null"
            )),
        );
    }
    parsed
}
