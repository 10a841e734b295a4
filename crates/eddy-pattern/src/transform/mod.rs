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
//!   not JSON, EventBridge silently delivers nothing: [`ApplyError::NotJson`]. Otherwise
//!   the text is delivered as produced, with the template's spacing and any trailing
//!   newline; values inserted keep their spelling (numbers) and key order (objects).
//! - Any other template is a string template, delivered as produced, unchecked: values are
//!   inserted as text, and objects and arrays lose their internal quotes
//!   (`{acc_id:0a787ecb-4015,sf_id:baz}`, `[ACTIVE,INACTIVE]`), except
//!   `<aws.events.event>` and `<aws.events.event.json>`, which stay JSON.
//! - A path that matches nothing gives an empty string (`""` where a JSON value is
//!   expected). An `InputPath` that matches nothing delivers nothing.
//! - Paths are the JSONPath subset EventBridge documents: `$`, `.name` (letters, digits,
//!   `-`, `_`, `/`), `[index]`, and the wildcards `.*` and `[*]`, which make the result an
//!   array of every match.

mod path;
mod template;
#[cfg(test)]
mod tests;

use crate::json::{self, write_string, Value};
use path::{compile_path, JsonPath, Notation, Resolved};
use template::{
    envelope_of, render, tokens, write_json_array, Item, Mode, Piece, Predefined, Token, Var,
};

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
            path: compile_path(path, Notation::DotOrBracket)?,
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
            .map(|(_, p)| compile_path(p, Notation::Dot))
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
            render(&item, self.mode(var, in_string), &mut out);
            if out.len() > MAX_OUTPUT_LEN {
                return Err(ApplyError::TooLarge {
                    limit: MAX_OUTPUT_LEN,
                });
            }
        }
        if !self.json {
            return Ok(out);
        }
        // Checked, then delivered as produced: the template's spacing and a trailing
        // newline (one JSON line per event) are kept.
        json::parse(out.as_bytes()).map_err(ApplyError::NotJson)?;
        Ok(out)
    }

    /// How a placeholder's value is written where it stands.
    fn mode(&self, var: &Var, in_string: bool) -> Mode {
        match (self.json, in_string, var) {
            // The whole event stays JSON in a string template too: "its contents are not
            // escaped", and `<aws.events.event>` plus a newline is how users deliver one
            // JSON line per event (to Firehose, say).
            (false, _, Var::Predefined(Predefined::Event | Predefined::EventJson)) => {
                Mode::InString
            }
            (false, _, _) => Mode::Text,
            (true, true, _) => Mode::InString,
            (true, false, _) => Mode::JsonValue,
        }
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
