//! Build script: names the commit the binary is built from, for `runner --version`.
//!
//! Sets `RUNNER_VERSION` to `0.1.0 (1a2b3c4)`, `0.1.0 (1a2b3c4-dirty)` when tracked files
//! differ from that commit, or plain `0.1.0` where there is no git (a crate tarball, a
//! source archive) or the git repository found is not this package's own.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = env("CARGO_PKG_VERSION");
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let full = match commit(&manifest_dir) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=RUNNER_VERSION={full}");
    println!("cargo:rerun-if-changed=build.rs");
    // edits to the sources can make the tree dirty; new commits move HEAD or its branch
    println!("cargo:rerun-if-changed=src");
    for file in watched_git_files(&manifest_dir) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The short hash of HEAD, with `-dirty` when tracked files changed since.
fn commit(dir: &Path) -> Option<String> {
    // a crate unpacked inside some other repository must not take that repository's commit
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), dir) {
        return None;
    }
    let hash = git(dir, &["rev-parse", "--short", "HEAD"])?;
    let changes = git(dir, &["status", "--porcelain", "--untracked-files=no"])?;
    Some(if changes.is_empty() {
        hash
    } else {
        format!("{hash}-dirty")
    })
}

/// HEAD, the branch it points to and packed-refs: a commit changes one of them.
fn watched_git_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut git_path = |name: &str| {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", name]) {
            files.push(dir.join(path));
        }
    };
    git_path("HEAD");
    git_path("packed-refs");
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        git_path(&branch);
    }
    files.into_iter().filter(|f| f.exists()).collect()
}

/// One git command's trimmed output, or None when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_string())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
