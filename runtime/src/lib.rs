//! The Strait worker runtime.
//!
//! A tour, following a record from a source task to the broker:
//! - [`worker`]: the herder (connector and task lifecycle, the REST contract) and the source
//!   pipeline: poll → [`chain`] (transforms with predicates) → [`converters`] → [`kafka`] producer,
//!   committing offsets only after the broker acknowledged every record before them.
//! - [`chain`]: the `transforms`/`predicates` configuration and the transformation chain.
//! - [`converters`]: JsonConverter, StringConverter, ByteArrayConverter, SimpleHeaderConverter,
//!   byte-compatible with Kafka's.
//! - [`storage`]: connector configs, source offsets and statuses in Kafka Connect's internal-topic
//!   formats (and the standalone offsets file).
//! - [`kafka`]: the small broker interface the rest of the runtime uses.

pub mod chain;
pub mod converters;
pub use strait_kafka as kafka;
pub mod storage;
pub mod worker;
