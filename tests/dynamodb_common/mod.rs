//! Helpers of the DynamoDB CDC source tests (`tests/dynamodb_*.rs`): moto tables, connector and
//! task drivers with an in-memory offset store that plays the worker's part (commit what was
//! "acknowledged", restart from it), and readers of the records' envelopes.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_json::Value as Json;
use strait_api::{
    ConfigMap, ConnectError, ConnectorContext, OffsetMap, OffsetStorageReader, SourceConnector,
    SourceRecord, SourceTask, SourceTaskContext, Value,
};
use strait_connectors::dynamodb::DynamoDbCdcSourceConnector;
use tokio::time::{timeout, Instant};

use crate::common::{dynamodb_endpoint, service_missing, TEST_TIMEOUT};

/// A DynamoDB client for moto with its test credentials.
pub fn client() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "strait-tests"))
        .endpoint_url(dynamodb_endpoint())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// How a test table is made.
#[derive(Clone, Debug)]
pub struct TableSpec {
    /// A numeric range key `sk` besides the string hash key `id`.
    pub range_key: bool,
    /// The stream view type; `None` for no stream.
    pub stream: Option<StreamViewType>,
    /// Provisioned read capacity.
    pub read_capacity: i64,
}

impl Default for TableSpec {
    fn default() -> Self {
        Self {
            range_key: false,
            stream: Some(StreamViewType::NewAndOldImages),
            read_capacity: 1000,
        }
    }
}

/// Creates a table on moto (hash key `id` S, optional range key `sk` N).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, spec: &TableSpec) {
    let attr = |n: &str, t: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(t)
            .build()
            .expect("attribute definition")
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .expect("key element")
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .attribute_definitions(attr("id", ScalarAttributeType::S))
        .key_schema(key("id", KeyType::Hash))
        .provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(spec.read_capacity)
                .write_capacity_units(1000)
                .build()
                .expect("throughput"),
        );
    if spec.range_key {
        request = request
            .attribute_definitions(attr("sk", ScalarAttributeType::N))
            .key_schema(key("sk", KeyType::Range));
    }
    if let Some(view) = &spec.stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view.clone())
                .build()
                .expect("stream spec"),
        );
    }
    match timeout(TEST_TIMEOUT, request.send()).await {
        Ok(Ok(_)) => {}
        Ok(Err(err @ (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)))) => panic!(
            "{}",
            service_missing(
                "moto (DynamoDB)",
                &dynamodb_endpoint(),
                DisplayErrorContext(err)
            )
        ),
        Ok(Err(err)) => panic!("CreateTable {name} failed: {}", DisplayErrorContext(err)),
        Err(_) => panic!(
            "{}",
            service_missing("moto (DynamoDB)", &dynamodb_endpoint(), "no answer")
        ),
    }
}

/// Puts an item.
pub async fn put(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    item: HashMap<String, AttributeValue>,
) {
    timeout(
        TEST_TIMEOUT,
        client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .send(),
    )
    .await
    .expect("PutItem timed out")
    .unwrap_or_else(|e| panic!("PutItem into {table}: {}", DisplayErrorContext(e)));
}

/// Deletes the item with hash key `id`.
pub async fn delete(client: &aws_sdk_dynamodb::Client, table: &str, id: &str) {
    timeout(
        TEST_TIMEOUT,
        client
            .delete_item()
            .table_name(table)
            .key("id", AttributeValue::S(id.to_string()))
            .send(),
    )
    .await
    .expect("DeleteItem timed out")
    .unwrap_or_else(|e| panic!("DeleteItem from {table}: {}", DisplayErrorContext(e)));
}

/// An item `{id: S, v: N}`.
pub fn simple_item(id: &str, v: i64) -> HashMap<String, AttributeValue> {
    [
        ("id".to_string(), AttributeValue::S(id.to_string())),
        ("v".to_string(), AttributeValue::N(v.to_string())),
    ]
    .into()
}

/// Every item of a table, by `id`.
pub async fn scan_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> HashMap<String, HashMap<String, AttributeValue>> {
    let mut out = HashMap::new();
    let mut start = None;
    loop {
        let page = timeout(
            TEST_TIMEOUT,
            client
                .scan()
                .table_name(table)
                .set_exclusive_start_key(start.take())
                .send(),
        )
        .await
        .expect("Scan timed out")
        .unwrap_or_else(|e| panic!("Scan {table}: {}", DisplayErrorContext(e)));
        for item in page.items() {
            if let Some(AttributeValue::S(id)) = item.get("id") {
                out.insert(id.clone(), item.clone());
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return out,
        }
    }
}

/// A connector configuration for `tables` on moto, with `extra` keys on top.
pub fn config(tables: &[&str], extra: &[(&str, &str)]) -> ConfigMap {
    let mut c: ConfigMap = [
        ("name", "dynamodb-test".to_string()),
        ("connector.class", "DynamoDbCdcSource".to_string()),
        ("dynamodb.service.endpoint", dynamodb_endpoint()),
        ("aws.access.key.id", "test".to_string()),
        ("aws.secret.access.key", "test".to_string()),
        ("dynamodb.table.includelist", tables.join(",")),
        ("poll.linger.ms", "200".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        c.insert(k.to_string(), v.to_string());
    }
    c
}

/// The canonical text of a partition (fields sorted), as the worker's store matches them.
pub fn canonical(partition: &OffsetMap) -> String {
    let sorted: std::collections::BTreeMap<&String, &Json> = partition.iter().collect();
    serde_json::to_string(&sorted).expect("json")
}

/// Committed offsets in memory: what the worker would have stored.
#[derive(Default)]
pub struct MemoryOffsets(Mutex<HashMap<String, OffsetMap>>);

impl MemoryOffsets {
    /// Commits the offsets of records the broker acknowledged, in order (the last per
    /// partition wins).
    pub fn commit(&self, records: &[SourceRecord]) {
        let mut m = self.0.lock().unwrap();
        for r in records {
            m.insert(
                canonical(&r.source_partition),
                r.source_offset.to_map().into_owned(),
            );
        }
    }

    /// Sets one partition's offset, as `PATCH /connectors/<name>/offsets` would.
    pub fn set(&self, partition: OffsetMap, offset: OffsetMap) {
        self.0.lock().unwrap().insert(canonical(&partition), offset);
    }

    /// The stored offset of a partition.
    pub fn get(&self, partition: &OffsetMap) -> Option<OffsetMap> {
        self.0.lock().unwrap().get(&canonical(partition)).cloned()
    }
}

#[async_trait]
impl OffsetStorageReader for MemoryOffsets {
    async fn offset(&self, partition: &OffsetMap) -> strait_api::Result<Option<OffsetMap>> {
        Ok(self.get(partition))
    }
}

/// A connector context that counts reconfiguration requests and keeps raised errors.
#[derive(Default)]
pub struct RecordingContext {
    pub reconfigurations: std::sync::atomic::AtomicUsize,
    pub errors: Mutex<Vec<String>>,
}

impl ConnectorContext for RecordingContext {
    fn request_task_reconfiguration(&self) {
        self.reconfigurations
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn raise_error(&self, error: ConnectError) {
        self.errors.lock().unwrap().push(error.chain());
    }
}

/// Starts the connector and returns it with its task configurations for `max_tasks`.
pub async fn start_connector(
    config: &ConfigMap,
    max_tasks: usize,
) -> (
    DynamoDbCdcSourceConnector,
    Arc<RecordingContext>,
    Vec<ConfigMap>,
) {
    let mut connector = DynamoDbCdcSourceConnector::default();
    let context = Arc::new(RecordingContext::default());
    timeout(TEST_TIMEOUT, connector.start(config, context.clone()))
        .await
        .expect("connector start timed out")
        .unwrap_or_else(|e| panic!("connector start failed: {}", e.chain()));
    let configs = connector
        .task_configs(max_tasks)
        .await
        .expect("task configs");
    (connector, context, configs)
}

/// Starts one task of the connector configured by `config` (one task), reading committed
/// offsets from `offsets`.
pub async fn start_task(config: &ConfigMap, offsets: Arc<MemoryOffsets>) -> Box<dyn SourceTask> {
    let (mut connector, _, mut configs) = start_connector(config, 1).await;
    assert_eq!(configs.len(), 1, "one task expected: {configs:?}");
    let mut task = connector.create_task();
    connector.stop().await.expect("connector stop");
    let context = SourceTaskContext {
        connector: "dynamodb-test".into(),
        task: 0,
        offsets,
    };
    timeout(TEST_TIMEOUT, task.start(&configs.remove(0), context))
        .await
        .expect("task start timed out")
        .unwrap_or_else(|e| panic!("task start failed: {}", e.chain()));
    task
}

/// Polls until `done` holds for everything polled so far (bounded by [`TEST_TIMEOUT`]);
/// returns what was polled.
pub async fn poll_until(
    task: &mut Box<dyn SourceTask>,
    what: &str,
    mut done: impl FnMut(&[SourceRecord]) -> bool,
) -> Vec<SourceRecord> {
    let deadline = Instant::now() + TEST_TIMEOUT;
    let mut polled = Vec::new();
    while !done(&polled) {
        assert!(
            Instant::now() < deadline,
            "timed out after {TEST_TIMEOUT:?} waiting for {what}; polled {} records: {:?}",
            polled.len(),
            polled.iter().map(describe).collect::<Vec<_>>()
        );
        match timeout(Duration::from_secs(10), task.poll()).await {
            Ok(Ok(records)) => polled.extend(records),
            Ok(Err(e)) => panic!("poll failed while waiting for {what}: {}", e.chain()),
            Err(_) => panic!("a poll took over 10 s while waiting for {what}"),
        }
    }
    polled
}

/// Polls for `window` and returns everything polled.
pub async fn poll_for(task: &mut Box<dyn SourceTask>, window: Duration) -> Vec<SourceRecord> {
    let deadline = Instant::now() + window;
    let mut polled = Vec::new();
    while Instant::now() < deadline {
        polled.extend(
            task.poll()
                .await
                .unwrap_or_else(|e| panic!("poll failed: {}", e.chain())),
        );
    }
    polled
}

/// A field of the envelope (`None` for a tombstone).
pub fn field<'a>(record: &'a SourceRecord, name: &str) -> Option<&'a Value> {
    record.value.as_struct()?.get(name)
}

/// A field of the envelope's source block.
pub fn source<'a>(record: &'a SourceRecord, name: &str) -> Option<&'a Value> {
    field(record, "source")?.as_struct()?.get(name)
}

/// `op`, or "tombstone".
pub fn op(record: &SourceRecord) -> String {
    field(record, "op")
        .and_then(Value::as_str)
        .unwrap_or("tombstone")
        .to_string()
}

/// The `document` of `before` or `after`, parsed.
pub fn document(record: &SourceRecord, which: &str) -> Option<Json> {
    let text = field(record, which)?
        .as_struct()?
        .get("document")?
        .as_str()?;
    Some(serde_json::from_str(text).expect("document is JSON"))
}

/// The key field `id`.
pub fn key_id(record: &SourceRecord) -> String {
    record
        .key
        .as_struct()
        .and_then(|k| k.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("record without key id: {record:?}"))
        .to_string()
}

/// A one-line description for failure messages.
pub fn describe(record: &SourceRecord) -> String {
    format!(
        "{}:{} {}",
        op(record),
        record
            .key
            .as_struct()
            .and_then(|k| k.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("?"),
        serde_json::to_string(&*record.source_partition).unwrap_or_default()
    )
}

/// Applies records in order to a map of id → latest `after` document (r/c/u set, d removes):
/// the state a consumer rebuilds from the topic.
pub fn replay(records: &[SourceRecord]) -> HashMap<String, Json> {
    let mut state = HashMap::new();
    for r in records {
        match op(r).as_str() {
            "r" | "c" | "u" => {
                state.insert(key_id(r), document(r, "after").expect("after"));
            }
            "d" => {
                state.remove(&key_id(r));
            }
            _ => {}
        }
    }
    state
}

/// `epoch_ms` as `yyyy-MM-dd'T'HH:mm:ss'Z'` (UTC, seconds truncated), the reference's default
/// timestamp format.
pub fn utc_timestamp(epoch_ms: i64) -> String {
    let secs = epoch_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The wall clock in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Sleeps into the next wall-clock second and then `extra` more, so changes before and after
/// fall in different whole seconds; returns the start of the second reached, in epoch ms.
pub async fn next_second(extra: Duration) -> i64 {
    let now = now_ms();
    let boundary = (now / 1000 + 1) * 1000;
    tokio::time::sleep(Duration::from_millis((boundary - now) as u64) + extra).await;
    now_ms() / 1000 * 1000
}
