//! `runner run`: load → units (collections × data rows, selected, sharded) → run them
//! (in order, or `--jobs N` at once) → terminal summary and report files → exit code.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use super::exit::{Exit, general, input_errors};
use super::mock::report_mock_log;
use super::plan::{
    Clients, Plan, dedup_errors, literal_layer, load_dotenv, load_plan, resolve_vars, token_cache,
};
use super::signal::{StopRequest, StopSignals};
use super::sink::Sink;
use crate::cli::{ColorWhen, RunArgs};
use crate::load::LoadError;
use crate::load::data::{Row, load_rows};
use crate::mock::server::{self, LogMode};
use crate::model::Phase;
use crate::report::terminal::{TerminalReporter, VERBOSE_BODY_BYTES, Verbosity};
use crate::report::{ReportFiles, RunInfo};
use crate::run::result::CollectionResult;
use crate::run::select::{Filter, Selection, select};
use crate::run::vars::{VarLayer, Vars};
use crate::run::{Shared, Silent, Stop, Unit, run_unit};
use crate::secrets::Secrets;
use crate::settings;
use crate::template::TValue;

/// Runs `runner run`.
pub async fn run_files(args: RunArgs) -> Exit {
    load_dotenv();
    color_choice(&args).write_global();
    let secrets = Secrets::default();
    let plan = match load_plan(&args.files, &args.input, args.mock.as_deref(), &secrets) {
        Ok(plan) => plan,
        Err(errors) => return input_errors(&errors, &secrets),
    };
    let rows = match args.data.as_deref().map(load_rows).transpose() {
        Ok(rows) => rows,
        Err(e) => return input_errors(&[e], &secrets),
    };
    let Plan {
        collections,
        cli_layer,
        mock,
    } = plan;
    let mock = match mock {
        Some(spec) => match server::start(spec, "127.0.0.1", 0, LogMode::Keep).await {
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
    let exit = match build_units(&args, collections, mock_layer, cli_layer, rows) {
        Ok(units) => execute(&args, units, secrets.clone()).await,
        Err(errors) => input_errors(&errors, &secrets),
    };
    if let Some(mock) = mock {
        report_mock_log(&mock.log(), args.verbose > 0, &secrets);
        mock.stop().await;
    }
    exit
}

/// Every unit of the run in a fixed order, then this shard's slice of them.
fn build_units(
    args: &RunArgs,
    collections: Vec<(crate::model::Collection, Vec<VarLayer>)>,
    mock_layer: Option<VarLayer>,
    cli_layer: VarLayer,
    rows: Option<Vec<Row>>,
) -> Result<Vec<Unit>, Vec<LoadError>> {
    let filter = Filter {
        tags: args.tags.clone(),
        skip_tags: args.skip_tags.clone(),
        only: args.only.clone(),
    };
    let iterations = iterations(rows, args.iterations, &cli_layer);
    let mut units = Vec::new();
    let mut errors = Vec::new();
    let mut clients = Clients::recording(args.verbose > 0);
    for (collection, layers) in collections {
        let client = match clients.for_collection(&args.network, &collection) {
            Ok(client) => client,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let max_retries = settings::max_retries(&args.network, &collection.settings);
        let selection = Arc::new(select(&collection, &filter));
        let collection = Arc::new(collection);
        // iterations without a data row start from the same variables: resolved once, shared
        let mut same_vars: Option<Arc<Vars>> = None;
        for (iteration, label, row) in &iterations {
            let vars = match (&same_vars, row) {
                (Some(vars), None) => vars.clone(),
                _ => {
                    let mut unit_layers: Vec<VarLayer> = mock_layer.iter().cloned().collect();
                    unit_layers.extend(layers.iter().cloned());
                    unit_layers.extend(row.iter().cloned());
                    unit_layers.push(cli_layer.clone());
                    match resolve_vars(&collection, &unit_layers) {
                        Ok(vars) => Arc::new(vars),
                        Err(e) => {
                            errors.push(e);
                            continue;
                        }
                    }
                }
            };
            if row.is_none() {
                same_vars = Some(vars.clone());
            }
            units.push(Unit {
                collection: collection.clone(),
                vars,
                selection: selection.clone(),
                iteration: *iteration,
                label: label.clone(),
                client: client.clone(),
                max_retries,
            });
        }
    }
    dedup_errors(&mut errors);
    errors.extend(nothing_selected(&filter, &units));
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(shard) = args.shard {
        // round robin keeps each shard's share of every collection even
        units = units
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % shard.total == shard.index - 1)
            .map(|(_, u)| u)
            .collect();
    }
    Ok(units)
}

/// One run of a collection: its iteration (1-based), label, and data row's variables.
type Iteration = (Option<usize>, Option<String>, Option<VarLayer>);

/// The runs of each collection: one per data row, per `--iterations`, or just one.
fn iterations(
    rows: Option<Vec<Row>>,
    iterations: Option<u32>,
    cli_layer: &VarLayer,
) -> Vec<Iteration> {
    match (rows, iterations) {
        (Some(rows), _) => rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let n = i + 1;
                let layer = VarLayer {
                    origin: format!("data row {n}"),
                    vars: row
                        .iter()
                        .map(|(k, v)| (k.clone(), TValue::literal(v)))
                        .collect(),
                    templates: cli_layer.templates.clone(),
                    overrides_groups: true,
                };
                (Some(n), Some(format!("[row {n}]")), Some(layer))
            })
            .collect(),
        (None, Some(count)) => (1..=count as usize)
            .map(|n| (Some(n), Some(format!("[iteration {n}]")), None))
            .collect(),
        (None, None) => vec![(None, None, None)],
    }
}

/// Whether the selection keeps a request of the unit's own (setup and teardown do not count:
/// they run for every selection).
fn selects_a_request(unit: &Unit) -> bool {
    unit.collection
        .requests
        .iter()
        .zip(unit.selection.iter())
        .any(|(request, selection)| {
            request.phase == Phase::Main && *selection == Selection::Selected
        })
}

/// An error when selection flags keep no request in any unit:
/// `--tag smoke --only 'x/*' matched no request in c.yaml, d.yaml`.
fn nothing_selected(filter: &Filter, units: &[Unit]) -> Option<LoadError> {
    if !filter.is_active() || units.is_empty() || units.iter().any(selects_a_request) {
        return None;
    }
    let flags: Vec<String> = filter
        .tags
        .iter()
        .map(|t| format!("--tag {t}"))
        .chain(filter.skip_tags.iter().map(|t| format!("--skip-tag {t}")))
        .chain(
            filter
                .only
                .iter()
                .map(|g| format!("--only '{}'", g.glob().glob())),
        )
        .collect();
    let mut files: Vec<String> = units
        .iter()
        .map(|u| u.collection.path.display().to_string())
        .collect();
    files.dedup();
    Some(general(format!(
        "{} matched no request in {}; nothing was sent (`runner list` shows the requests and their tags)",
        flags.join(" "),
        files.join(", ")
    )))
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
async fn execute(args: &RunArgs, units: Vec<Unit>, secrets: Secrets) -> Exit {
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
    if args.jobs <= 1 {
        for (index, unit) in units.into_iter().enumerate() {
            sink.finished(index, run_unit(unit, &shared, &mut reporter).await);
        }
    } else {
        run_parallel(
            units,
            &shared,
            usize::from(args.jobs),
            &mut reporter,
            &mut sink,
        )
        .await;
    }
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
    exit
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
async fn run_parallel(
    units: Vec<Unit>,
    shared: &Shared,
    jobs: usize,
    reporter: &mut TerminalReporter,
    sink: &mut Sink<'_>,
) {
    use futures_util::FutureExt as _;

    let total = units.len();
    // `jobs` workers take the units in turn: no task, and no unit's future, per unit up front
    let queue = Arc::new(std::sync::Mutex::new(units.into_iter().enumerate()));
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..jobs.min(total) {
        let (queue, shared, done_tx) = (queue.clone(), shared.clone(), done_tx.clone());
        workers.spawn(async move {
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((index, unit)) = next else { break };
                let finished = std::panic::AssertUnwindSafe(run_unit(unit, &shared, &mut Silent))
                    .catch_unwind()
                    .await
                    .map(|result| (index, result));
                if done_tx.send(finished).is_err() {
                    break;
                }
            }
        });
    }
    drop(done_tx);
    let progress = progress_bar(total);
    while let Some(first) = done.recv().await {
        // units that finished meanwhile are shown in the same write
        let mut finished = vec![first];
        while let Ok(more) = done.try_recv() {
            finished.push(more);
        }
        let (units, panics): (Vec<_>, Vec<_>) = finished.into_iter().partition(Result::is_ok);
        let units: Vec<(usize, CollectionResult)> = units.into_iter().flatten().collect();
        progress.suspend(|| {
            reporter.show_units(units.iter().map(|(_, result)| result));
            for _ in panics {
                eprintln!("a unit stopped unexpectedly (a panic in runner)");
            }
        });
        progress.inc(units.len() as u64);
        for (index, result) in units {
            sink.finished(index, result);
        }
    }
    while workers.join_next().await.is_some() {}
    progress.finish_and_clear();
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
