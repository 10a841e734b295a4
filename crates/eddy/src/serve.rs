//! `eddy serve`: opens the embedded store, starts the engine and the HTTP surfaces, prints
//! `listening on http://HOST:PORT` as the first line on stdout, and on SIGTERM or SIGINT
//! stops accepting, finishes in-flight requests, commits what was submitted and exits 0.

use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context as _;
use eddy_cli::serve::ServeArgs;
use eddy_cli::Exit;
use eddy_engine::{Config as EngineConfig, Engine, SystemClock};
use eddy_model::arn::Scope;
use eddy_store_sqlite::Sqlite;
use tracing_subscriber::EnvFilter;

use crate::config::Config;

pub fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    let config = match Config::resolve(args) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err:#}");
            return Ok(Exit::Invalid);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).context("invalid --log filter")?)
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(run(config))?;
    Ok(Exit::Ok)
}

async fn run(mut config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    // Function code lives under it and instances run in other directories.
    config.data_dir = std::path::absolute(&config.data_dir)
        .with_context(|| format!("cannot resolve {}", config.data_dir.display()))?;
    let db = config.data_dir.join("eddy.db");
    let store = Sqlite::open(&db, config.durability)
        .with_context(|| format!("cannot open {}", db.display()))?;
    let engine_config = EngineConfig {
        limits: config.limits.clone(),
        scope: Scope {
            account: config.account.clone(),
            region: config.region.clone(),
        },
        functions: eddy_engine::FunctionsConfig {
            code_dir: Some(config.data_dir.join("functions")),
            max_instances: config.function_max_instances,
            account_concurrency: 1000,
            idle_timeout_s: config.function_idle_timeout,
            retry_delay_ms: u64::try_from(config.function_retry_delay.as_millis())
                .unwrap_or(u64::MAX),
        },
    };
    let (engine, writer) = Engine::open(
        engine_config,
        Box::new(store),
        Arc::new(SystemClock),
        Some(Arc::new(crate::http_client::Hyper::new())),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot start the engine")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr().context("no local address")?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let background = engine.spawn_background(stop_rx);
    let host = eddy_runtime::Host::new(eddy_runtime::HostConfig::new(
        config.data_dir.join("runtime"),
    ))
    .context("cannot set up the function host")?;
    engine.attach_function_host(
        Arc::new(crate::functions::RuntimeHost(host.clone())),
        format!("http://{addr}"),
    );
    let app = eddy_server::router_with_prefix(engine.clone(), &config.routes_prefix);
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{addr}").context("cannot write to stdout")?;
        stdout.flush().context("cannot write to stdout")?;
    }
    tracing::info!(%addr, data_dir = %config.data_dir.display(), durability = ?config.durability, "eddy is ready");
    if let Some(path) = config.stack.clone() {
        tokio::spawn(watch_stack(
            format!("http://{addr}"),
            path,
            stop_tx.subscribe(),
        ));
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown({
        // Functions may hold requests open against this server (a long poll from inside
        // a handler, a route waiting for its function): stop them first, or the
        // server would wait for them forever.
        let (engine, host) = (engine.clone(), host.clone());
        async move {
            shutdown_signal().await;
            engine.stop_pollers();
            host.shutdown().await;
        }
    })
    .await
    .context("server failed")?;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let _ = background.await;
    drop(engine);
    tokio::task::spawn_blocking(move || writer.join())
        .await
        .context("writer did not stop")?;
    Ok(())
}

/// Applies the stack file now and whenever its modification time changes (checked every
/// second: a file watch without another dependency). A failed apply is logged; the server
/// keeps running with what it has.
async fn watch_stack(
    endpoint: String,
    path: std::path::PathBuf,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut applied: Option<std::time::SystemTime> = None;
    loop {
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        if modified.is_some() && modified != applied {
            applied = modified;
            let (endpoint, file) = (endpoint.clone(), path.clone());
            match tokio::task::spawn_blocking(move || eddy_cli::apply_file(&endpoint, &file)).await
            {
                Ok(Ok(summary)) => tracing::info!(stack = %path.display(), "{summary}"),
                Ok(Err(err)) => {
                    tracing::error!(stack = %path.display(), error = format!("{err:#}"), "stack not applied")
                }
                Err(err) => tracing::error!(error = %err, "stack apply panicked"),
            }
        } else if modified.is_none() && applied.is_none() {
            tracing::error!(stack = %path.display(), "stack file not found");
            applied = Some(std::time::SystemTime::UNIX_EPOCH);
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
