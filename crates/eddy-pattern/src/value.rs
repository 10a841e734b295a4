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
        match number_bits(self.value, &self.text) {
            Some(bits) => NumberKey::Bits(bits),
            None => NumberKey::Text(self.text.clone()),
        }
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

/// The bits that stand for a number compared by value (with `-0` as `0`), or `None` for a
/// number compared by its text (see [`is_comparable`]).
pub(crate) fn number_bits(value: f64, text: &str) -> Option<u64> {
    is_comparable(value, text).then(|| if value == 0.0 { 0 } else { value.to_bits() })
}

/// Whether the number `text` (whose double is `value`) is exactly a double, so that it can
/// be compared by value: finite, and equal as a decimal to the shortest representation of
/// its double. Others (`1e400`, `0.10000000000000000001`, `12345678901234567890`) only
/// equal the same text, as in aws/event-ruler.
pub fn is_comparable(value: f64, text: &str) -> bool {
    comparable_text(value, text.as_bytes())
}

/// [`is_comparable`] for the number's text as bytes.
pub(crate) fn comparable_text(value: f64, text: &[u8]) -> bool {
    if !value.is_finite() {
        return false;
    }
    // The shortest spelling that reads back as the same double (`ryu`). Long numbers
    // (coordinates, say) are mostly written that way already: then nothing is left to
    // compare.
    let mut shortest = ryu::Buffer::new();
    let shortest = (text.len() > 15).then(|| shortest.format_finite(value));
    if shortest.is_some_and(|s| s.as_bytes() == text) {
        return true;
    }
    let Some(dec) = Decimal::parse(text) else {
        return false;
    };
    // Decimals of up to 15 significant digits always survive the trip through a double,
    // but only in the normal range: below it (`1e-400`, `1e-320`) the double has fewer
    // digits of precision or is zero, so those are checked against the shortest form too.
    if dec.len <= 15 && (value.is_normal() || dec.len == 0) {
        return true;
    }
    let mut buf = ryu::Buffer::new();
    let shortest = shortest.unwrap_or_else(|| buf.format_finite(value));
    let Some(short) = Decimal::parse(shortest.as_bytes()) else {
        return false;
    };
    if short.len == 1 && !value.is_normal() {
        // EventBridge's reader (Java) spells a double with at least two significant
        // digits, the two nearest its value: for the least subnormals that is another
        // decimal (`5e-324` is `4.9E-324` there, so `5e-324` does not compare).
        let two = format!("{value:.1e}");
        return Decimal::parse(two.as_bytes()).is_some_and(|t| t == dec);
    }
    short == dec
}

/// `10^k` for `k` in `0..=22`: every one exact as a double.
pub(crate) const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// An unsigned decimal spelled as most long numbers in events are (a coordinate, say): 2
/// to 7 integer digits with no leading zero, a point, and 8 to 16 fraction digits. Its
/// integer part, its first eight fraction digits and its last eight bytes hold it all,
/// each read eight digits at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Coordinate {
    /// The integer part's value.
    pub(crate) int: u64,
    /// The value of the first eight fraction digits.
    pub(crate) first: u64,
    /// The last eight bytes, all digits, as a word.
    last: u64,
    whole: usize,
    places: usize,
}

impl Coordinate {
    /// The number `t` (with an optional `-`) split, or `None` for other spellings.
    #[inline]
    pub(crate) fn of(t: &[u8]) -> Option<Coordinate> {
        Coordinate::split(t.strip_prefix(b"-").unwrap_or(t))
    }

    /// `t` split, or `None` for other spellings (a sign included).
    #[inline(always)]
    pub(crate) fn split(t: &[u8]) -> Option<Coordinate> {
        use crate::swar::{eight_digits, leading_digits, word, ONES};
        if t.len() < 11 {
            return None;
        }
        let head = word(t, 0);
        let whole = leading_digits(head);
        if !(2..8).contains(&whole) || t[0] == b'0' || t[whole] != b'.' {
            return None;
        }
        let (start, end) = (whole + 1, t.len());
        let places = end - start;
        if !(8..=16).contains(&places) {
            return None;
        }
        let (first, last) = (word(t, start), word(t, end - 8));
        if leading_digits(first) < 8 || leading_digits(last) < 8 {
            return None;
        }
        // The integer part as eight digits, with zeros in front.
        let int = eight_digits(head << (8 * (8 - whole)) | (ONES * u64::from(b'0')) >> (8 * whole));
        Some(Coordinate {
            int,
            first: eight_digits(first),
            last,
            whole,
            places,
        })
    }

    /// All its digits as an integer, and the number of fraction digits; `None` beyond 19
    /// digits.
    fn digits(&self) -> Option<(u64, usize)> {
        use crate::swar::{eight_digits, ONES};
        if self.whole + self.places > 19 {
            return None;
        }
        // The fraction's digits after its first eight are the last `rest` bytes of `last`:
        // the bytes below them become zeros.
        let rest = self.places - 8;
        let kept = if rest == 0 {
            0
        } else {
            !0u64 << (8 * (8 - rest))
        };
        let zeros = ONES * u64::from(b'0');
        let tail = eight_digits(self.last & kept | zeros & !kept);
        let digits = (self.int * POW10_U64[8] + self.first) * POW10_U64[rest] + tail;
        Some((digits, self.places))
    }
}

/// `10^k` for `k` in `0..=19`.
const POW10_U64: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        p[k] = p[k - 1] * 10;
        k += 1;
    }
    p
};

/// Reads the JSON number `t`: the double nearest it, and whether `t` is known to be
/// exactly that double (see [`is_comparable`]; `false` when not known). Numbers spelled as
/// coordinates are read here: most with one correctly rounded division (a mantissa of at
/// most 2^53 and a power of ten of at most 22, both exact as doubles: Clinger's fast
/// path), longer ones (17 to 19 digits) by [`long_decimal`]; the standard parser reads
/// the rest.
pub(crate) fn read_number(t: &[u8]) -> (f64, bool) {
    read_number_split(t, Coordinate::of(t))
}

/// [`read_number`] given `t` as [`Coordinate::of`] splits it.
#[inline]
pub(crate) fn read_number_split(t: &[u8], split: Option<Coordinate>) -> (f64, bool) {
    let parse = || {
        std::str::from_utf8(t)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let sign = |x: f64| if t.first() == Some(&b'-') { -x } else { x };
    let Some((digits, places)) = split.and_then(|c| c.digits()) else {
        return short_decimal(t).map_or_else(|| (parse(), false), |x| (sign(x), true));
    };
    if digits <= 1 << 53 {
        let x = digits as f64 / POW10[places];
        return (sign(x), only_decimal_of_its_digits(x, digits, places));
    }
    match long_decimal(digits, places) {
        Some((x, exact)) => (sign(x), exact),
        None => (parse(), false),
    }
}

/// The magnitude of a decimal of at most 15 digits and no exponent (`0.0`, `-3`,
/// `12.75`) by one correctly rounded division; the number is exactly that double (15
/// digits always survive the trip, and such a number is never below the normal range).
/// `None` for other spellings.
fn short_decimal(t: &[u8]) -> Option<f64> {
    let body = t.strip_prefix(b"-").unwrap_or(t);
    if body.is_empty() || body.len() > 16 {
        return None;
    }
    let (mut digits, mut count, mut places, mut point) = (0u64, 0usize, 0usize, None);
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                digits = digits * 10 + u64::from(b - b'0');
                count += 1;
                places += usize::from(point.is_some());
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    // JSON's shape: digits on both sides of a point, no leading zero but `0` itself.
    let int_len = point.unwrap_or(body.len());
    let shaped = int_len >= 1
        && point.is_none_or(|at| at + 1 < body.len())
        && (body[0] != b'0' || int_len == 1);
    if !shaped || count > 15 {
        return None;
    }
    Some(digits as f64 / POW10[places])
}

/// The double nearest `digits / 10^places` (`digits` more than 2^53), and whether that
/// decimal is known to be the double's shortest spelling; `None` when the standard parser
/// must decide: a mantissa at a power of two (where the spacing of doubles below differs
/// from above), more than 19 places, or a value below 2^-6.
///
/// A first guess (two roundings, so within two units in the last place) is checked with
/// exact integer arithmetic, and moved a unit at a time until it holds: in units of
/// `2^e / 10^places`, the guess `m * 2^e` lies `digits * 2^-e - m * 10^places` from the
/// decimal, and half a unit in the last place is `10^places / 2`. That distance also tells
/// whether the decimal is the double's shortest spelling.
fn long_decimal(digits: u64, places: usize) -> Option<(f64, bool)> {
    // Trailing zeros change neither the value nor the spelling compared.
    let (digits, places) = without_trailing_zeros(digits, places);
    let scale = *POW10_U64.get(places)?;
    let half = scale / 2;
    let mut x = digits as f64 / *POW10.get(places)?;
    for _ in 0..3 {
        let bits = x.to_bits();
        let fraction = bits & ((1 << 52) - 1);
        let shift = 1075 - ((bits >> 52) & 0x7ff) as i64;
        if fraction == 0 || !(1..=58).contains(&shift) {
            return None;
        }
        let m = fraction | 1 << 52;
        // Both terms exceed 2^64, but not their difference: a guess within two units in
        // the last place is within `2 * scale`, so the difference taken modulo 2^64 is it.
        let gap = (digits << shift).wrapping_sub(m.wrapping_mul(scale)) as i64;
        let distance = gap.unsigned_abs();
        if distance < half || distance == half && m & 1 == 0 {
            return Some((x, shortest_is(digits, places, m, shift, distance)));
        }
        x = f64::from_bits(if gap > 0 { bits + 1 } else { bits - 1 });
    }
    None
}

/// Whether `digits / 10^places` (no trailing zero) is the shortest spelling of the double
/// `m * 2^-shift` it rounds to, `distance` being how far they lie apart as
/// [`long_decimal`] measures it; `false` when that takes more than this quick test.
///
/// When one digit less is a place wider than the spacing of doubles, at most one decimal
/// of one digit less lies in the double's interval (the decimals that round to it), and it
/// could only be one of the two that bracket the number: if neither is inside, the
/// shortest spelling has as many digits as the number, and it is the decimal of that
/// length nearest the double (Ryu's choice), which the number is when it lies within half
/// its last place of the double.
fn shortest_is(digits: u64, places: usize, m: u64, shift: i64, distance: u64) -> bool {
    let Some(&coarse) = places.checked_sub(1).and_then(|k| POW10_U64.get(k)) else {
        return false;
    };
    let scale = coarse * 10;
    // The spacing `2^-shift` against the wider place `10^-(places - 1)`, scaled by both.
    if 1 << shift <= coarse || distance >= 1 << (shift - 1) {
        return false;
    }
    let (half, accept_bounds) = (scale / 2, m & 1 == 0);
    // A decimal of one digit less lies within 15 units of the number's last place of
    // the double, which `shift <= 58` keeps below 2^63 once scaled.
    let inside = |k: u64| {
        let d = ((k * 10) << shift).wrapping_sub(m.wrapping_mul(scale)) as i64;
        d.unsigned_abs() < half || d.unsigned_abs() == half && accept_bounds
    };
    let below = digits / 10;
    !inside(below) && !inside(below + 1)
}

/// The decimal `digits / 10^places` with the zeros at the end of its fraction dropped.
fn without_trailing_zeros(mut digits: u64, mut places: usize) -> (u64, usize) {
    while digits % 10 == 0 && places > 0 {
        digits /= 10;
        places -= 1;
    }
    (digits, places)
}

/// Whether the decimal `digits / 10^places`, whose nearest double is `value`, is that
/// double's shortest spelling because no other decimal with as few digits rounds to it:
/// the place of its last digit is wider than the spacing of doubles at `value` (the
/// numbers that round to one double span at most that spacing, so they hold at most one
/// multiple of the place), as for most latitudes. A quick answer that never says yes
/// wrongly: `false` leaves the question to the full comparison.
fn only_decimal_of_its_digits(value: f64, digits: u64, places: usize) -> bool {
    if !value.is_normal() || digits == 0 {
        return false;
    }
    let (_, places) = without_trailing_zeros(digits, places);
    // The spacing of doubles at `value`: 2^(e - 52) for its binary exponent e.
    let biased = (value.to_bits() >> 52) & 0x7ff;
    if biased <= 52 {
        return false;
    }
    let spacing = f64::from_bits((biased - 52) << 52);
    // `1 / 10^k` is within half a unit in the last place of the true place: a margin of
    // two such units on the spacing keeps the answer right.
    let Some(power) = POW10.get(places) else {
        return false;
    };
    1.0 / power > spacing * (1.0 + 2.0 * f64::EPSILON)
}

/// Most significant digits a [`Decimal`] holds; longer decimals are never exactly a double.
const MAX_DIGITS: usize = 40;

/// A decimal number in normal form (no leading or trailing zeros in `digits`), on the
/// stack.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: [u8; MAX_DIGITS],
    len: usize,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &[u8]) -> Option<Decimal> {
        let mut d = Decimal {
            negative: false,
            digits: [0; MAX_DIGITS],
            len: 0,
            exponent: 0,
        };
        let mut i = 0;
        if text.first() == Some(&b'-') {
            d.negative = true;
            i = 1;
        }
        // Zeros since the last significant digit: kept back until a significant digit
        // follows (then they are digits) or the mantissa ends (then they are trailing).
        let mut zeros = 0i64;
        let mut fraction = false;
        while let Some(&b) = text.get(i) {
            match b {
                b'0' => zeros += 1,
                b'1'..=b'9' => {
                    if d.len > 0 {
                        for _ in 0..zeros {
                            *d.digits.get_mut(d.len)? = b'0';
                            d.len += 1;
                        }
                    }
                    zeros = 0;
                    *d.digits.get_mut(d.len)? = b;
                    d.len += 1;
                }
                b'.' => fraction = true,
                b'e' | b'E' => break,
                _ => return None,
            }
            if fraction && b != b'.' {
                d.exponent -= 1;
            }
            i += 1;
        }
        if d.len == 0 {
            return Some(Decimal {
                negative: false,
                digits: [0; MAX_DIGITS],
                len: 0,
                exponent: 0,
            });
        }
        d.exponent += zeros;
        if let Some(&(b'e' | b'E')) = text.get(i) {
            let e = std::str::from_utf8(&text[i + 1..])
                .ok()?
                .parse::<i64>()
                .ok()?;
            d.exponent = d.exponent.checked_add(e)?;
        }
        Some(d)
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
            (Leaf::Number(v, t), Literal::Number(n)) => {
                match (number_bits(*v, t), number_bits(n.value(), n.text())) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => *t == n.text(),
                    _ => false,
                }
            }
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
        assert_eq!(key("1200"), key("1.2e3"));
        assert_eq!(key("0.012"), key("12e-3"));
        assert_eq!(key("100.5"), key("1005e-1"));
        assert_ne!(key("100.5"), key("10.05"));
        assert_eq!(key("37.807807921694092"), key("37.807807921694092"));
        assert_eq!(key("12345678901234567890"), key("12345678901234567890"));
        assert_ne!(key("300"), key("301"));
    }

    fn dec(t: &str) -> (String, i64) {
        let d = Decimal::parse(t.as_bytes()).expect("decimal");
        (
            String::from_utf8(d.digits[..d.len].to_vec()).expect("ascii"),
            d.exponent,
        )
    }

    #[test]
    fn decimals_normalise() {
        assert_eq!(dec("0.012"), ("12".into(), -3));
        assert_eq!(dec("1200.5"), ("12005".into(), -1));
        assert_eq!(dec("1200.00"), ("12".into(), 2));
        assert_eq!(dec("1200"), ("12".into(), 2));
        assert_eq!(dec("3.0e2"), ("3".into(), 2));
        assert_eq!(dec("-0.000"), ("".into(), 0));
        assert_eq!(
            dec("1.2345678901234567e19"),
            ("12345678901234567".into(), 3)
        );
        assert_eq!(
            dec("0.000000000000000012345678901234567"),
            ("12345678901234567".into(), -33)
        );
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
        // Long numbers: spelled as the shortest form (the quick answer), or another
        // spelling of the same decimal, or a decimal that only rounds to that double.
        for (t, exact) in [
            ("-122.38091986472794", true),
            ("37.807807921694092", false),
            ("1.0000000000000000", true),
            ("100000000000000000", true),
            ("1.00000000000000000e17", true),
            ("0.30000000000000004", true),
            ("0.30000000000000001", false),
            ("9007199254740993", false),
        ] {
            assert_eq!(Number::parse(t).expect("n").is_comparable(), exact, "{t}");
        }
    }

    /// The digits and places of `t` as [`read_number`] reads a coordinate, if it does.
    fn coordinate_digits(t: &str) -> Option<(u64, usize)> {
        Coordinate::of(t.as_bytes()).and_then(|c| c.digits())
    }

    /// A xorshift generator: the same numbers on every run.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Numbers spelled as coordinates are read to the same double as the standard
    /// parser reads, and the quick "exactly that double" answer is never yes where the
    /// full comparison says no; both for the shortest spellings of doubles and for
    /// decimals of any digits, with and without trailing zeros.
    #[test]
    fn coordinates_read_as_the_standard_parser_reads_them() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        let (mut quick, mut known) = (0, 0);
        for i in 0..200_000 {
            let r = next();
            let t = match i % 3 {
                // The shortest spelling of a double, as JSON writers give it.
                0 => format!(
                    "{}",
                    (r >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((r % 7) as i32 + 1) - 60.0
                ),
                // Any digits.
                1 => {
                    let whole = 2 + (r % 6) as usize;
                    let places = 8 + ((r >> 3) % 9) as usize;
                    let digits: String = (0..whole + places)
                        .map(|k| char::from(b'0' + ((next() >> (k % 40)) % 10) as u8))
                        .collect();
                    let lead = if digits.starts_with('0') { "1" } else { "" };
                    let sign = if r & 1 == 1 { "-" } else { "" };
                    format!("{sign}{lead}{}.{}", &digits[..whole], &digits[whole..])
                }
                // Trailing zeros, and a fixed number of places.
                _ => format!("{:.*}", 8 + (r % 9) as usize, (r >> 11) as f64 / 1e9 - 4e3),
            };
            let want: f64 = t.parse().expect("a number");
            let (got, exact) = read_number(t.as_bytes());
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            if coordinate_digits(&t).is_some() {
                quick += 1;
            }
            if exact {
                known += 1;
                assert!(is_comparable(want, &t), "{t} taken as exact");
            }
        }
        assert!(
            quick > 50_000 && known > 20_000,
            "{quick} read quickly, {known} known"
        );
        for (t, exact) in [
            ("37.71037924660617", true),
            ("-122.39173518757443", true),
            // The shortest spelling of its double is 37.80780792169409.
            ("37.807807921694092", false),
            ("37.710482775142246", true),
            ("12.50000000", true),
            ("10.00000000", true),
        ] {
            let (x, known) = read_number(t.as_bytes());
            assert_eq!(x, t.parse::<f64>().expect("a number"), "{t}");
            assert_eq!(known, exact, "{t}");
        }
    }

    /// Numbers of 17 to 19 digits spelled as coordinates: read to the same double as the
    /// standard parser, and taken as exact only when they are (shortest spellings of
    /// doubles, as JSON writers give them, nearly always are found to be).
    #[test]
    fn long_decimals_read_exactly() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        let (mut shortest, mut shortest_known) = (0, 0);
        for i in 0..300_000 {
            let r = next();
            let t = if i % 2 == 0 {
                // A double's shortest spelling, with 17 digits when it needs them.
                let scale = 10f64.powi((r % 6) as i32 + 1);
                format!("{}", 10.0 + (r >> 11) as f64 / (1u64 << 53) as f64 * scale)
            } else {
                // Any 17 to 19 digits, some next to a half of the last place.
                let whole = 2 + (r % 3) as usize;
                let places = 17 + (r >> 3) as usize % 3 - whole;
                let mut digits: Vec<u8> = (0..whole + places)
                    .map(|k| b'0' + ((next() >> (k % 40)) % 10) as u8)
                    .collect();
                if digits[0] == b'0' {
                    digits[0] = b'1';
                }
                if r & 16 != 0 {
                    let n = digits.len();
                    digits[n - 3..].copy_from_slice(if r & 32 != 0 { b"500" } else { b"499" });
                }
                let digits = String::from_utf8(digits).expect("ascii");
                format!("{}.{}", &digits[..whole], &digits[whole..])
            };
            let want: f64 = t.parse().expect("a number");
            let (got, exact) = read_number(t.as_bytes());
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            let comparable = is_comparable(want, &t);
            if exact {
                assert!(comparable, "{t} taken as exact");
            }
            if i % 2 == 0 && coordinate_digits(&t).is_some_and(|(d, _)| d > 1 << 53) {
                shortest += 1;
                shortest_known += usize::from(exact);
            }
        }
        assert!(
            shortest > 50_000 && shortest_known * 100 > shortest * 95,
            "{shortest_known} of {shortest} long shortest spellings known to be exact"
        );
    }

    /// Short decimals (up to 15 digits, no exponent: `0.0`, `-3`, `12.75`) are read to the
    /// same double as the standard parser reads, and are exactly it; other spellings of
    /// at most 16 bytes go to the standard parser.
    #[test]
    fn short_decimals_read_as_the_standard_parser_reads_them() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut quick = 0;
        for _ in 0..200_000 {
            let r = next();
            let count = 1 + (r % 16) as usize;
            let mut digits: Vec<u8> = (0..count)
                .map(|k| b'0' + ((next() >> (k % 40)) % 10) as u8)
                .collect();
            let whole = 1 + (r >> 4) as usize % count;
            if whole > 1 && digits[0] == b'0' {
                digits[0] = b'7';
            }
            let digits = String::from_utf8(digits).expect("ascii");
            let sign = if r & 1 << 20 != 0 { "-" } else { "" };
            let t = if whole == count {
                format!("{sign}{digits}")
            } else {
                format!("{sign}{}.{}", &digits[..whole], &digits[whole..])
            };
            let want: f64 = t.parse().expect("a number");
            let (got, exact) = read_number(t.as_bytes());
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            if exact {
                quick += 1;
                assert!(is_comparable(want, &t), "{t} taken as exact");
            }
        }
        assert!(quick > 150_000, "{quick} known exact");
        for (t, exact) in [
            ("0.0", true),
            ("-0", true),
            ("0", true),
            ("123456789012345", true),
            // Sixteen digits, an exponent, or not JSON's shape: the standard parser.
            ("1234567890123456", false),
            ("1e5", false),
            ("1.5E2", false),
            ("00.5", false),
            ("5.", false),
            (".5", false),
        ] {
            let (x, known) = read_number(t.as_bytes());
            let want = t.parse::<f64>().unwrap_or(f64::NAN);
            assert!(
                x.to_bits() == want.to_bits() || x.is_nan() && want.is_nan(),
                "{t}"
            );
            assert_eq!(known, exact, "{t}");
        }
    }

    /// Regression (found by tests/properties.rs): numbers below the normal range of a
    /// double were taken as exact, so `1e-400` (which rounds to 0) equalled `0`.
    #[test]
    fn numbers_that_underflow_are_not_exact() {
        for t in ["1e-400", "1e-324", "3e-324", "1.23456789e-320"] {
            assert!(!Number::parse(t).expect("n").is_comparable(), "{t}");
        }
        assert_ne!(key("1e-400"), key("0"));
        assert_ne!(key("1e-400"), key("2e-400"));
        // Subnormals are exact when they are the decimal Java spells for their double
        // (at least two significant digits, as aws/event-ruler compares).
        assert!(!Number::parse("5e-324").expect("n").is_comparable());
        assert!(Number::parse("4.9e-324").expect("n").is_comparable());
        assert!(Number::parse("1.5e-323").expect("n").is_comparable());
        assert!(Number::parse("2e-323").expect("n").is_comparable());
        assert!(!Number::parse("1e-323").expect("n").is_comparable());
        assert!(Number::parse("2.2250738585072014e-308")
            .expect("n")
            .is_comparable());
        assert_eq!(key("-0"), key("0e-400"));
    }
}
