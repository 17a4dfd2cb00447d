//! The transformation chain (filled in by the chain work).
