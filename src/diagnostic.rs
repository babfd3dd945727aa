//! The one renderer of problems shown to people: `FILE:LINE:COL: title`, the source line, a
//! caret under the offending token, a label and a hint. Load errors, assertion failures and
//! run-time failures convert into a `Diagnostic`; every output (terminal, JUnit, TAP, HTML,
//! `validate`) shows the text rendered here.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anstyle::{AnsiColor, Style};

use crate::location::Location;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();

/// One problem, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub title: String,
    /// Where, when it is inside a file.
    pub location: Option<Location>,
    /// The text of the line at `location`, when known.
    pub source_line: Option<String>,
    /// Further lines shown under the caret (a cause, a diff), each as is.
    pub label: Vec<String>,
    /// What to check or try, shown as `= help: …`.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with just a title.
    pub fn new(title: impl Into<String>) -> Self {
        Diagnostic {
            title: title.into(),
            ..Diagnostic::default()
        }
    }

    /// At `location`, with the line of `text` there as the source line.
    pub fn at(mut self, location: Location, text: Option<&str>) -> Self {
        self.source_line = text.and_then(|text| source_line(text, &location));
        self.location = Some(location);
        self
    }

    /// With a hint.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// With a label line.
    pub fn with_label(mut self, line: impl Into<String>) -> Self {
        self.label.push(line.into());
        self
    }

    /// The diagnostic with ANSI styles (streams strip them where color is off).
    pub fn render(&self) -> String {
        let mut out = match &self.location {
            Some(location) => format!("{ERROR}{location}{ERROR:#}: {}\n", self.title),
            None => format!("{ERROR}error{ERROR:#}: {}\n", self.title),
        };
        out.push_str(&self.render_source());
        self.write_labels_and_hint(&mut out);
        out
    }

    /// `file:line:col: title`, or the title where there is no place.
    pub fn headline(&self) -> String {
        match &self.location {
            Some(location) => format!("{location}: {}", self.title),
            None => self.title.clone(),
        }
    }

    /// The headline and every line under it, without styles and without a final newline:
    /// the text report files show.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.headline());
        out.push_str(&anstream::adapter::strip_str(&self.render_source()).to_string());
        self.write_labels_and_hint(&mut out);
        out.trim_end().to_string()
    }

    /// The gutter, the source line and the caret (styled), or nothing.
    pub fn render_source(&self) -> String {
        let mut out = String::new();
        if let (Some(location), Some(line)) = (&self.location, &self.source_line) {
            write_source(&mut out, location, line);
        }
        out
    }

    fn write_labels_and_hint(&self, out: &mut String) {
        for line in &self.label {
            let _ = writeln!(out, "  {line}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = help: {hint}");
        }
    }

    /// The diagnostic without styles.
    pub fn render_plain(&self) -> String {
        anstream::adapter::strip_str(&self.render()).to_string()
    }
}

/// Masks secrets in a text.
type Mask = dyn Fn(&str) -> String + Send + Sync;

/// The texts of source files, each read at most once and only when a failure there is shown
/// (passing requests cost nothing); optionally masked as they are read.
#[derive(Default)]
pub struct Sources {
    texts: HashMap<Arc<Path>, Option<String>>,
    mask: Option<Box<Mask>>,
}

impl Sources {
    /// Sources whose text passes through `mask` when read (secrets written into a file).
    pub fn masked_by(mask: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        Sources {
            texts: HashMap::new(),
            mask: Some(Box::new(mask)),
        }
    }

    /// The diagnostic with the source line at its place, where the file can be read.
    pub fn with_source_line(&mut self, mut diagnostic: Diagnostic) -> Diagnostic {
        if diagnostic.source_line.is_none()
            && let Some(location) = &diagnostic.location
        {
            let text = self.texts.entry(location.file.clone()).or_insert_with(|| {
                let text = std::fs::read_to_string(&location.file).ok()?;
                Some(match &self.mask {
                    Some(mask) => mask(&text),
                    None => text,
                })
            });
            diagnostic.source_line = text.as_deref().and_then(|t| source_line(t, location));
        }
        diagnostic
    }
}

/// The line of `text` at `location`.
pub fn source_line(text: &str, location: &Location) -> Option<String> {
    text.lines()
        .nth(location.line.saturating_sub(1) as usize)
        .map(str::to_string)
}

/// The gutter, the source line and a caret under the token at the column.
fn write_source(out: &mut String, location: &Location, line: &str) {
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

    #[test]
    fn renders_position_line_caret_and_hint() {
        let text = "requests:\n  - name: a\n    hedaers: {}\n";
        let location = Location {
            file: Arc::from(Path::new("c.yaml")),
            line: 3,
            col: 5,
        };
        let diagnostic = Diagnostic::new("unknown field `hedaers` in a request")
            .at(location, Some(text))
            .with_hint(Some("did you mean `headers`?".into()));
        insta::assert_snapshot!(diagnostic.render_plain(), @r"
        c.yaml:3:5: unknown field `hedaers` in a request
          |
        3 |     hedaers: {}
          |     ^^^^^^^
          = help: did you mean `headers`?
        ");
    }

    #[test]
    fn renders_without_a_place() {
        let diagnostic = Diagnostic::new("cannot read c.yaml").with_label("cause: gone");
        assert_eq!(
            diagnostic.render_plain(),
            "error: cannot read c.yaml\n  cause: gone\n"
        );
        assert_eq!(diagnostic.text(), "cannot read c.yaml\n  cause: gone");
    }
}
