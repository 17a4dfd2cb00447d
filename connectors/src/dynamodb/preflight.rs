//! Live prechecks for `validate`: can we reach DynamoDB with these credentials, does each table
//! exist, and has it the stream CDC needs?
//!
//! They run only when every key parsed, and add their findings to the key a user would change:
//! an unreachable endpoint or rejected credentials on `dynamodb.service.endpoint` (or on
//! `aws.access.key.id` when the service rejected static keys), a missing table or a missing
//! stream on the key that named the table, a failing tagging call on
//! `aws.resource.tagging.endpoint`. Each check is bounded in time so validation answers even
//! when an endpoint swallows requests.

use std::future::Future;
use std::time::Duration;

use strait_api::ConfigValue;

use super::client::AwsClients;
use super::config::{
    add_error, DiscoveryMode, DynamoDbCdcConfig, AWS_ACCESS_KEY_ID, INCLUDE_LIST, SERVICE_ENDPOINT,
    TAGGING_ENDPOINT, TAG_FILTERS,
};
use super::discovery::{describe_table, readiness, tagged_tables};
use super::error::DynamoDbError;

/// The longest any single precheck may take.
pub const PRECHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Error codes meaning the service rejected the credentials.
const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "InvalidClientTokenId",
    "MissingAuthenticationToken",
    "ExpiredTokenException",
    "AccessDeniedException",
];

async fn bounded<T>(
    what: &str,
    f: impl Future<Output = Result<T, DynamoDbError>>,
) -> Result<T, String> {
    match tokio::time::timeout(PRECHECK_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("{what} got no answer within {PRECHECK_TIMEOUT:?}")),
    }
}

/// Runs the live prechecks and adds every problem found to `values`.
pub async fn check(config: &DynamoDbCdcConfig, values: &mut [ConfigValue]) {
    let tagging = match &config.discovery {
        DiscoveryMode::Tag { endpoint, .. } => Some(endpoint.as_str()),
        DiscoveryMode::IncludeList(_) => None,
    };
    let clients = AwsClients::new(config, tagging).await;
    let url = clients.endpoints.dynamodb.clone();

    let reach = tokio::time::timeout(
        PRECHECK_TIMEOUT,
        clients.dynamodb.list_tables().limit(1).send(),
    )
    .await;
    match reach {
        Err(_) => {
            add_error(
                values,
                SERVICE_ENDPOINT,
                format!("DynamoDB at {url} did not answer within {PRECHECK_TIMEOUT:?}"),
            );
            return;
        }
        Ok(Err(e)) => {
            let e = DynamoDbError::aws("ListTables", None, e);
            let key = match e.code() {
                Some(code) if CREDENTIAL_CODES.contains(&code) && config.credentials.is_some() => {
                    AWS_ACCESS_KEY_ID
                }
                _ => SERVICE_ENDPOINT,
            };
            add_error(
                values,
                key,
                format!("cannot use DynamoDB at {url} with the configured credentials: {e}"),
            );
            return;
        }
        Ok(Ok(_)) => {}
    }

    let (names, key) = match &config.discovery {
        DiscoveryMode::IncludeList(tables) => (tables.clone(), INCLUDE_LIST),
        DiscoveryMode::Tag { filters, .. } => {
            let Some(client) = clients.tagging.as_ref() else {
                return;
            };
            match bounded("GetResources", tagged_tables(client, filters)).await {
                Ok(names) => (names, TAG_FILTERS),
                Err(e) => {
                    add_error(
                        values,
                        TAGGING_ENDPOINT,
                        format!("cannot list tagged tables: {e}"),
                    );
                    return;
                }
            }
        }
    };
    for table in names {
        match bounded("DescribeTable", describe_table(&clients.dynamodb, &table)).await {
            Ok(info) => {
                if let Err(why) = readiness(info.as_ref(), config.sync_mode) {
                    add_error(values, key, why.describe(&table));
                }
            }
            Err(e) => add_error(values, key, format!("cannot describe table {table}: {e}")),
        }
    }
}
