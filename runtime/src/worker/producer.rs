//! Where converted records go: partition choice, topic creation and batched produce.
//!
//! Partitioning follows Kafka's default producer so keys land where a Java worker would put
//! them: an explicit partition wins, a keyed record goes to `murmur2(key) % partitions`, and
//! records without a key stick to one partition per batch, rotating between batches (Kafka's
//! sticky partitioner does the same per producer batch). A topic is looked up (or created, by
//! the connector's KIP-158 rules) the first time the task writes to it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use strait_api::ConnectError;

use super::topic_creation::TopicCreation;
use crate::kafka::{partitioner, Broker, CompressionType, KafkaError, ProduceRecord, Ready};

/// The broker side of one source task.
pub struct TaskProducer {
    broker: Arc<dyn Broker>,
    topic_creation: TopicCreation,
    topic_creation_enable: bool,
    partitions: HashMap<String, i32>,
    sticky: HashMap<String, i32>,
    compression: CompressionType,
}

/// A topic seen for the first time, for topic tracking.
pub type NewTopic = String;

impl TaskProducer {
    /// A producer for one task, compressing its batches with `compression`.
    pub fn new(
        broker: Arc<dyn Broker>,
        topic_creation: TopicCreation,
        topic_creation_enable: bool,
        compression: CompressionType,
    ) -> Self {
        Self {
            broker,
            topic_creation,
            topic_creation_enable,
            partitions: HashMap::new(),
            sticky: HashMap::new(),
            compression,
        }
    }

    /// The partition count of `topic`, creating the topic when it does not exist. Returns
    /// whether this is the first time this task writes to it.
    ///
    /// # Errors
    /// A retriable error when the broker cannot be reached.
    pub async fn ensure_topic(&mut self, topic: &str) -> Result<(i32, bool), ConnectError> {
        if let Some(n) = self.partitions.get(topic) {
            return Ok((*n, false));
        }
        let spec = if self.topic_creation_enable {
            self.topic_creation.spec_for(topic)
        } else {
            None
        };
        let mut count = self
            .broker
            .partition_count(topic)
            .await
            .map_err(ConnectError::from)?;
        if count.is_none() {
            let spec = spec.unwrap_or_else(|| {
                tracing::warn!(topic, "topic does not exist and no topic creation rule matches: creating it with the broker defaults, as broker auto-creation would");
                crate::kafka::TopicSpec { name: topic.to_string(), partitions: -1, replication_factor: -1, configs: Default::default() }
            });
            let created = self
                .broker
                .create_topic(&spec)
                .await
                .map_err(ConnectError::from)?;
            if created {
                tracing::info!(topic, partitions = spec.partitions, "created topic");
            }
            for _ in 0..50 {
                count = self
                    .broker
                    .partition_count(topic)
                    .await
                    .map_err(ConnectError::from)?;
                if count.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let n = count.ok_or_else(|| {
            ConnectError::retriable(format!("topic {topic} has no partitions yet"))
        })?;
        self.partitions.insert(topic.to_string(), n);
        Ok((n, true))
    }

    /// The partition for a record (Kafka's default partitioner).
    pub fn partition(
        &mut self,
        topic: &str,
        explicit: Option<i32>,
        key: Option<&[u8]>,
        count: i32,
    ) -> i32 {
        match (explicit, key) {
            (Some(p), _) => p,
            (None, Some(k)) => partitioner::partition_for_key(k, count),
            (None, None) => match self.sticky.get(topic) {
                Some(p) => *p % count.max(1),
                None => {
                    self.sticky.insert(topic.to_string(), 0);
                    0
                }
            },
        }
    }

    /// Moves every topic's sticky partition on, once per batch.
    pub fn rotate_sticky(&mut self) {
        for (topic, p) in self.sticky.iter_mut() {
            let n = self.partitions.get(topic).copied().unwrap_or(1).max(1);
            *p = (*p + 1) % n;
        }
    }

    /// The broker, for spawning sends.
    pub fn broker(&self) -> Arc<dyn Broker> {
        self.broker.clone()
    }

    /// The codec batches are compressed with (`compression.type`).
    pub fn compression(&self) -> CompressionType {
        self.compression
    }
}

/// Produces one partition's records compressed with `compression`, sending nothing before
/// `ready` completes (see [`Broker::produce_after`]), and retrying retriable broker errors with
/// backoff (the worker's producer retries "forever" like Kafka's
/// `delivery.timeout.ms=Integer.MAX_VALUE`, bounded here by cancellation of the caller).
///
/// # Errors
/// The last broker error when it is not retriable.
pub async fn produce_with_retry(
    broker: &dyn Broker,
    topic: &str,
    partition: i32,
    records: Vec<ProduceRecord>,
    compression: CompressionType,
    ready: Ready,
) -> Result<Vec<i64>, KafkaError> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = broker
        .produce_after(topic, partition, records.clone(), compression, ready)
        .await;
    loop {
        match attempt {
            Ok(offsets) => return Ok(offsets),
            Err(e) if e.is_retriable() => {
                tracing::warn!(topic, partition, error = %e, "produce failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
        attempt = broker
            .produce_compressed(topic, partition, records.clone(), compression)
            .await;
    }
}
