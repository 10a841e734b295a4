//! Amazon SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`), with
//! the `x-amzn-query-error` header that gives clients SQS's legacy error codes.

use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use eddy_engine::queues::{QueueInfo, SendInput};
use eddy_engine::resources::Tags;
use eddy_engine::{Engine, Error, Kind};
use eddy_model::names::QueueName;
use eddy_queue::{AttributeValue, MessageAttribute, ReceiveRequest, Received, SendDigests, Sent};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{decode, ok, AwsError};

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Answers one SQS operation; `host` (the request's Host header) makes the queue URLs.
pub async fn handle(engine: &Engine, host: &str, operation: &str, body: &[u8]) -> Response {
    match run(engine, host, operation, body).await {
        Ok(value) => ok(&value, CONTENT_TYPE),
        Err(err) => err.into_response(),
    }
}

/// SQS's legacy (query protocol) code for a modeled error type.
fn legacy_code(kind: &str) -> &'static str {
    match kind {
        "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue",
        "QueueNameExists" | "QueueAlreadyExists" => "QueueAlreadyExists",
        "QueueDeletedRecently" => "AWS.SimpleQueueService.QueueDeletedRecently",
        "PurgeQueueInProgress" => "AWS.SimpleQueueService.PurgeQueueInProgress",
        "MessageNotInflight" => "AWS.SimpleQueueService.MessageNotInflight",
        "TooManyEntriesInBatchRequest" => "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "EmptyBatchRequest" => "AWS.SimpleQueueService.EmptyBatchRequest",
        "BatchEntryIdsNotDistinct" => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "BatchRequestTooLong" => "AWS.SimpleQueueService.BatchRequestTooLong",
        "InvalidBatchEntryId" => "AWS.SimpleQueueService.InvalidBatchEntryId",
        "UnsupportedOperation" => "AWS.SimpleQueueService.UnsupportedOperation",
        "ReceiptHandleIsInvalid" => "ReceiptHandleIsInvalid",
        "InvalidAttributeName" => "InvalidAttributeName",
        "InvalidAttributeValue" => "InvalidAttributeValue",
        "InvalidMessageContents" => "InvalidMessageContents",
        "OverLimit" => "OverLimit",
        "InvalidAddress" => "InvalidAddress",
        "ResourceNotFoundException" => "ResourceNotFoundException",
        "MissingParameter" => "MissingParameter",
        "InvalidParameterValue" => "InvalidParameterValue",
        _ => "InvalidParameterValue",
    }
}

/// Modeled error types, whose `__type` carries the service's namespace.
const MODELED: &[&str] = &[
    "BatchEntryIdsNotDistinct",
    "BatchRequestTooLong",
    "EmptyBatchRequest",
    "InvalidAddress",
    "InvalidAttributeName",
    "InvalidAttributeValue",
    "InvalidBatchEntryId",
    "InvalidMessageContents",
    "MessageNotInflight",
    "OverLimit",
    "PurgeQueueInProgress",
    "QueueDeletedRecently",
    "QueueDoesNotExist",
    "QueueNameExists",
    "ReceiptHandleIsInvalid",
    "ResourceNotFoundException",
    "TooManyEntriesInBatchRequest",
    "UnsupportedOperation",
];

fn sqs_error(kind: &str, message: impl Into<String>) -> AwsError {
    let kind = if kind == "QueueAlreadyExists" {
        "QueueNameExists"
    } else {
        kind
    };
    let legacy = legacy_code(kind);
    let full = if MODELED.contains(&kind) {
        format!("com.amazonaws.sqs#{kind}")
    } else {
        kind.to_owned()
    };
    AwsError::new(full, message).query_error(legacy)
}

/// Engine errors in SQS's shapes.
fn error(err: Error) -> AwsError {
    if let Some(code) = err.code {
        return sqs_error(code, err.message);
    }
    match err.kind {
        Kind::NotFound => sqs_error("QueueDoesNotExist", err.message),
        Kind::AlreadyExists => sqs_error("QueueNameExists", err.message),
        Kind::Internal => AwsError::new("InternalFailure", err.message)
            .status(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            .query_error("InternalFailure"),
        _ => sqs_error("InvalidParameterValue", err.message),
    }
}

fn serialization(message: String) -> AwsError {
    AwsError::new("SerializationException", message)
}

fn missing(member: &str) -> AwsError {
    sqs_error(
        "MissingParameter",
        format!("The request must contain the parameter {member}."),
    )
}

/// The queue a `QueueUrl` names: its last path segment.
fn queue_of(url: &Option<String>) -> Result<QueueName, AwsError> {
    let url = url.as_deref().ok_or_else(|| missing("QueueUrl"))?;
    let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    QueueName::parse(name)
        .map_err(|_| sqs_error("QueueDoesNotExist", "The specified queue does not exist."))
}

fn url_of(host: &str, engine: &Engine, info: &QueueInfo) -> String {
    format!("http://{host}/{}/{}", engine.scope().account, info.name)
}

fn string_map(map: Option<Map<String, Value>>) -> Result<Vec<(String, String)>, AwsError> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(serialization(format!("{k} must be a string"))),
        })
        .collect()
}

async fn run(engine: &Engine, host: &str, operation: &str, body: &[u8]) -> Result<Value, AwsError> {
    match operation {
        "CreateQueue" => {
            let req: CreateQueue = decode(body, serialization)?;
            let name = req.queue_name.ok_or_else(|| missing("QueueName"))?;
            let tags: Tags = string_map(req.tags)?.into_iter().collect();
            let info = engine
                .create_queue(&name, string_map(req.attributes)?, tags)
                .await
                .map_err(error)?;
            Ok(json!({ "QueueUrl": url_of(host, engine, &info) }))
        }
        "DeleteQueue" => {
            let req: QueueOnly = decode(body, serialization)?;
            engine
                .delete_queue(&queue_of(&req.queue_url)?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "GetQueueUrl" => {
            let req: GetQueueUrl = decode(body, serialization)?;
            let name = req.queue_name.ok_or_else(|| missing("QueueName"))?;
            let name = QueueName::parse(&name).map_err(|_| {
                sqs_error("QueueDoesNotExist", "The specified queue does not exist.")
            })?;
            let info = engine.queue_info(&name).map_err(error)?;
            Ok(json!({ "QueueUrl": url_of(host, engine, &info) }))
        }
        "ListQueues" => {
            let req: ListQueues = decode(body, serialization)?;
            let queues = engine.list_queues(req.queue_name_prefix.as_deref().unwrap_or(""));
            let start = match req.next_token.as_deref() {
                None => 0,
                Some(t) => t
                    .parse::<usize>()
                    .map_err(|_| sqs_error("InvalidParameterValue", "Invalid NextToken value."))?,
            };
            let max = match req.max_results {
                None => 1000,
                Some(n) if (1..=1000).contains(&n) => usize::try_from(n).unwrap_or(1000),
                Some(n) => {
                    return Err(sqs_error(
                        "InvalidParameterValue",
                        format!("Value {n} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000."),
                    ))
                }
            };
            let urls: Vec<String> = queues
                .iter()
                .skip(start)
                .take(max)
                .map(|q| url_of(host, engine, q))
                .collect();
            let mut out = json!({});
            if !urls.is_empty() {
                out["QueueUrls"] = json!(urls);
            }
            if req.max_results.is_some() && start + max < queues.len() {
                out["NextToken"] = json!((start + max).to_string());
            }
            Ok(out)
        }
        "GetQueueAttributes" => {
            let req: GetQueueAttributes = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let attrs = engine
                .queue_attributes(&name, &req.attribute_names.unwrap_or_default())
                .map_err(error)?;
            let map: Map<String, Value> = attrs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            Ok(if map.is_empty() {
                json!({})
            } else {
                json!({ "Attributes": map })
            })
        }
        "SetQueueAttributes" => {
            let req: SetQueueAttributes = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            engine
                .set_queue_attributes(&name, string_map(req.attributes)?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "SendMessage" => {
            let req: SendMessage = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let input = send_input(req.entry)?;
            let digests = digests(&input);
            let results = engine
                .send_messages(&name, vec![input])
                .await
                .map_err(error)?;
            let sent = only(results)?;
            Ok(sent_out(&sent, &digests, None))
        }
        "SendMessageBatch" => {
            let req: SendMessageBatch = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let entries = req.entries.unwrap_or_default();
            let ids: Vec<&str> = entries
                .iter()
                .map(|e| e.id.as_deref().unwrap_or(""))
                .collect();
            eddy_engine::queues::check_batch(&ids, "SendMessageBatchRequestEntry")
                .map_err(error)?;
            let total: usize = entries
                .iter()
                .map(|e| e.entry.message_body.as_ref().map_or(0, String::len))
                .sum();
            if total > 1_048_576 {
                return Err(sqs_error(
                    "BatchRequestTooLong",
                    format!("Batch requests cannot be longer than 1048576 bytes. You have sent {total} bytes."),
                ));
            }
            let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
            let mut inputs = Vec::new();
            let mut failed = Vec::new();
            let mut order = Vec::new();
            for (id, entry) in ids.iter().zip(entries) {
                match send_input(entry.entry) {
                    Ok(input) => {
                        inputs.push(input);
                        order.push(id.clone());
                    }
                    Err(err) => {
                        failed.push(failed_entry(id, &err.code_name(), &err.message_text()))
                    }
                }
            }
            let digests: Vec<SendDigests> = inputs.iter().map(digests).collect();
            let results = engine.send_messages(&name, inputs).await.map_err(error)?;
            let mut successful = Vec::new();
            for ((id, result), digests) in order.iter().zip(results).zip(&digests) {
                match result {
                    Ok(sent) => successful.push(sent_out(&sent, digests, Some(id))),
                    Err(err) => failed.push(failed_entry(
                        id,
                        err.code.unwrap_or("InvalidParameterValue"),
                        &err.message,
                    )),
                }
            }
            Ok(json!({ "Successful": successful, "Failed": failed }))
        }
        "ReceiveMessage" => {
            let req: ReceiveMessage = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let max = req.max_number_of_messages.unwrap_or(1);
            if !(1..=10).contains(&max) {
                return Err(sqs_error(
                    "InvalidParameterValue",
                    format!("Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."),
                ));
            }
            if let Some(wait) = req.wait_time_seconds {
                if !(0..=20).contains(&wait) {
                    return Err(sqs_error(
                        "InvalidParameterValue",
                        format!("Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."),
                    ));
                }
            }
            let visibility = match req.visibility_timeout {
                None => None,
                Some(v) if (0..=43_200).contains(&v) => u32::try_from(v).ok(),
                Some(v) => {
                    return Err(sqs_error(
                        "InvalidParameterValue",
                        format!("Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."),
                    ))
                }
            };
            let request = ReceiveRequest {
                max_messages: u32::try_from(max).unwrap_or(1),
                visibility_timeout: visibility,
                receive_request_attempt_id: req.receive_request_attempt_id,
            };
            let wait = req.wait_time_seconds.and_then(|w| u32::try_from(w).ok());
            let received = engine
                .receive_messages(&name, request, wait)
                .await
                .map_err(error)?;
            let mut system = req.attribute_names.unwrap_or_default();
            system.extend(req.message_system_attribute_names.unwrap_or_default());
            let user = req.message_attribute_names.unwrap_or_default();
            let messages: Vec<Value> = received
                .iter()
                .map(|r| received_out(r, &system, &user))
                .collect();
            Ok(if messages.is_empty() {
                json!({})
            } else {
                json!({ "Messages": messages })
            })
        }
        "DeleteMessage" => {
            let req: DeleteMessage = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let handle = req.receipt_handle.ok_or_else(|| missing("ReceiptHandle"))?;
            let results = engine
                .delete_messages(&name, &[handle])
                .await
                .map_err(error)?;
            only(results)?;
            Ok(json!({}))
        }
        "DeleteMessageBatch" => {
            let req: DeleteMessageBatch = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let entries = req.entries.unwrap_or_default();
            let ids: Vec<&str> = entries
                .iter()
                .map(|e| e.id.as_deref().unwrap_or(""))
                .collect();
            eddy_engine::queues::check_batch(&ids, "DeleteMessageBatchRequestEntry")
                .map_err(error)?;
            let handles: Vec<String> = entries
                .iter()
                .map(|e| e.receipt_handle.clone().unwrap_or_default())
                .collect();
            let results = engine
                .delete_messages(&name, &handles)
                .await
                .map_err(error)?;
            Ok(batch_out(&ids, results))
        }
        "ChangeMessageVisibility" => {
            let req: ChangeVisibility = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let handle = req.receipt_handle.ok_or_else(|| missing("ReceiptHandle"))?;
            let timeout = visibility_of(req.visibility_timeout)?;
            let results = engine
                .change_visibility(&name, &[(handle, timeout)])
                .map_err(error)?;
            only(results)?;
            Ok(json!({}))
        }
        "ChangeMessageVisibilityBatch" => {
            let req: ChangeVisibilityBatch = decode(body, serialization)?;
            let name = queue_of(&req.queue_url)?;
            let entries = req.entries.unwrap_or_default();
            let ids: Vec<&str> = entries
                .iter()
                .map(|e| e.id.as_deref().unwrap_or(""))
                .collect();
            eddy_engine::queues::check_batch(&ids, "ChangeMessageVisibilityBatchRequestEntry")
                .map_err(error)?;
            let mut changes = Vec::new();
            for e in &entries {
                changes.push((
                    e.receipt_handle.clone().unwrap_or_default(),
                    visibility_of(e.visibility_timeout)?,
                ));
            }
            let results = engine.change_visibility(&name, &changes).map_err(error)?;
            Ok(batch_out(&ids, results))
        }
        "PurgeQueue" => {
            let req: QueueOnly = decode(body, serialization)?;
            engine
                .purge_queue(&queue_of(&req.queue_url)?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "ListDeadLetterSourceQueues" => {
            let req: QueueOnly = decode(body, serialization)?;
            let sources = engine
                .dead_letter_sources(&queue_of(&req.queue_url)?)
                .map_err(error)?;
            let urls: Vec<String> = sources.iter().map(|q| url_of(host, engine, q)).collect();
            Ok(json!({ "queueUrls": urls }))
        }
        "TagQueue" => {
            let req: TagQueue = decode(body, serialization)?;
            let tags: Tags = string_map(req.tags)?.into_iter().collect();
            engine
                .tag_queue(&queue_of(&req.queue_url)?, tags, &[])
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "UntagQueue" => {
            let req: UntagQueue = decode(body, serialization)?;
            engine
                .tag_queue(
                    &queue_of(&req.queue_url)?,
                    Tags::new(),
                    &req.tag_keys.unwrap_or_default(),
                )
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "ListQueueTags" => {
            let req: QueueOnly = decode(body, serialization)?;
            let tags = engine
                .queue_tags(&queue_of(&req.queue_url)?)
                .map_err(error)?;
            Ok(if tags.is_empty() {
                json!({})
            } else {
                json!({ "Tags": tags })
            })
        }
        "StartMessageMoveTask" => {
            let req: StartMove = decode(body, serialization)?;
            let source = req.source_arn.ok_or_else(|| missing("SourceArn"))?;
            let handle = engine
                .start_move_task(
                    &source,
                    req.destination_arn,
                    req.max_number_of_messages_per_second,
                )
                .map_err(error)?;
            Ok(json!({ "TaskHandle": handle }))
        }
        "ListMessageMoveTasks" => {
            let req: ListMoves = decode(body, serialization)?;
            let source = req.source_arn.ok_or_else(|| missing("SourceArn"))?;
            let max = req.max_results.unwrap_or(1);
            if !(1..=10).contains(&max) {
                return Err(sqs_error(
                    "InvalidParameterValue",
                    format!("Value {max} for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10."),
                ));
            }
            let tasks = engine
                .list_move_tasks(&source, usize::try_from(max).unwrap_or(1))
                .map_err(error)?;
            let results: Vec<Value> = tasks
                .iter()
                .map(|t| {
                    let mut out = json!({
                        "Status": t.status,
                        "SourceArn": t.source_arn,
                        "ApproximateNumberOfMessagesMoved": t.moved,
                        "ApproximateNumberOfMessagesToMove": t.to_move,
                        "StartedTimestamp": t.started_at,
                    });
                    if t.status == "RUNNING" {
                        out["TaskHandle"] = json!(t.handle);
                    }
                    if let Some(d) = &t.destination_arn {
                        out["DestinationArn"] = json!(d);
                    }
                    if let Some(n) = t.max_per_second {
                        out["MaxNumberOfMessagesPerSecond"] = json!(n);
                    }
                    if let Some(f) = &t.failure {
                        out["FailureReason"] = json!(f);
                    }
                    out
                })
                .collect();
            Ok(json!({ "Results": results }))
        }
        "CancelMessageMoveTask" => {
            let req: CancelMove = decode(body, serialization)?;
            let handle = req.task_handle.ok_or_else(|| missing("TaskHandle"))?;
            let moved = engine.cancel_move_task(&handle).map_err(error)?;
            Ok(json!({ "ApproximateNumberOfMessagesMoved": moved }))
        }
        other => Err(sqs_error(
            "UnsupportedOperation",
            format!("Unknown operation AmazonSQS.{other}"),
        )),
    }
}

/// The one result of a one-entry engine call.
fn only<T>(mut results: Vec<Result<T, Error>>) -> Result<T, AwsError> {
    results
        .pop()
        .ok_or_else(|| error(Error::internal()))?
        .map_err(error)
}

fn visibility_of(value: Option<i64>) -> Result<u32, AwsError> {
    let v = value.ok_or_else(|| missing("VisibilityTimeout"))?;
    u32::try_from(v).ok().filter(|v| *v <= 43_200).ok_or_else(|| {
        sqs_error(
            "InvalidParameterValue",
            format!("Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."),
        )
    })
}

impl AwsError {
    fn code_name(&self) -> String {
        self.kind
            .rsplit('#')
            .next()
            .unwrap_or(&self.kind)
            .to_owned()
    }

    fn message_text(&self) -> String {
        self.message.clone()
    }
}

fn failed_entry(id: &str, code: &str, message: &str) -> Value {
    json!({ "Id": id, "SenderFault": true, "Code": code, "Message": message })
}

fn batch_out(ids: &[&str], results: Vec<Result<(), Error>>) -> Value {
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for (id, result) in ids.iter().zip(results) {
        match result {
            Ok(()) => successful.push(json!({ "Id": id })),
            Err(err) => failed.push(failed_entry(
                id,
                err.code.unwrap_or("InvalidParameterValue"),
                &err.message,
            )),
        }
    }
    json!({ "Successful": successful, "Failed": failed })
}

/// The digests SendMessage returns, of what the producer sent.
fn digests(input: &SendInput) -> SendDigests {
    SendDigests::of(&input.body, &input.attributes, &input.system_attributes)
}

fn sent_out(sent: &Sent, digests: &SendDigests, id: Option<&str>) -> Value {
    let mut out = json!({ "MessageId": sent.message_id, "MD5OfMessageBody": digests.md5_of_body });
    if let Some(id) = id {
        out["Id"] = json!(id);
    }
    if let Some(md5) = &digests.md5_of_message_attributes {
        out["MD5OfMessageAttributes"] = json!(md5);
    }
    if let Some(md5) = &digests.md5_of_message_system_attributes {
        out["MD5OfMessageSystemAttributes"] = json!(md5);
    }
    if let Some(seq) = &sent.sequence_number {
        out["SequenceNumber"] = json!(seq);
    }
    out
}

fn attribute_out(attr: &MessageAttribute) -> Value {
    match &attr.value {
        AttributeValue::String(s) => json!({ "DataType": attr.data_type, "StringValue": s }),
        AttributeValue::Binary(b) => {
            json!({ "DataType": attr.data_type, "BinaryValue": base64::engine::general_purpose::STANDARD.encode(b) })
        }
    }
}

fn received_out(r: &Received, system: &[String], user: &[String]) -> Value {
    let mut out = json!({
        "MessageId": r.message.message_id,
        "ReceiptHandle": r.receipt_handle,
        "MD5OfBody": r.md5_of_body,
        "Body": r.message.body,
    });
    let attrs = eddy_queue::select_system_attributes(&r.message, system);
    if !attrs.is_empty() {
        let map: Map<String, Value> = attrs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        out["Attributes"] = Value::Object(map);
    }
    let selected = eddy_queue::select_message_attributes(&r.message, user);
    if !selected.is_empty() {
        let map: Map<String, Value> = selected
            .iter()
            .map(|a| (a.name.clone(), attribute_out(a)))
            .collect();
        out["MessageAttributes"] = Value::Object(map);
        let owned: Vec<MessageAttribute> = selected.into_iter().cloned().collect();
        if let Some(md5) = eddy_queue::md5_of_attributes(&owned) {
            out["MD5OfMessageAttributes"] = json!(md5);
        }
    }
    out
}

fn attributes_in(map: Option<Map<String, Value>>) -> Result<Vec<MessageAttribute>, AwsError> {
    let mut out = Vec::new();
    for (name, value) in map.unwrap_or_default() {
        let wire: WireAttribute =
            serde_json::from_value(value).map_err(|e| serialization(e.to_string()))?;
        let data_type = wire.data_type.ok_or_else(|| {
            sqs_error(
                "InvalidParameterValue",
                format!("The message attribute '{name}' must contain a non-empty attribute type."),
            )
        })?;
        let value = match (wire.string_value, wire.binary_value) {
            (Some(s), _) => AttributeValue::String(s),
            (None, Some(b)) => AttributeValue::Binary(
                base64::engine::general_purpose::STANDARD
                    .decode(b.as_bytes())
                    .map_err(|_| serialization(format!("BinaryValue of {name} is not base64")))?,
            ),
            (None, None) => {
                return Err(sqs_error(
                    "InvalidParameterValue",
                    format!("The message attribute '{name}' must contain a non-empty message attribute value for message attribute type '{data_type}'."),
                ))
            }
        };
        out.push(MessageAttribute {
            name,
            data_type,
            value,
        });
    }
    Ok(out)
}

fn send_input(entry: WireSend) -> Result<SendInput, AwsError> {
    let body = entry.message_body.ok_or_else(|| missing("MessageBody"))?;
    let delay = match entry.delay_seconds {
        None => None,
        Some(d) if (0..=900).contains(&d) => u32::try_from(d).ok(),
        Some(d) => {
            return Err(sqs_error(
                "InvalidParameterValue",
                format!("Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."),
            ))
        }
    };
    Ok(SendInput {
        body,
        attributes: attributes_in(entry.message_attributes)?,
        system_attributes: attributes_in(entry.message_system_attributes)?,
        delay_seconds: delay,
        group_id: entry.message_group_id,
        deduplication_id: entry.message_deduplication_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateQueue {
    queue_name: Option<String>,
    attributes: Option<Map<String, Value>>,
    #[serde(rename = "tags")]
    tags: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueOnly {
    queue_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetQueueUrl {
    queue_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListQueues {
    queue_name_prefix: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetQueueAttributes {
    queue_url: Option<String>,
    attribute_names: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetQueueAttributes {
    queue_url: Option<String>,
    attributes: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireSend {
    message_body: Option<String>,
    delay_seconds: Option<i64>,
    message_attributes: Option<Map<String, Value>>,
    message_system_attributes: Option<Map<String, Value>>,
    message_deduplication_id: Option<String>,
    message_group_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendMessage {
    queue_url: Option<String>,
    #[serde(flatten)]
    entry: WireSend,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendBatchEntry {
    id: Option<String>,
    #[serde(flatten)]
    entry: WireSend,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendMessageBatch {
    queue_url: Option<String>,
    entries: Option<Vec<SendBatchEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireAttribute {
    data_type: Option<String>,
    string_value: Option<String>,
    binary_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveMessage {
    queue_url: Option<String>,
    attribute_names: Option<Vec<String>>,
    message_system_attribute_names: Option<Vec<String>>,
    message_attribute_names: Option<Vec<String>>,
    max_number_of_messages: Option<i64>,
    visibility_timeout: Option<i64>,
    wait_time_seconds: Option<i64>,
    receive_request_attempt_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMessage {
    queue_url: Option<String>,
    receipt_handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteEntry {
    id: Option<String>,
    receipt_handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMessageBatch {
    queue_url: Option<String>,
    entries: Option<Vec<DeleteEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeVisibility {
    queue_url: Option<String>,
    receipt_handle: Option<String>,
    visibility_timeout: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeEntry {
    id: Option<String>,
    receipt_handle: Option<String>,
    visibility_timeout: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeVisibilityBatch {
    queue_url: Option<String>,
    entries: Option<Vec<ChangeEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagQueue {
    queue_url: Option<String>,
    tags: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagQueue {
    queue_url: Option<String>,
    tag_keys: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StartMove {
    source_arn: Option<String>,
    destination_arn: Option<String>,
    max_number_of_messages_per_second: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListMoves {
    source_arn: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CancelMove {
    task_handle: Option<String>,
}
