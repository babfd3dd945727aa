//! One self-contained HTML page for people opening a CI artifact: summary, a timing waterfall,
//! failures with their diffs, each request and response expandable; units with failures first,
//! rendered and open; the others folded, kept as data (`folded`) and shown a page at a time by
//! the page's one inline script (`page.js`), which also searches every unit by name. No fetches.

use std::fmt::Write as _;
use std::io;

use super::head::Head;
use super::model::{MessageReport, RequestReport, Summary, UnitReport};
use super::shown::{bar, message_text};
use crate::diagnostic::Sources;
use crate::run::result::Outcome;

/// The page's script: shows the folded units and searches.
const SCRIPT: &str = include_str!("page.js");

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
.meta{color:#59636e;margin-bottom:1rem}
.summary span{display:inline-block;padding:.25rem .7rem;border-radius:1rem;margin-right:.4rem;font-weight:600}
.passed{background:#dafbe1;color:#116329}.failed{background:#ffebe9;color:#a40e26}.skipped{background:#eef1f4;color:#59636e}
.interrupted{background:#fff8c5;color:#7d4e00}
.flaky{margin-left:.5rem;padding:0 .4rem;border-radius:.6rem;background:#fff8c5;color:#7d4e00;font-size:.85em}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th.mark{width:1.6rem}th.status{width:4rem}th.num{width:4.5rem}
td,th{padding:.3rem .5rem;border-bottom:1px solid #d1d9e0;text-align:left;vertical-align:top}
th{font-weight:600;color:#59636e}
.mark-passed{color:#1a7f37}.mark-failed{color:#cf222e}.mark-skipped{color:#818b98}
.axis{width:30%}
.bar{position:relative;height:.9rem;background:#f6f8fa}
.bar i{position:absolute;top:0;bottom:0;border-radius:2px;min-width:2px}
.bar i.passed{background:#4ac26b}.bar i.failed{background:#ff8182}.bar i.skipped{background:#d1d9e0}
details{margin:.2rem 0} summary{cursor:pointer}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;max-height:24rem;margin:.3rem 0;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
summary .meta{margin-left:.5rem}
.problem,.meta{overflow-wrap:anywhere}
.diff span{display:block;min-height:1.4em}.diff .add{color:#116329;background:#dafbe1}.diff .del{color:#a40e26;background:#ffebe9}
.problem{color:#a40e26;margin:.15rem 0}.hint{color:#7d4e00}
.num{text-align:right;white-space:nowrap}
details.unit{content-visibility:auto;contain-intrinsic-size:auto 3rem}
details.unit>summary h2{display:inline-block}
#find{margin:.6rem 0;padding:.3rem .5rem;width:22rem;max-width:100%}
"#;

/// The start of the page, up to its units: title, run facts, totals, the search box.
pub fn start(head: &Head, out: &mut dyn io::Write) -> io::Result<()> {
    out.write_all(self::head(head).as_bytes())
}

/// Between the failed units and the folded ones: where the page's script lists the others.
pub fn others(end: u64, out: &mut dyn io::Write) -> io::Result<()> {
    let end = end.max(1);
    write!(
        out,
        "<p id=\"shown\" class=\"meta\"></p><div id=\"others\" data-end=\"{end}\"></div><p><button id=\"more\" type=\"button\" hidden>show more</button></p><noscript><p class=\"meta\">The units without failures are shown by the page's script; the JSON report holds them too.</p></noscript>"
    )
}

/// The end of the page: its script, told how many units are folded.
pub fn tail(folded: usize, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(
        out,
        "<script data-folded=\"{folded}\">{SCRIPT}</script></body></html>"
    )
}

/// Whether a unit goes at the top of the page, as HTML.
pub fn failed(unit: &UnitReport) -> bool {
    unit.requests.iter().any(|r| r.outcome == Outcome::Failed)
}

/// The start of the page: title, run facts and totals. `end` is the run's time axis (ms).
fn head(head: &Head) -> String {
    let mut out = String::new();
    let s = &head.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>runner report: {} passed, {} failed</title><style>{STYLE}</style></head><body>",
        s.passed, s.failed
    );
    let _ = write!(
        out,
        "<h1>runner report</h1><div class=\"meta\">started {} · {} ms · runner {}{}</div>",
        esc(&head.started_at),
        head.duration_ms,
        esc(&head.runner_version),
        head.shard
            .map(|sh| format!(" · shard {}/{}", sh.index, sh.total))
            .unwrap_or_default()
    );
    let _ = write!(
        out,
        "<div class=\"summary\"><span class=\"passed\">{} passed</span><span class=\"failed\">{} failed</span><span class=\"skipped\">{} skipped</span>{}{}</div>",
        s.passed,
        s.failed,
        s.skipped,
        if s.flaky > 0 {
            format!("<span class=\"interrupted\">{} flaky</span>", s.flaky)
        } else {
            String::new()
        },
        if head.interrupted {
            "<span class=\"interrupted\">interrupted</span>"
        } else {
            ""
        }
    );
    out.push_str("<input id=\"find\" type=\"search\" placeholder=\"find a unit or request by name\" aria-label=\"find by name\"><p class=\"meta\">Units with failures first, open; the others follow, folded, a page at a time.</p>");
    out
}

/// One unit with failures, open: a table of its requests on the run's time axis (`end` ms).
pub fn unit(unit: &UnitReport, end: u64, sources: &mut Sources) -> String {
    let mut out = String::new();
    let names: Vec<&str> = unit.requests.iter().map(|r| r.name.as_str()).collect();
    let _ = write!(
        out,
        "<details class=\"unit\" data-name=\"{}\" open>",
        esc(&format!("{} {}", unit.label(), names.join(" ")).to_lowercase()),
    );
    write_unit(&mut out, unit, end, sources);
    out.push_str("</details>");
    out
}

fn write_unit(out: &mut String, unit: &UnitReport, end: u64, sources: &mut Sources) {
    let counts = Summary::of(std::slice::from_ref(unit));
    let mut tally = format!("{} passed · {} failed", counts.passed, counts.failed);
    if counts.skipped > 0 {
        let _ = write!(tally, " · {} skipped", counts.skipped);
    }
    let _ = write!(
        out,
        "<summary><h2>{} <small class=\"meta\">{} · {tally}</small></h2></summary><table><tr><th class=\"mark\"></th><th>request</th><th class=\"status\">status</th><th class=\"num\">ms</th><th class=\"axis\">timeline <span class=\"meta\">0–{end} ms</span></th></tr>",
        esc(&unit.label()),
        esc(&unit.file)
    );
    for request in &unit.requests {
        write_request(out, request, end, sources);
    }
    out.push_str("</table>");
}

fn write_request(out: &mut String, r: &RequestReport, end: u64, sources: &mut Sources) {
    let (mark, class) = match r.outcome {
        Outcome::Passed => ("✔", "passed"),
        Outcome::Failed => ("✘", "failed"),
        Outcome::Skipped => ("–", "skipped"),
    };
    // the waterfall: where the request started and how long it took, on the run's time axis;
    // nothing for requests that were not sent
    let bar = match r.duration_ms {
        Some(ms) => {
            let (left, width) = bar(r.started_ms, ms, end);
            format!(
                "<div class=\"bar\" title=\"{} ms at {} ms\"><i class=\"{class}\" style=\"left:{left:.2}%;width:{width:.2}%\"></i></div>",
                ms, r.started_ms
            )
        }
        None => String::new(),
    };
    let _ = write!(
        out,
        "<tr><td class=\"mark-{class}\">{mark}</td><td><details{}><summary><b>{}</b> {}",
        if r.outcome == Outcome::Failed {
            " open"
        } else {
            ""
        },
        esc(&r.method),
        esc(&r.name)
    );
    // why it was skipped, or pulled in, right on the row
    if let Some(reason) = &r.skip_reason {
        let _ = write!(out, "<span class=\"meta\">skipped: {}</span>", esc(reason));
    }
    if let Some(by) = &r.pulled_in_by {
        let _ = write!(
            out,
            "<span class=\"meta\">(run for <code>{}</code>, which needs its captures)</span>",
            esc(by)
        );
    }
    if r.retries > 0 {
        let _ = write!(
            out,
            "<span class=\"flaky\">after {} retr{}</span>",
            r.retries,
            if r.retries == 1 { "y" } else { "ies" }
        );
    }
    out.push_str("</summary>");
    if let Some(url) = &r.url {
        let _ = write!(out, "<div class=\"meta\">{}</div>", esc(url));
    }
    write_problems(out, r, sources);
    for hint in &r.hints {
        let _ = write!(out, "<div class=\"hint\">hint: {}</div>", esc(hint));
    }
    let passed = r.assertions.iter().filter(|a| a.passed).count();
    if passed > 0 {
        let _ = write!(out, "<div class=\"meta\">{passed} assertion(s) held</div>");
    }
    if let Some(request) = &r.request {
        write_message(out, "request", request);
    }
    if let Some(response) = &r.response {
        write_message(out, "response", response);
    }
    let _ = write!(
        out,
        "</details></td><td>{}</td><td class=\"num\">{}</td><td class=\"axis\">{bar}</td></tr>",
        r.status.map_or(String::new(), |s| s.to_string()),
        r.duration_ms.map_or(String::new(), |d| d.to_string())
    );
}

/// Errors and failed assertions, each as its diagnostic: the headline, the source line, the
/// diff coloured by kind.
fn write_problems(out: &mut String, r: &RequestReport, sources: &mut Sources) {
    for error in &r.errors {
        let (headline, rest) = error.split_once('\n').unwrap_or((error, ""));
        let _ = write!(out, "<div class=\"problem\">{}</div>", esc(headline));
        if !rest.is_empty() {
            let _ = write!(out, "<pre>{}</pre>", esc(rest));
        }
    }
    for a in r.assertions.iter().filter(|a| !a.passed) {
        let diagnostic = sources.with_source_line(a.diagnostic());
        let _ = write!(
            out,
            "<div class=\"problem\">{}</div>",
            esc(&diagnostic.headline())
        );
        let source = diagnostic.render_source();
        if !source.is_empty() {
            let source = anstream::adapter::strip_str(&source).to_string();
            let _ = write!(out, "<pre>{}</pre>", esc(source.trim_end()));
        }
        if let Some(diff) = &a.diff {
            write_diff(out, diff);
        }
    }
}

fn write_message(out: &mut String, title: &str, m: &MessageReport) {
    let _ = write!(
        out,
        "<details><summary>{title}</summary><pre>{}</pre></details>",
        esc(&message_text(m))
    );
}

fn write_diff(out: &mut String, diff: &str) {
    out.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => "add",
            Some('-') if !line.starts_with("---") => "del",
            _ => "",
        };
        let _ = write!(out, "<span class=\"{class}\">{}</span>", esc(line));
    }
    out.push_str("</pre>");
}

/// HTML-escapes text.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
