//! Postman scripts → assertions and captures. The script is parsed with oxc's JavaScript parser
//! and walked statement by statement with a small abstract interpreter (`value`): aliases of
//! the response and its parts, constants and variable reads are followed; `pm.test` bodies,
//! chai chains (`chai`), boolean conditions (`condition`) and variable sets are translated.
//! Every statement that is not translated with exactly its meaning is returned as kept, with
//! its lines, for the report.

mod chai;
mod computed;
mod condition;
mod flow;
mod tally;
mod value;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionBody, AssignmentTarget, BindingPattern, Expression, SourceType,
    Statement,
};
use oxc_parser::{ParseOptions, Parser};

use self::flow::{assignments, is_silent, may_escape};
use self::tally::{count_nested_expression, count_nested_statement, kind};
use self::value::{Scope, Val, dotted, is_set};
use super::captures::{CaptureSpec, Source};
use super::checks::{Check, Op, Subject};
use crate::import::placeholder::{escape_literal, var_name};
use crate::import::report::Tally;

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
    /// What the script held and how much of it was translated.
    pub tally: Tally,
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
        understood: Vec::new(),
        guards: Vec::new(),
        in_try: false,
        escaped: false,
        in_callback: false,
        assigned: std::collections::HashMap::new(),
        declared: std::collections::HashSet::new(),
    };
    (walker.assigned, walker.declared) = assignments(&source);
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
            walker.keep_counted(statement);
        }
    }
    walker.t.kept.sort_by_key(|(n, _)| *n);
    walker.t.kept.dedup();
    walker.t.tally.unaccounted_lines = walker.unaccounted(&parsed.program.comments);
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
    /// Lines of statements translated whole.
    understood: Vec<Span>,
    /// The conditions of the `if`s around the statement (minijinja expressions).
    guards: Vec<String>,
    /// Inside a `try` block: what throws there does nothing.
    in_try: bool,
    /// A kept statement may have left the function here (`return`, `throw`): what follows
    /// runs only sometimes, so it is kept too.
    escaped: bool,
    /// Inside a `pm.test` callback.
    in_callback: bool,
    /// Names assigned somewhere after they are declared (`x = …`, `x += …`, `x++`), with how
    /// often: such a name is not a fixed alias.
    assigned: std::collections::HashMap<String, usize>,
    /// Names declared with `var`, `let` or `const`.
    declared: std::collections::HashSet<String>,
}

impl Walker<'_> {
    /// Lines with code outside comments that are neither translated nor kept.
    fn unaccounted(&self, comments: &[oxc_ast::Comment]) -> usize {
        let mut code = vec![false; self.lines.len() + 1];
        let bytes = self.source.as_bytes();
        let mut line = 1;
        let mut comment = comments.iter().peekable();
        for (at, &b) in bytes.iter().enumerate() {
            while comment.peek().is_some_and(|c| c.span.end as usize <= at) {
                comment.next();
            }
            let in_comment = comment.peek().is_some_and(|c| c.span.start as usize <= at);
            if b == b'\n' {
                line += 1;
            } else if !b.is_ascii_whitespace() && !in_comment {
                code[line] = true;
            }
        }
        (1..=self.lines.len())
            .filter(|&n| code[n])
            .filter(|&n| !self.understood.iter().any(|(a, b)| (*a..=*b).contains(&n)))
            .filter(|&n| !self.t.kept.iter().any(|(k, _)| *k == n))
            .count()
    }

    /// Keeps a statement, counting the assertions and sets inside it as found.
    fn keep_counted(&mut self, statement: &Statement) {
        count_nested_statement(statement, &mut self.t.tally);
        self.keep(statement_span(statement));
    }

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
        if self.escaped {
            self.keep_counted(statement);
            return;
        }
        let kept_before = self.t.kept.len();
        self.statement_inner(statement, scope);
        if self.t.kept.len() > kept_before && may_escape(statement, false) {
            self.escaped = true;
        }
    }

    fn statement_inner(&mut self, statement: &Statement, scope: &mut Scope) {
        let span = statement_span(statement);
        match statement {
            Statement::EmptyStatement(_) => {}
            Statement::VariableDeclaration(d) => {
                for declarator in &d.declarations {
                    let BindingPattern::BindingIdentifier(id) = &declarator.id else {
                        self.keep_counted(statement);
                        continue;
                    };
                    // a name assigned again later is no fixed alias
                    let val = declarator
                        .init
                        .as_ref()
                        .filter(|_| !self.assigned.contains_key(id.name.as_str()))
                        .and_then(|e| scope.eval(e));
                    match val {
                        Some(_) => self.understood.push(self.lines_of(declarator.span)),
                        None => {
                            if let Some(init) = &declarator.init {
                                count_nested_expression(init, &mut self.t.tally);
                            }
                            self.keep(declarator.span);
                        }
                    }
                    scope.bind(&id.name, val);
                }
            }
            Statement::ExpressionStatement(e) => {
                let kind = kind(&e.expression);
                if self.expression(&e.expression, span, scope) {
                    self.understood.push(self.lines_of(span));
                    kind.count(&mut self.t.tally, true);
                } else {
                    self.keep_counted(statement);
                }
            }
            Statement::BlockStatement(b) => {
                for inner in &b.body {
                    self.statement(inner, scope);
                }
            }
            Statement::IfStatement(i) => match condition::truthy(&i.test, scope) {
                Some(cond) => {
                    let kept = self.t.kept.len();
                    self.guarded(cond.clone(), &i.consequent, scope);
                    if let Some(alternate) = &i.alternate {
                        self.guarded(format!("(not {cond})"), alternate, scope);
                    }
                    self.keep_frame(span, kept);
                }
                None => self.keep_counted(statement),
            },
            Statement::TryStatement(t)
                if is_silent(t.handler.as_deref()) && t.finalizer.is_none() =>
            {
                let kept = self.t.kept.len();
                let outer = std::mem::replace(&mut self.in_try, true);
                let mut inner = scope.clone();
                for statement in &t.block.body {
                    self.statement(statement, &mut inner);
                }
                self.in_try = outer;
                if let Some(handler) = &t.handler {
                    for statement in &handler.body.body {
                        self.keep_counted(statement);
                    }
                }
                self.keep_frame(span, kept);
            }
            _ => self.keep_counted(statement),
        }
    }

    /// A branch of an `if`, with its condition on the guard stack.
    fn guarded(&mut self, cond: String, branch: &Statement, scope: &Scope) {
        self.guards.push(cond);
        let mut inner = scope.clone();
        self.statement(branch, &mut inner);
        self.guards.pop();
    }

    /// The first and last line of a block statement, kept when anything inside was; the
    /// block itself counts as understood.
    fn keep_frame(&mut self, span: oxc_ast::ast::Span, kept_before: usize) {
        let (first, last) = self.lines_of(span);
        if self.t.kept.len() > kept_before {
            for n in [first, last] {
                self.t.kept.push((n, self.lines[n - 1].trim().to_string()));
            }
        }
        self.understood.push((first, last));
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
            return self.add_checks(span, checks);
        }
        if let Expression::AssignmentExpression(a) = expr
            && let AssignmentTarget::ComputedMemberExpression(m) = &a.left
            && dotted(&m.object).as_deref() == Some("tests")
            && let Some(checks) = condition::checks(&a.right, true, scope)
        {
            return self.add_checks(span, checks);
        }
        if let Some((name, source)) = variable_set(expr, scope) {
            return self.capture(span, name, source);
        }
        // `data = JSON.parse(responseBody)` without a declaration: an alias when it is the
        // name's only assignment and it is made whatever happens
        if let Expression::AssignmentExpression(a) = expr
            && a.operator == oxc_ast::ast::AssignmentOperator::Assign
            && let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left
            && self.guards.is_empty()
            && !self.in_try
            && !self.in_callback
            && !self.escaped
            && self.assigned.get(id.name.as_str()) == Some(&1)
            && !self.declared.contains(id.name.as_str())
            && let Some(val) = scope.eval(&a.right)
        {
            scope.bind(&id.name, Some(val));
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
        // a `return` in the callback leaves the callback only
        let outer_escaped = std::mem::take(&mut self.escaped);
        let outer_callback = std::mem::replace(&mut self.in_callback, true);
        let walked = self.test_body(&call.arguments[1], span, &mut inner);
        self.escaped = outer_escaped;
        self.in_callback = outer_callback;
        if !walked? {
            return Some(false);
        }
        if self.t.kept.len() > kept_before {
            let (first, last) = self.lines_of(span);
            for n in [first, last] {
                self.t.kept.push((n, self.lines[n - 1].trim().to_string()));
            }
        }
        Some(true)
    }

    /// The statements of a `pm.test` callback; `Some(false)` when it is not translated.
    fn test_body(
        &mut self,
        callback: &Argument,
        span: oxc_ast::ast::Span,
        inner: &mut Scope,
    ) -> Option<bool> {
        match callback {
            Argument::FunctionExpression(f) if f.params.items.is_empty() => {
                for statement in &f.body.as_ref()?.statements {
                    self.statement(statement, inner);
                }
            }
            Argument::ArrowFunctionExpression(f) if f.params.items.is_empty() => match &f.body {
                ArrowFunctionBody::FunctionBody(body) => {
                    for statement in &body.statements {
                        self.statement(statement, inner);
                    }
                }
                body => {
                    let body = body.as_expression()?;
                    if !self.expression(body, span, inner) {
                        return Some(false);
                    }
                }
            },
            _ => return Some(false),
        }
        Some(true)
    }

    /// Adds the checks of a statement; under an `if` each becomes `not COND or CHECK`.
    /// `false` (nothing added) inside `try`, where a failed assertion is swallowed, or when
    /// a guarded check has no expression form.
    fn add_checks(&mut self, span: oxc_ast::ast::Span, checks: Vec<Check>) -> bool {
        if self.in_try {
            return false;
        }
        let original = self.text(span);
        let mut out = Vec::new();
        for check in checks {
            let check = if self.guards.is_empty() {
                check
            } else {
                let Some(text) = condition::expr_of(&check) else {
                    return false;
                };
                Check {
                    subject: Subject::Expr {
                        expr: format!("not ({}) or {text}", self.guards.join(" and ")),
                        original: String::new(),
                    },
                    op: Op::Holds,
                }
            };
            out.push(check);
        }
        let lines = self.lines_of(span);
        for mut check in out {
            if let Subject::Expr { original: o, .. } = &mut check.subject
                && o.is_empty()
            {
                o.clone_from(&original);
            }
            self.t.checks.push((lines, check));
        }
        true
    }

    /// Adds a capture; under an `if` it carries the condition, inside `try` it is optional.
    /// One made whatever happens replaces the earlier captures of its variable.
    fn capture(&mut self, span: oxc_ast::ast::Span, name: String, source: Source) -> bool {
        let used = var_name(&name);
        let when = (!self.guards.is_empty()).then(|| self.guards.join(" and "));
        let optional = self.in_try;
        if used != name {
            self.t.renamed.push((name, used.clone()));
        }
        let lines = self.lines_of(span);
        let spec = CaptureSpec {
            name: used,
            source,
            when,
            optional,
        };
        if spec.when.is_none() && !spec.optional {
            self.t.captures.retain(|(_, c)| c.name != spec.name);
        }
        self.t.captures.push((lines, spec));
        true
    }
}

/// `pm.environment.set("name", VALUE)` and the other scopes, with a value taken from the
/// response or a constant: the name and where the value comes from.
fn variable_set(expr: &Expression, scope: &Scope) -> Option<(String, Source)> {
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    if !is_set(&dotted(&call.callee)?) {
        return None;
    }
    let [name, value] = call.arguments.as_slice() else {
        return None;
    };
    let Val::Lit(serde_json::Value::String(name)) = scope.eval(name.as_expression()?)? else {
        return None;
    };
    let value = value.as_expression()?;
    if let Some(template) = computed::template(value, scope) {
        return Some((name, Source::Value(serde_json::Value::String(template))));
    }
    let source = match scope.eval(value)? {
        Val::Json(segs) => Source::Json(segs),
        Val::Header(header) => Source::Header(header),
        Val::Status => Source::Status,
        Val::Body => Source::Body,
        // a constant: a string, a number or a boolean, as `{{name}}` renders it
        Val::Lit(value @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
            Source::Value(value)
        }
        Val::Lit(serde_json::Value::String(text)) => {
            Source::Value(serde_json::Value::String(escape_literal(&text)))
        }
        _ => return None,
    };
    Some((name, source))
}

#[cfg(test)]
mod tests;
