//! The real `eddy` binary against the conformance data: the batch form of
//! `test-event-pattern` on every pattern case, the single-case form on the invalid-event
//! cases, and its exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

use eddy_test_support::{cases, document, string_field};

fn eddy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eddy"))
}

/// Field `key` of a case line, re-encoded with its original spelling.
fn raw_field(case: &eddy_pattern::json::Value, key: &str) -> String {
    case.get(key)
        .unwrap_or_else(|| panic!("case lacks {key}"))
        .to_json()
}

fn run_batch(input: &str) -> Vec<String> {
    let mut child = eddy()
        .args(["test-event-pattern", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start eddy");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    let writer =
        std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("write stdin"));
    let out = child.wait_with_output().expect("eddy runs");
    writer.join().expect("writer");
    assert!(out.status.success(), "batch form exits 0");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn batch_form_passes_every_pattern_case() {
    let cases = cases("eventbridge-patterns/cases.jsonl");
    let input: String = cases
        .iter()
        .map(|c| {
            format!(
                "{{\"pattern\": {}, \"event\": {}}}\n",
                raw_field(c, "pattern"),
                raw_field(c, "event")
            )
        })
        .collect();
    let verdicts = run_batch(&input);
    assert_eq!(verdicts.len(), cases.len(), "one verdict per line");
    let failures: Vec<String> = cases
        .iter()
        .zip(&verdicts)
        .filter(|(c, v)| v.split(':').next() != Some(string_field(c, "expect").as_str()))
        .map(|(c, v)| {
            format!(
                "{}: expected {}, got {v}",
                string_field(c, "name"),
                string_field(c, "expect")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn batch_form_answers_every_line() {
    let input = "not json\n{\"pattern\": {\"a\": [1]}}\n{\"pattern\": {\"a\": [1]}, \"event\": [1]}\n\
                 {\"pattern\": \"{\\\"a\\\": [1], \\\"a\\\": [2]}\", \"event\": \"{\\\"a\\\": 2.0}\"}\n\
                 {\"pattern\": {\"a\": [1]}, \"event\": {\"a\": 1e0}}\n";
    let v = run_batch(input);
    assert_eq!(v.len(), 5);
    assert!(v[0].starts_with("invalid-input: "), "{}", v[0]);
    assert!(v[1].starts_with("invalid-input: "), "{}", v[1]);
    assert!(v[2].starts_with("invalid-event: "), "{}", v[2]);
    assert_eq!(v[3], "match");
    assert_eq!(v[4], "match");
}

#[test]
fn single_form_rejects_invalid_events_with_exit_2() {
    for case in cases("eventbridge-patterns/invalid-event-cases.jsonl") {
        let event = document(case.get("event").expect("case has an event"));
        let event = String::from_utf8(event).expect("events are text");
        let out = eddy()
            .args([
                "test-event-pattern",
                "--event-pattern",
                &raw_field(&case, "pattern"),
                "--event",
                &event,
            ])
            .output()
            .expect("eddy runs");
        let name = string_field(&case, "name");
        assert_eq!(out.status.code(), Some(2), "{name}: exit code");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Parameter Event is not valid"),
            "{name}: {err}"
        );
    }
}

#[test]
fn single_form_prints_the_result() {
    let event = r#"{"id":"1","account":"1","source":"a","time":"t","region":"r","detail-type":"d","detail":{"n":300.0}}"#;
    let run = |pattern: &str, extra: &[&str]| {
        let out = eddy()
            .args([
                "test-event-pattern",
                "--event-pattern",
                pattern,
                "--event",
                event,
            ])
            .args(extra)
            .output()
            .expect("eddy runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(r#"{"detail":{"n":[3e2]}}"#, &[]).1, "true\n");
    assert_eq!(run(r#"{"detail":{"n":[301]}}"#, &[]).1, "false\n");
    assert_eq!(
        run(r#"{"detail":{"n":[300]}}"#, &["--output", "json"]).1,
        "{\"Result\":true}\n"
    );
    let (code, out, err) = run(r#"{"detail":{"n":[]}}"#, &[]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty());
    assert!(
        err.contains("InvalidEventPatternException")
            && err.contains("Empty arrays are not allowed"),
        "{err}"
    );
}

#[test]
fn transform_prints_the_target_input() {
    let event =
        r#"{"id":"e-1","time":"2026-11-23T10:00:00Z","detail":{"state":"running","n":3.0}}"#;
    let run = |transformer: &str| {
        let out = eddy()
            .args([
                "transform",
                "--input-transformer",
                transformer,
                "--event",
                event,
            ])
            .args([
                "--rule-name",
                "r1",
                "--ingestion-time",
                "2026-11-23T10:00:01Z",
            ])
            .output()
            .expect("eddy runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let template = r#"{"InputTransformer":{"InputPathsMap":{"s":"$.detail.state","n":"$.detail.n"},
        "InputTemplate":"{\"state\": <s>, \"n\": <n>, \"text\": \"<s> by <aws.events.rule-name> at <aws.events.event.ingestion-time>\"}"}}"#;
    assert_eq!(
        run(template),
        (Some(0), "{\"state\": \"running\", \"n\": 3.0, \"text\": \"running by r1 at 2026-11-23T10:00:01Z\"}\n".into(), String::new())
    );
    assert_eq!(
        run(r#"{"InputPath":"$.detail"}"#).1,
        "{\"state\":\"running\",\"n\":3.0}\n"
    );
    assert_eq!(
        run(r#"{"InputPathsMap":{"s":"$.detail.state"},"InputTemplate":"\"<s> now\""}"#).1,
        "\"running now\"\n"
    );
    let (code, out, err) = run(r#"{"InputPathsMap":{"aws.x":"$.id"},"InputTemplate":"x"}"#);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(err.starts_with("ValidationException: "), "{err}");
    // A JSON template that does not give JSON is not delivered, as on AWS.
    let (code, out, err) =
        run(r#"{"InputPathsMap":{"d":"$.detail"},"InputTemplate":"{\"d\": \"<d>\"}"}"#);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.starts_with("not delivered: "), "{err}");
}
