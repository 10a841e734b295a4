//! Wire types of Eddy's native REST API under `/v1`: JSON, kebab-case keys, shared by the
//! server (which converts them to engine calls by hand at its edge) and the CLI (which
//! only speaks HTTP). The OpenAPI document at `/v1/openapi.json` describes the same shapes.
//!
//! Pure data: no I/O, no async, no engine types.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Tags on a resource.
pub type Tags = BTreeMap<String, String>;

/// The error body of every failed request, with an HTTP status of 400 (validation), 404
/// (not found), 409 (exists or conflicts), 413 (too large) or 500.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable code: `ValidationException`, `ResourceNotFoundException`,
    /// `InvalidEventPatternException`, `QueueDoesNotExist`, … (the incumbent's names).
    pub code: String,
    /// For people.
    pub message: String,
}

/// A bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Bus {
    /// Its name.
    pub name: String,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
}

/// An input transformer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct InputTransformer {
    /// `InputPathsMap`: placeholder name → JSON path.
    #[serde(default)]
    pub paths_map: BTreeMap<String, String>,
    /// `InputTemplate`.
    pub template: String,
}

/// A retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RetryPolicy {
    /// 0–185 (default 185).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// 60–86400 (default 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
}

/// HTTP parameters of a target that calls an API destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HttpParameters {
    /// Extra headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Extra query-string parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Values for `*` in the destination's URL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_parameters: Vec<String>,
    /// Send events as CloudEvents: `structured` or `binary` (HTTP content modes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudevents: Option<String>,
}

/// A rule's target. Exactly one of `arn`, `queue`, `bus` and `api-destination` says where
/// it delivers; at most one of `input`, `input-path` and `input-transformer` says what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Target {
    /// Its id within the rule.
    pub id: String,
    /// Where it delivers, as an ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// A queue, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// A bus, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// An API destination, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_destination: Option<String>,
    /// A function, by name (invoked asynchronously).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// A constant input (JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// `InputPath`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    /// `InputTransformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
    /// The retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
    /// The dead-letter queue, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_queue: Option<String>,
    /// `MessageGroupId` for FIFO queue targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_group_id: Option<String>,
    /// HTTP parameters for API destination targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpParameters>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// Its bus (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The event pattern: a JSON object (or its text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Value>,
    /// `ENABLED` (default) or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Its targets (at most 5). On PUT, when present, they replace the rule's targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Target>>,
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Queue {
    /// Its name (`.fifo` for FIFO queues).
    pub name: String,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Its SQS attributes (`VisibilityTimeout`, `RedrivePolicy`, …) as SQS spells them;
    /// on output also the computed ones (`ApproximateNumberOfMessages`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
}

/// A connection (how an API destination authorises its calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Connection {
    /// Its name.
    pub name: String,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `BASIC`, `API_KEY` or `OAUTH_CLIENT_CREDENTIALS`.
    pub authorization_type: String,
    /// For BASIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// For BASIC (never returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// For API_KEY: the header's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_name: Option<String>,
    /// For API_KEY: the key (never returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_value: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An API destination (an HTTP endpoint targets call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ApiDestination {
    /// Its name.
    pub name: String,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The connection's name.
    pub connection: String,
    /// The URL (each `*` takes a target's next path parameter).
    pub endpoint: String,
    /// The method (default POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Most calls per second (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One event to put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PutEvent {
    /// `source`.
    pub source: Option<String>,
    /// `detail-type`.
    pub detail_type: Option<String>,
    /// `detail`: a JSON object (or its text).
    pub detail: Option<Value>,
    /// `resources`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// `time`, RFC 3339 or seconds since the epoch; the ingestion time when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Value>,
}

/// `POST /v1/buses/{bus}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PutEvents {
    /// The events (at most 10 by default).
    pub entries: Vec<PutEvent>,
}

/// One entry's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PutEventResult {
    /// The event's id, when accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// The answer to `POST /v1/buses/{bus}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PutEventsResult {
    /// How many entries were refused.
    pub failed: usize,
    /// One result per entry, in order.
    pub entries: Vec<PutEventResult>,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SendMessage {
    /// The body.
    pub body: String,
    /// String message attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Delay, 0–900 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<u32>,
    /// FIFO: the message group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// FIFO: the deduplication id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplication_id: Option<String>,
}

/// `POST /v1/queues/{queue}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SendMessages {
    /// At most 10.
    pub messages: Vec<SendMessage>,
}

/// One sent message's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SendResult {
    /// The message id, when accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// `POST /v1/queues/{queue}/receive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Receive {
    /// 1–10 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_messages: Option<u32>,
    /// Long poll, 0–20 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u32>,
    /// Visibility timeout for these messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility_timeout: Option<u32>,
}

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Message {
    /// Its id.
    pub message_id: String,
    /// The handle to delete it or change its visibility with.
    pub receipt_handle: String,
    /// The body.
    pub body: String,
    /// System attributes (SentTimestamp, ApproximateReceiveCount, …).
    pub attributes: BTreeMap<String, String>,
    /// String message attributes (binary ones as base64).
    pub message_attributes: BTreeMap<String, String>,
}

/// `POST /v1/queues/{queue}/redrive`: move messages out of a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Redrive {
    /// Where to (a queue name); absent: back to the queues they came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Most messages per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_second: Option<u32>,
}

/// A message move task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MoveTask {
    /// Its handle.
    pub handle: String,
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
    pub status: String,
    /// Messages moved.
    pub moved: u64,
    /// Messages in the DLQ when it started.
    pub to_move: u64,
}

/// `POST /v1/test-event-pattern`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TestEventPattern {
    /// The pattern (object or text).
    pub pattern: Value,
    /// The event (object or text).
    pub event: Value,
}

/// A list of resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    /// The items, in name order.
    pub items: Vec<T>,
}

/// A function: code run as processes that speak the Lambda Runtime API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its ARN (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `python3`, `nodejs`, `provided` or an AWS runtime identifier (`python3.12`, ...).
    pub runtime: String,
    /// The handler: `module.function` for python3 and nodejs.
    #[serde(default)]
    pub handler: String,
    /// The directory holding the code (used in place; absolute, or relative to the stack
    /// file). On output: where the code is.
    #[serde(default)]
    pub code: String,
    /// For `provided`: the command to run instead of `./bootstrap`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Seconds one invocation may run [default: 3].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Memory limit in MB [default: 128].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Most instances at once (reserved concurrency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_instances: Option<u32>,
    /// Instances kept started while idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_warm: Option<u32>,
    /// Seconds an idle instance lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<u32>,
    /// Retries of a failed asynchronous invocation, 0–2 [default: 2].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retry_attempts: Option<u32>,
    /// Oldest an asynchronous event may be, 60–21600 s [default: 21600].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_event_age: Option<u32>,
    /// Where records of successful asynchronous invocations go (queue, bus or function
    /// ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// Where records of failed asynchronous invocations go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// A queue ARN for failed asynchronous events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
    /// Its tags (replaced on PUT).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// On output: running instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// On output: instances running an invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<u32>,
}

/// The answer of an invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct InvokeResult {
    /// 200 (sync), 202 (queued) or 204 (dry run).
    pub status: u16,
    /// The request id.
    pub request_id: String,
    /// The response (or error document) as JSON; text when it is not JSON.
    #[serde(default)]
    pub payload: Value,
    /// Set when the invocation failed: `Unhandled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_error: Option<String>,
    /// The invocation's log, START to REPORT (when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// One log line of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LogLine {
    /// Increasing; ask for lines after it.
    pub seq: u64,
    /// When, RFC 3339 with milliseconds.
    pub time: String,
    /// The instance that wrote it.
    pub instance: String,
    /// The invocation in flight, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `stdout`, `stderr` or `platform`.
    pub stream: String,
    /// The line.
    pub line: String,
}

/// An event source mapping: a queue feeding a function in batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Mapping {
    /// Its id (ignored on input to PUT; assigned on create).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The function.
    pub function: String,
    /// The queue (name).
    pub queue: String,
    /// Messages per batch, 1–10000 [default: 10].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// Seconds to wait to fill a batch, 0–300 [default: 0].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_window: Option<u32>,
    /// The function reports partial batch failures (`batchItemFailures`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub report_batch_item_failures: bool,
    /// Event patterns; a message must match one (others are deleted unseen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Value>,
    /// Most concurrent invocations, 2–1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Whether it polls [default: true].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// An HTTP route: requests to `METHOD path` (under the server's routes prefix) are
/// answered by a function (API Gateway HTTP API payload 2.0), or become an event on a bus
/// or a message on a queue (answered 202). Exactly one of `function`, `bus`, `queue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Route {
    /// `GET`, `POST`, ... or `ANY`.
    pub method: String,
    /// The path: literal segments, `{param}` segments, and a last `{proxy+}` segment
    /// that takes the rest.
    pub path: String,
    /// The function that answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The bus the request body goes to as an event's detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// The event's source (bus routes) [default: eddy.route].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The event's detail-type (bus routes) [default: the route key, e.g. `POST /orders`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_type: Option<String>,
    /// The queue the request body goes to as a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
}
