//! The small abstract interpreter under the translation: what a script expression stands for
//! (a part of the response, a path into its JSON, a literal, a variable read), following the
//! names the script binds (`const r = pm.response.json()`, `var code = responseCode.code`).

use std::collections::HashMap;

use oxc_ast::ast::{Argument, ArrayExpressionElement, Expression, PropertyKey, UnaryOperator};
use serde_json::{Map, Number, Value};

use crate::import::placeholder::{escape_literal, var_name};
use crate::import::postman::path::Seg;

/// What an expression stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A node of the body parsed as JSON: `pm.response.json()` and paths below it.
    Json(Vec<Seg>),
    /// The status code (`pm.response.code`, `responseCode.code`).
    Status,
    /// The reason phrase (`pm.response.status`).
    Reason,
    /// A response header's value.
    Header(String),
    /// The body text (`pm.response.text()`, `responseBody`).
    Body,
    /// The response time in milliseconds.
    Duration,
    /// `pm.response` itself.
    Response,
    /// `X.length` of a body text or a JSON node.
    Length(Box<Val>),
    /// A literal, as JavaScript has it.
    Lit(Value),
    /// A variable read (`pm.environment.get("x")`): the Postman name.
    Var(String),
}

impl Val {
    /// The value as an operand written in YAML: literal text made safe for templates, a
    /// variable as `<<name>>`.
    pub fn operand(&self) -> Option<Value> {
        match self {
            Val::Lit(v) => Some(escape_value(v)),
            Val::Var(name) => Some(Value::String(format!("<<{}>>", var_name(name)))),
            _ => None,
        }
    }
}

fn escape_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(escape_literal(s)),
        Value::Array(items) => Value::Array(items.iter().map(escape_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The names a script has bound, innermost function last.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    names: HashMap<String, Option<Val>>,
}

impl Scope {
    /// Binds a name; `None` marks it as bound to something unknown (so it hides `responseBody`
    /// and the like).
    pub fn bind(&mut self, name: &str, val: Option<Val>) {
        self.names.insert(name.to_string(), val);
    }

    fn get(&self, name: &str) -> Option<Option<&Val>> {
        self.names.get(name).map(Option::as_ref)
    }

    /// What an expression stands for, if the interpreter knows.
    pub fn eval(&self, expr: &Expression) -> Option<Val> {
        match expr {
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression),
            Expression::Identifier(id) => match self.get(&id.name) {
                Some(bound) => bound.cloned(),
                None => global(&id.name),
            },
            Expression::StaticMemberExpression(m) => {
                if let Some(val) = dotted(expr).as_deref().and_then(known_member) {
                    return Some(val);
                }
                let object = self.eval(&m.object)?;
                member(object, Seg::Key(m.property.name.to_string()))
            }
            Expression::ComputedMemberExpression(m) => {
                let object = self.eval(&m.object)?;
                let seg = match self.eval(&m.expression)? {
                    Val::Lit(Value::String(key)) => Seg::Key(key),
                    Val::Lit(Value::Number(n)) => Seg::Index(n.as_i64().filter(|i| *i >= 0)?),
                    _ => return None,
                };
                member(object, seg)
            }
            Expression::CallExpression(call) => self.call(&dotted(&call.callee)?, &call.arguments),
            _ => literal(expr, self).map(Val::Lit),
        }
    }

    fn call(&self, callee: &str, args: &[Argument]) -> Option<Val> {
        let arg = |i: usize| args.get(i).and_then(Argument::as_expression);
        let string_arg = || match self.eval(arg(0)?)? {
            Val::Lit(Value::String(s)) if args.len() == 1 => Some(s),
            _ => None,
        };
        match callee {
            "pm.response.json" if args.is_empty() => Some(Val::Json(Vec::new())),
            "pm.response.text" if args.is_empty() => Some(Val::Body),
            "JSON.parse" if args.len() == 1 => {
                (self.eval(arg(0)?)? == Val::Body).then(|| Val::Json(Vec::new()))
            }
            "pm.response.headers.get" | "postman.getResponseHeader" => {
                Some(Val::Header(string_arg()?))
            }
            "_.get" if args.len() == 2 => match (self.eval(arg(0)?)?, self.eval(arg(1)?)?) {
                (Val::Json(mut segs), Val::Lit(Value::String(path))) => {
                    segs.extend(path_string(&path)?);
                    Some(Val::Json(segs))
                }
                _ => None,
            },
            _ if is_variable_read(callee) => Some(Val::Var(string_arg()?)),
            _ => None,
        }
    }
}

/// The ways a script reads a variable.
fn is_variable_read(callee: &str) -> bool {
    matches!(
        callee,
        "pm.environment.get"
            | "pm.collectionVariables.get"
            | "pm.globals.get"
            | "pm.variables.get"
            | "pm.iterationData.get"
            | "postman.getEnvironmentVariable"
            | "postman.getGlobalVariable"
            | "environment.get"
            | "globals.get"
    )
}

/// The ways a script sets a variable.
pub fn is_set(callee: &str) -> bool {
    matches!(
        callee,
        "pm.environment.set"
            | "pm.collectionVariables.set"
            | "pm.globals.set"
            | "pm.variables.set"
            | "postman.setEnvironmentVariable"
            | "postman.setGlobalVariable"
    )
}

/// Names the sandbox defines.
fn global(name: &str) -> Option<Val> {
    match name {
        "responseBody" => Some(Val::Body),
        "responseTime" => Some(Val::Duration),
        _ => None,
    }
}

/// Members of the sandbox objects.
fn known_member(dotted: &str) -> Option<Val> {
    Some(match dotted {
        "pm.response.code" | "responseCode.code" => Val::Status,
        "pm.response.status" | "responseCode.name" => Val::Reason,
        "pm.response.responseTime" => Val::Duration,
        "pm.response" => Val::Response,
        _ => return None,
    })
}

/// A member of a known value: a step into the JSON, or `.length`.
fn member(object: Val, seg: Seg) -> Option<Val> {
    match (object, seg) {
        (object @ (Val::Json(_) | Val::Body | Val::Header(_)), Seg::Key(k)) if k == "length" => {
            Some(Val::Length(Box::new(object)))
        }
        (Val::Json(mut segs), seg) => {
            segs.push(seg);
            Some(Val::Json(segs))
        }
        _ => None,
    }
}

/// `a.b.c` for a chain of plain names, else `None`.
pub fn dotted(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Identifier(id) => Some(id.name.to_string()),
        Expression::StaticMemberExpression(m) if !m.optional => {
            Some(format!("{}.{}", dotted(&m.object)?, m.property.name))
        }
        _ => None,
    }
}

/// A JSON literal: strings, numbers, booleans, `null`, and arrays and objects of them.
fn literal(expr: &Expression, scope: &Scope) -> Option<Value> {
    let item = |e: &Expression| match scope.eval(e)? {
        Val::Lit(v) => Some(v),
        _ => None,
    };
    Some(match expr {
        Expression::StringLiteral(s) => Value::String(s.value.to_string()),
        Expression::NumericLiteral(n) => number(n.value)?,
        Expression::BooleanLiteral(b) => Value::Bool(b.value),
        Expression::NullLiteral(_) => Value::Null,
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            Value::String(t.quasis.first()?.value.cooked?.to_string())
        }
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
            match item(&u.argument)? {
                Value::Number(n) => number(-n.as_f64()?)?,
                _ => return None,
            }
        }
        Expression::ArrayExpression(a) => {
            let mut items = Vec::new();
            for element in &a.elements {
                let ArrayExpressionElement::SpreadElement(_) = element else {
                    items.push(item(element.as_expression()?)?);
                    continue;
                };
                return None;
            }
            Value::Array(items)
        }
        Expression::ObjectExpression(o) => {
            let mut map = Map::new();
            for property in &o.properties {
                let p = property.as_property()?;
                if p.computed || p.method {
                    return None;
                }
                let key = match &p.key {
                    PropertyKey::StaticIdentifier(id) => id.name.to_string(),
                    PropertyKey::StringLiteral(s) => s.value.to_string(),
                    _ => return None,
                };
                map.insert(key, item(&p.value)?);
            }
            Value::Object(map)
        }
        _ => return None,
    })
}

/// A JavaScript number as JSON: whole numbers as integers.
fn number(value: f64) -> Option<Value> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::Number(Number::from(value as i64)));
    }
    Number::from_f64(value).map(Value::Number)
}

/// The JSON path of a `_.get`-style path string: `a.b[0].c`.
fn path_string(text: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    for part in text.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && segs.is_empty() {
            return None;
        }
        if !key.is_empty() {
            segs.push(Seg::Key(key.to_string()));
        }
        while let Some(tail) = rest.strip_prefix('[') {
            let end = tail.find(']')?;
            segs.push(Seg::Index(tail[..end].parse().ok()?));
            rest = &tail[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(segs)
}
