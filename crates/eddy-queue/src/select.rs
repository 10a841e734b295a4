//! Which attributes a receive returns: `AttributeNames` / `MessageSystemAttributeNames` pick
//! system attributes, `MessageAttributeNames` picks user attributes.

use crate::message::{AttributeValue, MessageAttribute, StoredMessage};

/// The system attributes SQS returns on received messages, in the order they are printed.
pub const SYSTEM_ATTRIBUTE_NAMES: [&str; 9] = [
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

/// The system attributes `names` ask for (`All`, or names from [`SYSTEM_ATTRIBUTE_NAMES`]) that
/// `msg` has, as SQS names and formats them (timestamps in epoch milliseconds). Unknown names
/// select nothing.
pub fn select_system_attributes(msg: &StoredMessage, names: &[String]) -> Vec<(String, String)> {
    let all = names.iter().any(|n| n == "All");
    let wanted = |name: &str| all || names.iter().any(|n| n == name);
    let mut out = Vec::new();
    for name in SYSTEM_ATTRIBUTE_NAMES {
        if !wanted(name) {
            continue;
        }
        let value = match name {
            "SenderId" => Some(msg.sender_id.clone()),
            "SentTimestamp" => Some(msg.sent_at.to_string()),
            "ApproximateReceiveCount" => Some(msg.receive_count.to_string()),
            "ApproximateFirstReceiveTimestamp" => msg.first_received_at.map(|t| t.to_string()),
            "SequenceNumber" => msg.sequence_number.clone(),
            "MessageDeduplicationId" => msg.deduplication_id.clone(),
            "MessageGroupId" => msg.group_id.clone(),
            "AWSTraceHeader" => msg
                .system_attributes
                .iter()
                .find(|a| a.name == "AWSTraceHeader")
                .and_then(|a| match &a.value {
                    AttributeValue::String(s) => Some(s.clone()),
                    AttributeValue::Binary(_) => None,
                }),
            "DeadLetterQueueSourceArn" => msg.dead_letter_source_arn.clone(),
            _ => None,
        };
        if let Some(value) = value {
            out.push((name.to_string(), value));
        }
    }
    out
}

/// The user attributes `names` ask for: `All` or `.*` for all, exact names, or `prefix.*` for
/// names starting with `prefix.`. In the message's order.
pub fn select_message_attributes<'a>(
    msg: &'a StoredMessage,
    names: &[String],
) -> Vec<&'a MessageAttribute> {
    if names.iter().any(|n| n == "All" || n == ".*") {
        return msg.attributes.iter().collect();
    }
    msg.attributes
        .iter()
        .filter(|a| {
            names.iter().any(|n| match n.strip_suffix(".*") {
                // `Foo.*` selects `Foo.a`, not `Foobar`: keep the dot in the prefix.
                Some(_) => a.name.starts_with(&n[..n.len() - 1]),
                None => *n == a.name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> StoredMessage {
        let s = |name: &str| MessageAttribute {
            name: name.into(),
            data_type: "String".into(),
            value: AttributeValue::String("v".into()),
        };
        StoredMessage {
            seq: 1,
            message_id: "m".into(),
            body: "b".into(),
            attributes: vec![s("Foo.a"), s("Foo.b"), s("Bar"), s("Foobar")],
            system_attributes: vec![MessageAttribute {
                name: "AWSTraceHeader".into(),
                data_type: "String".into(),
                value: AttributeValue::String("Root=1".into()),
            }],
            group_id: Some("g".into()),
            deduplication_id: Some("d".into()),
            sequence_number: Some("00000000000000000001".into()),
            sender_id: "AIDAEXAMPLE".into(),
            sent_at: 1000,
            visible_at: 0,
            receive_count: 2,
            first_received_at: Some(1500),
            dead_letter_source_arn: None,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn system_attributes() {
        let m = msg();
        let all = select_system_attributes(&m, &names(&["All"]));
        let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "SenderId",
                "SentTimestamp",
                "ApproximateReceiveCount",
                "ApproximateFirstReceiveTimestamp",
                "SequenceNumber",
                "MessageDeduplicationId",
                "MessageGroupId",
                "AWSTraceHeader"
            ]
        );
        assert_eq!(
            select_system_attributes(
                &m,
                &names(&["SentTimestamp", "ApproximateReceiveCount", "Nope"])
            ),
            vec![
                ("SentTimestamp".to_string(), "1000".to_string()),
                ("ApproximateReceiveCount".to_string(), "2".to_string())
            ]
        );
        assert!(select_system_attributes(&m, &[]).is_empty());
    }

    #[test]
    fn message_attributes() {
        let m = msg();
        let pick = |n: &[&str]| -> Vec<String> {
            select_message_attributes(&m, &names(n))
                .iter()
                .map(|a| a.name.clone())
                .collect()
        };
        assert_eq!(pick(&["All"]).len(), 4);
        assert_eq!(pick(&[".*"]).len(), 4);
        assert_eq!(pick(&["Bar"]), ["Bar"]);
        assert_eq!(pick(&["Foo.*"]), ["Foo.a", "Foo.b"]);
        assert_eq!(pick(&["Foo*"]), Vec::<String>::new());
        assert!(pick(&[]).is_empty());
    }
}
