//! The AWS-validated pattern cases in `shared/conformance/eventbridge-patterns/cases.jsonl`,
//! and the cases where aws/event-ruler's answer is a bug of its own
//! (`tests/data/event-ruler-differences.jsonl`), run through the compiled matcher and the
//! reference matcher; every failing case is named.

use eddy_pattern::json;
use eddy_pattern::{reference, Matcher, Pattern};
use eddy_test_support::{cases, document, string_field};

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

/// Runs each case (`name`, `expect`, `pattern`, `event`) through both matchers and names
/// every one whose verdict is not `expect`; at least `at_least` cases must be read.
fn run_cases(cases: impl IntoIterator<Item = json::Value>, at_least: usize) {
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases {
        let name = string_field(&case, "name");
        let expect = string_field(&case, "expect");
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
    eddy_test_support::assert_cases_pass(count, at_least, &failures);
}

#[test]
fn aws_pattern_cases() {
    run_cases(cases("eventbridge-patterns/cases.jsonl"), 190);
}

/// Where aws/event-ruler (built from source, 2026-12-04) answers otherwise because of a bug
/// of its own, Eddy answers as the EventBridge documentation describes the operators; and
/// where event-ruler's answer is the documented one, Eddy gives it too. Each case in
/// `tests/data/event-ruler-differences.jsonl` records both verdicts and why.
#[test]
fn event_ruler_differences() {
    let data = include_str!("data/event-ruler-differences.jsonl");
    let cases = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| json::parse(l.as_bytes()).expect("a JSON case"));
    run_cases(cases, 17);
}
