//! Connect data → JSON bytes, streamed straight into the output buffer.
//!
//! This is the per-record hot path, so there is no intermediate JSON tree: values are written as
//! they are walked, in the shapes `JsonConverter.convertToJson` produces (struct fields in schema
//! order with explicit nulls, string-keyed maps as objects, other maps as `[key, value]` pairs,
//! logical types by schema name, defaults substituted for nulls when configured). Schema JSON is
//! rendered by [`write_schema`] with `asJsonSchema`'s key order; the converter caches it per
//! schema. The path of the value being written is tracked on the stack so data errors can name
//! the field (`field "address.zip"`).

use strait_api::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{Decimal, Result, Schema, SchemaType, Struct, Value};

use super::config::DecimalFormat;
use super::write;
use crate::converters::path::{Path, Step};

/// The settings that shape value JSON.
#[derive(Clone, Copy, Debug)]
pub struct Encoder {
    /// How Decimal values are written.
    pub decimal_format: DecimalFormat,
    /// Whether a null with a schema default is written as the default.
    pub replace_null_with_default: bool,
}

/// The JSON type name of a schema type (`float` for FLOAT32, `double` for FLOAT64).
pub fn type_name(t: SchemaType) -> &'static str {
    match t {
        SchemaType::Boolean => "boolean",
        SchemaType::Int8 => "int8",
        SchemaType::Int16 => "int16",
        SchemaType::Int32 => "int32",
        SchemaType::Int64 => "int64",
        SchemaType::Float32 => "float",
        SchemaType::Float64 => "double",
        SchemaType::Bytes => "bytes",
        SchemaType::String => "string",
        SchemaType::Array => "array",
        SchemaType::Map => "map",
        SchemaType::Struct => "struct",
    }
}

impl Encoder {
    /// Writes a schema as `asJsonSchema` renders it.
    ///
    /// # Errors
    /// A data error when a default value does not match its schema.
    pub fn write_schema(&self, out: &mut Vec<u8>, schema: &Schema) -> Result<()> {
        self.write_schema_body(out, schema)?;
        out.push(b'}');
        Ok(())
    }

    /// Writes a schema object without its closing brace, so struct fields can append `field`.
    fn write_schema_body(&self, out: &mut Vec<u8>, schema: &Schema) -> Result<()> {
        out.extend_from_slice(b"{\"type\":");
        write::string(out, type_name(schema.schema_type()));
        match schema.schema_type() {
            SchemaType::Array => {
                out.extend_from_slice(b",\"items\":");
                self.write_optional_schema(out, schema.value_schema())?;
            }
            SchemaType::Map => {
                out.extend_from_slice(b",\"keys\":");
                self.write_optional_schema(out, schema.key_schema())?;
                out.extend_from_slice(b",\"values\":");
                self.write_optional_schema(out, schema.value_schema())?;
            }
            SchemaType::Struct => {
                out.extend_from_slice(b",\"fields\":[");
                for (i, field) in schema.fields().iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_schema_body(out, field.schema())?;
                    out.extend_from_slice(b",\"field\":");
                    write::string(out, field.name());
                    out.push(b'}');
                }
                out.push(b']');
            }
            _ => {}
        }
        out.extend_from_slice(b",\"optional\":");
        write::boolean(out, schema.is_optional());
        if let Some(name) = schema.name() {
            out.extend_from_slice(b",\"name\":");
            write::string(out, name);
        }
        if let Some(version) = schema.version() {
            out.extend_from_slice(b",\"version\":");
            write::int(out, i64::from(version));
        }
        if let Some(doc) = schema.doc() {
            out.extend_from_slice(b",\"doc\":");
            write::string(out, doc);
        }
        if !schema.parameters().is_empty() {
            out.extend_from_slice(b",\"parameters\":{");
            for (i, (k, v)) in schema.parameters().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write::key(out, k);
                write::string(out, v);
            }
            out.push(b'}');
        }
        if let Some(default) = schema.default_value() {
            out.extend_from_slice(b",\"default\":");
            self.write_value(out, Some(schema), default, &Path::ROOT)
                .map_err(|e| e.context("Invalid default value in schema"))?;
        }
        Ok(())
    }

    fn write_optional_schema(&self, out: &mut Vec<u8>, schema: Option<&Schema>) -> Result<()> {
        match schema {
            Some(s) => self.write_schema(out, s),
            None => {
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
    }

    /// Writes a value as `convertToJson` would.
    ///
    /// # Errors
    /// A data error naming the field path when the value does not match its schema, or a
    /// required value is null.
    pub fn write_value(
        &self,
        out: &mut Vec<u8>,
        schema: Option<&Schema>,
        value: &Value,
        path: &Path<'_>,
    ) -> Result<()> {
        let Some(schema) = schema else {
            return self.write_schemaless(out, value, path);
        };
        if value.is_null() {
            return match schema.default_value() {
                Some(default) if self.replace_null_with_default && !default.is_null() => {
                    self.write_value(out, Some(schema), default, path)
                }
                _ if schema.is_optional() => {
                    out.extend_from_slice(b"null");
                    Ok(())
                }
                _ => Err(path.error(
                    "Conversion error: null value for field that is required and has no default value",
                )),
            };
        }
        if let Some(name) = schema.name() {
            if self.write_logical(out, schema, name, value, path)? {
                return Ok(());
            }
        }
        match (schema.schema_type(), value) {
            (SchemaType::Int8, Value::Int8(v)) => write::int(out, i64::from(*v)),
            (SchemaType::Int16, Value::Int16(v)) => write::int(out, i64::from(*v)),
            (SchemaType::Int32, Value::Int32(v)) => write::int(out, i64::from(*v)),
            (SchemaType::Int64, Value::Int64(v)) => write::int(out, *v),
            (SchemaType::Float32, Value::Float32(v)) => write::f32(out, *v),
            (SchemaType::Float64, Value::Float64(v)) => write::f64(out, *v),
            (SchemaType::Boolean, Value::Boolean(v)) => write::boolean(out, *v),
            (SchemaType::String, Value::String(v)) => write::string(out, v),
            (SchemaType::Bytes, Value::Bytes(v)) => write::base64(out, v),
            (SchemaType::Array, Value::Array(items)) => {
                self.write_array(out, schema.value_schema(), items, path)?
            }
            (SchemaType::Map, Value::Map(entries)) => self.write_map(out, schema, entries, path)?,
            (SchemaType::Struct, Value::Struct(s)) => self.write_struct(out, schema, s, path)?,
            (t, v) => {
                return Err(path.error(format!("Invalid type for {t}: {}", v.type_description())))
            }
        }
        Ok(())
    }

    /// Writes Decimal, Date, Time and Timestamp values; `false` when `name` is no logical type.
    fn write_logical(
        &self,
        out: &mut Vec<u8>,
        schema: &Schema,
        name: &str,
        value: &Value,
        path: &Path<'_>,
    ) -> Result<bool> {
        match (name, value) {
            (DECIMAL_NAME, Value::Decimal(d)) => self.write_decimal(out, schema, d, path)?,
            (DECIMAL_NAME, v) => {
                return Err(path.error(format!(
                    "Invalid type for Decimal, expected BigDecimal but was {}",
                    v.type_description()
                )))
            }
            (DATE_NAME | TIME_NAME, Value::Int32(v)) => write::int(out, i64::from(*v)),
            (TIMESTAMP_NAME, Value::Int64(v)) => write::int(out, *v),
            (DATE_NAME, v) => return Err(logical_mismatch(path, "Date", "Int32", v)),
            (TIME_NAME, v) => return Err(logical_mismatch(path, "Time", "Int32", v)),
            (TIMESTAMP_NAME, v) => return Err(logical_mismatch(path, "Timestamp", "Int64", v)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn write_decimal(
        &self,
        out: &mut Vec<u8>,
        schema: &Schema,
        d: &Decimal,
        path: &Path<'_>,
    ) -> Result<()> {
        match self.decimal_format {
            DecimalFormat::Numeric => self.write_decimal_numeric(out, d),
            DecimalFormat::Base64 => {
                let scale =
                    logical::decimal_scale(schema).map_err(|e| path.error(e.to_string()))?;
                if d.scale() != scale {
                    return Err(path.error(format!(
                        "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {}.",
                        d.scale()
                    )));
                }
                write::base64(out, &d.to_unscaled_bytes());
            }
        }
        Ok(())
    }

    /// Writes a Decimal as a JSON number (`BigDecimal.toString`).
    pub fn write_decimal_numeric(&self, out: &mut Vec<u8>, d: &Decimal) {
        use std::io::Write as _;
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{d}");
    }

    fn write_array(
        &self,
        out: &mut Vec<u8>,
        elem: Option<&Schema>,
        items: &[Value],
        path: &Path<'_>,
    ) -> Result<()> {
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_value(out, elem, item, &path.child(Step::Index(i)))?;
        }
        out.push(b']');
        Ok(())
    }

    fn write_map(
        &self,
        out: &mut Vec<u8>,
        schema: &Schema,
        entries: &[(Value, Value)],
        path: &Path<'_>,
    ) -> Result<()> {
        let (ks, vs) = (schema.key_schema(), schema.value_schema());
        let object_mode = match ks {
            Some(k) => k.schema_type() == SchemaType::String,
            None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
        };
        if object_mode {
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                self.write_object_key(out, ks, k, &path.child(Step::MapKey(i)))?;
                self.write_value(out, vs, v, &path.child(Step::MapValue(i, k)))?;
            }
            out.push(b'}');
        } else {
            out.push(b'[');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'[');
                self.write_value(out, ks, k, &path.child(Step::MapKey(i)))?;
                out.push(b',');
                self.write_value(out, vs, v, &path.child(Step::MapValue(i, k)))?;
                out.push(b']');
            }
            out.push(b']');
        }
        Ok(())
    }

    /// Writes a string map key as an object key (`mapKey.asText()` in Java).
    fn write_object_key(
        &self,
        out: &mut Vec<u8>,
        key_schema: Option<&Schema>,
        key: &Value,
        path: &Path<'_>,
    ) -> Result<()> {
        let key = match (key, key_schema) {
            (Value::Null, Some(s)) => match s.default_value() {
                Some(d) if self.replace_null_with_default => d,
                _ if s.is_optional() => &Value::Null,
                _ => {
                    return Err(path.error(
                        "Conversion error: null value for field that is required and has no default value",
                    ))
                }
            },
            _ => key,
        };
        match key {
            Value::String(s) => write::key(out, s),
            Value::Null => write::key(out, "null"),
            other => {
                return Err(path.error(format!(
                    "Invalid type for STRING: {}",
                    other.type_description()
                )))
            }
        }
        Ok(())
    }

    fn write_struct(
        &self,
        out: &mut Vec<u8>,
        schema: &Schema,
        s: &Struct,
        path: &Path<'_>,
    ) -> Result<()> {
        if !(s.schema().ptr_eq(schema) || s.schema() == schema) {
            return Err(path.error("Mismatching schema."));
        }
        out.push(b'{');
        for (i, (field, value)) in schema.fields().iter().zip(s.values()).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write::key(out, field.name());
            self.write_value(
                out,
                Some(field.schema()),
                value,
                &path.child(Step::Field(field.name())),
            )?;
        }
        out.push(b'}');
        Ok(())
    }

    /// Writes a value with no schema, typed by its variant.
    fn write_schemaless(&self, out: &mut Vec<u8>, value: &Value, path: &Path<'_>) -> Result<()> {
        match value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Boolean(v) => write::boolean(out, *v),
            Value::Int8(v) => write::int(out, i64::from(*v)),
            Value::Int16(v) => write::int(out, i64::from(*v)),
            Value::Int32(v) => write::int(out, i64::from(*v)),
            Value::Int64(v) => write::int(out, *v),
            Value::Float32(v) => write::f32(out, *v),
            Value::Float64(v) => write::f64(out, *v),
            Value::String(v) => write::string(out, v),
            Value::Bytes(v) => write::base64(out, v),
            Value::Array(items) => self.write_array(out, None, items, path)?,
            Value::Map(entries) => {
                let object_mode = entries.iter().all(|(k, _)| matches!(k, Value::String(_)));
                if object_mode {
                    out.push(b'{');
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        if let Value::String(k) = k {
                            write::key(out, k);
                        }
                        self.write_schemaless(out, v, &path.child(Step::MapValue(i, k)))?;
                    }
                    out.push(b'}');
                } else {
                    out.push(b'[');
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.push(b'[');
                        self.write_schemaless(out, k, &path.child(Step::MapKey(i)))?;
                        out.push(b',');
                        self.write_schemaless(out, v, &path.child(Step::MapValue(i, k)))?;
                        out.push(b']');
                    }
                    out.push(b']');
                }
            }
            Value::Struct(_) => {
                return Err(path.error("Mismatching schema: a Struct value needs a schema."))
            }
            Value::Decimal(_) => {
                return Err(path.error(
                    "Java class java.math.BigDecimal does not have corresponding schema type.",
                ))
            }
        }
        Ok(())
    }
}

fn logical_mismatch(
    path: &Path<'_>,
    logical: &str,
    expected: &str,
    v: &Value,
) -> strait_api::ConnectError {
    path.error(format!(
        "Invalid type for {logical}, expected {expected} (the {logical} representation) but was {}",
        v.type_description()
    ))
}
