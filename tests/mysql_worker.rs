//! The MySQL connector in a real `strait` worker process, killed with `kill -9` during its
//! snapshot and again while streaming: after each restart it resumes from the offsets the
//! worker committed, and the topic ends up with every row — at least once, inserts of each key
//! in order, nothing lost.

mod common;
mod mysql_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use serde_json::{json, Value};

use common::unique_name;
use common::worker::{Topics, Worker};

const SNAPSHOT_ROWS: usize = 30_000;
const FIRST_STREAMED_ID: usize = 1_000_000;

/// `(op, id)` of every change record in the topic, in topic order.
fn changes(topics: &Topics, topic: &str) -> Vec<(String, usize)> {
    topics
        .records(topic)
        .iter()
        .filter_map(|r| {
            let v: Value = serde_json::from_slice(r.value.as_deref()?).ok()?;
            let op = v["payload"]["op"].as_str()?.to_string();
            let id = v["payload"]["after"]["id"].as_u64()? as usize;
            Some((op, id))
        })
        .collect()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn kill_9_during_snapshot_and_streaming_loses_nothing() {
    let db = unique_name("mysql_kill");
    let prefix = unique_name("kill");
    block_on(async {
        let mut c = mysql_support::admin().await;
        c.query_drop(format!("CREATE DATABASE `{db}`"))
            .await
            .unwrap();
        c.query_drop(format!(
            "CREATE TABLE `{db}`.t (id INT PRIMARY KEY, v VARCHAR(20))"
        ))
        .await
        .unwrap();
        for chunk in (1..=SNAPSHOT_ROWS).collect::<Vec<_>>().chunks(5000) {
            let values: Vec<String> = chunk.iter().map(|i| format!("({i}, 'snapshot')")).collect();
            c.query_drop(format!("INSERT INTO `{db}`.t VALUES {}", values.join(",")))
                .await
                .unwrap();
        }
        let _ = c.disconnect().await;
    });
    let topics = Topics::connect();
    let topic = format!("{prefix}.{db}.t");
    topics.create(&topic, 1);
    let mut worker = Worker::distributed("mysql_kill");
    let (host, port) = mysql_support::endpoint();
    let name = unique_name("mysql_kill");
    let config = json!({
        "connector.class": "io.debezium.connector.mysql.MySqlConnector",
        "database.hostname": host,
        "database.port": port.to_string(),
        "database.user": "root",
        "database.server.id": mysql_support::server_id(),
        "topic.prefix": prefix,
        "database.include.list": db,
        "include.schema.changes": "false",
        "schema.history.internal.kafka.topic": format!("schema-history.{db}"),
        "schema.history.internal.kafka.bootstrap.servers": common::kafka_bootstrap(),
        "schema.history.internal.store.only.captured.databases.ddl": "true",
        "max.batch.size": "200",
        "max.queue.size": "400",
    });
    worker.create_connector(&name, &config);

    // Mid-snapshot: some rows are in the topic, not all.
    worker.wait_until("part of the snapshot in the topic", || {
        let n = topics.records(&topic).len();
        (n >= 1000).then_some(n)
    });
    worker.kill();
    let before_kill = changes(&topics, &topic).len();
    assert!(
        before_kill < SNAPSHOT_ROWS,
        "the kill must land mid-snapshot ({before_kill} records)"
    );

    // A writer inserts rows for the rest of the test.
    let written = Arc::new(AtomicUsize::new(FIRST_STREAMED_ID));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (written, stop, db) = (written.clone(), stop.clone(), db.clone());
        std::thread::spawn(move || {
            block_on(async {
                let mut c = mysql_support::admin().await;
                while !stop.load(Ordering::SeqCst) {
                    let id = written.load(Ordering::SeqCst);
                    c.query_drop(format!("INSERT INTO `{db}`.t VALUES ({id}, 'streamed')"))
                        .await
                        .unwrap();
                    written.store(id + 1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let _ = c.disconnect().await;
            })
        })
    };

    worker.restart();
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    // Streaming, with an offset committed past some streamed rows: kill again.
    worker.wait_until("streamed rows committed", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        let offset = &r.body["offsets"][0]["offset"];
        (offset.get("snapshot").is_none() && offset["event"].as_u64().is_some()).then_some(())
    });
    worker.wait_until("streamed rows in the topic", || {
        changes(&topics, &topic)
            .iter()
            .any(|(op, id)| op == "c" && *id > FIRST_STREAMED_ID + 50)
            .then_some(())
    });
    worker.kill();
    std::thread::sleep(Duration::from_millis(1000));
    worker.restart();
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");
    let last = written.load(Ordering::SeqCst);

    let all = worker.wait_until("every row in the topic", || {
        let c = changes(&topics, &topic);
        let ids: BTreeSet<usize> = c.iter().map(|(_, id)| *id).collect();
        let complete = (1..=SNAPSHOT_ROWS).all(|i| ids.contains(&i))
            && (FIRST_STREAMED_ID..last).all(|i| ids.contains(&i));
        complete.then_some(c)
    });
    // Streamed inserts arrive in insert order: each next record is the next row, or — once per
    // restart at most — a replay going back to an earlier row; never a gap.
    let created: Vec<usize> = all
        .iter()
        .filter(|(op, _)| op == "c")
        .map(|(_, id)| *id)
        .collect();
    let mut replays = 0;
    for pair in created.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b <= a {
            replays += 1;
        } else {
            assert_eq!(b, a + 1, "a gap in the streamed rows: {a} then {b}");
        }
    }
    assert!(replays <= 2, "more replays ({replays}) than restarts");
    eprintln!(
        "{} records: {} snapshot rows, {} streamed rows ({} created records, {replays} replayed)",
        all.len(),
        SNAPSHOT_ROWS,
        last - FIRST_STREAMED_ID,
        created.len()
    );
    block_on(async {
        let mut c = mysql_support::admin().await;
        let _ = c.query_drop(format!("DROP DATABASE `{db}`")).await;
    });
}
