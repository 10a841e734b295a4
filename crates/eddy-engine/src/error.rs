//! Engine errors: a kind that every protocol maps to its own error shape, the incumbent's
//! error code where one service has a specific one, and a message for the caller.

/// What kind of failure; each protocol's front door maps kinds to its error shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The named resource does not exist.
    NotFound,
    /// A resource with that name exists already (and differs).
    AlreadyExists,
    /// The request is invalid.
    Validation,
    /// The event pattern is invalid.
    InvalidPattern,
    /// The request conflicts with the resource's state (e.g. deleting a bus with rules).
    Conflict,
    /// A limit on resources was reached.
    LimitExceeded,
    /// The engine failed; the cause is logged where it happened.
    Internal,
}

/// An engine error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// The kind.
    pub kind: Kind,
    /// The incumbent's error code where one applies (e.g. SQS's `ReceiptHandleIsInvalid`).
    pub code: Option<&'static str>,
    /// For the caller.
    pub message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// A [`Kind::Validation`] error.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(Kind::Validation, message)
    }

    /// A [`Kind::NotFound`] error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }

    /// A [`Kind::Internal`] error; say nothing more to the caller.
    pub fn internal() -> Self {
        Self::new(Kind::Internal, "internal error")
    }

    /// The same error with a service-specific code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

impl From<eddy_model::names::Error> for Error {
    fn from(err: eddy_model::names::Error) -> Self {
        Self::validation(err.0)
    }
}

impl From<eddy_queue::Error> for Error {
    fn from(err: eddy_queue::Error) -> Self {
        let code = err.code();
        Self::validation(err.to_string()).with_code(code)
    }
}
