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

use set::{entries, matcher, new_way, old_way, EVENTS, RULES};

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
    let matcher = matcher(patterns);
    let read = if way == "old" { old_way } else { new_way };
    let entries = entries(&data::load().spread(EVENTS));
    let mut n = 0;
    for _ in 0..rounds {
        n += entries
            .iter()
            .map(|(d, j)| read(&matcher, d, j))
            .sum::<usize>();
    }
    println!("{n} matches");
}
