//! The schema change topic (`include.schema.changes`, Debezium's default) and the schema history
//! against the project's MariaDB: a snapshot records the server charset, a `DROP TABLE` per
//! table, `DROP/CREATE DATABASE` and `USE`, then each table's `SHOW CREATE TABLE`; a DDL
//! statement mid-stream becomes an `ALTER` change before the rows that follow it; and a
//! restarted task rebuilds its table model from the history without repeating the change.
//! The expected `tableChanges` are written by hand from Debezium's `SchemaFactory`
//! (`io.debezium.connector.schema.Change/Table/Column`) and `MySqlAntlrDdlParser` rules.

mod common;
mod mysql_support;

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_support::*;
use serde_json::{json, Value as Json};
use strait_api::SourceRecord;

/// The value's JSON payload, through the real JsonConverter.
fn payload(record: &SourceRecord) -> Json {
    let (_, value) = json_of(record);
    let v: Json = serde_json::from_str(&value.expect("value")).expect("json");
    v["payload"].clone()
}

fn key_payload(record: &SourceRecord) -> Json {
    let (key, _) = json_of(record);
    let k: Json = serde_json::from_str(&key.expect("key")).expect("json");
    k["payload"].clone()
}

fn column(
    name: &str,
    jdbc: i32,
    type_name: &str,
    length: Option<i32>,
    position: i32,
    optional: bool,
) -> Json {
    json!({
        "name": name, "jdbcType": jdbc, "nativeType": null, "typeName": type_name,
        "typeExpression": type_name, "charsetName": null, "length": length, "scale": null,
        "position": position, "optional": optional, "autoIncremented": false,
        "generated": false, "comment": null, "defaultValueExpression": null, "enumValues": null
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_ddl_emit_debeziums_schema_change_records() {
    let mut db = TestDb::new("mysql_schema_changes").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
        .await;
    db.exec("INSERT INTO t VALUES (1, 'a')").await;
    let charset: Option<String> = db
        .conn
        .exec_first(
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            (&db.name,),
        )
        .await
        .unwrap();
    let charset = charset.expect("database charset");
    let config = config(&db.name, &[("include.schema.changes", "true")]);
    let offsets = Offsets::default();
    let mut task = start_task(&config, offsets.clone(), false).await;
    // Six schema change records, then the row.
    let records = poll_n(&mut task, 7).await;
    let changes = &records[..6];
    for r in changes {
        assert_eq!(
            r.topic, "dbserver1",
            "the schema change topic is topic.prefix"
        );
        assert_eq!(r.kafka_partition, Some(0));
        assert_eq!(
            r.value_schema.as_ref().and_then(|s| s.name()),
            Some("io.debezium.connector.mysql.SchemaChangeValue")
        );
        assert_eq!(r.source_offset.to_map()["snapshot"], json!("INITIAL"));
    }
    let ddls: Vec<String> = changes
        .iter()
        .map(|r| payload(r)["ddl"].as_str().unwrap().to_string())
        .collect();
    let d = &db.name.clone();
    assert!(ddls[0].starts_with("SET character_set_server="), "{ddls:?}");
    // Debezium 3.x writes it without the trailing `;` of 1.x.
    assert!(ddls[0].contains(", collation_server=") && !ddls[0].ends_with(';'));
    assert_eq!(ddls[1], format!("DROP TABLE IF EXISTS `{d}`.`t`"));
    assert_eq!(ddls[2], format!("DROP DATABASE IF EXISTS `{d}`"));
    assert!(ddls[3].starts_with(&format!("CREATE DATABASE `{d}` CHARSET {charset} COLLATE ")));
    assert_eq!(ddls[4], format!("USE `{d}`"));
    assert!(ddls[5].starts_with("CREATE TABLE `t` ("), "{}", ddls[5]);
    let databases: Vec<Json> = changes
        .iter()
        .map(|r| payload(r)["databaseName"].clone())
        .collect();
    assert_eq!(
        databases,
        [json!(""), json!(d), json!(d), json!(d), json!(d), json!(d)]
    );
    assert_eq!(key_payload(&changes[5]), json!({ "databaseName": d }));
    assert_eq!(payload(&changes[0])["tableChanges"], json!([]));
    assert_eq!(
        payload(&changes[1])["tableChanges"],
        json!([{ "type": "DROP", "id": format!("\"{d}\".\"t\""), "table": null }])
    );
    // Debezium names a character column's charset even when it is the table's.
    let mut v_column = column("v", 12, "VARCHAR", Some(10), 2, true);
    v_column["charsetName"] = json!(charset);
    let created = payload(&changes[5]);
    assert_eq!(created["source"]["snapshot"], json!("true"));
    assert_eq!(created["source"]["db"], json!(d));
    assert_eq!(created["source"]["table"], json!("t"));
    assert_eq!(
        created["tableChanges"],
        json!([{
            "type": "CREATE",
            "id": format!("\"{d}\".\"t\""),
            "table": {
                "defaultCharsetName": charset,
                "primaryKeyColumnNames": ["id"],
                "columns": [
                    column("id", 4, "INT", Some(11), 1, false),
                    v_column,
                ],
                "comment": null
            }
        }])
    );
    assert_eq!(op(&records[6]).as_deref(), Some("r"));

    // Mid-stream DDL: an ALTER change precedes the row that needs it.
    db.exec("ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 7 COMMENT 'count'")
        .await;
    db.exec("INSERT INTO t VALUES (2, 'b', 8)").await;
    let streamed = poll_n(&mut task, 2).await;
    let altered = payload(&streamed[0]);
    assert_eq!(
        altered["ddl"],
        json!("ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 7 COMMENT 'count'")
    );
    assert_eq!(altered["databaseName"], json!(d));
    assert_eq!(altered["source"]["snapshot"], json!("false"));
    let mut n = column("n", 4, "INT", None, 3, false);
    n["comment"] = json!("count");
    n["defaultValueExpression"] = json!("7");
    assert_eq!(
        altered["tableChanges"][0]["table"]["columns"][2], n,
        "{altered:#}"
    );
    assert_eq!(altered["tableChanges"][0]["type"], json!("ALTER"));
    assert!(streamed[0].source_offset.to_map().get("snapshot").is_none());
    assert_eq!(
        row_field(&streamed[1], "n"),
        Some(strait_api::Value::Int32(8))
    );
    offsets.commit_last(&streamed);
    task.stop().await.unwrap();

    // Restart: the model comes back from the history; the ALTER is not emitted again and rows
    // keep the new schema.
    db.exec("INSERT INTO t VALUES (3, 'c', 9)").await;
    let mut task = start_task(&config, offsets, false).await;
    let resumed = poll_n(&mut task, 1).await;
    assert_eq!(
        row_field(&resumed[0], "n"),
        Some(strait_api::Value::Int32(9))
    );
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_history_fails_with_instructions_and_recovery_rebuilds_it() {
    let mut db = TestDb::new("mysql_history_missing").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let config = config(&db.name, &[("snapshot.mode", "no_data")]);
    let offsets = Offsets::default();
    let mut task = start_task(&config, offsets.clone(), false).await;
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    db.exec("INSERT INTO t VALUES (1)").await;
    offsets.commit_last(&poll_n(&mut task, 1).await);
    task.stop().await.unwrap();

    // The same offsets with a history topic that does not exist: Debezium's failure.
    let mut lost = config.clone();
    let topic = common::unique_name("schema-history-lost");
    lost.insert("schema.history.internal.kafka.topic".into(), topic.clone());
    let mut task = start_task(&lost, offsets.clone(), false).await;
    let error = poll_until_error(&mut task).await;
    let message = error.to_string();
    assert!(message.contains("history topic is missing"), "{message}");
    assert!(message.contains(&topic), "{message}");
    assert!(message.contains("snapshot.mode=recovery"), "{message}");
    task.stop().await.unwrap();

    // snapshot.mode=recovery rebuilds it from the current definitions and streams on.
    db.exec("INSERT INTO t VALUES (2)").await;
    lost.insert("snapshot.mode".into(), "recovery".into());
    let mut task = start_task(&lost, offsets, false).await;
    let records = poll_n(&mut task, 1).await;
    assert_eq!(
        row_field(&records[0], "id"),
        Some(strait_api::Value::Int32(2))
    );
    task.stop().await.unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_that_change_no_table_are_database_events_unless_the_ddl_filter_keeps_them_out()
{
    let mut db = TestDb::new("mysql_db_events").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let user = format!("'{}'@'localhost'", db.name);
    let config = config(&db.name, &[("include.schema.changes", "true")]);
    let offsets = Offsets::default();
    let mut task = start_task(&config, offsets.clone(), false).await;
    // The snapshot's six schema change records (the table is empty).
    assert_eq!(poll_n(&mut task, 6).await.len(), 6);

    // Kept out by Debezium's default filter: users, grants, views, procedures.
    db.exec(&format!("CREATE USER {user}")).await;
    db.exec(&format!("GRANT SELECT ON `{}`.* TO {user}", db.name))
        .await;
    db.exec("CREATE VIEW v AS SELECT id FROM t").await;
    db.exec("CREATE PROCEDURE p() SELECT 1").await;
    db.exec(&format!("DROP USER {user}")).await;
    // Recorded as database-level events: nothing in the filter lists them.
    let event = "CREATE EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 DAY DO DELETE FROM t";
    db.exec(event).await;
    db.exec("DROP EVENT e").await;
    // MariaDB's SET STATEMENT prefix: the ALTER it runs changes the model.
    let alter = "SET STATEMENT max_statement_time=60 FOR ALTER TABLE t ADD COLUMN n INT";
    db.exec(alter).await;
    db.exec("INSERT INTO t VALUES (1, 5)").await;

    let streamed = poll_n(&mut task, 4).await;
    let d = &db.name;
    let created = payload(&streamed[0]);
    let ddl = created["ddl"].as_str().unwrap();
    assert!(
        ddl.starts_with("CREATE DEFINER=")
            && ddl.ends_with(
                " EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 DAY DO DELETE FROM t"
            ),
        "{created:#}"
    );
    assert_eq!(created["databaseName"], json!(d));
    assert_eq!(created["tableChanges"], json!([]));
    assert_eq!(created["source"]["table"], json!(null));
    assert_eq!(key_payload(&streamed[0]), json!({ "databaseName": d }));
    assert_eq!(payload(&streamed[1])["ddl"], json!("DROP EVENT e"));
    assert_eq!(payload(&streamed[1])["tableChanges"], json!([]));
    let altered = payload(&streamed[2]);
    assert_eq!(
        altered["ddl"],
        json!(alter),
        "the history keeps the whole statement"
    );
    assert_eq!(altered["tableChanges"][0]["type"], json!("ALTER"));
    assert_eq!(
        altered["tableChanges"][0]["table"]["columns"][1]["name"],
        json!("n")
    );
    assert_eq!(op(&streamed[3]).as_deref(), Some("c"));
    assert_eq!(
        row_field(&streamed[3], "n"),
        Some(strait_api::Value::Int32(5))
    );
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    offsets.commit_last(&streamed);
    task.stop().await.unwrap();

    // A restart recovers the model through the database-level records without emitting them
    // again; a custom filter now keeps out what the default let through.
    db.exec("CREATE EVENT e2 ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 DAY DO DELETE FROM t")
        .await;
    db.exec("CREATE VIEW v2 AS SELECT id FROM t").await;
    db.exec("INSERT INTO t VALUES (2, 6)").await;
    let custom = with_key(&config, "schema.history.internal.ddl.filter", ".*EVENT.*");
    let mut task = start_task(&custom, offsets, false).await;
    let resumed = poll_n(&mut task, 2).await;
    // MariaDB logs the view with its algorithm, definer and security.
    let view = payload(&resumed[0]);
    let ddl = view["ddl"].as_str().unwrap();
    assert!(
        ddl.starts_with("CREATE ") && ddl.ends_with(" VIEW `v2` AS SELECT id FROM t"),
        "views are recorded once the filter no longer lists them: {view:#}"
    );
    assert_eq!(
        row_field(&resumed[1], "n"),
        Some(strait_api::Value::Int32(6))
    );
    assert!(poll_for(&mut task, Duration::from_millis(300))
        .await
        .is_empty());
    task.stop().await.unwrap();
    db.drop_db().await;
}

/// `config` with one key replaced.
fn with_key(config: &strait_api::ConfigMap, key: &str, value: &str) -> strait_api::ConfigMap {
    let mut c = config.clone();
    c.insert(key.to_string(), value.to_string());
    c
}
