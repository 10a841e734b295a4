//! Templates split at their placeholders, and how each inserted value is written.

use super::*;

/// `<aws.events.event>`: the envelope without `detail`, `detail-type` renamed `detailType`,
/// keys in the order AWS was recorded using.
pub(super) fn envelope_of(event: &Value) -> Value {
    const ORDER: [&str; 8] = [
        "id",
        "account",
        "detail-type",
        "time",
        "source",
        "region",
        "resources",
        "version",
    ];
    let Value::Object(entries) = event else {
        return event.clone();
    };
    let rename = |k: &str| if k == "detail-type" { "detailType" } else { k }.to_owned();
    let mut out: Vec<(String, Value)> = ORDER
        .iter()
        .filter_map(|k| event.get(k).map(|v| (rename(k), v.clone())))
        .collect();
    for (k, v) in entries {
        if k != "detail" && !ORDER.contains(&k.as_str()) {
            out.push((rename(k), v.clone()));
        }
    }
    Value::Object(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Predefined {
    RuleArn,
    RuleName,
    IngestionTime,
    Event,
    EventJson,
}

impl Predefined {
    pub(super) fn from_name(name: &str) -> Option<Predefined> {
        Some(match name {
            "aws.events.rule-arn" => Predefined::RuleArn,
            "aws.events.rule-name" => Predefined::RuleName,
            "aws.events.event.ingestion-time" => Predefined::IngestionTime,
            "aws.events.event" => Predefined::Event,
            "aws.events.event.json" => Predefined::EventJson,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Var {
    /// Index into the paths map.
    Path(usize),
    Predefined(Predefined),
}

/// A template split at its placeholders; text pieces are byte ranges of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(usize, usize),
    Var { var: Var, in_string: bool },
}

pub(super) enum Token<'a> {
    Text(usize, usize),
    Placeholder { name: &'a str, in_string: bool },
}

/// Splits a template at its placeholders: `<` up to the next `>` with no `<` between (AWS:
/// "the characters < and > cannot be escaped"). In a JSON template, also tells whether each
/// placeholder sits inside a string literal of the template.
pub(super) fn tokens(text: &str, json: bool) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut text_start) = (0, 0);
    let (mut in_string, mut escaped) = (false, false);
    while let Some(&c) = bytes.get(i) {
        if c == b'<' {
            let rest = bytes.get(i + 1..).unwrap_or_default();
            if let Some(len) =
                memchr::memchr2(b'<', b'>', rest).filter(|&n| rest.get(n) == Some(&b'>'))
            {
                if text_start < i {
                    out.push(Token::Text(text_start, i));
                }
                let name = text.get(i + 1..i + 1 + len).unwrap_or_default();
                out.push(Token::Placeholder {
                    name,
                    in_string: json && in_string,
                });
                i += len + 2;
                text_start = i;
                escaped = false;
                continue;
            }
        }
        if json {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
                _ => {}
            }
        }
        i += 1;
    }
    if text_start < bytes.len() {
        out.push(Token::Text(text_start, bytes.len()));
    }
    out
}

/// Where a value is inserted, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A JSON template, outside any string: the value as JSON.
    JsonValue,
    /// A JSON template, inside a string: the value's text, unescaped.
    InString,
    /// A string template: text, objects and arrays without their quotes.
    Text,
}

/// A value to insert.
pub(super) enum Item<'a> {
    Missing,
    Str(&'a str),
    Value(&'a Value),
    Many(&'a [&'a Value]),
}

impl<'a> From<&'a Resolved<'a>> for Item<'a> {
    fn from(r: &'a Resolved<'a>) -> Item<'a> {
        match r {
            Resolved::Missing => Item::Missing,
            Resolved::One(v) => Item::Value(v),
            Resolved::Many(vs) => Item::Many(vs),
        }
    }
}

pub(super) fn render(item: &Item<'_>, mode: Mode, out: &mut String) {
    match (item, mode) {
        (Item::Missing, Mode::JsonValue) => out.push_str("\"\""),
        (Item::Missing, _) => {}
        (Item::Str(s), Mode::JsonValue) => write_string(s, out),
        (Item::Str(s), _) => out.push_str(s),
        (Item::Value(Value::String(s)), Mode::InString | Mode::Text) => out.push_str(s),
        (Item::Value(v), Mode::JsonValue | Mode::InString) => v.write_json(out),
        (Item::Value(v), Mode::Text) => write_bare(v, out),
        (Item::Many(vs), Mode::JsonValue | Mode::InString) => write_json_array(vs, out),
        (Item::Many(vs), Mode::Text) => write_list(vs.iter().copied(), out, write_bare),
    }
}

pub(super) fn write_json_array(vs: &[&Value], out: &mut String) {
    write_list(vs.iter().copied(), out, Value::write_json);
}

/// `[a,b,…]`, each item written by `write`.
pub(super) fn write_list<'v>(
    items: impl Iterator<Item = &'v Value>,
    out: &mut String,
    write: fn(&Value, &mut String),
) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(item, out);
    }
    out.push(']');
}

/// Compact JSON without the quotes around strings and keys, as a string template shows an
/// object or array.
pub(super) fn write_bare(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => write_list(items.iter(), out, write_bare),
        Value::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push(':');
                write_bare(item, out);
            }
            out.push('}');
        }
        other => other.write_json(out),
    }
}
