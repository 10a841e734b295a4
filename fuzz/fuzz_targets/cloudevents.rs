//! Fuzz target: `header lines \0 body`. Each header line is `name: value`. Parsing any
//! CloudEvents HTTP request must give entries or an error, never panic; every entry of a
//! successful parse has a source, a detail-type and a detail that is a JSON object, and
//! writing it back out as a structured CloudEvent gives JSON.
#![no_main]

use eddy_model::cloudevents;
use eddy_model::event::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let Ok(entries) =
        cloudevents::parse(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())), body)
    else {
        return;
    };
    for entry in entries {
        let (Some(source), Some(detail_type), Some(detail)) =
            (entry.source, entry.detail_type, entry.detail)
        else {
            panic!("a parsed CloudEvent lacks source, type or detail");
        };
        // JSON (numbers of any size included, as the engine reads them) and an object.
        serde_json::from_str::<serde::de::IgnoredAny>(&detail).expect("detail is JSON");
        assert!(detail.trim_start().starts_with('{'), "detail is an object");
        let event = Event {
            id: entry.id.unwrap_or_default(),
            detail_type,
            source,
            account: "000000000000".into(),
            time: entry.time.unwrap_or(0),
            region: "us-east-1".into(),
            resources: entry.resources,
            detail,
        };
        let out = cloudevents::to_structured(&event);
        serde_json::from_str::<serde::de::IgnoredAny>(&out).expect("structured CloudEvent is JSON");
    }
});
