//! The AWS SDK clients the connector needs, built from its configuration.
//!
//! The reference has one endpoint key for DynamoDB and none for DynamoDB Streams or a region,
//! so both are derived here: an AWS host `dynamodb.<region>.amazonaws.com` (written as a URL or a
//! bare host, both appear in users' configs) gives the region and the Streams host
//! `streams.dynamodb.<region>.amazonaws.com`; any other endpoint is an emulator or a proxy that
//! serves both APIs at the same URL (moto, LocalStack), and the region comes from `AWS_REGION`
//! or the shared profile, falling back to `us-east-1`. Credentials are the static
//! pair when configured, otherwise the default AWS chain (environment, profile, web identity,
//! container and instance roles), resolved lazily by the SDK.

use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{Credentials, Region};

use super::config::DynamoDbCdcConfig;

/// How long connecting to an endpoint may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt of a call may take before the SDK retries it (no DynamoDB or Streams
/// call this connector makes waits for data on the server side).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The region used when neither the endpoint nor the environment names one.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Where the DynamoDB and DynamoDB Streams APIs are, and in which region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The DynamoDB endpoint as a URL.
    pub dynamodb: String,
    /// The DynamoDB Streams endpoint as a URL.
    pub streams: String,
    /// The region named by an AWS host, if any.
    pub region: Option<String>,
}

/// Derives the endpoints from `dynamodb.service.endpoint`.
pub fn endpoints(endpoint: &str) -> Endpoints {
    let endpoint = endpoint.trim().trim_end_matches('/');
    let url = if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("https://{endpoint}")
    };
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url.as_str()));
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    let aws_region = host
        .strip_prefix("dynamodb.")
        .and_then(|h| {
            h.strip_suffix(".amazonaws.com")
                .or_else(|| h.strip_suffix(".amazonaws.com.cn"))
        })
        .filter(|r| !r.is_empty() && !r.contains('.'))
        .map(str::to_string);
    let streams = match &aws_region {
        Some(_) => format!("{scheme}://streams.{rest}"),
        None => url.clone(),
    };
    Endpoints {
        dynamodb: url,
        streams,
        region: aws_region,
    }
}

/// The SDK clients of one connector or task.
#[derive(Clone, Debug)]
pub struct AwsClients {
    /// DescribeTable, Scan, ListTables.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// DescribeStream, GetShardIterator, GetRecords.
    pub streams: aws_sdk_dynamodbstreams::Client,
    /// GetResources, for TAG discovery (when a tagging endpoint is configured).
    pub tagging: Option<aws_sdk_resourcegroupstagging::Client>,
    /// The derived endpoints, for messages.
    pub endpoints: Endpoints,
}

impl AwsClients {
    /// Builds the clients; no request is made (credentials from the default chain are resolved
    /// on first use).
    pub async fn new(config: &DynamoDbCdcConfig, tagging_endpoint: Option<&str>) -> Self {
        let endpoints = endpoints(&config.endpoint);
        // Not the default chain: its last resort, the instance metadata service, only adds a
        // slow failing call when the endpoint is not AWS.
        let region = RegionProviderChain::first_try(endpoints.region.clone().map(Region::new))
            .or_else(EnvironmentVariableRegionProvider::new())
            .or_else(ProfileFileRegionProvider::new())
            .or_else(Region::new(FALLBACK_REGION));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region)
            .timeout_config(timeouts);
        if let Some((id, secret)) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(
                id.clone(),
                secret.clone(),
                None,
                None,
                "strait-dynamodb-config",
            ));
        }
        let shared = loader.load().await;
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&shared)
                .endpoint_url(&endpoints.dynamodb)
                .build(),
        );
        let streams = aws_sdk_dynamodbstreams::Client::from_conf(
            aws_sdk_dynamodbstreams::config::Builder::from(&shared)
                .endpoint_url(&endpoints.streams)
                .build(),
        );
        let tagging = tagging_endpoint.map(|url| {
            let url = if url.contains("://") {
                url.to_string()
            } else {
                format!("https://{url}")
            };
            aws_sdk_resourcegroupstagging::Client::from_conf(
                aws_sdk_resourcegroupstagging::config::Builder::from(&shared)
                    .endpoint_url(url)
                    .build(),
            )
        });
        Self {
            dynamodb,
            streams,
            tagging,
            endpoints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_endpoints_give_region_and_streams_host() {
        for written in [
            "https://dynamodb.eu-west-1.amazonaws.com",
            "dynamodb.eu-west-1.amazonaws.com",
            "https://dynamodb.eu-west-1.amazonaws.com/",
        ] {
            let e = endpoints(written);
            assert_eq!(
                e.dynamodb, "https://dynamodb.eu-west-1.amazonaws.com",
                "{written}"
            );
            assert_eq!(
                e.streams,
                "https://streams.dynamodb.eu-west-1.amazonaws.com"
            );
            assert_eq!(e.region.as_deref(), Some("eu-west-1"));
        }
        let cn = endpoints("dynamodb.cn-north-1.amazonaws.com.cn");
        assert_eq!(cn.region.as_deref(), Some("cn-north-1"));
        assert_eq!(
            cn.streams,
            "https://streams.dynamodb.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn other_endpoints_serve_both_apis() {
        let e = endpoints("http://127.0.0.1:45000");
        assert_eq!(e.dynamodb, "http://127.0.0.1:45000");
        assert_eq!(e.streams, "http://127.0.0.1:45000");
        assert_eq!(e.region, None);
        let e = endpoints("localhost:8000");
        assert_eq!(e.dynamodb, "https://localhost:8000");
    }
}
