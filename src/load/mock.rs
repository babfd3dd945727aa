//! A mock file's tree → `MockSpec`, with the same checks and diagnostics as collections.

use std::path::Path;
use std::sync::Arc;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::files::{parse_yaml, read_text};
use crate::load::matcher::{read_matcher, read_query};
use crate::load::reader::{Reader, finish};
use crate::load::yaml::{Node, NodeKind};
use crate::mock::spec::{Action, MockBody, MockSpec, PathPattern, Respond, Route, StoreAction};
use crate::secrets::Secrets;

const FILE_FIELDS: &[&str] = &["routes"];
const ROUTE_FIELDS: &[&str] = &["match", "respond", "store"];
const MATCH_FIELDS: &[&str] = &["method", "path", "query", "headers", "json", "form"];
const RESPOND_FIELDS: &[&str] = &["status", "headers", "json", "body", "delay"];
const STORE_FIELDS: &[&str] = &["collection", "action", "id"];

/// Loads and checks a mock file completely.
pub fn load_mock(path: &Path, secrets: &Secrets) -> Result<MockSpec, Vec<LoadError>> {
    let text = read_text(path).map_err(|e| vec![e])?;
    let file: Arc<Path> = Arc::from(path);
    let root = parse_yaml(&file, &text).map_err(|e| vec![e])?;
    let mut r = Reader::new(file, &text);
    r.templates.add_functions(crate::mock::jwt::register);
    let mut routes = Vec::new();
    if let Some(fields) = r.fields(&root, "the mock file", FILE_FIELDS) {
        match fields.get("routes") {
            Some(list) => {
                for item in r.seq(list, "routes").unwrap_or_default() {
                    routes.extend(read_route(&mut r, item));
                }
            }
            None => r.error(root.pos, LoadErrorKind::MissingField("routes")),
        }
    }
    let templates = finish(&mut r, secrets)?;
    Ok(MockSpec {
        routes,
        templates: Arc::new(templates),
    })
}

fn read_route(r: &mut Reader, node: &Node) -> Option<Route> {
    let fields = r.fields(node, "a route", ROUTE_FIELDS)?;
    let Some(m) = fields.get("match") else {
        r.error(node.pos, LoadErrorKind::MissingField("match"));
        return None;
    };
    let matcher = r.fields(m, "match", MATCH_FIELDS)?;
    let method = matcher
        .get("method")
        .and_then(|n| r.string(n, "match.method"))
        .map(|m| m.to_ascii_uppercase());
    let path = match matcher.get("path") {
        Some(p) => {
            let source = r.string(p, "match.path")?;
            match PathPattern::parse(&source) {
                Ok(pattern) => pattern,
                Err(message) => {
                    r.error(p.pos, LoadErrorKind::Invalid(message));
                    return None;
                }
            }
        }
        None => PathPattern::parse("/**").expect("a valid pattern"),
    };
    let named = |r: &mut Reader, key: &str, lower: bool| -> Vec<(String, crate::model::Matcher)> {
        let Some(map) = matcher.get(key) else {
            return Vec::new();
        };
        r.map_entries(map, &format!("match.{key}"))
            .unwrap_or_default()
            .into_iter()
            .map(|(name, _, value)| {
                let name = if lower {
                    name.to_ascii_lowercase()
                } else {
                    name.to_string()
                };
                let m = read_matcher(r, value, &format!("match.{key}.{name}"));
                (name, m)
            })
            .collect()
    };
    let query = named(r, "query", false);
    let headers = named(r, "headers", true);
    let form = named(r, "form", false);
    let json = match matcher.get("json") {
        Some(map) => r
            .map_entries(map, "match.json")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(path, key, value)| {
                let query = read_query(r, key, path);
                let m = read_matcher(r, value, &format!("match.json.{path}"));
                Some((query?, m))
            })
            .collect(),
        None => Vec::new(),
    };
    let store = fields.get("store").and_then(|s| read_store(r, s));
    let respond = fields.get("respond").and_then(|s| read_respond(r, s));
    if store.is_none() && respond.is_none() {
        r.error(node.pos, LoadErrorKind::MissingField("respond"));
        return None;
    }
    let label = format!("{} {}", method.as_deref().unwrap_or("*"), path.source);
    Some(Route {
        label,
        location: r.location(node.pos),
        method,
        path,
        query,
        headers,
        json,
        form,
        store,
        respond,
    })
}

fn read_respond(r: &mut Reader, node: &Node) -> Option<Respond> {
    let fields = r.fields(node, "respond", RESPOND_FIELDS)?;
    let status = match fields.get("status") {
        Some(s) => match s.kind {
            NodeKind::Int(code @ 100..=599) => code as u16,
            _ => {
                r.error(
                    s.pos,
                    LoadErrorKind::Invalid("`status` must be a number from 100 to 599".into()),
                );
                return None;
            }
        },
        None => 200,
    };
    let headers = fields
        .get("headers")
        .map(|h| r.tpl_map(h, "respond.headers"))
        .unwrap_or_default();
    let body = match (fields.get("json"), fields.get("body")) {
        (Some(_), Some(b)) => {
            r.error(b.pos, LoadErrorKind::TwoBodies("`json` and `body`".into()));
            return None;
        }
        (Some(j), None) => Some(MockBody::Json(r.tvalue(j, "respond.json"))),
        (None, Some(b)) => Some(MockBody::Text(r.tpl(b, "respond.body")?)),
        (None, None) => None,
    };
    let delay = match fields.get("delay") {
        Some(d) => {
            let text = r.string(d, "respond.delay")?;
            match crate::units::parse_duration(&text) {
                Ok(duration) => Some(duration),
                Err(message) => {
                    r.error(d.pos, LoadErrorKind::Invalid(format!("`delay`: {message}")));
                    return None;
                }
            }
        }
        None => None,
    };
    Some(Respond {
        status,
        headers,
        body,
        delay,
    })
}

fn read_store(r: &mut Reader, node: &Node) -> Option<StoreAction> {
    let fields = r.fields(node, "store", STORE_FIELDS)?;
    let collection = match fields.get("collection") {
        Some(c) => r.tpl(c, "store.collection")?,
        None => {
            r.error(node.pos, LoadErrorKind::MissingField("collection"));
            return None;
        }
    };
    let action_node = fields.get("action").or_else(|| {
        r.error(node.pos, LoadErrorKind::MissingField("action"));
        None
    })?;
    let name = r.string(action_node, "store.action")?;
    let Some(action) = Action::parse(&name) else {
        r.error(
            action_node.pos,
            LoadErrorKind::Invalid(format!(
                "unknown store action `{name}`; expected create, get, update, delete or list"
            )),
        );
        return None;
    };
    let id = fields.get("id").and_then(|i| r.tpl(i, "store.id"));
    if id.is_none() && matches!(action, Action::Get | Action::Update | Action::Delete) {
        r.error(node.pos, LoadErrorKind::MissingField("id"));
        return None;
    }
    Some(StoreAction {
        collection,
        action,
        id,
    })
}
