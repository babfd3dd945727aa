//! Diagnostics latency of `runner lsp` (issue 18: within 100 ms of a change on a 2,000-request
//! collection): a client over stdio, as an editor, opens a generated collection of 2,000
//! requests checked against two environments, then changes it again and again; each sample is
//! the time from writing `didChange` to reading its `publishDiagnostics`.
//!
//! Run: `cargo bench --bench lsp`. `LSP_BENCH_REQUESTS` and `LSP_BENCH_CHANGES` change the
//! size and the number of samples.

#[path = "../tests/lsp_support/client.rs"]
#[allow(dead_code)]
mod client;

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::{Value, json};

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A collection of `requests` requests in groups of 50, each reading variables, capturing
/// (what the one before captured) and asserting; `typo` puts one undefined variable into request `typo`.
fn collection(requests: usize, typo: usize) -> String {
    let mut text = String::from("vars:\n  version: v2\nrequests:\n");
    for group in 0..requests.div_ceil(50) {
        let _ = write!(
            text,
            "  - group: g{group}\n    vars:\n      part: p{group}\n    requests:\n"
        );
        for i in group * 50..((group + 1) * 50).min(requests) {
            let var = if i == typo { "Tenantt" } else { "tenant" };
            let previous = if i == 0 {
                "version".to_string()
            } else {
                format!("id{}", i - 1)
            };
            let _ = write!(
                text,
                "      - name: r{i}\n        url: <<base>>/<<version>>/<<{var}>>/<<part>>/items/{i}\n        headers:\n          Authorization: Bearer <<token>>\n          X-Previous: <<{previous}>>\n        capture:\n          id{i}: $.value[0].id\n        assert:\n          status: 200\n          json:\n            $.value:\n              length: {{ gte: 1 }}\n"
            );
        }
    }
    text
}

fn main() {
    let requests = count("LSP_BENCH_REQUESTS", 2000);
    let changes = count("LSP_BENCH_CHANGES", 30);
    let dir = tempfile::tempdir().expect("temp dir");
    let env_dir = dir.path().join("environments");
    std::fs::create_dir_all(&env_dir).unwrap();
    std::fs::write(
        env_dir.join("dev.yaml"),
        "base: http://127.0.0.1:9\ntenant: t\ntoken: x\n",
    )
    .unwrap();
    std::fs::write(
        env_dir.join("prod.yaml"),
        "base: http://127.0.0.1:9\ntenant: u\ntoken: y\n",
    )
    .unwrap();
    let path = dir.path().join("big.yaml");
    let first = collection(requests, usize::MAX);
    std::fs::write(&path, &first).unwrap();
    let uri = client::uri(&path);

    let (mut client, _) = client::Client::start(dir.path(), Value::Null);
    let start = Instant::now();
    let document = json!({ "uri": uri, "languageId": "yaml", "version": 1, "text": first });
    client.notify("textDocument/didOpen", json!({ "textDocument": document }));
    let opened = client.diagnostics(&uri, 1);
    let open_ms = start.elapsed().as_secs_f64() * 1000.0;
    let rss_open = rss_kib(client.pid());
    let cpu_open = cpu_ms(client.pid());
    let mut samples = Vec::with_capacity(changes);
    for n in 0..changes {
        let version = i64::try_from(n).unwrap() + 2;
        let text = collection(requests, n * 37 % requests);
        let change = json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text }],
        });
        let start = Instant::now();
        client.notify("textDocument/didChange", change);
        let diagnostics = client.diagnostics(&uri, version);
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(!diagnostics.is_empty(), "the typo is reported");
    }
    let rss_end = rss_kib(client.pid());
    let cpu_per_change = (cpu_ms(client.pid()) - cpu_open) / changes.max(1) as f64;
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    println!(
        "{requests} requests, {} lines, 2 environments: open {open_ms:.1} ms ({} diagnostics); \
         change → diagnostics over {changes} changes: median {median:.1} ms, p95 {p95:.1} ms, \
         max {:.1} ms; server CPU {cpu_per_change:.1} ms per change; server RSS {} MiB after \
         open, {} MiB after the changes",
        first.lines().count(),
        opened.len(),
        samples[samples.len() - 1],
        rss_open / 1024,
        rss_end / 1024,
    );
    let _ = client.shut_down();
}

/// The resident memory of a process in KiB (0 where /proc is not there).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The CPU time (user and system) a process has used, in milliseconds (0 without /proc).
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name (which may hold spaces) in parentheses
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name
    (ticks(11) + ticks(12)) * 1000.0 / 100.0
}
