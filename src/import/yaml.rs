//! A small YAML writer for the files the importers generate: block style with comments, short
//! flow maps where they read better, and scalars quoted only when the loader would read them
//! otherwise. It writes; the loader (`crate::load::yaml`) stays the only parser.

use crate::load::yaml::{NodeKind, parse};

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `~`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, written as JSON writes it.
    Number(serde_json::Number),
    /// A string; quoted or written as a block only when needed.
    Str(String),
    /// A sequence.
    Seq(Vec<Item>),
    /// A mapping in insertion order; `flow` asks for `{ a: 1 }` when it stays short.
    Map {
        /// The entries.
        entries: Vec<Entry>,
        /// Prefer one-line flow style.
        flow: bool,
    },
}

/// One key of a map, with comment lines written above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Comment lines (without `# `).
    pub comments: Vec<String>,
    /// The key, literal.
    pub key: String,
    /// The value.
    pub value: Yaml,
}

/// One element of a sequence, with comment lines written above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Comment lines (without `# `).
    pub comments: Vec<String>,
    /// The value.
    pub value: Yaml,
}

/// Flow style is used only up to this width.
const FLOW_WIDTH: usize = 64;

impl Yaml {
    /// A string value.
    pub fn str(text: impl Into<String>) -> Yaml {
        Yaml::Str(text.into())
    }

    /// An empty block-style map.
    pub fn map() -> Yaml {
        Yaml::Map {
            entries: Vec::new(),
            flow: false,
        }
    }

    /// An empty map that prefers flow style.
    pub fn flow_map() -> Yaml {
        Yaml::Map {
            entries: Vec::new(),
            flow: true,
        }
    }

    /// A map of one key (flow style preferred): `{ key: value }`.
    pub fn pair(key: &str, value: Yaml) -> Yaml {
        let mut map = Yaml::flow_map();
        map.insert(key, value);
        map
    }

    /// A map of one key in block style: `key:` then the value on the next lines.
    pub fn block_pair(key: &str, value: Yaml) -> Yaml {
        let mut map = Yaml::map();
        map.insert(key, value);
        map
    }

    /// A sequence without comments.
    pub fn seq(values: impl IntoIterator<Item = Yaml>) -> Yaml {
        Yaml::Seq(
            values
                .into_iter()
                .map(|value| Item {
                    comments: Vec::new(),
                    value,
                })
                .collect(),
        )
    }

    /// Adds (or replaces) a key of a map; does nothing to other values.
    pub fn insert(&mut self, key: &str, value: Yaml) {
        self.insert_commented(key, value, Vec::new());
    }

    /// Adds (or replaces) a key of a map with comment lines above it.
    pub fn insert_commented(&mut self, key: &str, value: Yaml, comments: Vec<String>) {
        if let Yaml::Map { entries, .. } = self {
            match entries.iter_mut().find(|e| e.key == key) {
                Some(entry) => {
                    entry.value = value;
                    entry.comments.extend(comments);
                }
                None => entries.push(Entry {
                    comments,
                    key: key.to_string(),
                    value,
                }),
            }
        }
    }

    /// The value of a map's key.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map { entries, .. } => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The value of a map's key, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Yaml> {
        match self {
            Yaml::Map { entries, .. } => entries
                .iter_mut()
                .find(|e| e.key == key)
                .map(|e| &mut e.value),
            _ => None,
        }
    }

    /// Whether this is a map or sequence without entries.
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Yaml::Map { entries, .. } => entries.is_empty(),
            Yaml::Seq(items) => items.is_empty(),
            _ => false,
        }
    }

    /// A JSON value as YAML (objects prefer block style).
    pub fn from_json(value: &serde_json::Value) -> Yaml {
        match value {
            serde_json::Value::Null => Yaml::Null,
            serde_json::Value::Bool(b) => Yaml::Bool(*b),
            serde_json::Value::Number(n) => Yaml::Number(n.clone()),
            serde_json::Value::String(s) => Yaml::Str(s.clone()),
            serde_json::Value::Array(items) => Yaml::seq(items.iter().map(Yaml::from_json)),
            serde_json::Value::Object(map) => {
                let mut out = Yaml::map();
                for (k, v) in map {
                    out.insert(k, Yaml::from_json(v));
                }
                out
            }
        }
    }

    /// The same tree with every map preferring flow style (for matcher operands).
    pub fn into_flow(self) -> Yaml {
        match self {
            Yaml::Map { entries, .. } => Yaml::Map {
                entries: entries
                    .into_iter()
                    .map(|e| Entry {
                        value: e.value.into_flow(),
                        ..e
                    })
                    .collect(),
                flow: true,
            },
            Yaml::Seq(items) => Yaml::Seq(
                items
                    .into_iter()
                    .map(|i| Item {
                        value: i.value.into_flow(),
                        ..i
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// A whole document: header comment lines, then the value.
pub fn document(header: &[String], value: &Yaml) -> String {
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, 0, line);
    }
    match value {
        Yaml::Map { entries, .. } if !entries.is_empty() => write_entries(&mut out, entries, 0),
        Yaml::Seq(items) if !items.is_empty() => write_items(&mut out, items, 0),
        other => {
            out.push_str(&inline(other, false).unwrap_or_else(|| "{}".into()));
            out.push('\n');
        }
    }
    out
}

fn push_comment(out: &mut String, indent: usize, text: &str) {
    // other line and control characters would end or break the comment
    let text: String = text
        .chars()
        .map(|c| match c {
            '\n' | '\r' => '\n',
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => ' ',
            c if c.is_control() && c != '\t' => ' ',
            c => c,
        })
        .collect();
    for line in text.split('\n') {
        out.push_str(&" ".repeat(indent));
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn write_entries(out: &mut String, entries: &[Entry], indent: usize) {
    for entry in entries {
        for comment in &entry.comments {
            push_comment(out, indent, comment);
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(&key_text(&entry.key));
        out.push(':');
        write_after_key(out, &entry.value, indent);
    }
}

/// The value after `key:` (or after `- ` of a scalar item), ending the line(s).
fn write_after_key(out: &mut String, value: &Yaml, indent: usize) {
    if let Some(text) = inline(value, false) {
        out.push(' ');
        out.push_str(&text);
        out.push('\n');
        return;
    }
    match value {
        Yaml::Str(s) => write_block_scalar(out, s, indent + 2),
        Yaml::Map { entries, .. } => {
            out.push('\n');
            write_entries(out, entries, indent + 2);
        }
        Yaml::Seq(items) => {
            out.push('\n');
            write_items(out, items, indent + 2);
        }
        _ => unreachable!("scalars other than strings are always inline"),
    }
}

fn write_items(out: &mut String, items: &[Item], indent: usize) {
    for item in items {
        for comment in &item.comments {
            push_comment(out, indent, comment);
        }
        let dash = format!("{}- ", " ".repeat(indent));
        match &item.value {
            Yaml::Map { entries, .. } if inline(&item.value, false).is_none() => {
                // the first entry shares the dash line; its comments go above the dash
                let (first, rest) = entries.split_first().expect("inline handles empty maps");
                for comment in &first.comments {
                    push_comment(out, indent, comment);
                }
                out.push_str(&dash);
                out.push_str(&key_text(&first.key));
                out.push(':');
                write_after_key(out, &first.value, indent + 2);
                write_entries(out, rest, indent + 2);
            }
            Yaml::Seq(inner) if inline(&item.value, false).is_none() => {
                out.push_str(dash.trim_end());
                out.push('\n');
                write_items(out, inner, indent + 2);
            }
            Yaml::Str(s) if inline(&item.value, false).is_none() => {
                out.push_str(dash.trim_end());
                write_block_scalar(out, s, indent + 2);
            }
            value => {
                out.push_str(&dash);
                out.push_str(&inline(value, false).expect("checked above"));
                out.push('\n');
            }
        }
    }
}

/// `|`, `|-` or `|+` and the lines, indented.
fn write_block_scalar(out: &mut String, text: &str, indent: usize) {
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    out.push_str(match trailing {
        0 => " |-\n",
        1 => " |\n",
        _ => " |+\n",
    });
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// The one-line form of a value, if it has one that fits (`flow` inside `{ }`/`[ ]`).
fn inline(value: &Yaml, in_flow: bool) -> Option<String> {
    match value {
        Yaml::Null => Some("~".into()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Str(s) => scalar_text(s, in_flow),
        Yaml::Map { entries, .. } if entries.is_empty() => Some("{}".into()),
        Yaml::Seq(items) if items.is_empty() => Some("[]".into()),
        Yaml::Map { entries, flow } => {
            if !flow || entries.iter().any(|e| !e.comments.is_empty()) {
                return None;
            }
            let mut parts = Vec::new();
            for e in entries {
                let key = flow_key_text(&e.key)?;
                parts.push(format!("{key}: {}", inline(&e.value, true)?));
            }
            let text = format!("{{ {} }}", parts.join(", "));
            (text.len() <= FLOW_WIDTH).then_some(text)
        }
        Yaml::Seq(items) => {
            let scalars_only = items.iter().all(|i| {
                i.comments.is_empty()
                    && matches!(
                        i.value,
                        Yaml::Null | Yaml::Bool(_) | Yaml::Number(_) | Yaml::Str(_)
                    )
            });
            if !scalars_only {
                return None;
            }
            let parts: Option<Vec<String>> = items.iter().map(|i| inline(&i.value, true)).collect();
            let text = format!("[{}]", parts?.join(", "));
            (text.len() <= FLOW_WIDTH).then_some(text)
        }
    }
}

/// A string as a one-line scalar: plain when the loader reads it back as the same string,
/// else single- or double-quoted. `None` for text that reads better as a block.
fn scalar_text(s: &str, in_flow: bool) -> Option<String> {
    if s.contains('\n') && block_friendly(s) {
        return None;
    }
    if plain_reads_back(s, in_flow) {
        return Some(s.to_string());
    }
    Some(quoted(s))
}

fn quoted(s: &str) -> String {
    let single_ok = !s.contains('\'') && !s.chars().any(char::is_control);
    if single_ok {
        format!("'{s}'")
    } else {
        // JSON string escapes are valid YAML double-quoted escapes
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

/// Text whose lines survive a `|` block unchanged.
fn block_friendly(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    !body.is_empty()
        && !body.starts_with([' ', '\t'])
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        && body
            .split('\n')
            .all(|line| line.is_empty() || !line.trim().is_empty())
}

/// Whether `s` written plainly is read back by the loader as exactly the string `s`.
fn plain_reads_back(s: &str, in_flow: bool) -> bool {
    if s.is_empty()
        || s.trim() != s
        || s.chars().any(char::is_control)
        || s.starts_with([
            '#', '&', '*', '!', '|', '>', '%', '@', '`', '"', '\'', '{', '[',
        ])
        || (in_flow && s.contains([',', '[', ']', '{', '}']))
    {
        return false;
    }
    let probe = if in_flow {
        format!("k: [{s}]")
    } else {
        format!("k: {s}")
    };
    let Ok(root) = parse(&probe) else {
        return false;
    };
    let NodeKind::Map(entries) = root.kind else {
        return false;
    };
    let value = match (entries.len(), entries.first()) {
        (1, Some((_, v))) => v,
        _ => return false,
    };
    let value = if in_flow {
        match &value.kind {
            NodeKind::Seq(items) if items.len() == 1 => &items[0],
            _ => return false,
        }
    } else {
        value
    };
    matches!(&value.kind, NodeKind::Str(read) if read == s)
}

fn key_text(key: &str) -> String {
    if key_reads_back(key) {
        key.to_string()
    } else {
        quoted_key(key)
    }
}

fn flow_key_text(key: &str) -> Option<String> {
    if key.contains([',', '[', ']', '{', '}']) {
        return Some(quoted_key(key));
    }
    Some(key_text(key))
}

fn quoted_key(key: &str) -> String {
    if key.contains('\'') || key.chars().any(char::is_control) {
        serde_json::to_string(key).unwrap_or_else(|_| "\"\"".into())
    } else {
        format!("'{key}'")
    }
}

fn key_reads_back(key: &str) -> bool {
    if !plain_reads_back(key, false) || key.contains(": ") || key.ends_with(':') {
        return false;
    }
    let Ok(root) = parse(&format!("{key}: 1")) else {
        return false;
    };
    matches!(&root.kind, NodeKind::Map(entries)
        if entries.len() == 1 && matches!(&entries[0].0.kind, NodeKind::Str(k) if k == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(text: &str) -> NodeKind {
        parse(text).unwrap().kind
    }

    fn value_of(doc: &str) -> NodeKind {
        match read_back(doc) {
            NodeKind::Map(mut entries) => entries.remove(0).1.kind,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        for s in [
            "200", "true", "~", "null", "1.5", "", " x", "a: b", "a #b", "- x", "#x", "0x1F", "1e3",
        ] {
            let mut map = Yaml::map();
            map.insert("k", Yaml::str(s));
            let text = document(&[], &map);
            assert_eq!(value_of(&text), NodeKind::Str(s.into()), "{s:?} → {text}");
        }
    }

    #[test]
    fn templates_and_jsonpaths_stay_plain() {
        let mut map = Yaml::map();
        map.insert("url", Yaml::str("<<api>>/companies"));
        map.insert("$.value[0].id", Yaml::str("x"));
        let text = document(&[], &map);
        assert_eq!(text, "url: <<api>>/companies\n$.value[0].id: x\n");
    }

    #[test]
    fn multi_line_text_becomes_a_block_and_reads_back() {
        for s in ["<a>\n  <b/>\n</a>\n", "x\ny", "x\n\n", "line\n\nafter"] {
            let mut map = Yaml::map();
            map.insert("body", Yaml::str(s));
            let text = document(&[], &map);
            assert!(text.contains('|'), "{text}");
            assert_eq!(value_of(&text), NodeKind::Str(s.into()), "{s:?} → {text}");
        }
    }

    #[test]
    fn awkward_text_is_double_quoted() {
        for s in [
            "  indented\nx",
            "tab\there",
            "quote ' and \"",
            "ctrl\u{1}",
            "sp \n \nx",
        ] {
            let mut map = Yaml::map();
            map.insert("k", Yaml::str(s));
            let text = document(&[], &map);
            assert_eq!(value_of(&text), NodeKind::Str(s.into()), "{s:?} → {text}");
        }
    }

    #[test]
    fn short_flow_maps_and_comments() {
        let mut request = Yaml::map();
        request.insert("name", Yaml::str("token"));
        request.insert_commented(
            "file",
            Yaml::pair("file", Yaml::str("a, b.txt")),
            vec!["a comment".into()],
        );
        let mut root = Yaml::map();
        root.insert(
            "requests",
            Yaml::Seq(vec![Item {
                comments: vec!["postman: x".into()],
                value: request,
            }]),
        );
        let text = document(&["header".into()], &root);
        assert_eq!(
            text,
            "# header\nrequests:\n  # postman: x\n  - name: token\n    # a comment\n    file: { file: 'a, b.txt' }\n"
        );
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn keys_that_need_quotes() {
        let mut map = Yaml::map();
        for k in ["1", "true", "a: b", "#x", "@odata.etag", "Content-Type"] {
            map.insert(k, Yaml::Number(1.into()));
        }
        let text = document(&[], &map);
        let NodeKind::Map(entries) = read_back(&text) else {
            panic!()
        };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.kind.clone()).collect();
        assert_eq!(
            keys,
            ["1", "true", "a: b", "#x", "@odata.etag", "Content-Type"]
                .map(|k| NodeKind::Str(k.into()))
        );
    }
}
