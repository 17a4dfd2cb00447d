//! Calendar arithmetic and the ISO-8601 renderings Debezium uses, without a date library.
//!
//! MySQL dates span years 0–9999 and TIME spans ±838 hours, wider than what `chrono`'s
//! convenient types accept without ceremony, and every conversion here runs once per temporal
//! cell, so the few formulas needed (days from a civil date, the reverse, zero-padded printing)
//! are written out directly. All instants are UTC: DATETIME is interpreted as UTC and TIMESTAMP
//! is stored as UTC by the server, exactly as Debezium does.

use std::fmt::Write;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number: `(year, month, day)`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Debezium's `enable.time.adjuster`: years 0–69 become 2000–2069 and 70–99 become 1970–1999.
pub fn adjust_year(year: i64) -> i64 {
    match year {
        0..=69 => year + 2000,
        70..=99 => year + 1900,
        _ => year,
    }
}

/// A date and time of day, as stored by DATETIME (and TIMESTAMP once read as UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
}

impl DateTime {
    /// Whether this is a zero or partial-zero date (`0000-00-00`, `2020-00-10`, ...), which
    /// Debezium treats as null.
    pub fn is_zero_date(&self) -> bool {
        self.month == 0 || self.day == 0
    }

    /// Microseconds since the epoch.
    pub fn epoch_micros(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        secs * 1_000_000 + i64::from(self.micros)
    }

    /// The instant of `epoch_seconds` and `micros` in UTC.
    pub fn from_epoch(epoch_seconds: i64, micros: u32) -> Self {
        let days = epoch_seconds.div_euclid(86_400);
        let rem = epoch_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: ((rem % 3600) / 60) as u32,
            second: (rem % 60) as u32,
            micros,
        }
    }
}

fn push_year(out: &mut String, year: i64) {
    if (0..=9999).contains(&year) {
        let _ = write!(out, "{year:04}");
    } else if year > 9999 {
        let _ = write!(out, "+{year}");
    } else {
        let _ = write!(out, "-{:04}", -year);
    }
}

/// `yyyy-MM-dd`, Java's `ISO_LOCAL_DATE`.
pub fn iso_date(year: i64, month: u32, day: u32) -> String {
    let mut out = String::with_capacity(10);
    push_year(&mut out, year);
    let _ = write!(out, "-{month:02}-{day:02}");
    out
}

/// Appends `.fraction` the way Java's `ISO_LOCAL_TIME` prints nanoseconds: nothing when zero,
/// otherwise as many digits as needed with trailing zeros dropped.
fn push_trimmed_fraction(out: &mut String, micros: u32) {
    if micros == 0 {
        return;
    }
    let mut digits = format!("{micros:06}");
    while digits.ends_with('0') {
        digits.pop();
    }
    out.push('.');
    out.push_str(&digits);
}

/// `HH:mm:ss[.f]` as Java's `ISO_LOCAL_TIME`.
pub fn iso_time(hour: u32, minute: u32, second: u32, micros: u32) -> String {
    let mut out = format!("{hour:02}:{minute:02}:{second:02}");
    push_trimmed_fraction(&mut out, micros);
    out
}

/// `yyyy-MM-ddTHH:mm:ss[.f]Z`: Java's `ISO_OFFSET_DATE_TIME` for a UTC instant, the format of
/// Debezium's IsoTimestamp and of ZonedTimestamp values read in a snapshot.
pub fn iso_instant_trimmed(t: &DateTime) -> String {
    let mut out = iso_date(t.year, t.month, t.day);
    let _ = write!(out, "T{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
    push_trimmed_fraction(&mut out, t.micros);
    out.push('Z');
    out
}

/// `yyyy-MM-ddTHH:mm:ss.ffffffZ` with exactly `fsp` fractional digits (none for 0): Debezium's
/// ZonedTimestamp for a streamed `TIMESTAMP(fsp)` (DBZ-5996).
pub fn iso_instant_fixed(t: &DateTime, fsp: u8) -> String {
    let mut out = iso_date(t.year, t.month, t.day);
    let _ = write!(out, "T{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
    if fsp > 0 {
        let digits = format!("{:06}", t.micros);
        out.push('.');
        out.push_str(&digits[..usize::from(fsp.min(6))]);
    }
    out.push('Z');
    out
}

/// Parses `yyyy-mm-dd[ hh:mm:ss[.ffffff]]` as the text protocol returns DATE/DATETIME/TIMESTAMP.
pub fn parse_datetime(text: &str) -> Option<DateTime> {
    let text = text.trim();
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let mut out = DateTime {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };
    if let Some(time) = time {
        let (neg, h, m, s, us) = parse_time(time)?;
        if neg {
            return None;
        }
        out.hour = u32::try_from(h).ok()?;
        out.minute = m;
        out.second = s;
        out.micros = us;
    }
    Some(out)
}

/// Parses `[-]h+:mm:ss[.ffffff]` as the text protocol returns TIME: `(negative, hours,
/// minutes, seconds, microseconds)`.
pub fn parse_time(text: &str) -> Option<(bool, u64, u32, u32, u32)> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (hms, frac) = match body.split_once('.') {
        Some((a, b)) => (a, b),
        None => (body, ""),
    };
    let mut parts = hms.splitn(3, ':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = parts.next().unwrap_or("0").parse().ok()?;
    let mut micros: u32 = 0;
    if !frac.is_empty() {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{frac:0<6}");
        micros = padded[..6].parse().ok()?;
    }
    Some((negative, h, m, s, micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(1, 1, 1), -719_162);
        for d in [-719_162, -1, 0, 59, 11_016, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn iso_renderings_match_java() {
        let t = parse_datetime("2023-01-11 00:34:10.500000").unwrap();
        assert_eq!(iso_instant_trimmed(&t), "2023-01-11T00:34:10.5Z");
        assert_eq!(iso_instant_fixed(&t, 3), "2023-01-11T00:34:10.500Z");
        assert_eq!(iso_instant_fixed(&t, 0), "2023-01-11T00:34:10Z");
        let whole = parse_datetime("2023-01-11 00:34:10").unwrap();
        assert_eq!(iso_instant_trimmed(&whole), "2023-01-11T00:34:10Z");
        assert_eq!(iso_time(1, 2, 3, 450_000), "01:02:03.45");
        assert_eq!(iso_date(33, 1, 2), "0033-01-02");
        assert_eq!(t.epoch_micros(), 1_673_397_250_500_000);
        assert_eq!(DateTime::from_epoch(1_673_397_250, 500_000), t);
    }

    #[test]
    fn text_parsing() {
        assert_eq!(
            parse_time("-838:59:59.5"),
            Some((true, 838, 59, 59, 500_000))
        );
        assert_eq!(parse_time("12:00:00"), Some((false, 12, 0, 0, 0)));
        assert!(parse_time("x").is_none());
        let zero = parse_datetime("0000-00-00 00:00:00").unwrap();
        assert!(zero.is_zero_date());
        assert!(parse_datetime("2020-13").is_none());
        assert_eq!(adjust_year(69), 2069);
        assert_eq!(adjust_year(70), 1970);
        assert_eq!(adjust_year(2024), 2024);
    }
}
