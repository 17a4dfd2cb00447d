//! Keys and values of the status topic, byte for byte as `KafkaStatusBackingStore` writes them.
//!
//! Values follow `STATUS_SCHEMA_V0` (`state`, `trace`, `worker_id`, `generation`, with `trace`
//! written as an explicit `null` when absent) and `TOPIC_STATUS_SCHEMA_V0`
//! (`{"topic":{"name","connector","task","discoverTimestamp"}}`). DESTROYED is never written as a
//! value: it is a tombstone.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use crate::storage::json::{integer, to_java_json};

pub(crate) const CONNECTOR_STATUS_PREFIX: &str = "status-connector-";
pub(crate) const TASK_STATUS_PREFIX: &str = "status-task-";
pub(crate) const TOPIC_STATUS_PREFIX: &str = "status-topic-";
pub(crate) const TOPIC_STATUS_SEPARATOR: &str = ":connector-";

/// The state of a connector or task (Kafka's `AbstractStatus.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not (yet) assigned to a worker.
    Unassigned,
    /// Running.
    Running,
    /// Paused by its target state.
    Paused,
    /// Failed; `trace` says why.
    Failed,
    /// Being restarted.
    Restarting,
    /// Stopped by its target state (connectors only).
    Stopped,
    /// Deleted; written as a tombstone and never visible to users.
    Destroyed,
}

impl State {
    /// The enum name Kafka writes and the REST API shows.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
            State::Stopped => "STOPPED",
            State::Destroyed => "DESTROYED",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;

    /// Java's `State.valueOf`: exact, case-sensitive names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "UNASSIGNED" => State::Unassigned,
            "RUNNING" => State::Running,
            "PAUSED" => State::Paused,
            "FAILED" => State::Failed,
            "RESTARTING" => State::Restarting,
            "STOPPED" => State::Stopped,
            "DESTROYED" => State::Destroyed,
            other => return Err(format!("unknown status state '{other}'")),
        })
    }
}

/// The status of a connector instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectorStatus {
    /// Connector name.
    pub connector: String,
    pub state: State,
    /// The failure's stack trace or message, for FAILED.
    pub trace: Option<String>,
    /// The worker that wrote the status (`host:port`).
    pub worker_id: String,
    /// The group generation of that worker when it wrote the status.
    pub generation: i32,
}

/// The status of one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStatus {
    /// Connector name.
    pub connector: String,
    /// Task number within the connector.
    pub task: u32,
    pub state: State,
    /// The failure's stack trace or message, for FAILED.
    pub trace: Option<String>,
    /// The worker that wrote the status (`host:port`).
    pub worker_id: String,
    /// The group generation of that worker when it wrote the status.
    pub generation: i32,
}

/// A topic a connector's tasks produced to (KIP-558 topic tracking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicStatus {
    pub topic: String,
    pub connector: String,
    /// The task that first produced to the topic.
    pub task: u32,
    /// When the topic was first seen, epoch milliseconds.
    pub discover_timestamp: i64,
}

pub(crate) fn connector_status_key(connector: &str) -> String {
    format!("{CONNECTOR_STATUS_PREFIX}{connector}")
}

pub(crate) fn task_status_key(connector: &str, task: u32) -> String {
    format!("{TASK_STATUS_PREFIX}{connector}-{task}")
}

pub(crate) fn topic_status_key(topic: &str, connector: &str) -> String {
    format!("{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}")
}

/// `<connector>-<n>` after `status-task-`, split at the last `-`.
pub(crate) fn parse_task_status_key(rest: &str) -> Option<(&str, u32)> {
    let (connector, task) = rest.rsplit_once('-')?;
    Some((connector, task.parse().ok()?))
}

/// `<topic>:connector-<connector>` after `status-topic-`: the topic ends at the first `:`.
pub(crate) fn parse_topic_status_key(rest: &str) -> Option<(&str, &str)> {
    let colon = rest.find(':')?;
    let topic = &rest[..colon];
    let connector = rest.get(colon + TOPIC_STATUS_SEPARATOR.len()..)?;
    (!topic.is_empty() && !connector.is_empty()).then_some((topic, connector))
}

#[derive(Serialize)]
struct StatusValue<'a> {
    state: &'static str,
    trace: Option<&'a str>,
    worker_id: &'a str,
    generation: i32,
}

#[derive(Serialize)]
struct TopicStatusValue<'a> {
    topic: TopicStatusFields<'a>,
}

#[derive(Serialize)]
struct TopicStatusFields<'a> {
    name: &'a str,
    connector: &'a str,
    task: u32,
    #[serde(rename = "discoverTimestamp")]
    discover_timestamp: i64,
}

/// The value of a connector or task status; `None` (tombstone) for DESTROYED.
pub(crate) fn status_value(
    state: State,
    trace: Option<&str>,
    worker_id: &str,
    generation: i32,
) -> Option<Vec<u8>> {
    (state != State::Destroyed).then(|| {
        to_java_json(&StatusValue {
            state: state.as_str(),
            trace,
            worker_id,
            generation,
        })
    })
}

/// The value of a topic status.
pub(crate) fn topic_status_value(status: &TopicStatus) -> Vec<u8> {
    to_java_json(&TopicStatusValue {
        topic: TopicStatusFields {
            name: &status.topic,
            connector: &status.connector,
            task: status.task,
            discover_timestamp: status.discover_timestamp,
        },
    })
}

/// The fields shared by connector and task statuses.
pub(crate) struct ParsedStatus {
    pub(crate) state: State,
    pub(crate) trace: Option<String>,
    pub(crate) worker_id: String,
    pub(crate) generation: i32,
}

/// Parses a status value the way Kafka does: `state` must name a state and `generation` must be
/// an integer; `trace` and `worker_id` may be null.
pub(crate) fn parse_status(value: &Value) -> Result<ParsedStatus, String> {
    let fields = value.as_object().ok_or("status is not a map")?;
    let state = fields
        .get("state")
        .and_then(Value::as_str)
        .ok_or("'state' is not a string")?
        .parse()?;
    let optional_string = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("'{name}' is not a string")),
    };
    let trace = optional_string("trace")?;
    let worker_id = optional_string("worker_id")?.unwrap_or_default();
    let generation = integer(fields.get("generation")).ok_or("'generation' is not an integer")?;
    Ok(ParsedStatus {
        state,
        trace,
        worker_id,
        // Java takes `Long.intValue()`, i.e. the low 32 bits.
        generation: generation as i32,
    })
}

/// Parses a topic status value.
pub(crate) fn parse_topic_status(value: &Value) -> Result<TopicStatus, String> {
    let inner = value
        .get("topic")
        .and_then(Value::as_object)
        .ok_or("'topic' is not a map")?;
    let string = |name: &str| {
        inner
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(format!("'{name}' is not a string"))
    };
    let task = integer(inner.get("task"))
        .and_then(|t| u32::try_from(t).ok())
        .ok_or("'task' is not a task number")?;
    let discover_timestamp =
        integer(inner.get("discoverTimestamp")).ok_or("'discoverTimestamp' is not an integer")?;
    Ok(TopicStatus {
        topic: string("name")?,
        connector: string("connector")?,
        task,
        discover_timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Option<Vec<u8>>) -> Option<String> {
        bytes.map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn status_bytes_have_schema_field_order_and_explicit_null_trace() {
        assert_eq!(connector_status_key("c"), "status-connector-c");
        assert_eq!(task_status_key("my-conn", 3), "status-task-my-conn-3");
        assert_eq!(
            text(status_value(State::Running, None, "host:8083", 7)).as_deref(),
            Some(r#"{"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":7}"#)
        );
        assert_eq!(
            text(status_value(
                State::Failed,
                Some(
                    "org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)\n"
                ),
                "10.0.0.1:8083",
                2
            ))
            .as_deref(),
            Some(
                r#"{"state":"FAILED","trace":"org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)\n","worker_id":"10.0.0.1:8083","generation":2}"#
            )
        );
        assert_eq!(status_value(State::Destroyed, None, "w", 1), None);
    }

    #[test]
    fn topic_status_bytes() {
        let status = TopicStatus {
            topic: "orders".into(),
            connector: "c".into(),
            task: 0,
            discover_timestamp: 1700000000123,
        };
        assert_eq!(
            topic_status_key("orders", "c"),
            "status-topic-orders:connector-c"
        );
        assert_eq!(
            String::from_utf8(topic_status_value(&status)).unwrap(),
            r#"{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":1700000000123}}"#
        );
    }

    #[test]
    fn keys_parse_like_kafka() {
        assert_eq!(parse_task_status_key("a-b-12"), Some(("a-b", 12)));
        assert_eq!(parse_task_status_key("ab"), None);
        assert_eq!(
            parse_topic_status_key("orders:connector-my-c"),
            Some(("orders", "my-c"))
        );
        assert_eq!(parse_topic_status_key(":connector-c"), None);
        assert_eq!(parse_topic_status_key("orders:connector-"), None);
        assert_eq!(parse_topic_status_key("orders"), None);
    }

    #[test]
    fn status_parse_requires_state_and_integer_generation() {
        let ok: Value = serde_json::from_str(
            r#"{"state":"PAUSED","trace":null,"worker_id":"w:1","generation":3}"#,
        )
        .unwrap();
        let parsed = parse_status(&ok).unwrap();
        assert_eq!((parsed.state, parsed.generation), (State::Paused, 3));
        assert_eq!(parsed.worker_id, "w:1");
        for bad in [
            r#"{"state":"paused","worker_id":"w","generation":1}"#,
            r#"{"state":"RUNNING","worker_id":"w"}"#,
            r#"{"state":"RUNNING","worker_id":"w","generation":1.5}"#,
            r#"["RUNNING"]"#,
        ] {
            let value: Value = serde_json::from_str(bad).unwrap();
            assert!(parse_status(&value).is_err(), "{bad}");
        }
    }
}
