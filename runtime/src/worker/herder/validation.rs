//! Connector config validation, as `PUT /connector-plugins/{plugin}/config/validate` and
//! connector creation run it.
//!
//! Like Kafka's `AbstractHerder.validateConnectorConfig`, it merges every source of errors into
//! one `ConfigInfos`: the common connector keys, keys Strait rejects, the connector's own
//! validation (including its live prechecks), the transformation chain, and the converter
//! classes. Creation refuses a config with any error and lists them all.

use std::collections::BTreeSet;

use strait_api::config::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValue, ConfigValueInfo};
use strait_api::{ConfigDef, ConfigMap, PluginKind, PluginRegistry};
use strait_rest::ApiError;

use crate::worker::client_overrides::{OverridePolicy, ProducerOverrides};
use crate::worker::connector_config::{common_def, unsupported_keys};

/// Kafka's `Map.toString()` of a config, used in "contains no connector type".
pub fn java_map_string(config: &ConfigMap) -> String {
    let inner: Vec<String> = config.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn info(def: Option<&ConfigDef>, value: ConfigValue) -> ConfigInfo {
    let definition = def
        .and_then(|d| d.key(&value.name))
        .map(ConfigKeyInfo::from);
    ConfigInfo {
        definition,
        value: Some(ConfigValueInfo::from(value)),
    }
}

fn add_error(values: &mut Vec<ConfigValue>, key: &str, message: String) {
    match values.iter_mut().find(|v| v.name == key) {
        Some(v) => v.errors.push(message),
        None => {
            let mut v = ConfigValue::new(key, None);
            v.errors.push(message);
            values.push(v);
        }
    }
}

/// Validates a full connector config; `policy` is the worker's client override policy.
///
/// # Errors
/// 400 when the config names no connector class or an unknown one (Kafka 4's behaviour).
pub async fn validate(
    registry: &PluginRegistry,
    config: &ConfigMap,
    policy: OverridePolicy,
) -> Result<ConfigInfos, ApiError> {
    let class = config.get("connector.class").ok_or_else(|| {
        ApiError::bad_request(format!(
            "Connector config {} contains no connector type",
            java_map_string(config)
        ))
    })?;
    let (_, connector) = registry
        .source_connector(class)
        .map_err(|e| ApiError::bad_request(config_message(&e)))?;

    let common = common_def();
    let mut common_values = common.validate(config);
    for (key, msg) in unsupported_keys(config)
        .into_iter()
        .chain(ProducerOverrides::errors(config, policy))
    {
        add_error(&mut common_values, &key, msg);
    }
    for kind in ["key", "value", "header"] {
        let key = format!("{kind}.converter");
        if let Some(c) = config.get(&key) {
            let kinds: &[PluginKind] = if kind == "header" {
                &[PluginKind::HeaderConverter]
            } else {
                &[PluginKind::Converter]
            };
            if registry.find(kinds, c).is_none() {
                let err = if kind == "header" {
                    registry.header_converter(c).err()
                } else {
                    registry.converter(c).err()
                };
                if let Some(e) = err {
                    add_error(
                        &mut common_values,
                        &key,
                        format!(
                            "Invalid value {c} for configuration {key}: {}",
                            config_message(&e)
                        ),
                    );
                }
            }
        }
    }
    let chain = crate::chain::validate(config, registry);
    let chain_def = chain.def().clone();

    let own = connector.config_def();
    let own_values = connector.validate(config).await;

    let mut groups: Vec<String> = common.groups();
    for g in own.groups() {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let mut seen = BTreeSet::new();
    let mut configs = Vec::new();
    for v in common_values {
        seen.insert(v.name.clone());
        configs.push(info(Some(&common), v));
    }
    for g in chain_def.groups() {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for v in chain {
        if seen.insert(v.name.clone()) {
            configs.push(info(Some(&chain_def), v));
        } else if let Some(existing) = configs
            .iter_mut()
            .find(|c| c.value.as_ref().is_some_and(|x| x.name == v.name))
        {
            if let Some(val) = existing.value.as_mut() {
                val.errors.extend(v.errors);
            }
        }
    }
    for v in own_values {
        if seen.insert(v.name.clone()) {
            configs.push(info(Some(&own), v));
        }
    }
    Ok(ConfigInfos::new(class.clone(), groups, configs))
}

/// The message of a config error without Strait's "invalid value for configuration" prefix.
pub fn config_message(e: &strait_api::ConnectError) -> String {
    match e {
        strait_api::ConnectError::Config { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Kafka's 400 message for a config with errors.
pub fn invalid_config_message(infos: &ConfigInfos) -> String {
    let errors: Vec<String> = infos.errors().map(|(_, e)| e.to_string()).collect();
    format!(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        errors.len(),
        errors.join("\n")
    )
}
