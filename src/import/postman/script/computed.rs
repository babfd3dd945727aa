//! Values a script computes that a template computes the same way, for `value:` captures:
//! `X.substring(a, b)` of a part of the response or a variable, with the runner's
//! `substring` filter (JavaScript's semantics: UTF-16 units, clamping, an error on anything
//! that is not a string, where JavaScript throws).

use oxc_ast::ast::{Argument, Expression};
use serde_json::Value;

use super::condition::val_text;
use super::value::{Scope, Val};

/// The template (`<<…>>`) that computes what `expr` computes, if there is one.
pub(super) fn template(expr: &Expression, scope: &Scope) -> Option<String> {
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    let Expression::StaticMemberExpression(member) = &call.callee else {
        return None;
    };
    if member.optional || call.optional || member.property.name != "substring" {
        return None;
    }
    let subject = scope.eval(&member.object)?;
    if matches!(subject, Val::Reason | Val::Response | Val::Length(_)) {
        return None;
    }
    let args = call
        .arguments
        .iter()
        .map(|a| integer(a, scope))
        .collect::<Option<Vec<i64>>>()?;
    let args = match args.as_slice() {
        [start] => format!("{start}"),
        [start, end] => format!("{start}, {end}"),
        _ => return None,
    };
    Some(format!("<<{} | substring({args})>>", val_text(&subject)?))
}

/// An argument that is a whole number literal (or a constant holding one).
fn integer(arg: &Argument, scope: &Scope) -> Option<i64> {
    match scope.eval(arg.as_expression()?)? {
        Val::Lit(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
}
