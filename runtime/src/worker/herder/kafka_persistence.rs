//! Distributed mode's persistence: the herder's writes go to the Kafka config and status topics
//! (through [`crate::storage`]), in Kafka Connect's formats, so a restarted worker — or a Java
//! worker pointed at the same topics — finds the same connectors, target states and statuses.

use std::collections::BTreeMap;

use async_trait::async_trait;
use strait_api::{ConfigMap, ConnectError};
use strait_rest::entities::{State, TargetState};

use super::persistence::{ConfigPersistence, StatusPersistence, StatusRecord, StoredConnector};
use crate::storage::{self, ConfigStore, ConnectorStatus, StatusStore, TaskStatus, TopicStatus};
use crate::worker::TaskId;

fn to_store(t: TargetState) -> storage::TargetState {
    match t {
        TargetState::Started => storage::TargetState::Started,
        TargetState::Paused => storage::TargetState::Paused,
        TargetState::Stopped => storage::TargetState::Stopped,
    }
}

fn from_store(t: storage::TargetState) -> TargetState {
    match t {
        storage::TargetState::Started => TargetState::Started,
        storage::TargetState::Paused => TargetState::Paused,
        storage::TargetState::Stopped => TargetState::Stopped,
    }
}

fn state(s: State) -> storage::State {
    match s {
        State::Unassigned => storage::State::Unassigned,
        State::Running => storage::State::Running,
        State::Paused => storage::State::Paused,
        State::Failed => storage::State::Failed,
        State::Restarting => storage::State::Restarting,
        State::Stopped => storage::State::Stopped,
        State::Destroyed => storage::State::Destroyed,
    }
}

#[async_trait]
impl ConfigPersistence for ConfigStore {
    async fn load(&self) -> Result<BTreeMap<String, StoredConnector>, ConnectError> {
        self.refresh().await?;
        Ok(self
            .snapshot()
            .connectors
            .into_iter()
            .map(|(name, c)| {
                (
                    name,
                    StoredConnector {
                        config: c.config,
                        target: from_store(c.target_state),
                        tasks: c.tasks,
                    },
                )
            })
            .collect())
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: &ConfigMap,
        initial: Option<TargetState>,
    ) -> Result<(), ConnectError> {
        Ok(ConfigStore::put_connector_config(self, name, config, initial.map(to_store)).await?)
    }

    async fn remove_connector(&self, name: &str) -> Result<(), ConnectError> {
        Ok(ConfigStore::remove_connector(self, name).await?)
    }

    async fn put_task_configs(&self, name: &str, tasks: &[ConfigMap]) -> Result<(), ConnectError> {
        Ok(ConfigStore::put_task_configs(self, name, tasks).await?)
    }

    async fn put_target_state(&self, name: &str, target: TargetState) -> Result<(), ConnectError> {
        Ok(ConfigStore::put_target_state(self, name, to_store(target)).await?)
    }
}

#[async_trait]
impl StatusPersistence for StatusStore {
    async fn put_connector(&self, name: &str, s: &StatusRecord) -> Result<(), ConnectError> {
        let status = ConnectorStatus {
            connector: name.to_string(),
            state: state(s.state),
            trace: s.trace.clone(),
            worker_id: s.worker_id.clone(),
            generation: 0,
        };
        Ok(StatusStore::put_connector(self, &status).await?)
    }

    async fn put_task(&self, id: &TaskId, s: &StatusRecord) -> Result<(), ConnectError> {
        let status = TaskStatus {
            connector: id.connector.clone(),
            task: id.task,
            state: state(s.state),
            trace: s.trace.clone(),
            worker_id: s.worker_id.clone(),
            generation: 0,
        };
        Ok(StatusStore::put_task(self, &status).await?)
    }

    async fn remove_connector(
        &self,
        name: &str,
        _tasks: &[u32],
        _topics: &[String],
    ) -> Result<(), ConnectError> {
        Ok(StatusStore::delete_connector(self, name).await?)
    }

    async fn remove_task(&self, id: &TaskId) -> Result<(), ConnectError> {
        let status = TaskStatus {
            connector: id.connector.clone(),
            task: id.task,
            state: storage::State::Destroyed,
            trace: None,
            worker_id: String::new(),
            generation: 0,
        };
        Ok(StatusStore::put_task(self, &status).await?)
    }

    async fn put_topic(&self, connector: &str, topic: &str, task: u32) -> Result<(), ConnectError> {
        let status = TopicStatus {
            topic: topic.to_string(),
            connector: connector.to_string(),
            task,
            discover_timestamp: chrono::Utc::now().timestamp_millis(),
        };
        Ok(StatusStore::put_topic(self, &status).await?)
    }

    async fn reset_topics(&self, connector: &str, topics: &[String]) -> Result<(), ConnectError> {
        for t in topics {
            StatusStore::delete_topic(self, connector, t).await?;
        }
        Ok(())
    }

    async fn load_topics(&self) -> Result<BTreeMap<String, Vec<String>>, ConnectError> {
        self.refresh().await?;
        Ok(self
            .connectors()
            .into_iter()
            .map(|c| {
                let topics = self.topics(&c).into_iter().map(|t| t.topic).collect();
                (c, topics)
            })
            .collect())
    }
}
