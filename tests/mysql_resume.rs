//! Restarts and failures: a task started from any committed offset resumes with the very next
//! change (inside transactions too), Debezium's own offsets resume as they are, a snapshot
//! interrupted midway is redone, and a lost server connection is survived without loss.

mod common;
mod mysql_support;

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_support::*;
use serde_json::{json, Value as Json};
use strait_api::{OffsetMap, SourceRecord};

/// A record's identity: topic, op and key.
fn identity(r: &SourceRecord) -> String {
    let key = match &r.key {
        strait_api::Value::Struct(s) => format!("{:?}", s.values()),
        _ => "null".into(),
    };
    format!(
        "{}:{}:{key}",
        r.topic.rsplit('.').next().unwrap_or(""),
        op(r).unwrap_or_else(|| "tombstone".into())
    )
}

/// One schema history document in the layout Debezium's `KafkaSchemaHistory` writes (Jackson's
/// pretty printer), at a snapshot position without GTIDs.
fn debezium_history_document(db: &str, ddl: &str, table_changes: &str) -> String {
    format!(
        r#"{{
  "source" : {{
    "server" : "dbserver1"
  }},
  "position" : {{
    "ts_sec" : 1700000000,
    "file" : "mysql-bin.000001",
    "pos" : 4,
    "snapshot" : true
  }},
  "ts_ms" : 1700000000123,
  "databaseName" : "{db}",
  "ddl" : {ddl},
  "tableChanges" : {table_changes}
}}"#,
        ddl = Json::String(ddl.to_string())
    )
}

/// Writes values to partition 0 of a new one-partition topic.
async fn write_topic(topic: &str, values: &[String]) {
    use strait_runtime::kafka::{Broker, Bytes, KafkaBroker, ProduceRecord, TopicSpec};
    let broker = KafkaBroker::connect(&[common::kafka_bootstrap()])
        .await
        .expect("kafka");
    broker
        .create_topic(&TopicSpec {
            name: topic.to_string(),
            partitions: 1,
            replication_factor: -1,
            configs: Default::default(),
        })
        .await
        .expect("create topic");
    let records = values
        .iter()
        .map(|v| ProduceRecord {
            key: None,
            value: Some(Bytes::from(v.clone())),
            headers: Vec::new(),
            timestamp_ms: 1_700_000_000_123,
        })
        .collect();
    broker.produce(topic, 0, records).await.expect("produce");
}

async fn stream_some(db: &mut TestDb) -> (Vec<SourceRecord>, strait_api::ConfigMap) {
    db.exec("CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10))")
        .await;
    db.exec("CREATE TABLE b (id INT PRIMARY KEY)").await;
    let config = config(&db.name, &[("snapshot.mode", "no_data")]);
    let mut task = start_task(&config, Offsets::default(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    db.exec("INSERT INTO a VALUES (1, 'x')").await;
    db.exec("BEGIN").await;
    db.exec("INSERT INTO a VALUES (2, 'x'), (3, 'x'), (4, 'x')")
        .await;
    db.exec("INSERT INTO b VALUES (1), (2)").await;
    db.exec("UPDATE a SET v = 'y' WHERE id IN (2, 3)").await;
    db.exec("DELETE FROM a WHERE id = 4").await;
    db.exec("COMMIT").await;
    db.exec("INSERT INTO b VALUES (3)").await;
    // 1 + (3 + 2 + 2 + 1 delete + 1 tombstone) + 1
    let records = poll_n(&mut task, 11).await;
    task.stop().await.unwrap();
    (records, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_from_each_records_offset_resumes_with_the_next_record() {
    let mut db = TestDb::new("mysql_resume").await;
    let (records, config) = stream_some(&mut db).await;
    let ids: Vec<String> = records.iter().map(identity).collect();
    for i in 0..records.len() {
        // A delete and its tombstone share an offset; resuming after the delete redelivers
        // the tombstone's event, as in Debezium (at-least-once).
        let offsets = Offsets::default();
        offsets.commit(
            &records[i].source_partition,
            &records[i].source_offset.to_map(),
        );
        let mut task = start_task(&config, offsets, false).await;
        // Records of one row (a delete and its tombstone, the three records of a key change)
        // share an offset: resuming from it continues with the next row, as in Debezium.
        let expected_from = (i + 1..records.len())
            .find(|j| records[*j].source_offset != records[i].source_offset)
            .unwrap_or(records.len());
        if expected_from == records.len() {
            assert!(poll_for(&mut task, Duration::from_millis(500))
                .await
                .is_empty());
            task.stop().await.unwrap();
            continue;
        }
        let got = poll_n(&mut task, records.len() - expected_from).await;
        let got_ids: Vec<String> = got.iter().map(identity).collect();
        assert_eq!(
            got_ids,
            ids[expected_from..],
            "resuming from the offset of record {i} ({})",
            ids[i]
        );
        task.stop().await.unwrap();
    }
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_in_debeziums_own_format_resumes() {
    let mut db = TestDb::new("mysql_dbz_offset").await;
    let (records, config) = stream_some(&mut db).await;
    // Record 2 is the second row of the multi-row insert. Debezium 1.x wrote this offset for it
    // without GTIDs, with `transaction_id: null`, in its HashMap key order and with numbers
    // as Java longs.
    let ours = &*records[2].source_offset.to_map();
    let debezium: OffsetMap = match json!({
        "transaction_id": null,
        "ts_sec": ours["ts_sec"],
        "file": ours["file"],
        "pos": ours["pos"],
        "row": 2,
        "server_id": ours["server_id"],
        "event": 2
    }) {
        Json::Object(m) => m,
        _ => unreachable!(),
    };
    // Debezium's schema history, as a Debezium 1.x worker would have left it: pretty-printed
    // documents, positions without GTIDs; table `a` only as DDL (recovered by parsing it),
    // table `b` with its table change.
    let history_topic = common::unique_name("schema-history-dbz");
    let documents = [
        debezium_history_document(
            &db.name,
            "CREATE TABLE `a` (\n  `id` int(11) NOT NULL,\n  `v` varchar(10) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=latin1",
            "[ ]",
        ),
        debezium_history_document(
            &db.name,
            "CREATE TABLE `b` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=latin1",
            &format!(
                r#"[ {{
    "type" : "CREATE",
    "id" : "\"{db}\".\"b\"",
    "table" : {{
      "defaultCharsetName" : "latin1",
      "primaryKeyColumnNames" : [ "id" ],
      "columns" : [ {{
        "name" : "id",
        "jdbcType" : 4,
        "typeName" : "INT",
        "typeExpression" : "INT",
        "charsetName" : null,
        "length" : 11,
        "position" : 1,
        "optional" : false,
        "autoIncremented" : false,
        "generated" : false,
        "comment" : null,
        "hasDefaultValue" : false,
        "enumValues" : [ ]
      }} ],
      "attributes" : [ ]
    }},
    "comment" : null
  }} ]"#,
                db = db.name
            ),
        ),
    ];
    write_topic(&history_topic, &documents).await;
    let mut config = config;
    config.insert(
        "schema.history.internal.kafka.topic".into(),
        history_topic.clone(),
    );
    let offsets = Offsets::default();
    offsets.commit(&records[2].source_partition, &debezium);
    let mut task = start_task(&config, offsets, false).await;
    let got = poll_n(&mut task, records.len() - 3).await;
    assert_eq!(
        got.iter().map(identity).collect::<Vec<_>>(),
        records[3..].iter().map(identity).collect::<Vec<_>>()
    );
    // The first record after a file/position resume carries a GTID set again once the next
    // transaction starts; its offset has Debezium's keys.
    let offset = got[0].source_offset.to_map();
    let keys: Vec<&String> = offset.keys().collect();
    assert_eq!(
        keys,
        [
            "ts_sec",
            "file",
            "pos",
            "gtids",
            "row",
            "server_id",
            "event"
        ]
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_interrupted_midway_is_redone_and_streaming_follows() {
    let mut db = TestDb::new("mysql_snap_restart").await;
    db.exec("CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(100))")
        .await;
    let values: Vec<String> = (1..=3000)
        .map(|i| format!("({i}, REPEAT('p', 50))"))
        .collect();
    db.exec(&format!("INSERT INTO big VALUES {}", values.join(",")))
        .await;
    let config = config(
        &db.name,
        &[("max.batch.size", "100"), ("max.queue.size", "200")],
    );
    let offsets = Offsets::default();
    let mut task = start_task(&config, offsets.clone(), false).await;
    let first = poll_n(&mut task, 500).await;
    assert!(first.iter().all(|r| op(r).as_deref() == Some("r")));
    assert_eq!(
        first[499].source_offset.to_map()["snapshot"],
        json!("INITIAL")
    );
    offsets.commit_last(&first);
    // The worker dies mid-snapshot.
    drop(task);
    db.exec("INSERT INTO big VALUES (3001, 'late')").await;
    let mut task = start_task(&config, offsets.clone(), false).await;
    let again = poll_n(&mut task, 3001).await;
    let ids: Vec<i32> = again
        .iter()
        .map(|r| match row_field(r, "id") {
            Some(strait_api::Value::Int32(i)) => i,
            other => panic!("{other:?}"),
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=3001).collect::<Vec<_>>(),
        "the redone snapshot has every row once"
    );
    assert!(
        again.iter().all(|r| op(r).as_deref() == Some("r")),
        "the late row is in the new snapshot"
    );
    assert!(
        !again[3000].source_offset.to_map().contains_key("snapshot"),
        "the last record completes the snapshot"
    );
    offsets.commit_last(&again);
    db.exec("INSERT INTO big VALUES (3002, 'streamed')").await;
    let streamed = poll_n(&mut task, 1).await;
    assert_eq!(op(&streamed[0]).as_deref(), Some("c"));
    assert_eq!(
        row_field(&streamed[0], "id"),
        Some(strait_api::Value::Int32(3002))
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_binlog_connection_is_resumed_without_loss_or_duplicates() {
    let mut db = TestDb::new("mysql_reconnect").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let config = config(
        &db.name,
        &[
            ("snapshot.mode", "no_data"),
            ("connect.keep.alive.interval.ms", "500"),
        ],
    );
    let server_id: u32 = config["database.server.id"].parse().unwrap();
    let mut task = start_task(&config, Offsets::default(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    let mut seen = Vec::new();
    for round in 0..3 {
        for i in 0..20 {
            db.exec(&format!("INSERT INTO t VALUES ({})", round * 100 + i))
                .await;
        }
        seen.extend(poll_n(&mut task, 20).await);
        // Kill this connector's replication connection on the server.
        let mut admin = admin().await;
        let dumps: Vec<(u64, String)> = admin
            .query("SELECT ID, COMMAND FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")
            .await
            .unwrap();
        let _ = server_id;
        assert!(
            !dumps.is_empty(),
            "the connector's binlog dump connection is visible"
        );
        for (id, _) in dumps {
            let _ = admin.query_drop(format!("KILL {id}")).await;
        }
        let _ = admin.disconnect().await;
    }
    for i in 0..20 {
        db.exec(&format!("INSERT INTO t VALUES ({})", 900 + i))
            .await;
    }
    seen.extend(poll_n(&mut task, 20).await);
    assert!(
        poll_for(&mut task, Duration::from_millis(500))
            .await
            .is_empty(),
        "no duplicates after reconnecting"
    );
    let ids: Vec<i32> = seen
        .iter()
        .map(|r| match row_field(r, "id") {
            Some(strait_api::Value::Int32(i)) => i,
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<i32> = (0..3)
        .flat_map(|r| (0..20).map(move |i| r * 100 + i))
        .chain(900..920)
        .collect();
    assert_eq!(ids, expected, "every insert once, in order");
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purged_position_fails_with_instructions_or_resnapshots_when_needed() {
    let mut db = TestDb::new("mysql_purged").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    db.exec("INSERT INTO t VALUES (1)").await;
    let partition = strait_connectors::mysql::offset::source_partition("dbserver1");
    let gone: OffsetMap = match json!({"file": "mysql-bin.999999", "pos": 4}) {
        Json::Object(m) => m,
        _ => unreachable!(),
    };

    let offsets = Offsets::default();
    offsets.commit(&partition, &gone);
    let mut task = start_task(&config(&db.name, &[]), offsets, false).await;
    let error = poll_until_error(&mut task).await;
    assert!(
        matches!(error, strait_api::ConnectError::Fatal { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("mysql-bin.999999") && message.contains("snapshot.mode=when_needed"),
        "{message}"
    );
    task.stop().await.unwrap();

    let offsets = Offsets::default();
    offsets.commit(&partition, &gone);
    let mut task = start_task(
        &config(&db.name, &[("snapshot.mode", "when_needed")]),
        offsets,
        false,
    )
    .await;
    let records = poll_n(&mut task, 1).await;
    assert_eq!(
        op(&records[0]).as_deref(),
        Some("r"),
        "when_needed takes a new snapshot"
    );
    db.exec("INSERT INTO t VALUES (2)").await;
    let records = poll_n(&mut task, 1).await;
    assert_eq!(op(&records[0]).as_deref(), Some("c"));
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_carry_the_offset_past_changes_of_other_tables() {
    let mut db = TestDb::new("mysql_heartbeat").await;
    db.exec("CREATE TABLE captured (id INT PRIMARY KEY)").await;
    db.exec("CREATE TABLE ignored (id INT PRIMARY KEY)").await;
    let config = config(
        &db.name,
        &[
            ("snapshot.mode", "no_data"),
            ("heartbeat.interval.ms", "100"),
            ("table.include.list", &format!("{}.captured", db.name)),
        ],
    );
    let mut task = start_task(&config, Offsets::default(), false).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    db.exec("INSERT INTO ignored VALUES (1)").await;
    let deadline = std::time::Instant::now() + common::TEST_TIMEOUT;
    let heartbeat = loop {
        assert!(std::time::Instant::now() < deadline, "no heartbeat");
        let records = task.poll().await.unwrap();
        assert!(
            records
                .iter()
                .all(|r| r.topic == "__debezium-heartbeat.dbserver1"),
            "only heartbeats"
        );
        if let Some(r) = records.into_iter().next() {
            break r;
        }
    };
    assert_eq!(heartbeat.kafka_partition, Some(0));
    let (key, value) = json_of(&heartbeat);
    assert_eq!(
        key.unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.ServerNameKey","version":1},"payload":{"serverName":"dbserver1"}}"#
    );
    let value: Json = serde_json::from_str(&value.unwrap()).unwrap();
    assert_eq!(
        value["schema"]["name"],
        "io.debezium.connector.common.Heartbeat"
    );
    assert!(value["payload"]["ts_ms"].as_i64().unwrap() > 1_600_000_000_000);
    assert!(
        heartbeat.source_offset.to_map().contains_key("file")
            && heartbeat.source_offset.to_map().contains_key("pos")
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_retried_while_the_task_keeps_running() {
    let mut unreachable = config(
        "any_db",
        &[
            ("connect.timeout.ms", "300"),
            ("connect.keep.alive.interval.ms", "200"),
        ],
    );
    unreachable.insert("database.port".into(), "1".into());
    let mut task = start_task(&unreachable, Offsets::default(), false).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        let polled = task.poll().await;
        assert!(
            matches!(&polled, Ok(r) if r.is_empty()),
            "poll must stay quiet while retrying: {polled:?}"
        );
    }
    task.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binlog_rotation_moves_offsets_to_the_new_file_and_resumes_there() {
    let mut db = TestDb::new("mysql_rotate").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let config = config(&db.name, &[("snapshot.mode", "no_data")]);
    let mut task = start_task(&config, Offsets::default(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    db.exec("INSERT INTO t VALUES (1)").await;
    let before = poll_n(&mut task, 1).await;
    db.exec("FLUSH BINARY LOGS").await;
    db.exec("INSERT INTO t VALUES (2)").await;
    db.exec("INSERT INTO t VALUES (3)").await;
    let after = poll_n(&mut task, 2).await;
    task.stop().await.unwrap();
    let file = |r: &SourceRecord| {
        r.source_offset.to_map()["file"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        file(&before[0]),
        file(&after[0]),
        "the offset follows the rotation"
    );
    assert_eq!(file(&after[0]), file(&after[1]));

    // Resume from the first record in the new file: the second comes next, nothing else.
    let offsets = Offsets::default();
    offsets.commit(&after[0].source_partition, &after[0].source_offset.to_map());
    let mut task = start_task(&config, offsets, false).await;
    let resumed = poll_n(&mut task, 1).await;
    assert_eq!(
        row_field(&resumed[0], "id"),
        Some(strait_api::Value::Int32(3))
    );
    assert!(poll_for(&mut task, Duration::from_millis(500))
        .await
        .is_empty());
    task.stop().await.unwrap();

    // The same from a file/position offset (GTIDs removed), which resumes by file. The history's
    // positions carry GTIDs, which Debezium's comparator never places before a GTID-less
    // offset, so the table model is rebuilt from the current definitions (recovery).
    let mut config = config;
    config.insert("snapshot.mode".into(), "recovery".into());
    let mut by_file = after[0].source_offset.to_map().into_owned();
    by_file.remove("gtids");
    let offsets = Offsets::default();
    offsets.commit(&after[0].source_partition, &by_file);
    let mut task = start_task(&config, offsets, false).await;
    let resumed = poll_n(&mut task, 1).await;
    assert_eq!(
        row_field(&resumed[0], "id"),
        Some(strait_api::Value::Int32(3))
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}
