//! One statement of a test script: aliases (`var jsonData = pm.response.json()`), one-line
//! `pm.test(…)`, `pm.environment.set(name, response value)` captures and the old
//! `tests["…"] = …` form; `pm.expect` and `pm.response.to` chains are read by `chai`.

use serde_json::Value;

use super::chai::{expect, header_read, one_arg, response_to, subject};
use super::{Meaning, function_head, translate_line};
use crate::import::postman::checks::{Check, Op, Source, Subject};
use crate::import::postman::js::{Aliases, Cursor, json_path, response_path};

/// What a statement means, or `None` when it is not a pattern this module knows.
pub(super) fn translate_statement(text: &str, aliases: &mut Aliases) -> Option<Meaning> {
    let mut c = Cursor::new(text);
    if let Some(m) = alias(&mut c, aliases) {
        return Some(m);
    }
    if let Some(meanings) = one_line_test(text, aliases) {
        return Some(meanings);
    }
    let mut c = Cursor::new(text);
    if let Some(checks) = response_to(&mut c) {
        return Some(Meaning::Checks(checks));
    }
    let mut c = Cursor::new(text);
    if let Some(checks) = expect(&mut c, aliases) {
        return Some(Meaning::Checks(checks));
    }
    let mut c = Cursor::new(text);
    if let Some(m) = set_variable(&mut c, aliases) {
        return Some(m);
    }
    let mut c = Cursor::new(text);
    old_tests(&mut c, aliases).map(Meaning::Checks)
}

/// `var jsonData = pm.response.json()`, `const first = jsonData.value[0]`.
fn alias(c: &mut Cursor, aliases: &Aliases) -> Option<Meaning> {
    let keyword = c.ident()?;
    if !matches!(keyword, "var" | "let" | "const") {
        return None;
    }
    let name = c.ident()?.to_string();
    if !c.eat("=") {
        return None;
    }
    let (segs, length) = response_path(c, aliases)?;
    (!length && c.at_end()).then_some(Meaning::Alias(name, segs))
}

/// `pm.test("x", () => STATEMENT)` or `pm.test("x", function () { STATEMENTS })` on one line.
fn one_line_test(text: &str, aliases: &mut Aliases) -> Option<Meaning> {
    let mut c = Cursor::new(text);
    if !(c.eat_path("pm.test") && c.eat("(")) {
        return None;
    }
    c.string()?;
    if !c.eat(",") || !function_head(&mut c) {
        return None;
    }
    let body = if let Some(inner) = c.balanced('{', '}') {
        let inner = inner.to_string();
        if !(c.eat(")") && c.at_end()) {
            return None;
        }
        inner
    } else {
        let rest = c.rest().trim_end().trim_end_matches(';').trim_end();
        rest.strip_suffix(')')?.to_string()
    };
    let meanings = translate_line(&body, aliases)?;
    let mut checks = Vec::new();
    let mut captures = Vec::new();
    for m in meanings {
        match m {
            Meaning::Checks(c) => checks.extend(c),
            Meaning::Capture(n, s) => captures.push((n, s)),
            Meaning::Alias(..) => {}
        }
    }
    match (checks.is_empty(), captures.len()) {
        (_, 0) => Some(Meaning::Checks(checks)),
        (true, 1) => captures.pop().map(|(n, s)| Meaning::Capture(n, s)),
        _ => None,
    }
}

/// `pm.environment.set("token", jsonData.access_token)` and its relatives.
fn set_variable(c: &mut Cursor, aliases: &Aliases) -> Option<Meaning> {
    let setter = [
        "pm.environment.set",
        "pm.collectionVariables.set",
        "pm.globals.set",
        "pm.variables.set",
        "postman.setEnvironmentVariable",
        "postman.setGlobalVariable",
    ]
    .iter()
    .any(|s| c.eat_path(s));
    if !setter {
        return None;
    }
    let inner = c.balanced('(', ')')?;
    if !c.at_end() {
        return None;
    }
    let mut args = Cursor::new(inner);
    let name = args.string()?;
    if !args.eat(",") {
        return None;
    }
    let source = capture_source(args.rest(), aliases)?;
    Some(Meaning::Capture(name, source))
}

/// Where a `set(name, SOURCE)` takes its value; the whole of `text` must be the source.
fn capture_source(text: &str, aliases: &Aliases) -> Option<Source> {
    let mut c = Cursor::new(text);
    if let Some(name) = header_read(&mut c)
        && c.at_end()
    {
        return Some(Source::Header(name));
    }
    let mut c = Cursor::new(text);
    if (c.eat_path("pm.response.code") || c.eat_path("responseCode.code")) && c.at_end() {
        return Some(Source::Status);
    }
    let mut c = Cursor::new(text);
    if ((c.eat_path("pm.response.text") && c.eat("(") && c.eat(")")) || c.eat_path("responseBody"))
        && c.at_end()
    {
        return Some(Source::Body);
    }
    let mut c = Cursor::new(text);
    let (segs, length) = response_path(&mut c, aliases)?;
    (!length && c.at_end()).then(|| Source::Json(json_path(&segs)))
}

/// `tests["Status code is 200"] = responseCode.code === 200;` and similar.
fn old_tests(c: &mut Cursor, aliases: &Aliases) -> Option<Vec<Check>> {
    if !c.eat_path("tests") {
        return None;
    }
    c.balanced('[', ']')?;
    if !c.eat("=") || c.eat("=") {
        return None;
    }
    let expr = c.rest().trim().trim_end_matches(';').trim();
    // `responseBody.has("x")`
    let mut e = Cursor::new(expr);
    if e.eat_path("responseBody.has") {
        let [arg] = one_arg(e.balanced('(', ')'))?;
        return e.at_end().then(|| {
            vec![Check {
                subject: Subject::Body,
                op: Op::Contains(arg),
            }]
        });
    }
    for (token, build) in COMPARISONS {
        if let Some((left, right)) = split_comparison(expr, token) {
            let (subject, length) = subject(left, aliases)?;
            let value = one_arg(Some(right))?.into_iter().next()?;
            let op = build(value);
            let op = if length { Op::Length(vec![op]) } else { op };
            return Some(vec![Check { subject, op }]);
        }
    }
    // a bare subject: truthy → it exists
    let (subject, length) = subject(expr, aliases)?;
    match subject {
        Subject::Header(_) | Subject::Json(_) if !length => Some(vec![Check {
            subject,
            op: Op::Exists(true),
        }]),
        _ => None,
    }
}

type Build = fn(Value) -> Op;

const COMPARISONS: &[(&str, Build)] = &[
    ("===", Op::Eq),
    ("!==", Op::Ne),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">=", Op::Gte),
    ("<=", Op::Lte),
    (">", Op::Gt),
    ("<", Op::Lt),
];

/// `left OP right` at the first top-level occurrence of `op` (outside strings and brackets).
fn split_comparison<'a>(expr: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let mut quote: Option<char> = None;
    let mut level = 0i32;
    let mut escaped = false;
    for (i, c) in expr.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' | '[' | '{' => level += 1,
            ')' | ']' | '}' => level -= 1,
            _ if level == 0 && expr[i..].starts_with(op) => {
                // `==` must not be the start of `===`, nor `>` part of `>=`
                let after = expr[i + op.len()..].chars().next();
                let before = expr[..i].chars().next_back();
                let longer =
                    matches!(after, Some('=')) || matches!(before, Some('=' | '!' | '<' | '>'));
                if !longer {
                    return Some((expr[..i].trim(), expr[i + op.len()..].trim()));
                }
            }
            _ => {}
        }
    }
    None
}
