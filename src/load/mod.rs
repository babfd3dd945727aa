//! Loading: collection and environment files → validated model, or every error with its place.
//! Nothing here sends a request; a file either loads completely or not at all.
//!
//! This file only names the parts; each reads one kind of thing and imports its siblings
//! directly, so the files form a DAG: collection → request → (auth, checks → matcher,
//! settings), all over reader, files, keys, error and yaml.

mod auth;
mod checks;
mod collection;
pub mod data;
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

pub use collection::load_collection;
pub use environment::VarFile;
pub use error::{LoadError, LoadErrorKind};
pub use files::{parse_yaml, read_text};
pub use keys::accepted_keys;
pub use reader::finish;
