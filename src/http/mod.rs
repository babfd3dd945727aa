//! HTTP: the one place that turns a rendered request into bytes on the wire and the answer
//! into a `HttpResponse`. Knows reqwest, nothing of YAML or templates.
//!
//! `message` holds what is sent and received, `error` why nothing was, `client` the sending,
//! `outgoing` a request with every header it goes out with, `redirect` the hops followed,
//! `decode` the reading of (compressed) bodies within their limit, `retry` the one policy for
//! sending again after throttling or a reset.

mod client;
mod decode;
mod error;
mod message;
mod multipart;
mod outgoing;
mod proxy;
mod redirect;
mod retry;

pub use client::{ClientSettings, HttpClient};
pub use error::{HttpError, HttpErrorKind};
pub use message::{
    HttpBody, HttpRequest, HttpResponse, MultipartValue, Redirected, Redirects, Sent, SentRequest,
    WireEncoding,
};
pub use retry::{NextSend, RETRY_BUDGET, RetryCause, RetryPolicy};
