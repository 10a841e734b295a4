//! `/v1/queues`: queues, their messages, and moving messages out of dead-letter queues.

use std::collections::BTreeMap;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine as _;
use eddy_api_model as api;
use eddy_engine::queues::{MoveTask, SendInput};
use eddy_engine::Engine;
use eddy_model::names::QueueName;
use eddy_queue::{AttributeValue, MessageAttribute, ReceiveRequest};

use super::{no_content, ok, ApiError};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/queues", get(list))
        .route("/v1/queues/{queue}", get(describe).put(put).delete(remove))
        .route("/v1/queues/{queue}/messages", post(send))
        .route(
            "/v1/queues/{queue}/messages/{handle}",
            delete(delete_message),
        )
        .route("/v1/queues/{queue}/receive", post(receive))
        .route("/v1/queues/{queue}/purge", post(purge))
        .route(
            "/v1/queues/{queue}/redrive",
            post(redrive).get(list_redrives),
        )
}

fn name_of(queue: &str) -> Result<QueueName, ApiError> {
    QueueName::parse(queue).map_err(|e| ApiError::invalid(e.0))
}

fn queue_out(engine: &Engine, name: &QueueName) -> Result<api::Queue, ApiError> {
    let attributes: BTreeMap<String, String> = engine
        .queue_attributes(name, &["All".to_owned()])?
        .into_iter()
        .collect();
    Ok(api::Queue {
        name: name.to_string(),
        arn: attributes.get("QueueArn").cloned(),
        attributes,
        tags: engine.queue_tags(name)?,
    })
}

async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut items = Vec::new();
    for info in state.engine.list_queues("") {
        items.push(queue_out(&state.engine, &info.name)?);
    }
    Ok(ok(api::List { items }))
}

async fn describe(
    State(state): State<AppState>,
    Path(queue): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(queue_out(&state.engine, &name_of(&queue)?)?))
}

/// Creates the queue, or converges an existing one: sets the given attributes and replaces
/// its tags.
async fn put(
    State(state): State<AppState>,
    Path(queue): Path<String>,
    body: Result<Json<api::Queue>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != queue {
        return Err(ApiError::invalid(format!(
            "the body names queue {}, the path {queue}",
            input.name
        )));
    }
    let name = name_of(&queue)?;
    let engine = &state.engine;
    let attributes: Vec<(String, String)> = input.attributes.into_iter().collect();
    if engine.queue_info(&name).is_ok() {
        if !attributes.is_empty() {
            let settable: Vec<(String, String)> = attributes
                .into_iter()
                .filter(|(k, _)| k != "FifoQueue")
                .collect();
            engine.set_queue_attributes(&name, settable).await?;
        }
        let current = engine.queue_tags(&name)?;
        let remove: Vec<String> = current
            .keys()
            .filter(|k| !input.tags.contains_key(*k))
            .cloned()
            .collect();
        engine.tag_queue(&name, input.tags, &remove).await?;
    } else {
        engine.create_queue(&queue, attributes, input.tags).await?;
    }
    Ok(ok(queue_out(engine, &name)?))
}

async fn remove(
    State(state): State<AppState>,
    Path(queue): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.delete_queue(&name_of(&queue)?).await?;
    Ok(no_content())
}

async fn send(
    State(state): State<AppState>,
    Path(queue): Path<String>,
    body: Result<Json<api::SendMessages>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let name = name_of(&queue)?;
    if input.messages.is_empty() || input.messages.len() > 10 {
        return Err(ApiError::invalid("send 1 to 10 messages per request"));
    }
    let inputs = input
        .messages
        .into_iter()
        .map(|m| SendInput {
            body: m.body,
            attributes: m
                .attributes
                .into_iter()
                .map(|(name, value)| MessageAttribute {
                    name,
                    data_type: "String".to_owned(),
                    value: AttributeValue::String(value),
                })
                .collect(),
            system_attributes: Vec::new(),
            delay_seconds: m.delay_seconds,
            group_id: m.group_id,
            deduplication_id: m.deduplication_id,
        })
        .collect();
    let results = state.engine.send_messages(&name, inputs).await?;
    let items: Vec<api::SendResult> = results
        .into_iter()
        .map(|r| match r {
            Ok(sent) => api::SendResult {
                message_id: Some(sent.message_id),
                error: None,
            },
            Err(err) => api::SendResult {
                message_id: None,
                error: Some(api::ErrorDetail {
                    code: err.code.unwrap_or("InvalidParameterValue").to_owned(),
                    message: err.message,
                }),
            },
        })
        .collect();
    Ok(ok(api::List { items }))
}

async fn receive(
    State(state): State<AppState>,
    Path(queue): Path<String>,
    body: Result<Json<api::Receive>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let name = name_of(&queue)?;
    let max = input.max_messages.unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(ApiError::invalid("max-messages must be between 1 and 10"));
    }
    if input.wait_seconds.is_some_and(|w| w > 20) {
        return Err(ApiError::invalid("wait-seconds must be between 0 and 20"));
    }
    let request = ReceiveRequest {
        max_messages: max,
        visibility_timeout: input.visibility_timeout,
        receive_request_attempt_id: None,
    };
    let received = state
        .engine
        .receive_messages(&name, request, input.wait_seconds)
        .await?;
    let all = ["All".to_owned()];
    let items: Vec<api::Message> = received
        .into_iter()
        .map(|r| api::Message {
            attributes: eddy_queue::select_system_attributes(&r.message, &all)
                .into_iter()
                .collect(),
            message_attributes: eddy_queue::select_message_attributes(&r.message, &all)
                .into_iter()
                .map(|a| {
                    let value = match &a.value {
                        AttributeValue::String(s) => s.clone(),
                        AttributeValue::Binary(b) => {
                            base64::engine::general_purpose::STANDARD.encode(b)
                        }
                    };
                    (a.name.clone(), value)
                })
                .collect(),
            message_id: r.message.message_id,
            receipt_handle: r.receipt_handle,
            body: r.message.body,
        })
        .collect();
    Ok(ok(api::List { items }))
}

async fn delete_message(
    State(state): State<AppState>,
    Path((queue, handle)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let name = name_of(&queue)?;
    let mut results = state.engine.delete_messages(&name, &[handle]).await?;
    if let Some(Err(err)) = results.pop() {
        return Err(err.into());
    }
    Ok(no_content())
}

async fn purge(
    State(state): State<AppState>,
    Path(queue): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.purge_queue(&name_of(&queue)?).await?;
    Ok(no_content())
}

fn task_out(task: MoveTask) -> api::MoveTask {
    api::MoveTask {
        handle: task.handle,
        status: task.status.to_owned(),
        moved: task.moved,
        to_move: task.to_move,
    }
}

async fn redrive(
    State(state): State<AppState>,
    Path(queue): Path<String>,
    body: Result<Json<api::Redrive>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let engine = &state.engine;
    let source = engine.queue_info(&name_of(&queue)?)?;
    let destination = match &input.destination {
        Some(d) => Some(engine.queue_info(&name_of(d)?)?.arn),
        None => None,
    };
    let handle = engine.start_move_task(&source.arn, destination, input.max_per_second)?;
    let task = engine
        .list_move_tasks(&source.arn, 10)?
        .into_iter()
        .find(|t| t.handle == handle)
        .map(task_out)
        .unwrap_or(api::MoveTask {
            handle,
            status: "RUNNING".to_owned(),
            moved: 0,
            to_move: 0,
        });
    Ok(ok(task))
}

async fn list_redrives(
    State(state): State<AppState>,
    Path(queue): Path<String>,
) -> Result<Response, ApiError> {
    let source = state.engine.queue_info(&name_of(&queue)?)?;
    let items: Vec<api::MoveTask> = state
        .engine
        .list_move_tasks(&source.arn, 10)?
        .into_iter()
        .map(task_out)
        .collect();
    Ok(ok(api::List { items }))
}
