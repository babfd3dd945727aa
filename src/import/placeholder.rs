//! Postman `{{name}}` placeholders → `<<name>>` templates, variable names made valid for
//! templates, and names for environment variables. Literal `<<`, `<%` and `<#` in imported
//! text are escaped so the runner keeps them as text. Pure functions; no I/O.

/// Something about a conversion the report should mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderNote {
    /// A variable name that is not a template identifier was renamed.
    Renamed {
        /// As written in Postman.
        from: String,
        /// As used in the YAML.
        to: String,
    },
    /// A Postman dynamic variable (`{{$randomEmail}}`) without an equivalent; left as text.
    Dynamic(String),
}

/// Words minijinja reads as something other than a variable.
const RESERVED: &[&str] = &[
    "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else",
    "response",
];

/// A Postman variable name as a template identifier: `base-url` → `base_url`.
pub fn var_name(name: &str) -> String {
    let name = name.trim();
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// An environment variable name for a value: `clientSecret` → `CLIENT_SECRET`.
pub fn env_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.push('_');
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    let mut collapsed = String::new();
    for part in out.split('_').filter(|p| !p.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push('_');
        }
        collapsed.push_str(part);
    }
    if collapsed.is_empty() || collapsed.starts_with(|c: char| c.is_ascii_digit()) {
        collapsed.insert_str(0, "V_");
    }
    collapsed
}

/// Literal text made safe for a template: `<<`, `<%`, `<#` become expressions printing them.
pub fn escape_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match ["<<", "<%", "<#"].iter().find(|d| tail.starts_with(**d)) {
            Some(d) => {
                out.push_str(&format!("<<'{d}'>>"));
                rest = &tail[2..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A dynamic variable's template expression, if the runner has one.
fn dynamic(name: &str) -> Option<&'static str> {
    Some(match name {
        "$guid" | "$randomUUID" => "uuid()",
        "$timestamp" => "timestamp()",
        "$isoTimestamp" => "now()",
        _ => return None,
    })
}

/// The `{{…}}` placeholders of a text as (start, end, inner name), in order.
pub fn find_placeholders(text: &str) -> Vec<(usize, usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        let inner_start = open + 2;
        let Some(close) = text[inner_start..].find("}}").map(|i| i + inner_start) else {
            break;
        };
        let inner = &text[inner_start..close];
        if inner.contains(['{', '}']) || inner.trim().is_empty() {
            // `{{{x}}}` or `{{}}`: move one brace on and look again
            from = open + 1;
            continue;
        }
        found.push((open, close + 2, inner));
        from = close + 2;
    }
    found
}

/// Converts a Postman text: placeholders become templates, everything else stays literal.
pub fn convert(text: &str) -> (String, Vec<PlaceholderNote>) {
    let mut out = String::with_capacity(text.len());
    let mut notes = Vec::new();
    let mut last = 0;
    for (start, end, inner) in find_placeholders(text) {
        out.push_str(&escape_literal(&text[last..start]));
        let name = inner.trim();
        if name.starts_with('$') {
            match dynamic(name) {
                Some(expr) => out.push_str(&format!("<<{expr}>>")),
                None => {
                    notes.push(PlaceholderNote::Dynamic(name.to_string()));
                    out.push_str(&text[start..end]);
                }
            }
        } else {
            let converted = var_name(name);
            if converted != name {
                notes.push(PlaceholderNote::Renamed {
                    from: name.to_string(),
                    to: converted.clone(),
                });
            }
            out.push_str(&format!("<<{converted}>>"));
        }
        last = end;
    }
    out.push_str(&escape_literal(&text[last..]));
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_templates() {
        let (text, notes) = convert("{{baseUrl}}/companies({{companyId}})?x={{ top }}");
        assert_eq!(text, "<<baseUrl>>/companies(<<companyId>>)?x=<<top>>");
        assert!(notes.is_empty());
    }

    #[test]
    fn names_are_made_identifiers_and_reported() {
        let (text, notes) = convert("{{base-url}}/{{api.version}}/{{1st}}/{{in}}");
        assert_eq!(text, "<<base_url>>/<<api_version>>/<<_1st>>/<<in_>>");
        assert_eq!(notes.len(), 4);
        assert_eq!(
            notes[0],
            PlaceholderNote::Renamed {
                from: "base-url".into(),
                to: "base_url".into()
            }
        );
    }

    #[test]
    fn dynamic_variables() {
        let (text, notes) = convert("{{$guid}} {{$timestamp}} {{$isoTimestamp}} {{$randomEmail}}");
        assert_eq!(
            text,
            "<<uuid()>> <<timestamp()>> <<now()>> {{$randomEmail}}"
        );
        assert_eq!(notes, vec![PlaceholderNote::Dynamic("$randomEmail".into())]);
    }

    #[test]
    fn literal_template_syntax_is_escaped() {
        let (text, _) = convert("a << b <% c <# d < e {{x}}");
        assert_eq!(text, "a <<'<<'>> b <<'<%'>> c <<'<#'>> d < e <<x>>");
    }

    #[test]
    fn unclosed_and_empty_braces_stay_text() {
        assert_eq!(convert("{{ x").0, "{{ x");
        assert_eq!(convert("{{}}").0, "{{}}");
        assert_eq!(convert("{\"a\":{{x}}}").0, "{\"a\":<<x>>}");
        assert_eq!(convert("{{{x}}}").0, "{<<x>>}");
    }

    #[test]
    fn environment_variable_names() {
        assert_eq!(env_name("clientSecret"), "CLIENT_SECRET");
        assert_eq!(env_name("ClientSecret"), "CLIENT_SECRET");
        assert_eq!(env_name("BCClientSecret"), "BC_CLIENT_SECRET");
        assert_eq!(env_name("client-secret 2"), "CLIENT_SECRET_2");
        assert_eq!(env_name("api_key"), "API_KEY");
        assert_eq!(env_name("2fa"), "V_2FA");
    }
}
