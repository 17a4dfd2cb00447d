//! Debezium's type mapping: how each MySQL column becomes a Connect field schema, and how each
//! cell becomes a Connect value, under every `*.handling.mode` and `time.precision.mode`.
//!
//! The mapping is decided once per column ([`ColumnConverter::new`]), from the column's type and
//! the connector's modes, following `BinlogValueConverters` and `JdbcValueConverters`. Values
//! reach it as [`Cell`]s, the decoded-but-uninterpreted form both readers produce: the binlog row
//! decoder (`binlog::rows`) and the snapshot's text-protocol parser ([`Cell::from_text`]). Going
//! through one `Cell` type keeps snapshot and streaming records identical wherever Debezium's are,
//! and the places where Debezium's own snapshot and stream differ (TIMESTAMP fraction digits,
//! JSON spacing) are explicit in [`Origin`].
//!
//! Cells borrow from the event or row buffer; only the final `Value` allocates.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use strait_api::logical;
use strait_api::{Decimal, Schema, SchemaBuilder, SchemaType, Struct, Value};

use super::config::{BigIntUnsignedMode, BinaryMode, DecimalMode, TimePrecisionMode, ValueModes};
use super::schema::ColumnDef;
use super::temporal::{self, DateTime};

/// Where a cell was read: Debezium renders a few types differently in snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Binlog,
    Snapshot,
    /// A column default value expression.
    Default,
}

/// A decoded cell, before the column's Debezium conversion.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    /// An integer's raw bits and its storage width in bytes; the column says whether it is
    /// signed.
    Int(u64, u8),
    Float(f32),
    Double(f64),
    Decimal(Decimal),
    /// A YEAR (0 for `0000`).
    Year(u16),
    Date(DateTime),
    /// A TIME: sign and absolute duration in microseconds.
    Time(bool, u64),
    DateTime(DateTime),
    /// A TIMESTAMP as epoch seconds and microseconds.
    Timestamp(i64, u32),
    Bytes(&'a [u8]),
    /// A BIT value, big-endian.
    Bits(&'a [u8]),
    /// A 1-based ENUM index (0: the empty error value).
    Enum(u16),
    /// A SET bitmask.
    Set(u64),
    /// MySQL's binary JSON.
    Jsonb(&'a [u8]),
}

/// What a column is converted as.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `BIT(1)`.
    Boolean,
    /// `BIT(n>1)`: little-endian bytes.
    Bits {
        length: i64,
        bytes: usize,
    },
    /// Integers: the storage is read as signed or unsigned, then widened to `target`.
    Integer {
        unsigned: bool,
        target: IntTarget,
    },
    Float32,
    /// DOUBLE, or a FLOAT Debezium widens (`FLOAT(M,D)`, `FLOAT(p>24)`): the stored value is
    /// single precision then, and snapshot text must be read as such before widening.
    Float64 {
        from_float: bool,
    },
    Decimal {
        precision: i64,
        scale: i32,
    },
    /// Character data; `latin1` decodes as MySQL's latin1 (Windows-1252), all else as UTF-8.
    Text {
        latin1: bool,
    },
    Json,
    Enum(Arc<[String]>),
    Set(Arc<[String]>),
    /// Binary data, right-padded with zeros to `pad_to` bytes for `BINARY(n)` (DBZ-254).
    Binary {
        pad_to: usize,
    },
    Year,
    Date,
    Time,
    DateTime {
        fsp: i64,
    },
    Timestamp {
        fsp: u8,
    },
    Geometry,
    Point,
}

/// The Connect type an integer column becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntTarget {
    I16,
    I32,
    I64,
    /// `BIGINT UNSIGNED` with `bigint.unsigned.handling.mode=precise`: Decimal(20,0).
    UnsignedDecimal,
}

/// A column whose type Strait cannot map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column '{column}' has type '{data_type}', which Strait cannot represent yet")]
pub struct UnsupportedType {
    pub column: String,
    pub data_type: String,
}

/// Debezium's name for the Bits logical type.
pub const BITS_NAME: &str = "io.debezium.data.Bits";
pub const ENUM_NAME: &str = "io.debezium.data.Enum";
pub const ENUM_SET_NAME: &str = "io.debezium.data.EnumSet";
pub const JSON_NAME: &str = "io.debezium.data.Json";
pub const YEAR_NAME: &str = "io.debezium.time.Year";
pub const DATE_NAME: &str = "io.debezium.time.Date";
pub const MICRO_TIME_NAME: &str = "io.debezium.time.MicroTime";
pub const NANO_TIME_NAME: &str = "io.debezium.time.NanoTime";
pub const TIMESTAMP_NAME: &str = "io.debezium.time.Timestamp";
pub const MICRO_TIMESTAMP_NAME: &str = "io.debezium.time.MicroTimestamp";
pub const NANO_TIMESTAMP_NAME: &str = "io.debezium.time.NanoTimestamp";
pub const ZONED_TIMESTAMP_NAME: &str = "io.debezium.time.ZonedTimestamp";
pub const ISO_DATE_NAME: &str = "io.debezium.time.IsoDate";
pub const ISO_TIME_NAME: &str = "io.debezium.time.IsoTime";
pub const ISO_TIMESTAMP_NAME: &str = "io.debezium.time.IsoTimestamp";
pub const GEOMETRY_NAME: &str = "io.debezium.data.geometry.Geometry";
pub const POINT_NAME: &str = "io.debezium.data.geometry.Point";
/// The Decimal parameter Debezium adds with the column's precision.
pub const PRECISION_PARAMETER: &str = "connect.decimal.precision";

impl Kind {
    /// The kind of a column under the connector's modes.
    ///
    /// # Errors
    /// [`UnsupportedType`] for types with no Debezium mapping Strait implements.
    pub fn of(column: &ColumnDef, modes: &ValueModes) -> Result<Self, UnsupportedType> {
        let unsigned = column.unsigned;
        let int = |target| Kind::Integer { unsigned, target };
        // Synonyms a DDL statement may use (SHOW CREATE TABLE prints the canonical names).
        let data_type = match column.data_type.as_str() {
            "int1" => "tinyint",
            "int2" => "smallint",
            "int3" | "middleint" => "mediumint",
            "int4" => "int",
            "int8" => "bigint",
            "dec" => "decimal",
            "float4" => "float",
            "float8" => "double",
            "character" | "national char" | "national character" => "char",
            "character varying"
            | "national varchar"
            | "national character varying"
            | "nchar varchar"
            | "varcharacter" => "varchar",
            "long" | "long varchar" => "mediumtext",
            "long varbinary" => "mediumblob",
            other => other,
        };
        Ok(match data_type {
            // Debezium's DDL parser maps BOOL/BOOLEAN to BOOLEAN (a snapshot sees TINYINT(1)).
            "bool" | "boolean" => Kind::Boolean,
            "bit" => match column.length.unwrap_or(1) {
                n if n <= 1 => Kind::Boolean,
                n => Kind::Bits {
                    length: n,
                    bytes: usize::try_from((n + 7) / 8).unwrap_or(8),
                },
            },
            // Debezium's DDL parser types TINYINT as SMALLINT (JDBC 5), signed or not: INT16.
            "tinyint" => int(IntTarget::I16),
            "smallint" => int(if unsigned {
                IntTarget::I32
            } else {
                IntTarget::I16
            }),
            "mediumint" => int(IntTarget::I32),
            "int" | "integer" => int(if unsigned {
                IntTarget::I64
            } else {
                IntTarget::I32
            }),
            "bigint" => int(match (unsigned, modes.bigint_unsigned) {
                (true, BigIntUnsignedMode::Precise) => IntTarget::UnsignedDecimal,
                _ => IntTarget::I64,
            }),
            "float" if column.scale.is_none() && column.length.unwrap_or(-1) <= 24 => Kind::Float32,
            "float" => Kind::Float64 { from_float: true },
            "double" | "real" | "double precision" => Kind::Float64 { from_float: false },
            "decimal" | "numeric" | "fixed" => Kind::Decimal {
                precision: column.length.unwrap_or(10),
                scale: column.scale.unwrap_or(0),
            },
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "nchar"
            | "nvarchar" => Kind::Text {
                latin1: column
                    .charset
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("latin1")),
            },
            "json" => Kind::Json,
            "enum" => Kind::Enum(column.enum_values.clone().into()),
            "set" => Kind::Set(column.enum_values.clone().into()),
            "binary" => Kind::Binary {
                pad_to: usize::try_from(column.length.unwrap_or(0)).unwrap_or(0),
            },
            "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                Kind::Binary { pad_to: 0 }
            }
            "year" => Kind::Year,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "datetime" => Kind::DateTime {
                fsp: column.length.unwrap_or(-1),
            },
            "timestamp" => Kind::Timestamp {
                fsp: u8::try_from(column.length.unwrap_or(0).clamp(0, 6)).unwrap_or(0),
            },
            "geometry" | "linestring" | "polygon" | "multipoint" | "multilinestring"
            | "multipolygon" | "geometrycollection" | "geomcollection" => Kind::Geometry,
            "point" => Kind::Point,
            other => {
                return Err(UnsupportedType {
                    column: column.name.clone(),
                    data_type: other.to_string(),
                })
            }
        })
    }

    /// Whether Debezium treats the column as character data (masking applies only to those).
    fn is_character(&self) -> bool {
        matches!(self, Kind::Text { .. } | Kind::Enum(_) | Kind::Set(_))
    }

    /// The field schema builder, before optionality, doc, default and column mappers.
    fn schema_builder(&self, modes: &ValueModes) -> SchemaBuilder {
        let time = modes.time;
        match self {
            Kind::Boolean => SchemaBuilder::new(SchemaType::Boolean),
            Kind::Bits { length, .. } => SchemaBuilder::new(SchemaType::Bytes)
                .name(BITS_NAME)
                .version(1)
                .parameter("length", length.to_string()),
            Kind::Integer { target, .. } => match target {
                IntTarget::I16 => SchemaBuilder::new(SchemaType::Int16),
                IntTarget::I32 => SchemaBuilder::new(SchemaType::Int32),
                IntTarget::I64 => SchemaBuilder::new(SchemaType::Int64),
                IntTarget::UnsignedDecimal => {
                    logical::decimal(0).parameter(PRECISION_PARAMETER, "20")
                }
            },
            Kind::Float32 => SchemaBuilder::new(SchemaType::Float32),
            Kind::Float64 { .. } => SchemaBuilder::new(SchemaType::Float64),
            Kind::Decimal { precision, scale } => match modes.decimal {
                DecimalMode::Precise => {
                    logical::decimal(*scale).parameter(PRECISION_PARAMETER, precision.to_string())
                }
                DecimalMode::Double => SchemaBuilder::new(SchemaType::Float64),
                DecimalMode::String => SchemaBuilder::new(SchemaType::String),
            },
            Kind::Text { .. } => SchemaBuilder::new(SchemaType::String),
            Kind::Json => SchemaBuilder::new(SchemaType::String)
                .name(JSON_NAME)
                .version(1),
            Kind::Enum(values) => SchemaBuilder::new(SchemaType::String)
                .name(ENUM_NAME)
                .version(1)
                .parameter("allowed", allowed(values)),
            Kind::Set(values) => SchemaBuilder::new(SchemaType::String)
                .name(ENUM_SET_NAME)
                .version(1)
                .parameter("allowed", allowed(values)),
            Kind::Binary { .. } => match modes.binary {
                BinaryMode::Bytes => SchemaBuilder::new(SchemaType::Bytes),
                _ => SchemaBuilder::new(SchemaType::String),
            },
            Kind::Year => SchemaBuilder::new(SchemaType::Int32)
                .name(YEAR_NAME)
                .version(1),
            Kind::Date => match time {
                TimePrecisionMode::Connect => logical::date(),
                TimePrecisionMode::IsoString => named(SchemaType::String, ISO_DATE_NAME),
                _ => named(SchemaType::Int32, DATE_NAME),
            },
            Kind::Time => match time {
                TimePrecisionMode::Connect => logical::time(),
                TimePrecisionMode::IsoString => named(SchemaType::String, ISO_TIME_NAME),
                TimePrecisionMode::Nanoseconds => named(SchemaType::Int64, NANO_TIME_NAME),
                _ => named(SchemaType::Int64, MICRO_TIME_NAME),
            },
            Kind::DateTime { fsp } => match time {
                TimePrecisionMode::Connect => logical::timestamp(),
                TimePrecisionMode::IsoString => named(SchemaType::String, ISO_TIMESTAMP_NAME),
                TimePrecisionMode::Microseconds => named(SchemaType::Int64, MICRO_TIMESTAMP_NAME),
                TimePrecisionMode::Nanoseconds => named(SchemaType::Int64, NANO_TIMESTAMP_NAME),
                TimePrecisionMode::AdaptiveTimeMicroseconds if *fsp <= 3 => {
                    named(SchemaType::Int64, TIMESTAMP_NAME)
                }
                TimePrecisionMode::AdaptiveTimeMicroseconds => {
                    named(SchemaType::Int64, MICRO_TIMESTAMP_NAME)
                }
            },
            Kind::Timestamp { .. } => named(SchemaType::String, ZONED_TIMESTAMP_NAME),
            Kind::Geometry => SchemaBuilder::struct_()
                .name(GEOMETRY_NAME)
                .version(1)
                .doc("Geometry")
                .optional()
                .field("wkb", Schema::bytes())
                .field("srid", Schema::optional_int32()),
            Kind::Point => SchemaBuilder::struct_()
                .name(POINT_NAME)
                .version(1)
                .doc("Geometry (POINT)")
                .field("x", Schema::float64())
                .field("y", Schema::float64())
                .field("wkb", Schema::optional_bytes())
                .field("srid", Schema::optional_int32()),
        }
    }
}

fn named(ty: SchemaType, name: &str) -> SchemaBuilder {
    SchemaBuilder::new(ty).name(name).version(1)
}

/// Debezium's `EnumeratedValues.toCommaSeparatedString`: `\` and `,` escaped with `\`.
fn allowed(values: &[String]) -> String {
    values
        .iter()
        .map(|v| v.replace('\\', "\\\\").replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(",")
}

/// How one column's cells become Connect values: built once per table version.
#[derive(Clone, Debug)]
pub struct ColumnConverter {
    pub kind: Kind,
    pub name: String,
    modes: ValueModes,
    optional: bool,
    /// The field schema (with optionality, default and mapper parameters).
    pub schema: Schema,
    default: Option<Value>,
    truncate_to: Option<usize>,
    mask: Option<Arc<str>>,
}

/// Column mappers from `column.truncate.to.N.chars` and `column.mask.with.N.chars`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColumnMappers {
    pub truncate_to: Option<usize>,
    pub mask_with: Option<usize>,
}

impl ColumnConverter {
    /// The converter and field schema of a column.
    ///
    /// # Errors
    /// [`UnsupportedType`] when the column's type has no mapping.
    pub fn new(
        column: &ColumnDef,
        modes: &ValueModes,
        mappers: ColumnMappers,
        with_comment: bool,
    ) -> Result<Self, UnsupportedType> {
        let kind = Kind::of(column, modes)?;
        let mut builder = kind.schema_builder(modes);
        // Truncation applies when the column's length is unknown or larger (TruncateColumn).
        let truncate_to = mappers
            .truncate_to
            .filter(|n| column.length.is_none_or(|l| l < 0 || l > *n as i64));
        if let Some(n) = truncate_to {
            builder = builder.parameter("truncateLength", n.to_string());
        }
        if mappers.mask_with.is_some() {
            builder = builder.parameter("masked", "true");
        }
        let optional = column.nullable;
        if optional {
            builder = builder.optional();
        }
        if with_comment {
            if let Some(comment) = &column.comment {
                builder = builder.doc(comment.clone());
            }
        }
        let mut converter = Self {
            // Debezium's Geometry schema is optional even for NOT NULL columns.
            optional: optional || matches!(kind, Kind::Geometry),
            kind,
            name: column.name.clone(),
            modes: *modes,
            schema: builder.build(),
            default: None,
            truncate_to,
            mask: mappers
                .mask_with
                .map(|n| Arc::<str>::from("*".repeat(n).as_str())),
        };
        if let Some(expr) = &column.default {
            if let Some(default) = converter.default_value(expr) {
                converter.default = Some(default.clone());
                let rebuilt = converter.schema.to_builder().default_value(default);
                converter.schema = rebuilt.build();
            }
        }
        if !converter.kind.is_character() {
            converter.mask = None;
        }
        Ok(converter)
    }

    /// The column default as a Connect value (Debezium's `BinlogDefaultValueConverter`).
    fn default_value(&self, expr: &str) -> Option<Value> {
        let trimmed = match self.kind {
            Kind::Text { .. } | Kind::Json | Kind::Enum(_) | Kind::Set(_) | Kind::Binary { .. } => {
                expr
            }
            _ => expr.trim(),
        };
        let numeric = matches!(
            self.kind,
            Kind::Integer { .. }
                | Kind::Float32
                | Kind::Float64 { .. }
                | Kind::Decimal { .. }
                | Kind::Boolean
        );
        if numeric
            && (trimmed.eq_ignore_ascii_case("true") || trimmed.eq_ignore_ascii_case("false"))
        {
            let bit = if trimmed.eq_ignore_ascii_case("true") {
                "1"
            } else {
                "0"
            };
            return self.default_from_text(bit);
        }
        if let Kind::Boolean = self.kind {
            let on = trimmed
                .parse::<i64>()
                .map(|n| n != 0)
                .unwrap_or_else(|_| trimmed.eq_ignore_ascii_case("true"));
            return Some(Value::Boolean(on));
        }
        if let Kind::Bits { bytes, .. } = self.kind {
            // A default is written in binary digits (`b'101'` arrives as `101`).
            let mut value: u128 = 0;
            for c in trimmed.chars() {
                value = (value << 1) | u128::from(c == '1');
            }
            let le: Vec<u8> = (0..bytes).map(|i| (value >> (8 * i)) as u8).collect();
            return Some(Value::Bytes(le));
        }
        if let Kind::Timestamp { .. } = self.kind {
            if trimmed == "1970-01-01 00:00:00" || trimmed == "0" || is_zero_datetime_text(trimmed)
            {
                return if self.optional {
                    None
                } else {
                    Some(Value::String("1970-01-01T00:00:00Z".into()))
                };
            }
        }
        self.default_from_text(trimmed)
    }

    fn default_from_text(&self, text: &str) -> Option<Value> {
        if let Kind::Float64 { .. } = self.kind {
            // Debezium parses every floating default as a double (`Double.parseDouble`).
            return text.parse().ok().map(Value::Float64);
        }
        let cell = Cell::from_text(&self.kind, text.as_bytes())?;
        let cell = match (&self.kind, cell) {
            // Defaults are rounded to the column scale (setScale HALF_UP).
            (Kind::Decimal { scale, .. }, Cell::Decimal(d)) => {
                Cell::Decimal(round_half_up(&d, *scale))
            }
            (_, cell) => cell,
        };
        match self.convert(cell, Origin::Default) {
            Ok(Value::Null) | Err(_) => None,
            Ok(v) => Some(v),
        }
    }

    /// Converts a cell, applying Debezium's null rules and the column mappers.
    ///
    /// # Errors
    /// Why the cell cannot be represented (the caller adds table, column and position).
    pub fn convert(&self, cell: Cell<'_>, origin: Origin) -> Result<Value, String> {
        let value = self.convert_raw(cell, origin)?;
        let value = match value {
            Value::Null if !self.optional && origin != Origin::Default => match &self.default {
                Some(d) => d.clone(),
                None => self.fallback(),
            },
            v => v,
        };
        Ok(self.apply_mappers(value))
    }

    /// As [`ColumnConverter::convert`] for a borrowed cell. A DECIMAL cell is read in place
    /// (its unscaled value lives on the heap, so a copy would allocate); every other cell is
    /// borrowed bytes or plain numbers and is copied.
    ///
    /// # Errors
    /// As [`ColumnConverter::convert`].
    pub fn convert_ref(&self, cell: &Cell<'_>, origin: Origin) -> Result<Value, String> {
        match (cell, &self.kind) {
            (Cell::Decimal(d), Kind::Decimal { scale, .. }) => {
                let value = if d.scale() == *scale {
                    decimal_value(d, self.modes.decimal)
                } else {
                    let rescaled = d.rescale(*scale).unwrap_or_else(|| d.clone());
                    decimal_value_owned(rescaled, self.modes.decimal)
                };
                // Never null, so no default applies; a string rendering may be masked.
                Ok(self.apply_mappers(value))
            }
            _ => self.convert(cell.clone(), origin),
        }
    }

    /// `column.truncate.*` and `column.mask.*`; inlined so that the common case (no mapper)
    /// does not move the value through a call per cell.
    #[inline]
    fn apply_mappers(&self, value: Value) -> Value {
        if self.truncate_to.is_none() && self.mask.is_none() {
            return value;
        }
        self.map_string(value)
    }

    #[inline(never)]
    fn map_string(&self, value: Value) -> Value {
        let value = match (self.truncate_to, value) {
            (Some(n), Value::String(s)) if s.chars().count() > n => {
                Value::String(s.chars().take(n).collect::<String>().into())
            }
            (_, v) => v,
        };
        match (&self.mask, value) {
            (Some(mask), Value::String(_)) => Value::String(mask.to_string().into()),
            (_, v) => v,
        }
    }

    /// Debezium's fallback for a null in a NOT NULL column without default (zero dates).
    fn fallback(&self) -> Value {
        let modes = &self.modes;
        match &self.kind {
            Kind::Boolean => Value::Boolean(false),
            Kind::Bits { .. } => Value::Bytes(Vec::new()),
            Kind::Integer { target, .. } => match target {
                IntTarget::I16 => Value::Int16(0),
                IntTarget::I32 => Value::Int32(0),
                IntTarget::I64 => Value::Int64(0),
                IntTarget::UnsignedDecimal => Value::Decimal(Decimal::new(0, 0)),
            },
            Kind::Float32 => Value::Float32(0.0),
            Kind::Float64 { .. } => Value::Float64(0.0),
            Kind::Decimal { scale, .. } => decimal_value(&Decimal::new(0, *scale), modes.decimal),
            Kind::Text { .. } | Kind::Enum(_) | Kind::Set(_) => Value::String(String::new().into()),
            Kind::Json => Value::String("{}".into()),
            Kind::Binary { .. } => binary_value(Vec::new(), modes.binary),
            Kind::Year => Value::Int32(0),
            Kind::Date => match modes.time {
                TimePrecisionMode::IsoString => Value::String("1970-01-01".into()),
                _ => Value::Int32(0),
            },
            Kind::Time => match modes.time {
                TimePrecisionMode::Connect => Value::Int32(0),
                TimePrecisionMode::IsoString => Value::String("00:00:00".into()),
                _ => Value::Int64(0),
            },
            Kind::DateTime { .. } => match modes.time {
                TimePrecisionMode::IsoString => Value::String("1970-01-01T00:00:00Z".into()),
                _ => Value::Int64(0),
            },
            Kind::Timestamp { .. } => Value::String("1970-01-01T00:00:00Z".into()),
            Kind::Geometry | Kind::Point => Value::Null,
        }
    }

    fn convert_raw(&self, cell: Cell<'_>, origin: Origin) -> Result<Value, String> {
        if let Cell::Null = cell {
            return Ok(Value::Null);
        }
        let modes = &self.modes;
        let mismatch = || {
            format!(
                "unexpected {} value {:?}",
                self.kind_name(),
                cell_summary(&cell)
            )
        };
        Ok(match &self.kind {
            Kind::Boolean => match cell {
                Cell::Bits(b) | Cell::Bytes(b) => Value::Boolean(b.iter().any(|x| *x != 0)),
                Cell::Int(v, _) => Value::Boolean(v != 0),
                _ => return Err(mismatch()),
            },
            Kind::Bits { bytes, .. } => match cell {
                Cell::Bits(b) | Cell::Bytes(b) => {
                    let mut le: Vec<u8> = b.iter().rev().copied().collect();
                    if le.len() < *bytes {
                        le.resize(*bytes, 0);
                    }
                    Value::Bytes(le)
                }
                _ => return Err(mismatch()),
            },
            Kind::Integer { unsigned, target } => {
                let Cell::Int(raw, width) = cell else {
                    return Err(mismatch());
                };
                integer_value(raw, width, *unsigned, *target)
            }
            Kind::Float32 => match cell {
                Cell::Float(f) => Value::Float32(f),
                Cell::Double(d) => Value::Float32(d as f32),
                _ => return Err(mismatch()),
            },
            Kind::Float64 { .. } => match cell {
                Cell::Float(f) => Value::Float64(f64::from(f)),
                Cell::Double(d) => Value::Float64(d),
                _ => return Err(mismatch()),
            },
            Kind::Decimal { scale, .. } => match cell {
                Cell::Decimal(d) if d.scale() == *scale => decimal_value_owned(d, modes.decimal),
                Cell::Decimal(d) => {
                    let d = d.rescale(*scale).unwrap_or(d);
                    decimal_value_owned(d, modes.decimal)
                }
                _ => return Err(mismatch()),
            },
            Kind::Text { latin1 } => match cell {
                // Query results arrive in the connection's character set (UTF-8); only the
                // binlog carries the column's own encoding.
                Cell::Bytes(b) => {
                    Value::String((decode_text(b, *latin1 && origin == Origin::Binlog)).into())
                }
                _ => return Err(mismatch()),
            },
            Kind::Json => match cell {
                Cell::Bytes([]) => {
                    if self.optional {
                        Value::Null
                    } else {
                        Value::String("{}".into())
                    }
                }
                Cell::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned().into()),
                Cell::Jsonb([]) => {
                    if self.optional {
                        Value::Null
                    } else {
                        Value::String("{}".into())
                    }
                }
                Cell::Jsonb(b) => Value::String(super::binlog::json::render(b)?.into()),
                _ => return Err(mismatch()),
            },
            Kind::Enum(values) => match cell {
                Cell::Enum(i) => Value::String(
                    (usize::from(i)
                        .checked_sub(1)
                        .and_then(|i| values.get(i))
                        .cloned()
                        .unwrap_or_default())
                    .into(),
                ),
                Cell::Int(i, _) => Value::String(
                    (usize::try_from(i)
                        .ok()
                        .and_then(|i| i.checked_sub(1))
                        .and_then(|i| values.get(i))
                        .cloned()
                        .unwrap_or_default())
                    .into(),
                ),
                Cell::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned().into()),
                _ => return Err(mismatch()),
            },
            Kind::Set(values) => match cell {
                Cell::Set(mask) | Cell::Int(mask, _) => {
                    let mut out = String::new();
                    for (i, v) in values.iter().enumerate().take(64) {
                        if mask & (1u64 << i) != 0 {
                            if !out.is_empty() {
                                out.push(',');
                            }
                            out.push_str(v);
                        }
                    }
                    Value::String(out.into())
                }
                Cell::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned().into()),
                _ => return Err(mismatch()),
            },
            Kind::Binary { pad_to } => match cell {
                Cell::Bytes(b) => {
                    let mut bytes = b.to_vec();
                    if bytes.len() < *pad_to {
                        bytes.resize(*pad_to, 0);
                    }
                    binary_value(bytes, modes.binary)
                }
                _ => return Err(mismatch()),
            },
            Kind::Year => match cell {
                Cell::Year(y) => {
                    let y = i64::from(y);
                    let y = if modes.time_adjuster {
                        temporal::adjust_year(y)
                    } else {
                        y
                    };
                    Value::Int32(i32::try_from(y).unwrap_or(0))
                }
                _ => return Err(mismatch()),
            },
            Kind::Date => match cell {
                Cell::Date(d) | Cell::DateTime(d) => {
                    if d.is_zero_date() {
                        return Ok(Value::Null);
                    }
                    let year = self.adjust(d.year);
                    match modes.time {
                        TimePrecisionMode::IsoString => {
                            Value::String(temporal::iso_date(year, d.month, d.day).into())
                        }
                        _ => Value::Int32(
                            i32::try_from(temporal::days_from_civil(year, d.month, d.day))
                                .unwrap_or(0),
                        ),
                    }
                }
                _ => return Err(mismatch()),
            },
            Kind::Time => match cell {
                Cell::Time(negative, micros) => {
                    let signed = if negative {
                        -(micros as i64)
                    } else {
                        micros as i64
                    };
                    match modes.time {
                        // Connect's Time holds 00:00:00..=24:00:00 only. Like Debezium
                        // (`Time.toMilliOfDay` refusing, then `handleUnknownData`), a time
                        // outside it is null in a nullable column and an error otherwise.
                        TimePrecisionMode::Connect
                            if negative && micros > 0 || micros > MICROS_PER_DAY =>
                        {
                            if self.optional {
                                Value::Null
                            } else {
                                return Err(format!(
                                    "TIME value {}{} µs is outside 00:00:00..24:00:00, which \
                                     time.precision.mode=connect cannot represent (use \
                                     adaptive or adaptive_time_microseconds)",
                                    if negative { "-" } else { "" },
                                    micros
                                ));
                            }
                        }
                        TimePrecisionMode::Connect => {
                            Value::Int32(i32::try_from(signed / 1000).unwrap_or(0))
                        }
                        TimePrecisionMode::Nanoseconds => Value::Int64(signed.saturating_mul(1000)),
                        TimePrecisionMode::IsoString => {
                            let total = micros;
                            let secs = total / 1_000_000;
                            Value::String(
                                (temporal::iso_time(
                                    ((secs / 3600) % 24) as u32,
                                    ((secs / 60) % 60) as u32,
                                    (secs % 60) as u32,
                                    (total % 1_000_000) as u32,
                                ))
                                .into(),
                            )
                        }
                        _ => Value::Int64(signed),
                    }
                }
                _ => return Err(mismatch()),
            },
            Kind::DateTime { fsp } => match cell {
                Cell::DateTime(d) | Cell::Date(d) => {
                    if d.is_zero_date() {
                        return Ok(Value::Null);
                    }
                    let d = DateTime {
                        year: self.adjust(d.year),
                        ..d
                    };
                    let micros = d.epoch_micros();
                    match modes.time {
                        TimePrecisionMode::Connect => Value::Int64(micros.div_euclid(1000)),
                        TimePrecisionMode::IsoString => {
                            Value::String(temporal::iso_instant_trimmed(&d).into())
                        }
                        TimePrecisionMode::Microseconds => Value::Int64(micros),
                        TimePrecisionMode::Nanoseconds => Value::Int64(micros.saturating_mul(1000)),
                        TimePrecisionMode::AdaptiveTimeMicroseconds if *fsp <= 3 => {
                            Value::Int64(micros.div_euclid(1000))
                        }
                        TimePrecisionMode::AdaptiveTimeMicroseconds => Value::Int64(micros),
                    }
                }
                _ => return Err(mismatch()),
            },
            Kind::Timestamp { fsp } => {
                let instant = match cell {
                    Cell::Timestamp(secs, micros) => {
                        if secs == 0 && micros == 0 {
                            // MySQL's zero TIMESTAMP is stored as epoch 0: Debezium sees null.
                            return Ok(Value::Null);
                        }
                        DateTime::from_epoch(secs, micros)
                    }
                    Cell::DateTime(d) => {
                        if d.is_zero_date() {
                            return Ok(Value::Null);
                        }
                        d
                    }
                    _ => return Err(mismatch()),
                };
                let instant = DateTime {
                    year: self.adjust(instant.year),
                    ..instant
                };
                Value::String(match origin {
                    Origin::Binlog | Origin::Default => {
                        temporal::iso_instant_fixed(&instant, *fsp).into()
                    }
                    Origin::Snapshot => temporal::iso_instant_trimmed(&instant).into(),
                })
            }
            Kind::Geometry | Kind::Point => match cell {
                Cell::Bytes(b) => self.geometry_value(b)?,
                _ => return Err(mismatch()),
            },
        })
    }

    fn adjust(&self, year: i64) -> i64 {
        if self.modes.time_adjuster {
            temporal::adjust_year(year)
        } else {
            year
        }
    }

    /// MySQL stores geometry as a 4-byte little-endian SRID followed by WKB.
    fn geometry_value(&self, bytes: &[u8]) -> Result<Value, String> {
        if bytes.len() < 4 {
            return Err(format!(
                "geometry value of {} bytes is too short",
                bytes.len()
            ));
        }
        let srid = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let wkb = bytes[4..].to_vec();
        let mut value = Struct::new(self.schema.clone());
        if let Kind::Point = self.kind {
            let (x, y) = point_coordinates(&wkb)
                .ok_or_else(|| "POINT value is not a WKB point".to_string())?;
            value.put_index(0, Value::Float64(x));
            value.put_index(1, Value::Float64(y));
            value.put_index(2, Value::Bytes(wkb));
            value.put_index(
                3,
                if srid == 0 {
                    Value::Null
                } else {
                    Value::Int32(srid)
                },
            );
        } else {
            value.put_index(0, Value::Bytes(wkb));
            value.put_index(
                1,
                if srid == 0 {
                    Value::Null
                } else {
                    Value::Int32(srid)
                },
            );
        }
        Ok(Value::Struct(value))
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Boolean | Kind::Bits { .. } => "BIT",
            Kind::Integer { .. } => "integer",
            Kind::Float32 | Kind::Float64 { .. } => "floating-point",
            Kind::Decimal { .. } => "DECIMAL",
            Kind::Text { .. } => "character",
            Kind::Json => "JSON",
            Kind::Enum(_) => "ENUM",
            Kind::Set(_) => "SET",
            Kind::Binary { .. } => "binary",
            Kind::Year => "YEAR",
            Kind::Date => "DATE",
            Kind::Time => "TIME",
            Kind::DateTime { .. } => "DATETIME",
            Kind::Timestamp { .. } => "TIMESTAMP",
            Kind::Geometry | Kind::Point => "spatial",
        }
    }
}

fn cell_summary(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Bytes(b) | Cell::Bits(b) | Cell::Jsonb(b) => format!("<{} bytes>", b.len()),
        other => format!("{other:?}"),
    }
}

fn is_zero_datetime_text(text: &str) -> bool {
    temporal::parse_datetime(text).is_some_and(|d| d.is_zero_date())
}

fn point_coordinates(wkb: &[u8]) -> Option<(f64, f64)> {
    if wkb.len() < 21 {
        return None;
    }
    let little = wkb[0] == 1;
    let read_u32 = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let read_f64 = |b: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        if little {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        }
    };
    (read_u32(&wkb[1..5]) == 1).then(|| (read_f64(&wkb[5..13]), read_f64(&wkb[13..21])))
}

/// 24:00:00 in microseconds, the largest time Connect's `Time` holds.
const MICROS_PER_DAY: u64 = 86_400_000_000;

fn integer_value(raw: u64, width: u8, unsigned: bool, target: IntTarget) -> Value {
    let bits = u32::from(width.clamp(1, 8)) * 8;
    let value: i128 = if unsigned {
        let mask = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        i128::from(raw & mask)
    } else if bits == 64 {
        i128::from(raw as i64)
    } else {
        let shift = 64 - bits;
        i128::from(((raw << shift) as i64) >> shift)
    };
    match target {
        IntTarget::I16 => Value::Int16(value as i16),
        IntTarget::I32 => Value::Int32(value as i32),
        // BIGINT UNSIGNED in `long` mode wraps to negative, exactly as Debezium.
        IntTarget::I64 => Value::Int64(value as i64),
        IntTarget::UnsignedDecimal => Value::Decimal(Decimal::new(value, 0)),
    }
}

/// [`decimal_value`] of a decimal the caller gives up, so the precise mode moves it.
fn decimal_value_owned(d: Decimal, mode: DecimalMode) -> Value {
    match mode {
        DecimalMode::Precise => Value::Decimal(d),
        other => decimal_value(&d, other),
    }
}

fn decimal_value(d: &Decimal, mode: DecimalMode) -> Value {
    match mode {
        DecimalMode::Precise => Value::Decimal(d.clone()),
        DecimalMode::Double => Value::Float64(d.to_f64()),
        DecimalMode::String => Value::String(plain_decimal(d).into()),
    }
}

/// Java's `BigDecimal.toPlainString`.
pub fn plain_decimal(d: &Decimal) -> String {
    if d.scale() <= 0 {
        let zeros = "0".repeat(usize::try_from(-d.scale()).unwrap_or(0));
        let unscaled = d.unscaled().to_string();
        if unscaled == "0" {
            return unscaled;
        }
        return format!("{unscaled}{zeros}");
    }
    let unscaled = d.unscaled().to_string();
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unscaled.as_str()),
    };
    let scale = usize::try_from(d.scale()).unwrap_or(0);
    let mut out = String::with_capacity(digits.len() + 3);
    if negative {
        out.push('-');
    }
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        let _ = write!(out, "{int}.{frac}");
    } else {
        let _ = write!(out, "0.{}{digits}", "0".repeat(scale - digits.len()));
    }
    out
}

fn round_half_up(d: &Decimal, scale: i32) -> Decimal {
    if let Some(exact) = d.rescale(scale) {
        return exact;
    }
    // Dropping digits: round half away from zero, like BigDecimal.setScale(HALF_UP).
    let text = plain_decimal(d);
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, text.clone()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((&body, ""));
    let keep = usize::try_from(scale).unwrap_or(0);
    let kept: String = format!("{int}{}", &frac[..keep.min(frac.len())]);
    let round_up = frac.as_bytes().get(keep).is_some_and(|b| *b >= b'5');
    let mut n: i128 = kept.parse().unwrap_or(0);
    if round_up {
        n += 1;
    }
    Decimal::from_i128(if negative { -n } else { n }, scale)
}

fn binary_value(bytes: Vec<u8>, mode: BinaryMode) -> Value {
    match mode {
        BinaryMode::Bytes => Value::Bytes(bytes),
        BinaryMode::Base64 => Value::String(
            base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into(),
        ),
        BinaryMode::Base64UrlSafe => Value::String(
            base64::engine::general_purpose::URL_SAFE
                .encode(bytes)
                .into(),
        ),
        BinaryMode::Hex => {
            let mut out = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
            Value::String(out.into())
        }
    }
}

/// Windows-1252 code points of bytes 0x80–0x9F (MySQL's latin1); 0 marks unassigned bytes,
/// which MySQL maps to the same code point.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

fn decode_text(bytes: &[u8], latin1: bool) -> String {
    if bytes.is_ascii() {
        // ASCII is the same in latin1 and UTF-8: one copy, no per-character decoding. The
        // ASCII test reads a word at a time at any alignment, where `str::from_utf8` goes
        // byte by byte until its input is aligned: most of a short string's cost.
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        return unsafe { std::str::from_utf8_unchecked(bytes) }.to_string();
    }
    if !latin1 {
        return match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        };
    }
    let latin1_char = |b: u8| match b {
        0x80..=0x9F => {
            let cp = CP1252_HIGH[usize::from(b - 0x80)];
            char::from_u32(if cp == 0 { u32::from(b) } else { u32::from(cp) }).unwrap_or('\u{FFFD}')
        }
        _ => char::from(b),
    };
    let len = bytes.iter().map(|&b| latin1_char(b).len_utf8()).sum();
    let mut out = String::with_capacity(len);
    out.extend(bytes.iter().map(|&b| latin1_char(b)));
    out
}

impl<'a> Cell<'a> {
    /// Parses a text-protocol value (snapshot rows, default expressions) for a column kind.
    pub fn from_text(kind: &Kind, text: &'a [u8]) -> Option<Cell<'a>> {
        let s = || std::str::from_utf8(text).ok().map(str::trim);
        Some(match kind {
            Kind::Boolean | Kind::Bits { .. } => Cell::Bits(text),
            Kind::Integer { unsigned, .. } => {
                let s = s()?;
                if *unsigned {
                    Cell::Int(
                        s.parse::<u64>()
                            .ok()
                            .or_else(|| parse_rounded(s).map(|v| v as u64))?,
                        8,
                    )
                } else {
                    Cell::Int(
                        s.parse::<i64>().ok().or_else(|| parse_rounded(s))? as u64,
                        8,
                    )
                }
            }
            Kind::Float32 => Cell::Float(s()?.parse().ok()?),
            Kind::Float64 { from_float: true } => Cell::Float(s()?.parse().ok()?),
            Kind::Float64 { from_float: false } => Cell::Double(s()?.parse().ok()?),
            Kind::Decimal { .. } => Cell::Decimal(s()?.parse().ok()?),
            Kind::Text { .. } | Kind::Json | Kind::Enum(_) | Kind::Set(_) | Kind::Binary { .. } => {
                Cell::Bytes(text)
            }
            Kind::Geometry | Kind::Point => Cell::Bytes(text),
            Kind::Year => Cell::Year(s()?.parse().ok()?),
            Kind::Date | Kind::DateTime { .. } | Kind::Timestamp { .. } => {
                let s = s()?;
                if s == "0" {
                    return Some(Cell::DateTime(DateTime {
                        year: 0,
                        month: 0,
                        day: 0,
                        hour: 0,
                        minute: 0,
                        second: 0,
                        micros: 0,
                    }));
                }
                Cell::DateTime(temporal::parse_datetime(s)?)
            }
            Kind::Time => {
                let s = s()?;
                // A default may be a full timestamp; its time part is meant.
                let time = s.split_once(' ').map_or(s, |(_, t)| t);
                let (negative, h, m, sec, us) = temporal::parse_time(time)?;
                let micros =
                    ((h * 3600 + u64::from(m) * 60 + u64::from(sec)) * 1_000_000) + u64::from(us);
                Cell::Time(negative, micros)
            }
        })
    }
}

/// Debezium rounds decimal defaults of integer columns (`Math.round(Double.parseDouble(s))`).
fn parse_rounded(s: &str) -> Option<i64> {
    s.parse::<f64>().ok().map(|f| f.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mysql::config::ValueModes;

    fn column(data_type: &str, column_type: &str, nullable: bool) -> ColumnDef {
        let parsed = crate::mysql::schema::parse_column_type(column_type);
        ColumnDef {
            name: "c".into(),
            position: 1,
            data_type: data_type.into(),
            unsigned: parsed.unsigned,
            zerofill: parsed.zerofill,
            length: parsed.length.or(match data_type {
                "decimal" => Some(10),
                "bit" => Some(1),
                _ => None,
            }),
            scale: parsed.scale.or(if data_type == "decimal" {
                Some(0)
            } else {
                None
            }),
            nullable,
            charset: Some("utf8mb4".into()),
            enum_values: parsed.enum_values,
            default: None,
            has_default: nullable,
            auto_increment: false,
            generated: false,
            comment: None,
        }
    }

    fn conv(data_type: &str, column_type: &str, modes: ValueModes) -> ColumnConverter {
        ColumnConverter::new(
            &column(data_type, column_type, true),
            &modes,
            ColumnMappers::default(),
            false,
        )
        .unwrap()
    }

    fn schema_desc(s: &Schema) -> String {
        format!(
            "{}{}{}{}",
            s.schema_type(),
            s.name().map(|n| format!(" {n}")).unwrap_or_default(),
            s.version().map(|v| format!(" v{v}")).unwrap_or_default(),
            s.parameters()
                .iter()
                .map(|(k, v)| format!(" {k}={v}"))
                .collect::<String>()
        )
    }

    #[test]
    fn default_mode_schemas_follow_debezium() {
        let m = ValueModes::default();
        let cases = [
            ("bit", "bit(1)", "BOOLEAN"),
            ("bit", "bit(10)", "BYTES io.debezium.data.Bits v1 length=10"),
            ("tinyint", "tinyint(4)", "INT16"),
            ("tinyint", "tinyint(1)", "INT16"),
            ("tinyint", "tinyint(3) unsigned", "INT16"),
            ("smallint", "smallint(5) unsigned", "INT32"),
            ("mediumint", "mediumint(8) unsigned", "INT32"),
            ("int", "int(10) unsigned", "INT64"),
            ("int", "int(11)", "INT32"),
            ("bigint", "bigint(20) unsigned", "INT64"),
            ("float", "float", "FLOAT32"),
            ("float", "float(10,2)", "FLOAT64"),
            ("double", "double", "FLOAT64"),
            (
                "decimal",
                "decimal(10,2)",
                "BYTES org.apache.kafka.connect.data.Decimal v1 scale=2 connect.decimal.precision=10",
            ),
            ("varchar", "varchar(255)", "STRING"),
            ("longtext", "longtext", "STRING"),
            ("json", "json", "STRING io.debezium.data.Json v1"),
            ("enum", "enum('a','b,c')", "STRING io.debezium.data.Enum v1 allowed=a,b\\,c"),
            ("set", "set('x','y')", "STRING io.debezium.data.EnumSet v1 allowed=x,y"),
            ("binary", "binary(4)", "BYTES"),
            ("blob", "blob", "BYTES"),
            ("year", "year(4)", "INT32 io.debezium.time.Year v1"),
            ("date", "date", "INT32 io.debezium.time.Date v1"),
            ("time", "time(3)", "INT64 io.debezium.time.MicroTime v1"),
            ("datetime", "datetime", "INT64 io.debezium.time.Timestamp v1"),
            ("datetime", "datetime(3)", "INT64 io.debezium.time.Timestamp v1"),
            ("datetime", "datetime(6)", "INT64 io.debezium.time.MicroTimestamp v1"),
            ("timestamp", "timestamp(6)", "STRING io.debezium.time.ZonedTimestamp v1"),
            ("point", "point", "STRUCT io.debezium.data.geometry.Point v1"),
            ("geometry", "geometry", "STRUCT io.debezium.data.geometry.Geometry v1"),
        ];
        for (dt, ct, expected) in cases {
            let c = conv(dt, ct, m);
            assert_eq!(schema_desc(&c.schema), expected, "{ct}");
            assert!(c.schema.is_optional(), "{ct}");
        }
        assert!(Kind::of(&column("vector", "vector(3)", true), &m).is_err());
    }

    #[test]
    fn other_modes_change_schemas() {
        let m = ValueModes {
            decimal: DecimalMode::String,
            time: TimePrecisionMode::Connect,
            bigint_unsigned: BigIntUnsignedMode::Precise,
            binary: BinaryMode::Base64,
            time_adjuster: true,
        };
        let cases = [
            ("decimal", "decimal(5,1)", "STRING"),
            (
                "bigint",
                "bigint(20) unsigned",
                "BYTES org.apache.kafka.connect.data.Decimal v1 scale=0 connect.decimal.precision=20",
            ),
            ("varbinary", "varbinary(3)", "STRING"),
            ("date", "date", "INT32 org.apache.kafka.connect.data.Date v1"),
            ("time", "time", "INT32 org.apache.kafka.connect.data.Time v1"),
            ("datetime", "datetime(6)", "INT64 org.apache.kafka.connect.data.Timestamp v1"),
        ];
        for (dt, ct, expected) in cases {
            assert_eq!(schema_desc(&conv(dt, ct, m).schema), expected, "{ct}");
        }
        let iso = ValueModes {
            time: TimePrecisionMode::IsoString,
            ..ValueModes::default()
        };
        assert_eq!(
            schema_desc(&conv("date", "date", iso).schema),
            "STRING io.debezium.time.IsoDate v1"
        );
        let nanos = ValueModes {
            time: TimePrecisionMode::Nanoseconds,
            decimal: DecimalMode::Double,
            ..ValueModes::default()
        };
        assert_eq!(
            schema_desc(&conv("datetime", "datetime", nanos).schema),
            "INT64 io.debezium.time.NanoTimestamp v1"
        );
        assert_eq!(
            schema_desc(&conv("decimal", "decimal(5,1)", nanos).schema),
            "FLOAT64"
        );
    }

    #[test]
    fn integers_reinterpret_binlog_bits() {
        let m = ValueModes::default();
        let v = |ct: &str, dt: &str, raw: u64, w: u8| {
            conv(dt, ct, m)
                .convert(Cell::Int(raw, w), Origin::Binlog)
                .unwrap()
        };
        assert_eq!(v("tinyint(4)", "tinyint", 0xff, 1), Value::Int16(-1));
        assert_eq!(
            v("tinyint(3) unsigned", "tinyint", 0xff, 1),
            Value::Int16(255)
        );
        assert_eq!(
            v("mediumint(9)", "mediumint", 0xff_ffff, 3),
            Value::Int32(-1)
        );
        assert_eq!(
            v("mediumint(8) unsigned", "mediumint", 0xff_ffff, 3),
            Value::Int32(16_777_215)
        );
        assert_eq!(
            v("int(10) unsigned", "int", 0xffff_ffff, 4),
            Value::Int64(4_294_967_295)
        );
        assert_eq!(
            v("bigint(20) unsigned", "bigint", u64::MAX, 8),
            Value::Int64(-1),
            "long mode wraps"
        );
        let precise = ValueModes {
            bigint_unsigned: BigIntUnsignedMode::Precise,
            ..m
        };
        assert_eq!(
            conv("bigint", "bigint(20) unsigned", precise)
                .convert(Cell::Int(u64::MAX, 8), Origin::Binlog)
                .unwrap(),
            Value::Decimal(Decimal::new(u64::MAX, 0))
        );
    }

    #[test]
    fn temporal_values_follow_debezium() {
        let m = ValueModes::default();
        let dt = DateTime {
            year: 2024,
            month: 1,
            day: 2,
            hour: 3,
            minute: 4,
            second: 5,
            micros: 678_000,
        };
        assert_eq!(
            conv("datetime", "datetime(3)", m)
                .convert(Cell::DateTime(dt), Origin::Binlog)
                .unwrap(),
            Value::Int64(1_704_164_645_678)
        );
        assert_eq!(
            conv("datetime", "datetime(6)", m)
                .convert(Cell::DateTime(dt), Origin::Binlog)
                .unwrap(),
            Value::Int64(1_704_164_645_678_000)
        );
        assert_eq!(
            conv("date", "date", m)
                .convert(Cell::Date(dt), Origin::Binlog)
                .unwrap(),
            Value::Int32(19_724)
        );
        assert_eq!(
            conv("time", "time(6)", m)
                .convert(Cell::Time(true, 3_723_000_001), Origin::Binlog)
                .unwrap(),
            Value::Int64(-3_723_000_001)
        );
        let ts = conv("timestamp", "timestamp(3)", m);
        assert_eq!(
            ts.convert(Cell::Timestamp(1_704_164_645, 678_000), Origin::Binlog)
                .unwrap(),
            Value::String("2024-01-02T03:04:05.678Z".into())
        );
        assert_eq!(
            ts.convert(Cell::Timestamp(1_704_164_645, 0), Origin::Binlog)
                .unwrap(),
            Value::String("2024-01-02T03:04:05.000Z".into())
        );
        assert_eq!(
            ts.convert(Cell::Timestamp(1_704_164_645, 0), Origin::Snapshot)
                .unwrap(),
            Value::String("2024-01-02T03:04:05Z".into())
        );
        let zero = DateTime {
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            micros: 0,
        };
        assert_eq!(
            conv("date", "date", m)
                .convert(Cell::Date(zero), Origin::Binlog)
                .unwrap(),
            Value::Null
        );
        let not_null = ColumnConverter::new(
            &column("date", "date", false),
            &m,
            ColumnMappers::default(),
            false,
        )
        .unwrap();
        assert_eq!(
            not_null.convert(Cell::Date(zero), Origin::Binlog).unwrap(),
            Value::Int32(0)
        );
        assert_eq!(
            conv("year", "year(4)", m)
                .convert(Cell::Year(2024), Origin::Binlog)
                .unwrap(),
            Value::Int32(2024)
        );
    }

    #[test]
    fn strings_enums_sets_bits_and_binary() {
        let m = ValueModes::default();
        assert_eq!(
            conv("enum", "enum('a','b')", m)
                .convert(Cell::Enum(2), Origin::Binlog)
                .unwrap(),
            Value::String("b".into())
        );
        assert_eq!(
            conv("enum", "enum('a','b')", m)
                .convert(Cell::Enum(0), Origin::Binlog)
                .unwrap(),
            Value::String(String::new().into())
        );
        assert_eq!(
            conv("set", "set('a','b','c')", m)
                .convert(Cell::Set(0b101), Origin::Binlog)
                .unwrap(),
            Value::String("a,c".into())
        );
        assert_eq!(
            conv("bit", "bit(10)", m)
                .convert(Cell::Bits(&[0x02, 0x01]), Origin::Binlog)
                .unwrap(),
            Value::Bytes(vec![0x01, 0x02])
        );
        assert_eq!(
            conv("bit", "bit(1)", m)
                .convert(Cell::Bits(&[1]), Origin::Binlog)
                .unwrap(),
            Value::Boolean(true)
        );
        assert_eq!(
            conv("binary", "binary(4)", m)
                .convert(Cell::Bytes(b"ab"), Origin::Binlog)
                .unwrap(),
            Value::Bytes(b"ab\0\0".to_vec())
        );
        let hex = ValueModes {
            binary: BinaryMode::Hex,
            ..m
        };
        assert_eq!(
            conv("blob", "blob", hex)
                .convert(Cell::Bytes(&[0xAB, 0x01]), Origin::Binlog)
                .unwrap(),
            Value::String("ab01".into())
        );
        let url = ValueModes {
            binary: BinaryMode::Base64UrlSafe,
            ..m
        };
        assert_eq!(
            conv("blob", "blob", url)
                .convert(Cell::Bytes(&[0xfb, 0xff]), Origin::Binlog)
                .unwrap(),
            Value::String("-_8=".into())
        );
        let latin1 = ColumnDef {
            charset: Some("latin1".into()),
            ..column("varchar", "varchar(10)", true)
        };
        let c = ColumnConverter::new(&latin1, &m, ColumnMappers::default(), false).unwrap();
        assert_eq!(
            c.convert(Cell::Bytes(&[0x80, 0xE9]), Origin::Binlog)
                .unwrap(),
            Value::String("€é".into())
        );
        for (bytes, text) in [
            (&b"plain ascii"[..], "plain ascii"),
            (&b""[..], ""),
            (&[b'a', 0x81, b'b', 0xA0, 0x9C][..], "a\u{81}b\u{A0}œ"),
        ] {
            assert_eq!(
                c.convert(Cell::Bytes(bytes), Origin::Binlog).unwrap(),
                Value::String(text.into())
            );
        }
    }

    #[test]
    fn borrowed_cells_convert_as_owned_ones() {
        let modes = [
            DecimalMode::Precise,
            DecimalMode::Double,
            DecimalMode::String,
        ];
        let cells = [
            Cell::Decimal("-12.30".parse().unwrap()),
            // Scale 1 and 3 in a scale-2 column: rescaled (or rounded) like the owned path.
            Cell::Decimal("7.5".parse().unwrap()),
            Cell::Decimal("0.125".parse().unwrap()),
            Cell::Null,
            Cell::Bytes(b"not a decimal"),
        ];
        for decimal in modes {
            let m = ValueModes {
                decimal,
                ..ValueModes::default()
            };
            for (data_type, column_type) in
                [("decimal", "decimal(10,2)"), ("varchar", "varchar(9)")]
            {
                let c = conv(data_type, column_type, m);
                for cell in &cells {
                    assert_eq!(
                        c.convert_ref(cell, Origin::Binlog),
                        c.convert(cell.clone(), Origin::Binlog),
                        "{column_type} {decimal:?} {cell:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn decimals_in_every_mode() {
        let d: Decimal = "-12.30".parse().unwrap();
        let cell = || Cell::Decimal(d.clone());
        let m = ValueModes::default();
        assert_eq!(
            conv("decimal", "decimal(10,2)", m)
                .convert(cell(), Origin::Binlog)
                .unwrap(),
            Value::Decimal(d.clone())
        );
        let s = ValueModes {
            decimal: DecimalMode::String,
            ..m
        };
        assert_eq!(
            conv("decimal", "decimal(10,2)", s)
                .convert(cell(), Origin::Binlog)
                .unwrap(),
            Value::String("-12.30".into())
        );
        let dbl = ValueModes {
            decimal: DecimalMode::Double,
            ..m
        };
        assert_eq!(
            conv("decimal", "decimal(10,2)", dbl)
                .convert(cell(), Origin::Binlog)
                .unwrap(),
            Value::Float64(-12.3)
        );
        assert_eq!(plain_decimal(&"0.05".parse().unwrap()), "0.05");
        assert_eq!(plain_decimal(&Decimal::new(5, -2)), "500");
        assert_eq!(
            round_half_up(&"1.005".parse().unwrap(), 2),
            "1.01".parse().unwrap()
        );
        assert_eq!(
            round_half_up(&"-1.5".parse().unwrap(), 0),
            "-2".parse().unwrap()
        );
    }

    #[test]
    fn defaults_become_schema_defaults() {
        let m = ValueModes::default();
        let with_default = |dt: &str, ct: &str, nullable: bool, d: &str| {
            let col = ColumnDef {
                default: Some(d.into()),
                ..column(dt, ct, nullable)
            };
            ColumnConverter::new(&col, &m, ColumnMappers::default(), false)
                .unwrap()
                .schema
                .default_value()
                .cloned()
        };
        assert_eq!(
            with_default("int", "int(11)", false, "5"),
            Some(Value::Int32(5))
        );
        assert_eq!(
            with_default("int", "int(11)", false, "2.6"),
            Some(Value::Int32(3))
        );
        assert_eq!(
            with_default("varchar", "varchar(3)", true, "x y"),
            Some(Value::String("x y".into()))
        );
        assert_eq!(
            with_default("decimal", "decimal(5,2)", false, "1.5"),
            Some(Value::Decimal("1.50".parse().unwrap()))
        );
        assert_eq!(
            with_default("timestamp", "timestamp", false, "1970-01-01 00:00:00"),
            Some(Value::String("1970-01-01T00:00:00Z".into()))
        );
        assert_eq!(
            with_default("timestamp", "timestamp", true, "1970-01-01 00:00:00"),
            None
        );
        assert_eq!(
            with_default("datetime", "datetime", true, "1970-01-01 00:00:00"),
            Some(Value::Int64(0))
        );
        assert_eq!(
            with_default("bit", "bit(1)", false, "1"),
            Some(Value::Boolean(true))
        );
        assert_eq!(
            with_default("bit", "bit(10)", false, "101"),
            Some(Value::Bytes(vec![5, 0]))
        );
        assert_eq!(
            with_default("tinyint", "tinyint(1)", false, "true"),
            Some(Value::Int16(1))
        );
        assert_eq!(with_default("date", "date", true, "0000-00-00"), None);
    }

    #[test]
    fn mappers_truncate_and_mask() {
        let m = ValueModes::default();
        let mappers = ColumnMappers {
            truncate_to: Some(2),
            mask_with: None,
        };
        let c = ColumnConverter::new(&column("varchar", "varchar(10)", true), &m, mappers, false)
            .unwrap();
        assert_eq!(c.schema.parameter("truncateLength"), Some("2"));
        assert_eq!(
            c.convert(Cell::Bytes(b"abcd"), Origin::Binlog).unwrap(),
            Value::String("ab".into())
        );
        let masked = ColumnMappers {
            truncate_to: None,
            mask_with: Some(3),
        };
        let c = ColumnConverter::new(&column("varchar", "varchar(10)", true), &m, masked, false)
            .unwrap();
        assert_eq!(c.schema.parameter("masked"), Some("true"));
        assert_eq!(
            c.convert(Cell::Bytes(b"secret"), Origin::Binlog).unwrap(),
            Value::String("***".into())
        );
        assert_eq!(c.convert(Cell::Null, Origin::Binlog).unwrap(), Value::Null);
        let short =
            ColumnConverter::new(&column("varchar", "varchar(2)", true), &m, mappers, false)
                .unwrap();
        assert_eq!(
            short.schema.parameter("truncateLength"),
            None,
            "no truncation possible"
        );
    }

    #[test]
    fn text_cells_parse_for_snapshots() {
        let m = ValueModes::default();
        let c = conv("datetime", "datetime(6)", m);
        let cell = Cell::from_text(&c.kind, b"2024-01-02 03:04:05.678000").unwrap();
        assert_eq!(
            c.convert(cell, Origin::Snapshot).unwrap(),
            Value::Int64(1_704_164_645_678_000)
        );
        let t = conv("time", "time", m);
        let cell = Cell::from_text(&t.kind, b"-01:00:00").unwrap();
        assert_eq!(
            t.convert(cell, Origin::Snapshot).unwrap(),
            Value::Int64(-3_600_000_000)
        );
        let u = conv("bigint", "bigint(20) unsigned", m);
        let cell = Cell::from_text(&u.kind, b"18446744073709551615").unwrap();
        assert_eq!(u.convert(cell, Origin::Snapshot).unwrap(), Value::Int64(-1));
        let i = conv("int", "int(11)", m);
        let cell = Cell::from_text(&i.kind, b"-7").unwrap();
        assert_eq!(i.convert(cell, Origin::Snapshot).unwrap(), Value::Int32(-7));
    }

    #[test]
    fn connect_times_outside_one_day_are_null_or_refused() {
        let m = ValueModes {
            time: TimePrecisionMode::Connect,
            ..ValueModes::default()
        };
        let nullable = conv("time", "time", m);
        let t = |c: &ColumnConverter, negative, micros| {
            c.convert(Cell::Time(negative, micros), Origin::Binlog)
        };
        assert_eq!(
            t(&nullable, false, 3_723_000_000).unwrap(),
            Value::Int32(3_723_000)
        );
        assert_eq!(
            t(&nullable, false, MICROS_PER_DAY).unwrap(),
            Value::Int32(86_400_000)
        );
        assert_eq!(t(&nullable, true, 0).unwrap(), Value::Int32(0));
        assert_eq!(t(&nullable, true, 3_723_000_000).unwrap(), Value::Null);
        assert_eq!(
            t(&nullable, false, MICROS_PER_DAY + 1).unwrap(),
            Value::Null
        );
        let required = ColumnConverter::new(
            &column("time", "time", false),
            &m,
            ColumnMappers::default(),
            false,
        )
        .unwrap();
        let err = t(&required, true, 3_723_000_000).unwrap_err();
        assert!(err.contains("time.precision.mode=connect"), "{err}");
    }
}
