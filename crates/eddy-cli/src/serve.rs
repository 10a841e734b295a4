//! `eddy serve`: the flags of the server. The binary runs it (it alone picks the storage
//! backend); this module only describes the command line.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How far an acknowledged write has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Durability {
    /// Acknowledged means on disk (fsync, shared by concurrent requests): survives a power
    /// loss.
    Fsync,
    /// Acknowledged means handed to the operating system: survives a crash of Eddy, not a
    /// power loss.
    Relaxed,
}

/// Flags of `eddy serve`. Each may also come from the environment (`EDDY_*`) or the
/// config file; flags win over the environment, which wins over the file.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:4780]; port 0 picks a free port.
    #[arg(long, env = "EDDY_LISTEN")]
    pub listen: Option<String>,
    /// Where the embedded database lives [default: ./eddy-data].
    #[arg(long, env = "EDDY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// When a write is acknowledged [default: fsync].
    #[arg(long, env = "EDDY_DURABILITY", value_enum)]
    pub durability: Option<Durability>,
    /// Account id in ARNs and queue URLs [default: 000000000000].
    #[arg(long, env = "EDDY_ACCOUNT")]
    pub account: Option<String>,
    /// Region in ARNs [default: us-east-1].
    #[arg(long, env = "EDDY_REGION")]
    pub region: Option<String>,
    /// A TOML config file with the same settings in kebab-case (listen, data-dir,
    /// durability, account, region, log).
    #[arg(long, env = "EDDY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Largest PutEvents entry in bytes, counted as EventBridge counts [default: 262144].
    #[arg(long, env = "EDDY_MAX_EVENT_SIZE")]
    pub max_event_size: Option<usize>,
    /// Most entries in one PutEvents call [default: 10].
    #[arg(long, env = "EDDY_MAX_ENTRIES_PER_PUT")]
    pub max_entries_per_put: Option<usize>,
    /// Most targets on one rule [default: 5].
    #[arg(long, env = "EDDY_MAX_TARGETS_PER_RULE")]
    pub max_targets_per_rule: Option<usize>,
    /// A stack file (eddy.yaml) to apply once the server is listening, and again whenever
    /// it changes.
    #[arg(long, env = "EDDY_STACK")]
    pub stack: Option<PathBuf>,
    /// Instances a function may run at once unless it reserves concurrency [default: 32].
    #[arg(long, env = "EDDY_FUNCTION_MAX_INSTANCES")]
    pub function_max_instances: Option<u32>,
    /// Seconds a function instance may idle before it is stopped, unless the function
    /// says otherwise [default: 300].
    #[arg(long, env = "EDDY_FUNCTION_IDLE_TIMEOUT")]
    pub function_idle_timeout: Option<u32>,
    /// Wait before the first retry of a failed asynchronous invocation; the second waits
    /// twice as long [default: 60s, as Lambda].
    #[arg(long, env = "EDDY_FUNCTION_RETRY_DELAY", value_parser = humantime::parse_duration)]
    pub function_retry_delay: Option<std::time::Duration>,
    /// Where HTTP routes are served on the main port [default: /api].
    #[arg(long, env = "EDDY_ROUTES_PREFIX")]
    pub routes_prefix: Option<String>,
    /// Log filter, e.g. `info` or `eddy_engine=debug` [default: info].
    #[arg(long, env = "EDDY_LOG")]
    pub log: Option<String>,
}
