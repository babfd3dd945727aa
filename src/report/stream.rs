//! Reports that stream: each finished unit is built (masked) into a `UnitReport`, spooled as
//! one JSON line to an unnamed temporary file and dropped; only small facts (totals, the
//! time axis) stay in memory. At the end every report kind is written from the spool, one
//! unit at a time, so memory stays flat however many requests ran.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::build::RunInfo;
use super::model::{RunReport, SCHEMA, Shard, Summary, UnitReport};
use super::{ReportKind, html, junit, tap};
use crate::diagnostic::Sources;
use crate::run::result::Outcome;
use crate::secrets::Secrets;

/// Facts over the units seen so far: what the heads of the documents need.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Counts of requests.
    pub summary: Summary,
    /// Failed requests whose failure is an error (not an assertion): JUnit's `errors`.
    pub errors: usize,
    /// The latest end of a request, ms from the start: the HTML time axis.
    pub timeline_end: u64,
}

impl Tally {
    /// Counts one more unit.
    pub fn add(&mut self, unit: &UnitReport) {
        let counts = Summary::of(std::slice::from_ref(unit));
        self.summary.passed += counts.passed;
        self.summary.failed += counts.failed;
        self.summary.skipped += counts.skipped;
        self.summary.flaky += counts.flaky;
        for request in &unit.requests {
            self.errors += usize::from(junit::is_error(request));
            let end = request.started_ms + request.duration_ms.unwrap_or(0);
            self.timeline_end = self.timeline_end.max(end);
        }
    }

    fn requests(&self) -> usize {
        self.summary.passed + self.summary.failed + self.summary.skipped
    }
}

/// Everything of a report but its units.
pub struct Head {
    /// The runner version that wrote it.
    pub runner_version: String,
    /// RFC 3339 start of the run.
    pub started_at: String,
    /// Wall time in ms.
    pub duration_ms: u64,
    /// Stopped by a signal.
    pub interrupted: bool,
    /// The shard, if any.
    pub shard: Option<Shard>,
    /// Counts of requests.
    pub summary: Summary,
    /// The facts the units gave.
    pub tally: Tally,
}

impl Head {
    /// The head of a run's report.
    pub fn of_run(info: &RunInfo, tally: Tally) -> Head {
        Head {
            runner_version: env!("CARGO_PKG_VERSION").into(),
            started_at: humantime::format_rfc3339_millis(info.started_at).to_string(),
            duration_ms: u64::try_from(info.duration.as_millis()).unwrap_or(u64::MAX),
            interrupted: info.interrupted,
            shard: info.shard,
            summary: tally.summary,
            tally,
        }
    }

    /// The head of a report held whole (a merged one).
    pub fn of_report(report: &RunReport) -> Head {
        let mut tally = Tally::default();
        report.units.iter().for_each(|u| tally.add(u));
        Head {
            runner_version: report.runner_version.clone(),
            started_at: report.started_at.clone(),
            duration_ms: report.duration_ms,
            interrupted: report.interrupted,
            shard: report.shard,
            summary: report.summary,
            tally,
        }
    }
}

/// Finished units, one JSON line each, in an unnamed temporary file (gone when dropped).
pub struct Spool {
    file: BufWriter<File>,
    tally: Tally,
}

impl Spool {
    /// An empty spool.
    pub fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile()?),
            tally: Tally::default(),
        })
    }

    /// Adds a finished unit.
    pub fn push(&mut self, unit: &UnitReport) -> io::Result<()> {
        self.tally.add(unit);
        serde_json::to_writer(&mut self.file, unit)?;
        self.file.write_all(b"\n")
    }

    /// The facts over the units so far.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// The units in order, read back one at a time.
    pub fn units(&mut self) -> io::Result<impl Iterator<Item = io::Result<UnitReport>> + use<>> {
        self.file.flush()?;
        let mut file = self.file.get_ref().try_clone()?;
        file.rewind()?;
        Ok(BufReader::new(file)
            .lines()
            .map(|line| serde_json::from_str(&line?).map_err(io::Error::other)))
    }
}

/// Writes one report document of `kind` to `out`: the head, each unit as it is read (from
/// `units`, called once per pass), the tail.
pub fn render<I: Iterator<Item = io::Result<UnitReport>>>(
    kind: ReportKind,
    head: &Head,
    mut units: impl FnMut() -> io::Result<I>,
    out: &mut dyn Write,
    secrets: &Secrets,
) -> io::Result<()> {
    let masker = secrets.clone();
    let mut sources = Sources::masked_by(move |text| masker.mask(text).into_owned());
    match kind {
        ReportKind::Json => {
            let document = JsonDocument {
                head,
                units: RefCell::new(Some(units()?)),
            };
            serde_json::to_writer_pretty(&mut *out, &document)?;
        }
        ReportKind::Junit => {
            let tally = head.tally;
            out.write_all(junit::head(&head.summary, tally.errors, head.duration_ms).as_bytes())?;
            for unit in units()? {
                out.write_all(junit::unit(&unit?, &mut sources)?.as_bytes())?;
            }
            out.write_all(junit::TAIL.as_bytes())?;
        }
        ReportKind::Tap => {
            out.write_all(tap::head(head.tally.requests()).as_bytes())?;
            let mut number = 0;
            for unit in units()? {
                out.write_all(tap::unit(&unit?, &mut number).as_bytes())?;
            }
            out.write_all(tap::tail(head.interrupted).as_bytes())?;
        }
        ReportKind::Html => {
            out.write_all(html::head(head).as_bytes())?;
            // two passes over the units: those with failures first, then the others
            for failures in [true, false] {
                for unit in units()? {
                    let unit = unit?;
                    let failed = unit.requests.iter().any(|r| r.outcome == Outcome::Failed);
                    if failed == failures {
                        let end = head.tally.timeline_end;
                        out.write_all(html::unit(&unit, end, &mut sources).as_bytes())?;
                    }
                }
            }
            out.write_all(html::TAIL.as_bytes())?;
        }
    }
    out.flush()
}

/// The JSON report (`runner.report/v1`) with its units serialized as they are read.
struct JsonDocument<'h, I> {
    head: &'h Head,
    units: RefCell<Option<I>>,
}

impl<I: Iterator<Item = io::Result<UnitReport>>> Serialize for JsonDocument<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let head = self.head;
        let mut report = s.serialize_struct("RunReport", 8)?;
        report.serialize_field("schema", SCHEMA)?;
        report.serialize_field("runner_version", &head.runner_version)?;
        report.serialize_field("started_at", &head.started_at)?;
        report.serialize_field("duration_ms", &head.duration_ms)?;
        report.serialize_field("interrupted", &head.interrupted)?;
        report.serialize_field("shard", &head.shard)?;
        report.serialize_field("summary", &head.summary)?;
        report.serialize_field("units", &Units(&self.units))?;
        report.end()
    }
}

/// The units of a `JsonDocument`, taken (once) from its iterator.
struct Units<'a, I>(&'a RefCell<Option<I>>);

impl<I: Iterator<Item = io::Result<UnitReport>>> Serialize for Units<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        if let Some(units) = self.0.borrow_mut().take() {
            for unit in units {
                seq.serialize_element(&unit.map_err(S::Error::custom)?)?;
            }
        }
        seq.end()
    }
}
