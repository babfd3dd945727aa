//! The capture stage: what the response reveals is registered as secret, then each capture
//! becomes a variable for the requests after it.

use super::context::RequestContext;
use super::result::{Failure, RequestResult};
use crate::check::outcome::CaptureOutcome;
use crate::check::{self, ResponseView};
use crate::http::HttpResponse;
use crate::model::{Capture, CaptureSource, Request};
use crate::secrets::Secrets;

/// Registers the response's secrets, then evaluates every capture into `cx.vars`: one whose
/// `when` is false is not made; one that selects nothing takes its `default`, or leaves the
/// variable as it was when `optional`.
pub(super) fn capture(
    request: &Request,
    cx: &mut RequestContext<'_>,
    response: &HttpResponse,
    view: &ResponseView<'_>,
    result: &mut RequestResult,
) {
    let secrets = &cx.transport.secrets;
    register_secrets(response, view, secrets);
    for capture in &request.captures {
        let failed = |message: String| Failure::Capture {
            name: capture.name.clone(),
            location: capture.location.clone(),
            message,
        };
        match applies(capture, cx, view) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(message) => {
                result.failures.push(failed(message));
                continue;
            }
        }
        let value = match value_of(capture, cx, view) {
            Err(_) if capture.default.is_some() => capture.default.clone().unwrap_or_default(),
            Err(_) if capture.optional => continue,
            Err(message) => {
                result.failures.push(failed(message));
                continue;
            }
            Ok(value) => value,
        };
        if capture.secret {
            secrets.add(&crate::template::json_to_text(&value));
        }
        cx.vars.set(&capture.name, &value);
        result.captured.push(CaptureOutcome {
            name: capture.name.clone(),
            value,
            secret: capture.secret,
        });
    }
}

/// The captured value: selected from the response, or a `value:` rendered over `response`
/// and the variables (captures made before it included).
fn value_of(
    capture: &Capture,
    cx: &RequestContext<'_>,
    view: &ResponseView<'_>,
) -> Result<serde_json::Value, String> {
    let CaptureSource::Value(value) = &capture.source else {
        return check::eval_capture(capture, view);
    };
    let context = cx.vars.context_with(&[("response", view.template_value())]);
    cx.collection
        .templates
        .render_value(value, &context)
        .map_err(|e| format!("`value`: {e}"))
}

/// Whether the capture's `when` holds (no `when`: always), over `response` and the variables.
fn applies(
    capture: &Capture,
    cx: &RequestContext<'_>,
    view: &ResponseView<'_>,
) -> Result<bool, String> {
    let Some(when) = capture.when else {
        return Ok(true);
    };
    let context = cx.vars.context_with(&[("response", view.template_value())]);
    cx.collection
        .templates
        .eval(when, &context)
        .map(|holds| holds.is_true())
        .map_err(|e| format!("`when`: {e}"))
}

/// Secret response headers, and tokens in a response (a token request made by hand).
fn register_secrets(response: &HttpResponse, view: &ResponseView<'_>, secrets: &Secrets) {
    for (_, value) in response
        .headers
        .iter()
        .filter(|(n, _)| crate::secrets::is_secret_header(n))
    {
        secrets.add_header_value(value);
    }
    if response.body.len() < 1 << 20
        && mentions_token(&response.body)
        && let Ok(json) = view.json()
    {
        secrets.add_credential_fields(json);
    }
}

/// A quick look for `_token"` before parsing a body just to find tokens.
fn mentions_token(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"_token\"").is_some()
}
