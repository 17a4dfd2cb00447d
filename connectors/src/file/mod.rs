//! FileStreamSource: Kafka's `org.apache.kafka.connect.file.FileStreamSourceConnector`.
//!
//! One task tails one file and turns each line into a record whose value is the line as a STRING.
//! It is shaped so a Strait worker and a Java worker can take over from each other: the source
//! partition is `{"filename": <file>}` and the offset `{"position": <byte position after the
//! line>}`, exactly as Kafka writes them, and lines are split by Kafka's rules (`\n`, `\r\n` or a
//! lone `\r`).
//!
//! Where Strait differs, on purpose:
//! - `file` is required. Kafka reads standard input when it is unset, which makes no sense for a
//!   worker driven over REST and would keep the worker from shutting down (a read of stdin
//!   cannot be cancelled), so validation rejects it with a message saying so.
//! - `position` counts bytes. Kafka resumes by skipping that many bytes but counts UTF-16 chars
//!   while reading, so the two agree only for ASCII; counting bytes makes Strait's offsets resume
//!   at the right line, and Kafka-written offsets resume exactly where Kafka would.
//! - a `topic` containing a comma is rejected with the message Kafka used while `topic` was a
//!   list (Kafka 3.3 and earlier); later Kafka versions only fail when producing.
//!
//! The pieces: [`config`] parses the keys once, [`lines`] splits bytes into lines without losing
//! a partial one, [`task`] owns the file and the resume position, [`connector`] hands the whole
//! configuration to its single task.

pub mod config;
pub mod connector;
mod lines;
pub mod task;

use strait_api::{PluginDesc, PluginFactory};

pub use config::FileStreamSourceConfig;
pub use connector::FileStreamSourceConnector;
pub use task::FileStreamSourceTask;

/// Kafka's class name for the connector.
pub const CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";

/// The connector's registry entry: Kafka's class name and the Strait alias `file-source`.
pub fn plugin() -> PluginDesc {
    PluginDesc {
        class: CLASS,
        aliases: &["file-source"],
        version: env!("CARGO_PKG_VERSION"),
        factory: PluginFactory::Source(|| Box::new(FileStreamSourceConnector::default())),
    }
}

#[cfg(test)]
mod tests {
    use strait_api::{PluginKind, PluginRegistry};

    use super::*;

    #[test]
    fn registry_finds_the_connector_by_class_alias_and_short_names() {
        let mut registry = PluginRegistry::new();
        registry.add(plugin());
        for name in [
            CLASS,
            "file-source",
            "FileStreamSourceConnector",
            "FileStreamSource",
        ] {
            let desc = registry.find(&[PluginKind::Source], name);
            assert_eq!(desc.map(|d| d.class), Some(CLASS), "{name}");
        }
        assert!(registry.source_connector("file-sink").is_err());
    }
}
