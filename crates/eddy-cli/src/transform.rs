//! `eddy transform`: what a rule target would receive for an event, through its
//! `InputPath` or `InputTransformer`.

use std::io::Write;

use clap::Args;
use eddy_pattern::json;
use eddy_pattern::transform::{Context, Transform};

use crate::{input, Exit};

/// Arguments of `eddy transform`.
#[derive(Debug, Args)]
pub struct TransformArgs {
    /// The target's input settings as JSON text or @FILE: {"InputPath": "$.detail"},
    /// {"InputTransformer": {"InputPathsMap": {...}, "InputTemplate": "..."}}, or the
    /// InputTransformer object itself.
    #[arg(long)]
    input_transformer: String,
    /// The event: JSON text, or @FILE.
    #[arg(long)]
    event: String,
    /// Value of <aws.events.rule-arn>.
    #[arg(
        long,
        default_value = "arn:aws:events:us-east-1:000000000000:rule/test-rule"
    )]
    rule_arn: String,
    /// Value of <aws.events.rule-name>.
    #[arg(long, default_value = "test-rule")]
    rule_name: String,
    /// Value of <aws.events.event.ingestion-time> (default: now, as 2026-01-01T00:00:00Z).
    #[arg(long)]
    ingestion_time: Option<String>,
}

/// Runs `eddy transform`.
pub fn transform(args: TransformArgs) -> anyhow::Result<Exit> {
    let settings = input::document(&args.input_transformer)?;
    let settings = match json::parse(&settings) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("ValidationException: the input transformer is not JSON: {e}");
            return Ok(Exit::Invalid);
        }
    };
    let transform = match Transform::from_target_json(&settings) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ValidationException: {e}");
            return Ok(Exit::Invalid);
        }
    };
    let event = match json::parse(&input::document(&args.event)?) {
        Ok(ev @ json::Value::Object(_)) => ev,
        Ok(other) => {
            eprintln!(
                "ValidationException: the event is a JSON {}, not an object",
                other.kind()
            );
            return Ok(Exit::Invalid);
        }
        Err(e) => {
            eprintln!("ValidationException: the event is not JSON: {e}");
            return Ok(Exit::Invalid);
        }
    };
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let ctx = Context {
        rule_arn: &args.rule_arn,
        rule_name: &args.rule_name,
        ingestion_time: args.ingestion_time.as_deref().unwrap_or(&now),
    };
    match transform.apply(&event, &ctx) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            // One line at least; a template's own trailing newline is not doubled.
            if !text.ends_with('\n') {
                out.write_all(b"\n")?;
            }
            Ok(Exit::Ok)
        }
        Err(e) => {
            eprintln!("not delivered: {e}");
            Ok(Exit::Failed)
        }
    }
}
