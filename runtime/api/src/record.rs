//! Source records and their headers, as a source task produces them.

use std::sync::Arc;

use crate::schema::Schema;
use crate::value::Value;

/// A source partition or offset map: string keys, primitive JSON values, insertion order kept.
///
/// These maps are stored in the offsets topic as schemaless JSON exactly as Kafka Connect writes
/// them, so JSON is also their in-memory form.
pub type OffsetMap = serde_json::Map<String, serde_json::Value>;

/// One header of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Header key.
    pub key: String,
    /// Header schema; `None` for schemaless values.
    pub schema: Option<Schema>,
    /// Header value.
    pub value: Value,
}

/// The ordered headers of a record; keys may repeat, as in Kafka.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self(Vec::new())
    }
    /// Appends a header.
    pub fn add(
        &mut self,
        key: impl Into<String>,
        schema: Option<Schema>,
        value: Value,
    ) -> &mut Self {
        self.0.push(Header {
            key: key.into(),
            schema,
            value,
        });
        self
    }
    /// The last header with this key.
    pub fn last_with_name(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }
    /// Removes every header with this key.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.0.retain(|h| h.key != key);
        self
    }
    /// All headers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }
    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A record read from a source system, on its way to Kafka.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    /// Which part of the source this record came from (shared by many records).
    pub source_partition: Arc<OffsetMap>,
    /// Where in that partition to resume after this record.
    pub source_offset: OffsetMap,
    /// Destination topic.
    pub topic: String,
    /// Destination partition; `None` lets the producer's partitioner choose.
    pub kafka_partition: Option<i32>,
    /// Key schema.
    pub key_schema: Option<Schema>,
    /// Key; [`Value::Null`] for none.
    pub key: Value,
    /// Value schema.
    pub value_schema: Option<Schema>,
    /// Value; [`Value::Null`] with no schema is a tombstone.
    pub value: Value,
    /// Record timestamp in epoch milliseconds.
    pub timestamp: Option<i64>,
    /// Headers.
    pub headers: Headers,
}

impl SourceRecord {
    /// A record with a value and no key, headers or timestamp.
    pub fn new(
        source_partition: Arc<OffsetMap>,
        source_offset: OffsetMap,
        topic: impl Into<String>,
        value_schema: Option<Schema>,
        value: Value,
    ) -> Self {
        Self {
            source_partition,
            source_offset,
            topic: topic.into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// Sets the key and its schema.
    pub fn with_key(mut self, key_schema: Option<Schema>, key: Value) -> Self {
        self.key_schema = key_schema;
        self.key = key;
        self
    }

    /// Sets the timestamp.
    pub fn with_timestamp(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }
}
