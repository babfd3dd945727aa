//! Completion: inside `<<`…`>>` the variables in scope and the template functions; on a key,
//! the keys the loader accepts at that place; after `extends:`, the environment names.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, Position, Range,
    TextEdit,
};

use super::cursor::{after_key, key_path, key_prefix, template_prefix};
use super::document::Document;
use super::names::in_scope;
use crate::load::accepted_keys;

/// The functions `runner` adds to templates: name, signature, what it gives.
const FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "env",
        "env(name, default?)",
        "The process environment variable (an error if unset without a default); not masked.",
    ),
    (
        "secret",
        "secret(name, default?)",
        "Like env(), and the value is masked as *** in every output.",
    ),
    ("uuid", "uuid()", "A random UUID v4, lower-case."),
    (
        "now",
        "now()",
        "The current UTC time, RFC 3339, whole seconds.",
    ),
    (
        "timestamp",
        "timestamp()",
        "Unix time in seconds (a number).",
    ),
    (
        "jwt",
        "jwt(claims)",
        "An unsigned, JWT-shaped token with the given claims (for mocks and tests).",
    ),
    (
        "base64_encode",
        "base64_encode(text)",
        "Base64, standard alphabet with padding (also a filter).",
    ),
    (
        "base64_decode",
        "base64_decode(text)",
        "Decodes base64 (standard or URL-safe) to UTF-8 text (also a filter).",
    ),
    (
        "urlencode_component",
        "urlencode_component(text)",
        "Percent-encodes all but ASCII letters and digits (also a filter).",
    ),
];

/// The kinds of `auth:`.
const AUTH_KINDS: &[&str] = &["bearer", "basic", "digest", "oauth1", "oauth2"];

/// What can be written at the position.
pub fn complete(document: &Document, position: Position) -> Vec<CompletionItem> {
    let text = &document.text;
    if let Some((prefix, range)) = template_prefix(text, position) {
        return variables(document, position, &prefix, range);
    }
    if after_key(text, position, "extends") {
        let names = document
            .environments()
            .map(|e| e.names())
            .unwrap_or_default();
        return names
            .into_iter()
            .map(|n| item(n, CompletionItemKind::VALUE, "environment", None))
            .collect();
    }
    if let Some((col, prefix, range)) = key_prefix(text, position) {
        let path = key_path(text, position.line, col);
        return keys_at(&path)
            .into_iter()
            .filter(|k| k.starts_with(&prefix))
            .map(|k| {
                let mut it = item(k.to_string(), CompletionItemKind::FIELD, "key", None);
                it.text_edit = Some(edit(range, format!("{k}: ")));
                it
            })
            .collect();
    }
    Vec::new()
}

fn variables(
    document: &Document,
    position: Position,
    prefix: &str,
    range: Range,
) -> Vec<CompletionItem> {
    let mut items = Vec::new();
    if let Some(collection) = document.collection() {
        let request = document.request_at(position.line);
        for (name, origin) in in_scope(collection, document.environments(), request) {
            if name.starts_with(prefix) && !items.iter().any(|i: &CompletionItem| i.label == name) {
                let mut it = item(
                    name.clone(),
                    CompletionItemKind::VARIABLE,
                    &origin.describe(),
                    None,
                );
                it.text_edit = Some(edit(range, name));
                items.push(it);
            }
        }
    }
    for (name, signature, doc) in FUNCTIONS.iter().filter(|(n, _, _)| n.starts_with(prefix)) {
        let mut it = item(
            name.to_string(),
            CompletionItemKind::FUNCTION,
            signature,
            Some(doc),
        );
        it.text_edit = Some(edit(range, format!("{name}(")));
        items.push(it);
    }
    items
}

/// The keys the loader accepts in the map at `path` (from the root: keys and `-` for list
/// items).
pub fn keys_at(path: &[String]) -> Vec<&'static str> {
    #[derive(Clone, Copy)]
    enum At {
        Collection,
        Items,
        Item,
        Assert,
        AssertMap,
        Captures,
        Auth,
        Free,
        Table(&'static str),
    }
    let mut at = At::Collection;
    for segment in path {
        at = match (at, segment.as_str()) {
            (At::Collection | At::Item, "requests") | (At::Collection, "setup" | "teardown") => {
                At::Items
            }
            (At::Items, "-") => At::Item,
            (At::Collection | At::Item, "auth") => At::Auth,
            (At::Auth, kind @ ("oauth2" | "basic")) => {
                At::Table(if kind == "basic" { "basic" } else { "oauth2" })
            }
            (At::Collection, "settings") => At::Table("settings"),
            (At::Item, "retry") => At::Table("retry"),
            (At::Item, "paginate") => At::Table("paginate"),
            (At::Item, "assert") => At::Assert,
            (At::Item, "capture") => At::Captures,
            (At::Captures, _) => At::Table("capture"),
            (At::Assert, "snapshot") => At::Table("snapshot"),
            (At::Assert, "json" | "headers") => At::AssertMap,
            (At::Assert, "status" | "body" | "duration_ms") | (At::AssertMap, _) => {
                At::Table("operators")
            }
            _ => At::Free,
        };
    }
    let table = |name: &str| {
        accepted_keys()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, keys)| keys.to_vec())
            .unwrap_or_default()
    };
    match at {
        At::Collection => table("collection"),
        At::Item => {
            let mut keys = table("request");
            for extra in table("group").into_iter().chain(table("include")) {
                if !keys.contains(&extra) {
                    keys.push(extra);
                }
            }
            keys
        }
        At::Assert => table("assert"),
        At::Auth => AUTH_KINDS.to_vec(),
        At::Table(name) => table(name),
        At::Items | At::AssertMap | At::Captures | At::Free => Vec::new(),
    }
}

fn edit(range: Range, new_text: String) -> CompletionTextEdit {
    CompletionTextEdit::Edit(TextEdit { range, new_text })
}

fn item(
    label: String,
    kind: CompletionItemKind,
    detail: &str,
    doc: Option<&str>,
) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail.to_string()),
        documentation: doc.map(|d| Documentation::String(d.to_string())),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keys_follow_the_loader_tables() {
        assert!(keys_at(&[]).contains(&"requests"));
        let item = keys_at(&path(&["requests", "-"]));
        assert!(item.contains(&"url") && item.contains(&"group") && item.contains(&"include"));
        assert!(keys_at(&path(&["requests", "-", "requests", "-", "assert"])).contains(&"status"));
        assert!(keys_at(&path(&["requests", "-", "assert", "json", "$.a"])).contains(&"eq"));
        assert!(keys_at(&path(&["requests", "-", "auth", "oauth2"])).contains(&"token_url"));
        assert!(keys_at(&path(&["vars"])).is_empty());
    }
}
