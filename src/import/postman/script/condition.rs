//! Boolean expressions of scripts (`tests["x"] = A || B`, `pm.expect(A && B).to.be.true`,
//! `if (…)` conditions): a matcher where one says it exactly (`status: [200, 201]`), else one
//! minijinja expression with JavaScript's meaning, else nothing.

use oxc_ast::ast::{
    Argument, BinaryOperator, Expression, LogicalExpression, LogicalOperator, UnaryOperator,
};
use serde_json::Value;

use super::value::{Scope, Val, dotted};
use crate::import::postman::checks::{Check, Op, Subject, check_expr};
use crate::import::postman::expr;

/// The checks that hold exactly when `cond` is truthy (`holds`) or falsy (`!holds`).
pub(super) fn checks(cond: &Expression, holds: bool, scope: &Scope) -> Option<Vec<Check>> {
    let cond = unparen(cond);
    match cond {
        Expression::LogicalExpression(l) if splits(l, holds) => {
            let mut out = checks(&l.left, holds, scope)?;
            out.extend(checks(&l.right, holds, scope)?);
            return Some(out);
        }
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
            return checks(&u.argument, !holds, scope);
        }
        _ => {}
    }
    if let Some(check) = matcher(cond, holds, scope) {
        return Some(vec![check]);
    }
    let text = truthy(cond, scope)?;
    let expr = if holds { text } else { format!("not {text}") };
    Some(vec![Check {
        subject: Subject::Expr {
            expr,
            original: String::new(),
        },
        op: Op::Holds,
    }])
}

/// `A && B` that must hold, `A || B` that must not: two checks.
fn splits(l: &LogicalExpression, holds: bool) -> bool {
    matches!(
        (l.operator, holds),
        (LogicalOperator::And, true) | (LogicalOperator::Or, false)
    )
}

fn unparen<'e, 'a>(mut e: &'e Expression<'a>) -> &'e Expression<'a> {
    while let Expression::ParenthesizedExpression(p) = e {
        e = &p.expression;
    }
    e
}

/// A condition one matcher says exactly: `code === 200`, `a === 1 || a === 2`,
/// `responseBody.has("x")`.
fn matcher(cond: &Expression, holds: bool, scope: &Scope) -> Option<Check> {
    let (subject, op) = match cond {
        Expression::BinaryExpression(b) => {
            let (subject, operand, swapped) = match (scope.eval(&b.left)?, scope.eval(&b.right)?) {
                (s, o @ (Val::Lit(_) | Val::Var(_))) => (s, o, false),
                (o @ (Val::Lit(_) | Val::Var(_)), s) => (s, o, true),
                _ => return None,
            };
            let subject = subject_of(subject)?;
            let strict = matches!(
                b.operator,
                BinaryOperator::StrictEquality | BinaryOperator::StrictInequality
            );
            if !strict && !loose_is_strict(&subject, &operand) {
                return None;
            }
            let value = operand.operand()?;
            let op = match (b.operator, holds, swapped) {
                (BinaryOperator::StrictEquality | BinaryOperator::Equality, true, _)
                | (BinaryOperator::StrictInequality | BinaryOperator::Inequality, false, _) => {
                    Op::Eq(value)
                }
                (BinaryOperator::StrictEquality | BinaryOperator::Equality, false, _)
                | (BinaryOperator::StrictInequality | BinaryOperator::Inequality, true, _) => {
                    Op::Ne(value)
                }
                // against a number: JSON values are compared as numbers, like `above`/`below`
                (op, true, swapped) if numeric(&subject) || value.is_number() => {
                    order(op, swapped, value)?
                }
                _ => return None,
            };
            (subject, op)
        }
        Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or && holds => {
            one_of(cond, scope)?
        }
        Expression::CallExpression(call) => {
            let callee = call.callee.as_member_expression()?;
            let name = callee.static_property_name()?;
            let [Argument::StringLiteral(text)] = call.arguments.as_slice() else {
                return None;
            };
            let value = Val::Lit(Value::String(text.value.to_string())).operand()?;
            match (scope.eval(callee.object())?, name, holds) {
                (Val::Body, "has" | "includes", true) => (Subject::Body, Op::Contains(value)),
                (Val::Body, "has" | "includes", false) => (Subject::Body, Op::NotContains(value)),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(Check { subject, op })
}

/// `x < 5` and the like, for subjects that are always numbers.
fn order(op: BinaryOperator, swapped: bool, value: Value) -> Option<Op> {
    use BinaryOperator::{GreaterEqualThan, GreaterThan, LessEqualThan, LessThan};
    Some(match (op, swapped) {
        (LessThan, false) | (GreaterThan, true) => Op::Lt(value),
        (LessEqualThan, false) | (GreaterEqualThan, true) => Op::Lte(value),
        (GreaterThan, false) | (LessThan, true) => Op::Gt(value),
        (GreaterEqualThan, false) | (LessEqualThan, true) => Op::Gte(value),
        _ => return None,
    })
}

fn numeric(subject: &Subject) -> bool {
    matches!(subject, Subject::Status | Subject::Duration)
}

/// `==` means `===` when no conversion can make them equal: a number against the status code
/// or duration, a string that is no number against anything.
fn loose_is_strict(subject: &Subject, operand: &Val) -> bool {
    match operand {
        Val::Lit(Value::Number(_)) => numeric(subject),
        Val::Lit(Value::String(s)) => {
            let t = s.trim();
            !t.is_empty() && t.parse::<f64>().is_err() && !matches!(t, "true" | "false")
        }
        _ => false,
    }
}

/// `code === 200 || code === 201` on one subject: `one_of`.
fn one_of(cond: &Expression, scope: &Scope) -> Option<(Subject, Op)> {
    let mut subject = None;
    let mut values = Vec::new();
    let mut stack = vec![cond];
    while let Some(e) = stack.pop() {
        match unparen(e) {
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                stack.push(&l.right);
                stack.push(&l.left);
            }
            e => {
                let Check {
                    subject: s,
                    op: Op::Eq(v),
                } = matcher(e, true, scope)?
                else {
                    return None;
                };
                if subject.get_or_insert_with(|| s.clone()) != &s {
                    return None;
                }
                values.push(v);
            }
        }
    }
    Some((subject?, Op::OneOf(values)))
}

fn subject_of(val: Val) -> Option<Subject> {
    Some(match val {
        Val::Status => Subject::Status,
        Val::Header(name) => Subject::Header(name),
        Val::Body => Subject::Body,
        Val::Duration => Subject::Duration,
        Val::Json(segs) => Subject::Json(segs),
        _ => return None,
    })
}

/// An expression whose minijinja truth is the JavaScript truth of `cond`.
pub(super) fn truthy(cond: &Expression, scope: &Scope) -> Option<String> {
    let cond = unparen(cond);
    match cond {
        Expression::LogicalExpression(l) => {
            let word = match l.operator {
                LogicalOperator::And => "and",
                LogicalOperator::Or => "or",
                LogicalOperator::Coalesce => return None,
            };
            let (a, b) = (truthy(&l.left, scope)?, truthy(&l.right, scope)?);
            Some(format!("({a} {word} {b})"))
        }
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
            Some(format!("(not {})", truthy(&u.argument, scope)?))
        }
        Expression::BinaryExpression(b) => comparison(b, scope),
        Expression::CallExpression(_) => call(cond, scope),
        _ => {
            let (text, val) = value(cond, scope)?;
            Some(match val {
                Val::Status | Val::Duration | Val::Length(_) => format!("({text} != 0)"),
                Val::Lit(v) => truthy_literal(&v).to_string(),
                // JavaScript's falsy values; `[]` and `{}` are true there, unlike in minijinja
                _ => format!("({text} is defined and {text} not in [none, false, 0, \"\"])"),
            })
        }
    }
}

fn truthy_literal(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// A comparison both sides of which the interpreter knows.
fn comparison(b: &oxc_ast::ast::BinaryExpression, scope: &Scope) -> Option<String> {
    if let Some(text) = type_test(b, scope) {
        return Some(text);
    }
    if b.operator == BinaryOperator::In {
        // `"key" in object`: an own key of a JSON object
        let (Val::Lit(Value::String(_)), Val::Json(_)) =
            (scope.eval(&b.left)?, scope.eval(&b.right)?)
        else {
            return None;
        };
        let (key, _) = value(&b.left, scope)?;
        let (object, _) = value(&b.right, scope)?;
        return Some(format!("({object} is mapping and {key} in {object})"));
    }
    let (left, lv) = value(&b.left, scope)?;
    let (right, rv) = value(&b.right, scope)?;
    let scalar = |v: &Val| matches!(v, Val::Lit(l) if !l.is_object() && !l.is_array());
    let number = |v: &Val| {
        matches!(
            v,
            Val::Status | Val::Duration | Val::Length(_) | Val::Lit(Value::Number(_))
        )
    };
    // an order between numbers: one side is one, the other no literal of another kind
    let ordered = |a: &Val, b: &Val| {
        let other_literal = |v: &Val| matches!(v, Val::Lit(l) if !l.is_number());
        (number(a) || number(b)) && !other_literal(a) && !other_literal(b)
    };
    let sign = match b.operator {
        BinaryOperator::StrictEquality if scalar(&lv) || scalar(&rv) => "==",
        BinaryOperator::StrictInequality if scalar(&lv) || scalar(&rv) => "!=",
        BinaryOperator::Equality | BinaryOperator::Inequality => {
            let (subject, operand) = if scalar(&rv) { (&lv, &rv) } else { (&rv, &lv) };
            let subject = subject_of(subject.clone());
            if !subject.is_some_and(|s| loose_is_strict(&s, operand)) {
                return None;
            }
            if b.operator == BinaryOperator::Equality {
                "=="
            } else {
                "!="
            }
        }
        BinaryOperator::LessThan if ordered(&lv, &rv) => "<",
        BinaryOperator::LessEqualThan if ordered(&lv, &rv) => "<=",
        BinaryOperator::GreaterThan if ordered(&lv, &rv) => ">",
        BinaryOperator::GreaterEqualThan if ordered(&lv, &rv) => ">=",
        _ => return None,
    };
    Some(format!("({left} {sign} {right})"))
}

/// `typeof X === "string"` and the other type names.
fn type_test(b: &oxc_ast::ast::BinaryExpression, scope: &Scope) -> Option<String> {
    let negated = match b.operator {
        BinaryOperator::StrictEquality | BinaryOperator::Equality => false,
        BinaryOperator::StrictInequality | BinaryOperator::Inequality => true,
        _ => return None,
    };
    let (Expression::UnaryExpression(u), Expression::StringLiteral(name)) =
        (unparen(&b.left), unparen(&b.right))
    else {
        return None;
    };
    if u.operator != UnaryOperator::Typeof {
        return None;
    }
    let (x, _) = value(&u.argument, scope)?;
    let test = match name.value.as_str() {
        "string" => format!("{x} is string"),
        "number" => format!("{x} is number"),
        "boolean" => format!("{x} is boolean"),
        "undefined" => format!("{x} is undefined"),
        "object" => format!("({x} is mapping or {x} is sequence or {x} is none)"),
        _ => return None,
    };
    Some(if negated {
        format!("(not ({test}))")
    } else {
        format!("({test})")
    })
}

/// `X.includes(v)`, `X.has(v)`, `X.hasOwnProperty("k")`, `pm.response.headers.has("H")`,
/// `Array.isArray(X)`.
fn call(cond: &Expression, scope: &Scope) -> Option<String> {
    let Expression::CallExpression(c) = cond else {
        return None;
    };
    let arg = |i: usize| c.arguments.get(i).and_then(Argument::as_expression);
    let callee = dotted(&c.callee);
    if c.arguments.len() == 1 {
        match callee.as_deref() {
            Some("Array.isArray") => {
                return Some(format!("({} is sequence)", value(arg(0)?, scope)?.0));
            }
            Some(
                "pm.variables.has"
                | "pm.environment.has"
                | "pm.collectionVariables.has"
                | "pm.globals.has",
            ) => {
                let Val::Lit(Value::String(name)) = scope.eval(arg(0)?)? else {
                    return None;
                };
                let name = expr::literal(&Val::Var(name).operand()?)?;
                return Some(format!("({name} is defined)"));
            }
            Some("pm.response.headers.has") => {
                let Val::Lit(Value::String(name)) = scope.eval(arg(0)?)? else {
                    return None;
                };
                return Some(format!("({} is defined)", expr::header(&name)));
            }
            _ => {}
        }
    }
    let member = c.callee.as_member_expression()?;
    let [_] = c.arguments.as_slice() else {
        return None;
    };
    let (object, val) = value(member.object(), scope)?;
    let (needle, needle_val) = value(arg(0)?, scope)?;
    if !matches!(needle_val, Val::Lit(ref v) if !v.is_object() && !v.is_array()) {
        return None;
    }
    match (member.static_property_name()?, val) {
        ("includes" | "has", Val::Body | Val::Header(_) | Val::Json(_)) => {
            Some(format!("({needle} in {object})"))
        }
        ("hasOwnProperty", Val::Json(_)) => {
            let Val::Lit(Value::String(_)) = needle_val else {
                return None;
            };
            Some(format!("({object} is mapping and {needle} in {object})"))
        }
        _ => None,
    }
}

/// The minijinja expression of a value, with what it stands for.
fn value(e: &Expression, scope: &Scope) -> Option<(String, Val)> {
    let val = scope.eval(e)?;
    let text = val_text(&val)?;
    Some((text, val))
}

/// The minijinja expression of what a value stands for.
pub(super) fn val_text(val: &Val) -> Option<String> {
    Some(match val {
        Val::Json(segs) => expr::json(segs),
        Val::Status => "response.status".into(),
        Val::Header(name) => expr::header(name),
        Val::Body => "response.body".into(),
        Val::Duration => "response.duration_ms".into(),
        Val::Length(inner) => format!("({} | length)", val_text(inner)?),
        Val::Lit(_) | Val::Var(_) => expr::literal(&val.operand()?)?,
        Val::Reason | Val::Response => return None,
    })
}

/// A check as one expression (for a check under an `if`).
pub(super) fn expr_of(check: &Check) -> Option<String> {
    match &check.subject {
        Subject::Expr { expr, .. } => Some(format!("({expr})")),
        _ => check_expr(check).map(|e| format!("({e})")),
    }
}
