//! `org.apache.kafka.connect.storage.StringConverter`: values as their `toString()` text.
//!
//! Java ignores the schema and writes `value.toString()`, so this module renders each value the
//! way its Java class would: numbers via Java's number formatting, `BigDecimal.toString` for
//! decimals, `[a, b]` for lists, `{k=v}` for maps, `Struct{a=1,b=x}` for structs (null fields
//! left out), and `java.util.Date.toString()` in UTC for Date/Time/Timestamp values. Two
//! deliberate differences: `byte[]` has no useful Java `toString` (it prints an identity hash),
//! so bytes are written as base64; and only UTF-8 is supported for `converter.encoding`.
//! Reading always yields an optional string schema.

use std::fmt::Write as _;

use base64::Engine as _;
use strait_api::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Width};
use strait_api::logical::{DATE_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{
    ConnectError, Converter, HeaderConverter, PluginDesc, PluginFactory, Result, Schema,
    SchemaAndValue, SchemaType, Value,
};

use crate::converters::converter_type::{self, ConverterType};
use crate::converters::java_format;

/// The Java class name.
pub const CLASS: &str = "org.apache.kafka.connect.storage.StringConverter";
/// `converter.encoding`: the character set (only UTF-8 is supported).
pub const ENCODING_CONFIG: &str = "converter.encoding";

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Kafka's StringConverter, restricted to UTF-8.
#[derive(Clone, Debug, Default)]
pub struct StringConverter;

impl StringConverter {
    /// Registers the converter under its Java class name and the alias `string`.
    pub fn plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["string"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::Converter(|| Box::new(StringConverter)),
        }
    }

    /// Registers the header converter under its Java class name and the alias `string`.
    pub fn header_converter_plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["string"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::HeaderConverter(|| Box::new(StringConverter)),
        }
    }

    /// The converter's `ConfigDef` (`StringConverterConfig`).
    pub fn config_def() -> ConfigDef {
        ConfigDef::new().define(converter_type::type_key()).define(
            ConfigKey::new(
                ENCODING_CONFIG,
                ConfigType::String,
                Importance::High,
                "The name of the Java character set to use for encoding strings as byte arrays.",
            )
            .default("UTF-8")
            .width(Width::Medium)
            .display_name("Encoding"),
        )
    }

    fn parse_config(config: &ConfigMap, ty: ConverterType) -> Result<()> {
        let parsed = Self::config_def().parse(&converter_type::with_type(config, ty))?;
        let encoding = parsed.string(ENCODING_CONFIG).unwrap_or("UTF-8");
        if encoding.eq_ignore_ascii_case("UTF-8") || encoding.eq_ignore_ascii_case("UTF8") {
            Ok(())
        } else {
            Err(ConnectError::config(
                ENCODING_CONFIG,
                format!(
                    "Unsupported encoding {encoding}: Strait's StringConverter supports only UTF-8"
                ),
            ))
        }
    }

    /// The bytes for a value; `None` for null.
    pub fn serialize(schema: Option<&Schema>, value: &Value) -> Option<Vec<u8>> {
        if value.is_null() {
            return None;
        }
        if let Value::String(s) = value {
            return Some(s.as_bytes().to_vec());
        }
        let mut out = String::new();
        java_to_string(&mut out, schema, value);
        Some(out.into_bytes())
    }

    /// An optional string schema with the decoded text (invalid UTF-8 is replaced, as Java does).
    pub fn deserialize(bytes: Option<&[u8]>) -> SchemaAndValue {
        let value = match bytes {
            Some(b) => Value::String(String::from_utf8_lossy(b).into_owned().into()),
            None => Value::Null,
        };
        SchemaAndValue::new(Some(Schema::optional_string()), value)
    }
}

/// Appends Java's `toString()` of `value`, using `schema` only to recognize logical types.
pub fn java_to_string(out: &mut String, schema: Option<&Schema>, value: &Value) {
    if let (Some(name), Some(millis)) = (schema.and_then(Schema::name), value.as_i64()) {
        let millis = match name {
            DATE_NAME => Some(millis.saturating_mul(MILLIS_PER_DAY)),
            TIME_NAME | TIMESTAMP_NAME => Some(millis),
            _ => None,
        };
        if let Some(m) = millis {
            if let Some(t) = chrono::DateTime::from_timestamp_millis(m) {
                let _ = write!(out, "{}", t.format("%a %b %d %H:%M:%S UTC %Y"));
                return;
            }
        }
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => push_display(out, v),
        Value::Int16(v) => push_display(out, v),
        Value::Int32(v) => push_display(out, v),
        Value::Int64(v) => push_display(out, v),
        Value::Float32(v) => out.push_str(&java_format::f32_to_string(*v)),
        Value::Float64(v) => out.push_str(&java_format::f64_to_string(*v)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Decimal(d) => push_display(out, d),
        Value::Array(items) => {
            let elem = schema.and_then(Schema::value_schema);
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_to_string(out, elem, item);
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
                    out.push_str(", ");
                }
                java_to_string(out, ks, k);
                out.push('=');
                java_to_string(out, vs, v);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.schema().fields().iter().zip(s.values()) {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(field.name());
                out.push('=');
                java_to_string(out, Some(field.schema()), v);
            }
            out.push('}');
        }
    }
}

fn push_display(out: &mut String, v: &impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

impl Converter for StringConverter {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()> {
        Self::parse_config(config, ConverterType::for_key(is_key))
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Ok(Self::serialize(schema, value))
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        Ok(Self::deserialize(bytes))
    }
}

impl HeaderConverter for StringConverter {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        Self::parse_config(config, ConverterType::Header)
    }

    fn from_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Ok(Self::serialize(schema, value))
    }

    fn to_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue> {
        Ok(Self::deserialize(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strait_api::{logical, Decimal, SchemaBuilder, Struct};

    fn text(schema: Option<&Schema>, value: Value) -> String {
        String::from_utf8(StringConverter::serialize(schema, &value).unwrap()).unwrap()
    }

    #[test]
    fn writes_java_to_string() {
        assert_eq!(text(None, "héllo".into()), "héllo");
        assert_eq!(text(None, Value::Int32(-42)), "-42");
        assert_eq!(text(None, Value::Float64(1.0e10)), "1.0E10");
        assert_eq!(text(None, Value::Float32(0.1)), "0.1");
        assert_eq!(text(None, Value::Boolean(true)), "true");
        assert_eq!(text(None, Decimal::new(1500, 2).into()), "15.00");
        assert_eq!(
            text(
                None,
                Value::Array(vec![1i64.into(), Value::Null, "x".into()])
            ),
            "[1, null, x]"
        );
        assert_eq!(
            text(
                None,
                Value::Map(vec![("a".into(), 1i32.into()), ("b".into(), 2i32.into())])
            ),
            "{a=1, b=2}"
        );
        assert_eq!(text(None, Value::Bytes(b"hi".to_vec())), "aGk=");
    }

    #[test]
    fn writes_struct_like_java_skipping_nulls() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field("name", Schema::optional_string())
            .field("city", Schema::optional_string())
            .build();
        let s = Struct::new(schema.clone())
            .with("id", 7i32)
            .unwrap()
            .with("city", "Oslo")
            .unwrap();
        assert_eq!(text(Some(&schema), s.into()), "Struct{id=7,city=Oslo}");
    }

    #[test]
    fn writes_logical_dates_like_java_date_in_utc() {
        let date = logical::date().build();
        assert_eq!(
            text(Some(&date), Value::Int32(0)),
            "Thu Jan 01 00:00:00 UTC 1970"
        );
        let ts = logical::timestamp().build();
        assert_eq!(
            text(Some(&ts), Value::Int64(1_566_570_894_346)),
            "Fri Aug 23 14:34:54 UTC 2019"
        );
    }

    #[test]
    fn null_is_a_null_payload() {
        assert_eq!(StringConverter::serialize(None, &Value::Null), None);
        let back = StringConverter::deserialize(None);
        assert_eq!(back.value, Value::Null);
        assert_eq!(back.schema, Some(Schema::optional_string()));
    }

    #[test]
    fn reads_utf8_replacing_invalid_bytes() {
        let back = StringConverter::deserialize(Some(&[b'a', 0xff, b'b']));
        assert_eq!(back.value, Value::String("a\u{FFFD}b".into()));
    }

    #[test]
    fn only_utf8_is_accepted() {
        let mut c = StringConverter;
        let ok: ConfigMap = [(ENCODING_CONFIG.to_string(), "utf8".to_string())].into();
        Converter::configure(&mut c, &ok, false).unwrap();
        let bad: ConfigMap = [(ENCODING_CONFIG.to_string(), "ISO-8859-1".to_string())].into();
        match Converter::configure(&mut c, &bad, true).unwrap_err() {
            ConnectError::Config { key, message } => {
                assert_eq!(key, ENCODING_CONFIG);
                assert!(message.contains("ISO-8859-1"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
