//! Where report documents go: a file, written to a temporary file beside it and renamed into
//! place when complete (no reader or crash ever sees a torn report), or standard output for
//! the path `-`. Every file is created before the first request, so an unwritable path stops
//! the run before anything is sent.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use super::head::Head;
use super::kind::ReportKind;
use super::model::UnitReport;
use super::stream::render;
use crate::secrets::Secrets;

/// One report to write, its destination opened.
struct Target {
    kind: ReportKind,
    path: PathBuf,
    /// None for standard output.
    temp: Option<tempfile::NamedTempFile>,
}

/// The report files of a run, opened (as temporary files) before it starts.
pub struct ReportFiles {
    targets: Vec<Target>,
}

/// A report that could not be written: its path and why.
#[derive(Debug)]
pub struct WriteError {
    /// The report's path.
    pub path: PathBuf,
    /// Why.
    pub error: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot write the report {}: {}",
            self.path.display(),
            self.error
        )
    }
}

impl ReportFiles {
    /// Opens a temporary file beside each report path (folders created as needed).
    pub fn create(reports: &[(ReportKind, PathBuf)]) -> Result<ReportFiles, WriteError> {
        let targets = reports
            .iter()
            .map(|(kind, path)| {
                let temp = if path.as_os_str() == "-" {
                    None
                } else {
                    Some(temp_beside(path).map_err(|error| WriteError {
                        path: path.clone(),
                        error,
                    })?)
                };
                Ok(Target {
                    kind: *kind,
                    path: path.clone(),
                    temp,
                })
            })
            .collect::<Result<_, WriteError>>()?;
        Ok(ReportFiles { targets })
    }

    /// Writes every report with `units` (called for each pass over them) and renames each into
    /// place.
    pub fn write<I>(
        self,
        head: &Head,
        mut units: impl FnMut() -> io::Result<I>,
        secrets: &Secrets,
    ) -> Vec<WriteError>
    where
        I: Iterator<Item = io::Result<UnitReport>>,
    {
        let mut errors = Vec::new();
        for target in self.targets {
            let written = match target.temp {
                None => render(
                    target.kind,
                    head,
                    &mut units,
                    &mut io::stdout().lock(),
                    secrets,
                ),
                Some(temp) => (|| {
                    let mut out = BufWriter::new(temp);
                    render(target.kind, head, &mut units, &mut out, secrets)?;
                    let temp = out.into_inner().map_err(|e| e.into_error())?;
                    temp.as_file().sync_data()?;
                    temp.persist(&target.path).map(drop).map_err(|e| e.error)
                })(),
            };
            if let Err(error) = written {
                errors.push(WriteError {
                    path: target.path,
                    error,
                });
            }
        }
        errors
    }
}

/// A temporary file in the report's folder (so the rename stays on one file system).
fn temp_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir
        }
        None => Path::new("."),
    };
    let name = path.file_name().map_or_else(
        || ".report".to_string(),
        |n| format!(".{}.", n.to_string_lossy()),
    );
    let temp = tempfile::Builder::new()
        .prefix(&name)
        .suffix(".tmp")
        .tempfile_in(dir)?;
    // a folder in the report's place is found now, not after the run
    if path.is_dir() {
        return Err(io::Error::other("it is a folder"));
    }
    // readable like any other file written here (a temporary file starts as 0600)
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(temp)
}
