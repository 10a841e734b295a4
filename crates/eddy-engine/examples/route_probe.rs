//! The work of `benches/routing` without the timing, for counting instructions (which,
//! unlike time, the machine's load does not change): checks each detail and matches its
//! envelope, `rounds` times over the bench's events, the old way or the new.
//!
//! `cargo run --release -p eddy-engine --example route_probe -- <old|new> <rounds> <rules>`
//! where `rules` names a set of the bench (`classic-4`, `17th-even`, `source`). Instructions
//! per event: run it under `valgrind --tool=callgrind` with 1 and 3 rounds and divide the
//! difference by twice the events (2,000).

#[path = "../../eddy-pattern/benches/matching/data.rs"]
#[allow(dead_code)]
mod data;
#[path = "../benches/routing/set.rs"]
mod set;

use eddy_engine::detail::{check, Detail};
use eddy_pattern::matcher::Matcher;
use set::{envelope, EVENTS, RULES};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: route_probe <old|new> <rounds> <rules>";
    let (Some(way), Some(rounds), Some(name)) = (args.get(1), args.get(2), args.get(3)) else {
        panic!("{usage}");
    };
    let rounds: usize = rounds.parse().expect(usage);
    let (_, patterns) = RULES
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no rule set {name}"));
    let mut matcher = Matcher::new();
    for (i, p) in patterns.iter().enumerate() {
        matcher.add(i, p.as_bytes()).expect("a valid bench pattern");
    }
    let events = data::load();
    let entries: Vec<(String, String)> = events
        .spread(EVENTS)
        .iter()
        .map(|d| {
            let d = String::from_utf8(d.to_vec()).expect("UTF-8 bench data");
            let json = envelope(&d);
            (d, json)
        })
        .collect();
    let mut n = 0;
    for _ in 0..rounds {
        for (detail, json) in &entries {
            let got = if way == "old" {
                serde_json::from_str::<serde::de::IgnoredAny>(detail)
                    .ok()
                    .map(|_| matcher.matches(json.as_bytes()))
            } else {
                match check(detail) {
                    Detail::Plain => Some(matcher.matches_plain(json.as_bytes())),
                    Detail::Object => Some(matcher.matches(json.as_bytes())),
                    Detail::Malformed => None,
                }
            };
            n += got.map_or(0, |m| m.map_or(0, |m| m.len()));
        }
    }
    println!("{n} matches");
}
