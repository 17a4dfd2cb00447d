//! The JSON entities of Kafka Connect's REST API (`org.apache.kafka.connect.runtime.rest.entities`).
//!
//! Field names and field order are Kafka's: Jackson writes `@JsonCreator` parameters first, in
//! constructor order, so each struct here declares its fields in that order and serde writes
//! them the same way. The few Jackson filters Kafka uses are reproduced: a status entry's `trace`
//! is omitted when null or empty, a plugin's `version` is omitted when it is `"undefined"`.
//!
//! Input entities read bodies the way Kafka's Jackson does: unknown properties are rejected
//! (`FAIL_ON_UNKNOWN_PROPERTIES`), and a `Map<String, String>` accepts JSON numbers and booleans
//! as their text (`{"tasks.max": 1}` is `"1"`). Entities that a Java follower may read back
//! (when a Strait leader answers a forwarded request) derive `Deserialize` as well.
//!
//! The validation entities (`ConfigInfos`, `ConfigKeyInfo`, …) live in `strait_api::config`
//! because plugins build them; they are re-exported here.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use strait_api::config::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
pub use strait_api::ConfigMap;
use strait_api::PluginKind;

/// `ServerInfo`: the body of `GET /`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The Kafka version this worker is compatible with, e.g. `3.9.0`.
    pub version: String,
    /// The build's commit id.
    pub commit: String,
    /// The id of the Kafka cluster the worker is connected to.
    pub kafka_cluster_id: Option<String>,
}

/// `ConnectorType`: `source`, `sink` or `unknown` (read case-insensitively, like Kafka).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectorType {
    Source,
    Sink,
    Unknown,
}

impl ConnectorType {
    /// The lower-case JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Sink => "sink",
            Self::Unknown => "unknown",
        }
    }
}

impl Serialize for ConnectorType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConnectorType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        [Self::Source, Self::Sink, Self::Unknown]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(&raw))
            .ok_or_else(|| de::Error::custom(format!("unknown connector type '{raw}'")))
    }
}

/// `ConnectorTaskId`: `{"connector":"c","task":0}`; displayed (and used as a map key) as `c-0`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConnectorTaskId {
    pub connector: String,
    pub task: u32,
}

impl ConnectorTaskId {
    /// The id of task `task` of `connector`.
    pub fn new(connector: impl Into<String>, task: u32) -> Self {
        Self {
            connector: connector.into(),
            task,
        }
    }
}

impl fmt::Display for ConnectorTaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// `ConnectorInfo`: a connector's name, stored config, task ids and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: ConfigMap,
    pub tasks: Vec<ConnectorTaskId>,
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
}

/// The state of a connector or task instance (`AbstractStatus.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Failed,
    /// Never shown to users: a destroyed instance disappears from the status.
    Destroyed,
    Restarting,
    /// Only ever shown for connectors, never for tasks.
    Stopped,
}

/// The status entry of a connector instance inside [`ConnectorStateInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorState {
    pub state: State,
    pub worker_id: String,
    /// The failure's stack trace; omitted from JSON when absent or empty (`msg` is read too).
    #[serde(default, alias = "msg", skip_serializing_if = "is_empty_trace")]
    pub trace: Option<String>,
}

/// The status of one task: the body of `GET /connectors/{c}/tasks/{t}/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    pub id: u32,
    pub state: State,
    pub worker_id: String,
    /// The failure's stack trace; omitted from JSON when absent or empty (`msg` is read too).
    #[serde(default, alias = "msg", skip_serializing_if = "is_empty_trace")]
    pub trace: Option<String>,
}

fn is_empty_trace(trace: &Option<String>) -> bool {
    trace.as_deref().is_none_or(str::is_empty)
}

/// `ConnectorStateInfo`: the body of `GET /connectors/{c}/status`; tasks are sorted by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStateInfo {
    pub name: String,
    pub connector: ConnectorState,
    pub tasks: Vec<TaskState>,
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
}

/// `TaskInfo`: one element of `GET /connectors/{c}/tasks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub id: ConnectorTaskId,
    pub config: ConfigMap,
}

/// The state a connector is asked to be in (`TargetState`), as stored in the config topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetState {
    Started,
    Paused,
    Stopped,
}

impl TargetState {
    /// The upper-case name Kafka writes (`STARTED`, `PAUSED`, `STOPPED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::Paused => "PAUSED",
            Self::Stopped => "STOPPED",
        }
    }
}

/// `CreateConnectorRequest.InitialState`: `RUNNING`, `PAUSED` or `STOPPED`, any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InitialState {
    Running,
    Paused,
    Stopped,
}

impl InitialState {
    /// The target state a new connector starts in.
    pub fn target_state(self) -> TargetState {
        match self {
            Self::Running => TargetState::Started,
            Self::Paused => TargetState::Paused,
            Self::Stopped => TargetState::Stopped,
        }
    }
}

impl<'de> Deserialize<'de> for InitialState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        match raw.to_ascii_uppercase().as_str() {
            "RUNNING" => Ok(Self::Running),
            "PAUSED" => Ok(Self::Paused),
            "STOPPED" => Ok(Self::Stopped),
            _ => Err(de::Error::custom(format!(
                "Cannot deserialize value of type `InitialState` from String \"{raw}\": \
                 not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED]"
            ))),
        }
    }
}

/// `CreateConnectorRequest`: the body of `POST /connectors`.
///
/// Every field is optional on the wire, as in Kafka; the handler decides what a missing one
/// means (a missing name is `""`, which fails validation; a missing config is an error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateConnectorRequest {
    pub name: Option<String>,
    pub config: Option<ConfigMap>,
    pub initial_state: Option<InitialState>,
}

/// The wire form of [`CreateConnectorRequest`]; see [`object_only`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateConnectorRequestWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "optional_config_map")]
    config: Option<ConfigMap>,
    #[serde(default)]
    initial_state: Option<InitialState>,
}

impl<'de> Deserialize<'de> for CreateConnectorRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire: CreateConnectorRequestWire = object_only(d)?;
        Ok(Self {
            name: wire.name,
            config: wire.config,
            initial_state: wire.initial_state,
        })
    }
}

/// Reads `T` from a JSON object only. serde's derived struct impls also accept an array of the
/// fields in order; Jackson does not, and neither does Kafka's REST API.
fn object_only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct ObjectOnly<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }

    d.deserialize_map(ObjectOnly(PhantomData))
}

/// A JSON object read as Kafka reads a `Map<String, String>`: strings as they are, numbers and
/// booleans as their JSON text, `null` kept as `None`; objects and arrays are rejected.
///
/// The body of `PATCH /connectors/{c}/config` (where `null` deletes a key) and of the logger
/// endpoint; [`ConfigMap`] bodies go through it and drop the nulls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NullableStringMap(pub BTreeMap<String, Option<String>>);

impl NullableStringMap {
    /// The map without its null entries.
    pub fn into_config_map(self) -> ConfigMap {
        self.0
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect()
    }
}

impl<'de> Deserialize<'de> for NullableStringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Value>::deserialize(d)?;
        let mut out = BTreeMap::new();
        for (key, value) in raw {
            let text = match value {
                Value::Null => None,
                Value::String(s) => Some(s),
                Value::Bool(b) => Some(b.to_string()),
                // With `arbitrary_precision` this is the number's original JSON text, as Jackson.
                Value::Number(n) => Some(n.to_string()),
                Value::Array(_) => return Err(not_a_string::<D::Error>(&key, "Array")),
                Value::Object(_) => return Err(not_a_string::<D::Error>(&key, "Object")),
            };
            out.insert(key, text);
        }
        Ok(Self(out))
    }
}

fn not_a_string<E: de::Error>(key: &str, what: &str) -> E {
    E::custom(format!(
        "Cannot deserialize value of type `java.lang.String` from {what} value (key \"{key}\")"
    ))
}

/// A string map body ([`ConfigMap`]): scalars as text, null entries dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigMapBody(pub ConfigMap);

impl<'de> Deserialize<'de> for ConfigMapBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(NullableStringMap::deserialize(d)?.into_config_map()))
    }
}

fn optional_config_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ConfigMap>, D::Error> {
    Ok(Option::<NullableStringMap>::deserialize(d)?.map(NullableStringMap::into_config_map))
}

/// What `POST /connectors/{c}/restart` asks for (`RestartRequest`), with Kafka's plan rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestartRequest {
    pub connector: String,
    pub only_failed: bool,
    pub include_tasks: bool,
}

impl RestartRequest {
    /// Whether only the connector instance is restarted, whatever its state (the legacy form).
    pub fn force_restart_connector_only(&self) -> bool {
        !self.only_failed && !self.include_tasks
    }

    /// Whether a connector in `state` is restarted by this request.
    pub fn should_restart_connector(&self, state: State) -> bool {
        !self.only_failed || state == State::Failed
    }

    /// Whether a task in `state` is restarted by this request.
    pub fn should_restart_task(&self, state: State) -> bool {
        self.include_tasks && (!self.only_failed || state == State::Failed)
    }
}

/// `PluginInfo`: one element of `GET /connector-plugins`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// The fully-qualified Java class name.
    pub class: String,
    /// `source`, `sink`, `transformation`, `predicate`, `converter` or `header_converter`.
    #[serde(rename = "type")]
    pub plugin_type: String,
    /// The plugin version; omitted from JSON when it is [`PluginInfo::UNDEFINED_VERSION`].
    #[serde(
        default = "undefined_version",
        skip_serializing_if = "is_undefined_version"
    )]
    pub version: String,
}

impl PluginInfo {
    /// Kafka's `PluginDesc.UNDEFINED_VERSION`.
    pub const UNDEFINED_VERSION: &'static str = "undefined";

    /// The entry for a registered plugin.
    pub fn new(class: impl Into<String>, kind: PluginKind, version: impl Into<String>) -> Self {
        Self {
            class: class.into(),
            plugin_type: kind.name().to_string(),
            version: version.into(),
        }
    }

    /// Whether this is a connector (what `connectorsOnly=true` keeps).
    pub fn is_connector(&self) -> bool {
        self.plugin_type == PluginKind::Source.name() || self.plugin_type == PluginKind::Sink.name()
    }
}

fn undefined_version() -> String {
    PluginInfo::UNDEFINED_VERSION.to_string()
}

fn is_undefined_version(version: &str) -> bool {
    version == PluginInfo::UNDEFINED_VERSION
}

/// `ConnectorOffset`: a source partition (or sink topic-partition) and its offset.
///
/// The maps are connector-defined JSON objects; `offset: null` in an alter request resets that
/// partition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectorOffset {
    pub partition: Map<String, Value>,
    pub offset: Option<Map<String, Value>>,
}

/// The wire form of [`ConnectorOffset`]; see [`object_only`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorOffsetWire {
    partition: Map<String, Value>,
    #[serde(default)]
    offset: Option<Map<String, Value>>,
}

impl<'de> Deserialize<'de> for ConnectorOffset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire: ConnectorOffsetWire = object_only(d)?;
        Ok(Self {
            partition: wire.partition,
            offset: wire.offset,
        })
    }
}

/// `ConnectorOffsets`: the body of `GET`/`PATCH /connectors/{c}/offsets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConnectorOffsets {
    /// A missing or null list reads as empty (which `PATCH` rejects with Kafka's 400).
    pub offsets: Vec<ConnectorOffset>,
}

/// The wire form of [`ConnectorOffsets`]; see [`object_only`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorOffsetsWire {
    #[serde(default)]
    offsets: Option<Vec<ConnectorOffset>>,
}

impl<'de> Deserialize<'de> for ConnectorOffsets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire: ConnectorOffsetsWire = object_only(d)?;
        Ok(Self {
            offsets: wire.offsets.unwrap_or_default(),
        })
    }
}

/// `Message`: `{"message":"..."}`, the body of offset alter and reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub message: String,
}

impl Message {
    /// A message entity.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// `LoggerLevel`: a logger's level and when it was last set (epoch ms, null if never).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggerLevel {
    pub level: String,
    pub last_modified: Option<i64>,
}

/// `ActiveTopicsInfo`: the topics a connector has used; only `topics` is serialized, under the
/// connector's name (`{"c":{"topics":[...]}}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveTopicsInfo {
    #[serde(skip)]
    pub connector: String,
    pub topics: Vec<String>,
}

/// The `status` of [`WorkerStatus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Healthy,
    Starting,
    Unhealthy,
}

/// `WorkerStatus`: the body of `GET /health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerStatus {
    pub status: HealthStatus,
    pub message: String,
}

impl WorkerStatus {
    /// The worker has started and its herder answers.
    pub fn healthy() -> Self {
        Self {
            status: HealthStatus::Healthy,
            message: "Worker has completed startup and is ready to handle requests.".into(),
        }
    }

    /// The worker has not finished starting.
    pub fn starting(details: Option<&str>) -> Self {
        Self {
            status: HealthStatus::Starting,
            message: with_details("Worker is still starting up.", details),
        }
    }

    /// The worker started but its herder did not answer in time.
    pub fn unhealthy(details: Option<&str>) -> Self {
        Self {
            status: HealthStatus::Unhealthy,
            message: with_details(
                "Worker was unable to handle this request and may be unable to handle other requests.",
                details,
            ),
        }
    }
}

fn with_details(message: &str, details: Option<&str>) -> String {
    match details {
        Some(d) => format!("{message} {d}"),
        None => message.to_string(),
    }
}

/// `ErrorMessage`: the body of every error response (`{"error_code":404,"message":"..."}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub error_code: u16,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn state_info_has_kafka_order_and_omits_empty_trace() {
        let info = ConnectorStateInfo {
            name: "c".into(),
            connector: ConnectorState {
                state: State::Running,
                worker_id: "w:8083".into(),
                trace: Some(String::new()),
            },
            tasks: vec![TaskState {
                id: 0,
                state: State::Failed,
                worker_id: "w:8083".into(),
                trace: Some("boom".into()),
            }],
            connector_type: ConnectorType::Source,
        };
        assert_eq!(
            json(&info),
            r#"{"name":"c","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w:8083","trace":"boom"}],"type":"source"}"#
        );
    }

    #[test]
    fn state_entry_reads_kafka_msg_alias() {
        let s: ConnectorState =
            serde_json::from_str(r#"{"state":"UNASSIGNED","worker_id":"w","msg":"x"}"#).unwrap();
        assert_eq!(s.trace.as_deref(), Some("x"));
        assert_eq!(s.state, State::Unassigned);
    }

    #[test]
    fn connector_info_and_task_id_shapes() {
        let info = ConnectorInfo {
            name: "c".into(),
            config: [("a".to_string(), "1".to_string())].into(),
            tasks: vec![ConnectorTaskId::new("c", 0)],
            connector_type: ConnectorType::Sink,
        };
        assert_eq!(
            json(&info),
            r#"{"name":"c","config":{"a":"1"},"tasks":[{"connector":"c","task":0}],"type":"sink"}"#
        );
        assert_eq!(ConnectorTaskId::new("my-conn", 3).to_string(), "my-conn-3");
        let t: ConnectorType = serde_json::from_str(r#""SOURCE""#).unwrap();
        assert_eq!(t, ConnectorType::Source);
    }

    #[test]
    fn plugin_info_omits_undefined_version() {
        let with = PluginInfo::new("a.B", PluginKind::Source, "1.0");
        let without = PluginInfo::new("a.T", PluginKind::Transformation, "undefined");
        assert_eq!(
            json(&with),
            r#"{"class":"a.B","type":"source","version":"1.0"}"#
        );
        assert_eq!(json(&without), r#"{"class":"a.T","type":"transformation"}"#);
        assert!(with.is_connector());
        assert!(!without.is_connector());
    }

    #[test]
    fn create_request_reads_initial_state_any_case_and_scalar_values() {
        let r: CreateConnectorRequest = serde_json::from_str(
            r#"{"name":" c ","config":{"tasks.max":1,"x":true,"y":1.50,"z":null},"initial_state":"paused"}"#,
        )
        .unwrap();
        assert_eq!(
            r.initial_state.map(InitialState::target_state),
            Some(TargetState::Paused)
        );
        let config = r.config.unwrap();
        assert_eq!(config.get("tasks.max").map(String::as_str), Some("1"));
        assert_eq!(config.get("x").map(String::as_str), Some("true"));
        assert_eq!(config.get("y").map(String::as_str), Some("1.50"));
        assert!(!config.contains_key("z"));
    }

    #[test]
    fn create_request_rejects_unknown_fields_and_bad_state() {
        let unknown = serde_json::from_str::<CreateConnectorRequest>(r#"{"nme":"c"}"#);
        assert!(unknown.unwrap_err().to_string().contains("unknown field"));
        let state = serde_json::from_str::<CreateConnectorRequest>(r#"{"initial_state":"GO"}"#);
        assert!(state
            .unwrap_err()
            .to_string()
            .contains("RUNNING, PAUSED, STOPPED"));
        let array = serde_json::from_str::<CreateConnectorRequest>(r#"["c", null, null]"#);
        assert!(array.unwrap_err().to_string().contains("a JSON object"));
        let nested = serde_json::from_str::<NullableStringMap>(r#"{"k":{"a":1}}"#);
        assert!(nested
            .unwrap_err()
            .to_string()
            .contains("from Object value"));
    }

    #[test]
    fn offsets_keep_partition_key_order_and_null_offset() {
        let body = r#"{"offsets":[{"partition":{"z":1,"a":"x"},"offset":null}]}"#;
        let offsets: ConnectorOffsets = serde_json::from_str(body).unwrap();
        assert_eq!(offsets.offsets[0].offset, None);
        assert_eq!(json(&offsets), body);
        let empty: ConnectorOffsets = serde_json::from_str(r#"{"offsets":null}"#).unwrap();
        assert!(empty.offsets.is_empty());
    }

    #[test]
    fn restart_plan_follows_kafka_rules() {
        let r = |only_failed, include_tasks| RestartRequest {
            connector: "c".into(),
            only_failed,
            include_tasks,
        };
        assert!(r(false, false).force_restart_connector_only());
        assert!(!r(true, false).force_restart_connector_only());
        assert!(!r(true, true).should_restart_connector(State::Running));
        assert!(r(true, true).should_restart_connector(State::Failed));
        assert!(!r(false, false).should_restart_task(State::Failed));
        assert!(r(false, true).should_restart_task(State::Running));
        assert!(!r(true, true).should_restart_task(State::Running));
    }

    #[test]
    fn small_entities_shapes() {
        assert_eq!(
            json(&LoggerLevel {
                level: "INFO".into(),
                last_modified: None
            }),
            r#"{"level":"INFO","last_modified":null}"#
        );
        assert_eq!(
            json(&ActiveTopicsInfo {
                connector: "c".into(),
                topics: vec!["t".into()]
            }),
            r#"{"topics":["t"]}"#
        );
        assert_eq!(
            json(&WorkerStatus::starting(Some("Reading config."))),
            r#"{"status":"starting","message":"Worker is still starting up. Reading config."}"#
        );
        assert_eq!(
            json(&ServerInfo {
                version: "3.9.0".into(),
                commit: "abc".into(),
                kafka_cluster_id: Some("id".into())
            }),
            r#"{"version":"3.9.0","commit":"abc","kafka_cluster_id":"id"}"#
        );
    }
}
