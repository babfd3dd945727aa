//! Reporters: the terminal for people as the run goes; report files for CI at the end.
//! Every file is written from a `RunReport` and passes through secret masking.

mod html;
mod junit;
mod kind;
pub mod model;
pub mod note;
mod tap;
pub mod terminal;

use std::path::Path;

pub use kind::ReportKind;

use crate::secrets::Secrets;
use model::RunReport;

/// Writes one report file (folders created as needed), every known secret masked.
pub fn write(
    kind: ReportKind,
    report: &RunReport,
    path: &Path,
    secrets: &Secrets,
) -> std::io::Result<()> {
    // mask the data before any format escapes it, then the text as a second net
    let report = &masked(report, secrets)?;
    let text = match kind {
        ReportKind::Json => serde_json::to_string_pretty(report).map_err(std::io::Error::other)?,
        ReportKind::Junit => junit::render(report)?,
        ReportKind::Tap => tap::render(report),
        ReportKind::Html => html::render(report),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, secrets.mask(&text).as_bytes())
}

/// The report with every known secret masked in every string it holds.
fn masked(report: &RunReport, secrets: &Secrets) -> std::io::Result<RunReport> {
    fn walk(value: &mut serde_json::Value, secrets: &Secrets) {
        match value {
            serde_json::Value::String(s) => {
                if let std::borrow::Cow::Owned(m) = secrets.mask(s) {
                    *s = m;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, secrets)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, secrets)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(report).map_err(std::io::Error::other)?;
    walk(&mut value, secrets);
    serde_json::from_value(value).map_err(std::io::Error::other)
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
