//! The logical types of `org.apache.kafka.connect.data`: Decimal, Date, Time and Timestamp.
//!
//! A logical type is a primitive schema with a well-known name and `version` 1. Decimal keeps its
//! scale as the string parameter `scale`, exactly as Java writes it.

use crate::error::{ConnectError, Result};
use crate::schema::{Schema, SchemaBuilder, SchemaType};

/// Schema name of the Decimal logical type.
pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
/// Schema name of the Date logical type (days since the epoch, INT32).
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
/// Schema name of the Time logical type (milliseconds since midnight, INT32).
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
/// Schema name of the Timestamp logical type (milliseconds since the epoch, INT64).
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";
/// The Decimal parameter holding the scale.
pub const SCALE_PARAMETER: &str = "scale";

/// A Decimal schema builder with the given scale.
pub fn decimal(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Bytes)
        .name(DECIMAL_NAME)
        .parameter(SCALE_PARAMETER, scale.to_string())
        .version(1)
}

/// A Date schema builder.
pub fn date() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(DATE_NAME)
        .version(1)
}

/// A Time schema builder.
pub fn time() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(TIME_NAME)
        .version(1)
}

/// A Timestamp schema builder.
pub fn timestamp() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int64)
        .name(TIMESTAMP_NAME)
        .version(1)
}

/// The scale of a Decimal schema.
///
/// # Errors
/// A data error when the `scale` parameter is missing or not an integer.
pub fn decimal_scale(schema: &Schema) -> Result<i32> {
    let raw = schema
        .parameter(SCALE_PARAMETER)
        .ok_or_else(|| ConnectError::data("Invalid Decimal schema: scale parameter not found."))?;
    raw.parse().map_err(|_| {
        ConnectError::data(format!(
            "Invalid scale parameter found in Decimal schema: {raw}"
        ))
    })
}

/// Whether the schema is one of the four logical types.
pub fn is_logical(schema: &Schema) -> bool {
    matches!(
        schema.name(),
        Some(DECIMAL_NAME | DATE_NAME | TIME_NAME | TIMESTAMP_NAME)
    )
}
