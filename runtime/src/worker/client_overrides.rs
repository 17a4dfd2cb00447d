//! Per-connector producer settings (`producer.override.*`, KIP-458) and the worker's
//! `connector.client.config.override.policy` that allows them.
//!
//! Kafka's policies: `All` (Kafka's default since 3.0) allows every override, `None` allows
//! none, `Principal` only `sasl.jaas.config`, `sasl.mechanism` and `security.protocol`. A
//! refused override gets Kafka's message ("The 'None' policy does not allow 'compression.type'
//! to be overridden in the connector configuration.") on the prefixed key.
//!
//! Of the producer's settings Strait implements `compression.type`; any other override is
//! refused with the key named, so that no setting is silently ignored. Unlike Kafka, which
//! only fails the task when the producer is built, a `compression.type` naming no codec is a
//! validation error.

use strait_api::ConnectError;

use crate::kafka::CompressionType;

/// The prefix of per-connector producer settings.
pub const PRODUCER_OVERRIDE_PREFIX: &str = "producer.override.";

/// Where the worker's policy classes live; the policy is also accepted by its short name.
const POLICY_PACKAGE: &str = "org.apache.kafka.connect.connector.policy.";

/// `connector.client.config.override.policy`: which client settings a connector may override.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OverridePolicy {
    /// Every setting (Kafka's default).
    #[default]
    All,
    /// No setting.
    None,
    /// Only the client's principal: `sasl.jaas.config`, `sasl.mechanism`, `security.protocol`.
    Principal,
}

impl OverridePolicy {
    /// The policy a worker property names: `All`, `None`, `Principal`, or the class name
    /// (`org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy`, ...).
    ///
    /// # Errors
    /// The message for a value naming no policy.
    pub fn parse(value: &str) -> Result<Self, String> {
        let class = value.strip_prefix(POLICY_PACKAGE).unwrap_or(value);
        let short = class
            .strip_suffix("ConnectorClientConfigOverridePolicy")
            .unwrap_or(class);
        match short {
            "All" => Ok(Self::All),
            "None" => Ok(Self::None),
            "Principal" => Ok(Self::Principal),
            _ => Err(format!(
                "Invalid value {value} for configuration connector.client.config.override.policy: \
                 Class {value} could not be found. Strait knows the policies All, None and Principal"
            )),
        }
    }

    /// Kafka's `policyName()`.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::None => "None",
            Self::Principal => "Principal",
        }
    }

    fn allows(self, setting: &str) -> bool {
        match self {
            Self::All => true,
            Self::None => false,
            Self::Principal => matches!(
                setting,
                "sasl.jaas.config" | "sasl.mechanism" | "security.protocol"
            ),
        }
    }
}

/// The producer settings one connector overrides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProducerOverrides {
    /// `producer.override.compression.type`.
    pub compression: Option<CompressionType>,
}

impl ProducerOverrides {
    /// Reads a connector's overrides.
    ///
    /// # Errors
    /// A config error naming the first override that is refused or invalid.
    pub fn parse<'a>(
        config: impl IntoIterator<Item = (&'a String, &'a String)>,
        policy: OverridePolicy,
    ) -> Result<Self, ConnectError> {
        let mut overrides = Self::default();
        for (key, value) in config {
            let Some(setting) = key.strip_prefix(PRODUCER_OVERRIDE_PREFIX) else {
                continue;
            };
            if !policy.allows(setting) {
                return Err(ConnectError::config(
                    key,
                    format!(
                        "The '{}' policy does not allow '{setting}' to be overridden in the \
                         connector configuration.",
                        policy.name()
                    ),
                ));
            }
            match setting {
                "compression.type" => {
                    overrides.compression = Some(
                        parse_compression(setting, value)
                            .map_err(|message| ConnectError::config(key, message))?,
                    );
                }
                _ => {
                    return Err(ConnectError::config(
                        key,
                        format!(
                            "{key} is not supported by Strait yet (supported producer \
                             overrides: compression.type)"
                        ),
                    ))
                }
            }
        }
        Ok(overrides)
    }

    /// Every refused or invalid override as `(key, message)`, for validation.
    pub fn errors(config: &strait_api::ConfigMap, policy: OverridePolicy) -> Vec<(String, String)> {
        config
            .iter()
            .filter_map(|entry| match Self::parse([entry], policy) {
                Ok(_) => None,
                Err(e) => Some((entry.0.clone(), config_message(e))),
            })
            .collect()
    }
}

/// A `compression.type` value, with Kafka's message for one naming no codec.
///
/// # Errors
/// `Invalid value X for configuration <key>: String must be one of: none, gzip, ...`.
pub fn parse_compression(key: &str, value: &str) -> Result<CompressionType, String> {
    CompressionType::parse(value).ok_or_else(|| {
        format!(
            "Invalid value {value} for configuration {key}: String must be one of: {}",
            CompressionType::names()
        )
    })
}

fn config_message(e: ConnectError) -> String {
    match e {
        ConnectError::Config { message, .. } => message,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strait_api::ConfigMap;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn policies_parse_by_short_and_class_name() {
        for (value, policy) in [
            ("All", OverridePolicy::All),
            ("None", OverridePolicy::None),
            ("Principal", OverridePolicy::Principal),
            (
                "org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy",
                OverridePolicy::All,
            ),
            (
                "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy",
                OverridePolicy::None,
            ),
            (
                "PrincipalConnectorClientConfigOverridePolicy",
                OverridePolicy::Principal,
            ),
        ] {
            assert_eq!(OverridePolicy::parse(value), Ok(policy), "{value}");
        }
        let err = OverridePolicy::parse("Some").unwrap_err();
        assert!(
            err.contains("connector.client.config.override.policy"),
            "{err}"
        );
    }

    #[test]
    fn compression_is_read_when_the_policy_allows_it() {
        let c = config(&[("producer.override.compression.type", "lz4"), ("name", "c")]);
        let o = ProducerOverrides::parse(&c, OverridePolicy::All).unwrap();
        assert_eq!(o.compression, Some(CompressionType::Lz4));
        assert_eq!(
            ProducerOverrides::parse(&config(&[("name", "c")]), OverridePolicy::None).unwrap(),
            ProducerOverrides::default()
        );
    }

    #[test]
    fn refused_and_invalid_overrides_are_named_with_kafkas_messages() {
        let c = config(&[("producer.override.compression.type", "lz4")]);
        let errors = ProducerOverrides::errors(&c, OverridePolicy::None);
        assert_eq!(
            errors,
            vec![(
                "producer.override.compression.type".to_string(),
                "The 'None' policy does not allow 'compression.type' to be overridden in the \
                 connector configuration."
                    .to_string()
            )]
        );
        let errors = ProducerOverrides::errors(&c, OverridePolicy::Principal);
        assert!(
            errors[0].1.starts_with("The 'Principal' policy"),
            "{errors:?}"
        );

        let bad = config(&[("producer.override.compression.type", "LZ4")]);
        assert_eq!(
            ProducerOverrides::errors(&bad, OverridePolicy::All)[0].1,
            "Invalid value LZ4 for configuration compression.type: String must be one of: \
             none, gzip, snappy, lz4, zstd"
        );

        let unsupported = config(&[
            ("producer.override.linger.ms", "5"),
            ("producer.override.compression.lz4.level", "1"),
        ]);
        let errors = ProducerOverrides::errors(&unsupported, OverridePolicy::All);
        assert_eq!(errors.len(), 2, "{errors:?}");
        for (key, message) in errors {
            assert!(
                message.contains(&key) && message.contains("not supported"),
                "{message}"
            );
        }
        let err = ProducerOverrides::parse(&unsupported, OverridePolicy::All).unwrap_err();
        assert!(err.to_string().contains("producer.override."), "{err}");
    }
}
