//! `runner run --watch`: run, wait until a file the run reads changes, run again; until
//! Ctrl-C. Each run is `runner run` without `--watch` in a child process, so every run starts
//! as fresh as one from the shell (no secrets, tokens or cookies carried over) and prints as
//! one does.
//!
//! Changes are found by polling the files' modification times and sizes (a handful of files,
//! ten times a second): no watcher library, no limit on inotify handles, and it sees editors
//! that save by writing a new file and renaming it over the old one.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::exit::Exit;
use super::plan::expand_files;
use crate::cli::RunArgs;
use crate::load::{self, environment};
use crate::secrets::Secrets;

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(100);
/// Changes that keep coming for longer than this (a long copy) start the run anyway.
const MAX_SETTLE: Duration = Duration::from_secs(2);
/// How long a run is given to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(10);

/// Runs `runner run --watch`.
pub async fn watch(args: RunArgs) -> Exit {
    let (interrupt, mut interrupted) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        match tokio::signal::ctrl_c().await {
            Ok(()) => {
                let _ = interrupt.send(());
            }
            // no Ctrl-C to be had: keep the sender, so the watch never sees one
            Err(_) => {
                let _kept = interrupt;
                std::future::pending::<()>().await;
            }
        }
    });
    loop {
        if std::io::stdout().is_terminal() {
            // clear the screen and the scroll-back, cursor home
            print!("\x1b[2J\x1b[3J\x1b[H");
            let _ = std::io::stdout().flush();
        }
        let mut child = match run_once() {
            Ok(child) => child,
            Err(e) => {
                eprintln!("error: cannot start the run: {e}");
                return Exit::BadInput;
            }
        };
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            tokio::select! {
                _ = &mut interrupted => return stop(child).await,
                () = tokio::time::sleep(POLL) => {}
            }
        }
        let files = watched(&args);
        let before = stamps(&files);
        eprintln!(
            "watching {} files for changes (Ctrl-C to stop)",
            files.len()
        );
        loop {
            tokio::select! {
                _ = &mut interrupted => return Exit::Interrupted,
                () = tokio::time::sleep(POLL) => {}
            }
            if stamps(&files) != before {
                break;
            }
        }
        settle(&files).await;
    }
}

/// This command line without `--watch`, run as a child with the same output.
fn run_once() -> std::io::Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    let args = std::env::args_os().skip(1).filter(|a| a != "--watch");
    std::process::Command::new(exe).args(args).spawn()
}

/// Ctrl-C during a run: the run got it too and ends itself (reports written); it is killed
/// if it does not within the grace time.
async fn stop(mut child: std::process::Child) -> Exit {
    let deadline = tokio::time::Instant::now() + GRACE;
    while tokio::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Exit::Interrupted;
        }
        tokio::time::sleep(POLL).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    Exit::Interrupted
}

/// Waits until the files stop changing (an editor writing several, a formatter after a
/// save), at most `MAX_SETTLE`.
async fn settle(files: &[PathBuf]) {
    let start = tokio::time::Instant::now();
    let mut last = stamps(files);
    while start.elapsed() < MAX_SETTLE {
        tokio::time::sleep(POLL).await;
        let now = stamps(files);
        if now == last {
            return;
        }
        last = now;
    }
}

/// What the run reads: the collections (and the folders given), their included files, every
/// environment `-e` may pick, the data and mock files.
fn watched(args: &RunArgs) -> Vec<PathBuf> {
    let mut errors = Vec::new();
    let mut files: Vec<PathBuf> = args.files.clone();
    for collection in expand_files(&args.files, &mut errors) {
        // loaded for its file list only: nothing is rendered, no secret learnt
        if let Ok(loaded) = load::load_collection(&collection, &Secrets::default()) {
            let places = loaded.requests.iter().map(|r| &r.location);
            files.extend(places.map(|l| l.file.to_path_buf()));
        }
        files.extend(environment::all_files(&collection));
        files.push(collection);
    }
    files.extend(args.data.iter().cloned());
    files.extend(args.mock.iter().cloned());
    files.sort();
    files.dedup();
    files
}

/// Each file's modification time and size (`None` while it does not exist).
fn stamps(files: &[PathBuf]) -> Vec<Option<(SystemTime, u64)>> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}
