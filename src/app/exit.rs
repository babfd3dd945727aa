//! The exit codes of the contract, and the one way a command ends on unusable input: every
//! problem rendered (secrets masked), then exit code 2.

use std::io::Write as _;
use std::process::ExitCode;

use crate::load::{LoadError, LoadErrorKind};
use crate::secrets::Secrets;

/// Exit codes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every request passed.
    Passed = 0,
    /// At least one request failed.
    Failed = 1,
    /// The input could not be used.
    BadInput = 2,
    /// Stopped by Ctrl-C (SIGINT; on Windows also Ctrl-Break and closing the console).
    Interrupted = 130,
    /// Stopped by SIGTERM (docker stop, CI cancellation): 128 + 15, as shells report it.
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

pub(crate) fn general(message: String) -> LoadError {
    LoadError::general(LoadErrorKind::Invalid(message))
}

/// Prints input errors and gives the exit code for unusable input.
pub(crate) fn input_errors(errors: &[LoadError], secrets: &Secrets) -> Exit {
    let mut err = anstream::stderr().lock();
    for error in errors {
        let _ = write!(err, "{}", secrets.mask(&error.render()));
    }
    let count = errors.len();
    let noun = if count == 1 { "error" } else { "errors" };
    let _ = writeln!(err, "{count} {noun} in the input; no request was sent");
    Exit::BadInput
}
