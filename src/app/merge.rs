//! `runner report merge`: the JSON reports of shards → one report with the combined totals,
//! written as JSON, JUnit, HTML or TAP.

use super::exit::{Exit, general, input_errors};
use crate::cli::MergeArgs;
use crate::report::ReportKind;
use crate::report::model::{RunReport, Summary, UnitReport};
use crate::secrets::Secrets;

/// Runs `runner report merge`.
pub fn merge(args: &MergeArgs) -> Exit {
    // the reports read were masked when written; nothing here learns a secret
    let secrets = Secrets::default();
    let mut reports = Vec::new();
    let mut read: Vec<std::path::PathBuf> = Vec::new();
    for path in &args.from {
        // the same file twice (a glob and a name, `a.json ./a.json`) would count its units twice
        let same = path.canonicalize().unwrap_or_else(|_| path.clone());
        if read.contains(&same) {
            eprintln!(
                "warning: {} is given more than once; it is merged once",
                path.display()
            );
            continue;
        }
        read.push(same);
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
        read.len(),
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

/// One report holding every unit: earliest start, longest duration, recounted totals. Units
/// keep the order of the unsharded run when the reports are the shards of one run (a shard
/// took every N-th unit), else the order of the files as given.
fn combine(reports: Vec<RunReport>) -> RunReport {
    let positions = run_positions(&reports);
    let mut reports = reports.into_iter().enumerate();
    let (_, mut merged) = reports.next().expect("clap requires at least one --from");
    let mut units: Vec<(usize, usize, UnitReport)> = Vec::new();
    let mut add = |file: usize, report_units: Vec<UnitReport>| {
        for (n, unit) in report_units.into_iter().enumerate() {
            let (shard, total) = positions.get(file).copied().unwrap_or((0, 1));
            units.push((shard + n * total, file, unit));
        }
    };
    add(0, std::mem::take(&mut merged.units));
    for (file, report) in reports {
        if report.started_at < merged.started_at {
            merged.started_at = report.started_at;
        }
        merged.duration_ms = merged.duration_ms.max(report.duration_ms);
        merged.interrupted |= report.interrupted;
        add(file, report.units);
    }
    if positions.is_empty() {
        units.sort_by_key(|(_, file, _)| *file);
    } else {
        units.sort_by_key(|(position, _, _)| *position);
    }
    merged.units = units.into_iter().map(|(_, _, unit)| unit).collect();
    merged.shard = None;
    merged.summary = Summary::of(&merged.units);
    merged
}

/// For the shards of one run (every report a different K of the same N): each report's
/// (K - 1, N), so unit `n` of shard K was unit `K - 1 + n * N` of the whole run. Empty when
/// the reports are anything else.
fn run_positions(reports: &[RunReport]) -> Vec<(usize, usize)> {
    let shards: Option<Vec<_>> = reports.iter().map(|r| r.shard).collect();
    let Some(shards) = shards else {
        return Vec::new();
    };
    let total = shards.first().map_or(0, |s| s.total);
    let mut indexes: Vec<usize> = shards.iter().map(|s| s.index).collect();
    indexes.sort_unstable();
    indexes.dedup();
    if shards.iter().any(|s| s.total != total) || indexes.len() != shards.len() {
        return Vec::new();
    }
    shards.iter().map(|s| (s.index - 1, s.total)).collect()
}
