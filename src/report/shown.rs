//! What the HTML page shows of a request, in the same form whether the page renders it
//! (`html`) or its script does from data (`folded`): the waterfall bar, the message text.

use std::fmt::Write as _;

use super::model::MessageReport;

/// Where a request's bar lies on the run's time axis (`end` ms, not 0): left and width in %.
pub fn bar(started_ms: u64, ms: u64, end: u64) -> (f64, f64) {
    let left = (started_ms as f64 * 100.0 / end as f64).min(100.0);
    let width = (ms as f64 * 100.0 / end as f64).min(100.0 - left);
    (left, width)
}

/// A request or response as shown: its headers, then its body (JSON indented) if kept.
pub fn message_text(m: &MessageReport) -> String {
    let mut text = String::new();
    for (name, value) in &m.headers {
        let _ = writeln!(text, "{name}: {value}");
    }
    if !m.body.is_empty() {
        text.push('\n');
        // JSON bodies indented, for reading; anything else as it came
        let pretty = (m.body_bytes == m.body.len())
            .then(|| serde_json::from_str::<serde_json::Value>(&m.body).ok())
            .flatten()
            .filter(|v| v.is_object() || v.is_array())
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        text.push_str(pretty.as_deref().unwrap_or(&m.body));
        if m.body_bytes > m.body.len() {
            let _ = write!(text, "\n… ({} bytes in all)", m.body_bytes);
        }
    }
    text
}
