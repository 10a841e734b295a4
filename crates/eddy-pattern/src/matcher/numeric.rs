//! Numeric ranges on one field: a segment tree over the "atoms" of the number line that
//! the ranges' end points cut out, built once after changes, so a value finds the ranges
//! that hold it in O(log n + matches).

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
    /// Node lists of an iterative segment tree of `size` leaves (atoms).
    nodes: Vec<Vec<T>>,
    size: usize,
}

/// Below this many ranges a linear scan is faster than the tree.
const LINEAR: usize = 12;

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

    /// Calls `f` for every range that holds `x`.
    pub(crate) fn containing(&self, x: f64, mut f: impl FnMut(T)) {
        if x.is_nan() {
            return;
        }
        if self.ranges.len() <= LINEAR {
            for (r, t) in &self.ranges {
                if r.contains(x) {
                    f(*t);
                }
            }
            return;
        }
        let tree = self.tree.get_or_init(|| Tree::build(&self.ranges));
        let pos = tree.ends.partition_point(|&e| e < x);
        let atom = if pos < tree.ends.len() && tree.ends[pos] == x {
            2 * pos + 1
        } else {
            2 * pos
        };
        let mut node = atom + tree.size;
        while node >= 1 {
            tree.nodes[node].iter().for_each(|t| f(*t));
            node /= 2;
        }
    }
}

impl<T: Copy> Tree<T> {
    fn build(ranges: &[(Range, T)]) -> Tree<T> {
        let mut ends: Vec<f64> = ranges
            .iter()
            .flat_map(|(r, _)| [r.lower.map(|b| b.value), r.upper.map(|b| b.value)])
            .flatten()
            .collect();
        ends.sort_by(f64::total_cmp);
        ends.dedup();
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
        Tree { ends, nodes, size }
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
            let x = f64::from(k) * 0.5;
            let mut got = Vec::new();
            idx.containing(x, |t| got.push(t));
            got.sort_unstable();
            let want: Vec<u32> = all
                .iter()
                .filter(|(r, _)| r.contains(x))
                .map(|(_, t)| *t)
                .collect();
            assert_eq!(got, want, "x = {x}");
        }
    }
}
