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
pub mod routes;

use axum::routing::get;
use axum::Router;
use eddy_engine::Engine;

/// What the HTTP surfaces share.
#[derive(Clone)]
pub struct AppState {
    /// The engine every protocol calls.
    pub engine: Engine,
    /// Where user routes are served (`/api`).
    pub routes_prefix: String,
}

/// Where user routes are served unless configured.
pub const DEFAULT_ROUTES_PREFIX: &str = "/api";

/// All of Eddy's HTTP surfaces.
pub fn router(engine: Engine) -> Router {
    router_with_prefix(engine, DEFAULT_ROUTES_PREFIX)
}

/// All of Eddy's HTTP surfaces, with user routes under `routes_prefix` (empty: none).
pub fn router_with_prefix(engine: Engine, routes_prefix: &str) -> Router {
    let state = AppState {
        engine,
        routes_prefix: routes_prefix.to_owned(),
    };
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ready\n" }))
        .merge(native::router())
        .merge(cloudevents::router())
        .merge(routes::router(routes_prefix))
        .merge(aws::lambda::router())
        .merge(aws::router())
        .with_state(state)
}
