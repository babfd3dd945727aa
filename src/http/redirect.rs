//! Redirects, followed by the client itself (not by reqwest) so that each hop's request is
//! known as sent: up to `MAX_REDIRECTS` hops; 301/302 turn a POST into a GET and 303 anything
//! but HEAD, without the body; 307/308 send the same request again. Credentials are not sent
//! to another host (and, once dropped, not sent again on later hops); requests that carry
//! credentials in their body go only where they started.

use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName,
    LOCATION, PROXY_AUTHORIZATION, TRANSFER_ENCODING, WWW_AUTHENTICATE,
};

use super::outgoing::Outgoing;

/// The most redirects followed in a row.
const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refused {
    #[error("too many redirects (more than {MAX_REDIRECTS})")]
    TooMany,
    #[error(
        "the redirect to {to} was not followed: this request carries credentials in its body (a token request), which must not go to another host"
    )]
    OtherHost { to: String },
    #[error("the redirect to {to} was not followed: only http and https are")]
    Scheme { to: String },
}

/// A redirect to follow: the request it leads to, the `Location` as written, and the
/// headers not sent again.
pub(super) struct Hop {
    pub next: Outgoing,
    pub location: String,
    pub dropped: Vec<String>,
}

/// Headers that go only to the host they were written for.
const CREDENTIALS: [HeaderName; 5] = [
    AUTHORIZATION,
    COOKIE,
    HeaderName::from_static("cookie2"),
    PROXY_AUTHORIZATION,
    WWW_AUTHENTICATE,
];

/// Headers that describe a body, dropped with it.
const PAYLOAD: [HeaderName; 4] = [
    CONTENT_TYPE,
    CONTENT_LENGTH,
    CONTENT_ENCODING,
    TRANSFER_ENCODING,
];

/// Where an answer to `current` leads, after `followed` redirects: `None` when it is final (not
/// a redirect, or no usable `Location`). `stay_at` is set to the first URL when the request
/// must stay on the origin it started on.
pub(super) fn next(
    current: &Outgoing,
    status: StatusCode,
    headers: &HeaderMap,
    followed: usize,
    stay_at: Option<&reqwest::Url>,
) -> Result<Option<Hop>, Refused> {
    let post = current.method == reqwest::Method::POST;
    let head = current.method == reqwest::Method::HEAD;
    let becomes_get = match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => post,
        StatusCode::SEE_OTHER => !head,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => false,
        _ => return Ok(None),
    };
    let drops_body = becomes_get || status == StatusCode::SEE_OTHER;
    let Some(location) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Ok(url) = current.url.join(location) else {
        return Ok(None);
    };
    if followed >= MAX_REDIRECTS {
        return Err(Refused::TooMany);
    }
    if !matches!(url.scheme(), "http" | "https") {
        let to = url.to_string();
        return Err(Refused::Scheme { to });
    }
    if let Some(first) = stay_at
        && first.origin() != url.origin()
    {
        let to = url.origin().ascii_serialization();
        return Err(Refused::OtherHost { to });
    }
    let mut next_headers = current.headers.clone();
    let mut dropped = Vec::new();
    let mut drop = |names: &[HeaderName]| {
        for name in names {
            if next_headers.remove(name).is_some() {
                dropped.push(name.as_str().to_string());
            }
        }
    };
    if drops_body {
        drop(&PAYLOAD);
    }
    let other_host = url.host_str() != current.url.host_str()
        || url.port_or_known_default() != current.url.port_or_known_default();
    if other_host {
        drop(&CREDENTIALS);
    }
    let next = Outgoing {
        method: if becomes_get {
            reqwest::Method::GET
        } else {
            current.method.clone()
        },
        url,
        headers: next_headers,
        body: if drops_body {
            None
        } else {
            current.body.clone()
        },
    };
    Ok(Some(Hop {
        next,
        location: location.to_string(),
        dropped,
    }))
}
