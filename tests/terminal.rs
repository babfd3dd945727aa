//! What `run` writes to the terminal against hostile or awkward servers: `-v` dumps with
//! control characters escaped, `-vv` whole bodies, `--color` and the variables that force
//! colour, and secrets masked before any cut. Each test starts its own server on 127.0.0.1.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use support::{Outcome, Project};

/// A server on 127.0.0.1 that answers every request with `200` and `body` (as
/// `text/plain`, with `extra_header` when given), until the test ends. Returns its base URL.
fn serve(body: Vec<u8>, extra_header: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            // the request's head; these tests send no bodies
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line == "\r\n" {
                    break;
                }
                line.clear();
            }
            let extra = extra_header.map_or(String::new(), |h| format!("{h}\r\n"));
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n{extra}content-length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

/// `runner run c.yaml ARGS` for one GET of `url` with a bearer `token`.
fn run_get(url: &str, token: &str, args: &[&str]) -> Outcome {
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!(
            "requests:\n  - name: get\n    url: {url}/\n    headers:\n      Authorization: Bearer {token}\n    assert: {{ status: 200 }}\n"
        ),
    );
    let mut run = vec!["run", "c.yaml"];
    run.extend_from_slice(args);
    project.runner(run).run()
}

/// A body that, written raw, clears the line, prints a fake green pass, sets the window title
/// and rings the bell.
const HOSTILE: &str =
    "ok\x1b[2K\r\x1b[32m\u{2714} all passed\x1b[0m\x1b]0;pwned\x07\x08\x7f\u{9b}done\tend\n";

#[test]
fn verbose_escapes_control_characters_of_bodies() {
    let url = serve(HOSTILE.as_bytes().to_vec(), None);
    let out = run_get(&url, "t0ken-value", &["-v"]);
    out.expect_code(0);
    assert!(
        !out.stdout
            .contains(['\x1b', '\r', '\x07', '\x08', '\x7f', '\u{9b}']),
        "raw control characters on stdout:\n{:?}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(r"ok\e[2K\r\e[32m✔ all passed\e[0m\e]0;pwned\x07\x08\x7f\u{9b}done"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("done\tend"), "tabs are kept");
}

#[test]
fn verbose_escapes_control_characters_of_headers() {
    // HTTP refuses C0 controls in headers; a C1 CSI arrives as UTF-8 text
    let url = serve(b"fine".to_vec(), Some("x-note: a\u{9b}31mred"));
    let out = run_get(&url, "t0ken-value", &["-v"]);
    out.expect_code(0);
    assert!(!out.stdout.contains('\u{9b}'), "{:?}", out.stdout);
    assert!(
        out.stdout.contains(r"x-note: a\u{9b}31mred"),
        "{}",
        out.stdout
    );
}

#[test]
fn one_v_cuts_bodies_and_two_show_them_whole() {
    let body = format!("{}THE-END", "x".repeat(5000));
    let url = serve(body.into_bytes(), None);
    let cut = run_get(&url, "t0ken-value", &["-v"]);
    cut.expect_code(0);
    assert!(!cut.stdout.contains("THE-END"), "{}", cut.stdout);
    assert!(cut.stdout.contains("more bytes"), "{}", cut.stdout);
    let whole = run_get(&url, "t0ken-value", &["-vv"]);
    whole.expect_code(0);
    assert!(whole.stdout.contains("THE-END"), "{}", whole.stdout);
    assert!(!whole.stdout.contains("more bytes"), "{}", whole.stdout);
}

#[test]
fn a_token_straddling_the_verbose_cut_is_masked_whole() {
    let token = "tok_".to_string() + &"Zq7".repeat(24) + "end";
    assert!(token.len() > 70);
    // the token starts 20 bytes before the 2 KiB cut and runs past it
    for before in [20, 1, token.len() - 1] {
        let body = format!("{}{token}{}", "a".repeat(2048 - before), "b".repeat(100));
        let url = serve(body.into_bytes(), None);
        let out = run_get(&url, &token, &["-v"]);
        out.expect_code(0);
        assert_no_piece_of(&token, &out.stdout);
        assert!(
            out.stdout.contains("Authorization: Bearer ***"),
            "{}",
            out.stdout
        );
    }
}

/// Panics when any 8 characters in a row of `secret` appear in `text`.
fn assert_no_piece_of(secret: &str, text: &str) {
    for start in 0..=secret.len() - 8 {
        let piece = &secret[start..start + 8];
        assert!(
            !text.contains(piece),
            "`{piece}` of the secret leaked:\n{text}"
        );
    }
}

#[test]
fn color_follows_the_flag_and_the_forcing_variables() {
    let url = serve(b"fine".to_vec(), None);
    let project = Project::new();
    project.file(
        "c.yaml",
        &format!("requests:\n  - name: get\n    url: {url}/\n    assert: {{ status: 200 }}\n"),
    );
    let colored = |out: &Outcome| out.expect_code(0).stdout.contains('\x1b');
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut case = project.runner(["run", "c.yaml"]);
        case.args(args).env_remove("NO_COLOR");
        for (name, value) in env {
            case.env(name, value);
        }
        case.run()
    };
    // not a terminal: no colour unless asked
    assert!(!colored(&run(&[], &[])));
    assert!(colored(&run(&["--color", "always"], &[])));
    assert!(colored(&run(&[], &[("FORCE_COLOR", "1")])));
    assert!(colored(&run(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!colored(&run(&[], &[("FORCE_COLOR", "0")])));
    assert!(!colored(&run(
        &["--color", "never"],
        &[("FORCE_COLOR", "1")]
    )));
    assert!(!colored(&run(&["--no-color"], &[("FORCE_COLOR", "1")])));
    assert!(!colored(&run(&["--color", "auto"], &[("NO_COLOR", "1")])));
}
