//! The one list of every plugin this worker can run.
//!
//! Each plugin describes itself (Java class name, Strait alias, factory) in its own file;
//! adding a plugin means writing that file and adding one line here.

use strait_api::PluginRegistry;
use strait_runtime::converters::{
    ByteArrayConverter, JsonConverter, SimpleHeaderConverter, StringConverter,
};

/// Every connector, transform, predicate, converter and header converter.
pub fn registry() -> PluginRegistry {
    let mut r = PluginRegistry::new();
    // Source connectors.
    r.add(strait_connectors::file::plugin());
    r.add(strait_connectors::dynamodb::plugin());
    r.add(strait_connectors::mysql::plugin());
    r.add(strait_connectors::mysql::mariadb_plugin());
    // Transformations.
    r.add(strait_smt::filter::plugin());
    r.add(strait_smt::regex_router::plugin());
    // Predicates.
    r.add(strait_smt::predicates::record_is_tombstone::plugin());
    r.add(strait_smt::predicates::topic_name_matches::plugin());
    // Converters.
    r.add(JsonConverter::converter_plugin());
    r.add(StringConverter::plugin());
    r.add(ByteArrayConverter::plugin());
    // Header converters.
    r.add(SimpleHeaderConverter::plugin());
    r.add(JsonConverter::header_converter_plugin());
    r.add(StringConverter::header_converter_plugin());
    r.add(ByteArrayConverter::header_converter_plugin());
    r
}

#[cfg(test)]
mod tests {
    use strait_api::PluginKind;

    use super::*;

    #[test]
    fn java_class_names_and_aliases_resolve() {
        let r = registry();
        let cases = [
            (
                PluginKind::Source,
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
            ),
            (PluginKind::Source, "FileStreamSource"),
            (
                PluginKind::Transformation,
                "org.apache.kafka.connect.transforms.RegexRouter",
            ),
            (
                PluginKind::Predicate,
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            (
                PluginKind::Converter,
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (PluginKind::Converter, "JsonConverter"),
            (
                PluginKind::HeaderConverter,
                "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            ),
            (PluginKind::HeaderConverter, "simple-header"),
            (PluginKind::Converter, "json"),
            (
                PluginKind::Converter,
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (PluginKind::Converter, "string"),
            (
                PluginKind::Converter,
                "org.apache.kafka.connect.converters.ByteArrayConverter",
            ),
            (PluginKind::Converter, "bytearray"),
            (PluginKind::HeaderConverter, "json"),
            (PluginKind::HeaderConverter, "string"),
        ];
        for (kind, name) in cases {
            assert!(
                r.find(&[kind], name).is_some(),
                "{name} not found as {kind:?}"
            );
        }
        assert!(r
            .find(
                &[PluginKind::Source],
                "org.apache.kafka.connect.json.JsonConverter"
            )
            .is_none());
    }
}
