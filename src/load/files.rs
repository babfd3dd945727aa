//! Opening an input file: its text as UTF-8, then its YAML tree, each failure a `LoadError`.

use std::path::Path;
use std::sync::Arc;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::yaml;
use crate::location::Location;

/// Reads a file as UTF-8 text, without the byte order mark some Windows editors write.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let mut bytes = std::fs::read(path).map_err(|e| {
        LoadError::general(LoadErrorKind::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    })?;
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
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

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
