//! `eddy functions`, `eddy invoke` and `eddy logs`: functions, their invocation and their
//! log lines.

use clap::{Args, Subcommand};
use eddy_api_model as api;

use crate::client::segment;
use crate::remote::Remote;
use crate::table::{print_json, print_line, shorten, Table};
use crate::{Exit, InvalidInput, Output};

/// Arguments of `eddy functions`.
#[derive(Debug, Args)]
pub struct FunctionsArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(subcommand)]
    command: FunctionsCommand,
}

#[derive(Debug, Subcommand)]
enum FunctionsCommand {
    /// List the functions.
    List,
    /// Show one function.
    #[command(alias = "get")]
    Describe {
        /// The function's name.
        name: String,
    },
    /// Delete a function (its instances stop).
    Delete {
        /// The function's name.
        name: String,
    },
    /// List the event source mappings (queues feeding functions).
    Mappings,
}

/// Runs `eddy functions`.
pub fn run(args: FunctionsArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let output = args.remote.output;
    match args.command {
        FunctionsCommand::List => {
            let list: api::List<api::Function> = client.get("/v1/functions")?;
            print(output, &list.items, &list)?;
        }
        FunctionsCommand::Describe { name } => {
            let f: api::Function = client.get(&format!("/v1/functions/{}", segment(&name)))?;
            match output {
                Output::Json => print_json(&f)?,
                Output::Table => {
                    let mut table = Table::new(&["FIELD", "VALUE"]);
                    let opt = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
                    table.row(vec!["name".into(), f.name.clone()]);
                    table.row(vec!["arn".into(), f.arn.clone().unwrap_or_default()]);
                    table.row(vec!["runtime".into(), f.runtime.clone()]);
                    table.row(vec!["handler".into(), f.handler.clone()]);
                    table.row(vec!["code".into(), f.code.clone()]);
                    if !f.command.is_empty() {
                        table.row(vec!["command".into(), f.command.join(" ")]);
                    }
                    table.row(vec!["timeout".into(), format!("{} s", opt(f.timeout))]);
                    table.row(vec!["memory".into(), format!("{} MB", opt(f.memory))]);
                    table.row(vec!["max instances".into(), opt(f.max_instances)]);
                    table.row(vec![
                        "instances".into(),
                        format!("{} ({} busy)", opt(f.instances), opt(f.busy)),
                    ]);
                    for (k, v) in &f.environment {
                        table.row(vec![format!("env {k}"), v.clone()]);
                    }
                    for (label, value) in [
                        ("on success", &f.on_success),
                        ("on failure", &f.on_failure),
                        ("dead letter", &f.dead_letter),
                    ] {
                        if let Some(v) = value {
                            table.row(vec![label.into(), v.clone()]);
                        }
                    }
                    table.print()?;
                }
            }
        }
        FunctionsCommand::Delete { name } => {
            client.delete(&format!("/v1/functions/{}", segment(&name)))?;
            crate::deleted(output, "function", &name)?;
        }
        FunctionsCommand::Mappings => {
            let list: api::List<api::Mapping> = client.get("/v1/mappings")?;
            match output {
                Output::Json => print_json(&list)?,
                Output::Table => {
                    let mut table =
                        Table::new(&["ID", "QUEUE", "FUNCTION", "BATCH", "WINDOW", "ENABLED"]);
                    for m in &list.items {
                        table.row(vec![
                            m.id.clone(),
                            m.queue.clone(),
                            m.function.clone(),
                            m.batch_size.unwrap_or(10).to_string(),
                            format!("{} s", m.batch_window.unwrap_or(0)),
                            m.enabled.unwrap_or(true).to_string(),
                        ]);
                    }
                    table.print()?;
                }
            }
        }
    }
    Ok(Exit::Ok)
}

fn print(
    output: Output,
    items: &[api::Function],
    json: &impl serde::Serialize,
) -> anyhow::Result<()> {
    match output {
        Output::Json => print_json(json)?,
        Output::Table => {
            let mut table = Table::new(&[
                "NAME",
                "RUNTIME",
                "HANDLER",
                "TIMEOUT",
                "MEMORY",
                "INSTANCES",
                "CODE",
            ]);
            for f in items {
                table.row(vec![
                    f.name.clone(),
                    f.runtime.clone(),
                    f.handler.clone(),
                    format!("{} s", f.timeout.unwrap_or(3)),
                    format!("{} MB", f.memory.unwrap_or(128)),
                    f.instances.unwrap_or(0).to_string(),
                    shorten(&f.code, 48),
                ]);
            }
            table.print()?;
        }
    }
    Ok(())
}

/// Arguments of `eddy invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    #[command(flatten)]
    remote: Remote,
    /// The function's name.
    function: String,
    /// The event: JSON, or @file (@- for stdin) [default: {}].
    #[arg(long, short = 'p')]
    payload: Option<String>,
    /// Queue the invocation and return at once (InvocationType Event).
    #[arg(long = "async", conflicts_with = "dry_run")]
    asynchronous: bool,
    /// Only check that the invocation would be accepted (InvocationType DryRun).
    #[arg(long)]
    dry_run: bool,
    /// Print the invocation's log (START to REPORT) on stderr.
    #[arg(long)]
    log: bool,
}

/// Runs `eddy invoke`: prints the function's response on stdout; exit 1 when the
/// function failed (its error document is printed).
pub fn invoke(args: InvokeArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let payload: serde_json::Value = match &args.payload {
        None => serde_json::json!({}),
        Some(arg) => {
            let bytes = crate::input::document(arg)?;
            serde_json::from_slice(&bytes)
                .map_err(|e| InvalidInput(format!("--payload is not JSON: {e}")))?
        }
    };
    let kind = if args.asynchronous {
        "event"
    } else if args.dry_run {
        "dry-run"
    } else {
        "request-response"
    };
    let result: api::InvokeResult = client.post(
        &format!(
            "/v1/functions/{}/invoke?type={kind}&log={}",
            segment(&args.function),
            args.log
        ),
        &payload,
    )?;
    if let Some(log) = &result.log {
        eprint!("{log}");
    }
    match args.remote.output {
        Output::Json => print_json(&result)?,
        Output::Table => match result.status {
            202 => print_line(&format!("queued {}", result.request_id))?,
            204 => print_line("ok (dry run)")?,
            _ => print_line(&match &result.payload {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })?,
        },
    }
    Ok(if result.function_error.is_some() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// Arguments of `eddy logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    remote: Remote,
    /// The function's name.
    function: String,
    /// Keep printing new lines as they come.
    #[arg(long, short = 'f')]
    follow: bool,
    /// Only lines after this sequence number.
    #[arg(long, default_value_t = 0)]
    after: u64,
    /// Show at most this many of the latest lines (without --after) [default: 100].
    #[arg(long, short = 'n')]
    lines: Option<usize>,
}

/// Runs `eddy logs`.
pub fn logs(args: LogsArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let base = format!("/v1/functions/{}/logs", segment(&args.function));
    let list: api::List<api::LogLine> =
        client.get(&format!("{base}?after={}&limit=100000", args.after))?;
    let keep = args
        .lines
        .unwrap_or(if args.after > 0 { usize::MAX } else { 100 });
    let skip = list.items.len().saturating_sub(keep);
    let mut last = args.after;
    for line in list.items.into_iter().skip(skip) {
        last = last.max(line.seq);
        show(args.remote.output, &line)?;
    }
    if !args.follow {
        return Ok(Exit::Ok);
    }
    loop {
        let list: api::List<api::LogLine> =
            client.get(&format!("{base}?after={last}&limit=10000&wait=20"))?;
        for line in list.items {
            last = last.max(line.seq);
            show(args.remote.output, &line)?;
        }
    }
}

fn show(output: Output, line: &api::LogLine) -> anyhow::Result<()> {
    match output {
        Output::Json => {
            let text = serde_json::to_string(line)?;
            print_line(&text)?;
        }
        Output::Table => print_line(&format!("{} {}", line.time, line.line))?,
    }
    Ok(())
}
