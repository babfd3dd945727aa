//! Reporters: the terminal for people as the run goes; report files for CI, built unit by
//! unit as units finish (`build`, masking as it builds) and streamed to disk (`stream`).

mod build;
mod dump;
mod escape;
mod files;
mod folded;
pub mod head;
mod html;
mod junit;
mod kind;
pub mod model;
pub mod note;
mod paint;
mod shown;
pub mod stream;
mod tap;
pub mod terminal;

use std::path::Path;

pub use build::{RunInfo, UnitBuilder};
pub use files::{ReportFiles, WriteError};
pub use kind::ReportKind;

use crate::secrets::Secrets;
use model::RunReport;

/// Writes one report held whole (a merged one) to `path` (`-`: standard output).
pub fn write(
    kind: ReportKind,
    report: &RunReport,
    path: &Path,
    secrets: &Secrets,
) -> std::io::Result<()> {
    let files = ReportFiles::create(&[(kind, path.to_path_buf())]).map_err(|e| e.error)?;
    let head = head::Head::of_report(report);
    let units = report.units.iter().cloned().map(Ok);
    match files.write(&head, units, secrets).pop() {
        Some(e) => Err(e.error),
        None => Ok(()),
    }
}

/// Reads a JSON report written by `write`.
pub fn read(path: &Path) -> Result<RunReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report: RunReport = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a runner JSON report: {e}", path.display()))?;
    if report.schema != model::SCHEMA {
        return Err(format!(
            "{} has schema `{}`; this runner reads `{}`",
            path.display(),
            report.schema,
            model::SCHEMA
        ));
    }
    Ok(report)
}
