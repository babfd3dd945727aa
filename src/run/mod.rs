//! The executor: requests in order, each rendered, sent, captured from and checked.
//! It never prints; it tells an `Observer` what happened and returns plain results.

mod attempts;
pub mod authorize;
mod paginate;
pub mod render;
pub mod result;
pub mod select;
pub mod vars;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::auth::TokenCache;
use crate::check::snapshot::SnapshotSettings;
use crate::check::{self, CheckContext, ResponseView};
use crate::http::{HttpClient, HttpError, HttpErrorKind, HttpRequest};
use crate::model::{Collection, Phase, Request, Subject};
use crate::template::{TemplateError, Tpl};
use attempts::{Attempt, send_until_done};
use authorize::Credentials;
use render::{RenderFailure, render_request};
use result::{CaptureOutcome, CollectionResult, Failure, Outcome, RequestResult};
use select::Selection;
use vars::Vars;

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

/// Bodies are kept in results up to this size once a request is done, for report files
/// (they show no more); without report files none is kept. A run of many large responses
/// thus never holds them all.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

/// What identifies a unit in output.
pub struct UnitInfo {
    /// Collection name.
    pub name: String,
    /// Collection file.
    pub path: std::path::PathBuf,
    /// `[row 3]`, for iterations.
    pub label: Option<String>,
    /// Width of the longest request path, for aligned output.
    pub name_width: usize,
}

/// One run of a collection: with a data row or iteration, its own variables.
pub struct Unit {
    /// The collection.
    pub collection: Arc<Collection>,
    /// Its starting variables.
    pub vars: Vars,
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

/// Stops a run: after the first failure under `--bail`, or on Ctrl-C.
#[derive(Debug, Default)]
pub struct Stop {
    bail: bool,
    bailed: AtomicBool,
    interrupted: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    /// A stop that also triggers on the first failure when `bail` is set.
    pub fn new(bail: bool) -> Self {
        Stop {
            bail,
            ..Self::default()
        }
    }

    /// Ctrl-C: in-flight requests are cancelled, nothing new starts.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether the run was interrupted.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    fn failed(&self) {
        if self.bail {
            self.bailed.store(true, Ordering::SeqCst);
        }
    }

    fn reason(&self) -> Option<&'static str> {
        if self.interrupted() {
            Some("interrupted")
        } else if self.bailed.load(Ordering::SeqCst) {
            Some("after --bail")
        } else {
            None
        }
    }

    async fn wait_interrupt(&self) {
        let notified = self.notify.notified();
        if !self.interrupted() {
            notified.await;
        }
    }
}

/// What every unit of a run shares: OAuth2 tokens, the clock, the stop signal.
#[derive(Clone)]
pub struct Shared {
    /// Tokens shared by every request and unit of the run.
    pub tokens: Arc<TokenCache>,
    /// When the run started (request start times are measured from it).
    pub run_start: std::time::Instant,
    /// Bail and interrupt.
    pub stop: Arc<Stop>,
    /// `--update-snapshots`.
    pub update_snapshots: bool,
    /// How much of each body results keep after a request (`KEPT_BODY_BYTES` for reports).
    pub kept_body_bytes: usize,
}

/// What sends a unit's requests: its client and the run's shared state.
pub struct Transport {
    /// The client for the unit's network settings.
    pub client: HttpClient,
    /// Tokens shared by every request and unit of the run.
    pub tokens: Arc<TokenCache>,
    /// When the run started.
    pub run_start: std::time::Instant,
    /// Bail and interrupt.
    pub stop: Arc<Stop>,
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
    let mut result = CollectionResult {
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
    };
    observer.unit_started(&result.info());
    let snapshots = SnapshotSettings {
        dir: collection.dir.clone(),
        collection: collection
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        update: shared.update_snapshots,
    };
    let transport = Transport {
        client: client.clone(),
        tokens: shared.tokens.clone(),
        run_start: shared.run_start,
        stop: shared.stop.clone(),
    };
    // teardown must finish even after Ctrl-C: its requests are not cancelled by the first one
    let teardown_transport = Transport {
        client,
        tokens: shared.tokens.clone(),
        run_start: shared.run_start,
        stop: Arc::new(Stop::default()),
    };
    let mut state = UnitState {
        collection: &collection,
        vars,
        missing_captures: HashMap::new(),
        max_retries,
        snapshots: &snapshots,
        setup_failed: None,
        iteration,
    };
    for (request, selected) in collection.requests.iter().zip(selection.iter()) {
        let (transport, skip_reason) = match request.phase {
            Phase::Teardown => (&teardown_transport, None),
            Phase::Setup => (&transport, transport.stop.reason().map(String::from)),
            Phase::Main => (
                &transport,
                state.main_skip_reason(transport.stop.reason(), selected),
            ),
        };
        let decided = match skip_reason {
            Some(reason) => Ok(Some(reason)),
            None => condition_skip(&collection, request, &mut state.vars),
        };
        let results = match decided {
            Ok(Some(reason)) => vec![skipped(request, reason)],
            Ok(None) => state.run(request, selected, transport).await,
            Err(failure) => vec![failed(request, failure)],
        };
        for request_result in results {
            if request_result.outcome == Outcome::Failed {
                state.failed(request);
                if request.phase == Phase::Setup {
                    state
                        .setup_failed
                        .get_or_insert_with(|| request.path.clone());
                }
                if request.phase != Phase::Teardown {
                    transport.stop.failed();
                }
            }
            observer.request_finished(&request_result);
            result
                .requests
                .push(request_result.shrunk(shared.kept_body_bytes));
        }
    }
    result
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

    fn failed(&mut self, request: &Request) {
        for capture in &request.captures {
            if !self.vars.contains(&capture.name) {
                self.missing_captures
                    .insert(capture.name.clone(), request.path.clone());
            }
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
        let state = RequestState {
            collection: self.collection,
            vars: &mut self.vars,
            missing_captures: &self.missing_captures,
            max_retries: self.max_retries,
            snapshots: self.snapshots,
            snapshot_key: snapshot_key(request, self.iteration, element),
        };
        run_request(request, state, transport).await
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
            cause: None,
        })?;
    for condition in &request.conditions {
        let key = if condition.skip_if { "skip_if" } else { "when" };
        let truth = collection
            .templates
            .eval(condition.id, &ctx)
            .map_err(|e| Failure::Template {
                message: format!("{key} `{}` could not be evaluated: {e}", condition.source),
                cause: None,
            })?
            .is_true();
        if truth == condition.skip_if {
            return Ok(Some(format!("{key}: {}", condition.source)));
        }
    }
    Ok(None)
}

/// A request that failed before it could be sent.
fn failed(request: &Request, failure: Failure) -> RequestResult {
    let mut result = pending(request);
    result.failures.push(failure);
    result
}

/// A result that counts as failed until everything has held.
fn pending(request: &Request) -> RequestResult {
    let mut result = skipped(request, String::new());
    result.skip_reason = None;
    result.outcome = Outcome::Failed;
    result
}

fn skipped(request: &Request, reason: String) -> RequestResult {
    RequestResult {
        name: request.path.clone(),
        location: request.location.clone(),
        method: method_label(&request.method),
        outcome: Outcome::Skipped,
        skip_reason: Some(reason),
        pulled_in_by: None,
        request: None,
        response: None,
        response_size: None,
        failures: Vec::new(),
        checks: Vec::new(),
        captured: Vec::new(),
        started: std::time::Duration::ZERO,
        attempts: 0,
        retries: 0,
        polls: 0,
        waits: Vec::new(),
        notes: Vec::new(),
        hints: Vec::new(),
    }
}

fn method_label(method: &Tpl) -> String {
    match method {
        Tpl::Lit(m) => m.clone(),
        _ => "?".into(),
    }
}

/// The collection-wide state one request reads and updates.
struct RequestState<'a> {
    collection: &'a Collection,
    vars: &'a mut Vars,
    missing_captures: &'a HashMap<String, String>,
    max_retries: u32,
    snapshots: &'a SnapshotSettings,
    /// The request path with data row and loop element: one snapshot file each.
    snapshot_key: String,
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

/// One request, in this order: render → authorize → send (once more with a fresh token
/// after a 401) → captures → assertions (all evaluated).
async fn run_request(
    request: &Request,
    state: RequestState<'_>,
    transport: &Transport,
) -> RequestResult {
    let RequestState {
        collection,
        vars,
        missing_captures,
        max_retries,
        snapshots,
        snapshot_key,
    } = state;
    let mut result = pending(request);
    let ctx = match vars.context_for(collection, request.scope) {
        Ok(ctx) => ctx,
        Err(error) => {
            result
                .failures
                .push(template_failure(error, missing_captures));
            return result;
        }
    };
    let mut http_request = match render_request(collection, request, &ctx) {
        Ok(r) => r,
        Err(failure) => {
            result.failures.push(match failure {
                RenderFailure::Template(error) => template_failure(error, missing_captures),
                RenderFailure::File(message) => Failure::File { message },
            });
            return result;
        }
    };
    result.method = http_request.method.clone();
    let has_authorization = http_request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    let credentials = match request.auth.as_deref() {
        Some(auth) if !has_authorization => match authorize::prepare(auth, collection, &ctx) {
            Ok(c) => Some(c),
            Err(error) => {
                result
                    .failures
                    .push(template_failure(error, missing_captures));
                return result;
            }
        },
        _ => None,
    };
    let token = match &credentials {
        None => None,
        Some(Credentials::Header(value)) => {
            http_request
                .headers
                .push(("Authorization".into(), value.clone()));
            None
        }
        Some(Credentials::OAuth2(token_request)) => match tokio::select! {
            granted = transport.tokens.token(token_request, &transport.client, max_retries) => granted,
            () = transport.stop.wait_interrupt() => {
                result.failures.push(Failure::Http(interrupted()));
                return result;
            }
        } {
            Ok(granted) => {
                if granted.fetched {
                    result.notes.push(format!(
                        "fetched a token from {}{}",
                        token_request.token_url,
                        granted.throttled_note()
                    ));
                }
                http_request.headers.push((
                    "Authorization".into(),
                    format!("Bearer {}", granted.access_token),
                ));
                Some(granted.access_token)
            }
            Err(error) => {
                result.hints.extend(error.hint());
                result.failures.push(Failure::Auth(error.to_string()));
                return result;
            }
        },
    };
    for (name, value) in &http_request.headers {
        if crate::secrets::is_secret_header(name) {
            crate::secrets::add_header_value(value);
        }
    }
    if let Some(delay) = request.delay
        && !attempts::sleep(transport, delay).await
    {
        result.failures.push(Failure::Http(interrupted()));
        return result;
    }
    let attempt = Attempt {
        collection,
        request,
        http_request: &mut http_request,
        credentials: credentials.as_ref(),
        token,
        max_retries,
    };
    let mut sent = send_until_done(attempt, vars, transport, &mut result).await;
    let mut pages = 1;
    if let (Ok(first), Some(paginate)) = (&sent, &request.paginate)
        && (200..300).contains(&first.status)
    {
        let first = sent.expect("matched Ok above");
        let mut throttled = 0;
        sent = paginate::follow(first, &http_request, paginate, transport, max_retries)
            .await
            .map(|paged| {
                pages = paged.pages;
                throttled = paged.throttled;
                paged.response
            });
        if pages > 1 {
            result.notes.push(format!("followed {pages} pages"));
        }
        match throttled {
            0 => {}
            1 => result
                .notes
                .push("1 throttled page request (429/503) was sent again".into()),
            n => result.notes.push(format!(
                "{n} throttled page requests (429/503) were sent again"
            )),
        }
    }
    result.request = Some(http_request);
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            result.failures.push(Failure::Http(error));
            return result;
        }
    };
    for (_, value) in response
        .headers
        .iter()
        .filter(|(n, _)| crate::secrets::is_secret_header(n))
    {
        crate::secrets::add_header_value(value);
    }
    let view = ResponseView::new(&response).with_pages(pages);
    // tokens in a response (a token request made by hand) are secret like any other
    if response.body.len() < 1 << 20
        && mentions_token(&response.body)
        && let Ok(json) = view.json()
    {
        crate::secrets::add_credential_fields(json);
    }
    for capture in &request.captures {
        if let Some(when) = capture.when {
            let context = vars.context_with(&[("response", view.template_value())]);
            match collection.templates.eval(when, &context) {
                Ok(holds) if holds.is_true() => {}
                Ok(_) => continue,
                Err(e) => {
                    result.failures.push(Failure::Capture {
                        name: capture.name.clone(),
                        location: capture.location.clone(),
                        message: format!("`when`: {e}"),
                    });
                    continue;
                }
            }
        }
        // nothing selected: the default, or for an optional capture no change
        let evaluated = match check::eval_capture(capture, &view) {
            Err(_) if capture.default.is_some() => Ok(capture.default.clone().unwrap_or_default()),
            Err(_) if capture.optional => continue,
            other => other,
        };
        match evaluated {
            Ok(value) => {
                if capture.secret {
                    crate::secrets::add(&crate::template::json_to_text(&value));
                }
                vars.set(&capture.name, &value);
                result.captured.push(CaptureOutcome {
                    name: capture.name.clone(),
                    value,
                    secret: capture.secret,
                });
            }
            Err(message) => result.failures.push(Failure::Capture {
                name: capture.name.clone(),
                location: capture.location.clone(),
                message,
            }),
        }
    }
    let check_vars = if request
        .assertions
        .iter()
        .any(|a| matches!(a.subject, Subject::Expr { .. }))
    {
        vars.context_with(&[("response", view.template_value())])
    } else {
        vars.context()
    };
    let check_cx = CheckContext {
        templates: &collection.templates,
        vars: &check_vars,
        snapshots: Some(snapshots),
        request_path: &snapshot_key,
    };
    for assertion in &request.assertions {
        result
            .checks
            .extend(check::eval_assertion(assertion, &view, &check_cx));
    }
    drop(view);
    if result.failures.is_empty() && result.failed_checks().next().is_none() {
        result.outcome = Outcome::Passed;
    } else {
        result
            .hints
            .extend(crate::auth::diagnose::api_hint(response.status));
    }
    result.response = Some(response);
    result
}

/// Sends a request unless the run is interrupted first.
async fn send(
    transport: &Transport,
    request: &HttpRequest,
) -> Result<crate::http::HttpResponse, HttpError> {
    until_interrupted(transport, transport.client.send(request)).await
}

/// The work's outcome, or `interrupted` as soon as the run is.
async fn until_interrupted<T>(
    transport: &Transport,
    work: impl Future<Output = Result<T, HttpError>>,
) -> Result<T, HttpError> {
    tokio::select! {
        done = work => done,
        () = transport.stop.wait_interrupt() => Err(interrupted()),
    }
}

/// A quick look for `_token"` before parsing a body just to find tokens.
fn mentions_token(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"_token\"").is_some()
}

fn interrupted() -> HttpError {
    HttpError {
        kind: HttpErrorKind::Cancelled,
        cause: "the run was interrupted".into(),
    }
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

fn template_failure(error: TemplateError, missing_captures: &HashMap<String, String>) -> Failure {
    let cause = error
        .undefined_name()
        .and_then(|name| missing_captures.get(name).map(|request| (name, request)))
        .map(|(name, request)| {
            format!("`{name}` is captured by request `{request}`, which failed")
        });
    Failure::Template {
        message: error.to_string(),
        cause,
    }
}
