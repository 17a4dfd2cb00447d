//! A real `strait` worker process for end-to-end tests, driven through its REST socket.
//!
//! The tests in `tests/worker_*.rs` check what a user of a Kafka Connect worker sees: the HTTP
//! answers of the REST API, the bytes in the destination topic, the records in the internal
//! topics, and what survives a `kill -9`. So this harness runs the binary cargo built for the
//! integration tests (`CARGO_BIN_EXE_strait`) as a child process with its own temp directory,
//! worker properties, free REST port and log file, and talks to it with a plain blocking HTTP
//! client. Tests are synchronous; the few broker reads they need run on a private tokio runtime
//! inside [`Topics`].
//!
//! Every wait is bounded by [`TEST_TIMEOUT`]; a failure prints the tail of the worker's log, and
//! a test that panics keeps its temp directory (its path is printed) so the log can be read.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use strait_runtime::kafka::{Broker, ConsumedRecord, KafkaBroker, TopicSpec};

use super::{kafka_bootstrap, service_missing, unique_name, TEST_TIMEOUT};

/// How often bounded waits poll.
const POLL_EVERY: Duration = Duration::from_millis(200);
/// How many log lines a failure message shows.
const LOG_TAIL_LINES: usize = 80;
/// Kafka's class name for the file source, as users write it.
pub const FILE_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
/// Kafka's JsonConverter class.
pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// Which command line the worker runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Distributed,
    Standalone,
}

/// The internal topics (and group) of a distributed worker, to start another worker on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalTopics {
    pub group_id: String,
    pub config: String,
    pub offsets: String,
    pub status: String,
}

/// One HTTP answer: status, headers and the body parsed as JSON (`Null` when empty, a JSON
/// string holding the raw text when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Value,
    /// The body exactly as received.
    pub raw: String,
}

impl Reply {
    /// A header's value, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `message` of a Kafka error body (`{"error_code":N,"message":"..."}`), or "".
    pub fn message(&self) -> &str {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A running (or stopped) worker process with its files.
pub struct Worker {
    mode: Mode,
    /// `None` once kept for inspection after a panic.
    dir: Option<tempfile::TempDir>,
    dir_path: PathBuf,
    properties: PathBuf,
    connector_files: Vec<PathBuf>,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
    agent: ureq::Agent,
    internal: Option<InternalTopics>,
}

impl Worker {
    /// A distributed worker on fresh internal topics named after `prefix`, started and
    /// answering `GET /health`.
    pub fn distributed(prefix: &str) -> Worker {
        Self::distributed_with(prefix, &[])
    }

    /// A distributed worker like [`Worker::distributed`] with extra worker properties.
    pub fn distributed_with(prefix: &str, extra: &[(&str, &str)]) -> Worker {
        let internal = InternalTopics {
            group_id: unique_name(&format!("{prefix}_group")),
            config: unique_name(&format!("{prefix}_configs")),
            offsets: unique_name(&format!("{prefix}_offsets")),
            status: unique_name(&format!("{prefix}_status")),
        };
        Self::distributed_on_with(&internal, extra)
    }

    /// Another distributed worker process on existing internal topics (a restarted or second
    /// worker of the same Connect cluster), with its own directory and port.
    pub fn distributed_on(internal: &InternalTopics) -> Worker {
        Self::distributed_on_with(internal, &[])
    }

    fn distributed_on_with(internal: &InternalTopics, extra: &[(&str, &str)]) -> Worker {
        let mut props = base_properties();
        for (k, v) in extra {
            props.insert(k.to_string(), v.to_string());
        }
        for (k, v) in [
            ("group.id", internal.group_id.as_str()),
            ("config.storage.topic", &internal.config),
            ("offset.storage.topic", &internal.offsets),
            ("status.storage.topic", &internal.status),
            ("config.storage.replication.factor", "1"),
            ("offset.storage.replication.factor", "1"),
            ("status.storage.replication.factor", "1"),
            ("offset.storage.partitions", "2"),
            ("status.storage.partitions", "2"),
        ] {
            props.insert(k.to_string(), v.to_string());
        }
        Self::launch(Mode::Distributed, props, &[], Some(internal.clone()))
    }

    /// A standalone worker (`strait standalone worker.properties <connector files>`) whose
    /// offsets file lives in its temp directory. Each connector is written to
    /// `<name>.properties`.
    pub fn standalone(connectors: &[BTreeMap<String, String>]) -> Worker {
        let props = base_properties();
        Self::launch(Mode::Standalone, props, connectors, None)
    }

    fn launch(
        mode: Mode,
        mut props: BTreeMap<String, String>,
        connectors: &[BTreeMap<String, String>],
        internal: Option<InternalTopics>,
    ) -> Worker {
        require_broker();
        let dir = tempfile::Builder::new()
            .prefix("strait-worker-")
            .tempdir()
            .expect("create the worker's temp directory");
        let dir_path = dir.path().to_path_buf();
        let port = free_port();
        props.insert("listeners".into(), format!("http://127.0.0.1:{port}"));
        if mode == Mode::Standalone {
            props.insert(
                "offset.storage.file.filename".into(),
                dir_path.join("connect.offsets").display().to_string(),
            );
        }
        let properties = dir_path.join("worker.properties");
        write_properties(&properties, &props);
        let mut connector_files = Vec::new();
        for (i, config) in connectors.iter().enumerate() {
            let name = config
                .get("name")
                .cloned()
                .unwrap_or_else(|| format!("connector{i}"));
            let path = dir_path.join(format!("{name}.properties"));
            write_properties(&path, config);
            connector_files.push(path);
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TEST_TIMEOUT))
            .max_idle_connections(0)
            .build()
            .into();
        let mut worker = Worker {
            mode,
            dir: Some(dir),
            log: dir_path.join("worker.log"),
            dir_path,
            properties,
            connector_files,
            port,
            child: None,
            agent,
            internal,
        };
        worker.start();
        worker
    }

    /// Spawns the process and waits until `GET /health` answers 200: the worker has restored its
    /// state and accepts changes (before that, Kafka and Strait answer writes with 409).
    fn start(&mut self) {
        assert!(self.child.is_none(), "worker already running");
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the worker log");
        let _ = writeln!(log, "===== harness: starting worker =====");
        let stderr = log.try_clone().expect("clone the log handle");
        let mode = match self.mode {
            Mode::Distributed => "distributed",
            Mode::Standalone => "standalone",
        };
        let child = Command::new(env!("CARGO_BIN_EXE_strait"))
            .arg(mode)
            .arg(&self.properties)
            .args(&self.connector_files)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(stderr)
            .spawn()
            .expect("spawn the strait binary");
        self.child = Some(child);
        let deadline = Instant::now() + TEST_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    self.fail(&format!("the worker exited during startup with {status}"));
                }
            }
            if let Ok(mut resp) = self.agent.get(&self.url("/health")).call() {
                let _ = resp.body_mut().read_to_string();
                if resp.status().as_u16() == 200 {
                    return;
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "the worker did not answer GET /health within {TEST_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// `kill -9`: no shutdown hook runs, nothing is flushed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait for the process to exit (bounded); returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let Some(mut child) = self.child.take() else {
            panic!("stop(): the worker is not running");
        };
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("run kill -TERM");
        assert!(sent.success(), "kill -TERM {} failed", child.id());
        let deadline = Instant::now() + TEST_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL_EVERY),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    self.fail(&format!(
                        "the worker did not exit within {TEST_TIMEOUT:?} of SIGTERM"
                    ));
                }
            }
        }
    }

    /// Starts the process again with the same properties, connector files and port.
    pub fn restart(&mut self) {
        if self.child.is_some() {
            self.kill();
        }
        self.start();
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// The REST port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `worker_id` this worker reports in statuses (`host:port` of its listener).
    pub fn worker_id(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The worker's temp directory, for input files of connectors.
    pub fn dir(&self) -> &Path {
        &self.dir_path
    }

    /// The internal topics of a distributed worker.
    pub fn internal_topics(&self) -> &InternalTopics {
        self.internal
            .as_ref()
            .expect("only distributed workers have internal topics")
    }

    /// The standalone offsets file.
    pub fn offsets_file(&self) -> PathBuf {
        self.dir_path.join("connect.offsets")
    }

    /// An absolute URL for a path such as `/connectors`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The last lines of the worker's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(LOG_TAIL_LINES);
        lines[start..].join("\n")
    }

    /// The whole log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with `message` and the log tail.
    pub fn fail(&self, message: &str) -> ! {
        panic!(
            "{message}\n----- worker log {} (last {LOG_TAIL_LINES} lines) -----\n{}\n-----",
            self.log.display(),
            self.log_tail()
        )
    }

    /// Polls `probe` until it returns `Some`, failing with the log tail after [`TEST_TIMEOUT`].
    pub fn wait_until<T>(&self, what: &str, probe: impl FnMut() -> Option<T>) -> T {
        self.wait_until_within(TEST_TIMEOUT, what, probe)
    }

    /// [`Worker::wait_until`] with another bound, for waits paced by a slow emulator.
    pub fn wait_until_within<T>(
        &self,
        limit: Duration,
        what: &str,
        probe: impl FnMut() -> Option<T>,
    ) -> T {
        match poll_until_within(limit, probe) {
            Ok(v) => v,
            Err(()) => self.fail(&format!("timed out after {limit:?} waiting for {what}")),
        }
    }

    fn request(&self, method: &str, path: &str, body: Option<(&str, &str)>) -> Reply {
        let url = self.url(path);
        let result = match (method, body) {
            ("GET", None) => self.agent.get(&url).call(),
            ("DELETE", None) => self.agent.delete(&url).call(),
            ("POST", None) => self.agent.post(&url).send_empty(),
            ("PUT", None) => self.agent.put(&url).send_empty(),
            ("POST", Some((ct, b))) => self.agent.post(&url).header("Content-Type", ct).send(b),
            ("PUT", Some((ct, b))) => self.agent.put(&url).header("Content-Type", ct).send(b),
            ("PATCH", Some((ct, b))) => self.agent.patch(&url).header("Content-Type", ct).send(b),
            other => panic!("unsupported request {other:?}"),
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => self.fail(&format!("{method} {path} failed: {e}")),
        };
        let raw = resp
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| self.fail(&format!("{method} {path}: reading the body: {e}")));
        let body = if raw.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&raw).unwrap_or_else(|_| Value::String(raw.clone()))
        };
        Reply {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body,
            raw,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, Some(("application/json", &body.to_string())))
    }

    /// `POST path` with a raw body sent as `application/json` (for malformed JSON).
    pub fn post_raw(&self, path: &str, body: &str) -> Reply {
        self.request("POST", path, Some(("application/json", body)))
    }

    /// `POST path` without a body.
    pub fn post_empty(&self, path: &str) -> Reply {
        self.request("POST", path, None)
    }

    /// `PUT path` with a JSON body.
    pub fn put(&self, path: &str, body: &Value) -> Reply {
        self.request("PUT", path, Some(("application/json", &body.to_string())))
    }

    /// `PUT path` without a body.
    pub fn put_empty(&self, path: &str) -> Reply {
        self.request("PUT", path, None)
    }

    /// `PATCH path` with a JSON body.
    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.request("PATCH", path, Some(("application/json", &body.to_string())))
    }

    /// `GET /connectors/{c}/status` once it answers 200.
    pub fn status(&self, connector: &str) -> Value {
        let r = self.get(&format!("/connectors/{connector}/status"));
        if r.status != 200 {
            self.fail(&format!(
                "GET /connectors/{connector}/status: {} {}",
                r.status, r.raw
            ));
        }
        r.body
    }

    /// Waits until the connector's state is `connector_state` and every task's state is
    /// `task_state` (with at least one task unless `task_state` is `None`, meaning no tasks);
    /// returns that status.
    pub fn wait_for_state(
        &self,
        connector: &str,
        connector_state: &str,
        task_state: Option<&str>,
    ) -> Value {
        let mut last = Value::Null;
        let what =
            format!("connector {connector} to be {connector_state} with tasks {task_state:?}");
        match poll_until(|| {
            let r = self.get(&format!("/connectors/{connector}/status"));
            last = r.body.clone();
            if r.status != 200 || r.body["connector"]["state"] != connector_state {
                return None;
            }
            let tasks = r.body["tasks"].as_array()?;
            let ok = match task_state {
                None => tasks.is_empty(),
                Some(s) => !tasks.is_empty() && tasks.iter().all(|t| t["state"] == s),
            };
            ok.then(|| r.body.clone())
        }) {
            Ok(v) => v,
            Err(()) => self.fail(&format!(
                "timed out after {TEST_TIMEOUT:?} waiting for {what}; last status: {last}"
            )),
        }
    }

    /// `POST /connectors` with `{"name": name, "config": config}`, failing unless 201.
    pub fn create_connector(&self, name: &str, config: &Value) -> Reply {
        let r = self.post(
            "/connectors",
            &serde_json::json!({ "name": name, "config": config }),
        );
        if r.status != 201 {
            self.fail(&format!("POST /connectors {name}: {} {}", r.status, r.raw));
        }
        r
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!("worker files kept for inspection in {}", kept.display());
            }
        }
    }
}

/// The worker keys every test worker shares: the test broker, JsonConverter with schemas (the
/// worker default users run with), a short offset flush interval and quick shutdown.
fn base_properties() -> BTreeMap<String, String> {
    [
        ("bootstrap.servers", kafka_bootstrap()),
        ("key.converter", JSON_CONVERTER.to_string()),
        ("value.converter", JSON_CONVERTER.to_string()),
        ("offset.flush.interval.ms", "500".to_string()),
        ("task.shutdown.graceful.timeout.ms", "5000".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Writes a Java `.properties` file (backslashes escaped; test values have no newlines).
pub fn write_properties(path: &Path, props: &BTreeMap<String, String>) {
    let mut text = String::new();
    for (k, v) in props {
        text.push_str(&format!("{k}={}\n", v.replace('\\', "\\\\")));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Fails the test with the standard message when the broker does not accept connections.
fn require_broker() {
    let bootstrap = kafka_bootstrap();
    let addr = bootstrap
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| {
            panic!(
                "{}",
                service_missing("Kafka (tansu)", &bootstrap, "cannot resolve the address")
            )
        });
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
        panic!("{}", service_missing("Kafka (tansu)", &bootstrap, e));
    }
}

/// Polls `probe` every [`POLL_EVERY`] until it returns `Some`, for at most [`TEST_TIMEOUT`].
pub fn poll_until<T>(probe: impl FnMut() -> Option<T>) -> Result<T, ()> {
    poll_until_within(TEST_TIMEOUT, probe)
}

/// [`poll_until`] with another bound.
pub fn poll_until_within<T>(
    limit: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> Result<T, ()> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(());
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// Appends lines (each followed by `\n`) to a file, creating it.
pub fn append_lines<S: AsRef<str>>(path: &Path, lines: &[S]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut text = String::new();
    for l in lines {
        text.push_str(l.as_ref());
        text.push('\n');
    }
    f.write_all(text.as_bytes())
        .and_then(|()| f.flush())
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

/// A FileStreamSource config for `file` → `topic`, as a REST body's `config`.
pub fn file_source_config(file: &Path, topic: &str) -> Value {
    serde_json::json!({
        "connector.class": FILE_SOURCE,
        "tasks.max": "1",
        "file": file.display().to_string(),
        "topic": topic,
    })
}

/// The exact bytes Kafka's JsonConverter (schemas enabled) writes for a STRING value.
pub fn json_string_envelope(s: &str) -> Vec<u8> {
    format!(
        "{{\"schema\":{{\"type\":\"string\",\"optional\":false}},\"payload\":{}}}",
        Value::from(s)
    )
    .into_bytes()
}

/// The broker, seen from the test: create topics and read them back.
pub struct Topics {
    runtime: tokio::runtime::Runtime,
    broker: KafkaBroker,
}

impl Topics {
    /// Connects to the test broker, failing with the standard message when it is missing.
    pub fn connect() -> Topics {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a tokio runtime");
        let bootstrap = kafka_bootstrap();
        let broker = runtime.block_on(async {
            match tokio::time::timeout(
                TEST_TIMEOUT,
                KafkaBroker::connect(std::slice::from_ref(&bootstrap)),
            )
            .await
            {
                Ok(Ok(b)) => b,
                Ok(Err(e)) => panic!("{}", service_missing("Kafka (tansu)", &bootstrap, e)),
                Err(_) => panic!(
                    "{}",
                    service_missing(
                        "Kafka (tansu)",
                        &bootstrap,
                        format!("no answer within {TEST_TIMEOUT:?}")
                    )
                ),
            }
        });
        Topics { runtime, broker }
    }

    fn block<T>(&self, what: &str, fut: impl std::future::Future<Output = T>) -> T {
        self.runtime
            .block_on(async { tokio::time::timeout(TEST_TIMEOUT, fut).await })
            .unwrap_or_else(|_| panic!("{what} did not finish within {TEST_TIMEOUT:?}"))
    }

    /// Creates a topic with `partitions` partitions (replication factor 1).
    pub fn create(&self, name: &str, partitions: i32) {
        let spec = TopicSpec {
            name: name.to_string(),
            partitions,
            replication_factor: 1,
            configs: BTreeMap::new(),
        };
        let created = self
            .block("create topic", self.broker.create_topic(&spec))
            .unwrap_or_else(|e| panic!("create topic {name}: {e}"));
        assert!(created, "topic {name} already existed");
        poll_until(|| (self.partition_count(name) == Some(partitions)).then_some(()))
            .unwrap_or_else(|()| {
                panic!("topic {name} did not appear with {partitions} partitions")
            });
    }

    /// The number of partitions, `None` when the topic does not exist.
    pub fn partition_count(&self, topic: &str) -> Option<i32> {
        self.block("partition count", self.broker.partition_count(topic))
            .unwrap_or_else(|e| panic!("partition count of {topic}: {e}"))
    }

    /// Every record of every partition, partition by partition in offset order; empty when the
    /// topic does not exist.
    pub fn records(&self, topic: &str) -> Vec<ConsumedRecord> {
        let Some(count) = self.partition_count(topic) else {
            return Vec::new();
        };
        let mut all = Vec::new();
        for p in 0..count {
            let (records, _) = self
                .block("read topic", self.broker.read_to_end(topic, p, 0))
                .unwrap_or_else(|e| panic!("read {topic}/{p}: {e}"));
            all.extend(records);
        }
        all
    }

    /// Every record's key and value as UTF-8 text (`None` for null), all partitions.
    pub fn key_values(&self, topic: &str) -> Vec<(Option<String>, Option<String>)> {
        let text =
            |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        self.records(topic)
            .iter()
            .map(|r| (text(&r.key), text(&r.value)))
            .collect()
    }

    /// The `payload` strings of JsonConverter envelopes in a topic, in order; panics on a value
    /// that is not such an envelope.
    pub fn payloads(&self, topic: &str) -> Vec<String> {
        self.records(topic)
            .iter()
            .map(|r| {
                let bytes = r
                    .value
                    .as_deref()
                    .unwrap_or_else(|| panic!("{topic}@{}: null value", r.offset));
                let v: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
                    panic!(
                        "{topic}@{}: not JSON ({e}): {}",
                        r.offset,
                        String::from_utf8_lossy(bytes)
                    )
                });
                v["payload"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{topic}@{}: no string payload: {v}", r.offset))
                    .to_string()
            })
            .collect()
    }

    /// Waits until the topic holds at least `n` records; returns the payloads.
    pub fn wait_for_payloads(&self, worker: &Worker, topic: &str, n: usize) -> Vec<String> {
        let mut last = Vec::new();
        match poll_until(|| {
            last = self.payloads(topic);
            (last.len() >= n).then(|| last.clone())
        }) {
            Ok(v) => v,
            Err(()) => worker.fail(&format!(
                "timed out waiting for {n} records in {topic}; have {}: {last:?}",
                last.len()
            )),
        }
    }
}

/// Numbered lines of a fixed width (`prefix-0001`), so byte positions are easy to compute.
pub fn numbered_lines(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i:04}")).collect()
}
