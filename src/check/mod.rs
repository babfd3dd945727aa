//! Checks on a response: assertions (every one evaluated) and captures.
//! Reads the response through `ResponseView`, which parses the JSON body at most once.

pub mod matcher;
pub mod outcome;
pub mod snapshot;

use std::cell::OnceCell;
use std::cmp::Ordering;

use serde_json::Value;

use crate::http::HttpResponse;
use crate::model::{Assertion, Capture, CaptureSource, Check, Matcher, Op, Subject};
use crate::query::{self, Query};
use crate::template::{TValue, Templates};
use outcome::AssertOutcome;

/// A response as assertions and captures see it.
pub struct ResponseView<'r> {
    response: &'r HttpResponse,
    json: OnceCell<Result<Value, String>>,
    pages: usize,
}

impl<'r> ResponseView<'r> {
    /// Wraps a response.
    pub fn new(response: &'r HttpResponse) -> Self {
        ResponseView {
            response,
            json: OnceCell::new(),
            pages: 1,
        }
    }

    /// A response joined from several pages (`response.pages` in expressions).
    pub fn with_pages(mut self, pages: usize) -> Self {
        self.pages = pages;
        self
    }

    /// All values of a header, joined; `None` if absent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.header(name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.response.body).into_owned()
    }

    /// The body parsed as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<&Value, &str> {
        self.json
            .get_or_init(|| {
                serde_json::from_slice(&self.response.body).map_err(|e| {
                    format!(
                        "the body is not JSON ({e}); it starts with: {}",
                        excerpt(&self.text(), 80)
                    )
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// `response` as templates see it: status, headers, json, body, duration_ms.
    pub fn template_value(&self) -> minijinja::Value {
        let headers: serde_json::Map<String, Value> = self
            .response
            .headers
            .iter()
            .map(|(n, _)| {
                (
                    n.to_ascii_lowercase(),
                    Value::String(self.response.header(n).unwrap_or_default()),
                )
            })
            .collect();
        let view = serde_json::json!({
            "status": self.response.status,
            "headers": headers,
            "json": self.json().ok().cloned().unwrap_or(Value::Null),
            "body": self.text(),
            "duration_ms": duration_ms(self.response),
            "pages": self.pages,
        });
        minijinja::Value::from_serialize(&view)
    }

    fn select(&self, query: &Query) -> Result<Option<Value>, String> {
        // a simple path on a body not parsed yet: read just that node from the text
        if let (Some(steps), None) = (&query.steps, self.json.get())
            && let Some(selected) = query::select_in_text(steps, &self.response.body)
        {
            return Ok(selected);
        }
        Ok(query::select(query, self.json().map_err(str::to_string)?))
    }
}

fn duration_ms(response: &HttpResponse) -> u64 {
    u64::try_from(response.duration.as_millis()).unwrap_or(u64::MAX)
}

/// The first `max` characters of a text, on one line.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > max {
        format!("{flat}…")
    } else {
        flat
    }
}

/// What templates in assertions can see: the variables, and `response` for expressions.
pub struct CheckContext<'a> {
    /// The compiled templates of the collection.
    pub templates: &'a Templates,
    /// Variables (and `response`) for rendering expected values.
    pub vars: &'a minijinja::Value,
    /// Where snapshots live; `None` where there are none (mock routes).
    pub snapshots: Option<&'a snapshot::SnapshotSettings>,
    /// The request's `group/name` (with loop element and data row), for default snapshot files.
    pub request_path: &'a str,
}

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

/// `.name`, or `['@odata.etag']` where a name is not a plain identifier.
pub fn member(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        format!(".{name}")
    } else {
        format!("['{}']", name.replace('\'', "\\'"))
    }
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

/// Whether every operator of a matcher holds for a value (`None`: nothing was found).
pub fn matches(matcher: &Matcher, actual: Option<&Value>, cx: &CheckContext) -> bool {
    eval_matcher(matcher, actual, cx).iter().all(|o| o.passed)
}

/// Evaluates every operator of a matcher against a value (`None`: nothing was found).
fn eval_matcher(matcher: &Matcher, actual: Option<&Value>, cx: &CheckContext) -> Vec<OpOutcome> {
    matcher
        .ops
        .iter()
        .map(|op| eval_op(op, actual, cx).unwrap_or_else(|failed| *failed))
        .collect()
}

fn render(value: &TValue, cx: &CheckContext) -> Result<Value, Box<OpOutcome>> {
    cx.templates
        .render_value(value, cx.vars)
        .map_err(|e| Box::new(failure("", None, None, &e.to_string())))
}

fn failure(op: &str, expected: Option<Value>, actual: Option<&Value>, message: &str) -> OpOutcome {
    let diff = match (&expected, actual) {
        (Some(e), Some(a)) if op == "eq" => matcher::diff(e, a),
        _ => None,
    };
    OpOutcome {
        op: op.to_string(),
        expected,
        actual: actual.cloned(),
        passed: false,
        message: message.to_string(),
        diff,
    }
}

fn outcome(
    op: &str,
    expected: Option<Value>,
    actual: Option<&Value>,
    message: &str,
    passed: bool,
) -> OpOutcome {
    if passed {
        OpOutcome {
            op: op.to_string(),
            expected,
            actual: actual.cloned(),
            passed,
            message: String::new(),
            diff: None,
        }
    } else {
        failure(op, expected, actual, message)
    }
}

/// One operator's result; `Err` in `eval_op` marks a failure found early.
struct OpOutcome {
    op: String,
    passed: bool,
    expected: Option<Value>,
    actual: Option<Value>,
    message: String,
    diff: Option<String>,
}

/// `Err` is a failure found before the operator could be applied (boxed: outcomes are large).
fn eval_op(
    op: &Op,
    actual: Option<&Value>,
    cx: &CheckContext,
) -> Result<OpOutcome, Box<OpOutcome>> {
    let name = op.name();
    if let Op::Exists(expected) = op {
        let holds = actual.is_some() == *expected;
        return Ok(outcome(
            name,
            Some(Value::Bool(*expected)),
            actual,
            "",
            holds,
        ));
    }
    let Some(actual) = actual else {
        let expected = match op {
            Op::Matches(re) => Some(Value::String(re.as_str().to_string())),
            Op::Type(ty) => Some(Value::String(ty.name().to_string())),
            _ => None,
        };
        return Err(Box::new(failure(name, expected, None, "nothing was found")));
    };
    let check = |holds: bool, expected: Value, what: &str| -> Result<OpOutcome, Box<OpOutcome>> {
        Ok(outcome(name, Some(expected), Some(actual), what, holds))
    };
    match op {
        Op::Eq(v) => {
            let e = render(v, cx)?;
            check(matcher::equal(actual, &e), e, "")
        }
        Op::Ne(v) => {
            let e = render(v, cx)?;
            check(!matcher::equal(actual, &e), e, "")
        }
        Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => {
            let e = render(v, cx)?;
            let Some(ordering) = matcher::compare(actual, &e) else {
                return Err(Box::new(failure(
                    name,
                    Some(e.clone()),
                    Some(actual),
                    &format!(
                        "cannot order {} against {}",
                        matcher::type_name(actual),
                        matcher::type_name(&e)
                    ),
                )));
            };
            let holds = match op {
                Op::Gt(_) => ordering == Ordering::Greater,
                Op::Gte(_) => ordering != Ordering::Less,
                Op::Lt(_) => ordering == Ordering::Less,
                _ => ordering != Ordering::Greater,
            };
            check(holds, e, "")
        }
        Op::Contains(v) => {
            let e = render(v, cx)?;
            check(matcher::contains(actual, &e), e, "")
        }
        Op::NotContains(v) => {
            let e = render(v, cx)?;
            check(!matcher::contains(actual, &e), e, "")
        }
        Op::StartsWith(v) => {
            let e = render(v, cx)?;
            check(matcher::text(actual).starts_with(&matcher::text(&e)), e, "")
        }
        Op::EndsWith(v) => {
            let e = render(v, cx)?;
            check(matcher::text(actual).ends_with(&matcher::text(&e)), e, "")
        }
        Op::Matches(re) => check(
            re.is_match(&matcher::text(actual)),
            Value::String(re.as_str().to_string()),
            "",
        ),
        Op::Type(ty) => check(
            matcher::has_type(actual, *ty),
            Value::String(ty.name().to_string()),
            &format!("it is {}", matcher::type_name(actual)),
        ),
        Op::Length(inner) => {
            let Some(len) = matcher::length(actual) else {
                return Err(Box::new(failure(
                    name,
                    None,
                    Some(actual),
                    &format!("a {} has no length", matcher::type_name(actual)),
                )));
            };
            let len = Value::from(len);
            let outcomes = eval_matcher(inner, Some(&len), cx);
            let first_failed = outcomes.iter().position(|o| !o.passed);
            let reported = outcomes.into_iter().nth(first_failed.unwrap_or(0));
            Ok(match reported {
                Some(inner) => OpOutcome {
                    op: format!("length {}", inner.op),
                    ..inner
                },
                None => outcome(name, None, Some(&len), "", true),
            })
        }
        Op::OneOf(options) => {
            let rendered = options
                .iter()
                .map(|o| render(o, cx))
                .collect::<Result<Vec<_>, _>>()?;
            let holds = rendered.iter().any(|o| matcher::equal(actual, o));
            check(holds, Value::Array(rendered), "")
        }
        Op::Exists(_) => unreachable!("handled above"),
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
                excerpt(&view.text(), 200)
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
                    excerpt(&haystack, 200)
                )
            })?;
            let m = caps
                .get(1)
                .or_else(|| caps.get(0))
                .expect("group 0 always matches");
            Ok(Value::String(m.as_str().to_string()))
        }
        CaptureSource::Status => Ok(Value::from(view.response.status)),
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
