//! One quick read of a document that tells, for the common case, that it is a *plain*
//! JSON object: valid JSON, and no object in it repeats a key or has a key that is empty
//! or holds a dot — what [`crate::Matcher::matches_plain`] asks of an event.
//!
//! The reading takes a subset of JSON and answers `false` for the rest without saying
//! more: keys with a backslash escape, nesting deeper than [`MAX_DEPTH`] and objects of more
//! than [`MAX_KEYS`] keys are not taken, so the work stays linear. A `true` is certain;
//! a `false` means "read it another way". Strings are checked as RFC 8259 has them (no
//! control characters; escapes `\" \\ \/ \b \f \n \r \t \uXXXX`), numbers by its
//! grammar (no leading zeros, digits after a point or exponent), and nothing but
//! whitespace may follow the object.

use crate::json::scan_number;
use crate::swar::{matching, next_string_special, string_specials, word};

/// Deepest nesting taken (the object itself is depth 1).
pub const MAX_DEPTH: usize = 64;

/// Most keys taken in one object.
pub const MAX_KEYS: usize = 64;

/// Whether `text` is certainly a plain JSON object (see the module's documentation).
pub fn is_plain_object(text: &str) -> bool {
    read(text.as_bytes()).is_some()
}

/// An open object or array: for an object, where its keys start in the key list.
#[derive(Clone, Copy)]
enum Frame {
    Object(usize),
    Array,
}

fn read(s: &[u8]) -> Option<()> {
    let mut i = ws(s, 0);
    if s.get(i) != Some(&b'{') {
        return None;
    }
    let mut frames: Vec<Frame> = Vec::with_capacity(8);
    // The keys of the open objects, innermost last, as ranges of `s`.
    let mut keys: Vec<(usize, usize)> = Vec::with_capacity(32);
    loop {
        // At an entry of the innermost object (its key first), an element of the innermost
        // array, or the document's object.
        if let Some(&Frame::Object(from)) = frames.last() {
            if s.get(i) != Some(&b'"') {
                return None;
            }
            let start = i + 1;
            let end = plain_key_end(s, start)?;
            let key = &s[start..end];
            let mine = &keys[from..];
            if mine.len() == MAX_KEYS || mine.iter().any(|&(a, b)| &s[a..b] == key) {
                return None;
            }
            keys.push((start, end));
            i = ws(s, end + 1);
            if s.get(i) != Some(&b':') {
                return None;
            }
            i = ws(s, i + 1);
        }
        match *s.get(i)? {
            open @ (b'{' | b'[') => {
                if frames.len() == MAX_DEPTH {
                    return None;
                }
                frames.push(if open == b'{' {
                    Frame::Object(keys.len())
                } else {
                    Frame::Array
                });
                i = ws(s, i + 1);
                let close = if open == b'{' { b'}' } else { b']' };
                if s.get(i) != Some(&close) {
                    continue;
                }
                // Empty: closed here; `s[i]` (its last byte) ends a value.
                frames.pop();
            }
            b'"' => i = string_end(s, i + 1)? - 1,
            b'-' | b'0'..=b'9' => i = scan_number(s, i)? - 1,
            b't' if s[i..].starts_with(b"true") => i += 3,
            b'f' if s[i..].starts_with(b"false") => i += 4,
            b'n' if s[i..].starts_with(b"null") => i += 3,
            _ => return None,
        }
        // `s[i]` is the last byte of a value: close what it ends, up to the next entry.
        i += 1;
        loop {
            i = ws(s, i);
            let Some(&top) = frames.last() else {
                return (i == s.len()).then_some(());
            };
            match (s.get(i), top) {
                (Some(b','), Frame::Array) => {
                    i = ws(s, i + 1);
                    // A next element that is a number (coordinates, say) is read here.
                    if let Some(b'-' | b'0'..=b'9') = s.get(i) {
                        i = scan_number(s, i)?;
                        continue;
                    }
                    break;
                }
                (Some(b','), Frame::Object(_)) => {
                    i = ws(s, i + 1);
                    break;
                }
                (Some(b'}'), Frame::Object(from)) => {
                    keys.truncate(from);
                    frames.pop();
                    i += 1;
                }
                (Some(b']'), Frame::Array) => {
                    frames.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// The index of the first byte of `s` from `i` that is not JSON whitespace.
#[inline(always)]
fn ws(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = s.get(i) {
        i += 1;
    }
    i
}

/// The index just past the closing quote of the string whose text starts at `i`.
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = next_string_special(s, i);
        match *s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                i += match *s.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' if s.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                    _ => return None,
                };
            }
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// The index of the closing quote of a plain key (not empty, no escape, no dot) whose
/// text starts at `i`.
fn plain_key_end(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j + 8 <= s.len() {
        let found = string_specials(word(s, j)) | matching(word(s, j), b'.');
        if found != 0 {
            j += crate::swar::first(found);
            return (s[j] == b'"' && j > i).then_some(j);
        }
        j += 8;
    }
    let k = s[j..].iter().position(|&b| b == b'"')?;
    let end = j + k;
    let key = &s[i..end];
    let plain = |b: &u8| *b != b'\\' && *b != b'.' && *b >= 0x20;
    (end > i && key.iter().all(plain)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::{is_plain_object, MAX_DEPTH, MAX_KEYS};

    #[test]
    fn takes_plain_objects_only() {
        let yes = [
            r#"{}"#,
            r#" { "a" : 1 } "#,
            "{\"a\":\t[1, -0.5e+3, 0, 1E2, true, false, null, \"x\\n\\u00e9\\/\"]}\n",
            r#"{"a": {"x": 1}, "b": {"x": [{"x": 2}, {"x": 3}]}, "x": {}}"#,
            r#"{"a": [], "b": [[]], "c": [{}], "é": "ü"}"#,
            r#"{"a": "\ud800"}"#,
        ];
        for text in yes {
            assert!(is_plain_object(text), "{text}");
        }
        let no = [
            "",
            "[]",
            r#""{}""#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"b": {"a": 1, "c": 2, "a": 3}}"#,
            r#"{"": 1}"#,
            r#"{"a.b": 1}"#,
            r#"{"\u0061": 1}"#,
            r#"{"a": 1,}"#,
            r#"{"a": [1,]}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1}}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": .5}"#,
            r#"{"a": 1e}"#,
            r#"{"a": -}"#,
            r#"{"a": +1}"#,
            r#"{"a": tru}"#,
            r#"{"a": "\x"}"#,
            r#"{"a": "\u12g4"}"#,
            "{\"a\": \"\t\"}",
            r#"{"a": "x}"#,
            r#"{"a" 1}"#,
            r#"{"a": [1 2]}"#,
            r#"{"a": [1}"#,
            r#"{"a": {]}"#,
            r#"{"a"}"#,
            r#"{1: 2}"#,
            r#"{"a": 1"#,
        ];
        for text in no {
            assert!(!is_plain_object(text), "{text}");
        }
    }

    #[test]
    fn work_stays_bounded() {
        let deep = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(is_plain_object(&deep(MAX_DEPTH)));
        assert!(!is_plain_object(&deep(MAX_DEPTH + 1)));
        let wide = |n: usize| {
            let entries: Vec<String> = (0..n).map(|i| format!("\"k{i}\": {i}")).collect();
            format!("{{{}}}", entries.join(", "))
        };
        assert!(is_plain_object(&wide(MAX_KEYS)));
        assert!(!is_plain_object(&wide(MAX_KEYS + 1)));
    }
}
