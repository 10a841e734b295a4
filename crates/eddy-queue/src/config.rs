//! Queue attributes: [`QueueConfig`] holds the settable ones, validated as `CreateQueue` and
//! `SetQueueAttributes` validate them, and prints them as `GetQueueAttributes` does.

use serde_json::{Map, Value};

use crate::Error;

/// Whether FIFO deduplication ids are unique per queue or per message group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeduplicationScope {
    /// `queue` (the default).
    #[default]
    Queue,
    /// `messageGroup`.
    MessageGroup,
}

/// Whether FIFO throughput quotas apply per queue or per message group (recorded; Eddy does not
/// throttle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FifoThroughputLimit {
    /// `perQueue` (the default).
    #[default]
    PerQueue,
    /// `perMessageGroupId`.
    PerMessageGroupId,
}

/// A queue's `RedrivePolicy`: where messages go after too many receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: String,
    /// Receives after which the next receive moves the message to the dead-letter queue (1..=1000).
    pub max_receive_count: u32,
}

/// Queue attributes (the settable ones), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// `FifoQueue`: fixed when the queue is created.
    pub fifo: bool,
    /// `VisibilityTimeout`, seconds, 0..=43200, default 30.
    pub visibility_timeout: u32,
    /// `DelaySeconds`, 0..=900, default 0.
    pub delay_seconds: u32,
    /// `MessageRetentionPeriod`, seconds, 60..=1209600, default 345600 (4 days).
    pub message_retention_period: u32,
    /// `MaximumMessageSize`, bytes, 1024..=1048576, default 262144.
    pub maximum_message_size: u32,
    /// `ReceiveMessageWaitTimeSeconds`, 0..=20, default 0.
    pub receive_message_wait_time_seconds: u32,
    /// `ContentBasedDeduplication` (FIFO only).
    pub content_based_deduplication: bool,
    /// `DeduplicationScope` (FIFO only).
    pub deduplication_scope: DeduplicationScope,
    /// `FifoThroughputLimit` (FIFO only).
    pub fifo_throughput_limit: FifoThroughputLimit,
    /// `RedrivePolicy`.
    pub redrive_policy: Option<RedrivePolicy>,
    /// `RedriveAllowPolicy`: validated JSON, kept as given.
    pub redrive_allow_policy: Option<String>,
    /// `Policy`: validated JSON, kept as given.
    pub policy: Option<String>,
    /// `KmsMasterKeyId`.
    pub kms_master_key_id: Option<String>,
    /// `KmsDataKeyReusePeriodSeconds`, 60..=86400, default 300.
    pub kms_data_key_reuse_period_seconds: u32,
    /// `SqsManagedSseEnabled`, default true.
    pub sqs_managed_sse_enabled: bool,
}

const FIFO_NAME: &str = "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length";
const STANDARD_NAME: &str =
    "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";

impl QueueConfig {
    /// The defaults of a standard (`fifo == false`) or FIFO queue.
    pub fn new(fifo: bool) -> Self {
        QueueConfig {
            fifo,
            visibility_timeout: 30,
            delay_seconds: 0,
            message_retention_period: 345_600,
            maximum_message_size: 262_144,
            receive_message_wait_time_seconds: 0,
            content_based_deduplication: false,
            deduplication_scope: DeduplicationScope::Queue,
            fifo_throughput_limit: FifoThroughputLimit::PerQueue,
            redrive_policy: None,
            redrive_allow_policy: None,
            policy: None,
            kms_master_key_id: None,
            kms_data_key_reuse_period_seconds: 300,
            sqs_managed_sse_enabled: true,
        }
    }

    /// Applies `CreateQueue` (`on_create`) or `SetQueueAttributes` attributes, all or nothing.
    ///
    /// On create, a queue whose name ends in `.fifo` (`new(true)`) must be given
    /// `FifoQueue=true`, and `FifoQueue=true` needs such a name. Later, `FifoQueue` may only
    /// repeat `true` on a FIFO queue. FIFO-only attributes are rejected on standard queues.
    /// Whether the dead-letter target exists (and is FIFO iff this queue is) is the caller's
    /// check: this crate knows no other queue.
    pub fn apply(&mut self, attrs: &[(String, String)], on_create: bool) -> Result<(), Error> {
        let mut next = self.clone();
        let mut fifo_given = false;
        let mut sse_given = false;
        for (name, value) in attrs {
            match name.as_str() {
                "FifoQueue" => {
                    fifo_given = true;
                    next.apply_fifo_queue(value, on_create)?;
                }
                "SqsManagedSseEnabled" => {
                    sse_given = true;
                    next.sqs_managed_sse_enabled = parse_bool(name, value)?;
                }
                _ => next.apply_one(name, value)?,
            }
        }
        if on_create && self.fifo && !fifo_given {
            return Err(Error::InvalidParameterValue(STANDARD_NAME.into()));
        }
        if next.kms_master_key_id.is_some() && !sse_given {
            // SSE-KMS replaces SSE-SQS.
            next.sqs_managed_sse_enabled = false;
        }
        *self = next;
        Ok(())
    }

    fn apply_fifo_queue(&mut self, value: &str, on_create: bool) -> Result<(), Error> {
        let wants_fifo = value.eq_ignore_ascii_case("true");
        match (self.fifo, on_create) {
            (true, _) if wants_fifo => Ok(()),
            (true, true) => Err(Error::InvalidParameterValue(STANDARD_NAME.into())),
            (true, false) => Err(Error::InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.".into(),
            )),
            (false, true) if wants_fifo => Err(Error::InvalidParameterValue(FIFO_NAME.into())),
            (false, _) => Err(Error::unknown_attribute("FifoQueue")),
        }
    }

    fn apply_one(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match name {
            "VisibilityTimeout" => self.visibility_timeout = parse_int(name, value, 0, 43_200)?,
            "DelaySeconds" => self.delay_seconds = parse_int(name, value, 0, 900)?,
            "MessageRetentionPeriod" => {
                self.message_retention_period = parse_int(name, value, 60, 1_209_600)?
            }
            "MaximumMessageSize" => {
                self.maximum_message_size = parse_int(name, value, 1024, 1_048_576)?
            }
            "ReceiveMessageWaitTimeSeconds" => {
                self.receive_message_wait_time_seconds = parse_int(name, value, 0, 20)?
            }
            "KmsDataKeyReusePeriodSeconds" => {
                self.kms_data_key_reuse_period_seconds = parse_int(name, value, 60, 86_400)?
            }
            "KmsMasterKeyId" => {
                self.kms_master_key_id = (!value.is_empty()).then(|| value.to_string())
            }
            "Policy" => self.policy = parse_policy(value)?,
            "RedrivePolicy" => self.redrive_policy = parse_redrive_policy(value)?,
            "RedriveAllowPolicy" => self.redrive_allow_policy = parse_redrive_allow_policy(value)?,
            "ContentBasedDeduplication" if self.fifo => {
                self.content_based_deduplication = parse_bool(name, value)?
            }
            "DeduplicationScope" if self.fifo => {
                self.deduplication_scope = match value {
                    "queue" => DeduplicationScope::Queue,
                    "messageGroup" => DeduplicationScope::MessageGroup,
                    _ => return Err(Error::attribute_value(name)),
                }
            }
            "FifoThroughputLimit" if self.fifo => {
                self.fifo_throughput_limit = match value {
                    "perQueue" => FifoThroughputLimit::PerQueue,
                    "perMessageGroupId" => FifoThroughputLimit::PerMessageGroupId,
                    _ => return Err(Error::attribute_value(name)),
                }
            }
            "DeduplicationScope" | "FifoThroughputLimit" => {
                return Err(Error::InvalidAttributeName(format!(
                    "You can specify the {name} only when FifoQueue is set to true."
                )))
            }
            _ => return Err(Error::unknown_attribute(name)),
        }
        Ok(())
    }

    /// The settable attributes as `GetQueueAttributes` prints them, in a stable order.
    pub fn attributes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vec![
            (
                "VisibilityTimeout".into(),
                self.visibility_timeout.to_string(),
            ),
            ("DelaySeconds".into(), self.delay_seconds.to_string()),
            (
                "MessageRetentionPeriod".into(),
                self.message_retention_period.to_string(),
            ),
            (
                "MaximumMessageSize".into(),
                self.maximum_message_size.to_string(),
            ),
            (
                "ReceiveMessageWaitTimeSeconds".into(),
                self.receive_message_wait_time_seconds.to_string(),
            ),
            (
                "SqsManagedSseEnabled".into(),
                self.sqs_managed_sse_enabled.to_string(),
            ),
        ];
        if let Some(policy) = &self.policy {
            out.push(("Policy".into(), policy.clone()));
        }
        if let Some(redrive) = &self.redrive_policy {
            let mut map = Map::new();
            map.insert(
                "deadLetterTargetArn".into(),
                Value::from(redrive.dead_letter_target_arn.clone()),
            );
            map.insert(
                "maxReceiveCount".into(),
                Value::from(redrive.max_receive_count),
            );
            out.push(("RedrivePolicy".into(), Value::Object(map).to_string()));
        }
        if let Some(allow) = &self.redrive_allow_policy {
            out.push(("RedriveAllowPolicy".into(), allow.clone()));
        }
        if let Some(key) = &self.kms_master_key_id {
            out.push(("KmsMasterKeyId".into(), key.clone()));
            out.push((
                "KmsDataKeyReusePeriodSeconds".into(),
                self.kms_data_key_reuse_period_seconds.to_string(),
            ));
        }
        if self.fifo {
            out.push(("FifoQueue".into(), "true".into()));
            out.push((
                "ContentBasedDeduplication".into(),
                self.content_based_deduplication.to_string(),
            ));
            let scope = match self.deduplication_scope {
                DeduplicationScope::Queue => "queue",
                DeduplicationScope::MessageGroup => "messageGroup",
            };
            out.push(("DeduplicationScope".into(), scope.into()));
            let limit = match self.fifo_throughput_limit {
                FifoThroughputLimit::PerQueue => "perQueue",
                FifoThroughputLimit::PerMessageGroupId => "perMessageGroupId",
            };
            out.push(("FifoThroughputLimit".into(), limit.into()));
        }
        out
    }
}

fn parse_int(name: &str, value: &str, min: u32, max: u32) -> Result<u32, Error> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::attribute_value(name));
    }
    match digits.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Error::attribute_value(name)),
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(Error::attribute_value(name))
    }
}

fn parse_policy(value: &str) -> Result<Option<String>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(_)) => Ok(Some(value.to_string())),
        _ => Err(Error::attribute_value("Policy")),
    }
}

fn parse_redrive_policy(value: &str) -> Result<Option<RedrivePolicy>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: &str| Error::invalid_value(value, "RedrivePolicy", reason);
    let map = match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(map)) => map,
        _ => return Err(invalid("Redrive policy is not a valid JSON map.")),
    };
    let Some(arn) = map.get("deadLetterTargetArn") else {
        return Err(invalid(
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.",
        ));
    };
    let Some(count) = map.get("maxReceiveCount") else {
        return Err(invalid(
            "Redrive policy does not contain mandatory attribute: maxReceiveCount.",
        ));
    };
    if map.len() > 2 {
        return Err(invalid(
            "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].",
        ));
    }
    let count_text = match count {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let max_receive_count = match count_text.parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => n,
        _ => {
            return Err(invalid(&format!(
                "Invalid value for maxReceiveCount: {count_text}, valid values are from 1 to 1000 both inclusive."
            )))
        }
    };
    let arn = match arn {
        Value::String(s) if is_sqs_arn(s) => s.clone(),
        _ => return Err(invalid("Invalid value for deadLetterTargetArn.")),
    };
    Ok(Some(RedrivePolicy {
        dead_letter_target_arn: arn,
        max_receive_count,
    }))
}

/// `arn:<partition>:sqs:<region>:<account>:<name>` with every part present.
fn is_sqs_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sqs"
        && parts.iter().all(|p| !p.is_empty())
}

fn parse_redrive_allow_policy(value: &str) -> Result<Option<String>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: &str| Error::invalid_value(value, "RedriveAllowPolicy", reason);
    let map = match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(map)) => map,
        _ => return Err(invalid("Amazon SQS can't parse the redrive allow policy.")),
    };
    if map
        .keys()
        .any(|k| k != "redrivePermission" && k != "sourceQueueArns")
    {
        return Err(invalid(
            "Only following attributes are supported: [redrivePermission, sourceQueueArns].",
        ));
    }
    let permission = match map.get("redrivePermission") {
        Some(Value::String(p)) => p.as_str(),
        _ => {
            return Err(invalid(
                "Redrive allow policy does not contain mandatory attribute: redrivePermission.",
            ))
        }
    };
    let arns = map.get("sourceQueueArns");
    match permission {
        "allowAll" | "denyAll" if arns.is_some() => Err(invalid(
            "Only byQueue redrive permission allows the sourceQueueArns attribute.",
        )),
        "allowAll" | "denyAll" => Ok(Some(value.to_string())),
        "byQueue" => match arns {
            Some(Value::Array(list))
                if (1..=10).contains(&list.len())
                    && list.iter().all(|a| a.as_str().is_some_and(is_sqs_arn)) =>
            {
                Ok(Some(value.to_string()))
            }
            _ => Err(invalid(
                "The byQueue redrive permission needs 1 to 10 source queue ARNs in sourceQueueArns.",
            )),
        },
        _ => Err(invalid("Invalid value for redrivePermission.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn get(c: &QueueConfig, name: &str) -> Option<String> {
        c.attributes()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    #[test]
    fn defaults() {
        let c = QueueConfig::new(false);
        assert_eq!(get(&c, "VisibilityTimeout").as_deref(), Some("30"));
        assert_eq!(get(&c, "MessageRetentionPeriod").as_deref(), Some("345600"));
        assert_eq!(get(&c, "MaximumMessageSize").as_deref(), Some("262144"));
        assert_eq!(get(&c, "SqsManagedSseEnabled").as_deref(), Some("true"));
        assert_eq!(get(&c, "FifoQueue"), None);
        assert_eq!(get(&c, "RedrivePolicy"), None);
    }

    #[test]
    fn ranges() {
        let mut c = QueueConfig::new(false);
        c.apply(
            &attrs(&[("VisibilityTimeout", "43200"), ("DelaySeconds", "900")]),
            true,
        )
        .expect("valid");
        assert_eq!((c.visibility_timeout, c.delay_seconds), (43200, 900));
        for (name, bad) in [
            ("VisibilityTimeout", "43201"),
            ("DelaySeconds", "-1"),
            ("DelaySeconds", "abc"),
            ("MessageRetentionPeriod", "59"),
            ("MessageRetentionPeriod", "1209601"),
            ("MaximumMessageSize", "1023"),
            ("MaximumMessageSize", "1048577"),
            ("ReceiveMessageWaitTimeSeconds", "21"),
            ("KmsDataKeyReusePeriodSeconds", "59"),
            ("SqsManagedSseEnabled", "yes"),
            ("VisibilityTimeout", ""),
            ("VisibilityTimeout", "99999999999999999999"),
        ] {
            let e = c.clone().apply(&attrs(&[(name, bad)]), false).unwrap_err();
            assert_eq!(e.code(), "InvalidAttributeValue", "{name}={bad}");
            assert_eq!(
                e.to_string(),
                format!("Invalid value for the parameter {name}.")
            );
        }
    }

    #[test]
    fn all_or_nothing() {
        let mut c = QueueConfig::new(false);
        let before = c.clone();
        assert!(c
            .apply(
                &attrs(&[("DelaySeconds", "5"), ("VisibilityTimeout", "x")]),
                false
            )
            .is_err());
        assert_eq!(c, before);
    }

    #[test]
    fn unknown_and_read_only_names() {
        let mut c = QueueConfig::new(false);
        for name in [
            "Foo",
            "QueueArn",
            "ApproximateNumberOfMessages",
            "CreatedTimestamp",
        ] {
            let e = c.apply(&attrs(&[(name, "1")]), false).unwrap_err();
            assert_eq!(e.code(), "InvalidAttributeName");
            assert_eq!(e.to_string(), format!("Unknown Attribute {name}."));
        }
    }

    #[test]
    fn fifo_attributes_on_standard_queues() {
        let mut c = QueueConfig::new(false);
        let e = c
            .apply(&attrs(&[("FifoQueue", "false")]), true)
            .unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("InvalidAttributeName", "Unknown Attribute FifoQueue.")
        );
        let e = c
            .apply(&attrs(&[("FifoQueue", "true")]), false)
            .unwrap_err();
        assert_eq!(e.to_string(), "Unknown Attribute FifoQueue.");
        let e = c.apply(&attrs(&[("FifoQueue", "true")]), true).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("InvalidParameterValue", FIFO_NAME)
        );
        let e = c
            .apply(&attrs(&[("ContentBasedDeduplication", "false")]), true)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Unknown Attribute ContentBasedDeduplication."
        );
        let e = c
            .apply(&attrs(&[("DeduplicationScope", "queue")]), true)
            .unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            (
                "InvalidAttributeName",
                "You can specify the DeduplicationScope only when FifoQueue is set to true."
            )
        );
        let e = c
            .apply(&attrs(&[("FifoThroughputLimit", "perQueue")]), true)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true."
        );
    }

    #[test]
    fn fifo_queue_attribute() {
        let mut c = QueueConfig::new(true);
        let e = c.apply(&[], true).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("InvalidParameterValue", STANDARD_NAME)
        );
        assert!(c.apply(&attrs(&[("FifoQueue", "false")]), true).is_err());
        c.apply(
            &attrs(&[
                ("FifoQueue", "true"),
                ("ContentBasedDeduplication", "true"),
                ("DeduplicationScope", "messageGroup"),
                ("FifoThroughputLimit", "perMessageGroupId"),
            ]),
            true,
        )
        .expect("valid FIFO attributes");
        assert!(c.content_based_deduplication);
        assert_eq!(get(&c, "FifoQueue").as_deref(), Some("true"));
        assert_eq!(
            get(&c, "DeduplicationScope").as_deref(),
            Some("messageGroup")
        );
        assert_eq!(
            get(&c, "FifoThroughputLimit").as_deref(),
            Some("perMessageGroupId")
        );
        c.apply(&attrs(&[("FifoQueue", "true")]), false)
            .expect("repeating true is fine");
        let e = c
            .apply(&attrs(&[("FifoQueue", "false")]), false)
            .unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
        );
        assert!(c
            .apply(&attrs(&[("DeduplicationScope", "group")]), false)
            .is_err());
    }

    #[test]
    fn redrive_policy() {
        let mut c = QueueConfig::new(false);
        let arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
        c.apply(
            &attrs(&[(
                "RedrivePolicy",
                &format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"5"}}"#),
            )]),
            false,
        )
        .expect("valid");
        assert_eq!(
            c.redrive_policy,
            Some(RedrivePolicy {
                dead_letter_target_arn: arn.into(),
                max_receive_count: 5
            })
        );
        assert_eq!(
            get(&c, "RedrivePolicy").as_deref(),
            Some(
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5}"#
            )
        );
        let bad = |v: &str| {
            QueueConfig::new(false)
                .apply(&attrs(&[("RedrivePolicy", v)]), false)
                .unwrap_err()
        };
        assert_eq!(
            bad(r#"{"maxReceiveCount":"1000"}"#).to_string(),
            r#"Value {"maxReceiveCount":"1000"} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn."#
        );
        assert!(bad(&format!(r#"{{"deadLetterTargetArn":"{arn}"}}"#))
            .to_string()
            .ends_with("mandatory attribute: maxReceiveCount."));
        assert!(bad(&format!(
            r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":0}}"#
        ))
        .to_string()
        .ends_with(
            "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive."
        ));
        assert!(bad(&format!(
            r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":1001}}"#
        ))
        .to_string()
        .contains("1001"));
        assert!(bad(r#"{"deadLetterTargetArn":"nope","maxReceiveCount":1}"#)
            .to_string()
            .ends_with("Invalid value for deadLetterTargetArn."));
        assert!(bad("not json")
            .to_string()
            .ends_with("not a valid JSON map."));
        assert_eq!(bad("[]").code(), "InvalidParameterValue");
        c.apply(&attrs(&[("RedrivePolicy", "")]), false)
            .expect("clears");
        assert_eq!(c.redrive_policy, None);
    }

    #[test]
    fn redrive_allow_policy_and_policy() {
        let mut c = QueueConfig::new(false);
        c.apply(
            &attrs(&[("RedriveAllowPolicy", r#"{"redrivePermission":"allowAll"}"#)]),
            false,
        )
        .expect("valid");
        assert_eq!(
            get(&c, "RedriveAllowPolicy").as_deref(),
            Some(r#"{"redrivePermission":"allowAll"}"#)
        );
        let by_queue = r#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:src"]}"#;
        c.apply(&attrs(&[("RedriveAllowPolicy", by_queue)]), false)
            .expect("valid");
        for bad in [
            r#"{"redrivePermission":"byQueue"}"#,
            r#"{"redrivePermission":"allowAll","sourceQueueArns":[]}"#,
            r#"{"redrivePermission":"maybe"}"#,
            r#"{}"#,
            "x",
        ] {
            assert!(
                c.clone()
                    .apply(&attrs(&[("RedriveAllowPolicy", bad)]), false)
                    .is_err(),
                "{bad}"
            );
        }
        c.apply(
            &attrs(&[("Policy", r#"{"Version":"2012-10-17","Statement":[]}"#)]),
            false,
        )
        .expect("valid");
        assert!(get(&c, "Policy").is_some());
        assert_eq!(
            c.clone()
                .apply(&attrs(&[("Policy", "x")]), false)
                .unwrap_err()
                .code(),
            "InvalidAttributeValue"
        );
        c.apply(&attrs(&[("Policy", "")]), false).expect("clears");
        assert_eq!(get(&c, "Policy"), None);
    }

    #[test]
    fn kms() {
        let mut c = QueueConfig::new(false);
        c.apply(&attrs(&[("KmsMasterKeyId", "alias/aws/sqs")]), false)
            .expect("valid");
        assert!(!c.sqs_managed_sse_enabled);
        assert_eq!(get(&c, "KmsMasterKeyId").as_deref(), Some("alias/aws/sqs"));
        assert_eq!(
            get(&c, "KmsDataKeyReusePeriodSeconds").as_deref(),
            Some("300")
        );
    }
}
