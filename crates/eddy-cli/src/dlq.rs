//! `eddy dlq`: inspect the dead letters of a queue — why each event could not be delivered.
//! Messages are received with a short visibility timeout and not deleted, so they come back
//! for a redrive (`eddy queues redrive`).

use std::collections::HashSet;

use clap::Args;
use eddy_api_model as api;

use crate::queues::receive;
use crate::remote::Remote;
use crate::table::{print_json, shorten, Table};
use crate::{Exit, Output};

/// Arguments of `eddy dlq`.
#[derive(Debug, Args)]
pub struct DlqArgs {
    #[command(flatten)]
    remote: Remote,
    /// The dead-letter queue's name.
    name: String,
    /// Most messages shown.
    #[arg(long, default_value_t = 10)]
    max: usize,
    /// Seconds the messages shown stay hidden from other consumers.
    #[arg(long, default_value_t = 2)]
    visibility_timeout: u32,
}

/// The attributes Eddy attaches to a dead letter, in the order shown.
const COLUMNS: [&str; 5] = [
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "RETRY_ATTEMPTS",
    "RULE_ARN",
    "TARGET_ARN",
];

/// Runs `eddy dlq`.
pub fn run(args: DlqArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let mut seen = HashSet::new();
    let mut messages: Vec<api::Message> = Vec::new();
    while messages.len() < args.max {
        let want = (args.max - messages.len()).min(10) as u32;
        let batch = receive(
            &client,
            &args.name,
            &api::Receive {
                max_messages: Some(want),
                wait_seconds: Some(0),
                visibility_timeout: Some(args.visibility_timeout),
            },
        )?;
        let before = messages.len();
        for m in batch {
            if seen.insert(m.message_id.clone()) {
                messages.push(m);
            }
        }
        if messages.len() == before {
            break;
        }
    }
    match args.remote.output {
        Output::Json => print_json(&messages)?,
        Output::Table => {
            if messages.is_empty() {
                eprintln!("no dead letters in {}", args.name);
                return Ok(Exit::Ok);
            }
            let mut header = vec!["MESSAGE-ID"];
            header.extend(COLUMNS);
            header.push("BODY");
            let mut table = Table::new(&header);
            for m in &messages {
                table.row(row(m));
            }
            table.print()?;
        }
    }
    Ok(Exit::Ok)
}

fn row(m: &api::Message) -> Vec<String> {
    let mut cells = vec![m.message_id.clone()];
    for c in COLUMNS {
        let v = m.message_attributes.get(c).cloned().unwrap_or_default();
        cells.push(if c == "ERROR_MESSAGE" {
            shorten(&v, 60)
        } else {
            v
        });
    }
    cells.push(shorten(&m.body, 60));
    cells
}
