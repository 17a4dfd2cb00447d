//! JSON tokens written exactly as Jackson's `UTF8JsonGenerator` writes them with Kafka's
//! `ObjectMapper` defaults.
//!
//! Compact output, UTF-8, non-ASCII written raw, `/` not escaped, control characters escaped
//! with the short forms `\b \t \n \f \r` or else `\u00XX` with upper-case hex digits; floats via
//! Java's `toString`, non-finite floats as the quoted strings `"NaN"`, `"Infinity"`,
//! `"-Infinity"` (Jackson's default `QUOTE_NON_NUMERIC_NUMBERS`); binary as standard,
//! padded base64. Everything appends to a caller-owned buffer.

use base64::Engine as _;

use crate::converters::java_format;

/// For each byte: 0 = copy, `b'u'` = `\u00XX`, anything else = backslash + that byte.
static ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes a quoted, escaped JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPES[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        out.push(b'\\');
        if esc == b'u' {
            out.extend_from_slice(b"u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0x0F)]);
        } else {
            out.push(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes an object key followed by `:`.
pub fn key(out: &mut Vec<u8>, name: &str) {
    string(out, name);
    out.push(b':');
}

/// Writes an integer.
pub fn int(out: &mut Vec<u8>, v: i64) {
    java_format::write_i64(out, v);
}

/// Writes a double; non-finite values become quoted strings.
pub fn f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        java_format::write_f64(out, v);
    } else {
        out.push(b'"');
        java_format::write_f64(out, v);
        out.push(b'"');
    }
}

/// Writes a float; non-finite values become quoted strings.
pub fn f32(out: &mut Vec<u8>, v: f32) {
    if v.is_finite() {
        java_format::write_f32(out, v);
    } else {
        out.push(b'"');
        java_format::write_f32(out, v);
        out.push(b'"');
    }
}

/// Writes `true` or `false`.
pub fn boolean(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Writes binary data as a quoted, standard, padded base64 string.
pub fn base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len() + 1;
    let encoded = bytes.len().div_ceil(3) * 4;
    out.push(b'"');
    out.resize(start + encoded, 0);
    // The slice has exactly the encoded length, so encoding cannot run out of room.
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_like_jackson() {
        assert_eq!(render(|o| string(o, "a\"b\\c/d")), r#""a\"b\\c/d""#);
        assert_eq!(
            render(|o| string(o, "\u{8}\t\n\u{c}\r\u{0}\u{1f}\u{7f}")),
            "\"\\b\\t\\n\\f\\r\\u0000\\u001F\u{7f}\""
        );
        assert_eq!(render(|o| string(o, "héllo ☃ 😀")), "\"héllo ☃ 😀\"");
    }

    #[test]
    fn base64_is_standard_and_padded() {
        assert_eq!(
            render(|o| base64(o, b"test-string")),
            "\"dGVzdC1zdHJpbmc=\""
        );
        assert_eq!(render(|o| base64(o, &[0xfb, 0xff])), "\"+/8=\"");
        assert_eq!(render(|o| base64(o, &[])), "\"\"");
    }

    #[test]
    fn non_finite_floats_are_quoted() {
        assert_eq!(render(|o| f64(o, f64::NAN)), "\"NaN\"");
        assert_eq!(render(|o| f32(o, f32::NEG_INFINITY)), "\"-Infinity\"");
        assert_eq!(render(|o| f64(o, 1.0e10)), "1.0E10");
    }
}
