//! TAP version 14: one test point per request, failures as YAML diagnostics.

use std::fmt::Write as _;

use super::model::RunReport;
use crate::run::result::Outcome;

/// The report as TAP.
pub fn render(report: &RunReport) -> String {
    let requests: Vec<_> = report
        .units
        .iter()
        .flat_map(|u| u.requests.iter().map(move |r| (u, r)))
        .collect();
    let mut out = format!("TAP version 14\n1..{}\n", requests.len());
    for (n, (unit, request)) in requests.iter().enumerate() {
        let n = n + 1;
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
            Outcome::Failed => {
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
        }
    }
    if report.interrupted {
        out.push_str("Bail out! interrupted\n");
    }
    out
}

/// A double-quoted YAML scalar (JSON strings are valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
