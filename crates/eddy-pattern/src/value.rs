//! The leaf values of an event that patterns test, and the literals patterns compare them with.

/// A number from a pattern or an event: compared by value, whatever its spelling
/// (`300`, `300.0` and `3e2` are equal). Numbers too large for a double compare by text.
#[derive(Debug, Clone)]
pub struct Number {
    text: String,
    value: f64,
}

impl Number {
    /// Reads JSON number text; `None` if it is not a JSON number.
    pub fn parse(text: &str) -> Option<Number> {
        crate::json::scan_number(text.as_bytes(), 0).filter(|&end| end == text.len())?;
        let value = text.parse::<f64>().ok()?;
        Some(Number {
            text: text.to_owned(),
            value,
        })
    }

    /// The number as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The number as a double (infinite if out of range).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// A key equal for equal numbers: the bits of the double (with `-0` as `0`), or, for
    /// numbers beyond a double's range, their text.
    pub fn key(&self) -> NumberKey {
        number_key(self.value, &self.text)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.key() == other.key()
    }
}

/// See [`Number::key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NumberKey {
    /// A finite number: the bits of its double.
    Bits(u64),
    /// A number beyond a double's range: its text.
    Text(String),
}

pub(crate) fn number_key(value: f64, text: &str) -> NumberKey {
    if value.is_finite() {
        NumberKey::Bits(if value == 0.0 { 0 } else { value.to_bits() })
    } else {
        NumberKey::Text(text.to_owned())
    }
}

/// A literal in a pattern: what an exact match or `anything-but` compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string.
    String(String),
    /// A number.
    Number(Number),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

/// One leaf value of an event, as a test sees it.
#[derive(Debug, Clone, Copy)]
pub enum Leaf<'a> {
    /// A string, unescaped.
    String(&'a str),
    /// The value and its text.
    Number(f64, &'a str),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

impl Leaf<'_> {
    /// Whether this value equals `literal` (numbers by value, strings exactly).
    pub fn equals(&self, literal: &Literal) -> bool {
        match (self, literal) {
            (Leaf::String(a), Literal::String(b)) => *a == b,
            (Leaf::Number(v, t), Literal::Number(n)) => number_key(*v, t) == n.key(),
            (Leaf::Bool(a), Literal::Bool(b)) => a == b,
            (Leaf::Null, Literal::Null) => true,
            _ => false,
        }
    }
}
