//! The scripts (events) of collections, folders and requests: translated by `script`, then
//! merged. A folder's assertions hold for every request inside it, as in Postman; a folder's
//! captures cannot, and are kept as comments. Every line not converted is reported.

use super::checks::{Assertions, Check};
use super::model::Event;
use super::script::{self, Span};
use super::{Converter, Scope};
use crate::import::report::{Place, Topic};

/// The scripts of one item, translated, before they are merged into a request or folder.
pub(super) struct Scripts {
    /// (event, lines, translation) per script.
    pub(super) scripts: Vec<(String, Vec<String>, script::Translation)>,
}

impl Converter<'_> {
    /// Translates the enabled scripts of an item.
    pub(super) fn scripts(&mut self, events: &[Event], place: &Place) -> Scripts {
        let mut scripts = Vec::new();
        for event in events {
            let listen = event.listen.clone().unwrap_or_else(|| "script".into());
            let Some(exec) = event.script.as_ref().and_then(|s| s.exec.as_ref()) else {
                continue;
            };
            let lines = exec.lines();
            if event.disabled {
                if lines.iter().any(|l| !l.trim().is_empty()) {
                    let message = format!("disabled {listen} script left out");
                    self.report.add(Topic::Setting, place, message);
                }
                continue;
            }
            let translation = script::translate(&lines, listen == "test");
            self.report.counts.scripts += translation.tally;
            for (from, to) in &translation.renamed {
                self.renamed_var(from, to);
            }
            scripts.push((listen, lines, translation));
        }
        Scripts { scripts }
    }

    /// The collection's or a folder's scripts: assertions join the scope (for every request
    /// inside); captures would run after every request and are kept as comments.
    pub(super) fn folder_scripts(&mut self, scripts: Scripts, scope: &mut Scope) -> Vec<String> {
        let mut comments = Vec::new();
        let place = scope.place.clone();
        for (listen, lines, t) in scripts.scripts {
            let mut kept = t.kept.clone();
            self.merge_checks(
                &mut scope.checks,
                &t.checks,
                &lines,
                &mut kept,
                &place,
                &listen,
            );
            for (span, capture) in &t.captures {
                keep_span(&mut kept, &lines, *span);
                self.report.counts.scripts.sets_translated =
                    self.report.counts.scripts.sets_translated.saturating_sub(1);
                self.report.add(
                    Topic::Note,
                    &place.line(&listen, span.0),
                    format!(
                        "capture of `{}` in a folder script would run after every request inside; kept as a comment",
                        capture.name
                    ),
                );
            }
            comments.extend(self.kept_lines(&listen, kept, &place));
        }
        comments
    }

    /// Adds the checks statement by statement; a statement whose checks contradict what is
    /// there already is kept as lines instead. Returns how many checks were added.
    pub(super) fn merge_checks(
        &mut self,
        assertions: &mut Assertions,
        checks: &[(Span, Check)],
        lines: &[String],
        kept: &mut Vec<(usize, String)>,
        place: &Place,
        listen: &str,
    ) -> usize {
        let mut added = 0;
        for (span, group) in by_span(checks) {
            if assertions.accepts(&group) {
                for check in &group {
                    assertions.add(check);
                }
                added += group.len();
            } else {
                keep_span(kept, lines, span);
                self.report.counts.scripts.assertions_translated = self
                    .report
                    .counts
                    .scripts
                    .assertions_translated
                    .saturating_sub(1);
                self.report.add(
                    Topic::Note,
                    &place.line(listen, span.0),
                    "assertion contradicts another one for the same request; kept as a comment",
                );
            }
        }
        added
    }

    /// Reports kept lines and returns them as comment lines.
    pub(super) fn kept_lines(
        &mut self,
        listen: &str,
        mut kept: Vec<(usize, String)>,
        place: &Place,
    ) -> Vec<String> {
        kept.sort_by_key(|(n, _)| *n);
        kept.dedup();
        if kept.is_empty() {
            return Vec::new();
        }
        let mut comments = vec![format!("Postman {listen} script, lines not converted:")];
        for (n, line) in kept {
            self.report
                .add(Topic::Script, &place.line(listen, n), line.clone());
            comments.push(format!("postman: {line}"));
        }
        comments
    }
}

/// Checks grouped by the statement (span) they came from, in order.
fn by_span(checks: &[(Span, Check)]) -> Vec<(Span, Vec<Check>)> {
    let mut out: Vec<(Span, Vec<Check>)> = Vec::new();
    for (span, check) in checks {
        match out.last_mut() {
            Some((s, group)) if s == span => group.push(check.clone()),
            _ => out.push((*span, vec![check.clone()])),
        }
    }
    out
}

/// Adds the lines of a statement to the kept lines.
fn keep_span(kept: &mut Vec<(usize, String)>, lines: &[String], span: Span) {
    for n in span.0..=span.1 {
        if let Some(line) = lines.get(n - 1) {
            kept.push((n, line.trim().to_string()));
        }
    }
}
