//! `runner init`: a new project — collections/, environments/, a git-ignored .env with an
//! example, and a sample collection that loads, validates and (for Business Central) runs
//! against the bundled mock. Never overwrites a file.

use std::path::{Path, PathBuf};

use super::exit::{Exit, general, input_errors};
use crate::cli::{InitArgs, InitTemplate};
use crate::secrets::Secrets;

const BLANK_COLLECTION: &str = r#"# yaml-language-server: $schema=../schema/collection.schema.json
# A first collection: one request and its checks. Run: runner run collections/api.yaml -e local
name: My API
requests:
  - name: home
    url: <<base_url>>/
    assert:
      status: 200
"#;

const BLANK_ENVIRONMENT: &str = "# yaml-language-server: $schema=../schema/environment.schema.json\nbase_url: http://localhost:8080\n";

const README_INTRO: &str = r#"## API tests

Collections live in `collections/`, environments in `environments/`. Secrets never go into
them: they come from the process environment or a `.env` file (git-ignored; see `.env.example`).
"#;

/// The README's commands for the Business Central template: `local` points at the bundled
/// mock, so its commands name it.
const BC_COMMANDS: &str = "
    runner run collections/ -e local --mock mocks/bc.yaml        # run everything against the bundled mock
    runner validate collections/ -e local --mock mocks/bc.yaml   # check without running
    runner run collections/ -e sandbox                          # against your sandbox (BC_CLIENT_SECRET in .env)
";

const BLANK_COMMANDS: &str = "
    runner run collections/ -e local            # run everything
    runner validate collections/ -e local       # check without running
";

/// Runs `runner init`.
pub fn init(args: &InitArgs) -> Exit {
    let secrets = Secrets::default();
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let collection_schema = crate::format::collection_schema();
    let environment_schema = crate::format::environment_schema();
    let mut files = template_files(args.template);
    files.push(("schema/collection.schema.json", &collection_schema));
    files.push(("schema/environment.schema.json", &environment_schema));
    if let Err(message) = write_files(&dir, &files) {
        return input_errors(&[general(message)], &secrets);
    }
    if let Err(e) = ignore_dotenv(&dir) {
        return input_errors(
            &[general(format!("cannot update .gitignore: {e}"))],
            &secrets,
        );
    }
    if let Err(e) = write_readme(&dir, args.template) {
        return input_errors(&[general(e)], &secrets);
    }
    let next = match args.template {
        InitTemplate::BusinessCentral => {
            "runner run collections/bc.yaml -e local --mock mocks/bc.yaml"
        }
        InitTemplate::Blank => "runner run collections/api.yaml -e local",
    };
    println!("\nnext: cd {} && {next}", dir.display());
    Exit::Passed
}

/// The template's own files (the schemas are added by the caller).
fn template_files(template: InitTemplate) -> Vec<(&'static str, &'static str)> {
    match template {
        InitTemplate::BusinessCentral => vec![
            (
                "collections/bc.yaml",
                include_str!("../../collections/bc.yaml"),
            ),
            (
                "environments/local.yaml",
                include_str!("../../environments/local.yaml"),
            ),
            (
                "environments/sandbox.yaml",
                include_str!("../../environments/sandbox.yaml"),
            ),
            ("mocks/bc.yaml", include_str!("../../mocks/bc.yaml")),
            (
                ".env.example",
                "# Copy to .env (git-ignored) and fill in.\nBC_CLIENT_SECRET=\n",
            ),
        ],
        InitTemplate::Blank => vec![
            ("collections/api.yaml", BLANK_COLLECTION),
            ("environments/local.yaml", BLANK_ENVIRONMENT),
            (
                ".env.example",
                "# Copy to .env (git-ignored) and fill in.\n",
            ),
        ],
    }
}

/// Writes every file under `dir`, or none when any of them exists already.
fn write_files(dir: &Path, files: &[(&str, &str)]) -> Result<(), String> {
    let existing: Vec<String> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(format!(
            "not overwriting existing files: {}",
            existing.join(", ")
        ));
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("created {}", path.display());
    }
    Ok(())
}

/// `README.md` with the template's commands, or the snippet printed when a README exists.
fn write_readme(dir: &Path, template: InitTemplate) -> Result<(), String> {
    let commands = match template {
        InitTemplate::BusinessCentral => BC_COMMANDS,
        InitTemplate::Blank => BLANK_COMMANDS,
    };
    let snippet = format!("{README_INTRO}{commands}");
    let readme = dir.join("README.md");
    if readme.exists() {
        println!("\nAdd this to your README:\n\n{snippet}");
        return Ok(());
    }
    write(&readme, &snippet.replacen("## ", "# ", 1))
        .map_err(|e| format!("cannot write {}: {e}", readme.display()))?;
    println!("created {}", readme.display());
    Ok(())
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

/// `.env` holds secrets: it goes into .gitignore (added once).
fn ignore_dotenv(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(".gitignore");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current.lines().any(|l| l.trim() == ".env") {
        return Ok(());
    }
    let separator = if current.is_empty() || current.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    std::fs::write(&path, format!("{current}{separator}.env\n"))
}
