//! The schema history Kafka topic, as Debezium's `KafkaSchemaHistory` keeps it.
//!
//! One partition, created with `cleanup.policy=delete`, `retention.ms=Long.MAX_VALUE` and
//! `retention.bytes=-1` (history must never be compacted or expire); each record goes to
//! partition 0 with a null key and the pretty-printed document as its value, appended in order
//! and acknowledged before the caller moves on. Reading goes from the start of partition 0 to
//! the high watermark. Like Debezium, null values and documents without `source`/`position` are
//! skipped with a warning; unlike Debezium, which logs and skips a document it cannot parse,
//! reading fails naming the offset, since silently losing a DDL corrupts the table model.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use strait_kafka::{
    Broker, Bytes, KafkaBroker, KafkaClientConfig, KafkaError, ProduceRecord, TopicSpec,
};

use super::{HistoryError, HistoryRecord};

/// The only partition of the history topic.
pub const PARTITION: i32 = 0;

/// The topic configs Debezium creates the history topic with.
pub fn topic_configs() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("cleanup.policy".to_string(), "delete".to_string()),
        ("retention.ms".to_string(), i64::MAX.to_string()),
        ("retention.bytes".to_string(), "-1".to_string()),
    ])
}

/// A connection to one schema history topic.
pub struct SchemaHistoryTopic {
    broker: Box<dyn Broker>,
    topic: String,
}

impl std::fmt::Debug for SchemaHistoryTopic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaHistoryTopic")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl SchemaHistoryTopic {
    /// Connects to `bootstrap_servers` (Kafka's comma-separated `host:port` list).
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when no bootstrap server answers.
    pub async fn connect(bootstrap_servers: &str, topic: &str) -> Result<Self, HistoryError> {
        let config = KafkaClientConfig {
            client_id: format!("{topic}-schemahistory"),
            ..KafkaClientConfig::default()
        };
        let broker = KafkaBroker::connect_with(&[bootstrap_servers.to_string()], config)
            .await
            .map_err(|source| HistoryError::Kafka {
                topic: topic.to_string(),
                operation: "connect",
                source: Box::new(source),
            })?;
        Ok(Self::with_broker(Box::new(broker), topic))
    }

    /// A history topic reached through an existing broker client.
    pub fn with_broker(broker: Box<dyn Broker>, topic: &str) -> Self {
        Self {
            broker,
            topic: topic.to_string(),
        }
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    fn kafka(&self, operation: &'static str) -> impl FnOnce(KafkaError) -> HistoryError + '_ {
        move |source| HistoryError::Kafka {
            topic: self.topic.clone(),
            operation,
            source: Box::new(source),
        }
    }

    /// Whether the topic exists (Debezium's `storageExists`).
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when the broker cannot be asked.
    pub async fn exists(&self) -> Result<bool, HistoryError> {
        Ok(self
            .broker
            .partition_count(&self.topic)
            .await
            .map_err(self.kafka("metadata"))?
            .is_some())
    }

    /// The topic's explicitly set configs, `None` when it does not exist.
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when the broker cannot be asked.
    pub async fn configs(&self) -> Result<Option<BTreeMap<String, String>>, HistoryError> {
        if !self.exists().await? {
            return Ok(None);
        }
        Ok(Some(
            self.broker
                .describe_topic_configs(&self.topic)
                .await
                .map_err(self.kafka("describe configs"))?,
        ))
    }

    /// Whether the topic exists and holds at least one record (Debezium's `exists`, which
    /// decides whether the connector has a history to recover from).
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when the broker cannot be asked.
    pub async fn has_records(&self) -> Result<bool, HistoryError> {
        if !self.exists().await? {
            return Ok(false);
        }
        let (records, _) = self
            .broker
            .read_to_end(&self.topic, PARTITION, 0)
            .await
            .map_err(self.kafka("fetch"))?;
        Ok(!records.is_empty())
    }

    /// Creates the topic as Debezium's `initializeStorage` does (one partition, the broker's
    /// replication factor, infinite retention, no compaction); an existing topic is left as is.
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when the topic cannot be created.
    pub async fn initialize(&self) -> Result<(), HistoryError> {
        let spec = TopicSpec {
            name: self.topic.clone(),
            partitions: 1,
            replication_factor: -1,
            configs: topic_configs(),
        };
        let created = self
            .broker
            .create_topic(&spec)
            .await
            .map_err(self.kafka("create topic"))?;
        if created {
            tracing::info!(topic = %self.topic, "schema history topic created");
        } else {
            tracing::info!(topic = %self.topic, "schema history topic already exists");
        }
        Ok(())
    }

    /// Appends records in order to partition 0 (null key, the document as value) and waits for
    /// the broker's acknowledgement.
    ///
    /// # Errors
    /// [`HistoryError::Kafka`] when the broker does not take them.
    pub async fn append(&self, records: &[HistoryRecord]) -> Result<(), HistoryError> {
        if records.is_empty() {
            return Ok(());
        }
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let batch = records
            .iter()
            .map(|r| ProduceRecord {
                key: None,
                value: Some(Bytes::from(r.to_json())),
                headers: Vec::new(),
                timestamp_ms,
            })
            .collect();
        self.broker
            .produce(&self.topic, PARTITION, batch)
            .await
            .map_err(self.kafka("produce"))?;
        Ok(())
    }

    /// Every record of the topic, in order.
    ///
    /// # Errors
    /// [`HistoryError::Corrupt`] naming the offset of a record that is not a history document;
    /// [`HistoryError::Kafka`] when the topic cannot be read.
    pub async fn read_all(&self) -> Result<Vec<HistoryRecord>, HistoryError> {
        let (consumed, _) = self
            .broker
            .read_to_end(&self.topic, PARTITION, 0)
            .await
            .map_err(self.kafka("fetch"))?;
        let mut records = Vec::with_capacity(consumed.len());
        for record in consumed {
            let corrupt = |source: HistoryError| HistoryError::Corrupt {
                topic: self.topic.clone(),
                offset: record.offset,
                source: Box::new(source),
            };
            let Some(value) = record.value.as_deref() else {
                tracing::warn!(topic = %self.topic, offset = record.offset,
                    "skipping null schema history record");
                continue;
            };
            let text = std::str::from_utf8(value).map_err(|e| {
                corrupt(HistoryError::Document {
                    field: String::new(),
                    reason: format!("not UTF-8: {e}"),
                })
            })?;
            match HistoryRecord::from_json(text) {
                Ok(r) => records.push(r),
                Err(HistoryError::MissingSourceOrPosition) => {
                    tracing::warn!(topic = %self.topic, offset = record.offset,
                        "skipping schema history record without source or position");
                }
                Err(e) => return Err(corrupt(e)),
            }
        }
        Ok(records)
    }
}
