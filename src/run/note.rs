//! What happened on the way to a request's answer (a token fetched, a resend, a poll, pages
//! followed), as data: the reporters word it (`report::note`).

use std::time::Duration;

use crate::http::RetryCause;

/// One thing that happened on the way, shown with `-v` and kept in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A token was fetched for the request's `auth:` (not reused).
    TokenFetched {
        /// The token endpoint.
        url: String,
        /// Throttled answers the token endpoint gave first.
        throttled: u32,
    },
    /// The API answered 401: a new token was fetched and the request sent again.
    TokenRefreshed {
        /// Throttled answers the token endpoint gave first.
        throttled: u32,
    },
    /// The request was sent again after a wait.
    Retried {
        /// Why.
        cause: RetryCause,
        /// How long it waited.
        wait: Duration,
        /// The attempt that followed (1-based).
        attempt: u32,
    },
    /// The request was worth sending again, but retries or the budget were used up.
    NotRetried {
        /// Why it was worth it.
        cause: RetryCause,
        /// Retries made.
        retries: u32,
        /// The budget for them.
        budget: Duration,
    },
    /// `retry.until` was not true yet: polled again.
    Polled {
        /// The condition as written.
        condition: String,
        /// The status of the answer that did not satisfy it.
        status: u16,
        /// The wait before the next poll.
        every: Duration,
    },
    /// `paginate:` followed more than one page.
    PagesFollowed(usize),
    /// Throttled page requests that were sent again.
    PagesResent(u32),
}
