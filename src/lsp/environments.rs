//! The environments a collection is checked against, found as `runner run -e NAME` finds
//! them (every one, or the one `initializationOptions.environment` names), with their
//! variables, where each is written, and their values as a run would resolve them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::load::{LoadError, VarFile, environment};
use crate::model::Collection;
use crate::run::vars::{VarLayer, Vars};
use crate::secrets::Secrets;

/// One environment file, loaded with the ones it extends.
pub struct Environment {
    /// `-e NAME`: the file's stem.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its layers, base first.
    pub layers: Vec<VarFile>,
}

impl Environment {
    /// Every variable it defines.
    pub fn names(&self) -> HashSet<String> {
        self.layers
            .iter()
            .flat_map(|l| l.vars.iter().map(|(n, _)| n.clone()))
            .collect()
    }

    /// Whether it defines `name`.
    pub fn defines(&self, name: &str) -> bool {
        self.layers
            .iter()
            .any(|l| l.vars.iter().any(|(n, _)| n == name))
    }

    /// The 0-based line of `name:` in the file itself (not in a base it extends).
    pub fn line_of(&self, name: &str) -> Option<u32> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let quoted = format!("\"{name}\"");
        let index = text.lines().position(|line| {
            [name, quoted.as_str()]
                .iter()
                .any(|key| line.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
        })?;
        u32::try_from(index).ok()
    }
}

/// The variables of a run of `collection` (with an environment), resolved as `runner run
/// [-e NAME]` resolves them before the first request.
pub fn resolve(collection: &Collection, env: Option<&Environment>) -> Result<Vars, String> {
    let mut layers = vec![VarLayer {
        origin: collection.path.display().to_string(),
        vars: collection.vars.clone(),
        templates: collection.templates.clone(),
        overrides_groups: false,
    }];
    if let Some(env) = env {
        layers.extend(env.layers.iter().map(|file| VarLayer {
            origin: env.path.display().to_string(),
            vars: file.vars.clone(),
            templates: file.templates.clone(),
            overrides_groups: true,
        }));
    }
    let captured: HashSet<&str> = collection
        .requests
        .iter()
        .flat_map(|r| r.captures.iter().map(|c| c.name.as_str()))
        .collect();
    Vars::resolve(&layers, &captured).map_err(|e| e.to_string())
}

/// The environments found for a collection, and the problems loading them.
#[derive(Default)]
pub struct Environments {
    /// Loaded, in file order.
    pub found: Vec<Environment>,
    /// A file that does not load, or the chosen name that does not exist.
    pub errors: Vec<LoadError>,
}

impl Environments {
    /// The environments of `collection`: the one named `only`, or every one.
    pub fn find(collection: &Path, only: Option<&str>, secrets: &Secrets) -> Environments {
        let mut out = Environments::default();
        let files = match only {
            Some(name) => match environment::find(name, collection) {
                Ok(file) => vec![file],
                Err(e) => {
                    out.errors.push(e);
                    return out;
                }
            },
            None => environment::all_files(collection),
        };
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match environment::load(&path, secrets) {
                Ok(layers) => out.found.push(Environment { name, path, layers }),
                Err(mut errors) => out.errors.append(&mut errors),
            }
        }
        out
    }

    /// The names of the environments.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.found.iter().map(|e| e.name.clone()).collect();
        names.dedup();
        names
    }
}
