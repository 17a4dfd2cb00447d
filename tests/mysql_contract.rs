//! The MySQL connector against the source-connector contract (`common::contract`): offsets only
//! move forward, a restart from committed offsets loses nothing, stop is prompt, pause stops
//! polling — on a real MariaDB table, with the connector driven by the real worker loop.

mod common;
mod mysql_support;

use std::cmp::Ordering;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use serde_json::Value as Json;
use strait_api::{ConfigMap, OffsetMap, PluginDesc, SourceRecord};
use tokio::sync::Mutex;

use common::contract::{assert_source_contract, ContractSubject};
use mysql_support::{admin, config};

/// A change is an inserted row; its identity is the row's id.
struct MySqlSubject {
    db: String,
    conn: Mutex<mysql_async::Conn>,
    next: AtomicUsize,
    config: ConfigMap,
}

/// `mysql-bin.000012` → (`mysql-bin`, 12), Debezium's binlog file ordering.
fn file_order(file: &str) -> (String, u64) {
    match file.rsplit_once('.') {
        Some((base, ext)) => (base.to_string(), ext.parse().unwrap_or(0)),
        None => (file.to_string(), 0),
    }
}

fn num(o: &OffsetMap, k: &str) -> u64 {
    o.get(k).and_then(Json::as_u64).unwrap_or(0)
}

#[async_trait]
impl ContractSubject for MySqlSubject {
    fn plugin(&self) -> PluginDesc {
        strait_connectors::mysql::plugin()
    }

    fn connector_config(&self) -> ConfigMap {
        self.config.clone()
    }

    async fn append(&self, n: usize) -> Vec<String> {
        let mut conn = self.conn.lock().await;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.next.fetch_add(1, AtomicOrdering::SeqCst);
            conn.query_drop(format!("INSERT INTO `{}`.changes VALUES ({id})", self.db))
                .await
                .expect("insert");
            ids.push(id.to_string());
        }
        ids
    }

    fn identity(&self, record: &SourceRecord) -> String {
        match &record.key {
            strait_api::Value::Struct(s) => match s.get("id") {
                Some(strait_api::Value::Int32(i)) => i.to_string(),
                other => format!("{other:?}"),
            },
            other => format!("{other:?}"),
        }
    }

    fn compare_offsets(&self, a: &OffsetMap, b: &OffsetMap) -> Ordering {
        let file = |o: &OffsetMap| file_order(o.get("file").and_then(Json::as_str).unwrap_or(""));
        // A snapshot offset comes before any streaming offset of the same position.
        let streaming = |o: &OffsetMap| !o.contains_key("snapshot");
        (
            file(a),
            num(a, "pos"),
            streaming(a),
            num(a, "event"),
            num(a, "row"),
        )
            .cmp(&(
                file(b),
                num(b, "pos"),
                streaming(b),
                num(b, "event"),
                num(b, "row"),
            ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_source_keeps_the_source_contract() {
    let mut conn = admin().await;
    let db = common::unique_name("mysql_contract");
    conn.query_drop(format!("CREATE DATABASE `{db}`"))
        .await
        .unwrap();
    conn.query_drop(format!("CREATE TABLE `{db}`.changes (id INT PRIMARY KEY)"))
        .await
        .unwrap();
    conn.query_drop(format!("INSERT INTO `{db}`.changes VALUES (1000000)"))
        .await
        .unwrap();
    // Streaming only: an interrupted snapshot is redone from the start on restart (Debezium's
    // semantics, at-least-once, tested in mysql_resume.rs), which the contract's "the record
    // right after the committed offset comes first" rule deliberately does not allow.
    let subject = MySqlSubject {
        config: config(&db, &[("snapshot.mode", "no_data")]),
        db: db.clone(),
        conn: Mutex::new(conn),
        next: AtomicUsize::new(1),
    };
    assert_source_contract(&subject).await;
    let mut conn = subject.conn.into_inner();
    let _ = conn.query_drop(format!("DROP DATABASE `{db}`")).await;
}
