//! The types one conversion shares across the files of the Postman importer: the converter's
//! state, what is learnt before converting (`Known`) and what comes out (`Generated`). A leaf,
//! so the files that add to the conversion import it and never each other in a circle.

use std::collections::HashSet;

use crate::import::report::Report;

/// A generated file: a suggested file stem and the YAML text.
#[derive(Debug, Clone)]
pub struct Generated {
    /// File name without extension (`business-central-api`).
    pub stem: String,
    /// The file's text.
    pub text: String,
}

/// What the requests do with variables, learnt before anything is converted.
#[derive(Debug, Default)]
pub struct Known {
    /// Variables the requests' test scripts capture (template names).
    pub captured: HashSet<String>,
    /// Variables raw JSON bodies put where a JSON value goes, without quotes: their values
    /// are written as numbers and booleans where they read as such, as Postman sends them.
    pub typed: HashSet<String>,
}

/// The state of one conversion.
pub(super) struct Converter<'r> {
    pub(super) report: &'r mut Report,
    /// Secret values already replaced → the environment variable that stands for them.
    pub(super) secret_values: Vec<(String, String)>,
    /// Variable renames already reported.
    pub(super) renamed: HashSet<String>,
    /// Variables the requests' test scripts capture.
    pub(super) captured: HashSet<String>,
    /// Variables whose number and boolean values keep their type (`Known::typed`).
    pub(super) typed: HashSet<String>,
}
