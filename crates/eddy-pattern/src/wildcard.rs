//! `wildcard` values: `*` matches any run of characters, `\*` a literal star, `\\` a backslash.
//!
//! Matching is linear in the length of the value (greedy, leftmost search of each literal
//! piece, which is exact for globs whose only metacharacter is `*`), so no wildcard can
//! blow up however it is written.

/// A parsed wildcard: literal pieces with a `*` between each two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    pieces: Vec<String>,
}

impl Wildcard {
    /// Parses a wildcard value. Errors carry EventBridge's reason text; positions count
    /// UTF-8 bytes from 1, as EventBridge does.
    pub fn parse(text: &str) -> Result<Wildcard, String> {
        let mut pieces = vec![String::new()];
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let piece = pieces.last_mut().expect("never empty");
            match c {
                '*' => {
                    if chars.peek().is_some_and(|&(_, n)| n == '*') {
                        return Err(format!("Consecutive wildcard characters at pos {}", at + 1));
                    }
                    pieces.push(String::new());
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('*' | '\\'))) => piece.push(e),
                    _ => return Err(format!("Invalid escape character at pos {}", at + 1)),
                },
                c => piece.push(c),
            }
        }
        Ok(Wildcard { pieces })
    }

    /// A wildcard that matches exactly `text` (no stars).
    pub fn literal(text: &str) -> Wildcard {
        Wildcard {
            pieces: vec![text.to_owned()],
        }
    }

    /// The number of `*` in the value.
    pub fn stars(&self) -> usize {
        self.pieces.len() - 1
    }

    /// The literal text before the first `*` (the whole value if there is none).
    pub fn head(&self) -> &str {
        &self.pieces[0]
    }

    /// The literal text after the last `*` (empty if there is no star).
    pub fn tail(&self) -> &str {
        if self.pieces.len() > 1 {
            self.pieces.last().expect("never empty")
        } else {
            ""
        }
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        let n = self.pieces.len();
        if n == 1 {
            return value == self.pieces[0];
        }
        let (head, tail) = (&self.pieces[0], &self.pieces[n - 1]);
        if value.len() < head.len() + tail.len()
            || !value.starts_with(head.as_str())
            || !value.ends_with(tail.as_str())
        {
            return false;
        }
        let mut rest = &value[head.len()..value.len() - tail.len()];
        for piece in &self.pieces[1..n - 1] {
            match rest.find(piece.as_str()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Largest [`complexity`] EventBridge accepts for the wildcards of one field.
pub const MAX_COMPLEXITY: usize = 10;

/// EventBridge's reason for a field whose wildcards are too complex.
pub const TOO_COMPLEX: &str =
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// Automaton steps (state × byte) one pattern may spend in [`complexity`] before its
/// wildcards are called too complex: bounds the work of validating hostile patterns.
pub const COMPLEXITY_BUDGET: usize = 200_000;

/// The complexity of the wildcards on one field, as aws/event-ruler measures it: the
/// largest number of automaton states any input can keep active at once. Each group is
/// one `wildcard` value, or the values of one `anything-but` wildcard list. Stops early
/// (returning `limit + 1`) once the answer exceeds `limit`, or once it has spent `budget`
/// steps (which it decrements).
pub fn complexity(groups: &[&[Wildcard]], limit: usize, budget: &mut usize) -> usize {
    let nfas: Vec<Nfa> = groups.iter().map(|g| Nfa::build(g)).collect();
    let mut alphabet: Vec<u8> = nfas.iter().flat_map(|n| n.bytes()).collect();
    alphabet.push(0x01);
    alphabet.sort_unstable();
    alphabet.dedup();
    let start: Vec<Vec<u32>> = nfas.iter().map(|n| n.closure(vec![0])).collect();
    let mut seen = std::collections::HashSet::new();
    seen.insert(start.clone());
    let mut todo = vec![start];
    let mut best = 0;
    while let Some(state) = todo.pop() {
        for &b in &alphabet {
            if *budget == 0 {
                return limit + 1;
            }
            *budget -= 1;
            let next: Vec<Vec<u32>> = state
                .iter()
                .zip(&nfas)
                .map(|(set, n)| n.step(set, b))
                .collect();
            best = best.max(next.iter().map(Vec::len).sum());
            if best > limit {
                return limit + 1;
            }
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    best
}

/// The automaton event-ruler builds for one group of wildcard values over the quoted
/// value's bytes: values share nodes up to and including their first `*`, and one final
/// node; a node entered by `*` loops on every byte.
struct Nfa {
    /// Per node: its edges, and whether it loops.
    nodes: Vec<(Vec<Edge>, bool)>,
}

/// An edge of [`Nfa`]: a byte (`None` for `*`) and the child node.
type Edge = (Option<u8>, u32);

impl Nfa {
    fn build(values: &[Wildcard]) -> Nfa {
        let mut nfa = Nfa {
            nodes: vec![(Vec::new(), false)],
        };
        let mut end: Option<u32> = None;
        for w in values {
            let mut tokens: Vec<Option<u8>> = vec![Some(b'"')];
            for (i, piece) in w.pieces.iter().enumerate() {
                if i > 0 {
                    tokens.push(None);
                }
                tokens.extend(piece.bytes().map(Some));
            }
            tokens.push(Some(b'"'));
            let mut cur = 0u32;
            let mut shared = true;
            for (i, &t) in tokens.iter().enumerate() {
                let next = if i == tokens.len() - 1 {
                    let e = *end.get_or_insert_with(|| nfa.add(false));
                    if !nfa.nodes[cur as usize].0.contains(&(t, e)) {
                        nfa.nodes[cur as usize].0.push((t, e));
                    }
                    e
                } else if let Some(&(_, c)) = nfa.nodes[cur as usize]
                    .0
                    .iter()
                    .find(|(k, _)| shared && *k == t)
                {
                    c
                } else {
                    let c = nfa.add(t.is_none());
                    nfa.nodes[cur as usize].0.push((t, c));
                    c
                };
                if t.is_none() {
                    shared = false;
                }
                cur = next;
            }
        }
        nfa
    }

    fn add(&mut self, looping: bool) -> u32 {
        self.nodes.push((Vec::new(), looping));
        (self.nodes.len() - 1) as u32
    }

    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.nodes
            .iter()
            .flat_map(|(edges, _)| edges.iter().filter_map(|(t, _)| *t))
    }

    fn closure(&self, mut set: Vec<u32>) -> Vec<u32> {
        let mut i = 0;
        while i < set.len() {
            for &(t, c) in &self.nodes[set[i] as usize].0 {
                if t.is_none() && !set.contains(&c) {
                    set.push(c);
                }
            }
            i += 1;
        }
        set.sort_unstable();
        set
    }

    fn step(&self, set: &[u32], b: u8) -> Vec<u32> {
        let mut next = Vec::new();
        for &n in set {
            let (edges, looping) = &self.nodes[n as usize];
            if *looping && !next.contains(&n) {
                next.push(n);
            }
            for &(t, c) in edges {
                if t == Some(b) && !next.contains(&c) {
                    next.push(c);
                }
            }
        }
        self.closure(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_a_glob() {
        let w = Wildcard::parse("/Users/*/dir/dir/dir/dir/dir/doc.txt").expect("valid");
        assert!(w.matches("/Users/x/dir/dir/dir/dir/dir/doc.txt"));
        assert!(!w.matches("/Users/x/dir/dir/dir/dir/doc.txt"));
        let w = Wildcard::parse("a*b*a").expect("valid");
        assert!(w.matches("aba"));
        assert!(w.matches("abba"));
        assert!(!w.matches("ab"));
        assert!(Wildcard::parse("").expect("valid").matches(""));
        assert!(!Wildcard::parse("").expect("valid").matches("x"));
        assert!(Wildcard::parse(r"\*").expect("valid").matches("*"));
        assert!(Wildcard::parse(r"\\").expect("valid").matches("\\"));
    }

    #[test]
    fn rejects_what_eventbridge_rejects() {
        assert_eq!(
            Wildcard::parse("arn:aws:events:us-east-1:**:event-bus/*").unwrap_err(),
            "Consecutive wildcard characters at pos 26"
        );
        assert_eq!(
            Wildcard::parse(r"ab\c").unwrap_err(),
            "Invalid escape character at pos 3"
        );
        assert_eq!(
            Wildcard::parse("a*b**").unwrap_err(),
            "Consecutive wildcard characters at pos 4"
        );
        assert!(Wildcard::parse(r"\**").is_ok());
    }

    fn cx(groups: &[&[&str]]) -> usize {
        let parsed: Vec<Vec<Wildcard>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|v| Wildcard::parse(v).expect("valid"))
                    .collect()
            })
            .collect();
        let refs: Vec<&[Wildcard]> = parsed.iter().map(Vec::as_slice).collect();
        complexity(&refs, 100, &mut COMPLEXITY_BUDGET.clone())
    }

    #[test]
    fn complexity_as_event_ruler_measures_it() {
        assert_eq!(cx(&[&["*:*:*:*:*:event-bus/*"]]), 11);
        assert_eq!(cx(&[&["/Users/*/dir/dir/dir/dir/dir/doc.txt"]]), 7);
        assert_eq!(cx(&[&["arn:aws:events:us-east-1:*:event-bus/*"]]), 3);
        assert_eq!(cx(&[&["*:*:*"], &["*:*:*:*"]]), 12);
        assert_eq!(cx(&[&["*.bif"], &["*.tiff"], &["*.tif"], &["*.svs"]]), 8);
        assert_eq!(cx(&[&["*/datasync/*.bif"], &["*/datasync/*.tif"]]), 8);
    }
}
