//! JUnit XML as CI systems read it: a testsuite per unit, a testcase per request with its
//! time, `<failure>` with the diagnostics of what failed, the request line in system-out.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::model::{RequestReport, RunReport};
use crate::diagnostic::Sources;
use crate::run::result::Outcome;

/// The report as JUnit XML.
pub fn render(report: &RunReport, sources: &mut Sources) -> std::io::Result<String> {
    let mut junit = Report::new("runner");
    junit.set_time(Duration::from_millis(report.duration_ms));
    for unit in &report.units {
        let mut suite = TestSuite::new(unit.label());
        let mut time = Duration::ZERO;
        for request in &unit.requests {
            time += Duration::from_millis(request.duration_ms.unwrap_or(0));
            suite.add_test_case(test_case(request, &unit.file, sources));
        }
        suite.set_time(time);
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(std::io::Error::other)
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
