//! What the bus does with each PutEvents entry before it delivers: read the detail (is it
//! a JSON object?) and match the envelope against the bus's rules. Before, the detail was
//! skimmed by serde_json (`IgnoredAny`) and every envelope read in full by
//! `Matcher::matches`; now one read also learns whether the detail is plain
//! (`eddy_engine::detail::check`), and a plain envelope is matched by
//! `Matcher::matches_plain`, which stops once the fields the rules name are read.
//!
//! `cargo bench -p eddy-engine --bench routing` (CityLots-shaped details, as the pattern
//! bench generates them into `target/bench-data/`; `EDDY_BENCH_LINES` for fewer lines).
//! `examples/route_probe.rs` counts the instructions of the same work.

#[path = "../../../eddy-pattern/benches/matching/data.rs"]
#[allow(dead_code)]
mod data;
mod set;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eddy_engine::detail::{check, Detail};
use set::{entries, matcher, new_way, old_way, EVENTS, RULES};

fn routing(c: &mut Criterion) {
    let events = data::load();
    let entries = entries(&events.spread(EVENTS));
    for (name, patterns) in RULES {
        let matcher = matcher(patterns);
        // Both ways agree before anything is timed.
        for (detail, json) in &entries {
            assert_eq!(check(detail), Detail::Plain);
            let mut a = matcher.matches(json.as_bytes()).expect("matches");
            let mut b = matcher.matches_plain(json.as_bytes()).expect("matches");
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{detail}");
        }
        let mut group = c.benchmark_group(format!("routing/{name}"));
        group.throughput(Throughput::Elements(entries.len() as u64));
        group.bench_function("skim+matches", |b| {
            b.iter(|| {
                entries
                    .iter()
                    .map(|(d, j)| old_way(&matcher, d, j))
                    .sum::<usize>()
            })
        });
        group.bench_function("check+matches_plain", |b| {
            b.iter(|| {
                entries
                    .iter()
                    .map(|(d, j)| new_way(&matcher, d, j))
                    .sum::<usize>()
            })
        });
        group.bench_function("skim", |b| {
            b.iter(|| {
                entries
                    .iter()
                    .filter(|(d, _)| serde_json::from_str::<serde::de::IgnoredAny>(d).is_ok())
                    .count()
            })
        });
        group.bench_function("check", |b| {
            b.iter(|| {
                entries
                    .iter()
                    .filter(|(d, _)| check(d) == Detail::Plain)
                    .count()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, routing);
criterion_main!(benches);
