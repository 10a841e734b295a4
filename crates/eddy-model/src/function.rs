//! Functions as the engine and the function host (`eddy-runtime`) speak of them: what to
//! run ([`FunctionSpec`]), one call ([`Invocation`]), how it ended ([`Outcome`],
//! [`InvokeFailure`]) and the log lines instances write ([`LogRecord`]).
//!
//! Data only: the engine decides when to invoke, the host runs the processes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How an instance of a function is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeKind {
    /// An executable `bootstrap` in the code directory, or an explicit command.
    Provided,
    /// Python 3 with the bootstrap Eddy carries; the handler is `module.function`.
    Python3,
    /// Node.js with the bootstrap Eddy carries; the handler is `module.function`.
    Nodejs,
}

impl RuntimeKind {
    /// Maps a runtime identifier as AWS spells it (`python3.12`, `nodejs20.x`,
    /// `provided.al2023`, ...) or as Eddy does (`python3`, `nodejs`, `provided`).
    pub fn from_identifier(id: &str) -> Option<RuntimeKind> {
        if id == "python3" || id.strip_prefix("python3.").is_some_and(is_digits) {
            Some(RuntimeKind::Python3)
        } else if id == "nodejs"
            || id
                .strip_prefix("nodejs")
                .and_then(|rest| rest.strip_suffix(".x"))
                .is_some_and(is_digits)
        {
            Some(RuntimeKind::Nodejs)
        } else if matches!(id, "provided" | "provided.al2" | "provided.al2023") {
            Some(RuntimeKind::Provided)
        } else {
            None
        }
    }

    /// Eddy's name of the runtime.
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeKind::Provided => "provided",
            RuntimeKind::Python3 => "python3",
            RuntimeKind::Nodejs => "nodejs",
        }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Everything the host needs to run instances of one function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSpec {
    /// The function's name.
    pub name: String,
    /// Its ARN (`Lambda-Runtime-Invoked-Function-Arn`).
    pub arn: String,
    /// The version instances report (`$LATEST`).
    pub version: String,
    /// How instances start.
    pub runtime: RuntimeKind,
    /// For `provided`: the command to run instead of `<code_dir>/bootstrap` (program and
    /// arguments); empty otherwise.
    pub command: Vec<String>,
    /// The directory holding the code; instances run in it (`LAMBDA_TASK_ROOT`).
    pub code_dir: String,
    /// The handler (`_HANDLER`), e.g. `app.handler`.
    pub handler: String,
    /// Environment variables set by the user.
    pub environment: BTreeMap<String, String>,
    /// How long one invocation may run.
    pub timeout_ms: u64,
    /// The memory limit in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    pub memory_mb: u32,
    /// At most this many instances at once.
    pub max_instances: u32,
    /// Keep at least this many instances started, also when idle.
    pub min_warm: u32,
    /// An instance idle this long is stopped (unless needed for `min_warm`).
    pub idle_ms: u64,
    /// The region (`AWS_REGION`, `AWS_DEFAULT_REGION`).
    pub region: String,
    /// Where AWS SDK calls made inside the function go (`AWS_ENDPOINT_URL`).
    pub endpoint_url: String,
    /// A digest of the code and configuration: when it changes, instances started for the
    /// old value finish their invocation and stop, and new ones start with the new spec.
    pub revision: String,
}

/// One call of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The event, as the handler receives it (JSON text).
    pub payload: Vec<u8>,
    /// `Lambda-Runtime-Client-Context`, if the caller gave one (JSON text).
    pub client_context: Option<String>,
    /// `Lambda-Runtime-Trace-Id`, if any.
    pub trace_id: Option<String>,
}

/// How an invocation ended, whatever the handler did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The response, or the error document (`{"errorMessage", "errorType", ...}`).
    pub payload: Vec<u8>,
    /// Set when the invocation failed (`X-Amz-Function-Error: Unhandled`): handler errors,
    /// timeouts, crashes, init errors.
    pub error_type: Option<String>,
    /// The invocation's own log lines, START to REPORT, as text (the caller takes the last
    /// 4 KB for `X-Amz-Log-Result`).
    pub log: String,
    /// How long the handler ran, in ms.
    pub duration_ms: f64,
    /// On a cold start: how long the instance took to ask for its first invocation, in ms.
    pub init_duration_ms: Option<f64>,
}

/// Why an invocation did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeFailure {
    /// Every instance the function may have is busy (sync callers get 429).
    Throttled,
    /// The host has no such function.
    NotFound,
    /// The host cannot start an instance at all (the interpreter is missing, the code
    /// directory is gone, ...): the message says what.
    Unavailable(String),
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// The instance's standard output.
    Stdout,
    /// The instance's standard error.
    Stderr,
    /// A line the host writes: START, END, REPORT, INIT and crash reports.
    Platform,
}

/// One line written by an instance or by the host about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Increasing per host, from 1.
    pub seq: u64,
    /// When the line was read, in ms since the epoch.
    pub time_ms: u64,
    /// The function.
    pub function: String,
    /// The instance that wrote it (host-chosen id).
    pub instance: String,
    /// The invocation in flight on that instance when the line was read, if any.
    pub request_id: Option<String>,
    /// Where it came from.
    pub stream: LogStream,
    /// The line, without its newline.
    pub line: String,
}

#[cfg(test)]
mod tests {
    use super::RuntimeKind;

    #[test]
    fn runtime_identifiers_map_as_aws_spells_them() {
        for (id, kind) in [
            ("python3.12", Some(RuntimeKind::Python3)),
            ("python3.9", Some(RuntimeKind::Python3)),
            ("python3", Some(RuntimeKind::Python3)),
            ("nodejs20.x", Some(RuntimeKind::Nodejs)),
            ("nodejs", Some(RuntimeKind::Nodejs)),
            ("provided", Some(RuntimeKind::Provided)),
            ("provided.al2", Some(RuntimeKind::Provided)),
            ("provided.al2023", Some(RuntimeKind::Provided)),
            ("java21", None),
            ("python2.7", None),
            ("nodejs20", None),
            ("python3.", None),
        ] {
            assert_eq!(RuntimeKind::from_identifier(id), kind, "{id}");
        }
    }
}
