//! The tests of all patterns on one field path, indexed by kind so that a leaf value finds
//! the slots it satisfies without looking at each pattern in turn.

use rustc_hash::FxHashMap;

use super::lens::LenIndex;
use super::numeric::NumericIndex;
use super::slots::{Items, KeyMap, Slots, StrKey};
use super::SlotId;
use crate::pattern::{AnythingBut, Test};
use crate::value::{comparable_text, number_bits, Coordinate, Leaf, Literal, Number, POW10};
use crate::wildcard::Wildcard;
use crate::{caseless, cidr};

/// All tests on one path.
#[derive(Debug)]
pub(crate) struct FieldIndex {
    exact_str: KeyMap<Slots>,
    /// Numbers by value ([`Number::key`] bits) and, when not exactly a double, by text.
    exact_num: FxHashMap<u64, Slots>,
    exact_num_text: KeyMap<Slots>,
    /// `true`, `false`, `null`.
    exact_other: [Vec<SlotId>; 3],
    prefix: LenIndex<SlotId>,
    suffix: LenIndex<SlotId>,
    caseless: Caseless,
    /// Wildcards indexed by their literal head, else by their literal tail, else scanned.
    wildcard_head: LenIndex<Glob>,
    wildcard_tail: LenIndex<Glob>,
    wildcard_rest: Vec<(Wildcard, SlotId)>,
    numeric: NumericIndex<SlotId>,
    /// Networks by (is IPv6, mask bits), then by masked address.
    cidr: FxHashMap<(bool, u8), FxHashMap<u128, Slots>>,
    /// Any leaf at all: `exists: true`.
    any: Vec<SlotId>,
    /// `anything-but` value lists: every such slot matches unless the value is excluded.
    /// A slot is here once per list (its field may have several `anything-but` tests),
    /// and under each distinct value of each list in `but_str`/`but_num`/`but_num_text`.
    but_values: Vec<SlotId>,
    /// How many value lists each slot in `but_values` has.
    but_lists: FxHashMap<SlotId, usize>,
    but_str: KeyMap<Slots>,
    but_num: FxHashMap<u64, Slots>,
    but_num_text: KeyMap<Slots>,
    /// The other `anything-but` forms, tested one by one.
    but_other: Vec<(AnythingBut, SlotId)>,
    /// The smallest and largest negative number, and the smallest and largest other
    /// number, that a test here compares with by value (exact numbers, `anything-but`
    /// numbers, range ends; a range across zero covers zero on both sides): widened as
    /// tests come, never narrowed (so always covering them). Two spans, so that ranges
    /// on longitudes (negative) and on latitudes (positive) leave the numbers between
    /// them, a point's third value `0.0`, far.
    neg: (f64, f64),
    pos: (f64, f64),
    /// Whether every number spelled with a `-` (nothing negative, no zero covered), and
    /// whether every number spelled without one (nothing covered at or above zero), is
    /// far: what the first byte of a number decides.
    minus_far: bool,
    plus_far: bool,
    /// Ranges with an open end (which hold numbers outside `neg` and `pos`).
    open_ranges: usize,
    /// How many tests are indexed here.
    tests: usize,
    wants_number: usize,
    wants_folded: usize,
}

impl Default for FieldIndex {
    fn default() -> Self {
        FieldIndex {
            exact_str: KeyMap::default(),
            exact_num: FxHashMap::default(),
            exact_num_text: KeyMap::default(),
            exact_other: Default::default(),
            prefix: LenIndex::default(),
            suffix: LenIndex::default(),
            caseless: Caseless::default(),
            wildcard_head: LenIndex::default(),
            wildcard_tail: LenIndex::default(),
            wildcard_rest: Vec::new(),
            numeric: NumericIndex::default(),
            cidr: FxHashMap::default(),
            any: Vec::new(),
            but_values: Vec::new(),
            but_lists: FxHashMap::default(),
            but_str: KeyMap::default(),
            but_num: FxHashMap::default(),
            but_num_text: KeyMap::default(),
            but_other: Vec::new(),
            neg: (f64::INFINITY, f64::NEG_INFINITY),
            pos: (f64::INFINITY, f64::NEG_INFINITY),
            minus_far: true,
            plus_far: true,
            open_ranges: 0,
            tests: 0,
            wants_number: 0,
            wants_folded: 0,
        }
    }
}

/// A number's value read from its first ten significant digits (the rest dropped), from
/// its text (as `json::scan_number` accepts it) without a full parse: within a relative
/// 1e-9, or `None` for forms it leaves to the parse (exponents, scales beyond 1e±22).
/// Enough to tell that a number is far from every number a field's tests name.
/// Sets `split` to [`Coordinate::of`] of `t`, which it reads first.
#[inline]
pub(crate) fn rough_number(t: &[u8], split: &mut Option<Coordinate>) -> Option<f64> {
    const SIGNIFICANT: u32 = 10;
    const NEG_POW10: [f64; 23] = [
        1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13,
        1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
    ];
    let (negative, t) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    *split = Coordinate::split(t);
    if let Some(c) = split {
        let v = c.int as f64 + c.first as f64 * 1e-8;
        return Some(if negative { -v } else { v });
    }
    let mut mantissa = 0u64;
    let mut digits = 0;
    let mut exponent = 0i32;
    let mut fraction = false;
    for &b in t {
        match b {
            b'0'..=b'9' => {
                if digits < SIGNIFICANT {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    if mantissa != 0 {
                        digits += 1;
                    }
                    if fraction {
                        exponent -= 1;
                    }
                } else if !fraction {
                    exponent += 1;
                } else if t.iter().any(|&c| c == b'e' || c == b'E') {
                    // The rest of the fraction cannot matter, but an exponent would.
                    return None;
                } else {
                    break;
                }
            }
            b'.' if !fraction => fraction = true,
            _ => return None,
        }
    }
    // Multiplying by an inexact 1e-k (within half an ulp) keeps the result within 1e-15
    // and costs a fraction of a division.
    let v = mantissa as f64;
    let v = if exponent >= 0 {
        v * *POW10.get(exponent as usize)?
    } else {
        v * *NEG_POW10.get(exponent.unsigned_abs() as usize)?
    };
    Some(if negative { -v } else { v })
}

/// A wildcard in `wildcard_head` (or `wildcard_tail`), found by its literal head (tail),
/// with the literal at its other end kept inline: most values are decided by that end and
/// their length without following the wildcard's pointers.
#[derive(Debug, PartialEq)]
struct Glob {
    wildcard: Wildcard,
    slot: SlotId,
    /// The tail (for `wildcard_head`) or head (for `wildcard_tail`).
    other: StrKey,
    /// The length of head and tail together: the least a value needs.
    ends: usize,
    /// One star: ends of the right length and text are a match.
    simple: bool,
}

impl Glob {
    fn new(w: &Wildcard, slot: SlotId, other: &str) -> Glob {
        Glob {
            wildcard: w.clone(),
            slot,
            other: StrKey::new(other.as_bytes()),
            ends: w.head().len() + w.tail().len(),
            simple: w.stars() == 1,
        }
    }
}

/// The three case-insensitive tests (`equals-ignore-case`, and the `prefix` and `suffix`
/// forms) by [`caseless::pattern_key`]: a value looks its own key up, and each test found
/// decides whether it passes.
#[derive(Debug)]
struct CaseIndex<T> {
    equals: KeyMap<Items<T>>,
    prefix: LenIndex<T>,
    suffix: LenIndex<T>,
}

impl<T> Default for CaseIndex<T> {
    fn default() -> Self {
        CaseIndex {
            equals: KeyMap::default(),
            prefix: LenIndex::default(),
            suffix: LenIndex::default(),
        }
    }
}

/// An item of a [`CaseIndex`].
trait CaseItem: PartialEq + Sized {
    fn new(text: &str, slot: SlotId) -> Self;
    fn slot(&self) -> SlotId;
    /// Whether the value, whose key holds `literal` where this test's key is, passes
    /// `test` ([`caseless::equals`], `starts_with` or `ends_with`). `ascii`: the value is
    /// ASCII.
    fn passes<'v>(
        &self,
        value: impl Fn() -> &'v str,
        ascii: bool,
        literal: &[u8],
        test: fn(&str, &str) -> bool,
    ) -> bool;
}

/// A test of ASCII text: its key is its text (case does not matter there), so an ASCII
/// value whose key holds it passes; another value is checked against the key.
impl CaseItem for SlotId {
    fn new(_: &str, slot: SlotId) -> Self {
        slot
    }

    fn slot(&self) -> SlotId {
        *self
    }

    #[inline]
    fn passes<'v>(
        &self,
        value: impl Fn() -> &'v str,
        ascii: bool,
        literal: &[u8],
        test: fn(&str, &str) -> bool,
    ) -> bool {
        ascii || std::str::from_utf8(literal).is_ok_and(|l| test(value(), l))
    }
}

/// A test of other text, which decides which values pass.
#[derive(Debug, PartialEq)]
struct WideText {
    slot: SlotId,
    text: Box<str>,
}

impl CaseItem for WideText {
    fn new(text: &str, slot: SlotId) -> Self {
        WideText {
            slot,
            text: text.into(),
        }
    }

    fn slot(&self) -> SlotId {
        self.slot
    }

    fn passes<'v>(
        &self,
        value: impl Fn() -> &'v str,
        _: bool,
        _: &[u8],
        test: fn(&str, &str) -> bool,
    ) -> bool {
        test(value(), &self.text)
    }
}

impl<T: CaseItem> CaseIndex<T> {
    fn is_empty(&self) -> bool {
        self.equals.is_empty() && self.prefix.is_empty() && self.suffix.is_empty()
    }

    fn insert(&mut self, test: &Test, slot: SlotId) {
        match test {
            Test::Prefix { text, .. } => self
                .prefix
                .insert(caseless::pattern_key(text).as_bytes(), T::new(text, slot)),
            Test::Suffix { text, .. } => self
                .suffix
                .insert(caseless::pattern_key(text).as_bytes(), T::new(text, slot)),
            Test::EqualsIgnoreCase(text) => self
                .equals
                .entry(caseless::pattern_key(text).as_bytes())
                .push(T::new(text, slot)),
            _ => {}
        }
    }

    fn remove(&mut self, test: &Test, slot: SlotId) {
        match test {
            Test::Prefix { text, .. } => {
                let gone = T::new(text, slot);
                self.prefix
                    .remove(caseless::pattern_key(text).as_bytes(), |c| *c == gone)
            }
            Test::Suffix { text, .. } => {
                let gone = T::new(text, slot);
                self.suffix
                    .remove(caseless::pattern_key(text).as_bytes(), |c| *c == gone)
            }
            Test::EqualsIgnoreCase(text) => {
                let key = caseless::pattern_key(text);
                let gone = T::new(text, slot);
                if let Some(items) = self.equals.get_mut(key.as_bytes()) {
                    items.retain(|c| *c != gone);
                    if items.is_empty() {
                        self.equals.remove(key.as_bytes());
                    }
                }
            }
            _ => {}
        }
    }

    /// Calls `hit` with the slot of every test that the value with `key` passes.
    #[inline]
    fn matches<'v>(
        &self,
        key: &[u8],
        ascii: bool,
        value: impl Fn() -> &'v str + Copy,
        hit: &mut impl FnMut(SlotId),
    ) {
        if let Some(v) = self.equals.get(key) {
            for c in v.as_slice() {
                if c.passes(value, ascii, key, caseless::equals) {
                    hit(c.slot());
                }
            }
        }
        self.prefix.prefixes_of(key, |literal, c| {
            if c.passes(value, ascii, literal, caseless::starts_with) {
                hit(c.slot());
            }
        });
        self.suffix.suffixes_of(key, |literal, c| {
            if c.passes(value, ascii, literal, caseless::ends_with) {
                hit(c.slot());
            }
        });
    }
}

/// The case-insensitive tests of one path: those of ASCII text (decided by the key alone
/// for ASCII values) apart from the others.
#[derive(Debug, Default)]
struct Caseless {
    ascii: CaseIndex<SlotId>,
    wide: CaseIndex<WideText>,
}

impl Caseless {
    /// The text of a case-insensitive test.
    fn text(test: &Test) -> Option<&str> {
        match test {
            Test::Prefix {
                text,
                ignore_case: true,
            }
            | Test::Suffix {
                text,
                ignore_case: true,
            }
            | Test::EqualsIgnoreCase(text) => Some(text),
            _ => None,
        }
    }

    fn insert(&mut self, test: &Test, slot: SlotId) {
        match Self::text(test) {
            Some(text) if text.is_ascii() => self.ascii.insert(test, slot),
            Some(_) => self.wide.insert(test, slot),
            None => {}
        }
    }

    fn remove(&mut self, test: &Test, slot: SlotId) {
        match Self::text(test) {
            Some(text) if text.is_ascii() => self.ascii.remove(test, slot),
            Some(_) => self.wide.remove(test, slot),
            None => {}
        }
    }

    #[inline]
    fn matches<'v>(
        &self,
        key: &[u8],
        ascii: bool,
        value: impl Fn() -> &'v str + Copy,
        hit: &mut impl FnMut(SlotId),
    ) {
        self.ascii.matches(key, ascii, value, hit);
        if !self.wide.is_empty() {
            self.wide.matches(key, ascii, value, hit);
        }
    }
}

fn bool_index(leaf: &Leaf<'_>) -> Option<usize> {
    match leaf {
        Leaf::Bool(true) => Some(0),
        Leaf::Bool(false) => Some(1),
        Leaf::Null => Some(2),
        _ => None,
    }
}

fn literal_other(lit: &Literal) -> Option<usize> {
    match lit {
        Literal::Bool(true) => Some(0),
        Literal::Bool(false) => Some(1),
        Literal::Null => Some(2),
        _ => None,
    }
}

fn remove_from<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, Slots>, key: &K, slot: SlotId) {
    if let Some(v) = map.get_mut(key) {
        v.retain(|&s| s != slot);
        if v.is_empty() {
            map.remove(key);
        }
    }
}

fn remove_text(map: &mut KeyMap<Slots>, key: &[u8], slot: SlotId) {
    if let Some(v) = map.get_mut(key) {
        v.retain(|&s| s != slot);
        if v.is_empty() {
            map.remove(key);
        }
    }
}

fn num_bits(n: &Number) -> Option<u64> {
    number_bits(n.value(), n.text())
}

impl FieldIndex {
    pub(crate) fn is_empty(&self) -> bool {
        self.tests == 0
    }

    /// Adds one test of `slot`. `Exists(false)` is not indexed here: absence is checked
    /// by the matcher.
    pub(crate) fn insert(&mut self, test: &Test, slot: SlotId) {
        if let Test::Exists(false) = test {
            return;
        }
        self.tests += 1;
        self.account(test, 1);
        match test {
            Test::Exact(Literal::String(s)) => self.exact_str.entry(s.as_bytes()).push(slot),
            Test::Exact(Literal::Number(n)) => match num_bits(n) {
                Some(b) => {
                    self.cover(n.value());
                    self.exact_num.entry(b).or_default().push(slot)
                }
                None => self.exact_num_text.entry(n.text().as_bytes()).push(slot),
            },
            Test::Exact(lit) => {
                self.exact_other[literal_other(lit).expect("not a string or number")].push(slot)
            }
            Test::Prefix {
                text,
                ignore_case: false,
            } => self.prefix.insert(text.as_bytes(), slot),
            Test::Prefix {
                ignore_case: true, ..
            }
            | Test::Suffix {
                ignore_case: true, ..
            }
            | Test::EqualsIgnoreCase(_) => self.caseless.insert(test, slot),
            Test::Suffix {
                text,
                ignore_case: false,
            } => self.suffix.insert(text.as_bytes(), slot),
            Test::Wildcard(w) => {
                if !w.head().is_empty() {
                    self.wildcard_head
                        .insert(w.head().as_bytes(), Glob::new(w, slot, w.tail()));
                } else if !w.tail().is_empty() {
                    self.wildcard_tail
                        .insert(w.tail().as_bytes(), Glob::new(w, slot, w.head()));
                } else {
                    self.wildcard_rest.push((w.clone(), slot));
                }
            }
            Test::Numeric(r) => {
                match (r.lower, r.upper) {
                    (Some(lo), Some(hi)) => {
                        self.cover(lo.value);
                        self.cover(hi.value);
                        if lo.value < 0.0 && hi.value >= 0.0 {
                            // Across zero: both spans reach it (`cover` then sets the
                            // first-byte flags from both).
                            self.neg.1 = 0.0;
                            self.cover(0.0);
                        }
                    }
                    _ => self.open_ranges += 1,
                }
                self.numeric.insert(*r, slot)
            }
            Test::Cidr(c) => self
                .cidr
                .entry((c.v6, c.bits))
                .or_default()
                .entry(c.network)
                .or_default()
                .push(slot),
            Test::Exists(true) => self.any.push(slot),
            Test::Exists(false) => {}
            Test::AnythingBut(AnythingBut::Values(vals)) => {
                self.but_values.push(slot);
                *self.but_lists.entry(slot).or_default() += 1;
                for (i, v) in vals.iter().enumerate() {
                    if vals[..i].contains(v) {
                        // Once per list, so entries count the lists excluding a value.
                        continue;
                    }
                    match v {
                        Literal::String(s) => self.but_str.entry(s.as_bytes()).push(slot),
                        Literal::Number(n) => match num_bits(n) {
                            Some(b) => {
                                self.cover(n.value());
                                self.but_num.entry(b).or_default().push(slot)
                            }
                            None => self.but_num_text.entry(n.text().as_bytes()).push(slot),
                        },
                        _ => {}
                    }
                }
            }
            Test::AnythingBut(ab) => self.but_other.push((ab.clone(), slot)),
        }
    }

    /// Removes one test of `slot` (the same test that was inserted).
    pub(crate) fn remove(&mut self, test: &Test, slot: SlotId) {
        // `Exists(false)` was never counted. (Taking one off and adding it back, as this
        // did, overflowed when it came after the field's last counted test.)
        if let Test::Exists(false) = test {
            return;
        }
        self.tests -= 1;
        self.account(test, -1);
        match test {
            Test::Exact(Literal::String(s)) => remove_text(&mut self.exact_str, s.as_bytes(), slot),
            Test::Exact(Literal::Number(n)) => match num_bits(n) {
                Some(b) => remove_from(&mut self.exact_num, &b, slot),
                None => remove_text(&mut self.exact_num_text, n.text().as_bytes(), slot),
            },
            Test::Exact(lit) => self.exact_other
                [literal_other(lit).expect("not a string or number")]
            .retain(|&s| s != slot),
            Test::Prefix {
                text,
                ignore_case: false,
            } => self.prefix.remove(text.as_bytes(), |&s| s == slot),
            Test::Prefix {
                ignore_case: true, ..
            }
            | Test::Suffix {
                ignore_case: true, ..
            }
            | Test::EqualsIgnoreCase(_) => self.caseless.remove(test, slot),
            Test::Suffix {
                text,
                ignore_case: false,
            } => self.suffix.remove(text.as_bytes(), |&s| s == slot),
            Test::Wildcard(w) => {
                if !w.head().is_empty() {
                    self.wildcard_head
                        .remove(w.head().as_bytes(), |g| g.slot == slot);
                } else if !w.tail().is_empty() {
                    self.wildcard_tail
                        .remove(w.tail().as_bytes(), |g| g.slot == slot);
                } else {
                    self.wildcard_rest.retain(|(_, s)| *s != slot);
                }
            }
            Test::Numeric(r) => {
                if r.lower.is_none() || r.upper.is_none() {
                    self.open_ranges -= 1;
                }
                self.numeric.remove(|&s| s == slot)
            }
            Test::Cidr(c) => {
                if let Some(m) = self.cidr.get_mut(&(c.v6, c.bits)) {
                    remove_from(m, &c.network, slot);
                    if m.is_empty() {
                        self.cidr.remove(&(c.v6, c.bits));
                    }
                }
            }
            Test::Exists(true) => self.any.retain(|&s| s != slot),
            Test::Exists(false) => {}
            Test::AnythingBut(AnythingBut::Values(vals)) => {
                self.but_values.retain(|&s| s != slot);
                self.but_lists.remove(&slot);
                for v in vals {
                    match v {
                        Literal::String(s) => remove_text(&mut self.but_str, s.as_bytes(), slot),
                        Literal::Number(n) => match num_bits(n) {
                            Some(b) => remove_from(&mut self.but_num, &b, slot),
                            None => remove_text(&mut self.but_num_text, n.text().as_bytes(), slot),
                        },
                        _ => {}
                    }
                }
            }
            Test::AnythingBut(_) => self.but_other.retain(|(_, s)| *s != slot),
        }
    }

    /// Widens the span of `x`'s sign (`-0` counts as `0`) to `x`.
    fn cover(&mut self, x: f64) {
        let span = if x < 0.0 {
            &mut self.neg
        } else {
            &mut self.pos
        };
        span.0 = span.0.min(x);
        span.1 = span.1.max(x);
        let empty = |(lo, hi): (f64, f64)| lo > hi;
        self.minus_far = empty(self.neg) && self.pos.0 > 0.0;
        self.plus_far = empty(self.pos);
    }

    /// Whether a number (its text, as `json::scan_number` accepts it) surely equals no
    /// number a test here compares with and lies inside no range: then no test needs its
    /// exact value ([`FieldIndex::matches_far_number`]). The text is read no further than
    /// needed: a sign that no test's number has decides at once, else the first ten
    /// significant digits; `split` keeps what [`Coordinate::of`] finds of it, when asked.
    #[inline]
    pub(crate) fn far_from_number_text(&self, t: &[u8], split: &mut Option<Coordinate>) -> bool {
        if self.open_ranges != 0 {
            return false;
        }
        // A sign no test's number has decides at once (`-0` is `0`: not negative).
        match t.first() {
            Some(b'-') if self.minus_far => return true,
            Some(b'0'..=b'9') if self.plus_far => return true,
            _ => {}
        }
        match rough_number(t, split) {
            Some(a) => {
                // `rough_number` is within 1e-9 of the value: twice that keeps clear.
                let margin = a.abs() * 2e-8;
                let outside = |(lo, hi): (f64, f64)| a + margin < lo || a - margin > hi;
                if a > margin {
                    outside(self.pos)
                } else if a < -margin {
                    outside(self.neg)
                } else {
                    // Near zero, both spans (the value's sign may be either).
                    outside(self.neg) && outside(self.pos)
                }
            }
            None => false,
        }
    }

    /// [`FieldIndex::matches`] for a number (`text`) that is [`far_from_number_text`]: it
    /// equals no number by value and lies in no range, so only what does not depend on
    /// its value is left.
    ///
    /// [`far_from_number_text`]: FieldIndex::far_from_number_text
    #[inline]
    pub(crate) fn matches_far_number(&self, text: &[u8], mut hit: impl FnMut(SlotId)) {
        // Most often (ranges, exact numbers) nothing is left: answer without a call.
        if self.any.is_empty()
            && self.but_other.is_empty()
            && (self.wants_number == 0
                || (self.exact_num_text.is_empty() && self.but_values.is_empty()))
        {
            return;
        }
        self.far_number_hits(text, &mut hit);
    }

    /// [`FieldIndex::matches_far_number`] when some test may pass.
    fn far_number_hits(&self, text: &[u8], hit: &mut impl FnMut(SlotId)) {
        self.any.iter().for_each(|&s| hit(s));
        if self.wants_number > 0 {
            if let Some(v) = self.exact_num_text.get(text) {
                v.as_slice().iter().for_each(|&s| hit(s));
            }
            if !self.but_values.is_empty() {
                let excluded = self.but_num_text.get(text);
                self.hit_but_values(excluded.map_or(&[][..], Slots::as_slice), hit);
            }
        }
        // The other `anything-but` forms only ever exclude strings.
        self.but_other.iter().for_each(|&(_, s)| hit(s));
    }

    fn account(&mut self, test: &Test, delta: isize) {
        let number = matches!(
            test,
            Test::Exact(Literal::Number(_))
                | Test::Numeric(_)
                | Test::AnythingBut(AnythingBut::Values(_))
        );
        let folded = Caseless::text(test).is_some();
        if number {
            self.wants_number = self.wants_number.wrapping_add_signed(delta);
        }
        if folded {
            self.wants_folded = self.wants_folded.wrapping_add_signed(delta);
        }
    }

    /// Calls `hit` with every slot whose test this leaf passes (a slot may come more than
    /// once). For numbers, `text` is the number's text.
    pub(crate) fn matches(&self, leaf: &Leaf<'_>, mut hit: impl FnMut(SlotId)) {
        match *leaf {
            Leaf::Number(x, text) => {
                self.matches_number(x, text.as_bytes(), false, true, |slots| {
                    slots.iter().for_each(|&s| hit(s))
                })
            }
            _ => self.matches_other(leaf, hit),
        }
    }

    /// [`FieldIndex::matches`] for a number: `x` is the double nearest `text` (a JSON
    /// number, so ASCII), and `exact` says it is known to be exactly that double (see
    /// [`crate::value::is_comparable`]; `false` when not known). `hits` gets the slots a
    /// list at a time: a coordinate among overlapping ranges has many. `ranges`: whether
    /// to ask the numeric ranges too; the caller that says no asks them of this number
    /// and its neighbours together ([`FieldIndex::ranges_together`]).
    #[inline]
    pub(crate) fn matches_number(
        &self,
        x: f64,
        text: &[u8],
        exact: bool,
        ranges: bool,
        mut hits: impl FnMut(&[SlotId]),
    ) {
        if !self.any.is_empty() {
            hits(&self.any);
        }
        let comparable = || exact || comparable_text(x, text);
        if self.wants_number > 0 {
            if ranges && !self.numeric.is_empty() {
                // Only numbers that are exactly a double compare with a range.
                self.numeric.containing(x, comparable, &mut hits);
            }
            // Whether the number is exactly a double costs a formatting for long numbers:
            // only find out when some test compares by value.
            let by_value = !self.exact_num.is_empty()
                || !self.exact_num_text.is_empty()
                || !self.but_values.is_empty();
            if by_value {
                // Look the double up first: only when some test holds it is it worth
                // finding out whether the number is exactly that double.
                let bits = if x == 0.0 { 0 } else { x.to_bits() };
                let exact_bits = self.exact_num.get(&bits);
                let but_bits = self.but_num.get(&bits);
                let by_bits = (exact_bits.is_some() || but_bits.is_some()) && comparable();
                if by_bits {
                    if let Some(v) = exact_bits {
                        hits(v.as_slice());
                    }
                } else if let Some(v) = self.exact_num_text.get(text) {
                    hits(v.as_slice());
                }
                if !self.but_values.is_empty() {
                    let excluded = if by_bits {
                        but_bits
                    } else {
                        self.but_num_text.get(text)
                    };
                    self.hit_but_values(excluded.map_or(&[][..], Slots::as_slice), &mut |s| {
                        hits(std::slice::from_ref(&s))
                    });
                }
            }
        }
        if !self.but_other.is_empty() {
            let text = std::str::from_utf8(text).unwrap_or_default();
            self.match_but_other(&Leaf::Number(x, text), &mut |s| {
                hits(std::slice::from_ref(&s))
            });
        }
    }

    /// Whether the field's numeric ranges are many enough to be asked of an event's
    /// numbers together ([`FieldIndex::matches_numbers_in_ranges`]).
    pub(crate) fn ranges_together(&self) -> bool {
        self.wants_number > 0 && self.numeric.is_many()
    }

    /// The numeric-range part of [`FieldIndex::matches_number`] for `n` numbers of one
    /// event at once, `x(i)` ascending, each exactly its double when `comparable(i)`:
    /// `hits` gets the slots of the ranges that hold one of them (see
    /// [`NumericIndex::containing_all`]; `chosen` is working memory).
    pub(crate) fn matches_numbers_in_ranges(
        &self,
        n: usize,
        x: impl Fn(usize) -> f64,
        comparable: impl Fn(usize) -> bool,
        chosen: &mut Vec<u32>,
        hits: impl FnMut(&[SlotId]),
    ) {
        self.numeric.containing_all(n, x, comparable, chosen, hits);
    }

    /// [`FieldIndex::matches`] for a leaf that is no number.
    fn matches_other(&self, leaf: &Leaf<'_>, mut hit: impl FnMut(SlotId)) {
        self.any.iter().for_each(|&s| hit(s));
        match *leaf {
            Leaf::String(s) => self.match_text(s.as_bytes(), &mut hit),
            _ => {
                if let Some(i) = bool_index(leaf) {
                    self.exact_other[i].iter().for_each(|&s| hit(s));
                }
                self.but_values.iter().for_each(|&s| hit(s));
                self.match_but_other(leaf, &mut hit);
            }
        }
    }

    /// [`FieldIndex::matches`] for a string leaf given as its bytes, which are UTF-8 (the
    /// caller has checked): most tests read bytes, and the few that want a `str` get one
    /// only when the field has them.
    #[inline]
    pub(crate) fn matches_utf8(&self, bytes: &[u8], mut hit: impl FnMut(SlotId)) {
        self.any.iter().for_each(|&s| hit(s));
        self.match_text(bytes, &mut hit);
    }

    #[inline]
    fn match_text(&self, bytes: &[u8], hit: &mut impl FnMut(SlotId)) {
        let text = || std::str::from_utf8(bytes).unwrap_or_default();
        if let Some(v) = self.exact_str.get(bytes) {
            v.as_slice().iter().for_each(|&s| hit(s));
        }
        if !self.prefix.is_empty() {
            self.prefix.prefixes_of(bytes, |_, &s| hit(s));
        }
        if !self.suffix.is_empty() {
            self.suffix.suffixes_of(bytes, |_, &s| hit(s));
        }
        if self.wants_folded > 0 {
            // The key of a short ASCII value (most of them) is made on the stack.
            let ascii = bytes.is_ascii();
            let mut buf = [0u8; 64];
            let owned;
            let key: &[u8] = if ascii && bytes.len() <= buf.len() {
                let b = &mut buf[..bytes.len()];
                b.copy_from_slice(bytes);
                b.make_ascii_lowercase();
                b
            } else {
                owned = caseless::key(text());
                owned.as_bytes()
            };
            self.caseless.matches(key, ascii, text, hit);
        }
        if !self.wildcard_head.is_empty() {
            // The head matched (it found the entry); then the tail and the length.
            self.wildcard_head.prefixes_of(bytes, |_, g| {
                if bytes.len() >= g.ends
                    && bytes.ends_with(g.other.as_bytes())
                    && (g.simple || g.wildcard.matches(text()))
                {
                    hit(g.slot)
                }
            });
        }
        if !self.wildcard_tail.is_empty() {
            self.wildcard_tail.suffixes_of(bytes, |_, g| {
                if bytes.len() >= g.ends
                    && bytes.starts_with(g.other.as_bytes())
                    && (g.simple || g.wildcard.matches(text()))
                {
                    hit(g.slot)
                }
            });
        }
        for (w, slot) in &self.wildcard_rest {
            if w.matches(text()) {
                hit(*slot);
            }
        }
        if !self.cidr.is_empty() {
            if let Some(ip) = cidr::parse_ip(text()) {
                let (v6, max) = cidr::family(ip);
                let addr = cidr::address_bits(ip);
                for (&(is_v6, bits), nets) in &self.cidr {
                    if is_v6 == v6 {
                        if let Some(v) = nets.get(&cidr::mask(addr, bits, max)) {
                            v.as_slice().iter().for_each(|&s| hit(s));
                        }
                    }
                }
            }
        }
        if !self.but_values.is_empty() {
            self.hit_but_values(
                self.but_str.get(bytes).map_or(&[][..], Slots::as_slice),
                hit,
            );
        }
        if !self.but_other.is_empty() {
            self.match_but_other(&Leaf::String(text()), hit);
        }
    }

    /// Calls `hit` for the `anything-but` value-list slots that pass a value which the
    /// lists in `excluded` (a slot once per list) exclude. A slot with several lists
    /// passes when any one of them does not exclude the value: skipping every slot in
    /// `excluded`, as this did, failed `[{"anything-but":["x"]},{"anything-but":["y"]}]`
    /// on `"x"`.
    fn hit_but_values(&self, excluded: &[SlotId], hit: &mut impl FnMut(SlotId)) {
        let lists = |s: SlotId| self.but_lists.get(&s).copied().unwrap_or(0);
        if excluded.len() <= 8 {
            for &s in &self.but_values {
                let excluding = excluded.iter().filter(|&&e| e == s).count();
                if excluding == 0 || excluding < lists(s) {
                    hit(s);
                }
            }
            return;
        }
        // Many lists exclude this value: count them once, not once per test.
        let mut excluding: FxHashMap<SlotId, usize> = FxHashMap::default();
        for &e in excluded {
            *excluding.entry(e).or_default() += 1;
        }
        for &s in &self.but_values {
            let n = excluding.get(&s).copied().unwrap_or(0);
            if n == 0 || n < lists(s) {
                hit(s);
            }
        }
    }

    fn match_but_other(&self, leaf: &Leaf<'_>, hit: &mut impl FnMut(SlotId)) {
        for (ab, slot) in &self.but_other {
            if !ab.excludes(leaf) {
                hit(*slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reading of a number is within a relative 1e-9 of its value, or declines.
    #[test]
    fn rough_number_is_close_or_declines() {
        let cases = [
            "0",
            "-0",
            "1",
            "-122.39173518757443",
            "37.807807921694092",
            "0.1",
            "-0.000001",
            "12345678901234567890",
            "123456789012345678901234",
            "1.0000000000000000000001",
            "0.0000000000000000000000001",
            "1e5",
            "99999999999999999999.5",
            "4503599627370497",
            "9007199254740993",
            "0.30000000000000004",
            "1000000000000000000000000",
            "1.2345678901234567e5",
            "-37.80780792169409e-2",
            "10.00000000",
            "-99.999999999",
            "123456789.123456789",
            "1234567890.12345678",
            "12.1234567",
            "12.12345678e3",
            "12.123456789E-3",
            "05.123456789",
            "1234567.12345678",
            "12345678.12345678",
            "12.12345678901234567",
            "12.1234567890123456",
        ];
        for t in cases {
            let exact: f64 = t.parse().expect("a number");
            match rough_number(t.as_bytes(), &mut None) {
                Some(a) => assert!(
                    (a - exact).abs() <= exact.abs() * 1e-9,
                    "{t}: {a} vs {exact}"
                ),
                None => assert!(t.contains(['e', 'E']) || t.len() > 22, "{t}: declined"),
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % 1_000_000;
            let frac = (x >> 20) % 100_000_000_000_000;
            let t = format!("{}{int}.{frac:014}", if x & 1 == 1 { "-" } else { "" });
            let exact: f64 = t.parse().expect("a number");
            let a = rough_number(t.as_bytes(), &mut None).expect("a plain decimal");
            assert!(
                (a - exact).abs() <= exact.abs() * 1e-9,
                "{t}: {a} vs {exact}"
            );
        }
        // Any length, leading zeros, the point anywhere: eight-digit chunks cut everywhere.
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 1 + (x % 30) as usize;
            let zeros = ((x >> 8) % 12) as usize;
            let mut t: String = (0..len)
                .map(|k| {
                    if k < zeros {
                        '0'
                    } else {
                        char::from(b'0' + ((x >> (k % 50)) % 10) as u8)
                    }
                })
                .collect();
            let point = ((x >> 16) % (len as u64 + 1)) as usize;
            if point > 0 && point < len {
                t.insert(point, '.');
            }
            let exact: f64 = t.parse().expect("a number");
            if let Some(a) = rough_number(t.as_bytes(), &mut None) {
                assert!(
                    (a - exact).abs() <= exact.abs() * 1e-9,
                    "{t}: {a} vs {exact}"
                );
            }
        }
    }

    /// A number near a pattern's number or range end is read exactly; one far from all of
    /// them is matched without its value and gets the same slots.
    #[test]
    fn numbers_far_from_every_test_match_as_before() {
        let mut m = crate::Matcher::new();
        m.add(1, br#"{"a":[37.807807921694092]}"#).expect("valid");
        m.add(2, br#"{"a":[{"numeric":[">=",10,"<",20]}]}"#)
            .expect("valid");
        m.add(3, br#"{"a":[{"anything-but":[15, 300]}]}"#)
            .expect("valid");
        m.add(4, br#"{"a":[12345678901234567890]}"#).expect("valid");
        m.add(5, br#"{"a":[{"exists":true}], "b":[1]}"#)
            .expect("valid");
        m.add(6, br#"{"a":[{"anything-but":{"prefix":"1"}}]}"#)
            .expect("valid");
        fn sorted(m: &crate::Matcher<i32>, event: &str) -> Vec<i32> {
            let mut got = m.matches(event.as_bytes()).expect("valid");
            got.sort_unstable();
            got
        }
        assert_eq!(sorted(&m, r#"{"a":37.807807921694092}"#), vec![1, 3, 6]);
        assert_eq!(sorted(&m, r#"{"a":15}"#), vec![2, 6]);
        assert_eq!(sorted(&m, r#"{"a":15.0,"b":1}"#), vec![2, 5, 6]);
        assert_eq!(sorted(&m, r#"{"a":3e2}"#), vec![6]);
        assert_eq!(sorted(&m, r#"{"a":300.0000000000000000001}"#), vec![3, 6]);
        assert_eq!(sorted(&m, r#"{"a":12345678901234567890}"#), vec![3, 4, 6]);
        assert_eq!(sorted(&m, r#"{"a":-122.5,"b":1}"#), vec![3, 5, 6]);
        assert_eq!(sorted(&m, r#"{"a":[1000, 12]}"#), vec![2, 3, 6]);
    }

    /// The numbers tests compare with are spanned apart by sign: between a negative and a
    /// positive span a number is far (a point's `0.0`), but a range across zero, a test
    /// at zero and `-0` keep what they hold near.
    #[test]
    fn numbers_between_the_negative_and_the_positive_span_are_far() {
        let index = |tests: &[&str]| {
            let mut f = FieldIndex::default();
            for (slot, t) in tests.iter().enumerate() {
                let p = Pattern::parse(format!(r#"{{"a":[{t}]}}"#).as_bytes()).expect("valid");
                for test in &p.branches[0].fields[0].tests {
                    f.insert(test, slot as SlotId);
                }
            }
            f
        };
        let far = |f: &FieldIndex, t: &str| f.far_from_number_text(t.as_bytes(), &mut None);
        let coordinates = index(&[
            r#"{"numeric":[">=",37.70,"<",37.81]}"#,
            r#"{"numeric":[">",-122.51,"<=",-122.36]}"#,
        ]);
        for t in [
            "0.0", "0", "-0.0", "1", "-1", "100", "-200", "37.5", "-122.6",
        ] {
            assert!(far(&coordinates, t), "{t}");
        }
        for t in ["37.75", "37.70", "-122.4", "-122.51", "37.81"] {
            assert!(!far(&coordinates, t), "{t}");
        }
        let across = index(&[r#"{"numeric":[">",-1,"<",1]}"#]);
        for t in ["0", "-0", "0.5", "-0.5", "-0.0000001", "1e-300", "-1e-300"] {
            assert!(!far(&across, t), "{t}");
        }
        assert!(far(&across, "5") && far(&across, "-5"));
        let zero = index(&["0"]);
        for t in ["0", "-0", "-0.0", "0e5", "-1e-320"] {
            assert!(!far(&zero, t), "{t}");
        }
        assert!(far(&zero, "-3") && far(&zero, "3"));
        let negative = index(&[r#"{"numeric":[">=",-5,"<=",-1]}"#]);
        assert!(far(&negative, "0") && far(&negative, "2") && far(&negative, "-0"));
        assert!(!far(&negative, "-3") && !far(&negative, "-1") && far(&negative, "-6"));
    }

    use crate::Pattern;

    /// Case-insensitive tests find candidates by key and then check them as EventBridge
    /// does: ASCII and other patterns, ASCII and other values, all three forms.
    #[test]
    fn case_insensitive_tests_check_what_their_key_finds() {
        let mut m = crate::Matcher::new();
        let patterns = [
            (1, r#"{"a":[{"equals-ignore-case":"ß"}]}"#),
            (2, r#"{"a":[{"equals-ignore-case":"SS"}]}"#),
            (3, r#"{"a":[{"equals-ignore-case":"k"}]}"#),
            (4, r#"{"a":[{"prefix":{"equals-ignore-case":"str"}}]}"#),
            (5, r#"{"a":[{"prefix":{"equals-ignore-case":"straße"}}]}"#),
            (6, r#"{"a":[{"suffix":{"equals-ignore-case":"SSE"}}]}"#),
            (7, r#"{"a":[{"suffix":{"equals-ignore-case":"ßE"}}]}"#),
            (8, r#"{"a":[{"equals-ignore-case":"ǅ"}]}"#),
        ];
        for (k, p) in patterns {
            m.add(k, p.as_bytes()).expect("valid");
        }
        fn sorted(m: &crate::Matcher<i32>, event: &str) -> Vec<i32> {
            let mut got = m.matches(event.as_bytes()).expect("valid");
            got.sort_unstable();
            got
        }
        assert_eq!(sorted(&m, r#"{"a":"SS"}"#), vec![1, 2]);
        assert_eq!(sorted(&m, r#"{"a":"ss"}"#), vec![2]);
        assert_eq!(sorted(&m, r#"{"a":"ß"}"#), vec![1]);
        assert_eq!(sorted(&m, r#"{"a":"K"}"#), vec![3]);
        assert_eq!(sorted(&m, "{\"a\":\"\u{212A}\"}"), Vec::<i32>::new());
        assert_eq!(sorted(&m, r#"{"a":"STRASSE"}"#), vec![4, 5, 6, 7]);
        assert_eq!(sorted(&m, r#"{"a":"Straße"}"#), vec![4, 5, 7]);
        assert_eq!(sorted(&m, r#"{"a":"strasse"}"#), vec![4, 6]);
        assert_eq!(sorted(&m, r#"{"a":"ǆ"}"#), vec![8]);
        assert_eq!(sorted(&m, r#"{"a":"ǅ"}"#), Vec::<i32>::new());
        assert!(m.remove(&1));
        assert!(m.remove(&5));
        assert!(m.remove(&7));
        assert_eq!(sorted(&m, r#"{"a":"SS"}"#), vec![2]);
        assert_eq!(sorted(&m, r#"{"a":"STRASSE"}"#), vec![4, 6]);
    }

    /// Regression (found by tests/properties.rs): with two `anything-but` lists on one
    /// field, a value excluded by one list was failed even though the other passes it.
    #[test]
    fn several_anything_but_lists_on_one_field() {
        let mut m = crate::Matcher::new();
        m.add(
            1,
            br#"{"a":[{"anything-but":["x","z"]},{"anything-but":["y"]}]}"#,
        )
        .expect("valid");
        m.add(
            2,
            br#"{"a":[{"anything-but":["x","x"]},{"anything-but":"x"}]}"#,
        )
        .expect("valid");
        m.add(
            3,
            br#"{"a":[{"anything-but":[300,3e2]},{"anything-but":[1]}]}"#,
        )
        .expect("valid");
        m.add(
            4,
            br#"{"a":[{"anything-but":[300]},{"anything-but":[3.0e2]}]}"#,
        )
        .expect("valid");
        fn sorted(m: &crate::Matcher<i32>, event: &str) -> Vec<i32> {
            let mut got = m.matches(event.as_bytes()).expect("valid");
            got.sort_unstable();
            got
        }
        assert_eq!(sorted(&m, r#"{"a":"x"}"#), vec![1, 3, 4]);
        assert_eq!(sorted(&m, r#"{"a":"y"}"#), vec![1, 2, 3, 4]);
        assert_eq!(sorted(&m, r#"{"a":300}"#), vec![1, 2, 3]);
        assert_eq!(sorted(&m, r#"{"a":1}"#), vec![1, 2, 3, 4]);
        assert!(m.remove(&1));
        assert_eq!(sorted(&m, r#"{"a":"y"}"#), vec![2, 3, 4]);
    }

    /// Regression (found by tests/properties.rs): removing `[-500, {"exists": false}]`
    /// from a path with no other test took the test count below zero (a panic in debug
    /// builds).
    #[test]
    fn removing_exists_false_after_the_last_test() {
        let p = Pattern::parse(br#"{"a":[-500,{"exists":false}]}"#).expect("valid");
        let tests = &p.branches[0].fields[0].tests;
        let mut idx = FieldIndex::default();
        for t in tests {
            idx.insert(t, 7);
        }
        assert!(!idx.is_empty());
        for t in tests {
            idx.remove(t, 7);
        }
        assert!(idx.is_empty());
        let mut m = crate::Matcher::new();
        m.add(1, br#"{"a":[-500,{"exists":false}]}"#)
            .expect("valid");
        assert!(m.remove(&1));
        assert_eq!(m.matches(br#"{"a":-500}"#), Ok(vec![]));
    }
}
