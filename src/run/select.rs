//! Which requests run: `--tag`, `--skip-tag`, `--only`; a request left out still runs when a
//! selected one needs a variable it captures (transitively), so `--only "customers/*"` works
//! without hand-picking the requests that set up ids.

use std::collections::HashSet;

use crate::model::{Auth, Body, Check, Collection, Grant, Matcher, Op, Part, Request, Subject};
use crate::template::{TValue, TemplateId, Templates, Tpl};

/// The selection flags of a run.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Run only requests with one of these tags (empty: no tag filter).
    pub tags: Vec<String>,
    /// Leave out requests with any of these tags.
    pub skip_tags: Vec<String>,
    /// Run only requests whose `group/name` path matches one of these globs.
    pub only: Vec<globset::GlobMatcher>,
}

impl Filter {
    /// Whether any selection flag was given.
    pub fn is_active(&self) -> bool {
        !(self.tags.is_empty() && self.skip_tags.is_empty() && self.only.is_empty())
    }

    fn matches(&self, request: &Request) -> bool {
        let tagged = self.tags.is_empty() || request.tags.iter().any(|t| self.tags.contains(t));
        let skipped = request.tags.iter().any(|t| self.skip_tags.contains(t));
        let named = self.only.is_empty() || self.only.iter().any(|g| g.is_match(&request.path));
        tagged && !skipped && named
    }
}

/// Whether a request runs, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Chosen by the filter (or no filter given).
    Selected,
    /// Not chosen, but a selected request needs a variable it captures.
    PulledIn {
        /// The request that needs it.
        by: String,
    },
    /// Left out by the filter.
    Excluded,
}

/// The selection of every request of a collection, in order.
pub fn select(collection: &Collection, filter: &Filter) -> Vec<Selection> {
    let requests = &collection.requests;
    let mut selection: Vec<Selection> = requests
        .iter()
        .map(|r| {
            if filter.matches(r) {
                Selection::Selected
            } else {
                Selection::Excluded
            }
        })
        .collect();
    if !filter.is_active() {
        return selection;
    }
    // From the end: `needed` holds what requests after this one (that run) read.
    let mut needed: Vec<(String, String)> = Vec::new();
    for (i, request) in requests.iter().enumerate().rev() {
        if selection[i] == Selection::Excluded {
            let by = request.captures.iter().find_map(|c| {
                needed
                    .iter()
                    .find(|(var, _)| *var == c.name)
                    .map(|(_, by)| by.clone())
            });
            if let Some(by) = by {
                selection[i] = Selection::PulledIn { by };
            }
        }
        if selection[i] != Selection::Excluded {
            for var in request_variables(request, &collection.templates) {
                needed.push((var, request.path.clone()));
            }
        }
    }
    selection
}

/// Every variable a request's templates read.
pub fn request_variables(request: &Request, templates: &Templates) -> HashSet<String> {
    request_templates(request)
        .into_iter()
        .flat_map(|id| templates.variables(id))
        .collect()
}

/// Every template of a request: method, URL, query, headers, body, auth, assertions,
/// conditions, retry and loop — in that order.
pub fn request_templates(request: &Request) -> Vec<TemplateId> {
    let mut walker = Walker { ids: Vec::new() };
    walker.tpl(&request.method);
    walker.tpl(&request.url);
    request.query.iter().for_each(|(_, v)| walker.value(v));
    request.headers.iter().for_each(|(_, v)| walker.tpl(v));
    match &request.body {
        Some(Body::Json(v)) => walker.value(v),
        Some(Body::Form(fields)) => fields.iter().for_each(|(_, v)| walker.value(v)),
        Some(Body::Multipart(parts)) => parts.iter().for_each(|(_, p)| match p {
            Part::Text(v) => walker.value(v),
            Part::File(path) => walker.tpl(path),
        }),
        Some(Body::Raw(t) | Body::File(t)) => walker.tpl(t),
        None => {}
    }
    if let Some(auth) = request.auth.as_deref() {
        walker.auth(auth);
    }
    for assertion in &request.assertions {
        if let Subject::Expr { id, .. } = &assertion.subject {
            walker.ids.push(*id);
        }
        if let Check::Matcher(m) = &assertion.check {
            walker.matcher(m);
        }
    }
    walker.ids.extend(request.conditions.iter().map(|c| c.id));
    if let Some(until) = request.retry.as_ref().and_then(|r| r.until.as_ref()) {
        walker.ids.push(until.id);
    }
    if let Some(for_each) = &request.for_each {
        walker.tpl(&for_each.items);
    }
    walker.ids
}

struct Walker {
    ids: Vec<TemplateId>,
}

impl Walker {
    fn tpl(&mut self, tpl: &Tpl) {
        if let Tpl::Text(id) | Tpl::Expr(id) = tpl {
            self.ids.push(*id);
        }
    }

    fn value(&mut self, value: &TValue) {
        match value {
            TValue::Str(t) => self.tpl(t),
            TValue::Seq(items) => items.iter().for_each(|v| self.value(v)),
            TValue::Map(entries) => entries.iter().for_each(|(_, v)| self.value(v)),
            TValue::Null | TValue::Bool(_) | TValue::Number(_) => {}
        }
    }

    fn matcher(&mut self, matcher: &Matcher) {
        for op in &matcher.ops {
            match op {
                Op::Eq(v)
                | Op::Ne(v)
                | Op::Gt(v)
                | Op::Gte(v)
                | Op::Lt(v)
                | Op::Lte(v)
                | Op::Contains(v)
                | Op::NotContains(v)
                | Op::StartsWith(v)
                | Op::EndsWith(v) => self.value(v),
                Op::OneOf(items) => items.iter().for_each(|v| self.value(v)),
                Op::Length(inner) => self.matcher(inner),
                Op::Matches(_) | Op::Exists(_) | Op::Type(_) => {}
            }
        }
    }

    fn auth(&mut self, auth: &Auth) {
        match auth {
            Auth::Bearer(t) => self.tpl(t),
            Auth::Basic { username, password } | Auth::Digest { username, password } => {
                self.tpl(username);
                self.tpl(password);
            }
            Auth::OAuth1(o) => {
                for t in [&o.consumer_key, &o.consumer_secret]
                    .into_iter()
                    .chain(&o.token)
                    .chain(&o.token_secret)
                    .chain(&o.realm)
                {
                    self.tpl(t);
                }
            }
            Auth::OAuth2(o) => {
                for t in [&o.token_url, &o.client_id]
                    .into_iter()
                    .chain(&o.client_secret)
                    .chain(&o.scope)
                {
                    self.tpl(t);
                }
                match &o.grant {
                    Grant::ClientCredentials => {}
                    Grant::Password { username, password } => {
                        self.tpl(username);
                        self.tpl(password);
                    }
                    Grant::RefreshToken(t) => self.tpl(t),
                }
                if let Some(a) = &o.client_assertion {
                    self.tpl(&a.cert);
                    self.tpl(&a.key);
                }
            }
        }
    }
}
