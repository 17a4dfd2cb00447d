//! [`KafkaBroker`]: the [`Broker`] interface over Strait's own small Kafka client.
//!
//! Each operation is one or a few requests routed by the cluster layer, wrapped in a bounded
//! retry: a leader election, a moved leader, a broker that is not ready or a topic whose metadata
//! has not propagated yet is retried a few times with backoff and then surfaced, so the worker's
//! own retry policy decides what happens next (nothing here spins forever on a missing topic).
//! Produce is retried only when the broker said it wrote nothing; an answer lost with its
//! connection is surfaced, since the records may have been written. Records are produced with
//! `acks=all` in batches of at most [`KafkaClientConfig::max_batch_bytes`], one request per batch
//! and in order. A read goes to the high watermark the first Fetch reports, because tansu's
//! ListOffsets(latest) is wrong; fetches never wait on the broker (`max_wait_ms` 0).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    CreateTopicsRequest, DescribeConfigsRequest, FetchRequest, ProduceRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::admin;
use crate::cluster::{Cluster, TopicMetadata};
use crate::connection::ConnectionSettings;
use crate::record_batch::{self, Batches, EncodeError};
use crate::{Broker, CompressionType, ConsumedRecord, KafkaError, ProduceRecord, Ready, TopicSpec};

/// Tunables of [`KafkaBroker`]; the defaults suit a Connect worker.
#[derive(Clone, Debug)]
pub struct KafkaClientConfig {
    /// Sent as the request header's `client.id`.
    pub client_id: String,
    /// Time allowed to open a TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for one request's answer (Kafka's `request.timeout.ms`).
    pub request_timeout: Duration,
    /// Produce acknowledgements: `-1` (all in-sync replicas, Connect's default), `1` or `0`.
    pub acks: i16,
    /// Largest record batch sent in one Produce request. Kept under the broker's default
    /// `message.max.bytes` (1 MiB + 12); a single larger record is still sent, alone.
    pub max_batch_bytes: usize,
    /// Most bytes asked for per Fetch.
    pub fetch_max_bytes: i32,
    /// How many times an operation is tried before its error is returned.
    pub max_attempts: u32,
    /// First pause between tries; doubled each time up to one second.
    pub retry_backoff: Duration,
}

impl Default for KafkaClientConfig {
    fn default() -> Self {
        Self {
            client_id: "strait".to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            acks: -1,
            max_batch_bytes: 1_000_000,
            fetch_max_bytes: 8 * 1024 * 1024,
            max_attempts: 6,
            retry_backoff: Duration::from_millis(50),
        }
    }
}

/// A Kafka-compatible broker reached over the network.
pub struct KafkaBroker {
    cluster: Cluster,
    config: KafkaClientConfig,
}

impl std::fmt::Debug for KafkaBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaBroker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Bounded retries with exponential backoff.
struct Retry {
    attempt: u32,
    max_attempts: u32,
    delay: Duration,
}

impl Retry {
    /// Waits before the next try; `false` when the tries are used up.
    async fn again(&mut self) -> bool {
        self.attempt += 1;
        if self.attempt >= self.max_attempts {
            return false;
        }
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(Duration::from_secs(1));
        true
    }
}

/// Errors worth another try inside an operation: Kafka's retriable ones, plus a topic that
/// may not have reached this broker's metadata yet.
fn worth_retrying(err: &KafkaError) -> bool {
    err.is_retriable() || matches!(err, KafkaError::UnknownTopic { .. })
}

/// How long the first Fetch of a read may wait. It learns the high watermark; on an empty or
/// caught-up partition the broker waits this long for data that will not come (tansu waits the
/// full `max_wait_ms` there). Not 0: tansu answers 0 with a response that omits the partition.
const FIRST_FETCH_MAX_WAIT: Duration = Duration::from_millis(1);
/// How long a Fetch below the high watermark may wait. Kafka answers as soon as it has data, but
/// tansu gathers batches until `max_wait_ms` runs out (or it reaches the end or the byte limit)
/// and returns nothing if it runs out first; so the wait is generous and grows when a fetch
/// brings nothing.
const DATA_FETCH_MAX_WAIT: Duration = Duration::from_millis(100);
const DATA_FETCH_MAX_WAIT_LIMIT: Duration = Duration::from_secs(5);

/// What one Fetch returned for the partition.
struct Fetched {
    high_watermark: i64,
    records: Bytes,
}

impl KafkaBroker {
    /// Connects to the cluster through `bootstrap` (`host:port` entries; an entry may also hold
    /// a comma-separated list, as `bootstrap.servers` does) with default settings.
    pub async fn connect(bootstrap: &[String]) -> Result<Self, KafkaError> {
        Self::connect_with(bootstrap, KafkaClientConfig::default()).await
    }

    /// Connects with explicit settings; fails if no bootstrap server answers.
    pub async fn connect_with(
        bootstrap: &[String],
        config: KafkaClientConfig,
    ) -> Result<Self, KafkaError> {
        let servers: Vec<String> = bootstrap
            .iter()
            .flat_map(|entry| entry.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if servers.is_empty() {
            return Err(KafkaError::Config {
                message: "bootstrap.servers is empty".to_string(),
            });
        }
        if let Some(bad) = servers.iter().find(|s| !has_port(s)) {
            return Err(KafkaError::Config {
                message: format!("bootstrap server '{bad}' is not host:port"),
            });
        }
        let settings = ConnectionSettings {
            client_id: StrBytes::from_string(config.client_id.clone()),
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
            max_frame_bytes: (config.fetch_max_bytes.max(0) as usize)
                .max(config.max_batch_bytes)
                .saturating_add(16 * 1024 * 1024),
        };
        let broker = Self {
            cluster: Cluster::new(servers, settings),
            config,
        };
        // Learn the brokers and the controller now, so a wrong address fails here.
        broker.cluster.metadata(Some(&[]), false).await?;
        Ok(broker)
    }

    fn retry(&self) -> Retry {
        Retry {
            attempt: 0,
            max_attempts: self.config.max_attempts.max(1),
            delay: self.config.retry_backoff,
        }
    }

    /// The time the broker itself may take (replication for `acks=all`, topic creation): a
    /// little less than the client waits, so the broker's own timeout error arrives first.
    fn timeout_ms(&self) -> i32 {
        let broker_side = self.config.request_timeout.mul_f64(0.9);
        i32::try_from(broker_side.as_millis()).unwrap_or(i32::MAX)
    }

    /// Produces one encoded batch; returns its base offset. The error's flag says whether the
    /// broker is known to have written nothing (so the batch may be sent again).
    async fn produce_batch(
        &self,
        topic: &str,
        partition: i32,
        batch: Bytes,
    ) -> Result<i64, (KafkaError, bool)> {
        // The Java producer lets the broker auto-create a missing topic; so does this.
        let conn = self
            .cluster
            .leader(topic, partition, true)
            .await
            .map_err(|e| (e, true))?;
        let request = ProduceRequest::default()
            .with_acks(self.config.acks)
            .with_timeout_ms(self.timeout_ms())
            .with_topic_data(vec![TopicProduceData::default()
                .with_name(TopicName(StrBytes::from_string(topic.to_string())))
                .with_partition_data(vec![PartitionProduceData::default()
                    .with_index(partition)
                    .with_records(Some(batch))])]);
        let (response, _) = conn.send(&request).await.map_err(|e| {
            // Only an error raised before anything was sent leaves the batch unwritten.
            let unsent = matches!(
                e,
                KafkaError::Connect { .. } | KafkaError::UnsupportedVersion { .. }
            );
            (e, unsent)
        })?;
        let result = response
            .responses
            .iter()
            .filter(|t| t.name.as_str() == topic)
            .flat_map(|t| &t.partition_responses)
            .find(|p| p.index == partition)
            .ok_or_else(|| {
                let e = KafkaError::Protocol {
                    broker: conn.addr().to_string(),
                    api: "Produce",
                    message: format!("no result for topic '{topic}' partition {partition}"),
                };
                (e, false)
            })?;
        match ResponseError::try_from_code(result.error_code) {
            None => Ok(result.base_offset),
            Some(error) => {
                let mut message = result.error_message.as_ref().map(|m| m.to_string());
                if let Some(first) = result.record_errors.first() {
                    let detail = format!(
                        "record {} of the batch: {}",
                        first.batch_index,
                        first
                            .batch_index_error_message
                            .as_deref()
                            .unwrap_or("rejected")
                    );
                    message = Some(match message {
                        Some(m) => format!("{m}; {detail}"),
                        None => detail,
                    });
                }
                if matches!(
                    error,
                    ResponseError::NotLeaderOrFollower
                        | ResponseError::LeaderNotAvailable
                        | ResponseError::UnknownTopicOrPartition
                ) {
                    self.cluster.forget(topic);
                }
                // These may have been appended before the error: not safe to resend blindly.
                let maybe_written = matches!(
                    error,
                    ResponseError::RequestTimedOut
                        | ResponseError::NotEnoughReplicasAfterAppend
                        | ResponseError::NetworkException
                );
                let err = KafkaError::broker(
                    "Produce",
                    topic,
                    Some(partition),
                    result.error_code,
                    message,
                );
                Err((err, !maybe_written))
            }
        }
    }

    /// [`Self::produce_batch`], sent again while the broker is known to have written nothing
    /// and the error is worth retrying.
    async fn produce_batch_retrying(
        &self,
        topic: &str,
        partition: i32,
        batch: Bytes,
    ) -> Result<i64, KafkaError> {
        let mut retry = self.retry();
        loop {
            match self.produce_batch(topic, partition, batch.clone()).await {
                Ok(base) => return Ok(base),
                Err((e, unwritten)) if unwritten && worth_retrying(&e) && retry.again().await => {
                    tracing::debug!(topic, partition, error = %e, "retrying produce");
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    /// One Fetch of `partition` at `offset` from its leader.
    async fn fetch(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        max_wait: Duration,
    ) -> Result<Fetched, KafkaError> {
        let conn = self.cluster.leader(topic, partition, false).await?;
        let request = FetchRequest::default()
            .with_max_wait_ms(i32::try_from(max_wait.as_millis()).unwrap_or(i32::MAX))
            .with_min_bytes(1)
            .with_max_bytes(self.config.fetch_max_bytes)
            .with_isolation_level(0)
            .with_topics(vec![FetchTopic::default()
                .with_topic(TopicName(StrBytes::from_string(topic.to_string())))
                .with_partitions(vec![FetchPartition::default()
                    .with_partition(partition)
                    .with_fetch_offset(offset)
                    .with_partition_max_bytes(self.config.fetch_max_bytes)])]);
        let (response, _) = conn.send(&request).await?;
        if response.error_code != 0 {
            return Err(KafkaError::broker(
                "Fetch",
                topic,
                Some(partition),
                response.error_code,
                None,
            ));
        }
        let data = response
            .responses
            .into_iter()
            .filter(|t| t.topic.as_str() == topic)
            .flat_map(|t| t.partitions)
            .find(|p| p.partition_index == partition)
            .ok_or_else(|| KafkaError::Protocol {
                broker: conn.addr().to_string(),
                api: "Fetch",
                message: format!("no result for topic '{topic}' partition {partition}"),
            })?;
        match ResponseError::try_from_code(data.error_code) {
            None => Ok(Fetched {
                high_watermark: data.high_watermark,
                records: data.records.unwrap_or_default(),
            }),
            Some(ResponseError::OffsetOutOfRange) => Err(KafkaError::OffsetOutOfRange {
                topic: topic.to_string(),
                partition,
                offset,
                high_watermark: (data.high_watermark >= 0).then_some(data.high_watermark),
            }),
            Some(error) => {
                if matches!(
                    error,
                    ResponseError::NotLeaderOrFollower
                        | ResponseError::LeaderNotAvailable
                        | ResponseError::UnknownTopicOrPartition
                        | ResponseError::FencedLeaderEpoch
                        | ResponseError::UnknownLeaderEpoch
                ) {
                    self.cluster.forget(topic);
                }
                Err(KafkaError::Broker {
                    api: "Fetch",
                    topic: topic.to_string(),
                    partition: Some(partition),
                    offset: Some(offset),
                    code: data.error_code,
                    message: None,
                })
            }
        }
    }

    /// [`Self::fetch`] with retries.
    async fn fetch_retrying(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        max_wait: Duration,
    ) -> Result<Fetched, KafkaError> {
        let mut retry = self.retry();
        loop {
            match self.fetch(topic, partition, offset, max_wait).await {
                Ok(fetched) => return Ok(fetched),
                Err(e) if worth_retrying(&e) && retry.again().await => {
                    tracing::debug!(topic, partition, offset, error = %e, "retrying fetch");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A record the batch codec refused, reported as the broker would refuse it (not retriable).
fn unencodable(topic: &str, partition: i32, error: EncodeError) -> KafkaError {
    let code = match error {
        EncodeError::RecordTooLarge { .. } => ResponseError::MessageTooLarge,
        _ => ResponseError::InvalidRecord,
    };
    KafkaError::broker(
        "Produce",
        topic,
        Some(partition),
        code.code(),
        Some(error.to_string()),
    )
}

fn has_port(server: &str) -> bool {
    server
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

#[async_trait]
impl Broker for KafkaBroker {
    /// Sends the records as one batch, or as several in order when they exceed
    /// [`KafkaClientConfig::max_batch_bytes`]; if a later batch fails, the earlier ones stay
    /// written (a retry by the caller duplicates them: at-least-once, as in Kafka Connect).
    ///
    /// One batch is in flight at a time: batch k+1 is encoded while batch k is in flight and
    /// sent once batch k is acknowledged, and a failed batch ends the call, so nothing after it
    /// is written.
    async fn produce_compressed(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
        compression: CompressionType,
    ) -> Result<Vec<i64>, KafkaError> {
        self.produce_after(
            topic,
            partition,
            records,
            compression,
            Box::pin(std::future::ready(())),
        )
        .await
    }

    async fn produce_after(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<ProduceRecord>,
        compression: CompressionType,
        ready: Ready,
    ) -> Result<Vec<i64>, KafkaError> {
        let refused = |e| unencodable(topic, partition, e);
        // Every record is checked before the first batch is sent.
        let records = record_batch::to_records(records).map_err(refused)?;
        let mut batches = Batches::new(records, self.config.max_batch_bytes, compression);
        let mut offsets = Vec::with_capacity(batches.len());
        let mut next = batches.encode_next().map_err(refused)?;
        ready.await;
        while let Some(batch) = next.take() {
            let count = batch.count as i64;
            // The send goes first: once its request is written, the broker works on it while
            // this task encodes (and compresses) the following batch.
            let send = self.produce_batch_retrying(topic, partition, batch.bytes);
            let encode_following = async { batches.encode_next() };
            let (sent, following) = tokio::join!(send, encode_following);
            let base_offset = sent?;
            offsets.extend((0..count).map(|i| base_offset + i));
            next = following.map_err(refused)?;
        }
        Ok(offsets)
    }

    async fn read_to_end(
        &self,
        topic: &str,
        partition: i32,
        from: i64,
    ) -> Result<(Vec<ConsumedRecord>, i64), KafkaError> {
        if from < 0 {
            return Err(KafkaError::OffsetOutOfRange {
                topic: topic.to_string(),
                partition,
                offset: from,
                high_watermark: None,
            });
        }
        let first = self
            .fetch_retrying(topic, partition, from, FIRST_FETCH_MAX_WAIT)
            .await?;
        let end = first.high_watermark;
        if from > end {
            // Kafka answers OFFSET_OUT_OF_RANGE here; tansu answers with no records.
            return Err(KafkaError::OffsetOutOfRange {
                topic: topic.to_string(),
                partition,
                offset: from,
                high_watermark: Some(end),
            });
        }

        let mut records = Vec::new();
        let mut next = from;
        let mut fetched = first.records;
        let mut stalls = self.retry();
        let mut max_wait = DATA_FETCH_MAX_WAIT;
        // The first fetch waited only briefly; coming back empty from it is no stall.
        let mut first_fetch = true;
        while next < end {
            let decoded =
                record_batch::decode_batches(fetched, next, end, &mut records).map_err(|e| {
                    KafkaError::CorruptBatch {
                        topic: topic.to_string(),
                        partition,
                        offset: e.offset,
                        message: e.message,
                    }
                })?;
            match decoded.next_offset {
                Some(n) if n > next => {
                    next = n;
                    stalls = self.retry();
                }
                _ if first_fetch => {}
                _ => {
                    max_wait = (max_wait * 2).min(DATA_FETCH_MAX_WAIT_LIMIT);
                    if !stalls.again().await {
                        return Err(KafkaError::FetchStalled {
                            topic: topic.to_string(),
                            partition,
                            offset: next,
                            high_watermark: end,
                        });
                    }
                }
            }
            first_fetch = false;
            if next >= end {
                break;
            }
            fetched = self
                .fetch_retrying(topic, partition, next, max_wait)
                .await?
                .records;
        }
        Ok((records, end))
    }

    async fn create_topic(&self, spec: &TopicSpec) -> Result<bool, KafkaError> {
        let mut retry = self.retry();
        loop {
            let attempt = async {
                let conn = self.cluster.controller_connection().await?;
                let version = conn.version::<CreateTopicsRequest>()?;
                let request = admin::create_topics_request(spec, version, self.timeout_ms())?;
                let response = conn.send_at(&request, version).await?;
                admin::create_topics_result(&spec.name, &response)
            };
            match attempt.await {
                Ok(created) => {
                    self.cluster.forget(&spec.name);
                    return Ok(created);
                }
                Err(e) if e.is_retriable() && retry.again().await => {
                    tracing::debug!(topic = %spec.name, error = %e, "retrying topic creation");
                    if e.error_code() == Some(ResponseError::NotController.code()) {
                        // The controller moved: learn the new one.
                        let _ = self.cluster.metadata(Some(&[]), false).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The topic's effective configs: on tansu exactly those it was created with, on Kafka those
    /// plus broker defaults (tansu labels set configs as defaults; see `admin`). Kafka reports a
    /// missing topic as [`KafkaError::UnknownTopic`]; tansu answers with no configs.
    async fn describe_topic_configs(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<String, String>, KafkaError> {
        let mut retry = self.retry();
        loop {
            let attempt = async {
                let conn = self.cluster.any_connection().await?;
                let request: DescribeConfigsRequest = admin::describe_configs_request(topic);
                let (response, _) = conn.send(&request).await?;
                admin::describe_configs_result(topic, &response)
            };
            match attempt.await {
                Ok(configs) => return Ok(configs),
                Err(e) if e.is_retriable() && retry.again().await => {
                    tracing::debug!(topic, error = %e, "retrying describe configs");
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError> {
        let mut retry = self.retry();
        loop {
            match self.cluster.lookup(topic, false).await {
                Ok(TopicMetadata::Missing) => return Ok(None),
                Ok(TopicMetadata::Present(leaders)) => return Ok(Some(leaders.len() as i32)),
                Err(e) if e.is_retriable() && retry.again().await => {
                    tracing::debug!(topic, error = %e, "retrying metadata");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_broker::{Produced, TestBroker};

    #[test]
    fn bootstrap_entries_need_a_port() {
        assert!(has_port("127.0.0.1:9092"));
        assert!(has_port("kafka-1.example.com:19092"));
        assert!(!has_port("kafka"));
        assert!(!has_port(":9092"));
        assert!(!has_port("kafka:port"));
    }

    #[tokio::test]
    async fn an_empty_bootstrap_list_is_a_config_error() {
        let err = KafkaBroker::connect(&[" , ".to_string()])
            .await
            .unwrap_err();
        assert!(matches!(err, KafkaError::Config { .. }), "{err}");
        let err = KafkaBroker::connect(&["kafka".to_string()])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("'kafka'"), "{err}");
    }

    const WAIT: Duration = Duration::from_secs(10);

    /// 30 records keyed 0..30 with 5000-byte values: three fit in a batch of at most 20 000
    /// bytes, so they go out as ten batches.
    fn thirty_records() -> Vec<ProduceRecord> {
        (0..30u8)
            .map(|i| ProduceRecord {
                key: Some(Bytes::from(vec![i])),
                value: Some(Bytes::from(vec![i; 5000])),
                headers: Vec::new(),
                timestamp_ms: 1,
            })
            .collect()
    }

    async fn client_of(broker: &TestBroker) -> KafkaBroker {
        let config = KafkaClientConfig {
            max_batch_bytes: 20_000,
            retry_backoff: Duration::from_millis(1),
            ..KafkaClientConfig::default()
        };
        KafkaBroker::connect_with(std::slice::from_ref(&broker.addr), config)
            .await
            .unwrap()
    }

    /// The keys of the records in a produced batch, in order.
    fn keys(produced: &Produced) -> Vec<u8> {
        let mut out = Vec::new();
        record_batch::decode_batches(produced.batch.clone(), 0, i64::MAX, &mut out).unwrap();
        out.iter().map(|r| r.key.as_ref().unwrap()[0]).collect()
    }

    /// Whether a Produce request arrives soon (it should not).
    async fn another_produce(broker: &mut TestBroker) -> bool {
        broker
            .next_produce(Duration::from_millis(100))
            .await
            .is_some()
    }

    #[tokio::test]
    async fn batches_go_out_in_order_one_at_a_time() {
        for compression in [CompressionType::None, CompressionType::Lz4] {
            let mut broker = TestBroker::start().await;
            let client = client_of(&broker).await;
            let produce = client.produce_compressed("t", 0, thirty_records(), compression);
            let script = async {
                let mut seen = Vec::new();
                let mut next_offset = 100;
                for k in 0..10 {
                    let batch = broker.next_produce(WAIT).await.expect("a batch");
                    // The next batch is not sent before this one is answered.
                    assert!(!another_produce(&mut broker).await, "batch {k} unanswered");
                    let keys = keys(&batch);
                    next_offset += keys.len() as i64;
                    batch.answer(0, next_offset - keys.len() as i64);
                    seen.extend(keys);
                }
                assert!(!another_produce(&mut broker).await);
                seen
            };
            let (offsets, seen) = tokio::join!(produce, script);
            assert_eq!(offsets.unwrap(), (100..130).collect::<Vec<i64>>());
            assert_eq!(seen, (0..30).collect::<Vec<u8>>(), "{compression}");
        }
    }

    #[tokio::test]
    async fn a_rejected_batch_ends_the_produce_and_nothing_after_it_is_sent() {
        let mut broker = TestBroker::start().await;
        let client = client_of(&broker).await;
        let produce = client.produce_compressed("t", 0, thirty_records(), CompressionType::Lz4);
        let script = async {
            for (k, base) in [(0, 0), (1, 3)] {
                let batch = broker.next_produce(WAIT).await.expect("a batch");
                assert_eq!(keys(&batch)[0], 3 * k);
                batch.answer(0, base);
            }
            let third = broker.next_produce(WAIT).await.expect("the third batch");
            assert_eq!(keys(&third), [6, 7, 8]);
            third.answer(ResponseError::InvalidRecord.code(), 0);
            assert!(
                !another_produce(&mut broker).await,
                "a batch after the rejected one"
            );
        };
        let (result, ()) = tokio::join!(produce, script);
        let err = result.unwrap_err();
        assert_eq!(
            err.error_code(),
            Some(ResponseError::InvalidRecord.code()),
            "{err}"
        );
        assert!(!err.is_retriable());
    }

    /// A batch the broker says it did not write is sent again, and only then the next one; one
    /// it may have written is not (the caller decides).
    #[tokio::test]
    async fn an_unwritten_batch_is_resent_before_the_next() {
        let mut broker = TestBroker::start().await;
        let client = client_of(&broker).await;
        let produce = client.produce_compressed("t", 0, thirty_records(), CompressionType::Lz4);
        let script = async {
            let mut sent = Vec::new();
            let mut next_offset = 0;
            let mut refused = false;
            while let Some(batch) = broker.next_produce(Duration::from_millis(500)).await {
                let keys = keys(&batch);
                sent.push(keys[0]);
                if keys[0] == 12 && !refused {
                    refused = true;
                    batch.answer(ResponseError::NotEnoughReplicas.code(), 0);
                } else if keys[0] == 21 {
                    batch.answer(ResponseError::RequestTimedOut.code(), 0);
                } else {
                    batch.answer(0, next_offset);
                    next_offset += keys.len() as i64;
                }
            }
            sent
        };
        let (result, sent) = tokio::join!(produce, script);
        assert_eq!(sent, [0, 3, 6, 9, 12, 12, 15, 18, 21]);
        let err = result.unwrap_err();
        assert_eq!(
            err.error_code(),
            Some(ResponseError::RequestTimedOut.code()),
            "{err}"
        );
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let mut retry = Retry {
            attempt: 0,
            max_attempts: 3,
            delay: Duration::from_millis(1),
        };
        assert!(retry.again().await);
        assert!(retry.again().await);
        assert!(!retry.again().await);
    }
}
