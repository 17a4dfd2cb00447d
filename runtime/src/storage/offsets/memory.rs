//! Offsets kept in memory only: for tests and for workers that do not need to survive a restart.

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use strait_api::OffsetMap;

use super::index::OffsetIndex;
use super::{prepare_records, OffsetStore};
use crate::storage::StorageError;

/// Offsets in memory, with the same keys, validation and lookups as the durable stores.
#[derive(Debug, Default)]
pub struct MemoryOffsetStore {
    index: Mutex<OffsetIndex>,
}

impl MemoryOffsetStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn index(&self) -> MutexGuard<'_, OffsetIndex> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl OffsetStore for MemoryOffsetStore {
    async fn get(
        &self,
        connector: &str,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, StorageError> {
        Ok(self
            .index()
            .get(connector, partition)
            .and_then(|entry| entry.offset(connector)))
    }

    async fn put(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> Result<(), StorageError> {
        let mut index = self.index();
        let records = prepare_records(&index, connector, &offsets)?;
        for (key, value) in &records {
            index.apply(Some(key), value.as_deref());
        }
        Ok(())
    }

    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<(OffsetMap, OffsetMap)>, StorageError> {
        Ok(self.index().partitions(connector))
    }
}
