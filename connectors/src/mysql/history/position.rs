//! Whether a history record lies at or before an offset: Debezium's
//! `BinlogHistoryRecordComparator.isPositionAtOrBefore`, shared by its MySQL and MariaDB
//! connectors.
//!
//! The rules, in Debezium's order: when the offset has GTIDs, a record with GTIDs compares by
//! set containment (equal sets compare the snapshot flag and then the `event` count) and a
//! record without GTIDs is older; a record with GTIDs is never before an offset without them.
//! Without GTIDs, positions of different servers compare by `ts_sec`; otherwise by binlog file
//! (a changed base name counts as before, so its DDL is replayed), `pos`, `event` and `row`.
//! Which GTID flavour applies is read from the text: MariaDB's `domain-server-sequence` lists
//! and MySQL's `uuid:interval` sets cannot be confused. `gtid.source.includes/excludes`
//! filtering is not applied (Strait rejects those options).

use serde_json::Value as Json;
use strait_api::OffsetMap;

use crate::mysql::gtid::{MariaDbGtid, MySqlGtidSet};
use crate::mysql::offset::{
    EVENT_KEY, FILE_KEY, GTIDS_KEY, POS_KEY, ROW_KEY, SERVER_ID_KEY, SNAPSHOT_KEY, TS_SEC_KEY,
};

/// Whether `recorded` (a history record's position) is at or before `offset`.
pub fn is_at_or_before(recorded: &OffsetMap, offset: &OffsetMap) -> bool {
    let recorded_gtids = string(recorded, GTIDS_KEY);
    let desired_gtids = string(offset, GTIDS_KEY);
    match (recorded_gtids, desired_gtids) {
        (Some(r), Some(d)) => {
            let (contained, equal) = compare_gtid_sets(r, d);
            if equal {
                if !recorded.contains_key(SNAPSHOT_KEY) && offset.contains_key(SNAPSHOT_KEY) {
                    return false;
                }
                return int(recorded, EVENT_KEY, 0) <= int(offset, EVENT_KEY, 0);
            }
            contained
        }
        // GTIDs are enabled but rarely disabled: a position without them is older.
        (None, Some(_)) => true,
        (Some(_), None) => false,
        (None, None) => compare_coordinates(recorded, offset),
    }
}

fn compare_coordinates(recorded: &OffsetMap, offset: &OffsetMap) -> bool {
    if recorded.contains_key(SERVER_ID_KEY)
        && offset.contains_key(SERVER_ID_KEY)
        && int(recorded, SERVER_ID_KEY, 0) != int(offset, SERVER_ID_KEY, 0)
    {
        return int(recorded, TS_SEC_KEY, 0) <= int(offset, TS_SEC_KEY, 0);
    }
    let (recorded_base, recorded_ext) = binlog_file(recorded);
    let (desired_base, desired_ext) = binlog_file(offset);
    if recorded_base != desired_base {
        // Unrelated coordinate spaces (restore, failover): replay the DDL rather than skip it.
        return true;
    }
    if recorded_ext != desired_ext {
        return recorded_ext < desired_ext;
    }
    let (rp, dp) = (int(recorded, POS_KEY, -1), int(offset, POS_KEY, -1));
    if rp != dp {
        return rp < dp;
    }
    let (re, de) = (int(recorded, EVENT_KEY, 0), int(offset, EVENT_KEY, 0));
    if re != de {
        return re < de;
    }
    int(recorded, ROW_KEY, -1) <= int(offset, ROW_KEY, -1)
}

/// `(base name, numeric extension)` of the `file` entry; a name without a numeric extension
/// (which Debezium refuses) compares as its own base name with extension 0.
fn binlog_file(map: &OffsetMap) -> (String, i64) {
    let name = string(map, FILE_KEY).unwrap_or_default();
    match name.rsplit_once('.') {
        Some((base, ext)) => match ext.parse() {
            Ok(n) => (base.to_string(), n),
            Err(_) => (name.to_string(), 0),
        },
        None => (name.to_string(), 0),
    }
}

fn string<'a>(map: &'a OffsetMap, key: &str) -> Option<&'a str> {
    match map.get(key) {
        Some(Json::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// Jackson's `getInteger`/`getLong` with a default: numbers, numeric strings.
fn int(map: &OffsetMap, key: &str, default: i64) -> i64 {
    match map.get(key) {
        Some(Json::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|u| u as i64))
            .unwrap_or(default),
        Some(Json::String(s)) => s.trim().parse().unwrap_or(default),
        _ => default,
    }
}

/// `(recorded ⊆ desired, recorded == desired)` in the flavour the text is written in.
fn compare_gtid_sets(recorded: &str, desired: &str) -> (bool, bool) {
    if let (Some(r), Some(d)) = (mariadb_gtids(recorded), mariadb_gtids(desired)) {
        return mariadb_compare(&r, &d);
    }
    match (MySqlGtidSet::parse(recorded), MySqlGtidSet::parse(desired)) {
        (Ok(r), Ok(d)) => {
            let within = |a: &MySqlGtidSet, b: &MySqlGtidSet| {
                let mut union = b.clone();
                union.union(a);
                union == *b
            };
            let contained = within(&r, &d);
            (contained, contained && within(&d, &r))
        }
        // Unreadable GTIDs: fall back to textual equality, as nothing else can be said.
        _ => {
            let equal = recorded.trim() == desired.trim();
            (equal, equal)
        }
    }
}

/// Every GTID of a MariaDB position, or `None` when the text is not MariaDB's format.
fn mariadb_gtids(text: &str) -> Option<Vec<MariaDbGtid>> {
    let mut gtids: Vec<MariaDbGtid> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| MariaDbGtid::parse(p).ok())
        .collect::<Option<_>>()?;
    gtids.sort_by_key(|g| (g.domain, g.server, g.sequence));
    gtids.dedup();
    Some(gtids)
}

/// Debezium's `MariaDbGtidSet.isContainedWithin`: per (domain, server) stream of the recorded
/// set, every GTID is in the desired set's same domain, or its lowest sequence is not above
/// that domain's lowest sequence.
fn mariadb_compare(recorded: &[MariaDbGtid], desired: &[MariaDbGtid]) -> (bool, bool) {
    if recorded == desired {
        return (true, true);
    }
    let mut streams: Vec<(u32, u32)> = recorded.iter().map(|g| (g.domain, g.server)).collect();
    streams.dedup();
    let contained = streams.iter().all(|&(domain, server)| {
        let mine: Vec<&MariaDbGtid> = recorded
            .iter()
            .filter(|g| g.domain == domain && g.server == server)
            .collect();
        let theirs: Vec<&MariaDbGtid> = desired.iter().filter(|g| g.domain == domain).collect();
        if theirs.is_empty() {
            return false;
        }
        if mine.iter().all(|g| theirs.contains(g)) {
            return true;
        }
        let my_min = mine.iter().map(|g| g.sequence).min().unwrap_or(0);
        let their_min = theirs.iter().map(|g| g.sequence).min().unwrap_or(0);
        my_min <= their_min
    });
    (contained, false)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Json) -> OffsetMap {
        v.as_object().unwrap().clone()
    }

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "0b6e2c1a-0000-11e1-9e33-c80aa9429562";

    #[test]
    fn mysql_gtid_sets_compare_by_containment() {
        let at = |g: String| map(json!({"file": "b.000001", "pos": 4, "gtids": g}));
        assert!(is_at_or_before(
            &at(format!("{A}:1-5")),
            &at(format!("{A}:1-9,{B}:1-2"))
        ));
        assert!(!is_at_or_before(
            &at(format!("{A}:1-10")),
            &at(format!("{A}:1-9"))
        ));
        assert!(!is_at_or_before(
            &at(format!("{A}:1-5,{B}:1")),
            &at(format!("{A}:1-9"))
        ));
        // Order and single-transaction notation do not matter.
        assert!(is_at_or_before(
            &at(format!("{B}:3,{A}:1-2")),
            &at(format!("{A}:1-2,{B}:3-3"))
        ));
    }

    #[test]
    fn equal_gtid_sets_compare_snapshot_then_events() {
        let g = format!("{A}:1-5");
        let rec = map(json!({"file": "b.000001", "pos": 4, "gtids": g, "event": 2}));
        let desired = map(json!({"file": "b.000001", "pos": 4, "gtids": g, "event": 2}));
        assert!(is_at_or_before(&rec, &desired));
        let fewer = map(json!({"file": "b.000001", "pos": 4, "gtids": g, "event": 1}));
        assert!(!is_at_or_before(&rec, &fewer));
        assert!(is_at_or_before(&fewer, &rec));
        let snapshot = map(json!({"file": "b.000001", "pos": 4, "gtids": g, "event": 2,
            "snapshot": "INITIAL"}));
        assert!(!is_at_or_before(&rec, &snapshot));
        assert!(is_at_or_before(&snapshot, &snapshot));
        assert!(is_at_or_before(&snapshot, &rec));
    }

    #[test]
    fn gtids_on_one_side_only() {
        let with = map(json!({"file": "b.000009", "pos": 4, "gtids": format!("{A}:1")}));
        let without = map(json!({"file": "b.000001", "pos": 4}));
        assert!(is_at_or_before(&without, &with));
        assert!(!is_at_or_before(&with, &without));
    }

    #[test]
    fn mariadb_positions_compare_per_domain() {
        let at = |g: &str| map(json!({"file": "b.000001", "pos": 4, "gtids": g}));
        assert!(is_at_or_before(&at("0-1-5"), &at("0-1-9")));
        assert!(!is_at_or_before(&at("0-1-9"), &at("0-1-5")));
        // Another server of the same domain: sequences still compare.
        assert!(is_at_or_before(&at("0-1-5"), &at("0-2-7")));
        assert!(is_at_or_before(&at("0-1-5,1-3-100"), &at("0-1-6,1-3-100")));
        // A domain the offset has never seen.
        assert!(!is_at_or_before(&at("0-1-5,2-1-1"), &at("0-1-9")));
        // Equal positions fall through to the event count.
        let rec = map(json!({"file": "b.000001", "pos": 4, "gtids": "0-1-5", "event": 3}));
        let desired = map(json!({"file": "b.000001", "pos": 4, "gtids": "0-1-5", "event": 1}));
        assert!(!is_at_or_before(&rec, &desired));
    }

    #[test]
    fn coordinates_compare_file_pos_event_row() {
        let at = |file: &str, pos: i64, event: i64, row: Option<i64>| {
            let mut m = map(json!({"file": file, "pos": pos, "event": event, "server_id": 1}));
            if let Some(r) = row {
                m.insert("row".into(), json!(r));
            }
            m
        };
        let base = at("mysql-bin.000010", 500, 1, Some(2));
        assert!(is_at_or_before(
            &at("mysql-bin.000009", 900, 9, None),
            &base
        ));
        assert!(!is_at_or_before(&at("mysql-bin.000011", 4, 0, None), &base));
        // Numeric, not textual, extension order.
        assert!(is_at_or_before(
            &at("mysql-bin.99", 4, 0, None),
            &at("mysql-bin.100", 4, 0, None)
        ));
        assert!(is_at_or_before(
            &at("mysql-bin.000010", 499, 5, None),
            &base
        ));
        assert!(!is_at_or_before(
            &at("mysql-bin.000010", 501, 0, None),
            &base
        ));
        assert!(is_at_or_before(
            &at("mysql-bin.000010", 500, 0, None),
            &base
        ));
        assert!(!is_at_or_before(
            &at("mysql-bin.000010", 500, 2, None),
            &base
        ));
        assert!(is_at_or_before(
            &at("mysql-bin.000010", 500, 1, Some(2)),
            &base
        ));
        assert!(!is_at_or_before(
            &at("mysql-bin.000010", 500, 1, Some(3)),
            &base
        ));
        // A missing row is -1: before any row.
        assert!(is_at_or_before(
            &at("mysql-bin.000010", 500, 1, None),
            &base
        ));
        // A renamed binlog (restore, failover): replayed.
        assert!(is_at_or_before(&at("other-bin.000999", 9, 0, None), &base));
    }

    #[test]
    fn different_servers_compare_by_timestamp_and_snapshots_have_no_server() {
        let a = map(json!({"file": "b.000005", "pos": 4, "server_id": 1, "ts_sec": 100}));
        let b = map(json!({"file": "b.000001", "pos": 4, "server_id": 2, "ts_sec": 200}));
        assert!(is_at_or_before(&a, &b));
        assert!(!is_at_or_before(&b, &a));
        // A snapshot position has no server id: coordinates compare.
        let snapshot = map(json!({"file": "b.000005", "pos": 4, "snapshot": true}));
        assert!(!is_at_or_before(
            &a,
            &map(json!({"file": "b.000004", "pos": 9}))
        ));
        assert!(is_at_or_before(&snapshot, &a));
    }
}
