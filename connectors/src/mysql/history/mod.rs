//! The schema history topic, in Debezium's format, so a Debezium worker and Strait can take over
//! each other's history.
//!
//! Debezium keeps every DDL statement it has seen, with the table definitions it produced, in a
//! single-partition Kafka topic, and rebuilds its table model on start by replaying the records
//! up to the stored offset. The pieces follow Debezium's classes one to one:
//! - [`document`]: one record as `HistoryRecord`/`JsonTableChangeSerializer` write and read it;
//! - [`position`]: `BinlogHistoryRecordComparator`, which decides whether a record lies at or
//!   before an offset;
//! - [`topic`]: `KafkaSchemaHistory`'s topic (creation settings, append, read to the end);
//! - [`recover`]: `AbstractSchemaHistory.recover`, which applies the records to the model;
//! - [`ddl_filter`]: `schema.history.internal.ddl.filter`, the statements neither processed nor
//!   recorded.
//!
//! DDL parsing is not a dependency here: recovery takes the statement applier as a closure, so
//! the history can be read and written independently of how statements are interpreted.

pub mod ddl_filter;
pub mod document;
pub mod position;
pub mod recover;
pub mod topic;

pub use ddl_filter::DdlFilter;
pub use document::HistoryRecord;
pub use position::is_at_or_before;
pub use recover::recover;
pub use topic::SchemaHistoryTopic;

use strait_api::ConnectError;
use strait_kafka::KafkaError;

/// What can go wrong with the schema history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// A document does not have Debezium's shape.
    #[error("schema history document is malformed{}: {reason}", at_field(field))]
    Document { field: String, reason: String },

    /// A JSON document without `source` or `position` (Debezium skips these).
    #[error("schema history document has no 'source' or 'position' object")]
    MissingSourceOrPosition,

    /// A record of the topic could not be read.
    #[error(
        "schema history topic '{topic}' holds an unreadable record at offset {offset}: {source}"
    )]
    Corrupt {
        topic: String,
        offset: i64,
        #[source]
        source: Box<HistoryError>,
    },

    /// The broker failed an operation on the history topic.
    #[error("schema history topic '{topic}': {operation} failed: {source}")]
    Kafka {
        topic: String,
        operation: &'static str,
        #[source]
        source: Box<KafkaError>,
    },

    /// A recorded DDL statement could not be applied during recovery.
    #[error("schema history record at {position} cannot be applied (DDL '{ddl}'): {reason}")]
    Apply {
        position: String,
        ddl: String,
        reason: String,
    },
}

fn at_field(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!(" at '{field}'")
    }
}

impl HistoryError {
    /// Whether retrying later can help (broker trouble), as opposed to a corrupt history.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Kafka { source, .. } if source.is_retriable())
    }
}

impl From<HistoryError> for ConnectError {
    fn from(err: HistoryError) -> Self {
        if err.is_retriable() {
            let message = err.to_string();
            ConnectError::retriable_from(message, err)
        } else {
            let message = match &err {
                HistoryError::Kafka { .. } => err.to_string(),
                _ => format!(
                    "{err}. The schema history is unusable; restore the topic, or recreate it \
                     with a new snapshot (snapshot.mode=recovery)"
                ),
            };
            ConnectError::fatal_from(message, err)
        }
    }
}
