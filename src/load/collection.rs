//! A collection file's tree → `model::Collection`: every field checked, every error kept.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use crate::load::LoadErrorKind;
use crate::load::reader::{Fields, Reader};
use crate::load::yaml::{Node, NodeKind};
use crate::model::{
    Assertion, Auth, Body, Capture, CaptureSource, Check, ClientAssertion, Condition, ForEach,
    Grant, JsonType, Matcher, OAuth2, OPERATORS, Op, Paginate, Part, Phase, Query, Request, Retry,
    Schema, Scope, SendAs, Settings, Snapshot, Subject,
};
use crate::suggest;
use crate::template::{TValue, Tpl};

const COLLECTION_FIELDS: &[&str] = &[
    "name", "vars", "auth", "settings", "setup", "requests", "teardown",
];
const INCLUDE_FIELDS: &[&str] = &["include", "with", "name"];
const INCLUDED_FILE_FIELDS: &[&str] = &["name", "vars", "auth", "requests"];
const SNAPSHOT_FIELDS: &[&str] = &["file", "ignore", "headers"];
const PAGINATE_FIELDS: &[&str] = &["next", "items", "max_pages"];
const SETTINGS_FIELDS: &[&str] = &[
    "timeout",
    "connect_timeout",
    "follow_redirects",
    "cookies",
    "insecure",
    "ca_cert",
    "client_cert",
    "client_key",
    "proxy",
    "http2",
    "max_response_bytes",
    "max_retries",
];
const RETRY_FIELDS: &[&str] = &["until", "every", "max", "unsafe", "budget"];
const GROUP_FIELDS: &[&str] = &[
    "group", "vars", "auth", "tags", "when", "skip_if", "requests",
];
const REQUEST_FIELDS: &[&str] = &[
    "name",
    "method",
    "url",
    "query",
    "headers",
    "json",
    "form",
    "multipart",
    "body",
    "auth",
    "tags",
    "when",
    "skip_if",
    "retry",
    "delay",
    "for_each",
    "as",
    "paginate",
    "assert",
    "capture",
];
const BODY_FIELDS: &[&str] = &["json", "form", "multipart", "body"];
const ASSERT_FIELDS: &[&str] = &[
    "status",
    "headers",
    "json",
    "body",
    "duration_ms",
    "expr",
    "schema",
    "snapshot",
];
const CAPTURE_FIELDS: &[&str] = &[
    "json", "header", "regex", "from", "status", "secret", "optional", "default", "when",
];
const AUTH_KINDS: &[&str] = &["bearer", "basic", "oauth2"];
const BASIC_FIELDS: &[&str] = &["username", "password"];
const OAUTH2_FIELDS: &[&str] = &[
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "grant",
    "username",
    "password",
    "refresh_token",
    "send_as",
    "client_assertion",
];

/// The keys the loader accepts in each kind of map, for checking the JSON Schema against.
pub fn accepted_keys() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("collection", COLLECTION_FIELDS),
        ("group", GROUP_FIELDS),
        ("include", INCLUDE_FIELDS),
        ("request", REQUEST_FIELDS),
        ("assert", ASSERT_FIELDS),
        ("capture", CAPTURE_FIELDS),
        ("oauth2", OAUTH2_FIELDS),
        ("basic", BASIC_FIELDS),
        ("settings", SETTINGS_FIELDS),
        ("retry", RETRY_FIELDS),
        ("paginate", PAGINATE_FIELDS),
        ("snapshot", SNAPSHOT_FIELDS),
        ("operators", crate::model::OPERATORS),
    ]
}

/// The parts of a collection file, before templates are compiled.
pub struct CollectionParts {
    /// `name:`, if given.
    pub name: Option<String>,
    /// Default variables.
    pub vars: Vec<(String, TValue)>,
    /// The requests, groups flattened.
    pub requests: Vec<Request>,
    /// Group variable scopes; index 0 is the collection.
    pub scopes: Vec<Scope>,
    /// `settings:`.
    pub settings: Settings,
    /// Where each collection variable is defined.
    pub var_locations: Vec<(String, crate::model::Location)>,
}

/// What a request inherits from the groups around it.
#[derive(Clone)]
struct Inherited {
    phase: Phase,
    prefix: String,
    scope: usize,
    auth: Option<Arc<Auth>>,
    tags: Vec<String>,
    conditions: Vec<Condition>,
}

/// Reads the top level of a collection file.
pub fn read_collection(r: &mut Reader, root: &Node) -> CollectionParts {
    let mut parts = CollectionParts {
        name: None,
        vars: Vec::new(),
        requests: Vec::new(),
        scopes: vec![Scope::default()],
        settings: Settings::default(),
        var_locations: Vec::new(),
    };
    let Some(fields) = r.fields(root, "the collection", COLLECTION_FIELDS) else {
        return parts;
    };
    parts.name = fields.get("name").and_then(|n| r.string(n, "name"));
    if let Some(settings) = fields.get("settings") {
        parts.settings = read_settings(r, settings);
    }
    if let Some(vars) = fields.get("vars") {
        parts.vars = r.tvalue_map(vars, "vars");
        for (name, key, _) in r.map_entries(vars, "vars").unwrap_or_default() {
            parts
                .var_locations
                .push((name.to_string(), r.location(key.pos)));
        }
    }
    let inherited = Inherited {
        phase: Phase::Main,
        prefix: String::new(),
        tags: Vec::new(),
        conditions: Vec::new(),
        scope: 0,
        auth: fields.get("auth").and_then(|a| read_auth(r, a)).flatten(),
    };
    if fields.get("requests").is_none() {
        r.error(root.pos, LoadErrorKind::MissingField("requests"));
    }
    let mut first_seen = HashMap::new();
    for (key, phase) in [
        ("setup", Phase::Setup),
        ("requests", Phase::Main),
        ("teardown", Phase::Teardown),
    ] {
        if let Some(list) = fields.get(key) {
            let inherited = Inherited {
                phase,
                ..inherited.clone()
            };
            read_items(r, list, &inherited, &mut parts, &mut first_seen);
        }
    }
    parts
}

/// Requests and groups of one `requests:` list, in order; groups recurse.
fn read_items(
    r: &mut Reader,
    list: &Node,
    inherited: &Inherited,
    parts: &mut CollectionParts,
    first_seen: &mut HashMap<String, u32>,
) {
    for item in r.seq(list, "requests").unwrap_or_default() {
        let has_key = |key: &str| {
            matches!(&item.kind, NodeKind::Map(entries)
                if entries.iter().any(|(k, _)| k.scalar_text().as_deref() == Some(key)))
        };
        if has_key("group") {
            read_group(r, item, inherited, parts, first_seen);
            continue;
        }
        if has_key("include") {
            read_include(r, item, inherited, parts, first_seen);
            continue;
        }
        let Some(request) = read_request(r, item, inherited) else {
            continue;
        };
        match first_seen.get(&request.path) {
            Some(line) => {
                let first_line = *line;
                r.error(
                    item.pos,
                    LoadErrorKind::DuplicateName {
                        name: request.path.clone(),
                        first_line,
                    },
                );
            }
            None => {
                first_seen.insert(request.path.clone(), request.location.line);
                parts.requests.push(request);
            }
        }
    }
}

/// `{ include: path, with: {...}, name: prefix }`: the file's requests in place, as a group
/// named after the file, its `vars` as defaults and `with` as parameters that win.
fn read_include(
    r: &mut Reader,
    node: &Node,
    inherited: &Inherited,
    parts: &mut CollectionParts,
    first_seen: &mut HashMap<String, u32>,
) {
    let Some(fields) = r.fields(node, "an include", INCLUDE_FIELDS) else {
        return;
    };
    let Some((path_node, relative)) = fields
        .get("include")
        .and_then(|n| Some((n, r.string(n, "include")?)))
    else {
        return;
    };
    let path = r.dir().join(&relative);
    let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
    let in_stack = r
        .stack
        .iter()
        .any(|p| p.canonicalize().unwrap_or_else(|_| p.clone()) == canonical);
    if in_stack {
        let mut cycle: Vec<String> = r.stack.iter().map(|p| p.display().to_string()).collect();
        cycle.push(path.display().to_string());
        r.error(
            path_node.pos,
            LoadErrorKind::Invalid(format!("include cycle: {}", cycle.join(" → "))),
        );
        return;
    }
    let text = match crate::load::read_text(&path) {
        Ok(text) => text,
        Err(e) => {
            r.error(path_node.pos, *e.kind);
            return;
        }
    };
    let file: Arc<std::path::Path> = Arc::from(path.as_path());
    let root = match crate::load::parse_yaml(&file, &text) {
        Ok(root) => root,
        Err(e) => {
            r.errors.push(e);
            return;
        }
    };
    let name = match fields.get("name") {
        Some(n) => r.string(n, "name"),
        None => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
    }
    .unwrap_or_default();
    let params = fields
        .get("with")
        .map(|w| r.tvalue_map(w, "with"))
        .unwrap_or_default();
    let prefix = format!("{}{name}/", inherited.prefix);
    if parts
        .requests
        .iter()
        .any(|req| req.path.starts_with(&prefix))
    {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "`{prefix}` is used by an earlier include: give this one its own `name:`"
            )),
        );
        return;
    }
    let rebase = r.rebase().join(
        std::path::Path::new(&relative)
            .parent()
            .unwrap_or(std::path::Path::new("")),
    );
    let mut sub = r.included(file, &text, rebase);
    read_included_file(&mut sub, &root, &name, params, inherited, parts, first_seen);
    r.absorb(sub);
}

/// The body of an included file: `name`, `vars`, `auth`, `requests` (no setup/teardown).
fn read_included_file(
    r: &mut Reader,
    root: &Node,
    name: &str,
    params: Vec<(String, TValue)>,
    inherited: &Inherited,
    parts: &mut CollectionParts,
    first_seen: &mut HashMap<String, u32>,
) {
    let Some(fields) = r.fields(root, "an included file", INCLUDED_FILE_FIELDS) else {
        return;
    };
    let vars = fields
        .get("vars")
        .map(|v| r.tvalue_map(v, "vars"))
        .unwrap_or_default();
    parts.scopes.push(Scope {
        parent: Some(inherited.scope),
        vars,
        params,
    });
    let auth = match fields.get("auth") {
        Some(a) => read_auth(r, a).unwrap_or_else(|| inherited.auth.clone()),
        None => inherited.auth.clone(),
    };
    let inner = Inherited {
        prefix: format!("{}{name}/", inherited.prefix),
        scope: parts.scopes.len() - 1,
        auth,
        ..inherited.clone()
    };
    match fields.get("requests") {
        Some(list) => read_items(r, list, &inner, parts, first_seen),
        None => r.error(root.pos, LoadErrorKind::MissingField("requests")),
    }
}

fn read_group(
    r: &mut Reader,
    node: &Node,
    inherited: &Inherited,
    parts: &mut CollectionParts,
    first_seen: &mut HashMap<String, u32>,
) {
    let Some(fields) = r.fields(node, "a group", GROUP_FIELDS) else {
        return;
    };
    let Some(name) = fields.get("group").and_then(|g| r.string(g, "group")) else {
        return;
    };
    let vars = fields
        .get("vars")
        .map(|v| r.tvalue_map(v, &format!("{name}.vars")))
        .unwrap_or_default();
    let scope = if vars.is_empty() {
        inherited.scope
    } else {
        parts.scopes.push(Scope {
            parent: Some(inherited.scope),
            vars,
            params: Vec::new(),
        });
        parts.scopes.len() - 1
    };
    let auth = match fields.get("auth") {
        Some(a) => read_auth(r, a).unwrap_or_else(|| inherited.auth.clone()),
        None => inherited.auth.clone(),
    };
    let (tags, conditions) = read_selection(r, &fields, inherited);
    let inner = Inherited {
        phase: inherited.phase,
        prefix: format!("{}{name}/", inherited.prefix),
        scope,
        auth,
        tags,
        conditions,
    };
    match fields.get("requests") {
        Some(list) => read_items(r, list, &inner, parts, first_seen),
        None => r.error(node.pos, LoadErrorKind::MissingField("requests")),
    }
}

fn read_request(r: &mut Reader, node: &Node, inherited: &Inherited) -> Option<Request> {
    let fields = r.fields(node, "a request", REQUEST_FIELDS)?;
    let name = match fields.get("name") {
        Some(n) => r.string(n, "name"),
        None => {
            r.error(node.pos, LoadErrorKind::MissingField("name"));
            None
        }
    };
    let url = match fields.get("url") {
        Some(u) => r.tpl(u, "url"),
        None => {
            r.error(node.pos, LoadErrorKind::MissingField("url"));
            None
        }
    };
    let method = match fields.get("method") {
        Some(m) => read_method(r, m),
        None => Some(Tpl::Lit("GET".into())),
    };
    let query = fields
        .get("query")
        .map(|q| r.tvalue_map(q, "query"))
        .unwrap_or_default();
    let headers = fields
        .get("headers")
        .map(|h| r.tpl_map(h, "headers"))
        .unwrap_or_default();
    let body = read_body(r, &fields);
    let auth = match fields.get("auth") {
        Some(a) => read_auth(r, a).unwrap_or_else(|| inherited.auth.clone()),
        None => inherited.auth.clone(),
    };
    let assertions = fields
        .get("assert")
        .map(|a| read_assertions(r, a))
        .unwrap_or_default();
    let captures = fields
        .get("capture")
        .map(|c| read_captures(r, c))
        .unwrap_or_default();
    let (tags, conditions) = read_selection(r, &fields, inherited);
    let retry = fields.get("retry").and_then(|n| read_retry(r, n));
    let for_each = read_for_each(r, &fields, node);
    let paginate = fields.get("paginate").and_then(|n| read_paginate(r, n));
    let delay = fields
        .get("delay")
        .and_then(|n| read_duration(r, n, "delay"));
    let name = name?;
    Some(Request {
        path: format!("{}{name}", inherited.prefix),
        name,
        scope: inherited.scope,
        auth,
        tags,
        conditions,
        retry,
        delay,
        phase: inherited.phase,
        for_each,
        paginate,
        location: r.location(node.pos),
        method: method?,
        url: url?,
        query,
        headers,
        body,
        assertions,
        captures,
    })
}

/// `tags`, `when` and `skip_if` of a request or group, added to what it inherits.
fn read_selection(
    r: &mut Reader,
    fields: &Fields,
    inherited: &Inherited,
) -> (Vec<String>, Vec<Condition>) {
    let mut tags = inherited.tags.clone();
    if let Some(node) = fields.get("tags") {
        for item in r.seq(node, "tags").unwrap_or_default() {
            if let Some(tag) = r.string(item, "tags")
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
    }
    let mut conditions = inherited.conditions.clone();
    for (key, skip_if) in [("when", false), ("skip_if", true)] {
        if let Some(node) = fields.get(key)
            && let Some(source) = r.string(node, key)
        {
            let id = r.templates.expression(&source, r.location(node.pos), key);
            conditions.push(Condition {
                id,
                source,
                skip_if,
            });
        }
    }
    (tags, conditions)
}

/// `for_each: <<list>>` with `as: name`.
fn read_for_each(r: &mut Reader, fields: &Fields, node: &Node) -> Option<ForEach> {
    match (fields.get("for_each"), fields.get("as")) {
        (Some(items), Some(var)) => Some(ForEach {
            items: r.tpl(items, "for_each")?,
            var: r.string(var, "as")?,
        }),
        (Some(_), None) => {
            r.error(node.pos, LoadErrorKind::MissingField("as"));
            None
        }
        (None, Some(var)) => {
            r.error(
                var.pos,
                LoadErrorKind::Invalid("`as` goes with `for_each`".into()),
            );
            None
        }
        (None, None) => None,
    }
}

fn read_paginate(r: &mut Reader, node: &Node) -> Option<Paginate> {
    let fields = r.fields(node, "paginate", PAGINATE_FIELDS)?;
    let path = |r: &mut Reader, key: &str, default: &str| -> Option<Query> {
        match fields.get(key) {
            Some(n) => {
                let text = r.string(n, &format!("paginate.{key}"))?;
                read_query(r, n, &text)
            }
            None => read_query(r, node, default),
        }
    };
    Some(Paginate {
        next: path(r, "next", "$['@odata.nextLink']")?,
        items: path(r, "items", "$.value")?,
        max_pages: fields
            .get("max_pages")
            .and_then(|n| read_count(r, n, "paginate.max_pages"))
            .unwrap_or(50),
    })
}

/// `schema: file.json` (relative to the collection) or an inline schema map.
fn read_schema(r: &mut Reader, node: &Node) -> Option<Schema> {
    let (source, schema) = match &node.kind {
        NodeKind::Str(file) => {
            let path = r.dir().join(file);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    r.error(
                        node.pos,
                        LoadErrorKind::Invalid(format!(
                            "cannot read schema {}: {e}",
                            path.display()
                        )),
                    );
                    return None;
                }
            };
            // JSON, or YAML for schemas written alongside collections
            let value = serde_json::from_str(&text).ok().or_else(|| {
                crate::load::yaml::parse(&text)
                    .ok()
                    .and_then(|n| n.to_json())
            });
            match value {
                Some(v) => (file.clone(), v),
                None => {
                    r.error(
                        node.pos,
                        LoadErrorKind::Invalid(format!(
                            "{} is neither JSON nor YAML",
                            path.display()
                        )),
                    );
                    return None;
                }
            }
        }
        NodeKind::Map(_) => ("inline schema".to_string(), node.to_json()?),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: "assert.schema".into(),
                    expected: "a file name or a schema map",
                    found: node.type_name(),
                },
            );
            return None;
        }
    };
    match jsonschema::validator_for(&schema) {
        Ok(validator) => Some(Schema {
            source,
            validator: Arc::new(validator),
        }),
        Err(e) => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("invalid JSON Schema {source}: {e}")),
            );
            None
        }
    }
}

/// `snapshot: true`, `snapshot: file.json` or `snapshot: { file, ignore, headers }`.
fn read_snapshot(r: &mut Reader, node: &Node) -> Option<Snapshot> {
    let mut snapshot = Snapshot {
        file: None,
        ignore: Vec::new(),
        headers: Vec::new(),
    };
    match &node.kind {
        NodeKind::Bool(true) => {}
        NodeKind::Str(file) => snapshot.file = Some(PathBuf::from(file)),
        NodeKind::Map(_) => {
            let fields = r.fields(node, "assert.snapshot", SNAPSHOT_FIELDS)?;
            snapshot.file = fields
                .get("file")
                .and_then(|n| r.string(n, "assert.snapshot.file"))
                .map(PathBuf::from);
            if let Some(list) = fields.get("ignore") {
                for item in r.seq(list, "assert.snapshot.ignore").unwrap_or_default() {
                    if let Some(path) = r.string(item, "assert.snapshot.ignore") {
                        snapshot.ignore.extend(read_query(r, item, &path));
                    }
                }
            }
            if let Some(list) = fields.get("headers") {
                for item in r.seq(list, "assert.snapshot.headers").unwrap_or_default() {
                    snapshot.headers.extend(
                        r.string(item, "assert.snapshot.headers")
                            .map(|h| h.to_ascii_lowercase()),
                    );
                }
            }
        }
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: "assert.snapshot".into(),
                    expected: "true, a file name or a map",
                    found: node.type_name(),
                },
            );
            return None;
        }
    }
    Some(snapshot)
}

fn read_settings(r: &mut Reader, node: &Node) -> Settings {
    let Some(fields) = r.fields(node, "settings", SETTINGS_FIELDS) else {
        return Settings::default();
    };
    let duration =
        |r: &mut Reader, key: &str| fields.get(key).and_then(|n| read_duration(r, n, key));
    let flag = |r: &mut Reader, key: &str| fields.get(key).and_then(|n| r.bool(n, key));
    let text = |r: &mut Reader, key: &str| fields.get(key).and_then(|n| r.string(n, key));
    Settings {
        timeout: duration(r, "timeout"),
        connect_timeout: duration(r, "connect_timeout"),
        follow_redirects: flag(r, "follow_redirects"),
        cookies: flag(r, "cookies"),
        insecure: flag(r, "insecure"),
        ca_cert: text(r, "ca_cert").map(PathBuf::from),
        client_cert: text(r, "client_cert").map(PathBuf::from),
        client_key: text(r, "client_key").map(PathBuf::from),
        proxy: text(r, "proxy"),
        http2: flag(r, "http2"),
        max_response_bytes: fields.get("max_response_bytes").and_then(|n| {
            let text = r.string(n, "max_response_bytes")?;
            match crate::cli::parse_bytes(&text) {
                Ok(bytes) => Some(bytes),
                Err(message) => {
                    r.error(n.pos, LoadErrorKind::Invalid(message));
                    None
                }
            }
        }),
        max_retries: fields
            .get("max_retries")
            .and_then(|n| read_count(r, n, "max_retries")),
    }
}

fn read_retry(r: &mut Reader, node: &Node) -> Option<Retry> {
    let fields = r.fields(node, "retry", RETRY_FIELDS)?;
    let until = fields.get("until").and_then(|n| {
        let source = r.string(n, "retry.until")?;
        let id = r
            .templates
            .expression(&source, r.location(n.pos), "retry.until");
        Some(Condition {
            id,
            source,
            skip_if: false,
        })
    });
    Some(Retry {
        until,
        every: fields
            .get("every")
            .and_then(|n| read_duration(r, n, "retry.every")),
        max: fields
            .get("max")
            .and_then(|n| read_count(r, n, "retry.max")),
        unsafe_methods: fields
            .get("unsafe")
            .and_then(|n| r.bool(n, "retry.unsafe"))
            .unwrap_or(false),
        budget: fields
            .get("budget")
            .and_then(|n| read_duration(r, n, "retry.budget")),
    })
}

/// `250ms`, `2s`, `1m`, or a number of seconds.
fn read_duration(r: &mut Reader, node: &Node, what: &str) -> Option<Duration> {
    let text = r.string(node, what)?;
    match crate::cli::parse_duration(&text) {
        Ok(d) => Some(d),
        Err(message) => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("`{what}`: {message}")),
            );
            None
        }
    }
}

fn read_count(r: &mut Reader, node: &Node, what: &str) -> Option<u32> {
    match node.kind {
        NodeKind::Int(n) if (0..=u32::MAX as i64).contains(&n) => Some(n as u32),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: what.to_string(),
                    expected: "a whole number",
                    found: node.type_name(),
                },
            );
            None
        }
    }
}

/// `auth: none` gives `Some(None)`; a valid block `Some(Some(auth))`; an invalid one `None`.
fn read_auth(r: &mut Reader, node: &Node) -> Option<Option<Arc<Auth>>> {
    if let NodeKind::Str(s) = &node.kind
        && s == "none"
    {
        return Some(None);
    }
    let fields = r.fields(node, "auth", AUTH_KINDS)?;
    let kinds: Vec<&str> = AUTH_KINDS
        .iter()
        .copied()
        .filter(|k| fields.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(
                "`auth` takes exactly one of `bearer`, `basic`, `oauth2`, or `none`".into(),
            ),
        );
        return None;
    }
    let value = fields.get(kinds[0])?;
    let auth = match kinds[0] {
        "bearer" => Auth::Bearer(r.tpl(value, "auth.bearer")?),
        "basic" => {
            let basic = r.fields(value, "auth.basic", BASIC_FIELDS)?;
            Auth::Basic {
                username: required_tpl(r, &basic, value, "username", "auth.basic")?,
                password: required_tpl(r, &basic, value, "password", "auth.basic")?,
            }
        }
        _ => Auth::OAuth2(read_oauth2(r, value)?),
    };
    Some(Some(Arc::new(auth)))
}

fn required_tpl(
    r: &mut Reader,
    fields: &Fields,
    node: &Node,
    name: &'static str,
    what: &str,
) -> Option<Tpl> {
    match fields.get(name) {
        Some(v) => r.tpl(v, &format!("{what}.{name}")),
        None => {
            r.error(node.pos, LoadErrorKind::MissingField(name));
            None
        }
    }
}

fn read_oauth2(r: &mut Reader, node: &Node) -> Option<OAuth2> {
    let what = "auth.oauth2";
    let fields = r.fields(node, what, OAUTH2_FIELDS)?;
    let token_url = required_tpl(r, &fields, node, "token_url", what);
    let client_id = required_tpl(r, &fields, node, "client_id", what);
    let optional = |r: &mut Reader, name: &str| {
        fields
            .get(name)
            .and_then(|v| r.tpl(v, &format!("{what}.{name}")))
    };
    let client_secret = optional(r, "client_secret");
    let scope = optional(r, "scope");
    let grant_name = fields
        .get("grant")
        .and_then(|g| r.string(g, "auth.oauth2.grant"))
        .unwrap_or_else(|| "client_credentials".into());
    let grant = match grant_name.as_str() {
        "client_credentials" => Grant::ClientCredentials,
        "password" => Grant::Password {
            username: required_tpl(r, &fields, node, "username", what)?,
            password: required_tpl(r, &fields, node, "password", what)?,
        },
        "refresh_token" => {
            Grant::RefreshToken(required_tpl(r, &fields, node, "refresh_token", what)?)
        }
        other => {
            let pos = fields.get("grant").map_or(node.pos, |g| g.pos);
            r.error(
                pos,
                LoadErrorKind::Invalid(format!(
                    "unknown grant `{other}`; expected client_credentials, password or refresh_token"
                )),
            );
            return None;
        }
    };
    let send_as = match fields.get("send_as") {
        None => SendAs::Form,
        Some(v) => match r.string(v, "auth.oauth2.send_as")?.as_str() {
            "form" => SendAs::Form,
            "multipart" => SendAs::Multipart,
            "basic" => SendAs::Basic,
            other => {
                r.error(
                    v.pos,
                    LoadErrorKind::Invalid(format!(
                        "unknown send_as `{other}`; expected form, multipart or basic"
                    )),
                );
                return None;
            }
        },
    };
    let client_assertion = match fields.get("client_assertion") {
        Some(v) => {
            let cert_fields = r.fields(v, "auth.oauth2.client_assertion", &["cert", "key"])?;
            let file = |r: &mut Reader, key: &'static str| match cert_fields.get(key) {
                Some(n) => r.file_tpl(n, &format!("auth.oauth2.client_assertion.{key}")),
                None => {
                    r.error(v.pos, LoadErrorKind::MissingField(key));
                    None
                }
            };
            Some(ClientAssertion {
                cert: file(r, "cert")?,
                key: file(r, "key")?,
            })
        }
        None => None,
    };
    if client_secret.is_some() && client_assertion.is_some() {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(
                "give either `client_secret` or `client_assertion`, not both".into(),
            ),
        );
        return None;
    }
    Some(OAuth2 {
        location: r.location(node.pos),
        token_url: token_url?,
        client_id: client_id?,
        client_secret,
        scope,
        grant,
        send_as,
        client_assertion,
    })
}

fn read_method(r: &mut Reader, node: &Node) -> Option<Tpl> {
    match r.tpl(node, "method")? {
        Tpl::Lit(m) => {
            let upper = m.to_ascii_uppercase();
            if reqwest::Method::from_bytes(upper.as_bytes()).is_err() || upper.is_empty() {
                r.error(
                    node.pos,
                    LoadErrorKind::Invalid(format!("`{m}` is not an HTTP method")),
                );
                return None;
            }
            Some(Tpl::Lit(upper))
        }
        templated => Some(templated),
    }
}

fn read_body(r: &mut Reader, fields: &Fields) -> Option<Body> {
    let present: Vec<&str> = BODY_FIELDS
        .iter()
        .copied()
        .filter(|f| fields.get(f).is_some())
        .collect();
    if present.len() > 1 {
        let second = fields.key(present[1]).expect("present");
        r.error(
            second.pos,
            LoadErrorKind::TwoBodies(
                present
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
            ),
        );
        return None;
    }
    let kind = *present.first()?;
    let node = fields.get(kind)?;
    Some(match kind {
        "json" => Body::Json(r.tvalue(node, "json")),
        "form" => Body::Form(r.tvalue_map(node, "form")),
        "multipart" => Body::Multipart(read_multipart(r, node)),
        _ if matches!(node.kind, NodeKind::Map(_)) => {
            let fields = r.fields(node, "body", &["file"])?;
            match fields.get("file") {
                Some(path) => Body::File(r.file_tpl(path, "body.file")?),
                None => {
                    r.error(node.pos, LoadErrorKind::MissingField("file"));
                    return None;
                }
            }
        }
        _ => Body::Raw(r.tpl(node, "body")?),
    })
}

fn read_multipart(r: &mut Reader, node: &Node) -> Vec<(String, Part)> {
    let entries = r.map_entries(node, "multipart").unwrap_or_default();
    let mut parts = Vec::new();
    for (name, _, value) in entries {
        let what = format!("multipart.{name}");
        let part = if matches!(value.kind, NodeKind::Map(_)) {
            let Some(fields) = r.fields(value, &what, &["file"]) else {
                continue;
            };
            match fields.get("file") {
                Some(path) => match r.file_tpl(path, &format!("{what}.file")) {
                    Some(path) => Part::File(path),
                    None => continue,
                },
                None => {
                    r.error(value.pos, LoadErrorKind::MissingField("file"));
                    continue;
                }
            }
        } else {
            Part::Text(r.tvalue(value, &what))
        };
        parts.push((name.to_string(), part));
    }
    parts
}

fn read_assertions(r: &mut Reader, node: &Node) -> Vec<Assertion> {
    let Some(fields) = r.fields(node, "assert", ASSERT_FIELDS) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |r: &mut Reader, key: &Node, subject: Subject, check: Check| {
        out.push(Assertion {
            location: r.location(key.pos),
            subject,
            check,
        });
    };
    for name in ASSERT_FIELDS {
        let (Some(key), Some(value)) = (fields.key(name), fields.get(name)) else {
            continue;
        };
        match *name {
            "status" => {
                let matcher = match &value.kind {
                    NodeKind::Seq(items) => Matcher {
                        ops: vec![Op::OneOf(
                            items.iter().map(|i| r.tvalue(i, "assert.status")).collect(),
                        )],
                    },
                    _ => read_matcher(r, value, "assert.status"),
                };
                push(r, key, Subject::Status, Check::Matcher(matcher));
            }
            "headers" => {
                for (header, hkey, hvalue) in
                    r.map_entries(value, "assert.headers").unwrap_or_default()
                {
                    let matcher = read_matcher(r, hvalue, &format!("assert.headers.{header}"));
                    push(
                        r,
                        hkey,
                        Subject::Header(header.to_ascii_lowercase()),
                        Check::Matcher(matcher),
                    );
                }
            }
            "json" => {
                for (path, pkey, pvalue) in r.map_entries(value, "assert.json").unwrap_or_default()
                {
                    let query = read_query(r, pkey, path);
                    let matcher = read_matcher(r, pvalue, &format!("assert.json.{path}"));
                    if let Some(query) = query {
                        push(r, pkey, Subject::Json(query), Check::Matcher(matcher));
                    }
                }
            }
            "body" => {
                let matcher = read_matcher(r, value, "assert.body");
                push(r, key, Subject::Body, Check::Matcher(matcher));
            }
            "duration_ms" => {
                let matcher = read_matcher(r, value, "assert.duration_ms");
                push(r, key, Subject::DurationMs, Check::Matcher(matcher));
            }
            "schema" => {
                if let Some(schema) = read_schema(r, value) {
                    push(r, key, Subject::Body, Check::Schema(schema));
                }
            }
            "snapshot" => {
                if let Some(snapshot) = read_snapshot(r, value) {
                    push(r, key, Subject::Body, Check::Snapshot(snapshot));
                }
            }
            _ => {
                let items: Vec<&Node> = match &value.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![value],
                };
                for item in items {
                    if let Some(text) = r.string(item, "assert.expr") {
                        let location = r.location(item.pos);
                        let id = r.templates.expression(&text, location, "assert.expr");
                        push(r, item, Subject::Expr { id, source: text }, Check::Truthy);
                    }
                }
            }
        }
    }
    out
}

/// A JSONPath, parsed now so a typo is a load error.
pub(crate) fn read_query(r: &mut Reader, node: &Node, path: &str) -> Option<Query> {
    match Query::parse(path) {
        Ok(query) => Some(query),
        Err(e) => {
            r.error(
                node.pos,
                LoadErrorKind::JsonPath {
                    path: path.to_string(),
                    message: e.to_string(),
                },
            );
            None
        }
    }
}

fn read_regex(r: &mut Reader, node: &Node, what: &str) -> Option<Regex> {
    let pattern = r.string(node, what)?;
    match Regex::new(&pattern) {
        Ok(re) => Some(re),
        Err(e) => {
            let full = e.to_string();
            let last = full.lines().last().unwrap_or_default().trim();
            let message = last.strip_prefix("error: ").unwrap_or(last).to_string();
            r.error(node.pos, LoadErrorKind::Regex { pattern, message });
            None
        }
    }
}

/// A plain value means equality; a map whose keys are (or nearly are) operators is a matcher.
pub(crate) fn read_matcher(r: &mut Reader, node: &Node, what: &str) -> Matcher {
    let NodeKind::Map(entries) = &node.kind else {
        return Matcher {
            ops: vec![Op::Eq(r.tvalue(node, what))],
        };
    };
    let looks_like_operators = entries.iter().any(|(k, _)| {
        k.scalar_text().is_some_and(|k| {
            OPERATORS.contains(&k.as_str())
                || suggest::closest(&k, OPERATORS.iter().copied()).is_some()
        })
    });
    if !looks_like_operators {
        return Matcher {
            ops: vec![Op::Eq(r.tvalue(node, what))],
        };
    }
    let mut ops = Vec::new();
    for (op, key, value) in r.map_entries(node, what).unwrap_or_default() {
        let operand_what = format!("{what}.{op}");
        let parsed = match op {
            "eq" => Some(Op::Eq(r.tvalue(value, &operand_what))),
            "ne" => Some(Op::Ne(r.tvalue(value, &operand_what))),
            "gt" => Some(Op::Gt(r.tvalue(value, &operand_what))),
            "gte" => Some(Op::Gte(r.tvalue(value, &operand_what))),
            "lt" => Some(Op::Lt(r.tvalue(value, &operand_what))),
            "lte" => Some(Op::Lte(r.tvalue(value, &operand_what))),
            "contains" => Some(Op::Contains(r.tvalue(value, &operand_what))),
            "not_contains" => Some(Op::NotContains(r.tvalue(value, &operand_what))),
            "starts_with" => Some(Op::StartsWith(r.tvalue(value, &operand_what))),
            "ends_with" => Some(Op::EndsWith(r.tvalue(value, &operand_what))),
            "matches" => read_regex(r, value, &operand_what).map(Op::Matches),
            "exists" => r.bool(value, &operand_what).map(Op::Exists),
            "type" => read_type(r, value, &operand_what).map(Op::Type),
            "length" => Some(Op::Length(read_matcher(r, value, &operand_what))),
            "one_of" => r
                .seq(value, &operand_what)
                .map(|items| Op::OneOf(items.iter().map(|i| r.tvalue(i, &operand_what)).collect())),
            unknown => {
                r.error(
                    key.pos,
                    LoadErrorKind::UnknownOperator {
                        name: unknown.to_string(),
                        suggestion: suggest::closest(unknown, OPERATORS.iter().copied()),
                    },
                );
                None
            }
        };
        ops.extend(parsed);
    }
    Matcher { ops }
}

fn read_type(r: &mut Reader, node: &Node, what: &str) -> Option<JsonType> {
    let name = r.string(node, what)?;
    let parsed = JsonType::parse(&name);
    if parsed.is_none() {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "unknown type `{name}`; expected string, number, integer, bool, object, array or null"
            )),
        );
    }
    parsed
}

fn read_captures(r: &mut Reader, node: &Node) -> Vec<Capture> {
    let mut out = Vec::new();
    for (name, key, list) in r.map_entries(node, "capture").unwrap_or_default() {
        // a list: captures of one variable, made in order (each under its own `when`)
        let values: Vec<&Node> = match &list.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![list],
        };
        for value in values {
            read_capture(r, &mut out, name, key, value);
        }
    }
    out
}

/// One capture map (or JSONPath) of `name`.
fn read_capture(r: &mut Reader, out: &mut Vec<Capture>, name: &str, key: &Node, value: &Node) {
    let secret = secret_flag(r, value, name);
    let source = match &value.kind {
        NodeKind::Str(path) => read_query(r, value, path).map(CaptureSource::Json),
        NodeKind::Map(_) => read_capture_source(r, value, name),
        _ => {
            r.error(
                value.pos,
                LoadErrorKind::WrongType {
                    field: format!("capture.{name}"),
                    expected: "a JSONPath or a map",
                    found: value.type_name(),
                },
            );
            None
        }
    };
    if let Some(source) = source {
        let (optional, default, when) = capture_conditions(r, value, name);
        out.push(Capture {
            name: name.to_string(),
            location: r.location(key.pos),
            source,
            secret,
            optional,
            default,
            when,
        });
    }
}

/// `optional: true`, `default: VALUE` and `when: EXPR` of a capture map.
fn capture_conditions(
    r: &mut Reader,
    node: &Node,
    name: &str,
) -> (
    bool,
    Option<serde_json::Value>,
    Option<crate::template::TemplateId>,
) {
    let NodeKind::Map(entries) = &node.kind else {
        return (false, None, None);
    };
    let field = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
            .map(|(_, v)| v)
    };
    let optional = field("optional")
        .and_then(|v| r.bool(v, &format!("capture.{name}.optional")))
        .unwrap_or(false);
    let default = field("default").and_then(Node::to_json);
    let when = field("when").and_then(|v| {
        let text = r.string(v, &format!("capture.{name}.when"))?;
        let location = r.location(v.pos);
        Some(r.templates.expression(&text, location, "capture.when"))
    });
    (optional, default, when)
}

/// `secret: true` on a capture map.
fn secret_flag(r: &mut Reader, node: &Node, name: &str) -> bool {
    let NodeKind::Map(entries) = &node.kind else {
        return false;
    };
    entries
        .iter()
        .find(|(k, _)| k.scalar_text().as_deref() == Some("secret"))
        .and_then(|(_, v)| r.bool(v, &format!("capture.{name}.secret")))
        .unwrap_or(false)
}

fn read_capture_source(r: &mut Reader, node: &Node, name: &str) -> Option<CaptureSource> {
    let what = format!("capture.{name}");
    let fields = r.fields(node, &what, CAPTURE_FIELDS)?;
    let kinds: Vec<&str> = ["json", "header", "regex", "status"]
        .into_iter()
        .filter(|k| fields.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(format!(
                "{what} needs exactly one of `json`, `header`, `regex`, `status`"
            )),
        );
        return None;
    }
    if fields.get("from").is_some() && kinds[0] != "regex" {
        let key = fields.key("from").expect("present");
        r.error(
            key.pos,
            LoadErrorKind::Invalid("`from` goes with `regex`".into()),
        );
    }
    let value = fields.get(kinds[0])?;
    match kinds[0] {
        "json" => {
            let path = r.string(value, &format!("{what}.json"))?;
            read_query(r, value, &path).map(CaptureSource::Json)
        }
        "header" => r
            .string(value, &format!("{what}.header"))
            .map(CaptureSource::Header),
        "regex" => {
            let regex = read_regex(r, value, &format!("{what}.regex"))?;
            let header = match fields.get("from") {
                Some(from) => read_from(r, from, &what)?,
                None => None,
            };
            Some(CaptureSource::Regex { regex, header })
        }
        _ => match r.bool(value, &format!("{what}.status"))? {
            true => Some(CaptureSource::Status),
            false => {
                r.error(
                    value.pos,
                    LoadErrorKind::Invalid("`status: false` captures nothing".into()),
                );
                None
            }
        },
    }
}

/// `from: body` or `from: header NAME`.
fn read_from(r: &mut Reader, node: &Node, what: &str) -> Option<Option<String>> {
    let text = r.string(node, &format!("{what}.from"))?;
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("body"), None, None) => Some(None),
        (Some("header"), Some(name), None) => Some(Some(name.to_string())),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("`from: {text}`: expected `body` or `header NAME`")),
            );
            None
        }
    }
}
