//! `runner import postman|curl` and `runner export curl`: reading, writing and checking files
//! around the pure converters of `crate::import`. Whatever an import writes is loaded back
//! with the normal loader before the command reports success.

mod export;

use std::collections::HashSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::exit::Exit;
use crate::cli::{ExportCommand, ImportCommand, ImportCurlArgs, ImportPostmanArgs};
use crate::import::postman::{self, Generated};
use crate::import::report::{Place, Report, Topic};
use crate::import::{ImportError, curl};
use crate::load::{self, LoadError, environment};
use crate::secrets::Secrets;

/// Runs `runner import …`.
pub fn import(command: ImportCommand) -> Exit {
    let result = match command {
        ImportCommand::Postman(args) => import_postman(&args),
        ImportCommand::Curl(args) => import_curl(&args),
    };
    finish(result, &Secrets::default())
}

/// Runs `runner export …`.
pub fn export(command: ExportCommand) -> Exit {
    match command {
        ExportCommand::Curl(args) => {
            let secrets = Secrets::default();
            finish(export::export_curl(&args, &secrets), &secrets)
        }
    }
}

fn finish(result: Result<(), ImportError>, secrets: &Secrets) -> Exit {
    match result {
        Ok(()) => Exit::Passed,
        Err(e) => {
            eprintln!("error: {}", secrets.mask(&e.to_string()));
            match e {
                // the files were written but do not load: the importer is at fault
                ImportError::Invalid { .. } => Exit::Failed,
                _ => Exit::BadInput,
            }
        }
    }
}

fn read(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    crate::import::decode_text(&bytes).map_err(|message| ImportError::Read {
        path: path.to_path_buf(),
        message,
    })
}

fn write(path: &Path, text: &str) -> Result<(), ImportError> {
    let failed = |e: std::io::Error| ImportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

fn invalid(path: &Path, errors: &[LoadError]) -> ImportError {
    ImportError::Invalid {
        path: path.to_path_buf(),
        message: errors.iter().map(crate::load::LoadError::render).collect(),
    }
}

/// `runner import postman COLLECTION [--env ENV]... -o DIR`: convert, write, load back.
fn import_postman(args: &ImportPostmanArgs) -> Result<(), ImportError> {
    // every input is read and parsed before anything is written
    let collection = postman::parse_collection(&read(&args.collection)?).map_err(|message| {
        ImportError::Input {
            path: args.collection.clone(),
            what: "Postman collection",
            message,
        }
    })?;
    let mut environments = Vec::new();
    for path in &args.envs {
        let env =
            postman::parse_environment(&read(path)?).map_err(|message| ImportError::Input {
                path: path.clone(),
                what: "Postman environment",
                message,
            })?;
        environments.push((path, env));
    }
    let occupied = std::fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some());
    if occupied && !args.force {
        return Err(ImportError::Write {
            path: args.out.clone(),
            message: "the folder is not empty, and an import would replace files there (hand edits included); pass --force to write anyway".into(),
        });
    }
    let mut report = Report {
        source: args.collection.display().to_string(),
        ..Report::default()
    };
    let generated = postman::convert_collection(&collection, &mut report);
    let known = postman::known_names(&collection);
    let mut env_files: Vec<Generated> = Vec::new();
    for (path, env) in &environments {
        let fallback = path
            .file_name()
            .map(|n| n.to_string_lossy().replace(".postman_environment.json", ""))
            .unwrap_or_else(|| "environment".into());
        let mut file = postman::convert_environment(env, &fallback, &known, &mut report);
        let base = file.stem.clone();
        let mut n = 2;
        while env_files.iter().any(|f| f.stem == file.stem) {
            file.stem = format!("{base}-{n}");
            n += 1;
        }
        env_files.push(file);
    }
    let written = write_all(&args.out, &generated, &env_files, &mut report)?;
    check(&written, &mut report)?;
    report.written.push("IMPORT-REPORT.md".into());
    write(&args.out.join("IMPORT-REPORT.md"), &report.markdown())?;
    eprint!("{}", report.terminal());
    Ok(())
}

/// The files an import wrote: the collection, and each environment with its name.
struct Written {
    collection: PathBuf,
    environments: Vec<(String, PathBuf)>,
}

/// Writes `collections/NAME.yaml` and `environments/NAME.yaml` under `out`.
fn write_all(
    out: &Path,
    collection: &Generated,
    environments: &[Generated],
    report: &mut Report,
) -> Result<Written, ImportError> {
    let rel = format!("collections/{}.yaml", collection.stem);
    let collection_path = out.join(&rel);
    write(&collection_path, &collection.text)?;
    report.written.push(rel);
    let mut env_paths = Vec::new();
    for file in environments {
        let rel = format!("environments/{}.yaml", file.stem);
        let path = out.join(&rel);
        write(&path, &file.text)?;
        report.written.push(rel);
        env_paths.push((file.stem.clone(), path));
    }
    Ok(Written {
        collection: collection_path,
        environments: env_paths,
    })
}

/// Loads what was written (it must load, or the import failed), notes variables no file
/// defines, and adds the command to run next.
fn check(written: &Written, report: &mut Report) -> Result<(), ImportError> {
    // loading only: nothing is rendered, so no secret is learnt
    let secrets = Secrets::default();
    let path = &written.collection;
    let loaded = load::load_collection(path, &secrets).map_err(|e| invalid(path, &e))?;
    let mut env_names = HashSet::new();
    for (_, path) in &written.environments {
        let layers = environment::load(path, &secrets).map_err(|e| invalid(path, &e))?;
        env_names.extend(
            layers
                .into_iter()
                .flat_map(|l| l.vars.into_iter().map(|(n, _)| n)),
        );
    }
    let mut undefined: Vec<String> = Vec::new();
    for finding in crate::lint::lint(&loaded, &env_names) {
        if finding.severity == crate::lint::Severity::Error {
            if let Some(name) = finding
                .message
                .strip_prefix("undefined variable `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string())
                && !undefined.contains(&name)
            {
                undefined.push(name);
            }
            report.add(
                Topic::Note,
                &Place::collection(),
                format!(
                    "{} (line {}): define it in an environment or pass --var",
                    finding.message, finding.location.line
                ),
            );
        }
    }
    add_todo_entries(&written.environments, &undefined)?;
    let hint = run_hint(path, &written.environments, report);
    report.next.push(hint);
    Ok(())
}

/// The variables the collection uses and no file defines, as commented entries at the end of
/// each environment written, to be filled in.
fn add_todo_entries(envs: &[(String, PathBuf)], undefined: &[String]) -> Result<(), ImportError> {
    if undefined.is_empty() {
        return Ok(());
    }
    for (_, path) in envs {
        let mut text = read(path)?;
        text.push_str("\n# TODO: the collection uses these variables and nothing defines them;\n# set each one (uncomment it) or pass it with --var:\n");
        for name in undefined {
            text.push_str(&format!("# {name}: ''\n"));
        }
        write(path, &text)?;
    }
    Ok(())
}

/// `runner run DIR/collections/x.yaml -e NAME`, with the secrets to set first.
fn run_hint(collection: &Path, envs: &[(String, PathBuf)], report: &Report) -> String {
    let mut hint = String::new();
    for name in report.env_names() {
        hint.push_str(&format!("{name}=… "));
    }
    hint.push_str(&format!("runner run {}", collection.display()));
    if let Some((stem, _)) = envs.first() {
        hint.push_str(&format!(" -e {stem}"));
    }
    hint
}

/// `runner import curl 'curl …' [-o FILE]`.
fn import_curl(args: &ImportCurlArgs) -> Result<(), ImportError> {
    let line = if args.command == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| ImportError::Curl(format!("cannot read stdin: {e}")))?;
        text
    } else {
        args.command.clone()
    };
    let converted = curl::convert_line(&line).map_err(ImportError::Curl)?;
    // check it loads: in place when writing a file, else through a temporary file
    let check_path = match &args.out {
        Some(path) => path.clone(),
        None => {
            std::env::temp_dir().join(format!("runner-import-curl-{}.yaml", std::process::id()))
        }
    };
    write(&check_path, &converted.text)?;
    let loaded = load::load_collection(&check_path, &Secrets::default());
    if args.out.is_none() {
        let _ = std::fs::remove_file(&check_path);
    }
    loaded.map_err(|e| invalid(&check_path, &e))?;
    for note in &converted.notes {
        eprintln!("note: {note}");
    }
    match &args.out {
        Some(path) => eprintln!("wrote {}", path.display()),
        None => print!("{}", converted.text),
    }
    Ok(())
}
