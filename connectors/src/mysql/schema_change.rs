//! Records of the schema change topic (`include.schema.changes=true`): one per DDL event, on
//! the topic named by `topic.prefix`, partition 0.
//!
//! The schemas are Debezium's `SchemaFactory` ones as of 2.7/3.x (the version Strait
//! reproduces is [`DEBEZIUM_VERSION`]): key `io.debezium.connector.<mysql|mariadb>.SchemaChangeKey`
//! `{databaseName}`; value `...SchemaChangeValue` `{source, ts_ms, databaseName, schemaName,
//! ddl, tableChanges}`; each change an `io.debezium.connector.schema.Change` `{type, id, table}`
//! with an optional `io.debezium.connector.schema.Table` `{defaultCharsetName,
//! primaryKeyColumnNames, columns, comment}` (the table `comment` arrived in 2.x) and
//! `io.debezium.connector.schema.Column`s `{name, jdbcType, nativeType, typeName,
//! typeExpression, charsetName, length, scale, position, optional, autoIncremented, generated,
//! comment, defaultValueExpression, enumValues}`. Unlike the history document, the Connect form
//! has no `previousId`, `hasDefaultValue` or `attributes`, and leaves `enumValues` null for
//! non-enum columns. All schemas are built once in [`SchemaChangeRecords::new`].
//!
//! [`DEBEZIUM_VERSION`]: super::envelope::DEBEZIUM_VERSION

use strait_api::{OffsetMap, Schema, SchemaBuilder, SourceRecord, Struct, Value};

use super::envelope::RecordContext;
use super::history::document::{jdbc_type, quote_enum_value, quoted_id};
use super::model::TableChange;
use super::schema::{ColumnDef, TableDef};

/// The schema change topic's schemas and name.
#[derive(Clone, Debug)]
pub struct SchemaChangeRecords {
    pub topic: String,
    key: Schema,
    value: Schema,
    change: Schema,
    table: Schema,
    column: Schema,
}

fn column_schema() -> Schema {
    SchemaBuilder::struct_()
        .name("io.debezium.connector.schema.Column")
        .version(1)
        .field("name", Schema::string())
        .field("jdbcType", Schema::int32())
        .field("nativeType", Schema::optional_int32())
        .field("typeName", Schema::string())
        .field("typeExpression", Schema::optional_string())
        .field("charsetName", Schema::optional_string())
        .field("length", Schema::optional_int32())
        .field("scale", Schema::optional_int32())
        .field("position", Schema::int32())
        .field("optional", Schema::optional_boolean())
        .field("autoIncremented", Schema::optional_boolean())
        .field("generated", Schema::optional_boolean())
        .field("comment", Schema::optional_string())
        .field("defaultValueExpression", Schema::optional_string())
        .field(
            "enumValues",
            SchemaBuilder::array(Schema::string()).optional().build(),
        )
        .build()
}

fn table_schema(column: &Schema) -> Schema {
    SchemaBuilder::struct_()
        .name("io.debezium.connector.schema.Table")
        .version(1)
        .field("defaultCharsetName", Schema::optional_string())
        .field(
            "primaryKeyColumnNames",
            SchemaBuilder::array(Schema::string()).optional().build(),
        )
        .field("columns", SchemaBuilder::array(column.clone()).build())
        .field("comment", Schema::optional_string())
        .optional()
        .build()
}

fn opt_string(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_string().into()))
}

impl SchemaChangeRecords {
    /// Schemas for the connector of `context` (its name picks `mysql` or `mariadb` schema
    /// names; its source schema is the value's `source` field).
    pub fn new(context: &RecordContext) -> Self {
        let column = column_schema();
        let table = table_schema(&column);
        let change = SchemaBuilder::struct_()
            .name("io.debezium.connector.schema.Change")
            .version(1)
            .field("type", Schema::string())
            .field("id", Schema::string())
            .field("table", table.clone())
            .build();
        let connector = context.connector;
        Self {
            topic: context.server_name.to_string(),
            key: SchemaBuilder::struct_()
                .name(format!("io.debezium.connector.{connector}.SchemaChangeKey"))
                .version(1)
                .field("databaseName", Schema::string())
                .build(),
            value: SchemaBuilder::struct_()
                .name(format!(
                    "io.debezium.connector.{connector}.SchemaChangeValue"
                ))
                .version(1)
                .field("source", context.source_schema.clone())
                .field("ts_ms", Schema::int64())
                .field("databaseName", Schema::optional_string())
                .field("schemaName", Schema::optional_string())
                .field("ddl", Schema::optional_string())
                .field("tableChanges", SchemaBuilder::array(change.clone()).build())
                .build(),
            change,
            table,
            column,
        }
    }

    /// The key schema.
    pub fn key_schema(&self) -> &Schema {
        &self.key
    }

    /// The value schema.
    pub fn value_schema(&self) -> &Schema {
        &self.value
    }

    fn column_struct(&self, column: &ColumnDef) -> Struct {
        let mut s = Struct::new(self.column.clone());
        let type_name = column.type_name();
        s.put_index(0, Value::String(column.name.clone().into()));
        s.put_index(1, Value::Int32(jdbc_type(column)));
        s.put_index(3, Value::String(type_name.clone().into()));
        s.put_index(4, Value::String(type_name.into()));
        s.put_index(5, opt_string(column.charset.as_deref()));
        if let Some(length) = column.length {
            s.put_index(6, Value::Int32(i32::try_from(length).unwrap_or(i32::MAX)));
        }
        if let Some(scale) = column.scale {
            s.put_index(7, Value::Int32(scale));
        }
        s.put_index(
            8,
            Value::Int32(i32::try_from(column.position).unwrap_or(i32::MAX)),
        );
        s.put_index(9, Value::Boolean(column.nullable));
        s.put_index(10, Value::Boolean(column.auto_increment));
        s.put_index(11, Value::Boolean(column.generated));
        s.put_index(12, opt_string(column.comment.as_deref()));
        if let Some(default) = &column.default {
            s.put_index(13, Value::String(default.clone().into()));
        }
        if !column.enum_values.is_empty() {
            s.put_index(
                14,
                Value::Array(
                    column
                        .enum_values
                        .iter()
                        .map(|v| Value::String(quote_enum_value(v).into()))
                        .collect(),
                ),
            );
        }
        s
    }

    fn table_struct(&self, table: &TableDef) -> Struct {
        let mut s = Struct::new(self.table.clone());
        s.put_index(0, opt_string(table.default_charset.as_deref()));
        s.put_index(
            1,
            Value::Array(
                table
                    .primary_key
                    .iter()
                    .map(|c| Value::String(c.clone().into()))
                    .collect(),
            ),
        );
        s.put_index(
            2,
            Value::Array(
                table
                    .columns
                    .iter()
                    .map(|c| Value::Struct(self.column_struct(c)))
                    .collect(),
            ),
        );
        s.put_index(3, opt_string(table.comment.as_deref()));
        s
    }

    /// The `io.debezium.connector.schema.Change` struct of one table change.
    pub fn change_struct(&self, change: &TableChange) -> Struct {
        let mut s = Struct::new(self.change.clone());
        s.put_index(0, Value::String(change.kind.as_str().into()));
        s.put_index(1, Value::String(quoted_id(&change.id).into()));
        if let Some(table) = &change.table {
            s.put_index(2, Value::Struct(self.table_struct(table)));
        }
        s
    }

    /// The record of one schema change event: `source` is the event's source block (built
    /// with [`RecordContext::source`]), `ts_ms` the wall clock when it was emitted, `offset`
    /// the connector offset after the event.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        context: &RecordContext,
        source: Struct,
        ts_ms: i64,
        database_name: &str,
        schema_name: Option<&str>,
        ddl: &str,
        changes: &[TableChange],
        offset: OffsetMap,
    ) -> SourceRecord {
        let mut key = Struct::new(self.key.clone());
        key.put_index(0, Value::String(database_name.to_string().into()));
        let mut value = Struct::new(self.value.clone());
        value.put_index(0, Value::Struct(source));
        value.put_index(1, Value::Int64(ts_ms));
        value.put_index(2, Value::String(database_name.to_string().into()));
        value.put_index(3, opt_string(schema_name));
        value.put_index(4, Value::String(ddl.to_string().into()));
        value.put_index(
            5,
            Value::Array(
                changes
                    .iter()
                    .map(|c| Value::Struct(self.change_struct(c)))
                    .collect(),
            ),
        );
        let mut headers = strait_api::Headers::new();
        for h in &context.context_headers {
            headers.add(h.key.clone(), h.schema.clone(), h.value.clone());
        }
        SourceRecord {
            source_partition: context.partition.clone(),
            source_offset: offset.into(),
            topic: self.topic.clone(),
            kafka_partition: Some(0),
            key_schema: Some(self.key.clone()),
            key: Value::Struct(key),
            value_schema: Some(self.value.clone()),
            value: Value::Struct(value),
            timestamp: None,
            headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::mysql::config::ConnectorFlavor;
    use crate::mysql::envelope::{source_schema, transaction_schema};
    use crate::mysql::model::ChangeKind;
    use crate::mysql::offset::{source_partition, SourcePosition};
    use crate::mysql::schema::TableId;

    fn context(flavor: ConnectorFlavor) -> RecordContext {
        RecordContext {
            source_schema: source_schema(flavor),
            transaction_schema: transaction_schema(),
            connector: flavor.name(),
            server_name: "dbserver1".into(),
            partition: source_partition("dbserver1"),
            context_headers: strait_api::Headers::new(),
            tombstones_on_delete: true,
        }
    }

    #[test]
    fn schemas_follow_schema_factory() {
        let records = SchemaChangeRecords::new(&context(ConnectorFlavor::MariaDb));
        assert_eq!(
            records.key.name(),
            Some("io.debezium.connector.mariadb.SchemaChangeKey")
        );
        assert_eq!(
            records.value.name(),
            Some("io.debezium.connector.mariadb.SchemaChangeValue")
        );
        let names = |s: &Schema| {
            s.fields()
                .iter()
                .map(|f| f.name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&records.value),
            [
                "source",
                "ts_ms",
                "databaseName",
                "schemaName",
                "ddl",
                "tableChanges"
            ]
        );
        assert_eq!(
            names(&records.column),
            [
                "name",
                "jdbcType",
                "nativeType",
                "typeName",
                "typeExpression",
                "charsetName",
                "length",
                "scale",
                "position",
                "optional",
                "autoIncremented",
                "generated",
                "comment",
                "defaultValueExpression",
                "enumValues"
            ]
        );
        assert!(records.table.is_optional());
        assert!(!records.change.is_optional());
    }

    #[test]
    fn a_drop_has_no_table_and_records_go_to_partition_zero() {
        let ctx = context(ConnectorFlavor::MySql);
        let records = SchemaChangeRecords::new(&ctx);
        let source = ctx.source(&SourcePosition::default(), "db".into(), None, None);
        let change = TableChange {
            kind: ChangeKind::Drop,
            id: TableId::new("db", "t"),
            previous_id: None,
            table: None,
        };
        let record = records.record(
            &ctx,
            source,
            7,
            "db",
            None,
            "DROP TABLE t",
            std::slice::from_ref(&change),
            OffsetMap::new(),
        );
        assert_eq!(
            (record.topic.as_str(), record.kafka_partition),
            ("dbserver1", Some(0))
        );
        assert!(Arc::ptr_eq(&record.source_partition, &ctx.partition));
        let Value::Struct(value) = &record.value else {
            panic!("struct value")
        };
        value.schema().validate_value(&record.value).unwrap();
        let Some(Value::Array(changes)) = value.get("tableChanges") else {
            panic!("changes")
        };
        let Value::Struct(c) = &changes[0] else {
            panic!("change struct")
        };
        assert_eq!(c.get("id"), Some(&Value::String("\"db\".\"t\"".into())));
        assert_eq!(c.get("table"), Some(&Value::Null));
    }
}
