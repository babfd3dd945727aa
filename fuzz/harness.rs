//! What each fuzz target does with an input. Shared, file for file, by the cargo-fuzz targets
//! (`fuzz_targets/*.rs`) and by `tests/fuzz_corpus.rs`, which feeds every committed corpus
//! file through the same functions in a plain `cargo test`.
//!
//! Each function must return normally for every input: a panic (or a hang, or unbounded
//! memory) is a bug in `runner`. The matcher target also checks algebraic properties.

#![allow(dead_code)] // each fuzz target uses one function of this file

use std::cmp::Ordering;
use std::path::PathBuf;

use runner::check::matcher::{compare, contains, diff, equal, length, text, type_name};
use serde_json::Value;

/// The input written to a scratch file (per process and thread), as the runner reads files.
fn scratch_file(data: &[u8]) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    let path =
        std::env::temp_dir().join(format!("runner-fuzz-{}-{thread}.yaml", std::process::id()));
    std::fs::write(&path, data).expect("write the scratch file");
    path
}

/// Every load error rendered the way the CLI shows it.
fn show(errors: &[runner::load::LoadError]) {
    for error in errors {
        let _ = error.render();
        let _ = error.hint();
    }
}

/// The bytes as a collection file, an environment file and a mock file: loaded completely
/// (YAML, fields, templates, JSONPaths, regexes) or refused with positioned errors.
pub fn loader(data: &[u8]) {
    let path = scratch_file(data);
    let secrets = runner::secrets::Secrets::default();
    match runner::load::load_collection(&path, &secrets) {
        Ok(collection) => {
            let _ = format!("{collection:?}");
        }
        Err(errors) => show(&errors),
    }
    if let Err(errors) = runner::load::environment::load(&path, &secrets) {
        show(&errors);
    }
    if let Err(errors) = runner::load::mock::load_mock(&path, &secrets) {
        show(&errors);
    }
    let _ = std::fs::remove_file(&path);
}

/// The variables templates see.
fn context() -> minijinja::Value {
    minijinja::Value::from_serialize(serde_json::json!({
        "Tenant": "contoso",
        "qty": 3,
        "price": 10.5,
        "flag": true,
        "nothing": null,
        "list": [1, "two", {"three": 3}],
        "company": {"id": "c0ffee", "name": "CRONUS"},
        "response": {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "json": {"status": "Completed", "value": [{"id": 1}]},
            "body": "{\"status\":\"Completed\"}",
            "duration_ms": 12
        }
    }))
}

fn location() -> runner::location::Location {
    runner::location::Location {
        file: std::sync::Arc::from(std::path::Path::new("fuzz.yaml")),
        line: 1,
        col: 1,
    }
}

/// The text as a string field (`<<…>>`, `<% %>`, `<# #>`) and as a bare expression (as in
/// `expr:` and `retry.until`): compiled with the runner's environment (strict undefined,
/// fuel, recursion limit), then rendered, evaluated and rendered as typed JSON.
pub fn template(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ctx = context();

    let mut builder = runner::template::TemplateBuilder::default();
    let tpl = builder.text(&text, location(), "fuzz");
    if let Ok(templates) = builder.compile(&runner::secrets::Secrets::default()) {
        let _ = templates.render(&tpl, &ctx).map_err(|e| e.to_string());
        let value = runner::template::TValue::Str(tpl);
        let _ = templates.render_value(&value, &ctx);
    }

    let mut builder = runner::template::TemplateBuilder::default();
    let id = builder.expression(&text, location(), "expr");
    if let Ok(templates) = builder.compile(&runner::secrets::Secrets::default()) {
        let _ = templates.variables(id);
        match templates.eval(id, &ctx) {
            Ok(value) => {
                let _ = value.is_true();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// The bytes as JSON: a two-element array is an (actual, expected) pair, anything else is
/// paired with itself. Checks `equal` reflexive and symmetric, `compare` antisymmetric, and
/// runs `contains`, `length`, `text`, `diff`, and a JSONPath select when the expected side is
/// a string that parses as one.
pub fn matcher(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (a, b) = match &value {
        Value::Array(items) if items.len() == 2 => (items[0].clone(), items[1].clone()),
        other => (other.clone(), other.clone()),
    };
    assert!(equal(&a, &a), "equal is reflexive: {a}");
    assert!(equal(&b, &b), "equal is reflexive: {b}");
    assert_eq!(
        equal(&a, &b),
        equal(&b, &a),
        "equal is symmetric: {a} vs {b}"
    );
    assert_eq!(
        compare(&a, &b),
        compare(&b, &a).map(Ordering::reverse),
        "compare is antisymmetric: {a} vs {b}"
    );
    let _ = contains(&a, &b);
    let _ = contains(&b, &a);
    let _ = (length(&a), type_name(&a), text(&a));
    let _ = diff(&b, &a);
    if let Value::String(path) = &b
        && let Ok(query) = runner::query::Query::parse(path)
    {
        let full = runner::query::select(&query, &a);
        // simple paths are also evaluated on the text: both ways must agree
        if let Some(steps) = &query.steps {
            let body = serde_json::to_vec(&a).unwrap();
            let fast = runner::query::select_in_text(steps, &body);
            assert_eq!(fast, Some(full), "{path} on {a}");
            let fast = runner::query::select_in_text(steps, data);
            assert!(
                fast.is_none() || fast == Some(runner::query::select(&query, &value)),
                "{path} on the input text"
            );
        }
    }
}
