//! Reading typed values out of a positioned YAML tree, collecting every error with its place.
//! Shared by collection and environment loading (and mock files), so all report alike.

use std::path::Path;
use std::sync::Arc;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::yaml::{Node, NodeKind, Pos};
use crate::location::Location;
use crate::secrets::Secrets;
use crate::suggest;
use crate::template::{TValue, TemplateBuilder, Tpl};

/// The state of reading one file: where errors go and where templates are collected.
pub struct Reader<'t> {
    file: Arc<Path>,
    text: &'t str,
    /// For an included file: its folder relative to the collection's, so the relative file
    /// paths it names still resolve against the collection at run time.
    rebase: std::path::PathBuf,
    /// Files being read, outermost first (include cycle detection).
    pub stack: Vec<std::path::PathBuf>,
    /// Every problem found so far, in file order of discovery.
    pub errors: Vec<LoadError>,
    /// Templates seen so far, compiled after the whole file is read.
    pub templates: TemplateBuilder,
}

/// The entries of a YAML map whose keys were checked against the allowed names.
pub struct Fields<'n> {
    entries: Vec<(&'n str, &'n Node, &'n Node)>,
    /// The known names that unknown keys were taken for (`urll` → `url`).
    suggested: Vec<String>,
}

impl<'n> Fields<'n> {
    /// The value of a key, if present.
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == name)
            .map(|(_, _, v)| *v)
    }

    /// Whether an unknown key was a misspelling of `name` (already reported as such).
    pub fn misspelled(&self, name: &str) -> bool {
        self.suggested.iter().any(|s| s == name)
    }

    /// The key node of a present key (for positions).
    pub fn key(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == name)
            .map(|(_, k, _)| *k)
    }
}

impl<'t> Reader<'t> {
    /// A reader for one file's text.
    pub fn new(file: Arc<Path>, text: &'t str) -> Self {
        Reader {
            stack: vec![file.to_path_buf()],
            file,
            text,
            rebase: std::path::PathBuf::new(),
            errors: Vec::new(),
            templates: TemplateBuilder::default(),
        }
    }

    /// A reader for a file included by this one: it shares templates and collects errors
    /// with its own positions; call `absorb` when done.
    pub fn included<'u>(
        &mut self,
        file: Arc<Path>,
        text: &'u str,
        rebase: std::path::PathBuf,
    ) -> Reader<'u> {
        let mut stack = self.stack.clone();
        stack.push(file.to_path_buf());
        Reader {
            file,
            text,
            rebase,
            stack,
            errors: Vec::new(),
            templates: std::mem::take(&mut self.templates),
        }
    }

    /// Takes back the templates and errors of an included file's reader.
    pub fn absorb(&mut self, included: Reader<'_>) {
        self.templates = included.templates;
        self.errors.extend(included.errors);
    }

    /// The rebase of this file (see `included`).
    pub fn rebase(&self) -> &Path {
        &self.rebase
    }

    /// A file path template as written here, made relative to the collection's folder.
    pub fn file_tpl(&mut self, node: &Node, what: &str) -> Option<Tpl> {
        let text = self.string(node, what)?;
        let relative = std::path::Path::new(&text).is_relative();
        let text = if relative && !crate::template::has_template_syntax(&text) {
            self.rebase.join(&text).to_string_lossy().into_owned()
        } else {
            text
        };
        Some(self.templates.text(&text, self.location(node.pos), what))
    }

    /// The folder of the file (relative paths in it are resolved against it).
    pub fn dir(&self) -> std::path::PathBuf {
        self.file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The file being read.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        self.text
    }

    /// A location in this file.
    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
        }
    }

    /// Records an error at a position.
    pub fn error(&mut self, pos: Pos, kind: LoadErrorKind) {
        self.errors
            .push(LoadError::at(self.location(pos), self.text, kind));
    }

    /// Reports a required key as missing, unless a misspelling of it was reported already:
    /// one typo gives one error.
    pub fn missing(&mut self, fields: &Fields, node: &Node, name: &'static str) {
        if !fields.misspelled(name) {
            self.error(node.pos, LoadErrorKind::MissingField(name));
        }
    }

    fn wrong_type(&mut self, node: &Node, field: &str, expected: &'static str) {
        self.error(
            node.pos,
            LoadErrorKind::WrongType {
                field: field.to_string(),
                expected,
                found: node.type_name(),
            },
        );
    }

    /// A map's entries, refusing keys not in `allowed` (with a "did you mean").
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let entries = self.map_entries(node, what)?;
        let mut fields = Fields {
            entries: Vec::new(),
            suggested: Vec::new(),
        };
        for (key, key_node, value) in entries {
            if allowed.contains(&key) {
                fields.entries.push((key, key_node, value));
            } else {
                let suggestion = suggest::closest(key, allowed.iter().copied());
                fields.suggested.extend(suggestion.clone());
                self.error(
                    key_node.pos,
                    LoadErrorKind::UnknownField {
                        field: key.to_string(),
                        what: what.to_string(),
                        suggestion,
                        expected: allowed.join(", "),
                    },
                );
            }
        }
        Some(fields)
    }

    /// A map's entries with string keys, in file order.
    pub fn map_entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<Vec<(&'n str, &'n Node, &'n Node)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, "a map");
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match &key.kind {
                NodeKind::Str(k) => out.push((k.as_str(), key, value)),
                _ => self.wrong_type(key, &format!("a key in {what}"), "a string"),
            }
        }
        Some(out)
    }

    /// A list's items.
    pub fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, what, "a list");
                None
            }
        }
    }

    /// A scalar as a plain string (numbers and booleans as written).
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Seq(_) | NodeKind::Map(_) | NodeKind::Null => {
                self.wrong_type(node, what, "a string");
                None
            }
            _ => node.scalar_text(),
        }
    }

    /// A boolean.
    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, what, "true or false");
                None
            }
        }
    }

    /// A string (not a number or boolean) that may be a template, e.g. a URL.
    pub fn tpl_text(&mut self, node: &Node, what: &str) -> Option<Tpl> {
        if !matches!(node.kind, NodeKind::Str(_)) {
            self.wrong_type(node, what, "a string");
            return None;
        }
        self.tpl(node, what)
    }

    /// A scalar that may be a template.
    pub fn tpl(&mut self, node: &Node, what: &str) -> Option<Tpl> {
        let text = self.string(node, what)?;
        Some(self.templates.text(&text, self.location(node.pos), what))
    }

    /// Any value whose strings may be templates.
    pub fn tvalue(&mut self, node: &Node, what: &str) -> TValue {
        match &node.kind {
            NodeKind::Null => TValue::Null,
            NodeKind::Bool(b) => TValue::Bool(*b),
            NodeKind::Int(i) => TValue::Number((*i).into()),
            NodeKind::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => TValue::Number(n),
                None => {
                    // `1e400`, `.inf`, `.nan`: JSON has no such numbers
                    self.error(
                        node.pos,
                        LoadErrorKind::Invalid(format!(
                            "`{what}` is not a finite number ({f}); quote it for a string"
                        )),
                    );
                    TValue::Null
                }
            },
            NodeKind::Str(s) => TValue::Str(self.templates.text(s, self.location(node.pos), what)),
            NodeKind::Seq(items) => TValue::Seq(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.tvalue(item, &format!("{what}[{i}]")))
                    .collect(),
            ),
            NodeKind::Map(_) => {
                let entries = self.map_entries(node, what).unwrap_or_default();
                TValue::Map(
                    entries
                        .into_iter()
                        .map(|(k, _, v)| (k.to_string(), self.tvalue(v, &format!("{what}.{k}"))))
                        .collect(),
                )
            }
        }
    }

    /// A map of names to values that may be templates (vars, query, form fields).
    pub fn tvalue_map(&mut self, node: &Node, what: &str) -> Vec<(String, TValue)> {
        self.map_entries(node, what)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _, v)| (k.to_string(), self.tvalue(v, &format!("{what}.{k}"))))
            .collect()
    }

    /// A map of names to string templates (headers).
    pub fn tpl_map(&mut self, node: &Node, what: &str) -> Vec<(String, Tpl)> {
        self.map_entries(node, what)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, _, v)| Some((k.to_string(), self.tpl(v, &format!("{what}.{k}"))?)))
            .collect()
    }
}

/// Compiles the reader's templates; returns all errors (field and template) sorted by place.
pub fn finish(
    r: &mut Reader,
    secrets: &Secrets,
) -> Result<crate::template::Templates, Vec<LoadError>> {
    let builder = std::mem::take(&mut r.templates);
    let mut errors = std::mem::take(&mut r.errors);
    let compiled = builder.compile(secrets);
    if let Err(template_errors) = &compiled {
        for e in template_errors {
            // templates of included files are compiled with the collection's
            let text = if *e.location.file == *r.file() {
                r.text().to_string()
            } else {
                std::fs::read_to_string(&e.location.file).unwrap_or_default()
            };
            errors.push(LoadError::at(
                e.location.clone(),
                &text,
                LoadErrorKind::Template(e.message.clone()),
            ));
        }
    }
    if !errors.is_empty() {
        // by file (in the order files were met), then by place in the file
        let mut files: Vec<Arc<Path>> = Vec::new();
        for e in &errors {
            if let Some(l) = &e.location
                && !files.contains(&l.file)
            {
                files.push(l.file.clone());
            }
        }
        errors.sort_by_key(|e| {
            e.location.as_ref().map(|l| {
                let file = files.iter().position(|f| *f == l.file).unwrap_or(0);
                (file, l.line, l.col)
            })
        });
        return Err(errors);
    }
    compiled.map_err(|_| errors)
}
