//! Resource names, each checked once when it is made: holding one means it is valid.

use std::fmt;

/// Why a name was refused; the message is EventBridge's or SQS's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

fn check(
    value: &str,
    what: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    pattern: &str,
) -> Result<(), Error> {
    if value.is_empty() || value.chars().count() > max {
        return Err(Error(format!(
            "1 validation error detected: Value '{value}' at '{what}' failed to satisfy constraint: Member must have length less than or equal to {max} and greater than or equal to 1"
        )));
    }
    if !value.chars().all(allowed) {
        return Err(Error(format!(
            "1 validation error detected: Value '{value}' at '{what}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
        )));
    }
    Ok(())
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// An event bus name: 1–256 of `[/.\-_A-Za-z0-9]` (partner buses contain `/`).
    BusName
);
name_type!(
    /// A rule name: 1–64 of `[.\-_A-Za-z0-9]`.
    RuleName
);
name_type!(
    /// A target id, unique within its rule: 1–64 of `[.\-_A-Za-z0-9]`.
    TargetId
);
name_type!(
    /// A queue name: 1–80 of `[-_A-Za-z0-9]`, FIFO queues ending in `.fifo`.
    QueueName
);

impl BusName {
    /// The bus that always exists.
    pub fn default_bus() -> Self {
        Self("default".to_owned())
    }

    /// Checks a bus name; `what` is the request member it came from (for the message).
    pub fn parse(value: &str, what: &str) -> Result<Self, Error> {
        check(
            value,
            what,
            256,
            |c| word(c) || c == '/',
            "[/\\.\\-_A-Za-z0-9]+",
        )?;
        Ok(Self(value.to_owned()))
    }

    /// Whether this is the `default` bus.
    pub fn is_default(&self) -> bool {
        self.0 == "default"
    }
}

impl RuleName {
    /// Checks a rule name; `what` is the request member it came from.
    pub fn parse(value: &str, what: &str) -> Result<Self, Error> {
        check(value, what, 64, word, "[\\.\\-_A-Za-z0-9]+")?;
        Ok(Self(value.to_owned()))
    }
}

impl TargetId {
    /// Checks a target id; `what` is the request member it came from.
    pub fn parse(value: &str, what: &str) -> Result<Self, Error> {
        check(value, what, 64, word, "[\\.\\-_A-Za-z0-9]+")?;
        Ok(Self(value.to_owned()))
    }
}

impl QueueName {
    /// Checks a queue name as CreateQueue does.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let stem = value.strip_suffix(".fifo").unwrap_or(value);
        let ok = !value.is_empty()
            && value.len() <= 80
            && !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(Error(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
                    .to_owned(),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Whether the name marks a FIFO queue (ends in `.fifo`).
    pub fn is_fifo(&self) -> bool {
        self.0.ends_with(".fifo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_aws_character_sets() {
        assert!(BusName::parse("orders/prod.v1", "Name").is_ok());
        assert!(BusName::parse("", "Name").is_err());
        assert!(RuleName::parse("a/b", "Name").is_err());
        assert!(RuleName::parse(&"r".repeat(64), "Name").is_ok());
        assert!(RuleName::parse(&"r".repeat(65), "Name").is_err());
        assert!(QueueName::parse("jobs.fifo").is_ok_and(|q| q.is_fifo()));
        assert!(QueueName::parse("jobs").is_ok_and(|q| !q.is_fifo()));
        assert!(QueueName::parse(".fifo").is_err());
        assert!(QueueName::parse("a.b").is_err());
        assert!(QueueName::parse(&"q".repeat(81)).is_err());
    }

    #[test]
    fn messages_name_the_member() {
        let err = RuleName::parse("bad name", "Name").unwrap_err();
        assert!(err.0.contains("at 'Name'"), "{err}");
    }
}
