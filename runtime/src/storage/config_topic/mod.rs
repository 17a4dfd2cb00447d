//! Connector and task configurations in the config topic (Kafka's `KafkaConfigBackingStore`).
//!
//! The config topic has one partition so that it is a totally ordered write-ahead log. Every
//! write here is produced, acknowledged and then read back before it returns, so the next
//! [`ConfigStore::snapshot`] reflects it, and records other workers wrote in between are applied
//! in log order. The write order per operation is Kafka's:
//! - create/update: `target-state-<c>` (only with an initial state), then `connector-<c>`;
//! - delete: tombstones for `connector-<c>` and `target-state-<c>`;
//! - task configs: read to end, every `task-<c>-<n>`, read to end, `commit-<c>`, read to end.
//!
//! [`records`] holds the exact bytes, [`state`] the replay rules.

mod records;
mod state;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use strait_api::ConfigMap;

pub use records::{RestartRequest, TargetState};
pub use state::{ConfigSnapshot, ConnectorConfigState};

use self::records::{
    commit_key, commit_value, connector_key, properties_value, restart_key, restart_value,
    target_state_key, target_state_value, task_key,
};
use self::state::ConfigState;
use super::log::{KafkaLog, KeyedRecord, TopicRole, TopicSettings};
use super::StorageError;
use crate::kafka::Broker;

/// Kafka's `READ_WRITE_TOTAL_TIMEOUT_MS`: how long a config write may take, read-back included.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The config topic: connector configs, task configs, target states and restart requests.
pub struct ConfigStore {
    log: KafkaLog,
    state: Mutex<ConfigState>,
    /// Serializes this worker's writes so a task-config sequence is never interleaved with
    /// another of our own writes for the same connector.
    write: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ConfigStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigStore")
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

impl ConfigStore {
    /// Creates (or checks) the topic and reads it to the end.
    ///
    /// Fails when an existing topic has more than one partition or a non-compact cleanup policy.
    pub async fn start(
        broker: Arc<dyn Broker>,
        topic: &TopicSettings,
    ) -> Result<Self, StorageError> {
        let mut settings = topic.clone();
        settings.partitions = 1;
        let log = KafkaLog::open(broker, &settings, TopicRole::Config).await?;
        if log.partitions() > 1 {
            return Err(StorageError::TopicConfig {
                topic: log.topic().to_string(),
                worker_key: TopicRole::Config.worker_key(),
                message: format!(
                    "is required to have a single partition in order to guarantee consistency \
                     of connector configurations, but found {} partitions.",
                    log.partitions()
                ),
            });
        }
        let store = Self {
            state: Mutex::new(ConfigState::new(log.topic())),
            log,
            write: tokio::sync::Mutex::new(()),
        };
        store.refresh().await?;
        store.state().mark_started();
        tracing::info!(topic = store.log.topic(), "config store started");
        Ok(store)
    }

    /// Reads records written since the last read (by any worker).
    pub async fn refresh(&self) -> Result<(), StorageError> {
        self.log
            .read_to_end(|records| {
                let mut state = self.state();
                for record in &records {
                    state.apply(record);
                }
            })
            .await
    }

    /// The configuration of every connector as of the last read.
    pub fn snapshot(&self) -> ConfigSnapshot {
        self.state().snapshot()
    }

    /// Restart requests read since start-up and not yet taken, oldest first. The leader acts on
    /// them, as Kafka's `onRestartRequest` listener does.
    pub fn take_restart_requests(&self) -> Vec<RestartRequest> {
        self.state().take_restart_requests()
    }

    /// Writes a connector's configuration, preceded by its target state when one is given.
    pub async fn put_connector_config(
        &self,
        name: &str,
        config: &ConfigMap,
        initial_target: Option<TargetState>,
    ) -> Result<(), StorageError> {
        let mut records = Vec::with_capacity(2);
        if let Some(state) = initial_target {
            records.push(record(
                target_state_key(name),
                Some(target_state_value(state)),
            ));
        }
        records.push(record(connector_key(name), Some(properties_value(config))));
        self.write("writing a connector configuration", records)
            .await
    }

    /// Deletes a connector: tombstones for its configuration and target state.
    pub async fn remove_connector(&self, name: &str) -> Result<(), StorageError> {
        let records = vec![
            record(connector_key(name), None),
            record(target_state_key(name), None),
        ];
        self.write("removing a connector configuration", records)
            .await
    }

    /// Writes a connector's task configurations and the commit that applies them.
    pub async fn put_task_configs(
        &self,
        name: &str,
        tasks: &[ConfigMap],
    ) -> Result<(), StorageError> {
        let count = u32::try_from(tasks.len()).unwrap_or(u32::MAX);
        let _write = self.write.lock().await;
        self.bounded("writing task configurations", async {
            self.refresh().await?;
            let records = tasks
                .iter()
                .zip(0u32..)
                .map(|(config, id)| record(task_key(name, id), Some(properties_value(config))))
                .collect::<Vec<_>>();
            if !records.is_empty() {
                self.log.send(0, records).await?;
                self.refresh().await?;
            }
            let commit = vec![record(commit_key(name), Some(commit_value(count)))];
            self.log.send(0, commit).await?;
            self.refresh().await
        })
        .await
    }

    /// Writes a target state (STOPPED is also written as PAUSED for older workers).
    pub async fn put_target_state(
        &self,
        name: &str,
        state: TargetState,
    ) -> Result<(), StorageError> {
        let records = vec![record(
            target_state_key(name),
            Some(target_state_value(state)),
        )];
        self.write("writing a target state", records).await
    }

    /// Writes a KIP-745 restart request for the leader to act on.
    pub async fn put_restart_request(&self, request: &RestartRequest) -> Result<(), StorageError> {
        let records = vec![record(
            restart_key(&request.connector),
            Some(restart_value(request)),
        )];
        self.write("writing a restart request", records).await
    }

    /// Produces `records` in order, then reads the topic to the end.
    async fn write(
        &self,
        operation: &'static str,
        records: Vec<KeyedRecord>,
    ) -> Result<(), StorageError> {
        let _write = self.write.lock().await;
        self.bounded(operation, async {
            self.log.send(0, records).await?;
            self.refresh().await
        })
        .await
    }

    async fn bounded(
        &self,
        operation: &'static str,
        work: impl std::future::Future<Output = Result<(), StorageError>>,
    ) -> Result<(), StorageError> {
        match tokio::time::timeout(WRITE_TIMEOUT, work).await {
            Ok(result) => result,
            Err(_) => Err(StorageError::Timeout {
                topic: self.log.topic().to_string(),
                operation,
                seconds: WRITE_TIMEOUT.as_secs(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, ConfigState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn record(key: String, value: Option<Vec<u8>>) -> KeyedRecord {
    (key.into_bytes(), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_broker::FakeBroker;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn text(records: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<(String, Option<String>)> {
        records
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8(k.clone()).unwrap(),
                    v.as_ref().map(|v| String::from_utf8(v.clone()).unwrap()),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn writes_records_in_kafka_order_with_exact_bytes() {
        let broker = Arc::new(FakeBroker::default());
        let store = ConfigStore::start(broker.clone(), &TopicSettings::new("cfg", 1))
            .await
            .unwrap();
        let c = config(&[("name", "c"), ("connector.class", "x")]);
        store
            .put_connector_config("c", &c, Some(TargetState::Stopped))
            .await
            .unwrap();
        store
            .put_task_configs(
                "c",
                &[config(&[("task.id", "0")]), config(&[("task.id", "1")])],
            )
            .await
            .unwrap();
        store
            .put_target_state("c", TargetState::Paused)
            .await
            .unwrap();
        store
            .put_restart_request(&RestartRequest {
                connector: "c".into(),
                only_failed: false,
                include_tasks: true,
            })
            .await
            .unwrap();
        store.remove_connector("c").await.unwrap();

        let expected: Vec<(String, Option<String>)> = vec![
            (
                "target-state-c",
                Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
            ),
            (
                "connector-c",
                Some(r#"{"properties":{"connector.class":"x","name":"c"}}"#),
            ),
            ("task-c-0", Some(r#"{"properties":{"task.id":"0"}}"#)),
            ("task-c-1", Some(r#"{"properties":{"task.id":"1"}}"#)),
            ("commit-c", Some(r#"{"tasks":2}"#)),
            (
                "target-state-c",
                Some(r#"{"state":"PAUSED","state.v2":"PAUSED"}"#),
            ),
            (
                "restart-connector-c",
                Some(r#"{"include-tasks":true,"only-failed":false}"#),
            ),
            ("connector-c", None),
            ("target-state-c", None),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
        assert_eq!(text(&broker.records("cfg", 0)), expected);
        assert_eq!(
            store.take_restart_requests(),
            vec![RestartRequest {
                connector: "c".into(),
                only_failed: false,
                include_tasks: true
            }]
        );
        assert_eq!(store.snapshot().offset, 9);
    }

    #[tokio::test]
    async fn each_write_is_visible_in_the_next_snapshot() {
        let broker = Arc::new(FakeBroker::default());
        let store = ConfigStore::start(broker, &TopicSettings::new("cfg", 1))
            .await
            .unwrap();
        let c = config(&[("name", "c")]);
        store.put_connector_config("c", &c, None).await.unwrap();
        let snap = store.snapshot();
        assert_eq!(snap.connectors["c"].config, c);
        assert_eq!(snap.connectors["c"].target_state, TargetState::Started);

        store
            .put_task_configs("c", &[config(&[("t", "0")])])
            .await
            .unwrap();
        assert_eq!(
            store.snapshot().connectors["c"].tasks,
            vec![config(&[("t", "0")])]
        );

        store.put_task_configs("c", &[]).await.unwrap();
        let snap = store.snapshot();
        assert!(snap.connectors["c"].tasks.is_empty());
        assert!(!snap.connectors["c"].inconsistent);

        store
            .put_target_state("c", TargetState::Paused)
            .await
            .unwrap();
        assert_eq!(
            store.snapshot().connectors["c"].target_state,
            TargetState::Paused
        );
        store.remove_connector("c").await.unwrap();
        assert!(store.snapshot().connectors.is_empty());
    }

    #[tokio::test]
    async fn a_new_instance_replays_records_written_by_a_java_worker() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("cfg", 1, &[("cleanup.policy", "compact")]);
        let java: &[(&str, Option<&str>)] = &[
            (
                "connector-inventory",
                Some(
                    r#"{"properties":{"connector.class":"io.debezium.connector.mysql.MySqlConnector","tasks.max":"1","name":"inventory"}}"#,
                ),
            ),
            (
                "task-inventory-0",
                Some(
                    r#"{"properties":{"connector.class":"io.debezium.connector.mysql.MySqlConnector","task.class":"io.debezium.connector.mysql.MySqlConnectorTask","name":"inventory"}}"#,
                ),
            ),
            ("commit-inventory", Some(r#"{"tasks":1}"#)),
            (
                "target-state-inventory",
                Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
            ),
            (
                "session-key",
                Some(
                    r#"{"key":"c2VjcmV0","algorithm":"HmacSHA256","creation-timestamp":1700000000000}"#,
                ),
            ),
        ];
        for (key, value) in java {
            broker.append("cfg", 0, key.as_bytes(), value.map(str::as_bytes));
        }
        let store = ConfigStore::start(broker, &TopicSettings::new("cfg", 1))
            .await
            .unwrap();
        let snap = store.snapshot();
        let c = &snap.connectors["inventory"];
        assert_eq!(c.config["tasks.max"], "1");
        assert_eq!(c.target_state, TargetState::Stopped);
        assert_eq!(c.tasks.len(), 1);
        assert_eq!(
            c.tasks[0]["task.class"],
            "io.debezium.connector.mysql.MySqlConnectorTask"
        );
        assert_eq!(snap.offset, 5);
    }

    #[tokio::test]
    async fn a_multi_partition_config_topic_is_rejected() {
        let broker = Arc::new(FakeBroker::default());
        broker.add_topic("cfg", 3, &[("cleanup.policy", "compact")]);
        let err = ConfigStore::start(broker, &TopicSettings::new("cfg", 1))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StorageError::TopicConfig {
                    worker_key: "config.storage.topic",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
