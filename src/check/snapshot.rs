//! Snapshot (golden) responses: the response, normalised (sorted keys, ignored paths replaced,
//! secrets masked), compared with a stored file, or written to it with `--update-snapshots`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::matcher;
use super::view::ResponseView;
use crate::model::Snapshot;
use crate::query::Query;
use crate::secrets::Secrets;

/// What stands in the file for a value an `ignore` path selects.
pub const IGNORED: &str = "<ignored>";

/// Where snapshots live and whether they may be written.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// The collection's folder: snapshot paths are relative to it.
    pub dir: PathBuf,
    /// The collection file's stem, for default snapshot paths.
    pub collection: String,
    /// `--update-snapshots`: write new and changed snapshots instead of failing.
    pub update: bool,
    /// Secrets masked in what is stored and compared.
    pub secrets: Secrets,
}

/// The result of one snapshot check.
pub struct SnapshotOutcome {
    /// Whether the response matched (or was written).
    pub passed: bool,
    /// What happened, for people: mismatch summary, or "created"/"updated".
    pub message: String,
    /// A unified diff of stored vs actual, on a mismatch.
    pub diff: Option<String>,
}

/// Compares the response with its snapshot (or writes it).
pub fn eval(
    snapshot: &Snapshot,
    view: &ResponseView,
    request_path: &str,
    settings: &SnapshotSettings,
) -> SnapshotOutcome {
    let document = document(snapshot, view);
    let is_json = !matches!(document, Value::String(_));
    let text = settings.secrets.mask(&render(&document)).into_owned();
    let relative = snapshot
        .file
        .clone()
        .unwrap_or_else(|| default_file(settings, request_path, is_json));
    let path = settings.dir.join(&relative);
    let stored = std::fs::read_to_string(&path).ok();
    let outcome = |passed: bool, message: String, diff: Option<String>| SnapshotOutcome {
        passed,
        message,
        diff,
    };
    match stored {
        Some(stored) if stored == text => outcome(true, String::new(), None),
        Some(_) | None if settings.update => {
            let verb = if path.exists() { "updated" } else { "created" };
            match write(&path, &text) {
                Ok(()) => outcome(
                    true,
                    format!("snapshot {verb}: {}", relative.display()),
                    None,
                ),
                Err(e) => outcome(
                    false,
                    format!("cannot write snapshot {}: {e}", path.display()),
                    None,
                ),
            }
        }
        None => outcome(
            false,
            format!(
                "snapshot {} does not exist; run with --update-snapshots to create it, then review it with git diff",
                relative.display()
            ),
            None,
        ),
        Some(stored) => {
            let diff = similar::TextDiff::from_lines(&stored, &text)
                .unified_diff()
                .context_radius(3)
                .header(&relative.display().to_string(), "response")
                .to_string();
            let paths = match serde_json::from_str::<Value>(&stored) {
                Ok(old) if is_json => {
                    let new: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let mut changed = Vec::new();
                    differing_paths(&old, &new, "$", &mut changed);
                    format!(": {}", changed.join(", "))
                }
                _ => String::new(),
            };
            outcome(
                false,
                format!(
                    "the response differs from snapshot {}{paths}",
                    relative.display()
                ),
                Some(diff),
            )
        }
    }
}

/// What is stored: the body (JSON normalised, or text), with chosen headers when asked.
fn document(snapshot: &Snapshot, view: &ResponseView) -> Value {
    let body = match view.json() {
        Ok(json) => {
            let mut json = json.clone();
            for query in &snapshot.ignore {
                ignore(&mut json, query);
            }
            json
        }
        Err(_) => Value::String(view.text()),
    };
    if snapshot.headers.is_empty() {
        return body;
    }
    let headers: serde_json::Map<String, Value> = snapshot
        .headers
        .iter()
        .map(|name| {
            (
                name.clone(),
                view.header(name).map_or(Value::Null, Value::String),
            )
        })
        .collect();
    serde_json::json!({ "headers": headers, "body": body })
}

/// Replaces every node the path selects with the placeholder.
fn ignore(json: &mut Value, query: &Query) {
    for pointer in query.pointers(json) {
        if let Some(node) = json.pointer_mut(&pointer) {
            *node = Value::String(IGNORED.into());
        }
    }
}

/// JSON pretty-printed with sorted keys (stable across runs); text as it is.
fn render(document: &Value) -> String {
    match document {
        Value::String(text) => text.clone(),
        other => format!(
            "{}\n",
            serde_json::to_string_pretty(&matcher::sorted(other)).unwrap_or_default()
        ),
    }
}

fn default_file(settings: &SnapshotSettings, request_path: &str, json: bool) -> PathBuf {
    let name: String = request_path
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '/' | '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = if json { "json" } else { "txt" };
    Path::new("snapshots")
        .join(&settings.collection)
        .join(format!("{name}.{ext}"))
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// The JSONPaths at which two documents differ.
fn differing_paths(old: &Value, new: &Value, at: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{at}{}", crate::query::member(key));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differing_paths(x, y, &child, out),
                    _ => out.push(child),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let child = format!("{at}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => differing_paths(x, y, &child, out),
                    _ => out.push(child),
                }
            }
        }
        _ if old != new => out.push(at.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_that_differ() {
        let mut out = Vec::new();
        differing_paths(
            &json!({"a": 1, "b": [1, 2], "c": {"d": "x"}}),
            &json!({"a": 1, "b": [1, 3, 4], "c": {"e": "x"}}),
            "$",
            &mut out,
        );
        assert_eq!(out, vec!["$.b[1]", "$.b[2]", "$.c.d", "$.c.e"]);
    }

    #[test]
    fn ignored_paths_become_placeholders() {
        let mut doc = json!({"value": [{"id": 1, "etag": "a"}, {"id": 2, "etag": "b"}]});
        let query = Query::parse("$.value[*].etag").unwrap();
        ignore(&mut doc, &query);
        assert_eq!(
            doc,
            json!({"value": [{"id": 1, "etag": IGNORED}, {"id": 2, "etag": IGNORED}]})
        );
    }
}
