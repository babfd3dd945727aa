//! The one way tests run the real `runner` binary, built up like just's `Test`: where it runs,
//! its arguments and environment, then `run()` for what it printed or `spawn()` for a process
//! the test interrupts. Every run is bounded in time and its process is killed on drop.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::outcome::Outcome;
use super::project::Project;
use super::server::TestServer;

/// Variables of the test's own environment that would change what a run does: colours, the
/// BC secret, and proxies (requests must go straight to 127.0.0.1).
const CLEARED_VARS: [&str; 10] = [
    "CLICOLOR_FORCE",
    "BC_CLIENT_SECRET",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// How long a run may take unless the test says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// One run of `runner`, to be configured and then started.
#[derive(Clone, Debug)]
pub struct Case {
    dir: PathBuf,
    launcher: Vec<OsString>,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    timeout: Duration,
}

impl Project {
    /// `runner ARGS` with the project as current directory (no colours, a 60 s timeout).
    pub fn runner<I, S>(&self, args: I) -> Case
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Case::new(self.path(), args)
    }
}

impl Case {
    /// `runner ARGS` in `dir`.
    pub fn new<I, S>(dir: &Path, args: I) -> Case
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut env: Vec<(OsString, Option<OsString>)> =
            CLEARED_VARS.iter().map(|v| (v.into(), None)).collect();
        env.push(("NO_COLOR".into(), Some("1".into())));
        let mut case = Case {
            dir: dir.to_path_buf(),
            launcher: Vec::new(),
            args: Vec::new(),
            env,
            timeout: DEFAULT_TIMEOUT,
        };
        case.args(args);
        case
    }

    /// `runner ARGS` in the crate's own directory (for the shipped collections and mocks).
    pub fn in_repo<I, S>(args: I) -> Case
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Case::new(Path::new(env!("CARGO_MANIFEST_DIR")), args)
    }

    /// Runs in `rel_dir` below the current directory instead (created if missing).
    pub fn in_dir(&mut self, rel_dir: &str) -> &mut Case {
        self.dir.push(rel_dir);
        std::fs::create_dir_all(&self.dir).expect("create current dir");
        self
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Case {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Case
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Adds `--var base_url=http://127.0.0.1:PORT` for the server.
    pub fn server(&mut self, server: &TestServer) -> &mut Case {
        self.args(["--var".to_string(), server.var()])
    }

    pub fn env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Case {
        let name = name.as_ref().to_os_string();
        self.env.retain(|(n, _)| *n != name);
        self.env.push((name, Some(value.as_ref().to_os_string())));
        self
    }

    pub fn env_remove(&mut self, name: impl AsRef<OsStr>) -> &mut Case {
        let name = name.as_ref().to_os_string();
        self.env.retain(|(n, _)| *n != name);
        self.env.push((name, None));
        self
    }

    /// The longest the run may take; `run()` panics (after killing it) beyond that.
    pub fn timeout(&mut self, limit: Duration) -> &mut Case {
        self.timeout = limit;
        self
    }

    /// Starts `PROGRAM ARGS… runner …` instead, e.g. `/usr/bin/time -v` or `sh -c SCRIPT sh`.
    pub fn launched_by<I, S>(&mut self, launcher: I) -> &mut Case
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.launcher = launcher
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        self
    }

    /// Runs to completion and returns what it printed; panics if it outlives the timeout.
    pub fn run(&self) -> Outcome {
        let mut running = self.spawn();
        running
            .wait(self.timeout)
            .unwrap_or_else(|| panic!("runner did not finish within {:?}", self.timeout))
    }

    /// Starts the process and returns at once; its output is collected on threads.
    pub fn spawn(&self) -> Running {
        let runner = OsString::from(env!("CARGO_BIN_EXE_runner"));
        let mut argv = self.launcher.iter().chain([&runner]).chain(&self.args);
        let mut cmd = Command::new(argv.next().unwrap());
        cmd.args(argv)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        Running::start(cmd, self.dir.clone())
    }
}

/// A signal the tests send to a running process.
#[derive(Clone, Copy, Debug)]
pub enum Signal {
    /// Ctrl-C.
    Int,
    Term,
}

impl Signal {
    fn flag(self) -> &'static str {
        match self {
            Signal::Int => "-INT",
            Signal::Term => "-TERM",
        }
    }
}

/// What must have happened before a signal is sent.
#[derive(Clone, Copy)]
pub enum Ready<'a> {
    /// The server has received a request for this path (it may still be answering).
    Request(&'a TestServer, &'a str),
    /// The server has finished answering a request for this path.
    Answer(&'a TestServer, &'a str),
    /// The process has written this text to stderr.
    Stderr(&'a str),
    /// The process has written this text to stdout.
    Stdout(&'a str),
}

/// How long a readiness condition may take before the test fails.
const READY_LIMIT: Duration = Duration::from_secs(30);

/// Text a process writes, growing while it runs; waiters are woken on every chunk.
#[derive(Default)]
struct Stream {
    text: Mutex<(String, bool)>,
    grew: Condvar,
}

impl Stream {
    /// Reads `from` to its end on a thread, appending to the shared text.
    fn collect(mut from: impl Read + Send + 'static) -> (Arc<Stream>, JoinHandle<()>) {
        let stream = Arc::new(Stream::default());
        let shared = stream.clone();
        let thread = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            let mut pending = Vec::new();
            loop {
                let n = from.read(&mut chunk).unwrap_or(0);
                pending.extend_from_slice(&chunk[..n]);
                // keep an incomplete UTF-8 sequence for the next chunk
                let valid = match std::str::from_utf8(&pending) {
                    Ok(_) => pending.len(),
                    Err(e) if e.error_len().is_none() && n > 0 => e.valid_up_to(),
                    Err(_) => pending.len(),
                };
                let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
                pending.drain(..valid);
                let mut guard = shared.text.lock().unwrap();
                guard.0.push_str(&text);
                guard.1 = n == 0;
                shared.grew.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        (stream, thread)
    }

    /// Waits until `done` holds for the text (true), or the stream ended or `limit` passed.
    fn wait_until(&self, limit: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        let mut guard = self.text.lock().unwrap();
        loop {
            if done(&guard.0) {
                return true;
            }
            let now = Instant::now();
            if guard.1 || now >= deadline {
                return false;
            }
            guard = self.grew.wait_timeout(guard, deadline - now).unwrap().0;
        }
    }

    fn text(&self) -> String {
        self.text.lock().unwrap().0.clone()
    }
}

/// A started `runner` process; killed (and reaped) on drop.
pub struct Running {
    child: Child,
    dir: PathBuf,
    stdout: Arc<Stream>,
    stderr: Arc<Stream>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    fn start(mut cmd: Command, dir: PathBuf) -> Running {
        let mut child = cmd.spawn().expect("start runner");
        let (stdout, out_reader) = Stream::collect(child.stdout.take().unwrap());
        let (stderr, err_reader) = Stream::collect(child.stderr.take().unwrap());
        Running {
            child,
            dir,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait for runner")
    }

    /// Waits (bounded by `READY_LIMIT`) until `ready` holds, then sends `signal` unless the
    /// process has ended by then; returns when. Panics if the condition never comes.
    pub fn signal_when(&mut self, ready: Ready<'_>, signal: Signal) -> Instant {
        let reached = match ready {
            Ready::Request(server, path) => server.wait_for_request(path, READY_LIMIT),
            Ready::Answer(server, path) => server.wait_for_answer(path, READY_LIMIT),
            Ready::Stderr(needle) => self.stderr.wait_until(READY_LIMIT, |t| t.contains(needle)),
            Ready::Stdout(needle) => self.stdout.wait_until(READY_LIMIT, |t| t.contains(needle)),
        };
        if !reached {
            panic!(
                "not ready for the signal within {READY_LIMIT:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.stdout.text(),
                self.stderr.text()
            );
        }
        let sent_at = Instant::now();
        // it may have ended by itself meanwhile (a first Ctrl-C stops it): nothing to signal
        if self.try_wait().is_some() {
            return sent_at;
        }
        let status = Command::new("kill")
            .args([signal.flag(), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {} failed", signal.flag());
        sent_at
    }

    /// Waits (bounded by `READY_LIMIT`) until stdout holds `count` complete lines; those lines.
    pub fn stdout_lines(&self, count: usize) -> Vec<String> {
        let enough = self
            .stdout
            .wait_until(READY_LIMIT, |t| t.matches('\n').count() >= count);
        let text = self.stdout.text();
        assert!(enough, "fewer than {count} lines on stdout:\n{text}");
        text.lines().take(count).map(str::to_string).collect()
    }

    /// Waits up to `limit` for the process to end; `None` if it is still running.
    pub fn wait(&mut self, limit: Duration) -> Option<Outcome> {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.try_wait() {
                break status;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        for reader in self.readers.drain(..) {
            reader.join().expect("output reader");
        }
        Some(Outcome {
            code: status.code(),
            stdout: self.stdout.text(),
            stderr: self.stderr.text(),
            dir: self.dir.clone(),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
