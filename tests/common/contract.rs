//! The source-connector contract: the rules every source connector must keep, checked the same
//! way for every source.
//!
//! The rules are those of the worker issue — offsets only move forward, a restart from committed
//! offsets loses nothing, stop is prompt, pause stops polling — plus the precondition the others
//! rest on, that every change is polled once and in order. They are properties of a task *as the
//! worker drives it*, so the harness drives real tasks the way the herder does: connector `start`,
//! `task_configs(1)`, `create_task`, task `start` with committed offsets read through
//! [`ConnectorOffsetReader`] from a [`MemoryOffsetStore`]; and, for pause and cancel, inside the
//! real worker loop ([`SourceTaskRunner`]) producing to the test broker.
//!
//! A source plugs in by implementing [`ContractSubject`] — how to make changes in the source and
//! how to recognise them in records — and never implements a check, so FileStreamSource, MySQL
//! and DynamoDB are held to the same rules word for word. Changes are recognised by identity,
//! not position: a task started without offsets may first return whatever the source already
//! held (earlier lines of a file, a MySQL snapshot); the checks constrain the changes made during
//! the check and the offsets of every record.
//!
//! Each `check_*` function returns the [`ContractViolation`] it found, naming the [`Rule`], so
//! tests can prove every check fails on a deliberately broken source or worker;
//! [`assert_source_contract`] runs them all and panics listing every violation.
//!
//! A source's contract test is one subject and one call (see `tests/contract_file_source.rs`):
//!
//! ```text
//! #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
//! async fn mysql_source_keeps_the_source_contract() {
//!     assert_source_contract(&MySqlSubject::new().await).await;
//! }
//! ```

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use strait_api::{
    ConfigMap, ConnectError, ConnectorContext, OffsetMap, PluginDesc, PluginFactory,
    RecordMetadata, SourceConnector, SourceRecord, SourceTask, SourceTaskContext,
};
use strait_runtime::chain::TransformationChain;
use strait_runtime::converters::{JsonConverter, SimpleHeaderConverter};
use strait_runtime::kafka::{CompressionType, KafkaBroker};
use strait_runtime::storage::{
    ConnectorOffsetReader, MemoryOffsetStore, OffsetStore, StorageError,
};
use strait_runtime::worker::errors::ErrorPolicy;
use strait_runtime::worker::producer::TaskProducer;
use strait_runtime::worker::source_task::{
    RecordConverters, SourceTaskRunner, TaskEvent, TaskEventKind, TaskTarget,
};
use strait_runtime::worker::topic_creation::TopicCreation;
use strait_runtime::worker::TaskId;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout, timeout_at, Instant};
use tokio_util::sync::{CancellationToken, DropGuard};

/// How long cancelling a waiting `poll` and calling `stop` may take together, and how long the
/// worker loop may take to finish once cancelled.
pub const STOP_LIMIT: Duration = Duration::from_secs(2);
/// How long the task must stay unpolled after the worker reported PAUSED.
pub const PAUSE_WINDOW: Duration = Duration::from_secs(2);
/// How long a caught-up task is left waiting in `poll` before the poll is cancelled: longer than
/// one idle poll (about a second), so the cancelled poll is a waiting one, not a fresh one.
const WAIT_BEFORE_CANCEL: Duration = Duration::from_millis(1500);
/// `offset.flush.interval.ms` of the worker loop in the pause check: short, so commits follow
/// deliveries quickly.
const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// How often the pause check looks at the offset store while waiting for a commit.
const COMMIT_POLL: Duration = Duration::from_millis(50);

/// A source under test: how to drive its connector and how to make and recognise changes.
///
/// One subject is one source (one file, one table, one stream) shared by every check; the
/// harness starts fresh tasks with fresh offset stores for each check.
#[async_trait]
pub trait ContractSubject: Send + Sync {
    /// The connector under test.
    fn plugin(&self) -> PluginDesc;

    /// The configuration of a connector reading this subject's source with one task. The harness
    /// adds a unique `name` when there is none.
    fn connector_config(&self) -> ConfigMap;

    /// Makes `n` new changes in the source and returns their identities, in the order a task must
    /// return them within a source partition. Identities must be unique over the subject's life.
    async fn append(&self, n: usize) -> Vec<String>;

    /// The identity of a polled record: the string [`ContractSubject::append`] returned for the
    /// change it carries.
    fn identity(&self, record: &SourceRecord) -> String;

    /// Orders two offsets of the same source partition (`Less`: `a` comes before `b`).
    fn compare_offsets(&self, a: &OffsetMap, b: &OffsetMap) -> Ordering;

    /// How long a change may take to show up in a poll (and a task to start or report an event).
    fn patience(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// A rule of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every change made while a task runs is polled exactly once, in order within its source
    /// partition (the precondition of the other rules, checked wherever changes are made).
    EveryChangeIsPolled,
    /// Within a source partition, each record's offset is at least the previous one's, across
    /// polls, restarts and the worker's commits.
    OffsetsMoveForward,
    /// A task started from committed offsets returns the record right after them first, then
    /// every later change: nothing lost, nothing committed returned again.
    RestartLosesNothing,
    /// A `poll` waiting for data yields to cancellation and `stop` returns, within
    /// [`STOP_LIMIT`]; the worker loop finishes within it once cancelled and stops the task.
    StopIsPrompt,
    /// Once the worker reports PAUSED the task is not polled, even with changes waiting; after
    /// resuming, polling and delivery continue.
    PauseStopsPolling,
    /// Not a rule: the subject or the worker could not be driven far enough to check one
    /// (connector or task failed to start, a poll failed, the broker is unreachable).
    Setup,
}

impl Rule {
    /// The rule as the issue words it, used in every violation message.
    pub fn name(self) -> &'static str {
        match self {
            Self::EveryChangeIsPolled => "every change is polled once, in order",
            Self::OffsetsMoveForward => "offsets only move forward",
            Self::RestartLosesNothing => "restart from committed offsets loses nothing",
            Self::StopIsPrompt => "stop is prompt",
            Self::PauseStopsPolling => "pause stops polling",
            Self::Setup => "setup",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken rule, with what was observed.
#[derive(Clone, Debug)]
pub struct ContractViolation {
    /// The rule that broke.
    pub rule: Rule,
    /// The connector class under test.
    pub connector: String,
    /// What happened, naming records, offsets and timings.
    pub message: String,
}

impl ContractViolation {
    fn new(rule: Rule, connector: &str, message: impl Into<String>) -> Self {
        Self {
            rule,
            connector: connector.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ContractViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Rule::Setup => write!(
                f,
                "{}: the source contract could not be checked: {}",
                self.connector, self.message
            ),
            rule => write!(
                f,
                "{} breaks the source contract rule \"{rule}\": {}",
                self.connector, self.message
            ),
        }
    }
}

impl std::error::Error for ContractViolation {}

/// How the pause check starts the worker loop: [`SourceTaskRunner::spawn`], or a deliberately
/// broken worker in the harness's own tests.
pub type SpawnRunner = fn(SourceTaskRunner) -> JoinHandle<()>;

/// Runs every check and panics listing each violation.
pub async fn assert_source_contract(subject: &dyn ContractSubject) {
    let violations = check_source_contract(subject).await;
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| format!("- {v}")).collect();
        panic!(
            "{} violation(s) of the source contract:\n{}",
            violations.len(),
            list.join("\n")
        );
    }
}

/// Runs every check (each on fresh tasks and stores) and returns every violation found.
pub async fn check_source_contract(subject: &dyn ContractSubject) -> Vec<ContractViolation> {
    let results = [
        check_offsets_move_forward(subject).await,
        check_restart_loses_nothing(subject).await,
        check_stop_is_prompt(subject).await,
        check_pause_stops_polling(subject).await,
    ];
    results.into_iter().filter_map(Result::err).collect()
}

/// **Offsets only move forward** while one task polls three rounds of changes (with an idle poll
/// between two of them); every change must also be polled once, in order.
pub async fn check_offsets_move_forward(
    subject: &dyn ContractSubject,
) -> Result<(), ContractViolation> {
    let mut h = Harness::start(subject).await?;
    let store = Arc::new(MemoryOffsetStore::new());
    let mut task = h.start_task(store, "starting the task").await?;
    let mut polled = Vec::new();
    let mut appended = Vec::new();
    for round in 0..3 {
        let changes = subject.append(5).await;
        let what = format!("polling change round {}", round + 1);
        polled.extend(
            h.poll_until(&mut task, &changes, &what, Rule::EveryChangeIsPolled)
                .await?,
        );
        appended.extend(changes);
        if round == 0 {
            polled.extend(h.poll_once(&mut task, "an idle poll").await?);
        }
    }
    h.check_forward(&polled, "records polled by one task")?;
    h.check_once_in_order(&polled, &appended, "records polled by one task")?;
    h.stop_task(task, "stopping the task").await?;
    h.finish().await
}

/// **A restart from committed offsets loses nothing**: commit the offset of a record in the
/// middle of what a task polled, restart, and the new task must return the record right after it
/// first, then the rest and every newer change; then commit the last record, restart again, and
/// only newer changes may come.
pub async fn check_restart_loses_nothing(
    subject: &dyn ContractSubject,
) -> Result<(), ContractViolation> {
    let mut h = Harness::start(subject).await?;
    let store = Arc::new(MemoryOffsetStore::new());
    let mut first = h
        .start_task(store.clone(), "starting the first task")
        .await?;
    let appended = subject.append(6).await;
    let what = "the first task";
    let polled_first = h
        .poll_until(&mut first, &appended, what, Rule::EveryChangeIsPolled)
        .await?;
    h.check_once_in_order(&polled_first, &appended, what)?;

    // Commit up to a change in the middle, as the worker would once the broker acknowledged it.
    let middle = &appended[appended.len() / 2 - 1];
    let cut = polled_first
        .iter()
        .rposition(|p| &p.identity == middle)
        .ok_or_else(|| h.setup(format!("change {middle} vanished from the polled records")))?;
    let (committed, rest) = polled_first.split_at(cut + 1);
    let offsets = h.commit(&store, committed).await?;
    h.stop_task(first, "stopping the first task").await?;

    let mut second = h
        .start_task(store.clone(), "restarting from a mid-stream offset")
        .await?;
    let fresh = subject.append(3).await;
    let what = format!(
        "after a restart from the offset of {middle} (committed in the middle of {} polled records)",
        polled_first.len()
    );
    let polled_second = h
        .check_resumed(&mut second, committed, &offsets, rest, &fresh, &what)
        .await?;

    let everything: Vec<Polled> = polled_first.iter().chain(&polled_second).cloned().collect();
    let offsets = h.commit(&store, &everything).await?;
    h.stop_task(second, "stopping the restarted task").await?;
    let mut third = h
        .start_task(store, "restarting from the last polled offset")
        .await?;
    let fresh = subject.append(2).await;
    let what = "after a restart from the offset of the last record polled";
    h.check_resumed(&mut third, &everything, &offsets, &[], &fresh, what)
        .await?;
    h.stop_task(third, "stopping the twice restarted task")
        .await?;
    h.finish().await
}

/// **Stop is prompt**: a caught-up task waiting in `poll` is cancelled (its poll future dropped,
/// as the worker does on stop) and stopped; both together must take at most [`STOP_LIMIT`].
pub async fn check_stop_is_prompt(subject: &dyn ContractSubject) -> Result<(), ContractViolation> {
    let mut h = Harness::start(subject).await?;
    let store = Arc::new(MemoryOffsetStore::new());
    let mut task = h.start_task(store, "starting the task").await?;
    let appended = subject.append(2).await;
    h.poll_until(
        &mut task,
        &appended,
        "catching up before waiting for data",
        Rule::EveryChangeIsPolled,
    )
    .await?;

    let cancel_at = Instant::now() + WAIT_BEFORE_CANCEL;
    let mut dropped_a_poll = false;
    loop {
        match timeout_at(cancel_at, task.poll()).await {
            Err(_) => {
                dropped_a_poll = true;
                break;
            }
            Ok(Err(e)) => {
                return Err(h.setup(format!("a poll with no new data failed: {}", e.chain())))
            }
            Ok(Ok(_)) if Instant::now() < cancel_at => {}
            Ok(Ok(_)) => break,
        }
    }
    let cancel_late = Instant::now().saturating_duration_since(cancel_at);
    let stop_started = Instant::now();
    let stopped = timeout(STOP_LIMIT, task.stop()).await;
    let stop_took = stop_started.elapsed();
    drop(task);
    match stopped {
        Err(_) => {
            return Err(h.violation(
                Rule::StopIsPrompt,
                format!("stop did not return within {STOP_LIMIT:?} of a poll waiting for data being cancelled"),
            ))
        }
        Ok(Err(e)) => return Err(h.setup(format!("stop failed: {}", e.chain()))),
        Ok(Ok(())) => {}
    }
    if cancel_late + stop_took > STOP_LIMIT {
        let poll = if dropped_a_poll {
            "the poll waiting for data was dropped"
        } else {
            "the poll waiting for data only returned"
        };
        return Err(h.violation(
            Rule::StopIsPrompt,
            format!(
                "{poll} {cancel_late:?} after it was cancelled (it did not yield to cancellation) \
                 and stop took {stop_took:?}; together they must take at most {STOP_LIMIT:?}"
            ),
        ));
    }
    h.finish().await
}

/// **Pause stops polling**, in the real worker loop producing to the test broker: once the worker
/// reports PAUSED the task is not polled for [`PAUSE_WINDOW`] although changes wait; after
/// resuming they are polled and their offsets committed; once cancelled the loop finishes within
/// [`STOP_LIMIT`] and stops the task; the offsets it committed only moved forward.
pub async fn check_pause_stops_polling(
    subject: &dyn ContractSubject,
) -> Result<(), ContractViolation> {
    check_pause_stops_polling_with(subject, SourceTaskRunner::spawn).await
}

/// [`check_pause_stops_polling`] with the worker loop started by `spawn`.
pub async fn check_pause_stops_polling_with(
    subject: &dyn ContractSubject,
    spawn: SpawnRunner,
) -> Result<(), ContractViolation> {
    let mut h = Harness::start(subject).await?;
    let mut worker = h.spawn_worker(spawn).await?;
    h.wait_event(
        &mut worker,
        TaskEventKind::Running,
        Rule::Setup,
        "starting the worker loop",
    )
    .await?;
    let before = subject.append(3).await;
    h.wait_delivered(
        &mut worker,
        &before,
        Rule::EveryChangeIsPolled,
        "while running",
    )
    .await?;

    worker.target.send_replace(TaskTarget::Paused);
    h.wait_event(
        &mut worker,
        TaskEventKind::Paused,
        Rule::PauseStopsPolling,
        "after the target became PAUSED",
    )
    .await?;
    let polls_at_pause = worker.probe.polls();
    let waiting = subject.append(3).await;
    sleep(PAUSE_WINDOW).await;
    let polls_while_paused = worker.probe.polls() - polls_at_pause;
    if polls_while_paused > 0 {
        return Err(h.violation(
            Rule::PauseStopsPolling,
            format!(
                "the task was polled {polls_while_paused} time(s) in the {PAUSE_WINDOW:?} after \
                 the worker reported PAUSED, with {} new changes waiting",
                waiting.len()
            ),
        ));
    }

    worker.target.send_replace(TaskTarget::Running);
    h.wait_event(
        &mut worker,
        TaskEventKind::Running,
        Rule::PauseStopsPolling,
        "after the target became STARTED again",
    )
    .await?;
    h.wait_delivered(
        &mut worker,
        &waiting,
        Rule::PauseStopsPolling,
        "after resuming (polling and delivery must continue)",
    )
    .await?;

    worker.cancel.cancel();
    match timeout(STOP_LIMIT, &mut worker.join).await {
        Err(_) => {
            return Err(h.violation(
                Rule::StopIsPrompt,
                format!("the worker loop did not finish within {STOP_LIMIT:?} of being cancelled"),
            ))
        }
        Ok(Err(e)) => return Err(h.setup(format!("the worker loop panicked: {e}"))),
        Ok(Ok(())) => {}
    }
    match worker.last_event() {
        Some(TaskEventKind::Stopped) => {}
        Some(TaskEventKind::Failed(trace)) => {
            return Err(h.setup(format!("the task failed while stopping: {trace}")))
        }
        other => {
            return Err(h.setup(format!(
                "the worker loop finished without reporting STOPPED (last event: {other:?})"
            )))
        }
    }
    if !worker.probe.stopped.load(AtomicOrdering::SeqCst) {
        return Err(h.violation(
            Rule::StopIsPrompt,
            "the worker loop finished without calling the task's stop",
        ));
    }
    let commits = worker.store.history();
    h.check_forward(&commits, "offsets the worker committed")?;
    h.finish().await
}

/// One polled record as the checks see it.
#[derive(Clone, Debug)]
struct Polled {
    identity: String,
    partition: Arc<OffsetMap>,
    offset: OffsetMap,
}

impl Polled {
    fn of(subject: &dyn ContractSubject, record: &SourceRecord) -> Self {
        Self {
            identity: subject.identity(record),
            partition: Arc::clone(&record.source_partition),
            offset: record.source_offset.to_map().into_owned(),
        }
    }
}

/// Compact JSON of a partition or offset, for messages.
fn json(map: &OffsetMap) -> String {
    serde_json::to_string(map).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

/// The last offset of each source partition in `records`, in first-seen order: what the worker
/// commits once every one of them is acknowledged.
fn last_offsets(records: &[Polled]) -> Vec<(Arc<OffsetMap>, OffsetMap)> {
    let mut last: Vec<(Arc<OffsetMap>, OffsetMap)> = Vec::new();
    for record in records {
        match last.iter_mut().find(|(p, _)| *p == record.partition) {
            Some(slot) => slot.1 = record.offset.clone(),
            None => last.push((Arc::clone(&record.partition), record.offset.clone())),
        }
    }
    last
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One connector of the subject, started, with its single task configuration.
struct Harness<'a> {
    subject: &'a dyn ContractSubject,
    class: &'static str,
    name: String,
    connector: Box<dyn SourceConnector>,
    context: Arc<RecordingConnectorContext>,
    task_config: ConfigMap,
}

impl<'a> Harness<'a> {
    async fn start(subject: &'a dyn ContractSubject) -> Result<Self, ContractViolation> {
        let desc = subject.plugin();
        let class = desc.class;
        let setup = |message: String| ContractViolation::new(Rule::Setup, class, message);
        let PluginFactory::Source(create) = desc.factory else {
            return Err(setup(format!(
                "{class} is a {} plugin, not a source connector",
                desc.kind().name()
            )));
        };
        let mut config = subject.connector_config();
        let name = config
            .entry("name".to_string())
            .or_insert_with(|| super::unique_name("contract"))
            .clone();
        let mut connector = create();
        let context = Arc::new(RecordingConnectorContext::default());
        let patience = subject.patience();
        match timeout(patience, connector.start(&config, context.clone())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(setup(format!("connector start failed: {}", e.chain()))),
            Err(_) => return Err(setup(format!("connector start took over {patience:?}"))),
        }
        let mut configs = match timeout(patience, connector.task_configs(1)).await {
            Ok(Ok(configs)) => configs,
            Ok(Err(e)) => return Err(setup(format!("task_configs(1) failed: {}", e.chain()))),
            Err(_) => return Err(setup(format!("task_configs(1) took over {patience:?}"))),
        };
        if configs.len() != 1 {
            return Err(setup(format!(
                "task_configs(1) returned {} task configurations; the contract drives exactly one",
                configs.len()
            )));
        }
        let task_config = configs.remove(0);
        Ok(Self {
            subject,
            class,
            name,
            connector,
            context,
            task_config,
        })
    }

    fn violation(&self, rule: Rule, message: impl Into<String>) -> ContractViolation {
        ContractViolation::new(rule, self.class, message)
    }

    fn setup(&self, message: impl Into<String>) -> ContractViolation {
        self.violation(Rule::Setup, message)
    }

    fn task_context(&self, store: Arc<dyn OffsetStore>) -> SourceTaskContext {
        SourceTaskContext {
            connector: self.name.clone(),
            task: 0,
            offsets: Arc::new(ConnectorOffsetReader::new(store, self.name.clone())),
        }
    }

    /// A new task of the connector, started with offsets read from `store`.
    async fn start_task(
        &self,
        store: Arc<dyn OffsetStore>,
        what: &str,
    ) -> Result<Box<dyn SourceTask>, ContractViolation> {
        let mut task = self.connector.create_task();
        let patience = self.subject.patience();
        let context = self.task_context(store);
        match timeout(patience, task.start(&self.task_config, context)).await {
            Ok(Ok(())) => Ok(task),
            Ok(Err(e)) => Err(self.setup(format!("{what}: task start failed: {}", e.chain()))),
            Err(_) => Err(self.setup(format!("{what}: task start took over {patience:?}"))),
        }
    }

    /// Stops and drops a task; a stop slower than [`STOP_LIMIT`] breaks "stop is prompt".
    async fn stop_task(
        &self,
        mut task: Box<dyn SourceTask>,
        what: &str,
    ) -> Result<(), ContractViolation> {
        match timeout(STOP_LIMIT, task.stop()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.setup(format!("{what}: stop failed: {}", e.chain()))),
            Err(_) => Err(self.violation(
                Rule::StopIsPrompt,
                format!("{what}: stop did not return within {STOP_LIMIT:?}"),
            )),
        }
    }

    /// One poll, bounded by the subject's patience.
    async fn poll_once(
        &self,
        task: &mut Box<dyn SourceTask>,
        what: &str,
    ) -> Result<Vec<Polled>, ContractViolation> {
        let patience = self.subject.patience();
        match timeout(patience, task.poll()).await {
            Ok(Ok(batch)) => Ok(batch.iter().map(|r| Polled::of(self.subject, r)).collect()),
            Ok(Err(e)) => Err(self.setup(format!("{what}: poll failed: {}", e.chain()))),
            Err(_) => Err(self.setup(format!("{what}: one poll took over {patience:?}"))),
        }
    }

    /// Polls until every identity in `want` was returned, or the subject's patience runs out
    /// (which breaks `rule`). Returns every record polled, in order.
    async fn poll_until(
        &self,
        task: &mut Box<dyn SourceTask>,
        want: &[String],
        what: &str,
        rule: Rule,
    ) -> Result<Vec<Polled>, ContractViolation> {
        let patience = self.subject.patience();
        let deadline = Instant::now() + patience;
        let mut missing: HashSet<&str> = want.iter().map(String::as_str).collect();
        let mut polled = Vec::new();
        while !missing.is_empty() {
            let batch = match timeout_at(deadline, task.poll()).await {
                Ok(Ok(batch)) => batch,
                Ok(Err(e)) => return Err(self.setup(format!("{what}: poll failed: {}", e.chain()))),
                Err(_) => {
                    let mut lost: Vec<&str> = want
                        .iter()
                        .map(String::as_str)
                        .filter(|id| missing.contains(id))
                        .collect();
                    lost.truncate(10);
                    let fate = match rule {
                        Rule::RestartLosesNothing => "were lost: they were not polled",
                        _ => "were not polled",
                    };
                    return Err(self.violation(
                        rule,
                        format!(
                            "{what}: {} of {} changes {fate} within {patience:?} ({} records \
                             polled); first missing: {lost:?}",
                            missing.len(),
                            want.len(),
                            polled.len()
                        ),
                    ));
                }
            };
            for record in &batch {
                let record = Polled::of(self.subject, record);
                missing.remove(record.identity.as_str());
                polled.push(record);
            }
        }
        Ok(polled)
    }

    /// Writes the last offset of each partition in `records` to `store`, as the worker does
    /// after the broker acknowledged them, and returns what it wrote.
    async fn commit(
        &self,
        store: &MemoryOffsetStore,
        records: &[Polled],
    ) -> Result<Vec<(Arc<OffsetMap>, OffsetMap)>, ContractViolation> {
        let offsets = last_offsets(records);
        let entries = offsets
            .iter()
            .map(|(p, o)| ((**p).clone(), Some(o.clone())))
            .collect();
        store
            .put(&self.name, entries)
            .await
            .map_err(|e| self.setup(format!("committing offsets failed: {e}")))?;
        Ok(offsets)
    }

    /// Fails when, within a source partition, an offset is before the previous one.
    fn check_forward(&self, records: &[Polled], what: &str) -> Result<(), ContractViolation> {
        let mut last: Vec<&Polled> = Vec::new();
        for record in records {
            let Some(prev) = last.iter_mut().find(|p| p.partition == record.partition) else {
                last.push(record);
                continue;
            };
            if self.subject.compare_offsets(&prev.offset, &record.offset) == Ordering::Greater {
                return Err(self.violation(
                    Rule::OffsetsMoveForward,
                    format!(
                        "{what}: in source partition {} the offset went back from {} ({}) to {} \
                         ({})",
                        json(&record.partition),
                        json(&prev.offset),
                        prev.identity,
                        json(&record.offset),
                        record.identity
                    ),
                ));
            }
            *prev = record;
        }
        Ok(())
    }

    /// Fails when a change in `appended` was polled twice, or after a later change of the same
    /// source partition.
    fn check_once_in_order(
        &self,
        polled: &[Polled],
        appended: &[String],
        what: &str,
    ) -> Result<(), ContractViolation> {
        let rank: HashMap<&str, usize> = appended
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut seen = HashSet::new();
        let mut latest: Vec<(&Polled, usize)> = Vec::new();
        for record in polled {
            let Some(&r) = rank.get(record.identity.as_str()) else {
                continue;
            };
            if !seen.insert(r) {
                return Err(self.violation(
                    Rule::EveryChangeIsPolled,
                    format!("{what}: change {} was polled twice", record.identity),
                ));
            }
            match latest
                .iter_mut()
                .find(|(p, _)| p.partition == record.partition)
            {
                Some((prev, prev_rank)) if *prev_rank > r => {
                    return Err(self.violation(
                        Rule::EveryChangeIsPolled,
                        format!(
                            "{what}: in source partition {} change {} was polled after {}, \
                             although it was made first",
                            json(&record.partition),
                            record.identity,
                            prev.identity
                        ),
                    ))
                }
                Some(slot) => *slot = (record, r),
                None => latest.push((record, r)),
            }
        }
        Ok(())
    }

    /// Polls a task restarted from `offsets` (committed for `committed`) until it returned
    /// `rest` (what the previous task polled past the committed offsets) and `fresh` (changes
    /// made since), and checks it resumed exactly there, in order and with offsets moving on.
    async fn check_resumed(
        &self,
        task: &mut Box<dyn SourceTask>,
        committed: &[Polled],
        offsets: &[(Arc<OffsetMap>, OffsetMap)],
        rest: &[Polled],
        fresh: &[String],
        what: &str,
    ) -> Result<Vec<Polled>, ContractViolation> {
        let want: Vec<String> = rest
            .iter()
            .map(|p| p.identity.clone())
            .chain(fresh.iter().cloned())
            .collect();
        let polled = self
            .poll_until(task, &want, what, Rule::RestartLosesNothing)
            .await?;
        let wanted: HashSet<&str> = want.iter().map(String::as_str).collect();
        let old: HashSet<&str> = committed
            .iter()
            .map(|p| p.identity.as_str())
            .filter(|id| !wanted.contains(id))
            .collect();

        let partitions = last_offsets(&polled);
        for (partition, _) in &partitions {
            let in_partition = |p: &&Polled| p.partition == *partition;
            let fresh_here: Vec<&str> = fresh
                .iter()
                .map(String::as_str)
                .filter(|id| {
                    polled
                        .iter()
                        .any(|p| p.identity == *id && p.partition == *partition)
                })
                .collect();
            let expected: Vec<&str> = rest
                .iter()
                .filter(in_partition)
                .map(|p| p.identity.as_str())
                .chain(fresh_here)
                .collect();
            let actual: Vec<&str> = polled
                .iter()
                .filter(in_partition)
                .map(|p| p.identity.as_str())
                .filter(|id| wanted.contains(id) || old.contains(id))
                .collect();
            let Some(i) =
                (0..actual.len().max(expected.len())).find(|&i| actual.get(i) != expected.get(i))
            else {
                continue;
            };
            let committed_offset = offsets
                .iter()
                .find(|(p, _)| p == partition)
                .map_or_else(|| "none".to_string(), |(_, o)| json(o));
            let got = actual.get(i).copied().unwrap_or("nothing more");
            let expected_here = expected.get(i).copied().unwrap_or("nothing more");
            let why = if old.contains(got) {
                "a record at or before the committed offset came back"
            } else {
                "records were skipped or reordered"
            };
            let position = if i == 0 {
                "as its first record".to_string()
            } else {
                format!("as record #{} of that partition", i + 1)
            };
            return Err(self.violation(
                Rule::RestartLosesNothing,
                format!(
                    "{what}: in source partition {} (committed offset {committed_offset}) the \
                     restarted task returned {got} {position} where {expected_here} was expected: \
                     {why}",
                    json(partition)
                ),
            ));
        }

        let mut from_commit: Vec<Polled> = offsets
            .iter()
            .map(|(partition, offset)| Polled {
                identity: "the committed offset".to_string(),
                partition: Arc::clone(partition),
                offset: offset.clone(),
            })
            .collect();
        from_commit.extend(polled.iter().cloned());
        self.check_forward(&from_commit, what)?;
        Ok(polled)
    }

    /// Starts the task inside a worker loop producing to the test broker.
    async fn spawn_worker(&self, spawn: SpawnRunner) -> Result<Worker, ContractViolation> {
        let broker = self.connect_broker().await?;
        let registry = strait::registry();
        let chain = TransformationChain::from_config(&ConfigMap::new(), &registry)
            .map_err(|e| self.setup(format!("empty transformation chain: {}", e.chain())))?;
        let store = Arc::new(RecordingOffsetStore::default());
        let probe = Arc::new(Probe::default());
        let task = ProbedTask {
            inner: self.connector.create_task(),
            probe: Arc::clone(&probe),
        };
        let (target, target_rx) = watch::channel(TaskTarget::Running);
        let (events_tx, events) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let runner = SourceTaskRunner {
            id: TaskId {
                connector: self.name.clone(),
                task: 0,
            },
            instance: 1,
            task: Box::new(task),
            task_config: self.task_config.clone(),
            context: self.task_context(store.clone()),
            chain,
            converters: RecordConverters {
                key: Box::new(JsonConverter::default()),
                value: Box::new(JsonConverter::default()),
                header: Box::new(SimpleHeaderConverter),
            },
            producer: TaskProducer::new(
                Arc::new(broker),
                TopicCreation::default(),
                true,
                CompressionType::None,
            ),
            offsets: store.clone(),
            policy: ErrorPolicy::default(),
            flush_interval: FLUSH_INTERVAL,
            flush_timeout: self.subject.patience(),
            graceful_timeout: STOP_LIMIT,
            target: target_rx,
            cancel: cancel.clone(),
            events: events_tx,
        };
        let join = spawn(runner);
        Ok(Worker {
            join,
            events,
            last_event: None,
            target,
            _cancel_on_drop: cancel.clone().drop_guard(),
            cancel,
            probe,
            store,
        })
    }

    async fn connect_broker(&self) -> Result<KafkaBroker, ContractViolation> {
        let bootstrap = super::kafka_bootstrap();
        let connected = timeout(
            super::TEST_TIMEOUT,
            KafkaBroker::connect(std::slice::from_ref(&bootstrap)),
        )
        .await;
        match connected {
            Ok(Ok(broker)) => Ok(broker),
            Ok(Err(e)) => Err(self.setup(super::service_missing("Kafka (tansu)", &bootstrap, e))),
            Err(_) => Err(self.setup(super::service_missing(
                "Kafka (tansu)",
                &bootstrap,
                format!("no answer within {:?}", super::TEST_TIMEOUT),
            ))),
        }
    }

    /// Waits for the worker to report `want`; not seeing it in time breaks `rule`.
    async fn wait_event(
        &self,
        worker: &mut Worker,
        want: TaskEventKind,
        rule: Rule,
        what: &str,
    ) -> Result<(), ContractViolation> {
        let patience = self.subject.patience();
        let deadline = Instant::now() + patience;
        loop {
            match timeout_at(deadline, worker.events.recv()).await {
                Ok(Some(event)) => {
                    worker.last_event = Some(event.kind.clone());
                    match event.kind {
                        kind if kind == want => return Ok(()),
                        TaskEventKind::Failed(trace) => {
                            return Err(self.setup(format!("{what}: the task failed: {trace}")))
                        }
                        _ => {}
                    }
                }
                Ok(None) => {
                    return Err(self.setup(format!(
                        "{what}: the worker loop ended before reporting {want:?}"
                    )))
                }
                Err(_) => {
                    return Err(self.violation(
                        rule,
                        format!("{what}: the worker did not report {want:?} within {patience:?}"),
                    ))
                }
            }
        }
    }

    /// Waits until every change in `ids` was polled and, in each source partition, the
    /// committed offset reached the last of them; not in time breaks `rule`.
    async fn wait_delivered(
        &self,
        worker: &mut Worker,
        ids: &[String],
        rule: Rule,
        what: &str,
    ) -> Result<(), ContractViolation> {
        let patience = self.subject.patience();
        let deadline = Instant::now() + patience;
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        loop {
            if let Some(trace) = worker.failure() {
                return Err(self.setup(format!("{what}: the task failed: {trace}")));
            }
            let polled: Vec<Polled> = worker
                .probe
                .polled()
                .iter()
                .map(|r| Polled::of(self.subject, r))
                .collect();
            let ours: Vec<Polled> = polled
                .into_iter()
                .filter(|p| wanted.contains(p.identity.as_str()))
                .collect();
            let seen: HashSet<&str> = ours.iter().map(|p| p.identity.as_str()).collect();
            let mut lagging = None;
            for (partition, target) in last_offsets(&ours) {
                let committed = worker
                    .store
                    .get(&self.name, &partition)
                    .await
                    .map_err(|e| self.setup(format!("{what}: reading offsets failed: {e}")))?;
                let reached = committed
                    .as_ref()
                    .is_some_and(|c| self.subject.compare_offsets(c, &target) != Ordering::Less);
                if !reached {
                    lagging = Some((partition, target, committed));
                    break;
                }
            }
            if seen.len() == wanted.len() && lagging.is_none() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let state = match lagging {
                    Some((partition, target, committed)) => format!(
                        "in source partition {} the committed offset is {} and has not reached \
                         {}",
                        json(&partition),
                        committed.as_ref().map_or_else(|| "none".to_string(), json),
                        json(&target)
                    ),
                    None => "all polled changes are committed".to_string(),
                };
                return Err(self.violation(
                    rule,
                    format!(
                        "{what}: within {patience:?} {} of {} changes were polled; {state}",
                        seen.len(),
                        wanted.len()
                    ),
                ));
            }
            sleep(COMMIT_POLL).await;
        }
    }

    /// Stops the connector; an error the connector raised through its context is a setup
    /// failure.
    async fn finish(&mut self) -> Result<(), ContractViolation> {
        let patience = self.subject.patience();
        match timeout(patience, self.connector.stop()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(self.setup(format!("connector stop failed: {}", e.chain()))),
            Err(_) => return Err(self.setup(format!("connector stop took over {patience:?}"))),
        }
        match lock(&self.context.errors).first() {
            Some(raised) => Err(self.setup(format!("the connector raised an error: {raised}"))),
            None => Ok(()),
        }
    }
}

/// The connector's context: records errors the connector raises.
#[derive(Default)]
struct RecordingConnectorContext {
    errors: Mutex<Vec<String>>,
}

impl ConnectorContext for RecordingConnectorContext {
    fn request_task_reconfiguration(&self) {}

    fn raise_error(&self, error: ConnectError) {
        lock(&self.errors).push(error.chain());
    }
}

/// A worker loop running the probed task, and the handles to drive and watch it.
struct Worker {
    join: JoinHandle<()>,
    events: mpsc::UnboundedReceiver<TaskEvent>,
    last_event: Option<TaskEventKind>,
    target: watch::Sender<TaskTarget>,
    cancel: CancellationToken,
    /// Cancels the loop when a check returns early.
    _cancel_on_drop: DropGuard,
    probe: Arc<Probe>,
    store: Arc<RecordingOffsetStore>,
}

impl Worker {
    /// Takes the events reported so far; the trace of a failure among them.
    fn failure(&mut self) -> Option<String> {
        let mut failed = None;
        while let Ok(event) = self.events.try_recv() {
            if let TaskEventKind::Failed(trace) = &event.kind {
                failed = Some(trace.clone());
            }
            self.last_event = Some(event.kind);
        }
        failed
    }

    /// The last event reported, after taking every pending one.
    fn last_event(&mut self) -> Option<TaskEventKind> {
        let _ = self.failure();
        self.last_event.clone()
    }
}

/// What the pause check observes of the task inside the worker loop.
#[derive(Default)]
struct Probe {
    polls: AtomicUsize,
    polled: Mutex<Vec<SourceRecord>>,
    stopped: AtomicBool,
}

impl Probe {
    fn polls(&self) -> usize {
        self.polls.load(AtomicOrdering::SeqCst)
    }

    fn polled(&self) -> Vec<SourceRecord> {
        lock(&self.polled).clone()
    }
}

/// The task under test, counting `poll` calls and keeping what they returned.
struct ProbedTask {
    inner: Box<dyn SourceTask>,
    probe: Arc<Probe>,
}

#[async_trait]
impl SourceTask for ProbedTask {
    async fn start(
        &mut self,
        config: &ConfigMap,
        context: SourceTaskContext,
    ) -> strait_api::Result<()> {
        self.inner.start(config, context).await
    }

    async fn poll(&mut self) -> strait_api::Result<Vec<SourceRecord>> {
        self.probe.polls.fetch_add(1, AtomicOrdering::SeqCst);
        let records = self.inner.poll().await?;
        lock(&self.probe.polled).extend(records.iter().cloned());
        Ok(records)
    }

    async fn commit(&mut self) -> strait_api::Result<()> {
        self.inner.commit().await
    }

    fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> strait_api::Result<()> {
        self.inner.commit_record(record, metadata)
    }

    async fn stop(&mut self) -> strait_api::Result<()> {
        self.probe.stopped.store(true, AtomicOrdering::SeqCst);
        self.inner.stop().await
    }
}

/// A memory offset store that keeps every offset written, in order.
#[derive(Debug, Default)]
struct RecordingOffsetStore {
    inner: MemoryOffsetStore,
    history: Mutex<Vec<(OffsetMap, OffsetMap)>>,
}

impl RecordingOffsetStore {
    /// Every committed offset as a record named after its commit, for [`Harness::check_forward`].
    fn history(&self) -> Vec<Polled> {
        lock(&self.history)
            .iter()
            .enumerate()
            .map(|(i, (partition, offset))| Polled {
                identity: format!("commit #{}", i + 1),
                partition: Arc::new(partition.clone()),
                offset: offset.clone(),
            })
            .collect()
    }
}

#[async_trait]
impl OffsetStore for RecordingOffsetStore {
    async fn get(
        &self,
        connector: &str,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, StorageError> {
        self.inner.get(connector, partition).await
    }

    async fn put(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> Result<(), StorageError> {
        self.inner.put(connector, offsets.clone()).await?;
        lock(&self.history).extend(
            offsets
                .into_iter()
                .filter_map(|(partition, offset)| offset.map(|o| (partition, o))),
        );
        Ok(())
    }

    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<(OffsetMap, OffsetMap)>, StorageError> {
        self.inner.connector_partitions(connector).await
    }
}
