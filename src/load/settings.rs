//! `settings:` of a collection, and the scalar readers it shares with requests: durations
//! (`250ms`, `2s`) and counts.

use std::path::PathBuf;
use std::time::Duration;

use crate::load::error::LoadErrorKind;
use crate::load::keys::SETTINGS_FIELDS;
use crate::load::reader::Reader;
use crate::load::yaml::{Node, NodeKind};
use crate::model::Settings;

/// `settings:`: timeouts, TLS, proxy and limits for every request of the collection.
pub(crate) fn read_settings(r: &mut Reader, node: &Node) -> Settings {
    let Some(fields) = r.fields(node, "settings", SETTINGS_FIELDS) else {
        return Settings::default();
    };
    let timeout = |r: &mut Reader, key: &str| fields.get(key).and_then(|n| read_timeout(r, n, key));
    let flag = |r: &mut Reader, key: &str| fields.get(key).and_then(|n| r.bool(n, key));
    let text = |r: &mut Reader, key: &str| fields.get(key).and_then(|n| r.string(n, key));
    Settings {
        timeout: timeout(r, "timeout"),
        connect_timeout: timeout(r, "connect_timeout"),
        follow_redirects: flag(r, "follow_redirects"),
        cookies: flag(r, "cookies"),
        insecure: flag(r, "insecure"),
        ca_cert: text(r, "ca_cert").map(PathBuf::from),
        client_cert: text(r, "client_cert").map(PathBuf::from),
        client_key: text(r, "client_key").map(PathBuf::from),
        proxy: text(r, "proxy"),
        http2: flag(r, "http2"),
        compression: flag(r, "compression"),
        max_response_bytes: fields.get("max_response_bytes").and_then(|n| {
            let text = r.string(n, "max_response_bytes")?;
            match crate::units::parse_bytes(&text) {
                Ok(bytes) => Some(bytes),
                Err(message) => {
                    r.error(n.pos, LoadErrorKind::Invalid(message));
                    None
                }
            }
        }),
        max_retries: fields
            .get("max_retries")
            .and_then(|n| read_count(r, n, "max_retries")),
    }
}

/// `250ms`, `2s`, `1m`, or a number of seconds.
pub(crate) fn read_duration(r: &mut Reader, node: &Node, what: &str) -> Option<Duration> {
    read_parsed(r, node, what, crate::units::parse_duration)
}

/// A duration above zero.
fn read_timeout(r: &mut Reader, node: &Node, what: &str) -> Option<Duration> {
    read_parsed(r, node, what, crate::units::parse_timeout)
}

/// A string field parsed by `parse`; its complaint becomes an error at the field.
fn read_parsed<T>(
    r: &mut Reader,
    node: &Node,
    what: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let text = r.string(node, what)?;
    match parse(&text) {
        Ok(value) => Some(value),
        Err(message) => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!("`{what}`: {message}")),
            );
            None
        }
    }
}

/// A whole number that fits a `u32` (pages, retries).
pub(crate) fn read_count(r: &mut Reader, node: &Node, what: &str) -> Option<u32> {
    match node.kind {
        NodeKind::Int(n) if (0..=u32::MAX as i64).contains(&n) => Some(n as u32),
        _ => {
            r.error(
                node.pos,
                LoadErrorKind::WrongType {
                    field: what.to_string(),
                    expected: "a whole number",
                    found: node.type_name(),
                },
            );
            None
        }
    }
}
