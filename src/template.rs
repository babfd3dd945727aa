//! Templates: `<<expr>>`, `<% block %>`, `<# comment #>` over minijinja.
//! Every template string is compiled once, at load time; rendering only evaluates.
//! Knows minijinja and variables, nothing of HTTP or YAML.

use std::fmt;

use base64::Engine as _;
use minijinja::value::Rest;
use minijinja::{Environment, ErrorKind, Expression, UndefinedBehavior, Value};

use crate::model::Location;

/// Index of a compiled template or expression in its `Templates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateId(u32);

/// A string field that may be a template.
#[derive(Debug, Clone)]
pub enum Tpl {
    /// No template syntax: used as is.
    Lit(String),
    /// Text with `<<…>>` or `<%…%>` inside; renders to a string.
    Text(TemplateId),
    /// Exactly one `<<expr>>`: evaluates to a typed value.
    Expr(TemplateId),
}

/// A YAML value whose strings may be templates (JSON bodies, matcher operands, variables).
#[derive(Debug, Clone)]
pub enum TValue {
    /// null.
    Null,
    /// true/false.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string, maybe a template.
    Str(Tpl),
    /// A list.
    Seq(Vec<TValue>),
    /// A map, keys literal.
    Map(Vec<(String, TValue)>),
}

impl TValue {
    /// A plain JSON value, its strings taken literally (data rows, `--var`).
    pub fn literal(value: &serde_json::Value) -> TValue {
        match value {
            serde_json::Value::Null => TValue::Null,
            serde_json::Value::Bool(b) => TValue::Bool(*b),
            serde_json::Value::Number(n) => TValue::Number(n.clone()),
            serde_json::Value::String(s) => TValue::Str(Tpl::Lit(s.clone())),
            serde_json::Value::Array(items) => {
                TValue::Seq(items.iter().map(TValue::literal).collect())
            }
            serde_json::Value::Object(map) => TValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), TValue::literal(v)))
                    .collect(),
            ),
        }
    }
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TemplateError {
    /// A variable the context does not define.
    #[error("undefined variable `{name}` in {field}{}", suggestion_text(.suggestion))]
    Undefined {
        /// The variable.
        name: String,
        /// The field the template stands in (e.g. `headers.Authorization`).
        field: String,
        /// A known variable with a close name.
        suggestion: Option<String>,
    },
    /// Any other evaluation failure.
    #[error("cannot render {field}: {message}")]
    Eval {
        /// The field the template stands in.
        field: String,
        /// minijinja's description.
        message: String,
    },
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

impl TemplateError {
    /// The undefined variable, where that is the cause.
    pub fn undefined_name(&self) -> Option<&str> {
        match self {
            TemplateError::Undefined { name, .. } => Some(name),
            TemplateError::Eval { .. } => None,
        }
    }
}

/// A template that did not compile, for the loader to report.
#[derive(Debug, Clone)]
pub struct CompileError {
    /// Where the template was written.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Text,
    Expr,
}

#[derive(Debug)]
struct Source {
    text: String,
    kind: SourceKind,
    location: Location,
    field: String,
}

/// Collects template sources while a file is loaded; `compile` turns them into `Templates`.
#[derive(Debug, Default)]
pub struct TemplateBuilder {
    sources: Vec<Source>,
}

impl TemplateBuilder {
    /// A string field: literal when it holds no template syntax.
    pub fn text(&mut self, text: &str, location: Location, field: &str) -> Tpl {
        if !has_template_syntax(text) {
            return Tpl::Lit(text.to_string());
        }
        match whole_expression(text) {
            Some(expr) => Tpl::Expr(self.add(expr, SourceKind::Expr, location, field)),
            None => Tpl::Text(self.add(text, SourceKind::Text, location, field)),
        }
    }

    /// A bare minijinja expression (as in `expr:` assertions), without delimiters.
    pub fn expression(&mut self, expr: &str, location: Location, field: &str) -> TemplateId {
        self.add(expr, SourceKind::Expr, location, field)
    }

    fn add(&mut self, text: &str, kind: SourceKind, location: Location, field: &str) -> TemplateId {
        let id = TemplateId(u32::try_from(self.sources.len()).expect("fewer than 4G templates"));
        self.sources.push(Source {
            text: text.to_string(),
            kind,
            location,
            field: field.to_string(),
        });
        id
    }

    /// Compiles every collected source; all syntax errors are returned together.
    pub fn compile(self) -> Result<Templates, Vec<CompileError>> {
        let mut env = environment();
        let mut errors = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            if source.kind == SourceKind::Text
                && let Err(e) = without_panics(|| {
                    env.add_template_owned(index.to_string(), source.text.clone())
                })
            {
                errors.push((index, compile_error(source, &e)));
            }
        }
        // expressions borrow the environment: they are kept beside it and freed with it
        let engine = Engine::new(env, |env| {
            let compile = |(index, source): (usize, &Source)| {
                if source.kind != SourceKind::Expr {
                    return None;
                }
                without_panics(|| env.compile_expression_owned(source.text.clone()))
                    .map_err(|e| errors.push((index, compile_error(source, &e))))
                    .ok()
            };
            self.sources.iter().enumerate().map(compile).collect()
        });
        let compiled = self
            .sources
            .into_iter()
            .enumerate()
            .map(|(index, source)| Entry {
                compiled: match source.kind {
                    SourceKind::Text => Compiled::Text(index.to_string()),
                    SourceKind::Expr => Compiled::Expr,
                },
                shortcut: Shortcut::of(&source),
                field: source.field,
                location: source.location,
                source: source.text,
            })
            .collect();
        if errors.is_empty() {
            Ok(Templates { engine, compiled })
        } else {
            errors.sort_by_key(|(index, _)| *index);
            Err(errors.into_iter().map(|(_, e)| e).collect())
        }
    }
}

/// Runs a minijinja compile step, turning a panic inside it (its lexer panics on some
/// unbalanced input) into a syntax error instead of a crash.
fn without_panics<T>(
    f: impl FnOnce() -> Result<T, minijinja::Error>,
) -> Result<T, minijinja::Error> {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(quiet);
    result.unwrap_or_else(|_| {
        Err(minijinja::Error::new(
            ErrorKind::SyntaxError,
            "the template could not be read (unbalanced brackets or braces?)",
        ))
    })
}

fn compile_error(source: &Source, e: &minijinja::Error) -> CompileError {
    CompileError {
        location: source.location.clone(),
        message: format!("invalid template in {}: {}", source.field, describe(e)),
    }
}

/// Whether a string needs the template engine at all.
pub fn has_template_syntax(text: &str) -> bool {
    text.contains("<<") || text.contains("<%") || text.contains("<#")
}

/// `<<expr>>` and nothing else around it: the inner expression.
fn whole_expression(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("<<")?.strip_suffix(">>")?;
    let nested = ["<<", ">>", "<%", "%>", "<#", "#>"]
        .iter()
        .any(|d| inner.contains(d));
    (!nested).then_some(inner)
}

/// A compiled template and what it is for.
struct Entry {
    compiled: Compiled,
    shortcut: Option<Shortcut>,
    field: String,
    location: Location,
    source: String,
}

/// A template that only reads variables: an expression that is one name (`<<token>>`), or
/// text around plain `<<name>>`s (`<<base_url>>/companies(<<id>>)`). Rendered by lookup,
/// without the engine, while the names are set (to strings, in text); anything else goes to
/// minijinja, which gives the same result and reports the errors.
enum Shortcut {
    Name(String),
    Pieces(Vec<Piece>),
}

enum Piece {
    Text(String),
    Name(String),
}

impl Shortcut {
    fn of(source: &Source) -> Option<Shortcut> {
        match source.kind {
            SourceKind::Expr => plain_name(&source.text).map(|n| Shortcut::Name(n.to_string())),
            SourceKind::Text => text_pieces(&source.text).map(Shortcut::Pieces),
        }
    }

    fn eval(&self, ctx: &Value) -> Option<Value> {
        match self {
            Shortcut::Name(name) => ctx.get_attr(name).ok().filter(|v| !v.is_undefined()),
            Shortcut::Pieces(pieces) => text_of(pieces, ctx).map(Value::from),
        }
    }
}

/// The text of pieces whose names are all set to strings.
fn text_of(pieces: &[Piece], ctx: &Value) -> Option<String> {
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(literal) => text.push_str(literal),
            Piece::Name(name) => text.push_str(ctx.get_attr(name).ok()?.as_str()?),
        }
    }
    (text.len() <= MAX_RENDERED_BYTES).then_some(text)
}

/// The name an expression consists of, if it is nothing but a variable name.
fn plain_name(expr: &str) -> Option<&str> {
    let name = expr.trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    let identifier = (first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    // literals and names the engine gives a meaning of its own
    let special = [
        "true", "false", "none", "True", "False", "None", "loop", "self", "super", "caller",
        "varargs", "kwargs",
    ];
    (identifier && !special.contains(&name)).then_some(name)
}

/// A text split into literal parts and plain `<<name>>`s; `None` when it holds anything else.
fn text_pieces(text: &str) -> Option<Vec<Piece>> {
    if text.contains("<%") || text.contains("<#") {
        return None;
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<<") {
        let (literal, tail) = rest.split_at(start);
        let end = tail.find(">>")?;
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal.to_string()));
        }
        pieces.push(Piece::Name(plain_name(&tail[2..end])?.to_string()));
        rest = &tail[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Some(pieces)
}

/// Where a compiled template is: a text template in the environment under its name (its
/// index), an expression among the engine's expressions at its index.
enum Compiled {
    Text(String),
    Expr,
}

/// The expressions of one file (by template index; `None` for text templates).
type Expressions<'env> = Vec<Option<Expression<'env, 'static>>>;

self_cell::self_cell!(
    /// One file's engine: the environment holding its text templates, and its compiled
    /// expressions, which borrow the environment.
    struct Engine {
        owner: Environment<'static>,
        #[not_covariant]
        dependent: Expressions,
    }
);

/// The compiled templates of one file.
pub struct Templates {
    engine: Engine,
    compiled: Vec<Entry>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Templates({})", self.compiled.len())
    }
}

impl Templates {
    /// Evaluates a template to a typed value (text templates give strings).
    pub fn eval(&self, id: TemplateId, ctx: &Value) -> Result<Value, TemplateError> {
        let entry = &self.compiled[id.0 as usize];
        match entry.shortcut.as_ref().and_then(|s| s.eval(ctx)) {
            Some(value) => Ok(value),
            None => self.eval_with_engine(id, ctx),
        }
    }

    fn eval_with_engine(&self, id: TemplateId, ctx: &Value) -> Result<Value, TemplateError> {
        let index = id.0 as usize;
        let result = match &self.compiled[index].compiled {
            Compiled::Text(name) => self.engine.borrow_owner().get_template(name).and_then(|t| {
                let mut out = LimitedText::default();
                t.render_captured_to(ctx, &mut out)?;
                Ok(Value::from(out.text))
            }),
            Compiled::Expr => self.engine.with_dependent(|_, expressions| {
                match expressions.get(index).and_then(Option::as_ref) {
                    Some(expr) => expr.eval(ctx),
                    None => Err(minijinja::Error::new(
                        ErrorKind::InvalidOperation,
                        "the expression was not compiled",
                    )),
                }
            }),
        };
        let value = result.map_err(|e| self.error(id, ctx, &e))?;
        if value.is_undefined() {
            return Err(self.undefined_error(id, ctx));
        }
        Ok(value)
    }

    /// Renders a string field.
    pub fn render(&self, tpl: &Tpl, ctx: &Value) -> Result<String, TemplateError> {
        match tpl {
            Tpl::Lit(s) => Ok(s.clone()),
            Tpl::Text(id) | Tpl::Expr(id) => {
                // text of plain variables goes straight into the String; when it cannot, the
                // engine (not the lookup a second time)
                let value = match &self.compiled[id.0 as usize].shortcut {
                    Some(Shortcut::Pieces(pieces)) => match text_of(pieces, ctx) {
                        Some(text) => return Ok(text),
                        None => self.eval_with_engine(*id, ctx)?,
                    },
                    _ => self.eval(*id, ctx)?,
                };
                Ok(match value.as_str() {
                    Some(s) => s.to_string(),
                    None => value.to_string(),
                })
            }
        }
    }

    /// Renders a value tree to JSON; a whole-expression string keeps its type.
    pub fn render_value(
        &self,
        value: &TValue,
        ctx: &Value,
    ) -> Result<serde_json::Value, TemplateError> {
        Ok(match value {
            TValue::Null => serde_json::Value::Null,
            TValue::Bool(b) => serde_json::Value::Bool(*b),
            TValue::Number(n) => serde_json::Value::Number(n.clone()),
            TValue::Str(Tpl::Lit(s)) => serde_json::Value::String(s.clone()),
            TValue::Str(Tpl::Text(id)) => {
                serde_json::Value::String(self.render(&Tpl::Text(*id), ctx)?)
            }
            TValue::Str(Tpl::Expr(id)) => {
                let value = self.eval(*id, ctx)?;
                serde_json::to_value(&value).map_err(|e| TemplateError::Eval {
                    field: self.field(*id).to_string(),
                    message: e.to_string(),
                })?
            }
            TValue::Seq(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|v| self.render_value(v, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            TValue::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_value(v, ctx)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
        })
    }

    /// Renders a value to text: strings as they are, anything else as compact JSON.
    pub fn render_text(&self, value: &TValue, ctx: &Value) -> Result<String, TemplateError> {
        Ok(json_to_text(&self.render_value(value, ctx)?))
    }

    /// Names of the variables a template reads that are not set inside it.
    pub fn variables(&self, id: TemplateId) -> Vec<String> {
        let index = id.0 as usize;
        let env = self.engine.borrow_owner();
        let names = match &self.compiled[index].compiled {
            Compiled::Text(name) => env
                .get_template(name)
                .map(|t| t.undeclared_variables(false))
                .unwrap_or_default(),
            Compiled::Expr => self.engine.with_dependent(|_, expressions| {
                expressions
                    .get(index)
                    .and_then(Option::as_ref)
                    .map(|e| e.undeclared_variables(false))
                    .unwrap_or_default()
            }),
        };
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|n| env.globals().all(|(g, _)| g != n))
            .collect();
        names.sort();
        names
    }

    /// Where the template is written.
    pub fn location(&self, id: TemplateId) -> &Location {
        &self.compiled[id.0 as usize].location
    }

    /// The template as written.
    pub fn source(&self, id: TemplateId) -> &str {
        &self.compiled[id.0 as usize].source
    }

    /// The field the template stands in (`url`, `headers.Authorization`).
    pub fn field(&self, id: TemplateId) -> &str {
        &self.compiled[id.0 as usize].field
    }

    fn error(&self, id: TemplateId, ctx: &Value, e: &minijinja::Error) -> TemplateError {
        if e.kind() == ErrorKind::UndefinedError
            && let Some(err) = self.find_undefined(id, ctx)
        {
            return err;
        }
        TemplateError::Eval {
            field: self.field(id).to_string(),
            message: describe(e),
        }
    }

    fn undefined_error(&self, id: TemplateId, ctx: &Value) -> TemplateError {
        self.find_undefined(id, ctx)
            .unwrap_or_else(|| TemplateError::Eval {
                field: self.field(id).to_string(),
                message: "the expression is undefined".into(),
            })
    }

    /// The first variable the template reads that the context lacks, with a close known name.
    fn find_undefined(&self, id: TemplateId, ctx: &Value) -> Option<TemplateError> {
        let name = self
            .variables(id)
            .into_iter()
            .find(|n| ctx.get_attr(n).map_or(true, |v| v.is_undefined()))?;
        let known: Vec<String> = ctx
            .try_iter()
            .map(|keys| keys.filter_map(|k| k.as_str().map(String::from)).collect())
            .unwrap_or_default();
        Some(TemplateError::Undefined {
            suggestion: crate::suggest::closest(&name, known.iter().map(String::as_str)),
            name,
            field: self.field(id).to_string(),
        })
    }
}

/// Rendered text may be at most this long; past it rendering fails (a runaway loop).
const MAX_RENDERED_BYTES: usize = 64 * 1024 * 1024;

/// Collects rendered text and refuses more than `MAX_RENDERED_BYTES`.
#[derive(Default)]
struct LimitedText {
    text: String,
}

impl std::io::Write for LimitedText {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.text.len() + bytes.len() > MAX_RENDERED_BYTES {
            return Err(std::io::Error::other(format!(
                "the rendered text exceeds {} MiB",
                MAX_RENDERED_BYTES >> 20
            )));
        }
        // minijinja writes whole UTF-8 strings
        self.text.push_str(&String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// JSON scalars as text the way a user expects in URLs, headers and forms.
pub fn json_to_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// minijinja's error in one line, without its internal template names.
fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// The environment shared by collections and mocks: delimiters, strictness, functions.
fn environment() -> Environment<'static> {
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
    env.add_function("env", env_var);
    env.add_function("secret", secret_var);
    env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    env.add_function("now", now_rfc3339);
    env.add_function("timestamp", timestamp);
    env.add_function("jwt", jwt);
    for (name, f) in [
        ("base64_encode", base64_encode as fn(String) -> String),
        ("urlencode_component", urlencode_component),
    ] {
        env.add_filter(name, f);
        env.add_function(name, f);
    }
    env.add_filter("base64_decode", base64_decode);
    env.add_function("base64_decode", base64_decode);
    env
}

/// Bounds how much work one template may do (loops, recursion).
const FUEL: u64 = 5_000_000;

/// `env("NAME")` or `env("NAME", "default")`: the process environment.
fn env_var(name: String, default: Rest<String>) -> Result<String, minijinja::Error> {
    match std::env::var(&name) {
        Ok(value) => Ok(value),
        Err(_) => default.first().cloned().ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("environment variable `{name}` is not set"),
            )
        }),
    }
}

/// `secret("NAME")`: like `env`, and the value is masked in every output.
fn secret_var(name: String, default: Rest<String>) -> Result<String, minijinja::Error> {
    let value = env_var(name, default)?;
    crate::secrets::add(&value);
    Ok(value)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn timestamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A JWT-shaped token (unsigned) carrying the given claims over Azure AD-like defaults.
/// For mocks and tests: a client must not validate tokens, only pass them on.
fn jwt(claims: Value) -> Result<String, minijinja::Error> {
    let now = timestamp();
    let mut payload = serde_json::json!({
        "aud": "https://api.businesscentral.dynamics.com",
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
        "iat": now,
        "nbf": now,
        "exp": now + 3599,
    });
    let given = serde_json::to_value(&claims)
        .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    if let (Some(payload), serde_json::Value::Object(given)) = (payload.as_object_mut(), given) {
        payload.extend(given);
    }
    let part = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("mock-signature");
    Ok(format!("{}.{}.{signature}", part(&header), part(&payload)))
}

fn base64_encode(text: String) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn base64_decode(text: String) -> Result<String, minijinja::Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()))
        .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "decoded bytes are not UTF-8")
    })
}

/// Encodes every reserved character, `/` included (minijinja's `urlencode` keeps `/`).
fn urlencode_component(text: String) -> String {
    percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    fn loc() -> Location {
        Location {
            file: Arc::from(Path::new("t.yaml")),
            line: 1,
            col: 1,
        }
    }

    fn ctx() -> Value {
        Value::from_iter([("Tenant", Value::from("contoso")), ("qty", Value::from(3))])
    }

    #[test]
    fn literal_strings_skip_the_engine() {
        let mut b = TemplateBuilder::default();
        assert!(matches!(b.text("plain {{ x }}", loc(), "url"), Tpl::Lit(_)));
    }

    #[test]
    fn text_and_typed_rendering() {
        let mut b = TemplateBuilder::default();
        let url = b.text("https://x/<<Tenant | upper>>/y", loc(), "url");
        let qty = TValue::Str(b.text("<<qty>>", loc(), "json.qty"));
        let t = b.compile().unwrap();
        assert_eq!(t.render(&url, &ctx()).unwrap(), "https://x/CONTOSO/y");
        assert_eq!(t.render_value(&qty, &ctx()).unwrap(), serde_json::json!(3));
    }

    #[test]
    fn undefined_variable_is_named_with_a_suggestion() {
        let mut b = TemplateBuilder::default();
        let tpl = b.text("Bearer <<Tenat>>", loc(), "headers.Authorization");
        let t = b.compile().unwrap();
        let err = t.render(&tpl, &ctx()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "undefined variable `Tenat` in headers.Authorization (did you mean `Tenant`?)"
        );
    }

    #[test]
    fn syntax_errors_are_collected() {
        let mut b = TemplateBuilder::default();
        b.text("<< a + >>", loc(), "url");
        b.text("<% if %>", loc(), "body");
        let errors = b.compile().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.starts_with("invalid template in url"));
    }

    #[test]
    fn functions_and_filters() {
        let mut b = TemplateBuilder::default();
        let enc = b.text("<<'a:b' | base64_encode>>", loc(), "x");
        let dec = b.text("<<base64_decode('YTpi')>>", loc(), "x");
        let def = b.text("<<env('RUNNER_SURELY_UNSET', 'fallback')>>", loc(), "x");
        let unset = b.text("<<env('RUNNER_SURELY_UNSET')>>", loc(), "x");
        let t = b.compile().unwrap();
        assert_eq!(t.render(&enc, &ctx()).unwrap(), "YTpi");
        assert_eq!(t.render(&dec, &ctx()).unwrap(), "a:b");
        assert_eq!(t.render(&def, &ctx()).unwrap(), "fallback");
        let err = t.render(&unset, &ctx()).unwrap_err().to_string();
        assert!(err.contains("RUNNER_SURELY_UNSET"), "{err}");
    }

    #[test]
    fn variable_lookups_without_the_engine_render_as_the_engine_does() {
        let ctx = Value::from_iter([
            ("base", Value::from("http://h:1")),
            ("id", Value::from("c1")),
            ("n", Value::from(1.5)),
            ("flag", Value::from(true)),
            ("true", Value::from("shadow")),
            ("items", Value::from(vec![1, 2])),
        ]);
        let mut b = TemplateBuilder::default();
        let sources = [
            "<<base>>/companies(<< id >>)/x",
            "<<base>>",
            "<<n>>",
            "id=<<n>>&f=<<flag>>",
            "<<true>>",
            "<<items>>",
            "a >> b <<id>>",
            "<<id>>\n",
            "<<-id>> x",
            "<<'a>>b'>>",
            "<<id>><% if true %>!<% endif %>",
            "<<missing>>/x",
        ];
        let tpls: Vec<Tpl> = sources.iter().map(|s| b.text(s, loc(), "url")).collect();
        let t = b.compile().unwrap();
        for (source, tpl) in sources.iter().zip(&tpls) {
            let (Tpl::Text(id) | Tpl::Expr(id)) = tpl else {
                panic!("{source} is a template")
            };
            let quick = t.eval(*id, &ctx).map_err(|e| e.to_string());
            let engine = t.eval_with_engine(*id, &ctx).map_err(|e| e.to_string());
            assert_eq!(quick, engine, "{source}");
        }
        // the lookups did happen without the engine where they could
        let looked_up: Vec<bool> = (0..sources.len())
            .map(|i| {
                t.compiled[i]
                    .shortcut
                    .as_ref()
                    .and_then(|s| s.eval(&ctx))
                    .is_some()
            })
            .collect();
        assert_eq!(
            looked_up,
            [
                true, true, true, false, false, true, true, true, false, false, false, false
            ]
        );
        let shortcuts = |text: &str| text_pieces(text).is_some();
        assert!(shortcuts("<<base>>/companies(<< id >>)/x"));
        assert!(!shortcuts("<<id | upper>>") && !shortcuts("<<-id>>") && !shortcuts("<<none>>"));
    }

    #[test]
    fn runaway_loops_are_stopped() {
        let mut b = TemplateBuilder::default();
        let tpl = b.text(
            "<% for a in range(100000) %><% for b in range(100000) %>x<% endfor %><% endfor %>",
            loc(),
            "body",
        );
        let t = b.compile().unwrap();
        assert!(t.render(&tpl, &ctx()).is_err());
    }
}
