//! The Kafka Connect REST API as a library: an axum [`Router`](axum::Router) over a [`Herder`].
//!
//! A tour:
//! - [`entities`]: Kafka's JSON entities (`ConnectorInfo`, `ConnectorStateInfo`, `PluginInfo`,
//!   `ConnectorOffsets`, …) with Kafka's field names and order, plus the validation entities
//!   re-exported from `strait_api::config`.
//! - [`error`]: [`ApiError`], the single error type, rendered as
//!   `{"error_code": N, "message": "..."}` with Kafka's status codes, including how body,
//!   path and routing failures are mapped.
//! - [`herder`]: the [`Herder`] trait the worker implements; each method documents the Kafka
//!   error messages it is expected to return.
//! - [`mod@router`]: [`router()`] builds the route table, [`serve`] runs it on a listener with
//!   graceful shutdown. Handlers are thin and live in `root`, `connectors`, `plugins` and
//!   `loggers`; `request` holds the extractors that read requests the way Jersey and Jackson do.
//!
//! The crate checks what Kafka's REST resources check from the request alone (a name in the
//! body that differs from the URL, a missing `level`, an empty offsets list, a validate path
//! that does not match `connector.class`); everything that needs state is the herder's.

#![warn(missing_docs)]
#![allow(missing_docs)] // entity fields mirror Kafka's JSON names; the types are documented.

mod connectors;
pub mod entities;
pub mod error;
pub mod herder;
mod loggers;
mod plugins;
mod request;
mod root;
pub mod router;

#[cfg(test)]
mod tests;

pub use entities::*;
pub use error::ApiError;
pub use herder::{Created, Herder};
pub use router::{router, router_with_options, serve, serve_router, RestOptions};
