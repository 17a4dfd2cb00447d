mod common;

// Checks that the test services started by `scripts/services.sh up` are there and configured the
// way the connector tests need them: MariaDB with a row-based binlog, and moto serving DynamoDB
// with streams. (The Kafka broker is covered by `tests/kafka.rs`.)

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use mysql_async::prelude::Queryable;
use tokio::time::timeout;

use common::TEST_TIMEOUT;

#[tokio::test]
async fn mariadb_has_row_based_binlog() {
    let url = common::mysql_url();
    let mut conn = match timeout(TEST_TIMEOUT, mysql_async::Conn::from_url(url.as_str())).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(err)) => panic!("{}", common::service_missing("MariaDB", &url, err)),
        Err(_) => panic!(
            "{}",
            common::service_missing(
                "MariaDB",
                &url,
                format!("no answer within {TEST_TIMEOUT:?}")
            )
        ),
    };

    let row: Option<(String, String, i64)> = timeout(
        TEST_TIMEOUT,
        conn.query_first("SELECT @@binlog_format, @@binlog_row_image, @@log_bin"),
    )
    .await
    .expect("query timed out")
    .expect("query failed");
    let (format, row_image, log_bin) = row.expect("SELECT returned no row");

    assert_eq!(format, "ROW", "@@binlog_format");
    assert_eq!(row_image, "FULL", "@@binlog_row_image");
    assert_eq!(log_bin, 1, "@@log_bin (the binary log must be on)");

    conn.disconnect().await.expect("disconnect");
}

fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "strait-tests"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

#[tokio::test]
async fn moto_lists_table_created_through_sdk() {
    let endpoint = common::dynamodb_endpoint();
    let client = dynamodb_client(&endpoint);
    let table = common::unique_name("svc");

    let create = client
        .create_table()
        .table_name(&table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send();
    match timeout(TEST_TIMEOUT, create).await {
        Ok(Ok(_)) => {}
        // No connection (refused, reset, timed out): the service is not running.
        Ok(Err(err @ (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)))) => {
            panic!(
                "{}",
                common::service_missing("moto (DynamoDB)", &endpoint, DisplayErrorContext(err))
            )
        }
        Ok(Err(err)) => panic!("CreateTable {table} failed: {}", DisplayErrorContext(err)),
        Err(_) => panic!(
            "{}",
            common::service_missing(
                "moto (DynamoDB)",
                &endpoint,
                format!("no answer within {TEST_TIMEOUT:?}")
            )
        ),
    }

    // ListTables pages at 100 names; other tests add tables to the same server, so read all pages.
    let names: Vec<String> = timeout(
        TEST_TIMEOUT,
        client
            .list_tables()
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    )
    .await
    .expect("ListTables timed out")
    .unwrap_or_else(|err| panic!("ListTables failed: {}", DisplayErrorContext(err)));
    assert!(
        names.contains(&table),
        "ListTables does not list {table}: {names:?}"
    );

    let described = timeout(
        TEST_TIMEOUT,
        client.describe_table().table_name(&table).send(),
    )
    .await
    .expect("DescribeTable timed out")
    .unwrap_or_else(|err| panic!("DescribeTable failed: {}", DisplayErrorContext(err)));
    let description = described.table().expect("DescribeTable returned no table");
    let spec = description
        .stream_specification()
        .expect("DescribeTable shows no StreamSpecification");
    assert!(spec.stream_enabled(), "stream not enabled: {spec:?}");
    assert_eq!(
        spec.stream_view_type(),
        Some(&StreamViewType::NewAndOldImages)
    );
    assert!(
        description.latest_stream_arn().is_some(),
        "a table with a stream has a LatestStreamArn: {description:?}"
    );

    // Best-effort cleanup; the server is in-memory anyway.
    let _ = timeout(
        TEST_TIMEOUT,
        client.delete_table().table_name(&table).send(),
    )
    .await;
}
