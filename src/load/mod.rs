//! Loading: collection and environment files → validated model, or every error with its place.
//! Nothing here sends a request; a file either loads completely or not at all.

mod collection;
pub use collection::accepted_keys;
pub mod data;
pub mod environment;
pub mod mock;
pub mod reader;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::{Collection, Location};
use crate::template::TValue;
use reader::Reader;

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
        let source_line = text
            .lines()
            .nth(location.line.saturating_sub(1) as usize)
            .map(str::to_string);
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

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| {
        LoadError::general(LoadErrorKind::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    })?;
    String::from_utf8(bytes).map_err(|e| {
        LoadError::general(LoadErrorKind::Read {
            path: path.to_path_buf(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })
    })
}

/// Parses a file's YAML, turning a syntax error into a positioned `LoadError`.
pub fn parse_yaml(file: &Arc<Path>, text: &str) -> Result<yaml::Node, LoadError> {
    yaml::parse(text).map_err(|e| {
        let location = Location {
            file: file.clone(),
            line: e.pos.line,
            col: e.pos.col,
        };
        LoadError::at(location, text, LoadErrorKind::Syntax(e.message))
    })
}

/// Loads and checks a collection file completely.
pub fn load_collection(path: &Path) -> Result<Collection, Vec<LoadError>> {
    let text = read_text(path).map_err(|e| vec![e])?;
    load_collection_text(path, &text)
}

/// Loads and checks a collection whose text is given (an editor's unsaved buffer) rather than
/// read from `path`; included files are still read from disk, relative to `path`.
pub fn load_collection_text(path: &Path, text: &str) -> Result<Collection, Vec<LoadError>> {
    let file: Arc<Path> = Arc::from(path);
    let root = parse_yaml(&file, text).map_err(|e| vec![e])?;
    let mut r = Reader::new(file, text);
    let parts = collection::read_collection(&mut r, &root);
    let templates = finish(&mut r)?;
    let name = parts.name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Collection {
        name,
        path: path.to_path_buf(),
        dir,
        vars: parts.vars,
        requests: parts.requests,
        scopes: parts.scopes,
        settings: parts.settings,
        var_locations: parts.var_locations,
        templates: Arc::new(templates),
    })
}

/// Compiles the reader's templates; returns all errors (field and template) sorted by place.
pub fn finish(r: &mut Reader) -> Result<crate::template::Templates, Vec<LoadError>> {
    let builder = std::mem::take(&mut r.templates);
    let mut errors = std::mem::take(&mut r.errors);
    let compiled = builder.compile();
    if let Err(template_errors) = &compiled {
        for e in template_errors {
            // templates of included files are compiled with the collection's
            let text = if *e.location.file == *r.file() {
                r.text().to_string()
            } else {
                std::fs::read_to_string(&e.location.file).unwrap_or_default()
            };
            errors.push(LoadError::at(
                e.location.clone(),
                &text,
                LoadErrorKind::Template(e.message.clone()),
            ));
        }
    }
    if !errors.is_empty() {
        // by file (in the order files were met), then by place in the file
        let mut files: Vec<Arc<Path>> = Vec::new();
        for e in &errors {
            if let Some(l) = &e.location
                && !files.contains(&l.file)
            {
                files.push(l.file.clone());
            }
        }
        errors.sort_by_key(|e| {
            e.location.as_ref().map(|l| {
                let file = files.iter().position(|f| *f == l.file).unwrap_or(0);
                (file, l.line, l.col)
            })
        });
        return Err(errors);
    }
    compiled.map_err(|_| errors)
}

/// Variables as loaded from a file, with the templates their values use.
pub struct VarFile {
    /// Name → value, in file order.
    pub vars: Vec<(String, TValue)>,
    /// The compiled templates of the values.
    pub templates: Arc<crate::template::Templates>,
}
