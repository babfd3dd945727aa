//! Compiling template sources into one environment that `Templates` owns: delimiters,
//! strictness, limits, the functions, and the check that keeps minijinja from panicking.

use minijinja::{Environment, ErrorKind, Expression, UndefinedBehavior};

use super::functions;
use super::shortcut::Shortcut;
use crate::location::Location;
use crate::secrets::Secrets;

/// What a source is compiled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SourceKind {
    /// Text with `<<…>>` or `<%…%>` inside; renders to a string.
    Text,
    /// A bare expression; evaluates to a typed value.
    Expr,
}

/// A template as written, with where and what for.
#[derive(Debug)]
pub(super) struct Source {
    pub text: String,
    pub kind: SourceKind,
    pub location: Location,
    pub field: String,
}

/// A template that did not compile, for the loader to report.
#[derive(Debug, Clone)]
pub struct CompileError {
    /// Where the template was written.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// Functions added beyond the common ones (the mock's `jwt()`). A closure, so that what the
/// functions need (a handle) can be captured.
pub type Extension = Box<dyn FnOnce(&mut Environment<'static>) + Send>;

/// A compiled source: where its compiled form is and what it is for.
pub(super) struct Entry {
    pub target: Target,
    pub shortcut: Option<Shortcut>,
    pub field: String,
    pub location: Location,
    pub source: String,
}

/// Where a compiled source is kept.
pub(super) enum Target {
    /// A template in the environment, by name.
    Text(String),
    /// An expression, by index in `Compiled`'s expressions.
    Expr(usize),
}

/// The compiled expressions; they borrow the environment they were compiled against.
pub(super) type Expressions<'env> = Vec<Expression<'env, 'static>>;

self_cell::self_cell!(
    /// An environment (with the text templates in it) and the expressions compiled against
    /// it, owned together: nothing is leaked to make the expressions live long enough.
    pub(super) struct Compiled {
        owner: Environment<'static>,
        #[covariant]
        dependent: Expressions,
    }
);

/// Bounds how much work one template may do (loops, recursion).
const FUEL: u64 = 5_000_000;

/// Compiles every source into one environment; all syntax errors are returned together.
pub(super) fn compile(
    sources: Vec<Source>,
    extensions: Vec<Extension>,
    secrets: &Secrets,
) -> Result<(Compiled, Vec<Entry>), Vec<CompileError>> {
    let mut env = environment(secrets);
    for extend in extensions {
        extend(&mut env);
    }
    let mut errors = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        if source.kind == SourceKind::Text
            && let Err(e) = env.add_template_owned(index.to_string(), source.text.clone())
        {
            errors.push((index, compile_error(source, &e)));
        }
    }
    let compiled = Compiled::new(env, |env| {
        let mut expressions = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            if source.kind == SourceKind::Expr {
                match compile_expression(env, &source.text) {
                    Ok(expr) => expressions.push(expr),
                    Err(e) => errors.push((index, compile_error(source, &e))),
                }
            }
        }
        expressions
    });
    if !errors.is_empty() {
        errors.sort_by_key(|(index, _)| *index);
        return Err(errors.into_iter().map(|(_, e)| e).collect());
    }
    let mut expressions = 0..;
    let entries = sources
        .into_iter()
        .enumerate()
        .map(|(index, source)| {
            let (target, shortcut) = match source.kind {
                SourceKind::Text => (
                    Target::Text(index.to_string()),
                    Shortcut::of_text(&source.text),
                ),
                SourceKind::Expr => (
                    Target::Expr(expressions.next().expect("unbounded")),
                    Shortcut::of_expression(&source.text),
                ),
            };
            Entry {
                target,
                shortcut,
                field: source.field,
                location: source.location,
                source: source.text,
            }
        })
        .collect();
    Ok((compiled, entries))
}

fn compile_error(source: &Source, e: &minijinja::Error) -> CompileError {
    CompileError {
        location: source.location.clone(),
        message: format!("invalid template in {}: {}", source.field, describe(e)),
    }
}

/// An expression compiled against the environment, once it is known not to panic the lexer.
fn compile_expression<'env>(
    env: &'env Environment<'static>,
    expr: &str,
) -> Result<Expression<'env, 'static>, minijinja::Error> {
    refuse_closing_braces(expr)?;
    env.compile_expression_owned(expr.to_string())
}

/// minijinja's expression lexer (2.24) ends an expression at a `}}` outside brackets and
/// strings and panics on any text after it; such input is refused here as the syntax error
/// it is, before it reaches minijinja. Brackets and strings are counted as its lexer does.
fn refuse_closing_braces(expr: &str) -> Result<(), minijinja::Error> {
    let bytes = expr.as_bytes();
    let mut depth = 0isize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    // a backslash escapes the next byte
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth -= 1,
            b'}' if depth == 0 && bytes.get(i + 1) == Some(&b'}') => {
                return Err(minijinja::Error::new(
                    ErrorKind::SyntaxError,
                    "unexpected `}}` (unbalanced brackets or braces?)",
                ));
            }
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// minijinja's error in one line, without its internal template names.
pub(super) fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// The environment of one set of templates: delimiters, strictness, limits, functions.
fn environment(secrets: &Secrets) -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .variable_delimiters("<<", ">>")
        .block_delimiters("<%", "%>")
        .comment_delimiters("<#", "#>")
        .build()
        .expect("the delimiters are distinct");
    env.set_syntax(syntax);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(64);
    functions::register(&mut env, secrets);
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_braces_outside_brackets_and_strings_are_refused() {
        for refused in ["}})", "a }} b", "a -}}x", "(a) }} b"] {
            assert!(refuse_closing_braces(refused).is_err(), "{refused}");
        }
        for passed in ["'}}' ~ a", "{'a': {'b': 1}}", "\"\\\"}}\"", "f(x) }"] {
            assert!(refuse_closing_braces(passed).is_ok(), "{passed}");
        }
    }
}
