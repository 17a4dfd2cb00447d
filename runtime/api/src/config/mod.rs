//! Configuration declarations (`ConfigDef`) and the validation entities the REST API returns.
//!
//! Every plugin declares its keys once with a [`ConfigDef`]: type, default, importance,
//! documentation and validator. The same declaration parses a user's string map into typed
//! values ([`ConfigDef::parse`]), reports every problem at once ([`ConfigDef::validate`]) and
//! renders Kafka's `ConfigInfos` JSON for `PUT /connector-plugins/{plugin}/config/validate`.

mod def;
mod infos;

pub use def::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, ConfigValue, Importance, ParsedConfig,
    ParsedValue, Validator, Width,
};
pub use infos::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
