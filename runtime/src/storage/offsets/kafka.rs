//! Offsets in the offsets topic (Kafka's `KafkaOffsetBackingStore`), for distributed workers.
//!
//! The whole topic (25 partitions by default) is read at start into the [`OffsetIndex`]; reads
//! catch up with the topic first, as Kafka's `get` does, so a task taking over a partition from
//! another worker sees that worker's last commit. Writes go to `murmur2(key) % partitions`,
//! where a Java worker would put the same key, and are applied to the index once acknowledged.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use strait_api::OffsetMap;

use super::index::OffsetIndex;
use super::{prepare_records, OffsetStore};
use crate::kafka::Broker;
use crate::storage::log::{KafkaLog, TopicRole, TopicSettings};
use crate::storage::StorageError;

/// Source offsets in a Kafka topic shared with (or inherited from) Java workers.
#[derive(Debug)]
pub struct KafkaOffsetStore {
    log: KafkaLog,
    index: Mutex<OffsetIndex>,
}

impl KafkaOffsetStore {
    /// Creates (or checks) the topic and reads every offset in it.
    pub async fn start(
        broker: Arc<dyn Broker>,
        topic: &TopicSettings,
    ) -> Result<Self, StorageError> {
        let log = KafkaLog::open(broker, topic, TopicRole::Offsets).await?;
        let store = Self {
            log,
            index: Mutex::new(OffsetIndex::default()),
        };
        store.refresh().await?;
        tracing::info!(
            topic = store.log.topic(),
            partitions = store.log.partitions(),
            "offset store started"
        );
        Ok(store)
    }

    /// Reads offsets written since the last read (by any worker).
    pub async fn refresh(&self) -> Result<(), StorageError> {
        self.log
            .read_to_end(|records| {
                let mut index = self.index();
                for record in &records {
                    index.apply(record.key.as_deref(), record.value.as_deref());
                }
            })
            .await
    }

    fn index(&self) -> MutexGuard<'_, OffsetIndex> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl OffsetStore for KafkaOffsetStore {
    async fn get(
        &self,
        connector: &str,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, StorageError> {
        self.refresh().await?;
        Ok(self
            .index()
            .get(connector, partition)
            .and_then(|entry| entry.offset(connector)))
    }

    async fn put(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> Result<(), StorageError> {
        let records = prepare_records(&self.index(), connector, &offsets)?;
        self.log.send_keyed(records.clone()).await?;
        let mut index = self.index();
        for (key, value) in &records {
            index.apply(Some(key), value.as_deref());
        }
        Ok(())
    }

    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<(OffsetMap, OffsetMap)>, StorageError> {
        self.refresh().await?;
        Ok(self.index().partitions(connector))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::partitioner::partition_for_key;
    use crate::storage::test_broker::FakeBroker;

    const DEBEZIUM_KEY: &str = r#"["inventory-connector",{"server":"dbserver1"}]"#;
    const DEBEZIUM_VALUE: &str = r#"{"transaction_id":null,"ts_sec":1700000000,"file":"mysql-bin.000003","pos":154,"gtids":"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5","row":1,"server_id":223344,"event":2}"#;

    fn map(json: &str) -> OffsetMap {
        serde_json::from_str(json).unwrap()
    }

    async fn store(broker: &Arc<FakeBroker>) -> KafkaOffsetStore {
        KafkaOffsetStore::start(broker.clone(), &TopicSettings::new("offsets", 25))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn reads_a_java_debezium_offset_and_rewrites_it_byte_exactly() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("offsets", 25, &[("cleanup.policy", "compact")]);
        let partition = partition_for_key(DEBEZIUM_KEY.as_bytes(), 25) as usize;
        broker.append(
            "offsets",
            partition,
            DEBEZIUM_KEY.as_bytes(),
            Some(DEBEZIUM_VALUE.as_bytes()),
        );

        let s = store(&broker).await;
        let offset = s
            .get("inventory-connector", &map(r#"{"server":"dbserver1"}"#))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(offset["pos"], serde_json::json!(154));
        assert_eq!(offset["transaction_id"], serde_json::Value::Null);
        assert_eq!(
            offset.keys().next().map(String::as_str),
            Some("transaction_id")
        );

        // Writing the offset back produces the Java bytes, in the same partition.
        s.put(
            "inventory-connector",
            vec![(map(r#"{"server":"dbserver1"}"#), Some(offset))],
        )
        .await
        .unwrap();
        let records = broker.records("offsets", partition);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].0, DEBEZIUM_KEY.as_bytes());
        assert_eq!(records[1].1.as_deref(), Some(DEBEZIUM_VALUE.as_bytes()));
    }

    #[tokio::test]
    async fn overwrites_and_tombstones_reuse_the_original_key_bytes() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("offsets", 25, &[]);
        // A Java connector built its partition map with `table` before `shard`.
        let java_key = br#"["dyn",{"table":"orders","shard":"s1"}]"#;
        let p = partition_for_key(java_key, 25) as usize;
        broker.append("offsets", p, java_key, Some(br#"{"seq":"10"}"#));
        let s = store(&broker).await;

        let ours = map(r#"{"shard":"s1","table":"orders"}"#);
        s.put("dyn", vec![(ours.clone(), Some(map(r#"{"seq":"11"}"#)))])
            .await
            .unwrap();
        s.put("dyn", vec![(ours.clone(), None)]).await.unwrap();
        let written: Vec<_> = broker.records("offsets", p).into_iter().skip(1).collect();
        assert_eq!(
            written,
            vec![
                (java_key.to_vec(), Some(br#"{"seq":"11"}"#.to_vec())),
                (java_key.to_vec(), None),
            ]
        );
        assert_eq!(
            broker.all_records("offsets").len(),
            3,
            "no record under other key bytes"
        );
        assert_eq!(s.get("dyn", &ours).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_new_instance_sees_offsets_written_by_the_first() {
        let broker = Arc::new(FakeBroker::default());
        let first = store(&broker).await;
        let batch: Vec<_> = (0..40)
            .map(|i| {
                (
                    map(&format!(r#"{{"file":"f{i}"}}"#)),
                    Some(map(&format!(r#"{{"pos":{i}}}"#))),
                )
            })
            .collect();
        first.put("files", batch).await.unwrap();
        first
            .put("files", vec![(map(r#"{"file":"f3"}"#), None)])
            .await
            .unwrap();
        // Spread over several partitions, each where murmur2 puts it.
        let records = broker.all_records("offsets");
        assert!(
            records
                .iter()
                .map(|r| r.0)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 5
        );
        for (partition, key, _) in &records {
            assert_eq!(*partition as i32, partition_for_key(key, 25));
        }

        let second = store(&broker).await;
        let partitions = second.connector_partitions("files").await.unwrap();
        assert_eq!(partitions.len(), 39);
        assert_eq!(
            second.get("files", &map(r#"{"file":"f7"}"#)).await.unwrap(),
            Some(map(r#"{"pos":7}"#))
        );
        assert_eq!(
            second.get("files", &map(r#"{"file":"f3"}"#)).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn big_and_scientific_numbers_read_back_and_rewritten_unchanged() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("offsets", 25, &[]);
        // As a Java worker writes them: a huge integer and `Double.toString` forms.
        let key = br#"["c",{"p":"x"}]"#;
        let value = r#"{"seq":49590338271490256608559692538361571095921575989136588898,"ts":1.0E10,"f":0.1,"g":1.0E-5}"#;
        let p = partition_for_key(key, 25) as usize;
        broker.append("offsets", p, key, Some(value.as_bytes()));
        let s = store(&broker).await;
        let partition = map(r#"{"p":"x"}"#);
        let offset = s.get("c", &partition).await.unwrap();
        s.put("c", vec![(partition, offset)]).await.unwrap();
        let records = broker.records("offsets", p);
        assert_eq!(records[1].1.as_deref(), Some(value.as_bytes()));
    }
}
