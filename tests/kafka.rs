mod common;

// `KafkaBroker` against the real test broker (tansu): records come back byte for byte, reads stop
// at the Fetch high watermark (tansu's ListOffsets(latest) is wrong), topics are created with
// configs, and partition counts do not auto-create topics. An independent client (rskafka) reads
// what `KafkaBroker` wrote, so the record batch encoding is checked by someone else's decoder.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use strait_runtime::kafka::{
    Broker, CompressionType, ConsumedRecord, KafkaBroker, KafkaClientConfig, KafkaError,
    ProduceRecord, TopicSpec,
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

async fn connect_with(config: KafkaClientConfig) -> KafkaBroker {
    let bootstrap = common::kafka_bootstrap();
    match timeout(
        TEST_TIMEOUT,
        KafkaBroker::connect_with(std::slice::from_ref(&bootstrap), config),
    )
    .await
    {
        Ok(Ok(broker)) => broker,
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

async fn connect() -> KafkaBroker {
    connect_with(KafkaClientConfig::default()).await
}

fn spec(name: &str, partitions: i32) -> TopicSpec {
    TopicSpec {
        name: name.to_string(),
        partitions,
        replication_factor: 1,
        configs: BTreeMap::new(),
    }
}

async fn create(broker: &KafkaBroker, name: &str, partitions: i32) {
    let created = within("create_topic", broker.create_topic(&spec(name, partitions)))
        .await
        .unwrap_or_else(|e| panic!("creating topic {name}: {e}"));
    assert!(created, "topic {name} already existed");
}

fn value_record(i: usize, timestamp_ms: i64) -> ProduceRecord {
    ProduceRecord {
        key: Some(format!("key-{i}").into_bytes().into()),
        value: Some(
            format!("value-{i}-{}", "x".repeat(i % 17))
                .into_bytes()
                .into(),
        ),
        headers: Vec::new(),
        timestamp_ms,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(1_700_000_000_000)
}

#[tokio::test]
async fn a_record_reads_back_byte_identical() {
    let broker = connect().await;
    let topic = common::unique_name("strait_kafka_roundtrip");
    create(&broker, &topic, 1).await;

    let record = ProduceRecord {
        key: Some(vec![0x00, 0xff, b'k', 0x80].into()),
        value: Some(br#"{"schema":null,"payload":"\u00e9"}"#.to_vec().into()),
        headers: vec![
            ("trace-id".into(), Some(vec![1, 2, 3, 0].into())),
            ("tombstone-marker".into(), None),
        ],
        timestamp_ms: 1_700_000_123_456,
    };
    let offsets = within("produce", broker.produce(&topic, 0, vec![record.clone()]))
        .await
        .expect("produce");
    assert_eq!(offsets, vec![0]);

    // A null key and value and an empty header value survive too.
    let second = ProduceRecord {
        key: None,
        value: None,
        headers: vec![("empty".into(), Some(Vec::new().into()))],
        timestamp_ms: 1_700_000_123_999,
    };
    let offsets = within("produce", broker.produce(&topic, 0, vec![second.clone()]))
        .await
        .expect("produce");
    assert_eq!(offsets, vec![1]);

    let (records, end) = within("read_to_end", broker.read_to_end(&topic, 0, 0))
        .await
        .expect("read_to_end");
    assert_eq!(end, 2);
    let expected: Vec<ConsumedRecord> = [record, second]
        .into_iter()
        .enumerate()
        .map(|(i, r)| ConsumedRecord {
            offset: i as i64,
            key: r.key.map(|b| b.to_vec()),
            value: r.value.map(|b| b.to_vec()),
            headers: r
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.map(|b| b.to_vec())))
                .collect(),
            timestamp_ms: r.timestamp_ms,
            compression: CompressionType::None,
        })
        .collect();
    assert_eq!(records, expected);
}

/// Every codec: the broker takes the compressed batches, and they read back record for record
/// with the codec the batch carried.
#[tokio::test]
async fn compressed_batches_read_back_in_every_codec() {
    let broker = connect().await;
    for compression in CompressionType::ALL {
        let topic = common::unique_name(&format!("strait_kafka_{compression}"));
        create(&broker, &topic, 1).await;
        let records: Vec<ProduceRecord> = (0..300)
            .map(|i| ProduceRecord {
                headers: vec![("h".into(), Some(format!("{i}").into_bytes().into()))],
                ..value_record(i, 1_700_000_000_000 + i as i64)
            })
            .collect();
        let offsets = within(
            "produce",
            broker.produce_compressed(&topic, 0, records.clone(), compression),
        )
        .await
        .unwrap_or_else(|e| panic!("{compression}: {e}"));
        assert_eq!(offsets, (0..300).collect::<Vec<i64>>(), "{compression}");
        let (read, end) = within("read_to_end", broker.read_to_end(&topic, 0, 0))
            .await
            .expect("read_to_end");
        assert_eq!(end, 300, "{compression}");
        for (got, want) in read.iter().zip(&records) {
            assert_eq!(got.value.as_deref(), want.value.as_deref(), "{compression}");
            assert_eq!(got.key.as_deref(), want.key.as_deref(), "{compression}");
            assert_eq!(got.headers[0].1.as_deref(), want.headers[0].1.as_deref());
            assert_eq!(got.timestamp_ms, want.timestamp_ms, "{compression}");
            assert_eq!(got.compression, compression);
        }
    }
}

#[tokio::test]
async fn reads_stop_at_the_high_watermark_from_any_offset() {
    let broker = connect().await;
    let topic = common::unique_name("strait_kafka_hwm");
    create(&broker, &topic, 1).await;

    // An empty partition reads as nothing, ending at 0.
    let (records, end) = within("read_to_end", broker.read_to_end(&topic, 0, 0))
        .await
        .expect("read_to_end of an empty partition");
    assert!(records.is_empty());
    assert_eq!(end, 0);

    // Batches of different sizes: tansu's ListOffsets(latest) would say 10 + 5 + 1 = 16 here.
    let base_ts = now_ms();
    let mut produced = Vec::new();
    let mut next = 0usize;
    for size in [10usize, 5, 1, 7] {
        let batch: Vec<_> = (next..next + size)
            .map(|i| value_record(i, base_ts + i as i64))
            .collect();
        let offsets = within("produce", broker.produce(&topic, 0, batch.clone()))
            .await
            .expect("produce");
        let expected: Vec<i64> = (next as i64..(next + size) as i64).collect();
        assert_eq!(offsets, expected, "offsets of the batch starting at {next}");
        produced.extend(batch);
        next += size;
    }
    assert_eq!(produced.len(), 23);

    for from in [0i64, 12, 15, 22, 23] {
        let (records, end) = within("read_to_end", broker.read_to_end(&topic, 0, from))
            .await
            .unwrap_or_else(|e| panic!("read_to_end from {from}: {e}"));
        assert_eq!(end, 23, "high watermark read from {from}");
        let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
        assert_eq!(
            offsets,
            (from..23).collect::<Vec<_>>(),
            "offsets read from {from}"
        );
        for r in &records {
            let want = &produced[r.offset as usize];
            assert_eq!(r.key.as_deref(), want.key.as_deref(), "key at {}", r.offset);
            assert_eq!(
                r.value.as_deref(),
                want.value.as_deref(),
                "value at {}",
                r.offset
            );
            assert_eq!(
                r.timestamp_ms, want.timestamp_ms,
                "timestamp at {}",
                r.offset
            );
        }
    }

    let err = within("read_to_end", broker.read_to_end(&topic, 0, 30))
        .await
        .expect_err("reading past the high watermark must fail");
    assert!(
        matches!(err, KafkaError::OffsetOutOfRange { offset: 30, .. }),
        "{err}"
    );
}

/// Small batches and small fetches: one `produce` call becomes many requests, one
/// `read_to_end` many fetches; rskafka, an independent client, reads the same records.
#[tokio::test]
async fn large_reads_and_writes_span_many_requests() {
    let broker = connect_with(KafkaClientConfig {
        max_batch_bytes: 16 * 1024,
        fetch_max_bytes: 64 * 1024,
        ..KafkaClientConfig::default()
    })
    .await;
    let topic = common::unique_name("strait_kafka_many");
    create(&broker, &topic, 1).await;

    let base_ts = now_ms();
    let records: Vec<_> = (0..3000)
        .map(|i| ProduceRecord {
            key: Some(format!("key-{i}").into_bytes().into()),
            value: Some(vec![(i % 251) as u8; 200 + i % 300].into()),
            headers: vec![("n".into(), Some(i.to_string().into_bytes().into()))],
            timestamp_ms: base_ts + i as i64,
        })
        .collect();
    let offsets = within("produce", broker.produce(&topic, 0, records.clone()))
        .await
        .expect("produce");
    assert_eq!(offsets, (0..3000).collect::<Vec<i64>>());

    let (read, end) = within("read_to_end", broker.read_to_end(&topic, 0, 0))
        .await
        .expect("read_to_end");
    assert_eq!(end, 3000);
    assert_eq!(read.len(), 3000);
    for (i, (got, want)) in read.iter().zip(&records).enumerate() {
        assert_eq!(got.offset, i as i64);
        assert_eq!(got.key.as_deref(), want.key.as_deref(), "key at {i}");
        assert_eq!(got.value.as_deref(), want.value.as_deref(), "value at {i}");
        let want_headers: Vec<_> = want
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_ref().map(|b| b.to_vec())))
            .collect();
        assert_eq!(got.headers, want_headers, "headers at {i}");
        assert_eq!(got.timestamp_ms, want.timestamp_ms, "timestamp at {i}");
    }

    // The same bytes through rskafka's decoder.
    let client = within(
        "rskafka connect",
        rskafka::client::ClientBuilder::new(vec![common::kafka_bootstrap()]).build(),
    )
    .await
    .expect("rskafka client");
    let partition = within(
        "rskafka partition client",
        client.partition_client(
            topic.clone(),
            0,
            rskafka::client::partition::UnknownTopicHandling::Error,
        ),
    )
    .await
    .expect("rskafka partition client");
    let mut seen = Vec::new();
    let mut offset = 0i64;
    while offset < 3000 {
        let (batch, high_watermark) = within(
            "rskafka fetch",
            partition.fetch_records(offset, 1..1_000_000, 100),
        )
        .await
        .expect("rskafka fetch");
        assert_eq!(high_watermark, 3000);
        assert!(!batch.is_empty(), "rskafka fetched nothing at {offset}");
        for r in batch {
            if r.offset >= offset {
                offset = r.offset + 1;
                seen.push(r);
            }
        }
    }
    assert_eq!(seen.len(), 3000);
    for (i, r) in seen.iter().enumerate() {
        assert_eq!(r.offset, i as i64);
        assert_eq!(
            r.record.key.as_deref(),
            records[i].key.as_deref(),
            "rskafka key at {i}"
        );
        assert_eq!(
            r.record.value.as_deref(),
            records[i].value.as_deref(),
            "rskafka value at {i}"
        );
        assert_eq!(
            r.record.timestamp.timestamp_millis(),
            records[i].timestamp_ms
        );
        assert_eq!(
            r.record.headers.get("n"),
            Some(&i.to_string().into_bytes()),
            "rskafka header at {i}"
        );
    }
}

#[tokio::test]
async fn topics_are_created_with_configs() {
    let broker = connect().await;
    let topic = common::unique_name("strait_kafka_configs");
    let spec = TopicSpec {
        name: topic.clone(),
        partitions: 1,
        replication_factor: 1,
        configs: BTreeMap::from([
            ("cleanup.policy".to_string(), "compact".to_string()),
            ("retention.ms".to_string(), "-1".to_string()),
        ]),
    };
    let created = within("create_topic", broker.create_topic(&spec))
        .await
        .expect("create_topic");
    assert!(created);

    let configs = within(
        "describe_topic_configs",
        broker.describe_topic_configs(&topic),
    )
    .await
    .expect("describe_topic_configs");
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact"),
        "{configs:?}"
    );
    assert_eq!(
        configs.get("retention.ms").map(String::as_str),
        Some("-1"),
        "{configs:?}"
    );

    let again = within("create_topic", broker.create_topic(&spec))
        .await
        .expect("creating an existing topic is not an error");
    assert!(
        !again,
        "the second create must report that the topic existed"
    );
    assert_eq!(
        within("partition_count", broker.partition_count(&topic))
            .await
            .expect("partition_count"),
        Some(1)
    );

    // A topic created without configs does not report the other topic's.
    let plain = common::unique_name("strait_kafka_plain");
    create(&broker, &plain, 1).await;
    let configs = within(
        "describe_topic_configs",
        broker.describe_topic_configs(&plain),
    )
    .await
    .expect("describe_topic_configs");
    assert_ne!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact"),
        "{configs:?}"
    );
}

#[tokio::test]
async fn partition_counts_do_not_create_topics() {
    let broker = connect().await;
    let topic = common::unique_name("strait_kafka_count");
    create(&broker, &topic, 3).await;
    let count = within("partition_count", broker.partition_count(&topic))
        .await
        .expect("partition_count");
    assert_eq!(count, Some(3));

    let missing = common::unique_name("strait_kafka_missing");
    for attempt in 0..2 {
        let count = within("partition_count", broker.partition_count(&missing))
            .await
            .expect("partition_count of a missing topic");
        assert_eq!(
            count, None,
            "attempt {attempt}: asking must not create the topic"
        );
    }
    // Another client agrees that it does not exist.
    let other = connect().await;
    assert_eq!(
        within("partition_count", other.partition_count(&missing))
            .await
            .expect("partition_count"),
        None
    );
}

#[tokio::test]
async fn missing_partitions_fail_fast() {
    let broker = connect().await;
    let topic = common::unique_name("strait_kafka_partitions");
    create(&broker, &topic, 3).await;

    let err = within(
        "produce",
        broker.produce(&topic, 3, vec![value_record(0, now_ms())]),
    )
    .await
    .expect_err("partition 3 of a 3-partition topic does not exist");
    assert!(
        matches!(
            err,
            KafkaError::UnknownPartition {
                partition: 3,
                partitions: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_retriable());

    let err = within("read_to_end", broker.read_to_end(&topic, 7, 0))
        .await
        .expect_err("partition 7 does not exist");
    assert!(matches!(err, KafkaError::UnknownPartition { .. }), "{err}");

    // Reading a topic that does not exist fails after a short bounded retry, without creating it.
    let missing = common::unique_name("strait_kafka_no_topic");
    let err = within("read_to_end", broker.read_to_end(&missing, 0, 0))
        .await
        .expect_err("the topic does not exist");
    assert!(
        matches!(err, KafkaError::UnknownTopic { ref topic } if *topic == missing),
        "{err}"
    );
    assert_eq!(
        within("partition_count", broker.partition_count(&missing))
            .await
            .expect("partition_count"),
        None
    );
}

/// Many callers share one connection per broker; each gets its own offsets back.
#[tokio::test]
async fn concurrent_producers_share_connections() {
    let broker = std::sync::Arc::new(connect().await);
    let topic = common::unique_name("strait_kafka_concurrent");
    create(&broker, &topic, 3).await;

    let mut tasks = Vec::new();
    for caller in 0..12usize {
        let broker = std::sync::Arc::clone(&broker);
        let topic = topic.clone();
        tasks.push(tokio::spawn(async move {
            let partition = (caller % 3) as i32;
            let mut all = Vec::new();
            for round in 0..10usize {
                let batch: Vec<_> = (0..20)
                    .map(|i| value_record(caller * 1000 + round * 20 + i, now_ms()))
                    .collect();
                let offsets = broker.produce(&topic, partition, batch).await?;
                assert_eq!(offsets.len(), 20);
                assert!(offsets.windows(2).all(|w| w[1] == w[0] + 1), "{offsets:?}");
                all.extend(offsets);
            }
            Ok::<_, KafkaError>((partition, all))
        }));
    }
    let mut per_partition: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for task in tasks {
        let (partition, offsets) = within("producer task", task)
            .await
            .expect("producer task panicked")
            .expect("produce");
        per_partition.entry(partition).or_default().extend(offsets);
    }
    for (partition, mut offsets) in per_partition {
        offsets.sort_unstable();
        // 4 callers × 10 rounds × 20 records, each offset handed out exactly once.
        assert_eq!(
            offsets,
            (0..800).collect::<Vec<i64>>(),
            "partition {partition}"
        );
        let (records, end) = within("read_to_end", broker.read_to_end(&topic, partition, 0))
            .await
            .expect("read_to_end");
        assert_eq!(end, 800);
        assert_eq!(records.len(), 800);
    }
}

#[tokio::test]
async fn an_unreachable_broker_is_a_retriable_error() {
    // Port 1 on localhost: nothing listens there.
    let err = KafkaBroker::connect_with(
        &["127.0.0.1:1".to_string()],
        KafkaClientConfig {
            connect_timeout: Duration::from_secs(2),
            ..KafkaClientConfig::default()
        },
    )
    .await
    .expect_err("nothing listens on port 1");
    assert!(err.is_retriable(), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}
