//! The wildcard complexity cases in `tests/data/wildcard-complexity.jsonl`, each checked
//! with aws/event-ruler: a pattern is rejected as too complex exactly when event-ruler's
//! complexity exceeds 10. Every failing line is named.

use eddy_pattern::json::{self, Value};
use eddy_pattern::wildcard::TOO_COMPLEX;
use eddy_pattern::Pattern;
use eddy_test_support::document;

#[test]
fn too_complex_as_event_ruler_says() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wildcard-complexity.jsonl");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        count += 1;
        let line_no = n + 1;
        let case = json::parse(line.as_bytes())
            .unwrap_or_else(|e| panic!("line {line_no}: not JSON: {e}"));
        let pattern = document(case.get("pattern").expect("pattern"));
        let want = matches!(case.get("too_complex"), Some(Value::Bool(true)));
        let complexity = case
            .get("complexity")
            .map(Value::to_json)
            .unwrap_or_default();
        let got = match Pattern::parse(&pattern) {
            Ok(_) => false,
            Err(e) if e.reason == TOO_COMPLEX => true,
            Err(e) => {
                failures.push(format!("line {line_no}: invalid pattern: {e}"));
                continue;
            }
        };
        if got != want {
            failures.push(format!(
                "line {line_no}: event-ruler's complexity is {complexity}, so too complex should be {want}, got {got}"
            ));
        }
    }
    eddy_test_support::assert_cases_pass(count, 40, &failures);
}
