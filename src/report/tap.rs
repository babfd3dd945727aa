//! TAP version 14: one test point per request, failures as YAML diagnostics.

use std::fmt::Write as _;

use super::model::{RequestReport, UnitReport};
use crate::run::result::Outcome;

/// The start of the document: the version and the plan (every request of the run).
pub fn head(requests: usize) -> String {
    format!("TAP version 14\n1..{requests}\n")
}

/// The end: a bail-out line when the run was interrupted.
pub fn tail(interrupted: bool) -> &'static str {
    if interrupted {
        "Bail out! interrupted\n"
    } else {
        ""
    }
}

/// The test points of one unit, numbered on from `number` (the run's requests before it).
pub fn unit(unit: &UnitReport, number: &mut usize) -> String {
    let mut out = String::new();
    for request in &unit.requests {
        *number += 1;
        let n = *number;
        let name = format!("{} - {}", unit.label(), request.name).replace('#', "\\#");
        match request.outcome {
            Outcome::Passed => {
                let _ = writeln!(out, "ok {n} {name}");
            }
            Outcome::Skipped => {
                let reason = request.skip_reason.as_deref().unwrap_or_default();
                let reason = reason.replace('#', "\\#").replace('\n', " ");
                let line = format!("ok {n} {name} # SKIP {reason}");
                let _ = writeln!(out, "{}", line.trim_end());
            }
            Outcome::Failed => failed_point(&mut out, n, &name, request),
        }
    }
    out
}

fn failed_point(out: &mut String, n: usize, name: &str, request: &RequestReport) {
    let _ = writeln!(out, "not ok {n} {name}");
    let _ = writeln!(out, "  ---");
    let messages: Vec<String> = request
        .errors
        .iter()
        .cloned()
        .chain(request.assertions.iter().filter(|a| !a.passed).map(|a| {
            format!(
                "{} {}: expected {}, actual {}",
                a.subject,
                a.op,
                a.expected.as_ref().map_or("-".into(), |v| v.to_string()),
                a.actual
                    .as_ref()
                    .map_or("nothing".into(), |v| v.to_string())
            )
        }))
        .collect();
    let _ = writeln!(out, "  location: {}", yaml_string(&request.location));
    let _ = writeln!(out, "  failures:");
    for m in messages {
        let _ = writeln!(out, "    - {}", yaml_string(&m));
    }
    let _ = writeln!(out, "  ...");
}

/// A double-quoted YAML scalar (JSON strings are valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
