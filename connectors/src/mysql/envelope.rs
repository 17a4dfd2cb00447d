//! Debezium's change records: key, row, `source` block and envelope schemas, built once per
//! table version, and the records of each operation.
//!
//! Field order and optionality are part of the format (Avro and schema registries compare
//! them), so they follow Debezium's builders exactly: the envelope is `before, after, source,
//! transaction, op, ts_ms, ts_us, ts_ns` (version 2), the source block is
//! `version, connector, name, ts_ms, snapshot, db, sequence, ts_us, ts_ns, table, server_id, gtid,
//! file, pos, row, thread, query`, row structs are optional and key structs required. A
//! [`TableSchemas`] owns every schema and column converter of one table version, so the per-row
//! work is converting cells and filling pre-shaped structs.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use strait_api::{
    Headers, OffsetMap, Schema, SchemaBuilder, SchemaType, SourceOffset, SourceRecord, Struct,
    Text, Value,
};

use super::config::{ConnectorFlavor, MySqlSourceConfig};
use super::filters::PatternList;
use super::offset::SourcePosition;
use super::schema::{TableDef, TableId};
use super::types::{Cell, ColumnConverter, ColumnMappers, Origin, UnsupportedType};

/// The Debezium release whose record format Strait reproduces; written into `source.version`.
pub const DEBEZIUM_VERSION: &str = "3.6.3.Final";
/// Envelope schema version since Debezium 2.6 (when `ts_us`/`ts_ns` were added).
pub const ENVELOPE_VERSION: i32 = 2;
/// Values of the `snapshot` source field, in Debezium's `SnapshotRecord` order.
pub const SNAPSHOT_ALLOWED: &str =
    "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";
/// Header carrying the new key on the delete of a primary-key change.
pub const NEW_KEY_HEADER: &str = "__debezium.newkey";
/// Header carrying the old key on the create of a primary-key change.
pub const OLD_KEY_HEADER: &str = "__debezium.oldkey";

/// The `snapshot` field of the source block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMarker {
    True,
    First,
    FirstInDataCollection,
    LastInDataCollection,
    Last,
}

impl SnapshotMarker {
    fn as_str(self) -> &'static str {
        match self {
            Self::True => "true",
            Self::First => "first",
            Self::FirstInDataCollection => "first_in_data_collection",
            Self::LastInDataCollection => "last_in_data_collection",
            Self::Last => "last",
        }
    }

    /// Debezium's `SnapshotMarkerResolver`.
    pub fn resolve(
        first_in_snapshot: bool,
        last_in_snapshot: bool,
        first_in_table: bool,
        last_in_table: bool,
    ) -> Self {
        if last_in_snapshot {
            Self::Last
        } else if first_in_snapshot {
            Self::First
        } else if last_in_table {
            Self::LastInDataCollection
        } else if first_in_table {
            Self::FirstInDataCollection
        } else {
            Self::True
        }
    }
}

/// Change operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Create,
    Update,
    Delete,
    Truncate,
}

impl Op {
    /// The `op` code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Create => "c",
            Self::Update => "u",
            Self::Delete => "d",
            Self::Truncate => "t",
        }
    }
}

/// The connector-wide pieces every record shares: the source block schema and the constant
/// values and headers.
#[derive(Clone, Debug)]
pub struct RecordContext {
    pub source_schema: Schema,
    pub transaction_schema: Schema,
    pub connector: &'static str,
    pub server_name: Text,
    pub partition: Arc<OffsetMap>,
    /// The `__debezium.context.*` headers, when enabled.
    pub context_headers: Headers,
    pub tombstones_on_delete: bool,
}

/// The `source` schema of a connector flavor.
pub fn source_schema(flavor: ConnectorFlavor) -> Schema {
    let snapshot = SchemaBuilder::new(SchemaType::String)
        .name("io.debezium.data.Enum")
        .version(1)
        .parameter("allowed", SNAPSHOT_ALLOWED)
        .default_value(Value::String("false".into()))
        .optional()
        .build();
    SchemaBuilder::struct_()
        .name(format!("io.debezium.connector.{}.Source", flavor.name()))
        .version(1)
        .field("version", Schema::string())
        .field("connector", Schema::string())
        .field("name", Schema::string())
        .field("ts_ms", Schema::int64())
        .field("snapshot", snapshot)
        .field("db", Schema::string())
        .field("sequence", Schema::optional_string())
        .field("ts_us", Schema::optional_int64())
        .field("ts_ns", Schema::optional_int64())
        .field("table", Schema::optional_string())
        .field("server_id", Schema::int64())
        .field("gtid", Schema::optional_string())
        .field("file", Schema::string())
        .field("pos", Schema::int64())
        .field("row", Schema::int32())
        .field("thread", Schema::optional_int64())
        .field("query", Schema::optional_string())
        .build()
}

/// Debezium's `event.block` transaction schema (always in the envelope, null unless
/// transaction metadata is on).
pub fn transaction_schema() -> Schema {
    SchemaBuilder::struct_()
        .optional()
        .name("event.block")
        .version(1)
        .field("id", Schema::string())
        .field("total_order", Schema::int64())
        .field("data_collection_order", Schema::int64())
        .build()
}

/// Now as `(ms, µs, ns)` since the epoch.
pub fn now_stamps() -> (i64, i64, i64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    stamps(i64::try_from(d.as_secs()).unwrap_or(0), d.subsec_nanos())
}

/// `(ms, µs, ns)` of an instant, as Debezium computes them from a Java `Instant`.
pub fn stamps(secs: i64, nanos: u32) -> (i64, i64, i64) {
    let n = i64::from(nanos);
    (
        secs * 1000 + n / 1_000_000,
        secs * 1_000_000 + n / 1000,
        secs.saturating_mul(1_000_000_000).saturating_add(n),
    )
}

impl RecordContext {
    /// The shared context of a connector.
    pub fn new(
        config: &MySqlSourceConfig,
        flavor: ConnectorFlavor,
        task: u32,
        run_id: &str,
    ) -> Self {
        let mut context_headers = Headers::new();
        if config.extended_headers {
            let s = || Some(Schema::string());
            context_headers.add(
                "__debezium.context.connectorLogicalName",
                s(),
                Value::String(config.topic_prefix.clone().into()),
            );
            context_headers.add(
                "__debezium.context.taskId",
                s(),
                Value::String(task.to_string().into()),
            );
            context_headers.add(
                "__debezium.context.connectorName",
                s(),
                Value::String(flavor.name().into()),
            );
            context_headers.add(
                "__debezium.context.runId",
                s(),
                Value::String(run_id.into()),
            );
        }
        Self {
            source_schema: source_schema(flavor),
            transaction_schema: transaction_schema(),
            connector: flavor.name(),
            server_name: shared(&config.topic_prefix),
            partition: super::offset::source_partition(&config.topic_prefix),
            context_headers,
            tombstones_on_delete: config.tombstones_on_delete,
        }
    }

    /// The `source` block for an event of `db.table` at `position`.
    pub fn source(
        &self,
        position: &SourcePosition,
        db: Text,
        table: Option<Text>,
        snapshot: Option<SnapshotMarker>,
    ) -> Struct {
        let (secs, nanos) = position.ts.unwrap_or_else(|| {
            let d = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            (i64::try_from(d.as_secs()).unwrap_or(0), d.subsec_nanos())
        });
        let (ms, us, ns) = stamps(secs, nanos);
        let text = |t: Option<Text>| t.map_or(Value::Null, Value::String);
        // In the order of `source_schema`'s fields.
        let values = vec![
            Value::String(Text::from_static(DEBEZIUM_VERSION)),
            Value::String(Text::from_static(self.connector)),
            Value::String(self.server_name.clone()),
            Value::Int64(ms),
            text(snapshot.map(|m| Text::from_static(m.as_str()))),
            Value::String(db),
            Value::Null, // sequence
            Value::Int64(us),
            Value::Int64(ns),
            text(table),
            Value::Int64(i64::try_from(position.server_id).unwrap_or(0)),
            text(position.gtid.clone().map(Text::from)),
            Value::String(Text::from(position.file.clone())),
            Value::Int64(i64::try_from(position.pos).unwrap_or(0)),
            Value::Int32(i32::try_from(position.row).unwrap_or(0)),
            position.thread.map_or(Value::Null, Value::Int64),
            Value::Null, // query
        ];
        Struct::from_values(self.source_schema.clone(), values)
    }

    /// Sets the `snapshot` field of a record's source block (the last snapshot record is
    /// rewritten to `last` once the snapshot knows it is last).
    pub fn mark_snapshot(record: &mut SourceRecord, marker: SnapshotMarker) {
        if let Value::Struct(envelope) = &mut record.value {
            if let Some(Value::Struct(source)) = envelope.get_without_default("source").cloned() {
                let mut source = source;
                source.put_index(4, Value::String(Text::from_static(marker.as_str())));
                envelope.put_index(2, Value::Struct(source));
            }
        }
    }
}

/// A table's record schemas and converters for one version of its definition.
#[derive(Debug)]
pub struct TableSchemas {
    pub id: TableId,
    /// `id`'s database and table names, shared by every record's `source` block.
    pub db_text: Text,
    pub table_text: Text,
    pub topic: String,
    pub key_schema: Option<Schema>,
    pub value_schema: Schema,
    pub envelope_schema: Schema,
    /// One converter per table column, in table order.
    pub columns: Vec<ColumnConverter>,
    /// Converters of the key columns (no column mappers, as Debezium's key fields).
    key_columns: Vec<(usize, ColumnConverter)>,
    /// Table column index of each value field.
    value_columns: Vec<usize>,
    /// Whether any key column has a mapper, so key values need their own conversion.
    key_needs_own_conversion: bool,
    /// Per table column, its place among the key columns (only when key values need their own
    /// conversion).
    key_slots: Vec<Option<usize>>,
}

/// The converted values of one row image, filled cell by cell with
/// [`TableSchemas::push_cell`]; kept between rows so its vectors are reused.
#[derive(Debug, Default)]
pub struct RowValues {
    /// One value per table column converted so far, in table order.
    values: Vec<Value>,
    /// Per key column (in key order), its value converted without the value column's mappers;
    /// only filled when a key column has a mapper.
    key_values: Vec<Value>,
    /// The first cell that could not be converted: `(column name, reason)`.
    error: Option<(String, String)>,
}

fn mappers_for(rules: &[(PatternList, usize)], name: &str) -> Option<usize> {
    rules.iter().find(|(p, _)| p.matches(name)).map(|(_, n)| *n)
}

impl TableSchemas {
    /// Builds every schema of `table` under `config`.
    ///
    /// # Errors
    /// A column whose type cannot be represented.
    pub fn new(
        table: &TableDef,
        config: &MySqlSourceConfig,
        context: &RecordContext,
    ) -> Result<Self, UnsupportedType> {
        let topic = config.data_topic(&table.id.db, &table.id.table);
        let masks: Vec<(PatternList, usize)> = config
            .masks
            .iter()
            .map(|r| (r.columns.clone(), r.length))
            .collect();
        let truncations: Vec<(PatternList, usize)> = config
            .truncations
            .iter()
            .map(|r| (r.columns.clone(), r.length))
            .collect();
        let mut columns = Vec::with_capacity(table.columns.len());
        let mut value_builder = SchemaBuilder::struct_().name(format!("{topic}.Value"));
        let mut value_columns = Vec::new();
        let mut any_mapper = Vec::with_capacity(table.columns.len());
        for (i, col) in table.columns.iter().enumerate() {
            let full = format!("{}.{}.{}", table.id.db, table.id.table, col.name);
            let mappers = ColumnMappers {
                truncate_to: mappers_for(&truncations, &full),
                mask_with: mappers_for(&masks, &full),
            };
            any_mapper.push(mappers != ColumnMappers::default());
            let conv =
                ColumnConverter::new(col, &config.values, mappers, config.include_schema_comments)?;
            if config
                .filters
                .column_included(&table.id.db, &table.id.table, &col.name)
            {
                value_builder = value_builder.field(col.name.clone(), conv.schema.clone());
                value_columns.push(i);
            }
            columns.push(conv);
        }
        let value_schema = value_builder.optional().build();

        let names = table.column_names();
        let key_names: Vec<String> =
            match config
                .key_columns
                .key_for(&table.id.db, &table.id.table, &names)
            {
                Some(k) => k.into_iter().map(str::to_string).collect(),
                None => table.primary_key.clone(),
            };
        let mut key_columns = Vec::new();
        let mut key_builder = SchemaBuilder::struct_().name(format!("{topic}.Key"));
        for name in &key_names {
            if let Some(i) = table.columns.iter().position(|c| &c.name == name) {
                let conv = ColumnConverter::new(
                    &table.columns[i],
                    &config.values,
                    ColumnMappers::default(),
                    config.include_schema_comments,
                )?;
                key_builder = key_builder.field(name.clone(), conv.schema.clone());
                key_columns.push((i, conv));
            }
        }
        let key_schema = (!key_columns.is_empty()).then(|| key_builder.build());
        let key_needs_own_conversion = key_columns.iter().any(|(i, _)| any_mapper[*i]);
        let mut key_slots = vec![None; table.columns.len()];
        if key_needs_own_conversion {
            for (slot, (i, _)) in key_columns.iter().enumerate() {
                key_slots[*i] = Some(slot);
            }
        }

        let envelope_schema = SchemaBuilder::struct_()
            .name(format!("{topic}.Envelope"))
            .version(ENVELOPE_VERSION)
            .field("before", value_schema.clone())
            .field("after", value_schema.clone())
            .field("source", context.source_schema.clone())
            .field("transaction", context.transaction_schema.clone())
            .field("op", Schema::string())
            .field("ts_ms", Schema::optional_int64())
            .field("ts_us", Schema::optional_int64())
            .field("ts_ns", Schema::optional_int64())
            .build();
        Ok(Self {
            id: table.id.clone(),
            db_text: shared(&table.id.db),
            table_text: shared(&table.id.table),
            topic,
            key_schema,
            value_schema,
            envelope_schema,
            columns,
            key_columns,
            value_columns,
            key_needs_own_conversion,
            key_slots,
        })
    }

    /// Starts converting a row image into `row`, forgetting the previous row.
    pub fn start_row(&self, row: &mut RowValues) {
        clear_values(&mut row.values);
        row.values.reserve(self.columns.len());
        row.error = None;
        if self.key_needs_own_conversion {
            clear_values(&mut row.key_values);
            row.key_values
                .resize_with(self.key_columns.len(), || Value::Null);
        }
    }

    /// Converts the cell of the next column of `row`. A cell that cannot be converted is
    /// recorded (see [`TableSchemas::take_error`]) and the rest of the row is only counted, so
    /// that the caller can keep reading the image and decide what to do with the row.
    pub fn push_cell(&self, row: &mut RowValues, cell: Cell<'_>, origin: Origin) {
        let i = row.values.len();
        let Some(conv) = self.columns.get(i) else {
            return;
        };
        if row.error.is_some() {
            row.values.push(Value::Null);
            return;
        }
        if let Some(Some(slot)) = self.key_slots.get(i) {
            let key_conv = &self.key_columns[*slot].1;
            match key_conv.convert(cell.clone(), origin) {
                Ok(v) => row.key_values[*slot] = v,
                Err(e) => row.error = Some((key_conv.name.clone(), e)),
            }
        }
        match conv.convert(cell, origin) {
            Ok(v) => row.values.push(v),
            Err(e) => {
                row.error.get_or_insert_with(|| (conv.name.clone(), e));
                row.values.push(Value::Null);
            }
        }
    }

    /// The first cell of `row` that could not be converted: `(column name, reason)`.
    pub fn take_error(&self, row: &mut RowValues) -> Option<(String, String)> {
        row.error.take()
    }

    /// The key struct of a converted row (before [`TableSchemas::row_taking`]).
    pub fn key(&self, row: &mut RowValues) -> Option<Struct> {
        let schema = self.key_schema.as_ref()?;
        if self.key_needs_own_conversion {
            let values = std::mem::take(&mut row.key_values);
            return Some(Struct::from_values(schema.clone(), values));
        }
        let values = self
            .key_columns
            .iter()
            .map(|(i, _)| row.values[*i].clone())
            .collect();
        Some(Struct::from_values(schema.clone(), values))
    }

    /// The row struct of a converted row, moving the values out: strings and decimals are not
    /// copied. When every column is captured (no column filter), the vector itself becomes the
    /// struct's and `row` keeps an empty one with room for the next row.
    pub fn row_taking(&self, row: &mut RowValues) -> Struct {
        let values = &mut row.values;
        if self.value_columns.len() == values.len() {
            // `value_columns` is increasing, so covering every index means it is `0..n`.
            let next = Vec::with_capacity(values.len());
            return Struct::from_values(self.value_schema.clone(), std::mem::replace(values, next));
        }
        let mut row = Struct::new(self.value_schema.clone());
        for (slot, i) in self.value_columns.iter().enumerate() {
            row.put_index(slot, std::mem::take(&mut values[*i]));
        }
        row
    }

    /// The envelope value of a change.
    pub fn envelope(
        &self,
        op: Op,
        before: Option<Struct>,
        after: Option<Struct>,
        source: Struct,
    ) -> Struct {
        let (ms, us, ns) = now_stamps();
        let row = |r: Option<Struct>| r.map_or(Value::Null, Value::Struct);
        // In the order of the envelope schema's fields; `transaction` is set by the caller.
        let values = vec![
            row(before),
            row(after),
            Value::Struct(source),
            Value::Null,
            Value::String(Text::from_static(op.code())),
            Value::Int64(ms),
            Value::Int64(us),
            Value::Int64(ns),
        ];
        Struct::from_values(self.envelope_schema.clone(), values)
    }

    /// A data record of this table.
    pub fn record(
        &self,
        context: &RecordContext,
        key: Option<Struct>,
        envelope: Struct,
        offset: SourceOffset,
        extra_header: Option<(&str, Struct)>,
    ) -> SourceRecord {
        let headers = match extra_header {
            None => context.context_headers.clone(),
            Some((name, key)) => {
                let mut headers = Headers::new();
                headers.add(name, self.key_schema.clone(), Value::Struct(key));
                for h in &context.context_headers {
                    headers.add(h.key.clone(), h.schema.clone(), h.value.clone());
                }
                headers
            }
        };
        SourceRecord {
            source_partition: context.partition.clone(),
            source_offset: offset,
            topic: self.topic.clone(),
            kafka_partition: None,
            key_schema: key.as_ref().and(self.key_schema.clone()),
            key: key.map_or(Value::Null, Value::Struct),
            value_schema: Some(self.envelope_schema.clone()),
            value: Value::Struct(envelope),
            timestamp: None,
            headers,
        }
    }

    /// The tombstone following a delete: same topic, key and headers, null value.
    pub fn tombstone(delete: &SourceRecord) -> SourceRecord {
        SourceRecord {
            value_schema: None,
            value: Value::Null,
            ..delete.clone()
        }
    }

    /// A truncate record: no key, an envelope with only `source`, `op` and the timestamps.
    pub fn truncate_record(
        &self,
        context: &RecordContext,
        source: Struct,
        offset: OffsetMap,
    ) -> SourceRecord {
        let envelope = self.envelope(Op::Truncate, None, None, source);
        let mut record = self.record(context, None, envelope, offset.into(), None);
        record.key_schema = None;
        record
    }
}

/// A string every record of a table or connector repeats, allocated once.
fn shared(s: &str) -> Text {
    Text::from(std::sync::Arc::<str>::from(s))
}

/// Empties `values` without an out-of-line drop call per null (the values of the last row
/// were mostly moved out, leaving nulls).
fn clear_values(values: &mut Vec<Value>) {
    for v in values.drain(..) {
        if v.is_null() {
            std::mem::forget(v);
        } else {
            drop(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `CREATE TABLE db.t` under the MySQL connector config `extra`.
    fn schemas_for(create: &str, extra: &[(&str, &str)]) -> TableSchemas {
        let mut model = crate::mysql::model::TableModel::default();
        crate::mysql::ddl::apply(&mut model, create, "db").unwrap();
        let table = model.tables.get(&TableId::new("db", "t")).unwrap();
        let mut config: strait_api::ConfigMap = [
            ("database.hostname", "db"),
            ("database.user", "cdc"),
            ("database.server.id", "5400"),
            ("topic.prefix", "shop"),
            ("schema.history.internal.kafka.topic", "history"),
            (
                "schema.history.internal.kafka.bootstrap.servers",
                "kafka:9092",
            ),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        config.insert("include.schema.changes".into(), "false".into());
        let config = MySqlSourceConfig::parse(&config).unwrap();
        let context = RecordContext::new(&config, ConnectorFlavor::MySql, 0, "run");
        TableSchemas::new(table, &config, &context).unwrap()
    }

    fn convert(schemas: &TableSchemas, row: &mut RowValues, cells: Vec<Cell<'_>>) {
        schemas.start_row(row);
        for cell in cells {
            schemas.push_cell(row, cell, Origin::Binlog);
        }
    }

    #[test]
    fn rows_convert_cell_by_cell_into_key_and_value() {
        let s = schemas_for(
            "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10), n INT)",
            &[],
        );
        let mut row = RowValues::default();
        convert(
            &s,
            &mut row,
            vec![Cell::Int(7, 4), Cell::Bytes(b"ann"), Cell::Null],
        );
        assert_eq!(s.take_error(&mut row), None);
        let key = s.key(&mut row).unwrap();
        assert_eq!(key.values(), &[Value::Int32(7)]);
        let value = s.row_taking(&mut row);
        assert_eq!(
            value.values(),
            &[Value::Int32(7), Value::from("ann"), Value::Null]
        );
        value.validate().unwrap();
        // The next row reuses the state without seeing the last one.
        convert(
            &s,
            &mut row,
            vec![Cell::Int(8, 4), Cell::Null, Cell::Int(1, 4)],
        );
        assert_eq!(
            s.row_taking(&mut row).values(),
            &[Value::Int32(8), Value::Null, Value::Int32(1)]
        );
    }

    #[test]
    fn a_masked_key_column_keeps_its_value_in_the_key() {
        let s = schemas_for(
            "CREATE TABLE t (code VARCHAR(10) PRIMARY KEY, name VARCHAR(10))",
            &[("column.mask.with.3.chars", "db.t.code")],
        );
        let mut row = RowValues::default();
        for _ in 0..2 {
            convert(&s, &mut row, vec![Cell::Bytes(b"abc"), Cell::Bytes(b"x")]);
            assert_eq!(s.take_error(&mut row), None);
            assert_eq!(s.key(&mut row).unwrap().values(), &[Value::from("abc")]);
            assert_eq!(
                s.row_taking(&mut row).values(),
                &[Value::from("***"), Value::from("x")]
            );
        }
    }

    #[test]
    fn a_cell_that_cannot_be_converted_is_reported_and_the_row_still_counted() {
        let s = schemas_for("CREATE TABLE t (id INT PRIMARY KEY, d DATE, n INT)", &[]);
        let mut row = RowValues::default();
        convert(
            &s,
            &mut row,
            vec![Cell::Int(1, 4), Cell::Bytes(b"?"), Cell::Int(2, 4)],
        );
        let (column, _) = s.take_error(&mut row).unwrap();
        assert_eq!(column, "d");
        assert_eq!(s.row_taking(&mut row).values().len(), 3);
    }

    #[test]
    fn source_schema_fields_are_in_debeziums_order() {
        let s = source_schema(ConnectorFlavor::MySql);
        let names: Vec<&str> = s.fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "version",
                "connector",
                "name",
                "ts_ms",
                "snapshot",
                "db",
                "sequence",
                "ts_us",
                "ts_ns",
                "table",
                "server_id",
                "gtid",
                "file",
                "pos",
                "row",
                "thread",
                "query"
            ]
        );
        assert_eq!(s.name(), Some("io.debezium.connector.mysql.Source"));
        assert_eq!(
            source_schema(ConnectorFlavor::MariaDb).name(),
            Some("io.debezium.connector.mariadb.Source")
        );
        let snapshot = s.field("snapshot").unwrap().schema();
        assert!(snapshot.is_optional());
        assert_eq!(
            snapshot.default_value(),
            Some(&Value::String("false".into()))
        );
    }

    #[test]
    fn snapshot_markers_resolve_in_debeziums_precedence() {
        use SnapshotMarker::*;
        assert_eq!(SnapshotMarker::resolve(true, true, true, true), Last);
        assert_eq!(SnapshotMarker::resolve(true, false, true, false), First);
        assert_eq!(
            SnapshotMarker::resolve(false, false, true, true),
            LastInDataCollection
        );
        assert_eq!(
            SnapshotMarker::resolve(false, false, true, false),
            FirstInDataCollection
        );
        assert_eq!(SnapshotMarker::resolve(false, false, false, false), True);
    }

    #[test]
    fn stamps_split_like_java_instant() {
        assert_eq!(
            stamps(1_700_000_000, 123_456_789),
            (
                1_700_000_000_123,
                1_700_000_000_123_456,
                1_700_000_000_123_456_789
            )
        );
    }
}
