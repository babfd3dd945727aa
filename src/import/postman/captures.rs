//! Captures translated from scripts (`pm.environment.set(…)`) and how they become a
//! request's `capture:` map: masked when the name or the JSON leaf says secret, conditional
//! ones under `when:`, several of one variable as a list, constants as `value:`.

use super::path::{Seg, json_path};
use crate::import::yaml::Yaml;

/// Where a capture takes its value from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A path into the body parsed as JSON.
    Json(Vec<Seg>),
    /// A header.
    Header(String),
    /// The status code.
    Status,
    /// The whole body text.
    Body,
    /// A value of its own (`value:`): a constant, its text made safe for templates.
    Value(serde_json::Value),
}

/// One capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSpec {
    /// The variable (already a template identifier).
    pub name: String,
    /// Where from.
    pub source: Source,
    /// Made only when this expression holds (the script's `if` around the set).
    pub when: Option<String>,
    /// Selecting nothing leaves the variable as it was (a set inside `try`).
    pub optional: bool,
}

/// Whether a captured value should be masked in output.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "token", "secret", "password", "passwd", "apikey", "api_key", "cookie",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Whether the value captured is a credential whatever the variable is called: a JSON leaf
/// named `access_token`, `refresh_token`, `id_token`, `client_secret` or `password`.
fn is_secret_source(source: &Source) -> bool {
    let Source::Json(path) = source else {
        return false;
    };
    matches!(path.last(), Some(Seg::Key(k)) if matches!(
        k.to_ascii_lowercase().as_str(),
        "access_token" | "refresh_token" | "id_token" | "client_secret" | "password"
    ))
}

/// Adds a capture after the others: one made whatever happens replaces the earlier ones of
/// its variable; a conditional one joins them (a list in YAML, made in order).
pub fn push_capture(captures: &mut Vec<CaptureSpec>, capture: CaptureSpec) {
    if capture.when.is_none() && !capture.optional {
        captures.retain(|c| c.name != capture.name);
    }
    captures.push(capture);
}

/// The `capture:` map; several captures of one variable are a list.
pub fn captures_yaml(captures: &[CaptureSpec]) -> Yaml {
    let mut out = Yaml::map();
    for (i, c) in captures.iter().enumerate() {
        let siblings: Vec<&CaptureSpec> = captures.iter().filter(|o| o.name == c.name).collect();
        if siblings.len() > 1 {
            if captures[..i].iter().all(|o| o.name != c.name) {
                let list = siblings.into_iter().map(|s| capture_map(s, true));
                out.insert(&c.name, Yaml::seq(list));
            }
            continue;
        }
        out.insert(&c.name, capture_map(c, false));
    }
    out
}

/// One capture: a bare JSONPath where that says it all, else a map.
fn capture_map(c: &CaptureSpec, in_list: bool) -> Yaml {
    {
        let secret = is_secret_name(&c.name) || is_secret_source(&c.source);
        let plain = !secret && c.when.is_none() && !c.optional && !in_list;
        let mut source = match &c.source {
            Source::Json(path) if plain => return Yaml::str(json_path(path)),
            Source::Json(path) => Yaml::pair("json", Yaml::str(json_path(path))),
            Source::Header(name) => Yaml::pair("header", Yaml::str(name)),
            Source::Status => Yaml::pair("status", Yaml::Bool(true)),
            Source::Body => Yaml::pair("regex", Yaml::str("(?s)^.*$")),
            Source::Value(value) => Yaml::pair("value", Yaml::from_json(value)),
        };
        if secret {
            source.insert("secret", Yaml::Bool(true));
        }
        if c.optional {
            source.insert("optional", Yaml::Bool(true));
        }
        if let Some(when) = &c.when {
            source.insert("when", Yaml::str(when));
        }
        source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::yaml::document;

    #[test]
    fn secret_captures_are_marked() {
        let captures = vec![
            CaptureSpec {
                name: "bcToken".into(),
                source: Source::Json(vec![Seg::Key("access_token".into())]),
                when: None,
                optional: false,
            },
            CaptureSpec {
                name: "companyId".into(),
                source: Source::Json(vec![
                    Seg::Key("value".into()),
                    Seg::Index(0),
                    Seg::Key("id".into()),
                ]),
                when: None,
                optional: false,
            },
        ];
        let mut root = Yaml::map();
        root.insert("capture", captures_yaml(&captures));
        assert_eq!(
            document(&[], &root),
            "capture:\n  bcToken: { json: $.access_token, secret: true }\n  companyId: $.value[0].id\n"
        );
    }
}
