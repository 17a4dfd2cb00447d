//! Helpers shared by the MySQL connector's integration tests (`tests/mysql_*.rs`): a database of
//! its own per test on the test MariaDB, a task driven the way the worker drives it, records
//! rendered by the real JsonConverter, and golden-file comparison with volatile fields masked.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};
use serde_json::Value as Json;
use strait_api::{
    ConfigMap, OffsetMap, OffsetStorageReader, Result as ConnectResult, SourceConnector,
    SourceRecord, SourceTask, SourceTaskContext,
};
use strait_runtime::converters::JsonConverter;

use super::common::{kafka_bootstrap, mysql_url, service_missing, unique_name, TEST_TIMEOUT};

/// The MariaDB endpoint of `mysql_url()`: `(host, port)`.
pub fn endpoint() -> (String, u16) {
    let url = mysql_url();
    let rest = url.trim_start_matches("mysql://");
    let host_port = rest.rsplit('@').next().unwrap_or(rest);
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
    (host.to_string(), port.parse().unwrap_or(3306))
}

/// An admin connection to the test server.
pub async fn admin() -> Conn {
    let url = mysql_url();
    let opts = Opts::from_url(&url).unwrap_or_else(|e| panic!("bad STRAIT_TEST_MYSQL {url}: {e}"));
    match tokio::time::timeout(Duration::from_secs(10), Conn::new(opts)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => panic!("{}", service_missing("MariaDB", &url, e)),
        Err(_) => panic!(
            "{}",
            service_missing("MariaDB", &url, "connection timed out")
        ),
    }
}

/// A database of this test's own, dropped by [`TestDb::drop_db`].
pub struct TestDb {
    pub name: String,
    pub conn: Conn,
}

impl TestDb {
    /// Creates a fresh database.
    pub async fn new(prefix: &str) -> Self {
        let name = unique_name(prefix);
        let mut conn = admin().await;
        conn.query_drop(format!("CREATE DATABASE `{name}`"))
            .await
            .unwrap();
        conn.query_drop(format!("USE `{name}`")).await.unwrap();
        Self { name, conn }
    }

    /// A database with a fixed name (dropped first if a previous run left it).
    pub async fn named(name: &str) -> Self {
        let mut conn = admin().await;
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
            .await
            .unwrap();
        conn.query_drop(format!("CREATE DATABASE `{name}`"))
            .await
            .unwrap();
        conn.query_drop(format!("USE `{name}`")).await.unwrap();
        Self {
            name: name.to_string(),
            conn,
        }
    }

    /// Runs statements in this database.
    pub async fn exec(&mut self, sql: &str) {
        self.conn
            .query_drop(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Drops the database.
    pub async fn drop_db(mut self) {
        let _ = self
            .conn
            .query_drop(format!("DROP DATABASE `{}`", self.name))
            .await;
        let _ = self.conn.disconnect().await;
    }
}

/// A unique replica server id per test (MariaDB disconnects a replica whose id reconnects).
pub fn server_id() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    (100_000 + (n % 4_000_000_000) as u64).to_string()
}

/// A connector config capturing `db` with the given extra keys.
pub fn config(db: &str, extra: &[(&str, &str)]) -> ConfigMap {
    let (host, port) = endpoint();
    let mut map: ConfigMap = [
        (
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector".to_string(),
        ),
        ("database.hostname", host),
        ("database.port", port.to_string()),
        ("database.user", "root".to_string()),
        ("database.server.id", server_id()),
        ("topic.prefix", "dbserver1".to_string()),
        ("database.include.list", db.to_string()),
        ("include.schema.changes", "false".to_string()),
        // Each test database has a history topic of its own; only its own database's DDL is
        // recorded (the shared test server has many other tests' databases).
        (
            "schema.history.internal.kafka.topic",
            format!("schema-history.{db}"),
        ),
        (
            "schema.history.internal.kafka.bootstrap.servers",
            kafka_bootstrap(),
        ),
        (
            "schema.history.internal.store.only.captured.databases.ddl",
            "true".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

/// Committed offsets kept in memory, as the worker's offset store would hold them.
#[derive(Clone, Default)]
pub struct Offsets(Arc<Mutex<HashMap<String, OffsetMap>>>);

impl Offsets {
    /// Stores an offset for a partition, as a commit would.
    pub fn commit(&self, partition: &OffsetMap, offset: &OffsetMap) {
        self.0
            .lock()
            .unwrap()
            .insert(Json::Object(partition.clone()).to_string(), offset.clone());
    }

    /// Commits the offset of the last record of a batch.
    pub fn commit_last(&self, records: &[SourceRecord]) {
        if let Some(r) = records.last() {
            self.commit(&r.source_partition, &r.source_offset.to_map());
        }
    }
}

#[async_trait]
impl OffsetStorageReader for Offsets {
    async fn offset(&self, partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .get(&Json::Object(partition.clone()).to_string())
            .cloned())
    }
}

/// Starts a task of the MySQL connector (or MariaDB with `mariadb`) with these offsets.
pub async fn start_task(
    config: &ConfigMap,
    offsets: Offsets,
    mariadb: bool,
) -> Box<dyn SourceTask> {
    let desc = if mariadb {
        strait_connectors::mysql::mariadb_plugin()
    } else {
        strait_connectors::mysql::plugin()
    };
    let strait_api::PluginFactory::Source(make) = desc.factory else {
        panic!("not a source");
    };
    let connector: Box<dyn SourceConnector> = make();
    let mut task = connector.create_task();
    let context = SourceTaskContext {
        connector: "mysql-test".into(),
        task: 0,
        offsets: Arc::new(offsets),
    };
    task.start(config, context).await.expect("task starts");
    task
}

/// Polls until `n` records (tombstones included) arrived, failing after [`TEST_TIMEOUT`].
pub async fn poll_n(task: &mut Box<dyn SourceTask>, n: usize) -> Vec<SourceRecord> {
    let deadline = Instant::now() + TEST_TIMEOUT;
    let mut out: Vec<SourceRecord> = Vec::new();
    while out.len() < n {
        assert!(
            Instant::now() < deadline,
            "timed out with {} of {n} records: {:#?}",
            out.len(),
            out.iter()
                .map(|r| (&r.topic, &r.source_offset))
                .collect::<Vec<_>>()
        );
        out.extend(task.poll().await.expect("poll"));
    }
    assert_eq!(out.len(), n, "more records than expected");
    out
}

/// Polls until the task fails, asserting it emits nothing first; the error it failed with.
pub async fn poll_until_error(task: &mut Box<dyn SourceTask>) -> strait_api::ConnectError {
    let deadline = Instant::now() + TEST_TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "expected the task to fail");
        match task.poll().await {
            Ok(records) => assert!(records.is_empty(), "records before the failure"),
            Err(e) => return e,
        }
    }
}

/// Polls for `d` and returns whatever arrived.
pub async fn poll_for(task: &mut Box<dyn SourceTask>, d: Duration) -> Vec<SourceRecord> {
    let deadline = Instant::now() + d;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        out.extend(task.poll().await.expect("poll"));
    }
    out
}

/// A record's key and value as JsonConverter (schemas enabled) writes them; `None` for null.
pub fn json_of(record: &SourceRecord) -> (Option<String>, Option<String>) {
    let conv = JsonConverter::default();
    let render = |schema: Option<&strait_api::Schema>, value: &strait_api::Value| {
        conv.serialize(schema, value)
            .expect("record serializes")
            .map(|b| String::from_utf8(b).expect("utf-8"))
    };
    (
        render(record.key_schema.as_ref(), &record.key),
        render(record.value_schema.as_ref(), &record.value),
    )
}

/// Replaces the values that change between runs (clocks, binlog coordinates, GTIDs, database
/// name) with fixed markers, keeping every key and its position.
pub fn mask(json: &str, db: &str) -> Json {
    let mut v: Json = serde_json::from_str(&json.replace(db, "DB")).expect("valid JSON");
    mask_gtids(&mut v);
    if let Some(payload) = v.get_mut("payload") {
        for key in ["ts_ms", "ts_us", "ts_ns"] {
            if let Some(slot) = payload.get_mut(key) {
                if !slot.is_null() {
                    *slot = Json::String(format!("<{key}>"));
                }
            }
        }
        if let Some(source) = payload.get_mut("source").filter(|s| s.is_object()) {
            for key in [
                "ts_ms",
                "ts_us",
                "ts_ns",
                "server_id",
                "gtid",
                "file",
                "pos",
                "thread",
            ] {
                if let Some(slot) = source.get_mut(key) {
                    let snapshot_server = key == "server_id" && slot == &Json::from(0);
                    if !slot.is_null() && !snapshot_server {
                        *slot = Json::String(format!("<{key}>"));
                    }
                }
            }
        }
    }
    v
}

/// Replaces MariaDB GTIDs (`domain-server-sequence`, e.g. transaction ids) anywhere in a
/// document.
pub fn mask_gtids(v: &mut Json) {
    match v {
        Json::String(s) => {
            let parts: Vec<&str> = s.split('-').collect();
            if parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                *s = "<gtid>".into();
            }
        }
        Json::Array(items) => items.iter_mut().for_each(mask_gtids),
        Json::Object(map) => map.values_mut().for_each(mask_gtids),
        _ => {}
    }
}

/// The golden file `tests/golden/mysql/<name>`.
pub fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/mysql")
        .join(name)
}

/// Compares masked records with a golden file of JSON lines (`{"key":..,"value":..}` per
/// record); with `STRAIT_BLESS=1` the file is written instead (for review, never trusted
/// blindly).
pub fn assert_golden(name: &str, records: &[SourceRecord], db: &str) {
    let mut lines = Vec::new();
    for r in records {
        let (k, v) = json_of(r);
        let line = serde_json::json!({
            "topic": r.topic.replace(db, "DB"),
            "key": k.map(|k| mask(&k, db)),
            "value": v.map(|v| mask(&v, db)),
        });
        lines.push(serde_json::to_string_pretty(&line).unwrap());
    }
    let actual = lines.join("\n") + "\n";
    let path = golden_path(name);
    if std::env::var("STRAIT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {} missing ({e})", path.display()));
    if expected != actual {
        let out = path.with_extension("actual");
        std::fs::write(&out, &actual).unwrap();
        panic!(
            "records differ from {}; actual output written to {}",
            path.display(),
            out.display()
        );
    }
}

/// The `op` of a record (`None` for tombstones and non-envelope records).
pub fn op(record: &SourceRecord) -> Option<String> {
    record
        .value
        .as_struct()
        .and_then(|s| s.get("op"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// A field of the `after` (or `before` when `after` is null) row.
pub fn row_field(record: &SourceRecord, field: &str) -> Option<strait_api::Value> {
    let env = record.value.as_struct()?;
    let row = match env.get("after") {
        Some(strait_api::Value::Struct(s)) => s,
        _ => env.get("before")?.as_struct()?,
    };
    row.get(field).cloned()
}
