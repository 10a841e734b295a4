//! Fuzz target: any bytes as an event pattern. `Pattern::parse` must return a value or an
//! error, never panic; whatever JSON it reads must print and read back the same; and a
//! valid pattern must parse the same from its printed document.
#![no_main]

use eddy_pattern::json;
use eddy_pattern::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = Pattern::parse(data);
    if data.len() > eddy_pattern::Limits::default().max_bytes {
        return;
    }
    if let Ok(doc) = json::parse_first(data) {
        let printed = doc.to_json();
        assert_eq!(
            json::parse(printed.as_bytes()).as_ref(),
            Ok(&doc),
            "JSON does not round-trip: {printed}"
        );
        // The pattern is the document's (EventBridge ignores text after it), so the
        // printed document gives the same pattern or the same error.
        assert_eq!(
            Pattern::parse(printed.as_bytes()),
            parsed,
            "printed pattern differs: {printed}"
        );
    } else {
        assert!(parsed.is_err(), "a pattern from bytes that are not JSON");
    }
});
