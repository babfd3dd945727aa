//! Run results → the report model, every string masked where it enters the report (with the
//! run's `Secrets`), so the model holds no secret and report files need no second pass.

use serde_json::Value;

use super::model::{CaptureReport, MessageReport, RequestReport, Shard, UnitReport};
use crate::check::outcome::AssertOutcome;
use crate::diagnostic::Sources;
use crate::http::{HttpBody, HttpRequest, HttpResponse, MultipartValue};
use crate::run::result::{CollectionResult, Outcome, RequestResult};
use crate::secrets::{MASK, Secrets};

/// Bodies are kept in reports up to this many bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// What a report needs to know about the run besides its results.
pub struct RunInfo {
    /// When the run started.
    pub started_at: std::time::SystemTime,
    /// Wall time.
    pub duration: std::time::Duration,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// The shard, if any.
    pub shard: Option<Shard>,
}

impl<'s> UnitBuilder<'s> {
    /// A builder masking with `secrets`; `keep_bodies` keeps the bodies of requests that did
    /// not fail too (failures always keep theirs).
    pub fn new(secrets: &'s Secrets, keep_bodies: bool) -> UnitBuilder<'s> {
        UnitBuilder {
            secrets,
            sources: Sources::default(),
            keep_bodies,
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Builds the model a unit at a time; masks text as it enters.
pub struct UnitBuilder<'s> {
    secrets: &'s Secrets,
    /// Collection files, read when a failure in them is shown.
    sources: Sources,
    /// Keep the bodies of passing and skipped requests too.
    keep_bodies: bool,
}

impl UnitBuilder<'_> {
    /// The text with every known secret masked.
    fn text(&self, text: &str) -> String {
        self.secrets.mask(text).into_owned()
    }

    /// The report of one finished unit.
    pub fn unit(&mut self, result: &CollectionResult) -> UnitReport {
        UnitReport {
            collection: self.text(&result.name),
            file: self.text(&result.path.display().to_string()),
            iteration: result.iteration,
            label: result.label.as_deref().map(|l| self.text(l)),
            requests: result.requests.iter().map(|r| self.request(r)).collect(),
        }
    }

    fn request(&mut self, r: &RequestResult) -> RequestReport {
        let mut errors = Vec::with_capacity(r.failures.len());
        for failure in &r.failures {
            let text = self.sources.with_source_line(failure.diagnostic()).text();
            errors.push(self.text(&text));
        }
        RequestReport {
            name: self.text(&r.name),
            location: self.text(&r.location.to_string()),
            method: self.text(&r.method),
            url: r.request.as_ref().map(|q| self.text(&q.url)),
            status: r.response.as_ref().map(|s| s.status),
            outcome: r.outcome,
            skip_reason: r.skip_reason.as_deref().map(|s| self.text(s)),
            pulled_in_by: r.pulled_in_by.as_deref().map(|s| self.text(s)),
            attempts: r.attempts,
            retries: r.retries,
            waits_ms: r.waits.iter().map(|w| millis(*w)).collect(),
            flaky: r.flaky(),
            started_ms: millis(r.started),
            duration_ms: r.duration().map(millis),
            assertions: r.checks.iter().map(|a| self.assertion(a)).collect(),
            captures: r
                .captured
                .iter()
                .map(|c| CaptureReport {
                    name: self.text(&c.name),
                    value: if c.secret {
                        Value::String(MASK.into())
                    } else {
                        self.secrets.mask_value(&c.value)
                    },
                    secret: c.secret,
                })
                .collect(),
            errors,
            hints: r.hints.iter().map(|h| self.text(h)).collect(),
            notes: r.notes.iter().map(|n| self.text(&n.to_string())).collect(),
            request: r
                .request
                .as_ref()
                .map(|q| self.request_message(q, self.keeps_body(r))),
            response: r.response.as_ref().map(|response| {
                self.response_message(response, r.response_size, self.keeps_body(r))
            }),
        }
    }

    /// Bodies are kept for failures, and for every request when asked.
    fn keeps_body(&self, r: &RequestResult) -> bool {
        self.keep_bodies || r.outcome == Outcome::Failed
    }

    fn assertion(&self, a: &AssertOutcome) -> AssertOutcome {
        a.masked(self.secrets)
    }

    /// A body as text, masked and then cut at `BODY_LIMIT` (a secret across the cut is
    /// masked whole).
    fn body_text(&self, body: &[u8]) -> String {
        self.secrets
            .mask_then_cut(&String::from_utf8_lossy(body), BODY_LIMIT)
            .text
    }

    fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| (self.text(name), self.text(value)))
            .collect()
    }

    fn request_message(&self, request: &HttpRequest, keep_body: bool) -> MessageReport {
        let (body, body_bytes) = match &request.body {
            HttpBody::Empty => (String::new(), 0),
            HttpBody::Bytes { data, .. } => (self.body_text(data), data.len()),
            HttpBody::Multipart(fields) => {
                let text: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| match value {
                        MultipartValue::Text(t) => format!("[{name}] {t}"),
                        MultipartValue::File { file_name, data } => {
                            format!("[{name}] file {file_name}, {} bytes", data.len())
                        }
                    })
                    .collect();
                let text = text.join("\n");
                let len = text.len();
                (text, len)
            }
        };
        MessageReport {
            headers: self.headers(&request.headers),
            body: if keep_body {
                self.text(&body)
            } else {
                String::new()
            },
            body_bytes,
        }
    }

    fn response_message(
        &self,
        response: &HttpResponse,
        full_size: Option<usize>,
        keep_body: bool,
    ) -> MessageReport {
        MessageReport {
            headers: self.headers(&response.headers),
            body: if keep_body {
                self.body_text(&response.body)
            } else {
                String::new()
            },
            body_bytes: full_size.unwrap_or(response.body.len()),
        }
    }
}
