//! The executor: requests in order, each rendered, sent, captured from and checked.
//! It never prints; it tells an `Observer` what happened and returns plain results.

pub mod authorize;
mod render;
pub mod result;
pub mod vars;

use std::collections::HashMap;

use crate::auth::TokenCache;
use crate::check::{self, CheckContext, ResponseView};
use crate::http::HttpClient;
use crate::model::{Collection, Request, Subject};
use crate::template::{TemplateError, Tpl};
use authorize::Credentials;
use render::{RenderFailure, render_request};
use result::{CaptureOutcome, CollectionResult, Failure, Outcome, RequestResult};
use vars::Vars;

/// Receives results as they happen (the terminal reporter, later others).
pub trait Observer {
    /// A collection is about to run.
    fn collection_started(&mut self, collection: &Collection);
    /// A request finished (or was skipped).
    fn request_finished(&mut self, result: &RequestResult);
}

/// What sends requests: the one HTTP client and the shared OAuth2 tokens.
#[derive(Clone, Copy)]
pub struct Transport<'a> {
    /// The one HTTP client.
    pub client: &'a HttpClient,
    /// Tokens shared by every request of the run.
    pub tokens: &'a TokenCache,
    /// When the run started (request start times are measured from it).
    pub run_start: std::time::Instant,
}

/// What the run needs besides the collection.
pub struct RunContext<'a> {
    /// Client and tokens.
    pub transport: Transport<'a>,
    /// Stop after the first failed request.
    pub bail: bool,
    /// Set once a request failed under `bail`: everything after is skipped.
    pub bailed: bool,
    /// Where results go as they happen.
    pub observer: &'a mut dyn Observer,
}

/// Runs a collection's requests in order with the given starting variables.
pub async fn run_collection(
    collection: &Collection,
    mut vars: Vars,
    cx: &mut RunContext<'_>,
) -> CollectionResult {
    cx.observer.collection_started(collection);
    // capture name → request that failed before making it, to explain later undefined variables
    let mut missing_captures: HashMap<String, String> = HashMap::new();
    let mut results = Vec::with_capacity(collection.requests.len());
    for request in &collection.requests {
        let result = if cx.bailed {
            skipped(request)
        } else {
            let state = RequestState {
                collection,
                vars: &mut vars,
                missing_captures: &missing_captures,
            };
            run_request(request, state, cx.transport).await
        };
        if result.outcome == Outcome::Failed {
            for capture in &request.captures {
                if !vars.contains(&capture.name) {
                    missing_captures.insert(capture.name.clone(), request.path.clone());
                }
            }
            cx.bailed |= cx.bail;
        }
        cx.observer.request_finished(&result);
        results.push(result);
    }
    CollectionResult {
        name: collection.name.clone(),
        path: collection.path.clone(),
        requests: results,
    }
}

fn skipped(request: &Request) -> RequestResult {
    RequestResult {
        name: request.path.clone(),
        location: request.location.clone(),
        method: method_label(&request.method),
        outcome: Outcome::Skipped,
        request: None,
        response: None,
        failures: Vec::new(),
        checks: Vec::new(),
        captured: Vec::new(),
        started: std::time::Duration::ZERO,
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
}

/// One request, in this order: render → authorize → send (once more with a fresh token
/// after a 401) → captures → assertions (all evaluated).
async fn run_request(
    request: &Request,
    state: RequestState<'_>,
    transport: Transport<'_>,
) -> RequestResult {
    let RequestState {
        collection,
        vars,
        missing_captures,
    } = state;
    let mut result = skipped(request);
    result.outcome = Outcome::Failed;
    result.started = transport.run_start.elapsed();
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
        Some(Credentials::OAuth2(token_request)) => match transport
            .tokens
            .token(token_request, transport.client)
            .await
        {
            Ok(granted) => {
                if granted.fetched {
                    result
                        .notes
                        .push(format!("fetched a token from {}", token_request.token_url));
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
    let mut sent = transport.client.send(&http_request).await;
    if let (Ok(response), Some(Credentials::OAuth2(token_request)), Some(rejected)) =
        (&sent, &credentials, &token)
    {
        if response.status == 401 {
            match transport
                .tokens
                .refresh(token_request, transport.client, rejected)
                .await
            {
                Ok(granted) => {
                    result.notes.push(
                        "the API answered 401: fetched a new token and sent the request again"
                            .into(),
                    );
                    set_header(
                        &mut http_request.headers,
                        "Authorization",
                        format!("Bearer {}", granted.access_token),
                    );
                    sent = transport.client.send(&http_request).await;
                }
                Err(error) => {
                    result.hints.extend(error.hint());
                    result.failures.push(Failure::Auth(error.to_string()));
                }
            }
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
    let view = ResponseView::new(&response);
    for capture in &request.captures {
        match check::eval_capture(capture, &view) {
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
