//! The AWS JSON protocols: a POST whose `X-Amz-Target` names the service and operation
//! (`AWSEvents.PutEvents`, `AmazonSQS.SendMessage`). Requests signed with any SigV4
//! credentials are accepted (local mode: no authentication yet).

mod destinations;
pub mod events;
pub mod lambda;
pub mod sqs;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::AppState;

/// The AWS protocols' routes: every POST that carries `X-Amz-Target`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", post(dispatch))
        .route("/{*path}", post(dispatch))
}

async fn dispatch(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    match target.split_once('.') {
        Some(("AWSEvents", operation)) => events::handle(&state.engine, operation, &body).await,
        Some(("AmazonSQS", operation)) => sqs::handle(&state.engine, &host, operation, &body).await,
        _ => AwsError::new(
            "UnknownOperationException",
            format!("Unknown operation {target}"),
        )
        .into_response(),
    }
}

/// An error in the AWS JSON protocols' shape: status 400 (500 for faults), body
/// `{"__type": …, "message": …}`, and for SQS the `x-amzn-query-error` header that maps
/// to the legacy query-protocol code.
#[derive(Debug)]
pub struct AwsError {
    status: StatusCode,
    kind: String,
    message: String,
    query_error: Option<&'static str>,
}

impl AwsError {
    /// A client error (400) of type `kind`.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: kind.into(),
            message: message.into(),
            query_error: None,
        }
    }

    /// The same error with another status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The same error with SQS's legacy code in `x-amzn-query-error`.
    pub fn query_error(mut self, code: &'static str) -> Self {
        self.query_error = Some(code);
        self
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.kind, "message": self.message });
        let mut response = (self.status, json_body(&body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        if let Ok(v) = HeaderValue::from_str(self.kind.rsplit('#').next().unwrap_or(&self.kind)) {
            headers.insert("x-amzn-errortype", v);
        }
        if let Some(code) = self.query_error {
            let fault = if self.status.is_server_error() {
                "Receiver"
            } else {
                "Sender"
            };
            if let Ok(v) = HeaderValue::from_str(&format!("{code};{fault}")) {
                headers.insert("x-amzn-query-error", v);
            }
        }
        response
    }
}

fn json_body<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// A successful JSON response.
pub fn ok<T: Serialize>(value: &T, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, json_body(value)).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response
}

/// Decodes a request body; an empty body is an empty object. Malformed JSON or a member
/// of the wrong type is a `SerializationException`, as the AWS JSON protocols answer.
pub fn decode<T: DeserializeOwned>(
    body: &[u8],
    serialization_error: impl Fn(String) -> AwsError,
) -> Result<T, AwsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| serialization_error(err.to_string()))
}
