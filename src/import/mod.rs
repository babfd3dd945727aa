//! Bringing requests in from other tools and sending them back out: Postman collections and
//! environments, curl command lines (`import curl`) and the curl form of a rendered request
//! (`export curl`). Converters are pure (text in, YAML text and a `Report` out); reading,
//! writing and checking files is `app::import`'s job.

pub mod curl;
pub mod export;
pub mod placeholder;
pub mod postman;
pub mod report;
pub mod shell;
pub mod yaml;

use std::path::PathBuf;

/// Why an import or export could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        message: String,
    },
    /// The input is not what the command expects.
    #[error("{} is not a usable {what}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// `Postman collection`, `Postman environment`.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// A curl command line that cannot be read.
    #[error("cannot read the curl command: {0}")]
    Curl(String),
    /// A file could not be written.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        message: String,
    },
    /// What was written does not load: a bug in the importer, reported loudly.
    #[error("the imported file {} does not load (please report this as a bug):\n{message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The loader's messages.
        message: String,
    },
    /// The request to export cannot be found or rendered.
    #[error("{0}")]
    Export(String),
}

/// The text of an input file as Postman and newman read it: UTF-8 with or without a byte
/// order mark, or UTF-16 (little or big endian, with a mark, or without one when every
/// other byte of the start is zero).
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |body: &[u8], little: bool| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|p| {
                if little {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16 text".to_string())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(str::to_string),
        [0xFF, 0xFE, rest @ ..] => return utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => return utf16(rest, false),
        [a, 0, ..] if *a != 0 && bytes.len().is_multiple_of(2) => return utf16(bytes, true),
        [0, b, ..] if *b != 0 && bytes.len().is_multiple_of(2) => return utf16(bytes, false),
        _ => std::str::from_utf8(bytes).map(str::to_string),
    }
    .map_err(|e| format!("not UTF-8 or UTF-16 text: {e}"))
}

/// A file name made from a display name: `Business Central API` → `business-central-api`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "imported".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_text, slug};

    #[test]
    fn text_in_any_encoding_newman_reads() {
        let text = "{\"é\": 1}";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.as_bytes());
        for bytes in [le, be, bare, bom, text.as_bytes().to_vec()] {
            assert_eq!(decode_text(&bytes).unwrap(), text);
        }
        assert!(decode_text(&[0xC3]).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Business Central API"), "business-central-api");
        assert_eq!(slug("  BC / Sandbox (EU) "), "bc-sandbox-eu");
        assert_eq!(slug("***"), "imported");
    }
}
