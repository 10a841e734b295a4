//! Rule sets over the CityLots fields, one per operator, each a realistic mix: the operator
//! alone on a many-valued field (`MAPBLKLOT`, `BLKLOT`, coordinates), or on a few-valued
//! field (`STREET`, `ST_TYPE`, `ODD_EVEN`) together with an exact test on a many-valued one,
//! the way real rules narrow a broad test. Values are drawn from the events themselves with
//! a fixed generator, so every run builds the same sets.
//!
//! A constraint from quamina 0.7: it panics (`per-state field_transitions.len() fits in
//! u8`, `automaton/arena.rs`) once 256 patterns share one value of their first field, in
//! sorted path order, and go on to further fields, if that field has other values too. So
//! in rules with several fields the first by path is a many-valued one (`geometry.*` sorts
//! before `properties.*`; then `BLKLOT` < `BLOCK_NUM` < `FROM_ST` < `IP` < `LOT_NUM` <
//! `MAPBLKLOT` < `ODD_EVEN` < `STREET` < `ST_TYPE` < `TO_ST`): never `FROM_ST`, which is
//! `"0"` on half the lines, nor `geometry.type`. Eddy has no such limit.
//!
//! Another: after `{"a": [{"prefix": "ab"}]}`, quamina 0.7 also reports a later
//! `{"a": ["abc"]}` for `"abx"` (a false match). So no set has both exact and prefix tests
//! on one field.

use crate::data::{ip_of, mix, Events};

/// One rule: the pattern Eddy gets, and the patterns quamina gets under the same id (the
/// branches of a `$or`, which quamina does not parse, added one by one: quamina reports an
/// id once when any of its patterns matches, which is what `$or` means).
pub struct Rule {
    pub eddy: String,
    pub quamina: Vec<String>,
}

impl Rule {
    pub fn same(pattern: String) -> Rule {
        Rule {
            quamina: vec![pattern.clone()],
            eddy: pattern,
        }
    }
}

/// The operators measured, in report order.
pub const SETS: &[&str] = &[
    "exact",
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "numeric",
    "anything-but",
    "cidr",
    "or",
    "shared",
];

/// The most patterns of `set` given to quamina: it spends about 0.8 MB per `cidr` pattern
/// (1,000 take 830 MB and 100 µs per event), so 10,000 are measured with Eddy alone.
///
/// For `shared` the limit is quamina's own: it panics once 256 patterns share one value of
/// their first field by path (`LOT_NUM`, 39 values) and go on to further fields.
pub fn quamina_limit(set: &str) -> usize {
    if set == "cidr" || set == "shared" {
        1_000
    } else {
        usize::MAX
    }
}

/// Whether the set matches against events that carry an `IP` property.
pub fn needs_ips(set: &str) -> bool {
    set == "cidr"
}

/// Picks source lines for rule `i` of a set.
struct Draw<'e> {
    events: &'e Events,
    seed: u64,
}

impl<'e> Draw<'e> {
    /// The `k`th line drawn for rule `i`.
    fn line(&self, i: usize, k: u64) -> usize {
        (mix(self.seed ^ (i as u64) << 8 ^ k) % self.events.lines.len() as u64) as usize
    }

    fn prop(&self, i: usize, k: u64, key: &str) -> &'e str {
        self.events
            .prop(self.line(i, k), key)
            .unwrap_or_else(|| panic!("{key} is a string in every CityLots line"))
    }

    /// A number in `[lo, hi)` for rule `i`.
    fn uniform(&self, i: usize, k: u64, lo: f64, hi: f64) -> f64 {
        let u = (mix(self.seed ^ 0xF00D ^ (i as u64) << 8 ^ k) >> 11) as f64 / (1u64 << 53) as f64;
        lo + u * (hi - lo)
    }

    /// The first coordinate printed in line `i`'s geometry, as written.
    fn coordinate(&self, i: usize, k: u64) -> &'e str {
        let line = &self.events.lines[self.line(i, k)];
        let at = line.find("\"coordinates\": ").expect("a geometry") + 15;
        let rest = line[at..].trim_start_matches(['[', ' ']);
        let end = rest.find([',', ' ']).expect("a number");
        &rest[..end]
    }
}

fn head(s: &str, n: usize) -> &str {
    &s[..n.min(s.len())]
}

fn tail(s: &str, n: usize) -> &str {
    &s[s.len() - n.min(s.len())..]
}

fn title_case(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in lower.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = c == ' ';
    }
    out
}

/// The network of `ip` with `bits` mask bits, as `a.b.c.d/bits`.
fn network(ip: &str, bits: u32) -> String {
    let addr = ip
        .split('.')
        .map(|o| o.parse::<u32>().expect("an IPv4 octet"))
        .fold(0u32, |a, o| a << 8 | o);
    let masked = addr & (u32::MAX << (32 - bits));
    let o = masked.to_be_bytes();
    format!("{}.{}.{}.{}/{bits}", o[0], o[1], o[2], o[3])
}

/// How many shapes `set`'s rules take in turn: its first that many rules are one of each.
pub fn shapes(set: &str) -> usize {
    match set {
        "wildcard" => 8,
        "shared" => 1,
        _ => 4,
    }
}

/// The first `n` rules of `set`: its shapes in turn, with values drawn for each rule.
pub fn build(set: &str, events: &Events, n: usize) -> Vec<Rule> {
    let d = draw(set, events);
    (0..n).map(|i| rule(set, &d, i, i)).collect()
}

/// `n` rules of `set` all of the first rule's shape (the 1-pattern case's), with values
/// drawn for each rule: what more patterns cost when they name the same fields, apart
/// from what reading more fields costs.
pub fn build_same_shape(set: &str, events: &Events, n: usize) -> Vec<Rule> {
    let d = draw(set, events);
    (0..n).map(|i| rule(set, &d, i, 0)).collect()
}

fn draw<'e>(set: &str, events: &'e Events) -> Draw<'e> {
    Draw {
        events,
        seed: mix(set.len() as u64 * 7919 + set.as_bytes()[0] as u64),
    }
}

/// Rule `i` of `set`, of shape `shape` (taken modulo [`shapes`]).
fn rule(set: &str, d: &Draw<'_>, i: usize, shape: usize) -> Rule {
    let shape = shape % shapes(set);
    let p = |key: &str| d.prop(i, 0, key);
    match set {
        "exact" => Rule::same(match shape {
            0 => format!(
                r#"{{"properties": {{"MAPBLKLOT": ["{}"]}}}}"#,
                p("MAPBLKLOT")
            ),
            1 => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "LOT_NUM": ["{}"]}}}}"#,
                p("BLOCK_NUM"),
                p("LOT_NUM")
            ),
            2 => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "STREET": ["{}"], "ODD_EVEN": ["{}"]}}}}"#,
                p("BLOCK_NUM"),
                p("STREET"),
                p("ODD_EVEN")
            ),
            _ => format!(
                r#"{{"properties": {{"BLKLOT": ["{}", "{}", "{}"]}}}}"#,
                p("BLKLOT"),
                d.prop(i, 1, "BLKLOT"),
                d.prop(i, 2, "BLKLOT")
            ),
        }),
        "prefix" => Rule::same(match shape {
            0 => format!(
                r#"{{"properties": {{"MAPBLKLOT": [{{"prefix": "{}"}}]}}}}"#,
                head(p("MAPBLKLOT"), 6)
            ),
            1 => format!(
                r#"{{"properties": {{"STREET": [{{"prefix": "{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                head(p("STREET"), 3),
                p("BLOCK_NUM")
            ),
            2 => format!(
                r#"{{"properties": {{"BLKLOT": [{{"prefix": "{}"}}]}}}}"#,
                head(p("BLKLOT"), 5)
            ),
            _ => format!(
                r#"{{"properties": {{"MAPBLKLOT": [{{"prefix": "{}"}}], "ODD_EVEN": ["{}"]}}}}"#,
                head(p("MAPBLKLOT"), 5),
                p("ODD_EVEN")
            ),
        }),
        "suffix" => Rule::same(match shape {
            0 => format!(
                r#"{{"properties": {{"MAPBLKLOT": [{{"suffix": "{}"}}]}}}}"#,
                tail(p("MAPBLKLOT"), 5)
            ),
            1 => format!(
                r#"{{"properties": {{"STREET": [{{"suffix": "{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                tail(p("STREET"), 2),
                p("BLOCK_NUM")
            ),
            2 => format!(
                r#"{{"properties": {{"TO_ST": [{{"suffix": "{}"}}], "LOT_NUM": ["{}"]}}}}"#,
                tail(p("TO_ST"), 2),
                p("LOT_NUM")
            ),
            _ => format!(
                r#"{{"properties": {{"BLKLOT": [{{"suffix": "{}"}}]}}}}"#,
                tail(p("BLKLOT"), 6)
            ),
        }),
        "equals-ignore-case" => Rule::same(match shape {
            0 => format!(
                r#"{{"properties": {{"STREET": [{{"equals-ignore-case": "{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                p("STREET").to_ascii_lowercase(),
                p("BLOCK_NUM")
            ),
            1 => format!(
                r#"{{"properties": {{"STREET": [{{"equals-ignore-case": "{}"}}], "BLOCK_NUM": ["{}"], "ODD_EVEN": ["{}"]}}}}"#,
                title_case(p("STREET")),
                p("BLOCK_NUM"),
                p("ODD_EVEN")
            ),
            2 => format!(
                r#"{{"properties": {{"ST_TYPE": [{{"equals-ignore-case": "{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                ["st", "Ave", "bLvD", "way"][i / 4 % 4],
                p("BLOCK_NUM")
            ),
            // A broad rule: the street alone, in any case.
            _ => format!(
                r#"{{"properties": {{"STREET": [{{"equals-ignore-case": "{}"}}]}}}}"#,
                title_case(p("STREET"))
            ),
        }),
        "wildcard" => Rule::same(match shape {
            0 | 4 => {
                let v = p("MAPBLKLOT");
                format!(
                    r#"{{"properties": {{"MAPBLKLOT": [{{"wildcard": "{}*{}"}}]}}}}"#,
                    head(v, 4),
                    tail(v, 1)
                )
            }
            1 | 5 => format!(
                r#"{{"properties": {{"STREET": [{{"wildcard": "*{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                tail(p("STREET"), 3),
                p("BLOCK_NUM")
            ),
            2 | 6 => {
                let v = p("BLKLOT");
                format!(
                    r#"{{"properties": {{"BLKLOT": [{{"wildcard": "{}*{}"}}]}}}}"#,
                    head(v, 5),
                    tail(v, 1)
                )
            }
            3 => {
                let s = p("STREET");
                format!(
                    r#"{{"properties": {{"STREET": [{{"wildcard": "{}*{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                    head(s, 1),
                    tail(s, 1),
                    p("BLOCK_NUM")
                )
            }
            // "contains": no literal head or tail.
            _ => {
                let s = p("STREET");
                let mid = if s.len() > 3 { &s[1..3] } else { head(s, 2) };
                format!(
                    r#"{{"properties": {{"STREET": [{{"wildcard": "*{mid}*"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                    p("BLOCK_NUM")
                )
            }
        }),
        "numeric" => Rule::same(match shape {
            0 => {
                let lo = d.uniform(i, 1, 37.70, 37.81);
                let w = d.uniform(i, 2, 0.000_05, 0.000_5);
                format!(
                    r#"{{"geometry": {{"coordinates": [{{"numeric": [">=", {lo:.6}, "<", {:.6}]}}]}}}}"#,
                    lo + w
                )
            }
            1 => {
                let lo = d.uniform(i, 1, -122.51, -122.36);
                let w = d.uniform(i, 2, 0.000_05, 0.000_5);
                format!(
                    r#"{{"geometry": {{"coordinates": [{{"numeric": [">", {lo:.6}, "<=", {:.6}]}}]}}}}"#,
                    lo + w
                )
            }
            2 => {
                let lo = d.uniform(i, 1, 37.70, 37.81);
                let w = d.uniform(i, 2, 0.000_5, 0.002);
                format!(
                    r#"{{"geometry": {{"coordinates": [{{"numeric": [">=", {lo:.6}, "<=", {:.6}]}}]}}, "properties": {{"ST_TYPE": ["AVE"]}}}}"#,
                    lo + w
                )
            }
            _ => format!(
                r#"{{"geometry": {{"coordinates": [{{"numeric": ["=", {}]}}]}}}}"#,
                d.coordinate(i, 0)
            ),
        }),
        "anything-but" => Rule::same(match shape {
            0 => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "STREET": [{{"anything-but": ["{}", "{}"]}}]}}}}"#,
                p("BLOCK_NUM"),
                p("STREET"),
                d.prop(i, 1, "STREET")
            ),
            1 => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "ODD_EVEN": [{{"anything-but": "E"}}]}}}}"#,
                p("BLOCK_NUM")
            ),
            2 => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "ST_TYPE": [{{"anything-but": ["ST", "AVE"]}}]}}}}"#,
                p("BLOCK_NUM")
            ),
            _ => format!(
                r#"{{"properties": {{"BLOCK_NUM": ["{}"], "LOT_NUM": [{{"anything-but": ["{}", "{}", "{}"]}}]}}}}"#,
                p("BLOCK_NUM"),
                p("LOT_NUM"),
                d.prop(i, 1, "LOT_NUM"),
                d.prop(i, 2, "LOT_NUM")
            ),
        }),
        "cidr" => {
            let ip = ip_of(d.line(i, 0));
            Rule::same(match shape {
                0 => format!(
                    r#"{{"properties": {{"IP": [{{"cidr": "{}"}}]}}}}"#,
                    network(&ip, 24)
                ),
                1 => format!(
                    r#"{{"properties": {{"IP": [{{"cidr": "{}"}}]}}}}"#,
                    network(&ip, 28)
                ),
                2 => format!(
                    r#"{{"properties": {{"IP": [{{"cidr": "{}"}}]}}}}"#,
                    network(&ip, 20)
                ),
                _ => format!(
                    r#"{{"properties": {{"IP": [{{"cidr": "{}"}}]}}}}"#,
                    network(&ip, 16)
                ),
            })
        }
        "or" => {
            let branches: Vec<String> = match shape {
                0 => vec![
                    format!(r#"{{"properties": {{"BLKLOT": ["{}"]}}}}"#, p("BLKLOT")),
                    format!(
                        r#"{{"properties": {{"BLOCK_NUM": ["{}"], "LOT_NUM": ["{}"]}}}}"#,
                        d.prop(i, 1, "BLOCK_NUM"),
                        d.prop(i, 1, "LOT_NUM")
                    ),
                ],
                1 => vec![
                    format!(
                        r#"{{"properties": {{"BLOCK_NUM": ["{}"], "STREET": ["{}"]}}}}"#,
                        p("BLOCK_NUM"),
                        p("STREET")
                    ),
                    format!(
                        r#"{{"properties": {{"STREET": ["{}"], "TO_ST": ["{}"]}}}}"#,
                        p("STREET"),
                        p("TO_ST")
                    ),
                ],
                2 => {
                    let lo = d.uniform(i, 1, 37.70, 37.81);
                    vec![
                        format!(
                            r#"{{"properties": {{"BLOCK_NUM": ["{}"], "LOT_NUM": ["{}"]}}}}"#,
                            p("BLOCK_NUM"),
                            p("LOT_NUM")
                        ),
                        format!(
                            r#"{{"geometry": {{"coordinates": [{{"numeric": [">=", {lo:.6}, "<", {:.6}]}}]}}, "properties": {{"ST_TYPE": ["AVE"]}}}}"#,
                            lo + 0.000_2
                        ),
                    ]
                }
                _ => vec![
                    format!(
                        r#"{{"properties": {{"MAPBLKLOT": [{{"prefix": "{}"}}]}}}}"#,
                        head(p("MAPBLKLOT"), 6)
                    ),
                    format!(
                        r#"{{"properties": {{"STREET": [{{"equals-ignore-case": "{}"}}], "BLOCK_NUM": ["{}"]}}}}"#,
                        p("STREET").to_ascii_lowercase(),
                        d.prop(i, 1, "BLOCK_NUM")
                    ),
                ],
            };
            Rule {
                eddy: format!(r#"{{"$or": [{}]}}"#, branches.join(", ")),
                quamina: branches,
            }
        }
        // Exact values of three few-valued fields (39, 85 and 2 values), as rules share a
        // source, a type or a status: thousands of rules share each value, few all three.
        "shared" => Rule::same(format!(
            r#"{{"properties": {{"LOT_NUM": ["{}"], "STREET": ["{}"], "ODD_EVEN": ["{}"]}}}}"#,
            p("LOT_NUM"),
            p("STREET"),
            p("ODD_EVEN")
        )),
        other => panic!("unknown rule set {other}"),
    }
}

/// The four patterns of the classic quamina/event-ruler CityLots benchmark.
pub const CLASSIC: &[(&str, &str)] = &[
    ("cranleigh", r#"{"properties": {"STREET": ["CRANLEIGH"]}}"#),
    (
        "17th-even",
        r#"{"properties": {"STREET": ["17TH"], "ODD_EVEN": ["E"]}}"#,
    ),
    (
        "latitude",
        r#"{"geometry": {"coordinates": [37.807807921694092]}}"#,
    ),
    (
        "blklot-latitude",
        r#"{"properties": {"MAPBLKLOT": ["0011008"], "BLKLOT": ["0011008"]}, "geometry": {"coordinates": [37.807807921694092]}}"#,
    ),
];
