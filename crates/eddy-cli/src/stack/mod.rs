//! Stack files (`eddy.yaml`, version 1): the typed desired state they declare. Parsing is
//! pure (text in, [`Stack`] or [`Error`] out); [`plan`] compares it with the server's
//! current state, and `apply` carries the plan out.
//!
//! ```yaml
//! version: 1
//! name: shop
//! buses: [{name: orders}]
//! queues: [{name: order-created, attributes: {VisibilityTimeout: 30}}]
//! rules:
//!   - name: order-created
//!     bus: orders
//!     pattern: {source: [shop]}
//!     targets: [{id: created, queue: order-created}]
//!   - name: order-paid
//!     bus: orders
//!     pattern: {detail-type: [OrderPaid]}
//!     targets: [{id: ship, function: ship-order}]     # a function, by name
//! functions:
//!   - name: create-order
//!     runtime: python3          # python3 | nodejs | provided | python3.12 | nodejs20.x | provided.al2023
//!     handler: app.handler
//!     code: ./functions/create-order   # a directory; relative to this file
//!     timeout: 10               # [3]
//!     memory: 256               # [128]
//!     environment: {TABLE: orders}
//!     max-instances: 4
//!     on-failure: {queue: order-failures}   # or {bus: NAME}, {function: NAME}, or an ARN
//!   - name: ship-order
//!     runtime: python3
//!     handler: app.handler
//!     code: ./functions/ship-order
//! mappings:
//!   - function: create-order
//!     queue: order-created
//!     batch-size: 10            # [10]
//!     batch-window: 1           # [0]
//!     report-batch-item-failures: true
//! routes:
//!   - {method: POST, path: /orders, function: create-order}
//!   - {method: POST, path: /signup, bus: default, detail-type: SignUp}
//! ```

pub mod plan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use eddy_api_model as api;
use serde::Deserialize;

/// The tag that marks a bus, queue, rule, function or route as owned by a stack; its value is the stack's
/// name. Only resources carrying it are ever deleted by `eddy apply`.
pub const STACK_TAG: &str = "eddy:stack";

/// The stack file versions this build reads.
pub const VERSION: u32 = 1;

/// Why a stack file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// It is not valid YAML, or does not have the stack file's shape.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file's name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, starting with the field's path.
        message: String,
    },
    /// It has the right shape but says something impossible.
    #[error("{file}: {message}")]
    Invalid {
        /// The file's name.
        file: String,
        /// What is wrong, naming the field.
        message: String,
    },
}

/// The desired state a stack file declares, with defaults filled in (a rule's bus) and the
/// stack's tag not yet added (see [`plan::plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// The stack's name, the value of its [`STACK_TAG`].
    pub name: String,
    /// Buses.
    pub buses: Vec<api::Bus>,
    /// Queues, with attributes as SQS spells them (a `RedrivePolicy` may name its
    /// dead-letter queue by name; the plan turns it into an ARN).
    pub queues: Vec<api::Queue>,
    /// Connections.
    pub connections: Vec<api::Connection>,
    /// API destinations.
    pub api_destinations: Vec<api::ApiDestination>,
    /// Rules, each with its bus set.
    pub rules: Vec<api::Rule>,
    /// Functions.
    pub functions: Vec<Function>,
    /// Event source mappings, keyed by function and queue; `id` is empty.
    pub mappings: Vec<api::Mapping>,
    /// HTTP routes, keyed by method (upper case) and path.
    pub routes: Vec<api::Route>,
}

/// A function as a stack declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The function. `code` is as written until [`Stack::resolve_paths`] makes it
    /// absolute; `dead_letter` is a queue's name or ARN; `on_success` and `on_failure` are
    /// unset (see the fields below).
    pub function: api::Function,
    /// Where records of successful asynchronous invocations go.
    pub on_success: Option<Destination>,
    /// Where records of failed asynchronous invocations go.
    pub on_failure: Option<Destination>,
}

/// A function's on-success or on-failure destination: an ARN, or a queue, bus or
/// function of this server by name (the plan turns it into the ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Any ARN.
    Arn(String),
    /// A queue, by name.
    Queue(String),
    /// A bus, by name.
    Bus(String),
    /// A function, by name.
    Function(String),
}

impl Stack {
    /// Makes each function's relative `code` directory absolute, relative to `base` (the
    /// stack file's directory, itself absolute). Only the text changes: `.` segments go
    /// and `..` segments take off the segment before them.
    pub fn resolve_paths(&mut self, base: &Path) {
        for f in &mut self.functions {
            let code = Path::new(&f.function.code);
            if code.is_absolute() {
                continue;
            }
            f.function.code = normalize(&base.join(code)).display().to_string();
        }
    }
}

/// `path` without `.` segments and with each `..` taking off the segment before it.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The file as written.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct File {
    version: u32,
    name: String,
    #[serde(default)]
    buses: Vec<api::Bus>,
    #[serde(default)]
    queues: Vec<QueueSpec>,
    #[serde(default)]
    connections: Vec<api::Connection>,
    #[serde(default)]
    api_destinations: Vec<api::ApiDestination>,
    #[serde(default)]
    rules: Vec<api::Rule>,
    #[serde(default)]
    functions: Vec<FunctionSpec>,
    #[serde(default)]
    mappings: Vec<MappingSpec>,
    #[serde(default)]
    routes: Vec<api::Route>,
}

/// A function as written: environment values may be numbers or booleans; destinations may
/// name a queue, bus or function.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FunctionSpec {
    name: String,
    runtime: String,
    #[serde(default)]
    handler: String,
    code: String,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    description: String,
    timeout: Option<u32>,
    memory: Option<u32>,
    #[serde(default)]
    environment: BTreeMap<String, serde_json::Value>,
    max_instances: Option<u32>,
    min_warm: Option<u32>,
    idle_timeout: Option<u32>,
    max_retry_attempts: Option<u32>,
    max_event_age: Option<u32>,
    on_success: Option<DestinationSpec>,
    on_failure: Option<DestinationSpec>,
    dead_letter: Option<String>,
    #[serde(default)]
    tags: api::Tags,
}

/// `arn:...`, or `{queue: NAME}`, `{bus: NAME}`, `{function: NAME}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DestinationSpec {
    Arn(String),
    Named(NamedDestination),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum NamedDestination {
    Queue(String),
    Bus(String),
    Function(String),
}

/// An event source mapping as written (no id).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct MappingSpec {
    function: String,
    queue: String,
    batch_size: Option<u32>,
    batch_window: Option<u32>,
    #[serde(default)]
    report_batch_item_failures: bool,
    #[serde(default)]
    filters: Vec<serde_json::Value>,
    max_concurrency: Option<u32>,
    enabled: Option<bool>,
}

/// A queue as written: attribute values may be numbers, booleans or (for `RedrivePolicy`
/// and `RedriveAllowPolicy`) mappings, not only strings.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct QueueSpec {
    name: String,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    tags: api::Tags,
}

/// Parses a stack file. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Stack, Error> {
    let raw: File = serde_yaml::from_str(text).map_err(|e| syntax(file, &e))?;
    let invalid = |message: String| Error::Invalid {
        file: file.to_owned(),
        message,
    };
    if raw.version != VERSION {
        return Err(invalid(format!(
            "version: {} is not supported (this eddy reads version {VERSION})",
            raw.version
        )));
    }
    if raw.name.is_empty()
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(invalid(format!(
            "name: {:?} must be non-empty and use only letters, digits, '-', '_' and '.'",
            raw.name
        )));
    }
    let mut queues = Vec::with_capacity(raw.queues.len());
    for (i, q) in raw.queues.into_iter().enumerate() {
        let mut attributes = BTreeMap::new();
        for (key, value) in q.attributes {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => {
                    return Err(invalid(format!(
                        "queues[{i}] ({}): attributes.{key} has no value",
                        q.name
                    )))
                }
                other @ (serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
                    other.to_string()
                }
                other => other.to_string(),
            };
            attributes.insert(key, text);
        }
        // SQS wants FifoQueue for a name ending in .fifo; the name says it already.
        if q.name.ends_with(".fifo") {
            attributes
                .entry("FifoQueue".to_owned())
                .or_insert_with(|| "true".to_owned());
        }
        queues.push(api::Queue {
            name: q.name,
            arn: None,
            attributes,
            tags: q.tags,
        });
    }
    let mut rules = raw.rules;
    for rule in &mut rules {
        if rule.bus.is_none() {
            rule.bus = Some("default".to_owned());
        }
    }
    let mut functions = Vec::with_capacity(raw.functions.len());
    for (i, f) in raw.functions.into_iter().enumerate() {
        functions.push(function(f).map_err(|e| invalid(format!("functions[{i}] ({e}")))?);
    }
    let mappings = raw
        .mappings
        .into_iter()
        .map(|m| api::Mapping {
            id: String::new(),
            function: m.function,
            queue: m.queue,
            batch_size: m.batch_size,
            batch_window: m.batch_window,
            report_batch_item_failures: m.report_batch_item_failures,
            filters: m.filters,
            max_concurrency: m.max_concurrency,
            enabled: m.enabled,
        })
        .collect();
    let mut routes = raw.routes;
    for route in &mut routes {
        route.method = route.method.to_ascii_uppercase();
    }
    let stack = Stack {
        name: raw.name,
        buses: raw.buses,
        queues,
        connections: raw.connections,
        api_destinations: raw.api_destinations,
        rules,
        functions,
        mappings,
        routes,
    };
    check(&stack).map_err(invalid)?;
    Ok(stack)
}

/// A function as the stack holds it; errors start with its name and a `)`.
fn function(f: FunctionSpec) -> Result<Function, String> {
    let name = f.name;
    let mut environment = BTreeMap::new();
    for (key, value) in f.environment {
        let text = match value {
            serde_json::Value::String(s) => s,
            v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => v.to_string(),
            _ => {
                return Err(format!(
                    "{name}): environment.{key}: give a string, number or boolean"
                ))
            }
        };
        environment.insert(key, text);
    }
    let destination = |field: &str, d: Option<DestinationSpec>| {
        match d {
        None => Ok(None),
        Some(DestinationSpec::Arn(arn)) if arn.starts_with("arn:") => {
            Ok(Some(Destination::Arn(arn)))
        }
        Some(DestinationSpec::Arn(other)) => Err(format!(
            "{name}): {field}: {other:?} is not an ARN; name a destination as {{queue: NAME}}, {{bus: NAME}} or {{function: NAME}}"
        )),
        Some(DestinationSpec::Named(NamedDestination::Queue(q))) => Ok(Some(Destination::Queue(q))),
        Some(DestinationSpec::Named(NamedDestination::Bus(b))) => Ok(Some(Destination::Bus(b))),
        Some(DestinationSpec::Named(NamedDestination::Function(f))) => {
            Ok(Some(Destination::Function(f)))
        }
    }
    };
    let on_success = destination("on-success", f.on_success)?;
    let on_failure = destination("on-failure", f.on_failure)?;
    if let (Some(warm), Some(max)) = (f.min_warm, f.max_instances) {
        // The server would keep no more warm than it may run.
        if warm > max {
            return Err(format!(
                "{name}): min-warm: {warm} is more than max-instances ({max})"
            ));
        }
    }
    if f.code.is_empty() {
        return Err(format!(
            "{name}): code: the directory holding the function's code is required"
        ));
    }
    Ok(Function {
        function: api::Function {
            name,
            runtime: f.runtime,
            handler: f.handler,
            code: f.code,
            command: f.command,
            description: f.description,
            timeout: f.timeout,
            memory: f.memory,
            environment,
            max_instances: f.max_instances,
            min_warm: f.min_warm,
            idle_timeout: f.idle_timeout,
            max_retry_attempts: f.max_retry_attempts,
            max_event_age: f.max_event_age,
            dead_letter: f.dead_letter,
            tags: f.tags,
            ..api::Function::default()
        },
        on_success,
        on_failure,
    })
}

/// Checks what the shape cannot: unique names, no reserved tag, rules with a pattern, API
/// destinations whose connection the stack or the server has.
fn check(stack: &Stack) -> Result<(), String> {
    fn unique(kind: &str, names: impl Iterator<Item = String>) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for name in names {
            if name.is_empty() {
                return Err(format!("{kind}: a name is empty"));
            }
            if !seen.insert(name.clone()) {
                return Err(format!("{kind}: {name} is declared twice"));
            }
        }
        Ok(())
    }
    unique("buses", stack.buses.iter().map(|b| b.name.clone()))?;
    unique("queues", stack.queues.iter().map(|q| q.name.clone()))?;
    unique(
        "connections",
        stack.connections.iter().map(|c| c.name.clone()),
    )?;
    unique(
        "api-destinations",
        stack.api_destinations.iter().map(|d| d.name.clone()),
    )?;
    unique("rules", stack.rules.iter().map(rule_key))?;
    unique(
        "functions",
        stack.functions.iter().map(|f| f.function.name.clone()),
    )?;
    unique("mappings", stack.mappings.iter().map(mapping_key))?;
    unique("routes", stack.routes.iter().map(route_key))?;
    let route_names: Vec<String> = stack.routes.iter().map(route_key).collect();
    let tagged = stack
        .buses
        .iter()
        .map(|b| ("buses", &b.name, &b.tags))
        .chain(stack.queues.iter().map(|q| ("queues", &q.name, &q.tags)))
        .chain(stack.rules.iter().map(|r| ("rules", &r.name, &r.tags)))
        .chain(
            stack
                .functions
                .iter()
                .map(|f| ("functions", &f.function.name, &f.function.tags)),
        )
        .chain(
            stack
                .routes
                .iter()
                .zip(&route_names)
                .map(|(r, key)| ("routes", key, &r.tags)),
        );
    for (kind, name, tags) in tagged {
        if tags.contains_key(STACK_TAG) {
            return Err(format!(
                "{kind}: {name}: the tag {STACK_TAG} is reserved (eddy apply sets it to the stack's name)"
            ));
        }
    }
    if stack.buses.iter().any(|b| b.name == "default") {
        return Err("buses: default always exists and cannot be declared".into());
    }
    for rule in &stack.rules {
        if rule.pattern.is_none() {
            return Err(format!("rules: {}: pattern is required", rule_key(rule)));
        }
        let mut ids = BTreeSet::new();
        for t in rule.targets.as_deref().unwrap_or_default() {
            if !ids.insert(&t.id) {
                return Err(format!(
                    "rules: {}: target id {} is used twice",
                    rule_key(rule),
                    t.id
                ));
            }
        }
    }
    for m in &stack.mappings {
        if m.function.is_empty() || m.queue.is_empty() {
            return Err(format!(
                "mappings: {}: name a function and a queue",
                mapping_key(m)
            ));
        }
    }
    for r in &stack.routes {
        let key = route_key(r);
        if !r.path.starts_with('/') {
            return Err(format!("routes: {key}: the path must start with /"));
        }
        let targets = [&r.function, &r.bus, &r.queue]
            .iter()
            .filter(|t| t.is_some())
            .count();
        if targets != 1 {
            return Err(format!(
                "routes: {key}: give exactly one of function, bus and queue"
            ));
        }
        if r.bus.is_none() && (r.source.is_some() || r.detail_type.is_some()) {
            return Err(format!(
                "routes: {key}: source and detail-type are for routes to a bus"
            ));
        }
    }
    Ok(())
}

/// A mapping's key within a stack: `queue→function`.
pub fn mapping_key(m: &api::Mapping) -> String {
    format!("{}→{}", m.queue, m.function)
}

/// A route's key: `METHOD /path`.
pub fn route_key(r: &api::Route) -> String {
    format!("{} {}", r.method.to_ascii_uppercase(), r.path)
}

/// A rule's key within a stack: `bus/name`.
pub fn rule_key(rule: &api::Rule) -> String {
    format!("{}/{}", rule.bus.as_deref().unwrap_or("default"), rule.name)
}

fn syntax(file: &str, e: &serde_yaml::Error) -> Error {
    let text = e.to_string();
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    // serde_yaml appends the location to its message; it is in front already.
    let message = match text.rfind(" at line ") {
        Some(i) if text[i..].contains(" column ") => text[..i].to_owned(),
        _ => text,
    };
    Error::Syntax {
        file: file.to_owned(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests;
