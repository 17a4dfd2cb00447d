//! Connector, task and topic statuses in the status topic (Kafka's `KafkaStatusBackingStore`).
//!
//! Records are keyed strings spread over the topic's partitions (5 by default) by Java's
//! murmur2 partitioner, so every status of one connector or task lands in the partition a Java
//! worker would use. A write is produced, acknowledged and read back from its partition before it
//! returns, so the cache applies our records and other workers' in log order. Read rules
//! follow Kafka:
//! - a connector tombstone removes the connector's status *and* its tasks' statuses;
//! - an UNASSIGNED task status is ignored while the cached status is RUNNING with a generation
//!   at least as new (a worker that had not seen the rebalance yet);
//! - records that do not parse are logged and skipped.
//!
//! Kafka retries failed status writes in the background and never fails the caller; here the
//! error is returned and the herder decides (status writes are advisory).

mod records;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

pub use records::{ConnectorStatus, State, TaskStatus, TopicStatus};

use self::records::{
    connector_status_key, parse_status, parse_task_status_key, parse_topic_status,
    parse_topic_status_key, status_value, task_status_key, topic_status_key, topic_status_value,
    CONNECTOR_STATUS_PREFIX, TASK_STATUS_PREFIX, TOPIC_STATUS_PREFIX,
};
use super::json::{parse_value, Parsed};
use super::log::{KafkaLog, TopicRole, TopicSettings};
use super::StorageError;
use crate::kafka::{Broker, ConsumedRecord};

/// The status topic with a cache of the latest status of every connector, task and topic.
pub struct StatusStore {
    log: KafkaLog,
    cache: Mutex<StatusCache>,
}

impl std::fmt::Debug for StatusStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusStore")
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

impl StatusStore {
    /// Creates (or checks) the topic and reads it to the end.
    pub async fn start(
        broker: Arc<dyn Broker>,
        topic: &TopicSettings,
    ) -> Result<Self, StorageError> {
        let log = KafkaLog::open(broker, topic, TopicRole::Status).await?;
        let store = Self {
            log,
            cache: Mutex::new(StatusCache::default()),
        };
        store.refresh().await?;
        tracing::info!(topic = store.log.topic(), "status store started");
        Ok(store)
    }

    /// Reads statuses written since the last read (by any worker).
    pub async fn refresh(&self) -> Result<(), StorageError> {
        self.log
            .read_to_end(|records| {
                let mut cache = self.cache();
                for record in &records {
                    cache.apply(self.log.topic(), record);
                }
            })
            .await
    }

    /// Writes a connector's status; DESTROYED writes a tombstone.
    pub async fn put_connector(&self, status: &ConnectorStatus) -> Result<(), StorageError> {
        let value = status_value(
            status.state,
            status.trace.as_deref(),
            &status.worker_id,
            status.generation,
        );
        self.write(connector_status_key(&status.connector), value)
            .await
    }

    /// Like [`Self::put_connector`], but skipped (returning `false`) when the cached status was
    /// written by another worker with a newer generation (Kafka's `putSafe`).
    pub async fn put_connector_safe(&self, status: &ConnectorStatus) -> Result<bool, StorageError> {
        let allowed = self
            .cache()
            .connectors
            .get(&status.connector)
            .is_none_or(|cached| {
                can_write_safely(
                    &cached.worker_id,
                    cached.generation,
                    &status.worker_id,
                    status.generation,
                )
            });
        if allowed {
            self.put_connector(status).await?;
        }
        Ok(allowed)
    }

    /// Writes a task's status; DESTROYED writes a tombstone.
    pub async fn put_task(&self, status: &TaskStatus) -> Result<(), StorageError> {
        let value = status_value(
            status.state,
            status.trace.as_deref(),
            &status.worker_id,
            status.generation,
        );
        self.write(task_status_key(&status.connector, status.task), value)
            .await
    }

    /// Like [`Self::put_task`], but skipped (returning `false`) when the cached status was written
    /// by another worker with a newer generation (Kafka's `putSafe`).
    pub async fn put_task_safe(&self, status: &TaskStatus) -> Result<bool, StorageError> {
        let allowed = self
            .cache()
            .tasks
            .get(&status.connector)
            .and_then(|tasks| tasks.get(&status.task))
            .is_none_or(|cached| {
                can_write_safely(
                    &cached.worker_id,
                    cached.generation,
                    &status.worker_id,
                    status.generation,
                )
            });
        if allowed {
            self.put_task(status).await?;
        }
        Ok(allowed)
    }

    /// Records that a connector produced to a topic.
    pub async fn put_topic(&self, status: &TopicStatus) -> Result<(), StorageError> {
        let key = topic_status_key(&status.topic, &status.connector);
        self.write(key, Some(topic_status_value(status))).await
    }

    /// Forgets that a connector produced to a topic (tombstone).
    pub async fn delete_topic(&self, connector: &str, topic: &str) -> Result<(), StorageError> {
        self.write(topic_status_key(topic, connector), None).await
    }

    /// Deletes every status of a connector: tombstones for its tasks, its topics, then itself.
    pub async fn delete_connector(&self, connector: &str) -> Result<(), StorageError> {
        let (tasks, topics) = {
            let cache = self.cache();
            let tasks: Vec<u32> = cache
                .tasks
                .get(connector)
                .map(|t| t.keys().copied().collect())
                .unwrap_or_default();
            let topics: Vec<String> = cache
                .topics
                .get(connector)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            (tasks, topics)
        };
        for task in tasks {
            self.write(task_status_key(connector, task), None).await?;
        }
        for topic in topics {
            self.write(topic_status_key(&topic, connector), None)
                .await?;
        }
        self.write(connector_status_key(connector), None).await
    }

    /// The latest status of a connector.
    pub fn connector(&self, connector: &str) -> Option<ConnectorStatus> {
        self.cache().connectors.get(connector).cloned()
    }

    /// The latest status of one task.
    pub fn task(&self, connector: &str, task: u32) -> Option<TaskStatus> {
        self.cache()
            .tasks
            .get(connector)
            .and_then(|tasks| tasks.get(&task))
            .cloned()
    }

    /// The latest statuses of a connector's tasks, by task number.
    pub fn tasks(&self, connector: &str) -> Vec<TaskStatus> {
        self.cache()
            .tasks
            .get(connector)
            .map(|tasks| tasks.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The topics a connector produced to, by topic name.
    pub fn topics(&self, connector: &str) -> Vec<TopicStatus> {
        self.cache()
            .topics
            .get(connector)
            .map(|topics| topics.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Every connector with a status.
    pub fn connectors(&self) -> Vec<String> {
        self.cache().connectors.keys().cloned().collect()
    }

    /// Produces one keyed record to its murmur2 partition and reads that partition back.
    async fn write(&self, key: String, value: Option<Vec<u8>>) -> Result<(), StorageError> {
        let key = key.into_bytes();
        let partition = self.log.partition_for(&key);
        self.log.send(partition, vec![(key, value)]).await?;
        self.log
            .read_partition_to_end(partition, |records| {
                let mut cache = self.cache();
                for record in &records {
                    cache.apply(self.log.topic(), record);
                }
            })
            .await
    }

    fn cache(&self) -> MutexGuard<'_, StatusCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Kafka's `CacheEntry.canWriteSafely`.
fn can_write_safely(
    cached_worker: &str,
    cached_generation: i32,
    worker: &str,
    generation: i32,
) -> bool {
    cached_worker == worker || cached_generation <= generation
}

/// The latest statuses, as read from the topic.
#[derive(Debug, Default)]
struct StatusCache {
    connectors: BTreeMap<String, ConnectorStatus>,
    tasks: HashMap<String, BTreeMap<u32, TaskStatus>>,
    topics: HashMap<String, BTreeMap<String, TopicStatus>>,
}

impl StatusCache {
    fn apply(&mut self, topic: &str, record: &ConsumedRecord) {
        let Some(key_bytes) = record.key.as_deref() else {
            tracing::warn!(
                topic,
                offset = record.offset,
                "discarding status record without a key"
            );
            return;
        };
        let key = String::from_utf8_lossy(key_bytes);
        let value = match parse_value(topic, &key, record.value.as_deref()) {
            Parsed::Null if record.value.is_none() => None,
            Parsed::Value(value) => Some(value),
            // A JSON `null` value or bytes that are not JSON: Kafka fails to parse and skips.
            Parsed::Null | Parsed::Invalid => {
                tracing::warn!(key = %key, "discarding status record that does not parse");
                return;
            }
        };
        if let Some(connector) = key.strip_prefix(CONNECTOR_STATUS_PREFIX) {
            self.apply_connector(connector, value.as_ref());
        } else if let Some(rest) = key.strip_prefix(TASK_STATUS_PREFIX) {
            match parse_task_status_key(rest) {
                Some((connector, task)) => self.apply_task(connector, task, value.as_ref()),
                None => {
                    tracing::warn!(key = %key, "discarding record with invalid task status key")
                }
            }
        } else if let Some(rest) = key.strip_prefix(TOPIC_STATUS_PREFIX) {
            match parse_topic_status_key(rest) {
                Some((topic, connector)) => self.apply_topic(topic, connector, value.as_ref()),
                None => {
                    tracing::warn!(key = %key, "discarding record with invalid topic status key")
                }
            }
        } else {
            tracing::warn!(key = %key, "discarding record with invalid key");
        }
    }

    fn apply_connector(&mut self, connector: &str, value: Option<&Value>) {
        if connector.is_empty() {
            tracing::warn!("discarding record with empty connector status key");
            return;
        }
        let Some(value) = value else {
            self.connectors.remove(connector);
            self.tasks.remove(connector);
            return;
        };
        match parse_status(value) {
            Ok(parsed) => {
                self.connectors.insert(
                    connector.to_string(),
                    ConnectorStatus {
                        connector: connector.to_string(),
                        state: parsed.state,
                        trace: parsed.trace,
                        worker_id: parsed.worker_id,
                        generation: parsed.generation,
                    },
                );
            }
            Err(err) => {
                tracing::error!(connector, error = %err, "failed to deserialize connector status")
            }
        }
    }

    fn apply_task(&mut self, connector: &str, task: u32, value: Option<&Value>) {
        let Some(value) = value else {
            if let Some(tasks) = self.tasks.get_mut(connector) {
                tasks.remove(&task);
                if tasks.is_empty() {
                    self.tasks.remove(connector);
                }
            }
            return;
        };
        let parsed = match parse_status(value) {
            Ok(parsed) => parsed,
            Err(err) => {
                tracing::warn!(connector, task, error = %err, "failed to parse task status");
                return;
            }
        };
        let tasks = self.tasks.entry(connector.to_string()).or_default();
        if parsed.state == State::Unassigned {
            if let Some(current) = tasks.get(&task) {
                if current.state == State::Running && current.generation >= parsed.generation {
                    tracing::trace!(connector, task, "ignoring stale UNASSIGNED status");
                    return;
                }
            }
        }
        tasks.insert(
            task,
            TaskStatus {
                connector: connector.to_string(),
                task,
                state: parsed.state,
                trace: parsed.trace,
                worker_id: parsed.worker_id,
                generation: parsed.generation,
            },
        );
    }

    fn apply_topic(&mut self, topic: &str, connector: &str, value: Option<&Value>) {
        let Some(value) = value else {
            if let Some(topics) = self.topics.get_mut(connector) {
                topics.remove(topic);
            }
            return;
        };
        match parse_topic_status(value) {
            Ok(status) => {
                self.topics
                    .entry(connector.to_string())
                    .or_default()
                    .insert(topic.to_string(), status);
            }
            Err(err) => {
                tracing::warn!(topic, connector, error = %err, "failed to parse topic status")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_broker::FakeBroker;

    fn task(connector: &str, task: u32, state: State, worker: &str, generation: i32) -> TaskStatus {
        TaskStatus {
            connector: connector.into(),
            task,
            state,
            trace: None,
            worker_id: worker.into(),
            generation,
        }
    }

    fn connector(name: &str, state: State, generation: i32) -> ConnectorStatus {
        ConnectorStatus {
            connector: name.into(),
            state,
            trace: None,
            worker_id: "w1:8083".into(),
            generation,
        }
    }

    async fn store(broker: &Arc<FakeBroker>) -> StatusStore {
        StatusStore::start(broker.clone(), &TopicSettings::new("status", 5))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn unassigned_does_not_override_running_of_same_or_newer_generation() {
        let broker = Arc::new(FakeBroker::default());
        let s = store(&broker).await;
        s.put_task(&task("c", 0, State::Running, "w1", 5))
            .await
            .unwrap();
        s.put_task(&task("c", 0, State::Unassigned, "w2", 5))
            .await
            .unwrap();
        assert_eq!(s.task("c", 0).unwrap().state, State::Running);
        s.put_task(&task("c", 0, State::Unassigned, "w2", 4))
            .await
            .unwrap();
        assert_eq!(s.task("c", 0).unwrap().state, State::Running);
        s.put_task(&task("c", 0, State::Unassigned, "w2", 6))
            .await
            .unwrap();
        assert_eq!(s.task("c", 0).unwrap().state, State::Unassigned);
        // Any other state always wins.
        s.put_task(&task("c", 0, State::Running, "w1", 6))
            .await
            .unwrap();
        s.put_task(&task("c", 0, State::Failed, "w2", 1))
            .await
            .unwrap();
        assert_eq!(s.task("c", 0).unwrap().state, State::Failed);
    }

    #[tokio::test]
    async fn keyed_writes_use_murmur2_partitions() {
        let broker = Arc::new(FakeBroker::default());
        let s = store(&broker).await;
        s.put_connector(&connector("inventory", State::Running, 1))
            .await
            .unwrap();
        let records = broker.all_records("status");
        assert_eq!(records.len(), 1);
        let (partition, key, _) = &records[0];
        assert_eq!(key, b"status-connector-inventory");
        let expected = crate::kafka::partitioner::partition_for_key(key, 5);
        assert_eq!(*partition as i32, expected);
    }

    #[tokio::test]
    async fn delete_connector_tombstones_tasks_topics_and_connector() {
        let broker = Arc::new(FakeBroker::default());
        let s = store(&broker).await;
        s.put_connector(&connector("c", State::Running, 1))
            .await
            .unwrap();
        s.put_task(&task("c", 0, State::Running, "w1", 1))
            .await
            .unwrap();
        s.put_task(&task("c", 1, State::Running, "w1", 1))
            .await
            .unwrap();
        s.put_topic(&TopicStatus {
            topic: "orders".into(),
            connector: "c".into(),
            task: 1,
            discover_timestamp: 42,
        })
        .await
        .unwrap();
        assert_eq!(s.topics("c").len(), 1);
        s.delete_connector("c").await.unwrap();
        assert_eq!(s.connector("c"), None);
        assert!(s.tasks("c").is_empty());
        assert!(s.topics("c").is_empty());

        let mut tombstones: Vec<String> = broker
            .all_records("status")
            .into_iter()
            .filter(|(_, _, value)| value.is_none())
            .map(|(_, key, _)| String::from_utf8(key).unwrap())
            .collect();
        tombstones.sort();
        assert_eq!(
            tombstones,
            vec![
                "status-connector-c",
                "status-task-c-0",
                "status-task-c-1",
                "status-topic-orders:connector-c"
            ]
        );
    }

    #[tokio::test]
    async fn connector_tombstone_from_another_worker_removes_its_tasks() {
        let broker = Arc::new(FakeBroker::default());
        let s = store(&broker).await;
        s.put_connector(&connector("c", State::Running, 1))
            .await
            .unwrap();
        s.put_task(&task("c", 0, State::Running, "w1", 1))
            .await
            .unwrap();
        let key = b"status-connector-c";
        let partition = crate::kafka::partitioner::partition_for_key(key, 5) as usize;
        broker.append("status", partition, key, None);
        s.refresh().await.unwrap();
        assert_eq!(s.connector("c"), None);
        assert!(s.tasks("c").is_empty());
    }

    #[tokio::test]
    async fn destroyed_is_a_tombstone_and_safe_writes_respect_generations() {
        let broker = Arc::new(FakeBroker::default());
        let s = store(&broker).await;
        s.put_task(&task("c", 0, State::Running, "w1", 5))
            .await
            .unwrap();
        assert!(!s
            .put_task_safe(&task("c", 0, State::Failed, "w2", 4))
            .await
            .unwrap());
        assert_eq!(s.task("c", 0).unwrap().state, State::Running);
        assert!(s
            .put_task_safe(&task("c", 0, State::Failed, "w1", 4))
            .await
            .unwrap());
        assert_eq!(s.task("c", 0).unwrap().state, State::Failed);
        s.put_task(&task("c", 0, State::Destroyed, "w1", 6))
            .await
            .unwrap();
        assert_eq!(s.task("c", 0), None);
        let last = broker.all_records("status").pop().unwrap();
        assert_eq!((last.1.as_slice(), last.2), (&b"status-task-c-0"[..], None));
    }

    #[tokio::test]
    async fn a_new_instance_reads_statuses_written_by_a_java_worker() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("status", 5, &[("cleanup.policy", "compact")]);
        let java: &[(&str, Option<&str>)] = &[
            (
                "status-connector-inventory",
                Some(
                    r#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":3}"#,
                ),
            ),
            (
                "status-task-inventory-0",
                Some(
                    r#"{"state":"FAILED","trace":"java.lang.RuntimeException: x\n\tat A.b(A.java:1)\n","worker_id":"10.0.0.5:8083","generation":3}"#,
                ),
            ),
            (
                "status-topic-dbserver1.inventory.customers:connector-inventory",
                Some(
                    r#"{"topic":{"name":"dbserver1.inventory.customers","connector":"inventory","task":0,"discoverTimestamp":1700000000000}}"#,
                ),
            ),
            (
                "status-task-inventory-1",
                Some(
                    r#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.6:8083","generation":3}"#,
                ),
            ),
            ("status-task-inventory-1", None),
        ];
        for (key, value) in java {
            let partition = crate::kafka::partitioner::partition_for_key(key.as_bytes(), 5);
            broker.append(
                "status",
                partition as usize,
                key.as_bytes(),
                value.map(str::as_bytes),
            );
        }
        let s = store(&broker).await;
        let c = s.connector("inventory").unwrap();
        assert_eq!(
            (c.state, c.generation, c.worker_id.as_str()),
            (State::Running, 3, "10.0.0.5:8083")
        );
        let tasks = s.tasks("inventory");
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].state, State::Failed);
        assert!(tasks[0]
            .trace
            .as_deref()
            .unwrap()
            .starts_with("java.lang.RuntimeException: x\n"));
        assert_eq!(
            s.topics("inventory"),
            vec![TopicStatus {
                topic: "dbserver1.inventory.customers".into(),
                connector: "inventory".into(),
                task: 0,
                discover_timestamp: 1700000000000,
            }]
        );
        assert_eq!(s.connectors(), vec!["inventory".to_string()]);
    }
}
