//! What checks produce: an assertion operator's outcome and a captured value, plain data
//! the run keeps in its results and reporters show.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::view::excerpt_masked;
use crate::diagnostic::Diagnostic;
use crate::location::Location;
use crate::secrets::Secrets;

/// One operator of one assertion (`json: { $.value: { length: { gte: 1 } } }` is one
/// operator, `length gte`), held or not.
// Produced by the check and written into the JSON report as is (masked where it enters the
// report); the schema keeps its name `AssertionReport` (a doc comment would change the schema).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[schemars(rename = "AssertionReport")]
pub struct AssertOutcome {
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
    #[serde(with = "crate::location::as_text")]
    #[schemars(with = "String")]
    pub location: Location,
    /// Unified diff (expected → actual) for large values; null otherwise.
    pub diff: Option<String>,
}

impl AssertOutcome {
    /// The outcome with every known secret masked, before any value is cut for display.
    pub fn masked(&self, secrets: &Secrets) -> AssertOutcome {
        AssertOutcome {
            subject: secrets.mask(&self.subject).into_owned(),
            op: self.op.clone(),
            expected: self.expected.as_ref().map(|v| secrets.mask_value(v)),
            actual: self.actual.as_ref().map(|v| secrets.mask_value(v)),
            passed: self.passed,
            message: secrets.mask(&self.message).into_owned(),
            location: self.location.clone(),
            diff: self.diff.as_deref().map(|d| secrets.mask(d).into_owned()),
        }
    }

    /// The outcome as the one diagnostic renderer shows it: `subject: expected OP VALUE,
    /// actual VALUE — why`, at the assertion, with the diff under it (the source line is read
    /// only when a failure is shown).
    pub fn diagnostic(&self) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(self.title()).at(self.location.clone(), None);
        if let Some(diff) = &self.diff {
            diagnostic.label.extend(diff.lines().map(str::to_string));
        }
        diagnostic
    }

    /// `subject: expected OP VALUE, actual VALUE — why`: the one wording of an outcome.
    pub fn title(&self) -> String {
        let mut title = self.subject.clone();
        if let Some(expected) = &self.expected {
            let op = if self.op.is_empty() {
                String::new()
            } else {
                format!("{} ", self.op)
            };
            if self.diff.is_some() {
                title.push_str(&format!(": expected {op}and actual differ"));
            } else {
                let actual = self.actual.as_ref().map_or("nothing".into(), compact);
                title.push_str(&format!(
                    ": expected {op}{}, actual {actual}",
                    compact(expected)
                ));
            }
        }
        if !self.message.is_empty() {
            let separator = if self.expected.is_some() { " —" } else { ":" };
            title.push_str(&format!("{separator} {}", self.message));
        }
        title
    }
}

/// A value in one line, shortened when long (the outcome is masked before it is shown, so a
/// cut never splits a secret).
fn compact(value: &Value) -> String {
    excerpt_masked(&value.to_string(), 200)
}

/// A value a capture took.
#[derive(Debug, Clone)]
pub struct CaptureOutcome {
    /// The variable.
    pub name: String,
    /// The value.
    pub value: Value,
    /// Marked `secret: true`.
    pub secret: bool,
}
