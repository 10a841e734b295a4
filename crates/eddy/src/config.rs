//! The server's configuration, resolved once before anything starts: defaults, then the
//! config file, then `EDDY_*` environment variables and flags (clap reads both; flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use eddy_cli::serve::{Durability, ServeArgs};
use serde::Deserialize;

/// Default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4780";
/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "eddy-data";

/// The config file's settings (TOML, kebab-case), all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    /// Address to listen on.
    listen: Option<String>,
    /// Data directory.
    data_dir: Option<PathBuf>,
    /// fsync or relaxed.
    durability: Option<Durability>,
    /// Account id in ARNs.
    account: Option<String>,
    /// Region in ARNs.
    region: Option<String>,
    /// Log filter.
    log: Option<String>,
    /// Stack file to apply.
    stack: Option<PathBuf>,
    /// Largest PutEvents entry, bytes.
    max_event_size: Option<usize>,
    /// Most entries per PutEvents call.
    max_entries_per_put: Option<usize>,
    /// Most targets per rule.
    max_targets_per_rule: Option<usize>,
    /// Instances per function unless it reserves concurrency.
    function_max_instances: Option<u32>,
    /// Seconds an idle instance lives.
    function_idle_timeout: Option<u32>,
    /// Wait before the first asynchronous retry, e.g. "60s".
    function_retry_delay: Option<String>,
    /// Where HTTP routes are served.
    routes_prefix: Option<String>,
}

/// The validated configuration of `eddy serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub durability: eddy_store::Durability,
    pub account: String,
    pub region: String,
    pub log: String,
    pub stack: Option<PathBuf>,
    pub limits: eddy_model::limits::Limits,
    pub function_max_instances: u32,
    pub function_idle_timeout: u32,
    pub function_retry_delay: std::time::Duration,
    pub routes_prefix: String,
}

fn read_file(path: &Path) -> anyhow::Result<File> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

impl Config {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Config> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => File::default(),
        };
        let listen_text = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("--listen {listen_text}: not an address like 127.0.0.1:4780")
        })?;
        let account = args
            .account
            .or(file.account)
            .unwrap_or_else(|| "000000000000".to_owned());
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--account {account}: an account id is 12 digits");
        }
        let region = args
            .region
            .or(file.region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            bail!("--region {region}: a region is lowercase letters, digits and hyphens, like us-east-1");
        }
        let durability = match args
            .durability
            .or(file.durability)
            .unwrap_or(Durability::Fsync)
        {
            Durability::Fsync => eddy_store::Durability::Fsync,
            Durability::Relaxed => eddy_store::Durability::Relaxed,
        };
        let defaults = eddy_model::limits::Limits::default();
        let limits = eddy_model::limits::Limits {
            max_entry_bytes: args
                .max_event_size
                .or(file.max_event_size)
                .unwrap_or(defaults.max_entry_bytes),
            max_entries: args
                .max_entries_per_put
                .or(file.max_entries_per_put)
                .unwrap_or(defaults.max_entries),
            max_targets_per_rule: args
                .max_targets_per_rule
                .or(file.max_targets_per_rule)
                .unwrap_or(defaults.max_targets_per_rule),
            ..defaults
        };
        if limits.max_entry_bytes == 0 || limits.max_entry_bytes > 1 << 30 {
            bail!(
                "--max-event-size {}: between 1 byte and 1 GiB",
                limits.max_entry_bytes
            );
        }
        if limits.max_entries == 0 || limits.max_entries > 10_000 {
            bail!(
                "--max-entries-per-put {}: between 1 and 10000",
                limits.max_entries
            );
        }
        if limits.max_targets_per_rule == 0 || limits.max_targets_per_rule > 1000 {
            bail!(
                "--max-targets-per-rule {}: between 1 and 1000",
                limits.max_targets_per_rule
            );
        }
        let function_max_instances = args
            .function_max_instances
            .or(file.function_max_instances)
            .unwrap_or(32);
        if function_max_instances == 0 || function_max_instances > 1000 {
            bail!("--function-max-instances {function_max_instances}: between 1 and 1000");
        }
        let function_idle_timeout = args
            .function_idle_timeout
            .or(file.function_idle_timeout)
            .unwrap_or(300);
        if function_idle_timeout == 0 {
            bail!("--function-idle-timeout 0: at least 1 second");
        }
        let function_retry_delay = match (args.function_retry_delay, file.function_retry_delay) {
            (Some(delay), _) => delay,
            (None, Some(text)) => humantime::parse_duration(&text)
                .with_context(|| format!("function-retry-delay {text}: a duration like 60s"))?,
            (None, None) => std::time::Duration::from_secs(60),
        };
        let routes_prefix = args
            .routes_prefix
            .or(file.routes_prefix)
            .unwrap_or_else(|| eddy_server::DEFAULT_ROUTES_PREFIX.to_owned());
        let reserved = ["/v1", "/2015-03-31", "/cloudevents", "/healthz", "/readyz"];
        if !routes_prefix.is_empty()
            && (!routes_prefix.starts_with('/')
                || routes_prefix.trim_end_matches('/').is_empty()
                || reserved
                    .iter()
                    .any(|r| routes_prefix.trim_end_matches('/') == *r))
        {
            bail!(
                "--routes-prefix {routes_prefix}: a path like /api that Eddy itself does not use"
            );
        }
        Ok(Config {
            routes_prefix,
            function_max_instances,
            function_idle_timeout,
            function_retry_delay,
            listen,
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            durability,
            account,
            region,
            log: args.log.or(file.log).unwrap_or_else(|| "info".to_owned()),
            stack: args.stack.or(file.stack),
            limits,
        })
    }
}
