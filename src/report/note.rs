//! The words for what happened on the way to an answer: every reporter shows a `Note` (and the
//! `token` command the throttled answers) in this text.

use std::fmt;
use std::time::Duration;

use crate::http::RetryCause;
use crate::run::note::Note;

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::TokenFetched { url, throttled } => {
                write!(
                    f,
                    "fetched a token from {url}{}",
                    AfterThrottled(*throttled)
                )
            }
            Note::TokenRefreshed { throttled } => write!(
                f,
                "the API answered 401: fetched a new token{} and sent the request again",
                AfterThrottled(*throttled)
            ),
            Note::Retried {
                cause,
                wait,
                attempt,
            } => write!(
                f,
                "{}: waited {} before attempt {attempt}",
                Cause(*cause),
                Wait(*wait)
            ),
            Note::NotRetried {
                cause,
                retries,
                budget,
            } => write!(
                f,
                "{}: not retried again ({retries} retries made, budget {})",
                Cause(*cause),
                humantime::format_duration(*budget)
            ),
            Note::Polled {
                condition,
                status,
                every,
            } => write!(
                f,
                "until `{condition}` not true yet (status {status}): polling again in {}",
                Wait(*every)
            ),
            Note::PagesFollowed(pages) => write!(f, "followed {pages} pages"),
            Note::PagesResent(1) => {
                f.write_str("1 throttled page request (429/503) was sent again")
            }
            Note::PagesResent(n) => {
                write!(f, "{n} throttled page requests (429/503) were sent again")
            }
        }
    }
}

/// ` (after N throttled answers)` when a token endpoint made us wait, else nothing.
pub struct AfterThrottled(pub u32);

impl fmt::Display for AfterThrottled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            1 => f.write_str(" (after 1 throttled answer)"),
            n => write!(f, " (after {n} throttled answers)"),
        }
    }
}

/// `429 Too Many Requests, Retry-After`, `503 Service Unavailable`, `connection reset`.
struct Cause(RetryCause);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            RetryCause::Throttled {
                status,
                retry_after,
            } => write!(
                f,
                "{status} {}{}",
                if status == 429 {
                    "Too Many Requests"
                } else {
                    "Service Unavailable"
                },
                if retry_after { ", Retry-After" } else { "" }
            ),
            RetryCause::Reset => f.write_str("connection reset"),
        }
    }
}

/// `250 ms` below a second, `1.5 s` above.
struct Wait(Duration);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(1) {
            write!(f, "{} ms", self.0.as_millis())
        } else {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        }
    }
}
