//! Control characters made visible: text from servers is shown, never obeyed by the terminal
//! (a body could otherwise erase lines, print a fake ✔ or set the window title).

use std::borrow::Cow;
use std::fmt::Write as _;

/// The text with ESC, CR, BEL, backspace and every other C0/C1 control or DEL written as an
/// escape (`\e`, `\r`, `\x07`, `\u{9b}`); tabs and newlines kept.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => shown.push_str("\\e"),
            '\r' => shown.push_str("\\r"),
            c if c.is_ascii_control() && is_escaped(c) => {
                let _ = write!(shown, "\\x{:02x}", u32::from(c));
            }
            c if is_escaped(c) => {
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn controls_are_shown_escaped_and_layout_is_kept() {
        assert_eq!(
            escape_controls("a\u{1b}[2K\r\u{7}b\u{8}\u{9b}c\td\n"),
            "a\\e[2K\\r\\x07b\\x08\\u{9b}c\td\n"
        );
        assert_eq!(escape_controls("plain ✔"), "plain ✔");
    }
}
