//! The JSONPath subset EventBridge accepts in `InputPath` and `InputPathsMap`.

use super::*;

/// A path in the subset EventBridge supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct JsonPath {
    steps: Vec<Step>,
    /// Without wildcards a path selects at most one value; with them, an array of all.
    definite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Key(String),
    Index(usize),
    Wildcard,
}

pub(super) enum Resolved<'a> {
    Missing,
    One(&'a Value),
    Many(Vec<&'a Value>),
}

/// Which spellings of a key a path may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Notation {
    /// `.key` only (`InputPathsMap`: "You must use JSON dot notation, not bracket
    /// notation").
    Dot,
    /// `.key`, `['key']` or `["key"]` (`InputPath`: "You may use JSON dot notation or
    /// bracket notation").
    DotOrBracket,
}

pub(super) fn compile_path(text: &str, notation: Notation) -> Result<JsonPath, Error> {
    parse_path(text, notation).ok_or_else(|| Error::InvalidPath {
        target: None,
        path: text.to_owned(),
    })
}

pub(super) fn parse_path(text: &str, notation: Notation) -> Option<JsonPath> {
    let mut rest = text.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(".*") {
            steps.push(Step::Wildcard);
            rest = after;
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '/')))
                .unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            let (name, after) = after.split_at_checked(end)?;
            steps.push(Step::Key(name.to_owned()));
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            if let Some(quote) = after.chars().next().filter(|c| matches!(c, '\'' | '"')) {
                if notation == Notation::Dot {
                    return None;
                }
                let (key, after) = quoted_key(&after[1..], quote)?;
                steps.push(Step::Key(key));
                rest = after.strip_prefix(']')?;
                continue;
            }
            let (inside, after) = after.split_once(']')?;
            if inside == "*" {
                steps.push(Step::Wildcard);
            } else if !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit()) {
                steps.push(Step::Index(inside.parse().ok()?));
            } else {
                return None;
            }
            rest = after;
        } else {
            return None;
        }
    }
    let definite = !steps.contains(&Step::Wildcard);
    Some(JsonPath { steps, definite })
}

/// A bracketed key's text up to its closing `quote` (a backslash takes the next character
/// as it is, so `\'` is a quote in the key), and the text after that quote. The key may
/// hold any other character, dots and brackets included; it must not be empty.
fn quoted_key(text: &str, quote: char) -> Option<(String, &str)> {
    let mut key = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => key.push(chars.next()?.1),
            c if c == quote => return (!key.is_empty()).then(|| (key, &text[i + 1..])),
            c => key.push(c),
        }
    }
    None
}

impl JsonPath {
    /// Each step visits each node at most once, so the work is bounded by the event's size.
    pub(super) fn resolve<'a>(&self, root: &'a Value) -> Resolved<'a> {
        if self.definite {
            let mut cur = root;
            for step in &self.steps {
                let next = match (step, cur) {
                    (Step::Key(k), v) => v.get(k),
                    (Step::Index(i), Value::Array(items)) => items.get(*i),
                    _ => None,
                };
                match next {
                    Some(v) => cur = v,
                    None => return Resolved::Missing,
                }
            }
            return Resolved::One(cur);
        }
        let mut frontier = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in frontier {
                match (step, v) {
                    (Step::Key(k), v) => next.extend(v.get(k)),
                    (Step::Index(i), Value::Array(items)) => next.extend(items.get(*i)),
                    (Step::Wildcard, Value::Array(items)) => next.extend(items.iter()),
                    (Step::Wildcard, Value::Object(entries)) => {
                        next.extend(entries.iter().map(|(_, v)| v));
                    }
                    _ => {}
                }
            }
            frontier = next;
        }
        Resolved::Many(frontier)
    }
}
