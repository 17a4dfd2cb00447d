//! `org.apache.kafka.connect.transforms.predicates.RecordIsTombstone`: true when the record's
//! value is null, whatever its schema (Kafka tests `value() == null`).

use strait_api::{
    ConfigDef, ConfigMap, PluginDesc, PluginFactory, Predicate, Result, SourceRecord,
};

/// Kafka's class name.
pub const CLASS: &str = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone";

/// Matches records whose value is null.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn test(&self, record: &SourceRecord) -> bool {
        record.value.is_null()
    }
}

/// The registry entry: Kafka's class name and the Strait alias `record-is-tombstone`.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["record-is-tombstone"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Predicate(|| Box::new(RecordIsTombstone)),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginRegistry, Schema, Value};

    use super::*;

    fn record(schema: Option<Schema>, value: Value) -> SourceRecord {
        SourceRecord::new(Default::default(), Default::default(), "t", schema, value)
    }

    #[test]
    fn matches_null_values_only() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        let p = registry.predicate("RecordIsTombstone").unwrap();
        assert!(p.test(&record(None, Value::Null)));
        assert!(p.test(&record(Some(Schema::optional_string()), Value::Null)));
        assert!(!p.test(&record(
            Some(Schema::string()),
            Value::String(Default::default())
        )));
        assert!(!p.test(&record(None, Value::Bytes(Vec::new()))));
    }
}
