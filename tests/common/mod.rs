//! Shared helpers for the end-to-end tests in `tests/`.
//!
//! Every test that needs a real service asks for its endpoint here. The endpoints come from the
//! environment written by `scripts/services.sh up` (sourced by `scripts/test.sh`); when a
//! variable is missing the defaults below are the ports that script uses, and a service that does
//! not answer is a test failure with a message saying how to start it — never a silent skip.
#![allow(dead_code)]

use std::time::Duration;

pub mod worker;

/// Upper bound for any single wait in a test.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Kafka-compatible broker (tansu) bootstrap address.
pub fn kafka_bootstrap() -> String {
    std::env::var("STRAIT_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:39092".to_string())
}

/// MariaDB test instance (row-based binlog), as a `mysql://` URL with the root user.
pub fn mysql_url() -> String {
    std::env::var("STRAIT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:33307".to_string())
}

/// moto server endpoint for DynamoDB and DynamoDB Streams.
pub fn dynamodb_endpoint() -> String {
    std::env::var("STRAIT_TEST_DYNAMODB").unwrap_or_else(|_| "http://127.0.0.1:45000".to_string())
}

/// The message every integration test prints when a service is unreachable.
pub fn service_missing(service: &str, endpoint: &str, err: impl std::fmt::Display) -> String {
    format!(
        "{service} is not reachable at {endpoint}: {err}. Start the test services with \
         `bash scripts/services.sh up` (or run the whole suite with `bash scripts/test.sh`)."
    )
}

/// A name unique to this test run, for topics, databases and tables.
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..12])
}

pub mod contract;
