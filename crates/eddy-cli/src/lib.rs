//! The `eddy` command line: a clap command tree, one module per command group.
//!
//! stdout carries data only; errors and progress go to stderr. Exit codes: 0 ok, 1
//! failure, 2 usage error or invalid input. A closed stdout (broken pipe) counts as
//! success.
#![forbid(unsafe_code)]

pub mod apply;
mod buses;
pub mod client;
mod dlq;
mod functions;
mod input;
mod pattern;
mod put_events;
mod queues;
mod remote;
mod rules;
pub mod serve;
pub mod stack;
mod table;
mod transform;

pub use apply::{apply_file, ApplySummary};

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Eddy: a self-hosted, event-driven serverless platform in one binary.
#[derive(Debug, Parser)]
#[command(
    name = "eddy",
    version,
    about = "Eddy: a self-hosted, event-driven serverless platform in one binary.",
    long_about = None
)]
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
    /// Converge a running server to a stack file (eddy.yaml): print the plan, then create,
    /// update and delete.
    Apply(apply::ApplyArgs),
    /// Event buses: list, describe, create, delete.
    Buses(buses::BusesArgs),
    /// Rules of a bus: list, describe, delete.
    Rules(rules::RulesArgs),
    /// Queues and their messages.
    Queues(queues::QueuesArgs),
    /// Show the dead letters of a queue: why each event could not be delivered.
    Dlq(dlq::DlqArgs),
    /// Put events on a bus, from flags, a file of JSON lines or stdin.
    PutEvents(put_events::PutEventsArgs),
    /// Functions: list, describe, delete, and the queues that feed them.
    Functions(functions::FunctionsArgs),
    /// Invoke a function and print its response.
    Invoke(functions::InvokeArgs),
    /// Print a function's log lines (START, END, REPORT and what it wrote).
    Logs(functions::LogsArgs),
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
        Command::Apply(args) => apply::run(args),
        Command::Buses(args) => buses::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Queues(args) => queues::run(args),
        Command::Dlq(args) => dlq::run(args),
        Command::PutEvents(args) => put_events::run(args),
        Command::Functions(args) => functions::run(args),
        Command::Invoke(args) => functions::invoke(args),
        Command::Logs(args) => functions::logs(args),
    };
    match result {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Invalid) => ExitCode::from(2),
        Ok(Exit::Failed) => ExitCode::FAILURE,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if is_invalid_input(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Input the user gave that cannot be used (a bad file, a bad flag value): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// Whether an error comes from input the user gave: a bad file or argument, or a request
/// the server refused as invalid.
fn is_invalid_input(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<InvalidInput>()
            || c.is::<stack::Error>()
            || c.downcast_ref::<client::Error>()
                .is_some_and(client::Error::is_invalid_input)
    })
}

/// Parses `KEY=VALUE`.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

/// Tags as `k=v,k=v`.
fn tags_text(tags: &eddy_api_model::Tags) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Says that a resource was deleted.
fn deleted(output: Output, kind: &str, name: &str) -> std::io::Result<()> {
    match output {
        Output::Json => {
            table::print_json(&serde_json::json!({ "deleted": { "kind": kind, "name": name } }))
        }
        Output::Table => table::print_line(&format!("deleted {kind} {name}")),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
