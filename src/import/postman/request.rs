//! One Postman request → one request map: method, URL and query, headers, body and auth,
//! then the assertions and captures of its test script merged with those of its folders.

use serde_json::Value;

use super::captures::{CaptureSpec, captures_yaml, push_capture};
use super::model::{self, KeyValue};
use super::{Converter, METADATA, Scope, auth, description_lines, keeps_bodies};
use crate::import::placeholder;
use crate::import::report::{Place, Topic};
use crate::import::yaml::{Item, Yaml};

impl Converter<'_> {
    /// The request item, with its comments (description, script lines not converted).
    pub(super) fn request(
        &mut self,
        item: &model::Item,
        spec: &model::RequestSpec,
        name: &str,
        scope: &Scope,
        place: Place,
    ) -> Item {
        self.report.counts.requests += 1;
        self.item_leftovers(item, &place);
        let bare;
        let request = match spec {
            model::RequestSpec::Full(r) => r.as_ref(),
            model::RequestSpec::Url(url) => {
                bare = model::Request {
                    method: None,
                    url: Some(model::Url::Text(url.clone())),
                    header: None,
                    body: None,
                    auth: None,
                    description: None,
                    other: Default::default(),
                };
                &bare
            }
        };
        self.ignored(&place, &request.other, &[]);
        let keep_bodies = keeps_bodies(item.protocol_profile_behavior.as_ref(), scope.keep_bodies);
        let mut out = self.request_map(request, name, scope, keep_bodies, &place);
        let mut comments = description_lines(item.description.as_ref());
        comments.extend(description_lines(request.description.as_ref()));
        let (assert, capture, kept) = self.request_checks(item, scope, &place);
        comments.extend(kept);
        if let Some(assert) = assert {
            out.insert("assert", assert);
        }
        if let Some(capture) = capture {
            out.insert("capture", capture);
        }
        Item {
            comments,
            value: out,
        }
    }

    /// What an item has that a request cannot: saved examples, variables, settings.
    fn item_leftovers(&mut self, item: &model::Item, place: &Place) {
        self.ignored(place, &item.other, METADATA);
        if !item.response.is_empty() {
            let count = item.response.len();
            self.report.add(
                Topic::Setting,
                place,
                format!("{count} saved example response(s) not imported"),
            );
        }
        if !item.variable.is_empty() {
            self.report.add(
                Topic::Setting,
                place,
                "request-level variables not converted (requests have no vars; use a group)",
            );
        }
        // reported there; only the collection's settings can be converted
        let _ = self.settings(item.protocol_profile_behavior.as_ref(), place, false);
    }

    /// `name`, `method`, `url`, `query`, `headers`, the body and `auth`.
    fn request_map(
        &mut self,
        request: &model::Request,
        name: &str,
        scope: &Scope,
        keep_bodies: bool,
        place: &Place,
    ) -> Yaml {
        let mut out = Yaml::map();
        out.insert("name", Yaml::str(name));
        let method = self.method(request.method.as_deref(), place);
        if method != "GET" {
            out.insert("method", Yaml::str(&method));
        }
        let (url, mut query) = self.url(request.url.as_ref(), place);
        out.insert("url", Yaml::str(url));
        let mut headers = self.headers(request.header.as_ref(), place);
        let (level, auth_comment) = self.auth(request.auth.as_ref(), place);
        let api_key = match &level {
            auth::Level::ApiKey(key) => Some(key.clone()),
            auth::Level::Inherit => scope.api_key.clone(),
            auth::Level::Set(_) => None,
        };
        if let Some(key) = api_key {
            key.apply(&mut headers, &mut query);
        }
        let own_headers = headers.clone();
        let mut body = request
            .body
            .as_ref()
            .and_then(|b| self.body(b, &mut headers, place));
        if body.is_some() && self.pruned(&method, keep_bodies, place) {
            // the headers as written: no Content-Type added or left out for the body
            headers = own_headers;
            body = None;
        }
        if !query.is_empty() {
            let mut map = Yaml::map();
            for (k, v) in query {
                map.insert(&k, v);
            }
            out.insert("query", map);
        }
        if !headers.is_empty() {
            let mut map = Yaml::map();
            for (k, v) in headers {
                map.insert(&k, Yaml::str(v));
            }
            out.insert("headers", map);
        }
        if let Some((key, value, comments)) = body {
            out.insert_commented(key, value, comments);
        }
        match level {
            auth::Level::Set(value) => out.insert_commented("auth", value, auth_comment),
            auth::Level::ApiKey(_) => out.insert_commented("auth", Yaml::str("none"), auth_comment),
            auth::Level::Inherit => {}
        }
        out
    }

    /// Whether Postman leaves this body out: it does for GET, HEAD, COPY, PURGE and UNLOCK
    /// unless `disableBodyPruning` is set (noted when a body is left out).
    fn pruned(&mut self, method: &str, keep: bool, place: &Place) -> bool {
        if keep || !matches!(method, "GET" | "HEAD" | "COPY" | "PURGE" | "UNLOCK") {
            return false;
        }
        self.report.add(
            Topic::Note,
            place,
            format!("the body of this {method} request is left out, as Postman sends none (`disableBodyPruning` is not set)"),
        );
        true
    }

    /// The method, upper-cased; GET when absent or not an HTTP method (reported).
    fn method(&mut self, method: Option<&str>, place: &Place) -> String {
        let method = method
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or("GET");
        if !placeholder::find_placeholders(method).is_empty() {
            return self.text(method, place);
        }
        let token = method
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        if token {
            return method.to_ascii_uppercase();
        }
        let message = format!("`{method}` is not an HTTP method; GET is used");
        self.report.add(Topic::Setting, place, message);
        "GET".into()
    }

    /// `assert:` and `capture:` from the folders' and the request's own test scripts, and
    /// the comment lines for what was not converted.
    fn request_checks(
        &mut self,
        item: &model::Item,
        scope: &Scope,
        place: &Place,
    ) -> (Option<Yaml>, Option<Yaml>, Vec<String>) {
        let scripts = self.scripts(&item.event, place);
        let mut assertions = scope.checks.clone();
        let mut captures: Vec<CaptureSpec> = Vec::new();
        let mut comments = Vec::new();
        for (listen, lines, t) in scripts.scripts {
            let mut kept = t.kept.clone();
            let added = self.merge_checks(
                &mut assertions,
                &t.checks,
                &lines,
                &mut kept,
                place,
                &listen,
            );
            self.report.counts.assertions += added;
            for (_, capture) in t.captures {
                push_capture(&mut captures, capture);
            }
            comments.extend(self.kept_lines(&listen, kept, place));
        }
        self.report.counts.captures += captures.len();
        let assert = (!assertions.is_empty()).then(|| assertions.to_yaml());
        let capture = (!captures.is_empty()).then(|| captures_yaml(&captures));
        (assert, capture, comments)
    }

    /// Enabled headers in order; v2.0's `Name: value` text form too.
    fn headers(
        &mut self,
        headers: Option<&model::Headers>,
        place: &Place,
    ) -> Vec<(String, String)> {
        let list: Vec<KeyValue> = match headers {
            None => Vec::new(),
            Some(model::Headers::List(list)) => list.clone(),
            Some(model::Headers::Text(text)) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(header_line)
                .collect(),
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for header in list {
            let key = header.key.clone().unwrap_or_default().trim().to_string();
            if key.is_empty() {
                if !header.value_text().is_empty() {
                    self.report
                        .add(Topic::Ignored, place, "a header without a name");
                }
                continue;
            }
            if header.disabled {
                let message = format!("disabled header `{key}` left out");
                self.report.add(Topic::Setting, place, message);
                continue;
            }
            if !placeholder::find_placeholders(&key).is_empty() {
                self.report.add(
                    Topic::Setting,
                    place,
                    format!("header name `{key}` holds a variable; header names are literal, kept as written"),
                );
            }
            let value = self.text(&header.value_text(), place);
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => {
                    existing.push_str(", ");
                    existing.push_str(&value);
                    let message = format!("header `{key}` given twice; values joined with `, `");
                    self.report.add(Topic::Note, place, message);
                }
                None => out.push((key, value)),
            }
        }
        out
    }
}

/// A v2.0 header line, `Name: value`; `//` in front switches it off.
fn header_line(line: &str) -> KeyValue {
    let disabled = line.trim_start().starts_with("//");
    let line = line.trim_start().trim_start_matches("//");
    let (k, v) = line.split_once(':').unwrap_or((line, ""));
    KeyValue {
        key: Some(k.trim().to_string()),
        value: Some(Value::String(v.trim().to_string())),
        disabled,
        kind: None,
        src: None,
        content_type: None,
        other: Default::default(),
    }
}
