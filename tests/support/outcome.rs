//! What one run of `runner` produced (exit code, stdout, stderr, the directory it ran in), with
//! assertions on the summary line, a request's line and its failure details.

use std::fmt;
use std::path::PathBuf;

/// What one run of the binary produced.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The directory it ran in, where relative report paths point.
    pub dir: PathBuf,
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

    /// The text of a file the run wrote (a report), relative to the directory it ran in.
    pub fn file(&self, rel_path: &str) -> String {
        let path = self.dir.join(rel_path);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}\n{self}", path.display()))
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
