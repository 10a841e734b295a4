//! CloudEvents 1.0 both ways: the HTTP protocol binding (binary, structured and batched
//! content modes) with the JSON event format, read into PutEvents [`Entry`]s, and an
//! [`Event`](crate::event::Event) written back out as a CloudEvent.
//!
//! # The mapping
//!
//! | CloudEvent | envelope |
//! |---|---|
//! | `id` | `id` (the producer's, kept in [`Entry::id`]) |
//! | `source` | `source` |
//! | `type` | `detail-type` |
//! | `time` (RFC 3339) | `time`, whole seconds UTC (a fraction is dropped) |
//! | `subject` | `resources` = `[subject]`; back: the first resource |
//! | `data`, a JSON object | `detail`, as the producer wrote it |
//! | anything else | a member `"cloudevents"` of `detail` (the *carrier*) |
//!
//! The carrier is a JSON object added as the last member of `detail` only when there is
//! something the envelope has no place for:
//! - `datacontenttype` unless it is absent or exactly `application/json`, and `dataschema`;
//! - every extension attribute (`traceparent`, `tracestate`, `partitionkey`, any other), by
//!   its name, with its JSON value (a string in binary mode);
//! - the data when it is not a non-empty JSON object (or when the object has a top-level
//!   member `cloudevents` of its own): `"data"` holds a JSON value or text, `"data_base64"`
//!   bytes that are not UTF-8 text. `detail` then has no other member.
//!
//! ```text
//! data {"order":1}, traceparent t   →  detail {"order":1,"cloudevents":{"traceparent":"t"}}
//! data "hi", text/plain             →  detail {"cloudevents":{"datacontenttype":"text/plain","data":"hi"}}
//! no data                           →  detail {}
//! ```
//!
//! Back out ([`to_structured`], [`to_binary`]), a `detail` member `cloudevents` that reads
//! as a carrier (an object whose names are attribute names other than the envelope's, or
//! `data`/`data_base64`, whose attribute values are strings, numbers or booleans) is taken
//! off and becomes attributes and data again; `datacontenttype` is `application/json` for
//! JSON data unless the carrier says otherwise; a `detail` of `{}` means no data. So a
//! CloudEvent comes back as it went in, except that `time` has whole seconds in UTC and an
//! absent `datacontenttype` of JSON data comes back as `application/json`.
//!
//! ```
//! use eddy_model::cloudevents::{parse, to_structured};
//! use eddy_model::event::Event;
//!
//! let headers = [
//!     ("ce-specversion", "1.0"),
//!     ("ce-id", "order-1"),
//!     ("ce-source", "/orders"),
//!     ("ce-type", "order.created"),
//!     ("ce-traceparent", "00-abc-def-01"),
//!     ("content-type", "application/json"),
//! ];
//! let entries = parse(headers, br#"{"total": 42}"#)?;
//! let entry = &entries[0];
//! assert_eq!(entry.detail_type.as_deref(), Some("order.created"));
//! assert_eq!(
//!     entry.detail.as_deref(),
//!     Some(r#"{"total": 42,"cloudevents":{"traceparent":"00-abc-def-01"}}"#)
//! );
//!
//! let event = Event {
//!     id: "order-1".into(),
//!     detail_type: "order.created".into(),
//!     source: "/orders".into(),
//!     account: "000000000000".into(),
//!     time: 0,
//!     region: "us-east-1".into(),
//!     resources: vec![],
//!     detail: entry.detail.clone().unwrap_or_default(),
//! };
//! assert_eq!(
//!     to_structured(&event),
//!     r#"{"specversion":"1.0","id":"order-1","source":"/orders","type":"order.created","time":"1970-01-01T00:00:00Z","datacontenttype":"application/json","traceparent":"00-abc-def-01","data":{"total": 42}}"#
//! );
//! # Ok::<(), eddy_model::cloudevents::Error>(())
//! ```
//!
//! The bus is not part of a CloudEvent: the HTTP route names it, and the entries read here
//! have none.
//!
//! # Reading HTTP requests
//!
//! [`parse`] takes the request's headers and body. `Content-Type`
//! `application/cloudevents+json` is structured mode (one JSON object),
//! `application/cloudevents-batch+json` batched mode (a JSON array of them), other
//! `application/cloudevents…` types are formats Eddy does not read; otherwise `ce-*`
//! headers make binary mode: each is an attribute (percent-decoded), `Content-Type` is
//! `datacontenttype` and the body the data. A binary body is JSON when the content type is
//! absent, `application/json`, `text/json` or ends in `+json` (parameters allowed); it must
//! then be valid JSON, except that a body with no content type that is not JSON is taken
//! as `application/octet-stream`. Other data is text when its type is textual (`text/*`,
//! `application/xml`, `+xml`, or a `charset` parameter) and it is UTF-8, else bytes. An
//! empty body is no data. Out in binary mode, bytes with no `datacontenttype` are sent as
//! `application/octet-stream`.

mod outgoing;

use std::collections::HashSet;

use base64::Engine as _;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::event::{write_string, Entry};

use crate::time::parse_rfc3339 as parse_time;
pub use outgoing::{read_envelope, to_batch, to_binary, to_structured, Binary};

/// `Content-Type` of structured mode with the JSON format.
pub const STRUCTURED: &str = "application/cloudevents+json";
/// `Content-Type` of batched mode with the JSON format.
pub const BATCH: &str = "application/cloudevents-batch+json";
/// The content type of bytes of no declared type.
const OCTET_STREAM: &str = "application/octet-stream";
/// The `detail` member that carries what the envelope has no place for.
pub const CARRIER: &str = "cloudevents";

/// Attributes the envelope holds itself: never in the carrier.
const ENVELOPE_ATTRIBUTES: [&str; 6] = ["specversion", "id", "source", "type", "time", "subject"];

/// Why a request is not a CloudEvent Eddy can take.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither `ce-*` headers nor a CloudEvents content type.
    #[error("not a CloudEvent: send ce-* headers (binary mode) or a body of type {STRUCTURED} or {BATCH}")]
    NotCloudEvent,
    /// A CloudEvents event format other than JSON.
    #[error("event format {0} is not supported: use {STRUCTURED} or {BATCH}")]
    UnsupportedFormat(String),
    /// The body is not JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(#[source] serde_json::Error),
    /// A structured event is not a JSON object.
    #[error("a structured CloudEvent must be a JSON object")]
    NotAnObject,
    /// A batch is not a JSON array.
    #[error("a batch of CloudEvents must be a JSON array")]
    NotAnArray,
    /// A required attribute is absent (or empty).
    #[error("missing required attribute {0}")]
    MissingAttribute(&'static str),
    /// `specversion` is not `1.0`.
    #[error("specversion {0} is not supported: only 1.0 is")]
    SpecVersion(String),
    /// An attribute's value is not allowed.
    #[error("attribute {name} is invalid: {reason}")]
    InvalidAttribute {
        /// The attribute.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// An attribute name that is not lower-case ASCII letters and digits.
    #[error("{0:?} is not a valid attribute name: names are lower-case letters a-z and digits")]
    InvalidName(String),
    /// The same attribute twice.
    #[error("attribute {0} is given more than once")]
    Duplicate(String),
    /// `time` is not an RFC 3339 timestamp.
    #[error("time {0:?} is not an RFC 3339 timestamp")]
    InvalidTime(String),
    /// The data is not JSON though `datacontenttype` says it is.
    #[error("data is not valid JSON though its content type is JSON: {0}")]
    MalformedData(#[source] serde_json::Error),
    /// `data_base64` is not base64.
    #[error("data_base64 is not valid base64: {0}")]
    InvalidBase64(#[source] base64::DecodeError),
    /// Both `data` and `data_base64`.
    #[error("both data and data_base64 are given: at most one may be")]
    DataAndDataBase64,
    /// A `ce-*` header whose value is not percent-encoded UTF-8.
    #[error("header {0} is not valid percent-encoded UTF-8")]
    InvalidHeader(String),
    /// An event of a batch is wrong.
    #[error("event {index} of the batch: {source}")]
    InBatch {
        /// Its position, from 0.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// Text given as an EventBridge envelope is not one.
    #[error("not an EventBridge event: {0}")]
    Envelope(&'static str),
}

impl Error {
    /// A stable code for the error, for the HTTP answer: `NotCloudEvent`,
    /// `UnsupportedFormat`, `MalformedJson`, `MissingAttribute`, `UnsupportedSpecVersion`,
    /// `InvalidAttribute`, `InvalidData` or `InvalidEnvelope` (an event of a batch gives
    /// its own error's code).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotCloudEvent => "NotCloudEvent",
            Error::UnsupportedFormat(_) => "UnsupportedFormat",
            Error::MalformedJson(_) | Error::NotAnObject | Error::NotAnArray => "MalformedJson",
            Error::MissingAttribute(_) => "MissingAttribute",
            Error::SpecVersion(_) => "UnsupportedSpecVersion",
            Error::InvalidAttribute { .. }
            | Error::InvalidName(_)
            | Error::Duplicate(_)
            | Error::InvalidTime(_)
            | Error::InvalidHeader(_) => "InvalidAttribute",
            Error::MalformedData(_) | Error::InvalidBase64(_) | Error::DataAndDataBase64 => {
                "InvalidData"
            }
            Error::InBatch { source, .. } => source.code(),
            Error::Envelope(_) => "InvalidEnvelope",
        }
    }
}

/// Reads an HTTP request in any CloudEvents content mode into one entry per event (none for
/// an empty batch). `headers` are (name, value) pairs; names are matched without regard to
/// case. The entries have no bus.
pub fn parse<I, N, V>(headers: I, body: &[u8]) -> Result<Vec<Entry>, Error>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut content_type = None;
    let mut attributes = Vec::new();
    let mut seen = HashSet::new();
    for (name, value) in headers {
        let name = name.as_ref().to_ascii_lowercase();
        if name == "content-type" {
            if content_type.is_none() {
                content_type = Some(
                    std::str::from_utf8(value.as_ref())
                        .map_err(|_| Error::InvalidHeader(name.clone()))?
                        .trim()
                        .to_owned(),
                );
            }
        } else if let Some(attribute) = name.strip_prefix("ce-") {
            let attribute = attribute.to_owned();
            let value = percent_decode(value.as_ref()).ok_or(Error::InvalidHeader(name))?;
            attributes.push((attribute, Value::String(value)));
        }
    }
    if let Some(content_type) = &content_type {
        let essence = essence(content_type);
        if essence == STRUCTURED {
            return Ok(vec![entry(structured(body)?)]);
        }
        if essence == BATCH {
            return batch(body);
        }
        if essence.starts_with("application/cloudevents") {
            return Err(Error::UnsupportedFormat(essence));
        }
    }
    if attributes.is_empty() {
        return Err(Error::NotCloudEvent);
    }
    for (name, _) in &attributes {
        check_name(name)?;
        if !seen.insert(name.as_str()) {
            return Err(Error::Duplicate(name.clone()));
        }
    }
    let mut content_type = content_type.filter(|t| !t.is_empty());
    let data = if body.is_empty() {
        Data::None
    } else if content_type.as_deref().is_none_or(is_json) {
        match serde_json::from_slice::<&RawValue>(body) {
            Ok(raw) => Data::Json(raw.get().to_owned()),
            Err(err) if content_type.is_some() => return Err(Error::MalformedData(err)),
            Err(_) => {
                content_type = Some(OCTET_STREAM.to_owned());
                Data::Bytes(body.to_vec())
            }
        }
    } else {
        text_or_bytes(body, content_type.as_deref().unwrap_or(OCTET_STREAM))
    };
    if let Some(content_type) = content_type {
        if seen.contains("datacontenttype") {
            return Err(Error::Duplicate("datacontenttype".to_owned()));
        }
        attributes.push(("datacontenttype".to_owned(), Value::String(content_type)));
    }
    Ok(vec![entry(assemble(attributes, data)?)])
}

/// Binary-mode data that is not JSON: text when the content type is textual and the body
/// UTF-8, else bytes.
fn text_or_bytes(body: &[u8], content_type: &str) -> Data {
    match std::str::from_utf8(body) {
        Ok(text) if is_text(content_type) => Data::Text(text.to_owned()),
        _ => Data::Bytes(body.to_vec()),
    }
}

fn batch(body: &[u8]) -> Result<Vec<Entry>, Error> {
    let raw: &RawValue = serde_json::from_slice(body).map_err(Error::MalformedJson)?;
    if !raw.get().starts_with('[') {
        return Err(Error::NotAnArray);
    }
    let events: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(Error::MalformedJson)?;
    events
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            structured_object(raw)
                .map(entry)
                .map_err(|source| Error::InBatch {
                    index,
                    source: Box::new(source),
                })
        })
        .collect()
}

fn structured(body: &[u8]) -> Result<CloudEvent, Error> {
    let raw: &RawValue = serde_json::from_slice(body).map_err(Error::MalformedJson)?;
    structured_object(raw)
}

fn structured_object(raw: &RawValue) -> Result<CloudEvent, Error> {
    if !raw.get().starts_with('{') {
        return Err(Error::NotAnObject);
    }
    let Members(members) = serde_json::from_str(raw.get()).map_err(Error::MalformedJson)?;
    let mut seen = HashSet::new();
    let mut attributes = Vec::new();
    let mut data = None;
    let mut data_base64 = None;
    for (name, value) in members {
        if !seen.insert(name.clone()) {
            return Err(Error::Duplicate(name));
        }
        if value.get() == "null" {
            continue;
        }
        match name.as_str() {
            "data" => data = Some(value),
            "data_base64" => data_base64 = Some(value),
            _ => {
                check_name(&name)?;
                let value: Value =
                    serde_json::from_str(value.get()).map_err(Error::MalformedJson)?;
                attributes.push((name, value));
            }
        }
    }
    let data = match (data, data_base64) {
        (Some(_), Some(_)) => return Err(Error::DataAndDataBase64),
        (None, None) => Data::None,
        (Some(raw), None) => data_of(raw, content_type(&attributes)),
        (None, Some(raw)) => {
            let Ok(Value::String(text)) = serde_json::from_str::<Value>(raw.get()) else {
                return Err(Error::InvalidAttribute {
                    name: "data_base64".to_owned(),
                    reason: "it must be a string",
                });
            };
            Data::Bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(Error::InvalidBase64)?,
            )
        }
    };
    assemble(attributes, data)
}

/// A CloudEvent as read, before it becomes an entry.
#[derive(Debug)]
struct CloudEvent {
    id: String,
    source: String,
    kind: String,
    time: Option<i64>,
    subject: Option<String>,
    /// `datacontenttype`, `dataschema` and the extensions, in the order given.
    carried: Vec<(String, Value)>,
    data: Data,
}

/// A CloudEvent's data.
#[derive(Debug, Clone, PartialEq)]
enum Data {
    None,
    /// JSON text, as written.
    Json(String),
    /// Text that is not JSON.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

fn assemble(attributes: Vec<(String, Value)>, data: Data) -> Result<CloudEvent, Error> {
    let mut specversion = None;
    let mut id = None;
    let mut source = None;
    let mut kind = None;
    let mut time = None;
    let mut subject = None;
    let mut carried = Vec::new();
    for (name, value) in attributes {
        let slot = match name.as_str() {
            "specversion" => &mut specversion,
            "id" => &mut id,
            "source" => &mut source,
            "type" => &mut kind,
            "time" => &mut time,
            "subject" => &mut subject,
            "datacontenttype" | "dataschema" => {
                if !value.is_string() {
                    return Err(Error::InvalidAttribute {
                        name,
                        reason: "it must be a string",
                    });
                }
                carried.push((name, value));
                continue;
            }
            _ => {
                if !(value.is_string() || value.is_number() || value.is_boolean()) {
                    return Err(Error::InvalidAttribute {
                        name,
                        reason: "an extension must be a string, a number or a boolean",
                    });
                }
                carried.push((name, value));
                continue;
            }
        };
        let Value::String(text) = value else {
            return Err(Error::InvalidAttribute {
                name,
                reason: "it must be a string",
            });
        };
        *slot = Some(text);
    }
    let required = |value: Option<String>, name: &'static str| {
        value
            .filter(|v| !v.is_empty())
            .ok_or(Error::MissingAttribute(name))
    };
    let specversion = required(specversion, "specversion")?;
    if specversion != "1.0" {
        return Err(Error::SpecVersion(specversion));
    }
    let time = match time {
        None => None,
        Some(text) => Some(parse_time(&text).ok_or(Error::InvalidTime(text))?),
    };
    if subject.as_deref() == Some("") {
        return Err(Error::InvalidAttribute {
            name: "subject".to_owned(),
            reason: "it must not be empty",
        });
    }
    Ok(CloudEvent {
        id: required(id, "id")?,
        source: required(source, "source")?,
        kind: required(kind, "type")?,
        time,
        subject,
        carried,
        data,
    })
}

/// The entry a CloudEvent becomes (see the module doc for the mapping).
fn entry(event: CloudEvent) -> Entry {
    let mut carrier: Vec<(String, String)> = event
        .carried
        .into_iter()
        .filter(|(name, value)| !(name == "datacontenttype" && value == "application/json"))
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    let mut object = None;
    match event.data {
        Data::None => {}
        Data::Json(text) => {
            let own = text.starts_with('{')
                && serde_json::from_str::<Members>(&text).is_ok_and(|Members(members)| {
                    !members.is_empty() && members.iter().all(|(name, _)| name != CARRIER)
                });
            if own {
                object = Some(text);
            } else {
                carrier.push(("data".to_owned(), text));
            }
        }
        Data::Text(text) => {
            let mut literal = String::new();
            write_string(&mut literal, &text);
            carrier.push(("data".to_owned(), literal));
        }
        Data::Bytes(bytes) => {
            let mut literal = String::new();
            write_string(
                &mut literal,
                &base64::engine::general_purpose::STANDARD.encode(bytes),
            );
            carrier.push(("data_base64".to_owned(), literal));
        }
    }
    let detail = match (object, carrier.is_empty()) {
        (Some(text), true) => text,
        (Some(text), false) => {
            // A non-empty object: its last member gets a comma and the carrier after it.
            let open = text.trim_end().strip_suffix('}').unwrap_or(&text);
            let mut out = String::with_capacity(text.len() + 64);
            out.push_str(open);
            out.push(',');
            write_members(&mut out, &[(CARRIER.to_owned(), object_text(&carrier))]);
            out.push('}');
            out
        }
        (None, true) => "{}".to_owned(),
        (None, false) => object_text(&[(CARRIER.to_owned(), object_text(&carrier))]),
    };
    Entry {
        source: Some(event.source),
        detail_type: Some(event.kind),
        detail: Some(detail),
        resources: event.subject.into_iter().collect(),
        time: event.time,
        bus: None,
        trace_header: None,
        id: Some(event.id),
    }
}

fn write_members(out: &mut String, members: &[(String, String)]) {
    for (i, (name, json)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, name);
        out.push(':');
        out.push_str(json);
    }
}

fn object_text(members: &[(String, String)]) -> String {
    let mut out = String::from("{");
    write_members(&mut out, members);
    out.push('}');
    out
}

/// The `datacontenttype` among attributes.
fn content_type(attributes: &[(String, Value)]) -> Option<&str> {
    attributes
        .iter()
        .find(|(name, _)| name == "datacontenttype")
        .and_then(|(_, value)| value.as_str())
}

/// A JSON format `data` member: text when the content type is not JSON and the value is a
/// string, else JSON as written.
fn data_of(raw: &RawValue, content_type: Option<&str>) -> Data {
    match content_type {
        Some(t) if !is_json(t) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::String(text)) => Data::Text(text),
            _ => Data::Json(raw.get().to_owned()),
        },
        _ => Data::Json(raw.get().to_owned()),
    }
}

/// A JSON object's members in order, values unread.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Of;
        impl<'de> Visitor<'de> for Of {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Of)
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_owned()))
    }
}

/// A media type without parameters, lower case.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a content type is text: `text/*`, XML, or any type with a `charset`.
fn is_text(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence.starts_with("text/")
        || essence == "application/xml"
        || essence.ends_with("+xml")
        || content_type.to_ascii_lowercase().contains("charset=")
}

/// Whether a content type is JSON: `application/json`, `text/json` or a `+json` suffix.
fn is_json(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// Percent-decodes a header value (the HTTP binding's §3.1.3.2) into UTF-8 text.
fn percent_decode(value: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'%' {
            let hex = std::str::from_utf8(value.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(value[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a header value: space, `"`, `%` and everything outside printable ASCII.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if (0x21..=0x7e).contains(&b) && b != b'"' && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
