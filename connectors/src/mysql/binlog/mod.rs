//! Streaming the binlog: turning replication events into Debezium change records.
//!
//! The loop mirrors Debezium's `BinlogStreamingChangeEventSource.handleEvent` step for step,
//! because the stored offsets depend on it: every event first moves the [`OffsetTracker`]
//! (ROTATE sets a new start point, other events their position), then its handler runs (BEGIN or
//! a MariaDB GTID opens a transaction, XID/COMMIT closes it, TABLE_MAP binds a table id, rows
//! events emit records), then the event counts as completed. A restart inside a transaction
//! re-reads it from its first event and skips the `event` events and `row` rows the stored
//! offset says were already delivered.
//!
//! The pieces: [`events`] classifies and decodes events (including MariaDB's own), [`rows`]
//! decodes row images, [`json`] renders MySQL binary JSON, [`ddl`] classifies QUERY statements
//! (transaction boundaries, DDL, DML); DDL goes to the [`SchemaTracker`]. Connections are
//! opened through [`crate::mysql::connection`]; a lost connection is a [`ReadError::Connect`]
//! with a retriable error, and the task reconnects from the last record it handed to the queue.

pub mod ddl;
pub mod events;
pub mod json;
pub mod rows;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mysql_async::prelude::Queryable;
use mysql_async::{BinlogStream, BinlogStreamRequest, GnoInterval, Sid};
use strait_api::{ConnectError, Schema, SchemaBuilder, SourceRecord, Struct, Value};

use self::ddl::Statement;
use self::events::{BinlogEvent, ARTIFICIAL_FLAG};
use self::rows::{read_image, Reader, RowsEvent, RowsKind, TableMap};
use super::config::{FailureMode, MySqlSourceConfig};
use super::connection::{self, ServerInfo, FATAL_READING_BINLOG};
use super::envelope::{Op, RecordContext, RowValues, TableSchemas, NEW_KEY_HEADER, OLD_KEY_HEADER};
use super::gtid::{MariaDbGtidSet, MySqlGtidSet};
use super::offset::{BinlogOffset, OffsetTracker, TransactionCounts};
use super::schema::TableId;
use super::schema_tracker::{SchemaTracker, StatementSource};
use super::sink::{Sink, Stopped};
use super::transaction::TransactionRecords;
use super::types::{Cell, Origin};

/// How often the server is asked to send a heartbeat while the binlog is idle.
const SERVER_HEARTBEAT: Duration = Duration::from_secs(5);
/// No event at all (not even a heartbeat) for this long means the connection is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(30);
/// Records wait at most this long for more to join their batch, however busy the binlog is
/// with events that give no records (other tables, skipped operations).
const LINGER: Duration = Duration::from_millis(5);

/// Why reading stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The task was stopped.
    #[error("the task was stopped")]
    Stopped,
    /// The server no longer has the position to resume from.
    #[error("{0}")]
    PositionLost(String),
    /// Anything else, classified for the worker.
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

impl From<Stopped> for ReadError {
    fn from(_: Stopped) -> Self {
        Self::Stopped
    }
}

/// The heartbeat record schemas (`io.debezium.connector.common.ServerNameKey`/`Heartbeat`).
#[derive(Clone, Debug)]
pub struct HeartbeatSchemas {
    key: Schema,
    value: Schema,
}

impl HeartbeatSchemas {
    fn new() -> Self {
        Self {
            key: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.ServerNameKey")
                .version(1)
                .field("serverName", Schema::string())
                .build(),
            value: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.Heartbeat")
                .version(1)
                .field("ts_ms", Schema::int64())
                .build(),
        }
    }
}

enum GtidState {
    None,
    MariaDb(MariaDbGtidSet),
    MySql(MySqlGtidSet),
}

struct BoundTable {
    id: TableId,
    map: TableMap,
    schemas: Option<Arc<TableSchemas>>,
}

/// Reads the binlog from a stored offset and pushes change records into a [`Sink`].
pub struct Streamer<'a> {
    config: Arc<MySqlSourceConfig>,
    context: Arc<RecordContext>,
    server: ServerInfo,
    schema: &'a mut SchemaTracker,
    start: BinlogOffset,
    tracker: OffsetTracker,
    gtids: GtidState,
    tables: HashMap<u64, BoundTable>,
    events_to_skip: u64,
    start_row: u64,
    skipping: bool,
    /// MySQL: the transaction's `original_commit_timestamp` in microseconds.
    transaction_time_us: Option<u64>,
    seen_format_description: bool,
    heartbeat: Option<(Duration, Instant, HeartbeatSchemas)>,
    /// Transaction topic schemas, when transaction metadata is on.
    transactions: Option<TransactionRecords>,
    values_before: RowValues,
    values_after: RowValues,
}

impl<'a> Streamer<'a> {
    /// A streamer resuming from `start`.
    pub fn new(
        config: Arc<MySqlSourceConfig>,
        context: Arc<RecordContext>,
        server: ServerInfo,
        schema: &'a mut SchemaTracker,
        start: BinlogOffset,
    ) -> Self {
        let mut tracker = OffsetTracker::resume(&BinlogOffset {
            snapshot: false,
            ..start.clone()
        });
        tracker.set_completed_gtids(start.gtids.as_deref());
        if !config.transaction_metadata {
            tracker.transaction = None;
        }
        let transactions = config
            .transaction_metadata
            .then(|| TransactionRecords::new(&config));
        let gtids = match (&start.gtids, server.mariadb, server.gtid_mode) {
            (g, true, _) => GtidState::MariaDb(
                g.as_deref()
                    .and_then(|g| MariaDbGtidSet::parse(g).ok())
                    .unwrap_or_default(),
            ),
            (g, false, true) => GtidState::MySql(
                g.as_deref()
                    .and_then(|g| MySqlGtidSet::parse(g).ok())
                    .unwrap_or_default(),
            ),
            _ => GtidState::None,
        };
        let heartbeat = config
            .heartbeat
            .as_ref()
            .map(|h| (h.interval, Instant::now(), HeartbeatSchemas::new()));
        Self {
            events_to_skip: start.event,
            start_row: start.row,
            config,
            context,
            server,
            schema,
            tracker,
            gtids,
            tables: HashMap::new(),
            skipping: false,
            transaction_time_us: None,
            seen_format_description: false,
            heartbeat,
            transactions,
            values_before: RowValues::default(),
            values_after: RowValues::default(),
            start,
        }
    }

    fn describe_start(&self) -> String {
        match &self.start.gtids {
            Some(g) => format!(
                "GTIDs {g} (file {} position {})",
                self.start.file, self.start.pos
            ),
            None => format!("file {} position {}", self.start.file, self.start.pos),
        }
    }

    /// Opens the replication connection at the start position.
    async fn open(&mut self) -> Result<BinlogStream, ReadError> {
        let conn_config = &self.config.connection;
        let mut conn = connection::connect(conn_config, false).await?;
        let setup =
            |e| connection::classify_error(conn_config, "preparing the binlog connection", e);
        conn.query_drop(format!(
            "SET @master_heartbeat_period = {}",
            SERVER_HEARTBEAT.as_nanos()
        ))
        .await
        .map_err(setup)?;
        let use_gtids = self.start.gtids.clone().filter(|_| self.server.gtid_mode);
        if self.server.mariadb {
            conn.query_drop("SET @mariadb_slave_capability = 4")
                .await
                .map_err(setup)?;
            if let Some(gtids) = &use_gtids {
                conn.query_drop(format!("SET @slave_connect_state = '{gtids}'"))
                    .await
                    .map_err(setup)?;
                conn.query_drop("SET @slave_gtid_strict_mode = 0")
                    .await
                    .map_err(setup)?;
                conn.query_drop("SET @slave_gtid_ignore_duplicates = 0")
                    .await
                    .map_err(setup)?;
            }
        }
        let server_id = self.config.server_id;
        let file = self.start.file.as_bytes().to_vec();
        let request = match (&use_gtids, self.server.mariadb) {
            (Some(_), true) => BinlogStreamRequest::new(server_id)
                .with_filename(b"")
                .with_pos(4u64),
            (Some(gtids), false) => {
                let set = MySqlGtidSet::parse(gtids).map_err(|e| {
                    ConnectError::fatal(format!(
                        "the stored offset has an unreadable GTID set: {e}"
                    ))
                })?;
                let sids: Vec<Sid<'static>> = set
                    .sid_blocks()
                    .into_iter()
                    .map(|(uuid, intervals)| {
                        let mut sid = Sid::new(uuid);
                        for (start, end) in intervals {
                            sid = sid.with_interval(GnoInterval::new(start, end));
                        }
                        sid
                    })
                    .collect();
                BinlogStreamRequest::new(server_id)
                    .with_gtid()
                    .with_gtid_set(sids)
                    .with_pos(4u64)
            }
            (None, _) => BinlogStreamRequest::new(server_id)
                .with_filename(&file)
                .with_pos(self.start.pos),
        };
        let stream = conn
            .get_binlog_stream(request)
            .await
            .map_err(|e| self.stream_error(e))?;
        tracing::info!(
            server = %self.config.topic_prefix,
            start = %self.describe_start(),
            skip_events = self.events_to_skip,
            skip_rows = self.start_row,
            "binlog streaming started"
        );
        Ok(stream)
    }

    fn stream_error(&self, e: mysql_async::Error) -> ReadError {
        if let mysql_async::Error::Server(s) = &e {
            if s.code == FATAL_READING_BINLOG {
                let lost = [
                    "purged",
                    "not in the master",
                    "could not find",
                    "binlog truncated",
                    "first log file",
                ]
                .iter()
                .any(|m| s.message.to_ascii_lowercase().contains(m));
                if lost {
                    return ReadError::PositionLost(format!(
                        "the binlog position to resume from ({}) is no longer available on the \
                         server ({}). Set snapshot.mode=when_needed to take a new snapshot \
                         automatically, or reset this connector's offsets (DELETE \
                         /connectors/<name>/offsets while it is stopped) and restart it",
                        self.describe_start(),
                        s.message
                    ));
                }
                return ReadError::Connect(ConnectError::fatal(format!(
                    "the server stopped the binlog stream: {} (is another replica using \
                     database.server.id={}?)",
                    s.message, self.config.server_id
                )));
            }
            return ReadError::Connect(ConnectError::fatal_from("the binlog stream failed", e));
        }
        ReadError::Connect(ConnectError::retriable_from(
            "the binlog connection was lost",
            e,
        ))
    }

    /// Streams until stopped or failed; records go to `sink`.
    ///
    /// # Errors
    /// Why streaming stopped.
    pub async fn run(&mut self, sink: &mut Sink) -> Result<(), ReadError> {
        let mut stream = self.open().await?;
        loop {
            let next = if let Some(since) = sink.pending_since() {
                let deadline = since + LINGER;
                // Checked before reading: a stream that always has an event ready would
                // otherwise never let the timeout fire.
                if tokio::time::Instant::now() >= deadline {
                    sink.flush().await?;
                    continue;
                }
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Ok(n) => n,
                    Err(_) => {
                        sink.flush().await?;
                        continue;
                    }
                }
            } else {
                match tokio::time::timeout(SILENCE_LIMIT, stream.next()).await {
                    Ok(n) => n,
                    Err(_) => {
                        return Err(ReadError::Connect(ConnectError::retriable(format!(
                            "no binlog event or heartbeat for {SILENCE_LIMIT:?}; reconnecting"
                        ))))
                    }
                }
            };
            match next {
                Some(Ok(event)) => self.handle(&event, sink).await?,
                Some(Err(e)) => return Err(self.stream_error(e)),
                None => {
                    return Err(ReadError::Connect(ConnectError::retriable(
                        "the server closed the binlog stream",
                    )))
                }
            }
        }
    }

    fn position_text(&self) -> String {
        format!(
            "binlog file {} position {}",
            self.tracker.source.file, self.tracker.source.pos
        )
    }

    async fn handle(
        &mut self,
        event: &mysql_async::binlog::events::Event,
        sink: &mut Sink,
    ) -> Result<(), ReadError> {
        let header = event.header();
        let decoded =
            match events::classify(event, !self.seen_format_description, self.server.checksums) {
                Ok(d) => d,
                Err(e) => {
                    let msg = format!(
                        "cannot decode binlog event of type {} at {}: {e}",
                        header.event_type_raw(),
                        self.position_text()
                    );
                    return self.fail_or_skip(self.config.deserialization_failure, msg);
                }
            };
        if let BinlogEvent::Heartbeat = decoded {
            return self.maybe_heartbeat(sink).await;
        }
        let server_id = u64::from(header.server_id());
        self.tracker.source.server_id = server_id;
        let log_pos = u64::from(header.log_pos());
        let size = u64::from(header.event_size());
        match &decoded {
            BinlogEvent::Rotate { file, pos } => {
                self.tracker.rotate(file, *pos);
                if header.flags_raw() & ARTIFICIAL_FLAG == 0 {
                    self.tables.clear();
                }
            }
            _ if log_pos > 0 && log_pos >= size => {
                self.tracker.event_position(log_pos - size, size, server_id);
            }
            _ => {}
        }
        let (secs, nanos) = match self.transaction_time_us {
            Some(us) => ((us / 1_000_000) as i64, ((us % 1_000_000) * 1000) as u32),
            None => (i64::from(header.timestamp()), 0),
        };
        if header.timestamp() != 0 || self.transaction_time_us.is_some() {
            self.tracker.set_source_time(secs, nanos);
        }

        match decoded {
            BinlogEvent::FormatDescription => self.seen_format_description = true,
            BinlogEvent::Rotate { .. } | BinlogEvent::Heartbeat | BinlogEvent::Other(_) => {}
            BinlogEvent::MariaDbGtidList(_) => {}
            BinlogEvent::Xid => self.commit(sink).await?,
            BinlogEvent::Query { thread, db, sql } => {
                self.handle_query(thread, &db, &sql, sink).await?;
            }
            BinlogEvent::TableMap(map) => self.bind_table(map)?,
            BinlogEvent::Rows(rows) => self.handle_rows(rows, sink).await?,
            BinlogEvent::MariaDbGtid { gtid, .. } => {
                let text = gtid.to_string();
                let set = match &mut self.gtids {
                    GtidState::MariaDb(set) => {
                        set.add(gtid);
                        set.to_string()
                    }
                    _ => text.clone(),
                };
                self.tracker.start_gtid(text, set);
                self.begin(None, sink).await?;
            }
            BinlogEvent::MySqlGtid(g) => {
                self.transaction_time_us = g.original_commit_us;
                if let Some(us) = g.original_commit_us {
                    self.tracker
                        .set_source_time((us / 1_000_000) as i64, ((us % 1_000_000) * 1000) as u32);
                }
                let set = match &mut self.gtids {
                    GtidState::MySql(set) => {
                        set.add(&g.source, g.gno);
                        set.to_string()
                    }
                    _ => g.text(),
                };
                self.tracker.start_gtid(g.text(), set);
            }
        }
        self.maybe_heartbeat(sink).await?;
        self.tracker.complete_event();
        if self.skipping {
            self.events_to_skip = self.events_to_skip.saturating_sub(1);
            self.skipping = self.events_to_skip > 0;
        }
        Ok(())
    }

    async fn begin(&mut self, thread: Option<i64>, sink: &mut Sink) -> Result<(), ReadError> {
        self.tracker.begin_transaction(thread);
        if let (Some(records), Some(id)) = (&self.transactions, self.tracker.transaction_id()) {
            let id = id.to_string();
            let continued = self
                .tracker
                .transaction
                .as_ref()
                .is_some_and(|t| t.id == id);
            if !continued {
                self.tracker.transaction = Some(TransactionCounts::new(id.clone()));
                let record = records.begin(
                    &self.context,
                    &id,
                    self.event_millis(),
                    self.tracker.offset_map(),
                );
                sink.push(record).await?;
            }
        }
        if self.events_to_skip != 0 {
            tracing::debug!(
                events = self.events_to_skip,
                rows = self.start_row,
                "restarting a partially processed transaction"
            );
            self.skipping = true;
        }
        Ok(())
    }

    async fn commit(&mut self, sink: &mut Sink) -> Result<(), ReadError> {
        if let Some(records) = &self.transactions {
            if let Some(counts) = &self.tracker.transaction {
                let record = records.end(
                    &self.context,
                    counts,
                    self.event_millis(),
                    self.tracker.offset_map(),
                );
                sink.push(record).await?;
            }
        }
        self.tracker.transaction = None;
        self.tracker.commit_transaction();
        self.skipping = false;
        self.transaction_time_us = None;
        Ok(())
    }

    /// The current event's source time in milliseconds.
    fn event_millis(&self) -> i64 {
        let (secs, nanos) = self.tracker.source.ts.unwrap_or((0, 0));
        secs * 1000 + i64::from(nanos / 1_000_000)
    }

    /// Counts a change record in the open transaction (adding its `transaction` block) and
    /// returns the offset it carries.
    fn stamp(&mut self, table: &TableId, envelope: &mut Struct) -> strait_api::SourceOffset {
        if self.transactions.is_some() {
            let id = self.tracker.transaction_id().map(str::to_string);
            if let (Some(counts), Some(id)) = (self.tracker.transaction.as_mut(), id) {
                let (total, order) = counts.event(&format!("{}.{}", table.db, table.table));
                envelope.put_index(
                    3,
                    Value::Struct(TransactionRecords::block(&self.context, &id, total, order)),
                );
            }
        }
        self.tracker.source_offset()
    }

    fn fail_or_skip(&self, mode: FailureMode, message: String) -> Result<(), ReadError> {
        match mode {
            FailureMode::Fail => Err(ReadError::Connect(ConnectError::data(message))),
            FailureMode::Warn => {
                tracing::warn!(error = %message, "skipping a binlog event that cannot be processed");
                Ok(())
            }
            FailureMode::Skip => Ok(()),
        }
    }

    async fn handle_query(
        &mut self,
        thread: u32,
        db: &str,
        sql: &str,
        sink: &mut Sink,
    ) -> Result<(), ReadError> {
        let statement = ddl::classify(sql.trim(), db);
        // Debezium's handleQueryEvent: what the DDL filter matches is skipped entirely (neither
        // applied nor recorded), except transaction boundaries and TRUNCATE (a data event).
        if !matches!(
            statement,
            Statement::Begin | Statement::Commit | Statement::Truncate(_) | Statement::Ignored
        ) && self.config.history.ddl_filter.matches(sql.trim())
        {
            tracing::debug!(sql = %sql, "statement filtered out by schema.history.internal.ddl.filter");
            return Ok(());
        }
        match statement {
            Statement::Begin => self.begin(Some(i64::from(thread)), sink).await?,
            Statement::Commit => self.commit(sink).await?,
            Statement::Rollback => {
                tracing::warn!(position = %self.position_text(), "ROLLBACK in the binlog is not handled (binlog.buffer.size is not supported)");
            }
            Statement::Dml => {
                tracing::warn!(sql = %sql, "received DML in a QUERY event: the binlog probably contains statement-based events");
            }
            Statement::Ignored => {}
            Statement::Other => {
                if !self.skipping {
                    self.handle_database_statement(db, sql.trim(), sink).await?;
                }
            }
            Statement::SchemaChange(_)
            | Statement::SchemaChangeUnknown
            | Statement::Truncate(_) => {
                if self.skipping {
                    // Already applied before the restart (the stored offset is past it).
                    return Ok(());
                }
                self.handle_ddl(db, sql, sink).await?;
            }
        }
        Ok(())
    }

    /// A statement that changes no table: a database-level history event and schema change
    /// record.
    async fn handle_database_statement(
        &mut self,
        db: &str,
        sql: &str,
        sink: &mut Sink,
    ) -> Result<(), ReadError> {
        let position = self.tracker.offset_map();
        let records = self
            .schema
            .record_database_statement(
                sql,
                db,
                StatementSource::outside_snapshot(&position, &self.tracker.source),
            )
            .await?;
        for record in records {
            sink.push(record).await?;
        }
        Ok(())
    }

    /// A DDL statement: the model moves forward, the history records it, and the schema change
    /// and truncate records are emitted.
    async fn handle_ddl(&mut self, db: &str, sql: &str, sink: &mut Sink) -> Result<(), ReadError> {
        let position = self.tracker.offset_map();
        let outcome = self
            .schema
            .apply_statement(
                sql,
                db,
                StatementSource::outside_snapshot(&position, &self.tracker.source),
            )
            .await?;
        if outcome.schema_changed {
            tracing::info!(sql = %sql, position = %self.position_text(), "schema change applied to the table model");
            self.tables.clear();
        }
        for record in outcome.records {
            sink.push(record).await?;
        }
        if self.config.skipped.truncate {
            return Ok(());
        }
        for id in outcome.truncated {
            let Some(schemas) = self.schema.catalog.get(&id)? else {
                continue;
            };
            let source = self.context.source(
                &self.tracker.source,
                schemas.db_text.clone(),
                Some(schemas.table_text.clone()),
                None,
            );
            let record = schemas.truncate_record(&self.context, source, self.tracker.offset_map());
            sink.push(record).await?;
        }
        Ok(())
    }

    fn bind_table(&mut self, map: TableMap) -> Result<(), ReadError> {
        let id = TableId::new(map.db.clone(), map.table.clone());
        let captured = self.config.filters.table_included(&id.db, &id.table);
        let schemas = match self.schema.catalog.get(&id) {
            Ok(None) if captured => {
                let msg = format!(
                    "table {id} has rows in the binlog at {} but is not in the table model \
                     (its CREATE TABLE was not seen: the schema history does not cover it); \
                     take a new snapshot (snapshot.mode=recovery rebuilds the history from the \
                     current schema)",
                    self.position_text()
                );
                self.fail_or_skip(self.config.inconsistent_schema, msg)?;
                None
            }
            Ok(s) => s,
            Err(e) if e.is_data() => {
                return self.fail_or_skip(self.config.inconsistent_schema, e.to_string());
            }
            Err(e) => return Err(e.into()),
        };
        self.tables
            .insert(map.table_id, BoundTable { id, map, schemas });
        Ok(())
    }

    async fn handle_rows(&mut self, rows: RowsEvent<'_>, sink: &mut Sink) -> Result<(), ReadError> {
        if self.skipping {
            return Ok(());
        }
        let start_row = std::mem::take(&mut self.start_row);
        let Some(bound) = self.tables.get(&rows.table_id) else {
            let msg = format!(
                "rows event for unknown table id {} at {}",
                rows.table_id,
                self.position_text()
            );
            return self.fail_or_skip(self.config.inconsistent_schema, msg);
        };
        let Some(schemas) = bound.schemas.clone() else {
            return Ok(());
        };
        let id = bound.id.clone();
        let columns = bound.map.columns.clone();
        if columns.len() != schemas.columns.len() || rows.column_count != columns.len() {
            let msg = format!(
                "table {id} has {} columns in the binlog at {} but {} in the table model: \
                 the schema history does not match the binlog (was a DDL statement skipped?)",
                columns.len(),
                self.position_text(),
                schemas.columns.len()
            );
            return self.fail_or_skip(self.config.inconsistent_schema, msg);
        }
        let (op, skipped) = match rows.kind {
            RowsKind::Write => (Op::Create, self.config.skipped.create),
            RowsKind::Update => (Op::Update, self.config.skipped.update),
            RowsKind::Delete => (Op::Delete, self.config.skipped.delete),
        };
        let mut reader = Reader::new(rows.rows);
        let mut first = std::mem::take(&mut self.values_before);
        let mut second = std::mem::take(&mut self.values_after);
        let mut index: u64 = 0;
        let mut emitted = false;
        while !reader.remaining().is_empty() {
            // Rows before the resume point and skipped operations are only read past.
            let emit = index >= start_row && (!skipped || op == Op::Update);
            let decoded = if emit {
                schemas.start_row(&mut first);
                schemas.start_row(&mut second);
                read_image(&mut reader, &columns, rows.present, |c| {
                    schemas.push_cell(&mut first, c.unwrap_or(Cell::Null), Origin::Binlog)
                })
                .and_then(|()| match rows.present_after {
                    Some(after) => read_image(&mut reader, &columns, after, |c| {
                        schemas.push_cell(&mut second, c.unwrap_or(Cell::Null), Origin::Binlog)
                    }),
                    None => Ok(()),
                })
            } else {
                read_image(&mut reader, &columns, rows.present, |_| {}).and_then(|()| {
                    match rows.present_after {
                        Some(after) => read_image(&mut reader, &columns, after, |_| {}),
                        None => Ok(()),
                    }
                })
            };
            if let Err(e) = decoded {
                let msg = format!(
                    "cannot decode row {index} of a {} event for table {id} at {}: {e}",
                    op.code(),
                    self.position_text()
                );
                return self.fail_or_skip(self.config.deserialization_failure, msg);
            }
            if index >= start_row {
                self.tracker.set_row(index as usize, index as usize + 1);
                emitted = true;
                if emit {
                    self.emit_converted(&schemas, op, &mut first, &mut second, sink)
                        .await?;
                }
            }
            index += 1;
        }
        self.values_before = first;
        self.values_after = second;
        if emitted {
            self.tracker.rows_completed();
        }
        Ok(())
    }

    /// Emits the change records of one converted row (`first`: the only image, or the before
    /// image of an update; `second`: an update's after image).
    async fn emit_converted(
        &mut self,
        schemas: &TableSchemas,
        op: Op,
        first_values: &mut RowValues,
        second_values: &mut RowValues,
        sink: &mut Sink,
    ) -> Result<(), ReadError> {
        let id = &schemas.id;
        let where_ = |(column, reason): (String, String), tracker: &OffsetTracker| {
            format!(
                "cannot convert column '{column}' of table {id} at binlog file {} position {} row {}: {reason}",
                tracker.source.file, tracker.source.pos, tracker.source.row
            )
        };
        if let Some(e) = schemas.take_error(first_values) {
            let msg = where_(e, &self.tracker);
            return self.fail_or_skip(self.config.processing_failure, msg);
        }
        let first_key = schemas.key(first_values);
        let source = self.context.source(
            &self.tracker.source,
            schemas.db_text.clone(),
            Some(schemas.table_text.clone()),
            None,
        );
        match op {
            Op::Create => {
                let mut envelope = schemas.envelope(
                    Op::Create,
                    None,
                    Some(schemas.row_taking(first_values)),
                    source,
                );
                let offset = self.stamp(id, &mut envelope);
                sink.push(schemas.record(&self.context, first_key, envelope, offset, None))
                    .await?;
            }
            Op::Delete => {
                let mut envelope = schemas.envelope(
                    Op::Delete,
                    Some(schemas.row_taking(first_values)),
                    None,
                    source,
                );
                let offset = self.stamp(id, &mut envelope);
                let record = schemas.record(&self.context, first_key, envelope, offset, None);
                let tombstone = self
                    .context
                    .tombstones_on_delete
                    .then(|| TableSchemas::tombstone(&record));
                sink.push(record).await?;
                if let Some(t) = tombstone {
                    sink.push(t).await?;
                }
            }
            Op::Update => {
                if let Some(e) = schemas.take_error(second_values) {
                    let msg = where_(e, &self.tracker);
                    return self.fail_or_skip(self.config.processing_failure, msg);
                }
                let second_key = schemas.key(second_values);
                let before = schemas.row_taking(first_values);
                let after = schemas.row_taking(second_values);
                if self.config.skip_unchanged && before == after {
                    return Ok(());
                }
                match (first_key, second_key) {
                    (Some(old_key), Some(new_key)) if old_key != new_key => {
                        let skipped = self.config.skipped;
                        if !skipped.delete {
                            let mut envelope =
                                schemas.envelope(Op::Delete, Some(before), None, source.clone());
                            let offset = self.stamp(id, &mut envelope);
                            let record = schemas.record(
                                &self.context,
                                Some(old_key.clone()),
                                envelope,
                                offset,
                                Some((NEW_KEY_HEADER, new_key.clone())),
                            );
                            let tombstone = self
                                .context
                                .tombstones_on_delete
                                .then(|| TableSchemas::tombstone(&record));
                            sink.push(record).await?;
                            if let Some(t) = tombstone {
                                sink.push(t).await?;
                            }
                        }
                        if !skipped.create {
                            let mut envelope =
                                schemas.envelope(Op::Create, None, Some(after), source);
                            let offset = self.stamp(id, &mut envelope);
                            sink.push(schemas.record(
                                &self.context,
                                Some(new_key),
                                envelope,
                                offset,
                                Some((OLD_KEY_HEADER, old_key)),
                            ))
                            .await?;
                        }
                    }
                    (_, new_key) => {
                        if self.config.skipped.update {
                            return Ok(());
                        }
                        let mut envelope =
                            schemas.envelope(Op::Update, Some(before), Some(after), source);
                        let offset = self.stamp(id, &mut envelope);
                        sink.push(schemas.record(&self.context, new_key, envelope, offset, None))
                            .await?;
                    }
                }
            }
            Op::Read | Op::Truncate => {}
        }
        Ok(())
    }

    async fn maybe_heartbeat(&mut self, sink: &mut Sink) -> Result<(), ReadError> {
        let Some((interval, last, schemas)) = &mut self.heartbeat else {
            return Ok(());
        };
        if last.elapsed() < *interval {
            return Ok(());
        }
        *last = Instant::now();
        let Some(topic) = self.config.heartbeat.as_ref().map(|h| h.topic.clone()) else {
            return Ok(());
        };
        let mut key = Struct::new(schemas.key.clone());
        key.put_index(0, Value::String(self.config.topic_prefix.clone().into()));
        let mut value = Struct::new(schemas.value.clone());
        value.put_index(0, Value::Int64(super::envelope::now_stamps().0));
        let record = SourceRecord {
            source_partition: self.context.partition.clone(),
            source_offset: self.tracker.source_offset(),
            topic,
            kafka_partition: Some(0),
            key_schema: Some(schemas.key.clone()),
            key: Value::Struct(key),
            value_schema: Some(schemas.value.clone()),
            value: Value::Struct(value),
            timestamp: None,
            headers: strait_api::Headers::new(),
        };
        sink.push(record).await?;
        Ok(())
    }
}
