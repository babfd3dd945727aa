//! What a command loads before it sends anything: collections with their environments and
//! `--var`/`--secret` layers, the mock, `.env`, one HTTP client per network setting, the token
//! cache. Every problem is collected, so all of them are reported at once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exit::general;
use crate::auth::TokenCache;
use crate::auth::cache_file::CacheFile;
use crate::cli::{InputArgs, NetworkArgs};
use crate::http::{ClientSettings, HttpClient};
use crate::load::{self, LoadError, LoadErrorKind, environment};
use crate::mock::spec::MockSpec;
use crate::model::Collection;
use crate::run::vars::{VarLayer, Vars};
use crate::secrets::Secrets;
use crate::settings;
use crate::template::{TValue, TemplateBuilder, Tpl};

/// Everything loaded and checked, before any variable is resolved or request sent.
pub(crate) struct Plan {
    /// Each collection with its variable layers: collection vars, then the environment.
    pub(crate) collections: Vec<(Collection, Vec<VarLayer>)>,
    /// `--var` and `--secret`, the highest layer below captures.
    pub(crate) cli_layer: VarLayer,
    /// `--mock`.
    pub(crate) mock: Option<MockSpec>,
}

/// One HTTP client per distinct network settings, so collections that agree share
/// connections.
#[derive(Default)]
pub(crate) struct Clients {
    built: Vec<(ClientSettings, HttpClient)>,
    /// Every client keeps each request as sent (`-v`).
    record_sent: bool,
}

impl Clients {
    /// Clients that keep each request as sent, for `-v`.
    pub(crate) fn recording(record_sent: bool) -> Self {
        Clients {
            built: Vec::new(),
            record_sent,
        }
    }

    pub(crate) fn for_collection(
        &mut self,
        cli: &NetworkArgs,
        collection: &Collection,
    ) -> Result<HttpClient, LoadError> {
        let at = |message: String| general(format!("{}: {message}", collection.path.display()));
        let mut wanted =
            settings::client_settings(cli, &collection.settings, &collection.dir).map_err(at)?;
        wanted.record_sent = self.record_sent;
        if let Some((_, client)) = self.built.iter().find(|(s, _)| *s == wanted) {
            return Ok(client.clone());
        }
        if wanted.insecure {
            eprintln!(
                "warning: TLS certificates are not checked (insecure) for {}",
                collection.path.display()
            );
        }
        let client = HttpClient::new(&wanted).map_err(|e| at(e.to_string()))?;
        self.built.push((wanted, client.clone()));
        Ok(client)
    }
}

/// Variables from `./.env` join the process environment; ones already set win. A line that
/// cannot be read is a warning with its number; the other lines still count.
pub(crate) fn load_dotenv() {
    let path = Path::new(".env");
    // a missing .env is normal; a malformed one should not stop the run either
    if !path.exists() {
        return;
    }
    let text = match load::read_input(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("warning: .env is not loaded: {e}");
            return;
        }
    };
    let dotenv = load::dotenv::parse(&text, &|name| std::env::var(name).ok());
    for problem in &dotenv.problems {
        eprintln!(
            "warning: .env:{}: {}; the line is skipped",
            problem.line, problem.reason
        );
    }
    // dotenvy sets them (a set_var of our own would need `unsafe`), from text it reads as is
    let canonical = load::dotenv::canonical(&dotenv.vars);
    // (its error would quote a line, perhaps a secret: never printed)
    if dotenvy::from_read(canonical.as_bytes()).is_err() {
        eprintln!("warning: the variables of .env could not be set");
    }
}

/// The run's token cache, kept in the user's cache folder with `--token-cache`.
pub(crate) fn token_cache(persist: bool, secrets: &Secrets) -> TokenCache {
    match CacheFile::default_path().filter(|_| persist) {
        Some(path) => TokenCache::persistent(CacheFile::new(path), secrets.clone()),
        None => TokenCache::new(secrets.clone()),
    }
}

/// Loads every collection, environment and mock file, returning all problems at once.
pub(crate) fn load_plan(
    files: &[PathBuf],
    input: &InputArgs,
    mock: Option<&Path>,
    secrets: &Secrets,
) -> Result<Plan, Vec<LoadError>> {
    let mut errors = Vec::new();
    let files = expand_files(files, &mut errors);
    for (_, value) in &input.secrets {
        secrets.add(value);
    }
    let cli_vars: Vec<(String, String)> =
        input.vars.iter().chain(&input.secrets).cloned().collect();
    let cli_layer = literal_layer("--var", &cli_vars, true);
    let mut collections = Vec::new();
    for file in files {
        let collection = match load::load_collection(&file, secrets) {
            Ok(c) => c,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        let mut layers = vec![VarLayer {
            origin: file.display().to_string(),
            vars: collection.vars.clone(),
            templates: collection.templates.clone(),
            overrides_groups: false,
        }];
        if let Some(name) = &input.env {
            let found = environment::find(name, &file).map_err(|e| vec![e]);
            match found.and_then(|path| Ok((environment::load(&path, secrets)?, path))) {
                Ok((files, path)) => layers.extend(files.into_iter().map(|env| VarLayer {
                    origin: path.display().to_string(),
                    vars: env.vars,
                    templates: env.templates,
                    overrides_groups: true,
                })),
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            }
        }
        collections.push((collection, layers));
    }
    let mock = match mock {
        Some(path) => match load::mock::load_mock(path, secrets) {
            Ok(spec) => Some(spec),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        },
        None => None,
    };
    dedup_errors(&mut errors);
    if errors.is_empty() {
        Ok(Plan {
            collections,
            cli_layer,
            mock,
        })
    } else {
        Err(errors)
    }
}

/// The starting variables of a collection; a definition waiting for a capture is allowed.
pub(crate) fn resolve_vars(
    collection: &Collection,
    layers: &[VarLayer],
) -> Result<Vars, LoadError> {
    let captured: HashSet<&str> = collection
        .requests
        .iter()
        .flat_map(|r| r.captures.iter().map(|c| c.name.as_str()))
        .collect();
    Vars::resolve(layers, &captured).map_err(|e| general(e.to_string()))
}

/// The same environment error found for several collections is reported once.
pub(crate) fn dedup_errors(errors: &mut Vec<LoadError>) {
    let mut seen = HashSet::new();
    errors.retain(|e| seen.insert(e.render()));
}

/// Variables with literal string values (`--var NAME=VALUE`, `mock_url`).
pub(crate) fn literal_layer(
    origin: &str,
    vars: &[(String, String)],
    overrides_groups: bool,
) -> VarLayer {
    VarLayer {
        origin: origin.into(),
        overrides_groups,
        vars: vars
            .iter()
            .map(|(name, value)| (name.clone(), TValue::Str(Tpl::Lit(value.clone()))))
            .collect(),
        templates: Arc::new(
            // no templates, so nothing for `secret()` to register
            TemplateBuilder::default()
                .compile(&Secrets::default())
                .expect("no templates to compile"),
        ),
    }
}

/// Files as given; a folder stands for its `*.yaml`/`*.yml` files in name order.
pub(crate) fn expand_files(paths: &[PathBuf], errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && is_yaml(p))
                    .collect();
                if found.is_empty() {
                    errors.push(general(format!(
                        "the folder {} holds no collection files (*.yaml, *.yml)",
                        path.display()
                    )));
                }
                found.sort();
                files.extend(found);
            }
            Err(e) => errors.push(LoadError::general(LoadErrorKind::Read {
                path: path.clone(),
                message: e.to_string(),
            })),
        }
    }
    files
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}
