//! Kafka's `org.apache.kafka.connect.data.Values` string forms, as the SimpleHeaderConverter
//! uses them.
//!
//! [`format`] renders a value as text (`Values.convertToString`): scalars bare, strings quoted
//! only inside arrays, maps and structs, bytes as base64, temporal values as ISO-8601 text.
//! [`parse`] goes the other way (`Values.parseString`), inferring a schema: booleans, the
//! smallest integer type that fits, FLOAT32/FLOAT64/Decimal for other numbers, ISO-8601 dates,
//! times and timestamps, and arrays and maps in the same syntax, with element types widened to
//! a common schema. Anything else is a string.

pub mod format;
pub mod parse;

/// Milliseconds in a day.
pub(crate) const MILLIS_PER_DAY: i64 = 86_400_000;
