//! KIP-158 topic creation for the topics a source connector writes to.
//!
//! Active when the worker has `topic.creation.enable=true` and the connector sets any
//! `topic.creation.*` key. The `default` group needs `replication.factor` and `partitions`
//! (`-1`: broker default); named groups listed in `topic.creation.groups` match topics by
//! `include`/`exclude` regex lists (exclusion wins) and inherit the default's counts. Every
//! other `topic.creation.<group>.<key>` is passed to the broker as a topic config. The first
//! matching group in listed order wins, `default` last.

use std::collections::BTreeMap;

use regex::Regex;
use strait_api::config::ConfigMap;
use strait_api::ConnectError;

use super::connector_config::compile_patterns;
use crate::kafka::TopicSpec;

const PREFIX: &str = "topic.creation.";

#[derive(Clone, Debug)]
struct Group {
    name: String,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
    partitions: i32,
    replication_factor: i16,
    configs: BTreeMap<String, String>,
}

impl Group {
    fn matches(&self, topic: &str) -> bool {
        !self.exclude.iter().any(|r| r.is_match(topic))
            && self.include.iter().any(|r| r.is_match(topic))
    }
}

/// The topic-creation rules of one connector.
#[derive(Clone, Debug, Default)]
pub struct TopicCreation {
    groups: Vec<Group>,
}

impl TopicCreation {
    /// Parses the `topic.creation.*` keys; empty when the connector sets none.
    ///
    /// # Errors
    /// A config error naming the missing or invalid key.
    pub fn parse(map: &ConfigMap, group_names: &[String]) -> Result<Self, ConnectError> {
        let any = map
            .keys()
            .any(|k| k.starts_with(PREFIX) && k != "topic.creation.groups");
        if !any {
            return Ok(Self::default());
        }
        let int = |key: &str, required: bool, fallback: i64| -> Result<i64, ConnectError> {
            match map.get(key) {
                Some(raw) => {
                    let v: i64 = raw.trim().parse().map_err(|_| {
                        ConnectError::config(key, format!("Invalid value {raw} for configuration {key}: Not a number of type INT"))
                    })?;
                    if v == 0 || v < -1 {
                        return Err(ConnectError::config(key, format!(
                            "Invalid value {raw} for configuration {key}: Value must be -1 (the broker default) or at least 1"
                        )));
                    }
                    Ok(v)
                }
                None if required => Err(ConnectError::config(
                    key,
                    format!("Missing required configuration \"{key}\" which has no default value."),
                )),
                None => Ok(fallback),
            }
        };
        let default_rf = int("topic.creation.default.replication.factor", true, 0)?;
        let default_parts = int("topic.creation.default.partitions", true, 0)?;
        let mut groups = Vec::new();
        let mut names: Vec<&str> = group_names
            .iter()
            .map(String::as_str)
            .filter(|g| *g != "default")
            .collect();
        names.push("default");
        for name in names {
            let p = format!("{PREFIX}{name}.");
            let list = |suffix: &str, fallback: &str| -> Vec<String> {
                let raw = map
                    .get(&format!("{p}{suffix}"))
                    .map(String::as_str)
                    .unwrap_or(fallback);
                raw.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            let include_default = if name == "default" { ".*" } else { "" };
            let configs = map
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&p).map(|rest| (rest.to_string(), v.clone())))
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "include" | "exclude" | "partitions" | "replication.factor"
                    )
                })
                .collect();
            groups.push(Group {
                name: name.to_string(),
                include: compile_patterns(
                    &format!("{p}include"),
                    &list("include", include_default),
                )?,
                exclude: compile_patterns(&format!("{p}exclude"), &list("exclude", ""))?,
                partitions: int(&format!("{p}partitions"), false, default_parts)? as i32,
                replication_factor: int(&format!("{p}replication.factor"), false, default_rf)?
                    as i16,
                configs,
            });
        }
        Ok(Self { groups })
    }

    /// Whether the connector asked for topic creation at all.
    pub fn is_enabled(&self) -> bool {
        !self.groups.is_empty()
    }

    /// The topic to create for `topic`, by the first matching group.
    pub fn spec_for(&self, topic: &str) -> Option<TopicSpec> {
        let g = self.groups.iter().find(|g| g.matches(topic))?;
        tracing::debug!(topic, group = %g.name, "topic creation group matched");
        Some(TopicSpec {
            name: topic.to_string(),
            partitions: g.partitions,
            replication_factor: g.replication_factor,
            configs: g.configs.clone(),
        })
    }
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
    fn groups_match_in_order_with_exclusion_winning() {
        let m = map(&[
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "3"),
            ("topic.creation.compacted.include", "db\\..*"),
            ("topic.creation.compacted.exclude", "db\\.skip"),
            ("topic.creation.compacted.cleanup.policy", "compact"),
            ("topic.creation.compacted.partitions", "1"),
        ]);
        let tc = TopicCreation::parse(&m, &["compacted".to_string()]).unwrap();
        let s = tc.spec_for("db.users").unwrap();
        assert_eq!((s.partitions, s.replication_factor), (1, 1));
        assert_eq!(
            s.configs.get("cleanup.policy").map(String::as_str),
            Some("compact")
        );
        let d = tc.spec_for("db.skip").unwrap();
        assert_eq!((d.partitions, d.replication_factor), (3, 1));
        assert!(d.configs.is_empty());
    }

    #[test]
    fn default_counts_are_required() {
        let err = TopicCreation::parse(&map(&[("topic.creation.default.partitions", "3")]), &[])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("topic.creation.default.replication.factor"),
            "{err}"
        );
        assert!(!TopicCreation::parse(&map(&[]), &[]).unwrap().is_enabled());
    }
}
