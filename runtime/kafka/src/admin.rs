//! CreateTopics with configs and DescribeConfigs, which rskafka cannot send.
//!
//! The internal topics of a Connect worker need `cleanup.policy=compact` (configs, offsets,
//! status), and a worker checks that an existing topic has it, so both requests are built here
//! from `kafka-protocol` messages and their answers mapped onto [`KafkaError`] with the topic and
//! the broker's own message. Two tansu quirks shape DescribeConfigs: it drops the connection when
//! the request names `configuration_keys`, so all configs are always requested (`None`); and it
//! labels the configs a topic was created with `DEFAULT_CONFIG`, so `config_source` cannot tell
//! explicitly set configs from defaults. The answer is therefore the topic's *effective* configs:
//! on tansu exactly the configs it was created with, on Kafka those plus the broker's defaults
//! (what Java's `Admin.describeConfigs` returns, and what Connect's `TopicAdmin` checks
//! `cleanup.policy` against). A topic-level value always wins over a default, so a caller reading
//! one key gets the value that applies.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    CreateTopicsRequest, CreateTopicsResponse, DescribeConfigsRequest, DescribeConfigsResponse,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::{KafkaError, TopicSpec};

/// DescribeConfigs resource type of a topic.
const RESOURCE_TOPIC: i8 = 2;

/// The CreateTopics request for `spec`.
///
/// `version` matters because "let the broker choose" (`-1`) partitions or replication factor
/// needs v4 (KIP-464).
pub(crate) fn create_topics_request(
    spec: &TopicSpec,
    version: i16,
    timeout_ms: i32,
) -> Result<CreateTopicsRequest, KafkaError> {
    if version < 4 && (spec.partitions < 0 || spec.replication_factor < 0) {
        return Err(KafkaError::Config {
            message: format!(
                "topic '{}': the broker's CreateTopics v{version} cannot use broker defaults for \
                 partitions or replication factor; give both explicitly",
                spec.name
            ),
        });
    }
    let configs = spec
        .configs
        .iter()
        .map(|(name, value)| {
            CreatableTopicConfig::default()
                .with_name(StrBytes::from_string(name.clone()))
                .with_value(Some(StrBytes::from_string(value.clone())))
        })
        .collect();
    let topic = CreatableTopic::default()
        .with_name(TopicName(StrBytes::from_string(spec.name.clone())))
        .with_num_partitions(spec.partitions)
        .with_replication_factor(spec.replication_factor)
        .with_configs(configs);
    Ok(CreateTopicsRequest::default()
        .with_topics(vec![topic])
        .with_timeout_ms(timeout_ms)
        .with_validate_only(false))
}

/// `Ok(true)` if the topic was created, `Ok(false)` if it already existed.
pub(crate) fn create_topics_result(
    topic: &str,
    response: &CreateTopicsResponse,
) -> Result<bool, KafkaError> {
    let result = response
        .topics
        .iter()
        .find(|t| t.name.as_str() == topic)
        .ok_or_else(|| missing_result("CreateTopics", topic))?;
    match ResponseError::try_from_code(result.error_code) {
        None => Ok(true),
        Some(ResponseError::TopicAlreadyExists) => Ok(false),
        Some(_) => Err(KafkaError::broker(
            "CreateTopics",
            topic,
            None,
            result.error_code,
            result.error_message.as_ref().map(|m| m.to_string()),
        )),
    }
}

/// The DescribeConfigs request for all configs of `topic`.
pub(crate) fn describe_configs_request(topic: &str) -> DescribeConfigsRequest {
    let resource = DescribeConfigsResource::default()
        .with_resource_type(RESOURCE_TOPIC)
        .with_resource_name(StrBytes::from_string(topic.to_string()))
        // `Some(keys)` makes tansu drop the connection; filter client-side instead.
        .with_configuration_keys(None);
    DescribeConfigsRequest::default()
        .with_resources(vec![resource])
        .with_include_synonyms(false)
        .with_include_documentation(false)
}

/// The effective configs of `topic` (see the module docs for why not only the explicit ones).
pub(crate) fn describe_configs_result(
    topic: &str,
    response: &DescribeConfigsResponse,
) -> Result<BTreeMap<String, String>, KafkaError> {
    let result = response
        .results
        .iter()
        .find(|r| r.resource_type == RESOURCE_TOPIC && r.resource_name.as_str() == topic)
        .ok_or_else(|| missing_result("DescribeConfigs", topic))?;
    match ResponseError::try_from_code(result.error_code) {
        None => {}
        Some(ResponseError::UnknownTopicOrPartition) => {
            return Err(KafkaError::UnknownTopic {
                topic: topic.to_string(),
            })
        }
        Some(_) => {
            return Err(KafkaError::broker(
                "DescribeConfigs",
                topic,
                None,
                result.error_code,
                result.error_message.as_ref().map(|m| m.to_string()),
            ))
        }
    }
    Ok(result
        .configs
        .iter()
        .filter_map(|c| {
            // Sensitive values come back as null; there is nothing to report for them.
            let value = c.value.as_ref()?;
            Some((c.name.to_string(), value.to_string()))
        })
        .collect())
}

fn missing_result(api: &'static str, topic: &str) -> KafkaError {
    KafkaError::Protocol {
        broker: String::new(),
        api,
        message: format!("the response has no result for topic '{topic}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
    use kafka_protocol::messages::describe_configs_response::{
        DescribeConfigsResourceResult, DescribeConfigsResult,
    };

    fn spec(partitions: i32) -> TopicSpec {
        TopicSpec {
            name: "connect-configs".into(),
            partitions,
            replication_factor: -1,
            configs: BTreeMap::from([("cleanup.policy".into(), "compact".into())]),
        }
    }

    #[test]
    fn create_request_carries_the_configs() {
        let request = create_topics_request(&spec(1), 7, 30_000).unwrap();
        let topic = &request.topics[0];
        assert_eq!(topic.name.as_str(), "connect-configs");
        assert_eq!(topic.num_partitions, 1);
        assert_eq!(topic.replication_factor, -1);
        let configs: Vec<_> = topic
            .configs
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_deref()))
            .collect();
        assert_eq!(configs, vec![("cleanup.policy", Some("compact"))]);
        assert_eq!(request.timeout_ms, 30_000);
    }

    #[test]
    fn broker_defaults_need_create_topics_v4() {
        let err = create_topics_request(&spec(-1), 3, 1000).unwrap_err();
        assert!(err.to_string().contains("connect-configs"), "{err}");
        assert!(create_topics_request(&spec(-1), 4, 1000).is_ok());
    }

    fn create_response(code: i16, message: Option<&str>) -> CreateTopicsResponse {
        CreateTopicsResponse::default().with_topics(vec![CreatableTopicResult::default()
            .with_name(TopicName(StrBytes::from_static_str("connect-configs")))
            .with_error_code(code)
            .with_error_message(message.map(|m| StrBytes::from_string(m.to_string())))])
    }

    #[test]
    fn create_result_maps_error_codes() {
        assert!(create_topics_result("connect-configs", &create_response(0, None)).unwrap());
        let exists = create_response(36, Some("Topic with this name already exists."));
        assert!(!create_topics_result("connect-configs", &exists).unwrap());

        let invalid = create_response(
            38,
            Some("Replication factor: 3 larger than available brokers: 1."),
        );
        let err = create_topics_result("connect-configs", &invalid).unwrap_err();
        assert_eq!(err.error_code(), Some(38));
        assert!(!err.is_retriable());
        let text = err.to_string();
        assert!(text.contains("connect-configs"), "{text}");
        assert!(text.contains("larger than available brokers"), "{text}");

        assert!(create_topics_result("other", &create_response(0, None)).is_err());
    }

    fn config(name: &str, value: Option<&str>, source: i8) -> DescribeConfigsResourceResult {
        DescribeConfigsResourceResult::default()
            .with_name(StrBytes::from_string(name.to_string()))
            .with_value(value.map(|v| StrBytes::from_string(v.to_string())))
            .with_config_source(source)
    }

    fn describe_response(
        code: i16,
        configs: Vec<DescribeConfigsResourceResult>,
    ) -> DescribeConfigsResponse {
        DescribeConfigsResponse::default().with_results(vec![DescribeConfigsResult::default()
            .with_resource_type(RESOURCE_TOPIC)
            .with_resource_name(StrBytes::from_static_str("t"))
            .with_error_code(code)
            .with_configs(configs)])
    }

    #[test]
    fn describe_returns_every_valued_config_whatever_its_source() {
        let response = describe_response(
            0,
            vec![
                config("cleanup.policy", Some("compact"), 1), // TOPIC_CONFIG (Kafka)
                config("retention.ms", Some("-1"), 5),        // tansu's label for a set config
                config("segment.bytes", Some("1073741824"), 4), // STATIC_BROKER_CONFIG
                config("sasl.secret", None, 1),               // sensitive: no value
            ],
        );
        let configs = describe_configs_result("t", &response).unwrap();
        assert_eq!(
            configs,
            BTreeMap::from([
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("retention.ms".to_string(), "-1".to_string()),
                ("segment.bytes".to_string(), "1073741824".to_string()),
            ])
        );
    }

    #[test]
    fn describe_of_a_missing_topic_is_unknown_topic() {
        let err = describe_configs_result("t", &describe_response(3, vec![])).unwrap_err();
        assert!(
            matches!(err, KafkaError::UnknownTopic { ref topic } if topic == "t"),
            "{err}"
        );
        let err = describe_configs_result("t", &describe_response(29, vec![])).unwrap_err();
        assert_eq!(err.error_code(), Some(29));
    }

    #[test]
    fn describe_request_never_names_keys() {
        let request = describe_configs_request("t");
        assert_eq!(request.resources.len(), 1);
        assert_eq!(request.resources[0].resource_type, RESOURCE_TOPIC);
        assert_eq!(request.resources[0].configuration_keys, None);
    }
}
