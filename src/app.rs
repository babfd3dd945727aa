//! Orchestration, top to bottom: load everything → resolve variables → run → report → exit code.
//! Every input problem is found before the first request is sent.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command, RunArgs};
use crate::http::{ClientSettings, HttpClient};
use crate::load::{self, LoadError, LoadErrorKind, environment};
use crate::model::Collection;
use crate::report::terminal::TerminalReporter;
use crate::run::vars::{VarLayer, Vars};
use crate::run::{RunContext, run_collection};
use crate::template::{TValue, TemplateBuilder, Tpl};

/// Exit codes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every request passed.
    Passed = 0,
    /// At least one request failed.
    Failed = 1,
    /// The input could not be used.
    BadInput = 2,
    /// Stopped by Ctrl-C.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => run_files(args).await.into(),
    }
}

/// A collection ready to run, with its starting variables.
struct Prepared {
    collection: Collection,
    vars: Vars,
}

async fn run_files(args: RunArgs) -> Exit {
    if args.no_color {
        anstream::ColorChoice::Never.write_global();
    }
    let prepared = match prepare(&args) {
        Ok(prepared) => prepared,
        Err(errors) => {
            report_input_errors(&errors);
            return Exit::BadInput;
        }
    };
    let client = match HttpClient::new(&ClientSettings {
        timeout: args.timeout,
    }) {
        Ok(client) => client,
        Err(e) => {
            report_input_errors(&[LoadError::general(LoadErrorKind::Invalid(e.to_string()))]);
            return Exit::BadInput;
        }
    };
    let mut reporter = TerminalReporter::new(args.verbose);
    let interrupted = {
        let mut cx = RunContext {
            client: &client,
            bail: args.bail,
            bailed: false,
            observer: &mut reporter,
        };
        let all = async {
            for Prepared { collection, vars } in prepared {
                run_collection(&collection, vars, &mut cx).await;
            }
        };
        tokio::select! {
            () = all => false,
            _ = tokio::signal::ctrl_c() => true,
        }
    };
    reporter.finish();
    if interrupted {
        eprintln!("interrupted");
        Exit::Interrupted
    } else if reporter.all_passed() {
        Exit::Passed
    } else {
        Exit::Failed
    }
}

/// Loads every collection and environment and resolves the starting variables,
/// returning all problems at once.
fn prepare(args: &RunArgs) -> Result<Vec<Prepared>, Vec<LoadError>> {
    let mut errors = Vec::new();
    let files = expand_files(&args.files, &mut errors);
    let cli_layer = cli_var_layer(&args.vars);
    let mut prepared = Vec::new();
    for file in files {
        let collection = match load::load_collection(&file) {
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
        }];
        if let Some(name) = &args.env {
            match environment::find(name, &file)
                .map_err(|e| vec![e])
                .and_then(|path| {
                    let loaded = environment::load(&path)?;
                    Ok((path, loaded))
                }) {
                Ok((path, env)) => layers.push(VarLayer {
                    origin: path.display().to_string(),
                    vars: env.vars,
                    templates: env.templates,
                }),
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            }
        }
        layers.push(cli_layer.clone());
        let captured: HashSet<&str> = collection
            .requests
            .iter()
            .flat_map(|r| r.captures.iter().map(|c| c.name.as_str()))
            .collect();
        match Vars::resolve(&layers, &captured) {
            Ok(vars) => prepared.push(Prepared { collection, vars }),
            Err(e) => errors.push(LoadError::general(LoadErrorKind::Invalid(e.to_string()))),
        }
    }
    dedup_errors(&mut errors);
    if errors.is_empty() {
        Ok(prepared)
    } else {
        Err(errors)
    }
}

/// The same environment error found for several collections is reported once.
fn dedup_errors(errors: &mut Vec<LoadError>) {
    let mut seen = HashSet::new();
    errors.retain(|e| seen.insert(crate::diagnostic::render(e)));
}

/// `--var NAME=VALUE` values, literal strings.
fn cli_var_layer(vars: &[(String, String)]) -> VarLayer {
    VarLayer {
        origin: "--var".into(),
        vars: vars
            .iter()
            .map(|(name, value)| (name.clone(), TValue::Str(Tpl::Lit(value.clone()))))
            .collect(),
        templates: Arc::new(
            TemplateBuilder::default()
                .compile()
                .expect("no templates to compile"),
        ),
    }
}

/// Files as given; a folder stands for its `*.yaml`/`*.yml` files in name order.
fn expand_files(paths: &[PathBuf], errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
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

fn report_input_errors(errors: &[LoadError]) {
    let mut err = anstream::stderr().lock();
    for error in errors {
        let _ = write!(err, "{}", crate::diagnostic::render(error));
    }
    let count = errors.len();
    let noun = if count == 1 { "error" } else { "errors" };
    let _ = writeln!(err, "{count} {noun} in the input; no request was sent");
}
