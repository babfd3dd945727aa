//! Postman URLs → `url:` and `query:`. Query parameters become a `query:` map (values decoded,
//! since the runner encodes them again) unless a name repeats, `:name` path variables take
//! their values, and disabled parameters are reported.

use super::Converter;
use super::model::{KeyValue, Url, value_text};
use crate::import::placeholder;
use crate::import::report::{Place, Topic};
use crate::import::yaml::Yaml;

impl Converter<'_> {
    /// The URL without its query, and the query parameters for `query:` (empty when they
    /// stay in the URL).
    pub(super) fn url(
        &mut self,
        url: Option<&Url>,
        place: &Place,
    ) -> (String, Vec<(String, Yaml)>) {
        let (raw, params, variables) = match url {
            None => {
                self.report
                    .add(Topic::Setting, place, "the request has no URL");
                return (String::new(), Vec::new());
            }
            Some(Url::Text(text)) => (text.clone(), None, Vec::new()),
            Some(Url::Parts(parts)) => {
                self.ignored(place, &parts.other, &[]);
                // a blank `raw` with structured parts: the URL is built from the parts
                let raw = match parts.raw.as_deref() {
                    Some(raw) if !raw.trim().is_empty() => raw.to_string(),
                    _ => from_parts(parts),
                };
                let variables: Vec<(String, String)> = parts
                    .variable
                    .iter()
                    .filter_map(|v| {
                        let value = v.value.as_ref().map(value_text).unwrap_or_default();
                        Some((v.name()?.to_string(), value))
                    })
                    .collect();
                (raw, parts.query.clone(), variables)
            }
        };
        let raw = normalise(raw.trim());
        let (without_hash, hash) = match raw.split_once('#') {
            // `{{#…}}` is not a fragment, but Postman names never start with `#` anyway
            Some((before, after)) if !before.ends_with("{{") => (before.to_string(), Some(after)),
            _ => (raw.clone(), None),
        };
        if let Some(hash) = hash {
            self.report.add(
                Topic::Setting,
                place,
                format!("URL fragment `#{hash}` left out (it is never sent)"),
            );
        }
        let (base, raw_query) = match without_hash.split_once('?') {
            Some((b, q)) => (b.to_string(), Some(q.to_string())),
            None => (without_hash, None),
        };
        let base = self.path_variables(&base, &variables, place);
        let mut url = self.text(&base, place);
        if !has_scheme(&url) && !url.is_empty() {
            self.report.add(
                Topic::Note,
                place,
                "the URL has no scheme; `http://` added, as Postman does",
            );
            url.insert_str(0, "http://");
        }
        let params = params.unwrap_or_else(|| parse_query(raw_query.as_deref().unwrap_or("")));
        self.query(url, params, place)
    }

    /// The enabled query parameters as `query:`, or appended to the URL when they cannot be a
    /// map.
    fn query(
        &mut self,
        mut url: String,
        params: Vec<KeyValue>,
        place: &Place,
    ) -> (String, Vec<(String, Yaml)>) {
        let mut enabled = Vec::new();
        for p in params {
            let key = p.key.clone().unwrap_or_default();
            if p.disabled {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("disabled query parameter `{key}` left out"),
                );
            } else if !(key.is_empty() && p.value.is_none()) {
                enabled.push(p);
            }
        }
        // names are literal in `query:`: a name holding `{{x}}` keeps the query in the URL
        let unique = enabled.iter().enumerate().all(|(i, p)| {
            let key = p.key.as_deref().unwrap_or("");
            enabled[..i].iter().all(|q| q.key != p.key)
                && !key.is_empty()
                && placeholder::find_placeholders(key).is_empty()
        });
        if unique {
            let query = enabled
                .iter()
                .map(|p| {
                    let key = self.text(&decode(p.key.as_deref().unwrap_or("")), place);
                    let value = match &p.value {
                        None | Some(serde_json::Value::Null) => Yaml::Null,
                        Some(v) => Yaml::str(self.text(&decode(&value_text(v)), place)),
                    };
                    (key, value)
                })
                .collect();
            return (url, query);
        }
        // a repeated name (`?id=1&id=2`) cannot be a map: the query stays in the URL
        let pairs: Vec<String> = enabled
            .iter()
            .map(|p| match &p.value {
                None | Some(serde_json::Value::Null) => p.key.clone().unwrap_or_default(),
                Some(v) => format!("{}={}", p.key.clone().unwrap_or_default(), value_text(v)),
            })
            .collect();
        if !pairs.is_empty() {
            let query = self.text(&pairs.join("&"), place);
            url.push('?');
            url.push_str(&query);
        }
        (url, Vec::new())
    }

    /// `/:id` segments replaced by the path variables' values (or a `<<id>>` template).
    fn path_variables(
        &mut self,
        base: &str,
        variables: &[(String, String)],
        place: &Place,
    ) -> String {
        let mut out = String::new();
        for (i, segment) in base.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            let name = segment
                .strip_prefix(':')
                .filter(|_| i > 2 || !base.contains("://"));
            match name.filter(|n| !n.is_empty()) {
                Some(name) => match variables.iter().find(|(k, _)| k == name) {
                    Some((_, value)) if !value.is_empty() => out.push_str(value),
                    _ => {
                        let var = placeholder::var_name(name);
                        self.report.add(
                            Topic::Note,
                            place,
                            format!("path variable `:{name}` has no value; the URL uses `<<{var}>>`, define it in vars or an environment"),
                        );
                        out.push_str(&format!("{{{{{name}}}}}"));
                    }
                },
                None => out.push_str(segment),
            }
        }
        out
    }
}

fn has_scheme(url: &str) -> bool {
    url.starts_with("<<")
        || url.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
}

/// `a=1&b` → parameters, as Postman would list them.
fn parse_query(query: &str) -> Vec<KeyValue> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = match pair.split_once('=') {
                Some((k, v)) => (k, Some(serde_json::Value::String(v.to_string()))),
                None => (pair, None),
            };
            KeyValue {
                key: Some(key.to_string()),
                value,
                disabled: false,
                kind: None,
                src: None,
                content_type: None,
                other: Default::default(),
            }
        })
        .collect()
}

/// Percent-decodes (and `+` → space) when that gives valid UTF-8; otherwise as written.
fn decode(text: &str) -> String {
    if !text.contains(['%', '+']) {
        return text.to_string();
    }
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// A URL from its parts: protocol, host, port, path.
fn from_parts(parts: &super::model::UrlParts) -> String {
    let mut built = String::new();
    if let Some(p) = &parts.protocol {
        built.push_str(p);
        built.push_str("://");
    }
    if let Some(host) = &parts.host {
        built.push_str(&host.parts().join("."));
    }
    if let Some(port) = &parts.port {
        built.push(':');
        built.push_str(port);
    }
    if let Some(path) = &parts.path {
        for segment in path.parts() {
            built.push('/');
            built.push_str(&segment);
        }
    }
    built
}

/// The forms Postman normalises: backslashes after the scheme (`https:\\host/get`) are
/// slashes.
fn normalise(raw: &str) -> String {
    if let Some((scheme, rest)) = raw.split_once(':')
        && !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphabetic())
        && rest.starts_with('\\')
    {
        let rest = rest.trim_start_matches(['\\', '/']);
        return format!("{scheme}://{rest}");
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_query_values() {
        assert_eq!(decode("name%20eq%20'x'"), "name eq 'x'");
        assert_eq!(decode("a+b"), "a b");
        assert_eq!(decode("%ZZ"), "%ZZ");
        assert_eq!(decode("{{x}}"), "{{x}}");
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("<<base>>/x"));
        assert!(!has_scheme("example.com/x"));
    }
}
