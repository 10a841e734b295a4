//! Tests of the CloudEvents mapping: every content mode, the errors, and round trips.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::event::{format_time, Event};

use super::*;

fn one(headers: &[(&str, &str)], body: &str) -> Entry {
    let mut entries = parse(headers.iter().copied(), body.as_bytes()).expect("a CloudEvent");
    assert_eq!(entries.len(), 1);
    entries.remove(0)
}

fn error(headers: &[(&str, &str)], body: &[u8]) -> Error {
    parse(headers.iter().copied(), body).expect_err("not a valid CloudEvent")
}

fn detail(entry: &Entry) -> Value {
    serde_json::from_str(entry.detail.as_deref().expect("a detail")).expect("JSON detail")
}

const BINARY: [(&str, &str); 4] = [
    ("ce-specversion", "1.0"),
    ("ce-id", "A234-1234-1234"),
    ("ce-source", "https://example.com/orders"),
    ("ce-type", "com.example.order.created"),
];

/// The event an entry becomes, as the engine would make it.
fn event_of(entry: &Entry) -> Event {
    Event {
        id: entry.id.clone().expect("an id"),
        detail_type: entry.detail_type.clone().expect("a type"),
        source: entry.source.clone().expect("a source"),
        account: "000000000000".into(),
        time: entry.time.unwrap_or(1_795_478_400),
        region: "us-east-1".into(),
        resources: entry.resources.clone(),
        detail: entry.detail.clone().expect("a detail"),
    }
}

fn structured_json(event: &Event) -> Value {
    serde_json::from_str(&to_structured(event)).expect("JSON")
}

#[test]
fn binary_json_object_is_the_detail_as_written() {
    let mut headers = BINARY.to_vec();
    headers.extend([
        ("Content-Type", "application/json; charset=utf-8"),
        ("ce-time", "2026-11-24T00:00:00.25Z"),
        ("ce-subject", "order-7"),
    ]);
    let entry = one(&headers, "{\"total\": 1.50, \"id\":\"o-7\"}\n");
    assert_eq!(entry.id.as_deref(), Some("A234-1234-1234"));
    assert_eq!(entry.source.as_deref(), Some("https://example.com/orders"));
    assert_eq!(
        entry.detail_type.as_deref(),
        Some("com.example.order.created")
    );
    assert_eq!(entry.time, Some(1_795_478_400));
    assert_eq!(entry.resources, ["order-7"]);
    assert_eq!(entry.bus, None);
    // `application/json; charset=utf-8` is not exactly the default: carried.
    assert_eq!(
        entry.detail.as_deref(),
        Some("{\"total\": 1.50, \"id\":\"o-7\",\"cloudevents\":{\"datacontenttype\":\"application/json; charset=utf-8\"}}")
    );
}

#[test]
fn binary_plain_json_object_needs_no_carrier() {
    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "application/json"));
    let entry = one(&headers, "{\"total\": 1.50}");
    assert_eq!(entry.detail.as_deref(), Some("{\"total\": 1.50}"));
    assert_eq!(entry.time, None);
    assert!(entry.resources.is_empty());
}

#[test]
fn binary_header_names_ignore_case() {
    let headers = [
        ("CE-SpecVersion", "1.0"),
        ("Ce-Id", "1"),
        ("ce-SOURCE", "s"),
        ("Ce-Type", "t"),
    ];
    let entry = one(&headers, "{\"a\":1}");
    assert_eq!(entry.id.as_deref(), Some("1"));
    assert_eq!(entry.detail.as_deref(), Some("{\"a\":1}"));
}

#[test]
fn binary_extensions_are_carried_percent_decoded() {
    let mut headers = BINARY.to_vec();
    headers.extend([
        (
            "ce-traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("ce-tracestate", "rojo=00f067aa0ba902b7"),
        ("ce-partitionkey", "caf%C3%A9%20au%20lait"),
        ("ce-dataschema", "https://example.com/schema"),
    ]);
    let entry = one(&headers, "{\"a\":1}");
    assert_eq!(
        detail(&entry),
        json!({"a": 1, "cloudevents": {
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": "rojo=00f067aa0ba902b7",
            "partitionkey": "café au lait",
            "dataschema": "https://example.com/schema",
        }})
    );
}

#[test]
fn binary_text_and_bytes() {
    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "text/plain"));
    let entry = one(&headers, "hello \"world\"");
    assert_eq!(
        detail(&entry),
        json!({"cloudevents": {"datacontenttype": "text/plain", "data": "hello \"world\""}})
    );

    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "application/octet-stream"));
    let entries = parse(headers.iter().copied(), &[0xff, 0x00, 0x41][..]).expect("bytes");
    assert_eq!(
        detail(&entries[0]),
        json!({"cloudevents": {"datacontenttype": "application/octet-stream", "data_base64": "/wBB"}})
    );
}

#[test]
fn binary_json_that_is_not_an_object_is_carried() {
    let entry = one(&BINARY, "[1, 2]");
    assert_eq!(
        entry.detail.as_deref(),
        Some("{\"cloudevents\":{\"data\":[1, 2]}}")
    );
    let entry = one(&BINARY, "\"text\"");
    assert_eq!(detail(&entry), json!({"cloudevents": {"data": "text"}}));
    let entry = one(&BINARY, "{}");
    assert_eq!(detail(&entry), json!({"cloudevents": {"data": {}}}));
}

#[test]
fn binary_without_content_type_and_not_json_is_octet_stream() {
    let entry = one(&BINARY, "plain");
    assert_eq!(
        detail(&entry),
        json!({"cloudevents": {"datacontenttype": "application/octet-stream", "data_base64": "cGxhaW4="}})
    );
}

#[test]
fn binary_text_needs_a_textual_type() {
    for (content_type, data) in [
        ("text/csv", json!("a,b")),
        ("application/xml", json!("a,b")),
        ("application/atom+xml", json!("a,b")),
        ("application/yaml; charset=utf-8", json!("a,b")),
    ] {
        let mut headers = BINARY.to_vec();
        headers.push(("content-type", content_type));
        assert_eq!(detail(&one(&headers, "a,b"))["cloudevents"]["data"], data);
    }
    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "image/png"));
    assert_eq!(
        detail(&one(&headers, "a,b"))["cloudevents"]["data_base64"],
        "YSxi"
    );
    // Text that is not UTF-8 is bytes.
    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "text/plain"));
    let entries = parse(headers, &[0xff][..]).expect("bytes");
    assert_eq!(detail(&entries[0])["cloudevents"]["data_base64"], "/w==");
}

#[test]
fn untyped_bytes_go_out_as_octet_stream() {
    let body = r#"{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"AAEC"}"#;
    let entry = one(&[("content-type", STRUCTURED)], body);
    let binary = to_binary(&event_of(&entry));
    assert!(binary
        .headers
        .contains(&("content-type".into(), "application/octet-stream".into())));
    assert_eq!(binary.body, [0, 1, 2]);
}

#[test]
fn binary_without_body_has_no_data() {
    let entry = one(&BINARY, "");
    assert_eq!(entry.detail.as_deref(), Some("{}"));
    let back = to_structured(&event_of(&entry));
    assert!(!back.contains("\"data"), "{back}");
    assert!(!back.contains("datacontenttype"), "{back}");
}

#[test]
fn data_object_with_its_own_cloudevents_member_goes_whole_into_the_carrier() {
    let entry = one(&BINARY, "{\"cloudevents\":1,\"b\":2}");
    assert_eq!(
        detail(&entry),
        json!({"cloudevents": {"data": {"cloudevents": 1, "b": 2}}})
    );
    let back = structured_json(&event_of(&entry));
    assert_eq!(back["data"], json!({"cloudevents": 1, "b": 2}));
}

#[test]
fn binary_errors() {
    let mut headers = BINARY.to_vec();
    headers.push(("content-type", "application/json"));
    assert!(matches!(error(&headers, b"{nope"), Error::MalformedData(_)));
    for missing in ["ce-specversion", "ce-id", "ce-source", "ce-type"] {
        let headers: Vec<_> = BINARY
            .iter()
            .copied()
            .filter(|(n, _)| *n != missing)
            .collect();
        let err = error(&headers, b"{}");
        let name = missing.trim_start_matches("ce-");
        assert!(
            matches!(err, Error::MissingAttribute(n) if n == name),
            "{missing}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!("missing required attribute {name}")
        );
    }
    let mut headers = BINARY.to_vec();
    headers[1] = ("ce-id", "");
    assert!(matches!(
        error(&headers, b"{}"),
        Error::MissingAttribute("id")
    ));
    let mut headers = BINARY.to_vec();
    headers[0] = ("ce-specversion", "0.3");
    let err = error(&headers, b"{}");
    assert!(matches!(&err, Error::SpecVersion(v) if v == "0.3"));
    assert_eq!(
        err.to_string(),
        "specversion 0.3 is not supported: only 1.0 is"
    );
    let mut headers = BINARY.to_vec();
    headers.push(("ce-time", "yesterday"));
    assert!(matches!(error(&headers, b"{}"), Error::InvalidTime(t) if t == "yesterday"));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-bad%zz", "x"));
    assert!(matches!(error(&headers, b"{}"), Error::InvalidName(_)));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-trace-parent", "x"));
    assert!(matches!(error(&headers, b"{}"), Error::InvalidName(n) if n == "trace-parent"));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-ext", "100%"));
    assert!(matches!(error(&headers, b"{}"), Error::InvalidHeader(n) if n == "ce-ext"));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-ext", "%FF"));
    assert!(matches!(error(&headers, b"{}"), Error::InvalidHeader(_)));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-id", "again"));
    assert!(matches!(error(&headers, b"{}"), Error::Duplicate(n) if n == "id"));
    let mut headers = BINARY.to_vec();
    headers.push(("ce-subject", ""));
    assert!(matches!(
        error(&headers, b"{}"),
        Error::InvalidAttribute { name, .. } if name == "subject"
    ));
}

#[test]
fn neither_mode_is_not_a_cloudevent() {
    let err = error(&[("content-type", "application/json")], b"{}");
    assert!(matches!(err, Error::NotCloudEvent));
    assert!(err.to_string().contains("ce-*"), "{err}");
    assert!(matches!(error(&[], b""), Error::NotCloudEvent));
    assert!(matches!(
        error(&[("content-type", "application/cloudevents+avro")], b""),
        Error::UnsupportedFormat(f) if f == "application/cloudevents+avro"
    ));
}

#[test]
fn structured_with_every_attribute() {
    let body = r#"{
        "specversion": "1.0", "type": "com.example.order.created",
        "source": "/orders", "id": "e-1", "time": "2026-11-24T01:00:00+01:00",
        "subject": "order-7", "datacontenttype": "application/json",
        "dataschema": "https://example.com/s", "traceparent": "00-abc-def-01",
        "sequence": 42, "urgent": true, "comexampleempty": null,
        "data": {"total": 12.50, "items": [1, 2]}
    }"#;
    let headers = [
        (
            "content-type",
            "application/cloudevents+json; charset=UTF-8",
        ),
        ("ce-id", "ignored in structured mode"),
    ];
    let entry = one(&headers, body);
    assert_eq!(entry.id.as_deref(), Some("e-1"));
    assert_eq!(entry.source.as_deref(), Some("/orders"));
    assert_eq!(
        entry.detail_type.as_deref(),
        Some("com.example.order.created")
    );
    assert_eq!(entry.time, Some(1_795_478_400));
    assert_eq!(entry.resources, ["order-7"]);
    assert_eq!(
        entry.detail.as_deref(),
        Some(
            r#"{"total": 12.50, "items": [1, 2],"cloudevents":{"dataschema":"https://example.com/s","traceparent":"00-abc-def-01","sequence":42,"urgent":true}}"#
        )
    );
}

#[test]
fn structured_data_kinds() {
    let ce =
        |extra: &str| format!(r#"{{"specversion":"1.0","id":"1","source":"s","type":"t"{extra}}}"#);
    let headers = [("content-type", STRUCTURED)];
    let d = |extra: &str| detail(&one(&headers, &ce(extra)));
    assert_eq!(d(r#","data":5"#), json!({"cloudevents": {"data": 5}}));
    assert_eq!(d(r#","data":null"#), json!({}));
    assert_eq!(d(""), json!({}));
    assert_eq!(
        d(r#","datacontenttype":"text/plain","data":"hi""#),
        json!({"cloudevents": {"datacontenttype": "text/plain", "data": "hi"}})
    );
    assert_eq!(
        d(r#","datacontenttype":"application/xml","data":"<a/>""#),
        json!({"cloudevents": {"datacontenttype": "application/xml", "data": "<a/>"}})
    );
    assert_eq!(
        d(r#","data_base64":"AAEC""#),
        json!({"cloudevents": {"data_base64": "AAEC"}})
    );
    assert_eq!(
        d(r#","datacontenttype":"application/vnd.x+json","data":{"a":1}"#),
        json!({"a": 1, "cloudevents": {"datacontenttype": "application/vnd.x+json"}})
    );
}

#[test]
fn structured_errors() {
    let headers = [("content-type", STRUCTURED)];
    let err = |body: &str| error(&headers, body.as_bytes());
    assert!(matches!(err("{"), Error::MalformedJson(_)));
    assert!(matches!(err("[]"), Error::NotAnObject));
    assert!(matches!(
        err(r#"{"id":"1","source":"s","type":"t"}"#),
        Error::MissingAttribute("specversion")
    ));
    assert!(matches!(
        err(r#"{"specversion":"1.0","source":"s","type":"t"}"#),
        Error::MissingAttribute("id")
    ));
    assert!(matches!(
        err(r#"{"specversion":"1.0","id":"1","type":"t"}"#),
        Error::MissingAttribute("source")
    ));
    assert!(matches!(
        err(r#"{"specversion":"1.0","id":"1","source":"s"}"#),
        Error::MissingAttribute("type")
    ));
    assert!(
        matches!(err(r#"{"specversion":1.0,"id":"1","source":"s","type":"t"}"#), Error::InvalidAttribute { name, .. } if name == "specversion")
    );
    assert!(
        matches!(err(r#"{"specversion":"1.0","id":"1","source":"s","type":"t","ext":{"a":1}}"#), Error::InvalidAttribute { name, .. } if name == "ext")
    );
    assert!(
        matches!(err(r#"{"specversion":"1.0","id":"1","source":"s","type":"t","Ext":"a"}"#), Error::InvalidName(n) if n == "Ext")
    );
    assert!(
        matches!(err(r#"{"specversion":"1.0","id":"1","id":"2","source":"s","type":"t"}"#), Error::Duplicate(n) if n == "id")
    );
    assert!(matches!(
        err(
            r#"{"specversion":"1.0","id":"1","source":"s","type":"t","data":1,"data_base64":"AA=="}"#
        ),
        Error::DataAndDataBase64
    ));
    assert!(matches!(
        err(r#"{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"!!"}"#),
        Error::InvalidBase64(_)
    ));
    assert!(
        matches!(err(r#"{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":1}"#), Error::InvalidAttribute { name, .. } if name == "data_base64")
    );
    assert!(matches!(
        err(
            r#"{"specversion":"1.0","id":"1","source":"s","type":"t","time":"2026-02-30T00:00:00Z"}"#
        ),
        Error::InvalidTime(_)
    ));
    assert!(
        matches!(err(r#"{"specversion":"1.0","id":"1","source":"s","type":"t","datacontenttype":5}"#), Error::InvalidAttribute { name, .. } if name == "datacontenttype")
    );
}

#[test]
fn batched_mode() {
    let headers = [("content-type", BATCH)];
    let body = r#"[
        {"specversion":"1.0","id":"1","source":"s","type":"a","data":{"n":1}},
        {"specversion":"1.0","id":"2","source":"s","type":"b","data":{"n":2}}
    ]"#;
    let entries = parse(headers, body.as_bytes()).expect("a batch");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].id.as_deref(), Some("1"));
    assert_eq!(entries[1].detail_type.as_deref(), Some("b"));
    assert_eq!(entries[1].detail.as_deref(), Some(r#"{"n":2}"#));
    assert!(parse(headers, b"[]").expect("empty batch").is_empty());
    assert!(matches!(
        parse(headers, b"{}").expect_err("not an array"),
        Error::NotAnArray
    ));
    assert!(matches!(
        parse(headers, b"[").expect_err("malformed"),
        Error::MalformedJson(_)
    ));
    let body = r#"[{"specversion":"1.0","id":"1","source":"s","type":"a"},{"specversion":"1.0","id":"2","source":"s"}]"#;
    let err = parse(headers, body.as_bytes()).expect_err("second lacks type");
    assert!(
        matches!(&err, Error::InBatch { index: 1, source } if matches!(**source, Error::MissingAttribute("type")))
    );
    assert_eq!(
        err.to_string(),
        "event 1 of the batch: missing required attribute type"
    );
    let err = parse(headers, b"[1]").expect_err("not an object");
    assert!(
        matches!(&err, Error::InBatch { index: 0, source } if matches!(**source, Error::NotAnObject))
    );
}

#[test]
fn eventbridge_event_out_as_cloudevent() {
    let event = Event {
        id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718".into(),
        detail_type: "EC2 Instance State-change Notification".into(),
        source: "aws.ec2".into(),
        account: "111122223333".into(),
        time: 1_795_478_400,
        region: "us-west-2".into(),
        resources: vec![
            "arn:aws:ec2:us-west-2:111122223333:instance/i-1".into(),
            "r2".into(),
        ],
        detail: r#"{"instance-id": "i-1", "state": "running"}"#.into(),
    };
    assert_eq!(
        to_structured(&event),
        r#"{"specversion":"1.0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","source":"aws.ec2","type":"EC2 Instance State-change Notification","subject":"arn:aws:ec2:us-west-2:111122223333:instance/i-1","time":"2026-11-24T00:00:00Z","datacontenttype":"application/json","data":{"instance-id": "i-1", "state": "running"}}"#
    );
    let binary = to_binary(&event);
    assert_eq!(
        binary.headers,
        [
            ("ce-specversion", "1.0"),
            ("ce-id", "6a7e8feb-b491-4cf7-a9f1-bf3703467718"),
            ("ce-source", "aws.ec2"),
            ("ce-type", "EC2%20Instance%20State-change%20Notification"),
            (
                "ce-subject",
                "arn:aws:ec2:us-west-2:111122223333:instance/i-1"
            ),
            ("ce-time", "2026-11-24T00:00:00Z"),
            ("content-type", "application/json"),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
    );
    assert_eq!(binary.body, event.detail.as_bytes());
    assert_eq!(
        to_batch(&[event.clone(), event.clone()]),
        format!("[{0},{0}]", to_structured(&event))
    );
}

#[test]
fn carried_attributes_come_back_out() {
    let mut headers = BINARY.to_vec();
    headers.extend([
        ("ce-traceparent", "00-abc-def-01"),
        ("ce-subject", "order 7"),
        ("ce-time", "2026-11-24T00:00:00Z"),
        ("content-type", "text/plain"),
    ]);
    let entry = one(&headers, "héllo");
    let event = event_of(&entry);
    assert_eq!(
        structured_json(&event),
        json!({
            "specversion": "1.0", "id": "A234-1234-1234",
            "source": "https://example.com/orders", "type": "com.example.order.created",
            "subject": "order 7", "time": "2026-11-24T00:00:00Z",
            "datacontenttype": "text/plain", "traceparent": "00-abc-def-01", "data": "héllo"
        })
    );
    let binary = to_binary(&event);
    assert!(binary
        .headers
        .contains(&("ce-subject".into(), "order%207".into())));
    assert!(binary
        .headers
        .contains(&("ce-traceparent".into(), "00-abc-def-01".into())));
    assert!(binary
        .headers
        .contains(&("content-type".into(), "text/plain".into())));
    assert_eq!(binary.body, "héllo".as_bytes());
    let again = parse(binary.headers, &binary.body).expect("back in");
    assert_eq!(again, [entry]);
}

#[test]
fn data_object_comes_back_as_written() {
    let mut headers = BINARY.to_vec();
    headers.push(("ce-partitionkey", "k"));
    let entry = one(&headers, "{ \"total\" : 1.50 ,\n \"n\": 1e2 }");
    let binary = to_binary(&event_of(&entry));
    assert_eq!(binary.body, b"{ \"total\" : 1.50 ,\n \"n\": 1e2 }");
    // A carrier that is not last: the other members are written anew.
    let mut event = event_of(&entry);
    event.detail = r#"{"cloudevents": {"partitionkey":"k"}, "a" : 1}"#.into();
    assert_eq!(to_binary(&event).body, br#"{"a":1}"#);
}

#[test]
fn detail_that_is_not_an_object_is_the_data() {
    // A target's input (an input transformer's output) stands in for the detail.
    let mut event = event_of(&one(&BINARY, "{}"));
    for (detail, data) in [
        ("[1,2]", json!([1, 2])),
        ("\"text\"", json!("text")),
        (" 5 ", json!(5)),
    ] {
        event.detail = detail.into();
        let out = structured_json(&event);
        assert_eq!(out["data"], data, "{detail}");
        assert_eq!(out["datacontenttype"], "application/json");
    }
    event.detail = String::new();
    let out = structured_json(&event);
    assert!(out.get("data").is_none() && out.get("datacontenttype").is_none());
    assert!(to_binary(&event).body.is_empty());
}

#[test]
fn detail_that_only_looks_like_a_carrier_is_data() {
    let mut event = event_of(&one(&BINARY, "{}"));
    for detail in [
        r#"{"cloudevents":{"id":"x"}}"#,
        r#"{"cloudevents":{"Bad":"x"}}"#,
        r#"{"cloudevents":{"ext":[1]}}"#,
        r#"{"cloudevents":"x"}"#,
        r#"{"a":1,"cloudevents":{"data":1}}"#,
        r#"{"cloudevents":{"data":1,"data_base64":"AA=="}}"#,
        r#"{"cloudevents":{},"cloudevents":{}}"#,
    ] {
        event.detail = detail.into();
        let out = structured_json(&event);
        assert_eq!(
            out["data"],
            serde_json::from_str::<Value>(detail).expect("JSON"),
            "{detail}"
        );
        assert_eq!(out["datacontenttype"], "application/json");
    }
}

#[test]
fn envelope_text_reads_back() {
    let event = Event {
        id: "1".into(),
        detail_type: "t \"q\"".into(),
        source: "s".into(),
        account: "000000000000".into(),
        time: 1_795_478_400,
        region: "us-east-1".into(),
        resources: vec!["r".into()],
        detail: r#"{"a": 1.50}"#.into(),
    };
    assert_eq!(read_envelope(&event.to_json()).expect("an envelope"), event);
    assert!(matches!(read_envelope("[]"), Err(Error::Envelope(_))));
    assert!(matches!(
        read_envelope(r#"{"id":"1","source":"s","detail-type":"t","time":"x","detail":{}}"#),
        Err(Error::Envelope("time is not an RFC 3339 timestamp"))
    ));
    assert!(matches!(
        read_envelope(
            r#"{"id":"1","source":"s","detail-type":"t","time":"1970-01-01T00:00:00Z","detail":1}"#
        ),
        Err(Error::Envelope("detail must be a JSON object"))
    ));
}

#[test]
fn percent_encoding_round_trips() {
    for text in ["", "plain", "a b\"c%d", "café ☕", "\u{1}\u{7f}"] {
        assert_eq!(
            percent_decode(percent_encode(text).as_bytes()).as_deref(),
            Some(text)
        );
    }
    assert_eq!(percent_encode("a b"), "a%20b");
    assert_eq!(percent_decode(b"%e2%98%95").as_deref(), Some("☕"));
}

// Property tests.

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}".prop_filter("not a reserved name", |n| {
        !ENVELOPE_ATTRIBUTES.contains(&n.as_str())
            && !["data", "datacontenttype", "dataschema"].contains(&n.as_str())
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        // Quarters: serde_json reads them back exactly (it does not round-trip every f64).
        any::<i32>().prop_map(|n| Value::from(f64::from(n) / 4.0)),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(("[a-z\"\\\\ ]{0,5}", inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum GenData {
    None,
    Json(Value),
    Text(String, &'static str),
    Bytes(Vec<u8>, Option<&'static str>),
}

fn data() -> impl Strategy<Value = GenData> {
    prop_oneof![
        Just(GenData::None),
        json_value()
            .prop_filter("null is no data", |v| !v.is_null())
            .prop_map(GenData::Json),
        // Not empty: binary mode cannot tell empty data from none.
        (
            "\\PC{1,12}",
            prop::sample::select(vec!["text/plain", "application/xml"])
        )
            .prop_map(|(t, c)| GenData::Text(t, c)),
        (
            prop::collection::vec(any::<u8>(), 1..12),
            // Typed: binary mode gives untyped bytes application/octet-stream.
            prop::sample::select(vec!["application/octet-stream", "image/png"]).prop_map(Some)
        )
            .prop_map(|(b, c)| GenData::Bytes(b, c)),
    ]
}

prop_compose! {
    /// A structured CloudEvent as JSON, already in the form it comes back out in: whole
    /// seconds UTC, `datacontenttype` of JSON data present.
    fn cloudevent()(
        id in "\\PC{1,12}",
        source in "\\PC{1,12}",
        kind in "\\PC{1,12}",
        subject in prop::option::of("\\PC{1,12}"),
        time in 0i64..4_102_444_800,
        dataschema in prop::option::of("[a-z:/.]{1,12}"),
        extensions in prop::collection::btree_map(name(), prop_oneof![
            "\\PC{0,12}".prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
        ], 0..4),
        data in data(),
    ) -> Value {
        let mut ce = serde_json::Map::new();
        ce.insert("specversion".into(), "1.0".into());
        ce.insert("id".into(), id.into());
        ce.insert("source".into(), source.into());
        ce.insert("type".into(), kind.into());
        if let Some(subject) = subject {
            ce.insert("subject".into(), subject.into());
        }
        ce.insert("time".into(), format_time(time).into());
        match &data {
            GenData::Json(_) => { ce.insert("datacontenttype".into(), "application/json".into()); }
            GenData::Text(_, t) => { ce.insert("datacontenttype".into(), (*t).into()); }
            GenData::Bytes(_, Some(t)) => { ce.insert("datacontenttype".into(), (*t).into()); }
            GenData::Bytes(_, None) | GenData::None => {}
        }
        if let Some(schema) = dataschema {
            ce.insert("dataschema".into(), schema.into());
        }
        for (name, value) in extensions {
            ce.insert(name, value);
        }
        match data {
            GenData::None => {}
            GenData::Json(v) => { ce.insert("data".into(), v); }
            GenData::Text(t, _) => { ce.insert("data".into(), t.into()); }
            GenData::Bytes(b, _) => {
                ce.insert("data_base64".into(), base64::engine::general_purpose::STANDARD.encode(b).into());
            }
        }
        Value::Object(ce)
    }
}

proptest! {
    #[test]
    fn structured_round_trips(ce in cloudevent()) {
        let body = serde_json::to_vec(&ce).expect("JSON");
        let entries = parse([("content-type", STRUCTURED)], &body).expect("a CloudEvent");
        prop_assert_eq!(entries.len(), 1);
        let event = event_of(&entries[0]);
        prop_assert_eq!(&structured_json(&event), &ce);
        // In batched mode too.
        let batch = serde_json::to_vec(&Value::Array(vec![ce.clone(), ce.clone()])).expect("JSON");
        let entries_in_batch = parse([("content-type", BATCH)], &batch).expect("a batch");
        prop_assert_eq!(&entries_in_batch, &vec![entries[0].clone(), entries[0].clone()]);
        // Out in binary mode and back in: the same entry.
        let binary = to_binary(&event);
        let again = parse(binary.headers.clone(), &binary.body).expect("binary back in");
        prop_assert_eq!(again.len(), 1);
        prop_assert_eq!(&again[0].id, &entries[0].id);
        prop_assert_eq!(&again[0].source, &entries[0].source);
        prop_assert_eq!(&again[0].detail_type, &entries[0].detail_type);
        prop_assert_eq!(&again[0].time, &entries[0].time);
        prop_assert_eq!(&again[0].resources, &entries[0].resources);
        let before: Value = serde_json::from_str(entries[0].detail.as_deref().expect("detail")).expect("JSON");
        let after: Value = serde_json::from_str(again[0].detail.as_deref().expect("detail")).expect("JSON");
        // Binary mode has only strings for extensions.
        prop_assert_eq!(stringify_extensions(after), stringify_extensions(before));
    }

    #[test]
    fn eventbridge_events_go_out_and_back(
        detail in prop::collection::vec(("[a-z]{1,5}", json_value()), 0..5),
        resources in prop::collection::vec("\\PC{1,10}", 0..3),
        time in 0i64..4_102_444_800,
    ) {
        let detail = Value::Object(detail.into_iter().filter(|(k, _)| k != CARRIER).collect());
        let event = Event {
            id: "id-1".into(),
            detail_type: "t".into(),
            source: "s".into(),
            account: "000000000000".into(),
            time,
            region: "us-east-1".into(),
            resources: resources.clone(),
            detail: detail.to_string(),
        };
        let back = parse([("content-type", STRUCTURED)], to_structured(&event).as_bytes()).expect("back in");
        prop_assert_eq!(back[0].resources.clone(), resources.into_iter().take(1).collect::<Vec<_>>());
        prop_assert_eq!(back[0].time, Some(time));
        prop_assert_eq!(back[0].id.as_deref(), Some("id-1"));
        // The detail comes back as written.
        prop_assert_eq!(back[0].detail.as_deref(), Some(event.detail.as_str()));
        let binary = to_binary(&event);
        let back = parse(binary.headers, &binary.body).expect("back in");
        prop_assert_eq!(back[0].detail.as_deref(), Some(event.detail.as_str()));
    }

    #[test]
    fn parse_never_panics(
        headers in prop::collection::vec(("(ce-)?[a-zA-Z-]{0,12}|content-type", "\\PC{0,16}"), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = parse(headers, &body);
    }

    #[test]
    fn structured_never_panics(body in "\\PC{0,64}") {
        let _ = parse([("content-type", STRUCTURED)], body.as_bytes());
        let _ = parse([("content-type", BATCH)], body.as_bytes());
        let _ = read_envelope(&body);
    }
}

fn stringify_extensions(mut detail: Value) -> Value {
    if let Some(Value::Object(carrier)) = detail.get_mut(CARRIER) {
        for (name, value) in carrier.iter_mut() {
            if name != "data" && !value.is_string() {
                *value = Value::from(value.to_string());
            }
        }
    }
    detail
}
