//! Fuzz target (UTF-8 text): the quick plain-object read (`eddy_pattern::plain`). When it says "plain",
//! serde_json must take the text as JSON (the bus's test of a valid detail), the pattern
//! crate's own reader must read it as an object with no repeated, empty or dotted key, and
//! `matches_plain` must agree with `matches` on it.
#![no_main]

use eddy_pattern::{json, plain, Matcher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if !plain::is_plain_object(text) {
        return;
    }
    assert!(
        serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
        "serde_json refuses a plain object"
    );
    let value = json::parse(data).expect("the pattern crate reads a plain object");
    assert!(value.is_plain(), "not plain: {value:?}");
    let mut m = Matcher::new();
    for (k, p) in [
        r#"{"a": [{"exists": true}], "b": [1]}"#,
        r#"{"c": {"d": [{"prefix": "x"}]}}"#,
        r#"{"a": [{"exists": false}]}"#,
    ]
    .iter()
    .enumerate()
    {
        m.add(k, p.as_bytes()).expect("a valid pattern");
    }
    if let (Ok(mut full), Ok(mut quick)) = (m.matches(data), m.matches_plain(data)) {
        full.sort_unstable();
        quick.sort_unstable();
        assert_eq!(full, quick);
    }
});
