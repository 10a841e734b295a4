//! A small, obviously correct matcher that evaluates one [`Pattern`] against a parsed event
//! by brute force. It defines the semantics the compiled [`crate::Matcher`] must agree with,
//! and property tests hold the two together.
//!
//! Semantics:
//! - A key repeated in one object of the event counts once, with its last value.
//! - The event is flattened into leaves (strings, numbers, booleans, null) with the dotted
//!   path of keys that leads to them; an array contributes each of its elements at the
//!   array's own path. Empty arrays and objects contribute no leaf.
//! - A branch matches when each of its fields is satisfied by a leaf at the field's path
//!   that passes one of the field's tests, and all leaves chosen lie in the same element of
//!   every array they share (array-consistent matching, as in aws/event-ruler).
//! - `exists: false` is satisfied when there is no leaf at the path at all; it places no
//!   constraint on array elements.

use crate::json::Value;
use crate::pattern::{Branch, Field, Pattern, Test};
use crate::value::Leaf;

/// One leaf of a flattened event.
#[derive(Debug, Clone)]
pub struct FlatLeaf<'a> {
    /// Dotted path of keys.
    pub path: String,
    /// The value.
    pub leaf: Leaf<'a>,
    /// `(array, index)` for every array on the way to the leaf whose element is an object
    /// or array (a plain value directly in an array is tied to no element of it); arrays
    /// are numbered in document order.
    pub trail: Vec<(usize, usize)>,
}

/// Flattens an event into its leaves.
pub fn flatten(event: &Value) -> Vec<FlatLeaf<'_>> {
    let mut out = Vec::new();
    let mut arrays = 0;
    walk(event, String::new(), &mut Vec::new(), &mut arrays, &mut out);
    out
}

fn walk<'a>(
    v: &'a Value,
    path: String,
    trail: &mut Vec<(usize, usize)>,
    arrays: &mut usize,
    out: &mut Vec<FlatLeaf<'a>>,
) {
    let leaf = match v {
        Value::Object(entries) => {
            // A repeated key counts once, with its last value, as EventBridge reads events.
            let last = |i: usize, k: &String| !entries[i + 1..].iter().any(|(k2, _)| k2 == k);
            for (_, (k, child)) in entries.iter().enumerate().filter(|(i, (k, _))| last(*i, k)) {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(child, p, trail, arrays, out);
            }
            return;
        }
        Value::Array(items) => {
            let id = *arrays;
            *arrays += 1;
            for (i, child) in items.iter().enumerate() {
                // As EventBridge reads arrays, only an object or array element belongs to
                // its element: a plain value in an array is tied to none of its elements.
                let tied = matches!(child, Value::Object(_) | Value::Array(_));
                if tied {
                    trail.push((id, i));
                }
                walk(child, path.clone(), trail, arrays, out);
                if tied {
                    trail.pop();
                }
            }
            return;
        }
        Value::String(s) => Leaf::String(s),
        Value::Number(n) => Leaf::Number(n.parse().unwrap_or(f64::NAN), n),
        Value::Bool(b) => Leaf::Bool(*b),
        Value::Null => Leaf::Null,
    };
    out.push(FlatLeaf {
        path,
        leaf,
        trail: trail.clone(),
    });
}

/// Whether the pattern matches the event.
pub fn matches(pattern: &Pattern, event: &Value) -> bool {
    let leaves = flatten(event);
    pattern.branches.iter().any(|b| branch_matches(b, &leaves))
}

fn branch_matches(branch: &Branch, leaves: &[FlatLeaf<'_>]) -> bool {
    // EventBridge takes a branch's fields in the order of their paths: an `exists: false`
    // field is absent when every leaf on its path lies in other array elements than the
    // leaves chosen for the fields before it.
    let mut fields: Vec<&Field> = branch.fields.iter().collect();
    fields.sort_by(|a, b| a.path.cmp(&b.path));
    let mut options: Vec<Vec<Choice<'_, '_>>> = Vec::new();
    for field in fields {
        let opts = field_options(field, leaves);
        if opts.is_empty() {
            return false;
        }
        options.push(opts);
    }
    let mut chosen = Vec::new();
    consistent_choice(&options, &mut chosen)
}

/// One way a field can be satisfied.
enum Choice<'l, 'a> {
    /// By this leaf.
    Leaf(&'l FlatLeaf<'a>),
    /// By absence: none of these leaves (all those on the path) may be compatible with
    /// the leaves chosen before.
    Absent(Vec<&'l FlatLeaf<'a>>),
}

fn field_options<'l, 'a>(field: &Field, leaves: &'l [FlatLeaf<'a>]) -> Vec<Choice<'l, 'a>> {
    let at_path: Vec<&FlatLeaf<'_>> = leaves.iter().filter(|l| l.path == field.path).collect();
    let mut opts: Vec<Choice<'_, '_>> = at_path
        .iter()
        .copied()
        .filter(|l| field.tests.iter().any(|t| t.matches(&l.leaf)))
        .map(Choice::Leaf)
        .collect();
    if field.tests.iter().any(|t| matches!(t, Test::Exists(false))) {
        opts.push(Choice::Absent(at_path));
    }
    opts
}

fn consistent_choice<'l, 'a>(
    options: &[Vec<Choice<'l, 'a>>],
    chosen: &mut Vec<&'l FlatLeaf<'a>>,
) -> bool {
    let Some((first, rest)) = options.split_first() else {
        return true;
    };
    for opt in first {
        match opt {
            Choice::Absent(present) => {
                let absent = present
                    .iter()
                    .all(|p| chosen.iter().any(|c| !compatible(&c.trail, &p.trail)));
                if absent && consistent_choice(rest, chosen) {
                    return true;
                }
            }
            Choice::Leaf(leaf) => {
                if chosen.iter().all(|c| compatible(&c.trail, &leaf.trail)) {
                    chosen.push(leaf);
                    let ok = consistent_choice(rest, chosen);
                    chosen.pop();
                    if ok {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Two leaves are compatible when they sit in the same element of every array they share.
pub fn compatible<T: PartialEq>(a: &[(T, T)], b: &[(T, T)]) -> bool {
    a.iter()
        .all(|(arr, i)| b.iter().all(|(arr2, j)| arr != arr2 || i == j))
}
