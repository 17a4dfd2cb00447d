//! Starting, reconfiguring and stopping connectors and their tasks.
//!
//! Every function here runs with the herder's connector mutex held, so they may assume no other
//! change is in progress. A connector that fails to start, or a task that cannot be built, is
//! marked FAILED with its trace; it never takes the worker down.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use strait_api::{ConfigMap, ConnectError, ConnectorContext, SourceConnector, SourceTaskContext};
use strait_rest::entities::{State, TargetState};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{ConnectorSlot, Connectors, Control, Inner, TaskHandle};
use crate::chain::TransformationChain;
use crate::storage::ConnectorOffsetReader;
use crate::worker::client_overrides::ProducerOverrides;
use crate::worker::connector_config::ConnectorConfig;
use crate::worker::converters;
use crate::worker::producer::TaskProducer;
use crate::worker::source_task::{SourceTaskRunner, TaskTarget};
use crate::worker::TaskId;

/// The context handed to a running connector.
struct HerderContext {
    name: String,
    control: mpsc::UnboundedSender<Control>,
}

impl ConnectorContext for HerderContext {
    fn request_task_reconfiguration(&self) {
        let _ = self.control.send(Control::Reconfigure(self.name.clone()));
    }
    fn raise_error(&self, error: ConnectError) {
        let _ = self
            .control
            .send(Control::ConnectorFailed(self.name.clone(), error.chain()));
    }
}

impl Inner {
    /// Brings a connector to its target state. `fresh` regenerates task configs even if tasks
    /// are already running (after a config change or at start).
    pub(super) async fn apply_target(&self, conns: &mut Connectors, name: &str, fresh: bool) {
        let Some(slot) = conns.map.get_mut(name) else {
            return;
        };
        match slot.stored.target {
            TargetState::Stopped => {
                self.stop_tasks(name, slot, true).await;
                stop_instance(name, slot).await;
                self.set_connector_status(name, State::Stopped, None).await;
            }
            target @ (TargetState::Started | TargetState::Paused) => {
                if slot.instance.is_none() {
                    if let Err(e) = self.start_instance(name, slot).await {
                        tracing::error!(connector = name, error = %e.chain(), "connector failed to start");
                        self.set_connector_status(name, State::Failed, Some(e.chain()))
                            .await;
                        return;
                    }
                }
                if fresh || slot.tasks.is_empty() {
                    match self.generate_tasks(name, slot).await {
                        Ok(_) => {
                            self.stop_tasks(name, slot, false).await;
                            self.start_tasks(name, slot, target).await;
                        }
                        Err(e) => {
                            tracing::error!(connector = name, error = %e.chain(), "connector failed to generate task configs");
                            self.set_connector_status(name, State::Failed, Some(e.chain()))
                                .await;
                            return;
                        }
                    }
                }
                let task_target = if target == TargetState::Paused {
                    TaskTarget::Paused
                } else {
                    TaskTarget::Running
                };
                for t in slot.tasks.values() {
                    let _ = t.target.send(task_target);
                }
                let state = if target == TargetState::Paused {
                    State::Paused
                } else {
                    State::Running
                };
                self.set_connector_status(name, state, None).await;
            }
        }
    }

    async fn start_instance(
        &self,
        name: &str,
        slot: &mut ConnectorSlot,
    ) -> Result<(), ConnectError> {
        let conn_cfg = ConnectorConfig::parse(&slot.stored.config)?;
        let (_, mut connector) = self.registry.source_connector(&conn_cfg.class)?;
        let ctx: Arc<dyn ConnectorContext> = Arc::new(HerderContext {
            name: name.to_string(),
            control: self.control.clone(),
        });
        connector.start(&slot.stored.config, ctx).await?;
        tracing::info!(connector = name, class = %conn_cfg.class, "connector started");
        slot.instance = Some(connector);
        Ok(())
    }

    /// Asks the connector for task configs and stores them when they changed.
    async fn generate_tasks(
        &self,
        name: &str,
        slot: &mut ConnectorSlot,
    ) -> Result<bool, ConnectError> {
        let conn_cfg = ConnectorConfig::parse(&slot.stored.config)?;
        let instance = slot
            .instance
            .as_mut()
            .ok_or_else(|| ConnectError::fatal("connector is not running"))?;
        let mut tasks = instance.task_configs(conn_cfg.tasks_max).await?;
        let task_class = task_class(instance.as_ref(), &self.registry, &conn_cfg.class);
        for t in &mut tasks {
            t.insert("task.class".to_string(), task_class.clone());
        }
        if conn_cfg.tasks_max_enforce && tasks.len() > conn_cfg.tasks_max {
            return Err(ConnectError::fatal(format!(
                "The connector {name} has generated {} tasks, which is greater than {}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option will be removed in a future release of Kafka Connect.",
                tasks.len(),
                conn_cfg.tasks_max
            )));
        }
        if tasks == slot.stored.tasks {
            return Ok(false);
        }
        self.configs.put_task_configs(name, &tasks).await?;
        slot.stored.tasks = tasks;
        Ok(true)
    }

    async fn start_tasks(&self, name: &str, slot: &mut ConnectorSlot, target: TargetState) {
        for (i, config) in slot.stored.tasks.clone().into_iter().enumerate() {
            self.start_task(name, slot, i as u32, config, target).await;
        }
    }

    async fn start_task(
        &self,
        name: &str,
        slot: &mut ConnectorSlot,
        task: u32,
        config: ConfigMap,
        target: TargetState,
    ) {
        let id = TaskId {
            connector: name.to_string(),
            task,
        };
        let instance = self.next_instance.fetch_add(1, Ordering::SeqCst);
        self.status_table()
            .tasks
            .insert(id.clone(), (instance, self.record(State::Unassigned, None)));
        let initial = if target == TargetState::Paused {
            TaskTarget::Paused
        } else {
            TaskTarget::Running
        };
        match self.build_task(name, slot, &id, instance, config, initial) {
            Ok(handle) => {
                slot.tasks.insert(task, handle);
            }
            Err(e) => {
                tracing::error!(task = %id, error = %e.chain(), "task failed to start");
                self.set_task_status(&id, instance, State::Failed, Some(e.chain()))
                    .await;
            }
        }
    }

    fn build_task(
        &self,
        name: &str,
        slot: &ConnectorSlot,
        id: &TaskId,
        instance: u64,
        task_config: ConfigMap,
        initial: TaskTarget,
    ) -> Result<TaskHandle, ConnectError> {
        let conn_cfg = ConnectorConfig::parse(&slot.stored.config)?;
        let converters = converters::build(&self.worker, &conn_cfg, &self.registry)?;
        let chain = TransformationChain::from_config(&slot.stored.config, &self.registry)?;
        let task = match &slot.instance {
            Some(c) => c.create_task(),
            None => self
                .registry
                .source_connector(&conn_cfg.class)?
                .1
                .create_task(),
        };
        let overrides =
            ProducerOverrides::parse(&slot.stored.config, self.worker.client_override_policy)?;
        let producer = TaskProducer::new(
            self.broker.clone(),
            conn_cfg.topic_creation.clone(),
            self.worker.topic_creation_enable,
            overrides
                .compression
                .unwrap_or(self.worker.producer.compression),
        );
        let cancel = CancellationToken::new();
        let (target_tx, target_rx) = watch::channel(initial);
        let offsets = Arc::new(ConnectorOffsetReader::new(self.offsets.clone(), name));
        let runner = SourceTaskRunner {
            id: id.clone(),
            instance,
            task,
            task_config,
            context: SourceTaskContext {
                connector: name.to_string(),
                task: id.task,
                offsets,
            },
            chain,
            converters,
            producer,
            offsets: self.offsets.clone(),
            policy: conn_cfg.errors.clone(),
            flush_interval: Duration::from_millis(self.worker.offset_flush_interval_ms),
            flush_timeout: Duration::from_millis(self.worker.offset_flush_timeout_ms.max(1)),
            graceful_timeout: Duration::from_millis(self.worker.task_shutdown_graceful_timeout_ms),
            target: target_rx,
            cancel: cancel.clone(),
            events: self.events.clone(),
        };
        Ok(TaskHandle {
            cancel,
            target: target_tx,
            join: runner.spawn(),
        })
    }

    /// Stops every task of a connector; `forget` also removes their statuses (the tasks no
    /// longer exist, as after stop or delete).
    pub(super) async fn stop_tasks(&self, name: &str, slot: &mut ConnectorSlot, forget: bool) {
        let tasks = std::mem::take(&mut slot.tasks);
        for t in tasks.values() {
            t.cancel.cancel();
        }
        for (task, t) in tasks {
            self.await_task(name, task, t).await;
            if forget {
                let id = TaskId {
                    connector: name.to_string(),
                    task,
                };
                self.status_table().tasks.remove(&id);
                if let Err(e) = self.statuses.remove_task(&id).await {
                    tracing::warn!(task = %id, error = %e.chain(), "failed to remove task status");
                }
            }
        }
        if forget {
            let stale: Vec<_> = self
                .status_table()
                .tasks
                .keys()
                .filter(|id| id.connector == name)
                .cloned()
                .collect();
            for id in stale {
                self.status_table().tasks.remove(&id);
                let _ = self.statuses.remove_task(&id).await;
            }
        }
    }

    async fn await_task(&self, name: &str, task: u32, mut t: TaskHandle) {
        let grace = Duration::from_millis(
            self.worker.task_shutdown_graceful_timeout_ms + self.worker.offset_flush_timeout_ms,
        );
        if tokio::time::timeout(grace, &mut t.join).await.is_err() {
            tracing::error!(
                connector = name,
                task,
                "graceful stop of task failed; aborting it"
            );
            t.join.abort();
        }
    }

    /// Stops one task and starts it again with its current config.
    pub(super) async fn restart_task(&self, conns: &mut Connectors, id: &TaskId) {
        let Some(slot) = conns.map.get_mut(&id.connector) else {
            return;
        };
        if let Some(t) = slot.tasks.remove(&id.task) {
            t.cancel.cancel();
            self.await_task(&id.connector, id.task, t).await;
        }
        if slot.stored.target == TargetState::Stopped {
            return;
        }
        let Some(config) = slot.stored.tasks.get(id.task as usize).cloned() else {
            return;
        };
        let target = slot.stored.target;
        self.start_task(&id.connector, slot, id.task, config, target)
            .await;
    }

    /// Restarts the connector instance; tasks are restarted only if their configs changed.
    pub(super) async fn restart_connector(&self, conns: &mut Connectors, name: &str) {
        let Some(slot) = conns.map.get_mut(name) else {
            return;
        };
        if slot.stored.target == TargetState::Stopped {
            return;
        }
        stop_instance(name, slot).await;
        self.set_connector_status(name, State::Restarting, None)
            .await;
        if let Err(e) = self.start_instance(name, slot).await {
            self.set_connector_status(name, State::Failed, Some(e.chain()))
                .await;
            return;
        }
        self.reconfigure(conns, name).await;
        if let Some(slot) = conns.map.get(name) {
            let state = if slot.stored.target == TargetState::Paused {
                State::Paused
            } else {
                State::Running
            };
            self.set_connector_status(name, state, None).await;
        }
    }

    /// Regenerates task configs and restarts the tasks when they changed.
    pub(super) async fn reconfigure(&self, conns: &mut Connectors, name: &str) {
        let Some(slot) = conns.map.get_mut(name) else {
            return;
        };
        if slot.instance.is_none() || slot.stored.target == TargetState::Stopped {
            return;
        }
        match self.generate_tasks(name, slot).await {
            Ok(changed) => {
                // Also (re)start when tasks are not all running, e.g. after a failed start.
                if changed || slot.tasks.len() != slot.stored.tasks.len() {
                    tracing::info!(
                        connector = name,
                        tasks = slot.stored.tasks.len(),
                        changed,
                        "starting tasks"
                    );
                    let target = slot.stored.target;
                    self.stop_tasks(name, slot, true).await;
                    self.start_tasks(name, slot, target).await;
                }
            }
            Err(e) => {
                self.set_connector_status(name, State::Failed, Some(e.chain()))
                    .await
            }
        }
    }

    /// Stops tasks and the connector instance, keeping the stored config.
    pub(super) async fn stop_all(&self, conns: &mut Connectors, name: &str) {
        if let Some(slot) = conns.map.get_mut(name) {
            self.stop_tasks(name, slot, false).await;
            stop_instance(name, slot).await;
        }
    }
}

async fn stop_instance(name: &str, slot: &mut ConnectorSlot) {
    if let Some(mut c) = slot.instance.take() {
        if let Err(e) = SourceConnector::stop(c.as_mut()).await {
            tracing::warn!(connector = name, error = %e.chain(), "connector did not stop cleanly");
        }
    }
}

/// The `task.class` Kafka writes into every task config.
fn task_class(
    connector: &dyn SourceConnector,
    registry: &strait_api::PluginRegistry,
    class: &str,
) -> String {
    if let Some(c) = connector.task_class() {
        return c.to_string();
    }
    let java = registry
        .find(&[strait_api::PluginKind::Source], class)
        .map_or(class, |d| d.class);
    match java.strip_suffix("Connector") {
        Some(stem) => format!("{stem}Task"),
        None => format!("{java}Task"),
    }
}
