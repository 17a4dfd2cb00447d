//! Source partition and offsets in Debezium's exact shape, and the bookkeeping that produces
//! them while the binlog is read.
//!
//! The partition is `{"server": <topic.prefix>}` and the offset map holds `file`, `pos`,
//! `event`, `row`, `gtids`, `server_id`, `ts_sec` and, during a snapshot, `snapshot`, so a Debezium
//! offset resumes here unchanged and ours resumes in Debezium. [`OffsetTracker`] mirrors
//! Debezium's `BinlogOffsetContext`: inside a transaction the restart position stays at the
//! transaction's first event and `event`/`row` count what was already emitted, so a restart
//! re-reads the transaction and skips exactly what was delivered. Keys are inserted in the order
//! Java's `HashMap` iterates them, so even the offsets topic bytes match Debezium's.
//!
//! Every change record carries an offset, but the worker stores only the latest one per flush:
//! records carry a [`BinlogOffset`] as a [`TypedOffset`] whose map is built only when stored.
//! The binlog file name and GTID set are `Arc<str>`, shared by the tracker and every offset it
//! hands out, so a record's offset costs one allocation and a few reference counts.

use std::sync::Arc;

use serde_json::Value as Json;
use strait_api::{OffsetMap, SourceOffset, TypedOffset};

/// The partition key.
pub const SERVER_KEY: &str = "server";
pub const FILE_KEY: &str = "file";
pub const POS_KEY: &str = "pos";
pub const EVENT_KEY: &str = "event";
pub const ROW_KEY: &str = "row";
pub const GTIDS_KEY: &str = "gtids";
pub const SERVER_ID_KEY: &str = "server_id";
pub const TS_SEC_KEY: &str = "ts_sec";
pub const SNAPSHOT_KEY: &str = "snapshot";
pub const SNAPSHOT_COMPLETED_KEY: &str = "snapshot_completed";
/// The open transaction's id (transaction metadata only).
pub const TRANSACTION_ID_KEY: &str = "transaction_id";
/// Prefix of the per-table event counters of the open transaction.
pub const TRANSACTION_COUNT_PREFIX: &str = "transaction_data_collection_order_";

/// Java's `String.hashCode` spread as `HashMap.hash` does.
pub fn java_hash(key: &str) -> u32 {
    let h = key
        .encode_utf16()
        .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
    h ^ (h >> 16)
}

/// Entries in the order a Java `HashMap` filled in this insertion order iterates them: by
/// bucket of the final table size, insertion order within a bucket.
pub fn java_hashmap_order<V>(entries: Vec<(String, V)>) -> Vec<(String, V)> {
    let mut capacity: usize = 16;
    while entries.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let mask = (capacity - 1) as u32;
    let mut indexed: Vec<(u32, usize, (String, V))> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| (java_hash(&e.0) & mask, i, e))
        .collect();
    indexed.sort_by_key(|(bucket, i, _)| (*bucket, *i));
    indexed.into_iter().map(|(_, _, e)| e).collect()
}

/// The event counters of an open transaction (Debezium's `TransactionContext`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionCounts {
    pub id: String,
    /// Events per `db.table`, in first-event order.
    pub per_table: Vec<(String, u64)>,
    pub total: u64,
}

impl TransactionCounts {
    /// A transaction with no event yet.
    pub fn new(id: String) -> Self {
        Self {
            id,
            per_table: Vec::new(),
            total: 0,
        }
    }

    /// Counts an event of `table`; returns `(total order, order within the table)`.
    pub fn event(&mut self, table: &str) -> (u64, u64) {
        self.total += 1;
        let order = match self.per_table.iter_mut().find(|(t, _)| t == table) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.per_table.push((table.to_string(), 1));
                1
            }
        };
        (self.total, order)
    }
}

/// The source partition of a connector with this `topic.prefix`.
pub fn source_partition(topic_prefix: &str) -> Arc<OffsetMap> {
    let mut map = OffsetMap::new();
    map.insert(SERVER_KEY.into(), Json::String(topic_prefix.to_string()));
    Arc::new(map)
}

/// A stored offset: where to resume and how much of the transaction there was delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BinlogOffset {
    pub file: Arc<str>,
    pub pos: u64,
    /// Events of the interrupted transaction (counting its BEGIN) already fully processed.
    pub event: u64,
    /// Rows of the next rows event already emitted.
    pub row: u64,
    /// Executed GTIDs, excluding the interrupted transaction.
    pub gtids: Option<Arc<str>>,
    /// Server id of the last event (0: unknown, not written).
    pub server_id: u64,
    /// Source time of the last event in seconds.
    pub ts_sec: Option<i64>,
    /// Set while an initial snapshot is in progress.
    pub snapshot: bool,
    /// The open transaction's counters, when transaction metadata is on.
    pub transaction: Option<TransactionCounts>,
}

/// Why a stored offset cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored offset {offset} is not a Debezium MySQL offset: {reason}")]
pub struct OffsetError {
    pub offset: String,
    pub reason: String,
}

fn as_u64(v: &Json) -> Option<u64> {
    match v {
        Json::Number(n) => n.as_u64().or_else(|| n.as_i64().map(|i| i.max(0) as u64)),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl BinlogOffset {
    /// Reads an offset written by Debezium (any version since 1.x) or by Strait.
    ///
    /// # Errors
    /// When `file` or `pos` is missing or a field has the wrong type.
    pub fn from_map(map: &OffsetMap) -> Result<Self, OffsetError> {
        let err = |reason: &str| OffsetError {
            offset: Json::Object(map.clone()).to_string(),
            reason: reason.to_string(),
        };
        let file = match map.get(FILE_KEY) {
            Some(Json::String(s)) => Arc::from(s.as_str()),
            _ => return Err(err("'file' is missing or not a string")),
        };
        let pos = map
            .get(POS_KEY)
            .and_then(as_u64)
            .ok_or_else(|| err("'pos' is missing or not a number"))?;
        let optional_u64 = |key: &str| match map.get(key) {
            None | Some(Json::Null) => Ok(0),
            Some(v) => as_u64(v).ok_or_else(|| err(&format!("'{key}' is not a number"))),
        };
        let event = optional_u64(EVENT_KEY)?;
        let row = optional_u64(ROW_KEY)?;
        let server_id = optional_u64(SERVER_ID_KEY)?;
        let ts_sec = match map.get(TS_SEC_KEY) {
            None | Some(Json::Null) => None,
            Some(v) => Some(as_u64(v).ok_or_else(|| err("'ts_sec' is not a number"))? as i64),
        };
        let gtids = match map.get(GTIDS_KEY) {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) if s.trim().is_empty() => None,
            Some(Json::String(s)) => Some(Arc::from(without_line_breaks(s.clone()))),
            Some(_) => return Err(err("'gtids' is not a string")),
        };
        // `snapshot` is `true` up to Debezium 3.0.1 and a snapshot type name since 3.0.2;
        // `snapshot_completed` (older versions) marks a finished snapshot.
        let in_snapshot = match map.get(SNAPSHOT_KEY) {
            None | Some(Json::Null) | Some(Json::Bool(false)) => false,
            Some(Json::Bool(true)) => true,
            Some(Json::String(s)) => !s.eq_ignore_ascii_case("false"),
            Some(_) => return Err(err("'snapshot' is neither a boolean nor a snapshot type")),
        };
        let transaction = match map.get(TRANSACTION_ID_KEY) {
            Some(Json::String(id)) => {
                let per_table: Vec<(String, u64)> = map
                    .iter()
                    .filter_map(|(k, v)| {
                        let table = k.strip_prefix(TRANSACTION_COUNT_PREFIX)?;
                        Some((table.to_string(), as_u64(v)?))
                    })
                    .collect();
                let total = per_table.iter().map(|(_, n)| n).sum();
                Some(TransactionCounts {
                    id: id.clone(),
                    per_table,
                    total,
                })
            }
            _ => None,
        };
        let completed = matches!(map.get(SNAPSHOT_COMPLETED_KEY), Some(Json::Bool(true)))
            || matches!(map.get(SNAPSHOT_COMPLETED_KEY), Some(Json::String(s)) if s == "true");
        Ok(Self {
            file,
            pos,
            event,
            row,
            gtids,
            server_id,
            ts_sec,
            snapshot: in_snapshot && !completed,
            transaction,
        })
    }

    /// The offset map, keys in the order Debezium's `HashMap` writes them. The common case (no
    /// transaction counters: at most eight keys, so Java's table has 16 buckets) is built
    /// straight in [`FIXED_ORDER`] without sorting.
    pub fn to_map(&self) -> OffsetMap {
        if self.transaction.is_none() {
            let mut values: [Option<Json>; 8] = Default::default();
            values[0] = (self.server_id != 0).then(|| self.server_id.into());
            values[1] = self.gtids.as_deref().map(Json::from);
            values[2] = Some(Json::from(&*self.file));
            values[3] = Some(self.pos.into());
            values[4] = (self.event != 0).then(|| self.event.into());
            values[5] = (self.row != 0).then(|| self.row.into());
            values[6] = self.ts_sec.map(Json::from);
            values[7] = self.snapshot.then(|| Json::String("INITIAL".into()));
            let mut map = OffsetMap::with_capacity(8);
            for &i in FIXED_ORDER.iter() {
                if let Some(v) = values[i].take() {
                    map.insert(FIXED_KEYS[i].to_string(), v);
                }
            }
            return map;
        }
        // Debezium's insertion order (`offsetUsingPosition`, then the snapshot marker, then the
        // transaction context); Java's HashMap then iterates by bucket.
        let mut entries: Vec<(String, Json)> = Vec::with_capacity(10);
        if self.server_id != 0 {
            entries.push((SERVER_ID_KEY.into(), self.server_id.into()));
        }
        if let Some(g) = &self.gtids {
            entries.push((GTIDS_KEY.into(), Json::from(&**g)));
        }
        entries.push((FILE_KEY.into(), Json::from(&*self.file)));
        entries.push((POS_KEY.into(), self.pos.into()));
        if self.event != 0 {
            entries.push((EVENT_KEY.into(), self.event.into()));
        }
        if self.row != 0 {
            entries.push((ROW_KEY.into(), self.row.into()));
        }
        if let Some(ts) = self.ts_sec {
            entries.push((TS_SEC_KEY.into(), ts.into()));
        }
        if self.snapshot {
            entries.push((SNAPSHOT_KEY.into(), Json::String("INITIAL".into())));
        }
        if let Some(tx) = &self.transaction {
            entries.push((TRANSACTION_ID_KEY.into(), Json::String(tx.id.clone())));
            let counts = tx
                .per_table
                .iter()
                .map(|(t, n)| (format!("{TRANSACTION_COUNT_PREFIX}{t}"), Json::from(*n)))
                .collect();
            // Debezium copies the counters from its own HashMap, in that map's order.
            entries.extend(java_hashmap_order(counts));
        }
        java_hashmap_order(entries).into_iter().collect()
    }
}

impl TypedOffset for BinlogOffset {
    fn to_map(&self) -> OffsetMap {
        BinlogOffset::to_map(self)
    }
}

/// `gtids` with line breaks removed (MySQL breaks long GTID sets over lines); no copy when
/// there are none.
fn without_line_breaks(gtids: String) -> String {
    if gtids.contains(['\n', '\r']) {
        gtids.replace(['\n', '\r'], "")
    } else {
        gtids
    }
}

/// The offset keys other than the transaction context, in Debezium's insertion order.
const FIXED_KEYS: [&str; 8] = [
    SERVER_ID_KEY,
    GTIDS_KEY,
    FILE_KEY,
    POS_KEY,
    EVENT_KEY,
    ROW_KEY,
    TS_SEC_KEY,
    SNAPSHOT_KEY,
];

/// Indexes into [`FIXED_KEYS`] in the order a 16-bucket Java `HashMap` iterates them (any
/// subset of them keeps this relative order).
static FIXED_ORDER: std::sync::LazyLock<[usize; 8]> = std::sync::LazyLock::new(|| {
    let mut order = [0, 1, 2, 3, 4, 5, 6, 7];
    order.sort_by_key(|&i| (java_hash(FIXED_KEYS[i]) & 15, i));
    order
});

/// The position part of the `source` block of the record being built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourcePosition {
    /// Shared with the offsets and every record's `source.file` until the next rotation.
    pub file: Arc<str>,
    /// Start of the current event.
    pub pos: u64,
    /// Index of the row within its rows event.
    pub row: u32,
    /// Server id from the current event header (0 in a snapshot).
    pub server_id: u64,
    /// GTID of the current transaction (shared by its records' `source.gtid`).
    pub gtid: Option<Arc<str>>,
    /// Thread of the current transaction's BEGIN (none for MariaDB GTID-begun ones).
    pub thread: Option<i64>,
    /// Source time of the current event: epoch seconds and nanoseconds.
    pub ts: Option<(i64, u32)>,
}

/// Debezium's `BinlogOffsetContext`: tracks the restart point while events are processed.
#[derive(Clone, Debug, Default)]
pub struct OffsetTracker {
    /// What the next record's `source` block says.
    pub source: SourcePosition,
    restart_file: Arc<str>,
    restart_pos: u64,
    restart_events: u64,
    restart_rows: u64,
    restart_gtids: Option<Arc<str>>,
    current_gtids: Option<Arc<str>>,
    current_event_len: u64,
    in_transaction: bool,
    snapshot: bool,
    /// Debezium's `BinlogOffsetContext.transactionId`: GTID or `file=..,pos=..` of the open
    /// transaction.
    transaction_id: Option<String>,
    /// The transaction metadata counters (restored from the offset after a restart).
    pub transaction: Option<TransactionCounts>,
}

impl OffsetTracker {
    /// A tracker resuming from a stored offset.
    pub fn resume(offset: &BinlogOffset) -> Self {
        Self {
            source: SourcePosition {
                file: offset.file.clone(),
                pos: offset.pos,
                server_id: offset.server_id,
                ts: offset.ts_sec.map(|s| (s, 0)),
                ..SourcePosition::default()
            },
            restart_file: offset.file.clone(),
            restart_pos: offset.pos,
            restart_events: offset.event,
            restart_rows: offset.row,
            restart_gtids: offset.gtids.clone(),
            current_gtids: offset.gtids.clone(),
            current_event_len: 0,
            in_transaction: false,
            snapshot: offset.snapshot,
            transaction_id: None,
            transaction: offset.transaction.clone(),
        }
    }

    /// The open transaction's id (`None` outside transactions).
    pub fn transaction_id(&self) -> Option<&str> {
        self.transaction_id.as_deref()
    }

    /// Marks or clears the in-progress snapshot (the `snapshot` offset key).
    pub fn set_snapshot(&mut self, on: bool) {
        self.snapshot = on;
    }

    /// A ROTATE: reading continues at `pos` of `file`.
    pub fn rotate(&mut self, file: &str, pos: u64) {
        if *self.source.file != *file {
            self.source.file = Arc::from(file);
        }
        if *self.restart_file != *file {
            self.restart_file = Arc::from(file);
        }
        self.source.pos = pos;
        self.restart_pos = pos;
        self.restart_events = 0;
        self.restart_rows = 0;
    }

    /// The header of any other event at `pos` with `len` bytes.
    pub fn event_position(&mut self, pos: u64, len: u64, server_id: u64) {
        self.source.server_id = server_id;
        self.source.pos = pos;
        self.current_event_len = len;
        if !self.in_transaction {
            self.restart_pos = pos + len;
            self.restart_events = 0;
            self.restart_rows = 0;
        }
    }

    /// The source time of the current event.
    pub fn set_source_time(&mut self, secs: i64, nanos: u32) {
        self.source.ts = Some((secs, nanos));
    }

    /// A GTID begins; `including` is the executed set with it.
    pub fn start_gtid(&mut self, gtid: String, including: String) {
        self.source.gtid = Some(Arc::from(gtid));
        if !including.trim().is_empty() {
            let including: Arc<str> = Arc::from(without_line_breaks(including));
            if self.current_gtids.as_deref().is_none_or(str::is_empty) {
                self.restart_gtids = Some(including.clone());
            } else {
                self.restart_gtids = self.current_gtids.clone();
            }
            self.current_gtids = Some(including);
        }
    }

    /// Sets the executed GTID set (streaming start, or after a snapshot).
    pub fn set_completed_gtids(&mut self, gtids: Option<&str>) {
        let gtids = gtids
            .map(|g| Arc::from(without_line_breaks(g.to_string())))
            .filter(|g: &Arc<str>| !g.trim().is_empty());
        self.current_gtids = gtids.clone();
        self.restart_gtids = gtids;
    }

    /// The executed GTID set including the current transaction.
    pub fn current_gtids(&self) -> Option<&str> {
        self.current_gtids.as_deref()
    }

    /// `BEGIN` (or a MariaDB GTID event): a restart now re-reads from this event.
    pub fn begin_transaction(&mut self, thread: Option<i64>) {
        self.restart_rows = 0;
        self.restart_events = 0;
        self.restart_at_source_file();
        self.restart_pos = self.source.pos;
        self.in_transaction = true;
        if let Some(t) = thread {
            self.source.thread = Some(t);
        }
        self.transaction_id = Some(match &self.source.gtid {
            Some(g) => g.to_string(),
            None => format!("file={},pos={}", self.restart_file, self.restart_pos),
        });
    }

    /// `XID` or `COMMIT`: a restart now starts after this event.
    pub fn commit_transaction(&mut self) {
        self.restart_gtids.clone_from(&self.current_gtids);
        self.restart_at_source_file();
        self.restart_pos = self.source.pos + self.current_event_len;
        self.restart_rows = 0;
        self.restart_events = 0;
        self.in_transaction = false;
        self.source.thread = None;
        self.transaction_id = None;
    }

    /// The restart file becomes the current event's (shared again when it is the same name).
    fn restart_at_source_file(&mut self) {
        if *self.restart_file != *self.source.file {
            self.restart_file = self.source.file.clone();
        }
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// One event finished processing.
    pub fn complete_event(&mut self) {
        self.restart_events += 1;
    }

    /// Row `index` of `total` is about to be emitted.
    pub fn set_row(&mut self, index: usize, total: usize) {
        self.source.row = u32::try_from(index).unwrap_or(u32::MAX);
        self.restart_rows = if index + 1 < total {
            (index + 1) as u64
        } else {
            total as u64
        };
    }

    /// Every row of the current rows event was emitted.
    pub fn rows_completed(&mut self) {
        self.restart_rows = 0;
    }

    /// The offset to store with the record being built.
    pub fn offset(&self) -> BinlogOffset {
        BinlogOffset {
            file: self.restart_file.clone(),
            pos: self.restart_pos,
            event: self.restart_events,
            row: self.restart_rows,
            gtids: self.restart_gtids.clone(),
            server_id: self.source.server_id,
            ts_sec: self.source.ts.map(|(s, _)| s),
            snapshot: self.snapshot,
            transaction: if self.snapshot {
                None
            } else {
                self.transaction.clone()
            },
        }
    }

    /// The offset as a map (for the schema history's positions).
    pub fn offset_map(&self) -> OffsetMap {
        self.offset().to_map()
    }

    /// The offset of the record being built, its map left for the worker to build when it
    /// stores it.
    pub fn source_offset(&self) -> SourceOffset {
        SourceOffset::typed(self.offset())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fixed_key_maps_match_java_hashmap_order_for_every_key_subset() {
        for mask in 0u32..64 {
            let o = BinlogOffset {
                file: "mysql-bin.000003".into(),
                pos: 4,
                server_id: if mask & 1 != 0 { 223344 } else { 0 },
                gtids: (mask & 2 != 0).then(|| "0-1-100".into()),
                event: u64::from(mask & 4 != 0) * 2,
                row: u64::from(mask & 8 != 0) * 7,
                ts_sec: (mask & 16 != 0).then_some(1_700_000_000),
                snapshot: mask & 32 != 0,
                transaction: None,
            };
            let mut entries: Vec<(String, Json)> = Vec::new();
            if o.server_id != 0 {
                entries.push((SERVER_ID_KEY.into(), o.server_id.into()));
            }
            if let Some(g) = &o.gtids {
                entries.push((GTIDS_KEY.into(), Json::String(g.to_string())));
            }
            entries.push((FILE_KEY.into(), Json::String(o.file.to_string())));
            entries.push((POS_KEY.into(), o.pos.into()));
            if o.event != 0 {
                entries.push((EVENT_KEY.into(), o.event.into()));
            }
            if o.row != 0 {
                entries.push((ROW_KEY.into(), o.row.into()));
            }
            if let Some(ts) = o.ts_sec {
                entries.push((TS_SEC_KEY.into(), ts.into()));
            }
            if o.snapshot {
                entries.push((SNAPSHOT_KEY.into(), Json::String("INITIAL".into())));
            }
            let expected: Vec<(String, Json)> = java_hashmap_order(entries);
            let got: Vec<(String, Json)> = o.to_map().into_iter().collect();
            assert_eq!(got, expected, "key subset {mask:#b}");
        }
    }

    fn obj(v: Json) -> OffsetMap {
        match v {
            Json::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn debezium_offsets_of_every_era_load() {
        // Debezium 1.x with the legacy transaction_id and numbers as Java writes them.
        let old = obj(
            json!({"transaction_id":null,"ts_sec":1698175034,"file":"mysql_bin_log.008984",
            "pos":219,"row":148,"server_id":1,"event":12}),
        );
        let o = BinlogOffset::from_map(&old).unwrap();
        assert_eq!(
            o,
            BinlogOffset {
                file: "mysql_bin_log.008984".into(),
                pos: 219,
                event: 12,
                row: 148,
                gtids: None,
                server_id: 1,
                ts_sec: Some(1698175034),
                snapshot: false,
                transaction: None,
            }
        );
        let legacy_snapshot = obj(json!({"file":"f.1","pos":4,"snapshot":true}));
        assert!(BinlogOffset::from_map(&legacy_snapshot).unwrap().snapshot);
        let typed_snapshot =
            obj(json!({"file":"f.1","pos":4,"snapshot":"INITIAL","gtids":"0-1-5"}));
        let o = BinlogOffset::from_map(&typed_snapshot).unwrap();
        assert!(o.snapshot);
        assert_eq!(o.gtids.as_deref(), Some("0-1-5"));
        let completed =
            obj(json!({"file":"f.1","pos":4,"snapshot":true,"snapshot_completed":true}));
        assert!(!BinlogOffset::from_map(&completed).unwrap().snapshot);
        assert!(BinlogOffset::from_map(&obj(json!({"pos":4}))).is_err());
        assert!(BinlogOffset::from_map(&obj(json!({"file":"f","pos":"x"}))).is_err());
    }

    #[test]
    fn offsets_are_written_in_javas_hashmap_order() {
        let o = BinlogOffset {
            file: "mysql-bin.000003".into(),
            pos: 154,
            event: 2,
            row: 1,
            gtids: Some("0-1-7".into()),
            server_id: 223344,
            ts_sec: Some(1700000000),
            snapshot: false,
            transaction: None,
        };
        assert_eq!(
            Json::Object(o.to_map()).to_string(),
            r#"{"ts_sec":1700000000,"file":"mysql-bin.000003","pos":154,"gtids":"0-1-7","row":1,"server_id":223344,"event":2}"#
        );
        let snap = BinlogOffset {
            file: "f.1".into(),
            pos: 4,
            ts_sec: Some(5),
            snapshot: true,
            ..BinlogOffset::default()
        };
        assert_eq!(
            Json::Object(snap.to_map()).to_string(),
            r#"{"ts_sec":5,"file":"f.1","pos":4,"snapshot":"INITIAL"}"#
        );
        assert_eq!(BinlogOffset::from_map(&o.to_map()).unwrap(), o);
    }

    #[test]
    fn transaction_counters_round_trip_in_java_order() {
        let o = BinlogOffset {
            file: "f.1".into(),
            pos: 4,
            event: 3,
            row: 1,
            gtids: Some("0-1-5".into()),
            server_id: 1,
            ts_sec: Some(9),
            snapshot: false,
            transaction: Some(TransactionCounts {
                id: "0-1-6".into(),
                per_table: vec![("db.a".into(), 2), ("db.b".into(), 1)],
                total: 3,
            }),
        };
        let map = o.to_map();
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        // transaction_id hashes to bucket 0; the counters land where Java's HashMap puts them.
        assert_eq!(keys[0], "transaction_id");
        assert_eq!(keys.len(), 10);
        assert_eq!(BinlogOffset::from_map(&map).unwrap(), o);
        assert_eq!(
            java_hash("file") & 15,
            3,
            "matches Java's String.hashCode spreading"
        );
    }

    /// Replays a transaction BEGIN(100,50) TABLE_MAP(150,40) ROWS(190,60 bytes, 3 rows)
    /// XID(250,31) and checks each record's offset, as Debezium computes them.
    #[test]
    fn tracker_follows_debeziums_transaction_bookkeeping() {
        let mut t = OffsetTracker::resume(&BinlogOffset {
            file: "bin.1".into(),
            pos: 100,
            ..BinlogOffset::default()
        });
        t.event_position(100, 50, 7);
        t.begin_transaction(Some(42));
        t.complete_event();
        t.event_position(150, 40, 7);
        t.complete_event();
        t.event_position(190, 60, 7);
        let mut seen = Vec::new();
        for i in 0..3 {
            t.set_row(i, 3);
            let o = t.offset();
            seen.push((o.pos, o.event, o.row, t.source.pos, t.source.row));
        }
        t.rows_completed();
        t.complete_event();
        assert_eq!(
            seen,
            [
                (100, 2, 1, 190, 0),
                (100, 2, 2, 190, 1),
                (100, 2, 3, 190, 2)
            ]
        );
        assert_eq!(t.source.thread, Some(42));
        t.event_position(250, 31, 7);
        t.commit_transaction();
        t.complete_event();
        // Debezium counts the XID itself after the commit reset: `event` is 1 until the next
        // event outside a transaction resets it; a restart there skips only the next BEGIN.
        let o = t.offset();
        assert_eq!((o.pos, o.event, o.row), (281, 1, 0));
        t.event_position(281, 40, 7);
        assert_eq!(t.offset().event, 0);
        assert_eq!(t.source.thread, None);
    }

    #[test]
    fn record_offsets_share_the_trackers_strings_and_store_the_same_map() {
        let mut t = OffsetTracker::resume(&BinlogOffset {
            file: "bin.1".into(),
            pos: 100,
            server_id: 7,
            ..BinlogOffset::default()
        });
        t.set_completed_gtids(Some("0-7-5"));
        t.event_position(100, 50, 7);
        t.begin_transaction(None);
        t.complete_event();
        t.event_position(150, 60, 7);
        t.set_row(0, 2);
        let (a, b) = (t.offset(), t.offset());
        assert!(Arc::ptr_eq(&a.file, &b.file));
        assert!(Arc::ptr_eq(
            a.gtids.as_ref().unwrap(),
            b.gtids.as_ref().unwrap()
        ));
        let stored = t.source_offset().into_map();
        assert_eq!(
            Json::Object(stored.clone()).to_string(),
            r#"{"file":"bin.1","pos":100,"gtids":"0-7-5","row":1,"server_id":7,"event":1}"#
        );
        assert_eq!(stored, t.offset_map());
        // Same file again: the name stays shared.
        let file = Arc::clone(&t.offset().file);
        t.rotate("bin.1", 4);
        t.commit_transaction();
        assert!(Arc::ptr_eq(&file, &t.offset().file));
        t.rotate("bin.2", 4);
        assert_eq!(&*t.offset().file, "bin.2");
    }

    #[test]
    fn restart_gtids_exclude_the_open_transaction() {
        let mut t = OffsetTracker::default();
        t.set_completed_gtids(Some("0-1-5"));
        t.event_position(10, 20, 1);
        t.start_gtid("0-1-6".into(), "0-1-6".into());
        t.begin_transaction(None);
        assert_eq!(t.offset().gtids.as_deref(), Some("0-1-5"));
        assert_eq!(t.current_gtids(), Some("0-1-6"));
        t.event_position(30, 20, 1);
        t.commit_transaction();
        assert_eq!(t.offset().gtids.as_deref(), Some("0-1-6"));
    }
}
