//! The REST contract (`strait_rest::Herder`) over the worker herder, with Kafka's messages.

use std::collections::BTreeMap;

use async_trait::async_trait;
use strait_api::config::{ConfigInfos, ConfigKeyInfo};
use strait_api::{ConfigMap, OffsetMap, PluginFactory, PluginKind};
use strait_rest::entities::{
    ActiveTopicsInfo, ConnectorInfo, ConnectorOffset, ConnectorOffsets, ConnectorState,
    ConnectorStateInfo, ConnectorTaskId, ConnectorType, LoggerLevel, Message, PluginInfo,
    RestartRequest, ServerInfo, State, TargetState, TaskInfo, TaskState,
};
use strait_rest::herder::{Created, Herder};
use strait_rest::ApiError;

use super::persistence::StoredConnector;
use super::validation::{invalid_config_message, validate};
use super::{ConnectorSlot, WorkerHerder};
use crate::worker::connector_config::{common_def, validate_name};
use crate::worker::loggers::LoggerError;
use crate::worker::TaskId;

fn internal(e: strait_api::ConnectError) -> ApiError {
    ApiError::internal(e.chain())
}

fn connector_info(name: &str, stored: &StoredConnector) -> ConnectorInfo {
    ConnectorInfo {
        name: name.to_string(),
        config: stored.config.clone(),
        tasks: (0..stored.tasks.len() as u32)
            .map(|t| ConnectorTaskId::new(name, t))
            .collect(),
        connector_type: ConnectorType::Source,
    }
}

/// Kafka's 409 while a worker has no leader yet; Strait's equivalent is the time before the herder
/// has restored its state from the config topic.
const NOT_READY: &str = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";

const STOPPED_REQUIRED: &str = "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{connector}/stop' endpoint";

impl WorkerHerder {
    /// Creates or replaces a connector config (the body of `POST /connectors` and
    /// `PUT /connectors/{c}/config`, and standalone's command-line configs).
    ///
    /// # Errors
    /// Kafka's 400/409 errors; nothing is stored when the config is invalid.
    pub async fn put_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> Result<Created<ConnectorInfo>, ApiError> {
        validate_name(name).map_err(ApiError::bad_request)?;
        let infos = validate(
            &self.inner.registry,
            &config,
            self.inner.worker.client_override_policy,
        )
        .await?;
        if infos.error_count > 0 {
            return Err(ApiError::bad_request(invalid_config_message(&infos)));
        }
        let inner = &self.inner;
        let mut conns = inner.connectors.lock().await;
        let exists = conns.map.contains_key(name);
        if exists && !allow_replace {
            return Err(ApiError::connector_exists(name));
        }
        inner
            .configs
            .put_connector_config(name, &config, initial_state)
            .await
            .map_err(internal)?;
        if exists {
            inner.stop_all(&mut conns, name).await;
            if let Some(slot) = conns.map.get_mut(name) {
                slot.stored.config = config;
                if let Some(t) = initial_state {
                    slot.stored.target = t;
                }
            }
            tracing::info!(connector = name, "connector config updated");
        } else {
            let stored = StoredConnector {
                config,
                target: initial_state.unwrap_or(TargetState::Started),
                tasks: Vec::new(),
            };
            conns.map.insert(
                name.to_string(),
                ConnectorSlot {
                    stored,
                    instance: None,
                    tasks: BTreeMap::new(),
                },
            );
            inner
                .set_connector_status(name, State::Unassigned, None)
                .await;
            tracing::info!(connector = name, "connector created");
        }
        inner.apply_target(&mut conns, name, true).await;
        let slot = conns
            .map
            .get(name)
            .ok_or_else(|| ApiError::connector_not_found(name))?;
        Ok(Created {
            created: !exists,
            result: connector_info(name, &slot.stored),
        })
    }

    async fn set_target(
        &self,
        name: &str,
        target: TargetState,
        missing: ApiError,
    ) -> Result<(), ApiError> {
        let inner = &self.inner;
        let mut conns = inner.connectors.lock().await;
        let Some(slot) = conns.map.get(name) else {
            return Err(missing);
        };
        let previous = slot.stored.target;
        if target == TargetState::Stopped {
            inner
                .configs
                .put_task_configs(name, &[])
                .await
                .map_err(internal)?;
        }
        inner
            .configs
            .put_target_state(name, target)
            .await
            .map_err(internal)?;
        if let Some(slot) = conns.map.get_mut(name) {
            slot.stored.target = target;
            if target == TargetState::Stopped {
                slot.stored.tasks.clear();
            }
        }
        let fresh = previous == TargetState::Stopped && target != TargetState::Stopped;
        inner.apply_target(&mut conns, name, fresh).await;
        tracing::info!(
            connector = name,
            target = target.as_str(),
            "connector target state changed"
        );
        Ok(())
    }

    /// 409 for changes requested before the herder is ready.
    fn ensure_ready(&self) -> Result<(), ApiError> {
        if self.inner.ready.load(std::sync::atomic::Ordering::SeqCst) {
            Ok(())
        } else {
            Err(ApiError::conflict(NOT_READY))
        }
    }

    fn status_of(&self, name: &str) -> Option<ConnectorStateInfo> {
        let st = self.inner.status_table();
        let conn = st.connectors.get(name)?;
        let tasks = st
            .tasks
            .iter()
            .filter(|(id, _)| id.connector == name)
            .map(|(id, (_, r))| TaskState {
                id: id.task,
                state: r.state,
                worker_id: r.worker_id.clone(),
                trace: r.trace.clone(),
            })
            .collect();
        Some(ConnectorStateInfo {
            name: name.to_string(),
            connector: ConnectorState {
                state: conn.state,
                worker_id: conn.worker_id.clone(),
                trace: conn.trace.clone(),
            },
            tasks,
            connector_type: ConnectorType::Source,
        })
    }

    async fn ensure_stopped(&self, name: &str) -> Result<(), ApiError> {
        let conns = self.inner.connectors.lock().await;
        let slot = conns
            .map
            .get(name)
            .ok_or_else(|| ApiError::connector_not_found(name))?;
        if slot.stored.target != TargetState::Stopped || !slot.tasks.is_empty() {
            return Err(ApiError::bad_request(
                STOPPED_REQUIRED.replace("{connector}", name),
            ));
        }
        Ok(())
    }

    /// Calls the connector's `alter_offsets` hook with a fresh, unstarted instance.
    async fn connector_alter_hook(
        &self,
        name: &str,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> Result<bool, ApiError> {
        let config = self
            .inner
            .connectors
            .lock()
            .await
            .map
            .get(name)
            .map(|s| s.stored.config.clone());
        let config = config.ok_or_else(|| ApiError::connector_not_found(name))?;
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let (_, connector) = self
            .inner
            .registry
            .source_connector(&class)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        connector
            .alter_offsets(&config, offsets)
            .map_err(|e| ApiError::bad_request(e.to_string()))
    }
}

fn check_offset_map(what: &str, map: &OffsetMap) -> Result<(), ApiError> {
    for (k, v) in map {
        if v.is_object() || v.is_array() {
            return Err(ApiError::bad_request(format!(
                "Invalid {what}: the value of key \"{k}\" is not a primitive (null, boolean, number or string)"
            )));
        }
    }
    Ok(())
}

#[async_trait]
impl Herder for WorkerHerder {
    async fn server_info(&self) -> Result<ServerInfo, ApiError> {
        Ok(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: "strait".to_string(),
            kafka_cluster_id: None,
        })
    }

    async fn health_check(&self) -> Result<(), ApiError> {
        // Like Kafka's herder tick: answers once startup (restoring connectors) is done; the
        // router turns a wait past its limit into 503 "starting".
        while !self.is_ready() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    }

    fn is_ready(&self) -> bool {
        self.inner.ready.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn connectors(&self) -> Result<Vec<String>, ApiError> {
        Ok(self
            .inner
            .connectors
            .lock()
            .await
            .map
            .keys()
            .cloned()
            .collect())
    }

    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, ApiError> {
        let conns = self.inner.connectors.lock().await;
        let slot = conns
            .map
            .get(name)
            .ok_or_else(|| ApiError::connector_not_found(name))?;
        Ok(connector_info(name, &slot.stored))
    }

    async fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, ApiError> {
        self.status_of(name)
            .ok_or_else(|| ApiError::not_found(format!("No status found for connector {name}")))
    }

    async fn connector_config(&self, name: &str) -> Result<ConfigMap, ApiError> {
        let conns = self.inner.connectors.lock().await;
        conns
            .map
            .get(name)
            .map(|s| s.stored.config.clone())
            .ok_or_else(|| ApiError::connector_not_found(name))
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> Result<Created<ConnectorInfo>, ApiError> {
        self.ensure_ready()?;
        self.put_config(name, config, allow_replace, initial_state)
            .await
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo, ApiError> {
        self.ensure_ready()?;
        let mut config = self.connector_config(name).await?;
        for (k, v) in patch {
            match v {
                Some(v) => config.insert(k, v),
                None => config.remove(&k),
            };
        }
        Ok(self.put_config(name, config, true, None).await?.result)
    }

    async fn delete_connector(&self, name: &str) -> Result<(), ApiError> {
        self.ensure_ready()?;
        let inner = &self.inner;
        let mut conns = inner.connectors.lock().await;
        if !conns.map.contains_key(name) {
            return Err(ApiError::connector_not_found(name));
        }
        inner
            .configs
            .remove_connector(name)
            .await
            .map_err(internal)?;
        if let Some(slot) = conns.map.get_mut(name) {
            inner.stop_tasks(name, slot, true).await;
        }
        inner.stop_all(&mut conns, name).await;
        let slot = conns.map.remove(name);
        let tasks: Vec<u32> = slot
            .map(|s| (0..s.stored.tasks.len() as u32).collect())
            .unwrap_or_default();
        let topics: Vec<String> = {
            let mut st = inner.status_table();
            st.connectors.remove(name);
            st.tasks.retain(|id, _| id.connector != name);
            st.topics
                .remove(name)
                .map(|t| t.into_iter().collect())
                .unwrap_or_default()
        };
        if let Err(e) = inner.statuses.remove_connector(name, &tasks, &topics).await {
            tracing::warn!(connector = name, error = %e.chain(), "failed to remove statuses");
        }
        tracing::info!(connector = name, "connector deleted");
        Ok(())
    }

    async fn restart_connector(&self, name: &str) -> Result<(), ApiError> {
        self.ensure_ready()?;
        let mut conns = self.inner.connectors.lock().await;
        if !conns.map.contains_key(name) {
            return Err(ApiError::not_found(format!("Unknown connector: {name}")));
        }
        self.inner.restart_connector(&mut conns, name).await;
        Ok(())
    }

    async fn restart_connector_and_tasks(
        &self,
        request: RestartRequest,
    ) -> Result<ConnectorStateInfo, ApiError> {
        self.ensure_ready()?;
        let name = request.connector.clone();
        if !self.inner.connectors.lock().await.map.contains_key(&name) {
            return Err(ApiError::not_found(format!("Unknown connector: {name}")));
        }
        let mut status = self
            .status_of(&name)
            .ok_or_else(|| ApiError::not_found(format!("Status for connector {name} not found")))?;
        let restart_connector = request.should_restart_connector(status.connector.state);
        if restart_connector {
            status.connector.state = State::Restarting;
        }
        let mut tasks = Vec::new();
        for t in &mut status.tasks {
            if request.should_restart_task(t.state) {
                t.state = State::Restarting;
                tasks.push(t.id);
            }
        }
        let herder = self.clone();
        tokio::spawn(async move {
            let mut conns = herder.inner.connectors.lock().await;
            if restart_connector {
                herder.inner.restart_connector(&mut conns, &name).await;
            }
            for task in tasks {
                herder
                    .inner
                    .restart_task(
                        &mut conns,
                        &TaskId {
                            connector: name.clone(),
                            task,
                        },
                    )
                    .await;
            }
        });
        Ok(status)
    }

    async fn restart_task(&self, id: &ConnectorTaskId) -> Result<(), ApiError> {
        self.ensure_ready()?;
        let mut conns = self.inner.connectors.lock().await;
        let slot = conns
            .map
            .get(&id.connector)
            .ok_or_else(|| ApiError::not_found(format!("Unknown connector: {}", id.connector)))?;
        if id.task as usize >= slot.stored.tasks.len() {
            return Err(ApiError::not_found(format!(
                "Unknown task: {}-{}",
                id.connector, id.task
            )));
        }
        self.inner
            .restart_task(
                &mut conns,
                &TaskId {
                    connector: id.connector.clone(),
                    task: id.task,
                },
            )
            .await;
        Ok(())
    }

    async fn pause_connector(&self, name: &str) -> Result<(), ApiError> {
        self.ensure_ready()?;
        self.set_target(
            name,
            TargetState::Paused,
            ApiError::not_found(format!("Unknown connector {name}")),
        )
        .await
    }

    async fn resume_connector(&self, name: &str) -> Result<(), ApiError> {
        self.ensure_ready()?;
        self.set_target(
            name,
            TargetState::Started,
            ApiError::not_found(format!("Unknown connector {name}")),
        )
        .await
    }

    async fn stop_connector(&self, name: &str) -> Result<(), ApiError> {
        self.ensure_ready()?;
        self.set_target(
            name,
            TargetState::Stopped,
            ApiError::not_found(format!("Unknown connector {name}")),
        )
        .await
    }

    async fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, ApiError> {
        let conns = self.inner.connectors.lock().await;
        let slot = conns
            .map
            .get(name)
            .ok_or_else(|| ApiError::connector_not_found(name))?;
        Ok(slot
            .stored
            .tasks
            .iter()
            .enumerate()
            .map(|(i, c)| TaskInfo {
                id: ConnectorTaskId::new(name, i as u32),
                config: c.clone(),
            })
            .collect())
    }

    async fn task_status(&self, id: &ConnectorTaskId) -> Result<TaskState, ApiError> {
        let st = self.inner.status_table();
        let key = TaskId {
            connector: id.connector.clone(),
            task: id.task,
        };
        st.tasks
            .get(&key)
            .map(|(_, r)| TaskState {
                id: id.task,
                state: r.state,
                worker_id: r.worker_id.clone(),
                trace: r.trace.clone(),
            })
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "No status found for task {}-{}",
                    id.connector, id.task
                ))
            })
    }

    async fn active_topics(&self, name: &str) -> Result<ActiveTopicsInfo, ApiError> {
        if !self.inner.worker.topic_tracking_enable {
            return Err(ApiError::forbidden("Topic tracking is disabled."));
        }
        let topics = self
            .inner
            .status_table()
            .topics
            .get(name)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        Ok(ActiveTopicsInfo {
            connector: name.to_string(),
            topics,
        })
    }

    async fn reset_active_topics(&self, name: &str) -> Result<(), ApiError> {
        if !self.inner.worker.topic_tracking_enable {
            return Err(ApiError::forbidden("Topic tracking is disabled."));
        }
        if !self.inner.worker.topic_tracking_allow_reset {
            return Err(ApiError::forbidden("Topic tracking reset is disabled."));
        }
        let topics: Vec<String> = self
            .inner
            .status_table()
            .topics
            .remove(name)
            .map(|t| t.into_iter().collect())
            .unwrap_or_default();
        self.inner
            .statuses
            .reset_topics(name, &topics)
            .await
            .map_err(internal)
    }

    async fn connector_offsets(&self, name: &str) -> Result<ConnectorOffsets, ApiError> {
        if !self.inner.connectors.lock().await.map.contains_key(name) {
            return Err(ApiError::connector_not_found(name));
        }
        let entries = self
            .inner
            .offsets
            .connector_partitions(name)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(ConnectorOffsets {
            offsets: entries
                .into_iter()
                .map(|(partition, offset)| ConnectorOffset {
                    partition,
                    offset: Some(offset),
                })
                .collect(),
        })
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> Result<Message, ApiError> {
        self.ensure_ready()?;
        self.ensure_stopped(name).await?;
        let mut entries = Vec::with_capacity(offsets.offsets.len());
        for o in offsets.offsets {
            check_offset_map("partition", &o.partition)?;
            if let Some(off) = &o.offset {
                check_offset_map("offset", off)?;
            }
            entries.push((o.partition, o.offset));
        }
        let managed = self.connector_alter_hook(name, &entries).await?;
        self.inner
            .offsets
            .put(name, entries)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        tracing::info!(connector = name, "connector offsets altered");
        Ok(Message::new(if managed {
            "The offsets for this connector have been altered successfully"
        } else {
            "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."
        }))
    }

    async fn reset_connector_offsets(&self, name: &str) -> Result<Message, ApiError> {
        self.ensure_ready()?;
        self.ensure_stopped(name).await?;
        let existing = self
            .inner
            .offsets
            .connector_partitions(name)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let entries: Vec<(OffsetMap, Option<OffsetMap>)> =
            existing.into_iter().map(|(p, _)| (p, None)).collect();
        let managed = self.connector_alter_hook(name, &entries).await?;
        self.inner
            .offsets
            .put(name, entries)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        tracing::info!(connector = name, "connector offsets reset");
        Ok(Message::new(if managed {
            "The offsets for this connector have been reset successfully"
        } else {
            "The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses."
        }))
    }

    async fn plugins(&self) -> Result<Vec<PluginInfo>, ApiError> {
        let order = [
            PluginKind::Sink,
            PluginKind::Source,
            PluginKind::Transformation,
            PluginKind::Predicate,
            PluginKind::Converter,
            PluginKind::HeaderConverter,
        ];
        let reg = &self.inner.registry;
        Ok(order
            .iter()
            .flat_map(|k| {
                reg.of_kind(*k)
                    .map(|p| PluginInfo::new(p.class, p.kind(), p.version))
            })
            .collect())
    }

    async fn plugin_config(&self, plugin: &str) -> Result<Vec<ConfigKeyInfo>, ApiError> {
        let all = [
            PluginKind::Source,
            PluginKind::Transformation,
            PluginKind::Predicate,
            PluginKind::Converter,
            PluginKind::HeaderConverter,
        ];
        let desc = self
            .inner
            .registry
            .find(&all, plugin)
            .ok_or_else(|| ApiError::not_found(format!("Unknown plugin {plugin}.")))?;
        let def = match desc.factory {
            PluginFactory::Source(f) => f().config_def().merge(&common_def()),
            PluginFactory::Transformation(f) => f().config_def(),
            PluginFactory::Predicate(f) => f().config_def(),
            PluginFactory::Converter(f) => f().config_def(),
            PluginFactory::HeaderConverter(f) => f().config_def(),
        };
        Ok(def.keys().iter().map(ConfigKeyInfo::from).collect())
    }

    async fn validate_connector_config(
        &self,
        _plugin: &str,
        config: ConfigMap,
    ) -> Result<ConfigInfos, ApiError> {
        validate(
            &self.inner.registry,
            &config,
            self.inner.worker.client_override_policy,
        )
        .await
    }

    async fn loggers(&self) -> Result<BTreeMap<String, LoggerLevel>, ApiError> {
        Ok(self
            .inner
            .loggers
            .loggers()
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    LoggerLevel {
                        level: v.level,
                        last_modified: v.last_modified,
                    },
                )
            })
            .collect())
    }

    async fn logger(&self, name: &str) -> Result<Option<LoggerLevel>, ApiError> {
        Ok(self.inner.loggers.logger(name).ok().map(|v| LoggerLevel {
            level: v.level,
            last_modified: v.last_modified,
        }))
    }

    async fn set_worker_logger_level(
        &self,
        name: &str,
        level: &str,
    ) -> Result<Vec<String>, ApiError> {
        self.inner
            .loggers
            .set_level(name, level)
            .map_err(|e| match e {
                LoggerError::InvalidLevel(_) => ApiError::not_found(e.to_string()),
                LoggerError::NotFound(_) => ApiError::not_found(e.to_string()),
                LoggerError::Apply(_) => ApiError::internal(e.to_string()),
            })
    }

    async fn set_cluster_logger_level(&self, name: &str, level: &str) -> Result<(), ApiError> {
        // A single-worker cluster: cluster scope is this worker.
        self.set_worker_logger_level(name, level).await.map(|_| ())
    }
}
