//! The JSON Schemas under schema/ are what the code generates, agree with what the loader
//! accepts, and accept every shipped file.

use std::path::Path;

use serde_json::Value;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn committed(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo(rel)).unwrap()).unwrap()
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    for (rel, generated, kind) in [
        (
            "schema/collection.schema.json",
            runner::format::collection_schema(),
            "collection",
        ),
        (
            "schema/environment.schema.json",
            runner::format::environment_schema(),
            "environment",
        ),
    ] {
        let on_disk = std::fs::read_to_string(repo(rel)).unwrap();
        assert!(
            on_disk == generated,
            "{rel} is stale: run `cargo run -- schema {kind} > {rel}`"
        );
    }
}

/// The properties of a definition (`""` is the root).
fn properties(schema: &Value, definition: &str) -> Vec<String> {
    let node = if definition.is_empty() {
        schema
    } else {
        &schema["$defs"][definition]
    };
    let mut keys: Vec<String> = node["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {definition}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn schema_keys_are_the_keys_the_loader_accepts() {
    let schema = committed("schema/collection.schema.json");
    let definition_of = |map: &str| match map {
        "collection" => "",
        "group" => "Group",
        "include" => "Include",
        "request" => "Request",
        "assert" => "Assert",
        "capture" => "CaptureSpec",
        "oauth2" => "OAuth2",
        "basic" | "digest" => "Basic",
        "oauth1" => "OAuth1",
        "settings" => "Settings",
        "retry" => "Retry",
        "paginate" => "Paginate",
        "snapshot" => "SnapshotOptions",
        "operators" => "Operators",
        other => panic!("no schema definition for `{other}`"),
    };
    for (map, keys) in runner::load::accepted_keys() {
        let mut accepted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        accepted.sort();
        assert_eq!(
            properties(&schema, definition_of(map)),
            accepted,
            "schema and loader disagree on the keys of {map}"
        );
    }
}

fn validator(rel: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&committed(rel)).expect("a valid JSON Schema")
}

fn yaml_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    runner::load::yaml::parse(&text).unwrap().to_json().unwrap()
}

#[test]
fn every_shipped_file_validates_and_names_its_schema() {
    let collections = validator("schema/collection.schema.json");
    let environments = validator("schema/environment.schema.json");
    let mut checked = 0;
    for (folder, validator, schema) in [
        ("collections", &collections, "collection"),
        ("environments", &environments, "environment"),
    ] {
        for entry in std::fs::read_dir(repo(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let errors: Vec<String> = validator
                .iter_errors(&yaml_json(&path))
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{} does not validate: {errors:#?}",
                path.display()
            );
            let first = std::fs::read_to_string(&path).unwrap();
            let first = first.lines().next().unwrap_or_default().to_string();
            assert_eq!(
                first,
                format!("# yaml-language-server: $schema=../schema/{schema}.schema.json"),
                "{} should start with the schema comment",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} files checked");
}

#[test]
fn schema_rejects_what_the_loader_rejects() {
    let collections = validator("schema/collection.schema.json");
    for bad in [
        "requests:\n  - name: a\n    url: x\n    hedaers: {}\n",
        "requests:\n  - name: a\n    url: x\n    assert: { status: { eq: 200, lt: 300, bogus: 1 } }\n",
        "name: x\n",
        "requests:\n  - name: a\n    url: x\n    auth: { oauth2: { client_id: a } }\n",
    ] {
        let value = runner::load::yaml::parse(bad).unwrap().to_json().unwrap();
        assert!(!collections.is_valid(&value), "schema accepted:\n{bad}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.yaml");
        std::fs::write(&file, bad).unwrap();
        assert!(
            runner::load::load_collection(&file, &runner::secrets::Secrets::default()).is_err(),
            "loader accepted:\n{bad}"
        );
    }
}
