//! `runner`: a declarative HTTP request runner.
//!
//! Data flow: `cli` → `app` → `load` (YAML → `model::Collection`, every error with its place)
//! → `run` (for each request, in stages: `template` render → `auth` → `http` send → `check`
//! captures and assertions) → `report` (terminal as the run goes, report files per unit) →
//! exit code from the results.
//!
//! Modules import only downwards in this order (tests/architecture.rs checks it):
//! `cli`/`app`/`lsp` → `import` → `load` → `mock`/`lint` → `report` → `run` → `auth` →
//! `check` → `http` → `model` → `template` → the leaves `location`, `units`, `query`,
//! `secrets`, `urlencode`, `suggest`, `diagnostic`.

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
