//! The units of the HTML page that did not fail, kept out of the DOM: each is written as one
//! compact JSON object into `<script type="application/json" class="units">` blocks of about
//! `BLOCK_BYTES`, which the page's script (`page.js`) parses only when it shows them (a page of
//! folded units at a time, or the matches of a search). A page of 100,000 requests thus opens
//! with its failures and one page of the rest, not 100,000 table rows.

use std::io::{self, Write};

use serde::Serialize;

use super::model::{RequestReport, UnitReport};
use super::shown::{bar, message_text};
use crate::run::result::Outcome;

/// A block is closed once it holds this many bytes, so showing a page parses little JSON.
const BLOCK_BYTES: usize = 256 * 1024;

/// One folded unit, as `page.js` reads it.
#[derive(Serialize)]
struct Unit<'a> {
    /// The label: name and `[row N]`/`[iteration N]`.
    l: String,
    /// The collection file.
    f: &'a str,
    /// The requests.
    r: Vec<Request<'a>>,
}

/// One request of a folded unit: what its row shows (a request that did not fail).
#[derive(Serialize)]
struct Request<'a> {
    /// `passed` or `skipped`: the mark and colours of the row.
    o: &'static str,
    /// Method.
    m: &'a str,
    /// Name.
    n: &'a str,
    /// The URL sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<&'a str>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<u16>,
    /// Time to the full response, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<u64>,
    /// Start, ms from the start of the run.
    t: u64,
    /// The waterfall bar: left and width in % of the run's time axis.
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<(f64, f64)>,
    /// Assertions that held.
    #[serde(skip_serializing_if = "is_zero")]
    a: usize,
    /// Why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<&'a str>,
    /// The request it was pulled in for.
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<&'a str>,
    /// Retries before it passed.
    #[serde(skip_serializing_if = "is_zero")]
    y: u32,
    /// Hints.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    h: &'a [String],
    /// The request as sent: headers, then the body if kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    /// The response as received: headers, then the body if kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<String>,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

impl<'a> Request<'a> {
    fn of(r: &'a RequestReport, end: u64) -> Request<'a> {
        Request {
            o: match r.outcome {
                Outcome::Skipped => "skipped",
                Outcome::Passed | Outcome::Failed => "passed",
            },
            m: &r.method,
            n: &r.name,
            u: r.url.as_deref(),
            s: r.status,
            d: r.duration_ms,
            t: r.started_ms,
            b: r.duration_ms.map(|ms| {
                let (left, width) = bar(r.started_ms, ms, end);
                (round(left), round(width))
            }),
            a: r.assertions.iter().filter(|a| a.passed).count(),
            k: r.skip_reason.as_deref(),
            p: r.pulled_in_by.as_deref(),
            y: r.retries,
            h: &r.hints,
            q: r.request.as_ref().map(message_text),
            x: r.response.as_ref().map(message_text),
        }
    }
}

/// Hundredths: enough for a bar, and short in the file.
fn round(percent: f64) -> f64 {
    (percent * 100.0).round() / 100.0
}

/// Writes folded units into blocks as they come, holding none of them.
#[derive(Default)]
pub struct Folded {
    /// Bytes in the open block; None when no block is open.
    open: Option<usize>,
    /// Units written.
    count: usize,
}

impl Folded {
    /// Adds one unit (one that did not fail) on the run's time axis `end` (ms).
    pub fn push(&mut self, unit: &UnitReport, end: u64, out: &mut dyn Write) -> io::Result<()> {
        let data = Unit {
            l: unit.label(),
            f: &unit.file,
            r: unit.requests.iter().map(|r| Request::of(r, end)).collect(),
        };
        // `<` only ever occurs inside JSON strings: escaped, no text can close the block
        let json = serde_json::to_string(&data)?.replace('<', "\\u003c");
        let size = match self.open {
            None => {
                out.write_all(b"<script type=\"application/json\" class=\"units\">[")?;
                0
            }
            Some(size) => {
                out.write_all(b",")?;
                size
            }
        };
        out.write_all(json.as_bytes())?;
        self.count += 1;
        self.open = Some(size + json.len());
        if size + json.len() >= BLOCK_BYTES {
            self.close(out)?;
        }
        Ok(())
    }

    /// Closes the last block; the number of units written.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<usize> {
        self.close(out)?;
        Ok(self.count)
    }

    fn close(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.open.take().is_some() {
            out.write_all(b"]</script>\n")?;
        }
        Ok(())
    }
}
