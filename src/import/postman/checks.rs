//! Assertions translated from scripts, and how they become a request's `assert:` map. Two
//! checks of the same subject merge into one matcher; a check that cannot share its subject's
//! matcher (a second `contains`, a different `eq`) is written as an `expr:` with the same
//! meaning instead.

use serde_json::Value;

use super::expr;
use super::path::{Seg, json_path};
use crate::import::yaml::{Item, Yaml};

/// What an assertion looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The status code.
    Status,
    /// A response header.
    Header(String),
    /// A path into the body parsed as JSON.
    Json(Vec<Seg>),
    /// The body text.
    Body,
    /// Milliseconds.
    Duration,
    /// A minijinja expression that must be true, with the script text it came from.
    Expr {
        /// The expression.
        expr: String,
        /// The JavaScript, for a comment.
        original: String,
    },
    /// The body validated against an inline JSON Schema (the operand of `Op::Eq`).
    Schema,
}

/// One matcher operator with its operand (strings already safe for templates).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `eq` (a plain value).
    Eq(Value),
    /// `ne`.
    Ne(Value),
    /// `gt`.
    Gt(Value),
    /// `gte`.
    Gte(Value),
    /// `lt`.
    Lt(Value),
    /// `lte`.
    Lte(Value),
    /// `contains`.
    Contains(Value),
    /// `not_contains`.
    NotContains(Value),
    /// `matches` (a Rust regex).
    Matches(String),
    /// `exists`.
    Exists(bool),
    /// `type`.
    Type(&'static str),
    /// `one_of`.
    OneOf(Vec<Value>),
    /// `length` with its own operators.
    Length(Vec<Op>),
    /// The subject (an expression) holds.
    Holds,
}

impl Op {
    fn key(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Contains(_) => "contains",
            Op::NotContains(_) => "not_contains",
            Op::Matches(_) => "matches",
            Op::Exists(_) => "exists",
            Op::Type(_) => "type",
            Op::OneOf(_) => "one_of",
            Op::Length(_) => "length",
            Op::Holds => "holds",
        }
    }

    fn operand(&self) -> Yaml {
        match self {
            Op::Eq(v)
            | Op::Ne(v)
            | Op::Gt(v)
            | Op::Gte(v)
            | Op::Lt(v)
            | Op::Lte(v)
            | Op::Contains(v)
            | Op::NotContains(v) => Yaml::from_json(v).into_flow(),
            Op::Matches(re) => Yaml::str(re),
            Op::Exists(b) => Yaml::Bool(*b),
            Op::Type(t) => Yaml::str(*t),
            Op::OneOf(values) => Yaml::seq(values.iter().map(Yaml::from_json)).into_flow(),
            Op::Length(ops) => matcher(ops),
            Op::Holds => Yaml::Bool(true),
        }
    }
}

/// One assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What it looks at.
    pub subject: Subject,
    /// What must hold.
    pub op: Op,
}

/// The matchers of one request, subject by subject, merged.
#[derive(Debug, Default, Clone)]
pub struct Assertions {
    subjects: Vec<(Subject, Vec<Op>)>,
}

impl Assertions {
    /// Adds a check. One that cannot join its subject's matcher becomes an `expr:`; `false`
    /// when even that is not possible (nothing is changed then).
    pub fn add(&mut self, check: &Check) -> bool {
        if self.merge_into(check) {
            return true;
        }
        match check_expr(check) {
            Some(text) => self.merge_into(&Check {
                subject: Subject::Expr {
                    expr: text,
                    original: String::new(),
                },
                op: Op::Holds,
            }),
            None => false,
        }
    }

    fn merge_into(&mut self, check: &Check) -> bool {
        let index = match self.subjects.iter().position(|(s, _)| *s == check.subject) {
            Some(i) => i,
            None => {
                self.subjects.push((check.subject.clone(), Vec::new()));
                self.subjects.len() - 1
            }
        };
        let ops = &mut self.subjects[index].1;
        let merged = merge(ops, &check.op);
        if ops.is_empty() {
            self.subjects.remove(index);
        }
        merged
    }

    /// Whether every check of `checks` can be added together with what is here.
    pub fn accepts(&self, checks: &[Check]) -> bool {
        let mut probe = self.clone();
        checks.iter().all(|c| probe.add(c))
    }

    /// How many subjects carry matchers.
    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    /// The `assert:` map, in the loader's key order.
    pub fn to_yaml(&self) -> Yaml {
        let mut out = Yaml::map();
        let mut headers = Yaml::map();
        let mut json = Yaml::map();
        let mut exprs = Vec::new();
        for (subject, ops) in &self.subjects {
            match subject {
                Subject::Status => out.insert("status", status_matcher(ops)),
                Subject::Header(name) => headers.insert(name, matcher(ops)),
                Subject::Json(path) => json.insert(&json_path(path), matcher(ops)),
                Subject::Body => out.insert("body", matcher(ops)),
                Subject::Duration => out.insert("duration_ms", matcher(ops)),
                Subject::Expr { expr, original } => exprs.push(Item {
                    comments: original
                        .lines()
                        .map(|l| format!("postman: {}", l.trim()))
                        .collect(),
                    value: Yaml::str(expr),
                }),
                Subject::Schema => {
                    if let Some(Op::Eq(schema)) = ops.first() {
                        out.insert("schema", Yaml::from_json(schema));
                    }
                }
            }
        }
        let mut ordered = Yaml::map();
        if let Some(status) = out.get("status") {
            ordered.insert("status", status.clone());
        }
        if !headers.is_empty_collection() {
            ordered.insert("headers", headers);
        }
        if !json.is_empty_collection() {
            ordered.insert("json", json);
        }
        for key in ["body", "duration_ms"] {
            if let Some(v) = out.get(key) {
                ordered.insert(key, v.clone());
            }
        }
        if !exprs.is_empty() {
            ordered.insert("expr", Yaml::Seq(exprs));
        }
        if let Some(schema) = out.get("schema") {
            ordered.insert("schema", schema.clone());
        }
        ordered
    }
}

/// The check as one minijinja expression with the same meaning, where there is one.
pub fn check_expr(check: &Check) -> Option<String> {
    let subject = match &check.subject {
        Subject::Status => "response.status".to_string(),
        Subject::Header(name) => expr::header(name),
        Subject::Json(path) => expr::json(path),
        Subject::Body => "response.body".to_string(),
        Subject::Duration => "response.duration_ms".to_string(),
        Subject::Expr { .. } | Subject::Schema => return None,
    };
    op_expr(&subject, &check.op)
}

/// An operator applied to a subject expression, as one expression.
pub fn op_expr(subject: &str, op: &Op) -> Option<String> {
    let compare = |sign: &str, v: &Value| Some(format!("{subject} {sign} {}", expr::literal(v)?));
    match op {
        Op::Eq(v) => compare("==", v),
        Op::Ne(v) => compare("!=", v),
        Op::Gt(v) => compare(">", v),
        Op::Gte(v) => compare(">=", v),
        Op::Lt(v) => compare("<", v),
        Op::Lte(v) => compare("<=", v),
        Op::Contains(v) => Some(format!("{} in {subject}", expr::literal(v)?)),
        Op::NotContains(v) => Some(format!("{} not in {subject}", expr::literal(v)?)),
        Op::OneOf(values) => compare("in", &Value::Array(values.clone())),
        Op::Exists(true) => Some(format!("{subject} is defined")),
        Op::Exists(false) => Some(format!("{subject} is undefined")),
        Op::Length(ops) => {
            let length = format!("({subject} | length)");
            let parts: Option<Vec<String>> = ops.iter().map(|o| op_expr(&length, o)).collect();
            Some(parts?.join(" and "))
        }
        Op::Matches(_) | Op::Type(_) | Op::Holds => None,
    }
}

/// Adds `op` to `ops` unless an operator of its kind holds a different operand.
fn merge(ops: &mut Vec<Op>, op: &Op) -> bool {
    match ops.iter_mut().find(|o| o.key() == op.key()) {
        None => {
            ops.push(op.clone());
            true
        }
        Some(Op::Length(inner)) => {
            let Op::Length(new) = op else { return false };
            let mut probe = inner.clone();
            if new.iter().all(|n| merge(&mut probe, n)) {
                *inner = probe;
                true
            } else {
                false
            }
        }
        Some(existing) => existing == op,
    }
}

/// A plain value for a lone scalar `eq`, else a map of operators.
fn matcher(ops: &[Op]) -> Yaml {
    if let [Op::Eq(v)] = ops
        && !v.is_object()
        && !v.is_array()
    {
        return Yaml::from_json(v);
    }
    let mut map = Yaml::flow_map();
    for op in ops {
        map.insert(op.key(), op.operand());
    }
    map
}

/// As `matcher`, with the `status: [200, 201]` short form.
fn status_matcher(ops: &[Op]) -> Yaml {
    if let [Op::OneOf(values)] = ops {
        return Yaml::seq(values.iter().map(Yaml::from_json));
    }
    matcher(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::yaml::document;
    use serde_json::json;

    fn check(subject: Subject, op: Op) -> Check {
        Check { subject, op }
    }

    #[test]
    fn checks_of_one_subject_merge() {
        let mut a = Assertions::default();
        assert!(a.add(&check(Subject::Status, Op::Gte(json!(200)))));
        assert!(a.add(&check(Subject::Status, Op::Lt(json!(300)))));
        assert!(a.add(&check(Subject::Status, Op::Gte(json!(200)))));
        assert!(
            a.add(&check(Subject::Status, Op::Gte(json!(201)))),
            "kept as an expr"
        );
        assert!(a.add(&check(
            Subject::Json(vec![Seg::Key("value".into())]),
            Op::Length(vec![Op::Gt(json!(0))])
        )));
        assert!(a.add(&check(
            Subject::Header("Content-Type".into()),
            Op::Contains(json!("json"))
        )));
        let mut root = Yaml::map();
        root.insert("assert", a.to_yaml());
        assert_eq!(
            document(&[], &root),
            "assert:\n  status: { gte: 200, lt: 300 }\n  headers:\n    Content-Type: { contains: json }\n  json:\n    $.value: { length: { gt: 0 } }\n  expr: [response.status >= 201]\n"
        );
    }

    #[test]
    fn plain_values_and_one_of() {
        let mut a = Assertions::default();
        a.add(&check(
            Subject::Status,
            Op::OneOf(vec![json!(200), json!(201)]),
        ));
        a.add(&check(
            Subject::Json(vec![Seg::Key("a".into())]),
            Op::Eq(json!({"type": "x"})),
        ));
        a.add(&check(
            Subject::Json(vec![Seg::Key("b".into())]),
            Op::Eq(json!("Bearer")),
        ));
        let mut root = Yaml::map();
        root.insert("assert", a.to_yaml());
        assert_eq!(
            document(&[], &root),
            "assert:\n  status: [200, 201]\n  json:\n    $.a: { eq: { type: x } }\n    $.b: Bearer\n"
        );
    }
}
