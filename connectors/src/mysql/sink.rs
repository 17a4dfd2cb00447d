//! The bounded queue between the reader (snapshot and binlog) and the task's `poll`.
//!
//! Debezium decouples its reader thread from Kafka Connect's polling with a bounded queue
//! (`max.queue.size`) drained in batches of `max.batch.size`; this is the same shape. The reader
//! accumulates records and hands over whole batches, so a full queue stops the reader (and, with
//! it, reading from the server) instead of growing memory. The sink remembers the offset of the
//! last record it handed over: after a lost connection the reader resumes from there, because
//! everything before it will reach Kafka and nothing after it was queued.
//!
//! Batches are handed over at [`HANDOVER_RECORDS`] at most, even when `max.batch.size` is
//! larger (`poll` returning fewer than the maximum is what Debezium's queue does too). A built
//! change record is a few KiB of Connect values, and every record between the reader and the
//! broker's acknowledgement is resident: the queue's batches, the one `poll` returned, the one
//! being converted and the one in flight. Smaller hand-overs keep that to a few MiB per stage
//! (the MySQL benchmark's worker stays under 100 MB with them, and runs faster: each pipeline
//! stage starts sooner), where 2048-record batches held ~150 MB.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use strait_api::{ConnectError, OffsetMap, SourceRecord};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The most records handed over at once: ~2 MB of built records, a 2 MB produce request.
pub const HANDOVER_RECORDS: usize = 512;

/// What travels from the reader to `poll`.
pub type Batch = Result<Vec<SourceRecord>, ConnectError>;

/// The receiving task is gone: the reader should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the task was stopped")]
pub struct Stopped;

/// The reader's end of the queue.
pub struct Sink {
    tx: mpsc::Sender<Batch>,
    pending: Vec<SourceRecord>,
    /// When the oldest pending record was queued.
    pending_since: Option<Instant>,
    batch_size: usize,
    last_sent: Option<OffsetMap>,
    holding: HoldFlag,
}

/// Whether the reader holds a lock that other clients of the server wait for (the snapshot's
/// global read lock), so that `poll`, which drives the reader, must not leave it suspended.
#[derive(Clone, Debug, Default)]
pub struct HoldFlag(Arc<AtomicBool>);

impl HoldFlag {
    /// Whether a [`Hold`] is alive.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Marks the reader as holding a lock until dropped (see [`Sink::hold`]).
#[must_use = "the hold ends when this is dropped"]
pub struct Hold(HoldFlag);

impl Drop for Hold {
    fn drop(&mut self) {
        (self.0).0.store(false, Ordering::Release);
    }
}

impl Sink {
    /// A sink handing over batches of at most `batch_size` (and [`HANDOVER_RECORDS`]) records.
    pub fn new(tx: mpsc::Sender<Batch>, batch_size: usize) -> Self {
        let batch_size = batch_size.clamp(1, HANDOVER_RECORDS);
        Self {
            tx,
            pending: Vec::with_capacity(batch_size),
            pending_since: None,
            batch_size,
            last_sent: None,
            holding: HoldFlag::default(),
        }
    }

    /// Marks the reader as holding a lock other clients wait for, until the returned guard is
    /// dropped: `poll` keeps driving the reader past its wait meanwhile (see [`HoldFlag`]).
    pub fn hold(&self) -> Hold {
        self.holding.0.store(true, Ordering::Release);
        Hold(self.holding.clone())
    }

    /// The flag [`Sink::hold`] sets, for the side that drives the reader.
    pub fn hold_flag(&self) -> HoldFlag {
        self.holding.clone()
    }

    /// Queues a record, handing over a batch when it is full.
    ///
    /// # Errors
    /// [`Stopped`] when the task is gone.
    pub async fn push(&mut self, record: SourceRecord) -> Result<(), Stopped> {
        if self.pending.is_empty() {
            self.pending_since = Some(Instant::now());
        }
        self.pending.push(record);
        if self.pending.len() >= self.batch_size {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands over what is pending.
    ///
    /// # Errors
    /// [`Stopped`] when the task is gone.
    pub async fn flush(&mut self) -> Result<(), Stopped> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(self.batch_size));
        self.pending_since = None;
        // Once per batch, so the records' typed offsets stay unbuilt.
        let last = batch.last().map(|r| r.source_offset.to_map().into_owned());
        self.tx.send(Ok(batch)).await.map_err(|_| Stopped)?;
        if last.is_some() {
            self.last_sent = last;
        }
        Ok(())
    }

    /// Drops records not handed over yet (the reader will read them again).
    pub fn discard_pending(&mut self) {
        self.pending.clear();
        self.pending_since = None;
    }

    /// When the oldest record waiting to be handed over was queued (`None`: none waits).
    pub fn pending_since(&self) -> Option<Instant> {
        self.pending_since
    }

    /// The offset of the last record handed over.
    pub fn last_sent(&self) -> Option<&OffsetMap> {
        self.last_sent.as_ref()
    }

    /// Reports an error to `poll`.
    pub async fn fail(&mut self, error: ConnectError) {
        let _ = self.flush().await;
        let _ = self.tx.send(Err(error)).await;
    }
}
