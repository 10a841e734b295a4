//! Many patterns compiled into one matcher.
//!
//! Structure: a trie of the key segments that any pattern names drives a single scan of
//! the event's bytes (`scan`), which records the leaves on named paths. Each branch (one
//! alternative of a pattern) picks one *key field*, the one whose tests select fewest
//! branches: a test's breadth by its kind (a one-byte string counts as few-valued) times
//! how many branches share it, and, among many branches, four times that on a path few
//! others key on (every keyed path keeps the scan of a plain event reading until it is
//! seen). Keys are chosen again at 64, 128, 256, … branches. Each named path has a
//! [`field::FieldIndex`] of the key fields' tests, which maps a leaf value to the branches
//! it may satisfy through hash maps, length-bucketed prefix/suffix maps, an interval tree
//! and network maps rather than a walk over patterns. Many branches keyed on one shared
//! test with a hit needed on one other path are a [`Group`] there: the test selects the
//! group, and the group's own index of the other path selects its members.
//! Only those candidate branches are then checked in full: their other fields against the
//! recorded leaves of their paths, absences, and array consistency. Generation stamps mean
//! nothing is cleared between events. The cost of an event is therefore the scan plus the
//! work for the branches its values select, nearly independent of how many patterns are
//! loaded.

mod consistency;
mod field;
mod lens;
mod numeric;
pub mod scan;
mod slots;

use std::cell::RefCell;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::pattern::{self, AnythingBut, Field, Limits, Pattern, Test};
use crate::value::{Leaf, Literal};
use crate::wildcard::Wildcard;
use field::FieldIndex;
use scan::{Mode, RawLeaf, ScanError, Stop, Trie};
use slots::StrKey;

/// What a [`FieldIndex`] reports: a branch, or with [`DIRECT`] set, a pattern.
pub(crate) type SlotId = u32;

/// Set in a [`SlotId`] that stands for a pattern rather than a branch: a pattern of one
/// branch with one field, which matches when a leaf passes one of its tests, so that a
/// hit needs no candidate check and is emitted as it is (see [`Matcher::slot_of`]).
const DIRECT: SlotId = 1 << 31;

/// From how many branches keyed on one test, with a hit needed on one other path, they
/// are indexed as a [`Group`]; below half as many, one by one again.
const GROUP_FROM: usize = 8;
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
    /// Most fields with a test other than `exists: false`, over all patterns.
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

/// What a field of a branch needs from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// A leaf passing one of the tests.
    Hit,
    /// A passing leaf, or no leaf at all (the field also says `exists: false`).
    HitOrAbsent,
    /// No leaf (the field only says `exists: false`).
    Absent,
}

#[derive(Debug, Default)]
struct BranchEntry {
    /// Per field of the pattern's branch: its path and what it needs.
    fields: Vec<(PathId, Need)>,
    /// The field whose tests are indexed; none for branches checked on every event.
    key: Option<usize>,
    /// Some of its [`Slim::needs`] are [`edge_bit`]s (set when it is indexed).
    edges: bool,
    /// The [`Group`] it is a member of, and its field that the group indexes (set when it
    /// is indexed).
    group: Option<(u32, usize)>,
}

/// Branches whose key fields hold one and the same single test, and which all need a hit
/// on one other path too. When they are many, the key test is indexed once for them all
/// (under the group's slot), and a second index, of the members' tests on the other path, says
/// which of them an event's leaves there select: a value shared by thousands of branches
/// (a `source`, a status) then costs a lookup, not a check of each.
#[derive(Debug)]
struct Group {
    key_path: PathId,
    key_test: Test,
    other: PathId,
    /// The members' tests on `other`, each under its member.
    index: FieldIndex,
    members: Vec<BranchId>,
    /// The key test is in `fields[key_path]` under the group's slot, not under each
    /// member's ([`GROUP_FROM`] members or more).
    active: bool,
    /// The group's slot: a branch of its own, with [`Slim::group`] set, so that a hit
    /// on the key test makes it a candidate like any branch.
    slot: BranchId,
}

/// What names a [`Group`] in [`Matcher::group_of`]: its key path, key test (as its `Debug`
/// text, which tells any two tests apart) and other path.
fn group_id(key_path: PathId, key_test: &Test, other: PathId) -> (PathId, String, PathId) {
    (key_path, format!("{key_test:?}"), other)
}

/// A field of a branch, as checking a candidate reads it.
#[derive(Debug)]
struct Check {
    path: PathId,
    need: Need,
    test: CheckTest,
    /// The field's place among its branch's fields ordered by path, the order in which
    /// EventBridge reads them (it decides what `exists: false` in arrays means).
    rank: u32,
}

impl Check {
    /// What this field puts in its branch's [`Slim::needs`], if it needs a hit: the
    /// [`value_bit`] of one exact string, or the [`edge_bit`] of one prefix's first or one
    /// suffix's last byte (the second of the pair).
    fn need_bits(&self) -> (u64, u64) {
        if self.need != Need::Hit {
            return (0, 0);
        }
        let edge = |end, byte: Option<&u8>| byte.map_or(0, |&b| edge_bit(self.path, end, b));
        match &self.test {
            CheckTest::Str(k) => (value_bit(self.path, k.as_bytes()), 0),
            CheckTest::Prefix(k) => (0, edge(b'^', k.as_bytes().first())),
            CheckTest::Suffix(k) => (0, edge(b'$', k.as_bytes().last())),
            _ => (0, 0),
        }
    }
}

#[derive(Debug)]
enum CheckTest {
    /// One exact string, the most common test besides a key field, compared in place.
    Str(StrKey),
    /// Exact strings, prefixes, suffixes and wildcards, all case-sensitive: compared as
    /// bytes (a recorded string leaf is UTF-8), without making a [`Leaf`] of the value.
    Bytes(Box<[BytesTest]>),
    /// One `prefix`, compared in place.
    Prefix(StrKey),
    /// One `suffix`, compared in place.
    Suffix(StrKey),
    /// One `equals-ignore-case` of ASCII text, compared in place.
    Caseless(StrKey),
    /// `anything-but` a list of strings: any leaf but a string among them passes.
    NotStrs(Box<[StrKey]>),
    /// [`CheckTest::NotStrs`] for a few short strings, held in place (no read behind a
    /// pointer for the candidates it checks).
    NotFew(FewStrs),
    /// One `numeric` range (or `=`): a recorded number passes when in it and exactly its
    /// double (see [`crate::value::is_comparable`]), read without making a [`Leaf`].
    Range(Box<pattern::Range>),
    /// Any other tests: a leaf passes if it passes one.
    Tests(Box<[Test]>),
}

/// Up to [`FewStrs::MOST`] strings of [`FewStrs::ROOM`] bytes in all, one after another
/// (see [`CheckTest::NotFew`]).
#[derive(Debug)]
struct FewStrs {
    /// Each string's length, [`FewStrs::NONE`] past the last.
    lens: [u8; FewStrs::MOST],
    bytes: [u8; FewStrs::ROOM],
}

impl FewStrs {
    const MOST: usize = 3;
    const ROOM: usize = 28;
    const NONE: u8 = u8::MAX;

    /// The strings packed, or `None` if they are too many or too long.
    fn new(texts: &[&str]) -> Option<FewStrs> {
        if texts.len() > Self::MOST || texts.iter().map(|t| t.len()).sum::<usize>() > Self::ROOM {
            return None;
        }
        let mut few = FewStrs {
            lens: [Self::NONE; Self::MOST],
            bytes: [0; Self::ROOM],
        };
        let mut at = 0;
        for (len, text) in few.lens.iter_mut().zip(texts) {
            *len = text.len() as u8;
            few.bytes[at..at + text.len()].copy_from_slice(text.as_bytes());
            at += text.len();
        }
        Some(few)
    }

    /// Whether `value` is one of the strings.
    #[inline]
    fn contains(&self, value: &[u8]) -> bool {
        let mut at = 0;
        for &len in self.lens.iter().take_while(|&&l| l != Self::NONE) {
            let len = usize::from(len);
            if self.bytes.get(at..at + len) == Some(value) {
                return true;
            }
            at += len;
        }
        false
    }
}

/// See [`CheckTest::Bytes`].
#[derive(Debug)]
enum BytesTest {
    Exact(Box<[u8]>),
    Prefix(Box<[u8]>),
    Suffix(Box<[u8]>),
    Wildcard(Wildcard),
}

impl BytesTest {
    fn of(test: &Test) -> Option<BytesTest> {
        let bytes = |t: &String| t.as_bytes().into();
        Some(match test {
            Test::Exact(Literal::String(t)) => BytesTest::Exact(bytes(t)),
            Test::Prefix {
                text,
                ignore_case: false,
            } => BytesTest::Prefix(bytes(text)),
            Test::Suffix {
                text,
                ignore_case: false,
            } => BytesTest::Suffix(bytes(text)),
            Test::Wildcard(w) => BytesTest::Wildcard(w.clone()),
            _ => return None,
        })
    }

    #[inline]
    fn passes(&self, value: &[u8]) -> bool {
        match self {
            BytesTest::Exact(t) => value == &t[..],
            BytesTest::Prefix(t) => value.starts_with(t),
            BytesTest::Suffix(t) => value.ends_with(t),
            BytesTest::Wildcard(w) => w.matches_bytes(value),
        }
    }
}

impl CheckTest {
    fn new(field: &Field) -> CheckTest {
        let tests = field.tests.as_slice();
        CheckTest::in_place(tests).unwrap_or_else(|| {
            match tests
                .iter()
                .map(BytesTest::of)
                .collect::<Option<Box<[_]>>>()
            {
                Some(bytes) => CheckTest::Bytes(bytes),
                None => CheckTest::Tests(tests.into()),
            }
        })
    }

    /// The usual single tests, held in the check itself.
    fn in_place(tests: &[Test]) -> Option<CheckTest> {
        let key = |text: &str| StrKey::new(text.as_bytes());
        Some(match tests {
            [Test::Exact(Literal::String(s))] => CheckTest::Str(key(s)),
            [Test::Prefix {
                text,
                ignore_case: false,
            }] => CheckTest::Prefix(key(text)),
            [Test::Suffix {
                text,
                ignore_case: false,
            }] => CheckTest::Suffix(key(text)),
            [Test::EqualsIgnoreCase(s)] if s.is_ascii() => CheckTest::Caseless(key(s)),
            [Test::Numeric(r)] => CheckTest::Range(Box::new(*r)),
            [Test::AnythingBut(AnythingBut::Values(values))] => {
                let texts = values
                    .iter()
                    .map(|v| match v {
                        Literal::String(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                match FewStrs::new(&texts) {
                    Some(few) => CheckTest::NotFew(few),
                    None => CheckTest::NotStrs(texts.iter().map(|t| key(t)).collect()),
                }
            }
            _ => return None,
        })
    }
}

/// See [`Matcher::slim`]. Aligned to its size, so that reading one reads one cache line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
struct Slim {
    pattern: u32,
    /// The index of the key field in the branch's checks, or [`NO_KEY`].
    key: u32,
    /// A bit per field that needs one exact string ([`value_bit`] of its path and
    /// string), one prefix or one suffix ([`edge_bit`] of its first or last byte): an
    /// event whose [`Scratch::values`] lacks one of them cannot satisfy the branch, which
    /// is then dropped without reading its checks.
    needs: u64,
    /// Where the branch's fields are in [`Matcher::checks`], and how many.
    checks: usize,
    fields: u32,
    /// The branch has one field, its key field: being selected means it holds.
    only_key: bool,
    /// The branch is its pattern's only one: when it holds, no other branch of the
    /// pattern has emitted it already.
    alone: bool,
    /// Not a branch but a [`Group`]'s slot, the group's number in `pattern`.
    group: bool,
}

#[derive(Debug)]
struct PatternEntry {
    pattern: Pattern,
    branches: Vec<BranchId>,
}

/// A set of patterns, each under a key, matched together against events.
#[derive(Debug)]
pub struct Matcher<K> {
    limits: MatcherLimits,
    keys: FxHashMap<K, u32>,
    patterns: Vec<Option<PatternEntry>>,
    free_patterns: Vec<u32>,
    branches: Vec<BranchEntry>,
    /// Per branch, what the loop over candidates reads: small and dense, so that it stays
    /// in cache when `branches` does not.
    slim: Vec<Slim>,
    /// What checking a candidate reads, a field of its branch each, in order: the
    /// branches' fields one after another in one block (where a branch's are, its
    /// [`Slim`] says), so that a candidate's [`Slim`] leads to them with one load.
    checks: Vec<Check>,
    /// How many of `checks` belong to removed branches: the block is compacted when they
    /// outnumber the live ones.
    dead_checks: usize,
    /// How many branches have [`Slim::needs`]: while some do, the scan notes the event's
    /// string values in [`Scratch::values`].
    needing_branches: usize,
    /// How many of those have [`edge_bit`]s: while some do, the scan notes them too.
    needing_edges: usize,
    /// Per pattern (by index in `patterns`), its key: what a match emits.
    emit_keys: Vec<Option<K>>,
    free_branches: Vec<BranchId>,
    live_branches: usize,
    live_slots: usize,
    paths: FxHashMap<String, PathId>,
    fields: Vec<FieldIndex>,
    /// Per path, how many indexed branches may read its leaves when checked (all but
    /// those selected through their only field, and those with their key field on it that
    /// need a hit on every field: [`Matcher::key_recorded`]): a path none reads is not
    /// recorded.
    recorded: Vec<u32>,
    /// Per path, how many indexed branches have their key field on it and read its
    /// leaves back only from array elements (see [`Matcher::count_reads`]): a leaf
    /// outside arrays on such a path alone is not recorded.
    key_recorded: Vec<u32>,
    /// How many paths have key-field tests (a non-empty [`FieldIndex`]): once a plain
    /// event has given each of them its leaf with no branch selected, nothing can match.
    keyed_paths: usize,
    /// Per path, how many indexed branches have their key field on it.
    keying: Vec<u32>,
    /// Per path, the first segment of its name (by number): leaves of a plain event on
    /// paths of one first segment all come from that one top-level entry.
    top: Vec<u32>,
    tops: FxHashMap<String, u32>,
    /// Per path, the key-field paths of the branches counted in [`Matcher::recorded`] for
    /// it, each with how many ([`NO_PATH`] for a branch without a key field): a map, as
    /// thousands of branches keyed on as many paths may read one path.
    readers: Vec<FxHashMap<PathId, u32>>,
    /// Per path: a plain event may leave its leaves unrecorded when, at its first leaf,
    /// every reader's key path (see [`Matcher::readers`]: few, under other top-level
    /// entries) has been read and nothing is a candidate. Then no branch that reads the
    /// path can be checked.
    lazy: Vec<bool>,
    trie: Trie,
    /// Branches with no field that needs a hit: checked on every event.
    always: Vec<BranchId>,
    /// How many fields of all branches carry each test (by path and [`test_key`]): how
    /// many branches a value passing it would select.
    shared: FxHashMap<(PathId, String), u32>,
    /// When the number of branches reaches this, every branch chooses its key field again
    /// with what is known by then.
    rechoose_at: usize,
    /// See [`Group`]; a removed group's place is reused.
    groups: Vec<Group>,
    free_groups: Vec<u32>,
    /// The group of each key path, key test (its `Debug` text) and other path.
    group_of: FxHashMap<(PathId, String, PathId), u32>,
}

impl<K: Clone + Eq + Hash> Default for Matcher<K> {
    fn default() -> Self {
        Matcher::new()
    }
}

/// Fields with a test other than `exists: false`: what [`MatcherLimits::max_slots`] counts.
fn slot_count(pattern: &Pattern) -> usize {
    pattern
        .branches
        .iter()
        .flat_map(|b| &b.fields)
        .filter(|f| need(f) != Need::Absent)
        .count()
}

fn need(field: &Field) -> Need {
    let absent = field.tests.iter().any(|t| matches!(t, Test::Exists(false)));
    let positive = field
        .tests
        .iter()
        .any(|t| !matches!(t, Test::Exists(false)));
    match (positive, absent) {
        (true, false) => Need::Hit,
        (true, true) => Need::HitOrAbsent,
        _ => Need::Absent,
    }
}

/// What makes two tests the same for [`Matcher::shared`], and roughly how many more values
/// a test of that kind passes than an exact value does.
fn test_key(t: &Test) -> (String, u32) {
    match t {
        Test::Exact(Literal::String(s)) => (format!("s{s}"), narrowness(s)),
        Test::Exact(Literal::Number(n)) => (format!("n{}", n.value()), 1),
        Test::Exact(Literal::Bool(b)) => (format!("b{b}"), FEW_VALUED),
        Test::Exact(Literal::Null) => ("null".into(), FEW_VALUED),
        Test::EqualsIgnoreCase(s) => (format!("i{s}"), narrowness(s)),
        Test::Prefix { text, .. } if text.is_empty() => ("p".into(), 1000),
        Test::Suffix { text, .. } if text.is_empty() => ("x".into(), 1000),
        Test::Prefix { text, ignore_case } => {
            (format!("p{ignore_case}{text}"), 2 * narrowness(text))
        }
        Test::Suffix { text, ignore_case } => {
            (format!("x{ignore_case}{text}"), 2 * narrowness(text))
        }
        Test::Wildcard(w) if !w.head().is_empty() => {
            (format!("wp{}", w.head()), 3 * narrowness(w.head()))
        }
        Test::Wildcard(w) if !w.tail().is_empty() => {
            (format!("wx{}", w.tail()), 3 * narrowness(w.tail()))
        }
        Test::Wildcard(w) => (format!("w{w:?}"), 500),
        Test::Cidr(c) => (format!("c{c:?}"), 10),
        Test::Numeric(r) => (format!("r{r:?}"), 20),
        Test::Exists(_) => ("e".into(), 10_000),
        Test::AnythingBut(ab) => (format!("a{ab:?}"), 10_000),
    }
}

/// From how many branches a path few of them key on counts as rare (see
/// [`Matcher::index_branch`]).
const RARE_KEY_FROM: usize = 64;
/// A path is rare when fewer than one branch in this many key on it.
const RARE_KEY_SHARE: usize = 64;
/// How many times more a field on a rare path may select and still not key the branch.
const RARE_KEY_COST: u64 = 4;

/// The breadth of a value with two possible values, as booleans (or a string of one byte).
const FEW_VALUED: u32 = 16;

/// How broad a test on a string literal is likely to be, by its length alone: before other
/// patterns show how many share a value, a one-byte value (`"E"` of an odd/even field, a
/// flag) is more likely than a longer one to be what half the events hold, so a longer
/// value on another field of the branch makes the better key.
fn narrowness(text: &str) -> u32 {
    if text.len() <= 1 {
        FEW_VALUED
    } else {
        1
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
            slim: Vec::new(),
            checks: Vec::new(),
            dead_checks: 0,
            needing_branches: 0,
            needing_edges: 0,
            emit_keys: Vec::new(),
            free_branches: Vec::new(),
            live_branches: 0,
            live_slots: 0,
            paths: FxHashMap::default(),
            fields: Vec::new(),
            recorded: Vec::new(),
            key_recorded: Vec::new(),
            keyed_paths: 0,
            keying: Vec::new(),
            top: Vec::new(),
            tops: FxHashMap::default(),
            readers: Vec::new(),
            lazy: Vec::new(),
            trie: Trie::new(),
            always: Vec::new(),
            shared: FxHashMap::default(),
            rechoose_at: 64,
            groups: Vec::new(),
            free_groups: Vec::new(),
            group_of: FxHashMap::default(),
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
        self.live_slots += needed;
        let index = match self.free_patterns.pop() {
            Some(i) => i,
            None => {
                self.patterns.push(None);
                self.emit_keys.push(None);
                (self.patterns.len() - 1) as u32
            }
        };
        let mut branch_ids = Vec::with_capacity(pattern.branches.len());
        for branch in &pattern.branches {
            let fields: Vec<(PathId, Need)> = branch
                .fields
                .iter()
                .map(|f| (self.path_id(&f.path), need(f)))
                .collect();
            for (field, &(path, _)) in branch.fields.iter().zip(&fields) {
                for t in &field.tests {
                    *self.shared.entry((path, test_key(t).0)).or_default() += 1;
                }
            }
            let rank = |f: &Field| branch.fields.iter().filter(|o| o.path < f.path).count() as u32;
            let start = self.checks.len();
            self.checks.extend(
                branch
                    .fields
                    .iter()
                    .zip(&fields)
                    .map(|(f, &(path, need))| Check {
                        path,
                        need,
                        test: CheckTest::new(f),
                        rank: rank(f),
                    }),
            );
            let checks = &self.checks[start..];
            let entry = BranchEntry {
                fields,
                key: None,
                edges: false,
                group: None,
            };
            // Set when the branch is indexed.
            let slim = Slim {
                pattern: index,
                key: NO_KEY,
                needs: 0,
                checks: start,
                fields: checks.len() as u32,
                only_key: false,
                alone: pattern.branches.len() == 1,
                group: false,
            };
            let b = self.new_branch(entry, slim);
            self.live_branches += 1;
            branch_ids.push(b);
        }
        for (branch, &b) in pattern.branches.iter().zip(&branch_ids) {
            self.index_branch(b, &branch.fields);
        }
        self.emit_keys[index as usize] = Some(key.clone());
        self.patterns[index as usize] = Some(PatternEntry {
            pattern,
            branches: branch_ids,
        });
        self.keys.insert(key, index);
        if self.live_branches >= self.rechoose_at {
            self.rechoose_keys();
            self.rechoose_at = self.live_branches * 2;
        }
        Ok(())
    }

    /// A branch id for `entry` and `slim`: a freed one, or a new one.
    fn new_branch(&mut self, entry: BranchEntry, slim: Slim) -> BranchId {
        match self.free_branches.pop() {
            Some(b) => {
                self.branches[b as usize] = entry;
                self.slim[b as usize] = slim;
                b
            }
            None => {
                self.branches.push(entry);
                self.slim.push(slim);
                (self.branches.len() - 1) as BranchId
            }
        }
    }

    /// Chooses the branch's key field, the one whose tests the fewest other fields share,
    /// and indexes its tests; or puts the branch on the always-checked list.
    fn index_branch(&mut self, b: BranchId, tests: &[Field]) {
        let entry = &self.branches[b as usize];
        let key = entry
            .fields
            .iter()
            .enumerate()
            .filter(|(_, (_, need))| *need == Need::Hit)
            .min_by_key(|&(j, &(path, _))| {
                let selects = self.selects(path, &tests[j]);
                // Between fields that select as few, exact values are the cheapest to
                // look up (no case folding, no second step).
                let exact = tests[j].tests.iter().all(|t| matches!(t, Test::Exact(_)));
                // A path few branches key on makes every event read as far as it before
                // the scan can stop: among many branches, a field on a path others key on
                // anyway wins unless it selects several times more.
                let rare = self.live_branches >= RARE_KEY_FROM
                    && (self.keying[path as usize] as usize) * RARE_KEY_SHARE < self.live_branches;
                (selects * if rare { RARE_KEY_COST } else { 1 }, !exact)
            })
            .map(|(j, _)| j);
        self.branches[b as usize].key = key;
        self.slim[b as usize].key = key.map_or(NO_KEY, |j| j as u32);
        let only_key = self.branches[b as usize].fields.len() == 1 && key == Some(0);
        self.slim[b as usize].only_key = only_key;
        // What the other fields need: a candidate's key field passed, so its bits are
        // there (and its leaves outside arrays are not recorded, see `count_reads`). A
        // branch selected through its only field holds: nothing to rule out.
        let slim = self.slim[b as usize];
        let (values, edges) = self.checks[slim.checks..slim.checks + slim.fields as usize]
            .iter()
            .enumerate()
            .filter(|&(j, _)| !only_key && Some(j) != key)
            .map(|(_, c)| c.need_bits())
            .fold((0, 0), |(v, e), (cv, ce)| (v | cv, e | ce));
        let needs = values | edges;
        self.slim[b as usize].needs = needs;
        self.branches[b as usize].edges = edges != 0;
        self.needing_branches += usize::from(needs != 0);
        self.needing_edges += usize::from(edges != 0);
        if !only_key {
            self.count_reads(b, true);
        }
        let slot = self.slot_of(b);
        match key {
            Some(j) => {
                let path = self.branches[b as usize].fields[j].0;
                self.keying[path as usize] += 1;
                let was_empty = self.fields[path as usize].is_empty();
                match self.group_other(b, tests, j) {
                    Some(other) => self.join_group(b, path, &tests[j].tests[0], other, tests),
                    None => {
                        let field = &mut self.fields[path as usize];
                        for t in &tests[j].tests {
                            field.insert(t, slot);
                        }
                    }
                }
                self.keyed_paths += usize::from(was_empty);
            }
            None => self.always.push(b),
        }
    }

    /// Roughly how many branches a leaf passing one of `field`'s tests on `path` selects.
    fn selects(&self, path: PathId, field: &Field) -> u64 {
        field
            .tests
            .iter()
            .map(|t| {
                let (k, breadth) = test_key(t);
                u64::from(breadth) * u64::from(*self.shared.get(&(path, k)).unwrap_or(&1))
            })
            .sum()
    }

    /// For branch `b` keyed on its field `j`: the field of another path that its group
    /// would index (the narrowest that needs a hit), if the key field has one test and
    /// [`GROUP_FROM`] fields or more have that test.
    fn group_other(&self, b: BranchId, tests: &[Field], j: usize) -> Option<usize> {
        let fields = &self.branches[b as usize].fields;
        let [key_test] = tests[j].tests.as_slice() else {
            return None;
        };
        // Few branches share the test: no group (nor the memory of one) for them.
        let sharing = self.shared.get(&(fields[j].0, test_key(key_test).0));
        if sharing.is_none_or(|&n| (n as usize) < GROUP_FROM) {
            return None;
        }
        fields
            .iter()
            .enumerate()
            .filter(|&(i, &(path, need))| i != j && need == Need::Hit && path != fields[j].0)
            .min_by_key(|&(i, &(path, _))| self.selects(path, &tests[i]))
            .map(|(i, _)| i)
    }

    /// Indexes branch `b`, keyed on `key_test` at `key_path`, as a member of the group of
    /// its field `other`'s path: under its own slot while the group is small, through the
    /// group's from [`GROUP_FROM`] members on.
    fn join_group(
        &mut self,
        b: BranchId,
        key_path: PathId,
        key_test: &Test,
        other: usize,
        tests: &[Field],
    ) {
        let other_path = self.branches[b as usize].fields[other].0;
        let id = group_id(key_path, key_test, other_path);
        let g = match self.group_of.get(&id) {
            Some(&g) => g,
            None => {
                let g = self.free_groups.pop().unwrap_or(self.groups.len() as u32);
                let slim = Slim {
                    pattern: g,
                    key: NO_KEY,
                    alone: true,
                    group: true,
                    ..Slim::default()
                };
                let slot = self.new_branch(BranchEntry::default(), slim);
                let group = Group {
                    key_path,
                    key_test: key_test.clone(),
                    other: other_path,
                    index: FieldIndex::default(),
                    members: Vec::new(),
                    active: false,
                    slot,
                };
                match self.groups.get_mut(g as usize) {
                    Some(place) => *place = group,
                    None => self.groups.push(group),
                }
                self.group_of.insert(id, g);
                g
            }
        };
        self.branches[b as usize].group = Some((g, other));
        let group = &mut self.groups[g as usize];
        group.members.push(b);
        for t in &tests[other].tests {
            group.index.insert(t, b);
        }
        let field = &mut self.fields[key_path as usize];
        if group.active {
            return;
        }
        if group.members.len() < GROUP_FROM {
            field.insert(key_test, b);
            return;
        }
        for &m in &group.members[..group.members.len() - 1] {
            field.remove(key_test, m);
        }
        field.insert(key_test, group.slot);
        group.active = true;
    }

    /// Takes branch `b` out of its group, if it has one (see [`Matcher::join_group`]);
    /// returns whether it had.
    fn leave_group(&mut self, b: BranchId, tests: &[Field]) -> bool {
        let Some((g, other)) = self.branches[b as usize].group.take() else {
            return false;
        };
        let group = &mut self.groups[g as usize];
        for t in &tests[other].tests {
            group.index.remove(t, b);
        }
        group.members.retain(|&m| m != b);
        let field = &mut self.fields[group.key_path as usize];
        if !group.active {
            field.remove(&group.key_test, b);
        } else if group.members.len() < GROUP_FROM / 2 {
            field.remove(&group.key_test, group.slot);
            for &m in &group.members {
                field.insert(&group.key_test, m);
            }
            group.active = false;
        }
        if group.members.is_empty() {
            let id = group_id(group.key_path, &group.key_test, group.other);
            self.group_of.remove(&id);
            let slot = group.slot;
            self.groups[g as usize].index = FieldIndex::default();
            self.free_groups.push(g);
            self.slim[slot as usize] = Slim::default();
            self.free_branches.push(slot);
        }
        true
    }

    /// Takes a branch out of the indexes.
    fn unindex_branch(&mut self, b: BranchId, tests: &[Field]) {
        let slot = self.slot_of(b);
        if !self.slim[b as usize].only_key {
            self.count_reads(b, false);
        }
        self.slim[b as usize].only_key = false;
        self.slim[b as usize].key = NO_KEY;
        self.needing_branches -= usize::from(self.slim[b as usize].needs != 0);
        self.needing_edges -= usize::from(self.branches[b as usize].edges);
        self.branches[b as usize].edges = false;
        self.slim[b as usize].needs = 0;
        match self.branches[b as usize].key.take() {
            Some(j) => {
                let path = self.branches[b as usize].fields[j].0;
                self.keying[path as usize] -= 1;
                if !self.leave_group(b, tests) {
                    let field = &mut self.fields[path as usize];
                    for t in &tests[j].tests {
                        field.remove(t, slot);
                    }
                }
                self.keyed_paths -= usize::from(self.fields[path as usize].is_empty());
            }
            None => self.always.retain(|&x| x != b),
        }
    }

    /// What the field index holds for indexed branch `b`: the branch, or [`DIRECT`] and its
    /// pattern when the pattern is that branch alone and the branch its key field alone.
    fn slot_of(&self, b: BranchId) -> SlotId {
        let slim = &self.slim[b as usize];
        if slim.only_key && slim.alone {
            debug_assert!(slim.pattern < DIRECT);
            DIRECT | slim.pattern
        } else {
            b
        }
    }

    /// Counts (or, with `add` false, uncounts) the paths whose leaves checking branch `b`
    /// reads back, in [`Matcher::recorded`]; its key field's path in
    /// [`Matcher::key_recorded`] instead when every field needs a hit. A candidate's key
    /// field passed: its leaves are read back only when the key passed in array elements
    /// alone (to tie them to the other fields' elements), never outside arrays; an absence
    /// (`exists: false`) is decided over all of the branch's leaves, which are recorded.
    fn count_reads(&mut self, b: BranchId, add: bool) {
        let entry = &self.branches[b as usize];
        let all_hit = entry.fields.iter().all(|&(_, need)| need == Need::Hit);
        let key_path = entry.key.map_or(NO_PATH, |j| entry.fields[j].0);
        for (j, &(path, _)) in entry.fields.iter().enumerate() {
            let p = path as usize;
            let by_key = all_hit && entry.key == Some(j);
            let counts = if by_key {
                &mut self.key_recorded
            } else {
                &mut self.recorded
            };
            if add {
                counts[p] += 1;
            } else {
                counts[p] -= 1;
            }
            if !by_key {
                let readers = &mut self.readers[p];
                let n = readers.entry(key_path).or_default();
                if add {
                    *n += 1;
                } else {
                    *n -= 1;
                    if *n == 0 {
                        readers.remove(&key_path);
                    }
                }
            }
            let readers = &self.readers[p];
            self.lazy[p] = self.key_recorded[p] == 0
                && readers.len() <= LAZY_READERS
                && readers
                    .keys()
                    .all(|&k| k != NO_PATH && self.top[k as usize] != self.top[p]);
        }
    }

    /// Drops the checks of removed branches from [`Matcher::checks`].
    fn compact_checks(&mut self) {
        let mut old: Vec<Option<Check>> = std::mem::take(&mut self.checks)
            .into_iter()
            .map(Some)
            .collect();
        let mut live = Vec::with_capacity(old.len() - self.dead_checks);
        for slim in &mut self.slim {
            let range = slim.checks..slim.checks + slim.fields as usize;
            slim.checks = live.len();
            live.extend(old[range].iter_mut().filter_map(Option::take));
        }
        self.checks = live;
        self.dead_checks = 0;
    }

    /// Every branch chooses its key field again, now that more is known of which tests
    /// are shared.
    fn rechoose_keys(&mut self) {
        let patterns = std::mem::take(&mut self.patterns);
        for entry in patterns.iter().flatten() {
            for (branch, &b) in entry.pattern.branches.iter().zip(&entry.branches) {
                self.unindex_branch(b, &branch.fields);
                self.index_branch(b, &branch.fields);
            }
        }
        self.patterns = patterns;
    }

    /// Removes the pattern under `key`; returns whether there was one.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(index) = self.keys.remove(key) else {
            return false;
        };
        let entry = self.patterns[index as usize]
            .take()
            .expect("keys point at live patterns");
        self.live_slots -= slot_count(&entry.pattern);
        for (branch, &b) in entry.pattern.branches.iter().zip(&entry.branches) {
            self.unindex_branch(b, &branch.fields);
            for (field, &(path, _)) in branch.fields.iter().zip(&self.branches[b as usize].fields) {
                for t in &field.tests {
                    let k = (path, test_key(t).0);
                    if let Some(n) = self.shared.get_mut(&k) {
                        *n -= 1;
                        if *n == 0 {
                            self.shared.remove(&k);
                        }
                    }
                }
            }
            self.branches[b as usize] = BranchEntry::default();
            self.dead_checks += self.slim[b as usize].fields as usize;
            self.slim[b as usize] = Slim::default();
            self.free_branches.push(b);
            self.live_branches -= 1;
        }
        if self.dead_checks > 1024 && self.dead_checks * 2 > self.checks.len() {
            self.compact_checks();
        }
        self.emit_keys[index as usize] = None;
        self.free_patterns.push(index);
        true
    }

    /// The pattern under `key`.
    pub fn get(&self, key: &K) -> Option<&Pattern> {
        let i = *self.keys.get(key)?;
        self.patterns[i as usize].as_ref().map(|e| &e.pattern)
    }

    fn path_id(&mut self, path: &str) -> PathId {
        if let Some(&p) = self.paths.get(path) {
            return p;
        }
        let p = self.fields.len() as PathId;
        self.fields.push(FieldIndex::default());
        self.recorded.push(0);
        self.key_recorded.push(0);
        self.keying.push(0);
        let first = path.split('.').next().unwrap_or_default();
        let fresh = self.tops.len() as u32;
        self.top
            .push(*self.tops.entry(first.to_owned()).or_insert(fresh));
        self.readers.push(FxHashMap::default());
        self.lazy.push(false);
        self.paths.insert(path.to_owned(), p);
        self.trie.insert(path, p);
        p
    }

    /// The keys of all patterns that match the event (raw JSON bytes of an object), each
    /// once, in no particular order. Reads the whole event; a key repeated in one object
    /// counts once, with its last value, as EventBridge reads events.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<K>, Error> {
        self.collect(event, Mode::Full)
    }

    /// Like [`Matcher::matches`], appending to `out` (which is not cleared).
    pub fn matches_into(&self, event: &[u8], out: &mut Vec<K>) -> Result<(), Error> {
        self.for_each_match(event, |k| out.push(k.clone()))
    }

    /// Like [`Matcher::matches`], for a *plain* event: valid JSON in which no object
    /// repeats a key and no key is empty or contains a dot, so that every field has one
    /// spelling (the caller must know this of the event). Reading stops as soon as
    /// every field that a pattern names has been read outside any array, or as soon as
    /// the fields that select patterns have been read and selected none, so what follows
    /// is not looked at; on an event that is not plain, the result is unspecified.
    pub fn matches_plain(&self, event: &[u8]) -> Result<Vec<K>, Error> {
        self.collect(event, Mode::Plain)
    }

    /// The keys of the patterns that match, in one vector allocated once at its size (the
    /// matches are gathered as pattern numbers in reused working memory first).
    fn collect(&self, event: &[u8], mode: Mode) -> Result<Vec<K>, Error> {
        self.with_scratch(|m, s| {
            let mut hits = std::mem::take(&mut s.hits);
            hits.clear();
            let r = m.run(event, mode, s, |p| hits.push(p));
            let out = r.map(|()| hits.iter().map(|&p| m.key_of(p).clone()).collect());
            s.hits = hits;
            out
        })
    }

    /// [`Matcher::matches`] without the vector: calls `f` with the key of each pattern
    /// that matches (once each, in no particular order), borrowed from the matcher, for a
    /// caller that only reads them (no key is cloned, nothing is allocated).
    pub fn for_each_match<'m>(&'m self, event: &[u8], f: impl FnMut(&'m K)) -> Result<(), Error> {
        self.each_key(event, Mode::Full, f)
    }

    /// [`Matcher::matches_plain`] without the vector, as [`Matcher::for_each_match`].
    pub fn for_each_match_plain<'m>(
        &'m self,
        event: &[u8],
        f: impl FnMut(&'m K),
    ) -> Result<(), Error> {
        self.each_key(event, Mode::Plain, f)
    }

    /// Calls `f` with the key of each pattern that matches the event read in `mode`.
    fn each_key<'m>(
        &'m self,
        event: &[u8],
        mode: Mode,
        mut f: impl FnMut(&'m K),
    ) -> Result<(), Error> {
        self.with_scratch(|_, s| self.run(event, mode, s, |p| f(self.key_of(p))))
    }

    /// The key of a live pattern.
    fn key_of(&self, p: u32) -> &K {
        self.emit_keys[p as usize]
            .as_ref()
            .expect("live branch has a live pattern")
    }

    /// Whether any pattern matches the event (read as [`Matcher::matches`] reads it).
    pub fn has_match(&self, event: &[u8]) -> Result<bool, Error> {
        let mut any = false;
        self.with_scratch(|m, s| m.run(event, Mode::Full, s, |_| any = true))?;
        Ok(any)
    }

    /// Matches an already parsed event.
    pub fn matches_value(&self, event: &crate::json::Value) -> Result<Vec<K>, Error> {
        self.matches(event.to_json().as_bytes())
    }

    fn with_scratch<R>(&self, f: impl FnOnce(&Self, &mut Scratch) -> R) -> R {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => f(self, &mut scratch),
            // Matching from inside a match on this thread: use fresh working memory.
            Err(_) => f(self, &mut Scratch::default()),
        })
    }

    fn run(
        &self,
        event: &[u8],
        mode: Mode,
        scratch: &mut Scratch,
        mut emit: impl FnMut(u32),
    ) -> Result<(), Error> {
        scratch.begin(self);
        touch_lines(event, scratch.reach);
        let mut sink = MatchSink {
            m: self,
            s: scratch,
            event,
            keyed_unseen: self.keyed_paths,
            plain: mode == Mode::Plain,
        };
        match scan::scan(&self.trie, event, mode, &mut sink) {
            Ok(reach) => sink.s.reach = reach,
            Err(Stop::Error(e)) => return Err(e.into()),
            Err(Stop::Done) => {}
            Err(Stop::Repeated) if mode == Mode::Distinct => {
                // Cannot happen: `drop_repeated_keys` left one entry per key.
                return Err(ScanError::Syntax("repeated key", 0).into());
            }
            Err(Stop::Repeated) => {
                // A named key repeated in one object: read the event as EventBridge does
                // (the last value of a repeated key wins), then match that.
                let mut doc = crate::json::parse(event).map_err(|_| {
                    Error::InvalidEvent(ScanError::Syntax("event is not valid JSON", 0))
                })?;
                doc.drop_repeated_keys();
                let normal = doc.to_json();
                return self.run(normal.as_bytes(), Mode::Distinct, scratch, emit);
            }
        }
        let s = sink.s;
        self.numbers_in_ranges(event, s);
        for &b in &self.always {
            if s.branch_stamp[b as usize][0] != s.gen {
                s.branch_stamp[b as usize][0] = s.gen;
                s.candidates.push(b);
            }
        }
        for &p in &s.direct {
            emit(p);
        }
        let candidates = std::mem::take(&mut s.candidates);
        for &b in &candidates {
            let slim = self.slim[b as usize];
            if slim.group {
                self.open_group(b, slim.pattern, event, s);
            } else {
                self.check_candidate(b, slim, false, event, s, &mut emit);
            }
        }
        if !s.joined.is_empty() {
            let joined = std::mem::take(&mut s.joined);
            for &b in &joined {
                self.check_candidate(b, self.slim[b as usize], false, event, s, &mut emit);
            }
            s.joined = joined;
        }
        if !s.sure.is_empty() {
            let sure = std::mem::take(&mut s.sure);
            for &b in &sure {
                self.check_candidate(b, self.slim[b as usize], true, event, s, &mut emit);
            }
            s.sure = sure;
        }
        s.candidates = candidates;
        s.candidates.clear();
        Ok(())
    }

    /// Emits the pattern of candidate branch `b` if the branch holds and the pattern has
    /// not been emitted yet. `sure`: a group's member that [`Scratch::sure`] holds.
    #[inline(always)]
    fn check_candidate(
        &self,
        b: BranchId,
        slim: Slim,
        sure: bool,
        event: &[u8],
        s: &mut Scratch,
        emit: &mut impl FnMut(u32),
    ) {
        let p = slim.pattern as usize;
        if slim.needs & !s.values != 0 || !slim.alone && s.pattern_stamp[p] == s.gen {
            return;
        }
        if slim.only_key || sure && slim.fields == 2 || self.holds(b, &slim, event, s) {
            if !slim.alone {
                s.pattern_stamp[p] = s.gen;
            }
            emit(p as u32);
        }
    }

    /// The members of group `g`, a candidate through its slot `slot`, that its index
    /// selects from the leaves of its other path: they join the candidates (each once),
    /// their key test passed as the group's did.
    #[inline(never)]
    fn open_group(&self, slot: BranchId, g: u32, event: &[u8], s: &mut Scratch) {
        let group = &self.groups[g as usize];
        let gen = s.gen;
        if s.path_stamp[group.other as usize] != gen {
            return;
        }
        let free = s.branch_stamp[slot as usize][1] == gen;
        let mut hits = std::mem::take(&mut s.hit_buf);
        hits.clear();
        let (mut leaves, mut in_arrays) = (0, false);
        for rec in s.leaves_on(group.other) {
            leaves += 1;
            in_arrays |= rec.trail.1 != 0;
            if rec.kind == LeafKind::String {
                group
                    .index
                    .matches_utf8(rec.bytes(event, &s.arena), |m| hits.push(m));
            } else {
                group
                    .index
                    .matches(&rec.leaf(event, &s.arena), |m| hits.push(m));
            }
        }
        // One leaf outside any array: a member it selects holds if it has no other field
        // (as `Matcher::holds` would find, reading the same leaf with the same tests).
        let sure = leaves == 1 && !in_arrays;
        for &m in &hits {
            let stamp = &mut s.branch_stamp[m as usize];
            if stamp[0] != gen {
                stamp[0] = gen;
                if sure {
                    s.sure.push(m);
                } else {
                    s.joined.push(m);
                }
            }
            if free {
                stamp[1] = gen;
            }
        }
        s.hit_buf = hits;
    }

    /// Asks the numeric ranges of each path of [`Scratch::numbers`] about its numbers
    /// together, in ascending order: the ranges that hold one become candidates.
    fn numbers_in_ranges(&self, event: &[u8], s: &mut Scratch) {
        if s.numbers.is_empty() {
            return;
        }
        let mut numbers = std::mem::take(&mut s.numbers);
        let mut atoms = std::mem::take(&mut s.atoms);
        numbers.sort_unstable_by(|a, b| a.path.cmp(&b.path).then(a.x.total_cmp(&b.x)));
        for held in numbers.chunk_by(|a, b| a.path == b.path) {
            let text = |i: usize| {
                let (start, len) = held[i].text;
                &event[start as usize..(start + len) as usize]
            };
            self.fields[held[0].path as usize].matches_numbers_in_ranges(
                held.len(),
                |i| held[i].x,
                |i| held[i].exact || crate::value::comparable_text(held[i].x, text(i)),
                &mut atoms,
                |bs| s.note_all(bs, false),
            );
        }
        numbers.clear();
        s.numbers = numbers;
        s.atoms = atoms;
    }

    /// Checks a candidate branch: the most common one (a key field and one other field,
    /// which needs a hit and has one leaf outside any array, or none) here, any other in
    /// [`Matcher::branch_holds`].
    #[inline(always)]
    fn holds(&self, b: BranchId, slim: &Slim, event: &[u8], s: &mut Scratch) -> bool {
        if slim.fields == 2 && slim.key < 2 {
            let other = &self.checks[slim.checks + 1 - slim.key as usize];
            if other.need == Need::Hit {
                if s.path_stamp[other.path as usize] != s.gen {
                    return false;
                }
                let head = s.path_head[other.path as usize];
                if let Some(rec) = s.leaves.get(head as usize) {
                    if rec.next == NONE && rec.trail.1 == 0 {
                        return passes(&other.test, rec, event, &s.arena);
                    }
                }
            }
        }
        self.branch_holds(b, slim, event, s)
    }

    /// Checks a candidate branch in full: every field against the leaves of its path,
    /// absences, and array consistency.
    #[inline(never)]
    fn branch_holds(&self, b: BranchId, slim: &Slim, event: &[u8], s: &mut Scratch) -> bool {
        let gen = s.gen;
        let checks = &self.checks[slim.checks..slim.checks + slim.fields as usize];
        let key = match slim.key {
            NO_KEY => None,
            j => Some(j as usize),
        };
        if checks.len() == 1 && key == Some(0) {
            // Selected through its only field, which it indexes: nothing else to check.
            return true;
        }
        // Most branches only ask each other field for a value that passes, and find one
        // outside any array (or none at all): decided here, without collecting trails.
        let mut simple = true;
        for (j, check) in checks.iter().enumerate() {
            if Some(j) == key {
                continue;
            }
            if check.need != Need::Hit {
                simple = false;
                continue;
            }
            if s.path_stamp[check.path as usize] != gen {
                return false;
            }
            match self.free_pass(&check.test, check.path, event, s) {
                Some(true) => {}
                Some(false) => return false,
                None => simple = false,
            }
        }
        if simple {
            return true;
        }
        // The other fields first: the key field passed (it selected the branch), and its
        // array elements only matter if another field is tied to array elements too.
        let mut options: Vec<Vec<consistency::Trail<'_>>> = Vec::new();
        for (j, check) in checks.iter().enumerate() {
            if Some(j) == key {
                continue;
            }
            let (path, need) = (check.path, check.need);
            let present = s.path_stamp[path as usize] == gen;
            if !present {
                if need == Need::Hit {
                    return false;
                }
                continue;
            }
            if need != Need::Hit && s.leaves_on(path).all(|rec| rec.trail.1 != 0) {
                // `exists: false`, and every leaf on the path sits in an array element:
                // absent or not depends on the elements the fields before it chose.
                return self.holds_in_order(checks, event, s);
            }
            if need == Need::Absent {
                return false;
            }
            match self.passing_trails(&check.test, path, event, s) {
                Passing::None => return false,
                Passing::Free => {}
                Passing::InArrays(trails) => options.push(trails),
            }
        }
        if options.is_empty() {
            return true;
        }
        if let Some(j) = key {
            if s.branch_stamp[b as usize][1] != gen {
                let key = &checks[j];
                match self.passing_trails(&key.test, key.path, event, s) {
                    Passing::None => return false,
                    Passing::Free => {}
                    Passing::InArrays(trails) => options.push(trails),
                }
            }
        }
        options.len() < 2 || consistency::consistent(&mut options)
    }

    /// [`Matcher::branch_holds`] for a branch with an `exists: false` field whose leaves
    /// all sit in array elements. EventBridge reads the fields in the order of their
    /// paths, and such a field is absent when each of its leaves lies in another element
    /// of some array than a leaf chosen for a field before it; so this chooses leaves field
    /// by field in that order (a search with the consistency step budget).
    fn holds_in_order(&self, checks: &[Check], event: &[u8], s: &Scratch) -> bool {
        let gen = s.gen;
        let mut fields: Vec<(u32, Vec<consistency::Choice<'_>>)> = Vec::with_capacity(checks.len());
        for check in checks {
            let present = s.path_stamp[check.path as usize] == gen;
            let mut choices = Vec::new();
            if present && check.need != Need::Absent {
                // Every passing leaf, tied or not: a tied one may be what leaves a later
                // field's leaves out.
                self.each_passing(&check.test, check.path, event, s, |t| {
                    choices.push(consistency::Choice::Leaf(t));
                    true
                });
            }
            if check.need != Need::Hit {
                if !present {
                    continue;
                }
                // Absence can hold only if every leaf on the path sits in an array element.
                let tied: Option<Vec<_>> = s
                    .leaves_on(check.path)
                    .map(|rec| (rec.trail.1 != 0).then(|| s.trail(rec)))
                    .collect();
                choices.extend(tied.map(consistency::Choice::Absent));
            }
            if choices.is_empty() {
                return false;
            }
            fields.push((check.rank, choices));
        }
        fields.sort_by_key(|(rank, _)| *rank);
        let choices: Vec<Vec<consistency::Choice<'_>>> =
            fields.into_iter().map(|(_, c)| c).collect();
        consistency::holds_in_order(&choices)
    }

    /// The leaves on `path` that pass one of the field's tests: none, one outside any
    /// array (compatible with everything), or the array trails of all of them.
    fn passing_trails<'s>(
        &self,
        test: &CheckTest,
        path: PathId,
        event: &[u8],
        s: &'s Scratch,
    ) -> Passing<'s> {
        let mut trails = Vec::new();
        let all = self.each_passing(test, path, event, s, |t| {
            if t.is_empty() {
                return false;
            }
            trails.push(t);
            true
        });
        if !all {
            Passing::Free
        } else if trails.is_empty() {
            Passing::None
        } else {
            Passing::InArrays(trails)
        }
    }

    /// Whether a leaf on `path` outside any array passes the test: `Some(true)` if one
    /// does, `Some(false)` if no leaf passes at all, `None` if only leaves in arrays do
    /// (then array consistency decides).
    fn free_pass(&self, test: &CheckTest, path: PathId, event: &[u8], s: &Scratch) -> Option<bool> {
        let mut tied = false;
        let all = self.each_passing(test, path, event, s, |t| {
            tied = true;
            !t.is_empty()
        });
        if !all {
            Some(true)
        } else if tied {
            None
        } else {
            Some(false)
        }
    }

    /// Calls `f` with the trail of each leaf on `path` that passes the test (empty for a
    /// leaf outside arrays) while it returns true; returns whether it always did.
    fn each_passing<'s>(
        &self,
        test: &CheckTest,
        path: PathId,
        event: &[u8],
        s: &'s Scratch,
        mut f: impl FnMut(consistency::Trail<'s>) -> bool,
    ) -> bool {
        for rec in s.leaves_on(path) {
            let passes = passes(test, rec, event, &s.arena);
            if passes && !f(s.trail(rec)) {
                return false;
            }
        }
        true
    }
}

/// Whether the recorded leaf `rec` passes `test`.
#[inline(always)]
fn passes(test: &CheckTest, rec: &LeafRec, event: &[u8], arena: &str) -> bool {
    match test {
        CheckTest::Str(k) => {
            rec.kind == LeafKind::String && rec.bytes(event, arena) == k.as_bytes()
        }
        CheckTest::Bytes(tests) => {
            rec.kind == LeafKind::String && {
                let value = rec.bytes(event, arena);
                tests.iter().any(|t| t.passes(value))
            }
        }
        CheckTest::Prefix(k) => {
            rec.kind == LeafKind::String && rec.bytes(event, arena).starts_with(k.as_bytes())
        }
        CheckTest::Suffix(k) => {
            rec.kind == LeafKind::String && rec.bytes(event, arena).ends_with(k.as_bytes())
        }
        CheckTest::Caseless(k) => {
            rec.kind == LeafKind::String && {
                let value = rec.bytes(event, arena);
                if value.is_ascii() {
                    value.eq_ignore_ascii_case(k.as_bytes())
                } else {
                    // A value beyond ASCII: as `Test::matches` reads it.
                    let text = std::str::from_utf8(k.as_bytes()).unwrap_or_default();
                    std::str::from_utf8(value).is_ok_and(|v| crate::caseless::equals(v, text))
                }
            }
        }
        CheckTest::NotStrs(keys) => {
            rec.kind != LeafKind::String || {
                let value = rec.bytes(event, arena);
                !keys.iter().any(|k| value == k.as_bytes())
            }
        }
        CheckTest::NotFew(few) => {
            rec.kind != LeafKind::String || !few.contains(rec.bytes(event, arena))
        }
        CheckTest::Range(r) => {
            rec.kind == LeafKind::Number && {
                let text = rec.bytes(event, arena);
                let (x, exact) = if rec.number_known {
                    (rec.number, rec.number_exact)
                } else {
                    crate::value::read_number(text)
                };
                r.contains(x) && (exact || crate::value::comparable_text(x, text))
            }
        }
        CheckTest::Tests(tests) => {
            let leaf = rec.leaf(event, arena);
            tests.iter().any(|t| t.matches(&leaf))
        }
    }
}

/// See [`Matcher::passing_trails`].
enum Passing<'s> {
    None,
    Free,
    InArrays(Vec<consistency::Trail<'s>>),
}

/// One of 64 bits for the string `text` on `path`: see [`Slim::needs`].
#[inline]
fn value_bit(path: PathId, text: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_u32(path);
    h.write(text);
    1 << (h.finish() >> 58)
}

/// One of 64 bits for the first (`end` is `^`) or last (`$`) byte of a string on `path`:
/// a leaf passing a prefix (suffix) test starts (ends) with the test's first (last) byte,
/// so [`Slim::needs`] holds this bit for a field that needs such a leaf.
#[inline]
fn edge_bit(path: PathId, end: u8, byte: u8) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_u32(path);
    h.write_u8(end);
    h.write_u8(byte);
    1 << (h.finish() >> 58)
}

/// [`Slim::key`] of a branch without a key field.
const NO_KEY: u32 = u32::MAX;

/// No leaf: the end of a path's list of leaves.
const NONE: u32 = u32::MAX;

/// No path: the key path of a branch without a key field (see [`Matcher::readers`]).
const NO_PATH: PathId = PathId::MAX;

/// The most reader key paths a path may have and still go unrecorded (see
/// [`Matcher::lazy`]): each is looked at on the path's first leaf.
const LAZY_READERS: usize = 4;

/// A leaf recorded during the scan.
#[derive(Debug, Clone, Copy)]
struct LeafRec {
    kind: LeafKind,
    /// Start and length of its text: in the event, or in `Scratch::arena` when decoded.
    text: (u32, u32),
    in_arena: bool,
    /// The value of a number, when `number_known` (read once, and only if needed).
    number: f64,
    number_known: bool,
    /// Whether the number is known to be exactly its double (else it may still be: see
    /// [`crate::value::is_comparable`]).
    number_exact: bool,
    /// Start and length in `Scratch::trails`.
    trail: (u32, u32),
    /// The previous leaf on the same path.
    next: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeafKind {
    String,
    Number,
    True,
    False,
    Null,
}

impl LeafRec {
    /// The leaf's text: a string's (decoded) bytes, a number's spelling.
    fn bytes<'a>(&self, event: &'a [u8], arena: &'a str) -> &'a [u8] {
        let (start, len) = (self.text.0 as usize, self.text.1 as usize);
        if self.in_arena {
            &arena.as_bytes()[start..start + len]
        } else {
            &event[start..start + len]
        }
    }

    fn leaf<'a>(&self, event: &'a [u8], arena: &'a str) -> Leaf<'a> {
        let (start, len) = (self.text.0 as usize, self.text.1 as usize);
        let text = if self.in_arena {
            &arena[start..start + len]
        } else {
            std::str::from_utf8(&event[start..start + len]).unwrap_or_default()
        };
        match self.kind {
            LeafKind::String => Leaf::String(text),
            LeafKind::Number if self.number_known => Leaf::Number(self.number, text),
            LeafKind::Number => Leaf::Number(crate::value::read_number(text.as_bytes()).0, text),
            LeafKind::True => Leaf::Bool(true),
            LeafKind::False => Leaf::Bool(false),
            LeafKind::Null => Leaf::Null,
        }
    }
}

/// Per-thread working memory for matching; stamps avoid clearing between events.
#[derive(Debug, Default)]
struct Scratch {
    gen: u32,
    /// The [`value_bit`]s of the event's string leaves (when the matcher has
    /// [`Matcher::needing_branches`]), and on recorded paths their [`edge_bit`]s (when it
    /// has [`Matcher::needing_edges`]).
    values: u64,
    /// Per branch: stamped when it became a candidate, and when its key field has a hit
    /// outside any array (side by side: one cache line for both).
    branch_stamp: Vec<[u32; 2]>,
    path_stamp: Vec<u32>,
    /// Per path: stamped when this event leaves its leaves unrecorded ([`Matcher::lazy`]).
    unrecorded: Vec<u32>,
    /// The last leaf recorded on each path (valid where `path_stamp` is current).
    path_head: Vec<u32>,
    pattern_stamp: Vec<u32>,
    /// Branches selected by their key tests (and [`Group`]s' slots by theirs).
    candidates: Vec<BranchId>,
    /// Members of the candidate groups selected by the groups' indexes.
    joined: Vec<BranchId>,
    /// Members selected by a group's index from the one leaf of its other path, outside
    /// any array: a member of two fields (the key and that one) holds.
    sure: Vec<BranchId>,
    /// Patterns matched through a [`DIRECT`] slot, each once (by `pattern_stamp`).
    direct: Vec<u32>,
    leaves: Vec<LeafRec>,
    trails: Vec<(u32, u32)>,
    arena: String,
    hit_buf: Vec<SlotId>,
    /// The patterns found to match, by number (see `Matcher::collect`).
    hits: Vec<u32>,
    /// Numbers in arrays on paths with many numeric ranges, asked of the ranges together
    /// once the event is read (see [`Matcher::numbers_in_ranges`]).
    numbers: Vec<HeldNumber>,
    /// Working memory for [`FieldIndex::matches_numbers_in_ranges`].
    atoms: Vec<u32>,
    /// How far into the last event the scan read (see [`touch_lines`]).
    reach: usize,
}

/// Loads a byte of each cache line of `event` after the first, up to `reach` bytes in
/// (how far the scan read into the last event, likely as far as it will read into this
/// one): an event that comes from memory then has its lines fetched together, not one
/// after another as the scan gets to them. Plain loads, at about one instruction a line
/// for an event already in cache.
#[inline]
fn touch_lines(event: &[u8], reach: usize) {
    /// Only for a scan that reads more than the first few lines: reading ahead an event
    /// of which three lines are read (patterns on its early fields) slowed it down.
    const FIRST_LINES: usize = 4 * 64;
    /// Past this the hardware's own reading ahead has long caught on; a large event read
    /// through once must not make every later one pay for lines the scan may not reach.
    const AT_MOST: usize = 2048;
    let end = reach.min(event.len()).min(AT_MOST);
    if end > FIRST_LINES {
        let mut any = 0u8;
        for i in (64..end).step_by(64) {
            any |= event[i];
        }
        std::hint::black_box(any);
    }
}

/// A number that waits for its path's numeric ranges (see [`Scratch::numbers`]).
#[derive(Debug, Clone, Copy)]
struct HeldNumber {
    path: PathId,
    x: f64,
    /// Its text in the event: offset and length.
    text: (u32, u32),
    /// Known to be exactly its double.
    exact: bool,
}

impl HeldNumber {
    /// Number `text` (borrowed from `event`), whose value is `x`, on `path`.
    fn new(event: &[u8], path: PathId, text: &[u8], x: f64, exact: bool) -> HeldNumber {
        let offset = text.as_ptr() as usize - event.as_ptr() as usize;
        HeldNumber {
            path,
            x,
            text: (offset as u32, text.len() as u32),
            exact,
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    fn begin<K>(&mut self, m: &Matcher<K>) {
        self.values = 0;
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            // Stamps wrapped: forget them all.
            self.branch_stamp.iter_mut().for_each(|x| *x = [0, 0]);
            for v in [
                &mut self.path_stamp,
                &mut self.pattern_stamp,
                &mut self.unrecorded,
            ] {
                v.iter_mut().for_each(|x| *x = 0);
            }
            self.gen = 1;
        }
        if self.branch_stamp.len() < m.branches.len() {
            self.branch_stamp.resize(m.branches.len(), [0, 0]);
        }
        grow(&mut self.path_stamp, m.fields.len());
        grow(&mut self.unrecorded, m.fields.len());
        grow(&mut self.path_head, m.fields.len());
        grow(&mut self.pattern_stamp, m.patterns.len());
        self.candidates.clear();
        self.joined.clear();
        self.sure.clear();
        self.direct.clear();
        self.leaves.clear();
        self.trails.clear();
        self.arena.clear();
        self.numbers.clear();
    }

    /// The leaves recorded on `path` in this event, latest first.
    fn leaves_on(&self, path: PathId) -> impl Iterator<Item = &LeafRec> + '_ {
        let head = self.path_head[path as usize];
        std::iter::successors((head != NONE).then(|| &self.leaves[head as usize]), |rec| {
            (rec.next != NONE).then(|| &self.leaves[rec.next as usize])
        })
    }

    /// A recorded leaf's array trail (empty outside arrays).
    fn trail(&self, rec: &LeafRec) -> consistency::Trail<'_> {
        &self.trails[rec.trail.0 as usize..(rec.trail.0 + rec.trail.1) as usize]
    }

    /// Tests of the key fields of branches `bs` passed: each is a candidate (or, for a
    /// [`DIRECT`] slot, its pattern matched); `free` when the leaf is outside any array. One loop for a list (a number's ranges hand over
    /// many), with the stamps and the generation in registers.
    #[inline]
    fn note_all(&mut self, bs: &[BranchId], free: bool) {
        let gen = self.gen;
        let stamps = &mut self.branch_stamp;
        for &b in bs {
            if b & DIRECT != 0 {
                let p = b & !DIRECT;
                let stamp = &mut self.pattern_stamp[p as usize];
                if *stamp != gen {
                    *stamp = gen;
                    self.direct.push(p);
                }
                continue;
            }
            let stamp = &mut stamps[b as usize];
            if stamp[0] != gen {
                stamp[0] = gen;
                self.candidates.push(b);
            }
            if free {
                stamp[1] = gen;
            }
        }
    }

    /// [`Scratch::note_all`] for one branch.
    #[inline]
    fn note(&mut self, b: BranchId, free: bool) {
        self.note_all(std::slice::from_ref(&b), free);
    }
}

fn grow(v: &mut Vec<u32>, n: usize) {
    if v.len() < n {
        v.resize(n, 0);
    }
}

struct MatchSink<'m, 's, 'e, K> {
    m: &'m Matcher<K>,
    s: &'s mut Scratch,
    event: &'e [u8],
    /// Paths with key-field tests that have no leaf yet in this event.
    keyed_unseen: usize,
    /// The event is plain ([`scan::Mode::Plain`]): each path's leaves come from one
    /// top-level entry.
    plain: bool,
}

impl<K> scan::Sink for MatchSink<'_, '_, '_, K> {
    fn settled(&self) -> bool {
        // Branches become candidates only through leaves on key-field paths; once every
        // such path has its leaves, no candidate and no always-checked branch means no
        // match, whatever follows.
        self.keyed_unseen == 0
            && self.s.candidates.is_empty()
            && self.s.numbers.is_empty()
            && self.m.always.is_empty()
    }

    fn leaf(&mut self, path: PathId, raw: RawLeaf<'_>, trail: &[(u32, u32)]) -> bool {
        let s = &mut *self.s;
        let p = path as usize;
        let first = s.path_stamp[p] != s.gen;
        let field = &self.m.fields[p];
        if first {
            s.path_stamp[p] = s.gen;
            s.path_head[p] = NONE;
            self.keyed_unseen -= usize::from(!field.is_empty());
            // The branches that read this path are keyed under other top-level entries,
            // already read: if none is a candidate now, none will be.
            if self.plain
                && self.m.lazy[p]
                && s.candidates.is_empty()
                && s.numbers.is_empty()
                && self.m.always.is_empty()
                && self.m.readers[p]
                    .keys()
                    .all(|&k| s.path_stamp[k as usize] == s.gen)
            {
                s.unrecorded[p] = s.gen;
            }
        }
        let record = self.m.recorded[p] != 0 && s.unrecorded[p] != s.gen
            || self.m.key_recorded[p] != 0 && !trail.is_empty();
        // A number far from every number the path's tests name (coordinates, say): only
        // tests that pass any such number can select a branch, and none needs its value.
        let mut split = None;
        let far_number = matches!(raw, RawLeaf::Num(t)
            if !field.is_empty() && field.far_from_number_text(t, &mut split));
        if let RawLeaf::Num(t) = raw {
            // The common number: on a path no candidate check reads, and far or untested.
            if !record && (field.is_empty() || far_number) {
                field.matches_far_number(t, |b| s.note(b, trail.is_empty()));
                return first;
            }
            // A number in an array (a polygon's point) on such a path among many ranges:
            // held for the ranges, as below, without a record of the leaf.
            if !record && !trail.is_empty() && field.ranges_together() {
                let split = split.or_else(|| crate::value::Coordinate::of(t));
                let (x, exact) = crate::value::read_number_split(t, split);
                s.numbers
                    .push(HeldNumber::new(self.event, path, t, x, exact));
                field.matches_number(x, t, exact, false, |bs| s.note_all(bs, false));
                return first;
            }
        }
        if let RawLeaf::Str(bytes, false) = raw {
            // The common string: ASCII (so UTF-8, and no need to ask `from_utf8`), on a
            // path no candidate check reads.
            if !record && bytes.is_ascii() {
                if self.m.needing_branches > 0 {
                    s.values |= value_bit(path, bytes);
                }
                field.matches_utf8(bytes, |b| s.note(b, trail.is_empty()));
                return first;
            }
        }
        let offset = |bytes: &[u8]| (bytes.as_ptr() as usize - self.event.as_ptr() as usize) as u32;
        // A string borrowed from the event, checked as UTF-8 once here.
        let borrowed = match raw {
            RawLeaf::Str(bytes, false)
                if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() =>
            {
                Some(bytes)
            }
            _ => None,
        };
        let (kind, text, in_arena) = match raw {
            RawLeaf::Str(bytes, false) if borrowed.is_some() => {
                (LeafKind::String, (offset(bytes), bytes.len() as u32), false)
            }
            RawLeaf::Str(bytes, escaped) => {
                // Escapes, or not UTF-8. Escapes are decoded. Bad sequences become
                // U+FFFD: an event that is not UTF-8 is no JSON, and `json::parse`
                // refuses it, but the matcher, which reads only what its patterns
                // name, answers for it rather than look at every byte. The opening
                // quote sits just before the string's bytes in the event.
                let lossy = || String::from_utf8_lossy(bytes).into_owned();
                let decoded = if escaped {
                    crate::json::decode_string(self.event, offset(bytes) as usize - 1)
                        .map_or_else(|_| lossy(), |(t, _)| t)
                } else {
                    lossy()
                };
                let start = s.arena.len() as u32;
                s.arena.push_str(&decoded);
                (LeafKind::String, (start, decoded.len() as u32), true)
            }
            RawLeaf::Num(t) => (LeafKind::Number, (offset(t), t.len() as u32), false),
            RawLeaf::True => (LeafKind::True, (0, 0), false),
            RawLeaf::False => (LeafKind::False, (0, 0), false),
            RawLeaf::Null => (LeafKind::Null, (0, 0), false),
        };
        let trail_ref = if trail.is_empty() || !record {
            (0, 0)
        } else {
            let start = s.trails.len() as u32;
            s.trails.extend_from_slice(trail);
            (start, trail.len() as u32)
        };
        // A number's exact value costs a parse: read it only when some test of the path
        // may need it, else leave it to `LeafRec::leaf` (checking a candidate).
        let number_text = match raw {
            RawLeaf::Num(t) if !field.is_empty() && !far_number => Some(t),
            _ => None,
        };
        // The far test may have split the number already.
        let number = number_text.map(|t| {
            let split = split.or_else(|| crate::value::Coordinate::of(t));
            crate::value::read_number_split(t, split)
        });
        let rec = LeafRec {
            kind,
            text,
            in_arena,
            number: number.map_or(f64::NAN, |(x, _)| x),
            number_known: number.is_some(),
            number_exact: number.is_some_and(|(_, exact)| exact),
            trail: trail_ref,
            next: s.path_head[p],
        };
        if record {
            s.path_head[p] = s.leaves.len() as u32;
            s.leaves.push(rec);
        }
        if self.m.needing_branches > 0 && kind == LeafKind::String {
            let bytes = rec.bytes(self.event, &s.arena);
            s.values |= value_bit(path, bytes);
            if self.m.needing_edges > 0 {
                if let (Some(&a), Some(&z)) = (bytes.first(), bytes.last()) {
                    s.values |= edge_bit(path, b'^', a) | edge_bit(path, b'$', z);
                }
            }
        }
        if field.is_empty() {
            return first;
        }
        if let (Some(text), Some((x, exact))) = (number_text, number) {
            // A number's leaf borrows nothing of the working memory: its hits (many, for
            // a coordinate among overlapping ranges) go to the candidates directly.
            let free = trail.is_empty();
            // In an array (a polygon's points, say) among many ranges: the ranges are
            // asked of all the array's numbers together at the end.
            let together = !free && field.ranges_together();
            if together {
                s.numbers
                    .push(HeldNumber::new(self.event, path, text, x, exact));
            }
            field.matches_number(x, text, exact, !together, |bs| s.note_all(bs, free));
            return first;
        }
        let mut buf = std::mem::take(&mut s.hit_buf);
        buf.clear();
        if far_number {
            field.matches_far_number(rec.bytes(self.event, &s.arena), |b| buf.push(b));
        } else if let Some(bytes) = borrowed {
            field.matches_utf8(bytes, |b| buf.push(b));
        } else {
            field.matches(&rec.leaf(self.event, &s.arena), |b| buf.push(b));
        }
        for &b in &buf {
            s.note(b, trail.is_empty());
        }
        s.hit_buf = buf;
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strings an `anything-but` holds in place fit beside the check's other forms,
    /// so that holding them does not make every check larger.
    #[test]
    fn strings_held_in_place_make_no_check_larger() {
        assert_eq!(
            std::mem::size_of::<CheckTest>(),
            std::mem::size_of::<StrKey>() + 8
        );
        let few = FewStrs::new(&["ST", "AVE", "UNKNOWN"]).expect("short");
        assert!(few.contains(b"AVE") && few.contains(b"UNKNOWN") && few.contains(b"ST"));
        assert!(!few.contains(b"") && !few.contains(b"STAVE") && !few.contains(b"AV"));
        let empty = FewStrs::new(&["", "x"]).expect("short");
        assert!(empty.contains(b"") && empty.contains(b"x") && !empty.contains(b"y"));
        assert!(FewStrs::new(&["a", "b", "c", "d"]).is_none());
        assert!(FewStrs::new(&["0123456789", "0123456789", "012345678"]).is_none());
    }

    /// A candidate's other fields are checked by the quick pass when a leaf outside
    /// arrays passes (or none passes at all), and by array consistency when only leaves in
    /// array elements pass; byte tests (exact, prefix, suffix) and other tests alike.
    #[test]
    fn candidates_checked_quickly_and_through_arrays_agree() {
        let mut m = Matcher::new();
        // `k` is the key field of each (an exact value no other pattern shares).
        m.add(1, br#"{"k":["k1"],"a":[{"prefix":"ab"},{"suffix":"yz"}]}"#)
            .expect("valid");
        m.add(2, br#"{"k":["k2"],"o":{"a":[{"prefix":"ab"}],"b":["c"]}}"#)
            .expect("valid");
        m.add(3, br#"{"k":["k3"],"a":[{"equals-ignore-case":"AB"}]}"#)
            .expect("valid");
        m.add(
            4,
            br#"{"k":["k4"],"a":[{"exists":true}],"b":[{"prefix":"c"}]}"#,
        )
        .expect("valid");
        m.add(5, br#"{"k":["k5"],"a":[{"equals-ignore-case":"kelvin"}]}"#)
            .expect("valid");
        m.add(
            6,
            br#"{"k":["k6"],"a":[{"prefix":"ab"}],"b":[{"suffix":"yz"}]}"#,
        )
        .expect("valid");
        // `anything-but` strings held in place (few and short) and behind a pointer.
        m.add(7, br#"{"k":["k7"],"a":[{"anything-but":["ab",""]}]}"#)
            .expect("valid");
        m.add(
            8,
            br#"{"k":["k8"],"a":[{"anything-but":["w","x","y","z"]}]}"#,
        )
        .expect("valid");
        m.add(
            9,
            br#"{"k":["k9"],"a":[{"anything-but":["a long street name","another long one"]}]}"#,
        )
        .expect("valid");
        let cases: &[(&str, &[i32])] = &[
            (r#"{"k":"k1","a":"abc"}"#, &[1]),
            (r#"{"k":"k1","a":"xyz"}"#, &[1]),
            (r#"{"k":"k1","a":"ba"}"#, &[]),
            (r#"{"k":"k1","a":["x","abc"]}"#, &[1]),
            (r#"{"k":"k1","a":7}"#, &[]),
            (r#"{"k":"k1"}"#, &[]),
            // Only leaves in array elements pass: their elements must agree.
            (
                r#"{"k":"k2","o":[{"a":"abc","b":"c"},{"a":"x","b":"d"}]}"#,
                &[2],
            ),
            (
                r#"{"k":"k2","o":[{"a":"abc","b":"d"},{"a":"x","b":"c"}]}"#,
                &[],
            ),
            (r#"{"k":"k2","o":{"a":"ab","b":"c"}}"#, &[2]),
            (r#"{"k":"k3","a":"aB"}"#, &[3]),
            (r#"{"k":"k3","a":"abc"}"#, &[]),
            (r#"{"k":"k4","a":null,"b":"cd"}"#, &[4]),
            (r#"{"k":"k4","b":"cd"}"#, &[]),
            (r#"{"k":"k5","a":"KELVIN"}"#, &[5]),
            (r#"{"k":"k5","a":["x","Kelvin"]}"#, &[5]),
            (r#"{"k":"k5","a":"kelvins"}"#, &[]),
            // The Kelvin sign is not `k` to EventBridge (see `caseless`).
            ("{\"k\":\"k5\",\"a\":\"\u{212A}elvin\"}", &[]),
            (r#"{"k":"k5","a":"\u212Aelvin"}"#, &[]),
            (r#"{"k":"k5","a":5}"#, &[]),
            (r#"{"k":"k6","a":"abc","b":"xyz"}"#, &[6]),
            (r#"{"k":"k6","a":"ab","b":"yz"}"#, &[6]),
            (r#"{"k":"k6","a":"cab","b":"xyz"}"#, &[]),
            (r#"{"k":"k6","a":"abc","b":"yzx"}"#, &[]),
            (r#"{"k":"k6","a":["x","abc"],"b":["xyz"]}"#, &[6]),
            (r#"{"k":"k6","a":"a\u0062","b":"xy\u007a"}"#, &[6]),
            (r#"{"k":"k6","a":"abc"}"#, &[]),
            (r#"{"k":"k7","a":"abc"}"#, &[7]),
            (r#"{"k":"k7","a":"ab"}"#, &[]),
            (r#"{"k":"k7","a":""}"#, &[]),
            (r#"{"k":"k7","a":["ab","x"]}"#, &[7]),
            (r#"{"k":"k7","a":7}"#, &[7]),
            (r#"{"k":"k8","a":"z"}"#, &[]),
            (r#"{"k":"k8","a":"v"}"#, &[8]),
            (r#"{"k":"k9","a":"another long one"}"#, &[]),
            (r#"{"k":"k9","a":"a long street"}"#, &[9]),
        ];
        for &(event, want) in cases {
            for plain in [false, true] {
                let got = matched(&m, event, plain);
                assert_eq!(got, want, "{event} (plain: {plain})");
                let mut each = Vec::new();
                let read = if plain {
                    m.for_each_match_plain(event.as_bytes(), |&k| each.push(k))
                } else {
                    m.for_each_match(event.as_bytes(), |&k| each.push(k))
                };
                read.expect("scanned");
                each.sort_unstable();
                assert_eq!(each, want, "{event} (each, plain: {plain})");
                let reference = crate::json::parse(event.as_bytes()).expect("json");
                let want_ref: Vec<i32> = (1..=9)
                    .filter(|k| {
                        let p = m.get(k).expect("added");
                        crate::reference::matches(p, &reference)
                    })
                    .collect();
                assert_eq!(got, want_ref, "{event}: the reference");
            }
        }
    }

    /// The keys `event` matches, sorted, read as plain or not.
    fn matched(m: &Matcher<i32>, event: &str, plain: bool) -> Vec<i32> {
        let got = if plain {
            m.matches_plain(event.as_bytes())
        } else {
            m.matches(event.as_bytes())
        };
        let mut got = got.expect("scanned");
        got.sort_unstable();
        got
    }

    /// Each event, read as plain, matches exactly the keys given with it.
    fn assert_plain_matches(m: &Matcher<i32>, cases: &[(&str, &[i32])]) {
        for &(event, want) in cases {
            assert_eq!(matched(m, event, true), want, "{event}");
        }
    }

    /// The paths of the key fields of all branches, by the name `paths` gives them.
    fn key_paths(m: &Matcher<i32>) -> Vec<&str> {
        let name = |id: PathId| {
            m.paths
                .iter()
                .find(|&(_, &p)| p == id)
                .map_or("?", |(n, _)| n.as_str())
        };
        let mut keys: Vec<&str> = m
            .branches
            .iter()
            .filter_map(|b| b.key.map(|j| name(b.fields[j].0)))
            .collect();
        keys.sort_unstable();
        keys
    }

    /// Until other patterns show how many share a value, a value of one byte (a flag,
    /// `"E"` of an odd/even field) is taken for a broad one: a longer exact value or
    /// prefix on another field keys the branch, so that events are not all candidates.
    #[test]
    fn a_one_byte_value_keys_a_branch_last() {
        let mut m = Matcher::new();
        m.add(1, br#"{"odd_even":["E"],"lot":[{"prefix":"00010"}]}"#)
            .expect("valid");
        m.add(2, br#"{"flag":[true],"block":["0001"]}"#)
            .expect("valid");
        m.add(3, br#"{"odd_even":["O"],"street":["MA"]}"#)
            .expect("valid");
        // With nothing else to go by, one byte against one byte: the exact test keys.
        m.add(4, br#"{"odd_even":["E"],"street":[{"prefix":"M"}]}"#)
            .expect("valid");
        assert_eq!(key_paths(&m), ["block", "lot", "odd_even", "street"]);
        let cases: &[(&str, &[i32])] = &[
            (
                r#"{"odd_even":"E","lot":"000101","block":"0001","flag":true}"#,
                &[1, 2],
            ),
            (r#"{"odd_even":"O","street":"MA"}"#, &[3]),
            (r#"{"odd_even":"E","street":"MAIN"}"#, &[4]),
            (r#"{"odd_even":"O","lot":"000101","street":"MAIN"}"#, &[]),
        ];
        assert_plain_matches(&m, cases);
    }

    /// Among many branches, one whose best field is on a path no other branch keys on
    /// keys on a field that others' keys make the scan read anyway, unless that selects
    /// several times more.
    #[test]
    fn a_path_few_branches_key_on_is_chosen_only_when_much_narrower() {
        let mut m = Matcher::new();
        for i in 0..200 {
            let p = format!(r#"{{"a":["a{i}"]}}"#);
            m.add(i, p.as_bytes()).expect("valid");
        }
        // `"a7"` selects two branches, `"z1"` one: not narrower enough for a path of its
        // own.
        m.add(200, br#"{"a":["a7"],"z":["z1"]}"#).expect("valid");
        // Ten branches share `"a8"`: `"z2"` is narrower by more than the cost.
        for i in 0..10 {
            let p = format!(r#"{{"a":["a8"],"y":["y{i}"]}}"#);
            m.add(201 + i, p.as_bytes()).expect("valid");
        }
        // The 256th branch makes every branch choose again, knowing all that are shared
        // (the first `y` branches were added while `"a8"` was shared by few).
        for i in 211..256 {
            let p = format!(r#"{{"a":["a{i}"]}}"#);
            m.add(i, p.as_bytes()).expect("valid");
        }
        let keys = key_paths(&m);
        assert_eq!(keys.iter().filter(|&&k| k == "a").count(), 246);
        assert_eq!(keys.iter().filter(|&&k| k == "y").count(), 10);
        let cases: &[(&str, &[i32])] = &[
            (r#"{"a":"a7","z":"z1"}"#, &[7, 200]),
            (r#"{"a":"a7","z":"z2"}"#, &[7]),
            (r#"{"a":"a8","y":"y3"}"#, &[8, 204]),
            (r#"{"z":"z1"}"#, &[]),
        ];
        assert_plain_matches(&m, cases);
    }

    /// A path that only candidates keyed under another top-level entry read is left
    /// unrecorded in a plain event when, at its first leaf, those keys were read and
    /// selected nothing; it is recorded when a key comes later, selected a candidate, or
    /// shares its top-level entry.
    #[test]
    fn paths_read_only_by_candidates_keyed_elsewhere_are_recorded_when_needed() {
        let mut m = Matcher::new();
        m.add(
            1,
            br#"{"p":{"t":["AVE"]},"g":{"c":[{"numeric":[">",1,"<",2]}]}}"#,
        )
        .expect("valid");
        m.add(2, br#"{"g":{"c":[{"numeric":[">",5,"<",6]}]}}"#)
            .expect("valid");
        // Keyed under the same top-level entry as the path it reads.
        m.add(3, br#"{"g":{"k":["key3"],"c":[7]}}"#).expect("valid");
        let c = m.paths["g.c"] as usize;
        assert!(!m.lazy[c], "a reader keyed under g");
        m.remove(&3);
        assert!(m.lazy[c]);
        let cases: &[(&str, &[i32])] = &[
            // The key first: unrecorded when it selects nothing, recorded when it does.
            (r#"{"p":{"t":"ST"},"g":{"c":[[1.5,5.5],[0,0]]}}"#, &[2]),
            (r#"{"p":{"t":"AVE"},"g":{"c":[[1.5,5.5],[0,0]]}}"#, &[1, 2]),
            (r#"{"p":{"t":"AVE"},"g":{"c":[[3,4]]}}"#, &[]),
            // The key after the path: recorded.
            (r#"{"g":{"c":[[1.5,0]]},"p":{"t":"AVE"}}"#, &[1]),
            (r#"{"g":{"c":[[1.5,0]]},"p":{"t":"ST"}}"#, &[]),
        ];
        for plain in [true, false] {
            for &(event, want) in cases {
                assert_eq!(matched(&m, event, plain), want, "{event} (plain: {plain})");
            }
        }
        // Only plain events: in others a dotted key may carry the path's leaves too.
        let dotted = r#"{"p":{"t":"ST"},"g":{"c":[0]},"p.t":"AVE","g.c":1.5}"#;
        let got = matched(&m, dotted, false);
        let reference = crate::json::parse(dotted.as_bytes()).expect("json");
        let want: Vec<i32> = [1, 2]
            .into_iter()
            .filter(|k| crate::reference::matches(m.get(k).expect("added"), &reference))
            .collect();
        assert_eq!(got, want, "{dotted}");
    }

    /// Removing patterns leaves their branches' checks behind in one block until they
    /// outnumber the live ones; then the block is compacted, and every pattern left (and
    /// every pattern added after, in the branches freed) is still checked against its own
    /// fields.
    #[test]
    fn checks_of_removed_patterns_are_compacted_away() {
        let mut m = Matcher::new();
        let pattern = |i: u32| {
            if i % 3 == 0 {
                // Two branches: the pattern is emitted once whichever holds.
                format!(r#"{{"$or":[{{"k":["{i}"],"a":["x{i}"]}},{{"k":["{i}"],"b":["y{i}"]}}]}}"#)
            } else {
                format!(r#"{{"k":["{i}"],"a":["x{i}"],"b":[{{"prefix":"y{i}"}}]}}"#)
            }
        };
        let check = |m: &Matcher<u32>, live: &dyn Fn(u32) -> bool| {
            for i in 0..3000u32 {
                let hit = format!(r#"{{"k":"{i}","a":"x{i}","b":"y{i}z"}}"#);
                let miss = format!(r#"{{"k":"{i}","a":"x{}","b":"z"}}"#, i + 1);
                let want: Vec<u32> = if live(i) { vec![i] } else { vec![] };
                assert_eq!(m.matches(hit.as_bytes()).expect("scanned"), want, "{hit}");
                assert!(
                    m.matches(miss.as_bytes()).expect("scanned").is_empty(),
                    "{miss}"
                );
            }
        };
        for i in 0..3000 {
            m.add(i, pattern(i).as_bytes()).expect("valid");
        }
        let before = m.checks.len();
        for i in (0..3000).filter(|i| i % 4 != 0) {
            assert!(m.remove(&i));
        }
        assert!(
            m.checks.len() < before / 2,
            "compacted: {} of {before}",
            m.checks.len()
        );
        check(&m, &|i| i % 4 == 0);
        for i in (0..3000).filter(|i| i % 4 == 1) {
            m.add(i, pattern(i).as_bytes()).expect("valid");
        }
        check(&m, &|i| i % 4 < 2);
    }

    /// Regression (found by tests/properties.rs): a string leaf that is not UTF-8 was
    /// dropped after marking its path present, so it passed neither `exists: true` nor
    /// `exists: false`; it is now read with its bad sequences as U+FFFD.
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

    /// Branches keyed on one shared test that need a hit on one other path become a
    /// group from [`GROUP_FROM`] members on (branches added once the test is shared by as
    /// many), and single branches again below half as many; the matches are the reference
    /// matcher's throughout, with keys and values in arrays and in array elements, in
    /// plain and full reading.
    #[test]
    fn branches_sharing_a_key_test_are_grouped_while_many() {
        let mut m = Matcher::new();
        // `a` selects 16 branches, a range 20 (its breadth): `a` is every branch's key.
        let pattern = |i: i32| {
            if i % 4 == 3 {
                format!(
                    r#"{{"o":{{"a":["xy"],"n":[{{"numeric":[">=",{i},"<",{}]}}]}},"z":[{{"exists":false}}]}}"#,
                    i + 1
                )
            } else {
                format!(
                    r#"{{"o":{{"a":["xy"],"n":[{{"numeric":[">=",{i},"<",{}]}}]}}}}"#,
                    i + 1
                )
            }
        };
        let events = [
            r#"{"o":{"a":"xy","n":3.5}}"#,
            r#"{"o":{"a":"xy","n":[3.5,7.25,11]}}"#,
            r#"{"o":{"a":["y","xy"],"n":2}}"#,
            r#"{"o":{"a":"y","n":3}}"#,
            r#"{"o":{"n":3,"a":"xy"},"z":1}"#,
            r#"{"o":[{"a":"xy","n":1},{"a":"y","n":5.5}]}"#,
            r#"{"o":[{"a":"y","n":[1,6]},{"a":["xy","y"],"n":6.5}]}"#,
            r#"{"o":{"a":"xy"}}"#,
            r#"{"o":[{"a":"xy","n":1},{"a":"y","n":9.5}]}"#,
            r#"{"o":[{"a":"xy","n":12.5},{"a":"y","n":[9.5,11.5]}]}"#,
            r#"{"o":{"a":"xy","n":[9.5,15]},"z":null}"#,
        ];
        let groups = |m: &Matcher<i32>| m.groups.iter().filter(|g| g.active).count();
        let agree = |m: &Matcher<i32>| {
            for event in events {
                let doc = crate::json::parse(event.as_bytes()).expect("json");
                let mut want: Vec<i32> = (0..16)
                    .filter(|k| m.get(k).is_some_and(|p| crate::reference::matches(p, &doc)))
                    .collect();
                want.sort_unstable();
                assert_eq!(matched(m, event, false), want, "{event}");
                if doc.is_plain() {
                    assert_eq!(matched(m, event, true), want, "{event} (plain)");
                }
            }
        };
        for i in 0..16 {
            m.add(i, pattern(i).as_bytes()).expect("valid");
        }
        assert_eq!(
            groups(&m),
            1,
            "the last eight, added once `a` was shared by eight"
        );
        assert_eq!(key_paths(&m), vec!["o.a"; 16]);
        agree(&m);
        for i in 8..14 {
            m.remove(&i);
        }
        assert_eq!(groups(&m), 0, "two members are indexed one by one");
        agree(&m);
        for i in 8..14 {
            m.add(i, pattern(i).as_bytes()).expect("valid");
        }
        assert_eq!(groups(&m), 1);
        agree(&m);
        for i in 0..16 {
            m.remove(&i);
        }
        assert!(m.group_of.is_empty() && m.fields.iter().all(FieldIndex::is_empty));
    }
}
