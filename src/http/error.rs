//! Why no response was had: the error type of the HTTP layer and how reqwest's errors map to it.

use std::fmt;
use std::time::Duration;

/// Why no response was had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}{}{cause}", if *.kind == HttpErrorKind::Timeout { " " } else { ": " })]
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

/// The time limits of a client, named by the errors they cause.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// `--timeout`.
    pub total: Duration,
    /// `--connect-timeout`.
    pub connect: Duration,
}

pub(super) fn classify(e: &reqwest::Error, timeouts: &Timeouts) -> HttpError {
    if e.is_timeout() {
        // a timeout is shown as `timed out CAUSE`
        let cause = if e.is_connect() {
            let limit = humantime::format_duration(timeouts.connect);
            format!("while connecting, after {limit} (--connect-timeout)")
        } else {
            format!(
                "after {} (--timeout)",
                humantime::format_duration(timeouts.total)
            )
        };
        return HttpError {
            kind: HttpErrorKind::Timeout,
            cause,
        };
    }
    let cause = innermost_cause(e);
    let kind = if e.is_connect() {
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
        cause: tls_cause(&cause).unwrap_or(cause),
    }
}

/// A TLS failure in words with what to do, instead of rustls's names of its error variants
/// (`invalid peer certificate: UnknownIssuer`); `None` for other causes.
fn tls_cause(cause: &str) -> Option<String> {
    const TRUST_HINT: &str =
        "hint: trust its CA with --ca-cert FILE, or accept any certificate with -k";
    if let Some(what) = cause.strip_prefix("invalid peer certificate: ") {
        let reason = if what.contains("UnknownIssuer") {
            "is signed by a certificate authority that is not trusted".to_string()
        } else if what.contains("NotValidForName") {
            "is not valid for this host name".to_string()
        } else if what.contains("Expired") {
            "has expired".to_string()
        } else if what.contains("NotValidYet") {
            "is not valid yet".to_string()
        } else {
            format!("was refused ({what})")
        };
        return Some(format!(
            "the server's TLS certificate {reason}; {TRUST_HINT}"
        ));
    }
    let alert = cause.strip_prefix("received fatal alert: ")?;
    let hint = if alert.contains("Certificate") {
        "; hint: the server may require a client certificate (--cert FILE --key FILE)"
    } else {
        ""
    };
    Some(format!(
        "the server refused the TLS handshake ({alert}){hint}"
    ))
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
pub(super) fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    let text = current.to_string();
    if text.is_empty() { e.to_string() } else { text }
}
