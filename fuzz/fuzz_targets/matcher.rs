//! cargo-fuzz target: see harness.rs (`matcher`), shared with tests/fuzz_corpus.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::matcher(data));
