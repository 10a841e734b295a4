//! `/v1/connections` and `/v1/api-destinations`: HTTP endpoints as targets.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use eddy_api_model as api;
use eddy_engine::destinations::{ApiDestinationDef, Authorization, ConnectionDef};
use eddy_engine::Engine;

use super::{no_content, ok, ApiError};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/connections", get(list_connections))
        .route(
            "/v1/connections/{name}",
            get(describe_connection)
                .put(put_connection)
                .delete(delete_connection),
        )
        .route("/v1/api-destinations", get(list_destinations))
        .route(
            "/v1/api-destinations/{name}",
            get(describe_destination)
                .put(put_destination)
                .delete(delete_destination),
        )
}

fn connection_out(engine: &Engine, def: ConnectionDef) -> api::Connection {
    let mut out = api::Connection {
        arn: Some(engine.connection_arn(&def)),
        name: def.name,
        authorization_type: def.authorization.kind().to_owned(),
        description: def.description,
        ..api::Connection::default()
    };
    match def.authorization {
        Authorization::Basic { username, .. } => out.username = Some(username),
        Authorization::ApiKey { name, .. } => out.api_key_name = Some(name),
        Authorization::OAuth { .. } => {}
    }
    out
}

async fn list_connections(State(state): State<AppState>) -> Response {
    let items: Vec<api::Connection> = state
        .engine
        .list_connections("")
        .into_iter()
        .map(|c| connection_out(&state.engine, c))
        .collect();
    ok(api::List { items })
}

async fn describe_connection(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(connection_out(
        &state.engine,
        state.engine.connection(&name)?,
    )))
}

async fn put_connection(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<api::Connection>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != name {
        return Err(ApiError::invalid(format!(
            "the body names connection {}, the path {name}",
            input.name
        )));
    }
    let authorization = match input.authorization_type.as_str() {
        "BASIC" => Authorization::Basic {
            username: input.username.unwrap_or_default(),
            password: input.password.unwrap_or_default(),
        },
        "API_KEY" => Authorization::ApiKey {
            name: input.api_key_name.unwrap_or_default(),
            value: input.api_key_value.unwrap_or_default(),
        },
        "OAUTH_CLIENT_CREDENTIALS" => Authorization::OAuth {
            authorization_endpoint: String::new(),
        },
        other => {
            return Err(ApiError::invalid(format!(
                "authorization-type {other}: BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS"
            )))
        }
    };
    let def = state
        .engine
        .create_connection(ConnectionDef {
            name,
            uuid: String::new(),
            description: input.description,
            authorization,
            headers: Vec::new(),
            query: Vec::new(),
            created_at: 0,
            modified_at: 0,
        })
        .await?;
    Ok(ok(connection_out(&state.engine, def)))
}

async fn delete_connection(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.delete_connection(&name).await?;
    Ok(no_content())
}

fn destination_out(engine: &Engine, def: ApiDestinationDef) -> api::ApiDestination {
    api::ApiDestination {
        arn: Some(engine.api_destination_arn(&def)),
        name: def.name,
        connection: def.connection,
        endpoint: def.endpoint,
        method: Some(def.method),
        rate_limit_per_second: Some(def.rate_limit_per_second),
        description: def.description,
    }
}

async fn list_destinations(State(state): State<AppState>) -> Response {
    let items: Vec<api::ApiDestination> = state
        .engine
        .list_api_destinations("")
        .into_iter()
        .map(|d| destination_out(&state.engine, d))
        .collect();
    ok(api::List { items })
}

async fn describe_destination(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(destination_out(
        &state.engine,
        state.engine.api_destination(&name)?,
    )))
}

async fn put_destination(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<api::ApiDestination>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    if input.name != name {
        return Err(ApiError::invalid(format!(
            "the body names api-destination {}, the path {name}",
            input.name
        )));
    }
    let def = state
        .engine
        .create_api_destination(ApiDestinationDef {
            name,
            uuid: String::new(),
            description: input.description,
            connection: input.connection,
            endpoint: input.endpoint,
            method: input.method.unwrap_or_else(|| "POST".to_owned()),
            rate_limit_per_second: input.rate_limit_per_second.unwrap_or(300),
            created_at: 0,
            modified_at: 0,
        })
        .await?;
    Ok(ok(destination_out(&state.engine, def)))
}

async fn delete_destination(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    state.engine.delete_api_destination(&name).await?;
    Ok(no_content())
}
