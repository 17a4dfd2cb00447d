//! The worker: connector and task lifecycle, and the source pipeline.
//!
//! - [`herder`] owns every connector and task of this worker, persists configs, target states,
//!   offsets and statuses through [`crate::storage`], and serves the REST contract.
//! - [`source_task`] is the per-task loop: poll → transform → convert → produce → commit;
//!   `offset_buffer` keeps its latest offset per source partition until a flush.
//! - [`producer`] chooses partitions and creates topics (KIP-158 rules in [`topic_creation`]).
//! - [`errors`] applies `errors.tolerance` and retries to each record stage.
//! - [`config`] and [`connector_config`] are the worker and common connector keys;
//!   [`client_overrides`] the per-connector producer settings and the policy allowing them;
//!   [`properties`] reads Java `.properties` files.

pub mod client_overrides;
pub mod config;
pub mod connector_config;
pub mod converters;
pub mod errors;
pub mod herder;
pub mod loggers;
mod offset_buffer;
pub mod producer;
pub mod properties;
pub mod source_task;
pub mod topic_creation;

use std::fmt;

/// A task's identity: connector name and task number (`ConnectorTaskId`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}
