//! Shell words: splitting a pasted command line the way `sh` would (quotes, backslashes,
//! `$'…'`, line continuations with `\` or cmd's `^`), and quoting words so `sh` reads them
//! back unchanged. No expansion: `$VAR` and `${VAR}` outside single quotes are marked
//! (`VAR_START NAME VAR_END`) for the caller to turn into what it reads variables with.

/// Starts the name of a shell variable in a split word.
pub const VAR_START: char = '\u{E000}';
/// Ends the name of a shell variable in a split word.
pub const VAR_END: char = '\u{E001}';

/// `$NAME` or `${NAME}` at `i` (a `$`): the marked name and the index after it.
fn variable(chars: &[char], i: usize) -> Option<(String, usize)> {
    let braced = chars.get(i + 1) == Some(&'{');
    let start = if braced { i + 2 } else { i + 1 };
    let first = *chars.get(start)?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let mut end = start;
    while chars
        .get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        end += 1;
    }
    if braced && chars.get(end) != Some(&'}') {
        return None;
    }
    let name: String = chars[start..end].iter().collect();
    let next = if braced { end + 1 } else { end };
    Some((format!("{VAR_START}{name}{VAR_END}"), next))
}

/// Splits a command line into words.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                i += 1;
            }
            '\\' => {
                match chars.get(i + 1) {
                    // a line continuation
                    Some('\n') => {}
                    Some('\r') if chars.get(i + 2) == Some(&'\n') => i += 1,
                    Some(&next) => {
                        word.push(next);
                        in_word = true;
                    }
                    None => return Err("the command ends with a lone `\\`".into()),
                }
                i += 2;
            }
            // Windows cmd's continuation, as in "Copy as cURL (cmd)"
            '^' if !in_word && matches!(chars.get(i + 1), Some('\n' | '\r')) => i += 1,
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                let end = find(&chars, i + 1, '\'').ok_or("a single quote (') is not closed")?;
                word.extend(&chars[i + 1..end]);
                in_word = true;
                i = end + 1;
            }
            '"' => {
                i = double_quoted(&chars, i + 1, &mut word)?;
                in_word = true;
            }
            '$' if chars.get(i + 1) == Some(&'\'') => {
                i = ansi_c(&chars, i + 2, &mut word)?;
                in_word = true;
            }
            '$' if variable(&chars, i).is_some() => {
                let (marked, next) = variable(&chars, i).unwrap_or_default();
                word.push_str(&marked);
                in_word = true;
                i = next;
            }
            other => {
                word.push(other);
                in_word = true;
                i += 1;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `"…"` from after the opening quote; returns the index after the closing quote.
fn double_quoted(chars: &[char], mut i: usize, word: &mut String) -> Result<usize, String> {
    let unclosed = || "a double quote (\") is not closed".to_string();
    loop {
        match chars.get(i) {
            None => return Err(unclosed()),
            Some('"') => return Ok(i + 1),
            Some('\\') => {
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(&e @ ('$' | '`' | '"' | '\\')) => word.push(e),
                    Some(&other) => {
                        word.push('\\');
                        word.push(other);
                    }
                    None => return Err(unclosed()),
                }
                i += 2;
            }
            Some('$') if variable(chars, i).is_some() => {
                let (marked, next) = variable(chars, i).unwrap_or_default();
                word.push_str(&marked);
                i = next;
            }
            Some(&other) => {
                word.push(other);
                i += 1;
            }
        }
    }
}

fn find(chars: &[char], from: usize, target: char) -> Option<usize> {
    (from..chars.len()).find(|&i| chars[i] == target)
}

/// `$'…'` from after the opening quote; returns the index after the closing quote.
fn ansi_c(chars: &[char], mut i: usize, word: &mut String) -> Result<usize, String> {
    loop {
        match chars.get(i) {
            None => return Err("a $'…' quote is not closed".into()),
            Some('\'') => return Ok(i + 1),
            Some('\\') => {
                let escaped = *chars.get(i + 1).ok_or("a $'…' quote is not closed")?;
                i += 2;
                match escaped {
                    'n' => word.push('\n'),
                    't' => word.push('\t'),
                    'r' => word.push('\r'),
                    'e' | 'E' => word.push('\u{1b}'),
                    '0' => word.push('\0'),
                    'x' | 'u' | 'U' => {
                        let max = match escaped {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let digits: String = chars[i..]
                            .iter()
                            .take(max)
                            .take_while(|c| c.is_ascii_hexdigit())
                            .collect();
                        i += digits.len();
                        let code = u32::from_str_radix(&digits, 16)
                            .map_err(|_| format!("`\\{escaped}` without hex digits in $'…'"))?;
                        word.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    other => word.push(other),
                }
            }
            Some(&c) => {
                word.push(c);
                i += 1;
            }
        }
    }
}

/// Whether a word needs no quotes at all.
fn is_bare(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,%+".contains(c))
}

/// A word quoted for `sh`: as is when safe, else in single quotes.
pub fn quote(word: &str) -> String {
    if is_bare(word) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A piece of a word: text, or a shell variable to expand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `$NAME`.
    Var(String),
}

/// A word made of text and variables: `"Bearer $TOKEN"` when the text allows double quotes,
/// else single-quoted text and `"${VAR}"` next to each other.
pub fn quote_pieces(pieces: &[Piece]) -> String {
    if let [Piece::Text(text)] = pieces {
        return quote(text);
    }
    let double_ok = pieces.iter().all(|p| match p {
        Piece::Text(t) => !t.contains(['"', '\\', '$', '`', '!']),
        Piece::Var(_) => true,
    });
    if double_ok {
        let mut out = String::from("\"");
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => {
                    let next_is_ident = match pieces.get(i + 1) {
                        Some(Piece::Text(t)) => {
                            t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                        }
                        _ => false,
                    };
                    if next_is_ident {
                        out.push_str(&format!("${{{v}}}"));
                    } else {
                        out.push('$');
                        out.push_str(v);
                    }
                }
            }
        }
        out.push('"');
        return out;
    }
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) if t.is_empty() => String::new(),
            Piece::Text(t) => format!("'{}'", t.replace('\'', r"'\''")),
            Piece::Var(v) => format!("\"${{{v}}}\""),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            words(r#"curl -H "A: \"b\" \$x \n" 'it''s' a\ b"#),
            ["curl", "-H", "A: \"b\" $x \\n", "its", "a b"]
        );
        assert_eq!(words("$'a\\nb\\x41\\''"), ["a\nbA'"]);
    }

    #[test]
    fn continuations_and_comments() {
        assert_eq!(
            words("curl -X POST \\\n  https://x \\\r\n  -d 1 # note\n-k"),
            ["curl", "-X", "POST", "https://x", "-d", "1", "-k"]
        );
        assert_eq!(
            words("curl ^\n  \"https://x\" ^\r\n -k"),
            ["curl", "https://x", "-k"]
        );
    }

    #[test]
    fn unclosed_quotes_are_errors() {
        assert!(split("curl 'x").is_err());
        assert!(split("curl \"x").is_err());
        assert!(split("curl x\\").is_err());
    }

    #[test]
    fn quoting_reads_back() {
        for word in [
            "plain",
            "a b",
            "it's",
            "$HOME",
            "",
            "{\"a\": [1]}",
            "line\nbreak",
            "!x",
        ] {
            let quoted = quote(word);
            assert_eq!(split(&quoted).unwrap(), [word], "{quoted}");
        }
        assert_eq!(quote("https://x/a?b=1&c=2"), "'https://x/a?b=1&c=2'");
    }

    #[test]
    fn pieces_with_variables() {
        let bearer = [
            Piece::Text("Authorization: Bearer ".into()),
            Piece::Var("TOKEN".into()),
        ];
        assert_eq!(quote_pieces(&bearer), "\"Authorization: Bearer $TOKEN\"");
        let url = [
            Piece::Text("http://x/c(".into()),
            Piece::Var("ID".into()),
            Piece::Text(")/y".into()),
        ];
        assert_eq!(quote_pieces(&url), "\"http://x/c($ID)/y\"");
        let mixed = [
            Piece::Text("$'".into()),
            Piece::Var("A".into()),
            Piece::Text("b".into()),
        ];
        assert_eq!(quote_pieces(&mixed), "'$'\\'''\"${A}\"'b'");
    }
}
