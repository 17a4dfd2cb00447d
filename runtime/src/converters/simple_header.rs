//! `org.apache.kafka.connect.storage.SimpleHeaderConverter`: the worker's default header
//! converter.
//!
//! Header values are written as their `Values.convertToString` text (no schema on the wire)
//! and read back with `Values.parseString`, which infers the most specific schema; see
//! [`crate::converters::values`] for exactly which forms are recognized.

use strait_api::config::{ConfigDef, ConfigMap};
use strait_api::{
    HeaderConverter, PluginDesc, PluginFactory, Result, Schema, SchemaAndValue, Value,
};

use crate::converters::values::{format, parse};

/// The Java class name (the default of `header.converter`).
pub const CLASS: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// Kafka's SimpleHeaderConverter.
#[derive(Clone, Debug, Default)]
pub struct SimpleHeaderConverter;

impl SimpleHeaderConverter {
    /// Registers the header converter under its Java class name and the alias `simple-header`.
    pub fn plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["simple-header"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::HeaderConverter(|| Box::new(SimpleHeaderConverter)),
        }
    }

    /// The header bytes for a value; `None` for null.
    pub fn serialize(schema: Option<&Schema>, value: &Value) -> Option<Vec<u8>> {
        if value.is_null() {
            return None;
        }
        Some(format::convert_to_string(schema, value).into_bytes())
    }

    /// The inferred schema and value of header bytes (invalid UTF-8 is replaced, as Java does).
    pub fn deserialize(bytes: Option<&[u8]>) -> SchemaAndValue {
        match bytes {
            None => SchemaAndValue::null(),
            Some(b) => parse::parse_string(&String::from_utf8_lossy(b)),
        }
    }
}

impl HeaderConverter for SimpleHeaderConverter {
    /// Kafka declares no keys for this converter.
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
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
    use strait_api::{logical, SchemaBuilder, SchemaType};

    fn round_trip(schema: Option<&Schema>, value: Value) -> SchemaAndValue {
        let c = SimpleHeaderConverter;
        let bytes = c.from_connect_header("t", "h", schema, &value).unwrap();
        c.to_connect_header("t", "h", bytes.as_deref()).unwrap()
    }

    #[test]
    fn scalars_round_trip_with_inferred_schemas() {
        let back = round_trip(Some(&Schema::string()), "hello world".into());
        assert_eq!(back.value, Value::from("hello world"));
        assert_eq!(back.schema, Some(Schema::string()));
        assert_eq!(round_trip(None, Value::Int64(5)).value, Value::Int8(5));
        assert_eq!(
            round_trip(None, Value::Boolean(true)).value,
            Value::Boolean(true)
        );
        assert_eq!(
            round_trip(None, Value::Float64(2.5)).value,
            Value::Float32(2.5)
        );
        assert_eq!(round_trip(None, Value::Null), SchemaAndValue::null());
    }

    #[test]
    fn containers_and_temporals_round_trip() {
        let schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
        let value = Value::Map(vec![
            ("a".into(), 1i32.into()),
            ("b".into(), 70000i32.into()),
        ]);
        let bytes = SimpleHeaderConverter::serialize(Some(&schema), &value).unwrap();
        assert_eq!(bytes, br#"{"a":1,"b":70000}"#);
        let back = SimpleHeaderConverter::deserialize(Some(&bytes));
        assert_eq!(back.schema, Some(schema));
        assert_eq!(back.value, value);

        let ts = logical::timestamp().build();
        let back = round_trip(Some(&ts), Value::Int64(1_566_570_894_346));
        assert_eq!(back.schema, Some(ts));
        assert_eq!(back.value, Value::Int64(1_566_570_894_346));

        let list = SchemaBuilder::array(Schema::string()).build();
        let back = round_trip(Some(&list), Value::Array(vec!["x, y".into(), "z".into()]));
        assert_eq!(
            back.schema.map(|s| s.schema_type()),
            Some(SchemaType::Array)
        );
        assert_eq!(back.value, Value::Array(vec!["x, y".into(), "z".into()]));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let back = SimpleHeaderConverter::deserialize(Some(&[b'a', 0xC3]));
        assert_eq!(back.value, Value::String("a\u{FFFD}".into()));
    }
}
