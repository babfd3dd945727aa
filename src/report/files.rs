//! Where report documents go: a file, written to a temporary file beside it and renamed into
//! place when complete (no reader or crash ever sees a torn report), or standard output for
//! the path `-`. Every file is created before the first request, so an unwritable path stops
//! the run before anything is sent.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::head::Head;
use super::kind::ReportKind;
use super::model::UnitReport;
use super::stream::Renderer;
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

    /// Writes every report from one pass over `units`, then renames each into place.
    pub fn write<I>(self, head: &Head, units: I, secrets: &Secrets) -> Vec<WriteError>
    where
        I: Iterator<Item = io::Result<UnitReport>>,
    {
        let stdout = io::stdout();
        let mut open: Vec<Open> = self
            .targets
            .into_iter()
            .map(|target| {
                let mut out = match target.temp {
                    Some(temp) => Out::File(BufWriter::new(temp)),
                    None => Out::Stdout(stdout.lock()),
                };
                let renderer = Renderer::start(target.kind, head, out.writer(), secrets);
                let (renderer, error) = match renderer {
                    Ok(renderer) => (Some(renderer), None),
                    Err(error) => (None, Some(error)),
                };
                Open {
                    path: target.path,
                    out,
                    renderer,
                    error,
                }
            })
            .collect();
        for unit in units {
            match unit {
                Ok(unit) => open.iter_mut().for_each(|o| o.unit(head, &unit)),
                Err(e) => {
                    for o in &mut open {
                        o.error
                            .get_or_insert(io::Error::new(e.kind(), e.to_string()));
                    }
                    break;
                }
            }
        }
        open.into_iter()
            .filter_map(|o| o.finish(head).err())
            .collect()
    }
}

/// A report being written: where to, how, and its first error.
struct Open<'o> {
    path: PathBuf,
    out: Out<'o>,
    renderer: Option<Renderer>,
    error: Option<io::Error>,
}

/// A report's destination.
enum Out<'o> {
    File(BufWriter<tempfile::NamedTempFile>),
    Stdout(io::StdoutLock<'o>),
}

impl Out<'_> {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Out::File(file) => file,
            Out::Stdout(stdout) => stdout,
        }
    }
}

impl Open<'_> {
    /// Writes a unit, unless this report failed already.
    fn unit(&mut self, head: &Head, unit: &UnitReport) {
        if self.error.is_some() {
            return;
        }
        if let Some(renderer) = &mut self.renderer
            && let Err(e) = renderer.unit(head, unit, self.out.writer())
        {
            self.error = Some(e);
        }
    }

    /// Ends the document and renames a file into place (a failed one is left out).
    fn finish(mut self, head: &Head) -> Result<(), WriteError> {
        let finished = match (self.error, self.renderer) {
            (Some(error), _) => Err(error),
            (None, Some(renderer)) => renderer.finish(head, self.out.writer()),
            (None, None) => Ok(()),
        };
        let written = finished.and_then(|()| match self.out {
            Out::Stdout(_) => Ok(()),
            Out::File(out) => {
                let temp = out.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_data()?;
                temp.persist(&self.path).map(drop).map_err(|e| e.error)
            }
        });
        written.map_err(|error| WriteError {
            path: self.path,
            error,
        })
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
