//! Errors from the internal-topic stores and the standalone offsets file.
//!
//! Each variant names the topic, file or connector involved, and [`StorageError`] converts into
//! [`ConnectError`] with the classification the worker acts on: broker trouble is retriable, a
//! misconfigured internal topic is a configuration error naming the worker key, an invalid offset
//! map is a data error, and an unreadable offsets file is fatal.

use std::path::PathBuf;

use strait_api::ConnectError;

use crate::kafka::KafkaError;

/// An error reading or writing connector configs, offsets or statuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The broker failed a request on an internal topic.
    #[error("broker error on topic '{topic}': {source}")]
    Kafka {
        topic: String,
        #[source]
        source: KafkaError,
    },
    /// The broker failed a request (no topic context).
    #[error("broker error: {0}")]
    Broker(#[from] KafkaError),
    /// An internal topic exists but cannot be used (cleanup policy, partition count).
    #[error("topic '{topic}' supplied via the '{worker_key}' property {message}")]
    TopicConfig {
        topic: String,
        /// The worker property naming the topic, e.g. `config.storage.topic`.
        worker_key: &'static str,
        message: String,
    },
    /// A source partition or offset map is not in the format Kafka Connect accepts.
    #[error("invalid offset data for connector '{connector}': {message}")]
    InvalidOffset { connector: String, message: String },
    /// The standalone offsets file could not be read or written.
    #[error("offsets file '{}': {}", .path.display(), .source)]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The standalone offsets file is not a Java-serialized `HashMap<byte[],byte[]>`.
    #[error(
        "offsets file '{}' is not a Java-serialized HashMap<byte[],byte[]>: {}",
        .path.display(),
        .message
    )]
    FileFormat { path: PathBuf, message: String },
    /// A read was cancelled because the runtime is shutting down.
    #[error("interrupted while {operation} on topic '{topic}'")]
    Interrupted {
        topic: String,
        operation: &'static str,
    },
    /// A write was not acknowledged and read back in time.
    #[error("timed out after {seconds}s {operation} on topic '{topic}'")]
    Timeout {
        topic: String,
        operation: &'static str,
        seconds: u64,
    },
}

impl StorageError {
    /// A broker error on `topic`, for `map_err`.
    pub(crate) fn kafka(topic: &str) -> impl FnOnce(KafkaError) -> StorageError + '_ {
        move |source| StorageError::Kafka {
            topic: topic.to_string(),
            source,
        }
    }
}

impl From<StorageError> for ConnectError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Kafka { topic, source } => {
                broker_error(format!("broker error on topic '{topic}'"), source)
            }
            StorageError::Broker(source) => broker_error("broker error".to_string(), source),
            StorageError::Timeout { .. } | StorageError::Interrupted { .. } => {
                ConnectError::retriable(err.to_string())
            }
            StorageError::TopicConfig { worker_key, .. } => {
                ConnectError::config(worker_key, err.to_string())
            }
            StorageError::InvalidOffset { .. } => ConnectError::data(err.to_string()),
            StorageError::File { path, source } => ConnectError::fatal_from(
                format!(
                    "cannot use the offsets file '{}'; check that it exists and is writable",
                    path.display()
                ),
                source,
            ),
            StorageError::FileFormat { .. } => ConnectError::fatal(err.to_string()),
        }
    }
}

/// Broker errors keep the broker's own retriable/fatal classification.
fn broker_error(message: String, source: KafkaError) -> ConnectError {
    if source.is_retriable() {
        ConnectError::retriable_from(message, source)
    } else {
        ConnectError::fatal_from(message, source)
    }
}
