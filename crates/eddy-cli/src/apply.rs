//! `eddy apply`: converge a running server to a stack file — read the file into a typed
//! desired state, read the current state, print the plan, carry it out step by step.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use eddy_api_model as api;
use serde::Serialize;

use crate::client::{segment, Client};
use crate::queues::queue_path;
use crate::remote::Remote;
use crate::stack::plan::{self, Action, Change, Current, Plan, Step};
use crate::stack::{self, Stack};
use crate::table::{print_json, print_line, Table};
use crate::{Exit, Output};

/// Arguments of `eddy apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    remote: Remote,
    /// The stack file.
    #[arg(long, short = 'f', default_value = "eddy.yaml")]
    file: PathBuf,
    /// Print the plan without changing anything.
    #[arg(long)]
    dry_run: bool,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    /// The stack's name.
    pub stack: String,
    /// Resources created.
    pub created: usize,
    /// Resources updated.
    pub updated: usize,
    /// Resources deleted.
    pub deleted: usize,
    /// Each step applied, in order, e.g. `create queue orders-dlq`.
    pub changes: Vec<String>,
}

impl ApplySummary {
    /// Whether the server already matched the file.
    pub fn no_changes(&self) -> bool {
        self.created + self.updated + self.deleted == 0
    }
}

impl fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.no_changes() {
            write!(f, "stack {}: no changes", self.stack)
        } else {
            write!(
                f,
                "stack {}: {} created, {} updated, {} deleted",
                self.stack, self.created, self.updated, self.deleted
            )
        }
    }
}

/// A failed step, with what had been done before it.
#[derive(Debug, thiserror::Error)]
#[error("step {number} of {total} ({action} {kind} {name}) failed; {done} step(s) before it were applied")]
pub struct StepFailed {
    /// 1-based.
    pub number: usize,
    /// Steps in the plan.
    pub total: usize,
    /// The step's action.
    pub action: Action,
    /// The step's kind.
    pub kind: plan::Kind,
    /// The step's resource.
    pub name: String,
    /// Steps applied before it.
    pub done: usize,
}

/// Reads a stack file. Errors name the file (and for syntax, the line and field). Function
/// code directories come back absolute, relative to the file's directory.
pub fn read_stack(path: &Path) -> anyhow::Result<Stack> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    let mut stack = stack::parse(&path.display().to_string(), &text)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let base = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .map_err(|e| crate::InvalidInput(format!("cannot resolve {}: {e}", dir.display())))?;
    stack.resolve_paths(&base);
    Ok(stack)
}

/// Reads the server's current state: every bus, queue, connection, API destination,
/// function, event source mapping and route, and the rules of every bus.
pub fn read_current(client: &Client) -> Result<Current, crate::client::Error> {
    let buses: api::List<api::Bus> = client.get("/v1/buses")?;
    let queues: api::List<api::Queue> = client.get("/v1/queues")?;
    let connections: api::List<api::Connection> = client.get("/v1/connections")?;
    let api_destinations: api::List<api::ApiDestination> = client.get("/v1/api-destinations")?;
    let mut rules = Vec::new();
    for bus in &buses.items {
        let list: api::List<api::Rule> =
            client.get(&format!("/v1/buses/{}/rules", segment(&bus.name)))?;
        rules.extend(list.items.into_iter().map(|mut r| {
            r.bus.get_or_insert_with(|| bus.name.clone());
            r
        }));
    }
    let functions: api::List<api::Function> = client.get("/v1/functions")?;
    let mappings: api::List<api::Mapping> = client.get("/v1/mappings")?;
    let routes: api::List<api::Route> = client.get("/v1/routes")?;
    Ok(Current {
        buses: buses.items,
        queues: queues.items,
        connections: connections.items,
        api_destinations: api_destinations.items,
        rules,
        functions: functions.items,
        mappings: mappings.items,
        routes: routes.items,
    })
}

/// Carries out one step.
fn run_step(client: &Client, step: &Step) -> Result<(), crate::client::Error> {
    match &step.change {
        Change::CreateConnection(c) => {
            client
                .put::<_, api::Connection>(&format!("/v1/connections/{}", segment(&c.name)), c)?;
        }
        Change::ReplaceConnection(c) => {
            let path = format!("/v1/connections/{}", segment(&c.name));
            client.delete(&path)?;
            client.put::<_, api::Connection>(&path, c)?;
        }
        Change::CreateApiDestination(d) => {
            client.put::<_, api::ApiDestination>(
                &format!("/v1/api-destinations/{}", segment(&d.name)),
                d,
            )?;
        }
        Change::ReplaceApiDestination(d) => {
            let path = format!("/v1/api-destinations/{}", segment(&d.name));
            client.delete(&path)?;
            client.put::<_, api::ApiDestination>(&path, d)?;
        }
        Change::PutQueue(q) => {
            client.put::<_, api::Queue>(&queue_path(&q.name), q)?;
        }
        Change::CreateBus(b) => {
            client.post::<_, api::Bus>("/v1/buses", b)?;
        }
        Change::PutRule(r) => {
            let bus = r.bus.as_deref().unwrap_or("default");
            client.put::<_, api::Rule>(
                &format!("/v1/buses/{}/rules/{}", segment(bus), segment(&r.name)),
                r,
            )?;
        }
        Change::DeleteRule { bus, name } => {
            client.delete(&format!(
                "/v1/buses/{}/rules/{}",
                segment(bus),
                segment(name)
            ))?;
        }
        Change::DeleteBus(name) => client.delete(&format!("/v1/buses/{}", segment(name)))?,
        Change::DeleteQueue(name) => client.delete(&queue_path(name))?,
        Change::PutFunction(f) => {
            client.put::<_, api::Function>(&format!("/v1/functions/{}", segment(&f.name)), f)?;
        }
        Change::DeleteFunction(name) => {
            client.delete(&format!("/v1/functions/{}", segment(name)))?;
        }
        Change::CreateMapping(m) => {
            client.post::<_, api::Mapping>("/v1/mappings", m)?;
        }
        Change::UpdateMapping(m) => {
            client.put::<_, api::Mapping>(&format!("/v1/mappings/{}", segment(&m.id)), m)?;
        }
        Change::DeleteMapping(id) => client.delete(&format!("/v1/mappings/{}", segment(id)))?,
        Change::PutRoute(r) => {
            client.put::<_, api::Route>("/v1/routes", r)?;
        }
        Change::DeleteRoute { method, path } => client.delete(&format!(
            "/v1/routes?method={}&path={}",
            segment(method),
            segment(path)
        ))?,
    }
    Ok(())
}

/// Carries out a plan in order, stopping at the first failed step. `done` is told of each
/// step once it succeeded.
fn execute(
    client: &Client,
    plan: &Plan,
    mut done: impl FnMut(&Step),
) -> anyhow::Result<ApplySummary> {
    let mut summary = ApplySummary {
        stack: plan.stack.clone(),
        ..ApplySummary::default()
    };
    for (i, step) in plan.steps.iter().enumerate() {
        run_step(client, step).map_err(|e| {
            anyhow::Error::new(e).context(StepFailed {
                number: i + 1,
                total: plan.steps.len(),
                action: step.action,
                kind: step.kind,
                name: step.name.clone(),
                done: i,
            })
        })?;
        match step.action {
            Action::Create => summary.created += 1,
            Action::Update => summary.updated += 1,
            Action::Delete => summary.deleted += 1,
        }
        summary
            .changes
            .push(format!("{} {} {}", step.action, step.kind, step.name));
        done(step);
    }
    Ok(summary)
}

/// Converges the server at `endpoint` to the stack file at `path` and says what changed.
/// Blocking; `eddy serve --stack` calls it at start and whenever the file changes.
pub fn apply_file(endpoint: &str, path: &Path) -> anyhow::Result<ApplySummary> {
    let stack = read_stack(path)?;
    let client = Client::new(endpoint);
    let current = read_current(&client).context("reading the server's current state")?;
    let plan = plan::plan(&stack, &current);
    execute(&client, &plan, |_| {})
}

/// A step as `--output json` prints it.
#[derive(Serialize)]
struct StepOut<'a> {
    action: Action,
    kind: plan::Kind,
    name: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ApplyOut<'a> {
    stack: &'a str,
    dry_run: bool,
    steps: Vec<StepOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a ApplySummary>,
}

/// Runs `eddy apply`.
pub fn run(args: ApplyArgs) -> anyhow::Result<Exit> {
    let stack = read_stack(&args.file)?;
    let client = args.remote.client();
    let current = read_current(&client).context("reading the server's current state")?;
    let plan = plan::plan(&stack, &current);
    let output = args.remote.output;
    if output == Output::Table {
        print_plan(&plan)?;
    }
    let summary = if args.dry_run || plan.is_empty() {
        None
    } else {
        Some(execute(&client, &plan, |step| {
            if output == Output::Table {
                eprintln!("{} {} {}: done", step.action, step.kind, step.name);
            }
        })?)
    };
    match output {
        Output::Json => print_json(&ApplyOut {
            stack: &plan.stack,
            dry_run: args.dry_run,
            steps: plan
                .steps
                .iter()
                .map(|s| StepOut {
                    action: s.action,
                    kind: s.kind,
                    name: &s.name,
                    detail: &s.detail,
                })
                .collect(),
            summary: summary.as_ref(),
        })?,
        Output::Table => {
            if let Some(summary) = &summary {
                print_line(&summary.to_string())?;
            } else if args.dry_run && !plan.is_empty() {
                print_line("dry run: nothing was changed")?;
            }
        }
    }
    Ok(Exit::Ok)
}

fn print_plan(plan: &Plan) -> std::io::Result<()> {
    if plan.is_empty() {
        return print_line(&format!("stack {}: no changes", plan.stack));
    }
    let mut table = Table::new(&["ACTION", "KIND", "NAME", "DETAIL"]);
    for s in &plan.steps {
        table.row(vec![
            s.action.to_string(),
            s.kind.to_string(),
            s.name.clone(),
            s.detail.clone(),
        ]);
    }
    table.print()
}
