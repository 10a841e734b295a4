//! Resource definitions as the engine keeps and stores them: buses, rules with their
//! targets, and queue definitions. These structs are the store encoding (JSON); the
//! compiled, in-memory forms live beside them.

use std::collections::BTreeMap;

use eddy_model::arn::TargetArn;
use eddy_pattern::transform::Transform;
use serde::{Deserialize, Serialize};

/// Tags on a resource.
pub type Tags = BTreeMap<String, String>;

/// A bus as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusDef {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was created, ms since the Unix epoch.
    pub created_at: u64,
    /// Its tags.
    #[serde(default)]
    pub tags: Tags,
}

/// Whether a rule acts on events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum RuleState {
    /// Matching events go to the targets.
    #[default]
    #[serde(rename = "ENABLED")]
    Enabled,
    /// The rule does nothing.
    #[serde(rename = "DISABLED")]
    Disabled,
}

impl RuleState {
    /// EventBridge's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
        }
    }
}

/// A rule as stored, with its targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDef {
    /// The bus it is on.
    pub bus: String,
    /// Its name.
    pub name: String,
    /// The event pattern's text.
    #[serde(default)]
    pub event_pattern: Option<String>,
    /// A schedule expression (kept; schedules come with the scheduler).
    #[serde(default)]
    pub schedule_expression: Option<String>,
    /// ENABLED or DISABLED.
    #[serde(default)]
    pub state: RuleState,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The IAM role (kept, not used: no IAM here).
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: Tags,
    /// Its targets, in the order they were put.
    #[serde(default)]
    pub targets: Vec<TargetDef>,
}

/// An input transformer as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputTransformerDef {
    /// `InputPathsMap`, in the order given.
    #[serde(default)]
    pub paths_map: Vec<(String, String)>,
    /// `InputTemplate`.
    pub template: String,
}

/// A target's retry policy as given; absent members take EventBridge's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RetryPolicy {
    /// `MaximumRetryAttempts`, 0–185 (default 185).
    #[serde(default)]
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumEventAgeInSeconds`, 60–86400 (default 86400).
    #[serde(default)]
    pub maximum_event_age_in_seconds: Option<u32>,
}

impl RetryPolicy {
    /// Retries after the first attempt.
    pub fn attempts(&self) -> u32 {
        self.maximum_retry_attempts.unwrap_or(185)
    }

    /// Oldest an event may be when an attempt starts, in ms.
    pub fn max_age_ms(&self) -> u64 {
        u64::from(self.maximum_event_age_in_seconds.unwrap_or(86_400)) * 1000
    }
}

/// HTTP parameters of an API destination target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HttpParameters {
    /// Extra headers.
    #[serde(default)]
    pub header_parameters: Vec<(String, String)>,
    /// Extra query-string parameters.
    #[serde(default)]
    pub query_string_parameters: Vec<(String, String)>,
    /// Values for `*` in the endpoint's URL, in order.
    #[serde(default)]
    pub path_parameter_values: Vec<String>,
    /// Send the event as a CloudEvent in this HTTP content mode instead of as the
    /// EventBridge envelope.
    #[serde(default)]
    pub cloudevents: Option<CloudEventsMode>,
}

/// How an HTTP target that asks for CloudEvents receives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloudEventsMode {
    /// One JSON document, `Content-Type: application/cloudevents+json`.
    #[serde(rename = "structured")]
    Structured,
    /// Attributes in `ce-*` headers, the data as the body.
    #[serde(rename = "binary")]
    Binary,
}

/// A target as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetDef {
    /// Its id within the rule.
    pub id: String,
    /// Where it delivers.
    pub arn: String,
    /// `Input`.
    #[serde(default)]
    pub input: Option<String>,
    /// `InputPath`.
    #[serde(default)]
    pub input_path: Option<String>,
    /// `InputTransformer`.
    #[serde(default)]
    pub input_transformer: Option<InputTransformerDef>,
    /// `RetryPolicy`.
    #[serde(default)]
    pub retry_policy: Option<RetryPolicy>,
    /// `DeadLetterConfig.Arn`: a queue.
    #[serde(default)]
    pub dead_letter_arn: Option<String>,
    /// `SqsParameters.MessageGroupId`, for FIFO queues.
    #[serde(default)]
    pub message_group_id: Option<String>,
    /// `HttpParameters`.
    #[serde(default)]
    pub http: Option<HttpParameters>,
    /// `RoleArn` (kept, not used).
    #[serde(default)]
    pub role_arn: Option<String>,
}

impl TargetDef {
    /// The target's input transformation, checked as PutTargets checks it.
    pub fn transform(&self) -> Result<Transform, eddy_pattern::transform::Error> {
        let given = usize::from(self.input.is_some())
            + usize::from(self.input_path.is_some())
            + usize::from(self.input_transformer.is_some());
        let result = if given > 1 {
            Err(eddy_pattern::transform::Error::MoreThanOneInput { target: None })
        } else if let Some(text) = &self.input {
            Transform::input(text)
        } else if let Some(path) = &self.input_path {
            Transform::input_path(path)
        } else if let Some(t) = &self.input_transformer {
            Transform::template(&t.paths_map, &t.template)
        } else {
            Ok(Transform::Event)
        };
        result.map_err(|e| e.with_target(&self.id))
    }
}

/// A target ready to deliver: its definition, where it goes and how its input is made.
#[derive(Debug, Clone)]
pub struct Target {
    /// As given.
    pub def: TargetDef,
    /// Where it delivers.
    pub to: TargetArn,
    /// How its input is made.
    pub transform: Transform,
}

/// A queue as stored (its messages are stored apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDef {
    /// Its name.
    pub name: String,
    /// Its attributes as given (the settable ones).
    pub attributes: Vec<(String, String)>,
    /// Its tags.
    #[serde(default)]
    pub tags: Tags,
    /// When it was created, ms since the Unix epoch.
    pub created_at: u64,
    /// When its attributes last changed.
    pub modified_at: u64,
}
