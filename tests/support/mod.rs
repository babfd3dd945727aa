//! Test support shared by the integration tests: one in-process HTTP server on 127.0.0.1 that
//! plays the Azure AD token endpoint and a small Business Central API (behaviour taken from
//! BC-API.md) plus utility routes, and a temporary project directory that runs `runner`.
// Each test crate that includes this module uses a different part of it.
#![allow(dead_code, unused_imports)]

pub mod forms;
pub mod microsoft;
pub mod net;
pub mod project;
pub mod regression;
pub mod server;
pub mod unreliable;

pub use forms::parse_urlencoded;
pub use microsoft::{CLIENT_SECRET, CRONUS_ID, CUSTOMER_ETAG, token_for};
pub use project::{Outcome, Project, contains_word, dedent, files_under, run};
pub use server::{SESSION_TOKEN, TestServer};
