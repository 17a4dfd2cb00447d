//! The worker (filled in by the worker work).
