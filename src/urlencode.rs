//! Percent-encoding as requests are sent: query names and values (OData stays readable) and
//! whole components. One place, so what is sent and what secret masking looks for agree.

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

/// What the URL parser (WHATWG) escapes in a query of an `http(s)` URL written raw.
const PARSED_QUERY: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');

/// What the URL parser (WHATWG) escapes in a path written raw.
const PARSED_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `text` as the URL parser sends it when it was written raw in a query and in a path (a
/// secret in a URL goes out, and is shown by `-v`, in these forms).
pub fn as_parsed(text: &str) -> [String; 2] {
    [
        percent_encoding::utf8_percent_encode(text, PARSED_QUERY).to_string(),
        percent_encoding::utf8_percent_encode(text, PARSED_PATH).to_string(),
    ]
}

/// Encodes every character except ASCII letters and digits, `/` included.
pub fn encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_keeps_odata_readable() {
        assert_eq!(encode_query("$top"), "$top");
        assert_eq!(encode_query("name eq 'a&b'"), "name%20eq%20'a%26b'");
        assert_eq!(encode_query("ü+"), "%C3%BC%2B");
    }

    #[test]
    fn as_parsed_is_what_the_url_parser_sends() {
        let raw = "k3y/with space+\"x\"`{'}<ü>";
        let url = reqwest::Url::parse(&format!("http://h/{raw}?code={raw}")).unwrap();
        let [query, path] = as_parsed(raw);
        assert_eq!(url.query(), Some(format!("code={query}").as_str()));
        assert_eq!(url.path(), format!("/{path}"));
    }

    #[test]
    fn component_encoding_escapes_everything_but_letters_and_digits() {
        assert_eq!(encode_component("a/b c"), "a%2Fb%20c");
    }
}
