//! Eddy's engine: the behaviour behind every front door. Buses and rules route events to
//! targets ([`bus`]); queues keep SQS semantics with durable messages and long polling
//! ([`queues`]); every change is persisted through the [`writer`], which folds concurrent
//! requests into one commit of the store.
//!
//! The engine keeps its working state in memory and the store is the source of truth: at
//! start it reads everything back; a producer's request is answered only after its changes
//! are committed. It knows no HTTP, wire JSON or SQL: the server translates protocols into
//! the calls here, and `eddy-store` backends hold the SQL.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bus;
pub mod clock;
pub mod delivery;
pub mod destinations;
pub mod detail;
mod encoding;
pub mod error;
pub mod functions;
pub mod mappings;
mod moves;
pub mod queues;
pub mod resources;
pub mod routes;
pub mod writer;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use eddy_model::arn::Scope;
use eddy_model::limits::Limits;
use eddy_model::names::{BusName, QueueName};
use eddy_store::Store;

pub use clock::{Clock, SystemClock};
pub use error::{Error, Kind};

use bus::Bus;
use queues::QueueCell;
use writer::Writer;

/// What the engine is configured with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The account and region in ARNs.
    pub scope: Scope,
    /// Limits on producers.
    pub limits: Limits,
    /// How functions run.
    pub functions: FunctionsConfig,
}

/// Settings for functions.
#[derive(Debug, Clone)]
pub struct FunctionsConfig {
    /// Where uploaded code is unpacked (none: only code directories can be used).
    pub code_dir: Option<std::path::PathBuf>,
    /// Instances a function may have when it reserves no concurrency.
    pub max_instances: u32,
    /// The most concurrency a function may reserve.
    pub account_concurrency: u32,
    /// Seconds an instance idles before it is stopped, unless the function says.
    pub idle_timeout_s: u32,
    /// The wait before the first retry of a failed asynchronous invocation (Lambda: one
    /// minute; the second waits twice as long).
    pub retry_delay_ms: u64,
}

impl Default for FunctionsConfig {
    fn default() -> Self {
        FunctionsConfig {
            code_dir: None,
            max_instances: 32,
            account_concurrency: 1000,
            idle_timeout_s: 300,
            retry_delay_ms: 60_000,
        }
    }
}

/// The resources in memory.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) buses: BTreeMap<BusName, Bus>,
    pub(crate) queues: BTreeMap<QueueName, Arc<QueueCell>>,
    pub(crate) connections: BTreeMap<String, destinations::ConnectionDef>,
    pub(crate) destinations: BTreeMap<String, destinations::ApiDestinationDef>,
    pub(crate) functions: BTreeMap<String, functions::FunctionDef>,
    pub(crate) mappings: BTreeMap<String, mappings::MappingDef>,
    pub(crate) routes: BTreeMap<String, routes::RouteDef>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) writer: Writer,
    registry: RwLock<Registry>,
    pub(crate) http: Option<Arc<dyn delivery::HttpClient>>,
    pub(crate) limiters: delivery::Limiters,
    next_delivery: std::sync::atomic::AtomicU64,
    /// Deliveries read back at start, scheduled when the background work starts.
    resumed: std::sync::Mutex<Vec<delivery::Delivery>>,
    /// Message move tasks, recent first kept per source.
    pub(crate) moves: std::sync::Mutex<Vec<queues::MoveTask>>,
    /// Runs function instances, once attached.
    pub(crate) host: std::sync::OnceLock<Arc<dyn functions::FunctionHost>>,
    /// Where SDK calls inside functions go.
    pub(crate) endpoint_url: std::sync::OnceLock<String>,
    /// Pollers of event source mappings.
    pub(crate) pollers: mappings::Pollers,
    /// Digests of functions' code directories.
    pub(crate) fingerprints: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

/// The engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

/// The engine's writer thread; join it after the last [`Engine`] handle is dropped to be
/// sure everything submitted is committed.
pub struct WriterThread(std::thread::JoinHandle<()>);

impl WriterThread {
    /// Waits for the writer to commit what it was given and stop.
    pub fn join(self) {
        if self.0.join().is_err() {
            tracing::error!("writer thread panicked");
        }
    }
}

impl Engine {
    /// Reads the store back and starts the engine on it. `http` makes the calls to HTTP
    /// targets (none: such deliveries fail).
    pub fn open(
        config: Config,
        mut store: Box<dyn Store>,
        clock: Arc<dyn Clock>,
        http: Option<Arc<dyn delivery::HttpClient>>,
    ) -> Result<(Engine, WriterThread), Error> {
        let mut snapshot = store.load().map_err(|err| {
            tracing::error!(error = %err, "cannot read the store");
            Error::new(Kind::Internal, format!("cannot read the store: {err}"))
        })?;
        let now = clock.now_ms();
        let mut resumed = Vec::new();
        let mut last_delivery = 0;
        for stored in std::mem::take(&mut snapshot.deliveries) {
            last_delivery = last_delivery.max(stored.id);
            match serde_json::from_slice::<delivery::Delivery>(&stored.body) {
                Ok(mut d) => {
                    d.id = stored.id;
                    d.due_at = stored.due_at;
                    resumed.push(d);
                }
                Err(err) => {
                    tracing::error!(error = %err, delivery = stored.id, "stored delivery is unreadable");
                    return Err(Error::new(
                        Kind::Internal,
                        format!("stored delivery {} is unreadable: {err}", stored.id),
                    ));
                }
            }
        }
        let registry = Registry::restore(&config, snapshot, now)?;
        let (writer, thread) = Writer::start(store).map_err(|err| {
            tracing::error!(error = %err, "cannot start the writer thread");
            Error::internal()
        })?;
        let engine = Engine {
            inner: Arc::new(Inner {
                config,
                clock,
                writer,
                registry: RwLock::new(registry),
                http,
                limiters: delivery::Limiters::default(),
                next_delivery: std::sync::atomic::AtomicU64::new(last_delivery.max(now) + 1),
                resumed: std::sync::Mutex::new(resumed),
                moves: std::sync::Mutex::new(Vec::new()),
                host: std::sync::OnceLock::new(),
                endpoint_url: std::sync::OnceLock::new(),
                pollers: mappings::Pollers::default(),
                fingerprints: std::sync::Mutex::default(),
            }),
        };
        engine.ensure_default_bus();
        Ok((engine, WriterThread(thread)))
    }

    /// The configured account and region.
    pub fn scope(&self) -> &Scope {
        &self.inner.config.scope
    }

    /// The configured limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.config.limits
    }

    pub(crate) fn now(&self) -> u64 {
        self.inner.clock.now_ms()
    }

    /// A new delivery id: unique and increasing, also across restarts (they start above
    /// both the largest stored id and the clock in ms).
    pub(crate) fn delivery_id(&self) -> u64 {
        self.inner
            .next_delivery
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Registry> {
        self.inner
            .registry
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Registry> {
        self.inner
            .registry
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the background work (timers of queues, retention); it stops when `shutdown`
    /// changes or every engine handle is gone.
    pub fn spawn_background(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let resumed = std::mem::take(
            &mut *self
                .inner
                .resumed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        self.resume_deliveries(resumed);
        let weak = Arc::downgrade(&self.inner);
        let mut shutdown = shutdown;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => return,
                }
                let Some(inner) = weak.upgrade() else { return };
                Engine { inner }.housekeeping();
            }
        })
    }
}

impl Registry {
    fn restore(
        config: &Config,
        snapshot: eddy_store::Snapshot,
        now: u64,
    ) -> Result<Registry, Error> {
        let mut registry = Registry::default();
        let mut rules = Vec::new();
        for (kind, key, body) in snapshot.resources {
            let corrupt = |err: serde_json::Error| {
                tracing::error!(error = %err, key, "stored resource is unreadable");
                Error::new(
                    Kind::Internal,
                    format!("stored resource {key} is unreadable: {err}"),
                )
            };
            match kind {
                eddy_store::ResourceKind::Bus => {
                    let def: resources::BusDef = serde_json::from_slice(&body).map_err(corrupt)?;
                    let name = BusName::parse(&def.name, "Name")?;
                    registry.buses.insert(name, Bus::new(def));
                }
                eddy_store::ResourceKind::Rule => {
                    rules.push(
                        serde_json::from_slice::<resources::RuleDef>(&body).map_err(corrupt)?,
                    );
                }
                eddy_store::ResourceKind::Queue => {
                    let def: resources::QueueDef =
                        serde_json::from_slice(&body).map_err(corrupt)?;
                    let cell = QueueCell::from_def(&config.scope, def)?;
                    registry.queues.insert(cell.name.clone(), Arc::new(cell));
                }
                eddy_store::ResourceKind::ApiDestination => {
                    let def: destinations::ApiDestinationDef =
                        serde_json::from_slice(&body).map_err(corrupt)?;
                    registry.destinations.insert(def.name.clone(), def);
                }
                eddy_store::ResourceKind::Connection => {
                    let def: destinations::ConnectionDef =
                        serde_json::from_slice(&body).map_err(corrupt)?;
                    registry.connections.insert(def.name.clone(), def);
                }
                eddy_store::ResourceKind::Function => {
                    registry.restore_function(&body).map_err(corrupt)?;
                }
                eddy_store::ResourceKind::EventSourceMapping => {
                    registry.restore_mapping(&body).map_err(corrupt)?;
                }
                eddy_store::ResourceKind::Route => {
                    registry.restore_route(&body).map_err(corrupt)?;
                }
            }
        }
        for def in rules {
            let bus = BusName::parse(&def.bus, "EventBusName")?;
            if let Some(bus) = registry.buses.get_mut(&bus) {
                bus.restore_rule(def)?;
            }
        }
        let mut messages: BTreeMap<String, Vec<eddy_queue::StoredMessage>> = BTreeMap::new();
        for stored in snapshot.messages {
            match queues::decode_message(&stored) {
                Ok(message) => messages.entry(stored.queue).or_default().push(message),
                Err(err) => {
                    tracing::error!(error = %err, queue = stored.queue, seq = stored.seq, "stored message is unreadable");
                    return Err(Error::new(
                        Kind::Internal,
                        format!("stored message is unreadable: {err}"),
                    ));
                }
            }
        }
        for (queue, list) in messages {
            let Ok(name) = QueueName::parse(&queue) else {
                continue;
            };
            if let Some(cell) = registry.queues.get(&name) {
                cell.lock().restore(list, now);
            }
        }
        Ok(registry)
    }
}
