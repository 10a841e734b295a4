//! What `benches/routing` and `examples/route_probe.rs` share: the bus's rule sets, the
//! envelope around each detail, and the old and the new way of reading an entry.

use eddy_engine::detail::{check, Detail};
use eddy_model::event::Event;
use eddy_pattern::matcher::Matcher;

/// Details per timed iteration, spread over the file (they stay in cache, as a detail the
/// bus has just received does).
pub const EVENTS: usize = 2_000;

/// Rule sets of a bus: the four classic CityLots patterns, or one of them alone.
pub const RULES: &[(&str, &[&str])] = &[
    (
        "classic-4",
        &[
            r#"{"detail": {"properties": {"STREET": ["CRANLEIGH"]}}}"#,
            r#"{"detail": {"properties": {"STREET": ["17TH"], "ODD_EVEN": ["E"]}}}"#,
            r#"{"detail": {"geometry": {"coordinates": [37.807807921694092]}}}"#,
            r#"{"detail": {"properties": {"MAPBLKLOT": ["0011008"], "BLKLOT": ["0011008"]}, "geometry": {"coordinates": [37.807807921694092]}}}"#,
        ],
    ),
    (
        "17th-even",
        &[r#"{"detail": {"properties": {"STREET": ["17TH"], "ODD_EVEN": ["E"]}}}"#],
    ),
    (
        "source",
        &[r#"{"source": ["city.lots"], "detail-type": ["Lot Changed"]}"#],
    ),
];

pub fn envelope(detail: &str) -> String {
    Event {
        id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718".to_owned(),
        detail_type: "Lot Changed".to_owned(),
        source: "city.lots".to_owned(),
        account: "000000000000".to_owned(),
        time: 1_764_633_600,
        region: "us-east-1".to_owned(),
        resources: Vec::new(),
        detail: detail.to_owned(),
    }
    .to_json()
}

/// Each detail (UTF-8 text) with its envelope.
pub fn entries(details: &[&[u8]]) -> Vec<(String, String)> {
    details
        .iter()
        .map(|d| {
            let d = String::from_utf8(d.to_vec()).expect("UTF-8 bench data");
            let json = envelope(&d);
            (d, json)
        })
        .collect()
}

/// A matcher of one rule set of [`RULES`].
pub fn matcher(patterns: &[&str]) -> Matcher<usize> {
    let mut matcher = Matcher::new();
    for (i, p) in patterns.iter().enumerate() {
        matcher.add(i, p.as_bytes()).expect("a valid bench pattern");
    }
    matcher
}

/// The old way: serde_json skims the detail, `matches` reads the whole envelope. Returns
/// the number of rules matched.
pub fn old_way(matcher: &Matcher<usize>, detail: &str, json: &str) -> usize {
    if serde_json::from_str::<serde::de::IgnoredAny>(detail).is_err() {
        return 0;
    }
    matcher.matches(json.as_bytes()).map_or(0, |m| m.len())
}

/// The new way: one read of the detail, then `matches_plain` when it is plain.
pub fn new_way(matcher: &Matcher<usize>, detail: &str, json: &str) -> usize {
    let got = match check(detail) {
        Detail::Plain => matcher.matches_plain(json.as_bytes()),
        Detail::Object => matcher.matches(json.as_bytes()),
        Detail::Malformed => return 0,
    };
    got.map_or(0, |m| m.len())
}
