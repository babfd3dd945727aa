//! `--data FILE`: rows of variables for data-driven runs, from CSV (with a header) or JSON
//! (an array of objects), read one row at a time: a file of any number of rows is never held
//! whole, only the row being read.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};
use serde_json::Value;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::files::open_text;

/// One row: variable name → value.
pub type Row = Vec<(String, Value)>;

/// JSON rows parsed ahead of the one taken, at most.
const JSON_ROWS_AHEAD: usize = 16;

/// The rows of a data file, read as they are taken. After an error there are no more.
pub struct Rows {
    path: PathBuf,
    /// None once the rows are over or one failed.
    source: Option<Source>,
}

enum Source {
    Csv {
        reader: csv::Reader<LfReader<BufReader<File>>>,
        headers: csv::StringRecord,
        record: csv::StringRecord,
    },
    /// Rows parsed by a thread of their own (serde_json reads an array only whole, or by a
    /// visitor that is called for each element); it stops when this end is dropped.
    Json(Receiver<Result<Row, String>>),
}

impl Rows {
    /// Opens a data file: its text is checked (UTF-8, control characters) and, for CSV, its
    /// header read.
    pub fn open(path: &Path) -> Result<Rows, LoadError> {
        let mut input = BufReader::new(open_text(path)?);
        // Notepad and PowerShell write a byte order mark; it is not part of the text
        if input
            .fill_buf()
            .map_err(|e| read_error(path, &e))?
            .starts_with(UTF8_BOM)
        {
            input.consume(UTF8_BOM.len());
        }
        let source = if path.extension().and_then(|e| e.to_str()) == Some("json") {
            Source::Json(json_rows(input).map_err(|e| read_error(path, &e))?)
        } else {
            let mut reader = csv::Reader::from_reader(LfReader {
                inner: input,
                held_cr: false,
            });
            let headers = reader
                .headers()
                .map_err(|e| invalid(path, format!("invalid CSV header: {e}")))?
                .clone();
            Source::Csv {
                reader,
                headers,
                record: csv::StringRecord::new(),
            }
        };
        Ok(Rows {
            path: path.to_path_buf(),
            source: Some(source),
        })
    }

    /// Reads every row once, checking each: how many there are (at least one).
    pub fn count(path: &Path) -> Result<usize, LoadError> {
        let mut count = 0;
        for row in Rows::open(path)? {
            row?;
            count += 1;
        }
        if count == 0 {
            return Err(invalid(path, "no rows".into()));
        }
        Ok(count)
    }
}

impl Iterator for Rows {
    type Item = Result<Row, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = match self.source.as_mut()? {
            Source::Csv {
                reader,
                headers,
                record,
            } => match reader.read_record(record) {
                Ok(false) => None,
                Ok(true) => Some(Ok(headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
                    .collect())),
                Err(e) => Some(Err(format!("invalid CSV: {e}"))),
            },
            Source::Json(rows) => rows.recv().ok(),
        };
        if !matches!(row, Some(Ok(_))) {
            self.source = None;
        }
        Some(row?.map_err(|message| invalid(&self.path, message)))
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn invalid(path: &Path, message: String) -> LoadError {
    LoadError::general(LoadErrorKind::Invalid(format!(
        "{}: {message}",
        path.display()
    )))
}

fn read_error(path: &Path, error: &io::Error) -> LoadError {
    LoadError::general(LoadErrorKind::Read {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// The rows of a JSON array, parsed on a thread and handed over a few at a time.
fn json_rows(input: BufReader<File>) -> io::Result<Receiver<Result<Row, String>>> {
    let (sender, rows) = sync_channel(JSON_ROWS_AHEAD);
    std::thread::Builder::new()
        .name("data rows".into())
        .spawn(move || {
            let mut parser = serde_json::Deserializer::from_reader(input);
            let parsed = parser
                .deserialize_seq(RowSender(&sender))
                .and_then(|()| parser.end());
            if let Err(e) = parsed
                && !e.to_string().starts_with(TAKEN_NO_MORE)
            {
                let _ = sender.send(Err(format!("invalid JSON: {e}")));
            }
        })?;
    Ok(rows)
}

/// Why the parser stops early: a row is not an object, or no more are taken.
const TAKEN_NO_MORE: &str = "(rows taken no more)";

/// Sends each object of the array as a row.
struct RowSender<'a>(&'a SyncSender<Result<Row, String>>);

impl<'de> Visitor<'de> for RowSender<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(item) = items.next_element::<Value>()? {
            number += 1;
            let row = match item {
                Value::Object(map) => Ok(map.into_iter().collect()),
                _ => Err(format!("item {number} is not an object")),
            };
            let last = row.is_err();
            if self.0.send(row).is_err() || last {
                return Err(A::Error::custom(TAKEN_NO_MORE));
            }
        }
        Ok(())
    }
}

/// Reads CRLF as LF: the csv crate counts a CRLF as no line in its error positions.
struct LfReader<R> {
    inner: R,
    /// A CR at the end of the last chunk, dropped if an LF follows.
    held_cr: bool,
}

impl<R: BufRead> Read for LfReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let chunk = self.inner.fill_buf()?;
        if std::mem::take(&mut self.held_cr) && chunk.first() != Some(&b'\n') {
            out[0] = b'\r';
            return Ok(1);
        }
        let (mut written, mut used) = (0, 0);
        while used < chunk.len() && written < out.len() {
            let byte = chunk[used];
            used += 1;
            if byte == b'\r' {
                match chunk.get(used) {
                    Some(b'\n') => continue,
                    None => {
                        self.held_cr = true;
                        break;
                    }
                    Some(_) => {}
                }
            }
            out[written] = byte;
            written += 1;
        }
        self.inner.consume(used);
        if written == 0 && self.held_cr {
            // the chunk was one CR: what follows it decides
            return self.read(out);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(path: &Path) -> Result<Vec<Row>, LoadError> {
        Rows::count(path)?;
        Rows::open(path)?.collect()
    }

    #[test]
    fn csv_and_json_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("rows.csv");
        std::fs::write(&csv_path, "name,qty\nAdatum,3\n\"Fabrikam, Inc.\",5\n").unwrap();
        let read = rows(&csv_path).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[1][0],
            ("name".into(), Value::String("Fabrikam, Inc.".into()))
        );
        let json_path = dir.path().join("rows.json");
        std::fs::write(&json_path, r#"[{"name": "A", "qty": 3}]"#).unwrap();
        assert_eq!(
            rows(&json_path).unwrap()[0][1],
            ("qty".into(), serde_json::json!(3))
        );
        for (text, problem) in [
            (r#"{"name": "A"}"#, "expected an array of objects"),
            (r#"[{"name": "A"}, 3]"#, "item 2 is not an object"),
            ("[{\"name\": \"A\"},\n {\"name\": }]", "line 2 column 11"),
            ("[]", "no rows"),
        ] {
            std::fs::write(&json_path, text).unwrap();
            let error = rows(&json_path).unwrap_err().to_string();
            assert!(error.contains(problem), "{text}: {error}");
        }
    }

    #[test]
    fn crlf_reads_as_lf_wherever_the_reads_cut_it() {
        let text = b"a,b\r\n1,\"x\r\ny\"\r\n2,\r3\r\n";
        for chunk in 1..text.len() {
            let mut lf = LfReader {
                inner: BufReader::with_capacity(chunk, &text[..]),
                held_cr: false,
            };
            let mut read = Vec::new();
            lf.read_to_end(&mut read).unwrap();
            assert_eq!(read, b"a,b\n1,\"x\ny\"\n2,\r3\n", "chunks of {chunk}");
        }
    }

    #[test]
    fn a_hundred_thousand_rows_are_counted_and_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let text: String = std::iter::once("n\n".to_string())
            .chain((1..=100_000).map(|n| format!("{n}\n")))
            .collect();
        std::fs::write(&path, text).unwrap();
        assert_eq!(Rows::count(&path).unwrap(), 100_000);
        let last = Rows::open(&path).unwrap().last().unwrap().unwrap();
        assert_eq!(last, [("n".to_string(), Value::from("100000"))]);
    }
}
