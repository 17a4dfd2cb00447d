//! The worker benchmark: FileStream→broker throughput against the raw producer, and the worker's
//! idle and loaded memory.
//!
//! ```text
//! cargo bench --bench worker          # or: bash scripts/bench.sh
//! ```
//!
//! Both throughput figures come from one run against the same broker, so their ratio means
//! something even on a noisy shared machine where the absolute numbers do not:
//! 1. **raw**: [`KafkaBroker::produce`] — the producer the worker itself uses — sends N records
//!    whose values are byte for byte what FileStream + JsonConverter write for the same lines, in
//!    batches of FileStream's default `batch.size`, to a fresh one-partition topic;
//! 2. **filestream**: the release `strait` binary (built by cargo for this bench, see
//!    `CARGO_BIN_EXE_strait`) runs in distributed mode with its own internal topics; a
//!    FileStream connector is created over REST for a file of the same N lines, and the clock
//!    runs from the `POST /connectors` until the destination topic's Fetch high watermark (not
//!    ListOffsets, which tansu gets wrong) reaches N.
//!
//! Memory is the worker's `VmRSS` from `/proc/<pid>/status`: idle a couple of seconds after
//! `GET /` first answers, and the peak of samples taken every 50 ms during the FileStream run.
//!
//! The results go to stdout and `target/bench-results/worker.json`. A missed target is reported,
//! not turned into a failing exit status (timing on shared machines is a measurement, not a
//! test); an error — broker unreachable, worker dead, records missing — fails the run.
//!
//! Settings (environment): `STRAIT_TEST_KAFKA` (broker, default 127.0.0.1:39092),
//! `STRAIT_BENCH_RECORDS` (N, default 500000), `STRAIT_BENCH_BROKER_PID` (report the broker's CPU
//! time too), `STRAIT_BENCH_PERF=<file>` (record a `perf` profile of the worker's run). Method and
//! figures: `docs/benchmarks.md`.

mod support;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::json;
use strait_runtime::kafka::{Broker, KafkaBroker, ProduceRecord};
use support::{
    connect_broker, cpu_since, create_topic, delete_topics, free_port, high_watermark, last_value,
    own_cpu_seconds, proc_cpu_seconds, proc_status_kb, round2, round3, smoke_run, wait_for_records,
    wait_for_rest, write_worker_properties, Rest, RssSampler, Worker,
};

/// Records per `produce` call in the raw run: FileStream's default `batch.size`, so both runs
/// hand the producer batches of the same size.
const BATCH: usize = 2000;
/// Bytes per line of the input file (without the newline).
const LINE_LEN: usize = 100;
/// Throughput target: FileStream at this fraction of the raw producer's rate.
const TARGET_RATIO: f64 = 0.8;
/// Idle memory limit, in KiB (20 MB).
const IDLE_TARGET_KB: u64 = 20 * 1024;
/// How long after `GET /` first answers the idle RSS is read.
const IDLE_SETTLE: Duration = Duration::from_secs(2);

fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let results = support::run_bench(run(&settings))??;
    results.print();
    let path = results.write(&settings.results_dir)?;
    println!("results written to {}", path.display());
    Ok(())
}

/// What the benchmark was asked to do.
struct Settings {
    bootstrap: String,
    records: usize,
    /// The `strait` binary cargo built for this bench (release profile).
    worker_bin: PathBuf,
    /// `target/bench-results`.
    results_dir: PathBuf,
    /// A suffix shared by every topic, group and file name of this run.
    run_id: String,
    /// Where `perf record` writes a profile of the worker during the FileStream run, if asked
    /// (`STRAIT_BENCH_PERF`).
    perf_output: Option<PathBuf>,
    /// The broker's process id, if given (`STRAIT_BENCH_BROKER_PID`), to report its CPU time
    /// in each phase: on a small machine the broker competes with the worker for the cores.
    broker_pid: Option<u32>,
}

impl Settings {
    fn from_env() -> Result<Self> {
        let default_records = if smoke_run() { 20_000 } else { 500_000 };
        Ok(Self {
            bootstrap: support::kafka_bootstrap(),
            records: support::env_count("STRAIT_BENCH_RECORDS", default_records, 1)?,
            worker_bin: PathBuf::from(env!("CARGO_BIN_EXE_strait")),
            results_dir: support::results_dir(),
            run_id: support::run_id(12),
            perf_output: std::env::var_os("STRAIT_BENCH_PERF").map(PathBuf::from),
            broker_pid: support::env_pid("STRAIT_BENCH_BROKER_PID")?,
        })
    }
}

/// The figures of one run.
struct Results {
    records: usize,
    raw: RawRun,
    filestream: FileStreamRun,
}

impl Results {
    fn filestream_rate(&self) -> f64 {
        self.records as f64 / self.filestream.seconds
    }
    fn ratio(&self) -> f64 {
        self.filestream_rate() / self.raw.rate
    }
    fn throughput_pass(&self) -> bool {
        self.ratio() >= TARGET_RATIO
    }
    fn idle_pass(&self) -> bool {
        self.filestream.idle_rss_kb < IDLE_TARGET_KB
    }
    /// CPU microseconds per record.
    fn per_record_us(&self, cpu_seconds: f64) -> f64 {
        cpu_seconds * 1e6 / self.records as f64
    }

    fn print(&self) {
        let (raw, fs) = (&self.raw, &self.filestream);
        let verdict = |ok: bool| if ok { "pass" } else { "MISS" };
        println!();
        println!(
            "worker benchmark ({} records of {LINE_LEN} bytes)",
            self.records
        );
        println!("{:<36} {:>14} {:>8}  target", "", "value", "ratio");
        println!(
            "{:<36} {:>10.0} r/s {:>8}",
            "raw producer (KafkaBroker::produce)", raw.rate, "1.00"
        );
        println!(
            "{:<36} {:>10.0} r/s {:>8.2}  >= {TARGET_RATIO:.2} of raw: {}",
            "FileStream -> broker",
            self.filestream_rate(),
            self.ratio(),
            verdict(self.throughput_pass())
        );
        println!(
            "{:<36} {:>10.0} r/s {:>8.2}  (after the first record, {:.3} s in)",
            "  of which steady state",
            fs.steady_rate,
            fs.steady_rate / raw.rate,
            fs.first_record_seconds
        );
        println!(
            "{:<36} {:>10} KiB {:>8.2}  < {IDLE_TARGET_KB} KiB: {}",
            "idle RSS",
            fs.idle_rss_kb,
            fs.idle_rss_kb as f64 / IDLE_TARGET_KB as f64,
            verdict(self.idle_pass())
        );
        println!(
            "{:<36} {:>10} KiB {:>8.2}  (of the idle limit; {} samples, VmHWM {} KiB)",
            "loaded RSS (peak)",
            fs.loaded_rss_kb,
            fs.loaded_rss_kb as f64 / IDLE_TARGET_KB as f64,
            fs.rss_samples,
            fs.peak_hwm_kb
        );
        println!(
            "{:<36} {:>8.2} us/rec {:>8.2}  (raw producer {:.2} us/rec, in the bench process)",
            "worker CPU per record",
            self.per_record_us(fs.cpu_seconds),
            fs.cpu_seconds / raw.cpu_seconds,
            self.per_record_us(raw.cpu_seconds)
        );
        if let (Some(raw_broker), Some(fs_broker)) = (raw.broker_cpu_seconds, fs.broker_cpu_seconds)
        {
            println!(
                "{:<36} {:>8.2} us/rec {:>8.2}  (raw run {:.2} us/rec)",
                "broker CPU per record",
                self.per_record_us(fs_broker),
                fs_broker / raw_broker,
                self.per_record_us(raw_broker)
            );
        }
        println!(
            "wall: raw {:.2} s in produce (+{:.2} s building batches), FileStream {:.2} s",
            raw.seconds, raw.build_seconds, fs.seconds
        );
    }

    fn write(&self, dir: &Path) -> Result<PathBuf> {
        let (raw, fs) = (&self.raw, &self.filestream);
        let doc = json!({
            "records": self.records,
            "line_bytes": LINE_LEN,
            "batch_size": BATCH,
            "raw_rate": round2(raw.rate),
            "raw_seconds": round3(raw.seconds),
            "raw_cpu_seconds": round3(raw.cpu_seconds),
            "raw_broker_cpu_seconds": raw.broker_cpu_seconds.map(round3),
            "filestream_rate": round2(self.filestream_rate()),
            "filestream_seconds": round3(fs.seconds),
            "first_record_seconds": round3(fs.first_record_seconds),
            "steady_rate": round2(fs.steady_rate),
            "steady_ratio": round2(fs.steady_rate / raw.rate),
            "worker_cpu_seconds": round3(fs.cpu_seconds),
            "filestream_broker_cpu_seconds": fs.broker_cpu_seconds.map(round3),
            "ratio": round2(self.ratio()),
            "target_ratio": TARGET_RATIO,
            "throughput_pass": self.throughput_pass(),
            "idle_rss_kb": fs.idle_rss_kb,
            "idle_target_kb": IDLE_TARGET_KB,
            "idle_pass": self.idle_pass(),
            "loaded_rss_kb": fs.loaded_rss_kb,
            "peak_hwm_kb": fs.peak_hwm_kb,
            "rss_samples": fs.rss_samples,
        });
        support::write_results(dir, "worker.json", &doc)
    }
}

/// Runs both phases, then deletes the run's topics whatever happened: the test broker keeps
/// everything in memory, and every run writes 2N records.
async fn run(settings: &Settings) -> Result<Results> {
    let broker = connect_broker(&settings.bootstrap).await?;
    let outcome = measure(&broker, settings).await;
    if let Err(e) = delete_topics(&settings.bootstrap, &run_topics(&settings.run_id)).await {
        eprintln!("warning: could not delete this run's topics: {e:#}");
    }
    outcome
}

async fn measure(broker: &KafkaBroker, settings: &Settings) -> Result<Results> {
    let n = settings.records;
    let raw = raw_producer(broker, settings).await?;
    println!(
        "raw producer: {n} records in {:.2} s ({:.0} records/s)",
        raw.seconds, raw.rate
    );
    let filestream = filestream(broker, settings).await?;
    println!(
        "FileStream: {n} records in {:.2} s ({:.0} records/s)",
        filestream.seconds,
        n as f64 / filestream.seconds
    );
    Ok(Results {
        records: n,
        raw,
        filestream,
    })
}

// ---------------------------------------------------------------------------------------------
// The records
// ---------------------------------------------------------------------------------------------

/// Line `i` of the input file: a 10-digit number and a letter pattern, `LINE_LEN` bytes, nothing
/// that JSON escapes.
fn line(i: usize, out: &mut String) {
    const FILL: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    out.clear();
    use std::fmt::Write as _;
    let _ = write!(out, "{i:010} ");
    let start = out.len();
    out.extend((start..LINE_LEN).map(|k| FILL[(i + k) % FILL.len()] as char));
}

/// The value JsonConverter (schemas enabled) writes for a FileStream line: a string schema
/// envelope around the line.
fn envelope(line: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(line.len() + 64);
    v.extend_from_slice(br#"{"schema":{"type":"string","optional":false},"payload":""#);
    v.extend_from_slice(line.as_bytes());
    v.extend_from_slice(br#""}"#);
    v
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The broker
// ---------------------------------------------------------------------------------------------

/// Every topic a run may create: the two destinations and the worker's internal topics.
fn run_topics(id: &str) -> Vec<String> {
    ["raw", "filestream", "configs", "offsets", "status"]
        .iter()
        .map(|kind| format!("bench_{kind}_{id}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. The raw producer
// ---------------------------------------------------------------------------------------------

/// What the raw producer run measured.
struct RawRun {
    /// Seconds spent inside `produce` calls.
    seconds: f64,
    rate: f64,
    /// Seconds spent building the batches (outside the clock).
    build_seconds: f64,
    /// CPU seconds of the bench process in `produce` (its total CPU minus the building time:
    /// building is single-threaded and CPU-bound).
    cpu_seconds: f64,
    broker_cpu_seconds: Option<f64>,
}

/// Produces N FileStream-shaped records in batches of [`BATCH`]. Only the `produce` calls are
/// timed: building the records stands for the worker's conversion, which belongs to the
/// FileStream figure, not to the producer's.
async fn raw_producer(broker: &KafkaBroker, settings: &Settings) -> Result<RawRun> {
    let topic = format!("bench_raw_{}", settings.run_id);
    create_topic(broker, &topic).await?;
    let n = settings.records;
    let mut text = String::with_capacity(LINE_LEN);
    let (mut produced, mut building) = (Duration::ZERO, Duration::ZERO);
    let cpu_before = own_cpu_seconds()?;
    let broker_before = broker_cpu(settings)?;
    let mut next = 0;
    while next < n {
        let end = (next + BATCH).min(n);
        let build_started = Instant::now();
        let ts = now_ms();
        let batch: Vec<ProduceRecord> = (next..end)
            .map(|i| {
                line(i, &mut text);
                ProduceRecord {
                    key: None,
                    value: Some(envelope(&text).into()),
                    headers: Vec::new(),
                    timestamp_ms: ts,
                }
            })
            .collect();
        building += build_started.elapsed();
        let started = Instant::now();
        let offsets = broker
            .produce(&topic, 0, batch)
            .await
            .with_context(|| format!("raw produce to {topic} failed at record {next}"))?;
        produced += started.elapsed();
        if offsets.len() != end - next {
            bail!(
                "raw produce to {topic}: {} offsets for {} records",
                offsets.len(),
                end - next
            );
        }
        next = end;
    }
    let cpu_seconds = own_cpu_seconds()? - cpu_before - building.as_secs_f64();
    let broker_cpu_seconds = cpu_since(broker_before, broker_cpu(settings)?);
    let mut position = 0;
    let hw = high_watermark(broker, &topic, n as i64, &mut position).await?;
    if hw != n as i64 {
        bail!("raw topic {topic} ends at {hw} after producing {n} records");
    }
    let seconds = produced.as_secs_f64();
    Ok(RawRun {
        seconds,
        rate: n as f64 / seconds,
        build_seconds: building.as_secs_f64(),
        cpu_seconds: cpu_seconds.max(0.0),
        broker_cpu_seconds,
    })
}

/// The broker's CPU seconds so far, when its pid is known.
fn broker_cpu(settings: &Settings) -> Result<Option<f64>> {
    settings.broker_pid.map(proc_cpu_seconds).transpose()
}

// ---------------------------------------------------------------------------------------------
// 2. FileStream end to end
// ---------------------------------------------------------------------------------------------

/// What the FileStream run measured.
struct FileStreamRun {
    seconds: f64,
    /// From `POST /connectors` until the first record is in the topic: connector and task
    /// start-up, topic lookup, the first read and the first produce.
    first_record_seconds: f64,
    /// Records per second from the first record to the last.
    steady_rate: f64,
    idle_rss_kb: u64,
    loaded_rss_kb: u64,
    peak_hwm_kb: u64,
    rss_samples: usize,
    /// Worker CPU seconds (user + system) from connector creation to the last record.
    cpu_seconds: f64,
    broker_cpu_seconds: Option<f64>,
}

async fn filestream(broker: &KafkaBroker, settings: &Settings) -> Result<FileStreamRun> {
    let id = &settings.run_id;
    let n = settings.records;
    let topic = format!("bench_filestream_{id}");
    let input = std::env::temp_dir().join(format!("strait-bench-{id}.txt"));
    let workdir = settings.results_dir.join(format!("worker-{id}"));
    std::fs::create_dir_all(&workdir)
        .with_context(|| format!("cannot create {}", workdir.display()))?;
    // The input always goes; the worker's directory (its log) only after a successful run.
    let _cleanup = RemoveOnDrop(vec![input.clone()]);
    write_input(&input, n)?;
    create_topic(broker, &topic).await?;

    let port = free_port()?;
    let properties = workdir.join("worker.properties");
    let group = format!("strait-bench-{id}");
    write_worker_properties(&properties, &settings.bootstrap, port, &group, id)?;
    let mut worker = Worker::start(
        &settings.worker_bin,
        &properties,
        &workdir.join("worker.log"),
    )?;
    let rest = Rest { port };
    wait_for_rest(&rest, &mut worker).await?;
    tokio::time::sleep(IDLE_SETTLE).await;
    worker.check_alive()?;
    let idle_rss_kb = proc_status_kb(worker.pid(), "VmRSS")?;
    println!("worker idle: {idle_rss_kb} KiB RSS");

    let profiler = match &settings.perf_output {
        Some(path) => Some(Profiler::start(worker.pid(), path)?),
        None => None,
    };
    let sampler = RssSampler::start(worker.pid());
    let cpu_before = proc_cpu_seconds(worker.pid())?;
    let broker_before = broker_cpu(settings)?;
    let connector = format!("bench-filestream-{id}");
    let body = json!({
        "name": connector,
        "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "tasks.max": "1",
            "file": input.display().to_string(),
            "topic": topic,
        }
    })
    .to_string();
    let started = Instant::now();
    let (status, answer) = rest.call("POST", "/connectors", Some(&body))?;
    if status != 201 {
        bail!("POST /connectors answered {status}: {answer}");
    }
    let progress = wait_for_records(
        broker,
        &topic,
        n as i64,
        started,
        &mut worker,
        &rest,
        &connector,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = proc_cpu_seconds(worker.pid())? - cpu_before;
    let broker_cpu_seconds = cpu_since(broker_before, broker_cpu(settings)?);
    let (loaded_rss_kb, rss_samples) = sampler.stop();
    if let Some(profiler) = profiler {
        profiler.stop()?;
    }
    let peak_hwm_kb = proc_status_kb(worker.pid(), "VmHWM")?;

    check_output(broker, &topic, n, progress.end).await?;
    let (status, state) = rest.call("GET", &format!("/connectors/{connector}/status"), None)?;
    if status != 200 || state.contains("FAILED") {
        bail!("connector status after the run ({status}): {state}");
    }
    worker.stop()?;
    let _ = std::fs::remove_dir_all(&workdir);

    let first_record_seconds = progress.first_record.as_secs_f64();
    // The rate once records flow: what start-up costs is left out.
    let steady_records = (n as i64 - progress.first_high_watermark) as f64;
    let steady_rate = if seconds > first_record_seconds && steady_records > 0.0 {
        steady_records / (seconds - first_record_seconds)
    } else {
        0.0
    };
    Ok(FileStreamRun {
        seconds,
        first_record_seconds,
        steady_rate,
        idle_rss_kb,
        loaded_rss_kb: loaded_rss_kb.max(idle_rss_kb),
        peak_hwm_kb,
        rss_samples,
        cpu_seconds,
        broker_cpu_seconds,
    })
}

/// The topic holds exactly N records and the last is byte for byte the raw run's record.
async fn check_output(broker: &KafkaBroker, topic: &str, n: usize, end: i64) -> Result<()> {
    if end != n as i64 {
        bail!("topic {topic} holds {end} records, expected {n} (duplicates?)");
    }
    let mut text = String::new();
    line(n - 1, &mut text);
    let expected = envelope(&text);
    let last = last_value(broker, topic, end).await?;
    if last.as_deref() != Some(expected.as_slice()) {
        bail!(
            "the last FileStream record is not the raw run's bytes: got {:?}, expected {:?}",
            last.map(|v| String::from_utf8_lossy(&v).into_owned()),
            String::from_utf8_lossy(&expected)
        );
    }
    Ok(())
}

/// Writes the N lines, each ending in `\n`.
fn write_input(path: &Path, n: usize) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let mut text = String::with_capacity(LINE_LEN);
    for i in 0..n {
        line(i, &mut text);
        out.write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Around the worker process
// ---------------------------------------------------------------------------------------------

/// `perf record` attached to the worker, with DWARF call graphs (the release build keeps no frame
/// pointers, but its unwind tables let perf walk the stack).
struct Profiler {
    child: Child,
}

impl Profiler {
    fn start(pid: u32, output: &Path) -> Result<Self> {
        let child = Command::new("perf")
            .args([
                "record",
                "-F",
                "999",
                "--call-graph",
                "dwarf",
                "-p",
                &pid.to_string(),
                "-o",
            ])
            .arg(output)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start `perf record` (STRAIT_BENCH_PERF is set)")?;
        // Give perf time to attach before the clock starts.
        std::thread::sleep(Duration::from_millis(500));
        Ok(Self { child })
    }

    /// SIGINT makes perf write its file and exit.
    fn stop(mut self) -> Result<()> {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .context("cannot signal perf")?;
        self.child.wait().context("perf did not exit")?;
        Ok(())
    }
}

/// Removes files and directories when the run ends, whichever way.
struct RemoveOnDrop(Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for path in &self.0 {
            if path.is_dir() {
                let _ = std::fs::remove_dir_all(path);
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
