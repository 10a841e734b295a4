//! The native REST API under `/v1`: JSON with kebab-case keys (`eddy-api-model`), one file
//! per resource, errors as `{"error": {"code", "message"}}` with HTTP statuses that say what
//! happened. Every handler makes the same engine calls as the AWS protocols.

mod buses;
mod destinations;
mod functions;
mod queues;

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use eddy_api_model::{ErrorBody, ErrorDetail};
use eddy_engine::{Error, Kind};
use serde::Serialize;

use crate::AppState;

/// The `/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/test-event-pattern", post(buses::test_event_pattern))
        .merge(buses::router())
        .merge(queues::router())
        .merge(destinations::router())
        .merge(functions::router())
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// A failed request in the native shape.
pub(crate) struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> ApiError {
        let (status, code) = match err.kind {
            Kind::NotFound => (
                StatusCode::NOT_FOUND,
                err.code.unwrap_or("ResourceNotFoundException"),
            ),
            Kind::AlreadyExists => (
                StatusCode::CONFLICT,
                err.code.unwrap_or("ResourceAlreadyExistsException"),
            ),
            Kind::Conflict => (
                StatusCode::CONFLICT,
                err.code.unwrap_or("ConflictException"),
            ),
            Kind::InvalidPattern => (StatusCode::BAD_REQUEST, "InvalidEventPatternException"),
            Kind::LimitExceeded => (StatusCode::BAD_REQUEST, "LimitExceededException"),
            Kind::Validation => (
                StatusCode::BAD_REQUEST,
                err.code.unwrap_or("ValidationException"),
            ),
            Kind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
        };
        ApiError::new(status, code, err.message)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = match rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, "SerializationException", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// A JSON answer with status 200.
pub(crate) fn ok<T: Serialize>(value: T) -> Response {
    Json(value).into_response()
}

/// An empty answer with status 204.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// JSON text from a value that is either a JSON string holding the text, or JSON itself.
pub(crate) fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Reads JSON text back as a value (text that is not JSON stays a string).
pub(crate) fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}
