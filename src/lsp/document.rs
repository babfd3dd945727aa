//! An open document: its text as the editor has it, the last check of it, the last
//! collection it loaded as (for answers while the text does not load), and the failures of
//! its last run from the editor.

use std::path::PathBuf;
use std::sync::Arc;

use lsp_types::{Diagnostic, Uri};

use super::analysis::{Analysis, analyze};
use super::environments::Environments;
use crate::model::{Collection, Request};
use crate::secrets::Secrets;

/// One open document.
pub struct Document {
    /// As the editor names it.
    pub uri: Uri,
    /// The file.
    pub path: PathBuf,
    /// The editor's text.
    pub text: String,
    /// The editor's version of the text.
    pub version: i32,
    /// The last check.
    pub analysis: Analysis,
    /// The last collection the text loaded as, with its environments and the secrets their
    /// templates register in.
    last_good: Option<(Arc<Collection>, Arc<Environments>, Secrets)>,
    /// Failures of the last `runner.run`, shown until the text changes.
    pub run_failures: Vec<Diagnostic>,
}

impl Document {
    /// Checks a newly opened document.
    pub fn open(uri: Uri, path: PathBuf, text: String, version: i32, env: Option<&str>) -> Self {
        let analysis = analyze(&path, &text, env);
        let mut document = Document {
            uri,
            path,
            text,
            version,
            analysis,
            last_good: None,
            run_failures: Vec::new(),
        };
        document.keep_good();
        document
    }

    /// Takes the editor's new text and checks it again; gives back the previous check (for
    /// the caller to drop when the answer is out).
    pub fn change(&mut self, text: String, version: i32, env: Option<&str>) -> Analysis {
        self.text = text;
        self.version = version;
        let previous = std::mem::replace(&mut self.analysis, analyze(&self.path, &self.text, env));
        self.run_failures.clear();
        self.keep_good();
        previous
    }

    fn keep_good(&mut self) {
        if let Some(collection) = &self.analysis.collection {
            self.last_good = Some((
                collection.clone(),
                self.analysis.environments.clone(),
                self.analysis.secrets.clone(),
            ));
        }
    }

    /// The collection as last loaded (now, or before the text stopped loading).
    pub fn collection(&self) -> Option<&Collection> {
        self.last_good.as_ref().map(|(c, _, _)| c.as_ref())
    }

    /// The environments the collection was last checked against.
    pub fn environments(&self) -> Option<&Environments> {
        self.last_good.as_ref().map(|(_, e, _)| e.as_ref())
    }

    /// The secrets learnt while answering about the collection as last loaded (or, before
    /// it ever loaded, by the last check): what hovers and run results are masked with.
    pub fn secrets(&self) -> &Secrets {
        self.last_good
            .as_ref()
            .map_or(&self.analysis.secrets, |(_, _, s)| s)
    }

    /// Everything to show: the check's findings and the last run's failures.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.analysis.diagnostics.clone();
        all.extend(self.run_failures.iter().cloned());
        all
    }

    /// The request of this file whose entry starts at or above the 0-based `line` (the
    /// nearest one).
    pub fn request_at(&self, line: u32) -> Option<&Request> {
        let collection = self.collection()?;
        collection
            .requests
            .iter()
            .filter(|r| *r.location.file == *self.path && r.location.line <= line + 1)
            .max_by_key(|r| r.location.line)
    }
}
