//! A place in a source file (`file:line:col`): what every layer attaches to what it reports.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A place in a source file, for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or as found by lookup).
    pub file: Arc<Path>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// `Location` as `file:line:col` text in serialized data (reports).
pub mod as_text {
    use std::path::Path;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::Location;

    /// Writes `file:line:col`.
    pub fn serialize<S: Serializer>(location: &Location, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(location)
    }

    /// Reads `file:line:col`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Location, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a `file:line:col` location"))
        })
    }

    /// `file:line:col` (the file may itself hold `:`) as a location.
    pub fn parse(text: &str) -> Option<Location> {
        let mut parts = text.rsplitn(3, ':');
        let col = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        Some(Location {
            file: Path::new(parts.next()?).into(),
            line,
            col,
        })
    }
}
