//! Opens the state stores of the chosen mode: Kafka internal topics in distributed mode, an
//! offsets file (with configs and statuses in memory) in standalone mode.

use std::sync::Arc;

use strait_runtime::kafka::Broker;
use strait_runtime::storage::{
    ConfigStore, FileOffsetStore, KafkaOffsetStore, OffsetStore, StatusStore, StorageError,
    TopicSettings,
};
use strait_runtime::worker::config::{InternalTopic, StateConfig, WorkerConfig};
use strait_runtime::worker::herder::persistence::{ConfigPersistence, InMemory, StatusPersistence};

/// The stores a herder writes through.
pub struct Stores {
    pub configs: Arc<dyn ConfigPersistence>,
    pub statuses: Arc<dyn StatusPersistence>,
    pub offsets: Arc<dyn OffsetStore>,
}

fn settings(t: &InternalTopic) -> TopicSettings {
    TopicSettings {
        name: t.name.clone(),
        partitions: t.partitions,
        replication_factor: t.replication_factor,
        configs: t.configs.clone(),
    }
}

/// Opens (creating if needed) and reads the stores.
///
/// # Errors
/// When an internal topic cannot be created, verified or read, or the offsets file is unreadable.
pub async fn open(worker: &WorkerConfig, broker: Arc<dyn Broker>) -> Result<Stores, StorageError> {
    match &worker.state {
        StateConfig::Distributed {
            config,
            offsets,
            status,
            ..
        } => {
            let configs = ConfigStore::start(broker.clone(), &settings(config)).await?;
            let offsets = KafkaOffsetStore::start(broker.clone(), &settings(offsets)).await?;
            let statuses = StatusStore::start(broker, &settings(status)).await?;
            Ok(Stores {
                configs: Arc::new(configs),
                statuses: Arc::new(statuses),
                offsets: Arc::new(offsets),
            })
        }
        StateConfig::Standalone { offsets_file } => Ok(Stores {
            configs: Arc::new(InMemory),
            statuses: Arc::new(InMemory),
            offsets: Arc::new(
                FileOffsetStore::start(std::path::PathBuf::from(offsets_file)).await?,
            ),
        }),
    }
}
