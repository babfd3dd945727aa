//! A parsed JSONPath (`Query`) and its fast walk: paths without wildcards, filters or descent
//! (`$.value[0].id`, `$['@odata.etag']`) are evaluated straight on the body text, so only the
//! selected node is turned into a value and a 1 MB response is scanned, not built into a tree,
//! when nothing else needs the whole of it.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize as _;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use serde_json_path::JsonPath;

/// A parsed JSONPath with its source text.
#[derive(Debug, Clone)]
pub struct Query {
    /// As written.
    pub source: String,
    /// Parsed (RFC 9535).
    pub path: JsonPath,
    /// Names and indices only: evaluated on the body text without building a tree.
    pub steps: Option<Vec<Step>>,
}

impl Query {
    /// Parses a JSONPath.
    pub fn parse(source: &str) -> Result<Query, serde_json_path::ParseError> {
        Ok(Query {
            source: source.to_string(),
            path: JsonPath::parse(source)?,
            steps: simple_steps(source),
        })
    }

    /// JSON Pointers of the nodes the path selects in a document, in document order.
    pub fn pointers(&self, json: &serde_json::Value) -> Vec<String> {
        self.path
            .query_located(json)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect()
    }
}

/// The path with every `.@name` / `..@name` member written in brackets (`$..['@odata.etag']`),
/// if it has any: names starting with `@` (OData's) cannot follow a dot in RFC 9535.
pub fn bracketed_at_members(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    let mut changed = false;
    while let Some(at) = rest.find(".@") {
        out.push_str(&rest[..at]);
        let name_start = at + 1;
        let name_end = rest[name_start..]
            .find(['[', ' ', ')', ']'])
            .map_or(rest.len(), |i| name_start + i);
        // `@odata.etag` is one name: its dots belong to it, up to the next segment
        let name = &rest[name_start..name_end];
        let dots = if out.ends_with('.') {
            out.pop();
            ".."
        } else {
            ""
        };
        out.push_str(dots);
        out.push_str(&format!("['{name}']"));
        rest = &rest[name_end..];
        changed = true;
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// A JSONPath's result: one node as itself, several as an array, none as `None`.
pub fn select(query: &Query, json: &Value) -> Option<Value> {
    let mut nodes = query.path.query(json).all();
    match nodes.len() {
        0 => None,
        1 => Some(nodes.remove(0).clone()),
        _ => Some(Value::Array(nodes.into_iter().cloned().collect())),
    }
}

/// `.name`, or `['@odata.etag']` where a name is not a plain identifier.
pub fn member(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        format!(".{name}")
    } else {
        format!("['{}']", name.replace('\'', "\\'"))
    }
}

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
    let mut current = std::str::from_utf8(body).ok()?;
    for (depth, step) in steps.iter().enumerate() {
        // the first step reads the whole text: below it, the text is known to be JSON
        match child(current, step, depth > 0).ok()? {
            Some(node) => current = node.get(),
            None => return Some(None),
        }
    }
    serde_json::from_str(current).ok().map(Some)
}

/// The child a step selects in the JSON text of one node, in one pass over that text: the
/// other members are skipped, not built. In a `checked` text an array is read only up to the
/// item.
fn child<'t>(
    node: &'t str,
    step: &Step,
    checked: bool,
) -> serde_json::Result<Option<&'t RawValue>> {
    let mut reader = serde_json::Deserializer::from_str(node);
    let first = node.trim_start().as_bytes().first();
    let child = match (step, first) {
        (Step::Name(name), Some(b'{')) => reader.deserialize_map(Member(name))?,
        (Step::Index(index), Some(b'[')) => {
            let found = Cell::new(None);
            let item = Item {
                index: *index,
                stop_there: checked,
                found: &found,
            };
            match reader.deserialize_seq(item) {
                Ok(()) => found.get(),
                // stopped at the item (the one error the visitor makes itself)
                Err(_) if checked && found.get().is_some() => return Ok(found.get()),
                Err(e) => return Err(e),
            }
        }
        _ => {
            IgnoredAny::deserialize(&mut reader)?;
            None
        }
    };
    reader.end()?;
    Ok(child)
}

/// Visits an object for the member with this name (the last one, as a parser keeping one
/// value per name would).
struct Member<'n>(&'n str);

impl<'de> Visitor<'de> for Member<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(wanted) = map.next_key_seed(KeyIs(self.0))? {
            if wanted {
                found = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads an object key as "is it this name?", without keeping it.
struct KeyIs<'n>(&'n str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, key: D) -> Result<bool, D::Error> {
        key.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Visits an array for the item at this index, putting it in `found`; with `stop_there`, it
/// stops reading (with an error) once it has the item.
struct Item<'f, 'de> {
    index: usize,
    stop_there: bool,
    found: &'f Cell<Option<&'de RawValue>>,
}

impl<'de> Visitor<'de> for Item<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        for _ in 0..self.index {
            if items.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        self.found.set(items.next_element()?);
        if self.stop_there && self.found.get().is_some() {
            return Err(de::Error::custom("stopped at the selected item"));
        }
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_members_are_shown_in_brackets() {
        assert_eq!(
            bracketed_at_members("$..@odata.etag").as_deref(),
            Some("$..['@odata.etag']")
        );
        assert_eq!(
            bracketed_at_members("$.@odata.nextLink").as_deref(),
            Some("$['@odata.nextLink']")
        );
        assert_eq!(
            bracketed_at_members("$.value[0].@odata.etag").as_deref(),
            Some("$.value[0]['@odata.etag']")
        );
        assert_eq!(bracketed_at_members("$.value[0].id"), None);
        for fixed in ["$..['@odata.etag']", "$['@odata.nextLink']"] {
            assert!(Query::parse(fixed).is_ok());
        }
    }
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

    #[test]
    fn reads_the_text_as_a_parser_would() {
        let select =
            |path: &str, body: &str| select_in_text(&simple_steps(path).unwrap(), body.as_bytes());
        // escaped keys are compared unescaped; of two equal keys the last counts
        assert_eq!(select("$.id", r#"{"\u0069d": 1}"#), Some(Some(json!(1))));
        assert_eq!(select("$.a", r#"{"a": 1, "a": 2}"#), Some(Some(json!(2))));
        assert_eq!(
            select("$[1]", "[[1], {\"x\": [2]}, 3]"),
            Some(Some(json!({"x": [2]})))
        );
        // malformed anywhere, even past the selected node: not JSON
        for broken in [
            r#"{"a": 1,"#,
            r#"{"a": 1} x"#,
            r#"{"b": [1, "a": 1}"#,
            "[1, 2",
            "\"abc",
        ] {
            assert_eq!(select("$.a", broken), None, "{broken}");
            assert_eq!(select("$[0]", broken), None, "{broken}");
        }
        assert_eq!(select("$.a.b", r#"{"a": 5}"#), Some(None));
    }
}
