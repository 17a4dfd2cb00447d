mod common;

// FileStreamSource against the source-connector contract (`common::contract`), and the proof that
// each check of the contract can fail: the same checks run against deliberately broken wrappers
// of the file connector (and deliberately broken worker loops) and must name the broken rule.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value as Json;
use strait_api::{
    ConfigDef, ConfigMap, ConnectorContext, OffsetMap, OffsetStorageReader, PluginDesc,
    PluginFactory, RecordMetadata, SourceConnector, SourceRecord, SourceTask, SourceTaskContext,
};
use strait_connectors::file::task::POSITION_FIELD;
use strait_connectors::file::FileStreamSourceConnector;
use strait_runtime::worker::source_task::{SourceTaskRunner, TaskEvent, TaskEventKind, TaskTarget};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use common::contract::{
    assert_source_contract, check_offsets_move_forward, check_pause_stops_polling,
    check_pause_stops_polling_with, check_restart_loses_nothing, check_stop_is_prompt,
    ContractSubject, ContractViolation, Rule,
};

/// A file the subject appends lines to, in a directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(common::unique_name("strait-contract"));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// FileStreamSource as a contract subject: a change is a line appended to a fresh file, its
/// identity is the line, and offsets are ordered by `position`.
struct FileSubject {
    _dir: TempDir,
    file: PathBuf,
    topic: String,
    /// Makes each line unique to this subject.
    prefix: String,
    next_line: AtomicUsize,
    /// `None`: the real connector; otherwise a wrapper breaking one rule.
    fault: Option<Fault>,
}

impl FileSubject {
    fn new(fault: Option<Fault>) -> Self {
        let dir = TempDir::new();
        let file = dir.0.join("source.txt");
        Self {
            _dir: dir,
            file,
            topic: common::unique_name("contract_file"),
            prefix: common::unique_name("line"),
            next_line: AtomicUsize::new(0),
            fault,
        }
    }
}

#[async_trait]
impl ContractSubject for FileSubject {
    fn plugin(&self) -> PluginDesc {
        match self.fault {
            None => strait_connectors::file::plugin(),
            Some(fault) => broken_plugin(fault),
        }
    }

    fn connector_config(&self) -> ConfigMap {
        [
            (
                "connector.class",
                strait_connectors::file::CLASS.to_string(),
            ),
            ("tasks.max", "1".to_string()),
            ("file", self.file.to_string_lossy().into_owned()),
            ("topic", self.topic.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    async fn append(&self, n: usize) -> Vec<String> {
        let first = self.next_line.fetch_add(n, AtomicOrdering::SeqCst);
        let lines: Vec<String> = (first..first + n)
            .map(|i| format!("{}-{i}", self.prefix))
            .collect();
        let mut text = lines.join("\n");
        text.push('\n');
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .await
            .expect("open the source file for appending");
        file.write_all(text.as_bytes())
            .await
            .expect("append lines to the source file");
        file.flush().await.expect("flush the source file");
        lines
    }

    fn identity(&self, record: &SourceRecord) -> String {
        match record.value.as_str() {
            Some(line) => line.to_string(),
            None => format!("<not a line: {:?}>", record.value),
        }
    }

    fn compare_offsets(&self, a: &OffsetMap, b: &OffsetMap) -> Ordering {
        let position = |o: &OffsetMap| o.get(POSITION_FIELD).and_then(Json::as_i64);
        position(a).cmp(&position(b))
    }

    fn patience(&self) -> Duration {
        // Broken subjects lose lines on purpose: do not wait long for them.
        match self.fault {
            None => Duration::from_secs(30),
            Some(_) => Duration::from_secs(5),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_stream_source_keeps_the_source_contract() {
    assert_source_contract(&FileSubject::new(None)).await;
}

// ---------------------------------------------------------------------------------------------
// The contract can fail: broken tasks and workers, each breaking one rule.

/// One way a wrapped file task breaks the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Reports each offset as a countdown from a large number, so offsets move backward.
    OffsetsBackward,
    /// Drops the second record of every batch of two or more.
    DropsRecords,
    /// Starts at the end of the file whatever was committed: changes made while it was down are
    /// lost.
    StartsAtEnd,
    /// Starts at the beginning of the file whatever was committed: committed lines come back.
    IgnoresCommitted,
    /// Blocks its thread for 3 s after a poll found nothing, so that poll cannot be cancelled.
    BlockingIdlePoll,
    /// Takes 5 s to stop.
    SlowStop,
}

/// `OffsetsBackward` reports `COUNTDOWN - position`.
const COUNTDOWN: i64 = 1 << 40;

/// The file connector, creating tasks that break the contract in one way.
struct BrokenConnector {
    inner: FileStreamSourceConnector,
    fault: Fault,
}

impl BrokenConnector {
    fn boxed(fault: Fault) -> Box<dyn SourceConnector> {
        Box::new(Self {
            inner: FileStreamSourceConnector::default(),
            fault,
        })
    }
}

fn broken_plugin(fault: Fault) -> PluginDesc {
    let factory: fn() -> Box<dyn SourceConnector> = match fault {
        Fault::OffsetsBackward => || BrokenConnector::boxed(Fault::OffsetsBackward),
        Fault::DropsRecords => || BrokenConnector::boxed(Fault::DropsRecords),
        Fault::StartsAtEnd => || BrokenConnector::boxed(Fault::StartsAtEnd),
        Fault::IgnoresCommitted => || BrokenConnector::boxed(Fault::IgnoresCommitted),
        Fault::BlockingIdlePoll => || BrokenConnector::boxed(Fault::BlockingIdlePoll),
        Fault::SlowStop => || BrokenConnector::boxed(Fault::SlowStop),
    };
    PluginDesc {
        class: "test.BrokenFileStreamSourceConnector",
        aliases: &[],
        version: "0",
        factory: PluginFactory::Source(factory),
    }
}

#[async_trait]
impl SourceConnector for BrokenConnector {
    fn config_def(&self) -> ConfigDef {
        self.inner.config_def()
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        context: Arc<dyn ConnectorContext>,
    ) -> strait_api::Result<()> {
        self.inner.start(config, context).await
    }

    async fn task_configs(&mut self, max_tasks: usize) -> strait_api::Result<Vec<ConfigMap>> {
        self.inner.task_configs(max_tasks).await
    }

    async fn stop(&mut self) -> strait_api::Result<()> {
        self.inner.stop().await
    }

    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(BrokenTask {
            inner: self.inner.create_task(),
            fault: self.fault,
        })
    }
}

/// Offsets that ignore what was committed.
struct FixedOffset(Option<OffsetMap>);

#[async_trait]
impl OffsetStorageReader for FixedOffset {
    async fn offset(&self, _partition: &OffsetMap) -> strait_api::Result<Option<OffsetMap>> {
        Ok(self.0.clone())
    }
}

struct BrokenTask {
    inner: Box<dyn SourceTask>,
    fault: Fault,
}

#[async_trait]
impl SourceTask for BrokenTask {
    async fn start(
        &mut self,
        config: &ConfigMap,
        mut context: SourceTaskContext,
    ) -> strait_api::Result<()> {
        match self.fault {
            Fault::StartsAtEnd => {
                let end = config
                    .get("file")
                    .and_then(|f| std::fs::metadata(f).ok())
                    .map_or(0, |m| m.len());
                let mut offset = OffsetMap::new();
                offset.insert(POSITION_FIELD.to_string(), Json::from(end));
                context.offsets = Arc::new(FixedOffset(Some(offset)));
            }
            Fault::IgnoresCommitted => context.offsets = Arc::new(FixedOffset(None)),
            _ => {}
        }
        self.inner.start(config, context).await
    }

    async fn poll(&mut self) -> strait_api::Result<Vec<SourceRecord>> {
        let mut records = self.inner.poll().await?;
        match self.fault {
            Fault::OffsetsBackward => {
                for record in &mut records {
                    let mut offset = std::mem::take(&mut record.source_offset).into_map();
                    let position = offset[POSITION_FIELD]
                        .as_i64()
                        .expect("file positions are integers");
                    offset.insert(POSITION_FIELD.to_string(), Json::from(COUNTDOWN - position));
                    record.source_offset = offset.into();
                }
            }
            Fault::DropsRecords if records.len() >= 2 => {
                records.remove(1);
            }
            Fault::BlockingIdlePoll if records.is_empty() => {
                std::thread::sleep(Duration::from_secs(3));
            }
            _ => {}
        }
        Ok(records)
    }

    fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> strait_api::Result<()> {
        self.inner.commit_record(record, metadata)
    }

    async fn stop(&mut self) -> strait_api::Result<()> {
        if self.fault == Fault::SlowStop {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        self.inner.stop().await
    }
}

/// Asserts that a check failed on `rule`, and that its message says so.
fn assert_broke(result: Result<(), ContractViolation>, rule: Rule, says: &str) {
    let violation = match result {
        Err(v) => v,
        Ok(()) => panic!("the contract should report \"{rule}\" broken, but the check passed"),
    };
    assert_eq!(violation.rule, rule, "wrong rule reported: {violation}");
    let message = violation.to_string();
    assert!(
        message.contains(&format!("\"{}\"", rule.name())),
        "the message must name the rule: {message}"
    );
    assert!(message.contains(says), "expected {says:?} in: {message}");
    eprintln!("reported as expected: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_offsets_moving_backward_in_polls() {
    let subject = FileSubject::new(Some(Fault::OffsetsBackward));
    assert_broke(
        check_offsets_move_forward(&subject).await,
        Rule::OffsetsMoveForward,
        "the offset went back",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_offsets_moving_backward_in_worker_commits() {
    let subject = FileSubject::new(Some(Fault::OffsetsBackward));
    assert_broke(
        check_pause_stops_polling(&subject).await,
        Rule::OffsetsMoveForward,
        "offsets the worker committed",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_changes_that_are_never_polled() {
    let subject = FileSubject::new(Some(Fault::DropsRecords));
    assert_broke(
        check_offsets_move_forward(&subject).await,
        Rule::EveryChangeIsPolled,
        "were not polled",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_restart_that_skips_changes() {
    let subject = FileSubject::new(Some(Fault::StartsAtEnd));
    assert_broke(
        check_restart_loses_nothing(&subject).await,
        Rule::RestartLosesNothing,
        "were lost",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_restart_that_replays_committed_changes() {
    let subject = FileSubject::new(Some(Fault::IgnoresCommitted));
    assert_broke(
        check_restart_loses_nothing(&subject).await,
        Rule::RestartLosesNothing,
        "at or before the committed offset came back",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_poll_that_does_not_yield_to_cancellation() {
    let subject = FileSubject::new(Some(Fault::BlockingIdlePoll));
    assert_broke(
        check_stop_is_prompt(&subject).await,
        Rule::StopIsPrompt,
        "did not yield to cancellation",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_slow_stop() {
    let subject = FileSubject::new(Some(Fault::SlowStop));
    assert_broke(
        check_stop_is_prompt(&subject).await,
        Rule::StopIsPrompt,
        "stop did not return within",
    );
}

/// A broken worker: it reports PAUSED and RUNNING when the target changes but never tells the
/// loop, which keeps polling.
fn worker_ignoring_pause(mut runner: SourceTaskRunner) -> JoinHandle<()> {
    let (stuck, stuck_rx) = watch::channel(TaskTarget::Running);
    let mut target = std::mem::replace(&mut runner.target, stuck_rx);
    let events = runner.events.clone();
    let (id, instance) = (runner.id.clone(), runner.instance);
    tokio::spawn(async move {
        let _keep_the_loop_target_open = stuck;
        while target.changed().await.is_ok() {
            let kind = match *target.borrow_and_update() {
                TaskTarget::Paused => TaskEventKind::Paused,
                TaskTarget::Running => TaskEventKind::Running,
            };
            let event = TaskEvent {
                id: id.clone(),
                instance,
                kind,
            };
            if events.send(event).is_err() {
                break;
            }
        }
    });
    runner.spawn()
}

/// A broken worker: its loop stops on cancel, but the handle completes only 5 s later.
fn worker_lingering_after_cancel(runner: SourceTaskRunner) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = runner.spawn().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_worker_that_polls_while_paused() {
    let subject = FileSubject::new(None);
    assert_broke(
        check_pause_stops_polling_with(&subject, worker_ignoring_pause).await,
        Rule::PauseStopsPolling,
        "after the worker reported PAUSED",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_reports_a_worker_that_is_slow_to_finish_after_cancel() {
    let subject = FileSubject::new(None);
    assert_broke(
        check_pause_stops_polling_with(&subject, worker_lingering_after_cancel).await,
        Rule::StopIsPrompt,
        "did not finish within",
    );
}
