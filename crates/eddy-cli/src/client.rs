//! The HTTP client of the native REST API (`/v1`): JSON in, JSON out, and the server's
//! `ErrorBody` turned into an [`Error`] that says what went wrong and what to do.

use std::time::Duration;

use eddy_api_model as api;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where `eddy serve` listens by default.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4780";

/// Most bytes of a response body read (long enough for any list the server gives).
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error.
    #[error("{code}: {message}")]
    Api {
        /// The HTTP status (400, 404, 409, 413, 500).
        status: u16,
        /// The stable code, e.g. `ResourceNotFoundException`.
        code: String,
        /// For people.
        message: String,
    },
    /// The server could not be reached or the connection broke. The cause is kept as text
    /// so that a broken connection is never mistaken for a closed stdout.
    #[error("cannot reach the Eddy server at {endpoint}: {cause} (is `eddy serve` running? set --endpoint or EDDY_ENDPOINT)")]
    Transport {
        /// The endpoint tried.
        endpoint: String,
        /// What the HTTP client said.
        cause: String,
    },
    /// The server answered something that is not the expected JSON.
    #[error("unexpected answer from {url} (HTTP {status}): {cause}")]
    Decode {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What did not parse.
        cause: String,
    },
}

impl Error {
    /// Whether the server refused input the user gave (HTTP 400 or 413).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Error::Api {
                status: 400 | 413,
                ..
            }
        )
    }

    /// Whether the server said the resource does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status: 404, .. })
    }
}

/// A client of one Eddy server. Cheap to clone; clones share the connection pool, so one
/// client serves several threads.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    endpoint: String,
}

impl Client {
    /// A client of the server at `endpoint` (`http://HOST:PORT`, a trailing `/` allowed).
    pub fn new(endpoint: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            // Long polls last up to 20 s, a synchronous invocation up to 900 s.
            .timeout_global(Some(Duration::from_secs(960)))
            .max_idle_connections_per_host(16)
            .build()
            .new_agent();
        Client {
            agent,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        }
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// `GET path`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let url = self.url(path);
        let response = self.agent.get(&url).call();
        self.decode(&url, response)
    }

    /// `POST path` with a JSON body.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let url = self.url(path);
        let response = self
            .agent
            .post(&url)
            .content_type("application/json")
            .send(&to_json(body)[..]);
        self.decode(&url, response)
    }

    /// `PUT path` with a JSON body.
    pub fn put<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, Error> {
        let url = self.url(path);
        let response = self
            .agent
            .put(&url)
            .content_type("application/json")
            .send(&to_json(body)[..]);
        self.decode(&url, response)
    }

    /// `POST path` without a body, expecting no content.
    pub fn post_empty(&self, path: &str) -> Result<(), Error> {
        let url = self.url(path);
        let response = self.agent.post(&url).send_empty();
        self.expect_empty(&url, response)
    }

    /// `DELETE path`, expecting no content.
    pub fn delete(&self, path: &str) -> Result<(), Error> {
        let url = self.url(path);
        let response = self.agent.delete(&url).call();
        self.expect_empty(&url, response)
    }

    fn expect_empty(
        &self,
        url: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(), Error> {
        let (status, body) = self.read(response)?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(api_error(url, status, &body))
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        url: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, Error> {
        let (status, body) = self.read(response)?;
        if !(200..300).contains(&status) {
            return Err(api_error(url, status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| Error::Decode {
            url: url.to_owned(),
            status,
            cause: e.to_string(),
        })
    }

    fn read(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, Vec<u8>), Error> {
        let transport = |e: ureq::Error| Error::Transport {
            endpoint: self.endpoint.clone(),
            cause: e.to_string(),
        };
        let mut response = response.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(transport)?;
        Ok((status, body))
    }
}

fn to_json<B: Serialize>(body: &B) -> Vec<u8> {
    serde_json::to_vec(body).expect("API model types always serialize")
}

/// The server's `ErrorBody`, or a description of whatever else came back.
fn api_error(url: &str, status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<api::ErrorBody>(body) {
        Ok(e) => Error::Api {
            status,
            code: e.error.code,
            message: e.error.message,
        },
        Err(_) => Error::Api {
            status,
            code: format!("HTTP {status}"),
            message: format!(
                "{url}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)]).trim()
            ),
        },
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("orders-dlq.fifo"), "orders-dlq.fifo");
        assert_eq!(segment("a/b+c=="), "a%2Fb%2Bc%3D%3D");
    }

    #[test]
    fn error_bodies_become_api_errors() {
        let e = api_error(
            "http://x/v1/queues/q",
            404,
            br#"{"error":{"code":"QueueDoesNotExist","message":"The specified queue does not exist."}}"#,
        );
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "QueueDoesNotExist: The specified queue does not exist."
        );
        let e = api_error("http://x/v1", 502, b"bad gateway");
        assert_eq!(e.to_string(), "HTTP 502: http://x/v1: bad gateway");
    }
}
