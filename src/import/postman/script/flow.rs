//! What the control flow and the names of a script do to the translation: statements that
//! may leave the function, catches that do nothing, and names assigned after their
//! declaration.

use oxc_ast::ast::{Expression, Statement};

use super::value::dotted;

/// Assignments (`x = `, `x += `), updates (`x++`, `--x`) and declarations, compiled once.
static PATTERNS: std::sync::LazyLock<(regex::Regex, regex::Regex, regex::Regex)> =
    std::sync::LazyLock::new(|| {
        let pattern = |p: &str| regex::Regex::new(p).expect("a valid pattern");
        (
            pattern(
                r"(?:^|[^\w$.])([A-Za-z_$][\w$]*)\s*(?:\*\*|<<|>>>|>>|&&|\|\||\?\?|[-+*/%&|^])?=(?:[^=>]|$)",
            ),
            pattern(r"(?:\+\+|--)\s*([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s*(?:\+\+|--)"),
            pattern(r"\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)"),
        )
    });

/// The names a script assigns after declaring them (with how often), and the names it
/// declares. Read from the text, so a name is counted even where it is written inside a
/// string: that only keeps more statements, never translates one wrongly.
pub(super) fn assignments(
    source: &str,
) -> (
    std::collections::HashMap<String, usize>,
    std::collections::HashSet<String>,
) {
    let (assign, update, declare) = &*PATTERNS;
    let mut counts = std::collections::HashMap::new();
    for c in assign.captures_iter(source) {
        *counts.entry(c[1].to_string()).or_insert(0usize) += 1;
    }
    for c in update.captures_iter(source) {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        *counts.entry(name.to_string()).or_insert(0) += 1;
    }
    let mut declared = std::collections::HashSet::new();
    for c in declare.captures_iter(source) {
        let name = c[1].to_string();
        // the declaration's own `=` is no later assignment
        if let Some(n) = counts.get_mut(&name) {
            *n = n.saturating_sub(1);
        }
        declared.insert(name);
    }
    counts.retain(|_, n| *n > 0);
    (counts, declared)
}

/// Whether a statement may leave the function it is in (`return`, `throw`, or `break` /
/// `continue` outside a loop of its own), not counting functions inside it.
pub(super) fn may_escape(statement: &Statement, in_loop: bool) -> bool {
    let any = |body: &[Statement], in_loop: bool| body.iter().any(|s| may_escape(s, in_loop));
    match statement {
        Statement::ReturnStatement(_) | Statement::ThrowStatement(_) => true,
        Statement::BreakStatement(_) | Statement::ContinueStatement(_) => !in_loop,
        Statement::BlockStatement(b) => any(&b.body, in_loop),
        Statement::IfStatement(i) => {
            may_escape(&i.consequent, in_loop)
                || i.alternate.as_ref().is_some_and(|a| may_escape(a, in_loop))
        }
        Statement::TryStatement(t) => {
            any(&t.block.body, in_loop)
                || t.handler
                    .as_ref()
                    .is_some_and(|h| any(&h.body.body, in_loop))
                || t.finalizer.as_ref().is_some_and(|f| any(&f.body, in_loop))
        }
        Statement::ForStatement(f) => may_escape(&f.body, true),
        Statement::ForInStatement(f) => may_escape(&f.body, true),
        Statement::ForOfStatement(f) => may_escape(&f.body, true),
        Statement::WhileStatement(w) => may_escape(&w.body, true),
        Statement::DoWhileStatement(w) => may_escape(&w.body, true),
        Statement::SwitchStatement(sw) => sw.cases.iter().any(|c| any(&c.consequent, true)),
        Statement::LabeledStatement(l) => may_escape(&l.body, in_loop),
        _ => false,
    }
}

/// A `catch` that does nothing a run would see: empty, or only logging.
pub(super) fn is_silent(handler: Option<&oxc_ast::ast::CatchClause>) -> bool {
    handler.is_none_or(|h| {
        h.body.body.iter().all(|s| match s {
            Statement::ExpressionStatement(e) => match &e.expression {
                Expression::CallExpression(c) => {
                    dotted(&c.callee).is_some_and(|d| d.starts_with("console."))
                }
                _ => false,
            },
            _ => false,
        })
    })
}
