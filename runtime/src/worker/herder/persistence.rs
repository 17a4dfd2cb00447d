//! Where the herder persists connector configs and statuses.
//!
//! The herder keeps its own in-memory view and writes through these traits. In distributed
//! mode they are the Kafka config and status topics (so a restarted worker restores its
//! connectors and a Java worker can read them); in standalone mode configs and statuses live only
//! in memory, exactly as Kafka's standalone worker keeps them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use strait_api::{ConfigMap, ConnectError};
use strait_rest::entities::{State, TargetState};

use crate::worker::TaskId;

/// A connector as stored: its config, target state and committed task configs.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredConnector {
    pub config: ConfigMap,
    pub target: TargetState,
    pub tasks: Vec<ConfigMap>,
}

/// Durable connector configs.
#[async_trait]
pub trait ConfigPersistence: Send + Sync {
    /// Every stored connector.
    async fn load(&self) -> Result<BTreeMap<String, StoredConnector>, ConnectError>;
    /// Writes a connector config (preceded by its target state when `initial` is given).
    async fn put_connector_config(
        &self,
        name: &str,
        config: &ConfigMap,
        initial: Option<TargetState>,
    ) -> Result<(), ConnectError>;
    /// Deletes a connector (config and target state).
    async fn remove_connector(&self, name: &str) -> Result<(), ConnectError>;
    /// Replaces a connector's task configs.
    async fn put_task_configs(&self, name: &str, tasks: &[ConfigMap]) -> Result<(), ConnectError>;
    /// Writes a target state.
    async fn put_target_state(&self, name: &str, state: TargetState) -> Result<(), ConnectError>;
}

/// A status as written to the status topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRecord {
    pub state: State,
    pub trace: Option<String>,
    pub worker_id: String,
}

/// Durable statuses (write-through; the herder reads its own memory).
#[async_trait]
pub trait StatusPersistence: Send + Sync {
    async fn put_connector(&self, name: &str, status: &StatusRecord) -> Result<(), ConnectError>;
    async fn put_task(&self, id: &TaskId, status: &StatusRecord) -> Result<(), ConnectError>;
    /// Tombstones for a deleted connector, its tasks and its topics.
    async fn remove_connector(
        &self,
        name: &str,
        tasks: &[u32],
        topics: &[String],
    ) -> Result<(), ConnectError>;
    /// Removes one task's status (the task no longer exists).
    async fn remove_task(&self, id: &TaskId) -> Result<(), ConnectError>;
    /// Records that a connector's task wrote to a topic.
    async fn put_topic(&self, connector: &str, topic: &str, task: u32) -> Result<(), ConnectError>;
    /// Forgets a connector's topics.
    async fn reset_topics(&self, connector: &str, topics: &[String]) -> Result<(), ConnectError>;
    /// The active topics recorded for every connector (restored at start).
    async fn load_topics(&self) -> Result<BTreeMap<String, Vec<String>>, ConnectError>;
}

/// Standalone mode: nothing outlives the process but the offsets file.
#[derive(Debug, Default)]
pub struct InMemory;

#[async_trait]
impl ConfigPersistence for InMemory {
    async fn load(&self) -> Result<BTreeMap<String, StoredConnector>, ConnectError> {
        Ok(BTreeMap::new())
    }
    async fn put_connector_config(
        &self,
        _: &str,
        _: &ConfigMap,
        _: Option<TargetState>,
    ) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn remove_connector(&self, _: &str) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn put_task_configs(&self, _: &str, _: &[ConfigMap]) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn put_target_state(&self, _: &str, _: TargetState) -> Result<(), ConnectError> {
        Ok(())
    }
}

#[async_trait]
impl StatusPersistence for InMemory {
    async fn put_connector(&self, _: &str, _: &StatusRecord) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn put_task(&self, _: &TaskId, _: &StatusRecord) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn remove_connector(&self, _: &str, _: &[u32], _: &[String]) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn remove_task(&self, _: &TaskId) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn put_topic(&self, _: &str, _: &str, _: u32) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn reset_topics(&self, _: &str, _: &[String]) -> Result<(), ConnectError> {
        Ok(())
    }
    async fn load_topics(&self) -> Result<BTreeMap<String, Vec<String>>, ConnectError> {
        Ok(BTreeMap::new())
    }
}
