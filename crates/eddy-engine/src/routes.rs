//! HTTP routes (API Gateway HTTP API): `METHOD /path/{param}/{proxy+}` answered by a
//! function with the payload format 2.0, or turned into an event on a bus or a message on
//! a queue (answered 202).
//!
//! The server hands over the request as an [`HttpCall`] and writes back the
//! [`HttpReply`]; matching, the event shapes and the response rules live here.

use std::collections::BTreeMap;

use base64::Engine as _;
use eddy_model::event::Entry;
use eddy_model::function::{Invocation, InvokeFailure};
use eddy_model::names::QueueName;
use eddy_store::{Op, ResourceKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::bus::EntryOutcome;
use crate::error::{Error, Kind};
use crate::queues::SendInput;
use crate::resources::Tags;
use crate::{Engine, Registry};

/// Where a route's requests go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteTarget {
    /// Answered by a function.
    Function(String),
    /// The body becomes an event's detail on a bus.
    Bus {
        /// The bus.
        bus: String,
        /// The event's source.
        source: String,
        /// The event's detail-type.
        detail_type: String,
    },
    /// The body becomes a message on a queue.
    Queue(String),
}

/// A route as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDef {
    /// `GET`, `POST`, ... or `ANY`.
    pub method: String,
    /// The path pattern.
    pub path: String,
    /// Where requests go.
    pub target: RouteTarget,
    /// Its tags.
    #[serde(default)]
    pub tags: Tags,
}

impl RouteDef {
    /// `METHOD /path`, API Gateway's route key.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

fn segments(path: &str) -> Result<Vec<Segment>, String> {
    if !path.starts_with('/') {
        return Err(format!("path {path}: must start with /"));
    }
    let parts: Vec<&str> = path[1..].split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            if parts.len() == 1 {
                break;
            }
            return Err(format!("path {path}: empty segment"));
        }
        if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if let Some(name) = inner.strip_suffix('+') {
                if i + 1 != parts.len() {
                    return Err(format!(
                        "path {path}: a greedy {{{inner}}} must be the last segment"
                    ));
                }
                if name.is_empty() {
                    return Err(format!("path {path}: a parameter needs a name"));
                }
                out.push(Segment::Greedy(name.to_owned()));
            } else {
                if inner.is_empty() || inner.contains(['{', '}']) {
                    return Err(format!("path {path}: bad parameter {part}"));
                }
                out.push(Segment::Param(inner.to_owned()));
            }
        } else if part.contains(['{', '}']) {
            return Err(format!(
                "path {path}: a parameter must be a whole segment ({part})"
            ));
        } else {
            out.push(Segment::Literal((*part).to_owned()));
        }
    }
    Ok(out)
}

/// How well a route matches a request: more literal segments first, then more
/// parameters (not greedy), then an exact method over `ANY`.
type Score = (usize, usize, bool, bool);

fn match_path(
    pattern: &[Segment],
    path: &str,
) -> Option<(BTreeMap<String, String>, usize, usize, bool)> {
    let parts: Vec<&str> = if path == "/" || path.is_empty() {
        Vec::new()
    } else {
        path.trim_start_matches('/').split('/').collect()
    };
    let mut params = BTreeMap::new();
    let (mut literals, mut named) = (0, 0);
    for (i, segment) in pattern.iter().enumerate() {
        match segment {
            Segment::Literal(text) => {
                if parts.get(i) != Some(&text.as_str()) {
                    return None;
                }
                literals += 1;
            }
            Segment::Param(name) => {
                let part = parts.get(i).filter(|p| !p.is_empty())?;
                params.insert(name.clone(), percent_decode(part));
                named += 1;
            }
            Segment::Greedy(name) => {
                if i >= parts.len() {
                    return None;
                }
                params.insert(name.clone(), percent_decode(&parts[i..].join("/")));
                return Some((params, literals, named, true));
            }
        }
    }
    (parts.len() == pattern.len()).then_some((params, literals, named, false))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP request to a route, as the server hands it over.
#[derive(Debug, Clone, Default)]
pub struct HttpCall {
    /// The method.
    pub method: String,
    /// The path below the routes prefix, starting with `/`.
    pub path: String,
    /// The query string without `?`.
    pub query: String,
    /// Headers in order (names as received).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The caller's address.
    pub source_ip: String,
    /// The `Host` the caller used.
    pub host: String,
}

/// The answer to write back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The status.
    pub status: u16,
    /// Headers (each `Set-Cookie` separately).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpReply {
    fn json(status: u16, value: &Value) -> HttpReply {
        HttpReply {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        }
    }

    fn message(status: u16, message: &str) -> HttpReply {
        HttpReply::json(status, &json!({ "message": message }))
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation(message)
}

impl Engine {
    /// Creates or replaces the route with the same method and path.
    pub async fn put_route(&self, mut def: RouteDef) -> Result<RouteDef, Error> {
        def.method = def.method.to_ascii_uppercase();
        const METHODS: &[&str] = &[
            "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
        ];
        if !METHODS.contains(&def.method.as_str()) {
            return Err(invalid(format!(
                "method {}: one of {}",
                def.method,
                METHODS.join(", ")
            )));
        }
        segments(&def.path).map_err(invalid)?;
        match &def.target {
            RouteTarget::Function(name) => {
                self.get_function(name)?;
            }
            RouteTarget::Bus { bus, .. } => {
                let name = eddy_model::names::BusName::parse(bus, "bus")?;
                if !self.read().buses.contains_key(&name) {
                    return Err(Error::not_found(format!("Event bus {bus} does not exist.")));
                }
            }
            RouteTarget::Queue(queue) => {
                let name = QueueName::parse(queue)?;
                if !self.read().queues.contains_key(&name) {
                    return Err(Error::not_found(format!(
                        "The specified queue {queue} does not exist."
                    )));
                }
            }
        }
        let key = def.key();
        let op = Op::PutResource {
            kind: ResourceKind::Route,
            key: key.clone(),
            body: serde_json::to_vec(&def).unwrap_or_default(),
        };
        self.write().routes.insert(key, def.clone());
        self.inner.writer.commit(vec![op]).wait().await?;
        Ok(def)
    }

    /// The routes, by key.
    pub fn list_routes(&self) -> Vec<RouteDef> {
        self.read().routes.values().cloned().collect()
    }

    /// Deletes the route `METHOD path`.
    pub async fn delete_route(&self, method: &str, path: &str) -> Result<(), Error> {
        let key = format!("{} {path}", method.to_ascii_uppercase());
        if self.write().routes.remove(&key).is_none() {
            return Err(Error::not_found(format!("Route {key} does not exist.")));
        }
        self.inner
            .writer
            .commit(vec![Op::DeleteResource {
                kind: ResourceKind::Route,
                key,
            }])
            .wait()
            .await
    }

    /// Answers an HTTP request to a route.
    pub async fn call_route(&self, call: HttpCall) -> HttpReply {
        let found = {
            let registry = self.read();
            find(&registry, &call.method, &call.path)
        };
        let Some((route, params)) = found else {
            return HttpReply::message(404, "Not Found");
        };
        match &route.target {
            RouteTarget::Function(function) => {
                self.route_to_function(&route, function, params, call).await
            }
            RouteTarget::Bus {
                bus,
                source,
                detail_type,
            } => {
                let detail = match serde_json::from_slice::<Value>(&call.body) {
                    Ok(value @ Value::Object(_)) => value.to_string(),
                    _ if call.body.iter().all(u8::is_ascii_whitespace) => "{}".to_owned(),
                    _ => return HttpReply::message(
                        400,
                        "The request body must be a JSON object: it becomes the event's detail.",
                    ),
                };
                let entry = Entry {
                    source: Some(source.clone()),
                    detail_type: Some(detail_type.clone()),
                    detail: Some(detail),
                    resources: Vec::new(),
                    time: None,
                    bus: Some(bus.clone()),
                    trace_header: None,
                    id: None,
                };
                match self.put_events(vec![entry]).await {
                    Ok(outcomes) => match outcomes.into_iter().next() {
                        Some(EntryOutcome::Accepted(id)) => {
                            HttpReply::json(202, &json!({ "id": id }))
                        }
                        Some(EntryOutcome::Failed { code, message }) => {
                            HttpReply::json(400, &json!({ "message": message, "code": code }))
                        }
                        None => HttpReply::message(500, "Internal Server Error"),
                    },
                    Err(err) => error_reply(&err),
                }
            }
            RouteTarget::Queue(queue) => {
                let Ok(name) = QueueName::parse(queue) else {
                    return HttpReply::message(500, "Internal Server Error");
                };
                let body =
                    match String::from_utf8(call.body) {
                        Ok(text) if !text.is_empty() => text,
                        Ok(_) => {
                            return HttpReply::message(
                                400,
                                "The request body is empty: it becomes the message's body.",
                            )
                        }
                        Err(_) => return HttpReply::message(
                            400,
                            "The request body must be UTF-8 text: it becomes the message's body.",
                        ),
                    };
                let fifo = queue.ends_with(".fifo");
                let input = SendInput {
                    body,
                    attributes: Vec::new(),
                    system_attributes: Vec::new(),
                    delay_seconds: None,
                    group_id: fifo.then(|| route.key()),
                    deduplication_id: fifo.then(|| uuid::Uuid::new_v4().to_string()),
                };
                match self.send_messages(&name, vec![input]).await {
                    Ok(mut results) => match results.pop() {
                        Some(Ok(sent)) => {
                            HttpReply::json(202, &json!({ "message-id": sent.message_id }))
                        }
                        Some(Err(err)) => HttpReply::json(400, &json!({ "message": err.message })),
                        None => HttpReply::message(500, "Internal Server Error"),
                    },
                    Err(err) => error_reply(&err),
                }
            }
        }
    }

    async fn route_to_function(
        &self,
        route: &RouteDef,
        function: &str,
        params: BTreeMap<String, String>,
        call: HttpCall,
    ) -> HttpReply {
        let Some(host) = self.inner.host.get().cloned() else {
            return HttpReply::message(503, "Service Unavailable");
        };
        let def = match self.get_function(function) {
            Ok(def) => def,
            Err(_) => return HttpReply::message(500, "Internal Server Error"),
        };
        if def.reserved_concurrency == Some(0) {
            return HttpReply::message(429, "Too Many Requests");
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        let event = event_v2(
            route,
            params,
            &call,
            &request_id,
            self.now(),
            &self.inner.config.scope.account,
        );
        let invocation = Invocation {
            request_id,
            payload: event.to_string().into_bytes(),
            client_context: None,
            trace_id: None,
        };
        match host.invoke(function, invocation, false).await {
            Ok(outcome) if outcome.error_type.is_none() => response_v2(&outcome.payload),
            Ok(_) => HttpReply::message(500, "Internal Server Error"),
            Err(InvokeFailure::Throttled) => HttpReply::message(429, "Too Many Requests"),
            Err(_) => HttpReply::message(500, "Internal Server Error"),
        }
    }
}

fn error_reply(err: &Error) -> HttpReply {
    let status = match err.kind {
        Kind::NotFound => 404,
        Kind::Validation | Kind::InvalidPattern => 400,
        Kind::LimitExceeded => 429,
        Kind::Internal => 500,
        Kind::AlreadyExists | Kind::Conflict => 409,
    };
    HttpReply::message(status, &err.message)
}

fn find(
    registry: &Registry,
    method: &str,
    path: &str,
) -> Option<(RouteDef, BTreeMap<String, String>)> {
    let mut best: Option<(Score, &RouteDef, BTreeMap<String, String>)> = None;
    for route in registry.routes.values() {
        let exact = route.method.eq_ignore_ascii_case(method);
        if !exact && route.method != "ANY" {
            continue;
        }
        let Ok(pattern) = segments(&route.path) else {
            continue;
        };
        let Some((params, literals, named, greedy)) = match_path(&pattern, path) else {
            continue;
        };
        let score = (literals, named, !greedy, exact);
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, route, params));
        }
    }
    best.map(|(_, route, params)| (route.clone(), params))
}

/// Whether API Gateway passes a body of this content type as text.
fn is_text(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.starts_with("application/x-www-form-urlencoded")
}

/// The request as API Gateway's HTTP API payload format 2.0.
fn event_v2(
    route: &RouteDef,
    params: BTreeMap<String, String>,
    call: &HttpCall,
    request_id: &str,
    now_ms: u64,
    account: &str,
) -> Value {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in &call.headers {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| Value::String(c.to_owned())),
            );
            continue;
        }
        match headers.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(value);
            }
            _ => {
                headers.insert(name, Value::String(value.clone()));
            }
        }
    }
    let mut query: Map<String, Value> = Map::new();
    for pair in call.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (form_decode(k), form_decode(v));
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let secs = i64::try_from(now_ms / 1000).unwrap_or(0);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.key(),
        "rawPath": call.path,
        "rawQueryString": call.query,
        "headers": headers,
        "requestContext": {
            "accountId": account,
            "apiId": "eddy",
            "domainName": call.host,
            "domainPrefix": call.host.split('.').next().unwrap_or(""),
            "http": {
                "method": call.method,
                "path": call.path,
                "protocol": "HTTP/1.1",
                "sourceIp": call.source_ip,
                "userAgent": header("user-agent"),
            },
            "requestId": request_id,
            "routeKey": route.key(),
            "stage": "$default",
            "time": clf_time(secs),
            "timeEpoch": now_ms,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !params.is_empty() {
        event["pathParameters"] = json!(params);
    }
    if !call.body.is_empty() {
        let content_type = header("content-type");
        match std::str::from_utf8(&call.body) {
            Ok(text) if is_text(&content_type) => event["body"] = Value::String(text.to_owned()),
            _ => {
                event["body"] =
                    Value::String(base64::engine::general_purpose::STANDARD.encode(&call.body));
                event["isBase64Encoded"] = Value::Bool(true);
            }
        }
    }
    event
}

fn form_decode(text: &str) -> String {
    percent_decode(&text.replace('+', " "))
}

/// `12/Mar/2020:19:03:58 +0000`.
fn clf_time(secs: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = eddy_model::event::format_time(secs); // 2020-03-12T19:03:58Z
    let (date, time) = iso.split_once('T').unwrap_or((&iso, "00:00:00Z"));
    let mut parts = date.split('-');
    let (y, m, d) = (
        parts.next().unwrap_or("1970"),
        parts.next().unwrap_or("01"),
        parts.next().unwrap_or("01"),
    );
    let month = m
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("Jan");
    format!("{d}/{month}/{y}:{} +0000", time.trim_end_matches('Z'))
}

/// The function's answer as API Gateway's payload format 2.0 reads it: an object with
/// `statusCode` is a response; any other JSON value is a 200 `application/json` body.
fn response_v2(payload: &[u8]) -> HttpReply {
    let value: Value = match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(_) => return HttpReply::message(500, "Internal Server Error"),
    };
    let Some(object) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return HttpReply {
            status: 200,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: payload.to_vec(),
        };
    };
    let status = object
        .get("statusCode")
        .and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
        })
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s));
    let Some(status) = status else {
        return HttpReply::message(500, "Internal Server Error");
    };
    let mut headers = Vec::new();
    if let Some(map) = object.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            headers.push((name.to_ascii_lowercase(), text));
        }
    }
    if let Some(list) = object.get("cookies").and_then(Value::as_array) {
        for cookie in list.iter().filter_map(Value::as_str) {
            headers.push(("set-cookie".to_owned(), cookie.to_owned()));
        }
    }
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
                    Ok(bytes) => bytes,
                    Err(_) => return HttpReply::message(500, "Internal Server Error"),
                }
            } else {
                text.clone().into_bytes()
            }
        }
        Some(other) => other.to_string().into_bytes(),
    };
    if !headers.iter().any(|(n, _)| n == "content-type") && !body.is_empty() {
        headers.push((
            "content-type".to_owned(),
            "text/plain; charset=utf-8".to_owned(),
        ));
    }
    HttpReply {
        status,
        headers,
        body,
    }
}

impl Registry {
    pub(crate) fn restore_route(&mut self, body: &[u8]) -> Result<(), serde_json::Error> {
        let def: RouteDef = serde_json::from_slice(body)?;
        self.routes.insert(def.key(), def);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> RouteDef {
        RouteDef {
            method: method.to_owned(),
            path: path.to_owned(),
            target: RouteTarget::Function("f".to_owned()),
            tags: Tags::new(),
        }
    }

    fn registry(routes: &[RouteDef]) -> Registry {
        let mut registry = Registry::default();
        for r in routes {
            registry.routes.insert(r.key(), r.clone());
        }
        registry
    }

    #[test]
    fn the_most_specific_route_wins() {
        let reg = registry(&[
            route("GET", "/orders/{id}"),
            route("GET", "/orders/latest"),
            route("ANY", "/{proxy+}"),
            route("ANY", "/orders/{id}"),
        ]);
        let (r, p) = find(&reg, "GET", "/orders/latest").unwrap();
        assert_eq!(r.path, "/orders/latest");
        assert!(p.is_empty());
        let (r, p) = find(&reg, "GET", "/orders/7").unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", "/orders/{id}")
        );
        assert_eq!(p["id"], "7");
        let (r, _) = find(&reg, "DELETE", "/orders/7").unwrap();
        assert_eq!(r.method, "ANY");
        let (r, p) = find(&reg, "GET", "/files/a/b%20c").unwrap();
        assert_eq!(r.path, "/{proxy+}");
        assert_eq!(p["proxy"], "files/a/b c");
        assert!(find(&registry(&[route("GET", "/a")]), "GET", "/a/b").is_none());
        assert!(find(&registry(&[route("GET", "/a")]), "POST", "/a").is_none());
    }

    #[test]
    fn paths_are_checked() {
        assert!(segments("/a/{b}/{c+}").is_ok());
        assert!(segments("/").is_ok());
        assert!(segments("a").is_err());
        assert!(segments("/{c+}/x").is_err());
        assert!(segments("/a{b}").is_err());
        assert!(segments("/a//b").is_err());
    }

    #[test]
    fn responses_follow_payload_format_2() {
        let r = response_v2(br#"{"ok":true}"#);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, br#"{"ok":true}"#);
        let r = response_v2(br#"{"statusCode":201,"headers":{"X-A":"1"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#);
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"hi");
        assert!(r.headers.contains(&("x-a".to_owned(), "1".to_owned())));
        assert_eq!(
            r.headers.iter().filter(|(n, _)| n == "set-cookie").count(),
            2
        );
        assert_eq!(response_v2(b"not json").status, 500);
        assert_eq!(response_v2(br#"{"statusCode":"abc"}"#).status, 500);
    }

    #[test]
    fn requests_become_payload_format_2() {
        let call = HttpCall {
            method: "POST".into(),
            path: "/orders/9".into(),
            query: "a=1&a=2&b=x+y".into(),
            headers: vec![
                ("Content-Type".into(), "application/octet-stream".into()),
                ("Cookie".into(), "c1=v1; c2=v2".into()),
                ("X-Multi".into(), "1".into()),
                ("x-multi".into(), "2".into()),
            ],
            body: vec![0, 1, 2],
            source_ip: "127.0.0.1".into(),
            host: "localhost".into(),
        };
        let mut params = BTreeMap::new();
        params.insert("id".to_owned(), "9".to_owned());
        let e = event_v2(
            &route("POST", "/orders/{id}"),
            params,
            &call,
            "rid",
            1_584_039_838_000,
            "000000000000",
        );
        assert_eq!(e["routeKey"], "POST /orders/{id}");
        assert_eq!(e["pathParameters"]["id"], "9");
        assert_eq!(e["queryStringParameters"]["a"], "1,2");
        assert_eq!(e["queryStringParameters"]["b"], "x y");
        assert_eq!(e["cookies"], json!(["c1=v1", "c2=v2"]));
        assert_eq!(e["headers"]["x-multi"], "1,2");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(e["body"], "AAEC");
        assert_eq!(e["requestContext"]["time"], "12/Mar/2020:19:03:58 +0000");
    }
}
