//! Event patterns: parsing and validation into a [`Pattern`], a disjunction of [`Branch`]es
//! (`$or` expanded), each a conjunction of field tests.

use crate::cidr::Cidr;
use crate::json::{self, Value};
use crate::value::{Leaf, Literal, Number};
use crate::wildcard::Wildcard;

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
    /// `prefix`, plain or `equals-ignore-case` (then `text` is already case-folded).
    Prefix {
        /// The literal (case-folded when `ignore_case`).
        text: String,
        /// Compare case-insensitively.
        ignore_case: bool,
    },
    /// `suffix`, plain or `equals-ignore-case` (then `text` is already case-folded).
    Suffix {
        /// The literal (case-folded when `ignore_case`).
        text: String,
        /// Compare case-insensitively.
        ignore_case: bool,
    },
    /// `equals-ignore-case`; the text is case-folded.
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
    /// `{"equals-ignore-case": ...}`, case-folded.
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

/// Lower-cases for `equals-ignore-case` and its `prefix`/`suffix` forms.
pub fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

impl Test {
    /// Whether a leaf value of the event passes this test. `Exists` is decided by the
    /// presence of a leaf, so any leaf passes `exists: true` and none passes `exists: false`.
    pub fn matches(&self, leaf: &Leaf<'_>) -> bool {
        match self {
            Test::Exact(lit) => leaf.equals(lit),
            Test::Exists(present) => *present,
            Test::Numeric(r) => matches!(leaf, Leaf::Number(x, _) if r.contains(*x)),
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
            } => fold_case(s).starts_with(text.as_str()),
            Test::Suffix {
                text,
                ignore_case: false,
            } => s.ends_with(text.as_str()),
            Test::Suffix {
                text,
                ignore_case: true,
            } => fold_case(s).ends_with(text.as_str()),
            Test::EqualsIgnoreCase(t) => fold_case(s) == *t,
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
                let folded = fold_case(s);
                ps.contains(&folded)
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
        let doc = json::parse(text).map_err(|e| Error {
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
        let branches = p.object(entries, "", 0)?;
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

impl Parser<'_> {
    /// The branches of an object of the pattern at `prefix`.
    fn object(
        &mut self,
        entries: &[(String, Value)],
        prefix: &str,
        depth: usize,
    ) -> Result<Vec<Branch>, Error> {
        if depth > self.limits.max_depth {
            return Err(err(
                format!("Pattern nesting is deeper than {}", self.limits.max_depth),
                prefix,
            ));
        }
        let mut result = vec![Branch { fields: Vec::new() }];
        let mut leaves: Vec<Field> = Vec::new();
        for (key, value) in entries {
            let path = join(prefix, key);
            let branches = match value {
                Value::Object(inner) => self.object(inner, &path, depth + 1)?,
                Value::Array(items) if key == "$or" => self.or(items, prefix, depth)?,
                Value::Array(items) => {
                    let tests = self.field(items, &path)?;
                    // A key repeated in one object adds alternatives to the same field.
                    match leaves.iter_mut().find(|f| f.path == path) {
                        Some(f) => f.tests.extend(tests),
                        None => leaves.push(Field { path, tests }),
                    }
                    continue;
                }
                _ if key == "$or" => return Err(err("Value of $or must be an array.", prefix)),
                _ => {
                    return Err(err(
                        format!("\"{key}\" must be an object or an array"),
                        &path,
                    ))
                }
            };
            result = self.and(result, branches, prefix)?;
        }
        if !leaves.is_empty() {
            result = self.and(result, vec![Branch { fields: leaves }], prefix)?;
        }
        Ok(result)
    }

    fn or(&mut self, items: &[Value], prefix: &str, depth: usize) -> Result<Vec<Branch>, Error> {
        let location = join(prefix, "$or");
        if items.len() < 2 {
            return Err(err(
                "Must have at least 2 elements in $or array.",
                &location,
            ));
        }
        let mut all = Vec::new();
        for item in items {
            let Value::Object(entries) = item else {
                return Err(err("Elements of $or must be objects.", &location));
            };
            all.extend(self.object(entries, prefix, depth + 1)?);
            if all.len() > self.limits.max_branches {
                return Err(err(too_complex_or(self.limits), &location));
            }
        }
        Ok(all)
    }

    /// Every combination of one branch from `a` and one from `b`.
    fn and(
        &mut self,
        a: Vec<Branch>,
        b: Vec<Branch>,
        location: &str,
    ) -> Result<Vec<Branch>, Error> {
        if a.len().saturating_mul(b.len()) > self.limits.max_branches {
            return Err(err(too_complex_or(self.limits), location));
        }
        let mut out = Vec::with_capacity(a.len() * b.len());
        for x in &a {
            for y in &b {
                let mut fields = x.fields.clone();
                fields.extend(y.fields.iter().cloned());
                if fields.len() > self.limits.max_fields {
                    return Err(err(
                        format!("Pattern has more than {} fields", self.limits.max_fields),
                        location,
                    ));
                }
                out.push(Branch { fields });
            }
        }
        Ok(out)
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
            Value::String(s) => Test::Exact(Literal::String(s.clone())),
            Value::Number(n) => Test::Exact(Literal::Number(number(n, path)?)),
            Value::Bool(b) => Test::Exact(Literal::Bool(*b)),
            Value::Null => Test::Exact(Literal::Null),
            Value::Array(_) => {
                return Err(e(
                    "Match value must be String, number, true, false, or null",
                ))
            }
            Value::Object(entries) => {
                let [(op, arg)] = entries.as_slice() else {
                    return Err(e("Only one key allowed in match expression"));
                };
                match op.as_str() {
                    "prefix" => prefix_suffix(arg, "prefix", path, |text, ignore_case| {
                        Test::Prefix { text, ignore_case }
                    })?,
                    "suffix" => prefix_suffix(arg, "suffix", path, |text, ignore_case| {
                        Test::Suffix { text, ignore_case }
                    })?,
                    "equals-ignore-case" => match arg {
                        Value::String(s) => Test::EqualsIgnoreCase(fold_case(s)),
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
                }
            }
        })
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

fn prefix_suffix(
    arg: &Value,
    op: &str,
    path: &str,
    make: impl Fn(String, bool) -> Test,
) -> Result<Test, Error> {
    match arg {
        Value::String(s) => Ok(make(s.clone(), false)),
        Value::Object(entries) => match entries.as_slice() {
            [(k, Value::String(s))] if k == "equals-ignore-case" => Ok(make(fold_case(s), true)),
            [(k, _)] if k == "equals-ignore-case" => Err(err(
                "equals-ignore-case match pattern must be a string",
                path,
            )),
            _ => Err(err(
                format!("Unsupported {op} pattern: {}", arg.to_json()),
                path,
            )),
        },
        _ => Err(err(format!("{op} match pattern must be a string"), path)),
    }
}

fn numeric(arg: &Value, path: &str) -> Result<Range, Error> {
    let Value::Array(items) = arg else {
        return Err(err("Value of numeric must be an array.", path));
    };
    let mut range = Range {
        lower: None,
        upper: None,
    };
    let mut i = 0;
    while i < items.len() {
        let Value::String(op) = &items[i] else {
            return Err(err(
                format!("Invalid member in numeric match: {}", items[i].to_json()),
                path,
            ));
        };
        let value = match items.get(i + 1) {
            Some(Value::Number(n)) => number(n, path)?.value(),
            _ => return Err(err(format!("Value of {op} must be numeric"), path)),
        };
        if !value.is_finite() {
            return Err(err(format!("Value of {op} must be numeric"), path));
        }
        let first = i == 0;
        match op.as_str() {
            "=" if first && items.len() == 2 => {
                let b = Some(Bound {
                    value,
                    inclusive: true,
                });
                range = Range { lower: b, upper: b };
            }
            ">" | ">=" if first => {
                range.lower = Some(Bound {
                    value,
                    inclusive: op == ">=",
                })
            }
            "<" | "<=" if range.upper.is_none() && (first || range.lower.is_some()) => {
                range.upper = Some(Bound {
                    value,
                    inclusive: op == "<=",
                })
            }
            "=" | ">" | ">=" | "<" | "<=" => {
                return Err(err(format!("Bad numeric range operator: {op}"), path))
            }
            _ => {
                return Err(err(
                    format!("Unrecognized numeric range operator: {op}"),
                    path,
                ))
            }
        }
        i += 2;
    }
    if items.is_empty() {
        return Err(err("Value of numeric must be an array.", path));
    }
    if let (Some(lo), Some(hi)) = (range.lower, range.upper) {
        if lo.value > hi.value || (lo.value == hi.value && !(lo.inclusive && hi.inclusive)) {
            return Err(err("Bottom must be less than top", path));
        }
    }
    Ok(range)
}

fn anything_but(arg: &Value, path: &str) -> Result<AnythingBut, Error> {
    let e = |reason: &str| err(reason, path);
    let strings = |v: &Value, reason: &str| -> Result<Vec<String>, Error> {
        let items = match v {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        if items.is_empty() {
            return Err(e("Empty arrays are not allowed"));
        }
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
        Value::Number(n) => Ok(AnythingBut::Values(vec![Literal::Number(number(n, path)?)])),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(e("Empty arrays are not allowed"));
            }
            let values = items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(Literal::String(s.clone())),
                    Value::Number(n) => Ok(Literal::Number(number(n, path)?)),
                    _ => Err(e(
                        "Inside anything but list, start|null|boolean is not supported.",
                    )),
                })
                .collect::<Result<_, _>>()?;
            Ok(AnythingBut::Values(values))
        }
        Value::Object(entries) => {
            let [(op, inner)] = entries.as_slice() else {
                return Err(e("Only one key allowed in match expression"));
            };
            match op.as_str() {
                "prefix" | "suffix" => {
                    if let Value::Object(_) = inner {
                        return Err(e(
                            "Value of anything-but must be an array or single string/number value.",
                        ));
                    }
                    let list = strings(inner, "prefix/suffix match pattern must be a string")?;
                    if list.iter().any(String::is_empty) {
                        return Err(e("Null prefix/suffix not allowed"));
                    }
                    Ok(if op == "prefix" {
                        AnythingBut::Prefix(list)
                    } else {
                        AnythingBut::Suffix(list)
                    })
                }
                "equals-ignore-case" => {
                    let list = strings(inner, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")?;
                    Ok(AnythingBut::EqualsIgnoreCase(
                        list.iter().map(|s| fold_case(s)).collect(),
                    ))
                }
                "wildcard" => {
                    let list = strings(inner, "wildcard match pattern must be a string")?;
                    let ws = list
                        .iter()
                        .map(|s| Wildcard::parse(s).map_err(|r| err(r, path)))
                        .collect::<Result<_, _>>()?;
                    Ok(AnythingBut::Wildcard(ws))
                }
                _ => Err(e(
                    "Value of anything-but must be an array or single string/number value.",
                )),
            }
        }
        _ => Err(e(
            "Value of anything-but must be an array or single string/number value.",
        )),
    }
}
