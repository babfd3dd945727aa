//! `runner`: a declarative HTTP request runner.
//!
//! Data flow: `cli` → `app` → `load` (YAML → `model::Collection`, every error with its place)
//! → `run` (for each request: `template` render → `http` send → `check` captures and
//! assertions) → `report` (terminal) → exit code.

#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod format;
pub mod http;
pub mod import;
pub mod lint;
pub mod load;
pub mod location;
pub mod lsp;
pub mod mock;
pub mod model;
pub mod query;
pub mod report;
pub mod run;
pub mod secrets;
pub mod settings;
pub mod suggest;
pub mod template;
pub mod units;
pub mod urlencode;
