//! DynamoDB CDC source, compatible with Confluent's `DynamoDbCdcSource`: same `connector.class`,
//! same keys and defaults, same records, same three offset types.
//!
//! **What it does.** Each captured table is snapshotted with a parallel Scan in five segments
//! and/or followed through its DynamoDB stream (`dynamodb.table.sync.mode`). Every change becomes
//! a record on the topic named like the table, keyed by the table's key attributes, whose value
//! is the reference's envelope: `op` r/c/u/d, timestamps, a `source` block, and `before`/`after`
//! holding the item as a DynamoDB JSON string; a delete is followed by a tombstone. Tables come
//! from an include list or from resource tags, are spread over `tasks.max` tasks, and are
//! rediscovered periodically.
//!
//! **Why it is shaped this way.**
//! - *Progress lives in Kafka Connect's offsets, not in a lease table.* The reference runs KCL,
//!   which keeps one row per shard in a DynamoDB "checkpointing" table. Strait keeps the same
//!   information — the last delivered sequence number of each shard — as source offsets, which
//!   the worker commits only for records Kafka acknowledged. So there is no side table, no extra
//!   IAM permission, and the REST offsets API shows and resets all of it. The reference's
//!   checkpointing-table keys are accepted with no effect.
//! - *Every position is resumable record by record.* A snapshot row's offset is its own key
//!   (the segment resumes with `ExclusiveStartKey` = that key), a stream record's offset is its
//!   sequence number (resume `AFTER_SEQUENCE_NUMBER`). Iterators and page cursors are never
//!   stored. A restart repeats nothing the worker committed and loses nothing it did not.
//! - *The snapshot→CDC hand-off is a timestamp taken before the scan.* CDC enters the stream at
//!   `TRIM_HORIZON` and skips records created before the earliest segment start (whole seconds,
//!   `ApproximateCreationDateTime`'s resolution). The same mechanism serves `LATEST`,
//!   `AT_TIMESTAMP` and the user-settable type C offset — the portable form of `AT_TIMESTAMP`,
//!   which neither KCL nor the emulators support natively.
//! - *Shards are a pure state machine* ([`shards`]): parents drained before children, missing
//!   parents treated as finished, driven by an I/O layer behind a trait ([`stream::StreamsApi`])
//!   so lineage, expiry and trimming are tested without AWS.
//! - *Fidelity is taken from the reference's registered schemas and published records*, down to
//!   Java `HashMap` attribute order in the document ([`attribute_json`]) and the envelope's
//!   timestamps ([`envelope`]). Where the prose and the registered schema disagree (`shard_id` vs
//!   `shard_Id`) the registered bytes win.
//!
//! **The modules**, in the order a record meets them: [`config`] (every key, parsed once),
//! [`preflight`] (live checks in `validate`), [`client`] (SDK clients and endpoint
//! derivation), [`discovery`] (include list or tags, readiness, assignment to tasks),
//! [`connector`], [`task`] (one pipeline per table, batching for `poll`), [`table`] (what a
//! table needs given its offsets), [`snapshot`] with [`rate_limit`], [`stream`] with
//! [`shards`], then [`envelope`], [`attribute_json`] and [`offset`] for the bytes, and
//! [`java_time`] for the reference's `DateTimeFormatter` patterns.
//!
//! `docs/dynamodb.md` lists what is implemented, what is accepted without effect and what is
//! rejected.

pub mod attribute_json;
pub mod client;
pub mod config;
pub mod connector;
pub mod discovery;
pub mod envelope;
pub mod error;
pub mod java_time;
pub mod offset;
pub mod preflight;
pub mod rate_limit;
mod retry;
pub mod shards;
mod sink;
pub mod snapshot;
pub mod stream;
pub mod table;
pub mod task;

use strait_api::{PluginDesc, PluginFactory};

pub use config::DynamoDbCdcConfig;
pub use connector::DynamoDbCdcSourceConnector;
pub use error::DynamoDbError;
pub use task::DynamoDbCdcSourceTask;

/// The plugin name users put in `connector.class` (Confluent Cloud's plugin name).
pub const CLASS: &str = "DynamoDbCdcSource";
/// The Java class behind the reference plugin, as a public plugin-name mapping reports it.
pub const JAVA_CLASS: &str = "io.confluent.connect.dynamodb.DynamoDBSourceConnector";
/// Strait's short name.
pub const ALIAS: &str = "dynamodb-cdc-source";

/// The connector's registry entry.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &[ALIAS, JAVA_CLASS],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Source(|| Box::new(DynamoDbCdcSourceConnector::default())),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginKind, PluginRegistry};

    use super::*;

    #[test]
    fn registry_finds_the_connector_by_its_names() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        for name in [CLASS, ALIAS, JAVA_CLASS] {
            let desc = registry.find(&[PluginKind::Source], name);
            assert_eq!(desc.map(|d| d.class), Some(CLASS), "{name}");
        }
        assert!(registry.source_connector("DynamoDbSink").is_err());
    }
}
