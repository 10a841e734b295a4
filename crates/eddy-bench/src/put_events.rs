//! `put-events`: PutEvents throughput over many keep-alive connections, each sending batches of
//! identical entries from one pre-serialized body. A rule sends every event to a queue, so each
//! accepted event is really routed and written; after the run the queue's depth is read back to
//! show how many were delivered.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::json;

use crate::client::{CallError, Connection, Endpoint, Operation, Service};
use crate::load::{self, Errors, Phase};
use crate::report::Report;
use crate::setup;

/// Flags of `put-events`.
#[derive(Debug, Args)]
pub struct PutEventsArgs {
    /// Server URL, http://HOST:PORT.
    #[arg(long)]
    endpoint: String,
    /// Concurrent connections, one request in flight on each.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Entries per PutEvents call (EventBridge allows up to 10).
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Measured time, e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Unmeasured load before the measured time.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    warmup: Duration,
    /// Approximate size of each event's `detail` in bytes.
    #[arg(long, default_value_t = 100)]
    detail_bytes: usize,
    /// How long to wait for the queue's depth to stop growing after the run.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    drain_patience: Duration,
    /// Leave the queue and rule in place afterwards.
    #[arg(long)]
    keep: bool,
}

/// The part of a PutEvents response the benchmark reads.
#[derive(Deserialize)]
struct PutEventsResponse {
    #[serde(rename = "FailedEntryCount", default)]
    failed: u64,
}

#[derive(Default)]
struct Tally {
    /// Entries accepted in the measured window.
    accepted: u64,
    /// Entries accepted at any time (for the delivery check).
    accepted_total: u64,
    failed_entries: u64,
    requests: u64,
    errors: Errors,
}

/// The `detail` of every benchmark event: a JSON object padded to about `bytes` bytes.
pub fn detail(bytes: usize) -> String {
    let pad = "x".repeat(bytes.saturating_sub(40));
    json!({ "bench": true, "seq": 0, "pad": pad }).to_string()
}

fn body(source: &str, batch: usize, detail: &str) -> anyhow::Result<Bytes> {
    let entry = json!({
        "Source": source,
        "DetailType": "eddy-bench",
        "Detail": detail,
        "EventBusName": "default",
    });
    let entries: Vec<_> = (0..batch).map(|_| entry.clone()).collect();
    let bytes = serde_json::to_vec(&json!({ "Entries": entries })).context("cannot encode")?;
    Ok(Bytes::from(bytes))
}

async fn worker(
    endpoint: Endpoint,
    body: Bytes,
    batch: u64,
    phase: Phase,
) -> anyhow::Result<(Tally, Histogram<u64>)> {
    let op = Operation::new(Service::Events, "PutEvents")?;
    let mut conn = Connection::open(&endpoint).await?;
    let mut tally = Tally::default();
    let mut hist = load::histogram();
    while !phase.stopped() {
        let measuring = phase.measuring();
        let start = Instant::now();
        let result = conn.call(&op, body.clone()).await;
        let elapsed = start.elapsed();
        match result {
            Ok(response) => match serde_json::from_slice::<PutEventsResponse>(&response) {
                Ok(parsed) => {
                    let accepted = batch.saturating_sub(parsed.failed);
                    tally.accepted_total += accepted;
                    if measuring {
                        tally.accepted += accepted;
                        tally.failed_entries += parsed.failed;
                        tally.requests += 1;
                        load::record(&mut hist, elapsed);
                    }
                    if parsed.failed > 0 && tally.errors.first.is_none() {
                        tally.errors.first = Some(format!(
                            "PutEvents: {} failed entries: {}",
                            parsed.failed,
                            String::from_utf8_lossy(&response)
                        ));
                    }
                }
                Err(err) => tally.errors.note_text(format!(
                    "PutEvents: unreadable response ({err}): {}",
                    String::from_utf8_lossy(&response)
                )),
            },
            Err(err) => {
                tally.errors.note("PutEvents", &err);
                if matches!(err, CallError::Transport(_)) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
    Ok((tally, hist))
}

/// Runs `put-events`.
pub async fn run(args: PutEventsArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.connections > 0, "--connections must be at least 1");
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let endpoint = Endpoint::parse(&args.endpoint)?;
    let id = setup::run_id();
    let mut admin = Connection::open(&endpoint).await?;
    let queue = setup::create_queue(&mut admin, &id).await?;
    let route = setup::route_to_queue(&mut admin, &id, &id, &queue).await?;
    let body = body(&route.source, args.batch, &detail(args.detail_bytes))?;

    let phase = Phase::default();
    let workers: Vec<_> = (0..args.connections)
        .map(|_| {
            tokio::spawn(worker(
                endpoint.clone(),
                body.clone(),
                args.batch as u64,
                phase.clone(),
            ))
        })
        .collect();
    let elapsed = phase.drive(args.warmup, args.duration).await;
    let mut tally = Tally::default();
    let mut hist = load::histogram();
    for handle in workers {
        let (t, h) = handle.await.context("worker panicked")??;
        tally.accepted += t.accepted;
        tally.accepted_total += t.accepted_total;
        tally.failed_entries += t.failed_entries;
        tally.requests += t.requests;
        tally.errors.merge(t.errors);
        hist.add(h).context("cannot merge histograms")?;
    }
    let (delivered, drain) = setup::wait_for_depth(
        &mut admin,
        &queue,
        tally.accepted_total,
        args.drain_patience,
    )
    .await?;
    if !args.keep {
        setup::delete_route(&mut admin, &route).await?;
        setup::delete_queue(&mut admin, &queue).await?;
    }

    let rate = tally.accepted as f64 / elapsed.as_secs_f64();
    let line = format!(
        "put-events: {rate:.0} events/s ({} requests of {} in {:.1}s over {} connections; request p50 {:.2} ms p99 {:.2} ms; {} failed entries, {} errors; {delivered}/{} delivered to the queue {:.1}s after the run)",
        tally.requests,
        args.batch,
        elapsed.as_secs_f64(),
        args.connections,
        load::ms(hist.value_at_quantile(0.5)),
        load::ms(hist.value_at_quantile(0.99)),
        tally.failed_entries,
        tally.errors.count,
        tally.accepted_total,
        drain.as_secs_f64(),
    );
    let json = json!({
        "bench": "put-events",
        "events_per_s": rate,
        "requests": tally.requests,
        "batch": args.batch,
        "connections": args.connections,
        "seconds": elapsed.as_secs_f64(),
        "request_latency": load::percentiles_ms(&hist),
        "failed_entries": tally.failed_entries,
        "errors": tally.errors.count,
        "first_error": tally.errors.first,
        "accepted_total": tally.accepted_total,
        "delivered_to_queue": delivered,
        "drain_seconds": drain.as_secs_f64(),
    });
    Ok(Report { line, json })
}
