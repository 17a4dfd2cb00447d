//! Classifying binlog events and decoding the ones the connector acts on, including the
//! MariaDB events `mysql_common` does not know.
//!
//! With `@mariadb_slave_capability=4` MariaDB sends its own GTID (162) and GTID_LIST (163)
//! events; `mysql_common` returns `None` for them, so they are read here from the raw body: a
//! GTID is `sequence u64, domain u32, flags u8` with the server id taken from the event header,
//! and it *replaces* the `BEGIN` query of a transaction. QUERY and ROTATE bodies are also read
//! here (they are simple and this avoids a copy); MySQL GTID events go through `mysql_common`.
//! One workaround lives here too: the artificial ROTATE a server sends before its
//! FORMAT_DESCRIPTION is read without knowing checksums are on, so its file name carries the
//! 4 CRC bytes, which [`parse_rotate`] strips when told to.

use std::borrow::Cow;

use mysql_async::binlog::events::{Event, EventData};

use super::rows::{DecodeError, Reader, RowsEvent, RowsKind, TableMap};
use crate::mysql::gtid::MariaDbGtid;

pub const QUERY_EVENT: u8 = 2;
pub const STOP_EVENT: u8 = 3;
pub const ROTATE_EVENT: u8 = 4;
pub const FORMAT_DESCRIPTION_EVENT: u8 = 15;
pub const XID_EVENT: u8 = 16;
pub const TABLE_MAP_EVENT: u8 = 19;
pub const HEARTBEAT_EVENT: u8 = 27;
pub const GTID_EVENT: u8 = 33;
pub const GTID_TAGGED_EVENT: u8 = 42;
pub const MARIADB_ANNOTATE_ROWS_EVENT: u8 = 160;
pub const MARIADB_GTID_EVENT: u8 = 162;
pub const MARIADB_GTID_LIST_EVENT: u8 = 163;
/// `LOG_EVENT_ARTIFICIAL_F`: an event the server made up for the dump (not in the file).
pub const ARTIFICIAL_FLAG: u16 = 0x20;

/// A MySQL GTID event's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MySqlGtid {
    /// `uuid` or `uuid:tag`, lower-case.
    pub source: String,
    pub gno: u64,
    /// `original_commit_timestamp` in microseconds, when the server wrote one.
    pub original_commit_us: Option<u64>,
}

impl MySqlGtid {
    /// `uuid:gno` (or `uuid:tag:gno`), as Debezium writes `source.gtid`.
    pub fn text(&self) -> String {
        format!("{}:{}", self.source, self.gno)
    }
}

/// The events the connector acts on.
#[derive(Debug)]
pub enum BinlogEvent<'a> {
    Rotate {
        file: String,
        pos: u64,
    },
    FormatDescription,
    Query {
        thread: u32,
        db: String,
        sql: Cow<'a, str>,
    },
    Xid,
    TableMap(TableMap),
    Rows(RowsEvent<'a>),
    MySqlGtid(MySqlGtid),
    MariaDbGtid {
        gtid: MariaDbGtid,
        standalone: bool,
    },
    MariaDbGtidList(Vec<MariaDbGtid>),
    Heartbeat,
    /// Anything else (checkpoints, annotations, previous-GTIDs, incidents...).
    Other(u8),
}

/// Reads a QUERY body: thread id, default database and statement text.
///
/// # Errors
/// When the body is truncated.
pub fn parse_query(body: &[u8]) -> Result<(u32, String, Cow<'_, str>), DecodeError> {
    let mut r = Reader::new(body);
    let thread = r.uint_le(4)? as u32;
    r.take(4)?;
    let db_len = usize::from(r.take(1)?[0]);
    r.take(2)?;
    let status_len = usize::try_from(r.uint_le(2)?).unwrap_or(0);
    r.take(status_len)?;
    let db = String::from_utf8_lossy(r.take(db_len)?).into_owned();
    r.take(1)?;
    Ok((thread, db, String::from_utf8_lossy(r.remaining())))
}

/// Reads a ROTATE body; `strip_checksum` drops the 4 CRC bytes an artificial ROTATE read
/// before the FORMAT_DESCRIPTION still carries.
///
/// # Errors
/// When the body is truncated.
pub fn parse_rotate(body: &[u8], strip_checksum: bool) -> Result<(String, u64), DecodeError> {
    let mut r = Reader::new(body);
    let pos = r.uint_le(8)?;
    let mut name = r.remaining();
    if strip_checksum && name.len() > 4 {
        name = &name[..name.len() - 4];
    }
    Ok((String::from_utf8_lossy(name).into_owned(), pos))
}

/// Reads a MariaDB GTID body; the server id comes from the event header.
///
/// # Errors
/// When the body is truncated.
pub fn parse_mariadb_gtid(body: &[u8], server_id: u32) -> Result<(MariaDbGtid, bool), DecodeError> {
    let mut r = Reader::new(body);
    let sequence = r.uint_le(8)?;
    let domain = r.uint_le(4)? as u32;
    let flags = r.take(1)?[0];
    Ok((
        MariaDbGtid {
            domain,
            server: server_id,
            sequence,
        },
        flags & 0x01 != 0,
    ))
}

/// Reads a MariaDB GTID_LIST body.
///
/// # Errors
/// When the body is truncated.
pub fn parse_mariadb_gtid_list(body: &[u8]) -> Result<Vec<MariaDbGtid>, DecodeError> {
    let mut r = Reader::new(body);
    let count = (r.uint_le(4)? & 0x0FFF_FFFF) as usize;
    let mut list = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let domain = r.uint_le(4)? as u32;
        let server = r.uint_le(4)? as u32;
        let sequence = r.uint_le(8)?;
        list.push(MariaDbGtid {
            domain,
            server,
            sequence,
        });
    }
    Ok(list)
}

fn uuid_text(sid: &[u8; 16]) -> String {
    let hex: String = sid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Classifies and decodes an event; `before_fde` says no FORMAT_DESCRIPTION was seen yet on
/// this connection and `checksums` whether the server appends CRC32 to events.
///
/// # Errors
/// When the body of an event the connector needs is malformed.
pub fn classify(
    event: &Event,
    before_fde: bool,
    checksums: bool,
) -> Result<BinlogEvent<'_>, DecodeError> {
    let header = event.header();
    let ty = header.event_type_raw();
    let body = event.data();
    Ok(match ty {
        ROTATE_EVENT => {
            let (file, pos) = parse_rotate(body, before_fde && checksums)?;
            BinlogEvent::Rotate { file, pos }
        }
        FORMAT_DESCRIPTION_EVENT => BinlogEvent::FormatDescription,
        QUERY_EVENT => {
            let (thread, db, sql) = parse_query(body)?;
            BinlogEvent::Query { thread, db, sql }
        }
        XID_EVENT => BinlogEvent::Xid,
        TABLE_MAP_EVENT => BinlogEvent::TableMap(TableMap::parse(body)?),
        HEARTBEAT_EVENT => BinlogEvent::Heartbeat,
        GTID_EVENT | GTID_TAGGED_EVENT => match event.read_data() {
            Ok(Some(EventData::GtidEvent(g))) => {
                let mut source = uuid_text(&g.sid());
                if let Some(tag) = g.tag() {
                    source = format!("{source}:{}", tag.to_string().to_ascii_lowercase());
                }
                let original = g.original_commit_timestamp();
                BinlogEvent::MySqlGtid(MySqlGtid {
                    source,
                    gno: g.gno(),
                    original_commit_us: (original != 0).then_some(original),
                })
            }
            Ok(_) => BinlogEvent::Other(ty),
            Err(e) => return Err(DecodeError(format!("GTID event: {e}"))),
        },
        MARIADB_GTID_EVENT => {
            let (gtid, standalone) = parse_mariadb_gtid(body, header.server_id())?;
            BinlogEvent::MariaDbGtid { gtid, standalone }
        }
        MARIADB_GTID_LIST_EVENT => BinlogEvent::MariaDbGtidList(parse_mariadb_gtid_list(body)?),
        other => match RowsEvent::kind_of(other) {
            Some((kind, v2)) => BinlogEvent::Rows(RowsEvent::parse(body, kind, v2)?),
            None => BinlogEvent::Other(other),
        },
    })
}

/// Whether a rows kind writes an after image.
pub fn has_after_image(kind: RowsKind) -> bool {
    kind != RowsKind::Delete
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_gtid_and_list_bodies_decode() {
        let mut body = 8u64.to_le_bytes().to_vec();
        body.extend_from_slice(&0u32.to_le_bytes());
        body.push(0x0c);
        let (gtid, standalone) = parse_mariadb_gtid(&body, 11).unwrap();
        assert_eq!(gtid.to_string(), "0-11-8");
        assert!(!standalone);
        body[12] = 0x29;
        assert!(
            parse_mariadb_gtid(&body, 11).unwrap().1,
            "DDL GTIDs are standalone"
        );

        let mut list = 2u32.to_le_bytes().to_vec();
        for (d, s, n) in [(0u32, 11u32, 5u64), (1, 12, 9)] {
            list.extend_from_slice(&d.to_le_bytes());
            list.extend_from_slice(&s.to_le_bytes());
            list.extend_from_slice(&n.to_le_bytes());
        }
        let parsed = parse_mariadb_gtid_list(&list).unwrap();
        assert_eq!(
            parsed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["0-11-5", "1-12-9"]
        );
        assert!(parse_mariadb_gtid_list(&list[..10]).is_err());
    }

    #[test]
    fn rotate_names_lose_the_checksum_only_when_asked() {
        let mut body = 4u64.to_le_bytes().to_vec();
        body.extend_from_slice(b"binlog.000001");
        body.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            parse_rotate(&body, true).unwrap(),
            ("binlog.000001".to_string(), 4)
        );
        assert_eq!(
            parse_rotate(&body[..body.len() - 4], false).unwrap().0,
            "binlog.000001"
        );
    }

    #[test]
    fn query_bodies_decode() {
        let mut body = 42u32.to_le_bytes().to_vec();
        body.extend_from_slice(&0u32.to_le_bytes());
        body.push(3);
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&2u16.to_le_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(b"shp\0BEGIN");
        let (thread, db, sql) = parse_query(&body).unwrap();
        assert_eq!((thread, db.as_str(), sql.as_ref()), (42, "shp", "BEGIN"));
    }

    #[test]
    fn uuids_render_lower_case_with_dashes() {
        let sid = [
            0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42,
            0x95, 0x62,
        ];
        assert_eq!(uuid_text(&sid), "3e11fa47-71ca-11e1-9e33-c80aa9429562");
    }
}
