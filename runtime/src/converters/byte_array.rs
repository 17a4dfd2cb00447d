//! `org.apache.kafka.connect.converters.ByteArrayConverter`: raw bytes in and out.
//!
//! Used when a connector already produces the wire bytes. Anything that is not a byte array
//! (or a schema that is not BYTES) is a data error naming what was given, as in Kafka.

use strait_api::config::{ConfigDef, ConfigMap};
use strait_api::{
    ConnectError, Converter, HeaderConverter, PluginDesc, PluginFactory, Result, Schema,
    SchemaAndValue, SchemaType, Value,
};

use crate::converters::converter_type::{self, ConverterType};

/// The Java class name.
pub const CLASS: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";

/// Kafka's pass-through converter for `byte[]` values.
#[derive(Clone, Debug, Default)]
pub struct ByteArrayConverter;

impl ByteArrayConverter {
    /// Registers the converter under its Java class name and the alias `bytearray`.
    pub fn plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["bytearray"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::Converter(|| Box::new(ByteArrayConverter)),
        }
    }

    /// Registers the header converter under its Java class name and the alias `bytearray`.
    pub fn header_converter_plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["bytearray"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::HeaderConverter(|| Box::new(ByteArrayConverter)),
        }
    }

    /// The converter's `ConfigDef` (just `converter.type`).
    pub fn config_def() -> ConfigDef {
        ConfigDef::new().define(converter_type::type_key())
    }

    fn check_config(config: &ConfigMap, ty: ConverterType) -> Result<()> {
        Self::config_def()
            .parse(&converter_type::with_type(config, ty))
            .map(|_| ())
    }

    /// The value's bytes; `None` for null.
    ///
    /// # Errors
    /// A data error when the schema is not BYTES or the value is not a byte array.
    pub fn serialize(schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        if let Some(s) = schema {
            if s.schema_type() != SchemaType::Bytes {
                return Err(ConnectError::data(format!(
                    "Invalid schema type for ByteArrayConverter: {}",
                    s.schema_type()
                )));
            }
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(ConnectError::data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                other.type_description()
            ))),
        }
    }

    /// An optional bytes schema with the given bytes.
    pub fn deserialize(bytes: Option<&[u8]>) -> SchemaAndValue {
        let value = bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        SchemaAndValue::new(Some(Schema::optional_bytes()), value)
    }
}

impl Converter for ByteArrayConverter {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()> {
        Self::check_config(config, ConverterType::for_key(is_key))
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Self::serialize(schema, value)
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        Ok(Self::deserialize(bytes))
    }
}

impl HeaderConverter for ByteArrayConverter {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        Self::check_config(config, ConverterType::Header)
    }

    fn from_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Self::serialize(schema, value)
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

    fn data_message(err: ConnectError) -> String {
        match err {
            ConnectError::Data { message } => message,
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn passes_bytes_through() {
        let c = ByteArrayConverter;
        let out = c
            .from_connect_data("t", Some(&Schema::bytes()), &Value::Bytes(vec![0, 1, 255]))
            .unwrap();
        assert_eq!(out, Some(vec![0, 1, 255]));
        assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
        let back = c.to_connect_data("t", Some(&[9, 8])).unwrap();
        assert_eq!(back.schema, Some(Schema::optional_bytes()));
        assert_eq!(back.value, Value::Bytes(vec![9, 8]));
        assert_eq!(c.to_connect_data("t", None).unwrap().value, Value::Null);
    }

    #[test]
    fn rejects_other_values_naming_them() {
        let c = ByteArrayConverter;
        let msg = data_message(
            c.from_connect_data("t", None, &Value::from("x"))
                .unwrap_err(),
        );
        assert_eq!(
            msg,
            "ByteArrayConverter is not compatible with objects of type String"
        );
        let msg = data_message(
            c.from_connect_data("t", Some(&Schema::int32()), &Value::Int32(1))
                .unwrap_err(),
        );
        assert_eq!(msg, "Invalid schema type for ByteArrayConverter: INT32");
    }

    #[test]
    fn configure_accepts_an_empty_config() {
        let mut c = ByteArrayConverter;
        Converter::configure(&mut c, &ConfigMap::new(), true).unwrap();
        HeaderConverter::configure(&mut c, &ConfigMap::new()).unwrap();
    }
}
