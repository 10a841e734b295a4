//! Event patterns: parsing and validation into a [`Pattern`], a disjunction of [`Branch`]es
//! (`$or` expanded), each a conjunction of field tests.

use crate::caseless;
use crate::cidr::Cidr;
use crate::json::{self, Value};
use crate::value::{is_comparable, Leaf, Literal, Number};
use crate::wildcard::{Complexity, Term, Wildcard};

/// Caps that keep hostile patterns cheap. The defaults are far above what EventBridge
/// itself accepts, except `max_branches`, which is EventBridge's `$or` limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest pattern document, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of objects in a pattern.
    pub max_depth: usize,
    /// Most field tests in one branch.
    pub max_fields: usize,
    /// Most values and operators in one pattern, counted over all branches.
    pub max_tests: usize,
    /// Most branches after `$or` is expanded (EventBridge: 1000).
    pub max_branches: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 256 * 1024,
            max_depth: 64,
            max_fields: 256,
            max_tests: 10_000,
            max_branches: 1000,
        }
    }
}

/// Why a pattern is invalid: EventBridge's reason, and where in the pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The reason, in EventBridge's words (`Empty arrays are not allowed`).
    pub reason: String,
    /// The dotted field path where it was found (empty at the top level), or for JSON syntax
    /// errors, `line L, column C`.
    pub location: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{} (at {})", self.reason, self.location)
        }
    }
}

/// A valid pattern: matches an event when any branch does.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The alternatives; `$or` adds branches.
    pub branches: Vec<Branch>,
}

/// A conjunction: matches when every field test does (on one consistent set of array
/// elements, see `matcher`).
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// The fields, all of which must match.
    pub fields: Vec<Field>,
}

/// The tests on one field path; the field matches when any test does.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Keys joined with `.`; `{"a": {"b": …}}` and `{"a.b": …}` give the same path.
    pub path: String,
    /// The alternatives for the field's value.
    pub tests: Vec<Test>,
}

/// One value or operator from a field's array.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to a string, number (by value), boolean or null.
    Exact(Literal),
    /// `prefix`, plain or `equals-ignore-case` (then `text` is [`caseless::canonical`]).
    Prefix {
        /// The literal.
        text: String,
        /// Compare case-insensitively.
        ignore_case: bool,
    },
    /// `suffix`, plain or `equals-ignore-case` (then `text` is [`caseless::canonical`]).
    Suffix {
        /// The literal.
        text: String,
        /// Compare case-insensitively.
        ignore_case: bool,
    },
    /// `equals-ignore-case`; the text is [`caseless::canonical`].
    EqualsIgnoreCase(String),
    /// `wildcard`.
    Wildcard(Wildcard),
    /// `numeric`.
    Numeric(Range),
    /// `exists`.
    Exists(bool),
    /// `cidr`.
    Cidr(Cidr),
    /// `anything-but`.
    AnythingBut(AnythingBut),
}

/// The forms of `anything-but`.
#[derive(Debug, Clone, PartialEq)]
pub enum AnythingBut {
    /// Strings and numbers (not mixed with null or booleans).
    Values(Vec<Literal>),
    /// `{"prefix": ...}`.
    Prefix(Vec<String>),
    /// `{"suffix": ...}`.
    Suffix(Vec<String>),
    /// `{"equals-ignore-case": ...}`, each [`caseless::canonical`].
    EqualsIgnoreCase(Vec<String>),
    /// `{"wildcard": ...}`.
    Wildcard(Vec<Wildcard>),
}

/// A numeric range; `=` is a range with equal inclusive bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The lower end, if any.
    pub lower: Option<Bound>,
    /// The upper end, if any.
    pub upper: Option<Bound>,
}

/// One end of a [`Range`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// Where the range ends.
    pub value: f64,
    /// Whether `value` itself is in the range.
    pub inclusive: bool,
}

impl Range {
    /// Whether `x` lies in the range.
    pub fn contains(&self, x: f64) -> bool {
        let above = self.lower.is_none_or(|b| {
            if b.inclusive {
                x >= b.value
            } else {
                x > b.value
            }
        });
        let below = self.upper.is_none_or(|b| {
            if b.inclusive {
                x <= b.value
            } else {
                x < b.value
            }
        });
        above && below
    }
}

impl Test {
    /// Whether a leaf value of the event passes this test. `Exists` is decided by the
    /// presence of a leaf, so any leaf passes `exists: true` and none passes `exists: false`.
    pub fn matches(&self, leaf: &Leaf<'_>) -> bool {
        match self {
            Test::Exact(lit) => leaf.equals(lit),
            Test::Exists(present) => *present,
            Test::Numeric(r) => {
                // As in EventBridge, only a number that is exactly a double compares
                // (`1e400`, `0.30000000000000001` are in no range).
                matches!(leaf, Leaf::Number(x, t) if r.contains(*x) && is_comparable(*x, t))
            }
            Test::AnythingBut(ab) => !ab.excludes(leaf),
            _ => match leaf {
                Leaf::String(s) => self.matches_str(s),
                _ => false,
            },
        }
    }

    fn matches_str(&self, s: &str) -> bool {
        match self {
            Test::Prefix {
                text,
                ignore_case: false,
            } => s.starts_with(text.as_str()),
            Test::Prefix {
                text,
                ignore_case: true,
            } => caseless::starts_with(s, text),
            Test::Suffix {
                text,
                ignore_case: false,
            } => s.ends_with(text.as_str()),
            Test::Suffix {
                text,
                ignore_case: true,
            } => caseless::ends_with(s, text),
            Test::EqualsIgnoreCase(t) => caseless::equals(s, t),
            Test::Wildcard(w) => w.matches(s),
            Test::Cidr(c) => c.contains(s),
            _ => false,
        }
    }
}

impl AnythingBut {
    /// Whether the value is one of those excluded (so `anything-but` fails on it).
    pub fn excludes(&self, leaf: &Leaf<'_>) -> bool {
        match (self, leaf) {
            (AnythingBut::Values(vals), _) => vals.iter().any(|v| leaf.equals(v)),
            (AnythingBut::Prefix(ps), Leaf::String(s)) => {
                ps.iter().any(|p| s.starts_with(p.as_str()))
            }
            (AnythingBut::Suffix(ps), Leaf::String(s)) => {
                ps.iter().any(|p| s.ends_with(p.as_str()))
            }
            (AnythingBut::EqualsIgnoreCase(ps), Leaf::String(s)) => {
                ps.iter().any(|p| caseless::equals(s, p))
            }
            (AnythingBut::Wildcard(ws), Leaf::String(s)) => ws.iter().any(|w| w.matches(s)),
            _ => false,
        }
    }
}

impl Pattern {
    /// Parses and validates a pattern document with the default [`Limits`].
    pub fn parse(text: &[u8]) -> Result<Pattern, Error> {
        Pattern::parse_with(text, &Limits::default())
    }

    /// Parses and validates a pattern document.
    pub fn parse_with(text: &[u8], limits: &Limits) -> Result<Pattern, Error> {
        if text.len() > limits.max_bytes {
            return Err(Error {
                reason: format!(
                    "Event pattern is {} bytes, more than the limit of {}",
                    text.len(),
                    limits.max_bytes
                ),
                location: String::new(),
            });
        }
        let doc = json::parse_first(text).map_err(|e| Error {
            reason: e.message.clone(),
            location: format!("line {}, column {}", e.line, e.column),
        })?;
        Pattern::from_value(&doc, limits)
    }

    /// Validates an already parsed pattern document.
    pub fn from_value(doc: &Value, limits: &Limits) -> Result<Pattern, Error> {
        let Value::Object(entries) = doc else {
            return Err(Error {
                reason: "Filter is not an object".into(),
                location: String::new(),
            });
        };
        let mut p = Parser { limits, tests: 0 };
        let rules = p.object(entries, "", 0, vec![Vec::new()], false)?;
        let mut branches: Vec<Branch> = rules.into_iter().map(|fields| Branch { fields }).collect();
        drop_empty_anything_but(&mut branches)?;
        check_wildcard_complexity(&branches)?;
        Ok(Pattern { branches })
    }

    /// All distinct field paths the pattern reads.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = self
            .branches
            .iter()
            .flat_map(|b| b.fields.iter().map(|f| f.path.as_str()))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.into_iter()
    }
}

struct Parser<'l> {
    limits: &'l Limits,
    tests: usize,
}

fn err(reason: impl Into<String>, location: &str) -> Error {
    Error {
        reason: reason.into(),
        location: location.to_owned(),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Field names that may not appear inside `$or` (aws/event-ruler's reserved names).
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

/// Sub-rules under construction: each a list of fields, one per path.
type Rules = Vec<Vec<Field>>;

impl Parser<'_> {
    /// Applies an object of the pattern at `prefix` to every sub-rule, in document order,
    /// as aws/event-ruler does: a field sets its path in every sub-rule (a later one with
    /// the same path replaces an earlier one), and `$or` copies the sub-rules once per
    /// alternative and applies the alternative to its copy.
    fn object(
        &mut self,
        entries: &[(String, Value)],
        prefix: &str,
        depth: usize,
        mut rules: Rules,
        in_or: bool,
    ) -> Result<Rules, Error> {
        if depth > self.limits.max_depth {
            return Err(err(
                format!("Pattern nesting is deeper than {}", self.limits.max_depth),
                prefix,
            ));
        }
        if entries.is_empty() {
            return Err(err("Empty objects are not allowed", prefix));
        }
        for (key, value) in entries {
            let path = join(prefix, key);
            if in_or && RESERVED_IN_OR.contains(&key.as_str()) {
                return Err(err(
                    format!("{key} is Ruler reserved fieldName which cannot be used inside $or."),
                    &path,
                ));
            }
            rules = match value {
                Value::Array(items) if key == "$or" => self.or(items, prefix, depth, rules)?,
                _ if key == "$or" => {
                    return Err(err("It must be an Array followed with $or.", &path))
                }
                Value::Object(inner) => self.object(inner, &path, depth + 1, rules, in_or)?,
                Value::Array(items) => {
                    let tests = self.field(items, &path)?;
                    for fields in &mut rules {
                        match fields.iter_mut().find(|f| f.path == path) {
                            Some(f) => f.tests = tests.clone(),
                            None => fields.push(Field {
                                path: path.clone(),
                                tests: tests.clone(),
                            }),
                        }
                        if fields.len() > self.limits.max_fields {
                            return Err(err(
                                format!(
                                    "Size of rule exceeds max value of {}",
                                    self.limits.max_fields
                                ),
                                &path,
                            ));
                        }
                    }
                    rules
                }
                _ => {
                    return Err(err(
                        format!("\"{key}\" must be an object or an array"),
                        &path,
                    ))
                }
            };
        }
        Ok(rules)
    }

    fn or(
        &mut self,
        items: &[Value],
        prefix: &str,
        depth: usize,
        rules: Rules,
    ) -> Result<Rules, Error> {
        let location = join(prefix, "$or");
        if items.iter().any(|i| !matches!(i, Value::Object(_))) {
            return Err(err(
                "Only JSON object is allowed in array of $or relationship.",
                &location,
            ));
        }
        if items.len() < 2 {
            return Err(err(
                "There must have at least 2 Objects in $or relationship.",
                &location,
            ));
        }
        if rules.len().saturating_mul(items.len()) > self.limits.max_branches {
            return Err(err(too_complex_or(self.limits), &location));
        }
        let mut all = Vec::new();
        for item in items {
            let Value::Object(entries) = item else {
                continue;
            };
            all.extend(self.object(entries, prefix, depth + 1, rules.clone(), true)?);
            if all.len() > self.limits.max_branches {
                return Err(err(too_complex_or(self.limits), &location));
            }
        }
        Ok(all)
    }

    fn field(&mut self, items: &[Value], path: &str) -> Result<Vec<Test>, Error> {
        if items.is_empty() {
            return Err(err("Empty arrays are not allowed", path));
        }
        self.tests += items.len();
        if self.tests > self.limits.max_tests {
            return Err(err(
                format!("Pattern has more than {} values", self.limits.max_tests),
                path,
            ));
        }
        items.iter().map(|item| self.test(item, path)).collect()
    }

    fn test(&mut self, item: &Value, path: &str) -> Result<Test, Error> {
        let e = |reason: &str| err(reason, path);
        Ok(match item {
            // EventBridge reads a value that is an IP address as that address, whatever its
            // spelling (`"2001:db8::1"` matches `"2001:DB8:0:0:0:0:0:1"`).
            Value::String(s) => match Cidr::single(s) {
                Some(address) => Test::Cidr(address),
                None => Test::Exact(Literal::String(s.clone())),
            },
            Value::Number(n) => Test::Exact(Literal::Number(number(n, path)?)),
            Value::Bool(b) => Test::Exact(Literal::Bool(*b)),
            Value::Null => Test::Exact(Literal::Null),
            Value::Array(_) => {
                return Err(e(
                    "Match value must be String, number, true, false, or null",
                ))
            }
            Value::Object(entries) => {
                // EventBridge reads the first operator and its value, and only then finds
                // that more follow: their errors come first.
                let Some((op, arg)) = entries.first() else {
                    return Err(e("Match expression name not found"));
                };
                let test = match op.as_str() {
                    "prefix" => prefix_suffix(arg, "prefix", path, |text, ignore_case| {
                        Test::Prefix { text, ignore_case }
                    })?,
                    "suffix" => prefix_suffix(arg, "suffix", path, |text, ignore_case| {
                        Test::Suffix { text, ignore_case }
                    })?,
                    "equals-ignore-case" => match arg {
                        Value::String(s) => Test::EqualsIgnoreCase(caseless::canonical(s)),
                        _ => return Err(e("equals-ignore-case match pattern must be a string")),
                    },
                    "wildcard" => match arg {
                        Value::String(s) => {
                            Test::Wildcard(Wildcard::parse(s).map_err(|r| err(r, path))?)
                        }
                        _ => return Err(e("wildcard match pattern must be a string")),
                    },
                    "exists" => match arg {
                        Value::Bool(b) => Test::Exists(*b),
                        _ => return Err(e("exists match pattern must be either true or false.")),
                    },
                    "cidr" => match arg {
                        Value::String(s) => Test::Cidr(Cidr::parse(s).map_err(|r| err(r, path))?),
                        _ => return Err(e("prefix match pattern must be a string")),
                    },
                    "numeric" => Test::Numeric(numeric(arg, path)?),
                    "anything-but" => Test::AnythingBut(anything_but(arg, path)?),
                    other => return Err(e(&format!("Unrecognized match type {other}"))),
                };
                if entries.len() > 1 {
                    return Err(e(if op == "numeric" || op == "anything-but" {
                        "Too many elements in numeric expression"
                    } else {
                        "Only one key allowed in match expression"
                    }));
                }
                test
            }
        })
    }
}

fn has_wildcards(field: &Field) -> bool {
    field.tests.iter().any(|t| {
        matches!(
            t,
            Test::Wildcard(_) | Test::AnythingBut(AnythingBut::Wildcard(_))
        )
    })
}

/// An `anything-but` whose object form has an empty list (`{"anything-but": {"prefix":
/// []}}`) excludes nothing, yet aws/event-ruler gives it no match at all: beside other
/// values of the field it is dropped, and alone it cannot be added (event-ruler's machine
/// gets no state for it), so the pattern is refused, in event-ruler's words for an empty
/// array of values.
fn drop_empty_anything_but(branches: &mut [Branch]) -> Result<(), Error> {
    fn empty(test: &Test) -> bool {
        match test {
            Test::AnythingBut(
                AnythingBut::Prefix(l) | AnythingBut::Suffix(l) | AnythingBut::EqualsIgnoreCase(l),
            ) => l.is_empty(),
            Test::AnythingBut(AnythingBut::Wildcard(l)) => l.is_empty(),
            _ => false,
        }
    }
    for field in branches.iter_mut().flat_map(|b| &mut b.fields) {
        if field.tests.iter().all(empty) {
            return Err(err("Empty arrays are not allowed", &field.path));
        }
        field.tests.retain(|t| !empty(t));
    }
    Ok(())
}

/// Rejects a pattern whose wildcards are more complex than EventBridge allows.
fn check_wildcard_complexity(branches: &[Branch]) -> Result<(), Error> {
    match wildcard_machine(branches).exceeds(crate::wildcard::MAX_COMPLEXITY) {
        Some(path) => Err(err(crate::wildcard::TOO_COMPLEX, &path)),
        None => Ok(()),
    }
}

/// The machine that measures wildcard complexity as aws/event-ruler does: every branch
/// with a wildcard added to it (see [`Complexity`]), so that a wildcard repeated across
/// `$or` alternatives counts.
fn wildcard_machine(branches: &[Branch]) -> Complexity {
    let mut machine = Complexity::new(crate::wildcard::COMPLEXITY_BUDGET);
    for branch in branches {
        if !branch.fields.iter().any(has_wildcards) {
            continue;
        }
        let fields: Vec<(&str, Vec<Term>)> = branch
            .fields
            .iter()
            .map(|f| (f.path.as_str(), f.tests.iter().flat_map(terms).collect()))
            .collect();
        machine.add_rule(&fields);
    }
    machine
}

/// A test as the complexity measure sees it; a number is two terms (a numeric and an
/// exact match), as in event-ruler.
fn terms(test: &Test) -> Vec<Term> {
    let strings = |vs: &[Literal]| -> Option<Vec<String>> {
        vs.iter()
            .map(|v| match v {
                Literal::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    };
    match test {
        Test::Exact(Literal::String(s)) => vec![Term::Exact(s.clone())],
        Test::Exact(Literal::Number(n)) => vec![
            Term::Other(format!("numeric {:?}", n.key())),
            Term::Other(format!("exact {}", n.text())),
        ],
        Test::Exact(Literal::Bool(b)) => vec![Term::Other(format!("exact {b}"))],
        Test::Exact(Literal::Null) => vec![Term::Other("exact null".into())],
        Test::Prefix {
            text,
            ignore_case: false,
        } => vec![Term::Prefix(text.clone())],
        Test::Wildcard(w) => vec![Term::Wildcard(w.source())],
        Test::Exists(false) => vec![Term::Absent],
        Test::Exists(true) => vec![Term::Other("exists".into())],
        Test::AnythingBut(AnythingBut::Wildcard(ws)) => {
            vec![Term::WildcardSet(ws.iter().map(Wildcard::source).collect())]
        }
        Test::AnythingBut(AnythingBut::Prefix(ps)) => vec![Term::PrefixSet(ps.clone())],
        Test::AnythingBut(AnythingBut::Values(vs)) => match strings(vs) {
            Some(ss) => vec![Term::ExactSet(ss)],
            None => vec![Term::Other(format!("{test:?}"))],
        },
        other => vec![Term::Other(format!("{other:?}"))],
    }
}

fn too_complex_or(limits: &Limits) -> String {
    format!(
        "Rule is too complex - the $or combinations exceed the limit of {}",
        limits.max_branches
    )
}

fn number(text: &str, path: &str) -> Result<Number, Error> {
    Number::parse(text).ok_or_else(|| err(format!("Invalid number {text}"), path))
}

/// A number that must compare by value (`numeric` operands, `anything-but` numbers).
fn comparable(text: &str, path: &str) -> Result<Number, Error> {
    let n = number(text, path)?;
    if n.is_comparable() {
        Ok(n)
    } else {
        Err(err(format!("Cannot compare number : {text}"), path))
    }
}

fn prefix_suffix(
    arg: &Value,
    op: &str,
    path: &str,
    make: impl Fn(String, bool) -> Test,
) -> Result<Test, Error> {
    match arg {
        Value::String(s) => Ok(make(s.clone(), false)),
        Value::Object(entries) => match entries.as_slice() {
            [] => Err(err(
                format!(
                    "{}{} expression name not found",
                    op[..1].to_uppercase(),
                    &op[1..]
                ),
                path,
            )),
            [(k, _), ..] if k != "equals-ignore-case" => {
                Err(err(format!("Unsupported {op} pattern: {k}"), path))
            }
            [(_, Value::String(s))] => Ok(make(caseless::canonical(s), true)),
            [(_, Value::String(_)), ..] => {
                Err(err("Only one key allowed in match expression", path))
            }
            [_, ..] => Err(err(
                "equals-ignore-case match pattern must be a string",
                path,
            )),
        },
        _ => Err(err(format!("{op} match pattern must be a string"), path)),
    }
}

/// The text of a value as EventBridge's reader names it in messages: a scalar as written
/// (a string without its quotes), an array or object by its opening bracket.
fn token(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(_) => "[".into(),
        Value::Object(_) => "{".into(),
        other => other.to_json(),
    }
}

fn numeric(arg: &Value, path: &str) -> Result<Range, Error> {
    let e = |reason: String| err(reason, path);
    let Value::Array(items) = arg else {
        return Err(e("Value of numeric must be an array.".into()));
    };
    let operand = |i: usize, op: &str| -> Result<f64, Error> {
        let name = if op == "=" { "equals" } else { op };
        match items.get(i) {
            Some(Value::Number(n)) => Ok(comparable(n, path)?.value()),
            _ => Err(e(format!("Value of {name} must be numeric"))),
        }
    };
    let op = match items.first() {
        Some(Value::String(op)) => op.as_str(),
        Some(other) => {
            return Err(e(format!(
                "Invalid member in numeric match: {}",
                token(other)
            )))
        }
        None => return Err(e("Invalid member in numeric match: ]".into())),
    };
    let bound = |value, inclusive| Some(Bound { value, inclusive });
    let mut range = Range {
        lower: None,
        upper: None,
    };
    match op {
        "=" | "<" | "<=" => {
            let v = operand(1, op)?;
            if items.len() > 2 {
                return Err(e("Too many elements in numeric expression".into()));
            }
            match op {
                "=" => {
                    range = Range {
                        lower: bound(v, true),
                        upper: bound(v, true),
                    }
                }
                _ => range.upper = bound(v, op == "<="),
            }
        }
        ">" | ">=" => {
            range.lower = bound(operand(1, op)?, op == ">=");
            match items.get(2) {
                None => {}
                Some(Value::String(op2)) if op2 == "<" || op2 == "<=" => {
                    range.upper = bound(operand(3, op2)?, op2 == "<=");
                    if items.len() > 4 {
                        return Err(e("Too many terms in numeric range expression".into()));
                    }
                }
                Some(Value::String(op2)) => {
                    return Err(e(format!("Bad numeric range operator: {op2}")))
                }
                Some(other) => {
                    return Err(e(format!("Bad value in numeric range: {}", token(other))))
                }
            }
        }
        other => return Err(e(format!("Unrecognized numeric range operator: {other}"))),
    }
    if let (Some(lo), Some(hi)) = (range.lower, range.upper) {
        if lo.value >= hi.value && op != "=" {
            return Err(e("Bottom must be less than top".into()));
        }
    }
    Ok(range)
}

fn anything_but(arg: &Value, path: &str) -> Result<AnythingBut, Error> {
    const NOT_A_VALUE: &str =
        "Value of anything-but must be an array or single string/number value.";
    let e = |reason: &str| err(reason, path);
    // The values of `{"prefix": ...}` and the other operators: first their kind, then
    // each value.
    let strings = |v: &Value, reason: &str| -> Result<Vec<String>, Error> {
        let items = match v {
            Value::Array(items) => items.as_slice(),
            Value::String(_) | Value::Number(_) => std::slice::from_ref(v),
            _ => return Err(e(NOT_A_VALUE)),
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(e(reason)),
            })
            .collect()
    };
    match arg {
        Value::String(s) => Ok(AnythingBut::Values(vec![Literal::String(s.clone())])),
        Value::Number(n) => Ok(AnythingBut::Values(vec![Literal::Number(comparable(
            n, path,
        )?)])),
        Value::Array(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(match item {
                    Value::String(s) => Literal::String(s.clone()),
                    Value::Number(n) => Literal::Number(comparable(n, path)?),
                    _ => {
                        return Err(e(
                            "Inside anything but list, start|null|boolean is not supported.",
                        ))
                    }
                });
            }
            let strings = values
                .iter()
                .filter(|v| matches!(v, Literal::String(_)))
                .count();
            if values.is_empty() || (strings != 0 && strings != values.len()) {
                return Err(e("Inside anything but list, either all values are number or string, mixed type is not supported"));
            }
            Ok(AnythingBut::Values(values))
        }
        Value::Object(entries) => {
            // In EventBridge's order: the operator, the kind of its value, the values, and
            // only then whether more keys follow.
            let Some((op, inner)) = entries.first() else {
                return Err(e("Anything-But expression name not found"));
            };
            let but = match op.as_str() {
                "prefix" | "suffix" => {
                    let list = strings(inner, "prefix/suffix match pattern must be a string")?;
                    if list.iter().any(String::is_empty) {
                        return Err(e("Null prefix/suffix not allowed"));
                    }
                    if op == "prefix" {
                        AnythingBut::Prefix(list)
                    } else {
                        AnythingBut::Suffix(list)
                    }
                }
                "equals-ignore-case" => {
                    let list = strings(inner, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")?;
                    AnythingBut::EqualsIgnoreCase(
                        list.iter().map(|s| caseless::canonical(s)).collect(),
                    )
                }
                "wildcard" => {
                    let list = strings(inner, "wildcard match pattern must be a string")?;
                    let ws = list
                        .iter()
                        .map(|s| Wildcard::parse(s).map_err(|r| err(r, path)))
                        .collect::<Result<_, _>>()?;
                    AnythingBut::Wildcard(ws)
                }
                other => return Err(e(&format!("Unsupported anything-but pattern: {other}"))),
            };
            if entries.len() > 1 {
                return Err(e("Too many elements in numeric expression"));
            }
            Ok(but)
        }
        _ => Err(e(NOT_A_VALUE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(p: &str) -> String {
        Pattern::parse(p.as_bytes()).expect_err(p).reason
    }

    /// EventBridge reads a match expression's first operator and its value before it
    /// looks for more keys, so their errors win (checked against aws/event-ruler).
    #[test]
    fn the_first_operator_is_read_before_the_count_of_keys() {
        let cases = [
            (
                r#"{"prefix":5,"suffix":"y"}"#,
                "prefix match pattern must be a string",
            ),
            (r#"{"x":1,"prefix":"a"}"#, "Unrecognized match type x"),
            (
                r#"{"prefix":"a","suffix":"y"}"#,
                "Only one key allowed in match expression",
            ),
            (
                r#"{"numeric":false,"numeric":">"}"#,
                "Value of numeric must be an array.",
            ),
            (
                r#"{"numeric":[">",1],"x":1}"#,
                "Too many elements in numeric expression",
            ),
            (
                r#"{"anything-but":"a","x":1}"#,
                "Too many elements in numeric expression",
            ),
            (
                r#"{"anything-but":{"prefix":null}}"#,
                "Value of anything-but must be an array or single string/number value.",
            ),
            (
                r#"{"anything-but":{"equals-ignore-case":{}}}"#,
                "Value of anything-but must be an array or single string/number value.",
            ),
            (
                r#"{"anything-but":{"wildcard":true}}"#,
                "Value of anything-but must be an array or single string/number value.",
            ),
            (
                r#"{"anything-but":{"prefix":5}}"#,
                "prefix/suffix match pattern must be a string",
            ),
            (
                r#"{"anything-but":{"x":null,"prefix":"a"}}"#,
                "Unsupported anything-but pattern: x",
            ),
            (
                r#"{"anything-but":{"prefix":"a","suffix":"b"}}"#,
                "Too many elements in numeric expression",
            ),
            (
                r#"{"prefix":{"equals-ignore-case":"a","x":1}}"#,
                "Only one key allowed in match expression",
            ),
            (
                r#"{"prefix":{"x":1,"equals-ignore-case":"a"}}"#,
                "Unsupported prefix pattern: x",
            ),
            (
                r#"{"suffix":{"equals-ignore-case":1,"x":1}}"#,
                "equals-ignore-case match pattern must be a string",
            ),
            (r#"{"numeric":[[1]]}"#, "Invalid member in numeric match: ["),
            (
                r#"{"numeric":[{"a":1}]}"#,
                "Invalid member in numeric match: {",
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(reason(&format!(r#"{{"a":[{expr}]}}"#)), want, "{expr}");
        }
    }

    #[test]
    fn numbers_that_are_not_exactly_a_double_are_in_no_range() {
        let p = Pattern::parse(br#"{"a":[{"numeric":[">",0]}]}"#).expect("valid");
        let Test::Numeric(r) = &p.branches[0].fields[0].tests[0] else {
            panic!("a range")
        };
        let test = Test::Numeric(*r);
        for (text, want) in [
            ("1", true),
            ("0.3", true),
            ("-122.38091986472794", false),
            ("122.38091986472794", true),
            ("1e400", false),
            ("0.30000000000000001", false),
            ("12345678901234567890", false),
        ] {
            let x: f64 = text.parse().expect("a number");
            assert_eq!(test.matches(&Leaf::Number(x, text)), want, "{text}");
        }
    }

    fn fields(p: &str) -> Vec<Vec<(String, usize)>> {
        let p = Pattern::parse(p.as_bytes()).expect(p);
        p.branches
            .iter()
            .map(|b| {
                b.fields
                    .iter()
                    .map(|f| (f.path.clone(), f.tests.len()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn later_fields_replace_earlier_ones_in_document_order() {
        let p = Pattern::parse(br#"{"a":[1],"a":[2]}"#).expect("valid");
        assert_eq!(
            p.branches[0].fields[0].tests,
            vec![Test::Exact(Literal::Number(Number::parse("2").expect("n")))]
        );
        assert_eq!(
            fields(r#"{"a":{"b":[1]},"a":{"c":[2]}}"#),
            vec![vec![("a.b".into(), 1), ("a.c".into(), 1)]]
        );
        // {a:1} or {a:5, b:2}
        let p = Pattern::parse(br#"{"a":[5],"$or":[{"a":[1]},{"b":[2]}]}"#).expect("valid");
        assert_eq!(p.branches.len(), 2);
        assert_eq!(p.branches[0].fields.len(), 1);
        assert_eq!(p.branches[1].fields.len(), 2);
        assert_eq!(
            fields(r#"{"x":{"$or":[{"a":[1]},{"b":[1]}]},"c":[3]}"#).len(),
            2
        );
        assert_eq!(
            fields(r#"{"$or":[{"a":[1]},{"b":[1]}],"$or":[{"c":[1]},{"d":[1]}]}"#).len(),
            4
        );
    }

    #[test]
    fn eventbridge_reasons() {
        assert_eq!(reason("{}"), "Empty objects are not allowed");
        assert_eq!(reason(r#"{"a":[{}]}"#), "Match expression name not found");
        assert_eq!(
            reason(r#"{"a":[{"prefix":"x","suffix":"y"}]}"#),
            "Only one key allowed in match expression"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[">",1],"x":1}]}"#),
            "Too many elements in numeric expression"
        );
        assert_eq!(
            reason(r#"{"a":[{"prefix":{"x":"y"}}]}"#),
            "Unsupported prefix pattern: x"
        );
        assert_eq!(
            reason(r#"{"a":[{"suffix":{}}]}"#),
            "Suffix expression name not found"
        );
        assert_eq!(
            reason(r#"{"a":[{"exists":"true"}]}"#),
            "exists match pattern must be either true or false."
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[5]}]}"#),
            "Invalid member in numeric match: 5"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":["!",5]}]}"#),
            "Unrecognized numeric range operator: !"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":["=","x"]}]}"#),
            "Value of equals must be numeric"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":["<",10,">",5]}]}"#),
            "Too many elements in numeric expression"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[">",10,5]}]}"#),
            "Bad value in numeric range: 5"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[">",1,"<",5,"<",6]}]}"#),
            "Too many terms in numeric range expression"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[">=",10,"<=",10]}]}"#),
            "Bottom must be less than top"
        );
        assert_eq!(
            reason(r#"{"a":[{"numeric":[">",1e400]}]}"#),
            "Cannot compare number : 1e400"
        );
        assert_eq!(reason(r#"{"a":[{"anything-but":[]}]}"#), "Inside anything but list, either all values are number or string, mixed type is not supported");
        assert_eq!(reason(r#"{"a":[{"anything-but":["a",1]}]}"#), "Inside anything but list, either all values are number or string, mixed type is not supported");
        assert_eq!(
            reason(r#"{"a":[{"anything-but":{"exists":true}}]}"#),
            "Unsupported anything-but pattern: exists"
        );
        assert_eq!(
            reason(r#"{"a":[{"anything-but":{}}]}"#),
            "Anything-But expression name not found"
        );
        assert_eq!(
            reason(r#"{"$or":{"a":[1]}}"#),
            "It must be an Array followed with $or."
        );
        assert_eq!(
            reason(r#"{"$or":[{"a":[1]}]}"#),
            "There must have at least 2 Objects in $or relationship."
        );
        assert_eq!(
            reason(r#"{"$or":[{"a":[1]},[1]]}"#),
            "Only JSON object is allowed in array of $or relationship."
        );
        assert_eq!(
            reason(r#"{"$or":[{"a":[1]},{"prefix":[1]}]}"#),
            "prefix is Ruler reserved fieldName which cannot be used inside $or."
        );
        assert_eq!(
            reason(r#"{"f":[{"wildcard":"*:*:*"},{"wildcard":"*:*:*:*"}]}"#),
            crate::wildcard::TOO_COMPLEX
        );
        for op in ["prefix", "suffix", "equals-ignore-case", "wildcard"] {
            let p = format!(r#"{{"a":{{"b":[{{"anything-but":{{"{op}":[]}}}}]}}}}"#);
            let e = Pattern::parse(p.as_bytes()).expect_err(&p);
            assert_eq!(
                (e.reason.as_str(), e.location.as_str()),
                ("Empty arrays are not allowed", "a.b"),
                "{p}"
            );
        }
        assert!(
            Pattern::parse(br#"{"a":[{"anything-but":{"prefix":[]}}],"a":["x"]}"#).is_ok(),
            "a later field of the same path replaces the empty one"
        );
        let p = Pattern::parse(br#"{"a":["x",{"anything-but":{"suffix":[]}}]}"#).unwrap();
        assert_eq!(
            p.branches[0].fields[0].tests.len(),
            1,
            "beside other values the empty one is dropped: it matches nothing"
        );
        assert!(
            Pattern::parse(br#"{"a":[1]}}"#).is_ok(),
            "text after the pattern is ignored, as by EventBridge"
        );
    }

    /// Regression (found by fuzz/parse_pattern, which ran at 245 inputs a second): the
    /// wildcard complexity check ran once per branch, so a field that `$or` copied into
    /// 1000 branches was checked 1000 times (5.6 s for a 1.4 KB pattern). It now builds
    /// one machine for all branches, as aws/event-ruler does, within a step budget.
    #[test]
    fn wildcard_complexity_of_many_branches_is_cheap() {
        let alt = |k: &str| {
            let alts: Vec<String> = (0..10).map(|i| format!(r#"{{"{k}{i}":[1]}}"#)).collect();
            format!(r#"{{"$or":[{}]}}"#, alts.join(","))
        };
        let pattern = |w: &str| {
            format!(
                r#"{{"{w}":[{{"wildcard":"*:*:*:event-bus/*"}}],"x":{},"y":{},"z":{}}}"#,
                alt("a"),
                alt("b"),
                alt("c")
            )
        };
        // The wildcard's field comes last in each branch, so each of the 1000 copies
        // has an automaton of its own (event-ruler: 7).
        let p = Pattern::parse(pattern("zw").as_bytes()).expect("valid");
        assert_eq!(p.branches.len(), 1000);
        // It comes first: all 1000 copies go into one automaton (event-ruler: 2003).
        assert_eq!(reason(&pattern("w")), crate::wildcard::TOO_COMPLEX);
        // Too complex in one branch of an $or only: still rejected.
        assert_eq!(
            reason(r#"{"$or":[{"a":[1]},{"w":[{"wildcard":"*:*:*"},{"wildcard":"*:*:*:*"}]}]}"#),
            crate::wildcard::TOO_COMPLEX
        );
        assert_eq!(
            reason(r#"{"$or":[{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]},{"b":[1]}]}"#),
            crate::wildcard::TOO_COMPLEX
        );
    }

    /// The cases of `tests/data/wildcard-complexity.jsonl` (each checked with aws/event-ruler)
    /// measure as event-ruler measures them, to the number.
    #[test]
    fn wildcard_complexity_to_the_number() {
        let data = include_str!("../tests/data/wildcard-complexity.jsonl");
        let mut failures = Vec::new();
        for (n, line) in data
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let case = json::parse(line.as_bytes()).expect("a case is JSON");
            let Some(Value::Object(pattern)) = case.get("pattern") else {
                panic!("line {}: no pattern object", n + 1)
            };
            let Some(Value::Number(want)) = case.get("complexity") else {
                panic!("line {}: no complexity", n + 1)
            };
            let mut p = Parser {
                limits: &Limits::default(),
                tests: 0,
            };
            let rules = p
                .object(pattern, "", 0, vec![Vec::new()], false)
                .expect("a valid pattern");
            let branches: Vec<Branch> = rules.into_iter().map(|fields| Branch { fields }).collect();
            let got = wildcard_machine(&branches).measure(usize::MAX - 1);
            if got.to_string() != *want {
                failures.push(format!(
                    "line {}: complexity {got}, event-ruler {want}",
                    n + 1
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn or_combinations_are_capped() {
        let alt = r#"{"$or":[{"a":[1]},{"b":[1]},{"c":[1]},{"d":[1]},{"e":[1]},{"f":[1]},{"g":[1]},{"h":[1]},{"i":[1]},{"j":[1]},{"k":[1]}]}"#;
        let three = format!(r#"{{"x":{alt},"y":{alt},"z":{alt}}}"#);
        assert!(reason(&three).starts_with("Rule is too complex"));
        let two = format!(r#"{{"x":{alt},"y":{alt}}}"#);
        assert_eq!(
            Pattern::parse(two.as_bytes())
                .expect("121 branches")
                .branches
                .len(),
            121
        );
    }
}
