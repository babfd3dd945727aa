//! The fast path: a template that only reads variables, an expression that is one name
//! (`<<token>>`) or text around plain `<<name>>`s (`<<base_url>>/companies(<<id>>)`), is
//! rendered by lookup, without the engine, while the names are set (to strings, in text);
//! anything else goes to minijinja, which gives the same result and reports the errors.

use minijinja::Value;

/// Rendered text may be at most this long; past it rendering fails (a runaway loop).
pub(super) const MAX_RENDERED_BYTES: usize = 64 * 1024 * 1024;

/// How a template that only reads variables is rendered by lookup.
pub(super) enum Shortcut {
    /// An expression that is one variable.
    Name(String),
    /// Text around plain variables.
    Pieces(Vec<Piece>),
}

/// A part of a text template.
pub(super) enum Piece {
    Text(String),
    Name(String),
}

impl Shortcut {
    /// The shortcut for a bare expression, if it is a plain name.
    pub(super) fn of_expression(expr: &str) -> Option<Shortcut> {
        plain_name(expr).map(|n| Shortcut::Name(n.to_string()))
    }

    /// The shortcut for a text template, if it holds nothing but plain `<<name>>`s.
    pub(super) fn of_text(text: &str) -> Option<Shortcut> {
        text_pieces(text).map(Shortcut::Pieces)
    }

    /// The value by lookup; `None` when the engine must render it.
    pub(super) fn eval(&self, ctx: &Value) -> Option<Value> {
        match self {
            Shortcut::Name(name) => ctx.get_attr(name).ok().filter(|v| !v.is_undefined()),
            Shortcut::Pieces(pieces) => text_of(pieces, ctx).map(Value::from),
        }
    }
}

/// The text of pieces whose names are all set to strings.
pub(super) fn text_of(pieces: &[Piece], ctx: &Value) -> Option<String> {
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
pub(super) fn text_pieces(text: &str) -> Option<Vec<Piece>> {
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
