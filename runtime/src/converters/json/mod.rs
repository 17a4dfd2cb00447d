//! `org.apache.kafka.connect.json.JsonConverter`, byte for byte.
//!
//! The converter is split by direction because the two directions have different needs:
//! [`encode`] streams Connect data straight into the output buffer (the per-record hot path of
//! a source worker, no JSON tree); per schema, the envelope prefix (`{"schema":...,"payload":`)
//! is rendered once and a [`plan::Plan`] records what `encode` would decide for each nested
//! schema, both kept in a [`schema_cache::SchemaCache`]; [`parse`] and [`decode`] read bytes
//! through a small JSON tree with Jackson's leniencies. [`write`] holds the Jackson-exact token writers and [`config`] the
//! keys. The same type is registered as a `Converter` and as a `HeaderConverter`, as in Kafka.

pub mod config;
mod decode;
mod encode;
mod parse;
mod plan;
mod schema_cache;
mod write;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use strait_api::config::{ConfigDef, ConfigMap};
use strait_api::{
    ConnectError, Converter, HeaderConverter, PluginDesc, PluginFactory, Result, Schema,
    SchemaAndValue, Value,
};

use self::config::{DecimalFormat, JsonConverterConfig};
use self::encode::Encoder;
use self::plan::Plan;
use self::schema_cache::SchemaCache;
use crate::converters::converter_type::ConverterType;
use crate::converters::path::Path;

/// The Java class name users put in `key.converter` / `value.converter` / `header.converter`.
pub const CLASS: &str = "org.apache.kafka.connect.json.JsonConverter";

const ENVELOPE_MESSAGE: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

/// What the converter derives once per schema.
struct Compiled {
    /// `{"schema":<schema JSON>,"payload":` with schemas enabled, else empty.
    prefix: Box<[u8]>,
    plan: Plan,
}

/// Kafka's JsonConverter: Connect data as JSON, optionally in a `{"schema":..,"payload":..}`
/// envelope.
pub struct JsonConverter {
    config: JsonConverterConfig,
    encoder: Encoder,
    schema_cache: Mutex<SchemaCache<Compiled>>,
    /// The size of the last record written, to allocate each output once: outputs get an
    /// eighth more room than that, so a slightly longer record does not double its buffer (the
    /// buffer becomes the Kafka record, capacity and all, and lives until it is acknowledged).
    size_hint: AtomicUsize,
}

impl Default for JsonConverter {
    fn default() -> Self {
        Self::with_config(JsonConverterConfig::default())
    }
}

impl std::fmt::Debug for JsonConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonConverter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl JsonConverter {
    /// A converter with an already parsed configuration.
    pub fn with_config(config: JsonConverterConfig) -> Self {
        Self {
            encoder: Encoder {
                decimal_format: config.decimal_format,
                replace_null_with_default: config.replace_null_with_default,
            },
            schema_cache: Mutex::new(SchemaCache::new(config.schemas_cache_size)),
            size_hint: AtomicUsize::new(64),
            config,
        }
    }

    /// The active configuration.
    pub fn config(&self) -> &JsonConverterConfig {
        &self.config
    }

    /// Registers the converter under its Java class name and the alias `json`.
    pub fn converter_plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["json"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::Converter(|| Box::new(JsonConverter::default())),
        }
    }

    /// Registers the header converter under its Java class name and the alias `json`.
    pub fn header_converter_plugin() -> PluginDesc {
        PluginDesc {
            class: CLASS,
            aliases: &["json"],
            version: env!("CARGO_PKG_VERSION"),
            factory: PluginFactory::HeaderConverter(|| Box::new(JsonConverter::default())),
        }
    }

    fn reconfigure(&mut self, config: &ConfigMap, ty: ConverterType) -> Result<()> {
        *self = Self::with_config(JsonConverterConfig::parse(config, ty)?);
        Ok(())
    }

    /// Serializes a value (`fromConnectData`); `None` only when schema and value are both null.
    ///
    /// # Errors
    /// A data error naming the field path when the value does not match its schema.
    pub fn serialize(&self, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        let hint = self.size_hint.load(Ordering::Relaxed);
        let mut out = Vec::with_capacity(hint + hint / 8);
        if self.serialize_into(&mut out, schema, value)? {
            self.size_hint.store(out.len(), Ordering::Relaxed);
            Ok(Some(out))
        } else {
            Ok(None)
        }
    }

    /// Appends the serialized value to `out`, so a caller can reuse one buffer across records.
    /// Returns `false` (and writes nothing) for a tombstone: schema and value both null.
    ///
    /// # Errors
    /// As [`JsonConverter::serialize`]; `out` may then hold a partial record after its
    /// original length.
    pub fn serialize_into(
        &self,
        out: &mut Vec<u8>,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<bool> {
        if schema.is_none() && value.is_null() {
            return Ok(false);
        }
        if let Some(s) = schema {
            if let Some(compiled) = self.compiled(s)? {
                out.reserve(compiled.prefix.len() + 1);
                out.extend_from_slice(&compiled.prefix);
                compiled
                    .plan
                    .write(&self.encoder, out, value, &Path::ROOT)?;
                if self.config.schemas_enable {
                    out.push(b'}');
                }
                return Ok(true);
            }
        }
        // No schema, or caching disabled: render everything for this record.
        if self.config.schemas_enable {
            out.extend_from_slice(b"{\"schema\":");
            match schema {
                Some(s) => self.encoder.write_schema(out, s)?,
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"payload\":");
            self.encoder.write_value(out, schema, value, &Path::ROOT)?;
            out.push(b'}');
        } else {
            self.encoder.write_value(out, schema, value, &Path::ROOT)?;
        }
        Ok(true)
    }

    /// The cached prefix and plan of `schema`, derived on first use; `None` when caching is
    /// disabled (`schemas.cache.size=0`).
    ///
    /// # Errors
    /// A data error when the schema cannot be rendered (a default that does not match it).
    fn compiled(&self, schema: &Schema) -> Result<Option<Arc<Compiled>>> {
        let mut cache = self
            .schema_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(compiled) = cache.get(schema) {
            return Ok(Some(compiled));
        }
        if !cache.enabled() {
            return Ok(None);
        }
        drop(cache);
        let mut prefix = Vec::new();
        if self.config.schemas_enable {
            prefix.extend_from_slice(b"{\"schema\":");
            self.encoder.write_schema(&mut prefix, schema)?;
            prefix.extend_from_slice(b",\"payload\":");
        }
        let compiled = Arc::new(Compiled {
            prefix: prefix.into_boxed_slice(),
            plan: Plan::new(&self.encoder, schema),
        });
        self.schema_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(schema, compiled.clone());
        Ok(Some(compiled))
    }

    /// Deserializes bytes (`toConnectData`).
    ///
    /// # Errors
    /// A data error for malformed JSON, a missing envelope (schemas enabled), a malformed
    /// schema, or a payload that does not fit its schema.
    pub fn deserialize(&self, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::null());
        };
        let node = parse::parse(bytes).map_err(|e| {
            ConnectError::data(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {e}"
            ))
        })?;
        let replace = self.config.replace_null_with_default;
        if !self.config.schemas_enable {
            let value = decode::value_from_json(None, node.as_ref(), replace, &Path::ROOT)?;
            return Ok(SchemaAndValue::new(None, value));
        }
        let envelope = match &node {
            Some(n @ parse::JsonNode::Object(entries)) if entries.len() == 2 => n,
            _ => return Err(ConnectError::data(ENVELOPE_MESSAGE)),
        };
        let (Some(schema_node), Some(payload)) = (envelope.get("schema"), envelope.get("payload"))
        else {
            return Err(ConnectError::data(ENVELOPE_MESSAGE));
        };
        let schema = decode::schema_from_json(schema_node, replace)?;
        let value = decode::value_from_json(schema.as_ref(), Some(payload), replace, &Path::ROOT)?;
        Ok(SchemaAndValue::new(schema, value))
    }

    /// The number of schemas whose JSON is cached (for tests and metrics).
    pub fn cached_schemas(&self) -> usize {
        self.schema_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether Decimals are written as JSON numbers.
    pub fn decimal_format(&self) -> DecimalFormat {
        self.config.decimal_format
    }
}

impl Converter for JsonConverter {
    fn config_def(&self) -> ConfigDef {
        config::config_def()
    }

    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()> {
        self.reconfigure(config, ConverterType::for_key(is_key))
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        self.serialize(schema, value)
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        self.deserialize(bytes)
    }
}

impl HeaderConverter for JsonConverter {
    fn config_def(&self) -> ConfigDef {
        config::config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.reconfigure(config, ConverterType::Header)
    }

    fn from_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        self.serialize(schema, value)
    }

    fn to_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue> {
        self.deserialize(bytes)
    }
}

#[cfg(test)]
mod tests;
