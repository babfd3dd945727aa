//! The units of a run (every collection × every data row or iteration, then this shard's
//! slice), made one at a time as they are taken: however many rows or iterations, only the
//! units being run exist. Everything that can be wrong with them is checked before the
//! first request, in one pass of fixed memory over the data file.

use std::path::PathBuf;
use std::sync::Arc;

use super::exit::general;
use super::plan::{Clients, dedup_errors, resolve_vars};
use crate::cli::RunArgs;
use crate::load::LoadError;
use crate::load::data::{Row, Rows};
use crate::model::{Collection, Phase};
use crate::report::model::Shard;
use crate::run::Unit;
use crate::run::select::{Filter, Selection, select};
use crate::run::vars::{VarLayer, Vars};
use crate::settings;
use crate::template::TValue;

/// What every unit of a run is made from.
pub(crate) struct UnitPlan {
    collections: Vec<Prepared>,
    runs: Runs,
    /// The mock's `mock_url`, lowest layer.
    mock_layer: Option<VarLayer>,
    /// `--var` and `--secret`, highest.
    cli_layer: VarLayer,
    shard: Option<Shard>,
}

/// A collection ready to run: its layers, selection and client.
struct Prepared {
    collection: Arc<Collection>,
    layers: Vec<VarLayer>,
    selection: Arc<Vec<Selection>>,
    client: crate::http::HttpClient,
    max_retries: u32,
}

/// The runs of each collection.
enum Runs {
    /// One per row of the data file (the count checked before the run).
    Data { path: PathBuf, rows: usize },
    /// `--iterations N`.
    Iterations(usize),
    /// Just one.
    Once,
}

impl Runs {
    fn per_collection(&self) -> usize {
        match self {
            Runs::Data { rows, .. } => *rows,
            Runs::Iterations(count) => *count,
            Runs::Once => 1,
        }
    }
}

impl UnitPlan {
    /// Prepares every collection and checks every unit (each data row's variables resolve
    /// for each collection) without keeping any.
    pub(crate) fn new(
        args: &RunArgs,
        collections: Vec<(Collection, Vec<VarLayer>)>,
        mock_layer: Option<VarLayer>,
        cli_layer: VarLayer,
    ) -> Result<UnitPlan, Vec<LoadError>> {
        let filter = Filter {
            tags: args.tags.clone(),
            skip_tags: args.skip_tags.clone(),
            only: args.only.clone(),
        };
        let runs = match (&args.data, args.iterations) {
            (Some(path), _) => Runs::Data {
                rows: Rows::count(path).map_err(|e| vec![e])?,
                path: path.clone(),
            },
            (None, Some(count)) => Runs::Iterations(count as usize),
            (None, None) => Runs::Once,
        };
        let mut errors = Vec::new();
        let mut clients = Clients::recording(args.verbose > 0);
        let mut prepared = Vec::new();
        for (collection, layers) in collections {
            match clients.for_collection(&args.network, &collection) {
                Ok(client) => prepared.push(Prepared {
                    max_retries: settings::max_retries(&args.network, &collection.settings),
                    selection: Arc::new(select(&collection, &filter)),
                    collection: Arc::new(collection),
                    layers,
                    client,
                }),
                Err(e) => errors.push(e),
            }
        }
        let plan = UnitPlan {
            collections: prepared,
            runs,
            mock_layer,
            cli_layer,
            shard: args.shard,
        };
        if errors.is_empty() {
            errors = plan.check_vars();
        }
        dedup_errors(&mut errors);
        errors.extend(plan.nothing_selected(&filter));
        if errors.is_empty() {
            Ok(plan)
        } else {
            Err(errors)
        }
    }

    /// Units in this shard.
    pub(crate) fn total(&self) -> usize {
        let all = self.collections.len() * self.runs.per_collection();
        match self.shard {
            Some(shard) => all / shard.total + usize::from(all % shard.total >= shard.index),
            None => all,
        }
    }

    /// The units in run order, made as they are taken.
    pub(crate) fn units(self: &Arc<Self>) -> Units {
        Units {
            plan: self.clone(),
            collection: 0,
            run: 0,
            rows: None,
            same_vars: None,
            index: 0,
            error: None,
        }
    }

    /// Every unit's starting variables resolve (each is dropped once checked).
    fn check_vars(&self) -> Vec<LoadError> {
        let mut errors = Vec::new();
        for prepared in &self.collections {
            let rows: Box<dyn Iterator<Item = Result<Option<Row>, LoadError>>> = match &self.runs {
                Runs::Data { path, .. } => match Rows::open(path) {
                    Ok(rows) => Box::new(rows.map(|row| row.map(Some))),
                    Err(e) => return vec![e],
                },
                Runs::Iterations(_) | Runs::Once => Box::new(std::iter::once(Ok(None))),
            };
            for (i, row) in rows.enumerate() {
                let checked = row.and_then(|row| self.vars(prepared, i + 1, row.as_ref()));
                if let Err(e) = checked {
                    errors.push(e);
                    break;
                }
            }
        }
        errors
    }

    /// The starting variables of run `n` (1-based) of a collection, with its data row.
    fn vars(&self, prepared: &Prepared, n: usize, row: Option<&Row>) -> Result<Vars, LoadError> {
        let mut layers: Vec<VarLayer> = self.mock_layer.iter().cloned().collect();
        layers.extend(prepared.layers.iter().cloned());
        layers.extend(row.map(|row| {
            VarLayer {
                origin: format!("data row {n}"),
                vars: row
                    .iter()
                    .map(|(k, v)| (k.clone(), TValue::literal(v)))
                    .collect(),
                templates: self.cli_layer.templates.clone(),
                overrides_groups: true,
            }
        }));
        layers.push(self.cli_layer.clone());
        resolve_vars(&prepared.collection, &layers)
    }

    /// An error when selection flags keep no request in any collection:
    /// `--tag smoke --only 'x/*' matched no request in c.yaml, d.yaml`.
    fn nothing_selected(&self, filter: &Filter) -> Option<LoadError> {
        if !filter.is_active()
            || self.total() == 0
            || self.collections.iter().any(selects_a_request)
        {
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
        let mut files: Vec<String> = self
            .collections
            .iter()
            .map(|p| p.collection.path.display().to_string())
            .collect();
        files.dedup();
        Some(general(format!(
            "{} matched no request in {}; nothing was sent (`runner list` shows the requests and their tags)",
            flags.join(" "),
            files.join(", ")
        )))
    }
}

/// Whether the selection keeps a request of the collection's own (setup and teardown do not
/// count: they run for every selection).
fn selects_a_request(prepared: &Prepared) -> bool {
    prepared
        .collection
        .requests
        .iter()
        .zip(prepared.selection.iter())
        .any(|(request, selection)| {
            request.phase == Phase::Main && *selection == Selection::Selected
        })
}

/// The units of a run, made one at a time. A data file that changed since it was checked
/// ends them early, with the error kept for the caller.
pub(crate) struct Units {
    plan: Arc<UnitPlan>,
    /// The collection being run, and how many of its runs were made.
    collection: usize,
    run: usize,
    /// Its data rows, being read.
    rows: Option<Rows>,
    /// Iterations without a data row start from the same variables: resolved once, shared.
    same_vars: Option<Arc<Vars>>,
    /// The index of the next unit of the whole run (before sharding).
    index: usize,
    error: Option<LoadError>,
}

impl Units {
    /// Why the units ended early, if they did.
    pub(crate) fn error(&mut self) -> Option<LoadError> {
        self.error.take()
    }

    /// The next unit, or an error.
    fn make(&mut self) -> Option<Result<Unit, LoadError>> {
        let plan = self.plan.clone();
        loop {
            let prepared = plan.collections.get(self.collection)?;
            if self.run == plan.runs.per_collection() {
                (self.collection, self.run) = (self.collection + 1, 0);
                (self.rows, self.same_vars) = (None, None);
                continue;
            }
            self.run += 1;
            let row = match &plan.runs {
                Runs::Data { path, .. } => match self.next_row(path) {
                    Ok(row) => Some(row),
                    Err(e) => return Some(Err(e)),
                },
                Runs::Iterations(_) | Runs::Once => None,
            };
            let index = self.index;
            self.index += 1;
            // round robin keeps each shard's share of every collection even
            if plan
                .shard
                .is_some_and(|shard| index % shard.total != shard.index - 1)
            {
                continue;
            }
            return Some(self.unit(prepared, row));
        }
    }

    /// The next row of the data file (opened for each collection).
    fn next_row(&mut self, path: &std::path::Path) -> Result<Row, LoadError> {
        let rows = match &mut self.rows {
            Some(rows) => rows,
            None => self.rows.insert(Rows::open(path)?),
        };
        rows.next().unwrap_or_else(|| {
            Err(general(format!(
                "{}: the data file changed during the run",
                path.display()
            )))
        })
    }

    /// Run `self.run` of a collection, with its data row.
    fn unit(&mut self, prepared: &Prepared, row: Option<Row>) -> Result<Unit, LoadError> {
        let n = self.run;
        let vars = match (&self.same_vars, &row) {
            (Some(vars), None) => vars.clone(),
            _ => Arc::new(self.plan.vars(prepared, n, row.as_ref())?),
        };
        if row.is_none() {
            self.same_vars = Some(vars.clone());
        }
        let (iteration, label) = match (&self.plan.runs, row) {
            (Runs::Once, _) => (None, None),
            (_, Some(_)) => (Some(n), Some(format!("[row {n}]"))),
            (_, None) => (Some(n), Some(format!("[iteration {n}]"))),
        };
        Ok(Unit {
            collection: prepared.collection.clone(),
            vars,
            selection: prepared.selection.clone(),
            iteration,
            label,
            client: prepared.client.clone(),
            max_retries: prepared.max_retries,
        })
    }
}

impl Iterator for Units {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        if self.error.is_some() {
            return None;
        }
        match self.make()? {
            Ok(unit) => Some(unit),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}
