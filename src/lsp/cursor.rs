//! What stands at a position of a document's text, read from the text alone (it may not
//! load while it is being typed): a name inside `<<`…`>>`, the keys around a line by
//! indentation, an `include:` or `extends:` value.

use lsp_types::{Position, Range};

use super::convert::{byte_offset, line_text, utf16_of_offset};

fn is_ident(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// Whether byte `at` of `line` is inside a template: after an opening `<<`/`<%` with no
/// closing one between.
fn inside_template(line: &str, at: usize) -> bool {
    let before = &line[..at];
    let opened = before.rfind("<<").max(before.rfind("<%"));
    let closed = before.rfind(">>").max(before.rfind("%>"));
    opened.is_some() && opened > closed
}

/// The identifier being typed at the position inside a template, and its range (the part
/// before the cursor); `None` outside templates.
pub fn template_prefix(text: &str, position: Position) -> Option<(String, Range)> {
    let line = line_text(text, position.line);
    let at = byte_offset(line, position.character);
    if !inside_template(line, at) {
        return None;
    }
    let start = ident_start(line, at);
    let range = Range::new(
        Position::new(position.line, utf16_of_offset(line, start)),
        position,
    );
    Some((line[start..at].to_string(), range))
}

/// Where the identifier ending at byte `at` of the line begins (`at` when none does).
fn ident_start(line: &str, at: usize) -> usize {
    line[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident(*c))
        .last()
        .map_or(at, |(i, _)| i)
}

/// The whole identifier under the position inside a template, and its range.
pub fn template_word(text: &str, position: Position) -> Option<(String, Range)> {
    let line = line_text(text, position.line);
    let at = byte_offset(line, position.character);
    let start = ident_start(line, at);
    let end = at
        + line[at..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(line.len() - at);
    if start == end || !inside_template(line, start) {
        return None;
    }
    let range = Range::new(
        Position::new(position.line, utf16_of_offset(line, start)),
        Position::new(position.line, utf16_of_offset(line, end)),
    );
    Some((line[start..end].to_string(), range))
}

/// A line's shape: the column of its `- ` (if it is a list item), the column of its key, and
/// the key.
struct Shape<'t> {
    dash: Option<usize>,
    key_col: usize,
    key: Option<&'t str>,
}

fn shape(line: &str) -> Option<Shape<'_>> {
    let content = line.trim_start();
    if content.is_empty() || content.starts_with('#') {
        return None;
    }
    let indent = line.len() - content.len();
    let (dash, rest) = match content.strip_prefix("- ") {
        Some(rest) => (Some(indent), rest.trim_start()),
        None if content == "-" => (Some(indent), ""),
        None => (None, content),
    };
    let key_col = line.len() - rest.len();
    let key = rest
        .split_once(':')
        .map(|(k, _)| k.trim().trim_matches('"').trim_matches('\''))
        .filter(|k| !k.is_empty() && !k.contains(' '));
    Some(Shape { dash, key_col, key })
}

/// The keys (and `-` for list items) around a key written at column `col` of line `line`,
/// outermost first: `["requests", "-", "assert"]` inside a request's `assert:`.
pub fn key_path(text: &str, line: u32, col: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut path = Vec::new();
    let mut target = col;
    if let Some(dash) = lines
        .get(line as usize)
        .and_then(|l| shape(l))
        .and_then(|s| s.dash)
        .filter(|d| *d < col)
    {
        path.push("-".to_string());
        target = dash;
    }
    for above in lines.iter().take(line as usize).rev() {
        if target == 0 {
            break;
        }
        let Some(s) = shape(above) else { continue };
        if let Some(dash) = s.dash.filter(|_| s.key_col == target) {
            // the first line of the list item the key belongs to
            path.push("-".to_string());
            target = dash;
        } else if s.key_col < target {
            path.extend(s.key.map(str::to_string));
            target = s.key_col;
            if let Some(dash) = s.dash {
                path.push("-".to_string());
                target = dash;
            }
        }
    }
    path.reverse();
    path
}

/// The key being typed at the position (a line of nothing but an identifier so far, after an
/// optional `- `): its column and the typed part.
pub fn key_prefix(text: &str, position: Position) -> Option<(usize, String, Range)> {
    let line = line_text(text, position.line);
    let at = byte_offset(line, position.character);
    let before = &line[..at];
    let content = before.trim_start();
    let typed = content.strip_prefix("- ").unwrap_or(content).trim_start();
    if !typed.chars().all(is_ident) {
        return None;
    }
    let col = at - typed.len();
    let range = Range::new(
        Position::new(position.line, utf16_of_offset(line, col)),
        position,
    );
    Some((col, typed.to_string(), range))
}

/// The value of `key:` on the line of the position (`- include: a.yaml` → `a.yaml`).
pub fn value_of<'t>(text: &'t str, position: Position, key: &str) -> Option<&'t str> {
    let line = line_text(text, position.line);
    let content = line.trim_start();
    let content = content.strip_prefix("- ").unwrap_or(content).trim_start();
    let value = content.strip_prefix(key)?.strip_prefix(':')?.trim();
    let value = value.trim_matches('"').trim_matches('\'');
    (!value.is_empty()).then_some(value)
}

/// Whether the position is after `key:` on its line (completing its value).
pub fn after_key(text: &str, position: Position, key: &str) -> bool {
    let line = line_text(text, position.line);
    let before = &line[..byte_offset(line, position.character)];
    let content = before.trim_start();
    let content = content.strip_prefix("- ").unwrap_or(content).trim_start();
    content
        .strip_prefix(key)
        .is_some_and(|rest| rest.starts_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
vars:
  a: 1
requests:
  - name: one
    assert:
      status: 200
      json:
        $.x:
          eq: 1
  - group: g
    requests:
      - name: two
        auth:
          oauth2:
            token_url: x
";

    #[test]
    fn keys_around_a_line_follow_indentation() {
        assert_eq!(key_path(TEXT, 1, 2), ["vars"]);
        assert_eq!(key_path(TEXT, 4, 4), ["requests", "-"]);
        assert_eq!(key_path(TEXT, 5, 6), ["requests", "-", "assert"]);
        assert_eq!(
            key_path(TEXT, 8, 10),
            ["requests", "-", "assert", "json", "$.x"]
        );
        assert_eq!(key_path(TEXT, 11, 8), ["requests", "-", "requests", "-"]);
        assert_eq!(
            key_path(TEXT, 14, 12),
            ["requests", "-", "requests", "-", "auth", "oauth2"]
        );
    }

    #[test]
    fn template_names_are_found_around_the_cursor() {
        let text = "url: <<base>>/x/<<ten";
        let (prefix, range) = template_prefix(text, Position::new(0, 21)).unwrap();
        assert_eq!(prefix, "ten");
        assert_eq!(range.start, Position::new(0, 18));
        let (word, _) = template_word(text, Position::new(0, 8)).unwrap();
        assert_eq!(word, "base");
        assert!(template_word(text, Position::new(0, 14)).is_none());
    }
}
