//! Replaying the config topic into the cluster's configuration, with Kafka's rules.
//!
//! The config topic is a write-ahead log that compaction may have thinned out, so reading it is
//! more than "last value wins" (`KafkaConfigBackingStore`'s consume callback):
//! - task configs are buffered per connector and take effect only when a `commit-<c>` record
//!   finds task ids `0..n-1` all buffered since the previous commit; otherwise the connector is
//!   *inconsistent* (it has no tasks) until a later complete commit. The buffer is always cleared
//!   at a commit, and a commit for a connector whose config is gone is ignored;
//! - a connector tombstone removes its config, task counts and task configs, but not its target
//!   state (that has its own tombstone) nor its inconsistent flag;
//! - a connector without a target-state record is STARTED; `state.v2` is preferred over `state`;
//! - malformed records are logged and skipped, never fatal, exactly as a Java worker skips them.
//!
//! [`ConfigState`] is pure: it takes records and answers snapshots, so these rules are unit
//! tested without a broker.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};
use strait_api::ConfigMap;

use super::records::{
    parse_task_key, RestartRequest, TargetState, COMMIT_PREFIX, CONNECTOR_PREFIX,
    LOGGER_CLUSTER_PREFIX, RESTART_PREFIX, SESSION_KEY, TARGET_STATE_PREFIX, TASK_COUNT_PREFIX,
    TASK_PREFIX,
};
use crate::kafka::ConsumedRecord;
use crate::storage::json::{integer, parse_value, type_name, Parsed};

/// A consistent view of every connector's configuration at one config-topic offset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigSnapshot {
    /// The offset after the last config record read (Kafka's "config offset"); `-1` before any.
    pub offset: i64,
    /// Connectors that have a configuration, by name.
    pub connectors: BTreeMap<String, ConnectorConfigState>,
}

impl ConfigSnapshot {
    /// Whether the connector has a configuration.
    pub fn contains(&self, connector: &str) -> bool {
        self.connectors.contains_key(connector)
    }

    /// One connector's state.
    pub fn connector(&self, connector: &str) -> Option<&ConnectorConfigState> {
        self.connectors.get(connector)
    }
}

/// What the config topic says about one connector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectorConfigState {
    /// The raw connector configuration (config-provider placeholders kept).
    pub config: ConfigMap,
    /// The target state; STARTED when none was written.
    pub target_state: TargetState,
    /// Committed task configurations, task 0 first; empty when [`Self::inconsistent`].
    pub tasks: Vec<ConfigMap>,
    /// The task count of the last commit, even when that commit was incomplete.
    pub task_count: u32,
    /// The last commit did not find every task config (compaction or a failed write): the
    /// connector must regenerate and rewrite its task configs.
    pub inconsistent: bool,
    /// The connector configuration at the time of the last complete task commit.
    pub applied_config: Option<ConfigMap>,
    /// The KIP-618 task count record (`tasks-fencing-<c>`), if any.
    pub task_count_record: Option<u32>,
    /// Increases each time a new set of task configs is committed.
    pub task_config_generation: Option<u32>,
    /// Task configs were committed after the last task count record (KIP-618 fencing pending).
    pub pending_fencing: bool,
}

/// The replayed config topic.
#[derive(Debug)]
pub(crate) struct ConfigState {
    topic: String,
    offset: i64,
    connector_configs: BTreeMap<String, ConfigMap>,
    target_states: HashMap<String, TargetState>,
    task_counts: HashMap<String, u32>,
    task_configs: HashMap<String, BTreeMap<u32, ConfigMap>>,
    /// Task configs read since the connector's last commit. An entry, once created, stays
    /// (cleared) until the connector is removed, as in Kafka: its presence drives the generation.
    deferred: HashMap<String, BTreeMap<u32, ConfigMap>>,
    inconsistent: HashSet<String>,
    applied_configs: HashMap<String, ConfigMap>,
    task_count_records: HashMap<String, u32>,
    task_config_generations: HashMap<String, u32>,
    pending_fencing: HashSet<String>,
    /// Restart requests are only acted on when read after start-up, as in Kafka.
    started: bool,
    restart_requests: Vec<RestartRequest>,
}

impl ConfigState {
    pub(crate) fn new(topic: &str) -> Self {
        Self {
            topic: topic.to_string(),
            offset: -1,
            connector_configs: BTreeMap::new(),
            target_states: HashMap::new(),
            task_counts: HashMap::new(),
            task_configs: HashMap::new(),
            deferred: HashMap::new(),
            inconsistent: HashSet::new(),
            applied_configs: HashMap::new(),
            task_count_records: HashMap::new(),
            task_config_generations: HashMap::new(),
            pending_fencing: HashSet::new(),
            started: false,
            restart_requests: Vec::new(),
        }
    }

    /// Marks the end of the initial read: restart requests read from now on are queued.
    pub(crate) fn mark_started(&mut self) {
        self.started = true;
    }

    /// Takes the restart requests read since start-up, oldest first.
    pub(crate) fn take_restart_requests(&mut self) -> Vec<RestartRequest> {
        std::mem::take(&mut self.restart_requests)
    }

    /// Applies one record of the config topic.
    pub(crate) fn apply(&mut self, record: &ConsumedRecord) {
        let Some(key_bytes) = record.key.as_deref() else {
            tracing::warn!(
                topic = %self.topic,
                offset = record.offset,
                "ignoring config record without a key"
            );
            return;
        };
        let key = String::from_utf8_lossy(key_bytes);
        let value = match parse_value(&self.topic, &key, record.value.as_deref()) {
            Parsed::Null => None,
            Parsed::Value(value) => Some(value),
            Parsed::Invalid => return,
        };
        self.offset = record.offset + 1;

        if let Some(name) = key.strip_prefix(TARGET_STATE_PREFIX) {
            self.apply_target_state(name, value.as_ref());
        } else if let Some(name) = key.strip_prefix(CONNECTOR_PREFIX) {
            self.apply_connector_config(name, value.as_ref());
        } else if let Some(rest) = key.strip_prefix(TASK_PREFIX) {
            match parse_task_key(rest) {
                Some((name, task)) => self.apply_task_config(name, task, value.as_ref()),
                None => {
                    tracing::error!(
                        key = %key,
                        "ignoring task configuration: key is not task-<connector>-<n>"
                    )
                }
            }
        } else if let Some(name) = key.strip_prefix(COMMIT_PREFIX) {
            self.apply_commit(name, value.as_ref());
        } else if let Some(name) = key.strip_prefix(RESTART_PREFIX) {
            self.apply_restart_request(name, value.as_ref());
        } else if let Some(name) = key.strip_prefix(TASK_COUNT_PREFIX) {
            self.apply_task_count_record(name, value.as_ref());
        } else if key == SESSION_KEY || key.starts_with(LOGGER_CLUSTER_PREFIX) {
            // Internal-request signing and cluster log levels are not supported; the records are
            // valid and simply not used.
            tracing::debug!(key = %key, "ignoring config record not used by strait");
        } else {
            tracing::error!(key = %key, "discarding config update record with invalid key");
        }
    }

    fn apply_target_state(&mut self, name: &str, value: Option<&Value>) {
        let Some(value) = value else {
            self.target_states.remove(name);
            // A connector that still has a config always has a target state.
            if self.connector_configs.contains_key(name) {
                self.target_states
                    .insert(name.to_string(), TargetState::Started);
            }
            return;
        };
        let Some(fields) = value.as_object() else {
            tracing::error!(
                connector = name,
                found = type_name(Some(value)),
                "ignoring target state in the wrong format"
            );
            return;
        };
        let state = match fields.get("state.v2") {
            Some(Value::String(state)) => state,
            v2 => {
                if !matches!(v2, None | Some(Value::Null)) {
                    tracing::error!(
                        connector = name,
                        found = type_name(v2),
                        "invalid 'state.v2' in target state; falling back on 'state'"
                    );
                }
                match fields.get("state") {
                    Some(Value::String(state)) => state,
                    other => {
                        tracing::error!(
                            connector = name,
                            found = type_name(other),
                            "ignoring target state: 'state' should be a string"
                        );
                        return;
                    }
                }
            }
        };
        match state.parse::<TargetState>() {
            Ok(state) => {
                self.target_states.insert(name.to_string(), state);
            }
            Err(err) => {
                tracing::error!(connector = name, error = %err, "ignoring invalid target state")
            }
        }
    }

    fn apply_connector_config(&mut self, name: &str, value: Option<&Value>) {
        let Some(value) = value else {
            self.remove_connector(name);
            tracing::info!(connector = name, "connector removed");
            return;
        };
        let Some(properties) = properties(value) else {
            tracing::error!(
                connector = name,
                "ignoring connector configuration: 'properties' should be a map"
            );
            return;
        };
        self.connector_configs
            .insert(name.to_string(), to_config_map(properties));
        self.target_states
            .entry(name.to_string())
            .or_insert(TargetState::Started);
    }

    fn apply_task_config(&mut self, name: &str, task: u32, value: Option<&Value>) {
        let Some(value) = value else {
            tracing::error!(
                connector = name,
                task,
                "ignoring task configuration that is unexpectedly null"
            );
            return;
        };
        let Some(properties) = properties(value) else {
            tracing::error!(
                connector = name,
                task,
                "ignoring task configuration: 'properties' should be a map"
            );
            return;
        };
        self.deferred
            .entry(name.to_string())
            .or_default()
            .insert(task, to_config_map(properties));
    }

    fn apply_commit(&mut self, name: &str, value: Option<&Value>) {
        let Some(applied) = self.connector_configs.get(name).cloned() else {
            // The connector was deleted and compaction removed its config and tombstone.
            self.remove_connector(name);
            tracing::debug!(
                connector = name,
                "ignoring task commit for a connector without config"
            );
            return;
        };
        let Some(fields) = value.and_then(Value::as_object) else {
            tracing::error!(
                connector = name,
                found = type_name(value),
                "ignoring task commit in the wrong format"
            );
            return;
        };
        let Some(count) = integer(fields.get("tasks")).and_then(|n| u32::try_from(n).ok()) else {
            tracing::error!(
                connector = name,
                found = type_name(fields.get("tasks")),
                "ignoring task commit: 'tasks' should be a non-negative integer"
            );
            return;
        };
        let deferred = self.deferred.get_mut(name);
        let complete = (0..count).all(|id| deferred.as_ref().is_some_and(|d| d.contains_key(&id)));
        if complete {
            if let Some(deferred) = deferred {
                self.task_configs
                    .entry(name.to_string())
                    .or_default()
                    .append(deferred);
                self.task_config_generations
                    .entry(name.to_string())
                    .and_modify(|g| *g += 1)
                    .or_insert(0);
            }
            self.inconsistent.remove(name);
            self.applied_configs.insert(name.to_string(), applied);
        } else {
            tracing::debug!(
                connector = name,
                tasks = count,
                "incomplete set of task configs at commit, probably due to compaction; connector is inconsistent"
            );
            self.inconsistent.insert(name.to_string());
            if let Some(deferred) = deferred {
                deferred.clear();
            }
        }
        self.task_counts.insert(name.to_string(), count);
        self.pending_fencing.insert(name.to_string());
    }

    fn apply_restart_request(&mut self, name: &str, value: Option<&Value>) {
        let Some(fields) = value.and_then(Value::as_object) else {
            tracing::error!(
                connector = name,
                found = type_name(value),
                "ignoring restart request that is not a map"
            );
            return;
        };
        let flag = |field: &str| match fields.get(field) {
            Some(Value::Bool(b)) => *b,
            other => {
                tracing::warn!(
                    connector = name,
                    field,
                    found = type_name(other),
                    "invalid restart request field, defaulting to false"
                );
                false
            }
        };
        let request = RestartRequest {
            connector: name.to_string(),
            only_failed: flag("only-failed"),
            include_tasks: flag("include-tasks"),
        };
        if self.started {
            self.restart_requests.push(request);
        }
    }

    fn apply_task_count_record(&mut self, name: &str, value: Option<&Value>) {
        let Some(fields) = value.and_then(Value::as_object) else {
            tracing::error!(
                connector = name,
                found = type_name(value),
                "ignoring task count record in the wrong format"
            );
            return;
        };
        let Some(count) = integer(fields.get("task-count")).and_then(|n| u32::try_from(n).ok())
        else {
            tracing::error!(
                connector = name,
                "ignoring task count record: 'task-count' should be a non-negative integer"
            );
            return;
        };
        self.task_count_records.insert(name.to_string(), count);
        self.pending_fencing.remove(name);
    }

    fn remove_connector(&mut self, name: &str) {
        self.connector_configs.remove(name);
        self.task_counts.remove(name);
        self.task_configs.remove(name);
        self.deferred.remove(name);
        self.applied_configs.remove(name);
    }

    /// The current configuration of every connector.
    pub(crate) fn snapshot(&self) -> ConfigSnapshot {
        let connectors = self
            .connector_configs
            .iter()
            .map(|(name, config)| {
                let inconsistent = self.inconsistent.contains(name);
                let task_count = self.task_counts.get(name).copied().unwrap_or(0);
                let tasks = match (inconsistent, self.task_configs.get(name)) {
                    (false, Some(configs)) => (0..task_count)
                        .filter_map(|id| configs.get(&id).cloned())
                        .collect(),
                    _ => Vec::new(),
                };
                let state = ConnectorConfigState {
                    config: config.clone(),
                    target_state: self.target_states.get(name).copied().unwrap_or_default(),
                    tasks,
                    task_count,
                    inconsistent,
                    applied_config: self.applied_configs.get(name).cloned(),
                    task_count_record: self.task_count_records.get(name).copied(),
                    task_config_generation: self.task_config_generations.get(name).copied(),
                    pending_fencing: self.pending_fencing.contains(name),
                };
                (name.clone(), state)
            })
            .collect();
        ConfigSnapshot {
            offset: self.offset,
            connectors,
        }
    }
}

/// The `properties` map of a connector or task config value.
fn properties(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()?.get("properties")?.as_object()
}

/// Config values are strings; a `null` value is dropped and any other JSON value (never written
/// by Kafka) is kept as its JSON text rather than failing the whole connector.
fn to_config_map(properties: &Map<String, Value>) -> ConfigMap {
    properties
        .iter()
        .filter_map(|(key, value)| match value {
            Value::String(s) => Some((key.clone(), s.clone())),
            Value::Null => None,
            other => Some((key.clone(), other.to_string())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Replay {
        state: ConfigState,
        next: i64,
    }

    impl Replay {
        fn new() -> Self {
            Self {
                state: ConfigState::new("configs"),
                next: 0,
            }
        }

        fn record(&mut self, key: &str, value: Option<&str>) -> &mut Self {
            let record = ConsumedRecord {
                offset: self.next,
                key: Some(key.as_bytes().to_vec()),
                value: value.map(|v| v.as_bytes().to_vec()),
                headers: Vec::new(),
                timestamp_ms: 0,
                compression: Default::default(),
            };
            self.next += 1;
            self.state.apply(&record);
            self
        }

        fn connector(&mut self, name: &str) -> &mut Self {
            let value = format!(r#"{{"properties":{{"connector.class":"X","name":"{name}"}}}}"#);
            self.record(&format!("connector-{name}"), Some(&value))
        }

        fn task(&mut self, name: &str, id: u32, marker: &str) -> &mut Self {
            let value = format!(r#"{{"properties":{{"task.marker":"{marker}"}}}}"#);
            self.record(&format!("task-{name}-{id}"), Some(&value))
        }

        fn commit(&mut self, name: &str, tasks: u32) -> &mut Self {
            let value = format!(r#"{{"tasks":{tasks}}}"#);
            self.record(&format!("commit-{name}"), Some(&value))
        }

        fn snapshot(&self) -> ConfigSnapshot {
            self.state.snapshot()
        }
    }

    fn markers(state: &ConnectorConfigState) -> Vec<&str> {
        state
            .tasks
            .iter()
            .map(|t| t["task.marker"].as_str())
            .collect()
    }

    #[test]
    fn complete_commit_applies_buffered_task_configs() {
        let mut r = Replay::new();
        r.connector("c").task("c", 0, "a").task("c", 1, "b");
        assert!(
            r.snapshot().connectors["c"].tasks.is_empty(),
            "tasks before commit"
        );
        r.commit("c", 2);
        let snap = r.snapshot();
        let c = &snap.connectors["c"];
        assert_eq!(markers(c), vec!["a", "b"]);
        assert!(!c.inconsistent);
        assert_eq!(c.task_config_generation, Some(0));
        assert_eq!(c.applied_config.as_ref(), Some(&c.config));
        assert!(c.pending_fencing);
        assert_eq!(snap.offset, 4);
    }

    #[test]
    fn incomplete_commit_marks_connector_inconsistent_until_complete_commit() {
        let mut r = Replay::new();
        // Compaction removed task-c-0 of the first generation.
        r.connector("c").task("c", 1, "old1").commit("c", 2);
        let c = r.snapshot().connectors["c"].clone();
        assert!(c.inconsistent);
        assert!(c.tasks.is_empty());
        assert_eq!(c.task_count, 2);

        // The buffer was cleared at the incomplete commit: task 1 must be seen again.
        r.task("c", 0, "new0").commit("c", 2);
        assert!(r.snapshot().connectors["c"].inconsistent);

        r.task("c", 0, "new0").task("c", 1, "new1").commit("c", 2);
        let c = r.snapshot().connectors["c"].clone();
        assert!(!c.inconsistent);
        assert_eq!(markers(&c), vec!["new0", "new1"]);
    }

    #[test]
    fn extra_buffered_task_ids_do_not_prevent_a_commit() {
        // Kafka's own example: 2 tasks reduced to 1, task-2 config survives compaction.
        let mut r = Replay::new();
        r.connector("c")
            .task("c", 2, "stale")
            .task("c", 0, "only")
            .commit("c", 1);
        let c = r.snapshot().connectors["c"].clone();
        assert!(!c.inconsistent);
        assert_eq!(markers(&c), vec!["only"]);
    }

    #[test]
    fn commit_without_connector_config_is_ignored() {
        let mut r = Replay::new();
        r.task("gone", 0, "x").commit("gone", 1).connector("gone");
        let c = r.snapshot().connectors["gone"].clone();
        assert!(c.tasks.is_empty());
        assert_eq!(c.task_count, 0);
        assert!(!c.inconsistent);
    }

    #[test]
    fn tombstones_delete_connector_and_target_state() {
        let mut r = Replay::new();
        r.record(
            "target-state-c",
            Some(r#"{"state":"PAUSED","state.v2":"PAUSED"}"#),
        )
        .connector("c")
        .task("c", 0, "a")
        .commit("c", 1);
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Paused
        );

        r.record("connector-c", None).record("target-state-c", None);
        assert!(!r.snapshot().contains("c"));

        // Re-created: no old tasks, default target state.
        r.connector("c");
        let c = r.snapshot().connectors["c"].clone();
        assert!(c.tasks.is_empty());
        assert_eq!(c.target_state, TargetState::Started);
    }

    #[test]
    fn target_state_tombstone_while_config_exists_means_started() {
        let mut r = Replay::new();
        r.connector("c")
            .record("target-state-c", Some(r#"{"state":"PAUSED"}"#))
            .record("target-state-c", None);
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Started
        );
    }

    #[test]
    fn missing_target_state_is_started() {
        let mut r = Replay::new();
        r.connector("c");
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Started
        );
    }

    #[test]
    fn target_state_prefers_v2_and_falls_back_on_v1() {
        let mut r = Replay::new();
        r.connector("c").record(
            "target-state-c",
            Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
        );
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Stopped
        );
        // An old worker's record (v1 only).
        r.record("target-state-c", Some(r#"{"state":"STARTED"}"#));
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Started
        );
        // Bad v2 type: fall back on state.
        r.record("target-state-c", Some(r#"{"state":"PAUSED","state.v2":7}"#));
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Paused
        );
        // Unknown name: ignored, previous state kept.
        r.record(
            "target-state-c",
            Some(r#"{"state":"RUNNING","state.v2":"RUNNING"}"#),
        );
        assert_eq!(
            r.snapshot().connectors["c"].target_state,
            TargetState::Paused
        );
    }

    #[test]
    fn connector_names_with_dashes_parse_from_last_dash() {
        let mut r = Replay::new();
        r.connector("my-sql-src")
            .task("my-sql-src", 0, "a")
            .commit("my-sql-src", 1);
        assert_eq!(markers(&r.snapshot().connectors["my-sql-src"]), vec!["a"]);
    }

    #[test]
    fn restart_requests_only_queued_after_start_with_defaults() {
        let mut r = Replay::new();
        r.connector("c").record(
            "restart-connector-c",
            Some(r#"{"include-tasks":true,"only-failed":true}"#),
        );
        r.state.mark_started();
        assert!(r.state.take_restart_requests().is_empty());
        r.record(
            "restart-connector-c",
            Some(r#"{"include-tasks":true,"only-failed":"yes"}"#),
        );
        let requests = r.state.take_restart_requests();
        assert_eq!(
            requests,
            vec![RestartRequest {
                connector: "c".into(),
                only_failed: false,
                include_tasks: true
            }]
        );
    }

    #[test]
    fn task_count_record_clears_pending_fencing() {
        let mut r = Replay::new();
        r.connector("c").task("c", 0, "a").commit("c", 1);
        r.record("tasks-fencing-c", Some(r#"{"task-count":1}"#));
        let c = r.snapshot().connectors["c"].clone();
        assert_eq!(c.task_count_record, Some(1));
        assert!(!c.pending_fencing);
    }

    #[test]
    fn unused_and_invalid_records_are_skipped_gracefully() {
        let mut r = Replay::new();
        r.record(
            "session-key",
            Some(r#"{"key":"AAAA","algorithm":"HmacSHA256","creation-timestamp":1700000000000}"#),
        )
        .record("logger-cluster-org.apache", Some(r#"{"level":"DEBUG"}"#))
        .record("bogus-key", Some("{}"))
        .record("connector-bad", Some(r#"{"properties":"nope"}"#))
        .record("commit-x", Some(r#"{"tasks":"two"}"#));
        assert_eq!(r.snapshot().offset, 5);
        // Not JSON: skipped without moving the offset (Kafka's converter throws first).
        r.record("connector-c", Some("{not json"));
        let snap = r.snapshot();
        assert_eq!(snap.offset, 5);
        assert!(snap.connectors.is_empty());
    }

    #[test]
    fn null_and_non_string_property_values() {
        let mut r = Replay::new();
        r.record(
            "connector-c",
            Some(r#"{"properties":{"a":null,"b":"x","tasks.max":1}}"#),
        );
        let config = &r.snapshot().connectors["c"].config;
        assert_eq!(config.get("a"), None);
        assert_eq!(config["b"], "x");
        assert_eq!(config["tasks.max"], "1");
    }
}
