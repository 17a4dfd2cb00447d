//! `strait`: the worker binary. Parses the command line, sets up logging, connects to the
//! broker, opens the state stores for the chosen mode, starts the herder and serves the REST API
//! until SIGINT/SIGTERM, then stops every task gracefully.

use std::sync::Arc;

/// mimalloc instead of glibc malloc: a record's life is dozens of small allocations made on
/// one thread and freed on another, which glibc serves with locked arenas and fastbin
/// consolidation (a third of the worker's CPU in the MySQL benchmark); mimalloc's per-thread
/// sharded free lists cost a fraction of that (docs/benchmarks.md). `strait_alloc` calls it the
/// way its fast paths expect (runtime/alloc).
#[global_allocator]
static GLOBAL: strait_alloc::Allocator = strait_alloc::Allocator;

use anyhow::{bail, Context};
use strait::cli::{self, Command};
use strait_runtime::kafka::{Broker, KafkaBroker};
use strait_runtime::worker::config::WorkerConfig;
use strait_runtime::worker::herder::{HerderParts, WorkerHerder};
use strait_runtime::worker::loggers::{LogLevels, ReloadableLevels};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter};

fn init_logging() -> Arc<dyn LogLevels> {
    let spec = std::env::var("STRAIT_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string());
    let filter = EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("info"));
    let (layer, handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(layer)
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(true)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())),
        )
        .init();
    let root = if spec.contains(',') || spec.contains('=') {
        "info"
    } else {
        spec.as_str()
    };
    Arc::new(ReloadableLevels::new(handle, root))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

async fn run(
    mode: strait_runtime::worker::config::WorkerMode,
    worker_file: &std::path::Path,
    connector_files: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    let loggers = init_logging();
    let props = cli::read_properties(worker_file)?;
    let worker = WorkerConfig::parse(mode, &props)
        .map_err(|e| anyhow::anyhow!("{}: {e}", worker_file.display()))?;
    let mut initial = Vec::new();
    for f in connector_files {
        initial.push(cli::read_connector_file(f)?);
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), mode = ?worker.mode, bootstrap = ?worker.bootstrap_servers, "starting strait worker");
    let broker: Arc<dyn Broker> = Arc::new(
        KafkaBroker::connect(&worker.bootstrap_servers)
            .await
            .with_context(|| {
                format!(
                    "cannot connect to the Kafka cluster at {:?}",
                    worker.bootstrap_servers
                )
            })?,
    );
    let stores = strait::stores::open(&worker, broker.clone()).await?;
    let herder = WorkerHerder::new(HerderParts {
        worker: worker.clone(),
        registry: Arc::new(strait::registry()),
        broker,
        configs: stores.configs,
        statuses: stores.statuses,
        offsets: stores.offsets,
        loggers,
    });
    let (host, port) = &worker.rest_bind;
    let listener = tokio::net::TcpListener::bind((host.as_str(), *port))
        .await
        .with_context(|| format!("cannot bind the REST listener on {host}:{port}"))?;
    tracing::info!(address = %listener.local_addr()?, "REST server listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let rest_herder: Arc<dyn strait_rest::herder::Herder> = Arc::new(herder.clone());
    let server = tokio::spawn(strait_rest::serve(listener, rest_herder, async move {
        let mut rx = stop_rx;
        let _ = rx.wait_for(|stop| *stop).await;
    }));
    if let Err(e) = herder.start(initial).await {
        let _ = stop_tx.send(true);
        bail!("failed to start the herder: {}", e.message);
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    herder.shutdown().await;
    let _ = stop_tx.send(true);
    let _ = server.await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::parse_args(&args) {
        Ok(Command::Version) => {
            println!("strait {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Ok(Command::Run {
            mode,
            worker_file,
            connector_files,
        }) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(run(mode, &worker_file, &connector_files))
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
