use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = runner::cli::Cli::parse();
    runner::app::run(cli).await
}
