//! Arbitrary-precision decimals with Java `BigDecimal` semantics.
//!
//! MySQL `DECIMAL(65,30)` does not fit in 128 bits, so the unscaled value is a `BigInt`. The two
//! renderings that reach the wire are exact: [`Decimal::to_unscaled_bytes`] is Java's
//! `BigInteger.toByteArray` (minimal big-endian two's complement) and `Display` is
//! `BigDecimal.toString` (which keeps trailing zeros and switches to `1E+3` style when the
//! scale is negative or the number is very small).

use std::fmt;
use std::str::FromStr;

use num_bigint::{BigInt, Sign};
use num_traits::Zero;

/// A decimal number: `unscaled × 10^-scale`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    unscaled: BigInt,
    scale: i32,
}

/// A string that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal number: {0:?}")]
pub struct ParseDecimalError(pub String);

impl Decimal {
    /// A decimal from its unscaled value and scale.
    pub fn new(unscaled: impl Into<BigInt>, scale: i32) -> Self {
        Self {
            unscaled: unscaled.into(),
            scale,
        }
    }

    /// A decimal from Java's `BigInteger.toByteArray` bytes and a scale.
    pub fn from_unscaled_bytes(bytes: &[u8], scale: i32) -> Self {
        Self {
            unscaled: BigInt::from_signed_bytes_be(bytes),
            scale,
        }
    }

    /// The unscaled value.
    pub fn unscaled(&self) -> &BigInt {
        &self.unscaled
    }

    /// The scale (digits after the decimal point).
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The minimal big-endian two's-complement bytes of the unscaled value.
    pub fn to_unscaled_bytes(&self) -> Vec<u8> {
        self.unscaled.to_signed_bytes_be()
    }

    /// The same number with another scale, if that loses no digits.
    pub fn rescale(&self, scale: i32) -> Option<Decimal> {
        use std::cmp::Ordering;
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self.clone()),
            Ordering::Greater => {
                let f = BigInt::from(10u8).pow((scale - self.scale) as u32);
                Some(Decimal::new(&self.unscaled * f, scale))
            }
            Ordering::Less => {
                let f = BigInt::from(10u8).pow((self.scale - scale) as u32);
                let (q, r) = (&self.unscaled / &f, &self.unscaled % &f);
                r.is_zero().then(|| Decimal::new(q, scale))
            }
        }
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Decimal {
    /// Java's `BigDecimal.toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.unscaled.magnitude().to_string();
        let negative = self.unscaled.sign() == Sign::Minus;
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
        Ok(Decimal { unscaled, scale })
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
