//! One request of a collection: method, URL, query, headers and body, with what it inherits
//! from the groups around it, its selection (`tags`, `when`, `skip_if`), retry, repetition and
//! paging; its checks are read by `checks`.

use std::sync::Arc;

use crate::load::auth::read_auth;
use crate::load::captures::read_captures;
use crate::load::checks::read_assertions;
use crate::load::error::LoadErrorKind;
use crate::load::keys::{
    BODY_FIELDS, MULTIPART_FILE_FIELDS, PAGINATE_FIELDS, REQUEST_FIELDS, RETRY_FIELDS,
};
use crate::load::matcher::read_query;
use crate::load::reader::{Fields, Reader};
use crate::load::settings::{read_count, read_duration};
use crate::load::yaml::{Node, NodeKind};
use crate::model::{Auth, Body, Condition, ForEach, Paginate, Part, Phase, Request, Retry};
use crate::query::Query;
use crate::template::Tpl;

/// What a request inherits from the groups around it.
#[derive(Clone)]
pub(crate) struct Inherited {
    /// Setup, main or teardown.
    pub phase: Phase,
    /// The group path, ending in `/` (empty at the top).
    pub prefix: String,
    /// The variable scope the request reads.
    pub scope: usize,
    /// The nearest `auth:` around it (`None` for `auth: none` or none given).
    pub auth: Option<Arc<Auth>>,
    /// Tags of the groups around it.
    pub tags: Vec<String>,
    /// `when`/`skip_if` of the groups around it.
    pub conditions: Vec<Condition>,
}

impl Inherited {
    /// The `auth:` among `fields`; the inherited one when there is none or it is invalid.
    pub(crate) fn auth_or(&self, r: &mut Reader, fields: &Fields) -> Option<Arc<Auth>> {
        match fields.get("auth") {
            Some(a) => read_auth(r, a).unwrap_or_else(|| self.auth.clone()),
            None => self.auth.clone(),
        }
    }
}

/// A request map; `None` when a required part is missing or invalid (the error is kept).
pub(crate) fn read_request(r: &mut Reader, node: &Node, inherited: &Inherited) -> Option<Request> {
    let fields = r.fields(node, "a request", REQUEST_FIELDS)?;
    let name = match fields.get("name") {
        Some(n) => r.string(n, "name"),
        None => {
            r.missing(&fields, node, "name");
            None
        }
    };
    let url = match fields.get("url") {
        Some(u) => r.tpl_text(u, "url"),
        None => {
            r.missing(&fields, node, "url");
            None
        }
    };
    let method = match fields.get("method") {
        Some(m) => read_method(r, m),
        None => Some(Tpl::Lit("GET".into())),
    };
    let query = fields
        .get("query")
        .map(|q| r.tvalue_map(q, "query"))
        .unwrap_or_default();
    let headers = fields
        .get("headers")
        .map(|h| r.tpl_map(h, "headers"))
        .unwrap_or_default();
    let body = read_body(r, &fields);
    let auth = inherited.auth_or(r, &fields);
    let assertions = fields
        .get("assert")
        .map(|a| read_assertions(r, a))
        .unwrap_or_default();
    let captures = fields
        .get("capture")
        .map(|c| read_captures(r, c))
        .unwrap_or_default();
    let (tags, conditions) = read_selection(r, &fields, inherited);
    let retry = fields.get("retry").and_then(|n| read_retry(r, n));
    let for_each = read_for_each(r, &fields, node);
    let paginate = fields.get("paginate").and_then(|n| read_paginate(r, n));
    let delay = fields
        .get("delay")
        .and_then(|n| read_duration(r, n, "delay"));
    let name = name?;
    Some(Request {
        path: format!("{}{name}", inherited.prefix),
        name,
        scope: inherited.scope,
        auth,
        tags,
        conditions,
        retry,
        delay,
        phase: inherited.phase,
        for_each,
        paginate,
        location: r.location(node.pos),
        method: method?,
        url: url?,
        query,
        headers,
        body,
        assertions,
        captures,
    })
}

/// `tags`, `when` and `skip_if` of a request or group, added to what it inherits.
pub(crate) fn read_selection(
    r: &mut Reader,
    fields: &Fields,
    inherited: &Inherited,
) -> (Vec<String>, Vec<Condition>) {
    let mut tags = inherited.tags.clone();
    if let Some(node) = fields.get("tags") {
        for item in r.seq(node, "tags").unwrap_or_default() {
            if let Some(tag) = r.string(item, "tags")
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
    }
    let mut conditions = inherited.conditions.clone();
    for (key, skip_if) in [("when", false), ("skip_if", true)] {
        if let Some(node) = fields.get(key)
            && let Some(source) = r.string(node, key)
        {
            let id = r.templates.expression(&source, r.location(node.pos), key);
            conditions.push(Condition {
                id,
                source,
                skip_if,
            });
        }
    }
    (tags, conditions)
}

/// `for_each: <<list>>` with `as: name`.
fn read_for_each(r: &mut Reader, fields: &Fields, node: &Node) -> Option<ForEach> {
    match (fields.get("for_each"), fields.get("as")) {
        (Some(items), Some(var)) => Some(ForEach {
            items: r.tpl(items, "for_each")?,
            var: r.string(var, "as")?,
        }),
        (Some(_), None) => {
            r.error(node.pos, LoadErrorKind::MissingField("as"));
            None
        }
        (None, Some(var)) => {
            r.error(
                var.pos,
                LoadErrorKind::Invalid("`as` goes with `for_each`".into()),
            );
            None
        }
        (None, None) => None,
    }
}

/// `paginate:` where the next page link and the items are (OData's by default).
fn read_paginate(r: &mut Reader, node: &Node) -> Option<Paginate> {
    let fields = r.fields(node, "paginate", PAGINATE_FIELDS)?;
    let path = |r: &mut Reader, key: &str, default: &str| -> Option<Query> {
        match fields.get(key) {
            Some(n) => {
                let text = r.string(n, &format!("paginate.{key}"))?;
                read_query(r, n, &text)
            }
            None => read_query(r, node, default),
        }
    };
    Some(Paginate {
        next: path(r, "next", "$['@odata.nextLink']")?,
        items: path(r, "items", "$.value")?,
        max_pages: fields
            .get("max_pages")
            .and_then(|n| read_count(r, n, "paginate.max_pages"))
            .unwrap_or(50),
    })
}

/// `retry:` until a condition holds, how often, how many times and for how long.
fn read_retry(r: &mut Reader, node: &Node) -> Option<Retry> {
    let fields = r.fields(node, "retry", RETRY_FIELDS)?;
    let until = fields.get("until").and_then(|n| {
        let source = r.string(n, "retry.until")?;
        let id = r
            .templates
            .expression(&source, r.location(n.pos), "retry.until");
        Some(Condition {
            id,
            source,
            skip_if: false,
        })
    });
    Some(Retry {
        until,
        every: fields
            .get("every")
            .and_then(|n| read_duration(r, n, "retry.every")),
        max: fields
            .get("max")
            .and_then(|n| read_count(r, n, "retry.max")),
        unsafe_methods: fields
            .get("unsafe")
            .and_then(|n| r.bool(n, "retry.unsafe"))
            .unwrap_or(false),
        budget: fields
            .get("budget")
            .and_then(|n| read_duration(r, n, "retry.budget")),
    })
}

/// A literal method is checked and uppercased now; a templated one at run time.
fn read_method(r: &mut Reader, node: &Node) -> Option<Tpl> {
    match r.tpl(node, "method")? {
        Tpl::Lit(m) => {
            let upper = m.to_ascii_uppercase();
            if reqwest::Method::from_bytes(upper.as_bytes()).is_err() || upper.is_empty() {
                r.error(
                    node.pos,
                    LoadErrorKind::Invalid(format!("`{m}` is not an HTTP method")),
                );
                return None;
            }
            Some(Tpl::Lit(upper))
        }
        templated => Some(templated),
    }
}

/// At most one of `json`, `form`, `multipart`, `body`.
fn read_body(r: &mut Reader, fields: &Fields) -> Option<Body> {
    let present: Vec<&str> = BODY_FIELDS
        .iter()
        .copied()
        .filter(|f| fields.get(f).is_some())
        .collect();
    if present.len() > 1 {
        let second = fields.key(present[1]).expect("present");
        r.error(
            second.pos,
            LoadErrorKind::TwoBodies(
                present
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
            ),
        );
        return None;
    }
    let kind = *present.first()?;
    let node = fields.get(kind)?;
    Some(match kind {
        "json" => Body::Json(r.tvalue(node, "json")),
        "form" => Body::Form(r.tvalue_map(node, "form")),
        "multipart" => Body::Multipart(read_multipart(r, node)),
        _ if matches!(node.kind, NodeKind::Map(_)) => {
            let fields = r.fields(node, "body", &["file"])?;
            match fields.get("file") {
                Some(path) => Body::File(r.file_tpl(path, "body.file")?),
                None => {
                    r.error(node.pos, LoadErrorKind::MissingField("file"));
                    return None;
                }
            }
        }
        _ => Body::Raw(r.tpl(node, "body")?),
    })
}

/// `multipart:` name → a value, or `{ file: path }`.
fn read_multipart(r: &mut Reader, node: &Node) -> Vec<(String, Part)> {
    let entries = r.map_entries(node, "multipart").unwrap_or_default();
    let mut parts = Vec::new();
    for (name, _, value) in entries {
        let what = format!("multipart.{name}");
        let part = if matches!(value.kind, NodeKind::Map(_)) {
            let Some(fields) = r.fields(value, &what, MULTIPART_FILE_FIELDS) else {
                continue;
            };
            match fields.get("file") {
                Some(path) => match r.file_tpl(path, &format!("{what}.file")) {
                    Some(path) => Part::File(path),
                    None => continue,
                },
                None => {
                    r.error(value.pos, LoadErrorKind::MissingField("file"));
                    continue;
                }
            }
        } else {
            Part::Text(r.tvalue(value, &what))
        };
        parts.push((name.to_string(), part));
    }
    parts
}
