//! Postman collections (v2.0, v2.1) → collection YAML: folders become groups, `{{var}}`
//! becomes `<<var>>`, bodies, headers, query and auth of every level carry over, and test
//! scripts become assertions and captures where a known pattern is found. Everything else is
//! kept as a `# postman:` comment and listed in the `Report`. Pure: text in, text out.

mod auth;
mod body;
mod captures;
pub mod checks;
mod converter;
mod environment;
mod events;
mod expr;
pub mod model;
mod path;
mod request;
mod script;
mod url;

use std::collections::HashSet;

use serde_json::Value;

pub use environment::{convert_environment, parse_environment};

use crate::import::placeholder::{self, PlaceholderNote};
use crate::import::report::{Place, Report, Topic};
use crate::import::yaml::{self, Item, Yaml};
use checks::Assertions;
use converter::Converter;
pub use converter::{Generated, Known};

/// Parses a collection export. Version 1 exports and other JSON are refused with a reason.
pub fn parse_collection(text: &str) -> Result<model::Collection, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(object) = value.as_object_mut() else {
        return Err("the file holds JSON but not an object".into());
    };
    if object.contains_key("requests") && object.contains_key("order") {
        return Err(
            "this is a Postman collection v1 export; export it again as v2.1 (Collection → Export)"
                .into(),
        );
    }
    // newman also reads `items` for `item`, and a collection without `info`
    if !object.contains_key("item")
        && let Some(items) = object.remove("items")
    {
        object.insert("item".into(), items);
    }
    if !object.contains_key("info") {
        if !object.contains_key("item") {
            let hint = if object.contains_key("values") {
                " (it looks like an environment: pass it with --env)"
            } else {
                ""
            };
            return Err(format!(
                "neither `info` nor `item`, so not a Postman collection{hint}"
            ));
        }
        let mut info = serde_json::Map::new();
        if let Some(name) = object.remove("name") {
            info.insert("name".into(), name);
        }
        object.insert("info".into(), Value::Object(info));
    }
    serde_json::from_value(value).map_err(|e| format!("unexpected shape: {e}"))
}

/// Converts a parsed collection into collection YAML, recording what it could not convert.
pub fn convert_collection(collection: &model::Collection, report: &mut Report) -> Generated {
    let mut c = Converter::new(report, &known_names(collection));
    let name = collection
        .info
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Imported collection".into());
    let version = c.schema_version(collection.info.schema.as_deref());
    let top = Place::collection();
    c.ignored(&top, &collection.other, &[]);
    c.ignored(&top, &collection.info.other, METADATA);

    let mut header = vec![
        "yaml-language-server: $schema=../schema/collection.schema.json".to_string(),
        format!(
            "Imported from the Postman collection \"{name}\" ({version}) by `runner import postman`."
        ),
        "Lines marked `postman:` were not converted; IMPORT-REPORT.md lists them all.".into(),
    ];
    header.extend(description_lines(collection.info.description.as_ref()));

    let mut root = Yaml::map();
    root.insert("name", Yaml::str(&name));
    let vars = c.variables(&collection.variable, &top, "collection variable");
    if !vars.is_empty_collection() {
        root.insert("vars", vars);
    }
    let settings = c.settings(collection.protocol_profile_behavior.as_ref(), &top, true);
    if !settings.is_empty_collection() {
        root.insert("settings", settings);
    }
    let (level, auth_comment) = c.auth(collection.auth.as_ref(), &top);
    let scripts = c.scripts(&collection.event, &top);
    let mut scope = Scope {
        place: top.clone(),
        api_key: None,
        checks: Assertions::default(),
        keep_bodies: keeps_bodies(collection.protocol_profile_behavior.as_ref(), false),
    };
    apply_level(&mut root, &mut scope, level, auth_comment);
    let comments = c.folder_scripts(scripts, &mut scope);
    header.extend(comments);
    let requests = c.items(&collection.item, &scope);
    root.insert("requests", Yaml::Seq(requests));
    Generated {
        stem: crate::import::slug(&name),
        text: yaml::document(&header, &root),
    }
}

/// Walks the requests once for `Known`.
pub fn known_names(collection: &model::Collection) -> Known {
    fn walk(items: &[model::Item], out: &mut Known) {
        for item in items {
            if let Some(children) = &item.item {
                walk(children, out);
                continue;
            }
            for event in item
                .event
                .iter()
                .filter(|e| e.listen.as_deref() == Some("test"))
            {
                if let Some(exec) = event.script.as_ref().and_then(|s| s.exec.as_ref()) {
                    let t = script::translate(&exec.lines(), true);
                    out.captured
                        .extend(t.captures.into_iter().map(|(_, c)| c.name));
                }
            }
            if let Some(model::RequestSpec::Full(request)) = &item.request
                && let Some(raw) = request.body.as_ref().and_then(|b| b.raw.as_deref())
            {
                out.typed.extend(body::bare_json_names(raw));
            }
        }
    }
    let mut out = Known::default();
    walk(&collection.item, &mut out);
    out
}

/// Keys of `info` and items that are metadata: not converted, not worth a report line.
const METADATA: &[&str] = &[
    "_postman_id",
    "_exporter_id",
    "_collection_link",
    "id",
    "uid",
    "version",
    "updatedAt",
    "createdAt",
    "lastUpdatedBy",
    "owner",
    "fork",
    "_postman_isSubFolder",
];

/// What a request inherits from the folders around it.
#[derive(Clone)]
struct Scope {
    place: Place,
    /// An `apikey` auth of a folder: sent as a header or query parameter by each request.
    api_key: Option<auth::ApiKey>,
    /// Assertions of folder test scripts, which Postman runs after every request inside.
    checks: Assertions,
    /// `disableBodyPruning`: GET, HEAD, COPY, PURGE and UNLOCK requests below send their body.
    keep_bodies: bool,
}

/// Whether a level's `protocolProfileBehavior` keeps bodies of GET-like requests (its
/// `disableBodyPruning`, else the enclosing level's).
fn keeps_bodies(behavior: Option<&std::collections::BTreeMap<String, Value>>, outer: bool) -> bool {
    behavior
        .and_then(|b| b.get("disableBodyPruning"))
        .and_then(Value::as_bool)
        .unwrap_or(outer)
}

impl<'r> Converter<'r> {
    fn new(report: &'r mut Report, known: &Known) -> Self {
        Converter {
            report,
            secret_values: Vec::new(),
            renamed: HashSet::new(),
            captured: known.captured.clone(),
            typed: known.typed.clone(),
        }
    }

    fn schema_version(&mut self, schema: Option<&str>) -> &'static str {
        match schema {
            Some(s) if s.contains("v2.1") => "v2.1",
            Some(s) if s.contains("v2.0") => "v2.0",
            other => {
                self.report.add(
                    Topic::Note,
                    &Place::collection(),
                    format!(
                        "schema {} is not v2.0 or v2.1; read as v2.1",
                        other.unwrap_or("(none)")
                    ),
                );
                "v2.1"
            }
        }
    }

    /// A Postman text with its placeholders converted; renames and dynamic variables reported.
    fn text(&mut self, text: &str, place: &Place) -> String {
        let (converted, notes) = placeholder::convert(text);
        for note in notes {
            match note {
                PlaceholderNote::Renamed { from, to } => self.renamed_var(&from, &to),
                PlaceholderNote::Dynamic(name) => self.report.add(
                    Topic::Setting,
                    place,
                    format!("dynamic variable {{{{{name}}}}} has no equivalent; left as text"),
                ),
            }
        }
        converted
    }

    fn renamed_var(&mut self, from: &str, to: &str) {
        if self.renamed.insert(from.to_string()) {
            self.report.add(
                Topic::Note,
                &Place::collection(),
                format!("variable `{from}` is called `{to}` (template names allow letters, digits and `_`)"),
            );
        }
    }

    /// `<<secret("NAME")>>` for a literal secret found in the collection; the value itself is
    /// never written. The same value gets the same name.
    fn secret_ref(&mut self, hint: &str, value: &str, source: String) -> String {
        let env = match self.secret_values.iter().find(|(v, _)| v == value) {
            Some((_, env)) => env.clone(),
            None => {
                let base = placeholder::env_name(hint);
                let mut env = base.clone();
                let mut n = 2;
                while self.secret_values.iter().any(|(_, e)| *e == env) {
                    env = format!("{base}_{n}");
                    n += 1;
                }
                self.secret_values.push((value.to_string(), env.clone()));
                env
            }
        };
        self.report.secret(&env, source);
        format!("<<secret(\"{env}\")>>")
    }

    /// A value that may be secret: a literal is replaced by `secret(...)`, a template is kept.
    fn credential(&mut self, raw: &str, hint: &str, place: &Place, what: &str) -> String {
        if raw.is_empty() || !placeholder::find_placeholders(raw).is_empty() {
            return self.text(raw, place);
        }
        self.secret_ref(hint, raw, format!("{what} at {place}"))
    }

    /// Unknown keys of an object, reported; `quiet` keys are metadata and skipped.
    fn ignored(&mut self, place: &Place, other: &model::Other, quiet: &[&str]) {
        for key in other.keys() {
            if !quiet.contains(&key.as_str()) {
                self.report.add(
                    Topic::Ignored,
                    place,
                    format!("key `{key}` is not part of what the importer knows; not converted"),
                );
            }
        }
    }

    /// Collection, folder or URL variables → a `vars:` map.
    fn variables(&mut self, vars: &[model::Variable], place: &Place, what: &str) -> Yaml {
        let mut out = Yaml::map();
        for var in vars {
            let Some(name) = var.name() else {
                self.report
                    .add(Topic::Ignored, place, format!("a {what} without a name"));
                continue;
            };
            if !var.is_on() {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("disabled {what} `{name}` left out"),
                );
                continue;
            }
            let key = placeholder::var_name(name);
            if key != name {
                self.renamed_var(name, &key);
            }
            let yaml = self.variable_value(name, var, place, format!("{what} `{name}`"));
            out.insert(&key, yaml);
        }
        out
    }

    /// A variable's value with templates converted. A secret is written as `secret("NAME")`,
    /// or left empty when a test script captures it anyway (a saved token, say).
    fn variable_value(
        &mut self,
        name: &str,
        var: &model::Variable,
        place: &Place,
        source: String,
    ) -> Yaml {
        let value = var.value.clone().unwrap_or(Value::Null);
        if self.typed.contains(&placeholder::var_name(name))
            && let Some(Value::String(text)) = &var.value
            && let Ok(typed @ (Value::Number(_) | Value::Bool(_))) =
                serde_json::from_str::<Value>(text.trim())
        {
            return Yaml::from_json(&typed);
        }
        let typed_secret = var.kind.as_deref() == Some("secret");
        let secret = typed_secret || is_secret_var(name);
        let literal = match &value {
            Value::Null => typed_secret,
            // a secret-typed value is a secret even when the export left it empty
            Value::String(s) => {
                (typed_secret || !s.is_empty()) && placeholder::find_placeholders(s).is_empty()
            }
            _ => true,
        };
        if secret && literal {
            if self.captured.contains(&placeholder::var_name(name)) {
                self.report.add(
                    Topic::Note,
                    place,
                    format!("saved value of `{name}` not written: a test script captures it during the run"),
                );
                return Yaml::str("");
            }
            return Yaml::str(self.secret_ref(name, &model::value_text(&value), source));
        }
        match &value {
            Value::String(s) => Yaml::str(self.text(s, place)),
            Value::Null => Yaml::str(""),
            other => Yaml::from_json(other),
        }
    }

    /// `protocolProfileBehavior`: the collection's maps to `settings:`; elsewhere reported.
    fn settings(
        &mut self,
        behavior: Option<&std::collections::BTreeMap<String, Value>>,
        place: &Place,
        collection_level: bool,
    ) -> Yaml {
        let mut out = Yaml::map();
        for (key, value) in behavior.into_iter().flatten() {
            let flag = value.as_bool();
            let setting = match (key.as_str(), flag) {
                // the runner sends a body with any method, as this asks Postman to
                ("disableBodyPruning", _) => continue,
                ("followRedirects", Some(b)) => Some(("follow_redirects", b)),
                ("strictSSL", Some(b)) => Some(("insecure", !b)),
                ("disableCookies", Some(b)) => Some(("cookies", !b)),
                _ => None,
            };
            match setting {
                Some((name, b)) if collection_level => out.insert(name, Yaml::Bool(b)),
                Some((name, _)) => self.report.add(
                    Topic::Setting,
                    place,
                    format!("`{key}: {value}` applies to the whole collection here (settings.{name}); not converted for one folder or request"),
                ),
                None => self.report.add(
                    Topic::Setting,
                    place,
                    format!("setting `{key}: {value}` not converted"),
                ),
            }
        }
        out
    }

    /// Folders and requests of one level, names made unique within it.
    fn items(&mut self, items: &[model::Item], scope: &Scope) -> Vec<Item> {
        let mut used = HashSet::new();
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let base = item
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("request {}", index + 1));
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base} ({n})");
                n += 1;
            }
            let place = scope.place.child(&name);
            if name != base {
                self.report.add(
                    Topic::Note,
                    &place,
                    format!("renamed from `{base}`: names must be unique within a folder"),
                );
            }
            let converted = match (&item.item, &item.request) {
                (Some(children), _) => self.folder(item, children, &name, scope, place),
                (None, Some(request)) => self.request(item, request, &name, scope, place),
                (None, None) => {
                    self.report.add(
                        Topic::Ignored,
                        &place,
                        "an item that is neither a folder nor a request",
                    );
                    continue;
                }
            };
            out.push(converted);
        }
        out
    }

    /// A folder → a group with its vars, auth and requests; its scripts' assertions go to
    /// every request inside.
    fn folder(
        &mut self,
        item: &model::Item,
        children: &[model::Item],
        name: &str,
        scope: &Scope,
        place: Place,
    ) -> Item {
        self.report.counts.groups += 1;
        self.ignored(&place, &item.other, METADATA);
        if item.request.is_some() {
            self.report.add(
                Topic::Ignored,
                &place,
                "a folder with a `request` key; the request is left out",
            );
        }
        let mut group = Yaml::map();
        group.insert("group", Yaml::str(name));
        let vars = self.variables(&item.variable, &place, "folder variable");
        if !vars.is_empty_collection() {
            group.insert("vars", vars);
        }
        // reported there; only the collection's settings can be converted
        let _ = self.settings(item.protocol_profile_behavior.as_ref(), &place, false);
        let (level, auth_comment) = self.auth(item.auth.as_ref(), &place);
        let mut inner = Scope {
            place: place.clone(),
            keep_bodies: keeps_bodies(item.protocol_profile_behavior.as_ref(), scope.keep_bodies),
            ..scope.clone()
        };
        apply_level(&mut group, &mut inner, level, auth_comment);
        let scripts = self.scripts(&item.event, &place);
        let mut comments = description_lines(item.description.as_ref());
        comments.extend(self.folder_scripts(scripts, &mut inner));
        let requests = self.items(children, &inner);
        group.insert("requests", Yaml::Seq(requests));
        Item {
            comments,
            value: group,
        }
    }
}

/// Puts an item's own auth into its map and scope.
fn apply_level(map: &mut Yaml, scope: &mut Scope, level: auth::Level, comment: Vec<String>) {
    match level {
        auth::Level::Inherit => {}
        auth::Level::Set(value) => {
            scope.api_key = None;
            map.insert_commented("auth", value, comment);
        }
        auth::Level::ApiKey(key) => {
            // the runner has no API-key auth: the group turns inherited auth off and every
            // request inside sends the key itself
            scope.api_key = Some(key);
            map.insert_commented("auth", Yaml::str("none"), comment);
        }
    }
}

/// The first lines of a description, as comment lines.
fn description_lines(description: Option<&model::Description>) -> Vec<String> {
    let Some(text) = description.and_then(model::Description::text) else {
        return Vec::new();
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out: Vec<String> = lines.iter().take(4).map(|l| l.to_string()).collect();
    if lines.len() > 4 {
        out.push("…".into());
    }
    out
}

/// Variable names whose values are secrets even when Postman does not say so.
fn is_secret_var(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "secret", "password", "passwd", "apikey", "api_key", "api-key",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || lower.ends_with("token")
}
