//! The DynamoDB CDC source benchmark: snapshot items/s and CDC records/s against moto, each beside
//! the rate a plain boto3 reader gets from the same table on the same moto (the emulator's
//! ceiling), and Strait's CPU time per item.
//!
//! ```text
//! cargo bench --bench dynamodb
//! ```
//!
//! The question is whether Strait is ever the bottleneck, so every Strait figure is a ratio to a
//! reader that does nothing but call the emulator, measured in the same run:
//! 1. **scan ceiling**: a table of N ~200-byte items (S, N, BOOL, SS, M, L attributes) loaded with
//!    `BatchWriteItem`, on demand so no read-capacity budget applies; an inline `python3 -c` boto3
//!    script scans it in 5 segments on 5 threads (`Segment`/`TotalSegments`, following
//!    `LastEvaluatedKey`), clients built before the clock starts;
//! 2. **Strait snapshot**: the connector from [`strait_connectors::dynamodb::plugin`] is started
//!    in process (no worker, no broker: this measures the source against the emulator) with
//!    `dynamodb.table.sync.mode=SNAPSHOT` and otherwise default keys; its one task is started with
//!    an in-memory offset reader and polled until N records arrive. The clock runs from the
//!    task's `start` to the N-th record; Strait's CPU is this process's user + system time over
//!    the same span (moto runs in its own process);
//! 3. **stream ceiling and Strait CDC**: a second table with a `NEW_AND_OLD_IMAGES` stream gets M
//!    changes (M/2 `PutItem`, then an `UpdateItem` of each); a boto3 script reads the stream
//!    (`DescribeStream`, `GetShardIterator` `TRIM_HORIZON`, `GetRecords` until an empty page) and
//!    then a CDC task (`TRIM_HORIZON`) is polled until M records arrive.
//!
//! The results go to stdout and `target/bench-results/dynamodb.json`. A missed target is
//! reported, not turned into a failing exit status; an error — moto unreachable, a record count
//! short — fails the run. Both tables are deleted at the end.
//!
//! Settings (environment): `STRAIT_TEST_DYNAMODB` (default http://127.0.0.1:45000),
//! `STRAIT_BENCH_ITEMS` (N, default 20000), `STRAIT_BENCH_CHANGES` (M, default 5000),
//! `STRAIT_BENCH_MOTO_PID` (report moto's CPU time in each phase too). Method and figures:
//! `docs/benchmarks.md`.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, PutRequest,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, WriteRequest,
};
use serde_json::{json, Value as Json};
use strait_api::{
    ConfigMap, ConnectError, ConnectorContext, PluginFactory, SourceTask, SourceTaskContext,
};
use strait_runtime::storage::{ConnectorOffsetReader, MemoryOffsetStore};
use support::{cpu_since, own_cpu_seconds, proc_cpu_seconds, round2, round3, smoke_run};
use tokio::task::JoinSet;

/// Strait at this fraction of the emulator's ceiling or better: never the bottleneck.
const TARGET_RATIO: f64 = 0.9;
/// Segments of both parallel scans (the connector's fixed count).
const SEGMENTS: usize = 5;
/// Concurrent requests while loading the tables.
const LOAD_CONCURRENCY: usize = 8;
/// Items per `BatchWriteItem` (DynamoDB's maximum).
const BATCH_WRITE: usize = 25;
/// The run fails when a phase takes longer than this.
const PHASE_LIMIT: Duration = Duration::from_secs(600);
/// The connector's name in offsets and logs.
const CONNECTOR: &str = "dynamodb-bench";

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
    endpoint: String,
    items: usize,
    changes: usize,
    moto_pid: Option<u32>,
    results_dir: PathBuf,
    run_id: String,
}

impl Settings {
    fn from_env() -> Result<Self> {
        let count = |name: &str, default: usize| support::env_count(name, default, 1);
        Ok(Self {
            endpoint: std::env::var("STRAIT_TEST_DYNAMODB")
                .unwrap_or_else(|_| "http://127.0.0.1:45000".to_string()),
            items: count(
                "STRAIT_BENCH_ITEMS",
                if smoke_run() { 1_000 } else { 20_000 },
            )?,
            // Puts then updates of the same items: an even count.
            changes: count(
                "STRAIT_BENCH_CHANGES",
                if smoke_run() { 200 } else { 5_000 },
            )?
            .div_ceil(2)
                * 2,
            moto_pid: support::env_pid("STRAIT_BENCH_MOTO_PID")?,
            results_dir: support::results_dir(),
            run_id: support::run_id(12),
        })
    }
}

/// One timed read of `count` items or records.
#[derive(Clone, Copy, Debug, Default)]
struct Phase {
    count: usize,
    seconds: f64,
    /// This process's CPU seconds over the phase (Strait phases only).
    cpu_seconds: Option<f64>,
    /// moto's CPU seconds over the phase, when its pid was given.
    moto_cpu_seconds: Option<f64>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.count as f64 / self.seconds
    }
    fn cpu_us_per_item(&self) -> Option<f64> {
        self.cpu_seconds.map(|c| c * 1e6 / self.count as f64)
    }
    fn json(&self) -> Json {
        json!({
            "count": self.count,
            "seconds": round3(self.seconds),
            "rate": round2(self.rate()),
            "cpu_seconds": self.cpu_seconds.map(round3),
            "cpu_us_per_item": self.cpu_us_per_item().map(round2),
            "moto_cpu_seconds": self.moto_cpu_seconds.map(round3),
        })
    }
}

/// The figures of one run.
struct Results {
    load_seconds: f64,
    scan_ceiling: Phase,
    snapshot: Phase,
    stream_ceiling: Phase,
    cdc: Phase,
}

impl Results {
    fn snapshot_ratio(&self) -> f64 {
        self.snapshot.rate() / self.scan_ceiling.rate()
    }
    fn cdc_ratio(&self) -> f64 {
        self.cdc.rate() / self.stream_ceiling.rate()
    }

    fn print(&self) {
        let verdict = |r: f64| if r >= TARGET_RATIO { "pass" } else { "MISS" };
        let moto = |p: &Phase| {
            p.moto_cpu_seconds
                .map(|c| format!(", moto CPU {:.0}%", 100.0 * c / p.seconds))
                .unwrap_or_default()
        };
        let cpu = |p: &Phase| {
            p.cpu_us_per_item()
                .map(|c| format!("{c:.1} µs CPU/item"))
                .unwrap_or_default()
        };
        println!();
        println!(
            "dynamodb benchmark ({} items, {} changes; table load took {:.1} s)",
            self.scan_ceiling.count, self.cdc.count, self.load_seconds
        );
        println!("{:<34} {:>12} {:>7}  target / notes", "", "rate", "ratio");
        println!(
            "{:<34} {:>8.0} it/s {:>7}  {:.2} s{}",
            "boto3 parallel scan (ceiling)",
            self.scan_ceiling.rate(),
            "1.00",
            self.scan_ceiling.seconds,
            moto(&self.scan_ceiling)
        );
        println!(
            "{:<34} {:>8.0} it/s {:>7.2}  >= {TARGET_RATIO:.2}: {}; {:.2} s, {}{}",
            "Strait snapshot",
            self.snapshot.rate(),
            self.snapshot_ratio(),
            verdict(self.snapshot_ratio()),
            self.snapshot.seconds,
            cpu(&self.snapshot),
            moto(&self.snapshot)
        );
        println!(
            "{:<34} {:>8.0} r/s  {:>7}  {:.2} s{}",
            "boto3 stream reader (ceiling)",
            self.stream_ceiling.rate(),
            "1.00",
            self.stream_ceiling.seconds,
            moto(&self.stream_ceiling)
        );
        println!(
            "{:<34} {:>8.0} r/s  {:>7.2}  >= {TARGET_RATIO:.2}: {}; {:.2} s, {}{}",
            "Strait CDC",
            self.cdc.rate(),
            self.cdc_ratio(),
            verdict(self.cdc_ratio()),
            self.cdc.seconds,
            cpu(&self.cdc),
            moto(&self.cdc)
        );
    }

    fn write(&self, dir: &Path) -> Result<PathBuf> {
        let doc = json!({
            "items": self.scan_ceiling.count,
            "changes": self.cdc.count,
            "segments": SEGMENTS,
            "load_seconds": round3(self.load_seconds),
            "scan_ceiling": self.scan_ceiling.json(),
            "snapshot": self.snapshot.json(),
            "snapshot_ratio": round2(self.snapshot_ratio()),
            "stream_ceiling": self.stream_ceiling.json(),
            "cdc": self.cdc.json(),
            "cdc_ratio": round2(self.cdc_ratio()),
            "target_ratio": TARGET_RATIO,
            "snapshot_pass": self.snapshot_ratio() >= TARGET_RATIO,
            "cdc_pass": self.cdc_ratio() >= TARGET_RATIO,
        });
        support::write_results(dir, "dynamodb.json", &doc)
    }
}

async fn run(settings: &Settings) -> Result<Results> {
    let client = dynamodb_client(&settings.endpoint);
    let snapshot_table = format!("bench_snapshot_{}", settings.run_id);
    let cdc_table = format!("bench_cdc_{}", settings.run_id);
    let outcome = measure(settings, &client, &snapshot_table, &cdc_table).await;
    for table in [&snapshot_table, &cdc_table] {
        // Best effort: a table that was never created is not an error worth reporting.
        let _ = client.delete_table().table_name(table).send().await;
    }
    outcome
}

async fn measure(
    settings: &Settings,
    client: &aws_sdk_dynamodb::Client,
    snapshot_table: &str,
    cdc_table: &str,
) -> Result<Results> {
    let moto_cpu = || settings.moto_pid.map(proc_cpu_seconds);

    // 1. The scan ceiling.
    create_table(client, snapshot_table, false).await?;
    let started = Instant::now();
    load_items(client, snapshot_table, settings.items).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    println!(
        "loaded {} items into {snapshot_table} in {load_seconds:.1} s",
        settings.items
    );
    let moto_before = moto_cpu().transpose()?;
    let scan_ceiling = python_phase(
        SCAN_SCRIPT,
        &[&settings.endpoint, snapshot_table, &SEGMENTS.to_string()],
    )?;
    let scan_ceiling = Phase {
        moto_cpu_seconds: cpu_since(moto_before, moto_cpu().transpose()?),
        ..scan_ceiling
    };
    ensure!(
        scan_ceiling.count == settings.items,
        "the boto3 scan read {} items of {}",
        scan_ceiling.count,
        settings.items
    );

    // 2. The Strait snapshot.
    let config = connector_config(
        settings,
        snapshot_table,
        &[("dynamodb.table.sync.mode", "SNAPSHOT")],
    );
    let moto_before = moto_cpu().transpose()?;
    let snapshot = strait_phase(&config, settings.items).await?;
    let snapshot = Phase {
        moto_cpu_seconds: cpu_since(moto_before, moto_cpu().transpose()?),
        ..snapshot
    };

    // 3. The stream ceiling and Strait CDC.
    create_table(client, cdc_table, true).await?;
    write_changes(client, cdc_table, settings.changes).await?;
    let stream_arn = stream_arn(client, cdc_table).await?;
    let moto_before = moto_cpu().transpose()?;
    let stream_ceiling = python_phase(STREAM_SCRIPT, &[&settings.endpoint, &stream_arn])?;
    let stream_ceiling = Phase {
        moto_cpu_seconds: cpu_since(moto_before, moto_cpu().transpose()?),
        ..stream_ceiling
    };
    ensure!(
        stream_ceiling.count == settings.changes,
        "the boto3 stream reader read {} records of {}",
        stream_ceiling.count,
        settings.changes
    );
    let config = connector_config(
        settings,
        cdc_table,
        &[
            ("dynamodb.table.sync.mode", "CDC"),
            ("dynamodb.cdc.initial.stream.position", "TRIM_HORIZON"),
        ],
    );
    let moto_before = moto_cpu().transpose()?;
    let cdc = strait_phase(&config, settings.changes).await?;
    let cdc = Phase {
        moto_cpu_seconds: cpu_since(moto_before, moto_cpu().transpose()?),
        ..cdc
    };

    Ok(Results {
        load_seconds,
        scan_ceiling,
        snapshot,
        stream_ceiling,
        cdc,
    })
}

/// A DynamoDB client for the emulator with its test credentials.
fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "strait-bench"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The connector's configuration for one table: defaults except the endpoint, keys and `extra`.
fn connector_config(settings: &Settings, table: &str, extra: &[(&str, &str)]) -> ConfigMap {
    let mut config: ConfigMap = [
        ("name", CONNECTOR),
        ("connector.class", strait_connectors::dynamodb::CLASS),
        ("dynamodb.service.endpoint", settings.endpoint.as_str()),
        ("aws.access.key.id", "test"),
        ("aws.secret.access.key", "test"),
        ("dynamodb.table.includelist", table),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    config.insert("tasks.max".to_string(), "1".to_string());
    config
}

/// A connector context for a run without a worker: errors are printed.
struct BenchContext;

impl ConnectorContext for BenchContext {
    fn request_task_reconfiguration(&self) {}
    fn raise_error(&self, error: ConnectError) {
        eprintln!("connector raised an error: {}", error.chain());
    }
}

/// Starts the connector and its one task from the registry entry and polls until `expected`
/// records arrived; the clock and the CPU meter run from the task's `start`.
async fn strait_phase(config: &ConfigMap, expected: usize) -> Result<Phase> {
    let PluginFactory::Source(factory) = strait_connectors::dynamodb::plugin().factory else {
        bail!("the dynamodb plugin is not a source connector");
    };
    let mut connector = factory();
    connector
        .start(config, Arc::new(BenchContext))
        .await
        .map_err(|e| anyhow::anyhow!("connector start failed: {}", e.chain()))?;
    let mut task_configs = connector
        .task_configs(1)
        .await
        .map_err(|e| anyhow::anyhow!("task_configs failed: {}", e.chain()))?;
    ensure!(
        task_configs.len() == 1,
        "expected one task config, got {}",
        task_configs.len()
    );
    let mut task = connector.create_task();
    let context = SourceTaskContext {
        connector: CONNECTOR.to_string(),
        task: 0,
        offsets: Arc::new(ConnectorOffsetReader::new(
            Arc::new(MemoryOffsetStore::new()),
            CONNECTOR,
        )),
    };

    let cpu_before = own_cpu_seconds()?;
    let started = Instant::now();
    task.start(&task_configs.remove(0), context)
        .await
        .map_err(|e| anyhow::anyhow!("task start failed: {}", e.chain()))?;
    let polled = poll_count(&mut task, expected, started).await;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_after = own_cpu_seconds()?;

    let stopped = task.stop().await;
    let _ = connector.stop().await;
    let count = polled?;
    stopped.map_err(|e| anyhow::anyhow!("task stop failed: {}", e.chain()))?;
    ensure!(
        count == expected,
        "Strait polled {count} records, expected {expected}"
    );
    Ok(Phase {
        count,
        seconds,
        cpu_seconds: Some(cpu_after - cpu_before),
        moto_cpu_seconds: None,
    })
}

/// Polls until `expected` records arrived (more is an error: each item is read once).
async fn poll_count(
    task: &mut Box<dyn SourceTask>,
    expected: usize,
    started: Instant,
) -> Result<usize> {
    let mut count = 0;
    while count < expected {
        ensure!(
            started.elapsed() < PHASE_LIMIT,
            "only {count} of {expected} records after {PHASE_LIMIT:?}"
        );
        let records = task
            .poll()
            .await
            .map_err(|e| anyhow::anyhow!("poll failed after {count} records: {}", e.chain()))?;
        count += records.len();
    }
    Ok(count)
}

/// Creates an on-demand table keyed by `id` (S), with a `NEW_AND_OLD_IMAGES` stream if asked,
/// and waits until it is active.
async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, stream: bool) -> Result<()> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()?,
        );
    if stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()?,
        );
    }
    request.send().await.map_err(|e| {
        anyhow::anyhow!(
            "CreateTable {name} failed (is moto up? `bash scripts/services.sh up`): {}",
            DisplayErrorContext(e)
        )
    })?;
    let deadline = Instant::now() + PHASE_LIMIT;
    loop {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("DescribeTable {name}: {}", DisplayErrorContext(e)))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "table {name} never became active"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The table's latest stream ARN.
async fn stream_arn(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<String> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("DescribeTable {table}: {}", DisplayErrorContext(e)))?;
    described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_string)
        .with_context(|| format!("table {table} has no stream"))
}

/// A ~200-byte item with a few attribute types.
fn bench_item(i: usize) -> HashMap<String, AttributeValue> {
    let s = |v: String| AttributeValue::S(v);
    let n = |v: String| AttributeValue::N(v);
    [
        ("id", s(format!("item-{i:08}"))),
        ("amount", n(format!("{}.{:02}", i * 7 % 100_000, i % 100))),
        ("active", AttributeValue::Bool(i % 3 == 0)),
        (
            "description",
            s(format!(
                "{i:08} the quick brown fox jumps over the lazy dog, item number {i:08}"
            )),
        ),
        (
            "tags",
            AttributeValue::Ss(vec!["bench".into(), format!("t{}", i % 17)]),
        ),
        (
            "address",
            AttributeValue::M(
                [
                    ("city".to_string(), s(format!("city-{}", i % 101))),
                    ("zip".to_string(), n(format!("{}", 10_000 + i % 89_999))),
                ]
                .into(),
            ),
        ),
        (
            "history",
            AttributeValue::L(vec![n(i.to_string()), s("created".into())]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Loads `items` items with `BatchWriteItem`, [`LOAD_CONCURRENCY`] batches at a time, retrying
/// unprocessed items.
async fn load_items(client: &aws_sdk_dynamodb::Client, table: &str, items: usize) -> Result<()> {
    let batches: Vec<(usize, usize)> = (0..items)
        .step_by(BATCH_WRITE)
        .map(|start| (start, (start + BATCH_WRITE).min(items)))
        .collect();
    run_concurrently(batches, |(start, end)| {
        let (client, table) = (client.clone(), table.to_string());
        async move {
            let mut requests: Vec<WriteRequest> = (start..end)
                .map(|i| {
                    PutRequest::builder()
                        .set_item(Some(bench_item(i)))
                        .build()
                        .map(|put| WriteRequest::builder().put_request(put).build())
                })
                .collect::<std::result::Result<_, _>>()?;
            while !requests.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(&table, requests)
                    .send()
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("BatchWriteItem into {table}: {}", DisplayErrorContext(e))
                    })?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&table))
                    .unwrap_or_default();
            }
            Ok(())
        }
    })
    .await
}

/// Writes `changes` stream records: `changes / 2` new items, then an update of each.
async fn write_changes(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    changes: usize,
) -> Result<()> {
    let items = changes / 2;
    run_concurrently((0..items).collect(), |i| {
        let (client, table) = (client.clone(), table.to_string());
        async move {
            client
                .put_item()
                .table_name(&table)
                .set_item(Some(bench_item(i)))
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("PutItem into {table}: {}", DisplayErrorContext(e)))?;
            Ok(())
        }
    })
    .await?;
    run_concurrently((0..items).collect(), |i| {
        let (client, table) = (client.clone(), table.to_string());
        async move {
            client
                .update_item()
                .table_name(&table)
                .key("id", AttributeValue::S(format!("item-{i:08}")))
                .update_expression("SET amount = amount + :one, active = :t")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":t", AttributeValue::Bool(true))
                .send()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("UpdateItem in {table}: {}", DisplayErrorContext(e))
                })?;
            Ok(())
        }
    })
    .await
}

/// Runs `work` over `inputs`, [`LOAD_CONCURRENCY`] at a time; the first error wins.
async fn run_concurrently<I, F, Fut>(inputs: Vec<I>, work: F) -> Result<()>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let mut running = JoinSet::new();
    for input in inputs {
        if running.len() >= LOAD_CONCURRENCY {
            if let Some(done) = running.join_next().await {
                done.context("a load task panicked")??;
            }
        }
        running.spawn(work(input));
    }
    while let Some(done) = running.join_next().await {
        done.context("a load task panicked")??;
    }
    Ok(())
}

/// boto3 parallel scan: argv = endpoint, table, segments; prints `{"count", "seconds"}`.
const SCAN_SCRIPT: &str = r#"
import json, sys, threading, time, boto3
endpoint, table, segments = sys.argv[1], sys.argv[2], int(sys.argv[3])
def client():
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")
clients = [client() for _ in range(segments)]
counts = [0] * segments
errors = []
def scan(i):
    try:
        args = dict(TableName=table, Segment=i, TotalSegments=segments)
        while True:
            page = clients[i].scan(**args)
            counts[i] += len(page["Items"])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            args["ExclusiveStartKey"] = last
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=scan, args=(i,)) for i in range(segments)]
started = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
seconds = time.perf_counter() - started
if errors:
    sys.exit("scan failed: " + "; ".join(errors))
print(json.dumps({"count": sum(counts), "seconds": seconds}))
"#;

/// boto3 stream reader: argv = endpoint, stream ARN; reads every shard from TRIM_HORIZON until
/// an empty page; prints `{"count", "seconds"}`.
const STREAM_SCRIPT: &str = r#"
import json, sys, time, boto3
endpoint, arn = sys.argv[1], sys.argv[2]
streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
started = time.perf_counter()
shards, args = [], dict(StreamArn=arn)
while True:
    desc = streams.describe_stream(**args)["StreamDescription"]
    shards += [s["ShardId"] for s in desc["Shards"]]
    last = desc.get("LastEvaluatedShardId")
    if not last:
        break
    args["ExclusiveStartShardId"] = last
count = 0
for shard in shards:
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        count += len(page["Records"])
        if not page["Records"]:
            break
        it = page.get("NextShardIterator")
seconds = time.perf_counter() - started
print(json.dumps({"count": count, "seconds": seconds}))
"#;

/// Runs a boto3 script and reads its `{"count", "seconds"}` line.
fn python_phase(script: &str, args: &[&str]) -> Result<Phase> {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .context("cannot run python3 (boto3 is needed for the ceilings)")?;
    if !output.status.success() {
        bail!(
            "the boto3 script failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .context("the boto3 script printed nothing")?;
    let doc: Json = serde_json::from_str(line)
        .with_context(|| format!("the boto3 script printed '{line}', not JSON"))?;
    let count = doc["count"]
        .as_u64()
        .context("no count from the boto3 script")? as usize;
    let seconds = doc["seconds"]
        .as_f64()
        .context("no seconds from the boto3 script")?;
    Ok(Phase {
        count,
        seconds,
        ..Phase::default()
    })
}
