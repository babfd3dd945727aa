//! `runner run --watch`: runs, runs again when the collection changes, ends on Ctrl-C.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use support::{Project, TestServer};

/// How long any expected line may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The watching process, killed when dropped.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(project: &Project) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
            .args(["run", "--watch", "c.yaml"])
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start runner run --watch");
        let (tx, lines) = channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for stream in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) for a line containing `text`.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with {text:?} in time; output: {:#?}", self.seen);
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_runs_again_after_an_edit_and_ends_on_ctrl_c() {
    let server = TestServer::start();
    let project = Project::new();
    let request = |name: &str| {
        format!(
            "  - name: {name}\n    url: {}/status/200\n",
            server.base_url()
        )
    };
    project.file("c.yaml", &format!("requests:\n{}", request("first")));
    let mut watching = Watching::start(&project);
    watching.wait_for("1 passed, 0 failed");
    watching.wait_for("watching");

    let edited = format!("requests:\n{}{}", request("first"), request("second"));
    std::fs::write(project.path().join("c.yaml"), edited).unwrap();
    watching.wait_for("2 passed, 0 failed");
    watching.wait_for("watching");
    assert_eq!(server.hits("/status/200"), 3);

    let pid = watching.child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "cannot send SIGINT");
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = watching.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "--watch did not end on Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
}
