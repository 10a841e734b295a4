//! Numeric ranges on one field: the ranges' end points cut the number line into "atoms",
//! and a value finds its atom by a two-level search (a small array of every 32nd end
//! point, then one block of 32), then reads the ranges that hold that atom from one flat
//! list. The lists are built once after changes: per atom when their total stays within a
//! budget (one contiguous read per value), else as the node lists of a segment tree
//! (O(log n) lists per value, any overlap).
//!
//! The numbers of one event on one field (the points of a polygon, say) can also be asked
//! together, in ascending order ([`NumericIndex::containing_all`]): then only the first
//! finds its atom from the top, each later one searches on from the one before, and the
//! ranges are read about once each: those that hold the first atom from its list, those
//! that start after one atom and reach the next from a walk over the ranges in the order
//! of their first atoms (or from the next atom's own list, when that is shorter). Many
//! values among many overlapping ranges then cost about as many reads as ranges they hit,
//! not one list per value.

use crate::pattern::Range;

/// Ranges with a payload each.
#[derive(Debug, Default)]
pub(crate) struct NumericIndex<T> {
    ranges: Vec<(Range, T)>,
    tree: std::sync::OnceLock<Tree<T>>,
}

#[derive(Debug)]
struct Tree<T> {
    ends: Vec<f64>,
    /// `ends[k * STRIDE]` for every k: searched first, it fits in a few cache lines.
    coarse: Vec<f64>,
    /// The lists, flat: list `i` is `items[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    items: Vec<T>,
    /// Every range as the atoms it holds, in the order of its first atom (see
    /// [`NumericIndex::containing_all`]).
    spans: Vec<Span<T>>,
    /// Per atom, how many spans start at or before it.
    spans_to: Vec<u32>,
    /// `None`: list `a` holds every range that holds atom `a`. `Some(size)`: the lists are
    /// the nodes of an iterative segment tree over `size` leaves (atoms).
    segments: Option<usize>,
}

/// A range as the atoms it holds, `first..=last`.
#[derive(Debug, Clone, Copy)]
struct Span<T> {
    first: u32,
    last: u32,
    item: T,
}

/// Below this many ranges a linear scan is faster than the tree.
const LINEAR: usize = 12;

/// See [`Tree::coarse`].
const STRIDE: usize = 32;

/// Per-atom lists are built while their total stays under this many entries per range
/// (plus one per atom); nested or heavily overlapping ranges get the segment tree.
const PER_ATOM_BUDGET: usize = 128;

impl<T: Copy + PartialEq> NumericIndex<T> {
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether there are more ranges than a scan of them all is quick for.
    pub(crate) fn is_many(&self) -> bool {
        self.ranges.len() > LINEAR
    }

    pub(crate) fn insert(&mut self, range: Range, item: T) {
        self.ranges.push((range, item));
        self.tree = std::sync::OnceLock::new();
    }

    pub(crate) fn remove(&mut self, mut gone: impl FnMut(&T) -> bool) {
        self.ranges.retain(|(_, t)| !gone(t));
        self.tree = std::sync::OnceLock::new();
    }

    /// Calls `f` with the payloads of the ranges that hold `x`, a list at a time, if
    /// `comparable()`: asked once, and only when some range holds `x` (whether a number
    /// is exactly its double can cost a formatting).
    pub(crate) fn containing(
        &self,
        x: f64,
        comparable: impl Fn() -> bool,
        mut f: impl FnMut(&[T]),
    ) {
        if x.is_nan() {
            return;
        }
        let mut admitted = None;
        let mut admit = || *admitted.get_or_insert_with(&comparable);
        if self.ranges.len() <= LINEAR {
            for (r, t) in &self.ranges {
                if r.contains(x) && admit() {
                    f(std::slice::from_ref(t));
                }
            }
            return;
        }
        let tree = self.tree.get_or_init(|| Tree::build(&self.ranges));
        let atom = tree.atom(x);
        let list = |i: usize| &tree.items[tree.starts[i] as usize..tree.starts[i + 1] as usize];
        let mut each = |items: &[T]| {
            if !items.is_empty() && admit() {
                f(items);
            }
        };
        match tree.segments {
            None => each(list(atom)),
            Some(size) => path_to_root(atom, size).for_each(|n| each(list(n))),
        }
    }

    /// [`NumericIndex::containing`] for `n` values at once, `x(0) <= x(1) <= ...` (NaN
    /// anywhere is skipped): calls `f` with the payloads of the ranges that hold at least
    /// one value `i` with `comparable(i)`, a list at a time (a payload may come more than
    /// once). `comparable(i)` is asked only of values that some range holds, and only
    /// until one of the values in an atom answers yes. `chosen` is working memory.
    pub(crate) fn containing_all(
        &self,
        n: usize,
        x: impl Fn(usize) -> f64,
        comparable: impl Fn(usize) -> bool,
        chosen: &mut Vec<u32>,
        mut f: impl FnMut(&[T]),
    ) {
        if !self.is_many() || n == 1 {
            for i in 0..n {
                self.containing(x(i), || comparable(i), &mut f);
            }
            return;
        }
        let tree = self.tree.get_or_init(|| Tree::build(&self.ranges));
        // The atoms that some range and some admitted value hold, ascending.
        chosen.clear();
        let mut pos = None;
        for i in 0..n {
            let v = x(i);
            if v.is_nan() {
                continue;
            }
            let p = match pos {
                None => tree.position(v),
                Some(from) => tree.position_from(v, from),
            };
            pos = Some(p);
            let atom = tree.atom_at(p, v);
            let a = u32::try_from(atom).unwrap_or(u32::MAX);
            if chosen.last() != Some(&a) && tree.holds_any(atom) && comparable(i) {
                chosen.push(a);
            }
        }
        let Some(&low) = chosen.first() else {
            return;
        };
        // The ranges that hold the lowest atom, then for each later chosen atom those that
        // hold it and not the one before: the ranges that start between the two and reach
        // it, or (when fewer) all that hold it.
        tree.lists_of(low as usize, &mut f);
        let spans = &tree.spans;
        let mut from = tree.spans_to[low as usize] as usize;
        for &a in &chosen[1..] {
            let to = tree.spans_to[a as usize] as usize;
            if to - from <= tree.held(a as usize) {
                for span in &spans[from..to] {
                    if span.last >= a {
                        f(std::slice::from_ref(&span.item));
                    }
                }
            } else {
                tree.lists_of(a as usize, &mut f);
            }
            from = to;
        }
    }
}

/// The first `i` in `from..len` where `below(i)` is false (`len` if none), when it is true
/// before `from` and false from some point on: searched from `from` in steps that double,
/// for an answer near `from`.
fn search_on(len: usize, from: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut step) = (from, 1);
    loop {
        // `below` holds for everything before `lo`.
        let probe = lo + step;
        if probe > len || !below(probe - 1) {
            let hi = probe.min(len);
            let mut size = hi - lo;
            // Binary search within `lo..hi`.
            while size > 0 {
                let half = size / 2;
                if below(lo + half) {
                    lo += half + 1;
                    size -= half + 1;
                } else {
                    size = half;
                }
            }
            return lo;
        }
        lo = probe;
        step *= 2;
    }
}

/// The nodes of a segment tree over `size` leaves from atom `atom`'s leaf up to the root:
/// the nodes whose lists hold the ranges that hold the atom.
fn path_to_root(atom: usize, size: usize) -> impl Iterator<Item = usize> {
    std::iter::successors(Some(atom + size), |&n| (n > 1).then_some(n / 2))
}

impl<T: Copy> Tree<T> {
    /// The atom that holds `x` (not NaN): `2k` is the open interval below `ends[k]`,
    /// `2k + 1` the point `ends[k]`.
    #[inline]
    fn atom(&self, x: f64) -> usize {
        self.atom_at(self.position(x), x)
    }

    /// The atom that holds `x`, given its [`Tree::position`] `pos`.
    #[inline]
    fn atom_at(&self, pos: usize, x: f64) -> usize {
        if self.ends.get(pos) == Some(&x) {
            2 * pos + 1
        } else {
            2 * pos
        }
    }

    /// [`Tree::position`] of `x` when the ends before `from` are known to be below it:
    /// searched on from there, for a value near the one before.
    fn position_from(&self, x: f64, from: usize) -> usize {
        search_on(self.ends.len(), from, |i| self.ends[i] < x)
    }

    /// How many entries the lists of [`Tree::lists_of`] have for `atom`.
    fn held(&self, atom: usize) -> usize {
        let len = |i: usize| (self.starts[i + 1] - self.starts[i]) as usize;
        match self.segments {
            None => len(atom),
            Some(size) => path_to_root(atom, size).map(len).sum(),
        }
    }

    /// Whether some range holds atom `atom`.
    fn holds_any(&self, atom: usize) -> bool {
        let filled = |i: usize| self.starts[i] < self.starts[i + 1];
        match self.segments {
            None => filled(atom),
            Some(size) => path_to_root(atom, size).any(filled),
        }
    }

    /// Calls `f` with the lists that together hold every range that holds `atom`.
    fn lists_of(&self, atom: usize, mut f: impl FnMut(&[T])) {
        let mut each = |i: usize| {
            let list = &self.items[self.starts[i] as usize..self.starts[i + 1] as usize];
            if !list.is_empty() {
                f(list);
            }
        };
        match self.segments {
            None => each(atom),
            Some(size) => path_to_root(atom, size).for_each(each),
        }
    }

    /// How many ends lie below `x` (not NaN): a small array of every 32nd end first, then
    /// one block of 32.
    #[inline]
    fn position(&self, x: f64) -> usize {
        let block = self.coarse.partition_point(|&e| e < x);
        // `coarse[block - 1] < x <= coarse[block]`: the first end not below `x` lies after
        // `ends[(block - 1) * STRIDE]` and no later than `ends[block * STRIDE]`.
        let lo = if block == 0 {
            0
        } else {
            (block - 1) * STRIDE + 1
        };
        let hi = (block * STRIDE + 1).min(self.ends.len());
        lo + self.ends[lo..hi].partition_point(|&e| e < x)
    }

    fn build(ranges: &[(Range, T)]) -> Tree<T> {
        let mut ends: Vec<f64> = ranges
            .iter()
            .flat_map(|(r, _)| [r.lower.map(|b| b.value), r.upper.map(|b| b.value)])
            .flatten()
            .collect();
        ends.sort_by(f64::total_cmp);
        ends.dedup();
        let coarse = ends.iter().step_by(STRIDE).copied().collect();
        let atoms = 2 * ends.len() + 1;
        let size = atoms.next_power_of_two();
        let mut nodes: Vec<Vec<T>> = (0..2 * size).map(|_| Vec::new()).collect();
        let index = |v: f64| ends.partition_point(|&e| e < v);
        let mut spans = Vec::with_capacity(ranges.len());
        for (r, t) in ranges {
            let first = match r.lower {
                None => 0,
                Some(b) => 2 * index(b.value) + if b.inclusive { 1 } else { 2 },
            };
            let last = match r.upper {
                None => atoms - 1,
                Some(b) => {
                    let k = index(b.value);
                    if b.inclusive {
                        2 * k + 1
                    } else if k == 0 && !b.inclusive {
                        // Everything below the lowest end point: only atom 0.
                        0
                    } else {
                        2 * k
                    }
                }
            };
            if first > last {
                continue;
            }
            let atom = |a: usize| u32::try_from(a).unwrap_or(u32::MAX);
            spans.push(Span {
                first: atom(first),
                last: atom(last),
                item: *t,
            });
            // Half-open [lo, hi) over leaves, iterative segment-tree insertion.
            let (mut lo, mut hi) = (first + size, last + 1 + size);
            while lo < hi {
                if lo & 1 == 1 {
                    nodes[lo].push(*t);
                    lo += 1;
                }
                if hi & 1 == 1 {
                    hi -= 1;
                    nodes[hi].push(*t);
                }
                lo /= 2;
                hi /= 2;
            }
        }
        // Per atom, the lists on its path to the root.
        let total: usize = (0..atoms)
            .flat_map(|atom| path_to_root(atom, size))
            .map(|n| nodes[n].len())
            .sum();
        let (lists, segments): (Vec<Vec<T>>, _) = if total <= PER_ATOM_BUDGET * ranges.len() + atoms
        {
            let per_atom = (0..atoms)
                .map(|atom| {
                    path_to_root(atom, size)
                        .flat_map(|n| nodes[n].iter().copied())
                        .collect()
                })
                .collect();
            (per_atom, None)
        } else {
            (nodes, Some(size))
        };
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        starts.push(0u32);
        for list in &lists {
            items.extend_from_slice(list);
            starts.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
        }
        spans.sort_by_key(|s| s.first);
        let mut spans_to = Vec::with_capacity(atoms);
        let mut k = 0;
        for atom in 0..atoms {
            while spans
                .get(k)
                .is_some_and(|s: &Span<T>| s.first as usize <= atom)
            {
                k += 1;
            }
            spans_to.push(u32::try_from(k).unwrap_or(u32::MAX));
        }
        Tree {
            ends,
            coarse,
            starts,
            items,
            spans,
            spans_to,
            segments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Bound;

    fn range(lo: Option<(f64, bool)>, hi: Option<(f64, bool)>) -> Range {
        let b = |(value, inclusive)| Bound { value, inclusive };
        Range {
            lower: lo.map(b),
            upper: hi.map(b),
        }
    }

    #[test]
    fn tree_agrees_with_a_scan() {
        let mut idx = NumericIndex::default();
        let mut all = Vec::new();
        for i in 0..40u32 {
            let lo = f64::from(i % 7) - 3.0;
            let r = match i % 5 {
                0 => range(Some((lo, true)), None),
                1 => range(None, Some((lo, false))),
                2 => range(Some((lo, false)), Some((lo + 2.5, true))),
                3 => range(Some((lo, true)), Some((lo, true))),
                _ => range(Some((lo, true)), Some((lo + 1.0, false))),
            };
            idx.insert(r, i);
            all.push((r, i));
        }
        for k in -20..20 {
            agrees(&idx, &all, f64::from(k) * 0.5);
        }
    }

    /// The index finds exactly the ranges of `all` that hold `x`.
    fn agrees(idx: &NumericIndex<u32>, all: &[(Range, u32)], x: f64) {
        let mut got = Vec::new();
        idx.containing(x, || true, |ts| got.extend_from_slice(ts));
        got.sort_unstable();
        let want: Vec<u32> = all
            .iter()
            .filter(|(r, _)| r.contains(x))
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(got, want, "x = {x}");
    }

    /// [`NumericIndex::containing_all`] finds the ranges of `all` that hold an admitted
    /// value of `xs` (ascending, NaN last).
    fn agrees_all(
        idx: &NumericIndex<u32>,
        all: &[(Range, u32)],
        xs: &[f64],
        admit: impl Fn(usize) -> bool,
        chosen: &mut Vec<u32>,
    ) {
        let mut got = Vec::new();
        idx.containing_all(
            xs.len(),
            |i| xs[i],
            &admit,
            chosen,
            |ts| got.extend_from_slice(ts),
        );
        got.sort_unstable();
        got.dedup();
        let want: Vec<u32> = all
            .iter()
            .filter(|(r, _)| (0..xs.len()).any(|i| admit(i) && r.contains(xs[i])))
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(got, want, "xs = {xs:?}");
    }

    /// Many ranges (so the two-level search crosses blocks), queried at every end point,
    /// just beside each and between: the per-atom lists for narrow ranges, the segment
    /// tree for nested ones (whose per-atom lists would grow with the square).
    #[test]
    fn both_layouts_agree_with_a_scan() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for nested in [false, true] {
            let mut idx = NumericIndex::default();
            let mut all = Vec::new();
            for i in 0..3000u32 {
                let r = if nested {
                    let w = f64::from(i) * 0.37;
                    range(Some((-w, i % 2 == 0)), Some((w, i % 3 == 0)))
                } else {
                    let lo = (next() % 100_000) as f64 / 100.0;
                    let w = (next() % 500) as f64 / 100.0;
                    match i % 6 {
                        0 => range(Some((lo, true)), Some((lo, true))),
                        // A few open ranges: each holds about half of all atoms.
                        1 if i < 30 => range(Some((lo, false)), None),
                        2 if i < 30 => range(None, Some((lo, true))),
                        _ => range(Some((lo, i % 2 == 0)), Some((lo + w, i % 4 == 0))),
                    }
                };
                idx.insert(r, i);
                all.push((r, i));
            }
            let mut probes = vec![f64::NEG_INFINITY, f64::INFINITY, -1e9, 1e9];
            for (r, _) in &all {
                for b in [r.lower, r.upper].into_iter().flatten() {
                    probes.extend([b.value, b.value + 0.001, b.value - 0.001]);
                }
            }
            for &p in &probes {
                agrees(&idx, &all, p);
            }
            // Values asked together: runs of neighbours (a polygon's points), duplicates,
            // NaN, values no range holds, and values not admitted.
            probes.sort_by(f64::total_cmp);
            let mut chosen = Vec::new();
            for width in [1, 2, 3, 7, 40, 400] {
                for (k, window) in probes.windows(width).enumerate().step_by(width) {
                    let mut xs = window.to_vec();
                    if k % 5 == 0 {
                        xs.push(f64::NAN);
                    }
                    if k % 3 == 0 {
                        xs.insert(xs.len() / 2, xs[xs.len() / 2]);
                    }
                    let admit = |i: usize| (i + k) % 4 != 1;
                    agrees_all(&idx, &all, &xs, admit, &mut chosen);
                }
            }
            let tree = idx.tree.get().expect("built");
            assert_eq!(tree.segments.is_some(), nested);
        }
    }
}
