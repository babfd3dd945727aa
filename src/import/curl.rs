//! A curl command line → one request in a collection file. Knows the options that shape a
//! request (method, URL, headers, the `-d`/`--data-*`/`--json`/`-F` bodies, `-u`, `-G`,
//! cookies, TLS and timeout settings); every other option is listed as ignored.

mod body;
mod options;

use body::has_header;

use crate::import::placeholder::escape_literal;
use crate::import::shell;
use crate::import::yaml::{self, Item, Yaml};

/// What `import curl` made, and what it could not use.
#[derive(Debug)]
pub struct Converted {
    /// The collection file with one request.
    pub text: String,
    /// One line per option or value not converted, or changed.
    pub notes: Vec<String>,
}

/// Converts a command line (the words after splitting) into a collection file.
pub fn convert(words: &[String]) -> Result<Converted, String> {
    let mut notes = Vec::new();
    let curl = options::parse(words, &mut notes)?;
    let request = request_yaml(&curl, &mut notes)?;
    let mut root = Yaml::map();
    if !curl.settings.is_empty() {
        let mut settings = Yaml::map();
        for (k, v) in &curl.settings {
            settings.insert(k, v.clone());
        }
        root.insert("settings", settings);
    }
    root.insert(
        "requests",
        Yaml::Seq(vec![Item {
            comments: Vec::new(),
            value: request,
        }]),
    );
    expand_variables(&mut root, &mut notes);
    let header = ["Converted from a curl command by `runner import curl`.".to_string()];
    Ok(Converted {
        text: yaml::document(&header, &root),
        notes,
    })
}

/// Shell variables (`$TOKEN`, `${BASE}`) become `<<env("NAME")>>`, or `<<secret("NAME")>>`
/// for names that look secret, in every string of the file.
fn expand_variables(value: &mut Yaml, notes: &mut Vec<String>) {
    match value {
        Yaml::Str(text) if text.contains(shell::VAR_START) => {
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some((before, after)) = rest.split_once(shell::VAR_START) {
                let (name, tail) = after.split_once(shell::VAR_END).unwrap_or((after, ""));
                let reader = if looks_secret(name) { "secret" } else { "env" };
                let note = format!("shell variable `${name}` read with `{reader}(\"{name}\")`");
                if !notes.contains(&note) {
                    notes.push(note);
                }
                out.push_str(before);
                out.push_str(&format!("<<{reader}(\"{name}\")>>"));
                rest = tail;
            }
            out.push_str(rest);
            *text = out;
        }
        Yaml::Seq(items) => items
            .iter_mut()
            .for_each(|i| expand_variables(&mut i.value, notes)),
        Yaml::Map { entries, .. } => entries
            .iter_mut()
            .for_each(|e| expand_variables(&mut e.value, notes)),
        _ => {}
    }
}

fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// Splits a pasted command line and converts it.
pub fn convert_line(line: &str) -> Result<Converted, String> {
    convert(&shell::split(line)?)
}

/// The request map.
fn request_yaml(curl: &options::Curl, notes: &mut Vec<String>) -> Result<Yaml, String> {
    let Some(first) = curl.urls.first() else {
        return Err("no URL".into());
    };
    if curl.urls.len() > 1 {
        notes.push(format!(
            "{} URLs given; only the first is converted",
            curl.urls.len()
        ));
    }
    let mut url = first.clone();
    if !url.contains("://") {
        notes.push("the URL has no scheme; `http://` added, as curl does".into());
        url.insert_str(0, "http://");
    }
    let has_body = !curl.data.is_empty() || !curl.form.is_empty() || curl.file_body.is_some();
    let method = match (&curl.method, curl.head, curl.get, has_body) {
        (Some(m), ..) => m.clone(),
        (None, true, ..) => "HEAD".into(),
        (None, false, false, true) => "POST".into(),
        _ => "GET".into(),
    };
    let mut headers = curl.headers.clone();
    let mut request = Yaml::map();
    request.insert("name", Yaml::str(request_name(&method, &url)));
    if method != "GET" {
        request.insert("method", Yaml::str(&method));
    }
    if curl.get && !curl.data.is_empty() {
        // `-G`: the data goes into the query string
        let query = body::data_text(&curl.data);
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query);
    }
    request.insert("url", Yaml::str(escape_literal(&url)));
    let body = if curl.get {
        None
    } else {
        body::body(curl, &mut headers, notes)
    };
    if curl.json && !has_header(&headers, "accept") {
        headers.push(("Accept".into(), "application/json".into()));
    }
    for (name, value) in &headers {
        let credential = [
            "authorization",
            "cookie",
            "x-api-key",
            "api-key",
            "apikey",
            "x-auth-token",
        ]
        .contains(&name.to_ascii_lowercase().as_str());
        if credential && !value.contains(shell::VAR_START) {
            notes.push(format!(
                "header `{name}` holds a credential, written as given; move it to an environment (secret(\"NAME\")) before sharing the file"
            ));
        }
    }
    if !headers.is_empty() {
        let mut map = Yaml::map();
        for (name, value) in &headers {
            if map.get(name).is_some() {
                notes.push(format!("header `{name}` given twice; the last one is kept"));
            }
            map.insert(name, Yaml::str(escape_literal(value)));
        }
        request.insert("headers", map);
    }
    if let Some((key, value)) = body {
        request.insert(key, value);
    }
    if let Some(auth) = auth(curl, notes) {
        request.insert("auth", auth);
    }
    Ok(request)
}

/// `POST token` from the method and the last path segment.
fn request_name(method: &str, url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = without_query
        .split_once("://")
        .map_or(without_query, |(_, rest)| rest);
    let segment = after_scheme
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(after_scheme);
    format!("{method} {segment}")
}

fn auth(curl: &options::Curl, notes: &mut Vec<String>) -> Option<Yaml> {
    if let Some(user) = &curl.user {
        let (username, password) = match user.split_once(':') {
            Some((u, p)) => (u.to_string(), p.to_string()),
            None => {
                notes
                    .push("`-u` without a password (curl would ask); the password is empty".into());
                (user.clone(), String::new())
            }
        };
        if !user.contains(shell::VAR_START) {
            notes.push(
                "the -u user and password is written as given; move them to an environment (secret(\"NAME\")) before sharing the file".into(),
            );
        }
        let mut basic = Yaml::flow_map();
        basic.insert("username", Yaml::str(escape_literal(&username)));
        basic.insert("password", Yaml::str(escape_literal(&password)));
        return Some(Yaml::block_pair("basic", basic));
    }
    curl.bearer.as_ref().map(|token| {
        notes.push("the bearer token is written as given; move it to an environment before sharing the file".into());
        Yaml::block_pair("bearer", Yaml::str(escape_literal(token)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_of(line: &str) -> String {
        convert_line(line).unwrap().text
    }

    #[test]
    fn a_post_with_form_data_and_basic_auth() {
        let text = yaml_of(
            "curl -X POST 'https://login.example.com/t/oauth2/v2.0/token' -H 'Accept: application/json' \
             -d 'grant_type=client_credentials&scope=api%3A%2F%2Fx%2F.default' --data-urlencode 'client_id=a b' -u app:pw",
        );
        assert_eq!(
            text,
            "# Converted from a curl command by `runner import curl`.\n\
             requests:\n  - name: POST token\n    method: POST\n    url: https://login.example.com/t/oauth2/v2.0/token\n\
             \x20   headers:\n      Accept: application/json\n\
             \x20   form:\n      grant_type: client_credentials\n      scope: api://x/.default\n      client_id: a b\n\
             \x20   auth:\n      basic: { username: app, password: pw }\n"
        );
    }

    #[test]
    fn json_bodies_and_clusters() {
        let text = yaml_of(
            r#"curl -sSL -XPATCH https://x/api/items/7 -H "Content-Type: application/json" -d '{"qty": 2, "note": "a<<b"}'"#,
        );
        assert!(text.contains("method: PATCH"), "{text}");
        assert!(
            text.contains("json:\n      qty: 2\n      note: a<<'<<'>>b\n"),
            "{text}"
        );
        let notes = convert_line("curl -s https://x -o out.txt").unwrap().notes;
        assert!(notes.iter().any(|n| n.contains("-s")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("-o out.txt")), "{notes:?}");
    }

    #[test]
    fn multipart_and_get_data() {
        let text =
            yaml_of("curl https://x/upload -F name=pic -F 'file=@photos/a.jpg;type=image/jpeg'");
        assert!(
            text.contains("multipart:\n      name: pic\n      file: { file: photos/a.jpg }\n"),
            "{text}"
        );
        let text = yaml_of("curl -G https://x/search -d q=rust --data-urlencode 'lang=en us'");
        assert!(
            text.contains("url: https://x/search?q=rust&lang=en+us\n"),
            "{text}"
        );
        assert!(!text.contains("method:"), "{text}");
    }

    #[test]
    fn problems_are_errors_not_panics() {
        assert!(convert_line("curl -X").is_err());
        assert!(convert_line("curl -H 'x").is_err());
        assert!(convert_line("curl -k").is_err());
        assert!(convert_line("").is_err());
    }
}
