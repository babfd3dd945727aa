//! Rendering a request: every template of it evaluated into the `HttpRequest` to send.

use std::collections::HashMap;
use std::path::PathBuf;

use bytes::Bytes;

use super::result::Failure;
use crate::http::{HttpBody, HttpRequest, MultipartValue, Redirects};
use crate::model::{Body, Collection, Part, Request};
use crate::secrets::Secrets;
use crate::template::{TemplateError, Templates, Tpl};
use crate::urlencode::encode_query;

/// Why a request could not be rendered.
pub enum RenderFailure {
    /// A template failed.
    Template(TemplateError),
    /// A multipart file could not be read.
    File(String),
}

impl From<TemplateError> for RenderFailure {
    fn from(e: TemplateError) -> Self {
        RenderFailure::Template(e)
    }
}

impl RenderFailure {
    /// The failure as a result shows it.
    pub(super) fn into_failure(self, missing_captures: &HashMap<String, String>) -> Failure {
        match self {
            RenderFailure::Template(error) => template_failure(error, missing_captures),
            RenderFailure::File(message) => Failure::File { message },
        }
    }
}

/// A template failure, explained by the failed request that should have captured the
/// undefined variable, if one did.
pub(super) fn template_failure(
    error: TemplateError,
    missing_captures: &HashMap<String, String>,
) -> Failure {
    let cause = error
        .undefined_name()
        .and_then(|name| missing_captures.get(name).map(|request| (name, request)))
        .map(|(name, request)| {
            format!("`{name}` is captured by request `{request}`, which failed")
        });
    Failure::Template {
        message: error.to_string(),
        location: error.location().clone(),
        cause,
    }
}

/// Every template of the request rendered into what will be sent; credential fields of the
/// body go into `secrets`.
pub fn render_request(
    collection: &Collection,
    request: &Request,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<HttpRequest, RenderFailure> {
    let t: &Templates = &collection.templates;
    let method = t.render(&request.method, ctx)?.to_ascii_uppercase();
    let url = render_url(t, request, ctx)?;
    let mut headers = Vec::with_capacity(request.headers.len());
    for (name, value) in &request.headers {
        headers.push((name.clone(), t.render(value, ctx)?));
    }
    let body = match &request.body {
        None => HttpBody::Empty,
        Some(body) => render_body(collection, body, ctx, secrets)?,
    };
    Ok(HttpRequest {
        method,
        url,
        headers,
        body,
        redirects: Redirects::Follow,
    })
}

/// The URL with the `query:` parameters appended, encoded.
fn render_url(
    t: &Templates,
    request: &Request,
    ctx: &minijinja::Value,
) -> Result<String, RenderFailure> {
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
    Ok(url)
}

fn render_body(
    collection: &Collection,
    body: &Body,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<HttpBody, RenderFailure> {
    let t = &collection.templates;
    Ok(match body {
        Body::Json(value) => {
            let json = t.render_value(value, ctx)?;
            secrets.add_credential_fields(&json);
            HttpBody::Bytes {
                data: Bytes::from(serde_json::to_vec(&json).expect("JSON values serialize")),
                content_type: Some("application/json"),
            }
        }
        Body::Form(fields) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                let text = t.render_text(value, ctx)?;
                secrets.add_if_credential(name, &text);
                form.append_pair(name, &text);
            }
            HttpBody::Bytes {
                data: Bytes::from(form.finish()),
                content_type: Some("application/x-www-form-urlencoded"),
            }
        }
        Body::Multipart(parts) => {
            let mut fields = Vec::with_capacity(parts.len());
            for (name, part) in parts {
                fields.push((
                    name.clone(),
                    render_part(collection, name, part, ctx, secrets)?,
                ));
            }
            HttpBody::Multipart(fields)
        }
        Body::Raw(text) => HttpBody::Bytes {
            data: Bytes::from(t.render(text, ctx)?),
            content_type: None,
        },
        Body::File(path) => HttpBody::Bytes {
            data: Bytes::from(read_file(collection, path, ctx)?.1),
            content_type: None,
        },
    })
}

/// A multipart field: rendered text, or a file read from beside the collection.
fn render_part(
    collection: &Collection,
    name: &str,
    part: &Part,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<MultipartValue, RenderFailure> {
    let t = &collection.templates;
    Ok(match part {
        Part::Text(value) => {
            let text = t.render_text(value, ctx)?;
            secrets.add_if_credential(name, &text);
            MultipartValue::Text(text)
        }
        Part::File(path) => {
            let (path, data) = read_file(collection, path, ctx)?;
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            MultipartValue::File {
                file_name,
                data: Bytes::from(data),
            }
        }
    })
}

/// A file named by a template, relative to the collection's folder: its path and bytes.
fn read_file(
    collection: &Collection,
    path: &Tpl,
    ctx: &minijinja::Value,
) -> Result<(PathBuf, Vec<u8>), RenderFailure> {
    let path = collection.dir.join(collection.templates.render(path, ctx)?);
    let data = std::fs::read(&path)
        .map_err(|e| RenderFailure::File(format!("cannot read {}: {e}", path.display())))?;
    Ok((path, data))
}
