//! The event scanner: walks the raw JSON bytes of an event once, descends only into the
//! keys some pattern names (a trie of key segments), skips everything else without
//! decoding it, and reports each leaf on a named path with its array trail.
//!
//! Skipped values are checked for structure (brackets, strings) but not decoded, so some
//! malformed JSON inside fields no pattern names is not reported. Events reach the matcher
//! after the bus has validated them.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use rustc_hash::FxHashMap;

use super::PathId;
use crate::swar::{first, matching, word, HIGH, ONES};

/// Deepest nesting of objects and arrays the scanner descends into along named paths.
pub const MAX_EVENT_DEPTH: usize = 128;

/// Why an event could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Malformed JSON: what, and the byte offset.
    #[error("event is not valid JSON: {0} at byte {1}")]
    Syntax(&'static str, usize),
    /// The document is JSON but not an object.
    #[error("event is not a JSON object")]
    NotAnObject,
    /// Nesting deeper than the limit.
    #[error("event nesting is deeper than {MAX_EVENT_DEPTH}")]
    TooDeep,
}

/// A leaf as found in the bytes, before any decoding.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawLeaf<'a> {
    /// The bytes between the quotes, and whether they hold escapes.
    Str(&'a [u8], bool),
    /// A number's text (ASCII, checked by `json::scan_number`).
    Num(&'a [u8]),
    True,
    False,
    Null,
}

/// Receives the leaves of an event.
pub(crate) trait Sink {
    /// Takes one leaf; returns whether it is the first leaf on its path in this event.
    fn leaf(&mut self, path: PathId, leaf: RawLeaf<'_>, trail: &[(u32, u32)]) -> bool;

    /// Whether no leaf still to come can change the outcome, once every path that has
    /// had a leaf has had all of its leaves (asked in [`Mode::Plain`] outside arrays).
    fn settled(&self) -> bool;
}

/// How much of the event the scanner must read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// All of it, and report a key repeated in one object ([`Stop::Repeated`]).
    Full,
    /// All of it; the event is known to repeat no key in one object.
    Distinct,
    /// The event is *plain* (no key repeated in one object, no key empty or with a dot),
    /// so each path has one spelling: stop once every named path has a leaf outside any
    /// array, since later bytes cannot add leaves to those paths, or once the sink says
    /// it is [settled](Sink::settled).
    Plain,
}

/// Why a scan ended early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Every named path has been read, or the sink is settled ([`Mode::Plain`]).
    Done,
    /// A named key appears twice in one object ([`Mode::Full`]).
    Repeated,
    /// The event is malformed.
    Error(ScanError),
}

impl From<ScanError> for Stop {
    fn from(e: ScanError) -> Stop {
        Stop::Error(e)
    }
}

/// Key segments of all named paths.
#[derive(Debug, Default)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
    /// Whether a key segment holds U+FFFD, so that a key of an event that is not UTF-8
    /// may name it once read as `json::parse` reads it (see `Scanner::entries`).
    replacement: bool,
    /// How many nodes carry a path.
    paths: usize,
}

#[derive(Debug, Default)]
struct Node {
    children: FxHashMap<Box<[u8]>, u32>,
    /// The same children, for nodes with few: comparing a handful of keys beats hashing.
    few: Vec<Few>,
    /// For nodes with few children, by [`bucket`] of a key: 0 if no child's key falls
    /// there, the child's index in `few` plus 1 if one does, [`SHARED`] if several do. Most
    /// keys of an event are named by no pattern and are turned away here.
    buckets: [u8; 16],
    path: Option<PathId>,
    /// Whether the node has a few children (at most [`SEEK`]) whose keys are all
    /// [`searchable`], so that [`Scanner::seek`] may find them in a plain event by
    /// searching the text for `"key"`.
    seek: bool,
    /// Whether, in the last plain event read, the first child's key came more than
    /// [`SEEK_NEAR`] bytes into this node's object: then [`Scanner::seek`] searches
    /// from the object's first entry on.
    far: AtomicBool,
}

/// Up to this many children a node is [sought](Scanner::seek) by searching the text.
const SEEK: usize = 3;

/// Entries skipped one by one before a child's key is [sought](Scanner::seek).
const SEEK_AFTER: usize = 2;

/// See [`Node::far`]: about three entries of the usual size (a search costs about what
/// reading two or three entries one by one does).
const SEEK_NEAR: usize = 64;

/// Whether `key`, written between quotes, can only be found in a JSON text as that key
/// or an equal string: it is not empty and holds no byte that JSON writes escaped or
/// that may follow a string's closing quote (space, `,`, `:`, `}`, `]`), so its opening
/// quote cannot be another string's closing one and its closing quote is not escaped.
fn searchable(key: &[u8]) -> bool {
    !key.is_empty()
        && key.iter().all(|&b| {
            b > b' '
                && b != 0x7F
                && !matches!(b, b'"' | b'\\' | b',' | b':' | b'{' | b'}' | b'[' | b']')
        })
}

/// See [`Node::buckets`].
const SHARED: u8 = u8::MAX;

/// A key's bucket in [`Node::buckets`], from its length and first byte.
#[inline(always)]
fn bucket(key: &[u8]) -> usize {
    let first = key.first().map_or(0, |&b| usize::from(b));
    (key.len().wrapping_mul(5) ^ first) & 15
}

/// A child of a node with few children, with what a comparison looks at first.
#[derive(Debug)]
struct Few {
    /// The key's length and first 8 bytes (zero-padded), compared before anything else.
    len: usize,
    head: u64,
    /// Its bytes 8 to 16 (zero-padded): a key of up to 16 bytes is compared as two words.
    tail: u64,
    key: Box<[u8]>,
    child: u32,
}

/// Up to this many children a node is searched by comparison, not by hash.
const FEW: usize = 8;

/// The first 8 bytes of `key`, zero-padded.
#[inline(always)]
fn head(key: &[u8]) -> u64 {
    if key.len() >= 8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&key[..8]);
        return u64::from_le_bytes(b);
    }
    // A byte at a time: a copy of variable length would be a call to `memcpy`.
    key.iter().rev().fold(0u64, |h, &b| h << 8 | u64::from(b))
}

/// The zero-padded words [`Few::head`] and [`Few::tail`] of `key`.
#[inline(always)]
fn head_and_tail(key: &[u8]) -> (u64, u64) {
    (
        head(key),
        key.get(8..)
            .map_or(0, |rest| head(&rest[..rest.len().min(8)])),
    )
}

/// The first `len` bytes (at most 8) of the little-endian `word`, the rest zero.
#[inline(always)]
fn low_bytes(word: u64, len: usize) -> u64 {
    if len >= 8 {
        word
    } else {
        word & ((1u64 << (8 * len)) - 1)
    }
}

impl Node {
    #[inline(always)]
    fn get(&self, key: &[u8]) -> Option<u32> {
        self.find(key, || head_and_tail(key))
    }

    /// [`Node::get`] of the plain key (1 to 15 bytes) whose opening quote is `w[0]`, its
    /// words read from the window (no call of `memcmp`).
    #[inline(always)]
    fn get_in_window(&self, w: &[u8; WINDOW], len: usize) -> Option<u32> {
        self.find(&w[1..1 + len], || {
            (
                low_bytes(window_word(w, 1), len),
                low_bytes(window_word(w, 9), len.saturating_sub(8)),
            )
        })
    }

    /// The child under `key`; for a node with few children, `words` gives the key's
    /// [`head_and_tail`], asked for only when a child's key has its length.
    #[inline(always)]
    fn find(&self, key: &[u8], words: impl Fn() -> (u64, u64)) -> Option<u32> {
        if self.children.len() > FEW {
            return self.children.get(key).copied();
        }
        let same = |f: &Few| {
            f.len == key.len() && {
                let (h, t) = words();
                f.head == h
                    && (f.len <= 8 || (f.tail == t && (f.len <= 16 || f.key[16..] == key[16..])))
            }
        };
        match self.buckets[bucket(key)] {
            0 => None,
            SHARED => self.few.iter().find(|f| same(f)).map(|f| f.child),
            i => {
                let f = &self.few[usize::from(i) - 1];
                same(f).then_some(f.child)
            }
        }
    }
}

impl Trie {
    pub(crate) fn new() -> Trie {
        Trie {
            nodes: vec![Node::default()],
            replacement: false,
            paths: 0,
        }
    }

    /// Makes the dotted `path` known under `id`.
    pub(crate) fn insert(&mut self, path: &str, id: PathId) {
        if path.is_empty() {
            // The path of `{"": …}`: see `child`.
            if self.nodes[0].path.replace(id).is_none() {
                self.paths += 1;
            }
            return;
        }
        let mut n = 0usize;
        for seg in path.split('.') {
            n = match self.nodes[n].children.get(seg.as_bytes()) {
                Some(&c) => c as usize,
                None => {
                    let c = self.nodes.len();
                    self.nodes.push(Node::default());
                    let parent = &mut self.nodes[n];
                    parent.children.insert(seg.as_bytes().into(), c as u32);
                    let (head, tail) = head_and_tail(seg.as_bytes());
                    parent.few.push(Few {
                        len: seg.len(),
                        head,
                        tail,
                        key: seg.as_bytes().into(),
                        child: c as u32,
                    });
                    let b = &mut parent.buckets[bucket(seg.as_bytes())];
                    *b = if *b == 0 && parent.few.len() <= FEW {
                        parent.few.len() as u8
                    } else {
                        SHARED
                    };
                    self.replacement |= seg.contains('\u{FFFD}');
                    parent.seek =
                        parent.few.len() <= SEEK && parent.few.iter().all(|f| searchable(&f.key));

                    c
                }
            };
        }
        if self.nodes[n].path.replace(id).is_none() {
            self.paths += 1;
        }
    }

    /// The child of `node` under `key`; a key with a dot is also looked up as nested keys
    /// when `dotted` (a plain event has none).
    #[inline(always)]
    fn child(&self, node: usize, key: &[u8], dotted: bool) -> Option<usize> {
        if node == 0 && key.is_empty() {
            // An empty key at the top adds nothing to the path (`{"": {"b": 1}}` is at
            // `b`, and `{"": 1}` at the empty path), as in `reference::flatten` and the
            // pattern parser, which both follow aws/event-ruler's `Path.extendedName`.
            return Some(0);
        }
        let n = &self.nodes[node];
        if n.children.is_empty() {
            return None;
        }
        if let Some(c) = n.get(key) {
            return Some(c as usize);
        }
        if !dotted || !key.contains(&b'.') {
            return None;
        }
        // A dotted key in the event is the same path as nested keys.
        let mut at = node;
        for seg in key.split(|&b| b == b'.') {
            at = self.nodes[at].get(seg)? as usize;
        }
        Some(at)
    }
}

/// Scans `event`, reporting leaves on named paths to `sink`; returns how far into the
/// event it read.
pub(crate) fn scan(
    trie: &Trie,
    event: &[u8],
    mode: Mode,
    sink: &mut impl Sink,
) -> Result<usize, Stop> {
    let mut s = Scanner {
        s: event,
        i: 0,
        halt: Stop::Done,
        trie,
        trail: Vec::new(),
        in_arrays: 0,
        arrays: 0,
        mode,
        unseen: trie.paths,
        keys: Vec::new(),
    };
    s.ws();
    if s.peek() != Some(b'{') {
        return Err(if s.i >= event.len() {
            ScanError::Syntax("empty document", s.i)
        } else {
            ScanError::NotAnObject
        }
        .into());
    }
    if s.value(0, 0, sink).is_err() {
        return match s.halt {
            Stop::Done => Ok(s.i),
            other => Err(other),
        };
    }
    s.ws();
    if s.i != event.len() {
        return Err(ScanError::Syntax("unexpected data after the document", s.i).into());
    }
    Ok(s.i)
}

/// A scan is stopping; why is in [`Scanner::halt`]. (A one-byte error keeps the results
/// of the scanner's functions in registers.)
struct Halt;

struct Scanner<'a, 't> {
    s: &'a [u8],
    i: usize,
    /// Why the scan stopped, once a function has returned [`Halt`].
    halt: Stop,
    mode: Mode,
    /// Named paths without a leaf yet.
    unseen: usize,
    /// Named keys met in the objects being read (a stack of frames), to find repeats.
    keys: Vec<usize>,
    trie: &'t Trie,
    /// The array elements the value being read is tied to (objects and arrays in arrays).
    trail: Vec<(u32, u32)>,
    arrays: u32,
    /// How many arrays the value being read is in (tied to an element or not).
    in_arrays: u32,
}

/// The offset from `from` of the first `"` or `\\` in `s[from..]`, and whether it is a
/// quote. Most strings in events are short, so it looks at 8 bytes at a time itself (a
/// call to `memchr2` costs more than the search) and hands only long strings to
/// `memchr2`.
#[inline(always)]
fn quote_or_backslash(s: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut i = from;
    let limit = s.len().min(from + 32);
    while i + 8 <= limit {
        let w = word(s, i);
        let (quotes, escapes) = (matching(w, b'"'), matching(w, b'\\'));
        let found = quotes | escapes;
        if found != 0 {
            let lowest = found & found.wrapping_neg();
            return Some((i - from + first(found), lowest & quotes != 0));
        }
        i += 8;
    }
    let rest = if i + 8 <= s.len() {
        memchr::memchr2(b'"', b'\\', &s[i..])
    } else {
        s[i..].iter().position(|&b| b == b'"' || b == b'\\')
    };
    rest.map(|k| (i - from + k, s[i + k] == b'"'))
}

/// The index of the first quote or bracket in `s[from..]`: all that [`Scanner::skip`]
/// looks at, found 8 bytes at a time (skipped values are mostly numbers, commas and
/// spaces).
#[inline(always)]
fn next_structural(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 8 <= s.len() {
        let w = word(s, i);
        // The four brackets are the only bytes above `Z` that skipped values hold outside
        // strings, but for the letters of `true`, `false`, `null` and exponents: one test
        // finds every byte above `Z` (adding 0x25 to a byte's low seven bits carries into
        // its bit 7 from 0x5B up, and never into the next byte; bytes from 0x80 have that
        // bit already), and a letter found is stepped over. Flags are exact, so the
        // lowest is the first such byte.
        let above = (((w & !HIGH) + ONES * u64::from(0x7F - b'Z')) | w) & HIGH;
        let found = matching(w, b'"') | above;
        if found != 0 {
            let at = i + first(found);
            if matches!(s[at], b'"' | b'[' | b']' | b'{' | b'}') {
                return Some(at);
            }
            i = at + 1;
            continue;
        }
        i += 8;
    }
    s.get(i..)?
        .iter()
        .position(|&b| matches!(b, b'"' | b'[' | b']' | b'{' | b'}'))
        .map(|k| i + k)
}

/// For [`Scanner::seek`]: the offset in `s` of the first `"key"` for a key of `few`
/// (whose first bytes are `firsts`) that a `:` follows, after any space, if no brace or
/// backslash comes before it.
#[inline(always)]
fn seek_among<const N: usize>(s: &[u8], few: &[Few], firsts: [u8; N]) -> Option<usize> {
    let is_key = |at: usize| few.iter().any(|f| f.is_key_at(s, at));
    let mut base = 0;
    while base < s.len() {
        // The last bytes are looked at the same way, padded with zeros (no quote, brace,
        // backslash or first byte of a key).
        let padded: [u8; 33];
        let window: &[u8; 33] = match s.get(base..base + 33) {
            Some(window) => window.try_into().expect("33 bytes"),
            None => {
                let mut bytes = [0u8; 33];
                bytes[..s.len() - base].copy_from_slice(&s[base..]);
                padded = bytes;
                &padded
            }
        };
        let (mut candidates, stops) = crate::swar::seek_marks(window, &firsts);
        while candidates != 0 {
            let k = candidates.trailing_zeros();
            if stops & ((1 << k) - 1) != 0 {
                return None;
            }
            if is_key(base + k as usize) {
                return Some(base + k as usize);
            }
            candidates &= candidates - 1;
        }
        if stops != 0 {
            return None;
        }
        base += 32;
    }
    None
}

impl Few {
    /// Whether `s[at]` opens this key, quoted, with a `:` after it (and any space).
    #[inline(always)]
    fn is_key_at(&self, s: &[u8], at: usize) -> bool {
        let end = at + 1 + self.len;
        let same = match s.get(at + 1..at + 17) {
            Some(w) if self.len <= 16 => {
                let (h, t) = (word(w, 0), word(w, 8));
                low_bytes(h, self.len) == self.head
                    && low_bytes(t, self.len.saturating_sub(8)) == self.tail
            }
            _ => s.get(at + 1..end) == Some(&self.key),
        };
        same && s.get(end) == Some(&b'"') && s.get(after_space(s, end + 1)) == Some(&b':')
    }
}

/// Where [`Scanner::skip_unnamed`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skipped {
    /// At the opening quote of a key still to read.
    AtKey,
    /// After the closing quote of a key that names this child.
    Child(usize),
    /// After a value, before the `,` or `}` that follows it.
    ToSeparator,
    /// At the opening quote of a key that names no child, having skipped as many
    /// entries before it as it was asked to.
    Far,
}

/// The bytes [`Scanner::skip_unnamed`] looks at an entry through: a key's quotes and up
/// to 15 bytes, `": "`, a value's opening quote and up to 16 bytes.
const WINDOW: usize = 40;

/// The eight bytes of `w` from `at`.
#[inline(always)]
fn window_word(w: &[u8; WINDOW], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&w[at..at + 8]);
    u64::from_le_bytes(b)
}

/// The length of the string whose text starts at `w[from]` (`from` at most 22) if its
/// closing quote comes within 16 bytes and before any backslash or `stop` (a byte the
/// caller cannot take; a backslash again when there is none).
#[inline(always)]
fn short_string_len(w: &[u8; WINDOW], from: usize, stop: u8) -> Option<usize> {
    if from > 22 {
        return None;
    }
    for at in [from, from + 8] {
        let x = window_word(w, at);
        let quotes = matching(x, b'"');
        let others = matching(x, b'\\') | matching(x, stop);
        // The length comes from the quotes alone and the other bytes are only checked
        // (the lowest flag of each mask is exact, so a flag of `others` below the first
        // quote is a true one): the next read waits on the length, not on the check.
        if quotes != 0 {
            let below = (quotes & quotes.wrapping_neg()) - 1;
            return (others & below == 0).then_some(at - from + first(quotes));
        }
        if others != 0 {
            return None;
        }
    }
    None
}

/// The length of the key whose opening quote is `w[0]` if it is plain: up to 15 bytes,
/// not empty, with no backslash or dot before its closing quote.
#[inline(always)]
fn plain_key_len(w: &[u8; WINDOW]) -> Option<usize> {
    short_string_len(w, 1, b'.').filter(|&len| len > 0)
}

/// Where the value at `w[j]` (`w` the window at `i` in `s`) ends, if it is one
/// [`Scanner::skip_unnamed`] takes: a string without escapes or a number.
#[inline(always)]
fn skipped_value_end(s: &[u8], w: &[u8; WINDOW], i: usize, j: usize) -> Option<usize> {
    match w[j] {
        b'"' => match short_string_len(w, j + 1, b'\\') {
            Some(k) => Some(i + j + k + 2),
            None => match quote_or_backslash(s, i + j + 1) {
                Some((k, true)) => Some(i + j + k + 2),
                _ => None,
            },
        },
        b'-' | b'0'..=b'9' => crate::json::scan_number(s, i + j)
            .filter(|&end| s.get(end).is_none_or(|&b| is_delim(b))),
        _ => None,
    }
}

/// Where the JSON white space from `i` in `s` ends.
#[inline(always)]
fn after_space(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = s.get(i) {
        i += 1;
    }
    i
}

/// Bytes that end a number or literal.
fn is_delim(b: u8) -> bool {
    matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Scanner<'a, '_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        self.i = after_space(self.s, self.i);
    }

    #[cold]
    fn syntax(&mut self, what: &'static str) -> Halt {
        self.halt = Stop::Error(ScanError::Syntax(what, self.i));
        Halt
    }

    #[cold]
    fn stop(&mut self, why: Stop) -> Halt {
        self.halt = why;
        Halt
    }

    #[inline(always)]
    fn expect(&mut self, b: u8, what: &'static str) -> Result<(), Halt> {
        self.ws();
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    /// The string at `i` (which is a quote): its raw contents and whether it has escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<(&'a [u8], bool), Halt> {
        let start = self.i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            match quote_or_backslash(self.s, j) {
                Some((k, true)) => {
                    let end = j + k;
                    self.i = end + 1;
                    return Ok((&self.s[start..end], escaped));
                }
                Some((k, false)) => {
                    escaped = true;
                    j += k + 2;
                    if j > self.s.len() {
                        break;
                    }
                }
                None => break,
            }
        }
        self.i = self.s.len();
        Err(self.syntax("unterminated string"))
    }

    /// A value for `node` at nesting `depth`.
    fn value(&mut self, node: usize, depth: usize, sink: &mut impl Sink) -> Result<(), Halt> {
        if depth > MAX_EVENT_DEPTH {
            return Err(self.stop(ScanError::TooDeep.into()));
        }
        self.ws();
        let Some(b) = self.peek() else {
            return Err(self.syntax("unexpected end of input"));
        };
        match b {
            b'{' => self.object(node, depth, sink),
            b'[' => self.array(node, depth, sink),
            _ => self.scalar_value(node, sink),
        }
    }

    /// A value that is no object or array, for `node`: reported if `node` is a path.
    #[inline(always)]
    fn scalar_value(&mut self, node: usize, sink: &mut impl Sink) -> Result<(), Halt> {
        let leaf = self.scalar()?;
        if let Some(p) = self.trie.nodes[node].path {
            if sink.leaf(p, leaf, &self.trail) {
                self.unseen -= 1;
                if self.mode == Mode::Plain
                    && self.in_arrays == 0
                    && (self.unseen == 0 || sink.settled())
                {
                    return Err(self.stop(Stop::Done));
                }
            }
        }
        Ok(())
    }

    #[inline(always)]
    fn scalar(&mut self) -> Result<RawLeaf<'a>, Halt> {
        let rest = &self.s[self.i..];
        let (leaf, len) = match rest[0] {
            b'"' => {
                let (raw, esc) = self.string()?;
                return Ok(RawLeaf::Str(raw, esc));
            }
            b't' if rest.starts_with(b"true") => (RawLeaf::True, 4),
            b'f' if rest.starts_with(b"false") => (RawLeaf::False, 5),
            b'n' if rest.starts_with(b"null") => (RawLeaf::Null, 4),
            b'-' | b'0'..=b'9' => {
                let end = crate::json::scan_number(self.s, self.i)
                    .ok_or_else(|| self.syntax("invalid number"))?;
                (RawLeaf::Num(&self.s[self.i..end]), end - self.i)
            }
            _ => return Err(self.syntax("unexpected character")),
        };
        self.i += len;
        if self.peek().is_some_and(|b| !is_delim(b)) {
            return Err(self.syntax("unexpected character after a value"));
        }
        Ok(leaf)
    }

    fn object(&mut self, node: usize, depth: usize, sink: &mut impl Sink) -> Result<(), Halt> {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        // The root always looks at its keys: an empty one stays at the root (see `child`).
        let descend = node == 0 || !self.trie.nodes[node].children.is_empty();
        let frame = self.keys.len();
        let r = self.entries(node, depth, descend, frame, sink);
        self.keys.truncate(frame);
        r
    }

    /// The entries of an object whose `{` has been read.
    fn entries(
        &mut self,
        node: usize,
        depth: usize,
        descend: bool,
        frame: usize,
        sink: &mut impl Sink,
    ) -> Result<(), Halt> {
        // Whether `i` is known to be at the quote that opens the next key (the caller
        // has read the space after `{`).
        let mut at_key = self.peek() == Some(b'"');
        // Keys that are not UTF-8 may name a path once read lossily: no shortcut then.
        let fast = descend && !self.trie.replacement;
        // In a plain event, the first child's key may be searched for as text.
        let n = &self.trie.nodes[node];
        let mut seek = fast && self.mode == Mode::Plain && n.seek;
        // Until the first child: where the object starts. Entries are read one by one
        // before searching only until the first child, and not even then if it came far
        // in last time; after it the next is searched for at once (on CityLots, a search
        // past three short entries costs less than reading two of them; a next child
        // right after costs the same either way).
        let mut first = seek.then_some(self.i);
        let far = n.far.load(Relaxed);
        'entries: loop {
            'entry: {
                let shortcut = if at_key && fast {
                    // A child's key a few entries on is reached entry by entry; one
                    // further on is searched for (once a search fails in this object,
                    // it is not tried again).
                    let mut budget = match (seek, first) {
                        (false, _) => usize::MAX,
                        (true, Some(_)) if !far => SEEK_AFTER,
                        (true, _) => 0,
                    };
                    loop {
                        match self.skip_unnamed(node, budget) {
                            Skipped::Far => {
                                seek = self.seek(node);
                                budget = usize::MAX;
                            }
                            skipped => break skipped,
                        }
                    }
                } else {
                    Skipped::AtKey
                };
                // After this entry, `i` is at a key again only where the `, "` below says so
                // (the shortcut may stop after a value, before a `,` with space after it).
                let key_here = std::mem::replace(&mut at_key, false);
                let child = match shortcut {
                    Skipped::ToSeparator => break 'entry,
                    Skipped::Child(c) => {
                        if let Some(start) = first.take() {
                            // Remembered for the next event (only when it changes, so
                            // threads reading alike events do not write the line).
                            let now_far = self.i - start > SEEK_NEAR;
                            if now_far != far {
                                n.far.store(now_far, Relaxed);
                            }
                        }
                        Some(c)
                    }
                    Skipped::AtKey | Skipped::Far => self.key(node, descend, key_here)?,
                };
                // The usual `:` right after the key; the space after it, if any, is left
                // to the value's reading, whose loop over spaces is a branch (a sum of
                // 1 and "is the next byte a space" would make the value's reading wait
                // for that byte).
                match self.s.get(self.i) {
                    Some(b':') => self.i += 1,
                    _ => self.expect(b':', "expected ':'")?,
                }
                match child {
                    Some(c) => {
                        if self.mode == Mode::Full {
                            if self.keys[frame..].contains(&c) {
                                return Err(self.stop(Stop::Repeated));
                            }
                            self.keys.push(c);
                        }
                        self.value(c, depth + 1, sink)?
                    }
                    None => {
                        // Most values skipped are strings: read to the closing quote here
                        // rather than in a call.
                        self.ws();
                        if self.peek() == Some(b'"') {
                            self.string()?;
                        } else {
                            self.skip()?;
                        }
                    }
                }
                // The usual `, "` (or `,"`) to the next key, read in one look.
                match self.s.get(self.i..self.i + 3) {
                    Some([b',', b' ', b'"']) => {
                        self.i += 2;
                        at_key = true;
                        continue 'entries;
                    }
                    Some([b',', b'"', _]) => {
                        self.i += 1;
                        at_key = true;
                        continue 'entries;
                    }
                    _ => {}
                }
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected ',' or '}'")),
            }
        }
    }

    /// Reads a key (at its opening quote when `at_key`, else after space) and returns the
    /// child of `node` it names, if any (none when not `descend`).
    fn key(&mut self, node: usize, descend: bool, at_key: bool) -> Result<Option<usize>, Halt> {
        if !at_key {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected a key"));
            }
        }
        let (raw, escaped) = self.string()?;
        let dotted = self.mode != Mode::Plain;
        Ok(if !descend {
            None
        } else if escaped {
            match crate::json::decode_string(
                self.s,
                raw.as_ptr() as usize - self.s.as_ptr() as usize - 1,
            ) {
                Ok((key, _)) => self.trie.child(node, key.as_bytes(), dotted),
                Err(_) => return Err(self.syntax("invalid escape in key")),
            }
        } else {
            match self.trie.child(node, raw, dotted) {
                // A key that is not UTF-8 is read with its bad sequences as U+FFFD,
                // as its values are (`MatchSink::leaf`).
                None if self.trie.replacement
                    && !raw.is_ascii()
                    && std::str::from_utf8(raw).is_err() =>
                {
                    self.trie
                        .child(node, String::from_utf8_lossy(raw).as_bytes(), dotted)
                }
                found => found,
            }
        })
    }

    /// In a plain event (valid JSON), from the quote that opens a key (at `i`) of an
    /// object for `node`, moves `i` to the first key of that object that names a child,
    /// found by searching the text for each child's key between quotes (16 bytes at a
    /// time, with no chain of dependent loads). The first such text with a `:` after it
    /// is that key when no brace and no backslash comes before it, from `i`: with no
    /// backslash every quote there is a string's own and every key is spelled as it is
    /// written, so none before it is a child's; with no brace no object opens or closes
    /// there, and a key can only belong to an object, so it is a key of this one (arrays
    /// of scalars between are passed over like any value). Returns whether the search
    /// found the key, leaving `i` where it was when not.
    #[inline(never)]
    fn seek(&mut self, node: usize) -> bool {
        let rest = &self.s[self.i..];
        let few = &self.trie.nodes[node].few;
        let found = match few.as_slice() {
            [a] => seek_among(rest, few, [a.key[0]]),
            [a, b] => seek_among(rest, few, [a.key[0], b.key[0]]),
            [a, b, c] => seek_among(rest, few, [a.key[0], b.key[0], c.key[0]]),
            _ => None,
        };
        match found {
            Some(at) => {
                self.i += at;
                true
            }
            None => false,
        }
    }

    /// The shortcut for what most entries of an event are: from the quote that opens a
    /// key (at `i`), skips entries laid out the usual way (`"key": value, "next"`) whose
    /// key is a plain one (no escape, no dot, not empty, at most 15 bytes) that names no
    /// child of `node` and whose value is a string without escapes or a number. Stops at
    /// a plain key that names a child (with `i` after its closing quote), at an entry it
    /// cannot take whole (with `i` at its key, which the caller reads in full), or after
    /// the last value skipped when no `, "` follows it. What it skips it checks as the
    /// full reading would.
    #[inline(always)]
    fn skip_unnamed(&mut self, node: usize, mut budget: usize) -> Skipped {
        let s = self.s;
        let n = &self.trie.nodes[node];
        let mut i = self.i;
        // Each entry is first looked at through a window of the next bytes, so that most
        // reads need no bounds check.
        while let Some(window) = s.get(i..i + WINDOW) {
            let w: &[u8; WINDOW] = window.try_into().expect("a window's length");
            let Some(len) = plain_key_len(w) else {
                break;
            };
            if let Some(c) = n.get_in_window(w, len) {
                self.i = i + len + 2;
                return Skipped::Child(c as usize);
            }
            if budget == 0 {
                self.i = i;
                return Skipped::Far;
            }
            budget -= 1;
            // After the key's closing quote: `": "` or `":"`. Each has its own path, so
            // that where the value starts is a constant past the key's end, not a sum
            // that waits for one more byte to load.
            let j = len + 2;
            if w[j] != b':' {
                break;
            }
            let end = if w[j + 1] == b' ' {
                skipped_value_end(s, w, i, j + 2)
            } else {
                skipped_value_end(s, w, i, j + 1)
            };
            let Some(end) = end else {
                break;
            };
            i = match s.get(end..end + 3) {
                Some([b',', b' ', b'"']) => end + 2,
                Some([b',', b'"', _]) => end + 1,
                _ => {
                    self.i = end;
                    return Skipped::ToSeparator;
                }
            };
        }
        self.i = i;
        Skipped::AtKey
    }

    fn array(&mut self, node: usize, depth: usize, sink: &mut impl Sink) -> Result<(), Halt> {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let id = self.arrays;
        self.arrays += 1;
        let mut index = 0u32;
        let path = self.trie.nodes[node].path;
        loop {
            self.ws();
            // Arrays of numbers (coordinates) are common: a number is read here, without
            // the general element's dispatch. (In an array no leaf can end a plain scan,
            // so a first leaf on its path only counts down the paths unseen.)
            if let (Some(b'-' | b'0'..=b'9'), true) = (self.peek(), depth < MAX_EVENT_DEPTH) {
                let start = self.i;
                let Some(end) = crate::json::scan_number(self.s, start) else {
                    return Err(self.syntax("invalid number"));
                };
                self.i = end;
                if self.peek().is_some_and(|b| !is_delim(b)) {
                    return Err(self.syntax("unexpected character after a value"));
                }
                if let Some(p) = path {
                    if sink.leaf(p, RawLeaf::Num(&self.s[start..end]), &self.trail) {
                        self.unseen -= 1;
                    }
                }
            } else {
                self.in_arrays += 1;
                let r = self.element(node, depth, id, index, sink);
                self.in_arrays -= 1;
                r?;
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    index += 1;
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected ',' or ']'")),
            }
        }
    }

    /// Element `index` of array `id`, at its first byte: an object or array element is
    /// tied to its place in the array (as in the reference matcher and EventBridge).
    #[inline(always)]
    fn element(
        &mut self,
        node: usize,
        depth: usize,
        id: u32,
        index: u32,
        sink: &mut impl Sink,
    ) -> Result<(), Halt> {
        match self.peek() {
            Some(b'{' | b'[') => {
                self.trail.push((id, index));
                let r = self.value(node, depth + 1, sink);
                self.trail.pop();
                r
            }
            // A scalar is read here, not through a call of `value`, which would do the
            // same after the same depth check.
            Some(_) if depth < MAX_EVENT_DEPTH => self.scalar_value(node, sink),
            _ => self.value(node, depth + 1, sink),
        }
    }

    /// Skips one value without decoding it, iteratively (no recursion however deep).
    fn skip(&mut self) -> Result<(), Halt> {
        self.ws();
        match self.peek() {
            Some(b'{' | b'[') => {}
            Some(_) => return self.scalar().map(|_| ()),
            None => return Err(self.syntax("unexpected end of input")),
        }
        // One bit per open bracket: 1 for an object, 0 for an array.
        let mut open: u128 = 0;
        let mut depth = 0usize;
        while let Some(at) = next_structural(self.s, self.i) {
            self.i = at;
            let b = self.s[at];
            match b {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => {
                    if depth >= MAX_EVENT_DEPTH {
                        return Err(self.stop(ScanError::TooDeep.into()));
                    }
                    open = (open << 1) | u128::from(b == b'{');
                    depth += 1;
                }
                b'}' | b']' => {
                    if depth == 0 || (open & 1 == 1) != (b == b'}') {
                        return Err(self.syntax("mismatched bracket"));
                    }
                    open >>= 1;
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        self.i = self.s.len();
        Err(self.syntax("unexpected end of input"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{json, reference, Matcher, Pattern};

    /// Checks that `matches` and `matches_plain` of `event` (valid JSON) both find the
    /// patterns among `keys` that the reference matcher finds; returns those.
    fn both_readings_agree_with_reference(m: &Matcher<i32>, keys: &[i32], event: &str) -> Vec<i32> {
        let doc = json::parse(event.as_bytes()).expect("valid JSON");
        let want: Vec<i32> = keys
            .iter()
            .copied()
            .filter(|k| reference::matches(m.get(k).expect("added"), &doc))
            .collect();
        for plain in [false, true] {
            let got = if plain {
                m.matches_plain(event.as_bytes())
            } else {
                m.matches(event.as_bytes())
            };
            let mut got = got.unwrap_or_else(|e| panic!("{event}: {e}"));
            got.sort_unstable();
            assert_eq!(got, want, "{event} (plain: {plain})");
        }
        want
    }

    /// A child's key found by searching the text ([`Scanner::seek`]) only where the text
    /// says it is a key of the object being read: not a string value, not a key of a
    /// nested object, not text inside a string with escapes, not past the object's end.
    #[test]
    fn keys_sought_in_the_text_are_keys_of_the_object() {
        let mut m = Matcher::new();
        m.add(1, br#"{"d": {"k": ["x"]}}"#).expect("valid");
        m.add(2, br#"{"d": {"n": [5]}, "top": ["t"]}"#)
            .expect("valid");
        let pad = r#""a1": "v", "a2": 1, "a3": "w", "a4": [1, "k"], "#;
        // After the object, enough text for the search to look at 32 bytes at a time.
        let tail = r#""z1": "zzzzzzzzzzzzzzzz", "z2": "zzzzzzzzzzzzzzzzzzzzzzzz""#;
        let events = [
            // Found after entries of every plain kind, arrays of scalars among them.
            format!(r#"{{"d": {{{pad}"k": "x", "n": 5}}, "top": "t", {tail}}}"#),
            // The key's text as a value first, then as the key.
            format!(r#"{{"d": {{{pad}"a5": "k", "k": "x"}}, {tail}}}"#),
            // As a key of a nested object only: not this object's.
            format!(r#"{{"d": {{{pad}"o": {{"k": "x"}}, "n": 5}}, {tail}}}"#),
            format!(r#"{{"d": {{{pad}"o": [{{"k": "x"}}], "n": 5}}, {tail}}}"#),
            // Only after this object ends.
            format!(r#"{{"d": {{{pad}"n": 5}}, "k": "x", "top": "t", {tail}}}"#),
            format!(r#"{{"d": {{{pad}"a5": 5}}, "e": {{"k": "x", "n": 5}}, {tail}}}"#),
            format!(r#"{{"d": {{{pad}"a5": 5}}, "k": "x", "n": 5, {tail}}}"#),
            // Inside a string with an escaped quote before it.
            format!(r#"{{"d": {{{pad}"s": "say \"k\": x", "n": 5}}, {tail}}}"#),
            format!(r#"{{"d": {{{pad}"s": "\"k\": \"x\"", "k": "y"}}, {tail}}}"#),
            // Spelled with an escape: the same key.
            format!(r#"{{"d": {{{pad}"\u006b": "x"}}, {tail}}}"#),
            format!(r#"{{"d": {{{pad}"\u006b": "x", "n": 5}}, {tail}}}"#),
            // Braces inside a string before it, and space before the colon.
            format!(r#"{{"d": {{{pad}"s": "{{}}", "k"  :  "x"}}, {tail}}}"#),
            format!(
                r#"{{"d": {{{pad}"k"
                : "x"}}, "top": "t", {tail}}}"#
            ),
            // Near the end, where the search looks at a padded copy of the last bytes.
            format!(r#"{{"d": {{{pad}"k":"x"}}}}"#),
            r#"{"d":{"a":1,"b":2,"c":3,"k":"x"}}"#.to_owned(),
            r#"{"d":{"a":1,"b":2,"c":3,"o":{"k":"x"}}}"#.to_owned(),
            format!(r#"{{"top": "t", "d": {{{pad}"a5": "v", "n": 5}}}}"#),
        ];
        for event in &events {
            assert!(json::parse(event.as_bytes()).is_ok(), "{event}");
            both_readings_agree_with_reference(&m, &[1, 2], event);
        }
    }

    /// Regression (found by the match_event fuzz target): after the shortcut skipped an
    /// entry and stopped before a separator it does not take (`,` then a new line or a
    /// space before the `,`), the next entry was read as if `i` were at its key: pretty
    /// printed events failed with "expected ':'", and an event cut off after a `,`
    /// panicked.
    #[test]
    fn entries_after_any_separator_are_read() {
        let mut m = Matcher::new();
        m.add(1, br#"{"b":[1]}"#).expect("valid");
        m.add(2, br#"{"o":{"c":["x"]}}"#).expect("valid");
        let long = "v".repeat(44);
        let events = [
            format!("{{\n  \"xxxxxxxx\": \"{long}\",\n  \"b\": 1\n}}"),
            format!("{{\n  \"x\": \"v\",\n  \"yyyy\": \"{long}\",\n  \"b\": 1\n}}"),
            format!("{{\"x\": \"v\" , \"yyyyyyyy\": \"{long}\", \"b\": 1}}"),
            format!("{{\"x\": 12 ,\"y\": \"{long}\",\t\"b\": 1}}"),
            format!("{{\"o\": {{\n    \"k\": \"{long}\",\n    \"c\": \"x\"\n  }},\n  \"b\": 1}}"),
            format!("{{\"o\":{{\"k\":\"{long}\",\r\n\"c\":\"x\"}},\"b\":1}}"),
        ];
        for event in &events {
            let want = both_readings_agree_with_reference(&m, &[1, 2], event);
            assert!(!want.is_empty(), "{event}");
        }
        let cut = format!("{{\"id\":\"1\",\"k\":\"{long}\",");
        assert!(m.matches(cut.as_bytes()).is_err(), "{cut}");
    }

    /// Numbers in arrays, read without the general element's dispatch: every spacing JSON
    /// allows reads as the reference reads it, and what is not JSON is an error.
    #[test]
    fn numbers_in_arrays_read_with_any_spacing() {
        let mut m = Matcher::new();
        m.add(1, br#"{"c":[{"numeric":[">",2,"<",4]}]}"#)
            .expect("valid");
        m.add(2, br#"{"c":[-1.5e2]}"#).expect("valid");
        m.add(3, br#"{"d":[0]}"#).expect("valid");
        let arrays = [
            "[3]",
            "[1,3]",
            "[1 ,3 ]",
            "[ 1 , 3 ]",
            "[1,\n\t3\r\n]",
            "[[1, -150], [7, 3.5]]",
            "[ [ [ -1.5e2, 37.5, 0.0 ], [ 1, 2 ] ] ]",
            "[1, \"x\", 3e0]",
            "[1, {\"d\": 0}, 9]",
            "[0, -0, 0.5, -150.0]",
            "[]",
            "[ ]",
        ];
        for a in arrays {
            let event = format!("{{\"c\": {a}, \"d\": 0}}");
            both_readings_agree_with_reference(&m, &[1, 2, 3], &event);
        }
        for bad in [
            "[1 2]", "[1,]", "[1x]", "[1:2]", "[-]", "[1", "[1,", "[01]", "[1.]", "[1\"]",
        ] {
            let event = format!("{{\"c\": {bad}}}");
            assert!(
                json::parse(event.as_bytes()).is_err(),
                "{event} is not JSON"
            );
            assert!(m.matches(event.as_bytes()).is_err(), "{event}");
        }
    }

    /// The search for quotes and brackets agrees with a byte loop wherever they sit,
    /// among the bytes that look most like them (`;`, `=`, `[` with bit 5 cleared, 0x02,
    /// high bytes).
    #[test]
    fn next_structural_finds_the_first() {
        // Bytes that look like brackets to a bit test, and those either side of `Z` and
        // of 0x80 (bytes above `Z` are candidates that the search steps over).
        let fill = [
            b'1', b',', b' ', b';', b'=', 0x02, 0x3b, 0xfb, 0xdd, 0x7c, b'a', b'Z', b'\\', b'^',
            0x7f, 0x80, b'e',
        ];
        for len in 0..40 {
            for at in 0..=len {
                for (k, &mark) in [b'"', b'[', b']', b'{', b'}'].iter().enumerate() {
                    let mut s: Vec<u8> = (0..len).map(|i| fill[(i + k) % fill.len()]).collect();
                    if at < len {
                        s[at] = mark;
                    }
                    for from in [0, 1, 5] {
                        let want = s
                            .iter()
                            .enumerate()
                            .skip(from)
                            .find(|(_, b)| matches!(b, b'"' | b'[' | b']' | b'{' | b'}'))
                            .map(|(i, _)| i);
                        assert_eq!(super::next_structural(&s, from), want, "{s:?} from {from}");
                    }
                }
            }
        }
    }

    /// The word-at-a-time search agrees with a plain one wherever the quote or backslash
    /// sits, whatever the bytes around it (high bytes included), short or long, with the
    /// other mark anywhere after it.
    #[test]
    fn quote_or_backslash_finds_the_first() {
        for len in 0..90 {
            for at in 0..=len {
                for from in [0, 1, 7] {
                    for (mark, other, fill) in [
                        (b'"', b'\\', b'a'),
                        (b'\\', b'"', 0xff),
                        (b'"', b'"', 0x5b),
                        (b'\\', b'"', 0x21),
                    ] {
                        for then in [None, Some(1), Some(5), Some(9)] {
                            let mut s = vec![fill; len];
                            if at < len {
                                s[at] = mark;
                            }
                            if let Some(d) = then {
                                if at + d < len {
                                    s[at + d] = other;
                                }
                            }
                            if from > len {
                                continue;
                            }
                            let want = s[from..]
                                .iter()
                                .position(|&b| b == b'"' || b == b'\\')
                                .map(|k| (k, s[from + k] == b'"'));
                            assert_eq!(
                                super::quote_or_backslash(&s, from),
                                want,
                                "len {len} at {at} from {from} then {then:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The shortcut for unnamed entries (`Scanner::skip_unnamed`) reads what the full
    /// reading reads: entries with keys around its 15-byte limit, named or not, dotted or
    /// escaped, values of every kind and length around its 16-byte window, the usual and
    /// unusual separators, and objects ending at every place.
    #[test]
    fn skipping_unnamed_entries_agrees_with_the_reference() {
        let keys = [
            "k",
            "key",
            "k.x",
            "k\\u0041",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
        ];
        let values = [
            r#""v""#,
            r#""0123456789abcde""#,
            r#""0123456789abcdef""#,
            r#""0123456789abcdefg""#,
            r#""a\"b""#,
            "12",
            "-1.5e3",
            "0",
            "true",
            "null",
            r#"{"k":"v"}"#,
            "[1,\"v\"]",
        ];
        let seps = [", ", ",", " , ", ",\n"];
        let patterns: Vec<Pattern> = keys
            .iter()
            .flat_map(|k| {
                let named = format!("\"{k}\"");
                [
                    format!(r#"{{{named}: ["v"]}}"#),
                    format!(r#"{{{named}: [{{"exists": true}}]}}"#),
                    format!(r#"{{"z": ["v"], {named}: [{{"prefix": "0123"}}]}}"#),
                    format!(
                        r#"{{{named}: [{{"numeric": [">", 0]}}], "z": [{{"exists": false}}]}}"#
                    ),
                ]
            })
            .map(|p| Pattern::parse(p.as_bytes()).expect("a valid pattern"))
            .collect();
        let mut m = Matcher::new();
        for (i, p) in patterns.iter().enumerate() {
            m.add_pattern(i, p.clone()).expect("added");
        }
        let mut checked = 0;
        for (a, ka) in keys.iter().enumerate() {
            for (b, va) in values.iter().enumerate() {
                for kb in keys.iter().skip(a % 3).step_by(3) {
                    for vb in values.iter().skip(b % 4).step_by(4) {
                        for sep in seps {
                            for tail in ["", r#", "z": "v""#, r#", "zz": 1"#] {
                                let event = format!(r#"{{ "{ka}": {va}{sep}"{kb}": {vb}{tail} }}"#);
                                let ev = json::parse(event.as_bytes()).expect(&event);
                                let mut want: Vec<usize> = (0..patterns.len())
                                    .filter(|&i| reference::matches(&patterns[i], &ev))
                                    .collect();
                                let mut got = m.matches(event.as_bytes()).expect(&event);
                                got.sort_unstable();
                                assert_eq!(got, want, "matches: {event}");
                                if ev.is_plain() {
                                    let mut got = m.matches_plain(event.as_bytes()).expect(&event);
                                    got.sort_unstable();
                                    want.sort_unstable();
                                    assert_eq!(got, want, "matches_plain: {event}");
                                }
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked} events");
    }

    /// Regression (found by tests/properties.rs): an empty key at the top of an event was
    /// looked up as a trie segment, so `{"": {"b": 1}}` never reached the path `b` where
    /// the reference matcher (and the pattern parser) put it.
    #[test]
    fn empty_key_at_the_top_adds_nothing_to_the_path() {
        let cases = [
            (r#"{"":{"b":[1]}}"#, r#"{"":{"b":1}}"#, true),
            (r#"{"b":[1]}"#, r#"{"":{"b":1}}"#, true),
            (r#"{"":{"b":[1]}}"#, r#"{"b":1}"#, true),
            (r#"{"b":[{"exists":false}]}"#, r#"{"":{"b":1}}"#, false),
            (r#"{"":[1]}"#, r#"{"":1}"#, true),
            (r#"{"":[1]}"#, r#"{"":[2,1]}"#, true),
            (r#"{"":[1]}"#, r#"{"":{"":1}}"#, true),
            (r#"{"":[{"exists":true}]}"#, r#"{"a":1}"#, false),
            (r#"{"":[{"exists":false}]}"#, r#"{"":{"a":1}}"#, true),
            (r#"{".b":[1]}"#, r#"{"":{"b":1}}"#, false),
            (r#"{".b":[1]}"#, r#"{".b":1}"#, true),
            (r#"{".b":[1]}"#, r#"{"":{".b":1}}"#, true),
            (r#"{"a":{"":[1]}}"#, r#"{"a":{"":1}}"#, true),
            (r#"{"a":{"":[1]}}"#, r#"{"a":1}"#, false),
            (
                r#"{"":{"b":["x"],"c":["y"]}}"#,
                r#"{"":[{"b":"x","c":"z"},{"b":"z","c":"y"}]}"#,
                false,
            ),
        ];
        for (pattern, event, want) in cases {
            let p = Pattern::parse(pattern.as_bytes()).expect(pattern);
            let ev = json::parse(event.as_bytes()).expect(event);
            assert_eq!(
                reference::matches(&p, &ev),
                want,
                "reference: {pattern} {event}"
            );
            let mut m = Matcher::new();
            m.add((), pattern.as_bytes()).expect(pattern);
            assert_eq!(
                m.has_match(event.as_bytes()),
                Ok(want),
                "matcher: {pattern} {event}"
            );
        }
    }
}
