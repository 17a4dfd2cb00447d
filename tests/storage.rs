mod common;

// The internal-topic stores against the real test broker (tansu): what one store instance writes,
// a new instance on the same topics reads back (a restarted worker restores itself), topics are
// created compacted, and topics pre-filled with records in a Java worker's exact byte format are
// read correctly. Every test uses its own topic names.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use serde_json::Value;
use strait_api::{ConfigMap, OffsetMap, OffsetStorageReader};
use strait_runtime::kafka::partitioner::partition_for_key;
use strait_runtime::kafka::{Broker, KafkaBroker, ProduceRecord, TopicSpec};
use strait_runtime::storage::{
    ConfigStore, ConnectorOffsetReader, ConnectorStatus, KafkaOffsetStore, OffsetStore,
    RestartRequest, State, StatusStore, StorageError, TargetState, TaskStatus, TopicSettings,
    TopicStatus,
};
use tokio::time::timeout;

use common::TEST_TIMEOUT;

/// Waits for `fut`, failing the test after `TEST_TIMEOUT`.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match timeout(TEST_TIMEOUT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {TEST_TIMEOUT:?}"),
    }
}

async fn connect() -> Arc<dyn Broker> {
    let bootstrap = common::kafka_bootstrap();
    match timeout(
        TEST_TIMEOUT,
        KafkaBroker::connect(std::slice::from_ref(&bootstrap)),
    )
    .await
    {
        Ok(Ok(broker)) => Arc::new(broker),
        Ok(Err(err)) => panic!(
            "{}",
            common::service_missing("Kafka (tansu)", &bootstrap, err)
        ),
        Err(_) => panic!(
            "{}",
            common::service_missing(
                "Kafka (tansu)",
                &bootstrap,
                format!("no answer within {TEST_TIMEOUT:?}")
            )
        ),
    }
}

fn settings(name: &str, partitions: i32) -> TopicSettings {
    let mut settings = TopicSettings::new(name, partitions);
    settings.replication_factor = 1;
    settings
}

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn map(json: &str) -> OffsetMap {
    serde_json::from_str(json).expect("test json")
}

/// Creates a compacted topic and writes records into it as a Java worker would have.
async fn prefill(
    broker: &Arc<dyn Broker>,
    topic: &str,
    partitions: i32,
    records: &[(&str, Option<&str>)],
) {
    let spec = TopicSpec {
        name: topic.to_string(),
        partitions,
        replication_factor: 1,
        configs: BTreeMap::from([("cleanup.policy".to_string(), "compact".to_string())]),
    };
    assert!(within("create topic", broker.create_topic(&spec))
        .await
        .expect("create topic"));
    for (key, value) in records {
        let partition = partition_for_key(key.as_bytes(), partitions);
        let record = ProduceRecord {
            key: Some(key.as_bytes().to_vec().into()),
            value: value.map(|v| v.as_bytes().to_vec().into()),
            headers: Vec::new(),
            timestamp_ms: 1_700_000_000_000,
        };
        within("produce", broker.produce(topic, partition, vec![record]))
            .await
            .expect("produce");
    }
}

/// Every (partition, key, value) in a topic, as text.
async fn dump(broker: &Arc<dyn Broker>, topic: &str) -> Vec<(i32, String, Option<String>)> {
    let partitions = within("partition count", broker.partition_count(topic))
        .await
        .expect("partition count")
        .expect("topic exists");
    let mut out = Vec::new();
    for partition in 0..partitions {
        let (records, _) = within("read", broker.read_to_end(topic, partition, 0))
            .await
            .expect("read");
        for r in records {
            let key = String::from_utf8(r.key.unwrap_or_default()).expect("utf-8 key");
            let value = r.value.map(|v| String::from_utf8(v).expect("utf-8 value"));
            out.push((partition, key, value));
        }
    }
    out
}

#[tokio::test]
async fn config_store_state_is_restored_by_a_new_instance() {
    let broker = connect().await;
    let topic = common::unique_name("strait-configs");
    let first = within(
        "start",
        ConfigStore::start(broker.clone(), &settings(&topic, 1)),
    )
    .await
    .expect("start config store");
    assert_eq!(first.snapshot().offset, -1);

    let inventory = config(&[
        ("name", "inventory"),
        (
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector",
        ),
        ("database.password", "${file:/secrets.properties:password}"),
    ]);
    within(
        "put",
        first.put_connector_config("inventory", &inventory, Some(TargetState::Stopped)),
    )
    .await
    .expect("put connector");
    within(
        "tasks",
        first.put_task_configs(
            "inventory",
            &[config(&[("task", "0")]), config(&[("task", "1")])],
        ),
    )
    .await
    .expect("put tasks");
    within(
        "put",
        first.put_connector_config("doomed", &config(&[("name", "doomed")]), None),
    )
    .await
    .expect("put connector");
    within("remove", first.remove_connector("doomed"))
        .await
        .expect("remove");
    within(
        "restart",
        first.put_restart_request(&RestartRequest {
            connector: "inventory".into(),
            only_failed: true,
            include_tasks: true,
        }),
    )
    .await
    .expect("restart request");

    let before = first.snapshot();
    let c = &before.connectors["inventory"];
    assert_eq!(c.target_state, TargetState::Stopped);
    assert_eq!(
        c.tasks,
        vec![config(&[("task", "0")]), config(&[("task", "1")])]
    );
    assert!(!before.contains("doomed"));
    assert_eq!(before.offset, 9);
    assert_eq!(first.take_restart_requests().len(), 1);

    let second = within(
        "start",
        ConfigStore::start(broker.clone(), &settings(&topic, 1)),
    )
    .await
    .expect("restart config store");
    assert_eq!(second.snapshot(), before);
    // Restart requests written before this worker started are not replayed.
    assert!(second.take_restart_requests().is_empty());

    let configs = within("describe", broker.describe_topic_configs(&topic))
        .await
        .expect("describe");
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact")
    );
    let records = dump(&broker, &topic).await;
    assert_eq!(
        records[0],
        (
            0,
            "target-state-inventory".to_string(),
            Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#.to_string())
        )
    );
    assert_eq!(
        records[1].2.as_deref(),
        Some(
            r#"{"properties":{"connector.class":"io.debezium.connector.mysql.MySqlConnector","database.password":"${file:/secrets.properties:password}","name":"inventory"}}"#
        )
    );
    assert_eq!(
        records[4],
        (
            0,
            "commit-inventory".to_string(),
            Some(r#"{"tasks":2}"#.to_string())
        )
    );
}

#[tokio::test]
async fn config_topic_written_by_a_java_worker_is_read() {
    let broker = connect().await;
    let topic = common::unique_name("strait-configs-java");
    prefill(&broker, &topic, 1, &[
        ("connector-orders", Some(r#"{"properties":{"connector.class":"io.confluent.connect.dynamodb.DynamoDbSourceConnector","name":"orders","tasks.max":"2"}}"#)),
        ("task-orders-0", Some(r#"{"properties":{"shard":"a","name":"orders"}}"#)),
        ("task-orders-1", Some(r#"{"properties":{"shard":"b","name":"orders"}}"#)),
        ("commit-orders", Some(r#"{"tasks":2}"#)),
        ("target-state-orders", Some(r#"{"state":"PAUSED","state.v2":"PAUSED"}"#)),
        // Compaction removed task-half-0: the commit is incomplete.
        ("connector-half", Some(r#"{"properties":{"name":"half"}}"#)),
        ("task-half-1", Some(r#"{"properties":{"x":"1"}}"#)),
        ("commit-half", Some(r#"{"tasks":2}"#)),
        ("session-key", Some(r#"{"key":"c2VjcmV0LWtleS1ieXRlcw==","algorithm":"HmacSHA256","creation-timestamp":1700000000000}"#)),
        ("connector-gone", Some(r#"{"properties":{"name":"gone"}}"#)),
        ("connector-gone", None),
        ("target-state-gone", None),
    ])
    .await;
    let store = within(
        "start",
        ConfigStore::start(broker.clone(), &settings(&topic, 1)),
    )
    .await
    .expect("start config store");
    let snap = store.snapshot();
    assert_eq!(snap.offset, 12);
    assert_eq!(
        snap.connectors.keys().collect::<Vec<_>>(),
        vec!["half", "orders"]
    );
    let orders = &snap.connectors["orders"];
    assert_eq!(orders.target_state, TargetState::Paused);
    assert_eq!(orders.tasks.len(), 2);
    assert_eq!(orders.tasks[1]["shard"], "b");
    let half = &snap.connectors["half"];
    assert!(half.inconsistent);
    assert!(half.tasks.is_empty());

    // The leader rewrites the inconsistent connector's tasks; it becomes consistent.
    within(
        "tasks",
        store.put_task_configs("half", &[config(&[("x", "0")]), config(&[("x", "1")])]),
    )
    .await
    .expect("put tasks");
    assert!(!store.snapshot().connectors["half"].inconsistent);
}

#[tokio::test]
async fn offsets_are_restored_by_a_new_instance_with_java_key_bytes() {
    let broker = connect().await;
    let topic = common::unique_name("strait-offsets");
    let debezium_key = r#"["inventory-connector",{"server":"dbserver1"}]"#;
    let debezium_value = r#"{"transaction_id":null,"ts_sec":1700000000,"file":"mysql-bin.000003","pos":154,"gtids":"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5","row":1,"server_id":223344,"event":2}"#;
    let java_dynamo_key = r#"["orders",{"table":"orders","shard":"shardId-00000001"}]"#;
    prefill(
        &broker,
        &topic,
        25,
        &[
            (debezium_key, Some(debezium_value)),
            (
                java_dynamo_key,
                Some(r#"{"seq":"49590338271490256608559692538361571095921575989136588898"}"#),
            ),
            (
                r#"["orders",{"table":"orders","shard":"shardId-00000002"}]"#,
                Some(r#"{"seq":"1"}"#),
            ),
            (
                r#"["orders",{"table":"orders","shard":"shardId-00000002"}]"#,
                None,
            ),
        ],
    )
    .await;

    let first: Arc<dyn OffsetStore> = Arc::new(
        within(
            "start",
            KafkaOffsetStore::start(broker.clone(), &settings(&topic, 25)),
        )
        .await
        .expect("start offset store"),
    );
    let reader = ConnectorOffsetReader::new(first.clone(), "inventory-connector");
    let offset = within("offset", reader.offset(&map(r#"{"server":"dbserver1"}"#)))
        .await
        .expect("offset")
        .expect("debezium offset present");
    assert_eq!(offset["pos"], Value::from(154));
    assert_eq!(offset["gtids"], "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5");

    // Our partition map lists fields in the other order; the Java key bytes are reused.
    let ours = map(r#"{"shard":"shardId-00000001","table":"orders"}"#);
    within(
        "put",
        first.put(
            "orders",
            vec![(
                ours.clone(),
                Some(map(
                    r#"{"seq":"49590338271490256608559692538361571095921575989136588999"}"#,
                )),
            )],
        ),
    )
    .await
    .expect("put");
    within(
        "put",
        first.put(
            "inventory-connector",
            vec![(map(r#"{"server":"dbserver1"}"#), Some(offset.clone()))],
        ),
    )
    .await
    .expect("put");
    within(
        "put",
        first.put(
            "files",
            (0..30)
                .map(|i| {
                    (
                        map(&format!(r#"{{"file":"f{i}"}}"#)),
                        Some(map(&format!(r#"{{"position":{i}}}"#))),
                    )
                })
                .collect(),
        ),
    )
    .await
    .expect("put");
    within(
        "put",
        first.put("files", vec![(map(r#"{"file":"f0"}"#), None)]),
    )
    .await
    .expect("put");

    let second = within(
        "start",
        KafkaOffsetStore::start(broker.clone(), &settings(&topic, 25)),
    )
    .await
    .expect("restart offset store");
    assert_eq!(
        within("get", second.get("orders", &ours))
            .await
            .expect("get"),
        Some(map(
            r#"{"seq":"49590338271490256608559692538361571095921575989136588999"}"#
        ))
    );
    let orders = within("partitions", second.connector_partitions("orders"))
        .await
        .expect("partitions");
    assert_eq!(orders.len(), 1, "the tombstoned shard is gone: {orders:?}");
    let files = within("partitions", second.connector_partitions("files"))
        .await
        .expect("partitions");
    assert_eq!(files.len(), 29);
    assert_eq!(
        within("get", second.get("files", &map(r#"{"file":"f0"}"#)))
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        within("get", second.get("files", &map(r#"{"file":"f17"}"#)))
            .await
            .expect("get"),
        Some(map(r#"{"position":17}"#))
    );

    let records = dump(&broker, &topic).await;
    for (partition, key, _) in &records {
        assert_eq!(
            *partition,
            partition_for_key(key.as_bytes(), 25),
            "{key} in the murmur2 partition"
        );
    }
    let dynamo: Vec<_> = records
        .iter()
        .filter(|(_, k, _)| k.contains("shardId-00000001"))
        .collect();
    assert_eq!(dynamo.len(), 2);
    assert!(
        dynamo.iter().all(|(_, k, _)| k == java_dynamo_key),
        "{dynamo:?}"
    );
    let rewritten = records
        .iter()
        .filter(|(_, k, _)| k == debezium_key)
        .map(|(_, _, v)| v.as_deref())
        .collect::<Vec<_>>();
    assert_eq!(rewritten, vec![Some(debezium_value), Some(debezium_value)]);
}

#[tokio::test]
async fn statuses_are_restored_by_a_new_instance() {
    let broker = connect().await;
    let topic = common::unique_name("strait-status");
    prefill(&broker, &topic, 5, &[
        ("status-connector-legacy", Some(r#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":3}"#)),
        ("status-task-legacy-0", Some(r#"{"state":"FAILED","trace":"java.lang.IllegalStateException: boom\n\tat A.b(A.java:1)\n","worker_id":"10.0.0.5:8083","generation":3}"#)),
    ])
    .await;
    let first = within(
        "start",
        StatusStore::start(broker.clone(), &settings(&topic, 5)),
    )
    .await
    .expect("start status store");
    assert_eq!(first.tasks("legacy")[0].state, State::Failed);

    let worker = "strait-1:8083".to_string();
    within(
        "put",
        first.put_connector(&ConnectorStatus {
            connector: "inventory".into(),
            state: State::Running,
            trace: None,
            worker_id: worker.clone(),
            generation: 7,
        }),
    )
    .await
    .expect("put connector status");
    for task in 0..3 {
        within(
            "put",
            first.put_task(&TaskStatus {
                connector: "inventory".into(),
                task,
                state: State::Running,
                trace: None,
                worker_id: worker.clone(),
                generation: 7,
            }),
        )
        .await
        .expect("put task status");
    }
    within(
        "put",
        first.put_task(&TaskStatus {
            connector: "inventory".into(),
            task: 2,
            state: State::Unassigned,
            trace: None,
            worker_id: "other:8083".into(),
            generation: 6,
        }),
    )
    .await
    .expect("put stale status");
    within(
        "topic",
        first.put_topic(&TopicStatus {
            topic: "dbserver1.inventory.customers".into(),
            connector: "inventory".into(),
            task: 0,
            discover_timestamp: 1_700_000_000_123,
        }),
    )
    .await
    .expect("put topic status");
    within("delete", first.delete_connector("legacy"))
        .await
        .expect("delete connector");

    let second = within(
        "start",
        StatusStore::start(broker.clone(), &settings(&topic, 5)),
    )
    .await
    .expect("restart status store");
    assert_eq!(second.connector("inventory"), first.connector("inventory"));
    assert_eq!(second.tasks("inventory"), first.tasks("inventory"));
    assert_eq!(second.tasks("inventory").len(), 3);
    assert_eq!(
        second.task("inventory", 2).expect("task 2").state,
        State::Running
    );
    assert_eq!(second.topics("inventory").len(), 1);
    assert_eq!(second.connector("legacy"), None);
    assert!(second.tasks("legacy").is_empty());

    let records = dump(&broker, &topic).await;
    let connector = records
        .iter()
        .find(|(_, k, _)| k == "status-connector-inventory")
        .expect("connector status record");
    assert_eq!(
        connector.2.as_deref(),
        Some(r#"{"state":"RUNNING","trace":null,"worker_id":"strait-1:8083","generation":7}"#)
    );
    for (partition, key, _) in &records {
        assert_eq!(*partition, partition_for_key(key.as_bytes(), 5), "{key}");
    }
}

#[tokio::test]
async fn an_internal_topic_with_delete_cleanup_policy_is_refused() {
    let broker = connect().await;
    let topic = common::unique_name("strait-offsets-delete");
    let spec = TopicSpec {
        name: topic.clone(),
        partitions: 3,
        replication_factor: 1,
        configs: BTreeMap::from([("cleanup.policy".to_string(), "delete".to_string())]),
    };
    within("create", broker.create_topic(&spec))
        .await
        .expect("create topic");
    let err = within(
        "start",
        KafkaOffsetStore::start(broker.clone(), &settings(&topic, 25)),
    )
    .await
    .expect_err("a delete-policy offsets topic must be refused");
    assert!(
        matches!(
            err,
            StorageError::TopicConfig {
                worker_key: "offset.storage.topic",
                ..
            }
        ),
        "{err}"
    );
}
