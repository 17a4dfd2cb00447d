//! Converters: Connect data to and from the bytes Kafka stores, byte-compatible with Kafka's.
//!
//! Each converter is one module named after its Java class, registered under the Java class
//! name plus a short Strait alias (see [`plugins`]):
//! - [`json`]: `JsonConverter` (also a header converter), the format almost every CDC pipeline
//!   uses, so it gets the most care: a streaming, allocation-light encoder with a schema cache
//!   and Jackson-exact output.
//! - [`string`]: `StringConverter` (UTF-8 only).
//! - [`byte_array`]: `ByteArrayConverter`, for connectors that already produce wire bytes.
//! - [`simple_header`]: `SimpleHeaderConverter`, built on [`values`] (`Values.convertToString`
//!   and `Values.parseString`).
//!
//! Shared pieces: [`java_format`] prints numbers as Java does (every text format depends on
//! it), [`converter_type`] handles the `converter.type` key, and `path` names the field a data
//! error is about (`field "address.zip": ...`).

pub mod byte_array;
pub mod converter_type;
pub mod java_format;
pub mod json;
mod path;
pub mod simple_header;
pub mod string;
pub mod values;

pub use byte_array::ByteArrayConverter;
pub use json::JsonConverter;
pub use simple_header::SimpleHeaderConverter;
pub use string::StringConverter;
