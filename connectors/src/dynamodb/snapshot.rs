//! The snapshot: a parallel Scan of one table in five segments, resumable row by row.
//!
//! As the reference does, a table is scanned as `TotalSegments = 5` segments in parallel, each
//! paged with `Limit = dynamodb.snapshot.max.poll.records` and `ExclusiveStartKey`; only a page
//! without `LastEvaluatedKey` ends a segment (a page may be empty and still carry one). Each row
//! carries its segment's type B offset whose resume point is **that row's own key**, so after a
//! restart a segment continues right after the last row Kafka acknowledged, with its original
//! `snapshotStartTime` and running `snapshotCount` — no page is re-read and no row is repeated.
//!
//! The table's type A offset (`cdcStarted`, "the snapshot is complete") rides on its very last
//! row. Each segment therefore holds back its final row; the segment that finishes last sends
//! all held rows together, the last of them carrying type A instead of its type B offset. Every
//! other row was queued before them, and the worker commits offsets only up to the first
//! unacknowledged record, so type A cannot be committed before any row of the snapshot. (A table
//! with no row gets no type A; after a restart its empty scan is simply repeated.)
//!
//! Scans are eventually consistent, like the reference's, and not isolated: a row changed during
//! the scan may be read before or after the change, which CDC then delivers as well, because CDC
//! starts at the earliest segment start time. Capacity is paced by the shared
//! [`ReadCapacityLimiter`]; progress (rows per segment against DynamoDB's item-count estimate) is
//! logged every 30 seconds and when a segment ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use strait_api::{OffsetMap, SourceRecord};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::attribute_json::{item_to_string, key_to_string, parse_key};
use super::envelope::{Op, SnapshotSource, SourcePosition, TableSchemas, Timestamps};
use super::error::DynamoDbError;
use super::offset::{
    cdc_started_offset, cdc_started_partition, segment_partition, SegmentProgress, SegmentResume,
};
use super::rate_limit::ReadCapacityLimiter;
use super::retry::Backoff;
use super::sink::RecordSink;

/// The number of parallel scan segments, as in the reference.
pub const TOTAL_SEGMENTS: i32 = 5;
/// How often a running segment logs its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// What a table's snapshot needs.
#[derive(Debug)]
pub struct SnapshotPlan {
    pub client: aws_sdk_dynamodb::Client,
    pub schemas: Arc<TableSchemas>,
    /// Scan `Limit`.
    pub limit: i32,
    pub limiter: Arc<ReadCapacityLimiter>,
    /// DynamoDB's item count, for progress estimates.
    pub item_count: i64,
}

/// The segments still scanning, and the final rows of those that ended.
#[derive(Debug)]
struct Finisher {
    state: Mutex<Finishing>,
    cdc_started: Arc<OffsetMap>,
}

#[derive(Debug)]
struct Finishing {
    remaining: usize,
    held: Vec<SourceRecord>,
}

impl Finisher {
    /// Records that a segment ended with `final_row`; the last segment to end sends every held
    /// row, the last one carrying the type A offset.
    async fn segment_done(
        &self,
        final_row: Option<SourceRecord>,
        sink: &RecordSink,
    ) -> Result<(), DynamoDbError> {
        let mut state = self.state.lock().await;
        state.held.extend(final_row);
        state.remaining -= 1;
        if state.remaining > 0 {
            return Ok(());
        }
        let mut rows = std::mem::take(&mut state.held);
        if let Some(last) = rows.last_mut() {
            last.source_partition = self.cdc_started.clone();
            last.source_offset = cdc_started_offset().into();
        }
        sink.send(rows).await
    }
}

/// Scans the table, resuming each segment from its stored progress, and returns the earliest
/// segment start time (where CDC must begin so no change made during the scan is lost).
///
/// # Errors
/// The first segment's fatal error; [`DynamoDbError::Stopped`] when the task stopped.
pub async fn run_snapshot(
    plan: Arc<SnapshotPlan>,
    stored: Vec<Option<SegmentProgress>>,
    sink: RecordSink,
) -> Result<i64, DynamoDbError> {
    let table = plan.schemas.table().to_string();
    let finisher = Arc::new(Finisher {
        state: Mutex::new(Finishing {
            remaining: TOTAL_SEGMENTS as usize,
            held: Vec::new(),
        }),
        cdc_started: Arc::new(cdc_started_partition(&table)),
    });
    let now = Timestamps::now().ms;
    let mut earliest = i64::MAX;
    let mut segments = JoinSet::new();
    for segment in 0..TOTAL_SEGMENTS {
        let progress = stored.get(segment as usize).cloned().flatten();
        let start_time = progress.as_ref().map_or(now, |p| p.start_time);
        earliest = earliest.min(start_time);
        let (plan, sink, finisher) = (plan.clone(), sink.clone(), finisher.clone());
        segments.spawn(async move {
            scan_segment(&plan, segment, start_time, progress, &sink, &finisher).await
        });
    }
    tracing::info!(table = %table, segments = TOTAL_SEGMENTS, estimated_items = plan.item_count, "snapshot started");
    while let Some(joined) = segments.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(join) => {
                return Err(DynamoDbError::Aws {
                    operation: "Scan",
                    context: Some(format!("table {table}")),
                    code: None,
                    message: join.to_string(),
                    retriable: false,
                })
            }
        }
    }
    tracing::info!(table = %table, "snapshot complete");
    Ok(earliest)
}

/// One Scan page: its items, whether more pages follow, and what it cost.
struct Page {
    items: Vec<HashMap<String, AttributeValue>>,
    next: Option<HashMap<String, AttributeValue>>,
}

async fn scan_page(
    plan: &SnapshotPlan,
    segment: i32,
    start: Option<HashMap<String, AttributeValue>>,
) -> Result<Page, DynamoDbError> {
    let mut backoff = Backoff::new();
    loop {
        plan.limiter.acquire().await;
        let result = plan
            .client
            .scan()
            .table_name(plan.schemas.table())
            .segment(segment)
            .total_segments(TOTAL_SEGMENTS)
            .limit(plan.limit)
            .set_exclusive_start_key(start.clone())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                let consumed = out
                    .consumed_capacity()
                    .and_then(|c| c.capacity_units())
                    .unwrap_or(0.0);
                plan.limiter.consume(consumed);
                return Ok(Page {
                    next: out.last_evaluated_key.filter(|k| !k.is_empty()),
                    items: out.items.unwrap_or_default(),
                });
            }
            Err(e) => {
                let e = DynamoDbError::aws(
                    "Scan",
                    format!("table {} segment {segment}", plan.schemas.table()),
                    e,
                );
                if !e.is_retriable() {
                    return Err(e);
                }
                backoff.wait("Scan", &e).await;
            }
        }
    }
}

async fn scan_segment(
    plan: &SnapshotPlan,
    segment: i32,
    start_time: i64,
    stored: Option<SegmentProgress>,
    sink: &RecordSink,
    finisher: &Finisher,
) -> Result<(), DynamoDbError> {
    let table = plan.schemas.table();
    let partition = Arc::new(segment_partition(table, segment));
    let mut count = stored.as_ref().map_or(0, |p| p.count);
    let mut start_key = match stored.as_ref().map(|p| &p.resume) {
        Some(SegmentResume::Completed) => {
            tracing::debug!(table, segment, "segment already complete");
            return finisher.segment_done(None, sink).await;
        }
        Some(SegmentResume::AfterKey(key)) => {
            Some(parse_key(key).map_err(|e| DynamoDbError::Offset {
                partition: serde_json::Value::Object((*partition).clone()).to_string(),
                message: format!("exclusiveStartKey: {e}"),
            })?)
        }
        None => None,
    };
    if count > 0 {
        tracing::info!(table, segment, rows = count, "resuming snapshot segment");
    }
    let estimate = plan.item_count / i64::from(TOTAL_SEGMENTS);
    let mut last_progress = Instant::now();
    loop {
        let page = scan_page(plan, segment, start_key.take()).await?;
        let last_page = page.next.is_none();
        let mut records = Vec::with_capacity(page.items.len());
        for item in &page.items {
            count += 1;
            records.push(row(plan, &partition, segment, start_time, count, item)?);
        }
        if !last_page {
            sink.send(records).await?;
            start_key = page.next;
            if last_progress.elapsed() >= PROGRESS_EVERY {
                tracing::info!(
                    table,
                    segment,
                    rows = count,
                    estimated_rows = estimate,
                    "snapshot progress"
                );
                last_progress = Instant::now();
            }
            continue;
        }
        let final_row = records.pop().map(|mut row| {
            row.source_offset = SegmentProgress {
                start_time,
                count,
                total_segments: TOTAL_SEGMENTS,
                resume: SegmentResume::Completed,
            }
            .to_offset(table, segment)
            .into();
            row
        });
        sink.send(records).await?;
        finisher.segment_done(final_row, sink).await?;
        tracing::info!(table, segment, rows = count, "snapshot segment complete");
        return Ok(());
    }
}

/// The `r` record of one row.
fn row(
    plan: &SnapshotPlan,
    partition: &Arc<OffsetMap>,
    segment: i32,
    start_time: i64,
    count: i64,
    item: &HashMap<String, AttributeValue>,
) -> Result<SourceRecord, DynamoDbError> {
    let schemas = &plan.schemas;
    let key = schemas.key(item).map_err(|e| DynamoDbError::Aws {
        operation: "Scan",
        context: Some(format!("table {} segment {segment}", schemas.table())),
        code: None,
        message: e.to_string(),
        retriable: false,
    })?;
    let offset = SegmentProgress {
        start_time,
        count,
        total_segments: TOTAL_SEGMENTS,
        resume: SegmentResume::AfterKey(key_to_string(item, schemas.key_attributes())),
    }
    .to_offset(schemas.table(), segment);
    let source_ts = Timestamps::now();
    let document = item_to_string(item);
    let value = schemas.envelope(
        Op::Read,
        Timestamps::now(),
        source_ts,
        SourcePosition::Snapshot(SnapshotSource {
            start_time,
            count: i32::try_from(count).unwrap_or(i32::MAX),
            segment,
            total_segments: TOTAL_SEGMENTS,
        }),
        None,
        Some(document),
    );
    Ok(SourceRecord::new(
        Arc::clone(partition),
        offset.into(),
        schemas.table(),
        Some(schemas.value_schema().clone()),
        value,
    )
    .with_key(Some(schemas.key_schema().clone()), key))
}
