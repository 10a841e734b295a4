//! Input transformation: what a rule's target receives instead of the matched event.
//!
//! A [`Transform`] is built once, when the target is created, and checked the way
//! EventBridge `PutTargets` checks `Input`, `InputPath` and `InputTransformer`;
//! [`Transform::apply`] then turns each matched event into the text delivered to the
//! target. The behaviour follows what AWS was observed to do (see the transformer cases in
//! `shared/conformance/eventbridge-patterns`) and what the EventBridge guide documents:
//!
//! - A template whose first non-blank character is `{` or `[` is a JSON template. A
//!   placeholder outside a JSON string becomes the value as JSON (strings get quotes); inside
//!   a string it becomes the value's text, *unescaped* ("EventBridge doesn't escape values
//!   extracted by Input Path"), and an object or array keeps its JSON text. If the result is
//!   not JSON, EventBridge silently delivers nothing: [`ApplyError::NotJson`]. Delivered
//!   JSON is minified; numbers keep their spelling and objects their key order.
//! - Any other template is a string template, delivered as produced, unchecked: values are
//!   inserted as text, and objects and arrays lose their internal quotes
//!   (`{acc_id:0a787ecb-4015,sf_id:baz}`, `[ACTIVE,INACTIVE]`).
//! - A path that matches nothing gives an empty string (`""` where a JSON value is
//!   expected). An `InputPath` that matches nothing delivers nothing.
//! - Paths are the JSONPath subset EventBridge documents: `$`, `.name` (letters, digits,
//!   `-`, `_`, `/`), `[index]`, and the wildcards `.*` and `[*]`, which make the result an
//!   array of every match.

use crate::json::{self, write_string, Value};

/// Longest `InputTemplate` (and constant `Input`), counted in UTF-16 units as AWS counts.
pub const MAX_TEMPLATE_LEN: usize = 8192;
/// Longest `InputPath`, and longest path in `InputPathsMap`.
pub const MAX_PATH_LEN: usize = 256;
/// Most entries in `InputPathsMap`.
pub const MAX_PATHS: usize = 100;
/// Longest key in `InputPathsMap`.
pub const MAX_KEY_LEN: usize = 256;
/// Largest text a template may produce for one event, in bytes. Eddy's own bound (AWS
/// documents none; targets refuse far smaller payloads): it caps the work a template that
/// repeats `<aws.events.event.json>` can cause.
pub const MAX_OUTPUT_LEN: usize = 1 << 20;

/// Values of the predefined placeholders that do not come from the event. The library reads
/// no clock, so the caller passes the ingestion time, already formatted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context<'a> {
    /// `<aws.events.rule-arn>`: the ARN of the rule that matched.
    pub rule_arn: &'a str,
    /// `<aws.events.rule-name>`: the name of that rule.
    pub rule_name: &'a str,
    /// `<aws.events.event.ingestion-time>`: when the bus received the event, as an ISO 8601
    /// timestamp (`2024-06-11T08:33:05Z`).
    pub ingestion_time: &'a str,
}

/// How a target's input is made from a matched event; valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    /// No `Input`, `InputPath` or `InputTransformer`: the target gets the whole event.
    Event,
    /// `Input`: this constant JSON text, whatever the event.
    Input(String),
    /// `InputPath`: the part of the event the path selects, as JSON.
    InputPath(InputPath),
    /// `InputTransformer`: a template filled from the event.
    Template(Template),
}

/// A checked `InputPath`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPath {
    text: String,
    path: JsonPath,
}

/// A checked `InputTransformer`: `InputPathsMap` and `InputTemplate`, split into pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    paths: Vec<(String, String)>,
    compiled: Vec<JsonPath>,
    /// Which paths some placeholder uses: only those are resolved.
    used: Vec<bool>,
    /// Whether some placeholder is `<aws.events.event>`.
    uses_envelope: bool,
    pieces: Vec<Piece>,
    json: bool,
}

/// Why `PutTargets` would refuse a target's input settings, in EventBridge's words. The
/// target id appears where AWS puts it when known (see [`Error::with_target`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field breaks a constraint of the EventBridge API model (length, count, pattern,
    /// required); AWS checks these before anything else.
    #[error("1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}")]
    Constraint {
        /// The field, as AWS names it (`inputTransformer.inputTemplate`).
        field: &'static str,
        /// The broken constraint (`Member must have length less than or equal to 8192`).
        constraint: String,
    },
    /// A field of the target document has the wrong JSON type.
    #[error("Value at '{field}' must be {expected}")]
    Malformed {
        /// The field (`InputTransformer.InputPathsMap`).
        field: &'static str,
        /// What it must be (`an object of strings`).
        expected: &'static str,
    },
    /// More than one of `Input`, `InputPath` and `InputTransformer` is set.
    #[error("Only one of Input, InputPath, or InputTransformer must be provided{}.", for_target(.target))]
    MoreThanOneInput {
        /// The target id, when known.
        target: Option<String>,
    },
    /// `Input` is not JSON.
    #[error("JSON syntax error in input{}: {source}", for_target(.target))]
    InputNotJson {
        /// The target id, when known.
        target: Option<String>,
        /// Where and why the text is not JSON.
        source: json::Error,
    },
    /// `InputPath` or a path in `InputPathsMap` is not a path EventBridge supports.
    #[error("InputPath{} is invalid.", for_target(.target))]
    InvalidPath {
        /// The target id, when known.
        target: Option<String>,
        /// The offending path.
        path: String,
    },
    /// The template names a placeholder that is neither in `InputPathsMap` nor predefined.
    #[error("InputTemplate{} contains invalid placeholder {name}.", for_target(.target))]
    InvalidPlaceholder {
        /// The target id, when known.
        target: Option<String>,
        /// The name between `<` and `>`.
        name: String,
    },
    /// A JSON template (starting with `{` or `[`) is not JSON even with its placeholders
    /// filled, for example a placeholder used as an object key.
    #[error("Invalid InputTemplate{} : {source}", for_target(.target))]
    TemplateNotJson {
        /// The target id, when known.
        target: Option<String>,
        /// Where and why the template is not JSON.
        source: json::Error,
    },
}

fn for_target(target: &Option<String>) -> String {
    match target {
        Some(id) => format!(" for target {id}"),
        None => String::new(),
    }
}

impl Error {
    /// The same error, naming `id` as the target its message is about.
    pub fn with_target(mut self, id: &str) -> Error {
        match &mut self {
            Error::MoreThanOneInput { target }
            | Error::InputNotJson { target, .. }
            | Error::InvalidPath { target, .. }
            | Error::InvalidPlaceholder { target, .. }
            | Error::TemplateNotJson { target, .. } => *target = Some(id.to_owned()),
            Error::Constraint { .. } | Error::Malformed { .. } => {}
        }
        self
    }
}

/// Why an event is not delivered to a target: EventBridge drops it silently, so callers
/// count it as not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// A JSON template produced text that is not JSON for this event (for example an object
    /// placed inside a quoted string, or a string value holding a quote).
    #[error("transformed input is not valid JSON: {0}")]
    NotJson(#[source] json::Error),
    /// The `InputPath` selects nothing in this event.
    #[error("InputPath {path} matches nothing in the event")]
    NoMatch {
        /// The path.
        path: String,
    },
    /// The template produced more than [`MAX_OUTPUT_LEN`] bytes.
    #[error("transformed input is larger than {limit} bytes")]
    TooLarge {
        /// The limit that was passed.
        limit: usize,
    },
}

impl Transform {
    /// A constant `Input`, which must be JSON text of at most [`MAX_TEMPLATE_LEN`].
    pub fn input(text: &str) -> Result<Transform, Error> {
        check_max("input", text, MAX_TEMPLATE_LEN)?;
        json::parse(text.as_bytes()).map_err(|source| Error::InputNotJson {
            target: None,
            source,
        })?;
        Ok(Transform::Input(text.to_owned()))
    }

    /// An `InputPath`, checked as `PutTargets` checks it.
    pub fn input_path(path: &str) -> Result<Transform, Error> {
        check_max("inputPath", path, MAX_PATH_LEN)?;
        Ok(Transform::InputPath(InputPath {
            text: path.to_owned(),
            path: compile_path(path)?,
        }))
    }

    /// An `InputTransformer` from its `InputPathsMap` (a repeated key keeps its last path)
    /// and `InputTemplate`, checked as `PutTargets` checks them.
    pub fn template(paths_map: &[(String, String)], template: &str) -> Result<Transform, Error> {
        let paths = dedup(paths_map);
        check_transformer(&paths, template)?;
        Template::compile(paths, template).map(Transform::Template)
    }

    /// Reads a target document: `{"InputPath": …}`, `{"Input": …}`,
    /// `{"InputTransformer": {"InputPathsMap": {…}, "InputTemplate": …}}`, or the transformer
    /// itself (`{"InputPathsMap": {…}, "InputTemplate": …}`; `InputPathsMap` is optional).
    /// Other fields are ignored, except `Id`, which errors name. A document with none of
    /// these gives [`Transform::Event`].
    pub fn from_target_json(target: &Value) -> Result<Transform, Error> {
        let Value::Object(_) = target else {
            return Err(Error::Malformed {
                field: "Target",
                expected: "an object",
            });
        };
        let result = Transform::from_fields(target);
        match (result, target.get("Id")) {
            (Err(e), Some(Value::String(id))) => Err(e.with_target(id)),
            (result, _) => result,
        }
    }

    fn from_fields(target: &Value) -> Result<Transform, Error> {
        let input = string_field(target, "Input", "Input")?;
        let input_path = string_field(target, "InputPath", "InputPath")?;
        let transformer = match target.get("InputTransformer") {
            None | Some(Value::Null) => None,
            Some(t @ Value::Object(_)) => Some(t),
            Some(_) => {
                return Err(Error::Malformed {
                    field: "InputTransformer",
                    expected: "an object",
                })
            }
        };
        let transformer = transformer.or_else(|| {
            let direct = ["InputTemplate", "InputPathsMap"]
                .iter()
                .any(|k| !matches!(target.get(k), None | Some(Value::Null)));
            direct.then_some(target)
        });
        let transformer = match transformer {
            Some(t) => Some(read_transformer(t)?),
            None => None,
        };
        if let Some(text) = input {
            check_max("input", text, MAX_TEMPLATE_LEN)?;
        }
        if let Some(path) = input_path {
            check_max("inputPath", path, MAX_PATH_LEN)?;
        }
        if let Some((paths, template)) = &transformer {
            check_transformer(paths, template)?;
        }
        let given = usize::from(input.is_some())
            + usize::from(input_path.is_some())
            + usize::from(transformer.is_some());
        if given > 1 {
            return Err(Error::MoreThanOneInput { target: None });
        }
        match (input, input_path, transformer) {
            (Some(text), _, _) => Transform::input(text),
            (_, Some(path), _) => Transform::input_path(path),
            (_, _, Some((paths, template))) => {
                Template::compile(paths, &template).map(Transform::Template)
            }
            _ => Ok(Transform::Event),
        }
    }

    /// The text delivered to the target for `event`, or why nothing is delivered.
    pub fn apply(&self, event: &Value, ctx: &Context<'_>) -> Result<String, ApplyError> {
        match self {
            Transform::Event => Ok(event.to_json()),
            Transform::Input(text) => Ok(text.clone()),
            Transform::InputPath(p) => p.apply(event),
            Transform::Template(t) => t.apply(event, ctx),
        }
    }
}

impl InputPath {
    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn apply(&self, event: &Value) -> Result<String, ApplyError> {
        let mut out = String::new();
        match self.path.resolve(event) {
            Resolved::Missing => {
                return Err(ApplyError::NoMatch {
                    path: self.text.clone(),
                })
            }
            Resolved::One(v) => v.write_json(&mut out),
            Resolved::Many(vs) => write_json_array(&vs, &mut out),
        }
        Ok(out)
    }
}

impl Template {
    /// The `InputTemplate` as written.
    pub fn template(&self) -> &str {
        &self.text
    }

    /// The `InputPathsMap` entries, in the order given.
    pub fn paths(&self) -> impl Iterator<Item = (&str, &str)> {
        self.paths.iter().map(|(k, p)| (k.as_str(), p.as_str()))
    }

    /// Whether this is a JSON template (its first non-blank character is `{` or `[`).
    pub fn is_json(&self) -> bool {
        self.json
    }

    fn compile(paths: Vec<(String, String)>, text: &str) -> Result<Template, Error> {
        let compiled = paths
            .iter()
            .map(|(_, p)| compile_path(p))
            .collect::<Result<Vec<_>, _>>()?;
        let json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
        let mut pieces = Vec::new();
        let mut used = vec![false; paths.len()];
        let mut uses_envelope = false;
        for token in tokens(text, json) {
            match token {
                Token::Text(start, end) => pieces.push(Piece::Text(start, end)),
                Token::Placeholder { name, in_string } => {
                    let var = match paths.iter().position(|(k, _)| k == name) {
                        Some(i) => {
                            if let Some(u) = used.get_mut(i) {
                                *u = true;
                            }
                            Var::Path(i)
                        }
                        None => match Predefined::from_name(name) {
                            Some(p) => Var::Predefined(p),
                            None => {
                                return Err(Error::InvalidPlaceholder {
                                    target: None,
                                    name: name.to_owned(),
                                })
                            }
                        },
                    };
                    uses_envelope |= var == Var::Predefined(Predefined::Event);
                    pieces.push(Piece::Var { var, in_string });
                }
            }
        }
        let template = Template {
            text: text.to_owned(),
            paths,
            compiled,
            used,
            uses_envelope,
            pieces,
            json,
        };
        if json {
            // What PutTargets can check without an event: the template is JSON once every
            // placeholder holds a value. So a placeholder cannot be an object key.
            let mut probe = String::with_capacity(text.len());
            for piece in &template.pieces {
                match piece {
                    Piece::Text(start, end) => probe.push_str(template.slice(*start, *end)),
                    Piece::Var {
                        in_string: false, ..
                    } => probe.push_str("null"),
                    Piece::Var { .. } => {}
                }
            }
            json::parse(probe.as_bytes()).map_err(|source| Error::TemplateNotJson {
                target: None,
                source,
            })?;
        }
        Ok(template)
    }

    fn slice(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn apply(&self, event: &Value, ctx: &Context<'_>) -> Result<String, ApplyError> {
        // Each path is resolved once, and only if a placeholder uses it.
        let resolved: Vec<Resolved<'_>> = self
            .compiled
            .iter()
            .zip(&self.used)
            .map(|(path, &u)| {
                if u {
                    path.resolve(event)
                } else {
                    Resolved::Missing
                }
            })
            .collect();
        let envelope = self.uses_envelope.then(|| envelope_of(event));
        let mut out = String::with_capacity(self.text.len());
        for piece in &self.pieces {
            let (var, in_string) = match piece {
                Piece::Text(start, end) => {
                    out.push_str(self.slice(*start, *end));
                    continue;
                }
                Piece::Var { var, in_string } => (var, *in_string),
            };
            let item = match var {
                Var::Path(i) => resolved.get(*i).map_or(Item::Missing, Item::from),
                Var::Predefined(Predefined::RuleArn) => Item::Str(ctx.rule_arn),
                Var::Predefined(Predefined::RuleName) => Item::Str(ctx.rule_name),
                Var::Predefined(Predefined::IngestionTime) => Item::Str(ctx.ingestion_time),
                Var::Predefined(Predefined::EventJson) => Item::Value(event),
                Var::Predefined(Predefined::Event) => {
                    envelope.as_ref().map_or(Item::Missing, Item::Value)
                }
            };
            render(&item, self.mode(in_string), &mut out);
            if out.len() > MAX_OUTPUT_LEN {
                return Err(ApplyError::TooLarge {
                    limit: MAX_OUTPUT_LEN,
                });
            }
        }
        if !self.json {
            return Ok(out);
        }
        let value = json::parse(out.as_bytes()).map_err(ApplyError::NotJson)?;
        Ok(value.to_json())
    }

    fn mode(&self, in_string: bool) -> Mode {
        match (self.json, in_string) {
            (false, _) => Mode::Text,
            (true, true) => Mode::InString,
            (true, false) => Mode::JsonValue,
        }
    }
}

/// `<aws.events.event>`: the envelope without `detail`, `detail-type` renamed `detailType`,
/// keys in the order AWS was recorded using.
fn envelope_of(event: &Value) -> Value {
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
enum Predefined {
    RuleArn,
    RuleName,
    IngestionTime,
    Event,
    EventJson,
}

impl Predefined {
    fn from_name(name: &str) -> Option<Predefined> {
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
enum Var {
    /// Index into the paths map.
    Path(usize),
    Predefined(Predefined),
}

/// A template split at its placeholders; text pieces are byte ranges of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(usize, usize),
    Var { var: Var, in_string: bool },
}

enum Token<'a> {
    Text(usize, usize),
    Placeholder { name: &'a str, in_string: bool },
}

/// Splits a template at its placeholders: `<` up to the next `>` with no `<` between (AWS:
/// "the characters < and > cannot be escaped"). In a JSON template, also tells whether each
/// placeholder sits inside a string literal of the template.
fn tokens(text: &str, json: bool) -> Vec<Token<'_>> {
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
enum Mode {
    /// A JSON template, outside any string: the value as JSON.
    JsonValue,
    /// A JSON template, inside a string: the value's text, unescaped.
    InString,
    /// A string template: text, objects and arrays without their quotes.
    Text,
}

/// A value to insert.
enum Item<'a> {
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

fn render(item: &Item<'_>, mode: Mode, out: &mut String) {
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

fn write_json_array(vs: &[&Value], out: &mut String) {
    write_list(vs.iter().copied(), out, Value::write_json);
}

/// `[a,b,…]`, each item written by `write`.
fn write_list<'v>(
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
fn write_bare(v: &Value, out: &mut String) {
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

/// A path in the subset EventBridge supports.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonPath {
    steps: Vec<Step>,
    /// Without wildcards a path selects at most one value; with them, an array of all.
    definite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Wildcard,
}

enum Resolved<'a> {
    Missing,
    One(&'a Value),
    Many(Vec<&'a Value>),
}

fn compile_path(text: &str) -> Result<JsonPath, Error> {
    parse_path(text).ok_or_else(|| Error::InvalidPath {
        target: None,
        path: text.to_owned(),
    })
}

fn parse_path(text: &str) -> Option<JsonPath> {
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

impl JsonPath {
    /// Each step visits each node at most once, so the work is bounded by the event's size.
    fn resolve<'a>(&self, root: &'a Value) -> Resolved<'a> {
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

/// Length as AWS counts it: UTF-16 code units.
fn aws_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn check_max(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    if aws_len(value) > max {
        return Err(Error::Constraint {
            field,
            constraint: format!("Member must have length less than or equal to {max}"),
        });
    }
    Ok(())
}

/// The API model's constraints on an `InputTransformer`.
fn check_transformer(paths: &[(String, String)], template: &str) -> Result<(), Error> {
    const MAP: &str = "inputTransformer.inputPathsMap";
    if paths.len() > MAX_PATHS {
        return Err(Error::Constraint {
            field: MAP,
            constraint: format!("Member must have length less than or equal to {MAX_PATHS}"),
        });
    }
    for (key, path) in paths {
        let key_constraint = if key.is_empty() {
            Some("Member must have length greater than or equal to 1".to_owned())
        } else if aws_len(key) > MAX_KEY_LEN {
            Some(format!(
                "Member must have length less than or equal to {MAX_KEY_LEN}"
            ))
        } else if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            // This also refuses the reserved names (`aws.events.rule-arn`, …).
            Some(r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+".to_owned())
        } else {
            None
        };
        if let Some(c) = key_constraint {
            return Err(Error::Constraint {
                field: MAP,
                constraint: format!("Map keys must satisfy constraint: [{c}]"),
            });
        }
        if aws_len(path) > MAX_PATH_LEN {
            return Err(Error::Constraint {
                field: MAP,
                constraint: format!(
                    "Map value must satisfy constraint: [Member must have length less than or equal to {MAX_PATH_LEN}]"
                ),
            });
        }
    }
    if template.is_empty() {
        return Err(Error::Constraint {
            field: "inputTransformer.inputTemplate",
            constraint: "Member must have length greater than or equal to 1".to_owned(),
        });
    }
    check_max("inputTransformer.inputTemplate", template, MAX_TEMPLATE_LEN)
}

/// Map entries with repeated keys collapsed to the last path, in first-seen order.
fn dedup(paths: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(paths.len());
    for (k, p) in paths {
        match out.iter_mut().find(|(seen, _)| seen == k) {
            Some(entry) => entry.1.clone_from(p),
            None => out.push((k.clone(), p.clone())),
        }
    }
    out
}

fn string_field<'a>(
    obj: &'a Value,
    key: &str,
    field: &'static str,
) -> Result<Option<&'a str>, Error> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::Malformed {
            field,
            expected: "a string",
        }),
    }
}

/// `InputPathsMap` and `InputTemplate` of a transformer document.
fn read_transformer(t: &Value) -> Result<(Vec<(String, String)>, String), Error> {
    let template = match string_field(t, "InputTemplate", "InputTransformer.InputTemplate")? {
        Some(s) => s.to_owned(),
        None => {
            return Err(Error::Constraint {
                field: "inputTransformer.inputTemplate",
                constraint: "Member must not be null".to_owned(),
            })
        }
    };
    let mut paths = Vec::new();
    match t.get("InputPathsMap") {
        None | Some(Value::Null) => {}
        Some(Value::Object(entries)) => {
            for (k, v) in entries {
                let Value::String(p) = v else {
                    return Err(Error::Malformed {
                        field: "InputTransformer.InputPathsMap",
                        expected: "an object of strings",
                    });
                };
                paths.push((k.clone(), p.clone()));
            }
        }
        Some(_) => {
            return Err(Error::Malformed {
                field: "InputTransformer.InputPathsMap",
                expected: "an object of strings",
            })
        }
    }
    Ok((dedup(&paths), template))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        json::parse(
            br#"{"version":"0","id":"e1","detail-type":"t","source":"s","account":"1",
                "time":"2024-01-01T00:00:00Z","region":"r","resources":["a","b"],
                "detail":{"n":3.0e2,"neg":-0,"ok":false,"nul":null,"q":"say \"hi\"",
                "items":[{"id":1},{"id":2},{"x":3}],"obj":{"k":"v"},"a/b":"slash"}}"#,
        )
        .expect("test event is JSON")
    }

    fn ctx() -> Context<'static> {
        Context {
            rule_arn: "arn:aws:events:r:1:rule/x",
            rule_name: "x",
            ingestion_time: "2024-01-01T00:00:01Z",
        }
    }

    fn tpl(paths: &[(&str, &str)], template: &str) -> Result<Transform, Error> {
        let paths: Vec<(String, String)> = paths
            .iter()
            .map(|(k, p)| ((*k).to_owned(), (*p).to_owned()))
            .collect();
        Transform::template(&paths, template)
    }

    fn run(paths: &[(&str, &str)], template: &str) -> Result<String, ApplyError> {
        tpl(paths, template)
            .expect("valid template")
            .apply(&event(), &ctx())
    }

    fn path(p: &str) -> Result<String, ApplyError> {
        Transform::input_path(p)
            .expect("valid path")
            .apply(&event(), &ctx())
    }

    #[test]
    fn path_grammar() {
        for ok in [
            "$",
            "$.detail",
            "$.detail.items[0].id",
            "$.resources[*]",
            "$.detail.*",
            "$.detail.a/b",
            "$.detail-type",
            "$.détail_1",
        ] {
            assert!(Transform::input_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "detail", "$.", "$..x", "$['a']", "$.a[-1]", "$.a b", "$[", "$.a[]", "$.*x",
            "$.a[0", "$ ", "$.a.[0]",
        ] {
            let err = Transform::input_path(bad).unwrap_err();
            assert_eq!(err.to_string(), "InputPath is invalid.", "{bad}");
        }
        let long = format!("$.{}", "a".repeat(MAX_PATH_LEN - 1));
        assert!(matches!(
            Transform::input_path(&long),
            Err(Error::Constraint { .. })
        ));
    }

    #[test]
    fn input_path_values_keep_their_spelling() {
        assert!(path("$").unwrap().starts_with(r#"{"version":"0""#));
        assert_eq!(path("$.detail.n").unwrap(), "3.0e2");
        assert_eq!(path("$.detail.neg").unwrap(), "-0");
        assert_eq!(path("$.detail.items[1]").unwrap(), r#"{"id":2}"#);
        assert_eq!(path("$.detail.items[*].id").unwrap(), "[1,2]");
        assert_eq!(path("$.detail.obj.*").unwrap(), r#"["v"]"#);
        assert_eq!(path("$.detail.items[9].id[*]").unwrap(), "[]");
        assert_eq!(path("$.detail.a/b").unwrap(), r#""slash""#);
        assert!(matches!(
            path("$.detail.missing"),
            Err(ApplyError::NoMatch { .. })
        ));
        assert!(matches!(
            path("$.detail.n[0]"),
            Err(ApplyError::NoMatch { .. })
        ));
    }

    #[test]
    fn scalars_in_each_position() {
        let paths = [
            ("n", "$.detail.n"),
            ("ok", "$.detail.ok"),
            ("nul", "$.detail.nul"),
            ("gone", "$.detail.gone"),
        ];
        assert_eq!(
            run(&paths, r#""<n> <ok> <nul> [<gone>]""#).unwrap(),
            r#""3.0e2 false null []""#
        );
        assert_eq!(
            run(&paths, r#"{"a": <n>, "b": <ok>, "c": <nul>, "d": <gone>}"#).unwrap(),
            r#"{"a":3.0e2,"b":false,"c":null,"d":""}"#
        );
        assert_eq!(
            run(&paths, r#"{"s": "<n>/<ok>/<nul>/<gone>"}"#).unwrap(),
            r#"{"s":"3.0e2/false/null/"}"#
        );
        // Unquoted string templates are allowed and delivered as written.
        assert_eq!(run(&paths, "n is <n>").unwrap(), "n is 3.0e2");
    }

    #[test]
    fn strings_are_escaped_as_values_but_not_inside_strings() {
        let paths = [("q", "$.detail.q")];
        assert_eq!(
            run(&paths, r#"{"q": <q>}"#).unwrap(),
            r#"{"q":"say \"hi\""}"#
        );
        // "EventBridge doesn't escape values extracted by Input Path".
        assert!(matches!(
            run(&paths, r#"{"q": "<q>"}"#),
            Err(ApplyError::NotJson(_))
        ));
        assert_eq!(run(&paths, r#""<q>""#).unwrap(), r#""say "hi"""#);
    }

    #[test]
    fn wildcard_results_are_arrays() {
        let paths = [("ids", "$.detail.items[*].id")];
        assert_eq!(
            run(&paths, r#"{"ids": <ids>}"#).unwrap(),
            r#"{"ids":[1,2]}"#
        );
        assert_eq!(run(&paths, r#""<ids>""#).unwrap(), r#""[1,2]""#);
    }

    #[test]
    fn array_templates_are_json() {
        let paths = [("r", "$.resources")];
        let t = tpl(&paths, " [<r>, 1] ").unwrap();
        assert!(matches!(&t, Transform::Template(t) if t.is_json()));
        assert_eq!(t.apply(&event(), &ctx()).unwrap(), r#"[["a","b"],1]"#);
    }

    #[test]
    fn predefined_placeholders() {
        let out = run(
            &[],
            r#"{"arn": <aws.events.rule-arn>, "at": "<aws.events.event.ingestion-time>", "e": <aws.events.event>}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"arn":"arn:aws:events:r:1:rule/x","at":"2024-01-01T00:00:01Z","e":{"id":"e1","account":"1","detailType":"t","time":"2024-01-01T00:00:00Z","source":"s","region":"r","resources":["a","b"],"version":"0"}}"#
        );
        assert_eq!(
            run(&[], r#""<aws.events.rule-name>: <aws.events.event>""#).unwrap(),
            r#""x: {id:e1,account:1,detailType:t,time:2024-01-01T00:00:00Z,source:s,region:r,resources:[a,b],version:0}""#
        );
    }

    #[test]
    fn angle_brackets() {
        // `<` without a closing `>` is text; the innermost `<…>` is the placeholder.
        assert_eq!(run(&[], r#""a < b""#).unwrap(), r#""a < b""#);
        assert_eq!(
            run(&[], r#""<<aws.events.rule-name>>""#).unwrap(),
            r#""<x>""#
        );
        for (template, name) in [(r#""<b>bold</b>""#, "b"), ("<>", ""), ("1 < 2 > 0", " 2 ")] {
            assert_eq!(
                tpl(&[], template).unwrap_err(),
                Error::InvalidPlaceholder {
                    target: None,
                    name: name.to_owned()
                }
            );
        }
    }

    #[test]
    fn template_limits_and_names() {
        let many: Vec<(String, String)> = (0..=MAX_PATHS)
            .map(|i| (format!("k{i}"), "$.id".to_owned()))
            .collect();
        assert!(matches!(
            Transform::template(&many, "\"x\""),
            Err(Error::Constraint { .. })
        ));
        assert!(Transform::template(&many[..MAX_PATHS], "\"<k99>\"").is_ok());
        for key in ["aws.events.event", "a.b", "a b", ""] {
            let err = tpl(&[(key, "$.id")], "\"x\"").unwrap_err();
            assert!(matches!(err, Error::Constraint { .. }), "{key}: {err}");
        }
        let long_key = "k".repeat(MAX_KEY_LEN + 1);
        assert!(tpl(&[(&long_key, "$.id")], "\"x\"").is_err());
        assert!(tpl(&[], "").is_err());
        assert!(tpl(&[], &"x".repeat(MAX_TEMPLATE_LEN)).is_ok());
        assert!(tpl(&[], &"é".repeat(MAX_TEMPLATE_LEN + 1)).is_err());
        assert_eq!(
            tpl(&[("k", "detail")], "\"<k>\"").unwrap_err().to_string(),
            "InputPath is invalid."
        );
        // A repeated key keeps its last path.
        assert_eq!(
            run(&[("k", "$.id"), ("k", "$.source")], "\"<k>\"").unwrap(),
            r#""s""#
        );
    }

    #[test]
    fn json_templates_are_checked_when_created() {
        for bad in [
            r#"{"a": <k>,}"#,
            r#"{<k>: 1}"#,
            r#"{"a": "<k>}"#,
            "[<k> <k>]",
        ] {
            let err = tpl(&[("k", "$.id")], bad).unwrap_err();
            assert!(matches!(err, Error::TemplateNotJson { .. }), "{bad}: {err}");
        }
        assert!(tpl(&[("k", "$.id")], r#"{"<k>": <k>}"#).is_ok());
    }
}
