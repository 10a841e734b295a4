//! Fuzz target: `script \0 event`. The script's bytes build many patterns over few paths
//! and few values, so that many share their tests (the matcher indexes those as groups,
//! and takes them apart again as patterns are removed), and add and remove them under
//! small ids. After the script, every pattern the matcher holds must match the event
//! exactly when the brute-force `reference` matcher says so, read the full way and the
//! plain way.
#![no_main]

use eddy_pattern::json::{self, Value};
use eddy_pattern::{reference, Matcher, Pattern};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

/// Paths a field may take: top-level keys and one nested key.
const PATHS: [&str; 5] = ["a", "b", "c", "o.p", "o.q"];

/// The value of one field, chosen by a byte: mostly exact strings from a small set, so
/// that many fields share a test, and some of every other kind.
fn field(byte: u8) -> String {
    let v = ["x", "y", "z", "xy"][usize::from(byte >> 4) % 4];
    match byte % 16 {
        0..=7 => format!(r#"["{v}"]"#),
        8 => format!(r#"["{v}", "y"]"#),
        9 => format!(r#"[{{"prefix": "{v}"}}]"#),
        10 => format!(r#"[{{"anything-but": "{v}"}}]"#),
        11 => r#"[{"exists": false}]"#.to_owned(),
        12 => r#"[{"exists": true}]"#.to_owned(),
        13 => format!("[{}]", byte >> 4),
        14 => format!(r#"[{{"numeric": [">", {}]}}]"#, byte >> 5),
        _ => format!(r#"[{{"suffix": "{v}"}}]"#),
    }
}

/// A pattern of two to four fields read from `bytes`: a count, then a path and a value
/// byte for each field (a later field on the same path replaces an earlier one).
fn pattern(bytes: &mut impl Iterator<Item = u8>) -> Option<String> {
    let n = 2 + usize::from(bytes.next()? % 3);
    let mut top: BTreeMap<&str, String> = BTreeMap::new();
    let mut nested: BTreeMap<&str, String> = BTreeMap::new();
    for _ in 0..n {
        let path = PATHS[usize::from(bytes.next()?) % PATHS.len()];
        let value = field(bytes.next()?);
        match path.split_once('.') {
            Some((_, key)) => nested.insert(key, value),
            None => top.insert(path, value),
        };
    }
    let mut members: Vec<String> = top.iter().map(|(k, v)| format!(r#""{k}": {v}"#)).collect();
    if !nested.is_empty() {
        let inner: Vec<String> = nested
            .iter()
            .map(|(k, v)| format!(r#""{k}": {v}"#))
            .collect();
        members.push(format!(r#""o": {{{}}}"#, inner.join(", ")));
    }
    Some(format!("{{{}}}", members.join(", ")))
}

fuzz_target!(|data: &[u8]| {
    let (script, event) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &br#"{"a": "x", "b": "y", "o": {"p": "x"}}"#[..]),
    };
    let mut m = Matcher::new();
    let mut held: BTreeMap<u8, Pattern> = BTreeMap::new();
    let mut bytes = script.iter().copied();
    // Each step: an id byte; below 224 adds a pattern under id % 64 (replacing any
    // there), otherwise removes id % 64. At most 400 steps.
    for _ in 0..400 {
        let Some(op) = bytes.next() else { break };
        let id = op % 64;
        if op >= 224 {
            assert_eq!(m.remove(&id), held.remove(&id).is_some(), "remove {id}");
            continue;
        }
        let Some(text) = pattern(&mut bytes) else {
            break;
        };
        let parsed = Pattern::parse(text.as_bytes()).expect("the script writes valid patterns");
        m.add(id, text.as_bytes())
            .expect("a valid pattern is added");
        held.insert(id, parsed);
    }
    let Ok(ev @ Value::Object(_)) = json::parse(event) else {
        let _ = m.matches(event);
        let _ = m.matches_plain(event);
        return;
    };
    let want: Vec<u8> = held
        .iter()
        .filter(|(_, p)| reference::matches(p, &ev))
        .map(|(&id, _)| id)
        .collect();
    let mut got = m.matches(event).expect("the reader takes the event");
    got.sort_unstable();
    assert_eq!(
        got,
        want,
        "matcher and reference disagree on {}",
        String::from_utf8_lossy(event)
    );
    if ev.is_plain() {
        let mut plain = m.matches_plain(event).expect("the reader takes the event");
        plain.sort_unstable();
        assert_eq!(plain, want, "matches_plain and reference disagree");
    }
});
