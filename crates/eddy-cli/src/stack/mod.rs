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
//! ```

pub mod plan;

use std::collections::{BTreeMap, BTreeSet};

use eddy_api_model as api;
use serde::Deserialize;

/// The tag that marks a bus, queue or rule as owned by a stack; its value is the stack's
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
    let stack = Stack {
        name: raw.name,
        buses: raw.buses,
        queues,
        connections: raw.connections,
        api_destinations: raw.api_destinations,
        rules,
    };
    check(&stack).map_err(invalid)?;
    Ok(stack)
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
    let tagged = stack
        .buses
        .iter()
        .map(|b| ("buses", &b.name, &b.tags))
        .chain(stack.queues.iter().map(|q| ("queues", &q.name, &q.tags)))
        .chain(stack.rules.iter().map(|r| ("rules", &r.name, &r.tags)));
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
    Ok(())
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
