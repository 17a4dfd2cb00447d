//! The task: runs one pipeline per assigned table and hands their records to `poll`.
//!
//! Pipelines ([`super::table`]) run as tokio tasks and send whole pages through one bounded
//! channel ([`super::sink`]). `poll` waits up to `poll.linger.ms` for the first page, then takes
//! whatever else is already queued, up to `max.batch.size` records; records beyond that stay
//! in the task's own buffer for the next poll. Everything `poll` takes from the channel is moved
//! into that buffer before it returns, so a `poll` dropped by the worker (on stop) loses
//! nothing it had received. A pipeline's failure is reported by the first `poll` after the
//! records that preceded it. `stop` aborts the pipelines, which hold no state worth flushing:
//! everything they read but the worker did not commit is read again after a restart.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use strait_api::{ConfigMap, ConnectError, Result, SourceRecord, SourceTask, SourceTaskContext};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::client::AwsClients;
use super::config::DynamoDbCdcConfig;
use super::error::DynamoDbError;
use super::sink::{Event, RecordSink};
use super::stream::SdkStreams;
use super::table::{run_table, TableContext};

/// Pages the channel holds before pipelines wait.
const CHANNEL_PAGES: usize = 16;
/// The shortest wait of an idle poll, so `poll.linger.ms=0` does not spin.
const MIN_IDLE_WAIT: Duration = Duration::from_millis(10);

/// The DynamoDB CDC source task.
#[derive(Debug, Default)]
pub struct DynamoDbCdcSourceTask {
    running: Option<Running>,
}

#[derive(Debug)]
struct Running {
    rx: mpsc::Receiver<Event>,
    pipelines: JoinSet<()>,
    pending: VecDeque<SourceRecord>,
    failure: Option<ConnectError>,
    /// Every pipeline ended (all senders dropped).
    closed: bool,
    max_batch: usize,
    linger: Duration,
}

impl Running {
    fn accept(&mut self, event: Event) {
        match event {
            Event::Records(records) => self.pending.extend(records),
            Event::Failed(e) => {
                if self.failure.is_none() {
                    self.failure = Some(e);
                }
            }
        }
    }

    /// Moves every queued page into the buffer, up to a batch.
    fn drain_queued(&mut self) {
        while self.pending.len() < self.max_batch && self.failure.is_none() {
            match self.rx.try_recv() {
                Ok(event) => self.accept(event),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.closed = true;
                    break;
                }
            }
        }
    }
}

impl DynamoDbCdcSourceTask {
    /// An unstarted task.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SourceTask for DynamoDbCdcSourceTask {
    async fn start(&mut self, config: &ConfigMap, context: SourceTaskContext) -> Result<()> {
        let config = Arc::new(DynamoDbCdcConfig::parse(config)?);
        let clients = AwsClients::new(&config, None).await;
        let (sink, rx) = RecordSink::channel(CHANNEL_PAGES);
        let shared = Arc::new(TableContext {
            dynamodb: clients.dynamodb.clone(),
            streams: Arc::new(SdkStreams(clients.streams.clone())),
            config: config.clone(),
            offsets: context.offsets.clone(),
            sink: sink.clone(),
        });
        let mut pipelines = JoinSet::new();
        for table in &config.task_tables {
            let (shared, sink, table) = (shared.clone(), sink.clone(), table.clone());
            pipelines.spawn(async move {
                match run_table(shared, table.clone()).await {
                    Ok(()) | Err(DynamoDbError::Stopped) => {}
                    Err(e) => {
                        tracing::error!(table = %table, error = %e, "table pipeline failed");
                        sink.fail(ConnectError::from(e).context(format!("table {table}")))
                            .await;
                    }
                }
            });
        }
        drop(shared);
        drop(sink);
        tracing::info!(
            connector = %context.connector,
            task = context.task,
            tables = ?config.task_tables,
            "dynamodb cdc task started"
        );
        self.running = Some(Running {
            rx,
            pipelines,
            pending: VecDeque::new(),
            failure: None,
            closed: false,
            max_batch: config.max_batch_size.max(1),
            linger: config.poll_linger,
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let r = self
            .running
            .as_mut()
            .ok_or_else(|| ConnectError::fatal("DynamoDbCdcSourceTask polled before it started"))?;
        if r.pending.is_empty() && r.failure.is_none() {
            if r.closed {
                tokio::time::sleep(r.linger.max(MIN_IDLE_WAIT)).await;
            } else {
                match tokio::time::timeout(r.linger.max(MIN_IDLE_WAIT), r.rx.recv()).await {
                    Ok(Some(event)) => r.accept(event),
                    Ok(None) => r.closed = true,
                    Err(_) => {}
                }
            }
        }
        r.drain_queued();
        if r.pending.is_empty() {
            if let Some(e) = r.failure.take() {
                return Err(e);
            }
        }
        let n = r.pending.len().min(r.max_batch);
        Ok(r.pending.drain(..n).collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(mut r) = self.running.take() {
            r.pipelines.abort_all();
            while r.pipelines.join_next().await.is_some() {}
        }
        Ok(())
    }
}
