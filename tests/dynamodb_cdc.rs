mod common;
mod dynamodb_common;

// The DynamoDB CDC source's stream phase against moto (`bash scripts/services.sh up`): the
// snapshot→CDC hand-off with changes made during and after the scan, the c/u/d envelopes and
// tombstones, a restart from a committed shard position, AT_TIMESTAMP, and a type C offset
// (as PATCH /connectors/<name>/offsets sets it) moving CDC to its timestamp.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue as A;
use serde_json::{json, Value as Json};
use strait_api::{OffsetMap, SourceRecord, Value};
use strait_connectors::dynamodb::offset::stream_partition;

use common::unique_name;
use dynamodb_common::*;

fn cdc(records: &[SourceRecord]) -> Vec<&SourceRecord> {
    records
        .iter()
        .filter(|r| op(r) != "r" && op(r) != "tombstone")
        .collect()
}

fn ids(records: &[&SourceRecord]) -> Vec<String> {
    records.iter().map(|r| key_id(r)).collect()
}

/// Checks the reference's envelope of one stream record.
fn assert_stream_envelope(r: &SourceRecord, table: &str) {
    assert_eq!(r.topic, table);
    assert_eq!(source(r, "sync_mode").and_then(Value::as_str), Some("CDC"));
    assert_eq!(source(r, "tableName").and_then(Value::as_str), Some(table));
    let shard = source(r, "shard_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(shard.starts_with("shardId-"), "shard_id {shard}");
    let seq = source(r, "seq_no")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()),
        "seq_no {seq}"
    );
    for f in [
        "snapshotStartTime",
        "snapshotCount",
        "segment",
        "totalSegments",
        "version",
    ] {
        assert!(
            source(r, f).unwrap().is_null(),
            "{f} is null for stream records"
        );
    }
    let ts_ms = field(r, "ts_ms").and_then(Value::as_i64).unwrap();
    assert_eq!(
        field(r, "ts_us").and_then(Value::as_i64),
        Some(ts_ms * 1000)
    );
    assert_eq!(
        field(r, "ts_ns").and_then(Value::as_i64),
        Some(ts_ms * 1000),
        "the reference's ts_ns"
    );
    let processed = source(r, "ts_ms").and_then(Value::as_i64).unwrap();
    assert!(processed >= ts_ms, "source.ts_ms is the processing time");
    match op(r).as_str() {
        "c" => {
            assert!(field(r, "before").unwrap().is_null());
            assert!(document(r, "after").is_some());
        }
        "u" => {
            assert!(document(r, "before").is_some() && document(r, "after").is_some());
        }
        "d" => {
            assert!(document(r, "before").is_some());
            assert!(field(r, "after").unwrap().is_null());
        }
        other => panic!("unexpected op {other}"),
    }
}

#[tokio::test]
async fn changes_during_and_after_the_snapshot_all_arrive() {
    let client = client();
    let table = unique_name("ddb_handoff");
    // 10 RCU at 20 %: two Scan calls a second, so the snapshot of 30 rows, two per page,
    // takes several seconds and the changes below land while it runs.
    create_table(
        &client,
        &table,
        &TableSpec {
            read_capacity: 10,
            ..TableSpec::default()
        },
    )
    .await;
    for i in 0..30 {
        put(&client, &table, simple_item(&format!("k{i:03}"), i)).await;
    }
    let config = config(
        &[&table],
        &[
            ("dynamodb.snapshot.max.poll.records", "2"),
            ("dynamodb.snapshot.max.rcu.percentage", "20"),
        ],
    );
    let mut task = start_task(&config, Arc::new(MemoryOffsets::default())).await;
    let mut polled = poll_until(&mut task, "the first snapshot rows", |p| !p.is_empty()).await;

    // During the snapshot.
    for i in 0..3 {
        put(&client, &table, simple_item(&format!("new{i}"), 1000 + i)).await;
        put(&client, &table, simple_item(&format!("k{i:03}"), 100 + i)).await;
    }
    delete(&client, &table, "k004").await;
    delete(&client, &table, "k005").await;
    let snapshot_done = |p: &[SourceRecord]| {
        p.iter()
            .any(|r| r.source_partition.contains_key("cdcStarted"))
    };
    assert!(
        !snapshot_done(&polled),
        "the snapshot finished before the changes were made; slow it down"
    );
    polled.extend(poll_until(&mut task, "the end of the snapshot", snapshot_done).await);

    // After the snapshot.
    put(&client, &table, simple_item("after0", 7)).await;
    put(&client, &table, simple_item("k010", 110)).await;
    delete(&client, &table, "k011").await;
    let mut all = polled;
    let more = poll_until(&mut task, "the delete of k011 and its tombstone", |p| {
        p.iter()
            .any(|r| op(r) == "tombstone" && key_id(r) == "k011")
    })
    .await;
    all.extend(more);
    task.stop().await.unwrap();

    // A consumer replaying the topic ends with the table's state.
    let state = replay(&all);
    let table_state = scan_all(&client, &table).await;
    let expected: HashMap<String, Json> = table_state
        .iter()
        .map(|(id, item)| {
            let v = match item.get("v") {
                Some(A::N(n)) => n.clone(),
                other => panic!("{other:?}"),
            };
            (id.clone(), json!({"id": {"S": id}, "v": {"N": v}}))
        })
        .collect();
    assert_eq!(state, expected);

    // Every change made after the snapshot started is delivered by CDC, in order per item.
    let stream = cdc(&all);
    for r in &stream {
        assert_stream_envelope(r, &table);
    }
    let stream_ids = ids(&stream);
    for id in [
        "new0", "new1", "new2", "k000", "k001", "k002", "k004", "k005", "after0", "k010", "k011",
    ] {
        assert!(
            stream_ids.contains(&id.to_string()),
            "no stream record for {id}: {stream_ids:?}"
        );
    }
    let ops_of =
        |id: &str| -> Vec<String> { all.iter().filter(|r| key_id(r) == id).map(op).collect() };
    let k011 = ops_of("k011");
    assert_eq!(&k011[k011.len() - 2..], ["d", "tombstone"]);
    let tombstone = all.iter().rev().find(|r| op(r) == "tombstone").unwrap();
    assert!(tombstone.value.is_null() && tombstone.value_schema.is_none());
    assert_eq!(ops_of("k010").last().map(String::as_str), Some("u"));
    let update = stream.iter().rev().find(|r| key_id(r) == "k010").unwrap();
    assert_eq!(
        document(update, "before"),
        Some(json!({"id": {"S": "k010"}, "v": {"N": "10"}}))
    );
    assert_eq!(
        document(update, "after"),
        Some(json!({"id": {"S": "k010"}, "v": {"N": "110"}}))
    );
    // CDC records come after every snapshot row (the stream is read once the scan completed).
    let last_row = all.iter().rposition(|r| op(r) == "r").unwrap();
    let first_change = all.iter().position(|r| op(r) != "r").unwrap();
    assert!(first_change > last_row);
}

#[tokio::test]
async fn a_restart_resumes_right_after_the_committed_sequence_number() {
    let client = client();
    let table = unique_name("ddb_cdc_restart");
    create_table(&client, &table, &TableSpec::default()).await;
    let config = config(&[&table], &[("dynamodb.table.sync.mode", "CDC")]);
    let offsets = Arc::new(MemoryOffsets::default());
    let mut first = start_task(&config, offsets.clone()).await;
    for i in 0..6 {
        put(&client, &table, simple_item(&format!("k{i}"), i)).await;
    }
    put(&client, &table, simple_item("k1", 11)).await;
    delete(&client, &table, "k2").await;
    let polled = poll_until(&mut first, "9 records", |p| p.len() >= 9).await;
    first.stop().await.unwrap();
    let ops: Vec<String> = polled.iter().map(op).collect();
    assert_eq!(ops, ["c", "c", "c", "c", "c", "c", "u", "d", "tombstone"]);
    // Offsets of one shard only move forward.
    let seqs: Vec<u128> = polled
        .iter()
        .map(|r| {
            r.source_offset.to_map()["seqNo"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "{seqs:?}");

    offsets.commit(&polled[..4]);
    let mut second = start_task(&config, offsets.clone()).await;
    put(&client, &table, simple_item("k9", 9)).await;
    let resumed = poll_until(&mut second, "the rest and the new change", |p| {
        p.iter().any(|r| op(r) == "c" && key_id(r) == "k9")
    })
    .await;
    second.stop().await.unwrap();
    let expected: Vec<String> = polled[4..]
        .iter()
        .map(describe)
        .chain(std::iter::once(format!(
            "c:k9 {}",
            serde_json::to_string(&*polled[0].source_partition).unwrap()
        )))
        .collect();
    assert_eq!(resumed.iter().map(describe).collect::<Vec<_>>(), expected);

    // A restart from the d record's offset replays the delete and its tombstone.
    let offsets = Arc::new(MemoryOffsets::default());
    offsets.commit(&polled[..8]);
    let mut third = start_task(&config, offsets).await;
    let replayed = poll_until(&mut third, "the tombstone again", |p| {
        p.iter().any(|r| op(r) == "tombstone")
    })
    .await;
    third.stop().await.unwrap();
    assert_eq!(
        op(&replayed[0]),
        "d",
        "the delete is replayed with its tombstone"
    );
}

#[tokio::test]
async fn at_timestamp_skips_changes_made_before_it() {
    let client = client();
    let table = unique_name("ddb_at_ts");
    create_table(&client, &table, &TableSpec::default()).await;
    for i in 0..3 {
        put(&client, &table, simple_item(&format!("old{i}"), i)).await;
    }
    let start = next_second(Duration::from_millis(100)).await;
    for i in 0..3 {
        put(&client, &table, simple_item(&format!("new{i}"), i)).await;
    }
    let stamp = utc_timestamp(start);
    let config = config(
        &[&table],
        &[
            ("dynamodb.table.sync.mode", "CDC"),
            ("dynamodb.cdc.initial.stream.position", "AT_TIMESTAMP"),
            ("cdc.start.position.timestamp", &stamp),
        ],
    );
    let mut task = start_task(&config, Arc::new(MemoryOffsets::default())).await;
    let mut polled = poll_until(&mut task, "3 records", |p| p.len() >= 3).await;
    polled.extend(poll_for(&mut task, Duration::from_millis(1500)).await);
    task.stop().await.unwrap();
    assert_eq!(ids(&cdc(&polled)), ["new0", "new1", "new2"], "from {stamp}");
}

#[tokio::test]
async fn a_type_c_offset_moves_cdc_to_its_timestamp() {
    let client = client();
    let table = unique_name("ddb_type_c");
    create_table(&client, &table, &TableSpec::default()).await;
    let config = config(&[&table], &[("dynamodb.table.sync.mode", "CDC")]);
    let offsets = Arc::new(MemoryOffsets::default());
    let mut first = start_task(&config, offsets.clone()).await;
    for i in 0..3 {
        put(&client, &table, simple_item(&format!("a{i}"), i)).await;
    }
    let start = next_second(Duration::from_millis(100)).await;
    for i in 0..3 {
        put(&client, &table, simple_item(&format!("b{i}"), i)).await;
    }
    let polled = poll_until(&mut first, "6 records", |p| p.len() >= 6).await;
    first.stop().await.unwrap();
    offsets.commit(&polled);

    // Without a type C offset a restart has nothing new to read.
    let mut idle = start_task(&config, offsets.clone()).await;
    let nothing = poll_for(&mut idle, Duration::from_millis(1500)).await;
    idle.stop().await.unwrap();
    assert!(
        nothing.is_empty(),
        "{:?}",
        nothing.iter().map(describe).collect::<Vec<_>>()
    );

    // The user sets the stream offset (PATCH /connectors/<name>/offsets) to the b changes.
    let offset: OffsetMap = [(
        "cdc.start.position.timestamp".to_string(),
        Json::from(utc_timestamp(start)),
    )]
    .into_iter()
    .collect();
    offsets.set(stream_partition(&table), offset);
    let mut moved = start_task(&config, offsets.clone()).await;
    let mut again = poll_until(&mut moved, "the b changes again", |p| p.len() >= 3).await;
    again.extend(poll_for(&mut moved, Duration::from_millis(1500)).await);
    moved.stop().await.unwrap();
    assert_eq!(ids(&cdc(&again)), ["b0", "b1", "b2"]);
    let start_positions: BTreeSet<String> = again
        .iter()
        .map(|r| r.source_offset.to_map()["startPositionTimestamp"].to_string())
        .collect();
    assert_eq!(
        start_positions.len(),
        1,
        "positions carry the type C timestamp they follow"
    );

    // After committing those, a restart under the same type C value resumes from them.
    offsets.commit(&again);
    let mut resumed = start_task(&config, offsets).await;
    let nothing = poll_for(&mut resumed, Duration::from_millis(1500)).await;
    resumed.stop().await.unwrap();
    assert!(
        nothing.is_empty(),
        "{:?}",
        nothing.iter().map(describe).collect::<Vec<_>>()
    );
}
