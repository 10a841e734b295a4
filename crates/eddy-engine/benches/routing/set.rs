//! The bus's rule sets and the envelope of `benches/routing` and `examples/route_probe.rs`.

use eddy_model::event::Event;

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
