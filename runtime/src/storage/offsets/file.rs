//! Offsets in `offset.storage.file.filename`, for standalone workers (Kafka's
//! `FileOffsetBackingStore`).
//!
//! The file is a Java-serialized `HashMap<byte[],byte[]>` ([`super::java_hashmap`]), so a
//! standalone Java worker and Strait can take over each other's offsets. Like Kafka, the whole
//! map is rewritten on every `put`, and entries whose offset was deleted stay in the map with a
//! `null` value (Kafka's in-memory map keeps them too). Unlike Kafka, which overwrites the file in
//! place, the new file is written next to the old one, synced and renamed over it, so a crash
//! never leaves a torn file.
//!
//! Loading follows Kafka: a missing file is an empty store, and so is a truncated one (Kafka
//! treats `EOFException` as "missing or corrupt" and starts empty; we log a warning). A file that
//! is something else entirely is an error.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use strait_api::OffsetMap;
use tokio::sync::Mutex;

use super::index::OffsetIndex;
use super::java_hashmap::{self, DecodeError, RawEntry};
use super::{prepare_records, OffsetStore};
use crate::storage::StorageError;

/// Source offsets in a standalone worker's offsets file.
#[derive(Debug)]
pub struct FileOffsetStore {
    path: PathBuf,
    /// Held across the file write so concurrent `put`s reach the disk in order.
    state: Mutex<FileState>,
}

/// The map as stored in the file, plus the index over it.
#[derive(Clone, Debug, Default)]
struct FileState {
    /// Entries in file order (keys and values exactly as stored, `None` being Java `null`).
    entries: Vec<RawEntry>,
    /// Position of each key in `entries`.
    positions: HashMap<Option<Vec<u8>>, usize>,
    index: OffsetIndex,
}

impl FileState {
    fn from_entries(entries: Vec<RawEntry>) -> Self {
        let mut state = FileState::default();
        for (key, value) in entries {
            state.set(key, value);
        }
        state
    }

    /// Java's `HashMap.put` on the raw map, mirrored into the index.
    fn set(&mut self, key: Option<Vec<u8>>, value: Option<Vec<u8>>) {
        self.index.apply(key.as_deref(), value.as_deref());
        match self.positions.get(&key) {
            Some(&at) => self.entries[at].1 = value,
            None => {
                self.positions.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    fn encode(&self) -> Vec<u8> {
        java_hashmap::encode(
            self.entries
                .iter()
                .map(|(key, value)| (key.as_deref(), value.as_deref())),
        )
    }
}

impl FileOffsetStore {
    /// Loads the offsets file (a missing file is an empty store; the file is created on the
    /// first `put`).
    pub async fn start(path: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let path = path.into();
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(StorageError::File { path, source }),
        };
        let entries = if bytes.is_empty() {
            Vec::new()
        } else {
            match java_hashmap::decode(&bytes) {
                Ok(entries) => entries,
                Err(DecodeError::Truncated) => {
                    tracing::warn!(
                        path = %path.display(),
                        "offsets file is truncated; starting with no offsets, as a Java worker would"
                    );
                    Vec::new()
                }
                Err(DecodeError::Invalid(message)) => {
                    return Err(StorageError::FileFormat { path, message })
                }
            }
        };
        tracing::info!(path = %path.display(), entries = entries.len(), "offsets file loaded");
        Ok(Self {
            path,
            state: Mutex::new(FileState::from_entries(entries)),
        })
    }

    /// The offsets file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl OffsetStore for FileOffsetStore {
    async fn get(
        &self,
        connector: &str,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, StorageError> {
        let state = self.state.lock().await;
        Ok(state
            .index
            .get(connector, partition)
            .and_then(|entry| entry.offset(connector)))
    }

    async fn put(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> Result<(), StorageError> {
        let mut state = self.state.lock().await;
        let records = prepare_records(&state.index, connector, &offsets)?;
        let mut next = state.clone();
        for (key, value) in records {
            next.set(Some(key), value);
        }
        let bytes = next.encode();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || replace_file(&path, &bytes))
            .await
            .map_err(|err| StorageError::File {
                path: self.path.clone(),
                source: std::io::Error::other(err.to_string()),
            })??;
        // Only once the file is on disk does the in-memory state move on.
        *state = next;
        Ok(())
    }

    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<(OffsetMap, OffsetMap)>, StorageError> {
        Ok(self.state.lock().await.index.partitions(connector))
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let io_err = |source| StorageError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
    file.write_all(bytes).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io_err)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the rename itself durable; not all platforms allow syncing a directory.
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAVA_DEBEZIUM: &[u8] = include_bytes!("../testdata/offsets-debezium.bin");
    const JAVA_MANY: &[u8] = include_bytes!("../testdata/offsets-many.bin");

    fn map(json: &str) -> OffsetMap {
        serde_json::from_str(json).unwrap()
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "strait-offsets-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[tokio::test]
    async fn reads_a_java_written_file() {
        let path = temp_path("connect.offsets");
        std::fs::write(&path, JAVA_DEBEZIUM).unwrap();
        let store = FileOffsetStore::start(&path).await.unwrap();
        let offset = store
            .get("inventory-connector", &map(r#"{"server":"dbserver1"}"#))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(offset["file"], "mysql-bin.000003");
        assert_eq!(offset["server_id"], serde_json::json!(223344));
    }

    #[tokio::test]
    async fn rewriting_unchanged_offsets_reproduces_the_java_file() {
        let path = temp_path("connect.offsets");
        std::fs::write(&path, JAVA_MANY).unwrap();
        let store = FileOffsetStore::start(&path).await.unwrap();
        assert_eq!(
            store
                .connector_partitions("file-source")
                .await
                .unwrap()
                .len(),
            12
        );
        let f5 = map(r#"{"filename":"f5.txt"}"#);
        let offset = store.get("file-source", &f5).await.unwrap();
        assert_eq!(offset, Some(map(r#"{"position":500}"#)));
        store.put("file-source", vec![(f5, offset)]).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), JAVA_MANY);
    }

    #[tokio::test]
    async fn put_persists_across_instances_and_keeps_deleted_entries_as_null() {
        let path = temp_path("standalone.offsets");
        let store = FileOffsetStore::start(&path).await.unwrap();
        assert!(store.connector_partitions("c").await.unwrap().is_empty());
        store
            .put(
                "c",
                vec![
                    (map(r#"{"f":"a"}"#), Some(map(r#"{"pos":1}"#))),
                    (map(r#"{"f":"b"}"#), Some(map(r#"{"pos":2}"#))),
                ],
            )
            .await
            .unwrap();
        store
            .put("c", vec![(map(r#"{"f":"a"}"#), None)])
            .await
            .unwrap();

        let reopened = FileOffsetStore::start(&path).await.unwrap();
        assert_eq!(reopened.get("c", &map(r#"{"f":"a"}"#)).await.unwrap(), None);
        assert_eq!(
            reopened.get("c", &map(r#"{"f":"b"}"#)).await.unwrap(),
            Some(map(r#"{"pos":2}"#))
        );
        let raw = java_hashmap::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            raw,
            vec![
                (Some(br#"["c",{"f":"a"}]"#.to_vec()), None),
                (
                    Some(br#"["c",{"f":"b"}]"#.to_vec()),
                    Some(br#"{"pos":2}"#.to_vec())
                ),
            ]
        );
        assert!(!path.with_file_name("standalone.offsets.tmp").exists());
    }

    #[tokio::test]
    async fn truncated_file_starts_empty_and_garbage_is_an_error() {
        let path = temp_path("truncated.offsets");
        std::fs::write(&path, &JAVA_DEBEZIUM[..JAVA_DEBEZIUM.len() - 10]).unwrap();
        let store = FileOffsetStore::start(&path).await.unwrap();
        assert!(store
            .connector_partitions("inventory-connector")
            .await
            .unwrap()
            .is_empty());

        let path = temp_path("garbage.offsets");
        std::fs::write(&path, b"position=42\n").unwrap();
        let err = FileOffsetStore::start(&path).await.unwrap_err();
        assert!(matches!(err, StorageError::FileFormat { .. }), "{err:?}");
    }
}
