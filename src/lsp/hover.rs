//! Hover: on a variable, its value in each environment (secrets masked) and where it is set;
//! on a request's first line, `url:` or `method:`, the method and URL as a run would send
//! them in each environment.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::convert::line_text;
use super::cursor::{template_word, value_of};
use super::document::Document;
use super::environments::{Environment, resolve};
use super::names::in_scope;
use crate::model::{Collection, Request};
use crate::run::render::{RenderFailure, render_request};
use crate::secrets::Secrets;
use crate::template::Tpl;

/// Environments shown in one hover at most.
const SHOWN_ENVIRONMENTS: usize = 8;

/// The hover at the position, if there is something to say.
pub fn hover(document: &Document, position: Position) -> Option<Hover> {
    let collection = document.collection()?;
    let (markdown, range) = match template_word(&document.text, position) {
        Some((name, range)) => {
            let text = variable(document, collection, position, &name);
            (text, Some(range))
        }
        None => (request(document, collection, position)?, None),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: document.secrets().mask(&markdown).into_owned(),
        }),
        range,
    })
}

/// The environments to show values for (none: the collection's own values).
fn environments(document: &Document) -> Vec<Option<&Environment>> {
    let found = document
        .environments()
        .map(|e| e.found.as_slice())
        .unwrap_or_default();
    if found.is_empty() {
        return vec![None];
    }
    found.iter().take(SHOWN_ENVIRONMENTS).map(Some).collect()
}

fn label(env: Option<&Environment>) -> String {
    env.map_or("collection".to_string(), |e| format!("`{}`", e.name))
}

fn variable(
    document: &Document,
    collection: &Collection,
    position: Position,
    name: &str,
) -> String {
    let request = document.request_at(position.line);
    let mut out = format!("**`{name}`**\n\n");
    for env in environments(document) {
        let value = match resolve(collection, env) {
            Ok(mut vars) => {
                let ctx = match request {
                    Some(r) => vars
                        .context_for(collection, r.scope)
                        .unwrap_or_else(|_| vars.context()),
                    None => vars.context(),
                };
                match ctx.get_attr(name).ok().filter(|v| !v.is_undefined()) {
                    Some(v) => format!("`{v}`"),
                    None => "not set before the run".to_string(),
                }
            }
            Err(e) => format!("cannot resolve: {e}"),
        };
        let _ = writeln!(out, "- {}: {value}", label(env));
    }
    let origins: Vec<String> = in_scope(collection, document.environments(), request)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, origin)| origin.describe())
        .collect();
    if origins.is_empty() {
        out.push_str("\nnot defined for this request");
    } else {
        let _ = write!(out, "\nfrom {}", origins.join("; "));
    }
    out
}

fn request(document: &Document, collection: &Collection, position: Position) -> Option<String> {
    let request = document.request_at(position.line)?;
    let line = line_text(&document.text, position.line);
    let on_entry = request.location.line == position.line + 1;
    let on_target = ["url", "method"]
        .iter()
        .any(|key| value_of(line, Position::new(0, 0), key).is_some());
    if !on_entry && !on_target {
        return None;
    }
    let mut out = format!("**request `{}`**\n\n", request.path);
    for env in environments(document) {
        let _ = writeln!(
            out,
            "- {}: {}",
            label(env),
            rendered(collection, request, env, document.secrets())
        );
    }
    Some(out)
}

/// `METHOD URL` as the run would send it, or the templates and why they do not render yet.
fn rendered(
    collection: &Collection,
    request: &Request,
    env: Option<&Environment>,
    secrets: &Secrets,
) -> String {
    let source = |tpl: &Tpl| match tpl {
        Tpl::Lit(s) => s.clone(),
        Tpl::Text(id) | Tpl::Expr(id) => collection.templates.source(*id).to_string(),
    };
    let written = format!("`{} {}`", source(&request.method), source(&request.url));
    let attempt = resolve(collection, env).and_then(|mut vars| {
        let ctx = vars
            .context_for(collection, request.scope)
            .map_err(|e| e.to_string())?;
        match render_request(collection, request, &ctx, secrets) {
            Ok(sent) => Ok(format!("`{} {}`", sent.method, sent.url)),
            Err(RenderFailure::Template(e)) => Err(e.to_string()),
            Err(RenderFailure::File(e)) => Err(e),
        }
    });
    attempt.unwrap_or_else(|why| format!("{written} ({why})"))
}
