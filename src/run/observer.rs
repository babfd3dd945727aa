//! Who hears about results as they happen: the terminal reporter in a sequential run, nobody
//! (then a replay) in a parallel one. The runner itself never prints.

use super::result::{CollectionResult, RequestResult, UnitInfo};

/// Receives results as they happen: live in a sequential run, a unit at a time in parallel.
pub trait Observer {
    /// A unit is about to run (or, in parallel runs, is about to be shown).
    fn unit_started(&mut self, unit: &UnitInfo);
    /// A request finished (or was skipped).
    fn request_finished(&mut self, result: &RequestResult);
}

/// An observer that ignores everything (parallel units report when they finish).
pub struct Silent;

impl Observer for Silent {
    fn unit_started(&mut self, _: &UnitInfo) {}
    fn request_finished(&mut self, _: &RequestResult) {}
}

/// Shows a finished unit to an observer as if it had been watched live.
pub fn replay(result: &CollectionResult, observer: &mut dyn Observer) {
    observer.unit_started(&result.info());
    for request in &result.requests {
        observer.request_finished(request);
    }
}
