//! `eddy put-events`: put events on a bus — one from flags, or many as JSON lines from a
//! file or stdin, sent in batches of 10 over several connections at once.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Context;
use clap::Args;
use eddy_api_model as api;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::client::{segment, Client};
use crate::remote::Remote;
use crate::table::{print_json, print_line, Table};
use crate::{Exit, InvalidInput, Output};

/// Entries per PutEvents request (EventBridge's limit).
const BATCH: usize = 10;
/// Inputs at least this large get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 1000;

/// Arguments of `eddy put-events`.
#[derive(Debug, Args)]
pub struct PutEventsArgs {
    #[command(flatten)]
    remote: Remote,
    /// The bus to put the events on.
    #[arg(long, default_value = "default")]
    bus: String,
    /// One event from flags: its source.
    #[arg(long, conflicts_with = "file")]
    source: Option<String>,
    /// One event from flags: its detail-type.
    #[arg(long, conflicts_with = "file")]
    detail_type: Option<String>,
    /// One event from flags: its detail, a JSON object (or @FILE).
    #[arg(long, conflicts_with = "file")]
    detail: Option<String>,
    /// Events as JSON: one PutEvent object per line ({"source", "detail-type", "detail",
    /// "resources", "time"}); `-` or no flag at all: stdin.
    #[arg(long, short = 'f')]
    file: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
}

/// What `--output json` prints.
#[derive(Serialize)]
struct Summary<'a> {
    accepted: usize,
    failed: usize,
    entries: &'a [api::PutEventResult],
}

/// Runs `eddy put-events`.
pub fn run(args: PutEventsArgs) -> anyhow::Result<Exit> {
    let events = if args.source.is_some() || args.detail_type.is_some() || args.detail.is_some() {
        vec![from_flags(&args)?]
    } else {
        let (name, text) = match &args.file {
            Some(path) if path.as_os_str() != "-" => (
                path.display().to_string(),
                std::fs::read(path)
                    .map_err(|e| InvalidInput(format!("cannot read {}: {e}", path.display())))?,
            ),
            _ => {
                if std::io::stdin().is_terminal() {
                    eprintln!(
                        "reading events from stdin, one JSON object per line; end with Ctrl-D"
                    );
                }
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .context("reading stdin")?;
                ("stdin".to_owned(), buf)
            }
        };
        parse_events(&name, &text)?
    };
    if events.is_empty() {
        return Err(InvalidInput("no events to put".into()).into());
    }
    let client = args.remote.client();
    let results = send(&client, &args.bus, &events, args.concurrency.into());
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    let accepted = results.len() - failed;
    match args.remote.output {
        Output::Json => print_json(&Summary {
            accepted,
            failed,
            entries: &results,
        })?,
        Output::Table => {
            if results.len() <= BATCH {
                let mut table = Table::new(&["#", "EVENT-ID", "ERROR"]);
                for (i, r) in results.iter().enumerate() {
                    table.row(vec![
                        (i + 1).to_string(),
                        r.id.clone().unwrap_or_default(),
                        error_text(r),
                    ]);
                }
                table.print()?;
            }
            print_line(&format!("{accepted} accepted, {failed} failed"))?;
        }
    }
    if failed > 0 {
        let mut shown = 0;
        for (i, r) in results.iter().enumerate() {
            if r.error.is_some() && shown < 5 {
                eprintln!("event {}: {}", i + 1, error_text(r));
                shown += 1;
            }
        }
        if failed > shown {
            eprintln!("… and {} more failed", failed - shown);
        }
        return Ok(Exit::Failed);
    }
    Ok(Exit::Ok)
}

fn error_text(r: &api::PutEventResult) -> String {
    r.error
        .as_ref()
        .map(|e| format!("{}: {}", e.code, e.message))
        .unwrap_or_default()
}

fn from_flags(args: &PutEventsArgs) -> Result<api::PutEvent, InvalidInput> {
    let detail = match &args.detail {
        None => None,
        Some(text) => {
            let bytes = crate::input::document(text)
                .map_err(|e| InvalidInput(format!("--detail: {e:#}")))?;
            Some(
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| InvalidInput(format!("--detail is not JSON: {e}")))?,
            )
        }
    };
    Ok(api::PutEvent {
        source: args.source.clone(),
        detail_type: args.detail_type.clone(),
        detail,
        ..api::PutEvent::default()
    })
}

/// The events of a document: JSON objects one after the other (one per line, or spread
/// over several lines).
pub fn parse_events(name: &str, text: &[u8]) -> Result<Vec<api::PutEvent>, InvalidInput> {
    let mut out = Vec::new();
    for event in serde_json::Deserializer::from_slice(text).into_iter::<api::PutEvent>() {
        match event {
            Ok(e) => out.push(e),
            Err(e) => {
                return Err(InvalidInput(format!(
                    "{name}:{}:{}: not a PutEvent object: {e}",
                    e.line(),
                    e.column()
                )))
            }
        }
    }
    Ok(out)
}

/// Sends the events in batches of 10, `concurrency` requests at a time, and returns one
/// result per event, in order. A batch whose request fails marks all its events failed.
fn send(
    client: &Client,
    bus: &str,
    events: &[api::PutEvent],
    concurrency: usize,
) -> Vec<api::PutEventResult> {
    let batches: Vec<&[api::PutEvent]> = events.chunks(BATCH).collect();
    let results: Mutex<Vec<Option<Vec<api::PutEventResult>>>> =
        Mutex::new(vec![None; batches.len()]);
    let next = AtomicUsize::new(0);
    let progress = if events.len() >= PROGRESS_FROM && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(events.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} events {per_sec} {eta}")
                .expect("the template is valid"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let path = format!("/v1/buses/{}/events", segment(bus));
    std::thread::scope(|scope| {
        for _ in 0..concurrency.min(batches.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(i) else { break };
                let request = api::PutEvents {
                    entries: batch.to_vec(),
                };
                let outcome = match client.post::<_, api::PutEventsResult>(&path, &request) {
                    Ok(r) if r.entries.len() == batch.len() => r.entries,
                    Ok(r) => failed_batch(
                        batch.len(),
                        "InternalException",
                        &format!(
                            "the server answered {} results for {} events",
                            r.entries.len(),
                            batch.len()
                        ),
                    ),
                    Err(crate::client::Error::Api { code, message, .. }) => {
                        failed_batch(batch.len(), &code, &message)
                    }
                    Err(e) => failed_batch(batch.len(), "RequestFailed", &e.to_string()),
                };
                progress.inc(batch.len() as u64);
                results.lock().expect("no worker panics")[i] = Some(outcome);
            });
        }
    });
    progress.finish_and_clear();
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flat_map(|r| r.expect("every batch was sent"))
        .collect()
}

fn failed_batch(n: usize, code: &str, message: &str) -> Vec<api::PutEventResult> {
    (0..n)
        .map(|_| api::PutEventResult {
            id: None,
            error: Some(api::ErrorDetail {
                code: code.to_owned(),
                message: message.to_owned(),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_one_per_line_or_spread_over_lines() {
        let text = br#"{"source":"a","detail-type":"T","detail":{"x":1}}
{"source":"b"}

{
  "source": "c",
  "detail-type": "T"
}
"#;
        let events = parse_events("f.jsonl", text).expect("valid");
        assert_eq!(events.len(), 3);
        assert_eq!(events[2].source.as_deref(), Some("c"));
    }

    #[test]
    fn a_bad_line_names_file_and_line() {
        let text = b"{\"source\":\"a\"}\n{\"sauce\":\"b\"}\n";
        let err = parse_events("f.jsonl", text).expect_err("unknown field");
        assert!(err.0.starts_with("f.jsonl:2:"), "{}", err.0);
        assert!(err.0.contains("sauce"), "{}", err.0);
    }
}
