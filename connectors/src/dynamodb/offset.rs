//! Source partitions and offsets: the reference's three types, plus per-shard positions.
//!
//! Kafka Connect commits one offset map per source partition, and only for records the broker
//! acknowledged, so every piece of progress rides on the records that carry it:
//!
//! - **Type A** — `{"tableName":T,"cdcStarted":"true"}` → `{"cdcStarted":"true"}`: the table's
//!   snapshot is complete. Strait writes it on the last row of a table's snapshot (in place of
//!   that row's type B offset), so a table whose snapshot emitted no row never gets one (it is
//!   re-scanned, cheaply, after a restart).
//! - **Type B** — `{"segment":"<n>","tableName":T}` → the reference's
//!   `{segment, snapshotCount, snapshotStartTime, tableName, totalSegments}` (strings except the
//!   start time, as the reference shows them) plus Strait's resume point: `exclusiveStartKey`,
//!   the DynamoDB JSON key of the row, so a segment resumes right after the last acknowledged
//!   row; or `snapshotCompleted: "true"` on a segment's final row.
//! - **Type C** — `{"stream":T}` → `{"cdc.start.position.timestamp", ".format"}`: set by the user
//!   through `PATCH /connectors/<name>/offsets`; Strait reads it, never writes it.
//! - **Shard positions** (Strait's replacement for KCL's lease table) —
//!   `{"stream":T,"shardId":S}` → `{"seqNo", "streamArn", "startPositionTimestamp"?,
//!   "cdcStartTime"?}`: the last delivered sequence number of each shard. `streamArn` makes
//!   positions of a disabled and re-enabled stream (new ARN) stale; `startPositionTimestamp` is
//!   the type C timestamp in force when the position was written, so a new type C value makes
//!   every older position stale and CDC restarts from the new timestamp, as the reference
//!   documents; `cdcStartTime` is the start time CDC was entered at, so shards found after a
//!   restart (children, new partitions) are entered at that same moment — with LATEST, not at the
//!   restart.
//!
//! Keys are written in the order of the reference's offset listing; the offset store looks
//! partitions up by content, whatever their field order.

use std::cmp::Ordering;

use serde_json::Value as Json;
use strait_api::OffsetMap;

use super::java_time::{JavaTimePattern, DEFAULT_PATTERN};

pub const TABLE_NAME: &str = "tableName";
pub const CDC_STARTED: &str = "cdcStarted";
pub const SEGMENT: &str = "segment";
pub const SNAPSHOT_COUNT: &str = "snapshotCount";
pub const SNAPSHOT_START_TIME: &str = "snapshotStartTime";
pub const TOTAL_SEGMENTS: &str = "totalSegments";
pub const EXCLUSIVE_START_KEY: &str = "exclusiveStartKey";
pub const SNAPSHOT_COMPLETED: &str = "snapshotCompleted";
pub const STREAM: &str = "stream";
pub const START_TIMESTAMP: &str = "cdc.start.position.timestamp";
pub const START_TIMESTAMP_FORMAT: &str = "cdc.start.position.timestamp.format";
pub const SHARD_ID: &str = "shardId";
pub const SEQ_NO: &str = "seqNo";
pub const STREAM_ARN: &str = "streamArn";
pub const START_POSITION_TIMESTAMP: &str = "startPositionTimestamp";
pub const CDC_START_TIME: &str = "cdcStartTime";

fn map(pairs: impl IntoIterator<Item = (&'static str, Json)>) -> OffsetMap {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Type A partition.
pub fn cdc_started_partition(table: &str) -> OffsetMap {
    map([
        (TABLE_NAME, Json::from(table)),
        (CDC_STARTED, Json::from("true")),
    ])
}

/// Type A offset.
pub fn cdc_started_offset() -> OffsetMap {
    map([(CDC_STARTED, Json::from("true"))])
}

/// Whether a stored type A offset says the snapshot is complete.
pub fn is_cdc_started(offset: Option<&OffsetMap>) -> bool {
    offset
        .and_then(|o| o.get(CDC_STARTED))
        .is_some_and(|v| v == "true" || v == &Json::Bool(true))
}

/// Type B partition.
pub fn segment_partition(table: &str, segment: i32) -> OffsetMap {
    map([
        (SEGMENT, Json::from(segment.to_string())),
        (TABLE_NAME, Json::from(table)),
    ])
}

/// Where a snapshot segment resumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SegmentResume {
    /// Scan on after this key (DynamoDB JSON).
    AfterKey(String),
    /// The segment was read to its end.
    Completed,
}

/// The progress of one snapshot segment (type B offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentProgress {
    /// When the segment's scan started (epoch ms).
    pub start_time: i64,
    /// Rows emitted so far in this segment.
    pub count: i64,
    pub total_segments: i32,
    pub resume: SegmentResume,
}

impl SegmentProgress {
    /// The offset map of a row of `segment` of `table`.
    pub fn to_offset(&self, table: &str, segment: i32) -> OffsetMap {
        let mut m = map([
            (SEGMENT, Json::from(segment.to_string())),
            (SNAPSHOT_COUNT, Json::from(self.count.to_string())),
            (SNAPSHOT_START_TIME, Json::from(self.start_time)),
            (TABLE_NAME, Json::from(table)),
            (TOTAL_SEGMENTS, Json::from(self.total_segments.to_string())),
        ]);
        match &self.resume {
            SegmentResume::AfterKey(key) => {
                m.insert(EXCLUSIVE_START_KEY.to_string(), Json::from(key.as_str()));
            }
            SegmentResume::Completed => {
                m.insert(SNAPSHOT_COMPLETED.to_string(), Json::from("true"));
            }
        }
        m
    }

    /// Reads a stored type B offset.
    ///
    /// # Errors
    /// A message naming the field that is missing or malformed.
    pub fn from_offset(offset: &OffsetMap) -> Result<Self, String> {
        let start_time = integer(offset, SNAPSHOT_START_TIME)?;
        let count = integer(offset, SNAPSHOT_COUNT)?;
        let total_segments = i32::try_from(integer(offset, TOTAL_SEGMENTS)?)
            .map_err(|_| format!("{TOTAL_SEGMENTS} is out of range"))?;
        let completed = offset
            .get(SNAPSHOT_COMPLETED)
            .is_some_and(|v| v == "true" || v == &Json::Bool(true));
        let resume = match (completed, offset.get(EXCLUSIVE_START_KEY)) {
            (true, _) => SegmentResume::Completed,
            (false, Some(Json::String(key))) => SegmentResume::AfterKey(key.clone()),
            (false, _) => {
                return Err(format!(
                    "neither {EXCLUSIVE_START_KEY} nor {SNAPSHOT_COMPLETED} is set"
                ))
            }
        };
        Ok(Self {
            start_time,
            count,
            total_segments,
            resume,
        })
    }
}

/// An integer field written either as a JSON number or as a decimal string.
fn integer(offset: &OffsetMap, key: &str) -> Result<i64, String> {
    match offset.get(key) {
        Some(Json::Number(n)) => n.as_i64().ok_or_else(|| format!("{key} is not an integer")),
        Some(Json::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{key} is not an integer: {s}")),
        _ => Err(format!("{key} is missing")),
    }
}

/// Type C partition.
pub fn stream_partition(table: &str) -> OffsetMap {
    map([(STREAM, Json::from(table))])
}

/// Reads a type C offset: the CDC start time in epoch ms.
///
/// # Errors
/// A message when the timestamp is missing or does not match its format.
pub fn parse_stream_start(offset: &OffsetMap) -> Result<i64, String> {
    let text = match offset.get(START_TIMESTAMP) {
        Some(Json::String(s)) if !s.trim().is_empty() => s,
        _ => {
            return Err(format!(
                "{START_TIMESTAMP} is required and must be a string"
            ))
        }
    };
    let format = match offset.get(START_TIMESTAMP_FORMAT) {
        None | Some(Json::Null) => DEFAULT_PATTERN,
        Some(Json::String(f)) if f.trim().is_empty() => DEFAULT_PATTERN,
        Some(Json::String(f)) => f,
        Some(_) => return Err(format!("{START_TIMESTAMP_FORMAT} must be a string")),
    };
    let pattern =
        JavaTimePattern::compile(format).map_err(|e| format!("{START_TIMESTAMP_FORMAT}: {e}"))?;
    pattern
        .parse_millis(text)
        .map_err(|e| format!("{START_TIMESTAMP}: {e}"))
}

/// Shard position partition.
pub fn shard_partition(table: &str, shard_id: &str) -> OffsetMap {
    map([
        (STREAM, Json::from(table)),
        (SHARD_ID, Json::from(shard_id)),
    ])
}

/// The last delivered record of a shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardCheckpoint {
    pub stream_arn: String,
    pub sequence_number: String,
    /// The type C start time (epoch ms) in force when written, if one was.
    pub start_position: Option<i64>,
    /// The start time CDC skipped older records by (epoch ms; `None`: none skipped), so that
    /// shards found after a restart are entered at the same moment.
    pub start_time: Option<i64>,
}

impl ShardCheckpoint {
    /// The offset map.
    pub fn to_offset(&self) -> OffsetMap {
        let mut m = map([
            (SEQ_NO, Json::from(self.sequence_number.as_str())),
            (STREAM_ARN, Json::from(self.stream_arn.as_str())),
        ]);
        if let Some(t) = self.start_position {
            m.insert(START_POSITION_TIMESTAMP.to_string(), Json::from(t));
        }
        if let Some(t) = self.start_time {
            m.insert(CDC_START_TIME.to_string(), Json::from(t));
        }
        m
    }

    /// Reads a stored shard position.
    ///
    /// # Errors
    /// A message naming the malformed field.
    pub fn from_offset(offset: &OffsetMap) -> Result<Self, String> {
        let string = |key: &str| match offset.get(key) {
            Some(Json::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(format!("{key} is missing or not a string")),
        };
        let sequence_number = string(SEQ_NO)?;
        if !sequence_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{SEQ_NO} is not a sequence number: {sequence_number}"
            ));
        }
        let optional = |key: &str| match offset.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(_) => integer(offset, key).map(Some),
        };
        Ok(Self {
            stream_arn: string(STREAM_ARN)?,
            sequence_number,
            start_position: optional(START_POSITION_TIMESTAMP)?,
            start_time: optional(CDC_START_TIME)?,
        })
    }

    /// Whether this position still applies to the stream `stream_arn` under the type C start
    /// time `type_c` (positions written before a new type C value was set do not).
    pub fn applies_to(&self, stream_arn: &str, type_c: Option<i64>) -> bool {
        self.stream_arn == stream_arn && (type_c.is_none() || self.start_position == type_c)
    }
}

/// Orders DynamoDB Streams sequence numbers (numeric strings of up to 40 digits, beyond `u128`).
pub fn compare_sequence_numbers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The kind of a partition this connector writes or reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    CdcStarted { table: String },
    Segment { table: String },
    Stream { table: String },
    Shard { table: String },
}

/// Recognises one of this connector's partitions.
pub fn classify(partition: &OffsetMap) -> Option<PartitionKind> {
    let s = |k: &str| partition.get(k).and_then(Json::as_str).map(str::to_string);
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = partition.keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    };
    match keys.as_slice() {
        [CDC_STARTED, TABLE_NAME] => Some(PartitionKind::CdcStarted {
            table: s(TABLE_NAME)?,
        }),
        [SEGMENT, TABLE_NAME] => Some(PartitionKind::Segment {
            table: s(TABLE_NAME)?,
        }),
        [STREAM] => Some(PartitionKind::Stream { table: s(STREAM)? }),
        [SHARD_ID, STREAM] => Some(PartitionKind::Shard { table: s(STREAM)? }),
        _ => None,
    }
}

/// Checks one entry of `PATCH /connectors/<name>/offsets`: any partition of this connector may
/// be reset (null offset); only the stream offset (type C) may be set, and its timestamp must
/// parse.
///
/// # Errors
/// The message for the REST answer.
pub fn check_alteration(partition: &OffsetMap, offset: Option<&OffsetMap>) -> Result<(), String> {
    let kind = classify(partition).ok_or_else(|| {
        format!(
            "{} is not a partition of the DynamoDB CDC source; its partitions are \
             {{\"stream\":<table>}}, {{\"tableName\":<table>,\"cdcStarted\":\"true\"}}, \
             {{\"segment\":<n>,\"tableName\":<table>}} and {{\"stream\":<table>,\"shardId\":<shard>}}",
            Json::Object(partition.clone())
        )
    })?;
    let Some(offset) = offset else {
        return Ok(());
    };
    match kind {
        PartitionKind::Stream { .. } => parse_stream_start(offset).map(|_| ()),
        other => Err(format!(
            "offsets of {other:?} partitions are managed by the connector and may only be reset \
             (set to null); to move CDC, set {{\"{START_TIMESTAMP}\": ...}} on the partition \
             {{\"stream\": <table>}}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Json) -> OffsetMap {
        match v {
            Json::Object(m) => m,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn reference_shapes_are_written_in_the_reference_order() {
        assert_eq!(
            Json::Object(cdc_started_partition("T")).to_string(),
            r#"{"tableName":"T","cdcStarted":"true"}"#
        );
        assert_eq!(
            Json::Object(cdc_started_offset()).to_string(),
            r#"{"cdcStarted":"true"}"#
        );
        assert_eq!(
            Json::Object(segment_partition("T", 3)).to_string(),
            r#"{"segment":"3","tableName":"T"}"#
        );
        let progress = SegmentProgress {
            start_time: 1_719_830_776_087,
            count: 12,
            total_segments: 5,
            resume: SegmentResume::AfterKey(r#"{"id":{"S":"a"}}"#.into()),
        };
        assert_eq!(
            Json::Object(progress.to_offset("T", 3)).to_string(),
            r#"{"segment":"3","snapshotCount":"12","snapshotStartTime":1719830776087,"tableName":"T","totalSegments":"5","exclusiveStartKey":"{\"id\":{\"S\":\"a\"}}"}"#
        );
        assert_eq!(
            Json::Object(stream_partition("T")).to_string(),
            r#"{"stream":"T"}"#
        );
    }

    #[test]
    fn segment_progress_round_trips_and_reads_numbers_or_strings() {
        for resume in [
            SegmentResume::Completed,
            SegmentResume::AfterKey("{}".into()),
        ] {
            let p = SegmentProgress {
                start_time: 5,
                count: 7,
                total_segments: 5,
                resume,
            };
            assert_eq!(
                SegmentProgress::from_offset(&p.to_offset("t", 0)).unwrap(),
                p
            );
        }
        let numeric = obj(
            json!({"snapshotCount": 3, "snapshotStartTime": "9", "totalSegments": 5,
            "snapshotCompleted": "true"}),
        );
        let p = SegmentProgress::from_offset(&numeric).unwrap();
        assert_eq!((p.count, p.start_time, p.total_segments), (3, 9, 5));
        let err = SegmentProgress::from_offset(&obj(json!({"snapshotCount": "1",
            "snapshotStartTime": 1, "totalSegments": "5"})))
        .unwrap_err();
        assert!(err.contains(EXCLUSIVE_START_KEY), "{err}");
        assert!(SegmentProgress::from_offset(&obj(json!({}))).is_err());
    }

    #[test]
    fn stream_start_uses_the_given_or_default_format() {
        let o = obj(json!({"cdc.start.position.timestamp": "2024-07-01T10:49:00Z"}));
        assert_eq!(parse_stream_start(&o).unwrap(), 1_719_830_940_000);
        let o = obj(
            json!({"cdc.start.position.timestamp": "2024-07-01T10:49:00Z",
            "cdc.start.position.timestamp.format": ""}),
        );
        assert_eq!(parse_stream_start(&o).unwrap(), 1_719_830_940_000);
        let o = obj(json!({"cdc.start.position.timestamp": "01/07/2024 10:49",
            "cdc.start.position.timestamp.format": "dd/MM/yyyy HH:mm"}));
        assert_eq!(parse_stream_start(&o).unwrap(), 1_719_830_940_000);
        assert!(parse_stream_start(&obj(json!({}))).is_err());
        let o = obj(json!({"cdc.start.position.timestamp": "yesterday"}));
        assert!(parse_stream_start(&o).unwrap_err().contains("yesterday"));
    }

    #[test]
    fn shard_checkpoints_apply_to_their_stream_and_start_position() {
        let c = ShardCheckpoint {
            stream_arn: "arn1".into(),
            sequence_number: "000000000000000000247".into(),
            start_position: Some(10),
            start_time: Some(9),
        };
        assert_eq!(ShardCheckpoint::from_offset(&c.to_offset()).unwrap(), c);
        assert!(c.applies_to("arn1", None));
        assert!(c.applies_to("arn1", Some(10)));
        assert!(
            !c.applies_to("arn1", Some(11)),
            "a new type C value makes it stale"
        );
        assert!(
            !c.applies_to("arn2", None),
            "a re-enabled stream makes it stale"
        );
        let bad = obj(json!({"seqNo": "12a", "streamArn": "x"}));
        assert!(ShardCheckpoint::from_offset(&bad).is_err());
    }

    #[test]
    fn sequence_numbers_compare_numerically_beyond_u128() {
        let forty = "9".repeat(40);
        assert_eq!(compare_sequence_numbers(&forty, "1"), Ordering::Greater);
        assert_eq!(
            compare_sequence_numbers("000000000000000000232", "247"),
            Ordering::Less
        );
        assert_eq!(compare_sequence_numbers("0010", "10"), Ordering::Equal);
        assert_eq!(compare_sequence_numbers("100", "99"), Ordering::Greater);
    }

    #[test]
    fn only_the_stream_offset_may_be_set() {
        let stream = stream_partition("T");
        let good = obj(json!({"cdc.start.position.timestamp": "2024-07-01T10:49:00Z"}));
        assert!(check_alteration(&stream, Some(&good)).is_ok());
        assert!(check_alteration(&stream, None).is_ok());
        let bad = obj(json!({"cdc.start.position.timestamp": "x"}));
        assert!(check_alteration(&stream, Some(&bad)).is_err());
        let segment = segment_partition("T", 0);
        assert!(
            check_alteration(&segment, None).is_ok(),
            "resets are allowed"
        );
        assert!(check_alteration(&segment, Some(&good)).is_err());
        assert!(check_alteration(&shard_partition("T", "s"), Some(&good)).is_err());
        assert!(check_alteration(&cdc_started_partition("T"), None).is_ok());
        assert!(check_alteration(&obj(json!({"filename": "x"})), None).is_err());
    }
}
