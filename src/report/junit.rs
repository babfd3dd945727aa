//! JUnit XML as CI systems read it: a testsuite per unit, a testcase per request with its
//! time, `<failure>` with the diagnostics of what failed, the request line in system-out.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::model::{RequestReport, Summary, UnitReport};
use crate::diagnostic::Sources;
use crate::run::result::Outcome;

/// The start of the document: the totals over every unit, which readers show first.
pub fn head(summary: &Summary, errors: usize, duration_ms: u64) -> String {
    let time = Duration::from_millis(duration_ms).as_secs_f64();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"runner\" tests=\"{}\" failures=\"{}\" errors=\"{errors}\" skipped=\"{}\" time=\"{time:.3}\">\n",
        summary.passed + summary.failed + summary.skipped,
        summary.failed - errors.min(summary.failed),
        summary.skipped,
    )
}

/// The end of the document.
pub const TAIL: &str = "</testsuites>\n";

/// One unit as a `<testsuite>` element (quick-junit writes it, and escapes its text).
pub fn unit(unit: &UnitReport, sources: &mut Sources) -> std::io::Result<String> {
    let mut junit = Report::new("runner");
    let mut suite = TestSuite::new(unit.label());
    let mut time = Duration::ZERO;
    let mut skipped = 0usize;
    for request in &unit.requests {
        time += Duration::from_millis(request.duration_ms.unwrap_or(0));
        skipped += usize::from(request.outcome == Outcome::Skipped);
        suite.add_test_case(test_case(request, &unit.file, sources));
    }
    suite.set_time(time);
    suite
        .extra
        .insert("skipped".into(), skipped.to_string().into());
    junit.add_test_suite(suite);
    let text = junit.to_string().map_err(std::io::Error::other)?;
    // only the suite: the document's head and tail are written once, around every unit
    let start = text.find("<testsuite ").unwrap_or(0);
    let end = text.rfind("</testsuites>").unwrap_or(text.len());
    Ok(format!("    {}", &text[start..end]))
}

/// Requests that failed with an error (not sent, transport, capture), not an assertion.
pub fn is_error(request: &RequestReport) -> bool {
    request.outcome == Outcome::Failed && !request.errors.is_empty()
}

fn test_case(request: &RequestReport, file: &str, sources: &mut Sources) -> TestCase {
    let status = match request.outcome {
        Outcome::Passed => {
            let mut status = TestCaseStatus::success();
            // passed after retries: one flakyFailure per earlier attempt (Surefire's flaky format)
            for (i, wait) in request.waits_ms.iter().enumerate() {
                let mut rerun = TestRerun::new(NonSuccessKind::Failure);
                rerun.set_message(format!(
                    "attempt {} was throttled or reset; retried after {wait} ms",
                    i + 1
                ));
                status.add_rerun(rerun);
            }
            status
        }
        Outcome::Skipped => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &request.skip_reason {
                status.set_message(reason.clone());
            }
            status
        }
        Outcome::Failed => {
            let problems = problems(request, sources);
            let mut status = TestCaseStatus::non_success(if request.errors.is_empty() {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            });
            // the headline of the first problem; the whole text below
            let first = problems.first().and_then(|p| p.lines().next());
            status.set_message(first.unwrap_or_default().to_string());
            status.set_description(problems.join("\n"));
            status
        }
    };
    let mut case = TestCase::new(request.name.clone(), status);
    case.set_classname(file.to_string());
    case.set_assertions(request.assertions.len());
    if let Some(ms) = request.duration_ms {
        case.set_time(Duration::from_millis(ms));
    }
    let mut out = match (&request.url, request.status) {
        (Some(url), Some(status)) => format!("{} {url} → {status}", request.method),
        (Some(url), None) => format!("{} {url}", request.method),
        // never sent: no request line to show
        _ => String::new(),
    };
    if let Some(by) = &request.pulled_in_by {
        out.push_str(&format!("\n(run for `{by}`, which needs its captures)"));
    }
    let out = out.trim_start();
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case
}

/// Errors and failed assertions, each as its diagnostic (place, source line, diff), then hints.
fn problems(request: &RequestReport, sources: &mut Sources) -> Vec<String> {
    let mut out = request.errors.clone();
    for a in request.assertions.iter().filter(|a| !a.passed) {
        out.push(sources.with_source_line(a.diagnostic()).text());
    }
    out.extend(request.hints.iter().map(|h| format!("hint: {h}")));
    out
}
