//! A language client for tests: starts `runner lsp` with piped standard input/output, frames
//! JSON-RPC messages with `Content-Length`, and waits for answers and notifications with
//! timeouts. The server is killed when the client is dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications (and server requests) received while waiting for something else.
    pub seen: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts `runner lsp` in `dir` and goes through `initialize`/`initialized`; returns the
    /// client and the `initialize` result.
    pub fn start(dir: &Path, options: Value) -> (Client, Value) {
        Client::start_with(dir, options, &[])
    }

    /// `start`, with these process environment variables set for the server.
    pub fn start_with(dir: &Path, options: Value, vars: &[(&str, &str)]) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
            .arg("lsp")
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .envs(vars.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start runner lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            seen: Vec::new(),
            next_id: 0,
        };
        let root = format!("file://{}", dir.display());
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root, "capabilities": {}, "initializationOptions": options }),
        );
        client.notify("initialized", json!({}));
        (client, init)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn write(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its answer: the result, or panics with the error.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_within(method, params, TIMEOUT)
    }

    pub fn request_within(&mut self, method: &str, params: Value, timeout: Duration) -> Value {
        let answer = self.answer(method, params, timeout);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// Sends a request and waits for the whole answer (a result or an error).
    pub fn answer(&mut self, method: &str, params: Value, timeout: Duration) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.write(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(timeout, |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    /// The next message that satisfies `wanted` (earlier ones are kept in `seen`).
    fn wait_for(&mut self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.seen.iter().position(&wanted) {
            return self.seen.remove(index);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.seen.push(message),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no answer in {timeout:?}; got {:?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server went away; got {:?}", self.seen)
                }
            }
        }
    }

    /// The params of the next notification `method` that satisfies `wanted`.
    pub fn notification(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let m = method.to_string();
        self.wait_for(TIMEOUT, move |msg| {
            msg["method"] == json!(m) && wanted(&msg["params"])
        })["params"]
            .clone()
    }

    /// The diagnostics of the next `publishDiagnostics` for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == json!(uri) && p["version"] == json!(version)
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `shutdown`, `exit`, and the exit code (within the timeout).
    pub fn shut_down(mut self) -> Option<i32> {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait for runner lsp") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A `file://` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `{ "start": {line, character}, "end": {…} }` as the protocol writes ranges.
pub fn range(line: u32, start: u32, end_line: u32, end: u32) -> Value {
    json!({ "start": { "line": line, "character": start }, "end": { "line": end_line, "character": end } })
}
