mod common;
mod dynamodb_common;

// The DynamoDB CDC source in a real `strait` worker process, against moto and the test broker
// (`bash scripts/services.sh up`): `kill -9` in the middle of the snapshot and again in the middle
// of CDC, with changes made while the worker is down, loses nothing — a consumer replaying the
// topic ends with the table's state and sees every change; and the KIP-875 offsets endpoints show
// the reference's offset types and move CDC through the type C stream offset.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue as A;
use serde_json::{json, Value};

use common::unique_name;
use common::worker::{Topics, Worker};
use dynamodb_common::{
    create_table, delete, next_second, put, scan_all, simple_item, utc_timestamp, TableSpec,
};

/// moto serves every request from one Python process; under load (e.g. right after a cold
/// build) a paged snapshot plus CDC catch-up can take well over the usual minute.
const EMULATOR_PATIENCE: Duration = Duration::from_secs(180);

/// One record of the table's topic: key id, op (or "tombstone"), and the after document.
#[derive(Clone, Debug)]
struct Change {
    id: String,
    op: String,
    after: Option<Value>,
}

fn changes(topics: &Topics, topic: &str) -> Vec<Change> {
    topics
        .records(topic)
        .iter()
        .map(|r| {
            let key: Value =
                serde_json::from_slice(r.key.as_deref().expect("key")).expect("key json");
            let id = key["payload"]["id"].as_str().expect("key id").to_string();
            match r.value.as_deref() {
                None => Change {
                    id,
                    op: "tombstone".into(),
                    after: None,
                },
                Some(bytes) => {
                    let v: Value = serde_json::from_slice(bytes).expect("value json");
                    let p = &v["payload"];
                    let after = p["after"]["document"]
                        .as_str()
                        .map(|d| serde_json::from_str(d).expect("document json"));
                    Change {
                        id,
                        op: p["op"].as_str().expect("op").to_string(),
                        after,
                    }
                }
            }
        })
        .collect()
}

fn replay(changes: &[Change]) -> HashMap<String, Value> {
    let mut state = HashMap::new();
    for c in changes {
        match c.op.as_str() {
            "r" | "c" | "u" => {
                state.insert(c.id.clone(), c.after.clone().expect("after"));
            }
            "d" => {
                state.remove(&c.id);
            }
            _ => {}
        }
    }
    state
}

fn table_state(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> HashMap<String, Value> {
    rt.block_on(scan_all(client, table))
        .into_iter()
        .map(|(id, item)| {
            let v = match item.get("v") {
                Some(A::N(n)) => n.clone(),
                other => panic!("{other:?}"),
            };
            (id.clone(), json!({"id": {"S": id}, "v": {"N": v}}))
        })
        .collect()
}

fn has(changes: &[Change], id: &str, op: &str) -> bool {
    changes.iter().any(|c| c.id == id && c.op == op)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn connector_config(table: &str, extra: &[(&str, &str)]) -> Value {
    let mut c = json!({
        "connector.class": "DynamoDbCdcSource",
        "tasks.max": "1",
        "dynamodb.service.endpoint": common::dynamodb_endpoint(),
        "aws.access.key.id": "test",
        "aws.secret.access.key": "test",
        "dynamodb.table.includelist": table,
        "poll.linger.ms": "500",
    });
    for (k, v) in extra {
        c[*k] = Value::from(*v);
    }
    c
}

#[test]
fn kill_9_mid_snapshot_and_mid_cdc_loses_nothing() {
    let rt = runtime();
    let client = dynamodb_common::client();
    let mut worker = Worker::distributed("ddb_kill");
    let topics = Topics::connect();
    let table = unique_name("ddb_kill");
    rt.block_on(create_table(
        &client,
        &table,
        &TableSpec {
            read_capacity: 10,
            ..TableSpec::default()
        },
    ));
    for i in 0..60 {
        rt.block_on(put(&client, &table, simple_item(&format!("k{i:03}"), i)));
    }
    topics.create(&table, 1);
    let name = unique_name("ddb_kill_connector");
    // Two items per Scan page at two pages a second: the snapshot takes over ten seconds.
    worker.create_connector(
        &name,
        &connector_config(
            &table,
            &[
                ("dynamodb.snapshot.max.poll.records", "2"),
                ("dynamodb.snapshot.max.rcu.percentage", "20"),
            ],
        ),
    );
    // Kill only once a segment's progress is committed: the restart then resumes that segment
    // and enters CDC at the first attempt's start time, so the changes made while down arrive as
    // changes. Killed before any commit, the restart would begin a new snapshot, which is right
    // but would show those changes as snapshot rows.
    worker.wait_until_within(
        EMULATOR_PATIENCE,
        "the first committed snapshot rows",
        || {
            if topics.records(&table).len() < 6 {
                return None;
            }
            let r = worker.get(&format!("/connectors/{name}/offsets"));
            let list = r.body["offsets"].as_array()?.clone();
            list.iter()
                .any(|o| o["partition"]["segment"].is_string())
                .then_some(())
        },
    );
    worker.kill();
    let before_kill = changes(&topics, &table);
    assert!(
        before_kill.iter().filter(|c| c.op == "r").count() < 60,
        "the worker was killed after the snapshot ended; slow it down"
    );

    // Changes while the worker is down, in the middle of the snapshot.
    rt.block_on(async {
        put(&client, &table, simple_item("down0", 1)).await;
        put(&client, &table, simple_item("k001", 101)).await;
        delete(&client, &table, "k002").await;
    });
    worker.restart();
    worker.wait_until_within(
        EMULATOR_PATIENCE,
        "the whole snapshot and the changes made while down",
        || {
            let c = changes(&topics, &table);
            let rows: BTreeSet<&str> = c
                .iter()
                .filter(|c| c.op == "r")
                .map(|c| c.id.as_str())
                .collect();
            let snapshot_done = (0..60).all(|i| {
                let id = format!("k{i:03}");
                rows.contains(id.as_str()) || id == "k002"
            });
            (snapshot_done && has(&c, "down0", "c") && has(&c, "k002", "tombstone")).then_some(())
        },
    );

    // Mid-CDC: changes, a kill once some arrived, more changes while down.
    rt.block_on(async {
        for i in 0..10 {
            put(&client, &table, simple_item(&format!("m{i}"), i)).await;
        }
    });
    worker.wait_until_within(EMULATOR_PATIENCE, "some CDC changes", || {
        has(&changes(&topics, &table), "m0", "c").then_some(())
    });
    worker.kill();
    rt.block_on(async {
        put(&client, &table, simple_item("m5", 55)).await;
        delete(&client, &table, "m0").await;
        put(&client, &table, simple_item("late", 9)).await;
    });
    worker.restart();
    worker.wait_until_within(EMULATOR_PATIENCE, "the changes made while down", || {
        let c = changes(&topics, &table);
        (has(&c, "late", "c")
            && has(&c, "m0", "d")
            && (0..10).all(|i| has(&c, &format!("m{i}"), "c")))
        .then_some(())
    });

    let all = changes(&topics, &table);
    assert_eq!(
        replay(&all),
        table_state(&rt, &client, &table),
        "the topic replays to the table"
    );
    let m5: Vec<&Change> = all.iter().filter(|c| c.id == "m5").collect();
    assert_eq!(m5.last().map(|c| c.op.as_str()), Some("u"));
    assert_eq!(
        m5.last().and_then(|c| c.after.clone()),
        Some(json!({"id": {"S": "m5"}, "v": {"N": "55"}}))
    );
}

#[test]
fn offsets_endpoints_show_the_reference_types_and_move_cdc() {
    let rt = runtime();
    let client = dynamodb_common::client();
    let worker = Worker::distributed("ddb_offsets");
    let topics = Topics::connect();
    let table = unique_name("ddb_offsets");
    rt.block_on(create_table(&client, &table, &TableSpec::default()));
    for i in 0..12 {
        rt.block_on(put(&client, &table, simple_item(&format!("k{i:02}"), i)));
    }
    topics.create(&table, 1);
    let name = unique_name("ddb_offsets_connector");
    worker.create_connector(&name, &connector_config(&table, &[]));
    worker.wait_until_within(EMULATOR_PATIENCE, "the snapshot", || {
        (changes(&topics, &table).len() >= 12).then_some(())
    });
    rt.block_on(async {
        put(&client, &table, simple_item("a", 1)).await;
    });
    let start = rt.block_on(next_second(Duration::from_millis(100)));
    rt.block_on(async {
        put(&client, &table, simple_item("b", 2)).await;
    });
    worker.wait_until_within(EMULATOR_PATIENCE, "the CDC changes", || {
        has(&changes(&topics, &table), "b", "c").then_some(())
    });

    // GET /offsets: type A, type B per segment with rows, and a shard position.
    let offsets = worker.wait_until_within(EMULATOR_PATIENCE, "the committed offsets", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        let list = r.body["offsets"].as_array()?.clone();
        let shard = list.iter().any(|o| o["partition"]["shardId"].is_string());
        let type_a = list.iter().any(|o| o["partition"]["cdcStarted"] == "true");
        (shard && type_a).then_some(list)
    });
    for o in &offsets {
        let p = &o["partition"];
        if p["cdcStarted"] == "true" {
            assert_eq!(o["offset"], json!({"cdcStarted": "true"}));
        } else if p["segment"].is_string() {
            assert_eq!(o["offset"]["totalSegments"], "5");
            assert!(o["offset"]["snapshotStartTime"].is_i64());
        } else {
            assert_eq!(p["stream"], table.as_str());
            assert!(o["offset"]["seqNo"].is_string());
        }
    }

    // Only the stream offset may be set; it needs the connector stopped.
    let r = worker.put_empty(&format!("/connectors/{name}/stop"));
    assert!(r.status == 202 || r.status == 204, "{} {}", r.status, r.raw);
    worker.wait_for_state(&name, "STOPPED", None);
    let bad = json!({"offsets": [{"partition": {"segment": "0", "tableName": table}, "offset": {"snapshotCount": "1"}}]});
    let r = worker.patch(&format!("/connectors/{name}/offsets"), &bad);
    assert_eq!(r.status, 400, "{}", r.raw);
    let stamp = utc_timestamp(start);
    let body = json!({"offsets": [{"partition": {"stream": table}, "offset": {"cdc.start.position.timestamp": stamp}}]});
    let r = worker.patch(&format!("/connectors/{name}/offsets"), &body);
    assert_eq!(r.status, 200, "{}", r.raw);
    let before = changes(&topics, &table).len();
    let r = worker.put_empty(&format!("/connectors/{name}/resume"));
    assert!(r.status == 202 || r.status == 204, "{} {}", r.status, r.raw);
    // CDC restarts at the timestamp: b again, not a.
    worker.wait_until_within(EMULATOR_PATIENCE, "b delivered again", || {
        let c = changes(&topics, &table);
        c[before..]
            .iter()
            .any(|c| c.id == "b" && c.op == "c")
            .then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    let after: Vec<String> = changes(&topics, &table)[before..]
        .iter()
        .map(|c| format!("{}:{}", c.op, c.id))
        .collect();
    assert_eq!(after, ["c:b"], "only changes at or after {stamp}");
}
