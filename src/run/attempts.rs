//! Sending one request as many times as it takes: once more with a fresh token after a 401,
//! again after throttling (429/503, honouring Retry-After) or a connection reset, and again
//! while a `retry.until` poll condition is false. Every wait is bounded and interruptible.

use std::time::{Duration, Instant};

use super::authorize::Credentials;
use super::result::{Failure, RequestResult};
use super::vars::Vars;
use super::{Transport, send, set_header};
use crate::check::ResponseView;
use crate::http::{
    HttpError, HttpErrorKind, HttpRequest, HttpResponse, RETRY_BUDGET, backoff, is_throttled,
    retry_after,
};
use crate::model::{Collection, Request};

/// Polls when `retry.max` is not given.
const DEFAULT_POLLS: u32 = 10;
/// Wait between polls when `retry.every` is not given.
const DEFAULT_EVERY: Duration = Duration::from_secs(1);

/// The request and where it stands.
pub struct Attempt<'a> {
    /// The collection (templates, scopes).
    pub collection: &'a Collection,
    /// The request's definition.
    pub request: &'a Request,
    /// The rendered request, changed in place when a token is refreshed.
    pub http_request: &'a mut HttpRequest,
    /// How it authenticates.
    pub credentials: Option<&'a Credentials>,
    /// The bearer token sent, for refresh after a 401.
    pub token: Option<String>,
    /// Retries allowed for throttling and resets.
    pub max_retries: u32,
}

/// Sends until there is a final answer; records attempts, retries, polls and notes in `result`.
pub async fn send_until_done(
    attempt: Attempt<'_>,
    vars: &Vars,
    transport: &Transport,
    result: &mut RequestResult,
) -> Result<HttpResponse, HttpError> {
    let Attempt {
        collection,
        request,
        http_request,
        credentials,
        mut token,
        max_retries,
    } = attempt;
    let started = Instant::now();
    let retry = request.retry.as_ref();
    // polling is bounded by its count; the default budget only caps throttling waits
    let polling = retry
        .filter(|r| r.until.is_some())
        .map(|r| r.every.unwrap_or(DEFAULT_EVERY) * r.max.unwrap_or(DEFAULT_POLLS).max(1));
    let budget = retry
        .and_then(|r| r.budget)
        .unwrap_or_else(|| RETRY_BUDGET + polling.unwrap_or_default());
    let may_resend_after_reset =
        is_idempotent(&http_request.method) || retry.is_some_and(|r| r.unsafe_methods);
    let mut refreshed = false;
    // the waterfall starts a request when it goes out, after rendering and any token fetch
    result.started = transport.run_start.elapsed();
    loop {
        result.attempts += 1;
        let sent = send(transport, http_request).await;

        if let (Ok(response), Some(Credentials::OAuth2(token_request)), Some(rejected)) =
            (&sent, credentials, &token)
            && response.status == 401
            && !refreshed
        {
            refreshed = true;
            let refresh =
                transport
                    .tokens
                    .refresh(token_request, &transport.client, max_retries, rejected);
            let granted = tokio::select! {
                granted = refresh => granted,
                () = transport.stop.wait_interrupt() => return Err(super::interrupted()),
            };
            match granted {
                Ok(granted) => {
                    result.notes.push(format!(
                        "the API answered 401: fetched a new token{} and sent the request again",
                        granted.throttled_note()
                    ));
                    set_header(
                        &mut http_request.headers,
                        "Authorization",
                        format!("Bearer {}", granted.access_token),
                    );
                    token = Some(granted.access_token);
                    continue;
                }
                Err(error) => {
                    result.hints.extend(error.hint());
                    result.failures.push(Failure::Auth(error.to_string()));
                    return sent;
                }
            }
        }

        let throttled = match &sent {
            Ok(r) if is_throttled(r.status) => {
                let advertised = retry_after(r);
                let why = format!(
                    "{} {}{}",
                    r.status,
                    if r.status == 429 {
                        "Too Many Requests"
                    } else {
                        "Service Unavailable"
                    },
                    if advertised.is_some() {
                        ", Retry-After"
                    } else {
                        ""
                    }
                );
                Some((advertised.unwrap_or_else(|| backoff(result.retries)), why))
            }
            Err(e) if e.kind == HttpErrorKind::Reset && may_resend_after_reset => {
                Some((backoff(result.retries), "connection reset".to_string()))
            }
            _ => None,
        };
        if let Some((wait, why)) = throttled {
            if result.retries >= max_retries || started.elapsed() + wait > budget {
                result.notes.push(format!(
                    "{why}: not retried again ({} retries made, budget {})",
                    result.retries,
                    humantime::format_duration(budget)
                ));
                return sent;
            }
            result.retries += 1;
            result.waits.push(wait);
            result.notes.push(format!(
                "{why}: waited {} before attempt {}",
                format_wait(wait),
                result.attempts + 1
            ));
            if !sleep(transport, wait).await {
                return sent;
            }
            continue;
        }

        let (Ok(response), Some(condition)) = (&sent, retry.and_then(|r| r.until.as_ref())) else {
            return sent;
        };
        let view = ResponseView::new(response);
        let ctx = vars.context_with(&[("response", view.template_value())]);
        let max_polls = retry.and_then(|r| r.max).unwrap_or(DEFAULT_POLLS).max(1);
        let every = retry.and_then(|r| r.every).unwrap_or(DEFAULT_EVERY);
        match collection.templates.eval(condition.id, &ctx) {
            Ok(value) if value.is_true() => return sent,
            Ok(_) if result.polls + 1 < max_polls && started.elapsed() + every <= budget => {
                result.polls += 1;
                result.notes.push(format!(
                    "until `{}` not true yet (status {}): polling again in {}",
                    condition.source,
                    response.status,
                    format_wait(every)
                ));
                if !sleep(transport, every).await {
                    return sent;
                }
            }
            Ok(_) => {
                result.failures.push(Failure::Polling(format!(
                    "`{}` was still not true after {} tries; the last response was {}: {}",
                    condition.source,
                    result.polls + 1,
                    response.status,
                    crate::check::excerpt(&view.text(), 200)
                )));
                return sent;
            }
            Err(e) => {
                result
                    .failures
                    .push(Failure::Polling(format!("retry.until: {e}")));
                return sent;
            }
        }
    }
}

/// Waits unless the run is interrupted first; `false` when interrupted.
pub(super) async fn sleep(transport: &Transport, wait: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => true,
        () = transport.stop.wait_interrupt() => false,
    }
}

/// Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2).
fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

fn format_wait(wait: Duration) -> String {
    if wait < Duration::from_secs(1) {
        format!("{} ms", wait.as_millis())
    } else {
        format!("{:.1} s", wait.as_secs_f64())
    }
}
