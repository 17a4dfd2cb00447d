//! CDC: reading one table's DynamoDB stream into records, shard by shard.
//!
//! One coordinator per table lists the stream's shards (every `DescribeStream` page), feeds the
//! [`ShardTracker`], and starts one reader per ready shard; readers of siblings and unrelated
//! shards run in parallel, a child only after its parent finished. When a shard finishes the
//! coordinator lists again soon, because children may appear a little after their parent
//! closes.
//!
//! **Positions, not iterators.** A reader starts from the shard's committed sequence number
//! (`AFTER_SEQUENCE_NUMBER`) or, with none, from `TRIM_HORIZON`, and keeps the sequence number of
//! the last record it handed to the task; iterators are never stored and an expired one is
//! simply re-acquired from that position. A stored position is only used if it belongs to the
//! current stream and to the current type C start time (see [`super::offset`]).
//!
//! **Start time.** Where the stream is entered without a position — a new table in CDC mode,
//! after a snapshot, after a new type C offset — records created before the start time are
//! skipped. `ApproximateCreationDateTime` has one-second resolution, so the comparison is in whole
//! seconds and keeps a record of the start second: a few duplicates, never a loss. This is how
//! `AT_TIMESTAMP` works everywhere (KCL and the emulators have no native `AT_TIMESTAMP`).
//!
//! **Errors.** Throttling and network failures are retried with backoff. A
//! `TrimmedDataAccessException` when resuming from a delivered position means changes were
//! lost; it fails the task with a message saying how to accept the loss or re-snapshot. A shard
//! the service no longer knows (`ResourceNotFoundException`) counts as finished, as in KCL.
//!
//! The Streams API sits behind [`StreamsApi`] so the coordinator and the readers are tested
//! against scripted lineages, expiries and trims that no emulator produces.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::types::{OperationType, Record, ShardIteratorType, StreamStatus};
use strait_api::{OffsetMap, OffsetStorageReader, SourceRecord, Value};
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, Instant};

use super::attribute_json::item_to_string;
use super::envelope::{Op, SourcePosition, TableSchemas, Timestamps};
use super::error::DynamoDbError;
use super::offset::{shard_partition, ShardCheckpoint};
use super::retry::Backoff;
use super::shards::{Position, ShardInfo, ShardTracker};
use super::sink::RecordSink;

/// The most records one `GetRecords` may ask for.
pub const GET_RECORDS_MAX: i32 = 1000;
/// How soon after a shard finished the stream is listed again, to find its children.
const CHILD_LISTING_DELAY: Duration = Duration::from_secs(1);

/// One page of `DescribeStream`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShardPage {
    pub shards: Vec<ShardInfo>,
    pub last_evaluated_shard_id: Option<String>,
    /// Whether the stream is disabled (no new shards will appear).
    pub disabled: bool,
}

/// One page of `GetRecords`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordsPage {
    pub records: Vec<Record>,
    /// `None` once a closed shard is read to its end.
    pub next_iterator: Option<String>,
}

/// How a Streams call failed.
#[derive(Debug)]
pub enum StreamCallError {
    /// `ExpiredIteratorException`.
    ExpiredIterator,
    /// `TrimmedDataAccessException`.
    Trimmed,
    /// `ResourceNotFoundException`.
    NotFound,
    /// Anything else (retriable or not, as classified).
    Other(DynamoDbError),
}

/// The three DynamoDB Streams calls CDC needs.
#[async_trait]
pub trait StreamsApi: Send + Sync {
    /// One page of the stream's shards.
    async fn describe_shards(
        &self,
        stream_arn: &str,
        exclusive_start_shard_id: Option<String>,
    ) -> Result<ShardPage, StreamCallError>;
    /// An iterator at `position` of a shard.
    async fn shard_iterator(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &Position,
    ) -> Result<String, StreamCallError>;
    /// The records at an iterator.
    async fn get_records(&self, iterator: &str, limit: i32)
        -> Result<RecordsPage, StreamCallError>;
}

fn call_error<E, R>(
    operation: &'static str,
    context: String,
    err: SdkError<E, R>,
) -> StreamCallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err.code() {
        Some("ExpiredIteratorException") => StreamCallError::ExpiredIterator,
        Some("TrimmedDataAccessException") => StreamCallError::Trimmed,
        Some("ResourceNotFoundException") => StreamCallError::NotFound,
        _ => StreamCallError::Other(DynamoDbError::aws(operation, context, err)),
    }
}

/// [`StreamsApi`] over the AWS SDK.
#[derive(Clone, Debug)]
pub struct SdkStreams(pub aws_sdk_dynamodbstreams::Client);

#[async_trait]
impl StreamsApi for SdkStreams {
    async fn describe_shards(
        &self,
        stream_arn: &str,
        exclusive_start_shard_id: Option<String>,
    ) -> Result<ShardPage, StreamCallError> {
        let out = self
            .0
            .describe_stream()
            .stream_arn(stream_arn)
            .set_exclusive_start_shard_id(exclusive_start_shard_id)
            .limit(100)
            .send()
            .await
            .map_err(|e| call_error("DescribeStream", format!("stream {stream_arn}"), e))?;
        let Some(d) = out.stream_description() else {
            return Ok(ShardPage::default());
        };
        Ok(ShardPage {
            shards: d
                .shards()
                .iter()
                .filter_map(|s| Some(ShardInfo::new(s.shard_id()?, s.parent_shard_id())))
                .collect(),
            last_evaluated_shard_id: d.last_evaluated_shard_id().map(str::to_string),
            disabled: matches!(
                d.stream_status(),
                Some(StreamStatus::Disabled | StreamStatus::Disabling)
            ),
        })
    }

    async fn shard_iterator(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &Position,
    ) -> Result<String, StreamCallError> {
        let request = self
            .0
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(shard_id);
        let request = match position {
            Position::TrimHorizon => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            Position::After(seq) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(seq),
        };
        let out = request
            .send()
            .await
            .map_err(|e| call_error("GetShardIterator", format!("shard {shard_id}"), e))?;
        out.shard_iterator()
            .map(str::to_string)
            .ok_or(StreamCallError::NotFound)
    }

    async fn get_records(
        &self,
        iterator: &str,
        limit: i32,
    ) -> Result<RecordsPage, StreamCallError> {
        let out = self
            .0
            .get_records()
            .shard_iterator(iterator)
            .limit(limit)
            .send()
            .await
            .map_err(|e| call_error("GetRecords", "a shard iterator".to_string(), e))?;
        Ok(RecordsPage {
            next_iterator: out.next_shard_iterator().map(str::to_string),
            records: out.records.unwrap_or_default(),
        })
    }
}

/// A complete shard listing of a stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamListing {
    pub shards: Vec<ShardInfo>,
    pub disabled: bool,
}

/// Lists every shard, following `LastEvaluatedShardId` (and stopping on a repeated cursor).
///
/// # Errors
/// The failing call's error; a stream that no longer exists is an empty, disabled listing.
pub async fn list_shards(
    api: &dyn StreamsApi,
    stream_arn: &str,
) -> Result<StreamListing, DynamoDbError> {
    let mut listing = StreamListing::default();
    let mut seen = HashSet::new();
    let mut start = None;
    loop {
        let page = match api.describe_shards(stream_arn, start.take()).await {
            Ok(page) => page,
            Err(StreamCallError::NotFound) => {
                return Ok(StreamListing {
                    shards: Vec::new(),
                    disabled: true,
                })
            }
            Err(StreamCallError::Other(e)) => return Err(e),
            Err(other) => {
                return Err(DynamoDbError::Aws {
                    operation: "DescribeStream",
                    context: Some(format!("stream {stream_arn}")),
                    code: None,
                    message: format!("unexpected {other:?}"),
                    retriable: true,
                })
            }
        };
        listing.shards.extend(page.shards);
        listing.disabled = page.disabled;
        match page.last_evaluated_shard_id {
            Some(next) if seen.insert(next.clone()) => start = Some(next),
            _ => return Ok(listing),
        }
    }
}

/// What CDC of one table needs to know.
#[derive(Clone, Debug)]
pub struct CdcPlan {
    pub schemas: Arc<TableSchemas>,
    pub stream_arn: String,
    /// Records created before this time (epoch ms) are skipped in shards entered without a
    /// position; `None` reads everything the stream holds.
    pub start_time: Option<i64>,
    /// The type C start time in force, written into every shard position.
    pub type_c: Option<i64>,
    /// `GetRecords` limit (at most [`GET_RECORDS_MAX`]).
    pub limit: i32,
    /// Wait after an empty page of an open shard.
    pub idle_wait: Duration,
    /// How often the stream is listed for new shards.
    pub listing_interval: Duration,
}

/// Reads the stream of one table until it is disabled and fully read (or the task stops).
///
/// # Errors
/// A fatal [`DynamoDbError`] (trimmed position, unreadable offset, non-retriable AWS error);
/// [`DynamoDbError::Stopped`] when the task stopped.
pub async fn run_stream(
    api: Arc<dyn StreamsApi>,
    plan: Arc<CdcPlan>,
    offsets: Arc<dyn OffsetStorageReader>,
    sink: RecordSink,
) -> Result<(), DynamoDbError> {
    let table = plan.schemas.table().to_string();
    let mut tracker = ShardTracker::new();
    let mut readers: JoinSet<(String, Result<(), DynamoDbError>)> = JoinSet::new();
    let mut next_listing = Instant::now();
    let mut disabled = false;
    let mut backoff = Backoff::new();
    tracing::info!(table = %table, stream = %plan.stream_arn, start_time = ?plan.start_time, "cdc started");
    loop {
        if Instant::now() >= next_listing {
            match list_shards(api.as_ref(), &plan.stream_arn).await {
                Ok(listing) => {
                    backoff.reset();
                    tracker.update(&listing.shards);
                    disabled = listing.disabled;
                    next_listing = Instant::now() + plan.listing_interval;
                }
                Err(e) if e.is_retriable() => {
                    backoff.wait("DescribeStream", &e).await;
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        for shard in tracker.take_ready() {
            let start = start_position(offsets.as_ref(), &plan, &shard).await?;
            tracing::debug!(table = %table, shard = %shard, start = ?start, "reading shard");
            let (api, plan, sink) = (api.clone(), plan.clone(), sink.clone());
            readers.spawn(async move {
                let result = read_shard(api.as_ref(), &plan, &shard, start, &sink).await;
                (shard, result)
            });
        }
        if disabled && readers.is_empty() && tracker.all_finished() {
            tracing::info!(table = %table, "stream is disabled and fully read; cdc of this table ends");
            return Ok(());
        }
        tokio::select! {
            joined = readers.join_next(), if !readers.is_empty() => match joined {
                Some(Ok((shard, Ok(())))) => {
                    tracing::debug!(table = %table, shard = %shard, "shard finished");
                    tracker.finish(&shard);
                    next_listing = next_listing.min(Instant::now() + CHILD_LISTING_DELAY);
                }
                Some(Ok((_, Err(e)))) => return Err(e),
                Some(Err(join)) => {
                    return Err(DynamoDbError::Aws {
                        operation: "shard reader",
                        context: Some(format!("table {table}")),
                        code: None,
                        message: join.to_string(),
                        retriable: false,
                    })
                }
                None => {}
            },
            () = sleep_until(next_listing) => {}
        }
    }
}

/// Where a shard's reader starts: its committed position if it still applies, else the start
/// of the shard.
async fn start_position(
    offsets: &dyn OffsetStorageReader,
    plan: &CdcPlan,
    shard: &str,
) -> Result<Position, DynamoDbError> {
    let partition = shard_partition(plan.schemas.table(), shard);
    let stored = offsets
        .offset(&partition)
        .await
        .map_err(|e| DynamoDbError::Offset {
            partition: serde_json::Value::Object(partition.clone()).to_string(),
            message: e.to_string(),
        })?;
    let Some(stored) = stored else {
        return Ok(Position::TrimHorizon);
    };
    let checkpoint =
        ShardCheckpoint::from_offset(&stored).map_err(|message| DynamoDbError::Offset {
            partition: serde_json::Value::Object(partition).to_string(),
            message,
        })?;
    if checkpoint.applies_to(&plan.stream_arn, plan.type_c) {
        Ok(Position::After(checkpoint.sequence_number))
    } else {
        tracing::info!(
            table = %plan.schemas.table(),
            shard,
            "stored shard position belongs to another stream or start time; reading from the start time"
        );
        Ok(Position::TrimHorizon)
    }
}

/// Reads one shard to its end.
async fn read_shard(
    api: &dyn StreamsApi,
    plan: &CdcPlan,
    shard: &str,
    start: Position,
    sink: &RecordSink,
) -> Result<(), DynamoDbError> {
    let partition = Arc::new(shard_partition(plan.schemas.table(), shard));
    let mut position = start;
    let mut delivered: Option<String> = match &position {
        Position::After(seq) => Some(seq.clone()),
        Position::TrimHorizon => None,
    };
    let mut iterator: Option<String> = None;
    let mut backoff = Backoff::new();
    let trimmed = |delivered: &Option<String>| -> Option<DynamoDbError> {
        delivered.as_ref().map(|seq| DynamoDbError::Trimmed {
            table: plan.schemas.table().to_string(),
            shard: shard.to_string(),
            sequence: seq.clone(),
        })
    };
    loop {
        let current = match iterator.take() {
            Some(it) => it,
            None => match api.shard_iterator(&plan.stream_arn, shard, &position).await {
                Ok(it) => it,
                Err(StreamCallError::NotFound) => {
                    tracing::info!(shard, "shard no longer exists; counting it as finished");
                    return Ok(());
                }
                Err(StreamCallError::Trimmed) => match trimmed(&delivered) {
                    Some(e) => return Err(e),
                    None => {
                        position = Position::TrimHorizon;
                        continue;
                    }
                },
                Err(StreamCallError::ExpiredIterator) => continue,
                Err(StreamCallError::Other(e)) if e.is_retriable() => {
                    backoff.wait("GetShardIterator", &e).await;
                    continue;
                }
                Err(StreamCallError::Other(e)) => return Err(e),
            },
        };
        match api.get_records(&current, plan.limit).await {
            Ok(page) => {
                backoff.reset();
                let mut records = Vec::with_capacity(page.records.len());
                for record in &page.records {
                    let Some(seq) = record.dynamodb().and_then(|d| d.sequence_number()) else {
                        continue;
                    };
                    if keep(plan, record) {
                        change_records(
                            plan,
                            &partition,
                            record,
                            seq,
                            delivered.as_deref(),
                            &mut records,
                        )?;
                        delivered = Some(seq.to_string());
                    }
                    position = Position::After(seq.to_string());
                }
                sink.send(records).await?;
                match page.next_iterator {
                    None => return Ok(()),
                    Some(next) => iterator = Some(next),
                }
                if page.records.is_empty() {
                    sleep(plan.idle_wait).await;
                }
            }
            Err(StreamCallError::ExpiredIterator) => {
                tracing::debug!(shard, position = ?position, "shard iterator expired; re-acquiring it");
            }
            Err(StreamCallError::Trimmed) => match trimmed(&delivered) {
                Some(e) => return Err(e),
                None => position = Position::TrimHorizon,
            },
            Err(StreamCallError::NotFound) => {
                tracing::info!(shard, "shard no longer exists; counting it as finished");
                return Ok(());
            }
            Err(StreamCallError::Other(e)) if e.is_retriable() => {
                backoff.wait("GetRecords", &e).await;
                iterator = Some(current);
            }
            Err(StreamCallError::Other(e)) => return Err(e),
        }
    }
}

/// The record's `ApproximateCreationDateTime` in epoch ms.
fn created_millis(record: &Record) -> Option<i64> {
    let t = record.dynamodb()?.approximate_creation_date_time()?;
    Some(t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000))
}

/// Whether a record is at or after the plan's start time (compared in whole seconds).
fn keep(plan: &CdcPlan, record: &Record) -> bool {
    match (plan.start_time, created_millis(record)) {
        (Some(start), Some(created)) => created.div_euclid(1000) >= start.div_euclid(1000),
        _ => true,
    }
}

/// The records of one stream record: the envelope, and for a REMOVE the tombstone after it.
/// A REMOVE envelope carries the previous position, so a crash between it and its tombstone
/// replays both.
fn change_records(
    plan: &CdcPlan,
    partition: &Arc<OffsetMap>,
    record: &Record,
    seq: &str,
    previous: Option<&str>,
    out: &mut Vec<SourceRecord>,
) -> Result<(), DynamoDbError> {
    let schemas = &plan.schemas;
    let context = |message: String| DynamoDbError::Aws {
        operation: "GetRecords",
        context: Some(format!("table {} sequence number {seq}", schemas.table())),
        code: None,
        message,
        retriable: false,
    };
    let Some(change) = record.dynamodb() else {
        return Ok(());
    };
    let keys = change
        .keys()
        .ok_or_else(|| context("stream record has no Keys".into()))?;
    let key = schemas.key(keys).map_err(|e| context(e.to_string()))?;
    let image = |i: Option<
        &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >| { i.map(item_to_string) };
    let (op, before, after) = match record.event_name() {
        Some(OperationType::Insert) => (Op::Create, None, image(change.new_image())),
        Some(OperationType::Modify) => (
            Op::Update,
            image(change.old_image()),
            image(change.new_image()),
        ),
        Some(OperationType::Remove) => (Op::Delete, image(change.old_image()), None),
        other => return Err(context(format!("unknown event name {other:?}"))),
    };
    let processed = Timestamps::now();
    let ts = created_millis(record).map_or(processed, Timestamps::stream_record);
    let shard_id = partition
        .get(super::offset::SHARD_ID)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let value = schemas.envelope(
        op,
        ts,
        processed,
        SourcePosition::Stream {
            shard_id,
            seq_no: seq,
        },
        before,
        after,
    );
    let checkpoint = |seq: &str| {
        ShardCheckpoint {
            stream_arn: plan.stream_arn.clone(),
            sequence_number: seq.to_string(),
            start_position: plan.type_c,
            start_time: plan.start_time,
        }
        .to_offset()
    };
    let this = checkpoint(seq);
    let envelope_offset = match (op, previous) {
        (Op::Delete, Some(prev)) => checkpoint(prev),
        _ => this.clone(),
    };
    let topic = schemas.table();
    out.push(
        SourceRecord::new(
            Arc::clone(partition),
            envelope_offset.into(),
            topic,
            Some(schemas.value_schema().clone()),
            value,
        )
        .with_key(Some(schemas.key_schema().clone()), key.clone()),
    );
    if op == Op::Delete {
        out.push(
            SourceRecord::new(Arc::clone(partition), this.into(), topic, None, Value::Null)
                .with_key(Some(schemas.key_schema().clone()), key),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use aws_sdk_dynamodbstreams::primitives::DateTime;
    use aws_sdk_dynamodbstreams::types::{AttributeValue as S, StreamRecord};
    use strait_api::Result as ApiResult;

    use super::*;
    use crate::dynamodb::offset::compare_sequence_numbers;
    use crate::dynamodb::sink::Event;

    const ARN: &str = "arn:aws:dynamodb:us-east-1:1:table/t/stream/x";

    fn record(op: OperationType, id: &str, seq: u64, created_s: i64) -> Record {
        let image = |v: &str| -> HashMap<String, S> {
            [
                ("id".to_string(), S::S(id.into())),
                ("v".to_string(), S::S(v.into())),
            ]
            .into()
        };
        let mut change = StreamRecord::builder()
            .keys("id", S::S(id.into()))
            .sequence_number(format!("{seq:021}"))
            .approximate_creation_date_time(DateTime::from_secs(created_s));
        if op != OperationType::Insert {
            change = change.set_old_image(Some(image("old")));
        }
        if op != OperationType::Remove {
            change = change.set_new_image(Some(image("new")));
        }
        Record::builder()
            .event_name(op)
            .dynamodb(change.build())
            .build()
    }

    /// A scripted stream: shards with records, closed or open, and injected failures.
    #[derive(Default)]
    struct FakeStreams {
        state: Mutex<FakeState>,
    }

    #[derive(Default)]
    struct FakeState {
        /// (shard, parent, records, closed)
        shards: Vec<(String, Option<String>, Vec<Record>, bool)>,
        /// Failures returned by the next GetRecords calls, in order.
        get_failures: Vec<StreamCallError>,
        /// GetShardIterator failures, in order.
        iterator_failures: Vec<StreamCallError>,
        /// Shards per DescribeStream page.
        page_size: usize,
        /// Every GetShardIterator request.
        iterator_requests: Vec<(String, Position)>,
        /// Order in which records were first served: shard ids.
        served: Vec<String>,
        /// GetRecords calls so far, and the call (1-based) that returns ExpiredIterator.
        get_calls: usize,
        expire_at_call: Option<usize>,
    }

    impl FakeStreams {
        fn new(page_size: usize) -> Self {
            let f = Self::default();
            f.state.lock().unwrap().page_size = page_size;
            f
        }
        fn shard(&self, id: &str, parent: Option<&str>, records: Vec<Record>, closed: bool) {
            self.state.lock().unwrap().shards.push((
                id.into(),
                parent.map(str::to_string),
                records,
                closed,
            ));
        }
    }

    #[async_trait]
    impl StreamsApi for FakeStreams {
        async fn describe_shards(
            &self,
            _arn: &str,
            start: Option<String>,
        ) -> Result<ShardPage, StreamCallError> {
            let s = self.state.lock().unwrap();
            let from = match start {
                None => 0,
                Some(id) => s.shards.iter().position(|x| x.0 == id).map_or(0, |i| i + 1),
            };
            let page: Vec<_> = s.shards.iter().skip(from).take(s.page_size).collect();
            let more = from + page.len() < s.shards.len();
            Ok(ShardPage {
                shards: page
                    .iter()
                    .map(|x| ShardInfo::new(x.0.clone(), x.1.as_deref()))
                    .collect(),
                last_evaluated_shard_id: more.then(|| page.last().map(|x| x.0.clone())).flatten(),
                disabled: s.shards.iter().all(|x| x.3),
            })
        }

        async fn shard_iterator(
            &self,
            _arn: &str,
            shard: &str,
            position: &Position,
        ) -> Result<String, StreamCallError> {
            let mut s = self.state.lock().unwrap();
            s.iterator_requests
                .push((shard.to_string(), position.clone()));
            if !s.iterator_failures.is_empty() {
                return Err(s.iterator_failures.remove(0));
            }
            let (_, _, records, _) = s
                .shards
                .iter()
                .find(|x| x.0 == shard)
                .ok_or(StreamCallError::NotFound)?;
            let index = match position {
                Position::TrimHorizon => 0,
                Position::After(seq) => records
                    .iter()
                    .position(|r| {
                        compare_sequence_numbers(
                            r.dynamodb().unwrap().sequence_number().unwrap(),
                            seq,
                        ) == std::cmp::Ordering::Greater
                    })
                    .unwrap_or(records.len()),
            };
            Ok(format!("{shard}|{index}"))
        }

        async fn get_records(
            &self,
            iterator: &str,
            limit: i32,
        ) -> Result<RecordsPage, StreamCallError> {
            let mut s = self.state.lock().unwrap();
            s.get_calls += 1;
            if s.expire_at_call == Some(s.get_calls) {
                return Err(StreamCallError::ExpiredIterator);
            }
            if !s.get_failures.is_empty() {
                return Err(s.get_failures.remove(0));
            }
            let (shard, index) = iterator.split_once('|').unwrap();
            let index: usize = index.parse().unwrap();
            let (_, _, records, closed) = s.shards.iter().find(|x| x.0 == shard).unwrap().clone();
            let end = (index + limit as usize).min(records.len());
            let page = records[index..end].to_vec();
            if !page.is_empty() {
                s.served.push(shard.to_string());
            }
            let next = if closed && end == records.len() {
                None
            } else {
                Some(format!("{shard}|{end}"))
            };
            Ok(RecordsPage {
                records: page,
                next_iterator: next,
            })
        }
    }

    /// Offsets committed by an earlier run.
    #[derive(Default)]
    struct Stored(HashMap<String, OffsetMap>);

    #[async_trait]
    impl OffsetStorageReader for Stored {
        async fn offset(&self, partition: &OffsetMap) -> ApiResult<Option<OffsetMap>> {
            Ok(self
                .0
                .get(&serde_json::Value::Object(partition.clone()).to_string())
                .cloned())
        }
    }

    fn plan(start_time: Option<i64>, type_c: Option<i64>) -> Arc<CdcPlan> {
        Arc::new(CdcPlan {
            schemas: Arc::new(TableSchemas::new("t", vec!["id".into()])),
            stream_arn: ARN.into(),
            start_time,
            type_c,
            limit: 2,
            idle_wait: Duration::from_millis(10),
            listing_interval: Duration::from_secs(30),
        })
    }

    /// Runs CDC to the end of a fully closed stream and returns what reached the task.
    async fn run(
        api: Arc<FakeStreams>,
        plan: Arc<CdcPlan>,
        stored: Stored,
    ) -> (Result<(), DynamoDbError>, Vec<SourceRecord>) {
        let (sink, mut rx) = RecordSink::channel(1000);
        let result = tokio::time::timeout(
            Duration::from_secs(10),
            run_stream(api, plan, Arc::new(stored), sink),
        )
        .await
        .expect("cdc of a closed stream ends");
        let mut records = Vec::new();
        while let Ok(event) = rx.try_recv() {
            match event {
                Event::Records(r) => records.extend(r),
                Event::Failed(e) => panic!("{e}"),
            }
        }
        (result, records)
    }

    fn seqs(records: &[SourceRecord]) -> Vec<String> {
        records
            .iter()
            .filter(|r| !r.value.is_null())
            .map(|r| {
                let Value::Struct(e) = &r.value else { panic!() };
                let Some(Value::Struct(src)) = e.get("source") else {
                    panic!()
                };
                src.get("seq_no")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .trim_start_matches('0')
                    .to_string()
            })
            .collect()
    }

    #[tokio::test]
    async fn a_parent_is_drained_before_its_children_and_pages_are_followed() {
        let api = Arc::new(FakeStreams::new(1));
        api.shard(
            "parent",
            None,
            (1..=5)
                .map(|i| record(OperationType::Insert, "a", i, 100))
                .collect(),
            true,
        );
        api.shard(
            "child-1",
            Some("parent"),
            vec![record(OperationType::Modify, "a", 10, 101)],
            true,
        );
        api.shard(
            "child-2",
            Some("parent"),
            vec![record(OperationType::Modify, "b", 20, 101)],
            true,
        );
        api.shard(
            "grandchild",
            Some("child-1"),
            vec![record(OperationType::Modify, "a", 30, 102)],
            true,
        );
        let (result, records) = run(api.clone(), plan(None, None), Stored::default()).await;
        result.unwrap();
        let got = seqs(&records);
        assert_eq!(
            &got[..5],
            ["1", "2", "3", "4", "5"],
            "the parent first, in order"
        );
        let pos = |s: &str| got.iter().position(|x| x == s).unwrap();
        assert!(pos("10") > pos("5") && pos("20") > pos("5"));
        assert!(pos("30") > pos("10"), "the grandchild after its own parent");
        let served = api.state.lock().unwrap().served.clone();
        let last_parent = served.iter().rposition(|s| s == "parent").unwrap();
        let first_child = served.iter().position(|s| s.starts_with("child")).unwrap();
        assert!(
            last_parent < first_child,
            "no child read before its parent ended: {served:?}"
        );
    }

    #[tokio::test]
    async fn an_expired_iterator_is_reacquired_after_the_last_delivered_record() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            (1..=5)
                .map(|i| record(OperationType::Insert, &format!("k{i}"), i, 100))
                .collect(),
            true,
        );
        api.state.lock().unwrap().get_failures = vec![StreamCallError::ExpiredIterator];
        let (result, records) = run(api.clone(), plan(None, None), Stored::default()).await;
        result.unwrap();
        assert_eq!(
            seqs(&records),
            ["1", "2", "3", "4", "5"],
            "nothing lost or repeated"
        );

        // Expiry in the middle: after the first page (seq 1-2) the iterator dies.
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            (1..=5)
                .map(|i| record(OperationType::Insert, &format!("k{i}"), i, 100))
                .collect(),
            true,
        );
        api.state.lock().unwrap().expire_at_call = Some(2);
        let (result, records) = run(api.clone(), plan(None, None), Stored::default()).await;
        result.unwrap();
        assert_eq!(seqs(&records), ["1", "2", "3", "4", "5"]);
        let requests = api.state.lock().unwrap().iterator_requests.clone();
        assert_eq!(
            requests,
            [
                ("s".to_string(), Position::TrimHorizon),
                ("s".to_string(), Position::After(format!("{:021}", 2))),
            ],
            "re-acquired right after the last delivered record"
        );
    }

    #[tokio::test]
    async fn a_trimmed_position_fails_loudly() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            vec![record(OperationType::Insert, "a", 50, 100)],
            true,
        );
        api.state.lock().unwrap().iterator_failures = vec![StreamCallError::Trimmed];
        let mut stored = Stored::default();
        let checkpoint = ShardCheckpoint {
            stream_arn: ARN.into(),
            sequence_number: "7".into(),
            start_position: None,
            start_time: None,
        };
        stored.0.insert(
            serde_json::Value::Object(shard_partition("t", "s")).to_string(),
            checkpoint.to_offset(),
        );
        let (result, _) = run(api, plan(None, None), stored).await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, DynamoDbError::Trimmed { ref shard, ref sequence, .. } if shard == "s" && sequence == "7"),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("PATCH"),
            "says how to recover: {err}"
        );
    }

    #[tokio::test]
    async fn a_trimmed_horizon_is_retried_not_fatal() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            vec![record(OperationType::Insert, "a", 1, 100)],
            true,
        );
        api.state.lock().unwrap().get_failures = vec![StreamCallError::Trimmed];
        let (result, records) = run(api, plan(None, None), Stored::default()).await;
        result.unwrap();
        assert_eq!(seqs(&records), ["1"]);
    }

    #[tokio::test]
    async fn committed_positions_resume_and_stale_ones_restart_at_the_start_time() {
        let records: Vec<Record> = (1..=4)
            .map(|i| record(OperationType::Insert, "a", i, 100 + i as i64))
            .collect();
        let stored = |arn: &str, type_c: Option<i64>| {
            let mut s = Stored::default();
            let c = ShardCheckpoint {
                stream_arn: arn.into(),
                sequence_number: format!("{:021}", 2),
                start_position: type_c,
                start_time: None,
            };
            s.0.insert(
                serde_json::Value::Object(shard_partition("t", "s")).to_string(),
                c.to_offset(),
            );
            s
        };
        let api = Arc::new(FakeStreams::new(100));
        api.shard("s", None, records.clone(), true);
        let (r, got) = run(api, plan(Some(0), None), stored(ARN, None)).await;
        r.unwrap();
        assert_eq!(
            seqs(&got),
            ["3", "4"],
            "resumes after the committed position"
        );

        let api = Arc::new(FakeStreams::new(100));
        api.shard("s", None, records.clone(), true);
        let (r, got) = run(api, plan(Some(103_000), None), stored("arn:other", None)).await;
        r.unwrap();
        assert_eq!(
            seqs(&got),
            ["3", "4"],
            "another stream's position: start time filter applies"
        );

        let api = Arc::new(FakeStreams::new(100));
        api.shard("s", None, records, true);
        let (r, got) = run(
            api,
            plan(Some(102_500), Some(102_500)),
            stored(ARN, Some(1)),
        )
        .await;
        r.unwrap();
        assert_eq!(
            seqs(&got),
            ["2", "3", "4"],
            "a new type C value: whole seconds from 102 s"
        );
        for rec in &got {
            assert_eq!(
                rec.source_offset.to_map()[super::super::offset::START_POSITION_TIMESTAMP],
                102_500
            );
        }
    }

    #[tokio::test]
    async fn a_remove_is_an_envelope_then_a_tombstone_with_safe_offsets() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            vec![
                record(OperationType::Insert, "a", 1, 100),
                record(OperationType::Modify, "a", 2, 100),
                record(OperationType::Remove, "a", 3, 100),
            ],
            true,
        );
        let (r, got) = run(api, plan(None, None), Stored::default()).await;
        r.unwrap();
        assert_eq!(got.len(), 4);
        let op = |r: &SourceRecord| {
            let Value::Struct(e) = &r.value else {
                return "tombstone".to_string();
            };
            e.get("op").unwrap().as_str().unwrap().to_string()
        };
        let ops: Vec<String> = got.iter().map(op).collect();
        assert_eq!(ops, ["c", "u", "d", "tombstone"]);
        let seq_of = |r: &SourceRecord| {
            r.source_offset.to_map()["seqNo"]
                .as_str()
                .unwrap()
                .trim_start_matches('0')
                .to_string()
        };
        assert_eq!(
            seq_of(&got[2]),
            "2",
            "the d record resumes before its own change"
        );
        assert_eq!(seq_of(&got[3]), "3");
        assert!(got[3].value_schema.is_none());
        assert_eq!(got[3].key, got[2].key);
        let Value::Struct(d) = &got[2].value else {
            panic!()
        };
        assert!(d.get("after").unwrap().is_null());
        assert!(!d.get("before").unwrap().is_null());
        let Value::Struct(c) = &got[0].value else {
            panic!()
        };
        assert!(c.get("before").unwrap().is_null());
        assert_eq!(c.get("ts_ms"), Some(&Value::Int64(100_000)));
        assert_eq!(
            c.get("ts_ns"),
            Some(&Value::Int64(100_000_000)),
            "the reference's ts_ns"
        );
        assert_eq!(got[0].topic, "t");
    }

    #[tokio::test]
    async fn a_vanished_shard_counts_as_finished_and_its_child_proceeds() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "gone",
            None,
            vec![record(OperationType::Insert, "a", 1, 100)],
            true,
        );
        api.shard(
            "child",
            Some("gone"),
            vec![record(OperationType::Insert, "b", 5, 100)],
            true,
        );
        api.state.lock().unwrap().iterator_failures = vec![StreamCallError::NotFound];
        let (r, got) = run(api, plan(None, None), Stored::default()).await;
        r.unwrap();
        assert_eq!(seqs(&got), ["5"]);
    }

    #[tokio::test]
    async fn listing_follows_every_page() {
        let api = FakeStreams::new(2);
        for i in 0..5 {
            api.shard(&format!("s{i}"), None, Vec::new(), true);
        }
        let listing = list_shards(&api, ARN).await.unwrap();
        assert_eq!(listing.shards.len(), 5);
        assert!(listing.disabled);
    }

    #[tokio::test]
    async fn non_retriable_errors_fail_and_retriable_ones_are_retried() {
        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            vec![record(OperationType::Insert, "a", 1, 100)],
            true,
        );
        let throttled = DynamoDbError::Aws {
            operation: "GetRecords",
            context: None,
            code: Some("LimitExceededException".into()),
            message: "slow down".into(),
            retriable: true,
        };
        api.state.lock().unwrap().get_failures = vec![StreamCallError::Other(throttled)];
        let (r, got) = run(api, plan(None, None), Stored::default()).await;
        r.unwrap();
        assert_eq!(seqs(&got), ["1"]);

        let api = Arc::new(FakeStreams::new(100));
        api.shard(
            "s",
            None,
            vec![record(OperationType::Insert, "a", 1, 100)],
            true,
        );
        let denied = DynamoDbError::Aws {
            operation: "GetRecords",
            context: None,
            code: Some("AccessDeniedException".into()),
            message: "no".into(),
            retriable: false,
        };
        api.state.lock().unwrap().get_failures = vec![StreamCallError::Other(denied)];
        let (r, _) = run(api, plan(None, None), Stored::default()).await;
        assert!(matches!(
            r,
            Err(DynamoDbError::Aws {
                retriable: false,
                ..
            })
        ));
    }
}
