//! Messages: what a sender gives ([`NewMessage`]), what is stored ([`StoredMessage`]), and
//! SQS's validation of bodies, message attributes and FIFO ids.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Milliseconds since the Unix epoch.
pub type Millis = u64;

/// Most message attributes a message may carry.
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;

/// An attribute on a message: a user attribute, or a system attribute such as `AWSTraceHeader`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAttribute {
    /// The attribute's name.
    pub name: String,
    /// `String`, `Number` or `Binary`, optionally followed by `.` and a custom label.
    pub data_type: String,
    /// The value.
    pub value: AttributeValue,
}

/// The value of a [`MessageAttribute`]: `StringValue` (for `String` and `Number` types) or
/// `BinaryValue` (for `Binary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeValue {
    /// A string (or a number written as a string).
    String(String),
    /// Raw bytes (stored as lowercase hex).
    Binary(#[serde(with = "hex_bytes")] Vec<u8>),
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// A message as a sender gives it to `SendMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The id the caller minted for it (a UUID in SQS).
    pub message_id: String,
    /// The body.
    pub body: String,
    /// User message attributes.
    pub attributes: Vec<MessageAttribute>,
    /// Message system attributes (only `AWSTraceHeader` may be sent).
    pub system_attributes: Vec<MessageAttribute>,
    /// Per-message delay (standard queues only).
    pub delay_seconds: Option<u32>,
    /// `MessageGroupId` (required on FIFO queues).
    pub group_id: Option<String>,
    /// `MessageDeduplicationId` (FIFO queues only).
    pub deduplication_id: Option<String>,
    /// The sender's id, returned as the `SenderId` system attribute.
    pub sender_id: String,
}

/// The outcome of a send: what `SendMessage` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message's sequence in its queue (the store key); for a duplicate, the first message's.
    pub seq: u64,
    /// The message id; for a duplicate, the first message's.
    pub message_id: String,
    /// `SequenceNumber` (FIFO queues).
    pub sequence_number: Option<String>,
    /// Whether this was a duplicate within the deduplication interval (nothing was added).
    pub duplicate: bool,
}

/// A message as it is persisted; this is the store encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Sequence within the queue: unique, increasing in send order.
    pub seq: u64,
    /// The message id.
    pub message_id: String,
    /// The body.
    pub body: String,
    /// User message attributes.
    pub attributes: Vec<MessageAttribute>,
    /// System attributes (`AWSTraceHeader`).
    pub system_attributes: Vec<MessageAttribute>,
    /// `MessageGroupId`.
    pub group_id: Option<String>,
    /// `MessageDeduplicationId` (explicit or derived from the body).
    pub deduplication_id: Option<String>,
    /// `SequenceNumber` (FIFO queues).
    pub sequence_number: Option<String>,
    /// `SenderId`.
    pub sender_id: String,
    /// When it was first sent (`SentTimestamp`); retention counts from here.
    pub sent_at: Millis,
    /// When it is (or becomes) visible to receivers.
    pub visible_at: Millis,
    /// `ApproximateReceiveCount`.
    pub receive_count: u32,
    /// `ApproximateFirstReceiveTimestamp`.
    pub first_received_at: Option<Millis>,
    /// `DeadLetterQueueSourceArn`: the queue that dead-lettered it.
    pub dead_letter_source_arn: Option<String>,
}

/// Checks a body: present, and only characters SQS allows.
pub(crate) fn check_body(body: &str) -> Result<(), Error> {
    if body.is_empty() {
        return Err(Error::MissingParameter(
            "The request must contain the parameter MessageBody.".into(),
        ));
    }
    if !valid_characters(body) {
        return Err(Error::InvalidMessageContents(INVALID_CHARACTERS.into()));
    }
    Ok(())
}

const INVALID_CHARACTERS: &str = "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

/// `#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF` (a Rust string
/// holds no surrogates, so only control characters and U+FFFE/U+FFFF can be wrong).
fn valid_characters(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    })
}

/// The size SQS counts against `MaximumMessageSize`: the body plus each attribute's name, data
/// type and value, in bytes.
pub(crate) fn message_size(body: &str, attrs: &[MessageAttribute]) -> usize {
    body.len()
        + attrs
            .iter()
            .map(|a| {
                a.name.len()
                    + a.data_type.len()
                    + match &a.value {
                        AttributeValue::String(s) => s.len(),
                        AttributeValue::Binary(b) => b.len(),
                    }
            })
            .sum::<usize>()
}

/// Checks user message attributes as SQS does.
pub(crate) fn check_attributes(attrs: &[MessageAttribute]) -> Result<(), Error> {
    if attrs.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(Error::InvalidParameterValue(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].",
            attrs.len()
        )));
    }
    for (i, attr) in attrs.iter().enumerate() {
        if attrs[..i].iter().any(|a| a.name == attr.name) {
            return Err(Error::InvalidParameterValue(format!(
                "Message (user) attribute name '{}' is repeated.",
                attr.name
            )));
        }
        check_attribute(attr)?;
    }
    Ok(())
}

fn check_attribute(attr: &MessageAttribute) -> Result<(), Error> {
    let name = attr.name.as_str();
    if name.is_empty() {
        return Err(Error::InvalidParameterValue(
            "The request must contain non-empty message (user) attribute names.".into(),
        ));
    }
    if name.len() >= 256 {
        return Err(Error::InvalidParameterValue(
            "Message (user) attribute names must be shorter than 256 Bytes".into(),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(Error::InvalidParameterValue(
            "Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ".into(),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.")
        || lower.starts_with("amazon.")
        || name.starts_with('.')
        || name.ends_with('.')
        || name.contains("..")
    {
        return Err(Error::InvalidParameterValue(
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.".into(),
        ));
    }
    check_data_type_and_value(attr, "Message (user) attribute")
}

fn check_data_type_and_value(attr: &MessageAttribute, what: &str) -> Result<(), Error> {
    let name = attr.name.as_str();
    let data_type = attr.data_type.as_str();
    if data_type.is_empty() {
        return Err(Error::InvalidParameterValue(
            "Missing required parameter DataType".into(),
        ));
    }
    if data_type.len() >= 256 {
        return Err(Error::InvalidParameterValue(format!(
            "{what} types must be shorter than 256 Bytes"
        )));
    }
    let base = base_type(data_type).ok_or_else(|| {
        Error::InvalidParameterValue(format!(
            "Type for parameter MessageAttributes.Attribute_name.DataType must be prefixed with \"String\", \"Binary\", or \"Number\", but was: {data_type}"
        ))
    })?;
    match (&attr.value, base) {
        (AttributeValue::String(s), "String" | "Number") => {
            if s.is_empty() {
                return Err(Error::InvalidParameterValue(format!(
                    "{what} '{name}' must contain a non-empty value of type '{base}'."
                )));
            }
            if !valid_characters(s) {
                return Err(Error::InvalidParameterValue(INVALID_CHARACTERS.into()));
            }
            if base == "Number" && !is_number(s) {
                return Err(Error::InvalidParameterValue(format!(
                    "Can't cast the value of message (user) attribute '{name}' to a number."
                )));
            }
            Ok(())
        }
        (AttributeValue::Binary(b), "Binary") => {
            if b.is_empty() {
                return Err(Error::InvalidParameterValue(format!(
                    "{what} '{name}' must contain a non-empty value of type '{base}'."
                )));
            }
            Ok(())
        }
        (_, "Binary") => Err(Error::InvalidParameterValue(format!(
            "The message attribute '{name}' with type 'Binary' must use field 'Binary'."
        ))),
        _ => Err(Error::InvalidParameterValue(format!(
            "The message attribute '{name}' with type '{base}' must use field 'String'."
        ))),
    }
}

/// `String`, `Number` or `Binary` for a data type such as `Number.float`, or `None`.
fn base_type(data_type: &str) -> Option<&'static str> {
    let (base, custom) = match data_type.split_once('.') {
        Some((base, custom)) => (base, Some(custom)),
        None => (data_type, None),
    };
    if custom.is_some_and(str::is_empty) {
        return None;
    }
    ["String", "Number", "Binary"]
        .into_iter()
        .find(|t| *t == base)
}

/// A decimal number as SQS accepts for `Number` attributes: optional sign, digits, optional
/// fraction and exponent.
fn is_number(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    }
}

/// Checks message system attributes: only `AWSTraceHeader`, of type `String`.
pub(crate) fn check_system_attributes(attrs: &[MessageAttribute]) -> Result<(), Error> {
    for (i, attr) in attrs.iter().enumerate() {
        if attr.name != "AWSTraceHeader" {
            return Err(Error::InvalidParameterValue(format!(
                "Message system attribute name '{}' is invalid.",
                attr.name
            )));
        }
        if attrs[..i].iter().any(|a| a.name == attr.name) {
            return Err(Error::InvalidParameterValue(format!(
                "Message system attribute name '{}' is repeated.",
                attr.name
            )));
        }
        if attr.data_type != "String" {
            return Err(Error::InvalidParameterValue(format!(
                "Message system attribute '{}' has an invalid data type. Only String type is supported.",
                attr.name
            )));
        }
        check_data_type_and_value(attr, "Message system attribute")?;
    }
    Ok(())
}

/// Checks a `MessageGroupId`, `MessageDeduplicationId` or `ReceiveRequestAttemptId`: 1 to 128
/// alphanumeric and punctuation characters.
pub(crate) fn check_fifo_id(id: &str, parameter: &str) -> Result<(), Error> {
    let ok = (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_value(
            id,
            parameter,
            &format!("{parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, data_type: &str, value: AttributeValue) -> MessageAttribute {
        MessageAttribute {
            name: name.into(),
            data_type: data_type.into(),
            value,
        }
    }
    fn s(v: &str) -> AttributeValue {
        AttributeValue::String(v.into())
    }

    #[test]
    fn bodies() {
        assert!(check_body("hello\tworld\r\n ✓ \u{10000}").is_ok());
        let e = check_body("").unwrap_err();
        assert_eq!(e.code(), "MissingParameter");
        assert_eq!(
            e.to_string(),
            "The request must contain the parameter MessageBody."
        );
        for bad in ["a\u{0}b", "\u{1}", "\u{FFFE}", "x\u{FFFF}", "\u{8}"] {
            let e = check_body(bad).unwrap_err();
            assert_eq!(e.code(), "InvalidMessageContents");
            assert_eq!(e.to_string(), INVALID_CHARACTERS);
        }
    }

    #[test]
    fn sizes_count_names_types_and_values() {
        let attrs = vec![
            attr("ab", "String", s("xyz")),
            attr("c", "Binary", AttributeValue::Binary(vec![1, 2])),
        ];
        assert_eq!(message_size("é", &attrs), 2 + (2 + 6 + 3) + (1 + 6 + 2));
    }

    #[test]
    fn attribute_rules() {
        let ok = vec![
            attr("a-b_c.d", "String", s("x")),
            attr("n", "Number.float", s("-1.5e3")),
            attr("bin", "Binary.gif", AttributeValue::Binary(vec![0])),
        ];
        assert!(check_attributes(&ok).is_ok());
        let too_many: Vec<_> = (0..11)
            .map(|i| attr(&format!("a{i}"), "String", s("x")))
            .collect();
        assert_eq!(
            check_attributes(&too_many).unwrap_err().to_string(),
            "Number of message attributes [11] exceeds the allowed maximum [10]."
        );
        let err = |a: MessageAttribute| check_attributes(&[a]).unwrap_err();
        assert_eq!(
            err(attr("ErrorDetails", "String", s(""))).to_string(),
            "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'."
        );
        assert!(err(attr("a b", "String", s("x")))
            .to_string()
            .contains("can only contain"));
        assert!(err(attr("AWS.x", "String", s("x")))
            .to_string()
            .contains("reserved"));
        assert!(err(attr("amazon.x", "String", s("x")))
            .to_string()
            .contains("reserved"));
        assert!(err(attr(".x", "String", s("x")))
            .to_string()
            .contains("reserved"));
        assert!(err(attr("x.", "String", s("x")))
            .to_string()
            .contains("reserved"));
        assert_eq!(
            err(attr("x", "Strin", s("x"))).to_string(),
            r#"Type for parameter MessageAttributes.Attribute_name.DataType must be prefixed with "String", "Binary", or "Number", but was: Strin"#
        );
        assert!(err(attr("x", "String.", s("x")))
            .to_string()
            .contains("must be prefixed"));
        assert_eq!(
            err(attr("x", "", s("x"))).to_string(),
            "Missing required parameter DataType"
        );
        assert!(err(attr("", "String", s("x")))
            .to_string()
            .contains("non-empty message (user) attribute names"));
        assert!(err(attr(&"a".repeat(256), "String", s("x")))
            .to_string()
            .contains("shorter than 256 Bytes"));
        assert!(check_attributes(&[attr(&"a".repeat(255), "String", s("x"))]).is_ok());
        assert_eq!(
            err(attr("Age", "Number", s("Hello"))).to_string(),
            "Can't cast the value of message (user) attribute 'Age' to a number."
        );
        assert!(err(attr("x", "Number", s("abc")))
            .to_string()
            .contains("to a number"));
        assert!(err(attr("x", "Binary", s("abc")))
            .to_string()
            .contains("must use field 'Binary'"));
        assert!(err(attr("x", "String", AttributeValue::Binary(vec![1])))
            .to_string()
            .contains("must use field 'String'"));
        assert!(err(attr("x", "String", s("\u{1}")))
            .to_string()
            .starts_with("Invalid characters"));
        let dup = vec![attr("a", "String", s("x")), attr("a", "String", s("y"))];
        assert!(check_attributes(&dup).is_err());
        assert_eq!(
            err(attr("x", "Number", s("abc"))).code(),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-1", "+2.5", "1e10", "1.", ".5", "3E-2"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", "-", ".", "1e", "e5", "1.2.3", "0x10", "NaN"] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn system_attributes() {
        assert!(check_system_attributes(&[attr("AWSTraceHeader", "String", s("Root=1"))]).is_ok());
        assert!(check_system_attributes(&[attr("Other", "String", s("x"))]).is_err());
        assert!(check_system_attributes(&[attr("AWSTraceHeader", "Number", s("1"))]).is_err());
    }

    #[test]
    fn fifo_ids() {
        assert!(check_fifo_id("group-1!~", "MessageGroupId").is_ok());
        assert_eq!(
            check_fifo_id("group 123", "MessageGroupId").unwrap_err().to_string(),
            "Value group 123 for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."
        );
        assert_eq!(
            check_fifo_id("", "MessageDeduplicationId").unwrap_err().to_string(),
            "Value  for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length."
        );
        assert!(check_fifo_id(&"a".repeat(129), "MessageGroupId").is_err());
        assert!(check_fifo_id(&"a".repeat(128), "MessageGroupId").is_ok());
    }

    #[test]
    fn stored_message_round_trips_through_json() {
        let m = StoredMessage {
            seq: 7,
            message_id: "id".into(),
            body: "b".into(),
            attributes: vec![attr("bin", "Binary", AttributeValue::Binary(vec![0, 255]))],
            system_attributes: vec![],
            group_id: Some("g".into()),
            deduplication_id: None,
            sequence_number: Some("00000000000000000007".into()),
            sender_id: "s".into(),
            sent_at: 1,
            visible_at: 2,
            receive_count: 3,
            first_received_at: Some(4),
            dead_letter_source_arn: None,
        };
        let json = serde_json::to_string(&m).expect("serializes");
        assert!(json.contains("\"00ff\""));
        let back: StoredMessage = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, m);
    }
}
