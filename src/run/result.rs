//! What a run produced: plain data for reporters. Assertion failures and errors are kept apart.

use std::time::Duration;

use super::note::Note;
use crate::check::outcome::{AssertOutcome, CaptureOutcome};
use crate::diagnostic::Diagnostic;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::location::Location;
use crate::secrets::Secrets;

/// The results of one unit: a collection file, once or for one data row.
#[derive(Debug)]
pub struct CollectionResult {
    /// The collection's name.
    pub name: String,
    /// Its file.
    pub path: std::path::PathBuf,
    /// 1-based data row or iteration.
    pub iteration: Option<usize>,
    /// `[row 3]` or `[iteration 3]`.
    pub label: Option<String>,
    /// Width of the longest request path, for aligned output.
    pub name_width: usize,
    /// One result per request, in order (skipped ones included).
    pub requests: Vec<RequestResult>,
}

impl CollectionResult {
    /// What identifies the unit in output.
    pub fn info(&self) -> UnitInfo {
        UnitInfo {
            name: self.name.clone(),
            path: self.path.clone(),
            label: self.label.clone(),
            name_width: self.name_width,
        }
    }
}

/// What identifies a unit in output.
pub struct UnitInfo {
    /// Collection name.
    pub name: String,
    /// Collection file.
    pub path: std::path::PathBuf,
    /// `[row 3]`, for iterations.
    pub label: Option<String>,
    /// Width of the longest request path, for aligned output.
    pub name_width: usize,
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sent, every assertion and capture held.
    Passed,
    /// Not sent, or something did not hold.
    Failed,
    /// Not run (after `--bail`).
    Skipped,
}

/// One request's result.
#[derive(Debug)]
pub struct RequestResult {
    /// The request's name.
    pub name: String,
    /// Where the request is written.
    pub location: Location,
    /// The rendered method (or the template source if rendering failed).
    pub method: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it did not run.
    pub skip_reason: Option<String>,
    /// Not selected, but run because this selected request needs its captures.
    pub pulled_in_by: Option<String>,
    /// What was sent, if it got that far.
    pub request: Option<HttpRequest>,
    /// What came back, if anything (the body possibly cut, see `shrunk`).
    pub response: Option<HttpResponse>,
    /// The full size of the response body.
    pub response_size: Option<usize>,
    /// Every problem other than assertions, in the order found.
    pub failures: Vec<Failure>,
    /// Every assertion operator's outcome, in file order.
    pub checks: Vec<AssertOutcome>,
    /// Values captured into variables.
    pub captured: Vec<CaptureOutcome>,
    /// When the request started, from the start of the run.
    pub started: Duration,
    /// Times the request was sent.
    pub attempts: u32,
    /// Resends after throttling or a reset (a request that passed after some is flaky).
    pub retries: u32,
    /// Resends while polling `retry.until`.
    pub polls: u32,
    /// The waits before each retry.
    pub waits: Vec<Duration>,
    /// What happened on the way (token fetched, resent after 401), for `-v`.
    pub notes: Vec<Note>,
    /// What to check, for failures with a known usual cause.
    pub hints: Vec<&'static str>,
}

impl RequestResult {
    /// The result with bodies cut to `limit` bytes (copied, so the large buffers are freed;
    /// never inside a known secret, so it is still masked whole when shown);
    /// the full sizes stay in `response_size`.
    pub fn shrunk(mut self, limit: usize, secrets: &Secrets) -> Self {
        if let Some(response) = &mut self.response {
            self.response_size = Some(response.body.len());
            if response.body.len() > limit {
                let cut = secrets.cut_point(&response.body, limit);
                response.body = bytes::Bytes::copy_from_slice(&response.body[..cut]);
            }
        }
        if let Some(request) = &mut self.request
            && let crate::http::HttpBody::Bytes { data, .. } = &mut request.body
            && data.len() > limit
        {
            let cut = secrets.cut_point(data, limit);
            *data = bytes::Bytes::copy_from_slice(&data[..cut]);
        }
        self
    }

    /// Passed, but only after retrying.
    pub fn flaky(&self) -> bool {
        self.outcome == Outcome::Passed && self.retries > 0
    }

    /// Time to the full response, if there was one.
    pub fn duration(&self) -> Option<Duration> {
        self.response.as_ref().map(|r| r.duration)
    }
}

/// Why a request failed.
#[derive(Debug)]
pub enum Failure {
    /// A template could not be rendered.
    Template {
        /// The message, naming the variable and field.
        message: String,
        /// Where the template is written.
        location: Location,
        /// Why the variable is missing, when an earlier request should have captured it.
        cause: Option<String>,
    },
    /// No response (connection, timeout, invalid URL).
    Http(HttpError),
    /// No token could be had for the request's `auth:`.
    Auth(String),
    /// A capture found nothing.
    Capture {
        /// The variable.
        name: String,
        /// Where the capture is written.
        location: Location,
        /// What was looked for and what the response held.
        message: String,
    },
    /// `retry.until` never held.
    Polling(String),
    /// A multipart file could not be read.
    File {
        /// What went wrong.
        message: String,
    },
}

impl Failure {
    /// The failure as the one diagnostic renderer shows it (without its source line: that is
    /// read only when a failure is shown).
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            Failure::Template {
                message,
                location,
                cause,
            } => {
                let diagnostic = Diagnostic::new(message).at(location.clone(), None);
                match cause {
                    Some(cause) => diagnostic.with_label(format!("cause: {cause}")),
                    None => diagnostic,
                }
            }
            Failure::Http(error) => Diagnostic::new(error.to_string()),
            Failure::Auth(message) | Failure::Polling(message) | Failure::File { message } => {
                Diagnostic::new(message)
            }
            Failure::Capture {
                name,
                location,
                message,
            } => Diagnostic::new(format!("capture `{name}`: {message}")).at(location.clone(), None),
        }
    }

    /// Where the failure is written, when it is about one place.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Failure::Template { location, .. } | Failure::Capture { location, .. } => {
                Some(location)
            }
            _ => None,
        }
    }
}

impl RequestResult {
    /// The assertion operators that did not hold.
    pub fn failed_checks(&self) -> impl Iterator<Item = &AssertOutcome> {
        self.checks.iter().filter(|c| !c.passed)
    }
}
