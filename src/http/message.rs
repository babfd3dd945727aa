//! The messages: a rendered request to send and a response read completely.

use std::time::Duration;

use bytes::Bytes;

/// A request with every template rendered.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: HttpBody,
    /// Where redirects may lead.
    pub redirects: Redirects,
}

/// Where a request's redirects may lead (when redirects are followed at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Anywhere; credential headers are not sent to another host.
    Follow,
    /// Only to the same scheme, host and port: the request carries credentials in its body (a
    /// token request), which a 307/308 to another host would send there.
    SameHost,
}

/// A rendered body.
#[derive(Debug, Clone)]
pub enum HttpBody {
    /// No body.
    Empty,
    /// Bytes with the content type to set unless the user set one.
    Bytes {
        /// The payload.
        data: Bytes,
        /// Default Content-Type.
        content_type: Option<&'static str>,
    },
    /// multipart/form-data fields.
    Multipart(Vec<(String, MultipartValue)>),
}

/// One multipart field.
#[derive(Debug, Clone)]
pub enum MultipartValue {
    /// A text value.
    Text(String),
    /// A file's contents.
    File {
        /// The file name sent in Content-Disposition.
        file_name: String,
        /// The contents.
        data: Bytes,
    },
}

/// A response read completely.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// HTTP version, e.g. `HTTP/1.1`.
    pub version: String,
    /// Headers in order; names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// From sending to the last body byte.
    pub duration: Duration,
    /// How the body travelled, when it came compressed and was decoded.
    pub wire: Option<WireEncoding>,
    /// What was sent to get this answer, when the client records it (`-v`).
    pub sent: Option<Box<Sent>>,
}

/// What went on the wire for one answer: the first request and each redirect followed.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The request as sent first.
    pub first: SentRequest,
    /// Each redirect followed, in order; the last request is the one answered.
    pub redirects: Vec<Redirected>,
}

/// A request as it was sent: every header on the wire, the ones the runner adds included.
#[derive(Debug, Clone)]
pub struct SentRequest {
    /// Upper-case method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Every header in the order sent; names lower-case.
    pub headers: Vec<(String, String)>,
}

/// A redirect followed: the answer that caused it and the request sent next.
#[derive(Debug, Clone)]
pub struct Redirected {
    /// The redirect's status (301, 302, 303, 307, 308).
    pub status: u16,
    /// Its `Location`, as the server wrote it.
    pub location: String,
    /// Headers of the request not sent again (lower-case): credentials on a hop to another
    /// host, the body's own when the method became GET.
    pub dropped: Vec<String>,
    /// The request sent next.
    pub next: SentRequest,
}

/// The wire facts of a decoded body (`-v` shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEncoding {
    /// The `Content-Encoding` the server sent, e.g. `gzip`.
    pub content_encoding: String,
    /// Bytes read from the network.
    pub encoded_bytes: u64,
    /// Bytes after decoding (the body the checks see).
    pub decoded_bytes: u64,
}

impl HttpResponse {
    /// All values of a header (case-insensitive), joined with `, `; `None` if absent.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}
