//! Strait: a Kafka Connect-compatible connector runtime.
