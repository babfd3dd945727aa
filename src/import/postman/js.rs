//! Just enough JavaScript reading for Postman test scripts: a cursor over one statement,
//! literals (numbers, strings, arrays, objects, regexes), `pm.*.get("x")` variable reads and
//! response JSON paths (`jsonData.value[0]["@odata.etag"]`). Anything else is not understood,
//! and the caller keeps the line as a comment.

use std::collections::HashMap;

use serde_json::Value;

use crate::import::placeholder::{escape_literal, var_name};

/// A position in one statement's text.
pub struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    /// What is left, from the cursor on.
    pub fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// Moves on by `bytes` (a length measured on `rest()`).
    pub fn skip(&mut self, bytes: usize) {
        self.pos = (self.pos + bytes).min(self.text.len());
        while !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace.
    pub fn ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Whether only whitespace (and a final `;`) is left.
    pub fn at_end(&mut self) -> bool {
        self.ws();
        let rest = self.rest().trim_end();
        rest.is_empty() || rest == ";"
    }

    /// Consumes `token` (after whitespace) if it comes next.
    pub fn eat(&mut self, token: &str) -> bool {
        let saved = self.pos;
        self.ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            self.pos = saved;
            false
        }
    }

    /// Consumes a dotted sequence of words exactly (`pm.response.json`), whitespace allowed
    /// around the dots; not a prefix of a longer identifier.
    pub fn eat_path(&mut self, dotted: &str) -> bool {
        let saved = self.pos;
        for (i, word) in dotted.split('.').enumerate() {
            if i > 0 && !self.eat(".") {
                self.pos = saved;
                return false;
            }
            if self.ident() != Some(word) {
                self.pos = saved;
                return false;
            }
        }
        true
    }

    /// An identifier (`[A-Za-z_$][A-Za-z0-9_$]*`).
    pub fn ident(&mut self) -> Option<&'a str> {
        self.ws();
        let rest = self.rest();
        let len = rest
            .char_indices()
            .take_while(|(i, c)| {
                c.is_ascii_alphabetic() || *c == '_' || *c == '$' || (*i > 0 && c.is_ascii_digit())
            })
            .map(|(i, c)| i + c.len_utf8())
            .last()?;
        self.pos += len;
        Some(&rest[..len])
    }

    /// A string literal in `'`, `"` or backticks (without `${}`), unescaped.
    pub fn string(&mut self) -> Option<String> {
        self.ws();
        let rest = self.rest();
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))?;
        let mut out = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    out.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                }
                '$' if quote == '`' && rest[i..].starts_with("${") => return None,
                c if c == quote => {
                    self.pos += i + 1;
                    return Some(out);
                }
                c => out.push(c),
            }
        }
        None
    }

    /// A number literal, optionally negative.
    pub fn number(&mut self) -> Option<serde_json::Number> {
        self.ws();
        let rest = self.rest();
        let len = rest
            .char_indices()
            .take_while(|(i, c)| {
                c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E') || (*i == 0 && *c == '-')
            })
            .map(|(i, c)| i + c.len_utf8())
            .last()?;
        let text = &rest[..len];
        let number = if let Ok(i) = text.parse::<i64>() {
            serde_json::Number::from(i)
        } else {
            serde_json::Number::from_f64(text.parse::<f64>().ok()?)?
        };
        self.pos += len;
        Some(number)
    }

    /// The text between a bracket at the cursor and its partner (strings skipped), consumed.
    pub fn balanced(&mut self, open: char, close: char) -> Option<&'a str> {
        self.ws();
        let rest = self.rest();
        if !rest.starts_with(open) {
            return None;
        }
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
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
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += i + 1;
                        return Some(&rest[1..i]);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A regex literal `/…/flags` as a Rust regex (flags `i`, `m`, `s`; `g` ignored).
    pub fn regex(&mut self) -> Option<String> {
        self.ws();
        let rest = self.rest();
        if !rest.starts_with('/') {
            return None;
        }
        let mut in_class = false;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '[' => in_class = true,
                ']' => in_class = false,
                '/' if !in_class => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let pattern = &rest[1..end];
        let flags: String = rest[end + 1..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        let mut inline = String::new();
        for flag in flags.chars() {
            match flag {
                'i' | 'm' | 's' => inline.push(flag),
                'g' => {}
                _ => return None,
            }
        }
        // JavaScript's `\/` is Rust's `/`
        let pattern = pattern.replace("\\/", "/");
        let full = if inline.is_empty() {
            pattern
        } else {
            format!("(?{inline}){pattern}")
        };
        regex::Regex::new(&full).ok()?;
        self.pos += end + 1 + flags.len();
        Some(full)
    }
}

/// A path into the response JSON: keys and indexes below the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[3]`.
    Index(i64),
}

/// Variables that stand for (a part of) the response JSON: `var jsonData = pm.response.json()`.
pub type Aliases = HashMap<String, Vec<Seg>>;

/// The JSONPath of segments: `$.value[0]['@odata.etag']`.
pub fn json_path(segs: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in segs {
        match seg {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) if is_shorthand(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => {
                out.push_str("['");
                for c in k.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        // RFC 9535 names hold no raw control characters
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

fn is_shorthand(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A response JSON path expression: an alias or `pm.response.json()` /
/// `JSON.parse(responseBody)`, then `.key`, `["key"]`, `[0]`. The flag is true when it ended
/// in `.length` (taken off the path).
pub fn response_path(c: &mut Cursor, aliases: &Aliases) -> Option<(Vec<Seg>, bool)> {
    let saved = c.pos;
    let mut segs = match root(c, aliases) {
        Some(segs) => segs,
        None => {
            c.pos = saved;
            return None;
        }
    };
    let mut length = false;
    loop {
        let before = c.pos;
        if c.eat("?.") || c.eat(".") {
            match c.ident() {
                Some(name) => {
                    if name == "length" {
                        length = true;
                    } else if length {
                        // `.length.x` is not a path we understand
                        c.pos = saved;
                        return None;
                    }
                    segs.push(Seg::Key(name.to_string()));
                    continue;
                }
                None => {
                    c.pos = before;
                    break;
                }
            }
        }
        let mut probe = Cursor::new(c.rest());
        if let Some(inner) = probe.balanced('[', ']') {
            let mut inside = Cursor::new(inner);
            let seg = if let Some(s) = inside.string() {
                Seg::Key(s)
            } else if let Some(n) = inside.number().and_then(|n| n.as_i64()).filter(|n| *n >= 0) {
                Seg::Index(n)
            } else {
                c.pos = saved;
                return None;
            };
            if !inside.at_end() || length {
                c.pos = saved;
                return None;
            }
            c.pos += probe.pos;
            segs.push(seg);
            continue;
        }
        break;
    }
    if length {
        segs.pop();
    }
    Some((segs, length))
}

fn root(c: &mut Cursor, aliases: &Aliases) -> Option<Vec<Seg>> {
    let saved = c.pos;
    if c.eat_path("pm.response.json") && c.eat("(") && c.eat(")") {
        return Some(Vec::new());
    }
    c.pos = saved;
    if c.eat_path("JSON.parse") {
        let inner = c.balanced('(', ')')?;
        let mut arg = Cursor::new(inner);
        let body = arg.eat_path("responseBody")
            || (arg.eat_path("pm.response.text") && arg.eat("(") && arg.eat(")"));
        return (body && arg.at_end()).then(Vec::new);
    }
    c.pos = saved;
    let name = c.ident()?;
    match aliases.get(name) {
        Some(segs) => Some(segs.clone()),
        None => {
            c.pos = saved;
            None
        }
    }
}

/// `pm.environment.get("x")` and the other ways a script reads a variable: the name.
pub fn variable_read(c: &mut Cursor) -> Option<String> {
    let saved = c.pos;
    for reader in [
        "pm.environment.get",
        "pm.collectionVariables.get",
        "pm.globals.get",
        "pm.variables.get",
        "pm.iterationData.get",
        "postman.getEnvironmentVariable",
        "postman.getGlobalVariable",
    ] {
        if c.eat_path(reader) {
            let inner = c.balanced('(', ')');
            let name = inner.and_then(|i| {
                let mut arg = Cursor::new(i);
                let name = arg.string()?;
                arg.at_end().then_some(name)
            });
            if name.is_some() {
                return name;
            }
        }
        c.pos = saved;
    }
    c.pos = saved;
    None
}

/// A literal value: number, string, `true`/`false`/`null`, array, object, or a variable read
/// (as a `<<name>>` template). Strings are made safe for templates.
pub fn literal(c: &mut Cursor) -> Option<Value> {
    c.ws();
    if let Some(name) = variable_read(c) {
        return Some(Value::String(format!("<<{}>>", var_name(&name))));
    }
    if let Some(s) = c.string() {
        return Some(Value::String(escape_literal(&s)));
    }
    if let Some(n) = c.number() {
        return Some(Value::Number(n));
    }
    let saved = c.pos;
    if let Some(word) = c.ident() {
        return match word {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => {
                c.pos = saved;
                None
            }
        };
    }
    if let Some(inner) = c.balanced('[', ']') {
        return Some(Value::Array(list(inner)?));
    }
    if let Some(inner) = c.balanced('{', '}') {
        let mut map = serde_json::Map::new();
        let mut obj = Cursor::new(inner);
        loop {
            if obj.at_end() {
                break;
            }
            let key = match obj.string() {
                Some(k) => k,
                None => obj.ident()?.to_string(),
            };
            if !obj.eat(":") {
                return None;
            }
            map.insert(key, literal(&mut obj)?);
            if !obj.eat(",") {
                break;
            }
        }
        return obj.at_end().then_some(Value::Object(map));
    }
    c.pos = saved;
    None
}

/// Comma-separated literals (function arguments, array elements).
pub fn list(text: &str) -> Option<Vec<Value>> {
    let mut c = Cursor::new(text);
    let mut items = Vec::new();
    loop {
        if c.at_end() {
            break;
        }
        items.push(literal(&mut c)?);
        if !c.eat(",") {
            break;
        }
    }
    c.at_end().then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn aliases() -> Aliases {
        let mut a = Aliases::new();
        a.insert("jsonData".into(), Vec::new());
        a.insert(
            "first".into(),
            vec![Seg::Key("value".into()), Seg::Index(0)],
        );
        a
    }

    fn path(text: &str) -> Option<(String, bool)> {
        let mut c = Cursor::new(text);
        let (segs, length) = response_path(&mut c, &aliases())?;
        c.at_end().then(|| (json_path(&segs), length))
    }

    #[test]
    fn response_paths() {
        assert_eq!(
            path("jsonData.access_token"),
            Some(("$.access_token".into(), false))
        );
        assert_eq!(
            path("pm.response.json().value[0]['@odata.etag']"),
            Some(("$.value[0]['@odata.etag']".into(), false))
        );
        assert_eq!(path("first.id"), Some(("$.value[0].id".into(), false)));
        assert_eq!(
            path("jsonData.value.length"),
            Some(("$.value".into(), true))
        );
        assert_eq!(
            path("JSON.parse(responseBody).a[\"b c\"]"),
            Some(("$.a['b c']".into(), false))
        );
        assert_eq!(
            path("jsonData['it\\'s\\n']"),
            Some(("$['it\\'s\\u000a']".into(), false))
        );
        assert_eq!(
            path("jsonData.value[-1]"),
            None,
            "JavaScript has no negative indexes"
        );
        assert_eq!(path("other.x"), None);
        assert_eq!(path("jsonData.value[i]"), None);
        assert_eq!(path("jsonData.value.filter(x => x)"), None);
    }

    #[test]
    fn literals() {
        let parse = |t: &str| list(t);
        assert_eq!(parse("200"), Some(vec![json!(200)]));
        assert_eq!(
            parse("'Bearer', -1.5, true, null"),
            Some(vec![json!("Bearer"), json!(-1.5), json!(true), json!(null)])
        );
        assert_eq!(parse("[200, 201]"), Some(vec![json!([200, 201])]));
        assert_eq!(
            parse("{a: 1, 'b': [\"x\"]}"),
            Some(vec![json!({"a": 1, "b": ["x"]})])
        );
        assert_eq!(
            parse("pm.environment.get(\"company-id\")"),
            Some(vec![json!("<<company_id>>")])
        );
        assert_eq!(parse("'a << b'"), Some(vec![json!("a <<'<<'>> b")]));
        assert_eq!(parse("someVar"), None);
        assert_eq!(parse("`x${y}`"), None);
    }

    #[test]
    fn regex_literals() {
        let mut c = Cursor::new("/^[0-9a-f\\/]+$/i");
        assert_eq!(c.regex(), Some("(?i)^[0-9a-f/]+$".into()));
        assert!(Cursor::new("/x/y").regex().is_none());
    }
}
