//! Eddy's compiled matcher against the `quamina` crate, in the same run, on CityLots-shaped
//! events (`shared/data/citylots_synth.py`, generated into `target/bench-data/` when
//! missing).
//!
//! Groups:
//! - `match/<operator>`: events per second with one pattern and with 10,000 patterns of
//!   that operator (see `rules.rs`): `10000` in the set's shapes in turn, `10000-same` all
//!   of the one pattern's shape (more patterns on the same fields), and `each-shape` one
//!   pattern of each of the set's shapes (the fields the 10,000 in turn read, with as few
//!   patterns as name them). A set of one shape (`shared`) has only `1` and `10000` (and
//!   `1000`, where quamina cannot hold 10,000).
//! - `classic`: the four patterns of the well-known CityLots benchmark, alone and together.
//! - `add`: time to add 10,000 patterns to an empty matcher and match one event (which
//!   makes both build their lazily built parts).
//!
//! Each timed iteration matches a fixed set of events spread evenly over the file: 20,000,
//! or fewer (at least 1,000) when the slower matcher of a configuration would take more
//! than 0.4 s for them (mostly not in cache: `eddy`, `eddy-plain`, `quamina`). Then
//! `eddy-plain-hot` and `quamina-hot` match 1,000 events spread over the file again and
//! again, so they stay in cache, as an event the bus has just received is. Before timing, both matchers run over all loaded events (or, for
//! slow configurations, as many as the slower one matches in about 15 s, spread evenly)
//! and must agree on the events matched and the number of matches; `check` lines print
//! those counts, the events used, and the one-off time each matcher took to add the set.
//!
//! Environment: `EDDY_BENCH_LINES` (events to generate and load, default all 213,068),
//! `EDDY_BENCH_SETS` (comma-separated operators, `classic`, `add`; default all).
//!
//! `cargo bench -p eddy-pattern --bench matching`

mod data;
mod engines;
mod rules;

use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, measurement::WallTime, BenchmarkGroup, BenchmarkId, Criterion,
    SamplingMode, Throughput,
};

use data::Events;
use eddy_pattern::json;
use engines::{tally, Eddy, Engine, Q};
use rules::{Rule, CLASSIC, SETS};

/// Most events matched per timed iteration.
const SUBSET: usize = 20_000;
/// Fewest events matched per timed iteration or checked.
const MIN_EVENTS: usize = 1_000;
/// Longest a timed iteration should take, at the slower matcher's rate.
const ITERATION_SECS: f64 = 0.4;
/// Longest a correctness check should take, at the slower matcher's rate.
const CHECK_SECS: f64 = 15.0;
/// Events of the in-cache ("hot") measurement: ~640 KB, spread over the file.
const HOT_EVENTS: usize = 1_000;
/// Patterns in the large configuration of each set.
const MANY: usize = 10_000;
/// Sets whose add time is measured with criterion.
const ADD_SETS: &[&str] = &["exact", "wildcard", "numeric", "anything-but", "or"];

fn selected(name: &str) -> bool {
    match std::env::var("EDDY_BENCH_SETS") {
        Ok(list) => list.split(',').any(|s| s.trim() == name),
        Err(_) => true,
    }
}

fn configure(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

fn count_all(engine: &impl Engine, events: &[&[u8]]) -> usize {
    events.iter().map(|e| engine.count(e)).sum()
}

/// Events per second over `events`, after a first event (which may build lazy parts).
fn rate(engine: &impl Engine, events: &[&[u8]]) -> f64 {
    count_all(engine, &events[..1]);
    let (_, t) = timed(|| count_all(engine, events));
    events.len() as f64 / t.as_secs_f64().max(1e-9)
}

/// What `quamina` does in one configuration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quamina {
    /// Matched, checked and timed beside Eddy.
    Compared,
    /// Not run: it cannot hold the set (see `rules::quamina_limit`).
    Skipped,
}

/// One configuration: builds the matchers, checks that they agree, and adds their benches
/// to `g` under `param`.
fn config(
    g: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    param: &str,
    rules: &[Rule],
    ev: &Events,
    quamina: Quamina,
) {
    let (eddy, add_e) = timed(|| Eddy::build(rules));
    let q = (quamina == Quamina::Compared).then(|| timed(|| Q::build(rules)));
    let probe = ev.spread(MIN_EVENTS);
    let mut slowest = rate(&eddy, &probe);
    if let Some((q, _)) = &q {
        slowest = slowest.min(rate(q, &probe));
    }
    let mut check = ev.spread(((slowest * CHECK_SECS) as usize).max(MIN_EVENTS));
    if rules.iter().any(|r| r.eddy.contains("\"numeric\"")) {
        // A number that is not exactly a double (the planted latitude 37.807807921694092
        // of the classic set) is in no range for EventBridge and Eddy, and in some for
        // quamina, which compares its double: such events are left out of the comparison.
        check.retain(|e| !has_inexact_number(e));
    }
    let timed_events = ev.spread(((slowest * ITERATION_SECS) as usize).clamp(MIN_EVENTS, SUBSET));
    let ((e_hit, e_all), check_e) = timed(|| tally(&eddy, &check));
    let mut line = format!(
        "check {label}: {} of {} events: eddy {e_hit} matched ({e_all} matches) in {:.2} s",
        check.len(),
        ev.lines.len(),
        check_e.as_secs_f64()
    );
    let q_counts = q.as_ref().map(|(q, add_q)| {
        let ((q_hit, q_all), check_q) = timed(|| tally(q, &check));
        line += &format!(
            ", quamina {q_hit} matched ({q_all} matches) in {:.2} s; add eddy {:.1} ms, quamina {:.1} ms",
            check_q.as_secs_f64(),
            add_e.as_secs_f64() * 1e3,
            add_q.as_secs_f64() * 1e3
        );
        (q_hit, q_all)
    });
    if q.is_none() {
        line += &format!(
            ", quamina not run; add eddy {:.1} ms",
            add_e.as_secs_f64() * 1e3
        );
    }
    println!("{line}; timed over {} events", timed_events.len());
    if let (Some((q, _)), Some(counts)) = (&q, q_counts) {
        if (e_hit, e_all) != counts {
            explain(rules, &check, &eddy, q);
        }
        assert_eq!(
            (e_hit, e_all),
            counts,
            "{label}: eddy and quamina disagree (events matched, matches)"
        );
    }
    let plain: usize = check.iter().map(|e| eddy.count_plain(e)).sum();
    assert_eq!(
        plain, e_all,
        "{label}: matches_plain disagrees with matches"
    );
    g.throughput(Throughput::Elements(timed_events.len() as u64));
    g.bench_with_input(BenchmarkId::new("eddy", param), &timed_events, |b, s| {
        b.iter(|| count_all(&eddy, s))
    });
    g.bench_with_input(
        BenchmarkId::new("eddy-plain", param),
        &timed_events,
        |b, s| b.iter(|| s.iter().map(|e| eddy.count_plain(e)).sum::<usize>()),
    );
    if let Some((q, _)) = &q {
        g.bench_with_input(BenchmarkId::new("quamina", param), &timed_events, |b, s| {
            b.iter(|| count_all(q, s))
        });
    }
    // The same matchers on events that stay in cache between iterations, as an event the
    // bus has just received and read is: what each spends matching, without the wait for
    // memory that events spread over the whole file add.
    let hot = ev.spread(HOT_EVENTS);
    g.throughput(Throughput::Elements(hot.len() as u64));
    g.bench_with_input(BenchmarkId::new("eddy-plain-hot", param), &hot, |b, s| {
        b.iter(|| s.iter().map(|e| eddy.count_plain(e)).sum::<usize>())
    });
    if let Some((q, _)) = &q {
        g.bench_with_input(BenchmarkId::new("quamina-hot", param), &hot, |b, s| {
            b.iter(|| count_all(q, s))
        });
    }
}

/// Prints the first few events on which the matchers disagree, with the rules involved.
/// Whether the event holds a number that EventBridge compares by text only (see
/// `eddy_pattern::value::is_comparable`).
fn has_inexact_number(event: &[u8]) -> bool {
    fn any_inexact(v: &json::Value) -> bool {
        match v {
            json::Value::Number(t) => t
                .parse::<f64>()
                .map_or(true, |x| !eddy_pattern::value::is_comparable(x, t)),
            json::Value::Array(items) => items.iter().any(any_inexact),
            json::Value::Object(entries) => entries.iter().any(|(_, v)| any_inexact(v)),
            _ => false,
        }
    }
    json::parse(event).is_ok_and(|v| any_inexact(&v))
}

fn explain(rules: &[Rule], events: &[&[u8]], eddy: &Eddy, quamina: &Q) {
    let mut shown = 0;
    for e in events {
        let (a, b) = (eddy.ids(e), quamina.ids(e));
        if a == b {
            continue;
        }
        println!("  event {}", String::from_utf8_lossy(e));
        for id in a.iter().filter(|i| !b.contains(i)) {
            println!("    only eddy: {}", rules[*id as usize].eddy);
        }
        for id in b.iter().filter(|i| !a.contains(i)) {
            println!("    only quamina: {}", rules[*id as usize].eddy);
        }
        shown += 1;
        if shown == 3 {
            break;
        }
    }
}

fn bench_sets(c: &mut Criterion, events: &Events) {
    let with_ips = SETS
        .iter()
        .any(|s| rules::needs_ips(s) && selected(s))
        .then(|| events.with_ips());
    for &set in SETS.iter().filter(|s| selected(s)) {
        let ev = match &with_ips {
            Some(ips) if rules::needs_ips(set) => ips,
            _ => events,
        };
        let rules = rules::build(set, ev, MANY);
        let limit = rules::quamina_limit(set);
        let mut sizes = vec![1, MANY];
        if limit < MANY {
            sizes.insert(1, limit);
        }
        let mut g = c.benchmark_group(format!("match/{set}"));
        configure(&mut g);
        let quamina = |n: usize| {
            if n > limit {
                Quamina::Skipped
            } else {
                Quamina::Compared
            }
        };
        for n in sizes {
            let label = format!("{set}/{n}");
            config(&mut g, &label, &n.to_string(), &rules[..n], ev, quamina(n));
        }
        // A set of one shape has no other configuration.
        let k = rules::shapes(set);
        if k == 1 {
            g.finish();
            continue;
        }
        // One rule of each shape: the fields the 10,000 read, with one pattern per shape.
        let label = format!("{set}/each of its {k} shapes once");
        config(&mut g, &label, "each-shape", &rules[..k], ev, quamina(k));
        // 10,000 patterns of the 1-pattern case's shape: more patterns on the same fields.
        let same = rules::build_same_shape(set, ev, MANY);
        let label = format!("{set}/{MANY} of one shape");
        config(
            &mut g,
            &label,
            &format!("{MANY}-same"),
            &same,
            ev,
            quamina(MANY),
        );
        g.finish();
    }
}

fn bench_classic(c: &mut Criterion, events: &Events) {
    if !selected("classic") {
        return;
    }
    let mut g = c.benchmark_group("classic");
    configure(&mut g);
    let mut cases: Vec<(&str, Vec<Rule>)> = CLASSIC
        .iter()
        .map(|&(name, p)| (name, vec![Rule::same(p.to_owned())]))
        .collect();
    cases.push((
        "all-4",
        CLASSIC
            .iter()
            .map(|&(_, p)| Rule::same(p.to_owned()))
            .collect(),
    ));
    for (name, rules) in &cases {
        let label = format!("classic/{name}");
        config(&mut g, &label, name, rules, events, Quamina::Compared);
    }
    g.finish();
}

fn bench_add(c: &mut Criterion, events: &Events) {
    if !selected("add") {
        return;
    }
    let mut g = c.benchmark_group("add");
    configure(&mut g);
    g.throughput(Throughput::Elements(MANY as u64));
    let first = events.lines[0].as_bytes();
    for &set in ADD_SETS {
        let rules = rules::build(set, events, MANY);
        g.bench_with_input(BenchmarkId::new("eddy", set), &rules, |b, r| {
            b.iter_with_large_drop(|| {
                let m = Eddy::build(r);
                m.count(first);
                m
            })
        });
        g.bench_with_input(BenchmarkId::new("quamina", set), &rules, |b, r| {
            b.iter_with_large_drop(|| {
                let m = Q::build(r);
                m.count(first);
                m
            })
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let events = data::load();
    bench_sets(c, &events);
    bench_classic(c, &events);
    bench_add(c, &events);
}

criterion_group!(matching, benches);
criterion_main!(matching);
