//! The report of a run as data: the documented, versioned JSON schema (`runner.report/v1`)
//! that every file reporter (JSON, JUnit, HTML, TAP) and `runner report merge` work from.
//! Built from run results; secrets are masked when a report is written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{HttpBody, HttpRequest, HttpResponse, MultipartValue};
use crate::run::result::{CollectionResult, Failure, Outcome, RequestResult};

/// The schema name and version written into every JSON report.
pub const SCHEMA: &str = "runner.report/v1";

/// Bodies are kept in reports up to this many bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// The JSON report of a `runner run` (`--report json=PATH`) or of `runner report merge`:
/// every unit (a collection file, or one data row or iteration of it) with every request,
/// its assertions, captures (secret ones masked) and errors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[schemars(title = "runner JSON report (runner.report/v1)")]
pub struct RunReport {
    /// The layout of this file: always `runner.report/v1`. A change that breaks readers
    /// gets a new version.
    #[schemars(extend("const" = "runner.report/v1"))]
    pub schema: String,
    /// The runner version that wrote it.
    pub runner_version: String,
    /// When the run started (RFC 3339, UTC, milliseconds).
    #[schemars(extend("format" = "date-time"))]
    pub started_at: String,
    /// Wall time of the run in milliseconds (for a merged report: the longest shard's).
    pub duration_ms: u64,
    /// Stopped by Ctrl-C: the report holds what ran until then.
    pub interrupted: bool,
    /// The slice of the units this run took (`--shard K/N`); null for an unsharded run and
    /// for a merged report.
    pub shard: Option<Shard>,
    /// Counts over all units.
    pub summary: Summary,
    /// One entry per unit (a collection, or one data row or iteration of it), in run order.
    pub units: Vec<UnitReport>,
}

/// `--shard K/N`: this run took every N-th unit, starting with the K-th.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Shard {
    /// 1-based index of this shard (K).
    #[schemars(range(min = 1))]
    pub index: usize,
    /// Number of shards (N).
    #[schemars(range(min = 1))]
    pub total: usize,
}

/// Request counts over all units (an iterated request counts once per iteration).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Summary {
    /// Requests that passed.
    pub passed: usize,
    /// Requests that failed.
    pub failed: usize,
    /// Requests not run (not selected, `when:`/`skip_if:`, after `--bail` or Ctrl-C).
    pub skipped: usize,
    /// Passed requests that needed retries (throttling, resets): counted in `passed` too.
    #[serde(default)]
    pub flaky: usize,
}

impl Summary {
    /// Counts the requests of the units.
    pub fn of(units: &[UnitReport]) -> Summary {
        let mut summary = Summary::default();
        for request in units.iter().flat_map(|u| &u.requests) {
            if request.flaky {
                summary.flaky += 1;
            }
            match request.outcome {
                Outcome::Passed => summary.passed += 1,
                Outcome::Failed => summary.failed += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
        }
        summary
    }
}

/// One unit: a collection file run once, or one data row (`--data`) or iteration
/// (`--iterations`) of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct UnitReport {
    /// The collection's name.
    pub collection: String,
    /// The collection file, as given on the command line.
    pub file: String,
    /// 1-based data row or iteration for data-driven and iterated runs; null otherwise.
    #[schemars(range(min = 1))]
    pub iteration: Option<usize>,
    /// How the unit is told apart in output: `[row 3]` for a data row, `[iteration 3]` for
    /// `--iterations`; null for a plain run.
    #[serde(default)]
    pub label: Option<String>,
    /// The requests in order.
    pub requests: Vec<RequestReport>,
}

impl UnitReport {
    /// `name`, `name [row 3]` or `name [iteration 3]`.
    pub fn label(&self) -> String {
        match (&self.label, self.iteration) {
            (Some(label), _) => format!("{} {label}", self.collection),
            (None, Some(i)) => format!("{} [row {i}]", self.collection),
            (None, None) => self.collection.clone(),
        }
    }
}

/// One request of a unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RequestReport {
    /// Group path and name, `group/name`.
    pub name: String,
    /// `file:line:col` of the request.
    pub location: String,
    /// HTTP method (`?` when it is a template that was never rendered).
    pub method: String,
    /// The URL sent; null when the request was not sent.
    pub url: Option<String>,
    /// Response status; null when there was no response.
    pub status: Option<u16>,
    /// How it ended: passed (sent, every capture and assertion held), failed, or skipped.
    #[serde(with = "outcome_name")]
    #[schemars(with = "OutcomeName")]
    pub outcome: Outcome,
    /// Why it did not run (`not selected`, `when: EXPR`, `skip_if: EXPR`, `--bail`, …);
    /// null unless skipped.
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Not selected by `--tag`/`--skip-tag`/`--only`, but run because this selected request
    /// needs a variable it captures; null otherwise.
    #[serde(default)]
    pub pulled_in_by: Option<String>,
    /// Times the request was sent (retries and polls included; 0 when not sent).
    #[serde(default)]
    pub attempts: u32,
    /// Resends after throttling (429/503) or a connection reset.
    #[serde(default)]
    pub retries: u32,
    /// Waits before each retry, in milliseconds.
    #[serde(default)]
    pub waits_ms: Vec<u64>,
    /// Passed, but only after retries: flaky.
    #[serde(default)]
    pub flaky: bool,
    /// When it started, in milliseconds from the start of the run (0 when skipped).
    pub started_ms: u64,
    /// Time to the full response in milliseconds; null when there was no response.
    pub duration_ms: Option<u64>,
    /// Every assertion operator, held or not.
    pub assertions: Vec<AssertionReport>,
    /// Values captured (secret ones masked).
    pub captures: Vec<CaptureReport>,
    /// Failures other than assertions (transport, template, capture, auth).
    pub errors: Vec<String>,
    /// What to check, for failures with a known usual cause.
    pub hints: Vec<String>,
    /// What happened on the way (token fetched, resent after 401).
    pub notes: Vec<String>,
    /// The request as sent (secrets masked); null when it was not sent.
    pub request: Option<MessageReport>,
    /// The response as received (secrets masked); null when there was none.
    pub response: Option<MessageReport>,
}

/// How a request ended, as the JSON report spells it.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // only describes the schema of `RequestReport::outcome`
enum OutcomeName {
    /// Sent, and every capture and assertion held.
    Passed,
    /// Not sent (template, auth or transport error), or a capture or assertion did not hold.
    Failed,
    /// Not run.
    Skipped,
}

/// One operator of one assertion (`json: { $.value: { length: { gte: 1 } } }` is one
/// operator, `length gte`), held or not.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct AssertionReport {
    /// What was checked (`status`, `header etag`, `json $.value`).
    pub subject: String,
    /// The operator (`eq`, `length gte`, …).
    pub op: String,
    /// The expected value (any JSON value); null where the operator has none.
    pub expected: Option<Value>,
    /// The actual value (any JSON value); null where nothing was found.
    pub actual: Option<Value>,
    /// Whether it held.
    pub passed: bool,
    /// Why not, where the values do not say it (often empty).
    pub message: String,
    /// `file:line:col` of the assertion.
    pub location: String,
    /// Unified diff (expected → actual) for large values; null otherwise.
    pub diff: Option<String>,
}

/// One value captured into a variable.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CaptureReport {
    /// The variable.
    pub name: String,
    /// The value (`"***"` for secret captures).
    pub value: Value,
    /// Marked `secret: true`: the value is masked here and in every other output.
    pub secret: bool,
}

/// A request or response: headers and the start of the body, secrets masked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MessageReport {
    /// Headers in order, each a `[name, value]` pair.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), up to 64 KiB; a multipart body as one
    /// `[name] value` line per part.
    pub body: String,
    /// The body's full size.
    pub body_bytes: usize,
}

mod outcome_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::run::result::Outcome;

    pub fn serialize<S: Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match outcome {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
        match String::deserialize(d)?.as_str() {
            "passed" => Ok(Outcome::Passed),
            "failed" => Ok(Outcome::Failed),
            "skipped" => Ok(Outcome::Skipped),
            other => Err(serde::de::Error::custom(format!(
                "unknown outcome `{other}`"
            ))),
        }
    }
}

/// The JSON Schema (draft 2020-12) of the JSON report, as committed in
/// `schema/report.schema.json`.
pub fn json_schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<RunReport>()
}

/// What a report needs to know about the run besides its results.
pub struct RunInfo {
    /// When the run started.
    pub started_at: std::time::SystemTime,
    /// Wall time.
    pub duration: std::time::Duration,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// The shard, if any.
    pub shard: Option<Shard>,
}

impl RunReport {
    /// The report of finished (or interrupted) units.
    pub fn new(results: &[CollectionResult], info: &RunInfo) -> RunReport {
        let units: Vec<UnitReport> = results.iter().map(unit_report).collect();
        RunReport {
            schema: SCHEMA.into(),
            runner_version: env!("CARGO_PKG_VERSION").into(),
            started_at: humantime::format_rfc3339_millis(info.started_at).to_string(),
            duration_ms: millis(info.duration),
            interrupted: info.interrupted,
            shard: info.shard,
            summary: Summary::of(&units),
            units,
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn unit_report(result: &CollectionResult) -> UnitReport {
    UnitReport {
        collection: result.name.clone(),
        file: result.path.display().to_string(),
        iteration: result.iteration,
        label: result.label.clone(),
        requests: result.requests.iter().map(request_report).collect(),
    }
}

fn request_report(r: &RequestResult) -> RequestReport {
    RequestReport {
        name: r.name.clone(),
        location: r.location.to_string(),
        method: r.method.clone(),
        url: r.request.as_ref().map(|q| q.url.clone()),
        status: r.response.as_ref().map(|s| s.status),
        outcome: r.outcome,
        skip_reason: r.skip_reason.clone(),
        pulled_in_by: r.pulled_in_by.clone(),
        attempts: r.attempts,
        retries: r.retries,
        waits_ms: r.waits.iter().map(|w| millis(*w)).collect(),
        flaky: r.flaky(),
        started_ms: millis(r.started),
        duration_ms: r.duration().map(millis),
        assertions: r
            .checks
            .iter()
            .map(|c| AssertionReport {
                subject: c.subject.clone(),
                op: c.op.clone(),
                expected: c.expected.clone(),
                actual: c.actual.clone(),
                passed: c.passed,
                message: c.message.clone(),
                location: c.location.to_string(),
                diff: c.diff.clone(),
            })
            .collect(),
        captures: r
            .captured
            .iter()
            .map(|c| CaptureReport {
                name: c.name.clone(),
                value: if c.secret {
                    Value::String(crate::secrets::MASK.into())
                } else {
                    c.value.clone()
                },
                secret: c.secret,
            })
            .collect(),
        errors: r.failures.iter().map(failure_text).collect(),
        hints: r.hints.iter().map(|h| h.to_string()).collect(),
        notes: r.notes.iter().map(ToString::to_string).collect(),
        request: r.request.as_ref().map(request_message),
        response: r
            .response
            .as_ref()
            .map(|response| response_message(response, r.response_size)),
    }
}

/// A failure in one line (plus its cause), as reports show it.
pub fn failure_text(failure: &Failure) -> String {
    match failure {
        Failure::Template { message, cause } => match cause {
            Some(cause) => format!("{message} ({cause})"),
            None => message.clone(),
        },
        Failure::Http(error) => error.to_string(),
        Failure::Auth(message) | Failure::Polling(message) | Failure::File { message } => {
            message.clone()
        }
        Failure::Capture {
            name,
            location,
            message,
        } => format!("capture `{name}` ({location}): {message}"),
    }
}

fn request_message(request: &HttpRequest) -> MessageReport {
    let (body, body_bytes) = match &request.body {
        HttpBody::Empty => (String::new(), 0),
        HttpBody::Bytes { data, .. } => (body_text(data), data.len()),
        HttpBody::Multipart(fields) => {
            let text: Vec<String> = fields
                .iter()
                .map(|(name, value)| match value {
                    MultipartValue::Text(t) => format!("[{name}] {t}"),
                    MultipartValue::File { file_name, data } => {
                        format!("[{name}] file {file_name}, {} bytes", data.len())
                    }
                })
                .collect();
            let text = text.join("\n");
            let len = text.len();
            (text, len)
        }
    };
    MessageReport {
        headers: request.headers.clone(),
        body,
        body_bytes,
    }
}

fn response_message(response: &HttpResponse, full_size: Option<usize>) -> MessageReport {
    MessageReport {
        headers: response.headers.clone(),
        body: body_text(&response.body),
        body_bytes: full_size.unwrap_or(response.body.len()),
    }
}

fn body_text(body: &[u8]) -> String {
    let cut = body.len().min(BODY_LIMIT);
    String::from_utf8_lossy(&body[..cut]).into_owned()
}
