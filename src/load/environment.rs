//! Environments: finding `-e NAME` and reading its flat map of variables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::files::{parse_yaml, read_text};
use crate::load::reader::{Reader, finish};
use crate::secrets::Secrets;
use crate::template::TValue;

/// Finds the environment file for `name`: an existing path as given; otherwise
/// `environments/NAME.yaml|.yml` in the current directory, then beside and above the collection.
pub fn find(name: &str, collection: &Path) -> Result<PathBuf, LoadError> {
    let given = Path::new(name);
    if given.is_file() {
        return Ok(given.to_path_buf());
    }
    let folders = search_folders(collection);
    // `-e local.yaml` names the file itself, not `local.yaml.yaml`
    let file_names = if matches!(
        given.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    ) {
        vec![name.to_string()]
    } else {
        vec![format!("{name}.yaml"), format!("{name}.yml")]
    };
    let mut looked = Vec::new();
    for folder in &folders {
        for file_name in &file_names {
            let candidate = folder.join(file_name);
            if candidate.is_file() {
                return Ok(candidate);
            }
            looked.push(candidate);
        }
    }
    Err(LoadError::general(LoadErrorKind::EnvironmentNotFound {
        name: name.to_string(),
        looked,
        available: available(collection),
    }))
}

/// The names `-e NAME` finds for the collection, sorted (for messages and shell completion).
pub fn available(collection: &Path) -> Vec<String> {
    let mut names: Vec<String> = search_folders(collection)
        .iter()
        .flat_map(|f| environments_in(f))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Every environment file where `-e NAME` would look for the collection.
pub fn all_files(collection: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = search_folders(collection)
        .iter()
        .flat_map(|folder| {
            environments_in(folder).into_iter().flat_map(move |name| {
                ["yaml", "yml"].map(|ext| folder.join(format!("{name}.{ext}")))
            })
        })
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.dedup();
    files
}

/// `./environments`, then `environments/` in the collection's folder and in its parent.
fn search_folders(collection: &Path) -> Vec<PathBuf> {
    let mut folders = vec![PathBuf::from("environments")];
    if let Some(dir) = collection.parent() {
        folders.push(dir.join("environments"));
        let parent = if dir.as_os_str().is_empty() {
            Path::new("..").to_path_buf()
        } else {
            dir.join("..")
        };
        folders.push(parent.join("environments"));
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for folder in folders {
        let same = unique.iter().any(|u| same_dir(u, &folder));
        if !same {
            unique.push(folder);
        }
    }
    unique
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn environments_in(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect()
}

/// Reads an environment file and the ones it `extends:`, base first: each a layer whose
/// values override the one before.
pub fn load(path: &Path, secrets: &Secrets) -> Result<Vec<VarFile>, Vec<LoadError>> {
    let mut chain = Vec::new();
    let mut seen: Vec<std::path::PathBuf> = Vec::new();
    let mut next = Some(path.to_path_buf());
    while let Some(current) = next.take() {
        let canonical = current.canonicalize().unwrap_or_else(|_| current.clone());
        if seen.contains(&canonical) {
            let cycle: Vec<String> = chain
                .iter()
                .map(|(p, _): &(std::path::PathBuf, VarFile)| p.display().to_string())
                .chain(std::iter::once(current.display().to_string()))
                .collect();
            return Err(vec![LoadError::general(LoadErrorKind::Invalid(format!(
                "environments extend each other in a cycle: {}",
                cycle.join(" → ")
            )))]);
        }
        seen.push(canonical);
        let (file, extends) = load_one(&current, secrets)?;
        chain.push((current, file));
        next = extends;
    }
    Ok(chain.into_iter().rev().map(|(_, f)| f).collect())
}

/// One environment file, and the base it extends.
fn load_one(
    path: &Path,
    secrets: &Secrets,
) -> Result<(VarFile, Option<std::path::PathBuf>), Vec<LoadError>> {
    let text = read_text(path).map_err(|e| vec![e])?;
    let file: Arc<Path> = Arc::from(path);
    let root = parse_yaml(&file, &text).map_err(|e| vec![e])?;
    let mut r = Reader::new(file, &text);
    let mut extends = None;
    let vars = if matches!(root.kind, crate::load::yaml::NodeKind::Null) {
        Vec::new()
    } else {
        let mut vars = r.tvalue_map(&root, "vars");
        if let Some(index) = vars.iter().position(|(k, _)| k == "extends") {
            let (_, base) = vars.remove(index);
            extends = base_path(&mut r, path, &root, &base);
        }
        vars
    };
    let templates = finish(&mut r, secrets)?;
    Ok((
        VarFile {
            vars,
            templates: Arc::new(templates),
        },
        extends,
    ))
}

/// `extends: base` → `base.yaml`/`.yml` beside the file, or a path relative to it.
fn base_path(
    r: &mut Reader,
    path: &Path,
    root: &crate::load::yaml::Node,
    base: &crate::template::TValue,
) -> Option<std::path::PathBuf> {
    let pos = match &root.kind {
        crate::load::yaml::NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some("extends"))
            .map_or(root.pos, |(_, v)| v.pos),
        _ => root.pos,
    };
    let crate::template::TValue::Str(crate::template::Tpl::Lit(name)) = base else {
        r.error(
            pos,
            LoadErrorKind::Invalid("`extends` takes the name of another environment".into()),
        );
        return None;
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let candidates = [
        dir.join(name),
        dir.join(format!("{name}.yaml")),
        dir.join(format!("{name}.yml")),
    ];
    match candidates.iter().find(|c| c.is_file()) {
        Some(found) => Some(found.clone()),
        None => {
            r.error(
                pos,
                LoadErrorKind::Invalid(format!(
                    "`extends: {name}`: no {name}.yaml beside {}",
                    path.display()
                )),
            );
            None
        }
    }
}

/// Variables as loaded from a file, with the templates their values use.
pub struct VarFile {
    /// Name → value, in file order.
    pub vars: Vec<(String, TValue)>,
    /// The compiled templates of the values.
    pub templates: Arc<crate::template::Templates>,
}
