//! Running from the editor: a "▶ run" code lens on each request and on the collection, and
//! the command `runner.run` behind them. A run is `runner run FILE --only PATH` in a child
//! process of this same binary (the run path of the command line, and its output kept off
//! the protocol's standard output), read back from its JSON report.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use lsp_types::{
    CodeLens, Command as LspCommand, Diagnostic, DiagnosticSeverity, MessageType, NumberOrString,
    Position, Range, Uri,
};
use serde_json::Value;

use super::convert::{position, token_range};
use super::document::Document;
use crate::location::Location;
use crate::report::model::RunReport;
use crate::run::result::Outcome;

/// The command the lenses are bound to.
pub const RUN_COMMAND: &str = "runner.run";

/// A "▶ run" lens on the collection's first line and on each request of this file.
pub fn lenses(document: &Document) -> Vec<CodeLens> {
    let Some(collection) = document.collection() else {
        return Vec::new();
    };
    let uri = Value::String(document.uri.as_str().to_string());
    let mut lenses = vec![lens(Position::new(0, 0), "▶ run all", vec![uri.clone()])];
    for request in &collection.requests {
        if *request.location.file != *document.path {
            continue;
        }
        let at = position(&document.text, request.location.line, request.location.col);
        let args = vec![uri.clone(), Value::String(request.path.clone())];
        lenses.push(lens(at, "▶ run", args));
    }
    lenses
}

fn lens(at: Position, title: &str, arguments: Vec<Value>) -> CodeLens {
    CodeLens {
        range: Range::new(at, at),
        command: Some(LspCommand {
            title: title.to_string(),
            command: RUN_COMMAND.to_string(),
            arguments: Some(arguments),
        }),
        data: None,
    }
}

/// One run asked for: the file, the request (none: all of them), the environment.
#[derive(Debug, Clone)]
pub struct RunAsked {
    /// The document.
    pub uri: Uri,
    /// Its file (the saved text is what runs).
    pub path: PathBuf,
    /// `group/name` of the request.
    pub request: Option<String>,
    /// `-e NAME`.
    pub environment: Option<String>,
}

/// A failure of a run, at its place.
#[derive(Debug, Clone)]
pub struct RunFailure {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

/// What a run gave.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// What was asked.
    pub asked: RunAsked,
    /// One line for the editor's message.
    pub summary: String,
    /// Whether everything passed.
    pub passed: bool,
    /// The failures with places.
    pub failures: Vec<RunFailure>,
}

/// Runs what is asked and reads its report (blocking: call it off the server's loop).
pub fn run(asked: RunAsked) -> RunOutcome {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let report_file = std::env::temp_dir().join(format!(
        "runner-lsp-{}-{}.json",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let mut command = match std::env::current_exe() {
        Ok(exe) => Command::new(exe),
        Err(e) => return failed(asked, format!("cannot find the runner binary: {e}")),
    };
    command.arg("run").arg(&asked.path).arg("--no-color");
    if let Some(request) = &asked.request {
        command.arg("--only").arg(globset::escape(request));
    }
    if let Some(env) = &asked.environment {
        command.arg("-e").arg(env);
    }
    command
        .arg("--report")
        .arg(format!("json={}", report_file.display()))
        .stdin(Stdio::null());
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => return failed(asked, format!("cannot start runner run: {e}")),
    };
    let report = std::fs::read_to_string(&report_file)
        .ok()
        .and_then(|text| serde_json::from_str::<RunReport>(&text).ok());
    let _ = std::fs::remove_file(&report_file);
    match report {
        Some(report) => from_report(asked, &report),
        None => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rfind(|l| !l.trim().is_empty());
            failed(
                asked,
                format!("run failed: {}", last.unwrap_or("no report")),
            )
        }
    }
}

fn failed(asked: RunAsked, summary: String) -> RunOutcome {
    RunOutcome {
        asked,
        summary: format!("runner: {summary}"),
        passed: false,
        failures: Vec::new(),
    }
}

fn from_report(asked: RunAsked, report: &RunReport) -> RunOutcome {
    let mut failures = Vec::new();
    let mut ran = Vec::new();
    for request in report.units.iter().flat_map(|u| &u.requests) {
        if request.outcome == Outcome::Skipped {
            continue;
        }
        let status = request
            .status
            .map_or("no response".to_string(), |s| s.to_string());
        let time = request
            .duration_ms
            .map(|ms| format!(" in {ms} ms"))
            .unwrap_or_default();
        ran.push(format!(
            "{} {} {status}{time}",
            request.method, request.name
        ));
        if request.outcome != Outcome::Failed {
            continue;
        }
        if let Some(location) = crate::location::as_text::parse(&request.location) {
            failures.extend(request.errors.iter().map(|error| RunFailure {
                location: location.clone(),
                message: format!("`{}`: {error}", request.name),
            }));
        }
        // worded as the terminal and the reports word them
        failures.extend(
            request
                .assertions
                .iter()
                .filter(|a| !a.passed)
                .map(|a| RunFailure {
                    location: a.location.clone(),
                    message: format!("assertion failed: {}", a.title()),
                }),
        );
    }
    let s = &report.summary;
    let counts = format!(
        "{} passed, {} failed, {} skipped",
        s.passed, s.failed, s.skipped
    );
    let summary = match ran.as_slice() {
        [one] => format!("runner: {one}: {counts}"),
        _ => format!("runner: {counts} in {} ms", report.duration_ms),
    };
    RunOutcome {
        asked,
        summary,
        passed: s.failed == 0 && !report.interrupted,
        failures,
    }
}

impl RunOutcome {
    /// The failures in `document`'s file as diagnostics.
    pub fn diagnostics(&self, document: &Document) -> Vec<Diagnostic> {
        self.failures
            .iter()
            .filter(|f| *f.location.file == *document.path)
            .map(|f| Diagnostic {
                range: token_range(&document.text, &f.location),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String("run-failed".to_string())),
                source: Some("runner run".to_string()),
                message: document.secrets().mask(&f.message).into_owned(),
                ..Diagnostic::default()
            })
            .collect()
    }

    /// How the editor shows the summary.
    pub fn message_type(&self) -> MessageType {
        if self.passed {
            MessageType::INFO
        } else {
            MessageType::ERROR
        }
    }
}

/// The arguments of `runner.run`: the file's URI, then the request's path (optional).
pub fn parse_arguments(arguments: &[Value]) -> Option<(Uri, Option<String>)> {
    let uri: Uri = arguments.first()?.as_str()?.parse().ok()?;
    let request = arguments.get(1).and_then(Value::as_str).map(str::to_string);
    Some((uri, request))
}
