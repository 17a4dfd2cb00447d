//! A compacted internal topic, read from the beginning and appended to (Kafka's `KafkaBasedLog`).
//!
//! Each store owns one [`KafkaLog`]: on open it creates the topic (`cleanup.policy=compact`) or
//! checks an existing one, and afterwards [`KafkaLog::read_to_end`] consumes every partition from
//! where the previous read stopped up to the high watermark, handing the records to the store.
//! Records are handed over while the log's position lock is held, so two concurrent reads can
//! never apply records out of order; per-partition order is the only order Kafka guarantees, and
//! the stores need no more than that.
//!
//! Unlike Kafka's class there is no background consumer thread: stores read on start, after
//! their own writes and when the owner asks them to refresh. Keyed writes use the Java default
//! partitioner (murmur2) so a key lands in the same partition a Java worker would put it in.
//!
//! **Cleanup policy check.** Kafka fails the worker when an existing internal topic's
//! `cleanup.policy` is anything but exactly `compact`. When the policy cannot be determined it
//! only logs and carries on (`TopicAdmin#verifyTopicCleanupPolicyOnlyCompact`). tansu's
//! DescribeConfigs reports only explicitly set configs, so a topic created without configs (for
//! example auto-created by a produce) reports no `cleanup.policy` at all: that case is a warning
//! here, as in Kafka, and only an explicit non-compact policy is an error.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::kafka::{Broker, ConsumedRecord, ProduceRecord, TopicSpec};

use super::StorageError;

/// How to create an internal topic, mirroring the worker's `*.storage.*` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSettings {
    /// Topic name (`config.storage.topic`, ...).
    pub name: String,
    /// Partitions when creating the topic; `-1` lets the broker choose.
    pub partitions: i32,
    /// Replication factor when creating the topic; `-1` lets the broker choose.
    pub replication_factor: i16,
    /// Other topic configs (`retention.ms`, ...); `cleanup.policy` is always forced to `compact`.
    pub configs: BTreeMap<String, String>,
}

impl TopicSettings {
    /// Settings with Kafka's defaults except the replication factor, which is left to the broker
    /// (Kafka's default of 3 fails on a single-broker cluster).
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        Self {
            name: name.into(),
            partitions,
            replication_factor: -1,
            configs: BTreeMap::new(),
        }
    }
}

/// Which internal topic a log is, for error messages and the topic checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TopicRole {
    Config,
    Offsets,
    Status,
}

impl TopicRole {
    /// The worker property that names this topic.
    pub(crate) fn worker_key(self) -> &'static str {
        match self {
            TopicRole::Config => "config.storage.topic",
            TopicRole::Offsets => "offset.storage.topic",
            TopicRole::Status => "status.storage.topic",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            TopicRole::Config => "connector configurations",
            TopicRole::Offsets => "source connector offsets",
            TopicRole::Status => "connector and task statuses",
        }
    }
}

/// A record to append: key bytes and value bytes (`None` is a tombstone).
pub(crate) type KeyedRecord = (Vec<u8>, Option<Vec<u8>>);

/// How long to wait for a topic created by us to show up in metadata.
const TOPIC_APPEAR_TIMEOUT: Duration = Duration::from_secs(30);

/// A compacted internal topic: reads from the beginning, appends keyed records.
pub struct KafkaLog {
    broker: Arc<dyn Broker>,
    topic: String,
    partitions: i32,
    /// The next offset to read, per partition.
    positions: Mutex<Vec<i64>>,
}

impl std::fmt::Debug for KafkaLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaLog")
            .field("topic", &self.topic)
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

impl KafkaLog {
    /// Creates the topic if it is missing, or checks an existing one; positions start at 0.
    pub(crate) async fn open(
        broker: Arc<dyn Broker>,
        settings: &TopicSettings,
        role: TopicRole,
    ) -> Result<Self, StorageError> {
        let topic = settings.name.as_str();
        let partitions = match broker
            .partition_count(topic)
            .await
            .map_err(StorageError::kafka(topic))?
        {
            Some(count) => {
                check_cleanup_policy(broker.as_ref(), topic, role).await?;
                count
            }
            None => create(broker.as_ref(), settings, role).await?,
        };
        if partitions < 1 {
            return Err(StorageError::TopicConfig {
                topic: topic.to_string(),
                worker_key: role.worker_key(),
                message: format!("has no partitions ({partitions})"),
            });
        }
        let positions = usize::try_from(partitions).unwrap_or(1);
        tracing::debug!(
            topic,
            partitions,
            purpose = role.purpose(),
            "internal topic ready"
        );
        Ok(Self {
            broker,
            topic: topic.to_string(),
            partitions,
            positions: Mutex::new(vec![0; positions]),
        })
    }

    /// The topic name.
    pub(crate) fn topic(&self) -> &str {
        &self.topic
    }

    /// The number of partitions.
    pub(crate) fn partitions(&self) -> i32 {
        self.partitions
    }

    /// The partition Java's default partitioner picks for a keyed record.
    pub(crate) fn partition_for(&self, key: &[u8]) -> i32 {
        crate::kafka::partitioner::partition_for_key(key, self.partitions)
    }

    /// Reads every partition from the last position to its high watermark and hands the new
    /// records (partition by partition, in offset order) to `apply` while no other read can run.
    pub(crate) async fn read_to_end<F>(&self, apply: F) -> Result<(), StorageError>
    where
        F: FnOnce(Vec<ConsumedRecord>) + Send,
    {
        let mut positions = self.positions.lock().await;
        let mut reads = tokio::task::JoinSet::new();
        for (partition, from) in (0..self.partitions).zip(positions.iter().copied()) {
            let broker = Arc::clone(&self.broker);
            let topic = self.topic.clone();
            reads.spawn(async move {
                let result = broker.read_to_end(&topic, partition, from).await;
                (partition, result)
            });
        }
        let mut batches = Vec::with_capacity(positions.len());
        while let Some(joined) = reads.join_next().await {
            let (partition, result) = match joined {
                Ok(done) => done,
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(_) => {
                    return Err(StorageError::Interrupted {
                        topic: self.topic.clone(),
                        operation: "reading to the end",
                    })
                }
            };
            let (records, end) = result.map_err(StorageError::kafka(&self.topic))?;
            batches.push((partition, records, end));
        }
        batches.sort_by_key(|(partition, _, _)| *partition);
        let mut all = Vec::new();
        for (partition, records, end) in batches {
            if let Some(position) = usize::try_from(partition)
                .ok()
                .and_then(|p| positions.get_mut(p))
            {
                *position = (*position).max(end);
            }
            all.extend(records);
        }
        apply(all);
        Ok(())
    }

    /// Reads one partition from its last position to the high watermark, like
    /// [`Self::read_to_end`].
    pub(crate) async fn read_partition_to_end<F>(
        &self,
        partition: i32,
        apply: F,
    ) -> Result<(), StorageError>
    where
        F: FnOnce(Vec<ConsumedRecord>) + Send,
    {
        let mut positions = self.positions.lock().await;
        let Some(position) = usize::try_from(partition)
            .ok()
            .and_then(|p| positions.get_mut(p))
        else {
            return Ok(());
        };
        let (records, end) = self
            .broker
            .read_to_end(&self.topic, partition, *position)
            .await
            .map_err(StorageError::kafka(&self.topic))?;
        *position = (*position).max(end);
        apply(records);
        Ok(())
    }

    /// Appends keyed records to one partition, in order, and waits for the broker's ack.
    pub(crate) async fn send(
        &self,
        partition: i32,
        records: Vec<KeyedRecord>,
    ) -> Result<(), StorageError> {
        if records.is_empty() {
            return Ok(());
        }
        let timestamp_ms = now_ms();
        let records = records
            .into_iter()
            .map(|(key, value)| ProduceRecord {
                key: Some(key.into()),
                value: value.map(Into::into),
                headers: Vec::new(),
                timestamp_ms,
            })
            .collect();
        self.broker
            .produce(&self.topic, partition, records)
            .await
            .map_err(StorageError::kafka(&self.topic))?;
        Ok(())
    }

    /// Appends keyed records to their murmur2 partitions, all partitions concurrently, and
    /// waits until every one is acknowledged. Records for one key keep their order.
    pub(crate) async fn send_keyed(&self, records: Vec<KeyedRecord>) -> Result<(), StorageError> {
        let mut by_partition: BTreeMap<i32, Vec<KeyedRecord>> = BTreeMap::new();
        for (key, value) in records {
            by_partition
                .entry(self.partition_for(&key))
                .or_default()
                .push((key, value));
        }
        if by_partition.len() <= 1 {
            for (partition, records) in by_partition {
                self.send(partition, records).await?;
            }
            return Ok(());
        }
        let timestamp_ms = now_ms();
        let mut sends = tokio::task::JoinSet::new();
        for (partition, records) in by_partition {
            let broker = Arc::clone(&self.broker);
            let topic = self.topic.clone();
            let records = records
                .into_iter()
                .map(|(key, value)| ProduceRecord {
                    key: Some(key.into()),
                    value: value.map(Into::into),
                    headers: Vec::new(),
                    timestamp_ms,
                })
                .collect();
            sends.spawn(async move { broker.produce(&topic, partition, records).await });
        }
        while let Some(joined) = sends.join_next().await {
            match joined {
                Ok(result) => {
                    result.map_err(StorageError::kafka(&self.topic))?;
                }
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(_) => {
                    return Err(StorageError::Interrupted {
                        topic: self.topic.clone(),
                        operation: "producing",
                    })
                }
            }
        }
        Ok(())
    }
}

/// Creates the topic and returns its partition count.
async fn create(
    broker: &dyn Broker,
    settings: &TopicSettings,
    role: TopicRole,
) -> Result<i32, StorageError> {
    let topic = settings.name.as_str();
    let mut configs = settings.configs.clone();
    configs.insert("cleanup.policy".to_string(), "compact".to_string());
    let spec = TopicSpec {
        name: topic.to_string(),
        partitions: settings.partitions,
        replication_factor: settings.replication_factor,
        configs,
    };
    let created = broker
        .create_topic(&spec)
        .await
        .map_err(StorageError::kafka(topic))?;
    if created {
        tracing::info!(topic, purpose = role.purpose(), "created internal topic");
    } else {
        // Another worker created it between our metadata check and the create request.
        check_cleanup_policy(broker, topic, role).await?;
    }
    let deadline = tokio::time::Instant::now() + TOPIC_APPEAR_TIMEOUT;
    loop {
        if let Some(count) = broker
            .partition_count(topic)
            .await
            .map_err(StorageError::kafka(topic))?
        {
            return Ok(count);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StorageError::Timeout {
                topic: topic.to_string(),
                operation: "waiting for the created topic to appear",
                seconds: TOPIC_APPEAR_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fails when an existing topic has a cleanup policy other than exactly `compact`.
async fn check_cleanup_policy(
    broker: &dyn Broker,
    topic: &str,
    role: TopicRole,
) -> Result<(), StorageError> {
    let configs = broker
        .describe_topic_configs(topic)
        .await
        .map_err(StorageError::kafka(topic))?;
    let Some(policy) = configs.get("cleanup.policy") else {
        tracing::warn!(
            topic,
            worker_key = role.worker_key(),
            "cannot verify that the internal topic has cleanup.policy=compact: the broker reports \
             no cleanup.policy for it; make sure the topic is compacted or {} will be lost",
            role.purpose()
        );
        return Ok(());
    };
    let policies: Vec<String> = policy
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if policies.iter().all(|p| p == "compact") && !policies.is_empty() {
        return Ok(());
    }
    Err(StorageError::TopicConfig {
        topic: topic.to_string(),
        worker_key: role.worker_key(),
        message: format!(
            "is required to have 'cleanup.policy=compact' to guarantee consistency and \
             durability of {}, but found the topic currently has 'cleanup.policy={policy}'. \
             Continuing would likely result in eventually losing {} and problems restarting \
             this Connect cluster in the future. Change the '{}' property in the Connect worker \
             configurations to use a topic with 'cleanup.policy=compact'.",
            role.purpose(),
            role.purpose(),
            role.worker_key()
        ),
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_broker::FakeBroker;

    #[tokio::test]
    async fn creates_missing_topic_compacted_with_extra_configs() {
        let broker = Arc::new(FakeBroker::default());
        let mut settings = TopicSettings::new("offs", 3);
        settings
            .configs
            .insert("retention.ms".to_string(), "-1".to_string());
        settings
            .configs
            .insert("cleanup.policy".to_string(), "delete".to_string());
        let log = KafkaLog::open(broker.clone(), &settings, TopicRole::Offsets)
            .await
            .unwrap();
        assert_eq!(log.partitions(), 3);
        let configs = broker.describe_topic_configs("offs").await.unwrap();
        assert_eq!(
            configs.get("cleanup.policy").map(String::as_str),
            Some("compact")
        );
        assert_eq!(configs.get("retention.ms").map(String::as_str), Some("-1"));
    }

    #[tokio::test]
    async fn existing_topic_with_delete_policy_is_rejected() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("st", 5, &[("cleanup.policy", "compact,delete")]);
        let err = KafkaLog::open(broker, &TopicSettings::new("st", 5), TopicRole::Status)
            .await
            .unwrap_err();
        match err {
            StorageError::TopicConfig {
                worker_key,
                message,
                ..
            } => {
                assert_eq!(worker_key, "status.storage.topic");
                assert!(
                    message.contains("cleanup.policy=compact,delete"),
                    "{message}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn existing_topic_without_reported_policy_is_accepted() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("st", 2, &[]);
        let log = KafkaLog::open(broker, &TopicSettings::new("st", 5), TopicRole::Status)
            .await
            .unwrap();
        // The existing topic's partition count wins over the settings.
        assert_eq!(log.partitions(), 2);
    }

    #[tokio::test]
    async fn read_to_end_resumes_from_last_position() {
        let broker = Arc::new(FakeBroker::default());
        let log = KafkaLog::open(
            broker.clone(),
            &TopicSettings::new("t", 2),
            TopicRole::Offsets,
        )
        .await
        .unwrap();
        log.send(1, vec![(b"a".to_vec(), Some(b"1".to_vec()))])
            .await
            .unwrap();
        log.send(0, vec![(b"b".to_vec(), None)]).await.unwrap();
        let mut seen = Vec::new();
        log.read_to_end(|records| seen.extend(records))
            .await
            .unwrap();
        let keys: Vec<_> = seen.iter().map(|r| r.key.clone().unwrap()).collect();
        assert_eq!(keys, vec![b"b".to_vec(), b"a".to_vec()]);
        assert_eq!(seen[0].value, None);

        log.send(1, vec![(b"c".to_vec(), Some(b"2".to_vec()))])
            .await
            .unwrap();
        let mut again = Vec::new();
        log.read_to_end(|records| again.extend(records))
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].key.as_deref(), Some(&b"c"[..]));
    }
}
