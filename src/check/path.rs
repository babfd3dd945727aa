//! JSONPaths without wildcards, filters or descent (`$.value[0].id`, `$['@odata.etag']`) are
//! evaluated straight on the body text: only the selected node is turned into a value, so a
//! 1 MB response is scanned, not built into a tree, when nothing else needs the whole of it.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;
use serde_json::value::RawValue;

/// One step of a simple path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name` or `['name']`.
    Name(String),
    /// `[3]`.
    Index(usize),
}

/// The steps of a path made only of names and non-negative indices; `None` for any other.
pub fn simple_steps(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            let shorthand = name.chars().enumerate().all(|(i, c)| {
                c == '_' || c.is_alphabetic() || !c.is_ascii() || (i > 0 && c.is_ascii_digit())
            });
            if name.is_empty() || !shorthand {
                return None;
            }
            steps.push(Step::Name(name.to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = after[..end].trim();
            let step = match inner.chars().next()? {
                quote @ ('\'' | '"') => {
                    let text = inner.strip_prefix(quote)?.strip_suffix(quote)?;
                    // escapes and quotes inside names take the general path
                    if text.contains(['\\', '\'', '"']) {
                        return None;
                    }
                    Step::Name(text.to_string())
                }
                _ => Step::Index(inner.parse().ok()?),
            };
            steps.push(step);
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The node the steps select in a JSON text: `Some(None)` when nothing is there, `None` when
/// the text is not JSON (the caller then parses it fully to say why).
pub fn select_in_text(steps: &[Step], body: &[u8]) -> Option<Option<Value>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut current: &RawValue = serde_json::from_str(text).ok()?;
    for step in steps {
        let first = current.get().trim_start().as_bytes().first().copied();
        let next = match (step, first) {
            (Step::Name(name), Some(b'{')) => {
                let map: HashMap<Cow<'_, str>, &RawValue> =
                    serde_json::from_str(current.get()).ok()?;
                map.get(name.as_str()).copied()
            }
            (Step::Index(index), Some(b'[')) => {
                let items: Vec<&RawValue> = serde_json::from_str(current.get()).ok()?;
                items.get(*index).copied()
            }
            _ => None,
        };
        match next {
            Some(node) => current = node,
            None => return Some(None),
        }
    }
    serde_json::from_str(current.get()).ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_paths_parse_others_do_not() {
        assert_eq!(
            simple_steps("$.value[0]['@odata.etag']"),
            Some(vec![
                Step::Name("value".into()),
                Step::Index(0),
                Step::Name("@odata.etag".into())
            ])
        );
        assert_eq!(simple_steps("$"), Some(vec![]));
        for complex in [
            "$..id",
            "$.value[*]",
            "$.value[-1]",
            "$.value[?@.x]",
            "$.a[0:2]",
            "value",
            "$.1a",
        ] {
            assert_eq!(simple_steps(complex), None, "{complex}");
        }
    }

    #[test]
    fn selects_like_the_full_evaluator() {
        let doc = json!({"value": [{"id": "a", "n": {"x": 1.5}}, {"id": "b"}], "@odata.nextLink": "u", "s": "t"});
        let body = serde_json::to_vec(&doc).unwrap();
        for path in [
            "$.value[1].id",
            "$.value[0].n",
            "$['@odata.nextLink']",
            "$.value[5]",
            "$.s.x",
            "$.missing",
            "$",
        ] {
            let full = serde_json_path::JsonPath::parse(path).unwrap();
            let nodes = full.query(&doc).all();
            let expected = nodes.first().map(|v| (*v).clone());
            let steps = simple_steps(path).unwrap();
            assert_eq!(select_in_text(&steps, &body), Some(expected), "{path}");
        }
        assert_eq!(select_in_text(&[], b"not json"), None);
    }
}
