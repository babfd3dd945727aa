//! Test support shared by the integration tests: one in-process HTTP server on 127.0.0.1 that
//! plays the Azure AD token endpoint and a small Business Central API (behaviour taken from
//! BC-API.md) plus utility routes, a temporary project directory, and the one builder (`Case`) that runs `runner` in it.
// Each test crate that includes this module uses a different part of it.
#![allow(dead_code, unused_imports)]

pub mod case;
pub mod forms;
pub mod microsoft;
pub mod net;
pub mod outcome;
pub mod project;
pub mod regression;
pub mod server;
pub mod unreliable;

pub use case::{Case, Ready, Running, Signal};
pub use forms::parse_urlencoded;
pub use microsoft::{CLIENT_SECRET, CRONUS_ID, CUSTOMER_ETAG, token_for};
pub use outcome::{Outcome, contains_word};
pub use project::{Project, dedent, files_under};
pub use server::{SESSION_TOKEN, TestServer};
