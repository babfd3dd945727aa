//! Sending one request as many times as it takes: once more with a fresh token or the answer
//! to a Digest challenge after a 401,
//! again as the retry policy says after throttling (429/503, honouring Retry-After) or a
//! connection reset, and again while a `retry.until` poll condition is false. Every wait is
//! bounded and interruptible.

use std::time::{Duration, Instant};

use super::authorize::{Bearer, Reauth};
use super::context::RequestContext;
use super::note::Note;
use super::result::{Failure, RequestResult};
use super::transport::interrupted;
use crate::auth::digest;
use crate::check::ResponseView;
use crate::http::{
    HttpBody, HttpError, HttpRequest, HttpResponse, NextSend, RETRY_BUDGET, RetryPolicy,
};
use crate::model::{Condition, Request};

/// Polls when `retry.max` is not given.
const DEFAULT_POLLS: u32 = 10;
/// Wait between polls when `retry.every` is not given.
const DEFAULT_EVERY: Duration = Duration::from_secs(1);

/// Sends until there is a final answer; records attempts, retries, polls and notes in `result`.
pub(super) async fn send_until_done(
    request: &Request,
    cx: &RequestContext<'_>,
    http_request: &mut HttpRequest,
    mut reauth: Option<Reauth>,
    result: &mut RequestResult,
) -> Result<HttpResponse, HttpError> {
    let started = Instant::now();
    let polling = Polling::of(request);
    let policy = retry_policy(request, http_request, polling.as_ref(), cx.max_retries);
    // the waterfall starts a request when it goes out, after rendering and any token fetch
    result.started = cx.transport.run_start.elapsed();
    loop {
        result.attempts += 1;
        let sent = cx.transport.send(http_request).await;
        if let Some(rejected) = reauth.take_if(|_| is_unauthorized(&sent)) {
            let again = match rejected {
                Reauth::Bearer(bearer) => refresh(bearer, cx, http_request, result).await,
                Reauth::Digest { username, password } => {
                    answer_digest(&sent, &username, &password, cx, http_request, result)
                }
            };
            match again {
                Refreshed::Again => continue,
                Refreshed::Failed => return sent,
                Refreshed::Interrupted => return Err(interrupted()),
            }
        }
        match policy.next_send(&sent, result.retries, started.elapsed()) {
            NextSend::After(wait, cause) => {
                result.retries += 1;
                result.waits.push(wait);
                result.notes.push(Note::Retried {
                    cause,
                    wait,
                    attempt: result.attempts + 1,
                });
                if !cx.transport.sleep(wait).await {
                    return sent;
                }
                continue;
            }
            NextSend::Exhausted(cause) => {
                result.notes.push(Note::NotRetried {
                    cause,
                    retries: result.retries,
                    budget: policy.budget,
                });
                return sent;
            }
            NextSend::Final => {}
        }
        let (Ok(response), Some(polling)) = (&sent, &polling) else {
            return sent;
        };
        let within_budget = started.elapsed() + polling.every <= policy.budget;
        if !polling.again(response, cx, within_budget, result).await {
            return sent;
        }
    }
}

/// The request's retry policy: `max_retries` resends within `retry.budget`, else within the
/// default budget plus the time polling may take (polling is bounded by its count; the budget
/// only caps throttling waits). A reset connection is resent when that is safe.
fn retry_policy(
    request: &Request,
    http_request: &HttpRequest,
    polling: Option<&Polling<'_>>,
    max_retries: u32,
) -> RetryPolicy {
    let retry = request.retry.as_ref();
    let budget = retry
        .and_then(|r| r.budget)
        .unwrap_or_else(|| RETRY_BUDGET + polling.map(Polling::duration).unwrap_or_default());
    RetryPolicy {
        max_retries,
        budget,
        resend_after_reset: is_idempotent(&http_request.method)
            || retry.is_some_and(|r| r.unsafe_methods),
    }
}

fn is_unauthorized(sent: &Result<HttpResponse, HttpError>) -> bool {
    matches!(sent, Ok(response) if response.status == 401)
}

/// How a token refresh after a 401 went.
enum Refreshed {
    /// A new token is on the request: send it again.
    Again,
    /// No new token (the failure is recorded): the 401 is the answer.
    Failed,
    /// The run was interrupted.
    Interrupted,
}

/// A new token in place of the rejected one (unless someone already replaced it).
async fn refresh(
    rejected: Bearer,
    cx: &RequestContext<'_>,
    http_request: &mut HttpRequest,
    result: &mut RequestResult,
) -> Refreshed {
    let transport = cx.transport;
    let refreshing = transport.tokens.refresh(
        &rejected.request,
        &transport.client,
        cx.max_retries,
        &rejected.token,
    );
    match transport.unless_interrupted(refreshing).await {
        None => Refreshed::Interrupted,
        Some(Ok(granted)) => {
            result.notes.push(Note::TokenRefreshed {
                throttled: granted.throttled,
            });
            set_header(
                &mut http_request.headers,
                "Authorization",
                format!("Bearer {}", granted.access_token),
            );
            Refreshed::Again
        }
        Some(Err(error)) => {
            result.hints.extend(error.hint());
            result.failures.push(Failure::Auth(error.to_string()));
            Refreshed::Failed
        }
    }
}

/// The answer to the 401's Digest challenge on the request (sent once: a second 401 is the
/// answer).
fn answer_digest(
    sent: &Result<HttpResponse, HttpError>,
    username: &str,
    password: &str,
    cx: &RequestContext<'_>,
    http_request: &mut HttpRequest,
    result: &mut RequestResult,
) -> Refreshed {
    let challenge = sent.as_ref().ok().and_then(|response| {
        digest::challenge(
            response
                .headers
                .iter()
                .filter(|(name, _)| name == "www-authenticate")
                .map(|(_, value)| value.as_str()),
        )
    });
    let uri = reqwest::Url::parse(&http_request.url)
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        })
        .unwrap_or_else(|_| "/".into());
    let body = match &http_request.body {
        HttpBody::Bytes { data, .. } => Some(data.as_ref()),
        _ => None,
    };
    let method = http_request.method.clone();
    match digest::answer(challenge, username, password, &method, &uri, body) {
        Ok(value) => {
            cx.transport.secrets.add_header_value(&value);
            set_header(&mut http_request.headers, "Authorization", value);
            Refreshed::Again
        }
        Err(error) => {
            result.failures.push(Failure::Auth(error.to_string()));
            Refreshed::Failed
        }
    }
}

/// `retry.until`: the condition, and how often and how long to poll for it.
struct Polling<'a> {
    condition: &'a Condition,
    max_polls: u32,
    every: Duration,
}

impl<'a> Polling<'a> {
    fn of(request: &'a Request) -> Option<Self> {
        let retry = request.retry.as_ref()?;
        Some(Polling {
            condition: retry.until.as_ref()?,
            max_polls: retry.max.unwrap_or(DEFAULT_POLLS).max(1),
            every: retry.every.unwrap_or(DEFAULT_EVERY),
        })
    }

    /// The longest polling may take.
    fn duration(&self) -> Duration {
        self.every * self.max_polls
    }

    /// Whether to send again (after waiting) because the condition is not true yet; when it
    /// never will be within the polls (or the next wait is not `within_budget`), the failure
    /// is recorded.
    async fn again(
        &self,
        response: &HttpResponse,
        cx: &RequestContext<'_>,
        within_budget: bool,
        result: &mut RequestResult,
    ) -> bool {
        let source = &self.condition.source;
        let view = ResponseView::new(response, &cx.transport.secrets);
        let ctx = cx.vars.context_with(&[("response", view.template_value())]);
        let failure = match cx.collection.templates.eval(self.condition.id, &ctx) {
            Ok(value) if value.is_true() => return false,
            Ok(_) if result.polls + 1 < self.max_polls && within_budget => None,
            Ok(_) => Some(Failure::Polling(format!(
                "`{source}` was still not true after {} tries; the last response was {}: {}",
                result.polls + 1,
                response.status,
                crate::check::excerpt(&view.text(), 200, &cx.transport.secrets)
            ))),
            Err(e) => Some(Failure::Polling(format!("retry.until: {e}"))),
        };
        drop(view);
        if let Some(failure) = failure {
            result.failures.push(failure);
            return false;
        }
        result.polls += 1;
        result.notes.push(Note::Polled {
            condition: source.clone(),
            status: response.status,
            every: self.every,
        });
        cx.transport.sleep(self.every).await
    }
}

/// Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2).
fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}
