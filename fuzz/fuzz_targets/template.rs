//! cargo-fuzz target: see harness.rs (`template`), shared with tests/fuzz_corpus.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::template(data));
