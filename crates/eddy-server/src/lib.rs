//! Eddy's HTTP surfaces on one port: the AWS wire protocols (EventBridge JSON 1.1 and SQS
//! JSON 1.0, told apart by `X-Amz-Target`) and the health probes.
//!
//! Thin by rule: a handler decodes the request, makes one engine call and encodes the
//! result; each protocol maps engine error kinds to its own error shape in one function.
//! No business rules and no SQL live here. Each surface is a function returning a
//! `Router`, so tests can drive it without a socket.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aws;
pub mod cloudevents;
pub mod native;

use axum::routing::get;
use axum::Router;
use eddy_engine::Engine;

/// What the HTTP surfaces share.
#[derive(Clone)]
pub struct AppState {
    /// The engine every protocol calls.
    pub engine: Engine,
}

/// All of Eddy's HTTP surfaces.
pub fn router(engine: Engine) -> Router {
    let state = AppState { engine };
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ready\n" }))
        .merge(native::router())
        .merge(cloudevents::router())
        .merge(aws::router())
        .with_state(state)
}
