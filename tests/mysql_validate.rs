//! `validate` with live prechecks against the real MariaDB: a good configuration passes, and
//! every problem is reported on the key it belongs to, with what to do.

mod common;
mod mysql_support;

use mysql_support::*;
use strait_api::{ConfigMap, ConfigValue, PluginFactory, SourceConnector};

async fn validate(config: &ConfigMap) -> Vec<ConfigValue> {
    let PluginFactory::Source(make) = strait_connectors::mysql::plugin().factory else {
        panic!("not a source");
    };
    let connector: Box<dyn SourceConnector> = make();
    connector.validate(config).await
}

fn errors(values: &[ConfigValue]) -> Vec<(String, String)> {
    values
        .iter()
        .flat_map(|v| v.errors.iter().map(move |e| (v.name.clone(), e.clone())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_passes_the_live_prechecks() {
    let mut db = TestDb::new("mysql_validate_ok").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;
    let problems = errors(&validate(&config(&db.name, &[])).await);
    assert!(problems.is_empty(), "{problems:?}");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_problem_is_reported_on_its_key() {
    let mut db = TestDb::new("mysql_validate_bad").await;
    db.exec("CREATE TABLE keyless (a INT, b INT)").await;
    db.exec("CREATE TABLE unique_key (a INT NOT NULL, UNIQUE KEY (a))")
        .await;
    let base = config(&db.name, &[]);

    // A table without a key is named, with the fix; a NOT NULL unique index is a key.
    let problems = errors(&validate(&base).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "message.key.columns");
    assert!(
        problems[0].1.contains(&format!("{}.keyless", db.name)),
        "{}",
        problems[0].1
    );
    assert!(!problems[0].1.contains("unique_key"), "{}", problems[0].1);
    let mut keyed = base.clone();
    keyed.insert(
        "message.key.columns".into(),
        format!("{}.keyless:a", db.name),
    );
    assert!(errors(&validate(&keyed).await).is_empty());

    // Unreachable server.
    let mut unreachable = keyed.clone();
    unreachable.insert("database.port".into(), "1".into());
    unreachable.insert("connect.timeout.ms".into(), "2000".into());
    let problems = errors(&validate(&unreachable).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "database.hostname");

    // Wrong credentials.
    let mut wrong_user = keyed.clone();
    wrong_user.insert("database.user".into(), "nobody_at_all".into());
    wrong_user.insert("database.password".into(), "x".into());
    let problems = errors(&validate(&wrong_user).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "database.user");

    // The server's own server id.
    let mut admin = admin().await;
    let own: Option<u32> =
        mysql_async::prelude::Queryable::query_first(&mut admin, "SELECT @@server_id")
            .await
            .unwrap();
    let mut clash = keyed.clone();
    clash.insert("database.server.id".into(), own.unwrap().to_string());
    let problems = errors(&validate(&clash).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "database.server.id");

    // Static problems are reported without touching the server, all at once.
    let mut unsupported = keyed.clone();
    unsupported.insert("include.query".into(), "true".into());
    unsupported.insert("snapshot.mode".into(), "configuration_based".into());
    unsupported.insert("table.whitelist".into(), "x".into());
    let problems = errors(&validate(&unsupported).await);
    let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys.len(), 3, "{problems:?}");
    for k in ["include.query", "snapshot.mode", "table.whitelist"] {
        assert!(keys.contains(&k), "{k} missing from {problems:?}");
    }
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_schema_history_topic_is_reported_on_its_key() {
    use strait_runtime::kafka::{Broker, KafkaBroker, TopicSpec};
    let mut db = TestDb::new("mysql_validate_history").await;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)").await;

    // A compacted topic refuses the history's keyless records.
    let compacted = common::unique_name("schema-history-compacted");
    let broker = KafkaBroker::connect(&[common::kafka_bootstrap()])
        .await
        .expect("kafka");
    broker
        .create_topic(&TopicSpec {
            name: compacted.clone(),
            partitions: 1,
            replication_factor: -1,
            configs: [("cleanup.policy".to_string(), "compact".to_string())].into(),
        })
        .await
        .expect("create topic");
    let config = config(
        &db.name,
        &[("schema.history.internal.kafka.topic", compacted.as_str())],
    );
    let problems = errors(&validate(&config).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "schema.history.internal.kafka.topic");
    assert!(
        problems[0].1.contains("cleanup.policy=compact"),
        "{}",
        problems[0].1
    );

    // An unreachable cluster.
    let mut unreachable = config.clone();
    unreachable.insert(
        "schema.history.internal.kafka.bootstrap.servers".into(),
        "127.0.0.1:1".into(),
    );
    let problems = errors(&validate(&unreachable).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].0,
        "schema.history.internal.kafka.bootstrap.servers"
    );
    db.drop_db().await;
}
