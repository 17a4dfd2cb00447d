//! The MySQL connector's records against the real MariaDB, byte for byte: every operation
//! (snapshot read, create, update, primary-key change, delete with tombstone, truncate, a
//! multi-table transaction) rendered by JsonConverter with schemas and compared with golden
//! files whose shape is Debezium's documented format (`tests/golden/mysql/`). Clocks, binlog
//! coordinates and the run id are masked; everything else — schema names, field order,
//! optionality, offsets' keys and `event`/`row` counts, headers — is compared exactly.

mod common;
mod mysql_support;

use mysql_support::*;
use serde_json::{json, Value as Json};
use strait_api::SourceRecord;

/// Masks an offset's volatile values, keeping its keys in order.
fn masked_offset(record: &SourceRecord) -> Json {
    let mut map = serde_json::Map::new();
    for (k, v) in record.source_offset.to_map().iter() {
        let masked = match k.as_str() {
            "ts_sec" | "file" | "pos" | "gtids" | "server_id" | "transaction_id" => {
                json!(format!("<{k}>"))
            }
            _ => v.clone(),
        };
        map.insert(k.clone(), masked);
    }
    Json::Object(map)
}

fn headers(record: &SourceRecord, db: &str) -> Json {
    Json::Array(
        record
            .headers
            .iter()
            .map(|h| {
                let value = match h.key.as_str() {
                    "__debezium.context.runId" => json!("<run id>"),
                    _ => match &h.value {
                        strait_api::Value::String(s) => json!(s),
                        other => json!(format!("{other:?}").replace(db, "DB")),
                    },
                };
                json!([h.key, value])
            })
            .collect(),
    )
}

/// Writes or compares `records` with the golden file, including offsets and headers.
fn assert_records(name: &str, records: &[SourceRecord], db: &str) {
    let mut lines = Vec::new();
    for r in records {
        let (k, v) = json_of(r);
        lines.push(
            serde_json::to_string_pretty(&json!({
                "topic": r.topic.replace(db, "DB"),
                "partition": r.kafka_partition,
                "source_partition": Json::Object((*r.source_partition).clone()),
                "offset": masked_offset(r),
                "headers": headers(r, db),
                "key": k.map(|k| mask(&k, db)),
                "value": v.map(|v| mask(&v, db)),
            }))
            .unwrap(),
        );
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
            "records differ from {}; see {}",
            path.display(),
            out.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_then_every_streamed_operation_matches_the_golden_records() {
    let mut db = TestDb::new("mysql_records").await;
    db.exec("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(10,2))")
        .await;
    db.exec("CREATE TABLE orders (order_id BIGINT UNSIGNED NOT NULL, line INT NOT NULL, customer INT, PRIMARY KEY (order_id, line))")
        .await;
    db.exec("INSERT INTO customers VALUES (1, 'Anne', 12.50), (2, 'Bob', NULL)")
        .await;
    let config = config(&db.name, &[("skipped.operations", "none")]);
    let mut task = start_task(&config, Offsets::default(), false).await;
    let snapshot = poll_n(&mut task, 2).await;
    assert_records("snapshot.jsonl", &snapshot, &db.name);

    db.exec("INSERT INTO customers VALUES (3, 'Cleo', 3.00)")
        .await;
    db.exec("UPDATE customers SET name = 'Cleopatra' WHERE id = 3")
        .await;
    db.exec("UPDATE customers SET id = 4 WHERE id = 3").await;
    db.exec("DELETE FROM customers WHERE id = 1").await;
    db.exec("BEGIN").await;
    db.exec("INSERT INTO orders VALUES (18446744073709551615, 1, 2), (7, 2, 2)")
        .await;
    db.exec("UPDATE customers SET price = 0.01 WHERE id = 2")
        .await;
    db.exec("COMMIT").await;
    db.exec("TRUNCATE TABLE orders").await;
    // c, u, (d + tombstone + c), (d + tombstone), c, c, u, t
    let streamed = poll_n(&mut task, 11).await;
    assert_records("stream.jsonl", &streamed, &db.name);
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_connector_names_its_source_mariadb() {
    let mut db = TestDb::new("mysql_mariadb").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let mut config = config(&db.name, &[("snapshot.mode", "no_data")]);
    config.insert(
        "connector.class".into(),
        "io.debezium.connector.mariadb.MariaDbConnector".into(),
    );
    let mut task = start_task(&config, Offsets::default(), true).await;
    assert!(
        poll_for(&mut task, std::time::Duration::from_millis(500))
            .await
            .is_empty(),
        "no_data reads no rows"
    );
    db.exec("INSERT INTO t VALUES (1)").await;
    let records = poll_n(&mut task, 1).await;
    assert_records("mariadb_connector.jsonl", &records, &db.name);
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_key_columns_mappers_and_modes_shape_the_records() {
    let mut db = TestDb::new("mysql_shape").await;
    db.exec("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, secret VARCHAR(20), note VARCHAR(20), amount DECIMAL(6,2), hidden INT)")
        .await;
    db.exec("CREATE TABLE other (id INT PRIMARY KEY)").await;
    let d = db.name.clone();
    let config = config(
        &db.name,
        &[
            ("snapshot.mode", "no_data"),
            ("table.include.list", &format!("{d}.p")),
            ("column.exclude.list", &format!("{d}.p.hidden")),
            ("message.key.columns", &format!("{d}.p:code")),
            ("column.mask.with.4.chars", &format!("{d}.p.secret")),
            ("column.truncate.to.3.chars", &format!("{d}.p.note")),
            ("decimal.handling.mode", "string"),
            ("skipped.operations", "u"),
            ("tombstones.on.delete", "false"),
        ],
    );
    let mut task = start_task(&config, Offsets::default(), false).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    db.exec("INSERT INTO other VALUES (1)").await;
    db.exec("INSERT INTO p VALUES (1, 'K1', 'password', 'abcdef', 12.30, 9)")
        .await;
    db.exec("UPDATE p SET note = 'x' WHERE id = 1").await;
    db.exec("DELETE FROM p WHERE id = 1").await;
    let records = poll_n(&mut task, 2).await;
    assert!(
        poll_for(&mut task, std::time::Duration::from_millis(500))
            .await
            .is_empty(),
        "updates skipped, no tombstone"
    );
    assert_eq!(
        records.iter().map(|r| op(r).unwrap()).collect::<Vec<_>>(),
        ["c", "d"]
    );
    let (key, value) = json_of(&records[0]);
    let key: Json = serde_json::from_str(&key.unwrap()).unwrap();
    assert_eq!(key["payload"], json!({"code": "K1"}));
    let value: Json = serde_json::from_str(&value.unwrap()).unwrap();
    assert_eq!(
        value["payload"]["after"],
        json!({"id": 1, "code": "K1", "secret": "****", "note": "abc", "amount": "12.30"})
    );
    let fields = &value["schema"]["fields"][1]["fields"];
    assert_eq!(fields[2]["parameters"], json!({"masked": "true"}));
    assert_eq!(fields[3]["parameters"], json!({"truncateLength": "3"}));
    assert_eq!(
        fields[4],
        json!({"type": "string", "optional": true, "field": "amount"})
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

/// Polls until `n` records of the transaction touching `db` arrived (its BEGIN/END included),
/// dropping other transactions' BEGIN/END records.
async fn ours(task: &mut Box<dyn strait_api::SourceTask>, db: &str, n: usize) -> Vec<SourceRecord> {
    let deadline = std::time::Instant::now() + common::TEST_TIMEOUT;
    let mut all: Vec<SourceRecord> = Vec::new();
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the transaction"
        );
        all.extend(task.poll().await.unwrap());
        let id = all.iter().find_map(|r| {
            let env = r.value.as_struct()?;
            (r.topic.contains(db)).then_some(())?;
            let tx = env.get("transaction")?.as_struct()?;
            tx.get("id")?.as_str().map(str::to_string)
        });
        let Some(id) = id else { continue };
        let mine: Vec<SourceRecord> = all
            .iter()
            .filter(|r| {
                r.topic.contains(db)
                    || r.value
                        .as_struct()
                        .and_then(|v| v.get("id"))
                        .and_then(|v| v.as_str())
                        == Some(id.as_str())
            })
            .cloned()
            .collect();
        if mine.len() >= n {
            assert_eq!(mine.len(), n, "{mine:#?}");
            return mine;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_metadata_brackets_transactions_and_survives_a_restart_inside_one() {
    // A fixed database name: the offset's per-table counters and the END record's collections
    // are ordered by the Java hash of `db.table`, so the golden file needs stable names.
    let mut db = TestDb::named("strait_mysql_tx_golden").await;
    db.exec("CREATE TABLE a (id INT PRIMARY KEY)").await;
    db.exec("CREATE TABLE b (id INT PRIMARY KEY)").await;
    let config = config(
        &db.name,
        &[
            ("snapshot.mode", "no_data"),
            ("provide.transaction.metadata", "true"),
        ],
    );
    let mut task = start_task(&config, Offsets::default(), false).await;
    poll_for(&mut task, std::time::Duration::from_millis(300)).await;
    db.exec("BEGIN").await;
    db.exec("INSERT INTO a VALUES (1), (2)").await;
    db.exec("INSERT INTO b VALUES (1)").await;
    db.exec("COMMIT").await;
    // Every transaction on the server has a BEGIN/END pair (other tests run concurrently):
    // keep ours — BEGIN, a1, a2, b1, END — identified by the id in our change records.
    let records = ours(&mut task, &db.name, 5).await;
    assert_records("transactions.jsonl", &records, &db.name);
    task.stop().await.unwrap();

    // Restart from the offset of the second event: no second BEGIN, counters continue.
    let offsets = Offsets::default();
    offsets.commit(
        &records[2].source_partition,
        &records[2].source_offset.to_map(),
    );
    let mut task = start_task(&config, offsets, false).await;
    let resumed = ours(&mut task, &db.name, 2).await;
    let (_, b1) = json_of(&resumed[0]);
    let b1: Json = serde_json::from_str(&b1.unwrap()).unwrap();
    assert_eq!(b1["payload"]["transaction"]["total_order"], json!(3));
    assert_eq!(
        b1["payload"]["transaction"]["data_collection_order"],
        json!(1)
    );
    let (_, end) = json_of(&resumed[1]);
    let end: Json = serde_json::from_str(&end.unwrap()).unwrap();
    assert_eq!(end["payload"]["status"], json!("END"));
    assert_eq!(end["payload"]["event_count"], json!(3));
    task.stop().await.unwrap();
    db.drop_db().await;
}

/// Records of a captured table are handed over within the linger time even while the binlog
/// stays busy with rows that give no records: here a 100k-row insert into a table that is not
/// captured, between two captured rows of the same transaction. Before, the first record waited
/// for the binlog to fall idle (or its batch to fill), so both arrived in one batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_handed_over_while_uncaptured_rows_keep_the_binlog_busy() {
    let mut db = TestDb::new("mysql_busy").await;
    db.exec("CREATE TABLE captured (id INT PRIMARY KEY)").await;
    db.exec("CREATE TABLE other (id INT PRIMARY KEY, pad VARCHAR(200))")
        .await;
    let include = format!("{}.captured", db.name);
    let config = config(
        &db.name,
        &[
            ("snapshot.mode", "no_data"),
            ("table.include.list", &include),
        ],
    );
    let mut task = start_task(&config, Offsets::default(), false).await;
    db.exec("BEGIN").await;
    db.exec("INSERT INTO captured VALUES (1)").await;
    // Several MB of rows events the reader reads past (tens of milliseconds at least).
    db.exec("INSERT INTO other SELECT seq, REPEAT('x', 200) FROM seq_1_to_100000")
        .await;
    db.exec("INSERT INTO captured VALUES (2)").await;
    db.exec("COMMIT").await;
    let deadline = std::time::Instant::now() + common::TEST_TIMEOUT;
    let mut batches: Vec<Vec<i64>> = Vec::new();
    while batches.iter().map(Vec::len).sum::<usize>() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out with {batches:?}"
        );
        let batch = task.poll().await.expect("poll");
        let ids: Vec<i64> = batch
            .iter()
            .filter_map(|r| match row_field(r, "id") {
                Some(strait_api::Value::Int32(id)) => Some(i64::from(id)),
                _ => None,
            })
            .collect();
        if !ids.is_empty() {
            batches.push(ids);
        }
    }
    assert_eq!(
        batches,
        vec![vec![1], vec![2]],
        "the first captured row is handed over on its own, before the reader is past the \
         uncaptured rows"
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}
