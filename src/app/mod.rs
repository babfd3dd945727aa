//! Orchestration, top to bottom: load everything → resolve variables → run → report → exit code.
//! Every input problem is found before the first request is sent.

mod completions;
mod exit;
mod import;
mod init;
mod list;
mod lsp;
mod man;
mod merge;
mod mock;
mod plan;
mod run;
mod signal;
mod sink;
mod token;
mod units;
mod validate;
mod watch;

pub use completions::complete_if_requested;
pub use exit::Exit;

use std::process::ExitCode;

use crate::cli::{Cli, Command, ReportCommand, SchemaKind};

/// Runs a parsed command line on the runtime it needs: one thread when requests go one after
/// another (no hand-offs between threads on every response), a thread pool for `--jobs`
/// above 1.
pub fn main(cli: Cli) -> std::io::Result<ExitCode> {
    let parallel = matches!(&cli.command, Command::Run(args) if args.jobs > 1);
    if !parallel {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        return Ok(runtime.block_on(run(cli)));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // the command runs on a worker: the thread blocked here would be woken for every unit
    // that finishes
    Ok(runtime.block_on(async {
        match tokio::spawn(run(cli)).await {
            Ok(code) => code,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) if args.watch => watch::watch(args).await.into(),
        Command::Run(args) => run::run_files(args).await.into(),
        Command::Mock(args) => mock::serve_mock(args).await.into(),
        Command::Token(args) => token::show(args).await.into(),
        Command::Validate(args) => validate::validate(&args).into(),
        Command::List(args) => list::list(&args).into(),
        Command::Init(args) => init::init(&args).into(),
        Command::Schema { kind } => {
            print!(
                "{}",
                match kind {
                    SchemaKind::Collection => crate::format::collection_schema(),
                    SchemaKind::Environment => crate::format::environment_schema(),
                }
            );
            ExitCode::SUCCESS
        }
        Command::Report(ReportCommand::Merge(args)) => merge::merge(&args).into(),
        Command::Import(command) => import::import(command).into(),
        Command::Export(command) => import::export(command).into(),
        Command::Completions { shell } => completions::print_script(shell).into(),
        Command::Man { out } => man::man(out.as_deref()).into(),
        Command::Lsp(args) => lsp::lsp(&args).into(),
    }
}
