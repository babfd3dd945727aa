//! Checks on a response: assertions (every one evaluated) and captures.
//! Reads the response through `ResponseView` (`view`), which parses the JSON body at most
//! once; a matcher's operators are evaluated in `ops`.

pub mod matcher;
mod ops;
pub mod outcome;
pub mod snapshot;
mod view;

use serde_json::Value;

use crate::http::HttpResponse;
use crate::model::{Assertion, Capture, CaptureSource, Check, Subject};
use crate::query::member;
pub use ops::{CheckContext, matches};
use ops::{OpOutcome, eval_matcher, failure};
use outcome::AssertOutcome;
use view::duration_ms;
pub use view::{ResponseView, excerpt};

/// Evaluates one assertion: an outcome per operator, passed or not.
pub fn eval_assertion(
    assertion: &Assertion,
    view: &ResponseView,
    cx: &CheckContext,
) -> Vec<AssertOutcome> {
    let subject = match &assertion.check {
        Check::Schema(_) => "schema".to_string(),
        Check::Snapshot(_) => "snapshot".to_string(),
        _ => subject_label(&assertion.subject),
    };
    let into_assert = |f: OpOutcome| AssertOutcome {
        location: assertion.location.clone(),
        subject: subject.clone(),
        op: f.op,
        expected: f.expected,
        actual: f.actual,
        passed: f.passed,
        message: f.message,
        diff: f.diff,
    };
    let fail = |message: String| vec![into_assert(failure("", None, None, &message))];
    let actual = match &assertion.subject {
        Subject::Status => Some(Value::from(view.response.status)),
        Subject::Header(name) => view.response.header(name).map(Value::String),
        Subject::Json(query) => match view.select(query) {
            Ok(value) => value,
            Err(message) => return fail(message),
        },
        Subject::Body => Some(Value::String(view.text())),
        Subject::DurationMs => Some(Value::from(duration_ms(view.response))),
        Subject::Expr { id, .. } => {
            return match cx.templates.eval(*id, cx.vars) {
                Ok(value) if value.is_true() => {
                    let mut held = failure("", None, None, "");
                    held.passed = true;
                    vec![into_assert(held)]
                }
                Ok(value) => fail(format!("is not true (it is {value})")),
                Err(e) => fail(e.to_string()),
            };
        }
    };
    match &assertion.check {
        Check::Matcher(matcher) => eval_matcher(matcher, actual.as_ref(), cx)
            .into_iter()
            .map(into_assert)
            .collect(),
        Check::Truthy => unreachable!("only expressions are checked for truth"),
        Check::Schema(schema) => eval_schema(schema, view)
            .into_iter()
            .map(into_assert)
            .collect(),
        Check::Snapshot(spec) => {
            let Some(settings) = cx.snapshots else {
                return fail("snapshots are not available here".into());
            };
            let result = snapshot::eval(spec, view, cx.request_path, settings);
            let mut outcome = failure("snapshot", None, None, &result.message);
            outcome.passed = result.passed;
            outcome.diff = result.diff;
            vec![into_assert(outcome)]
        }
    }
}

/// Every violation of the schema, each at its JSON path; one passed outcome when valid.
fn eval_schema(schema: &crate::model::Schema, view: &ResponseView) -> Vec<OpOutcome> {
    let json = match view.json() {
        Ok(json) => json,
        Err(message) => return vec![failure("schema", None, None, message)],
    };
    let violations: Vec<OpOutcome> = schema
        .validator
        .iter_errors(json)
        .map(|e| {
            let at = json_path_of_pointer(&e.instance_path().to_string());
            failure(
                "schema",
                None,
                None,
                &format!("{} at {at}: {e}", schema.source),
            )
        })
        .collect();
    if violations.is_empty() {
        let mut held = failure("schema", None, None, "");
        held.passed = true;
        vec![held]
    } else {
        violations
    }
}

/// `/value/0/id` → `$.value[0].id`.
fn json_path_of_pointer(pointer: &str) -> String {
    let mut path = String::from("$");
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        match part.parse::<usize>() {
            Ok(index) => path.push_str(&format!("[{index}]")),
            Err(_) => path.push_str(&member(&part)),
        }
    }
    path
}

fn subject_label(subject: &Subject) -> String {
    match subject {
        Subject::Status => "status".into(),
        Subject::Header(name) => format!("header {name}"),
        Subject::Json(query) => format!("json {}", query.source),
        Subject::Body => "body".into(),
        Subject::DurationMs => "duration_ms".into(),
        Subject::Expr { source, .. } => format!("expr `{source}`"),
    }
}

/// Takes a capture's value from the response, or says what the response held instead.
pub fn eval_capture(capture: &Capture, view: &ResponseView) -> Result<Value, String> {
    match &capture.source {
        CaptureSource::Json(query) => match view.select(query)? {
            Some(value) => Ok(value),
            None => Err(format!(
                "JSONPath `{}` selected nothing; the body was: {}",
                query.source,
                excerpt(&view.text(), 200, view.secrets)
            )),
        },
        CaptureSource::Header(name) => {
            view.response
                .header(name)
                .map(Value::String)
                .ok_or_else(|| {
                    format!(
                        "no header `{name}`; the response had: {}",
                        header_names(view.response)
                    )
                })
        }
        CaptureSource::Regex { regex, header } => {
            let haystack = match header {
                Some(name) => view.response.header(name).ok_or_else(|| {
                    format!(
                        "no header `{name}`; the response had: {}",
                        header_names(view.response)
                    )
                })?,
                None => view.text(),
            };
            let caps = regex.captures(&haystack).ok_or_else(|| {
                let place = header
                    .as_ref()
                    .map_or("the body".to_string(), |h| format!("header `{h}`"));
                format!(
                    "regex `{}` did not match {place}: {}",
                    regex.as_str(),
                    excerpt(&haystack, 200, view.secrets)
                )
            })?;
            let m = caps
                .get(1)
                .or_else(|| caps.get(0))
                .expect("group 0 always matches");
            Ok(Value::String(m.as_str().to_string()))
        }
        CaptureSource::Status => Ok(Value::from(view.response.status)),
        // rendered by the run, which holds the templates and the variables
        CaptureSource::Value(_) => Err("a `value` capture is rendered, not selected".into()),
    }
}

fn header_names(response: &HttpResponse) -> String {
    let names: Vec<&str> = response.headers.iter().map(|(n, _)| n.as_str()).collect();
    if names.is_empty() {
        "no headers".into()
    } else {
        names.join(", ")
    }
}
