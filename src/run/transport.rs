//! What sends a unit's requests and what stops them: the run's shared state (tokens, clock,
//! secrets, the stop signal), and sending or waiting that Ctrl-C cuts short.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::auth::TokenCache;
use crate::http::{HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse};
use crate::secrets::Secrets;

/// Stops a run: after the first failure under `--bail`, or on Ctrl-C.
#[derive(Debug, Default)]
pub struct Stop {
    bail: bool,
    bailed: AtomicBool,
    interrupted: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    /// A stop that also triggers on the first failure when `bail` is set.
    pub fn new(bail: bool) -> Self {
        Stop {
            bail,
            ..Self::default()
        }
    }

    /// Ctrl-C: in-flight requests are cancelled, nothing new starts.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether the run was interrupted.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// A request failed: under `--bail`, nothing more starts.
    pub(super) fn failed(&self) {
        if self.bail {
            self.bailed.store(true, Ordering::SeqCst);
        }
    }

    /// Why nothing more starts, if so.
    pub(super) fn reason(&self) -> Option<&'static str> {
        if self.interrupted() {
            Some("interrupted")
        } else if self.bailed.load(Ordering::SeqCst) {
            Some("after --bail")
        } else {
            None
        }
    }

    async fn wait_interrupt(&self) {
        let notified = self.notify.notified();
        if !self.interrupted() {
            notified.await;
        }
    }
}

/// What every unit of a run shares: OAuth2 tokens, the clock, the stop signal.
#[derive(Clone)]
pub struct Shared {
    /// Tokens shared by every request and unit of the run.
    pub tokens: Arc<TokenCache>,
    /// When the run started (request start times are measured from it).
    pub run_start: std::time::Instant,
    /// Bail and interrupt.
    pub stop: Arc<Stop>,
    /// `--update-snapshots`.
    pub update_snapshots: bool,
    /// How much of each body results keep after a request (`KEPT_BODY_BYTES` for reports).
    pub kept_body_bytes: usize,
    /// The command's secrets: everything learnt while running is registered here.
    pub secrets: Secrets,
}

/// What sends a unit's requests: its client and the run's shared state.
pub(super) struct Transport {
    /// The client for the unit's network settings.
    pub client: HttpClient,
    /// Tokens shared by every request and unit of the run.
    pub tokens: Arc<TokenCache>,
    /// When the run started.
    pub run_start: std::time::Instant,
    /// Bail and interrupt.
    pub stop: Arc<Stop>,
    /// Where credentials, tokens and secret captures are registered.
    pub secrets: Secrets,
}

impl Transport {
    /// Sends with `client` under the run's stop signal.
    pub fn new(shared: &Shared, client: HttpClient) -> Self {
        Transport {
            client,
            tokens: shared.tokens.clone(),
            run_start: shared.run_start,
            stop: shared.stop.clone(),
            secrets: shared.secrets.clone(),
        }
    }

    /// Sends with `client`, never stopped: teardown must finish even after Ctrl-C.
    pub fn unstoppable(shared: &Shared, client: HttpClient) -> Self {
        Transport {
            stop: Arc::new(Stop::default()),
            ..Self::new(shared, client)
        }
    }

    /// Sends a request unless the run is interrupted first.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        self.until_interrupted(self.client.send(request)).await
    }

    /// The work's outcome, or `interrupted` as soon as the run is.
    pub async fn until_interrupted<T>(
        &self,
        work: impl Future<Output = Result<T, HttpError>>,
    ) -> Result<T, HttpError> {
        self.unless_interrupted(work)
            .await
            .unwrap_or_else(|| Err(interrupted()))
    }

    /// The work's output, or `None` as soon as the run is interrupted.
    pub async fn unless_interrupted<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            done = work => Some(done),
            () = self.stop.wait_interrupt() => None,
        }
    }

    /// Waits unless the run is interrupted first; `false` when interrupted.
    pub async fn sleep(&self, wait: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = self.stop.wait_interrupt() => false,
        }
    }
}

/// The error of work cut short by Ctrl-C.
pub(super) fn interrupted() -> HttpError {
    HttpError {
        kind: HttpErrorKind::Cancelled,
        cause: "the run was interrupted".into(),
    }
}
