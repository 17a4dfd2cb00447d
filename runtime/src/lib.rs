//! The Strait worker runtime.
