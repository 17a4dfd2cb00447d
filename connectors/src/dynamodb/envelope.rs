//! The records the reference connector writes: topic, key, value envelope and tombstone.
//!
//! Everything here is taken from the reference's registered Avro schemas and published records
//! (Confluent's product page and two kafka-docker-playground runs), translated to Connect
//! schemas the way Confluent's AvroData maps them back:
//!
//! - **topic** = table name;
//! - **key** = an unnamed, required struct of the table's key attributes, hash key then range
//!   key, each a required STRING (`S` as is, `N` as its decimal text, `B` as base64);
//! - **value** = an optional struct `io.confluent.connect.dynamodb.<table>.Envelope` with fields
//!   `op` (r/c/u/d), `ts_ms`/`ts_us`/`ts_ns`, optional `source`
//!   (`io.confluent.connector.dynamodb.Source` — "connector", not "connect"), and optional
//!   `before`/`after` structs `io.confluent.connect.dynamodb.<table>.Value` holding one optional
//!   STRING `document`: the item as DynamoDB JSON ([`super::attribute_json`]);
//! - a REMOVE is a `d` envelope (before = old image, after = null) followed by a **tombstone**:
//!   same key, null value and no value schema.
//!
//! Two details follow the registered bytes rather than the prose of the product page:
//! - **`shard_id` / `seq_no`** are lower case. The page's hand-written schema and examples spell
//!   them `shard_Id` / `seq_No`, but the schema the managed connector actually registered (2024
//!   and 2025 runs, identical) uses lower case, and consumers bind to registered names.
//! - **timestamps.** Snapshot rows carry two wall-clock readings (source first, then the
//!   envelope) with real µs/ns digits. For stream records the page's examples show the envelope
//!   `ts_*` at the change's `ApproximateCreationDateTime` (whole seconds on AWS) and `source.ts_*`
//!   at processing time — the reverse of Debezium — and an envelope `ts_ns` equal to `ts_us`;
//!   Strait writes exactly that.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use strait_api::{ConnectError, Result, Schema, SchemaBuilder, Struct, Value};

use super::attribute_json::{AttrView, Attribute};

/// The name of the source block's schema.
pub const SOURCE_SCHEMA_NAME: &str = "io.confluent.connector.dynamodb.Source";

/// `sync_mode` of snapshot rows.
pub const SYNC_MODE_SNAPSHOT: &str = "SNAPSHOT";
/// `sync_mode` of stream records.
pub const SYNC_MODE_CDC: &str = "CDC";

// Field positions of the envelope and source structs, fixed by the schemas below.
const OP: usize = 0;
const TS_MS: usize = 1;
const TS_US: usize = 2;
const TS_NS: usize = 3;
const SOURCE: usize = 4;
const BEFORE: usize = 5;
const AFTER: usize = 6;

const SRC_VERSION: usize = 0;
const SRC_TABLE: usize = 1;
const SRC_SYNC_MODE: usize = 2;
const SRC_TS_MS: usize = 3;
const SRC_TS_US: usize = 4;
const SRC_TS_NS: usize = 5;
const SRC_SNAPSHOT_START: usize = 6;
const SRC_SNAPSHOT_COUNT: usize = 7;
const SRC_SEGMENT: usize = 8;
const SRC_TOTAL_SEGMENTS: usize = 9;
const SRC_SHARD_ID: usize = 10;
const SRC_SEQ_NO: usize = 11;

static SOURCE_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name(SOURCE_SCHEMA_NAME)
        .optional()
        .field("version", Schema::optional_string())
        .field("tableName", Schema::string())
        .field("sync_mode", Schema::string())
        .field("ts_ms", Schema::int64())
        .field("ts_us", Schema::int64())
        .field("ts_ns", Schema::int64())
        .field("snapshotStartTime", Schema::optional_int64())
        .field("snapshotCount", Schema::optional_int32())
        .field("segment", Schema::optional_int32())
        .field("totalSegments", Schema::optional_int32())
        .field("shard_id", Schema::optional_string())
        .field("seq_no", Schema::optional_string())
        .build()
});

/// The source block's schema (shared by every table).
pub fn source_schema() -> Schema {
    SOURCE_SCHEMA.clone()
}

/// The change a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A snapshot row.
    Read,
    /// `INSERT`.
    Create,
    /// `MODIFY`.
    Update,
    /// `REMOVE`.
    Delete,
}

impl Op {
    /// The `op` letter.
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Create => "c",
            Self::Update => "u",
            Self::Delete => "d",
        }
    }
}

/// One instant in the three resolutions of the envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamps {
    pub ms: i64,
    pub us: i64,
    pub ns: i64,
}

impl Timestamps {
    /// The wall clock now, with its full resolution.
    pub fn now() -> Self {
        let ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Self::from_nanos(ns)
    }

    /// An instant given in epoch nanoseconds.
    pub fn from_nanos(ns: i64) -> Self {
        Self {
            ms: ns.div_euclid(1_000_000),
            us: ns.div_euclid(1_000),
            ns,
        }
    }

    /// The envelope timestamps of a stream record created at `ms` (`ApproximateCreationDateTime`):
    /// the reference writes `ts_ns` equal to `ts_us` there.
    pub fn stream_record(ms: i64) -> Self {
        Self {
            ms,
            us: ms.saturating_mul(1000),
            ns: ms.saturating_mul(1000),
        }
    }
}

/// Where a snapshot row came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotSource {
    /// When this segment's scan started (epoch ms).
    pub start_time: i64,
    /// The row's number within its segment, from 1.
    pub count: i32,
    pub segment: i32,
    pub total_segments: i32,
}

/// What the `source` block says besides the table and the processing time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourcePosition<'a> {
    Snapshot(SnapshotSource),
    Stream { shard_id: &'a str, seq_no: &'a str },
}

/// The schemas of one table, built once and shared by all its records.
#[derive(Clone, Debug)]
pub struct TableSchemas {
    table: String,
    key_attributes: Vec<String>,
    key: Schema,
    value: Schema,
    document: Schema,
}

impl TableSchemas {
    /// The schemas of `table` whose key attributes are `key_attributes` (hash, then range).
    pub fn new(table: &str, key_attributes: Vec<String>) -> Self {
        let key = key_attributes
            .iter()
            .fold(SchemaBuilder::struct_(), |b, name| {
                b.field(name.clone(), Schema::string())
            })
            .build();
        let document = SchemaBuilder::struct_()
            .name(format!("io.confluent.connect.dynamodb.{table}.Value"))
            .optional()
            .field("document", Schema::optional_string())
            .build();
        let value = SchemaBuilder::struct_()
            .name(format!("io.confluent.connect.dynamodb.{table}.Envelope"))
            .optional()
            .field("op", Schema::string())
            .field("ts_ms", Schema::int64())
            .field("ts_us", Schema::int64())
            .field("ts_ns", Schema::int64())
            .field("source", source_schema())
            .field("before", document.clone())
            .field("after", document.clone())
            .build();
        Self {
            table: table.to_string(),
            key_attributes,
            key,
            value,
            document,
        }
    }

    /// The table (and topic) name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The key attribute names, hash then range.
    pub fn key_attributes(&self) -> &[String] {
        &self.key_attributes
    }

    /// The key schema.
    pub fn key_schema(&self) -> &Schema {
        &self.key
    }

    /// The value (envelope) schema.
    pub fn value_schema(&self) -> &Schema {
        &self.value
    }

    /// The key struct of an item or of a stream record's `Keys`.
    ///
    /// # Errors
    /// A data error naming the key attribute that is missing or not a key type.
    pub fn key<A: Attribute>(&self, item: &HashMap<String, A>) -> Result<Value> {
        let mut key = Struct::new(self.key.clone());
        for (i, name) in self.key_attributes.iter().enumerate() {
            let text = match item.get(name).map(Attribute::view) {
                Some(AttrView::S(s)) => s.to_string(),
                Some(AttrView::N(n)) => n.to_string(),
                Some(AttrView::B(b)) => BASE64.encode(b),
                Some(_) => {
                    return Err(ConnectError::data(format!(
                        "table {}: key attribute {name} is not of type S, N or B",
                        self.table
                    )))
                }
                None => {
                    return Err(ConnectError::data(format!(
                        "table {}: item has no key attribute {name}",
                        self.table
                    )))
                }
            };
            key.put_index(i, Value::String(text.into()));
        }
        Ok(Value::Struct(key))
    }

    fn document(&self, document: Option<String>) -> Value {
        match document {
            None => Value::Null,
            Some(text) => {
                let mut s = Struct::new(self.document.clone());
                s.put_index(0, Value::String(text.into()));
                Value::Struct(s)
            }
        }
    }

    /// The envelope of one change. `source_ts` is the processing time of the source block,
    /// `ts` the envelope's time (see the module notes).
    pub fn envelope(
        &self,
        op: Op,
        ts: Timestamps,
        source_ts: Timestamps,
        position: SourcePosition<'_>,
        before: Option<String>,
        after: Option<String>,
    ) -> Value {
        let mut source = Struct::new(source_schema());
        source.put_index(SRC_VERSION, Value::Null);
        source.put_index(SRC_TABLE, Value::String(self.table.clone().into()));
        source.put_index(SRC_TS_MS, Value::Int64(source_ts.ms));
        source.put_index(SRC_TS_US, Value::Int64(source_ts.us));
        source.put_index(SRC_TS_NS, Value::Int64(source_ts.ns));
        match position {
            SourcePosition::Snapshot(s) => {
                source.put_index(SRC_SYNC_MODE, Value::String(SYNC_MODE_SNAPSHOT.into()));
                source.put_index(SRC_SNAPSHOT_START, Value::Int64(s.start_time));
                source.put_index(SRC_SNAPSHOT_COUNT, Value::Int32(s.count));
                source.put_index(SRC_SEGMENT, Value::Int32(s.segment));
                source.put_index(SRC_TOTAL_SEGMENTS, Value::Int32(s.total_segments));
            }
            SourcePosition::Stream { shard_id, seq_no } => {
                source.put_index(SRC_SYNC_MODE, Value::String(SYNC_MODE_CDC.into()));
                source.put_index(SRC_SHARD_ID, Value::String(shard_id.to_string().into()));
                source.put_index(SRC_SEQ_NO, Value::String(seq_no.to_string().into()));
            }
        }
        let mut envelope = Struct::new(self.value.clone());
        envelope.put_index(OP, Value::String(op.code().to_string().into()));
        envelope.put_index(TS_MS, Value::Int64(ts.ms));
        envelope.put_index(TS_US, Value::Int64(ts.us));
        envelope.put_index(TS_NS, Value::Int64(ts.ns));
        envelope.put_index(SOURCE, Value::Struct(source));
        envelope.put_index(BEFORE, self.document(before));
        envelope.put_index(AFTER, self.document(after));
        Value::Struct(envelope)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue as A;
    use strait_api::SchemaType;

    use super::*;

    fn schemas() -> TableSchemas {
        TableSchemas::new("NumTable", vec!["Number".into(), "Number2".into()])
    }

    #[test]
    fn schemas_carry_the_reference_names_and_optionality() {
        let s = schemas();
        assert_eq!(
            s.value_schema().name(),
            Some("io.confluent.connect.dynamodb.NumTable.Envelope")
        );
        assert!(
            s.value_schema().is_optional(),
            "the value is [\"null\", Envelope]"
        );
        let names: Vec<&str> = s.value_schema().fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            ["op", "ts_ms", "ts_us", "ts_ns", "source", "before", "after"]
        );
        let source = s.value_schema().field("source").unwrap().schema().clone();
        assert_eq!(
            source.name(),
            Some("io.confluent.connector.dynamodb.Source")
        );
        let names: Vec<&str> = source.fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "version",
                "tableName",
                "sync_mode",
                "ts_ms",
                "ts_us",
                "ts_ns",
                "snapshotStartTime",
                "snapshotCount",
                "segment",
                "totalSegments",
                "shard_id",
                "seq_no"
            ]
        );
        let before = s.value_schema().field("before").unwrap().schema();
        assert_eq!(
            before.name(),
            Some("io.confluent.connect.dynamodb.NumTable.Value")
        );
        assert!(before.is_optional());
        assert_eq!(s.key_schema().name(), None, "the key struct is unnamed");
        assert!(!s.key_schema().is_optional());
        let key_fields: Vec<&str> = s.key_schema().fields().iter().map(|f| f.name()).collect();
        assert_eq!(key_fields, ["Number", "Number2"]);
        assert_eq!(
            s.key_schema().fields()[0].schema().schema_type(),
            SchemaType::String
        );
    }

    #[test]
    fn envelopes_validate_against_their_schema() {
        let s = schemas();
        let ts = Timestamps::from_nanos(1_719_830_776_204_123_456);
        let snapshot = s.envelope(
            Op::Read,
            ts,
            ts,
            SourcePosition::Snapshot(SnapshotSource {
                start_time: 1,
                count: 1,
                segment: 0,
                total_segments: 5,
            }),
            None,
            Some("{}".into()),
        );
        s.value_schema().validate_value(&snapshot).unwrap();
        let stream = s.envelope(
            Op::Delete,
            Timestamps::stream_record(1_719_830_820_000),
            ts,
            SourcePosition::Stream {
                shard_id: "shardId-1",
                seq_no: "000000000000000000232",
            },
            Some("{}".into()),
            None,
        );
        s.value_schema().validate_value(&stream).unwrap();
        let Value::Struct(e) = &stream else { panic!() };
        assert_eq!(e.get("op"), Some(&Value::String("d".into())));
        assert_eq!(e.get("ts_ns"), Some(&Value::Int64(1_719_830_820_000_000)));
        assert_eq!(e.get("after"), Some(&Value::Null));
    }

    #[test]
    fn timestamps_split_one_reading() {
        let t = Timestamps::from_nanos(1_720_625_711_347_098_433);
        assert_eq!(t.ms, 1_720_625_711_347);
        assert_eq!(t.us, 1_720_625_711_347_098);
        assert!(Timestamps::now().ms > 1_700_000_000_000);
    }

    #[test]
    fn keys_are_strings_in_key_schema_order() {
        let s = TableSchemas::new("t", vec!["pk".into(), "sk".into()]);
        let item: HashMap<String, A> = [
            ("sk".to_string(), A::N("42".into())),
            ("pk".to_string(), A::B(Blob::new(vec![1, 2]))),
            ("other".to_string(), A::Bool(true)),
        ]
        .into_iter()
        .collect();
        let Value::Struct(k) = s.key(&item).unwrap() else {
            panic!()
        };
        assert_eq!(
            k.values(),
            [Value::String("AQI=".into()), Value::String("42".into())]
        );
        k.validate().unwrap();
        let missing: HashMap<String, A> = [("pk".to_string(), A::S("x".into()))].into();
        assert!(s.key(&missing).unwrap_err().is_data());
    }
}
