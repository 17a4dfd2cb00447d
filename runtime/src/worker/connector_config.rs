//! The keys every source connector config has (Kafka's `ConnectorConfig` and
//! `SourceConnectorConfig`), parsed once into [`ConnectorConfig`].
//!
//! Keys that would select behaviour Strait does not implement yet (a separate offsets topic,
//! exactly-once source support, admin client overrides) are rejected with the key named instead
//! of being silently ignored. Producer overrides are [`super::client_overrides`]'s.

use regex::Regex;
use strait_api::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Validator, Width,
};
use strait_api::ConnectError;

use super::config::ConverterConfig;
use super::errors::{ErrorPolicy, Tolerance};
use super::topic_creation::TopicCreation;

/// The common connector keys, with Kafka's groups and documentation.
pub fn common_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    let common = |name: &str, ty, imp, doc: &str, order| {
        ConfigKey::new(name, ty, imp, doc).group("Common", order)
    };
    let errors = |name: &str, ty, doc: &str, order| {
        ConfigKey::new(name, ty, Medium, doc).group("Error Handling", order)
    };
    ConfigDef::new()
        .define(common("name", String, High, "Globally unique name to use for this connector.", 1).validator(Validator::NonEmptyString).width(Width::Medium).display_name("Connector name"))
        .define(common("connector.class", String, High, "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector.", 2).width(Width::Long).display_name("Connector class"))
        .define(common("tasks.max", Int, High, "Maximum number of tasks to use for this connector.", 3).default("1").validator(Validator::AtLeast(1.0)).width(Width::Short).display_name("Tasks max"))
        .define(common("tasks.max.enforce", Boolean, Low, "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector.", 4).default("true"))
        .define(common("key.converter", Class, Low, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.", 5).default_null().display_name("Key converter class"))
        .define(common("value.converter", Class, Low, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.", 6).default_null().display_name("Value converter class"))
        .define(common("header.converter", Class, Low, "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.", 7).default_null().display_name("Header converter class"))
        .define(ConfigKey::new("transforms", List, Low, "Aliases for the transformations to be applied to records.").default("").group("Transforms", 1).display_name("Transforms"))
        .define(ConfigKey::new("predicates", List, Low, "Aliases for the predicates used by transformations.").default("").group("Predicates", 1).display_name("Predicates"))
        .define(common("config.action.reload", String, Low, "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties.", 8).default("restart").validator(Validator::OneOfIgnoreCase(vec!["none", "restart"])))
        .define(errors("errors.retry.timeout", Long, "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.", 1).default("0"))
        .define(errors("errors.retry.delay.max.ms", Long, "The maximum duration in milliseconds between consecutive retry attempts.", 2).default("60000"))
        .define(errors("errors.tolerance", String, "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.", 3).default("none").validator(Validator::OneOfIgnoreCase(vec!["none", "all"])))
        .define(errors("errors.log.enable", Boolean, "If true, write each error and the details of the failed operation and problematic record to the Connect application log.", 4).default("false"))
        .define(errors("errors.log.include.messages", Boolean, "Whether to include in the log the Connect record that resulted in a failure.", 5).default("false"))
        .define(ConfigKey::new("topic.creation.groups", List, Low, "Groups of configurations for topics created by source connectors").default("").group("Topic Creation", 1))
        .define(ConfigKey::new("exactly.once.support", String, Medium, "Permitted values are requested, required.").default("requested").validator(Validator::OneOfIgnoreCase(vec!["requested"])).group("Exactly Once Support", 1))
        .define(ConfigKey::new("transaction.boundary", String, Medium, "Permitted values are poll, interval, connector.").default("poll").validator(Validator::OneOfIgnoreCase(vec!["poll"])).group("Exactly Once Support", 2))
        .define(ConfigKey::new("transaction.boundary.interval.ms", Long, Low, "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits.").default_null().group("Exactly Once Support", 3))
        .define(ConfigKey::new("offsets.storage.topic", String, Low, "The name of a separate offsets topic to use for this connector. Not supported by Strait yet.").default_null().validator(Validator::Custom(std::sync::Arc::new(|v| match v {
            strait_api::config::ParsedValue::Null => Ok(()),
            _ => Err("a separate offsets topic per connector is not supported by Strait yet".to_string()),
        }))).group("Offsets Topic", 1))
}

/// Prefixes of connector keys Strait rejects because it does not implement them yet.
const UNSUPPORTED_PREFIXES: &[(&str, &str)] = &[
    (
        "consumer.override.",
        "consumer overrides are not used by source connectors",
    ),
    (
        "admin.override.",
        "admin client overrides per connector are not supported by Strait yet",
    ),
];

/// The parsed common connector keys.
#[derive(Clone, Debug)]
pub struct ConnectorConfig {
    pub name: String,
    pub class: String,
    pub tasks_max: usize,
    pub tasks_max_enforce: bool,
    pub key_converter: Option<ConverterConfig>,
    pub value_converter: Option<ConverterConfig>,
    pub header_converter: Option<ConverterConfig>,
    pub errors: ErrorPolicy,
    pub topic_creation: TopicCreation,
}

fn converter(
    map: &ConfigMap,
    parsed: &strait_api::config::ParsedConfig,
    key: &str,
) -> Option<ConverterConfig> {
    parsed.string(key).map(|class| ConverterConfig {
        class: class.to_string(),
        settings: map
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(key)
                    .and_then(|r| r.strip_prefix('.'))
                    .map(|s| (s.to_string(), v.clone()))
            })
            .collect(),
    })
}

/// Errors for keys Strait rejects, as `(key, message)` pairs.
pub fn unsupported_keys(map: &ConfigMap) -> Vec<(String, String)> {
    map.keys()
        .filter_map(|k| {
            UNSUPPORTED_PREFIXES
                .iter()
                .find(|(p, _)| k.starts_with(p))
                .map(|(_, why)| (k.clone(), format!("{k}: {why}")))
        })
        .collect()
}

impl ConnectorConfig {
    /// Parses the common keys of a connector config.
    ///
    /// # Errors
    /// A config error naming the first bad key.
    pub fn parse(map: &ConfigMap) -> Result<Self, ConnectError> {
        if let Some((key, msg)) = unsupported_keys(map).into_iter().next() {
            return Err(ConnectError::config(key, msg));
        }
        let parsed = common_def().parse(map)?;
        let tolerance = match parsed
            .string("errors.tolerance")
            .unwrap_or("none")
            .to_ascii_lowercase()
            .as_str()
        {
            "all" => Tolerance::All,
            _ => Tolerance::None,
        };
        Ok(Self {
            name: parsed.string("name").unwrap_or_default().to_string(),
            class: parsed
                .string("connector.class")
                .unwrap_or_default()
                .to_string(),
            tasks_max: parsed.int("tasks.max").unwrap_or(1).max(1) as usize,
            tasks_max_enforce: parsed.boolean("tasks.max.enforce").unwrap_or(true),
            key_converter: converter(map, &parsed, "key.converter"),
            value_converter: converter(map, &parsed, "value.converter"),
            header_converter: converter(map, &parsed, "header.converter"),
            errors: ErrorPolicy {
                tolerance,
                retry_timeout_ms: parsed.long("errors.retry.timeout").unwrap_or(0),
                retry_delay_max_ms: parsed
                    .long("errors.retry.delay.max.ms")
                    .unwrap_or(60_000)
                    .max(1) as u64,
                log_enable: parsed.boolean("errors.log.enable").unwrap_or(false),
                log_include_messages: parsed
                    .boolean("errors.log.include.messages")
                    .unwrap_or(false),
            },
            topic_creation: TopicCreation::parse(map, parsed.list("topic.creation.groups"))?,
        })
    }
}

/// Whether a name is acceptable as a connector name (Kafka rejects ISO control characters).
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("Connector name cannot be empty".to_string());
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "Connector name \"{name}\" contains invalid characters"
        ));
    }
    Ok(())
}

/// Compiles a list of Java regexes for topic-creation include/exclude lists.
pub(crate) fn compile_patterns(key: &str, patterns: &[String]) -> Result<Vec<Regex>, ConnectError> {
    patterns
        .iter()
        .map(|p| {
            Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                ConnectError::config(
                    key,
                    format!("Invalid value {p} for configuration {key}: {e}"),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_common_keys_and_converter_overrides() {
        let c = ConnectorConfig::parse(&map(&[
            ("name", "c1"),
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "3"),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "false"),
            ("key.converter.schemas.enable", "false"),
            ("errors.tolerance", "ALL"),
        ]))
        .unwrap();
        assert_eq!(c.tasks_max, 3);
        assert!(
            c.key_converter.is_none(),
            "key converter settings without a class have no effect"
        );
        let v = c.value_converter.unwrap();
        assert_eq!(
            v.settings.get("schemas.enable").map(String::as_str),
            Some("false")
        );
        assert_eq!(c.errors.tolerance, Tolerance::All);
    }

    #[test]
    fn tasks_max_not_a_number_is_named() {
        let err = ConnectorConfig::parse(&map(&[
            ("name", "c"),
            ("connector.class", "x"),
            ("tasks.max", "two"),
        ]))
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid value for configuration 'tasks.max': Invalid value two for configuration tasks.max: Not a number of type INT");
    }

    #[test]
    fn unsupported_keys_are_rejected() {
        for key in [
            "admin.override.retries",
            "offsets.storage.topic",
            "exactly.once.support",
        ] {
            let value = if key == "exactly.once.support" {
                "required"
            } else {
                "x"
            };
            let err = ConnectorConfig::parse(&map(&[
                ("name", "c"),
                ("connector.class", "x"),
                (key, value),
            ]))
            .unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }
}
