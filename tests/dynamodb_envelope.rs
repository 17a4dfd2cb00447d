// Golden bytes of the DynamoDB CDC source's records through Kafka's JsonConverter (schemas
// enabled, the worker default).
//
// The expected strings are written by hand from Confluent's published records of the reference
// connector (the product page's "op: r/c/u/d" examples for table NumTable, and the schema the
// managed connector registered), translated the way Kafka's JsonConverter writes the Connect
// schema those Avro schemas map to: an optional envelope struct
// `io.confluent.connect.dynamodb.<table>.Envelope`, the `io.confluent.connector.dynamodb.Source`
// block with lower-case `shard_id`/`seq_no` (as registered; the page's prose spells them
// `shard_Id`/`seq_No`), and `before`/`after` as `<table>.Value {document}`. The inputs are the
// example's items as unordered maps; the document's attribute order must come out as the
// reference wrote it.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue as A;
use strait_api::{Schema, Value};
use strait_connectors::dynamodb::attribute_json::item_to_string;
use strait_connectors::dynamodb::envelope::{
    Op, SnapshotSource, SourcePosition, TableSchemas, Timestamps,
};
use strait_runtime::converters::JsonConverter;

fn item(pairs: &[(&str, A)]) -> HashMap<String, A> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn n(v: &str) -> A {
    A::N(v.to_string())
}

fn json(schema: Option<&Schema>, value: &Value) -> Option<String> {
    JsonConverter::default()
        .serialize(schema, value)
        .expect("serializes")
        .map(|b| String::from_utf8(b).expect("utf-8"))
}

fn schemas() -> Arc<TableSchemas> {
    Arc::new(TableSchemas::new(
        "NumTable",
        vec!["Number".to_string(), "Number2".to_string()],
    ))
}

const SOURCE_SCHEMA: &str = r#"{"type":"struct","fields":[{"type":"string","optional":true,"field":"version"},{"type":"string","optional":false,"field":"tableName"},{"type":"string","optional":false,"field":"sync_mode"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"int64","optional":false,"field":"ts_us"},{"type":"int64","optional":false,"field":"ts_ns"},{"type":"int64","optional":true,"field":"snapshotStartTime"},{"type":"int32","optional":true,"field":"snapshotCount"},{"type":"int32","optional":true,"field":"segment"},{"type":"int32","optional":true,"field":"totalSegments"},{"type":"string","optional":true,"field":"shard_id"},{"type":"string","optional":true,"field":"seq_no"}],"optional":true,"name":"io.confluent.connector.dynamodb.Source","field":"source"}"#;

fn envelope_schema() -> String {
    let value = |field: &str| {
        format!(
            r#"{{"type":"struct","fields":[{{"type":"string","optional":true,"field":"document"}}],"optional":true,"name":"io.confluent.connect.dynamodb.NumTable.Value","field":"{field}"}}"#
        )
    };
    format!(
        r#"{{"type":"struct","fields":[{{"type":"string","optional":false,"field":"op"}},{{"type":"int64","optional":false,"field":"ts_ms"}},{{"type":"int64","optional":false,"field":"ts_us"}},{{"type":"int64","optional":false,"field":"ts_ns"}},{SOURCE_SCHEMA},{},{}],"optional":true,"name":"io.confluent.connect.dynamodb.NumTable.Envelope"}}"#,
        value("before"),
        value("after")
    )
}

#[test]
fn snapshot_row_matches_the_reference_example() {
    let s = schemas();
    let ts = Timestamps::from_nanos(1_719_830_776_204_000_000);
    let document = item_to_string(&item(&[("Number", n("1")), ("Number2", n("1"))]));
    let value = s.envelope(
        Op::Read,
        ts,
        ts,
        SourcePosition::Snapshot(SnapshotSource {
            start_time: 1_719_830_776_087,
            count: 1,
            segment: 0,
            total_segments: 5,
        }),
        None,
        Some(document),
    );
    let expected = format!(
        r#"{{"schema":{},"payload":{{"op":"r","ts_ms":1719830776204,"ts_us":1719830776204000,"ts_ns":1719830776204000000,"source":{{"version":null,"tableName":"NumTable","sync_mode":"SNAPSHOT","ts_ms":1719830776204,"ts_us":1719830776204000,"ts_ns":1719830776204000000,"snapshotStartTime":1719830776087,"snapshotCount":1,"segment":0,"totalSegments":5,"shard_id":null,"seq_no":null}},"before":null,"after":{{"document":"{{\"Number2\":{{\"N\":\"1\"}},\"Number\":{{\"N\":\"1\"}}}}"}}}}}}"#,
        envelope_schema()
    );
    assert_eq!(
        json(Some(s.value_schema()), &value).as_deref(),
        Some(expected.as_str())
    );
}

fn cdc_value(
    op: Op,
    created_ms: i64,
    processed_ms: i64,
    seq: &str,
    before: Option<String>,
    after: Option<String>,
) -> Value {
    schemas().envelope(
        op,
        Timestamps::stream_record(created_ms),
        Timestamps::from_nanos(processed_ms * 1_000_000),
        SourcePosition::Stream {
            shard_id: "shardId-00000001719827428220-04b3c3e0",
            seq_no: seq,
        },
        before,
        after,
    )
}

fn cdc_expected(op: &str, ts: i64, source_ts: i64, seq: &str, before: &str, after: &str) -> String {
    format!(
        r#"{{"schema":{},"payload":{{"op":"{op}","ts_ms":{ts},"ts_us":{us},"ts_ns":{us},"source":{{"version":null,"tableName":"NumTable","sync_mode":"CDC","ts_ms":{source_ts},"ts_us":{sus},"ts_ns":{sns},"snapshotStartTime":null,"snapshotCount":null,"segment":null,"totalSegments":null,"shard_id":"shardId-00000001719827428220-04b3c3e0","seq_no":"{seq}"}},"before":{before},"after":{after}}}}}"#,
        envelope_schema(),
        us = ts * 1000,
        sus = source_ts * 1000,
        sns = source_ts * 1_000_000,
    )
}

#[test]
fn stream_records_match_the_reference_examples() {
    let s = schemas();
    // Example record 1: "op: c".
    let after = item_to_string(&item(&[("Number", n("1")), ("Number2", n("5"))]));
    let value = cdc_value(
        Op::Create,
        1_719_830_940_000,
        1_719_830_973_951,
        "000000000000000000247",
        None,
        Some(after),
    );
    assert_eq!(
        json(Some(s.value_schema()), &value).unwrap(),
        cdc_expected(
            "c",
            1_719_830_940_000,
            1_719_830_973_951,
            "000000000000000000247",
            "null",
            r#"{"document":"{\"Number2\":{\"N\":\"5\"},\"Number\":{\"N\":\"1\"}}"}"#
        )
    );

    // Example record 2: "op: u".
    let before = item_to_string(&item(&[("Number", n("1")), ("Number2", n("3"))]));
    let after = item_to_string(&item(&[
        ("ONE", A::Ss(vec!["NE".to_string()])),
        ("Number", n("1")),
        ("Number2", n("3")),
    ]));
    let value = cdc_value(
        Op::Update,
        1_719_830_820_000,
        1_719_830_875_579,
        "000000000000000000234",
        Some(before),
        Some(after),
    );
    assert_eq!(
        json(Some(s.value_schema()), &value).unwrap(),
        cdc_expected(
            "u",
            1_719_830_820_000,
            1_719_830_875_579,
            "000000000000000000234",
            r#"{"document":"{\"Number2\":{\"N\":\"3\"},\"Number\":{\"N\":\"1\"}}"}"#,
            r#"{"document":"{\"Number2\":{\"N\":\"3\"},\"Number\":{\"N\":\"1\"},\"ONE\":{\"SS\":[\"NE\"]}}"}"#
        )
    );

    // Example record 3: "op: d".
    let before = item_to_string(&item(&[
        ("ONE ", A::Ss(vec!["NE".to_string(), "ONE".to_string()])),
        ("ONE", A::Ss(vec!["NE".to_string()])),
        ("Number2", n("4")),
        ("Number", n("1")),
    ]));
    let value = cdc_value(
        Op::Delete,
        1_719_830_820_000,
        1_719_830_865_036,
        "000000000000000000232",
        Some(before),
        None,
    );
    assert_eq!(
        json(Some(s.value_schema()), &value).unwrap(),
        cdc_expected(
            "d",
            1_719_830_820_000,
            1_719_830_865_036,
            "000000000000000000232",
            r#"{"document":"{\"Number2\":{\"N\":\"4\"},\"Number\":{\"N\":\"1\"},\"ONE\":{\"SS\":[\"NE\"]},\"ONE \":{\"SS\":[\"NE\",\"ONE\"]}}"}"#,
            "null"
        )
    );
}

#[test]
fn key_and_tombstone_match_the_reference() {
    let s = TableSchemas::new("table1", vec!["id".to_string()]);
    let key = s
        .key(&item(&[("id", A::S("5028".to_string())), ("x", n("1"))]))
        .unwrap();
    assert_eq!(
        json(Some(s.key_schema()), &key).unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false},"payload":{"id":"5028"}}"#
    );
    // The tombstone's value is null with no schema: Kafka's JsonConverter writes no bytes.
    assert_eq!(json(None, &Value::Null), None);
}
