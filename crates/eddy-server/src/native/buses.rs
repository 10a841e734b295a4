//! `/v1/buses`, their rules and targets, putting events, and testing patterns.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use eddy_api_model as api;
use eddy_engine::bus::{EntryOutcome, PutRule, RuleInfo};
use eddy_engine::resources::{
    CloudEventsMode, HttpParameters, InputTransformerDef, RetryPolicy, RuleState, TargetDef,
};
use eddy_engine::Engine;
use eddy_model::arn::{Arn, TargetArn};
use eddy_model::event::Entry;
use eddy_model::names::{BusName, QueueName};

use super::{json_text, json_value, no_content, ok, ApiError};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/buses", get(list).post(create))
        .route("/v1/buses/{bus}", get(describe).put(put).delete(delete))
        .route("/v1/buses/{bus}/events", post(put_events))
        .route("/v1/buses/{bus}/rules", get(list_rules))
        .route(
            "/v1/buses/{bus}/rules/{rule}",
            get(describe_rule).put(put_rule).delete(delete_rule),
        )
}

fn bus_out(info: eddy_engine::bus::BusInfo) -> api::Bus {
    api::Bus {
        name: info.def.name,
        arn: Some(info.arn),
        description: info.def.description,
        tags: info.def.tags,
    }
}

async fn list(State(state): State<AppState>) -> Response {
    let items = state
        .engine
        .list_buses("")
        .into_iter()
        .map(bus_out)
        .collect();
    ok(api::List { items })
}

async fn create(
    State(state): State<AppState>,
    body: Result<Json<api::Bus>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(bus) = body?;
    let info = state
        .engine
        .create_bus(&bus.name, bus.description, bus.tags)
        .await?;
    Ok(ok(bus_out(info)))
}

/// Creates the bus, or sets its description and tags.
async fn put(
    State(state): State<AppState>,
    Path(bus): Path<String>,
    body: Result<Json<api::Bus>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != bus {
        return Err(ApiError::invalid(format!(
            "the body names bus {}, the path {bus}",
            input.name
        )));
    }
    let info = if state.engine.describe_bus(Some(&bus)).is_ok() {
        state
            .engine
            .update_bus(&bus, input.description, input.tags)
            .await?
    } else {
        state
            .engine
            .create_bus(&bus, input.description, input.tags)
            .await?
    };
    Ok(ok(bus_out(info)))
}

async fn describe(
    State(state): State<AppState>,
    Path(bus): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(bus_out(state.engine.describe_bus(Some(&bus))?)))
}

async fn delete(
    State(state): State<AppState>,
    Path(bus): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.describe_bus(Some(&bus))?;
    state.engine.delete_bus(&bus).await?;
    Ok(no_content())
}

async fn put_events(
    State(state): State<AppState>,
    Path(bus): Path<String>,
    body: Result<Json<api::PutEvents>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    state.engine.describe_bus(Some(&bus))?;
    let mut entries = Vec::with_capacity(request.entries.len());
    for event in request.entries {
        let time = match &event.time {
            None => None,
            Some(serde_json::Value::Number(n)) => n.as_f64().map(|t| t.floor() as i64),
            Some(serde_json::Value::String(text)) => {
                Some(eddy_model::time::parse_rfc3339(text).ok_or_else(|| {
                    ApiError::invalid(format!("time {text} is not an RFC 3339 timestamp"))
                })?)
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    "time must be RFC 3339 text or seconds since the epoch",
                ))
            }
        };
        entries.push(Entry {
            source: event.source,
            detail_type: event.detail_type,
            detail: event.detail.as_ref().map(json_text),
            resources: event.resources,
            time,
            bus: Some(bus.clone()),
            ..Entry::default()
        });
    }
    let outcomes = state.engine.put_events(entries).await?;
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, EntryOutcome::Failed { .. }))
        .count();
    let entries = outcomes
        .into_iter()
        .map(|o| match o {
            EntryOutcome::Accepted(id) => api::PutEventResult {
                id: Some(id),
                error: None,
            },
            EntryOutcome::Failed { code, message } => api::PutEventResult {
                id: None,
                error: Some(api::ErrorDetail {
                    code: code.to_owned(),
                    message,
                }),
            },
        })
        .collect();
    Ok(ok(api::PutEventsResult { failed, entries }))
}

/// A target as the native API shows it: queues, buses, API destinations and the DLQ by name
/// when they are this Eddy's, by ARN otherwise.
fn target_out(engine: &Engine, t: TargetDef) -> api::Target {
    let mut out = api::Target {
        id: t.id,
        ..api::Target::default()
    };
    let scope = engine.scope();
    let local = |arn: &Arn<'_>| arn.account == scope.account && arn.region == scope.region;
    match (TargetArn::parse(&t.arn), Arn::parse(&t.arn)) {
        (Some(TargetArn::Queue(q)), Some(a)) if local(&a) => out.queue = Some(q.to_string()),
        (Some(TargetArn::Bus(b)), Some(a)) if local(&a) => out.bus = Some(b.to_string()),
        (Some(TargetArn::ApiDestination(d)), Some(a)) if local(&a) => out.api_destination = Some(d),
        (Some(TargetArn::Function(f)), Some(a)) if local(&a) => out.function = Some(f),
        _ => out.arn = Some(t.arn),
    }
    out.input = t.input;
    out.input_path = t.input_path;
    out.input_transformer = t.input_transformer.map(|x| api::InputTransformer {
        paths_map: x.paths_map.into_iter().collect(),
        template: x.template,
    });
    out.retry_policy = t.retry_policy.map(|r| api::RetryPolicy {
        maximum_retry_attempts: r.maximum_retry_attempts,
        maximum_event_age_in_seconds: r.maximum_event_age_in_seconds,
    });
    out.dead_letter_queue = t.dead_letter_arn.map(|arn| match Arn::parse(&arn) {
        Some(a) if a.service == "sqs" && local(&a) => a.resource.to_owned(),
        _ => arn.clone(),
    });
    out.message_group_id = t.message_group_id;
    out.http = t.http.map(|h| api::HttpParameters {
        headers: h.header_parameters.into_iter().collect(),
        query: h.query_string_parameters.into_iter().collect(),
        path_parameters: h.path_parameter_values,
        cloudevents: h.cloudevents.map(|m| match m {
            CloudEventsMode::Structured => "structured".to_owned(),
            CloudEventsMode::Binary => "binary".to_owned(),
        }),
    });
    out
}

fn target_in(engine: &Engine, t: api::Target) -> Result<TargetDef, ApiError> {
    let scope = engine.scope();
    let given = [
        t.arn.is_some(),
        t.queue.is_some(),
        t.bus.is_some(),
        t.api_destination.is_some(),
        t.function.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::invalid(format!(
            "target {}: give exactly one of arn, queue, bus, api-destination and function",
            t.id
        )));
    }
    let arn = if let Some(arn) = t.arn {
        arn
    } else if let Some(queue) = &t.queue {
        scope.queue_arn(
            &QueueName::parse(queue)
                .map_err(|e| ApiError::invalid(format!("target {}: {}", t.id, e.0)))?,
        )
    } else if let Some(bus) = &t.bus {
        scope.bus_arn(&BusName::parse(bus, "bus").map_err(|e| ApiError::invalid(e.0))?)
    } else if let Some(function) = &t.function {
        engine.function_arn(function)
    } else {
        let name = t.api_destination.clone().unwrap_or_default();
        match engine.api_destination(&name) {
            Ok(def) => engine.api_destination_arn(&def),
            Err(_) => format!(
                "arn:aws:events:{}:{}:api-destination/{name}",
                scope.region, scope.account
            ),
        }
    };
    let dead_letter_arn = match t.dead_letter_queue {
        None => None,
        Some(q) if q.starts_with("arn:") => Some(q),
        Some(q) => Some(
            scope.queue_arn(
                &QueueName::parse(&q)
                    .map_err(|e| ApiError::invalid(format!("dead-letter-queue: {}", e.0)))?,
            ),
        ),
    };
    let http = match t.http {
        None => None,
        Some(h) => {
            let cloudevents = match h.cloudevents.as_deref() {
                None => None,
                Some("structured") => Some(CloudEventsMode::Structured),
                Some("binary") => Some(CloudEventsMode::Binary),
                Some(other) => {
                    return Err(ApiError::invalid(format!(
                        "http.cloudevents {other}: structured or binary"
                    )))
                }
            };
            Some(HttpParameters {
                header_parameters: h.headers.into_iter().collect(),
                query_string_parameters: h.query.into_iter().collect(),
                path_parameter_values: h.path_parameters,
                cloudevents,
            })
        }
    };
    Ok(TargetDef {
        id: t.id,
        arn,
        input: t.input,
        input_path: t.input_path,
        input_transformer: t.input_transformer.map(|x| InputTransformerDef {
            paths_map: x.paths_map.into_iter().collect(),
            template: x.template,
        }),
        retry_policy: t.retry_policy.map(|r| RetryPolicy {
            maximum_retry_attempts: r.maximum_retry_attempts,
            maximum_event_age_in_seconds: r.maximum_event_age_in_seconds,
        }),
        dead_letter_arn,
        message_group_id: t.message_group_id,
        http,
        role_arn: None,
    })
}

fn rule_out(engine: &Engine, info: RuleInfo) -> api::Rule {
    let def = info.def;
    api::Rule {
        name: def.name,
        bus: Some(def.bus),
        arn: Some(info.arn),
        pattern: def.event_pattern.as_deref().map(json_value),
        state: Some(def.state.as_str().to_owned()),
        description: def.description,
        tags: def.tags,
        targets: Some(
            def.targets
                .into_iter()
                .map(|t| target_out(engine, t))
                .collect(),
        ),
    }
}

async fn list_rules(
    State(state): State<AppState>,
    Path(bus): Path<String>,
) -> Result<Response, ApiError> {
    let rules = state.engine.list_rules(Some(&bus), "")?;
    Ok(ok(api::List {
        items: rules
            .into_iter()
            .map(|r| rule_out(&state.engine, r))
            .collect(),
    }))
}

async fn describe_rule(
    State(state): State<AppState>,
    Path((bus, rule)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(ok(rule_out(
        &state.engine,
        state.engine.describe_rule(Some(&bus), &rule)?,
    )))
}

async fn put_rule(
    State(state): State<AppState>,
    Path((bus, rule)): Path<(String, String)>,
    body: Result<Json<api::Rule>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != rule {
        return Err(ApiError::invalid(format!(
            "the body names rule {}, the path {rule}",
            input.name
        )));
    }
    if input.bus.as_deref().is_some_and(|b| b != bus) {
        return Err(ApiError::invalid(format!(
            "the body names bus {}, the path {bus}",
            input.bus.unwrap_or_default()
        )));
    }
    let state_value = match input.state.as_deref() {
        None | Some("ENABLED") => RuleState::Enabled,
        Some("DISABLED") => RuleState::Disabled,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "state {other}: ENABLED or DISABLED"
            )))
        }
    };
    let targets = match input.targets {
        Some(list) => Some(
            list.into_iter()
                .map(|t| target_in(&state.engine, t))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let engine = &state.engine;
    let existed = engine.describe_rule(Some(&bus), &rule).is_ok();
    engine
        .put_rule(PutRule {
            bus: Some(bus.clone()),
            name: rule.clone(),
            event_pattern: input.pattern.as_ref().map(json_text),
            schedule_expression: None,
            state: Some(state_value),
            description: input.description,
            role_arn: None,
            tags: input.tags.clone(),
        })
        .await?;
    if existed {
        let arn = engine.describe_rule(Some(&bus), &rule)?.arn;
        let current = engine.tags_of(&arn)?;
        let remove: Vec<String> = current
            .keys()
            .filter(|k| !input.tags.contains_key(*k))
            .cloned()
            .collect();
        engine.tag_resource(&arn, input.tags, &remove).await?;
    }
    if let Some(targets) = targets {
        engine.set_targets(Some(&bus), &rule, targets).await?;
    }
    Ok(ok(rule_out(
        engine,
        engine.describe_rule(Some(&bus), &rule)?,
    )))
}

async fn delete_rule(
    State(state): State<AppState>,
    Path((bus, rule)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.engine.describe_rule(Some(&bus), &rule)?;
    state
        .engine
        .delete_rule_with_targets(Some(&bus), &rule)
        .await?;
    Ok(no_content())
}

pub(super) async fn test_event_pattern(
    State(state): State<AppState>,
    body: Result<Json<api::TestEventPattern>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let result = state
        .engine
        .test_event_pattern(&json_text(&input.pattern), &json_text(&input.event))?;
    Ok(ok(serde_json::json!({ "result": result })))
}
