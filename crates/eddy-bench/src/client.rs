//! A minimal AWS JSON-protocol client: one HTTP/1.1 keep-alive connection per caller, requests
//! built from pre-serialized bodies, and a fake SigV4 `Authorization` header (Eddy and moto both
//! accept any signature).

use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The two AWS JSON protocols spoken by the benchmarked services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// EventBridge: JSON 1.1, `AWSEvents.*`.
    Events,
    /// SQS: JSON 1.0, `AmazonSQS.*`.
    Sqs,
}

impl Service {
    fn content_type(self) -> HeaderValue {
        match self {
            Service::Events => HeaderValue::from_static("application/x-amz-json-1.1"),
            Service::Sqs => HeaderValue::from_static("application/x-amz-json-1.0"),
        }
    }

    fn authorization(self) -> HeaderValue {
        match self {
            Service::Events => HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0",
            ),
            Service::Sqs => HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
            ),
        }
    }

    fn target_prefix(self) -> &'static str {
        match self {
            Service::Events => "AWSEvents.",
            Service::Sqs => "AmazonSQS.",
        }
    }
}

/// One operation of one service, with its headers built once.
#[derive(Debug, Clone)]
pub struct Operation {
    content_type: HeaderValue,
    authorization: HeaderValue,
    target: HeaderValue,
    name: &'static str,
}

impl Operation {
    /// The operation `name` (e.g. `PutEvents`) of `service`.
    pub fn new(service: Service, name: &'static str) -> anyhow::Result<Operation> {
        let target = HeaderValue::from_str(&format!("{}{name}", service.target_prefix()))
            .context("invalid operation name")?;
        Ok(Operation {
            content_type: service.content_type(),
            authorization: service.authorization(),
            target,
            name,
        })
    }

    /// The operation's name, for messages.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Where the server listens.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `host:port`, to connect to.
    pub authority: String,
    host: HeaderValue,
}

impl Endpoint {
    /// Parses `http://host:port[/]`.
    pub fn parse(url: &str) -> anyhow::Result<Endpoint> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("endpoint must start with http://: {url}"))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            bail!("endpoint must be http://HOST:PORT: {url}");
        }
        let host = HeaderValue::from_str(authority).context("invalid endpoint host")?;
        Ok(Endpoint {
            authority: authority.to_owned(),
            host,
        })
    }
}

/// A failed call: transport problems and non-2xx answers are kept apart, because a benchmark
/// counts the latter and reconnects after the former.
#[derive(Debug)]
pub enum CallError {
    /// The connection broke or could not be made.
    Transport(anyhow::Error),
    /// The server answered with a non-success status.
    Status { status: u16, body: Bytes },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Transport(err) => write!(f, "transport error: {err:#}"),
            CallError::Status { status, body } => {
                write!(f, "HTTP {status}: {}", String::from_utf8_lossy(body))
            }
        }
    }
}

impl std::error::Error for CallError {}

/// One keep-alive HTTP/1.1 connection to the server, reopened after a transport error.
pub struct Connection {
    endpoint: Endpoint,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// Opens a connection to `endpoint`.
    pub async fn open(endpoint: &Endpoint) -> anyhow::Result<Connection> {
        let mut conn = Connection {
            endpoint: endpoint.clone(),
            sender: None,
        };
        conn.connect().await?;
        Ok(conn)
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let stream = tokio::time::timeout(
            Duration::from_secs(10),
            TcpStream::connect(&self.endpoint.authority),
        )
        .await
        .with_context(|| format!("timed out connecting to {}", self.endpoint.authority))?
        .with_context(|| format!("cannot connect to {}", self.endpoint.authority))?;
        stream.set_nodelay(true).context("cannot set TCP_NODELAY")?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake failed")?;
        // The connection task ends when the sender is dropped or the peer closes.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(self.sender.insert(sender))
    }

    /// Sends `body` as operation `op` and returns the response body of a 2xx answer.
    ///
    /// A connection the server has closed (moto answers every request with `Connection: close`)
    /// is reopened before the request is sent; a request that fails after it was sent is not
    /// retried.
    pub async fn call(&mut self, op: &Operation, body: Bytes) -> Result<Bytes, CallError> {
        let host = self.endpoint.host.clone();
        let mut reconnected = false;
        let sender = loop {
            let sender = match self.sender.as_mut() {
                Some(sender) if !sender.is_closed() => sender,
                _ => {
                    reconnected = true;
                    self.connect().await.map_err(CallError::Transport)?
                }
            };
            match sender.ready().await {
                Ok(()) => break sender,
                Err(err) if reconnected => return Err(CallError::Transport(err.into())),
                Err(_) => self.sender = None,
            }
        };
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = hyper::Uri::from_static("/");
        let headers = request.headers_mut();
        headers.insert(HOST, host);
        headers.insert(CONTENT_TYPE, op.content_type.clone());
        headers.insert("x-amz-target", op.target.clone());
        headers.insert(AUTHORIZATION, op.authorization.clone());
        let result = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            let close = response
                .headers()
                .get(CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, close, body))
        }
        .await;
        match result {
            Ok((status, close, body)) => {
                if close {
                    self.sender = None;
                }
                if status.is_success() {
                    Ok(body)
                } else {
                    Err(CallError::Status {
                        status: status.as_u16(),
                        body,
                    })
                }
            }
            Err(err) => {
                self.sender = None;
                Err(CallError::Transport(err.into()))
            }
        }
    }

    /// Like [`Connection::call`], for set-up calls: the body is serialized here and any failure
    /// is an error naming the operation.
    pub async fn call_json(
        &mut self,
        op: &Operation,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let bytes = Bytes::from(serde_json::to_vec(body).context("cannot encode request")?);
        let response = self
            .call(op, bytes)
            .await
            .with_context(|| format!("{} failed", op.name()))?;
        if response.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&response)
            .with_context(|| format!("{} returned invalid JSON", op.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_accepts_host_port_with_or_without_slash() {
        for url in ["http://127.0.0.1:4780", "http://127.0.0.1:4780/"] {
            let endpoint = Endpoint::parse(url).expect("valid endpoint");
            assert_eq!(endpoint.authority, "127.0.0.1:4780");
        }
    }

    #[test]
    fn endpoint_rejects_other_shapes() {
        for url in [
            "127.0.0.1:4780",
            "https://h:1",
            "http://",
            "http://h:1/path",
        ] {
            assert!(Endpoint::parse(url).is_err(), "{url}");
        }
    }
}
