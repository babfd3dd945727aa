//! Where a run's finished units go: the terminal has shown them already; here each is turned
//! into its report (masked) and spooled, then dropped. What stays is small: whether anything
//! failed, and the report totals. Parallel units are put back in run order first.

use std::collections::BTreeMap;

use crate::report::head::Head;
use crate::report::stream::Spool;
use crate::report::{ReportFiles, RunInfo, UnitBuilder, WriteError};
use crate::run::result::{CollectionResult, Outcome};
use crate::secrets::Secrets;

/// Takes finished units in run order (or out of order, by index) and keeps only facts.
pub struct Sink<'s> {
    /// Report files and the spool they are written from; None without `--report`.
    reports: Option<(ReportFiles, Spool, UnitBuilder<'s>)>,
    /// Units that finished before an earlier one (`--jobs`), by index; None for one that
    /// never came back (a panic in runner).
    waiting: BTreeMap<usize, Option<CollectionResult>>,
    /// The index of the next unit in run order.
    next: usize,
    /// A request failed.
    pub failed: bool,
    /// Spooling failed (a full disk): reported with the reports.
    spool_error: Option<std::io::Error>,
}

impl<'s> Sink<'s> {
    /// A sink for these reports (none: only the facts are kept).
    pub fn new(
        files: Option<ReportFiles>,
        secrets: &'s Secrets,
        keep_bodies: bool,
    ) -> std::io::Result<Sink<'s>> {
        let reports = match files {
            Some(files) => Some((files, Spool::new()?, UnitBuilder::new(secrets, keep_bodies))),
            None => None,
        };
        Ok(Sink {
            reports,
            waiting: BTreeMap::new(),
            next: 0,
            failed: false,
            spool_error: None,
        })
    }

    /// Unit number `index` (0-based, in run order) finished (None: it never came back).
    pub fn finished(&mut self, index: usize, result: Option<CollectionResult>) {
        self.waiting.insert(index, result);
        while let Some(result) = self.waiting.remove(&self.next) {
            self.next += 1;
            if let Some(result) = result {
                self.take(&result);
            }
        }
    }

    /// How many units have been taken in run order.
    pub fn in_order(&self) -> usize {
        self.next
    }

    /// Keeps the facts of a unit and spools its report; the result is dropped by the caller.
    fn take(&mut self, result: &CollectionResult) {
        self.failed |= result
            .requests
            .iter()
            .any(|request| request.outcome == Outcome::Failed);
        if let Some((_, spool, builder)) = &mut self.reports
            && let Err(e) = spool.push(&builder.unit(result))
        {
            self.spool_error.get_or_insert(e);
        }
    }

    /// Writes the reports (units that never came back, a panicked one, are left out).
    pub fn write_reports(mut self, info: &RunInfo, secrets: &Secrets) -> Vec<WriteError> {
        let waiting = std::mem::take(&mut self.waiting);
        for result in waiting.values().flatten() {
            self.take(result);
        }
        let Some((files, mut spool, _)) = self.reports else {
            return Vec::new();
        };
        if let Some(error) = self.spool_error {
            return vec![WriteError {
                path: "(the report spool)".into(),
                error,
            }];
        }
        let head = Head::of_run(info, spool.tally());
        match spool.units() {
            Ok(units) => files.write(&head, units, secrets),
            Err(error) => vec![WriteError {
                path: "(the report spool)".into(),
                error,
            }],
        }
    }
}
