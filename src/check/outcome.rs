//! What checks produce: an assertion operator's outcome and a captured value, plain data
//! the run keeps in its results and reporters show.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::location::Location;

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
