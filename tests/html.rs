//! The HTML report as a browser shows it (issue 17): a data-driven run's report opened in
//! headless Chromium, with a probe script appended to a copy of the page that reads the
//! rendered DOM, pages on ("show more"), searches by name and opens a found unit. Without
//! Chromium the test says so on stderr and checks nothing else (`.ci/run` installs it).

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Project, TestServer};

/// Rows of the data file; rows 120 and 300 get a 500 and fail.
const ROWS: usize = 450;
const FAILING: [usize; 2] = [120, 300];

/// Appended to the report: records the units shown (name, open), pages on, searches for a
/// unit beyond the first page and opens it, then writes what it saw as JSON into
/// `<pre id="probe">` for `--dump-dom`. Errors of the page's own script are caught by a
/// listener put before it.
const PROBE: &str = r#"<script>
addEventListener('load', () => {
  const units = () => [...document.querySelectorAll('details.unit')].filter((u) => !u.hidden)
    .map((u) => [u.querySelector('h2').firstChild.textContent.trim(), u.open, !!u.querySelector('.mark-failed')]);
  const shown = () => document.getElementById('shown').textContent;
  const out = { opened: units(), shown: shown() };
  document.getElementById('more').click();
  out.more = shown();
  const find = document.getElementById('find');
  find.value = 'Orders [row 447]';
  find.dispatchEvent(new Event('input'));
  setTimeout(() => {
    out.found = units();
    out.found_shown = shown();
    const hit = document.querySelector('#others details.unit');
    hit.open = true;
    setTimeout(() => {
      out.rows = [...hit.querySelectorAll('tr')].slice(1)
        .map((tr) => [tr.querySelector('summary').textContent, tr.cells[2].textContent]);
      out.errors = window.pageErrors;
      const pre = document.createElement('pre');
      pre.id = 'probe';
      pre.textContent = JSON.stringify(out);
      document.body.append(pre);
    }, 100);
  }, 1000);
});
</script>"#;

const CATCH: &str = "<script>window.pageErrors=[];addEventListener('error',(e)=>pageErrors.push(e.message))</script>";

#[test]
fn a_report_opens_in_chromium_with_failures_first_paged_and_searchable() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED: chromium is not installed (Debian: apt-get install chromium; .ci/run \
             installs it), so the HTML report was not opened in a browser"
        );
        return;
    };
    let server = TestServer::start();
    let project = Project::new();
    project.file(
        "orders.yaml",
        "
        name: Orders
        requests:
          - name: list orders
            url: <<base_url>>/status/<<code>>
            assert: { status: 200 }
          - name: show order
            url: <<base_url>>/status/200
            assert: { status: 200 }
        ",
    );
    let rows: String = (1..=ROWS)
        .map(|n| {
            if FAILING.contains(&n) {
                "500\n"
            } else {
                "200\n"
            }
        })
        .collect();
    project.file("rows.csv", &format!("code\n{rows}"));
    project
        .runner(["run", "orders.yaml", "--data", "rows.csv"])
        .server(&server)
        .args(["--report", "html=r.html"])
        .run()
        .expect_code(1);

    let page = project
        .read("r.html")
        .replacen("<head>", &format!("<head>{CATCH}"), 1);
    project.file("probe.html", &format!("{page}{PROBE}"));
    let seen = open_in_chromium(&chromium, &project.path().join("probe.html"));

    assert_eq!(seen["errors"], json!([]), "the page's script threw");
    let opened = seen["opened"].as_array().unwrap();
    assert_eq!(
        opened[..3],
        [
            json!(["Orders [row 120]", true, true]),
            json!(["Orders [row 300]", true, true]),
            json!(["Orders [row 1]", false, false]),
        ],
        "the units with failures first, open; then the others, folded"
    );
    assert_eq!(opened.len(), 2 + 200, "one page of the others");
    assert_eq!(seen["shown"], "200 of 448 units without failures shown");
    assert_eq!(seen["more"], "400 of 448 units without failures shown");
    assert_eq!(
        seen["found"],
        json!([["Orders [row 447]", false, false]]),
        "search finds a unit beyond the pages shown, and hides the failures that do not match"
    );
    assert_eq!(seen["found_shown"], "1 of 1 units without failures shown");
    assert_eq!(
        seen["rows"],
        json!([["GET list orders", "200"], ["GET show order", "200"]]),
        "a found unit opens on its requests"
    );
}

/// Chromium (Debian's `chromium`, or `chromium-browser`/`google-chrome`) on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// Opens `page` headless (no network: every host name resolves to nothing), lets its timers
/// run, and returns what the probe wrote.
fn open_in_chromium(chromium: &Path, page: &Path) -> Value {
    let profile = tempfile::tempdir().unwrap();
    let dump = profile.path().join("dom.html");
    let log = profile.path().join("stderr.txt");
    let mut url = OsString::from("file://");
    url.push(page);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(std::fs::File::create(&dump).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(180);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().unwrap();
    let dom = std::fs::read_to_string(&dump).unwrap();
    let probe = regex::Regex::new(r#"<pre id="probe">([^<]*)</pre>"#).unwrap();
    let Some(found) = probe.captures(&dom) else {
        panic!(
            "the probe wrote nothing ({status}); stderr:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    };
    let text = found[1]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).expect("the probe wrote JSON")
}
