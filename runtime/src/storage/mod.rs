//! Connector configs, source offsets and statuses in Kafka Connect's internal-topic formats.
//!
//! A Strait worker must be able to take over the internal topics of a Java Connect cluster (and
//! hand them back), so every record here has the exact key, value bytes, partition and read
//! semantics of Kafka's backing stores:
//! - [`ConfigStore`] (`config.storage.topic`, one partition): connector configs, task configs
//!   applied by commit records, target states, restart requests; [`ConfigSnapshot`] is the view
//!   the herder works from.
//! - [`OffsetStore`]: source offsets keyed `["<connector>",{partition}]`, in the offsets topic
//!   ([`KafkaOffsetStore`]), the standalone worker's Java-serialized offsets file
//!   ([`FileOffsetStore`]) or memory ([`MemoryOffsetStore`]); [`ConnectorOffsetReader`] is a
//!   task's read-only view.
//! - [`StatusStore`] (`status.storage.topic`): connector, task and topic statuses.
//!
//! All three topic stores sit on the same small log reader/writer (`log`): create the topic
//! compacted or check it, read every partition to the high watermark, append keyed records to
//! the partition Java's murmur2 partitioner picks. There is no background consumer: stores catch
//! up on start, after their own writes and on `refresh`. Every store is `Send + Sync` and is
//! meant to be shared as an `Arc`.

mod config_topic;
mod error;
mod json;
mod log;
mod offsets;
mod status_topic;

#[cfg(test)]
pub(crate) mod test_broker;

pub use config_topic::{
    ConfigSnapshot, ConfigStore, ConnectorConfigState, RestartRequest, TargetState,
};
pub use error::StorageError;
pub use log::TopicSettings;
pub use offsets::{
    ConnectorOffsetReader, FileOffsetStore, KafkaOffsetStore, MemoryOffsetStore, OffsetStore,
};
pub use status_topic::{ConnectorStatus, State, StatusStore, TaskStatus, TopicStatus};
