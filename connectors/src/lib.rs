//! Strait source connectors, each compatible with the Kafka Connect connector whose class name
//! it is registered under, so existing connector configs work unchanged.
//!
//! A tour:
//! - [`file`]: FileStreamSource (`org.apache.kafka.connect.file.FileStreamSourceConnector`,
//!   alias `file-source`): tails a file, one STRING record per line, with Kafka's source
//!   partition and offset shapes so offsets carry over between a Java worker and Strait.
//!
//! Each connector lives in its own module with a `plugin()` function returning its registry
//! entry; connectors depend on `strait-api` alone, never on the worker.

pub mod dynamodb;
pub mod file;
pub mod mysql;
