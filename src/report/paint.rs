//! Terminal styles that write nothing when stdout shows no colour.

use anstyle::{AnsiColor, Style};

pub(super) const PASS: Paint = Paint(AnsiColor::Green.on_default().bold());
pub(super) const FAIL: Paint = Paint(AnsiColor::Red.on_default().bold());
pub(super) const DIM: Paint = Paint(Style::new().dimmed());
pub(super) const WARN: Paint = Paint(AnsiColor::Yellow.on_default().bold());
pub(super) const BOLD: Paint = Paint(Style::new().bold());
pub(super) const ADDED: Paint = Paint(AnsiColor::Green.on_default());
pub(super) const REMOVED: Paint = Paint(AnsiColor::Red.on_default());

/// A style (`{STYLE}` starts it, `{STYLE:#}` ends it) that writes nothing when stdout shows no
/// colour (CI logs, pipes, `NO_COLOR`, `--no-color`): plain output needs no stripping.
#[derive(Clone, Copy)]
pub(super) struct Paint(Style);

impl std::fmt::Display for Paint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (colored(), f.alternate()) {
            (false, _) => Ok(()),
            (true, false) => write!(f, "{}", self.0),
            (true, true) => write!(f, "{:#}", self.0),
        }
    }
}

/// Whether stdout shows colour; decided once, after `--no-color` has been applied.
pub(super) fn colored() -> bool {
    static COLORED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *COLORED.get_or_init(|| {
        anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
    })
}
