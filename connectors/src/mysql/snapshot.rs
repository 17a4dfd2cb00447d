//! The initial snapshot: every captured row as an `op: r` record, taken at a consistent cut
//! whose binlog position streaming starts from, so snapshot and stream neither lose nor repeat
//! a change.
//!
//! The cut follows Debezium's `minimal` locking: `FLUSH TABLES WITH READ LOCK` (or, where the
//! global lock is refused as on RDS, a read lock on the captured tables), a `REPEATABLE READ`
//! transaction `WITH CONSISTENT SNAPSHOT`, the binlog position and GTIDs and the table model read
//! under the lock, then the lock released (`extended` keeps it to the end, `none` takes none) and
//! every table read inside the transaction. Rows are streamed from the server one at a time —
//! nothing holds a table in memory — with one record of look-ahead, which is what it takes to
//! mark the first and last records of each table and of the whole snapshot the way Debezium
//! does, and to write the last record's offset without the `snapshot` key (that is how Debezium
//! records a completed snapshot).

use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};
use strait_api::{ConnectError, SourceOffset, SourceRecord};

use super::binlog::ReadError;
use super::config::{LockingMode, MySqlSourceConfig};
use super::connection::{self, BinlogPosition, ServerInfo};
use super::envelope::{Op, RecordContext, RowValues, SnapshotMarker, TableSchemas};
use super::offset::{BinlogOffset, SourcePosition};
use super::schema::{load_tables, TableId};
use super::schema_tracker::{SchemaTracker, StatementSource};
use super::sink::Sink;
use super::types::{Cell, Origin};

/// How often progress is logged while a table is read.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn retriable(what: &str) -> impl Fn(mysql_async::Error) -> ConnectError + '_ {
    move |e| ConnectError::retriable_from(format!("snapshot: {what} failed"), e)
}

/// Holds back the latest record so the snapshot's last one can be rewritten.
struct LastRecordBuffer {
    held: Option<SourceRecord>,
    emitted: u64,
}

impl LastRecordBuffer {
    async fn push(&mut self, record: SourceRecord, sink: &mut Sink) -> Result<(), ReadError> {
        if let Some(previous) = self.held.replace(record) {
            sink.push(previous).await?;
        }
        self.emitted += 1;
        Ok(())
    }

    /// Marks the last record `last` and removes `snapshot` from its offset.
    async fn finish(&mut self, sink: &mut Sink) -> Result<(), ReadError> {
        if let Some(mut last) = self.held.take() {
            RecordContext::mark_snapshot(&mut last, SnapshotMarker::Last);
            let mut offset = std::mem::take(&mut last.source_offset).into_map();
            offset.remove(super::offset::SNAPSHOT_KEY);
            last.source_offset = offset.into();
            sink.push(last).await?;
        }
        sink.flush().await?;
        Ok(())
    }
}

/// Takes a snapshot (rows only when `with_data`) and returns the offset streaming starts from.
///
/// # Errors
/// Why the snapshot failed; a lost connection is retriable and the snapshot starts over.
pub async fn run(
    config: &Arc<MySqlSourceConfig>,
    context: &Arc<RecordContext>,
    server: &ServerInfo,
    schema: &mut SchemaTracker,
    sink: &mut Sink,
    with_data: bool,
) -> Result<BinlogOffset, ReadError> {
    // The cut takes the global read lock and, under `minimal` locking, releases it: `poll` must
    // not leave the reader suspended in between. (Under `extended` or table locks the lock lasts
    // the whole snapshot, whose records flow meanwhile; a paused task then stops the reader with
    // the lock held, as a full queue always did.)
    let (mut cut, schema_records) = {
        let _hold = sink.hold();
        take_cut(config, server, schema).await?
    };
    let position = cut.position.clone();
    let defs = schema.catalog.captured_tables();
    tracing::info!(
        server = %config.topic_prefix,
        file = %position.file,
        pos = position.pos,
        gtids = position.gtids.as_deref().unwrap_or(""),
        tables = defs.len(),
        data = with_data,
        "snapshot position read"
    );

    for record in schema_records {
        sink.push(record).await?;
    }
    let mut buffer = LastRecordBuffer {
        held: None,
        emitted: 0,
    };
    if with_data {
        let tables: Vec<&TableId> = defs
            .iter()
            .filter(|id| config.filters.snapshot_data_included(&id.db, &id.table))
            .collect();
        let count = tables.len();
        for (order, id) in tables.into_iter().enumerate() {
            let schemas = match schema.catalog.get(id) {
                Ok(Some(schemas)) => schemas,
                Ok(None) => continue,
                Err(e) => {
                    return Err(ReadError::Connect(ConnectError::data(format!(
                        "table {id} cannot be snapshotted: {e}"
                    ))))
                }
            };
            read_table(
                context,
                &mut cut.conn,
                &schemas,
                &position,
                (order + 1, count),
                &mut buffer,
                sink,
            )
            .await?;
        }
    }
    cut.finish(config).await?;
    buffer.finish(sink).await?;
    tracing::info!(server = %config.topic_prefix, records = buffer.emitted, "snapshot completed");
    let _ = cut.conn.disconnect().await;
    Ok(position.into_offset())
}

/// A schema-only snapshot (`no_data`): the cut and the table definitions, no rows. Returns the
/// offset streaming starts from and the schema change records to emit first.
///
/// # Errors
/// Why the snapshot failed.
pub async fn schema_only(
    config: &Arc<MySqlSourceConfig>,
    server: &ServerInfo,
    schema: &mut SchemaTracker,
) -> Result<(BinlogOffset, Vec<SourceRecord>), ReadError> {
    let (mut cut, records) = take_cut(config, server, schema).await?;
    cut.finish(config).await?;
    tracing::info!(server = %config.topic_prefix, file = %cut.position.file, pos = cut.position.pos, "schema snapshot completed");
    let _ = cut.conn.disconnect().await;
    Ok((cut.position.into_offset(), records))
}

/// An open snapshot: the connection inside its consistent-snapshot transaction (holding the
/// table locks when `table_lock` or `extended`), and the binlog position of the cut.
struct Cut {
    conn: Conn,
    position: BinlogPosition,
    table_lock: bool,
}

impl Cut {
    /// Ends the transaction and releases what locks are left.
    async fn finish(&mut self, config: &MySqlSourceConfig) -> Result<(), ReadError> {
        self.conn
            .query_drop("COMMIT")
            .await
            .map_err(retriable("committing the snapshot transaction"))?;
        if config.locking_mode == LockingMode::Extended || self.table_lock {
            self.conn
                .query_drop("UNLOCK TABLES")
                .await
                .map_err(retriable("releasing the table locks"))?;
        }
        Ok(())
    }
}

impl BinlogPosition {
    fn into_offset(self) -> BinlogOffset {
        BinlogOffset {
            file: self.file.into(),
            pos: self.pos,
            gtids: self.gtids.map(Arc::from),
            ..BinlogOffset::default()
        }
    }
}

/// Connects, takes the locks of the locking mode, starts the consistent-snapshot transaction,
/// reads the binlog position and the schema (recording it), and releases the global lock under
/// `minimal` locking.
async fn take_cut(
    config: &Arc<MySqlSourceConfig>,
    server: &ServerInfo,
    schema: &mut SchemaTracker,
) -> Result<(Cut, Vec<SourceRecord>), ReadError> {
    schema.initialize().await?;
    let mut conn = connection::connect(&config.connection, true).await?;
    let lock_secs = config.lock_timeout.as_secs().max(1);
    for statement in [
        format!("SET SESSION lock_wait_timeout = {lock_secs}"),
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ".to_string(),
        "SET SESSION time_zone = '+00:00'".to_string(),
    ] {
        conn.query_drop(&statement)
            .await
            .map_err(retriable("preparing the snapshot session"))?;
    }
    // Not every server has InnoDB's own timeout variable; it is only a refinement.
    let _ = conn
        .query_drop(format!(
            "SET SESSION innodb_lock_wait_timeout = {lock_secs}"
        ))
        .await;

    let table_lock = lock(config, server, &mut conn).await?;
    conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        .await
        .map_err(retriable("starting the consistent snapshot transaction"))?;
    let position = connection::binlog_position(&mut conn, server).await?;
    let schema_records = capture_schema(&mut conn, &position, schema).await?;
    if config.locking_mode == LockingMode::Minimal && !table_lock {
        conn.query_drop("UNLOCK TABLES")
            .await
            .map_err(retriable("releasing the global read lock"))?;
    }
    Ok((
        Cut {
            conn,
            position,
            table_lock,
        },
        schema_records,
    ))
}

/// Reads the schema into a new model and history at the snapshot position (under the lock,
/// so no DDL runs meanwhile); returns the schema change records.
async fn capture_schema(
    conn: &mut Conn,
    position: &BinlogPosition,
    schema: &mut SchemaTracker,
) -> Result<Vec<SourceRecord>, ReadError> {
    let ts = connection::server_time(conn)
        .await
        .map_err(retriable("reading the server time"))?;
    let offset = BinlogOffset {
        file: position.file.as_str().into(),
        pos: position.pos,
        gtids: position.gtids.as_deref().map(Arc::from),
        ts_sec: Some(ts),
        snapshot: true,
        ..BinlogOffset::default()
    }
    .to_map();
    let source = SourcePosition {
        file: position.file.as_str().into(),
        pos: position.pos,
        ts: Some((ts, 0)),
        ..SourcePosition::default()
    };
    let records = schema
        .capture(
            conn,
            StatementSource {
                position: &offset,
                source: &source,
                snapshot: Some(SnapshotMarker::True),
            },
        )
        .await?;
    Ok(records)
}

/// Takes the read lock of the locking mode; `true` when it is a per-table lock (held until the
/// snapshot transaction ends, because `UNLOCK TABLES` would commit it).
async fn lock(
    config: &MySqlSourceConfig,
    server: &ServerInfo,
    conn: &mut Conn,
) -> Result<bool, ReadError> {
    if config.locking_mode == LockingMode::None {
        return Ok(false);
    }
    match conn.query_drop("FLUSH TABLES WITH READ LOCK").await {
        Ok(()) => Ok(false),
        Err(global) => {
            let defs = load_tables(conn, &config.filters, server.mariadb, None)
                .await
                .map_err(retriable("listing the tables to lock"))?;
            if defs.is_empty() {
                return Ok(false);
            }
            let names: Vec<String> = defs
                .iter()
                .map(|d| format!("{}.{}", quote_ident(&d.id.db), quote_ident(&d.id.table)))
                .collect();
            tracing::warn!(error = %global, "the global read lock was refused; locking the captured tables instead");
            conn.query_drop(format!("FLUSH TABLES {} WITH READ LOCK", names.join(", ")))
                .await
                .map_err(|e| {
                    ReadError::Connect(ConnectError::fatal(format!(
                        "snapshot: neither the global read lock ({global}) nor table read locks \
                         ({e}) could be taken; grant RELOAD (or LOCK TABLES), or set \
                         snapshot.locking.mode=none if no DDL runs during the snapshot"
                    )))
                })?;
            Ok(true)
        }
    }
}

async fn read_table(
    context: &RecordContext,
    conn: &mut Conn,
    schemas: &TableSchemas,
    position: &BinlogPosition,
    (order, count): (usize, usize),
    buffer: &mut LastRecordBuffer,
    sink: &mut Sink,
) -> Result<(), ReadError> {
    let id = &schemas.id;
    let estimate: Option<Row> = conn
        .exec_first(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (&id.db, &id.table),
        )
        .await
        .map_err(retriable("estimating the row count"))?;
    let estimate: Option<u64> = estimate.and_then(|r| r.get_opt::<u64, _>(0).and_then(Result::ok));
    let ts = connection::server_time(conn)
        .await
        .map_err(retriable("reading the server time"))?;
    let source_position = SourcePosition {
        file: position.file.as_str().into(),
        pos: position.pos,
        ts: Some((ts, 0)),
        ..SourcePosition::default()
    };
    // One offset shared by every row of the table.
    let offset = SourceOffset::typed(BinlogOffset {
        file: position.file.as_str().into(),
        pos: position.pos,
        gtids: position.gtids.as_deref().map(Arc::from),
        ts_sec: Some(ts),
        snapshot: true,
        ..BinlogOffset::default()
    });
    tracing::info!(table = %id, order, count, estimated_rows = ?estimate, "snapshotting table");
    let started = Instant::now();
    let mut last_log = Instant::now();
    let sql = format!(
        "SELECT * FROM {}.{}",
        quote_ident(&id.db),
        quote_ident(&id.table)
    );
    let mut result = conn
        .query_iter(sql)
        .await
        .map_err(retriable("reading a table"))?;
    let mut current = result.next().await.map_err(retriable("reading a table"))?;
    let mut rows: u64 = 0;
    let mut values = RowValues::default();
    while let Some(row) = current {
        let next = result.next().await.map_err(retriable("reading a table"))?;
        rows += 1;
        let marker = SnapshotMarker::resolve(
            order == 1 && rows == 1,
            order == count && next.is_none(),
            rows == 1,
            next.is_none(),
        );
        schemas.start_row(&mut values);
        for (i, conv) in schemas.columns.iter().enumerate() {
            let cell = match row.as_ref(i) {
                Some(mysql_async::Value::Bytes(b)) => {
                    Cell::from_text(&conv.kind, b).ok_or_else(|| {
                        ConnectError::data(format!(
                            "snapshot: table {id} row {rows}: column '{}' has an unreadable value",
                            conv.name
                        ))
                    })?
                }
                _ => Cell::Null,
            };
            schemas.push_cell(&mut values, cell, Origin::Snapshot);
        }
        if let Some((column, reason)) = schemas.take_error(&mut values) {
            return Err(ConnectError::data(format!(
                "snapshot: table {id} row {rows}: column '{column}': {reason}"
            ))
            .into());
        }
        let key = schemas.key(&mut values);
        let source = context.source(
            &source_position,
            schemas.db_text.clone(),
            Some(schemas.table_text.clone()),
            Some(marker),
        );
        let envelope = schemas.envelope(
            Op::Read,
            None,
            Some(schemas.row_taking(&mut values)),
            source,
        );
        let record = schemas.record(context, key, envelope, offset.clone(), None);
        buffer.push(record, sink).await?;
        if last_log.elapsed() >= PROGRESS_EVERY {
            last_log = Instant::now();
            tracing::info!(table = %id, rows, estimated_rows = ?estimate, "snapshot progress");
        }
        current = next;
    }
    tracing::info!(table = %id, rows, order, count, elapsed = ?started.elapsed(), "table snapshot finished");
    Ok(())
}
