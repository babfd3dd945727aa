//! Between the loader's places and the protocol's: `file://` URIs ↔ paths, 1-based
//! line/character columns ↔ 0-based lines and UTF-16 columns, and the range a place covers.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use lsp_types::{Position, Range, Uri};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::location::Location;

/// Characters escaped in a path written into a `file://` URI.
const PATH_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The local path of a `file://` URI; `None` for any other scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` (empty host) or `file://localhost/path`
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    Some(PathBuf::from(decoded.as_ref()))
}

/// The `file://` URI of a path (made absolute against the current folder).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let text = absolute.to_str()?;
    Uri::from_str(&format!(
        "file://{}",
        utf8_percent_encode(text, PATH_ESCAPES)
    ))
    .ok()
}

/// The UTF-16 column of a 1-based character column in a line.
fn utf16_column(line: &str, col: u32) -> u32 {
    let chars = col.saturating_sub(1) as usize;
    let units: usize = line.chars().take(chars).map(char::len_utf16).sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The text of a 0-based line (empty past the end).
pub fn line_text(text: &str, line: u32) -> &str {
    text.lines().nth(line as usize).unwrap_or("")
}

/// The byte offset in `line` of a UTF-16 column (clamped to the line).
pub fn byte_offset(line: &str, utf16_col: u32) -> usize {
    let mut units = 0u32;
    for (offset, c) in line.char_indices() {
        if units >= utf16_col {
            return offset;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    line.len()
}

/// The UTF-16 column of a byte offset in `line`.
pub fn utf16_of_offset(line: &str, offset: usize) -> u32 {
    let units: usize = line
        .get(..offset)
        .unwrap_or(line)
        .chars()
        .map(char::len_utf16)
        .sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The protocol position of a loader place in `text` (the file's text).
pub fn position(text: &str, line: u32, col: u32) -> Position {
    let line0 = line.saturating_sub(1);
    Position::new(line0, utf16_column(line_text(text, line0), col))
}

/// The range of the token at a place: up to a space or `:` (at least one character), as the
/// terminal's caret underlines it.
pub fn token_range(text: &str, location: &Location) -> Range {
    let start = position(text, location.line, location.col);
    let line = line_text(text, start.line);
    let from = byte_offset(line, start.character);
    let width = line[from..]
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(line.len() - from);
    let end = if width == 0 {
        Position::new(start.line, start.character + 1)
    } else {
        Position::new(start.line, utf16_of_offset(line, from + width))
    };
    Range::new(start, end)
}

/// Lines a template's value may span after its place (block scalars).
const VALUE_LINES: usize = 50;

/// The range of the variable `name` read by the template at a place: its first appearance
/// as a whole word inside `<<`…`>>` or `<%`…`%>` from there on; the token's range otherwise.
pub fn variable_range(text: &str, location: &Location, name: &str) -> Range {
    let start = position(text, location.line, location.col);
    for (index, line) in text
        .lines()
        .enumerate()
        .skip(start.line as usize)
        .take(VALUE_LINES)
    {
        let from = if index == start.line as usize {
            byte_offset(line, start.character)
        } else {
            0
        };
        if let Some(found) = word_in_template(line, from, name) {
            let line0 = u32::try_from(index).unwrap_or(u32::MAX);
            return Range::new(
                Position::new(line0, utf16_of_offset(line, found)),
                Position::new(line0, utf16_of_offset(line, found + name.len())),
            );
        }
    }
    token_range(text, location)
}

/// The byte offset of `name` as a whole identifier inside a template delimiter of `line`,
/// searching from `from`.
fn word_in_template(line: &str, from: usize, name: &str) -> Option<usize> {
    let is_ident = |c: char| c == '_' || c.is_ascii_alphanumeric();
    let mut search = from;
    while let Some(relative) = line.get(search..)?.find(name) {
        let at = search + relative;
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        let whole = !before.is_some_and(is_ident) && !after.is_some_and(is_ident);
        let opened = line[..at].rfind("<<").max(line[..at].rfind("<%"));
        let closed = line[..at].rfind(">>").max(line[..at].rfind("%>"));
        if whole && opened.is_some() && opened > closed {
            return Some(at);
        }
        search = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn at(line: u32, col: u32) -> Location {
        Location {
            file: Arc::from(Path::new("c.yaml")),
            line,
            col,
        }
    }

    #[test]
    fn columns_count_utf16_units() {
        let text = "a: 1\nname: \"é😀\" <<x>>\n";
        // `<<` is the 10th character; before it é (1 unit) and 😀 (2 units)
        assert_eq!(position(text, 2, 12), Position::new(1, 12));
        let range = variable_range(text, &at(2, 7), "x");
        assert_eq!(
            range,
            Range::new(Position::new(1, 14), Position::new(1, 15))
        );
    }

    #[test]
    fn a_variable_is_found_as_a_whole_word_inside_delimiters() {
        let text = "url: host/<<hostname>>/<<host>>\n";
        let range = variable_range(text, &at(1, 6), "host");
        assert_eq!(
            range,
            Range::new(Position::new(0, 25), Position::new(0, 29))
        );
    }

    #[test]
    fn tokens_end_at_a_space_or_colon() {
        let text = "  hedaers: {}\n";
        assert_eq!(
            token_range(text, &at(1, 3)),
            Range::new(Position::new(0, 2), Position::new(0, 9))
        );
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/tmp/a dir/c#1.yaml");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/c%231.yaml");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
    }
}
