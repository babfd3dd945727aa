//! A temporary project directory: the collections, environments, `.env` and data files a
//! test writes before it runs `runner` there (see `case`).

use std::path::{Path, PathBuf};

/// A temporary project directory to write collections and environments into.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `rel_path` (creating folders), after `dedent`, so tests can indent
    /// YAML along with the code: line 1 of the file is the first line after the opening quote.
    pub fn file(&self, rel_path: &str, contents: &str) -> &Project {
        let path = self.dir.path().join(rel_path);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create folders");
        std::fs::write(&path, dedent(contents)).expect("write file");
        self
    }

    /// Copies `tests/fixtures/NAME` to `rel_path` in the project (creating folders).
    pub fn fixture(&self, name: &str, rel_path: &str) -> &Project {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let to = self.dir.path().join(rel_path);
        std::fs::create_dir_all(to.parent().unwrap()).expect("create folders");
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        self
    }

    /// Every file under the project, as paths relative to it, sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = files_under(self.dir.path());
        for file in &mut files {
            *file = file.strip_prefix(self.dir.path()).unwrap().to_path_buf();
        }
        files
    }

    /// The text of a file written with `file`.
    pub fn read(&self, rel_path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel_path)).expect("read file")
    }
}

/// Every file under `dir` (recursively, not following symlinks), sorted; empty if none.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// Removes a leading empty line and the indentation common to all non-empty lines.
pub fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out: String = text
        .lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}
