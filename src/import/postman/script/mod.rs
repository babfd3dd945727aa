//! Postman scripts → assertions and captures. The script is parsed with oxc's JavaScript parser
//! and walked statement by statement with a small abstract interpreter (`value`): aliases of
//! the response and its parts, constants and variable reads are followed; `pm.test` bodies,
//! chai chains (`chai`), boolean conditions (`condition`) and variable sets are translated.
//! Every statement that is not translated with exactly its meaning is returned as kept, with
//! its lines, for the report.

mod chai;
mod condition;
mod value;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionBody, AssignmentTarget, BindingPattern, Expression, SourceType,
    Statement,
};
use oxc_parser::{ParseOptions, Parser};

use self::value::{Scope, Val, dotted};
use super::checks::{CaptureSpec, Check, Source, Subject};
use crate::import::placeholder::var_name;

/// The 1-based first and last line a translated statement came from.
pub type Span = (usize, usize);

/// What came out of one script.
#[derive(Debug, Default)]
pub struct Translation {
    /// Assertions, in script order, with the lines they came from.
    pub checks: Vec<(Span, Check)>,
    /// Captures, in script order, with the lines they came from.
    pub captures: Vec<(Span, CaptureSpec)>,
    /// Lines not converted: (1-based line number, text), in order.
    pub kept: Vec<(usize, String)>,
    /// Capture names that differ from the script's variable names: (script name, used name).
    pub renamed: Vec<(String, String)>,
}

/// Translates the lines of a `test` script; a `prerequest` script keeps every statement.
pub fn translate(lines: &[String], is_test: bool) -> Translation {
    let source = lines.join("\n");
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let parsed = Parser::new(&allocator, &source, SourceType::cjs())
        .with_options(options)
        .parse();
    let mut walker = Walker {
        source: &source,
        lines,
        t: Translation::default(),
    };
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        // not JavaScript the parser reads: every line that is not blank is kept
        for (i, line) in lines.iter().enumerate() {
            if !line.trim().is_empty() {
                walker.t.kept.push((i + 1, line.trim().to_string()));
            }
        }
        return walker.t;
    }
    let mut scope = Scope::default();
    for statement in &parsed.program.body {
        if is_test {
            walker.statement(statement, &mut scope);
        } else {
            walker.keep(statement_span(statement));
        }
    }
    walker.t.kept.sort_by_key(|(n, _)| *n);
    walker.t.kept.dedup();
    walker.t
}

fn statement_span(statement: &Statement) -> oxc_ast::ast::Span {
    use oxc_span::GetSpan;
    statement.span()
}

struct Walker<'s> {
    source: &'s str,
    lines: &'s [String],
    t: Translation,
}

impl Walker<'_> {
    /// The 1-based lines a source span covers.
    fn lines_of(&self, span: oxc_ast::ast::Span) -> Span {
        let line = |offset: u32| {
            let end = (offset as usize).min(self.source.len());
            self.source.as_bytes()[..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        (
            line(span.start),
            line(span.end.saturating_sub(1).max(span.start)),
        )
    }

    fn text(&self, span: oxc_ast::ast::Span) -> String {
        self.source[span.start as usize..span.end as usize].to_string()
    }

    /// Keeps the lines of a statement.
    fn keep(&mut self, span: oxc_ast::ast::Span) {
        let (first, last) = self.lines_of(span);
        for n in first..=last {
            if let Some(line) = self.lines.get(n - 1)
                && !line.trim().is_empty()
            {
                self.t.kept.push((n, line.trim().to_string()));
            }
        }
    }

    fn statement(&mut self, statement: &Statement, scope: &mut Scope) {
        let span = statement_span(statement);
        match statement {
            Statement::EmptyStatement(_) => {}
            Statement::VariableDeclaration(d) => {
                for declarator in &d.declarations {
                    let BindingPattern::BindingIdentifier(id) = &declarator.id else {
                        self.keep(span);
                        continue;
                    };
                    let val = declarator.init.as_ref().and_then(|e| scope.eval(e));
                    if val.is_none() {
                        self.keep(declarator.span);
                    }
                    scope.bind(&id.name, val);
                }
            }
            Statement::ExpressionStatement(e) => {
                if !self.expression(&e.expression, span, scope) {
                    self.keep(span);
                }
            }
            Statement::BlockStatement(b) => {
                for inner in &b.body {
                    self.statement(inner, scope);
                }
            }
            _ => self.keep(span),
        }
    }

    /// Translates an expression statement; `false` if it is not translated.
    fn expression(
        &mut self,
        expr: &Expression,
        span: oxc_ast::ast::Span,
        scope: &mut Scope,
    ) -> bool {
        if let Some(done) = self.test_block(expr, span, scope) {
            return done;
        }
        if let Some(checks) = chai::assertion(expr, scope) {
            self.add_checks(span, checks);
            return true;
        }
        if let Expression::AssignmentExpression(a) = expr
            && let AssignmentTarget::ComputedMemberExpression(m) = &a.left
            && dotted(&m.object).as_deref() == Some("tests")
            && let Some(checks) = condition::checks(&a.right, true, scope)
        {
            self.add_checks(span, checks);
            return true;
        }
        if let Some((name, source)) = variable_set(expr, scope) {
            self.capture(span, name, source);
            return true;
        }
        false
    }

    /// `pm.test("name", function () { … })`: its body, with the opener and closer kept when
    /// anything inside is. `None` if `expr` is no `pm.test`.
    fn test_block(
        &mut self,
        expr: &Expression,
        span: oxc_ast::ast::Span,
        scope: &Scope,
    ) -> Option<bool> {
        let Expression::CallExpression(call) = expr else {
            return None;
        };
        if dotted(&call.callee).as_deref() != Some("pm.test") {
            return None;
        }
        let [
            _,
            Argument::FunctionExpression(_) | Argument::ArrowFunctionExpression(_),
        ] = call.arguments.as_slice()
        else {
            return Some(false);
        };
        let kept_before = self.t.kept.len();
        let mut inner = scope.clone();
        match &call.arguments[1] {
            Argument::FunctionExpression(f) if f.params.items.is_empty() => {
                for statement in &f.body.as_ref()?.statements {
                    self.statement(statement, &mut inner);
                }
            }
            Argument::ArrowFunctionExpression(f) if f.params.items.is_empty() => match &f.body {
                ArrowFunctionBody::FunctionBody(body) => {
                    for statement in &body.statements {
                        self.statement(statement, &mut inner);
                    }
                }
                body => {
                    let body = body.as_expression()?;
                    if !self.expression(body, span, &mut inner) {
                        return Some(false);
                    }
                }
            },
            _ => return Some(false),
        }
        if self.t.kept.len() > kept_before {
            let (first, last) = self.lines_of(span);
            for n in [first, last] {
                self.t.kept.push((n, self.lines[n - 1].trim().to_string()));
            }
        }
        Some(true)
    }

    fn add_checks(&mut self, span: oxc_ast::ast::Span, checks: Vec<Check>) {
        let lines = self.lines_of(span);
        let original = self.text(span);
        for mut check in checks {
            if let Subject::Expr { original: o, .. } = &mut check.subject
                && o.is_empty()
            {
                o.clone_from(&original);
            }
            self.t.checks.push((lines, check));
        }
    }

    fn capture(&mut self, span: oxc_ast::ast::Span, name: String, source: Source) {
        let used = var_name(&name);
        if used != name {
            self.t.renamed.push((name, used.clone()));
        }
        self.t.captures.retain(|(_, c)| c.name != used);
        let lines = self.lines_of(span);
        self.t
            .captures
            .push((lines, CaptureSpec { name: used, source }));
    }
}

/// `pm.environment.set("name", VALUE)` and the other scopes, with a value taken from the
/// response: the name and where the value comes from.
fn variable_set(expr: &Expression, scope: &Scope) -> Option<(String, Source)> {
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    let callee = dotted(&call.callee)?;
    if !matches!(
        callee.as_str(),
        "pm.environment.set"
            | "pm.collectionVariables.set"
            | "pm.globals.set"
            | "pm.variables.set"
            | "postman.setEnvironmentVariable"
            | "postman.setGlobalVariable"
    ) {
        return None;
    }
    let [name, value] = call.arguments.as_slice() else {
        return None;
    };
    let Val::Lit(serde_json::Value::String(name)) = scope.eval(name.as_expression()?)? else {
        return None;
    };
    let source = match scope.eval(value.as_expression()?)? {
        Val::Json(segs) => Source::Json(segs),
        Val::Header(header) => Source::Header(header),
        Val::Status => Source::Status,
        Val::Body => Source::Body,
        _ => return None,
    };
    Some((name, source))
}

#[cfg(test)]
mod tests;
