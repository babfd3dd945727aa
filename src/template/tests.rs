//! The template module's unit tests: compiling, rendering, the shortcut and the functions.

use super::*;
use std::path::Path;
use std::sync::Arc;

fn loc() -> Location {
    Location {
        file: Arc::from(Path::new("t.yaml")),
        line: 1,
        col: 1,
    }
}

fn ctx() -> Value {
    Value::from_iter([("Tenant", Value::from("contoso")), ("qty", Value::from(3))])
}

#[test]
fn literal_strings_skip_the_engine() {
    let mut b = TemplateBuilder::default();
    assert!(matches!(b.text("plain {{ x }}", loc(), "url"), Tpl::Lit(_)));
}

#[test]
fn text_and_typed_rendering() {
    let mut b = TemplateBuilder::default();
    let url = b.text("https://x/<<Tenant | upper>>/y", loc(), "url");
    let qty = TValue::Str(b.text("<<qty>>", loc(), "json.qty"));
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    assert_eq!(t.render(&url, &ctx()).unwrap(), "https://x/CONTOSO/y");
    assert_eq!(t.render_value(&qty, &ctx()).unwrap(), serde_json::json!(3));
}

#[test]
fn undefined_variable_is_named_with_a_suggestion() {
    let mut b = TemplateBuilder::default();
    let tpl = b.text("Bearer <<Tenat>>", loc(), "headers.Authorization");
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    let err = t.render(&tpl, &ctx()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "undefined variable `Tenat` in headers.Authorization (did you mean `Tenant`?)"
    );
}

#[test]
fn syntax_errors_are_collected() {
    let mut b = TemplateBuilder::default();
    b.text("<< a + >>", loc(), "url");
    b.text("<% if %>", loc(), "body");
    let errors = b.compile(&crate::secrets::Secrets::default()).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(errors[0].message.starts_with("invalid template in url"));
}

#[test]
fn functions_and_filters() {
    let mut b = TemplateBuilder::default();
    let enc = b.text("<<'a:b' | base64_encode>>", loc(), "x");
    let dec = b.text("<<base64_decode('YTpi')>>", loc(), "x");
    let def = b.text("<<env('RUNNER_SURELY_UNSET', 'fallback')>>", loc(), "x");
    let unset = b.text("<<env('RUNNER_SURELY_UNSET')>>", loc(), "x");
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    assert_eq!(t.render(&enc, &ctx()).unwrap(), "YTpi");
    assert_eq!(t.render(&dec, &ctx()).unwrap(), "a:b");
    assert_eq!(t.render(&def, &ctx()).unwrap(), "fallback");
    let err = t.render(&unset, &ctx()).unwrap_err().to_string();
    assert!(err.contains("RUNNER_SURELY_UNSET"), "{err}");
}

#[test]
fn substring_counts_utf16_units_and_clamps_and_swaps_as_javascript_does() {
    let mut b = TemplateBuilder::default();
    let cases = [
        ("<<'12:30:00' | substring(0, 5)>>", "12:30"),
        ("<<'12:30:00' | substring(3)>>", "30:00"),
        ("<<'abc' | substring(2, 0)>>", "ab"),
        ("<<'abc' | substring(-4, 99)>>", "abc"),
        ("<<'a😀b' | substring(0, 3)>>", "a😀"),
        ("<<'a😀b' | substring(0, 2)>>", "a\u{fffd}"),
    ];
    let tpls: Vec<_> = cases.iter().map(|(t, _)| b.text(t, loc(), "x")).collect();
    let number = b.text("<<5 | substring(0, 1)>>", loc(), "x");
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    for ((source, expected), tpl) in cases.iter().zip(&tpls) {
        assert_eq!(t.render(tpl, &ctx()).unwrap(), *expected, "{source}");
    }
    let err = t.render(&number, &ctx()).unwrap_err().to_string();
    assert!(err.contains("not a string"), "{err}");
}

#[test]
fn variable_lookups_without_the_engine_render_as_the_engine_does() {
    let ctx = Value::from_iter([
        ("base", Value::from("http://h:1")),
        ("id", Value::from("c1")),
        ("n", Value::from(1.5)),
        ("flag", Value::from(true)),
        ("true", Value::from("shadow")),
        ("items", Value::from(vec![1, 2])),
    ]);
    let mut b = TemplateBuilder::default();
    let sources = [
        "<<base>>/companies(<< id >>)/x",
        "<<base>>",
        "<<n>>",
        "id=<<n>>&f=<<flag>>",
        "<<true>>",
        "<<items>>",
        "a >> b <<id>>",
        "<<id>>\n",
        "<<-id>> x",
        "<<'a>>b'>>",
        "<<id>><% if true %>!<% endif %>",
        "<<missing>>/x",
    ];
    let tpls: Vec<Tpl> = sources.iter().map(|s| b.text(s, loc(), "url")).collect();
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    for (source, tpl) in sources.iter().zip(&tpls) {
        let (Tpl::Text(id) | Tpl::Expr(id)) = tpl else {
            panic!("{source} is a template")
        };
        let quick = t.eval(*id, &ctx).map_err(|e| e.to_string());
        let engine = t.eval_with_engine(*id, &ctx).map_err(|e| e.to_string());
        assert_eq!(quick, engine, "{source}");
    }
    // the lookups did happen without the engine where they could
    let looked_up: Vec<bool> = (0..sources.len())
        .map(|i| {
            t.entries[i]
                .shortcut
                .as_ref()
                .and_then(|s| s.eval(&ctx))
                .is_some()
        })
        .collect();
    assert_eq!(
        looked_up,
        [
            true, true, true, false, false, true, true, true, false, false, false, false
        ]
    );
    let shortcuts = |text: &str| shortcut::text_pieces(text).is_some();
    assert!(shortcuts("<<base>>/companies(<< id >>)/x"));
    assert!(!shortcuts("<<id | upper>>") && !shortcuts("<<-id>>") && !shortcuts("<<none>>"));
}

#[test]
fn runaway_loops_are_stopped() {
    let mut b = TemplateBuilder::default();
    let tpl = b.text(
        "<% for a in range(100000) %><% for b in range(100000) %>x<% endfor %><% endfor %>",
        loc(),
        "body",
    );
    let t = b.compile(&crate::secrets::Secrets::default()).unwrap();
    assert!(t.render(&tpl, &ctx()).is_err());
}
