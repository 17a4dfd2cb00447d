//! Arbitrary-precision decimals with Java `BigDecimal` semantics.
//!
//! MySQL `DECIMAL(65,30)` does not fit in 128 bits, so an unscaled value can be a `BigInt`; one
//! that fits an `i64` (every `DECIMAL` up to 18 digits, and most values of wider ones) is kept
//! inline instead, so that the common decimal costs no allocation. Which form holds a value is
//! not visible: every constructor keeps the inline form whenever the value fits, so equality and
//! hashing compare numbers. The two renderings that reach the wire are exact:
//! [`Decimal::to_unscaled_bytes`] is Java's `BigInteger.toByteArray` (minimal big-endian two's
//! complement) and `Display` is `BigDecimal.toString` (which keeps trailing zeros and switches to
//! `1E+3` style when the scale is negative or the number is very small).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use num_bigint::{BigInt, Sign};
use num_traits::Zero;

/// A decimal number: `unscaled × 10^-scale`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    unscaled: Unscaled,
    scale: i32,
}

/// An unscaled value: inline when it fits an `i64` (always, then), on the heap otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Unscaled {
    Small(i64),
    Big(BigInt),
}

impl Unscaled {
    fn from_big(big: BigInt) -> Self {
        match i64::try_from(&big) {
            Ok(v) => Unscaled::Small(v),
            Err(_) => Unscaled::Big(big),
        }
    }

    fn from_i128(v: i128) -> Self {
        match i64::try_from(v) {
            Ok(v) => Unscaled::Small(v),
            Err(_) => Unscaled::Big(BigInt::from(v)),
        }
    }

    fn to_big(&self) -> Cow<'_, BigInt> {
        match self {
            Unscaled::Small(v) => Cow::Owned(BigInt::from(*v)),
            Unscaled::Big(b) => Cow::Borrowed(b),
        }
    }
}

/// A string that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal number: {0:?}")]
pub struct ParseDecimalError(pub String);

impl Decimal {
    /// A decimal from its unscaled value and scale.
    pub fn new(unscaled: impl Into<BigInt>, scale: i32) -> Self {
        Self {
            unscaled: Unscaled::from_big(unscaled.into()),
            scale,
        }
    }

    /// A decimal from an `i64` unscaled value, without going through a `BigInt`.
    pub fn from_i64(unscaled: i64, scale: i32) -> Self {
        Self {
            unscaled: Unscaled::Small(unscaled),
            scale,
        }
    }

    /// A decimal from an `i128` unscaled value; allocates only when it does not fit an `i64`.
    pub fn from_i128(unscaled: i128, scale: i32) -> Self {
        Self {
            unscaled: Unscaled::from_i128(unscaled),
            scale,
        }
    }

    /// A decimal from Java's `BigInteger.toByteArray` bytes and a scale.
    pub fn from_unscaled_bytes(bytes: &[u8], scale: i32) -> Self {
        if (1..=8).contains(&bytes.len()) {
            let fill = if bytes[0] & 0x80 != 0 { 0xFF } else { 0 };
            let mut be = [fill; 8];
            be[8 - bytes.len()..].copy_from_slice(bytes);
            return Self::from_i64(i64::from_be_bytes(be), scale);
        }
        Self::new(BigInt::from_signed_bytes_be(bytes), scale)
    }

    /// The unscaled value (built on the fly when it is held inline).
    pub fn unscaled(&self) -> Cow<'_, BigInt> {
        self.unscaled.to_big()
    }

    /// The unscaled value, if it fits an `i64`.
    pub fn unscaled_i64(&self) -> Option<i64> {
        match &self.unscaled {
            Unscaled::Small(v) => Some(*v),
            // The inline form is kept whenever the value fits.
            Unscaled::Big(_) => None,
        }
    }

    /// The scale (digits after the decimal point).
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The minimal big-endian two's-complement bytes of the unscaled value.
    pub fn to_unscaled_bytes(&self) -> Vec<u8> {
        match &self.unscaled {
            Unscaled::Small(v) => {
                let (bytes, start) = twos_complement_i64(*v);
                bytes[start..].to_vec()
            }
            Unscaled::Big(b) => b.to_signed_bytes_be(),
        }
    }

    /// The same number with another scale, if that loses no digits.
    pub fn rescale(&self, scale: i32) -> Option<Decimal> {
        use std::cmp::Ordering;
        if let (Unscaled::Small(v), Ordering::Greater) = (&self.unscaled, scale.cmp(&self.scale)) {
            let factor = u32::try_from(scale - self.scale)
                .ok()
                .and_then(|k| 10i64.checked_pow(k));
            if let Some(v) = factor.and_then(|f| v.checked_mul(f)) {
                return Some(Decimal::from_i64(v, scale));
            }
        }
        let unscaled = self.unscaled.to_big();
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self.clone()),
            Ordering::Greater => {
                let f = BigInt::from(10u8).pow((scale - self.scale) as u32);
                Some(Decimal::new(&*unscaled * f, scale))
            }
            Ordering::Less => {
                let f = BigInt::from(10u8).pow((self.scale - scale) as u32);
                let (q, r) = (&*unscaled / &f, &*unscaled % &f);
                r.is_zero().then(|| Decimal::new(q, scale))
            }
        }
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The digits of the unscaled value's magnitude, and whether it is negative.
    fn magnitude_digits(&self) -> (String, bool) {
        match &self.unscaled {
            Unscaled::Small(v) => (v.unsigned_abs().to_string(), *v < 0),
            Unscaled::Big(b) => (b.magnitude().to_string(), b.sign() == Sign::Minus),
        }
    }
}

/// The minimal big-endian two's-complement bytes of `v` (Java's `BigInteger.toByteArray`): the
/// bytes are `buf[start..]`.
pub fn twos_complement_i64(v: i64) -> ([u8; 8], usize) {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    // A leading byte is redundant when it only repeats the sign of the byte after it.
    while start < 7 {
        let next_negative = bytes[start + 1] & 0x80 != 0;
        match bytes[start] {
            0x00 if !next_negative => start += 1,
            0xFF if next_negative => start += 1,
            _ => break,
        }
    }
    (bytes, start)
}

impl fmt::Display for Decimal {
    /// Java's `BigDecimal.toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (digits, negative) = self.magnitude_digits();
        let len = digits.len() as i64;
        let scale = i64::from(self.scale);
        let adjusted = -scale + (len - 1);
        if negative {
            f.write_str("-")?;
        }
        if scale >= 0 && adjusted >= -6 {
            if scale == 0 {
                return f.write_str(&digits);
            }
            let scale = scale as usize;
            if digits.len() > scale {
                let (int, frac) = digits.split_at(digits.len() - scale);
                write!(f, "{int}.{frac}")
            } else {
                write!(f, "0.{}{digits}", "0".repeat(scale - digits.len()))
            }
        } else {
            let (first, rest) = digits.split_at(1);
            f.write_str(first)?;
            if !rest.is_empty() {
                write!(f, ".{rest}")?;
            }
            if adjusted >= 0 {
                write!(f, "E+{adjusted}")
            } else {
                write!(f, "E{adjusted}")
            }
        }
    }
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// Parses plain (`-12.340`) and exponent (`1.5E+3`) forms, keeping the scale as written.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDecimalError(s.to_string());
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().map_err(|_| err())?),
            None => (s, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        let (negative, int_digits) = match int_part.as_bytes().first() {
            Some(b'-') => (true, &int_part[1..]),
            Some(b'+') => (false, &int_part[1..]),
            _ => (false, int_part),
        };
        if int_digits.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        if !int_digits
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let all = format!("{int_digits}{frac_part}");
        let mut unscaled: BigInt = all.parse().map_err(|_| err())?;
        if negative {
            unscaled = -unscaled;
        }
        let scale = i32::try_from(frac_part.len()).map_err(|_| err())? - exponent;
        Ok(Decimal::new(unscaled, scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn java_to_string() {
        assert_eq!(d("12.34").to_string(), "12.34");
        assert_eq!(d("1.00").to_string(), "1.00");
        assert_eq!(d("-0.50").to_string(), "-0.50");
        assert_eq!(d("0.000001").to_string(), "0.000001");
        assert_eq!(d("0.0000001").to_string(), "1E-7");
        assert_eq!(Decimal::new(1, -3).to_string(), "1E+3");
        assert_eq!(Decimal::new(123, -1).to_string(), "1.23E+3");
        assert_eq!(Decimal::new(0, 2).to_string(), "0.00");
        assert_eq!(Decimal::new(-5, 0).to_string(), "-5");
        assert_eq!(d("1.5E+3").to_string(), "1.5E+3");
    }

    #[test]
    fn java_unscaled_bytes() {
        assert_eq!(d("10.2345").to_unscaled_bytes(), vec![0x01, 0x8f, 0xc9]);
        assert_eq!(Decimal::new(0, 0).to_unscaled_bytes(), vec![0]);
        assert_eq!(d("-0.01").to_unscaled_bytes(), vec![0xff]);
        assert_eq!(Decimal::new(128, 0).to_unscaled_bytes(), vec![0x00, 0x80]);
        assert_eq!(Decimal::from_unscaled_bytes(&[0xff], 2), d("-0.01"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "-", "1.2.3", "abc", "1e", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rescale_keeps_value() {
        assert_eq!(d("1.5").rescale(3), Some(d("1.500")));
        assert_eq!(d("1.500").rescale(1), Some(d("1.5")));
        assert_eq!(d("1.55").rescale(1), None);
    }

    #[test]
    fn minimal_twos_complement_matches_big_integer() {
        let mut cases = vec![0i64, 1, -1, 127, 128, -128, -129, 255, 256, -256, -257];
        cases.extend([i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1]);
        for shift in 0..63 {
            let p = 1i64 << shift;
            cases.extend([p, p - 1, -p, -p - 1, p + 1]);
        }
        for v in cases {
            let (bytes, start) = twos_complement_i64(v);
            let expected = BigInt::from(v).to_signed_bytes_be();
            assert_eq!(&bytes[start..], &expected[..], "{v}");
        }
    }

    #[test]
    fn inline_and_heap_forms_are_the_same_numbers() {
        let beyond: BigInt = BigInt::from(i64::MAX) + 1u8;
        assert_eq!(
            Decimal::new(beyond.clone(), 2),
            Decimal::from_i128(i128::from(i64::MAX) + 1, 2)
        );
        assert_eq!(Decimal::new(-5, 1), Decimal::from_i64(-5, 1));
        assert_eq!(Decimal::new(BigInt::from(7) * 1, 0).unscaled_i64(), Some(7));
        assert_eq!(Decimal::new(beyond.clone(), 0).unscaled_i64(), None);
        assert_eq!(*Decimal::new(beyond.clone(), 0).unscaled(), beyond);
        assert_eq!(Decimal::new(beyond, 0).to_string(), "9223372036854775808");
        assert_eq!(
            Decimal::from_i64(i64::MIN, 2).to_string(),
            "-92233720368547758.08"
        );
        // Rescaling past i64 moves to the heap and back.
        let wide = Decimal::from_i64(i64::MAX, 0).rescale(2).unwrap();
        assert_eq!(wide.unscaled_i64(), None);
        assert_eq!(wide.rescale(0), Some(Decimal::from_i64(i64::MAX, 0)));
        assert_eq!(
            Decimal::from_unscaled_bytes(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0], 0).unscaled_i64(),
            None
        );
        assert_eq!(
            Decimal::from_unscaled_bytes(&[0x80, 0, 0, 0, 0, 0, 0, 0], 0),
            Decimal::from_i64(i64::MIN, 0)
        );
        assert_eq!(
            Decimal::from_unscaled_bytes(&[], 0),
            Decimal::from_i64(0, 0)
        );
    }

    proptest::proptest! {
        #[test]
        fn unscaled_bytes_match_bigint(unscaled in proptest::num::i128::ANY, scale in -5i32..40) {
            let x = Decimal::from_i128(unscaled, scale);
            proptest::prop_assert_eq!(x.to_unscaled_bytes(), BigInt::from(unscaled).to_signed_bytes_be());
            proptest::prop_assert_eq!(&x, &Decimal::new(unscaled, scale));
            proptest::prop_assert_eq!(x.unscaled_i64(), i64::try_from(unscaled).ok());
        }

        #[test]
        fn rescale_matches_bigint(unscaled in proptest::num::i64::ANY, from in -3i32..20, to in -3i32..40) {
            let small = Decimal::from_i64(unscaled, from);
            let via_big = |d: &Decimal, s: i32| -> Option<Decimal> {
                use std::cmp::Ordering;
                let u = d.unscaled().into_owned();
                match s.cmp(&d.scale()) {
                    Ordering::Equal => Some(d.clone()),
                    Ordering::Greater => Some(Decimal::new(u * BigInt::from(10u8).pow((s - d.scale()) as u32), s)),
                    Ordering::Less => {
                        let f = BigInt::from(10u8).pow((d.scale() - s) as u32);
                        (&u % &f).is_zero().then(|| Decimal::new(&u / &f, s))
                    }
                }
            };
            proptest::prop_assert_eq!(small.rescale(to), via_big(&small, to));
        }
    }

    proptest::proptest! {
        #[test]
        fn display_parse_round_trip(unscaled in proptest::num::i64::ANY, scale in -20i32..40) {
            let x = Decimal::new(unscaled, scale);
            let back: Decimal = x.to_string().parse().unwrap();
            proptest::prop_assert_eq!(back.rescale(scale), Some(x.clone()));
            proptest::prop_assert_eq!(Decimal::from_unscaled_bytes(&x.to_unscaled_bytes(), scale), x);
        }
    }
}
