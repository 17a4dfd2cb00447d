//! Source offsets: the offsets topic (distributed), the offsets file (standalone), or memory.
//!
//! Every backend stores the same records Kafka Connect does: key `["<connector>",{<partition>}]`
//! and value `{<offset>}` (or a tombstone), as compact JSON. Offsets are looked up by meaning and
//! rewritten under their original key bytes (see [`index`]). Numbers keep their exact text (the
//! workspace enables `serde_json`'s `arbitrary_precision`), so a Java worker's `1.0E10` or a
//! 30-digit sequence number survives a read and a rewrite unchanged.
//!
//! [`OffsetStore`] is what the worker uses; [`ConnectorOffsetReader`] is the read-only view a
//! source task gets, bound to its connector. Stores are ready when constructed: the constructors
//! create or check the topic (or read the file) and load every offset.

mod file;
mod index;
mod java_hashmap;
mod kafka;
mod memory;

use std::sync::Arc;

use async_trait::async_trait;
use strait_api::{OffsetMap, OffsetStorageReader};

pub use file::FileOffsetStore;
pub use kafka::KafkaOffsetStore;
pub use memory::MemoryOffsetStore;

use self::index::{encode_value, validate_format, OffsetIndex};
use super::log::KeyedRecord;
use super::StorageError;

/// Where the worker keeps source offsets.
#[async_trait]
pub trait OffsetStore: Send + Sync + std::fmt::Debug {
    /// The committed offset of one source partition (after catching up with other writers).
    async fn get(
        &self,
        connector: &str,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, StorageError>;

    /// Stores offsets (`None` deletes a partition's offset). Durable when it returns: produced
    /// and acknowledged, or written to the file.
    async fn put(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> Result<(), StorageError>;

    /// Every partition of a connector with its offset (the REST `/offsets` endpoint).
    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<(OffsetMap, OffsetMap)>, StorageError>;
}

/// A source task's read-only view of its connector's offsets.
#[derive(Clone, Debug)]
pub struct ConnectorOffsetReader {
    store: Arc<dyn OffsetStore>,
    connector: String,
}

impl ConnectorOffsetReader {
    /// A reader for `connector`'s offsets.
    pub fn new(store: Arc<dyn OffsetStore>, connector: impl Into<String>) -> Self {
        Self {
            store,
            connector: connector.into(),
        }
    }
}

#[async_trait]
impl OffsetStorageReader for ConnectorOffsetReader {
    async fn offset(&self, partition: &OffsetMap) -> strait_api::Result<Option<OffsetMap>> {
        validate_format(partition).map_err(|message| StorageError::InvalidOffset {
            connector: self.connector.clone(),
            message: format!("source partition: {message}"),
        })?;
        Ok(self.store.get(&self.connector, partition).await?)
    }
}

/// Validates a batch and turns it into records keyed as the index says (original bytes for
/// known partitions).
fn prepare_records(
    index: &OffsetIndex,
    connector: &str,
    offsets: &[(OffsetMap, Option<OffsetMap>)],
) -> Result<Vec<KeyedRecord>, StorageError> {
    let invalid = |what: &str, message: String| StorageError::InvalidOffset {
        connector: connector.to_string(),
        message: format!("{what}: {message}"),
    };
    offsets
        .iter()
        .map(|(partition, offset)| {
            validate_format(partition).map_err(|m| invalid("source partition", m))?;
            if let Some(offset) = offset {
                validate_format(offset).map_err(|m| invalid("source offset", m))?;
            }
            Ok((
                index.key_for(connector, partition),
                encode_value(offset.as_ref()),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: &str) -> OffsetMap {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn reader_is_bound_to_its_connector_and_validates_partitions() {
        let store = Arc::new(MemoryOffsetStore::new());
        store
            .put("a", vec![(map(r#"{"p":1}"#), Some(map(r#"{"o":1}"#)))])
            .await
            .unwrap();
        store
            .put("b", vec![(map(r#"{"p":1}"#), Some(map(r#"{"o":2}"#)))])
            .await
            .unwrap();
        let reader = ConnectorOffsetReader::new(store.clone(), "b");
        assert_eq!(
            reader.offset(&map(r#"{"p":1}"#)).await.unwrap(),
            Some(map(r#"{"o":2}"#))
        );
        assert_eq!(reader.offset(&map(r#"{"p":2}"#)).await.unwrap(), None);
        let err = reader.offset(&map(r#"{"p":[1]}"#)).await.unwrap_err();
        assert!(err.is_data(), "{err:?}");
    }

    #[tokio::test]
    async fn nested_offset_values_are_rejected_before_anything_is_written() {
        let store = MemoryOffsetStore::new();
        let err = store
            .put(
                "c",
                vec![
                    (map(r#"{"p":1}"#), Some(map(r#"{"o":1}"#))),
                    (map(r#"{"p":2}"#), Some(map(r#"{"o":{"nested":true}}"#))),
                ],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::InvalidOffset { .. }), "{err:?}");
        assert!(store.connector_partitions("c").await.unwrap().is_empty());
    }
}
