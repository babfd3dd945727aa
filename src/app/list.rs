//! `runner list`: the requests of collections as a table (path, method, URL, tags).

use super::exit::{Exit, input_errors};
use super::plan::expand_files;
use crate::cli::ListArgs;
use crate::load;
use crate::model::Phase;
use crate::secrets::Secrets;
use crate::template::{Templates, Tpl};

/// Runs `runner list`.
pub fn list(args: &ListArgs) -> Exit {
    let secrets = Secrets::default();
    let mut errors = Vec::new();
    let files = expand_files(&args.files, &mut errors);
    let mut rows: Vec<[String; 5]> = Vec::new();
    for file in files {
        let collection = match load::load_collection(&file, &secrets) {
            Ok(c) => c,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        for request in &collection.requests {
            if !args.tags.is_empty() && !request.tags.iter().any(|t| args.tags.contains(t)) {
                continue;
            }
            let phase = match request.phase {
                Phase::Setup => "setup: ",
                Phase::Main => "",
                Phase::Teardown => "teardown: ",
            };
            rows.push([
                file.display().to_string(),
                format!("{phase}{}", request.path),
                source(&collection.templates, &request.method),
                source(&collection.templates, &request.url),
                request.tags.join(","),
            ]);
        }
    }
    if !errors.is_empty() {
        return input_errors(&errors, &secrets);
    }
    print!(
        "{}",
        table(["FILE", "REQUEST", "METHOD", "URL", "TAGS"], &rows)
    );
    Exit::Passed
}

/// A template as written (`<<api>>/companies`).
fn source(templates: &Templates, tpl: &Tpl) -> String {
    match tpl {
        Tpl::Lit(text) => text.clone(),
        Tpl::Text(id) => templates.source(*id).to_string(),
        Tpl::Expr(id) => format!("<<{}>>", templates.source(*id)),
    }
}

/// Left-aligned columns separated by two spaces.
fn table(header: [&str; 5], rows: &[[String; 5]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut out: String = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}
