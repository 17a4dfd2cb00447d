//! The MySQL connector's schema history topic against the real broker (tansu), and its schema
//! change records in Debezium's Connect format.
//!
//! The history documents used here are written by hand in the exact pretty-printed form a
//! Debezium worker leaves in the topic (`HistoryRecord.toString()`), so reading them proves a
//! takeover from Debezium works; the schema change record is compared byte for byte, through
//! the real JsonConverter, with JSON written by hand from Debezium's `SchemaFactory`. Every test
//! uses a topic of its own.

mod common;

use std::future::Future;

use serde_json::{json, Value as Json};
use strait_api::{Headers, OffsetMap};
use strait_connectors::mysql::config::ConnectorFlavor;
use strait_connectors::mysql::envelope::{source_schema, transaction_schema, RecordContext};
use strait_connectors::mysql::history::{self, HistoryRecord, SchemaHistoryTopic};
use strait_connectors::mysql::model::{ChangeKind, DatabaseDef, TableChange, TableModel};
use strait_connectors::mysql::offset::{source_partition, SourcePosition};
use strait_connectors::mysql::schema::{ColumnDef, TableDef, TableId};
use strait_connectors::mysql::schema_change::SchemaChangeRecords;
use strait_runtime::converters::JsonConverter;
use strait_runtime::kafka::{Broker, Bytes, KafkaBroker, ProduceRecord};

use common::{kafka_bootstrap, service_missing, unique_name, TEST_TIMEOUT};

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} timed out after {TEST_TIMEOUT:?}"))
}

async fn history_topic(prefix: &str) -> SchemaHistoryTopic {
    let topic = unique_name(prefix);
    let bootstrap = kafka_bootstrap();
    within("connect", SchemaHistoryTopic::connect(&bootstrap, &topic))
        .await
        .unwrap_or_else(|e| panic!("{}", service_missing("Kafka (tansu)", &bootstrap, e)))
}

fn map(v: Json) -> OffsetMap {
    v.as_object().expect("object").clone()
}

fn column(name: &str, position: u32, data_type: &str) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        position,
        data_type: data_type.into(),
        unsigned: false,
        zerofill: false,
        length: None,
        scale: None,
        nullable: false,
        charset: None,
        enum_values: vec![],
        default: None,
        has_default: false,
        auto_increment: false,
        generated: false,
        comment: None,
    }
}

/// `inventory.orders` as Debezium models
/// `CREATE TABLE orders (id INT(11) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
/// status ENUM('new','it''s') DEFAULT 'new') DEFAULT CHARSET=utf8mb4 COMMENT='sales'`.
fn orders() -> TableDef {
    TableDef {
        id: TableId::new("inventory", "orders"),
        columns: vec![
            ColumnDef {
                unsigned: true,
                length: Some(11),
                auto_increment: true,
                generated: true,
                ..column("id", 1, "int")
            },
            ColumnDef {
                length: Some(1),
                nullable: true,
                charset: Some("utf8mb4".into()),
                enum_values: vec!["new".into(), "it's".into()],
                default: Some("new".into()),
                has_default: true,
                ..column("status", 2, "enum")
            },
        ],
        primary_key: vec!["id".into()],
        default_charset: Some("utf8mb4".into()),
        comment: Some("sales".into()),
    }
}

fn create_orders() -> TableChange {
    TableChange {
        kind: ChangeKind::Create,
        id: TableId::new("inventory", "orders"),
        previous_id: None,
        table: Some(orders()),
    }
}

fn context() -> RecordContext {
    RecordContext {
        source_schema: source_schema(ConnectorFlavor::MySql),
        transaction_schema: transaction_schema(),
        connector: ConnectorFlavor::MySql.name(),
        server_name: "dbserver1".into(),
        partition: source_partition("dbserver1"),
        context_headers: Headers::new(),
        tombstones_on_delete: true,
    }
}

/// The schema change key, as JsonConverter writes Debezium's `SchemaChangeKey` (by hand from
/// `SchemaFactory.schemaHistoryConnectorKeySchema`).
const EXPECTED_KEY: &str = r#"{
  "schema": {"type": "struct", "fields": [
      {"type": "string", "optional": false, "field": "databaseName"}],
    "optional": false, "name": "io.debezium.connector.mysql.SchemaChangeKey", "version": 1},
  "payload": {"databaseName": "inventory"}
}"#;

/// The schema change value, by hand from `SchemaFactory.schemaHistoryConnectorValueSchema`,
/// `schemaHistoryChangeSchema`, `schemaHistoryTableSchema`, `schemaHistoryColumnSchema`, the
/// MySQL `Source` block and `ConnectTableChangeSerializer` (enum values as DDL literals, null
/// `enumValues` for other columns, `defaultValueExpression` only when set).
const EXPECTED_VALUE: &str = r#"{
  "schema": {"type": "struct", "fields": [
    {"type": "struct", "fields": [
      {"type": "string", "optional": false, "field": "version"},
      {"type": "string", "optional": false, "field": "connector"},
      {"type": "string", "optional": false, "field": "name"},
      {"type": "int64", "optional": false, "field": "ts_ms"},
      {"type": "string", "optional": true, "name": "io.debezium.data.Enum", "version": 1,
       "parameters": {"allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},
       "default": "false", "field": "snapshot"},
      {"type": "string", "optional": false, "field": "db"},
      {"type": "string", "optional": true, "field": "sequence"},
      {"type": "int64", "optional": true, "field": "ts_us"},
      {"type": "int64", "optional": true, "field": "ts_ns"},
      {"type": "string", "optional": true, "field": "table"},
      {"type": "int64", "optional": false, "field": "server_id"},
      {"type": "string", "optional": true, "field": "gtid"},
      {"type": "string", "optional": false, "field": "file"},
      {"type": "int64", "optional": false, "field": "pos"},
      {"type": "int32", "optional": false, "field": "row"},
      {"type": "int64", "optional": true, "field": "thread"},
      {"type": "string", "optional": true, "field": "query"}],
     "optional": false, "name": "io.debezium.connector.mysql.Source", "version": 1, "field": "source"},
    {"type": "int64", "optional": false, "field": "ts_ms"},
    {"type": "string", "optional": true, "field": "databaseName"},
    {"type": "string", "optional": true, "field": "schemaName"},
    {"type": "string", "optional": true, "field": "ddl"},
    {"type": "array", "items": {"type": "struct", "fields": [
        {"type": "string", "optional": false, "field": "type"},
        {"type": "string", "optional": false, "field": "id"},
        {"type": "struct", "fields": [
          {"type": "string", "optional": true, "field": "defaultCharsetName"},
          {"type": "array", "items": {"type": "string", "optional": false}, "optional": true,
           "field": "primaryKeyColumnNames"},
          {"type": "array", "items": {"type": "struct", "fields": [
              {"type": "string", "optional": false, "field": "name"},
              {"type": "int32", "optional": false, "field": "jdbcType"},
              {"type": "int32", "optional": true, "field": "nativeType"},
              {"type": "string", "optional": false, "field": "typeName"},
              {"type": "string", "optional": true, "field": "typeExpression"},
              {"type": "string", "optional": true, "field": "charsetName"},
              {"type": "int32", "optional": true, "field": "length"},
              {"type": "int32", "optional": true, "field": "scale"},
              {"type": "int32", "optional": false, "field": "position"},
              {"type": "boolean", "optional": true, "field": "optional"},
              {"type": "boolean", "optional": true, "field": "autoIncremented"},
              {"type": "boolean", "optional": true, "field": "generated"},
              {"type": "string", "optional": true, "field": "comment"},
              {"type": "string", "optional": true, "field": "defaultValueExpression"},
              {"type": "array", "items": {"type": "string", "optional": false}, "optional": true,
               "field": "enumValues"}],
            "optional": false, "name": "io.debezium.connector.schema.Column", "version": 1},
           "optional": false, "field": "columns"},
          {"type": "string", "optional": true, "field": "comment"}],
         "optional": true, "name": "io.debezium.connector.schema.Table", "version": 1, "field": "table"}],
       "optional": false, "name": "io.debezium.connector.schema.Change", "version": 1},
     "optional": false, "field": "tableChanges"}],
   "optional": false, "name": "io.debezium.connector.mysql.SchemaChangeValue", "version": 1},
  "payload": {
    "source": {"version": "3.6.3.Final", "connector": "mysql", "name": "dbserver1",
      "ts_ms": 1700000000000, "snapshot": "false", "db": "inventory", "sequence": null,
      "ts_us": 1700000000000000, "ts_ns": 1700000000000000000, "table": "orders",
      "server_id": 223344, "gtid": null, "file": "mysql-bin.000003", "pos": 1570, "row": 0,
      "thread": null, "query": null},
    "ts_ms": 1700000000999,
    "databaseName": "inventory",
    "schemaName": null,
    "ddl": "CREATE TABLE orders (id INT(11) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, status ENUM('new','it''s') DEFAULT 'new') DEFAULT CHARSET=utf8mb4 COMMENT='sales'",
    "tableChanges": [{
      "type": "CREATE",
      "id": "\"inventory\".\"orders\"",
      "table": {
        "defaultCharsetName": "utf8mb4",
        "primaryKeyColumnNames": ["id"],
        "columns": [
          {"name": "id", "jdbcType": 4, "nativeType": null, "typeName": "INT UNSIGNED",
           "typeExpression": "INT UNSIGNED", "charsetName": null, "length": 11, "scale": null,
           "position": 1, "optional": false, "autoIncremented": true, "generated": true,
           "comment": null, "defaultValueExpression": null, "enumValues": null},
          {"name": "status", "jdbcType": 1, "nativeType": null, "typeName": "ENUM",
           "typeExpression": "ENUM", "charsetName": "utf8mb4", "length": 1, "scale": null,
           "position": 2, "optional": true, "autoIncremented": false, "generated": false,
           "comment": null, "defaultValueExpression": "new", "enumValues": ["'new'", "'it''s'"]}],
        "comment": "sales"}
    }]
  }
}"#;

/// Compact form of hand-written JSON (key order kept), as JsonConverter writes it.
fn compact(text: &str) -> String {
    let v: Json = serde_json::from_str(text).expect("expected JSON is valid");
    serde_json::to_string(&v).expect("serializes")
}

#[test]
fn schema_change_record_matches_debeziums_connect_format_byte_for_byte() {
    let ctx = context();
    let records = SchemaChangeRecords::new(&ctx);
    let position = SourcePosition {
        file: "mysql-bin.000003".into(),
        pos: 1570,
        row: 0,
        server_id: 223_344,
        gtid: None,
        thread: None,
        ts: Some((1_700_000_000, 0)),
    };
    let source = ctx.source(&position, "inventory".into(), Some("orders".into()), None);
    let offset = map(json!({"file": "mysql-bin.000003", "pos": 1700, "server_id": 223344}));
    let record = records.record(
        &ctx,
        source,
        1_700_000_000_999,
        "inventory",
        None,
        "CREATE TABLE orders (id INT(11) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, status ENUM('new','it''s') DEFAULT 'new') DEFAULT CHARSET=utf8mb4 COMMENT='sales'",
        &[create_orders()],
        offset.clone(),
    );
    assert_eq!(record.topic, "dbserver1");
    assert_eq!(record.kafka_partition, Some(0));
    assert_eq!(
        *record.source_partition,
        map(json!({"server": "dbserver1"}))
    );
    assert_eq!(*record.source_offset.to_map(), offset);

    let conv = JsonConverter::default();
    let render = |schema: Option<&strait_api::Schema>, value: &strait_api::Value| {
        String::from_utf8(
            conv.serialize(schema, value)
                .expect("serializes")
                .expect("not null"),
        )
        .expect("utf-8")
    };
    assert_eq!(
        render(record.key_schema.as_ref(), &record.key),
        compact(EXPECTED_KEY)
    );
    assert_eq!(
        render(record.value_schema.as_ref(), &record.value),
        compact(EXPECTED_VALUE)
    );
}

/// What a Debezium 3.x worker leaves in the history topic for a fresh connector: the snapshot's
/// `SET character_set_server`, `DROP TABLE IF EXISTS`, `CREATE DATABASE`, `USE` and `CREATE TABLE`
/// records are summarised by their two telling ones, then two streamed DDL statements.
fn debezium_documents() -> Vec<String> {
    let db = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "ts_sec" : 1700000000,
    "file" : "mysql-bin.000003",
    "pos" : 157,
    "snapshot" : "INITIAL"
  },
  "ts_ms" : 1700000000100,
  "databaseName" : "inventory",
  "ddl" : "CREATE DATABASE `inventory` CHARSET utf8mb4 COLLATE utf8mb4_general_ci",
  "tableChanges" : [ ]
}"#;
    let create = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "ts_sec" : 1700000000,
    "file" : "mysql-bin.000003",
    "pos" : 157,
    "snapshot" : "INITIAL"
  },
  "ts_ms" : 1700000000200,
  "databaseName" : "inventory",
  "ddl" : "CREATE TABLE `orders` (\n  `id` int(11) unsigned NOT NULL AUTO_INCREMENT,\n  `status` enum('new','it''s') DEFAULT 'new',\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='sales'",
  "tableChanges" : [ {
    "type" : "CREATE",
    "id" : "\"inventory\".\"orders\"",
    "table" : {
      "defaultCharsetName" : "utf8mb4",
      "primaryKeyColumnNames" : [ "id" ],
      "columns" : [ {
        "name" : "id",
        "jdbcType" : 4,
        "typeName" : "INT UNSIGNED",
        "typeExpression" : "INT UNSIGNED",
        "charsetName" : null,
        "length" : 11,
        "position" : 1,
        "optional" : false,
        "autoIncremented" : true,
        "generated" : true,
        "comment" : null,
        "hasDefaultValue" : false,
        "enumValues" : [ ]
      }, {
        "name" : "status",
        "jdbcType" : 1,
        "typeName" : "ENUM",
        "typeExpression" : "ENUM",
        "charsetName" : "utf8mb4",
        "length" : 1,
        "position" : 2,
        "optional" : true,
        "autoIncremented" : false,
        "generated" : false,
        "comment" : null,
        "hasDefaultValue" : true,
        "defaultValueExpression" : "new",
        "enumValues" : [ "'new'", "'it''s'" ]
      } ],
      "attributes" : [ ]
    },
    "comment" : "sales"
  } ]
}"#;
    let rename = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "ts_sec" : 1700000100,
    "file" : "mysql-bin.000003",
    "pos" : 900,
    "server_id" : 223344
  },
  "ts_ms" : 1700000100999,
  "databaseName" : "inventory",
  "ddl" : "RENAME TABLE orders TO purchases",
  "tableChanges" : [ {
    "type" : "ALTER",
    "id" : "\"inventory\".\"purchases\"",
    "previousId" : "\"inventory\".\"orders\"",
    "table" : {
      "defaultCharsetName" : "utf8mb4",
      "primaryKeyColumnNames" : [ "id" ],
      "columns" : [ {
        "name" : "id",
        "jdbcType" : 4,
        "typeName" : "INT UNSIGNED",
        "typeExpression" : "INT UNSIGNED",
        "charsetName" : null,
        "length" : 11,
        "position" : 1,
        "optional" : false,
        "autoIncremented" : true,
        "generated" : true,
        "comment" : null,
        "hasDefaultValue" : false,
        "enumValues" : [ ]
      } ],
      "attributes" : [ ]
    },
    "comment" : null
  } ]
}"#;
    let drop = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "ts_sec" : 1700000200,
    "file" : "mysql-bin.000004",
    "pos" : 300,
    "server_id" : 223344
  },
  "ts_ms" : 1700000200999,
  "databaseName" : "inventory",
  "ddl" : "DROP TABLE `purchases` /* generated by server */",
  "tableChanges" : [ {
    "type" : "DROP",
    "id" : "\"inventory\".\"purchases\""
  } ]
}"#;
    vec![db.into(), create.into(), rename.into(), drop.into()]
}

/// Writes raw documents as a Debezium worker does: partition 0, null key, string value.
async fn write_raw(topic: &str, documents: &[String]) {
    let broker = within("connect", KafkaBroker::connect(&[kafka_bootstrap()]))
        .await
        .expect("broker");
    let records = documents
        .iter()
        .map(|d| ProduceRecord {
            key: None,
            value: Some(Bytes::from(d.clone())),
            headers: Vec::new(),
            timestamp_ms: 1_700_000_000_000,
        })
        .collect();
    within("produce", broker.produce(topic, 0, records))
        .await
        .expect("produce");
}

/// The test's DDL applier: the database-level statements of the documents above.
fn apply_ddl(model: &mut TableModel, ddl: &str, db: Option<&str>) -> Result<(), String> {
    if ddl.starts_with("CREATE DATABASE `inventory`") {
        assert_eq!(db, Some("inventory"));
        model.databases.insert(
            "inventory".into(),
            DatabaseDef {
                charset: Some("utf8mb4".into()),
            },
        );
        Ok(())
    } else {
        Err(format!("unexpected DDL {ddl}"))
    }
}

#[tokio::test]
async fn initialize_append_and_read_all_round_trip() {
    let history = history_topic("strait_history_rt").await;
    assert!(!within("exists", history.exists()).await.unwrap());
    assert!(!within("has_records", history.has_records()).await.unwrap());
    within("initialize", history.initialize()).await.unwrap();
    assert!(within("exists", history.exists()).await.unwrap());
    assert!(!within("has_records", history.has_records()).await.unwrap());
    // Creating again is not an error (Debezium logs "already exist").
    within("initialize", history.initialize()).await.unwrap();

    let broker = KafkaBroker::connect(&[kafka_bootstrap()]).await.unwrap();
    assert_eq!(
        broker.partition_count(history.topic()).await.unwrap(),
        Some(1)
    );
    let configs = broker
        .describe_topic_configs(history.topic())
        .await
        .unwrap();
    for (key, value) in [
        ("cleanup.policy", "delete"),
        ("retention.ms", "9223372036854775807"),
        ("retention.bytes", "-1"),
    ] {
        assert_eq!(
            configs.get(key).map(String::as_str),
            Some(value),
            "{configs:?}"
        );
    }

    let partition = map(json!({"server": "dbserver1"}));
    let records: Vec<HistoryRecord> = (0..3)
        .map(|i| HistoryRecord {
            source: partition.clone(),
            position: map(json!({"file": "mysql-bin.000001", "pos": 100 + i, "server_id": 1})),
            ts_ms: 1_700_000_000_000 + i,
            database_name: Some("inventory".into()),
            schema_name: None,
            ddl: format!("CREATE TABLE t{i} (id INT)"),
            table_changes: if i == 1 {
                vec![create_orders()]
            } else {
                vec![]
            },
        })
        .collect();
    within("append", history.append(&records[..2]))
        .await
        .unwrap();
    within("append", history.append(&records[2..]))
        .await
        .unwrap();
    assert!(within("has_records", history.has_records()).await.unwrap());
    let read = within("read_all", history.read_all()).await.unwrap();
    assert_eq!(read, records);

    // The bytes on the topic are the pretty-printed documents.
    let (raw, _) = broker.read_to_end(history.topic(), 0, 0).await.unwrap();
    assert_eq!(raw.len(), 3);
    assert!(raw.iter().all(|r| r.key.is_none()));
    assert_eq!(
        raw[1].value.as_deref(),
        Some(records[1].to_json().as_bytes())
    );
}

#[tokio::test]
async fn a_debezium_history_is_read_and_recovered_up_to_the_offset() {
    let history = history_topic("strait_history_dbz").await;
    within("initialize", history.initialize()).await.unwrap();
    let documents = debezium_documents();
    write_raw(history.topic(), &documents).await;
    let records = within("read_all", history.read_all()).await.unwrap();
    assert_eq!(records.len(), 4);
    // Our rendering of each document is Debezium's, byte for byte.
    for (record, document) in records.iter().zip(&documents) {
        assert_eq!(&record.to_json(), document);
    }

    let partition = map(json!({"server": "dbserver1"}));
    // Right after the snapshot: the database and the table exist.
    let offset = map(
        json!({"file": "mysql-bin.000003", "pos": 157, "ts_sec": 1700000000,
        "snapshot": "INITIAL"}),
    );
    let mut model = TableModel::default();
    let applied = history::recover(&records, &partition, &offset, &mut model, apply_ddl).unwrap();
    assert_eq!(applied, 2);
    assert_eq!(
        model.databases.get("inventory"),
        Some(&DatabaseDef {
            charset: Some("utf8mb4".into())
        })
    );
    assert_eq!(model.tables.len(), 1);
    assert_eq!(model.tables[&TableId::new("inventory", "orders")], orders());

    // Streaming past the rename, before the drop.
    let offset = map(
        json!({"file": "mysql-bin.000003", "pos": 1200, "server_id": 223344,
        "ts_sec": 1700000150}),
    );
    let mut model = TableModel::default();
    let applied = history::recover(&records, &partition, &offset, &mut model, apply_ddl).unwrap();
    assert_eq!(applied, 3);
    let ids: Vec<&TableId> = model.tables.keys().collect();
    assert_eq!(ids, [&TableId::new("inventory", "purchases")]);
    assert_eq!(
        model.tables[&TableId::new("inventory", "purchases")]
            .columns
            .len(),
        1
    );

    // Past the drop.
    let offset = map(json!({"file": "mysql-bin.000004", "pos": 400, "server_id": 223344}));
    let mut model = TableModel::default();
    let applied = history::recover(&records, &partition, &offset, &mut model, apply_ddl).unwrap();
    assert_eq!((applied, model.tables.len()), (4, 0));

    // Another connector's partition recovers nothing.
    let other = map(json!({"server": "other"}));
    let mut model = TableModel::default();
    assert_eq!(
        history::recover(&records, &other, &offset, &mut model, apply_ddl).unwrap(),
        0
    );
}

#[tokio::test]
async fn an_unreadable_document_fails_naming_its_offset() {
    let history = history_topic("strait_history_bad").await;
    within("initialize", history.initialize()).await.unwrap();
    let mut documents = debezium_documents();
    documents.truncate(1);
    documents.push("{\"source\" : {\"server\" : \"dbserver1\"}, \"position\" : {}, \"tableChanges\" : [ { \"type\" : \"CREATE\", \"id\" : \"x\" } ]}".into());
    write_raw(history.topic(), &documents).await;
    let err = within("read_all", history.read_all()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(history.topic()) && text.contains("offset 1"),
        "{text}"
    );
    assert!(!err.is_retriable());
    let connect: strait_api::ConnectError = err.into();
    assert!(!connect.is_retriable());
    assert!(connect.to_string().contains("offset 1"), "{connect}");
}
