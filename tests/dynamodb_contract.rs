mod common;
mod dynamodb_common;

// The DynamoDB CDC source against the source-connector contract (`common::contract`), on moto
// and the test broker (`bash scripts/services.sh up`): a change is a new item put into a table
// whose stream the connector reads in CDC mode; its identity is the item's key, and offsets of
// a shard are ordered by sequence number.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::time::Duration;

use async_trait::async_trait;
use strait_api::{ConfigMap, OffsetMap, PluginDesc, SourceRecord};
use strait_connectors::dynamodb::offset::compare_sequence_numbers;

use common::contract::{assert_source_contract, ContractSubject};
use common::unique_name;
use dynamodb_common::{client, config, create_table, key_id, put, simple_item, TableSpec};

struct DynamoSubject {
    client: aws_sdk_dynamodb::Client,
    table: String,
    next: AtomicUsize,
}

#[async_trait]
impl ContractSubject for DynamoSubject {
    fn plugin(&self) -> PluginDesc {
        strait_connectors::dynamodb::plugin()
    }

    fn connector_config(&self) -> ConfigMap {
        let mut c = config(
            &[&self.table],
            &[
                ("dynamodb.table.sync.mode", "CDC"),
                ("poll.linger.ms", "1000"),
            ],
        );
        c.remove("name");
        c
    }

    async fn append(&self, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let id = format!("item-{:05}", self.next.fetch_add(1, AtomicOrdering::SeqCst));
            put(&self.client, &self.table, simple_item(&id, 1)).await;
            ids.push(id);
        }
        ids
    }

    fn identity(&self, record: &SourceRecord) -> String {
        key_id(record)
    }

    fn compare_offsets(&self, a: &OffsetMap, b: &OffsetMap) -> Ordering {
        let seq = |o: &OffsetMap| {
            o.get("seqNo")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        compare_sequence_numbers(&seq(a), &seq(b))
    }

    fn patience(&self) -> Duration {
        Duration::from_secs(30)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_cdc_source_keeps_the_source_contract() {
    let client = client();
    let table = unique_name("ddb_contract");
    create_table(&client, &table, &TableSpec::default()).await;
    let subject = DynamoSubject {
        client,
        table,
        next: AtomicUsize::new(0),
    };
    assert_source_contract(&subject).await;
}
