//! `eddy rules`: list, describe and delete the rules of a bus (rules are created and
//! changed through stack files: `eddy apply`).

use clap::{Args, Subcommand};
use eddy_api_model as api;

use crate::client::segment;
use crate::remote::Remote;
use crate::table::{print_json, shorten, Table};
use crate::{Exit, Output};

/// Arguments of `eddy rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    remote: Remote,
    /// The bus the rules are on.
    #[arg(long, default_value = "default", global = true)]
    bus: String,
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules of a bus.
    List,
    /// Show one rule with its targets.
    #[command(alias = "get")]
    Describe {
        /// The rule's name.
        name: String,
    },
    /// Delete a rule and its targets.
    Delete {
        /// The rule's name.
        name: String,
    },
}

/// Runs `eddy rules`.
pub fn run(args: RulesArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let output = args.remote.output;
    let bus = segment(&args.bus);
    match args.command {
        RulesCommand::List => {
            let list: api::List<api::Rule> = client.get(&format!("/v1/buses/{bus}/rules"))?;
            match output {
                Output::Json => print_json(&list)?,
                Output::Table => rules_table(&list.items).print()?,
            }
        }
        RulesCommand::Describe { name } => {
            let rule: api::Rule =
                client.get(&format!("/v1/buses/{bus}/rules/{}", segment(&name)))?;
            match output {
                Output::Json => print_json(&rule)?,
                Output::Table => {
                    rules_table(std::slice::from_ref(&rule)).print()?;
                    let targets = rule.targets.as_deref().unwrap_or_default();
                    if !targets.is_empty() {
                        crate::table::print_line("")?;
                        targets_table(targets).print()?;
                    }
                }
            }
        }
        RulesCommand::Delete { name } => {
            client.delete(&format!("/v1/buses/{bus}/rules/{}", segment(&name)))?;
            crate::deleted(output, "rule", &name)?;
        }
    }
    Ok(Exit::Ok)
}

fn rules_table(rules: &[api::Rule]) -> Table {
    let mut table = Table::new(&["NAME", "BUS", "STATE", "TARGETS", "PATTERN"]);
    for rule in rules {
        let targets = rule
            .targets
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        table.row(vec![
            rule.name.clone(),
            rule.bus.clone().unwrap_or_default(),
            rule.state.clone().unwrap_or_default(),
            targets,
            rule.pattern
                .as_ref()
                .map(|p| shorten(&compact(p), 80))
                .unwrap_or_default(),
        ]);
    }
    table
}

fn targets_table(targets: &[api::Target]) -> Table {
    let mut table = Table::new(&["TARGET", "DESTINATION", "INPUT", "DEAD-LETTER-QUEUE"]);
    for t in targets {
        table.row(vec![
            t.id.clone(),
            destination(t),
            input(t),
            t.dead_letter_queue.clone().unwrap_or_default(),
        ]);
    }
    table
}

/// Where a target delivers, as `kind:name`.
pub fn destination(t: &api::Target) -> String {
    if let Some(q) = &t.queue {
        format!("queue:{q}")
    } else if let Some(b) = &t.bus {
        format!("bus:{b}")
    } else if let Some(d) = &t.api_destination {
        format!("api-destination:{d}")
    } else if let Some(f) = &t.function {
        format!("function:{f}")
    } else {
        t.arn.clone().unwrap_or_default()
    }
}

fn input(t: &api::Target) -> String {
    if let Some(i) = &t.input {
        format!("input {}", shorten(i, 40))
    } else if let Some(p) = &t.input_path {
        format!("input-path {p}")
    } else if let Some(x) = &t.input_transformer {
        format!("transformer {}", shorten(&x.template, 40))
    } else {
        "event".to_owned()
    }
}

/// A JSON value on one line; a string holding JSON text is shown as that text.
fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
