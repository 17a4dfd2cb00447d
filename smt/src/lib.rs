//! Single message transforms and predicates, compatible with Kafka Connect's built-ins: each is
//! registered under its Kafka class name, takes the same keys and answers with Kafka's messages,
//! so `transforms.*`/`predicates.*` settings carry over from a Java worker unchanged.
//!
//! A tour:
//! - [`filter`]: `Filter`, drops every record; paired with a predicate it drops the matching ones.
//! - [`regex_router`]: `RegexRouter`, renames topics by a whole-name regex with Java's `$1`
//!   replacement syntax.
//! - [`predicates`]: `TopicNameMatches` (whole topic name against a regex) and
//!   `RecordIsTombstone` (null value).
//!
//! Transforms are plain synchronous functions over one record (`None` drops it); the worker's
//! transformation chain applies them in order and evaluates predicates. Each plugin's file has a
//! `plugin()` returning its registry entry. Regexes are compiled once at `configure`, never per
//! record (`java_regex` bridges Java's regex and replacement syntax to the `regex` crate).

pub mod filter;
mod java_regex;
pub mod predicates;
pub mod regex_router;

pub use filter::Filter;
pub use predicates::{RecordIsTombstone, TopicNameMatches};
pub use regex_router::RegexRouter;
