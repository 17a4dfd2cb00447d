//! What the three benchmarks (`worker`, `mysql`, `dynamodb`) share: the smoke-run switch, the
//! settings every run reads, the `/proc` meters, the `strait` worker process and its REST API,
//! and the broker calls that measure a topic.
//!
//! Each bench is its own crate (`harness = false`) and includes this module with `mod support;`;
//! cargo does not take a subdirectory without a `main.rs` for a bench target. Not every bench
//! uses every helper (the DynamoDB bench runs no worker and no broker), hence the `dead_code`
//! allowance (the one `tests/common/mod.rs` carries) and `unused_imports` for the re-exports.
#![allow(dead_code, unused_imports)]

mod kafka;
mod procfs;
mod rest;
mod worker;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

pub use kafka::{
    connect_broker, create_topic, delete_topics, high_watermark, last_value, wait_for_records,
    Progress,
};
pub use procfs::{listening_pid, own_cpu_seconds, proc_cpu_seconds, proc_status_kb, RssSampler};
pub use rest::Rest;
pub use worker::{free_port, wait_for_rest, write_worker_properties, Worker};

/// Upper bound on waiting for the broker, the worker or a connector to answer.
pub const STARTUP_LIMIT: Duration = Duration::from_secs(60);
/// A run fails when its destination topic has not grown for this long.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);
/// How often a destination topic's high watermark is checked.
pub const PROGRESS_POLL: Duration = Duration::from_millis(10);
/// How often a process's RSS is sampled during a run.
pub const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs the bench binary without it.
/// Then the bench does a small smoke run that checks it still works end to end; its figures are
/// not measurements.
pub fn smoke_run() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Says so on stdout when this is a smoke run, then builds the multi-threaded tokio runtime and
/// drives `bench` to completion on it.
pub fn run_bench<F: Future>(bench: F) -> Result<F::Output> {
    if smoke_run() {
        println!(
            "smoke run (no --bench): checking the benchmark works; figures are not measurements"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    Ok(runtime.block_on(bench))
}

/// `STRAIT_TEST_KAFKA`, or the port `scripts/services.sh` gives the test broker.
pub fn kafka_bootstrap() -> String {
    std::env::var("STRAIT_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:39092".to_string())
}

/// `target/bench-results` (honouring `CARGO_TARGET_DIR`), where each bench writes its JSON.
pub fn results_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-results")
}

/// A random suffix of `len` hex digits shared by every topic, table, group and file of one run,
/// so runs never collide on the shared services.
pub fn run_id(len: usize) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id[..len.min(id.len())].to_string()
}

/// A count from the environment variable `name`, `default` when unset; at least `min`.
pub fn env_count(name: &str, default: usize, min: usize) -> Result<usize> {
    let Ok(raw) = std::env::var(name) else {
        return Ok(default);
    };
    let what = match min {
        0 => "a non-negative integer".to_string(),
        1 => "a positive integer".to_string(),
        _ => format!("an integer of at least {min}"),
    };
    raw.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= min)
        .with_context(|| format!("{name} must be {what}, got '{raw}'"))
}

/// A process id from the environment variable `name`, if set (a service whose CPU time the
/// bench reports beside its own figures).
pub fn env_pid(name: &str) -> Result<Option<u32>> {
    match std::env::var(name) {
        Ok(raw) => Ok(Some(raw.trim().parse().with_context(|| {
            format!("{name} must be a process id, got '{raw}'")
        })?)),
        Err(_) => Ok(None),
    }
}

/// Writes a bench's results document as pretty JSON to `dir/file_name`; returns the path.
pub fn write_results(dir: &Path, file_name: &str, doc: &serde_json::Value) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(file_name);
    let text = serde_json::to_string_pretty(doc).context("cannot render the results")?;
    std::fs::write(&path, text + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// CPU seconds between two readings of a meter that may be absent (an optional service pid).
pub fn cpu_since(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    Some(after? - before?)
}

/// `x` rounded to 2 decimals, for the results JSON.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `x` rounded to 3 decimals, for the results JSON.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
