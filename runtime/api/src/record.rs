//! Source records and their headers, as a source task produces them.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::schema::Schema;
use crate::value::Value;

/// A source partition or offset map: string keys, primitive JSON values, insertion order kept.
///
/// These maps are stored in the offsets topic as schemaless JSON exactly as Kafka Connect writes
/// them, so JSON is also their in-memory form.
pub type OffsetMap = serde_json::Map<String, serde_json::Value>;

/// A connector's own offset type, turned into its [`OffsetMap`] only when the worker stores it.
///
/// Every record carries an offset, but the worker keeps only the latest one per source partition
/// and writes it once per `offset.flush.interval.ms`: building a JSON map for every record is
/// wasted work for a connector that can share one small struct instead.
pub trait TypedOffset: fmt::Debug + Send + Sync {
    /// The offset map exactly as it is stored, keys in their stored order.
    fn to_map(&self) -> OffsetMap;
}

/// Where in its source partition to resume after a record: a map, or a [`TypedOffset`] whose map
/// is built on demand.
#[derive(Clone, Debug)]
pub enum SourceOffset {
    /// The stored map itself.
    Map(OffsetMap),
    /// A typed offset, shared by reference count between records.
    Typed(Arc<dyn TypedOffset>),
}

impl SourceOffset {
    /// Wraps a typed offset.
    pub fn typed(offset: impl TypedOffset + 'static) -> Self {
        Self::Typed(Arc::new(offset))
    }

    /// The offset map: borrowed when this is a map, built when typed.
    pub fn to_map(&self) -> Cow<'_, OffsetMap> {
        match self {
            Self::Map(map) => Cow::Borrowed(map),
            Self::Typed(offset) => Cow::Owned(offset.to_map()),
        }
    }

    /// The offset map, moved out when this is a map.
    pub fn into_map(self) -> OffsetMap {
        match self {
            Self::Map(map) => map,
            Self::Typed(offset) => offset.to_map(),
        }
    }
}

impl Default for SourceOffset {
    /// An empty map.
    fn default() -> Self {
        Self::Map(OffsetMap::new())
    }
}

impl From<OffsetMap> for SourceOffset {
    fn from(map: OffsetMap) -> Self {
        Self::Map(map)
    }
}

impl From<Arc<dyn TypedOffset>> for SourceOffset {
    fn from(offset: Arc<dyn TypedOffset>) -> Self {
        Self::Typed(offset)
    }
}

impl PartialEq for SourceOffset {
    /// Equal when the maps are (whatever the variants).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Typed(a), Self::Typed(b)) if Arc::ptr_eq(a, b) => true,
            _ => self.to_map() == other.to_map(),
        }
    }
}

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
///
/// Shared copy-on-write: a connector stamps the same headers on every record, so cloning them
/// is a reference count, and only a change (an SMT adding or removing one) copies the list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headers(Arc<Vec<Header>>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends a header.
    pub fn add(
        &mut self,
        key: impl Into<String>,
        schema: Option<Schema>,
        value: Value,
    ) -> &mut Self {
        Arc::make_mut(&mut self.0).push(Header {
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
        if self.0.iter().any(|h| h.key == key) {
            Arc::make_mut(&mut self.0).retain(|h| h.key != key);
        }
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
    pub source_offset: SourceOffset,
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
    ///
    /// The offset is a [`SourceOffset`] rather than `impl Into<SourceOffset>` so that
    /// `Default::default()` (an empty map) still infers; a map is passed with `.into()`.
    pub fn new(
        source_partition: Arc<OffsetMap>,
        source_offset: SourceOffset,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cloned_headers_are_changed_apart() {
        let mut shared = Headers::new();
        shared.add("a", None, Value::Int32(1));
        let mut copy = shared.clone();
        copy.add("b", None, Value::Int32(2)).remove("a");
        let keys = |h: &Headers| h.iter().map(|h| h.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&shared), ["a"]);
        assert_eq!(keys(&copy), ["b"]);
        // Removing an absent key leaves the list shared and unchanged.
        let mut again = shared.clone();
        again.remove("zzz");
        assert!(Arc::ptr_eq(&again.0, &shared.0));
    }

    /// A typed offset whose map has its keys in a fixed, non-alphabetical order.
    #[derive(Debug)]
    struct Position {
        file: &'static str,
        pos: u64,
    }

    impl TypedOffset for Position {
        fn to_map(&self) -> OffsetMap {
            let mut map = OffsetMap::new();
            map.insert("pos".into(), json!(self.pos));
            map.insert("file".into(), json!(self.file));
            map
        }
    }

    fn map(value: serde_json::Value) -> OffsetMap {
        match value {
            serde_json::Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn typed_and_map_offsets_with_the_same_map_are_equal() {
        let typed = SourceOffset::typed(Position {
            file: "a.1",
            pos: 4,
        });
        let same = SourceOffset::from(map(json!({"pos": 4, "file": "a.1"})));
        assert_eq!(typed, same);
        assert_eq!(same, typed);
        assert_eq!(typed, typed.clone());
        assert_ne!(
            typed,
            SourceOffset::typed(Position {
                file: "a.1",
                pos: 5
            })
        );
        assert_ne!(typed, SourceOffset::from(map(json!({"pos": 4}))));
        assert_ne!(typed, SourceOffset::default());
    }

    #[test]
    fn maps_round_trip_and_typed_offsets_keep_their_key_order() {
        let stored = map(json!({"z": 1, "a": "x", "m": null}));
        let offset = SourceOffset::from(stored.clone());
        assert!(matches!(offset.to_map(), Cow::Borrowed(m) if *m == stored));
        let keys: Vec<String> = offset.into_map().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["z", "a", "m"]);

        let typed = SourceOffset::typed(Position {
            file: "b.2",
            pos: 9,
        });
        let built = typed.to_map().into_owned();
        assert_eq!(
            serde_json::to_string(&built).unwrap(),
            r#"{"pos":9,"file":"b.2"}"#
        );
        assert_eq!(typed.into_map(), built);
        assert!(SourceOffset::default().into_map().is_empty());
    }

    #[test]
    fn a_record_takes_either_kind_of_offset() {
        let partition = Arc::new(map(json!({"server": "s"})));
        let from_map = SourceRecord::new(
            partition.clone(),
            map(json!({"pos": 1, "file": "c.3"})).into(),
            "t",
            None,
            Value::Null,
        );
        let typed = SourceRecord::new(
            partition,
            SourceOffset::typed(Position {
                file: "c.3",
                pos: 1,
            }),
            "t",
            None,
            Value::Null,
        );
        assert_eq!(from_map, typed);
    }
}
