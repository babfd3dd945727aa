//! Unit tests of the script translation.

use super::*;
use crate::import::postman::checks::{Op, Subject};
use crate::import::postman::path::Seg;
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
                Subject::Json(vec![Seg::Key("token_type".into())]),
                Op::Eq(json!("Bearer"))
            ),
            (
                Subject::Json(vec![
                    Seg::Key("value".into()),
                    Seg::Index(0),
                    Seg::Key("@odata.etag".into())
                ]),
                Op::Contains(json!("W/"))
            ),
            (
                Subject::Json(vec![Seg::Key("value".into())]),
                Op::Length(vec![Op::Gt(json!(0))])
            ),
            (
                Subject::Json(vec![Seg::Key("count".into())]),
                Op::Ne(json!("<<old>>"))
            ),
            (
                Subject::Json(vec![Seg::Key("id".into())]),
                Op::Matches("(?i)^[0-9a-f-]{36}$".into())
            ),
            (
                Subject::Json(vec![Seg::Key("value".into())]),
                Op::Exists(true)
            ),
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
            (
                "token".into(),
                Source::Json(vec![Seg::Key("access_token".into())])
            ),
            (
                "company_id".into(),
                Source::Json(vec![
                    Seg::Key("value".into()),
                    Seg::Index(0),
                    Seg::Key("id".into())
                ])
            ),
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
         while (jsonData.more) {\n\
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
        "a capture inside a loop must not be made"
    );
    assert_eq!(t.tally.assertions_found, 2);
    assert_eq!(t.tally.assertions_translated, 1);
    assert_eq!(t.tally.sets_found, 2);
    assert_eq!(t.tally.sets_translated, 0);
    assert_eq!(t.tally.unaccounted_lines, 0);
}

#[test]
fn guarded_sets_become_conditional_and_optional_captures() {
    let t = run("var jsonData = pm.response.json();\n\
         if (pm.response.code === 200) {\n\
         \x20   pm.environment.set(\"id\", jsonData.id);\n\
         } else {\n\
         \x20   pm.environment.set(\"error\", jsonData.error);\n\
         }\n\
         try { pm.collectionVariables.set(\"etag\", jsonData.value[0].etag); } catch (e) {}");
    assert!(t.kept.is_empty(), "{:?}", t.kept);
    let got: Vec<(String, Option<String>, bool)> = t
        .captures
        .into_iter()
        .map(|(_, c)| (c.name, c.when, c.optional))
        .collect();
    assert_eq!(
        got,
        vec![
            ("id".into(), Some("(response.status == 200)".into()), false),
            (
                "error".into(),
                Some("(not (response.status == 200))".into()),
                false
            ),
            ("etag".into(), None, true),
        ]
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

#[test]
fn what_follows_a_kept_return_runs_only_sometimes_and_is_kept() {
    let t = run("const data = pm.response.json();\n\
         pm.test(\"x\", function () {\n\
         \x20   if (!data.items) { return; }\n\
         \x20   pm.expect(data.items.length).to.be.above(0);\n\
         });\n\
         for (const i of data.list) { if (i.done) break; }\n\
         pm.response.to.have.status(200);");
    let kept: Vec<usize> = t.kept.iter().map(|(n, _)| *n).collect();
    assert_eq!(kept, vec![2, 3, 4, 5, 6], "{:?}", t.kept);
    assert_eq!(t.checks.len(), 1, "the status after the loop is translated");
    assert_eq!(t.tally.unaccounted_lines, 0);
}

#[test]
fn an_alias_assigned_again_is_not_followed_and_an_undeclared_one_is() {
    let t = run("var data = pm.response.json();\n\
         if (data.wrapped) { data = data.inner; }\n\
         pm.expect(data.id).to.eql(1);");
    assert!(t.checks.is_empty(), "{:?}", t.checks);
    assert_eq!(t.tally.unaccounted_lines, 0);
    let t = run("responseData = JSON.parse(responseBody);\n\
         pm.collectionVariables.set(\"order_id\", responseData.id);");
    assert!(t.kept.is_empty(), "{:?}", t.kept);
    assert_eq!(t.captures.len(), 1);
}
