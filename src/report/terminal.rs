//! Human output: a line per request as it finishes, failures in detail under it, a summary.
//! The only writer to stdout during a run.

use std::fmt::Write as _;
use std::io::Write as _;

use super::dump::Dump;
use super::paint::{ADDED, BOLD, DIM, FAIL, PASS, REMOVED, WARN, colored};
use crate::diagnostic::{Diagnostic, Sources};
use crate::run::Observer;
use crate::run::result::{Outcome, RequestResult, UnitInfo};
use crate::secrets::Secrets;

/// How much of a body `-v` shows.
pub const VERBOSE_BODY_BYTES: usize = 2048;

/// How much `run` shows of each request beyond its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// A line per request, failures under it.
    Quiet,
    /// `-v`: each request as sent and its response, bodies cut at `VERBOSE_BODY_BYTES`.
    Dumps,
    /// `-vv`: the dumps with whole bodies.
    WholeBodies,
}

impl Verbosity {
    /// From the number of `-v` flags.
    pub fn from_count(count: u8) -> Self {
        match count {
            0 => Verbosity::Quiet,
            1 => Verbosity::Dumps,
            _ => Verbosity::WholeBodies,
        }
    }

    /// How much of a body a dump shows; `None` for all of it.
    fn body_limit(self) -> Option<usize> {
        match self {
            Verbosity::WholeBodies => None,
            Verbosity::Quiet | Verbosity::Dumps => Some(VERBOSE_BODY_BYTES),
        }
    }
}

/// Flaky requests named in the summary; more are counted.
const FLAKY_NAMES: usize = 50;

/// Writes progress and results to stdout.
pub struct TerminalReporter {
    verbosity: Verbosity,
    /// Masked in everything written.
    secrets: Secrets,
    name_width: usize,
    collections: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Requests that passed only after retrying: how many, and the names of the first
    /// `FLAKY_NAMES` (a long run keeps no list that grows with it).
    flaky: usize,
    flaky_names: Vec<String>,
    /// Output held back while a whole unit is shown at once.
    batch: Option<String>,
    /// Collection files, read when a failure in them is shown.
    sources: Sources,
}

impl TerminalReporter {
    /// A reporter; `verbosity` above quiet adds request and response dumps.
    pub fn new(verbosity: Verbosity, secrets: Secrets) -> Self {
        TerminalReporter {
            verbosity,
            secrets,
            name_width: 0,
            collections: 0,
            passed: 0,
            failed: 0,
            skipped: 0,
            flaky: 0,
            flaky_names: Vec::new(),
            batch: None,
            sources: Sources::default(),
        }
    }

    /// Prints the final line: `N passed, N failed[, N skipped]`.
    pub fn finish(&self) {
        if self.flaky > 0 {
            let more = self.flaky - self.flaky_names.len();
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            emit(
                &format!(
                    "\n{WARN}{} flaky{WARN:#}: passed only after retrying: {}{more}\n",
                    self.flaky,
                    self.flaky_names.join(", ")
                ),
                &self.secrets,
            );
        }
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            let _ = write!(line, ", {} skipped", self.skipped);
        }
        emit(&format!("\n{line}\n"), &self.secrets);
    }
}

/// Writes to stdout with every known secret masked.
fn emit(text: &str, secrets: &Secrets) {
    let mut out: Box<dyn std::io::Write> = if colored() {
        Box::new(anstream::stdout().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    let _ = out.write_all(secrets.mask(text).as_bytes());
    let _ = out.flush();
}

impl TerminalReporter {
    /// Writes now, or into the batch while one is open.
    fn emit(&mut self, text: &str) {
        match &mut self.batch {
            Some(batch) => batch.push_str(text),
            None => emit(text, &self.secrets),
        }
    }

    /// Shows finished units in one write (parallel runs print units as they finish).
    pub fn show_units<'a>(
        &mut self,
        results: impl IntoIterator<Item = &'a crate::run::result::CollectionResult>,
    ) {
        self.batch = Some(String::new());
        for result in results {
            crate::run::replay(result, self);
        }
        if let Some(text) = self.batch.take() {
            emit(&text, &self.secrets);
        }
    }
}

impl Observer for TerminalReporter {
    fn unit_started(&mut self, unit: &UnitInfo) {
        let gap = if self.collections > 0 { "\n" } else { "" };
        self.collections += 1;
        self.name_width = unit.name_width;
        let label = unit
            .label
            .as_ref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        self.emit(&format!(
            "{gap}{BOLD}{}{label}{BOLD:#} {DIM}({}){DIM:#}\n",
            unit.name,
            unit.path.display()
        ));
    }

    fn request_finished(&mut self, result: &RequestResult) {
        let mut out = String::new();
        if result.flaky() {
            self.flaky += 1;
            if self.flaky_names.len() < FLAKY_NAMES {
                self.flaky_names.push(result.name.clone());
            }
        }
        match result.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
        write_request_line(&mut out, result, self.name_width);
        write_problems(&mut out, result, &mut self.sources, &self.secrets);
        for hint in &result.hints {
            let _ = writeln!(out, "      {BOLD}hint:{BOLD:#} {hint}");
        }
        if self.verbosity > Verbosity::Quiet {
            for note in &result.notes {
                let _ = writeln!(out, "    {DIM}· {note}{DIM:#}");
            }
            let dump = Dump {
                secrets: &self.secrets,
                body_limit: self.verbosity.body_limit(),
            };
            dump.exchange(&mut out, result.request.as_ref(), result.response.as_ref());
        }
        self.emit(&out);
    }
}

fn write_request_line(out: &mut String, result: &RequestResult, name_width: usize) {
    let (mark, style) = match result.outcome {
        Outcome::Passed => ("✔", PASS),
        Outcome::Failed => ("✘", FAIL),
        Outcome::Skipped => ("-", DIM),
    };
    let _ = write!(
        out,
        "{style}{mark}{style:#} {:<6} {:<name_width$}",
        result.method, result.name
    );
    match (&result.response, result.outcome) {
        (Some(response), _) => {
            let _ = write!(
                out,
                "  {} {DIM}{} ms{DIM:#}",
                response.status,
                response.duration.as_millis()
            );
        }
        (None, Outcome::Skipped) => {
            let reason = result.skip_reason.as_deref().unwrap_or("skipped");
            let _ = write!(out, "  {DIM}skipped: {reason}{DIM:#}");
        }
        (None, _) => {}
    }
    if result.retries > 0 {
        let noun = if result.retries == 1 {
            "retry"
        } else {
            "retries"
        };
        let _ = write!(out, "  {WARN}after {} {noun}{WARN:#}", result.retries);
    }
    if let Some(by) = &result.pulled_in_by {
        let _ = write!(
            out,
            "  {DIM}(run for `{by}`, which needs its captures){DIM:#}"
        );
    }
    out.push('\n');
}

/// Failures and failed assertions, in the order they are written in the file
/// (captures run before assertions, but read best in file order), each as its diagnostic.
fn write_problems(
    out: &mut String,
    result: &RequestResult,
    sources: &mut Sources,
    secrets: &Secrets,
) {
    let mut problems: Vec<((u32, u32), String)> = Vec::new();
    for failure in &result.failures {
        let place = failure.location().map_or((0, 0), |l| (l.line, l.col));
        let mut text = String::new();
        write_diagnostic(&mut text, &sources.with_source_line(failure.diagnostic()));
        problems.push((place, text));
    }
    for check in &result.checks {
        let mut text = String::new();
        if !check.passed {
            write_diagnostic(
                &mut text,
                &sources.with_source_line(check.masked(secrets).diagnostic()),
            );
        } else if !check.message.is_empty() {
            // a check that held but has something to say: a snapshot written
            let _ = writeln!(text, "    {WARN}✎{WARN:#} {}", check.message);
        } else {
            continue;
        }
        problems.push(((check.location.line, check.location.col), text));
    }
    problems.sort_by_key(|(place, _)| *place);
    for (_, text) in problems {
        out.push_str(&text);
    }
}

/// One diagnostic under its request: the headline after a cross, the source line, the labels
/// (a diff's lines coloured by kind) and the hint, indented.
fn write_diagnostic(out: &mut String, diagnostic: &Diagnostic) {
    let _ = writeln!(out, "    {FAIL}✘{FAIL:#} {}", diagnostic.headline());
    let source = diagnostic.render_source();
    let source = if colored() {
        source
    } else {
        anstream::adapter::strip_str(&source).to_string()
    };
    for line in source.lines() {
        let _ = writeln!(out, "      {line}");
    }
    for line in &diagnostic.label {
        let style = if line.starts_with('+') && !line.starts_with("+++") {
            ADDED
        } else if line.starts_with('-') && !line.starts_with("---") {
            REMOVED
        } else {
            DIM
        };
        let _ = writeln!(out, "      {style}{line}{style:#}");
    }
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(out, "      = help: {hint}");
    }
}
