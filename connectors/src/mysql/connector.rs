//! The connector: validation (keys, then cross-field rules, then live prechecks) and a single
//! task, as Debezium (the binlog is one ordered stream; `tasks.max` above 1 is ignored).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value as Json;
use strait_api::{
    ConfigDef, ConfigMap, ConfigValue, ConnectError, ConnectorContext, OffsetMap, Result,
    SourceConnector, SourceTask,
};

use super::config::{ConnectorFlavor, MySqlSourceConfig};
use super::offset::{BinlogOffset, SERVER_KEY};
use super::preflight;
use super::task::MySqlSourceTask;

/// Debezium's `MySqlConnector` (or `MariaDbConnector`).
#[derive(Debug)]
pub struct MySqlSourceConnector {
    flavor: ConnectorFlavor,
    config: Option<ConfigMap>,
}

impl MySqlSourceConnector {
    /// A connector of the given flavor.
    pub fn new(flavor: ConnectorFlavor) -> Self {
        Self {
            flavor,
            config: None,
        }
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

#[async_trait]
impl SourceConnector for MySqlSourceConnector {
    fn config_def(&self) -> ConfigDef {
        MySqlSourceConfig::def()
    }

    async fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        let mut values = MySqlSourceConfig::def().validate(config);
        for (key, message) in super::config::extra_problems(config) {
            add_error(&mut values, &key, message);
        }
        let has_errors = values.iter().any(|v| !v.errors.is_empty());
        if !has_errors {
            if let Ok(parsed) = MySqlSourceConfig::parse(config) {
                for (key, message) in preflight::check(&parsed).await {
                    add_error(&mut values, &key, message);
                }
            }
        }
        values
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> Result<()> {
        let parsed = MySqlSourceConfig::parse(config)?;
        tracing::info!(server = %parsed.topic_prefix, connector = self.flavor.name(), "starting mysql source connector");
        self.config = Some(config.clone());
        Ok(())
    }

    async fn task_configs(&mut self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let config = self.config.clone().ok_or_else(|| {
            ConnectError::fatal("MySqlConnector asked for task configs before start")
        })?;
        Ok(vec![config])
    }

    async fn stop(&mut self) -> Result<()> {
        self.config = None;
        Ok(())
    }

    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MySqlSourceTask::new(self.flavor))
    }

    /// Accepts offsets of this connector's partition that Debezium could resume from.
    fn alter_offsets(
        &self,
        config: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> Result<bool> {
        let parsed = MySqlSourceConfig::parse(config)?;
        for (partition, offset) in offsets {
            match partition.get(SERVER_KEY) {
                Some(Json::String(s)) if *s == parsed.topic_prefix => {}
                _ => {
                    return Err(ConnectError::config(
                        SERVER_KEY,
                        format!(
                            "partitions of this connector are {{\"server\": \"{}\"}}",
                            parsed.topic_prefix
                        ),
                    ))
                }
            }
            if let Some(offset) = offset {
                BinlogOffset::from_map(offset)
                    .map_err(|e| ConnectError::config("offset", e.to_string()))?;
            }
        }
        Ok(true)
    }
}
