//! The errors of queue operations: one variant per SQS error code, each displaying SQS's message.

/// What went wrong, as SQS reports it. [`Error::code`] gives the wire code; `Display` gives the
/// message SQS sends with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `InvalidParameterValue`: a request parameter is out of range or malformed.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `MissingParameter`: a required parameter is absent.
    #[error("{0}")]
    MissingParameter(String),
    /// `InvalidAttributeName`: a queue attribute that does not exist, or not for this queue type.
    #[error("{0}")]
    InvalidAttributeName(String),
    /// `InvalidAttributeValue`: a queue attribute's value is invalid.
    #[error("{0}")]
    InvalidAttributeValue(String),
    /// `InvalidMessageContents`: the body holds characters SQS does not allow.
    #[error("{0}")]
    InvalidMessageContents(String),
    /// `ReceiptHandleIsInvalid`: the receipt handle is malformed or belongs to another queue.
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    /// `MessageNotInflight`: the message is not in flight, so its visibility cannot change.
    #[error("The message referred to isn't in flight.")]
    MessageNotInflight,
}

impl Error {
    /// The SQS error code (the shape name of botocore's SQS model), e.g. `"InvalidParameterValue"`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidParameterValue(_) => "InvalidParameterValue",
            Error::MissingParameter(_) => "MissingParameter",
            Error::InvalidAttributeName(_) => "InvalidAttributeName",
            Error::InvalidAttributeValue(_) => "InvalidAttributeValue",
            Error::InvalidMessageContents(_) => "InvalidMessageContents",
            Error::ReceiptHandleIsInvalid(_) => "ReceiptHandleIsInvalid",
            Error::MessageNotInflight => "MessageNotInflight",
        }
    }

    /// The code the query (XML) protocol and the `x-amzn-query-error` header use: SQS prefixes
    /// some codes with `AWS.SimpleQueueService.`.
    pub fn query_code(&self) -> &'static str {
        match self {
            Error::MessageNotInflight => "AWS.SimpleQueueService.MessageNotInflight",
            other => other.code(),
        }
    }

    /// `"Invalid value for the parameter {name}."`, SQS's message for a bad queue attribute.
    pub(crate) fn attribute_value(name: &str) -> Self {
        Error::InvalidAttributeValue(format!("Invalid value for the parameter {name}."))
    }

    /// `"Unknown Attribute {name}."`
    pub(crate) fn unknown_attribute(name: &str) -> Self {
        Error::InvalidAttributeName(format!("Unknown Attribute {name}."))
    }

    /// `"Value {value} for parameter {param} is invalid. Reason: {reason}"`
    pub(crate) fn invalid_value(value: impl std::fmt::Display, param: &str, reason: &str) -> Self {
        Error::InvalidParameterValue(format!(
            "Value {value} for parameter {param} is invalid. Reason: {reason}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = Error::invalid_value(
            11,
            "MaxNumberOfMessages",
            "Must be between 1 and 10, if provided.",
        );
        assert_eq!(e.code(), "InvalidParameterValue");
        assert_eq!(
            e.to_string(),
            "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
        );
        assert_eq!(Error::MessageNotInflight.code(), "MessageNotInflight");
        assert_eq!(
            Error::MessageNotInflight.query_code(),
            "AWS.SimpleQueueService.MessageNotInflight"
        );
        assert_eq!(
            Error::unknown_attribute("Foo").to_string(),
            "Unknown Attribute Foo."
        );
        assert_eq!(
            Error::attribute_value("DelaySeconds").code(),
            "InvalidAttributeValue"
        );
    }
}
