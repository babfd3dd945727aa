//! Chai assertions as Postman writes them, read from the syntax tree: `pm.expect(SUBJECT).to.…`
//! and `pm.response.to.have.…`, into checks on the status, a header, the body, the duration, a
//! JSON path, an inline JSON Schema or, for a boolean subject, its condition.

use oxc_ast::ast::{Argument, Expression};
use serde_json::{Value, json};

use super::condition;
use super::value::{Scope, Val, dotted};
use crate::import::postman::checks::{Check, Op, Subject, op_expr};
use crate::import::postman::path::Seg;

/// One word of a chain with its arguments, if it was called.
type Word<'e, 'a> = (&'e str, Option<&'e [Argument<'a>]>);

/// The checks of an assertion statement, or `None` if it is not one this module reads.
pub(super) fn assertion(expr: &Expression, scope: &Scope) -> Option<Vec<Check>> {
    let (base, words) = chain(expr)?;
    let subject = match base {
        Base::Response => Val::Response,
        Base::Expect(args) => {
            // `pm.expect(value, "message")`: the message changes nothing
            let (Some(arg), None | Some(Argument::StringLiteral(_)), None) =
                (args.first(), args.get(1), args.get(2))
            else {
                return None;
            };
            let arg = arg.as_expression()?;
            match scope.eval(arg) {
                Some(val) => val,
                None => return boolean_subject(arg, &words, scope),
            }
        }
    };
    let (negated, word, args) = assertion_word(&words)?;
    let (word, length) = match word.strip_prefix("length.") {
        Some(w) => (w.to_string(), true),
        None => (word, false),
    };
    let values = || -> Option<Vec<Val>> {
        args.unwrap_or_default()
            .iter()
            .map(|a| scope.eval(a.as_expression()?))
            .collect()
    };
    if subject == Val::Response {
        return response(&word, negated, &values()?);
    }
    if word == "property" {
        return property(subject, length, negated, &values()?);
    }
    let (subject, length) = match subject {
        Val::Length(inner) if !length => (*inner, true),
        other => (other, length),
    };
    let subject = match subject {
        Val::Status | Val::Reason => Subject::Status,
        Val::Header(name) => Subject::Header(name),
        Val::Body => Subject::Body,
        Val::Duration => Subject::Duration,
        Val::Json(segs) => Subject::Json(segs),
        Val::Lit(Value::Array(items)) if !length => {
            return literal_list(&items, &word, negated, args, scope);
        }
        other @ Val::Var(_) if !length => return variable(&other, &word, negated, args, scope),
        _ => return None,
    };
    if length && !matches!(subject, Subject::Json(_) | Subject::Body) {
        return None;
    }
    let mut ops = ops_for(&word, negated, args, scope)?;
    if subject == Subject::Status {
        for op in &mut ops {
            status_operand(op)?;
        }
    }
    let ops = if length { vec![Op::Length(ops)] } else { ops };
    Some(
        ops.into_iter()
            .map(|op| Check {
                subject: subject.clone(),
                op,
            })
            .collect(),
    )
}

/// `pm.expect([200, 201]).to.include(pm.response.code)`: the status is one of them.
fn literal_list(
    items: &[Value],
    word: &str,
    negated: bool,
    args: Option<&[Argument]>,
    scope: &Scope,
) -> Option<Vec<Check>> {
    let [arg] = args? else { return None };
    let included = matches!(word, "include" | "includes" | "contain" | "contains");
    if !included || negated || scope.eval(arg.as_expression()?)? != Val::Status {
        return None;
    }
    let mut op = Op::OneOf(items.to_vec());
    status_operand(&mut op)?;
    Some(vec![Check {
        subject: Subject::Status,
        op,
    }])
}

/// `pm.expect(pm.environment.get("x")).to.eql(…)`: an expression over the variable.
fn variable(
    subject: &Val,
    word: &str,
    negated: bool,
    args: Option<&[Argument]>,
    scope: &Scope,
) -> Option<Vec<Check>> {
    let name = crate::import::postman::expr::literal(&subject.operand()?)?;
    let ops = ops_for(word, negated, args, scope)?;
    ops.iter()
        .map(|op| {
            let text = match op {
                // an unset variable reads as `undefined` in the script
                Op::Exists(true) => format!("{name} is defined"),
                Op::Exists(false) => format!("{name} is undefined"),
                Op::Eq(_) | Op::Ne(_) | Op::OneOf(_) => op_expr(&name, op)?,
                _ => return None,
            };
            Some(Check {
                subject: Subject::Expr {
                    expr: text,
                    original: String::new(),
                },
                op: Op::Holds,
            })
        })
        .collect()
}

/// Status operands are codes: reason phrases are turned into them.
fn status_operand(op: &mut Op) -> Option<()> {
    match op {
        Op::Eq(v) | Op::Ne(v) if v.is_string() => *v = json!(status_code(v)?),
        Op::OneOf(values) => {
            for v in values {
                *v = json!(status_code(v)?);
            }
        }
        _ => {}
    }
    Some(())
}

/// `pm.expect(A === B).to.be.true`, `.to.eql(true)`, `.to.be.ok`: the condition must hold.
fn boolean_subject(arg: &Expression, words: &[Word], scope: &Scope) -> Option<Vec<Check>> {
    let (negated, word, args) = assertion_word(words)?;
    let holds = match (word.as_str(), args) {
        ("true" | "ok", None) => true,
        ("false", None) => false,
        ("eql" | "equal" | "equals" | "eq", Some([a])) => match scope.eval(a.as_expression()?)? {
            Val::Lit(Value::Bool(b)) => b,
            _ => return None,
        },
        _ => return None,
    };
    condition::checks(arg, holds != negated, scope)
}

enum Base<'e, 'a> {
    Response,
    Expect(&'e [Argument<'a>]),
}

/// The words of a chain, outermost last, down to `pm.expect(…)` or `pm.response`.
fn chain<'e, 'a>(mut expr: &'e Expression<'a>) -> Option<(Base<'e, 'a>, Vec<Word<'e, 'a>>)> {
    let mut words = Vec::new();
    let base = loop {
        if dotted(expr).as_deref() == Some("pm.response") {
            break Base::Response;
        }
        match expr {
            Expression::CallExpression(call) => {
                if dotted(&call.callee).as_deref() == Some("pm.expect") {
                    break Base::Expect(&call.arguments);
                }
                let Expression::StaticMemberExpression(m) = &call.callee else {
                    return None;
                };
                words.push((m.property.name.as_str(), Some(&call.arguments[..])));
                expr = &m.object;
            }
            Expression::StaticMemberExpression(m) => {
                words.push((m.property.name.as_str(), None));
                expr = &m.object;
            }
            _ => return None,
        }
    };
    words.reverse();
    (!words.is_empty()).then_some((base, words))
}

/// Chai's language chains, which carry no meaning.
const CHAINS: &[&str] = &[
    "to", "be", "been", "is", "that", "which", "and", "has", "have", "with", "at", "of", "same",
    "but", "does", "still", "deep", "nested", "own", "also",
];

/// The one assertion word of a chain (`length.` before it when it is about the length),
/// whether it is negated, and its arguments.
fn assertion_word<'e, 'a>(
    words: &[Word<'e, 'a>],
) -> Option<(bool, String, Option<&'e [Argument<'a>]>)> {
    let mut negated = false;
    let mut found = None;
    let mut length = false;
    for &(word, args) in words {
        let chain_word = CHAINS.contains(&word) || matches!(word, "a" | "an");
        if chain_word && args.is_none() {
            continue;
        }
        if word == "not" && args.is_none() {
            negated = !negated;
            continue;
        }
        if found.is_some() {
            return None;
        }
        if matches!(word, "length" | "lengthOf") && args.is_none() {
            length = true;
            continue;
        }
        found = Some((word, args));
    }
    let (word, args) = found?;
    let word = if length {
        format!("length.{word}")
    } else {
        word.to_string()
    };
    Some((negated, word, args))
}

/// `pm.response.to.have.status(200)`, `.to.be.success`, `.to.have.header("X")`, ….
fn response(word: &str, negated: bool, args: &[Val]) -> Option<Vec<Check>> {
    let check = |subject: Subject, op: Op| Check { subject, op };
    let status = |op: Op| Some(vec![check(Subject::Status, op)]);
    let range = |from: i64, to: i64| {
        Some(vec![
            check(Subject::Status, Op::Gte(json!(from))),
            check(Subject::Status, Op::Lt(json!(to))),
        ])
    };
    let operands: Option<Vec<Value>> = args.iter().map(Val::operand).collect();
    let operands = operands?;
    match (word, negated, operands.as_slice()) {
        ("status", false, [code]) => status(Op::Eq(json!(status_code(code)?))),
        ("status", true, [code]) => status(Op::Ne(json!(status_code(code)?))),
        ("header", _, [Value::String(name), rest @ ..]) if rest.len() <= 1 => {
            let op = match (rest.first(), negated) {
                (None, negated) => Op::Exists(!negated),
                (Some(v), false) => Op::Eq(v.clone()),
                (Some(v), true) => Op::Ne(v.clone()),
            };
            Some(vec![check(Subject::Header(name.clone()), op)])
        }
        ("body", _, [v]) => {
            let op = if negated {
                Op::Ne(v.clone())
            } else {
                Op::Eq(v.clone())
            };
            Some(vec![check(Subject::Body, op)])
        }
        // the body parses as JSON: then its root is there
        ("jsonBody" | "json", false, []) => {
            Some(vec![check(Subject::Json(vec![]), Op::Exists(true))])
        }
        ("withBody", false, []) => Some(vec![check(
            Subject::Body,
            Op::Length(vec![Op::Gt(json!(0))]),
        )]),
        ("jsonBody", _, [_, rest @ ..]) if rest.len() <= 1 => {
            json_body(&args[0], rest.first(), negated)
        }
        ("jsonSchema", false, [schema]) if schema.is_object() => match &args[0] {
            Val::Lit(raw) => Some(vec![check(Subject::Schema, Op::Eq(raw.clone()))]),
            _ => None,
        },
        (word, false, []) => status_class(word).map(|(from, to)| {
            if to == from + 1 {
                vec![check(Subject::Status, Op::Eq(json!(from)))]
            } else {
                range(from, to).unwrap_or_default()
            }
        }),
        _ => None,
    }
}

/// `.to.have.jsonBody("a.b"[, value])`.
fn json_body(path: &Val, value: Option<&Value>, negated: bool) -> Option<Vec<Check>> {
    let Val::Lit(Value::String(path)) = path else {
        return None;
    };
    let segs: Vec<Seg> = path.split('.').map(|k| Seg::Key(k.to_string())).collect();
    let op = match (value, negated) {
        (None, negated) => Op::Exists(!negated),
        (Some(v), false) => Op::Eq(v.clone()),
        (Some(v), true) => Op::Ne(v.clone()),
    };
    Some(vec![Check {
        subject: Subject::Json(segs),
        op,
    }])
}

/// The status codes `pm.response.to.be.WORD` accepts: `[from, to)`.
fn status_class(word: &str) -> Option<(i64, i64)> {
    Some(match word {
        "ok" => (200, 201),
        "success" => (200, 300),
        "info" => (100, 200),
        "redirection" => (300, 400),
        "clientError" => (400, 500),
        "serverError" => (500, 600),
        "error" => (400, 600),
        "accepted" => (202, 203),
        "created" => (201, 202),
        "withoutContent" | "noContent" => (204, 205),
        "badRequest" => (400, 401),
        "unauthorized" | "unauthorised" => (401, 402),
        "forbidden" => (403, 404),
        "notFound" => (404, 405),
        "rateLimited" => (429, 430),
        _ => return None,
    })
}

/// `pm.expect(jsonData).to.have.property("id"[, value])`.
fn property(subject: Val, length: bool, negated: bool, args: &[Val]) -> Option<Vec<Check>> {
    let (Val::Json(mut segs), false) = (subject, length) else {
        return None;
    };
    let (Some(Val::Lit(Value::String(key))), true) = (args.first(), args.len() <= 2) else {
        return None;
    };
    segs.push(Seg::Key(key.clone()));
    let op = match (args.get(1), negated) {
        (None, negated) => Op::Exists(!negated),
        (Some(v), false) => Op::Eq(v.operand()?),
        (Some(_), true) => return None,
    };
    Some(vec![Check {
        subject: Subject::Json(segs),
        op,
    }])
}

/// A status code from a number or a reason phrase.
fn status_code(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    Some(match value.as_str()? {
        "OK" => 200,
        "Created" => 201,
        "Accepted" => 202,
        "No Content" => 204,
        "Moved Permanently" => 301,
        "Found" => 302,
        "Not Modified" => 304,
        "Bad Request" => 400,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "Not Found" => 404,
        "Method Not Allowed" => 405,
        "Conflict" => 409,
        "Precondition Failed" => 412,
        "Unprocessable Entity" => 422,
        "Too Many Requests" => 429,
        "Internal Server Error" => 500,
        "Service Unavailable" => 503,
        _ => return None,
    })
}

/// The operators a chai assertion word stands for.
fn ops_for(word: &str, negated: bool, args: Option<&[Argument]>, scope: &Scope) -> Option<Vec<Op>> {
    let values = || -> Option<Vec<Value>> {
        args.unwrap_or_default()
            .iter()
            .map(|a| scope.eval(a.as_expression()?)?.operand())
            .collect()
    };
    let one = || {
        let mut v = values()?;
        (v.len() == 1).then(|| v.remove(0))
    };
    let bare = args.is_none();
    let op = match (word, negated) {
        ("eql" | "equal" | "equals" | "eq" | "eqls", false) => Op::Eq(one()?),
        ("eql" | "equal" | "equals" | "eq" | "eqls", true) => Op::Ne(one()?),
        ("above" | "gt" | "greaterThan", false) => Op::Gt(one()?),
        ("above" | "gt" | "greaterThan", true) => Op::Lte(one()?),
        ("least" | "gte" | "greaterThanOrEqual", false) => Op::Gte(one()?),
        ("least" | "gte" | "greaterThanOrEqual", true) => Op::Lt(one()?),
        ("below" | "lt" | "lessThan", false) => Op::Lt(one()?),
        ("below" | "lt" | "lessThan", true) => Op::Gte(one()?),
        ("most" | "lte" | "lessThanOrEqual", false) => Op::Lte(one()?),
        ("most" | "lte" | "lessThanOrEqual", true) => Op::Gt(one()?),
        ("oneOf", false) => match one()? {
            Value::Array(items) => Op::OneOf(items),
            _ => return None,
        },
        ("include" | "includes" | "contain" | "contains" | "string", false) => Op::Contains(one()?),
        ("include" | "includes" | "contain" | "contains" | "string", true) => {
            Op::NotContains(one()?)
        }
        ("match" | "matches", false) => match args? {
            [Argument::RegExpLiteral(re)] => Op::Matches(regex(&re.regex)?),
            _ => return None,
        },
        ("a" | "an", false) => match one()?.as_str()? {
            "undefined" => Op::Exists(false),
            other => Op::Type(type_name(other)?),
        },
        ("exist" | "exists", negated) if bare => Op::Exists(!negated),
        ("undefined", negated) if bare => Op::Exists(negated),
        ("true", false) if bare => Op::Eq(json!(true)),
        ("false", false) if bare => Op::Eq(json!(false)),
        ("null", false) if bare => Op::Eq(Value::Null),
        ("null", true) if bare => Op::Ne(Value::Null),
        ("empty", false) if bare => Op::Length(vec![Op::Eq(json!(0))]),
        ("empty", true) if bare => Op::Length(vec![Op::Gt(json!(0))]),
        ("lengthOf" | "length", false) => Op::Length(vec![Op::Eq(one()?)]),
        ("within", false) => {
            let [low, high] = <[Value; 2]>::try_from(values()?).ok()?;
            return Some(vec![Op::Gte(low), Op::Lte(high)]);
        }
        _ => return None,
    };
    Some(vec![op])
}

/// A JavaScript regex literal as a Rust regex, when it means the same: flags `i`, `m`, `s`
/// inline, `g` dropped (a test does not care), `\/` as `/`.
fn regex(re: &oxc_ast::ast::RegExp) -> Option<String> {
    use oxc_ast::ast::RegExpFlags;
    let flags = re.flags;
    if flags.intersects(!(RegExpFlags::I | RegExpFlags::M | RegExpFlags::S | RegExpFlags::G)) {
        return None;
    }
    let mut inline = String::new();
    for (flag, c) in [
        (RegExpFlags::I, 'i'),
        (RegExpFlags::M, 'm'),
        (RegExpFlags::S, 's'),
    ] {
        if flags.contains(flag) {
            inline.push(c);
        }
    }
    let pattern = re.pattern.text.replace("\\/", "/");
    let full = if inline.is_empty() {
        pattern
    } else {
        format!("(?{inline}){pattern}")
    };
    regex::Regex::new(&full).ok()?;
    Some(full)
}

fn type_name(chai: &str) -> Option<&'static str> {
    Some(match chai.to_ascii_lowercase().as_str() {
        "string" => "string",
        "number" => "number",
        "object" => "object",
        "array" => "array",
        "boolean" => "bool",
        "null" => "null",
        _ => return None,
    })
}
