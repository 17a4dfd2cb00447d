//! Every key of the reference connector, declared once with its name, default and documentation,
//! and parsed into [`DynamoDbCdcConfig`] so the tasks never look a key up again.
//!
//! The keys fall into four kinds, and the documentation of each says which:
//! - **implemented** keys behave as the reference describes;
//! - **accepted, no effect** keys configure Confluent Cloud's platform (Kafka credentials, Schema
//!   Registry contexts) or the KCL lease table that Strait does not need because shard positions
//!   live in Kafka Connect's offsets; their values are still checked, so a typo is reported;
//! - **rejected** keys select features Strait does not implement (IAM provider integrations,
//!   `output.data.format`, the `schema` document format): any non-default value is a validation
//!   error naming the key and saying what to use instead — never parsed and ignored;
//! - one **Strait extension**, `strait.dynamodb.rediscovery.interval.ms`.
//!
//! Cross-key rules (what the discovery mode requires, both halves of a key pair, a timestamp
//! that parses with its format) are checked by [`cross_field_errors`], so validation reports
//! every problem at once and `parse` fails on the first.

use std::sync::Arc;
use std::time::Duration;

use strait_api::config::{
    ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, ParsedValue, Validator,
};
use strait_api::{ConfigMap, ConnectError, Result};

use super::discovery::{parse_tag_filters, TagFilter};
use super::java_time::{JavaTimePattern, DEFAULT_PATTERN};

pub const AWS_ACCESS_KEY_ID: &str = "aws.access.key.id";
pub const AWS_SECRET_ACCESS_KEY: &str = "aws.secret.access.key";
pub const AUTHENTICATION_METHOD: &str = "authentication.method";
pub const PROVIDER_INTEGRATION_ID: &str = "provider.integration.id";
pub const SERVICE_ENDPOINT: &str = "dynamodb.service.endpoint";
pub const SYNC_MODE: &str = "dynamodb.table.sync.mode";
pub const DISCOVERY_MODE: &str = "dynamodb.table.discovery.mode";
pub const TAGGING_ENDPOINT: &str = "aws.resource.tagging.endpoint";
pub const TAG_FILTERS: &str = "dynamodb.table.tag.filters";
pub const INCLUDE_LIST: &str = "dynamodb.table.includelist";
pub const MAX_BATCH_SIZE: &str = "max.batch.size";
pub const POLL_LINGER_MS: &str = "poll.linger.ms";
pub const SNAPSHOT_MAX_POLL_RECORDS: &str = "dynamodb.snapshot.max.poll.records";
pub const SNAPSHOT_MAX_RCU_PERCENTAGE: &str = "dynamodb.snapshot.max.rcu.percentage";
pub const CDC_INITIAL_POSITION: &str = "dynamodb.cdc.initial.stream.position";
pub const CDC_START_TIMESTAMP: &str = "cdc.start.position.timestamp";
pub const CDC_START_TIMESTAMP_FORMAT: &str = "cdc.start.position.timestamp.format";
pub const CDC_MAX_POLL_RECORDS: &str = "dynamodb.cdc.max.poll.records";
pub const CHECKPOINT_TABLE_PREFIX: &str = "dynamodb.cdc.checkpointing.table.prefix";
pub const CHECKPOINT_BILLING_MODE: &str = "dynamodb.cdc.table.billing.mode";
pub const CHECKPOINT_READ_CAPACITY: &str = "dynamodb.cdc.checkpointing.table.read.capacity";
pub const CHECKPOINT_WRITE_CAPACITY: &str = "dynamodb.cdc.checkpointing.table.write.capacity";
pub const KAFKA_AUTH_MODE: &str = "kafka.auth.mode";
pub const KAFKA_API_KEY: &str = "kafka.api.key";
pub const KAFKA_API_SECRET: &str = "kafka.api.secret";
pub const KAFKA_SERVICE_ACCOUNT_ID: &str = "kafka.service.account.id";
pub const SCHEMA_CONTEXT_NAME: &str = "schema.context.name";
pub const KEY_SUBJECT_NAME_STRATEGY: &str = "key.subject.name.strategy";
pub const VALUE_SUBJECT_NAME_STRATEGY: &str = "value.subject.name.strategy";
pub const OUTPUT_DATA_FORMAT: &str = "output.data.format";
pub const OUTPUT_DATA_KEY_FORMAT: &str = "output.data.key.format";
pub const DOCUMENT_CONTENT_FORMAT: &str = "document.content.format";
pub const DOCUMENT_SCHEMA_SOURCE: &str = "document.schema.source";
pub const DOCUMENT_SCHEMA_VALIDATION: &str = "document.schema.validation";
pub const DECIMAL_HANDLING_MODE: &str = "decimal.handling.mode";
pub const REDISCOVERY_INTERVAL_MS: &str = "strait.dynamodb.rediscovery.interval.ms";
/// Task-only key: the tables one task captures, set by the connector in each task config.
pub const TASK_TABLES: &str = "strait.dynamodb.task.tables";

const GROUP_AWS: &str = "AWS credentials";
const GROUP_DYNAMODB: &str = "DynamoDB Details";
const GROUP_SNAPSHOT: &str = "Snapshot Details";
const GROUP_CDC: &str = "CDC Details";
const GROUP_CLOUD: &str = "Confluent Cloud (accepted, no effect)";
const GROUP_STRAIT: &str = "Strait";

const NO_EFFECT_LEASE: &str = " Accepted for compatibility, no effect in Strait: shard positions \
     are stored in Kafka Connect's offsets topic, so no checkpointing (lease) table is created.";
const NO_EFFECT_CLOUD: &str = " Accepted for compatibility, no effect in Strait: Kafka access, \
     converters and Schema Registry are configured on the worker (key.converter, value.converter).";

/// Which phases a table goes through (`dynamodb.table.sync.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// A one-time parallel scan.
    Snapshot,
    /// DynamoDB Streams only.
    Cdc,
    /// A scan, then the stream from the moment the scan started.
    SnapshotCdc,
}

impl SyncMode {
    /// Whether tables are scanned.
    pub fn snapshots(self) -> bool {
        matches!(self, Self::Snapshot | Self::SnapshotCdc)
    }
    /// Whether tables' streams are read.
    pub fn streams(self) -> bool {
        matches!(self, Self::Cdc | Self::SnapshotCdc)
    }
}

/// How tables are found (`dynamodb.table.discovery.mode`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscoveryMode {
    /// The tables named in `dynamodb.table.includelist`.
    IncludeList(Vec<String>),
    /// Tables whose tags match every filter, found through the Resource Groups Tagging API.
    Tag {
        endpoint: String,
        filters: Vec<TagFilter>,
    },
}

/// Where CDC starts in a stream with no committed position
/// (`dynamodb.cdc.initial.stream.position`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitialPosition {
    /// The oldest record still in the stream.
    TrimHorizon,
    /// Changes made after the connector first started reading the stream.
    Latest,
    /// Changes made at or after this time (epoch milliseconds).
    AtTimestamp(i64),
}

/// The parsed configuration of the connector and of its tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamoDbCdcConfig {
    /// `dynamodb.service.endpoint` as written.
    pub endpoint: String,
    /// Static credentials; `None` uses the default AWS credential chain.
    pub credentials: Option<(String, String)>,
    pub sync_mode: SyncMode,
    pub discovery: DiscoveryMode,
    /// Most records one `poll` returns.
    pub max_batch_size: usize,
    /// Longest a `poll` waits for a first record.
    pub poll_linger: Duration,
    /// Scan `Limit`.
    pub snapshot_max_poll_records: i32,
    /// Share of the table's read capacity the snapshot may consume, in percent.
    pub snapshot_max_rcu_percentage: u32,
    pub initial_position: InitialPosition,
    /// `dynamodb.cdc.max.poll.records`; each GetRecords asks for at most 1000 of them, the API
    /// maximum.
    pub cdc_max_poll_records: i32,
    /// How often the connector looks for new or removed tables.
    pub rediscovery_interval: Duration,
    /// The tables of one task (task configs only; empty for the connector).
    pub task_tables: Vec<String>,
}

fn string_key(name: &str, importance: Importance, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String, importance, doc)
}

fn reject_non_default(default: &'static str, why: &'static str) -> Validator {
    Validator::Custom(Arc::new(move |v: &ParsedValue| match v {
        ParsedValue::Null => Ok(()),
        ParsedValue::String(s) if s == default => Ok(()),
        _ => Err(why.to_string()),
    }))
}

fn reject_any(why: &'static str) -> Validator {
    Validator::Custom(Arc::new(move |v: &ParsedValue| match v {
        ParsedValue::Null => Ok(()),
        _ => Err(why.to_string()),
    }))
}

fn check_pattern(v: &ParsedValue) -> std::result::Result<(), String> {
    match v {
        ParsedValue::String(p) => JavaTimePattern::compile(p)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        _ => Ok(()),
    }
}

impl DynamoDbCdcConfig {
    /// The connector's keys, with the reference's defaults and documentation.
    pub fn def() -> ConfigDef {
        use Importance::{High, Low, Medium};
        let mut order = 0;
        let mut next = || {
            order += 1;
            order
        };
        ConfigDef::new()
            // AWS credentials.
            .define(
                ConfigKey::new(AWS_ACCESS_KEY_ID, ConfigType::Password, High,
                    "AWS access key id. With aws.secret.access.key, static credentials; when both \
                     are unset the default AWS credential chain is used (environment, shared \
                     profile, web identity token, container and instance roles).")
                .default_null()
                .group(GROUP_AWS, next()),
            )
            .define(
                ConfigKey::new(AWS_SECRET_ACCESS_KEY, ConfigType::Password, High,
                    "AWS secret access key, set together with aws.access.key.id.")
                .default_null()
                .group(GROUP_AWS, next()),
            )
            .define(
                string_key(AUTHENTICATION_METHOD, High,
                    "How to authenticate with AWS. Only 'Access Keys' is supported: Confluent \
                     Cloud's IAM-role provider integrations do not exist outside Confluent Cloud; \
                     leave the access keys unset to use the default credential chain (which \
                     covers IAM roles through web identity or instance profiles).")
                .default("Access Keys")
                .validator(reject_non_default("Access Keys",
                    "only 'Access Keys' is supported; to use an IAM role, leave \
                     aws.access.key.id and aws.secret.access.key unset and provide the role \
                     through the default AWS credential chain (AWS_ROLE_ARN with a web identity \
                     token, a profile, or an instance role)"))
                .group(GROUP_AWS, next()),
            )
            .define(
                string_key(PROVIDER_INTEGRATION_ID, High,
                    "Confluent Cloud provider integration. Rejected: not available outside \
                     Confluent Cloud.")
                .default_null()
                .validator(reject_any(
                    "Confluent Cloud provider integrations are not supported; leave the access \
                     keys unset to use the default AWS credential chain instead"))
                .group(GROUP_AWS, next()),
            )
            // DynamoDB details.
            .define(
                string_key(SERVICE_ENDPOINT, High,
                    "AWS DynamoDB API endpoint, as a URL (https://dynamodb.us-east-1.amazonaws.com) \
                     or a host name. The region is taken from an AWS host name; the DynamoDB \
                     Streams endpoint is derived from it (streams.dynamodb.<region>.amazonaws.com), \
                     and any other endpoint (an emulator) serves both APIs.")
                .validator(Validator::NonEmptyString)
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(SYNC_MODE, High,
                    "Define table sync mode. SNAPSHOT_CDC - start with SNAPSHOT and switch to CDC \
                     mode on completion; SNAPSHOT - perform SNAPSHOT only, CDC - perform CDC only")
                .default("SNAPSHOT_CDC")
                .validator(Validator::OneOf(vec!["SNAPSHOT_CDC", "SNAPSHOT", "CDC"]))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(DISCOVERY_MODE, High,
                    "Specifies the table discovery mode that defines the list of tables to be \
                     captured. TAG - use resource tag discovery using AWS Resource Tagging \
                     endpoint. INCLUDELIST - use explicit table names to be included")
                .default("INCLUDELIST")
                .validator(Validator::OneOf(vec!["INCLUDELIST", "TAG"]))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(TAGGING_ENDPOINT, High,
                    "AWS Resource Group Tag API Endpoint. Required if \
                     dynamodb.table.discovery.mode is selected as TAG")
                .default_null()
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(TAG_FILTERS, High,
                    "A semi-colon-separated list of pairs in the form \
                     <tag-key>:<value-1>,<value-2> that is used to create tag filters. For \
                     example, key1:v1,v2;key2:v3,v4 will include all tags that match key1 key with \
                     value of either v1 or v2, and match key2 with value of either v3 or v4. Any \
                     keys not specified will be excluded.")
                .default_null()
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(INCLUDE_LIST, High,
                    "A comma-separated list of DynamoDB table names to be captured. This is \
                     required if dynamodb.table.discovery.mode is set to INCLUDELIST.")
                .default_null()
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                ConfigKey::new(MAX_BATCH_SIZE, ConfigType::Int, Medium,
                    "The maximum number of records that will be returned by the connector to \
                     Connect. The connector may still return fewer records if no additional \
                     records are available.")
                .default("1000")
                .validator(Validator::Between(100.0, 10000.0))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                ConfigKey::new(POLL_LINGER_MS, ConfigType::Long, Medium,
                    "The maximum time to wait for a record before returning an empty batch. A \
                     poll returns as soon as records are available (up to max.batch.size).")
                .default("5000")
                .validator(Validator::Between(0.0, 300000.0))
                .group(GROUP_DYNAMODB, next()),
            )
            // Snapshot details.
            .define(
                ConfigKey::new(SNAPSHOT_MAX_POLL_RECORDS, ConfigType::Int, Medium,
                    "Maximum number of records that can be returned in single DynamoDB read \
                     operation (the Scan Limit). Only applicable to SNAPSHOT phase. Note that \
                     there is 1MB size limit as well.")
                .default("1000")
                .validator(Validator::AtLeast(1.0))
                .group(GROUP_SNAPSHOT, next()),
            )
            .define(
                ConfigKey::new(SNAPSHOT_MAX_RCU_PERCENTAGE, ConfigType::Int, Medium,
                    "Configure percentage of table read capacity that will be used as a maximum \
                     limit of RCU consumption rate, shared by the five scan segments. For \
                     on-demand tables the limit applies to the table's maximum on-demand read \
                     throughput when one is set; without one the scan is not throttled.")
                .default("50")
                .validator(Validator::Between(1.0, 100.0))
                .group(GROUP_SNAPSHOT, next()),
            )
            // CDC details.
            .define(
                string_key(CDC_INITIAL_POSITION, Medium,
                    "Specifies the position in the stream where a new application should start \
                     from, when no position is stored for a shard or its parents. Used only in \
                     CDC mode. TRIM_HORIZON - Start from the oldest available data record. LATEST \
                     - Start after the most recent data record (fetch new data). AT_TIMESTAMP - \
                     Start from the record at or after cdc.start.position.timestamp. Strait's \
                     default is TRIM_HORIZON, which loses nothing.")
                .default("TRIM_HORIZON")
                .validator(Validator::OneOf(vec!["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]))
                .group(GROUP_CDC, next()),
            )
            .define(
                string_key(CDC_START_TIMESTAMP, Medium,
                    "Specifies the timestamp in the stream where a new application should start \
                     from, with dynamodb.cdc.initial.stream.position=AT_TIMESTAMP. Used only in \
                     CDC mode.")
                .default_null()
                .group(GROUP_CDC, next()),
            )
            .define(
                string_key(CDC_START_TIMESTAMP_FORMAT, Medium,
                    "The java.time.format.DateTimeFormatter pattern of \
                     cdc.start.position.timestamp; a pattern without an offset is read as UTC.")
                .default(DEFAULT_PATTERN)
                .validator(Validator::Custom(Arc::new(check_pattern)))
                .group(GROUP_CDC, next()),
            )
            .define(
                ConfigKey::new(CDC_MAX_POLL_RECORDS, ConfigType::Int, Medium,
                    "Maximum number of records that can be returned in single DynamoDB Stream \
                     getRecords; values above 1000, the API's maximum, are sent as 1000.")
                .default("5000")
                .validator(Validator::AtLeast(1.0))
                .group(GROUP_CDC, next()),
            )
            .define(
                string_key(CHECKPOINT_TABLE_PREFIX, Medium,
                    &format!("Prefix for CDC Checkpointing tables.{NO_EFFECT_LEASE}"))
                .default("connect-KCL-")
                .group(GROUP_CDC, next()),
            )
            .define(
                string_key(CHECKPOINT_BILLING_MODE, Medium,
                    &format!("Billing mode for the internal checkpoint table.{NO_EFFECT_LEASE}"))
                .default("PROVISIONED")
                .validator(Validator::OneOf(vec!["PROVISIONED", "PAY_PER_REQUEST"]))
                .group(GROUP_CDC, next()),
            )
            .define(
                ConfigKey::new(CHECKPOINT_READ_CAPACITY, ConfigType::Int, Low,
                    &format!("Read capacity for CDC checkpointing table.{NO_EFFECT_LEASE}"))
                .default("50")
                .validator(Validator::AtLeast(1.0))
                .group(GROUP_CDC, next()),
            )
            .define(
                ConfigKey::new(CHECKPOINT_WRITE_CAPACITY, ConfigType::Int, Low,
                    &format!("Write capacity for CDC checkpointing table.{NO_EFFECT_LEASE}"))
                .default("50")
                .validator(Validator::AtLeast(1.0))
                .group(GROUP_CDC, next()),
            )
            // Confluent Cloud platform keys.
            .define(
                string_key(KAFKA_AUTH_MODE, Low,
                    &format!("Kafka Authentication mode.{NO_EFFECT_CLOUD}"))
                .default("KAFKA_API_KEY")
                .validator(Validator::OneOf(vec!["KAFKA_API_KEY", "SERVICE_ACCOUNT"]))
                .group(GROUP_CLOUD, next()),
            )
            .define(
                ConfigKey::new(KAFKA_API_KEY, ConfigType::Password, Low,
                    &format!("Kafka API Key.{NO_EFFECT_CLOUD}"))
                .default_null()
                .group(GROUP_CLOUD, next()),
            )
            .define(
                ConfigKey::new(KAFKA_API_SECRET, ConfigType::Password, Low,
                    &format!("Secret associated with Kafka API key.{NO_EFFECT_CLOUD}"))
                .default_null()
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(KAFKA_SERVICE_ACCOUNT_ID, Low,
                    &format!("The Service Account used to generate API keys.{NO_EFFECT_CLOUD}"))
                .default_null()
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(SCHEMA_CONTEXT_NAME, Low,
                    &format!("Schema Registry context name.{NO_EFFECT_CLOUD}"))
                .default("default")
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(KEY_SUBJECT_NAME_STRATEGY, Low,
                    &format!("Key subject name strategy.{NO_EFFECT_CLOUD}"))
                .default("TopicNameStrategy")
                .validator(Validator::OneOf(vec!["RecordNameStrategy", "TopicNameStrategy"]))
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(VALUE_SUBJECT_NAME_STRATEGY, Low,
                    &format!("Value subject name strategy.{NO_EFFECT_CLOUD}"))
                .default("TopicNameStrategy")
                .validator(Validator::OneOf(vec![
                    "RecordNameStrategy",
                    "TopicNameStrategy",
                    "TopicRecordNameStrategy",
                ]))
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(OUTPUT_DATA_FORMAT, Low,
                    "Confluent Cloud's output record value format. Rejected: in Strait the \
                     worker's value.converter (or the connector's value.converter override) \
                     decides the format.")
                .default_null()
                .validator(reject_any(
                    "not supported by Strait: set value.converter (for example \
                     org.apache.kafka.connect.json.JsonConverter) on the worker or the connector \
                     instead"))
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(OUTPUT_DATA_KEY_FORMAT, Low,
                    "Confluent Cloud's output record key format. Rejected: set key.converter.")
                .default_null()
                .validator(reject_any(
                    "not supported by Strait: set key.converter on the worker or the connector \
                     instead"))
                .group(GROUP_CLOUD, next()),
            )
            .define(
                string_key(DOCUMENT_CONTENT_FORMAT, Medium,
                    "How items are written: json_string, the DynamoDB JSON of the item in the \
                     'document' field. The 'schema' format is not implemented and is rejected.")
                .default("json_string")
                .validator(reject_non_default("json_string",
                    "only json_string is supported by Strait; the 'schema' document format is \
                     not implemented"))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(DOCUMENT_SCHEMA_SOURCE, Low,
                    "Only used with document.content.format=schema, which Strait rejects; only \
                     the default is accepted.")
                .default("user_provided")
                .validator(reject_non_default("user_provided",
                    "applies only to document.content.format=schema, which Strait does not \
                     implement"))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(DOCUMENT_SCHEMA_VALIDATION, Low,
                    "Only used with document.content.format=schema, which Strait rejects; only \
                     the default is accepted.")
                .default("strict")
                .validator(reject_non_default("strict",
                    "applies only to document.content.format=schema, which Strait does not \
                     implement"))
                .group(GROUP_DYNAMODB, next()),
            )
            .define(
                string_key(DECIMAL_HANDLING_MODE, Low,
                    "Only used with document.content.format=schema, which Strait rejects; only \
                     the default is accepted.")
                .default("double")
                .validator(reject_non_default("double",
                    "applies only to document.content.format=schema, which Strait does not \
                     implement"))
                .group(GROUP_DYNAMODB, next()),
            )
            // Strait extensions.
            .define(
                ConfigKey::new(REDISCOVERY_INTERVAL_MS, ConfigType::Long, Low,
                    "Strait extension: how often the connector looks for new and removed tables \
                     (TAG matches, and include-listed tables whose stream appeared or went \
                     away), reconfiguring its tasks when the set changes.")
                .default("60000")
                .validator(Validator::AtLeast(100.0))
                .group(GROUP_STRAIT, next()),
            )
    }

    /// Parses a connector or task configuration, including the cross-key rules.
    ///
    /// # Errors
    /// A config error naming the first bad key.
    pub fn parse(config: &ConfigMap) -> Result<Self> {
        let parsed = Self::def().parse(config)?;
        if let Some((key, message)) = cross_field_errors(&parsed).into_iter().next() {
            return Err(ConnectError::config(key, message));
        }
        Self::from_parsed(&parsed, config)
    }

    fn from_parsed(p: &ParsedConfig, raw: &ConfigMap) -> Result<Self> {
        let string = |k: &str| p.string(k).map(str::to_string);
        let endpoint = string(SERVICE_ENDPOINT).ok_or_else(|| missing(SERVICE_ENDPOINT))?;
        let credentials = match (
            p.password(AWS_ACCESS_KEY_ID),
            p.password(AWS_SECRET_ACCESS_KEY),
        ) {
            (Some(id), Some(secret)) => Some((id.to_string(), secret.to_string())),
            _ => None,
        };
        let sync_mode = match p.string(SYNC_MODE) {
            Some("SNAPSHOT") => SyncMode::Snapshot,
            Some("CDC") => SyncMode::Cdc,
            _ => SyncMode::SnapshotCdc,
        };
        let discovery = match p.string(DISCOVERY_MODE) {
            Some("TAG") => DiscoveryMode::Tag {
                endpoint: string(TAGGING_ENDPOINT).ok_or_else(|| missing(TAGGING_ENDPOINT))?,
                filters: parse_tag_filters(p.string(TAG_FILTERS).unwrap_or_default())
                    .map_err(|e| ConnectError::config(TAG_FILTERS, e.to_string()))?,
            },
            _ => DiscoveryMode::IncludeList(split_list(p.string(INCLUDE_LIST).unwrap_or_default())),
        };
        let initial_position = match p.string(CDC_INITIAL_POSITION) {
            Some("LATEST") => InitialPosition::Latest,
            Some("AT_TIMESTAMP") => InitialPosition::AtTimestamp(start_timestamp(p)?),
            _ => InitialPosition::TrimHorizon,
        };
        let int = |k: &str, default: i32| p.int(k).unwrap_or(default);
        let task_tables = raw
            .get(TASK_TABLES)
            .map(|s| split_list(s))
            .unwrap_or_default();
        Ok(Self {
            endpoint,
            credentials,
            sync_mode,
            discovery,
            max_batch_size: usize::try_from(int(MAX_BATCH_SIZE, 1000)).unwrap_or(1000),
            poll_linger: Duration::from_millis(
                u64::try_from(p.long(POLL_LINGER_MS).unwrap_or(5000)).unwrap_or(5000),
            ),
            snapshot_max_poll_records: int(SNAPSHOT_MAX_POLL_RECORDS, 1000),
            snapshot_max_rcu_percentage: u32::try_from(int(SNAPSHOT_MAX_RCU_PERCENTAGE, 50))
                .unwrap_or(50),
            initial_position,
            cdc_max_poll_records: int(CDC_MAX_POLL_RECORDS, 5000),
            rediscovery_interval: Duration::from_millis(
                u64::try_from(p.long(REDISCOVERY_INTERVAL_MS).unwrap_or(60_000)).unwrap_or(60_000),
            ),
            task_tables,
        })
    }

    /// Validates every key and the cross-key rules, without contacting AWS.
    pub fn validate_offline(config: &ConfigMap) -> Vec<ConfigValue> {
        let def = Self::def();
        let mut values = def.validate(config);
        // Cross-field rules only make sense once the keys themselves parse.
        if values.iter().all(|v| v.errors.is_empty()) {
            if let Ok(parsed) = def.parse(config) {
                for (key, message) in cross_field_errors(&parsed) {
                    add_error(&mut values, key, message);
                }
            }
        }
        values
    }
}

/// Adds an error to the entry of `key`.
pub fn add_error(values: &mut [ConfigValue], key: &str, message: String) {
    if let Some(v) = values.iter_mut().find(|v| v.name == key) {
        v.errors.push(message);
    }
}

fn missing(key: &str) -> ConnectError {
    ConnectError::config(
        key,
        format!("Missing required configuration \"{key}\" which has no default value."),
    )
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn start_timestamp(p: &ParsedConfig) -> Result<i64> {
    let text = p
        .string(CDC_START_TIMESTAMP)
        .ok_or_else(|| missing(CDC_START_TIMESTAMP))?;
    let pattern = JavaTimePattern::compile(
        p.string(CDC_START_TIMESTAMP_FORMAT)
            .unwrap_or(DEFAULT_PATTERN),
    )
    .map_err(|e| ConnectError::config(CDC_START_TIMESTAMP_FORMAT, e.to_string()))?;
    pattern
        .parse_millis(text)
        .map_err(|e| ConnectError::config(CDC_START_TIMESTAMP, e.to_string()))
}

/// The rules that involve more than one key, as `(key, message)` pairs.
fn cross_field_errors(p: &ParsedConfig) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let tag_mode = p.string(DISCOVERY_MODE) == Some("TAG");
    if tag_mode {
        if p.string(TAGGING_ENDPOINT).is_none_or(str::is_empty) {
            errors.push((
                TAGGING_ENDPOINT,
                format!("{TAGGING_ENDPOINT} is required when {DISCOVERY_MODE} is TAG"),
            ));
        }
        match p.string(TAG_FILTERS) {
            None | Some("") => errors.push((
                TAG_FILTERS,
                format!("{TAG_FILTERS} is required when {DISCOVERY_MODE} is TAG"),
            )),
            Some(filters) => {
                if let Err(e) = parse_tag_filters(filters) {
                    errors.push((
                        TAG_FILTERS,
                        format!("Invalid value {filters} for configuration {TAG_FILTERS}: {e}"),
                    ));
                }
            }
        }
    } else if split_list(p.string(INCLUDE_LIST).unwrap_or_default()).is_empty() {
        errors.push((
            INCLUDE_LIST,
            format!(
                "{INCLUDE_LIST} must name at least one table when {DISCOVERY_MODE} is INCLUDELIST"
            ),
        ));
    }
    match (
        p.password(AWS_ACCESS_KEY_ID),
        p.password(AWS_SECRET_ACCESS_KEY),
    ) {
        (Some(_), None) => errors.push((
            AWS_SECRET_ACCESS_KEY,
            format!("{AWS_SECRET_ACCESS_KEY} is required when {AWS_ACCESS_KEY_ID} is set"),
        )),
        (None, Some(_)) => errors.push((
            AWS_ACCESS_KEY_ID,
            format!("{AWS_ACCESS_KEY_ID} is required when {AWS_SECRET_ACCESS_KEY} is set"),
        )),
        _ => {}
    }
    if p.string(CDC_INITIAL_POSITION) == Some("AT_TIMESTAMP")
        || p.string(CDC_START_TIMESTAMP).is_some()
    {
        if let Err(e) = start_timestamp(p) {
            let (key, message) = match e {
                ConnectError::Config { key, message } => (key, message),
                other => (CDC_START_TIMESTAMP.to_string(), other.to_string()),
            };
            let key = if key == CDC_START_TIMESTAMP_FORMAT {
                CDC_START_TIMESTAMP_FORMAT
            } else {
                CDC_START_TIMESTAMP
            };
            let message = if p.string(CDC_START_TIMESTAMP).is_none() {
                format!(
                    "{CDC_START_TIMESTAMP} is required when {CDC_INITIAL_POSITION} is AT_TIMESTAMP"
                )
            } else {
                message
            };
            errors.push((key, message));
        }
    }
    errors
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

    fn base() -> ConfigMap {
        map(&[
            (SERVICE_ENDPOINT, "http://127.0.0.1:45000"),
            (INCLUDE_LIST, "t1, t2"),
        ])
    }

    fn errors(config: &ConfigMap) -> Vec<(String, String)> {
        DynamoDbCdcConfig::validate_offline(config)
            .into_iter()
            .flat_map(|v| {
                let name = v.name;
                v.errors.into_iter().map(move |e| (name.clone(), e))
            })
            .collect()
    }

    fn error_keys(config: &ConfigMap) -> Vec<String> {
        errors(config).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn defaults_are_the_reference_defaults() {
        let c = DynamoDbCdcConfig::parse(&base()).unwrap();
        assert_eq!(c.sync_mode, SyncMode::SnapshotCdc);
        assert_eq!(
            c.discovery,
            DiscoveryMode::IncludeList(vec!["t1".into(), "t2".into()])
        );
        assert_eq!(c.max_batch_size, 1000);
        assert_eq!(c.poll_linger, Duration::from_millis(5000));
        assert_eq!(c.snapshot_max_poll_records, 1000);
        assert_eq!(c.snapshot_max_rcu_percentage, 50);
        assert_eq!(c.cdc_max_poll_records, 5000);
        assert_eq!(c.initial_position, InitialPosition::TrimHorizon);
        assert_eq!(c.credentials, None);
        assert!(c.task_tables.is_empty());
        let def = DynamoDbCdcConfig::def();
        let default = |k: &str| def.key(k).and_then(|k| k.default_string());
        assert_eq!(
            default(CDC_START_TIMESTAMP_FORMAT).as_deref(),
            Some("yyyy-MM-dd'T'HH:mm:ss'Z'")
        );
        assert_eq!(
            default(CHECKPOINT_TABLE_PREFIX).as_deref(),
            Some("connect-KCL-")
        );
        assert_eq!(
            default(CHECKPOINT_BILLING_MODE).as_deref(),
            Some("PROVISIONED")
        );
    }

    #[test]
    fn the_reference_example_config_is_accepted_except_output_format() {
        let mut config = map(&[
            ("kafka.auth.mode", "KAFKA_API_KEY"),
            ("kafka.api.key", "k"),
            ("kafka.api.secret", "s"),
            ("schema.context.name", "default"),
            ("aws.access.key.id", "id"),
            ("aws.secret.access.key", "secret"),
            ("dynamodb.service.endpoint", "http://localhost:8080"),
            ("dynamodb.table.discovery.mode", "INCLUDELIST"),
            ("dynamodb.table.sync.mode", "SNAPSHOT_CDC"),
            ("dynamodb.table.includelist", "t1, t2"),
            ("max.batch.size", "1000"),
            ("poll.linger.ms", "5000"),
            ("dynamodb.snapshot.max.poll.records", "1000"),
            ("dynamodb.cdc.checkpointing.table.prefix", "connect-KCL-"),
            ("dynamodb.cdc.table.billing.mode", "PROVISIONED"),
            ("dynamodb.cdc.max.poll.records", "5000"),
        ]);
        assert!(errors(&config).is_empty(), "{:?}", errors(&config));
        let c = DynamoDbCdcConfig::parse(&config).unwrap();
        assert_eq!(c.credentials, Some(("id".into(), "secret".into())));
        config.insert("output.data.format".into(), "JSON".into());
        let errs = errors(&config);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, OUTPUT_DATA_FORMAT);
        assert!(errs[0].1.contains("value.converter"), "{}", errs[0].1);
    }

    #[test]
    fn ranges_of_the_reference_are_enforced() {
        for (key, bad) in [
            (MAX_BATCH_SIZE, "99"),
            (MAX_BATCH_SIZE, "10001"),
            (POLL_LINGER_MS, "300001"),
            (POLL_LINGER_MS, "-1"),
            (SNAPSHOT_MAX_POLL_RECORDS, "0"),
            (SNAPSHOT_MAX_RCU_PERCENTAGE, "0"),
            (SNAPSHOT_MAX_RCU_PERCENTAGE, "101"),
            (CDC_MAX_POLL_RECORDS, "0"),
            (SYNC_MODE, "snapshot"),
            (DISCOVERY_MODE, "REGEX"),
            (CDC_INITIAL_POSITION, "AT_SEQUENCE_NUMBER"),
            (CHECKPOINT_BILLING_MODE, "ON_DEMAND"),
        ] {
            let mut config = base();
            config.insert(key.into(), bad.into());
            assert_eq!(error_keys(&config), [key], "{key}={bad}");
            let err = DynamoDbCdcConfig::parse(&config).unwrap_err();
            assert!(matches!(err, ConnectError::Config { key: ref k, .. } if k == key));
        }
    }

    #[test]
    fn unimplemented_features_are_rejected_by_name() {
        for (key, value) in [
            (AUTHENTICATION_METHOD, "IAM Roles"),
            (PROVIDER_INTEGRATION_ID, "pi-123"),
            (OUTPUT_DATA_KEY_FORMAT, "AVRO"),
            (DOCUMENT_CONTENT_FORMAT, "schema"),
            (DOCUMENT_SCHEMA_SOURCE, "auto_infer"),
            (DOCUMENT_SCHEMA_VALIDATION, "lenient"),
            (DECIMAL_HANDLING_MODE, "long"),
        ] {
            let mut config = base();
            config.insert(key.into(), value.into());
            assert_eq!(error_keys(&config), [key], "{key}={value}");
        }
        let mut config = base();
        for (key, value) in [
            (DOCUMENT_CONTENT_FORMAT, "json_string"),
            (DECIMAL_HANDLING_MODE, "double"),
            (AUTHENTICATION_METHOD, "Access Keys"),
        ] {
            config.insert(key.into(), value.into());
        }
        assert!(errors(&config).is_empty(), "defaults are accepted");
    }

    #[test]
    fn discovery_modes_require_their_keys() {
        let config = map(&[(SERVICE_ENDPOINT, "e")]);
        assert_eq!(error_keys(&config), [INCLUDE_LIST]);
        let config = map(&[(SERVICE_ENDPOINT, "e"), (DISCOVERY_MODE, "TAG")]);
        assert_eq!(error_keys(&config), [TAGGING_ENDPOINT, TAG_FILTERS]);
        let config = map(&[
            (SERVICE_ENDPOINT, "e"),
            (DISCOVERY_MODE, "TAG"),
            (TAGGING_ENDPOINT, "http://t"),
            (TAG_FILTERS, "env:prod,staging;team:"),
        ]);
        let errs = errors(&config);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, TAG_FILTERS);
        let config = map(&[
            (SERVICE_ENDPOINT, "e"),
            (DISCOVERY_MODE, "TAG"),
            (TAGGING_ENDPOINT, "http://t"),
            (TAG_FILTERS, "env:prod,staging;team:data"),
        ]);
        let c = DynamoDbCdcConfig::parse(&config).unwrap();
        match c.discovery {
            DiscoveryMode::Tag { endpoint, filters } => {
                assert_eq!(endpoint, "http://t");
                assert_eq!(filters.len(), 2);
                assert_eq!(filters[0].key, "env");
                assert_eq!(filters[0].values, ["prod", "staging"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn credentials_come_in_pairs() {
        let mut config = base();
        config.insert(AWS_ACCESS_KEY_ID.into(), "id".into());
        assert_eq!(error_keys(&config), [AWS_SECRET_ACCESS_KEY]);
        let mut config = base();
        config.insert(AWS_SECRET_ACCESS_KEY.into(), "s".into());
        assert_eq!(error_keys(&config), [AWS_ACCESS_KEY_ID]);
    }

    #[test]
    fn at_timestamp_needs_a_timestamp_in_its_format() {
        let mut config = base();
        config.insert(CDC_INITIAL_POSITION.into(), "AT_TIMESTAMP".into());
        assert_eq!(error_keys(&config), [CDC_START_TIMESTAMP]);
        config.insert(CDC_START_TIMESTAMP.into(), "2024-07-01 10:49:00".into());
        assert_eq!(error_keys(&config), [CDC_START_TIMESTAMP]);
        config.insert(CDC_START_TIMESTAMP.into(), "2024-07-01T10:49:00Z".into());
        let c = DynamoDbCdcConfig::parse(&config).unwrap();
        assert_eq!(
            c.initial_position,
            InitialPosition::AtTimestamp(1_719_830_940_000)
        );
        config.insert(CDC_START_TIMESTAMP_FORMAT.into(), "dd MMM yyyy".into());
        assert_eq!(error_keys(&config), [CDC_START_TIMESTAMP_FORMAT]);
        config.insert(
            CDC_START_TIMESTAMP_FORMAT.into(),
            "yyyy-MM-dd HH:mm:ss".into(),
        );
        config.insert(CDC_START_TIMESTAMP.into(), "2024-07-01 10:49:00".into());
        assert!(errors(&config).is_empty());
    }

    #[test]
    fn task_tables_are_read_from_task_configs() {
        let mut config = base();
        config.insert(TASK_TABLES.into(), "a,b".into());
        let c = DynamoDbCdcConfig::parse(&config).unwrap();
        assert_eq!(c.task_tables, ["a", "b"]);
    }
}
