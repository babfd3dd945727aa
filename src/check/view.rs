//! The response as checks see it: headers, text, the JSON body parsed at most once (or a
//! simple path read straight from the text), and `response` for templates.

use std::cell::OnceCell;

use serde_json::Value;

use crate::http::HttpResponse;
use crate::query::{self, Query};
use crate::secrets::Secrets;

/// A response as assertions and captures see it.
pub struct ResponseView<'r> {
    pub(super) response: &'r HttpResponse,
    /// Masked in the excerpts a failure shows, before they are cut.
    pub(super) secrets: &'r Secrets,
    json: OnceCell<Result<Value, String>>,
    pages: usize,
}

impl<'r> ResponseView<'r> {
    /// Wraps a response; excerpts of it are masked with `secrets`.
    pub fn new(response: &'r HttpResponse, secrets: &'r Secrets) -> Self {
        ResponseView {
            response,
            secrets,
            json: OnceCell::new(),
            pages: 1,
        }
    }

    /// A response joined from several pages (`response.pages` in expressions).
    pub fn with_pages(mut self, pages: usize) -> Self {
        self.pages = pages;
        self
    }

    /// All values of a header, joined; `None` if absent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.header(name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.response.body).into_owned()
    }

    /// The body parsed as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<&Value, &str> {
        self.json
            .get_or_init(|| {
                serde_json::from_slice(&self.response.body).map_err(|e| {
                    format!(
                        "the body is not JSON ({e}); it starts with: {}",
                        excerpt(&self.text(), 80, self.secrets)
                    )
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// `response` as templates see it: status, headers, json, body, duration_ms.
    pub fn template_value(&self) -> minijinja::Value {
        let headers: serde_json::Map<String, Value> = self
            .response
            .headers
            .iter()
            .map(|(n, _)| {
                (
                    n.to_ascii_lowercase(),
                    Value::String(self.response.header(n).unwrap_or_default()),
                )
            })
            .collect();
        let view = serde_json::json!({
            "status": self.response.status,
            "headers": headers,
            "json": self.json().ok().cloned().unwrap_or(Value::Null),
            "body": self.text(),
            "duration_ms": duration_ms(self.response),
            "pages": self.pages,
        });
        minijinja::Value::from_serialize(&view)
    }

    pub(super) fn select(&self, query: &Query) -> Result<Option<Value>, String> {
        // a simple path on a body not parsed yet: read just that node from the text
        if let (Some(steps), None) = (&query.steps, self.json.get())
            && let Some(selected) = query::select_in_text(steps, &self.response.body)
        {
            return Ok(selected);
        }
        Ok(query::select(query, self.json().map_err(str::to_string)?))
    }
}

pub(super) fn duration_ms(response: &HttpResponse) -> u64 {
    u64::try_from(response.duration.as_millis()).unwrap_or(u64::MAX)
}

/// The first `max` characters of a text, masked before it is cut, on one line.
pub fn excerpt(text: &str, max: usize, secrets: &Secrets) -> String {
    excerpt_masked(&secrets.mask(text), max)
}

/// The first `max` characters of a text whose secrets are masked already, on one line.
pub(super) fn excerpt_masked(masked: &str, max: usize) -> String {
    let end = masked
        .char_indices()
        .nth(max)
        .map_or(masked.len(), |(at, _)| at);
    let cut = crate::secrets::cut_masked(masked, end);
    let flat: String = cut
        .text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if cut.left_out > 0 {
        format!("{flat}…")
    } else {
        flat
    }
}
