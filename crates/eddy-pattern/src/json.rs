//! A small JSON reader that keeps what EventBridge cares about and serde_json would lose:
//! the spelling of numbers, the order of keys and repeated keys.
//!
//! Used for patterns, transformer inputs and the reference matcher. The matcher's hot path
//! does not build these values; it scans events directly (see `matcher::scan`).

use std::fmt::Write as _;

/// Deepest nesting accepted by [`parse`]; deeper documents are rejected, not overflowed.
pub const MAX_DEPTH: usize = 128;

/// A JSON value. Numbers keep their text; objects keep key order and repeated keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// The number exactly as written in the document.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: entries in document order, repeated keys kept.
    Object(Vec<(String, Value)>),
}

/// Why a document is not JSON, worded the way Jackson (and so EventBridge) words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Value {
    /// Whether the value is *plain*: no object repeats a key, and no key is empty or holds
    /// a dot, so that every field has one spelling (what `Matcher::matches_plain` needs).
    pub fn is_plain(&self) -> bool {
        match self {
            Value::Object(entries) => entries.iter().enumerate().all(|(i, (k, child))| {
                !k.is_empty()
                    && !k.contains('.')
                    && !entries[..i].iter().any(|(k2, _)| k2 == k)
                    && child.is_plain()
            }),
            Value::Array(items) => items.iter().all(Value::is_plain),
            _ => true,
        }
    }

    /// The value as compact JSON, numbers in their original spelling.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the value as compact JSON.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// Keeps one entry per key in every object, as Jackson (and so EventBridge) reads a
    /// document: the last value, at the place of the first.
    pub fn drop_repeated_keys(&mut self) {
        match self {
            Value::Object(entries) => {
                let mut kept: Vec<(String, Value)> = Vec::with_capacity(entries.len());
                let mut at: std::collections::HashMap<String, usize> =
                    std::collections::HashMap::new();
                for (k, v) in entries.drain(..) {
                    match at.get(&k) {
                        Some(&i) => kept[i].1 = v,
                        None => {
                            at.insert(k.clone(), kept.len());
                            kept.push((k, v));
                        }
                    }
                }
                for (_, v) in &mut kept {
                    v.drop_repeated_keys();
                }
                *entries = kept;
            }
            Value::Array(items) => items.iter_mut().for_each(Value::drop_repeated_keys),
            _ => {}
        }
    }

    /// The value of the last entry named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The JSON type name, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses the JSON document at the start of `text` and ignores whatever follows it, as
/// Jackson (and so EventBridge) does when it reads an event pattern.
pub fn parse_first(text: &[u8]) -> Result<Value, Error> {
    let mut p = Parser { s: text, i: 0 };
    p.ws();
    p.value(0)
}

/// Parses one JSON document (surrounding whitespace allowed, nothing else after it).
pub fn parse(text: &[u8]) -> Result<Value, Error> {
    let mut p = Parser { s: text, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err_token("Unexpected character", "expected end of input"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn error(&self, message: String) -> Error {
        let upto = &self.s[..self.i.min(self.s.len())];
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = upto.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Error {
            message,
            line,
            column,
        }
    }

    fn err_token(&self, what: &str, expecting: &str) -> Error {
        match self.s.get(self.i) {
            None => self.error(format!("Unexpected end-of-input: {expecting}")),
            Some(&b) => {
                let c = char::from(b);
                self.error(format!("{what} ('{c}' (code {b})): {expecting}"))
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth >= MAX_DEPTH {
            return Err(self.error(format!(
                "Document nesting depth exceeds the maximum of {MAX_DEPTH}"
            )));
        }
        match self.s.get(self.i) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.keyword(4, Value::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.keyword(5, Value::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => self.keyword(4, Value::Null),
            None => Err(self.error("Unexpected end-of-input: expected a JSON value".into())),
            Some(_) => Err(self.unrecognized_token()),
        }
    }

    fn keyword(&mut self, len: usize, v: Value) -> Result<Value, Error> {
        self.i += len;
        if let Some(b) = self.s.get(self.i) {
            if b.is_ascii_alphanumeric() || *b == b'_' {
                self.i -= len;
                return Err(self.unrecognized_token());
            }
        }
        Ok(v)
    }

    fn unrecognized_token(&self) -> Error {
        let rest = &self.s[self.i..];
        let end = rest
            .iter()
            .position(|b| {
                matches!(
                    b,
                    b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b']' | b'}' | b'[' | b'{' | b'"'
                )
            })
            .unwrap_or(rest.len());
        let token = String::from_utf8_lossy(&rest[..end.max(1).min(rest.len())]);
        self.error(format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        ))
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        self.i += 1;
        let mut entries = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Object(entries));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err_token(
                    "Unexpected character",
                    "was expecting double-quote to start field name",
                ));
            }
            let key = self.string()?;
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err_token(
                    "Unexpected character",
                    "was expecting a colon to separate field name and value",
                ));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            entries.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(entries));
                }
                _ => {
                    return Err(self.err_token(
                        "Unexpected character",
                        "was expecting comma to separate Object entries",
                    ))
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => {
                    return Err(self.err_token(
                        "Unexpected character",
                        "was expecting comma to separate Array entries",
                    ))
                }
            }
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        match scan_number(self.s, self.i) {
            Some(end) => {
                let text =
                    std::str::from_utf8(&self.s[self.i..end]).expect("number bytes are ASCII");
                self.i = end;
                Ok(Value::Number(text.to_owned()))
            }
            None => Err(self.unrecognized_token()),
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        match decode_string(self.s, self.i) {
            Ok((s, end)) => {
                self.i = end;
                Ok(s)
            }
            Err((at, message)) => {
                self.i = at;
                Err(self.error(message))
            }
        }
    }
}

/// The end of the JSON number starting at `start`, or `None` if the text there is not one.
pub(crate) fn scan_number(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = crate::swar::digit_run_end(s, i + 1),
        _ => return None,
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        let digits = i;
        i = crate::swar::digit_run_end(s, i);
        if i == digits {
            return None;
        }
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        let digits = i;
        while let Some(b'0'..=b'9') = s.get(i) {
            i += 1;
        }
        if i == digits {
            return None;
        }
    }
    match s.get(i) {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_' => None,
        _ => Some(i),
    }
}

/// Jackson's message for a control character found unescaped in a string.
fn ctrl_char(code: u8) -> String {
    format!("Illegal unquoted character ((CTRL-CHAR, code {code})): has to be escaped using backslash to be included in string value")
}

/// Decodes the JSON string whose opening quote is at `start`; returns it and the index after
/// the closing quote, or the error position and message (an unterminated string, a bad
/// escape, an unescaped control character, or text that is not UTF-8).
pub(crate) fn decode_string(s: &[u8], start: usize) -> Result<(String, usize), (usize, String)> {
    let mut i = start + 1;
    let mut out: Vec<u8> = Vec::new();
    loop {
        let i0 = i.min(s.len());
        let j = crate::swar::next_string_special(s, i0);
        out.extend_from_slice(&s[i0..j]);
        match s.get(j) {
            None => {
                return Err((
                    s.len(),
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                        .into(),
                ))
            }
            Some(b'"') => {
                i = j + 1;
                break;
            }
            // A control character must be escaped (RFC 8259; Jackson, which EventBridge
            // reads JSON with, refuses it unescaped, and so does serde_json).
            Some(&c) if c < 0x20 => return Err((j, ctrl_char(c))),
            _ => {
                let Some(&e) = s.get(j + 1) else {
                    return Err((
                        j,
                        "Unexpected end-of-input in character escape sequence".into(),
                    ));
                };
                i = j + 2;
                let simple = match e {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    continue;
                }
                if e != b'u' {
                    return Err((
                        j,
                        format!(
                            "Unrecognized character escape '{}' (code {e})",
                            char::from(e)
                        ),
                    ));
                }
                let hi = hex4(s, i).ok_or((
                    i,
                    "Unexpected character in Unicode escape: expected a hex-digit".to_string(),
                ))?;
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    let lo = (s.get(i) == Some(&b'\\') && s.get(i + 1) == Some(&b'u'))
                        .then(|| hex4(s, i + 2))
                        .flatten()
                        .filter(|lo| (0xDC00..0xE000).contains(lo));
                    match lo {
                        Some(lo) => {
                            i += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        None => 0xFFFD,
                    }
                } else if (0xDC00..0xE000).contains(&hi) {
                    0xFFFD
                } else {
                    hi
                };
                let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    match String::from_utf8(out) {
        Ok(text) => Ok((text, i)),
        // Escapes decode to whole characters, so the bad sequence is in the raw text.
        Err(_) => Err(bad_utf8(s, start + 1, i - 1)),
    }
}

/// Where and how the raw string text `s[from..to]` is not UTF-8, in Jackson's words (as
/// EventBridge reads JSON): a byte that cannot start a character, or one that cannot
/// continue the character begun before it (the closing quote, if the text ends first).
fn bad_utf8(s: &[u8], from: usize, to: usize) -> (usize, String) {
    let raw = &s[from..to];
    let Err(e) = std::str::from_utf8(raw) else {
        return (to, "Invalid UTF-8".into());
    };
    let at = from + e.valid_up_to();
    let lead = s[at];
    if !(0xC2..=0xF4).contains(&lead) {
        return (at, format!("Invalid UTF-8 start byte 0x{lead:x}"));
    }
    let middle = at + e.error_len().unwrap_or(to - at);
    (
        middle,
        format!(
            "Invalid UTF-8 middle byte 0x{:x}",
            s.get(middle).copied().unwrap_or(b'"')
        ),
    )
}

fn hex4(s: &[u8], i: usize) -> Option<u32> {
    let h = s.get(i..i + 4)?;
    let mut v = 0u32;
    for &b in h {
        v = v * 16 + char::from(b).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_number_text_and_repeated_keys() {
        let v =
            parse(br#"{"a": 3.0e2, "a": [1, -0.5], "s": "x\u00e9\ud83d\ude80"}"#).expect("valid");
        assert_eq!(v.to_json(), r#"{"a":3.0e2,"a":[1,-0.5],"s":"xé🚀"}"#);
    }

    #[test]
    fn errors_in_jackson_words() {
        let e = parse(b"this is valid json but not a dict").unwrap_err();
        assert!(e.message.starts_with("Unrecognized token 'this'"), "{e}");
        let e = parse(b"{'bad': 'quotation'}").unwrap_err();
        assert!(
            e.message
                .starts_with("Unexpected character (''' (code 39)): was expecting double-quote"),
            "{e}"
        );
        assert!(parse(b"[1,]").is_err());
        assert!(parse(b"01").is_err());
        assert!(parse(b"{} x").is_err());
    }

    /// Every control character must be escaped in a string, as Jackson and RFC 8259 have
    /// it (a newline was the only one refused before); escaped, each is taken.
    #[test]
    fn control_characters_in_strings_must_be_escaped() {
        for code in (0u8..0x20).chain([0x7f]) {
            let raw = [&b"{\"k\": \"a"[..], &[code], b"b\"}"].concat();
            let got = parse(&raw);
            if code == 0x7f {
                assert!(got.is_ok(), "DEL needs no escape");
                continue;
            }
            let e = got.expect_err("unescaped control character");
            assert_eq!(
                e.message,
                format!("Illegal unquoted character ((CTRL-CHAR, code {code})): has to be escaped using backslash to be included in string value")
            );
            assert_eq!((e.line, e.column), (1, 9), "{code}");
            let unterminated = [&b"{\"k\": \"a"[..], &[code]].concat();
            assert!(parse(&unterminated)
                .unwrap_err()
                .message
                .contains("CTRL-CHAR"));
        }
        let escaped = parse(br#"{"k": "a\tb\r\u0001"}"#).expect("escaped");
        assert_eq!(escaped.to_json(), r#"{"k":"a\tb\r\u0001"}"#);
    }

    /// JSON text is UTF-8 (RFC 8259); Jackson, which EventBridge reads JSON with, refuses
    /// a bad sequence in a string and says which byte is wrong.
    #[test]
    fn strings_that_are_not_utf8_are_refused() {
        for (raw, message, column) in [
            (
                &b"{\"k\": \"a\xffb\"}"[..],
                "Invalid UTF-8 start byte 0xff",
                9,
            ),
            (b"{\"k\": \"\xbf\"}", "Invalid UTF-8 start byte 0xbf", 8),
            (b"{\"k\": \"\xc3A\"}", "Invalid UTF-8 middle byte 0x41", 9),
            (
                b"{\"k\": \"\\n\xe2\x82A\"}",
                "Invalid UTF-8 middle byte 0x41",
                12,
            ),
            (b"{\"k\": \"\xc3\"}", "Invalid UTF-8 middle byte 0x22", 9),
            (b"{\"\xff\": 1}", "Invalid UTF-8 start byte 0xff", 3),
        ] {
            let e = parse(raw).expect_err("not UTF-8");
            assert_eq!(
                (e.message.as_str(), e.column),
                (message, column),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        let v = parse("{\"k\": \"é\\u00e9\"}".as_bytes()).expect("UTF-8");
        assert_eq!(v.to_json(), r#"{"k":"éé"}"#);
    }

    #[test]
    fn depth_is_capped() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
