//! `eddy test-event-pattern`: one pattern against one event, or a batch as JSON lines.

use std::io::{BufRead, BufWriter, Write};

use clap::Args;
use eddy_pattern::json::{self, Value};
use eddy_pattern::test_event::{self, Error as TestError};
use eddy_pattern::{Matcher, Pattern};

use crate::{input, Exit, Output};

/// Arguments of `eddy test-event-pattern`.
#[derive(Debug, Args)]
pub struct TestEventPatternArgs {
    /// The event pattern: JSON text, or @FILE.
    #[arg(long, required_unless_present = "jsonl")]
    event_pattern: Option<String>,
    /// The event: JSON text, or @FILE. It must carry the envelope fields
    /// (id, account, source, time, region, detail-type), as TestEventPattern requires.
    #[arg(long, required_unless_present = "jsonl")]
    event: Option<String>,
    /// Batch mode: read {"pattern": P, "event": E} per line on stdin, write one verdict per
    /// line: match, no-match, invalid-pattern: MESSAGE or invalid-event: MESSAGE. P and E
    /// are JSON values, or JSON strings holding the raw document text.
    #[arg(long, conflicts_with_all = ["event_pattern", "event"])]
    jsonl: bool,
    /// Output format of the single-case form.
    #[arg(long, value_enum, default_value_t)]
    output: Output,
}

/// Runs `eddy test-event-pattern`.
pub fn test_event_pattern(args: TestEventPatternArgs) -> anyhow::Result<Exit> {
    if args.jsonl {
        return batch();
    }
    let pattern = input::document(args.event_pattern.as_deref().unwrap_or_default())?;
    let event = input::document(args.event.as_deref().unwrap_or_default())?;
    match test_event::test_event_pattern(&pattern, &event) {
        Ok(result) => {
            let mut out = std::io::stdout().lock();
            match args.output {
                Output::Table => writeln!(out, "{result}")?,
                Output::Json => writeln!(out, "{{\"Result\":{result}}}")?,
            }
            Ok(Exit::Ok)
        }
        Err(e @ TestError::InvalidPattern(_)) => {
            eprintln!("InvalidEventPatternException: {e}");
            Ok(Exit::Invalid)
        }
        Err(e @ TestError::InvalidEvent(_)) => {
            eprintln!("ValidationException: {e}");
            Ok(Exit::Invalid)
        }
    }
}

/// The batch form: one verdict line per input line, in order.
fn batch() -> anyhow::Result<Exit> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut cache = PatternCache::default();
    for line in stdin.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        let verdict = verdict(line, &mut cache);
        out.write_all(verdict.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(Exit::Ok)
}

/// Compiled patterns of recent lines, keyed by pattern text: batches often repeat one.
#[derive(Default)]
struct PatternCache {
    entries: std::collections::HashMap<Vec<u8>, Result<Matcher<()>, String>>,
}

impl PatternCache {
    const MAX: usize = 1024;

    fn get(&mut self, text: Vec<u8>) -> &Result<Matcher<()>, String> {
        if self.entries.len() >= Self::MAX && !self.entries.contains_key(&text) {
            self.entries.clear();
        }
        self.entries.entry(text).or_insert_with_key(|text| {
            let p = Pattern::parse(text).map_err(|e| e.to_string())?;
            let mut m = Matcher::new();
            m.add_pattern((), p).map_err(|e| e.to_string())?;
            Ok(m)
        })
    }
}

/// A case value: a JSON string is raw document text, any other value is the document.
fn document(v: &Value) -> Vec<u8> {
    match v {
        Value::String(raw) => raw.as_bytes().to_vec(),
        other => other.to_json().into_bytes(),
    }
}

fn verdict(line: &[u8], cache: &mut PatternCache) -> String {
    let case = match json::parse(line) {
        Ok(c @ Value::Object(_)) => c,
        Ok(other) => {
            return format!(
                "invalid-input: the line is a JSON {}, not an object",
                other.kind()
            )
        }
        Err(e) => return format!("invalid-input: the line is not JSON: {e}"),
    };
    let (Some(p), Some(e)) = (case.get("pattern"), case.get("event")) else {
        return "invalid-input: the line needs \"pattern\" and \"event\"".into();
    };
    let matcher = match cache.get(document(p)) {
        Ok(m) => m,
        Err(msg) => return format!("invalid-pattern: {msg}"),
    };
    let event = document(e);
    match json::parse(&event) {
        Ok(Value::Object(_)) => {}
        Ok(other) => {
            return format!(
                "invalid-event: the event is a JSON {}, not an object",
                other.kind()
            )
        }
        Err(err) => return format!("invalid-event: the event is not JSON: {err}"),
    }
    match matcher.has_match(&event) {
        Ok(true) => "match".into(),
        Ok(false) => "no-match".into(),
        Err(err) => format!("invalid-event: {err}"),
    }
}
