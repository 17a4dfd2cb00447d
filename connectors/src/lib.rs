//! Strait source connectors.
