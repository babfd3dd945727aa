//! The variables a request can read, each with where it comes from: collection `vars`,
//! group `vars` and include parameters, environments, captures of earlier requests, the loop
//! variable, and the names that are always there.

use super::environments::Environments;
use crate::location::Location;
use crate::model::{Collection, Request};

/// Where a variable a request can read is set.
#[derive(Debug, Clone)]
pub enum Origin {
    /// The collection's `vars:`, at this place.
    Vars(Option<Location>),
    /// A group's `vars:` or an include's `with:` around the request.
    Group,
    /// These environments define it.
    Environment(Vec<String>),
    /// This request (at this place) captures it.
    Capture {
        /// The capturing request's path.
        request: String,
        /// Where the capture is written.
        location: Location,
    },
    /// The request's `for_each` variable.
    Loop,
    /// `response` (in assertions) and `mock_url` (with `--mock`).
    Builtin,
}

impl Origin {
    /// A short description for completion details and hovers.
    pub fn describe(&self) -> String {
        match self {
            Origin::Vars(Some(l)) => format!("collection vars, line {}", l.line),
            Origin::Vars(None) => "collection vars".to_string(),
            Origin::Group => "group vars or include parameters".to_string(),
            Origin::Environment(envs) => format!("environment: {}", envs.join(", ")),
            Origin::Capture { request, location } => {
                format!("captured by `{request}` (line {})", location.line)
            }
            Origin::Loop => "for_each variable".to_string(),
            Origin::Builtin => "built in".to_string(),
        }
    }
}

/// Every variable the request can read (or, without a request, the collection level), with
/// its origins; a name set in several places appears once per place.
pub fn in_scope(
    collection: &Collection,
    envs: Option<&Environments>,
    request: Option<&Request>,
) -> Vec<(String, Origin)> {
    let mut names: Vec<(String, Origin)> = collection
        .vars
        .iter()
        .map(|(name, _)| {
            let location = collection
                .var_locations
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.clone());
            (name.clone(), Origin::Vars(location))
        })
        .collect();
    for env in envs.map(|e| e.found.as_slice()).unwrap_or_default() {
        for name in env.names() {
            match names
                .iter_mut()
                .find(|(n, o)| *n == name && matches!(o, Origin::Environment(_)))
            {
                Some((_, Origin::Environment(list))) => list.push(env.name.clone()),
                _ => names.push((name, Origin::Environment(vec![env.name.clone()]))),
            }
        }
    }
    names.push(("response".to_string(), Origin::Builtin));
    names.push(("mock_url".to_string(), Origin::Builtin));
    let Some(request) = request else {
        return names;
    };
    let mut scope = Some(request.scope);
    while let Some(index) = scope {
        let s = &collection.scopes[index];
        names.extend(
            s.vars
                .iter()
                .chain(&s.params)
                .map(|(n, _)| (n.clone(), Origin::Group)),
        );
        scope = s.parent;
    }
    if let Some(for_each) = &request.for_each {
        names.push((for_each.var.clone(), Origin::Loop));
    }
    // earlier requests' captures, and the request's own (its assertions may read them)
    let until = collection
        .requests
        .iter()
        .position(|r| std::ptr::eq(r, request))
        .map_or(collection.requests.len(), |i| i + 1);
    for earlier in &collection.requests[..until] {
        names.extend(earlier.captures.iter().map(|c| {
            let origin = Origin::Capture {
                request: earlier.path.clone(),
                location: c.location.clone(),
            };
            (c.name.clone(), origin)
        }));
    }
    names
}

/// Where a variable is set anywhere in the collection: its `vars` entry and every capture.
pub fn definitions(collection: &Collection, name: &str) -> Vec<Location> {
    let vars = collection
        .var_locations
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, l)| l.clone());
    let captures = collection
        .requests
        .iter()
        .flat_map(|r| &r.captures)
        .filter(|c| c.name == name)
        .map(|c| c.location.clone());
    vars.chain(captures).collect()
}
