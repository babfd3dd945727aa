//! Chai assertions as Postman writes them: `pm.expect(SUBJECT).to.…` and
//! `pm.response.to.have.…`, read into checks on the status, a header, the body, the duration
//! or a JSONPath of the response.

use serde_json::{Value, json};

use crate::import::postman::checks::{Check, Op, Subject};
use crate::import::postman::js::{self, Aliases, Cursor, Seg, json_path, response_path};

/// `pm.response.to.have.status(200)`, `.to.be.success`, `.to.have.header("X")`, ….
pub(super) fn response_to(c: &mut Cursor) -> Option<Vec<Check>> {
    if !c.eat_path("pm.response") {
        return None;
    }
    let words = chain(c)?;
    let (negated, word, args) = assertion_word(&words)?;
    let status = |op: Op| {
        Some(vec![Check {
            subject: Subject::Status,
            op,
        }])
    };
    let range = |from: i64, to: i64| {
        Some(vec![
            Check {
                subject: Subject::Status,
                op: Op::Gte(json!(from)),
            },
            Check {
                subject: Subject::Status,
                op: Op::Lt(json!(to)),
            },
        ])
    };
    match (word.as_str(), negated) {
        ("status", false) => {
            let [arg] = one_arg(args.as_deref())?;
            status(Op::Eq(json!(status_code(&arg)?)))
        }
        ("ok", false) => status(Op::Eq(json!(200))),
        ("success", false) => range(200, 300),
        ("info", false) => range(100, 200),
        ("redirection", false) => range(300, 400),
        ("clientError", false) => range(400, 500),
        ("serverError", false) => range(500, 600),
        ("error", false) => range(400, 600),
        ("accepted", false) => status(Op::Eq(json!(202))),
        ("created", false) => status(Op::Eq(json!(201))),
        ("badRequest", false) => status(Op::Eq(json!(400))),
        ("unauthorized", false) => status(Op::Eq(json!(401))),
        ("forbidden", false) => status(Op::Eq(json!(403))),
        ("notFound", false) => status(Op::Eq(json!(404))),
        ("rateLimited", false) => status(Op::Eq(json!(429))),
        ("json", false) => Some(vec![Check {
            subject: Subject::Header("Content-Type".into()),
            op: Op::Contains(json!("json")),
        }]),
        ("header", _) => {
            let values = js::list(args.as_deref()?)?;
            let name = values.first()?.as_str()?.to_string();
            let op = match (values.get(1), negated) {
                (None, negated) => Op::Exists(!negated),
                (Some(v), false) => Op::Eq(v.clone()),
                (Some(v), true) => Op::Ne(v.clone()),
            };
            (values.len() <= 2).then(|| {
                vec![Check {
                    subject: Subject::Header(name),
                    op,
                }]
            })
        }
        ("body", _) => {
            let [arg] = one_arg(args.as_deref())?;
            let op = if negated { Op::Ne(arg) } else { Op::Eq(arg) };
            Some(vec![Check {
                subject: Subject::Body,
                op,
            }])
        }
        _ => None,
    }
}

pub(super) fn one_arg(args: Option<&str>) -> Option<[Value; 1]> {
    let mut values = js::list(args?)?;
    (values.len() == 1).then(|| [values.remove(0)])
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
        "Too Many Requests" => 429,
        "Internal Server Error" => 500,
        "Service Unavailable" => 503,
        _ => return None,
    })
}

/// `.to.be.not.eql(5)` → [("to", None), …, ("eql", Some("5"))]; consumes to the end.
fn chain(c: &mut Cursor) -> Option<Vec<(String, Option<String>)>> {
    let mut words = Vec::new();
    while c.eat(".") {
        let word = c.ident()?.to_string();
        let mut probe = Cursor::new(c.rest());
        let args = probe.balanced('(', ')').map(str::to_string);
        if args.is_some() {
            c.skip(c.rest().len() - probe.rest().len());
        }
        words.push((word, args));
    }
    c.at_end().then_some(words)
}

/// Chai's language chains, which carry no meaning.
const CHAINS: &[&str] = &[
    "to", "be", "been", "is", "that", "which", "and", "has", "have", "with", "at", "of", "same",
    "but", "does", "still", "deep", "nested", "own", "also",
];

/// The one assertion word of a chain, whether it is negated, and its arguments.
fn assertion_word(words: &[(String, Option<String>)]) -> Option<(bool, String, Option<String>)> {
    let mut negated = false;
    let mut found: Option<(String, Option<String>)> = None;
    let mut length = false;
    for (word, args) in words {
        let chain_word = CHAINS.contains(&word.as_str()) || matches!(word.as_str(), "a" | "an");
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
        if matches!(word.as_str(), "length" | "lengthOf") && args.is_none() {
            length = true;
            continue;
        }
        found = Some((word.clone(), args.clone()));
    }
    let (word, args) = found?;
    let word = if length {
        format!("length.{word}")
    } else {
        word
    };
    Some((negated, word, args))
}

/// `pm.expect(SUBJECT).CHAIN`.
pub(super) fn expect(c: &mut Cursor, aliases: &Aliases) -> Option<Vec<Check>> {
    if !c.eat_path("pm.expect") {
        return None;
    }
    let inner = c.balanced('(', ')')?;
    let (subject, length) = subject(inner, aliases)?;
    let words = chain(c)?;
    let (negated, word, args) = assertion_word(&words)?;
    let (word, length) = match word.strip_prefix("length.") {
        Some(w) => (w.to_string(), true),
        None => (word, length),
    };
    if word == "property" {
        return property(subject, length, negated, args.as_deref());
    }
    let mut ops = ops_for(&word, negated, args.as_deref())?;
    if let Subject::Status = subject {
        // `pm.response.status` is the reason phrase; only numbers are status codes here
        for op in &mut ops {
            if let Op::Eq(v) | Op::Ne(v) = op
                && v.is_string()
            {
                *v = json!(status_code(v)?);
            }
        }
    }
    let ops = if length { vec![Op::Length(ops)] } else { ops };
    if length && !matches!(subject, Subject::Json(_) | Subject::Body) {
        return None;
    }
    Some(
        ops.into_iter()
            .map(|op| Check {
                subject: subject.clone(),
                op,
            })
            .collect(),
    )
}

/// `pm.expect(jsonData).to.have.property("id"[, value])`.
fn property(
    subject: Subject,
    length: bool,
    negated: bool,
    args: Option<&str>,
) -> Option<Vec<Check>> {
    let Subject::Json(base) = subject else {
        return None;
    };
    if length {
        return None;
    }
    let values = js::list(args?)?;
    let key = values.first()?.as_str()?;
    let path = format!("{base}{}", &json_path(&[Seg::Key(key.to_string())])[1..]);
    let op = match (values.get(1), negated) {
        (None, negated) => Op::Exists(!negated),
        (Some(v), false) => Op::Eq(v.clone()),
        (Some(_), true) => return None,
    };
    (values.len() <= 2).then(|| {
        vec![Check {
            subject: Subject::Json(path),
            op,
        }]
    })
}

/// What `pm.expect(…)` looks at.
pub(super) fn subject(text: &str, aliases: &Aliases) -> Option<(Subject, bool)> {
    let mut c = Cursor::new(text);
    if (c.eat_path("pm.response.code") || c.eat_path("responseCode.code")) && c.at_end() {
        return Some((Subject::Status, false));
    }
    let mut c = Cursor::new(text);
    if c.eat_path("pm.response.status") && c.at_end() {
        return Some((Subject::Status, false));
    }
    let mut c = Cursor::new(text);
    if (c.eat_path("pm.response.responseTime") || c.eat_path("responseTime")) && c.at_end() {
        return Some((Subject::Duration, false));
    }
    let mut c = Cursor::new(text);
    if ((c.eat_path("pm.response.text") && c.eat("(") && c.eat(")")) || c.eat_path("responseBody"))
        && c.at_end()
    {
        return Some((Subject::Body, false));
    }
    let mut c = Cursor::new(text);
    if let Some(name) = header_read(&mut c)
        && c.at_end()
    {
        return Some((Subject::Header(name), false));
    }
    let mut c = Cursor::new(text);
    let (segs, length) = response_path(&mut c, aliases)?;
    c.at_end()
        .then(|| (Subject::Json(json_path(&segs)), length))
}

/// `pm.response.headers.get("X")` or `postman.getResponseHeader("X")`: the name.
pub(super) fn header_read(c: &mut Cursor) -> Option<String> {
    if !(c.eat_path("pm.response.headers.get") || c.eat_path("postman.getResponseHeader")) {
        return None;
    }
    let inner = c.balanced('(', ')')?;
    let mut arg = Cursor::new(inner);
    let name = arg.string()?;
    arg.at_end().then_some(name)
}

/// The operators a chai assertion word stands for.
fn ops_for(word: &str, negated: bool, args: Option<&str>) -> Option<Vec<Op>> {
    let values = || js::list(args.unwrap_or(""));
    let one = || {
        let mut v = values()?;
        (v.len() == 1).then(|| v.remove(0))
    };
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
        ("match" | "matches", false) => {
            let mut c = Cursor::new(args?);
            let re = c.regex()?;
            if !c.at_end() {
                return None;
            }
            Op::Matches(re)
        }
        ("a" | "an", false) => {
            let name = one()?;
            match name.as_str()? {
                "undefined" => Op::Exists(false),
                other => Op::Type(type_name(other)?),
            }
        }
        ("exist" | "exists", negated) if args.is_none() => Op::Exists(!negated),
        ("undefined", negated) if args.is_none() => Op::Exists(negated),
        ("true", false) if args.is_none() => Op::Eq(json!(true)),
        ("false", false) if args.is_none() => Op::Eq(json!(false)),
        ("null", false) if args.is_none() => Op::Eq(Value::Null),
        ("null", true) if args.is_none() => Op::Ne(Value::Null),
        ("empty", false) if args.is_none() => Op::Length(vec![Op::Eq(json!(0))]),
        ("empty", true) if args.is_none() => Op::Length(vec![Op::Gt(json!(0))]),
        ("lengthOf" | "length", false) => Op::Length(vec![Op::Eq(one()?)]),
        ("within", false) => {
            let v = values()?;
            let [low, high] = <[Value; 2]>::try_from(v).ok()?;
            return Some(vec![Op::Gte(low), Op::Lte(high)]);
        }
        _ => return None,
    };
    Some(vec![op])
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
