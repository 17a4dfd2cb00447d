//! The connector: validates (with live prechecks), discovers tables, spreads them over tasks and
//! rediscovers them periodically.
//!
//! Discovery runs once in `start` and then every `strait.dynamodb.rediscovery.interval.ms` in a
//! background task; when the set of capturable tables changes (a table tagged or untagged, a
//! stream enabled, a table deleted) the connector asks the worker for a task reconfiguration,
//! and `task_configs` hands each task its share of the tables. A failed rediscovery is logged
//! and retried at the next interval; the running tasks are left alone.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use strait_api::{
    ConfigDef, ConfigMap, ConfigValue, ConnectError, ConnectorContext, OffsetMap, Result,
    SourceConnector, SourceTask,
};
use tokio::task::JoinHandle;

use super::client::AwsClients;
use super::config::{DiscoveryMode, DynamoDbCdcConfig, TASK_TABLES};
use super::discovery::{assign, discover, Discovered};
use super::offset::check_alteration;
use super::preflight;
use super::task::DynamoDbCdcSourceTask;

/// The DynamoDB CDC source connector.
#[derive(Debug, Default)]
pub struct DynamoDbCdcSourceConnector {
    running: Option<Running>,
}

#[derive(Debug)]
struct Running {
    config: ConfigMap,
    tables: Arc<Mutex<Vec<String>>>,
    rediscovery: JoinHandle<()>,
}

fn log_not_ready(discovered: &Discovered) {
    for (table, why) in &discovered.not_ready {
        tracing::warn!(table = %table, "{}", why.describe(table));
    }
}

fn tagging_endpoint(config: &DynamoDbCdcConfig) -> Option<&str> {
    match &config.discovery {
        DiscoveryMode::Tag { endpoint, .. } => Some(endpoint),
        DiscoveryMode::IncludeList(_) => None,
    }
}

#[async_trait]
impl SourceConnector for DynamoDbCdcSourceConnector {
    fn config_def(&self) -> ConfigDef {
        DynamoDbCdcConfig::def()
    }

    async fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        let mut values = DynamoDbCdcConfig::validate_offline(config);
        if values.iter().all(|v| v.errors.is_empty()) {
            if let Ok(parsed) = DynamoDbCdcConfig::parse(config) {
                preflight::check(&parsed, &mut values).await;
            }
        }
        values
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        context: Arc<dyn ConnectorContext>,
    ) -> Result<()> {
        let parsed = DynamoDbCdcConfig::parse(config)?;
        let clients = AwsClients::new(&parsed, tagging_endpoint(&parsed)).await;
        let discovered = discover(&clients, &parsed).await?;
        log_not_ready(&discovered);
        let names = discovered.names();
        tracing::info!(tables = ?names, "dynamodb cdc connector started");
        let tables = Arc::new(Mutex::new(names));
        let interval = parsed.rediscovery_interval;
        let shared = tables.clone();
        let rediscovery = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                match discover(&clients, &parsed).await {
                    Ok(found) => {
                        let names = found.names();
                        let changed = {
                            let mut current = shared.lock().unwrap_or_else(PoisonError::into_inner);
                            let changed = *current != names;
                            if changed {
                                tracing::info!(before = ?*current, after = ?names, "captured tables changed");
                                *current = names;
                            }
                            changed
                        };
                        if changed {
                            log_not_ready(&found);
                            context.request_task_reconfiguration();
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "table rediscovery failed; retrying at the next interval")
                    }
                }
            }
        });
        self.running = Some(Running {
            config: config.clone(),
            tables,
            rediscovery,
        });
        Ok(())
    }

    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let running = self.running.as_ref().ok_or_else(|| {
            ConnectError::fatal("DynamoDbCdcSourceConnector asked for task configs before start")
        })?;
        let tables = running
            .tables
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Ok(assign(&tables, max_tasks)
            .into_iter()
            .map(|group| {
                let mut config = running.config.clone();
                config.insert(TASK_TABLES.to_string(), group.join(","));
                config
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(running) = self.running.take() {
            running.rediscovery.abort();
        }
        Ok(())
    }

    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(DynamoDbCdcSourceTask::new())
    }

    /// Resets (null offsets) of this connector's partitions are allowed; of the values, only the
    /// stream offset (type C) may be set, with a timestamp that parses.
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> Result<bool> {
        for (partition, offset) in offsets {
            check_alteration(partition, offset.as_ref())
                .map_err(|message| ConnectError::config("offsets", message))?;
        }
        Ok(true)
    }
}

impl Drop for DynamoDbCdcSourceConnector {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.rediscovery.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::offset::{segment_partition, stream_partition};

    fn obj(v: serde_json::Value) -> OffsetMap {
        match v {
            serde_json::Value::Object(m) => m,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn alter_offsets_accepts_stream_starts_and_resets_only() {
        let c = DynamoDbCdcSourceConnector::default();
        let config = ConfigMap::new();
        let ok = [
            (
                stream_partition("T"),
                Some(obj(
                    json!({"cdc.start.position.timestamp": "2024-07-01T10:49:00Z"}),
                )),
            ),
            (segment_partition("T", 1), None),
        ];
        assert!(c.alter_offsets(&config, &ok).unwrap());
        let bad = [(
            segment_partition("T", 1),
            Some(obj(json!({"snapshotCount": "1"}))),
        )];
        let err = c.alter_offsets(&config, &bad).unwrap_err();
        assert!(matches!(err, ConnectError::Config { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn task_configs_before_start_is_an_error() {
        let mut c = DynamoDbCdcSourceConnector::default();
        assert!(c.task_configs(1).await.is_err());
    }

    #[tokio::test]
    async fn validate_reports_offline_errors_without_contacting_aws() {
        let c = DynamoDbCdcSourceConnector::default();
        let config: ConfigMap = [("dynamodb.service.endpoint", "http://127.0.0.1:1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let values = c.validate(&config).await;
        let bad: Vec<&str> = values
            .iter()
            .filter(|v| !v.errors.is_empty())
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(bad, ["dynamodb.table.includelist"]);
    }
}
