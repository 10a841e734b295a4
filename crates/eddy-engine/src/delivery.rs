//! Deliveries to HTTP endpoints (API destinations): at least once, retried with exponential
//! backoff and jitter within the target's retry policy, then dead-lettered with
//! EventBridge's error attributes.
//!
//! A delivery is written to the store in the same commit as the event that caused it, and
//! removed when it succeeds or is dead-lettered; between attempts its progress (attempts,
//! next due time) is written back. At start every stored delivery is scheduled again, so
//! pending deliveries and retries survive a restart or a crash. The engine knows no HTTP:
//! calls go through the [`HttpClient`] the binary provides.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use eddy_store::Op;
use serde::{Deserialize, Serialize};

use crate::bus::Failure;
use crate::destinations::Authorization;
use crate::queues::Plan;
use crate::resources::{HttpParameters, RetryPolicy};
use crate::Engine;

/// How long an HTTP target may take to answer.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest wait between two attempts.
const MAX_BACKOFF_MS: u64 = 300_000;

/// An HTTP request the engine wants made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait for the answer.
    pub timeout: Duration,
}

/// Makes HTTP requests for the engine; answers the response's status code, or why there
/// was none (connection refused, timeout).
pub trait HttpClient: Send + Sync + 'static {
    /// Sends the request.
    fn send(
        &self,
        request: HttpRequest,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send>>;
}

/// A pending delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) rule_arn: String,
    #[serde(default)]
    pub(crate) target_id: String,
    #[serde(default)]
    pub(crate) target_arn: String,
    #[serde(default)]
    pub(crate) destination: String,
    #[serde(default)]
    pub(crate) http: Option<HttpParameters>,
    #[serde(default)]
    pub(crate) retry: RetryPolicy,
    #[serde(default)]
    pub(crate) dead_letter_arn: Option<String>,
    pub(crate) payload: String,
    #[serde(default)]
    pub(crate) event: String,
    pub(crate) ingested_at: u64,
    pub(crate) attempts: u32,
    pub(crate) due_at: u64,
    /// Set when this is an asynchronous function invocation rather than an HTTP call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) invoke: Option<crate::functions::AsyncInvoke>,
}

impl Delivery {
    pub(crate) fn op(&self) -> Op {
        Op::PutDelivery {
            id: self.id,
            due_at: self.due_at,
            body: serde_json::to_vec(self).unwrap_or_default(),
        }
    }
}

/// A token bucket per API destination: at most `rate` calls per second.
pub(crate) struct Limiter {
    state: Mutex<(f64, std::time::Instant)>,
}

impl Limiter {
    fn new(rate: u32) -> Limiter {
        Limiter {
            state: Mutex::new((f64::from(rate), std::time::Instant::now())),
        }
    }

    /// How long to wait before the next call may go (and takes its token).
    fn reserve(&self, rate: u32) -> Duration {
        let rate = f64::from(rate.max(1));
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(state.1).as_secs_f64();
        state.0 = (state.0 + elapsed * rate).min(rate);
        state.1 = now;
        state.0 -= 1.0;
        if state.0 >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-state.0 / rate)
        }
    }
}

/// Limiters by destination name.
#[derive(Default)]
pub(crate) struct Limiters(Mutex<HashMap<String, Arc<Limiter>>>);

impl Limiters {
    fn get(&self, name: &str, rate: u32) -> Arc<Limiter> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(
            map.entry(name.to_owned())
                .or_insert_with(|| Arc::new(Limiter::new(rate))),
        )
    }
}

/// The wait before attempt `attempts + 1`: exponential from one second, capped, with
/// jitter in its upper half.
fn backoff_ms(attempts: u32) -> u64 {
    let base = 1000u64
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(20))
        .min(MAX_BACKOFF_MS);
    base / 2 + fastrand::u64(0..=base / 2)
}

/// Whether EventBridge retries a call that answered `status`.
fn retryable(status: u16) -> bool {
    matches!(status, 401 | 407 | 409 | 429) || status >= 500
}

enum Outcome {
    Delivered,
    Retry(Failure),
    Fail(Failure),
}

impl Engine {
    /// Starts working on a delivery that is committed to the store.
    pub(crate) fn schedule(&self, delivery: Delivery) {
        let engine = self.clone();
        if delivery.invoke.is_some() {
            tokio::spawn(async move { engine.run_async_invoke(delivery).await });
        } else {
            tokio::spawn(async move { engine.run_delivery(delivery).await });
        }
    }

    async fn run_delivery(&self, mut delivery: Delivery) {
        loop {
            let now = self.now();
            if delivery.due_at > now {
                tokio::time::sleep(Duration::from_millis(delivery.due_at - now)).await;
            }
            let outcome = self.attempt(&delivery).await;
            delivery.attempts += 1;
            let failure = match outcome {
                Outcome::Delivered => {
                    tracing::debug!(
                        target = delivery.target_id,
                        attempts = delivery.attempts,
                        "delivered"
                    );
                    self.inner
                        .writer
                        .submit(vec![Op::DeleteDelivery { id: delivery.id }]);
                    return;
                }
                Outcome::Fail(failure) => {
                    self.dead_letter_delivery(&delivery, &failure, None).await;
                    return;
                }
                Outcome::Retry(failure) => failure,
            };
            let now = self.now();
            let retries = delivery.attempts - 1;
            let exhausted = if retries >= delivery.retry.attempts() {
                Some("MaximumRetryAttempts")
            } else if now.saturating_sub(delivery.ingested_at) >= delivery.retry.max_age_ms() {
                Some("MaximumEventAgeInSeconds")
            } else {
                None
            };
            if let Some(condition) = exhausted {
                self.dead_letter_delivery(&delivery, &failure, Some(condition))
                    .await;
                return;
            }
            delivery.due_at = now + backoff_ms(delivery.attempts);
            tracing::debug!(
                target = delivery.target_id,
                attempts = delivery.attempts,
                error = failure.message,
                "delivery will be retried"
            );
            self.inner.writer.submit(vec![delivery.op()]);
        }
    }

    async fn attempt(&self, delivery: &Delivery) -> Outcome {
        let Some(http) = self.inner.http.clone() else {
            return Outcome::Fail(Failure::new(
                "SDK_CLIENT_ERROR",
                "this Eddy has no HTTP client",
            ));
        };
        let found = {
            let registry = self.read();
            registry
                .destinations
                .get(&delivery.destination)
                .cloned()
                .map(|d| {
                    let connection = registry.connections.get(&d.connection).cloned();
                    (d, connection)
                })
        };
        let Some((destination, connection)) = found else {
            return Outcome::Fail(Failure::new(
                "RESOURCE_NOT_FOUND",
                format!("API destination {} does not exist.", delivery.destination),
            ));
        };
        let limiter = self
            .inner
            .limiters
            .get(&destination.name, destination.rate_limit_per_second);
        let wait = limiter.reserve(destination.rate_limit_per_second);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let mut url = String::new();
        let mut values = delivery
            .http
            .iter()
            .flat_map(|h| h.path_parameter_values.iter());
        for (i, part) in destination.endpoint.split('*').enumerate() {
            if i > 0 {
                url.push_str(values.next().map_or("", String::as_str));
            }
            url.push_str(part);
        }
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers = vec![
            (
                "content-type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                "user-agent".to_owned(),
                "Amazon/EventBridge/ApiDestinations".to_owned(),
            ),
        ];
        if let Some(connection) = &connection {
            query.extend(connection.query.iter().cloned());
            headers.extend(connection.headers.iter().cloned());
            match &connection.authorization {
                Authorization::Basic { username, password } => {
                    let token = base64::engine::general_purpose::STANDARD
                        .encode(format!("{username}:{password}"));
                    headers.push(("authorization".to_owned(), format!("Basic {token}")));
                }
                Authorization::ApiKey { name, value } => {
                    headers.push((name.clone(), value.clone()))
                }
                Authorization::OAuth { .. } => {}
            }
        }
        if let Some(http) = &delivery.http {
            query.extend(http.query_string_parameters.iter().cloned());
            headers.extend(http.header_parameters.iter().cloned());
        }
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push_str(&encoded.join("&"));
        }
        let mut body = delivery.payload.clone().into_bytes();
        if let Some(mode) = delivery.http.as_ref().and_then(|h| h.cloudevents) {
            match cloud_event(delivery, mode) {
                Some((ce_headers, ce_body)) => {
                    headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
                    headers.extend(ce_headers);
                    body = ce_body;
                }
                None => {
                    return Outcome::Fail(Failure::new(
                        "SDK_CLIENT_ERROR",
                        "the event cannot be written as a CloudEvent",
                    ));
                }
            }
        }
        if matches!(destination.method.as_str(), "GET" | "HEAD") {
            body.clear();
        }
        let request = HttpRequest {
            method: destination.method.clone(),
            url,
            headers,
            body,
            timeout: HTTP_TIMEOUT,
        };
        match http.send(request).await {
            Ok(status) if (200..300).contains(&status) => Outcome::Delivered,
            Ok(status) => {
                let failure = Failure::new(
                    "SDK_CLIENT_ERROR",
                    format!("Unable to invoke ApiDestination endpoint: The endpoint responded with HTTP status {status}."),
                );
                if retryable(status) {
                    Outcome::Retry(failure)
                } else {
                    Outcome::Fail(failure)
                }
            }
            Err(err) => Outcome::Retry(Failure::new(
                "SDK_CLIENT_ERROR",
                format!("Unable to invoke ApiDestination endpoint: {err}"),
            )),
        }
    }

    async fn dead_letter_delivery(
        &self,
        delivery: &Delivery,
        failure: &Failure,
        exhausted: Option<&'static str>,
    ) {
        let mut plan = Plan::default();
        {
            let registry = self.read();
            let letter = crate::bus::DeadLetter {
                dead_letter_arn: delivery.dead_letter_arn.as_deref(),
                rule_arn: &delivery.rule_arn,
                target_id: &delivery.target_id,
                target_arn: &delivery.target_arn,
                event: &delivery.event,
                failure,
                retries: delivery.attempts.saturating_sub(1),
                exhausted,
            };
            self.dead_letter(&registry, &letter, &mut plan, self.now());
        }
        plan.ops.push(Op::DeleteDelivery { id: delivery.id });
        if plan.commit(self).await.is_err() {
            tracing::error!(
                delivery = delivery.id,
                "dead letter not stored; the delivery stays pending"
            );
        }
    }

    /// Schedules every stored delivery again (at start).
    pub(crate) fn resume_deliveries(&self, deliveries: Vec<Delivery>) {
        for delivery in deliveries {
            self.schedule(delivery);
        }
    }
}

/// HTTP headers, in order.
type Headers = Vec<(String, String)>;

/// The delivery as a CloudEvent: the event's attributes, and as data the target's input
/// (the event's detail, or what its input transformer made of the event).
fn cloud_event(
    delivery: &Delivery,
    mode: crate::resources::CloudEventsMode,
) -> Option<(Headers, Vec<u8>)> {
    use eddy_model::cloudevents;
    let mut event = cloudevents::read_envelope(&delivery.event).ok()?;
    if delivery.payload != delivery.event {
        event.detail = if serde_json::from_str::<serde::de::IgnoredAny>(&delivery.payload).is_ok() {
            delivery.payload.clone()
        } else {
            serde_json::to_string(&delivery.payload).ok()?
        };
    }
    Some(match mode {
        crate::resources::CloudEventsMode::Structured => (
            vec![(
                "content-type".to_owned(),
                cloudevents::STRUCTURED.to_owned(),
            )],
            cloudevents::to_structured(&event).into_bytes(),
        ),
        crate::resources::CloudEventsMode::Binary => {
            let binary = cloudevents::to_binary(&event);
            (binary.headers, binary.body)
        }
    })
}

/// Percent-encodes a query-string component.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
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
    fn backoff_grows_and_is_capped() {
        for attempts in 1..40 {
            let wait = backoff_ms(attempts);
            let base = (1000u64 << (attempts - 1).min(20)).min(MAX_BACKOFF_MS);
            assert!(wait >= base / 2 && wait <= base, "{attempts}: {wait}");
        }
    }

    #[test]
    fn retries_follow_api_destinations() {
        for status in [401, 407, 409, 429, 500, 502, 503] {
            assert!(retryable(status), "{status}");
        }
        for status in [400, 403, 404, 413] {
            assert!(!retryable(status), "{status}");
        }
    }

    #[test]
    fn limiter_spaces_calls() {
        let limiter = Limiter::new(2);
        assert_eq!(limiter.reserve(2), Duration::ZERO);
        assert_eq!(limiter.reserve(2), Duration::ZERO);
        assert!(limiter.reserve(2) > Duration::from_millis(400));
    }
}
