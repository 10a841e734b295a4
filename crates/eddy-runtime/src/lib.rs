//! Eddy's function host: runs instances of functions as ordinary processes that speak the
//! AWS Lambda Runtime API, so existing Lambda handlers and runtime clients (awslambdaric,
//! the `lambda_runtime` crate, custom `bootstrap` executables) run unchanged.
//!
//! - Each instance is a process in its own process group with the Lambda environment and
//!   its own Runtime API listener on loopback ([`api`]); one invocation at a time.
//! - A function's instances form a pool: an idle instance is reused (the most recently
//!   used first, it is the warmest), a new one starts when none is idle and the function
//!   is below its instance limit, and beyond it callers are throttled or wait their turn.
//! - An instance that times out is killed (`Sandbox.Timedout`), one that dies is replaced
//!   (`Runtime.ExitError`), one idle longer than the function's idle time is stopped
//!   (scale to zero, down to its minimum of warm instances).
//! - stdout and stderr are read line by line into the log store, tagged with the request
//!   in flight, between START / END / REPORT lines.
//!
//! The engine decides what to invoke and when; this crate only runs processes.

#![forbid(unsafe_code)]

mod api;
mod instance;
mod logs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use eddy_model::function::{FunctionSpec, Invocation, InvokeFailure, LogRecord, Outcome};
use tokio::sync::{broadcast, Notify};

use crate::instance::{Init, Instance, StartFailure};
use crate::logs::Logs;

const PYTHON_BOOTSTRAP: &str = include_str!("bootstrap/python.py");
const NODE_BOOTSTRAP: &str = include_str!("bootstrap/node.js");

/// How the host is set up.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// A directory of the host's own (the built-in bootstraps are written here).
    pub work_dir: PathBuf,
    /// The Python interpreter for `python3` functions; found on PATH when `None`.
    pub python: Option<PathBuf>,
    /// The Node.js interpreter for `nodejs` functions; found on PATH when `None`.
    pub node: Option<PathBuf>,
    /// Log lines kept in memory per function.
    pub log_lines_in_memory: usize,
}

impl HostConfig {
    /// The defaults, with the host's files under `work_dir`.
    pub fn new(work_dir: impl Into<PathBuf>) -> HostConfig {
        HostConfig {
            work_dir: work_dir.into(),
            python: None,
            node: None,
            log_lines_in_memory: 10_000,
        }
    }
}

/// An interpreter the host found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// The executable.
    pub path: PathBuf,
    /// Its version, as it reports it.
    pub version: String,
}

/// What a function's instances are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FunctionStatus {
    /// Processes alive, those still in their init included (an instance whose process
    /// is not yet spawned is counted only in `starting`).
    pub instances: u32,
    /// Running an invocation.
    pub busy: u32,
    /// Being spawned or in their init.
    pub starting: u32,
}

/// What instances are started with.
pub(crate) struct Runtimes {
    /// (python3, nodejs), found in the background at start (a probe runs each interpreter
    /// once, which takes tens of ms) or on first use, whichever is first.
    found: Arc<std::sync::OnceLock<Found>>,
    config: HostConfig,
    pub(crate) dir: PathBuf,
    pub(crate) python_bootstrap: PathBuf,
    pub(crate) node_bootstrap: PathBuf,
    pub(crate) path: String,
    pub(crate) home: Option<String>,
}

/// The function host. Cheap to clone; every clone is the same host.
#[derive(Clone)]
pub struct Host {
    inner: Arc<Inner>,
}

struct Inner {
    runtimes: Runtimes,
    pools: Mutex<HashMap<String, Pool>>,
    logs: Arc<Logs>,
}

/// The instances of one function.
struct Pool {
    spec: Arc<FunctionSpec>,
    /// Idle instances of the current revision, the most recently used last.
    idle: Vec<(Arc<Instance>, Instant)>,
    busy: u32,
    starting: u32,
    /// Every live process, by instance id.
    live: HashMap<String, Arc<Instance>>,
    /// Woken whenever an instance is freed or the limit changes.
    freed: Arc<Notify>,
}

impl Pool {
    fn new(spec: FunctionSpec) -> Pool {
        Pool {
            spec: Arc::new(spec),
            idle: Vec::new(),
            busy: 0,
            starting: 0,
            live: HashMap::new(),
            freed: Arc::new(Notify::new()),
        }
    }

    /// Instances counted against the limit.
    fn used(&self) -> u32 {
        u32::try_from(self.idle.len()).unwrap_or(u32::MAX) + self.busy + self.starting
    }
}

/// What `acquire` got.
enum Lease {
    Warm(Arc<Instance>),
    Cold(Arc<FunctionSpec>),
}

impl Host {
    /// Sets up the host: writes the built-in bootstraps under the work directory and
    /// looks for the interpreters. Call inside a Tokio runtime (it starts the task that
    /// stops idle instances).
    pub fn new(config: HostConfig) -> std::io::Result<Host> {
        // Instances run in their code directories: every path they are given is absolute.
        let dir = std::path::absolute(config.work_dir.join("bootstrap"))?;
        std::fs::create_dir_all(&dir)?;
        let python_bootstrap = dir.join("eddy_python_bootstrap.py");
        let node_bootstrap = dir.join("eddy_node_bootstrap.js");
        write_if_changed(&python_bootstrap, PYTHON_BOOTSTRAP)?;
        write_if_changed(&node_bootstrap, NODE_BOOTSTRAP)?;
        let found = Arc::new(std::sync::OnceLock::new());
        {
            let (found, config) = (found.clone(), config.clone());
            std::thread::spawn(move || {
                let found = found.get_or_init(|| find_interpreters(&config));
                tracing::info!(
                    python3 = describe(found.python.as_ref()),
                    nodejs = describe(found.node.as_ref()),
                    "function runtimes"
                );
            });
        }
        let runtimes = Runtimes {
            found,
            config: config.clone(),
            dir,
            python_bootstrap,
            node_bootstrap,
            path: std::env::var("PATH")
                .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned()),
            home: std::env::var("HOME").ok(),
        };
        let host = Host {
            inner: Arc::new(Inner {
                runtimes,
                pools: Mutex::new(HashMap::new()),
                logs: Arc::new(Logs::new(config.log_lines_in_memory)),
            }),
        };
        tokio::spawn(keep_pools(Arc::downgrade(&host.inner)));
        Ok(host)
    }

    /// The interpreters found: (python3, nodejs). Waits for the search if it is still
    /// under way.
    pub fn interpreters(&self) -> (Option<&Interpreter>, Option<&Interpreter>) {
        let found = self.inner.runtimes.found();
        (found.python.as_ref(), found.node.as_ref())
    }

    /// Creates or replaces a function. Idle instances of an older revision stop now, busy
    /// ones after their invocation.
    pub fn deploy(&self, spec: FunctionSpec) {
        let mut stopped = Vec::new();
        {
            let mut pools = self.pools();
            let pool = pools
                .entry(spec.name.clone())
                .or_insert_with(|| Pool::new(spec.clone()));
            if pool.spec.revision != spec.revision {
                for (instance, _) in pool.idle.drain(..) {
                    pool.live.remove(&instance.id);
                    stopped.push(instance);
                }
            }
            pool.spec = Arc::new(spec);
            pool.freed.notify_waiters();
        }
        for instance in stopped {
            instance.kill();
        }
    }

    /// Stops every instance of a function and forgets it.
    pub fn remove(&self, name: &str) {
        let pool = self.pools().remove(name);
        if let Some(pool) = pool {
            for instance in pool.live.values() {
                instance.kill();
            }
            pool.freed.notify_waiters();
        }
        self.inner.logs.forget(name);
    }

    /// Runs one invocation. When every instance the function may have is busy it waits
    /// for one if `wait`, else fails with [`InvokeFailure::Throttled`].
    pub async fn invoke(
        &self,
        name: &str,
        invocation: Invocation,
        wait: bool,
    ) -> Result<Outcome, InvokeFailure> {
        match self.acquire(name, wait).await? {
            Lease::Warm(instance) => {
                let ran = instance.run(invocation, None).await;
                self.release(name, &instance, ran.healthy);
                Ok(ran.outcome)
            }
            Lease::Cold(spec) => {
                let instance = match self.start(spec.clone()).await {
                    Ok(instance) => instance,
                    Err(failure) => {
                        self.start_failed(name);
                        return match failure {
                            StartFailure::Unavailable(message) => {
                                Err(InvokeFailure::Unavailable(message))
                            }
                            StartFailure::Entrypoint(message) => Ok(failed(
                                &invocation.request_id,
                                "Runtime.InvalidEntrypoint",
                                &message,
                                String::new(),
                            )),
                        };
                    }
                };
                match instance.init().await {
                    Init::Ready { duration_ms } => {
                        self.started(name, &instance, true);
                        let ran = instance.run(invocation, Some(duration_ms)).await;
                        self.release(name, &instance, ran.healthy);
                        Ok(ran.outcome)
                    }
                    Init::Failed {
                        error_type,
                        payload,
                        log,
                    } => {
                        self.started(name, &instance, false);
                        let mut outcome = failed(&invocation.request_id, &error_type, "", log);
                        outcome.payload = payload;
                        Ok(outcome)
                    }
                }
            }
        }
    }

    /// Log lines of a function numbered after `after_seq`, oldest first.
    pub fn logs(&self, name: &str, after_seq: u64, limit: usize) -> Vec<LogRecord> {
        self.inner.logs.read(name, after_seq, limit)
    }

    /// Every log line from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LogRecord> {
        self.inner.logs.subscribe()
    }

    /// What a function's instances are doing; `None` if the host has no such function.
    pub fn status(&self, name: &str) -> Option<FunctionStatus> {
        let pools = self.pools();
        let pool = pools.get(name)?;
        Some(FunctionStatus {
            instances: u32::try_from(pool.live.len()).unwrap_or(u32::MAX),
            busy: pool.busy,
            starting: pool.starting,
        })
    }

    /// Stops every instance and waits (up to a few seconds) for the processes to go.
    pub async fn shutdown(&self) {
        let all: Vec<Arc<Instance>> = {
            let mut pools = self.pools();
            let all = pools
                .values()
                .flat_map(|pool| pool.live.values().cloned())
                .collect();
            pools.clear();
            all
        };
        for instance in &all {
            instance.kill();
        }
        for instance in &all {
            instance.wait_exit(Duration::from_secs(3)).await;
        }
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pool>> {
        self.inner.pools()
    }

    async fn acquire(&self, name: &str, wait: bool) -> Result<Lease, InvokeFailure> {
        loop {
            let freed = {
                let mut pools = self.pools();
                let pool = pools.get_mut(name).ok_or(InvokeFailure::NotFound)?;
                while let Some((instance, _)) = pool.idle.pop() {
                    if instance.has_exited() {
                        pool.live.remove(&instance.id);
                        continue;
                    }
                    pool.busy += 1;
                    return Ok(Lease::Warm(instance));
                }
                if pool.used() < pool.spec.max_instances {
                    pool.starting += 1;
                    return Ok(Lease::Cold(pool.spec.clone()));
                }
                if !wait {
                    return Err(InvokeFailure::Throttled);
                }
                // Registered before the lock is let go: no wake-up is missed.
                pool.freed.clone().notified_owned()
            };
            freed.await;
        }
    }

    async fn start(&self, spec: Arc<FunctionSpec>) -> Result<Arc<Instance>, StartFailure> {
        let weak = Arc::downgrade(&self.inner);
        let name = spec.name.clone();
        let instance = Instance::start(
            spec,
            &self.inner.runtimes,
            self.inner.logs.clone(),
            move |id| {
                if let Some(inner) = weak.upgrade() {
                    inner.exited(&name, &id);
                }
            },
        )
        .await?;
        let mut pools = self.pools();
        match pools.get_mut(&instance.function) {
            Some(pool) => {
                pool.live.insert(instance.id.clone(), instance.clone());
            }
            None => instance.kill(),
        }
        Ok(instance)
    }

    /// A start failed before there was a process.
    fn start_failed(&self, name: &str) {
        let mut pools = self.pools();
        if let Some(pool) = pools.get_mut(name) {
            pool.starting = pool.starting.saturating_sub(1);
            pool.freed.notify_waiters();
        }
    }

    /// An instance finished its init: it becomes busy with the invocation that started
    /// it, or (failed) is gone.
    fn started(&self, name: &str, instance: &Arc<Instance>, ok: bool) {
        let mut pools = self.pools();
        let Some(pool) = pools.get_mut(name) else {
            instance.kill();
            return;
        };
        pool.starting = pool.starting.saturating_sub(1);
        if ok {
            pool.busy += 1;
            if !instance.has_exited() {
                pool.live.insert(instance.id.clone(), instance.clone());
            }
        } else {
            pool.live.remove(&instance.id);
            instance.kill();
            pool.freed.notify_waiters();
        }
    }

    /// An invocation ended: the instance goes back to the idle ones, or is stopped when
    /// it is unhealthy or of an older revision.
    fn release(&self, name: &str, instance: &Arc<Instance>, healthy: bool) {
        let mut pools = self.pools();
        let Some(pool) = pools.get_mut(name) else {
            instance.kill();
            return;
        };
        pool.busy = pool.busy.saturating_sub(1);
        if healthy && !instance.has_exited() && instance.revision == pool.spec.revision {
            pool.idle.push((instance.clone(), Instant::now()));
        } else {
            pool.live.remove(&instance.id);
            instance.kill();
        }
        pool.freed.notify_waiters();
    }
}

impl Inner {
    fn pools(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pool>> {
        self.pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A process exited (crashed, was killed or stopped).
    fn exited(&self, name: &str, id: &str) {
        let mut pools = self.pools();
        if let Some(pool) = pools.get_mut(name) {
            pool.idle.retain(|(instance, _)| instance.id != id);
            pool.live.remove(id);
            pool.freed.notify_waiters();
        }
    }
}

/// An outcome for an invocation that failed before any handler ran.
fn failed(request_id: &str, error_type: &str, message: &str, log: String) -> Outcome {
    let message = format!("RequestId: {request_id} Error: {message}");
    Outcome {
        payload: api::error_doc(error_type, &message),
        error_type: Some(error_type.to_owned()),
        log,
        duration_ms: 0.0,
        init_duration_ms: None,
    }
}

/// Every 100 ms: stops instances idle longer than their function allows (keeping the
/// minimum of warm ones) and starts instances up to that minimum.
async fn keep_pools(inner: Weak<Inner>) {
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let mut stopped = Vec::new();
        let mut warm_up = Vec::new();
        {
            let mut pools = strong.pools();
            for pool in pools.values_mut() {
                let idle_for = Duration::from_millis(pool.spec.idle_ms);
                let min_warm = pool.spec.min_warm as usize;
                let mut keep = pool.live.len();
                pool.idle.retain(|(instance, since)| {
                    if keep > min_warm && since.elapsed() >= idle_for {
                        keep -= 1;
                        stopped.push(instance.clone());
                        false
                    } else {
                        true
                    }
                });
                for instance in &stopped {
                    pool.live.remove(&instance.id);
                }
                let have = pool.live.len() + pool.starting as usize;
                if have < min_warm && pool.used() < pool.spec.max_instances {
                    pool.starting += 1;
                    warm_up.push(pool.spec.clone());
                }
            }
        }
        for instance in stopped {
            instance.kill();
        }
        let host = Host { inner: strong };
        for spec in warm_up {
            let host = host.clone();
            tokio::spawn(async move {
                let name = spec.name.clone();
                match host.start(spec).await {
                    Err(_) => host.start_failed(&name),
                    Ok(instance) => {
                        let ok = matches!(instance.init().await, Init::Ready { .. });
                        host.started(&name, &instance, ok);
                        if ok {
                            host.release(&name, &instance, true);
                        }
                    }
                }
            });
        }
    }
}

/// The interpreters the host found.
pub(crate) struct Found {
    pub(crate) python: Option<Interpreter>,
    pub(crate) node: Option<Interpreter>,
}

impl Runtimes {
    pub(crate) fn found(&self) -> &Found {
        self.found.get_or_init(|| find_interpreters(&self.config))
    }
}

fn find_interpreters(config: &HostConfig) -> Found {
    let python = match &config.python {
        Some(path) => probe(path, &["-c", PYTHON_PROBE]),
        None => find_on_path("python3").and_then(|p| probe(&p, &["-c", PYTHON_PROBE])),
    };
    let node = match &config.node {
        Some(path) => probe(path, &["-e", NODE_PROBE]),
        None => find_on_path("node")
            .or_else(|| find_on_path("nodejs"))
            .and_then(|p| probe(&p, &["-e", NODE_PROBE])),
    };
    Found { python, node }
}

fn describe(interpreter: Option<&Interpreter>) -> String {
    interpreter.map_or("not found".to_owned(), |i| {
        format!("{} ({})", i.version, i.path.display())
    })
}

const PYTHON_PROBE: &str =
    "import sys; print(sys.executable); print('Python %d.%d.%d' % sys.version_info[:3])";
const NODE_PROBE: &str = "console.log(process.execPath); console.log('Node.js ' + process.version)";

/// Runs an interpreter to learn its real path and version (a shim such as pyenv's
/// resolves here, with the user's environment, not inside an instance's clean one).
fn probe(path: &Path, args: &[&str]) -> Option<Interpreter> {
    let out = std::process::Command::new(path).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let real = lines.next()?.trim();
    let version = lines.next().unwrap_or_default().trim().to_owned();
    let path = if real.is_empty() {
        path.to_path_buf()
    } else {
        PathBuf::from(real)
    };
    Some(Interpreter { path, version })
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
