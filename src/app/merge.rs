//! `runner report merge`: the JSON reports of shards → one report with the combined totals,
//! written as JSON, JUnit, HTML or TAP.

use super::{Exit, general, input_errors};
use crate::cli::MergeArgs;
use crate::report::ReportKind;
use crate::report::model::{RunReport, Summary};
use crate::secrets::Secrets;

/// Runs `runner report merge`.
pub fn merge(args: &MergeArgs) -> Exit {
    // the reports read were masked when written; nothing here learns a secret
    let secrets = Secrets::default();
    let mut reports = Vec::new();
    for path in &args.from {
        match crate::report::read(path) {
            Ok(report) => reports.push(report),
            Err(message) => return input_errors(&[general(message)], &secrets),
        }
    }
    let Some(kind) = ReportKind::from_extension(&args.out) else {
        return input_errors(
            &[general(format!(
                "{}: name the merged report .json, .xml (JUnit), .html or .tap",
                args.out.display()
            ))],
            &secrets,
        );
    };
    let merged = combine(reports);
    let outputs = std::iter::once((kind, args.out.clone())).chain(args.reports.iter().cloned());
    for (kind, path) in outputs {
        if let Err(e) = crate::report::write(kind, &merged, &path, &secrets) {
            return input_errors(
                &[general(format!("cannot write {}: {e}", path.display()))],
                &secrets,
            );
        }
    }
    let s = merged.summary;
    println!(
        "merged {} reports: {} passed, {} failed{}",
        args.from.len(),
        s.passed,
        s.failed,
        if s.skipped > 0 {
            format!(", {} skipped", s.skipped)
        } else {
            String::new()
        }
    );
    if merged.interrupted || s.failed > 0 {
        Exit::Failed
    } else {
        Exit::Passed
    }
}

/// One report holding every unit: earliest start, longest duration, recounted totals.
fn combine(reports: Vec<RunReport>) -> RunReport {
    let mut reports = reports.into_iter();
    let mut merged = reports.next().expect("clap requires at least one --from");
    for report in reports {
        if report.started_at < merged.started_at {
            merged.started_at = report.started_at;
        }
        merged.duration_ms = merged.duration_ms.max(report.duration_ms);
        merged.interrupted |= report.interrupted;
        merged.units.extend(report.units);
    }
    merged.shard = None;
    merged.summary = Summary::of(&merged.units);
    merged
}
