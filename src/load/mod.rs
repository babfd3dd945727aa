//! Loading: collection and environment files → validated model, or every error with its place.
//! Nothing here sends a request; a file either loads completely or not at all.
//!
//! One file per thing read: `collection` (the file, groups, includes) → `request` (method, URL,
//! body, selection, retry, paging) → `auth`, `checks` (assertions), `captures` → `matcher`, and
//! `settings`; `environment`, `data`, `mock` and `dotenv` read the other input files. Under them all:
//! `reader` (typed values with positions), `files` (text and YAML), `yaml`, `keys` (the accepted
//! keys, also read by the schema test) and `error`. This file only names the parts: children
//! import each other directly, never through here, so the files form a DAG.

mod auth;
mod captures;
mod checks;
mod collection;
pub mod data;
pub mod dotenv;
pub mod environment;
mod error;
mod files;
mod keys;
mod matcher;
pub mod mock;
pub mod reader;
mod request;
mod settings;
pub mod yaml;

pub use collection::{load_collection, load_collection_text};
pub use environment::VarFile;
pub use error::{LoadError, LoadErrorKind};
pub use files::{parse_yaml, read_input, read_text};
pub use keys::accepted_keys;
pub use reader::finish;
