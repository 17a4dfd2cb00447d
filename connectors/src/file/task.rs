//! The task: tails one file from its committed position and returns complete lines as records.
//!
//! **Cancel safety.** The worker may drop a `poll` future at any await point. Every await here
//! either completes atomically with respect to the task's state (opening and seeking assign the
//! file handle only once both succeeded; `read_buf` appends to the line buffer only when it
//! returns) or is a plain sleep. Lines are taken out of the buffer, and the in-memory position
//! advanced, synchronously just before `poll` returns them, so a dropped `poll` loses nothing.

use std::io::SeekFrom;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::Value as Json;
use strait_api::{
    ConfigMap, ConnectError, OffsetMap, Result, Schema, SourceRecord, SourceTask,
    SourceTaskContext, Value,
};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::config::FileStreamSourceConfig;
use super::lines::LineBuffer;

/// The source partition key (Kafka: `FILENAME_FIELD`).
pub const FILENAME_FIELD: &str = "filename";
/// The source offset key (Kafka: `POSITION_FIELD`).
pub const POSITION_FIELD: &str = "position";

/// How long `poll` waits before returning an empty batch when there is nothing new (Kafka waits
/// one second).
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// Bytes reserved for each read.
const READ_CHUNK: usize = 64 * 1024;
/// Once this much is buffered, `poll` returns the complete lines it has rather than reading on.
const READ_BUDGET: usize = 1024 * 1024;

/// Kafka's `FileStreamSourceTask`: one record per line of one file.
#[derive(Debug)]
pub struct FileStreamSourceTask {
    idle_wait: Duration,
    running: Option<Running>,
}

impl Default for FileStreamSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStreamSourceTask {
    /// An unstarted task.
    pub fn new() -> Self {
        Self {
            idle_wait: IDLE_WAIT,
            running: None,
        }
    }

    /// Shortens the wait of an idle `poll` (tests).
    #[cfg(test)]
    pub(crate) fn with_idle_wait(mut self, idle_wait: Duration) -> Self {
        self.idle_wait = idle_wait;
        self
    }
}

/// The state of a started task.
#[derive(Debug)]
struct Running {
    config: FileStreamSourceConfig,
    partition: Arc<OffsetMap>,
    value_schema: Schema,
    /// Where to start reading when the file is (re)opened.
    resume_from: u64,
    file: Option<File>,
    lines: LineBuffer,
    /// The byte position of the first buffered byte: just after the last line returned.
    position: u64,
    warned_missing: bool,
}

impl Running {
    /// Opens the file and seeks to the resume position; `false` when the file does not exist yet.
    async fn open(&mut self) -> Result<bool> {
        let path = &self.config.file;
        let mut file = match File::open(path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.warned_missing {
                    tracing::warn!(file = %path, "file not found, waiting for it to be created");
                    self.warned_missing = true;
                }
                return Ok(false);
            }
            Err(e) => {
                return Err(ConnectError::fatal_from(
                    format!("Error while trying to open file {path}"),
                    e,
                ))
            }
        };
        if self.resume_from > 0 {
            file.seek(SeekFrom::Start(self.resume_from))
                .await
                .map_err(|e| {
                    ConnectError::fatal_from(
                        format!(
                            "Error while trying to seek to previous offset {} in file {path}",
                            self.resume_from
                        ),
                        e,
                    )
                })?;
        }
        tracing::debug!(file = %path, position = self.resume_from, "opened file for reading");
        self.position = self.resume_from;
        self.lines.clear();
        self.file = Some(file);
        Ok(true)
    }

    /// Reads until a batch of complete lines is buffered, the end of the file is reached, or the
    /// read budget is spent with at least one complete line.
    async fn fill(&mut self) -> Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        while self.lines.complete_lines() < self.config.batch_size
            && (self.lines.complete_lines() == 0 || self.lines.buffered() < READ_BUDGET)
        {
            match file.read_buf(self.lines.spare(READ_CHUNK)).await {
                Ok(0) => break,
                Ok(_) => self.lines.scan(),
                Err(e) => {
                    // Reopen at the last returned line on the next poll.
                    self.file = None;
                    self.lines.clear();
                    self.resume_from = self.position;
                    return Err(ConnectError::retriable_from(
                        format!("Error while reading file {}", self.config.file),
                        e,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Takes up to one batch of complete lines as records and advances the position past them.
    fn take_batch(&mut self) -> Vec<SourceRecord> {
        let count = self.lines.complete_lines().min(self.config.batch_size);
        if count == 0 {
            return Vec::new();
        }
        let now = now_millis();
        let mut records = Vec::with_capacity(count);
        let mut position = self.position;
        let (partition, topic, schema) = (&self.partition, &self.config.topic, &self.value_schema);
        self.lines.take_lines(count, |line, used| {
            position += used as u64;
            let mut offset = OffsetMap::new();
            offset.insert(POSITION_FIELD.to_string(), Json::from(position));
            let value = Value::String(String::from_utf8_lossy(line).into_owned().into());
            records.push(
                SourceRecord::new(
                    Arc::clone(partition),
                    offset.into(),
                    topic.clone(),
                    Some(schema.clone()),
                    value,
                )
                .with_timestamp(now),
            );
        });
        self.position = position;
        records
    }
}

/// The source partition of a file: `{"filename": <file>}`.
pub fn source_partition(file: &str) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert(FILENAME_FIELD.to_string(), Json::from(file));
    partition
}

/// The resume position in a committed offset; a missing offset or position starts at 0.
///
/// # Errors
/// A fatal error when the position is not a non-negative integer.
pub fn resume_position(file: &str, offset: Option<&OffsetMap>) -> Result<u64> {
    let Some(raw) = offset.and_then(|o| o.get(POSITION_FIELD)) else {
        return Ok(0);
    };
    match raw {
        Json::Null => Ok(0),
        Json::Number(n) => match n.as_i64() {
            Some(p) if p >= 0 => Ok(p as u64),
            _ => Err(bad_offset(file, raw)),
        },
        _ => Err(bad_offset(file, raw)),
    }
}

fn bad_offset(file: &str, raw: &Json) -> ConnectError {
    ConnectError::fatal(format!(
        "Offset position is the incorrect type: the committed offset of file {file} has \
         position {raw}, not a non-negative integer; reset or correct this connector's offsets \
         through the REST API (DELETE or PATCH /connectors/<name>/offsets) before restarting it"
    ))
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(&mut self, config: &ConfigMap, context: SourceTaskContext) -> Result<()> {
        let config = FileStreamSourceConfig::parse(config)?;
        let partition = source_partition(&config.file);
        let committed = context.offsets.offset(&partition).await?;
        let resume_from = resume_position(&config.file, committed.as_ref())?;
        tracing::info!(
            connector = %context.connector,
            task = context.task,
            file = %config.file,
            position = resume_from,
            "file source task started"
        );
        self.running = Some(Running {
            config,
            partition: Arc::new(partition),
            value_schema: Schema::string(),
            resume_from,
            file: None,
            lines: LineBuffer::default(),
            position: resume_from,
            warned_missing: false,
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let idle_wait = self.idle_wait;
        let running = self
            .running
            .as_mut()
            .ok_or_else(|| ConnectError::fatal("FileStreamSourceTask polled before it started"))?;
        if running.file.is_none() && !running.open().await? {
            tokio::time::sleep(idle_wait).await;
            return Ok(Vec::new());
        }
        running.fill().await?;
        let records = running.take_batch();
        if records.is_empty() {
            tokio::time::sleep(idle_wait).await;
        }
        Ok(records)
    }

    async fn stop(&mut self) -> Result<()> {
        self.running = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};

    use strait_api::{OffsetStorageReader, SchemaType};
    use tokio::io::AsyncWriteExt;

    use super::*;

    /// Committed offsets kept in memory, keyed by the partition's JSON.
    #[derive(Default)]
    struct MemoryOffsets(HashMap<String, OffsetMap>);

    impl MemoryOffsets {
        fn with(partition: &OffsetMap, offset: Json) -> Self {
            let Json::Object(offset) = offset else {
                panic!("offset must be an object")
            };
            let mut map = HashMap::new();
            map.insert(Json::Object(partition.clone()).to_string(), offset);
            Self(map)
        }
    }

    #[async_trait]
    impl OffsetStorageReader for MemoryOffsets {
        async fn offset(&self, partition: &OffsetMap) -> Result<Option<OffsetMap>> {
            Ok(self
                .0
                .get(&Json::Object(partition.clone()).to_string())
                .cloned())
        }
    }

    /// A fresh path in a per-test directory (removed on drop).
    struct TempFile {
        dir: PathBuf,
        path: PathBuf,
    }

    impl TempFile {
        fn new() -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "strait-file-source-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("input.txt");
            Self { dir, path }
        }
        fn name(&self) -> String {
            self.path.to_string_lossy().into_owned()
        }
        async fn append(&self, bytes: &[u8]) {
            append(&self.path, bytes).await;
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn append(path: &Path, bytes: &[u8]) {
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await
            .unwrap();
        f.write_all(bytes).await.unwrap();
        f.flush().await.unwrap();
    }

    async fn started(
        file: &TempFile,
        extra: &[(&str, &str)],
        offsets: MemoryOffsets,
    ) -> FileStreamSourceTask {
        let mut config: ConfigMap = [("file", file.name()), ("topic", "lines".to_string())]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for (k, v) in extra {
            config.insert(k.to_string(), v.to_string());
        }
        let mut task = FileStreamSourceTask::new().with_idle_wait(Duration::from_millis(20));
        let context = SourceTaskContext {
            connector: "file".into(),
            task: 0,
            offsets: Arc::new(offsets),
        };
        task.start(&config, context).await.unwrap();
        task
    }

    fn values(records: &[SourceRecord]) -> Vec<&str> {
        records.iter().map(|r| r.value.as_str().unwrap()).collect()
    }

    fn positions(records: &[SourceRecord]) -> Vec<i64> {
        records
            .iter()
            .map(|r| r.source_offset.to_map()[POSITION_FIELD].as_i64().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn records_have_kafkas_partition_offset_and_value_shape() {
        let file = TempFile::new();
        file.append(b"a\nbb\n").await;
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["a", "bb"]);
        let expected_partition = format!("{{\"filename\":{}}}", Json::from(file.name()));
        for (record, position) in records.iter().zip([2, 5]) {
            assert_eq!(
                Json::Object((*record.source_partition).clone()).to_string(),
                expected_partition
            );
            assert_eq!(
                Json::Object(record.source_offset.to_map().into_owned()).to_string(),
                format!("{{\"position\":{position}}}")
            );
            assert_eq!(record.topic, "lines");
            assert_eq!(record.kafka_partition, None);
            assert_eq!(record.key, Value::Null);
            assert_eq!(record.key_schema, None);
            let schema = record.value_schema.as_ref().unwrap();
            assert_eq!(schema.schema_type(), SchemaType::String);
            assert!(!schema.is_optional(), "Kafka uses Schema.STRING_SCHEMA");
            assert!(record.timestamp.is_some_and(|t| t > 1_600_000_000_000));
            assert!(record.headers.is_empty());
        }
    }

    #[tokio::test]
    async fn resumes_from_the_committed_offset() {
        let file = TempFile::new();
        file.append(b"one\ntwo\nthree\n").await;
        let offsets = MemoryOffsets::with(
            &source_partition(&file.name()),
            serde_json::json!({"position": 4}),
        );
        let mut task = started(&file, &[], offsets).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["two", "three"]);
        assert_eq!(positions(&records), [8, 14]);
    }

    #[tokio::test]
    async fn offsets_of_another_file_are_ignored() {
        let file = TempFile::new();
        file.append(b"one\ntwo\n").await;
        let offsets = MemoryOffsets::with(
            &source_partition("/elsewhere"),
            serde_json::json!({"position": 4}),
        );
        let mut task = started(&file, &[], offsets).await;
        assert_eq!(values(&task.poll().await.unwrap()), ["one", "two"]);
    }

    #[tokio::test]
    async fn a_position_of_the_wrong_type_fails_the_task() {
        let file = TempFile::new();
        let partition = source_partition(&file.name());
        for bad in [
            serde_json::json!({"position": "4"}),
            serde_json::json!({"position": -1}),
        ] {
            let mut task = FileStreamSourceTask::new();
            let context = SourceTaskContext {
                connector: "file".into(),
                task: 0,
                offsets: Arc::new(MemoryOffsets::with(&partition, bad)),
            };
            let config: ConfigMap = [("file", file.name()), ("topic", "t".into())]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let err = task.start(&config, context).await.unwrap_err();
            assert!(matches!(err, ConnectError::Fatal { .. }), "{err:?}");
            assert!(err
                .to_string()
                .starts_with("Offset position is the incorrect type"));
        }
    }

    #[tokio::test]
    async fn partial_line_waits_for_its_newline() {
        let file = TempFile::new();
        file.append(b"abc").await;
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        assert!(task.poll().await.unwrap().is_empty());
        file.append(b"def\ng").await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["abcdef"]);
        assert_eq!(positions(&records), [7]);
        file.append(b"\n").await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["g"]);
        assert_eq!(positions(&records), [9]);
    }

    #[tokio::test]
    async fn crlf_and_lone_cr_end_lines_and_count_in_the_position() {
        let file = TempFile::new();
        file.append(b"a\r\nb\rc\nd\r").await;
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["a", "b", "c"]);
        assert_eq!(positions(&records), [3, 5, 7]);
        assert!(
            task.poll().await.unwrap().is_empty(),
            "a trailing \\r waits"
        );
        file.append(b"\n").await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["d"]);
        assert_eq!(positions(&records), [10]);
    }

    #[tokio::test]
    async fn position_counts_bytes_of_multibyte_text() {
        let file = TempFile::new();
        file.append("é\nx\n".as_bytes()).await;
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["é", "x"]);
        assert_eq!(positions(&records), [3, 5]);
    }

    #[tokio::test]
    async fn batch_size_limits_each_poll() {
        let file = TempFile::new();
        file.append(b"1\n2\n3\n4\n5\n").await;
        let mut task = started(&file, &[("batch.size", "2")], MemoryOffsets::default()).await;
        let mut batches = Vec::new();
        for _ in 0..3 {
            let records = task.poll().await.unwrap();
            batches.push(values(&records).join(","));
        }
        assert_eq!(batches, ["1,2", "3,4", "5"]);
        assert!(task.poll().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn waits_for_a_missing_file_to_appear() {
        let file = TempFile::new();
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        let started_at = std::time::Instant::now();
        assert!(task.poll().await.unwrap().is_empty());
        assert!(
            started_at.elapsed() >= Duration::from_millis(20),
            "an idle poll waits"
        );
        file.append(b"late\n").await;
        assert_eq!(values(&task.poll().await.unwrap()), ["late"]);
    }

    #[tokio::test]
    async fn idle_poll_returns_after_the_idle_wait() {
        let file = TempFile::new();
        file.append(b"x\n").await;
        let mut task = FileStreamSourceTask::new();
        let context = SourceTaskContext {
            connector: "file".into(),
            task: 0,
            offsets: Arc::new(MemoryOffsets::default()),
        };
        let config: ConfigMap = [("file", file.name()), ("topic", "t".into())]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        task.start(&config, context).await.unwrap();
        assert_eq!(task.poll().await.unwrap().len(), 1);
        let started_at = std::time::Instant::now();
        assert!(task.poll().await.unwrap().is_empty());
        let waited = started_at.elapsed();
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_millis(1500),
            "default idle wait is Kafka's second, waited {waited:?}"
        );
    }

    #[tokio::test]
    async fn dropped_polls_lose_no_lines() {
        let file = TempFile::new();
        let mut task = started(&file, &[], MemoryOffsets::default()).await;
        let mut expected = Vec::new();
        let mut written = 0;
        let mut got = Vec::new();
        let mut last_position = 0;
        let mut cancelled = 0;
        let mut record = |outcome: Result<Vec<SourceRecord>>, got: &mut Vec<String>| {
            let records = outcome.unwrap();
            for p in positions(&records) {
                assert!(p > last_position, "positions only move forward");
                last_position = p;
            }
            got.extend(values(&records).into_iter().map(str::to_string));
        };
        for i in 0..300 {
            // Lines arrive in pieces, so most polls must read and are cut off inside the read.
            let line = format!("line {i}\n");
            let (head, tail) = line.split_at(line.len() / 2);
            file.append(head.as_bytes()).await;
            match tokio::time::timeout(Duration::ZERO, task.poll()).await {
                Ok(outcome) => record(outcome, &mut got),
                Err(_) => cancelled += 1,
            }
            file.append(tail.as_bytes()).await;
            written += line.len();
            expected.push(format!("line {i}"));
            if i % 10 == 9 {
                record(task.poll().await, &mut got);
            }
        }
        for _ in 0..100 {
            if got.len() == expected.len() {
                break;
            }
            record(task.poll().await, &mut got);
        }
        assert_eq!(got, expected);
        assert_eq!(last_position as usize, written);
        assert!(
            cancelled > 10,
            "cut-off polls must be cancelled mid-read, got {cancelled}"
        );
    }

    #[tokio::test]
    async fn poll_before_start_is_an_error() {
        let mut task = FileStreamSourceTask::new();
        assert!(task.poll().await.is_err());
    }
}
