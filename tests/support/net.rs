//! Servers below the HTTP framework, for what axum will not do: a raw TCP server that answers
//! with scripted bytes or drops the connection, a forwarding HTTP proxy that records its use,
//! and a TLS server (rustls) with a private CA made by rcgen, optionally requiring a client
//! certificate. Every one binds 127.0.0.1:0, stops on drop and in any case after `LIFETIME`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::body::Body;
use tokio::sync::oneshot;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// No server here outlives this, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(120);
/// The most a request head may take.
const MAX_HEAD: usize = 64 * 1024;

/// What the raw server does with a connection, after reading the request.
pub enum Reply {
    /// Close the connection without answering.
    Drop,
    /// Write these bytes, then close.
    Bytes(Vec<u8>),
}

/// A complete HTTP/1.1 response that closes the connection.
pub fn http_response(status: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// One request the raw server or the proxy read.
#[derive(Clone, Debug)]
pub struct RawRequest {
    /// `GET /path HTTP/1.1` (for the proxy, the absolute-form line it received).
    pub line: String,
    /// The head's header lines.
    pub headers: Vec<String>,
    pub at: Instant,
}

type Seen = Arc<Mutex<Vec<RawRequest>>>;

/// Accepts on its own thread until stopped; each connection handled on a thread by `handle`.
struct Acceptor {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    fn start(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Acceptor {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let handle = Arc::new(handle);
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                        let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                        let handle = handle.clone();
                        std::thread::spawn(move || handle(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Acceptor {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads a request head (and its body, by Content-Length); `None` if the peer closed first.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > MAX_HEAD || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(16 * 1024 * 1024)];
    stream.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn parse_head(head: &str) -> RawRequest {
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    RawRequest {
        line: lines.next().unwrap_or_default().to_string(),
        headers: lines.map(str::to_string).collect(),
        at: Instant::now(),
    }
}

/// A TCP server on 127.0.0.1 that reads each request and answers as `script(n, request)`
/// says (`n` counts requests from 1), one request per connection.
pub struct RawServer {
    seen: Seen,
    acceptor: Acceptor,
}

impl RawServer {
    pub fn start(
        script: impl Fn(usize, &RawRequest) -> Reply + Send + Sync + 'static,
    ) -> RawServer {
        let seen = Seen::default();
        let log = seen.clone();
        let acceptor = Acceptor::start(move |mut stream| {
            let Some((head, _body)) = read_request(&mut stream) else {
                return;
            };
            let request = parse_head(&head);
            let n = {
                let mut log = log.lock().unwrap();
                log.push(request.clone());
                log.len()
            };
            match script(n, &request) {
                Reply::Drop => drop(stream),
                Reply::Bytes(bytes) => {
                    let _ = stream.write_all(&bytes);
                    let _ = stream.flush();
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                    // let the client read everything before the socket goes
                    let mut rest = [0u8; 1024];
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                    while matches!(stream.read(&mut rest), Ok(n) if n > 0) {}
                }
            }
        });
        RawServer { seen, acceptor }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.acceptor.addr)
    }

    /// The requests read so far, oldest first.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.seen.lock().unwrap().clone()
    }
}

/// A forwarding HTTP proxy on 127.0.0.1 for plain `http://` URLs: reads the absolute-form
/// request line, records it, sends the request in origin form with `Connection: close` to
/// 127.0.0.1 on the URL's port (whatever the host name: tests may use names that resolve
/// nowhere, so that only the proxy can reach them), and pipes the answer back.
pub struct Proxy {
    seen: Seen,
    acceptor: Acceptor,
}

impl Proxy {
    pub fn start() -> Proxy {
        let seen = Seen::default();
        let log = seen.clone();
        let acceptor = Acceptor::start(move |mut client| {
            let Some((head, body)) = read_request(&mut client) else {
                return;
            };
            let request = parse_head(&head);
            log.lock().unwrap().push(request.clone());
            let mut parts = request.line.splitn(3, ' ');
            let (method, target, version) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or("HTTP/1.1"),
            );
            let Some(rest) = target.strip_prefix("http://") else {
                let _ = client.write_all(&http_response("400 Bad Request", &[], b"not absolute"));
                return;
            };
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            // every host is on this machine: names need not resolve
            let port = authority.rsplit(':').next().unwrap_or("80");
            let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")) else {
                let _ = client.write_all(&http_response("502 Bad Gateway", &[], b"no upstream"));
                return;
            };
            let _ = upstream.set_read_timeout(Some(Duration::from_secs(30)));
            let mut out = format!("{method} {path} {version}\r\n");
            for header in &request.headers {
                let name = header.split(':').next().unwrap_or("").trim();
                let hop_by_hop = ["connection", "proxy-connection", "keep-alive"];
                if !hop_by_hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
                    out.push_str(header);
                    out.push_str("\r\n");
                }
            }
            out.push_str("connection: close\r\n\r\n");
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            if upstream.write_all(&bytes).is_err() {
                return;
            }
            let _ = std::io::copy(&mut upstream, &mut client);
            let _ = client.flush();
        });
        Proxy { seen, acceptor }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.acceptor.addr)
    }

    /// The request lines the proxy received (absolute form), oldest first.
    pub fn request_lines(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.line.clone())
            .collect()
    }
}

/// A private CA with a server certificate for `localhost` and `127.0.0.1` and a client
/// certificate, all made fresh; PEM files written into a folder.
pub struct Pki {
    pub ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
    /// `ca.pem`, `client.pem`, `client.key` (and `server.pem`) are in here.
    pub dir: PathBuf,
}

impl Pki {
    /// Makes the certificates and writes the PEM files into `dir`.
    pub fn generate(dir: &Path) -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "runner test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = server_params.signed_by(&server_key, &ca).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "runner test client");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = client_params.signed_by(&client_key, &ca).unwrap();

        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
        std::fs::write(dir.join("client.pem"), client.pem()).unwrap();
        std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
        Pki {
            ca_der: ca.der().clone(),
            server_der: server.der().clone(),
            server_key_der: server_key.serialize_der(),
            dir: dir.to_path_buf(),
        }
    }

    fn server_config(&self, require_client_cert: bool) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions");
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca_der.clone()).expect("CA as a root");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
        builder
            .with_single_cert(vec![self.server_der.clone()], key)
            .expect("server certificate")
    }
}

/// An HTTPS server on 127.0.0.1 answering every request with
/// `{"tls": true, "client_cert": BOOL}`; records handshake failures and served requests.
pub struct TlsServer {
    addr: SocketAddr,
    /// Client certificate presented, per request served.
    served: Arc<Mutex<Vec<bool>>>,
    /// Why handshakes failed.
    failed: Arc<Mutex<Vec<String>>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsServer {
    pub fn start(pki: &Pki, require_client_cert: bool) -> TlsServer {
        let config = Arc::new(pki.server_config(require_client_cert));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(Mutex::new(Vec::new()));
        let failed = Arc::new(Mutex::new(Vec::new()));
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let (served_log, failed_log) = (served.clone(), failed.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                let deadline = tokio::time::sleep(LIFETIME);
                tokio::pin!(deadline);
                loop {
                    let tcp = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((tcp, _)) => tcp,
                            Err(_) => continue,
                        },
                        _ = &mut stop => break,
                        () = &mut deadline => break,
                    };
                    let acceptor = acceptor.clone();
                    let (served, failed) = (served_log.clone(), failed_log.clone());
                    tokio::spawn(async move {
                        let tls = match acceptor.accept(tcp).await {
                            Ok(tls) => tls,
                            Err(e) => {
                                failed.lock().unwrap().push(e.to_string());
                                return;
                            }
                        };
                        let client_cert = tls.get_ref().1.peer_certificates().is_some();
                        let service = hyper::service::service_fn(move |_request| {
                            let served = served.clone();
                            async move {
                                served.lock().unwrap().push(client_cert);
                                let body =
                                    serde_json::json!({"tls": true, "client_cert": client_cert});
                                hyper::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Body::from(body.to_string()))
                            }
                        });
                        let io = hyper_util::rt::TokioIo::new(tls);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    });
                }
            });
        });
        TlsServer {
            addr,
            served,
            failed,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `https://localhost:PORT`.
    pub fn localhost_url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// For each request served: whether the client presented a certificate.
    pub fn served(&self) -> Vec<bool> {
        self.served.lock().unwrap().clone()
    }

    /// Why handshakes failed, oldest first.
    pub fn failed_handshakes(&self) -> Vec<String> {
        self.failed.lock().unwrap().clone()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            for _ in 0..100 {
                if thread.is_finished() {
                    let _ = thread.join();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}
