//! `sqs`: SQS send + receive + delete throughput in batches. Each worker, on its own keep-alive
//! connection, loops SendMessageBatch (a pre-serialized batch), ReceiveMessage
//! (`MaxNumberOfMessages` = the batch size) and DeleteMessageBatch of what it received; the rate
//! counted is messages deleted, i.e. that went through the whole cycle.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use hdrhistogram::Histogram;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

use crate::client::{CallError, Connection, Endpoint, Operation, Service};
use crate::load::{self, Errors, Phase};
use crate::report::Report;
use crate::setup::{self, Queue};

/// Flags of `sqs`.
#[derive(Debug, Args)]
pub struct SqsArgs {
    /// Server URL, http://HOST:PORT.
    #[arg(long)]
    endpoint: String,
    /// Concurrent workers, each with its own connection.
    #[arg(long, default_value_t = 32)]
    workers: usize,
    /// Queues the workers are spread over (round robin).
    #[arg(long, default_value_t = 1)]
    queues: usize,
    /// Messages per batch (SQS allows up to 10).
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Measured time, e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Unmeasured load before the measured time.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    warmup: Duration,
    /// Size of each message body in bytes.
    #[arg(long, default_value_t = 100)]
    message_bytes: usize,
    /// WaitTimeSeconds of each ReceiveMessage.
    #[arg(long, default_value_t = 0)]
    wait_seconds: u32,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(rename = "Successful", default)]
    successful: Vec<IgnoredAny>,
    #[serde(rename = "Failed", default)]
    failed: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct ReceiveResponse {
    #[serde(rename = "Messages", default)]
    messages: Vec<ReceivedMessage>,
}

#[derive(Deserialize)]
struct ReceivedMessage {
    #[serde(rename = "ReceiptHandle")]
    receipt_handle: String,
}

#[derive(Default)]
struct Tally {
    sent: u64,
    received: u64,
    deleted: u64,
    cycles: u64,
    empty_receives: u64,
    failed_entries: u64,
    errors: Errors,
}

struct Histograms {
    send: Histogram<u64>,
    receive: Histogram<u64>,
    delete: Histogram<u64>,
}

impl Histograms {
    fn new() -> Histograms {
        Histograms {
            send: load::histogram(),
            receive: load::histogram(),
            delete: load::histogram(),
        }
    }

    fn add(&mut self, other: Histograms) -> anyhow::Result<()> {
        self.send
            .add(other.send)
            .context("cannot merge histograms")?;
        self.receive
            .add(other.receive)
            .context("cannot merge histograms")?;
        self.delete
            .add(other.delete)
            .context("cannot merge histograms")?;
        Ok(())
    }
}

struct Ops {
    send: Operation,
    receive: Operation,
    delete: Operation,
}

/// Writes a DeleteMessageBatch body for `handles` into `buf` (reused between calls).
fn delete_body(buf: &mut Vec<u8>, queue_url: &str, handles: &[ReceivedMessage]) -> Bytes {
    buf.clear();
    buf.extend_from_slice(b"{\"QueueUrl\":");
    // Writing JSON strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, queue_url);
    buf.extend_from_slice(b",\"Entries\":[");
    for (i, message) in handles.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let _ = write!(buf, "{{\"Id\":\"{i}\",\"ReceiptHandle\":");
        let _ = serde_json::to_writer(&mut *buf, &message.receipt_handle);
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}");
    Bytes::copy_from_slice(buf)
}

fn note_batch(tally: &mut Tally, op: &str, response: &[u8]) -> Option<u64> {
    match serde_json::from_slice::<BatchResponse>(response) {
        Ok(parsed) => {
            if !parsed.failed.is_empty() {
                tally.failed_entries += parsed.failed.len() as u64;
                if tally.errors.first.is_none() {
                    tally.errors.first = Some(format!(
                        "{op}: failed entries: {}",
                        String::from_utf8_lossy(response)
                    ));
                }
            }
            Some(parsed.successful.len() as u64)
        }
        Err(err) => {
            tally.errors.note_text(format!(
                "{op}: unreadable response ({err}): {}",
                String::from_utf8_lossy(response)
            ));
            None
        }
    }
}

async fn pause_after(err: &CallError) {
    if matches!(err, CallError::Transport(_)) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn worker(
    endpoint: Endpoint,
    queue: Queue,
    send_body: Bytes,
    receive_body: Bytes,
    phase: Phase,
) -> anyhow::Result<(Tally, Histograms)> {
    let ops = Ops {
        send: Operation::new(Service::Sqs, "SendMessageBatch")?,
        receive: Operation::new(Service::Sqs, "ReceiveMessage")?,
        delete: Operation::new(Service::Sqs, "DeleteMessageBatch")?,
    };
    let mut conn = Connection::open(&endpoint).await?;
    let mut tally = Tally::default();
    let mut hists = Histograms::new();
    let mut buf = Vec::with_capacity(4096);
    while !phase.stopped() {
        let measuring = phase.measuring();
        let mut counted = Tally::default();

        let start = Instant::now();
        match conn.call(&ops.send, send_body.clone()).await {
            Ok(response) => {
                if measuring {
                    load::record(&mut hists.send, start.elapsed());
                }
                counted.sent = note_batch(&mut tally, "SendMessageBatch", &response).unwrap_or(0);
            }
            Err(err) => {
                tally.errors.note("SendMessageBatch", &err);
                pause_after(&err).await;
                continue;
            }
        }

        let start = Instant::now();
        let messages = match conn.call(&ops.receive, receive_body.clone()).await {
            Ok(response) => {
                if measuring {
                    load::record(&mut hists.receive, start.elapsed());
                }
                match serde_json::from_slice::<ReceiveResponse>(&response) {
                    Ok(parsed) => parsed.messages,
                    Err(err) => {
                        tally.errors.note_text(format!(
                            "ReceiveMessage: unreadable response ({err}): {}",
                            String::from_utf8_lossy(&response)
                        ));
                        continue;
                    }
                }
            }
            Err(err) => {
                tally.errors.note("ReceiveMessage", &err);
                pause_after(&err).await;
                continue;
            }
        };
        counted.received = messages.len() as u64;
        if messages.is_empty() {
            counted.empty_receives = 1;
        } else {
            let body = delete_body(&mut buf, &queue.url, &messages);
            let start = Instant::now();
            match conn.call(&ops.delete, body).await {
                Ok(response) => {
                    if measuring {
                        load::record(&mut hists.delete, start.elapsed());
                    }
                    counted.deleted =
                        note_batch(&mut tally, "DeleteMessageBatch", &response).unwrap_or(0);
                }
                Err(err) => {
                    tally.errors.note("DeleteMessageBatch", &err);
                    pause_after(&err).await;
                }
            }
        }
        if measuring {
            tally.sent += counted.sent;
            tally.received += counted.received;
            tally.deleted += counted.deleted;
            tally.empty_receives += counted.empty_receives;
            tally.cycles += 1;
        }
    }
    Ok((tally, hists))
}

/// Runs `sqs`.
pub async fn run(args: SqsArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.workers > 0, "--workers must be at least 1");
    anyhow::ensure!(args.queues > 0, "--queues must be at least 1");
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let endpoint = Endpoint::parse(&args.endpoint)?;
    let id = setup::run_id();
    let mut admin = Connection::open(&endpoint).await?;
    let mut queues = Vec::with_capacity(args.queues);
    for i in 0..args.queues {
        queues.push(setup::create_queue(&mut admin, &format!("{id}-{i}")).await?);
    }
    let message = "m".repeat(args.message_bytes);
    let bodies = queues
        .iter()
        .map(|queue| {
            let entries: Vec<_> = (0..args.batch)
                .map(|i| json!({ "Id": i.to_string(), "MessageBody": message }))
                .collect();
            let send = serde_json::to_vec(&json!({ "QueueUrl": queue.url, "Entries": entries }))?;
            let receive = serde_json::to_vec(&json!({
                "QueueUrl": queue.url,
                "MaxNumberOfMessages": args.batch,
                "WaitTimeSeconds": args.wait_seconds,
            }))?;
            Ok((Bytes::from(send), Bytes::from(receive)))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let phase = Phase::default();
    let workers: Vec<_> = (0..args.workers)
        .map(|i| {
            let (send, receive) = bodies[i % bodies.len()].clone();
            tokio::spawn(worker(
                endpoint.clone(),
                queues[i % queues.len()].clone(),
                send,
                receive,
                phase.clone(),
            ))
        })
        .collect();
    let elapsed = phase.drive(args.warmup, args.duration).await;
    let mut tally = Tally::default();
    let mut hists = Histograms::new();
    for handle in workers {
        let (t, h) = handle.await.context("worker panicked")??;
        tally.sent += t.sent;
        tally.received += t.received;
        tally.deleted += t.deleted;
        tally.cycles += t.cycles;
        tally.empty_receives += t.empty_receives;
        tally.failed_entries += t.failed_entries;
        tally.errors.merge(t.errors);
        hists.add(h)?;
    }
    let mut left = 0;
    for queue in &queues {
        left += setup::queue_depth(&mut admin, queue).await?;
        setup::delete_queue(&mut admin, queue).await?;
    }

    let secs = elapsed.as_secs_f64();
    let rate = tally.deleted as f64 / secs;
    let line = format!(
        "sqs: {rate:.0} msg/s sent+received+deleted ({:.0} sent/s, {:.0} received/s; {} workers on {} queue(s), batches of {}, {:.1}s; p50 send {:.2} / receive {:.2} / delete {:.2} ms; {} empty receives, {} failed entries, {} errors; {left} left in the queues)",
        tally.sent as f64 / secs,
        tally.received as f64 / secs,
        args.workers,
        args.queues,
        args.batch,
        secs,
        load::ms(hists.send.value_at_quantile(0.5)),
        load::ms(hists.receive.value_at_quantile(0.5)),
        load::ms(hists.delete.value_at_quantile(0.5)),
        tally.empty_receives,
        tally.failed_entries,
        tally.errors.count,
    );
    let json = json!({
        "bench": "sqs",
        "messages_per_s": rate,
        "sent_per_s": tally.sent as f64 / secs,
        "received_per_s": tally.received as f64 / secs,
        "deleted_per_s": rate,
        "workers": args.workers,
        "queues": args.queues,
        "batch": args.batch,
        "seconds": secs,
        "cycles": tally.cycles,
        "empty_receives": tally.empty_receives,
        "send_latency": load::percentiles_ms(&hists.send),
        "receive_latency": load::percentiles_ms(&hists.receive),
        "delete_latency": load::percentiles_ms(&hists.delete),
        "failed_entries": tally.failed_entries,
        "errors": tally.errors.count,
        "first_error": tally.errors.first,
        "left_in_queues": left,
    });
    Ok(Report { line, json })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_body_is_json_with_escaped_handles() {
        let mut buf = Vec::new();
        let handles = [
            ReceivedMessage {
                receipt_handle: "a\"b".to_owned(),
            },
            ReceivedMessage {
                receipt_handle: "c".to_owned(),
            },
        ];
        let body = delete_body(&mut buf, "http://h/q", &handles);
        let value: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(
            value,
            json!({
                "QueueUrl": "http://h/q",
                "Entries": [
                    { "Id": "0", "ReceiptHandle": "a\"b" },
                    { "Id": "1", "ReceiptHandle": "c" },
                ]
            })
        );
    }
}
