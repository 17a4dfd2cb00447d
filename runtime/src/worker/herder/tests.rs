//! The herder's lifecycle rules, in process: an in-memory broker stands in for Kafka (these test
//! the herder's logic; end-to-end behaviour against a real broker is in the root `tests/`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strait_api::{ConfigMap, PluginRegistry};
use strait_rest::entities::{ConnectorOffset, ConnectorOffsets, State};
use strait_rest::herder::Herder;

use super::persistence::InMemory;
use super::{HerderParts, WorkerHerder};
use crate::converters::{ByteArrayConverter, JsonConverter, SimpleHeaderConverter};
use crate::storage::test_broker::FakeBroker;
use crate::storage::{MemoryOffsetStore, OffsetStore};
use crate::worker::config::{WorkerConfig, WorkerMode};
use crate::worker::loggers::{LogLevels, LoggerError, LoggerLevel};

struct NoLoggers;

impl LogLevels for NoLoggers {
    fn loggers(&self) -> BTreeMap<String, LoggerLevel> {
        BTreeMap::new()
    }
    fn logger(&self, name: &str) -> Result<LoggerLevel, LoggerError> {
        Err(LoggerError::NotFound(name.to_string()))
    }
    fn set_level(&self, _: &str, _: &str) -> Result<Vec<String>, LoggerError> {
        Ok(Vec::new())
    }
}

fn map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn registry() -> PluginRegistry {
    let mut r = PluginRegistry::new();
    r.add(strait_connectors::file::plugin());
    r.add(JsonConverter::converter_plugin());
    r.add(ByteArrayConverter::plugin());
    r.add(SimpleHeaderConverter::plugin());
    r
}

fn herder(offsets: Arc<MemoryOffsetStore>) -> WorkerHerder {
    let worker = WorkerConfig::parse(
        WorkerMode::Standalone,
        &map(&[
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("offset.storage.file.filename", "/dev/null"),
            ("offset.flush.interval.ms", "50"),
            ("listeners", "http://127.0.0.1:8083"),
        ]),
    )
    .unwrap();
    WorkerHerder::new(HerderParts {
        worker,
        registry: Arc::new(registry()),
        broker: Arc::new(FakeBroker::default()),
        configs: Arc::new(InMemory),
        statuses: Arc::new(InMemory),
        offsets,
        loggers: Arc::new(NoLoggers),
    })
}

fn file_source(name: &str, file: &std::path::Path) -> ConfigMap {
    map(&[
        ("name", name),
        ("connector.class", "FileStreamSource"),
        ("file", file.to_str().unwrap()),
        ("topic", "lines"),
    ])
}

fn temp_file(lines: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "strait-herder-{}.txt",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, lines).unwrap();
    path
}

async fn wait_until<
    F: Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>,
>(
    what: &str,
    f: F,
) {
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn states(h: &WorkerHerder, name: &str) -> (State, Vec<State>) {
    let s = h.connector_status(name).await.unwrap();
    (s.connector.state, s.tasks.iter().map(|t| t.state).collect())
}

#[tokio::test]
async fn changes_before_start_are_refused_with_409() {
    let h = herder(Arc::new(MemoryOffsetStore::new()));
    let err = h
        .put_connector_config("c", file_source("c", &temp_file("")), false, None)
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 409);
    assert!(
        err.message.contains("no known leader URL"),
        "{}",
        err.message
    );
    h.start(Vec::new()).await.unwrap();
    assert!(h
        .put_connector_config("c", file_source("c", &temp_file("")), false, None)
        .await
        .is_ok());
}

#[tokio::test]
async fn an_invalid_config_stores_nothing_and_names_every_problem() {
    let h = herder(Arc::new(MemoryOffsetStore::new()));
    h.start(Vec::new()).await.unwrap();
    let bad = map(&[
        ("name", "c"),
        ("connector.class", "FileStreamSource"),
        ("file", "/tmp/x"),
        ("tasks.max", "two"),
    ]);
    let err = h
        .put_connector_config("c", bad, false, None)
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 400);
    assert!(
        err.message.starts_with(
            "Connector configuration is invalid and contains the following 3 error(s):"
        ),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("Invalid value two for configuration tasks.max: Not a number of type INT"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("Invalid value null for configuration tasks.max: Value must be non-null"),
        "{}",
        err.message
    );
    assert!(err.message.contains("topic"), "{}", err.message);
    assert!(h.connectors().await.unwrap().is_empty());
    let unknown = map(&[("name", "c"), ("connector.class", "com.example.Nope")]);
    let err = h
        .put_connector_config("c", unknown, false, None)
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 400);
    assert!(err.message.contains("com.example.Nope"), "{}", err.message);
    assert!(h.connectors().await.unwrap().is_empty());
}

#[tokio::test]
async fn pause_resume_stop_and_offsets_follow_kafka_rules() {
    let offsets = Arc::new(MemoryOffsetStore::new());
    let h = herder(offsets.clone());
    h.start(Vec::new()).await.unwrap();
    let file = temp_file("a\nb\n");
    let created = h
        .put_connector_config("c", file_source("c", &file), false, None)
        .await
        .unwrap();
    assert!(created.created);
    assert_eq!(created.result.tasks.len(), 1);
    let o = offsets.clone();
    wait_until("the offset of both lines is committed", move || {
        let o = o.clone();
        Box::pin(async move {
            o.connector_partitions("c")
                .await
                .unwrap()
                .first()
                .and_then(|(_, off)| off.get("position").and_then(|p| p.as_i64()))
                == Some(4)
        })
    })
    .await;
    assert_eq!(
        states(&h, "c").await,
        (State::Running, vec![State::Running])
    );

    h.pause_connector("c").await.unwrap();
    let hh = h.clone();
    wait_until("connector and task are paused", move || {
        let h = hh.clone();
        Box::pin(async move { states(&h, "c").await == (State::Paused, vec![State::Paused]) })
    })
    .await;

    let running_alter = ConnectorOffsets {
        offsets: vec![ConnectorOffset {
            partition: offsets.connector_partitions("c").await.unwrap()[0]
                .0
                .clone(),
            offset: None,
        }],
    };
    let err = h
        .alter_connector_offsets("c", running_alter.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 400);
    assert!(
        err.message
            .starts_with("Connectors must be in the STOPPED state"),
        "{}",
        err.message
    );

    h.resume_connector("c").await.unwrap();
    assert_eq!(states(&h, "c").await.0, State::Running);
    h.stop_connector("c").await.unwrap();
    assert_eq!(states(&h, "c").await, (State::Stopped, vec![]));
    assert!(h.task_configs("c").await.unwrap().is_empty());

    let msg = h.alter_connector_offsets("c", running_alter).await.unwrap();
    assert!(
        msg.message.contains("altered successfully"),
        "{}",
        msg.message
    );
    assert!(
        offsets.connector_partitions("c").await.unwrap().is_empty(),
        "the offset was reset to null"
    );

    h.resume_connector("c").await.unwrap();
    let o = offsets.clone();
    wait_until("the file is read again from the start", move || {
        let o = o.clone();
        Box::pin(async move { !o.connector_partitions("c").await.unwrap().is_empty() })
    })
    .await;
    assert_eq!(
        states(&h, "c").await,
        (State::Running, vec![State::Running])
    );

    h.delete_connector("c").await.unwrap();
    assert_eq!(
        h.connector_info("c").await.unwrap_err().status.as_u16(),
        404
    );
    assert_eq!(
        h.connector_status("c").await.unwrap_err().status.as_u16(),
        404
    );
}

#[tokio::test]
async fn a_failing_task_is_failed_with_its_trace_and_the_worker_goes_on() {
    let h = herder(Arc::new(MemoryOffsetStore::new()));
    h.start(Vec::new()).await.unwrap();
    // ByteArrayConverter cannot write the STRING values FileStream produces.
    let mut bad = file_source("bad", &temp_file("x\n"));
    bad.insert(
        "value.converter".into(),
        "org.apache.kafka.connect.converters.ByteArrayConverter".into(),
    );
    h.put_connector_config("bad", bad, false, None)
        .await
        .unwrap();
    let good = file_source("good", &temp_file("y\n"));
    h.put_connector_config("good", good, false, None)
        .await
        .unwrap();
    let hh = h.clone();
    wait_until("the bad task fails", move || {
        let h = hh.clone();
        Box::pin(async move { states(&h, "bad").await.1 == vec![State::Failed] })
    })
    .await;
    let status = h.connector_status("bad").await.unwrap();
    let trace = status.tasks[0].trace.clone().unwrap_or_default();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert_eq!(status.connector.state, State::Running);
    assert_eq!(
        states(&h, "good").await,
        (State::Running, vec![State::Running])
    );
}
