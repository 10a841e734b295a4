//! Array consistency: choosing one hit per field so that all chosen leaves lie in the same
//! element of every array they share.
//!
//! A plain backtracking search is exponential on events crafted with many arrays. This one
//! orders the fields by the arrays they lie in, remembers the states that failed, keyed
//! only by the array choices that still matter to the fields left (so arrays that no later
//! field touches stop multiplying the work), and spends at most a fixed budget of steps.

use rustc_hash::FxHashSet;

/// A leaf's arrays: `(array, index)` for each array on the way to it.
pub(crate) type Trail<'a> = &'a [(u32, u32)];

/// Steps one branch may spend on one event; past it the branch does not match. Only events
/// built to defeat the memo (many repeated keys across many arrays) come near it.
pub(crate) const BUDGET: usize = 100_000;

/// Whether one trail per entry of `options` can be chosen with all choices compatible.
pub(crate) fn consistent(options: &mut [Vec<Trail<'_>>]) -> bool {
    if options.iter().any(Vec::is_empty) {
        return false;
    }
    options.sort_by(|a, b| outer(a).cmp(outer(b)));
    // relevant[k]: the arrays the options from k on lie in, sorted.
    let mut relevant: Vec<Vec<u32>> = vec![Vec::new(); options.len() + 1];
    for k in (0..options.len()).rev() {
        let mut r = relevant[k + 1].clone();
        r.extend(options[k].iter().flat_map(|t| t.iter().map(|&(a, _)| a)));
        r.sort_unstable();
        r.dedup();
        relevant[k] = r;
    }
    let mut search = Search {
        options,
        relevant,
        failed: FxHashSet::default(),
        budget: BUDGET,
    };
    search.from(0, &mut Vec::new())
}

/// The outermost arrays of an option's first trail: the sort key that keeps fields in the
/// same arrays together.
fn outer<'a>(option: &'a [Trail<'_>]) -> &'a [(u32, u32)] {
    option.first().copied().unwrap_or_default()
}

struct Search<'o, 't> {
    options: &'o [Vec<Trail<'t>>],
    relevant: Vec<Vec<u32>>,
    failed: FxHashSet<(usize, Vec<(u32, u32)>)>,
    budget: usize,
}

impl Search<'_, '_> {
    /// Whether options `k..` can be chosen given the array choices in `assigned`.
    fn from(&mut self, k: usize, assigned: &mut Vec<(u32, u32)>) -> bool {
        if k == self.options.len() {
            return true;
        }
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let relevant = &self.relevant[k];
        let mut key: Vec<(u32, u32)> = assigned
            .iter()
            .copied()
            .filter(|(a, _)| relevant.binary_search(a).is_ok())
            .collect();
        key.sort_unstable();
        if self.failed.contains(&(k, key.clone())) {
            return false;
        }
        for t in self.options[k].clone() {
            if !compatible(t, assigned) {
                continue;
            }
            let before = assigned.len();
            for &(a, i) in t {
                if !assigned.iter().any(|&(a2, _)| a2 == a) {
                    assigned.push((a, i));
                }
            }
            let ok = self.from(k + 1, assigned);
            assigned.truncate(before);
            if ok {
                return true;
            }
        }
        self.failed.insert((k, key));
        false
    }
}

/// Whether two trails agree on every array they share.
fn compatible(a: &[(u32, u32)], b: &[(u32, u32)]) -> bool {
    a.iter()
        .all(|&(arr, i)| b.iter().all(|&(arr2, j)| arr != arr2 || i == j))
}

/// One way to satisfy a field in [`holds_in_order`].
pub(crate) enum Choice<'t> {
    /// A passing leaf with this trail.
    Leaf(Trail<'t>),
    /// Absence (`exists: false`): each of these leaves must disagree on some array with a
    /// leaf chosen before.
    Absent(Vec<Trail<'t>>),
}

/// Whether one choice per field, taken in the order given (EventBridge's: by path), fits
/// what was chosen before it. A plain search within [`BUDGET`] steps: only branches with
/// an `exists: false` field whose leaves all sit in arrays come here.
pub(crate) fn holds_in_order(fields: &[Vec<Choice<'_>>]) -> bool {
    fn from<'t>(
        fields: &[Vec<Choice<'t>>],
        chosen: &mut Vec<Trail<'t>>,
        budget: &mut usize,
    ) -> bool {
        let Some((first, rest)) = fields.split_first() else {
            return true;
        };
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        first.iter().any(|choice| match choice {
            Choice::Leaf(t) => {
                if !chosen.iter().all(|c| compatible(c, t)) {
                    return false;
                }
                chosen.push(t);
                let ok = from(rest, chosen, budget);
                chosen.pop();
                ok
            }
            Choice::Absent(tied) => {
                tied.iter()
                    .all(|t| chosen.iter().any(|c| !compatible(c, t)))
                    && from(rest, chosen, budget)
            }
        })
    }
    let mut budget = BUDGET;
    from(fields, &mut Vec::new(), &mut budget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{json, reference, Matcher, Pattern};

    #[test]
    fn chooses_compatible_elements() {
        let a: Vec<(u32, u32)> = vec![(0, 0)];
        let b: Vec<(u32, u32)> = vec![(0, 1)];
        let c: Vec<(u32, u32)> = vec![(0, 1), (1, 3)];
        assert!(consistent(&mut [vec![&a[..], &b[..]], vec![&c[..]]]));
        assert!(!consistent(&mut [vec![&a[..]], vec![&c[..]]]));
        assert!(consistent(&mut [vec![&a[..]], vec![&[][..]]]));
    }

    /// Regression (found by tests/properties.rs): one field per array, each with many
    /// elements, and a last field that fails made the search try every combination.
    #[test]
    fn many_arrays_do_not_multiply_the_work() {
        let n = 12;
        let mut pattern = String::from("{");
        let mut event = String::from("{");
        for k in 1..=n {
            pattern.push_str(&format!("\"a{k}\":{{\"f{k}\":[\"x\"]}},"));
            let elems: Vec<String> = (0..10).map(|_| format!("{{\"f{k}\":\"x\"}}")).collect();
            if k == 1 {
                event.push_str(r#""a1":[{"f1":"x"},{"g":"y"}],"#);
            } else {
                event.push_str(&format!("\"a{k}\":[{}],", elems.join(",")));
            }
        }
        pattern.push_str("\"a1.g\":[\"y\"]}");
        event.pop();
        event.push('}');
        let mut m = Matcher::new();
        m.add(1, pattern.as_bytes()).expect("valid");
        // Exponential work (10^11 combinations) would never finish here.
        assert_eq!(
            m.matches(event.as_bytes()).expect("event"),
            Vec::<i32>::new()
        );
        // The same with the last field satisfiable.
        let ok = event.replace("{\"g\":\"y\"}", "{\"f1\":\"x\",\"g\":\"y\"}");
        assert_eq!(m.matches(ok.as_bytes()).expect("event"), vec![1]);
        let p = Pattern::parse(pattern.as_bytes()).expect("valid");
        let small = json::parse(br#"{"a1":[{"f1":"x","g":"y"}],"a2":[{"f2":"x"}]}"#).expect("json");
        assert!(!reference::matches(&p, &small));
    }

    /// `exists: false` in arrays of objects, as aws/event-ruler reads it (its
    /// `testACWithExistFalseRule`): fields are taken in the order of their paths, and a
    /// field is absent when its leaves lie in other elements than those chosen before it.
    #[test]
    fn exists_false_in_arrays_follows_the_order_of_paths() {
        let cases = [
            // `a.c` comes after `a.b`: absent from the element `a.b` chose.
            (
                r#"{"a":{"b":["1"],"c":[{"exists":false}]}}"#,
                r#"{"a":[{"b":"1"},{"c":"2"}]}"#,
                true,
            ),
            (
                r#"{"a":{"b":["1"],"c":[{"exists":false}]}}"#,
                r#"{"a":[{"b":"1","c":"2"}]}"#,
                false,
            ),
            // `a.b` comes first: nothing chosen yet, so any leaf is present.
            (
                r#"{"a":{"c":["1"],"b":[{"exists":false}]}}"#,
                r#"{"a":[{"c":"1"},{"b":"2"}]}"#,
                false,
            ),
            // A leaf outside arrays is present whatever was chosen.
            (
                r#"{"a":{"b":["1"]},"c":[{"exists":false}]}"#,
                r#"{"a":[{"b":"1"}],"c":2}"#,
                false,
            ),
            // Some element chosen for `a.b` must leave `a.c` out.
            (
                r#"{"a":{"b":["1"],"c":[{"exists":false}]}}"#,
                r#"{"a":[{"b":"1","c":1},{"b":"1"}]}"#,
                true,
            ),
        ];
        for (pattern, event, want) in cases {
            let mut m = Matcher::new();
            m.add(1, pattern.as_bytes()).expect("valid");
            let got = !m.matches(event.as_bytes()).expect("event").is_empty();
            assert_eq!(got, want, "{pattern} on {event}");
            let p = Pattern::parse(pattern.as_bytes()).expect("valid");
            let e = json::parse(event.as_bytes()).expect("json");
            assert_eq!(
                reference::matches(&p, &e),
                want,
                "reference: {pattern} on {event}"
            );
        }
    }
}
