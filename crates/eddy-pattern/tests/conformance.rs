//! The AWS-validated pattern cases in `shared/conformance/eventbridge-patterns/cases.jsonl`,
//! run through the compiled matcher and the reference matcher; every failing case is named.

use std::path::PathBuf;

use eddy_pattern::json::{self, Value};
use eddy_pattern::{reference, Matcher, Pattern};

fn conformance_dir() -> PathBuf {
    match std::env::var_os("EDDY_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
    }
}

/// A case value: a JSON string holds raw document text, anything else is the document.
fn document(v: &Value) -> Vec<u8> {
    match v {
        Value::String(raw) => raw.as_bytes().to_vec(),
        other => other.to_json().into_bytes(),
    }
}

fn verdict_compiled(pattern: &[u8], event: &[u8]) -> String {
    let mut m = Matcher::new();
    if let Err(e) = m.add("p", pattern) {
        return format!("invalid-pattern ({e})");
    }
    match m.matches(event) {
        Ok(ids) if ids.is_empty() => "no-match".into(),
        Ok(_) => "match".into(),
        Err(e) => format!("invalid-event ({e})"),
    }
}

fn verdict_reference(pattern: &[u8], event: &[u8]) -> String {
    let p = match Pattern::parse(pattern) {
        Ok(p) => p,
        Err(e) => return format!("invalid-pattern ({e})"),
    };
    match json::parse(event) {
        Ok(ev) => if reference::matches(&p, &ev) {
            "match"
        } else {
            "no-match"
        }
        .into(),
        Err(e) => format!("invalid-event ({e})"),
    }
}

#[test]
fn aws_pattern_cases() {
    let path = conformance_dir().join("eventbridge-patterns/cases.jsonl");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case = json::parse(line.as_bytes()).expect("case lines are JSON");
        let name = match case.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => panic!("case without name: {line}"),
        };
        let expect = match case.get("expect") {
            Some(Value::String(s)) => s.clone(),
            _ => panic!("case without expect: {name}"),
        };
        let pattern = document(case.get("pattern").expect("pattern"));
        let event = document(case.get("event").expect("event"));
        count += 1;
        for (how, got) in [
            ("compiled", verdict_compiled(&pattern, &event)),
            ("reference", verdict_reference(&pattern, &event)),
        ] {
            if !got.starts_with(&expect) || (expect == "match" && got != "match") {
                failures.push(format!("{name} [{how}]: expected {expect}, got {got}"));
            }
        }
    }
    assert!(count >= 190, "only {count} cases read");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
