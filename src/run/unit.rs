//! One unit (a collection, once or for one data row): its requests in order, setup first and
//! teardown always, each skipped, run once or once per `for_each` element.

use std::collections::HashMap;
use std::sync::Arc;

use super::context::RequestContext;
use super::observer::Observer;
use super::render::template_failure;
use super::request::{failed, run_request, skipped};
use super::result::{CollectionResult, Failure, Outcome, RequestResult};
use super::select::Selection;
use super::transport::{Shared, Stop, Transport};
use super::vars::Vars;
use crate::check::snapshot::SnapshotSettings;
use crate::http::HttpClient;
use crate::model::{Collection, Phase, Request};
use crate::template::Tpl;

/// One run of a collection: with a data row or iteration, its own variables.
pub struct Unit {
    /// The collection.
    pub collection: Arc<Collection>,
    /// Its starting variables (shared by iterations that start alike; copied when it runs).
    pub vars: Arc<Vars>,
    /// Which requests run.
    pub selection: Arc<Vec<Selection>>,
    /// 1-based data row or iteration.
    pub iteration: Option<usize>,
    /// `[row 3]` or `[iteration 3]`.
    pub label: Option<String>,
    /// The client for the collection's network settings.
    pub client: HttpClient,
    /// Retries of throttled or reset requests.
    pub max_retries: u32,
}

/// Runs a unit's requests in order: setup, the requests, then teardown — always.
pub async fn run_unit(
    unit: Unit,
    shared: &Shared,
    observer: &mut (dyn Observer + Send),
) -> CollectionResult {
    let Unit {
        collection,
        vars,
        selection,
        iteration,
        label,
        client,
        max_retries,
    } = unit;
    let mut result = unit_result(&collection, iteration, label);
    observer.unit_started(&result.info());
    let snapshots = snapshot_settings(&collection, shared);
    let transport = Transport::new(shared, client.clone());
    let teardown_transport = Transport::unstoppable(shared, client);
    let mut state = UnitState {
        collection: &collection,
        vars: Arc::unwrap_or_clone(vars),
        missing_captures: HashMap::new(),
        max_retries,
        snapshots: &snapshots,
        setup_failed: None,
        iteration,
    };
    for (request, selected) in collection.requests.iter().zip(selection.iter()) {
        let transport = match request.phase {
            Phase::Teardown => &teardown_transport,
            Phase::Setup | Phase::Main => &transport,
        };
        for request_result in state.run_or_skip(request, selected, transport).await {
            if request_result.outcome == Outcome::Failed {
                state.failed(request, &transport.stop);
            }
            observer.request_finished(&request_result);
            result
                .requests
                .push(request_result.shrunk(shared.kept_body_bytes, &shared.secrets));
        }
    }
    result
}

/// The unit's result before any request ran.
fn unit_result(
    collection: &Collection,
    iteration: Option<usize>,
    label: Option<String>,
) -> CollectionResult {
    CollectionResult {
        name: collection.name.clone(),
        path: collection.path.clone(),
        iteration,
        label,
        name_width: collection
            .requests
            .iter()
            .map(|r| r.path.chars().count() + if r.for_each.is_some() { 8 } else { 0 })
            .max()
            .unwrap_or(0),
        requests: Vec::with_capacity(collection.requests.len()),
    }
}

/// Snapshots of a collection live next to it, one folder per collection file.
fn snapshot_settings(collection: &Collection, shared: &Shared) -> SnapshotSettings {
    SnapshotSettings {
        dir: collection.dir.clone(),
        collection: collection
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        update: shared.update_snapshots,
        secrets: shared.secrets.clone(),
    }
}

/// What the requests of one unit share as it runs.
struct UnitState<'a> {
    collection: &'a Collection,
    vars: Vars,
    /// capture name → request that failed before making it, to explain later undefined variables
    missing_captures: HashMap<String, String>,
    max_retries: u32,
    snapshots: &'a SnapshotSettings,
    setup_failed: Option<String>,
    /// The unit's data row or iteration.
    iteration: Option<usize>,
}

impl UnitState<'_> {
    /// The request's results: skipped (stopped, setup failed, not selected, its condition),
    /// failed (a condition that cannot be evaluated), or run.
    async fn run_or_skip(
        &mut self,
        request: &Request,
        selected: &Selection,
        transport: &Transport,
    ) -> Vec<RequestResult> {
        let stop = transport.stop.reason();
        let skip_reason = match request.phase {
            Phase::Teardown => None,
            Phase::Setup => stop.map(String::from),
            Phase::Main => self.main_skip_reason(stop, selected),
        };
        let decided = match skip_reason {
            Some(reason) => Ok(Some(reason)),
            None => condition_skip(self.collection, request, &mut self.vars),
        };
        match decided {
            Ok(Some(reason)) => vec![skipped(request, reason)],
            Ok(None) => self.run(request, selected, transport).await,
            Err(failure) => vec![failed(request, failure)],
        }
    }

    /// Why a main request does not run: a stop, a failed setup, or the selection.
    fn main_skip_reason(&self, stop: Option<&str>, selected: &Selection) -> Option<String> {
        if let Some(reason) = stop {
            return Some(reason.to_string());
        }
        if let Some(setup) = &self.setup_failed {
            return Some(format!("setup request `{setup}` failed"));
        }
        (*selected == Selection::Excluded).then(|| "not selected".to_string())
    }

    /// A request failed: its missing captures are remembered, a failed setup skips the main
    /// requests, and (but for teardown) `--bail` stops the run.
    fn failed(&mut self, request: &Request, stop: &Stop) {
        for capture in &request.captures {
            if !self.vars.contains(&capture.name) {
                self.missing_captures
                    .insert(capture.name.clone(), request.path.clone());
            }
        }
        if request.phase == Phase::Setup {
            self.setup_failed
                .get_or_insert_with(|| request.path.clone());
        }
        if request.phase != Phase::Teardown {
            stop.failed();
        }
    }

    /// The request once, or once per element of its `for_each` list.
    async fn run(
        &mut self,
        request: &Request,
        selected: &Selection,
        transport: &Transport,
    ) -> Vec<RequestResult> {
        let Some(for_each) = &request.for_each else {
            let mut result = self.run_once(request, None, transport).await;
            if let Selection::PulledIn { by } = selected {
                result.pulled_in_by = Some(by.clone());
            }
            return vec![result];
        };
        let items = match self.for_each_items(request, &for_each.items) {
            Ok(items) => items,
            Err(failure) => return vec![failed(request, failure)],
        };
        if items.is_empty() {
            return vec![skipped(request, "for_each: the list is empty".into())];
        }
        let count = items.len();
        let mut results = Vec::with_capacity(count);
        for (i, item) in items.iter().enumerate() {
            if transport.stop.reason().is_some() && request.phase != Phase::Teardown {
                break;
            }
            self.vars.set(&for_each.var, item);
            let mut result = self.run_once(request, Some(i + 1), transport).await;
            result.name = format!("{} [{}/{count}]", request.path, i + 1);
            results.push(result);
        }
        self.vars.unset(&for_each.var);
        results
    }

    fn for_each_items(
        &mut self,
        request: &Request,
        items: &Tpl,
    ) -> Result<Vec<serde_json::Value>, Failure> {
        let ctx = self
            .vars
            .context_for(self.collection, request.scope)
            .map_err(|e| template_failure(e, &self.missing_captures))?;
        let value = self
            .collection
            .templates
            .render_value(&crate::template::TValue::Str(items.clone()), &ctx)
            .map_err(|e| template_failure(e, &self.missing_captures))?;
        // a JSONPath capture of one node is the node itself: a single item, not a list
        Ok(match value {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Null => Vec::new(),
            single => vec![single],
        })
    }

    async fn run_once(
        &mut self,
        request: &Request,
        element: Option<usize>,
        transport: &Transport,
    ) -> RequestResult {
        let cx = RequestContext {
            collection: self.collection,
            vars: &mut self.vars,
            missing_captures: &self.missing_captures,
            max_retries: self.max_retries,
            snapshots: self.snapshots,
            snapshot_key: snapshot_key(request, self.iteration, element),
            transport,
        };
        run_request(request, cx).await
    }
}

/// `when:` false or `skip_if:` true: why the request is skipped.
/// A condition that cannot be evaluated fails the request: a typo must not turn a run green.
fn condition_skip(
    collection: &Collection,
    request: &Request,
    vars: &mut Vars,
) -> Result<Option<String>, Failure> {
    if request.conditions.is_empty() {
        return Ok(None);
    }
    let ctx = vars
        .context_for(collection, request.scope)
        .map_err(|e| Failure::Template {
            message: e.to_string(),
            location: e.location().clone(),
            cause: None,
        })?;
    for condition in &request.conditions {
        let key = if condition.skip_if { "skip_if" } else { "when" };
        let truth = collection
            .templates
            .eval(condition.id, &ctx)
            .map_err(|e| Failure::Template {
                message: format!("{key} `{}` could not be evaluated: {e}", condition.source),
                location: e.location().clone(),
                cause: None,
            })?
            .is_true();
        if truth == condition.skip_if {
            return Ok(Some(format!("{key}: {}", condition.source)));
        }
    }
    Ok(None)
}

/// `path`, `path.2` (data row or iteration 2), `path-3` (third loop element).
fn snapshot_key(request: &Request, iteration: Option<usize>, element: Option<usize>) -> String {
    use std::fmt::Write as _;
    let mut key = String::with_capacity(request.path.len() + 12);
    key.push_str(&request.path);
    if let Some(n) = iteration {
        let _ = write!(key, ".{n}");
    }
    if let Some(i) = element {
        let _ = write!(key, "-{i}");
    }
    key
}
