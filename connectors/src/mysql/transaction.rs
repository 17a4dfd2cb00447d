//! Transaction metadata (`provide.transaction.metadata=true`): BEGIN and END records on
//! `<prefix>.transaction`, and the `transaction` block of each change record.
//!
//! It follows Debezium's `TransactionMonitor`: a BEGIN record as soon as a transaction starts
//! (the `BEGIN` query, or MariaDB's GTID event, so transactions touching no captured table still
//! have a BEGIN/END pair), a running total and a per-table order on every change record, and an
//! END record with the counts at `XID`/`COMMIT`. The counters live in the offset
//! (`transaction_id`, `transaction_data_collection_order_<db.table>`), so a restart inside a
//! transaction continues them instead of sending a second BEGIN.

use strait_api::{OffsetMap, Schema, SchemaBuilder, SourceRecord, Struct, Value};

use super::config::{sanitize_topic, MySqlSourceConfig};
use super::envelope::RecordContext;
use super::offset::{java_hashmap_order, TransactionCounts};

/// The transaction topic's schemas and name.
#[derive(Clone, Debug)]
pub struct TransactionRecords {
    pub topic: String,
    key: Schema,
    value: Schema,
    collection: Schema,
}

impl TransactionRecords {
    /// Schemas of Debezium's `TransactionMetadataKey`/`TransactionMetadataValue`.
    pub fn new(config: &MySqlSourceConfig) -> Self {
        let collection = SchemaBuilder::struct_()
            .optional()
            .name("event.collection")
            .version(1)
            .field("data_collection", Schema::string())
            .field("event_count", Schema::int64())
            .build();
        Self {
            topic: sanitize_topic(&format!(
                "{}{}{}",
                config.topic_prefix, config.topic_delimiter, config.transaction_topic
            )),
            key: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.TransactionMetadataKey")
                .version(1)
                .field("id", Schema::string())
                .build(),
            value: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.TransactionMetadataValue")
                .version(1)
                .field("status", Schema::string())
                .field("id", Schema::string())
                .field("event_count", Schema::optional_int64())
                .field(
                    "data_collections",
                    SchemaBuilder::array(collection.clone()).optional().build(),
                )
                .field("ts_ms", Schema::int64())
                .build(),
            collection,
        }
    }

    fn record(
        &self,
        context: &RecordContext,
        id: &str,
        value: Struct,
        offset: OffsetMap,
    ) -> SourceRecord {
        let mut key = Struct::new(self.key.clone());
        key.put_index(0, Value::String(id.to_string().into()));
        SourceRecord {
            source_partition: context.partition.clone(),
            source_offset: offset.into(),
            topic: self.topic.clone(),
            kafka_partition: None,
            key_schema: Some(self.key.clone()),
            key: Value::Struct(key),
            value_schema: Some(self.value.clone()),
            value: Value::Struct(value),
            timestamp: None,
            headers: strait_api::Headers::new(),
        }
    }

    /// The BEGIN record of a transaction.
    pub fn begin(
        &self,
        context: &RecordContext,
        id: &str,
        ts_ms: i64,
        offset: OffsetMap,
    ) -> SourceRecord {
        let mut value = Struct::new(self.value.clone());
        value.put_index(0, Value::String("BEGIN".into()));
        value.put_index(1, Value::String(id.to_string().into()));
        value.put_index(4, Value::Int64(ts_ms));
        self.record(context, id, value, offset)
    }

    /// The END record, with the event counts.
    pub fn end(
        &self,
        context: &RecordContext,
        counts: &TransactionCounts,
        ts_ms: i64,
        offset: OffsetMap,
    ) -> SourceRecord {
        let mut value = Struct::new(self.value.clone());
        value.put_index(0, Value::String("END".into()));
        value.put_index(1, Value::String(counts.id.clone().into()));
        value.put_index(
            2,
            Value::Int64(i64::try_from(counts.total).unwrap_or(i64::MAX)),
        );
        let collections = java_hashmap_order(counts.per_table.clone())
            .into_iter()
            .map(|(table, n)| {
                let mut c = Struct::new(self.collection.clone());
                c.put_index(0, Value::String(table.into()));
                c.put_index(1, Value::Int64(i64::try_from(n).unwrap_or(i64::MAX)));
                Value::Struct(c)
            })
            .collect();
        value.put_index(3, Value::Array(collections));
        value.put_index(4, Value::Int64(ts_ms));
        self.record(context, &counts.id, value, offset)
    }

    /// The `transaction` block of a change record.
    pub fn block(context: &RecordContext, id: &str, total: u64, order: u64) -> Struct {
        let mut block = Struct::new(context.transaction_schema.clone());
        block.put_index(0, Value::String(id.to_string().into()));
        block.put_index(1, Value::Int64(i64::try_from(total).unwrap_or(i64::MAX)));
        block.put_index(2, Value::Int64(i64::try_from(order).unwrap_or(i64::MAX)));
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_debeziums_transaction_context() {
        let mut t = TransactionCounts::new("0-1-5".into());
        assert_eq!(t.event("db.a"), (1, 1));
        assert_eq!(t.event("db.b"), (2, 1));
        assert_eq!(t.event("db.a"), (3, 2));
        assert_eq!(
            t.per_table,
            vec![("db.a".to_string(), 2), ("db.b".to_string(), 1)]
        );
    }
}
