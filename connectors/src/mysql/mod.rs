//! MySQL/MariaDB binlog source, record-for-record compatible with Debezium's
//! `io.debezium.connector.mysql.MySqlConnector` and `io.debezium.connector.mariadb.MariaDbConnector`.
//!
//! # Design
//!
//! Compatibility is the product: a consumer, a schema registry or a stored offset must not be
//! able to tell this connector from Debezium. So the module is organised around Debezium's
//! observable contracts, each owned by one file, and around one hot path.
//!
//! - **Configuration** ([`config`], [`filters`]) uses Debezium's property names and defaults.
//!   Everything is parsed once; whatever Strait does not implement is *rejected* at validation
//!   with the key's name and the reason, never accepted and ignored.
//! - **Prechecks** ([`preflight`]) run in `validate` against the live server: reachability,
//!   credentials, `binlog_format=ROW`, `binlog_row_image=FULL`, grants, a clashing server id,
//!   tables without a key, unsupported column types.
//! - **The table model** ([`model`], [`schema`]) is what Debezium's DDL parser holds: built from
//!   each table's `SHOW CREATE TABLE` at a snapshot and moved forward by every DDL statement of
//!   the binlog ([`ddl`], a parser for MySQL/MariaDB table DDL), so rows are always decoded with
//!   the table as it was when they were written ([`catalog`] builds the record schemas).
//!   [`schema_tracker`] records each change in the schema history topic in Debezium's document
//!   format ([`history`]), replays it after a restart, and emits the schema change topic
//!   ([`schema_change`]).
//! - **Type mapping** ([`types`], [`temporal`]) follows `BinlogValueConverters` for every column
//!   type under each `decimal`/`time.precision`/`bigint.unsigned`/`binary` mode, including
//!   Debezium's own differences between snapshot and stream.
//! - **Records** ([`envelope`]) have Debezium's schema names, field order and optionality; the
//!   `source` block, `op`, `ts_ms/us/ns`, tombstones, primary-key changes (delete + tombstone +
//!   create with `__debezium.newkey`/`oldkey` headers), truncates, heartbeats and transaction
//!   metadata ([`transaction`]) match.
//! - **Offsets** ([`offset`], [`gtid`]) are Debezium's `{"server": prefix}` partition and
//!   `file/pos/event/row/gtids/server_id/ts_sec/snapshot` map, computed by the same state machine,
//!   so either side resumes the other's offsets, inside a transaction too.
//! - **Reading**: [`snapshot`] takes a consistent cut (lock, `REPEATABLE READ` consistent
//!   snapshot, position, unlock) and streams rows; [`binlog`] streams replication events through
//!   `mysql_async` (MariaDB GTID events decoded by hand) and decodes row images itself
//!   ([`binlog::rows`]), the hot path: cells borrow from the event buffer and schemas are built
//!   once per table version. Both feed a bounded queue ([`sink`]); [`task`] owns the reader,
//!   reconnects with backoff on lost connections and resumes from the last queued record.
//!
//! What is deliberately missing (incremental snapshots, TLS, ...) is listed in `docs/mysql.md`;
//! the keys that would turn those on fail validation.

pub mod binlog;
pub mod catalog;
pub mod config;
pub mod connection;
pub mod connector;
pub mod ddl;
pub mod envelope;
pub mod filters;
pub mod gtid;
pub mod history;
pub mod model;
pub mod offset;
pub mod preflight;
pub mod schema;
pub mod schema_change;
pub mod schema_tracker;
pub mod sink;
pub mod snapshot;
pub mod task;
pub mod temporal;
pub mod transaction;
pub mod types;

use strait_api::{PluginDesc, PluginFactory};

pub use config::{ConnectorFlavor, MySqlSourceConfig};
pub use connector::MySqlSourceConnector;
pub use task::MySqlSourceTask;

/// Debezium's MySQL connector class.
pub const CLASS: &str = "io.debezium.connector.mysql.MySqlConnector";
/// Debezium's MariaDB connector class.
pub const MARIADB_CLASS: &str = "io.debezium.connector.mariadb.MariaDbConnector";

/// Registry entry of the MySQL connector (Strait alias `mysql-source`).
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["mysql-source"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Source(|| {
            Box::new(MySqlSourceConnector::new(ConnectorFlavor::MySql))
        }),
    }
}

/// Registry entry of the MariaDB connector (Strait alias `mariadb-source`).
pub fn mariadb_plugin() -> PluginDesc {
    PluginDesc {
        class: MARIADB_CLASS,
        aliases: &["mariadb-source"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Source(|| {
            Box::new(MySqlSourceConnector::new(ConnectorFlavor::MariaDb))
        }),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginKind, PluginRegistry};

    use super::*;

    #[test]
    fn registry_finds_both_connectors_by_class_alias_and_short_name() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        registry.add(mariadb_plugin());
        for (name, class) in [
            (CLASS, CLASS),
            ("mysql-source", CLASS),
            ("MySqlConnector", CLASS),
            ("MySql", CLASS),
            (MARIADB_CLASS, MARIADB_CLASS),
            ("mariadb-source", MARIADB_CLASS),
            ("MariaDb", MARIADB_CLASS),
        ] {
            let desc = registry.find(&[PluginKind::Source], name);
            assert_eq!(desc.map(|d| d.class), Some(class), "{name}");
        }
    }
}
