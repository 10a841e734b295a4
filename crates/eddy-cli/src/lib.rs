//! The `eddy` command line: a clap command tree, one module per command group.
//!
//! stdout carries data only; errors and progress go to stderr. Exit codes: 0 ok, 1
//! failure, 2 usage error or invalid input. A closed stdout (broken pipe) counts as
//! success.
#![forbid(unsafe_code)]

mod input;
mod pattern;
pub mod serve;
mod transform;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Eddy: a self-hosted, event-driven serverless platform in one binary.
#[derive(Debug, Parser)]
#[command(name = "eddy", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Eddy server: buses, rules, queues and the AWS protocols on one port.
    Serve(serve::ServeArgs),
    /// Test an EventBridge event pattern against an event (like TestEventPattern).
    TestEventPattern(pattern::TestEventPatternArgs),
    /// Show what a rule target receives for an event through its InputPath or
    /// InputTransformer.
    Transform(transform::TransformArgs),
}

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    #[default]
    Table,
    /// For scripts.
    Json,
}

/// Outcome of a command, mapped to the exit code.
#[derive(Debug)]
pub enum Exit {
    /// Success (0).
    Ok,
    /// Invalid input the user gave, already reported (2).
    Invalid,
    /// The command ran and failed, already reported (1).
    Failed,
}

/// Parses the command line, runs the command and returns the exit code. `serve` runs the
/// server (the binary provides it, since only it names a storage backend).
pub fn main(serve: impl FnOnce(serve::ServeArgs) -> anyhow::Result<Exit>) -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::TestEventPattern(args) => pattern::test_event_pattern(args),
        Command::Transform(args) => transform::transform(args),
    };
    match result {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Invalid) => ExitCode::from(2),
        Ok(Exit::Failed) => ExitCode::FAILURE,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
