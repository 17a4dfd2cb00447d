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

/// Writes a quoted, escaped JSON string. The run of bytes before the first one that needs an
/// escape (usually the whole string) is found eight bytes at a time and copied in one go.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let clean = clean_prefix_len(bytes);
    out.extend_from_slice(&bytes[..clean]);
    if clean < bytes.len() {
        escape(out, bytes, clean);
    }
    out.push(b'"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of the word is below 0x20, `"` or `\` (the bytes [`ESCAPES`] escapes).
/// Each test is exact for the word as a whole: a borrow can only mark bytes above a byte that
/// really matches.
fn word_needs_escape(w: u64) -> bool {
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (control | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// The length of the longest prefix of `bytes` that needs no escape.
fn clean_prefix_len(bytes: &[u8]) -> usize {
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && ESCAPES[usize::from(bytes[i])] == 0 {
        i += 1;
    }
    i
}

/// Writes `bytes[start..]` escaped; `bytes[start]` is the first byte needing an escape.
fn escape(out: &mut Vec<u8>, bytes: &[u8], mut start: usize) {
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        let esc = ESCAPES[usize::from(b)];
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
}

/// Writes an object key followed by `:`.
pub fn key(out: &mut Vec<u8>, name: &str) {
    string(out, name);
    out.push(b':');
}

/// `"00" "01" ... "99"`: two digits per division.
static DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// Writes `n` in decimal, two digits per division.
fn unsigned(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while n >= 100 {
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = 2 * n as usize;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    out.extend_from_slice(&buf[i..]);
}

/// Bytes written by one fixed-size copy: [`Fragment`]s up to this long.
const FRAGMENT: usize = 32;

/// A short constant byte string (a rendered struct key, a null) kept in a fixed-size buffer so
/// it is appended with one constant-size copy; longer ones are appended as usual.
#[derive(Clone, Debug)]
pub enum Fragment {
    /// Up to [`FRAGMENT`] bytes, zero-padded.
    Short([u8; FRAGMENT], usize),
    /// Anything longer.
    Long(Box<[u8]>),
}

impl Fragment {
    /// The fragment holding `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= FRAGMENT {
            let mut buf = [0; FRAGMENT];
            buf[..bytes.len()].copy_from_slice(bytes);
            Self::Short(buf, bytes.len())
        } else {
            Self::Long(bytes.into())
        }
    }

    /// Appends the fragment to `out`.
    #[inline]
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Short(buf, len) => {
                let start = out.len();
                out.extend_from_slice(buf);
                out.truncate(start + len);
            }
            Self::Long(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// Writes an integer (Java's `Long.toString`).
pub fn int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    unsigned(out, v.unsigned_abs());
}

/// `10^k` for the fraction digits [`plain_f64`] tries; all exact in an f64.
const POW10: [f64; 9] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/// Writes `v` as `Double.toString` does when its shortest round-tripping decimal has at most
/// eight fraction digits and `10^-3 <= |v| < 10^7` (plain notation); `false` (nothing written)
/// otherwise.
///
/// For k = 0, 1, ... the candidate is `n = round(|v| * 10^k)`; it is `v`'s decimal when `n / 10^k`
/// (one correctly rounded division of exact operands, so exactly what parsing the decimal
/// gives) is `v` again. In this range `n < 10^15`, so half an ulp of `v` is below a tenth of
/// `10^-k`: at most one decimal with k fraction digits reads back as `v`, the rounding of the
/// product cannot miss it, and the first k that succeeds gives the unique shortest decimal,
/// which is the one Java (and Rust's shortest formatting) prints.
fn plain_f64(out: &mut Vec<u8>, v: f64) -> bool {
    let a = v.abs();
    if !(1e-3..1e7).contains(&a) {
        return false;
    }
    for (k, &p) in POW10.iter().enumerate() {
        let scaled = a * p;
        // `scaled` is below 10^15, so the conversion is exact after adding a half.
        let n = (scaled + 0.5) as u64;
        if n as f64 / p == a {
            if v < 0.0 {
                out.push(b'-');
            }
            if k == 0 {
                unsigned(out, n);
                out.extend_from_slice(b".0");
            } else {
                let unit = 10u64.pow(k as u32);
                unsigned(out, n / unit);
                out.push(b'.');
                // Exactly k fraction digits, leading zeros included (`0.05`: 5 with k = 2).
                let mut fraction = n % unit;
                let mut digits = [0u8; 8];
                for d in digits[..k].iter_mut().rev() {
                    *d = b'0' + (fraction % 10) as u8;
                    fraction /= 10;
                }
                out.extend_from_slice(&digits[..k]);
            }
            return true;
        }
    }
    false
}

/// Writes a double; non-finite values become quoted strings.
pub fn f64(out: &mut Vec<u8>, v: f64) {
    if plain_f64(out, v) {
        return;
    }
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

    /// The byte-at-a-time escaper the fast path must agree with.
    fn reference_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escapes_are_found_at_every_position_of_a_word() {
        // Every escaped byte, and bytes next to the SWAR thresholds that must not be escaped,
        // at each offset of strings long enough for whole words and a tail.
        let specials = [
            '"', '\\', '\u{0}', '\u{1f}', '\n', ' ', '!', '#', '[', ']', '\u{7f}', 'é', '☃',
        ];
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 31] {
            for pos in 0..len {
                for c in specials {
                    let s: String = (0..len)
                        .map(|i| {
                            if i == pos {
                                c
                            } else {
                                (b'a' + (i % 26) as u8) as char
                            }
                        })
                        .collect();
                    assert_eq!(render(|o| string(o, &s)), reference_string(&s), "{s:?}");
                }
            }
        }
        let clean = "customer-00001234 note for row 1234 ☃ é";
        assert_eq!(render(|o| string(o, clean)), format!("\"{clean}\""));
    }

    #[test]
    fn word_test_is_exact() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'a'; 8];
                word[pos] = b;
                let expected = ESCAPES[usize::from(b)] != 0;
                assert_eq!(
                    word_needs_escape(u64::from_le_bytes(word)),
                    expected,
                    "{b:#x}"
                );
                // High bytes (UTF-8) around it must not cause false positives either.
                let mut high = [0xC3u8; 8];
                high[pos] = b;
                assert_eq!(
                    word_needs_escape(u64::from_le_bytes(high)),
                    expected,
                    "{b:#x}"
                );
            }
        }
    }

    #[test]
    fn fragments_append_exactly_their_bytes() {
        for len in [0usize, 1, 7, FRAGMENT - 1, FRAGMENT, FRAGMENT + 1, 100] {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let fragment = Fragment::new(&bytes);
            assert_eq!(matches!(fragment, Fragment::Short(..)), len <= FRAGMENT);
            let mut out = b"x".to_vec();
            fragment.write(&mut out);
            fragment.write(&mut out);
            assert_eq!(out, [&b"x"[..], &bytes, &bytes].concat());
        }
    }

    #[test]
    fn integers_match_long_to_string() {
        let mut cases = vec![
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            101,
            -100,
            999,
            1000,
            i64::MAX,
            i64::MIN,
        ];
        let mut p = 1i64;
        for _ in 0..18 {
            p *= 10;
            cases.extend([p - 1, p, p + 1, -p, -(p - 1)]);
        }
        for v in cases {
            let mut reference = Vec::new();
            java_format::write_i64(&mut reference, v);
            assert_eq!(render(|o| int(o, v)).into_bytes(), reference, "{v}");
        }
    }

    #[test]
    fn plain_doubles_match_double_to_string() {
        let cases = [
            0.001,
            0.0010000000000000002,
            0.00099999,
            1.0,
            1.5,
            0.1,
            0.2,
            0.3,
            0.30000000000000004,
            12.34,
            100.0,
            1234.25,
            0.05,
            0.000123,
            9999999.0,
            9999999.99999999,
            1.0e7,
            1.0e-3,
            1234567.1234,
            std::f64::consts::PI,
            2.0 / 3.0,
            123.456789012,
            0.12345678,
            0.123456789,
        ];
        for v in cases.iter().flat_map(|v| [*v, -*v]) {
            let mut reference = Vec::new();
            java_format::write_f64(&mut reference, v);
            assert_eq!(render(|o| f64(o, v)).into_bytes(), reference, "{v}");
        }
        // The fast path really takes these (and declines what it cannot prove).
        assert!(plain_f64(&mut Vec::new(), 1234.25));
        assert!(plain_f64(&mut Vec::new(), -0.05));
        assert!(!plain_f64(&mut Vec::new(), 0.30000000000000004));
        assert!(!plain_f64(&mut Vec::new(), 1.0e7));
        assert!(!plain_f64(&mut Vec::new(), 0.0));
    }

    proptest::proptest! {
        #[test]
        fn doubles_match_double_to_string(
            bits in proptest::prelude::any::<u64>(),
            n in proptest::prelude::any::<i64>(),
            k in 0i32..12,
        ) {
            for v in [f64::from_bits(bits), n as f64 / 10f64.powi(k), (n % 100_000_000) as f64 * 0.25] {
                let mut reference = Vec::new();
                java_format::write_f64(&mut reference, v);
                let mut fast = Vec::new();
                if plain_f64(&mut fast, v) {
                    proptest::prop_assert_eq!(fast, reference, "{}", v);
                }
            }
        }

        #[test]
        fn strings_match_the_reference_escaper(s in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(render(|o| string(o, &s)), reference_string(&s));
        }
    }

    #[test]
    fn non_finite_floats_are_quoted() {
        assert_eq!(render(|o| f64(o, f64::NAN)), "\"NaN\"");
        assert_eq!(render(|o| f32(o, f32::NEG_INFINITY)), "\"-Infinity\"");
        assert_eq!(render(|o| f64(o, 1.0e10)), "1.0E10");
    }
}
