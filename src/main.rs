use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // a Tab press in a shell with `runner completions` set up: answer and exit
    runner::app::complete_if_requested();
    let cli = runner::cli::Cli::parse();
    match runner::app::main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::from(2)
        }
    }
}
