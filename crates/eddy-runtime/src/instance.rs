//! One instance: a process in its own process group, its Runtime API listener, the
//! readers that turn its stdout and stderr into log lines, and one invocation at a time.

use std::collections::BTreeMap;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use eddy_model::function::{FunctionSpec, Invocation, LogStream, Outcome, RuntimeKind};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, oneshot, watch};

use crate::api::{self, error_doc};
use crate::logs::Logs;
use crate::Runtimes;

/// How long an instance may take to ask for its first invocation (Lambda's init limit).
pub(crate) const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest line kept whole; longer ones are split (Lambda splits at 256 KB).
const MAX_LINE: usize = 256 * 1024;

/// What the Runtime API and the readers share with the host.
pub(crate) struct Shared {
    pub(crate) arn: String,
    pub(crate) jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    phase: watch::Sender<Phase>,
    current: Mutex<Option<Current>>,
    init_log: Mutex<String>,
}

/// Where the instance is in its life.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    Starting,
    /// It asked for an invocation: initialised.
    Ready,
    /// It reported an init error.
    InitError {
        error_type: String,
        payload: Vec<u8>,
    },
}

/// The invocation in flight.
struct Current {
    request_id: String,
    reply: Option<oneshot::Sender<Reply>>,
    log: String,
}

/// What the runtime answered.
#[derive(Debug)]
pub(crate) enum Reply {
    Response(Bytes),
    Error {
        error_type: String,
        payload: Vec<u8>,
    },
}

/// An invocation handed to the instance.
pub(crate) struct Job {
    pub(crate) invocation: Invocation,
    pub(crate) deadline_ms: u64,
}

impl Shared {
    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.send_if_modified(|now| {
            // Only the first word on init counts.
            if *now == Phase::Starting {
                *now = phase;
                true
            } else {
                false
            }
        });
    }

    /// Delivers the answer for `request_id`; false if no such invocation is in flight.
    pub(crate) fn reply(&self, request_id: &str, reply: Reply) -> bool {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match current.as_mut() {
            Some(c) if c.request_id == request_id => match c.reply.take() {
                Some(tx) => {
                    let _ = tx.send(reply);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Adds a line the instance wrote to the invocation in flight; returns its request id.
    fn note_line(&self, line: &str) -> Option<String> {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match current.as_mut() {
            Some(c) => {
                c.log.push_str(line);
                c.log.push('\n');
                Some(c.request_id.clone())
            }
            None => {
                drop(current);
                let mut init = self
                    .init_log
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if init.len() < 64 * 1024 {
                    init.push_str(line);
                    init.push('\n');
                }
                None
            }
        }
    }
}

/// A started instance.
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) function: String,
    pub(crate) revision: String,
    spec: Arc<FunctionSpec>,
    pid: Option<rustix::process::Pid>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    shared: Arc<Shared>,
    exited: watch::Receiver<Option<String>>,
    barriers: Vec<mpsc::UnboundedSender<oneshot::Sender<()>>>,
    logs: Arc<Logs>,
    spawned_at: Instant,
}

/// Why no instance could be started; the caller turns it into an error outcome.
pub(crate) enum StartFailure {
    /// The entry point is missing or cannot run (`Runtime.InvalidEntrypoint`).
    Entrypoint(String),
    /// The host cannot run this runtime at all.
    Unavailable(String),
}

/// How an instance's init ended.
pub(crate) enum Init {
    Ready {
        duration_ms: f64,
    },
    Failed {
        error_type: String,
        payload: Vec<u8>,
        log: String,
    },
}

/// What a finished invocation leaves behind.
pub(crate) struct Ran {
    pub(crate) outcome: Outcome,
    /// The instance can take the next invocation.
    pub(crate) healthy: bool,
}

impl Instance {
    /// Starts a process for `spec` with its own Runtime API listener. `on_exit` runs once
    /// the process has exited (with the instance id).
    pub(crate) async fn start(
        spec: Arc<FunctionSpec>,
        runtimes: &Runtimes,
        logs: Arc<Logs>,
        on_exit: impl FnOnce(String) + Send + 'static,
    ) -> Result<Arc<Instance>, StartFailure> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| StartFailure::Unavailable(format!("cannot listen on loopback: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartFailure::Unavailable(e.to_string()))?
            .port();
        let id = uuid::Uuid::new_v4().simple().to_string();
        // The process runs in its code directory: paths into it must not be relative.
        let spec = match std::path::absolute(&spec.code_dir) {
            Ok(dir) if dir.as_os_str() != std::ffi::OsStr::new(&spec.code_dir) => {
                let mut absolute = (*spec).clone();
                absolute.code_dir = dir.display().to_string();
                Arc::new(absolute)
            }
            _ => spec,
        };
        let mut command = command_for(&spec, runtimes)?;
        command
            .env_clear()
            .envs(environment(&spec, &id, port, runtimes))
            .current_dir(&spec.code_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let mut child = command.spawn().map_err(|e| {
            if spec.runtime == RuntimeKind::Provided {
                StartFailure::Entrypoint(format!(
                    "Couldn't find valid bootstrap(s): [{}]: {e}",
                    entrypoint(&spec)
                ))
            } else {
                StartFailure::Unavailable(format!("cannot start {}: {e}", spec.runtime.as_str()))
            }
        })?;
        let pid = child
            .id()
            .and_then(|raw| i32::try_from(raw).ok())
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            limit_memory(pid, spec.memory_mb);
        }
        let (jobs_tx, jobs_rx) = mpsc::channel(1);
        let (phase, _) = watch::channel(Phase::Starting);
        let shared = Arc::new(Shared {
            arn: spec.arn.clone(),
            jobs: tokio::sync::Mutex::new(jobs_rx),
            phase,
            current: Mutex::new(None),
            init_log: Mutex::new(String::new()),
        });
        let (stop, stop_rx) = watch::channel(false);
        // The listener stops when the process has exited.
        tokio::spawn(api::serve(listener, shared.clone(), stop_rx));
        let mut barriers = Vec::new();
        if let Some(out) = child.stdout.take() {
            barriers.push(spawn_reader(
                out,
                LogStream::Stdout,
                spec.name.clone(),
                id.clone(),
                shared.clone(),
                logs.clone(),
            ));
        }
        if let Some(err) = child.stderr.take() {
            barriers.push(spawn_reader(
                err,
                LogStream::Stderr,
                spec.name.clone(),
                id.clone(),
                shared.clone(),
                logs.clone(),
            ));
        }
        let (exit_tx, exited) = watch::channel(None);
        {
            let id = id.clone();
            tokio::spawn(async move {
                let status = match child.wait().await {
                    Ok(status) => describe_exit(status),
                    Err(e) => format!("unknown ({e})"),
                };
                if let Some(pid) = pid {
                    // Whatever it left running in its group goes with it.
                    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
                }
                let _ = exit_tx.send(Some(status));
                let _ = stop.send(true);
                on_exit(id);
            });
        }
        Ok(Arc::new(Instance {
            id,
            function: spec.name.clone(),
            revision: spec.revision.clone(),
            spec,
            pid,
            jobs: Mutex::new(Some(jobs_tx)),
            shared,
            exited,
            barriers,
            logs,
            spawned_at,
        }))
    }

    /// Waits until the instance asks for its first invocation, reports an init error,
    /// exits, or runs out of time.
    pub(crate) async fn init(&self) -> Init {
        let mut phase = self.shared.phase.subscribe();
        let mut exited = self.exited.clone();
        let deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(deadline);
        loop {
            let now = phase.borrow_and_update().clone();
            match now {
                Phase::Ready => {
                    let duration_ms = self.spawned_at.elapsed().as_secs_f64() * 1000.0;
                    return Init::Ready { duration_ms };
                }
                Phase::InitError {
                    error_type,
                    payload,
                } => {
                    // It exits on its own; make sure.
                    self.kill();
                    let _ = tokio::time::timeout(
                        Duration::from_secs(2),
                        exited.wait_for(Option::is_some),
                    )
                    .await;
                    self.drain().await;
                    let log = self.take_init_log();
                    self.platform(None, format!("INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: {error_type}", self.spawned_at.elapsed().as_secs_f64() * 1000.0));
                    return Init::Failed {
                        error_type,
                        payload,
                        log,
                    };
                }
                Phase::Starting => {}
            }
            let status = exited.borrow_and_update().clone();
            if let Some(status) = status {
                // It may have said something on the way out.
                let reported = matches!(*self.shared.phase.borrow(), Phase::InitError { .. });
                if reported {
                    continue;
                }
                self.drain().await;
                let log = self.take_init_log();
                let message = format!("Runtime exited with error: {status}");
                self.platform(None, format!("INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError", self.spawned_at.elapsed().as_secs_f64() * 1000.0));
                return Init::Failed {
                    error_type: "Runtime.ExitError".to_owned(),
                    payload: error_doc("Runtime.ExitError", &message),
                    log,
                };
            }
            tokio::select! {
                _ = phase.changed() => {}
                _ = exited.changed() => {}
                () = &mut deadline => {
                    self.kill();
                    self.drain().await;
                    let log = self.take_init_log();
                    let message = format!("Init timed out after {:.2} seconds", INIT_TIMEOUT.as_secs_f64());
                    self.platform(None, format!("INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: timeout", INIT_TIMEOUT.as_secs_f64() * 1000.0));
                    return Init::Failed {
                        error_type: "Sandbox.Timedout".to_owned(),
                        payload: error_doc("Sandbox.Timedout", &message),
                        log,
                    };
                }
            }
        }
    }

    /// Runs one invocation on this (initialised) instance.
    pub(crate) async fn run(&self, invocation: Invocation, init_ms: Option<f64>) -> Ran {
        let request_id = invocation.request_id.clone();
        let timeout = Duration::from_millis(self.spec.timeout_ms.max(1));
        let (tx, rx) = oneshot::channel();
        let mut log = String::new();
        if init_ms.is_some() {
            log.push_str(&self.take_init_log());
        }
        let start_line = format!(
            "START RequestId: {request_id} Version: {}",
            self.spec.version
        );
        self.platform(Some(request_id.clone()), start_line.clone());
        log.push_str(&start_line);
        log.push('\n');
        *self.current() = Some(Current {
            request_id: request_id.clone(),
            reply: Some(tx),
            log,
        });
        let started = Instant::now();
        let deadline_ms = epoch_ms() + self.spec.timeout_ms;
        let sender = self
            .jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let sent = match sender {
            Some(sender) => sender
                .send(Job {
                    invocation,
                    deadline_ms,
                })
                .await
                .is_ok(),
            None => false,
        };
        let mut exited = self.exited.clone();
        let (reply, status) = if sent {
            tokio::select! {
                reply = rx => (reply.ok(), None),
                status = exited.wait_for(Option::is_some) => (None, Some(status.map(|s| s.clone().unwrap_or_default()).unwrap_or_default())),
                () = tokio::time::sleep(timeout) => (None, None),
            }
        } else {
            (None, Some("the instance stopped".to_owned()))
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (payload, error_type, healthy, status_note) = match (reply, status) {
            (Some(Reply::Response(body)), _) => (body.to_vec(), None, true, None),
            (
                Some(Reply::Error {
                    error_type,
                    payload,
                }),
                _,
            ) => (payload, Some(error_type), true, None),
            (None, Some(status)) => {
                let message =
                    format!("RequestId: {request_id} Error: Runtime exited with error: {status}");
                (
                    error_doc("Runtime.ExitError", &message),
                    Some("Runtime.ExitError".to_owned()),
                    false,
                    Some("Status: error\tError Type: Runtime.ExitError".to_owned()),
                )
            }
            (None, None) => {
                self.kill();
                let secs = timeout.as_secs_f64();
                let line = format!(
                    "{} {request_id} Task timed out after {secs:.2} seconds",
                    timestamp()
                );
                self.note_platform(&request_id, line);
                let message = format!(
                    "RequestId: {request_id} Error: Task timed out after {secs:.2} seconds"
                );
                (
                    error_doc("Sandbox.Timedout", &message),
                    Some("Sandbox.Timedout".to_owned()),
                    false,
                    Some("Status: timeout".to_owned()),
                )
            }
        };
        // Lines written before the answer are in the pipes: read them into this log.
        self.drain().await;
        let end = format!("END RequestId: {request_id}");
        let memory = max_memory_mb(self.pid).unwrap_or(0);
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {memory} MB",
            duration_ms.ceil().max(1.0) as u64,
            self.spec.memory_mb,
        );
        if let Some(init) = init_ms {
            report.push_str(&format!("\tInit Duration: {init:.2} ms"));
        }
        if let Some(note) = status_note {
            report.push('\t');
            report.push_str(&note);
        }
        let mut log = self.current().take().map(|c| c.log).unwrap_or_default();
        for line in [end, report] {
            log.push_str(&line);
            log.push('\n');
            self.platform(Some(request_id.clone()), line);
        }
        Ran {
            outcome: Outcome {
                payload,
                error_type,
                log,
                duration_ms,
                init_duration_ms: init_ms,
            },
            healthy: healthy && self.exited.borrow().is_none(),
        }
    }

    /// Whether the process has exited.
    pub(crate) fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// Kills the process group now.
    pub(crate) fn kill(&self) {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(pid) = self.pid {
            if self.exited.borrow().is_none() {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
        }
    }

    /// Waits (briefly) for the process to be gone.
    pub(crate) async fn wait_exit(&self, limit: Duration) {
        let mut exited = self.exited.clone();
        let _ = tokio::time::timeout(limit, exited.wait_for(Option::is_some)).await;
    }

    /// Reads what the process has written so far into the log.
    async fn drain(&self) {
        let mut acks = Vec::new();
        for barrier in &self.barriers {
            let (tx, rx) = oneshot::channel();
            if barrier.send(tx).is_ok() {
                acks.push(rx);
            }
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), async {
            for ack in acks {
                let _ = ack.await;
            }
        })
        .await;
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.shared
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn take_init_log(&self) -> String {
        std::mem::take(
            &mut *self
                .shared
                .init_log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// A line of the host's own about this instance.
    fn platform(&self, request_id: Option<String>, line: String) {
        self.logs.push(
            &self.spec.name,
            &self.id,
            request_id,
            LogStream::Platform,
            line,
        );
    }

    /// A platform line that also belongs to the invocation's log.
    fn note_platform(&self, request_id: &str, line: String) {
        if let Some(c) = self.current().as_mut() {
            c.log.push_str(&line);
            c.log.push('\n');
        }
        self.platform(Some(request_id.to_owned()), line);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The program to run for a function.
fn command_for(
    spec: &FunctionSpec,
    runtimes: &Runtimes,
) -> Result<tokio::process::Command, StartFailure> {
    match spec.runtime {
        RuntimeKind::Provided => {
            if let Some((program, args)) = spec.command.split_first() {
                let mut command = tokio::process::Command::new(program);
                command.args(args);
                Ok(command)
            } else {
                let bootstrap = Path::new(&spec.code_dir).join("bootstrap");
                if !bootstrap.is_file() {
                    return Err(StartFailure::Entrypoint(format!(
                        "Couldn't find valid bootstrap(s): [{}]",
                        bootstrap.display()
                    )));
                }
                Ok(tokio::process::Command::new(bootstrap))
            }
        }
        RuntimeKind::Python3 => {
            let python = runtimes.found().python.as_ref().ok_or_else(|| {
                StartFailure::Unavailable("python3 is not installed on this machine".to_owned())
            })?;
            let mut command = tokio::process::Command::new(&python.path);
            command.arg("-u").arg(&runtimes.python_bootstrap);
            Ok(command)
        }
        RuntimeKind::Nodejs => {
            let node = runtimes.found().node.as_ref().ok_or_else(|| {
                StartFailure::Unavailable("node is not installed on this machine".to_owned())
            })?;
            let mut command = tokio::process::Command::new(&node.path);
            // V8 sizes its heap to the memory limit, as Lambda does.
            let heap = (u64::from(spec.memory_mb) * 85 / 100).max(16);
            command
                .arg(format!("--max-old-space-size={heap}"))
                .arg(&runtimes.node_bootstrap);
            Ok(command)
        }
    }
}

fn entrypoint(spec: &FunctionSpec) -> String {
    match spec.command.first() {
        Some(program) => program.clone(),
        None => Path::new(&spec.code_dir)
            .join("bootstrap")
            .display()
            .to_string(),
    }
}

/// The environment of an instance: Lambda's variables, then the function's own.
fn environment(
    spec: &FunctionSpec,
    id: &str,
    port: u16,
    runtimes: &Runtimes,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_owned(), v);
    };
    set("PATH", runtimes.path.clone());
    set("LANG", "C.UTF-8".to_owned());
    set("TZ", ":UTC".to_owned());
    set("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"));
    set("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone());
    set("AWS_LAMBDA_FUNCTION_VERSION", spec.version.clone());
    set(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        spec.memory_mb.to_string(),
    );
    set(
        "AWS_LAMBDA_LOG_GROUP_NAME",
        format!("/aws/lambda/{}", spec.name),
    );
    set(
        "AWS_LAMBDA_LOG_STREAM_NAME",
        format!("{}/[{}]{id}", date(), spec.version),
    );
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned());
    set("_HANDLER", spec.handler.clone());
    set("LAMBDA_TASK_ROOT", spec.code_dir.clone());
    set("LAMBDA_RUNTIME_DIR", runtimes.dir.display().to_string());
    set("AWS_REGION", spec.region.clone());
    set("AWS_DEFAULT_REGION", spec.region.clone());
    if !spec.endpoint_url.is_empty() {
        set("AWS_ENDPOINT_URL", spec.endpoint_url.clone());
    }
    // Local credentials: any signature is accepted by Eddy in local mode.
    set("AWS_ACCESS_KEY_ID", "eddy".to_owned());
    set("AWS_SECRET_ACCESS_KEY", "eddy".to_owned());
    set("AWS_SESSION_TOKEN", "eddy".to_owned());
    match spec.runtime {
        RuntimeKind::Python3 => {
            set("AWS_EXECUTION_ENV", "AWS_Lambda_python3".to_owned());
            set("PYTHONUNBUFFERED", "1".to_owned());
            set("PYTHONPATH", spec.code_dir.clone());
        }
        RuntimeKind::Nodejs => {
            set("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs".to_owned());
            set("NODE_PATH", spec.code_dir.clone());
        }
        RuntimeKind::Provided => {
            set("PYTHONUNBUFFERED", "1".to_owned());
        }
    }
    if let Some(home) = &runtimes.home {
        set("HOME", home.clone());
    }
    for (k, v) in &spec.environment {
        env.insert(k.clone(), v.clone());
    }
    env
}

/// Caps the data segment (heap) of the process at its memory size: allocations beyond it
/// fail inside the process (Python's MemoryError, a failed allocation elsewhere), which
/// usually ends the invocation with its error or with Runtime.ExitError.
fn limit_memory(pid: rustix::process::Pid, memory_mb: u32) {
    let bytes = u64::from(memory_mb.max(16)) * 1024 * 1024;
    let limit = rustix::process::Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    if let Err(e) = rustix::process::prlimit(Some(pid), rustix::process::Resource::Data, limit) {
        tracing::debug!(error = %e, "cannot limit an instance's memory");
    }
}

/// Reads one of the process's pipes line by line into the log, and answers barriers once
/// everything in the pipe at the time of asking has been read.
fn spawn_reader(
    mut pipe: impl AsyncRead + AsFd + Unpin + Send + 'static,
    stream: LogStream,
    function: String,
    instance: String,
    shared: Arc<Shared>,
    logs: Arc<Logs>,
) -> mpsc::UnboundedSender<oneshot::Sender<()>> {
    let (tx, mut barriers) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
    let fd: Option<OwnedFd> = pipe.as_fd().try_clone_to_owned().ok();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut partial: Vec<u8> = Vec::new();
        // Barriers waiting for this many more bytes to be read.
        let mut waiting: Vec<(u64, oneshot::Sender<()>)> = Vec::new();
        let emit = |bytes: &[u8]| {
            let mut text = String::from_utf8_lossy(bytes).into_owned();
            if text.ends_with('\r') {
                text.pop();
            }
            let request_id = shared.note_line(&text);
            logs.push(&function, &instance, request_id, stream, text);
        };
        let mut open = true;
        while open {
            tokio::select! {
                read = pipe.read(&mut buf) => {
                    let n = match read {
                        Ok(0) | Err(_) => {
                            open = false;
                            0
                        }
                        Ok(n) => n,
                    };
                    partial.extend_from_slice(&buf[..n]);
                    let mut start = 0;
                    while let Some(pos) = partial[start..].iter().position(|&b| b == b'\n') {
                        emit(&partial[start..start + pos]);
                        start += pos + 1;
                    }
                    partial.drain(..start);
                    while partial.len() >= MAX_LINE {
                        let rest = partial.split_off(MAX_LINE);
                        emit(&partial);
                        partial = rest;
                    }
                    if !open && !partial.is_empty() {
                        emit(&partial);
                        partial.clear();
                    }
                    let n = n as u64;
                    waiting.retain_mut(|(owed, _)| {
                        *owed = owed.saturating_sub(n);
                        *owed > 0 && open
                    });
                    // Answer the ones that are paid (retain dropped them: dropping the
                    // sender answers too).
                }
                barrier = barriers.recv() => {
                    let Some(barrier) = barrier else { continue };
                    let pending = fd.as_ref().and_then(|fd| rustix::io::ioctl_fionread(fd).ok()).unwrap_or(0);
                    if pending == 0 {
                        let _ = barrier.send(());
                    } else {
                        waiting.push((pending, barrier));
                    }
                }
            }
        }
        // Closed: answer every barrier from now on at once.
        while let Some(barrier) = barriers.recv().await {
            let _ = barrier.send(());
        }
    });
    tx
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    if let Some(code) = status.code() {
        format!("exit status {code}")
    } else if let Some(signal) = status.signal() {
        let name = match signal {
            9 => "killed".to_owned(),
            15 => "terminated".to_owned(),
            11 => "segmentation fault".to_owned(),
            6 => "aborted".to_owned(),
            other => other.to_string(),
        };
        format!("signal: {name}")
    } else {
        "unknown".to_owned()
    }
}

/// The process's peak resident memory (VmHWM), in MB.
fn max_memory_mb(pid: Option<rustix::process::Pid>) -> Option<u64> {
    let pid = pid?;
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.as_raw_nonzero())).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.div_ceil(1024))
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `2026-11-24T06:35:49.123Z`.
fn timestamp() -> String {
    let ms = epoch_ms();
    let (y, m, d) = civil(ms / 86_400_000);
    let rem = ms % 86_400_000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// `2026/11/24`.
fn date() -> String {
    let (y, m, d) = civil(epoch_ms() / 86_400_000);
    format!("{y:04}/{m:02}/{d:02}")
}

/// The civil date of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: u64) -> (i64, u32, u32) {
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_416), (2025, 11, 24));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }
}
