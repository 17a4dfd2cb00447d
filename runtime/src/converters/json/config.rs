//! `JsonConverterConfig`: the JsonConverter's keys, parsed once at configure time.
//!
//! Key names, types, defaults, groups and documentation are Kafka's, so `/connector-plugins`
//! and `config/validate` show what a Java worker shows.

use strait_api::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Validator, Width,
};
use strait_api::{ConnectError, Result};

use crate::converters::converter_type::{self, ConverterType};

/// `schemas.enable`: include the schema envelope.
pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
/// `schemas.cache.size`: how many schemas the converter caches.
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
/// `decimal.format`: `BASE64` or `NUMERIC`.
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
/// `replace.null.with.default`: write a field's default instead of null.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

/// How Decimal values are serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled value's two's-complement bytes (Kafka's default).
    #[default]
    Base64,
    /// A JSON number written like `BigDecimal.toString()`.
    Numeric,
}

/// The parsed JsonConverter configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonConverterConfig {
    /// How the converter is used.
    pub converter_type: ConverterType,
    /// Whether the `{"schema":..,"payload":..}` envelope is written and expected.
    pub schemas_enable: bool,
    /// The maximum number of cached schemas.
    pub schemas_cache_size: usize,
    /// How Decimal values are written.
    pub decimal_format: DecimalFormat,
    /// Whether nulls with a schema default become the default (both directions).
    pub replace_null_with_default: bool,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        Self {
            converter_type: ConverterType::Value,
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
        }
    }
}

/// The JsonConverter's `ConfigDef`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(converter_type::type_key())
        .define(
            ConfigKey::new(
                SCHEMAS_ENABLE_CONFIG,
                ConfigType::Boolean,
                Importance::High,
                "Include schemas within each of the serialized values and keys.",
            )
            .default("true")
            .group("Schemas", 0)
            .width(Width::Medium)
            .display_name("Enable Schemas"),
        )
        .define(
            ConfigKey::new(
                SCHEMAS_CACHE_SIZE_CONFIG,
                ConfigType::Int,
                Importance::High,
                "The maximum number of schemas that can be cached in this converter instance.",
            )
            .default("1000")
            .group("Schemas", 1)
            .width(Width::Medium)
            .display_name("Schema Cache Size"),
        )
        .define(
            ConfigKey::new(
                DECIMAL_FORMAT_CONFIG,
                ConfigType::String,
                Importance::Low,
                "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
            )
            .default("BASE64")
            .validator(Validator::OneOfIgnoreCase(vec!["BASE64", "NUMERIC"]))
            .group("Serialization", 0)
            .width(Width::Medium)
            .display_name("Decimal Format"),
        )
        .define(
            ConfigKey::new(
                REPLACE_NULL_WITH_DEFAULT_CONFIG,
                ConfigType::Boolean,
                Importance::Low,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
            )
            .default("true")
            .group("Serialization", 1)
            .width(Width::Medium)
            .display_name("Replace null with default"),
        )
}

impl JsonConverterConfig {
    /// Parses a configuration for the given use.
    ///
    /// # Errors
    /// A config error naming the first invalid key.
    pub fn parse(config: &ConfigMap, ty: ConverterType) -> Result<Self> {
        let parsed = config_def().parse(&converter_type::with_type(config, ty))?;
        let decimal_format = match parsed.string(DECIMAL_FORMAT_CONFIG) {
            Some(f) if f.eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            Some(f) if f.eq_ignore_ascii_case("BASE64") => DecimalFormat::Base64,
            other => {
                return Err(ConnectError::config(
                    DECIMAL_FORMAT_CONFIG,
                    format!("Invalid value {other:?} for configuration {DECIMAL_FORMAT_CONFIG}"),
                ))
            }
        };
        let cache_size = parsed.int(SCHEMAS_CACHE_SIZE_CONFIG).unwrap_or(1000);
        Ok(Self {
            converter_type: ty,
            schemas_enable: parsed.boolean(SCHEMAS_ENABLE_CONFIG).unwrap_or(true),
            schemas_cache_size: usize::try_from(cache_size).unwrap_or(0),
            decimal_format,
            replace_null_with_default: parsed
                .boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG)
                .unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_kafkas() {
        let c = JsonConverterConfig::parse(&ConfigMap::new(), ConverterType::Key).unwrap();
        assert_eq!(
            c,
            JsonConverterConfig {
                converter_type: ConverterType::Key,
                ..JsonConverterConfig::default()
            }
        );
    }

    #[test]
    fn parses_every_key_case_insensitively() {
        let c = JsonConverterConfig::parse(
            &map(&[
                ("schemas.enable", "false"),
                ("schemas.cache.size", "7"),
                ("decimal.format", "numeric"),
                ("replace.null.with.default", "FALSE"),
            ]),
            ConverterType::Value,
        )
        .unwrap();
        assert!(!c.schemas_enable);
        assert_eq!(c.schemas_cache_size, 7);
        assert_eq!(c.decimal_format, DecimalFormat::Numeric);
        assert!(!c.replace_null_with_default);
    }

    #[test]
    fn rejects_unknown_decimal_format_naming_the_key() {
        let err =
            JsonConverterConfig::parse(&map(&[("decimal.format", "hex")]), ConverterType::Value)
                .unwrap_err();
        match err {
            ConnectError::Config { key, message } => {
                assert_eq!(key, "decimal.format");
                assert!(message.contains("BASE64, NUMERIC"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_non_boolean_schemas_enable() {
        let err =
            JsonConverterConfig::parse(&map(&[("schemas.enable", "yes")]), ConverterType::Value)
                .unwrap_err();
        assert!(matches!(err, ConnectError::Config { ref key, .. } if key == "schemas.enable"));
    }
}
