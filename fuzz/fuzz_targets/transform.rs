//! Fuzz target: `input settings \0 event`. Building a `Transform` from any target document
//! and applying it to any event must return a value or an error, never panic; what a JSON
//! template delivers must be JSON, and no output may exceed the output cap.
#![no_main]

use eddy_pattern::json;
use eddy_pattern::transform::{Context, Transform, MAX_OUTPUT_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (settings, event) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let (Ok(settings), Ok(event)) = (json::parse(settings), json::parse(event)) else {
        return;
    };
    let Ok(transform) = Transform::from_target_json(&settings) else {
        return;
    };
    let ctx = Context {
        rule_arn: "arn:aws:events:us-east-1:000000000000:rule/r",
        rule_name: "r",
        ingestion_time: "2026-01-01T00:00:00Z",
    };
    if let Ok(out) = transform.apply(&event, &ctx) {
        assert!(out.len() <= MAX_OUTPUT_LEN, "output over the cap");
        let json_out = match &transform {
            Transform::Template(t) => t.is_json(),
            _ => true,
        };
        if json_out {
            assert!(
                json::parse(out.as_bytes()).is_ok(),
                "delivered JSON is not JSON: {out}"
            );
        }
    }
});
