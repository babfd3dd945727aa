//! The one renderer of input errors: `FILE:LINE:COL: message`, the source line, a caret, a hint.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::load::LoadError;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();

/// Renders one load error (with ANSI styles; the stream strips them where color is off).
pub fn render(error: &LoadError) -> String {
    let mut out = String::new();
    let Some(location) = &error.location else {
        let _ = writeln!(out, "{ERROR}error{ERROR:#}: {error}");
        if let Some(hint) = error.hint() {
            let _ = writeln!(out, "  = help: {hint}");
        }
        return out;
    };
    let _ = writeln!(out, "{ERROR}{location}{ERROR:#}: {error}");
    if let Some(line) = &error.source_line {
        let number = location.line.to_string();
        let pad = " ".repeat(number.len());
        let col = location.col.saturating_sub(1) as usize;
        let (line, col) = window(line, col);
        let width = token_width(&line, col).min(MAX_SHOWN);
        let _ = writeln!(out, "{pad} {GUTTER}|{GUTTER:#}");
        let _ = writeln!(out, "{GUTTER}{number} |{GUTTER:#} {line}");
        let _ = writeln!(
            out,
            "{pad} {GUTTER}|{GUTTER:#} {}{ERROR}{}{ERROR:#}",
            " ".repeat(col),
            "^".repeat(width)
        );
    }
    if let Some(hint) = error.hint() {
        let _ = writeln!(out, "  = help: {hint}");
    }
    out
}

/// Longest part of a source line shown.
const MAX_SHOWN: usize = 120;

/// The part of a long line around the column (marked with `…`), and the column within it.
fn window(line: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= MAX_SHOWN {
        return (line.to_string(), col.min(chars.len()));
    }
    let start = col.saturating_sub(MAX_SHOWN / 3).min(chars.len());
    let end = (start + MAX_SHOWN).min(chars.len());
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, col - start + usize::from(start > 0))
}

/// How many characters of the token at `col` to underline: up to a `:` or a space.
fn token_width(line: &str, col: usize) -> usize {
    line.chars()
        .skip(col)
        .take_while(|c| !c.is_whitespace() && *c != ':')
        .count()
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadErrorKind;
    use crate::location::Location;
    use std::path::Path;
    use std::sync::Arc;

    #[test]
    fn renders_position_line_caret_and_hint() {
        let text = "requests:\n  - name: a\n    hedaers: {}\n";
        let location = Location {
            file: Arc::from(Path::new("c.yaml")),
            line: 3,
            col: 5,
        };
        let error = LoadError::at(
            location,
            text,
            LoadErrorKind::UnknownField {
                field: "hedaers".into(),
                what: "a request".into(),
                suggestion: Some("headers".into()),
                expected: String::new(),
            },
        );
        let plain = anstream::adapter::strip_str(&render(&error)).to_string();
        insta::assert_snapshot!(plain, @r"
        c.yaml:3:5: unknown field `hedaers` in a request
          |
        3 |     hedaers: {}
          |     ^^^^^^^
          = help: did you mean `headers`?
        ");
    }
}
