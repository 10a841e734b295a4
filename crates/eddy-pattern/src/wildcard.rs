//! `wildcard` values: `*` matches any run of characters, `\*` a literal star, `\\` a backslash.
//!
//! Matching is linear in the length of the value (greedy, leftmost search of each literal
//! piece, which is exact for globs whose only metacharacter is `*`), so no wildcard can
//! blow up however it is written.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::Cell;
use std::rc::Rc;

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

    /// The value in its written form: the pieces, with `*` and `\` escaped, joined by `*`.
    pub fn source(&self) -> String {
        let mut out = String::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                out.push('*');
            }
            for c in piece.chars() {
                if c == '*' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        out
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.matches_bytes(value.as_bytes())
    }

    /// [`Wildcard::matches`] on the bytes of a UTF-8 value: the same answer, since a
    /// piece (UTF-8, never empty between two `*`) found in UTF-8 bytes always starts and
    /// ends at a character's boundary.
    pub fn matches_bytes(&self, value: &[u8]) -> bool {
        let n = self.pieces.len();
        if n == 1 {
            return value == self.pieces[0].as_bytes();
        }
        let (head, tail) = (self.pieces[0].as_bytes(), self.pieces[n - 1].as_bytes());
        if value.len() < head.len() + tail.len()
            || !value.starts_with(head)
            || !value.ends_with(tail)
        {
            return false;
        }
        let mut rest = &value[head.len()..value.len() - tail.len()];
        for piece in &self.pieces[1..n - 1] {
            match memchr::memmem::find(rest, piece.as_bytes()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Largest complexity (see [`Complexity`]) EventBridge accepts for a pattern's wildcards.
pub const MAX_COMPLEXITY: usize = 10;

/// EventBridge's reason for a pattern whose wildcards are too complex.
pub const TOO_COMPLEX: &str =
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// Steps (a byte of a value inserted, or a state × byte explored) one pattern may spend in
/// [`Complexity`] before its wildcards are called too complex: bounds the work of
/// validating hostile patterns.
pub const COMPLEXITY_BUDGET: usize = 1_000_000;

/// One value of a field as event-ruler's complexity measure sees it. Strings are as in the
/// pattern (unescaped JSON); wildcards as written, with their `\*` and `\\` escapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// `{"wildcard": …}`.
    Wildcard(String),
    /// `{"anything-but": {"wildcard": […]}}`, in document order.
    WildcardSet(Vec<String>),
    /// An exact string.
    Exact(String),
    /// `{"prefix": …}` (case-sensitive).
    Prefix(String),
    /// `{"anything-but": […strings]}`, in document order.
    ExactSet(Vec<String>),
    /// `{"anything-but": {"prefix": […]}}`, in document order.
    PrefixSet(Vec<String>),
    /// Any other test, by a text that is equal for equal tests (numbers, `exists: true`,
    /// ranges, …): event-ruler keeps these out of its byte automata.
    Other(String),
    /// `{"exists": false}`.
    Absent,
}

/// What creating or visiting a state costs, in budget steps (it allocates).
const STATE_COST: usize = 8;

/// A byte of a value (`0..=255`) or a wildcard's [`STAR`].
type Ch = u16;
/// An unescaped `*` of a wildcard.
const STAR: Ch = 256;
/// In the evaluator: any byte that no edge names.
const ANY: Ch = 257;

/// The complexity of a pattern's wildcards as aws/event-ruler measures it (the validator
/// its README describes): every `$or` branch with a wildcard is added to one model of
/// event-ruler's machine, and the complexity is the largest set of automaton states, each
/// counted once per wildcard reachable from it, that any input keeps active in any field's
/// automaton.
///
/// The model builds its automata as event-ruler does, down to the order values are added
/// in, because the measure depends on it: two branches with the same wildcard make the
/// automaton larger than one does. Every step is charged to a budget; once it is spent the
/// pattern counts as too complex.
pub struct Complexity {
    states: Vec<State>,
    /// Per match: its pattern and the name state it leads to (interned: a match is equal
    /// to another with the same pattern and name state).
    matches: Vec<(usize, usize)>,
    match_ids: HashMap<(usize, usize), usize>,
    /// Per shortcut: its match.
    shortcuts: Vec<usize>,
    /// Per composite: its state and match.
    composites: Vec<(usize, usize)>,
    patterns: Vec<Pat>,
    pattern_ids: HashMap<Term, usize>,
    automata: Vec<Automaton>,
    names: Vec<NameState>,
    /// Steps spent (a transition read, a byte inserted), and how many may be.
    spent: Cell<usize>,
    budget: usize,
    /// The field being added when the budget ran out.
    exhausted_at: Option<String>,
}

/// One transition out of a state on a byte (or on every byte, for star transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Single {
    State(usize),
    Match(usize),
    Shortcut(usize),
    Composite(usize),
}

/// A state of a field's automaton: `indeterminate` once a `*` came before it.
#[derive(Default)]
struct State {
    indeterminate: bool,
    /// Transitions in the order they were added: on a byte, or on [`STAR`] (every byte).
    edges: Vec<(Ch, Single)>,
}

impl State {
    fn on(&self, c: Ch) -> impl Iterator<Item = Single> + '_ {
        self.edges.iter().filter(move |e| e.0 == c).map(|e| e.1)
    }

    fn star(&self) -> impl Iterator<Item = Single> + '_ {
        self.on(STAR)
    }
}

/// A pattern (one test) as the machine keys it.
struct Pat {
    /// The values inserted into the automaton, in order; empty for a pattern kept in the
    /// automaton's map.
    values: Vec<Rc<[Ch]>>,
    /// An exact string: it may end in a shortcut.
    exact: bool,
    /// A wildcard: counted by the evaluator.
    wildcard: bool,
}

/// One field's automaton in a name state, with a map for patterns kept out of it.
struct Automaton {
    path: String,
    start: usize,
    other: HashMap<usize, usize>,
}

/// event-ruler's `NameState`: an automaton per field path, and the name states of
/// `exists: false` (which the evaluator never visits).
#[derive(Default)]
struct NameState {
    automata: HashMap<String, usize>,
    absent: HashMap<String, usize>,
}

impl Complexity {
    /// An empty machine that may spend `budget` steps.
    pub fn new(budget: usize) -> Complexity {
        Complexity {
            states: Vec::new(),
            matches: Vec::new(),
            match_ids: HashMap::default(),
            shortcuts: Vec::new(),
            composites: Vec::new(),
            patterns: Vec::new(),
            pattern_ids: HashMap::default(),
            automata: Vec::new(),
            names: vec![NameState::default()],
            spent: Cell::new(0),
            budget,
            exhausted_at: None,
        }
    }

    /// Adds one branch: its fields with their values in document order. Fields are added
    /// in the order of their paths as UTF-16, as event-ruler does.
    pub fn add_rule(&mut self, fields: &[(&str, Vec<Term>)]) {
        let mut sorted: Vec<(&str, Vec<Option<usize>>)> = Vec::with_capacity(fields.len());
        for (path, terms) in fields {
            let pats = terms.iter().map(|t| self.pattern(t)).collect();
            sorted.push((path, pats));
        }
        sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        self.add_step(0, 0, &sorted);
    }

    /// Whether the complexity exceeds `limit`; if so, the path of a field (the one whose
    /// automaton exceeded it, or the one being added when the budget ran out).
    pub fn exceeds(&self, limit: usize) -> Option<String> {
        if let Some(path) = &self.exhausted_at {
            return Some(path.clone());
        }
        match self.measure_name(0, limit, &mut Memo::default()) {
            Measured::Within(_) => None,
            Measured::Over(path) => Some(path),
        }
    }

    /// The complexity, or `limit + 1` once it exceeds `limit` or the budget runs out.
    pub fn measure(&self, limit: usize) -> usize {
        if self.exhausted_at.is_some() {
            return limit + 1;
        }
        match self.measure_name(0, limit, &mut Memo::default()) {
            Measured::Within(n) => n,
            Measured::Over(_) => limit + 1,
        }
    }

    /// Counts `steps` as spent; whether the budget still holds.
    fn spend(&self, steps: usize) -> bool {
        let spent = self.spent.get().saturating_add(steps);
        self.spent.set(spent);
        spent <= self.budget
    }

    /// Counts `steps` as spent while adding to field `path`; whether the budget still
    /// holds.
    fn charge(&mut self, steps: usize, path: &str) -> bool {
        if self.exhausted_at.is_none() && !self.spend(steps) {
            self.exhausted_at = Some(path.to_owned());
        }
        self.exhausted_at.is_none()
    }

    /// The pattern of a term (`None` for `exists: false`), interned.
    fn pattern(&mut self, term: &Term) -> Option<usize> {
        let set = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        // The identity of a pattern: sets compare regardless of order.
        let key = match term {
            Term::Absent => return None,
            Term::WildcardSet(ws) => Term::WildcardSet(set(ws)),
            Term::ExactSet(vs) => Term::ExactSet(set(vs)),
            Term::PrefixSet(vs) => Term::PrefixSet(set(vs)),
            other => other.clone(),
        };
        if let Some(&id) = self.pattern_ids.get(&key) {
            return Some(id);
        }
        let quoted = |s: &String| format!("\"{s}\"");
        let (values, exact, wildcard) = match term {
            Term::Wildcard(w) => (vec![wildcard_chars(w)], false, true),
            Term::WildcardSet(ws) => {
                let order = java_hash_set_order(ws, quoted);
                let values = order.into_iter().map(|w| wildcard_chars(w)).collect();
                (values, false, true)
            }
            Term::Exact(s) => (vec![bytes(&quoted(s))], true, false),
            Term::Prefix(s) => (vec![bytes(&format!("\"{s}"))], false, false),
            Term::ExactSet(vs) => {
                let order = java_hash_set_order(vs, quoted);
                let values = order.iter().map(|v| bytes(&quoted(v))).collect();
                (values, false, false)
            }
            Term::PrefixSet(vs) => {
                let order = java_hash_set_order(vs, |v| format!("\"{v}"));
                let values = order.iter().map(|v| bytes(&format!("\"{v}"))).collect();
                (values, false, false)
            }
            // Kept out of the byte automata (`Absent` returned above).
            Term::Other(_) | Term::Absent => (Vec::new(), false, false),
        };
        let id = self.patterns.len();
        self.patterns.push(Pat {
            values: values.into_iter().map(Rc::from).collect(),
            exact,
            wildcard,
        });
        self.pattern_ids.insert(key, id);
        Some(id)
    }

    // ------------------------------------------------------------------ construction

    /// Adds fields `idx..` of a branch from name state `name`: each value of the field
    /// into the name state's automaton for its path (the previous value's name state as
    /// the hint), then the next field from every name state reached.
    fn add_step(&mut self, name: usize, idx: usize, fields: &[(&str, Vec<Option<usize>>)]) {
        let Some((path, pats)) = fields.get(idx) else {
            return;
        };
        let mut last: Option<usize> = None;
        let mut reached: Vec<usize> = Vec::new();
        for &p in pats {
            if !self.charge(1, path) {
                return;
            }
            let next = match p {
                None => match self.names[name].absent.get(*path) {
                    Some(&n) => n,
                    None => {
                        let n = last.unwrap_or_else(|| self.new_name());
                        self.names[name].absent.insert((*path).to_owned(), n);
                        n
                    }
                },
                Some(p) => {
                    let a = self.automaton(name, path);
                    self.add_value(a, p, last)
                }
            };
            last = Some(next);
            if !reached.contains(&next) {
                reached.push(next);
            }
        }
        for n in reached {
            self.add_step(n, idx + 1, fields);
        }
    }

    fn new_name(&mut self) -> usize {
        self.names.push(NameState::default());
        self.names.len() - 1
    }

    fn new_state(&mut self, indeterminate: bool) -> usize {
        self.spend(STATE_COST);
        self.states.push(State {
            indeterminate,
            ..State::default()
        });
        self.states.len() - 1
    }

    fn automaton(&mut self, name: usize, path: &str) -> usize {
        if let Some(&a) = self.names[name].automata.get(path) {
            return a;
        }
        let start = self.new_state(false);
        self.automata.push(Automaton {
            path: path.to_owned(),
            start,
            other: HashMap::default(),
        });
        let a = self.automata.len() - 1;
        self.names[name].automata.insert(path.to_owned(), a);
        a
    }

    /// Adds pattern `p` to automaton `a`; returns the name state it leads to.
    fn add_value(&mut self, a: usize, p: usize, last: Option<usize>) -> usize {
        if self.patterns[p].values.is_empty() {
            if let Some(&n) = self.automata[a].other.get(&p) {
                return n;
            }
            let n = last.unwrap_or_else(|| self.new_name());
            self.automata[a].other.insert(p, n);
            return n;
        }
        let mut name = last;
        for i in 0..self.patterns[p].values.len() {
            let chars = Rc::clone(&self.patterns[p].values[i]);
            if !self.spend(chars.len()) {
                break;
            }
            name = Some(self.insert(a, &chars, p, name));
        }
        if self.spent.get() > self.budget {
            let path = self.automata[a].path.clone();
            self.charge(0, &path);
        }
        name.unwrap_or(0)
    }

    /// The transitions of state `s` on `c`: its own, then its star transitions.
    fn get(&self, s: usize, c: Ch) -> Vec<Single> {
        let state = &self.states[s];
        self.spend(1 + state.edges.len());
        let mut out: Vec<Single> = state.on(c).collect();
        if c != STAR {
            let own = out.len();
            for t in state.star() {
                if !out[..own].contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }

    fn add(&mut self, s: usize, c: Ch, t: Single) {
        self.spend(1 + self.states[s].edges.len());
        let edges = &mut self.states[s].edges;
        if !edges.contains(&(c, t)) {
            edges.push((c, t));
        }
    }

    fn remove(&mut self, s: usize, c: Ch, t: Single) {
        self.spend(1 + self.states[s].edges.len());
        let edges = &mut self.states[s].edges;
        if let Some(i) = edges.iter().position(|e| *e == (c, t)) {
            edges.remove(i);
        }
    }

    fn next_of(&self, t: Single) -> Option<usize> {
        match t {
            Single::State(s) => Some(s),
            Single::Composite(c) => Some(self.composites[c].0),
            _ => None,
        }
    }

    fn match_of(&self, t: Single) -> Option<usize> {
        match t {
            Single::State(_) => None,
            Single::Match(m) => Some(m),
            Single::Shortcut(s) => Some(self.shortcuts[s]),
            Single::Composite(c) => Some(self.composites[c].1),
        }
    }

    fn match_id(&mut self, pattern: usize, name: usize) -> usize {
        if let Some(&m) = self.match_ids.get(&(pattern, name)) {
            return m;
        }
        self.matches.push((pattern, name));
        let m = self.matches.len() - 1;
        self.match_ids.insert((pattern, name), m);
        m
    }

    fn shortcut(&mut self, m: usize) -> Single {
        self.shortcuts.push(m);
        Single::Shortcut(self.shortcuts.len() - 1)
    }

    fn composite(&mut self, state: usize, m: usize) -> Single {
        self.composites.push((state, m));
        Single::Composite(self.composites.len() - 1)
    }

    /// Replaces transition `t` of `s` on `c` by a copy that leads to `new` instead.
    fn put_next(&mut self, s: usize, c: Ch, t: Single, new: Option<usize>) {
        let single = match (t, new) {
            (Single::Composite(x), Some(n)) => Some(self.composite(n, self.composites[x].1)),
            (Single::Composite(x), None) => Some(Single::Match(self.composites[x].1)),
            (Single::Match(m), Some(n)) => Some(self.composite(n, m)),
            (Single::Match(_), None) => Some(t),
            (Single::State(_) | Single::Shortcut(_), n) => n.map(Single::State),
        };
        if let Some(single) = single.filter(|x| *x != t) {
            self.add(s, c, single);
        }
        self.remove(s, c, t);
    }

    fn next_state(&self, trans: &[Single]) -> Option<usize> {
        let mut first = None;
        for &t in trans {
            if let Some(n) = self.next_of(t) {
                if !self.states[n].indeterminate {
                    return Some(n);
                }
                first = first.or(Some(n));
            }
        }
        first
    }

    fn matches_in(&self, trans: &[Single]) -> Vec<usize> {
        if let [t] = trans {
            return self.match_of(*t).into_iter().collect();
        }
        trans
            .iter()
            .filter(|t| matches!(t, Single::Match(_) | Single::Composite(_)))
            .filter_map(|&t| self.match_of(t))
            .collect()
    }

    fn single_shortcut(&self, trans: &[Single]) -> Option<Single> {
        match trans {
            [t @ Single::Shortcut(_)] => Some(*t),
            _ => None,
        }
    }

    /// event-ruler's `addMatchValue`: follows the states the value can share, then adds
    /// the rest.
    fn insert(&mut self, a: usize, chars: &[Ch], p: usize, hint: Option<usize>) -> usize {
        let mut state = self.automata[a].start;
        let mut prev = None;
        let mut i = 0;
        while i + 1 < chars.len() {
            let trans = self.get(state, chars[i]);
            // Whether transitions may converge depends on the state, not the candidate.
            let mut converge = None;
            let reuse = trans.iter().filter_map(|&t| self.next_of(t)).find(|&n| {
                if n == state {
                    false
                } else if !self.states[n].indeterminate {
                    !(i + 2 == chars.len() && chars[i + 1] == STAR)
                } else {
                    !*converge.get_or_insert_with(|| self.converge(state, chars, i))
                }
            });
            let Some(next) = reuse else {
                break;
            };
            prev = Some(state);
            state = next;
            i += 1;
        }
        self.end_of_match(state, prev, chars, i, p, hint)
    }

    /// Whether several transitions may converge on `chars[i]`, so that an indeterminate
    /// state cannot be shared.
    fn converge(&self, state: usize, chars: &[Ch], i: usize) -> bool {
        let c = chars[i];
        if c == STAR || (0x80..=0xBF).contains(&c) {
            return false;
        }
        if self.states[state].star().any(|t| t != Single::State(state)) {
            return true;
        }
        case_distinct(chars, i)
    }

    fn end_of_match(
        &mut self,
        mut state: usize,
        mut prev: Option<usize>,
        chars: &[Ch],
        mut j: usize,
        p: usize,
        hint: Option<usize>,
    ) -> usize {
        let n = chars.len();
        let trans = self.get(state, chars[j]);
        if let Some(sc) = self.single_shortcut(&trans) {
            let m = self.match_of(sc).expect("a shortcut has a match");
            let (mp, mn) = self.matches[m];
            if mp == p {
                return mn;
            }
            let cur = self.shortcut_value(m);
            let mut k = j;
            while k < cur.len() && k < n && cur[k] == chars[k] {
                k += 1;
            }
            let (first, current) =
                self.chain(state, &cur, j, k.min(cur.len().saturating_sub(1)), sc);
            let needed = k + 1 < cur.len();
            let idx = if needed {
                k
            } else {
                cur.len().saturating_sub(1)
            };
            let c = cur.get(idx).copied().unwrap_or(0);
            let single = if needed {
                self.shortcut(m)
            } else {
                Single::Match(m)
            };
            self.add(current, c, single);
            self.remove(current, c, sc);
            self.put_next(state, chars[j], sc, first);
        }
        let mut eligible = true;
        while j + 1 < n {
            if j + 2 == n && chars[j + 1] == STAR {
                break;
            }
            let trans = self.get(state, chars[j]);
            let Some(&t0) = trans.first() else {
                break;
            };
            match self.next_state(&trans) {
                Some(nb) if self.states[nb].indeterminate => {
                    eligible = false;
                    break;
                }
                Some(nb) => {
                    prev = Some(state);
                    state = nb;
                }
                None => {
                    let new = self.new_state(self.states[state].indeterminate);
                    self.put_next(state, chars[j], t0, Some(new));
                    prev = Some(state);
                    state = new;
                }
            }
            j += 1;
        }
        if self.patterns[p].exact {
            if j + 1 == n {
                return self.insert_match(chars, j, state, hint, p, prev);
            }
            if eligible {
                let name = hint.unwrap_or_else(|| self.new_name());
                let m = self.match_id(p, name);
                let sc = self.shortcut(m);
                self.add(state, chars[j], sc);
                return name;
            }
        }
        while j + 1 < n {
            let next = self.find_or_make(state, prev, chars, j);
            prev = Some(state);
            state = next;
            j += 1;
        }
        self.insert_match(chars, n - 1, state, hint, p, prev)
    }

    /// The exact value that match `m`'s shortcut stands for (its pattern's only value).
    fn shortcut_value(&self, m: usize) -> Rc<[Ch]> {
        let values = &self.patterns[self.matches[m].0].values;
        values.first().cloned().unwrap_or_else(|| Rc::from([]))
    }

    /// Lays `value[from..to]` out as new states after `state`, each step on behalf of
    /// shortcut `sc`: returns the first (for the caller to put on `state`) and the last
    /// (`state` itself when there are none).
    fn chain(
        &mut self,
        state: usize,
        value: &[Ch],
        from: usize,
        to: usize,
        sc: Single,
    ) -> (Option<usize>, usize) {
        let mut first = None;
        let mut current = state;
        for &c in value.get(from..to).unwrap_or_default() {
            let new = self.new_state(self.states[current].indeterminate);
            if first.is_some() {
                self.put_next(current, c, sc, Some(new));
            } else {
                first = Some(new);
            }
            current = new;
        }
        (first, current)
    }

    /// Turns a lone shortcut on `c` into the states of its exact value.
    fn extend_shortcut(
        &mut self,
        state: usize,
        trans: Vec<Single>,
        c: Ch,
        j: usize,
    ) -> Vec<Single> {
        let Some(sc) = self.single_shortcut(&trans) else {
            return trans;
        };
        let m = self.match_of(sc).expect("a shortcut has a match");
        let cur = self.shortcut_value(m);
        let (first, current) = self.chain(state, &cur, j, cur.len().saturating_sub(1), sc);
        let last = cur.last().copied().unwrap_or(0);
        self.add(current, last, Single::Match(m));
        self.remove(current, last, sc);
        self.put_next(state, c, sc, first);
        self.get(state, c)
    }

    fn find_or_make(&mut self, state: usize, prev: Option<usize>, chars: &[Ch], j: usize) -> usize {
        let c = chars[j];
        let trans = self.get(state, c);
        let trans = self.extend_shortcut(state, trans, c, j);
        if let Some(nb) = self.next_state(&trans) {
            let star_last = j + 2 == chars.len() && chars[j + 1] == STAR;
            if !self.states[nb].indeterminate && !star_last {
                return nb;
            }
        }
        let nb = self.new_state(self.states[state].indeterminate);
        if c == STAR {
            self.add(nb, STAR, Single::State(nb));
            self.states[nb].indeterminate = true;
            self.add(state, STAR, Single::State(nb));
        } else {
            self.add(state, c, Single::State(nb));
            if let Some(prev) = prev.filter(|_| j > 0 && chars[j - 1] == STAR) {
                self.add(prev, c, Single::State(nb));
            }
        }
        nb
    }

    fn insert_match(
        &mut self,
        chars: &[Ch],
        k: usize,
        state: usize,
        hint: Option<usize>,
        p: usize,
        prev: Option<usize>,
    ) -> usize {
        let c = chars[k];
        let trans = self.get(state, c);
        for m in self.matches_in(&trans) {
            if self.matches[m].0 == p {
                return self.matches[m].1;
            }
        }
        let name = hint.unwrap_or_else(|| self.new_name());
        let m = self.match_id(p, name);
        self.add(state, c, Single::Match(m));
        if let Some(prev) = prev.filter(|_| k + 1 == chars.len() && k > 0 && chars[k - 1] == STAR) {
            self.add(prev, c, Single::Match(m));
        }
        name
    }

    // ------------------------------------------------------------------ evaluation

    /// The largest complexity in name state `name` and the name states after it.
    fn measure_name(&self, name: usize, limit: usize, memo: &mut Memo) -> Measured {
        if let Some(&n) = memo.names.get(&name) {
            return Measured::Within(n);
        }
        memo.names.insert(name, 0);
        let mut automata: Vec<usize> = self.names[name].automata.values().copied().collect();
        automata.sort_unstable();
        let mut best = 0;
        for a in automata {
            let Some((own, after)) = self.measure_automaton(a, limit, memo) else {
                return Measured::Over(self.automata[a].path.clone());
            };
            best = best.max(own);
            for next in after {
                match self.measure_name(next, limit, memo) {
                    Measured::Within(n) => best = best.max(n),
                    over => return over,
                }
            }
        }
        memo.names.insert(name, best);
        Measured::Within(best)
    }

    /// The complexity of one automaton and the name states its matches lead to, or `None`
    /// once it exceeds `limit` or the budget runs out. Automata of the same shape (a
    /// wildcard field after one that `$or` varies) are evaluated once.
    fn measure_automaton(
        &self,
        a: usize,
        limit: usize,
        memo: &mut Memo,
    ) -> Option<(usize, Vec<usize>)> {
        let start = self.automata[a].start;
        // The states reachable in order of discovery, the bytes their edges name, the
        // name states after, and the automaton's shape (states and name states numbered
        // in order of discovery).
        let mut number: HashMap<usize, u32> = HashMap::from_iter([(start, 0)]);
        let mut names: HashMap<usize, u32> = HashMap::default();
        let mut order = vec![start];
        let mut alphabet = Vec::new();
        let mut after: Vec<usize> = self.automata[a].other.values().copied().collect();
        let mut shape: Vec<u32> = Vec::new();
        let mut i = 0;
        while let Some(&s) = order.get(i) {
            i += 1;
            let state = &self.states[s];
            shape.push(u32::MAX - u32::from(state.indeterminate));
            for &(c, t) in &state.edges {
                if c != STAR {
                    alphabet.push(c);
                }
                shape.push(u32::from(c) | 0x1000_0000);
                {
                    if let Some(n) = self.next_of(t) {
                        let k = number.len() as u32;
                        shape.push(*number.entry(n).or_insert_with(|| {
                            order.push(n);
                            k
                        }));
                    }
                    if let Some(m) = self.match_of(t) {
                        let (p, n) = self.matches[m];
                        after.push(n);
                        let k = names.len() as u32;
                        let name = *names.entry(n).or_insert(k);
                        shape.extend([0x2000_0000 | p as u32, name]);
                    }
                    shape.push(match t {
                        Single::State(_) => 0x3000_0000,
                        Single::Match(_) => 0x3000_0001,
                        Single::Shortcut(_) => 0x3000_0002,
                        Single::Composite(_) => 0x3000_0003,
                    });
                }
            }
        }
        // A visit allocates: a state costs more than a transition read.
        if !self.spend(STATE_COST * order.len()) {
            return None;
        }
        after.sort_unstable();
        after.dedup();
        if let Some(&own) = memo.shapes.get(&shape) {
            return Some((own, after));
        }
        alphabet.sort_unstable();
        alphabet.dedup();
        alphabet.push(ANY);
        let reach = self.reach(&order, limit)?;
        let empty = Vec::new();
        let count = |t: Single| {
            let mut v = Vec::new();
            if let Some(m) = self.match_of(t) {
                let p = self.matches[m].0;
                if self.patterns[p].wildcard {
                    v.push(p);
                }
            }
            if let Some(n) = self.next_of(t) {
                v.extend(reach.get(&n).unwrap_or(&empty));
                v.sort_unstable();
                v.dedup();
            }
            v.len()
        };
        let mut visited: HashSet<Vec<Single>> = HashSet::default();
        let mut queue = self.transitions(&[start], &alphabet);
        let mut best = 0;
        while let Some(set) = queue.pop() {
            if visited.contains(&set) {
                continue;
            }
            let mut size = 0;
            let mut nexts = Vec::new();
            for &x in &set {
                size += count(x);
                if let Some(n) = self.next_of(x) {
                    for t in self.states[n].star() {
                        if set.binary_search(&t).is_err() {
                            size += count(t);
                        }
                    }
                    nexts.push(n);
                }
            }
            best = best.max(size);
            if best > limit || !self.spend(STATE_COST + set.len()) {
                return None;
            }
            nexts.sort_unstable();
            nexts.dedup();
            queue.extend(self.transitions(&nexts, &alphabet));
            visited.insert(set);
        }
        memo.shapes.insert(shape, best);
        Some((best, after))
    }

    /// The distinct non-empty sets of transitions that the states take together on each
    /// byte of the alphabet.
    fn transitions(&self, states: &[usize], alphabet: &[Ch]) -> Vec<Vec<Single>> {
        let mut out: Vec<Vec<Single>> = Vec::new();
        let mut steps = 0;
        for &b in alphabet {
            let mut set = Vec::new();
            for &s in states {
                let state = &self.states[s];
                set.extend(
                    state
                        .edges
                        .iter()
                        .filter(|e| e.0 == STAR || e.0 == b)
                        .map(|e| e.1),
                );
            }
            steps += states.len() + set.len();
            if !set.is_empty() {
                set.sort_unstable();
                set.dedup();
                out.push(set);
            }
        }
        self.spend(steps);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Per state: the wildcard patterns of the matches reachable from it (self-loops
    /// aside), computed leaves first; `None` if one state reaches more than `limit`
    /// (every state is in some active set, so the complexity then exceeds `limit`).
    fn reach(&self, states: &[usize], limit: usize) -> Option<HashMap<usize, Vec<usize>>> {
        let mut memo: HashMap<usize, Vec<usize>> = HashMap::default();
        let mut stack: Vec<(usize, bool)> = states.iter().map(|&s| (s, false)).collect();
        while let Some((s, done)) = stack.pop() {
            let state = &self.states[s];
            let singles = state
                .edges
                .iter()
                .map(|e| e.1)
                .filter(|&t| t != Single::State(s));
            if !done {
                if memo.contains_key(&s) {
                    continue;
                }
                memo.insert(s, Vec::new());
                stack.push((s, true));
                for t in singles {
                    if let Some(n) = self.next_of(t).filter(|n| !memo.contains_key(n)) {
                        stack.push((n, false));
                    }
                }
                continue;
            }
            let mut r = Vec::new();
            for t in singles {
                if let Some(m) = self.match_of(t) {
                    let p = self.matches[m].0;
                    if self.patterns[p].wildcard {
                        r.push(p);
                    }
                }
                if let Some(n) = self.next_of(t) {
                    r.extend(memo.get(&n).into_iter().flatten());
                }
            }
            r.sort_unstable();
            r.dedup();
            if r.len() > limit || !self.spend(STATE_COST + r.len()) {
                return None;
            }
            memo.insert(s, r);
        }
        Some(memo)
    }
}

/// What evaluation has found so far: per name state its complexity, per automaton shape
/// its own.
#[derive(Default)]
struct Memo {
    names: HashMap<usize, usize>,
    shapes: HashMap<Vec<u32>, usize>,
}

/// The result of measuring part of the machine.
enum Measured {
    Within(usize),
    /// Over the limit, in the automaton of this field.
    Over(String),
}

fn bytes(s: &str) -> Vec<Ch> {
    s.bytes().map(Ch::from).collect()
}

/// The quoted wildcard as event-ruler inserts it: an unescaped `*` is [`STAR`], an escape
/// gives the byte after it.
fn wildcard_chars(raw: &str) -> Vec<Ch> {
    let mut out = vec![Ch::from(b'"')];
    let mut it = raw.bytes();
    while let Some(b) = it.next() {
        match b {
            b'*' => out.push(STAR),
            b'\\' => out.extend(it.next().map(Ch::from)),
            b => out.push(Ch::from(b)),
        }
    }
    out.push(Ch::from(b'"'));
    out
}

/// Whether the character starting at `chars[i]` has distinct lower and upper cases
/// (Java's `toLowerCase`/`toUpperCase`, which Rust's agree with for the root locale).
fn case_distinct(chars: &[Ch], i: usize) -> bool {
    let Some(&b) = chars.get(i) else {
        return false;
    };
    if b < 0x80 {
        return u8::try_from(b).is_ok_and(|b| b.is_ascii_alphabetic());
    }
    let len = match b {
        0..=0x7F => 1,
        0x80..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let raw: Vec<u8> = chars[i..chars.len().min(i + len)]
        .iter()
        .filter_map(|&c| u8::try_from(c).ok())
        .collect();
    let Some(ch) = String::from_utf8_lossy(&raw).chars().next() else {
        return false;
    };
    !ch.to_lowercase().eq(ch.to_uppercase())
}

/// The distinct values in the iteration order of a Java `HashSet<String>` filled in
/// document order, hashing the text `key` gives for each value.
fn java_hash_set_order(values: &[String], key: impl Fn(&String) -> String) -> Vec<&String> {
    let mut seen = HashSet::default();
    let distinct: Vec<&String> = values.iter().filter(|v| seen.insert(*v)).collect();
    let mut cap: usize = 16;
    while distinct.len() * 4 > cap * 3 {
        cap *= 2;
    }
    let bucket = |v: &String| {
        let h = key(v)
            .encode_utf16()
            .fold(0u32, |h, u| h.wrapping_mul(31).wrapping_add(u32::from(u)));
        ((h ^ (h >> 16)) as usize) & (cap - 1)
    };
    let mut keyed: Vec<(usize, &String)> = distinct.into_iter().map(|v| (bucket(v), v)).collect();
    keyed.sort_by_key(|&(b, _)| b);
    keyed.into_iter().map(|(_, v)| v).collect()
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

    /// Matching on bytes agrees with matching character by character, with pieces and
    /// values of several-byte characters (which share bytes: `é` is C3 A9, `ä` C3 A4).
    #[test]
    fn bytes_match_as_characters_do() {
        fn glob(p: &[char], v: &[char]) -> bool {
            match p.split_first() {
                None => v.is_empty(),
                Some(('*', rest)) => (0..=v.len()).any(|k| glob(rest, &v[k..])),
                Some((c, rest)) => v.first() == Some(c) && glob(rest, &v[1..]),
            }
        }
        let alphabet = ['é', 'ä', 'a', '€'];
        let strings = |max: usize| {
            let mut all = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        };
        let values = strings(4);
        for body in strings(2).into_iter().filter(|b| !b.is_empty()) {
            for pattern in [
                format!("*{body}*"),
                format!("{body}*{body}"),
                format!("é*{body}*ä"),
            ] {
                let w = Wildcard::parse(&pattern).expect("valid");
                let p: Vec<char> = pattern.chars().collect();
                for v in &values {
                    let want = glob(&p, &v.chars().collect::<Vec<_>>());
                    assert_eq!(w.matches_bytes(v.as_bytes()), want, "{pattern} on {v}");
                }
            }
        }
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

    /// The complexity of one field whose values are the groups: a group of one is a
    /// `wildcard`, a longer one an `anything-but` wildcard list.
    fn cx(groups: &[&[&str]]) -> usize {
        let terms: Vec<Term> = groups
            .iter()
            .map(|g| match g {
                [one] => Term::Wildcard((*one).to_owned()),
                many => Term::WildcardSet(many.iter().map(|v| (*v).to_owned()).collect()),
            })
            .collect();
        let mut machine = Complexity::new(COMPLEXITY_BUDGET);
        machine.add_rule(&[("f", terms)]);
        machine.measure(100)
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
