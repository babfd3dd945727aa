//! How `-v` writes a request and its response: the request as sent (every header on the
//! wire, each redirect hop), masked, then cut, then control characters escaped.

use std::fmt::Write as _;

use super::escape::escape_controls;
use super::paint::DIM;
use crate::http::{HttpBody, HttpRequest, HttpResponse, MultipartValue, Redirected};
use crate::secrets::Secrets;

/// The headers a redirect drops with the body (the others it drops are credentials).
const PAYLOAD_HEADERS: [&str; 4] = [
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
];

/// Header values that must never be shown (issue: secrets never leak).
fn shown_header_value<'v>(name: &str, value: &'v str) -> std::borrow::Cow<'v, str> {
    if !crate::secrets::is_secret_header(name) {
        return value.into();
    }
    match value.split_once(' ') {
        Some((scheme, _)) if name.to_ascii_lowercase().ends_with("authorization") => {
            format!("{scheme} ***").into()
        }
        _ => "***".into(),
    }
}

/// How `-v` writes a request or response: masked, then cut, then control characters escaped.
pub(super) struct Dump<'s> {
    pub secrets: &'s Secrets,
    pub body_limit: Option<usize>,
}

impl Dump<'_> {
    /// The request as sent and each redirect it followed (from the answer's record), or as
    /// rendered when there was no answer; then the answer.
    pub fn exchange(
        &self,
        out: &mut String,
        request: Option<&HttpRequest>,
        response: Option<&HttpResponse>,
    ) {
        match (response.and_then(|r| r.sent.as_deref()), request) {
            (Some(sent), _) => {
                self.request_head(
                    out,
                    &sent.first.method,
                    &sent.first.url,
                    &sent.first.headers,
                );
                if let Some(request) = request {
                    self.request_body(out, request);
                }
                let mut method = sent.first.method.as_str();
                for hop in &sent.redirects {
                    self.redirect(out, method, hop);
                    method = &hop.next.method;
                }
            }
            (None, Some(request)) => {
                self.request_head(out, &request.method, &request.url, &request.headers);
                self.request_body(out, request);
            }
            (None, None) => {}
        }
        if let Some(response) = response {
            self.response(out, response);
        }
    }

    fn request_head(
        &self,
        out: &mut String,
        method: &str,
        url: &str,
        headers: &[(String, String)],
    ) {
        let url = self.secrets.mask(url);
        let _ = writeln!(out, "    {DIM}>{DIM:#} {method} {}", escape_controls(&url));
        for (name, value) in headers {
            self.header(out, '>', name, value);
        }
    }

    /// A redirect of a `method` request followed: its status and `Location`, what was not
    /// sent again, the next request as sent.
    fn redirect(&self, out: &mut String, method: &str, hop: &Redirected) {
        let location = self.secrets.mask(&hop.location);
        let _ = writeln!(
            out,
            "    {DIM}<{DIM:#} {} redirect to {}",
            hop.status,
            escape_controls(&location)
        );
        let (payload, credentials): (Vec<&str>, Vec<&str>) = hop
            .dropped
            .iter()
            .map(String::as_str)
            .partition(|name| PAYLOAD_HEADERS.contains(name));
        if !credentials.is_empty() {
            let names = credentials.join(", ");
            let _ = writeln!(out, "    {DIM}· another host: {names} not sent{DIM:#}");
        }
        if !payload.is_empty() {
            let next = &hop.next.method;
            let became = if next == method {
                String::new()
            } else {
                format!(" ({method} becomes {next})")
            };
            let _ = writeln!(out, "    {DIM}· the body is not sent again{became}{DIM:#}");
        }
        let next = &hop.next;
        self.request_head(out, &next.method, &next.url, &next.headers);
    }

    fn request_body(&self, out: &mut String, request: &HttpRequest) {
        match &request.body {
            HttpBody::Empty => {}
            HttpBody::Bytes { data, .. } => self.body(out, '>', data),
            HttpBody::Multipart(fields) => {
                for (name, value) in fields {
                    let shown = match value {
                        MultipartValue::Text(text) => self.secrets.mask(text).into_owned(),
                        MultipartValue::File { file_name, data } => {
                            format!("[file {file_name}, {} bytes]", data.len())
                        }
                    };
                    let _ = writeln!(
                        out,
                        "    {DIM}>{DIM:#} [{name}] {}",
                        escape_controls(&shown)
                    );
                }
            }
        }
    }

    fn response(&self, out: &mut String, response: &HttpResponse) {
        let _ = writeln!(
            out,
            "    {DIM}<{DIM:#} {} {}",
            response.version, response.status
        );
        for (name, value) in &response.headers {
            self.header(out, '<', name, value);
        }
        if let Some(wire) = &response.wire {
            let _ = writeln!(
                out,
                "    {DIM}<{DIM:#} ({}: {} bytes on the wire, {} decoded)",
                wire.content_encoding, wire.encoded_bytes, wire.decoded_bytes
            );
        }
        self.body(out, '<', &response.body);
    }

    fn header(&self, out: &mut String, arrow: char, name: &str, value: &str) {
        let shown = shown_header_value(name, value);
        let _ = writeln!(
            out,
            "    {DIM}{arrow}{DIM:#} {}: {}",
            escape_controls(name),
            escape_controls(&self.secrets.mask(&shown))
        );
    }

    fn body(&self, out: &mut String, arrow: char, body: &[u8]) {
        if body.is_empty() {
            return;
        }
        let _ = writeln!(out, "    {DIM}{arrow}{DIM:#}");
        let text = String::from_utf8_lossy(body);
        let cut = self
            .secrets
            .mask_then_cut(&text, self.body_limit.unwrap_or(usize::MAX));
        for line in cut.text.lines() {
            let _ = writeln!(out, "    {DIM}{arrow}{DIM:#} {}", escape_controls(line));
        }
        if cut.left_out > 0 {
            let _ = writeln!(out, "    {DIM}{arrow} … {} more bytes{DIM:#}", cut.left_out);
        }
    }
}
