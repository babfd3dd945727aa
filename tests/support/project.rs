//! A temporary project directory that runs the real `runner` binary, and what a run produced,
//! with helpers to find a request's line and its failure details in the output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

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

    /// `runner ARGS` with the project as current directory.
    pub fn runner<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.runner_in(".", args)
    }

    /// `runner ARGS` with `rel_dir` (inside the project) as current directory.
    pub fn runner_in<I, S>(&self, rel_dir: &str, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let dir: PathBuf = self.dir.path().join(rel_dir);
        std::fs::create_dir_all(&dir).expect("create current dir");
        let mut cmd = Command::cargo_bin("runner").expect("runner binary");
        cmd.current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("BC_CLIENT_SECRET")
            .timeout(Duration::from_secs(60));
        cmd
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

/// What one run of the binary produced.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command to completion (bounded by the command's timeout).
pub fn run(cmd: &mut Command) -> Outcome {
    let output = cmd.output().expect("run runner");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const MARKS: [&str; 3] = ["✔", "✘", "-"];

impl Outcome {
    /// Panics, showing the whole output, unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Outcome {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        assert!(
            !self.stderr.contains("panicked"),
            "the runner panicked\n{self}"
        );
        self
    }

    /// The last line of stdout.
    pub fn summary(&self) -> &str {
        self.stdout
            .trim_end_matches(['\n', '\r'])
            .lines()
            .last()
            .unwrap_or("")
    }

    pub fn expect_summary(&self, summary: &str) -> &Outcome {
        assert_eq!(self.summary(), summary, "unexpected summary line\n{self}");
        self
    }

    /// stdout followed by stderr.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Index in stdout's lines of the line reporting the request `name`: it starts with a mark
    /// and holds the name as a whole word.
    fn request_index(&self, name: &str) -> Option<usize> {
        self.stdout.lines().position(|line| {
            let line = line.trim_start();
            MARKS.iter().any(|m| line.starts_with(m)) && contains_word(line, name)
        })
    }

    /// The line reporting the request `name`; panics if there is none.
    pub fn request_line(&self, name: &str) -> &str {
        let index = self
            .request_index(name)
            .unwrap_or_else(|| panic!("no line for request {name:?}\n{self}"));
        self.stdout.lines().nth(index).unwrap().trim_start()
    }

    /// Asserts the request's line carries `mark` and the other given words (method, status…).
    pub fn expect_request(&self, mark: &str, name: &str, words: &[&str]) -> &Outcome {
        let line = self.request_line(name);
        assert!(
            line.starts_with(mark),
            "request {name:?} should be marked {mark}: {line:?}\n{self}"
        );
        for word in words {
            assert!(
                line.contains(word),
                "line of {name:?} lacks {word:?}: {line:?}\n{self}"
            );
        }
        self
    }

    /// The lines indented below the request's line (its failure details), joined.
    pub fn details(&self, name: &str) -> String {
        let index = self
            .request_index(name)
            .unwrap_or_else(|| panic!("no line for request {name:?}\n{self}"));
        let lines: Vec<&str> = self.stdout.lines().collect();
        let indent = |l: &str| l.len() - l.trim_start().len();
        let own = indent(lines[index]);
        lines[index + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) > own)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts the details below request `name` contain each needle.
    pub fn expect_details(&self, name: &str, needles: &[&str]) -> &Outcome {
        let details = self.details(name);
        for needle in needles {
            assert!(
                details.contains(needle),
                "details of {name:?} lack {needle:?}:\n{details}\n---\n{self}"
            );
        }
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `needle` occurs in `line` preceded by start/space and not followed by a word character.
pub fn contains_word(line: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    line.match_indices(needle).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + needle.len()..].chars().next();
        before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c))
    })
}
