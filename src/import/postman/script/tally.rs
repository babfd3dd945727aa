//! The tally of a script: which statements are assertions and variable sets, and counting
//! them inside statements that are kept whole (loops, callbacks, functions).

use oxc_ast::ast::{Argument, ArrowFunctionBody, AssignmentTarget, Expression, Statement};

use super::value::{dotted, is_set};
use crate::import::report::Tally;

/// What kind of statement an expression statement is, for the tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Assertion,
    Set,
    Other,
}

impl Kind {
    pub(super) fn count(self, tally: &mut Tally, translated: bool) {
        match self {
            Kind::Assertion => tally.assertion(translated),
            Kind::Set => tally.set(translated),
            Kind::Other => {}
        }
    }
}

/// An assertion statement, a variable set, or something else.
pub(super) fn kind(expr: &Expression) -> Kind {
    let mut e = expr;
    loop {
        match e {
            Expression::AssignmentExpression(a) => {
                let tests = matches!(&a.left, AssignmentTarget::ComputedMemberExpression(m)
                    if dotted(&m.object).as_deref() == Some("tests"));
                return if tests { Kind::Assertion } else { Kind::Other };
            }
            Expression::CallExpression(c) => {
                match dotted(&c.callee).as_deref() {
                    Some("pm.expect") => return Kind::Assertion,
                    Some(name) if is_set(name) => return Kind::Set,
                    _ => {}
                }
                e = match &c.callee {
                    Expression::StaticMemberExpression(m) => &m.object,
                    _ => return Kind::Other,
                };
            }
            Expression::StaticMemberExpression(m) => {
                if dotted(&m.object).as_deref() == Some("pm.response") && m.property.name == "to" {
                    return Kind::Assertion;
                }
                e = &m.object;
            }
            _ => return Kind::Other,
        }
    }
}

/// Counts, as found and not translated, the assertions and sets anywhere inside a statement.
pub(super) fn count_nested_statement(statement: &Statement, tally: &mut Tally) {
    match statement {
        Statement::ExpressionStatement(e) => match kind(&e.expression) {
            Kind::Other => count_nested_expression(&e.expression, tally),
            k => k.count(tally, false),
        },
        Statement::BlockStatement(b) => {
            b.body.iter().for_each(|s| count_nested_statement(s, tally))
        }
        Statement::IfStatement(i) => {
            count_nested_statement(&i.consequent, tally);
            if let Some(alternate) = &i.alternate {
                count_nested_statement(alternate, tally);
            }
        }
        Statement::TryStatement(t) => {
            t.block
                .body
                .iter()
                .for_each(|s| count_nested_statement(s, tally));
            if let Some(handler) = &t.handler {
                handler
                    .body
                    .body
                    .iter()
                    .for_each(|s| count_nested_statement(s, tally));
            }
            if let Some(finalizer) = &t.finalizer {
                finalizer
                    .body
                    .iter()
                    .for_each(|s| count_nested_statement(s, tally));
            }
        }
        Statement::ForStatement(f) => count_nested_statement(&f.body, tally),
        Statement::ForInStatement(f) => count_nested_statement(&f.body, tally),
        Statement::ForOfStatement(f) => count_nested_statement(&f.body, tally),
        Statement::WhileStatement(w) => count_nested_statement(&w.body, tally),
        Statement::DoWhileStatement(w) => count_nested_statement(&w.body, tally),
        Statement::SwitchStatement(sw) => sw
            .cases
            .iter()
            .flat_map(|c| c.consequent.iter())
            .for_each(|s| count_nested_statement(s, tally)),
        Statement::FunctionDeclaration(f) => count_function(f, tally),
        Statement::VariableDeclaration(d) => d
            .declarations
            .iter()
            .filter_map(|d| d.init.as_ref())
            .for_each(|e| count_nested_expression(e, tally)),
        _ => {}
    }
}

/// Counts inside the callbacks an expression passes (`pm.test(…, fn)`, `forEach(fn)`).
pub(super) fn count_nested_expression(expr: &Expression, tally: &mut Tally) {
    let Expression::CallExpression(call) = expr else {
        return;
    };
    if let Expression::StaticMemberExpression(m) = &call.callee {
        count_nested_expression(&m.object, tally);
    }
    for arg in &call.arguments {
        match arg {
            Argument::FunctionExpression(f) => count_function(f, tally),
            Argument::ArrowFunctionExpression(f) => match &f.body {
                ArrowFunctionBody::FunctionBody(body) => body
                    .statements
                    .iter()
                    .for_each(|s| count_nested_statement(s, tally)),
                body => {
                    if let Some(e) = body.as_expression() {
                        match kind(e) {
                            Kind::Other => count_nested_expression(e, tally),
                            k => k.count(tally, false),
                        }
                    }
                }
            },
            _ => {}
        }
    }
}

fn count_function(f: &oxc_ast::ast::Function, tally: &mut Tally) {
    if let Some(body) = &f.body {
        body.statements
            .iter()
            .for_each(|s| count_nested_statement(s, tally));
    }
}
