//! HTTP: the one place that turns a rendered request into bytes on the wire and the answer
//! into a `HttpResponse`. Knows reqwest, nothing of YAML or templates.

use std::fmt;
use std::time::{Duration, Instant};

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

/// Why no response was had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {cause}")]
pub struct HttpError {
    /// What kind of failure.
    pub kind: HttpErrorKind,
    /// The innermost cause, in one line.
    pub cause: String,
}

/// Classes of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpErrorKind {
    /// The URL or a header could not be used.
    InvalidRequest,
    /// TCP/TLS connection could not be made.
    Connect,
    /// No response within the timeout.
    Timeout,
    /// Anything else (reset, protocol error, body read).
    Transport,
    /// Cancelled by Ctrl-C.
    Cancelled,
}

impl fmt::Display for HttpErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpErrorKind::InvalidRequest => "invalid request",
            HttpErrorKind::Connect => "connection failed",
            HttpErrorKind::Timeout => "timed out",
            HttpErrorKind::Transport => "transport error",
            HttpErrorKind::Cancelled => "cancelled",
        })
    }
}

/// Client-wide settings.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Whole-request timeout.
    pub timeout: Duration,
}

/// The one HTTP client of a run: pooled, keep-alive connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    /// Builds the client.
    pub fn new(settings: &ClientSettings) -> Result<HttpClient, HttpError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("runner/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| classify(&e))?;
        Ok(HttpClient { client })
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let built = self.build(request)?;
        let start = Instant::now();
        let response = self.client.execute(built).await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let version = format!("{:?}", response.version());
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(|e| classify(&e))?;
        Ok(HttpResponse {
            status,
            version,
            headers,
            body,
            duration: start.elapsed(),
        })
    }

    fn build(&self, request: &HttpRequest) -> Result<reqwest::Request, HttpError> {
        let invalid = |cause: String| HttpError {
            kind: HttpErrorKind::InvalidRequest,
            cause,
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| invalid(format!("`{}` is not an HTTP method", request.method)))?;
        let url = reqwest::Url::parse(&request.url)
            .map_err(|e| invalid(format!("`{}` is not a valid URL: {e}", request.url)))?;
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let has_content_type = request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        builder = match &request.body {
            HttpBody::Empty => builder,
            HttpBody::Bytes { data, content_type } => {
                if let (Some(ct), false) = (content_type, has_content_type) {
                    builder = builder.header(reqwest::header::CONTENT_TYPE, *ct);
                }
                builder.body(data.clone())
            }
            HttpBody::Multipart(fields) => builder.multipart(multipart_form(fields)),
        };
        builder.build().map_err(|e| invalid(innermost_cause(&e)))
    }
}

fn multipart_form(fields: &[(String, MultipartValue)]) -> reqwest::multipart::Form {
    fields.iter().fold(
        reqwest::multipart::Form::new(),
        |form, (name, value)| match value {
            MultipartValue::Text(text) => form.text(name.clone(), text.clone()),
            MultipartValue::File { file_name, data } => form.part(
                name.clone(),
                reqwest::multipart::Part::stream(data.clone()).file_name(file_name.clone()),
            ),
        },
    )
}

fn classify(e: &reqwest::Error) -> HttpError {
    let kind = if e.is_timeout() {
        HttpErrorKind::Timeout
    } else if e.is_connect() {
        HttpErrorKind::Connect
    } else if e.is_builder() {
        HttpErrorKind::InvalidRequest
    } else {
        HttpErrorKind::Transport
    };
    HttpError {
        kind,
        cause: innermost_cause(e),
    }
}

/// The most specific message in an error's source chain ("Connection refused (os error 111)").
fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    let text = current.to_string();
    if text.is_empty() { e.to_string() } else { text }
}
