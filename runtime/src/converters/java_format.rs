//! Java's `Double.toString` / `Float.toString` and `Long.toString`, written into byte buffers.
//!
//! Every converter that turns a number into text must match what a Java worker writes, because
//! downstream consumers compare and parse those bytes. Java picks the shortest decimal that reads
//! back as the same binary value (the JDK 19+ specification, which Jackson's fast writer also
//! follows) and then lays it out in one of two shapes: plain (`12.5`, `0.001`, `1.0`) when
//! `10^-3 <= |v| < 10^7`, otherwise computerized scientific notation (`1.0E10`, `1.0E-5`). Rust's
//! `{:e}` formatting already yields the shortest round-tripping digits, so this module only
//! re-lays them out. One subtlety of the JDK rule: when a single digit suffices, Java still
//! considers two-digit candidates and prints the closer one (`Double.MIN_VALUE` is `4.9E-324`,
//! not `5.0E-324`).
//!
//! Formatting goes through a small stack buffer: no heap allocation per number.

use std::fmt::{self, LowerExp, Write as _};
use std::str::FromStr;

/// A fixed-size stack buffer that `write!` can target.
struct StackBuf {
    buf: [u8; 48],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        Self {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        // Only `write_str` fills the buffer, always with whole `&str`s.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Decimal digits (no leading zeros, no dot) and the exponent of the first digit.
struct Digits {
    digits: [u8; 24],
    len: usize,
    exponent: i32,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Parses Rust's `{:e}` output for a positive finite number, e.g. `1.2345e-5`.
    fn from_exp_str(s: &str) -> Option<Self> {
        let (mantissa, exponent) = s.split_once('e')?;
        let exponent = exponent.parse().ok()?;
        let mut digits = [0u8; 24];
        let mut len = 0;
        for b in mantissa.bytes().filter(u8::is_ascii_digit) {
            *digits.get_mut(len)? = b;
            len += 1;
        }
        // Rust never writes trailing zeros in shortest mode, but `{:.1e}` may (`1.0e23`).
        while len > 1 && digits[len - 1] == b'0' {
            len -= 1;
        }
        (len > 0).then_some(Self {
            digits,
            len,
            exponent,
        })
    }
}

/// The digits Java prints for a positive, finite, non-zero value.
fn java_digits<F>(v: F) -> Option<Digits>
where
    F: LowerExp + FromStr + PartialEq + Copy,
{
    let mut shortest = StackBuf::new();
    write!(shortest, "{v:e}").ok()?;
    let digits = Digits::from_exp_str(shortest.as_str())?;
    if digits.len != 1 {
        return Some(digits);
    }
    // JDK rule: with a one-digit shortest form, a closer two-digit decimal wins.
    let mut two = StackBuf::new();
    write!(two, "{v:.1e}").ok()?;
    match two.as_str().parse::<F>() {
        Ok(back) if back == v => Digits::from_exp_str(two.as_str()).or(Some(digits)),
        _ => Some(digits),
    }
}

/// Lays out digits the way `Double.toString` does.
fn layout(out: &mut Vec<u8>, negative: bool, d: &Digits) {
    if negative {
        out.push(b'-');
    }
    let digits = d.as_slice();
    let e = d.exponent;
    if (-3..7).contains(&e) {
        if e >= 0 {
            let int_len = e as usize + 1;
            if digits.len() <= int_len {
                out.extend_from_slice(digits);
                out.resize(out.len() + (int_len - digits.len()), b'0');
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&digits[int_len..]);
            }
        } else {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + (-e - 1) as usize, b'0');
            out.extend_from_slice(digits);
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        write_i64(out, i64::from(e));
    }
}

/// Writes `v` as Java's `Double.toString(v)` (`NaN`, `Infinity`, `-0.0`, `1.0E10`, ...).
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
    } else {
        match java_digits(v.abs()) {
            Some(d) => layout(out, v < 0.0, &d),
            // Unreachable for finite values; fall back to Rust's own rendering.
            None => out.extend_from_slice(v.to_string().as_bytes()),
        }
    }
}

/// Writes `v` as Java's `Float.toString(v)` (`0.1`, `1.0E10`, ...).
pub fn write_f32(out: &mut Vec<u8>, v: f32) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
    } else {
        match java_digits(v.abs()) {
            Some(d) => layout(out, v < 0.0, &d),
            None => out.extend_from_slice(v.to_string().as_bytes()),
        }
    }
}

/// Writes a decimal integer (Java's `Long.toString`).
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Java's `Double.toString(v)` as a `String`.
pub fn f64_to_string(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_f64(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// Java's `Float.toString(v)` as a `String`.
pub fn f32_to_string(v: f32) -> String {
    let mut out = Vec::with_capacity(16);
    write_f32(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_match_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (12.34, "12.34"),
            (100.0, "100.0"),
            (1234567.0, "1234567.0"),
            (1.0e7, "1.0E7"),
            (1.0e10, "1.0E10"),
            (12345678.9, "1.23456789E7"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.0e-5, "1.0E-5"),
            (-1.5e-7, "-1.5E-7"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (4.9e-324, "4.9E-324"),
            (1.0e23, "1.0E23"),
            (2.0e-3, "0.002"),
            (9_007_199_254_740_993.0, "9.007199254740992E15"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(f64_to_string(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn floats_match_java() {
        let cases: &[(f32, &str)] = &[
            (0.1, "0.1"),
            (12.34, "12.34"),
            (1.0e10, "1.0E10"),
            (1.0e-5, "1.0E-5"),
            (3.4028235e38, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (16777216.0, "1.6777216E7"),
            (-2.5, "-2.5"),
            (-0.0, "-0.0"),
        ];
        for (v, want) in cases {
            assert_eq!(f32_to_string(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn longs_match_java() {
        for v in [0, 7, -7, 42, i64::MAX, i64::MIN, 4_398_046_511_104] {
            let mut out = Vec::new();
            write_i64(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn doubles_read_back_exactly(v in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL) {
            let s = f64_to_string(v);
            proptest::prop_assert_eq!(s.parse::<f64>().unwrap(), v);
            proptest::prop_assert!(s.contains('.'));
        }

        #[test]
        fn floats_read_back_exactly(v in proptest::num::f32::NORMAL | proptest::num::f32::SUBNORMAL) {
            let s = f32_to_string(v);
            proptest::prop_assert_eq!(s.parse::<f32>().unwrap(), v);
        }
    }
}
