//! Kafka access behind Strait's own small interface.
//!
//! The worker needs five things from a broker: produce a batch to a partition, read a partition
//! from an offset to the high watermark, create a topic with configs, describe a topic's
//! configs, and know a topic's partition count. [`Broker`] is exactly that, so stores and the
//! source pipeline never see a client library. [`KafkaBroker`] implements it with a small client
//! of our own built on `kafka-protocol`'s message types:
//! - `connection`: one multiplexed TCP connection per broker (length-prefixed frames,
//!   correlation ids, ApiVersions negotiation, `TCP_NODELAY`);
//! - `cluster`: metadata, partition leaders, the controller, reconnects;
//! - `record_batch`: an adapter over kafka-protocol's record batch codec (fetch framing;
//!   repeated header keys refused), compressed with the producer's [`CompressionType`];
//! - `admin`: CreateTopics with configs and DescribeConfigs;
//! - `client`: the [`Broker`] operations with bounded retries;
//! - [`partitioner`]: the Java producer's partition for a keyed record.
//!
//! Why not rskafka, which the feasibility spike used: its `Record` keeps headers in a
//! `BTreeMap<String, Vec<u8>>`, so null header values, repeated header keys and header order —
//! all part of a Connect record and of the bytes a Java worker writes — cannot be represented;
//! it never sets `TCP_NODELAY` and writes each frame in two parts, which stalls mid-sized
//! produce requests for ~40 ms (Nagle + delayed ACK), with no API to change the socket; its
//! Metadata requests always allow topic auto-creation; and it cannot send topic configs. The
//! pieces it would have saved (framing and routing) are the small part of a client.
//!
//! Not supported (yet): repeated header keys in produced records, TLS and SASL, compression
//! levels (each codec runs at `kafka-protocol`'s level, see [`CompressionType`]), idempotent or
//! transactional produce, `read_committed` reads (aborted transactional records are returned;
//! control batches are skipped), quota throttling hints, and clusters whose
//! advertised listeners differ from the addresses this process can reach. Multi-broker routing
//! (leaders, controller) is implemented but only exercised against single-node tansu.
//!
//! The end of a partition is always the Fetch high watermark: tansu's ListOffsets(latest) is wrong
//! (see `docs/` and the research notes), and the high watermark is what Kafka's own
//! `KafkaBasedLog` effectively relies on.

use std::collections::BTreeMap;

use async_trait::async_trait;
pub use bytes::Bytes;
use kafka_protocol::protocol::StrBytes;

mod admin;
mod client;
mod cluster;
mod compression;
mod connection;
mod error;
pub mod partitioner;
mod record_batch;
#[cfg(test)]
mod test_broker;

pub use client::{KafkaBroker, KafkaClientConfig};
pub use compression::CompressionType;
pub use error::KafkaError;

/// A record to produce.
///
/// Keys, values and header values are `Bytes` so that keeping a copy for a retry is a reference
/// count, not a copy of every record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProduceRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// Header keys with their (nullable) values, in order.
    pub headers: Vec<(HeaderKey, Option<Bytes>)>,
    /// Epoch milliseconds.
    pub timestamp_ms: i64,
}

/// A header key of a [`ProduceRecord`]: a string whose clones share one buffer, so that the
/// same keys on every record of a task (Debezium's `__debezium.context.*`) are not copied or
/// allocated per record.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeaderKey(StrBytes);

impl HeaderKey {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_inner(self) -> StrBytes {
        self.0
    }
}

impl From<String> for HeaderKey {
    fn from(key: String) -> Self {
        Self(StrBytes::from_string(key))
    }
}

impl From<&str> for HeaderKey {
    fn from(key: &str) -> Self {
        Self(StrBytes::from_string(key.to_owned()))
    }
}

impl std::fmt::Debug for HeaderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for HeaderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Broker::produce_after`] waits for before it sends.
pub type Ready = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// A record read back from a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumedRecord {
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub timestamp_ms: i64,
    /// The codec of the batch the record was read from.
    pub compression: CompressionType,
}

/// A topic to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    /// `-1` lets the broker choose.
    pub partitions: i32,
    /// `-1` lets the broker choose.
    pub replication_factor: i16,
    /// Topic configs such as `cleanup.policy=compact`.
    pub configs: BTreeMap<String, String>,
}

/// What the worker needs from a Kafka-compatible broker.
#[async_trait]
pub trait Broker: Send + Sync {
    /// Appends records to one partition, in order, uncompressed; returns the offset of each
    /// record.
    async fn produce(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
    ) -> Result<Vec<i64>, KafkaError> {
        self.produce_compressed(topic, partition, records, CompressionType::None)
            .await
    }

    /// Appends records to one partition, in order, in batches compressed with `compression`;
    /// returns the offset of each record.
    async fn produce_compressed(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
        compression: CompressionType,
    ) -> Result<Vec<i64>, KafkaError>;

    /// As [`Broker::produce_compressed`], but nothing is sent before `ready` completes; the
    /// records are checked and the first batch encoded at once, so that a caller can prepare
    /// this call while an earlier one is still in flight and keep their order.
    async fn produce_after(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
        compression: CompressionType,
        ready: Ready,
    ) -> Result<Vec<i64>, KafkaError> {
        ready.await;
        self.produce_compressed(topic, partition, records, compression)
            .await
    }

    /// Reads `partition` from offset `from` up to the high watermark observed when the read
    /// started; returns the records and that high watermark (the next offset to read).
    async fn read_to_end(
        &self,
        topic: &str,
        partition: i32,
        from: i64,
    ) -> Result<(Vec<ConsumedRecord>, i64), KafkaError>;

    /// Creates a topic; `Ok(false)` when it already exists.
    async fn create_topic(&self, spec: &TopicSpec) -> Result<bool, KafkaError>;

    /// The explicitly set configs of a topic.
    async fn describe_topic_configs(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<String, String>, KafkaError>;

    /// The number of partitions of a topic, or `None` if it does not exist.
    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError>;
}
