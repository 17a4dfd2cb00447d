//! Internal-topic stores (filled in by the storage work).
