//! The shape of src/, enforced: modules import only downwards in the data flow, and no files
//! import each other in a circle. Reads the sources as text (`use` trees and `crate::`/`super::`
//! paths outside `#[cfg(test)]` modules), so it needs no extra tool. Run with `--nocapture` to
//! print the module graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The data flow, top to bottom; a module may import only from its own row or rows below.
const LAYERS: &[&[&str]] = &[
    &["main", "lib", "cli", "app"],
    &["import"],
    &["load"],
    &["mock", "lint"],
    &["report"],
    &["run"],
    &["auth"],
    &["check"],
    &["http"],
    &["model"],
    &["template"],
    &[
        "location",
        "units",
        "query",
        "secrets",
        "suggest",
        "diagnostic",
    ],
];

type Graph = BTreeMap<PathBuf, BTreeSet<PathBuf>>;
/// Module path (`["run", "render"]`) → the file that defines it.
type Modules = BTreeMap<Vec<String>, PathBuf>;

#[test]
fn modules_import_only_downwards_in_the_data_flow() {
    let graph = file_graph(Path::new("src"));
    let mut upward = Vec::new();
    for (from, targets) in &graph {
        for to in targets {
            let (a, b) = (top_module(from), top_module(to));
            if let (Some(ra), Some(rb)) = (rank(&a), rank(&b))
                && rb < ra
            {
                upward.push(format!("{} → {}", from.display(), to.display()));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the data flow:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = file_graph(Path::new("src"));
    let cycles = cycles(&graph);
    let shown: Vec<String> = cycles
        .iter()
        .map(|c| {
            c.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    assert!(
        shown.is_empty(),
        "files importing each other in a circle:\n{}",
        shown.join("\n")
    );
}

#[test]
fn top_modules_form_no_circle_either() {
    let mut graph = Graph::new();
    for (from, targets) in file_graph(Path::new("src")) {
        for to in targets {
            let (a, b) = (top_module(&from), top_module(&to));
            if a != b {
                graph.entry(a.into()).or_default().insert(b.into());
            }
        }
    }
    for (from, targets) in &graph {
        println!("{} → {}", from.display(), names(targets));
    }
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules importing each other in a circle: {cycles:?}"
    );
}

fn names(set: &BTreeSet<PathBuf>) -> String {
    set.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// `src/run/mod.rs` → `run`, `src/secrets.rs` → `secrets`.
fn top_module(file: &Path) -> String {
    let rel = file.strip_prefix("src").unwrap_or(file);
    let first = rel.components().next().expect("a file under src");
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_string()
}

/// Every file of `root` and the files it imports from.
fn file_graph(root: &Path) -> Graph {
    let files = rust_files(root);
    let modules: Modules = files
        .iter()
        .map(|f| (module_path(root, f), f.clone()))
        .collect();
    let mut graph = Graph::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let me = module_path(root, file);
        let targets = graph.entry(file.clone()).or_default();
        for path in referenced_paths(&without_tests(&text)) {
            if let Some(segments) = absolute(&path, &me, &modules)
                && let Some(target) = resolve(&modules, &segments)
                && target != file
            {
                targets.insert(target.clone());
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `src/run/render.rs` → `["run", "render"]`; `src/run/mod.rs` → `["run"]`.
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(root)
        .expect("under root")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text before an inline test module (`#[cfg(test)]`, `#[cfg(all(test, unix))]` …
/// followed by `mod … {`), comments removed: tests may reach anywhere.
fn without_tests(text: &str) -> String {
    let cut = text
        .match_indices("#[cfg(")
        .map(|(at, _)| at)
        .find(|&at| {
            let Some(end) = text[at..].find(']') else {
                return false;
            };
            let after = text[at + end + 1..].trim_start();
            text[at..at + end].contains("test")
                && after.starts_with("mod ")
                && after.find('{') < after.find(';')
        })
        .unwrap_or(text.len());
    text[..cut]
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paths named in `use` trees (expanded) and inline paths (`crate::…`, `super::…`, `child::…`).
fn referenced_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
            expand_use_tree(tail[..end].trim(), "", &mut paths);
        }
        rest = &tail[end..];
    }
    // inline paths too: `crate::x::f()`, `super::X`, and `child::f()` in a module's own file
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        if word.contains("::") && word.starts_with(|c: char| c.is_ascii_lowercase()) {
            paths.push(word.trim_end_matches(':').to_string());
        }
    }
    paths
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use_tree(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_string()
        } else {
            format!("{p}::{s}")
        }
    };
    let Some(open) = tree.find('{') else {
        let item = tree.split(" as ").next().unwrap_or("").trim();
        if !item.is_empty() {
            out.push(join(prefix, item));
        }
        return;
    };
    let head = tree[..open].trim().trim_end_matches("::");
    let prefix = join(prefix, head);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand_use_tree(&inner[start..i], &prefix, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    expand_use_tree(&inner[start..], &prefix, out);
}

/// A path from the crate root, or None for paths into other crates. `me` is the module the
/// file is; relative paths may start with one of its child modules.
fn absolute(path: &str, me: &[String], modules: &Modules) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty() && *s != "self");
    let first = segments.next()?;
    let mut base = match first {
        "crate" => Vec::new(),
        "super" => me[..me.len().saturating_sub(1)].to_vec(),
        child => {
            let mut below = me.to_vec();
            below.push(child.to_string());
            if !modules.contains_key(&below) {
                return None;
            }
            below
        }
    };
    for segment in segments {
        if segment == "super" {
            base.pop();
        } else {
            base.push(segment.to_string());
        }
    }
    Some(base)
}

/// The file that defines the longest module prefix of the path.
fn resolve<'m>(modules: &'m Modules, segments: &[String]) -> Option<&'m PathBuf> {
    (1..=segments.len())
        .rev()
        .find_map(|n| modules.get(&segments[..n]))
}

/// Strongly connected components with more than one member (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<PathBuf>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g PathBuf) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            for next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let at = self
                    .stack
                    .iter()
                    .position(|p| *p == node)
                    .expect("on the stack");
                let component: Vec<PathBuf> = self.stack.drain(at..).cloned().collect();
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    tarjan.found
}
