//! `Values.convertToString`: a Connect value as header text.
//!
//! Java decides the shape from the value's class; Strait's values carry Date/Time/Timestamp as
//! plain integers, so the schema (when there is one) identifies them. Temporal values are
//! printed the way Java picks a format from the instant alone: before the first day ends it is
//! a time (`14:34:54.346Z`), on a midnight it is a date (`2019-08-23`), otherwise a timestamp
//! (`2019-08-23T14:34:54.346Z`). Java formats in the JVM's default time zone; Strait always uses
//! UTC (what Connect workers normally run with).

use base64::Engine as _;
use strait_api::logical::{DATE_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{Schema, SchemaType, Value};

use super::MILLIS_PER_DAY;
use crate::converters::java_format;

/// The text form of `value`; null renders as `null`.
pub fn convert_to_string(schema: Option<&Schema>, value: &Value) -> String {
    let mut out = String::new();
    append(&mut out, schema, value, false);
    out
}

/// The epoch milliseconds of a temporal value, when `schema` names a temporal logical type.
fn temporal_millis(schema: Option<&Schema>, value: &Value) -> Option<i64> {
    let v = value.as_i64()?;
    match schema?.name()? {
        DATE_NAME => v.checked_mul(MILLIS_PER_DAY),
        TIME_NAME | TIMESTAMP_NAME => Some(v),
        _ => None,
    }
}

/// Java's `Values.dateFormatFor(date).format(date)`, in UTC.
pub(crate) fn format_temporal(millis: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(millis)?;
    let pattern = if millis < MILLIS_PER_DAY {
        "%H:%M:%S%.3fZ"
    } else if millis % MILLIS_PER_DAY == 0 {
        "%Y-%m-%d"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3fZ"
    };
    Some(t.format(pattern).to_string())
}

fn append(out: &mut String, schema: Option<&Schema>, value: &Value, embedded: bool) {
    if let Some(text) = temporal_millis(schema, value).and_then(format_temporal) {
        out.push_str(&text);
        return;
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) => out.push_str(&java_format::f32_to_string(*v)),
        Value::Float64(v) => out.push_str(&java_format::f64_to_string(*v)),
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::String(s) if embedded => {
            out.push('"');
            for c in s.chars() {
                if matches!(c, '\\' | '"') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(b);
            if embedded {
                out.push('"');
                out.push_str(&encoded);
                out.push('"');
            } else {
                out.push_str(&encoded);
            }
        }
        Value::Array(items) => {
            let elem = schema.and_then(Schema::value_schema);
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, elem, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let (ks, vs) = match schema {
                Some(s) if s.schema_type() == SchemaType::Map => (s.key_schema(), s.value_schema()),
                _ => (None, None),
            };
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, ks, k, true);
                out.push(':');
                append(out, vs, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (field, v)) in s.schema().fields().iter().zip(s.values()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(
                    out,
                    None,
                    &Value::String(field.name().to_string().into()),
                    true,
                );
                out.push(':');
                // Java's Struct.get substitutes the field default for null.
                let v = match (v, field.schema().default_value()) {
                    (Value::Null, Some(d)) => d,
                    _ => v,
                };
                append(out, Some(field.schema()), v, true);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strait_api::{logical, Decimal, SchemaBuilder, Struct};

    #[test]
    fn scalars_are_bare() {
        assert_eq!(convert_to_string(None, &Value::from("a \"q\"")), "a \"q\"");
        assert_eq!(convert_to_string(None, &Value::Int16(-3)), "-3");
        assert_eq!(convert_to_string(None, &Value::Float32(1.5)), "1.5");
        assert_eq!(convert_to_string(None, &Value::Float64(1.0e-5)), "1.0E-5");
        assert_eq!(convert_to_string(None, &Value::Boolean(false)), "false");
        assert_eq!(
            convert_to_string(None, &Decimal::new(-150, 2).into()),
            "-1.50"
        );
        assert_eq!(
            convert_to_string(None, &Value::Bytes(vec![0xfb, 0xff])),
            "+/8="
        );
    }

    #[test]
    fn containers_quote_and_escape_strings() {
        let list = Value::Array(vec!["a\"b\\c".into(), Value::Null, 3i8.into()]);
        assert_eq!(convert_to_string(None, &list), r#"["a\"b\\c",null,3]"#);
        let map = Value::Map(vec![("k".into(), Value::Bytes(b"hi".to_vec()))]);
        assert_eq!(convert_to_string(None, &map), r#"{"k":"aGk="}"#);
    }

    #[test]
    fn structs_use_field_defaults() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field(
                "kind",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value("none".into())
                    .build(),
            )
            .build();
        let s = Struct::new(schema.clone()).with("id", 1i32).unwrap();
        assert_eq!(
            convert_to_string(Some(&schema), &s.into()),
            r#"{"id":1,"kind":"none"}"#
        );
    }

    #[test]
    fn temporal_values_pick_their_format_from_the_instant() {
        let ts = logical::timestamp().build();
        assert_eq!(
            convert_to_string(Some(&ts), &Value::Int64(1_566_570_894_346)),
            "2019-08-23T14:34:54.346Z"
        );
        assert_eq!(
            convert_to_string(Some(&ts), &Value::Int64(18_131 * MILLIS_PER_DAY)),
            "2019-08-23"
        );
        let time = logical::time().build();
        assert_eq!(
            convert_to_string(Some(&time), &Value::Int32(52_494_346)),
            "14:34:54.346Z"
        );
        let date = logical::date().build();
        assert_eq!(
            convert_to_string(Some(&date), &Value::Int32(18_131)),
            "2019-08-23"
        );
        // Java quirk kept: the epoch day is "before the first day ends", so it prints as a time.
        assert_eq!(
            convert_to_string(Some(&date), &Value::Int32(0)),
            "00:00:00.000Z"
        );
    }
}
