//! Orchestration, top to bottom: load everything → resolve variables → run → report → exit code.
//! Every input problem is found before the first request is sent.

mod completions;
mod import;
mod init;
mod list;
mod lsp;
mod man;
mod merge;
mod run;
mod signal;
mod sink;
mod token;
mod validate;
mod watch;

pub use completions::complete_if_requested;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::auth::TokenCache;
use crate::auth::cache_file::CacheFile;
use crate::cli::{Cli, Command, InputArgs, MockArgs, NetworkArgs, ReportCommand, SchemaKind};
use crate::http::{ClientSettings, HttpClient};
use crate::load::{self, LoadError, LoadErrorKind, environment};
use crate::mock::server::{self, LogEntry, LogMode};
use crate::mock::spec::MockSpec;
use crate::model::Collection;
use crate::run::vars::{VarLayer, Vars};
use crate::secrets::Secrets;
use crate::settings;
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
    /// Stopped by Ctrl-C (SIGINT; on Windows also Ctrl-Break and closing the console).
    Interrupted = 130,
    /// Stopped by SIGTERM (docker stop, CI cancellation): 128 + 15, as shells report it.
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Runs a parsed command line on the runtime it needs: one thread when requests go one after
/// another (no hand-offs between threads on every response), a thread pool for `--jobs`
/// above 1.
pub fn main(cli: Cli) -> std::io::Result<ExitCode> {
    let parallel = matches!(&cli.command, Command::Run(args) if args.jobs > 1);
    if !parallel {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        return Ok(runtime.block_on(run(cli)));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // the command runs on a worker: the thread blocked here would be woken for every unit
    // that finishes
    Ok(runtime.block_on(async {
        match tokio::spawn(run(cli)).await {
            Ok(code) => code,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) if args.watch => watch::watch(args).await.into(),
        Command::Run(args) => run::run_files(args).await.into(),
        Command::Mock(args) => serve_mock(args).await.into(),
        Command::Token(args) => token::show(args).await.into(),
        Command::Validate(args) => validate::validate(&args).into(),
        Command::List(args) => list::list(&args).into(),
        Command::Init(args) => init::init(&args).into(),
        Command::Schema { kind } => {
            print!(
                "{}",
                match kind {
                    SchemaKind::Collection => crate::format::collection_schema(),
                    SchemaKind::Environment => crate::format::environment_schema(),
                }
            );
            ExitCode::SUCCESS
        }
        Command::Report(ReportCommand::Merge(args)) => merge::merge(&args).into(),
        Command::Import(command) => import::import(command).into(),
        Command::Export(command) => import::export(command).into(),
        Command::Completions { shell } => completions::print_script(shell).into(),
        Command::Man { out } => man::man(out.as_deref()).into(),
        Command::Lsp(args) => lsp::lsp(&args).into(),
    }
}

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
}

impl Clients {
    pub(crate) fn for_collection(
        &mut self,
        cli: &NetworkArgs,
        collection: &Collection,
    ) -> Result<HttpClient, LoadError> {
        let at = |message: String| general(format!("{}: {message}", collection.path.display()));
        let wanted =
            settings::client_settings(cli, &collection.settings, &collection.dir).map_err(at)?;
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

/// Unmatched mock requests are always worth a warning; the whole log only with `-v`. Targets
/// carry the run's query parameters (`?code=…`, SAS tokens): masked like every output.
pub(crate) fn report_mock_log(log: &[LogEntry], verbose: bool, secrets: &Secrets) {
    let mut err = anstream::stderr().lock();
    for entry in log.iter().filter(|e| verbose || e.route.is_none()) {
        let _ = writeln!(err, "mock: {}", mask_target(&entry.to_string(), secrets));
    }
}

/// A logged request line with its secrets masked, also where the client percent-encoded them
/// in its own way (a URL written with `?code=<<key>>`): then the line is shown decoded.
fn mask_target(line: &str, secrets: &Secrets) -> String {
    let masked = secrets.mask(line);
    let decoded = percent_encoding::percent_decode_str(&masked)
        .decode_utf8_lossy()
        .into_owned();
    let decoded_masked = secrets.mask(&decoded);
    if decoded_masked == decoded {
        masked.into_owned()
    } else {
        decoded_masked.into_owned()
    }
}

/// `runner mock FILE`: serve until Ctrl-C.
async fn serve_mock(args: MockArgs) -> Exit {
    let secrets = Secrets::default();
    let spec = match load::mock::load_mock(&args.file, &secrets) {
        Ok(spec) => spec,
        Err(errors) => return input_errors(&errors, &secrets),
    };
    let routes = spec.routes.len();
    let mock = match server::start(spec, &args.host, args.port, LogMode::Print).await {
        Ok(mock) => mock,
        Err(e) => {
            return input_errors(
                &[general(format!(
                    "cannot listen on {}:{}: {e}",
                    args.host, args.port
                ))],
                &secrets,
            );
        }
    };
    // listening before the address is printed: a stop request right after it is clean
    let signals = signal::StopSignals::new();
    println!(
        "mock listening on {} ({routes} routes from {})",
        mock.url,
        args.file.display()
    );
    let stop = async {
        match signals {
            Ok(mut signals) => signals.next().await,
            Err(e) => Err(e),
        }
    };
    tokio::select! {
        () = mock.wait() => Exit::Failed,
        _ = stop => Exit::Passed,
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

pub(crate) fn general(message: String) -> LoadError {
    LoadError::general(LoadErrorKind::Invalid(message))
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

/// Prints input errors and gives the exit code for unusable input.
pub(crate) fn input_errors(errors: &[LoadError], secrets: &Secrets) -> Exit {
    let mut err = anstream::stderr().lock();
    for error in errors {
        let _ = write!(err, "{}", secrets.mask(&error.render()));
    }
    let count = errors.len();
    let noun = if count == 1 { "error" } else { "errors" };
    let _ = writeln!(err, "{count} {noun} in the input; no request was sent");
    Exit::BadInput
}
