//! `latency`: PutEvents → message visible in a queue. One producer puts one event at a time; a
//! consumer on its own connection keeps a long poll (`ReceiveMessage`, `WaitTimeSeconds=20`)
//! open on the rule's target queue. Latency runs from just before the PutEvents request is sent
//! to the moment the ReceiveMessage response carrying that event has arrived, on one monotonic
//! clock in one process, so it includes two HTTP hops (the put and the poll's answer).

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use bytes::Bytes;
use clap::Args;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::client::{Connection, Endpoint, Operation, Service};
use crate::load;
use crate::report::Report;
use crate::setup;

/// Flags of `latency`.
#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// Server URL, http://HOST:PORT.
    #[arg(long)]
    endpoint: String,
    /// Measured events.
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Unmeasured events before them.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Pause between one event's arrival and the next put.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// Approximate size of each event's `detail` in bytes.
    #[arg(long, default_value_t = 100)]
    detail_bytes: usize,
    /// Give up on an event that has not arrived after this long.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

#[derive(Deserialize)]
struct ReceiveResponse {
    #[serde(rename = "Messages", default)]
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "ReceiptHandle")]
    receipt_handle: String,
    #[serde(rename = "Body")]
    body: String,
}

/// An event seen by the consumer: its sequence number, when the response carrying it arrived,
/// and its receipt handle.
struct Arrival {
    seq: Option<u64>,
    at: Instant,
    receipt_handle: String,
}

/// The `detail.seq` of an event envelope delivered as a message body.
fn seq_of(body: &str) -> Option<u64> {
    let envelope: serde_json::Value = serde_json::from_str(body).ok()?;
    envelope.get("detail")?.get("seq")?.as_u64()
}

async fn consume(
    endpoint: Endpoint,
    request: Bytes,
    arrivals: mpsc::UnboundedSender<anyhow::Result<Arrival>>,
) {
    let result = async {
        let op = Operation::new(Service::Sqs, "ReceiveMessage")?;
        let mut conn = Connection::open(&endpoint).await?;
        loop {
            let response = conn
                .call(&op, request.clone())
                .await
                .context("ReceiveMessage failed")?;
            let at = Instant::now();
            let parsed: ReceiveResponse = serde_json::from_slice(&response).with_context(|| {
                format!(
                    "ReceiveMessage: unreadable response: {}",
                    String::from_utf8_lossy(&response)
                )
            })?;
            for message in parsed.messages {
                let arrival = Arrival {
                    seq: seq_of(&message.body),
                    at,
                    receipt_handle: message.receipt_handle,
                };
                if arrivals.send(Ok(arrival)).is_err() {
                    return Ok(());
                }
            }
        }
    }
    .await;
    if let Err(err) = result {
        let _ = arrivals.send(Err(err));
    }
}

/// Runs `latency`.
pub async fn run(args: LatencyArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.count > 0, "--count must be at least 1");
    let endpoint = Endpoint::parse(&args.endpoint)?;
    let id = setup::run_id();
    let mut producer = Connection::open(&endpoint).await?;
    let queue = setup::create_queue(&mut producer, &id).await?;
    let route = setup::route_to_queue(&mut producer, &id, &id, &queue).await?;

    let receive = Bytes::from(serde_json::to_vec(&json!({
        "QueueUrl": queue.url,
        "MaxNumberOfMessages": 10,
        "WaitTimeSeconds": 20,
        "VisibilityTimeout": 60,
    }))?);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let consumer = tokio::spawn(consume(endpoint.clone(), receive, tx));
    // Let the first long poll reach the server; the warm-up events absorb any remainder.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let put = Operation::new(Service::Events, "PutEvents")?;
    let delete = Operation::new(Service::Sqs, "DeleteMessage")?;
    let pad = "x".repeat(args.detail_bytes.saturating_sub(40));
    let mut end_to_end = load::histogram();
    let mut put_ack = load::histogram();
    let started = Instant::now();
    for seq in 0..(args.warmup + args.count) as u64 {
        let detail = json!({ "bench": true, "seq": seq, "pad": pad }).to_string();
        let body = Bytes::from(serde_json::to_vec(&json!({
            "Entries": [{
                "Source": route.source,
                "DetailType": "eddy-bench",
                "Detail": detail,
                "EventBusName": "default",
            }]
        }))?);
        let sent = Instant::now();
        let response = producer
            .call(&put, body)
            .await
            .context("PutEvents failed")?;
        let acked = sent.elapsed();
        let failed = serde_json::from_slice::<serde_json::Value>(&response)
            .ok()
            .and_then(|v| v.get("FailedEntryCount").and_then(|n| n.as_u64()));
        if failed != Some(0) {
            bail!(
                "PutEvents did not accept the event: {}",
                String::from_utf8_lossy(&response)
            );
        }
        let arrival = loop {
            let next = tokio::time::timeout(args.timeout, rx.recv())
                .await
                .with_context(|| format!("event {seq} did not arrive within {:?}", args.timeout))?
                .context("the consumer stopped")??;
            if next.seq == Some(seq) {
                break next;
            }
            // An older event delivered again (at-least-once): drop it.
            producer
                .call(&delete, delete_body(&queue.url, &next.receipt_handle)?)
                .await
                .context("DeleteMessage failed")?;
        };
        if seq >= args.warmup as u64 {
            load::record(&mut end_to_end, arrival.at.duration_since(sent));
            load::record(&mut put_ack, acked);
        }
        producer
            .call(&delete, delete_body(&queue.url, &arrival.receipt_handle)?)
            .await
            .context("DeleteMessage failed")?;
        if !args.interval.is_zero() {
            tokio::time::sleep(args.interval).await;
        }
    }
    let total = started.elapsed();
    consumer.abort();
    setup::delete_route(&mut producer, &route).await?;
    setup::delete_queue(&mut producer, &queue).await?;

    let line = format!(
        "latency: put → received p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms; PutEvents ack p50 {:.3} ms, p99 {:.3} ms ({} events, one at a time; includes two HTTP hops: the PutEvents call and the long-poll ReceiveMessage answer)",
        load::ms(end_to_end.value_at_quantile(0.5)),
        load::ms(end_to_end.value_at_quantile(0.9)),
        load::ms(end_to_end.value_at_quantile(0.99)),
        load::ms(end_to_end.max()),
        load::ms(put_ack.value_at_quantile(0.5)),
        load::ms(put_ack.value_at_quantile(0.99)),
        args.count,
    );
    let json = json!({
        "bench": "latency",
        "count": args.count,
        "put_to_received": load::percentiles_ms(&end_to_end),
        "put_ack": load::percentiles_ms(&put_ack),
        "seconds": total.as_secs_f64(),
        "note": "put → received includes two HTTP hops: the PutEvents request/response and the long-poll ReceiveMessage response",
    });
    Ok(Report { line, json })
}

fn delete_body(queue_url: &str, receipt_handle: &str) -> anyhow::Result<Bytes> {
    Ok(Bytes::from(serde_json::to_vec(&json!({
        "QueueUrl": queue_url,
        "ReceiptHandle": receipt_handle,
    }))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_is_read_from_the_delivered_envelope() {
        let body = json!({ "source": "s", "detail": { "seq": 7, "pad": "x" } }).to_string();
        assert_eq!(seq_of(&body), Some(7));
        assert_eq!(seq_of("not json"), None);
        assert_eq!(seq_of("{\"detail\":{}}"), None);
    }
}
