//! The load error: one problem in an input file, with its place, source line and hint.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::location::Location;

/// One problem in an input file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}")]
pub struct LoadError {
    /// Where it is, when it is inside a file.
    pub location: Option<Location>,
    /// The text of the offending line, for display.
    pub source_line: Option<String>,
    /// What is wrong (boxed: errors travel in `Result`s and some kinds are large).
    pub kind: Box<LoadErrorKind>,
}

impl LoadError {
    /// An error at a place in a file whose text is `text`.
    pub fn at(location: Location, text: &str, kind: LoadErrorKind) -> Self {
        let source_line = crate::diagnostic::source_line(text, &location);
        LoadError {
            location: Some(location),
            source_line,
            kind: Box::new(kind),
        }
    }

    /// An error about a file or setting as a whole.
    pub fn general(kind: LoadErrorKind) -> Self {
        LoadError {
            location: None,
            source_line: None,
            kind: Box::new(kind),
        }
    }

    /// The error as the one diagnostic renderer shows it.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic {
            title: self.to_string(),
            location: self.location.clone(),
            source_line: self.source_line.clone(),
            label: Vec::new(),
            hint: self.hint(),
        }
    }

    /// The error rendered (with ANSI styles; streams strip them where color is off).
    pub fn render(&self) -> String {
        self.diagnostic().render()
    }

    /// A "did you mean" or other hint to show under the message.
    pub fn hint(&self) -> Option<String> {
        match &*self.kind {
            LoadErrorKind::UnknownField {
                suggestion: Some(s),
                ..
            }
            | LoadErrorKind::UnknownOperator {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            LoadErrorKind::UnknownField { expected, what, .. } => {
                Some(format!("{what} takes: {expected}"))
            }
            LoadErrorKind::JsonPath { path, .. } => crate::query::bracketed_at_members(path)
                .map(|fixed| format!("a name starting with `@` goes in brackets: `{fixed}`")),
            LoadErrorKind::UnknownOperator { .. } => Some(format!(
                "operators: {}; to compare with a map, write `eq: {{...}}`",
                crate::model::OPERATORS.join(", ")
            )),
            _ => None,
        }
    }
}

/// The kinds of load problems; the message text lives here.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadErrorKind {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        message: String,
    },
    /// A control character other than tab, CR and LF in a text file.
    #[error("control character U+{0:04X} in the text (only tab, CR and LF are allowed)")]
    ControlCharacter(u32),
    /// The YAML is malformed.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// A key the format does not know.
    #[error("unknown field `{field}` in {what}")]
    UnknownField {
        /// The key.
        field: String,
        /// What the map is (e.g. `a request`).
        what: String,
        /// A known key with a close name.
        suggestion: Option<String>,
        /// The known keys.
        expected: String,
    },
    /// A required key is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A value of the wrong shape.
    #[error("`{field}` must be {expected}, found {found}")]
    WrongType {
        /// The field.
        field: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// Two requests share a name.
    #[error("duplicate request name `{name}` (first used on line {first_line})")]
    DuplicateName {
        /// The name.
        name: String,
        /// The line of the first request with it.
        first_line: u32,
    },
    /// More than one of json/form/multipart/body.
    #[error("a request has at most one body, found {0}")]
    TwoBodies(String),
    /// A JSONPath that does not parse.
    #[error("invalid JSONPath `{path}`: {message}")]
    JsonPath {
        /// As written.
        path: String,
        /// The parser's reason.
        message: String,
    },
    /// A regex that does not compile.
    #[error("invalid regex `{pattern}`: {message}")]
    Regex {
        /// As written.
        pattern: String,
        /// The compiler's reason.
        message: String,
    },
    /// A matcher operator the format does not know.
    #[error("unknown operator `{name}`")]
    UnknownOperator {
        /// As written.
        name: String,
        /// A known operator with a close name.
        suggestion: Option<String>,
    },
    /// A template that does not compile.
    #[error("{0}")]
    Template(String),
    /// Any other invalid value; the message says what and why.
    #[error("{0}")]
    Invalid(String),
    /// `-e NAME` found nothing.
    #[error("environment `{name}` not found; looked for {}{}", looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "), available_text(available))]
    EnvironmentNotFound {
        /// As given.
        name: String,
        /// Every path tried.
        looked: Vec<PathBuf>,
        /// Environment names that do exist there.
        available: Vec<String>,
    },
}

fn available_text(available: &[String]) -> String {
    if available.is_empty() {
        "; no environments exist there".into()
    } else {
        format!("; available: {}", available.join(", "))
    }
}
