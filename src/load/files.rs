//! Opening an input file: its text as UTF-8, then its YAML tree, each failure a `LoadError`.
//! Only regular files are read, up to a size limit (a `--data` file, read piece by piece, has
//! none), and text with control characters is refused at their place: a FIFO, `/dev/zero` or a
//! binary file never hangs or fills memory.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use crate::load::error::{LoadError, LoadErrorKind};
use crate::load::yaml;
use crate::location::Location;

/// The largest input file read unless `RUNNER_MAX_INPUT_SIZE` says otherwise.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The environment variable that raises (or lowers) the input file size limit, e.g. `256MiB`.
pub const MAX_INPUT_SIZE_VAR: &str = "RUNNER_MAX_INPUT_SIZE";

/// Reads an input file (collection, include, environment, data, mock) as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let text = read_input(path)?;
    check_control_chars(path, &text)?;
    Ok(text)
}

/// Reads a regular file up to the size limit as UTF-8 text, control characters and all
/// (`.env` reports those per line).
pub fn read_input(path: &Path) -> Result<String, LoadError> {
    let read_error = |message: String| {
        LoadError::general(LoadErrorKind::Read {
            path: path.to_path_buf(),
            message,
        })
    };
    let mut bytes =
        read_regular_file(path, max_input_bytes().map_err(read_error)?).map_err(read_error)?;
    // Notepad and PowerShell write one; it is not part of the text
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        read_error(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The size limit: the default, or `RUNNER_MAX_INPUT_SIZE` when set.
fn max_input_bytes() -> Result<u64, String> {
    match std::env::var(MAX_INPUT_SIZE_VAR) {
        Ok(text) => crate::units::parse_bytes(&text)
            .map_err(|e| format!("{MAX_INPUT_SIZE_VAR}={text}: {e}")),
        Err(_) => Ok(DEFAULT_MAX_INPUT_BYTES),
    }
}

/// A regular file opened for reading; anything else is refused by name.
fn open_regular_file(path: &Path) -> Result<std::fs::File, String> {
    let kind = std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .file_type();
    if !kind.is_file() {
        return Err(format!("{} (only regular files are read)", describe(kind)));
    }
    std::fs::File::open(path).map_err(|e| e.to_string())
}

/// Opens an input file that is read piece by piece (`--data`): a regular file, its text
/// checked first in one pass of fixed memory (UTF-8, no control characters but tab, CR and
/// LF), with no size limit since it is never held whole. A problem is reported as
/// `read_text` reports it, at its place.
pub fn open_text(path: &Path) -> Result<std::fs::File, LoadError> {
    let read_error = |message: String| {
        LoadError::general(LoadErrorKind::Read {
            path: path.to_path_buf(),
            message,
        })
    };
    let file = open_regular_file(path).map_err(read_error)?;
    match first_text_problem(&file) {
        Ok(false) => {}
        // the same message as for any other input, at its place (read whole on this path only)
        Ok(true) => read_text(path).map(drop)?,
        Err(e) => return Err(read_error(e.to_string())),
    }
    open_regular_file(path).map_err(read_error)
}

/// Whether a file holds invalid UTF-8 or a control character other than tab, CR and LF.
fn first_text_problem(file: &std::fs::File) -> std::io::Result<bool> {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    // the start of a character cut by the end of the previous chunk
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let chunk = std::io::BufRead::fill_buf(&mut reader)?;
        if chunk.is_empty() {
            return Ok(!carry.is_empty());
        }
        let taken = chunk.len();
        carry.extend_from_slice(chunk);
        std::io::BufRead::consume(&mut reader, taken);
        let valid = match std::str::from_utf8(&carry) {
            Ok(text) => text,
            // cut at the end: the rest comes with the next chunk
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&carry[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Ok(true),
        };
        if valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Ok(true);
        }
        let done = valid.len();
        carry.drain(..done);
    }
}

/// The bytes of a regular file of at most `limit` bytes; anything else is refused by name.
fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = open_regular_file(path)?;
    let too_big = || {
        format!(
            "larger than the input limit of {} (raise it with {MAX_INPUT_SIZE_VAR}, e.g. {MAX_INPUT_SIZE_VAR}=256MiB)",
            crate::units::format_bytes(limit)
        )
    };
    if file.metadata().map_err(|e| e.to_string())?.len() > limit {
        return Err(too_big());
    }
    // the file may grow between the check and the read: never take more than the limit
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, for the message.
fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Refuses NUL and other control characters (tab, CR and LF are text) at their place.
fn check_control_chars(path: &Path, text: &str) -> Result<(), LoadError> {
    let Some((offset, found)) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    else {
        return Ok(());
    };
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() + 1;
    let col = text[line_start..offset].chars().count() + 1;
    let location = Location {
        file: Arc::from(path),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    };
    let mut error = LoadError::at(
        location,
        text,
        LoadErrorKind::ControlCharacter(u32::from(found)),
    );
    // the source line is printed: its control characters are shown, never sent to the terminal
    error.source_line = error.source_line.map(|l| l.chars().map(visible).collect());
    Err(error)
}

/// A control character as its one-column picture (`␀`, `␛`, `␡`), others unchanged.
fn visible(c: char) -> char {
    match u32::from(c) {
        code @ 0..=0x1f if c != '\t' => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ if c.is_control() && c != '\t' => '\u{fffd}',
        _ => c,
    }
}

/// Parses a file's YAML, turning a syntax error into a positioned `LoadError`.
pub fn parse_yaml(file: &Arc<Path>, text: &str) -> Result<yaml::Node, LoadError> {
    yaml::parse(text).map_err(|e| {
        let location = Location {
            file: file.clone(),
            line: e.pos.line,
            col: e.pos.col,
        };
        LoadError::at(location, text, LoadErrorKind::Syntax(e.message))
    })
}
