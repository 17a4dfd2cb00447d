//! Schemaless JSON exactly as Kafka Connect's internal `JsonConverter` writes it.
//!
//! Internal-topic values are Jackson output of small maps of strings, numbers and booleans.
//! `serde_json`'s compact output matches Jackson byte for byte except in two places, which
//! [`JacksonFormatter`] fixes: Jackson escapes the rare ASCII control characters without a short
//! form as `\u00XX` with **upper-case** hex digits (`serde_json`: lower-case), and Java writes
//! non-integral numbers with `Double.toString` (`1.0E10`), while `serde_json` keeps a parsed
//! number's text but normalizes its exponent (`1.0e+10`).
//! Field order comes from the `#[derive(Serialize)]` structs in each store, which list fields in
//! the order of Kafka's `Schema` definitions.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};
use serde_json::Value;

use crate::converters::java_format;

/// Compact JSON with Jackson's escaping of control characters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JacksonFormatter;

impl Formatter for JacksonFormatter {
    fn write_char_escape<W>(&mut self, writer: &mut W, char_escape: CharEscape) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let short = match char_escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => b'b',
            CharEscape::FormFeed => b'f',
            CharEscape::LineFeed => b'n',
            CharEscape::CarriageReturn => b'r',
            CharEscape::Tab => b't',
            CharEscape::AsciiControl(byte) => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                return writer.write_all(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xF)],
                ]);
            }
        };
        writer.write_all(&[b'\\', short])
    }

    /// Numbers kept as text (`arbitrary_precision`): integers are written exactly as read (Java
    /// reads them as `long`), anything with a fraction or exponent as Java's `Double.toString`
    /// (Java reads it as `double`), so `1.0E10` read from a Java worker is written back as
    /// `1.0E10`, not `serde_json`'s `1.0e+10`.
    fn write_number_str<W>(&mut self, writer: &mut W, value: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if !value.contains(['.', 'e', 'E']) {
            return writer.write_all(value.as_bytes());
        }
        match value.parse::<f64>() {
            Ok(v) => self.write_f64(writer, v),
            Err(_) => writer.write_all(value.as_bytes()),
        }
    }

    fn write_f64<W>(&mut self, writer: &mut W, value: f64) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut buf = Vec::with_capacity(24);
        java_format::write_f64(&mut buf, value);
        writer.write_all(&buf)
    }

    fn write_f32<W>(&mut self, writer: &mut W, value: f32) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut buf = Vec::with_capacity(16);
        java_format::write_f32(&mut buf, value);
        writer.write_all(&buf)
    }
}

/// Serializes `value` the way Kafka's schemaless JsonConverter does.
pub(crate) fn to_java_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_java_json(&mut out, value);
    out
}

/// Appends the Jackson-compatible serialization of `value` to `out`.
pub(crate) fn write_java_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, JacksonFormatter);
    // Serializing plain data (strings, numbers, maps with string keys) into a Vec cannot fail;
    // the types passed here never contain non-string map keys.
    if let Err(err) = value.serialize(&mut ser) {
        tracing::error!(error = %err, "json serialization of an internal record failed");
    }
}

/// Parses a record value: a tombstone, a JSON value, or bytes that are not JSON (logged).
pub(crate) fn parse_value(topic: &str, key: &str, bytes: Option<&[u8]>) -> Parsed {
    match bytes {
        None => Parsed::Null,
        Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Null) => Parsed::Null,
            Ok(value) => Parsed::Value(value),
            Err(err) => {
                tracing::error!(
                    topic,
                    key,
                    error = %err,
                    "ignoring internal record that is not json"
                );
                Parsed::Invalid
            }
        },
    }
}

/// The outcome of [`parse_value`].
pub(crate) enum Parsed {
    /// A tombstone or a JSON `null`.
    Null,
    /// A JSON value.
    Value(Value),
    /// Not JSON; Kafka's converter throws and the record is skipped.
    Invalid,
}

/// Java's `intValue` for schemaless numbers: an integral JSON number as `i64`.
pub(crate) fn integer(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64)
}

/// A short description of a JSON value's type for log messages.
pub(crate) fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None | Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_use_upper_case_hex_like_jackson() {
        let s = "a\u{1}b\u{1f}\n\t\"\\/é";
        let out = String::from_utf8(to_java_json(s)).unwrap();
        // Jackson: \u0001 and \u001F upper-case, short escapes for \n \t, '/' and non-ASCII raw.
        assert_eq!(out, "\"a\\u0001b\\u001F\\n\\t\\\"\\\\/é\"");
    }

    #[test]
    fn numbers_are_written_as_java_reads_and_writes_them() {
        let text = r#"{"pos":154,"big":123456789012345678901234567890,"neg":-7,"d":1.0E10,"e":1.0E-5,"f":0.10,"g":1E5,"h":12.5}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        // Integers keep their exact text; fractions and exponents go through `double`.
        assert_eq!(
            String::from_utf8(to_java_json(&value)).unwrap(),
            r#"{"pos":154,"big":123456789012345678901234567890,"neg":-7,"d":1.0E10,"e":1.0E-5,"f":0.1,"g":100000.0,"h":12.5}"#
        );
        // Numbers built in Rust come out the same way.
        let built = serde_json::json!({"ts": 1.0e10, "x": 0.5});
        assert_eq!(
            String::from_utf8(to_java_json(&built)).unwrap(),
            r#"{"ts":1.0E10,"x":0.5}"#
        );
    }
}
