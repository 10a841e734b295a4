//! The plan: the steps that turn the server's current state into a stack's desired state.
//! Pure: the current state comes in as lists read from the server, the steps come out as
//! data (each with the request that carries it out), so plans print and test without a
//! server.
//!
//! Rules of the plan:
//! - A resource the file names is created when absent and updated only when something
//!   the file sets differs, so a second apply finds nothing to do.
//! - Buses, queues, rules, functions and routes the stack owns carry the tag
//!   `eddy:stack = NAME`; one the file no longer names is deleted only if it carries that
//!   tag. An event source mapping has no tags: it belongs to the stack when its function
//!   does. Connections and API destinations have no tags, so they are never deleted by a
//!   plan.
//! - Values the server fills in when the file leaves them out (a function's timeout 3 and
//!   memory 128, a mapping's batch size 10, a route's event source) count as written, so
//!   they never show as changes.
//! - Steps run in an order that never refers to something missing: connections, API
//!   destinations, queues (dead-letter queues before the queues that name them), buses,
//!   functions, mappings, rules and routes are created or updated; then routes, mappings,
//!   rules, functions, buses and queues are deleted.
//! - A function's code is a directory the server reads in place and watches; a change in
//!   it is the server's business, not a step of the plan.

use std::collections::BTreeMap;
use std::fmt;

use eddy_api_model as api;
use serde::Serialize;
use serde_json::Value;

use super::{mapping_key, route_key, rule_key, Destination, Stack, STACK_TAG};
use crate::table::shorten;

/// The server's current state, as its list endpoints give it.
#[derive(Debug, Clone, Default)]
pub struct Current {
    /// Every bus.
    pub buses: Vec<api::Bus>,
    /// Every queue, with all its attributes.
    pub queues: Vec<api::Queue>,
    /// Every connection.
    pub connections: Vec<api::Connection>,
    /// Every API destination.
    pub api_destinations: Vec<api::ApiDestination>,
    /// Every rule of every bus, with its targets.
    pub rules: Vec<api::Rule>,
    /// Every function.
    pub functions: Vec<api::Function>,
    /// Every event source mapping.
    pub mappings: Vec<api::Mapping>,
    /// Every HTTP route.
    pub routes: Vec<api::Route>,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Make a resource that does not exist.
    Create,
    /// Change a resource that exists.
    Update,
    /// Remove a resource the stack owns and no longer names.
    Delete,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        })
    }
}

/// The kind of resource a step is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A connection.
    Connection,
    /// An API destination.
    ApiDestination,
    /// A queue.
    Queue,
    /// A bus.
    Bus,
    /// A rule (named `bus/rule`).
    Rule,
    /// A function.
    Function,
    /// An event source mapping (named `queue→function`).
    Mapping,
    /// An HTTP route (named `METHOD /path`).
    Route,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Connection => "connection",
            Kind::ApiDestination => "api-destination",
            Kind::Queue => "queue",
            Kind::Bus => "bus",
            Kind::Rule => "rule",
            Kind::Function => "function",
            Kind::Mapping => "mapping",
            Kind::Route => "route",
        })
    }
}

/// The request that carries a step out.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `PUT /v1/connections/{name}`.
    CreateConnection(api::Connection),
    /// `DELETE` then `PUT /v1/connections/{name}` (the API cannot change one in place).
    ReplaceConnection(api::Connection),
    /// `PUT /v1/api-destinations/{name}`.
    CreateApiDestination(api::ApiDestination),
    /// `DELETE` then `PUT /v1/api-destinations/{name}`.
    ReplaceApiDestination(api::ApiDestination),
    /// `PUT /v1/queues/{name}` (creates, or sets attributes and replaces tags).
    PutQueue(api::Queue),
    /// `POST /v1/buses`.
    CreateBus(api::Bus),
    /// `PUT /v1/buses/{bus}/rules/{rule}` with its targets (which it replaces).
    PutRule(api::Rule),
    /// `DELETE /v1/buses/{bus}/rules/{rule}`.
    DeleteRule {
        /// The rule's bus.
        bus: String,
        /// The rule's name.
        name: String,
    },
    /// `DELETE /v1/buses/{bus}`.
    DeleteBus(String),
    /// `DELETE /v1/queues/{queue}`.
    DeleteQueue(String),
    /// `PUT /v1/functions/{name}` (creates, or converges; replaces tags).
    PutFunction(api::Function),
    /// `DELETE /v1/functions/{name}`.
    DeleteFunction(String),
    /// `POST /v1/mappings`.
    CreateMapping(api::Mapping),
    /// `PUT /v1/mappings/{id}` (the mapping's `id` is set).
    UpdateMapping(api::Mapping),
    /// `DELETE /v1/mappings/{id}`.
    DeleteMapping(String),
    /// `PUT /v1/routes` (creates or replaces the route with its method and path).
    PutRoute(api::Route),
    /// `DELETE /v1/routes?method=M&path=P`.
    DeleteRoute {
        /// The route's method.
        method: String,
        /// The route's path.
        path: String,
    },
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Create, update or delete.
    pub action: Action,
    /// What kind of resource.
    pub kind: Kind,
    /// Its name (`bus/rule` for rules).
    pub name: String,
    /// For people: what it will be, or what changes.
    pub detail: String,
    /// The request.
    pub change: Change,
}

/// The steps that converge the server to a stack, in the order to run them.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The stack's name.
    pub stack: String,
    /// The steps; none when the server already matches.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether nothing needs doing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Computes the plan that converges `current` to `stack`.
pub fn plan(stack: &Stack, current: &Current) -> Plan {
    let scope = Scope::of(current);
    let mut steps = Vec::new();
    steps.extend(connections(stack, current));
    steps.extend(api_destinations(stack, current));
    let (queue_puts, queue_deletes) = queues(stack, current, scope.as_ref());
    steps.extend(queue_puts);
    let (bus_creates, bus_deletes) = buses(stack, current);
    steps.extend(bus_creates);
    let (function_puts, function_deletes) = functions(stack, current, scope.as_ref());
    steps.extend(function_puts);
    let (mapping_puts, mapping_deletes) = mappings(stack, current);
    steps.extend(mapping_puts);
    let (rule_puts, rule_deletes) = rules(stack, current, scope.as_ref());
    steps.extend(rule_puts);
    let (route_puts, route_deletes) = routes(stack, current);
    steps.extend(route_puts);
    steps.extend(route_deletes);
    steps.extend(mapping_deletes);
    steps.extend(rule_deletes);
    steps.extend(function_deletes);
    steps.extend(bus_deletes);
    steps.extend(queue_deletes);
    Plan {
        stack: stack.name.clone(),
        steps,
    }
}

/// The region and account of the server's ARNs, read from any ARN it gave.
struct Scope {
    region: String,
    account: String,
}

impl Scope {
    fn of(current: &Current) -> Option<Scope> {
        let arns = current
            .buses
            .iter()
            .filter_map(|b| b.arn.as_deref())
            .chain(current.queues.iter().filter_map(|q| q.arn.as_deref()))
            .chain(current.functions.iter().filter_map(|f| f.arn.as_deref()));
        for arn in arns {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            if parts.len() == 6 && parts[0] == "arn" && !parts[4].is_empty() {
                return Some(Scope {
                    region: parts[3].to_owned(),
                    account: parts[4].to_owned(),
                });
            }
        }
        None
    }

    fn queue_arn(&self, name: &str) -> String {
        format!("arn:aws:sqs:{}:{}:{name}", self.region, self.account)
    }

    fn bus_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:event-bus/{name}",
            self.region, self.account
        )
    }

    fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }

    fn destination_arn(&self, d: &Destination) -> String {
        match d {
            Destination::Arn(arn) => arn.clone(),
            Destination::Queue(name) => self.queue_arn(name),
            Destination::Bus(name) => self.bus_arn(name),
            Destination::Function(name) => self.function_arn(name),
        }
    }
}

fn owned(tags: &api::Tags, stack: &str) -> bool {
    tags.get(STACK_TAG).is_some_and(|v| v == stack)
}

fn with_stack_tag(tags: &api::Tags, stack: &str) -> api::Tags {
    let mut tags = tags.clone();
    tags.insert(STACK_TAG.to_owned(), stack.to_owned());
    tags
}

fn step(
    action: Action,
    kind: Kind,
    name: impl Into<String>,
    detail: String,
    change: Change,
) -> Step {
    Step {
        action,
        kind,
        name: name.into(),
        detail,
        change,
    }
}

/// `field: old → new` for each field that differs.
fn differences(fields: &[(&str, Option<String>, Option<String>)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(name, old, new)| {
            format!(
                "{name}: {} → {}",
                old.as_deref().unwrap_or("(none)"),
                new.as_deref().unwrap_or("(none)")
            )
        })
        .collect()
}

fn connections(stack: &Stack, current: &Current) -> Vec<Step> {
    let mut steps = Vec::new();
    for want in sorted(&stack.connections, |c| &c.name) {
        let mut want = want.clone();
        want.arn = None;
        match current.connections.iter().find(|c| c.name == want.name) {
            None => steps.push(step(
                Action::Create,
                Kind::Connection,
                want.name.clone(),
                format!("authorization {}", want.authorization_type),
                Change::CreateConnection(want),
            )),
            Some(have) => {
                // Secrets are never returned, so a changed password or key goes unseen.
                let changed = differences(&[
                    (
                        "authorization-type",
                        Some(have.authorization_type.clone()),
                        Some(want.authorization_type.clone()),
                    ),
                    ("username", have.username.clone(), want.username.clone()),
                    (
                        "api-key-name",
                        have.api_key_name.clone(),
                        want.api_key_name.clone(),
                    ),
                    (
                        "description",
                        have.description.clone(),
                        want.description.clone(),
                    ),
                ]);
                if !changed.is_empty() {
                    steps.push(step(
                        Action::Update,
                        Kind::Connection,
                        want.name.clone(),
                        format!("replace: {}", changed.join("; ")),
                        Change::ReplaceConnection(want),
                    ));
                }
            }
        }
    }
    steps
}

fn api_destinations(stack: &Stack, current: &Current) -> Vec<Step> {
    let mut steps = Vec::new();
    for want in sorted(&stack.api_destinations, |d| &d.name) {
        let mut want = want.clone();
        want.arn = None;
        let method = |d: &api::ApiDestination| Some(d.method.clone().unwrap_or("POST".into()));
        let rate =
            |d: &api::ApiDestination| Some(d.rate_limit_per_second.unwrap_or(300).to_string());
        match current
            .api_destinations
            .iter()
            .find(|d| d.name == want.name)
        {
            None => steps.push(step(
                Action::Create,
                Kind::ApiDestination,
                want.name.clone(),
                format!(
                    "{} {} via connection {}",
                    want.method.as_deref().unwrap_or("POST"),
                    want.endpoint,
                    want.connection
                ),
                Change::CreateApiDestination(want),
            )),
            Some(have) => {
                let changed = differences(&[
                    (
                        "connection",
                        Some(have.connection.clone()),
                        Some(want.connection.clone()),
                    ),
                    (
                        "endpoint",
                        Some(have.endpoint.clone()),
                        Some(want.endpoint.clone()),
                    ),
                    ("method", method(have), method(&want)),
                    ("rate-limit-per-second", rate(have), rate(&want)),
                    (
                        "description",
                        have.description.clone(),
                        want.description.clone(),
                    ),
                ]);
                if !changed.is_empty() {
                    steps.push(step(
                        Action::Update,
                        Kind::ApiDestination,
                        want.name.clone(),
                        format!("replace: {}", changed.join("; ")),
                        Change::ReplaceApiDestination(want),
                    ));
                }
            }
        }
    }
    steps
}

/// A queue's `RedrivePolicy` naming its dead-letter queue by name gets the queue's ARN.
fn resolve_redrive(attributes: &mut BTreeMap<String, String>, scope: Option<&Scope>) {
    let (Some(text), Some(scope)) = (attributes.get_mut("RedrivePolicy"), scope) else {
        return;
    };
    let Ok(Value::Object(mut policy)) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if let Some(Value::String(target)) = policy.get_mut("deadLetterTargetArn") {
        if !target.starts_with("arn:") {
            *target = scope.queue_arn(target);
            *text = Value::Object(policy).to_string();
        }
    }
}

fn dead_letter_queue(q: &api::Queue) -> Option<String> {
    let policy: Value = serde_json::from_str(q.attributes.get("RedrivePolicy")?).ok()?;
    let target = policy.get("deadLetterTargetArn")?.as_str()?;
    Some(target.rsplit(':').next().unwrap_or(target).to_owned())
}

/// Attribute values compared as SQS means them: JSON documents by content, with numbers and
/// strings alike (`"5"` and `5`).
fn same_attribute(want: &str, have: &str) -> bool {
    if want == have {
        return true;
    }
    fn loose(v: Value) -> Value {
        match v {
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Array(a) => Value::Array(a.into_iter().map(loose).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, loose(v))).collect()),
            other => other,
        }
    }
    match (
        serde_json::from_str::<Value>(want),
        serde_json::from_str::<Value>(have),
    ) {
        (Ok(a @ (Value::Object(_) | Value::Array(_))), Ok(b)) => loose(a) == loose(b),
        _ => false,
    }
}

fn queues(stack: &Stack, current: &Current, scope: Option<&Scope>) -> (Vec<Step>, Vec<Step>) {
    let mut puts = Vec::new();
    for want in &stack.queues {
        let mut want = want.clone();
        want.arn = None;
        want.tags = with_stack_tag(&want.tags, &stack.name);
        resolve_redrive(&mut want.attributes, scope);
        match current.queues.iter().find(|q| q.name == want.name) {
            None => {
                let detail = want
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={}", shorten(v, 60)))
                    .collect::<Vec<_>>()
                    .join(", ");
                puts.push(step(
                    Action::Create,
                    Kind::Queue,
                    want.name.clone(),
                    detail,
                    Change::PutQueue(want),
                ));
            }
            Some(have) => {
                let mut changed: Vec<String> = want
                    .attributes
                    .iter()
                    .filter(|(k, v)| {
                        !have
                            .attributes
                            .get(*k)
                            .is_some_and(|h| same_attribute(v, h))
                    })
                    .map(|(k, v)| {
                        format!(
                            "{k}: {} → {}",
                            have.attributes
                                .get(k)
                                .map(|h| shorten(h, 40))
                                .unwrap_or("(none)".into()),
                            shorten(v, 40)
                        )
                    })
                    .collect();
                if want.tags != have.tags {
                    changed.push("tags".into());
                }
                if !changed.is_empty() {
                    puts.push(step(
                        Action::Update,
                        Kind::Queue,
                        want.name.clone(),
                        changed.join("; "),
                        Change::PutQueue(want),
                    ));
                }
            }
        }
    }
    // Dead-letter queues first: a redrive policy must name an existing queue.
    puts.sort_by(|a, b| {
        let rank = |s: &Step| match &s.change {
            Change::PutQueue(q) => (q.attributes.contains_key("RedrivePolicy"), q.name.clone()),
            _ => (false, String::new()),
        };
        rank(a).cmp(&rank(b))
    });
    let mut deletes: Vec<&api::Queue> = current
        .queues
        .iter()
        .filter(|q| owned(&q.tags, &stack.name) && !stack.queues.iter().any(|w| w.name == q.name))
        .collect();
    // Queues that name a dead-letter queue go before it.
    deletes.sort_by_key(|q| (dead_letter_queue(q).is_none(), q.name.clone()));
    let deletes = deletes
        .into_iter()
        .map(|q| {
            step(
                Action::Delete,
                Kind::Queue,
                &q.name,
                "no longer in the stack".into(),
                Change::DeleteQueue(q.name.clone()),
            )
        })
        .collect();
    (puts, deletes)
}

fn buses(stack: &Stack, current: &Current) -> (Vec<Step>, Vec<Step>) {
    let mut creates = Vec::new();
    for want in sorted(&stack.buses, |b| &b.name) {
        // The API cannot change a bus, so one that exists is left as it is.
        if current.buses.iter().any(|b| b.name == want.name) {
            continue;
        }
        let mut want = want.clone();
        want.arn = None;
        want.tags = with_stack_tag(&want.tags, &stack.name);
        creates.push(step(
            Action::Create,
            Kind::Bus,
            want.name.clone(),
            want.description.clone().unwrap_or_default(),
            Change::CreateBus(want),
        ));
    }
    let deletes = sorted(&current.buses, |b| &b.name)
        .into_iter()
        .filter(|b| {
            b.name != "default"
                && owned(&b.tags, &stack.name)
                && !stack.buses.iter().any(|w| w.name == b.name)
        })
        .map(|b| {
            step(
                Action::Delete,
                Kind::Bus,
                &b.name,
                "no longer in the stack (with its rules)".into(),
                Change::DeleteBus(b.name.clone()),
            )
        })
        .collect();
    (creates, deletes)
}

/// A pattern as a JSON value (the API may hold it as text).
fn pattern_value(p: Option<&Value>) -> Option<Value> {
    match p? {
        Value::String(text) => {
            Some(serde_json::from_str(text).unwrap_or(Value::String(text.clone())))
        }
        other => Some(other.clone()),
    }
}

fn one_line(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sorted_targets(rule: &api::Rule) -> Vec<api::Target> {
    let mut targets = rule.targets.clone().unwrap_or_default();
    targets.sort_by(|a, b| a.id.cmp(&b.id));
    targets
}

fn target_changes(want: &[api::Target], have: &[api::Target]) -> Vec<String> {
    let mut out = Vec::new();
    for w in want {
        match have.iter().find(|h| h.id == w.id) {
            None => out.push(format!("+{}", w.id)),
            Some(h) if h != w => out.push(format!("~{}", w.id)),
            Some(_) => {}
        }
    }
    for h in have {
        if !want.iter().any(|w| w.id == h.id) {
            out.push(format!("-{}", h.id));
        }
    }
    out
}

/// A target as the server shows it: this server's queues, buses and functions (and the
/// dead-letter queue) by name rather than by ARN, so that a file using ARNs still compares equal.
fn local_names(mut t: api::Target, scope: Option<&Scope>) -> api::Target {
    let Some(scope) = scope else { return t };
    let local = |arn: &str, service: &str| {
        arn.strip_prefix(&format!(
            "arn:aws:{service}:{}:{}:",
            scope.region, scope.account
        ))
        .map(str::to_owned)
    };
    if let Some(arn) = t.arn.clone() {
        if let Some(name) = local(&arn, "sqs") {
            t.queue = Some(name);
            t.arn = None;
        } else if let Some(name) =
            local(&arn, "lambda").and_then(|r| r.strip_prefix("function:").map(str::to_owned))
        {
            t.function = Some(name);
            t.arn = None;
        } else if let Some(name) =
            local(&arn, "events").and_then(|r| r.strip_prefix("event-bus/").map(str::to_owned))
        {
            t.bus = Some(name);
            t.arn = None;
        }
    }
    if let Some(name) = t.dead_letter_queue.as_deref().and_then(|a| local(a, "sqs")) {
        t.dead_letter_queue = Some(name);
    }
    t
}

fn rules(stack: &Stack, current: &Current, scope: Option<&Scope>) -> (Vec<Step>, Vec<Step>) {
    let mut puts = Vec::new();
    for want in sorted(&stack.rules, |r| &r.name) {
        let mut want = want.clone();
        want.arn = None;
        want.targets = want
            .targets
            .map(|targets| targets.into_iter().map(|t| local_names(t, scope)).collect());
        want.tags = with_stack_tag(&want.tags, &stack.name);
        want.state = Some(want.state.unwrap_or_else(|| "ENABLED".into()));
        want.pattern = pattern_value(want.pattern.as_ref());
        want.targets = Some(sorted_targets(&want));
        let key = rule_key(&want);
        match current.rules.iter().find(|r| rule_key(r) == key) {
            None => {
                let targets = sorted_targets(&want)
                    .iter()
                    .map(|t| format!("{}→{}", t.id, target_destination(t)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let detail = format!(
                    "pattern {}; targets {}",
                    shorten(&want.pattern.as_ref().map(one_line).unwrap_or_default(), 60),
                    if targets.is_empty() {
                        "(none)".into()
                    } else {
                        targets
                    }
                );
                puts.push(step(
                    Action::Create,
                    Kind::Rule,
                    key,
                    detail,
                    Change::PutRule(want),
                ));
            }
            Some(have) => {
                let mut changed = Vec::new();
                let have_pattern = pattern_value(have.pattern.as_ref());
                if want.pattern != have_pattern {
                    changed.push(format!(
                        "pattern: {} → {}",
                        shorten(
                            &have_pattern.as_ref().map(one_line).unwrap_or_default(),
                            100
                        ),
                        shorten(
                            &want.pattern.as_ref().map(one_line).unwrap_or_default(),
                            100
                        )
                    ));
                }
                changed.extend(differences(&[
                    (
                        "state",
                        Some(have.state.clone().unwrap_or_else(|| "ENABLED".into())),
                        want.state.clone(),
                    ),
                    (
                        "description",
                        have.description.clone(),
                        want.description.clone(),
                    ),
                ]));
                if want.tags != have.tags {
                    changed.push("tags".into());
                }
                let targets = target_changes(&sorted_targets(&want), &sorted_targets(have));
                if !targets.is_empty() {
                    changed.push(format!("targets {}", targets.join(" ")));
                }
                if !changed.is_empty() {
                    puts.push(step(
                        Action::Update,
                        Kind::Rule,
                        key,
                        changed.join("; "),
                        Change::PutRule(want),
                    ));
                }
            }
        }
    }
    let mut deletes: Vec<&api::Rule> = current
        .rules
        .iter()
        .filter(|r| {
            owned(&r.tags, &stack.name) && !stack.rules.iter().any(|w| rule_key(w) == rule_key(r))
        })
        .collect();
    deletes.sort_by_key(|r| rule_key(r));
    let deletes = deletes
        .into_iter()
        .map(|r| {
            step(
                Action::Delete,
                Kind::Rule,
                rule_key(r),
                "no longer in the stack (with its targets)".into(),
                Change::DeleteRule {
                    bus: r.bus.clone().unwrap_or_else(|| "default".into()),
                    name: r.name.clone(),
                },
            )
        })
        .collect();
    (puts, deletes)
}

/// Where a target delivers, for people.
fn target_destination(t: &api::Target) -> String {
    match &t.function {
        Some(f) => format!("function:{f}"),
        None => crate::rules::destination(t),
    }
}

/// A function as the server will show it once it has been put: the server's defaults
/// filled in, names turned into ARNs, the stack's tag added.
fn desired_function(f: &super::Function, stack: &str, scope: Option<&Scope>) -> api::Function {
    let mut want = f.function.clone();
    want.arn = None;
    want.instances = None;
    want.busy = None;
    want.tags = with_stack_tag(&want.tags, stack);
    want.timeout = Some(want.timeout.unwrap_or(3));
    want.memory = Some(want.memory.unwrap_or(128));
    want.min_warm = Some(want.min_warm.unwrap_or(0));
    want.idle_timeout = want.idle_timeout.map(|n| n.max(1));
    let arn = |d: &Destination| match (d, scope) {
        (_, Some(scope)) => scope.destination_arn(d),
        (Destination::Arn(arn), None) => arn.clone(),
        // No ARN on the server to learn its region and account from: the server will
        // refuse the name, which says what is wrong.
        (Destination::Queue(n) | Destination::Bus(n) | Destination::Function(n), None) => n.clone(),
    };
    want.on_success = f.on_success.as_ref().map(arn);
    want.on_failure = f.on_failure.as_ref().map(arn);
    want.dead_letter = want.dead_letter.map(|d| match scope {
        Some(scope) if !d.starts_with("arn:") => scope.queue_arn(&d),
        _ => d,
    });
    want
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|v| v.to_string())
}

fn environment_changes(
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> Option<String> {
    let mut out = Vec::new();
    for (k, v) in want {
        match have.get(k) {
            None => out.push(format!("+{k}")),
            Some(h) if h != v => out.push(format!("~{k}")),
            Some(_) => {}
        }
    }
    out.extend(
        have.keys()
            .filter(|k| !want.contains_key(*k))
            .map(|k| format!("-{k}")),
    );
    (!out.is_empty()).then(|| format!("environment {}", out.join(" ")))
}

fn functions(stack: &Stack, current: &Current, scope: Option<&Scope>) -> (Vec<Step>, Vec<Step>) {
    let mut puts = Vec::new();
    for f in sorted(&stack.functions, |f| &f.function.name) {
        let want = desired_function(f, &stack.name, scope);
        match current.functions.iter().find(|h| h.name == want.name) {
            None => {
                let mut detail = format!("{} {}", want.runtime, want.handler)
                    .trim()
                    .to_owned();
                detail.push_str(&format!(" in {}", want.code));
                puts.push(step(
                    Action::Create,
                    Kind::Function,
                    want.name.clone(),
                    detail,
                    Change::PutFunction(want),
                ));
            }
            Some(have) => {
                let idle_timeout = if want.idle_timeout.is_some() {
                    // Left out, the server keeps what it has.
                    (
                        "idle-timeout",
                        text(have.idle_timeout),
                        text(want.idle_timeout),
                    )
                } else {
                    ("idle-timeout", None, None)
                };
                let mut changed = differences(&[
                    (
                        "runtime",
                        Some(have.runtime.clone()),
                        Some(want.runtime.clone()),
                    ),
                    (
                        "handler",
                        Some(have.handler.clone()),
                        Some(want.handler.clone()),
                    ),
                    ("code", Some(have.code.clone()), Some(want.code.clone())),
                    (
                        "command",
                        Some(have.command.join(" ")),
                        Some(want.command.join(" ")),
                    ),
                    (
                        "description",
                        Some(have.description.clone()),
                        Some(want.description.clone()),
                    ),
                    ("timeout", text(have.timeout), text(want.timeout)),
                    ("memory", text(have.memory), text(want.memory)),
                    (
                        "max-instances",
                        text(have.max_instances),
                        text(want.max_instances),
                    ),
                    (
                        "min-warm",
                        text(have.min_warm.or(Some(0))),
                        text(want.min_warm),
                    ),
                    idle_timeout,
                    (
                        "max-retry-attempts",
                        text(have.max_retry_attempts),
                        text(want.max_retry_attempts),
                    ),
                    (
                        "max-event-age",
                        text(have.max_event_age),
                        text(want.max_event_age),
                    ),
                    (
                        "on-success",
                        have.on_success.clone(),
                        want.on_success.clone(),
                    ),
                    (
                        "on-failure",
                        have.on_failure.clone(),
                        want.on_failure.clone(),
                    ),
                    (
                        "dead-letter",
                        have.dead_letter.clone(),
                        want.dead_letter.clone(),
                    ),
                ]);
                changed.extend(environment_changes(&want.environment, &have.environment));
                if want.tags != have.tags {
                    changed.push("tags".into());
                }
                if !changed.is_empty() {
                    puts.push(step(
                        Action::Update,
                        Kind::Function,
                        want.name.clone(),
                        changed.join("; "),
                        Change::PutFunction(want),
                    ));
                }
            }
        }
    }
    let deletes = sorted(&current.functions, |f| &f.name)
        .into_iter()
        .filter(|f| {
            owned(&f.tags, &stack.name)
                && !stack.functions.iter().any(|w| w.function.name == f.name)
        })
        .map(|f| {
            step(
                Action::Delete,
                Kind::Function,
                &f.name,
                "no longer in the stack".into(),
                Change::DeleteFunction(f.name.clone()),
            )
        })
        .collect();
    (puts, deletes)
}

/// A mapping as the server shows it: its defaults filled in, filters as JSON values.
fn mapping_settled(m: &api::Mapping) -> api::Mapping {
    api::Mapping {
        id: String::new(),
        batch_size: Some(m.batch_size.unwrap_or(10)),
        batch_window: Some(m.batch_window.unwrap_or(0)),
        enabled: Some(m.enabled.unwrap_or(true)),
        filters: m
            .filters
            .iter()
            .filter_map(|f| pattern_value(Some(f)))
            .collect(),
        ..m.clone()
    }
}

fn filters_text(filters: &[Value]) -> Option<String> {
    (!filters.is_empty()).then(|| filters.iter().map(one_line).collect::<Vec<_>>().join(", "))
}

fn mappings(stack: &Stack, current: &Current) -> (Vec<Step>, Vec<Step>) {
    let mut puts = Vec::new();
    let mut wanted: Vec<&api::Mapping> = stack.mappings.iter().collect();
    wanted.sort_by_key(|m| mapping_key(m));
    for want in wanted {
        let want = mapping_settled(want);
        let key = mapping_key(&want);
        match current
            .mappings
            .iter()
            .find(|h| h.function == want.function && h.queue == want.queue)
        {
            None => {
                let mut detail = format!(
                    "batch-size {}, batch-window {}",
                    want.batch_size.unwrap_or(10),
                    want.batch_window.unwrap_or(0)
                );
                if want.report_batch_item_failures {
                    detail.push_str(", report-batch-item-failures");
                }
                puts.push(step(
                    Action::Create,
                    Kind::Mapping,
                    key,
                    detail,
                    Change::CreateMapping(want),
                ));
            }
            Some(have) => {
                let have = mapping_settled(have);
                let changed = differences(&[
                    ("batch-size", text(have.batch_size), text(want.batch_size)),
                    (
                        "batch-window",
                        text(have.batch_window),
                        text(want.batch_window),
                    ),
                    (
                        "report-batch-item-failures",
                        text(Some(have.report_batch_item_failures)),
                        text(Some(want.report_batch_item_failures)),
                    ),
                    (
                        "filters",
                        filters_text(&have.filters),
                        filters_text(&want.filters),
                    ),
                    (
                        "max-concurrency",
                        text(have.max_concurrency),
                        text(want.max_concurrency),
                    ),
                    ("enabled", text(have.enabled), text(want.enabled)),
                ]);
                if !changed.is_empty() {
                    let id = current
                        .mappings
                        .iter()
                        .find(|h| h.function == want.function && h.queue == want.queue)
                        .map(|h| h.id.clone())
                        .unwrap_or_default();
                    puts.push(step(
                        Action::Update,
                        Kind::Mapping,
                        key,
                        changed.join("; "),
                        Change::UpdateMapping(api::Mapping { id, ..want }),
                    ));
                }
            }
        }
    }
    let owned_functions: Vec<&str> = current
        .functions
        .iter()
        .filter(|f| owned(&f.tags, &stack.name))
        .map(|f| f.name.as_str())
        .collect();
    let mut deletes: Vec<&api::Mapping> = current
        .mappings
        .iter()
        .filter(|m| {
            owned_functions.contains(&m.function.as_str())
                && !stack
                    .mappings
                    .iter()
                    .any(|w| w.function == m.function && w.queue == m.queue)
        })
        .collect();
    deletes.sort_by_key(|m| mapping_key(m));
    let deletes = deletes
        .into_iter()
        .map(|m| {
            step(
                Action::Delete,
                Kind::Mapping,
                mapping_key(m),
                "no longer in the stack".into(),
                Change::DeleteMapping(m.id.clone()),
            )
        })
        .collect();
    (puts, deletes)
}

/// A route as the server shows it: method in upper case, a bus route's source and
/// detail-type defaulted.
fn route_settled(r: &api::Route) -> api::Route {
    let mut r = r.clone();
    r.method = r.method.to_ascii_uppercase();
    if r.bus.is_some() {
        r.source.get_or_insert_with(|| "eddy.route".to_owned());
        let key = route_key(&r);
        r.detail_type.get_or_insert(key);
    }
    r
}

fn route_target(r: &api::Route) -> String {
    if let Some(f) = &r.function {
        format!("function:{f}")
    } else if let Some(b) = &r.bus {
        format!(
            "bus:{b} (source {}, detail-type {})",
            r.source.as_deref().unwrap_or("eddy.route"),
            r.detail_type.as_deref().unwrap_or_default()
        )
    } else if let Some(q) = &r.queue {
        format!("queue:{q}")
    } else {
        String::new()
    }
}

fn routes(stack: &Stack, current: &Current) -> (Vec<Step>, Vec<Step>) {
    let mut puts = Vec::new();
    let mut wanted: Vec<&api::Route> = stack.routes.iter().collect();
    wanted.sort_by_key(|r| route_key(r));
    for want in wanted {
        let mut want = route_settled(want);
        want.tags = with_stack_tag(&want.tags, &stack.name);
        let key = route_key(&want);
        match current.routes.iter().find(|h| route_key(h) == key) {
            None => puts.push(step(
                Action::Create,
                Kind::Route,
                key,
                format!("→ {}", route_target(&want)),
                Change::PutRoute(want),
            )),
            Some(have) => {
                let have = route_settled(have);
                let mut changed = Vec::new();
                let (a, b) = (route_target(&have), route_target(&want));
                if a != b {
                    changed.push(format!("{a} → {b}"));
                }
                if want.tags != have.tags {
                    changed.push("tags".into());
                }
                if !changed.is_empty() {
                    puts.push(step(
                        Action::Update,
                        Kind::Route,
                        key,
                        changed.join("; "),
                        Change::PutRoute(want),
                    ));
                }
            }
        }
    }
    let mut deletes: Vec<&api::Route> = current
        .routes
        .iter()
        .filter(|r| {
            owned(&r.tags, &stack.name)
                && !stack.routes.iter().any(|w| route_key(w) == route_key(r))
        })
        .collect();
    deletes.sort_by_key(|r| route_key(r));
    let deletes = deletes
        .into_iter()
        .map(|r| {
            step(
                Action::Delete,
                Kind::Route,
                route_key(r),
                "no longer in the stack".into(),
                Change::DeleteRoute {
                    method: r.method.to_ascii_uppercase(),
                    path: r.path.clone(),
                },
            )
        })
        .collect();
    (puts, deletes)
}

fn sorted<T>(items: &[T], name: impl Fn(&T) -> &String) -> Vec<&T> {
    let mut out: Vec<&T> = items.iter().collect();
    out.sort_by(|a, b| name(a).cmp(name(b)));
    out
}
