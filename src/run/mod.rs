//! The executor: requests in order, each rendered, sent, captured from and checked.
//! It never prints; it tells an `Observer` what happened and returns plain results.
//!
//! The rooms, top to bottom: `unit` runs a collection's requests in order; `request` takes
//! one request through its stages over a `context`: `render` → `authorize` → `send`
//! (`attempts`, `paginate`) → `capture` → `assert`. `transport` sends and stops, `observer`
//! hears about results, `result` and `note` are what comes out; `select` and `vars` are read
//! before and during a run.

mod assert;
mod attempts;
pub mod authorize;
mod capture;
mod context;
pub mod note;
mod observer;
mod paginate;
pub mod render;
mod request;
pub mod result;
pub mod select;
mod send;
mod transport;
mod unit;
pub mod vars;

pub use observer::{Observer, Silent, replay};
pub use transport::{Shared, Stop};
pub use unit::{Unit, run_unit};

/// Bodies are kept in results up to this size once a request is done, for report files
/// (they show no more); without report files none is kept. A run of many large responses
/// thus never holds them all.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;
