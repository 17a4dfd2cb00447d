//! One table's life in a task: decide from the committed offsets where it stands, snapshot it if
//! needed, then follow its stream from the right moment.
//!
//! The decision, in order:
//! 1. **Snapshot needed?** Only in SNAPSHOT and SNAPSHOT_CDC modes, and not when the type A
//!    offset says the snapshot completed, nor when every segment's type B offset says so, nor
//!    when a shard of the current stream already has a position (CDC ran, so the snapshot
//!    finished — this covers tables whose snapshot emitted no row and so wrote no type A).
//! 2. **Where CDC starts** in shards without a position: the type C offset if the user set one;
//!    else the start time recorded in an existing shard position (CDC keeps the moment it was
//!    first entered at across restarts, so LATEST means "from the first start"); else, after a
//!    snapshot, the earliest segment start time, taken before the scan began, so
//!    every change made during the scan is delivered (the **hand-off**: some rows appear twice,
//!    none is lost); else `dynamodb.cdc.initial.stream.position` (TRIM_HORIZON: everything the
//!    stream holds; LATEST: from now; AT_TIMESTAMP: from `cdc.start.position.timestamp`).
//! 3. Shards with a position that applies resume right after it.

use std::sync::Arc;
use std::time::Duration;

use strait_api::{OffsetMap, OffsetStorageReader};

use super::config::{DynamoDbCdcConfig, InitialPosition, SyncMode};
use super::discovery::{describe_table, readiness};
use super::envelope::{TableSchemas, Timestamps};
use super::error::DynamoDbError;
use super::offset::{
    cdc_started_partition, is_cdc_started, parse_stream_start, segment_partition, shard_partition,
    stream_partition, SegmentProgress, SegmentResume, ShardCheckpoint,
};
use super::rate_limit::ReadCapacityLimiter;
use super::retry::Backoff;
use super::sink::RecordSink;
use super::snapshot::{run_snapshot, SnapshotPlan, TOTAL_SEGMENTS};
use super::stream::{list_shards, run_stream, CdcPlan, StreamsApi, GET_RECORDS_MAX};

/// Wait after an empty page of an open shard.
pub const SHARD_IDLE_WAIT: Duration = Duration::from_millis(500);
/// How often each stream is listed for new shards.
pub const SHARD_LISTING_INTERVAL: Duration = Duration::from_secs(30);

/// DynamoDB Streams keeps records for 24 hours.
const STREAM_RETENTION_MS: i64 = 24 * 3_600_000;

/// What every table pipeline of a task shares.
pub struct TableContext {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: Arc<dyn StreamsApi>,
    pub config: Arc<DynamoDbCdcConfig>,
    pub offsets: Arc<dyn OffsetStorageReader>,
    pub sink: RecordSink,
}

async fn stored(
    offsets: &dyn OffsetStorageReader,
    partition: &OffsetMap,
) -> Result<Option<OffsetMap>, DynamoDbError> {
    offsets
        .offset(partition)
        .await
        .map_err(|e| DynamoDbError::Offset {
            partition: serde_json::Value::Object(partition.clone()).to_string(),
            message: e.to_string(),
        })
}

fn bad_offset(partition: &OffsetMap, message: String) -> DynamoDbError {
    DynamoDbError::Offset {
        partition: serde_json::Value::Object(partition.clone()).to_string(),
        message,
    }
}

/// Snapshots and/or streams one table, as its offsets and the sync mode say.
///
/// # Errors
/// A fatal [`DynamoDbError`]; [`DynamoDbError::Stopped`] when the task stopped.
pub async fn run_table(ctx: Arc<TableContext>, table: String) -> Result<(), DynamoDbError> {
    let config = &ctx.config;
    let mode = config.sync_mode;
    let mut backoff = Backoff::new();
    let info = loop {
        match describe_table(&ctx.dynamodb, &table).await {
            Ok(info) => break info,
            Err(e) if e.is_retriable() => backoff.wait("DescribeTable", &e).await,
            Err(e) => return Err(e),
        }
    };
    if let Err(why) = readiness(info.as_ref(), mode) {
        tracing::warn!(table = %table, "{}; the table is skipped until it can be captured", why.describe(&table));
        return Ok(());
    }
    let Some(info) = info else {
        return Ok(());
    };
    let schemas = Arc::new(TableSchemas::new(&table, info.key_attributes.clone()));
    let offsets = ctx.offsets.as_ref();

    let type_a = is_cdc_started(
        stored(offsets, &cdc_started_partition(&table))
            .await?
            .as_ref(),
    );
    let stream_key = stream_partition(&table);
    let type_c = match stored(offsets, &stream_key).await? {
        Some(o) => Some(parse_stream_start(&o).map_err(|m| bad_offset(&stream_key, m))?),
        None => None,
    };
    let mut segments = Vec::with_capacity(TOTAL_SEGMENTS as usize);
    for segment in 0..TOTAL_SEGMENTS {
        let partition = segment_partition(&table, segment);
        segments.push(match stored(offsets, &partition).await? {
            Some(o) => {
                Some(SegmentProgress::from_offset(&o).map_err(|m| bad_offset(&partition, m))?)
            }
            None => None,
        });
    }
    let all_completed = segments.iter().all(|s| {
        s.as_ref()
            .is_some_and(|p| p.resume == SegmentResume::Completed)
    });

    // A shard position of the current stream means CDC ran: the snapshot completed, and CDC was
    // entered at the start time the position recorded.
    let position = match &info.stream_arn {
        Some(arn) if mode.streams() => {
            applying_position(ctx.streams.as_ref(), offsets, &table, arn, type_c).await?
        }
        _ => None,
    };
    let snapshot_pending = mode.snapshots() && !type_a && !all_completed;
    if snapshot_pending && position.is_some() {
        tracing::info!(table = %table, "shard positions exist, so the snapshot completed earlier");
    }
    let snapshot_needed = snapshot_pending && position.is_none();
    let mut earliest_snapshot = segments.iter().flatten().map(|p| p.start_time).min();
    if snapshot_needed {
        let plan = Arc::new(SnapshotPlan {
            client: ctx.dynamodb.clone(),
            schemas: schemas.clone(),
            limit: config.snapshot_max_poll_records,
            limiter: Arc::new(ReadCapacityLimiter::for_table(
                config.snapshot_max_rcu_percentage,
                info.read_capacity_units,
                info.on_demand_max_read_units,
            )),
            item_count: info.item_count,
        });
        earliest_snapshot = Some(run_snapshot(plan, segments, ctx.sink.clone()).await?);
    }
    if !mode.streams() {
        return Ok(());
    }
    let Some(stream_arn) = info.stream_arn.clone() else {
        return Ok(());
    };
    let start_time = cdc_start_time(
        type_c,
        position.as_ref(),
        mode,
        earliest_snapshot,
        config.initial_position,
        Timestamps::now().ms,
    );
    if let Some(start) = start_time {
        let age = Timestamps::now().ms - start;
        if snapshot_needed && age > STREAM_RETENTION_MS {
            tracing::warn!(
                table = %table,
                hours = age / 3_600_000,
                "the snapshot took longer than the stream's 24-hour retention: changes made early \
                 in the scan may already be trimmed from the stream and missing from CDC"
            );
        }
    }
    let plan = Arc::new(CdcPlan {
        schemas,
        stream_arn,
        start_time,
        type_c,
        limit: config.cdc_max_poll_records.clamp(1, GET_RECORDS_MAX),
        idle_wait: SHARD_IDLE_WAIT,
        listing_interval: SHARD_LISTING_INTERVAL,
    });
    run_stream(
        ctx.streams.clone(),
        plan,
        ctx.offsets.clone(),
        ctx.sink.clone(),
    )
    .await
}

/// Where CDC enters shards that have no position (epoch ms; `None`: at their oldest record),
/// in the order of the module notes.
pub fn cdc_start_time(
    type_c: Option<i64>,
    position: Option<&ShardCheckpoint>,
    mode: SyncMode,
    earliest_snapshot: Option<i64>,
    initial: InitialPosition,
    now_ms: i64,
) -> Option<i64> {
    let initial = match initial {
        InitialPosition::TrimHorizon => None,
        InitialPosition::Latest => Some(now_ms),
        InitialPosition::AtTimestamp(t) => Some(t),
    };
    match (type_c, position, mode) {
        (Some(t), _, _) => Some(t),
        (None, Some(p), _) => p.start_time,
        (None, None, SyncMode::SnapshotCdc) => earliest_snapshot.or(initial),
        (None, None, _) => initial,
    }
}

/// A position of a shard of the current stream that applies, if any.
async fn applying_position(
    streams: &dyn StreamsApi,
    offsets: &dyn OffsetStorageReader,
    table: &str,
    stream_arn: &str,
    type_c: Option<i64>,
) -> Result<Option<ShardCheckpoint>, DynamoDbError> {
    let mut backoff = Backoff::new();
    let listing = loop {
        match list_shards(streams, stream_arn).await {
            Ok(l) => break l,
            Err(e) if e.is_retriable() => backoff.wait("DescribeStream", &e).await,
            Err(e) => return Err(e),
        }
    };
    for shard in &listing.shards {
        let partition = shard_partition(table, &shard.id);
        if let Some(o) = stored(offsets, &partition).await? {
            let checkpoint =
                ShardCheckpoint::from_offset(&o).map_err(|m| bad_offset(&partition, m))?;
            if checkpoint.applies_to(stream_arn, type_c) {
                return Ok(Some(checkpoint));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(start_time: Option<i64>) -> ShardCheckpoint {
        ShardCheckpoint {
            stream_arn: "arn".into(),
            sequence_number: "1".into(),
            start_position: None,
            start_time,
        }
    }

    #[test]
    fn the_start_time_follows_type_c_then_positions_then_the_snapshot_then_the_initial_position() {
        use InitialPosition::{AtTimestamp, Latest, TrimHorizon};
        use SyncMode::{Cdc, SnapshotCdc};
        let now = 1_000;
        // A type C offset wins over everything.
        assert_eq!(
            cdc_start_time(Some(5), Some(&position(Some(7))), Cdc, None, Latest, now),
            Some(5)
        );
        // LATEST is the first start, not the restart: a recorded start time is kept.
        assert_eq!(
            cdc_start_time(None, Some(&position(Some(7))), Cdc, None, Latest, now),
            Some(7)
        );
        assert_eq!(
            cdc_start_time(None, Some(&position(None)), Cdc, None, Latest, now),
            None
        );
        assert_eq!(
            cdc_start_time(None, None, Cdc, None, Latest, now),
            Some(now)
        );
        assert_eq!(
            cdc_start_time(None, None, Cdc, None, TrimHorizon, now),
            None
        );
        assert_eq!(
            cdc_start_time(None, None, Cdc, Some(3), AtTimestamp(9), now),
            Some(9)
        );
        // After a snapshot, its earliest start.
        assert_eq!(
            cdc_start_time(None, None, SnapshotCdc, Some(3), Latest, now),
            Some(3)
        );
        assert_eq!(
            cdc_start_time(None, None, SnapshotCdc, None, TrimHorizon, now),
            None
        );
    }
}
