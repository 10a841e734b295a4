//! Event source mappings (Lambda ESM): a queue feeds a function in batches.
//!
//! Each enabled mapping runs pollers (tasks) that long-poll the queue, gather a batch
//! (up to `batch_size`, waiting at most the batching window), drop the messages no filter
//! matches (Lambda deletes them), invoke the function with the SQS event Lambda delivers
//! and delete what succeeded. A failed invocation leaves the batch to the queue's
//! visibility timeout and redrive policy; with `ReportBatchItemFailures` only the
//! messages the function lists come back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use eddy_model::arn::Arn;
use eddy_model::function::Invocation;
use eddy_model::names::QueueName;
use eddy_pattern::Matcher;
use eddy_queue::{AttributeValue, ReceiveRequest, Received};
use eddy_store::{Op, ResourceKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{Error, Kind};
use crate::functions::timestamp_ms;
use crate::{Engine, Registry};

/// An event source mapping as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingDef {
    /// Its id (`UUID`).
    pub uuid: String,
    /// The function it invokes.
    pub function: String,
    /// The queue's ARN.
    pub event_source_arn: String,
    /// Messages per batch, 1–10000 (default 10).
    pub batch_size: u32,
    /// Longest wait to fill a batch, 0–300 s.
    #[serde(default)]
    pub maximum_batching_window_in_seconds: u32,
    /// `ReportBatchItemFailures` is on.
    #[serde(default)]
    pub report_batch_item_failures: bool,
    /// Filter patterns (`FilterCriteria.Filters[].Pattern`); a message must match one.
    #[serde(default)]
    pub filters: Vec<String>,
    /// `ScalingConfig.MaximumConcurrency`, 2–1000.
    #[serde(default)]
    pub maximum_concurrency: Option<u32>,
    /// Whether it polls.
    pub enabled: bool,
    /// When it last changed, ms since the epoch.
    pub modified_at: u64,
}

/// What a caller gives on create or update; absent members keep their value (or take
/// the default on create).
#[derive(Debug, Clone, Default)]
pub struct MappingInput {
    /// The function (name or ARN).
    pub function: Option<String>,
    /// The queue's ARN (create only).
    pub event_source_arn: Option<String>,
    /// Batch size.
    pub batch_size: Option<u32>,
    /// Batching window in seconds.
    pub maximum_batching_window_in_seconds: Option<u32>,
    /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
    pub report_batch_item_failures: Option<bool>,
    /// Filter patterns (replace all).
    pub filters: Option<Vec<String>>,
    /// Maximum concurrency (`Some(None)` removes it).
    pub maximum_concurrency: Option<Option<u32>>,
    /// Enabled.
    pub enabled: Option<bool>,
}

/// Running pollers by mapping id: a stop signal per generation.
#[derive(Default)]
pub(crate) struct Pollers(std::sync::Mutex<HashMap<String, tokio::sync::watch::Sender<bool>>>);

impl Pollers {
    fn replace(&self, uuid: &str, stop: Option<tokio::sync::watch::Sender<bool>>) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = map.remove(uuid) {
            let _ = old.send(true);
        }
        if let Some(stop) = stop {
            map.insert(uuid.to_owned(), stop);
        }
    }

    pub(crate) fn stop_all(&self) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, stop) in map.drain() {
            let _ = stop.send(true);
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation(message).with_code("InvalidParameterValueException")
}

fn not_found(uuid: &str) -> Error {
    Error::not_found(format!(
        "The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: {uuid})"
    ))
    .with_code("ResourceNotFoundException")
}

impl Engine {
    /// CreateEventSourceMapping.
    pub async fn create_event_source_mapping(
        &self,
        input: MappingInput,
    ) -> Result<MappingDef, Error> {
        let function = self.function_name(
            input
                .function
                .as_deref()
                .ok_or_else(|| invalid("FunctionName is required."))?,
        )?;
        self.get_function(&function)?;
        let source = input.event_source_arn.clone().ok_or_else(|| {
            invalid(
                "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk or kafka.",
            )
        })?;
        let queue = queue_of(&source)?;
        let visibility = self
            .read()
            .queues
            .get(&queue)
            .map(|cell| cell.lock().config().visibility_timeout);
        let Some(visibility) = visibility else {
            return Err(invalid(format!(
                "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist: {source}"
            )));
        };
        let timeout = self.get_function(&function)?.timeout;
        if visibility < timeout {
            return Err(invalid(format!(
                "Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds"
            )));
        }
        let mut def = MappingDef {
            uuid: uuid::Uuid::new_v4().to_string(),
            function,
            event_source_arn: source,
            batch_size: 10,
            maximum_batching_window_in_seconds: 0,
            report_batch_item_failures: false,
            filters: Vec::new(),
            maximum_concurrency: None,
            enabled: true,
            modified_at: self.now(),
        };
        apply(&mut def, input)?;
        let duplicate = self
            .read()
            .mappings
            .values()
            .any(|m| m.function == def.function && m.event_source_arn == def.event_source_arn);
        if duplicate {
            return Err(Error::new(
                Kind::Conflict,
                format!(
                    "An event source mapping with SQS arn (\" {} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {}",
                    def.event_source_arn, def.function, def.uuid
                ),
            )
            .with_code("ResourceConflictException"));
        }
        self.store_mapping(def.clone()).await?;
        Ok(def)
    }

    /// UpdateEventSourceMapping.
    pub async fn update_event_source_mapping(
        &self,
        uuid: &str,
        mut input: MappingInput,
    ) -> Result<MappingDef, Error> {
        let mut def = self.event_source_mapping(uuid)?;
        if let Some(function) = input.function.take() {
            let function = self.function_name(&function)?;
            self.get_function(&function)?;
            def.function = function;
        }
        input.event_source_arn = None;
        apply(&mut def, input)?;
        def.modified_at = self.now();
        self.store_mapping(def.clone()).await?;
        Ok(def)
    }

    async fn store_mapping(&self, def: MappingDef) -> Result<(), Error> {
        let op = Op::PutResource {
            kind: ResourceKind::EventSourceMapping,
            key: def.uuid.clone(),
            body: serde_json::to_vec(&def).unwrap_or_default(),
        };
        self.write().mappings.insert(def.uuid.clone(), def.clone());
        self.inner.writer.commit(vec![op]).wait().await?;
        self.start_pollers(&def);
        Ok(())
    }

    /// GetEventSourceMapping.
    pub fn event_source_mapping(&self, uuid: &str) -> Result<MappingDef, Error> {
        self.read()
            .mappings
            .get(uuid)
            .cloned()
            .ok_or_else(|| not_found(uuid))
    }

    /// ListEventSourceMappings, optionally of one function or one source.
    pub fn list_event_source_mappings(
        &self,
        function: Option<&str>,
        source: Option<&str>,
    ) -> Result<Vec<MappingDef>, Error> {
        let function = function.map(|f| self.function_name(f)).transpose()?;
        Ok(self
            .read()
            .mappings
            .values()
            .filter(|m| function.as_ref().is_none_or(|f| &m.function == f))
            .filter(|m| source.is_none_or(|s| m.event_source_arn == s))
            .cloned()
            .collect())
    }

    /// DeleteEventSourceMapping.
    pub async fn delete_event_source_mapping(&self, uuid: &str) -> Result<MappingDef, Error> {
        let def = self
            .write()
            .mappings
            .remove(uuid)
            .ok_or_else(|| not_found(uuid))?;
        self.inner.pollers.replace(uuid, None);
        self.inner
            .writer
            .commit(vec![Op::DeleteResource {
                kind: ResourceKind::EventSourceMapping,
                key: uuid.to_owned(),
            }])
            .wait()
            .await?;
        Ok(def)
    }

    /// Starts (or restarts) the pollers of a mapping; stops them when it is disabled.
    pub(crate) fn start_pollers(&self, def: &MappingDef) {
        if !def.enabled || self.inner.host.get().is_none() {
            self.inner.pollers.replace(&def.uuid, None);
            return;
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        self.inner.pollers.replace(&def.uuid, Some(stop_tx));
        let max_instances = self
            .get_function(&def.function)
            .ok()
            .and_then(|f| f.reserved_concurrency)
            .unwrap_or(self.inner.config.functions.max_instances);
        let pollers = def
            .maximum_concurrency
            .unwrap_or(max_instances)
            .min(max_instances)
            .clamp(1, 8);
        let filters = Arc::new(compile_filters(&def.filters).unwrap_or_default());
        for _ in 0..pollers {
            let engine = self.clone();
            let def = def.clone();
            let stop = stop_rx.clone();
            let filters = Arc::clone(&filters);
            tokio::spawn(async move { engine.poll(def, filters, stop).await });
        }
    }

    /// Starts the pollers of every enabled mapping (when the host is attached).
    pub(crate) fn start_all_pollers(&self) {
        let defs: Vec<MappingDef> = self.read().mappings.values().cloned().collect();
        for def in defs {
            self.start_pollers(&def);
        }
    }

    async fn poll(
        &self,
        def: MappingDef,
        filters: Arc<Matcher<usize>>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let Ok(queue) = queue_of(&def.event_source_arn) else {
            return;
        };
        let window = Duration::from_secs(u64::from(def.maximum_batching_window_in_seconds));
        loop {
            if *stop.borrow() {
                return;
            }
            let first = tokio::select! {
                r = self.receive_batch(&queue, def.batch_size, 20) => r,
                _ = stop.changed() => return,
            };
            let mut batch = match first {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(mapping = def.uuid, error = %err, "event source mapping cannot receive; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = stop.changed() => return,
                    }
                }
            };
            if batch.is_empty() {
                continue;
            }
            let deadline = tokio::time::Instant::now() + window;
            while (batch.len() as u32) < def.batch_size && !window.is_zero() {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                let wanted = def.batch_size - batch.len() as u32;
                let more = tokio::select! {
                    r = self.receive_batch(&queue, wanted, left.as_secs().max(1) as u32) => r,
                    () = tokio::time::sleep(left) => break,
                    _ = stop.changed() => break,
                };
                match more {
                    Ok(more) => batch.extend(more),
                    Err(_) => break,
                }
            }
            self.run_batch(&def, &queue, &filters, batch).await;
        }
    }

    /// Up to `wanted` messages (several receives of 10), waiting up to `wait` seconds for
    /// the first.
    async fn receive_batch(
        &self,
        queue: &QueueName,
        wanted: u32,
        wait: u32,
    ) -> Result<Vec<Received>, Error> {
        let mut out = Vec::new();
        let mut wait = Some(wait);
        while (out.len() as u32) < wanted {
            let request = ReceiveRequest {
                max_messages: (wanted - out.len() as u32).min(10),
                visibility_timeout: None,
                receive_request_attempt_id: None,
            };
            let got = self
                .receive_messages(queue, request, wait.take().or(Some(0)))
                .await?;
            if got.is_empty() {
                break;
            }
            out.extend(got);
        }
        Ok(out)
    }

    async fn run_batch(
        &self,
        def: &MappingDef,
        queue: &QueueName,
        filters: &Matcher<usize>,
        batch: Vec<Received>,
    ) {
        let region = self.inner.config.scope.region.clone();
        let mut records = Vec::with_capacity(batch.len());
        let mut filtered = Vec::new();
        let mut handles = Vec::with_capacity(batch.len());
        for received in &batch {
            let record = record(received, &def.event_source_arn, &region);
            if !def.filters.is_empty() && !passes(filters, &record) {
                filtered.push(received.receipt_handle.clone());
                continue;
            }
            handles.push((
                received.message.message_id.clone(),
                received.receipt_handle.clone(),
            ));
            records.push(record);
        }
        if !filtered.is_empty() {
            let _ = self.delete_messages(queue, &filtered).await;
        }
        if records.is_empty() {
            return;
        }
        let Some(host) = self.inner.host.get().cloned() else {
            return;
        };
        let payload = json!({ "Records": records }).to_string().into_bytes();
        let invocation = Invocation {
            request_id: uuid::Uuid::new_v4().to_string(),
            payload,
            client_context: None,
            trace_id: None,
        };
        let outcome = match host.invoke(&def.function, invocation, true).await {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::warn!(mapping = def.uuid, function = def.function, error = ?err, "batch not invoked; the messages return to the queue after their visibility timeout");
                return;
            }
        };
        if outcome.error_type.is_some() {
            tracing::debug!(
                mapping = def.uuid,
                function = def.function,
                "batch failed; the messages return to the queue after their visibility timeout"
            );
            return;
        }
        let done: Vec<String> = if def.report_batch_item_failures {
            match failed_items(&outcome.payload, &handles) {
                Some(failed) => handles
                    .iter()
                    .filter(|(id, _)| !failed.contains(id))
                    .map(|(_, handle)| handle.clone())
                    .collect(),
                None => Vec::new(),
            }
        } else {
            handles.into_iter().map(|(_, handle)| handle).collect()
        };
        if !done.is_empty() {
            if let Err(err) = self.delete_messages(queue, &done).await {
                tracing::warn!(mapping = def.uuid, error = %err, "processed messages not deleted; they will be delivered again");
            }
        }
    }
}

/// The message ids a partial batch response lists as failed; `None` when the response
/// fails the whole batch (an item id that is empty or not in the batch, or a malformed
/// response). A response without `batchItemFailures` (or an empty list) fails none.
fn failed_items(payload: &[u8], handles: &[(String, String)]) -> Option<Vec<String>> {
    let value: Value = match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(_) => return Some(Vec::new()),
    };
    let Some(items) = value.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    if items.is_null() {
        return Some(Vec::new());
    }
    let items = items.as_array()?;
    let mut failed = Vec::with_capacity(items.len());
    for item in items {
        let id = item.get("itemIdentifier")?.as_str()?;
        if id.is_empty() || !handles.iter().any(|(m, _)| m == id) {
            return None;
        }
        failed.push(id.to_owned());
    }
    Some(failed)
}

/// Whether a record passes the mapping's filters: patterns see the record with `body`
/// parsed when it is JSON, as Lambda's filtering does.
fn passes(filters: &Matcher<usize>, record: &Value) -> bool {
    let mut doc = record.clone();
    if let Some(body) = record.get("body").and_then(Value::as_str) {
        if let Ok(parsed) = serde_json::from_str::<Value>(body) {
            if parsed.is_object() {
                doc["body"] = parsed;
            }
        }
    }
    let text = doc.to_string();
    filters.has_match(text.as_bytes()).unwrap_or(false)
}

fn compile_filters(filters: &[String]) -> Result<Matcher<usize>, Error> {
    let mut matcher = Matcher::new();
    for (i, pattern) in filters.iter().enumerate() {
        matcher
            .add(i, pattern.as_bytes())
            .map_err(|err| invalid(format!("Invalid filter pattern definition. ({err})")))?;
    }
    Ok(matcher)
}

fn queue_of(arn: &str) -> Result<QueueName, Error> {
    Arn::parse(arn)
        .filter(|a| a.service == "sqs")
        .and_then(|a| QueueName::parse(a.resource).ok())
        .ok_or_else(|| {
            invalid(format!(
                "Unrecognized event source {arn}: Eddy maps SQS queues (arn:aws:sqs:REGION:ACCOUNT:NAME)."
            ))
        })
}

fn apply(def: &mut MappingDef, input: MappingInput) -> Result<(), Error> {
    if let Some(n) = input.batch_size {
        if !(1..=10_000).contains(&n) {
            return Err(invalid(format!("1 validation error detected: Value '{n}' at 'batchSize' failed to satisfy constraint: Member must have value {}", if n < 1 { "greater than or equal to 1" } else { "less than or equal to 10000" })));
        }
        def.batch_size = n;
    }
    if let Some(n) = input.maximum_batching_window_in_seconds {
        if n > 300 {
            return Err(invalid(format!("1 validation error detected: Value '{n}' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300")));
        }
        def.maximum_batching_window_in_seconds = n;
    }
    if let Some(on) = input.report_batch_item_failures {
        def.report_batch_item_failures = on;
    }
    if let Some(filters) = input.filters {
        compile_filters(&filters)?;
        def.filters = filters;
    }
    if let Some(concurrency) = input.maximum_concurrency {
        if let Some(n) = concurrency {
            if !(2..=1000).contains(&n) {
                return Err(invalid(format!("1 validation error detected: Value '{n}' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value between 2 and 1000")));
            }
        }
        def.maximum_concurrency = concurrency;
    }
    if let Some(enabled) = input.enabled {
        def.enabled = enabled;
    }
    if def.batch_size > 10 && def.maximum_batching_window_in_seconds == 0 {
        return Err(invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"));
    }
    Ok(())
}

/// One message as Lambda's SQS event shows it.
fn record(received: &Received, source_arn: &str, region: &str) -> Value {
    let m = &received.message;
    let mut attributes = Map::new();
    attributes.insert(
        "ApproximateReceiveCount".into(),
        m.receive_count.to_string().into(),
    );
    attributes.insert("SentTimestamp".into(), m.sent_at.to_string().into());
    attributes.insert("SenderId".into(), m.sender_id.clone().into());
    attributes.insert(
        "ApproximateFirstReceiveTimestamp".into(),
        m.first_received_at.unwrap_or(m.sent_at).to_string().into(),
    );
    if let Some(group) = &m.group_id {
        attributes.insert("MessageGroupId".into(), group.clone().into());
    }
    if let Some(dedup) = &m.deduplication_id {
        attributes.insert("MessageDeduplicationId".into(), dedup.clone().into());
    }
    if let Some(seq) = &m.sequence_number {
        attributes.insert("SequenceNumber".into(), seq.clone().into());
    }
    for system in &m.system_attributes {
        if let AttributeValue::String(value) = &system.value {
            attributes.insert(system.name.clone(), value.clone().into());
        }
    }
    let mut message_attributes = Map::new();
    for attribute in &m.attributes {
        let mut value = json!({
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": attribute.data_type,
        });
        match &attribute.value {
            AttributeValue::String(text) => value["stringValue"] = text.clone().into(),
            AttributeValue::Binary(bytes) => {
                use base64::Engine as _;
                value["binaryValue"] = base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .into();
            }
        }
        message_attributes.insert(attribute.name.clone(), value);
    }
    let mut record = json!({
        "messageId": m.message_id,
        "receiptHandle": received.receipt_handle,
        "body": m.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": received.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": region,
    });
    if let Some(md5) = &received.md5_of_message_attributes {
        record["md5OfMessageAttributes"] = md5.clone().into();
    }
    record
}

/// `LastModified` of a mapping as Lambda writes it (seconds, fractional).
pub fn last_modified(def: &MappingDef) -> f64 {
    def.modified_at as f64 / 1000.0
}

/// The mapping's state as Lambda names it.
pub fn state(def: &MappingDef) -> &'static str {
    if def.enabled {
        "Enabled"
    } else {
        "Disabled"
    }
}

/// A readable timestamp of a mapping's last change.
pub fn modified_text(def: &MappingDef) -> String {
    timestamp_ms(def.modified_at, "Z")
}

impl Registry {
    pub(crate) fn restore_mapping(&mut self, body: &[u8]) -> Result<(), serde_json::Error> {
        let def: MappingDef = serde_json::from_slice(body)?;
        self.mappings.insert(def.uuid.clone(), def);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handles(ids: &[&str]) -> Vec<(String, String)> {
        ids.iter()
            .map(|id| (id.to_string(), format!("h-{id}")))
            .collect()
    }

    #[test]
    fn partial_batch_responses_follow_lambda() {
        let h = handles(&["a", "b", "c"]);
        assert_eq!(
            failed_items(br#"{"batchItemFailures":[{"itemIdentifier":"b"}]}"#, &h),
            Some(vec!["b".to_owned()])
        );
        assert_eq!(
            failed_items(br#"{"batchItemFailures":[]}"#, &h),
            Some(vec![])
        );
        assert_eq!(failed_items(br#"null"#, &h), Some(vec![]));
        assert_eq!(failed_items(br#"{}"#, &h), Some(vec![]));
        assert_eq!(
            failed_items(br#"{"batchItemFailures":[{"itemIdentifier":""}]}"#, &h),
            None
        );
        assert_eq!(
            failed_items(br#"{"batchItemFailures":[{"itemIdentifier":"zz"}]}"#, &h),
            None
        );
        assert_eq!(failed_items(br#"{"batchItemFailures":[{}]}"#, &h), None);
    }

    #[test]
    fn filters_see_the_parsed_body() {
        let matcher = compile_filters(&[r#"{"body":{"kind":["paid"]}}"#.to_owned()]).unwrap();
        let record = json!({ "body": "{\"kind\":\"paid\"}" });
        assert!(passes(&matcher, &record));
        let record = json!({ "body": "{\"kind\":\"new\"}" });
        assert!(!passes(&matcher, &record));
    }
}
