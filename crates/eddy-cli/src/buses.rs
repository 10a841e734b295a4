//! `eddy buses`: list, describe, create and delete event buses.

use clap::{Args, Subcommand};
use eddy_api_model as api;

use crate::client::segment;
use crate::remote::Remote;
use crate::table::{print_json, Table};
use crate::{Exit, Output};

/// Arguments of `eddy buses`.
#[derive(Debug, Args)]
pub struct BusesArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(subcommand)]
    command: BusesCommand,
}

#[derive(Debug, Subcommand)]
enum BusesCommand {
    /// List the buses.
    List,
    /// Show one bus.
    #[command(alias = "get")]
    Describe {
        /// The bus's name.
        name: String,
    },
    /// Create a bus.
    Create {
        /// The bus's name.
        name: String,
        /// Its description.
        #[arg(long)]
        description: Option<String>,
        /// A tag, KEY=VALUE (repeatable).
        #[arg(long = "tag", value_parser = crate::key_value)]
        tags: Vec<(String, String)>,
    },
    /// Delete a bus and its rules.
    Delete {
        /// The bus's name.
        name: String,
    },
}

/// Runs `eddy buses`.
pub fn run(args: BusesArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let output = args.remote.output;
    match args.command {
        BusesCommand::List => {
            let list: api::List<api::Bus> = client.get("/v1/buses")?;
            print(output, &list.items, &list)?;
        }
        BusesCommand::Describe { name } => {
            let bus: api::Bus = client.get(&format!("/v1/buses/{}", segment(&name)))?;
            print(output, std::slice::from_ref(&bus), &bus)?;
        }
        BusesCommand::Create {
            name,
            description,
            tags,
        } => {
            let bus = api::Bus {
                name,
                description,
                tags: tags.into_iter().collect(),
                ..api::Bus::default()
            };
            let bus: api::Bus = client.post("/v1/buses", &bus)?;
            print(output, std::slice::from_ref(&bus), &bus)?;
        }
        BusesCommand::Delete { name } => {
            client.delete(&format!("/v1/buses/{}", segment(&name)))?;
            crate::deleted(output, "bus", &name)?;
        }
    }
    Ok(Exit::Ok)
}

fn print<T: serde::Serialize>(output: Output, buses: &[api::Bus], json: &T) -> std::io::Result<()> {
    match output {
        Output::Json => print_json(json),
        Output::Table => {
            let mut table = Table::new(&["NAME", "DESCRIPTION", "TAGS", "ARN"]);
            for bus in buses {
                table.row(vec![
                    bus.name.clone(),
                    bus.description.clone().unwrap_or_default(),
                    crate::tags_text(&bus.tags),
                    bus.arn.clone().unwrap_or_default(),
                ]);
            }
            table.print()
        }
    }
}
