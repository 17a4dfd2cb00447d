//! Keys and values of the config topic, byte for byte as `KafkaConfigBackingStore` writes them.
//!
//! Keys are plain strings; values are schemaless JSON objects whose fields appear in the order
//! of Kafka's `Schema` definitions (`CONNECTOR_CONFIGURATION_V0`, `TARGET_STATE_V1`, ...).
//! Connector and task `properties` maps are written in sorted key order: Java writes `HashMap`
//! order, which no reader depends on, and sorted order makes our records reproducible.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use strait_api::ConfigMap;

use crate::storage::json::to_java_json;

/// `connector-<name>`: a connector's configuration; a tombstone deletes the connector.
pub(crate) const CONNECTOR_PREFIX: &str = "connector-";
/// `task-<name>-<n>`: one task's configuration, applied only by a later complete commit.
pub(crate) const TASK_PREFIX: &str = "task-";
/// `commit-<name>`: applies the buffered task configurations.
pub(crate) const COMMIT_PREFIX: &str = "commit-";
/// `target-state-<name>`: STARTED, PAUSED or STOPPED.
pub(crate) const TARGET_STATE_PREFIX: &str = "target-state-";
/// `restart-connector-<name>`: a KIP-745 restart request.
pub(crate) const RESTART_PREFIX: &str = "restart-connector-";
/// `tasks-fencing-<name>`: the KIP-618 task count record.
pub(crate) const TASK_COUNT_PREFIX: &str = "tasks-fencing-";
/// `session-key`: the KIP-507 key for internal REST requests.
pub(crate) const SESSION_KEY: &str = "session-key";
/// `logger-cluster-<namespace>`: a KIP-976 cluster-wide log level.
pub(crate) const LOGGER_CLUSTER_PREFIX: &str = "logger-cluster-";

/// The state a connector and its tasks should be in (Kafka's `TargetState`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TargetState {
    /// Running.
    #[default]
    Started,
    /// Instances exist but do not process data.
    Paused,
    /// No instances exist; task configs are kept empty.
    Stopped,
}

impl TargetState {
    /// The enum name Kafka writes (`STARTED`, `PAUSED`, `STOPPED`).
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Started => "STARTED",
            TargetState::Paused => "PAUSED",
            TargetState::Stopped => "STOPPED",
        }
    }
}

impl fmt::Display for TargetState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TargetState {
    type Err = String;

    /// Java's `TargetState.valueOf`: exact, case-sensitive names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "STARTED" => Ok(TargetState::Started),
            "PAUSED" => Ok(TargetState::Paused),
            "STOPPED" => Ok(TargetState::Stopped),
            other => Err(format!("unknown target state '{other}'")),
        }
    }
}

/// A KIP-745 request to restart a connector and optionally its tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestartRequest {
    /// The connector to restart.
    pub connector: String,
    /// Restart only instances that are FAILED.
    pub only_failed: bool,
    /// Also restart the connector's tasks.
    pub include_tasks: bool,
}

pub(crate) fn connector_key(name: &str) -> String {
    format!("{CONNECTOR_PREFIX}{name}")
}

pub(crate) fn task_key(name: &str, task: u32) -> String {
    format!("{TASK_PREFIX}{name}-{task}")
}

pub(crate) fn commit_key(name: &str) -> String {
    format!("{COMMIT_PREFIX}{name}")
}

pub(crate) fn target_state_key(name: &str) -> String {
    format!("{TARGET_STATE_PREFIX}{name}")
}

pub(crate) fn restart_key(name: &str) -> String {
    format!("{RESTART_PREFIX}{name}")
}

/// Splits the part after `task-` at its *last* `-`: `my-conn-3` is task 3 of `my-conn`.
pub(crate) fn parse_task_key(rest: &str) -> Option<(&str, u32)> {
    let (connector, task) = rest.rsplit_once('-')?;
    Some((connector, task.parse().ok()?))
}

#[derive(Serialize)]
struct PropertiesValue<'a> {
    properties: &'a ConfigMap,
}

#[derive(Serialize)]
struct CommitValue {
    tasks: u32,
}

#[derive(Serialize)]
struct TargetStateValue {
    state: &'static str,
    #[serde(rename = "state.v2")]
    state_v2: &'static str,
}

#[derive(Serialize)]
struct RestartValue {
    #[serde(rename = "include-tasks")]
    include_tasks: bool,
    #[serde(rename = "only-failed")]
    only_failed: bool,
}

/// `{"properties":{...}}` for `connector-*` and `task-*` records.
pub(crate) fn properties_value(properties: &ConfigMap) -> Vec<u8> {
    to_java_json(&PropertiesValue { properties })
}

/// `{"tasks":n}` for `commit-*` records.
pub(crate) fn commit_value(tasks: u32) -> Vec<u8> {
    to_java_json(&CommitValue { tasks })
}

/// `{"state":..,"state.v2":..}`; STOPPED is downgraded to PAUSED in `state` for older workers.
pub(crate) fn target_state_value(state: TargetState) -> Vec<u8> {
    let legacy = match state {
        TargetState::Stopped => TargetState::Paused,
        other => other,
    };
    to_java_json(&TargetStateValue {
        state: legacy.as_str(),
        state_v2: state.as_str(),
    })
}

/// `{"include-tasks":..,"only-failed":..}` for `restart-connector-*` records.
pub(crate) fn restart_value(request: &RestartRequest) -> Vec<u8> {
    to_java_json(&RestartValue {
        include_tasks: request.include_tasks,
        only_failed: request.only_failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn connector_config_bytes() {
        let mut props = ConfigMap::new();
        props.insert("name".into(), "c".into());
        props.insert("connector.class".into(), "x".into());
        assert_eq!(connector_key("c"), "connector-c");
        assert_eq!(
            text(properties_value(&props)),
            r#"{"properties":{"connector.class":"x","name":"c"}}"#
        );
    }

    #[test]
    fn task_and_commit_bytes() {
        assert_eq!(task_key("my-conn", 12), "task-my-conn-12");
        assert_eq!(commit_key("my-conn"), "commit-my-conn");
        assert_eq!(text(commit_value(3)), r#"{"tasks":3}"#);
        assert_eq!(
            text(properties_value(&ConfigMap::new())),
            r#"{"properties":{}}"#
        );
    }

    #[test]
    fn target_state_bytes_downgrade_stopped() {
        assert_eq!(target_state_key("c"), "target-state-c");
        assert_eq!(
            text(target_state_value(TargetState::Stopped)),
            r#"{"state":"PAUSED","state.v2":"STOPPED"}"#
        );
        assert_eq!(
            text(target_state_value(TargetState::Paused)),
            r#"{"state":"PAUSED","state.v2":"PAUSED"}"#
        );
        assert_eq!(
            text(target_state_value(TargetState::Started)),
            r#"{"state":"STARTED","state.v2":"STARTED"}"#
        );
    }

    #[test]
    fn restart_bytes() {
        let request = RestartRequest {
            connector: "c".into(),
            only_failed: true,
            include_tasks: false,
        };
        assert_eq!(restart_key("c"), "restart-connector-c");
        assert_eq!(
            text(restart_value(&request)),
            r#"{"include-tasks":false,"only-failed":true}"#
        );
    }

    #[test]
    fn task_keys_split_at_last_dash() {
        assert_eq!(parse_task_key("a-b-c-7"), Some(("a-b-c", 7)));
        assert_eq!(parse_task_key("-0"), Some(("", 0)));
        assert_eq!(parse_task_key("abc"), None);
        assert_eq!(parse_task_key("abc-x"), None);
    }
}
