//! curl's options → the parts of a request (`Curl`): method, URLs, headers, data pieces, form
//! fields, credentials and the settings the runner has. Options that only change curl's own
//! output are noted; unknown ones too.

use crate::import::yaml::Yaml;

/// One piece of `-d` & co., in order.
#[derive(Debug, Clone)]
pub(super) enum Data {
    /// `-d`, `--data`, `--data-ascii`, `--data-binary`, `--data-raw`: sent as given.
    Raw(String),
    /// `--data-urlencode`: `content`, `=content`, `name=content` (`@file` forms are noted).
    Encode(String),
}

/// A `-F` field.
#[derive(Debug, Clone)]
pub(super) enum Field {
    /// `name=value`.
    Text(String),
    /// `name=@path`.
    File(String),
}

/// The parsed command.
#[derive(Debug, Default)]
pub(super) struct Curl {
    pub(super) method: Option<String>,
    pub(super) urls: Vec<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) data: Vec<Data>,
    pub(super) json: bool,
    pub(super) form: Vec<(String, Field)>,
    pub(super) user: Option<String>,
    pub(super) bearer: Option<String>,
    pub(super) get: bool,
    pub(super) head: bool,
    pub(super) settings: Vec<(&'static str, Yaml)>,
    /// `--data-binary @file`, `-d @file`, `-T file`: the body is the file.
    pub(super) file_body: Option<String>,
}

/// Options without a value that change nothing about the request itself.
const QUIET_FLAGS: &[&str] = &[
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-v",
    "--verbose",
    "-i",
    "--include",
    "-L",
    "--location",
    "-f",
    "--fail",
    "--fail-with-body",
    "-#",
    "--progress-bar",
    "--no-progress-meter",
    "-N",
    "--no-buffer",
    "--compressed",
    "--globoff",
    "-g",
    "--http1.1",
    "-O",
    "--remote-name",
    "-J",
    "--remote-header-name",
];

/// Options with a value that change nothing the runner can express.
const VALUE_OPTIONS: &[&str] = &[
    "-o",
    "--output",
    "-w",
    "--write-out",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "-c",
    "--cookie-jar",
    "--resolve",
    "--connect-to",
    "--limit-rate",
    "-D",
    "--dump-header",
    "--trace",
    "--trace-ascii",
    "--max-redirs",
    "--interface",
    "--local-port",
    "-K",
    "--config",
    "--stderr",
    "--cert-type",
    "--key-type",
    "--pass",
    "--proxy-user",
    "-U",
    "--ciphers",
    "--tls-max",
    "--aws-sigv4",
    "--variable",
    "--expand-url",
];

/// One option with its value, or a URL.
enum Token {
    Option(String, Option<String>),
    Url(String),
}

/// Reads the words of a command line (without `curl` itself) into a `Curl`.
pub(super) fn parse(words: &[String], notes: &mut Vec<String>) -> Result<Curl, String> {
    let mut curl = Curl::default();
    for token in tokens(words)? {
        match token {
            Token::Url(url) => curl.urls.push(url),
            Token::Option(name, value) => apply(&mut curl, &name, value, notes),
        }
    }
    Ok(curl)
}

/// Options with their values: `-XPOST`, `-X POST`, `-sSL` and `--opt value` alike.
fn tokens(words: &[String]) -> Result<Vec<Token>, String> {
    let mut words = words.iter().peekable();
    if words
        .peek()
        .is_some_and(|w| matches!(w.rsplit(['/', '\\']).next(), Some("curl" | "curl.exe")))
    {
        words.next();
    } else if let Some(first) = words.peek()
        && !first.starts_with('-')
        && !first.contains(['.', ':', '/'])
    {
        // `wget http://x`, `http GET x`: another program, not a URL
        return Err(format!(
            "`{first}` is not curl: only curl command lines are imported"
        ));
    }
    let mut out = Vec::new();
    while let Some(word) = words.next() {
        let mut options: Vec<(String, Option<String>)> = Vec::new();
        if word.starts_with("--") && word.len() > 2 {
            options.push((word.clone(), None));
        } else if word.starts_with('-') && word.len() > 1 {
            let mut letters = word[1..].chars();
            let flag = format!("-{}", letters.next().unwrap_or('-'));
            let rest = letters.as_str();
            if rest.is_empty() || takes_value(&flag) {
                options.push((flag, (!rest.is_empty()).then(|| rest.to_string())));
            } else {
                // a cluster such as `-sSL`: one flag per letter, the last may take a value
                options.extend(word[1..].chars().map(|c| (format!("-{c}"), None)));
            }
        } else {
            out.push(Token::Url(word.clone()));
            continue;
        }
        for (name, attached) in options {
            let value = match attached {
                Some(v) => Some(v),
                None if takes_value(&name) => Some(
                    words
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("`{name}` needs a value"))?,
                ),
                None => None,
            };
            out.push(Token::Option(name, value));
        }
    }
    Ok(out)
}

/// Options (short and long) that take a value.
fn takes_value(option: &str) -> bool {
    matches!(
        option,
        "-X" | "-H"
            | "-d"
            | "-F"
            | "-u"
            | "-A"
            | "-e"
            | "-b"
            | "-m"
            | "-x"
            | "-E"
            | "-o"
            | "-w"
            | "-c"
            | "-T"
            | "-D"
            | "-r"
            | "-U"
            | "-K"
            | "--request"
            | "--url"
            | "--header"
            | "--data"
            | "--data-ascii"
            | "--data-binary"
            | "--data-raw"
            | "--data-urlencode"
            | "--json"
            | "--form"
            | "--form-string"
            | "--user"
            | "--oauth2-bearer"
            | "--user-agent"
            | "--referer"
            | "--range"
            | "--cookie"
            | "--max-time"
            | "--connect-timeout"
            | "--proxy"
            | "--cacert"
            | "--cert"
            | "--key"
            | "--upload-file"
    ) || VALUE_OPTIONS.contains(&option)
}

/// What one option does to the request.
fn apply(curl: &mut Curl, option: &str, value: Option<String>, notes: &mut Vec<String>) {
    let v = value.unwrap_or_default();
    match option {
        "-X" | "--request" => curl.method = Some(v.to_ascii_uppercase()),
        "--url" => curl.urls.push(v),
        "-H" | "--header" => header(&v, curl, notes),
        "-d" | "--data" | "--data-ascii" | "--data-binary" | "--data-raw" => {
            if option != "--data-raw" && v.starts_with("@-") {
                notes.push(format!(
                    "`{option} {v}` reads stdin; put the text in `body:`"
                ));
            } else if option != "--data-raw" && v.starts_with('@') {
                if option != "--data-binary" {
                    notes.push(format!(
                        "`{option} {v}`: curl drops the file's newlines; the file is sent as it is"
                    ));
                }
                curl.file_body = Some(v[1..].to_string());
            } else {
                curl.data.push(Data::Raw(v));
            }
        }
        "--data-urlencode" => curl.data.push(Data::Encode(v)),
        "-T" | "--upload-file" => {
            curl.file_body = Some(v);
            curl.method.get_or_insert_with(|| "PUT".into());
        }
        "--json" => {
            curl.json = true;
            curl.data.push(Data::Raw(v));
        }
        "-F" | "--form" => form_field(&v, false, curl, notes),
        "--form-string" => form_field(&v, true, curl, notes),
        "-u" | "--user" => curl.user = Some(v),
        "--oauth2-bearer" => curl.bearer = Some(v),
        "-G" | "--get" => curl.get = true,
        "-I" | "--head" => curl.head = true,
        "-A" | "--user-agent" => curl.headers.push(("User-Agent".into(), v)),
        "-e" | "--referer" => curl.headers.push(("Referer".into(), v)),
        "-r" | "--range" => curl.headers.push(("Range".into(), format!("bytes={v}"))),
        "-b" | "--cookie" if v.contains('=') => curl.headers.push(("Cookie".into(), v)),
        "-b" | "--cookie" => {
            notes.push(format!(
                "`{option} {v}` reads cookies from a file; not converted"
            ));
        }
        "-k" | "--insecure" => curl.settings.push(("insecure", Yaml::Bool(true))),
        "-m" | "--max-time" => curl.settings.push(("timeout", Yaml::str(format!("{v}s")))),
        "--connect-timeout" => {
            curl.settings
                .push(("connect_timeout", Yaml::str(format!("{v}s"))));
        }
        "-x" | "--proxy" => curl.settings.push(("proxy", Yaml::str(v))),
        "--cacert" => curl.settings.push(("ca_cert", Yaml::str(v))),
        "-E" | "--cert" => curl.settings.push(("client_cert", Yaml::str(v))),
        "--key" => curl.settings.push(("client_key", Yaml::str(v))),
        "--http2" | "--http2-prior-knowledge" => curl.settings.push(("http2", Yaml::Bool(true))),
        flag if QUIET_FLAGS.contains(&flag) => notes.push(format!(
            "`{flag}` only changes curl's own behaviour or output; ignored"
        )),
        flag if VALUE_OPTIONS.contains(&flag) => notes.push(format!("`{flag} {v}` not converted")),
        other => notes.push(format!("unknown option `{other}` ignored")),
    }
}

fn header(text: &str, curl: &mut Curl, notes: &mut Vec<String>) {
    if let Some(name) = text.strip_suffix(';') {
        // `Name;` sends an empty header
        curl.headers.push((name.trim().to_string(), String::new()));
        return;
    }
    match text.split_once(':') {
        Some((name, value)) if !value.trim().is_empty() => {
            curl.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
        Some((name, _)) => notes.push(format!(
            "`-H '{name}:'` removes a header curl would add; nothing to convert"
        )),
        None => notes.push(format!("header `{text}` has no `:`; ignored")),
    }
}

fn form_field(text: &str, literal: bool, curl: &mut Curl, notes: &mut Vec<String>) {
    let Some((name, value)) = text.split_once('=') else {
        notes.push(format!("form field `{text}` has no `=`; ignored"));
        return;
    };
    let field = if literal {
        Field::Text(value.to_string())
    } else if let Some(path) = value.strip_prefix('@') {
        let (path, rest) = path.split_once(';').unwrap_or((path, ""));
        if !rest.is_empty() {
            notes.push(format!("`;{rest}` of form field `{name}` not kept"));
        }
        Field::File(path.trim_matches('"').to_string())
    } else if let Some(path) = value.strip_prefix('<') {
        notes.push(format!(
            "form field `{name}` takes its text from file `{path}`; sent as that file instead"
        ));
        Field::File(path.to_string())
    } else {
        Field::Text(value.to_string())
    };
    curl.form.push((name.to_string(), field));
}
