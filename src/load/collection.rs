//! A collection file's tree → `model::Collection`: every field checked, every error kept.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::load::auth::read_auth;
use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::files::{parse_yaml, read_text};
use crate::load::keys::{COLLECTION_FIELDS, GROUP_FIELDS, INCLUDE_FIELDS, INCLUDED_FILE_FIELDS};
use crate::load::reader::{Reader, finish};
use crate::load::request::{Inherited, read_request, read_selection};
use crate::load::settings::read_settings;
use crate::load::yaml::{Node, NodeKind};
use crate::model::{Collection, Phase, Request, Scope, Settings};
use crate::secrets::Secrets;
use crate::template::TValue;

/// Loads and checks a collection file completely.
/// Templates are compiled with `secrets`, which `secret()` registers in.
pub fn load_collection(path: &Path, secrets: &Secrets) -> Result<Collection, Vec<LoadError>> {
    let text = read_text(path).map_err(|e| vec![e])?;
    load_collection_text(path, &text, secrets)
}

/// Loads and checks a collection whose text is given (an editor's unsaved buffer) rather than
/// read from `path`; included files are still read from disk, relative to `path`.
pub fn load_collection_text(
    path: &Path,
    text: &str,
    secrets: &Secrets,
) -> Result<Collection, Vec<LoadError>> {
    let file: Arc<Path> = Arc::from(path);
    let root = parse_yaml(&file, text).map_err(|e| vec![e])?;
    let mut r = Reader::new(file, text);
    let parts = read_collection(&mut r, &root);
    let templates = finish(&mut r, secrets)?;
    let name = parts.name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Collection {
        name,
        path: path.to_path_buf(),
        dir,
        vars: parts.vars,
        requests: parts.requests,
        scopes: parts.scopes,
        settings: parts.settings,
        var_locations: parts.var_locations,
        templates: Arc::new(templates),
    })
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
    pub var_locations: Vec<(String, crate::location::Location)>,
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
        r.missing(&fields, root, "requests");
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
    let text = match read_text(&path) {
        Ok(text) => text,
        Err(e) => {
            r.error(path_node.pos, *e.kind);
            return;
        }
    };
    let file: Arc<Path> = Arc::from(path.as_path());
    let root = match parse_yaml(&file, &text) {
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
    let rebase = r
        .rebase()
        .join(Path::new(&relative).parent().unwrap_or(Path::new("")));
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
    let auth = inherited.auth_or(r, &fields);
    let inner = Inherited {
        prefix: format!("{}{name}/", inherited.prefix),
        scope: parts.scopes.len() - 1,
        auth,
        ..inherited.clone()
    };
    match fields.get("requests") {
        Some(list) => read_items(r, list, &inner, parts, first_seen),
        None => r.missing(&fields, root, "requests"),
    }
}

/// `{ group: name, requests: [...] }`: its own variable scope, auth and selection.
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
    let auth = inherited.auth_or(r, &fields);
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
        None => r.missing(&fields, node, "requests"),
    }
}
