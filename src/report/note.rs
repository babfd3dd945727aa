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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(note: Note) -> String {
        note.to_string()
    }

    #[test]
    fn every_note_reads_as_before_the_notes_were_typed() {
        let throttled = RetryCause::Throttled {
            status: 429,
            retry_after: true,
        };
        let cases = [
            (
                Note::TokenFetched {
                    url: "http://127.0.0.1:9/token".into(),
                    throttled: 0,
                },
                "fetched a token from http://127.0.0.1:9/token",
            ),
            (
                Note::TokenFetched {
                    url: "http://127.0.0.1:9/token".into(),
                    throttled: 2,
                },
                "fetched a token from http://127.0.0.1:9/token (after 2 throttled answers)",
            ),
            (
                Note::TokenRefreshed { throttled: 1 },
                "the API answered 401: fetched a new token (after 1 throttled answer) and sent \
                 the request again",
            ),
            (
                Note::Retried {
                    cause: throttled,
                    wait: Duration::from_millis(250),
                    attempt: 2,
                },
                "429 Too Many Requests, Retry-After: waited 250 ms before attempt 2",
            ),
            (
                Note::Retried {
                    cause: RetryCause::Reset,
                    wait: Duration::from_millis(1500),
                    attempt: 3,
                },
                "connection reset: waited 1.5 s before attempt 3",
            ),
            (
                Note::NotRetried {
                    cause: RetryCause::Throttled {
                        status: 503,
                        retry_after: false,
                    },
                    retries: 3,
                    budget: Duration::from_secs(120),
                },
                "503 Service Unavailable: not retried again (3 retries made, budget 2m)",
            ),
            (
                Note::Polled {
                    condition: "response.json.done".into(),
                    status: 202,
                    every: Duration::from_secs(1),
                },
                "until `response.json.done` not true yet (status 202): polling again in 1.0 s",
            ),
            (Note::PagesFollowed(3), "followed 3 pages"),
            (
                Note::PagesResent(1),
                "1 throttled page request (429/503) was sent again",
            ),
            (
                Note::PagesResent(2),
                "2 throttled page requests (429/503) were sent again",
            ),
        ];
        for (note, expected) in cases {
            assert_eq!(words(note), expected);
        }
        assert_eq!(AfterThrottled(0).to_string(), "");
    }
}
