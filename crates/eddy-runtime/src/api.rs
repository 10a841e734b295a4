//! The Lambda Runtime API one instance talks to: its own listener on loopback, HTTP/1.1
//! with keep-alive, every answer in one write with TCP_NODELAY (headers and body in
//! separate small writes meet Nagle's algorithm and delayed ACKs: ~88 ms per invoke).
//!
//! `GET /2018-06-01/runtime/invocation/next` waits for as long as it takes (the instance
//! is idle); the server never times it out.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::instance::{Phase, Reply, Shared};

/// The largest response a function may return (Lambda's 6 MB synchronous limit).
pub(crate) const MAX_RESPONSE: usize = 6 * 1024 * 1024;

const PREFIX: &str = "/2018-06-01/runtime/";

/// Serves the Runtime API on `listener` until `stop` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(&shared, req).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                // One buffer per answer, written at once.
                .writev(false)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.changed() => {}
            }
        });
    }
}

async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return not_found(&path);
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match (req.method(), parts.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(shared).await,
        (&Method::POST, ["invocation", id, "response"]) => {
            let id = (*id).to_owned();
            match read_body(req).await {
                Ok(body) => finish(shared, &id, Reply::Response(body)),
                Err(()) => {
                    let reply = Reply::Error {
                        error_type: "Function.ResponseSizeTooLarge".to_owned(),
                        payload: error_doc(
                            "Function.ResponseSizeTooLarge",
                            &format!(
                                "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."
                            ),
                        ),
                    };
                    let _ = finish(shared, &id, reply);
                    json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        error_doc(
                            "RequestEntityTooLarge",
                            &format!(
                                "Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."
                            ),
                        ),
                    )
                }
            }
        }
        (&Method::POST, ["invocation", id, "error"]) => {
            let id = (*id).to_owned();
            let header = error_type_header(&req);
            let body = read_body(req).await.unwrap_or_default();
            let (error_type, payload) = error_report(header, &body);
            finish(
                shared,
                &id,
                Reply::Error {
                    error_type,
                    payload,
                },
            )
        }
        (&Method::POST, ["init", "error"]) => {
            let header = error_type_header(&req);
            let body = read_body(req).await.unwrap_or_default();
            let (error_type, payload) = error_report(header, &body);
            shared.set_phase(Phase::InitError {
                error_type,
                payload,
            });
            accepted()
        }
        _ => not_found(&path),
    }
}

/// Hands out the next invocation, waiting for one as long as it takes.
async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    shared.set_phase(Phase::Ready);
    let job = {
        let mut jobs = shared.jobs.lock().await;
        jobs.recv().await
    };
    let Some(job) = job else {
        // The instance is stopping.
        return json(
            StatusCode::GONE,
            error_doc("Runtime.Stopping", "the instance is stopping"),
        );
    };
    let inv = job.invocation;
    let mut response = Response::new(Full::new(Bytes::from(inv.payload)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    put("lambda-runtime-aws-request-id", &inv.request_id);
    put("lambda-runtime-deadline-ms", &job.deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", &shared.arn);
    put(
        "lambda-runtime-trace-id",
        &inv.trace_id.unwrap_or_else(trace_id),
    );
    if let Some(context) = inv.client_context.as_deref().and_then(client_context) {
        put("lambda-runtime-client-context", &context);
    }
    response
}

/// Delivers a response or error to the invocation waiting for it.
fn finish(shared: &Shared, id: &str, reply: Reply) -> Response<Full<Bytes>> {
    if shared.reply(id, reply) {
        accepted()
    } else {
        json(
            StatusCode::BAD_REQUEST,
            error_doc("InvalidRequestID", &format!("Invalid request ID: {id}")),
        )
    }
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, ()> {
    match Limited::new(req.into_body(), MAX_RESPONSE).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(()),
    }
}

fn error_type_header(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The error document the caller receives and its type: the runtime's own document when
/// it sent a JSON object, else one made from what it sent.
fn error_report(header: Option<String>, body: &[u8]) -> (String, Vec<u8>) {
    if let Ok(serde_json::Value::Object(doc)) = serde_json::from_slice::<serde_json::Value>(body) {
        let error_type = doc
            .get("errorType")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .or(header)
            .unwrap_or_else(|| "Unhandled".to_owned());
        return (error_type, body.to_vec());
    }
    let error_type = header.unwrap_or_else(|| "Unhandled".to_owned());
    let text = String::from_utf8_lossy(body);
    let message = if text.trim().is_empty() {
        "Unhandled".to_owned()
    } else {
        text.into_owned()
    };
    let doc = error_doc(&error_type, &message);
    (error_type, doc)
}

/// `{"errorMessage": ..., "errorType": ...}`.
pub(crate) fn error_doc(error_type: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "errorMessage": message,
        "errorType": error_type,
    }))
    .unwrap_or_default()
}

/// The client context as the runtime clients accept it: the `lambda_runtime` crate exits
/// when a `client` object lacks any of its five fields, so missing ones are filled in.
fn client_context(given: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(given).ok()?;
    if let Some(client) = value.get_mut("client").and_then(|c| c.as_object_mut()) {
        for field in [
            "installationId",
            "appTitle",
            "appVersionName",
            "appVersionCode",
            "appPackageName",
        ] {
            client
                .entry(field)
                .or_insert_with(|| serde_json::Value::String(String::new()));
        }
    }
    serde_json::to_string(&value).ok()
}

/// An X-Ray style trace id, as Lambda always sends one.
fn trace_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("Root=1-{secs:08x}-{};Sampled=0", &random[..24])
}

fn accepted() -> Response<Full<Bytes>> {
    json(StatusCode::ACCEPTED, br#"{"status":"OK"}"#.to_vec())
}

fn not_found(path: &str) -> Response<Full<Bytes>> {
    json(
        StatusCode::NOT_FOUND,
        error_doc(
            "InvalidRequest",
            &format!("no such Runtime API path: {path}"),
        ),
    )
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_context_gets_a_complete_client() {
        let out = client_context(r#"{"client":{"appTitle":"t"},"custom":{"a":1}}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["client"]["appTitle"], "t");
        assert_eq!(v["client"]["installationId"], "");
        assert_eq!(v["custom"]["a"], 1);
        assert_eq!(
            client_context(r#"{"custom":{}}"#).unwrap(),
            r#"{"custom":{}}"#
        );
        assert!(client_context("not json").is_none());
    }

    #[test]
    fn error_reports_keep_the_runtime_document() {
        let (t, doc) = error_report(None, br#"{"errorMessage":"m","errorType":"ValueError"}"#);
        assert_eq!(t, "ValueError");
        assert!(String::from_utf8(doc).unwrap().contains("\"m\""));
        let (t, doc) = error_report(Some("Runtime.Custom".into()), b"plain text");
        assert_eq!(t, "Runtime.Custom");
        let v: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        assert_eq!(v["errorMessage"], "plain text");
        let (t, _) = error_report(None, b"");
        assert_eq!(t, "Unhandled");
    }
}
