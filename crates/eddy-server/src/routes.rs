//! HTTP routes declared by users (`METHOD /path` → a function, a bus or a queue), served
//! under the routes prefix (default `/api`) on the main port; the engine answers.

use std::net::SocketAddr;

use axum::body::{to_bytes, Body};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use eddy_engine::routes::HttpCall;

use crate::AppState;

/// Largest request body a route accepts (API Gateway's payload limit is 10 MB).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The routes under `prefix` (e.g. `/api`; empty: none are served).
pub fn router(prefix: &str) -> Router<AppState> {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return Router::new();
    }
    Router::new()
        .route(prefix, any(call))
        .route(&format!("{prefix}/"), any(call))
        .route(&format!("{prefix}/{{*rest}}"), any(call))
}

async fn call(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let prefix = state.routes_prefix.trim_end_matches('/');
    let path = parts.uri.path().strip_prefix(prefix).unwrap_or("/");
    let path = if path.is_empty() { "/" } else { path }.to_owned();
    let body = match to_bytes(Body::new(body), MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                [("content-type", "application/json")],
                r#"{"message":"Request Entity Too Large"}"#,
            )
                .into_response()
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let reply = state
        .engine
        .call_route(HttpCall {
            method: parts.method.as_str().to_owned(),
            path,
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers,
            body: body.to_vec(),
            source_ip,
            host,
        })
        .await;
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.body,
    )
        .into_response();
    let out = response.headers_mut();
    // The reply says its own content type (or has no body).
    out.remove(axum::http::header::CONTENT_TYPE);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            if matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            ) {
                continue;
            }
            out.append(name, value);
        }
    }
    response
}
