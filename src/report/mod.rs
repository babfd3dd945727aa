//! Reporters: the terminal for people as the run goes; report files for CI at the end.
//! Every file is written from a `RunReport`, whose text was masked as it was built (`build`).

mod build;
mod escape;
mod html;
mod junit;
mod kind;
pub mod model;
pub mod note;
mod tap;
pub mod terminal;

use std::path::Path;

pub use build::RunInfo;
pub use kind::ReportKind;

use crate::diagnostic::Sources;
use crate::secrets::Secrets;
use model::RunReport;

/// Writes one report file (folders created as needed). The report's text is masked already;
/// the source lines a failure shows are masked as they are read, with `secrets`.
pub fn write(
    kind: ReportKind,
    report: &RunReport,
    path: &Path,
    secrets: &Secrets,
) -> std::io::Result<()> {
    let masker = secrets.clone();
    let mut sources = Sources::masked_by(move |text| masker.mask(text).into_owned());
    let text = match kind {
        ReportKind::Json => serde_json::to_string_pretty(report).map_err(std::io::Error::other)?,
        ReportKind::Junit => junit::render(report, &mut sources)?,
        ReportKind::Tap => tap::render(report),
        ReportKind::Html => html::render(report, &mut sources),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text.as_bytes())
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
