//! Fuzz target: `pattern \0 event`. The compiled `Matcher` must never panic, must accept
//! exactly the patterns `Pattern::parse` accepts, and on every event the JSON reader reads
//! as an object it must agree with the brute-force `reference` matcher. Removing the
//! pattern again must leave nothing that matches.
#![no_main]

use eddy_pattern::json::{self, Value};
use eddy_pattern::{reference, Matcher, Pattern};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (pattern, event) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let parsed = Pattern::parse(pattern);
    let mut m = Matcher::new();
    // A second pattern under another key shares the paths and indexes.
    let _ = m.add(
        1u8,
        br#"{"a":[{"exists":true}],"b":[{"anything-but":"x"}]}"#,
    );
    let added = m.add(0u8, pattern);
    assert_eq!(
        added.is_ok(),
        parsed.is_ok(),
        "add and parse disagree: {added:?}"
    );
    // Replacing the pattern with itself must change nothing.
    if added.is_ok() {
        m.add(0u8, pattern).expect("added once, so again");
    }
    let got = m.matches(event);
    if let (Ok(p), Ok(ev @ Value::Object(_))) = (&parsed, json::parse(event)) {
        let want = reference::matches(p, &ev);
        let got = got.expect("the reader takes the event, so the matcher must");
        assert_eq!(
            got.contains(&0),
            want,
            "matcher and reference disagree on {}",
            String::from_utf8_lossy(event)
        );
        let mut each = Vec::new();
        m.for_each_match(event, |&k| each.push(k))
            .expect("the reader takes the event");
        let mut all = got.clone();
        all.sort_unstable();
        each.sort_unstable();
        assert_eq!(all, each, "for_each_match and matches disagree");
        assert_eq!(m.has_match(event).map(|_| ()), Ok(()));
        // A plain event (each key once per object, none empty or dotted) read the bus's
        // way, which stops once every named field is read, gets the same answer.
        if ev.is_plain() {
            let plain = m.matches_plain(event).expect("the reader takes the event");
            assert_eq!(
                plain.contains(&0),
                want,
                "matches_plain and reference disagree on {}",
                String::from_utf8_lossy(event)
            );
            // Handed over one key at a time, the same keys.
            let mut each = Vec::new();
            m.for_each_match_plain(event, |&k| each.push(k))
                .expect("the reader takes the event");
            let mut plain = plain;
            plain.sort_unstable();
            each.sort_unstable();
            assert_eq!(
                plain, each,
                "for_each_match_plain and matches_plain disagree"
            );
        }
    }
    // Read the plain way, any event gets an answer or an error, never a panic (an event
    // that is not valid JSON may get either, as far as the reading goes).
    let _ = m.matches_plain(event);
    m.remove(&0);
    if let Ok(ids) = m.matches(event) {
        assert!(!ids.contains(&0), "a removed pattern still matches");
    }
});
