//! Captures that may select nothing (`optional`, `default`) and conditional captures
//! (`when`), and captures of a value of their own (`value`), through the binary against a mock
//! on loopback.

mod support;

use support::{Project, dedent};

const MOCK: &str = "
    routes:
      - match: { path: /found }
        respond:
          json: { id: 7, ok: true, time: '12:30:00' }
      - match: { path: /missing }
        respond:
          status: 404
          json: { error: nope }
";

fn project(collection: &str) -> Project {
    let project = Project::new();
    project.file("mock.yaml", &dedent(MOCK));
    project.file("c.yaml", &dedent(collection));
    project
}

#[test]
fn an_optional_capture_that_selects_nothing_keeps_the_earlier_value() {
    let project = project(
        "
        vars:
          id: earlier
        requests:
          - name: missing
            url: <<mock_url>>/missing
            capture:
              id: { json: $.id, optional: true }
          - name: uses it
            url: <<mock_url>>/found?id=<<id>>
            assert:
              expr: [\"id == 'earlier'\"]
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(0);
}

#[test]
fn a_default_is_set_when_nothing_is_selected_and_a_plain_capture_still_fails() {
    let project = project(
        "
        requests:
          - name: missing
            url: <<mock_url>>/missing
            capture:
              id: { json: $.id, default: 0 }
          - name: typed default
            url: <<mock_url>>/found
            assert:
              expr: [\"id == 0\"]
          - name: strict
            url: <<mock_url>>/missing
            capture:
              other: $.id
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(1);
    outcome.expect_request("✔", "typed default", &[]);
    outcome.expect_request("✘", "strict", &[]);
}

#[test]
fn a_capture_with_when_is_made_only_when_its_condition_holds() {
    let project = project(
        "
        vars:
          id: unset
        requests:
          - name: guarded miss
            url: <<mock_url>>/missing
            capture:
              id: { json: $.id, when: response.status == 200 }
          - name: still unset
            url: <<mock_url>>/found
            assert:
              expr: [\"id == 'unset'\"]
          - name: sets it
            url: <<mock_url>>/found
            capture:
              id: { json: $.id, when: \"response.json.ok and response.status == 200\" }
          - name: now set
            url: <<mock_url>>/found
            assert:
              expr: [\"id == 7\"]
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(0);
}

#[test]
fn capture_conditions_are_checked_when_the_file_is_loaded() {
    let project = project(
        "
        requests:
          - name: bad
            url: http://127.0.0.1:9/
            capture:
              id: { json: $.id, optional: maybe, when: \"response.status ==\" }
        ",
    );
    let outcome = project.runner(["validate", "c.yaml"]).run();
    outcome.expect_code(2);
    let all = outcome.all();
    assert!(all.contains("optional"), "{all}");
    assert!(all.contains("when"), "{all}");
}

#[test]
fn a_list_of_captures_of_one_variable_is_made_in_order() {
    let project = project(
        "
        requests:
          - name: found
            url: <<mock_url>>/found
            capture:
              id:
                - { json: $.id, when: response.json.id is defined }
                - { json: '$.results[0].id', when: response.json.results is defined }
                - { json: $.ok, when: response.status == 404 }
          - name: first alternative
            url: <<mock_url>>/found
            assert:
              expr: [\"id == 7\"]
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(0);
}

#[test]
fn a_file_body_sends_the_file_relative_to_the_collection() {
    let project = Project::new();
    project.file(
        "mock.yaml",
        &dedent(
            "
            routes:
              - match: { method: PUT, path: /upload, json: { $.qty: 3 } }
                respond:
                  status: 201
            ",
        ),
    );
    project.file("data/payload.json", "{\"qty\": 3}");
    project.file(
        "c.yaml",
        &dedent(
            "
            requests:
              - name: upload
                method: PUT
                url: <<mock_url>>/upload
                headers: { Content-Type: application/json }
                body: { file: data/payload.json }
                assert:
                  status: 201
            ",
        ),
    );
    project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run()
        .expect_code(0);
    project.file(
        "bad.yaml",
        "requests:\n  - name: x\n    url: http://127.0.0.1:9/\n    body: { path: a }\n",
    );
    project
        .runner(["validate", "bad.yaml"])
        .run()
        .expect_code(2);
}

#[test]
fn a_value_capture_sets_its_rendered_template_keeping_the_type_of_a_whole_expression() {
    let project = project(
        "
        vars:
          airline: QF
        requests:
          - name: found
            url: <<mock_url>>/found
            capture:
              id: $.id
              airline: { value: UA }
              tries: { value: 0 }
              label: { value: 'order <<id>> of <<response.status>>' }
              next: { value: '<<id + 1>>' }
              hhmm: { value: '<<response.json.time | substring(0, 5)>>' }
          - name: uses them
            url: <<mock_url>>/found?airline=<<airline>>
            assert:
              expr:
                - airline == 'UA'
                - tries == 0
                - label == 'order 7 of 200'
                - next == 8
                - hhmm == '12:30'
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(0);
}

#[test]
fn a_value_capture_that_cannot_render_fails_unless_it_is_optional() {
    let project = project(
        "
        requests:
          - name: strict
            url: <<mock_url>>/found
            capture:
              a: { value: '<<nowhere>>' }
          - name: lenient
            url: <<mock_url>>/found
            capture:
              b: { value: '<<nowhere>>', optional: true }
        ",
    );
    let outcome = project
        .runner(["run", "c.yaml", "--mock", "mock.yaml"])
        .run();
    outcome.expect_code(1);
    outcome.expect_request("✘", "strict", &[]);
    let details = outcome.details("strict");
    assert!(
        details.contains("capture `a`: `value`: undefined variable `nowhere`"),
        "{details}"
    );
    outcome.expect_request("✔", "lenient", &[]);
}
