//! Reports that stream: each finished unit is built (masked) into a `UnitReport`, spooled as
//! one JSON line to an unnamed temporary file and dropped; only small facts (totals, the
//! time axis) stay in memory. At the end every report kind is written from the spool, one
//! unit at a time, so memory stays flat however many requests ran.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

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
        ReportKind::Html => html::write(head, units, out, &mut sources)?,
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
