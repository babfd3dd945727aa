//! `runner run`: load → units (collections × data rows, selected, sharded) → run them
//! (in order, or `--jobs N` at once) → terminal summary and report files → exit code.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use super::exit::{Exit, general, input_errors};
use super::mock::report_mock_log;
use super::plan::{Plan, literal_layer, load_dotenv, load_plan, token_cache};
use super::signal::{StopRequest, StopSignals};
use super::sink::Sink;
use super::units::{UnitPlan, Units};
use crate::cli::{ColorWhen, RunArgs};
use crate::load::LoadError;
use crate::mock::server::{self, LogMode};
use crate::report::terminal::{TerminalReporter, VERBOSE_BODY_BYTES, Verbosity};
use crate::report::{ReportFiles, RunInfo};
use crate::run::result::CollectionResult;
use crate::run::{Shared, Silent, Stop, run_unit};
use crate::secrets::Secrets;

/// Runs `runner run`.
pub async fn run_files(args: RunArgs) -> Exit {
    load_dotenv();
    color_choice(&args).write_global();
    let secrets = Secrets::default();
    let plan = match load_plan(&args.files, &args.input, args.mock.as_deref(), &secrets) {
        Ok(plan) => plan,
        Err(errors) => return input_errors(&errors, &secrets),
    };
    let Plan {
        collections,
        cli_layer,
        mock,
    } = plan;
    let log_mode = LogMode::Keep {
        matched: args.verbose > 0,
    };
    let mock = match mock {
        Some(spec) => match server::start(spec, "127.0.0.1", 0, log_mode).await {
            Ok(mock) => Some(mock),
            Err(e) => {
                return input_errors(
                    &[general(format!("cannot start the mock server: {e}"))],
                    &secrets,
                );
            }
        },
        None => None,
    };
    let mock_layer = mock
        .as_ref()
        .map(|m| literal_layer("--mock", &[("mock_url".to_string(), m.url.clone())], false));
    let exit = match UnitPlan::new(&args, collections, mock_layer, cli_layer) {
        Ok(plan) => execute(&args, &Arc::new(plan), secrets.clone()).await,
        Err(errors) => input_errors(&errors, &secrets),
    };
    if let Some(mock) = mock {
        report_mock_log(&mock.log(), &secrets);
        mock.stop().await;
    }
    exit
}

/// How much of each body results keep: parallel units are shown after they finish, so `-v`
/// needs the start of each body then and `-vv` all of it; reports need `KEPT_BODY_BYTES`.
fn kept_body_bytes(args: &RunArgs) -> usize {
    let shown = match Verbosity::from_count(args.verbose) {
        Verbosity::Quiet => 0,
        Verbosity::Dumps => VERBOSE_BODY_BYTES,
        Verbosity::WholeBodies => usize::MAX,
    };
    let reported = if args.reports.is_empty() {
        0
    } else {
        crate::run::KEPT_BODY_BYTES
    };
    shown.max(reported)
}

/// Colour as asked: the flags first, then `FORCE_COLOR`/`CLICOLOR_FORCE` (set and not `0`),
/// then `NO_COLOR`; otherwise colour on a terminal.
fn color_choice(args: &RunArgs) -> anstream::ColorChoice {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match (args.no_color, args.color) {
        (true, _) | (false, ColorWhen::Never) => anstream::ColorChoice::Never,
        (false, ColorWhen::Always) => anstream::ColorChoice::Always,
        (false, ColorWhen::Auto) if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => {
            anstream::ColorChoice::Always
        }
        (false, ColorWhen::Auto) if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            anstream::ColorChoice::Never
        }
        (false, ColorWhen::Auto) => anstream::ColorChoice::Auto,
    }
}

/// Runs the units, prints as they finish, spools their reports and writes the report files
/// at the end (also after Ctrl-C). Report paths are opened before the first request.
async fn execute(args: &RunArgs, plan: &Arc<UnitPlan>, secrets: Secrets) -> Exit {
    let files = if args.reports.is_empty() {
        None
    } else {
        match ReportFiles::create(&args.reports) {
            Ok(files) => Some(files),
            Err(e) => return input_errors(&[general(e.to_string())], &secrets),
        }
    };
    let mut sink = match Sink::new(files, &secrets, args.report_bodies) {
        Ok(sink) => sink,
        Err(e) => {
            let message = format!("cannot create the report spool: {e}");
            return input_errors(&[general(message)], &secrets);
        }
    };
    let stop = Arc::new(Stop::new(args.bail));
    let stopped_by = watch_stop_requests(stop.clone());
    let shared = Shared {
        update_snapshots: args.update_snapshots,
        kept_body_bytes: kept_body_bytes(args),
        tokens: Arc::new(token_cache(args.token_cache, &secrets)),
        run_start: Instant::now(),
        stop: stop.clone(),
        secrets: secrets.clone(),
    };
    let started_at = SystemTime::now();
    let mut reporter = TerminalReporter::new(Verbosity::from_count(args.verbose), secrets.clone());
    let mut units = plan.units();
    let units_error = if args.jobs <= 1 {
        for (index, unit) in (&mut units).enumerate() {
            sink.finished(index, Some(run_unit(unit, &shared, &mut reporter).await));
        }
        units.error()
    } else {
        let (total, jobs) = (plan.total(), usize::from(args.jobs));
        run_parallel(units, total, &shared, jobs, &mut reporter, &mut sink).await
    };
    reporter.finish();
    let info = RunInfo {
        started_at,
        duration: shared.run_start.elapsed(),
        interrupted: stop.interrupted(),
        shard: args.shard,
    };
    let stop_request = info
        .interrupted
        .then(|| stopped_by.get().copied().unwrap_or(StopRequest::Interrupt));
    let mut exit = exit_of(sink.failed, stop_request);
    for e in sink.write_reports(&info, &secrets) {
        eprintln!("{e}");
        if exit == Exit::Passed {
            exit = Exit::Failed;
        }
    }
    // the data file changed since it was checked: the run ended there
    match units_error {
        Some(e) => input_errors(&[e], &secrets),
        None => exit,
    }
}

/// The exit code the results call for: stopped (130, or 143 after SIGTERM), or failed when
/// any request failed.
fn exit_of(failed: bool, stopped_by: Option<StopRequest>) -> Exit {
    match (stopped_by, failed) {
        (Some(request), _) => request.exit(),
        (None, true) => Exit::Failed,
        (None, false) => Exit::Passed,
    }
}

/// Up to `jobs` units at once on the runtime's threads; each unit's lines are printed
/// together when it finishes, and the sink puts them back in the units' order for reports.
/// Workers run at most `AHEAD_PER_JOB × jobs` units past the oldest one not yet in order, so
/// a slow unit never has a growing queue of finished ones waiting behind it.
/// Gives why the units ended early, if they did.
async fn run_parallel(
    units: Units,
    total: usize,
    shared: &Shared,
    jobs: usize,
    reporter: &mut TerminalReporter,
    sink: &mut Sink<'_>,
) -> Option<LoadError> {
    // `jobs` workers take the units in turn, each made as it is taken: no task, no unit and no
    // unit's future up front
    let queue = Arc::new(std::sync::Mutex::new((0, units)));
    let ahead = Arc::new(tokio::sync::Semaphore::new(AHEAD_PER_JOB * jobs));
    let (done_tx, mut done) = tokio::sync::mpsc::channel(jobs);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..jobs.min(total) {
        let worker = Worker {
            queue: queue.clone(),
            ahead: ahead.clone(),
            shared: shared.clone(),
            done: done_tx.clone(),
        };
        workers.spawn(worker.run());
    }
    drop(done_tx);
    let progress = progress_bar(total);
    while let Some(first) = done.recv().await {
        // units that finished meanwhile are shown in the same write
        let mut finished: Vec<(usize, Option<CollectionResult>)> = vec![first];
        while let Ok(more) = done.try_recv() {
            finished.push(more);
        }
        progress.suspend(|| {
            reporter.show_units(finished.iter().filter_map(|(_, result)| result.as_ref()));
            for _ in finished.iter().filter(|(_, result)| result.is_none()) {
                eprintln!("a unit stopped unexpectedly (a panic in runner)");
            }
        });
        progress.inc(finished.len() as u64);
        let before = sink.in_order();
        for (index, result) in finished {
            sink.finished(index, result);
        }
        ahead.add_permits(sink.in_order() - before);
    }
    while workers.join_next().await.is_some() {}
    progress.finish_and_clear();
    queue.lock().unwrap_or_else(|e| e.into_inner()).1.error()
}

/// How many units per job may run or wait past the oldest one the sink still waits for.
const AHEAD_PER_JOB: usize = 16;

/// One of the `--jobs` workers: takes the next unit, runs it, hands its result (None after a
/// panic) back with its index.
struct Worker {
    queue: Arc<std::sync::Mutex<(usize, Units)>>,
    ahead: Arc<tokio::sync::Semaphore>,
    shared: Shared,
    done: tokio::sync::mpsc::Sender<(usize, Option<CollectionResult>)>,
}

impl Worker {
    async fn run(self) {
        use futures_util::FutureExt as _;
        loop {
            // given back when the sink has put this unit in order
            let Ok(permit) = self.ahead.acquire().await else {
                break;
            };
            permit.forget();
            let next = {
                let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                let index = queue.0;
                queue.0 += 1;
                queue.1.next().map(|unit| (index, unit))
            };
            let Some((index, unit)) = next else { break };
            let result = std::panic::AssertUnwindSafe(run_unit(unit, &self.shared, &mut Silent))
                .catch_unwind()
                .await
                .ok();
            if self.done.send((index, result)).await.is_err() {
                break;
            }
        }
    }
}

/// Units done out of all, on stderr when it is a terminal (hidden in CI logs and pipes).
fn progress_bar(units: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() || units < 2 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(units as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} units  {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// First Ctrl-C (or SIGTERM, Ctrl-Break, console close): stop cleanly (cancel in-flight
/// requests, still write reports). Second: exit at once. Gives which request came first.
fn watch_stop_requests(stop: Arc<Stop>) -> Arc<OnceLock<StopRequest>> {
    let first = Arc::new(OnceLock::new());
    // registered now, before the first request: a signal from then on is a clean stop
    let Ok(mut signals) = StopSignals::new() else {
        return first;
    };
    let seen = first.clone();
    tokio::spawn(async move {
        if let Ok(request) = signals.next().await {
            let _ = seen.set(request);
            stop.interrupt();
            eprintln!(
                "interrupted: finishing the summary and reports (Ctrl-C again to quit at once)"
            );
            if let Ok(again) = signals.next().await {
                std::process::exit(again.exit() as i32);
            }
        }
    });
    first
}
