//! Errors from the broker.

/// An error talking to the broker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KafkaError {
    /// Placeholder until the client is written.
    #[error("kafka error: {0}")]
    Other(String),
}
