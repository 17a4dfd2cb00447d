//! The connector's configuration: Debezium's property names, defaults and meanings, parsed once
//! into [`MySqlSourceConfig`] so nothing on the per-row path looks a key up.
//!
//! Three kinds of keys exist, and a user can tell them apart from the validation result:
//! - **supported** keys are declared in [`MySqlSourceConfig::def`] with Debezium's default and
//!   documentation; a value Strait does not implement (a snapshot mode, a TLS mode, `true` for a
//!   feature not built yet) is rejected by the key's validator with a message saying why and what
//!   to use instead;
//! - **known but unsupported** Debezium keys ([`UNSUPPORTED`]) are accepted only at their
//!   Debezium default, so a config written for Debezium keeps working when it only restates
//!   defaults, and fails validation naming the key when it asks for behaviour Strait lacks;
//! - **renamed** keys (`table.whitelist`, …, removed by Debezium 2.0) are rejected with the new
//!   name, because Debezium 2+ would silently ignore them and capture everything.
//!
//! Nothing is parsed and then ignored.

use std::sync::Arc;
use std::time::Duration;

use strait_api::config::{
    ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, ParsedValue, Validator,
};
use strait_api::{ConfigMap, ConnectError, Result};

use super::filters::{Filters, KeyColumns, PatternList};
use super::history::ddl_filter::{DdlFilter, DEFAULT_DDL_FILTER};

pub const HOSTNAME: &str = "database.hostname";
pub const PORT: &str = "database.port";
pub const USER: &str = "database.user";
pub const PASSWORD: &str = "database.password";
pub const SERVER_ID: &str = "database.server.id";
pub const SERVER_ID_OFFSET: &str = "database.server.id.offset";
pub const TOPIC_PREFIX: &str = "topic.prefix";
/// The pre-2.0 name of `topic.prefix`.
pub const SERVER_NAME: &str = "database.server.name";
pub const SSL_MODE: &str = "database.ssl.mode";
pub const CONNECT_TIMEOUT_MS: &str = "connect.timeout.ms";
pub const KEEP_ALIVE: &str = "connect.keep.alive";
pub const KEEP_ALIVE_INTERVAL_MS: &str = "connect.keep.alive.interval.ms";
pub const INITIAL_STATEMENTS: &str = "database.initial.statements";
pub const QUERY_TIMEOUT_MS: &str = "database.query.timeout.ms";

pub const DATABASE_INCLUDE: &str = "database.include.list";
pub const DATABASE_EXCLUDE: &str = "database.exclude.list";
pub const TABLE_INCLUDE: &str = "table.include.list";
pub const TABLE_EXCLUDE: &str = "table.exclude.list";
pub const COLUMN_INCLUDE: &str = "column.include.list";
pub const COLUMN_EXCLUDE: &str = "column.exclude.list";
pub const TABLE_IGNORE_BUILTIN: &str = "table.ignore.builtin";
pub const MESSAGE_KEY_COLUMNS: &str = "message.key.columns";
pub const SNAPSHOT_INCLUDE: &str = "snapshot.include.collection.list";

pub const SNAPSHOT_MODE: &str = "snapshot.mode";
pub const SNAPSHOT_LOCKING_MODE: &str = "snapshot.locking.mode";
pub const SNAPSHOT_LOCK_TIMEOUT_MS: &str = "snapshot.lock.timeout.ms";
pub const SNAPSHOT_FETCH_SIZE: &str = "snapshot.fetch.size";
pub const SNAPSHOT_DELAY_MS: &str = "snapshot.delay.ms";

pub const DECIMAL_HANDLING_MODE: &str = "decimal.handling.mode";
pub const TIME_PRECISION_MODE: &str = "time.precision.mode";
pub const BIGINT_UNSIGNED_HANDLING_MODE: &str = "bigint.unsigned.handling.mode";
pub const BINARY_HANDLING_MODE: &str = "binary.handling.mode";
pub const ENABLE_TIME_ADJUSTER: &str = "enable.time.adjuster";
pub const INCLUDE_SCHEMA_COMMENTS: &str = "include.schema.comments";

pub const INCLUDE_SCHEMA_CHANGES: &str = "include.schema.changes";
pub const TOMBSTONES_ON_DELETE: &str = "tombstones.on.delete";
pub const PROVIDE_TRANSACTION_METADATA: &str = "provide.transaction.metadata";
pub const SKIPPED_OPERATIONS: &str = "skipped.operations";
pub const SKIP_MESSAGES_WITHOUT_CHANGE: &str = "skip.messages.without.change";
pub const EVENT_PROCESSING_FAILURE_HANDLING_MODE: &str = "event.processing.failure.handling.mode";
pub const EVENT_DESERIALIZATION_FAILURE_HANDLING_MODE: &str =
    "event.deserialization.failure.handling.mode";
pub const INCONSISTENT_SCHEMA_HANDLING_MODE: &str = "inconsistent.schema.handling.mode";
pub const HEARTBEAT_INTERVAL_MS: &str = "heartbeat.interval.ms";
pub const HEARTBEAT_TOPICS_PREFIX: &str = "topic.heartbeat.prefix";
pub const TOPIC_DELIMITER: &str = "topic.delimiter";
pub const TOPIC_TRANSACTION: &str = "topic.transaction";
pub const MAX_BATCH_SIZE: &str = "max.batch.size";
pub const MAX_QUEUE_SIZE: &str = "max.queue.size";
pub const POLL_INTERVAL_MS: &str = "poll.interval.ms";
pub const EXTENDED_HEADERS_ENABLED: &str = "extended.headers.enabled";
/// Kafka Connect's error tolerance (a worker key, read here to apply it to undecodable rows).
pub const ERRORS_TOLERANCE: &str = "errors.tolerance";

pub const SCHEMA_HISTORY: &str = "schema.history.internal";
pub const SCHEMA_HISTORY_TOPIC: &str = "schema.history.internal.kafka.topic";
pub const SCHEMA_HISTORY_BOOTSTRAP: &str = "schema.history.internal.kafka.bootstrap.servers";
pub const SCHEMA_HISTORY_SKIP_UNPARSEABLE: &str = "schema.history.internal.skip.unparseable.ddl";
pub const SCHEMA_HISTORY_DDL_FILTER: &str = "schema.history.internal.ddl.filter";
/// The pre-2.0 name of [`SCHEMA_HISTORY_DDL_FILTER`], honoured when the new one is absent.
pub const DATABASE_HISTORY_DDL_FILTER: &str = "database.history.ddl.filter";
pub const SCHEMA_HISTORY_STORE_ONLY_CAPTURED_TABLES: &str =
    "schema.history.internal.store.only.captured.tables.ddl";
pub const SCHEMA_HISTORY_STORE_ONLY_CAPTURED_DATABASES: &str =
    "schema.history.internal.store.only.captured.databases.ddl";
/// The pre-2.0 names of the two history keys, read when the new names are absent.
pub const DATABASE_HISTORY_TOPIC: &str = "database.history.kafka.topic";
pub const DATABASE_HISTORY_BOOTSTRAP: &str = "database.history.kafka.bootstrap.servers";

/// Debezium keys Strait accepts only at their Debezium default (`None`: only when absent),
/// with the reason shown when another value is set.
pub const UNSUPPORTED: &[(&str, Option<&str>, &str)] = &[
    ("binlog.buffer.size", Some("0"), "the look-ahead buffer for ROLLBACK is not implemented"),
    ("streaming.delay.ms", Some("0"), "streaming starts right after the snapshot"),
    ("binlog.net.read.timeout", Some("0"), "the binlog connection keeps the server's net_read_timeout"),
    ("binlog.net.write.timeout", Some("0"), "the binlog connection keeps the server's net_write_timeout"),
    ("event.converting.failure.handling.mode", Some("warn"), "a value that cannot be converted is handled by event.processing.failure.handling.mode"),
    ("include.query", Some("false"), "the original SQL is not available: the binlog stream of mysql_async cannot request ANNOTATE_ROWS/ROWS_QUERY events"),
    ("gtid.source.includes", None, "GTID source filtering is not implemented"),
    ("gtid.source.excludes", None, "GTID source filtering is not implemented"),
    ("gtid.ignore.on.recovery", Some("false"), "recovery by file/position while GTIDs are stored is not implemented"),
    ("signal.data.collection", None, "signals (incremental and blocking snapshots) are not implemented"),
    ("signal.enabled.channels", Some("source"), "signals are not implemented"),
    ("converters", None, "custom converters (Java classes) cannot run in Strait"),
    ("column.propagate.source.type", None, "source type propagation to schema parameters is not implemented"),
    ("datatype.propagate.source.type", None, "source type propagation to schema parameters is not implemented"),
    ("schema.name.adjustment.mode", Some("none"), "only the default schema naming ('none') is implemented"),
    ("field.name.adjustment.mode", Some("none"), "only the default field naming ('none') is implemented"),
    ("snapshot.select.statement.overrides", None, "snapshot SELECT overrides are not implemented"),
    ("snapshot.max.threads", Some("1"), "the snapshot reads one table at a time"),
    ("snapshot.query.mode", Some("select_all"), "only 'select_all' is implemented"),
    ("snapshot.tables.order.by.row.count", Some("disabled"), "tables are snapshotted in name order"),
    ("snapshot.mode.custom.name", None, "custom snapshotters (Java classes) cannot run in Strait"),
    ("snapshot.locking.mode.custom.name", None, "custom snapshot lockers (Java classes) cannot run in Strait"),
    ("snapshot.query.mode.custom.name", None, "custom snapshot queries (Java classes) cannot run in Strait"),
    ("heartbeat.action.query", None, "heartbeat action queries are not implemented"),
    ("topic.naming.strategy", Some("io.debezium.schema.DefaultTopicNamingStrategy"), "only Debezium's default topic naming is implemented"),
    ("topic.heartbeat.name", None, "the heartbeat topic is always <topic.heartbeat.prefix>.<topic.prefix>"),
    ("read.only", Some("false"), "read-only incremental snapshots are not implemented"),
    ("max.queue.size.in.bytes", Some("0"), "the queue is bounded by max.queue.size records only"),
    ("source.struct.version", Some("v2"), "only the v2 source block is implemented"),
    ("sourceinfo.struct.maker", None, "custom source blocks (Java classes) cannot run in Strait"),
    ("post.processors", None, "post processors (Java classes) cannot run in Strait"),
    ("notification.enabled.channels", None, "notifications are not implemented"),
    ("openlineage.integration.enabled", Some("false"), "OpenLineage is not implemented"),
    ("resolve.create.table.like.schema", Some("false"), "CREATE TABLE ... LIKE is resolved from the table model only"),
    ("schema.history.internal.kafka.recovery.poll.interval.ms", Some("100"), "the history topic is read to its high watermark in one pass"),
    ("schema.history.internal.kafka.recovery.attempts", Some("100"), "the history topic is read to its high watermark in one pass"),
    ("schema.history.internal.kafka.query.timeout.ms", Some("3000"), "the history client uses the worker's Kafka timeouts"),
    ("schema.history.internal.kafka.create.timeout.ms", Some("30000"), "the history client uses the worker's Kafka timeouts"),
    ("schema.history.internal.memory.optimization", Some("off"), "the history is replayed in full"),
    ("database.ssl.keystore", None, "TLS is not built into this Strait binary"),
    ("database.ssl.truststore", None, "TLS is not built into this Strait binary"),
    ("database.ssl.keystore.password", None, "TLS is not built into this Strait binary"),
    ("database.ssl.truststore.password", None, "TLS is not built into this Strait binary"),
    ("database.jdbc.driver", None, "Strait talks to the server directly, not through a JDBC driver"),
    ("database.protocol", None, "Strait talks to the server directly, not through a JDBC driver"),
    ("snapshot.mode.configuration.based.snapshot.data", Some("false"), "snapshot.mode=configuration_based is not implemented"),
    ("snapshot.mode.configuration.based.snapshot.schema", Some("false"), "snapshot.mode=configuration_based is not implemented"),
    ("snapshot.mode.configuration.based.start.stream", Some("false"), "snapshot.mode=configuration_based is not implemented"),
    ("snapshot.mode.configuration.based.snapshot.on.schema.error", Some("false"), "snapshot.mode=configuration_based is not implemented"),
    ("snapshot.mode.configuration.based.snapshot.on.data.error", Some("false"), "snapshot.mode=configuration_based is not implemented"),
];

/// Keys Debezium 2.0 renamed; Debezium 2+ ignores the old names, Strait names the new one.
pub const RENAMED: &[(&str, &str)] = &[
    ("database.whitelist", DATABASE_INCLUDE),
    ("database.blacklist", DATABASE_EXCLUDE),
    ("table.whitelist", TABLE_INCLUDE),
    ("table.blacklist", TABLE_EXCLUDE),
    ("column.whitelist", COLUMN_INCLUDE),
    ("column.blacklist", COLUMN_EXCLUDE),
    ("snapshot.new.tables", SNAPSHOT_MODE),
];

/// Which Debezium connector the configuration is for: it decides the `connector` name in the
/// source block and the package of the `Source` schema, not the wire protocol (that follows the
/// server the connector reaches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorFlavor {
    /// `io.debezium.connector.mysql.MySqlConnector`.
    MySql,
    /// `io.debezium.connector.mariadb.MariaDbConnector`.
    MariaDb,
}

impl ConnectorFlavor {
    /// The `connector` field of the source block and the schema package segment.
    pub fn name(self) -> &'static str {
        match self {
            Self::MySql => "mysql",
            Self::MariaDb => "mariadb",
        }
    }
}

/// `snapshot.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMode {
    Initial,
    InitialOnly,
    NoData,
    Never,
    WhenNeeded,
    Recovery,
    Always,
}

impl SnapshotMode {
    const ACCEPTED: &'static [&'static str] = &[
        "initial",
        "initial_only",
        "no_data",
        "schema_only",
        "never",
        "when_needed",
        "recovery",
        "schema_only_recovery",
        "always",
    ];

    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "initial" => Self::Initial,
            "initial_only" => Self::InitialOnly,
            "no_data" | "schema_only" => Self::NoData,
            "never" => Self::Never,
            "when_needed" => Self::WhenNeeded,
            "recovery" | "schema_only_recovery" => Self::Recovery,
            "always" => Self::Always,
            _ => return None,
        })
    }

    /// Whether this mode reads table rows when it snapshots.
    pub fn snapshots_data(self) -> bool {
        matches!(
            self,
            Self::Initial | Self::InitialOnly | Self::WhenNeeded | Self::Always
        )
    }

    /// Whether streaming follows the snapshot.
    pub fn streams(self) -> bool {
        self != Self::InitialOnly
    }
}

/// `snapshot.locking.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockingMode {
    /// A global read lock held while the binlog position is read, then released.
    Minimal,
    /// The read lock held for the whole snapshot.
    Extended,
    /// No lock: only safe while no DDL runs.
    None,
}

/// `decimal.handling.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalMode {
    Precise,
    Double,
    String,
}

/// `time.precision.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePrecisionMode {
    AdaptiveTimeMicroseconds,
    Connect,
    IsoString,
    Microseconds,
    Nanoseconds,
}

/// `bigint.unsigned.handling.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BigIntUnsignedMode {
    Long,
    Precise,
}

/// `binary.handling.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryMode {
    Bytes,
    Base64,
    Base64UrlSafe,
    Hex,
}

/// `event.processing.failure.handling.mode` (and its deserialization sibling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureMode {
    /// Fail the task (a data error, so `errors.tolerance` decides).
    Fail,
    /// Log and skip the event.
    Warn,
    /// Skip the event silently.
    Skip,
}

/// Operations named in `skipped.operations`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkippedOperations {
    pub create: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
}

/// How row values are represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueModes {
    pub decimal: DecimalMode,
    pub time: TimePrecisionMode,
    pub bigint_unsigned: BigIntUnsignedMode,
    pub binary: BinaryMode,
    /// `enable.time.adjuster`: two-digit years 00–69 become 2000–2069, 70–99 become 1970–1999.
    pub time_adjuster: bool,
}

impl Default for ValueModes {
    fn default() -> Self {
        Self {
            decimal: DecimalMode::Precise,
            time: TimePrecisionMode::AdaptiveTimeMicroseconds,
            bigint_unsigned: BigIntUnsignedMode::Long,
            binary: BinaryMode::Bytes,
            time_adjuster: true,
        }
    }
}

/// `column.mask.with.N.chars` / `column.truncate.to.N.chars`: a column pattern list and N.
#[derive(Clone, Debug)]
pub struct ColumnRule {
    pub columns: PatternList,
    pub length: usize,
}

/// Where the connector reaches the server.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub connect_timeout: Duration,
    /// `connect.keep.alive`: reconnect after a lost connection instead of failing.
    pub keep_alive: bool,
    /// `connect.keep.alive.interval.ms`: the longest wait between reconnection attempts.
    pub keep_alive_interval: Duration,
    /// `database.initial.statements`, run on every query (non-binlog) connection.
    pub initial_statements: Vec<String>,
}

/// Heartbeat records, when `heartbeat.interval.ms` is positive.
#[derive(Clone, Debug)]
pub struct HeartbeatConfig {
    pub interval: Duration,
    pub topic: String,
}

/// The parsed configuration shared by the connector and its task.
#[derive(Clone, Debug)]
pub struct MySqlSourceConfig {
    pub connection: ConnectionConfig,
    pub server_id: u32,
    pub topic_prefix: String,
    pub topic_delimiter: String,
    pub filters: Filters,
    pub key_columns: KeyColumns,
    pub snapshot_mode: SnapshotMode,
    pub locking_mode: LockingMode,
    pub lock_timeout: Duration,
    pub snapshot_fetch_size: usize,
    pub snapshot_delay: Duration,
    pub values: ValueModes,
    pub include_schema_comments: bool,
    pub masks: Vec<ColumnRule>,
    pub truncations: Vec<ColumnRule>,
    pub tombstones_on_delete: bool,
    pub skipped: SkippedOperations,
    pub skip_unchanged: bool,
    pub processing_failure: FailureMode,
    pub deserialization_failure: FailureMode,
    pub inconsistent_schema: FailureMode,
    pub heartbeat: Option<HeartbeatConfig>,
    /// `provide.transaction.metadata`.
    pub transaction_metadata: bool,
    /// `topic.transaction`: the transaction topic is `<prefix><delimiter><this>`.
    pub transaction_topic: String,
    pub max_batch_size: usize,
    pub max_queue_size: usize,
    pub poll_interval: Duration,
    pub extended_headers: bool,
    /// `include.schema.changes`: emit schema change records to the `<prefix>` topic.
    pub include_schema_changes: bool,
    pub history: HistoryConfig,
}

/// Where the schema history is kept (`schema.history.internal`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryStorage {
    /// `KafkaSchemaHistory`: a one-partition topic, in Debezium's document format.
    Kafka {
        topic: String,
        bootstrap_servers: String,
    },
    /// `MemorySchemaHistory`: kept by the task only; lost when it stops (tests and demos).
    Memory,
}

/// The `schema.history.internal.*` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryConfig {
    pub storage: HistoryStorage,
    /// `skip.unparseable.ddl`: log and skip a DDL statement the parser cannot read.
    pub skip_unparseable_ddl: bool,
    /// `ddl.filter`: statements neither applied nor recorded.
    pub ddl_filter: DdlFilter,
    /// `store.only.captured.tables.ddl`: record and model only captured tables.
    pub store_only_captured_tables: bool,
    /// `store.only.captured.databases.ddl`: record only statements of captured databases.
    pub store_only_captured_databases: bool,
}

type CheckFn = fn(&ParsedValue) -> std::result::Result<(), String>;

fn key(name: &str, ty: ConfigType, importance: Importance, group: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, importance, doc).group(group, -1)
}

fn custom(check: CheckFn) -> Validator {
    Validator::Custom(Arc::new(check))
}

fn string_of(value: &ParsedValue) -> Option<&str> {
    match value {
        ParsedValue::String(s) => Some(s.as_str()),
        _ => None,
    }
}

fn check_choice(
    value: &ParsedValue,
    supported: &[&str],
    known: &[(&str, &str)],
) -> std::result::Result<(), String> {
    let Some(s) = string_of(value) else {
        return Ok(());
    };
    if supported.iter().any(|o| o.eq_ignore_ascii_case(s)) {
        return Ok(());
    }
    if let Some((_, why)) = known.iter().find(|(o, _)| o.eq_ignore_ascii_case(s)) {
        return Err(format!(
            "Strait does not support '{s}' yet: {why}; supported values are {}",
            supported.join(", ")
        ));
    }
    Err(format!("Value must be one of {}", supported.join(", ")))
}

fn check_snapshot_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(
        v,
        SnapshotMode::ACCEPTED,
        &[
            (
                "configuration_based",
                "configuration-based snapshotters are not implemented",
            ),
            (
                "custom",
                "custom snapshotters (Java classes) cannot run in Strait",
            ),
        ],
    )
}

fn check_locking_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(
        v,
        &["minimal", "extended", "none"],
        &[
            (
                "minimal_percona",
                "Percona backup locks are not implemented",
            ),
            (
                "minimal_percona_no_table_locks",
                "Percona backup locks are not implemented",
            ),
            (
                "custom",
                "custom lockers (Java classes) cannot run in Strait",
            ),
        ],
    )
}

fn check_decimal_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(v, &["precise", "double", "string"], &[])
}

fn check_time_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(
        v,
        &[
            "adaptive_time_microseconds",
            "connect",
            "isostring",
            "microseconds",
            "nanoseconds",
        ],
        &[
            (
                "adaptive",
                "Debezium's MySQL connector rejects it too (use adaptive_time_microseconds)",
            ),
            (
                "structured",
                "the structured temporal types of Debezium 3.7 are not implemented",
            ),
        ],
    )
}

fn check_bigint_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(v, &["long", "precise"], &[])
}

fn check_binary_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(v, &["bytes", "base64", "base64-url-safe", "hex"], &[])
}

fn check_failure_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    check_choice(v, &["fail", "warn", "skip", "ignore"], &[])
}

fn check_ssl_mode(v: &ParsedValue) -> std::result::Result<(), String> {
    let tls = "TLS is not built into this Strait binary; use 'disabled' or 'preferred' (which \
               connects without TLS)";
    check_choice(
        v,
        &["disabled", "preferred", "disable"],
        &[
            ("required", tls),
            ("verify_ca", tls),
            ("verify_identity", tls),
            ("trust", tls),
            ("verify-ca", tls),
            ("verify-full", tls),
        ],
    )
}

fn check_server_id(v: &ParsedValue) -> std::result::Result<(), String> {
    match v {
        ParsedValue::Long(n) if *n <= 0 || *n > i64::from(u32::MAX) => {
            Err("must be a positive number no larger than 4294967295".into())
        }
        _ => Ok(()),
    }
}

fn check_regex_list(v: &ParsedValue) -> std::result::Result<(), String> {
    match string_of(v) {
        Some(s) => PatternList::parse(s).map(|_| ()),
        None => Ok(()),
    }
}

fn check_ddl_filter(v: &ParsedValue) -> std::result::Result<(), String> {
    match string_of(v) {
        Some(s) => DdlFilter::parse(s).map(|_| ()),
        None => Ok(()),
    }
}

fn check_key_columns(v: &ParsedValue) -> std::result::Result<(), String> {
    match string_of(v) {
        Some(s) => KeyColumns::parse(s).map(|_| ()),
        None => Ok(()),
    }
}

fn check_skipped_operations(v: &ParsedValue) -> std::result::Result<(), String> {
    match string_of(v) {
        Some(s) => parse_skipped(s).map(|_| ()),
        None => Ok(()),
    }
}

fn check_topic_prefix(v: &ParsedValue) -> std::result::Result<(), String> {
    match string_of(v) {
        Some("") => Err("must not be empty".into()),
        Some(s)
            if !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            Err("may only contain ASCII letters, digits, '.', '_' and '-' (Debezium's rule)".into())
        }
        _ => Ok(()),
    }
}

fn check_schema_history_class(v: &ParsedValue) -> std::result::Result<(), String> {
    match v {
        ParsedValue::Class(c) | ParsedValue::String(c)
            if !c.is_empty()
                && !c.ends_with("KafkaSchemaHistory")
                && !c.ends_with("MemorySchemaHistory")
                && !c.ends_with("KafkaDatabaseHistory")
                && !c.ends_with("MemoryDatabaseHistory") =>
        {
            Err(format!(
                "Strait keeps the schema history in a Kafka topic (KafkaSchemaHistory) or in memory \
                 (MemorySchemaHistory) and cannot run the history class '{c}'"
            ))
        }
        _ => Ok(()),
    }
}

fn parse_skipped(s: &str) -> std::result::Result<SkippedOperations, String> {
    let mut ops = SkippedOperations::default();
    for op in s.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        match op.to_ascii_lowercase().as_str() {
            "none" => ops = SkippedOperations::default(),
            "c" => ops.create = true,
            "u" => ops.update = true,
            "d" => ops.delete = true,
            "t" => ops.truncate = true,
            other => {
                return Err(format!(
                "'{other}' is not an operation; use a comma-separated list of c, u, d, t or 'none'"
            ))
            }
        }
    }
    Ok(ops)
}

fn parse_choice(value: Option<&str>) -> String {
    value.unwrap_or_default().to_ascii_lowercase()
}

fn millis(n: i64) -> Duration {
    Duration::from_millis(u64::try_from(n).unwrap_or(0))
}

impl MySqlSourceConfig {
    /// Every supported key with Debezium's default and documentation.
    pub fn def() -> ConfigDef {
        use ConfigType::{Boolean, Class, Int, Long, Password, String};
        use Importance::{High, Low, Medium};
        let conn = "Connection";
        let filters = "Filters";
        let snapshot = "Snapshot";
        let values = "Values";
        let events = "Events";
        let history = "History";
        ConfigDef::new()
            .define(key(HOSTNAME, String, High, conn, "Resolvable hostname or IP address of the database server.")
                .validator(Validator::NonEmptyString))
            .define(key(PORT, Int, High, conn, "Port of the database server.").default("3306")
                .validator(Validator::Between(1.0, 65535.0)))
            .define(key(USER, String, High, conn, "Name of the database user to be used when connecting to the database.")
                .validator(Validator::NonEmptyString))
            .define(key(PASSWORD, Password, High, conn, "Password of the database user to be used when connecting to the database.")
                .default_null())
            .define(key(SERVER_ID, Long, High, conn, "A numeric ID of this database client, which must be unique across all currently-running database processes in the cluster. This connector joins the database cluster as another server (with this unique ID) so it can read the binlog.")
                .validator(custom(check_server_id)))
            .define(key(SERVER_ID_OFFSET, Long, Low, conn, "Only relevant to Debezium's legacy parallel snapshot; accepted for compatibility.")
                .default("10000"))
            .define(key(TOPIC_PREFIX, String, High, conn, "Topic prefix that identifies and provides a namespace for the particular database server/cluster is capturing changes. The topic prefix should be unique across all other connectors, since it is used as a prefix for all Kafka topic names that receive events emitted by this connector. Only alphanumeric characters, hyphens, dots and underscores must be accepted.")
                .default_null().validator(custom(check_topic_prefix)))
            .define(key(SERVER_NAME, String, Low, conn, "The pre-2.0 name of topic.prefix; used when topic.prefix is not set.")
                .default_null().validator(custom(check_topic_prefix)))
            .define(key(SSL_MODE, String, Medium, conn, "Whether to use an encrypted connection. This Strait binary has no TLS: 'preferred' connects without TLS, and modes that require TLS are rejected.")
                .default("preferred").validator(custom(check_ssl_mode)))
            .define(key(CONNECT_TIMEOUT_MS, Long, Low, conn, "Maximum time to wait after trying to connect to the database before timing out, in milliseconds.")
                .default("30000").validator(Validator::AtLeast(1.0)))
            .define(key(KEEP_ALIVE, Boolean, Low, conn, "Whether the connector reconnects after losing the binlog connection (true), or fails (false).")
                .default("true"))
            .define(key(KEEP_ALIVE_INTERVAL_MS, Long, Low, conn, "The longest wait between two reconnection attempts, in milliseconds.")
                .default("60000").validator(Validator::AtLeast(1.0)))
            .define(key(INITIAL_STATEMENTS, String, Low, conn, "A semicolon separated list of SQL statements run when a query (non-binlog) connection is opened; ';;' escapes a semicolon.")
                .default_null())
            .define(key(QUERY_TIMEOUT_MS, Int, Low, conn, "Accepted for compatibility; queries are bounded by the connector's own timeouts.")
                .default("600000"))
            .define(key(DATABASE_INCLUDE, String, Medium, filters, "A comma-separated list of regular expressions that match database names to be monitored.")
                .default_null().validator(custom(check_regex_list)))
            .define(key(DATABASE_EXCLUDE, String, Medium, filters, "A comma-separated list of regular expressions that match database names to be excluded from monitoring.")
                .default_null().validator(custom(check_regex_list)))
            .define(key(TABLE_INCLUDE, String, Medium, filters, "The tables for which changes are to be captured (regular expressions matching <database>.<table>).")
                .default_null().validator(custom(check_regex_list)))
            .define(key(TABLE_EXCLUDE, String, Medium, filters, "A comma-separated list of regular expressions that match the fully-qualified names of tables to be excluded from monitoring.")
                .default_null().validator(custom(check_regex_list)))
            .define(key(COLUMN_INCLUDE, String, Medium, filters, "Regular expressions matching columns to include in change events (<database>.<table>.<column>).")
                .default_null().validator(custom(check_regex_list)))
            .define(key(COLUMN_EXCLUDE, String, Medium, filters, "Regular expressions matching columns to exclude from change events (<database>.<table>.<column>).")
                .default_null().validator(custom(check_regex_list)))
            .define(key(TABLE_IGNORE_BUILTIN, Boolean, Low, filters, "Flag specifying whether built-in tables should be ignored.")
                .default("true"))
            .define(key(MESSAGE_KEY_COLUMNS, String, Medium, filters, "A semicolon-separated list of expressions that match fully-qualified tables and column(s) to be used as message key. Each expression must match the pattern '<fully-qualified table name>:<key columns>'.")
                .default_null().validator(custom(check_key_columns)))
            .define(key(SNAPSHOT_INCLUDE, String, Medium, filters, "This setting must be set to specify a list of tables/collections whose snapshot must be taken on creating or restarting the connector.")
                .default_null().validator(custom(check_regex_list)))
            .define(key(SNAPSHOT_MODE, String, High, snapshot, "The criteria for running a snapshot upon startup of the connector: initial (default), initial_only, no_data (schema_only), never, when_needed, recovery (schema_only_recovery) or always.")
                .default("initial").validator(custom(check_snapshot_mode)))
            .define(key(SNAPSHOT_LOCKING_MODE, String, Medium, snapshot, "Controls how long the connector holds onto the global read lock while it is performing a snapshot: minimal (default), extended or none.")
                .default("minimal").validator(custom(check_locking_mode)))
            .define(key(SNAPSHOT_LOCK_TIMEOUT_MS, Long, Low, snapshot, "The maximum number of millis to wait for table locks at the beginning of a snapshot.")
                .default("10000").validator(Validator::AtLeast(0.0)))
            .define(key(SNAPSHOT_FETCH_SIZE, Int, Low, snapshot, "Accepted for compatibility: rows are always streamed from the server, never held in memory.")
                .default_null())
            .define(key(SNAPSHOT_DELAY_MS, Long, Low, snapshot, "A delay period before a snapshot will begin, given in milliseconds.")
                .default("0").validator(Validator::AtLeast(0.0)))
            .define(key(DECIMAL_HANDLING_MODE, String, Medium, values, "Specify how DECIMAL and NUMERIC columns should be represented in change events: precise (default), string or double.")
                .default("precise").validator(custom(check_decimal_mode)))
            .define(key(TIME_PRECISION_MODE, String, Medium, values, "Time, date, and timestamps can be represented with different kinds of precisions: adaptive_time_microseconds (default), connect, isostring, microseconds or nanoseconds.")
                .default("adaptive_time_microseconds").validator(custom(check_time_mode)))
            .define(key(BIGINT_UNSIGNED_HANDLING_MODE, String, Medium, values, "Specify how BIGINT UNSIGNED columns should be represented in change events: long (default) or precise.")
                .default("long").validator(custom(check_bigint_mode)))
            .define(key(BINARY_HANDLING_MODE, String, Low, values, "Specify how binary (blob, binary, etc.) columns should be represented in change events: bytes (default), base64, base64-url-safe or hex.")
                .default("bytes").validator(custom(check_binary_mode)))
            .define(key(ENABLE_TIME_ADJUSTER, Boolean, Medium, values, "Whether two-digit years are converted to four digits (00-69 to 2000-2069, 70-99 to 1970-1999).")
                .default("true"))
            .define(key(INCLUDE_SCHEMA_COMMENTS, Boolean, Low, values, "Whether the field schemas carry the column comments as their doc.")
                .default("false"))
            .define(key(INCLUDE_SCHEMA_CHANGES, Boolean, Medium, events, "Whether the connector should publish changes in the database schema to a Kafka topic with the same name as the topic prefix.")
                .default("true"))
            .define(key(TOMBSTONES_ON_DELETE, Boolean, Medium, events, "Whether delete operations should be represented by a delete event and a subsequent tombstone event (true) or only by a delete event (false).")
                .default("true"))
            .define(key(PROVIDE_TRANSACTION_METADATA, Boolean, Low, events, "Enables transaction metadata extraction together with event counting.")
                .default("false"))
            .define(key(SKIPPED_OPERATIONS, String, Low, events, "The comma-separated list of operations to skip during streaming: c (insert/create), u (update), d (delete), t (truncate) or none. By default truncates are skipped.")
                .default("t").validator(custom(check_skipped_operations)))
            .define(key(SKIP_MESSAGES_WITHOUT_CHANGE, Boolean, Low, events, "Skip update events whose included columns did not change.")
                .default("false"))
            .define(key(EVENT_PROCESSING_FAILURE_HANDLING_MODE, String, Low, events, "Specify how failures during processing of events (i.e. when encountering a corrupted event) should be handled: fail (default), warn or skip.")
                .default("fail").validator(custom(check_failure_mode)))
            .define(key(EVENT_DESERIALIZATION_FAILURE_HANDLING_MODE, String, Low, events, "Deprecated alias of the processing failure mode for undecodable binlog events: fail (default), warn or ignore.")
                .default("fail").validator(custom(check_failure_mode)))
            .define(key(INCONSISTENT_SCHEMA_HANDLING_MODE, String, Low, events, "Specify how binlog events that belong to a table missing from the table model should be handled: fail (default), warn or skip.")
                .default("fail").validator(custom(check_failure_mode)))
            .define(key(HEARTBEAT_INTERVAL_MS, Int, Medium, events, "Length of an interval in milli-seconds in in which the connector periodically sends heartbeat messages to a heartbeat topic. Use 0 to disable heartbeat messages.")
                .default("0").validator(Validator::AtLeast(0.0)))
            .define(key(HEARTBEAT_TOPICS_PREFIX, String, Low, events, "The prefix that is used to name heartbeat topics.")
                .default("__debezium-heartbeat"))
            .define(key(TOPIC_DELIMITER, String, Low, events, "Specify the delimiter for topic name.")
                .default("."))
            .define(key(TOPIC_TRANSACTION, String, Low, events, "The name of the transaction metadata topic (used only when transaction metadata is on).")
                .default("transaction"))
            .define(key(MAX_BATCH_SIZE, Int, Medium, events, "Maximum size of each batch of source records.")
                .default("2048").validator(Validator::AtLeast(1.0)))
            .define(key(MAX_QUEUE_SIZE, Int, Medium, events, "Maximum size of the queue for change events read from the database log but not yet recorded or forwarded.")
                .default("8192").validator(Validator::AtLeast(1.0)))
            .define(key(POLL_INTERVAL_MS, Long, Medium, events, "Time to wait for new change events to appear after receiving no events, given in milliseconds.")
                .default("500").validator(Validator::AtLeast(1.0)))
            .define(key(EXTENDED_HEADERS_ENABLED, Boolean, Low, events, "Whether every record carries the __debezium.context.* headers.")
                .default("true"))
            .define(key(SCHEMA_HISTORY, Class, Low, history, "The name of the SchemaHistory class that should be used to store and recover database schema changes: KafkaSchemaHistory (a topic) or MemorySchemaHistory.")
                .default("io.debezium.storage.kafka.history.KafkaSchemaHistory").validator(custom(check_schema_history_class)))
            .define(key(SCHEMA_HISTORY_TOPIC, String, Low, history, "The name of the topic for the database schema history.")
                .default_null())
            .define(key(SCHEMA_HISTORY_BOOTSTRAP, String, Low, history, "A list of host/port pairs that the connector will use for establishing the initial connection to the Kafka cluster for retrieving database schema history previously stored by the connector.")
                .default_null())
            .define(key(SCHEMA_HISTORY_SKIP_UNPARSEABLE, Boolean, Low, history, "Controls the action Debezium will take when it meets a DDL statement it cannot parse. By default the connector stops operating; when true it logs the statement and skips it.")
                .default("false"))
            .define(key(SCHEMA_HISTORY_DDL_FILTER, String, Low, history, "Comma-separated regular expressions (a comma inside one escaped as \\,) matched against whole statements, case-insensitively: a matching statement is neither applied nor recorded in the schema history. The default is Debezium's list (server-generated temporary table drops, RDS heartbeats, SAVEPOINT, GRANT/REVOKE, users and roles, ANALYZE/OPTIMIZE/REPAIR, views, functions, procedures, triggers).")
                .default(DEFAULT_DDL_FILTER).validator(custom(check_ddl_filter)))
            .define(key(SCHEMA_HISTORY_STORE_ONLY_CAPTURED_TABLES, Boolean, Low, history, "Controls what DDL will Debezium store in database schema history. By default (false) Debezium will store all incoming DDL statements. If set to true, then only DDL that manipulates a captured table will be stored.")
                .default("false"))
            .define(key(SCHEMA_HISTORY_STORE_ONLY_CAPTURED_DATABASES, Boolean, Low, history, "Controls what DDL will Debezium store in database schema history. By default (false) Debezium will store all incoming DDL statements. If set to true, then only DDL that manipulates a table from captured schema/database will be stored.")
                .default("false"))
    }

    /// Every problem with `config`, as `(key, message)` pairs: the declared keys' own checks,
    /// then unsupported, renamed and pattern keys, then cross-field rules.
    pub fn problems(config: &ConfigMap) -> Vec<(String, String)> {
        let mut problems: Vec<(String, String)> = Self::def()
            .validate(config)
            .into_iter()
            .flat_map(|v: ConfigValue| {
                let name = v.name;
                v.errors.into_iter().map(move |e| (name.clone(), e))
            })
            .collect();
        problems.extend(extra_problems(config));
        problems
    }

    /// Parses a connector or task configuration.
    ///
    /// # Errors
    /// A config error naming the first problem found by [`MySqlSourceConfig::problems`].
    pub fn parse(config: &ConfigMap) -> Result<Self> {
        if let Some((key, message)) = Self::problems(config).into_iter().next() {
            return Err(ConnectError::config(key, message));
        }
        let parsed = Self::def().parse(config)?;
        Ok(Self::from_parsed(&parsed, config))
    }

    fn from_parsed(p: &ParsedConfig, raw: &ConfigMap) -> Self {
        let text = |k: &str| p.string(k).map(str::to_string);
        let patterns = |k: &str| {
            p.string(k)
                .and_then(|s| PatternList::parse(s).ok())
                .unwrap_or_default()
        };
        let millis_of = |k: &str| millis(p.long(k).unwrap_or(0));
        let topic_prefix = text(TOPIC_PREFIX)
            .filter(|s| !s.is_empty())
            .or_else(|| text(SERVER_NAME))
            .unwrap_or_default();
        let values = ValueModes {
            decimal: match parse_choice(p.string(DECIMAL_HANDLING_MODE)).as_str() {
                "double" => DecimalMode::Double,
                "string" => DecimalMode::String,
                _ => DecimalMode::Precise,
            },
            time: match parse_choice(p.string(TIME_PRECISION_MODE)).as_str() {
                "connect" => TimePrecisionMode::Connect,
                "isostring" => TimePrecisionMode::IsoString,
                "microseconds" => TimePrecisionMode::Microseconds,
                "nanoseconds" => TimePrecisionMode::Nanoseconds,
                _ => TimePrecisionMode::AdaptiveTimeMicroseconds,
            },
            bigint_unsigned: match parse_choice(p.string(BIGINT_UNSIGNED_HANDLING_MODE)).as_str() {
                "precise" => BigIntUnsignedMode::Precise,
                _ => BigIntUnsignedMode::Long,
            },
            binary: match parse_choice(p.string(BINARY_HANDLING_MODE)).as_str() {
                "base64" => BinaryMode::Base64,
                "base64-url-safe" => BinaryMode::Base64UrlSafe,
                "hex" => BinaryMode::Hex,
                _ => BinaryMode::Bytes,
            },
            time_adjuster: p.boolean(ENABLE_TIME_ADJUSTER).unwrap_or(true),
        };
        // Kafka Connect's `errors.tolerance=all` tolerates what Debezium's failure modes would
        // fail on: undecodable or unconvertible rows are then logged and skipped.
        let tolerate_all = raw
            .get(ERRORS_TOLERANCE)
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("all"));
        let failure = |k: &str| match parse_choice(p.string(k)).as_str() {
            "warn" => FailureMode::Warn,
            "skip" | "ignore" => FailureMode::Skip,
            _ if tolerate_all => FailureMode::Warn,
            _ => FailureMode::Fail,
        };
        let heartbeat_ms = p.int(HEARTBEAT_INTERVAL_MS).unwrap_or(0);
        let heartbeat = (heartbeat_ms > 0).then(|| HeartbeatConfig {
            interval: millis(heartbeat_ms.into()),
            topic: format!(
                "{}.{}",
                p.string(HEARTBEAT_TOPICS_PREFIX)
                    .unwrap_or("__debezium-heartbeat"),
                topic_prefix
            ),
        });
        let (masks, truncations) = column_rules(raw);
        Self {
            connection: ConnectionConfig {
                hostname: text(HOSTNAME).unwrap_or_default(),
                port: p
                    .int(PORT)
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or(3306),
                user: text(USER).unwrap_or_default(),
                password: p.password(PASSWORD).map(str::to_string),
                connect_timeout: millis_of(CONNECT_TIMEOUT_MS),
                keep_alive: p.boolean(KEEP_ALIVE).unwrap_or(true),
                keep_alive_interval: millis_of(KEEP_ALIVE_INTERVAL_MS),
                initial_statements: p
                    .string(INITIAL_STATEMENTS)
                    .map(split_statements)
                    .unwrap_or_default(),
            },
            server_id: p
                .long(SERVER_ID)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
            topic_delimiter: text(TOPIC_DELIMITER).unwrap_or_else(|| ".".to_string()),
            topic_prefix,
            filters: Filters {
                database_include: patterns(DATABASE_INCLUDE),
                database_exclude: patterns(DATABASE_EXCLUDE),
                table_include: patterns(TABLE_INCLUDE),
                table_exclude: patterns(TABLE_EXCLUDE),
                column_include: patterns(COLUMN_INCLUDE),
                column_exclude: patterns(COLUMN_EXCLUDE),
                snapshot_include: patterns(SNAPSHOT_INCLUDE),
                ignore_builtin: p.boolean(TABLE_IGNORE_BUILTIN).unwrap_or(true),
            },
            key_columns: p
                .string(MESSAGE_KEY_COLUMNS)
                .and_then(|s| KeyColumns::parse(s).ok())
                .unwrap_or_default(),
            snapshot_mode: p
                .string(SNAPSHOT_MODE)
                .and_then(SnapshotMode::parse)
                .unwrap_or(SnapshotMode::Initial),
            locking_mode: match parse_choice(p.string(SNAPSHOT_LOCKING_MODE)).as_str() {
                "extended" => LockingMode::Extended,
                "none" => LockingMode::None,
                _ => LockingMode::Minimal,
            },
            lock_timeout: millis_of(SNAPSHOT_LOCK_TIMEOUT_MS),
            snapshot_fetch_size: p
                .int(SNAPSHOT_FETCH_SIZE)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
            snapshot_delay: millis_of(SNAPSHOT_DELAY_MS),
            values,
            include_schema_comments: p.boolean(INCLUDE_SCHEMA_COMMENTS).unwrap_or(false),
            masks,
            truncations,
            tombstones_on_delete: p.boolean(TOMBSTONES_ON_DELETE).unwrap_or(true),
            skipped: p
                .string(SKIPPED_OPERATIONS)
                .and_then(|s| parse_skipped(s).ok())
                .unwrap_or_default(),
            skip_unchanged: p.boolean(SKIP_MESSAGES_WITHOUT_CHANGE).unwrap_or(false),
            processing_failure: failure(EVENT_PROCESSING_FAILURE_HANDLING_MODE),
            deserialization_failure: failure(EVENT_DESERIALIZATION_FAILURE_HANDLING_MODE),
            inconsistent_schema: failure(INCONSISTENT_SCHEMA_HANDLING_MODE),
            heartbeat,
            transaction_metadata: p.boolean(PROVIDE_TRANSACTION_METADATA).unwrap_or(false),
            transaction_topic: text(TOPIC_TRANSACTION).unwrap_or_else(|| "transaction".to_string()),
            max_batch_size: p
                .int(MAX_BATCH_SIZE)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(2048)
                .max(1),
            max_queue_size: p
                .int(MAX_QUEUE_SIZE)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(8192)
                .max(1),
            poll_interval: millis_of(POLL_INTERVAL_MS),
            extended_headers: p.boolean(EXTENDED_HEADERS_ENABLED).unwrap_or(true),
            include_schema_changes: p.boolean(INCLUDE_SCHEMA_CHANGES).unwrap_or(true),
            history: HistoryConfig {
                storage: history_storage(raw),
                skip_unparseable_ddl: p.boolean(SCHEMA_HISTORY_SKIP_UNPARSEABLE).unwrap_or(false),
                ddl_filter: ddl_filter(raw),
                store_only_captured_tables: p
                    .boolean(SCHEMA_HISTORY_STORE_ONLY_CAPTURED_TABLES)
                    .unwrap_or(false),
                store_only_captured_databases: p
                    .boolean(SCHEMA_HISTORY_STORE_ONLY_CAPTURED_DATABASES)
                    .unwrap_or(false),
            },
        }
    }

    /// The data topic of a table, `<prefix>.<db>.<table>` with characters outside
    /// `[A-Za-z0-9._-]` replaced by `_` (Debezium's `DefaultTopicNamingStrategy`).
    pub fn data_topic(&self, db: &str, table: &str) -> String {
        let d = &self.topic_delimiter;
        sanitize_topic(&format!("{}{d}{db}{d}{table}", self.topic_prefix))
    }
}

/// A history key's value, under its 2.x name or else its pre-2.0 name.
fn history_key<'a>(raw: &'a ConfigMap, key: &str, old: &str) -> Option<&'a str> {
    [key, old]
        .iter()
        .filter_map(|k| raw.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
}

/// `schema.history.internal` and its topic keys.
fn history_storage(raw: &ConfigMap) -> HistoryStorage {
    let class = raw
        .get(SCHEMA_HISTORY)
        .or_else(|| raw.get("database.history"))
        .map(|c| c.trim())
        .unwrap_or_default();
    if class.ends_with("MemorySchemaHistory") || class.ends_with("MemoryDatabaseHistory") {
        return HistoryStorage::Memory;
    }
    HistoryStorage::Kafka {
        topic: history_key(raw, SCHEMA_HISTORY_TOPIC, DATABASE_HISTORY_TOPIC)
            .unwrap_or_default()
            .to_string(),
        bootstrap_servers: history_key(raw, SCHEMA_HISTORY_BOOTSTRAP, DATABASE_HISTORY_BOOTSTRAP)
            .unwrap_or_default()
            .to_string(),
    }
}

/// `schema.history.internal.ddl.filter`, else its pre-2.0 name, else Debezium's default; an
/// empty value filters nothing, as in Debezium. Validation has checked the expressions.
fn ddl_filter(raw: &ConfigMap) -> DdlFilter {
    let list = raw
        .get(SCHEMA_HISTORY_DDL_FILTER)
        .or_else(|| raw.get(DATABASE_HISTORY_DDL_FILTER))
        .map_or(DEFAULT_DDL_FILTER, String::as_str);
    DdlFilter::parse(list).unwrap_or_default()
}

/// Replaces characters Kafka does not allow in topic names with `_`.
pub fn sanitize_topic(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits `database.initial.statements` on `;`, with `;;` standing for a literal semicolon.
pub fn split_statements(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ';' {
            if chars.peek() == Some(&';') {
                chars.next();
                current.push(';');
            } else {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `column.mask.with.N.chars` and `column.truncate.to.N.chars` keys, with their column lists.
fn column_rules(raw: &ConfigMap) -> (Vec<ColumnRule>, Vec<ColumnRule>) {
    let mut masks = Vec::new();
    let mut truncations = Vec::new();
    for (k, v) in raw {
        let rule = |n: &str| {
            Some(ColumnRule {
                columns: PatternList::parse(v).ok()?,
                length: n.parse().ok()?,
            })
        };
        if let Some(n) = k
            .strip_prefix("column.mask.with.")
            .and_then(|r| r.strip_suffix(".chars"))
        {
            masks.extend(rule(n));
        } else if let Some(n) = k
            .strip_prefix("column.truncate.to.")
            .and_then(|r| r.strip_suffix(".chars"))
        {
            truncations.extend(rule(n));
        }
    }
    (masks, truncations)
}

/// Problems [`ConfigDef`] cannot see: unsupported, renamed and pattern keys, and the
/// `topic.prefix`/`database.server.name` pair.
pub fn extra_problems(config: &ConfigMap) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (name, default, why) in UNSUPPORTED {
        let Some(value) = config.get(*name) else {
            continue;
        };
        let at_default = default.is_some_and(|d| d.eq_ignore_ascii_case(value.trim()));
        if !at_default {
            let accepted = match default {
                Some(d) => format!("only its default '{d}' is accepted"),
                None => "it must not be set".to_string(),
            };
            problems.push((
                name.to_string(),
                format!("Strait does not support '{name}' yet ({why}); {accepted}"),
            ));
        }
    }
    if let Some(list) = config.get(DATABASE_HISTORY_DDL_FILTER) {
        if let Err(e) = DdlFilter::parse(list) {
            problems.push((DATABASE_HISTORY_DDL_FILTER.to_string(), e));
        }
    }
    for (old, new) in RENAMED {
        if config.contains_key(*old) {
            problems.push((
                old.to_string(),
                format!("'{old}' was removed by Debezium 2.0 and would be ignored; use '{new}'"),
            ));
        }
    }
    for (k, v) in config {
        if let Some(n) = k
            .strip_prefix("column.mask.with.")
            .or_else(|| k.strip_prefix("column.truncate.to."))
            .and_then(|r| r.strip_suffix(".chars"))
        {
            if n.parse::<usize>().is_err() {
                problems.push((
                    k.clone(),
                    format!("'{n}' in '{k}' is not a number of characters"),
                ));
            } else if let Err(e) = PatternList::parse(v) {
                problems.push((k.clone(), e));
            }
        } else if k.starts_with("column.mask.hash.") {
            problems.push((
                k.clone(),
                format!("Strait does not support hash masking ('{k}') yet; use column.mask.with.N.chars"),
            ));
        }
    }
    let prefix = config
        .get(TOPIC_PREFIX)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let server_name = config
        .get(SERVER_NAME)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    if prefix.is_none() && server_name.is_none() {
        problems.push((
            TOPIC_PREFIX.to_string(),
            "Missing required configuration \"topic.prefix\" which has no default value.".into(),
        ));
    }
    if let HistoryStorage::Kafka {
        topic,
        bootstrap_servers,
    } = history_storage(config)
    {
        for (key, value) in [
            (SCHEMA_HISTORY_TOPIC, topic),
            (SCHEMA_HISTORY_BOOTSTRAP, bootstrap_servers),
        ] {
            if value.is_empty() {
                problems.push((
                    key.to_string(),
                    format!(
                        "The '{key}' value is invalid: A value is required (the schema history \
                         is kept in this Kafka topic; use schema.history.internal=\
                         io.debezium.relational.history.MemorySchemaHistory to keep it in memory)"
                    ),
                ));
            }
        }
    }
    for k in config.keys() {
        if ["producer.", "consumer."].iter().any(|p| {
            k.strip_prefix("schema.history.internal.")
                .or_else(|| k.strip_prefix("database.history."))
                .is_some_and(|rest| rest.starts_with(p))
        }) {
            problems.push((
                k.clone(),
                format!(
                    "Strait does not support '{k}' yet: the history topic is read and written \
                     with a plain client (no TLS/SASL or client overrides); remove it"
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn minimal() -> ConfigMap {
        map(&[
            (HOSTNAME, "db"),
            (USER, "cdc"),
            (SERVER_ID, "5400"),
            (TOPIC_PREFIX, "shop"),
            (SCHEMA_HISTORY_TOPIC, "schema-changes.shop"),
            (SCHEMA_HISTORY_BOOTSTRAP, "kafka:9092"),
        ])
    }

    fn with(extra: &[(&str, &str)]) -> ConfigMap {
        let mut m = minimal();
        for (k, v) in extra {
            m.insert(k.to_string(), v.to_string());
        }
        m
    }

    fn problem_keys(config: &ConfigMap) -> Vec<String> {
        MySqlSourceConfig::problems(config)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn defaults_are_debeziums() {
        let c = MySqlSourceConfig::parse(&minimal()).unwrap();
        assert_eq!(c.connection.port, 3306);
        assert_eq!(c.server_id, 5400);
        assert_eq!(c.topic_prefix, "shop");
        assert_eq!(c.snapshot_mode, SnapshotMode::Initial);
        assert_eq!(c.locking_mode, LockingMode::Minimal);
        assert_eq!(c.values, ValueModes::default());
        assert!(c.tombstones_on_delete);
        assert_eq!(
            c.skipped,
            SkippedOperations {
                truncate: true,
                ..SkippedOperations::default()
            }
        );
        assert_eq!(c.max_batch_size, 2048);
        assert_eq!(c.max_queue_size, 8192);
        assert_eq!(c.poll_interval, Duration::from_millis(500));
        assert!(c.heartbeat.is_none());
        assert!(c.filters.ignore_builtin);
        assert!(c.extended_headers);
        assert_eq!(c.data_topic("inv", "orders"), "shop.inv.orders");
    }

    #[test]
    fn missing_required_keys_are_all_reported() {
        let keys = problem_keys(&map(&[(INCLUDE_SCHEMA_CHANGES, "false")]));
        for k in [
            HOSTNAME,
            USER,
            SERVER_ID,
            TOPIC_PREFIX,
            SCHEMA_HISTORY_TOPIC,
            SCHEMA_HISTORY_BOOTSTRAP,
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
        }
    }

    #[test]
    fn history_settings_follow_debezium() {
        let c = MySqlSourceConfig::parse(&minimal()).unwrap();
        assert!(c.include_schema_changes);
        assert_eq!(
            c.history,
            HistoryConfig {
                storage: HistoryStorage::Kafka {
                    topic: "schema-changes.shop".into(),
                    bootstrap_servers: "kafka:9092".into(),
                },
                skip_unparseable_ddl: false,
                ddl_filter: DdlFilter::default(),
                store_only_captured_tables: false,
                store_only_captured_databases: false,
            }
        );
        assert!(c.history.ddl_filter.matches("GRANT ALL ON *.* TO u"));
        // A custom DDL filter replaces the default; an empty one filters nothing.
        let c = MySqlSourceConfig::parse(&with(&[(SCHEMA_HISTORY_DDL_FILTER, "CREATE EVENT .*")]))
            .unwrap();
        assert!(c
            .history
            .ddl_filter
            .matches("create event e on schedule every 1 hour do select 1"));
        assert!(!c.history.ddl_filter.matches("GRANT ALL ON *.* TO u"));
        let c = MySqlSourceConfig::parse(&with(&[(SCHEMA_HISTORY_DDL_FILTER, "")])).unwrap();
        assert!(!c.history.ddl_filter.matches("GRANT ALL ON *.* TO u"));
        let c =
            MySqlSourceConfig::parse(&with(&[(DATABASE_HISTORY_DDL_FILTER, "FLUSH .*")])).unwrap();
        assert!(c.history.ddl_filter.matches("FLUSH TABLES"));
        // Pre-2.0 names stand in for the new ones.
        let mut old = minimal();
        old.remove(SCHEMA_HISTORY_TOPIC);
        old.remove(SCHEMA_HISTORY_BOOTSTRAP);
        old.insert(DATABASE_HISTORY_TOPIC.into(), "dbhistory.shop".into());
        old.insert(DATABASE_HISTORY_BOOTSTRAP.into(), "k:1".into());
        let c = MySqlSourceConfig::parse(&old).unwrap();
        assert_eq!(
            c.history.storage,
            HistoryStorage::Kafka {
                topic: "dbhistory.shop".into(),
                bootstrap_servers: "k:1".into()
            }
        );
        // Memory history needs no topic.
        let mut memory = minimal();
        memory.remove(SCHEMA_HISTORY_TOPIC);
        memory.remove(SCHEMA_HISTORY_BOOTSTRAP);
        memory.insert(
            SCHEMA_HISTORY.into(),
            "io.debezium.relational.history.MemorySchemaHistory".into(),
        );
        let c = MySqlSourceConfig::parse(&memory).unwrap();
        assert_eq!(c.history.storage, HistoryStorage::Memory);
        // Client overrides cannot be honoured and are named.
        let keys = problem_keys(&with(&[(
            "schema.history.internal.producer.security.protocol",
            "SASL_SSL",
        )]));
        assert_eq!(keys, ["schema.history.internal.producer.security.protocol"]);
        let keys = problem_keys(&with(&[(
            "schema.history.internal.kafka.recovery.attempts",
            "5",
        )]));
        assert_eq!(keys, ["schema.history.internal.kafka.recovery.attempts"]);
    }

    #[test]
    fn old_server_name_stands_in_for_topic_prefix() {
        let mut m = minimal();
        m.remove(TOPIC_PREFIX);
        m.insert(SERVER_NAME.into(), "legacy".into());
        let c = MySqlSourceConfig::parse(&m).unwrap();
        assert_eq!(c.topic_prefix, "legacy");
        assert_eq!(problem_keys(&m), Vec::<String>::new());
    }

    #[test]
    fn features_not_built_are_rejected_with_the_key() {
        assert!(MySqlSourceConfig::problems(&minimal()).is_empty());

        let cases = [
            (SNAPSHOT_MODE, "configuration_based"),
            (SNAPSHOT_LOCKING_MODE, "minimal_percona"),
            (SSL_MODE, "required"),
            (TIME_PRECISION_MODE, "adaptive"),
            ("include.query", "true"),
            ("converters", "boolean"),
            ("column.mask.hash.SHA-256.with.salt.x", "db.t.c"),
            ("table.whitelist", "db.t"),
            (SCHEMA_HISTORY_DDL_FILTER, "GRANT (.*"),
            (DATABASE_HISTORY_DDL_FILTER, "(?<=x)GRANT"),
        ];
        for (k, v) in cases {
            let problems = MySqlSourceConfig::problems(&with(&[(k, v)]));
            assert_eq!(problems.len(), 1, "{k}={v}: {problems:?}");
            assert_eq!(problems[0].0, k);
        }
        // Restating a Debezium default of an unsupported feature is fine.
        assert!(MySqlSourceConfig::problems(&with(&[("include.query", "false")])).is_empty());
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            (SERVER_ID, "0"),
            (TOPIC_PREFIX, "has space"),
            (TABLE_INCLUDE, "db.(unclosed"),
            (MESSAGE_KEY_COLUMNS, "nocolon"),
            (SKIPPED_OPERATIONS, "c,x"),
            (DECIMAL_HANDLING_MODE, "exact"),
            ("column.truncate.to.many.chars", "db.t.c"),
        ];
        for (k, v) in cases {
            assert_eq!(problem_keys(&with(&[(k, v)])), [k.to_string()], "{k}={v}");
        }
    }

    #[test]
    fn modes_and_rules_parse() {
        let c = MySqlSourceConfig::parse(&with(&[
            (SNAPSHOT_MODE, "schema_only"),
            (DECIMAL_HANDLING_MODE, "STRING"),
            (TIME_PRECISION_MODE, "connect"),
            (BIGINT_UNSIGNED_HANDLING_MODE, "precise"),
            (BINARY_HANDLING_MODE, "hex"),
            (SKIPPED_OPERATIONS, "none"),
            (HEARTBEAT_INTERVAL_MS, "1000"),
            ("column.mask.with.3.chars", "db.t.secret"),
            ("column.truncate.to.2.chars", "db.t.name"),
            (INITIAL_STATEMENTS, "SET a=1;SET b=';;'"),
        ]))
        .unwrap();
        assert_eq!(c.snapshot_mode, SnapshotMode::NoData);
        assert_eq!(c.values.decimal, DecimalMode::String);
        assert_eq!(c.values.time, TimePrecisionMode::Connect);
        assert_eq!(c.values.bigint_unsigned, BigIntUnsignedMode::Precise);
        assert_eq!(c.values.binary, BinaryMode::Hex);
        assert_eq!(c.skipped, SkippedOperations::default());
        let hb = c.heartbeat.unwrap();
        assert_eq!(hb.topic, "__debezium-heartbeat.shop");
        assert_eq!(hb.interval, Duration::from_secs(1));
        assert_eq!(c.masks.len(), 1);
        assert_eq!(c.masks[0].length, 3);
        assert!(c.masks[0].columns.matches("db.t.secret"));
        assert_eq!(c.truncations[0].length, 2);
        assert_eq!(c.connection.initial_statements, ["SET a=1", "SET b=';'"]);
    }

    #[test]
    fn errors_tolerance_all_turns_failures_into_warnings() {
        let strict = MySqlSourceConfig::parse(&minimal()).unwrap();
        assert_eq!(strict.processing_failure, FailureMode::Fail);
        let tolerant = MySqlSourceConfig::parse(&with(&[(ERRORS_TOLERANCE, "all")])).unwrap();
        assert_eq!(tolerant.processing_failure, FailureMode::Warn);
        assert_eq!(tolerant.deserialization_failure, FailureMode::Warn);
        let explicit = MySqlSourceConfig::parse(&with(&[
            (ERRORS_TOLERANCE, "all"),
            (EVENT_PROCESSING_FAILURE_HANDLING_MODE, "skip"),
        ]))
        .unwrap();
        assert_eq!(explicit.processing_failure, FailureMode::Skip);
    }

    #[test]
    fn topic_names_are_sanitized() {
        let c = MySqlSourceConfig::parse(&minimal()).unwrap();
        assert_eq!(c.data_topic("my db", "tåble"), "shop.my_db.t_ble");
    }
}
