//! `runner lsp`: the language server over standard input/output until the client shuts it
//! down. Exit 0 after `shutdown` and `exit`, 1 when the client goes away without them.

use super::exit::Exit;
use crate::cli::LspArgs;

/// Runs `runner lsp`.
pub fn lsp(_args: &LspArgs) -> Exit {
    super::plan::load_dotenv();
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::serve(&connection);
    // the writer thread ends once every sender is gone
    drop(connection);
    if let Err(e) = io_threads.join() {
        eprintln!("runner lsp: {e}");
    }
    match served {
        Ok(()) => Exit::Passed,
        Err(e) => {
            eprintln!("runner lsp: {e}");
            Exit::Failed
        }
    }
}
