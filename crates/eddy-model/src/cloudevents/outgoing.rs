//! The way out: an [`Event`] (or its envelope's text) written as a CloudEvent in
//! structured, batched or binary mode, the carrier in `detail` taken off again.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{
    check_name, content_type, data_of, object_text, parse_time, percent_encode, Data, Error,
    Members, CARRIER, ENVELOPE_ATTRIBUTES, OCTET_STREAM,
};
use crate::event::{format_time, write_string, Event};

/// A CloudEvent in binary content mode: the HTTP headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// `ce-*` headers (values percent-encoded) and `content-type` when there is data.
    pub headers: Vec<(String, String)>,
    /// The data.
    pub body: Vec<u8>,
}

/// The event as a structured-mode CloudEvent (JSON text, to send with `Content-Type`
/// [`STRUCTURED`](super::STRUCTURED)).
pub fn to_structured(event: &Event) -> String {
    let out = Outgoing::of(event);
    let mut text = String::with_capacity(256 + event.detail.len());
    text.push('{');
    for (i, (name, value)) in out.attributes.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        write_string(&mut text, name);
        text.push(':');
        match value {
            Value::String(s) => write_string(&mut text, s),
            other => text.push_str(&other.to_string()),
        }
    }
    match &out.data {
        Data::None => {}
        Data::Json(json) => {
            text.push_str(",\"data\":");
            text.push_str(json);
        }
        Data::Text(s) => {
            text.push_str(",\"data\":");
            write_string(&mut text, s);
        }
        Data::Bytes(bytes) => {
            text.push_str(",\"data_base64\":");
            write_string(
                &mut text,
                &base64::engine::general_purpose::STANDARD.encode(bytes),
            );
        }
    }
    text.push('}');
    text
}

/// Events as a batched-mode body (a JSON array, to send with `Content-Type` [`BATCH`](super::BATCH)).
pub fn to_batch(events: &[Event]) -> String {
    let mut text = String::from("[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&to_structured(event));
    }
    text.push(']');
    text
}

/// The event as a binary-mode CloudEvent.
pub fn to_binary(event: &Event) -> Binary {
    let out = Outgoing::of(event);
    let mut headers = Vec::with_capacity(out.attributes.len());
    for (name, value) in out.attributes {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        if name == "datacontenttype" {
            headers.push(("content-type".to_owned(), text));
        } else {
            headers.push((format!("ce-{name}"), percent_encode(&text)));
        }
    }
    let untyped_bytes = matches!(out.data, Data::Bytes(_))
        && !headers.iter().any(|(name, _)| name == "content-type");
    if untyped_bytes {
        headers.push(("content-type".to_owned(), OCTET_STREAM.to_owned()));
    }
    let body = match out.data {
        Data::None => Vec::new(),
        Data::Json(json) => json.into_bytes(),
        Data::Text(text) => text.into_bytes(),
        Data::Bytes(bytes) => bytes,
    };
    Binary { headers, body }
}

/// Reads an envelope as [`Event::to_json`] writes it (the text a target is given), so it
/// can be written out as a CloudEvent. `version` and unknown members are ignored.
pub fn read_envelope(text: &str) -> Result<Event, Error> {
    let Ok(Members(members)) = serde_json::from_str::<Members>(text) else {
        return Err(Error::Envelope("it is not a JSON object"));
    };
    let string = |raw: &RawValue, why| {
        serde_json::from_str::<String>(raw.get()).map_err(|_| Error::Envelope(why))
    };
    let mut event = Event {
        id: String::new(),
        detail_type: String::new(),
        source: String::new(),
        account: String::new(),
        time: 0,
        region: String::new(),
        resources: Vec::new(),
        detail: String::new(),
    };
    let mut time = None;
    for (name, raw) in members {
        match name.as_str() {
            "id" => event.id = string(raw, "id must be a string")?,
            "detail-type" => event.detail_type = string(raw, "detail-type must be a string")?,
            "source" => event.source = string(raw, "source must be a string")?,
            "account" => event.account = string(raw, "account must be a string")?,
            "region" => event.region = string(raw, "region must be a string")?,
            "time" => {
                let text = string(raw, "time must be a string")?;
                time = Some(
                    parse_time(&text)
                        .ok_or(Error::Envelope("time is not an RFC 3339 timestamp"))?,
                );
            }
            "resources" => {
                event.resources = serde_json::from_str(raw.get())
                    .map_err(|_| Error::Envelope("resources must be an array of strings"))?;
            }
            "detail" => {
                if !raw.get().starts_with('{') {
                    return Err(Error::Envelope("detail must be a JSON object"));
                }
                event.detail = raw.get().to_owned();
            }
            _ => {}
        }
    }
    if event.id.is_empty() || event.source.is_empty() || event.detail_type.is_empty() {
        return Err(Error::Envelope("id, source and detail-type are required"));
    }
    if event.detail.is_empty() {
        return Err(Error::Envelope("detail is required"));
    }
    event.time = time.ok_or(Error::Envelope("time is required"))?;
    Ok(event)
}

/// What an event becomes on the way out: attributes in order, then the data.
struct Outgoing {
    attributes: Vec<(String, Value)>,
    data: Data,
}

impl Outgoing {
    fn of(event: &Event) -> Outgoing {
        let (carried, data) = split_detail(&event.detail);
        let mut attributes = vec![
            ("specversion".to_owned(), Value::from("1.0")),
            ("id".to_owned(), Value::from(event.id.as_str())),
            ("source".to_owned(), Value::from(event.source.as_str())),
            ("type".to_owned(), Value::from(event.detail_type.as_str())),
        ];
        if let Some(subject) = event.resources.first() {
            attributes.push(("subject".to_owned(), Value::from(subject.as_str())));
        }
        attributes.push(("time".to_owned(), Value::from(format_time(event.time))));
        let has_type = carried.iter().any(|(name, _)| name == "datacontenttype");
        if !has_type && matches!(data, Data::Json(_)) {
            attributes.push((
                "datacontenttype".to_owned(),
                Value::from("application/json"),
            ));
        }
        attributes.extend(carried);
        Outgoing { attributes, data }
    }
}

/// Splits a `detail` into the attributes its carrier holds and the data.
fn split_detail(detail: &str) -> (Vec<(String, Value)>, Data) {
    let plain = || {
        // `{}` is no data; so is nothing at all (a detail is never empty, but a target's
        // input may be).
        let empty = detail.trim().is_empty()
            || serde_json::from_str::<Members>(detail).is_ok_and(|m| m.0.is_empty());
        let data = if empty {
            Data::None
        } else {
            Data::Json(detail.trim().to_owned())
        };
        (Vec::new(), data)
    };
    let Ok(Members(members)) = serde_json::from_str::<Members>(detail) else {
        return plain();
    };
    let carriers: Vec<usize> = (0..members.len())
        .filter(|&i| members[i].0 == CARRIER)
        .collect();
    let [at] = carriers[..] else {
        return plain();
    };
    let Some((attributes, own)) = read_carrier(members[at].1) else {
        return plain();
    };
    let rest: Vec<(String, String)> = members
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, (name, raw))| (name.clone(), raw.get().to_owned()))
        .collect();
    match own {
        Some(data) if rest.is_empty() => (attributes, data),
        Some(_) => plain(),
        None if rest.is_empty() => (attributes, Data::None),
        None => {
            let data = match before_last_member(detail, members[at].1) {
                Some(text) if at + 1 == members.len() => text,
                _ => object_text(&rest),
            };
            (attributes, Data::Json(data))
        }
    }
}

/// The object `detail` without its last member, whose value is `last`, as written: the
/// data object as the producer wrote it, when the carrier was added after it. `None` when
/// the member is not written `,"cloudevents":` (then the object is written anew).
fn before_last_member(detail: &str, last: &RawValue) -> Option<String> {
    let offset = (last.get().as_ptr() as usize).checked_sub(detail.as_ptr() as usize)?;
    let after = detail.get(offset + last.get().len()..)?;
    if after.trim() != "}" {
        return None;
    }
    let head = detail
        .get(..offset)?
        .trim_end()
        .strip_suffix(':')?
        .trim_end();
    let head = head.strip_suffix("\"cloudevents\"")?.trim_end();
    let head = head.strip_suffix(',')?;
    Some(format!("{head}}}"))
}

/// A carrier read back: its attributes in order, and the data when it holds it.
type Carried = (Vec<(String, Value)>, Option<Data>);

/// Reads a carrier: its attributes, and the data when it holds it. `None` when the value
/// is not a carrier (then `detail` is taken as plain data).
fn read_carrier(raw: &RawValue) -> Option<Carried> {
    if !raw.get().starts_with('{') {
        return None;
    }
    let Members(members) = serde_json::from_str(raw.get()).ok()?;
    let mut seen = HashSet::new();
    let mut attributes = Vec::new();
    let mut data = None;
    let mut bytes = None;
    for (name, value) in members {
        if !seen.insert(name.clone()) {
            return None;
        }
        match name.as_str() {
            "data" => data = Some(value),
            "data_base64" => {
                let Ok(Value::String(text)) = serde_json::from_str(value.get()) else {
                    return None;
                };
                bytes = Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()?,
                );
            }
            _ => {
                if check_name(&name).is_err() || ENVELOPE_ATTRIBUTES.contains(&name.as_str()) {
                    return None;
                }
                let value: Value = serde_json::from_str(value.get()).ok()?;
                let valid = match name.as_str() {
                    "datacontenttype" | "dataschema" => value.is_string(),
                    _ => value.is_string() || value.is_number() || value.is_boolean(),
                };
                if !valid {
                    return None;
                }
                attributes.push((name, value));
            }
        }
    }
    let data = match (data, bytes) {
        (Some(_), Some(_)) => return None,
        (None, None) => None,
        (None, Some(bytes)) => Some(Data::Bytes(bytes)),
        (Some(raw), None) => Some(data_of(raw, content_type(&attributes))),
    };
    Some((attributes, data))
}
