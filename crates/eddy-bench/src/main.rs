//! `eddy-bench`: the load generator for Eddy's server benchmarks (issue 3). It speaks the AWS
//! EventBridge and SQS JSON protocols over plain HTTP/1.1 keep-alive connections, so the same
//! runs measure `eddy serve` and its peer `moto_server`. Each subcommand creates the queues and
//! rules it needs, measures, cleans up, and prints one line (or `--output json`).
//!
//! Kept cheap on purpose, since it shares the machine's cores with the server: request bodies
//! are serialized once, responses are parsed only for the fields counted, and the runtime has
//! one worker thread unless `--threads` says otherwise. Not part of the `eddy` binary.

mod client;
mod fsync;
mod functions;
mod latency;
mod load;
mod put_events;
mod report;
mod setup;
mod sqs;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

/// Load generator for Eddy's server benchmarks (EventBridge and SQS wire protocols).
#[derive(Debug, Parser)]
#[command(name = "eddy-bench", version)]
struct Cli {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Line, global = true)]
    output: Output,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1, global = true)]
    threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    /// One line of text.
    Line,
    /// One JSON object.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// PutEvents throughput: batches over many connections, routed to a queue.
    PutEvents(put_events::PutEventsArgs),
    /// PutEvents → message received from a long-polling consumer, one event at a time.
    Latency(latency::LatencyArgs),
    /// SQS SendMessageBatch + ReceiveMessage + DeleteMessageBatch throughput.
    Sqs(sqs::SqsArgs),
    /// The disk's write + fdatasync latency in a directory.
    Fsync(fsync::FsyncArgs),
    /// Lambda functions: warm invoke, invocations/s, cold start, PutEvents → handler start.
    Functions(functions::FunctionsArgs),
}

fn run(cli: Cli) -> anyhow::Result<report::Report> {
    if let Command::Fsync(args) = cli.command {
        return fsync::run(args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::PutEvents(args) => put_events::run(args).await,
            Command::Latency(args) => latency::run(args).await,
            Command::Sqs(args) => sqs::run(args).await,
            Command::Fsync(args) => fsync::run(args),
            Command::Functions(args) => functions::run(args).await,
        }
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = cli.output;
    match run(cli) {
        Ok(report) => {
            let text = match output {
                Output::Line => report.line,
                Output::Json => report.json.to_string(),
            };
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{text}") {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(err) => {
            eprintln!("eddy-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
