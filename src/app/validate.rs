//! `runner validate`: load every file as a run would, then check variables statically.
//! Exit 0 without errors (warnings allowed), 2 with any.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::exit::Exit;
use super::plan::expand_files;
use crate::cli::{OutputFormat, ValidateArgs};
use crate::lint::{Finding, Severity, lint, lint_outside};
use crate::load::{self, LoadError, LoadErrorKind, environment};
use crate::secrets::Secrets;
use crate::template::Templates;

/// One diagnostic as printed or serialised.
#[derive(serde::Serialize)]
struct Diagnostic {
    file: String,
    line: u32,
    col: u32,
    severity: Severity,
    message: String,
    #[serde(skip)]
    rendered: String,
}

/// Runs `runner validate`.
pub fn validate(args: &ValidateArgs) -> Exit {
    let secrets = Secrets::default();
    super::plan::load_dotenv();
    let mut load_errors = Vec::new();
    let files = expand_files(&args.files, &mut load_errors);
    let mut diagnostics: Vec<Diagnostic> = load_errors
        .iter()
        .map(|e| from_load_error(e, Severity::Error))
        .collect();
    if let Some(mock) = &args.mock
        && let Err(errors) = load::mock::load_mock(mock, &secrets)
    {
        diagnostics.extend(errors.iter().map(|e| from_load_error(e, Severity::Error)));
    }
    let cli_names: HashSet<String> = args
        .input
        .vars
        .iter()
        .chain(&args.input.secrets)
        .map(|(n, _)| n.clone())
        .collect();
    for file in files {
        diagnostics.extend(check_file(&file, args, &cli_names, &secrets));
    }
    // environments shared by several collections (or extended by several) are checked once
    let mut seen = HashSet::new();
    diagnostics.retain(|d| seen.insert(d.rendered.clone()));
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    match args.format {
        OutputFormat::Text => {
            let mut err = anstream::stderr().lock();
            for d in &diagnostics {
                let _ = write!(err, "{}", secrets.mask(&d.rendered));
            }
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            let _ = writeln!(
                err,
                "{}, {}",
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
        OutputFormat::Json => {
            let doc = serde_json::json!({ "errors": errors, "warnings": warnings, "diagnostics": diagnostics });
            println!(
                "{}",
                secrets.mask(&serde_json::to_string_pretty(&doc).unwrap_or_default())
            );
        }
    }
    if errors == 0 {
        Exit::Passed
    } else {
        Exit::BadInput
    }
}

/// Everything validate finds in one collection file with its environment.
fn check_file(
    file: &Path,
    args: &ValidateArgs,
    cli_names: &HashSet<String>,
    secrets: &Secrets,
) -> Vec<Diagnostic> {
    let as_errors = |errors: Vec<LoadError>| {
        errors
            .iter()
            .map(|e| from_load_error(e, Severity::Error))
            .collect()
    };
    let collection = match load::load_collection(file, secrets) {
        Ok(c) => c,
        Err(errors) => return as_errors(errors),
    };
    let environment = match environment_names(&args.input.env, file, secrets) {
        Ok(parts) => parts,
        Err(errors) => return as_errors(errors),
    };
    let mut outside = cli_names.clone();
    outside.extend(environment.names);
    let mut diagnostics: Vec<Diagnostic> = lint(&collection, &outside)
        .iter()
        .map(from_finding)
        .collect();
    // as a run would see them: the process environment after .env
    let is_set = |name: &str| std::env::var_os(name).is_some();
    for templates in std::iter::once(&collection.templates).chain(&environment.templates) {
        let findings = lint_outside(templates, args.mock.is_some(), &is_set);
        diagnostics.extend(findings.iter().map(from_finding));
    }
    diagnostics
}

/// What validate reads from the environments: the variable names they define, and the
/// templates of their files.
struct EnvironmentParts {
    names: HashSet<String>,
    templates: Vec<Arc<Templates>>,
}

/// The environment's parts: the chosen one, or (without -e) any that exists.
fn environment_names(
    env: &Option<String>,
    collection: &Path,
    secrets: &Secrets,
) -> Result<EnvironmentParts, Vec<LoadError>> {
    let files = match env {
        Some(name) => vec![environment::find(name, collection).map_err(|e| vec![e])?],
        None => environment::all_files(collection),
    };
    let mut names = HashSet::new();
    let mut templates = Vec::new();
    for file in files {
        for layer in environment::load(&file, secrets)? {
            names.extend(layer.vars.into_iter().map(|(n, _)| n));
            templates.push(layer.templates);
        }
    }
    Ok(EnvironmentParts { names, templates })
}

fn from_load_error(e: &LoadError, severity: Severity) -> Diagnostic {
    let (file, line, col) = e.location.as_ref().map_or((String::new(), 0, 0), |l| {
        (l.file.display().to_string(), l.line, l.col)
    });
    Diagnostic {
        file,
        line,
        col,
        severity,
        message: e.to_string(),
        rendered: e.render(),
    }
}

fn from_finding(f: &Finding) -> Diagnostic {
    let text = std::fs::read_to_string(&f.location.file).unwrap_or_default();
    let shown = match f.severity {
        Severity::Error => f.message.clone(),
        Severity::Warning => format!("warning: {}", f.message),
    };
    let error = LoadError::at(f.location.clone(), &text, LoadErrorKind::Invalid(shown));
    Diagnostic {
        severity: f.severity,
        message: f.message.clone(),
        ..from_load_error(&error, f.severity)
    }
}
