//! A request as it goes out. Every header is set here, explicitly (`User-Agent`, `Accept`,
//! `Accept-Encoding`, `Content-Type` with its boundary, `Content-Length`, the jar's `Cookie`),
//! so that reqwest adds none of its own and what `-v` shows is what is sent; hyper adds only
//! `Host` over HTTP/1, which the record adds by hyper's rule.

use std::time::Duration;

use bytes::Bytes;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, HeaderMap, HeaderName,
    HeaderValue, USER_AGENT,
};

use super::message::{HttpBody, HttpRequest, Redirected, Sent, SentRequest};
use super::multipart;

/// `User-Agent` unless a request sets its own.
const RUNNER_AGENT: &str = concat!("runner/", env!("CARGO_PKG_VERSION"));

/// A request ready to go, and to go again after a redirect.
pub(super) struct Outgoing {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    /// The request's own headers, the runner's defaults and the body's; not the jar's
    /// cookies, which belong to the URL and are added as it is sent.
    pub headers: HeaderMap,
    /// The body, whole (a 307 or 308 sends it again).
    pub body: Option<Bytes>,
}

impl Outgoing {
    /// `request` with every header it is sent with; `accept_encoding` unless it sets its own.
    pub(super) fn new(
        request: &HttpRequest,
        method: reqwest::Method,
        url: reqwest::Url,
        accept_encoding: Option<&'static str>,
    ) -> Result<Outgoing, String> {
        let mut headers = HeaderMap::with_capacity(request.headers.len() + 6);
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a valid header name"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header `{name}` holds a control character"))?;
            headers.append(name, value);
        }
        let body = match &request.body {
            HttpBody::Empty => None,
            HttpBody::Bytes { data, content_type } => {
                if let Some(content_type) = content_type {
                    default(&mut headers, CONTENT_TYPE, content_type);
                }
                Some(data.clone())
            }
            HttpBody::Multipart(fields) => {
                let (content_type, data) = multipart::encode(fields);
                // the boundary must be the body's, whatever the request says
                let content_type =
                    HeaderValue::from_str(&content_type).map_err(|e| e.to_string())?;
                headers.insert(CONTENT_TYPE, content_type);
                Some(data)
            }
        };
        default(&mut headers, USER_AGENT, RUNNER_AGENT);
        default(&mut headers, ACCEPT, "*/*");
        if let Some(accept_encoding) = accept_encoding {
            default(&mut headers, ACCEPT_ENCODING, accept_encoding);
        }
        if let Some(body) = &body {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        Ok(Outgoing {
            method,
            url,
            headers,
            body,
        })
    }

    /// The reqwest request: these headers, the jar's cookies for the URL unless the request
    /// sets `Cookie` itself, and the time left of the whole exchange.
    pub(super) fn to_send(&self, jar: Option<&Jar>, time_left: Duration) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        let headers = request.headers_mut();
        headers.clone_from(&self.headers);
        if let Some(jar) = jar
            && !headers.contains_key(COOKIE)
            && let Some(cookies) = jar.cookies(&self.url)
        {
            headers.insert(COOKIE, cookies);
        }
        *request.body_mut() = self.body.clone().map(reqwest::Body::from);
        *request.timeout_mut() = Some(time_left);
        request
    }
}

/// Sets `name` unless the request set it.
fn default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert_with(|| HeaderValue::from_static(value));
}

/// The request as it is about to be sent (`Host` is added once the version is known).
pub(super) fn record(request: &reqwest::Request) -> SentRequest {
    SentRequest {
        method: request.method().as_str().to_string(),
        url: request.url().as_str().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), value)
            })
            .collect(),
    }
}

/// The head as hyper writes it once the version is known: over HTTP/1, names in title case
/// (the client sets `http1_title_case_headers`) and the URL's `Host` last when the request
/// has none, its port unless it is the scheme's default.
pub(super) fn as_written(sent: &mut SentRequest, url: &reqwest::Url, version: reqwest::Version) {
    if version >= reqwest::Version::HTTP_2 {
        return;
    }
    let has_host = sent.headers.iter().any(|(n, _)| n == HOST.as_str());
    if !has_host {
        let host = url.host_str().unwrap_or_default();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        sent.headers.push((HOST.as_str().to_string(), host));
    }
    for (name, _) in &mut sent.headers {
        *name = title_case(name);
    }
}

/// `content-type` → `Content-Type`: each letter after the start or a `-` in upper case.
fn title_case(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let shown = if upper { c.to_ascii_uppercase() } else { c };
            upper = c == '-';
            shown
        })
        .collect()
}

/// What a client records while it follows an answer's redirects (`-v`).
#[derive(Default)]
pub(super) struct Recorder {
    sent: Option<Sent>,
    /// The redirect whose next request is about to be sent: status, location, dropped.
    hop: Option<(u16, String, Vec<String>)>,
}

impl Recorder {
    /// A request was sent: the first, or the one the last redirect led to.
    pub(super) fn sent(&mut self, request: SentRequest) {
        match (&mut self.sent, self.hop.take()) {
            (Some(sent), Some((status, location, dropped))) => sent.redirects.push(Redirected {
                status,
                location,
                dropped,
                next: request,
            }),
            _ => {
                self.sent = Some(Sent {
                    first: request,
                    redirects: Vec::new(),
                });
            }
        }
    }

    /// A redirect is followed: the next request sent belongs to it.
    pub(super) fn redirected(&mut self, status: u16, location: String, dropped: Vec<String>) {
        self.hop = Some((status, location, dropped));
    }

    /// Everything sent.
    pub(super) fn finish(self) -> Option<Box<Sent>> {
        self.sent.map(Box::new)
    }
}
