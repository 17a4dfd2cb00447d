//! The `transforms.<alias>.*` and `predicates.<alias>.*` keys: alias lists, class resolution, and
//! the per-alias key declarations Kafka adds to a connector's definition
//! (`ConnectorConfig.enrich`), with Kafka's groups, order and messages.
//!
//! Kafka embeds a plugin's keys under its alias prefix in `ConfigDef.sortedConfigs()` order
//! (ungrouped first, then by group, order in group, required before optional, importance, name)
//! and numbers them from 1 after the `type` key (0); the REST validate endpoint shows that order.

use strait_api::config::Width;
use strait_api::{
    ConfigKey, ConfigMap, ConfigType, Importance, PluginDesc, PluginKind, PluginRegistry,
};

/// The implicit key naming a transform's predicate alias.
pub(super) const PREDICATE: &str = "predicate";
/// The implicit key negating a transform's predicate.
pub(super) const NEGATE: &str = "negate";

/// The two alias families: transforms and predicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    Transforms,
    Predicates,
}

impl Family {
    /// The key listing the aliases.
    pub(super) fn list_key(self) -> &'static str {
        match self {
            Self::Transforms => "transforms",
            Self::Predicates => "predicates",
        }
    }

    /// The validation group of the list key; per-alias groups are `<group>: <alias>`.
    fn group(self) -> &'static str {
        match self {
            Self::Transforms => "Transforms",
            Self::Predicates => "Predicates",
        }
    }

    pub(super) fn kind(self) -> PluginKind {
        match self {
            Self::Transforms => PluginKind::Transformation,
            Self::Predicates => PluginKind::Predicate,
        }
    }

    /// Kafka's plugin interface name (`baseClass.getSimpleName()`).
    fn interface(self) -> &'static str {
        match self {
            Self::Transforms => "Transformation",
            Self::Predicates => "Predicate",
        }
    }

    /// The prefix of one alias's keys: `transforms.<alias>.`.
    pub(super) fn prefix(self, alias: &str) -> String {
        format!("{}.{alias}.", self.list_key())
    }

    /// The validation group of one alias: `Transforms: <alias>`.
    pub(super) fn alias_group(self, alias: &str) -> String {
        format!("{}: {alias}", self.group())
    }
}

/// The aliases of a family, each once in first-appearance order, and Kafka's error when the
/// list repeats one.
pub(super) fn aliases(config: &ConfigMap, family: Family) -> (Vec<String>, Option<String>) {
    let key = family.list_key();
    let listed: Vec<&str> = match config.get(key).map(|raw| raw.trim()) {
        None | Some("") => Vec::new(),
        Some(raw) => raw.split(',').map(str::trim).collect(),
    };
    let mut unique: Vec<String> = Vec::with_capacity(listed.len());
    for alias in &listed {
        if !unique.iter().any(|u| u == alias) {
            unique.push((*alias).to_string());
        }
    }
    let duplicate = (unique.len() < listed.len()).then(|| {
        format!(
            "Invalid value [{}] for configuration {key}: Duplicate alias provided.",
            listed.join(", ")
        )
    });
    (unique, duplicate)
}

/// How an alias's `type` value resolved.
pub(super) enum Resolution<'r> {
    Found(&'r PluginDesc),
    /// The key is absent: Kafka's "Missing required configuration" message.
    Missing(String),
    /// No plugin has this name: Kafka's "Class X could not be found." message.
    Unknown(String),
    /// A plugin of another kind has this name.
    WrongKind(&'r PluginDesc, String),
}

/// Resolves `<prefix>type` against the registry.
pub(super) fn resolve<'r>(
    registry: &'r PluginRegistry,
    family: Family,
    type_key: &str,
    config: &ConfigMap,
) -> Resolution<'r> {
    let Some(raw) = config.get(type_key) else {
        return Resolution::Missing(format!(
            "Missing required configuration \"{type_key}\" which has no default value."
        ));
    };
    if let Some(desc) = registry.find(&[family.kind()], raw) {
        return Resolution::Found(desc);
    }
    let all = [
        PluginKind::Source,
        PluginKind::Sink,
        PluginKind::Transformation,
        PluginKind::Predicate,
        PluginKind::Converter,
        PluginKind::HeaderConverter,
    ];
    match registry.find(&all, raw) {
        Some(other) => Resolution::WrongKind(
            other,
            format!(
                "Class class {} does not implement the {} interface",
                other.class,
                family.interface()
            ),
        ),
        None => Resolution::Unknown(format!(
            "Invalid value {raw} for configuration {type_key}: Class {raw} could not be found."
        )),
    }
}

/// The declaration of `<prefix>type`.
pub(super) fn type_key(family: Family, alias: &str) -> ConfigKey {
    let noun = family.interface().to_ascii_lowercase();
    ConfigKey::new(
        &format!("{}type", family.prefix(alias)),
        ConfigType::Class,
        Importance::High,
        &format!("Class for the '{alias}' {noun}."),
    )
    .group(&family.alias_group(alias), 0)
    .width(Width::Long)
    .display_name(&format!("{} type for {alias}", family.interface()))
}

/// The keys every transform has implicitly, which mask any of the transform's own with the
/// same names.
pub(super) fn implicit_transform_keys() -> [ConfigKey; 2] {
    [
        ConfigKey::new(
            PREDICATE,
            ConfigType::String,
            Importance::Medium,
            "The alias of a predicate used to determine whether to apply this transformation.",
        )
        .default_null(),
        ConfigKey::new(
            NEGATE,
            ConfigType::Boolean,
            Importance::Medium,
            "Whether the configured predicate should be negated.",
        )
        .default("false"),
    ]
}

/// Sorts a plugin's keys in Kafka's `ConfigDef.sortedConfigs()` order.
pub(super) fn kafka_order(mut keys: Vec<ConfigKey>) -> Vec<ConfigKey> {
    let mut groups: Vec<String> = Vec::new();
    for key in &keys {
        if let Some(g) = &key.group {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
    }
    let group_rank = |k: &ConfigKey| {
        k.group
            .as_ref()
            .and_then(|g| groups.iter().position(|x| x == g))
            .map_or(-1, |i| i as i64)
    };
    let importance_rank = |k: &ConfigKey| match k.importance {
        Importance::High => 0,
        Importance::Medium => 1,
        Importance::Low => 2,
    };
    keys.sort_by(|a, b| {
        group_rank(a)
            .cmp(&group_rank(b))
            .then(a.order_in_group.cmp(&b.order_in_group))
            .then(b.is_required().cmp(&a.is_required()))
            .then(importance_rank(a).cmp(&importance_rank(b)))
            .then(a.name.cmp(&b.name))
    });
    keys
}

/// A plugin key as embedded under an alias: prefixed name, the alias's group, and its position
/// after the `type` key.
pub(super) fn embedded(key: &ConfigKey, prefix: &str, group: &str, order: i32) -> ConfigKey {
    let mut embedded = key.clone();
    embedded.name = format!("{prefix}{}", key.name);
    embedded.group = Some(match &key.group {
        Some(own) => format!("{group}: {own}"),
        None => group.to_string(),
    });
    embedded.order_in_group = order;
    embedded
}

/// The keys under `prefix`, with the prefix stripped (Kafka's `originalsWithPrefix`).
pub(super) fn stripped(config: &ConfigMap, prefix: &str) -> ConfigMap {
    config
        .range(prefix.to_string()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k[prefix.len()..].to_string(), v.clone()))
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
    fn aliases_are_trimmed_deduplicated_and_duplicates_reported() {
        let (listed, dup) = aliases(&map(&[("transforms", " a , b,a ")]), Family::Transforms);
        assert_eq!(listed, ["a", "b"]);
        assert_eq!(
            dup.as_deref(),
            Some("Invalid value [a, b, a] for configuration transforms: Duplicate alias provided.")
        );
        let (listed, dup) = aliases(&map(&[("predicates", "")]), Family::Predicates);
        assert!(listed.is_empty() && dup.is_none());
    }

    #[test]
    fn stripped_keeps_only_the_prefix_family() {
        let config = map(&[
            ("transforms.a.type", "X"),
            ("transforms.a.regex", "r"),
            ("transforms.ab.type", "Y"),
            ("transforms.b.type", "Z"),
        ]);
        assert_eq!(
            stripped(&config, "transforms.a."),
            map(&[("type", "X"), ("regex", "r")])
        );
    }

    #[test]
    fn kafka_order_puts_required_then_important_then_by_name() {
        let key = |name: &str, imp, required: bool| {
            let k = ConfigKey::new(name, ConfigType::String, imp, "");
            if required {
                k
            } else {
                k.default_null()
            }
        };
        let sorted = kafka_order(vec![
            key("predicate", Importance::Medium, false),
            key("negate", Importance::Medium, false),
            key("zeta", Importance::High, true),
            key("low", Importance::Low, false),
            key("alpha", Importance::High, true),
            key("high", Importance::High, false),
        ]);
        let names: Vec<&str> = sorted.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            ["alpha", "zeta", "high", "negate", "predicate", "low"]
        );
    }
}
