//! Static checks of a loaded collection for `runner validate`: every variable a request reads
//! is defined before it (vars, environment, `--var`, group vars, include parameters, earlier
//! captures, the loop variable); captures and collection vars nobody reads are warnings.

use std::collections::HashSet;

use crate::location::Location;
use crate::model::Collection;
use crate::run::select::request_templates;
use crate::template::Templates;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run would fail.
    Error,
    /// Probably a mistake; the run would work.
    Warning,
}

/// One finding with its place.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
    /// The variable an undefined-variable finding is about (the language server names the
    /// environments that lack it).
    pub undefined: Option<String>,
}

/// Names that need no definition: the response in expressions, and the template globals.
const ALWAYS_DEFINED: &[&str] = &["response", "mock_url"];

/// Checks a collection, given the variable names defined outside it (environment, `--var`).
pub fn lint(collection: &Collection, outside: &HashSet<String>) -> Vec<Finding> {
    let templates = &collection.templates;
    let mut findings = Vec::new();
    let mut defined: HashSet<String> = outside.clone();
    defined.extend(ALWAYS_DEFINED.iter().map(|s| s.to_string()));
    // a collection var built from a name only a capture sets exists once that capture is made
    let mut waiting = waiting_vars(collection, &defined);
    defined.extend(
        collection
            .vars
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !waiting.iter().any(|(w, _)| w == n)),
    );
    let mut used: HashSet<String> = HashSet::new();
    // variables that read other variables count as reads
    for (_, value) in collection.vars.iter().chain(
        collection
            .scopes
            .iter()
            .flat_map(|s| s.vars.iter().chain(&s.params)),
    ) {
        used.extend(crate::run::vars::referenced(value, templates));
    }
    for request in &collection.requests {
        // looked up in place: a copy of `defined` per request is quadratic in the captures
        let scope = scope_names(collection, request.scope);
        let for_each = request.for_each.as_ref().map(|f| f.var.as_str());
        let visible = |name: &str| {
            defined.contains(name) || scope.iter().any(|s| s == name) || for_each == Some(name)
        };
        // captures happen before assertions: those may read the request's own captures
        let own_captures: HashSet<String> =
            request.captures.iter().map(|c| c.name.clone()).collect();
        for id in request_templates(request) {
            for name in templates.variables(id) {
                used.insert(name.clone());
                let after_response = templates.field(id).starts_with("assert");
                if visible(&name) || (after_response && own_captures.contains(&name)) {
                    continue;
                }
                let candidates = defined.iter().chain(&scope).map(String::as_str);
                let suggestion = crate::suggest::closest(&name, candidates.chain(for_each));
                findings.push(Finding {
                    severity: Severity::Error,
                    undefined: Some(name.clone()),
                    location: templates.location(id).clone(),
                    message: format!(
                        "undefined variable `{name}` in {} of request `{}`{}",
                        templates.field(id),
                        request.path,
                        suggestion
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default()
                    ),
                });
            }
        }
        for (_, missing) in waiting.iter_mut() {
            missing.retain(|name| !own_captures.contains(name));
        }
        defined.extend(own_captures);
        waiting.retain(|(name, missing)| {
            if missing.is_empty() {
                defined.insert(name.clone());
            }
            !missing.is_empty()
        });
    }
    findings.extend(unused(collection, &used));
    findings
}

/// Warnings for captures and collection vars that nothing reads.
fn unused(collection: &Collection, used: &HashSet<String>) -> Vec<Finding> {
    let mut unused = Vec::new();
    for request in &collection.requests {
        for capture in &request.captures {
            if !used.contains(&capture.name) {
                unused.push(Finding {
                    severity: Severity::Warning,
                    undefined: None,
                    location: capture.location.clone(),
                    message: format!(
                        "capture `{}` of request `{}` is never used",
                        capture.name, request.path
                    ),
                });
            }
        }
    }
    for (name, location) in &collection.var_locations {
        if !used.contains(name) {
            unused.push(Finding {
                severity: Severity::Warning,
                undefined: None,
                location: location.clone(),
                message: format!("variable `{name}` is never used"),
            });
        }
    }
    unused
}

/// Collection vars that read (directly or through other vars) names neither the outside nor
/// the collection vars define, with those names: captures they wait for.
fn waiting_vars(
    collection: &Collection,
    outside: &HashSet<String>,
) -> Vec<(String, HashSet<String>)> {
    let vars: std::collections::HashMap<&str, Vec<String>> = collection
        .vars
        .iter()
        .map(|(n, v)| {
            (
                n.as_str(),
                crate::run::vars::referenced(v, &collection.templates),
            )
        })
        .collect();
    let mut out = Vec::new();
    for name in vars.keys() {
        let mut missing = HashSet::new();
        let mut seen = HashSet::new();
        let mut stack = vec![*name];
        while let Some(current) = stack.pop() {
            if !seen.insert(current) {
                continue;
            }
            for reference in vars.get(current).into_iter().flatten() {
                if vars.contains_key(reference.as_str()) {
                    stack.push(reference);
                } else if !outside.contains(reference) {
                    missing.insert(reference.clone());
                }
            }
        }
        if !missing.is_empty() && !outside.contains(*name) {
            out.push((name.to_string(), missing));
        }
    }
    out
}

/// Names defined by the groups (and includes) around a request.
fn scope_names(collection: &Collection, scope: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = Some(scope);
    while let Some(index) = current {
        let s = &collection.scopes[index];
        names.extend(s.vars.iter().chain(&s.params).map(|(n, _)| n.clone()));
        current = s.parent;
    }
    names
}

/// What a run would find outside the files: `env("NAME")`/`secret("NAME")` (without a
/// default) whose variable is not set, and `mock_url` read without `--mock`. Warnings: the
/// variables may be set where the run happens (CI secrets).
pub fn lint_outside(
    templates: &Templates,
    mock: bool,
    is_set: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let calls = regex::Regex::new(r#"\b(env|secret)\(\s*(?:"([^"]*)"|'([^']*)')\s*(,)?"#)
        .expect("a valid regex");
    let mut findings: Vec<Finding> = Vec::new();
    for id in templates.ids() {
        let mut messages = Vec::new();
        for found in calls.captures_iter(templates.source(id)) {
            let name = found
                .get(2)
                .or_else(|| found.get(3))
                .map_or("", |m| m.as_str());
            let has_default = found.get(4).is_some();
            if !has_default && !name.is_empty() && !is_set(name) {
                messages.push(format!(
                    "`{}(\"{name}\")`: `{name}` is not set in the environment or .env; a run fails here",
                    &found[1]
                ));
            }
        }
        if !mock && templates.variables(id).iter().any(|v| v == "mock_url") {
            messages.push(
                "`mock_url` is set only by `runner run --mock FILE`; without --mock a run fails here"
                    .to_string(),
            );
        }
        for message in messages {
            let location = templates.location(id).clone();
            if !findings
                .iter()
                .any(|f| f.location == location && f.message == message)
            {
                findings.push(Finding {
                    severity: Severity::Warning,
                    location,
                    message,
                    undefined: None,
                });
            }
        }
    }
    findings
}
