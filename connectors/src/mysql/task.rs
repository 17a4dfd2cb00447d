//! The source task: a reader that snapshots and then streams into a bounded queue, and a `poll`
//! that drains the queue and drives the reader.
//!
//! The reader decides what to do from the committed offset exactly as Debezium's snapshotters
//! do (no offset or a snapshot in progress → snapshot if the mode reads data; an offset the
//! server no longer has → a new snapshot under `when_needed`, a FAILED task with instructions
//! otherwise), and survives lost connections on its own: it backs off, reconnects and resumes
//! from the offset of the last record it queued, so the task stays RUNNING and nothing is lost or
//! read twice. Only errors a retry cannot fix reach `poll`, which fails the task.
//!
//! The reader is a future that `poll` runs while it waits for a batch, not a task of its own: the
//! records are then built, converted and freed on one thread, where a reader on another thread
//! made every record's allocations and shared reference counts cross between cores (twice the
//! CPU per record, measured with `examples/mysql_decode`). Debezium runs its reader on a thread
//! of its own; what a user sees is the same, because Kafka Connect polls a running task
//! continuously and the queue bounds how far the reader gets ahead. While the task is paused
//! the reader waits where it stopped, as it does behind a full queue, except inside the
//! snapshot's global read lock, which `poll` always drives to its release (see
//! [`HoldFlag`](super::sink::HoldFlag)).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use strait_api::{ConfigMap, ConnectError, Result, SourceRecord, SourceTask, SourceTaskContext};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::binlog::{ReadError, Streamer};
use super::config::{ConnectorFlavor, HistoryStorage, MySqlSourceConfig, SnapshotMode};
use super::connection::{self, ServerInfo};
use super::envelope::RecordContext;
use super::offset::{source_partition, BinlogOffset, SourcePosition};
use super::schema_tracker::{SchemaTracker, StatementSource};
use super::sink::{Batch, HoldFlag, Sink};
use super::snapshot;

/// The first wait after a lost connection; it doubles up to `connect.keep.alive.interval.ms`.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// Debezium's MySQL/MariaDB source task.
pub struct MySqlSourceTask {
    flavor: ConnectorFlavor,
    running: Option<Running>,
}

struct Running {
    rx: mpsc::Receiver<Batch>,
    /// The reader, run by `poll`; `None` once it has returned.
    reader: Option<Reader>,
    holding: HoldFlag,
    poll_wait: Duration,
    finished: bool,
}

/// The reader's future (see the module documentation).
type Reader = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How much longer `poll` waits, each time its wait ends inside a [`HoldFlag`] window.
const HOLD_RECHECK: Duration = Duration::from_millis(10);

impl Running {
    /// The next batch of records, driving the reader while it waits: at most `poll_wait`
    /// (longer while the reader holds a lock, see [`HoldFlag`]); empty when nothing came.
    async fn next_batch(&mut self) -> Result<Vec<SourceRecord>> {
        if self.finished {
            tokio::time::sleep(self.poll_wait).await;
            return Ok(Vec::new());
        }
        let Running {
            rx,
            reader,
            holding,
            poll_wait,
            finished,
        } = self;
        let mut deadline = Instant::now() + *poll_wait;
        loop {
            let drive = async {
                match reader.as_mut() {
                    Some(reader) => reader.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                received = rx.recv() => return match received {
                    Some(Ok(batch)) => Ok(batch),
                    Some(Err(e)) => Err(e),
                    None => {
                        *finished = true;
                        Ok(Vec::new())
                    }
                },
                // The reader returned: what it queued is still received, then `None`.
                () = drive => *reader = None,
                () = tokio::time::sleep_until(deadline) => {
                    if !holding.is_set() {
                        return Ok(Vec::new());
                    }
                    deadline = Instant::now() + HOLD_RECHECK;
                }
            }
        }
    }
}

impl MySqlSourceTask {
    /// A task of the given connector flavor.
    pub fn new(flavor: ConnectorFlavor) -> Self {
        Self {
            flavor,
            running: None,
        }
    }
}

#[async_trait]
impl SourceTask for MySqlSourceTask {
    async fn start(&mut self, config: &ConfigMap, context: SourceTaskContext) -> Result<()> {
        let parsed = Arc::new(MySqlSourceConfig::parse(config)?);
        let partition = source_partition(&parsed.topic_prefix);
        let committed = match context.offsets.offset(&partition).await? {
            Some(map) => Some(BinlogOffset::from_map(&map).map_err(|e| {
                ConnectError::fatal(format!(
                    "{e}; correct or reset this connector's offsets (DELETE or PATCH \
                     /connectors/<name>/offsets) before restarting it"
                ))
            })?),
            None => None,
        };
        let run_id = uuid::Uuid::new_v4().to_string();
        let record_context = Arc::new(RecordContext::new(
            &parsed,
            self.flavor,
            context.task,
            &run_id,
        ));
        let mut start = ReaderStart {
            committed,
            schema: None,
            pending: Vec::new(),
        };
        if start.committed.is_none()
            && plan(parsed.snapshot_mode, None) == (Plan::Snapshot { data: false })
        {
            // No rows to read: take the schema snapshot now, so every change made after
            // `start` returns is captured even if the reader runs a little later.
            if let Err(e) = schema_snapshot_now(&parsed, &record_context, &mut start).await {
                tracing::warn!(error = %e, "could not take the schema snapshot at start; the reader will");
            }
        }
        let committed = start.committed.clone();
        tracing::info!(
            connector = %context.connector,
            server = %parsed.topic_prefix,
            offset = ?committed,
            snapshot_mode = ?parsed.snapshot_mode,
            "mysql source task starting"
        );
        let queue_batches = (parsed.max_queue_size / parsed.max_batch_size).max(1);
        let (tx, rx) = mpsc::channel(queue_batches);
        let sink = Sink::new(tx, parsed.max_batch_size);
        let holding = sink.hold_flag();
        let poll_wait = parsed
            .poll_interval
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        let reader: Reader = Box::pin(read(parsed, record_context, start, sink));
        // A task started again drops its old reader (and its connections) here.
        self.running = Some(Running {
            rx,
            reader: Some(reader),
            holding,
            poll_wait,
            finished: false,
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        self.running
            .as_mut()
            .ok_or_else(|| {
                ConnectError::fatal("the MySQL source task was polled before it started")
            })?
            .next_batch()
            .await
    }

    async fn stop(&mut self) -> Result<()> {
        // Dropping the reader closes its connections.
        self.running = None;
        Ok(())
    }
}

/// What the reader starts from.
struct ReaderStart {
    /// The committed offset (or the one a schema snapshot at start produced).
    committed: Option<BinlogOffset>,
    /// The schema tracker, when `start` already opened it.
    schema: Option<SchemaTracker>,
    /// Schema change records of that snapshot, emitted first.
    pending: Vec<SourceRecord>,
}

/// A `no_data` snapshot taken inside `start`.
async fn schema_snapshot_now(
    config: &Arc<MySqlSourceConfig>,
    context: &Arc<RecordContext>,
    start: &mut ReaderStart,
) -> std::result::Result<(), ReadError> {
    let mut conn = connection::connect(&config.connection, true).await?;
    let server = connection::server_info(&mut conn).await.map_err(|e| {
        connection::classify_error(&config.connection, "reading the server settings", e)
    })?;
    let _ = conn.disconnect().await;
    let mut schema = SchemaTracker::open(config.clone(), context.clone()).await?;
    let (offset, records) = snapshot::schema_only(config, &server, &mut schema).await?;
    start.committed = Some(offset);
    start.schema = Some(schema);
    start.pending = records;
    Ok(())
}

/// What to do first, from the snapshot mode and the committed offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Snapshot (rows when `data`), then stream unless the mode is `initial_only`.
    Snapshot { data: bool },
    /// Stream from this offset.
    Stream(BinlogOffset),
    /// Stream from the first binlog file the server has (`never` without an offset).
    StreamFromOldest,
    /// Nothing more to do (`initial_only` after its snapshot).
    Idle,
}

/// Debezium's snapshotter decisions.
pub fn plan(mode: SnapshotMode, committed: Option<&BinlogOffset>) -> Plan {
    match committed {
        None => match mode {
            SnapshotMode::Never => Plan::StreamFromOldest,
            m => Plan::Snapshot {
                data: m.snapshots_data(),
            },
        },
        Some(o) if o.snapshot => match mode {
            SnapshotMode::Never => Plan::StreamFromOldest,
            SnapshotMode::Recovery => Plan::Stream(BinlogOffset {
                snapshot: false,
                ..o.clone()
            }),
            m => Plan::Snapshot {
                data: m.snapshots_data(),
            },
        },
        Some(_) if mode == SnapshotMode::Always => Plan::Snapshot { data: true },
        Some(_) if mode == SnapshotMode::InitialOnly => Plan::Idle,
        Some(o) => Plan::Stream(o.clone()),
    }
}

async fn read(
    config: Arc<MySqlSourceConfig>,
    context: Arc<RecordContext>,
    start: ReaderStart,
    mut sink: Sink,
) {
    if !config.snapshot_delay.is_zero() && start.committed.is_none() {
        tokio::time::sleep(config.snapshot_delay).await;
    }
    for record in start.pending {
        if sink.push(record).await.is_err() {
            return;
        }
    }
    let mut resume = start.committed;
    let mut backoff = FIRST_BACKOFF;
    let mut force_snapshot = false;
    // Opened once: a `MemorySchemaHistory` must outlive reconnects.
    let mut schema: Option<SchemaTracker> = start.schema;
    loop {
        let outcome = read_once(
            &config,
            &context,
            &mut schema,
            resume.clone(),
            force_snapshot,
            &mut sink,
        )
        .await;
        force_snapshot = false;
        if let Some(last) = sink.last_sent() {
            if let Ok(o) = BinlogOffset::from_map(last) {
                resume = Some(o);
                backoff = FIRST_BACKOFF;
            }
        }
        match outcome {
            Ok(()) | Err(ReadError::Stopped) => return,
            Err(ReadError::PositionLost(message)) => {
                if config.snapshot_mode == SnapshotMode::WhenNeeded {
                    tracing::warn!(reason = %message, "resume position lost; taking a new snapshot (snapshot.mode=when_needed)");
                    sink.discard_pending();
                    force_snapshot = true;
                    continue;
                }
                sink.fail(ConnectError::fatal(message)).await;
                return;
            }
            Err(ReadError::Connect(e)) if e.is_retriable() && config.connection.keep_alive => {
                sink.discard_pending();
                tracing::warn!(error = %e.chain(), retry_in = ?backoff, "mysql source lost its connection; retrying");
                tokio::time::sleep(backoff).await;
                backoff =
                    (backoff * 2).min(config.connection.keep_alive_interval.max(FIRST_BACKOFF));
            }
            Err(ReadError::Connect(e)) => {
                sink.fail(e).await;
                return;
            }
        }
    }
}

async fn read_once(
    config: &Arc<MySqlSourceConfig>,
    context: &Arc<RecordContext>,
    schema: &mut Option<SchemaTracker>,
    resume: Option<BinlogOffset>,
    force_snapshot: bool,
    sink: &mut Sink,
) -> std::result::Result<(), ReadError> {
    let mut query = connection::connect(&config.connection, true).await?;
    let server: ServerInfo = connection::server_info(&mut query).await.map_err(|e| {
        connection::classify_error(&config.connection, "reading the server settings", e)
    })?;
    let schema = match schema {
        Some(schema) => schema,
        None => schema.insert(SchemaTracker::open(config.clone(), context.clone()).await?),
    };
    let plan = if force_snapshot {
        Plan::Snapshot { data: true }
    } else {
        plan(config.snapshot_mode, resume.as_ref())
    };
    tracing::info!(plan = ?plan, server_version = %server.version, "mysql source plan");
    let start = match plan {
        Plan::Idle => return Ok(()),
        Plan::Snapshot { data } => {
            let start = snapshot::run(config, context, &server, schema, sink, data).await?;
            if config.snapshot_mode == SnapshotMode::InitialOnly {
                return Ok(());
            }
            start
        }
        Plan::Stream(offset) => {
            check_position(&mut query, &server, &offset).await?;
            let rebuild = config.snapshot_mode == SnapshotMode::Recovery;
            if !rebuild && schema.history_exists().await? {
                schema.recover(&offset.to_map()).await?;
            } else if rebuild || config.snapshot_mode == SnapshotMode::WhenNeeded {
                tracing::warn!(
                    server = %config.topic_prefix,
                    "rebuilding the schema history from the current table definitions"
                );
                rebuild_history(schema, &mut query, &offset, sink).await?;
            } else {
                return Err(ReadError::Connect(ConnectError::fatal(format!(
                    "The db history topic is missing ({}). You may attempt to recover it by \
                     reconfiguring the connector to snapshot.mode=recovery (safe only if no \
                     table changed its schema since the stored offset)",
                    history_name(config)
                ))));
            }
            offset
        }
        Plan::StreamFromOldest => {
            let files = connection::binary_logs(&mut query).await.map_err(|e| {
                connection::classify_error(&config.connection, "listing binary logs", e)
            })?;
            let first = files.first().cloned().ok_or_else(|| {
                ReadError::Connect(ConnectError::fatal(
                    "the server has no binary logs: enable log_bin",
                ))
            })?;
            let start = BinlogOffset {
                file: first.into(),
                pos: 4,
                ..BinlogOffset::default()
            };
            if schema.history_exists().await? {
                schema.recover(&start.to_map()).await?;
            } else {
                rebuild_history(schema, &mut query, &start, sink).await?;
            }
            start
        }
    };
    let mut streamer = Streamer::new(config.clone(), context.clone(), server, schema, start);
    streamer.run(sink).await
}

/// The history store's name for messages.
fn history_name(config: &MySqlSourceConfig) -> String {
    match &config.history.storage {
        HistoryStorage::Kafka { topic, .. } => format!("topic '{topic}'"),
        HistoryStorage::Memory => "MemorySchemaHistory, which does not survive a restart".into(),
    }
}

/// Records the current table definitions as the history at `offset` (Debezium's `recovery`
/// schema snapshot; right only if no schema changed since that offset).
async fn rebuild_history(
    schema: &mut SchemaTracker,
    conn: &mut mysql_async::Conn,
    offset: &BinlogOffset,
    sink: &mut Sink,
) -> std::result::Result<(), ReadError> {
    schema.initialize().await?;
    let position = offset.to_map();
    let source = SourcePosition {
        file: offset.file.clone(),
        pos: offset.pos,
        ..SourcePosition::default()
    };
    let records = schema
        .capture(conn, StatementSource::outside_snapshot(&position, &source))
        .await?;
    for record in records {
        sink.push(record).await?;
    }
    Ok(())
}

/// Fails early, with instructions, when the stored file/position is gone.
async fn check_position(
    query: &mut mysql_async::Conn,
    server: &ServerInfo,
    offset: &BinlogOffset,
) -> std::result::Result<(), ReadError> {
    if offset.gtids.is_some() && server.gtid_mode {
        // Resuming by GTID: the server itself says whether they are still available.
        return Ok(());
    }
    let files = connection::binary_logs(query)
        .await
        .map_err(|e| ConnectError::retriable_from("listing binary logs failed", e))?;
    if files.iter().any(|f| **f == *offset.file) {
        return Ok(());
    }
    Err(ReadError::PositionLost(format!(
        "the binlog file {} to resume from is no longer on the server (it has {}). Set \
         snapshot.mode=when_needed to take a new snapshot automatically, or reset this \
         connector's offsets (DELETE /connectors/<name>/offsets while it is stopped) and restart it",
        offset.file,
        if files.is_empty() { "none".to_string() } else { files.join(", ") }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(snapshot: bool) -> BinlogOffset {
        BinlogOffset {
            file: "f.1".into(),
            pos: 10,
            snapshot,
            ..BinlogOffset::default()
        }
    }

    #[test]
    fn plans_follow_debeziums_snapshotters() {
        use SnapshotMode::*;
        assert_eq!(plan(Initial, None), Plan::Snapshot { data: true });
        assert_eq!(plan(NoData, None), Plan::Snapshot { data: false });
        assert_eq!(plan(Recovery, None), Plan::Snapshot { data: false });
        assert_eq!(plan(Never, None), Plan::StreamFromOldest);
        assert_eq!(
            plan(Initial, Some(&offset(true))),
            Plan::Snapshot { data: true }
        );
        assert_eq!(
            plan(Initial, Some(&offset(false))),
            Plan::Stream(offset(false))
        );
        assert_eq!(
            plan(WhenNeeded, Some(&offset(false))),
            Plan::Stream(offset(false))
        );
        assert_eq!(
            plan(Always, Some(&offset(false))),
            Plan::Snapshot { data: true }
        );
        assert_eq!(plan(InitialOnly, Some(&offset(false))), Plan::Idle);
        assert_eq!(
            plan(Recovery, Some(&offset(true))),
            Plan::Stream(offset(false))
        );
    }

    /// A queue and a reader future made by `reader` from the queue's sink, polled with a
    /// 100 ms wait.
    fn running<F, Fut>(reader: F) -> Running
    where
        F: FnOnce(Sink) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(4);
        let sink = Sink::new(tx, 10);
        let holding = sink.hold_flag();
        Running {
            rx,
            reader: Some(Box::pin(reader(sink))),
            holding,
            poll_wait: Duration::from_millis(100),
            finished: false,
        }
    }

    fn record(n: i32) -> SourceRecord {
        SourceRecord::new(
            Arc::new(strait_api::OffsetMap::new()),
            strait_api::OffsetMap::new().into(),
            "t",
            None,
            strait_api::Value::Int32(n),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn poll_runs_the_reader_only_while_it_waits() {
        let steps = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = steps.clone();
        let mut running = running(|mut sink| async move {
            for n in 0.. {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if sink.push(record(n)).await.is_err() {
                    return;
                }
                sink.flush().await.ok();
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        });
        let first = running.next_batch().await.unwrap();
        assert_eq!(first.len(), 1);
        let after_poll = steps.load(std::sync::atomic::Ordering::SeqCst);
        // Not polled: the reader does not move.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(steps.load(std::sync::atomic::Ordering::SeqCst), after_poll);
        let second = running.next_batch().await.unwrap();
        assert_eq!(second.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn poll_returns_empty_after_its_wait_unless_the_reader_holds_a_lock() {
        let released = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = released.clone();
        let mut running = running(|sink| async move {
            // Idle 150 ms (longer than a poll's wait), then hold a lock for 300 ms.
            tokio::time::sleep(Duration::from_millis(150)).await;
            let hold = sink.hold();
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(hold);
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            std::future::pending::<()>().await;
            drop(sink);
        });
        let started = Instant::now();
        assert!(running.next_batch().await.unwrap().is_empty());
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(100),
            "an ordinary wait"
        );
        assert!(running.next_batch().await.unwrap().is_empty());
        assert!(
            released.load(std::sync::atomic::Ordering::SeqCst),
            "poll returned while the reader held the lock"
        );
        assert!(started.elapsed() >= Duration::from_millis(450));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_that_returned_ends_the_queue_after_its_records() {
        let mut running = running(|mut sink| async move {
            sink.push(record(1)).await.ok();
            sink.fail(ConnectError::fatal("the binlog position is gone"))
                .await;
        });
        assert_eq!(running.next_batch().await.unwrap().len(), 1);
        let error = running.next_batch().await.unwrap_err();
        assert!(
            error.to_string().contains("binlog position is gone"),
            "{error}"
        );
        assert!(running.next_batch().await.unwrap().is_empty());
        assert!(running.finished);
    }
}
