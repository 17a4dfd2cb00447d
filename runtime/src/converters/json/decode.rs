//! JSON tree → Connect schema and value (`asConnectSchema` and `convertToConnect`).
//!
//! Schema JSON is read with Kafka's rules (`type` required, `optional` only when literally
//! `true`, `version` only when integral, parameter values must be strings). Values follow their
//! schema; without one, JSON integers become INT64, other numbers FLOAT64, objects maps and
//! arrays lists. Where Jackson would silently coerce a mismatched node (a string read as an
//! int becomes 0, `300` read as INT8 wraps to 44), this decoder reports a data error naming the
//! field instead; numbers that fit are read exactly like Java reads them. Float schemas also
//! accept the strings `"NaN"`, `"Infinity"` and `"-Infinity"` that the encoder writes.

use base64::Engine as _;
use strait_api::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{ConnectError, Decimal, Result, Schema, SchemaBuilder, SchemaType, Struct, Value};

use super::parse::{is_integral, JsonNode};
use crate::converters::path::{Path, Step};

/// Reads a schema; `None` for a JSON `null` schema.
///
/// # Errors
/// A data error with Kafka's message when the schema JSON is malformed.
pub fn schema_from_json(
    node: &JsonNode,
    replace_null_with_default: bool,
) -> Result<Option<Schema>> {
    if matches!(node, JsonNode::Null) {
        return Ok(None);
    }
    let type_name = match node.get("type") {
        Some(JsonNode::String(t)) => t.as_str(),
        _ => return Err(ConnectError::data("Schema must contain 'type' field")),
    };
    let sub = |key: &str| -> Result<Option<Schema>> {
        match node.get(key) {
            Some(n) => schema_from_json(n, replace_null_with_default),
            None => Ok(None),
        }
    };
    let mut builder = match type_name {
        "boolean" => SchemaBuilder::new(SchemaType::Boolean),
        "int8" => SchemaBuilder::new(SchemaType::Int8),
        "int16" => SchemaBuilder::new(SchemaType::Int16),
        "int32" => SchemaBuilder::new(SchemaType::Int32),
        "int64" => SchemaBuilder::new(SchemaType::Int64),
        "float" => SchemaBuilder::new(SchemaType::Float32),
        "double" => SchemaBuilder::new(SchemaType::Float64),
        "bytes" => SchemaBuilder::new(SchemaType::Bytes),
        "string" => SchemaBuilder::new(SchemaType::String),
        "array" => {
            let items = sub("items")?.ok_or_else(|| {
                ConnectError::data("Array schema did not specify the element type")
            })?;
            SchemaBuilder::array(items)
        }
        "map" => {
            if node.get("keys").is_none() {
                return Err(ConnectError::data(
                    "Map schema did not specify the key type",
                ));
            }
            if node.get("values").is_none() {
                return Err(ConnectError::data(
                    "Map schema did not specify the value type",
                ));
            }
            let keys = sub("keys")?
                .ok_or_else(|| ConnectError::data("Map schema did not specify the key type"))?;
            let values = sub("values")?
                .ok_or_else(|| ConnectError::data("Map schema did not specify the value type"))?;
            SchemaBuilder::map(keys, values)
        }
        "struct" => {
            let Some(JsonNode::Array(fields)) = node.get("fields") else {
                return Err(ConnectError::data(
                    "Struct schema's \"fields\" argument is not an array.",
                ));
            };
            let mut b = SchemaBuilder::struct_();
            let mut names: Vec<&str> = Vec::with_capacity(fields.len());
            for field in fields {
                let Some(JsonNode::String(name)) = field.get("field") else {
                    return Err(ConnectError::data(
                        "Struct schema's field name not specified properly",
                    ));
                };
                if names.contains(&name.as_str()) {
                    return Err(ConnectError::data(format!(
                        "Cannot create field because of field name duplication {name}"
                    )));
                }
                names.push(name);
                let schema = schema_from_json(field, replace_null_with_default)
                    .map_err(|e| e.context(format!("field \"{name}\"")))?
                    .ok_or_else(|| {
                        ConnectError::data(format!("Struct field \"{name}\" has a null schema"))
                    })?;
                b = b.field(name.as_str(), schema);
            }
            b
        }
        other => return Err(ConnectError::data(format!("Unknown schema type: {other}"))),
    };
    if let Some(JsonNode::Bool(true)) = node.get("optional") {
        builder = builder.optional();
    }
    if let Some(JsonNode::String(name)) = node.get("name") {
        builder = builder.name(name.as_str());
    }
    if let Some(JsonNode::Number(v)) = node.get("version") {
        if is_integral(v) {
            // Java's intValue() keeps the low 32 bits.
            if let Ok(v) = v.parse::<i64>() {
                builder = builder.version(v as i32);
            }
        }
    }
    if let Some(JsonNode::String(doc)) = node.get("doc") {
        builder = builder.doc(doc.as_str());
    }
    if let Some(JsonNode::Object(params)) = node.get("parameters") {
        for (k, v) in params {
            let JsonNode::String(v) = v else {
                return Err(ConnectError::data(
                    "Schema parameters must have string values.",
                ));
            };
            builder = builder.parameter(k.as_str(), v.as_str());
        }
    }
    let schema = builder.build();
    match node.get("default") {
        None => Ok(Some(schema)),
        Some(default) => {
            let value = value_from_json(
                Some(&schema),
                Some(default),
                replace_null_with_default,
                &Path::ROOT,
            )
            .map_err(|e| e.context("Invalid default value in schema"))?;
            if value.is_null() {
                Ok(Some(schema))
            } else {
                Ok(Some(schema.to_builder().default_value(value).build()))
            }
        }
    }
}

/// Reads a value; `node` is `None` when the JSON had no such entry.
///
/// # Errors
/// A data error naming the field path when the JSON does not fit the schema.
pub fn value_from_json(
    schema: Option<&Schema>,
    node: Option<&JsonNode>,
    replace_null_with_default: bool,
    path: &Path<'_>,
) -> Result<Value> {
    let Some(schema) = schema else {
        return match node {
            None | Some(JsonNode::Null) => Ok(Value::Null),
            Some(n) => schemaless(n, path),
        };
    };
    let node = match node {
        None | Some(JsonNode::Null) => {
            return match schema.default_value() {
                Some(d) if replace_null_with_default => Ok(d.clone()),
                _ if schema.is_optional() => Ok(Value::Null),
                _ => Err(path.error(format!(
                    "Invalid null value for required {} field",
                    schema.schema_type()
                ))),
            }
        }
        Some(n) => n,
    };
    if let Some(v) = logical_from_json(schema, node, path)? {
        return Ok(v);
    }
    let mismatch = || {
        path.error(format!(
            "Expected {} but found {}",
            schema.schema_type(),
            node.node_type()
        ))
    };
    Ok(match (schema.schema_type(), node) {
        (SchemaType::Boolean, JsonNode::Bool(b)) => Value::Boolean(*b),
        (SchemaType::Int8, JsonNode::Number(t)) => Value::Int8(integer(t, path, "INT8")?),
        (SchemaType::Int16, JsonNode::Number(t)) => Value::Int16(integer(t, path, "INT16")?),
        (SchemaType::Int32, JsonNode::Number(t)) => Value::Int32(integer(t, path, "INT32")?),
        (SchemaType::Int64, JsonNode::Number(t)) => Value::Int64(integer(t, path, "INT64")?),
        (SchemaType::Float32, n) => Value::Float32(float(n, path, "FLOAT32")?),
        (SchemaType::Float64, n) => Value::Float64(float(n, path, "FLOAT64")?),
        (SchemaType::String, JsonNode::String(s)) => Value::String(s.clone().into()),
        (SchemaType::Bytes, JsonNode::String(s)) => Value::Bytes(base64_bytes(s, path)?),
        (SchemaType::Array, JsonNode::Array(items)) => {
            let elem = schema.value_schema();
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(value_from_json(
                    elem,
                    Some(item),
                    replace_null_with_default,
                    &path.child(Step::Index(i)),
                )?);
            }
            Value::Array(out)
        }
        (SchemaType::Map, n) => map_from_json(schema, n, replace_null_with_default, path)?,
        (SchemaType::Struct, JsonNode::Object(_)) => {
            let mut s = Struct::new(schema.clone());
            for field in schema.fields() {
                let v = value_from_json(
                    Some(field.schema()),
                    node.get(field.name()),
                    replace_null_with_default,
                    &path.child(Step::Field(field.name())),
                )?;
                s.put_index(field.index(), v);
            }
            Value::Struct(s)
        }
        (SchemaType::Struct, n) => {
            return Err(path.error(format!(
                "Structs should be encoded as JSON objects, but found {}",
                n.node_type()
            )))
        }
        _ => return Err(mismatch()),
    })
}

fn map_from_json(
    schema: &Schema,
    node: &JsonNode,
    replace_null_with_default: bool,
    path: &Path<'_>,
) -> Result<Value> {
    let (ks, vs) = (schema.key_schema(), schema.value_schema());
    let string_keys = ks.is_none_or(|k| k.schema_type() == SchemaType::String);
    let mut out = Vec::new();
    if string_keys {
        let JsonNode::Object(entries) = node else {
            return Err(path.error(format!(
                "Maps with string fields should be encoded as JSON objects, but found {}",
                node.node_type()
            )));
        };
        for (i, (k, v)) in entries.iter().enumerate() {
            let key = Value::String(k.clone().into());
            let value = value_from_json(
                vs,
                Some(v),
                replace_null_with_default,
                &path.child(Step::MapValue(i, &key)),
            )?;
            out.push((key, value));
        }
    } else {
        let JsonNode::Array(entries) = node else {
            return Err(path.error(format!(
                "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                node.node_type()
            )));
        };
        for (i, entry) in entries.iter().enumerate() {
            let JsonNode::Array(pair) = entry else {
                return Err(path.error(format!(
                    "Found invalid map entry instead of array tuple: {}",
                    entry.node_type()
                )));
            };
            let [k, v] = pair.as_slice() else {
                return Err(path.error(format!(
                    "Found invalid map entry, expected length 2 but found :{}",
                    pair.len()
                )));
            };
            let key = value_from_json(
                ks,
                Some(k),
                replace_null_with_default,
                &path.child(Step::MapKey(i)),
            )?;
            let value = value_from_json(
                vs,
                Some(v),
                replace_null_with_default,
                &path.child(Step::MapValue(i, &key)),
            )?;
            match out.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
    }
    Ok(Value::Map(out))
}

/// Reads Decimal, Date, Time and Timestamp values; `None` when the schema is no logical type.
fn logical_from_json(schema: &Schema, node: &JsonNode, path: &Path<'_>) -> Result<Option<Value>> {
    Ok(Some(match (schema.name(), node) {
        (Some(DECIMAL_NAME), n) => {
            let scale = logical::decimal_scale(schema).map_err(|e| path.error(e.to_string()))?;
            let d = match n {
                JsonNode::Number(t) => t
                    .parse::<Decimal>()
                    .map_err(|_| path.error(format!("Invalid number for Decimal: {t}")))?,
                JsonNode::String(s) => Decimal::from_unscaled_bytes(&base64_bytes(s, path)?, scale),
                other => {
                    return Err(path.error(format!(
                        "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                        other.node_type()
                    )))
                }
            };
            // Java keeps a NUMERIC decimal's written scale; the Connect model needs the
            // schema's, so rescale when no digit is lost.
            // Rescaling costs time proportional to the scale change; refuse absurd ones.
            let rescaled = if (i64::from(d.scale()) - i64::from(scale)).abs() <= 1000 {
                d.rescale(scale)
            } else {
                None
            };
            Value::Decimal(rescaled.ok_or_else(|| {
                path.error(format!(
                    "Decimal {} does not fit the schema's scale {scale}",
                    n_text(n)
                ))
            })?)
        }
        (Some(DATE_NAME), JsonNode::Number(t)) => Value::Int32(int_node(t, "Date", path)?),
        (Some(TIME_NAME), JsonNode::Number(t)) => Value::Int32(int_node(t, "Time", path)?),
        (Some(TIMESTAMP_NAME), JsonNode::Number(t)) if is_integral(t) => {
            Value::Int64(integer(t, path, "INT64")?)
        }
        (Some(name @ (DATE_NAME | TIME_NAME)), other) => {
            return Err(path.error(format!(
                "Invalid type for {}, underlying representation should be integer but was {}",
                short_logical(name),
                other.node_type()
            )))
        }
        (Some(TIMESTAMP_NAME), other) => {
            return Err(path.error(format!(
            "Invalid type for Timestamp, underlying representation should be integral but was {}",
            other.node_type()
        )))
        }
        _ => return Ok(None),
    }))
}

fn short_logical(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn n_text(n: &JsonNode) -> String {
    match n {
        JsonNode::Number(t) | JsonNode::String(t) => t.clone(),
        other => other.node_type().to_string(),
    }
}

/// An `int` node, as Jackson's `isInt()` requires for Date and Time.
fn int_node(text: &str, logical: &str, path: &Path<'_>) -> Result<i32> {
    if !is_integral(text) {
        return Err(path.error(format!(
            "Invalid type for {logical}, underlying representation should be integer but was NUMBER"
        )));
    }
    integer(text, path, "INT32")
}

/// An integral number that must fit the target type (named `type_name` in errors).
fn integer<T: TryFrom<i64>>(text: &str, path: &Path<'_>, type_name: &str) -> Result<T> {
    let wide = if is_integral(text) {
        text.parse::<i64>().ok()
    } else {
        None
    };
    wide.and_then(|v| T::try_from(v).ok()).ok_or_else(|| {
        path.error(format!(
            "Numeric value ({text}) is not an integer in the range of {type_name}"
        ))
    })
}

/// A float from a number, or from the strings Jackson writes for non-finite values.
fn float<T: std::str::FromStr>(node: &JsonNode, path: &Path<'_>, type_name: &str) -> Result<T> {
    let text = match node {
        JsonNode::Number(t) => t.as_str(),
        JsonNode::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => s.as_str(),
        other => {
            return Err(path.error(format!(
                "Expected {type_name} but found {}",
                other.node_type()
            )))
        }
    };
    // Rust spells infinity "inf"; its parser also accepts "infinity" in any case.
    text.parse()
        .map_err(|_| path.error(format!("Invalid {type_name} value: {text}")))
}

fn base64_bytes(text: &str, path: &Path<'_>) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| path.error(format!("Invalid bytes field: {e}")))
}

/// A value with no schema: integers → INT64, other numbers → FLOAT64, objects → maps.
fn schemaless(node: &JsonNode, path: &Path<'_>) -> Result<Value> {
    Ok(match node {
        JsonNode::Null => Value::Null,
        JsonNode::Bool(b) => Value::Boolean(*b),
        JsonNode::Number(t) if is_integral(t) => Value::Int64(integer(t, path, "INT64")?),
        JsonNode::Number(t) => Value::Float64(
            t.parse()
                .map_err(|_| path.error(format!("Invalid number: {t}")))?,
        ),
        JsonNode::String(s) => Value::String(s.clone().into()),
        JsonNode::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| schemaless(item, &path.child(Step::Index(i))))
                .collect::<Result<_>>()?,
        ),
        JsonNode::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    Ok((
                        Value::String(k.clone().into()),
                        schemaless(v, &path.child(Step::ObjectValue(k)))?,
                    ))
                })
                .collect::<Result<_>>()?,
        ),
    })
}
