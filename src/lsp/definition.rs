//! Go to definition: from a variable to its `vars` entry, its line in each environment file
//! and the captures that set it; from an `include:` path to the file.

use std::path::Path;

use lsp_types::{Location as LspLocation, Position, Range};

use super::convert::{path_to_uri, position};
use super::cursor::{template_word, value_of};
use super::document::Document;
use super::names::definitions;

/// The places the symbol at the position is defined.
pub fn definition(document: &Document, at: Position) -> Vec<LspLocation> {
    if let Some(included) = value_of(&document.text, at, "include") {
        let dir = document.path.parent().unwrap_or(Path::new(""));
        let file = dir.join(included);
        return file
            .is_file()
            .then(|| place(&file, Position::new(0, 0)))
            .flatten()
            .into_iter()
            .collect();
    }
    let Some((name, _)) = template_word(&document.text, at) else {
        return Vec::new();
    };
    let Some(collection) = document.collection() else {
        return Vec::new();
    };
    let mut found: Vec<LspLocation> = definitions(collection, &name)
        .into_iter()
        .filter_map(|l| {
            // positions in the open document come from its text; others from the file
            let text = if *l.file == *document.path {
                document.text.clone()
            } else {
                std::fs::read_to_string(&l.file).unwrap_or_default()
            };
            place(&l.file, position(&text, l.line, l.col))
        })
        .collect();
    for env in document
        .environments()
        .map(|e| e.found.as_slice())
        .unwrap_or_default()
    {
        if let Some(line) = env.line_of(&name) {
            found.extend(place(&env.path, Position::new(line, 0)));
        }
    }
    found
}

fn place(file: &Path, start: Position) -> Option<LspLocation> {
    Some(LspLocation {
        uri: path_to_uri(file)?,
        range: Range::new(start, start),
    })
}
