//! `org.apache.kafka.connect.transforms.Filter`: drops every record.
//!
//! On its own it drops everything; it is meant to be paired with a predicate
//! (`transforms.<alias>.predicate`, optionally negated) so it drops only the records that match.

use strait_api::{
    ConfigDef, ConfigMap, PluginDesc, PluginFactory, Result, SourceRecord, Transformation,
};

/// Kafka's class name.
pub const CLASS: &str = "org.apache.kafka.connect.transforms.Filter";

/// Drops every record it is applied to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter;

impl Transformation for Filter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn apply(&mut self, _record: SourceRecord) -> Result<Option<SourceRecord>> {
        Ok(None)
    }
}

/// The registry entry: Kafka's class name and the Strait alias `filter`.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["filter"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Transformation(|| Box::new(Filter)),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginRegistry, Schema, Value};

    use super::*;

    #[test]
    fn drops_every_record_and_is_found_by_kafkas_names() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        for name in [CLASS, "Filter", "filter"] {
            let mut filter = registry.transformation(name).unwrap();
            filter.configure(&ConfigMap::new()).unwrap();
            let record = SourceRecord::new(
                Default::default(),
                Default::default(),
                "t",
                Some(Schema::string()),
                Value::String("v".into()),
            );
            assert_eq!(filter.apply(record).unwrap(), None, "{name}");
        }
        assert!(Filter.config_def().keys().is_empty());
    }
}
