//! Dev-only helpers shared by Eddy's tests: reading the conformance data beside the
//! project (`../shared/conformance`, or `EDDY_CONFORMANCE_DIR`). Only tests depend on it.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use eddy_pattern::json::{self, Value};

/// The conformance data folder: `EDDY_CONFORMANCE_DIR`, else `shared/conformance` beside
/// the project.
pub fn conformance_dir() -> PathBuf {
    match std::env::var_os("EDDY_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance"
        )),
    }
}

/// The cases of a JSON-lines file under the conformance folder (e.g.
/// `eventbridge-patterns/cases.jsonl`), read so that numbers keep their spelling and
/// repeated keys survive. Panics with the path when the file cannot be read.
pub fn cases(file: &str) -> Vec<Value> {
    let path = conformance_dir().join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            json::parse(l.as_bytes())
                .unwrap_or_else(|e| panic!("{}: a case is not JSON: {e}", path.display()))
        })
        .collect()
}

/// A pattern or event of a case: a JSON string holds the raw document text, any other
/// value is the document itself.
pub fn document(v: &Value) -> Vec<u8> {
    match v {
        Value::String(raw) => raw.as_bytes().to_vec(),
        other => other.to_json().into_bytes(),
    }
}

/// The string field `key` of a case. Panics when it is missing.
pub fn string_field(case: &Value, key: &str) -> String {
    match case.get(key) {
        Some(Value::String(s)) => s.clone(),
        _ => panic!("case lacks the string {key}: {}", case.to_json()),
    }
}

/// Ends a data-driven test: at least `at_least` of its `count` cases were read (so a
/// truncated or misplaced file cannot pass), and none failed; else panics naming every
/// failure.
pub fn assert_cases_pass(count: usize, at_least: usize, failures: &[String]) {
    assert!(count >= at_least, "only {count} cases read");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
