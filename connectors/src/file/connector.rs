//! The connector: validates the configuration and hands all of it to one task, as Kafka does
//! since 3.4 (KAFKA-13809), because only one reader of a file makes sense.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value as Json;
use strait_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectorContext, OffsetMap, Result, SourceConnector,
    SourceTask,
};

use super::config::{FileStreamSourceConfig, FILE};
use super::task::{FileStreamSourceTask, FILENAME_FIELD, POSITION_FIELD};

/// Kafka's `FileStreamSourceConnector`.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    /// The configuration given to `start`, handed unchanged to the task.
    config: Option<ConfigMap>,
}

#[async_trait]
impl SourceConnector for FileStreamSourceConnector {
    fn config_def(&self) -> ConfigDef {
        FileStreamSourceConfig::def()
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> Result<()> {
        let parsed = FileStreamSourceConfig::parse(config)?;
        tracing::info!(file = %parsed.file, "starting file source connector");
        self.config = Some(config.clone());
        Ok(())
    }

    async fn task_configs(&mut self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let config = self.config.clone().ok_or_else(|| {
            ConnectError::fatal("FileStreamSourceConnector asked for task configs before start")
        })?;
        Ok(vec![config])
    }

    async fn stop(&mut self) -> Result<()> {
        self.config = None;
        Ok(())
    }

    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::new())
    }

    /// Kafka's checks: offsets may be tombstones, otherwise `position` must be a non-negative
    /// integer and the partition must name a `filename`. Whether the position fits the file is
    /// left to the task, as in Kafka.
    fn alter_offsets(
        &self,
        config: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> Result<bool> {
        let has_file = config.get(FILE).is_some_and(|f| !f.trim().is_empty());
        if !has_file {
            return Err(ConnectError::config(
                FILE,
                "Offsets cannot be modified if the 'file' configuration is unspecified. This is \
                 because stdin is used for input and offsets are not tracked.",
            ));
        }
        for (partition, offset) in offsets {
            let Some(offset) = offset else { continue };
            let Some(position) = offset.get(POSITION_FIELD) else {
                return Err(ConnectError::config(
                    POSITION_FIELD,
                    "Offset objects should either be null or contain the key 'position'",
                ));
            };
            match position {
                Json::Number(n) if n.as_i64().is_some_and(|p| p < 0) => {
                    return Err(ConnectError::config(
                        POSITION_FIELD,
                        "The value for the 'position' key in the offset should be a non-negative value",
                    ))
                }
                Json::Number(n) if n.as_i64().is_some() => {}
                _ => {
                    return Err(ConnectError::config(
                        POSITION_FIELD,
                        "The value for the 'position' key in the offset is expected to be a Long value",
                    ))
                }
            }
            if !partition.contains_key(FILENAME_FIELD) {
                return Err(ConnectError::config(
                    FILENAME_FIELD,
                    "Partition objects should contain the key 'filename'",
                ));
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    struct NoContext;

    impl ConnectorContext for NoContext {
        fn request_task_reconfiguration(&self) {}
        fn raise_error(&self, _error: ConnectError) {}
    }

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn object(v: Json) -> OffsetMap {
        match v {
            Json::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    #[tokio::test]
    async fn hands_the_whole_config_to_one_task() {
        let config = map(&[
            ("name", "f"),
            ("connector.class", "FileStreamSource"),
            ("file", "/tmp/x"),
            ("topic", "t"),
            ("tasks.max", "4"),
        ]);
        let mut connector = FileStreamSourceConnector::default();
        connector.start(&config, Arc::new(NoContext)).await.unwrap();
        assert_eq!(connector.task_configs(4).await.unwrap(), vec![config]);
    }

    #[tokio::test]
    async fn start_rejects_an_invalid_config() {
        let mut connector = FileStreamSourceConnector::default();
        let err = connector
            .start(
                &map(&[("file", "/tmp/x"), ("topic", "a,b")]),
                Arc::new(NoContext),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConnectError::Config { ref key, .. } if key == "topic"),
            "{err:?}"
        );
        assert!(connector.task_configs(1).await.is_err());
    }

    #[tokio::test]
    async fn validate_reports_every_bad_key() {
        let connector = FileStreamSourceConnector::default();
        let values = connector
            .validate(&map(&[("topic", "a,b"), ("batch.size", "x")]))
            .await;
        let bad: Vec<&str> = values
            .iter()
            .filter(|v| !v.errors.is_empty())
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(bad, ["file", "topic", "batch.size"]);
    }

    #[test]
    fn alter_offsets_applies_kafkas_checks() {
        let connector = FileStreamSourceConnector::default();
        let config = map(&[("file", "/tmp/x"), ("topic", "t")]);
        let partition = object(json!({"filename": "/tmp/x"}));
        let ok = [
            (partition.clone(), Some(object(json!({"position": 10})))),
            (object(json!({"other": 1})), None),
        ];
        assert!(connector.alter_offsets(&config, &ok).unwrap());

        let message = |offsets: &[(OffsetMap, Option<OffsetMap>)]| match connector
            .alter_offsets(&config, offsets)
        {
            Err(ConnectError::Config { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(&[(partition.clone(), Some(object(json!({"pos": 1}))))]),
            "Offset objects should either be null or contain the key 'position'"
        );
        assert_eq!(
            message(&[(partition.clone(), Some(object(json!({"position": "1"}))))]),
            "The value for the 'position' key in the offset is expected to be a Long value"
        );
        assert_eq!(
            message(&[(partition.clone(), Some(object(json!({"position": -1}))))]),
            "The value for the 'position' key in the offset should be a non-negative value"
        );
        assert_eq!(
            message(&[(
                object(json!({"file": "x"})),
                Some(object(json!({"position": 1})))
            )]),
            "Partition objects should contain the key 'filename'"
        );
        assert!(connector
            .alter_offsets(&map(&[("topic", "t")]), &ok)
            .is_err());
    }
}
