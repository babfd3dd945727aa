//! `--data FILE`: rows of variables for data-driven runs, from CSV (with a header) or JSON
//! (an array of objects).

use std::path::Path;

use serde_json::Value;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::files::read_text;

/// One row: variable name → value.
pub type Row = Vec<(String, Value)>;

/// Reads the rows of a CSV or JSON data file.
pub fn load_rows(path: &Path) -> Result<Vec<Row>, LoadError> {
    let text = read_text(path)?;
    let invalid = |message: String| {
        LoadError::general(LoadErrorKind::Invalid(format!(
            "{}: {message}",
            path.display()
        )))
    };
    let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
    let rows = if is_json {
        let value: Value =
            serde_json::from_str(&text).map_err(|e| invalid(format!("invalid JSON: {e}")))?;
        let Value::Array(items) = value else {
            return Err(invalid("expected an array of objects".into()));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) => Ok(map.into_iter().collect()),
                _ => Err(invalid(format!("item {} is not an object", i + 1))),
            })
            .collect::<Result<Vec<Row>, _>>()?
    } else {
        // the csv crate counts a CRLF as no line in its error positions: LF keeps them right
        let text = text.replace("\r\n", "\n");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| invalid(format!("invalid CSV header: {e}")))?
            .clone();
        reader
            .records()
            .map(|record| {
                let record = record.map_err(|e| invalid(format!("invalid CSV: {e}")))?;
                Ok(headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
                    .collect())
            })
            .collect::<Result<Vec<Row>, LoadError>>()?
    };
    if rows.is_empty() {
        return Err(invalid("no rows".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("rows.csv");
        std::fs::write(&csv_path, "name,qty\nAdatum,3\n\"Fabrikam, Inc.\",5\n").unwrap();
        let rows = load_rows(&csv_path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1][0],
            ("name".into(), Value::String("Fabrikam, Inc.".into()))
        );
        let json_path = dir.path().join("rows.json");
        std::fs::write(&json_path, r#"[{"name": "A", "qty": 3}]"#).unwrap();
        assert_eq!(
            load_rows(&json_path).unwrap()[0][1],
            ("qty".into(), serde_json::json!(3))
        );
        std::fs::write(&json_path, r#"{"name": "A"}"#).unwrap();
        assert!(load_rows(&json_path).is_err());
    }
}
