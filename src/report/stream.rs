//! Reports that stream: each finished unit is built (masked) into a `UnitReport`, spooled as
//! one JSON line to an unnamed temporary file and dropped; only small facts (totals, the
//! time axis) stay in memory. At the end every report kind is written from the spool in one
//! pass, one unit at a time, so memory stays flat however many requests ran.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::folded::Folded;
use super::head::{Head, Tally};
use super::html;
use super::junit;
use super::kind::ReportKind;
use super::model::{SCHEMA, UnitReport};
use super::tap;
use crate::diagnostic::Sources;
use crate::secrets::Secrets;

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

/// One report document being written, a unit at a time: every kind is fed from the same
/// pass over the units, each unit read back from the spool once.
pub struct Renderer {
    kind: ReportKind,
    /// Collection files read for failure snippets, masked.
    sources: Sources,
    /// JSON: units written so far; TAP: the last test point's number.
    count: usize,
    /// HTML: the units without failures, folded into JSON blocks kept aside (in an unnamed
    /// temporary file) to follow the failed ones.
    passing: Option<(BufWriter<File>, Folded)>,
}

impl Renderer {
    /// Starts a document of `kind` with its head.
    pub fn start(
        kind: ReportKind,
        head: &Head,
        out: &mut dyn Write,
        secrets: &Secrets,
    ) -> io::Result<Renderer> {
        let masker = secrets.clone();
        let mut passing = None;
        match kind {
            ReportKind::Json => out.write_all(json_head(head)?.as_bytes())?,
            ReportKind::Junit => {
                let text = junit::head(&head.summary, head.tally.errors, head.duration_ms);
                out.write_all(text.as_bytes())?;
            }
            ReportKind::Tap => out.write_all(tap::head(head.tally.requests()).as_bytes())?,
            ReportKind::Html => {
                html::start(head, out)?;
                passing = Some((BufWriter::new(tempfile::tempfile()?), Folded::default()));
            }
        }
        Ok(Renderer {
            kind,
            sources: Sources::masked_by(move |text| masker.mask(text).into_owned()),
            count: 0,
            passing,
        })
    }

    /// Writes the next unit.
    pub fn unit(&mut self, head: &Head, unit: &UnitReport, out: &mut dyn Write) -> io::Result<()> {
        match self.kind {
            ReportKind::Json => {
                let text = serde_json::to_string_pretty(unit)?;
                // inside `"units": [`, two levels deep: the same layout as the whole document
                // written at once
                out.write_all(if self.count == 0 {
                    b"\n    "
                } else {
                    b",\n    "
                })?;
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        out.write_all(b"\n    ")?;
                    }
                    out.write_all(line.as_bytes())?;
                }
                self.count += 1;
            }
            ReportKind::Junit => out.write_all(junit::unit(unit, &mut self.sources)?.as_bytes())?,
            ReportKind::Tap => out.write_all(tap::unit(unit, &mut self.count).as_bytes())?,
            ReportKind::Html => {
                let end = head.tally.timeline_end.max(1);
                match &mut self.passing {
                    Some((passing, folded)) if !html::failed(unit) => {
                        folded.push(unit, end, passing)?;
                    }
                    _ => out.write_all(html::unit(unit, end, &mut self.sources).as_bytes())?,
                }
            }
        }
        Ok(())
    }

    /// Ends the document: the passing units of HTML, and each kind's tail.
    pub fn finish(self, head: &Head, out: &mut dyn Write) -> io::Result<()> {
        match self.kind {
            ReportKind::Json if self.count == 0 => out.write_all(b"]\n}")?,
            ReportKind::Json => out.write_all(b"\n  ]\n}")?,
            ReportKind::Junit => out.write_all(junit::TAIL.as_bytes())?,
            ReportKind::Tap => out.write_all(tap::tail(head.interrupted).as_bytes())?,
            ReportKind::Html => {
                html::others(head.tally.timeline_end, out)?;
                let mut count = 0;
                if let Some((mut passing, folded)) = self.passing {
                    count = folded.finish(&mut passing)?;
                    let mut passing = passing.into_inner().map_err(|e| e.into_error())?;
                    passing.rewind()?;
                    io::copy(&mut passing, out)?;
                }
                html::tail(count, out)?;
            }
        }
        out.flush()
    }
}

/// The JSON report (`runner.report/v1`) up to the opening of its `units` array.
fn json_head(head: &Head) -> io::Result<String> {
    let mut text = serde_json::to_string_pretty(&JsonHead(head))?;
    // the head alone ends with `\n}`: the units follow instead
    text.truncate(text.len() - 2);
    text.push_str(",\n  \"units\": [");
    Ok(text)
}

/// The fields of the JSON report before its units, in its order.
struct JsonHead<'h>(&'h Head);

impl Serialize for JsonHead<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let head = self.0;
        let mut report = s.serialize_struct("RunReport", 7)?;
        report.serialize_field("schema", SCHEMA)?;
        report.serialize_field("runner_version", &head.runner_version)?;
        report.serialize_field("started_at", &head.started_at)?;
        report.serialize_field("duration_ms", &head.duration_ms)?;
        report.serialize_field("interrupted", &head.interrupted)?;
        report.serialize_field("shard", &head.shard)?;
        report.serialize_field("summary", &head.summary)?;
        report.end()
    }
}
