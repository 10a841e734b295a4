//! `/v1/functions` and `/v1/mappings`: functions (code directories run in place), their
//! invocation and logs, and event source mappings (queue → function).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use eddy_api_model as api;
use eddy_engine::functions::{
    timestamp_ms, CodeInput, EventInvokeConfig, FunctionDef, InvocationType, InvokeRequest,
    Settings,
};
use eddy_engine::mappings::{MappingDef, MappingInput};
use eddy_engine::routes::{RouteDef, RouteTarget};
use eddy_engine::Engine;
use eddy_model::function::{LogRecord, LogStream};
use eddy_model::names::QueueName;
use serde::Deserialize;

use super::{json_value, no_content, ok, ApiError};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/functions", get(list))
        .route(
            "/v1/functions/{name}",
            get(describe).put(put_function).delete(remove),
        )
        .route("/v1/functions/{name}/invoke", post(invoke))
        .route("/v1/functions/{name}/logs", get(logs))
        .route(
            "/v1/routes",
            get(list_routes).put(put_route).delete(delete_route),
        )
        .route("/v1/mappings", get(list_mappings).post(create_mapping))
        .route(
            "/v1/mappings/{id}",
            put(update_mapping).get(get_mapping).delete(delete_mapping),
        )
}

fn function_out(engine: &Engine, def: &FunctionDef) -> api::Function {
    let config = def.event_invoke_config.clone().unwrap_or_default();
    let instances = engine.function_instances(&def.name);
    api::Function {
        name: def.name.clone(),
        arn: Some(engine.function_arn(&def.name)),
        runtime: def.runtime.clone(),
        handler: def.handler.clone(),
        code: def.code.dir().to_owned(),
        command: def.command.clone(),
        description: def.description.clone(),
        timeout: Some(def.timeout),
        memory: Some(def.memory_size),
        environment: def.environment.clone(),
        max_instances: def.reserved_concurrency,
        min_warm: Some(def.min_warm),
        idle_timeout: Some(def.idle_timeout),
        max_retry_attempts: config.maximum_retry_attempts,
        max_event_age: config.maximum_event_age_in_seconds,
        on_success: config.on_success,
        on_failure: config.on_failure,
        dead_letter: def.dead_letter_arn.clone(),
        tags: def.tags.clone(),
        instances: Some(instances.running),
        busy: Some(instances.busy),
    }
}

async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let items: Vec<api::Function> = state
        .engine
        .list_functions()
        .iter()
        .map(|def| function_out(&state.engine, def))
        .collect();
    Ok(ok(api::List { items }))
}

async fn describe(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let def = state.engine.get_function(&name)?;
    Ok(ok(function_out(&state.engine, &def)))
}

/// Creates the function, or converges an existing one to the body.
async fn put_function(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<api::Function>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != name {
        return Err(ApiError::invalid(format!(
            "the body names function {}, the path {name}",
            input.name
        )));
    }
    if input.code.is_empty() {
        return Err(ApiError::invalid(
            "code: the directory holding the function's code is required",
        ));
    }
    let settings = Settings {
        runtime: Some(input.runtime.clone()),
        handler: Some(input.handler.clone()),
        description: Some(input.description.clone()),
        role: None,
        timeout: Some(input.timeout.unwrap_or(3)),
        memory_size: Some(input.memory.unwrap_or(128)),
        environment: Some(input.environment.clone()),
        command: Some(input.command.clone()),
        min_warm: Some(input.min_warm.unwrap_or(0)),
        idle_timeout: input.idle_timeout,
        dead_letter_arn: Some(input.dead_letter.clone().unwrap_or_default()),
    };
    let engine = &state.engine;
    engine
        .put_function(
            &name,
            CodeInput::Directory(input.code.clone()),
            settings,
            input.tags.clone(),
        )
        .await?;
    let current = engine.get_function(&name)?;
    if current.reserved_concurrency != input.max_instances {
        engine
            .set_function_concurrency(&name, input.max_instances)
            .await?;
    }
    let wanted = EventInvokeConfig {
        maximum_retry_attempts: input.max_retry_attempts,
        maximum_event_age_in_seconds: input.max_event_age,
        on_success: input.on_success.clone(),
        on_failure: input.on_failure.clone(),
        modified_at: 0,
    };
    let any = wanted.maximum_retry_attempts.is_some()
        || wanted.maximum_event_age_in_seconds.is_some()
        || wanted.on_success.is_some()
        || wanted.on_failure.is_some();
    let same = current.event_invoke_config.as_ref().is_some_and(|c| {
        c.maximum_retry_attempts == wanted.maximum_retry_attempts
            && c.maximum_event_age_in_seconds == wanted.maximum_event_age_in_seconds
            && c.on_success == wanted.on_success
            && c.on_failure == wanted.on_failure
    });
    if any && !same {
        engine.set_event_invoke_config(&name, wanted, false).await?;
    } else if !any && current.event_invoke_config.is_some() {
        engine.delete_event_invoke_config(&name).await?;
    }
    let def = engine.get_function(&name)?;
    Ok(ok(function_out(engine, &def)))
}

async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.delete_function(&name).await?;
    Ok(no_content())
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct InvokeQuery {
    /// `request-response` (default), `event` or `dry-run`.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Return the invocation's log.
    #[serde(default)]
    log: bool,
}

async fn invoke(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<InvokeQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let invocation_type = match query.kind.as_deref() {
        None | Some("request-response") => InvocationType::RequestResponse,
        Some("event") => InvocationType::Event,
        Some("dry-run") => InvocationType::DryRun,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "type {other}: one of request-response, event, dry-run"
            )))
        }
    };
    let response = state
        .engine
        .invoke(
            &name,
            InvokeRequest {
                invocation_type,
                payload: body.to_vec(),
                client_context: None,
                tail: query.log,
            },
        )
        .await?;
    let log = response.log_result.and_then(|b64| {
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    });
    Ok(ok(api::InvokeResult {
        status: response.status,
        request_id: response.request_id,
        payload: if response.payload.is_empty() {
            serde_json::Value::Null
        } else {
            json_value(&String::from_utf8_lossy(&response.payload))
        },
        function_error: response.function_error,
        log,
    }))
}

#[derive(Deserialize)]
struct LogsQuery {
    /// Lines after this sequence number.
    #[serde(default)]
    after: u64,
    /// At most this many lines [default: 1000].
    limit: Option<usize>,
    /// Wait up to this many seconds (≤ 20) for a line when there is none yet.
    #[serde(default)]
    wait: u64,
}

fn line_out(record: LogRecord) -> api::LogLine {
    api::LogLine {
        seq: record.seq,
        time: timestamp_ms(record.time_ms, "Z"),
        instance: record.instance,
        request_id: record.request_id,
        stream: match record.stream {
            LogStream::Stdout => "stdout",
            LogStream::Stderr => "stderr",
            LogStream::Platform => "platform",
        }
        .to_owned(),
        line: record.line,
    }
}

async fn logs(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<LogsQuery>,
) -> Result<Response, ApiError> {
    let limit = query.limit.unwrap_or(1000).clamp(1, 100_000);
    let engine = &state.engine;
    let mut subscription = (query.wait > 0).then(|| engine.subscribe_logs()).flatten();
    let mut lines = engine.function_logs(&name, query.after, limit)?;
    if lines.is_empty() {
        if let Some(rx) = subscription.as_mut() {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(query.wait.min(20));
            loop {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Ok(record)) if record.function == name && record.seq > query.after => break,
                    Ok(Ok(_)) => {}
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => break,
                    Ok(Err(_)) | Err(_) => break,
                }
            }
            lines = engine.function_logs(&name, query.after, limit)?;
        }
    }
    Ok(ok(api::List {
        items: lines.into_iter().map(line_out).collect::<Vec<_>>(),
    }))
}

fn mapping_out(engine: &Engine, def: &MappingDef) -> api::Mapping {
    let queue = def
        .event_source_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let _ = engine;
    api::Mapping {
        id: def.uuid.clone(),
        function: def.function.clone(),
        queue,
        batch_size: Some(def.batch_size),
        batch_window: Some(def.maximum_batching_window_in_seconds),
        report_batch_item_failures: def.report_batch_item_failures,
        filters: def.filters.iter().map(|p| json_value(p)).collect(),
        max_concurrency: def.maximum_concurrency,
        enabled: Some(def.enabled),
    }
}

fn mapping_in(engine: &Engine, input: &api::Mapping) -> Result<MappingInput, ApiError> {
    let queue = QueueName::parse(&input.queue).map_err(|e| ApiError::invalid(e.0))?;
    Ok(MappingInput {
        function: Some(input.function.clone()),
        event_source_arn: Some(engine.scope().queue_arn(&queue)),
        batch_size: Some(input.batch_size.unwrap_or(10)),
        maximum_batching_window_in_seconds: Some(input.batch_window.unwrap_or(0)),
        report_batch_item_failures: Some(input.report_batch_item_failures),
        filters: Some(input.filters.iter().map(super::json_text).collect()),
        maximum_concurrency: Some(input.max_concurrency),
        enabled: Some(input.enabled.unwrap_or(true)),
    })
}

async fn list_mappings(State(state): State<AppState>) -> Result<Response, ApiError> {
    let items: Vec<api::Mapping> = state
        .engine
        .list_event_source_mappings(None, None)?
        .iter()
        .map(|d| mapping_out(&state.engine, d))
        .collect();
    Ok(ok(api::List { items }))
}

async fn create_mapping(
    State(state): State<AppState>,
    body: Result<Json<api::Mapping>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let def = state
        .engine
        .create_event_source_mapping(mapping_in(&state.engine, &input)?)
        .await?;
    Ok(ok(mapping_out(&state.engine, &def)))
}

async fn get_mapping(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let def = state.engine.event_source_mapping(&id)?;
    Ok(ok(mapping_out(&state.engine, &def)))
}

async fn update_mapping(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<api::Mapping>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let current = state.engine.event_source_mapping(&id)?;
    let mut update = mapping_in(&state.engine, &input)?;
    if update.event_source_arn.as_deref() != Some(current.event_source_arn.as_str()) {
        return Err(ApiError::invalid(
            "queue: a mapping's queue cannot change; delete it and create another",
        ));
    }
    update.event_source_arn = None;
    let def = state
        .engine
        .update_event_source_mapping(&id, update)
        .await?;
    Ok(ok(mapping_out(&state.engine, &def)))
}

async fn delete_mapping(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.delete_event_source_mapping(&id).await?;
    Ok(no_content())
}

fn route_out(def: &RouteDef) -> api::Route {
    let mut out = api::Route {
        method: def.method.clone(),
        path: def.path.clone(),
        tags: def.tags.clone(),
        ..api::Route::default()
    };
    match &def.target {
        RouteTarget::Function(name) => out.function = Some(name.clone()),
        RouteTarget::Bus {
            bus,
            source,
            detail_type,
        } => {
            out.bus = Some(bus.clone());
            out.source = Some(source.clone());
            out.detail_type = Some(detail_type.clone());
        }
        RouteTarget::Queue(name) => out.queue = Some(name.clone()),
    }
    out
}

async fn list_routes(State(state): State<AppState>) -> Result<Response, ApiError> {
    let items: Vec<api::Route> = state.engine.list_routes().iter().map(route_out).collect();
    Ok(ok(api::List { items }))
}

/// Creates or replaces the route with the body's method and path.
async fn put_route(
    State(state): State<AppState>,
    body: Result<Json<api::Route>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let method = input.method.to_ascii_uppercase();
    let target = match (&input.function, &input.bus, &input.queue) {
        (Some(function), None, None) => RouteTarget::Function(function.clone()),
        (None, Some(bus), None) => RouteTarget::Bus {
            bus: bus.clone(),
            source: input
                .source
                .clone()
                .unwrap_or_else(|| "eddy.route".to_owned()),
            detail_type: input
                .detail_type
                .clone()
                .unwrap_or_else(|| format!("{method} {}", input.path)),
        },
        (None, None, Some(queue)) => RouteTarget::Queue(queue.clone()),
        _ => {
            return Err(ApiError::invalid(
                "a route names exactly one of function, bus, queue",
            ))
        }
    };
    let def = state
        .engine
        .put_route(RouteDef {
            method,
            path: input.path.clone(),
            target,
            tags: input.tags.clone(),
        })
        .await?;
    Ok(ok(route_out(&def)))
}

#[derive(Deserialize)]
struct RouteKey {
    method: String,
    path: String,
}

async fn delete_route(
    State(state): State<AppState>,
    Query(key): Query<RouteKey>,
) -> Result<Response, ApiError> {
    state.engine.delete_route(&key.method, &key.path).await?;
    Ok(no_content())
}
