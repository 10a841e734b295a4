//! Property tests of the pattern crate (STYLE.md §7): the compiled [`Matcher`], loaded with
//! many generated patterns (some replaced or removed again), returns exactly the keys the
//! brute-force [`reference`] matcher accepts; numbers compare equal whatever their spelling
//! and unequal when their values differ; the JSON reader round-trips; and neither
//! [`Pattern::parse`] nor [`Matcher::matches`] panics on any input.
//!
//! Patterns and events are drawn from one small vocabulary of keys (nested, dotted, empty,
//! escaped) and values (strings with escapes and case variants, addresses, numbers in
//! several spellings) so that they meet often enough for matches to be common.

use std::collections::{BTreeMap, BTreeSet};

use eddy_pattern::json::{self, Value};
use eddy_pattern::pattern::{Field, Test};
use eddy_pattern::value::{Leaf, Literal, Number};
use eddy_pattern::{reference, Matcher, Pattern};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// The keys `matches_plain` returns for the event `text`.
fn plain_matches<K: Clone + Eq + Ord + std::hash::Hash>(m: &Matcher<K>, text: &str) -> BTreeSet<K> {
    m.matches_plain(text.as_bytes())
        .expect("a valid event")
        .into_iter()
        .collect()
}

/// `cases` cases, or as many as `PROPTEST_CASES` asks for (for long runs).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig::with_cases(cases)
}

// ---------------------------------------------------------------------------------------
// Vocabulary.

/// Object keys of patterns and events: nested ones, dotted ones (the same path as the
/// nested spelling), the empty key, keys that need escaping, and one longer than the
/// scanner's shortcut for keys takes.
const KEYS: &[&str] = &[
    "a",
    "a",
    "b",
    "b",
    "c",
    "a.b",
    "b.c",
    "",
    "é",
    "q\"t",
    "a_key_of_16bytes",
];

/// String values of events and literals of patterns.
const STRINGS: &[&str] = &[
    "",
    "x",
    "X",
    "xy",
    "xY",
    "yx",
    "abc",
    "ABC",
    "aBc",
    "a*c",
    "a\\c",
    "q\"t",
    "tab\tx",
    "line\nx",
    "\u{1}",
    "é",
    "É",
    "école",
    "ÉCOLE",
    "ß",
    "SS",
    "ss",
    "\u{212A}",
    "k",
    "ǅ",
    "Σ",
    "ς",
    "İ",
    "🚀",
    "10.0.0.1",
    "10.0.0.255",
    "10.0.1.7",
    "192.168.1.20",
    "2001:db8::1",
    "2001:DB8:0:0:0:0:0:1",
    "::ffff:a00:1",
    "2001:db8:0:1::5",
    "::1",
    "300",
    "true",
    "null",
    "a string of more than sixteen bytes",
    "x.y",
    "*",
];

/// Pieces of prefixes, suffixes and wildcards.
const FRAGMENTS: &[&str] = &[
    "", "x", "X", "y", "a", "ab", "AB", "c", "bc", "BC", "é", "É", "ÉC", "10.", ".1", "::", "🚀",
    "\\", "*", ".", "İ", "i", "ß", "SS", "s", "Σ", "ς", "\u{212A}",
];

const CIDRS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.0/31",
    "0.0.0.0/0",
    "192.168.0.0/16",
    "10.0.1.0/24",
    "2001:db8::/32",
    "2001:db8::/64",
    "::/0",
    "::1/127",
];

/// Numbers that compare by text only (too precise or too large for a double).
const INEXACT: &[&str] = &[
    "12345678901234567890",
    "1e400",
    "-1e400",
    "0.10000000000000000001",
    // Read by the scanner's eight-digits-at-a-time path (2–7 integer digits, 8–16 in the
    // fraction), beside the double nearest it.
    "37.807807921694092",
    "37.80780792169409",
    // Seventeen digits, each the shortest spelling of its double (read without the
    // standard parser): a latitude, and the doubles next to 30, a number patterns name.
    "37.710482775142246",
    "30.000000000000004",
    "29.999999999999996",
    "-122.39173518757443",
];

// ---------------------------------------------------------------------------------------
// Numbers.

/// `m × 10^e` spelled in one of several JSON forms, all with the same value.
fn spell(m: i64, e: i32, style: u8) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let digits = m.unsigned_abs().to_string();
    let body = match style % 6 {
        // Plain decimal: 300, 0.05.
        0 | 1 => {
            let plain = plain_decimal(&digits, e);
            if style % 6 == 1 {
                // Trailing zeros after the point: 300.0, 0.050.
                if plain.contains('.') {
                    plain + "0"
                } else {
                    plain + ".0"
                }
            } else {
                plain
            }
        }
        // Digits and exponent: 3e2, 5e-2.
        2 => format!("{digits}e{e}"),
        // One digit before the point: 3.0E+2, 5.0e-2.
        3 => {
            let (first, rest) = digits.split_at(1);
            let rest = if rest.is_empty() { "0" } else { rest };
            let exp = e + digits.len() as i32 - 1;
            format!("{first}.{rest}E+{exp}").replace("+-", "-")
        }
        // Extra zeros paid for with the exponent: 300e0 as 30000e-2.
        4 if m != 0 => format!("{digits}00e{}", e - 2),
        4 => format!("0.00e{e}"),
        // A fraction below one: 0.3e3.
        _ => format!("0.{digits}e{}", e + digits.len() as i32),
    };
    format!("{sign}{body}")
}

fn plain_decimal(digits: &str, e: i32) -> String {
    if digits == "0" {
        return "0".into();
    }
    if e >= 0 {
        return format!("{digits}{}", "0".repeat(e as usize));
    }
    let shift = (-e) as usize;
    let padded = if digits.len() <= shift {
        format!("{}{digits}", "0".repeat(shift + 1 - digits.len()))
    } else {
        digits.to_owned()
    };
    let (int, frac) = padded.split_at(padded.len() - shift);
    format!("{int}.{frac}")
}

/// `(m, e)` with trailing zeros of `m` moved into `e`: equal values, equal pairs.
fn normalize(mut m: i64, mut e: i32) -> (i64, i32) {
    if m == 0 {
        return (0, 0);
    }
    while m % 10 == 0 {
        m /= 10;
        e += 1;
    }
    (m, e)
}

/// Small decimals, so that patterns and events meet (`300` and `3e2` are both here).
fn small_decimal() -> impl Strategy<Value = (i64, i32)> {
    (
        select(vec![
            0i64,
            1,
            3,
            5,
            10,
            25,
            30,
            300,
            -1,
            -5,
            -25,
            5_000_000_001,
        ]),
        -2i32..=2,
    )
}

fn small_number() -> impl Strategy<Value = String> {
    (small_decimal(), any::<u8>()).prop_map(|((m, e), style)| spell(m, e, style))
}

/// Any number an event may hold: mostly small decimals, sometimes inexact ones.
fn event_number() -> BoxedStrategy<String> {
    prop_oneof![
        8 => small_number(),
        1 => select(INEXACT).prop_map(str::to_owned),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Patterns.

fn string_value() -> impl Strategy<Value = Value> {
    select(STRINGS).prop_map(|s| Value::String(s.to_owned()))
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(FRAGMENTS).prop_map(str::to_owned),
        1 => select(STRINGS).prop_map(str::to_owned),
    ]
}

/// Wildcard text: literal pieces, `*`, and the escapes `\*` and `\\`. Two stars in a row
/// make an invalid pattern, which is fine: it must be rejected by both matchers alike.
fn wildcard_text() -> impl Strategy<Value = String> {
    prop_oneof![
        vec(
            select(vec![
                "x", "y", "a", "c", "b", ".", "é", "*", "*", "\\*", "\\\\", "10."
            ]),
            0..5
        )
        .prop_map(|parts| parts.concat()),
        (select(STRINGS), any::<prop::sample::Index>()).prop_map(|(s, at)| {
            // A star slipped into a value that events hold.
            let cuts: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
            let at = cuts[at.index(cuts.len())];
            let escaped = s.replace('\\', "\\\\").replace('*', "\\*");
            let at = escaped.len().min(at);
            let at = (0..=at)
                .rev()
                .find(|&i| escaped.is_char_boundary(i))
                .unwrap_or(0);
            format!("{}*{}", &escaped[..at], &escaped[at..])
        }),
    ]
}

fn obj(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn str_v(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

fn num_v(s: impl Into<String>) -> Value {
    Value::Number(s.into())
}

/// A `numeric` test with one or two bounds (or `=`), on small numbers so that ranges
/// overlap and events' numbers fall in them.
fn numeric_test() -> BoxedStrategy<Value> {
    prop_oneof![
        (select(vec!["=", "<", "<=", ">", ">="]), small_number())
            .prop_map(|(op, n)| vec![str_v(op), num_v(n)]),
        (
            select(vec![">", ">="]),
            small_number(),
            select(vec!["<", "<="]),
            small_number()
        )
            .prop_map(|(lo_op, lo, hi_op, hi)| {
                // Usually in order; when not, the pattern is invalid for both matchers.
                vec![str_v(lo_op), num_v(lo), str_v(hi_op), num_v(hi)]
            }),
    ]
    .prop_map(|items| obj(vec![("numeric", Value::Array(items))]))
    .boxed()
}

/// One element of a field's array: a literal or an operator, in every form EventBridge has.
fn test_value() -> BoxedStrategy<Value> {
    let numeric = numeric_test();
    let strings_or_one = |s: BoxedStrategy<String>| {
        prop_oneof![
            s.clone().prop_map(str_v),
            vec(s, 1..3).prop_map(|v| Value::Array(v.into_iter().map(str_v).collect())),
        ]
    };
    let nonempty_fragment = fragment()
        .prop_filter("anything-but prefix/suffix may not be empty", |s| {
            !s.is_empty()
        })
        .boxed();
    let anything_but = prop_oneof![
        string_value(),
        small_number().prop_map(num_v),
        vec(select(STRINGS), 1..4).prop_map(|v| Value::Array(v.into_iter().map(str_v).collect())),
        vec(event_number(), 1..4).prop_map(|v| Value::Array(v.into_iter().map(num_v).collect())),
        strings_or_one(nonempty_fragment.clone()).prop_map(|v| obj(vec![("prefix", v)])),
        strings_or_one(nonempty_fragment).prop_map(|v| obj(vec![("suffix", v)])),
        strings_or_one(select(STRINGS).prop_map(str::to_owned).boxed())
            .prop_map(|v| obj(vec![("equals-ignore-case", v)])),
        strings_or_one(wildcard_text().boxed()).prop_map(|v| obj(vec![("wildcard", v)])),
    ]
    .prop_map(|v| obj(vec![("anything-but", v)]));
    prop_oneof![
        4 => string_value(),
        3 => event_number().prop_map(num_v),
        1 => select(vec![Value::Bool(true), Value::Bool(false), Value::Null]),
        2 => fragment().prop_map(|s| obj(vec![("prefix", str_v(s))])),
        2 => fragment().prop_map(|s| obj(vec![("suffix", str_v(s))])),
        1 => fragment().prop_map(|s| obj(vec![("prefix", obj(vec![("equals-ignore-case", str_v(s))]))])),
        1 => fragment().prop_map(|s| obj(vec![("suffix", obj(vec![("equals-ignore-case", str_v(s))]))])),
        2 => select(STRINGS).prop_map(|s| obj(vec![("equals-ignore-case", str_v(s))])),
        4 => anything_but,
        3 => numeric,
        2 => any::<bool>().prop_map(|b| obj(vec![("exists", Value::Bool(b))])),
        1 => select(CIDRS).prop_map(|c| obj(vec![("cidr", str_v(c))])),
        3 => wildcard_text().prop_map(|w| obj(vec![("wildcard", str_v(w))])),
    ]
    .boxed()
}

fn field_array() -> BoxedStrategy<Value> {
    vec(test_value(), 1..4).prop_map(Value::Array).boxed()
}

/// A pattern object: fields, nested objects and `$or` (itself nesting), `depth` levels deep.
fn pattern_object(depth: u32) -> BoxedStrategy<Value> {
    let key = select(KEYS).prop_map(str::to_owned);
    if depth == 0 {
        return vec((key, field_array()), 1..3)
            .prop_map(Value::Object)
            .boxed();
    }
    let entry = prop_oneof![
        5 => (key.clone(), field_array()),
        2 => (key, pattern_object(depth - 1)),
        1 => vec(pattern_object(depth - 1), 2..4)
            .prop_map(|alts| ("$or".to_owned(), Value::Array(alts))),
    ];
    vec(entry, 1..4).prop_map(Value::Object).boxed()
}

fn pattern() -> BoxedStrategy<Value> {
    pattern_object(2)
}

// ---------------------------------------------------------------------------------------
// Events.

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        5 => string_value(),
        4 => event_number().prop_map(Value::Number),
        1 => select(vec![Value::Bool(true), Value::Bool(false), Value::Null]),
    ]
    .boxed()
}

fn event_value(depth: u32) -> BoxedStrategy<Value> {
    if depth == 0 {
        return prop_oneof![
            6 => scalar(),
            1 => vec(scalar(), 0..4).prop_map(Value::Array),
        ]
        .boxed();
    }
    prop_oneof![
        6 => scalar(),
        3 => event_object(depth - 1),
        2 => vec(scalar(), 0..4).prop_map(Value::Array),
        2 => vec(event_object(depth - 1), 0..4).prop_map(Value::Array),
        1 => vec(event_value(depth - 1), 0..3).prop_map(Value::Array),
        1 => Just(Value::Object(Vec::new())),
    ]
    .boxed()
}

fn event_object(depth: u32) -> BoxedStrategy<Value> {
    vec(
        (select(KEYS).prop_map(str::to_owned), event_value(depth)),
        0..5,
    )
    .prop_map(Value::Object)
    .boxed()
}

fn event() -> BoxedStrategy<Value> {
    event_object(3)
}

/// Any JSON value: arbitrary strings and keys, for the reader's round trip.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (any::<i64>(), -30i32..30, any::<u8>()).prop_map(|(m, e, s)| Value::Number(spell(m, e, s))),
        select(INEXACT).prop_map(|n| Value::Number(n.to_owned())),
        any::<String>().prop_map(Value::String),
        select(STRINGS).prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((any::<String>(), inner), 0..6).prop_map(Value::Object),
        ]
    })
}

// ---------------------------------------------------------------------------------------
// Rendering: the same value in differently written JSON.

#[derive(Debug, Clone, Copy)]
struct Style {
    /// Whitespace between tokens.
    layout: Layout,
    /// Write ASCII letters of strings and keys as `\u00XX` escapes.
    escape_letters: bool,
}

#[derive(Debug, Clone, Copy)]
enum Layout {
    /// No whitespace: `{"a":1,"b":[1,2]}`.
    Compact,
    /// One space after `{`, `,` and `:` and before `}`, as most encoders (and CityLots)
    /// write: `{ "a": 1, "b": [ 1, 2 ] }`.
    Spaced,
    /// Spaces, newlines and tabs between all tokens.
    Loose,
    /// A new line before each item and closing bracket, one space after `:`, as pretty
    /// printers write (`json.dumps(v, indent=2)`): `{\n  "a": 1,\n  "b": "x"\n}`.
    Pretty,
}

impl Layout {
    /// Whitespace before an item, before `:`, after `:`, and before a closing bracket.
    fn gaps(self) -> [&'static str; 4] {
        match self {
            Layout::Compact => ["", "", "", ""],
            Layout::Spaced => [" ", "", " ", " "],
            Layout::Loose => [" \n\t"; 4],
            Layout::Pretty => ["\n  ", "", " ", "\n"],
        }
    }
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop_oneof![
            Just(Layout::Compact),
            Just(Layout::Spaced),
            Just(Layout::Loose),
            Just(Layout::Pretty)
        ],
        prop::bool::weighted(0.3),
    )
        .prop_map(|(layout, escape_letters)| Style {
            layout,
            escape_letters,
        })
}

fn render(v: &Value, style: Style) -> String {
    let mut out = String::new();
    render_into(v, style, &mut out);
    out
}

fn render_into(v: &Value, style: Style, out: &mut String) {
    let [item_gap, colon_gap, value_gap, close_gap] = style.layout.gaps();
    match v {
        Value::String(s) => render_string(s, style, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(item_gap);
                render_into(item, style, out);
            }
            out.push_str(close_gap);
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(item_gap);
                render_string(k, style, out);
                out.push_str(colon_gap);
                out.push(':');
                out.push_str(value_gap);
                render_into(item, style, out);
            }
            out.push_str(close_gap);
            out.push('}');
        }
        other => other.write_json(out),
    }
}

fn render_string(s: &str, style: Style, out: &mut String) {
    if !style.escape_letters {
        json::write_string(s, out);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            c if c.is_ascii_alphabetic() => out.push_str(&format!("\\u{:04X}", c as u32)),
            '/' => out.push_str("\\/"),
            c if (c as u32) > 0xFFFF => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => {
                let mut one = String::new();
                json::write_string(&c.to_string(), &mut one);
                out.push_str(&one[1..one.len() - 1]);
            }
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------
// Events built around a pattern: a random event with, for one branch, a value at each
// field's path that passes one of its tests (or, now and then, one that may not), written
// nested or dotted and sometimes inside arrays. Without them few random pairs would match.

/// Random decisions taken from a byte string (cycled), so that proptest can shrink them.
struct Choices<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        if self.bytes.is_empty() || n == 0 {
            return 0;
        }
        let b = self.bytes[self.at % self.bytes.len()];
        self.at += 1;
        usize::from(b) % n
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.pick(n) == 0
    }
}

/// Scalars some test passes: the vocabulary and values made from the test itself.
fn candidates(test: &Test) -> Vec<Value> {
    let mut out: Vec<Value> = STRINGS.iter().map(|s| str_v(*s)).collect();
    out.extend([Value::Bool(true), Value::Bool(false), Value::Null]);
    for m in [0i64, 1, 3, 5, 10, 25, 300, -1, -5, 5_000_000_001] {
        for e in -2..=2 {
            out.push(num_v(spell(m, e, (m + i64::from(e)) as u8)));
        }
    }
    out.extend(INEXACT.iter().map(|n| num_v(*n)));
    match test {
        Test::Exact(Literal::String(s)) => out.push(str_v(s.clone())),
        Test::Exact(Literal::Number(n)) => out.push(num_v(n.text())),
        Test::Prefix { text, .. } => {
            out.push(str_v(format!("{text}zz")));
            out.push(str_v(format!("{}zz", text.to_uppercase())));
            out.push(str_v(format!("{}zz", text.to_lowercase())));
        }
        Test::Suffix { text, .. } => {
            out.push(str_v(format!("zz{text}")));
            out.push(str_v(format!("zz{}", text.to_uppercase())));
            out.push(str_v(format!("zz{}", text.to_lowercase())));
        }
        Test::EqualsIgnoreCase(t) => {
            out.push(str_v(t.to_uppercase()));
            out.push(str_v(t.to_lowercase()));
            out.push(str_v(t.clone()));
        }
        Test::Wildcard(w) => {
            out.push(str_v(format!("{}{}", w.head(), w.tail())));
            out.push(str_v(format!("{}zz{}", w.head(), w.tail())));
        }
        Test::Numeric(r) => {
            for b in [r.lower, r.upper].into_iter().flatten() {
                for d in [-0.5, 0.0, 0.5] {
                    out.push(num_v(format!("{:e}", b.value + d)));
                }
            }
        }
        _ => {}
    }
    out
}

fn leaf_of(v: &Value) -> Option<Leaf<'_>> {
    Some(match v {
        Value::String(s) => Leaf::String(s),
        Value::Number(n) => Leaf::Number(n.parse().ok()?, n),
        Value::Bool(b) => Leaf::Bool(*b),
        Value::Null => Leaf::Null,
        _ => return None,
    })
}

/// A value for a field: usually one that passes one of its tests.
fn witness(field: &Field, c: &mut Choices<'_>) -> Value {
    let test = &field.tests[c.pick(field.tests.len())];
    let all = candidates(test);
    if c.one_in(6) {
        return all[c.pick(all.len())].clone();
    }
    let passing: Vec<&Value> = all
        .iter()
        .filter(|v| leaf_of(v).is_some_and(|l| test.matches(&l)))
        .collect();
    if passing.is_empty() {
        all[c.pick(all.len())].clone()
    } else {
        passing[c.pick(passing.len())].clone()
    }
}

/// Puts `v` at the dotted path `segs` under `entries`, through existing objects and
/// arrays of objects or new ones, writing some steps as one dotted key.
fn put(entries: &mut Vec<(String, Value)>, segs: &[&str], v: Value, c: &mut Choices<'_>) {
    let (first, rest) = segs.split_first().expect("a path has a segment");
    if rest.is_empty() {
        let v = match c.pick(5) {
            0 => Value::Array(vec![v]),
            1 => Value::Array(vec![str_v("x"), v]),
            _ => v,
        };
        entries.push(((*first).to_owned(), v));
        return;
    }
    if c.one_in(4) {
        let joined = format!("{first}.{}", rest[0]);
        let mut segs: Vec<&str> = vec![&joined];
        segs.extend_from_slice(&rest[1..]);
        return put(entries, &segs, v, c);
    }
    let existing: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries[i].0 == *first && matches!(entries[i].1, Value::Object(_) | Value::Array(_))
        })
        .collect();
    if !existing.is_empty() && !c.one_in(4) {
        let i = existing[c.pick(existing.len())];
        match &mut entries[i].1 {
            Value::Object(inner) => return put(inner, rest, v, c),
            Value::Array(items) => {
                let objects: Vec<usize> = (0..items.len())
                    .filter(|&j| matches!(items[j], Value::Object(_)))
                    .collect();
                if !objects.is_empty() && !c.one_in(3) {
                    if let Value::Object(inner) = &mut items[objects[c.pick(objects.len())]] {
                        return put(inner, rest, v, c);
                    }
                }
                let mut inner = Vec::new();
                put(&mut inner, rest, v, c);
                items.push(Value::Object(inner));
                return;
            }
            _ => unreachable!("filtered to objects and arrays"),
        }
    }
    let mut inner = Vec::new();
    put(&mut inner, rest, v, c);
    let node = if c.one_in(3) {
        Value::Array(vec![Value::Object(inner)])
    } else {
        Value::Object(inner)
    };
    entries.push(((*first).to_owned(), node));
}

/// `background` with values for one branch of `pattern` added.
fn event_around(pattern: &Pattern, background: &Value, choices: &[u8]) -> Value {
    let mut c = Choices {
        bytes: choices,
        at: 0,
    };
    let mut entries = match background {
        Value::Object(e) if !c.one_in(3) => e.clone(),
        _ => Vec::new(),
    };
    let branch = &pattern.branches[c.pick(pattern.branches.len())];
    for field in &branch.fields {
        let only_absent = field.tests.iter().all(|t| matches!(t, Test::Exists(false)));
        if (only_absent && !c.one_in(5)) || c.one_in(10) {
            continue;
        }
        let segs: Vec<&str> = field.path.split('.').collect();
        let v = witness(field, &mut c);
        put(&mut entries, &segs, v, &mut c);
    }
    Value::Object(entries)
}

/// An event: random, or built around one of the (valid) patterns.
type EventSeed = (Value, Vec<u8>, Option<usize>);

fn event_seed() -> impl Strategy<Value = EventSeed> {
    (
        event(),
        vec(any::<u8>(), 4..24),
        prop_oneof![1 => Just(None), 3 => any::<usize>().prop_map(Some)],
    )
}

fn realize(seed: &EventSeed, patterns: &[Pattern]) -> Value {
    match seed {
        (background, choices, Some(i)) if !patterns.is_empty() => {
            event_around(&patterns[i % patterns.len()], background, choices)
        }
        (background, _, _) => background.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// (a) The compiled matcher agrees with the reference matcher.

/// One change to the matcher: add pattern `.1` under key `.0`, or remove key `.0`.
type Op = (u8, Option<usize>);

fn ops() -> impl Strategy<Value = Vec<Op>> {
    ops_over(24, 6, 10..60)
}

/// Adds under up to 200 keys, a few removed again: more than 64 branches live.
fn many_ops() -> impl Strategy<Value = Vec<Op>> {
    ops_over(200, 12, 100..180)
}

/// `count` operations on keys below `keys`: adds (of a pattern by index) `adds` times as
/// often as removals.
fn ops_over(keys: u8, adds: u32, count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Op>> {
    vec(
        (
            0..keys,
            prop_oneof![adds => any::<usize>().prop_map(Some), 1 => Just(None)],
        ),
        count,
    )
}

fn check_agreement(
    patterns: &[Value],
    ops: &[Op],
    seeds: &[EventSeed],
    style: Style,
) -> Result<(), TestCaseError> {
    let mut m: Matcher<u8> = Matcher::new();
    let mut model: BTreeMap<u8, Pattern> = BTreeMap::new();
    for &(key, op) in ops {
        match op {
            Some(i) => {
                let doc = render(&patterns[i % patterns.len()], style);
                let parsed = Pattern::parse(doc.as_bytes());
                let added = m.add(key, doc.as_bytes());
                prop_assert_eq!(parsed.is_ok(), added.is_ok(), "{} {:?}", doc, added);
                if let Ok(p) = parsed {
                    model.insert(key, p);
                }
            }
            None => {
                prop_assert_eq!(m.remove(&key), model.remove(&key).is_some());
            }
        }
    }
    prop_assert_eq!(m.len(), model.len());
    for (key, p) in &model {
        prop_assert_eq!(m.get(key), Some(p));
    }
    let valid: Vec<Pattern> = patterns
        .iter()
        .filter_map(|p| Pattern::parse(p.to_json().as_bytes()).ok())
        .collect();
    for seed in seeds {
        let ev = &realize(seed, &valid);
        let text = render(ev, style);
        prop_assert_eq!(&json::parse(text.as_bytes()), &Ok(ev.clone()), "{}", text);
        let want: BTreeSet<u8> = model
            .iter()
            .filter(|(_, p)| reference::matches(p, ev))
            .map(|(k, _)| *k)
            .collect();
        let got_list = m.matches(text.as_bytes()).expect("a valid event");
        let got: BTreeSet<u8> = got_list.iter().copied().collect();
        prop_assert_eq!(got.len(), got_list.len(), "a key reported twice");
        if got != want {
            let wrong: Vec<String> = got
                .symmetric_difference(&want)
                .map(|k| {
                    format!(
                        "key {k} (matcher {}, reference {}): {:?}",
                        got.contains(k),
                        want.contains(k),
                        model[k]
                    )
                })
                .collect();
            return Err(TestCaseError::fail(format!(
                "event {text}\n{}",
                wrong.join("\n")
            )));
        }
        prop_assert_eq!(m.has_match(text.as_bytes()), Ok(!want.is_empty()));
        if ev.is_plain() {
            prop_assert_eq!(
                &plain_matches(&m, &text),
                &want,
                "matches_plain on {}",
                text
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(200))]

    /// (a) Many patterns at once, some replaced and some removed again: the matcher
    /// returns exactly the keys whose pattern the reference matcher accepts.
    #[test]
    fn matcher_agrees_with_reference(
        patterns in vec(pattern(), 1..40),
        ops in ops(),
        events in vec(event_seed(), 1..8),
        style in style(),
    ) {
        check_agreement(&patterns, &ops, &events, style)?;
    }
}

/// A field with few possible tests, mostly one of two exact strings: many patterns share
/// one, as patterns share a `source` or a status.
fn few_field() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => select(vec!["x", "y"]).prop_map(|s| Value::Array(vec![str_v(s)])),
        1 => Just(Value::Array(vec![str_v("x"), str_v("y")])),
        1 => Just(Value::Array(vec![obj(vec![("prefix", str_v("x"))])])),
        1 => Just(Value::Array(vec![obj(vec![("exists", Value::Bool(false))])])),
        1 => Just(Value::Array(vec![obj(vec![("anything-but", str_v("x"))])])),
        1 => small_number().prop_map(|n| Value::Array(vec![num_v(n)])),
        2 => field_array(),
    ]
    .boxed()
}

/// A pattern of two to four fields on few paths, one of them in a nested object, each
/// with a [`few_field`]: among many, the matcher indexes those that share a key test and
/// another path as groups.
fn shared_pattern() -> BoxedStrategy<Value> {
    let entry = prop_oneof![
        4 => (select(vec!["a", "b", "c"]).prop_map(str::to_owned), few_field()),
        1 => few_field().prop_map(|f| ("o".to_owned(), Value::Object(vec![("p".to_owned(), f)]))),
    ];
    vec(entry, 2..5).prop_map(Value::Object).boxed()
}

proptest! {
    #![proptest_config(config(30))]

    /// (a) Many patterns that share their tests (grouped by the matcher, and taken out of
    /// their groups again as some are removed) agree with the reference matcher.
    #[test]
    fn patterns_that_share_a_key_test_agree_with_reference(
        patterns in vec(shared_pattern(), 70..110),
        ops in many_ops(),
        events in vec(event_seed(), 1..8),
        style in style(),
    ) {
        check_agreement(&patterns, &ops, &events, style)?;
    }
}

proptest! {
    #![proptest_config(config(30))]

    /// (a) More branches than the matcher has when it first chooses every key field
    /// again (64), so that keys are chosen knowing which values and paths others share.
    #[test]
    fn more_patterns_than_the_first_rechoice_agree_with_reference(
        patterns in vec(pattern(), 70..110),
        ops in many_ops(),
        events in vec(event_seed(), 1..8),
        style in style(),
    ) {
        check_agreement(&patterns, &ops, &events, style)?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// (a) One pattern against events built around it, so that rarely met operators and
    /// array combinations also match.
    #[test]
    fn single_pattern_agrees_with_reference(
        pattern in pattern(),
        events in vec(event_seed(), 1..16),
        style in style(),
    ) {
        check_agreement(&[pattern], &[(0, Some(0))], &events, style)?;
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// (a) Many numeric ranges on one path (more than a scan of them is quick for), and
    /// events whose arrays hold many numbers on it (a polygon's points), in arrays of
    /// objects or alone, some beside a second field the patterns name: the matcher asks
    /// the ranges of all an event's numbers together, and finds what the reference does.
    #[test]
    fn many_ranges_and_many_numbers_agree_with_reference(
        tests in vec((numeric_test(), 0u8..4, select(STRINGS)), 13..60),
        events in vec(
            (
                vec(vec(event_number(), 0..10), 1..4),
                vec(event_number(), 0..3),
                select(STRINGS),
                0u8..3,
            ),
            1..6,
        ),
        style in style(),
    ) {
        let mut patterns = Vec::new();
        for (test, shape, k) in &tests {
            let field = Value::Array(vec![test.clone()]);
            patterns.push(match shape {
                0 => obj(vec![("n", field)]),
                1 => obj(vec![("a", obj(vec![("n", field)]))]),
                2 => obj(vec![("n", field), ("k", Value::Array(vec![str_v(*k)]))]),
                _ => obj(vec![("a", obj(vec![("n", field.clone())])), ("n", field)]),
            });
        }
        let ops: Vec<Op> = (0..patterns.len()).map(|i| (i as u8, Some(i))).collect();
        let mut m: Matcher<u8> = Matcher::new();
        let mut model = BTreeMap::new();
        for &(key, op) in &ops {
            let i = op.expect("an addition");
            let doc = render(&patterns[i], style);
            if let Ok(p) = Pattern::parse(doc.as_bytes()) {
                m.add(key, doc.as_bytes()).expect("valid for both");
                model.insert(key, p);
            }
        }
        for (arrays, loose, k, form) in &events {
            let nums = |v: &Vec<String>| Value::Array(v.iter().cloned().map(num_v).collect());
            let n = match form {
                0 => nums(&arrays[0]),
                1 => Value::Array(arrays.iter().map(nums).collect()),
                _ => loose.first().cloned().map_or(Value::Null, num_v),
            };
            let a = Value::Array(
                arrays
                    .iter()
                    .zip(loose.iter().map(Some).chain(std::iter::repeat(None)))
                    .map(|(ns, one)| match one {
                        Some(x) if ns.is_empty() => obj(vec![("n", num_v(x.clone()))]),
                        _ => obj(vec![("n", nums(ns))]),
                    })
                    .collect(),
            );
            let ev = obj(vec![("a", a), ("k", str_v(*k)), ("n", n)]);
            let text = render(&ev, style);
            let want: BTreeSet<u8> = model
                .iter()
                .filter(|(_, p)| reference::matches(p, &ev))
                .map(|(k, _)| *k)
                .collect();
            let got: BTreeSet<u8> = m
                .matches(text.as_bytes())
                .expect("a valid event")
                .into_iter()
                .collect();
            prop_assert_eq!(&got, &want, "matches on {}", text);
            if ev.is_plain() {
                prop_assert_eq!(&plain_matches(&m, &text), &want, "matches_plain on {}", text);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// (b) Numbers compare equal whatever their spelling.

fn key(text: &str) -> Option<eddy_pattern::value::NumberKey> {
    Number::parse(text).map(|n| n.key())
}

proptest! {
    #![proptest_config(config(256))]

    /// Two spellings of one value are the same number to exact matching, `numeric` `=`
    /// and `anything-but`, in both matchers.
    #[test]
    fn spellings_of_a_number_are_equal(
        m in prop_oneof![-1_000_000i64..1_000_000, select(vec![0i64, 5_000_000_001, -300])],
        e in -20i32..20,
        s1 in any::<u8>(),
        s2 in any::<u8>(),
    ) {
        let (a, b) = (spell(m, e, s1), spell(m, e, s2));
        let (na, nb) = (Number::parse(&a).expect("a number"), Number::parse(&b).expect("a number"));
        prop_assert!(na.is_comparable(), "{}", a);
        prop_assert_eq!(na.key(), nb.key(), "{} vs {}", a, b);
        let event = format!(r#"{{"n":{b}}}"#);
        let event_value = json::parse(event.as_bytes()).expect("valid");
        for (pattern, want) in [
            (format!(r#"{{"n":[{a}]}}"#), true),
            (format!(r#"{{"n":[{{"numeric":["=",{a}]}}]}}"#), true),
            (format!(r#"{{"n":[{{"numeric":[">=",{a}]}}]}}"#), true),
            (format!(r#"{{"n":[{{"numeric":["<=",{a}]}}]}}"#), true),
            (format!(r#"{{"n":[{{"numeric":[">",{a}]}}]}}"#), false),
            (format!(r#"{{"n":[{{"numeric":["<",{a}]}}]}}"#), false),
            (format!(r#"{{"n":[{{"anything-but":[{a}]}}]}}"#), false),
            (format!(r#"{{"n":[{{"anything-but":{a}}}]}}"#), false),
        ] {
            let p = Pattern::parse(pattern.as_bytes()).expect("valid");
            prop_assert_eq!(reference::matches(&p, &event_value), want, "{} on {}", pattern, event);
            let mut matcher = Matcher::new();
            matcher.add((), pattern.as_bytes()).expect("valid");
            prop_assert_eq!(matcher.has_match(event.as_bytes()), Ok(want), "{} on {}", pattern, event);
        }
    }

    /// Numbers that compare by value have equal keys exactly when their decimal values are
    /// equal, down to the edges of the double range (where rounding to zero or infinity
    /// must not make different numbers equal).
    #[test]
    fn comparable_numbers_are_equal_only_when_their_values_are(
        (m1, e1) in (-100_000i64..100_000, -420i32..320),
        (m2, e2) in prop_oneof![
            (-100_000i64..100_000, -420i32..320).boxed(),
            (-100_000i64..100_000, -420i32..320).prop_map(|(m, e)| (m * 10, e - 1)).boxed(),
        ],
        s1 in any::<u8>(),
        s2 in any::<u8>(),
    ) {
        let (a, b) = (spell(m1, e1, s1), spell(m2, e2, s2));
        let (na, nb) = (Number::parse(&a).expect("a number"), Number::parse(&b).expect("a number"));
        let same = normalize(m1, e1) == normalize(m2, e2);
        if na.is_comparable() && nb.is_comparable() {
            prop_assert_eq!(na.key() == nb.key(), same, "{} vs {}", a, b);
        }
        // Any number equals itself, however precise.
        prop_assert_eq!(key(&a), key(&a.clone()));
        // The same value spelled twice is comparable both times or neither time.
        let again = spell(m1, e1, s2);
        prop_assert_eq!(na.is_comparable(), Number::parse(&again).expect("n").is_comparable(), "{} vs {}", a, again);
    }
}

// ---------------------------------------------------------------------------------------
// (c) Parsing never panics; the JSON reader round-trips.

/// A valid document with random byte edits: gets deeper into the parsers than noise.
fn mutated(doc: BoxedStrategy<Value>) -> impl Strategy<Value = Vec<u8>> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        any::<u8>(),
        select(b"{}[]\",:\\0-e.*tfn \xff".to_vec()),
    );
    (doc, style(), vec(edit, 1..4)).prop_map(|(v, style, edits)| {
        let mut bytes = render(&v, style).into_bytes();
        for (at, kind, random, structural) in edits {
            let b = if random % 2 == 0 { structural } else { random };
            let i = at.index(bytes.len() + 1);
            match kind {
                0 => bytes.insert(i, b),
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ if i < bytes.len() => bytes[i] = b,
                _ => bytes.push(b),
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parse_never_panics_on_bytes(bytes in vec(any::<u8>(), 0..256)) {
        let _ = Pattern::parse(&bytes);
        let _ = json::parse(&bytes);
    }

    #[test]
    fn parse_never_panics_on_damaged_patterns(bytes in mutated(pattern())) {
        let parsed = Pattern::parse(&bytes);
        let mut m = Matcher::new();
        prop_assert_eq!(m.add((), &bytes).is_ok(), parsed.is_ok());
    }

    #[test]
    fn json_round_trips(v in any_json(), style in style()) {
        prop_assert_eq!(json::parse(v.to_json().as_bytes()), Ok(v.clone()));
        let text = render(&v, style);
        prop_assert_eq!(json::parse(text.as_bytes()), Ok(v), "{}", text);
    }
}

// ---------------------------------------------------------------------------------------
// (d) Matching never panics on any bytes, and agrees with the reference on any JSON.

/// Patterns that name every path of the vocabulary with every kind of test.
fn loaded_matcher() -> (Matcher<usize>, Vec<Pattern>) {
    let mut docs = vec![
        r#"{"a":[{"exists":true}],"b":[{"exists":false}]}"#.to_owned(),
        r#"{"a":{"b":[{"prefix":"x"},{"suffix":{"equals-ignore-case":"Y"}}]},"c":[{"anything-but":["x"]}]}"#.to_owned(),
        r#"{"a.b":[{"numeric":[">",0,"<=",300]}],"b":{"c":[{"cidr":"10.0.0.0/8"}]}}"#.to_owned(),
        r#"{"$or":[{"é":[{"wildcard":"*x*"}]},{"q\"t":[null,true,{"equals-ignore-case":"ÉCOLE"}]}]}"#.to_owned(),
        r#"{"":[{"exists":true}],"a":{"":[1]}}"#.to_owned(),
    ];
    for (i, k1) in KEYS.iter().enumerate() {
        for k2 in KEYS {
            let mut k1s = String::new();
            let mut k2s = String::new();
            json::write_string(k1, &mut k1s);
            json::write_string(k2, &mut k2s);
            docs.push(format!(
                r#"{{{k1s}:{{{k2s}:[{{"anything-but":{{"prefix":"a"}}}},{}]}}}}"#,
                ["300", "\"x\"", "false", r#"{"exists":false}"#][i % 4]
            ));
        }
    }
    let mut m = Matcher::new();
    let mut patterns = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        m.add(i, d.as_bytes()).expect(d);
        patterns.push(Pattern::parse(d.as_bytes()).expect(d));
    }
    (m, patterns)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn matching_never_panics_on_bytes(bytes in vec(any::<u8>(), 0..256)) {
        let (m, _) = loaded_matcher();
        let _ = m.matches(&bytes);
        let mut framed = b"{\"a\":".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = m.matches(&framed);
    }

    /// Damaged events: whatever the reader accepts as an object, the matcher accepts and
    /// matches as the reference does.
    #[test]
    fn matching_damaged_events_agrees_or_fails_cleanly(bytes in mutated(event())) {
        let (m, patterns) = loaded_matcher();
        let got = m.matches(&bytes);
        if let Ok(ev @ Value::Object(_)) = json::parse(&bytes) {
            let want: BTreeSet<usize> = (0..patterns.len())
                .filter(|&i| reference::matches(&patterns[i], &ev))
                .collect();
            let got: BTreeSet<usize> = got.expect("the reader accepts it").into_iter().collect();
            prop_assert_eq!(got, want, "{}", String::from_utf8_lossy(&bytes));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Checks of the generators themselves.

#[test]
fn spellings_are_json_numbers_of_the_value() {
    for (m, e) in [
        (300, 0),
        (3, 2),
        (5, -2),
        (0, 3),
        (-25, -1),
        (1, -400),
        (7, 0),
    ] {
        let want: f64 = format!("{m}e{e}").parse().expect("f64");
        for style in 0..6 {
            let s = spell(m, e, style);
            assert!(Number::parse(&s).is_some(), "{s} is not a JSON number");
            assert_eq!(s.parse::<f64>().expect("f64"), want, "{s}");
        }
    }
    assert_eq!(spell(300, 0, 0), "300");
    assert_eq!(spell(3, 2, 3), "3.0E+2");
    assert_eq!(spell(5, -2, 1), "0.050");
}

// ---------------------------------------------------------------------------------------
// (e) Plain objects with many entries, where the matcher searches the text for the keys a
// pattern names (`Scanner::seek`) rather than reading entry by entry: the named keys'
// text also appears where it is no key of the object (values, arrays, nested objects,
// strings with escapes or braces), and one matcher reads event after event, so its
// search starts both late and early.

/// One entry of the object `o`: a key and a value, as JSON text.
fn seek_entry() -> impl Strategy<Value = (String, String)> {
    let decoy_key = prop_oneof![
        (0..40u32).prop_map(|i| format!("d{i}")),
        Just("kx".to_owned()),
        Just("nk".to_owned()),
        Just("K".to_owned()),
    ];
    let value = prop_oneof![
        Just(r#""x""#.to_owned()),
        Just(r#""k""#.to_owned()),
        Just("5".to_owned()),
        Just("-2.5e1".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just(r#"["k", 1, "n"]"#.to_owned()),
        Just("[[], [5]]".to_owned()),
        Just(r#"{"k": "x", "n": 5}"#.to_owned()),
        Just(r#"[{"k": "x"}]"#.to_owned()),
        Just(r#""say \"k\": \"x\"""#.to_owned()),
        Just(r#""{\"k\": 5}""#.to_owned()),
        Just(r#""}{ ""#.to_owned()),
        Just(r#""a long value that spans more than one step of the search""#.to_owned()),
    ];
    (decoy_key, value)
}

/// The object `o` (decoys, and the named keys `k` and `n` at most once each, maybe
/// spelled with an escape), the entries after it, and the spacing.
fn seek_event() -> impl Strategy<Value = String> {
    (
        vec(seek_entry(), 0..12),
        (any::<bool>(), 0..14usize, any::<bool>()),
        (
            any::<bool>(),
            0..14usize,
            prop_oneof![Just("5"), Just("6"), Just("\"5\"")],
        ),
        (vec(seek_entry(), 0..4), any::<bool>()),
        select(vec![(", ", ": "), (",", ":"), (" ,\n ", " : ")]),
    )
        .prop_map(
            |(
                mut entries,
                (with_k, at_k, escaped),
                (with_n, at_n, n),
                (tail, k_after),
                (comma, colon),
            )| {
                // Keys are unique per object (a plain event), so decoys are numbered apart.
                entries.sort();
                entries.dedup_by(|a, b| a.0 == b.0);
                let mut pairs: Vec<(String, String)> = entries
                    .into_iter()
                    .map(|(k, v)| (format!("\"{k}\""), v))
                    .collect();
                if with_k {
                    let key = if escaped { r#""\u006b""# } else { r#""k""# };
                    pairs.insert(at_k.min(pairs.len()), (key.to_owned(), r#""x""#.to_owned()));
                }
                if with_n {
                    pairs.insert(at_n.min(pairs.len()), (r#""n""#.to_owned(), n.to_owned()));
                }
                let body = |pairs: Vec<(String, String)>| {
                    pairs
                        .into_iter()
                        .map(|(k, v)| format!("{k}{colon}{v}"))
                        .collect::<Vec<_>>()
                        .join(comma)
                };
                let mut tail: Vec<(String, String)> = tail
                    .into_iter()
                    .map(|(k, v)| (format!("\"t{k}\""), v))
                    .collect();
                tail.sort();
                tail.dedup_by(|a, b| a.0 == b.0);
                let mut outer = vec![(r#""o""#.to_owned(), format!("{{{}}}", body(pairs)))];
                // The named keys' text as keys of the outer object, right after `o` ends.
                if k_after {
                    outer.push((r#""k""#.to_owned(), r#""x""#.to_owned()));
                    outer.push((r#""n""#.to_owned(), "5".to_owned()));
                }
                outer.extend(tail);
                format!("{{{}}}", body(outer))
            },
        )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn key_search_agrees_with_reference(events in vec(seek_event(), 1..24)) {
        let patterns = [
            r#"{"o": {"k": ["x"]}}"#,
            r#"{"o": {"n": [5]}}"#,
            r#"{"o": {"k": ["x"], "n": [{"exists": false}]}}"#,
            r#"{"o": {"n": [{"numeric": [">", 4]}], "k": [{"prefix": "x"}]}}"#,
        ];
        let mut m = Matcher::new();
        let parsed: Vec<Pattern> = patterns
            .iter()
            .map(|p| Pattern::parse(p.as_bytes()).expect("a valid pattern"))
            .collect();
        for (i, p) in patterns.iter().enumerate() {
            m.add(i, p.as_bytes()).expect("a valid pattern");
        }
        for text in &events {
            let ev = json::parse(text.as_bytes()).expect("valid JSON");
            prop_assert!(ev.is_plain(), "not plain: {}", text);
            let want: BTreeSet<usize> = (0..patterns.len())
                .filter(|&i| reference::matches(&parsed[i], &ev))
                .collect();
            prop_assert_eq!(&plain_matches(&m, text), &want, "matches_plain on {}", text);
        }
    }
}
