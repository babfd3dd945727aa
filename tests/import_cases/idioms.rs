//! Each script idiom `runner import postman` translates, with the JavaScript in and the YAML
//! out side by side in one snapshot. Every generated file must load.

use runner::import::postman::{convert_collection, parse_collection};
use runner::import::report::Report;
use serde_json::json;

/// The YAML a request with this test script becomes, under the script, plus what the report
/// says needs a human.
fn translate(js: &str) -> String {
    let exec: Vec<&str> = js.lines().collect();
    let collection = json!({
        "info": { "name": "idiom" },
        "item": [{
            "name": "request",
            "request": { "url": "http://127.0.0.1:9/items" },
            "event": [{ "listen": "test", "script": { "exec": exec } }]
        }]
    });
    let parsed = parse_collection(&collection.to_string()).expect("a collection");
    let mut report = Report::default();
    let generated = convert_collection(&parsed, &mut report);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idiom.yaml");
    std::fs::write(&path, &generated.text).unwrap();
    if let Err(errors) = runner::load::load_collection(&path, &runner::secrets::Secrets::default())
    {
        panic!("the YAML does not load: {errors:?}\n{}", generated.text);
    }
    let request = generated
        .text
        .split_once("requests:\n")
        .map_or(generated.text.as_str(), |(_, r)| r);
    let t = report.counts.scripts;
    format!(
        "{js}\n----- YAML -----\n{request}----- report -----\nassertions {}/{}, sets {}/{}, unaccounted lines {}\n",
        t.assertions_translated,
        t.assertions_found,
        t.sets_translated,
        t.sets_found,
        t.unaccounted_lines
    )
}

macro_rules! idiom {
    ($name:ident, $js:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(translate($js));
        }
    };
}

idiom!(
    status_through_an_alias_and_one_of,
    "const code = pm.response.code;\npm.expect(code).to.be.oneOf([200, 201, 204]);"
);
idiom!(
    status_as_a_disjunction_in_the_old_form,
    "tests[\"Status code \" + responseCode.code] = responseCode.code === 200 || responseCode.code === 201;"
);
idiom!(
    status_words_and_reason_phrases,
    "pm.test(\"created\", function () {\n    pm.response.to.have.status(\"Created\");\n});\npm.response.to.be.success;\npm.expect(pm.response.code).to.be.below(300);"
);
idiom!(
    json_through_aliases,
    "var data = JSON.parse(responseBody);\nconst first = data.value[0];\npm.expect(first[\"@odata.etag\"]).to.include(\"W/\");\nconst r = pm.response.json();\npm.expect(r.count).to.eql(pm.environment.get(\"expected\"));\npm.expect(_.get(r, \"meta.total\")).to.be.above(0);"
);
idiom!(
    guarded_capture_if_present,
    "var json = pm.response.json();\nif (json.id) {\n    pm.environment.set(\"id\", json.id);\n}"
);
idiom!(
    guarded_capture_has_own_property_and_else,
    "const body = pm.response.json();\nif (body.hasOwnProperty(\"token\")) {\n    pm.collectionVariables.set(\"token\", body.token);\n} else {\n    pm.collectionVariables.set(\"error\", body.error);\n}"
);
idiom!(
    guarded_capture_by_status,
    "if (pm.response.code === 201) {\n    pm.environment.set(\"created_id\", pm.response.json().id);\n    pm.environment.set(\"location\", pm.response.headers.get(\"Location\"));\n}"
);
idiom!(
    capture_in_try_catch,
    "try {\n    const data = pm.response.json();\n    pm.environment.set(\"etag\", data.value[0][\"@odata.etag\"]);\n} catch (e) {\n    console.log(e);\n}"
);
idiom!(
    several_guarded_sets_of_one_variable,
    "var data = JSON.parse(responseBody);\nif (data.results && data.results[0] && data.results[0].id) {\n    pm.environment.set(\"unit-id\", data.results[0].id);\n}\nif (data.id) {\n    pm.environment.set(\"unit-id\", data.id);\n}"
);
idiom!(
    boolean_expressions,
    "const j = pm.response.json();\npm.expect(j.items.length > 0 && j.total >= 1).to.be.true;\npm.test(\"types\", () => {\n    pm.expect(typeof j.name === \"string\").to.be.true;\n    pm.expect(Array.isArray(j.items)).to.eql(true);\n    pm.expect(j.tags.includes(\"new\")).to.be.ok;\n});\ntests[\"not an error\"] = !responseBody.has(\"error\");"
);
idiom!(
    chai_type_and_property_chains,
    "const j = pm.response.json();\npm.expect(j.name).to.be.a(\"string\");\npm.expect(j).to.have.property(\"id\");\npm.expect(j.items).to.have.lengthOf(2);\npm.response.to.have.jsonBody(\"meta.total\");\npm.response.to.have.header(\"Content-Type\");"
);
idiom!(
    inline_json_schema,
    "const schema = { type: \"object\", required: [\"id\"], properties: { id: { type: \"string\" } } };\npm.response.to.have.jsonSchema(schema);"
);
idiom!(
    every_body_contains_check_is_kept,
    "pm.test(\"body\", function () {\n    pm.expect(responseBody).to.include(\"alpha\");\n    pm.expect(responseBody).to.include(\"beta\");\n    tests[\"gamma\"] = responseBody.has(\"gamma\");\n});"
);
idiom!(
    a_refresh_token_is_secret_by_its_json_leaf,
    "const t = pm.response.json();\npm.environment.set(\"rt\", t.refresh_token);"
);
idiom!(
    what_cannot_be_translated_exactly_is_reported,
    "const j = pm.response.json();\npm.expect(j.value.some(c => c.blocked)).to.be.false;\npm.environment.set(\"later\", Date.now() + 1000);\nfor (const v of j.value) { pm.expect(v.id).to.exist; }\npm.expect(j.id == 1).to.be.true;"
);
idiom!(
    messages_lists_keys_and_variables,
    "const body = pm.response.json();\npm.expect(body.count, \"Expected items\").to.be.above(0);\npm.expect([401, 403]).to.include(pm.response.code);\ntests[\"has token\"] = \"access_token\" in body;\npm.expect(pm.variables.has(\"client-id\")).to.be.true;\npm.expect(pm.environment.get(\"region\")).to.eql(\"eu\");"
);
idiom!(
    body_is_json_and_not_empty,
    "pm.test(\"response must be valid and have a body\", function () {\n    pm.response.to.be.ok;\n    pm.response.to.be.withBody;\n    pm.response.to.be.json;\n});"
);

idiom!(
    constant_sets_become_value_captures,
    "const airline = \"UA\";\npm.environment.set(\"airline_code\", airline);\npm.environment.set(\"collection_tries\", 0);\npm.collectionVariables.set(\"lcc_tests\", true);\npm.variables.set(\"marker\", \"<<kept as text>>\");\nif (pm.response.code === 201) {\n    pm.environment.set(\"state\", \"created\");\n}"
);

idiom!(
    substring_of_a_json_string_becomes_a_value_capture,
    "var jsonData = JSON.parse(responseBody);\nvar outbound = jsonData.scheduleDescs[0];\npm.environment.set(\"oDepartureTime\", outbound.departure.time.substring(0, 5));\npm.environment.set(\"rest\", pm.environment.get(\"stamp\").substring(11));\npm.environment.set(\"upper\", outbound.departure.time.toUpperCase());"
);

/// The expression forms the translation writes hold exactly where JavaScript's conditions
/// do: truthiness (`[]` and `{}` are true, `0`, `""`, `null`, a missing key are not), type
/// tests, keys and inclusion.
#[test]
fn the_expressions_written_mean_what_javascript_means() {
    let project = super::support::Project::new();
    project.file(
        "m.yaml",
        "routes:\n  - match: { path: /j }\n    respond:\n      json: { a: true, b: 0, c: \"\", d: [], e: {}, f: x, n: null, s: str, num: 5 }\n",
    );
    let truthy = |key: &str| {
        format!(
            "(response.json[\"{key}\"] is defined and response.json[\"{key}\"] not in [none, false, 0, \"\"])"
        )
    };
    let mut exprs: Vec<String> = ["a", "d", "e", "f"].iter().map(|k| truthy(k)).collect();
    exprs.extend(
        ["b", "c", "n", "missing"]
            .iter()
            .map(|k| format!("(not {})", truthy(k))),
    );
    exprs.extend(
        [
            "(response.json[\"s\"] is string)",
            "(not (response.json[\"d\"] is string))",
            "(response.json[\"d\"] is sequence)",
            "(not (response.json[\"s\"] is sequence))",
            "(response.json[\"a\"] is boolean)",
            "(response.json[\"num\"] is number)",
            "(response.json is mapping and \"a\" in response.json)",
            "(\"t\" in response.json[\"s\"])",
            "(response.json[\"num\"] >= 1)",
        ]
        .map(String::from),
    );
    let list: Vec<String> = exprs
        .iter()
        .map(|e| format!("        - '{}'", e.replace('\'', "''")))
        .collect();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: forms\n    url: <<mock_url>>/j\n    assert:\n      json:\n        $: {{ exists: true }}\n      expr:\n{}\n",
            list.join("\n")
        ),
    );
    project
        .runner(["run", "c.yaml", "--mock", "m.yaml"])
        .run()
        .expect_code(0);
}
