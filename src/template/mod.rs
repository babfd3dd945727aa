//! Templates: `<<expr>>`, `<% block %>`, `<# comment #>` over minijinja.
//! Every template string is compiled once, at load time, into an environment the compiled
//! `Templates` own; rendering only evaluates. Knows minijinja and variables, nothing of HTTP
//! or YAML. `compile` builds the environment, `shortcut` renders plain variables without it,
//! `functions` are what every template can call.

mod compile;
mod error;
pub mod functions;
mod shortcut;

use std::fmt;

use minijinja::{Environment, ErrorKind, Value};

use crate::location::Location;
use crate::secrets::Secrets;
pub use compile::{CompileError, Extension};
use compile::{Compiled, Entry, Source, SourceKind, Target, describe};
pub use error::TemplateError;
use shortcut::{MAX_RENDERED_BYTES, Shortcut, text_of};

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

/// Collects template sources while a file is loaded; `compile` turns them into `Templates`.
#[derive(Default)]
pub struct TemplateBuilder {
    sources: Vec<Source>,
    extensions: Vec<Extension>,
}

impl fmt::Debug for TemplateBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TemplateBuilder({} sources)", self.sources.len())
    }
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

    /// Functions these templates may call beyond the common ones (the mock's `jwt()`).
    pub fn add_functions(
        &mut self,
        extension: impl FnOnce(&mut Environment<'static>) + Send + 'static,
    ) {
        self.extensions.push(Box::new(extension));
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
    /// `secret()` registers what it reads in `secrets`.
    pub fn compile(self, secrets: &Secrets) -> Result<Templates, Vec<CompileError>> {
        let (compiled, entries) = compile::compile(self.sources, self.extensions, secrets)?;
        Ok(Templates { compiled, entries })
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

/// The compiled templates of one file, owning the environment they were compiled into.
pub struct Templates {
    compiled: Compiled,
    entries: Vec<Entry>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Templates({})", self.entries.len())
    }
}

impl Templates {
    /// Every template of the file, in the order they were written.
    pub fn ids(&self) -> impl Iterator<Item = TemplateId> + '_ {
        (0..self.entries.len()).filter_map(|i| u32::try_from(i).ok().map(TemplateId))
    }

    fn entry(&self, id: TemplateId) -> &Entry {
        &self.entries[id.0 as usize]
    }

    /// Evaluates a template to a typed value (text templates give strings).
    pub fn eval(&self, id: TemplateId, ctx: &Value) -> Result<Value, TemplateError> {
        match self.entry(id).shortcut.as_ref().and_then(|s| s.eval(ctx)) {
            Some(value) => Ok(value),
            None => self.eval_with_engine(id, ctx),
        }
    }

    fn eval_with_engine(&self, id: TemplateId, ctx: &Value) -> Result<Value, TemplateError> {
        let result = match &self.entry(id).target {
            Target::Text(name) => self
                .compiled
                .borrow_owner()
                .get_template(name)
                .and_then(|t| {
                    let mut out = LimitedText::default();
                    t.render_captured_to(ctx, &mut out)?;
                    Ok(Value::from(out.text))
                }),
            Target::Expr(index) => self.compiled.borrow_dependent()[*index].eval(ctx),
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
                let value = match &self.entry(*id).shortcut {
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
                    location: self.location(*id).clone(),
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
        let names = match &self.entry(id).target {
            Target::Text(name) => self
                .compiled
                .borrow_owner()
                .get_template(name)
                .map(|t| t.undeclared_variables(false))
                .unwrap_or_default(),
            Target::Expr(index) => {
                self.compiled.borrow_dependent()[*index].undeclared_variables(false)
            }
        };
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|n| self.compiled.borrow_owner().globals().all(|(g, _)| g != n))
            .collect();
        names.sort();
        names
    }

    /// Where the template is written.
    pub fn location(&self, id: TemplateId) -> &Location {
        &self.entry(id).location
    }

    /// The template as written.
    pub fn source(&self, id: TemplateId) -> &str {
        &self.entry(id).source
    }

    /// The field the template stands in (`url`, `headers.Authorization`).
    pub fn field(&self, id: TemplateId) -> &str {
        &self.entry(id).field
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
            location: self.location(id).clone(),
        }
    }

    fn undefined_error(&self, id: TemplateId, ctx: &Value) -> TemplateError {
        self.find_undefined(id, ctx)
            .unwrap_or_else(|| TemplateError::Eval {
                field: self.field(id).to_string(),
                message: "the expression is undefined".into(),
                location: self.location(id).clone(),
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
            location: self.location(id).clone(),
        })
    }
}

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

#[cfg(test)]
mod tests;
