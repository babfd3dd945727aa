//! `runner man`: man pages rendered from the command-line definitions (clap_mangen), so
//! they always match `--help`.

use std::io::Write as _;
use std::path::Path;

use clap::CommandFactory as _;

use super::exit::Exit;
use crate::cli::Cli;

/// Prints `runner.1`, or writes `runner.1` and one page per subcommand (`runner-run.1`, …)
/// into `out`.
pub(super) fn man(out: Option<&Path>) -> Exit {
    let written = match out {
        None => render(),
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
            .map(|()| eprintln!("man pages written to {}", dir.display())),
    };
    match written {
        Ok(()) => Exit::Passed,
        Err(e) => {
            eprintln!("error: cannot write the man page: {e}");
            Exit::Failed
        }
    }
}

fn render() -> std::io::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    std::io::stdout().write_all(&page)
}
