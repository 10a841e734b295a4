//! The two matchers behind one small interface: build from a rule set, count the patterns
//! an event matches. Both return the matching ids as a fresh `Vec` (`Matcher::matches`,
//! `Quamina::matches_for_event`), so the comparison includes the same allocation.

use eddy_pattern::Matcher;
use quamina::{Quamina, QuaminaBuilder};

use crate::rules::Rule;

/// A pattern matcher under test.
pub trait Engine: Sized {
    /// Adds every rule, rule `i` under id `i`.
    fn build(rules: &[Rule]) -> Self;
    /// How many rules the event matches.
    fn count(&self, event: &[u8]) -> usize;
    /// The ids of the rules the event matches, sorted.
    fn ids(&self, event: &[u8]) -> Vec<u32>;
}

/// Eddy's compiled matcher.
pub struct Eddy(Matcher<u32>);

impl Engine for Eddy {
    fn build(rules: &[Rule]) -> Eddy {
        let mut m = Matcher::new();
        for (i, r) in rules.iter().enumerate() {
            if let Err(e) = m.add(i as u32, r.eddy.as_bytes()) {
                panic!("eddy rejects {}: {e}", r.eddy);
            }
        }
        Eddy(m)
    }

    fn count(&self, event: &[u8]) -> usize {
        self.0
            .matches(event)
            .expect("bench events are JSON objects")
            .len()
    }

    fn ids(&self, event: &[u8]) -> Vec<u32> {
        let mut v = self
            .0
            .matches(event)
            .expect("bench events are JSON objects");
        v.sort_unstable();
        v
    }
}

impl Eddy {
    /// How many rules the event matches, read as a plain event
    /// (`Matcher::for_each_match_plain`, as the bus calls it: stops reading once every
    /// named field has been read, and hands over the keys without a vector).
    pub fn count_plain(&self, event: &[u8]) -> usize {
        let mut n = 0;
        self.0
            .for_each_match_plain(event, |_| n += 1)
            .expect("bench events are JSON objects");
        n
    }
}

/// The `quamina` crate in its default (`BuiltForComfort`) mode, with its per-field automaton
/// budget raised from 10 MB to 1 GiB: 10,000 numeric ranges on one field need about 100 MB.
pub struct Q(Quamina<u32>);

impl Engine for Q {
    fn build(rules: &[Rule]) -> Q {
        let mut q = QuaminaBuilder::new()
            .with_arena_byte_budget(1 << 30)
            .build()
            .expect("quamina builder");
        for (i, r) in rules.iter().enumerate() {
            for p in &r.quamina {
                if let Err(e) = q.add_pattern(i as u32, p) {
                    panic!("quamina rejects {p}: {e}");
                }
            }
        }
        Q(q)
    }

    fn count(&self, event: &[u8]) -> usize {
        self.0
            .matches_for_event(event)
            .expect("bench events are JSON objects")
            .len()
    }

    fn ids(&self, event: &[u8]) -> Vec<u32> {
        let mut v = self
            .0
            .matches_for_event(event)
            .expect("bench events are JSON objects");
        v.sort_unstable();
        v
    }
}

/// Events with at least one match, and matches in all, over `events`.
pub fn tally(engine: &impl Engine, events: &[&[u8]]) -> (usize, usize) {
    events.iter().fold((0, 0), |(hit, all), e| {
        let n = engine.count(e);
        (hit + usize::from(n > 0), all + n)
    })
}
