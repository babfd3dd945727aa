//! The conversion report: everything an import did not convert (script lines, auth types,
//! settings, ignored keys), each with its place in the source, plus the environment variables
//! the user must set. Plain data with two renderings: terminal lines and IMPORT-REPORT.md.

use std::fmt::Write as _;

/// Where in the source a finding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Folder names and the request name; empty for the collection itself.
    pub path: Vec<String>,
    /// `test` / `prerequest` and the 1-based line, for script findings.
    pub script: Option<(String, usize)>,
}

impl Place {
    /// The collection level.
    pub fn collection() -> Place {
        Place {
            path: Vec::new(),
            script: None,
        }
    }

    /// One level deeper.
    pub fn child(&self, name: &str) -> Place {
        let mut path = self.path.clone();
        path.push(name.to_string());
        Place { path, script: None }
    }

    /// A line of one of this item's scripts.
    pub fn line(&self, event: &str, line: usize) -> Place {
        Place {
            path: self.path.clone(),
            script: Some((event.to_string(), line)),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str("(collection)")?;
        } else {
            f.write_str(&self.path.join(" / "))?;
        }
        if let Some((event, line)) = &self.script {
            write!(f, " [{event} script, line {line}]")?;
        }
        Ok(())
    }
}

/// What kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    /// A script line kept as a comment.
    Script,
    /// An auth type or auth setting.
    Auth,
    /// A request, body or protocol setting.
    Setting,
    /// A key of the source the importer does not know.
    Ignored,
    /// A change made on the way that the user should know of (renames, secrets moved out).
    Note,
}

impl Topic {
    fn heading(self) -> &'static str {
        match self {
            Topic::Script => "Script lines to translate by hand",
            Topic::Auth => "Auth not converted",
            Topic::Setting => "Settings not converted",
            Topic::Ignored => "Ignored input",
            Topic::Note => "Changes made while converting",
        }
    }
}

/// One thing not converted, or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is about.
    pub topic: Topic,
    /// Where.
    pub place: Place,
    /// What happened, one line (script findings: the line itself).
    pub message: String,
}

/// An environment variable the converted files read with `secret("NAME")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVar {
    /// The environment variable.
    pub env: String,
    /// What it replaces (`environment bc-sandbox: clientSecret`).
    pub source: String,
}

/// The whole report of one import.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The source, as named on the command line.
    pub source: String,
    /// Files written, relative to the output folder.
    pub written: Vec<String>,
    /// Counts for the summary line: requests, groups, assertions, captures.
    pub counts: Counts,
    /// Findings in the order found.
    pub findings: Vec<Finding>,
    /// Environment variables to set before running.
    pub secrets: Vec<SecretVar>,
    /// Commands to try next (`runner run …`).
    pub next: Vec<String>,
}

/// Statements of the kinds that matter, found and translated.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// `pm.expect`, `pm.response.to`, `tests[…] =` statements.
    pub assertions_found: usize,
    /// … of which translated into assertions.
    pub assertions_translated: usize,
    /// `pm.environment.set(…)` and the other variable sets.
    pub sets_found: usize,
    /// … of which translated into captures.
    pub sets_translated: usize,
    /// Lines of code neither translated nor kept (a bug if ever above 0).
    pub unaccounted_lines: usize,
}

impl Tally {
    /// One assertion statement found.
    pub fn assertion(&mut self, translated: bool) {
        self.assertions_found += 1;
        self.assertions_translated += usize::from(translated);
    }

    /// One variable set found.
    pub fn set(&mut self, translated: bool) {
        self.sets_found += 1;
        self.sets_translated += usize::from(translated);
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.assertions_found += other.assertions_found;
        self.assertions_translated += other.assertions_translated;
        self.sets_found += other.sets_found;
        self.sets_translated += other.sets_translated;
        self.unaccounted_lines += other.unaccounted_lines;
    }
}

/// Sizes of what was converted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Requests written.
    pub requests: usize,
    /// Groups written (Postman folders).
    pub groups: usize,
    /// Assertions made from script lines.
    pub assertions: usize,
    /// Captures made from script lines.
    pub captures: usize,
    /// Script statements found and translated.
    pub scripts: Tally,
}

impl Report {
    /// Records a finding (the same message at the same place once).
    pub fn add(&mut self, topic: Topic, place: &Place, message: impl Into<String>) {
        let finding = Finding {
            topic,
            place: place.clone(),
            message: message.into(),
        };
        if !self.findings.contains(&finding) {
            self.findings.push(finding);
        }
    }

    /// Records an environment variable the user must set (once per name and source).
    pub fn secret(&mut self, env: &str, source: String) {
        let var = SecretVar {
            env: env.to_string(),
            source,
        };
        if !self.secrets.contains(&var) {
            self.secrets.push(var);
        }
    }

    /// Findings of one topic.
    pub fn of(&self, topic: Topic) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.topic == topic)
    }

    /// The environment variable names, sorted, once each.
    pub fn env_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.secrets.iter().map(|s| s.env.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn summary(&self) -> String {
        let c = self.counts;
        format!(
            "{} in {}, {} and {} from scripts",
            plural(c.requests, "request"),
            plural(c.groups, "group"),
            plural(c.assertions, "assertion"),
            plural(c.captures, "capture")
        )
    }

    /// For stderr: a summary, then one line per finding, then the variables to set.
    pub fn terminal(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "imported {}: {}", self.source, self.summary());
        for file in &self.written {
            let _ = writeln!(out, "  wrote {file}");
        }
        let open: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.topic != Topic::Note)
            .collect();
        if !open.is_empty() {
            let _ = writeln!(out, "not converted ({}):", open.len());
            let scripts: Vec<&Finding> = self.of(Topic::Script).collect();
            for (f, count) in grouped(&scripts) {
                let more = match count {
                    1 => String::new(),
                    n => format!(" (and {} more like it)", n - 1),
                };
                let _ = writeln!(out, "  {}: {}{more}", f.place, f.message);
            }
            for f in open.iter().filter(|f| f.topic != Topic::Script) {
                let _ = writeln!(out, "  {}: {}", f.place, f.message);
            }
        }
        let notes: Vec<&Finding> = self.of(Topic::Note).collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "changed ({}):", notes.len());
            for f in notes {
                let _ = writeln!(out, "  {}: {}", f.place, f.message);
            }
        }
        if !self.secrets.is_empty() {
            let _ = writeln!(
                out,
                "set these environment variables (or put them in .env) before running: {}",
                self.env_names().join(", ")
            );
        }
        for next in &self.next {
            let _ = writeln!(out, "next: {next}");
        }
        out
    }

    /// IMPORT-REPORT.md.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Import report\n");
        let _ = writeln!(out, "Source: `{}`\n", self.source);
        let _ = writeln!(out, "Converted: {}.\n", self.summary());
        let t = self.counts.scripts;
        if t.assertions_found + t.sets_found > 0 {
            let _ = writeln!(
                out,
                "Scripts: {} of {} assertion statements and {} of {} variable sets translated; {} lines neither translated nor listed here.\n",
                t.assertions_translated,
                t.assertions_found,
                t.sets_translated,
                t.sets_found,
                t.unaccounted_lines
            );
        }
        if !self.written.is_empty() {
            let _ = writeln!(out, "Files written:\n");
            for file in &self.written {
                let _ = writeln!(out, "- `{file}`");
            }
            out.push('\n');
        }
        if !self.secrets.is_empty() {
            let _ = writeln!(out, "## Environment variables to set\n");
            let _ = writeln!(
                out,
                "Secret values were not written to any file. The files read them with `secret(\"NAME\")`;\nset each one in the shell or in a git-ignored `.env` file:\n"
            );
            let _ = writeln!(out, "| variable | replaces |\n|---|---|");
            for s in &self.secrets {
                let _ = writeln!(out, "| `{}` | {} |", s.env, cell(&s.source));
            }
            out.push('\n');
        }
        for topic in [
            Topic::Script,
            Topic::Auth,
            Topic::Setting,
            Topic::Ignored,
            Topic::Note,
        ] {
            let findings: Vec<&Finding> = self.of(topic).collect();
            if findings.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {} ({})\n", topic.heading(), findings.len());
            if topic == Topic::Script {
                script_table(&mut out, &findings);
            } else {
                let _ = writeln!(out, "| where | what |\n|---|---|");
                for f in findings {
                    let _ = writeln!(
                        out,
                        "| {} | {} |",
                        cell(&f.place.to_string()),
                        cell(&f.message)
                    );
                }
            }
            out.push('\n');
        }
        if self.findings.is_empty() {
            let _ = writeln!(out, "Everything was converted.\n");
        }
        if !self.next.is_empty() {
            let _ = writeln!(out, "## Next\n");
            for next in &self.next {
                let _ = writeln!(out, "    {next}");
            }
        }
        out
    }
}

/// The script lines kept, grouped by pattern.
fn script_table(out: &mut String, findings: &[&Finding]) {
    let _ = writeln!(
        out,
        "Each line is kept as a `# postman:` comment next to its request or group.\nLines that differ only in their literals are one row, with their count and where the\nfirst one is.\n"
    );
    let _ = writeln!(
        out,
        "| where | script | line | code | count |\n|---|---|---|---|---|"
    );
    for (f, count) in grouped(findings) {
        let (event, line) = f.place.script.clone().unwrap_or_else(|| (String::new(), 0));
        let place = Place {
            path: f.place.path.clone(),
            script: None,
        };
        let _ = writeln!(
            out,
            "| {} | {event} | {line} | `{}` | {count} |",
            cell(&place.to_string()),
            code_cell(&f.message)
        );
    }
}

/// Script findings grouped by pattern (the code with its literals blanked), most frequent
/// first: the first finding of each pattern and how many there are.
fn grouped<'f>(findings: &[&'f Finding]) -> Vec<(&'f Finding, usize)> {
    let mut groups: Vec<(String, &Finding, usize)> = Vec::new();
    for f in findings {
        let key = pattern(&f.message);
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, count)) => *count += 1,
            None => groups.push((key, f, 1)),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.2));
    groups.into_iter().map(|(_, f, n)| (f, n)).collect()
}

/// A script line with the contents of its strings and its numbers blanked.
fn pattern(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                }
            }
            None if matches!(c, '"' | '\'' | '`') => {
                quote = Some(c);
                out.push(c);
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('0') {
                    out.push('0');
                }
            }
            None => out.push(c),
        }
    }
    out
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text safe inside a backtick code span in a table cell.
fn code_cell(text: &str) -> String {
    cell(text).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_as_paths() {
        let place = Place::collection().child("Customers").child("List");
        assert_eq!(place.to_string(), "Customers / List");
        assert_eq!(
            place.line("test", 4).to_string(),
            "Customers / List [test script, line 4]"
        );
        assert_eq!(Place::collection().to_string(), "(collection)");
    }

    #[test]
    fn findings_are_listed_once_and_in_markdown() {
        let mut report = Report::default();
        let place = Place::collection().child("A").line("test", 2);
        report.add(Topic::Script, &place, "console.log(x | y);");
        report.add(Topic::Script, &place, "console.log(x | y);");
        assert_eq!(report.findings.len(), 1);
        let md = report.markdown();
        assert!(
            md.contains("| A | test | 2 | `console.log(x \\| y);` | 1 |"),
            "{md}"
        );
        assert!(
            report
                .terminal()
                .contains("A [test script, line 2]: console.log")
        );
    }
}
