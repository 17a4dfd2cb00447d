//! The channel between a task's table pipelines and its `poll`.
//!
//! Snapshot segments and shard readers run as their own tokio tasks and hand whole pages of
//! records to `poll` through one bounded channel: the bound is the back-pressure that keeps a
//! fast scan from buffering a table in memory, and ordering within each source partition (one
//! segment, one shard) is the order each producer sends in. A failure travels the same way, so
//! `poll` reports it to the worker in order after the records that preceded it.

use strait_api::{ConnectError, SourceRecord};
use tokio::sync::mpsc;

use super::error::DynamoDbError;

/// What a pipeline hands to `poll`.
#[derive(Debug)]
pub enum Event {
    /// Records, in order within each of their source partitions.
    Records(Vec<SourceRecord>),
    /// The pipeline cannot continue.
    Failed(ConnectError),
}

/// The sending side, cloned into every producer.
#[derive(Clone, Debug)]
pub struct RecordSink(mpsc::Sender<Event>);

impl RecordSink {
    /// A sink and its receiver, holding at most `capacity` pages.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Self(tx), rx)
    }

    /// Sends records, waiting for room.
    ///
    /// # Errors
    /// [`DynamoDbError::Stopped`] when the task stopped (the receiver is gone).
    pub async fn send(&self, records: Vec<SourceRecord>) -> Result<(), DynamoDbError> {
        if records.is_empty() {
            return Ok(());
        }
        self.0
            .send(Event::Records(records))
            .await
            .map_err(|_| DynamoDbError::Stopped)
    }

    /// Reports a failure (ignored when the task already stopped).
    pub async fn fail(&self, error: ConnectError) {
        let _ = self.0.send(Event::Failed(error)).await;
    }
}
