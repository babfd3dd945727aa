//! What checks produce: an assertion operator's outcome and a captured value, plain data
//! the run keeps in its results and reporters show.

use serde_json::Value;

use crate::location::Location;

/// One operator of one assertion, held or not.
#[derive(Debug, Clone)]
pub struct AssertOutcome {
    /// Where the assertion is written.
    pub location: Location,
    /// What was checked (`status`, `header etag`, `json $.value`).
    pub subject: String,
    /// The operator (`eq`, `length gte`, …); empty where the subject itself failed.
    pub op: String,
    /// The rendered expected value, where there is one.
    pub expected: Option<Value>,
    /// The actual value, where one was found.
    pub actual: Option<Value>,
    /// Whether it held.
    pub passed: bool,
    /// Why, where the values alone do not say it (may be empty).
    pub message: String,
    /// A unified diff for large values.
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
