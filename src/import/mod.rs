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
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("Business Central API"), "business-central-api");
        assert_eq!(slug("  BC / Sandbox (EU) "), "bc-sandbox-eu");
        assert_eq!(slug("***"), "imported");
    }
}
