//! Command-line definitions (clap derive). No logic beyond parsing values.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// A declarative HTTP request runner: YAML collections, templated, chained, asserted.
#[derive(Debug, Parser)]
#[command(name = "runner", version, about, propagate_version = true)]
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

    /// Timeout for the token request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
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

    /// Print each request and response (headers and the start of the body).
    #[arg(short, long)]
    pub verbose: bool,

    /// Never color the output (NO_COLOR is respected too).
    #[arg(long)]
    pub no_color: bool,

    /// Serve this mock file on a free loopback port during the run; its URL is `mock_url`.
    #[arg(long, value_name = "FILE")]
    pub mock: Option<PathBuf>,

    /// Timeout for each request, e.g. `30s`, `500ms` or plain seconds.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

/// `30s`, `1m`, `250ms`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.trim().parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text.trim()).map_err(|e| format!("`{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn vars_split_at_the_first_equals() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_var("=x").is_err());
        assert!(parse_var("novalue").is_err());
    }
}
