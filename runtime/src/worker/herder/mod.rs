//! The herder: every connector and task of this worker, and the REST contract over them.
//!
//! Kafka's herder runs one thread that applies config changes in order; here one async mutex
//! over [`Connectors`] plays that role, so REST calls, restarts and reconfigurations never
//! interleave. The herder's in-memory view is the source of truth for answers; every change is
//! written through [`persistence`] first (the config and status topics in distributed mode) and
//! only then applied, so a failed write leaves both the stored state and the running state as
//! they were.
//!
//! Task lifecycle events arrive on a channel and update the status table in the order tasks
//! report them; each task run has an instance number so a late "stopped" from an old run never
//! overwrites the state of its replacement.
//!
//! Limitation (documented in `docs/worker.md`): a distributed worker does not yet join a group
//! with other workers; it runs every connector in the config topic itself.

mod kafka_persistence;
mod lifecycle;
pub mod persistence;
mod rest;
pub mod validation;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use strait_api::{ConfigMap, PluginRegistry, SourceConnector};
use strait_rest::entities::State;
use tokio::sync::{mpsc, watch, Mutex};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::persistence::{ConfigPersistence, StatusPersistence, StatusRecord, StoredConnector};
use super::config::WorkerConfig;
use super::loggers::LogLevels;
use super::source_task::{TaskEvent, TaskEventKind, TaskTarget};
use super::TaskId;
use crate::kafka::Broker;
use crate::storage::OffsetStore;

/// What the herder is built from.
pub struct HerderParts {
    pub worker: WorkerConfig,
    pub registry: Arc<PluginRegistry>,
    pub broker: Arc<dyn Broker>,
    pub configs: Arc<dyn ConfigPersistence>,
    pub statuses: Arc<dyn StatusPersistence>,
    pub offsets: Arc<dyn OffsetStore>,
    pub loggers: Arc<dyn LogLevels>,
}

/// A running task.
struct TaskHandle {
    cancel: CancellationToken,
    target: watch::Sender<TaskTarget>,
    join: JoinHandle<()>,
}

/// One connector: what is stored and what runs.
struct ConnectorSlot {
    stored: StoredConnector,
    instance: Option<Box<dyn SourceConnector>>,
    tasks: BTreeMap<u32, TaskHandle>,
}

/// Every connector of this worker, guarded by the herder's mutex.
#[derive(Default)]
struct Connectors {
    map: BTreeMap<String, ConnectorSlot>,
}

/// Statuses as the REST API reports them.
#[derive(Default)]
struct StatusTable {
    connectors: BTreeMap<String, StatusRecord>,
    tasks: BTreeMap<TaskId, (u64, StatusRecord)>,
    topics: BTreeMap<String, BTreeSet<String>>,
}

/// Requests a connector makes of the herder through its context.
enum Control {
    Reconfigure(String),
    ConnectorFailed(String, String),
}

struct Inner {
    worker: WorkerConfig,
    registry: Arc<PluginRegistry>,
    broker: Arc<dyn Broker>,
    configs: Arc<dyn ConfigPersistence>,
    statuses: Arc<dyn StatusPersistence>,
    offsets: Arc<dyn OffsetStore>,
    loggers: Arc<dyn LogLevels>,
    connectors: Mutex<Connectors>,
    status: std::sync::Mutex<StatusTable>,
    events: mpsc::UnboundedSender<TaskEvent>,
    control: mpsc::UnboundedSender<Control>,
    ready: AtomicBool,
    next_instance: AtomicU64,
}

/// The worker's herder; cheap to clone.
#[derive(Clone)]
pub struct WorkerHerder {
    inner: Arc<Inner>,
}

impl WorkerHerder {
    /// Builds the herder and starts its event loop; call [`WorkerHerder::start`] next.
    pub fn new(parts: HerderParts) -> Self {
        let (events, events_rx) = mpsc::unbounded_channel();
        let (control, control_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            worker: parts.worker,
            registry: parts.registry,
            broker: parts.broker,
            configs: parts.configs,
            statuses: parts.statuses,
            offsets: parts.offsets,
            loggers: parts.loggers,
            connectors: Mutex::new(Connectors::default()),
            status: std::sync::Mutex::new(StatusTable::default()),
            events,
            control,
            ready: AtomicBool::new(false),
            next_instance: AtomicU64::new(1),
        });
        tokio::spawn(event_loop(Arc::downgrade(&inner), events_rx, control_rx));
        Self { inner }
    }

    /// Restores stored connectors and adds the given ones (standalone's command-line configs),
    /// then starts everything according to its target state.
    ///
    /// # Errors
    /// When the stored state cannot be read or a command-line config is invalid.
    pub async fn start(&self, initial: Vec<ConfigMap>) -> Result<(), strait_rest::ApiError> {
        let stored = self
            .inner
            .configs
            .load()
            .await
            .map_err(|e| strait_rest::ApiError::internal(e.chain()))?;
        let topics = self.inner.statuses.load_topics().await.unwrap_or_default();
        {
            let mut st = self.inner.status_table();
            for (c, ts) in topics {
                st.topics.insert(c, ts.into_iter().collect());
            }
        }
        {
            let mut conns = self.inner.connectors.lock().await;
            for (name, s) in stored {
                tracing::info!(connector = %name, target = s.target.as_str(), "restoring connector");
                conns.map.insert(
                    name.clone(),
                    ConnectorSlot {
                        stored: s,
                        instance: None,
                        tasks: BTreeMap::new(),
                    },
                );
                self.inner.apply_target(&mut conns, &name, true).await;
            }
        }
        for config in initial {
            let name = config.get("name").cloned().unwrap_or_default();
            self.put_config(&name, config, true, None).await?;
        }
        self.inner.ready.store(true, Ordering::SeqCst);
        tracing::info!("herder started");
        Ok(())
    }

    /// Stops every task and connector gracefully.
    pub async fn shutdown(&self) {
        let mut conns = self.inner.connectors.lock().await;
        let names: Vec<String> = conns.map.keys().cloned().collect();
        for name in names {
            self.inner.stop_all(&mut conns, &name).await;
        }
        tracing::info!("herder stopped");
    }

    /// The worker id used in statuses (`host:port`).
    pub fn worker_id(&self) -> &str {
        &self.inner.worker.advertised_url
    }
}

impl Inner {
    fn status_table(&self) -> std::sync::MutexGuard<'_, StatusTable> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, state: State, trace: Option<String>) -> StatusRecord {
        StatusRecord {
            state,
            trace,
            worker_id: self.worker.advertised_url.clone(),
        }
    }

    async fn set_connector_status(&self, name: &str, state: State, trace: Option<String>) {
        let rec = self.record(state, trace);
        self.status_table()
            .connectors
            .insert(name.to_string(), rec.clone());
        if let Err(e) = self.statuses.put_connector(name, &rec).await {
            tracing::warn!(connector = name, error = %e.chain(), "failed to write connector status");
        }
    }

    async fn set_task_status(
        &self,
        id: &TaskId,
        instance: u64,
        state: State,
        trace: Option<String>,
    ) {
        let rec = self.record(state, trace);
        {
            let mut st = self.status_table();
            if let Some((current, _)) = st.tasks.get(id) {
                if *current > instance {
                    return;
                }
            }
            st.tasks.insert(id.clone(), (instance, rec.clone()));
        }
        if let Err(e) = self.statuses.put_task(id, &rec).await {
            tracing::warn!(task = %id, error = %e.chain(), "failed to write task status");
        }
    }

    async fn handle_event(&self, ev: TaskEvent) {
        let current = self.status_table().tasks.get(&ev.id).map(|(i, _)| *i);
        if current != Some(ev.instance) {
            return;
        }
        match ev.kind {
            TaskEventKind::Running => {
                self.set_task_status(&ev.id, ev.instance, State::Running, None)
                    .await
            }
            TaskEventKind::Paused => {
                self.set_task_status(&ev.id, ev.instance, State::Paused, None)
                    .await
            }
            TaskEventKind::Failed(trace) => {
                self.set_task_status(&ev.id, ev.instance, State::Failed, Some(trace))
                    .await
            }
            TaskEventKind::Stopped => {
                self.set_task_status(&ev.id, ev.instance, State::Unassigned, None)
                    .await
            }
            TaskEventKind::Topic(topic) => {
                let new = self
                    .status_table()
                    .topics
                    .entry(ev.id.connector.clone())
                    .or_default()
                    .insert(topic.clone());
                if new && self.worker.topic_tracking_enable {
                    if let Err(e) = self
                        .statuses
                        .put_topic(&ev.id.connector, &topic, ev.id.task)
                        .await
                    {
                        tracing::warn!(task = %ev.id, error = %e.chain(), "failed to record active topic");
                    }
                }
            }
        }
    }
}

async fn event_loop(
    inner: std::sync::Weak<Inner>,
    mut events: mpsc::UnboundedReceiver<TaskEvent>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
    loop {
        tokio::select! {
            ev = events.recv() => {
                let (Some(ev), Some(inner)) = (ev, inner.upgrade()) else { return };
                inner.handle_event(ev).await;
            }
            c = control.recv() => {
                let (Some(c), Some(inner)) = (c, inner.upgrade()) else { return };
                match c {
                    Control::Reconfigure(name) => {
                        let mut conns = inner.connectors.lock().await;
                        inner.reconfigure(&mut conns, &name).await;
                    }
                    Control::ConnectorFailed(name, trace) => {
                        inner.set_connector_status(&name, State::Failed, Some(trace)).await;
                    }
                }
            }
        }
    }
}
