//! `runner lsp` driven over standard input/output as an editor drives it: the handshake,
//! diagnostics on open and change with exact ranges, completion, hover, definition, code
//! lenses, a run from the editor against a loopback server, shutdown and exit; and Neovim
//! headless as a real client.

// shared with benches/lsp.rs, which uses other parts of it
#[path = "lsp_support/client.rs"]
#[allow(dead_code)]
mod client;
mod support;

use serde_json::{Value, json};

use client::{Client, range, uri};
use support::{Project, TestServer};

const COLLECTION: &str = "\
vars:
  path: status
requests:
  - name: login
    url: <<base>>/<<path>>/200
    capture:
      code: $.status
  - name: check
    url: <<base>>/<<path>>/<<code>>
    headers:
      X-Tenant: <<tenant>>
    assert:
      status: 201
";

/// A project with the collection and two environments; `prod` alone defines `tenant`.
fn project(server: &TestServer) -> Project {
    let project = Project::new();
    project
        .file("c.yaml", COLLECTION)
        .file(
            "environments/dev.yaml",
            &format!("base: {}\n", server.base_url()),
        )
        .file(
            "environments/prod.yaml",
            &format!("base: {}\ntenant: t1\n", server.base_url()),
        );
    project
}

fn open(client: &mut Client, uri: &str, text: &str) -> Vec<Value> {
    let document = json!({ "uri": uri, "languageId": "yaml", "version": 1, "text": text });
    client.notify("textDocument/didOpen", json!({ "textDocument": document }));
    client.diagnostics(uri, 1)
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

fn labels(items: &Value) -> Vec<String> {
    let items = items.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn diagnostics_follow_the_environments_and_the_edits() {
    let server = TestServer::start();
    let project = project(&server);
    let (mut client, init) = Client::start(project.path(), Value::Null);
    assert_eq!(init["capabilities"]["textDocumentSync"], json!(1));
    assert_eq!(init["capabilities"]["positionEncoding"], json!("utf-16"));
    let uri = uri(&project.path().join("c.yaml"));

    let diagnostics = open(&mut client, &uri, COLLECTION);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range(10, 18, 10, 24));
    assert_eq!(diagnostics[0]["severity"], json!(2));
    assert_eq!(
        diagnostics[0]["message"],
        json!("variable `tenant` is not defined in environment `dev`")
    );

    // a typo: defined in no environment, an error with a suggestion; and an unknown key
    let edited = COLLECTION
        .replace("<<tenant>>", "<<Tenant>>")
        .replace("    headers:", "    hedaers:");
    let change = json!({
        "textDocument": { "uri": uri, "version": 2 },
        "contentChanges": [{ "text": edited }],
    });
    client.notify("textDocument/didChange", change);
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range(9, 4, 9, 11));
    assert_eq!(diagnostics[0]["severity"], json!(1));
    assert_eq!(
        diagnostics[0]["message"],
        json!("unknown field `hedaers` in a request\nhelp: did you mean `headers`?")
    );
    let fixed = COLLECTION.replace("<<tenant>>", "<<Tenant>>");
    let change = json!({
        "textDocument": { "uri": uri, "version": 3 },
        "contentChanges": [{ "text": fixed }],
    });
    client.notify("textDocument/didChange", change);
    let diagnostics = client.diagnostics(&uri, 3);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range(10, 18, 10, 24));
    assert_eq!(diagnostics[0]["severity"], json!(1));
    assert_eq!(
        diagnostics[0]["message"],
        json!(
            "undefined variable `Tenant` in headers.X-Tenant of request `check` (did you mean `tenant`?)"
        )
    );
    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn completion_hover_definition_and_lenses_read_the_collection() {
    let server = TestServer::start();
    let project = project(&server);
    let (mut client, _) = Client::start(project.path(), Value::Null);
    let uri = uri(&project.path().join("c.yaml"));
    open(&mut client, &uri, COLLECTION);

    // inside `<<co` of `check`: the capture of `login`
    let items = client.request("textDocument/completion", at(&uri, 8, 31));
    assert_eq!(labels(&items), ["code"]);
    assert_eq!(items[0]["detail"], json!("captured by `login` (line 7)"));
    assert_eq!(items[0]["textEdit"]["range"], range(8, 29, 8, 31));
    let all = labels(&client.request("textDocument/completion", at(&uri, 8, 29)));
    for name in ["path", "base", "tenant", "code", "uuid", "secret"] {
        assert!(all.contains(&name.to_string()), "{name} in {all:?}");
    }
    // a key of `assert:`
    let keys = client.request("textDocument/completion", at(&uri, 12, 8));
    assert_eq!(labels(&keys), ["status"]);
    assert_eq!(keys[0]["textEdit"]["range"], range(12, 6, 12, 8));

    let hover = client.request("textDocument/hover", at(&uri, 8, 12));
    let text = hover["contents"]["value"].as_str().unwrap().to_string();
    assert!(
        text.contains(&format!("`dev`: `{}`", server.base_url())),
        "{text}"
    );
    assert!(text.contains("from environment: dev, prod"), "{text}");
    assert_eq!(hover["range"], range(8, 11, 8, 15));
    let hover = client.request("textDocument/hover", at(&uri, 3, 6));
    let text = hover["contents"]["value"].as_str().unwrap().to_string();
    let sent = format!("`prod`: `GET {}/status/200`", server.base_url());
    assert!(text.contains(&sent), "{text}");

    let found = client.request("textDocument/definition", at(&uri, 8, 30));
    assert_eq!(found, json!([{ "uri": uri, "range": range(6, 6, 6, 6) }]));
    let found = client.request("textDocument/definition", at(&uri, 4, 12));
    let files: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("environments/dev.yaml")),
        "{found}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("environments/prod.yaml")),
        "{found}"
    );

    let lenses = client.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri } }),
    );
    let shown: Vec<(u64, String, Value)> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let command = &l["command"];
            let line = l["range"]["start"]["line"].as_u64().unwrap();
            (
                line,
                command["title"].as_str().unwrap().to_string(),
                command["arguments"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (0, "▶ run all".to_string(), json!([uri])),
            (3, "▶ run".to_string(), json!([uri, "login"])),
            (7, "▶ run".to_string(), json!([uri, "check"])),
        ]
    );
    assert_eq!(server.total_hits(), 0, "nothing is sent but by runner.run");
    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn runner_run_runs_a_request_with_what_it_needs_and_shows_the_failures() {
    let server = TestServer::start();
    let project = project(&server);
    let (mut client, _) = Client::start(project.path(), json!({ "environment": "prod" }));
    let uri = uri(&project.path().join("c.yaml"));
    // narrowed to `prod`, which defines `tenant`: nothing to report
    assert_eq!(open(&mut client, &uri, COLLECTION), Vec::<Value>::new());

    let params = json!({ "command": "runner.run", "arguments": [uri, "check"] });
    let result = client.request_within("workspace/executeCommand", params, client::TIMEOUT * 2);
    assert_eq!(result["passed"], json!(false), "{result}");
    assert_eq!(
        server.hits("/status/200"),
        2,
        "login pulled in for its capture, then check"
    );
    let message = client.notification("window/showMessage", |_| true);
    assert_eq!(message["type"], json!(1));
    let text = message["message"].as_str().unwrap();
    assert!(text.contains("1 passed, 1 failed, 0 skipped"), "{text}");
    let published = client.notification("textDocument/publishDiagnostics", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range(12, 6, 12, 12));
    assert_eq!(diagnostics[0]["source"], json!("runner run"));
    let failure = diagnostics[0]["message"].as_str().unwrap();
    assert!(failure.starts_with("assertion failed: status"), "{failure}");
    assert!(
        failure.contains("201") && failure.contains("200"),
        "{failure}"
    );
    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn definition_follows_an_include_to_its_file() {
    let project = Project::new();
    let text = "requests:\n  - include: shared/ping.yaml\n    with: { host: h }\n";
    project.file("c.yaml", text).file(
        "shared/ping.yaml",
        "requests:\n  - name: ping\n    url: http://<<host>>/\n",
    );
    let (mut client, _) = Client::start(project.path(), Value::Null);
    let uri = uri(&project.path().join("c.yaml"));
    assert_eq!(open(&mut client, &uri, text), Vec::<Value>::new());
    let found = client.request("textDocument/definition", at(&uri, 1, 20));
    let included = client::uri(&project.path().join("shared/ping.yaml"));
    assert_eq!(
        found,
        json!([{ "uri": included, "range": range(0, 0, 0, 0) }])
    );
    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn hover_masks_secrets() {
    let project = Project::new();
    project
        .file(
            "c.yaml",
            "requests:\n  - name: a\n    url: http://127.0.0.1:9/<<key>>\n",
        )
        .file("environments/dev.yaml", "key: <<secret('LSP_TEST_KEY')>>\n");
    let vars = [("LSP_TEST_KEY", "hunter2-very-secret")];
    let (mut client, _) = Client::start_with(project.path(), Value::Null, &vars);
    let uri = uri(&project.path().join("c.yaml"));
    let text = project.read("c.yaml");
    assert_eq!(open(&mut client, &uri, &text), Vec::<Value>::new());
    let hover = client.request("textDocument/hover", at(&uri, 2, 30));
    let shown = hover["contents"]["value"].as_str().unwrap().to_string();
    assert!(shown.contains("`dev`: `***`"), "{shown}");
    let hover = client.request("textDocument/hover", at(&uri, 1, 6));
    let shown = hover["contents"]["value"].as_str().unwrap().to_string();
    assert!(shown.contains("GET http://127.0.0.1:9/***"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn bad_input_never_stops_the_server() {
    let project = Project::new();
    project.file("c.yaml", "requests: [");
    let (mut client, _) = Client::start(project.path(), Value::Null);
    let uri = uri(&project.path().join("c.yaml"));
    let diagnostics = open(&mut client, &uri, "requests: [\n  - {");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], json!(1));
    // answers on a text that does not load, an unknown document, odd positions, bad params
    for (line, character) in [(0, 0), (1, 99), (99, 0)] {
        client.request("textDocument/completion", at(&uri, line, character));
        client.request("textDocument/hover", at(&uri, line, character));
        client.request("textDocument/definition", at(&uri, line, character));
    }
    client.request("textDocument/hover", at("file:///nowhere/x.yaml", 0, 0));
    client.notify("textDocument/didChange", json!({ "nonsense": true }));
    let params = json!({ "command": "runner.run", "arguments": [] });
    let answer = client.answer("workspace/executeCommand", params, client::TIMEOUT);
    assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");
    let answer = client.answer("textDocument/rename", json!({}), client::TIMEOUT);
    assert_eq!(answer["error"]["code"], json!(-32601), "{answer}");
    let lenses = client.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(lenses, json!([]));
    assert_eq!(client.shut_down(), Some(0));
}

/// Neovim's own client, as shipped by Debian (0.7: `vim.lsp.start_client`), reports the
/// diagnostic of an undefined variable. Skipped with a reason when `nvim` is not installed.
#[test]
fn neovim_headless_shows_the_undefined_variable() {
    let Some(nvim) = find_nvim() else {
        eprintln!("skipped: `nvim` is not installed (apt-get install neovim)");
        return;
    };
    let project = Project::new();
    project
        .file(
            "c.yaml",
            "requests:\n  - name: a\n    url: http://127.0.0.1:9/<<Tenantt>>\n",
        )
        .file("client.lua", NVIM_SCRIPT);
    let mut child = std::process::Command::new(nvim)
        .args([
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-n",
            "-c",
            "luafile client.lua",
        ])
        .current_dir(project.path())
        .env("RUNNER_BIN", env!("CARGO_BIN_EXE_runner"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start nvim");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let result = std::fs::read_to_string(project.path().join("result.txt")).unwrap_or_default();
    assert!(
        status.is_some(),
        "nvim did not finish in time; it wrote {result:?}"
    );
    eprintln!("neovim received: {result}");
    assert_eq!(
        result.trim(),
        "2:30:1:undefined variable `Tenantt` in url of request `a`"
    );
}

fn find_nvim() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nvim"))
        .find(|candidate| candidate.is_file())
}

/// Starts the server for the buffer, waits (bounded) for diagnostics, writes them as
/// `line:col:severity:message` (0-based) and quits.
const NVIM_SCRIPT: &str = r#"
local id = vim.lsp.start_client({
  name = 'runner',
  cmd = { os.getenv('RUNNER_BIN'), 'lsp' },
  root_dir = vim.fn.getcwd(),
})
vim.cmd('edit c.yaml')
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, id)
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local out = io.open('result.txt', 'w')
for _, d in ipairs(vim.diagnostic.get(buf)) do
  out:write(string.format('%d:%d:%d:%s\n', d.lnum, d.col, d.severity, d.message))
end
out:close()
vim.lsp.stop_client(id)
vim.wait(5000, function() return vim.lsp.client_is_stopped(id) end, 50)
vim.cmd('qa!')
"#;
