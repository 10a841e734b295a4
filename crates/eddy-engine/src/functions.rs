//! Functions (Lambda): their definitions and code, synchronous invocation, and
//! asynchronous invocation — durably queued, retried as the function's event-invoke
//! configuration says, then sent to the on-failure destination or the dead-letter queue.
//!
//! The engine runs no processes: the [`FunctionHost`] the binary provides (`eddy-runtime`)
//! starts instances and speaks the Lambda Runtime API with them. The engine decides what
//! is invoked, when, and what happens with the outcome.
//!
//! An asynchronous invocation is stored as a pending delivery in the same commit as the
//! request that made it (an `Invoke` with `Event`, or an event routed to a function
//! target), and removed when it succeeded or was sent on to its failure destination.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use base64::Engine as _;
use eddy_model::arn::Arn;
use eddy_model::function::{
    FunctionSpec, Invocation, InvokeFailure, LogRecord, Outcome, RuntimeKind,
};
use eddy_model::names::{BusName, QueueName};
use eddy_queue::{AttributeValue, MessageAttribute, NewMessage};
use eddy_store::{Op, ResourceKind};
use serde::{Deserialize, Serialize};

use crate::delivery::Delivery;
use crate::error::{Error, Kind};
use crate::queues::Plan;
use crate::resources::Tags;
use crate::{Engine, Registry};

/// The largest synchronous request or response payload, as Lambda allows.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest asynchronous request payload.
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;
/// The largest zip upload (Lambda's direct-upload limit).
pub const MAX_ZIP: usize = 50 * 1024 * 1024;
/// The largest unzipped code.
pub const MAX_UNZIPPED: u64 = 262_144_000;
/// How many bytes of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;
/// Environment variable names the platform sets and a function may not.
const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Runs function instances for the engine (implemented by the binary with
/// `eddy-runtime`).
pub trait FunctionHost: Send + Sync + 'static {
    /// Creates or replaces a function; instances of an older revision stop after their
    /// current invocation.
    fn deploy(&self, spec: FunctionSpec);
    /// Stops every instance of a function.
    fn remove(&self, name: &str);
    /// Runs one invocation; when every instance is busy it waits for one if `wait`, else
    /// fails with [`InvokeFailure::Throttled`].
    fn invoke(
        &self,
        name: &str,
        invocation: Invocation,
        wait: bool,
    ) -> Pin<Box<dyn Future<Output = Result<Outcome, InvokeFailure>> + Send>>;
    /// Log lines of a function after `after_seq`, oldest first.
    fn logs(&self, name: &str, after_seq: u64, limit: usize) -> Vec<LogRecord>;
    /// Every log line from now on.
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<LogRecord>;
    /// Instances of a function: (running, busy, starting).
    fn instances(&self, name: &str) -> Option<(u32, u32, u32)>;
}

/// Where a function's code is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// Uploaded as a zip and unpacked by Eddy into `dir`.
    Zip {
        /// Where it is unpacked.
        dir: String,
        /// Base64 SHA-256 of the zip (Lambda's `CodeSha256`).
        sha256: String,
        /// Size of the zip in bytes.
        size: u64,
    },
    /// A directory on this machine, used in place.
    Directory {
        /// Its absolute path.
        path: String,
    },
}

impl Code {
    /// The directory instances run in.
    pub fn dir(&self) -> &str {
        match self {
            Code::Zip { dir, .. } => dir,
            Code::Directory { path } => path,
        }
    }
}

/// What happens with asynchronous invocations (Lambda's `FunctionEventInvokeConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventInvokeConfig {
    /// Retries after a function error, 0–2 (default 2).
    #[serde(default)]
    pub maximum_retry_attempts: Option<u32>,
    /// Oldest an event may be when an attempt starts, 60–21600 s (default 21600).
    #[serde(default)]
    pub maximum_event_age_in_seconds: Option<u32>,
    /// Where the record of a successful invocation goes (queue, bus or function ARN).
    #[serde(default)]
    pub on_success: Option<String>,
    /// Where the record of a failed invocation goes.
    #[serde(default)]
    pub on_failure: Option<String>,
    /// When it last changed, ms since the epoch.
    #[serde(default)]
    pub modified_at: u64,
}

impl EventInvokeConfig {
    fn retries(&self) -> u32 {
        self.maximum_retry_attempts.unwrap_or(2)
    }

    fn max_age_ms(&self) -> u64 {
        u64::from(self.maximum_event_age_in_seconds.unwrap_or(21_600)) * 1000
    }
}

/// A function as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionDef {
    /// Its name.
    pub name: String,
    /// The runtime identifier as given (`python3.12`, `provided.al2023`, `nodejs`).
    pub runtime: String,
    /// The handler (`app.handler`).
    pub handler: String,
    /// Its code.
    pub code: Code,
    /// For `provided`: the command to run instead of `bootstrap`.
    #[serde(default)]
    pub command: Vec<String>,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// The execution role (kept, not used: no IAM here).
    #[serde(default)]
    pub role: Option<String>,
    /// Seconds one invocation may run, 1–900.
    pub timeout: u32,
    /// Memory limit in MB, 128–10240.
    pub memory_size: u32,
    /// Environment variables.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Reserved concurrency: at most this many instances (0 stops all invocations).
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Instances kept started while idle.
    #[serde(default)]
    pub min_warm: u32,
    /// Seconds an instance may idle before it is stopped.
    pub idle_timeout: u32,
    /// Asynchronous invocation settings.
    #[serde(default)]
    pub event_invoke_config: Option<EventInvokeConfig>,
    /// `DeadLetterConfig.TargetArn`: a queue for failed asynchronous events.
    #[serde(default)]
    pub dead_letter_arn: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: Tags,
    /// Its resource-based policy's statements (AddPermission), kept and shown, not
    /// enforced: there is no IAM here.
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
    /// When it was created, ms since the epoch.
    pub created_at: u64,
    /// When its code or configuration last changed.
    pub modified_at: u64,
    /// Changes with every update (Lambda's `RevisionId`).
    pub revision_id: String,
}

impl FunctionDef {
    /// The runtime kind its identifier maps to.
    pub fn runtime_kind(&self) -> RuntimeKind {
        RuntimeKind::from_identifier(&self.runtime).unwrap_or(RuntimeKind::Provided)
    }
}

/// Code as a caller gives it.
#[derive(Debug, Clone)]
pub enum CodeInput {
    /// A zip archive's bytes.
    Zip(Vec<u8>),
    /// A directory on this machine.
    Directory(String),
}

/// Settings a caller gives on create or update; absent members keep their value (or
/// take the default on create).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The runtime identifier.
    pub runtime: Option<String>,
    /// The handler.
    pub handler: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The role.
    pub role: Option<String>,
    /// Timeout in seconds.
    pub timeout: Option<u32>,
    /// Memory in MB.
    pub memory_size: Option<u32>,
    /// Environment variables (replace all).
    pub environment: Option<BTreeMap<String, String>>,
    /// The command for `provided`.
    pub command: Option<Vec<String>>,
    /// Instances kept warm.
    pub min_warm: Option<u32>,
    /// Idle seconds before an instance stops.
    pub idle_timeout: Option<u32>,
    /// The dead-letter queue (an empty string removes it).
    pub dead_letter_arn: Option<String>,
}

/// How a caller wants a function invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue it durably and answer at once.
    Event,
    /// Only check that the call would be allowed.
    DryRun,
}

impl InvocationType {
    /// Reads `X-Amz-Invocation-Type`.
    pub fn parse(text: &str) -> Option<InvocationType> {
        match text {
            "RequestResponse" => Some(InvocationType::RequestResponse),
            "Event" => Some(InvocationType::Event),
            "DryRun" => Some(InvocationType::DryRun),
            _ => None,
        }
    }
}

/// An invoke call.
#[derive(Debug, Clone)]
pub struct InvokeRequest {
    /// Sync, async or dry run.
    pub invocation_type: InvocationType,
    /// The event (JSON text; empty means `{}`).
    pub payload: Vec<u8>,
    /// The client context as JSON text (decoded from `X-Amz-Client-Context`).
    pub client_context: Option<String>,
    /// Return the last 4 KB of the log (`X-Amz-Log-Type: Tail`).
    pub tail: bool,
}

/// What an invoke call answers.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeResponse {
    /// 200 (sync), 202 (queued) or 204 (dry run).
    pub status: u16,
    /// The function's response or error document.
    pub payload: Vec<u8>,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<String>,
    /// `X-Amz-Log-Result`: base64 of the log's last 4 KB.
    pub log_result: Option<String>,
    /// The request id.
    pub request_id: String,
}

/// An asynchronous invocation waiting in the store (inside a pending delivery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AsyncInvoke {
    /// The function.
    pub(crate) function: String,
    /// The request id, kept across retries as Lambda does.
    pub(crate) request_id: String,
}

/// A function's instance counts, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Instances {
    /// Started.
    pub running: u32,
    /// Running an invocation.
    pub busy: u32,
    /// Starting.
    pub starting: u32,
}

impl Engine {
    /// Attaches the host that runs function instances and deploys every stored function
    /// on it; `endpoint_url` is where AWS SDK calls inside functions go.
    pub fn attach_function_host(
        &self,
        host: std::sync::Arc<dyn FunctionHost>,
        endpoint_url: String,
    ) {
        let _ = self.inner.endpoint_url.set(endpoint_url);
        if self.inner.host.set(host).is_err() {
            return;
        }
        let defs: Vec<FunctionDef> = self.read().functions.values().cloned().collect();
        for def in defs {
            self.deploy(&def);
        }
        self.start_all_pollers();
        let weak = std::sync::Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let Some(inner) = weak.upgrade() else { return };
                Engine { inner }.check_code_directories().await;
            }
        });
    }

    /// Redeploys functions whose code directory changed (files added, removed, resized or
    /// touched), so the next invocation runs the new code.
    async fn check_code_directories(&self) {
        let dirs: Vec<(String, String)> = self
            .read()
            .functions
            .values()
            .filter_map(|def| match &def.code {
                Code::Directory { path } => Some((def.name.clone(), path.clone())),
                Code::Zip { .. } => None,
            })
            .collect();
        if dirs.is_empty() {
            return;
        }
        let Ok(prints) = tokio::task::spawn_blocking(move || {
            dirs.into_iter()
                .map(|(name, dir)| (name, fingerprint(Path::new(&dir))))
                .collect::<Vec<_>>()
        })
        .await
        else {
            return;
        };
        for (name, print) in prints {
            let changed = {
                let mut known = self
                    .inner
                    .fingerprints
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let previous = known.insert(name.clone(), print);
                previous.is_some_and(|p| p != print)
            };
            if changed {
                if let Ok(def) = self.get_function(&name) {
                    tracing::info!(function = name, "code changed; new instances run it");
                    self.deploy(&def);
                }
            }
        }
    }

    /// Stops the pollers of event source mappings (at shutdown).
    pub fn stop_pollers(&self) {
        self.inner.pollers.stop_all();
    }

    fn host(&self) -> Option<&std::sync::Arc<dyn FunctionHost>> {
        self.inner.host.get()
    }

    /// The ARN of a function.
    pub fn function_arn(&self, name: &str) -> String {
        let scope = &self.inner.config.scope;
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            scope.region, scope.account
        )
    }

    fn spec(&self, def: &FunctionDef) -> FunctionSpec {
        FunctionSpec {
            name: def.name.clone(),
            arn: self.function_arn(&def.name),
            version: "$LATEST".to_owned(),
            runtime: def.runtime_kind(),
            command: def.command.clone(),
            code_dir: def.code.dir().to_owned(),
            handler: def.handler.clone(),
            environment: def.environment.clone(),
            timeout_ms: u64::from(def.timeout) * 1000,
            memory_mb: def.memory_size,
            max_instances: def
                .reserved_concurrency
                .unwrap_or(self.inner.config.functions.max_instances),
            min_warm: def.min_warm,
            idle_ms: u64::from(def.idle_timeout) * 1000,
            region: self.inner.config.scope.region.clone(),
            endpoint_url: self.inner.endpoint_url.get().cloned().unwrap_or_default(),
            revision: match self
                .inner
                .fingerprints
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&def.name)
            {
                Some(print) => format!("{}-{print:x}", def.revision_id),
                None => def.revision_id.clone(),
            },
        }
    }

    fn deploy(&self, def: &FunctionDef) {
        if let Some(host) = self.host() {
            host.deploy(self.spec(def));
        }
    }

    /// Reads a function name as Lambda accepts it: the name, `name:$LATEST`, a partial
    /// ARN (`ACCOUNT:function:name`) or a full ARN.
    pub fn function_name(&self, given: &str) -> Result<String, Error> {
        let rest = given
            .strip_prefix("arn:")
            .map(|_| {
                Arn::parse(given)
                    .filter(|arn| arn.service == "lambda")
                    .and_then(|arn| arn.resource.strip_prefix("function:"))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| {
                let parts: Vec<&str> = given.split(':').collect();
                match parts.as_slice() {
                    [_, "function", ..] => Some(parts[2..].join(":")),
                    _ => Some(given.to_owned()),
                }
            })
            .ok_or_else(|| invalid(format!("1 validation error detected: Value '{given}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")))?;
        let (name, qualifier) = match rest.split_once(':') {
            Some((name, qualifier)) => (name, Some(qualifier)),
            None => (rest.as_str(), None),
        };
        check_name(name)?;
        if let Some(qualifier) = qualifier {
            if qualifier != "$LATEST" {
                return Err(self.function_not_found(&format!("{name}:{qualifier}")));
            }
        }
        Ok(name.to_owned())
    }

    fn function_not_found(&self, name: &str) -> Error {
        Error::not_found(format!("Function not found: {}", self.function_arn(name)))
            .with_code("ResourceNotFoundException")
    }

    /// CreateFunction.
    pub async fn create_function(
        &self,
        name: &str,
        code: CodeInput,
        settings: Settings,
        tags: Tags,
    ) -> Result<FunctionDef, Error> {
        check_name(name)?;
        if self.read().functions.contains_key(name) {
            return Err(Error::new(
                Kind::AlreadyExists,
                format!("Function already exist: {name}"),
            )
            .with_code("ResourceConflictException"));
        }
        let runtime = settings.runtime.clone().ok_or_else(|| {
            invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        })?;
        let handler = settings.handler.clone().unwrap_or_default();
        if handler.is_empty()
            && RuntimeKind::from_identifier(&runtime) != Some(RuntimeKind::Provided)
        {
            return Err(invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."));
        }
        let now = self.now();
        let code = self.store_code(name, code).await?;
        let mut def = FunctionDef {
            name: name.to_owned(),
            runtime,
            handler,
            code,
            command: Vec::new(),
            description: String::new(),
            role: None,
            timeout: 3,
            memory_size: 128,
            environment: BTreeMap::new(),
            reserved_concurrency: None,
            min_warm: 0,
            idle_timeout: self.inner.config.functions.idle_timeout_s,
            event_invoke_config: None,
            dead_letter_arn: None,
            tags,
            policy: Vec::new(),
            created_at: now,
            modified_at: now,
            revision_id: uuid::Uuid::new_v4().to_string(),
        };
        apply_settings(&mut def, settings)?;
        let op = function_op(&def);
        {
            let mut registry = self.write();
            if registry.functions.contains_key(name) {
                return Err(Error::new(
                    Kind::AlreadyExists,
                    format!("Function already exist: {name}"),
                )
                .with_code("ResourceConflictException"));
            }
            registry.functions.insert(def.name.clone(), def.clone());
        }
        self.inner.writer.commit(vec![op]).wait().await?;
        self.deploy(&def);
        Ok(def)
    }

    /// Creates a function or replaces its code and settings (the native API and stack
    /// files); unchanged input leaves it as it is.
    pub async fn put_function(
        &self,
        name: &str,
        code: CodeInput,
        settings: Settings,
        tags: Tags,
    ) -> Result<FunctionDef, Error> {
        check_name(name)?;
        if !self.read().functions.contains_key(name) {
            return self.create_function(name, code, settings, tags).await;
        }
        self.update_function_code(name, code).await?;
        self.update_function_configuration(name, settings).await?;
        self.change_function_metadata(name, move |def| {
            let changed = def.tags != tags;
            def.tags = tags;
            Ok(changed)
        })
        .await
    }

    /// UpdateFunctionCode.
    pub async fn update_function_code(
        &self,
        name: &str,
        code: CodeInput,
    ) -> Result<FunctionDef, Error> {
        self.get_function(name)?;
        let code = self.store_code(name, code).await?;
        self.change_function(name, move |def| {
            if def.code == code {
                return Ok(false);
            }
            def.code = code;
            Ok(true)
        })
        .await
    }

    /// UpdateFunctionConfiguration.
    pub async fn update_function_configuration(
        &self,
        name: &str,
        settings: Settings,
    ) -> Result<FunctionDef, Error> {
        self.change_function(name, move |def| {
            let before = def.clone();
            apply_settings(def, settings)?;
            Ok(*def != before)
        })
        .await
    }

    /// Applies `change` to a function; when it reports a change, the function gets a new
    /// revision, is stored and redeployed.
    async fn change_function(
        &self,
        name: &str,
        change: impl FnOnce(&mut FunctionDef) -> Result<bool, Error>,
    ) -> Result<FunctionDef, Error> {
        self.change_function_as(name, true, change).await
    }

    /// Changes what instances do not see (tags, the policy): no new revision, no
    /// redeploy.
    async fn change_function_metadata(
        &self,
        name: &str,
        change: impl FnOnce(&mut FunctionDef) -> Result<bool, Error>,
    ) -> Result<FunctionDef, Error> {
        self.change_function_as(name, false, change).await
    }

    async fn change_function_as(
        &self,
        name: &str,
        new_revision: bool,
        change: impl FnOnce(&mut FunctionDef) -> Result<bool, Error>,
    ) -> Result<FunctionDef, Error> {
        let now = self.now();
        let (def, op) = {
            let mut registry = self.write();
            let Some(def) = registry.functions.get_mut(name) else {
                return Err(self.function_not_found(name));
            };
            let mut next = def.clone();
            if !change(&mut next)? {
                return Ok(next);
            }
            if new_revision {
                next.modified_at = now;
                next.revision_id = uuid::Uuid::new_v4().to_string();
            }
            *def = next.clone();
            let op = function_op(&next);
            (next, op)
        };
        self.inner.writer.commit(vec![op]).wait().await?;
        if new_revision {
            self.deploy(&def);
        }
        Ok(def)
    }

    /// TagResource (`remove` empty) or UntagResource (`add` empty).
    pub async fn tag_function(
        &self,
        name: &str,
        add: Tags,
        remove: Vec<String>,
    ) -> Result<FunctionDef, Error> {
        self.change_function_metadata(name, move |def| {
            let before = def.tags.clone();
            def.tags.extend(add);
            for key in &remove {
                def.tags.remove(key);
            }
            if def.tags.len() > 50 {
                return Err(invalid("A function may have at most 50 tags."));
            }
            Ok(def.tags != before)
        })
        .await
    }

    /// AddPermission: adds a statement (its `Sid` must be new) to the function's policy.
    pub async fn add_permission(
        &self,
        name: &str,
        statement: serde_json::Value,
    ) -> Result<FunctionDef, Error> {
        let sid = statement
            .get("Sid")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        self.change_function_metadata(name, move |def| {
            if def.policy.iter().any(|s| s.get("Sid").and_then(serde_json::Value::as_str) == Some(sid.as_str())) {
                return Err(Error::new(
                    Kind::Conflict,
                    "The statement id (sid) provided already exists. Please choose another statement id, or remove the existing statement.",
                )
                .with_code("ResourceConflictException"));
            }
            def.policy.push(statement);
            Ok(true)
        })
        .await
    }

    /// RemovePermission.
    pub async fn remove_permission(&self, name: &str, sid: &str) -> Result<FunctionDef, Error> {
        let sid = sid.to_owned();
        self.change_function_metadata(name, move |def| {
            let before = def.policy.len();
            def.policy
                .retain(|s| s.get("Sid").and_then(serde_json::Value::as_str) != Some(sid.as_str()));
            if def.policy.len() == before {
                return Err(Error::not_found(format!(
                    "Statement {sid} is not found in resource policy."
                ))
                .with_code("ResourceNotFoundException"));
            }
            Ok(true)
        })
        .await
    }

    /// GetFunction / GetFunctionConfiguration.
    pub fn get_function(&self, name: &str) -> Result<FunctionDef, Error> {
        self.read()
            .functions
            .get(name)
            .cloned()
            .ok_or_else(|| self.function_not_found(name))
    }

    /// ListFunctions, by name.
    pub fn list_functions(&self) -> Vec<FunctionDef> {
        self.read().functions.values().cloned().collect()
    }

    /// DeleteFunction: stops its instances and removes its unpacked code.
    pub async fn delete_function(&self, name: &str) -> Result<(), Error> {
        let def = {
            let mut registry = self.write();
            registry
                .functions
                .remove(name)
                .ok_or_else(|| self.function_not_found(name))?
        };
        self.inner
            .writer
            .commit(vec![Op::DeleteResource {
                kind: ResourceKind::Function,
                key: name.to_owned(),
            }])
            .wait()
            .await?;
        if let Some(host) = self.host() {
            host.remove(name);
        }
        let mappings: Vec<String> = self
            .read()
            .mappings
            .values()
            .filter(|m| m.function == name)
            .map(|m| m.uuid.clone())
            .collect();
        for uuid in mappings {
            let _ = self.delete_event_source_mapping(&uuid).await;
        }
        if let (Code::Zip { .. }, Some(root)) = (&def.code, &self.inner.config.functions.code_dir) {
            let dir = root.join(name);
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
        }
        Ok(())
    }

    /// PutFunctionConcurrency (`None` removes the reservation).
    pub async fn set_function_concurrency(
        &self,
        name: &str,
        reserved: Option<u32>,
    ) -> Result<FunctionDef, Error> {
        if let Some(n) = reserved {
            if n > self.inner.config.functions.account_concurrency {
                return Err(invalid(format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0]. ({n} > {})",
                    self.inner.config.functions.account_concurrency
                )));
            }
        }
        self.change_function(name, move |def| {
            let changed = def.reserved_concurrency != reserved;
            def.reserved_concurrency = reserved;
            Ok(changed)
        })
        .await
    }

    /// PutFunctionEventInvokeConfig (replace) or UpdateFunctionEventInvokeConfig (merge).
    pub async fn set_event_invoke_config(
        &self,
        name: &str,
        config: EventInvokeConfig,
        merge: bool,
    ) -> Result<EventInvokeConfig, Error> {
        if let Some(n) = config.maximum_retry_attempts {
            if n > 2 {
                return Err(invalid(format!("1 validation error detected: Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")));
            }
        }
        if let Some(n) = config.maximum_event_age_in_seconds {
            if !(60..=21_600).contains(&n) {
                return Err(invalid(format!("1 validation error detected: Value '{n}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {} 21600", if n < 60 { "greater than or equal to 60" } else { "less than or equal to" })));
            }
        }
        for arn in [&config.on_success, &config.on_failure]
            .into_iter()
            .flatten()
        {
            self.check_destination(arn)?;
        }
        let now = self.now();
        let def = self
            .change_function(name, move |def| {
                let mut next = if merge {
                    def.event_invoke_config.clone().unwrap_or_default()
                } else {
                    EventInvokeConfig::default()
                };
                if !merge || config.maximum_retry_attempts.is_some() {
                    next.maximum_retry_attempts = config.maximum_retry_attempts;
                }
                if !merge || config.maximum_event_age_in_seconds.is_some() {
                    next.maximum_event_age_in_seconds = config.maximum_event_age_in_seconds;
                }
                if !merge || config.on_success.is_some() {
                    next.on_success = config.on_success.filter(|a| !a.is_empty());
                }
                if !merge || config.on_failure.is_some() {
                    next.on_failure = config.on_failure.filter(|a| !a.is_empty());
                }
                next.modified_at = now;
                def.event_invoke_config = Some(next);
                Ok(true)
            })
            .await?;
        Ok(def.event_invoke_config.unwrap_or_default())
    }

    /// GetFunctionEventInvokeConfig.
    pub fn event_invoke_config(&self, name: &str) -> Result<EventInvokeConfig, Error> {
        self.get_function(name)?.event_invoke_config.ok_or_else(|| {
            Error::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                self.function_arn(name)
            ))
            .with_code("ResourceNotFoundException")
        })
    }

    /// DeleteFunctionEventInvokeConfig.
    pub async fn delete_event_invoke_config(&self, name: &str) -> Result<(), Error> {
        self.event_invoke_config(name)?;
        self.change_function(name, |def| {
            def.event_invoke_config = None;
            Ok(true)
        })
        .await
        .map(drop)
    }

    fn check_destination(&self, arn: &str) -> Result<(), Error> {
        if arn.is_empty() {
            return Ok(());
        }
        let ok = Arn::parse(arn).is_some_and(|a| match a.service {
            "sqs" => QueueName::parse(a.resource).is_ok(),
            "events" => a
                .resource
                .strip_prefix("event-bus/")
                .is_some_and(|b| BusName::parse(b, "Destination").is_ok()),
            "lambda" => a.resource.starts_with("function:"),
            _ => false,
        });
        if ok {
            Ok(())
        } else {
            Err(invalid(format!(
                "The provided destination config DestinationConfig is invalid: {arn} is not a queue, bus or function ARN."
            )))
        }
    }

    /// A function's instance counts, if the host runs it.
    pub fn function_instances(&self, name: &str) -> Instances {
        self.host()
            .and_then(|h| h.instances(name))
            .map(|(running, busy, starting)| Instances {
                running,
                busy,
                starting,
            })
            .unwrap_or_default()
    }

    /// Log lines of a function after `after_seq`.
    pub fn function_logs(
        &self,
        name: &str,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<LogRecord>, Error> {
        self.get_function(name)?;
        Ok(self
            .host()
            .map(|h| h.logs(name, after_seq, limit))
            .unwrap_or_default())
    }

    /// Every log line from now on (for `--follow`).
    pub fn subscribe_logs(&self) -> Option<tokio::sync::broadcast::Receiver<LogRecord>> {
        self.host().map(|h| h.subscribe())
    }

    /// Invoke.
    pub async fn invoke(
        &self,
        name: &str,
        request: InvokeRequest,
    ) -> Result<InvokeResponse, Error> {
        let def = self.get_function(name)?;
        let payload = if request.payload.iter().all(u8::is_ascii_whitespace) {
            b"{}".to_vec()
        } else {
            request.payload
        };
        let limit = if request.invocation_type == InvocationType::Event {
            MAX_ASYNC_PAYLOAD
        } else {
            MAX_SYNC_PAYLOAD
        };
        if payload.len() > limit {
            return Err(Error::new(
                Kind::Validation,
                format!(
                    "{} byte payload is too large for the {} invocation type (limit {limit} bytes)",
                    payload.len(),
                    if limit == MAX_ASYNC_PAYLOAD {
                        "Event"
                    } else {
                        "RequestResponse"
                    }
                ),
            )
            .with_code("RequestTooLargeException"));
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err() {
            return Err(invalid(
                "Could not parse request body into json: Could not parse payload into json",
            )
            .with_code("InvalidRequestContentException"));
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        match request.invocation_type {
            InvocationType::DryRun => Ok(InvokeResponse {
                status: 204,
                payload: Vec::new(),
                function_error: None,
                log_result: None,
                request_id,
            }),
            InvocationType::Event => {
                let mut plan = Plan::default();
                plan.deliver(self.async_invocation(
                    &def.name,
                    request_id.clone(),
                    payload,
                    String::new(),
                ));
                plan.commit(self).await?;
                Ok(InvokeResponse {
                    status: 202,
                    payload: Vec::new(),
                    function_error: None,
                    log_result: None,
                    request_id,
                })
            }
            InvocationType::RequestResponse => {
                if def.reserved_concurrency == Some(0) {
                    return Err(throttled(&def));
                }
                let Some(host) = self.host() else {
                    return Err(Error::new(Kind::Internal, "this Eddy runs no functions"));
                };
                let invocation = Invocation {
                    request_id: request_id.clone(),
                    payload,
                    client_context: request.client_context,
                    trace_id: None,
                };
                let outcome = match host.invoke(&def.name, invocation, false).await {
                    Ok(outcome) => outcome,
                    Err(InvokeFailure::Throttled) => return Err(throttled(&def)),
                    Err(InvokeFailure::NotFound) => return Err(self.function_not_found(name)),
                    Err(InvokeFailure::Unavailable(message)) => unavailable(&request_id, &message),
                };
                let log_result = request.tail.then(|| {
                    let log = outcome.log.as_bytes();
                    let mut start = log.len().saturating_sub(TAIL_BYTES);
                    while start < log.len() && (log[start] & 0xC0) == 0x80 {
                        start += 1;
                    }
                    base64::engine::general_purpose::STANDARD.encode(&log[start..])
                });
                Ok(InvokeResponse {
                    status: 200,
                    payload: outcome.payload,
                    function_error: outcome.error_type.map(|_| "Unhandled".to_owned()),
                    log_result,
                    request_id,
                })
            }
        }
    }

    /// A pending delivery that invokes `function` asynchronously.
    pub(crate) fn async_invocation(
        &self,
        function: &str,
        request_id: String,
        payload: Vec<u8>,
        rule_arn: String,
    ) -> Delivery {
        let now = self.now();
        Delivery {
            id: self.delivery_id(),
            rule_arn,
            target_id: String::new(),
            target_arn: self.function_arn(function),
            destination: String::new(),
            http: None,
            retry: Default::default(),
            dead_letter_arn: None,
            payload: String::from_utf8(payload).unwrap_or_default(),
            event: String::new(),
            ingested_at: now,
            attempts: 0,
            due_at: now,
            invoke: Some(AsyncInvoke {
                function: function.to_owned(),
                request_id,
            }),
        }
    }

    /// Runs an asynchronous invocation until it succeeds or is given up.
    pub(crate) async fn run_async_invoke(&self, mut delivery: Delivery) {
        let Some(call) = delivery.invoke.clone() else {
            return;
        };
        loop {
            let now = self.now();
            if delivery.due_at > now {
                tokio::time::sleep(Duration::from_millis(delivery.due_at - now)).await;
            }
            let Ok(def) = self.get_function(&call.function) else {
                tracing::warn!(
                    function = call.function,
                    "asynchronous invocation dropped: the function no longer exists"
                );
                self.inner
                    .writer
                    .submit(vec![Op::DeleteDelivery { id: delivery.id }]);
                return;
            };
            let config = def.event_invoke_config.clone().unwrap_or_default();
            let now = self.now();
            if now.saturating_sub(delivery.ingested_at) > config.max_age_ms() {
                self.finish_async(&def, &delivery, &call, None, "EventAgeExceeded")
                    .await;
                return;
            }
            let outcome = match self.host() {
                None => unavailable(&call.request_id, "this Eddy runs no functions"),
                Some(_) if def.reserved_concurrency == Some(0) => {
                    // Throttled: Lambda keeps the event and tries again later, without
                    // counting an attempt.
                    delivery.due_at = self.now() + self.inner.config.functions.retry_delay_ms;
                    self.inner.writer.submit(vec![delivery.op()]);
                    continue;
                }
                Some(host) => {
                    let invocation = Invocation {
                        request_id: call.request_id.clone(),
                        payload: delivery.payload.clone().into_bytes(),
                        client_context: None,
                        trace_id: None,
                    };
                    match host.invoke(&def.name, invocation, true).await {
                        Ok(outcome) => outcome,
                        Err(InvokeFailure::Throttled | InvokeFailure::NotFound) => {
                            delivery.due_at =
                                self.now() + self.inner.config.functions.retry_delay_ms;
                            self.inner.writer.submit(vec![delivery.op()]);
                            continue;
                        }
                        Err(InvokeFailure::Unavailable(message)) => {
                            unavailable(&call.request_id, &message)
                        }
                    }
                }
            };
            delivery.attempts += 1;
            if outcome.error_type.is_none() {
                self.finish_async(&def, &delivery, &call, Some(&outcome), "Success")
                    .await;
                return;
            }
            if delivery.attempts > config.retries() {
                self.finish_async(&def, &delivery, &call, Some(&outcome), "RetriesExhausted")
                    .await;
                return;
            }
            delivery.due_at = self.now()
                + self.inner.config.functions.retry_delay_ms * u64::from(delivery.attempts);
            tracing::debug!(
                function = def.name,
                request = call.request_id,
                attempts = delivery.attempts,
                "asynchronous invocation failed; it will be retried"
            );
            self.inner.writer.submit(vec![delivery.op()]);
        }
    }

    /// Sends the invocation record to the success or failure destination (or the failed
    /// event to the dead-letter queue) and forgets the invocation, in one commit.
    async fn finish_async(
        &self,
        def: &FunctionDef,
        delivery: &Delivery,
        call: &AsyncInvoke,
        outcome: Option<&Outcome>,
        condition: &str,
    ) {
        let success = condition == "Success";
        let config = def.event_invoke_config.clone().unwrap_or_default();
        let destination = if success {
            config.on_success.clone()
        } else {
            config.on_failure.clone()
        };
        let mut plan = Plan::default();
        let now = self.now();
        if let Some(destination) = destination {
            let record = invocation_record(
                &self.function_arn(&def.name),
                call,
                delivery,
                outcome,
                condition,
                now,
            );
            let result = {
                let registry = self.read();
                self.send_record(
                    &registry,
                    &destination,
                    &def.name,
                    record,
                    success,
                    &mut plan,
                    now,
                )
            };
            if let Err(message) = result {
                tracing::warn!(
                    function = def.name,
                    destination,
                    error = message,
                    "invocation record not delivered"
                );
            }
        } else if !success {
            if let Some(dlq) = &def.dead_letter_arn {
                let registry = self.read();
                let message = outcome
                    .map(|o| error_message(&o.payload))
                    .unwrap_or_else(|| "Event age exceeded".to_owned());
                let error_code = if outcome.is_some() {
                    "200"
                } else {
                    "EventAgeExceeded"
                };
                if let Err(message) = self.send_to_queue_arn(
                    &registry,
                    dlq,
                    delivery.payload.clone(),
                    vec![
                        attribute("RequestID", call.request_id.clone()),
                        attribute("ErrorCode", error_code.to_owned()),
                        attribute("ErrorMessage", message),
                    ],
                    &mut plan,
                    now,
                ) {
                    tracing::warn!(
                        function = def.name,
                        error = message,
                        "failed event not dead-lettered"
                    );
                }
            } else {
                tracing::warn!(function = def.name, request = call.request_id, condition, "asynchronous invocation failed and the function has no failure destination or dead-letter queue");
            }
        }
        plan.ops.push(Op::DeleteDelivery { id: delivery.id });
        if plan.commit(self).await.is_err() {
            tracing::error!(
                delivery = delivery.id,
                "invocation result not stored; the invocation stays pending"
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send_record(
        &self,
        registry: &Registry,
        destination: &str,
        function: &str,
        record: String,
        success: bool,
        plan: &mut Plan,
        now: u64,
    ) -> Result<(), String> {
        let arn = Arn::parse(destination).ok_or_else(|| format!("{destination} is not an ARN"))?;
        match arn.service {
            "sqs" => self.send_to_queue_arn(registry, destination, record, Vec::new(), plan, now),
            "events" => {
                let bus = arn
                    .resource
                    .strip_prefix("event-bus/")
                    .and_then(|b| BusName::parse(b, "Destination").ok())
                    .ok_or_else(|| format!("{destination} is not a bus"))?;
                let event = eddy_model::event::Event {
                    id: uuid::Uuid::new_v4().to_string(),
                    detail_type: if success {
                        "Lambda Function Invocation Result - Success".to_owned()
                    } else {
                        "Lambda Function Invocation Result - Failure".to_owned()
                    },
                    source: "lambda".to_owned(),
                    account: self.inner.config.scope.account.clone(),
                    time: i64::try_from(now / 1000).unwrap_or(i64::MAX),
                    region: self.inner.config.scope.region.clone(),
                    resources: vec![self.function_arn(function)],
                    detail: record,
                };
                self.route_event(registry, &bus, &event, now, plan);
                Ok(())
            }
            "lambda" => {
                let name = arn
                    .resource
                    .strip_prefix("function:")
                    .and_then(|r| r.split(':').next())
                    .ok_or_else(|| format!("{destination} is not a function"))?;
                if !registry.functions.contains_key(name) {
                    return Err(format!("function {name} does not exist"));
                }
                plan.deliver(self.async_invocation(
                    name,
                    uuid::Uuid::new_v4().to_string(),
                    record.into_bytes(),
                    String::new(),
                ));
                Ok(())
            }
            other => Err(format!("{other} destinations are not supported")),
        }
    }

    fn send_to_queue_arn(
        &self,
        registry: &Registry,
        arn: &str,
        body: String,
        attributes: Vec<MessageAttribute>,
        plan: &mut Plan,
        now: u64,
    ) -> Result<(), String> {
        let cell = Arn::parse(arn)
            .filter(|a| a.service == "sqs")
            .and_then(|a| QueueName::parse(a.resource).ok())
            .and_then(|name| registry.queues.get(&name).cloned())
            .ok_or_else(|| format!("queue {arn} does not exist"))?;
        let fifo = cell.lock().config().fifo;
        let message = NewMessage {
            message_id: uuid::Uuid::new_v4().to_string(),
            body,
            attributes,
            system_attributes: Vec::new(),
            delay_seconds: None,
            group_id: fifo.then(|| "eddy-lambda".to_owned()),
            deduplication_id: fifo.then(|| uuid::Uuid::new_v4().to_string()),
            sender_id: crate::queues::SENDER_ID.to_owned(),
        };
        plan.send(&cell, message, now)
            .map(drop)
            .map_err(|e| e.message)
    }

    /// Unpacks uploaded code (or checks a directory) and says where it is.
    async fn store_code(&self, name: &str, code: CodeInput) -> Result<Code, Error> {
        match code {
            CodeInput::Directory(path) => {
                let dir = PathBuf::from(&path);
                if !dir.is_absolute() {
                    return Err(invalid(format!(
                        "The code directory {path} must be an absolute path."
                    )));
                }
                if !dir.is_dir() {
                    return Err(invalid(format!(
                        "The code directory {path} does not exist."
                    )));
                }
                Ok(Code::Directory { path })
            }
            CodeInput::Zip(bytes) => {
                if bytes.len() > MAX_ZIP {
                    return Err(Error::new(
                        Kind::Validation,
                        format!("Request must be smaller than {MAX_ZIP} bytes for the CreateFunction operation"),
                    )
                    .with_code("RequestTooLargeException"));
                }
                let Some(root) = self.inner.config.functions.code_dir.clone() else {
                    return Err(invalid("This Eddy has no directory for function code."));
                };
                let name = name.to_owned();
                tokio::task::spawn_blocking(move || unpack(&root, &name, &bytes))
                    .await
                    .map_err(|_| Error::internal())?
            }
        }
    }
}

/// A digest of a directory's entries (names, sizes, modification times), at most 20,000
/// entries deep-first; cheap enough to take every second.
fn fingerprint(dir: &Path) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            seen += 1;
            if seen > 20_000 {
                return hasher.finish();
            }
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') || name == "__pycache__" {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            entry.path().hash(&mut hasher);
            meta.len().hash(&mut hasher);
            if let Ok(modified) = meta.modified() {
                modified.hash(&mut hasher);
            }
            if meta.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    hasher.finish()
}

/// Unpacks a zip into `<root>/<name>/<digest>` (once per digest).
fn unpack(root: &Path, name: &str, bytes: &[u8]) -> Result<Code, Error> {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let sha256 = base64::engine::general_purpose::STANDARD.encode(digest);
    let dir = root.join(name).join(hex::encode(&digest[..12]));
    let code = Code::Zip {
        dir: dir.to_string_lossy().into_owned(),
        sha256,
        size: bytes.len() as u64,
    };
    if dir.is_dir() {
        return Ok(code);
    }
    let bad_zip = |err: &dyn std::fmt::Display| {
        invalid(format!("Could not unzip uploaded file. Please check your file, then try to upload again. ({err})"))
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad_zip(&e))?;
    let staging = root
        .join(name)
        .join(format!(".staging-{}", uuid::Uuid::new_v4()));
    let result = (|| {
        let mut total = 0u64;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| bad_zip(&e))?;
            let Some(relative) = entry.enclosed_name() else {
                return Err(bad_zip(&format!(
                    "entry {} leaves the archive",
                    entry.name()
                )));
            };
            let path = staging.join(relative);
            if entry.is_dir() {
                std::fs::create_dir_all(&path).map_err(io_error)?;
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error)?;
            }
            let mut out = std::fs::File::create(&path).map_err(io_error)?;
            let mut limited = (&mut entry).take(MAX_UNZIPPED - total + 1);
            total += std::io::copy(&mut limited, &mut out).map_err(io_error)?;
            if total > MAX_UNZIPPED {
                return Err(invalid(format!(
                    "Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
                )));
            }
            if let Some(mode) = entry.unix_mode() {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = (mode & 0o777) | 0o400;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                    .map_err(io_error)?;
            }
        }
        std::fs::rename(&staging, &dir).map_err(io_error)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| code)
}

fn io_error(err: std::io::Error) -> Error {
    tracing::error!(error = %err, "cannot write function code");
    Error::new(
        Kind::Internal,
        format!("cannot store the function code: {err}"),
    )
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation(message).with_code("InvalidParameterValueException")
}

fn throttled(def: &FunctionDef) -> Error {
    let code = if def.reserved_concurrency.is_some() {
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    } else {
        "ConcurrentInvocationLimitExceeded"
    };
    Error::new(Kind::LimitExceeded, format!("Rate Exceeded. ({code})"))
        .with_code("TooManyRequestsException")
}

/// The outcome Lambda reports when the runtime cannot start at all.
fn unavailable(request_id: &str, message: &str) -> Outcome {
    let payload = serde_json::json!({
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": format!("RequestId: {request_id} Error: {message}"),
    });
    Outcome {
        payload: payload.to_string().into_bytes(),
        error_type: Some("Runtime.InvalidEntrypoint".to_owned()),
        log: String::new(),
        duration_ms: 0.0,
        init_duration_ms: None,
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length between 1 and 64"
        )));
    }
    Ok(())
}

fn apply_settings(def: &mut FunctionDef, settings: Settings) -> Result<(), Error> {
    if let Some(runtime) = settings.runtime {
        if RuntimeKind::from_identifier(&runtime).is_none() {
            return Err(invalid(format!(
                "Value {runtime} at 'runtime' failed to satisfy constraint: Eddy runs python3.x, nodejs*.x and provided (provided.al2, provided.al2023)"
            )));
        }
        def.runtime = runtime;
    }
    if let Some(handler) = settings.handler {
        if handler.len() > 128 {
            return Err(invalid("1 validation error detected: Value at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128"));
        }
        def.handler = handler;
    }
    if let Some(description) = settings.description {
        if description.chars().count() > 256 {
            return Err(invalid("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"));
        }
        def.description = description;
    }
    if let Some(role) = settings.role {
        def.role = Some(role);
    }
    if let Some(timeout) = settings.timeout {
        if !(1..=900).contains(&timeout) {
            return Err(invalid(format!("1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value {} ", if timeout < 1 { "greater than or equal to 1" } else { "less than or equal to 900" }).trim_end().to_owned()));
        }
        def.timeout = timeout;
    }
    if let Some(memory) = settings.memory_size {
        if !(128..=10_240).contains(&memory) {
            return Err(invalid(format!("1 validation error detected: Value '{memory}' at 'memorySize' failed to satisfy constraint: Member must have value {}", if memory < 128 { "greater than or equal to 128" } else { "less than or equal to 10240" })));
        }
        def.memory_size = memory;
    }
    if let Some(environment) = settings.environment {
        let reserved: Vec<&str> = environment
            .keys()
            .map(String::as_str)
            .filter(|k| RESERVED_VARIABLES.contains(k))
            .collect();
        if !reserved.is_empty() {
            return Err(invalid(format!("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}", reserved.join(", "))));
        }
        for key in environment.keys() {
            let mut bytes = key.bytes();
            let ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
                && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(invalid(format!("1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+] ({key})")));
            }
        }
        let size: usize = environment.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > 4096 {
            return Err(invalid(format!("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {size}")));
        }
        def.environment = environment;
    }
    if let Some(command) = settings.command {
        def.command = command;
    }
    if let Some(n) = settings.min_warm {
        def.min_warm = n;
    }
    if let Some(n) = settings.idle_timeout {
        def.idle_timeout = n.max(1);
    }
    if let Some(arn) = settings.dead_letter_arn {
        if arn.is_empty() {
            def.dead_letter_arn = None;
        } else {
            let ok = Arn::parse(&arn)
                .is_some_and(|a| a.service == "sqs" && QueueName::parse(a.resource).is_ok());
            if !ok {
                return Err(invalid(format!(
                    "The provided dead-letter target {arn} is not an SQS queue ARN."
                )));
            }
            def.dead_letter_arn = Some(arn);
        }
    }
    if def.min_warm > def.reserved_concurrency.unwrap_or(u32::MAX) {
        def.min_warm = def.reserved_concurrency.unwrap_or(0);
    }
    Ok(())
}

fn function_op(def: &FunctionDef) -> Op {
    Op::PutResource {
        kind: ResourceKind::Function,
        key: def.name.clone(),
        body: serde_json::to_vec(def).unwrap_or_default(),
    }
}

fn attribute(name: &str, value: String) -> MessageAttribute {
    MessageAttribute {
        name: name.to_owned(),
        data_type: "String".to_owned(),
        value: AttributeValue::String(value),
    }
}

fn error_message(payload: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned())
}

/// Lambda's invocation record for destinations.
fn invocation_record(
    function_arn: &str,
    call: &AsyncInvoke,
    delivery: &Delivery,
    outcome: Option<&Outcome>,
    condition: &str,
    now: u64,
) -> String {
    let parse = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        })
    };
    let mut response_context = serde_json::json!({
        "statusCode": 200,
        "executedVersion": "$LATEST",
    });
    if outcome.and_then(|o| o.error_type.as_ref()).is_some() {
        response_context["functionError"] = "Unhandled".into();
    }
    let mut record = serde_json::json!({
        "version": "1.0",
        "timestamp": timestamp_ms(now, "Z"),
        "requestContext": {
            "requestId": call.request_id,
            "functionArn": format!("{function_arn}:$LATEST"),
            "condition": condition,
            "approximateInvokeCount": delivery.attempts,
        },
        "requestPayload": parse(delivery.payload.as_bytes()),
        "responseContext": response_context,
    });
    if let Some(outcome) = outcome {
        record["responsePayload"] = parse(&outcome.payload);
    }
    record.to_string()
}

/// `2026-11-24T03:00:00.123` followed by `zone` (`Z` or `+0000`).
pub fn timestamp_ms(ms: u64, zone: &str) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    let mut text = eddy_model::event::format_time(secs);
    if text.ends_with('Z') {
        text.pop();
    }
    format!("{text}.{:03}{zone}", ms % 1000)
}

impl Registry {
    pub(crate) fn restore_function(&mut self, body: &[u8]) -> Result<(), serde_json::Error> {
        let def: FunctionDef = serde_json::from_slice(body)?;
        self.functions.insert(def.name.clone(), def);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(
            timestamp_ms(1_700_000_000_123, "Z"),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            timestamp_ms(1_700_000_000_005, "+0000"),
            "2023-11-14T22:13:20.005+0000"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("my-function_1").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
