//! Mock servers from YAML: routes matched with the assertion vocabulary, templated responses,
//! optional in-memory state. Used standalone (`runner mock`) or inside a run (`--mock`).

mod incoming;
pub mod jwt;
pub mod server;
pub mod spec;
pub mod store;
