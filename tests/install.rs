//! Install and shell integration through the binary (issue 19): completion scripts (bash
//! exercised for real), the man page, `--version` with the commit, and SIGTERM as a clean stop.
//! A test that needs a tool this machine lacks says so on stderr and passes without checking.

mod support;

use std::path::Path;
use std::process::Command;

use support::Project;

/// `runner completions SHELL`.
fn script(shell: &str) -> String {
    let out = Project::new()
        .runner(["completions", shell])
        .env_remove("COMPLETE")
        .run();
    out.expect_code(0);
    assert!(!out.stdout.trim().is_empty(), "empty {shell} script");
    out.stdout
}

/// Whether `tool` runs here; if not, says why the test is skipped.
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped {test}: `{tool}` is not installed");
    }
    found
}

/// A project with two collections, environments beside them, and a folder.
fn project() -> Project {
    let project = Project::new();
    project
        .file("collections/bc.yaml", "requests: []")
        .file("collections/orders.yml", "requests: []")
        .file("collections/notes.txt", "not a collection")
        .file("environments/prod.yaml", "vars: {}")
        .file("environments/sandbox.yaml", "vars: {}")
        .file("environments/local.yml", "vars: {}");
    project
}

/// Completes the command line `words` (the last word being completed) in bash, sourcing the
/// generated script as a user's `.bashrc` would; the candidates, one per line.
fn bash_complete(project: &Project, words: &[&str]) -> Vec<String> {
    let script_file = project.path().join("runner.bash");
    std::fs::write(&script_file, script("bash")).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let previous = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source runner.bash\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _clap_complete_runner runner '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" "),
        current = words[cword],
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .current_dir(project.path())
        .env_remove("COMPLETE")
        .output()
        .expect("run bash");
    assert!(output.status.success(), "bash failed: {output:?}");
    let mut candidates: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    candidates.sort();
    candidates
}

#[test]
fn bash_completes_subcommands_environments_and_collections() {
    if !have(
        "bash",
        "bash_completes_subcommands_environments_and_collections",
    ) {
        return;
    }
    let project = project();
    let commands = bash_complete(&project, &["runner", ""]);
    for command in ["run", "validate", "completions", "man", "token"] {
        assert!(commands.contains(&command.into()), "{commands:?}");
    }
    assert_eq!(bash_complete(&project, &["runner", "va"]), ["validate"]);

    let envs = bash_complete(
        &project,
        &["runner", "run", "collections/bc.yaml", "-e", ""],
    );
    assert_eq!(envs, ["local", "prod", "sandbox"]);
    let envs = bash_complete(&project, &["runner", "token", "--env", "s"]);
    assert_eq!(envs, ["sandbox"]);

    let files = bash_complete(&project, &["runner", "run", "collections/"]);
    assert_eq!(files, ["collections/bc.yaml", "collections/orders.yml"]);
}

#[test]
fn bash_finds_environments_beside_a_collection_elsewhere() {
    if !have(
        "bash",
        "bash_finds_environments_beside_a_collection_elsewhere",
    ) {
        return;
    }
    let project = Project::new();
    project
        .file("api/collections/one.yaml", "requests: []")
        .file("api/environments/test.yaml", "vars: {}");
    let envs = bash_complete(
        &project,
        &["runner", "run", "api/collections/one.yaml", "-e", ""],
    );
    assert_eq!(envs, ["test"]);
}

#[test]
fn scripts_for_the_other_shells_register_runner() {
    let expected = [
        ("zsh", "compdef _clap_dynamic_completer_runner runner"),
        ("fish", "complete --keep-order --exclusive --command runner"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName runner",
        ),
        ("elvish", "edit:completion:arg-completer[runner]"),
        (
            "bash",
            "complete -o nospace -o bashdefault -o nosort -F _clap_complete_runner runner",
        ),
    ];
    for (shell, registration) in expected {
        let text = script(shell);
        assert!(text.contains(registration), "{shell} script:\n{text}");
        assert!(
            text.contains("COMPLETE"),
            "{shell} script calls runner back:\n{text}"
        );
    }
    let out = Project::new().runner(["completions", "tcsh"]).run();
    out.expect_code(2);
}

#[test]
fn completion_requests_are_answered_by_the_binary() {
    // what the fish script runs on Tab: the candidates, one per line
    let project = project();
    let out = project
        .runner(["--", "runner", "run", "collections/bc.yaml", "-e", "p"])
        .env("COMPLETE", "fish")
        .run();
    out.expect_code(0);
    assert_eq!(out.stdout.trim(), "prod");
}

#[test]
fn the_man_page_is_roff() {
    let out = Project::new().runner(["man"]).run();
    out.expect_code(0);
    let page = &out.stdout;
    assert!(page.contains(".TH runner 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        "runner\\-run(1)",
    ] {
        assert!(page.contains(section), "no {section}:\n{page}");
    }
    // every line is text or a roff request/escape, never a stray control character
    assert!(page.lines().all(|l| !l.contains('\u{1b}')));

    if !have("man", "the_man_page_is_roff (rendering)") {
        return;
    }
    let project = Project::new();
    let file = project.path().join("runner.1");
    std::fs::write(&file, page).unwrap();
    let rendered = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("run man");
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(rendered.status.success(), "man -l failed: {rendered:?}");
    assert!(text.contains("SYNOPSIS"), "{text}");
    assert!(text.contains("declarative HTTP request runner"), "{text}");
}

#[test]
fn man_writes_one_page_per_command_into_a_folder() {
    let project = Project::new();
    project.runner(["man", "--out", "man"]).run().expect_code(0);
    for page in [
        "runner.1",
        "runner-run.1",
        "runner-completions.1",
        "runner-import-curl.1",
    ] {
        let path = project.path().join("man").join(page);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn version_names_the_commit() {
    let out = Project::new().runner(["--version"]).run();
    out.expect_code(0);
    let version = out.stdout.trim();
    let plain = format!("runner {}", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&plain), "{version}");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(manifest)
        .output()
        .ok()
        .filter(|o| o.status.success());
    let Some(head) = head else {
        eprintln!("skipped the commit check: no git repository here");
        assert_eq!(version, plain);
        return;
    };
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let commit = version
        .strip_prefix(&plain)
        .and_then(|rest| rest.strip_prefix(" ("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no commit in {version:?}"));
    assert_eq!(commit.trim_end_matches("-dirty"), head, "{version}");
    // the subcommands say the same
    let out = Project::new().runner(["run", "--version"]).run();
    assert!(out.stdout.contains(commit), "{out}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_run_like_ctrl_c_with_exit_code_143() {
    use std::time::Duration;
    use support::{Ready, Signal};

    let server = support::TestServer::start();
    let project = Project::new();
    project.file(
        "c.yaml",
        "
        requests:
          - name: slow
            url: <<base_url>>/slow/20000
        ",
    );
    let mut running = project
        .runner(["run", "c.yaml", "--report", "json=report.json"])
        .server(&server)
        .spawn();
    let sent = running.signal_when(Ready::Request(&server, "/slow/20000"), Signal::Term);
    let out = running
        .wait(Duration::from_secs(15))
        .expect("the slow request was not cancelled");
    out.expect_code(143);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    assert!(project.path().join("report.json").is_file(), "no report");
    assert!(sent.elapsed() < Duration::from_secs(15));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_mock_cleanly() {
    use std::time::Duration;
    use support::{Ready, Signal};

    let project = Project::new();
    project.file(
        "mock.yaml",
        r#"
        routes:
          - match: { path: /ping }
            respond: { status: 200 }
        "#,
    );
    let mut running = project.runner(["mock", "mock.yaml", "--port", "0"]).spawn();
    running.signal_when(Ready::Stdout("mock listening"), Signal::Term);
    let out = running
        .wait(Duration::from_secs(15))
        .expect("the mock did not stop");
    // a clean exit (0), not death by the signal
    out.expect_code(0);
}
