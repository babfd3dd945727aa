//! `.env` files as dotenv reads them, line by line: a line that cannot be read is reported
//! with its number and skipped, every other line still counts (dotenvy stops at the first).
//!
//! `NAME=value`, `export NAME=value`, `# comments`, blank lines, CRLF, a leading BOM.
//! Values: unquoted (to the end of the line or a ` #` comment, trimmed, spaces inside kept);
//! `'single'` (literal, may span lines); `"double"` (`\n`, `\r`, `\t`, `\"`, `\\`, `\$`
//! escapes, may span lines). `$NAME` and `${NAME}` in unquoted and double-quoted values are
//! replaced by the variable (the process environment first, then earlier lines; empty if
//! neither has it).

/// One variable of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvVar {
    /// Its name.
    pub name: String,
    /// Its value, quotes and escapes resolved.
    pub value: String,
    /// The line it starts on (1-based).
    pub line: usize,
}

/// Why a line was skipped (never quoting the line: it may hold a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvProblem {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// What a `.env` text holds: the variables (first definition of a name wins) and the lines
/// that were skipped.
#[derive(Debug, Default)]
pub struct Dotenv {
    /// Variables in file order.
    pub vars: Vec<DotenvVar>,
    /// Skipped lines in file order.
    pub problems: Vec<DotenvProblem>,
}

/// Reads a `.env` text; `lookup` gives the process environment for `$NAME`.
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Dotenv {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut out = Dotenv::default();
    let mut index = 0;
    while index < lines.len() {
        let number = index + 1;
        match parse_entry(&lines[index..]) {
            Ok((None, used)) => index += used,
            Ok((Some((name, raw)), used)) => {
                index += used;
                let value = raw.resolve(&|n| {
                    lookup(n).or_else(|| {
                        out.vars
                            .iter()
                            .find(|v| v.name == n)
                            .map(|v| v.value.clone())
                    })
                });
                match out.vars.iter().find(|v| v.name == name) {
                    Some(first) => out.problems.push(DotenvProblem {
                        line: number,
                        reason: format!(
                            "`{name}` is already set on line {}; the first value is used",
                            first.line
                        ),
                    }),
                    None => out.vars.push(DotenvVar {
                        name,
                        value,
                        line: number,
                    }),
                }
            }
            Err(reason) => {
                out.problems.push(DotenvProblem {
                    line: number,
                    reason,
                });
                index += 1;
            }
        }
    }
    out
}

/// A value before `$NAME` substitution: pieces that are literal and pieces that substitute.
struct RawValue(Vec<(String, bool)>);

impl RawValue {
    fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for (piece, substitutes) in &self.0 {
            if *substitutes {
                substitute(piece, lookup, &mut out);
            } else {
                out.push_str(piece);
            }
        }
        out
    }
}

/// Replaces `$NAME` and `${NAME}` in `text`.
fn substitute(text: &str, lookup: &dyn Fn(&str) -> Option<String>, out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, next) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", after),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        if name.is_empty() {
            out.push('$');
        } else {
            out.push_str(&lookup(name).unwrap_or_default());
        }
        rest = next;
    }
    out.push_str(rest);
}

/// An entry starting at `lines[0]`: `None` for a blank or comment line, and how many lines it
/// used (a quoted value may span several).
fn parse_entry(lines: &[&str]) -> Result<(Option<(String, RawValue)>, usize), String> {
    let line = lines[0];
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err("it holds a control character".into());
    }
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok((None, 1));
    }
    let trimmed = trimmed
        .strip_prefix("export ")
        .map_or(trimmed, str::trim_start);
    let name_end = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("expected NAME=VALUE (a name of letters, digits, `_` and `.`)".into());
    }
    let Some(value) = trimmed[name_end..].trim_start().strip_prefix('=') else {
        // the line is not quoted: a pasted secret must not be printed
        return Err("expected NAME=VALUE".into());
    };
    let value = value.trim_start();
    let (raw, used) = match value.chars().next() {
        Some(quote @ ('\'' | '"')) => quoted(&value[1..], &lines[1..], quote)?,
        _ => (RawValue(vec![(unquoted(value), true)]), 1),
    };
    Ok((Some((name.to_string(), raw)), used))
}

/// An unquoted value: up to a comment (`#` after whitespace), trimmed.
fn unquoted(value: &str) -> String {
    let mut end = value.len();
    let mut previous = ' ';
    for (i, c) in value.char_indices() {
        if c == '#' && (previous == ' ' || previous == '\t') {
            end = i;
            break;
        }
        previous = c;
    }
    value[..end].trim().to_string()
}

/// A quoted value starting after its opening quote, possibly continued on `more` lines.
fn quoted(first: &str, more: &[&str], quote: char) -> Result<(RawValue, usize), String> {
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut current = String::new();
    let mut used = 1;
    let mut line = first;
    loop {
        let mut chars = line.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                let rest = line[i + 1..].trim_start();
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return Err("text after the closing quote".into());
                }
                pieces.push((current, quote == '"'));
                return Ok((RawValue(pieces), used));
            }
            if c == '\\' && quote == '"' {
                match chars.next().map(|(_, e)| e) {
                    Some('n') => current.push('\n'),
                    Some('r') => current.push('\r'),
                    Some('t') => current.push('\t'),
                    // an escaped `$` stays literal: end the substituting piece before it
                    Some('$') => {
                        pieces.push((std::mem::take(&mut current), true));
                        pieces.push(("$".into(), false));
                    }
                    Some(other) => current.push(other),
                    None => current.push('\\'),
                }
                continue;
            }
            current.push(c);
        }
        let Some(next) = more.get(used - 1) else {
            return Err(format!("the {quote}quoted{quote} value is never closed"));
        };
        if next.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!(
                "the {quote}quoted{quote} value is never closed before a control character"
            ));
        }
        current.push('\n');
        line = next;
        used += 1;
    }
}

/// Variables in the form dotenvy reads back unchanged (`NAME="…"`, every `"`, `\`, `$` and
/// line break escaped), so dotenvy can set them in the process environment.
pub fn canonical(vars: &[DotenvVar]) -> String {
    let mut text = String::new();
    for var in vars {
        text.push_str(&var.name);
        text.push_str("=\"");
        for c in var.value.chars() {
            match c {
                '"' | '\\' | '$' => {
                    text.push('\\');
                    text.push(c);
                }
                '\n' => text.push_str("\\n"),
                _ => text.push(c),
            }
        }
        text.push_str("\"\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Dotenv {
        parse(text, &|name| {
            (name == "HOME").then(|| "/home/me".to_string())
        })
    }

    fn pairs(d: &Dotenv) -> Vec<(&str, &str)> {
        d.vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .collect()
    }

    #[test]
    fn a_bad_line_is_skipped_and_the_rest_loads() {
        let d = read(
            "\u{feff}A=1\r\nthis is not a variable\r\nexport B = two words # note\r\nC='x # y'\r\n",
        );
        assert_eq!(pairs(&d), [("A", "1"), ("B", "two words"), ("C", "x # y")]);
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line, 2);
    }

    #[test]
    fn quotes_escapes_and_substitution() {
        let d = read(
            "P=\"-----BEGIN\nabc\n-----END\"\nQ=\"a\\\"b\\n\\$HOME\"\nR=$HOME/x\nS=${R}/y\nT='$HOME'\nU=\"unclosed\nV=v\n",
        );
        assert_eq!(
            pairs(&d),
            [
                ("P", "-----BEGIN\nabc\n-----END"),
                ("Q", "a\"b\n$HOME"),
                ("R", "/home/me/x"),
                ("S", "/home/me/x/y"),
                ("T", "$HOME"),
                ("V", "v"),
            ]
        );
        assert_eq!(d.vars[5].line, 9);
        assert_eq!(d.problems[0].line, 8);
    }

    #[test]
    fn a_repeated_name_keeps_the_first_value() {
        let d = read("A=1\nA=2\n");
        assert_eq!(pairs(&d), [("A", "1")]);
        assert_eq!(d.problems[0].line, 2);
    }

    #[test]
    fn the_canonical_form_reads_back_unchanged() {
        let d = read("A=\"x \\\"$ \\\\ y\nz\"\nB=plain\n");
        let again = read(&canonical(&d.vars));
        assert_eq!(pairs(&again), pairs(&d));
    }
}
