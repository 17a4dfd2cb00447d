//! Source offsets indexed by meaning, remembering the exact key bytes they were stored under.
//!
//! An offsets-topic key is the compact JSON `["<connector>",{<partition>}]`, where the partition
//! map's field order is whatever Java `Map` the connector built. Kafka looks offsets up by exact
//! key bytes; Strait looks them up by meaning (the partition with its fields sorted), so a
//! partition written by a Java worker as `{"table":"t","shard":"s"}` is found when asked for as
//! `{"shard":"s","table":"t"}`. The index keeps the original key bytes, and every later write or
//! tombstone for that partition reuses them: a key with different bytes would be a different
//! record to compaction, and the stale one would never go away.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use strait_api::OffsetMap;

use crate::storage::json::{to_java_json, write_java_json};

/// One stored offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OffsetEntry {
    /// The key bytes exactly as first stored.
    pub(crate) key: Vec<u8>,
    /// The partition map, in its stored field order.
    pub(crate) partition: OffsetMap,
    /// The offset value bytes.
    pub(crate) value: Vec<u8>,
}

impl OffsetEntry {
    /// The offset map, or `None` (logged) when the stored value is not a map of primitives.
    pub(crate) fn offset(&self, connector: &str) -> Option<OffsetMap> {
        match serde_json::from_slice::<Value>(&self.value) {
            Ok(Value::Object(map)) => match validate_format(&map) {
                Ok(()) => Some(map),
                Err(err) => {
                    tracing::error!(
                        connector,
                        error = %err,
                        "stored offset is not valid; ignoring it"
                    );
                    None
                }
            },
            Ok(Value::Null) => None,
            Ok(_) | Err(_) => {
                tracing::error!(connector, "stored offset is not a json map; ignoring it");
                None
            }
        }
    }
}

/// Offsets by connector, then by canonical partition.
#[derive(Clone, Debug, Default)]
pub(crate) struct OffsetIndex {
    connectors: HashMap<String, BTreeMap<String, OffsetEntry>>,
}

impl OffsetIndex {
    /// Applies one stored record: a value sets the partition's offset, a tombstone removes it.
    pub(crate) fn apply(&mut self, key: Option<&[u8]>, value: Option<&[u8]>) {
        let Some(key) = key else {
            tracing::warn!("ignoring offset record with a null key");
            return;
        };
        let Some((connector, partition)) = parse_key(key) else {
            tracing::warn!(
                key = %String::from_utf8_lossy(key),
                "ignoring offset record whose key is not [\"<connector>\",{{...}}]"
            );
            return;
        };
        let canonical = canonical(&partition);
        match value {
            Some(value) => {
                self.connectors.entry(connector).or_default().insert(
                    canonical,
                    OffsetEntry {
                        key: key.to_vec(),
                        partition,
                        value: value.to_vec(),
                    },
                );
            }
            None => {
                if let Some(entries) = self.connectors.get_mut(&connector) {
                    // A tombstone for other key bytes leaves a same-meaning entry alone, as
                    // Kafka's byte-keyed map does.
                    if entries.get(&canonical).is_some_and(|e| e.key == key) {
                        entries.remove(&canonical);
                    }
                }
            }
        }
    }

    /// The stored entry for a partition, whatever its field order.
    pub(crate) fn get(&self, connector: &str, partition: &OffsetMap) -> Option<&OffsetEntry> {
        self.connectors.get(connector)?.get(&canonical(partition))
    }

    /// The key to write for a partition: the stored bytes if the partition is known, else the
    /// partition serialized in its own field order.
    pub(crate) fn key_for(&self, connector: &str, partition: &OffsetMap) -> Vec<u8> {
        match self.get(connector, partition) {
            Some(entry) => entry.key.clone(),
            None => encode_key(connector, partition),
        }
    }

    /// Every partition of a connector with a valid offset, ordered by canonical partition.
    pub(crate) fn partitions(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        self.connectors
            .get(connector)
            .map(|entries| {
                entries
                    .values()
                    .filter_map(|e| Some((e.partition.clone(), e.offset(connector)?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `["<connector>",{<partition>}]` as Kafka's internal JsonConverter writes it.
pub(crate) fn encode_key(connector: &str, partition: &OffsetMap) -> Vec<u8> {
    to_java_json(&(connector, partition))
}

/// An offset value, or `None` for a tombstone.
pub(crate) fn encode_value(offset: Option<&OffsetMap>) -> Option<Vec<u8>> {
    offset.map(to_java_json)
}

/// Kafka's `OffsetUtils.processPartitionKey`: a two-element list of a string and a map.
pub(crate) fn parse_key(key: &[u8]) -> Option<(String, OffsetMap)> {
    let Value::Array(mut parts) = serde_json::from_slice::<Value>(key).ok()? else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let Value::Object(partition) = parts.pop()? else {
        return None;
    };
    let Value::String(connector) = parts.pop()? else {
        return None;
    };
    Some((connector, partition))
}

/// Kafka's `OffsetUtils.validateFormat`: values must be null or primitive (no lists or maps).
pub(crate) fn validate_format(map: &OffsetMap) -> Result<(), String> {
    for (field, value) in map {
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            return Err(format!(
                "offsets may only contain primitive types as values, but field '{field}' contains {}",
                if value.is_array() { "an array" } else { "a map" }
            ));
        }
    }
    Ok(())
}

/// The partition with its fields sorted (recursively), as compact JSON.
fn canonical(partition: &OffsetMap) -> String {
    let mut out = Vec::with_capacity(64);
    write_canonical(&mut out, partition);
    String::from_utf8_lossy(&out).into_owned()
}

fn write_canonical(out: &mut Vec<u8>, map: &OffsetMap) {
    let mut fields: Vec<(&String, &Value)> = map.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (field, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_java_json(out, field);
        out.push(b':');
        match value {
            Value::Object(inner) => write_canonical(out, inner),
            other => write_java_json(out, other),
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: &str) -> OffsetMap {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn key_bytes_match_kafka() {
        let partition = map(r#"{"server":"dbserver1"}"#);
        assert_eq!(
            encode_key("inventory-connector", &partition),
            br#"["inventory-connector",{"server":"dbserver1"}]"#
        );
        // Field order of the connector's own map is kept for new keys.
        let partition = map(r#"{"table":"orders","shard":"shardId-1"}"#);
        assert_eq!(
            encode_key("dyn", &partition),
            br#"["dyn",{"table":"orders","shard":"shardId-1"}]"#
        );
        assert_eq!(encode_value(None), None);
    }

    #[test]
    fn lookups_ignore_field_order_and_writes_reuse_original_key_bytes() {
        let mut index = OffsetIndex::default();
        let java_key = br#"["dyn",{"table":"orders","shard":"s1"}]"#;
        index.apply(Some(java_key), Some(br#"{"seq":"1"}"#));
        let ours = map(r#"{"shard":"s1","table":"orders"}"#);
        let entry = index.get("dyn", &ours).unwrap();
        assert_eq!(entry.offset("dyn"), Some(map(r#"{"seq":"1"}"#)));
        assert_eq!(index.key_for("dyn", &ours), java_key.to_vec());
        // Unknown partitions are serialized in their own order.
        let new = map(r#"{"shard":"s2","table":"orders"}"#);
        assert_eq!(
            index.key_for("dyn", &new),
            br#"["dyn",{"shard":"s2","table":"orders"}]"#.to_vec()
        );
        // A tombstone under the original bytes removes the partition.
        index.apply(Some(java_key), None);
        assert!(index.get("dyn", &ours).is_none());
    }

    #[test]
    fn tombstone_with_other_key_bytes_keeps_the_entry() {
        let mut index = OffsetIndex::default();
        index.apply(Some(br#"["c",{"a":1,"b":2}]"#), Some(br#"{"o":1}"#));
        index.apply(Some(br#"["c",{"b":2,"a":1}]"#), None);
        assert!(index.get("c", &map(r#"{"a":1,"b":2}"#)).is_some());
    }

    #[test]
    fn malformed_keys_are_ignored() {
        let mut index = OffsetIndex::default();
        for key in [
            &b"not json"[..],
            br#"{"a":1}"#,
            br#"["c"]"#,
            br#"[1,{}]"#,
            br#"["c",null]"#,
            br#"["c",{},3]"#,
        ] {
            index.apply(Some(key), Some(b"{}"));
        }
        index.apply(None, Some(b"{}"));
        assert!(index.connectors.is_empty());
    }

    #[test]
    fn partitions_lists_valid_offsets_only() {
        let mut index = OffsetIndex::default();
        index.apply(Some(br#"["c",{"f":"b"}]"#), Some(br#"{"pos":2}"#));
        index.apply(Some(br#"["c",{"f":"a"}]"#), Some(br#"{"pos":1}"#));
        index.apply(Some(br#"["c",{"f":"x"}]"#), Some(br#"{"pos":[1]}"#));
        index.apply(Some(br#"["other",{"f":"a"}]"#), Some(br#"{"pos":9}"#));
        let partitions = index.partitions("c");
        assert_eq!(
            partitions,
            vec![
                (map(r#"{"f":"a"}"#), map(r#"{"pos":1}"#)),
                (map(r#"{"f":"b"}"#), map(r#"{"pos":2}"#)),
            ]
        );
    }

    #[test]
    fn validate_format_rejects_nested_values() {
        assert!(validate_format(&map(r#"{"a":1,"b":"x","c":null,"d":true,"e":1.5}"#)).is_ok());
        let err = validate_format(&map(r#"{"a":{"b":1}}"#)).unwrap_err();
        assert!(err.contains("field 'a'"), "{err}");
        assert!(validate_format(&map(r#"{"a":[1]}"#)).is_err());
    }
}
