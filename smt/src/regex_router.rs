//! `org.apache.kafka.connect.transforms.RegexRouter`: renames the topic of records whose whole
//! topic name matches `regex`, using `replacement` with Java's `$1`/`${name}` group syntax.
//!
//! Like Kafka, the new name is what `Matcher.replaceFirst` gives after `Matcher.matches()`
//! succeeded: the first match from the start of the name is replaced and anything after it is
//! kept. The new topic is built in a buffer that is swapped with the record's old topic string,
//! so routing a record allocates nothing once the buffer has grown. Unlike Kafka, an illegal
//! group reference in `replacement` is a config error at `configure` instead of a failure of the
//! first matching record.

use regex::{CaptureLocations, Regex};
use strait_api::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, ConnectError, Importance, PluginDesc,
    PluginFactory, Result, SourceRecord, Transformation,
};

use crate::java_regex::{self, Replacement};

/// Kafka's class name.
pub const CLASS: &str = "org.apache.kafka.connect.transforms.RegexRouter";
/// The regular expression key.
pub const REGEX: &str = "regex";
/// The replacement key.
pub const REPLACEMENT: &str = "replacement";

/// Routes records to a topic derived from their current one.
#[derive(Debug, Default)]
pub struct RegexRouter {
    /// `None` until configured.
    route: Option<Route>,
}

#[derive(Debug)]
struct Route {
    /// Decides whether a topic is routed (`Matcher.matches()`).
    full: Regex,
    /// Finds the match that is replaced (`Matcher.find()` from the start).
    prefix: Regex,
    replacement: Replacement,
    groups: CaptureLocations,
    /// Receives the new topic; afterwards holds the old one, reused for the next record.
    buffer: String,
}

impl Route {
    fn reroute(&mut self, topic: &mut String) {
        let Some(found) = self.prefix.captures_read(&mut self.groups, topic) else {
            return;
        };
        let end = found.end();
        if end != topic.len() && !self.full.is_match(topic) {
            return;
        }
        self.buffer.clear();
        self.replacement
            .expand(topic, &self.groups, &mut self.buffer);
        self.buffer.push_str(&topic[end..]);
        std::mem::swap(topic, &mut self.buffer);
    }
}

impl Transformation for RegexRouter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(
                    REGEX,
                    ConfigType::String,
                    Importance::High,
                    "Regular expression to use for matching.",
                )
                .validator(java_regex::validator(false)),
            )
            .define(ConfigKey::new(
                REPLACEMENT,
                ConfigType::String,
                Importance::High,
                "Replacement string.",
            ))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = self.config_def().parse(config)?;
        let pattern = parsed.string(REGEX).unwrap_or_default();
        let replacement = parsed.string(REPLACEMENT).unwrap_or_default();
        let invalid_regex = |e: regex::Error| {
            ConnectError::config(
                REGEX,
                format!("Invalid value {pattern} for configuration {REGEX}: Invalid regex: {e}"),
            )
        };
        let full = java_regex::full_match(pattern).map_err(invalid_regex)?;
        let prefix = java_regex::prefix_match(pattern).map_err(invalid_regex)?;
        let replacement = Replacement::parse(replacement, &prefix).map_err(|why| {
            ConnectError::config(
                REPLACEMENT,
                format!("Invalid value {replacement} for configuration {REPLACEMENT}: {why}"),
            )
        })?;
        self.route = Some(Route {
            groups: prefix.capture_locations(),
            full,
            prefix,
            replacement,
            buffer: String::new(),
        });
        Ok(())
    }

    fn apply(&mut self, mut record: SourceRecord) -> Result<Option<SourceRecord>> {
        let route = self
            .route
            .as_mut()
            .ok_or_else(|| ConnectError::fatal("RegexRouter applied before it was configured"))?;
        route.reroute(&mut record.topic);
        Ok(Some(record))
    }
}

/// The registry entry: Kafka's class name and the Strait alias `regex-router`.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["regex-router"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Transformation(|| Box::new(RegexRouter::default())),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginRegistry, Schema, Value};

    use super::*;

    fn router(regex: &str, replacement: &str) -> Result<RegexRouter> {
        let mut r = RegexRouter::default();
        r.configure(
            &[
                (REGEX.to_string(), regex.to_string()),
                (REPLACEMENT.to_string(), replacement.to_string()),
            ]
            .into(),
        )?;
        Ok(r)
    }

    fn routed(r: &mut RegexRouter, topic: &str) -> String {
        let record = SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            Some(Schema::string()),
            Value::String("v".into()),
        )
        .with_timestamp(42);
        let out = r.apply(record).unwrap().unwrap();
        assert_eq!(out.timestamp, Some(42), "only the topic changes");
        assert_eq!(out.value, Value::String("v".into()));
        out.topic
    }

    #[test]
    fn renames_whole_matches_with_java_group_references() {
        let mut r = router("(.*)customers_(.*)", "$1customers-latest-$2").unwrap();
        assert_eq!(routed(&mut r, "dbcustomers_v1"), "dbcustomers-latest-v1");
        assert_eq!(
            routed(&mut r, "orders"),
            "orders",
            "no match leaves the topic"
        );
        let mut r = router("mysql\\.(?<db>\\w+)\\.(?<table>\\w+)", "${db}_${table}").unwrap();
        assert_eq!(routed(&mut r, "mysql.shop.orders"), "shop_orders");
        assert_eq!(routed(&mut r, "mysql.shop.orders.x"), "mysql.shop.orders.x");
    }

    #[test]
    fn the_replaced_match_is_javas_first_find() {
        // `a|ab` matches "ab" as a whole, but replaceFirst replaces the first find: "a".
        let mut r = router("a|ab", "X").unwrap();
        assert_eq!(routed(&mut r, "ab"), "Xb");
        assert_eq!(routed(&mut r, "a"), "X");
    }

    #[test]
    fn the_reused_buffer_never_leaks_into_the_next_topic() {
        let mut r = router("t(\\d+)", "topic-$1").unwrap();
        assert_eq!(routed(&mut r, "t1234567890"), "topic-1234567890");
        assert_eq!(routed(&mut r, "t1"), "topic-1");
        assert_eq!(routed(&mut r, "x"), "x");
        assert_eq!(routed(&mut r, "t22"), "topic-22");
    }

    #[test]
    fn config_errors_name_the_key_in_kafkas_words() {
        let error = |regex: &str, replacement: &str| match router(regex, replacement) {
            Err(ConnectError::Config { key, message }) => (key, message),
            other => panic!("{other:?}"),
        };
        let (key, message) = error("(", "x");
        assert_eq!(key, REGEX);
        assert!(message.starts_with("Invalid value ( for configuration regex: Invalid regex: "));
        assert_eq!(
            error("(a)", "$2"),
            (
                REPLACEMENT.to_string(),
                "Invalid value $2 for configuration replacement: No group 2".to_string()
            )
        );
        let mut missing = RegexRouter::default();
        let Err(ConnectError::Config { key, message }) = missing.configure(&ConfigMap::new())
        else {
            panic!("missing keys must fail")
        };
        assert_eq!(key, REGEX);
        assert_eq!(
            message,
            "Missing required configuration \"regex\" which has no default value."
        );
    }

    #[test]
    fn unconfigured_router_fails_instead_of_passing_records_through() {
        let record = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        assert!(RegexRouter::default().apply(record).is_err());
    }

    #[test]
    fn registered_under_kafkas_names() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        for name in [CLASS, "RegexRouter", "regex-router"] {
            assert!(registry.transformation(name).is_ok(), "{name}");
        }
    }
}
