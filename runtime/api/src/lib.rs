//! The Strait Connect API: what every connector, transform and converter is written against.
//!
//! A tour, in the order a record meets these types:
//! - [`schema`], [`value`], [`structs`], [`decimal`], [`logical`]: the Connect data model
//!   (`org.apache.kafka.connect.data`): schemas with optional/default/name/version/doc/parameters,
//!   values, structs validated against their schema, and the Decimal/Date/Time/Timestamp logical
//!   types.
//! - [`record`]: [`SourceRecord`] with its topic, partition, key, value, timestamp, headers and
//!   the source partition and [`SourceOffset`] the worker commits (a map, or a connector's
//!   [`TypedOffset`] turned into one only when stored).
//! - [`plugin`]: the traits the worker drives: [`SourceConnector`], [`SourceTask`],
//!   [`Transformation`], [`Predicate`], [`Converter`], [`HeaderConverter`].
//! - [`config`]: `ConfigDef`-style key declarations that parse, validate and render Kafka's
//!   `ConfigInfos` JSON.
//! - [`registry`]: plugins registered under their Java class names and aliases.
//! - [`error`]: [`ConnectError`], classified as retriable, config, data or fatal.
//!
//! This crate depends on no runtime: connectors and SMTs depend on it alone.

#![warn(missing_docs)]
#![allow(missing_docs)] // enum variants and entity fields mirror Kafka's names; items are documented.

pub mod config;
pub mod decimal;
pub mod error;
pub mod logical;
pub mod plugin;
pub mod record;
pub mod registry;
pub mod schema;
pub mod structs;
pub mod text;
pub mod value;

pub use config::{
    ConfigDef, ConfigInfos, ConfigKey, ConfigMap, ConfigType, ConfigValue, Importance, Validator,
};
pub use decimal::Decimal;
pub use error::{ConnectError, Result};
pub use plugin::{
    ConnectorContext, Converter, HeaderConverter, OffsetStorageReader, Predicate, RecordMetadata,
    SourceConnector, SourceTask, SourceTaskContext, Transformation,
};
pub use record::{Header, Headers, OffsetMap, SourceOffset, SourceRecord, TypedOffset};
pub use registry::{PluginDesc, PluginFactory, PluginKind, PluginRegistry};
pub use schema::{Field, Schema, SchemaAndValue, SchemaBuilder, SchemaType};
pub use structs::Struct;
pub use text::Text;
pub use value::Value;
