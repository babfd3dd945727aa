//! A rendered request as a curl command line that `sh` runs as is. Values standing for shell
//! variables (a token to fetch first, a value an earlier request captures) are marked in the
//! text with `marker(n)` and written as `$NAME`. Knows curl's options, not the runner's model.

use crate::import::shell::{Piece, quote, quote_pieces};

/// What the command sends.
#[derive(Debug, Clone, Default)]
pub struct CurlCommand {
    /// Comment lines printed above the command.
    pub comments: Vec<String>,
    /// Upper-case method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Headers curl adds by itself that the runner would not send (`-H 'Name:'`).
    pub remove_headers: Vec<String>,
    /// The body.
    pub body: CurlBody,
    /// `-k`.
    pub insecure: bool,
    /// `-L`.
    pub follow_redirects: bool,
    /// `--digest -u USER:PASSWORD`.
    pub digest: Option<String>,
}

/// A request body as curl sends it.
#[derive(Debug, Clone, Default)]
pub enum CurlBody {
    /// No body.
    #[default]
    None,
    /// `--data-raw TEXT`.
    Data(String),
    /// `-F` / `--form-string` fields.
    Form(Vec<(String, CurlPart)>),
}

/// One multipart field.
#[derive(Debug, Clone)]
pub enum CurlPart {
    /// Text, sent with `--form-string` so curl reads no `@`, `<` or `;type=` in it.
    Text(String),
    /// A file path, sent with `-F name=@path`.
    File(String),
}

/// The text that stands for the `n`-th shell variable (letters, digits and `_` only, so URL,
/// form and JSON encoding leave it alone).
pub fn marker(n: usize) -> String {
    format!("__RUNNER_SHELL_VAR_{n}__")
}

/// Whether a text holds a shell variable's marker.
pub fn has_marker(text: &str) -> bool {
    text.contains("__RUNNER_SHELL_VAR_")
}

/// The command: comments, then `curl` and one option per line.
pub fn render(cmd: &CurlCommand, vars: &[String]) -> String {
    let word = |text: &str| quote_pieces(&pieces(text, vars));
    let mut lines: Vec<String> = Vec::new();
    let mut first = String::from("curl");
    match cmd.method.as_str() {
        "GET" if matches!(cmd.body, CurlBody::None) => {}
        "HEAD" => first.push_str(" --head"),
        method => {
            first.push_str(" -X ");
            first.push_str(&quote(method));
        }
    }
    if cmd.follow_redirects {
        first.push_str(" -L");
    }
    if cmd.insecure {
        first.push_str(" -k");
    }
    first.push(' ');
    first.push_str(&word(&cmd.url));
    lines.push(first);
    if let Some(user) = &cmd.digest {
        lines.push(format!("--digest -u {}", word(user)));
    }
    for (name, value) in &cmd.headers {
        // `Name:` would remove the header; `Name;` sends it empty
        let header = if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        };
        lines.push(format!("-H {}", word(&header)));
    }
    for name in &cmd.remove_headers {
        lines.push(format!("-H {}", quote(&format!("{name}:"))));
    }
    match &cmd.body {
        CurlBody::None => {}
        CurlBody::Data(text) => lines.push(format!("--data-raw {}", word(text))),
        CurlBody::Form(parts) => {
            for (name, part) in parts {
                lines.push(match part {
                    CurlPart::Text(text) => {
                        format!("--form-string {}", word(&format!("{name}={text}")))
                    }
                    CurlPart::File(path) => format!("-F {}", word(&format!("{name}=@{path}"))),
                });
            }
        }
    }
    let mut out = String::new();
    for comment in &cmd.comments {
        out.push_str("# ");
        out.push_str(comment);
        out.push('\n');
    }
    out.push_str(&lines.join(" \\\n  "));
    out.push('\n');
    out
}

/// A text split at the markers of known variables.
fn pieces(text: &str, vars: &[String]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = vars
            .iter()
            .enumerate()
            .filter_map(|(n, var)| rest.find(&marker(n)).map(|at| (at, n, var)))
            .min_by_key(|(at, ..)| *at);
        match next {
            Some((at, n, var)) => {
                if at > 0 {
                    out.push(Piece::Text(rest[..at].to_string()));
                }
                out.push(Piece::Var(var.clone()));
                rest = &rest[at + marker(n).len()..];
            }
            None => {
                if !rest.is_empty() || out.is_empty() {
                    out.push(Piece::Text(rest.to_string()));
                }
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_post_with_a_token_variable() {
        let cmd = CurlCommand {
            comments: vec!["get a token first".into()],
            method: "POST".into(),
            url: format!("http://x/companies({})/items", marker(1)),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), format!("Bearer {}", marker(0))),
            ],
            body: CurlBody::Data("{\"a\":\"it's\"}".into()),
            remove_headers: Vec::new(),
            insecure: false,
            follow_redirects: true,
            digest: None,
        };
        let text = render(&cmd, &["TOKEN".into(), "COMPANY_ID".into()]);
        assert_eq!(
            text,
            "# get a token first\n\
             curl -X POST -L \"http://x/companies($COMPANY_ID)/items\" \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -H \"Authorization: Bearer $TOKEN\" \\\n  \
             --data-raw '{\"a\":\"it'\\''s\"}'\n"
        );
    }

    #[test]
    fn get_forms_and_empty_headers() {
        let cmd = CurlCommand {
            method: "GET".into(),
            url: "http://x/a b".into(),
            headers: vec![("X-Empty".into(), String::new())],
            ..CurlCommand::default()
        };
        assert_eq!(
            render(&cmd, &[]),
            "curl 'http://x/a b' \\\n  -H 'X-Empty;'\n"
        );
        let cmd = CurlCommand {
            method: "POST".into(),
            url: "http://x".into(),
            body: CurlBody::Form(vec![
                ("name".into(), CurlPart::Text("@not-a-file".into())),
                ("pic".into(), CurlPart::File("dir/a.jpg".into())),
            ]),
            ..CurlCommand::default()
        };
        assert_eq!(
            render(&cmd, &[]),
            "curl -X POST http://x \\\n  --form-string name=@not-a-file \\\n  -F pic=@dir/a.jpg\n"
        );
    }
}
