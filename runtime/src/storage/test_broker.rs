//! An in-memory [`Broker`] for the stores' unit tests: partitions are vectors of records.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::kafka::{Broker, CompressionType, ConsumedRecord, KafkaError, ProduceRecord, TopicSpec};

#[derive(Default)]
struct Topic {
    partitions: Vec<Vec<ConsumedRecord>>,
    configs: BTreeMap<String, String>,
}

/// Topics held in memory; every call succeeds unless the topic is missing.
#[derive(Default)]
pub(crate) struct FakeBroker {
    topics: Mutex<HashMap<String, Topic>>,
}

impl FakeBroker {
    /// Adds a topic as if another worker (or an admin) created it.
    pub(crate) fn add_topic(&self, name: &str, partitions: usize, configs: &[(&str, &str)]) {
        let topic = Topic {
            partitions: vec![Vec::new(); partitions],
            configs: configs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        self.topics.lock().unwrap().insert(name.to_string(), topic);
    }

    /// Appends a record directly, as a Java worker would have written it.
    pub(crate) fn append(&self, topic: &str, partition: usize, key: &[u8], value: Option<&[u8]>) {
        let mut topics = self.topics.lock().unwrap();
        let records = &mut topics.get_mut(topic).unwrap().partitions[partition];
        let offset = records.len() as i64;
        records.push(ConsumedRecord {
            offset,
            key: Some(key.to_vec()),
            value: value.map(<[u8]>::to_vec),
            headers: Vec::new(),
            timestamp_ms: 0,
            compression: CompressionType::None,
        });
    }

    /// Every (key, value) in one partition, in offset order.
    pub(crate) fn records(&self, topic: &str, partition: usize) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let topics = self.topics.lock().unwrap();
        topics[topic].partitions[partition]
            .iter()
            .map(|r| (r.key.clone().unwrap_or_default(), r.value.clone()))
            .collect()
    }

    /// Every (partition, key, value) of a topic.
    pub(crate) fn all_records(&self, topic: &str) -> Vec<(usize, Vec<u8>, Option<Vec<u8>>)> {
        let topics = self.topics.lock().unwrap();
        let mut out = Vec::new();
        for (p, records) in topics[topic].partitions.iter().enumerate() {
            for r in records {
                out.push((p, r.key.clone().unwrap_or_default(), r.value.clone()));
            }
        }
        out
    }
}

fn missing(topic: &str) -> KafkaError {
    KafkaError::UnknownTopic {
        topic: topic.to_string(),
    }
}

#[async_trait]
impl Broker for FakeBroker {
    async fn produce_compressed(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
        compression: CompressionType,
    ) -> Result<Vec<i64>, KafkaError> {
        let mut topics = self.topics.lock().unwrap();
        let t = topics.get_mut(topic).ok_or_else(|| missing(topic))?;
        let part = t
            .partitions
            .get_mut(partition as usize)
            .ok_or_else(|| missing(topic))?;
        let mut offsets = Vec::new();
        for r in records {
            let offset = part.len() as i64;
            offsets.push(offset);
            part.push(ConsumedRecord {
                offset,
                key: r.key.map(|b| b.to_vec()),
                value: r.value.map(|b| b.to_vec()),
                headers: r
                    .headers
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.map(|b| b.to_vec())))
                    .collect(),
                timestamp_ms: r.timestamp_ms,
                compression,
            });
        }
        Ok(offsets)
    }

    async fn read_to_end(
        &self,
        topic: &str,
        partition: i32,
        from: i64,
    ) -> Result<(Vec<ConsumedRecord>, i64), KafkaError> {
        let topics = self.topics.lock().unwrap();
        let t = topics.get(topic).ok_or_else(|| missing(topic))?;
        let part = t
            .partitions
            .get(partition as usize)
            .ok_or_else(|| missing(topic))?;
        let records = part.iter().skip(from as usize).cloned().collect();
        Ok((records, part.len() as i64))
    }

    async fn create_topic(&self, spec: &TopicSpec) -> Result<bool, KafkaError> {
        let mut topics = self.topics.lock().unwrap();
        if topics.contains_key(&spec.name) {
            return Ok(false);
        }
        let partitions = if spec.partitions < 0 {
            1
        } else {
            spec.partitions as usize
        };
        topics.insert(
            spec.name.clone(),
            Topic {
                partitions: vec![Vec::new(); partitions],
                configs: spec.configs.clone(),
            },
        );
        Ok(true)
    }

    async fn describe_topic_configs(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<String, String>, KafkaError> {
        let topics = self.topics.lock().unwrap();
        Ok(topics
            .get(topic)
            .ok_or_else(|| missing(topic))?
            .configs
            .clone())
    }

    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError> {
        let topics = self.topics.lock().unwrap();
        Ok(topics.get(topic).map(|t| t.partitions.len() as i32))
    }
}
