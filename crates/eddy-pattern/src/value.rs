//! The leaf values of an event that patterns test, and the literals patterns compare them with.

/// A number from a pattern or an event: compared by value, whatever its spelling
/// (`300`, `300.0` and `3e2` are equal). Numbers too large for a double compare by text.
#[derive(Debug, Clone)]
pub struct Number {
    text: String,
    value: f64,
}

impl Number {
    /// Whether the number can be compared by value (see [`is_comparable`]).
    pub fn is_comparable(&self) -> bool {
        is_comparable(self.value, &self.text)
    }

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

    /// A key equal for equal numbers: the bits of the double (with `-0` as `0`) for numbers
    /// that are exactly a double, else the text (see [`is_comparable`]).
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
    /// A number that is exactly a double: the bits of that double.
    Bits(u64),
    /// Any other number: its text.
    Text(String),
}

pub(crate) fn number_key(value: f64, text: &str) -> NumberKey {
    if is_comparable(value, text) {
        NumberKey::Bits(if value == 0.0 { 0 } else { value.to_bits() })
    } else {
        NumberKey::Text(text.to_owned())
    }
}

/// Whether the number `text` (whose double is `value`) is exactly a double, so that it can
/// be compared by value: finite, and equal as a decimal to the shortest representation of
/// its double. Others (`1e400`, `0.10000000000000000001`, `12345678901234567890`) only
/// equal the same text, as in aws/event-ruler.
pub fn is_comparable(value: f64, text: &str) -> bool {
    if !value.is_finite() {
        return false;
    }
    let Some(dec) = Decimal::parse(text) else {
        return false;
    };
    // Decimals of up to 15 significant digits always survive the trip through a double.
    if dec.digits.len() <= 15 {
        return true;
    }
    Decimal::parse(&format!("{value:e}")).is_some_and(|shortest| shortest == dec)
}

/// A decimal number in normal form: no leading or trailing zeros in `digits`.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut exponent = exp.checked_sub(frac.len() as i64)?;
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..lead);
        while digits.last() == Some(&b'0') {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        Some(Decimal {
            negative,
            digits,
            exponent,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &str) -> NumberKey {
        Number::parse(t).expect("number").key()
    }

    #[test]
    fn equal_values_equal_keys_whatever_the_spelling() {
        assert_eq!(key("300"), key("300.0"));
        assert_eq!(key("300"), key("3e2"));
        assert_eq!(key("3.0e2"), key("300.000000000000000000000"));
        assert_eq!(key("0.1"), key("0.10"));
        assert_eq!(key("-0"), key("0.0"));
        assert_ne!(key("300"), key("301"));
    }

    #[test]
    fn inexact_numbers_compare_by_text() {
        assert!(!Number::parse("12345678901234567890")
            .expect("n")
            .is_comparable());
        assert_ne!(key("12345678901234567890"), key("12345678901234567890.0"));
        assert!(!Number::parse("1e400").expect("n").is_comparable());
        assert!(!Number::parse("0.10000000000000000001")
            .expect("n")
            .is_comparable());
        assert!(Number::parse("1.7976931348623157e308")
            .expect("n")
            .is_comparable());
        assert!(Number::parse("5000000001").expect("n").is_comparable());
    }
}
