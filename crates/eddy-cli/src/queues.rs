//! `eddy queues`: list, describe, create and delete queues; send, receive and purge
//! messages; move messages out of a dead-letter queue.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use eddy_api_model as api;

use crate::client::{segment, Client};
use crate::remote::Remote;
use crate::table::{print_json, shorten, Table};
use crate::{input, Exit, InvalidInput, Output};

/// Arguments of `eddy queues`.
#[derive(Debug, Args)]
pub struct QueuesArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(subcommand)]
    command: QueuesCommand,
}

#[derive(Debug, Subcommand)]
enum QueuesCommand {
    /// List the queues with their message counts.
    List,
    /// Show a queue's attributes and tags.
    #[command(alias = "get")]
    Describe {
        /// The queue's name.
        name: String,
    },
    /// Create a queue (a name ending in `.fifo` makes a FIFO queue), or set the given
    /// attributes and tags of an existing one.
    Create {
        /// The queue's name.
        name: String,
        /// An SQS attribute, e.g. VisibilityTimeout=30 (repeatable).
        #[arg(long = "attribute", value_parser = crate::key_value)]
        attributes: Vec<(String, String)>,
        /// A tag, KEY=VALUE (repeatable).
        #[arg(long = "tag", value_parser = crate::key_value)]
        tags: Vec<(String, String)>,
    },
    /// Delete a queue and its messages.
    Delete {
        /// The queue's name.
        name: String,
    },
    /// Send one message.
    Send {
        /// The queue's name.
        name: String,
        /// The body: text, or @FILE (@- for stdin).
        body: String,
        /// FIFO: the message group.
        #[arg(long)]
        group_id: Option<String>,
        /// FIFO: the deduplication id.
        #[arg(long)]
        dedup_id: Option<String>,
        /// Delay in seconds, 0–900.
        #[arg(long)]
        delay: Option<u32>,
        /// A string message attribute, NAME=VALUE (repeatable).
        #[arg(long = "attribute", value_parser = crate::key_value)]
        attributes: Vec<(String, String)>,
    },
    /// Receive messages (and optionally delete them).
    Receive {
        /// The queue's name.
        name: String,
        /// Most messages, 1–10.
        #[arg(long, default_value_t = 1)]
        max: u32,
        /// Long poll: wait up to this many seconds (0–20) for a message.
        #[arg(long, default_value_t = 0)]
        wait: u32,
        /// Visibility timeout in seconds for the messages received.
        #[arg(long)]
        visibility_timeout: Option<u32>,
        /// Delete the messages once received.
        #[arg(long)]
        delete: bool,
    },
    /// Delete every message in the queue.
    Purge {
        /// The queue's name.
        name: String,
    },
    /// Move the messages of a dead-letter queue back to the queues they came from, or to
    /// another queue.
    Redrive {
        /// The dead-letter queue's name.
        name: String,
        /// Move them to this queue instead.
        #[arg(long)]
        to: Option<String>,
        /// Most messages moved per second.
        #[arg(long)]
        max_per_second: Option<u32>,
    },
    /// List the redrive tasks of a dead-letter queue.
    RedriveTasks {
        /// The dead-letter queue's name.
        name: String,
    },
}

/// Runs `eddy queues`.
pub fn run(args: QueuesArgs) -> anyhow::Result<Exit> {
    let client = args.remote.client();
    let output = args.remote.output;
    match args.command {
        QueuesCommand::List => {
            let list: api::List<api::Queue> = client.get("/v1/queues")?;
            match output {
                Output::Json => print_json(&list)?,
                Output::Table => queues_table(&list.items).print()?,
            }
        }
        QueuesCommand::Describe { name } => {
            let queue: api::Queue = client.get(&queue_path(&name))?;
            print_queue(output, &queue)?;
        }
        QueuesCommand::Create {
            name,
            attributes,
            tags,
        } => {
            let mut attributes: BTreeMap<String, String> = attributes.into_iter().collect();
            if name.ends_with(".fifo") {
                attributes
                    .entry("FifoQueue".into())
                    .or_insert_with(|| "true".into());
            }
            let queue = api::Queue {
                name: name.clone(),
                attributes,
                tags: tags.into_iter().collect(),
                ..api::Queue::default()
            };
            let queue: api::Queue = client.put(&queue_path(&name), &queue)?;
            print_queue(output, &queue)?;
        }
        QueuesCommand::Delete { name } => {
            client.delete(&queue_path(&name))?;
            crate::deleted(output, "queue", &name)?;
        }
        QueuesCommand::Send {
            name,
            body,
            group_id,
            dedup_id,
            delay,
            attributes,
        } => {
            let body = String::from_utf8(input::document(&body)?)
                .map_err(|_| InvalidInput("the message body is not UTF-8 text".into()))?;
            let request = api::SendMessages {
                messages: vec![api::SendMessage {
                    body,
                    attributes: attributes.into_iter().collect(),
                    delay_seconds: delay,
                    group_id,
                    deduplication_id: dedup_id,
                }],
            };
            let results: api::List<api::SendResult> =
                client.post(&format!("{}/messages", queue_path(&name)), &request)?;
            return print_sent(output, &results.items);
        }
        QueuesCommand::Receive {
            name,
            max,
            wait,
            visibility_timeout,
            delete,
        } => {
            let messages = receive(
                &client,
                &name,
                &api::Receive {
                    max_messages: Some(max),
                    wait_seconds: Some(wait),
                    visibility_timeout,
                },
            )?;
            if delete {
                for m in &messages {
                    delete_message(&client, &name, &m.receipt_handle)?;
                }
            }
            match output {
                Output::Json => print_json(&messages)?,
                Output::Table => {
                    let mut table = Table::new(&["MESSAGE-ID", "RECEIVES", "BODY"]);
                    for m in &messages {
                        table.row(vec![
                            m.message_id.clone(),
                            m.attributes
                                .get("ApproximateReceiveCount")
                                .cloned()
                                .unwrap_or_default(),
                            shorten(&m.body, 100),
                        ]);
                    }
                    if table.is_empty() {
                        eprintln!("no messages");
                    } else {
                        table.print()?;
                    }
                }
            }
        }
        QueuesCommand::Purge { name } => {
            client.post_empty(&format!("{}/purge", queue_path(&name)))?;
            match output {
                Output::Json => print_json(&serde_json::json!({ "purged": name }))?,
                Output::Table => crate::table::print_line(&format!("purged queue {name}"))?,
            }
        }
        QueuesCommand::Redrive {
            name,
            to,
            max_per_second,
        } => {
            let task: api::MoveTask = client.post(
                &format!("{}/redrive", queue_path(&name)),
                &api::Redrive {
                    destination: to,
                    max_per_second,
                },
            )?;
            print_tasks(output, std::slice::from_ref(&task), &task)?;
        }
        QueuesCommand::RedriveTasks { name } => {
            let tasks: api::List<api::MoveTask> =
                client.get(&format!("{}/redrive", queue_path(&name)))?;
            print_tasks(output, &tasks.items, &tasks)?;
        }
    }
    Ok(Exit::Ok)
}

/// `/v1/queues/{name}`.
pub fn queue_path(name: &str) -> String {
    format!("/v1/queues/{}", segment(name))
}

/// Receives messages from a queue.
pub fn receive(
    client: &Client,
    queue: &str,
    request: &api::Receive,
) -> Result<Vec<api::Message>, crate::client::Error> {
    let list: api::List<api::Message> =
        client.post(&format!("{}/receive", queue_path(queue)), request)?;
    Ok(list.items)
}

/// Deletes a received message.
pub fn delete_message(
    client: &Client,
    queue: &str,
    receipt_handle: &str,
) -> Result<(), crate::client::Error> {
    client.delete(&format!(
        "{}/messages/{}",
        queue_path(queue),
        segment(receipt_handle)
    ))
}

fn queues_table(queues: &[api::Queue]) -> Table {
    let mut table = Table::new(&["NAME", "MESSAGES", "IN-FLIGHT", "DELAYED", "TAGS"]);
    for q in queues {
        let attr = |k: &str| q.attributes.get(k).cloned().unwrap_or_default();
        table.row(vec![
            q.name.clone(),
            attr("ApproximateNumberOfMessages"),
            attr("ApproximateNumberOfMessagesNotVisible"),
            attr("ApproximateNumberOfMessagesDelayed"),
            crate::tags_text(&q.tags),
        ]);
    }
    table
}

fn print_queue(output: Output, queue: &api::Queue) -> std::io::Result<()> {
    match output {
        Output::Json => print_json(queue),
        Output::Table => {
            let mut table = Table::new(&["ATTRIBUTE", "VALUE"]);
            table.row(vec!["Name".into(), queue.name.clone()]);
            for (k, v) in &queue.attributes {
                table.row(vec![k.clone(), v.clone()]);
            }
            let tags: BTreeMap<_, _> = queue.tags.iter().collect();
            for (k, v) in tags {
                table.row(vec![format!("tag:{k}"), v.clone()]);
            }
            table.print()
        }
    }
}

fn print_sent(output: Output, results: &[api::SendResult]) -> anyhow::Result<Exit> {
    let failed: Vec<&api::ErrorDetail> = results.iter().filter_map(|r| r.error.as_ref()).collect();
    match output {
        Output::Json => print_json(results)?,
        Output::Table => {
            for r in results {
                if let Some(id) = &r.message_id {
                    crate::table::print_line(id)?;
                }
            }
        }
    }
    for e in &failed {
        eprintln!("error: {}: {}", e.code, e.message);
    }
    Ok(if failed.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

fn print_tasks<T: serde::Serialize>(
    output: Output,
    tasks: &[api::MoveTask],
    json: &T,
) -> std::io::Result<()> {
    match output {
        Output::Json => print_json(json),
        Output::Table => {
            let mut table = Table::new(&["HANDLE", "STATUS", "MOVED", "TO-MOVE"]);
            for t in tasks {
                table.row(vec![
                    t.handle.clone(),
                    t.status.clone(),
                    t.moved.to_string(),
                    t.to_move.to_string(),
                ]);
            }
            table.print()
        }
    }
}
