//! Redirect policies: up to `MAX_REDIRECTS` hops anywhere (reqwest drops credential headers
//! on a hop to another host), or, for requests that carry credentials in their body, only
//! hops that stay on the same scheme, host and port.

/// The most redirects followed in a row.
const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("too many redirects (more than {MAX_REDIRECTS})")]
    TooMany,
    #[error(
        "the redirect to {to} was not followed: this request carries credentials in its body (a token request), which must not go to another host"
    )]
    OtherHost { to: String },
}

/// The policy when redirects are followed (`follow`) or not; `same_host_only` for requests
/// with credentials in the body.
pub(super) fn policy(follow: bool, same_host_only: bool) -> reqwest::redirect::Policy {
    if !follow {
        return reqwest::redirect::Policy::none();
    }
    if !same_host_only {
        return reqwest::redirect::Policy::limited(MAX_REDIRECTS);
    }
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(Refused::TooMany);
        }
        let first = &attempt.previous()[0];
        let to = attempt.url();
        if first.origin() == to.origin() {
            attempt.follow()
        } else {
            let to = to.origin().ascii_serialization();
            attempt.error(Refused::OtherHost { to })
        }
    })
}
