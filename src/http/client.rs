//! The client: settings, building requests for reqwest, proxies, and polling a loopback
//! answer before parking the thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::decode::{ACCEPT_ENCODING, read_body};
use super::error::{HttpError, HttpErrorKind, Timeouts, classify, innermost_cause};
use super::message::{HttpBody, HttpRequest, HttpResponse, Redirects};
use super::multipart;
use super::proxy::Proxies;
use super::redirect;

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
        }
    }
}

/// The one HTTP client of a run: pooled, keep-alive connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    /// The same, refusing redirects to another host (for requests that carry credentials in
    /// their body: token requests); built when first needed, so start-up pays for one client.
    same_host_client: Arc<OnceLock<reqwest::Client>>,
    /// What the clients are built from.
    settings: Arc<ClientSettings>,
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
        let client = reqwest_client(
            settings,
            &proxies,
            redirect::policy(settings.follow_redirects, false),
        )?;
        Ok(HttpClient {
            client,
            same_host_client: Arc::default(),
            settings: Arc::new(settings.clone()),
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

    async fn exchange(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let built = self.build(request)?;
        let start = Instant::now();
        let client = match request.redirects {
            Redirects::Follow => &self.client,
            Redirects::SameHost => self.same_host_client()?,
        };
        let response = client.execute(built).await.map_err(|e| {
            self.proxies
                .name_in(classify(&e, &self.timeouts), &request.url)
        })?;
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
        })
    }

    fn same_host_client(&self) -> Result<&reqwest::Client, HttpError> {
        if let Some(client) = self.same_host_client.get() {
            return Ok(client);
        }
        let policy = redirect::policy(self.settings.follow_redirects, true);
        let built = reqwest_client(&self.settings, &self.proxies, policy)?;
        Ok(self.same_host_client.get_or_init(|| built))
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
            HttpBody::Multipart(fields) => {
                let (content_type, data) = multipart::encode(fields);
                builder
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(data)
            }
        };
        builder.build().map_err(|e| invalid(innermost_cause(&e)))
    }
}

fn invalid(cause: String) -> HttpError {
    HttpError {
        kind: HttpErrorKind::InvalidRequest,
        cause,
    }
}

/// A reqwest client with the settings, the proxies and a redirect policy.
fn reqwest_client(
    settings: &ClientSettings,
    proxies: &Proxies,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, HttpError> {
    // proxies are set explicitly below (flag, setting, or the standard variables)
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .redirect(redirects)
        // a Referer would carry the URL, query and all, to wherever a redirect points
        .referer(false)
        // header names as browsers, curl and Postman write them (`Content-Type`): HTTP says
        // case does not matter, but servers that log or echo raw requests show it
        .http1_title_case_headers()
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
    for proxy in proxies.for_reqwest().map_err(invalid)? {
        builder = builder.proxy(proxy);
    }
    if settings.compression {
        // a request's own Accept-Encoding wins over this default
        let accept = reqwest::header::HeaderMap::from_iter([(
            reqwest::header::ACCEPT_ENCODING,
            reqwest::header::HeaderValue::from_static(ACCEPT_ENCODING),
        )]);
        builder = builder.default_headers(accept);
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
