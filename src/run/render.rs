//! Rendering a request: every template of it evaluated into the `HttpRequest` to send.

use bytes::Bytes;

use crate::http::{HttpBody, HttpRequest, MultipartValue};
use crate::model::{Body, Collection, Part, Request};
use crate::template::{TemplateError, Templates};

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

/// Every template of the request rendered into what will be sent.
pub fn render_request(
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
        Some(Body::Json(value)) => {
            let json = t.render_value(value, ctx)?;
            crate::secrets::add_credential_fields(&json);
            HttpBody::Bytes {
                data: Bytes::from(serde_json::to_vec(&json).expect("JSON values serialize")),
                content_type: Some("application/json"),
            }
        }
        Some(Body::Form(fields)) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                let text = t.render_text(value, ctx)?;
                crate::secrets::add_if_credential(name, &text);
                form.append_pair(name, &text);
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
                    Part::Text(value) => {
                        let text = t.render_text(value, ctx)?;
                        crate::secrets::add_if_credential(name, &text);
                        MultipartValue::Text(text)
                    }
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
        Some(Body::File(path)) => {
            let path = collection.dir.join(t.render(path, ctx)?);
            let data = std::fs::read(&path)
                .map_err(|e| RenderFailure::File(format!("cannot read {}: {e}", path.display())))?;
            HttpBody::Bytes {
                data: Bytes::from(data),
                content_type: None,
            }
        }
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

/// Percent-encodes a query name or value the way requests are sent.
pub fn encode_query(text: &str) -> String {
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
