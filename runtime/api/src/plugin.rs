//! The plugin traits: source connectors and tasks, transformations, predicates and converters.
//!
//! These are the object-safe shapes the worker drives. A plugin parses its string map into a
//! typed config once (in `start`/`configure`), so nothing on the per-record path looks up config.
//!
//! **The worker owns the loop.** A source task only answers `poll`; the worker decides when to
//! poll, flush offsets, pause and stop. `poll` may be cancelled (its future dropped) when the
//! task is stopped: records it had read but not returned are simply read again after a restart,
//! because their offsets were never committed. On pause the worker lets the current `poll`
//! finish and then stops calling it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{ConfigDef, ConfigMap, ConfigValue};
use crate::error::Result;
use crate::record::{OffsetMap, SourceRecord};
use crate::schema::{Schema, SchemaAndValue};
use crate::value::Value;

/// What the worker lets a connector ask for.
pub trait ConnectorContext: Send + Sync {
    /// Asks the worker to call [`SourceConnector::task_configs`] again (e.g. new tables appeared).
    fn request_task_reconfiguration(&self);
    /// Reports an unrecoverable error: the connector goes to FAILED.
    fn raise_error(&self, error: crate::error::ConnectError);
}

/// Read access to the committed source offsets of the running connector.
#[async_trait]
pub trait OffsetStorageReader: Send + Sync {
    /// The last committed offset of one source partition.
    async fn offset(&self, partition: &OffsetMap) -> Result<Option<OffsetMap>>;
}

/// What the worker gives a source task when it starts.
#[derive(Clone)]
pub struct SourceTaskContext {
    /// The connector's name.
    pub connector: String,
    /// The task's number within the connector.
    pub task: u32,
    /// Committed offsets, to resume from.
    pub offsets: Arc<dyn OffsetStorageReader>,
}

/// Where the broker stored a record, handed to [`SourceTask::commit_record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// A source connector: validates config and splits the work into task configs.
#[async_trait]
pub trait SourceConnector: Send + Sync {
    /// The plugin's version, shown by `/connector-plugins`.
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    /// The connector's own keys (the worker adds the common connector keys).
    fn config_def(&self) -> ConfigDef;

    /// Validates a configuration: per-key checks, then cross-field checks, then live prechecks.
    /// Returns one entry per key with every problem found.
    async fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        self.config_def().validate(config)
    }

    /// Starts the connector with a validated configuration.
    async fn start(&mut self, config: &ConfigMap, context: Arc<dyn ConnectorContext>)
        -> Result<()>;

    /// Splits the work into at most `max_tasks` task configurations.
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<ConfigMap>>;

    /// Stops the connector.
    async fn stop(&mut self) -> Result<()>;

    /// The Java class name of the connector's task, written as `task.class` into every task
    /// config as Kafka does (a Java worker reading the config topic needs it). `None` derives it
    /// from the connector class: `…FooConnector` → `…FooTask`.
    fn task_class(&self) -> Option<&'static str> {
        None
    }

    /// A new, unstarted task of this connector.
    fn create_task(&self) -> Box<dyn SourceTask>;

    /// KIP-875 hook: the connector may reject or act on an offsets change; `true` means the
    /// connector manages no offsets outside the framework.
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> Result<bool> {
        Ok(false)
    }
}

/// A source task: reads records from the source system.
#[async_trait]
pub trait SourceTask: Send {
    /// Starts the task; it should read its resume position from `context.offsets`.
    async fn start(&mut self, config: &ConfigMap, context: SourceTaskContext) -> Result<()>;

    /// Returns the next batch (possibly empty). It should return within about a second when
    /// there is no data, so the worker stays responsive.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>>;

    /// Called after offsets up to the last acknowledged record were committed.
    async fn commit(&mut self) -> Result<()> {
        Ok(())
    }

    /// Called for each record once the broker acknowledged it (or it was filtered out).
    fn commit_record(
        &mut self,
        _record: &SourceRecord,
        _metadata: Option<&RecordMetadata>,
    ) -> Result<()> {
        Ok(())
    }

    /// Stops the task and releases its resources.
    async fn stop(&mut self) -> Result<()>;
}

/// A single message transform: `None` drops the record.
pub trait Transformation: Send {
    /// The transform's keys.
    fn config_def(&self) -> ConfigDef;
    /// Configures the transform (its `transforms.<alias>.` prefix already stripped).
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;
    /// Transforms one record.
    fn apply(&mut self, record: SourceRecord) -> Result<Option<SourceRecord>>;
}

/// A condition deciding whether a transform applies to a record.
pub trait Predicate: Send + Sync {
    /// The predicate's keys.
    fn config_def(&self) -> ConfigDef;
    /// Configures the predicate (its `predicates.<alias>.` prefix already stripped).
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;
    /// Whether the record matches.
    fn test(&self, record: &SourceRecord) -> bool;
}

/// Converts record keys and values to and from bytes.
pub trait Converter: Send + Sync {
    /// The converter's keys.
    fn config_def(&self) -> ConfigDef;
    /// Configures the converter for keys (`is_key`) or values.
    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()>;
    /// Serializes a value; `None` is a null (tombstone) payload.
    fn from_connect_data(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>>;
    /// Deserializes bytes; `None` input is a null payload.
    fn to_connect_data(&self, topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue>;
}

/// Converts header values to and from bytes.
pub trait HeaderConverter: Send + Sync {
    /// The converter's keys.
    fn config_def(&self) -> ConfigDef;
    /// Configures the converter.
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;
    /// Serializes one header value; `None` is a null header value.
    fn from_connect_header(
        &self,
        topic: &str,
        key: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>>;
    /// Deserializes one header value.
    fn to_connect_header(
        &self,
        topic: &str,
        key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue>;
}
