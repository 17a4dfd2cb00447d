//! The part of `java.time.format.DateTimeFormatter` that `cdc.start.position.timestamp.format`
//! needs: a pattern is compiled once, at validation, into a `chrono` format, and every pattern
//! letter Strait cannot honour exactly is rejected by name rather than half-parsed.
//!
//! Supported: `yyyy`/`uuuu` (year), `MM`, `dd`, `HH`, `mm`, `ss`, `SSS`/`SSSSSS`/`SSSSSSSSS`
//! (fraction), `X`/`XX`/`XXX` (offset, `Z` for UTC), `Z` (offset `+HHMM`), quoted literals
//! (`'T'`, `''` for a quote) and punctuation. A pattern without an offset field is read as UTC,
//! as the reference default `yyyy-MM-dd'T'HH:mm:ss'Z'` (whose `Z` is a quoted literal) intends.

use chrono::{DateTime, NaiveDateTime};

/// The reference default of `cdc.start.position.timestamp.format`.
pub const DEFAULT_PATTERN: &str = "yyyy-MM-dd'T'HH:mm:ss'Z'";

/// A compiled Java date-time pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JavaTimePattern {
    pattern: String,
    chrono: String,
    /// Whether the pattern reads a zone offset (`X` letters accept a literal `Z` for UTC).
    offset: Option<OffsetField>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OffsetField {
    /// `X`, `XX`, `XXX`: `Z` or a numeric offset.
    IsoX,
    /// `Z`: `+HHMM`.
    Rfc,
}

/// Why a pattern or a timestamp was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JavaTimeError {
    #[error(
        "pattern letters '{letters}' are not supported; Strait supports yyyy, uuuu, MM, dd, HH, \
         mm, ss, SSS, SSSSSS, SSSSSSSSS, X, XX, XXX, Z and quoted literals"
    )]
    Unsupported { letters: String },
    #[error("unterminated quoted literal in pattern {0}")]
    UnterminatedQuote(String),
    #[error("'{value}' does not match the pattern {pattern}")]
    NoMatch { value: String, pattern: String },
}

impl JavaTimePattern {
    /// Compiles a Java pattern.
    ///
    /// # Errors
    /// [`JavaTimeError`] naming the letters that are not supported.
    pub fn compile(pattern: &str) -> Result<Self, JavaTimeError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut out = String::new();
        let mut offset = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // Quoted literal; '' inside or outside quotes is one quote.
                if chars.get(i + 1) == Some(&'\'') {
                    out.push('\'');
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Err(JavaTimeError::UnterminatedQuote(pattern.to_string())),
                        Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                            out.push('\'');
                            j += 2;
                        }
                        Some('\'') => break,
                        Some(&lit) => {
                            push_literal(&mut out, lit);
                            j += 1;
                        }
                    }
                }
                i = j + 1;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                push_literal(&mut out, c);
                i += 1;
                continue;
            }
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let letters: String = std::iter::repeat_n(c, run).collect();
            let spec = match (c, run) {
                ('y' | 'u', 4) => "%Y",
                ('M', 2) => "%m",
                ('d', 2) => "%d",
                ('H', 2) => "%H",
                ('m', 2) => "%M",
                ('s', 2) => "%S",
                ('S', 3) => "%3f",
                ('S', 6) => "%6f",
                ('S', 9) => "%9f",
                ('X', 1 | 2) => {
                    offset = Some(OffsetField::IsoX);
                    "%z"
                }
                ('X', 3) => {
                    offset = Some(OffsetField::IsoX);
                    "%:z"
                }
                ('Z', 1..=3) => {
                    offset = Some(OffsetField::Rfc);
                    "%z"
                }
                _ => return Err(JavaTimeError::Unsupported { letters }),
            };
            out.push_str(spec);
            i += run;
        }
        Ok(Self {
            pattern: pattern.to_string(),
            chrono: out,
            offset,
        })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Parses a timestamp into epoch milliseconds.
    ///
    /// # Errors
    /// [`JavaTimeError::NoMatch`] when the text does not follow the pattern.
    pub fn parse_millis(&self, value: &str) -> Result<i64, JavaTimeError> {
        let no_match = || JavaTimeError::NoMatch {
            value: value.to_string(),
            pattern: self.pattern.clone(),
        };
        let value_trimmed = value.trim();
        match self.offset {
            None => NaiveDateTime::parse_from_str(value_trimmed, &self.chrono)
                .map(|t| t.and_utc().timestamp_millis())
                .map_err(|_| no_match()),
            Some(kind) => {
                let text = match (kind, value_trimmed.strip_suffix('Z')) {
                    (OffsetField::IsoX, Some(rest)) if self.chrono.ends_with("%:z") => {
                        format!("{rest}+00:00")
                    }
                    (OffsetField::IsoX, Some(rest)) => format!("{rest}+0000"),
                    _ => value_trimmed.to_string(),
                };
                DateTime::parse_from_str(&text, &self.chrono)
                    .map(|t| t.timestamp_millis())
                    .map_err(|_| no_match())
            }
        }
    }
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_default_reads_utc() {
        let p = JavaTimePattern::compile(DEFAULT_PATTERN).unwrap();
        assert_eq!(
            p.parse_millis("2024-07-01T10:49:00Z").unwrap(),
            1_719_830_940_000
        );
        assert!(p.parse_millis("2024-07-01 10:49:00").is_err());
        assert!(p.parse_millis("2024-13-01T10:49:00Z").is_err());
    }

    #[test]
    fn fractions_offsets_and_literals() {
        let p = JavaTimePattern::compile("yyyy-MM-dd HH:mm:ss.SSSXXX").unwrap();
        assert_eq!(
            p.parse_millis("2024-07-01 12:49:00.250+02:00").unwrap(),
            1_719_830_940_250
        );
        assert_eq!(
            p.parse_millis("2024-07-01 10:49:00.250Z").unwrap(),
            1_719_830_940_250
        );
        let p = JavaTimePattern::compile("uuuuMMdd'T'HHmmssZ").unwrap();
        assert_eq!(
            p.parse_millis("20240701T104900+0000").unwrap(),
            1_719_830_940_000
        );
        let p = JavaTimePattern::compile("'at '''HH:mm:ss dd/MM/yyyy").unwrap();
        assert_eq!(
            p.parse_millis("at '10:49:00 01/07/2024").unwrap(),
            1_719_830_940_000
        );
    }

    #[test]
    fn unsupported_letters_are_named() {
        assert_eq!(
            JavaTimePattern::compile("EEE, dd MMM yyyy"),
            Err(JavaTimeError::Unsupported {
                letters: "EEE".into()
            })
        );
        assert!(matches!(
            JavaTimePattern::compile("yy-MM-dd"),
            Err(JavaTimeError::Unsupported { letters }) if letters == "yy"
        ));
        assert!(matches!(
            JavaTimePattern::compile("yyyy'T"),
            Err(JavaTimeError::UnterminatedQuote(_))
        ));
    }
}
