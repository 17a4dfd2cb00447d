mod common;
mod dynamodb_common;

// The DynamoDB CDC source's snapshot against moto (`bash scripts/services.sh up`): a parallel scan
// of every attribute type in five segments with the reference's envelope and offsets, a restart
// in the middle that resumes each segment right after its last committed row, and the read
// capacity budget.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as A;
use serde_json::{json, Value as Json};
use strait_api::{SourceRecord, Value};

use common::unique_name;
use dynamodb_common::*;

/// An item holding every attribute type, and the DynamoDB JSON the reference writes for it
/// (written out by hand: S and N as strings, B base64, BOOL, NULL true, M, L, SS, NS, BS).
fn every_type_item(i: usize) -> (HashMap<String, A>, Json) {
    let id = format!("item-{i:03}");
    let item: HashMap<String, A> = [
        ("id", A::S(id.clone())),
        ("num", A::N(format!("{i}.5"))),
        ("bin", A::B(Blob::new(vec![0, 1, 2, i as u8]))),
        ("flag", A::Bool(i % 2 == 0)),
        ("nothing", A::Null(true)),
        (
            "map",
            A::M(
                [
                    ("inner".to_string(), A::S("é\"q".into())),
                    ("n".to_string(), A::N("-1".into())),
                ]
                .into(),
            ),
        ),
        (
            "list",
            A::L(vec![A::S("a".into()), A::N("2".into()), A::Bool(false)]),
        ),
        ("strings", A::Ss(vec!["x".into(), "y".into()])),
        ("numbers", A::Ns(vec!["1".into(), "2".into()])),
        (
            "binaries",
            A::Bs(vec![Blob::new(b"hi".to_vec()), Blob::new(vec![255])]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let expected = json!({
        "id": {"S": id},
        "num": {"N": format!("{i}.5")},
        "bin": {"B": base64_of(&[0, 1, 2, i as u8])},
        "flag": {"BOOL": i % 2 == 0},
        "nothing": {"NULL": true},
        "map": {"M": {"inner": {"S": "é\"q"}, "n": {"N": "-1"}}},
        "list": {"L": [{"S": "a"}, {"N": "2"}, {"BOOL": false}]},
        "strings": {"SS": ["x", "y"]},
        "numbers": {"NS": ["1", "2"]},
        "binaries": {"BS": ["aGk=", "/w=="]},
    });
    (item, expected)
}

fn base64_of(bytes: &[u8]) -> String {
    // Standard base64 with padding, written out for these short inputs.
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn rows(records: &[SourceRecord]) -> Vec<&SourceRecord> {
    records.iter().filter(|r| op(r) == "r").collect()
}

fn int(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(-1)
}

#[tokio::test]
async fn snapshot_of_every_attribute_type_across_five_segments() {
    let client = client();
    let table = unique_name("ddb_snap_types");
    create_table(&client, &table, &TableSpec::default()).await;
    let mut expected = BTreeMap::new();
    for i in 0..60 {
        let (item, doc) = every_type_item(i);
        expected.insert(format!("item-{i:03}"), doc);
        put(&client, &table, item).await;
    }

    let config = config(
        &[&table],
        &[
            ("dynamodb.table.sync.mode", "SNAPSHOT"),
            ("dynamodb.snapshot.max.poll.records", "7"),
        ],
    );
    let mut task = start_task(&config, Arc::new(MemoryOffsets::default())).await;
    let started = Timestamps::now_ms();
    let polled = poll_until(&mut task, "60 snapshot rows", |p| rows(p).len() >= 60).await;
    task.stop().await.unwrap();

    let rows = rows(&polled);
    assert_eq!(rows.len(), 60, "each row once");
    let mut by_segment: BTreeMap<i64, Vec<&SourceRecord>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for r in &rows {
        assert_eq!(r.topic, table, "topic = table name");
        let id = key_id(r);
        assert!(seen.insert(id.clone()), "{id} emitted twice");
        assert_eq!(
            document(r, "after").as_ref(),
            expected.get(&id),
            "document of {id}"
        );
        assert!(field(r, "before").unwrap().is_null());
        assert_eq!(
            source(r, "sync_mode").and_then(Value::as_str),
            Some("SNAPSHOT")
        );
        assert_eq!(
            source(r, "tableName").and_then(Value::as_str),
            Some(table.as_str())
        );
        assert!(source(r, "version").unwrap().is_null());
        assert!(source(r, "shard_id").unwrap().is_null() && source(r, "seq_no").unwrap().is_null());
        assert_eq!(int(source(r, "totalSegments")), 5);
        let ts_ms = int(field(r, "ts_ms"));
        assert!(ts_ms >= started - 1000, "processing time");
        assert_eq!(int(field(r, "ts_us")) / 1000, ts_ms);
        assert_eq!(int(field(r, "ts_ns")) / 1_000_000, ts_ms);
        by_segment
            .entry(int(source(r, "segment")))
            .or_default()
            .push(r);
    }
    assert_eq!(
        by_segment.keys().copied().collect::<Vec<_>>(),
        [0, 1, 2, 3, 4],
        "60 items fill all five segments"
    );
    for (segment, rows) in &by_segment {
        let counts: Vec<i64> = rows
            .iter()
            .map(|r| int(source(r, "snapshotCount")))
            .collect();
        assert_eq!(
            counts,
            (1..=rows.len() as i64).collect::<Vec<_>>(),
            "segment {segment} counts"
        );
        let starts: BTreeSet<i64> = rows
            .iter()
            .map(|r| int(source(r, "snapshotStartTime")))
            .collect();
        assert_eq!(starts.len(), 1, "one start time per segment");
        for r in rows.iter().take(rows.len() - 1) {
            assert_eq!(
                serde_json::to_string(&*r.source_partition).unwrap(),
                format!(r#"{{"segment":"{segment}","tableName":"{table}"}}"#)
            );
            assert!(r.source_offset.to_map()["exclusiveStartKey"]
                .as_str()
                .unwrap()
                .contains(&key_id(r)));
        }
    }
    // The very last row carries the type A offset; every segment's last row ends its segment.
    let last = rows.last().unwrap();
    assert_eq!(
        serde_json::to_string(&*last.source_partition).unwrap(),
        format!(r#"{{"tableName":"{table}","cdcStarted":"true"}}"#)
    );
    assert_eq!(
        serde_json::to_string(&*last.source_offset.to_map()).unwrap(),
        r#"{"cdcStarted":"true"}"#
    );
    let completed = rows
        .iter()
        .filter(|r| r.source_offset.to_map().get("snapshotCompleted").is_some())
        .count();
    assert_eq!(
        completed, 4,
        "the four other segments end with snapshotCompleted"
    );
}

#[tokio::test]
async fn a_restarted_snapshot_resumes_each_segment_after_its_last_committed_row() {
    let client = client();
    let table = unique_name("ddb_snap_resume");
    create_table(&client, &table, &TableSpec::default()).await;
    for i in 0..80 {
        put(&client, &table, simple_item(&format!("k{i:03}"), i)).await;
    }
    let config = config(
        &[&table],
        &[
            ("dynamodb.table.sync.mode", "SNAPSHOT"),
            ("dynamodb.snapshot.max.poll.records", "3"),
        ],
    );
    let offsets = Arc::new(MemoryOffsets::default());
    let mut first = start_task(&config, offsets.clone()).await;
    let polled = poll_until(&mut first, "some rows", |p| rows(p).len() >= 30).await;
    first.stop().await.unwrap();
    // The worker acknowledged the first 25 rows, then the process died.
    let committed = &polled[..25];
    offsets.commit(committed);
    let committed_ids: BTreeSet<String> = committed.iter().map(key_id).collect();

    let mut second = start_task(&config, offsets.clone()).await;
    let resumed = poll_until(&mut second, "the rest of the rows", |p| {
        rows(p).len() + committed_ids.len() >= 80
    })
    .await;
    let extra = poll_for(&mut second, std::time::Duration::from_millis(1500)).await;
    second.stop().await.unwrap();
    assert!(
        rows(&extra).is_empty(),
        "nothing after the snapshot: {:?}",
        extra.iter().map(describe).collect::<Vec<_>>()
    );

    let resumed_ids: Vec<String> = rows(&resumed).iter().map(|r| key_id(r)).collect();
    let repeated: Vec<&String> = resumed_ids
        .iter()
        .filter(|id| committed_ids.contains(*id))
        .collect();
    assert!(
        repeated.is_empty(),
        "committed rows were emitted again: {repeated:?}"
    );
    let all: BTreeSet<String> = committed_ids
        .iter()
        .cloned()
        .chain(resumed_ids.iter().cloned())
        .collect();
    assert_eq!(all.len(), 80, "no row lost");
    assert_eq!(resumed_ids.len() + committed_ids.len(), 80);

    // Each segment continues its count and keeps its start time.
    let mut last_committed: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in committed {
        last_committed.insert(
            int(source(r, "segment")),
            (
                int(source(r, "snapshotCount")),
                int(source(r, "snapshotStartTime")),
            ),
        );
    }
    let mut first_resumed: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in rows(&resumed) {
        first_resumed.entry(int(source(r, "segment"))).or_insert((
            int(source(r, "snapshotCount")),
            int(source(r, "snapshotStartTime")),
        ));
    }
    for (segment, (count, start)) in &last_committed {
        if let Some((next_count, next_start)) = first_resumed.get(segment) {
            assert_eq!(*next_count, count + 1, "segment {segment} counts on");
            assert_eq!(
                next_start, start,
                "segment {segment} keeps its snapshotStartTime"
            );
        }
    }
}

#[tokio::test]
async fn the_snapshot_keeps_to_its_read_capacity_budget() {
    let client = client();
    let table = unique_name("ddb_snap_rcu");
    // 10 RCU at 20 % = 2 units per second; moto charges 1 unit per Scan call.
    create_table(
        &client,
        &table,
        &TableSpec {
            read_capacity: 10,
            ..TableSpec::default()
        },
    )
    .await;
    for i in 0..20 {
        put(&client, &table, simple_item(&format!("k{i:02}"), i)).await;
    }
    let config = config(
        &[&table],
        &[
            ("dynamodb.table.sync.mode", "SNAPSHOT"),
            ("dynamodb.snapshot.max.poll.records", "1"),
            ("dynamodb.snapshot.max.rcu.percentage", "20"),
        ],
    );
    let started = Instant::now();
    let mut task = start_task(&config, Arc::new(MemoryOffsets::default())).await;
    poll_until(&mut task, "20 rows", |p| rows(p).len() >= 20).await;
    task.stop().await.unwrap();
    // One item per call: 20 items need at least 20 Scan calls. The budget pays the first three
    // at once (a one-second balance of 2, and a call is allowed at a positive balance) and one
    // every half second after that: at least 8.5 s. Unthrottled, moto answers in well under 2 s.
    let took = started.elapsed().as_secs_f64();
    assert!(
        took >= 8.0,
        "the scan took {took:.1}s, faster than its budget allows"
    );
}

/// Milliseconds since the epoch.
struct Timestamps;

impl Timestamps {
    fn now_ms() -> i64 {
        strait_connectors::dynamodb::envelope::Timestamps::now().ms
    }
}
