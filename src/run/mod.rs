//! The executor: requests in order, each rendered, sent, captured from and checked.
//! It never prints; it tells an `Observer` what happened and returns plain results.

pub mod result;
pub mod vars;

use std::collections::HashMap;

use bytes::Bytes;

use crate::check::{self, CheckContext, ResponseView};
use crate::http::{HttpBody, HttpClient, HttpRequest, MultipartValue};
use crate::model::{Body, Collection, Part, Request};
use crate::template::{TemplateError, Templates, Tpl};
use result::{CollectionResult, Failure, Outcome, RequestResult};
use vars::Vars;

/// Receives results as they happen (the terminal reporter, later others).
pub trait Observer {
    /// A collection is about to run.
    fn collection_started(&mut self, collection: &Collection);
    /// A request finished (or was skipped).
    fn request_finished(&mut self, result: &RequestResult);
}

/// What the run needs besides the collection.
pub struct RunContext<'a> {
    /// The one HTTP client.
    pub client: &'a HttpClient,
    /// Stop after the first failed request.
    pub bail: bool,
    /// Set once a request failed under `bail`: everything after is skipped.
    pub bailed: bool,
    /// Where results go as they happen.
    pub observer: &'a mut dyn Observer,
}

/// Runs a collection's requests in order with the given starting variables.
pub async fn run_collection(
    collection: &Collection,
    mut vars: Vars,
    cx: &mut RunContext<'_>,
) -> CollectionResult {
    cx.observer.collection_started(collection);
    // capture name → request that failed before making it, to explain later undefined variables
    let mut missing_captures: HashMap<String, String> = HashMap::new();
    let mut results = Vec::with_capacity(collection.requests.len());
    for request in &collection.requests {
        let result = if cx.bailed {
            skipped(request)
        } else {
            run_request(collection, request, &mut vars, &missing_captures, cx.client).await
        };
        if result.outcome == Outcome::Failed {
            for capture in &request.captures {
                if !vars.contains(&capture.name) {
                    missing_captures.insert(capture.name.clone(), request.name.clone());
                }
            }
            cx.bailed |= cx.bail;
        }
        cx.observer.request_finished(&result);
        results.push(result);
    }
    CollectionResult {
        name: collection.name.clone(),
        path: collection.path.clone(),
        requests: results,
    }
}

fn skipped(request: &Request) -> RequestResult {
    RequestResult {
        name: request.name.clone(),
        location: request.location.clone(),
        method: method_label(&request.method),
        outcome: Outcome::Skipped,
        request: None,
        response: None,
        failures: Vec::new(),
    }
}

fn method_label(method: &Tpl) -> String {
    match method {
        Tpl::Lit(m) => m.clone(),
        _ => "?".into(),
    }
}

/// One request, in this order: render → send → captures → assertions (all evaluated).
async fn run_request(
    collection: &Collection,
    request: &Request,
    vars: &mut Vars,
    missing_captures: &HashMap<String, String>,
    client: &HttpClient,
) -> RequestResult {
    let mut result = skipped(request);
    result.outcome = Outcome::Failed;
    let ctx = vars.context();
    let http_request = match render_request(collection, request, &ctx) {
        Ok(r) => r,
        Err(failure) => {
            result.failures.push(match failure {
                RenderFailure::Template(error) => template_failure(error, missing_captures),
                RenderFailure::File(message) => Failure::File { message },
            });
            return result;
        }
    };
    result.method = http_request.method.clone();
    let sent = client.send(&http_request).await;
    result.request = Some(http_request);
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            result.failures.push(Failure::Http(error));
            return result;
        }
    };
    let view = ResponseView::new(&response);
    for capture in &request.captures {
        match check::eval_capture(capture, &view) {
            Ok(value) => vars.set(&capture.name, &value),
            Err(message) => result.failures.push(Failure::Capture {
                name: capture.name.clone(),
                location: capture.location.clone(),
                message,
            }),
        }
    }
    let needs_response = request
        .assertions
        .iter()
        .any(|a| matches!(a.subject, crate::model::Subject::Expr { .. }));
    let check_vars = if needs_response {
        vars.context_with(&[("response", view.template_value())])
    } else {
        vars.context()
    };
    let check_cx = CheckContext {
        templates: &collection.templates,
        vars: &check_vars,
    };
    for assertion in &request.assertions {
        result.failures.extend(
            check::eval_assertion(assertion, &view, &check_cx)
                .into_iter()
                .map(Failure::Assertion),
        );
    }
    drop(view);
    // captures run first, but read best in file order
    result
        .failures
        .sort_by_key(|f| f.location().map(|l| (l.line, l.col)));
    result.response = Some(response);
    if result.failures.is_empty() {
        result.outcome = Outcome::Passed;
    }
    result
}

fn template_failure(error: TemplateError, missing_captures: &HashMap<String, String>) -> Failure {
    let cause = error
        .undefined_name()
        .and_then(|name| missing_captures.get(name).map(|request| (name, request)))
        .map(|(name, request)| {
            format!("`{name}` is captured by request `{request}`, which failed")
        });
    Failure::Template {
        message: error.to_string(),
        cause,
    }
}

enum RenderFailure {
    Template(TemplateError),
    File(String),
}

impl From<TemplateError> for RenderFailure {
    fn from(e: TemplateError) -> Self {
        RenderFailure::Template(e)
    }
}

/// Every template of the request rendered into what will be sent.
fn render_request(
    collection: &Collection,
    request: &Request,
    ctx: &minijinja::Value,
) -> Result<HttpRequest, RenderFailure> {
    let t: &Templates = &collection.templates;
    let method = t.render(&request.method, ctx)?.to_ascii_uppercase();
    let mut url = t.render(&request.url, ctx)?;
    if !request.query.is_empty() {
        let mut pairs = Vec::with_capacity(request.query.len());
        for (name, value) in &request.query {
            pairs.push(format!(
                "{}={}",
                encode_query(name),
                encode_query(&t.render_text(value, ctx)?)
            ));
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&pairs.join("&"));
    }
    let mut headers = Vec::with_capacity(request.headers.len());
    for (name, value) in &request.headers {
        headers.push((name.clone(), t.render(value, ctx)?));
    }
    let body = match &request.body {
        None => HttpBody::Empty,
        Some(Body::Json(value)) => HttpBody::Bytes {
            data: Bytes::from(
                serde_json::to_vec(&t.render_value(value, ctx)?).expect("JSON values serialize"),
            ),
            content_type: Some("application/json"),
        },
        Some(Body::Form(fields)) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                form.append_pair(name, &t.render_text(value, ctx)?);
            }
            HttpBody::Bytes {
                data: Bytes::from(form.finish()),
                content_type: Some("application/x-www-form-urlencoded"),
            }
        }
        Some(Body::Multipart(parts)) => {
            let mut fields = Vec::with_capacity(parts.len());
            for (name, part) in parts {
                let value = match part {
                    Part::Text(value) => MultipartValue::Text(t.render_text(value, ctx)?),
                    Part::File(path) => {
                        let path = collection.dir.join(t.render(path, ctx)?);
                        let data = std::fs::read(&path).map_err(|e| {
                            RenderFailure::File(format!("cannot read {}: {e}", path.display()))
                        })?;
                        let file_name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        MultipartValue::File {
                            file_name,
                            data: Bytes::from(data),
                        }
                    }
                };
                fields.push((name.clone(), value));
            }
            HttpBody::Multipart(fields)
        }
        Some(Body::Raw(text)) => HttpBody::Bytes {
            data: Bytes::from(t.render(text, ctx)?),
            content_type: None,
        },
    };
    Ok(HttpRequest {
        method,
        url,
        headers,
        body,
    })
}

/// Characters that must be escaped in a query name or value; `$`, `'`, `(`, `)`, `,`, `:`,
/// `/` stay readable, as OData queries (`$filter=name eq 'x'`) expect.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn encode_query(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_query;

    #[test]
    fn query_encoding_keeps_odata_readable() {
        assert_eq!(encode_query("$top"), "$top");
        assert_eq!(encode_query("name eq 'a&b'"), "name%20eq%20'a%26b'");
        assert_eq!(encode_query("ü+"), "%C3%BC%2B");
    }
}
