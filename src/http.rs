//! HTTP: the one place that turns a rendered request into bytes on the wire and the answer
//! into a `HttpResponse`. Knows reqwest, nothing of YAML or templates.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

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
    /// The connection was reset or closed before a response came.
    Reset,
    /// The body was larger than allowed.
    TooLarge,
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
            HttpErrorKind::Reset => "connection reset",
            HttpErrorKind::TooLarge => "response too large",
            HttpErrorKind::Cancelled => "cancelled",
        })
    }
}

/// Client-wide settings, resolved (collection `settings:` and flags merged).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientSettings {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Follow up to 10 redirects (credentials are not sent to another host).
    pub follow_redirects: bool,
    /// A cookie jar for the run.
    pub cookies: bool,
    /// Accept any certificate.
    pub insecure: bool,
    /// Extra root certificates (PEM).
    pub ca_cert: Option<Vec<u8>>,
    /// Client certificate and key (PEM), for mTLS.
    pub identity: Option<Vec<u8>>,
    /// Proxy for every request (the standard proxy variables apply otherwise).
    pub proxy: Option<String>,
    /// HTTP/2 with prior knowledge.
    pub http2: bool,
    /// Larger responses fail.
    pub max_response_bytes: u64,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            follow_redirects: true,
            cookies: true,
            insecure: false,
            ca_cert: None,
            identity: None,
            proxy: None,
            http2: false,
            max_response_bytes: 50 * 1024 * 1024,
        }
    }
}

/// The one HTTP client of a run: pooled, keep-alive connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    max_response_bytes: u64,
    /// URLs parsed before: a run sends the same few URLs again and again.
    parsed_urls: Arc<Mutex<HashMap<String, reqwest::Url>>>,
}

/// How many parsed URLs a client keeps (all are dropped when it is full), and the longest it
/// keeps: the cache stays small whatever the URLs.
const PARSED_URLS_KEPT: usize = 256;
const PARSED_URL_MAX_LEN: usize = 2048;

impl HttpClient {
    /// Builds the client.
    pub fn new(settings: &ClientSettings) -> Result<HttpClient, HttpError> {
        let invalid = |cause: String| HttpError {
            kind: HttpErrorKind::InvalidRequest,
            cause,
        };
        let redirects = if settings.follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        };
        // proxies are set explicitly below (flag, setting, or the standard variables)
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .redirect(redirects)
            .cookie_store(settings.cookies)
            .danger_accept_invalid_certs(settings.insecure)
            .user_agent(concat!("runner/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &settings.ca_cert {
            for cert in reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| invalid(format!("ca_cert: {}", innermost_cause(&e))))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &settings.identity {
            let identity = reqwest::Identity::from_pem(pem)
                .map_err(|e| invalid(format!("client certificate: {}", innermost_cause(&e))))?;
            builder = builder.identity(identity);
        }
        for proxy in proxies(settings.proxy.as_deref()).map_err(invalid)? {
            builder = builder.proxy(proxy);
        }
        if settings.http2 {
            builder = builder.http2_prior_knowledge();
        }
        let client = builder.build().map_err(|e| classify(&e))?;
        Ok(HttpClient {
            client,
            max_response_bytes: settings.max_response_bytes,
            parsed_urls: Arc::default(),
        })
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        poll_before_park(self.exchange(request)).await
    }

    /// Sends, and again after a throttled answer (429/503) while `max_retries` and
    /// [`RETRY_BUDGET`] last, waiting as `Retry-After` says or else backing off: the last
    /// answer, and how many throttled answers came before it.
    pub async fn send_through_throttling(
        &self,
        request: &HttpRequest,
        max_retries: u32,
    ) -> Result<(HttpResponse, u32), HttpError> {
        let started = Instant::now();
        let mut throttled = 0;
        loop {
            let response = self.send(request).await?;
            if !is_throttled(response.status) || throttled >= max_retries {
                return Ok((response, throttled));
            }
            let wait = retry_after(&response).unwrap_or_else(|| backoff(throttled));
            if started.elapsed() + wait > RETRY_BUDGET {
                return Ok((response, throttled));
            }
            throttled += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn exchange(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
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
        let body = self.read_body(response).await?;
        Ok(HttpResponse {
            status,
            version,
            headers,
            body,
            duration: start.elapsed(),
        })
    }

    /// Reads the body, refusing to hold more than `max_response_bytes`.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Bytes, HttpError> {
        let limit = self.max_response_bytes;
        let too_large = || HttpError {
            kind: HttpErrorKind::TooLarge,
            cause: format!("the response body exceeds max_response_bytes ({limit} bytes)"),
        };
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        // sized once from Content-Length: no doubling and copying of large bodies
        let expected = response.content_length().unwrap_or(0).min(limit);
        let mut body = bytes::BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn parse_url(&self, text: &str) -> Result<reqwest::Url, String> {
        let parsed = || self.parsed_urls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(url) = parsed().get(text) {
            return Ok(url.clone());
        }
        let url = reqwest::Url::parse(text).map_err(|e| e.to_string())?;
        if text.len() <= PARSED_URL_MAX_LEN {
            let mut parsed = parsed();
            if parsed.len() >= PARSED_URLS_KEPT {
                parsed.clear();
            }
            parsed.insert(text.to_string(), url.clone());
        }
        Ok(url)
    }

    fn build(&self, request: &HttpRequest) -> Result<reqwest::Request, HttpError> {
        let invalid = |cause: String| HttpError {
            kind: HttpErrorKind::InvalidRequest,
            cause,
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| invalid(format!("`{}` is not an HTTP method", request.method)))?;
        let url = self
            .parse_url(&request.url)
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

/// How long a sequential run keeps polling for a response before it parks the thread. A fast
/// (loopback) server answers sooner than a parked thread is woken again, on a virtual machine
/// especially, so parking at once adds a wake-up to every request; polling first costs at most
/// this much CPU per request, and nothing measurable beside a remote server's latency.
const POLL_BEFORE_PARK: Duration = Duration::from_micros(300);

/// Awaits `future`, first polling it and the I/O driver without blocking for up to
/// [`POLL_BEFORE_PARK`]. Only on a current-thread runtime (a sequential run): with worker
/// threads (`--jobs`), a polling worker would take a core from the other requests.
async fn poll_before_park<F: Future>(future: F) -> F::Output {
    use std::task::Poll;
    use tokio::runtime::{Handle, RuntimeFlavor};

    let mut future = std::pin::pin!(future);
    if Handle::current().runtime_flavor() == RuntimeFlavor::CurrentThread {
        let start = Instant::now();
        while start.elapsed() < POLL_BEFORE_PARK {
            let polled = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
            if let Poll::Ready(output) = polled {
                return output;
            }
            // the current-thread scheduler checks for I/O, without blocking, before it
            // resumes a yielded task
            tokio::task::yield_now().await;
        }
    }
    future.await
}

/// Retries of one request (throttling, resets) may take this long in all unless
/// `retry.budget` says otherwise; a token request's retries too.
pub const RETRY_BUDGET: Duration = Duration::from_secs(120);
/// First backoff wait; doubled per retry, at most `MAX_BACKOFF`.
const BASE_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether a status asks the client to come back later: 429 Too Many Requests or
/// 503 Service Unavailable.
pub fn is_throttled(status: u16) -> bool {
    status == 429 || status == 503
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(response: &HttpResponse) -> Option<Duration> {
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
pub fn backoff(retries: u32) -> Duration {
    let full = BASE_BACKOFF
        .saturating_mul(1 << retries.min(16))
        .min(MAX_BACKOFF);
    full.mul_f64(0.5 + fastrand::f64() / 2.0)
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
    } else if was_reset(e) {
        HttpErrorKind::Reset
    } else {
        HttpErrorKind::Transport
    };
    HttpError {
        kind,
        cause: innermost_cause(e),
    }
}

/// The proxy of `--proxy`/`settings.proxy`, else those of HTTPS_PROXY/HTTP_PROXY (either
/// case); NO_PROXY applies to both, and loopback (a `--mock` server) is never proxied.
fn proxies(explicit: Option<&str>) -> Result<Vec<reqwest::Proxy>, String> {
    let env = |name: &str| {
        std::env::var(name)
            .or_else(|_| std::env::var(name.to_ascii_lowercase()))
            .ok()
            .filter(|v| !v.trim().is_empty())
    };
    let no_proxy = reqwest::NoProxy::from_string(&format!(
        "127.0.0.1,localhost,::1,{}",
        env("NO_PROXY").unwrap_or_default()
    ));
    let make = |url: &str, all: bool, https: bool| {
        let proxy = if all {
            reqwest::Proxy::all(url)
        } else if https {
            reqwest::Proxy::https(url)
        } else {
            reqwest::Proxy::http(url)
        };
        proxy
            .map(|p| p.no_proxy(no_proxy.clone()))
            .map_err(|e| format!("proxy `{url}`: {}", innermost_cause(&e)))
    };
    if let Some(url) = explicit {
        return Ok(vec![make(url, true, true)?]);
    }
    let mut out = Vec::new();
    if let Some(url) = env("HTTPS_PROXY") {
        out.push(make(&url, false, true)?);
    }
    if let Some(url) = env("HTTP_PROXY") {
        out.push(make(&url, false, false)?);
    }
    Ok(out)
}

/// A reset or early close anywhere in the error chain (safe to retry idempotent requests).
fn was_reset(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        if let Some(hyper) = err.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled())
        {
            return true;
        }
        current = err.source();
    }
    false
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
}
