//! `equals-ignore-case` (and its `prefix`, `suffix` and `anything-but` forms) as
//! EventBridge decides it. EventBridge's matcher (aws/event-ruler) does not fold both sides
//! and compare: it turns each character `c` of the pattern into a choice between
//! `lowercase(c)` and `uppercase(c)` (each a string, by Unicode's full mappings), and a
//! value matches when it spells one choice per pattern character, in order. So `"ß"`
//! matches `"ß"` and `"SS"` but not `"ss"`; `"σ"` matches `"Σ"` but not the final `"ς"`;
//! `"k"` does not match the Kelvin sign; and a titlecase `"ǅ"` matches `"ǆ"` and `"Ǆ"`,
//! not itself. (event-ruler works on UTF-16 units, so a character outside the Basic
//! Multilingual Plane cannot match at all there; here it is one character like any other.)
//!
//! For indexing, [`key`] maps text character by character so that both choices of every
//! character map to the same string: a value that matches a pattern has the pattern's
//! [`pattern_key`] as its key (and, by the same token, a value with a prefix that matches
//! has the pattern's key as a prefix of its own). Keys only find candidates; whether a
//! candidate matches is then decided exactly by [`equals`], [`starts_with`] or
//! [`ends_with`], except when both sides are ASCII, where the key decides.
//!
//! `k(c) = lowercase(uppercase(c))` nearly works; applied twice it does for every character
//! (a test below checks them all): `k(k("ẞ"))` = `"ss"` = `k(k("SS"))`.

/// How the text of a case-insensitive pattern is kept: ASCII letters lower-cased (their
/// two choices are the same either way), every other character as written (its choices
/// depend on it).
pub fn canonical(pattern: &str) -> String {
    pattern.to_ascii_lowercase()
}

/// The index key of a value.
pub fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        text.chars().for_each(|c| push_key(c, &mut out));
    }
    out
}

/// The index key of a pattern's text: the key every value it matches has.
pub fn pattern_key(pattern: &str) -> String {
    if pattern.is_ascii() {
        return key(pattern);
    }
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        c.to_lowercase().for_each(|l| push_key(l, &mut out));
    }
    out
}

fn push_key(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let once = |c: char| c.to_uppercase().flat_map(char::to_lowercase);
    once(c).flat_map(once).for_each(|k| out.push(k));
}

/// Whether `value` matches `pattern` under `equals-ignore-case`.
pub fn equals(value: &str, pattern: &str) -> bool {
    if value.is_ascii() && pattern.is_ascii() {
        return value.eq_ignore_ascii_case(pattern);
    }
    walk(value, pattern, Walk::Whole)
}

/// Whether a prefix of `value` matches `pattern` under `equals-ignore-case`.
pub fn starts_with(value: &str, pattern: &str) -> bool {
    if value.is_ascii() && pattern.is_ascii() {
        return value.len() >= pattern.len()
            && value.as_bytes()[..pattern.len()].eq_ignore_ascii_case(pattern.as_bytes());
    }
    walk(value, pattern, Walk::Prefix)
}

/// Whether a suffix of `value` matches `pattern` under `equals-ignore-case`.
pub fn ends_with(value: &str, pattern: &str) -> bool {
    if value.is_ascii() && pattern.is_ascii() {
        return value.len() >= pattern.len()
            && value.as_bytes()[value.len() - pattern.len()..]
                .eq_ignore_ascii_case(pattern.as_bytes());
    }
    walk(value, pattern, Walk::Suffix)
}

#[derive(Clone, Copy, PartialEq)]
enum Walk {
    Whole,
    Prefix,
    Suffix,
}

/// One character's case mapping as UTF-8 (at most three characters).
fn mapped(chars: impl Iterator<Item = char>, buf: &mut [u8; 12]) -> &[u8] {
    let mut len = 0;
    for c in chars {
        len += c.encode_utf8(&mut buf[len..]).len();
    }
    &buf[..len]
}

/// Follows the pattern's characters through the value (from its end for `Suffix`), keeping
/// every byte offset that some choice of spellings reaches: the two choices of a
/// character may differ in length (`"ß"`/`"SS"`), so more than one offset can be live.
/// Offsets stay on character boundaries, as every choice is whole characters.
fn walk(value: &str, pattern: &str, how: Walk) -> bool {
    let v = value.as_bytes();
    let backwards = how == Walk::Suffix;
    let mut live = vec![if backwards { v.len() } else { 0 }];
    let mut next = Vec::with_capacity(2);
    let (mut lower, mut upper) = ([0u8; 12], [0u8; 12]);
    let mut step = |c: char, live: &mut Vec<usize>| {
        let choices = [
            mapped(c.to_lowercase(), &mut lower),
            mapped(c.to_uppercase(), &mut upper),
        ];
        next.clear();
        for &at in live.iter() {
            for (i, choice) in choices.iter().enumerate() {
                if i == 1 && choices[1] == choices[0] {
                    continue;
                }
                let reached = if backwards {
                    v[..at].ends_with(choice).then(|| at - choice.len())
                } else {
                    v[at..].starts_with(choice).then(|| at + choice.len())
                };
                if let Some(r) = reached.filter(|r| !next.contains(r)) {
                    next.push(r);
                }
            }
        }
        std::mem::swap(live, &mut next);
        !live.is_empty()
    };
    let alive = if backwards {
        pattern.chars().rev().all(|c| step(c, &mut live))
    } else {
        pattern.chars().all(|c| step(c, &mut live))
    };
    alive && (how != Walk::Whole || live.contains(&v.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_choices_of_every_character_have_one_key() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let lower: String = c.to_lowercase().collect();
            let upper: String = c.to_uppercase().collect();
            assert_eq!(key(&lower), key(&upper), "U+{:04X}", c as u32);
            assert_eq!(
                pattern_key(&c.to_string()),
                key(&lower),
                "U+{:04X}",
                c as u32
            );
            assert_eq!(key(&key(&lower)), key(&lower), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn each_pattern_character_matches_its_lower_or_upper_case() {
        let cases: &[(&str, &str, bool)] = &[
            ("abc", "ABC", true),
            ("aBc", "AbC", true),
            ("abc", "abd", false),
            ("abc", "ab", false),
            ("", "", true),
            ("ß", "ß", true),
            ("ß", "SS", true),
            ("ß", "ss", false),
            ("ß", "Ss", false),
            ("ss", "ß", false),
            ("SS", "ß", false),
            ("straße", "STRASSE", true),
            ("STRASSE", "straße", false),
            ("σ", "Σ", true),
            ("Σ", "σ", true),
            ("σ", "ς", false),
            ("ς", "Σ", true),
            ("οδοσ", "ΟΔΟΣ", true),
            ("ΟΔΟΣ", "οδος", false),
            ("k", "\u{212A}", false),
            ("\u{212A}", "k", true),
            ("\u{212A}", "K", false),
            ("\u{212A}", "\u{212A}", true),
            ("ǅ", "ǆ", true),
            ("ǅ", "Ǆ", true),
            ("ǅ", "ǅ", false),
            ("İ", "i\u{307}", true),
            ("İ", "İ", true),
            ("İ", "i", false),
            ("i", "İ", false),
            ("ŉ", "ʼN", true),
            ("é", "É", true),
            ("école", "ÉCOLE", true),
            ("🚀", "🚀", true),
            ("\u{10400}", "\u{10428}", true),
        ];
        for &(pattern, value, want) in cases {
            assert_eq!(equals(value, pattern), want, "{pattern:?} ~ {value:?}");
            if want {
                assert_eq!(key(value), pattern_key(pattern), "{pattern:?} ~ {value:?}");
            }
        }
    }

    #[test]
    fn prefixes_and_suffixes() {
        assert!(starts_with("STRASSE 5", "straße"));
        assert!(!starts_with("STRASE 5", "straße"));
        assert!(starts_with("anything", ""));
        assert!(ends_with("GROSS", "oß"));
        assert!(ends_with("GROß", "oß"));
        assert!(!ends_with("GROss", "oß"));
        assert!(ends_with("x", ""));
        assert!(!ends_with("S", "ß"));
        assert!(starts_with("Ab", "a"));
        assert!(!starts_with("A", "ab"));
        // Two choices of different lengths leave two offsets live.
        assert!(starts_with("SSx", "ßx"));
        assert!(ends_with("xSS", "xß"));
    }
}
