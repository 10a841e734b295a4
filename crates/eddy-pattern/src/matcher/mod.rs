//! Many patterns compiled into one matcher.
//!
//! Structure: a trie of the key segments that any pattern names drives a single scan of
//! the event's bytes (`scan`); each named path has a [`field::FieldIndex`] that maps a leaf
//! value to the *slots* (one per field test of a branch) it satisfies, through hash maps,
//! length-bucketed prefix/suffix maps, an interval tree and network maps rather than a
//! walk over patterns. A branch matches when all its slots are hit (counted with
//! generation stamps, so nothing is cleared between events), the paths it needs absent
//! are absent, and the hits lie in consistent array elements. The cost of an event is
//! therefore the scan plus the work for the slots it actually hits, nearly independent of
//! how many patterns are loaded.

mod consistency;
mod field;
mod lens;
mod numeric;
pub mod scan;

use std::cell::RefCell;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::pattern::{self, Limits, Pattern, Test};
use crate::value::Leaf;
use field::FieldIndex;
use scan::{RawLeaf, ScanError, Trie};

pub(crate) type SlotId = u32;
pub(crate) type PathId = u32;
type BranchId = u32;

/// Why a pattern could not be added or an event could not be matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The pattern is invalid.
    #[error(transparent)]
    InvalidPattern(#[from] pattern::Error),
    /// The matcher holds as many field tests as its limits allow.
    #[error("matcher is full: {0} field tests, the limit")]
    TooManyTests(usize),
    /// The event is not a JSON object or is malformed.
    #[error(transparent)]
    InvalidEvent(#[from] ScanError),
}

/// Capacity limits of one matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatcherLimits {
    /// Limits applied to each pattern.
    pub pattern: Limits,
    /// Most field tests (slots) over all patterns.
    pub max_slots: usize,
}

impl Default for MatcherLimits {
    fn default() -> MatcherLimits {
        MatcherLimits {
            pattern: Limits::default(),
            max_slots: 10_000_000,
        }
    }
}

/// What a slot needs from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotKind {
    /// A leaf passing one of the tests.
    Hit,
    /// A passing leaf, or no leaf at all (the field also says `exists: false`).
    HitOrAbsent,
}

#[derive(Debug)]
struct SlotEntry {
    branch: BranchId,
    kind: SlotKind,
}

#[derive(Debug, Default)]
struct BranchEntry {
    pattern: u32,
    /// Slots of kind `Hit`: all must be hit.
    required: u32,
    /// Per field of the pattern's branch: its path and its slot (none for a field that
    /// only says `exists: false`).
    fields: Vec<(PathId, Option<SlotId>)>,
}

#[derive(Debug)]
struct PatternEntry<K> {
    key: K,
    pattern: Pattern,
    branches: Vec<BranchId>,
}

/// A set of patterns, each under a key, matched together against events.
#[derive(Debug)]
pub struct Matcher<K> {
    limits: MatcherLimits,
    keys: FxHashMap<K, u32>,
    patterns: Vec<Option<PatternEntry<K>>>,
    free_patterns: Vec<u32>,
    branches: Vec<BranchEntry>,
    free_branches: Vec<BranchId>,
    slots: Vec<Option<SlotEntry>>,
    free_slots: Vec<SlotId>,
    live_slots: usize,
    paths: FxHashMap<String, PathId>,
    fields: Vec<FieldIndex>,
    trie: Trie,
    /// Branches with no `Hit` slot: checked on every event.
    always: Vec<BranchId>,
}

impl<K: Clone + Eq + Hash> Default for Matcher<K> {
    fn default() -> Self {
        Matcher::new()
    }
}

impl<K: Clone + Eq + Hash> Matcher<K> {
    /// An empty matcher with default limits.
    pub fn new() -> Matcher<K> {
        Matcher::with_limits(MatcherLimits::default())
    }

    /// An empty matcher.
    pub fn with_limits(limits: MatcherLimits) -> Matcher<K> {
        Matcher {
            limits,
            keys: FxHashMap::default(),
            patterns: Vec::new(),
            free_patterns: Vec::new(),
            branches: Vec::new(),
            free_branches: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            live_slots: 0,
            paths: FxHashMap::default(),
            fields: Vec::new(),
            trie: Trie::new(),
            always: Vec::new(),
        }
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Parses `pattern` and adds it under `key`, replacing any pattern with that key.
    pub fn add(&mut self, key: K, pattern: &[u8]) -> Result<(), Error> {
        let p = Pattern::parse_with(pattern, &self.limits.pattern)?;
        self.add_pattern(key, p)
    }

    /// Adds a parsed pattern under `key`, replacing any pattern with that key.
    pub fn add_pattern(&mut self, key: K, pattern: Pattern) -> Result<(), Error> {
        // Count slots as they are made (none for a field that only says `exists: false`):
        // counting fields made `replaced` exceed `live_slots` and the subtraction overflow.
        let needed = slot_count(&pattern);
        let replaced = self
            .keys
            .get(&key)
            .and_then(|&i| self.patterns[i as usize].as_ref())
            .map_or(0, |e| slot_count(&e.pattern));
        if self.live_slots - replaced + needed > self.limits.max_slots {
            return Err(Error::TooManyTests(self.limits.max_slots));
        }
        self.remove(&key);
        let index = match self.free_patterns.pop() {
            Some(i) => i,
            None => {
                self.patterns.push(None);
                (self.patterns.len() - 1) as u32
            }
        };
        let mut branch_ids = Vec::with_capacity(pattern.branches.len());
        for branch in &pattern.branches {
            let b = self.new_branch(index);
            let mut required = 0;
            for field in &branch.fields {
                let path = self.path_id(&field.path);
                let absent_ok = field.tests.iter().any(|t| matches!(t, Test::Exists(false)));
                let positive = field
                    .tests
                    .iter()
                    .any(|t| !matches!(t, Test::Exists(false)));
                let slot = positive.then(|| {
                    let kind = if absent_ok {
                        SlotKind::HitOrAbsent
                    } else {
                        SlotKind::Hit
                    };
                    required += u32::from(kind == SlotKind::Hit);
                    let s = self.new_slot(SlotEntry { branch: b, kind });
                    for t in &field.tests {
                        self.fields[path as usize].insert(t, s);
                    }
                    s
                });
                self.branches[b as usize].fields.push((path, slot));
            }
            self.branches[b as usize].required = required;
            if required == 0 {
                self.always.push(b);
            }
            branch_ids.push(b);
        }
        self.patterns[index as usize] = Some(PatternEntry {
            key: key.clone(),
            pattern,
            branches: branch_ids,
        });
        self.keys.insert(key, index);
        Ok(())
    }

    /// Removes the pattern under `key`; returns whether there was one.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(index) = self.keys.remove(key) else {
            return false;
        };
        let entry = self.patterns[index as usize]
            .take()
            .expect("keys point at live patterns");
        for (branch, &b) in entry.pattern.branches.iter().zip(&entry.branches) {
            let fields = std::mem::take(&mut self.branches[b as usize].fields);
            for (field, (path, slot)) in branch.fields.iter().zip(fields) {
                if let Some(s) = slot {
                    for t in &field.tests {
                        self.fields[path as usize].remove(t, s);
                    }
                    self.slots[s as usize] = None;
                    self.free_slots.push(s);
                    self.live_slots -= 1;
                }
            }
            if self.branches[b as usize].required == 0 {
                self.always.retain(|&x| x != b);
            }
            self.branches[b as usize] = BranchEntry::default();
            self.free_branches.push(b);
        }
        self.free_patterns.push(index);
        true
    }

    /// The pattern under `key`.
    pub fn get(&self, key: &K) -> Option<&Pattern> {
        let i = *self.keys.get(key)?;
        self.patterns[i as usize].as_ref().map(|e| &e.pattern)
    }

    fn new_branch(&mut self, pattern: u32) -> BranchId {
        let entry = BranchEntry {
            pattern,
            required: 0,
            fields: Vec::new(),
        };
        match self.free_branches.pop() {
            Some(b) => {
                self.branches[b as usize] = entry;
                b
            }
            None => {
                self.branches.push(entry);
                (self.branches.len() - 1) as BranchId
            }
        }
    }

    fn new_slot(&mut self, entry: SlotEntry) -> SlotId {
        self.live_slots += 1;
        match self.free_slots.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(entry);
                s
            }
            None => {
                self.slots.push(Some(entry));
                (self.slots.len() - 1) as SlotId
            }
        }
    }

    fn path_id(&mut self, path: &str) -> PathId {
        if let Some(&p) = self.paths.get(path) {
            return p;
        }
        let p = self.fields.len() as PathId;
        self.fields.push(FieldIndex::default());
        self.paths.insert(path.to_owned(), p);
        self.trie.insert(path, p);
        p
    }

    /// The keys of all patterns that match the event (raw JSON bytes of an object), each
    /// once, in no particular order.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<K>, Error> {
        let mut out = Vec::new();
        self.matches_into(event, &mut out)?;
        Ok(out)
    }

    /// Like [`Matcher::matches`], appending to `out` (which is not cleared).
    pub fn matches_into(&self, event: &[u8], out: &mut Vec<K>) -> Result<(), Error> {
        SCRATCH.with(|s| {
            let mut scratch = s.borrow_mut();
            self.run(event, &mut scratch, |k| out.push(k.clone()))
        })
    }

    /// Whether any pattern matches the event.
    pub fn has_match(&self, event: &[u8]) -> Result<bool, Error> {
        let mut any = false;
        SCRATCH.with(|s| self.run(event, &mut s.borrow_mut(), |_| any = true))?;
        Ok(any)
    }

    /// Matches an already parsed event.
    pub fn matches_value(&self, event: &crate::json::Value) -> Result<Vec<K>, Error> {
        self.matches(event.to_json().as_bytes())
    }

    fn run(
        &self,
        event: &[u8],
        scratch: &mut Scratch,
        mut emit: impl FnMut(&K),
    ) -> Result<(), Error> {
        scratch.begin(self);
        let mut sink = MatchSink {
            m: self,
            s: scratch,
        };
        scan::scan(&self.trie, event, &mut sink)?;
        let s = sink.s;
        for &b in &self.always {
            if s.branch_stamp[b as usize] != s.gen {
                s.branch_stamp[b as usize] = s.gen;
                s.branch_count[b as usize] = 0;
                s.candidates.push(b);
            }
        }
        let candidates = std::mem::take(&mut s.candidates);
        for &b in &candidates {
            let entry = &self.branches[b as usize];
            if s.pattern_stamp[entry.pattern as usize] == s.gen
                || s.branch_count[b as usize] != entry.required
            {
                continue;
            }
            if self.branch_holds(b, s) {
                s.pattern_stamp[entry.pattern as usize] = s.gen;
                let p = self.patterns[entry.pattern as usize]
                    .as_ref()
                    .expect("live branch has a live pattern");
                emit(&p.key);
            }
        }
        s.candidates = candidates;
        s.candidates.clear();
        Ok(())
    }

    /// All slots are counted; checks absences and array consistency.
    fn branch_holds(&self, b: BranchId, s: &mut Scratch) -> bool {
        let gen = s.gen;
        let mut constrained = 0;
        for &(path, slot) in &self.branches[b as usize].fields {
            let present = s.path_stamp[path as usize] == gen;
            match slot {
                None if present => return false,
                None => {}
                Some(slot) => {
                    let hit = s.slot_stamp[slot as usize] == gen;
                    if !hit && present {
                        // HitOrAbsent with a leaf present that passes nothing.
                        return false;
                    }
                    if hit && s.slot_free[slot as usize] != gen {
                        constrained += 1;
                    }
                }
            }
        }
        constrained < 2 || self.consistent(b, s)
    }

    /// Whether one hit per constrained slot can be chosen with compatible array trails.
    fn consistent(&self, b: BranchId, s: &Scratch) -> bool {
        let gen = s.gen;
        let mut options: Vec<Vec<consistency::Trail<'_>>> = Vec::new();
        for &(_, slot) in &self.branches[b as usize].fields {
            let Some(slot) = slot else { continue };
            if s.slot_stamp[slot as usize] != gen || s.slot_free[slot as usize] == gen {
                continue;
            }
            let trails = s
                .hits
                .iter()
                .filter(|h| h.slot == slot)
                .map(|h| &s.trails[h.trail.0 as usize..(h.trail.0 + h.trail.1) as usize])
                .collect();
            options.push(trails);
        }
        consistency::consistent(&mut options)
    }
}

/// The slots a pattern takes: one per field with a test other than `exists: false`.
fn slot_count(pattern: &Pattern) -> usize {
    pattern
        .branches
        .iter()
        .flat_map(|b| &b.fields)
        .filter(|f| f.tests.iter().any(|t| !matches!(t, Test::Exists(false))))
        .count()
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    slot: SlotId,
    /// Start and length in `Scratch::trails`.
    trail: (u32, u32),
}

/// Per-thread working memory for matching; stamps avoid clearing between events.
#[derive(Debug, Default)]
struct Scratch {
    gen: u32,
    branch_stamp: Vec<u32>,
    branch_count: Vec<u32>,
    slot_stamp: Vec<u32>,
    /// Stamped when a slot has a hit outside any array (compatible with everything).
    slot_free: Vec<u32>,
    path_stamp: Vec<u32>,
    pattern_stamp: Vec<u32>,
    candidates: Vec<BranchId>,
    hits: Vec<Hit>,
    trails: Vec<(u32, u32)>,
    hit_buf: Vec<SlotId>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    fn begin<K>(&mut self, m: &Matcher<K>) {
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            // Stamps wrapped: forget them all.
            for v in [
                &mut self.branch_stamp,
                &mut self.slot_stamp,
                &mut self.slot_free,
                &mut self.path_stamp,
                &mut self.pattern_stamp,
            ] {
                v.iter_mut().for_each(|x| *x = 0);
            }
            self.gen = 1;
        }
        grow(&mut self.branch_stamp, m.branches.len());
        grow(&mut self.branch_count, m.branches.len());
        grow(&mut self.slot_stamp, m.slots.len());
        grow(&mut self.slot_free, m.slots.len());
        grow(&mut self.path_stamp, m.fields.len());
        grow(&mut self.pattern_stamp, m.patterns.len());
        self.candidates.clear();
        self.hits.clear();
        self.trails.clear();
    }
}

fn grow(v: &mut Vec<u32>, n: usize) {
    if v.len() < n {
        v.resize(n, 0);
    }
}

struct MatchSink<'m, 's, K> {
    m: &'m Matcher<K>,
    s: &'s mut Scratch,
}

impl<K> scan::Sink for MatchSink<'_, '_, K> {
    fn leaf(&mut self, path: PathId, raw: RawLeaf<'_>, trail: &[(u32, u32)]) {
        let s = &mut *self.s;
        s.path_stamp[path as usize] = s.gen;
        let field = &self.m.fields[path as usize];
        if field.is_empty() {
            return;
        }
        let decoded;
        let leaf = match raw {
            RawLeaf::Str(bytes, false) => match std::str::from_utf8(bytes) {
                Ok(t) => Leaf::String(t),
                // Not UTF-8: read it as `json::parse` does (bad sequences become U+FFFD)
                // rather than dropping it, which left a present leaf passing neither
                // `exists: true` nor `exists: false`.
                Err(_) => {
                    decoded = String::from_utf8_lossy(bytes).into_owned();
                    Leaf::String(&decoded)
                }
            },
            RawLeaf::Str(bytes, true) => {
                let mut quoted = Vec::with_capacity(bytes.len() + 2);
                quoted.push(b'"');
                quoted.extend_from_slice(bytes);
                quoted.push(b'"');
                decoded = match crate::json::decode_string(&quoted, 0) {
                    Ok((t, _)) => t,
                    Err(_) => return,
                };
                Leaf::String(&decoded)
            }
            RawLeaf::Num(text) => {
                let value = if field.wants_number() {
                    text.parse().unwrap_or(f64::NAN)
                } else {
                    f64::NAN
                };
                Leaf::Number(value, text)
            }
            RawLeaf::True => Leaf::Bool(true),
            RawLeaf::False => Leaf::Bool(false),
            RawLeaf::Null => Leaf::Null,
        };
        let mut buf = std::mem::take(&mut s.hit_buf);
        buf.clear();
        field.matches(&leaf, |slot| buf.push(slot));
        if buf.is_empty() {
            s.hit_buf = buf;
            return;
        }
        let trail_ref = if trail.is_empty() {
            None
        } else {
            let start = s.trails.len() as u32;
            s.trails.extend_from_slice(trail);
            Some((start, trail.len() as u32))
        };
        for &slot in &buf {
            let entry = self.m.slots[slot as usize]
                .as_ref()
                .expect("indexed slots are live");
            let b = entry.branch as usize;
            if s.branch_stamp[b] != s.gen {
                s.branch_stamp[b] = s.gen;
                s.branch_count[b] = 0;
                s.candidates.push(entry.branch);
            }
            if s.slot_stamp[slot as usize] != s.gen {
                s.slot_stamp[slot as usize] = s.gen;
                if entry.kind == SlotKind::Hit {
                    s.branch_count[b] += 1;
                }
            }
            match trail_ref {
                None => s.slot_free[slot as usize] = s.gen,
                Some(trail) => s.hits.push(Hit { slot, trail }),
            }
        }
        s.hit_buf = buf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (found by tests/properties.rs): a string leaf that is not UTF-8 was
    /// dropped after marking its path present, so it passed neither `exists: true` nor
    /// `exists: false`; it is now read as `json::parse` reads it, as the reference does.
    #[test]
    fn strings_that_are_not_utf8_are_read_lossily() {
        let mut m = Matcher::new();
        m.add(1, br#"{"a":[{"exists":true}]}"#).expect("valid");
        m.add(2, br#"{"a":[{"exists":false}]}"#).expect("valid");
        m.add(3, br#"{"a":[{"anything-but":{"prefix":"x"}}]}"#)
            .expect("valid");
        m.add(4, "{\"a\":[{\"prefix\":\"\u{FFFD}\"}]}".as_bytes())
            .expect("valid");
        m.add(5, "{\"\u{FFFD}\":[{\"exists\":true}]}".as_bytes())
            .expect("valid");
        let mut got = m.matches(b"{\"a\":\"\xffx\"}").expect("scanned");
        got.sort_unstable();
        assert_eq!(got, vec![1, 3, 4]);
        let mut got = m.matches(b"{\"\xff\":1}").expect("scanned");
        got.sort_unstable();
        assert_eq!(got, vec![2, 5]);
    }

    /// Regression (found by tests/properties.rs): replacing a pattern whose fields only
    /// say `exists: false` (so it holds no slots) overflowed the slot count.
    #[test]
    fn replacing_a_pattern_without_slots() {
        let mut m = Matcher::new();
        m.add(1, br#"{"a":[{"exists":false}]}"#).expect("valid");
        m.add(1, br#"{"a":[{"exists":false}],"b":[{"exists":false}]}"#)
            .expect("replaces");
        assert_eq!(m.matches(br#"{"c":1}"#), Ok(vec![1]));
        m.add(1, br#"{"a":[1]}"#).expect("replaces");
        assert_eq!(m.matches(br#"{"a":1}"#), Ok(vec![1]));
        let mut small = Matcher::with_limits(MatcherLimits {
            max_slots: 1,
            ..MatcherLimits::default()
        });
        small
            .add(1, br#"{"a":[1],"b":[{"exists":false}]}"#)
            .expect("one slot");
        small
            .add(2, br#"{"b":[{"exists":false}]}"#)
            .expect("no slot");
        assert_eq!(small.add(3, br#"{"c":[1]}"#), Err(Error::TooManyTests(1)));
        small
            .add(1, br#"{"c":[1]}"#)
            .expect("replaces its one slot");
    }
}
