//! When to send a request again: the one retry policy of API, token and page requests.

use std::time::{Duration, Instant, SystemTime};

use super::client::HttpClient;
use super::error::{HttpError, HttpErrorKind};
use super::message::{HttpRequest, HttpResponse};

/// How a request is sent again: after a throttled answer (429/503), waiting as `Retry-After`
/// says or else backing off, and after a reset connection when resending is safe; all within
/// a number of retries and a time budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Resends allowed.
    pub max_retries: u32,
    /// The time from the first send that waiting may not go beyond.
    pub budget: Duration,
    /// Whether a reset connection may be sent again (the method is idempotent, or the
    /// request allows it).
    pub resend_after_reset: bool,
}

/// Why a request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// 429 Too Many Requests or 503 Service Unavailable.
    Throttled {
        /// The status.
        status: u16,
        /// Whether the answer said how long to wait (`Retry-After`).
        retry_after: bool,
    },
    /// The connection was reset before an answer came.
    Reset,
}

/// What to do after a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextSend {
    /// The answer (or error) is final: nothing to send again for.
    Final,
    /// Worth sending again, but the retries or the budget are used up.
    Exhausted(RetryCause),
    /// Send again after this wait.
    After(Duration, RetryCause),
}

impl RetryPolicy {
    /// Throttling only, within [`RETRY_BUDGET`]: token and page requests.
    pub fn throttling(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            budget: RETRY_BUDGET,
            resend_after_reset: false,
        }
    }

    /// What to do after `sent`, with `retries` made so far and `elapsed` since the first send.
    pub fn next_send(
        &self,
        sent: &Result<HttpResponse, HttpError>,
        retries: u32,
        elapsed: Duration,
    ) -> NextSend {
        let (wait, cause) = match sent {
            Ok(response) if is_throttled(response.status) => {
                let advertised = retry_after(response);
                let cause = RetryCause::Throttled {
                    status: response.status,
                    retry_after: advertised.is_some(),
                };
                (advertised.unwrap_or_else(|| backoff(retries)), cause)
            }
            Err(e) if e.kind == HttpErrorKind::Reset && self.resend_after_reset => {
                (backoff(retries), RetryCause::Reset)
            }
            _ => return NextSend::Final,
        };
        if retries >= self.max_retries || elapsed + wait > self.budget {
            NextSend::Exhausted(cause)
        } else {
            NextSend::After(wait, cause)
        }
    }
}

impl HttpClient {
    /// Sends, and again as `policy` says: the last answer, and how many resends came before it.
    pub async fn send_retrying(
        &self,
        request: &HttpRequest,
        policy: RetryPolicy,
    ) -> Result<(HttpResponse, u32), HttpError> {
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let sent = self.send(request).await;
            match policy.next_send(&sent, retries, started.elapsed()) {
                NextSend::After(wait, _) => {
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
                NextSend::Final | NextSend::Exhausted(_) => {
                    return sent.map(|response| (response, retries));
                }
            }
        }
    }
}

/// Retries of one request (throttling, resets) may take this long in all unless
/// `retry.budget` says otherwise; a token request's retries too.
pub const RETRY_BUDGET: Duration = Duration::from_secs(120);
/// First backoff wait; doubled per retry, at most `MAX_BACKOFF`.
const BASE_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether a status asks the client to come back later: 429 Too Many Requests or
/// 503 Service Unavailable.
fn is_throttled(status: u16) -> bool {
    status == 429 || status == 503
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(response: &HttpResponse) -> Option<Duration> {
    let value = response.header("retry-after")?;
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Exponential backoff with jitter: 0.5–1× of 500 ms · 2^retries, at most 30 s.
fn backoff(retries: u32) -> Duration {
    let full = BASE_BACKOFF
        .saturating_mul(1 << retries.min(16))
        .min(MAX_BACKOFF);
    full.mul_f64(0.5 + fastrand::f64() / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response_with(retry_after: &str) -> HttpResponse {
        HttpResponse {
            status: 429,
            version: "HTTP/1.1".into(),
            headers: vec![("retry-after".into(), retry_after.into())],
            body: bytes::Bytes::new(),
            duration: Duration::ZERO,
            wire: None,
            sent: None,
        }
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(
            retry_after(&response_with("3")),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = retry_after(&response_with(&later)).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        assert_eq!(retry_after(&response_with("soon")), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for retries in 0..20 {
            let full = BASE_BACKOFF
                .saturating_mul(1 << retries.min(16))
                .min(MAX_BACKOFF);
            let wait = backoff(retries);
            assert!(wait >= full / 2 && wait <= full, "{retries}: {wait:?}");
        }
    }

    fn answer(status: u16) -> Result<HttpResponse, HttpError> {
        Ok(HttpResponse {
            status,
            headers: Vec::new(),
            ..response_with("0")
        })
    }

    fn reset() -> Result<HttpResponse, HttpError> {
        Err(HttpError {
            kind: HttpErrorKind::Reset,
            cause: "connection reset by peer".into(),
        })
    }

    #[test]
    fn the_policy_waits_as_retry_after_says_within_retries_and_budget() {
        let policy = RetryPolicy::throttling(2);
        let throttled = RetryCause::Throttled {
            status: 429,
            retry_after: true,
        };
        let sent = Ok(response_with("3"));
        assert_eq!(
            policy.next_send(&sent, 0, Duration::ZERO),
            NextSend::After(Duration::from_secs(3), throttled)
        );
        assert_eq!(
            policy.next_send(&sent, 2, Duration::ZERO),
            NextSend::Exhausted(throttled)
        );
        assert_eq!(
            policy.next_send(&sent, 0, RETRY_BUDGET - Duration::from_secs(2)),
            NextSend::Exhausted(throttled)
        );
        assert_eq!(
            policy.next_send(&answer(200), 0, Duration::ZERO),
            NextSend::Final
        );
        assert_eq!(
            policy.next_send(&answer(500), 0, Duration::ZERO),
            NextSend::Final
        );
    }

    #[test]
    fn the_policy_backs_off_without_retry_after_and_resends_resets_only_when_safe() {
        let throttling = RetryPolicy::throttling(3);
        match throttling.next_send(&answer(503), 1, Duration::ZERO) {
            NextSend::After(wait, cause) => {
                assert!(wait >= Duration::from_millis(500) && wait <= Duration::from_secs(1));
                assert_eq!(
                    cause,
                    RetryCause::Throttled {
                        status: 503,
                        retry_after: false
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            throttling.next_send(&reset(), 0, Duration::ZERO),
            NextSend::Final
        );
        let idempotent = RetryPolicy {
            resend_after_reset: true,
            ..throttling
        };
        assert!(matches!(
            idempotent.next_send(&reset(), 0, Duration::ZERO),
            NextSend::After(_, RetryCause::Reset)
        ));
    }
}
