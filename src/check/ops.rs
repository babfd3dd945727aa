//! A matcher's operators evaluated against a value: each gives an `OpOutcome`, its expected
//! side rendered from templates in the `CheckContext`.

use std::cmp::Ordering;

use serde_json::Value;

use super::matcher;
use super::snapshot::SnapshotSettings;
use crate::model::{Matcher, Op};
use crate::template::{TValue, Templates};

/// What templates in assertions can see: the variables, and `response` for expressions.
pub struct CheckContext<'a> {
    /// The compiled templates of the collection.
    pub templates: &'a Templates,
    /// Variables (and `response`) for rendering expected values.
    pub vars: &'a minijinja::Value,
    /// Where snapshots live; `None` where there are none (mock routes).
    pub snapshots: Option<&'a SnapshotSettings>,
    /// The request's `group/name` (with loop element and data row), for default snapshot files.
    pub request_path: &'a str,
}

/// Whether every operator of a matcher holds for a value (`None`: nothing was found).
pub fn matches(matcher: &Matcher, actual: Option<&Value>, cx: &CheckContext) -> bool {
    eval_matcher(matcher, actual, cx).iter().all(|o| o.passed)
}

/// Evaluates every operator of a matcher against a value (`None`: nothing was found).
pub(super) fn eval_matcher(
    matcher: &Matcher,
    actual: Option<&Value>,
    cx: &CheckContext,
) -> Vec<OpOutcome> {
    matcher
        .ops
        .iter()
        .map(|op| eval_op(op, actual, cx).unwrap_or_else(|failed| *failed))
        .collect()
}

fn render(value: &TValue, cx: &CheckContext) -> Result<Value, Box<OpOutcome>> {
    cx.templates
        .render_value(value, cx.vars)
        .map_err(|e| Box::new(failure("", None, None, &e.to_string())))
}

pub(super) fn failure(
    op: &str,
    expected: Option<Value>,
    actual: Option<&Value>,
    message: &str,
) -> OpOutcome {
    let diff = match (&expected, actual) {
        (Some(e), Some(a)) if op == "eq" => matcher::diff(e, a),
        _ => None,
    };
    OpOutcome {
        op: op.to_string(),
        expected,
        actual: actual.cloned(),
        passed: false,
        message: message.to_string(),
        diff,
    }
}

fn outcome(
    op: &str,
    expected: Option<Value>,
    actual: Option<&Value>,
    message: &str,
    passed: bool,
) -> OpOutcome {
    if passed {
        OpOutcome {
            op: op.to_string(),
            expected,
            actual: actual.cloned(),
            passed,
            message: String::new(),
            diff: None,
        }
    } else {
        failure(op, expected, actual, message)
    }
}

/// One operator's result; `Err` in `eval_op` marks a failure found early.
pub(super) struct OpOutcome {
    pub op: String,
    pub passed: bool,
    pub expected: Option<Value>,
    pub actual: Option<Value>,
    pub message: String,
    pub diff: Option<String>,
}

/// `Err` is a failure found before the operator could be applied (boxed: outcomes are large).
fn eval_op(
    op: &Op,
    actual: Option<&Value>,
    cx: &CheckContext,
) -> Result<OpOutcome, Box<OpOutcome>> {
    let name = op.name();
    if let Op::Exists(expected) = op {
        let holds = actual.is_some() == *expected;
        return Ok(outcome(
            name,
            Some(Value::Bool(*expected)),
            actual,
            "",
            holds,
        ));
    }
    let Some(actual) = actual else {
        let expected = match op {
            Op::Matches(re) => Some(Value::String(re.as_str().to_string())),
            Op::Type(ty) => Some(Value::String(ty.name().to_string())),
            _ => None,
        };
        return Err(Box::new(failure(name, expected, None, "nothing was found")));
    };
    let check = |holds: bool, expected: Value, what: &str| -> Result<OpOutcome, Box<OpOutcome>> {
        Ok(outcome(name, Some(expected), Some(actual), what, holds))
    };
    match op {
        Op::Eq(v) => {
            let e = render(v, cx)?;
            check(matcher::equal(actual, &e), e, "")
        }
        Op::Ne(v) => {
            let e = render(v, cx)?;
            check(!matcher::equal(actual, &e), e, "")
        }
        Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => {
            let e = render(v, cx)?;
            let holds = holds_in_order(op, actual, &e)?;
            check(holds, e, "")
        }
        Op::Contains(v) => {
            let e = render(v, cx)?;
            check(matcher::contains(actual, &e), e, "")
        }
        Op::NotContains(v) => {
            let e = render(v, cx)?;
            check(!matcher::contains(actual, &e), e, "")
        }
        Op::StartsWith(v) => {
            let e = render(v, cx)?;
            check(matcher::text(actual).starts_with(&matcher::text(&e)), e, "")
        }
        Op::EndsWith(v) => {
            let e = render(v, cx)?;
            check(matcher::text(actual).ends_with(&matcher::text(&e)), e, "")
        }
        Op::Matches(re) => check(
            re.is_match(&matcher::text(actual)),
            Value::String(re.as_str().to_string()),
            "",
        ),
        Op::Type(ty) => check(
            matcher::has_type(actual, *ty),
            Value::String(ty.name().to_string()),
            &format!("it is {}", matcher::type_name(actual)),
        ),
        Op::Length(inner) => eval_length(inner, actual, cx),
        Op::OneOf(options) => {
            let rendered = options
                .iter()
                .map(|o| render(o, cx))
                .collect::<Result<Vec<_>, _>>()?;
            let holds = rendered.iter().any(|o| matcher::equal(actual, o));
            check(holds, Value::Array(rendered), "")
        }
        Op::Exists(_) => unreachable!("handled above"),
    }
}

/// Whether `gt`, `gte`, `lt` or `lte` holds; `Err` when the values cannot be ordered.
fn holds_in_order(op: &Op, actual: &Value, expected: &Value) -> Result<bool, Box<OpOutcome>> {
    let Some(ordering) = matcher::compare(actual, expected) else {
        return Err(Box::new(failure(
            op.name(),
            Some(expected.clone()),
            Some(actual),
            &format!(
                "cannot order {} against {}",
                matcher::type_name(actual),
                matcher::type_name(expected)
            ),
        )));
    };
    Ok(match op {
        Op::Gt(_) => ordering == Ordering::Greater,
        Op::Gte(_) => ordering != Ordering::Less,
        Op::Lt(_) => ordering == Ordering::Less,
        _ => ordering != Ordering::Greater,
    })
}

/// `length:` the inner matcher on the value's length, reported as its first failing
/// operator (or its first, when all hold).
fn eval_length(
    inner: &Matcher,
    actual: &Value,
    cx: &CheckContext,
) -> Result<OpOutcome, Box<OpOutcome>> {
    let name = "length";
    let Some(len) = matcher::length(actual) else {
        return Err(Box::new(failure(
            name,
            None,
            Some(actual),
            &format!("a {} has no length", matcher::type_name(actual)),
        )));
    };
    let len = Value::from(len);
    let outcomes = eval_matcher(inner, Some(&len), cx);
    let first_failed = outcomes.iter().position(|o| !o.passed);
    let reported = outcomes.into_iter().nth(first_failed.unwrap_or(0));
    Ok(match reported {
        Some(inner) => OpOutcome {
            op: format!("length {}", inner.op),
            ..inner
        },
        None => outcome(name, None, Some(&len), "", true),
    })
}
