//! The fuzz corpus as a regression suite: every file under `fuzz/corpus/<target>/` goes
//! through the same code as the cargo-fuzz target (`fuzz/harness.rs`), in a plain
//! `cargo test`, so an input that once crashed keeps being checked without a fuzzer.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}

/// Runs every corpus file of `target` through `run`; fails listing every file that panicked.
fn replay(target: &str, run: fn(&[u8])) {
    let mut failed = Vec::new();
    let files = corpus(target);
    for file in &files {
        let data = std::fs::read(file).unwrap();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} {target} corpus inputs panicked: {failed:?}",
        failed.len(),
        files.len()
    );
}

#[test]
fn loader_corpus() {
    replay("loader", harness::loader);
}

#[test]
fn template_corpus() {
    replay("template", harness::template);
}

#[test]
fn matcher_corpus() {
    replay("matcher", harness::matcher);
}
