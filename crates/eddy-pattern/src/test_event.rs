//! EventBridge's `TestEventPattern` operation: validate a pattern and an event the way the
//! API does, then answer whether the pattern matches.

use crate::json::{self, Value};
use crate::{Matcher, Pattern};

/// The envelope fields `TestEventPattern` requires in the event.
pub const REQUIRED_FIELDS: [&str; 6] = ["id", "account", "source", "time", "region", "detail-type"];

/// Why `TestEventPattern` refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The pattern is invalid (`InvalidEventPatternException`).
    #[error("Event pattern is not valid. Reason: {0}")]
    InvalidPattern(crate::pattern::Error),
    /// The event is not JSON, not an object, or lacks envelope fields (`ValidationException`).
    #[error("Parameter Event is not valid. Reason: {0}")]
    InvalidEvent(String),
}

/// Whether the event carries what `TestEventPattern` requires: a JSON object with the
/// envelope fields, where `detail`, if present, is an object.
pub fn validate_event(event: &Value) -> Result<(), String> {
    let Value::Object(_) = event else {
        return Err(format!(
            "the event is a JSON {}, not an object",
            event.kind()
        ));
    };
    let missing: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .copied()
        .filter(|f| event.get(f).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing envelope field(s): {}", missing.join(", ")));
    }
    if let Some(d) = event.get("detail") {
        if !matches!(d, Value::Object(_)) {
            return Err("detail must be a JSON object".into());
        }
    }
    Ok(())
}

/// Runs `TestEventPattern` on raw pattern and event documents.
pub fn test_event_pattern(pattern: &[u8], event: &[u8]) -> Result<bool, Error> {
    let p = Pattern::parse(pattern).map_err(Error::InvalidPattern)?;
    let ev = json::parse(event)
        .map_err(|e| Error::InvalidEvent(format!("the event is not JSON: {e}")))?;
    validate_event(&ev).map_err(Error::InvalidEvent)?;
    let mut m = Matcher::new();
    m.add_pattern((), p)
        .map_err(|e| Error::InvalidEvent(e.to_string()))?;
    m.has_match(event)
        .map_err(|e| Error::InvalidEvent(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_the_envelope() {
        let ev = br#"{"id":"1","account":"1","source":"s","time":"t","region":"r","detail-type":"d","detail":{"a":1}}"#;
        assert_eq!(test_event_pattern(br#"{"detail":{"a":[1]}}"#, ev), Ok(true));
        assert_eq!(
            test_event_pattern(br#"{"detail":{"a":[2]}}"#, ev),
            Ok(false)
        );
        assert!(matches!(
            test_event_pattern(br#"{"source":["s"]}"#, br#"{"testEvent": "value"}"#),
            Err(Error::InvalidEvent(_))
        ));
        assert!(matches!(
            test_event_pattern(br#"{"source":["s"]}"#, b"plain string"),
            Err(Error::InvalidEvent(_))
        ));
        assert!(matches!(
            test_event_pattern(br#"{"source":["s"]}"#, br#"["plain string"]"#),
            Err(Error::InvalidEvent(_))
        ));
        assert!(matches!(
            test_event_pattern(br#"{"source":[]}"#, ev),
            Err(Error::InvalidPattern(_))
        ));
    }

    /// A pattern or event that is not UTF-8 is no JSON: refused, not read with U+FFFD.
    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let ev = b"{\"id\":\"1\",\"account\":\"1\",\"source\":\"s\",\"time\":\"t\",\"region\":\"r\",\"detail-type\":\"d\",\"detail\":{\"a\":\"x\xffy\"}}";
        let got = test_event_pattern(br#"{"source":["s"]}"#, ev);
        assert!(
            matches!(&got, Err(Error::InvalidEvent(m)) if m.contains("Invalid UTF-8 start byte 0xff")),
            "{got:?}"
        );
        let got = test_event_pattern(b"{\"detail\":{\"a\":[\"x\xffy\"]}}", ev);
        assert!(
            matches!(&got, Err(Error::InvalidPattern(e)) if e.reason == "Invalid UTF-8 start byte 0xff"),
            "{got:?}"
        );
    }
}
