//! `converter.type`: the one key every Kafka converter declares (`ConverterConfig`).
//!
//! Kafka's framework sets it (`key`, `value` or `header`) before configuring a converter; the
//! [`Converter`](strait_api::Converter) trait passes `is_key` instead, so each converter writes
//! the key into a copy of its configuration before parsing, exactly as Java's
//! `configure(Map, boolean)` does. Header converters always get `header`.

use strait_api::config::{ConfigKey, ConfigMap, ConfigType, Importance, Validator};

/// The configuration key naming how the converter is used.
pub const TYPE_CONFIG: &str = "converter.type";

/// How a converter instance is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConverterType {
    Key,
    Value,
    Header,
}

impl ConverterType {
    /// The lower-case name Kafka uses in `converter.type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Value => "value",
            Self::Header => "header",
        }
    }

    /// The type for [`Converter::configure`](strait_api::Converter::configure)'s `is_key`.
    pub fn for_key(is_key: bool) -> Self {
        if is_key {
            Self::Key
        } else {
            Self::Value
        }
    }
}

/// The `converter.type` declaration of `ConverterConfig.newConfigDef()`.
pub fn type_key() -> ConfigKey {
    ConfigKey::new(
        TYPE_CONFIG,
        ConfigType::String,
        Importance::Low,
        "How this converter will be used.",
    )
    .validator(Validator::OneOf(vec!["key", "value", "header"]))
}

/// A copy of `config` with `converter.type` set.
pub fn with_type(config: &ConfigMap, ty: ConverterType) -> ConfigMap {
    let mut copy = config.clone();
    copy.insert(TYPE_CONFIG.to_string(), ty.name().to_string());
    copy
}
