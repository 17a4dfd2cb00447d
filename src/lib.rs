//! Strait: a Kafka Connect-compatible connector runtime.
//!
//! The `strait` binary is thin: [`cli`] reads the command line and config files, [`registry`]
//! lists every plugin the worker can run, [`stores`] opens the state stores of the chosen mode,
//! and the rest lives in the workspace crates:
//! - `strait-api` (runtime/api): the Connect data model and plugin traits;
//! - `strait-runtime` (runtime): the worker, converters, Kafka access and state stores;
//! - `strait-connectors` (connectors): the source connectors;
//! - `strait-smt` (smt): transforms and predicates;
//! - `strait-rest` (rest-api): the Kafka Connect REST API.

pub mod cli;
mod registry;
pub mod stores;

pub use registry::registry;
