//! The MySQL source's decode path alone, measured in CPU time per record: binlog rows events
//! turned into `SourceRecord`s (row decoding, cell conversion, key/value structs, envelope,
//! `source` block, offset, headers), the work `benches/mysql.rs` calls decode-only.
//!
//! ```text
//! cargo build --release -p strait-connectors --example mysql_decode
//! target/release/examples/mysql_decode
//! ```
//!
//! The example creates a scratch database with the benchmark's 8-column table, loads
//! `STRAIT_DECODE_INSERTS` rows (20000) in 1000-row statements and updates half of them in
//! 1000-row statements, then runs the connector's task in this process `STRAIT_DECODE_RUNS`
//! times (3), each from an in-memory offset at the load's first position (`snapshot.mode=
//! recovery` with a `MemorySchemaHistory`, so the table model is rebuilt from the current
//! definition and no broker is needed), polling until every change record arrived. For each run
//! it prints the records and the process CPU time (user + system, all threads) per record,
//! counted from the first record to the last: the connection and history set-up are left out.
//!
//! Setting `STRAIT_DECODE_STATE=<file>` keeps the database: the first run writes the database
//! name, start position and record count there and later runs read the same range again, so
//! before/after comparisons decode the same bytes. Without it the database is dropped at the end.
//!
//! `STRAIT_TEST_MYSQL` (mysql://root@127.0.0.1:33307) names the server. The process runs on a
//! current-thread runtime so that idle worker threads add no CPU time of their own;
//! `STRAIT_DECODE_THREADS=2` runs it on a two-thread runtime instead, as the worker and the
//! benchmark do (the reader runs inside `poll`, so records are still built and freed on one
//! thread; with the reader on a task of its own this cost twice the CPU per record).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Row};
use serde_json::Value as Json;
use strait_api::{
    ConfigMap, ConnectError, ConnectorContext, OffsetMap, OffsetStorageReader, PluginFactory,
    SourceTaskContext,
};

/// Rows per INSERT or UPDATE statement (each its own transaction), as the benchmark loads.
const ROWS_PER_TXN: usize = 1000;
/// Giving up when no record arrives for this long.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// The worker binary's allocator (`src/main.rs`): allocation costs are part of what is measured.
#[global_allocator]
static GLOBAL: strait_alloc::Allocator = strait_alloc::Allocator;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

/// The binlog range the load wrote.
#[derive(Clone, Debug)]
struct Load {
    database: String,
    file: String,
    pos: u64,
    gtids: Option<String>,
    records: usize,
}

impl Load {
    fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.database,
            self.file,
            self.pos,
            self.records,
            self.gtids.as_deref().unwrap_or("")
        )
    }

    fn from_text(text: &str) -> Result<Self> {
        let mut lines = text.lines();
        let mut next = |what: &str| {
            lines
                .next()
                .map(str::to_string)
                .ok_or_else(|| Error::from(format!("the state file has no {what}")))
        };
        let database = next("database")?;
        let file = next("file")?;
        let pos = next("position")?.parse()?;
        let records = next("record count")?.parse()?;
        let gtids = next("gtids").ok().filter(|g| !g.is_empty());
        Ok(Self {
            database,
            file,
            pos,
            gtids,
            records,
        })
    }
}

/// Committed offsets held in memory: the start position for the one partition.
struct StartOffset(OffsetMap);

#[async_trait]
impl OffsetStorageReader for StartOffset {
    async fn offset(&self, _partition: &OffsetMap) -> strait_api::Result<Option<OffsetMap>> {
        Ok(Some(self.0.clone()))
    }
}

/// A connector context that ignores requests: the connector runs alone, outside a worker.
struct NoWorker;

impl ConnectorContext for NoWorker {
    fn request_task_reconfiguration(&self) {}
    fn raise_error(&self, error: ConnectError) {
        eprintln!("the connector raised an error: {error}");
    }
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

/// Linux's `CLOCK_PROCESS_CPUTIME_ID`.
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;

/// CPU time (user + system) of every thread of this process, in seconds.
fn process_cpu_seconds() -> Result<f64> {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `struct timespec` (two 64-bit fields on 64-bit Linux)
    // and the clock id is a constant the kernel knows.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9)
}

fn env_count(name: &str, default: usize) -> Result<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v
            .parse()
            .map_err(|e| format!("{name}={v} is not a count: {e}"))?),
        Err(_) => Ok(default),
    }
}

/// `(host, port)` of `STRAIT_TEST_MYSQL`.
fn mysql_address() -> Result<(String, u16)> {
    let url = std::env::var("STRAIT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:33307".to_string());
    let rest = url.trim_start_matches("mysql://");
    let host_port = rest.rsplit('@').next().unwrap_or(rest);
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
    let port = port
        .parse()
        .map_err(|e| format!("STRAIT_TEST_MYSQL has a bad port ({url}): {e}"))?;
    Ok((host.to_string(), port))
}

fn run_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id[..10].to_string()
}

/// A unique replica server id (MariaDB disconnects a replica whose id reconnects).
fn server_id() -> u64 {
    100_000 + (uuid::Uuid::new_v4().as_u128() % 4_000_000_000) as u64
}

async fn master_status(admin: &mut Conn) -> Result<(String, u64, Option<String>)> {
    let row: Row = admin
        .query_first("SHOW MASTER STATUS")
        .await?
        .ok_or("SHOW MASTER STATUS returned nothing: is the binlog on?")?;
    let file: String = row.get(0).ok_or("SHOW MASTER STATUS has no file")?;
    let pos: u64 = row.get(1).ok_or("SHOW MASTER STATUS has no position")?;
    let gtids = admin
        .query_first::<String, _>("SELECT @@global.gtid_binlog_pos")
        .await
        .ok()
        .flatten()
        .map(|set| set.replace(['\n', '\r'], ""))
        .filter(|set| !set.trim().is_empty());
    Ok((file, pos, gtids))
}

/// Creates the database and table, loads the rows and returns the range.
async fn load(admin: &mut Conn, inserts: usize) -> Result<Load> {
    let database = format!("decode_{}", run_id());
    admin
        .query_drop(format!("CREATE DATABASE `{database}`"))
        .await?;
    admin
        .query_drop(format!(
            "CREATE TABLE `{database}`.t (id INT PRIMARY KEY, account BIGINT NOT NULL, \
             qty INT NOT NULL, name VARCHAR(32) NOT NULL, price DECIMAL(10,2) NOT NULL, \
             score DOUBLE NOT NULL, created DATETIME(6) NOT NULL, note VARCHAR(64))"
        ))
        .await?;
    let (file, pos, gtids) = master_status(admin).await?;
    let mut sql = String::with_capacity(ROWS_PER_TXN * 120);
    let mut next = 1;
    while next <= inserts {
        let last = (next + ROWS_PER_TXN - 1).min(inserts);
        sql.clear();
        let _ = write!(sql, "INSERT INTO `{database}`.t VALUES ");
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
        admin.query_drop(&sql).await?;
        next = last + 1;
    }
    let updates = inserts / 2;
    let mut next = 1;
    while next <= updates {
        let last = (next + ROWS_PER_TXN - 1).min(updates);
        admin
            .query_drop(format!(
                "UPDATE `{database}`.t SET qty = qty + 1, note = CONCAT('updated ', id) \
                 WHERE id BETWEEN {next} AND {last}"
            ))
            .await?;
        next = last + 1;
    }
    Ok(Load {
        database,
        file,
        pos,
        gtids,
        records: inserts + updates,
    })
}

fn connector_config(host: &str, port: u16, prefix: &str, database: &str) -> ConfigMap {
    let config: BTreeMap<&str, String> = [
        (
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector".to_string(),
        ),
        ("tasks.max", "1".to_string()),
        ("database.hostname", host.to_string()),
        ("database.port", port.to_string()),
        ("database.user", "root".to_string()),
        ("database.server.id", server_id().to_string()),
        ("topic.prefix", prefix.to_string()),
        ("database.include.list", database.to_string()),
        ("table.include.list", format!("{database}.t")),
        ("include.schema.changes", "false".to_string()),
        // Streams from the stored offset, rebuilding the table model from the live table.
        ("snapshot.mode", "recovery".to_string()),
        (
            "schema.history.internal",
            "io.debezium.relational.history.MemorySchemaHistory".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    config
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// One measured run: `(records, cpu seconds, wall seconds)` from the first record to the last.
async fn decode(host: &str, port: u16, load: &Load) -> Result<(usize, f64, f64)> {
    let prefix = format!("dec{}", run_id());
    let config = connector_config(host, port, &prefix, &load.database);
    let PluginFactory::Source(make) = strait_connectors::mysql::plugin().factory else {
        return Err("the MySQL plugin is not a source connector".into());
    };
    let mut connector = make();
    connector.start(&config, Arc::new(NoWorker)).await?;
    let task_config = connector
        .task_configs(1)
        .await?
        .into_iter()
        .next()
        .ok_or("the MySQL connector gave no task config")?;
    let mut offset = OffsetMap::new();
    offset.insert("file".into(), Json::String(load.file.clone()));
    offset.insert("pos".into(), Json::from(load.pos));
    if let Some(gtids) = &load.gtids {
        offset.insert("gtids".into(), Json::String(gtids.clone()));
    }
    let mut task = connector.create_task();
    let context = SourceTaskContext {
        connector: "decode".to_string(),
        task: 0,
        offsets: Arc::new(StartOffset(offset)),
    };
    task.start(&task_config, context).await?;
    let topic = format!("{prefix}.{}.t", load.database);
    let mut seen = 0usize;
    let mut last_growth = Instant::now();
    let mut clock: Option<(f64, Instant, usize)> = None;
    while seen < load.records {
        let batch = task.poll().await?;
        if batch.is_empty() {
            if last_growth.elapsed() > STALL_LIMIT {
                return Err(format!("stalled at {seen} of {} records", load.records).into());
            }
            continue;
        }
        last_growth = Instant::now();
        let n = batch.iter().filter(|r| r.topic == topic).count();
        drop(batch);
        if clock.is_none() {
            // The clock starts after the first batch: connection and set-up are left out.
            clock = Some((process_cpu_seconds()?, Instant::now(), n));
        }
        seen += n;
    }
    let cpu = process_cpu_seconds()?;
    task.stop().await?;
    connector.stop().await?;
    if seen != load.records {
        return Err(format!("read {seen} records of {topic}, expected {}", load.records).into());
    }
    let (cpu_start, wall_start, first) = clock.ok_or("no record arrived")?;
    Ok((
        seen - first,
        cpu - cpu_start,
        wall_start.elapsed().as_secs_f64(),
    ))
}

async fn run() -> Result<()> {
    let (host, port) = mysql_address()?;
    let inserts = env_count("STRAIT_DECODE_INSERTS", 20_000)?.max(2);
    let runs = env_count("STRAIT_DECODE_RUNS", 3)?.max(1);
    let state = std::env::var("STRAIT_DECODE_STATE").ok();
    let url = format!("mysql://root@{host}:{port}");
    let mut admin = Conn::new(Opts::from_url(&url)?).await.map_err(|e| {
        format!(
            "MariaDB at {url} is not reachable ({e}): start the test services with \
             `bash scripts/services.sh up` or point STRAIT_TEST_MYSQL at a server"
        )
    })?;
    let saved = match &state {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(Load::from_text(&text)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let load = match saved {
        Some(l) => {
            println!(
                "reusing {} ({} records from {}:{})",
                l.database, l.records, l.file, l.pos
            );
            l
        }
        None => {
            let l = load(&mut admin, inserts).await?;
            println!(
                "loaded {} ({} records from {}:{})",
                l.database, l.records, l.file, l.pos
            );
            if let Some(path) = &state {
                std::fs::write(path, l.to_text())?;
            }
            l
        }
    };
    let mut per_record = Vec::with_capacity(runs);
    for i in 1..=runs {
        let (records, cpu, wall) = decode(&host, port, &load).await?;
        let us = cpu * 1e6 / records as f64;
        per_record.push(us);
        println!(
            "run {i}: {records} records, cpu {cpu:.3} s, {us:.3} µs/record, {:.0} records/s wall",
            records as f64 / wall
        );
    }
    per_record.sort_by(f64::total_cmp);
    println!(
        "cpu µs/record: min {:.3} median {:.3} max {:.3}",
        per_record[0],
        per_record[per_record.len() / 2],
        per_record[per_record.len() - 1]
    );
    if state.is_none() {
        admin
            .query_drop(format!("DROP DATABASE `{}`", load.database))
            .await?;
    }
    admin.disconnect().await?;
    Ok(())
}

fn main() -> std::result::Result<(), Error> {
    let runtime = if std::env::var("STRAIT_DECODE_THREADS").is_ok_and(|v| v == "2") {
        // As in the worker and the benchmark: the reader task and `poll` (which frees the
        // records) on different threads.
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(run())
}
