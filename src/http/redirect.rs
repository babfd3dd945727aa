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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

    fn outgoing(method: reqwest::Method, url: &str) -> Outgoing {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Outgoing {
            method,
            url: reqwest::Url::parse(url).unwrap(),
            headers,
            body: Some(bytes::Bytes::from_static(b"{}")),
        }
    }

    fn to(location: &'static str) -> HeaderMap {
        HeaderMap::from_iter([(LOCATION, HeaderValue::from_static(location))])
    }

    fn hop(method: reqwest::Method, status: u16, location: &'static str) -> Hop {
        let current = outgoing(method, "http://a.test/start");
        let status = StatusCode::from_u16(status).unwrap();
        next(&current, status, &to(location), 0, None)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn methods_and_bodies_change_as_browsers_do() {
        use reqwest::Method;
        for (method, status, becomes, keeps_body) in [
            (Method::POST, 301, Method::GET, false),
            (Method::POST, 302, Method::GET, false),
            (Method::PUT, 302, Method::PUT, true),
            (Method::PUT, 303, Method::GET, false),
            (Method::HEAD, 303, Method::HEAD, false),
            (Method::POST, 307, Method::POST, true),
            (Method::PATCH, 308, Method::PATCH, true),
        ] {
            let hop = hop(method.clone(), status, "/next");
            assert_eq!(hop.next.method, becomes, "{method} {status}");
            assert_eq!(hop.next.body.is_some(), keeps_body, "{method} {status}");
            assert_eq!(hop.next.headers.contains_key(CONTENT_TYPE), keeps_body);
            assert_eq!(hop.next.url.as_str(), "http://a.test/next");
        }
    }

    #[test]
    fn credentials_dropped_for_another_host_stay_dropped() {
        let away = hop(reqwest::Method::GET, 302, "http://b.test/hop");
        assert_eq!(away.dropped, ["authorization"]);
        let on = next(&away.next, StatusCode::FOUND, &to("/end"), 1, None)
            .unwrap()
            .unwrap();
        assert!(!on.next.headers.contains_key(AUTHORIZATION));
        assert!(on.dropped.is_empty());
        let same = hop(reqwest::Method::GET, 302, "http://a.test:80/x");
        assert!(same.next.headers.contains_key(AUTHORIZATION));
    }

    #[test]
    fn what_is_not_followed() {
        let current = outgoing(reqwest::Method::POST, "http://a.test/token");
        let first = current.url.clone();
        let other = to("http://b.test/steal");
        let refused = next(
            &current,
            StatusCode::TEMPORARY_REDIRECT,
            &other,
            0,
            Some(&first),
        );
        assert!(matches!(refused, Err(Refused::OtherHost { .. })));
        let too_many = next(
            &current,
            StatusCode::FOUND,
            &to("/again"),
            MAX_REDIRECTS,
            None,
        );
        assert!(matches!(too_many, Err(Refused::TooMany)));
        let scheme = next(&current, StatusCode::FOUND, &to("ftp://a.test/x"), 0, None);
        assert!(matches!(scheme, Err(Refused::Scheme { .. })));
        let final_answer = next(&current, StatusCode::OK, &to("/x"), 0, None);
        assert!(matches!(final_answer, Ok(None)));
        let no_location = next(&current, StatusCode::FOUND, &HeaderMap::new(), 0, None);
        assert!(matches!(no_location, Ok(None)));
    }
}
