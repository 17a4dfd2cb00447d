//! Schema changes while streaming: records after an ALTER carry the new schema, a table created
//! mid-stream is captured, a renamed table moves to its new topic, rows written before an ALTER
//! the connector had not caught up with keep the schema of their time (the model follows the
//! binlog's DDL and is rebuilt from the schema history after a restart), and a row the model
//! cannot decode names table, column and position.

mod common;
mod mysql_support;

use std::time::Duration;

use mysql_support::*;
use strait_api::Value;

fn field_names(record: &strait_api::SourceRecord) -> Vec<String> {
    let env = record.value.as_struct().expect("envelope");
    let row = env
        .get("after")
        .and_then(Value::as_struct)
        .or_else(|| env.get("before").and_then(Value::as_struct))
        .expect("row");
    row.schema()
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ddl_mid_stream_changes_the_schemas_of_later_records() {
    let mut db = TestDb::new("mysql_ddl").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))")
        .await;
    let config = config(&db.name, &[("snapshot.mode", "no_data")]);
    let mut task = start_task(&config, Offsets::default(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());

    // Each change is read before the next DDL runs: the connector is caught up, the case
    // the information_schema-based table model handles (see the lagging test below).
    let mut records = Vec::new();
    db.exec("INSERT INTO t VALUES (1, 'x')").await;
    records.extend(poll_n(&mut task, 1).await);
    db.exec("ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 5")
        .await;
    db.exec("INSERT INTO t VALUES (2, 'y', 6)").await;
    records.extend(poll_n(&mut task, 1).await);
    db.exec("ALTER TABLE t DROP COLUMN a").await;
    db.exec("UPDATE t SET b = 7 WHERE id = 1").await;
    records.extend(poll_n(&mut task, 1).await);
    db.exec("CREATE TABLE n (k VARCHAR(5) PRIMARY KEY)").await;
    db.exec("INSERT INTO n VALUES ('new')").await;
    records.extend(poll_n(&mut task, 1).await);
    db.exec("RENAME TABLE t TO t2").await;
    db.exec("INSERT INTO t2 VALUES (3, 8)").await;
    records.extend(poll_n(&mut task, 1).await);

    assert_eq!(field_names(&records[0]), ["id", "a"]);
    assert_eq!(field_names(&records[1]), ["id", "a", "b"]);
    let b = records[1]
        .value_schema
        .as_ref()
        .unwrap()
        .field("after")
        .unwrap()
        .schema()
        .field("b")
        .unwrap()
        .schema()
        .clone();
    assert_eq!(
        b.default_value(),
        Some(&Value::Int32(5)),
        "the new column's default is in its schema"
    );
    assert_eq!(field_names(&records[2]), ["id", "b"]);
    assert_eq!(row_field(&records[2], "b"), Some(Value::Int32(7)));
    assert!(records[3].topic.ends_with(".n"), "{}", records[3].topic);
    assert!(records[4].topic.ends_with(".t2"), "{}", records[4].topic);
    assert_eq!(
        records[4]
            .value_schema
            .as_ref()
            .unwrap()
            .name()
            .map(|n| n.ends_with(".t2.Envelope")),
        Some(true)
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_written_before_an_alter_the_connector_lagged_behind_keep_their_schema() {
    let mut db = TestDb::new("mysql_ddl_lag").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let config = config(&db.name, &[("snapshot.mode", "no_data")]);
    let offsets = Offsets::default();
    let mut task = start_task(&config, offsets.clone(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    db.exec("INSERT INTO t VALUES (1)").await;
    let first = poll_n(&mut task, 1).await;
    offsets.commit_last(&first);
    task.stop().await.unwrap();

    // While the connector is down, a row is written, the table changes, another row follows.
    db.exec("INSERT INTO t VALUES (2)").await;
    db.exec("ALTER TABLE t ADD COLUMN c INT").await;
    db.exec("INSERT INTO t VALUES (3, 30)").await;
    // The restarted task rebuilds its model from the schema history at the stored offset, so
    // row 2 is decoded with the table as it was then, and row 3 with the ALTER applied.
    let mut task = start_task(&config, offsets, false).await;
    let records = poll_n(&mut task, 2).await;
    assert_eq!(field_names(&records[0]), ["id"]);
    assert_eq!(row_field(&records[0], "id"), Some(Value::Int32(2)));
    assert_eq!(field_names(&records[1]), ["id", "c"]);
    assert_eq!(row_field(&records[1], "c"), Some(Value::Int32(30)));
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_row_names_table_column_and_position_or_is_skipped_under_errors_tolerance() {
    let mut db = TestDb::new("mysql_undecodable").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, c INT)").await;
    let strict = config(&db.name, &[("snapshot.mode", "no_data")]);
    let offsets = Offsets::default();
    let mut task = start_task(&strict, offsets.clone(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    db.exec("INSERT INTO t VALUES (1, 1)").await;
    offsets.commit_last(&poll_n(&mut task, 1).await);
    task.stop().await.unwrap();

    // While the connector is down: a row with an INT, then the column becomes text, and the
    // schema history is rebuilt from the current definitions (snapshot.mode=recovery, which
    // Debezium documents as unsafe when a schema changed meanwhile): row 2's INT cannot be read
    // as the VARCHAR the rebuilt model says.
    db.exec("INSERT INTO t VALUES (2, 2)").await;
    db.exec("ALTER TABLE t MODIFY c VARCHAR(10)").await;
    db.exec("INSERT INTO t VALUES (3, 'three')").await;
    let mut strict = strict;
    strict.insert("snapshot.mode".into(), "recovery".into());

    let mut task = start_task(&strict, offsets.clone(), false).await;
    let error = poll_until_error(&mut task).await;
    let message = error.to_string();
    assert!(error.is_data(), "{error:?}");
    for part in [
        format!("{}.t", db.name),
        "column 'c'".to_string(),
        "binlog file".to_string(),
        "position".to_string(),
    ] {
        assert!(message.contains(&part), "{part} missing from: {message}");
    }
    task.stop().await.unwrap();

    let mut tolerant = strict.clone();
    tolerant.insert("errors.tolerance".into(), "all".into());
    let mut task = start_task(&tolerant, offsets, false).await;
    let records = poll_n(&mut task, 1).await;
    assert_eq!(
        row_field(&records[0], "id"),
        Some(Value::Int32(3)),
        "row 2 skipped, row 3 delivered"
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}
