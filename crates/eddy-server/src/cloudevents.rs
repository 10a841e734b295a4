//! CloudEvents 1.0 over HTTP: `POST /cloudevents/{bus}` (and `POST /cloudevents` for the
//! default bus) takes events in binary, structured or batched content mode
//! (`eddy_model::cloudevents` reads them) and puts them on the bus with the engine call
//! PutEvents makes.
//!
//! Answers: 202 `{"ids": [...]}` when every event was accepted (an empty batch too);
//! otherwise `{"code", "message"}` — 400 for a request that is not a valid CloudEvent, for
//! more events than one call may put, or for an event the engine refused; 404 when the bus
//! does not exist; 413 when the events are over the size limit; 500 when the engine failed.
//! When the engine judged the events one by one and refused some, the body also has
//! `"entries"`: per event, `{"id"}` if it was accepted or `{"code", "message"}` if not —
//! the accepted ones are on the bus, so a producer retries only the others.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use eddy_engine::bus::EntryOutcome;
use eddy_engine::Kind;
use eddy_model::cloudevents;
use eddy_model::event::Entry;
use serde_json::{json, Value};

use crate::AppState;

/// The CloudEvents routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cloudevents", post(to_default_bus))
        .route("/cloudevents/{bus}", post(to_bus))
}

async fn to_default_bus(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(put(&state, None, &headers, body).await)
}

async fn to_bus(
    State(state): State<AppState>,
    Path(bus): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(put(&state, Some(bus), &headers, body).await)
}

fn answer(result: Result<Vec<String>, Failure>) -> Response {
    match result {
        Ok(ids) => (StatusCode::ACCEPTED, Json(json!({ "ids": ids }))).into_response(),
        Err(failure) => failure.into_response(),
    }
}

async fn put(
    state: &AppState,
    bus: Option<String>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<String>, Failure> {
    let body = body.map_err(|rejection| {
        let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "RequestTooLarge"
        } else {
            "InvalidRequest"
        };
        Failure::new(rejection.status(), code, rejection.body_text())
    })?;
    let pairs = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    let mut entries = cloudevents::parse(pairs, &body)
        .map_err(|err| Failure::new(StatusCode::BAD_REQUEST, err.code(), err.to_string()))?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let limits = state.engine.limits();
    if entries.len() > limits.max_entries {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "TooManyEvents",
            format!(
                "a batch may hold at most {} events; this one holds {}",
                limits.max_entries,
                entries.len()
            ),
        ));
    }
    let size: usize = entries.iter().map(Entry::size).sum();
    if size > limits.max_entry_bytes {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLarge",
            format!(
                "the events are {size} bytes, over the limit of {} (counted as PutEvents counts entries: source, type, detail, resources, 14 for a time)",
                limits.max_entry_bytes
            ),
        ));
    }
    for entry in &mut entries {
        entry.bus = bus.clone();
    }
    let outcomes = state
        .engine
        .put_events(entries)
        .await
        .map_err(Failure::from)?;
    let batch = outcomes.len() > 1;
    let mut ids = Vec::with_capacity(outcomes.len());
    let mut first_failure = None;
    let mut per_event = Vec::with_capacity(outcomes.len());
    for (index, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            EntryOutcome::Accepted(id) => {
                per_event.push(json!({ "id": id }));
                ids.push(id);
            }
            EntryOutcome::Failed { code, message } => {
                per_event.push(json!({ "code": code, "message": message }));
                if first_failure.is_none() {
                    let message = if batch {
                        format!("event {index} of the batch: {message}")
                    } else {
                        message
                    };
                    first_failure = Some((code, message));
                }
            }
        }
    }
    match first_failure {
        None => Ok(ids),
        Some((code, message)) => {
            let status = if code == "ResourceNotFoundException" {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_REQUEST
            };
            let mut failure = Failure::new(status, code, message);
            failure.entries = Some(per_event);
            Err(failure)
        }
    }
}

/// A refused request: status, stable code, message, and per event outcomes when the engine
/// judged them one by one.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
    entries: Option<Vec<Value>>,
}

impl Failure {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            entries: None,
        }
    }
}

/// The engine's error kinds as HTTP statuses and codes.
impl From<eddy_engine::Error> for Failure {
    fn from(err: eddy_engine::Error) -> Failure {
        let (status, code) = match err.kind {
            Kind::NotFound => (
                StatusCode::NOT_FOUND,
                err.code.unwrap_or("ResourceNotFoundException"),
            ),
            Kind::Validation => (
                StatusCode::BAD_REQUEST,
                err.code.unwrap_or("ValidationException"),
            ),
            Kind::InvalidPattern => (StatusCode::BAD_REQUEST, "InvalidEventPatternException"),
            Kind::LimitExceeded => (StatusCode::BAD_REQUEST, "LimitExceededException"),
            Kind::AlreadyExists | Kind::Conflict => (
                StatusCode::CONFLICT,
                err.code.unwrap_or("ConflictException"),
            ),
            Kind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
        };
        Failure::new(status, code, err.message)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(entries) = self.entries {
            body["entries"] = Value::Array(entries);
        }
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use eddy_engine::{Config, Engine, SystemClock, WriterThread};
    use eddy_store::Durability;
    use eddy_store_sqlite::Sqlite;
    use tower::ServiceExt;

    use super::*;

    /// An engine on SQLite in a temporary directory, and the CloudEvents routes over it.
    struct Harness {
        app: Router,
        engine: Option<Engine>,
        writer: Option<WriterThread>,
        dir: PathBuf,
    }

    impl Harness {
        fn new(name: &str) -> Harness {
            let dir = std::env::temp_dir()
                .join(format!("eddy-cloudevents-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a temporary directory");
            let store = Sqlite::open(&dir.join("eddy.db"), Durability::Relaxed).expect("a store");
            let (engine, writer) = Engine::open(
                Config::default(),
                Box::new(store),
                Arc::new(SystemClock),
                None,
            )
            .expect("an engine");
            let app = Router::new().merge(router()).with_state(AppState {
                engine: engine.clone(),
                routes_prefix: String::new(),
            });
            Harness {
                app,
                engine: Some(engine),
                writer: Some(writer),
                dir,
            }
        }

        fn engine(&self) -> &Engine {
            self.engine.as_ref().expect("the engine")
        }

        async fn post(
            &self,
            uri: &str,
            headers: &[(&str, &str)],
            body: &str,
        ) -> (StatusCode, Value) {
            let mut request = Request::post(uri);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request
                .body(Body::from(body.to_owned()))
                .expect("a request");
            let response = self.app.clone().oneshot(request).await.expect("an answer");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            (status, serde_json::from_slice(&bytes).expect("a JSON body"))
        }
    }

    impl Drop for Harness {
        fn drop(&mut self) {
            self.app = Router::new();
            drop(self.engine.take());
            if let Some(writer) = self.writer.take() {
                writer.join();
            }
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    const BINARY: [(&str, &str); 5] = [
        ("ce-specversion", "1.0"),
        ("ce-id", "e-1"),
        ("ce-source", "/orders"),
        ("ce-type", "order.created"),
        ("content-type", "application/json"),
    ];

    fn structured(id: usize) -> String {
        format!(
            r#"{{"specversion":"1.0","id":"e-{id}","source":"/orders","type":"order.created","data":{{"n":{id}}}}}"#
        )
    }

    #[tokio::test]
    async fn binary_event_on_the_default_bus() {
        let h = Harness::new("binary");
        let (status, body) = h.post("/cloudevents", &BINARY, r#"{"n":1}"#).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["ids"].as_array().map(Vec::len), Some(1));
    }

    #[tokio::test]
    async fn structured_and_batched_on_a_named_bus() {
        let h = Harness::new("named");
        h.engine()
            .create_bus("orders", None, Default::default())
            .await
            .expect("a bus");
        let (status, body) = h
            .post(
                "/cloudevents/orders",
                &[("content-type", "application/cloudevents+json")],
                &structured(1),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let batch = format!("[{},{},{}]", structured(1), structured(2), structured(3));
        let (status, body) = h
            .post(
                "/cloudevents/orders",
                &[("content-type", "application/cloudevents-batch+json")],
                &batch,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["ids"].as_array().map(Vec::len), Some(3));
        let (status, body) = h
            .post(
                "/cloudevents/orders",
                &[("content-type", "application/cloudevents-batch+json")],
                "[]",
            )
            .await;
        assert_eq!((status, body), (StatusCode::ACCEPTED, json!({"ids": []})));
    }

    #[tokio::test]
    async fn unknown_bus_is_404() {
        let h = Harness::new("unknown");
        let (status, body) = h.post("/cloudevents/nope", &BINARY, r#"{"n":1}"#).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["code"], "ResourceNotFoundException");
        assert_eq!(body["message"], "Event bus nope does not exist.");
    }

    #[tokio::test]
    async fn malformed_requests_are_400() {
        let h = Harness::new("malformed");
        let without_id: Vec<_> = BINARY
            .iter()
            .copied()
            .filter(|(n, _)| *n != "ce-id")
            .collect();
        let (status, body) = h.post("/cloudevents", &without_id, "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"code": "MissingAttribute", "message": "missing required attribute id"})
        );
        let (status, body) = h
            .post(
                "/cloudevents",
                &[("content-type", "application/json")],
                "{}",
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "NotCloudEvent");
        let (status, body) = h
            .post(
                "/cloudevents",
                &[("content-type", "application/cloudevents+json")],
                "{not json",
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "MalformedJson");
        let (status, body) = h.post("/cloudevents/bad%20name%21", &BINARY, "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "InvalidArgument");
    }

    #[tokio::test]
    async fn too_many_events_is_400() {
        let h = Harness::new("many");
        let max = h.engine().limits().max_entries;
        let batch: Vec<String> = (0..=max).map(structured).collect();
        let (status, body) = h
            .post(
                "/cloudevents",
                &[("content-type", "application/cloudevents-batch+json")],
                &format!("[{}]", batch.join(",")),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "TooManyEvents");
        assert_eq!(
            body["message"],
            format!(
                "a batch may hold at most {max} events; this one holds {}",
                max + 1
            )
        );
    }

    #[tokio::test]
    async fn over_the_size_limit_is_413() {
        let h = Harness::new("size");
        let big = format!(
            r#"{{"blob":"{}"}}"#,
            "x".repeat(h.engine().limits().max_entry_bytes)
        );
        let (status, body) = h.post("/cloudevents", &BINARY, &big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", body["message"]);
        assert_eq!(body["code"], "RequestTooLarge");
    }

    #[tokio::test]
    async fn refused_events_are_named_with_their_outcomes() {
        let h = Harness::new("refused");
        // What the engine refuses one by one, once CloudEvents are read, is the bus.
        let batch = format!("[{},{}]", structured(1), structured(2));
        let (status, body) = h
            .post(
                "/cloudevents/no-such-bus",
                &[("content-type", "application/cloudevents-batch+json")],
                &batch,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body["message"],
            "event 0 of the batch: Event bus no-such-bus does not exist."
        );
        assert_eq!(body["entries"].as_array().map(Vec::len), Some(2));
        assert_eq!(body["entries"][1]["code"], "ResourceNotFoundException");
    }
}
