//! `runner lsp`: a language server for collection, environment and mock files. Diagnostics
//! are what `runner validate` finds, from the same loader and checks; completion, hover,
//! definition and "▶ run" lenses read the loaded collection. Nothing here sends a request:
//! only the command `runner.run` does, through `runner run` in a child process.
//!
//! Synchronous (`lsp-server`): one loop takes the client's messages and the results of runs,
//! which go on their own threads. A handler that fails or panics is logged on standard error
//! and answered with an error; the server goes on.

mod analysis;
mod batch;
mod completion;
mod convert;
mod cursor;
mod definition;
mod document;
mod environments;
mod hover;
mod names;
mod run;
mod server;

pub use analysis::{Analysis, DocumentKind, analyze};
pub use server::{LspError, serve};
