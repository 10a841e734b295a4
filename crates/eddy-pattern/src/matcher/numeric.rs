//! Numeric ranges on one field: the ranges' end points cut the number line into "atoms",
//! and a value finds its atom by a two-level search (a small array of every 32nd end
//! point, then one block of 32), then reads the ranges that hold that atom from one flat
//! list. The lists are built once after changes: per atom when their total stays within a
//! budget (one contiguous read per value), else as the node lists of a segment tree
//! (O(log n) lists per value, any overlap).

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
    /// `None`: list `a` holds every range that holds atom `a`. `Some(size)`: the lists are
    /// the nodes of an iterative segment tree over `size` leaves (atoms).
    segments: Option<usize>,
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
        let block = self.coarse.partition_point(|&e| e < x);
        // `coarse[block - 1] < x <= coarse[block]`: the first end not below `x` lies after
        // `ends[(block - 1) * STRIDE]` and no later than `ends[block * STRIDE]`.
        let lo = if block == 0 {
            0
        } else {
            (block - 1) * STRIDE + 1
        };
        let hi = (block * STRIDE + 1).min(self.ends.len());
        let pos = lo + self.ends[lo..hi].partition_point(|&e| e < x);
        if pos < self.ends.len() && self.ends[pos] == x {
            2 * pos + 1
        } else {
            2 * pos
        }
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
        Tree {
            ends,
            coarse,
            starts,
            items,
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
            let tree = idx.tree.get().expect("built");
            assert_eq!(tree.segments.is_some(), nested);
        }
    }
}
