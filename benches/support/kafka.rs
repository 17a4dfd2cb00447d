//! The broker side of a measurement: fresh one-partition topics, the high watermark that tells
//! how far a worker got, and deleting a run's topics afterwards (the test broker keeps
//! everything in memory). The clock stops on the Fetch high watermark, not ListOffsets, which
//! tansu gets wrong.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use strait_runtime::kafka::{Broker, KafkaBroker, KafkaError, TopicSpec};

use super::{Rest, Worker, PROGRESS_POLL, STALL_LIMIT, STARTUP_LIMIT};

/// Connects to the test broker, with a message saying how to start it when it does not answer.
pub async fn connect_broker(bootstrap: &str) -> Result<KafkaBroker> {
    let how_to = "start the test services with `bash scripts/services.sh up` or point \
                  STRAIT_TEST_KAFKA at a broker";
    match tokio::time::timeout(
        STARTUP_LIMIT,
        KafkaBroker::connect(&[bootstrap.to_string()]),
    )
    .await
    {
        Ok(Ok(broker)) => Ok(broker),
        Ok(Err(e)) => bail!("the Kafka broker at {bootstrap} is not reachable: {e}; {how_to}"),
        Err(_) => bail!(
            "the Kafka broker at {bootstrap} did not answer within {STARTUP_LIMIT:?}; {how_to}"
        ),
    }
}

/// Creates a fresh one-partition topic (an existing one is an error: the bench counts records
/// from offset 0) and waits until metadata requests see it.
pub async fn create_topic(broker: &KafkaBroker, name: &str) -> Result<()> {
    let spec = TopicSpec {
        name: name.to_string(),
        partitions: 1,
        replication_factor: 1,
        configs: BTreeMap::new(),
    };
    let created = broker
        .create_topic(&spec)
        .await
        .with_context(|| format!("cannot create topic {name}"))?;
    if !created {
        bail!("topic {name} already exists; the bench needs a fresh one");
    }
    let deadline = Instant::now() + STARTUP_LIMIT;
    while broker.partition_count(name).await? != Some(1) {
        if Instant::now() > deadline {
            bail!("topic {name} has no partition {STARTUP_LIMIT:?} after its creation");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Deletes those of `topics` that exist. `KafkaBroker` has no DeleteTopics (the worker never
/// deletes), so this borrows rskafka, already a test dependency.
pub async fn delete_topics(bootstrap: &str, topics: &[String]) -> Result<()> {
    let client = rskafka::client::ClientBuilder::new(vec![bootstrap.to_string()])
        .build()
        .await
        .context("rskafka cannot connect")?;
    let existing = client.list_topics().await.context("cannot list topics")?;
    let controller = client.controller_client().context("no controller client")?;
    for name in topics {
        if existing.iter().any(|t| &t.name == name) {
            controller
                .delete_topic(name.as_str(), 30_000)
                .await
                .with_context(|| format!("cannot delete topic {name}"))?;
        }
    }
    Ok(())
}

/// The high watermark of partition 0, without reading the records below it.
///
/// A read that starts at `target` costs one small Fetch: at the end it returns nothing, and
/// beyond the end the error carries the high watermark. A broker whose out-of-range answer lacks
/// it falls back to reading forward from `position`.
pub async fn high_watermark(
    broker: &KafkaBroker,
    topic: &str,
    target: i64,
    position: &mut i64,
) -> Result<i64> {
    match broker.read_to_end(topic, 0, target).await {
        Ok((_, end)) => Ok(end),
        Err(KafkaError::OffsetOutOfRange {
            high_watermark: Some(end),
            ..
        }) => Ok(end),
        Err(KafkaError::OffsetOutOfRange {
            high_watermark: None,
            ..
        }) => {
            let (_, end) = broker
                .read_to_end(topic, 0, *position)
                .await
                .with_context(|| format!("cannot read topic {topic}"))?;
            *position = end;
            Ok(end)
        }
        Err(e) => Err(e).with_context(|| format!("cannot fetch the end of topic {topic}")),
    }
}

/// The value of the last record of `topic` (offset `end - 1`).
pub async fn last_value(broker: &KafkaBroker, topic: &str, end: i64) -> Result<Option<Vec<u8>>> {
    let (records, _) = broker
        .read_to_end(topic, 0, end - 1)
        .await
        .with_context(|| format!("cannot read the last record of {topic}"))?;
    Ok(records
        .into_iter()
        .find(|r| r.offset == end - 1)
        .and_then(|r| r.value))
}

/// How a destination topic filled up.
pub struct Progress {
    /// The high watermark once it reached the target.
    pub end: i64,
    /// When the first record was seen, counted from `started`.
    pub first_record: Duration,
    /// The high watermark at that moment.
    pub first_high_watermark: i64,
}

/// Polls `topic`'s high watermark every [`PROGRESS_POLL`] until it reaches `target`; fails when
/// the worker dies or the topic stops growing for [`STALL_LIMIT`] (with `connector`'s status).
pub async fn wait_for_records(
    broker: &KafkaBroker,
    topic: &str,
    target: i64,
    started: Instant,
    worker: &mut Worker,
    rest: &Rest,
    connector: &str,
) -> Result<Progress> {
    let mut position = 0;
    let mut seen = 0;
    let mut last_growth = Instant::now();
    let mut first = None;
    loop {
        let hw = high_watermark(broker, topic, target, &mut position).await?;
        if hw > 0 && first.is_none() {
            first = Some((started.elapsed(), hw));
        }
        if hw >= target {
            let (first_record, first_high_watermark) = first.unwrap_or((started.elapsed(), hw));
            return Ok(Progress {
                end: hw,
                first_record,
                first_high_watermark,
            });
        }
        if hw > seen {
            seen = hw;
            last_growth = Instant::now();
        } else if last_growth.elapsed() > STALL_LIMIT {
            let (_, state) = rest.call("GET", &format!("/connectors/{connector}/status"), None)?;
            bail!(
                "topic {topic} stuck at {hw} of {target} records for {STALL_LIMIT:?}; connector \
                 status: {state}; worker log: {}",
                worker.log.display()
            );
        }
        worker.check_alive()?;
        tokio::time::sleep(PROGRESS_POLL).await;
    }
}
