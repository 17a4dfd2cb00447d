//! `org.apache.kafka.connect.transforms.predicates.TopicNameMatches`: true when the record's
//! whole topic name matches `pattern`.

use regex::Regex;
use strait_api::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, ConnectError, Importance, PluginDesc,
    PluginFactory, Predicate, Result, SourceRecord,
};

use crate::java_regex;

/// Kafka's class name.
pub const CLASS: &str = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches";
/// The regular expression key.
pub const PATTERN: &str = "pattern";

/// Matches records whose topic name matches a regular expression as a whole.
#[derive(Clone, Debug, Default)]
pub struct TopicNameMatches {
    /// `None` until configured; an unconfigured predicate matches nothing.
    pattern: Option<Regex>,
}

impl Predicate for TopicNameMatches {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(
            ConfigKey::new(
                PATTERN,
                ConfigType::String,
                Importance::Medium,
                "A Java regular expression for matching against the name of a record's topic.",
            )
            .validator(java_regex::validator(true)),
        )
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = self.config_def().parse(config)?;
        let pattern = parsed.string(PATTERN).unwrap_or_default();
        let regex = java_regex::full_match(pattern).map_err(|e| {
            ConnectError::config(
                PATTERN,
                format!(
                    "Invalid value {pattern} for configuration {PATTERN}: entry must be a \
                     Java-compatible regular expression: {e}"
                ),
            )
        })?;
        self.pattern = Some(regex);
        Ok(())
    }

    fn test(&self, record: &SourceRecord) -> bool {
        self.pattern
            .as_ref()
            .is_some_and(|p| p.is_match(&record.topic))
    }
}

/// The registry entry: Kafka's class name and the Strait alias `topic-name-matches`.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["topic-name-matches"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Predicate(|| Box::new(TopicNameMatches::default())),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginRegistry, Value};

    use super::*;

    fn configured(pattern: &str) -> Result<TopicNameMatches> {
        let mut p = TopicNameMatches::default();
        p.configure(&[(PATTERN.to_string(), pattern.to_string())].into())?;
        Ok(p)
    }

    fn on(topic: &str) -> SourceRecord {
        SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            None,
            Value::Null,
        )
    }

    #[test]
    fn matches_the_whole_topic_name() {
        let p = configured("db\\.(orders|users)").unwrap();
        assert!(p.test(&on("db.orders")));
        assert!(p.test(&on("db.users")));
        assert!(!p.test(&on("db.orders.v2")), "a prefix match is not enough");
        assert!(!p.test(&on("xdb.orders")));
        assert!(!TopicNameMatches::default().test(&on("db.orders")));
    }

    #[test]
    fn bad_patterns_are_config_errors_in_kafkas_words() {
        let message = |pattern: &str| match configured(pattern) {
            Err(ConnectError::Config { key, message }) => {
                assert_eq!(key, PATTERN);
                message
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(""),
            "Invalid value  for configuration pattern: String must be non-empty"
        );
        assert!(
            message("(").starts_with("Invalid value ( for configuration pattern: Invalid regex: ")
        );
        let missing = TopicNameMatches::default()
            .config_def()
            .validate(&ConfigMap::new());
        assert_eq!(
            missing[0].errors,
            ["Missing required configuration \"pattern\" which has no default value."]
        );
    }

    #[test]
    fn registered_under_kafkas_names() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        for name in [CLASS, "TopicNameMatches", "topic-name-matches"] {
            assert!(registry.predicate(name).is_ok(), "{name}");
        }
    }
}
