//! Command-line definitions (clap derive). No logic beyond parsing values.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::report::ReportKind;
use crate::report::model::Shard;
use crate::units;

/// A declarative HTTP request runner: YAML collections, templated, chained, asserted.
#[derive(Debug, Parser)]
// the version names the commit it was built from (build.rs)
#[command(name = "runner", version = env!("RUNNER_VERSION"), about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run collections: send their requests in order, check the responses.
    Run(RunArgs),
    /// Serve the routes of a mock file until stopped.
    Mock(MockArgs),
    /// Fetch the token a collection's `auth:` describes and show its claims.
    Token(TokenArgs),
    /// Check collections without running them: everything the loader checks, plus variables.
    Validate(ValidateArgs),
    /// List the requests of collections.
    List(ListArgs),
    /// Create a new project: collections/, environments/, a sample collection.
    Init(InitArgs),
    /// Print the JSON Schema of a file format (for editors; also under schema/).
    Schema {
        /// Which format.
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Convert Postman collections or a curl command line into collection YAML.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print a request of a collection as a command for another tool.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Work with JSON reports of earlier runs.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print the script that sets up Tab completion in a shell (see docs/install.md).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into a folder.
    Man {
        /// Write runner.1, runner-run.1, … into this folder instead of printing runner.1.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Serve the Language Server Protocol over standard input/output, for editors.
    Lsp(LspArgs),
}

/// `runner lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Talk over standard input/output (the only transport; accepted because clients such as
    /// VS Code's pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// `runner report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the JSON reports of shards into one report (and JUnit/HTML/TAP via --report).
    Merge(MergeArgs),
}

/// `runner report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Where to write the merged report; its kind follows the extension (.json, .xml, .html, .tap).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,

    /// A JSON report to merge (repeat for each shard).
    #[arg(long = "from", value_name = "FILE", required = true)]
    pub from: Vec<PathBuf>,

    /// Also write the merged result as KIND=PATH (junit, json, html, tap).
    #[arg(long = "report", value_name = "KIND=PATH", value_parser = parse_report)]
    pub reports: Vec<(ReportKind, PathBuf)>,
}

/// `runner import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert a Postman collection (v2.0 or v2.1) and its environments into YAML files.
    Postman(ImportPostmanArgs),
    /// Convert one curl command line into a request (printed, or written with -o).
    Curl(ImportCurlArgs),
}

/// `runner import postman`.
#[derive(Debug, Args)]
pub struct ImportPostmanArgs {
    /// The exported collection (`*.postman_collection.json`).
    #[arg(value_name = "COLLECTION")]
    pub collection: PathBuf,

    /// An exported Postman environment to convert too (repeatable).
    #[arg(short = 'e', long = "env", value_name = "ENVIRONMENT")]
    pub envs: Vec<PathBuf>,

    /// Output folder: collections/, environments/ and IMPORT-REPORT.md are written there.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,

    /// Write into DIR even when it is not empty (files of the same name are replaced).
    #[arg(long)]
    pub force: bool,
}

/// `runner import curl`.
#[derive(Debug, Args)]
pub struct ImportCurlArgs {
    /// The curl command line as one argument (quote it), or `-` to read it from stdin.
    #[arg(value_name = "COMMAND", allow_hyphen_values = true)]
    pub command: String,

    /// Write the collection file here instead of printing it.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `runner export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print a request, rendered with its variables, as a curl command line.
    Curl(ExportCurlArgs),
}

/// `runner export curl`.
#[derive(Debug, Args)]
pub struct ExportCurlArgs {
    /// The collection file.
    #[arg(value_name = "COLLECTION")]
    pub file: PathBuf,

    /// The request: its name, or `group/name` when names repeat across groups.
    #[arg(short = 'r', long = "request", value_name = "NAME")]
    pub request: String,

    /// Environment, variables and secrets.
    #[command(flatten)]
    pub input: InputArgs,

    /// Print secret values instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
}

/// What selects an environment and sets variables (shared by `run` and `token`).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Environment: a file path, or NAME for environments/NAME.yaml.
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Option<String>,

    /// Set a variable (overrides collection and environment values).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,

    /// Set a secret variable: like `--var`, and its value is masked in every output.
    #[arg(long = "secret", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub secrets: Vec<(String, String)>,
}

/// Network flags; each wins over the same key of a collection's `settings:`.
#[derive(Debug, Clone, Default, Args)]
pub struct NetworkArgs {
    /// Timeout for each request, e.g. `30s`, `500ms` or plain seconds (default 30s).
    #[arg(long, value_name = "DURATION", value_parser = units::parse_timeout)]
    pub timeout: Option<Duration>,

    /// Timeout for making a connection (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = units::parse_timeout)]
    pub connect_timeout: Option<Duration>,

    /// Do not follow redirects.
    #[arg(long)]
    pub no_follow_redirects: bool,

    /// No cookie jar (by default cookies set by responses are sent back within the run).
    #[arg(long)]
    pub no_cookies: bool,

    /// Accept any TLS certificate (prints a warning).
    #[arg(long, short = 'k')]
    pub insecure: bool,

    /// Extra root certificates (PEM), e.g. a company CA.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS.
    #[arg(long = "cert", value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// Private key (PEM) of the client certificate.
    #[arg(long = "key", value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// Proxy URL for every request, loopback included (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and
    /// NO_PROXY apply otherwise).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Speak HTTP/2 from the start (prior knowledge).
    #[arg(long)]
    pub http2: bool,

    /// Fail responses larger than this, e.g. `50MiB` (the default).
    #[arg(long, value_name = "SIZE", value_parser = units::parse_bytes)]
    pub max_response_bytes: Option<u64>,

    /// Send no Accept-Encoding and decode nothing (by default gzip, deflate, br and zstd).
    #[arg(long)]
    pub no_compression: bool,

    /// Retries of throttled (429, 503) or reset requests (default 3).
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
}

/// `runner validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Collection files (or folders of them).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Environment, variables and secrets (without -e, every environment found counts).
    #[command(flatten)]
    pub input: InputArgs,

    /// The mock file the run will serve (`run --mock FILE`): checked too, and `mock_url` is set.
    #[arg(long, value_name = "FILE")]
    pub mock: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// When `run` colours its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` or `CLICOLOR_FORCE` force it.
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// Text for people, JSON for editors and CI annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// `FILE:LINE:COL: message` with the source line.
    Text,
    /// One JSON document with every diagnostic.
    Json,
}

/// `runner list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Collection files (or folders of them).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Only requests with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// `runner init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the project (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// What to start from.
    #[arg(long, value_enum, default_value_t = InitTemplate::BusinessCentral)]
    pub template: InitTemplate,
}

/// File formats with a JSON Schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// Collection files.
    Collection,
    /// Environment files.
    Environment,
}

/// Starting points for `runner init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitTemplate {
    /// An Azure AD token and Business Central companies → customers.
    BusinessCentral,
    /// One request against a placeholder URL.
    Blank,
}

/// `runner token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The collection whose `auth:` describes the token (collection level, or the first request's).
    #[arg(value_name = "COLLECTION", required_unless_present = "clear")]
    pub file: Option<PathBuf>,

    /// Environment, variables and secrets.
    #[command(flatten)]
    pub input: InputArgs,

    /// Print the token itself too (it is a secret: mind where the output goes).
    #[arg(long)]
    pub raw: bool,

    /// Empty the token cache of `--token-cache` and exit.
    #[arg(long)]
    pub clear: bool,

    /// Use and fill the token cache in the user's cache folder.
    #[arg(long)]
    pub token_cache: bool,

    /// Network settings (they win over the collection's `settings:`).
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `runner mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The mock file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
}

/// `runner run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Collection files (or folders of them) to run, in order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Environment, variables and secrets.
    #[command(flatten)]
    pub input: InputArgs,

    /// Keep OAuth2 tokens across runs in the user's cache folder (never the project).
    #[arg(long)]
    pub token_cache: bool,

    /// Stop at the first failed request; the rest are reported as skipped.
    #[arg(long)]
    pub bail: bool,

    /// Print each request as sent and its response (every header, redirect hops, the start
    /// of each body); `-vv` shows whole bodies. Secrets stay masked.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to colour the output: auto (a terminal, unless NO_COLOR; FORCE_COLOR or
    /// CLICOLOR_FORCE force it), always or never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Never color the output (same as `--color never`; NO_COLOR is respected too).
    #[arg(long)]
    pub no_color: bool,

    /// Write a report: KIND=PATH with KIND junit, json, html or tap (repeatable).
    #[arg(long = "report", value_name = "KIND=PATH", value_parser = parse_report)]
    pub reports: Vec<(ReportKind, PathBuf)>,

    /// Keep the bodies of passing and skipped requests in reports too (by default only
    /// failures keep theirs; headers, sizes and timings are always kept).
    #[arg(long)]
    pub report_bodies: bool,

    /// Run only requests with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Leave out requests with this tag (repeatable).
    #[arg(long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,

    /// Run only requests whose `group/name` matches this glob (repeatable); requests they
    /// need captures from still run.
    #[arg(long = "only", value_name = "PATTERN", value_parser = parse_glob)]
    pub only: Vec<globset::GlobMatcher>,

    /// Run each collection once per row of a CSV (with header) or JSON (array of objects) file.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// Run each collection this many times (without --data).
    #[arg(long, value_name = "N", conflicts_with = "data", value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: Option<u32>,

    /// Run up to N units (collections, iterations) at once; requests of one unit stay in order.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,

    /// Run only the K-th of N deterministic slices of the units (for CI matrices), e.g. 2/4.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,

    /// Write new and changed snapshot files instead of failing (review them with git diff).
    #[arg(long)]
    pub update_snapshots: bool,

    /// Run again whenever the collection, an environment, an included, data or mock file
    /// changes (until Ctrl-C).
    #[arg(long)]
    pub watch: bool,

    /// Serve this mock file on a free loopback port during the run; its URL is `mock_url`.
    #[arg(long, value_name = "FILE")]
    pub mock: Option<PathBuf>,

    /// Network settings (they win over the collection's `settings:`).
    #[command(flatten)]
    pub network: NetworkArgs,
}

fn parse_report(text: &str) -> Result<(ReportKind, PathBuf), String> {
    let (kind, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KIND=PATH, got `{text}`"))?;
    let kind = ReportKind::parse(kind).ok_or_else(|| {
        format!("unknown report kind `{kind}`; expected junit, json, html or tap")
    })?;
    if path.is_empty() {
        return Err("the report path is empty".into());
    }
    Ok((kind, PathBuf::from(path)))
}

fn parse_glob(text: &str) -> Result<globset::GlobMatcher, String> {
    globset::Glob::new(text)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("`{text}`: {e}"))
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let parsed = text.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((index, total)) if index >= 1 && index <= total => Ok(Shard { index, total }),
        _ => Err(format!("expected K/N with 1 <= K <= N, got `{text}`")),
    }
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_split_at_the_first_equals() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_var("=x").is_err());
        assert!(parse_var("novalue").is_err());
    }
}
