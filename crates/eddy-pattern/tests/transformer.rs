//! The AWS-recorded input transformer cases in
//! `shared/conformance/eventbridge-patterns/transformer-cases.jsonl`: each case's target is
//! built with `Transform::from_target_json` and applied to its event; every failing case is
//! named. Then target documents, the output bound and a no-panic property, through the public
//! API (the other edge cases are unit tests in `src/transform.rs`).

use eddy_pattern::json::{self, Value};
use eddy_pattern::transform::{ApplyError, Context, Error, Transform, MAX_OUTPUT_LEN};
use eddy_test_support::cases;
use proptest::prelude::*;

/// The case's target document, with the id that `aws_error` redacts as `<target-id>`.
fn target_document(case: &Value) -> Value {
    let mut target = vec![("Id".to_owned(), Value::String("<target-id>".to_owned()))];
    if let Some(p) = case.get("input_path") {
        target.push(("InputPath".to_owned(), p.clone()));
    }
    if let Some(t) = case.get("input_template") {
        let mut transformer = vec![("InputTemplate".to_owned(), t.clone())];
        if let Some(m) = case.get("input_paths_map") {
            transformer.push(("InputPathsMap".to_owned(), m.clone()));
        }
        target.push(("InputTransformer".to_owned(), Value::Object(transformer)));
    }
    Value::Object(target)
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    match v.get(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The error class a case expects for a creation-time error.
fn class(e: &Error) -> &'static str {
    match e {
        Error::MoreThanOneInput { .. } | Error::Malformed { .. } | Error::InputNotJson { .. } => {
            "invalid-target"
        }
        Error::Constraint { .. }
        | Error::InvalidPath { .. }
        | Error::InvalidPlaceholder { .. }
        | Error::TemplateNotJson { .. } => "invalid-template",
    }
}

/// Equality of JSON documents as the recorder saw them: key order ignored (last of repeated
/// keys wins), numbers by their text.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |entries: &Vec<(String, Value)>| {
                let mut k: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
                k.sort();
                k.dedup();
                k
            };
            keys(x) == keys(y)
                && keys(x).iter().all(|k| match (a.get(k), b.get(k)) {
                    (Some(va), Some(vb)) => same_json(va, vb),
                    _ => false,
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(va, vb)| same_json(va, vb))
        }
        _ => a == b,
    }
}

/// Removes the value at a dotted path, if there is one.
fn remove_path(v: &mut Value, path: &str) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    if let Value::Object(entries) = v {
        match rest {
            None => entries.retain(|(k, _)| k != head),
            Some(rest) => {
                for (k, child) in entries.iter_mut() {
                    if k == head {
                        remove_path(child, rest);
                    }
                }
            }
        }
    }
}

/// Runs one case; `Err` says how it failed.
fn check(case: &Value) -> Result<(), String> {
    let event = match case.get("event") {
        Some(Value::String(raw)) => {
            json::parse(raw.as_bytes()).map_err(|e| format!("event: {e}"))?
        }
        Some(v) => v.clone(),
        None => return Err("case has no event".into()),
    };
    let context = case.get("context");
    let ctx_field = |k: &str| context.and_then(|c| str_field(c, k)).unwrap_or("");
    let ctx = Context {
        rule_arn: ctx_field("rule_arn"),
        rule_name: ctx_field("rule_name"),
        ingestion_time: ctx_field("ingestion_time"),
    };
    let built = Transform::from_target_json(&target_document(case));
    if let Some(expected) = str_field(case, "expect_error") {
        if expected == "not-delivered" {
            let transform = built.map_err(|e| format!("rejected at creation: {e}"))?;
            return match transform.apply(&event, &ctx) {
                Err(ApplyError::NotJson(_)) => Ok(()),
                other => Err(format!("expected not-delivered, got {other:?}")),
            };
        }
        let err = match built {
            Err(e) => e,
            Ok(t) => {
                return Err(format!(
                    "expected {expected}, but the target was accepted: {t:?}"
                ))
            }
        };
        if class(&err) != expected {
            return Err(format!("expected {expected}, got {} ({err})", class(&err)));
        }
        if let Some(aws) = str_field(case, "aws_error") {
            let aws = aws.strip_prefix("ValidationException: ").unwrap_or(aws);
            if err.to_string() != aws {
                return Err(format!("message {err:?} differs from AWS's {aws:?}"));
            }
        }
        return Ok(());
    }
    let transform = built.map_err(|e| format!("rejected at creation: {e}"))?;
    let got = transform
        .apply(&event, &ctx)
        .map_err(|e| format!("not delivered: {e}"))?;
    let expected = case.get("expect_output").ok_or("case has no expectation")?;
    match str_field(case, "compare") {
        Some("text") => {
            let Value::String(want) = expected else {
                return Err("text expectation is not a string".into());
            };
            if &got != want {
                return Err(format!("got {got:?}, expected {want:?}"));
            }
        }
        Some("json") => {
            let mut got_value = json::parse(got.as_bytes())
                .map_err(|e| format!("output {got:?} is not JSON: {e}"))?;
            let mut want = expected.clone();
            if let Some(Value::Array(ignored)) = case.get("ignore_paths") {
                for p in ignored {
                    if let Value::String(p) = p {
                        remove_path(&mut got_value, p);
                        remove_path(&mut want, p);
                    }
                }
            }
            if !same_json(&got_value, &want) {
                return Err(format!("got {got}, expected {}", want.to_json()));
            }
        }
        other => return Err(format!("unknown compare {other:?}")),
    }
    Ok(())
}

#[test]
fn aws_transformer_cases() {
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases("eventbridge-patterns/transformer-cases.jsonl") {
        let name = str_field(&case, "name").unwrap_or("(unnamed)").to_owned();
        count += 1;
        if let Err(why) = check(&case) {
            failures.push(format!("{name}: {why}"));
        }
    }
    eddy_test_support::assert_cases_pass(count, 33, &failures);
}

fn sample_event() -> Value {
    json::parse(
        br#"{"version":"0","id":"e1","detail-type":"t","source":"s","account":"1",
            "time":"2024-01-01T00:00:00Z","region":"r","resources":["a"],
            "detail":{"n":1,"items":[{"id":1},{"id":2}],"obj":{"k":"v"}}}"#,
    )
    .expect("sample event is JSON")
}

fn ctx() -> Context<'static> {
    Context {
        rule_arn: "arn:aws:events:r:1:rule/x",
        rule_name: "x",
        ingestion_time: "2024-01-01T00:00:01Z",
    }
}

#[test]
fn target_documents() {
    let doc = |s: &str| json::parse(s.as_bytes()).expect("test document is JSON");
    assert_eq!(
        Transform::from_target_json(&doc(r#"{"Id": "t"}"#)).unwrap(),
        Transform::Event
    );
    let t = Transform::from_target_json(&doc(r#"{"Input": "{\"a\": 1}"}"#)).unwrap();
    assert_eq!(t.apply(&sample_event(), &ctx()).unwrap(), r#"{"a": 1}"#);
    let err = Transform::from_target_json(&doc(r#"{"Id": "t1", "Input": "env:dev"}"#)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("JSON syntax error in input for target t1: "),
        "{err}"
    );
    let err = Transform::from_target_json(&doc(
        r#"{"Id": "t2", "Input": "{}", "InputTransformer": {"InputTemplate": "\"x\""}}"#,
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Only one of Input, InputPath, or InputTransformer must be provided for target t2."
    );
    let t = Transform::from_target_json(&doc(
        r#"{"InputPathsMap": {"s": "$.source"}, "InputTemplate": "{\"s\": <s>}"}"#,
    ))
    .unwrap();
    assert_eq!(t.apply(&sample_event(), &ctx()).unwrap(), r#"{"s": "s"}"#);
    for (bad, field) in [
        (r#"{"InputPath": 1}"#, "InputPath"),
        (r#"{"InputTransformer": "x"}"#, "InputTransformer"),
        (
            r#"{"InputPathsMap": {"a": 1}, "InputTemplate": "x"}"#,
            "InputTransformer.InputPathsMap",
        ),
    ] {
        let err = Transform::from_target_json(&doc(bad)).unwrap_err();
        assert!(
            matches!(err, Error::Malformed { field: f, .. } if f == field),
            "{bad}"
        );
    }
    let err = Transform::from_target_json(&doc(r#"{"InputTransformer": {}}"#)).unwrap_err();
    assert!(err.to_string().contains("Member must not be null"), "{err}");
    assert!(Transform::from_target_json(&Value::Null).is_err());
}

#[test]
fn output_is_bounded() {
    let big = Value::Object(vec![("s".to_owned(), Value::String("x".repeat(64 * 1024)))]);
    let template = format!("[{}0]", "<aws.events.event.json>,".repeat(20));
    let t = Transform::template(&[], &template).unwrap();
    assert_eq!(
        t.apply(&big, &ctx()),
        Err(ApplyError::TooLarge {
            limit: MAX_OUTPUT_LEN
        })
    );
}

proptest! {
    #[test]
    fn no_panics(
        template in "[<>\"{}\\[\\]\\\\a-c $.*:,0-9é]{0,40}",
        p in "[$.*\\[\\]a-c0-9é-]{0,12}",
    ) {
        let paths = vec![("a".to_owned(), p.clone()), ("b".to_owned(), "$.detail.*".to_owned())];
        if let Ok(t) = Transform::template(&paths, &template) {
            let _ = t.apply(&sample_event(), &ctx());
        }
        if let Ok(t) = Transform::input_path(&p) {
            let _ = t.apply(&sample_event(), &ctx());
        }
    }
}
