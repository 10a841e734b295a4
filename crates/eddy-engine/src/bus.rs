//! Buses and rules: EventBridge's resources and PutEvents. An event is matched against its
//! bus's rules when it is put; what it causes — messages in target queues, events on
//! target buses, dead letters — is committed in the same batch before the producer is
//! answered, so an acknowledged event has reached its queue targets, whatever crashes next.

use std::collections::BTreeMap;
use std::sync::Arc;

use eddy_model::arn::{Arn, TargetArn};
use eddy_model::event::{format_time, Entry, Event};
use eddy_model::names::{BusName, QueueName, RuleName, TargetId};
use eddy_pattern::matcher::Matcher;
use eddy_pattern::transform::Context;
use eddy_queue::{AttributeValue, MessageAttribute, NewMessage};
use eddy_store::{Op, ResourceKind};

use crate::detail::{self, Detail};
use crate::error::{Error, Kind};
use crate::queues::{Plan, QueueCell, SENDER_ID};
use crate::resources::{BusDef, RuleDef, RuleState, Tags, Target, TargetDef};
use crate::{Engine, Registry};

/// A bus in memory: its definition, rules and their compiled patterns.
pub(crate) struct Bus {
    pub(crate) def: BusDef,
    pub(crate) rules: BTreeMap<RuleName, Rule>,
    matcher: Matcher<RuleName>,
}

/// A rule in memory.
pub(crate) struct Rule {
    pub(crate) def: RuleDef,
    pub(crate) targets: Vec<Target>,
}

impl Bus {
    pub(crate) fn new(def: BusDef) -> Bus {
        Bus {
            def,
            rules: BTreeMap::new(),
            matcher: Matcher::new(),
        }
    }

    pub(crate) fn restore_rule(&mut self, def: RuleDef) -> Result<(), Error> {
        let name = RuleName::parse(&def.name, "Name")?;
        if let Some(pattern) = &def.event_pattern {
            self.matcher
                .add(name.clone(), pattern.as_bytes())
                .map_err(|e| {
                    Error::new(Kind::InvalidPattern, format!("stored rule {name}: {e}"))
                })?;
        }
        let targets = def
            .targets
            .iter()
            .map(compile_target)
            .collect::<Result<Vec<_>, _>>()?;
        self.rules.insert(name, Rule { def, targets });
        Ok(())
    }
}

fn compile_target(def: &TargetDef) -> Result<Target, Error> {
    let to = TargetArn::parse(&def.arn).ok_or_else(|| {
        Error::validation(format!(
            "Parameter {} is not valid for target {}: Eddy cannot deliver to it.",
            def.arn, def.id
        ))
    })?;
    let transform = def
        .transform()
        .map_err(|e| Error::validation(e.to_string()))?;
    if let Some(policy) = &def.retry_policy {
        if policy.maximum_retry_attempts.is_some_and(|n| n > 185) {
            return Err(Error::validation(
                "1 validation error detected: Value at 'retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185",
            ));
        }
        if policy
            .maximum_event_age_in_seconds
            .is_some_and(|n| !(60..=86_400).contains(&n))
        {
            return Err(Error::validation(
                "1 validation error detected: Value at 'retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400",
            ));
        }
    }
    Ok(Target {
        def: def.clone(),
        to,
        transform,
    })
}

/// What a bus looks like to a caller.
#[derive(Debug, Clone)]
pub struct BusInfo {
    /// Its definition.
    pub def: BusDef,
    /// Its ARN.
    pub arn: String,
}

/// What a rule looks like to a caller.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// Its definition (with its targets).
    pub def: RuleDef,
    /// Its ARN.
    pub arn: String,
}

/// A rule to create or update (PutRule).
#[derive(Debug, Clone, Default)]
pub struct PutRule {
    /// The bus (name or ARN); `default` when absent.
    pub bus: Option<String>,
    /// The rule's name.
    pub name: String,
    /// `EventPattern`.
    pub event_pattern: Option<String>,
    /// `ScheduleExpression`.
    pub schedule_expression: Option<String>,
    /// `State`; ENABLED when absent.
    pub state: Option<RuleState>,
    /// `Description`.
    pub description: Option<String>,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `Tags` (applied when the rule is created).
    pub tags: Tags,
}

/// One entry's outcome in PutEvents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Accepted, with the event's id.
    Accepted(String),
    /// Refused: EventBridge's error code and message.
    Failed {
        /// e.g. `InvalidArgument`, `MalformedDetail`.
        code: &'static str,
        /// For the caller.
        message: String,
    },
}

/// A target refused by PutTargets or RemoveTargets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTarget {
    /// The target's id.
    pub id: String,
    /// EventBridge's error code.
    pub code: &'static str,
    /// For the caller.
    pub message: String,
}

/// Reads a bus given by name or ARN (`default` when absent).
pub fn bus_name(given: Option<&str>, member: &str) -> Result<BusName, Error> {
    match given {
        None => Ok(BusName::default_bus()),
        Some(text) => {
            match Arn::parse(text) {
                Some(arn) if arn.service == "events" => {
                    let name = arn.resource.strip_prefix("event-bus/").ok_or_else(|| {
                    Error::validation(format!("Parameter {member} is not valid. Reason: {text} is not an event bus ARN."))
                })?;
                    Ok(BusName::parse(name, member)?)
                }
                Some(_) => Err(Error::validation(format!(
                    "Parameter {member} is not valid. Reason: {text} is not an event bus ARN."
                ))),
                None => Ok(BusName::parse(text, member)?),
            }
        }
    }
}

fn bus_missing(bus: &BusName) -> Error {
    Error::not_found(format!("Event bus {bus} does not exist."))
}

fn rule_missing(rule: &str, bus: &BusName) -> Error {
    Error::not_found(format!("Rule {rule} does not exist on EventBus {bus}."))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|err| {
        tracing::error!(error = %err, "cannot encode a resource");
        Error::internal()
    })
}

fn rule_key(def: &RuleDef) -> String {
    format!("{}/{}", def.bus, def.name)
}

impl Engine {
    pub(crate) fn ensure_default_bus(&self) {
        let mut registry = self.write();
        if let std::collections::btree_map::Entry::Vacant(slot) =
            registry.buses.entry(BusName::default_bus())
        {
            let def = BusDef {
                name: slot.key().to_string(),
                description: None,
                created_at: self.now(),
                tags: Tags::new(),
            };
            if let Ok(body) = encode(&def) {
                self.inner.writer.submit(vec![Op::PutResource {
                    kind: ResourceKind::Bus,
                    key: def.name.clone(),
                    body,
                }]);
            }
            slot.insert(Bus::new(def));
        }
    }

    fn bus_info(&self, bus: &Bus) -> BusInfo {
        let name = BusName::parse(&bus.def.name, "Name").unwrap_or_else(|_| BusName::default_bus());
        BusInfo {
            def: bus.def.clone(),
            arn: self.inner.config.scope.bus_arn(&name),
        }
    }

    fn rule_info(&self, bus: &BusName, name: &RuleName, rule: &Rule) -> RuleInfo {
        RuleInfo {
            def: rule.def.clone(),
            arn: self.inner.config.scope.rule_arn(bus, name),
        }
    }

    /// Sets a bus's description and tags (UpdateEventBus; the native API's PUT).
    pub async fn update_bus(
        &self,
        name: &str,
        description: Option<String>,
        tags: Tags,
    ) -> Result<BusInfo, Error> {
        let name = BusName::parse(name, "Name")?;
        let (info, ack) = {
            let mut registry = self.write();
            let bus = registry
                .buses
                .get_mut(&name)
                .ok_or_else(|| bus_missing(&name))?;
            bus.def.description = description;
            bus.def.tags = tags;
            let body = encode(&bus.def)?;
            let info = self.bus_info(bus);
            let ack = self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::Bus,
                key: name.to_string(),
                body,
            }]);
            (info, ack)
        };
        ack.wait().await?;
        Ok(info)
    }

    /// CreateEventBus.
    pub async fn create_bus(
        &self,
        name: &str,
        description: Option<String>,
        tags: Tags,
    ) -> Result<BusInfo, Error> {
        let name = BusName::parse(name, "Name")?;
        let def = BusDef {
            name: name.to_string(),
            description,
            created_at: self.now(),
            tags,
        };
        let body = encode(&def)?;
        let (info, ack) = {
            let mut registry = self.write();
            if registry.buses.contains_key(&name) {
                return Err(Error::new(
                    Kind::AlreadyExists,
                    format!("Event bus {name} already exists."),
                ));
            }
            let bus = Bus::new(def);
            let info = self.bus_info(&bus);
            registry.buses.insert(name.clone(), bus);
            (
                info,
                self.inner.writer.commit(vec![Op::PutResource {
                    kind: ResourceKind::Bus,
                    key: name.to_string(),
                    body,
                }]),
            )
        };
        ack.wait().await?;
        Ok(info)
    }

    /// DeleteEventBus: removes the bus and its rules; `default` cannot be deleted.
    pub async fn delete_bus(&self, name: &str) -> Result<(), Error> {
        let name = BusName::parse(name, "Name")?;
        if name.is_default() {
            return Err(Error::validation("Cannot delete event bus default."));
        }
        let ack = {
            let mut registry = self.write();
            let Some(bus) = registry.buses.remove(&name) else {
                return Ok(());
            };
            let mut ops: Vec<Op> = bus
                .rules
                .values()
                .map(|r| Op::DeleteResource {
                    kind: ResourceKind::Rule,
                    key: rule_key(&r.def),
                })
                .collect();
            ops.push(Op::DeleteResource {
                kind: ResourceKind::Bus,
                key: name.to_string(),
            });
            self.inner.writer.commit(ops)
        };
        ack.wait().await
    }

    /// DescribeEventBus.
    pub fn describe_bus(&self, name: Option<&str>) -> Result<BusInfo, Error> {
        let name = bus_name(name, "Name")?;
        let registry = self.read();
        let bus = registry
            .buses
            .get(&name)
            .ok_or_else(|| bus_missing(&name))?;
        Ok(self.bus_info(bus))
    }

    /// ListEventBuses.
    pub fn list_buses(&self, prefix: &str) -> Vec<BusInfo> {
        let registry = self.read();
        registry
            .buses
            .values()
            .filter(|b| b.def.name.starts_with(prefix))
            .map(|b| self.bus_info(b))
            .collect()
    }

    /// PutRule: creates or updates a rule; returns its ARN. An update keeps the targets and
    /// the tags.
    pub async fn put_rule(&self, input: PutRule) -> Result<String, Error> {
        let bus_name = bus_name(input.bus.as_deref(), "EventBusName")?;
        let name = RuleName::parse(&input.name, "Name")?;
        if input.event_pattern.is_none() && input.schedule_expression.is_none() {
            return Err(Error::validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        }
        if let Some(pattern) = &input.event_pattern {
            eddy_pattern::pattern::Pattern::parse(pattern.as_bytes()).map_err(|e| {
                Error::new(
                    Kind::InvalidPattern,
                    format!("Event pattern is not valid. Reason: {e}"),
                )
            })?;
        }
        let (arn, ack) = {
            let mut registry = self.write();
            let bus = registry
                .buses
                .get_mut(&bus_name)
                .ok_or_else(|| bus_missing(&bus_name))?;
            let previous = bus.rules.get(&name).map(|r| r.def.clone());
            let def = RuleDef {
                bus: bus_name.to_string(),
                name: name.to_string(),
                event_pattern: input.event_pattern,
                schedule_expression: input.schedule_expression,
                state: input.state.unwrap_or_default(),
                description: input.description,
                role_arn: input.role_arn,
                tags: previous.as_ref().map_or(input.tags, |p| p.tags.clone()),
                targets: previous.map(|p| p.targets).unwrap_or_default(),
            };
            bus.matcher.remove(&name);
            if let Err(err) = bus.restore_rule(def.clone()) {
                bus.rules.remove(&name);
                return Err(err);
            }
            let body = encode(&def)?;
            let arn = self.inner.config.scope.rule_arn(&bus_name, &name);
            (
                arn,
                self.inner.writer.commit(vec![Op::PutResource {
                    kind: ResourceKind::Rule,
                    key: rule_key(&def),
                    body,
                }]),
            )
        };
        ack.wait().await?;
        Ok(arn)
    }

    fn with_rule<T>(
        &self,
        bus: Option<&str>,
        rule: &str,
        f: impl FnOnce(&BusName, &RuleName, &Rule) -> T,
    ) -> Result<T, Error> {
        let bus_name = bus_name(bus, "EventBusName")?;
        let registry = self.read();
        let bus = registry
            .buses
            .get(&bus_name)
            .ok_or_else(|| rule_missing(rule, &bus_name))?;
        let name = RuleName::parse(rule, "Name")?;
        let found = bus
            .rules
            .get(&name)
            .ok_or_else(|| rule_missing(rule, &bus_name))?;
        Ok(f(&bus_name, &name, found))
    }

    /// DescribeRule.
    pub fn describe_rule(&self, bus: Option<&str>, rule: &str) -> Result<RuleInfo, Error> {
        self.with_rule(bus, rule, |b, n, r| self.rule_info(b, n, r))
    }

    /// ListRules: rules of a bus whose names start with `prefix`.
    pub fn list_rules(&self, bus: Option<&str>, prefix: &str) -> Result<Vec<RuleInfo>, Error> {
        let bus_name = bus_name(bus, "EventBusName")?;
        let registry = self.read();
        let bus = registry
            .buses
            .get(&bus_name)
            .ok_or_else(|| bus_missing(&bus_name))?;
        Ok(bus
            .rules
            .iter()
            .filter(|(n, _)| n.as_str().starts_with(prefix))
            .map(|(n, r)| self.rule_info(&bus_name, n, r))
            .collect())
    }

    /// Changes a rule under the registry's write lock and stores it.
    async fn update_rule<T>(
        &self,
        bus: Option<&str>,
        rule: &str,
        change: impl FnOnce(&mut RuleDef) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let bus_name = bus_name(bus, "EventBusName")?;
        let name = RuleName::parse(rule, "Name")?;
        let (out, ack) = {
            let mut registry = self.write();
            let bus = registry
                .buses
                .get_mut(&bus_name)
                .ok_or_else(|| rule_missing(rule, &bus_name))?;
            let found = bus
                .rules
                .get(&name)
                .ok_or_else(|| rule_missing(rule, &bus_name))?;
            let mut def = found.def.clone();
            let out = change(&mut def)?;
            let targets = def
                .targets
                .iter()
                .map(compile_target)
                .collect::<Result<Vec<_>, _>>()?;
            let body = encode(&def)?;
            let key = rule_key(&def);
            bus.rules.insert(name, Rule { def, targets });
            (
                out,
                self.inner.writer.commit(vec![Op::PutResource {
                    kind: ResourceKind::Rule,
                    key,
                    body,
                }]),
            )
        };
        ack.wait().await?;
        Ok(out)
    }

    /// EnableRule / DisableRule.
    pub async fn set_rule_state(
        &self,
        bus: Option<&str>,
        rule: &str,
        state: RuleState,
    ) -> Result<(), Error> {
        self.update_rule(bus, rule, |def| {
            def.state = state;
            Ok(())
        })
        .await
    }

    /// DeleteRule: refused while the rule has targets; nothing if it does not exist.
    pub async fn delete_rule(&self, bus: Option<&str>, rule: &str) -> Result<(), Error> {
        self.remove_rule(bus, rule, TargetsPolicy::Refuse).await
    }

    /// Deletes a rule and its targets (the native API's delete).
    pub async fn delete_rule_with_targets(
        &self,
        bus: Option<&str>,
        rule: &str,
    ) -> Result<(), Error> {
        self.remove_rule(bus, rule, TargetsPolicy::Remove).await
    }

    async fn remove_rule(
        &self,
        bus: Option<&str>,
        rule: &str,
        targets: TargetsPolicy,
    ) -> Result<(), Error> {
        let bus_name = bus_name(bus, "EventBusName")?;
        let name = RuleName::parse(rule, "Name")?;
        let ack = {
            let mut registry = self.write();
            let Some(bus) = registry.buses.get_mut(&bus_name) else {
                return Err(bus_missing(&bus_name));
            };
            let Some(found) = bus.rules.get(&name) else {
                return Ok(());
            };
            if !found.def.targets.is_empty() && targets == TargetsPolicy::Refuse {
                return Err(Error::validation(
                    "Rule can't be deleted since it has targets.",
                ));
            }
            let key = rule_key(&found.def);
            bus.rules.remove(&name);
            bus.matcher.remove(&name);
            self.inner.writer.commit(vec![Op::DeleteResource {
                kind: ResourceKind::Rule,
                key,
            }])
        };
        ack.wait().await
    }

    /// Replaces all of a rule's targets at once (the native API's PUT); refuses the whole
    /// set if one target cannot be used.
    pub async fn set_targets(
        &self,
        bus: Option<&str>,
        rule: &str,
        targets: Vec<TargetDef>,
    ) -> Result<(), Error> {
        let max = self.inner.config.limits.max_targets_per_rule;
        self.update_rule(bus, rule, |def| {
            if targets.len() > max {
                return Err(Error::new(
                    Kind::LimitExceeded,
                    "The requested resource exceeds the maximum number allowed.",
                ));
            }
            for (i, target) in targets.iter().enumerate() {
                TargetId::parse(&target.id, "Id")?;
                compile_target(target)?;
                if targets[..i].iter().any(|t| t.id == target.id) {
                    return Err(Error::validation(format!(
                        "Target id {} is repeated.",
                        target.id
                    )));
                }
            }
            def.targets = targets;
            Ok(())
        })
        .await
    }

    /// PutTargets: adds or replaces targets by id. Targets that cannot be used are
    /// reported, the others are put.
    pub async fn put_targets(
        &self,
        bus: Option<&str>,
        rule: &str,
        targets: Vec<TargetDef>,
    ) -> Result<Vec<FailedTarget>, Error> {
        let max = self.inner.config.limits.max_targets_per_rule;
        self.update_rule(bus, rule, |def| {
            let mut failed = Vec::new();
            let mut accepted = Vec::new();
            for target in targets {
                if let Err(err) = TargetId::parse(&target.id, "Id") {
                    failed.push(FailedTarget {
                        id: target.id.clone(),
                        code: "ValidationException",
                        message: err.0,
                    });
                    continue;
                }
                match compile_target(&target) {
                    Ok(_) => accepted.push(target),
                    Err(err) => failed.push(FailedTarget {
                        id: target.id.clone(),
                        code: "ValidationException",
                        message: err.message,
                    }),
                }
            }
            let mut next = def.targets.clone();
            for target in accepted {
                match next.iter_mut().find(|t| t.id == target.id) {
                    Some(slot) => *slot = target,
                    None => next.push(target),
                }
            }
            if next.len() > max {
                return Err(Error::new(
                    Kind::LimitExceeded,
                    "The requested resource exceeds the maximum number allowed.",
                ));
            }
            def.targets = next;
            Ok(failed)
        })
        .await
    }

    /// RemoveTargets: ids that are not targets of the rule are reported.
    pub async fn remove_targets(
        &self,
        bus: Option<&str>,
        rule: &str,
        ids: &[String],
    ) -> Result<Vec<FailedTarget>, Error> {
        self.update_rule(bus, rule, |def| {
            let mut failed = Vec::new();
            for id in ids {
                let before = def.targets.len();
                def.targets.retain(|t| &t.id != id);
                if def.targets.len() == before {
                    failed.push(FailedTarget {
                        id: id.clone(),
                        code: "ResourceNotFoundException",
                        message: format!("Target {id} does not exist on rule {}.", def.name),
                    });
                }
            }
            Ok(failed)
        })
        .await
    }

    /// ListRuleNamesByTarget: rules of a bus with a target whose ARN is `arn`.
    pub fn rules_by_target(&self, bus: Option<&str>, arn: &str) -> Result<Vec<String>, Error> {
        let bus_name = bus_name(bus, "EventBusName")?;
        let registry = self.read();
        let bus = registry
            .buses
            .get(&bus_name)
            .ok_or_else(|| bus_missing(&bus_name))?;
        Ok(bus
            .rules
            .values()
            .filter(|r| r.def.targets.iter().any(|t| t.arn == arn))
            .map(|r| r.def.name.clone())
            .collect())
    }

    /// Tags of a bus or rule, by ARN.
    pub fn tags_of(&self, arn: &str) -> Result<Tags, Error> {
        let registry = self.read();
        match self.tagged(&registry, arn)? {
            Tagged::Bus(bus) => Ok(registry
                .buses
                .get(&bus)
                .map(|b| b.def.tags.clone())
                .unwrap_or_default()),
            Tagged::Rule(bus, rule) => Ok(registry
                .buses
                .get(&bus)
                .and_then(|b| b.rules.get(&rule))
                .map(|r| r.def.tags.clone())
                .unwrap_or_default()),
        }
    }

    /// TagResource / UntagResource on a bus or rule, by ARN.
    pub async fn tag_resource(&self, arn: &str, add: Tags, remove: &[String]) -> Result<(), Error> {
        let ack = {
            let mut registry = self.write();
            let op = match self.tagged(&registry, arn)? {
                Tagged::Bus(name) => {
                    let bus = registry
                        .buses
                        .get_mut(&name)
                        .ok_or_else(|| bus_missing(&name))?;
                    bus.def.tags.extend(add);
                    bus.def.tags.retain(|k, _| !remove.contains(k));
                    Op::PutResource {
                        kind: ResourceKind::Bus,
                        key: name.to_string(),
                        body: encode(&bus.def)?,
                    }
                }
                Tagged::Rule(bus, rule) => {
                    let found = registry
                        .buses
                        .get_mut(&bus)
                        .and_then(|b| b.rules.get_mut(&rule))
                        .ok_or_else(|| rule_missing(rule.as_str(), &bus))?;
                    found.def.tags.extend(add);
                    found.def.tags.retain(|k, _| !remove.contains(k));
                    Op::PutResource {
                        kind: ResourceKind::Rule,
                        key: rule_key(&found.def),
                        body: encode(&found.def)?,
                    }
                }
            };
            self.inner.writer.commit(vec![op])
        };
        ack.wait().await
    }

    fn tagged(&self, registry: &Registry, arn: &str) -> Result<Tagged, Error> {
        let not_found = || Error::not_found(format!("Resource {arn} does not exist."));
        let parsed = Arn::parse(arn)
            .filter(|a| a.service == "events")
            .ok_or_else(not_found)?;
        if let Some(bus) = parsed.resource.strip_prefix("event-bus/") {
            let bus = BusName::parse(bus, "ResourceARN").map_err(|_| not_found())?;
            if !registry.buses.contains_key(&bus) {
                return Err(not_found());
            }
            return Ok(Tagged::Bus(bus));
        }
        let rest = parsed
            .resource
            .strip_prefix("rule/")
            .ok_or_else(not_found)?;
        let (bus, rule) = match rest.rsplit_once('/') {
            Some((bus, rule)) => (
                BusName::parse(bus, "ResourceARN").map_err(|_| not_found())?,
                rule,
            ),
            None => (BusName::default_bus(), rest),
        };
        let rule = RuleName::parse(rule, "ResourceARN").map_err(|_| not_found())?;
        if !registry
            .buses
            .get(&bus)
            .is_some_and(|b| b.rules.contains_key(&rule))
        {
            return Err(not_found());
        }
        Ok(Tagged::Rule(bus, rule))
    }

    /// PutEvents: validates each entry, routes the valid ones and answers once everything
    /// they caused is committed.
    pub async fn put_events(&self, entries: Vec<Entry>) -> Result<Vec<EntryOutcome>, Error> {
        let limits = &self.inner.config.limits;
        if entries.is_empty() || entries.len() > limits.max_entries {
            return Err(Error::validation(format!(
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to {} and greater than or equal to 1",
                limits.max_entries
            )));
        }
        if entries.iter().map(Entry::size).sum::<usize>() > limits.max_entry_bytes {
            return Err(Error::validation(
                "Total size of the entries in the request is over the limit.",
            ));
        }
        let now = self.now();
        let mut plan = Plan::default();
        let mut outcomes = Vec::with_capacity(entries.len());
        {
            let registry = self.read();
            for entry in entries {
                let outcome = match self.event_of(&registry, entry, now) {
                    Ok((bus, event, detail)) => {
                        let id = event.id.clone();
                        let json = event.to_json();
                        let envelope = Envelope::new(&json, detail);
                        self.route(&registry, &bus, &envelope, now, 0, &mut plan);
                        EntryOutcome::Accepted(id)
                    }
                    Err(failed) => failed,
                };
                outcomes.push(outcome);
            }
        }
        plan.commit(self).await?;
        Ok(outcomes)
    }

    fn event_of(
        &self,
        registry: &Registry,
        entry: Entry,
        now: u64,
    ) -> Result<(BusName, Event, Detail), EntryOutcome> {
        let invalid = |member: &str| EntryOutcome::Failed {
            code: "InvalidArgument",
            message: format!(
                "Parameter {member} is not valid. Reason: {member} is a required argument."
            ),
        };
        let source = entry
            .source
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("Source"))?;
        let detail_type = entry
            .detail_type
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("DetailType"))?;
        let detail = entry
            .detail
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("Detail"))?;
        let malformed = || EntryOutcome::Failed {
            code: "MalformedDetail",
            message: "Detail is malformed.".to_owned(),
        };
        // A JSON object: checked without building it (the matcher reads it later), and
        // whether it is plain, which lets the matcher stop reading early.
        let shape = detail::check(&detail);
        if shape == Detail::Malformed {
            return Err(malformed());
        }
        let bus =
            bus_name(entry.bus.as_deref(), "EventBusName").map_err(|e| EntryOutcome::Failed {
                code: "InvalidArgument",
                message: e.message,
            })?;
        if !registry.buses.contains_key(&bus) {
            return Err(EntryOutcome::Failed {
                code: "ResourceNotFoundException",
                message: format!("Event bus {bus} does not exist."),
            });
        }
        let scope = &self.inner.config.scope;
        let event = Event {
            // A producer's id (CloudEvents carry one) is kept; otherwise a new one.
            id: entry.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            detail_type,
            source,
            account: scope.account.clone(),
            time: entry
                .time
                .unwrap_or_else(|| i64::try_from(now / 1000).unwrap_or(i64::MAX)),
            region: scope.region.clone(),
            resources: entry.resources,
            detail,
        };
        Ok((bus, event, shape))
    }

    /// Sends an event made by Eddy on `bus` to its rules' targets as part of `plan` (its
    /// detail read as a producer's is, to match it the quicker way when it is plain).
    pub(crate) fn route_event(
        &self,
        registry: &Registry,
        bus: &BusName,
        event: &Event,
        now: u64,
        plan: &mut Plan,
    ) {
        let json = event.to_json();
        let envelope = Envelope::new(&json, detail::check(&event.detail));
        self.route(registry, bus, &envelope, now, 0, plan);
    }

    /// Sends an event on `bus` to the targets of every enabled rule it matches.
    fn route(
        &self,
        registry: &Registry,
        bus_name: &BusName,
        envelope: &Envelope<'_>,
        now: u64,
        hops: usize,
        plan: &mut Plan,
    ) {
        let Some(bus) = registry.buses.get(bus_name) else {
            return;
        };
        let json = envelope.json;
        let matched = match envelope.matches(&bus.matcher) {
            Ok(matched) => matched,
            Err(err) => {
                tracing::warn!(bus = %bus_name, error = %err, "event could not be matched");
                return;
            }
        };
        if matched.is_empty() {
            return;
        }
        let mut parsed = None;
        let ingestion_time = format_time(i64::try_from(now / 1000).unwrap_or(i64::MAX));
        for rule_name in matched {
            let Some(rule) = bus.rules.get(rule_name) else {
                continue;
            };
            if rule.def.state != RuleState::Enabled {
                continue;
            }
            let rule_arn = self.inner.config.scope.rule_arn(bus_name, rule_name);
            for target in &rule.targets {
                if let TargetArn::Bus(next) = &target.to {
                    if hops + 1 < self.inner.config.limits.max_bus_hops && next != bus_name {
                        self.route(registry, next, envelope, now, hops + 1, plan);
                    }
                    continue;
                }
                let payload = match &target.transform {
                    eddy_pattern::transform::Transform::Event => json.to_owned(),
                    transform => {
                        let event = parsed
                            .get_or_insert_with(|| eddy_pattern::json::parse(json.as_bytes()));
                        let Ok(event) = event else { continue };
                        let ctx = Context {
                            rule_arn: &rule_arn,
                            rule_name: rule_name.as_str(),
                            ingestion_time: &ingestion_time,
                        };
                        match transform.apply(event, &ctx) {
                            Ok(payload) => payload,
                            Err(err) => {
                                tracing::debug!(rule = %rule_name, target = target.def.id, error = %err, "transformed input not delivered");
                                continue;
                            }
                        }
                    }
                };
                let delivered = match &target.to {
                    TargetArn::Queue(queue) => {
                        self.deliver_to_queue(registry, queue, target, payload, json, plan, now)
                    }
                    TargetArn::ApiDestination(name) => {
                        plan.deliver(crate::delivery::Delivery {
                            id: self.delivery_id(),
                            rule_arn: rule_arn.clone(),
                            target_id: target.def.id.clone(),
                            target_arn: target.def.arn.clone(),
                            destination: name.clone(),
                            http: target.def.http.clone(),
                            retry: target.def.retry_policy.unwrap_or_default(),
                            dead_letter_arn: target.def.dead_letter_arn.clone(),
                            payload,
                            event: json.to_owned(),
                            ingested_at: now,
                            attempts: 0,
                            due_at: now,
                            invoke: None,
                        });
                        Ok(())
                    }
                    TargetArn::Function(name) => {
                        if registry.functions.contains_key(name.as_str()) {
                            let mut invocation = self.async_invocation(
                                name,
                                uuid::Uuid::new_v4().to_string(),
                                payload.into_bytes(),
                                rule_arn.clone(),
                            );
                            invocation.target_id.clone_from(&target.def.id);
                            plan.deliver(invocation);
                            Ok(())
                        } else {
                            Err(Failure::new(
                                "RESOURCE_NOT_FOUND",
                                format!("Function does not exist: {}", target.def.arn),
                            ))
                        }
                    }
                    TargetArn::Bus(_) => Ok(()),
                };
                if let Err(failure) = delivered {
                    let letter = DeadLetter {
                        dead_letter_arn: target.def.dead_letter_arn.as_deref(),
                        rule_arn: &rule_arn,
                        target_id: &target.def.id,
                        target_arn: &target.def.arn,
                        event: json,
                        failure: &failure,
                        retries: 0,
                        exhausted: None,
                    };
                    self.dead_letter(registry, &letter, plan, now);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn deliver_to_queue(
        &self,
        registry: &Registry,
        queue: &QueueName,
        target: &Target,
        payload: String,
        json: &str,
        plan: &mut Plan,
        now: u64,
    ) -> Result<(), Failure> {
        let cell: &Arc<QueueCell> = registry.queues.get(queue).ok_or_else(|| {
            Failure::new(
                "RESOURCE_NOT_FOUND",
                format!("Queue {queue} does not exist."),
            )
        })?;
        let fifo = cell.lock().config().fifo;
        let event_id = event_id_of(json);
        let message = NewMessage {
            message_id: uuid::Uuid::new_v4().to_string(),
            body: payload,
            attributes: Vec::new(),
            system_attributes: Vec::new(),
            delay_seconds: None,
            group_id: if fifo {
                target.def.message_group_id.clone()
            } else {
                None
            },
            deduplication_id: if fifo { event_id } else { None },
            sender_id: SENDER_ID.to_owned(),
        };
        plan.send(cell, message, now)
            .map(drop)
            .map_err(|err| Failure::new("SDK_CLIENT_ERROR", err.message))
    }

    /// Puts a failed event into the target's dead-letter queue with EventBridge's error
    /// attributes, or drops it (logged) when the target has none.
    pub(crate) fn dead_letter(
        &self,
        registry: &Registry,
        letter: &DeadLetter<'_>,
        plan: &mut Plan,
        now: u64,
    ) {
        let dlq = letter.dead_letter_arn.and_then(|arn| {
            let parsed = Arn::parse(arn)?;
            let name = QueueName::parse(parsed.resource).ok()?;
            registry.queues.get(&name).cloned()
        });
        let Some(dlq) = dlq else {
            tracing::warn!(
                rule = letter.rule_arn,
                target = letter.target_id,
                error = letter.failure.message,
                "event dropped: delivery failed and the target has no dead-letter queue"
            );
            return;
        };
        let attribute = |name: &str, value: String| MessageAttribute {
            name: name.to_owned(),
            data_type: "String".to_owned(),
            value: AttributeValue::String(value),
        };
        let mut attributes = vec![
            attribute("ERROR_CODE", letter.failure.code.to_owned()),
            attribute("ERROR_MESSAGE", letter.failure.message.clone()),
            attribute("RETRY_ATTEMPTS", letter.retries.to_string()),
            attribute("RULE_ARN", letter.rule_arn.to_owned()),
            attribute("TARGET_ARN", letter.target_arn.to_owned()),
        ];
        if let Some(condition) = letter.exhausted {
            attributes.push(attribute("EXHAUSTED_RETRY_CONDITION", condition.to_owned()));
        }
        let fifo = dlq.lock().config().fifo;
        let message = NewMessage {
            message_id: uuid::Uuid::new_v4().to_string(),
            body: letter.event.to_owned(),
            attributes,
            system_attributes: Vec::new(),
            delay_seconds: None,
            group_id: fifo.then(|| "eddy-dead-letters".to_owned()),
            deduplication_id: if fifo {
                Some(uuid::Uuid::new_v4().to_string())
            } else {
                None
            },
            sender_id: SENDER_ID.to_owned(),
        };
        if let Err(err) = plan.send(&dlq, message, now) {
            tracing::warn!(queue = %dlq.name, error = %err, "event dropped: the dead-letter queue refused it");
        }
    }

    /// TestEventPattern: whether `event` (a full envelope) matches `pattern`.
    pub fn test_event_pattern(&self, pattern: &str, event: &str) -> Result<bool, Error> {
        eddy_pattern::test_event::test_event_pattern(pattern.as_bytes(), event.as_bytes()).map_err(
            |err| match err {
                eddy_pattern::test_event::Error::InvalidPattern(_) => {
                    Error::new(Kind::InvalidPattern, err.to_string())
                }
                eddy_pattern::test_event::Error::InvalidEvent(_) => {
                    Error::validation(err.to_string())
                }
            },
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetsPolicy {
    Refuse,
    Remove,
}

enum Tagged {
    Bus(BusName),
    Rule(BusName, RuleName),
}

/// Why a delivery failed: EventBridge's error code and a message.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// A failed event on its way to a dead-letter queue.
pub(crate) struct DeadLetter<'a> {
    pub(crate) dead_letter_arn: Option<&'a str>,
    pub(crate) rule_arn: &'a str,
    pub(crate) target_id: &'a str,
    pub(crate) target_arn: &'a str,
    pub(crate) event: &'a str,
    pub(crate) failure: &'a Failure,
    pub(crate) retries: u32,
    pub(crate) exhausted: Option<&'static str>,
}

/// An event's envelope (JSON) on its way to the rules, and whether its detail is plain.
struct Envelope<'a> {
    json: &'a str,
    /// The detail was read as plain (see [`detail`]); the envelope around it is Eddy's
    /// own, so the whole is plain and matching may stop early.
    plain: bool,
}

impl<'a> Envelope<'a> {
    fn new(json: &'a str, detail: Detail) -> Envelope<'a> {
        Envelope {
            json,
            plain: detail == Detail::Plain,
        }
    }

    /// The rules of `matcher` that the event matches (their names borrowed from it).
    fn matches<'m>(
        &self,
        matcher: &'m Matcher<RuleName>,
    ) -> Result<Vec<&'m RuleName>, eddy_pattern::Error> {
        let mut matched = Vec::new();
        if self.plain {
            matcher.for_each_match_plain(self.json.as_bytes(), |name| matched.push(name))?;
        } else {
            matcher.for_each_match(self.json.as_bytes(), |name| matched.push(name))?;
        }
        Ok(matched)
    }
}

/// The `id` of an envelope Eddy wrote (always the second member).
fn event_id_of(json: &str) -> Option<String> {
    let rest = json.strip_prefix("{\"version\":\"0\",\"id\":\"")?;
    rest.split('"').next().map(str::to_owned)
}
