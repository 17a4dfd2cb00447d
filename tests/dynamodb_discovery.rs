mod common;
mod dynamodb_common;

// Table discovery and validation of the DynamoDB CDC source against moto
// (`bash scripts/services.sh up`): TAG discovery picks up a newly tagged table through periodic
// rediscovery and the task of the new table streams it; tables are spread over tasks.max; the
// live prechecks of validate report unreachable endpoints, missing tables and missing or wrong
// streams on the key to fix, with the command that enables the stream.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::{StreamViewType, Tag};
use strait_api::{ConfigMap, SourceConnector, SourceTaskContext};
use tokio::time::{sleep, Instant};

use common::{unique_name, TEST_TIMEOUT};
use dynamodb_common::*;

async fn table_arn(client: &aws_sdk_dynamodb::Client, table: &str) -> String {
    client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .expect("describe")
        .table()
        .and_then(|t| t.table_arn())
        .expect("arn")
        .to_string()
}

async fn tag(client: &aws_sdk_dynamodb::Client, table: &str, key: &str, value: &str) {
    let arn = table_arn(client, table).await;
    client
        .tag_resource()
        .resource_arn(arn)
        .tags(Tag::builder().key(key).value(value).build().expect("tag"))
        .send()
        .await
        .expect("TagResource");
}

fn tables_of(configs: &[ConfigMap]) -> Vec<String> {
    configs
        .iter()
        .map(|c| c["strait.dynamodb.task.tables"].clone())
        .collect()
}

#[tokio::test]
async fn tag_discovery_picks_up_a_newly_tagged_table() {
    let client = client();
    let team = unique_name("team");
    let first = unique_name("ddb_tag_a");
    let second = unique_name("ddb_tag_b");
    let no_stream = unique_name("ddb_tag_nostream");
    create_table(&client, &first, &TableSpec::default()).await;
    create_table(&client, &second, &TableSpec::default()).await;
    create_table(
        &client,
        &no_stream,
        &TableSpec {
            stream: None,
            ..TableSpec::default()
        },
    )
    .await;
    tag(&client, &first, "team", &team).await;
    tag(&client, &no_stream, "team", &team).await;
    tag(&client, &second, "team", "someone-else").await;

    let mut config = config(
        &[],
        &[
            ("dynamodb.table.discovery.mode", "TAG"),
            (
                "aws.resource.tagging.endpoint",
                &common::dynamodb_endpoint(),
            ),
            (
                "dynamodb.table.tag.filters",
                &format!("team:{team},other-{team}"),
            ),
            ("dynamodb.table.sync.mode", "CDC"),
            ("strait.dynamodb.rediscovery.interval.ms", "300"),
        ],
    );
    config.remove("dynamodb.table.includelist");
    let (mut connector, context, configs) = start_connector(&config, 4).await;
    assert_eq!(
        tables_of(&configs),
        std::slice::from_ref(&first),
        "a tagged table without a stream is not captured"
    );

    tag(&client, &second, "team", &format!("other-{team}")).await;
    let deadline = Instant::now() + TEST_TIMEOUT;
    while context.reconfigurations.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "no reconfiguration requested after tagging {second}"
        );
        sleep(Duration::from_millis(100)).await;
    }
    let mut configs = connector.task_configs(4).await.unwrap();
    assert_eq!(
        tables_of(&configs),
        [first.clone(), second.clone()],
        "one task per table"
    );
    assert_eq!(
        tables_of(&connector.task_configs(1).await.unwrap()),
        [format!("{first},{second}")]
    );

    // The new table's task streams it.
    let mut task = connector.create_task();
    connector.stop().await.unwrap();
    let offsets = Arc::new(MemoryOffsets::default());
    task.start(
        &configs.remove(1),
        SourceTaskContext {
            connector: "tag".into(),
            task: 1,
            offsets,
        },
    )
    .await
    .expect("task start");
    put(&client, &second, simple_item("x", 1)).await;
    let polled = poll_until(&mut task, "the new table's change", |p| !p.is_empty()).await;
    task.stop().await.unwrap();
    assert_eq!(polled[0].topic, second);
    assert_eq!(op(&polled[0]), "c");
    assert!(context.errors.lock().unwrap().is_empty());
}

#[tokio::test]
async fn include_list_tables_are_spread_over_tasks() {
    let client = client();
    let names: Vec<String> = (0..3)
        .map(|i| unique_name(&format!("ddb_spread{i}")))
        .collect();
    for n in &names {
        create_table(&client, n, &TableSpec::default()).await;
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut connector, _, configs) = start_connector(&config(&refs, &[]), 2).await;
    connector.stop().await.unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        tables_of(&configs),
        [format!("{},{}", sorted[0], sorted[2]), sorted[1].clone()]
    );
}

fn errors_by_key(values: &[strait_api::ConfigValue]) -> Vec<(String, String)> {
    values
        .iter()
        .flat_map(|v| v.errors.iter().map(|e| (v.name.clone(), e.clone())))
        .collect()
}

#[tokio::test]
async fn validate_checks_endpoint_tables_and_streams() {
    let client = client();
    let good = unique_name("ddb_val_good");
    let no_stream = unique_name("ddb_val_nostream");
    let keys_only = unique_name("ddb_val_keys");
    let missing = unique_name("ddb_val_missing");
    create_table(&client, &good, &TableSpec::default()).await;
    create_table(
        &client,
        &no_stream,
        &TableSpec {
            stream: None,
            ..TableSpec::default()
        },
    )
    .await;
    create_table(
        &client,
        &keys_only,
        &TableSpec {
            stream: Some(StreamViewType::KeysOnly),
            ..TableSpec::default()
        },
    )
    .await;
    let connector = strait_connectors::dynamodb::DynamoDbCdcSourceConnector::default();

    let values = connector.validate(&config(&[&good], &[])).await;
    assert!(
        errors_by_key(&values).is_empty(),
        "{:?}",
        errors_by_key(&values)
    );

    let values = connector
        .validate(&config(&[&good, &no_stream, &keys_only, &missing], &[]))
        .await;
    let errors = errors_by_key(&values);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors
        .iter()
        .all(|(k, _)| k == "dynamodb.table.includelist"));
    assert!(
        errors[0].1.contains(&no_stream)
            && errors[0]
                .1
                .contains("StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"),
        "{}",
        errors[0].1
    );
    assert!(
        errors[1].1.contains(&keys_only) && errors[1].1.contains("KEYS_ONLY"),
        "{}",
        errors[1].1
    );
    assert!(
        errors[2].1.contains(&missing) && errors[2].1.contains("does not exist"),
        "{}",
        errors[2].1
    );

    // A snapshot needs no stream.
    let values = connector
        .validate(&config(
            &[&no_stream],
            &[("dynamodb.table.sync.mode", "SNAPSHOT")],
        ))
        .await;
    assert!(
        errors_by_key(&values).is_empty(),
        "{:?}",
        errors_by_key(&values)
    );

    let mut unreachable = config(&[&good], &[]);
    unreachable.insert(
        "dynamodb.service.endpoint".into(),
        "http://127.0.0.1:1".into(),
    );
    let errors = errors_by_key(&connector.validate(&unreachable).await);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "dynamodb.service.endpoint");

    let mut tag_mode = config(
        &[],
        &[
            ("dynamodb.table.discovery.mode", "TAG"),
            ("aws.resource.tagging.endpoint", "http://127.0.0.1:1"),
            ("dynamodb.table.tag.filters", "team:x"),
        ],
    );
    tag_mode.remove("dynamodb.table.includelist");
    let errors = errors_by_key(&connector.validate(&tag_mode).await);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "aws.resource.tagging.endpoint");

    tag_mode.insert("dynamodb.table.tag.filters".into(), "team".into());
    let errors = errors_by_key(&connector.validate(&tag_mode).await);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "dynamodb.table.tag.filters");
}
