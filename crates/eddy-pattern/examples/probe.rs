//! A quick, repeatable probe of the matching benchmark, for profiling and A/B checks: builds
//! one rule set of `benches/matching` (same rules, same events), then times Eddy's
//! `matches_plain` and quamina over the same spread of events, alternating, several rounds,
//! and prints the best rate of each and their ratio.
//!
//! `cargo run --release -p eddy-pattern --example probe -- <set> <patterns> [rounds] [only]`
//! where `set` is a set of `benches/matching/rules.rs`, `classic/<name>` or `classic` (all
//! four), and `only` is `eddy` (no quamina: for `perf record` or `valgrind`) or `both` (the
//! default). Environment: `EDDY_BENCH_LINES` as for the bench; `PROBE_EVENTS` (default
//! 20,000) events spread over the file, so a small number (1,000) keeps them in cache and
//! measures computation without the memory stalls; `PROBE_SEQ` all events in file order
//! instead; `PROBE_SAME` the patterns all of the first one's shape
//! (`rules::build_same_shape`); `PROBE_FLOOR` also times only reading the first bytes of
//! each event (what any matcher pays), and `PROBE_FLOOR_KEY=STREET:CRANLEIGH` a search
//! for one key's value with `memchr::memmem`; `PROBE_FULL` times `matches` (which reads
//! every byte) instead of `matches_plain`; `PROBE_BATCH=8:0,64,128` also times matching
//! in batches of 8 with bytes 0, 64 and 128 of the next batch read ahead; `PROBE_PATTERN`
//! one pattern of your own instead of the set's (whose name then only labels the output),
//! and `PROBE_PATTERNS=file` the first `patterns` lines of a file, one pattern per line;
//! `PROBE_VS=k` also times the set's first `k` patterns alone (`PROBE_VS=each`: one of each
//! of its shapes) in the same rounds, one after the other, and prints the share of their
//! rate the `patterns` keep (both sides then meet the same load of a shared host);
//! `PROBE_DUMP=file` writes the set's patterns (Eddy's), one per line, for `PROBE_PATTERNS`; `PROBE_EVICT` writes 128 MB of other memory
//! before each timed pass, so that the events come from memory.

#[path = "../benches/matching/data.rs"]
#[allow(dead_code)]
mod data;
#[path = "../benches/matching/engines.rs"]
#[allow(dead_code)]
mod engines;
#[path = "../benches/matching/rules.rs"]
#[allow(dead_code)]
mod rules;

use std::time::Instant;

use engines::{Eddy, Engine, Q};

fn rate(f: impl Fn(&[u8]) -> usize, events: &[&[u8]]) -> (f64, usize) {
    let start = Instant::now();
    let n: usize = events.iter().map(|e| std::hint::black_box(f(e))).sum();
    (events.len() as f64 / start.elapsed().as_secs_f64(), n)
}

/// Writes every cache line of `scratch` (see `PROBE_EVICT`).
fn evict(scratch: &mut [u8]) {
    for line in scratch.chunks_mut(64) {
        line[0] = line[0].wrapping_add(1);
    }
    std::hint::black_box(&scratch);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = args.get(1).map_or("exact", String::as_str);
    let n: usize = args.get(2).map_or(1, |s| s.parse().expect("a count"));
    let rounds: usize = args.get(3).map_or(5, |s| s.parse().expect("a count"));
    let only_eddy = args.get(4).is_some_and(|s| s == "eddy");
    let events = data::load();
    let ev = if rules::needs_ips(set) {
        events.with_ips()
    } else {
        events
    };
    let rules = if let Ok(pattern) = std::env::var("PROBE_PATTERN") {
        vec![rules::Rule::same(pattern)]
    } else if let Ok(file) = std::env::var("PROBE_PATTERNS") {
        let text = std::fs::read_to_string(&file).expect("read PROBE_PATTERNS");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .take(n)
            .map(|l| rules::Rule::same(l.to_owned()))
            .collect()
    } else if set.starts_with("classic") {
        let name = set.trim_start_matches("classic/");
        rules::CLASSIC
            .iter()
            .filter(|(c, _)| name == "classic" || *c == name)
            .map(|&(_, p)| rules::Rule::same(p.to_owned()))
            .collect()
    } else if std::env::var("PROBE_SAME").is_ok() {
        rules::build_same_shape(set, &ev, n)
    } else {
        rules::build(set, &ev, n)
    };
    if let Ok(file) = std::env::var("PROBE_DUMP") {
        let text: String = rules.iter().map(|r| r.eddy.clone() + "\n").collect();
        std::fs::write(&file, text).expect("write PROBE_DUMP");
    }
    let eddy = Eddy::build(&rules);
    let q = (!only_eddy).then(|| Q::build(&rules));
    // `PROBE_VS=k`: also the set's first `k` patterns alone, timed in the same rounds.
    let vs: Option<usize> = std::env::var("PROBE_VS").ok().map(|k| {
        let k = match k.as_str() {
            "each" => rules::shapes(set),
            k => k.parse().expect("a count or `each`"),
        };
        k.clamp(1, rules.len())
    });
    let fewer = vs.map(|k| Eddy::build(&rules[..k]));
    let mut best_fewer = 0f64;
    let spread: Vec<&[u8]> = if std::env::var("PROBE_SEQ").is_ok() {
        ev.lines.iter().map(|l| l.as_bytes()).collect()
    } else {
        ev.spread(std::env::var("PROBE_EVENTS").map_or(20_000, |v| v.parse().expect("a count")))
    };
    if std::env::var("PROBE_FLOOR").is_ok() {
        for reach in [1usize, 64, 256, 640] {
            let mut best = 0f64;
            for _ in 0..rounds {
                let (r, _) = rate(
                    |e| {
                        e[..reach.min(e.len())]
                            .iter()
                            .fold(0usize, |a, &b| a + usize::from(b == b'"'))
                    },
                    &spread,
                );
                best = best.max(r);
            }
            println!("floor reading {reach} bytes: {:.0} k/s", best / 1e3);
        }
    }
    // `PROBE_FLOOR_KEY=STREET:CRANLEIGH`: time finding `"STREET": "` with `memchr::memmem`
    // and comparing the value after it. No matcher (it cannot tell a key from text in a
    // string, nor one object's key from another's), but a reading with no chain of
    // dependent loads: what an event costs when only its bytes must arrive.
    if let Ok(spec) = std::env::var("PROBE_FLOOR_KEY") {
        let (key, want) = spec.split_once(':').expect("KEY:VALUE");
        let needle = format!("\"{key}\": \"");
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let want = format!("{want}\"");
        let (mut best, mut hits) = (0f64, 0);
        for _ in 0..rounds {
            let (r, n) = rate(
                |e| {
                    finder.find(e).map_or(0, |at| {
                        usize::from(e[at + needle.len()..].starts_with(want.as_bytes()))
                    })
                },
                &spread,
            );
            best = best.max(r);
            hits = n;
        }
        println!(
            "floor finding {needle}: {:.0} k/s ({hits} hits)",
            best / 1e3
        );
    }
    // `PROBE_FULL`: time `matches` (which reads every byte) instead of `matches_plain`.
    let full = std::env::var("PROBE_FULL").is_ok();
    let (mut best_e, mut best_q, mut found) = (0f64, 0f64, 0usize);
    // `PROBE_EVICT`: before each timed pass, write 128 MB of other memory, so that the
    // events come from memory whatever the caches kept (a 32 MB L3 may keep the ~13 MB
    // of spread events between passes on a quiet machine).
    let mut scratch = if std::env::var("PROBE_EVICT").is_ok() {
        vec![0u8; 128 << 20]
    } else {
        Vec::new()
    };
    for _ in 0..rounds {
        // `PROBE_BATCH=8:0,64,128`: before matching each 8 events, read bytes 0, 64 and
        // 128 of the next 8 (loads that wait on nothing, so their memory waits overlap),
        // as a caller that knows the events ahead could.
        if let Ok(spec) = std::env::var("PROBE_BATCH") {
            let (k, offsets) = spec.split_once(':').unwrap_or((&spec, "0"));
            let k: usize = k.parse().expect("a batch size");
            let offsets: Vec<usize> = offsets
                .split(',')
                .map(|x| x.parse().expect("an offset"))
                .collect();
            let chunks: Vec<&[&[u8]]> = spread.chunks(k).collect();
            let start = Instant::now();
            let mut n = 0usize;
            for (i, chunk) in chunks.iter().enumerate() {
                if let Some(next) = chunks.get(i + 1) {
                    let t: usize = next
                        .iter()
                        .flat_map(|e| offsets.iter().filter_map(|&o| e.get(o)))
                        .map(|&b| usize::from(b))
                        .sum();
                    std::hint::black_box(t);
                }
                for e in chunk.iter() {
                    n += std::hint::black_box(eddy.count_plain(e));
                }
            }
            let r = spread.len() as f64 / start.elapsed().as_secs_f64();
            let (per_event, m) = rate(|e| eddy.count_plain(e), &spread);
            assert_eq!(n, m, "batched and per-event matching disagree");
            println!(
                "batches of {k}, bytes {offsets:?} read ahead: {:.0} k/s; one by one {:.0} k/s",
                r / 1e3,
                per_event / 1e3
            );
        }
        evict(&mut scratch);
        let (r, ne) = if full {
            rate(|e| eddy.count(e), &spread)
        } else {
            rate(|e| eddy.count_plain(e), &spread)
        };
        best_e = best_e.max(r);
        found = ne;
        if let Some(fewer) = &fewer {
            evict(&mut scratch);
            let (r, _) = rate(|e| fewer.count_plain(e), &spread);
            best_fewer = best_fewer.max(r);
        }
        if let Some(q) = &q {
            evict(&mut scratch);
            let (r, nq) = rate(|e| q.count(e), &spread);
            best_q = best_q.max(r);
            assert_eq!(ne, nq, "eddy and quamina disagree");
        }
    }
    println!(
        "{set}/{}: eddy-plain {:.0} k/s, quamina {:.0} k/s, ratio {:.2}; {:.2} matches per event",
        rules.len(),
        best_e / 1e3,
        best_q / 1e3,
        best_e / best_q.max(1.0),
        found as f64 / spread.len() as f64
    );
    if let Some(k) = vs {
        println!(
            "{set}/{k} in the same rounds: eddy-plain {:.0} k/s; {} ÷ {k}: {:.1} %",
            best_fewer / 1e3,
            rules.len(),
            100.0 * best_e / best_fewer.max(1.0)
        );
    }
}
