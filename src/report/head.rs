//! What the head of every report document needs, known only once every unit is in: the
//! totals and the time axis (`Tally`), with the run's facts (`Head`).

use super::build::RunInfo;
use super::junit;
use super::model::{RunReport, Shard, Summary, UnitReport};

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

    /// Requests of every kind.
    pub fn requests(&self) -> usize {
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
