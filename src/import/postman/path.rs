//! Paths into the response JSON as scripts write them (`jsonData.value[0]["@odata.etag"]`)
//! and their JSONPath form.

/// A step of a path into the response JSON, below the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[3]`.
    Index(i64),
}

/// The JSONPath of segments: `$.value[0]['@odata.etag']`.
pub fn json_path(segs: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in segs {
        match seg {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) if is_shorthand(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => {
                out.push_str("['");
                for c in k.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        // RFC 9535 names hold no raw control characters
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

/// Whether a key can be written `.key`.
pub fn is_shorthand(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
