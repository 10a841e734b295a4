//! EventBridge over the AWS JSON 1.1 protocol (`X-Amz-Target: AWSEvents.<Operation>`).

use axum::response::{IntoResponse, Response};
use eddy_engine::bus::{BusInfo, EntryOutcome, FailedTarget, PutRule, RuleInfo};
use eddy_engine::resources::{
    CloudEventsMode, HttpParameters, InputTransformerDef, RetryPolicy, RuleState, Tags, TargetDef,
};
use eddy_engine::{Engine, Error, Kind};
use eddy_model::event::Entry;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{decode, ok, AwsError};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Answers one EventBridge operation.
pub async fn handle(engine: &Engine, operation: &str, body: &[u8]) -> Response {
    match run(engine, operation, body).await {
        Ok(value) => ok(&value, CONTENT_TYPE),
        Err(err) => err.into_response(),
    }
}

/// Engine error kinds in EventBridge's shapes.
pub(crate) fn error(err: Error) -> AwsError {
    let kind = match err.kind {
        Kind::NotFound => "ResourceNotFoundException",
        Kind::AlreadyExists => "ResourceAlreadyExistsException",
        Kind::Validation => "ValidationException",
        Kind::InvalidPattern => "InvalidEventPatternException",
        Kind::Conflict => "ConcurrentModificationException",
        Kind::LimitExceeded => "LimitExceededException",
        Kind::Internal => {
            return AwsError::new("InternalException", err.message)
                .status(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    AwsError::new(kind, err.message)
}

pub(crate) fn serialization(message: String) -> AwsError {
    AwsError::new("SerializationException", message)
}

pub(crate) fn required<'a>(value: &'a Option<String>, member: &str) -> Result<&'a str, AwsError> {
    value.as_deref().ok_or_else(|| {
        AwsError::new(
            "ValidationException",
            format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

/// The API model's bound on an `EventPattern` (PutRule, TestEventPattern): 4,096
/// characters, counted as AWS counts them (UTF-16 units). EventBridge's default quota for
/// a rule is 2,048, raised on request up to this bound.
const MAX_EVENT_PATTERN: usize = 4096;

fn check_pattern_length(pattern: Option<&str>) -> Result<(), AwsError> {
    match pattern {
        Some(p) if p.encode_utf16().count() > MAX_EVENT_PATTERN => Err(AwsError::new(
            "ValidationException",
            format!("1 validation error detected: Value '{p}' at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_EVENT_PATTERN}"),
        )),
        _ => Ok(()),
    }
}

async fn run(engine: &Engine, operation: &str, body: &[u8]) -> Result<Value, AwsError> {
    match operation {
        "PutEvents" => put_events(engine, decode(body, serialization)?).await,
        "CreateEventBus" => {
            let req: CreateEventBus = decode(body, serialization)?;
            let name = required(&req.name, "name")?;
            let info = engine
                .create_bus(name, req.description, tags_in(req.tags))
                .await
                .map_err(error)?;
            Ok(json!({ "EventBusArn": info.arn }))
        }
        "DeleteEventBus" => {
            let req: NameOnly = decode(body, serialization)?;
            engine
                .delete_bus(required(&req.name, "name")?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "DescribeEventBus" => {
            let req: NameOnly = decode(body, serialization)?;
            let info = engine.describe_bus(req.name.as_deref()).map_err(error)?;
            Ok(bus_out(&info))
        }
        "ListEventBuses" => {
            let req: ListRequest = decode(body, serialization)?;
            let buses = engine.list_buses(req.name_prefix.as_deref().unwrap_or(""));
            let (page, next) = paginate(buses, req.limit, req.next_token.as_deref())?;
            Ok(with_token(
                json!({ "EventBuses": page.iter().map(bus_out).collect::<Vec<_>>() }),
                next,
            ))
        }
        "PutRule" => {
            let req: PutRuleRequest = decode(body, serialization)?;
            check_pattern_length(req.event_pattern.as_deref())?;
            let state = match req.state.as_deref() {
                None => None,
                Some("ENABLED") => Some(RuleState::Enabled),
                Some("DISABLED") => Some(RuleState::Disabled),
                Some(other) => {
                    return Err(AwsError::new(
                        "ValidationException",
                        format!("1 validation error detected: Value '{other}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]"),
                    ))
                }
            };
            let arn = engine
                .put_rule(PutRule {
                    bus: req.event_bus_name,
                    name: required(&req.name, "name")?.to_owned(),
                    event_pattern: req.event_pattern,
                    schedule_expression: req.schedule_expression,
                    state,
                    description: req.description,
                    role_arn: req.role_arn,
                    tags: tags_in(req.tags),
                })
                .await
                .map_err(error)?;
            Ok(json!({ "RuleArn": arn }))
        }
        "DescribeRule" => {
            let req: RuleRef = decode(body, serialization)?;
            let info = engine
                .describe_rule(req.event_bus_name.as_deref(), required(&req.name, "name")?)
                .map_err(error)?;
            Ok(rule_out(&info))
        }
        "DeleteRule" => {
            let req: RuleRef = decode(body, serialization)?;
            engine
                .delete_rule(req.event_bus_name.as_deref(), required(&req.name, "name")?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "EnableRule" | "DisableRule" => {
            let req: RuleRef = decode(body, serialization)?;
            let state = if operation == "EnableRule" {
                RuleState::Enabled
            } else {
                RuleState::Disabled
            };
            engine
                .set_rule_state(
                    req.event_bus_name.as_deref(),
                    required(&req.name, "name")?,
                    state,
                )
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "ListRules" => {
            let req: ListRequest = decode(body, serialization)?;
            let rules = engine
                .list_rules(
                    req.event_bus_name.as_deref(),
                    req.name_prefix.as_deref().unwrap_or(""),
                )
                .map_err(error)?;
            let (page, next) = paginate(rules, req.limit, req.next_token.as_deref())?;
            Ok(with_token(
                json!({ "Rules": page.iter().map(rule_out).collect::<Vec<_>>() }),
                next,
            ))
        }
        "PutTargets" => {
            let req: PutTargets = decode(body, serialization)?;
            let rule = required(&req.rule, "rule")?;
            let targets = req
                .targets
                .unwrap_or_default()
                .into_iter()
                .map(target_in)
                .collect::<Result<Vec<_>, _>>()?;
            if targets.is_empty() || targets.len() > 10 {
                return Err(AwsError::new(
                    "ValidationException",
                    "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
                ));
            }
            let failed = engine
                .put_targets(req.event_bus_name.as_deref(), rule, targets)
                .await
                .map_err(error)?;
            Ok(failed_out(&failed))
        }
        "RemoveTargets" => {
            let req: RemoveTargets = decode(body, serialization)?;
            let rule = required(&req.rule, "rule")?;
            let failed = engine
                .remove_targets(
                    req.event_bus_name.as_deref(),
                    rule,
                    &req.ids.unwrap_or_default(),
                )
                .await
                .map_err(error)?;
            Ok(failed_out(&failed))
        }
        "ListTargetsByRule" => {
            let req: ListTargets = decode(body, serialization)?;
            let info = engine
                .describe_rule(req.event_bus_name.as_deref(), required(&req.rule, "rule")?)
                .map_err(error)?;
            let (page, next) = paginate(info.def.targets, req.limit, req.next_token.as_deref())?;
            Ok(with_token(
                json!({ "Targets": page.iter().map(target_out).collect::<Vec<_>>() }),
                next,
            ))
        }
        "ListRuleNamesByTarget" => {
            let req: ListByTarget = decode(body, serialization)?;
            let names = engine
                .rules_by_target(
                    req.event_bus_name.as_deref(),
                    required(&req.target_arn, "targetArn")?,
                )
                .map_err(error)?;
            let (page, next) = paginate(names, req.limit, req.next_token.as_deref())?;
            Ok(with_token(json!({ "RuleNames": page }), next))
        }
        "TestEventPattern" => {
            let req: TestEventPattern = decode(body, serialization)?;
            check_pattern_length(req.event_pattern.as_deref())?;
            let result = engine
                .test_event_pattern(
                    required(&req.event_pattern, "eventPattern")?,
                    required(&req.event, "event")?,
                )
                .map_err(error)?;
            Ok(json!({ "Result": result }))
        }
        "TagResource" => {
            let req: TagResource = decode(body, serialization)?;
            engine
                .tag_resource(
                    required(&req.resource_arn, "resourceARN")?,
                    tags_in(req.tags),
                    &[],
                )
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let req: UntagResource = decode(body, serialization)?;
            engine
                .tag_resource(
                    required(&req.resource_arn, "resourceARN")?,
                    Tags::new(),
                    &req.tag_keys.unwrap_or_default(),
                )
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        "ListTagsForResource" => {
            let req: TagResource = decode(body, serialization)?;
            let tags = engine
                .tags_of(required(&req.resource_arn, "resourceARN")?)
                .map_err(error)?;
            Ok(json!({ "Tags": tags_out(&tags) }))
        }
        "CreateConnection"
        | "DescribeConnection"
        | "DeleteConnection"
        | "ListConnections"
        | "CreateApiDestination"
        | "DescribeApiDestination"
        | "DeleteApiDestination"
        | "ListApiDestinations" => super::destinations::run(engine, operation, body).await,
        other => Err(AwsError::new(
            "UnknownOperationException",
            format!("Unknown operation AWSEvents.{other}"),
        )),
    }
}

async fn put_events(engine: &Engine, req: PutEvents) -> Result<Value, AwsError> {
    let entries: Vec<Entry> = req
        .entries
        .unwrap_or_default()
        .into_iter()
        .map(|e| Entry {
            source: e.source,
            detail_type: e.detail_type,
            detail: e.detail,
            resources: e.resources.unwrap_or_default(),
            time: e.time.map(|t| t.floor() as i64),
            bus: e.event_bus_name,
            trace_header: e.trace_header,
            id: None,
        })
        .collect();
    let outcomes = engine.put_events(entries).await.map_err(error)?;
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, EntryOutcome::Failed { .. }))
        .count();
    let entries: Vec<Value> = outcomes
        .into_iter()
        .map(|o| match o {
            EntryOutcome::Accepted(id) => json!({ "EventId": id }),
            EntryOutcome::Failed { code, message } => {
                json!({ "ErrorCode": code, "ErrorMessage": message })
            }
        })
        .collect();
    Ok(json!({ "FailedEntryCount": failed, "Entries": entries }))
}

pub(crate) fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn bus_out(info: &BusInfo) -> Value {
    let mut out = json!({
        "Name": info.def.name,
        "Arn": info.arn,
        "CreationTime": seconds(info.def.created_at),
        "LastModifiedTime": seconds(info.def.created_at),
    });
    if let Some(d) = &info.def.description {
        out["Description"] = json!(d);
    }
    out
}

fn rule_out(info: &RuleInfo) -> Value {
    let def = &info.def;
    let mut out = json!({
        "Name": def.name,
        "Arn": info.arn,
        "State": def.state.as_str(),
        "EventBusName": def.bus,
        "CreatedBy": "000000000000",
    });
    let optional = [
        ("EventPattern", &def.event_pattern),
        ("ScheduleExpression", &def.schedule_expression),
        ("Description", &def.description),
        ("RoleArn", &def.role_arn),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            out[key] = json!(v);
        }
    }
    out
}

fn failed_out(failed: &[FailedTarget]) -> Value {
    json!({
        "FailedEntryCount": failed.len(),
        "FailedEntries": failed.iter().map(|f| json!({ "TargetId": f.id, "ErrorCode": f.code, "ErrorMessage": f.message })).collect::<Vec<_>>(),
    })
}

fn tags_in(tags: Option<Vec<Tag>>) -> Tags {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
}

fn tags_out(tags: &Tags) -> Vec<Value> {
    tags.iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect()
}

pub(crate) fn pairs(
    map: Option<serde_json::Map<String, Value>>,
    member: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(serialization(format!("{member}.{k} must be a string"))),
        })
        .collect()
}

fn target_in(t: WireTarget) -> Result<TargetDef, AwsError> {
    let input_transformer = match t.input_transformer {
        Some(x) => Some(InputTransformerDef {
            paths_map: pairs(x.input_paths_map, "InputPathsMap")?,
            template: x.input_template.unwrap_or_default(),
        }),
        None => None,
    };
    let http = match t.http_parameters {
        Some(h) => {
            let header_parameters = pairs(h.header_parameters, "HeaderParameters")?;
            // A target asks for CloudEvents (structured mode) with that content type.
            let cloudevents = header_parameters
                .iter()
                .any(|(k, v)| {
                    k.eq_ignore_ascii_case("content-type")
                        && v.starts_with("application/cloudevents+json")
                })
                .then_some(CloudEventsMode::Structured);
            Some(HttpParameters {
                header_parameters,
                query_string_parameters: pairs(h.query_string_parameters, "QueryStringParameters")?,
                path_parameter_values: h.path_parameter_values.unwrap_or_default(),
                cloudevents,
            })
        }
        None => None,
    };
    Ok(TargetDef {
        id: t.id.unwrap_or_default(),
        arn: t.arn.unwrap_or_default(),
        input: t.input,
        input_path: t.input_path,
        input_transformer,
        retry_policy: t.retry_policy.map(|r| RetryPolicy {
            maximum_retry_attempts: r.maximum_retry_attempts,
            maximum_event_age_in_seconds: r.maximum_event_age_in_seconds,
        }),
        dead_letter_arn: t.dead_letter_config.and_then(|d| d.arn),
        message_group_id: t.sqs_parameters.and_then(|s| s.message_group_id),
        http,
        role_arn: t.role_arn,
    })
}

fn target_out(t: &TargetDef) -> Value {
    let mut out = json!({ "Id": t.id, "Arn": t.arn });
    if let Some(v) = &t.input {
        out["Input"] = json!(v);
    }
    if let Some(v) = &t.input_path {
        out["InputPath"] = json!(v);
    }
    if let Some(x) = &t.input_transformer {
        let map: serde_json::Map<String, Value> = x
            .paths_map
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out["InputTransformer"] = json!({ "InputPathsMap": map, "InputTemplate": x.template });
    }
    if let Some(r) = &t.retry_policy {
        let mut policy = serde_json::Map::new();
        if let Some(n) = r.maximum_retry_attempts {
            policy.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = r.maximum_event_age_in_seconds {
            policy.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        out["RetryPolicy"] = Value::Object(policy);
    }
    if let Some(arn) = &t.dead_letter_arn {
        out["DeadLetterConfig"] = json!({ "Arn": arn });
    }
    if let Some(g) = &t.message_group_id {
        out["SqsParameters"] = json!({ "MessageGroupId": g });
    }
    if let Some(h) = &t.http {
        let map = |pairs: &[(String, String)]| -> serde_json::Map<String, Value> {
            pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
        };
        out["HttpParameters"] = json!({
            "PathParameterValues": h.path_parameter_values,
            "HeaderParameters": map(&h.header_parameters),
            "QueryStringParameters": map(&h.query_string_parameters),
        });
    }
    if let Some(r) = &t.role_arn {
        out["RoleArn"] = json!(r);
    }
    out
}

/// One page of `items` after `token` (an offset this server handed out).
pub(crate) fn paginate<T>(
    items: Vec<T>,
    limit: Option<i64>,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let start = match token {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| AwsError::new("ValidationException", "The NextToken is not valid."))?,
    };
    let limit = match limit {
        None => 100,
        Some(n) if (1..=100).contains(&n) => usize::try_from(n).unwrap_or(100),
        Some(n) => {
            return Err(AwsError::new(
                "ValidationException",
                format!("1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"),
            ))
        }
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + limit < total).then(|| (start + limit).to_string());
    Ok((page, next))
}

pub(crate) fn with_token(mut value: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        value["NextToken"] = json!(token);
    }
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEvents {
    entries: Option<Vec<WireEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireEntry {
    time: Option<f64>,
    source: Option<String>,
    resources: Option<Vec<String>>,
    detail_type: Option<String>,
    detail: Option<String>,
    event_bus_name: Option<String>,
    trace_header: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateEventBus {
    name: Option<String>,
    description: Option<String>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameOnly {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListRequest {
    name_prefix: Option<String>,
    event_bus_name: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutRuleRequest {
    name: Option<String>,
    schedule_expression: Option<String>,
    event_pattern: Option<String>,
    state: Option<String>,
    description: Option<String>,
    role_arn: Option<String>,
    tags: Option<Vec<Tag>>,
    event_bus_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RuleRef {
    name: Option<String>,
    event_bus_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutTargets {
    rule: Option<String>,
    event_bus_name: Option<String>,
    targets: Option<Vec<WireTarget>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RemoveTargets {
    rule: Option<String>,
    event_bus_name: Option<String>,
    ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTargets {
    rule: Option<String>,
    event_bus_name: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListByTarget {
    target_arn: Option<String>,
    event_bus_name: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TestEventPattern {
    event_pattern: Option<String>,
    event: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagResource {
    #[serde(rename = "ResourceARN")]
    resource_arn: Option<String>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagResource {
    #[serde(rename = "ResourceARN")]
    resource_arn: Option<String>,
    tag_keys: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireTarget {
    id: Option<String>,
    arn: Option<String>,
    role_arn: Option<String>,
    input: Option<String>,
    input_path: Option<String>,
    input_transformer: Option<WireTransformer>,
    retry_policy: Option<WireRetry>,
    dead_letter_config: Option<WireDlq>,
    sqs_parameters: Option<WireSqs>,
    http_parameters: Option<WireHttp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireTransformer {
    input_paths_map: Option<serde_json::Map<String, Value>>,
    input_template: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireRetry {
    maximum_retry_attempts: Option<u32>,
    maximum_event_age_in_seconds: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireDlq {
    arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireSqs {
    message_group_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireHttp {
    path_parameter_values: Option<Vec<String>>,
    header_parameters: Option<serde_json::Map<String, Value>>,
    query_string_parameters: Option<serde_json::Map<String, Value>>,
}
