//! The [`Herder`] trait: everything the REST endpoints ask of the worker.
//!
//! The split follows Kafka's: `ConnectorsResource` and friends check what can be checked from
//! the request alone (a name in the body that differs from the URL, a missing `level`, an empty
//! offsets list, a validate path that does not match `connector.class`, the `expand` and restart
//! flags) and call the herder for everything that needs state. So the herder answers with the
//! errors that need state, using Kafka's messages, listed on each method; [`ApiError`] has
//! constructors for the common ones. The REST crate never sees worker internals, and the worker
//! never sees HTTP beyond [`ApiError`].
//!
//! The router wraps every call in the request timeout (Kafka's 90 s, then 500 `Request timed
//! out`), so implementations need no timeouts of their own.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::entities::{
    ActiveTopicsInfo, ConfigInfos, ConfigKeyInfo, ConfigMap, ConnectorInfo, ConnectorOffsets,
    ConnectorStateInfo, ConnectorTaskId, LoggerLevel, Message, PluginInfo, RestartRequest,
    ServerInfo, TargetState, TaskInfo, TaskState,
};
use crate::error::ApiError;

/// The result of a config write: whether it created the connector (201) or updated it (200).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created<T> {
    pub created: bool,
    pub result: T,
}

/// The worker as the REST API sees it (Kafka's `Herder` interface, asynchronous).
#[async_trait]
pub trait Herder: Send + Sync + 'static {
    /// `GET /`: version, commit and Kafka cluster id.
    async fn server_info(&self) -> Result<ServerInfo, ApiError>;

    /// `GET /health`: resolves once the herder can serve requests. The router gives it 10 s;
    /// past that, the answer is 503 `starting` while [`Herder::is_ready`] is false and 500
    /// `unhealthy` after.
    async fn health_check(&self) -> Result<(), ApiError> {
        Ok(())
    }

    /// Whether the worker has finished starting.
    fn is_ready(&self) -> bool {
        true
    }

    /// `GET /connectors`: every connector's name.
    async fn connectors(&self) -> Result<Vec<String>, ApiError>;

    /// `GET /connectors/{c}`. 404 `Connector c not found`.
    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, ApiError>;

    /// `GET /connectors/{c}/status`, tasks sorted by id. 404 `No status found for connector c`.
    async fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, ApiError>;

    /// `GET /connectors/{c}/config`: the raw stored config (placeholders unresolved).
    /// 404 `Connector c not found`.
    async fn connector_config(&self, name: &str) -> Result<ConfigMap, ApiError>;

    /// `POST /connectors` (`allow_replace = false`, `initial_state` as requested) and
    /// `PUT /connectors/{c}/config` (`allow_replace = true`, no initial state). `config` already
    /// holds `name`. 409 `Connector c already exists` when it exists and replacing is not
    /// allowed; 400 with Kafka's validation summary (`Connector configuration is invalid and
    /// contains the following N error(s): …`) or `Connector config {…} contains no connector
    /// type` when the config is invalid.
    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> Result<Created<ConnectorInfo>, ApiError>;

    /// `PATCH /connectors/{c}/config`: merges `patch` into the current config (`None` removes
    /// the key) and applies it like a put. 404 `Connector c not found`; 400 as for a put.
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo, ApiError>;

    /// `DELETE /connectors/{c}`. 404 `Connector c not found`.
    async fn delete_connector(&self, name: &str) -> Result<(), ApiError>;

    /// `POST /connectors/{c}/restart` without flags: restarts the connector instance only.
    /// 404 `Unknown connector: c`.
    async fn restart_connector(&self, name: &str) -> Result<(), ApiError>;

    /// `POST /connectors/{c}/restart?includeTasks=…&onlyFailed=…` (at least one flag true):
    /// plans the restart with [`RestartRequest`]'s rules and returns the current status with
    /// every instance to be restarted shown as `RESTARTING`. 404 `Unknown connector: c` or
    /// `Status for connector c not found`.
    async fn restart_connector_and_tasks(
        &self,
        request: RestartRequest,
    ) -> Result<ConnectorStateInfo, ApiError>;

    /// `POST /connectors/{c}/tasks/{t}/restart`. 404 `Unknown connector: c` or
    /// `Unknown task: c-0`.
    async fn restart_task(&self, id: &ConnectorTaskId) -> Result<(), ApiError>;

    /// `PUT /connectors/{c}/pause`: writes target state PAUSED. 404 `Unknown connector c`.
    async fn pause_connector(&self, name: &str) -> Result<(), ApiError>;

    /// `PUT /connectors/{c}/resume`: writes target state STARTED. 404 `Unknown connector c`.
    async fn resume_connector(&self, name: &str) -> Result<(), ApiError>;

    /// `PUT /connectors/{c}/stop`: zero task configs, then target state STOPPED.
    /// 404 `Connector c not found`.
    async fn stop_connector(&self, name: &str) -> Result<(), ApiError>;

    /// `GET /connectors/{c}/tasks` (and the deprecated `/tasks-config`, which the router builds
    /// from this). 404 `Connector c not found`.
    async fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, ApiError>;

    /// `GET /connectors/{c}/tasks/{t}/status`. 404 `No status found for task c-0`.
    async fn task_status(&self, id: &ConnectorTaskId) -> Result<TaskState, ApiError>;

    /// `GET /connectors/{c}/topics`. 403 `Topic tracking is disabled.` when
    /// `topic.tracking.enable=false`.
    async fn active_topics(&self, name: &str) -> Result<ActiveTopicsInfo, ApiError>;

    /// `PUT /connectors/{c}/topics/reset`. 403 `Topic tracking is disabled.` or
    /// `Topic tracking reset is disabled.`.
    async fn reset_active_topics(&self, name: &str) -> Result<(), ApiError>;

    /// `GET /connectors/{c}/offsets`. 404 `Connector c not found`.
    async fn connector_offsets(&self, name: &str) -> Result<ConnectorOffsets, ApiError>;

    /// `PATCH /connectors/{c}/offsets` (never called with an empty list). 404 `Connector c not
    /// found`; 400 `Connectors must be in the STOPPED state before their offsets can be
    /// modified. …` unless stopped with zero tasks. Kafka's success message is
    /// `The offsets for this connector have been altered successfully`.
    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> Result<Message, ApiError>;

    /// `DELETE /connectors/{c}/offsets`: same errors as altering; Kafka's success message is
    /// `The offsets for this connector have been reset successfully`.
    async fn reset_connector_offsets(&self, name: &str) -> Result<Message, ApiError>;

    /// `GET /connector-plugins`: every plugin in Kafka's order (sinks, sources, transformations,
    /// predicates, converters, header converters); the router filters `connectorsOnly`.
    async fn plugins(&self) -> Result<Vec<PluginInfo>, ApiError>;

    /// `GET /connector-plugins/{plugin}/config`, plugin by class name or alias.
    /// 404 `Unknown plugin X.`; 400 for a plugin kind without a config.
    async fn plugin_config(&self, plugin: &str) -> Result<Vec<ConfigKeyInfo>, ApiError>;

    /// `PUT /connector-plugins/{plugin}/config/validate`. Like Kafka, validation is driven by
    /// `connector.class` in `config` (the router has checked it agrees with `plugin`); problems
    /// go in the body, not the status. 400 `Connector config {…} contains no connector type`
    /// when `connector.class` is missing.
    async fn validate_connector_config(
        &self,
        plugin: &str,
        config: ConfigMap,
    ) -> Result<ConfigInfos, ApiError>;

    /// `GET /admin/loggers`: loggers with an explicitly set level, by name.
    async fn loggers(&self) -> Result<BTreeMap<String, LoggerLevel>, ApiError>;

    /// `GET /admin/loggers/{name}`: `None` becomes 404 `Logger X not found.`.
    async fn logger(&self, name: &str) -> Result<Option<LoggerLevel>, ApiError>;

    /// `PUT /admin/loggers/{name}` (worker scope): sets `level` (already checked to be a valid
    /// log level, passed as the user wrote it) on `name` and its descendants; returns the
    /// affected logger names, sorted.
    async fn set_worker_logger_level(
        &self,
        name: &str,
        level: &str,
    ) -> Result<Vec<String>, ApiError>;

    /// `PUT /admin/loggers/{name}?scope=cluster`: records the level for every worker (the
    /// config topic's `logger-cluster-<name>` record).
    async fn set_cluster_logger_level(&self, name: &str, level: &str) -> Result<(), ApiError>;
}
