//! A mock file, validated: routes in order (first match wins), each with a templated response
//! and optionally a store action that gives the route state.

use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use crate::location::Location;
use crate::model::Matcher;
use crate::query::Query;
use crate::template::{TValue, Templates, Tpl};

/// A loaded mock file.
#[derive(Debug)]
pub struct MockSpec {
    /// The routes, in file order.
    pub routes: Vec<Route>,
    /// The compiled templates of matchers and responses.
    pub templates: Arc<Templates>,
}

/// One route: what it matches and how it answers.
#[derive(Debug)]
pub struct Route {
    /// `METHOD /pattern`, for logs.
    pub label: String,
    /// Where it is written.
    pub location: Location,
    /// Upper-case method; `None` matches any.
    pub method: Option<String>,
    /// The path pattern.
    pub path: PathPattern,
    /// Query parameters that must match.
    pub query: Vec<(String, Matcher)>,
    /// Headers (lower-case names) that must match.
    pub headers: Vec<(String, Matcher)>,
    /// JSON body fields that must match.
    pub json: Vec<(Query, Matcher)>,
    /// Form fields (urlencoded or multipart) that must match.
    pub form: Vec<(String, Matcher)>,
    /// A state change or lookup, done before responding.
    pub store: Option<StoreAction>,
    /// The response; `None` with a store action means the action's default response.
    pub respond: Option<Respond>,
}

/// A path pattern: `<name>` binds a segment (or part of one), `*` one segment, `**` the rest.
#[derive(Debug)]
pub struct PathPattern {
    /// As written.
    pub source: String,
    /// Compiled, anchored.
    pub regex: Regex,
}

impl PathPattern {
    /// Compiles a pattern, or says what is wrong with it.
    pub fn parse(source: &str) -> Result<PathPattern, String> {
        let mut regex = String::from("^");
        let mut rest = source;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("**") {
                regex.push_str(".*");
                rest = after;
            } else if let Some(after) = rest.strip_prefix('*') {
                regex.push_str("[^/]*");
                rest = after;
            } else if let Some(after) = rest.strip_prefix('<') {
                let end = after
                    .find('>')
                    .ok_or_else(|| format!("unclosed `<` in path `{source}`"))?;
                let name = &after[..end];
                let valid = !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    return Err(format!(
                        "`<{name}>` in path `{source}`: names are letters, digits and _"
                    ));
                }
                regex.push_str(&format!("(?P<{name}>[^/]+?)"));
                rest = &after[end + 1..];
            } else {
                let end = rest.find(['*', '<']).unwrap_or(rest.len());
                regex.push_str(&regex::escape(&rest[..end]));
                rest = &rest[end..];
            }
        }
        regex.push('$');
        let regex = Regex::new(&regex).map_err(|e| format!("path `{source}`: {e}"))?;
        Ok(PathPattern {
            source: source.to_string(),
            regex,
        })
    }

    /// The bound segments when the path matches.
    pub fn captures(&self, path: &str) -> Option<Vec<(String, String)>> {
        let caps = self.regex.captures(path)?;
        Some(
            self.regex
                .capture_names()
                .flatten()
                .filter_map(|name| Some((name.to_string(), caps.name(name)?.as_str().to_string())))
                .collect(),
        )
    }
}

/// A templated response.
#[derive(Debug)]
pub struct Respond {
    /// Status code (default 200).
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, Tpl)>,
    /// The body.
    pub body: Option<MockBody>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
}

/// A response body.
#[derive(Debug)]
pub enum MockBody {
    /// A value sent as JSON.
    Json(TValue),
    /// Text sent as is.
    Text(Tpl),
}

/// What a route does with the store.
#[derive(Debug)]
pub struct StoreAction {
    /// The collection (a template, so it can be scoped, e.g. per company).
    pub collection: Tpl,
    /// The operation.
    pub action: Action,
    /// The record's key for get/update/delete (a template over `request`).
    pub id: Option<Tpl>,
}

/// Store operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Insert the request's JSON as a new record (id and etag assigned).
    Create,
    /// One record by id.
    Get,
    /// Merge the request's JSON into a record; needs a matching If-Match.
    Update,
    /// Remove a record; checks If-Match when given.
    Delete,
    /// Every record of the collection.
    List,
}

impl Action {
    /// Parses an action name.
    pub fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "create" => Action::Create,
            "get" => Action::Get,
            "update" => Action::Update,
            "delete" => Action::Delete,
            "list" => Action::List,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PathPattern;

    #[test]
    fn named_segments_and_wildcards() {
        let p = PathPattern::parse("/v2.0/<tenant>/<env>/api/v2.0/companies(<company>)/customers")
            .unwrap();
        let caps = p
            .captures("/v2.0/contoso/Production/api/v2.0/companies(c1)/customers")
            .unwrap();
        assert_eq!(
            caps,
            vec![
                ("tenant".to_string(), "contoso".to_string()),
                ("env".to_string(), "Production".to_string()),
                ("company".to_string(), "c1".to_string())
            ]
        );
        assert!(
            p.captures("/v2.0/contoso/Production/api/v2.0/companies(c1)/items")
                .is_none()
        );
        let any = PathPattern::parse("/**").unwrap();
        assert!(any.captures("/a/b/c").is_some());
        let one = PathPattern::parse("/a/*/c").unwrap();
        assert!(one.captures("/a/b/c").is_some());
        assert!(one.captures("/a/b/x/c").is_none());
        assert!(PathPattern::parse("/<bad name>").is_err());
    }
}
