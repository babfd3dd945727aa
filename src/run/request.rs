//! One request, stage by stage, over one `RequestContext`; and the results of requests that
//! never got as far as being sent.

use super::assert;
use super::authorize;
use super::capture;
use super::context::RequestContext;
use super::render::{render_request, template_failure};
use super::result::{Failure, Outcome, RequestResult};
use super::send;
use super::transport::interrupted;
use crate::check::ResponseView;
use crate::http::{HttpRequest, HttpResponse};
use crate::model::Request;
use crate::template::Tpl;

/// One request, in this order:
/// 1. render: every template of the request, with the variables of its scope;
/// 2. authorize: the `auth:` credentials, an OAuth2 token fetched or reused;
/// 3. the `delay:`, if any;
/// 4. send: once more with a fresh token after a 401, again after throttling or a reset and
///    while `retry.until` is false; then the pages of `paginate:` joined in;
/// 5. capture: variables from the response (secrets it reveals registered first);
/// 6. assert: every assertion, all evaluated.
///
/// A stage that fails ends the request with its failure; the result shows how far it got.
pub(super) async fn run_request(request: &Request, mut cx: RequestContext<'_>) -> RequestResult {
    let mut result = pending(request);
    if let Err(failure) = run_stages(request, &mut cx, &mut result).await {
        result.failures.push(failure);
    }
    result
}

async fn run_stages(
    request: &Request,
    cx: &mut RequestContext<'_>,
    result: &mut RequestResult,
) -> Result<(), Failure> {
    let ctx = cx
        .vars
        .context_for(cx.collection, request.scope)
        .map_err(|e| template_failure(e, cx.missing_captures))?;
    let mut http_request = render(request, cx, &ctx)?;
    result.method = http_request.method.clone();
    let bearer = authorize::authorize(request, cx, &ctx, &mut http_request, result).await?;
    if let Some(delay) = request.delay
        && !cx.transport.sleep(delay).await
    {
        return Err(Failure::Http(interrupted()));
    }
    let (sent, pages) = send::send(request, cx, &mut http_request, bearer, result).await;
    result.request = Some(http_request);
    let response = sent.map_err(Failure::Http)?;
    let view = ResponseView::new(&response, &cx.transport.secrets).with_pages(pages);
    capture::capture(request, cx, &response, &view, result);
    assert::evaluate(request, cx, &view, result);
    drop(view);
    finish(result, response);
    Ok(())
}

/// The render stage: the request as it will be sent; secret headers written in the
/// collection are registered (credentials from `auth:` are registered as prepared).
fn render(
    request: &Request,
    cx: &RequestContext<'_>,
    ctx: &minijinja::Value,
) -> Result<HttpRequest, Failure> {
    let secrets = &cx.transport.secrets;
    let http_request = render_request(cx.collection, request, ctx, secrets)
        .map_err(|failure| failure.into_failure(cx.missing_captures))?;
    for (name, value) in &http_request.headers {
        if crate::secrets::is_secret_header(name) {
            secrets.add_header_value(value);
        }
    }
    Ok(http_request)
}

/// Passed when nothing failed, else with the usual cause of the status as a hint.
fn finish(result: &mut RequestResult, response: HttpResponse) {
    if result.failures.is_empty() && result.failed_checks().next().is_none() {
        result.outcome = Outcome::Passed;
    } else {
        result.hints.extend(crate::auth::diagnose::response_hint(
            response.status,
            &response.body,
        ));
    }
    result.response = Some(response);
}

/// A request that failed before it could be sent.
pub(super) fn failed(request: &Request, failure: Failure) -> RequestResult {
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

/// A request that did not run, and why.
pub(super) fn skipped(request: &Request, reason: String) -> RequestResult {
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
