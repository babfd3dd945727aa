//! One document checked as `runner validate` checks it: the loader (from the editor's text
//! for a collection, from disk for environment and mock files), then the variable checks
//! against each environment. The result keeps the loaded collection for the other answers.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range};

use super::convert::{token_range, variable_range};
use super::environments::Environments;
use crate::lint::{Finding, Severity, lint};
use crate::load::{self, LoadError, environment};
use crate::location::Location;
use crate::model::Collection;
use crate::secrets::Secrets;

/// What kind of file a document is, by where it is and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A collection (the default).
    Collection,
    /// A file in an `environments/` folder.
    Environment,
    /// A mock file (a top-level `routes:`).
    Mock,
}

impl DocumentKind {
    /// The kind of the file at `path` whose text is `text`.
    pub fn of(path: &Path, text: &str) -> DocumentKind {
        let folder = path.parent().and_then(Path::file_name);
        if folder.is_some_and(|f| f == "environments") {
            DocumentKind::Environment
        } else if text.lines().any(|l| l.starts_with("routes:")) {
            DocumentKind::Mock
        } else {
            DocumentKind::Collection
        }
    }
}

/// A document as last checked.
pub struct Analysis {
    /// The file.
    pub path: PathBuf,
    /// Its kind.
    pub kind: DocumentKind,
    /// The collection, when the text loads as one.
    pub collection: Option<Arc<Collection>>,
    /// The environments it was checked against.
    pub environments: Arc<Environments>,
    /// What `runner validate` would report in it.
    pub diagnostics: Vec<Diagnostic>,
    /// The secrets of this check alone (its templates register in it): dropped with it, so
    /// nothing accumulates from one keystroke to the next.
    pub secrets: Secrets,
}

/// Checks a document; `only` narrows the environments to one (`-e NAME`).
pub fn analyze(path: &Path, text: &str, only: Option<&str>) -> Analysis {
    let kind = DocumentKind::of(path, text);
    let mut analysis = Analysis {
        path: path.to_path_buf(),
        kind,
        collection: None,
        environments: Arc::new(Environments::default()),
        diagnostics: Vec::new(),
        secrets: Secrets::default(),
    };
    let secrets = analysis.secrets.clone();
    let errors = match kind {
        DocumentKind::Environment => environment::load(path, &secrets).err(),
        DocumentKind::Mock => load::mock::load_mock(path, &secrets).err(),
        DocumentKind::Collection => match load::load_collection_text(path, text, &secrets) {
            Ok(collection) => {
                let environments = Environments::find(path, only, &secrets);
                analysis.diagnostics = check_variables(&collection, &environments, text);
                analysis.collection = Some(Arc::new(collection));
                analysis.environments = Arc::new(environments);
                None
            }
            Err(errors) => Some(errors),
        },
    };
    let place = |e: &LoadError| load_error(e, path, text);
    analysis
        .diagnostics
        .extend(errors.iter().flatten().map(place));
    for diagnostic in &mut analysis.diagnostics {
        if let std::borrow::Cow::Owned(masked) = secrets.mask(&diagnostic.message) {
            diagnostic.message = masked;
        }
    }
    analysis
}

/// The variable checks: against every environment together (a name none defines is an
/// error, as `runner validate` without `-e` reports it), then against the names they all
/// define (a name some lack is a warning naming them).
fn check_variables(collection: &Collection, envs: &Environments, text: &str) -> Vec<Diagnostic> {
    let path = collection.path.as_path();
    let mut out: Vec<Diagnostic> = envs
        .errors
        .iter()
        .map(|e| load_error(e, path, text))
        .collect();
    let per_env: Vec<(String, HashSet<String>)> = envs
        .found
        .iter()
        .map(|e| (e.name.clone(), e.names()))
        .collect();
    let union: HashSet<String> = per_env.iter().flat_map(|(_, n)| n.clone()).collect();
    out.extend(
        lint(collection, &union)
            .iter()
            .map(|f| finding(f, path, text)),
    );
    let mut shared = union.clone();
    shared.retain(|name| per_env.iter().all(|(_, names)| names.contains(name)));
    if shared.len() == union.len() {
        return out;
    }
    // checked against the names every environment has, a name only some have is undefined
    // where it is read: once for all environments, not once each
    let mut missing: BTreeMap<(u32, u32, String), (Location, Vec<String>)> = BTreeMap::new();
    for f in lint(collection, &shared) {
        let Some(name) = f.undefined.filter(|n| union.contains(n)) else {
            continue;
        };
        let lacking = per_env
            .iter()
            .filter(|(_, names)| !names.contains(&name))
            .map(|(env, _)| env.clone())
            .collect();
        let key = (f.location.line, f.location.col, name);
        missing.entry(key).or_insert((f.location, lacking));
    }
    for ((_, _, name), (location, envs)) in missing {
        let list: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
        let noun = if envs.len() == 1 {
            "environment"
        } else {
            "environments"
        };
        let message = format!(
            "variable `{name}` is not defined in {noun} {}",
            list.join(", ")
        );
        out.push(diagnostic(
            located_range(&location, path, text, Some(&name)),
            DiagnosticSeverity::WARNING,
            "missing-in-environment",
            message,
        ));
    }
    out
}

fn finding(f: &Finding, path: &Path, text: &str) -> Diagnostic {
    let (severity, code) = match (f.severity, &f.undefined) {
        (Severity::Error, Some(_)) => (DiagnosticSeverity::ERROR, "undefined-variable"),
        (Severity::Error, None) => (DiagnosticSeverity::ERROR, "invalid"),
        (Severity::Warning, _) => (DiagnosticSeverity::WARNING, "unused"),
    };
    let range = located_range(&f.location, path, text, f.undefined.as_deref());
    let message =
        elsewhere(&f.location, path).map_or(f.message.clone(), |at| format!("{at}: {}", f.message));
    diagnostic(range, severity, code, message)
}

fn load_error(e: &LoadError, path: &Path, text: &str) -> Diagnostic {
    let mut message = e.to_string();
    if let Some(hint) = e.hint() {
        message = format!("{message}\nhelp: {hint}");
    }
    let range = match &e.location {
        Some(location) => {
            if let Some(at) = elsewhere(location, path) {
                message = format!("{at}: {message}");
            }
            located_range(location, path, text, None)
        }
        None => Range::default(),
    };
    diagnostic(range, DiagnosticSeverity::ERROR, "invalid", message)
}

/// A place in another file (an included or environment file): named in the message, and
/// the diagnostic put on the document's first line.
fn elsewhere(location: &Location, path: &Path) -> Option<String> {
    (*location.file != *path).then(|| location.to_string())
}

/// The range of a place in the document (the variable's own range when one is named); the
/// start of the document for a place in another file.
fn located_range(location: &Location, path: &Path, text: &str, variable: Option<&str>) -> Range {
    if *location.file != *path {
        return Range::new(Position::new(0, 0), Position::new(0, 0));
    }
    match variable {
        Some(name) => variable_range(text, location, name),
        None => token_range(text, location),
    }
}

fn diagnostic(
    range: Range,
    severity: DiagnosticSeverity,
    code: &str,
    message: String,
) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some("runner".to_string()),
        message,
        ..Diagnostic::default()
    }
}
