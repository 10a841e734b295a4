//! The HTTP client the engine delivers to HTTP targets with: hyper's pooled HTTP/1.1 client
//! (keep-alive, TCP_NODELAY), with a per-request timeout.

use std::future::Future;
use std::pin::Pin;

use eddy_engine::delivery::{HttpClient, HttpRequest};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// hyper's client behind the engine's `HttpClient` trait.
pub struct Hyper {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Hyper {
    pub fn new() -> Hyper {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Hyper {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }
}

impl HttpClient for Hyper {
    fn send(
        &self,
        request: HttpRequest,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send>> {
        let client = self.client.clone();
        Box::pin(async move {
            let mut builder = hyper::Request::builder()
                .method(request.method.as_str())
                .uri(request.url.as_str());
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let req = builder
                .body(Full::new(Bytes::from(request.body)))
                .map_err(|e| format!("invalid request: {e}"))?;
            let call = async {
                let response = client
                    .request(req)
                    .await
                    .map_err(|e| format!("request failed: {e}"))?;
                let status = response.status().as_u16();
                // Read the body so the connection can be reused.
                let _ = response.into_body().collect().await;
                Ok(status)
            };
            match tokio::time::timeout(request.timeout, call).await {
                Ok(result) => result,
                Err(_) => Err(format!("timed out after {} s", request.timeout.as_secs())),
            }
        })
    }
}
