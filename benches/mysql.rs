//! The MySQL/MariaDB binlog benchmark: Strait's binlog reader end to end and decode-only, against
//! the C reader (`mariadb-binlog`) and a Python peer (PyPI `mysql-replication`), all over the
//! same binlog range in one run; plus a snapshot of a large table against `SELECT *`.
//!
//! ```text
//! cargo bench --bench mysql
//! ```
//!
//! Absolute rates on a shared 2-core machine mean little; the ratios between readers measured
//! minutes apart over the same bytes do. One run:
//! 1. a database `bench_<id>` with an 8-column table is created, the release `strait` binary
//!    (`CARGO_BIN_EXE_strait`) starts in distributed mode, and a MySQL connector
//!    (`snapshot.mode=no_data`) is created and paused once its task runs;
//! 2. the load: `STRAIT_BENCH_MYSQL_INSERTS` rows inserted in 1000-row transactions, then half as
//!    many updated in 1000-row transactions — one row event per row, 300k by default; the binlog
//!    position before and after is read with `SHOW MASTER STATUS`;
//! 3. **end to end**: the connector is resumed and the clock runs until the topic's Fetch high
//!    watermark reaches the event count (binlog backlog → records → JsonConverter → broker); the
//!    worker's `VmRSS` is sampled every 50 ms. Then the same again with a second worker
//!    process, started with its connector paused beside the first before the load, whose
//!    batches are compressed (`producer.override.compression.type=lz4`);
//! 4. **snapshot** (unless `STRAIT_BENCH_SNAPSHOT_ROWS=0`): a second table of 1M rows, a
//!    connector with `snapshot.mode=initial_only`, clock from `POST /connectors` to the high
//!    watermark, against `mariadb --quick -e 'SELECT * …' > /dev/null`;
//! 5. **decode-only**: the connector's task in this process, started from an in-memory offset at
//!    the load's first position, polled until every event came back as a `SourceRecord` (record
//!    building included, JSON conversion and broker not);
//! 6. **C reader**: `mariadb-binlog --read-from-remote-server -v --base64-output=decode-rows`
//!    over the same range to `/dev/null` (wall time); 5 and 6 alternate three times and the
//!    medians are compared, so that neither gains from running first, right after the snapshot;
//! 7. **Python peer**: `BinLogStreamReader` over the same range, iterating every row (time
//!    measured inside the script, after the imports).
//!
//! Targets are reported, never turned into a failing exit status; errors (service unreachable,
//! records missing, a reader failing) fail the run. Results: stdout and
//! `target/bench-results/mysql.json`. Method and figures: `docs/benchmarks.md`.
//!
//! Besides the rates, the run reports the worker's RSS before the clock starts and, when the
//! broker listens on this machine, the broker's CPU per event: on a 2-core machine, worker and
//! broker CPU per event together bound the end-to-end rate.
//!
//! Settings (environment): `STRAIT_TEST_KAFKA` (127.0.0.1:39092), `STRAIT_TEST_MYSQL`
//! (mysql://root@127.0.0.1:33307), `STRAIT_BENCH_MYSQL_INSERTS` (200000),
//! `STRAIT_BENCH_SNAPSHOT_ROWS` (1000000), `STRAIT_BENCH_PYTHON` (python3),
//! `STRAIT_BENCH_MYSQL_CONNECTOR` (extra connector settings, `key=value,key=value`).

mod support;

/// The worker binary's allocator (`src/main.rs`), so the decode-only run, which hosts the
/// connector in this process, allocates as it does inside the worker.
#[global_allocator]
static GLOBAL: strait_alloc::Allocator = strait_alloc::Allocator;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Row};
use serde_json::{json, Value as Json};
use strait_api::{ConfigMap, ConnectorContext, OffsetMap, PluginFactory, SourceTaskContext};
use strait_runtime::kafka::KafkaBroker;
use strait_runtime::storage::{ConnectorOffsetReader, MemoryOffsetStore, OffsetStore};
use support::{
    connect_broker, create_topic, delete_topics, free_port, last_value, listening_pid,
    proc_cpu_seconds, proc_status_kb, round2, round3, smoke_run, wait_for_records, wait_for_rest,
    write_worker_properties, Rest, RssSampler, Worker, STALL_LIMIT, STARTUP_LIMIT,
};

/// Rows per INSERT or UPDATE statement (each its own transaction).
const ROWS_PER_TXN: usize = 1000;
/// End-to-end target, events per second.
const E2E_TARGET: f64 = 150_000.0;
/// Decode-only target as a multiple of the Python peer's rate.
const PYTHON_TARGET: f64 = 8.0;
/// Decode-only target as a multiple of the C reader's rate.
const C_TARGET: f64 = 1.0;
/// Peak RSS limit of the worker, in KiB (100 MB).
const RSS_LIMIT_KB: u64 = 100 * 1024;
/// Decode-only and the C reader run alternately this many times each; the medians are
/// compared, so neither reader gains from running first or last after the heavier phases.
const READER_ROUNDS: usize = 3;

fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let results = support::run_bench(run(&settings))??;
    results.print();
    let path = results.write(&settings.results_dir)?;
    println!("results written to {}", path.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Settings and results
// ---------------------------------------------------------------------------------------------

/// What the benchmark was asked to do.
struct Settings {
    bootstrap: String,
    mysql_host: String,
    mysql_port: u16,
    inserts: usize,
    snapshot_rows: usize,
    python: String,
    worker_bin: PathBuf,
    results_dir: PathBuf,
    /// A suffix shared by the database, topics and connectors of this run.
    run_id: String,
}

impl Settings {
    fn from_env() -> Result<Self> {
        let url = std::env::var("STRAIT_TEST_MYSQL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:33307".to_string());
        let rest = url.trim_start_matches("mysql://");
        let host_port = rest.rsplit('@').next().unwrap_or(rest);
        let host_port = host_port.split('/').next().unwrap_or(host_port);
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
        let mysql_port = port
            .parse()
            .with_context(|| format!("STRAIT_TEST_MYSQL has a bad port: {url}"))?;
        let (default_inserts, default_snapshot_rows) = if smoke_run() {
            (2_000, 5_000)
        } else {
            (200_000, 1_000_000)
        };
        Ok(Self {
            bootstrap: support::kafka_bootstrap(),
            mysql_host: host.to_string(),
            mysql_port,
            // An insert and an update at least.
            inserts: support::env_count("STRAIT_BENCH_MYSQL_INSERTS", default_inserts, 2)?,
            snapshot_rows: support::env_count(
                "STRAIT_BENCH_SNAPSHOT_ROWS",
                default_snapshot_rows,
                0,
            )?,
            python: std::env::var("STRAIT_BENCH_PYTHON").unwrap_or_else(|_| "python3".into()),
            worker_bin: PathBuf::from(env!("CARGO_BIN_EXE_strait")),
            results_dir: support::results_dir(),
            run_id: support::run_id(10),
        })
    }

    fn updates(&self) -> usize {
        self.inserts / 2
    }

    fn events(&self) -> usize {
        self.inserts + self.updates()
    }

    fn database(&self) -> String {
        format!("bench_{}", self.run_id)
    }

    fn mysql_url(&self) -> String {
        format!("mysql://root@{}:{}", self.mysql_host, self.mysql_port)
    }
}

/// A binlog position (`SHOW MASTER STATUS`).
#[derive(Clone, Debug)]
struct Position {
    file: String,
    pos: u64,
    /// The executed GTID set there, when the server has GTIDs (a schema history recorded with
    /// GTIDs only replays for an offset that has them, as in Debezium).
    gtids: Option<String>,
}

/// The figures of one run.
struct Results {
    events: usize,
    inserts: usize,
    load_seconds: f64,
    start: Position,
    end: Position,
    e2e: WorkerRun,
    /// The same events through a connector with `producer.override.compression.type=lz4`.
    e2e_lz4: WorkerRun,
    /// Decode-only, the median of [`READER_ROUNDS`].
    decode_seconds: f64,
    /// Decode-only: from `start` to the first record (connect, table metadata, binlog dump), in
    /// the median round.
    decode_first_seconds: f64,
    /// The C reader, the median of [`READER_ROUNDS`].
    c_seconds: f64,
    /// Every round's seconds, decode-only and C reader, in the order they ran.
    decode_rounds: Vec<f64>,
    c_rounds: Vec<f64>,
    python_seconds: f64,
    python_rows: usize,
    snapshot: Option<SnapshotRun>,
}

/// A run of the worker process.
struct WorkerRun {
    seconds: f64,
    peak_rss_kb: u64,
    hwm_kb: u64,
    cpu_seconds: f64,
    /// The worker's RSS just before the clock started (connector created, nothing read yet).
    idle_rss_kb: u64,
    /// CPU seconds of the broker process over the same interval, when it runs on this
    /// machine and is visible (`None` otherwise).
    broker_cpu_seconds: Option<f64>,
}

struct SnapshotRun {
    rows: usize,
    worker: WorkerRun,
    select_seconds: f64,
}

impl Results {
    fn rate(&self, seconds: f64) -> f64 {
        self.events as f64 / seconds
    }

    /// Decode-only records per second after the first record (start-up left out).
    fn decode_steady_rate(&self) -> f64 {
        let after_first = self.decode_seconds - self.decode_first_seconds;
        if after_first > 0.0 {
            self.events as f64 / after_first
        } else {
            0.0
        }
    }

    fn print(&self) {
        let verdict = |ok: bool| if ok { "pass" } else { "MISS" };
        let decode = self.rate(self.decode_seconds);
        let (c, py) = (self.rate(self.c_seconds), self.rate(self.python_seconds));
        let e2e = self.rate(self.e2e.seconds);
        println!();
        println!(
            "mysql binlog benchmark ({} row events: {} inserts + {} updates, 8 columns; binlog {}:{} .. {}:{})",
            self.events,
            self.inserts,
            self.events - self.inserts,
            self.start.file,
            self.start.pos,
            self.end.file,
            self.end.pos
        );
        println!("{:<40} {:>12} {:>8}  target", "", "value", "ratio");
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  >= {E2E_TARGET:.0} ev/s: {}",
            "Strait end to end (binlog -> broker)",
            e2e,
            e2e / E2E_TARGET,
            verdict(e2e >= E2E_TARGET)
        );
        let lz4 = self.rate(self.e2e_lz4.seconds);
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  >= {E2E_TARGET:.0} ev/s: {}",
            "  with producer compression.type=lz4",
            lz4,
            lz4 / E2E_TARGET,
            verdict(lz4 >= E2E_TARGET)
        );
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  >= {C_TARGET:.1} x C reader: {}",
            "Strait decode-only (SourceRecords)",
            decode,
            decode / c,
            verdict(decode >= c * C_TARGET)
        );
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  (ratio: decode-only / Python peer) >= {PYTHON_TARGET:.0}: {}",
            "",
            decode,
            decode / py,
            verdict(decode >= py * PYTHON_TARGET)
        );
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  (of the C reader; first record after {:.2} s)",
            "  of which after the first record",
            self.decode_steady_rate(),
            self.decode_steady_rate() / c,
            self.decode_first_seconds
        );
        println!(
            "{:<40} {:>8.0} ev/s {:>8}",
            "C reader (mariadb-binlog, decode-rows)", c, "1.00"
        );
        let rates = |rounds: &[f64]| {
            rounds
                .iter()
                .map(|s| format!("{:.0}", self.rate(*s)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        println!(
            "  rounds (alternating; medians above): decode-only {} ev/s, C reader {} ev/s",
            rates(&self.decode_rounds),
            rates(&self.c_rounds)
        );
        println!(
            "{:<40} {:>8.0} ev/s {:>8.2}  (of the C reader; {} rows seen)",
            "Python peer (mysql-replication)",
            py,
            py / c,
            self.python_rows
        );
        print_peak_rss(
            "worker peak RSS (end to end)",
            &self.e2e,
            &format!("  (VmHWM {} KiB)", self.e2e.hwm_kb),
        );
        println!(
            "{:<40} {:>8} KiB",
            "worker RSS before resume (idle)", self.e2e.idle_rss_kb
        );
        self.print_cpu("end to end", &self.e2e);
        print_peak_rss("worker peak RSS (end to end, lz4)", &self.e2e_lz4, "");
        self.print_cpu("end to end, lz4", &self.e2e_lz4);
        match &self.snapshot {
            Some(s) => {
                let rate = s.rows as f64 / s.worker.seconds;
                let select = s.rows as f64 / s.select_seconds;
                println!(
                    "{:<40} {:>8.0} r/s {:>8.2}  (of `mariadb --quick SELECT *` at {:.0} r/s; {} rows)",
                    "Strait snapshot end to end",
                    rate,
                    rate / select,
                    select,
                    s.rows
                );
                print_peak_rss("worker peak RSS (snapshot)", &s.worker, "");
                println!(
                    "{:<40} {:>8.2} us/row  (broker {})",
                    "worker CPU per row (snapshot)",
                    s.worker.cpu_seconds * 1e6 / s.rows as f64,
                    s.worker
                        .broker_cpu_seconds
                        .map_or("not measured".to_string(), |b| format!(
                            "{:.2} us/row",
                            b * 1e6 / s.rows as f64
                        ))
                );
            }
            None => println!("snapshot: skipped (STRAIT_BENCH_SNAPSHOT_ROWS=0)"),
        }
        println!(
            "wall: load {:.2} s, end to end {:.2} s, decode-only {:.2} s, C reader {:.2} s, Python {:.2} s",
            self.load_seconds, self.e2e.seconds, self.decode_seconds, self.c_seconds, self.python_seconds
        );
    }

    /// Worker and broker CPU per event over a run, and what both together allow on two cores.
    fn print_cpu(&self, phase: &str, run: &WorkerRun) {
        let worker = run.cpu_seconds * 1e6 / self.events as f64;
        println!(
            "{:<40} {worker:>8.2} us/ev",
            format!("worker CPU per event ({phase})")
        );
        if let Some(b) = run.broker_cpu_seconds {
            let per_event = b * 1e6 / self.events as f64;
            let both = per_event + worker;
            println!(
                "{:<40} {per_event:>8.2} us/ev  (worker + broker {both:.2} us/ev: at most {:.0} ev/s on 2 cores)",
                format!("broker CPU per event ({phase})"),
                2e6 / both
            );
        }
    }

    fn write(&self, dir: &Path) -> Result<PathBuf> {
        let decode = self.rate(self.decode_seconds);
        let (c, py) = (self.rate(self.c_seconds), self.rate(self.python_seconds));
        let e2e = self.rate(self.e2e.seconds);
        let snapshot = self.snapshot.as_ref().map(|s| {
            let rate = s.rows as f64 / s.worker.seconds;
            let select = s.rows as f64 / s.select_seconds;
            json!({
                "rows": s.rows,
                "strait_rate": round2(rate),
                "strait_seconds": round3(s.worker.seconds),
                "select_rate": round2(select),
                "select_seconds": round3(s.select_seconds),
                "ratio_to_select": round2(rate / select),
                "peak_rss_kb": s.worker.peak_rss_kb,
                "idle_rss_kb": s.worker.idle_rss_kb,
                "rss_pass": s.worker.peak_rss_kb < RSS_LIMIT_KB,
                "worker_cpu_seconds": round3(s.worker.cpu_seconds),
                "broker_cpu_seconds": s.worker.broker_cpu_seconds.map(round3),
            })
        });
        let doc = json!({
            "events": self.events,
            "inserts": self.inserts,
            "binlog_start": format!("{}:{}", self.start.file, self.start.pos),
            "binlog_end": format!("{}:{}", self.end.file, self.end.pos),
            "load_seconds": round3(self.load_seconds),
            "e2e_rate": round2(e2e),
            "e2e_seconds": round3(self.e2e.seconds),
            "e2e_target": E2E_TARGET,
            "e2e_ratio": round2(e2e / E2E_TARGET),
            "e2e_pass": e2e >= E2E_TARGET,
            "worker_cpu_seconds": round3(self.e2e.cpu_seconds),
            "broker_cpu_seconds": self.e2e.broker_cpu_seconds.map(round3),
            "idle_rss_kb": self.e2e.idle_rss_kb,
            "e2e_lz4": {
                "rate": round2(self.rate(self.e2e_lz4.seconds)),
                "seconds": round3(self.e2e_lz4.seconds),
                "ratio": round2(self.rate(self.e2e_lz4.seconds) / E2E_TARGET),
                "pass": self.rate(self.e2e_lz4.seconds) >= E2E_TARGET,
                "worker_cpu_seconds": round3(self.e2e_lz4.cpu_seconds),
                "broker_cpu_seconds": self.e2e_lz4.broker_cpu_seconds.map(round3),
                "peak_rss_kb": self.e2e_lz4.peak_rss_kb,
                "rss_pass": self.e2e_lz4.peak_rss_kb < RSS_LIMIT_KB,
            },
            "decode_rate": round2(decode),
            "decode_seconds": round3(self.decode_seconds),
            "decode_first_record_seconds": round3(self.decode_first_seconds),
            "decode_steady_rate": round2(self.decode_steady_rate()),
            "c_reader_rate": round2(c),
            "c_reader_seconds": round3(self.c_seconds),
            "reader_rounds": READER_ROUNDS,
            "decode_rounds_seconds": self.decode_rounds.iter().copied().map(round3).collect::<Vec<_>>(),
            "c_reader_rounds_seconds": self.c_rounds.iter().copied().map(round3).collect::<Vec<_>>(),
            "decode_vs_c": round2(decode / c),
            "decode_vs_c_pass": decode >= c * C_TARGET,
            "python_rate": round2(py),
            "python_seconds": round3(self.python_seconds),
            "python_rows": self.python_rows,
            "decode_vs_python": round2(decode / py),
            "decode_vs_python_target": PYTHON_TARGET,
            "decode_vs_python_pass": decode >= py * PYTHON_TARGET,
            "peak_rss_kb": self.e2e.peak_rss_kb,
            "peak_hwm_kb": self.e2e.hwm_kb,
            "rss_limit_kb": RSS_LIMIT_KB,
            "rss_pass": self.e2e.peak_rss_kb < RSS_LIMIT_KB,
            "snapshot": snapshot,
        });
        support::write_results(dir, "mysql.json", &doc)
    }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/// Runs every phase, then drops the database and deletes the topics whatever happened.
async fn run(settings: &Settings) -> Result<Results> {
    let broker = connect_broker(&settings.bootstrap).await?;
    let mut admin = connect_mysql(settings).await?;
    admin
        .query_drop(format!("CREATE DATABASE `{}`", settings.database()))
        .await
        .context("cannot create the bench database")?;
    let outcome = measure(&broker, &mut admin, settings).await;
    let _ = admin
        .query_drop(format!("DROP DATABASE `{}`", settings.database()))
        .await;
    let _ = admin.disconnect().await;
    if let Err(e) = delete_topics(&settings.bootstrap, &run_topics(settings)).await {
        eprintln!("warning: could not delete this run's topics: {e:#}");
    }
    outcome
}

async fn measure(broker: &KafkaBroker, admin: &mut Conn, settings: &Settings) -> Result<Results> {
    let db = settings.database();
    let n = settings.events();
    create_table(admin, &db, "t").await?;

    // Two workers, each with one streaming connector paused before the load over the same
    // binlog range: the default (uncompressed batches) and
    // `producer.override.compression.type=lz4`. Separate processes, so each run's RSS is its own.
    let mut plain_worker = BenchWorker::start(settings, "").await?;
    let mut lz4_worker = BenchWorker::start(settings, "lz4").await?;
    let plain = Streamer::create(broker, &mut plain_worker, settings, &db, None).await?;
    let lz4 = Streamer::create(broker, &mut lz4_worker, settings, &db, Some("lz4")).await?;

    // The load starts a fresh binlog file: a reader positioned by GTID (the decode-only run's
    // offset has the GTID set, as Debezium's does) makes MariaDB scan its file from the start
    // to the GTID, which on the shared test server's long-lived file took seconds.
    admin
        .query_drop("FLUSH BINARY LOGS")
        .await
        .context("FLUSH BINARY LOGS")?;
    let start = master_status(admin).await?;
    let load_started = Instant::now();
    load_events(admin, &db, settings).await?;
    let load_seconds = load_started.elapsed().as_secs_f64();
    let end = master_status(admin).await?;
    println!(
        "loaded {n} row events in {load_seconds:.2} s (binlog {}:{} .. {}:{})",
        start.file, start.pos, end.file, end.pos
    );

    // 1. End to end, uncompressed then lz4, one after the other.
    let e2e = plain.run(broker, &mut plain_worker, settings, n).await?;
    plain_worker.stop()?;
    let e2e_lz4 = lz4.run(broker, &mut lz4_worker, settings, n).await?;
    lz4_worker.stop()?;

    // 2. Snapshot, on a worker of its own.
    let snapshot = if settings.snapshot_rows > 0 {
        let mut w = BenchWorker::start(settings, "snap").await?;
        let run = snapshot(broker, admin, settings, &w.rest, &mut w.worker).await?;
        w.stop()?;
        Some(run)
    } else {
        None
    };

    // 3 and 4. Decode-only, in this process, and the C reader, alternately.
    let mut decode_rounds: Vec<(f64, f64)> = Vec::with_capacity(READER_ROUNDS);
    let mut c_rounds = Vec::with_capacity(READER_ROUNDS);
    for round in 1..=READER_ROUNDS {
        let (seconds, first) = decode_only(settings, &start, n).await?;
        println!(
            "decode-only (round {round}): {n} records in {seconds:.2} s ({:.0} records/s; first record after {first:.2} s)",
            n as f64 / seconds
        );
        decode_rounds.push((seconds, first));
        let c_seconds = c_reader(settings, &start, &end)?;
        println!(
            "mariadb-binlog (round {round}): {c_seconds:.2} s ({:.0} events/s)",
            n as f64 / c_seconds
        );
        c_rounds.push(c_seconds);
    }
    let mut by_time = decode_rounds.clone();
    by_time.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (decode_seconds, decode_first_seconds) = by_time[by_time.len() / 2];
    let c_seconds = median(&c_rounds);
    // 5. The Python peer.
    let (python_seconds, python_rows) = python_peer(settings, &start, n)?;
    println!(
        "mysql-replication: {python_rows} rows in {python_seconds:.2} s ({:.0} rows/s)",
        python_rows as f64 / python_seconds
    );
    Ok(Results {
        events: n,
        inserts: settings.inserts,
        load_seconds,
        start,
        end,
        e2e,
        e2e_lz4,
        decode_seconds,
        decode_first_seconds,
        c_seconds,
        decode_rounds: decode_rounds.iter().map(|r| r.0).collect(),
        c_rounds,
        python_seconds,
        python_rows,
        snapshot,
    })
}

/// A run's peak RSS against the limit, with `extra` after the verdict.
fn print_peak_rss(label: &str, run: &WorkerRun, extra: &str) {
    let verdict = if run.peak_rss_kb < RSS_LIMIT_KB {
        "pass"
    } else {
        "MISS"
    };
    println!(
        "{label:<40} {:>8} KiB {:>8.2}  < {RSS_LIMIT_KB} KiB: {verdict}{extra}",
        run.peak_rss_kb,
        run.peak_rss_kb as f64 / RSS_LIMIT_KB as f64,
    );
}

/// A release `strait` worker process of this run, in distributed mode on its own internal
/// topics (`bench_<kind>_<id><tag>`).
struct BenchWorker {
    worker: Worker,
    rest: Rest,
    workdir: PathBuf,
}

impl BenchWorker {
    async fn start(settings: &Settings, tag: &str) -> Result<Self> {
        let id = format!("{}{tag}", settings.run_id);
        let workdir = settings.results_dir.join(format!("mysql-worker-{id}"));
        std::fs::create_dir_all(&workdir)
            .with_context(|| format!("cannot create {}", workdir.display()))?;
        let port = free_port()?;
        let properties = workdir.join("worker.properties");
        let group = format!("strait-bench-mysql-{id}");
        write_worker_properties(&properties, &settings.bootstrap, port, &group, &id)?;
        let mut worker = Worker::start(
            &settings.worker_bin,
            &properties,
            &workdir.join("worker.log"),
        )?;
        let rest = Rest { port };
        wait_for_rest(&rest, &mut worker).await?;
        Ok(Self {
            worker,
            rest,
            workdir,
        })
    }

    fn stop(self) -> Result<()> {
        self.worker.stop()?;
        let _ = std::fs::remove_dir_all(&self.workdir);
        Ok(())
    }
}

/// A streaming connector created and paused before the load, resumed for an end-to-end run.
struct Streamer {
    connector: String,
    topic: String,
}

impl Streamer {
    /// Creates the connector (`snapshot.mode=no_data`, its own topic prefix and schema history
    /// topic; batches compressed with `compression` when given) and pauses it once it runs.
    async fn create(
        broker: &KafkaBroker,
        bench: &mut BenchWorker,
        settings: &Settings,
        db: &str,
        compression: Option<&str>,
    ) -> Result<Self> {
        let id = &settings.run_id;
        let (prefix, connector) = match compression {
            None => (format!("bs{id}"), format!("bench-mysql-{id}")),
            Some(c) => (format!("bs{c}{id}"), format!("bench-mysql-{c}-{id}")),
        };
        let topic = format!("{prefix}.{db}.t");
        create_topic(broker, &topic).await?;
        let mut config = connector_config(settings, &prefix, "t", "no_data");
        if let Some(c) = compression {
            config.insert(
                "producer.override.compression.type".to_string(),
                c.to_string(),
            );
            config.insert(
                "schema.history.internal.kafka.topic".to_string(),
                format!("schema-history.{db}.t.{c}"),
            );
        }
        let (rest, worker) = (&bench.rest, &mut bench.worker);
        create_connector(rest, &connector, &config)?;
        wait_for_task_state(rest, worker, &connector, "RUNNING").await?;
        let (status, body) = rest.call("PUT", &format!("/connectors/{connector}/pause"), None)?;
        if status != 202 {
            bail!("PUT /connectors/{connector}/pause answered {status}: {body}");
        }
        wait_for_task_state(rest, worker, &connector, "PAUSED").await?;
        Ok(Self { connector, topic })
    }

    /// Resumes the connector, clocks it until its topic holds `n` records, checks the last
    /// one, and deletes the connector.
    async fn run(
        self,
        broker: &KafkaBroker,
        bench: &mut BenchWorker,
        settings: &Settings,
        n: usize,
    ) -> Result<WorkerRun> {
        let Self { connector, topic } = self;
        let (rest, worker) = (&bench.rest, &mut bench.worker);
        let idle_rss_kb = proc_status_kb(worker.pid(), "VmRSS")?;
        let broker_cpu = BrokerCpu::start(settings);
        let sampler = RssSampler::start(worker.pid());
        let cpu_before = proc_cpu_seconds(worker.pid())?;
        let started = Instant::now();
        let (status, body) = rest.call("PUT", &format!("/connectors/{connector}/resume"), None)?;
        if status != 202 {
            bail!("PUT /connectors/{connector}/resume answered {status}: {body}");
        }
        let hw = wait_for_records(broker, &topic, n as i64, started, worker, rest, &connector)
            .await?
            .end;
        let seconds = started.elapsed().as_secs_f64();
        let cpu_seconds = proc_cpu_seconds(worker.pid())? - cpu_before;
        let broker_cpu_seconds = broker_cpu.stop();
        let (peak_rss_kb, samples) = sampler.stop();
        let hwm_kb = proc_status_kb(worker.pid(), "VmHWM")?;
        if hw != n as i64 {
            bail!("topic {topic} holds {hw} records, expected {n}");
        }
        check_last_record(broker, &topic, hw, settings).await?;
        println!(
            "end to end ({connector}): {n} events in {seconds:.2} s ({:.0} events/s), peak RSS {peak_rss_kb} KiB over {samples} samples",
            n as f64 / seconds
        );
        let (status, body) = rest.call("DELETE", &format!("/connectors/{connector}"), None)?;
        if status != 204 && status != 200 {
            bail!("DELETE /connectors/{connector} answered {status}: {body}");
        }
        Ok(WorkerRun {
            seconds,
            peak_rss_kb,
            hwm_kb,
            cpu_seconds,
            idle_rss_kb,
            broker_cpu_seconds,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// MariaDB
// ---------------------------------------------------------------------------------------------

async fn connect_mysql(settings: &Settings) -> Result<Conn> {
    let url = settings.mysql_url();
    let opts = Opts::from_url(&url).with_context(|| format!("bad MySQL URL {url}"))?;
    match tokio::time::timeout(Duration::from_secs(10), Conn::new(opts)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => bail!(
            "MariaDB at {url} is not reachable: {e}; start the test services with \
             `bash scripts/services.sh up` or point STRAIT_TEST_MYSQL at a server"
        ),
        Err(_) => bail!("MariaDB at {url} did not answer within 10 s"),
    }
}

/// The bench table: 8 columns of the common types.
async fn create_table(admin: &mut Conn, db: &str, table: &str) -> Result<()> {
    admin
        .query_drop(format!(
            "CREATE TABLE `{db}`.`{table}` (id INT PRIMARY KEY, account BIGINT NOT NULL, \
             qty INT NOT NULL, name VARCHAR(32) NOT NULL, price DECIMAL(10,2) NOT NULL, \
             score DOUBLE NOT NULL, created DATETIME(6) NOT NULL, note VARCHAR(64))"
        ))
        .await
        .with_context(|| format!("cannot create {db}.{table}"))
}

/// Inserts rows `first..first+count` in statements of [`ROWS_PER_TXN`] rows.
async fn insert_rows(admin: &mut Conn, db: &str, table: &str, count: usize) -> Result<()> {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(ROWS_PER_TXN * 120);
    let mut next = 1;
    while next <= count {
        let last = (next + ROWS_PER_TXN - 1).min(count);
        sql.clear();
        let _ = write!(sql, "INSERT INTO `{db}`.`{table}` VALUES ");
        for i in next..=last {
            if i > next {
                sql.push(',');
            }
            let _ = write!(
                sql,
                "({i},{},{},'customer-{i:08}',{}.{:02},{},'2024-05-01 12:34:56.{:06}','note for row {i}')",
                i as u64 * 7919,
                i % 1000,
                i % 10_000,
                i % 100,
                i as f64 * 0.25,
                i % 1_000_000
            );
        }
        admin
            .query_drop(&sql)
            .await
            .with_context(|| format!("cannot insert rows {next}..={last} into {db}.{table}"))?;
        next = last + 1;
    }
    Ok(())
}

/// The streamed load: the inserts, then updates of the first half of the rows.
async fn load_events(admin: &mut Conn, db: &str, settings: &Settings) -> Result<()> {
    insert_rows(admin, db, "t", settings.inserts).await?;
    let updates = settings.updates();
    let mut next = 1;
    while next <= updates {
        let last = (next + ROWS_PER_TXN - 1).min(updates);
        admin
            .query_drop(format!(
                "UPDATE `{db}`.t SET qty = qty + 1, note = CONCAT('updated ', id) \
                 WHERE id BETWEEN {next} AND {last}"
            ))
            .await
            .with_context(|| format!("cannot update rows {next}..={last}"))?;
        next = last + 1;
    }
    Ok(())
}

async fn master_status(admin: &mut Conn) -> Result<Position> {
    let row: Option<Row> = admin
        .query_first("SHOW MASTER STATUS")
        .await
        .context("SHOW MASTER STATUS failed")?;
    let row = row.context("SHOW MASTER STATUS returned nothing: is the binlog on?")?;
    let file: String = row
        .get(0)
        .context("SHOW MASTER STATUS has no file column")?;
    let pos: u64 = row
        .get(1)
        .context("SHOW MASTER STATUS has no position column")?;
    // MySQL lists the executed set in SHOW MASTER STATUS; MariaDB has a variable.
    let gtids = match row.get_opt::<String, _>(4) {
        Some(Ok(set)) => Some(set),
        _ => admin
            .query_first::<String, _>("SELECT @@global.gtid_binlog_pos")
            .await
            .ok()
            .flatten(),
    }
    .map(|set| set.replace(['\n', '\r'], ""))
    .filter(|set| !set.trim().is_empty());
    Ok(Position { file, pos, gtids })
}

/// A unique replica server id (MariaDB disconnects a replica whose id reconnects).
fn server_id() -> u64 {
    100_000 + (uuid::Uuid::new_v4().as_u128() % 4_000_000_000) as u64
}

/// The broker's CPU time over a measured interval, when the broker listens on this machine
/// (the test tansu does): what the end-to-end rate cannot go below on a shared machine.
struct BrokerCpu {
    pid: Option<u32>,
    before: f64,
}

impl BrokerCpu {
    fn start(settings: &Settings) -> Self {
        let pid = settings
            .bootstrap
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .and_then(listening_pid);
        let before = pid.and_then(|p| proc_cpu_seconds(p).ok()).unwrap_or(0.0);
        Self { pid, before }
    }

    fn stop(self) -> Option<f64> {
        let pid = self.pid?;
        proc_cpu_seconds(pid).ok().map(|now| now - self.before)
    }
}

fn connector_config(settings: &Settings, prefix: &str, table: &str, mode: &str) -> ConfigMap {
    let db = settings.database();
    [
        (
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector".to_string(),
        ),
        ("tasks.max", "1".to_string()),
        ("database.hostname", settings.mysql_host.clone()),
        ("database.port", settings.mysql_port.to_string()),
        ("database.user", "root".to_string()),
        ("database.server.id", server_id().to_string()),
        ("topic.prefix", prefix.to_string()),
        ("database.include.list", db.clone()),
        ("table.include.list", format!("{db}.{table}")),
        ("include.schema.changes", "false".to_string()),
        ("snapshot.mode", mode.to_string()),
        // Debezium's default Kafka schema history, one topic per table: the decode-only run
        // (table `t`) recovers from the history the end-to-end connector recorded before the
        // load, which covers the binlog range it reads.
        (
            "schema.history.internal.kafka.topic",
            format!("schema-history.{db}.{table}"),
        ),
        (
            "schema.history.internal.kafka.bootstrap.servers",
            settings.bootstrap.clone(),
        ),
        (
            "schema.history.internal.store.only.captured.databases.ddl",
            "true".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain(extra_connector_settings())
    .collect()
}

/// `STRAIT_BENCH_MYSQL_CONNECTOR="key=value,key=value"`: settings added to every connector of
/// the run (to compare `max.batch.size` or `max.queue.size` values, say).
fn extra_connector_settings() -> Vec<(String, String)> {
    std::env::var("STRAIT_BENCH_MYSQL_CONNECTOR")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------------

async fn snapshot(
    broker: &KafkaBroker,
    admin: &mut Conn,
    settings: &Settings,
    rest: &Rest,
    worker: &mut Worker,
) -> Result<SnapshotRun> {
    let db = settings.database();
    let rows = settings.snapshot_rows;
    create_table(admin, &db, "s").await?;
    let started = Instant::now();
    insert_rows(admin, &db, "s", rows).await?;
    println!(
        "snapshot table: {rows} rows loaded in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let prefix = format!("bn{}", settings.run_id);
    let topic = format!("{prefix}.{db}.s");
    create_topic(broker, &topic).await?;
    let connector = format!("bench-mysql-snapshot-{}", settings.run_id);
    let config = connector_config(settings, &prefix, "s", "initial_only");
    let idle_rss_kb = proc_status_kb(worker.pid(), "VmRSS")?;
    let broker_cpu = BrokerCpu::start(settings);
    let sampler = RssSampler::start(worker.pid());
    let cpu_before = proc_cpu_seconds(worker.pid())?;
    let started = Instant::now();
    create_connector(rest, &connector, &config)?;
    let hw = wait_for_records(
        broker,
        &topic,
        rows as i64,
        started,
        worker,
        rest,
        &connector,
    )
    .await?
    .end;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = proc_cpu_seconds(worker.pid())? - cpu_before;
    let broker_cpu_seconds = broker_cpu.stop();
    let (peak_rss_kb, _) = sampler.stop();
    let hwm_kb = proc_status_kb(worker.pid(), "VmHWM")?;
    if hw != rows as i64 {
        bail!("snapshot topic {topic} holds {hw} records, expected {rows}");
    }
    println!(
        "snapshot: {rows} rows in {seconds:.2} s ({:.0} rows/s), peak RSS {peak_rss_kb} KiB",
        rows as f64 / seconds
    );
    let _ = rest.call("DELETE", &format!("/connectors/{connector}"), None);

    let started = Instant::now();
    let status = Command::new("mariadb")
        .args([
            "-h",
            &settings.mysql_host,
            "-P",
            &settings.mysql_port.to_string(),
            "-uroot",
            "--quick",
            "-e",
            &format!("SELECT * FROM `{db}`.s"),
        ])
        .stdout(Stdio::null())
        .status()
        .context("cannot run the `mariadb` client")?;
    let select_seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("`mariadb -e 'SELECT * FROM {db}.s'` failed: {status}");
    }
    println!("mariadb --quick SELECT *: {rows} rows in {select_seconds:.2} s");
    Ok(SnapshotRun {
        rows,
        worker: WorkerRun {
            seconds,
            peak_rss_kb,
            hwm_kb,
            cpu_seconds,
            idle_rss_kb,
            broker_cpu_seconds,
        },
        select_seconds,
    })
}

// ---------------------------------------------------------------------------------------------
// Decode-only, the C reader and the Python peer
// ---------------------------------------------------------------------------------------------

/// A connector context that ignores requests: the connector runs alone, outside a worker.
struct NoWorker;

impl ConnectorContext for NoWorker {
    fn request_task_reconfiguration(&self) {}
    fn raise_error(&self, error: strait_api::ConnectError) {
        eprintln!("the connector raised an error: {error}");
    }
}

/// Starts the connector's task in process at `start` and polls until `n` records; returns the
/// seconds from `start` until then and until the first record.
async fn decode_only(settings: &Settings, start: &Position, n: usize) -> Result<(f64, f64)> {
    // The end-to-end connector's server name: its schema history (recorded before the load,
    // covering the table's definition) is recovered for this server only.
    let prefix = format!("bs{}", settings.run_id);
    // `initial` with a committed offset streams from it.
    let config = connector_config(settings, &prefix, "t", "initial");
    let PluginFactory::Source(make) = strait_connectors::mysql::plugin().factory else {
        bail!("the MySQL plugin is not a source connector");
    };
    let mut connector = make();
    connector
        .start(&config, Arc::new(NoWorker))
        .await
        .context("the MySQL connector did not start")?;
    let task_config = connector
        .task_configs(1)
        .await
        .context("the MySQL connector gave no task configs")?
        .into_iter()
        .next()
        .context("the MySQL connector gave no task config")?;
    let name = "bench-decode";
    let store = Arc::new(MemoryOffsetStore::new());
    let partition: OffsetMap = json_map(json!({ "server": prefix }))?;
    let mut offset: OffsetMap = json_map(json!({ "file": start.file, "pos": start.pos }))?;
    if let Some(gtids) = &start.gtids {
        offset.insert("gtids".to_string(), Json::String(gtids.clone()));
    }
    store
        .put(name, vec![(partition, Some(offset))])
        .await
        .context("cannot store the start offset")?;
    let mut task = connector.create_task();
    let context = SourceTaskContext {
        connector: name.to_string(),
        task: 0,
        offsets: Arc::new(ConnectorOffsetReader::new(store, name)),
    };
    let started = Instant::now();
    task.start(&task_config, context)
        .await
        .context("the MySQL task did not start")?;
    let topic = format!("{prefix}.{}.t", settings.database());
    let (mut seen, mut last_growth, mut first) = (0usize, Instant::now(), None);
    while seen < n {
        let batch = task.poll().await.context("the MySQL task failed to poll")?;
        if batch.is_empty() {
            if last_growth.elapsed() > STALL_LIMIT {
                bail!("decode-only stalled at {seen} of {n} records");
            }
            continue;
        }
        last_growth = Instant::now();
        first.get_or_insert_with(|| started.elapsed().as_secs_f64());
        seen += batch.iter().filter(|r| r.topic == topic).count();
    }
    let seconds = started.elapsed().as_secs_f64();
    task.stop().await.context("the MySQL task did not stop")?;
    connector
        .stop()
        .await
        .context("the connector did not stop")?;
    if seen != n {
        bail!("decode-only read {seen} records of {topic}, expected {n}");
    }
    Ok((seconds, first.unwrap_or(seconds)))
}

/// The median of a non-empty list.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn json_map(value: Json) -> Result<OffsetMap> {
    match value {
        Json::Object(map) => Ok(map),
        other => bail!("not a JSON object: {other}"),
    }
}

/// `mariadb-binlog` decoding the rows of `start..end` to `/dev/null`; returns the wall seconds.
fn c_reader(settings: &Settings, start: &Position, end: &Position) -> Result<f64> {
    let mut command = Command::new("mariadb-binlog");
    command
        .arg("--read-from-remote-server")
        .arg(format!("--host={}", settings.mysql_host))
        .arg(format!("--port={}", settings.mysql_port))
        .arg("--user=root")
        .arg("--verbose")
        .arg("--base64-output=decode-rows")
        .arg(format!("--start-position={}", start.pos))
        .arg(format!("--stop-position={}", end.pos));
    if start.file != end.file {
        // --stop-position then applies to the last log.
        command.arg("--to-last-log");
    }
    command
        .arg(&start.file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = command.output().context("cannot run mariadb-binlog")?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "mariadb-binlog failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(seconds)
}

/// The Python peer: every row of the bench table from `start`, until `n` rows.
const PYTHON_PEER: &str = r#"
import sys, time
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.row_event import WriteRowsEvent, UpdateRowsEvent
host, port, log_file, log_pos, server_id, schema, target = sys.argv[1:]
target = int(target)
started = time.monotonic()
stream = BinLogStreamReader(
    connection_settings={"host": host, "port": int(port), "user": "root", "passwd": ""},
    server_id=int(server_id), only_events=[WriteRowsEvent, UpdateRowsEvent],
    only_schemas=[schema], only_tables=["t"], resume_stream=True,
    log_file=log_file, log_pos=int(log_pos), blocking=False)
rows = 0
for event in stream:
    for row in event.rows:
        rows += 1
    if rows >= target:
        break
stream.close()
print(rows, time.monotonic() - started)
"#;

/// Runs [`PYTHON_PEER`]; returns its own timing (imports excluded) and the rows it saw.
fn python_peer(settings: &Settings, start: &Position, n: usize) -> Result<(f64, usize)> {
    let output = Command::new(&settings.python)
        .arg("-c")
        .arg(PYTHON_PEER)
        .args([
            settings.mysql_host.clone(),
            settings.mysql_port.to_string(),
            start.file.clone(),
            start.pos.to_string(),
            server_id().to_string(),
            settings.database(),
            n.to_string(),
        ])
        .output()
        .with_context(|| {
            format!(
                "cannot run {} (pip install mysql-replication)",
                settings.python
            )
        })?;
    if !output.status.success() {
        bail!(
            "the Python peer failed ({}; is `mysql-replication` installed? `pip install \
             mysql-replication`): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let rows: usize = fields
        .next()
        .and_then(|f| f.parse().ok())
        .with_context(|| format!("the Python peer printed {text:?}"))?;
    let seconds: f64 = fields
        .next()
        .and_then(|f| f.parse().ok())
        .with_context(|| format!("the Python peer printed {text:?}"))?;
    if rows != n {
        bail!("the Python peer saw {rows} rows, expected {n}");
    }
    Ok((seconds, rows))
}

// ---------------------------------------------------------------------------------------------
// The broker
// ---------------------------------------------------------------------------------------------

/// Every topic a run may create.
fn run_topics(settings: &Settings) -> Vec<String> {
    let (id, db) = (&settings.run_id, settings.database());
    let mut topics: Vec<String> = ["configs", "offsets", "status"]
        .iter()
        .flat_map(|kind| ["", "lz4", "snap"].map(|tag| format!("bench_{kind}_{id}{tag}")))
        .collect();
    topics.push(format!("bs{id}.{db}.t"));
    topics.push(format!("bslz4{id}.{db}.t"));
    topics.push(format!("schema-history.{db}.t.lz4"));
    topics.push(format!("bn{id}.{db}.s"));
    topics.push(format!("schema-history.{db}.t"));
    topics.push(format!("schema-history.{db}.s"));
    topics
}

/// The last record is the last update, rendered by JsonConverter with its schema.
async fn check_last_record(
    broker: &KafkaBroker,
    topic: &str,
    end: i64,
    settings: &Settings,
) -> Result<()> {
    let value = last_value(broker, topic, end)
        .await?
        .with_context(|| format!("topic {topic} has no value at offset {}", end - 1))?;
    let json: Json = serde_json::from_slice(&value)
        .with_context(|| format!("the last record of {topic} is not JSON"))?;
    let payload = &json["payload"];
    let id = settings.updates() as u64;
    if json["schema"]["type"] != "struct"
        || payload["op"] != "u"
        || payload["after"]["id"].as_u64() != Some(id)
        || payload["after"]["note"] != format!("updated {id}").as_str()
    {
        bail!("the last record of {topic} is not the update of row {id}: {json}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Connectors on the worker
// ---------------------------------------------------------------------------------------------

fn create_connector(rest: &Rest, name: &str, config: &ConfigMap) -> Result<()> {
    let body = json!({ "name": name, "config": config }).to_string();
    let (status, answer) = rest.call("POST", "/connectors", Some(&body))?;
    if status != 201 {
        bail!("POST /connectors ({name}) answered {status}: {answer}");
    }
    Ok(())
}

/// Waits until task 0 of `connector` reports `state`; fails on FAILED.
async fn wait_for_task_state(
    rest: &Rest,
    worker: &mut Worker,
    connector: &str,
    state: &str,
) -> Result<()> {
    let deadline = Instant::now() + STARTUP_LIMIT;
    loop {
        worker.check_alive()?;
        let (status, body) = rest.call("GET", &format!("/connectors/{connector}/status"), None)?;
        if status == 200 {
            let json: Json = serde_json::from_str(&body)
                .with_context(|| format!("status of {connector} is not JSON: {body}"))?;
            let task = &json["tasks"][0]["state"];
            if task == state {
                return Ok(());
            }
            if task == "FAILED" || json["connector"]["state"] == "FAILED" {
                bail!("connector {connector} failed: {body}");
            }
        }
        if Instant::now() > deadline {
            bail!("task 0 of {connector} not {state} after {STARTUP_LIMIT:?}: {body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
