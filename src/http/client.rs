//! The client: settings, building requests for reqwest, proxies, and polling a loopback
//! answer before parking the thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::decode::{ACCEPT_ENCODING, read_body};
use super::error::{HttpError, HttpErrorKind, Timeouts, classify, innermost_cause};
use super::message::{HttpRequest, HttpResponse, Redirects};
use super::outgoing::{self, Outgoing, Recorder};
use super::proxy::Proxies;
use super::redirect;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::SET_COOKIE;

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
    /// Larger responses (decoded) fail.
    pub max_response_bytes: u64,
    /// Send `Accept-Encoding` and decode compressed responses.
    pub compression: bool,
    /// Keep each request as sent, redirects included, on its response (`-v`).
    pub record_sent: bool,
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
            compression: true,
            record_sent: false,
        }
    }
}

/// The one HTTP client of a run: pooled, keep-alive connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    /// The run's cookies (`cookies: true`), sent and stored here rather than by reqwest, so
    /// that the `Cookie` sent is known.
    jar: Option<Arc<Jar>>,
    follow_redirects: bool,
    /// `Accept-Encoding` for requests that set none (compression is on).
    accept_encoding: Option<&'static str>,
    /// Keep each request as sent, redirects included (`-v`).
    record: bool,
    max_response_bytes: u64,
    /// Decode compressed bodies (compression is on).
    decode_bodies: bool,
    /// The limits timeouts name.
    timeouts: Timeouts,
    /// The proxies used, named when one cannot be reached.
    proxies: Arc<Proxies>,
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
        let proxies = Proxies::resolve(settings.proxy.as_deref()).map_err(invalid)?;
        let client = reqwest_client(settings, &proxies)?;
        Ok(HttpClient {
            client,
            jar: settings.cookies.then(Arc::default),
            follow_redirects: settings.follow_redirects,
            accept_encoding: settings.compression.then_some(ACCEPT_ENCODING),
            record: settings.record_sent,
            max_response_bytes: settings.max_response_bytes,
            decode_bodies: settings.compression,
            proxies: Arc::new(proxies),
            timeouts: Timeouts {
                total: settings.timeout,
                connect: settings.connect_timeout,
            },
            parsed_urls: Arc::default(),
        })
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        poll_before_park(self.exchange(request)).await
    }

    /// Sends `request`, follows its redirects, reads the final answer; the whole within the
    /// timeout.
    async fn exchange(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let start = Instant::now();
        let (response, recorder) = self.follow(request, start).await?;
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
        let (body, wire) = read_body(
            response,
            self.max_response_bytes,
            self.decode_bodies,
            &self.timeouts,
        )
        .await?;
        Ok(HttpResponse {
            status,
            version,
            headers,
            body,
            duration: start.elapsed(),
            wire,
            sent: recorder.finish(),
        })
    }

    /// Sends `request` and each request its redirects lead to: the final answer, its body
    /// unread, and what was sent (when recording).
    async fn follow(
        &self,
        request: &HttpRequest,
        start: Instant,
    ) -> Result<(reqwest::Response, Recorder), HttpError> {
        let mut outgoing = self.outgoing(request)?;
        let stay_at = (request.redirects == Redirects::SameHost).then(|| outgoing.url.clone());
        let mut recorder = Recorder::default();
        let mut followed = 0;
        loop {
            let time_left = self.timeouts.total.saturating_sub(start.elapsed());
            let built = outgoing.to_send(self.jar.as_deref(), time_left);
            let mut sent = self.record.then(|| outgoing::record(&built));
            let response = self.client.execute(built).await.map_err(|e| {
                let error = classify(&e, &self.timeouts);
                self.proxies.name_in(error, outgoing.url.as_str())
            })?;
            if let Some(mut sent) = sent.take() {
                outgoing::as_written(&mut sent, &outgoing.url, response.version());
                recorder.sent(sent);
            }
            if let Some(jar) = &self.jar {
                let mut set = response.headers().get_all(SET_COOKIE).iter();
                jar.set_cookies(&mut set, &outgoing.url);
            }
            let status = response.status();
            let hop = if self.follow_redirects {
                redirect::next(
                    &outgoing,
                    status,
                    response.headers(),
                    followed,
                    stay_at.as_ref(),
                )
                .map_err(|refused| transport(refused.to_string()))?
            } else {
                None
            };
            let Some(hop) = hop else {
                return Ok((response, recorder));
            };
            // read to the end, so that the connection can be used again
            read_body(response, self.max_response_bytes, false, &self.timeouts).await?;
            recorder.redirected(status.as_u16(), hop.location, hop.dropped);
            outgoing = hop.next;
            followed += 1;
        }
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

    /// The request with every header it goes out with.
    fn outgoing(&self, request: &HttpRequest) -> Result<Outgoing, HttpError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| invalid(format!("`{}` is not an HTTP method", request.method)))?;
        let url = self
            .parse_url(&request.url)
            .map_err(|e| invalid(format!("`{}` is not a valid URL: {e}", request.url)))?;
        Outgoing::new(request, method, url, self.accept_encoding).map_err(invalid)
    }
}

fn invalid(cause: String) -> HttpError {
    HttpError {
        kind: HttpErrorKind::InvalidRequest,
        cause,
    }
}

fn transport(cause: String) -> HttpError {
    HttpError {
        kind: HttpErrorKind::Transport,
        cause,
    }
}

/// A reqwest client with the settings and the proxies; it follows no redirect, keeps no
/// cookie and adds no header of its own (the client does all three).
fn reqwest_client(
    settings: &ClientSettings,
    proxies: &Proxies,
) -> Result<reqwest::Client, HttpError> {
    // proxies are set explicitly below (flag, setting, or the standard variables)
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        // header names as browsers, curl and Postman write them (`Content-Type`): HTTP says
        // case does not matter, but servers that log or echo raw requests show it
        .http1_title_case_headers()
        .danger_accept_invalid_certs(settings.insecure);
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
    for proxy in proxies.for_reqwest().map_err(invalid)? {
        builder = builder.proxy(proxy);
    }
    if settings.http2 {
        builder = builder.http2_prior_knowledge();
    }
    builder.build().map_err(|e| invalid(innermost_cause(&e)))
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
