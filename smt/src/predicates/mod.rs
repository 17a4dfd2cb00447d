//! Predicates (`org.apache.kafka.connect.transforms.predicates`): conditions that decide whether
//! a transform applies to a record, referenced by alias from `transforms.<alias>.predicate`.

pub mod record_is_tombstone;
pub mod topic_name_matches;

pub use record_is_tombstone::RecordIsTombstone;
pub use topic_name_matches::TopicNameMatches;
