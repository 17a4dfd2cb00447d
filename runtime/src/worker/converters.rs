//! Choosing and configuring a task's converters, with Kafka's precedence rules.
//!
//! A connector-level `key.converter` replaces the worker's converter entirely: its settings come
//! only from the connector's `key.converter.*` keys. Connector-level `key.converter.*` settings
//! without the class key have no effect (they are not merged into the worker's converter),
//! exactly as in Kafka. Each converter also receives `converter.type` = key/value/header.

use strait_api::{ConfigMap, ConnectError, PluginRegistry};

use super::config::{ConverterConfig, WorkerConfig};
use super::connector_config::ConnectorConfig;
use super::source_task::RecordConverters;

fn settings(c: &ConverterConfig, kind: &str) -> ConfigMap {
    let mut s = c.settings.clone();
    s.insert("converter.type".to_string(), kind.to_string());
    s
}

/// Builds the key, value and header converters of one connector's tasks.
///
/// # Errors
/// A config error naming the converter key when the class is unknown or its settings invalid.
pub fn build(
    worker: &WorkerConfig,
    conn: &ConnectorConfig,
    registry: &PluginRegistry,
) -> Result<RecordConverters, ConnectError> {
    let pick = |own: &Option<ConverterConfig>, worker_side: &ConverterConfig| {
        own.clone().unwrap_or_else(|| worker_side.clone())
    };
    let key_cfg = pick(&conn.key_converter, &worker.key_converter);
    let value_cfg = pick(&conn.value_converter, &worker.value_converter);
    let header_cfg = pick(&conn.header_converter, &worker.header_converter);

    let mut key = registry
        .converter(&key_cfg.class)
        .map_err(|e| e.context("key.converter"))?;
    key.configure(&settings(&key_cfg, "key"), true)
        .map_err(|e| e.context("key.converter"))?;
    let mut value = registry
        .converter(&value_cfg.class)
        .map_err(|e| e.context("value.converter"))?;
    value
        .configure(&settings(&value_cfg, "value"), false)
        .map_err(|e| e.context("value.converter"))?;
    let mut header = registry
        .header_converter(&header_cfg.class)
        .map_err(|e| e.context("header.converter"))?;
    header
        .configure(&settings(&header_cfg, "header"))
        .map_err(|e| e.context("header.converter"))?;
    Ok(RecordConverters { key, value, header })
}
