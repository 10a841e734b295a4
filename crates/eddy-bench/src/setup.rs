//! The resources a benchmark needs, made through the AWS APIs themselves: a queue, a rule on the
//! default bus that sends this run's events to it, and their removal afterwards. Every name
//! carries a per-run id, and the rule matches only this run's `source`, so runs against one
//! long-lived server do not feed each other's queues.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use serde_json::{json, Value};

use crate::client::{Connection, Operation, Service};

/// A name unique to this process run, e.g. `eddy-bench-1a2b3c`.
pub fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "eddy-bench-{:x}{:x}",
        nanos % 0xffff_ffff,
        std::process::id()
    )
}

/// A queue made for the run.
#[derive(Debug, Clone)]
pub struct Queue {
    pub url: String,
    pub arn: String,
}

fn str_field<'a>(value: &'a Value, field: &str, op: &str) -> anyhow::Result<&'a str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .with_context(|| format!("{op} response has no {field}: {value}"))
}

/// Creates the standard queue `name` and reads its ARN.
pub async fn create_queue(conn: &mut Connection, name: &str) -> anyhow::Result<Queue> {
    let created = conn
        .call_json(
            &Operation::new(Service::Sqs, "CreateQueue")?,
            &json!({ "QueueName": name }),
        )
        .await?;
    let url = str_field(&created, "QueueUrl", "CreateQueue")?.to_owned();
    let attributes = conn
        .call_json(
            &Operation::new(Service::Sqs, "GetQueueAttributes")?,
            &json!({ "QueueUrl": url, "AttributeNames": ["QueueArn"] }),
        )
        .await?;
    let arn = attributes
        .get("Attributes")
        .map(|a| str_field(a, "QueueArn", "GetQueueAttributes"))
        .transpose()?
        .with_context(|| format!("GetQueueAttributes response has no Attributes: {attributes}"))?
        .to_owned();
    Ok(Queue { url, arn })
}

/// Deletes a queue made for the run.
pub async fn delete_queue(conn: &mut Connection, queue: &Queue) -> anyhow::Result<()> {
    conn.call_json(
        &Operation::new(Service::Sqs, "DeleteQueue")?,
        &json!({ "QueueUrl": queue.url }),
    )
    .await?;
    Ok(())
}

/// Messages in the queue: visible, in flight and delayed.
pub async fn queue_depth(conn: &mut Connection, queue: &Queue) -> anyhow::Result<u64> {
    let names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ];
    let response = conn
        .call_json(
            &Operation::new(Service::Sqs, "GetQueueAttributes")?,
            &json!({ "QueueUrl": queue.url, "AttributeNames": names }),
        )
        .await?;
    let mut total = 0;
    for name in names {
        // SQS gives these numbers as strings.
        if let Some(value) = response.get("Attributes").and_then(|a| a.get(name)) {
            total += value
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .or_else(|| value.as_u64())
                .with_context(|| format!("GetQueueAttributes: {name} is not a number: {value}"))?;
        }
    }
    Ok(total)
}

/// Polls the queue's depth until it reaches `expected` or stops growing for `patience`;
/// returns the last depth and how long the wait took.
pub async fn wait_for_depth(
    conn: &mut Connection,
    queue: &Queue,
    expected: u64,
    patience: Duration,
) -> anyhow::Result<(u64, Duration)> {
    let start = Instant::now();
    let mut last = queue_depth(conn, queue).await?;
    let mut last_change = Instant::now();
    while last < expected && last_change.elapsed() < patience {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let depth = queue_depth(conn, queue).await?;
        if depth != last {
            last = depth;
            last_change = Instant::now();
        }
    }
    Ok((last, start.elapsed()))
}

/// A rule on the default bus sending events of `source` to a queue.
#[derive(Debug, Clone)]
pub struct Route {
    pub rule: String,
    pub source: String,
}

/// Creates the rule `name` matching `source`, with `queue` as its only target.
pub async fn route_to_queue(
    conn: &mut Connection,
    name: &str,
    source: &str,
    queue: &Queue,
) -> anyhow::Result<Route> {
    let pattern = json!({ "source": [source] }).to_string();
    conn.call_json(
        &Operation::new(Service::Events, "PutRule")?,
        &json!({ "Name": name, "EventPattern": pattern, "State": "ENABLED" }),
    )
    .await?;
    let targets = conn
        .call_json(
            &Operation::new(Service::Events, "PutTargets")?,
            &json!({ "Rule": name, "Targets": [{ "Id": "queue", "Arn": queue.arn }] }),
        )
        .await?;
    if targets
        .get("FailedEntryCount")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        != 0
    {
        anyhow::bail!("PutTargets failed: {targets}");
    }
    Ok(Route {
        rule: name.to_owned(),
        source: source.to_owned(),
    })
}

/// Removes the rule and its target.
pub async fn delete_route(conn: &mut Connection, route: &Route) -> anyhow::Result<()> {
    conn.call_json(
        &Operation::new(Service::Events, "RemoveTargets")?,
        &json!({ "Rule": route.rule, "Ids": ["queue"] }),
    )
    .await?;
    conn.call_json(
        &Operation::new(Service::Events, "DeleteRule")?,
        &json!({ "Name": route.rule }),
    )
    .await?;
    Ok(())
}
