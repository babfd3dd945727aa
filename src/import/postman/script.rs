//! Postman scripts → assertions and captures. Understands the common `pm.test` / `pm.expect` /
//! `pm.response.to` patterns, `pm.environment.set(...)` of a response value, the old
//! `tests["…"] = …` form and `var jsonData = pm.response.json()` aliases. Every other line is
//! returned as kept, with its line number; lines inside `if`, loops and callbacks are never
//! translated, because running them unconditionally would change what the script means.

mod chai;
mod statement;

use super::checks::{CaptureSpec, Check, Source};
use super::js::{Aliases, Cursor, Seg};
use crate::import::placeholder::var_name;

/// The 1-based first and last line a translated statement came from.
pub type Span = (usize, usize);

/// What came out of one script.
#[derive(Debug, Default)]
pub struct Translation {
    /// Assertions, in script order, with the lines they came from.
    pub checks: Vec<(Span, Check)>,
    /// Captures, in script order, with the lines they came from.
    pub captures: Vec<(Span, CaptureSpec)>,
    /// Lines not converted: (1-based line number, text), in order.
    pub kept: Vec<(usize, String)>,
    /// Capture names that differ from the script's variable names: (script name, used name).
    pub renamed: Vec<(String, String)>,
}

/// What one statement means.
#[derive(Debug)]
enum Meaning {
    Alias(String, Vec<Seg>),
    Checks(Vec<Check>),
    Capture(String, Source),
}

enum Frame {
    /// Inside `pm.test("…", function () {`.
    Test {
        opener: Vec<(usize, String)>,
        kept_any: bool,
        depth: i32,
    },
    /// Inside any other block: everything is kept.
    Opaque { depth: i32 },
}

/// Translates the lines of a `test` script (a `prerequest` script keeps every line).
pub fn translate(lines: &[String], is_test: bool) -> Translation {
    let mut t = Translation::default();
    if !is_test {
        let mut in_comment = false;
        for (i, line) in lines.iter().enumerate() {
            if !is_comment_or_blank(line, &mut in_comment) {
                t.kept.push((i + 1, line.trim().to_string()));
            }
        }
        return t;
    }
    let mut aliases = Aliases::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut depth: i32 = 0;
    let mut in_comment = false;
    let mut i = 0;
    while i < lines.len() {
        // one logical line: continuation lines (`.to.eql(1)`, open brackets) joined
        let first = i;
        let mut text = lines[i].trim().to_string();
        i += 1;
        if is_comment_or_blank(&text, &mut in_comment) {
            continue;
        }
        let opaque = matches!(frames.last(), Some(Frame::Opaque { .. }));
        if !opaque && test_opener(&text).is_none() {
            loop {
                let d = deltas(&text);
                let open_expr = (d.paren > 0 || d.bracket > 0) && d.brace == 0;
                let next_dot = lines
                    .get(i)
                    .is_some_and(|l| l.trim_start().starts_with('.'));
                if i < lines.len() && (open_expr || next_dot) && i - first < 20 {
                    text.push(' ');
                    text.push_str(lines[i].trim());
                    i += 1;
                } else {
                    break;
                }
            }
        }
        let physical: Vec<(usize, String)> = (first..i)
            .map(|n| (n + 1, lines[n].trim().to_string()))
            .collect();
        let delta = deltas(&text).brace;
        if opaque {
            keep(&mut t, &mut frames, &physical);
            depth += delta;
            pop_closed(&mut frames, depth);
            continue;
        }
        if test_opener(&text).is_some() {
            frames.push(Frame::Test {
                opener: physical,
                kept_any: false,
                depth,
            });
            depth += delta.max(1);
            continue;
        }
        if delta < 0 {
            let closes_test = matches!(frames.last(), Some(Frame::Test { .. })) && is_closer(&text);
            if closes_test {
                if let Some(Frame::Test { kept_any: true, .. }) = frames.last() {
                    t.kept.extend(physical);
                }
                frames.pop();
            } else {
                keep(&mut t, &mut frames, &physical);
            }
            depth = (depth + delta).max(0);
            pop_closed(&mut frames, depth);
            continue;
        }
        if delta > 0 {
            keep(&mut t, &mut frames, &physical);
            frames.push(Frame::Opaque { depth });
            depth += delta;
            continue;
        }
        match translate_line(&text, &mut aliases) {
            Some(meanings) => apply(&mut t, (first + 1, i), meanings),
            None => keep(&mut t, &mut frames, &physical),
        }
    }
    t.kept.sort_by_key(|(n, _)| *n);
    t.kept.dedup();
    t
}

fn apply(t: &mut Translation, span: Span, meanings: Vec<Meaning>) {
    for meaning in meanings {
        match meaning {
            Meaning::Checks(checks) => t.checks.extend(checks.into_iter().map(|c| (span, c))),
            Meaning::Capture(name, source) => {
                let used = var_name(&name);
                if used != name {
                    t.renamed.push((name, used.clone()));
                }
                t.captures.retain(|(_, c)| c.name != used);
                t.captures.push((span, CaptureSpec { name: used, source }));
            }
            Meaning::Alias(..) => {}
        }
    }
}

/// Keeps lines; inside a test whose opener was not kept yet, the opener is kept too.
fn keep(t: &mut Translation, frames: &mut [Frame], lines: &[(usize, String)]) {
    for frame in frames.iter_mut() {
        if let Frame::Test {
            opener, kept_any, ..
        } = frame
            && !*kept_any
        {
            *kept_any = true;
            t.kept.extend(opener.iter().cloned());
        }
    }
    t.kept.extend(lines.iter().cloned());
}

fn pop_closed(frames: &mut Vec<Frame>, depth: i32) {
    while let Some(frame) = frames.last() {
        let opened_at = match frame {
            Frame::Test { depth, .. } | Frame::Opaque { depth } => *depth,
        };
        if depth <= opened_at {
            frames.pop();
        } else {
            break;
        }
    }
}

fn is_comment_or_blank(line: &str, in_comment: &mut bool) -> bool {
    let t = line.trim();
    if *in_comment {
        if t.contains("*/") {
            *in_comment = false;
        }
        return true;
    }
    if t.starts_with("/*") {
        *in_comment = !t.contains("*/");
        return true;
    }
    t.is_empty() || t.starts_with("//")
}

/// `})`, `});`, `}`: the end of a `pm.test` block.
fn is_closer(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(compact.as_str(), "})" | "});" | "}" | "};")
}

/// `pm.test("name", function () {` or `pm.test("name", () => {` at the end of the line.
fn test_opener(text: &str) -> Option<String> {
    let mut c = Cursor::new(text);
    if !(c.eat_path("pm.test") && c.eat("(")) {
        return None;
    }
    let name = c.string()?;
    if !c.eat(",") || !function_head(&mut c) || !c.eat("{") {
        return None;
    }
    c.at_end().then_some(name)
}

/// `function () ` (optionally named) or `() =>`.
fn function_head(c: &mut Cursor) -> bool {
    if c.eat_path("function") {
        let _ = c.ident();
        return c.eat("(") && c.eat(")");
    }
    c.eat("(") && c.eat(")") && c.eat("=>")
}

#[derive(Default, Clone, Copy)]
struct Deltas {
    paren: i32,
    bracket: i32,
    brace: i32,
}

/// Net open brackets of a line, strings and `//` comments skipped.
fn deltas(text: &str) -> Deltas {
    let mut d = Deltas::default();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = ' ';
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '/' if prev == '/' => break,
            '\'' | '"' | '`' => quote = Some(c),
            '(' => d.paren += 1,
            ')' => d.paren -= 1,
            '[' => d.bracket += 1,
            ']' => d.bracket -= 1,
            '{' => d.brace += 1,
            '}' => d.brace -= 1,
            _ => {}
        }
        prev = c;
    }
    d
}

/// Statements of a line split at top-level `;`.
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut level = 0i32;
    for c in text.chars() {
        if let Some(q) = quote {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' | '[' | '{' => level += 1,
            ')' | ']' | '}' => level -= 1,
            ';' if level == 0 => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_string());
                }
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// Every statement of the line, or `None` if any is not understood (then none is used).
fn translate_line(text: &str, aliases: &mut Aliases) -> Option<Vec<Meaning>> {
    let mut out = Vec::new();
    let mut local = aliases.clone();
    for statement in statements(text) {
        let meaning = statement::translate_statement(&statement, &mut local)?;
        if let Meaning::Alias(name, segs) = &meaning {
            local.insert(name.clone(), segs.clone());
        }
        out.push(meaning);
    }
    *aliases = local;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::postman::checks::{Op, Subject};
    use serde_json::json;

    fn run(script: &str) -> Translation {
        let lines: Vec<String> = script.lines().map(String::from).collect();
        translate(&lines, true)
    }

    fn checks(script: &str) -> Vec<(Subject, Op)> {
        let t = run(script);
        assert!(t.kept.is_empty(), "kept: {:?}", t.kept);
        t.checks
            .into_iter()
            .map(|(_, c)| (c.subject, c.op))
            .collect()
    }

    #[test]
    fn status_patterns() {
        let expected = vec![(Subject::Status, Op::Eq(json!(200)))];
        assert_eq!(checks("pm.response.to.have.status(200);"), expected);
        assert_eq!(checks("pm.response.to.have.status(\"OK\")"), expected);
        assert_eq!(checks("pm.expect(pm.response.code).to.eql(200);"), expected);
        assert_eq!(checks("pm.response.to.be.ok;"), expected);
        assert_eq!(
            checks("pm.expect(pm.response.code).to.be.oneOf([200, 201]);"),
            vec![(Subject::Status, Op::OneOf(vec![json!(200), json!(201)]))]
        );
        assert_eq!(
            checks("pm.response.to.be.success"),
            vec![
                (Subject::Status, Op::Gte(json!(200))),
                (Subject::Status, Op::Lt(json!(300)))
            ]
        );
        assert_eq!(
            checks("tests[\"Status code is 200\"] = responseCode.code === 200;"),
            expected
        );
    }

    #[test]
    fn json_values_through_aliases() {
        let got = checks(
            "var jsonData = pm.response.json();\n\
             pm.expect(jsonData.token_type).to.eql('Bearer');\n\
             const first = jsonData.value[0];\n\
             pm.expect(first['@odata.etag']).to.include('W/');\n\
             pm.expect(jsonData.value.length).to.be.above(0);\n\
             pm.expect(pm.response.json().count).to.not.equal(pm.environment.get(\"old\"));\n\
             pm.expect(jsonData.id).to.match(/^[0-9a-f-]{36}$/i);\n\
             pm.expect(jsonData).to.have.property('value');",
        );
        assert_eq!(
            got,
            vec![
                (
                    Subject::Json("$.token_type".into()),
                    Op::Eq(json!("Bearer"))
                ),
                (
                    Subject::Json("$.value[0]['@odata.etag']".into()),
                    Op::Contains(json!("W/"))
                ),
                (
                    Subject::Json("$.value".into()),
                    Op::Length(vec![Op::Gt(json!(0))])
                ),
                (Subject::Json("$.count".into()), Op::Ne(json!("<<old>>"))),
                (
                    Subject::Json("$.id".into()),
                    Op::Matches("(?i)^[0-9a-f-]{36}$".into())
                ),
                (Subject::Json("$.value".into()), Op::Exists(true)),
            ]
        );
    }

    #[test]
    fn headers_body_and_time() {
        let got = checks(
            "pm.response.to.have.header(\"Content-Type\");\n\
             pm.expect(pm.response.headers.get('Content-Type')).to.include('application/json');\n\
             pm.expect(pm.response.text()).to.not.include('error');\n\
             pm.expect(pm.response.responseTime).to.be.below(500);",
        );
        assert_eq!(
            got,
            vec![
                (Subject::Header("Content-Type".into()), Op::Exists(true)),
                (
                    Subject::Header("Content-Type".into()),
                    Op::Contains(json!("application/json"))
                ),
                (Subject::Body, Op::NotContains(json!("error"))),
                (Subject::Duration, Op::Lt(json!(500))),
            ]
        );
    }

    #[test]
    fn test_blocks_and_continuations() {
        let t = run("pm.test(\"Status code is 200\", function () {\n\
             \x20   pm.response.to.have.status(200);\n\
             });\n\
             pm.test(\"is array\", () => {\n\
             \x20   pm.expect(pm.response.json().value)\n\
             \x20       .to.be.an('array');\n\
             });\n\
             pm.test(\"one line\", () => pm.expect(pm.response.code).to.eql(200));");
        assert!(t.kept.is_empty(), "{:?}", t.kept);
        assert_eq!(t.checks.len(), 3);
        assert_eq!(t.checks[1].1.op, Op::Type("array"));
        assert_eq!(t.checks[1].0, (5, 6));
    }

    #[test]
    fn captures() {
        let t = run("var jsonData = JSON.parse(responseBody);\n\
             pm.environment.set(\"token\", jsonData.access_token);\n\
             pm.collectionVariables.set('company-id', jsonData.value[0].id);\n\
             pm.globals.set(\"etag\", pm.response.headers.get(\"ETag\"));\n\
             postman.setEnvironmentVariable(\"code\", responseCode.code);");
        assert!(t.kept.is_empty(), "{:?}", t.kept);
        let got: Vec<(String, Source)> = t
            .captures
            .into_iter()
            .map(|(_, c)| (c.name, c.source))
            .collect();
        assert_eq!(
            got,
            vec![
                ("token".into(), Source::Json("$.access_token".into())),
                ("company_id".into(), Source::Json("$.value[0].id".into())),
                ("etag".into(), Source::Header("ETag".into())),
                ("code".into(), Source::Status),
            ]
        );
        assert_eq!(
            t.renamed,
            vec![("company-id".to_string(), "company_id".to_string())]
        );
    }

    #[test]
    fn untranslatable_lines_are_kept_with_their_numbers() {
        let t = run("// a comment\n\
             var jsonData = pm.response.json();\n\
             pm.test(\"customers are not blocked\", function () {\n\
             \x20   pm.response.to.have.status(200);\n\
             \x20   pm.expect(jsonData.value.every(c => c.blocked === \" \")).to.be.true;\n\
             });\n\
             if (pm.response.code === 200) {\n\
             \x20   pm.environment.set(\"id\", jsonData.id);\n\
             }\n\
             console.log(jsonData);\n\
             pm.environment.set(\"now\", Date.now());");
        let kept: Vec<usize> = t.kept.iter().map(|(n, _)| *n).collect();
        assert_eq!(kept, vec![3, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(
            t.checks.len(),
            1,
            "the status line inside the test is still converted"
        );
        assert!(
            t.captures.is_empty(),
            "a capture inside `if` must not be made"
        );
    }

    #[test]
    fn prerequest_scripts_are_kept_whole() {
        let lines: Vec<String> = ["// c", "pm.environment.set('x', 1);", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let t = translate(&lines, false);
        assert_eq!(t.kept, vec![(2, "pm.environment.set('x', 1);".to_string())]);
    }

    #[test]
    fn literals_are_escaped_for_templates() {
        let got = checks("pm.expect(pm.response.text()).to.include('<<x>>');");
        let escaped = crate::import::placeholder::escape_literal("<<x>>");
        assert_eq!(got, vec![(Subject::Body, Op::Contains(json!(escaped)))]);
    }
}
