//! MySQL's binary JSON (`JSONB`, only MySQL writes it; MariaDB's JSON is text) rendered the way
//! Debezium's binlog client renders it (`JsonBinary.parseAsString`).
//!
//! The rendering is compact (`{"a":1,"b":[1,2]}`), keeps MySQL's storage order of keys, prints
//! doubles with Java's `Double.toString`, and prints opaque values (dates, times, decimals) as
//! their text, other opaque values as quoted base64. Snapshot rows instead carry MySQL's own
//! text, with its spaces, exactly like Debezium's snapshot does.

use std::fmt::Write as _;

use base64::Engine as _;

use super::rows::{read_decimal, Reader};

const SMALL_OBJECT: u8 = 0x00;
const LARGE_OBJECT: u8 = 0x01;
const SMALL_ARRAY: u8 = 0x02;
const LARGE_ARRAY: u8 = 0x03;
const LITERAL: u8 = 0x04;
const INT16: u8 = 0x05;
const UINT16: u8 = 0x06;
const INT32: u8 = 0x07;
const UINT32: u8 = 0x08;
const INT64: u8 = 0x09;
const UINT64: u8 = 0x0a;
const DOUBLE: u8 = 0x0b;
const STRING: u8 = 0x0c;
const OPAQUE: u8 = 0x0f;

/// Renders a binary JSON document.
///
/// # Errors
/// Why the document is malformed.
pub fn render(doc: &[u8]) -> Result<String, String> {
    let (&ty, rest) = doc.split_first().ok_or("empty JSON document")?;
    let mut out = String::with_capacity(doc.len() * 2);
    value(ty, rest, &mut out, 0)?;
    Ok(out)
}

fn read_uint(buf: &[u8], at: usize, n: usize) -> Result<u64, String> {
    let bytes = buf
        .get(at..at + n)
        .ok_or_else(|| format!("JSON document truncated at offset {at}"))?;
    Ok(bytes
        .iter()
        .rev()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn varlen(buf: &[u8], mut at: usize) -> Result<(usize, usize), String> {
    let mut len = 0usize;
    for i in 0..5 {
        let b = *buf.get(at).ok_or("JSON length truncated")?;
        len |= usize::from(b & 0x7f) << (7 * i);
        at += 1;
        if b & 0x80 == 0 {
            return Ok((len, at));
        }
    }
    Err("JSON length too long".into())
}

fn value(ty: u8, buf: &[u8], out: &mut String, depth: usize) -> Result<(), String> {
    if depth > 100 {
        return Err("JSON document nested too deeply".into());
    }
    match ty {
        SMALL_OBJECT | LARGE_OBJECT => container(buf, ty == LARGE_OBJECT, true, out, depth),
        SMALL_ARRAY | LARGE_ARRAY => container(buf, ty == LARGE_ARRAY, false, out, depth),
        LITERAL => literal(read_uint(buf, 0, 1)? as u8, out),
        INT16 => write_num(out, read_uint(buf, 0, 2)? as u16 as i16),
        UINT16 => write_num(out, read_uint(buf, 0, 2)? as u16),
        INT32 => write_num(out, read_uint(buf, 0, 4)? as u32 as i32),
        UINT32 => write_num(out, read_uint(buf, 0, 4)? as u32),
        INT64 => write_num(out, read_uint(buf, 0, 8)? as i64),
        UINT64 => write_num(out, read_uint(buf, 0, 8)?),
        DOUBLE => {
            out.push_str(&java_double(f64::from_bits(read_uint(buf, 0, 8)?)));
            Ok(())
        }
        STRING => {
            let (len, at) = varlen(buf, 0)?;
            let s = buf.get(at..at + len).ok_or("JSON string truncated")?;
            quote(&String::from_utf8_lossy(s), out);
            Ok(())
        }
        OPAQUE => opaque(buf, out),
        other => Err(format!("unknown JSON value type {other}")),
    }
}

fn write_num(out: &mut String, n: impl std::fmt::Display) -> Result<(), String> {
    let _ = write!(out, "{n}");
    Ok(())
}

fn literal(b: u8, out: &mut String) -> Result<(), String> {
    out.push_str(match b {
        0 => "null",
        1 => "true",
        2 => "false",
        _ => return Err(format!("unknown JSON literal {b}")),
    });
    Ok(())
}

fn container(
    buf: &[u8],
    large: bool,
    object: bool,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    let w = if large { 4 } else { 2 };
    let count = read_uint(buf, 0, w)? as usize;
    let key_entry = if large { 6 } else { 4 };
    let value_entry = 1 + w;
    let keys_at = 2 * w;
    let values_at = keys_at + if object { count * key_entry } else { 0 };
    out.push(if object { '{' } else { '[' });
    for i in 0..count {
        if i > 0 {
            out.push(',');
        }
        if object {
            let e = keys_at + i * key_entry;
            let off = read_uint(buf, e, w)? as usize;
            let len = read_uint(buf, e + w, 2)? as usize;
            let key = buf.get(off..off + len).ok_or("JSON key truncated")?;
            quote(&String::from_utf8_lossy(key), out);
            out.push(':');
        }
        let e = values_at + i * value_entry;
        let ty = *buf.get(e).ok_or("JSON value entry truncated")?;
        let inlined = match ty {
            LITERAL | INT16 | UINT16 => true,
            INT32 | UINT32 => large,
            _ => false,
        };
        if inlined {
            value(ty, &buf[e + 1..], out, depth + 1)?;
        } else {
            let off = read_uint(buf, e + 1, w)? as usize;
            let inner = buf.get(off..).ok_or("JSON value offset out of range")?;
            value(ty, inner, out, depth + 1)?;
        }
    }
    out.push(if object { '}' } else { ']' });
    Ok(())
}

fn opaque(buf: &[u8], out: &mut String) -> Result<(), String> {
    let mysql_type = *buf.first().ok_or("JSON opaque value truncated")?;
    let (len, at) = varlen(buf, 1)?;
    let data = buf.get(at..at + len).ok_or("JSON opaque value truncated")?;
    match mysql_type {
        // DECIMAL: precision, scale, then decimal2bin.
        246 if data.len() >= 2 => {
            let d = read_decimal(
                &mut Reader::new(&data[2..]),
                usize::from(data[0]),
                usize::from(data[1]),
            )
            .map_err(|e| e.0)?;
            out.push_str(&crate::mysql::types::plain_decimal(&d));
        }
        // DATE, TIME, DATETIME, TIMESTAMP: a packed 8-byte integer.
        10 | 11 | 12 | 7 | 17 | 18 | 19 if data.len() >= 8 => {
            let packed = i64::from_le_bytes(
                data[..8]
                    .try_into()
                    .map_err(|_| "JSON temporal truncated")?,
            );
            let negative = packed < 0;
            let abs = packed.unsigned_abs();
            let int = abs >> 24;
            let frac = abs & 0xFF_FFFF;
            out.push('"');
            if mysql_type == 11 || mysql_type == 19 {
                let _ = write!(
                    out,
                    "{}{:02}:{:02}:{:02}.{frac:06}",
                    if negative { "-" } else { "" },
                    (int >> 12) & 0x3FF,
                    (int >> 6) & 0x3F,
                    int & 0x3F
                );
            } else {
                let ymd = int >> 17;
                let ym = ymd >> 5;
                let hms = int & 0x1_FFFF;
                let _ = write!(out, "{:04}-{:02}-{:02}", ym / 13, ym % 13, ymd & 0x1F);
                if mysql_type != 10 {
                    let _ = write!(
                        out,
                        " {:02}:{:02}:{:02}.{frac:06}",
                        hms >> 12,
                        (hms >> 6) & 0x3F,
                        hms & 0x3F
                    );
                }
            }
            out.push('"');
        }
        _ => {
            out.push('"');
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(data));
            out.push('"');
        }
    }
    Ok(())
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Java's `Double.toString`: plain between 10^-3 and 10^7, otherwise `d.dddE±n`, always with a
/// fractional digit.
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{d}");
        return if s.contains('.') { s } else { format!("{s}.0") };
    }
    let s = format!("{d:e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1.5), "1.5");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.25e-5), "1.25E-5");
        assert_eq!(java_double(-0.001), "-0.001");
    }

    #[test]
    fn documents_render_compactly_in_storage_order() {
        // {"a": 1, "b": [true, "x"]} as MySQL stores it (small object, 2 keys).
        let mut arr = vec![];
        arr.extend_from_slice(&2u16.to_le_bytes()); // count
        arr.extend_from_slice(&0u16.to_le_bytes()); // size (patched)
        arr.push(LITERAL);
        arr.extend_from_slice(&1u16.to_le_bytes());
        arr.push(STRING);
        arr.extend_from_slice(&10u16.to_le_bytes()); // offset of the string within the array
        arr.extend_from_slice(&[1, b'x']);
        let size = arr.len() as u16;
        arr[2..4].copy_from_slice(&size.to_le_bytes());

        let mut obj = vec![];
        obj.extend_from_slice(&2u16.to_le_bytes());
        obj.extend_from_slice(&0u16.to_le_bytes());
        let keys_at = 4;
        let values_at = keys_at + 2 * 4;
        let key_data_at = values_at + 2 * 3;
        obj.extend_from_slice(&(key_data_at as u16).to_le_bytes());
        obj.extend_from_slice(&1u16.to_le_bytes());
        obj.extend_from_slice(&((key_data_at + 1) as u16).to_le_bytes());
        obj.extend_from_slice(&1u16.to_le_bytes());
        obj.push(INT16);
        obj.extend_from_slice(&1u16.to_le_bytes());
        obj.push(SMALL_ARRAY);
        let arr_at = key_data_at + 2;
        obj.extend_from_slice(&(arr_at as u16).to_le_bytes());
        obj.extend_from_slice(b"ab");
        obj.extend_from_slice(&arr);
        let size = obj.len() as u16;
        obj[2..4].copy_from_slice(&size.to_le_bytes());

        let mut doc = vec![SMALL_OBJECT];
        doc.extend_from_slice(&obj);
        assert_eq!(render(&doc).unwrap(), r#"{"a":1,"b":[true,"x"]}"#);
        assert!(render(&doc[..6]).is_err());
    }
}
