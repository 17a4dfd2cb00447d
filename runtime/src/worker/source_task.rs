//! The loop of one source task: poll → transform → convert → produce → commit offsets.
//!
//! The worker, not the task, owns this loop. It is a two-stage pipeline: while batch N is being
//! produced (one concurrent request per destination partition), the task is already polled for
//! batch N+1; before batch N+1 is sent, batch N must be fully acknowledged. So a record's
//! offset becomes committable only once the broker has acknowledged it *and every record
//! before it* — Kafka Connect's at-least-once guarantee — and per-partition order is kept.
//!
//! Offsets are flushed to the offset store every `offset.flush.interval.ms`, on pause and on
//! stop; after each flush the task's `commit` is called. Stop cancels an outstanding `poll`
//! (records it had read are simply read again after a restart, since their offsets were never
//! committed), waits for in-flight sends up to the graceful timeout, flushes, and calls
//! `stop`. Pause lets the current `poll` finish, sends its records, flushes, and then stops
//! polling until resumed.
//!
//! Hot path notes: the per-record work is the transformation chain (skipped when empty), one
//! call per converter, and one `ProduceRecord`; config lookups happen once at start. Headers
//! that repeat from record to record (Debezium's `__debezium.context.*` headers are the same
//! on every record of a task) are converted once: [`HeaderCache`] keeps the bytes of the last
//! conversion at each header position and reuses them while topic, key, schema and a scalar
//! value are unchanged, which a converter (a function of exactly those inputs) cannot tell
//! apart from converting again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use strait_api::{
    ConnectError, Converter, Header, HeaderConverter, RecordMetadata, Schema, SourceRecord,
    SourceTask, SourceTaskContext, Value,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::errors::{ErrorPolicy, Outcome, Stage};
use super::offset_buffer::OffsetBuffer;
use super::producer::{produce_with_retry, TaskProducer};
use super::TaskId;
use crate::chain::TransformationChain;
use crate::kafka::{Broker, CompressionType, HeaderKey, KafkaError, ProduceRecord, Ready};
use crate::storage::OffsetStore;

/// Whether a task should be running or paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskTarget {
    Running,
    Paused,
}

/// A lifecycle event a task instance reports to the herder, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskEvent {
    pub id: TaskId,
    /// Which run of the task this is, so a late event from a stopped instance is ignored.
    pub instance: u64,
    pub kind: TaskEventKind,
}

/// What happened to a task instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskEventKind {
    Running,
    Paused,
    Failed(String),
    Stopped,
    /// The task wrote to this topic for the first time (topic tracking).
    Topic(String),
}

/// The converters of one task.
pub struct RecordConverters {
    pub key: Box<dyn Converter>,
    pub value: Box<dyn Converter>,
    pub header: Box<dyn HeaderConverter>,
}

/// Everything a task loop needs, built by the herder.
pub struct SourceTaskRunner {
    pub id: TaskId,
    pub instance: u64,
    pub task: Box<dyn SourceTask>,
    pub task_config: strait_api::ConfigMap,
    pub context: SourceTaskContext,
    pub chain: TransformationChain,
    pub converters: RecordConverters,
    pub producer: TaskProducer,
    pub offsets: Arc<dyn OffsetStore>,
    pub policy: ErrorPolicy,
    pub flush_interval: Duration,
    pub flush_timeout: Duration,
    pub graceful_timeout: Duration,
    pub target: watch::Receiver<TaskTarget>,
    pub cancel: CancellationToken,
    pub events: mpsc::UnboundedSender<TaskEvent>,
}

/// A record on its way to the broker, with what is needed to commit it.
struct Pending {
    /// The record as polled (before transforms): for `commit_record`, and its source offset
    /// becomes committable once acknowledged.
    original: SourceRecord,
    /// Index of its destination in the batch's send list; `None` when a transform dropped it or
    /// a tolerated error skipped it.
    dest: Option<usize>,
}

/// One destination partition of a batch and the records for it, in order.
type Send = ((String, i32), Vec<ProduceRecord>);

/// Per destination index of a batch, the destination and the offsets the broker assigned.
type Acked = Vec<(usize, (String, i32), Vec<i64>)>;

/// A batch being produced in the background; the handle yields its [`Acked`] offsets.
struct InFlight {
    pending: Vec<Pending>,
    handle: ProduceHandle,
    /// Set when the produce has finished: `Some(true)` when every record was written. The
    /// next batch's sends wait for it, so batches reach each partition in poll order, and are
    /// never sent after a failed batch unless errors are tolerated.
    done: watch::Receiver<Option<bool>>,
}

/// The produce task of a batch, aborted when dropped before it is awaited (the task failed or
/// stopped with a batch still waiting to be sent).
struct ProduceHandle(JoinHandle<Result<Acked, KafkaError>>);

impl Drop for ProduceHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Spawns the produce of one polled batch's `sends`, whose records reach each partition only
/// after the `previous` batch's (and not at all after a failed one unless errors are
/// tolerated); encoding starts at once. Returns the task and the signal of its end.
fn spawn_produce(
    broker: Arc<dyn Broker>,
    compression: CompressionType,
    sends: Vec<Send>,
    previous: Option<watch::Receiver<Option<bool>>>,
    tolerate: bool,
) -> (ProduceHandle, watch::Receiver<Option<bool>>) {
    let (done_tx, done) = watch::channel(None);
    let handle = ProduceHandle(tokio::spawn(async move {
        let mut sets = tokio::task::JoinSet::new();
        for (index, ((topic, partition), records)) in sends.into_iter().enumerate() {
            let broker = broker.clone();
            let ready = after(previous.clone(), tolerate);
            sets.spawn(async move {
                let offsets = produce_with_retry(
                    broker.as_ref(),
                    &topic,
                    partition,
                    records,
                    compression,
                    ready,
                )
                .await?;
                Ok::<_, KafkaError>((index, (topic, partition), offsets))
            });
        }
        let mut acked = Vec::new();
        let mut failed = None;
        while let Some(joined) = sets.join_next().await {
            match joined {
                Ok(Ok(r)) => acked.push(r),
                Ok(Err(e)) => {
                    failed.get_or_insert(e);
                }
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        let _ = done_tx.send(Some(failed.is_none()));
        match failed {
            Some(e) => Err(e),
            None => Ok(acked),
        }
    }));
    (handle, done)
}

/// Completes when the previous batch's produce has written everything, or has finished either
/// way when errors are tolerated; never otherwise (the task fails on that batch and aborts
/// this one).
fn after(previous: Option<watch::Receiver<Option<bool>>>, tolerate: bool) -> Ready {
    Box::pin(async move {
        let Some(mut previous) = previous else {
            return;
        };
        let written = previous
            .wait_for(Option::is_some)
            .await
            .is_ok_and(|done| *done == Some(true));
        if !written && !tolerate {
            std::future::pending::<()>().await;
        }
    })
}

/// The last converted header at each header position of a record, reused while its inputs
/// repeat.
#[derive(Default)]
struct HeaderCache {
    /// The topic the slots were converted for (header converters may depend on it).
    topic: String,
    slots: Vec<Option<CachedHeader>>,
}

struct CachedHeader {
    key: String,
    /// Held so the schema's identity stays unique while cached.
    schema: Option<Schema>,
    value: Value,
    /// The key and converted value as produced: clones share their buffers.
    produced: (HeaderKey, Option<Bytes>),
}

impl HeaderCache {
    /// Starts a record of `topic`: what was converted for another topic is forgotten.
    fn record(&mut self, topic: &str) {
        if self.topic != topic {
            self.slots.clear();
            topic.clone_into(&mut self.topic);
        }
    }

    /// The key and bytes converted earlier for header `index`, if its inputs are the same.
    fn get(&self, index: usize, header: &Header) -> Option<(HeaderKey, Option<Bytes>)> {
        let c = self.slots.get(index)?.as_ref()?;
        let same_schema = match (&c.schema, &header.schema) {
            (Some(a), Some(b)) => a.ptr_eq(b),
            (None, None) => true,
            _ => false,
        };
        (same_schema && c.key == header.key && c.value == header.value).then(|| c.produced.clone())
    }

    /// Remembers a conversion; only scalar values, whose comparison is cheap.
    fn put(&mut self, index: usize, header: &Header, produced: &(HeaderKey, Option<Bytes>)) {
        if matches!(
            header.value,
            Value::Struct(_) | Value::Array(_) | Value::Map(_)
        ) {
            return;
        }
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(CachedHeader {
            key: header.key.clone(),
            schema: header.schema.clone(),
            value: header.value.clone(),
            produced: produced.clone(),
        });
    }
}

impl SourceTaskRunner {
    /// Spawns the loop; the handle completes when the task has stopped or failed.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(self.run())
    }

    fn emit(&self, kind: TaskEventKind) {
        let _ = self.events.send(TaskEvent {
            id: self.id.clone(),
            instance: self.instance,
            kind,
        });
    }

    async fn run(mut self) {
        let id = self.id.clone();
        match self.execute().await {
            Ok(()) => {
                self.emit(TaskEventKind::Stopped);
                tracing::info!(task = %id, "task stopped");
            }
            Err(e) => {
                let trace = e.chain();
                tracing::error!(task = %id, error = %trace, "task failed");
                let _ = self.task.stop().await;
                self.emit(TaskEventKind::Failed(trace));
            }
        }
    }

    async fn execute(&mut self) -> Result<(), ConnectError> {
        let config = self.task_config.clone();
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return Ok(()),
            r = self.task.start(&config, self.context.clone()) => r?,
        }
        tracing::info!(task = %self.id, "task started");
        let mut buffer = OffsetBuffer::default();
        let mut header_cache = HeaderCache::default();
        let mut in_flight: Option<InFlight> = None;
        let mut last_flush = Instant::now();
        let mut poll_backoff = Duration::from_millis(100);
        let mut paused_reported = false;
        self.emit(TaskEventKind::Running);
        loop {
            if *self.target.borrow() == TaskTarget::Paused {
                self.complete(&mut in_flight, &mut buffer).await?;
                self.flush(&mut buffer).await?;
                if !paused_reported {
                    self.emit(TaskEventKind::Paused);
                    paused_reported = true;
                }
                tokio::select! {
                    _ = self.cancel.cancelled() => break,
                    _ = self.target.changed() => {}
                }
                continue;
            }
            if paused_reported {
                paused_reported = false;
                self.emit(TaskEventKind::Running);
            }
            let polled = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => break,
                r = self.task.poll() => r,
            };
            let batch = match polled {
                Ok(b) => {
                    poll_backoff = Duration::from_millis(100);
                    b
                }
                Err(e) if e.is_retriable() => {
                    tracing::warn!(task = %self.id, error = %e.chain(), "poll failed with a retriable error, retrying");
                    tokio::select! {
                        _ = self.cancel.cancelled() => break,
                        _ = tokio::time::sleep(poll_backoff) => {}
                    }
                    poll_backoff = (poll_backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if !batch.is_empty() {
                let (pending, sends) = self.prepare(batch, &mut header_cache).await?;
                // Started before the previous batch completes: its records are encoded (and
                // compressed) while that batch is in flight, and sent once it is done.
                let previous = in_flight.as_ref().map(|f| f.done.clone());
                let tolerate = self.policy.tolerance == super::errors::Tolerance::All;
                let (handle, done) = spawn_produce(
                    self.producer.broker(),
                    self.producer.compression(),
                    sends,
                    previous,
                    tolerate,
                );
                self.complete(&mut in_flight, &mut buffer).await?;
                in_flight = Some(InFlight {
                    pending,
                    handle,
                    done,
                });
            }
            if in_flight.as_ref().is_some_and(|f| f.handle.0.is_finished()) {
                self.complete(&mut in_flight, &mut buffer).await?;
            }
            if last_flush.elapsed() >= self.flush_interval {
                self.complete(&mut in_flight, &mut buffer).await?;
                self.flush(&mut buffer).await?;
                last_flush = Instant::now();
            }
        }
        // Stopping: finish what was sent, within the graceful timeout, then commit.
        let graceful = self.graceful_timeout;
        match tokio::time::timeout(graceful, self.complete(&mut in_flight, &mut buffer)).await {
            Ok(r) => r?,
            Err(_) => {
                tracing::warn!(task = %self.id, "in-flight records not acknowledged within the graceful timeout; their offsets are not committed")
            }
        }
        self.flush(&mut buffer).await?;
        self.task.stop().await?;
        Ok(())
    }

    /// Transforms and converts a polled batch, grouping produce records by destination.
    async fn prepare(
        &mut self,
        batch: Vec<SourceRecord>,
        header_cache: &mut HeaderCache,
    ) -> Result<(Vec<Pending>, Vec<Send>), ConnectError> {
        let now = chrono::Utc::now().timestamp_millis();
        let task_name = self.id.to_string();
        let mut pending = Vec::with_capacity(batch.len());
        let mut sends: Vec<Send> = Vec::new();
        let transforms = !self.chain.is_empty();
        for original in batch {
            // With transforms, the polled record is kept for commit_record and a transformed
            // copy is sent; without, the polled record is the one sent.
            let transformed = if transforms {
                let chain = &mut self.chain;
                let out = self
                    .policy
                    .run(&task_name, Stage::Transformation, &original, || {
                        chain.apply(original.clone())
                    })
                    .await?;
                match out {
                    Outcome::Done(Some(r)) => Some(r),
                    Outcome::Done(None) | Outcome::Skipped => {
                        pending.push(Pending {
                            original,
                            dest: None,
                        });
                        continue;
                    }
                }
            } else {
                None
            };
            let record = transformed.as_ref().unwrap_or(&original);
            let Some(produce) = convert(
                &self.converters,
                &self.policy,
                &task_name,
                record,
                now,
                header_cache,
            )
            .await?
            else {
                pending.push(Pending {
                    original,
                    dest: None,
                });
                continue;
            };
            let (count, first_time) = self.producer.ensure_topic(&record.topic).await?;
            if first_time {
                self.emit(TaskEventKind::Topic(record.topic.clone()));
            }
            let p = self.producer.partition(
                &record.topic,
                record.kafka_partition,
                produce.key.as_deref(),
                count,
            );
            let index = match sends
                .iter()
                .position(|((t, q), _)| *q == p && *t == record.topic)
            {
                Some(i) => {
                    sends[i].1.push(produce);
                    i
                }
                None => {
                    sends.push(((record.topic.clone(), p), vec![produce]));
                    sends.len() - 1
                }
            };
            pending.push(Pending {
                original,
                dest: Some(index),
            });
        }
        self.producer.rotate_sticky();
        Ok((pending, sends))
    }

    /// Waits for the in-flight batch and moves its offsets into the commit buffer.
    async fn complete(
        &mut self,
        in_flight: &mut Option<InFlight>,
        buffer: &mut OffsetBuffer,
    ) -> Result<(), ConnectError> {
        let Some(InFlight {
            pending,
            mut handle,
            done: _,
        }) = in_flight.take()
        else {
            return Ok(());
        };
        let acked = match (&mut handle.0).await {
            Ok(Ok(acked)) => Some(acked),
            Ok(Err(e)) if self.policy.tolerance == super::errors::Tolerance::All => {
                tracing::error!(task = %self.id, error = %e, "failed to send records; skipping them (errors.tolerance=all)");
                None
            }
            Ok(Err(e)) => {
                return Err(ConnectError::fatal_from(
                    "Unrecoverable exception from producer send callback",
                    e,
                ))
            }
            Err(e) => return Err(ConnectError::fatal(format!("produce task failed: {e}"))),
        };
        // Per destination, the broker's offsets in the order its records were queued; one
        // metadata value per destination whose offset is advanced record by record.
        let mut dests: Vec<Option<(RecordMetadata, std::vec::IntoIter<i64>)>> = Vec::new();
        for (index, (topic, partition), offsets) in acked.unwrap_or_default() {
            if dests.len() <= index {
                dests.resize_with(index + 1, || None);
            }
            let metadata = RecordMetadata {
                topic,
                partition,
                offset: -1,
            };
            dests[index] = Some((metadata, offsets.into_iter()));
        }
        for Pending { mut original, dest } in pending {
            let slot = dest.and_then(|i| dests.get_mut(i)).and_then(Option::as_mut);
            let metadata = match slot {
                Some((metadata, offsets)) => offsets.next().map(|offset| {
                    metadata.offset = offset;
                    &*metadata
                }),
                None => None,
            };
            self.task.commit_record(&original, metadata)?;
            let offset = std::mem::take(&mut original.source_offset);
            buffer.update(&original.source_partition, offset);
        }
        Ok(())
    }

    /// Writes buffered offsets to the offset store and lets the task know.
    async fn flush(&mut self, buffer: &mut OffsetBuffer) -> Result<(), ConnectError> {
        let entries = buffer.snapshot();
        if entries.is_empty() {
            return Ok(());
        }
        let n = entries.len();
        let written = tokio::time::timeout(
            self.flush_timeout,
            self.offsets.put(&self.id.connector, entries),
        )
        .await;
        if matches!(written, Ok(Ok(()))) {
            buffer.clear();
        }
        match written {
            Ok(Ok(())) => {
                tracing::debug!(task = %self.id, partitions = n, "committed offsets");
                self.task.commit().await
            }
            Ok(Err(e)) => {
                tracing::error!(task = %self.id, error = %e, "failed to commit offsets; they will be committed with the next flush");
                Ok(())
            }
            Err(_) => {
                tracing::error!(task = %self.id, "offset commit timed out (offset.flush.timeout.ms)");
                Ok(())
            }
        }
    }
}

/// Converts key, value and headers; `None` when a tolerated error skips the record.
async fn convert(
    conv: &RecordConverters,
    policy: &ErrorPolicy,
    task: &str,
    record: &SourceRecord,
    now: i64,
    header_cache: &mut HeaderCache,
) -> Result<Option<ProduceRecord>, ConnectError> {
    let topic = record.topic.as_str();
    let key = match policy
        .run(task, Stage::KeyConverter, record, || {
            conv.key
                .from_connect_data(topic, record.key_schema.as_ref(), &record.key)
        })
        .await?
    {
        Outcome::Done(k) => k,
        Outcome::Skipped => return Ok(None),
    };
    let value = match policy
        .run(task, Stage::ValueConverter, record, || {
            conv.value
                .from_connect_data(topic, record.value_schema.as_ref(), &record.value)
        })
        .await?
    {
        Outcome::Done(v) => v,
        Outcome::Skipped => return Ok(None),
    };
    let mut headers = Vec::with_capacity(record.headers.len());
    if !record.headers.is_empty() {
        header_cache.record(topic);
    }
    for (index, h) in record.headers.iter().enumerate() {
        if let Some(produced) = header_cache.get(index, h) {
            headers.push(produced);
            continue;
        }
        match policy
            .run(task, Stage::HeaderConverter, record, || {
                conv.header
                    .from_connect_header(topic, &h.key, h.schema.as_ref(), &h.value)
            })
            .await?
        {
            Outcome::Done(bytes) => {
                let produced = (HeaderKey::from(h.key.as_str()), bytes.map(Into::into));
                header_cache.put(index, h, &produced);
                headers.push(produced);
            }
            Outcome::Skipped => return Ok(None),
        }
    }
    // Kafka's `ConnectUtils.checkAndConvertTimestamp`: -1 (or none) means "now"; other
    // negative timestamps are invalid.
    let timestamp_ms = match record.timestamp {
        None | Some(-1) => now,
        Some(t) if t < 0 => {
            return Err(ConnectError::data(format!(
                "Invalid record timestamp {t} for topic {}: timestamps must be non-negative or -1",
                record.topic
            )))
        }
        Some(t) => t,
    };
    Ok(Some(ProduceRecord {
        key: key.map(Into::into),
        value: value.map(Into::into),
        headers,
        timestamp_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(key: &str, schema: Option<Schema>, value: Value) -> Header {
        Header {
            key: key.to_string(),
            schema,
            value,
        }
    }

    #[test]
    fn header_cache_reuses_bytes_only_for_the_same_inputs() {
        let string = Schema::string();
        let h = header("a", Some(string.clone()), Value::String("x".into()));
        let bytes = (HeaderKey::from("a"), Some(Bytes::from_static(b"converted")));
        let mut cache = HeaderCache::default();
        cache.record("t1");
        assert_eq!(cache.get(0, &h), None);
        cache.put(0, &h, &bytes);
        assert_eq!(cache.get(0, &h), Some(bytes.clone()));
        // Another position, key, value or schema allocation is a miss.
        assert_eq!(cache.get(1, &h), None);
        let other_key = header("b", Some(string.clone()), Value::String("x".into()));
        assert_eq!(cache.get(0, &other_key), None);
        let other_value = header("a", Some(string.clone()), Value::String("y".into()));
        assert_eq!(cache.get(0, &other_value), None);
        let twin = strait_api::SchemaBuilder::new(strait_api::SchemaType::String).build();
        let equal_schema = header("a", Some(twin), Value::String("x".into()));
        assert_eq!(cache.get(0, &equal_schema), None);
        let schemaless = header("a", None, Value::String("x".into()));
        assert_eq!(cache.get(0, &schemaless), None);
        // Same topic keeps the entry; another topic forgets it.
        cache.record("t1");
        assert_eq!(cache.get(0, &h), Some(bytes.clone()));
        cache.record("t2");
        assert_eq!(cache.get(0, &h), None);
        // Tombstone-like null bytes are cached too; struct values are not.
        let null = (HeaderKey::from("a"), None);
        cache.put(0, &schemaless, &null);
        assert_eq!(cache.get(0, &schemaless), Some(null));
        let s = strait_api::SchemaBuilder::struct_()
            .field("f", Schema::int32())
            .build();
        let structured = header(
            "k",
            Some(s.clone()),
            Value::Struct(strait_api::Struct::new(s)),
        );
        cache.put(1, &structured, &bytes);
        assert_eq!(cache.get(1, &structured), None);
    }

    /// Logs each produce call by its first record's value; `hold` waits to be released,
    /// `fail` fails for good.
    #[derive(Default)]
    struct ScriptedBroker {
        log: std::sync::Mutex<Vec<String>>,
        release: tokio::sync::Notify,
    }

    impl ScriptedBroker {
        fn log(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }
    }

    #[async_trait::async_trait]
    impl Broker for ScriptedBroker {
        async fn produce_compressed(
            &self,
            _topic: &str,
            _partition: i32,
            records: Vec<ProduceRecord>,
            _compression: CompressionType,
        ) -> Result<Vec<i64>, KafkaError> {
            let value = records[0].value.clone().unwrap();
            let value = String::from_utf8(value.to_vec()).unwrap();
            match value.as_str() {
                "hold" => {
                    self.log.lock().unwrap().push("holding".into());
                    self.release.notified().await;
                }
                "fail" => {
                    self.log.lock().unwrap().push("failed".into());
                    return Err(KafkaError::Config {
                        message: "refused".into(),
                    });
                }
                _ => {}
            }
            self.log.lock().unwrap().push(format!("wrote {value}"));
            Ok((0..records.len() as i64).collect())
        }

        async fn read_to_end(
            &self,
            _: &str,
            _: i32,
            _: i64,
        ) -> Result<(Vec<crate::kafka::ConsumedRecord>, i64), KafkaError> {
            unreachable!("not read in these tests")
        }

        async fn create_topic(&self, _: &crate::kafka::TopicSpec) -> Result<bool, KafkaError> {
            unreachable!("not created in these tests")
        }

        async fn describe_topic_configs(
            &self,
            _: &str,
        ) -> Result<std::collections::BTreeMap<String, String>, KafkaError> {
            unreachable!("not described in these tests")
        }

        async fn partition_count(&self, _: &str) -> Result<Option<i32>, KafkaError> {
            unreachable!("not counted in these tests")
        }
    }

    fn sends(value: &'static str) -> Vec<Send> {
        let record = ProduceRecord {
            key: None,
            value: Some(Bytes::from_static(value.as_bytes())),
            headers: Vec::new(),
            timestamp_ms: 0,
        };
        vec![(("t".to_string(), 0), vec![record])]
    }

    #[tokio::test]
    async fn a_batch_is_sent_only_after_the_previous_one_is_written() {
        let broker = Arc::new(ScriptedBroker::default());
        let (first, first_done) = spawn_produce(
            broker.clone(),
            CompressionType::None,
            sends("hold"),
            None,
            false,
        );
        let (second, _) = spawn_produce(
            broker.clone(),
            CompressionType::None,
            sends("next"),
            Some(first_done),
            false,
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(broker.log(), ["holding"], "the second batch waits");
        broker.release.notify_one();
        let (mut first, mut second) = (first, second);
        assert!(matches!((&mut first.0).await, Ok(Ok(_))));
        let acked = (&mut second.0).await.unwrap().unwrap();
        assert_eq!(acked, vec![(0, ("t".to_string(), 0), vec![0])]);
        assert_eq!(broker.log(), ["holding", "wrote hold", "wrote next"]);
    }

    #[tokio::test]
    async fn a_batch_after_a_failed_one_is_sent_only_when_errors_are_tolerated() {
        for tolerate in [false, true] {
            let broker = Arc::new(ScriptedBroker::default());
            let (mut first, first_done) = spawn_produce(
                broker.clone(),
                CompressionType::None,
                sends("fail"),
                None,
                tolerate,
            );
            let (mut second, _) = spawn_produce(
                broker.clone(),
                CompressionType::None,
                sends("next"),
                Some(first_done),
                tolerate,
            );
            assert!(matches!(
                (&mut first.0).await,
                Ok(Err(KafkaError::Config { .. }))
            ));
            if tolerate {
                assert!(matches!((&mut second.0).await, Ok(Ok(_))));
                assert_eq!(broker.log(), ["failed", "wrote next"]);
            } else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                assert_eq!(broker.log(), ["failed"], "nothing after the failed batch");
                drop(second);
            }
        }
    }
}
