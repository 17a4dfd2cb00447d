//! Decoding of TABLE_MAP events and row images into [`Cell`]s, straight from the event bytes.
//!
//! `mysql_common` can decode rows too, but it builds a `Column` with a formatted name for every
//! cell of every row and returns DECIMAL and TIMESTAMP as strings. Row images are the hot path,
//! so this decoder reads the binary layout directly (`log_event.cc`: one null bitmap per image,
//! then each present column in the format its TABLE_MAP type and metadata describe) and yields
//! borrowed cells; [`super::super::types`] turns them into Connect values.

use strait_api::Decimal;

use crate::mysql::temporal::DateTime;
use crate::mysql::types::Cell;

pub const MYSQL_TYPE_DECIMAL: u8 = 0;
pub const MYSQL_TYPE_TINY: u8 = 1;
pub const MYSQL_TYPE_SHORT: u8 = 2;
pub const MYSQL_TYPE_LONG: u8 = 3;
pub const MYSQL_TYPE_FLOAT: u8 = 4;
pub const MYSQL_TYPE_DOUBLE: u8 = 5;
pub const MYSQL_TYPE_NULL: u8 = 6;
pub const MYSQL_TYPE_TIMESTAMP: u8 = 7;
pub const MYSQL_TYPE_LONGLONG: u8 = 8;
pub const MYSQL_TYPE_INT24: u8 = 9;
pub const MYSQL_TYPE_DATE: u8 = 10;
pub const MYSQL_TYPE_TIME: u8 = 11;
pub const MYSQL_TYPE_DATETIME: u8 = 12;
pub const MYSQL_TYPE_YEAR: u8 = 13;
pub const MYSQL_TYPE_NEWDATE: u8 = 14;
pub const MYSQL_TYPE_VARCHAR: u8 = 15;
pub const MYSQL_TYPE_BIT: u8 = 16;
pub const MYSQL_TYPE_TIMESTAMP2: u8 = 17;
pub const MYSQL_TYPE_DATETIME2: u8 = 18;
pub const MYSQL_TYPE_TIME2: u8 = 19;
pub const MYSQL_TYPE_JSON: u8 = 245;
pub const MYSQL_TYPE_NEWDECIMAL: u8 = 246;
pub const MYSQL_TYPE_ENUM: u8 = 247;
pub const MYSQL_TYPE_SET: u8 = 248;
pub const MYSQL_TYPE_TINY_BLOB: u8 = 249;
pub const MYSQL_TYPE_MEDIUM_BLOB: u8 = 250;
pub const MYSQL_TYPE_LONG_BLOB: u8 = 251;
pub const MYSQL_TYPE_BLOB: u8 = 252;
pub const MYSQL_TYPE_VAR_STRING: u8 = 253;
pub const MYSQL_TYPE_STRING: u8 = 254;
pub const MYSQL_TYPE_GEOMETRY: u8 = 255;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

fn err(msg: impl Into<String>) -> DecodeError {
    DecodeError(msg.into())
}

/// A forward-only reader over event bytes.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// Takes `n` bytes.
    ///
    /// # Errors
    /// When fewer than `n` bytes remain.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(err(format!(
                "needed {n} bytes but only {} remain",
                self.buf.len()
            )));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Reads an `n`-byte little-endian unsigned integer (n ≤ 8).
    pub fn uint_le(&mut self, n: usize) -> Result<u64, DecodeError> {
        let bytes = self.take(n)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads an `n`-byte big-endian unsigned integer (n ≤ 8).
    pub fn uint_be(&mut self, n: usize) -> Result<u64, DecodeError> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads a length-encoded integer.
    pub fn lenenc(&mut self) -> Result<u64, DecodeError> {
        let first = self.take(1)?[0];
        match first {
            0..=250 => Ok(u64::from(first)),
            252 => self.uint_le(2),
            253 => self.uint_le(3),
            254 => self.uint_le(8),
            _ => Err(err("invalid length-encoded integer")),
        }
    }
}

/// One column of a TABLE_MAP: its binlog type (with the real type of STRING columns resolved)
/// and its decoded metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinlogColumn {
    pub ty: u8,
    /// Type-specific metadata: max length, precision/scale, fsp, length bytes, ...
    pub meta: u16,
}

/// A parsed TABLE_MAP event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMap {
    pub table_id: u64,
    pub db: String,
    pub table: String,
    pub columns: Vec<BinlogColumn>,
}

impl TableMap {
    /// Parses a TABLE_MAP body (6-byte table ids, as every server since 5.1 writes).
    ///
    /// # Errors
    /// When the body is truncated or malformed.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let table_id = r.uint_le(6)?;
        r.take(2)?;
        let db_len = usize::from(r.take(1)?[0]);
        let db = String::from_utf8_lossy(r.take(db_len)?).into_owned();
        r.take(1)?;
        let table_len = usize::from(r.take(1)?[0]);
        let table = String::from_utf8_lossy(r.take(table_len)?).into_owned();
        r.take(1)?;
        let count = usize::try_from(r.lenenc()?).map_err(|_| err("column count overflows"))?;
        let types = r.take(count)?;
        let meta_len =
            usize::try_from(r.lenenc()?).map_err(|_| err("metadata length overflows"))?;
        let mut meta = Reader::new(r.take(meta_len)?);
        let mut columns = Vec::with_capacity(count);
        for &ty in types {
            let column = match ty {
                MYSQL_TYPE_FLOAT
                | MYSQL_TYPE_DOUBLE
                | MYSQL_TYPE_BLOB
                | MYSQL_TYPE_TINY_BLOB
                | MYSQL_TYPE_MEDIUM_BLOB
                | MYSQL_TYPE_LONG_BLOB
                | MYSQL_TYPE_GEOMETRY
                | MYSQL_TYPE_JSON
                | MYSQL_TYPE_TIMESTAMP2
                | MYSQL_TYPE_DATETIME2
                | MYSQL_TYPE_TIME2 => BinlogColumn {
                    ty,
                    meta: u16::from(meta.take(1)?[0]),
                },
                MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING => BinlogColumn {
                    ty,
                    meta: meta.uint_le(2)? as u16,
                },
                // Two bytes in order: (bits, bytes), (precision, scale), (real type, length).
                MYSQL_TYPE_BIT | MYSQL_TYPE_NEWDECIMAL | MYSQL_TYPE_SET | MYSQL_TYPE_ENUM => {
                    let b = meta.take(2)?;
                    BinlogColumn {
                        ty,
                        meta: u16::from(b[0]) << 8 | u16::from(b[1]),
                    }
                }
                MYSQL_TYPE_STRING => {
                    let b = meta.take(2)?;
                    let (byte0, byte1) = (u16::from(b[0]), u16::from(b[1]));
                    if byte0 & 0x30 != 0x30 {
                        // A CHAR longer than 255: two length bits live in byte 0.
                        BinlogColumn {
                            ty: (byte0 | 0x30) as u8,
                            meta: byte1 | (((byte0 & 0x30) ^ 0x30) << 4),
                        }
                    } else if byte0 == u16::from(MYSQL_TYPE_ENUM)
                        || byte0 == u16::from(MYSQL_TYPE_SET)
                    {
                        BinlogColumn {
                            ty: byte0 as u8,
                            meta: byte1,
                        }
                    } else {
                        BinlogColumn { ty, meta: byte1 }
                    }
                }
                _ => BinlogColumn { ty, meta: 0 },
            };
            columns.push(column);
        }
        Ok(Self {
            table_id,
            db,
            table,
            columns,
        })
    }
}

/// The kind of rows event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsKind {
    Write,
    Update,
    Delete,
}

/// A rows event's header, with the row images still encoded.
#[derive(Clone, Debug)]
pub struct RowsEvent<'a> {
    pub table_id: u64,
    pub kind: RowsKind,
    pub column_count: usize,
    /// Columns present in the before image (update, delete) or the only image (write).
    pub present: &'a [u8],
    /// Columns present in the after image of an update.
    pub present_after: Option<&'a [u8]>,
    pub rows: &'a [u8],
}

impl<'a> RowsEvent<'a> {
    /// The rows event kind of a binlog event type, if it is one (v1: MariaDB, v2: MySQL).
    pub fn kind_of(event_type: u8) -> Option<(RowsKind, bool)> {
        Some(match event_type {
            23 => (RowsKind::Write, false),
            24 => (RowsKind::Update, false),
            25 => (RowsKind::Delete, false),
            30 => (RowsKind::Write, true),
            31 => (RowsKind::Update, true),
            32 => (RowsKind::Delete, true),
            _ => return None,
        })
    }

    /// Parses a rows event body.
    ///
    /// # Errors
    /// When the body is truncated.
    pub fn parse(body: &'a [u8], kind: RowsKind, v2: bool) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let table_id = r.uint_le(6)?;
        r.take(2)?;
        if v2 {
            let extra = usize::try_from(r.uint_le(2)?).unwrap_or(0);
            r.take(extra.saturating_sub(2))?;
        }
        let column_count =
            usize::try_from(r.lenenc()?).map_err(|_| err("column count overflows"))?;
        let bitmap_len = column_count.div_ceil(8);
        let present = r.take(bitmap_len)?;
        let present_after = match kind {
            RowsKind::Update => Some(r.take(bitmap_len)?),
            _ => None,
        };
        Ok(Self {
            table_id,
            kind,
            column_count,
            present,
            present_after,
            rows: r.remaining(),
        })
    }
}

fn bit(bitmap: &[u8], i: usize) -> bool {
    bitmap.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

/// Reads one row image: the null bitmap, then each present column, handing `visit` one cell
/// per column in table order. Absent columns (a `binlog_row_image` other than FULL) are
/// `None`. The cells borrow the event bytes, so the caller converts them as they come.
///
/// # Errors
/// The column index and reason when a value cannot be read.
pub fn read_image<'a>(
    r: &mut Reader<'a>,
    columns: &[BinlogColumn],
    present: &[u8],
    mut visit: impl FnMut(Option<Cell<'a>>),
) -> Result<(), DecodeError> {
    let present_count = count_bits(present, columns.len());
    let all_present = present_count == columns.len();
    let nulls = r.take(present_count.div_ceil(8))?;
    let mut k = 0;
    for (i, col) in columns.iter().enumerate() {
        if !all_present && !bit(present, i) {
            visit(None);
            continue;
        }
        let is_null = bit(nulls, k);
        k += 1;
        if is_null {
            visit(Some(Cell::Null));
            continue;
        }
        let cell = read_cell(r, *col)
            .map_err(|e| err(format!("column {} (binlog type {}): {e}", i + 1, col.ty)))?;
        visit(Some(cell));
    }
    Ok(())
}

/// How many of the first `n` bits of `bitmap` are set.
fn count_bits(bitmap: &[u8], n: usize) -> usize {
    let whole = n / 8;
    let mut count: usize = bitmap
        .iter()
        .take(whole)
        .map(|b| b.count_ones() as usize)
        .sum();
    if n % 8 > 0 {
        if let Some(last) = bitmap.get(whole) {
            count += (last & ((1u8 << (n % 8)) - 1)).count_ones() as usize;
        }
    }
    count
}

const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/// Reads MySQL's binary DECIMAL (`decimal2bin`) of the given precision and scale.
///
/// The value is a run of big-endian chunks, most significant first: the integer part's leading
/// `intg % 9` digits (in `DIG2BYTES` bytes), whole 9-digit groups in 4 bytes each, then the
/// fraction's trailing `scale % 9` digits. The first bit is the sign (set for non-negative), and
/// a negative number has every bit inverted.
///
/// # Errors
/// When the bytes are truncated, or a chunk holds more digits than its width allows.
pub fn read_decimal(
    r: &mut Reader<'_>,
    precision: usize,
    scale: usize,
) -> Result<Decimal, DecodeError> {
    let intg = precision.saturating_sub(scale);
    let (intg0, intg0x) = (intg / 9, intg % 9);
    let (frac0, frac0x) = (scale / 9, scale % 9);
    let size = intg0 * 4 + DIG2BYTES[intg0x] + frac0 * 4 + DIG2BYTES[frac0x];
    let raw = r.take(size)?;
    let scale_i32 = i32::try_from(scale).unwrap_or(0);
    if raw.is_empty() {
        return Ok(Decimal::from_i64(0, scale_i32));
    }
    let negative = raw[0] & 0x80 == 0;
    let chunks = DecimalChunks {
        raw,
        at: 0,
        mask: if negative { 0xFF } else { 0 },
    };
    let widths = std::iter::once(intg0x)
        .filter(|w| *w > 0)
        .chain(std::iter::repeat_n(9, intg0 + frac0))
        .chain(std::iter::once(frac0x).filter(|w| *w > 0));
    let out_of_range = || err("DECIMAL digits out of range");
    if precision <= 38 {
        // Fits an i128; the decimal is held inline (no allocation) when it fits an i64.
        let mut unscaled: i128 = 0;
        for (width, value) in chunks.with_widths(widths) {
            unscaled = unscaled
                .checked_mul(10i128.pow(width as u32))
                .and_then(|u| u.checked_add(i128::from(value)))
                .ok_or_else(out_of_range)?;
        }
        return Ok(Decimal::from_i128(
            if negative { -unscaled } else { unscaled },
            scale_i32,
        ));
    }
    let mut digits = String::with_capacity(precision + 1);
    if negative {
        digits.push('-');
    }
    for (width, value) in chunks.with_widths(widths) {
        use std::fmt::Write as _;
        if u64::from(value) >= 10u64.pow(width as u32) {
            return Err(out_of_range());
        }
        // Writing into a String cannot fail.
        let _ = write!(digits, "{value:0width$}");
    }
    let unscaled: Decimal = digits
        .parse()
        .map_err(|_| err("DECIMAL digits do not form a number"))?;
    Ok(Decimal::new(unscaled.unscaled().into_owned(), scale_i32))
}

/// The chunks of a binary DECIMAL whose total size was checked: each read with the sign folded
/// out (`mask` inverts a negative number's bits; the first byte's top bit is the sign).
struct DecimalChunks<'a> {
    raw: &'a [u8],
    at: usize,
    mask: u8,
}

impl<'a> DecimalChunks<'a> {
    /// `(digit count, value)` of each chunk, for chunk widths in digits.
    fn with_widths(
        mut self,
        widths: impl Iterator<Item = usize> + 'a,
    ) -> impl Iterator<Item = (usize, u32)> + 'a {
        widths.map(move |width| {
            let n = DIG2BYTES[width];
            let mut value = 0u32;
            for (i, b) in self.raw[self.at..self.at + n].iter().enumerate() {
                let mut b = b ^ self.mask;
                if self.at + i == 0 {
                    b ^= 0x80;
                }
                value = (value << 8) | u32::from(b);
            }
            self.at += n;
            (width, value)
        })
    }
}

/// Fractional seconds of TIME2/DATETIME2/TIMESTAMP2, as microseconds.
fn read_fraction(r: &mut Reader<'_>, fsp: u16) -> Result<u32, DecodeError> {
    Ok(match fsp {
        1 | 2 => r.uint_be(1)? as u32 * 10_000,
        3 | 4 => r.uint_be(2)? as u32 * 100,
        5 | 6 => r.uint_be(3)? as u32,
        _ => 0,
    })
}

fn date_cell(v: u64) -> DateTime {
    DateTime {
        year: ((v >> 9) & 0x7FFF) as i64,
        month: ((v >> 5) & 0xF) as u32,
        day: (v & 0x1F) as u32,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    }
}

/// Reads one non-null cell.
///
/// # Errors
/// When the bytes are truncated or the type is unknown.
#[inline]
pub fn read_cell<'a>(r: &mut Reader<'a>, col: BinlogColumn) -> Result<Cell<'a>, DecodeError> {
    Ok(match col.ty {
        MYSQL_TYPE_TINY => Cell::Int(r.uint_le(1)?, 1),
        MYSQL_TYPE_SHORT => Cell::Int(r.uint_le(2)?, 2),
        MYSQL_TYPE_INT24 => Cell::Int(r.uint_le(3)?, 3),
        MYSQL_TYPE_LONG => Cell::Int(r.uint_le(4)?, 4),
        MYSQL_TYPE_LONGLONG => Cell::Int(r.uint_le(8)?, 8),
        MYSQL_TYPE_FLOAT => Cell::Float(f32::from_bits(r.uint_le(4)? as u32)),
        MYSQL_TYPE_DOUBLE => Cell::Double(f64::from_bits(r.uint_le(8)?)),
        MYSQL_TYPE_NULL => Cell::Null,
        MYSQL_TYPE_NEWDECIMAL => {
            let precision = usize::from(col.meta >> 8);
            let scale = usize::from(col.meta & 0xFF);
            Cell::Decimal(read_decimal(r, precision, scale)?)
        }
        MYSQL_TYPE_YEAR => {
            let y = r.uint_le(1)? as u16;
            Cell::Year(if y == 0 { 0 } else { 1900 + y })
        }
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => Cell::Date(date_cell(r.uint_le(3)?)),
        MYSQL_TYPE_TIME => {
            // HHMMSS as a signed 3-byte integer.
            let raw = r.uint_le(3)? as u32;
            let signed = ((raw << 8) as i32) >> 8;
            let negative = signed < 0;
            let v = signed.unsigned_abs();
            let secs =
                u64::from(v / 10_000) * 3600 + u64::from((v / 100) % 100) * 60 + u64::from(v % 100);
            Cell::Time(negative, secs * 1_000_000)
        }
        MYSQL_TYPE_TIME2 => {
            let fsp = col.meta;
            let packed: i64 = match fsp {
                1 | 2 => {
                    let mut int = r.uint_be(3)? as i64 - 0x80_0000;
                    let mut frac = r.uint_be(1)? as i64;
                    if int < 0 && frac != 0 {
                        int += 1;
                        frac -= 0x100;
                    }
                    (int << 24) + frac * 10_000
                }
                3 | 4 => {
                    let mut int = r.uint_be(3)? as i64 - 0x80_0000;
                    let mut frac = r.uint_be(2)? as i64;
                    if int < 0 && frac != 0 {
                        int += 1;
                        frac -= 0x1_0000;
                    }
                    (int << 24) + frac * 100
                }
                5 | 6 => r.uint_be(6)? as i64 - 0x8000_0000_0000,
                _ => (r.uint_be(3)? as i64 - 0x80_0000) << 24,
            };
            let negative = packed < 0;
            let abs = packed.unsigned_abs();
            let int = abs >> 24;
            let frac = abs & 0xFF_FFFF;
            let hours = (int >> 12) & 0x3FF;
            let minutes = (int >> 6) & 0x3F;
            let seconds = int & 0x3F;
            Cell::Time(
                negative,
                (hours * 3600 + minutes * 60 + seconds) * 1_000_000 + frac,
            )
        }
        MYSQL_TYPE_DATETIME => {
            let v = r.uint_le(8)?;
            let (d, t) = (v / 1_000_000, v % 1_000_000);
            Cell::DateTime(DateTime {
                year: (d / 10_000) as i64,
                month: ((d / 100) % 100) as u32,
                day: (d % 100) as u32,
                hour: (t / 10_000) as u32,
                minute: ((t / 100) % 100) as u32,
                second: (t % 100) as u32,
                micros: 0,
            })
        }
        MYSQL_TYPE_DATETIME2 => {
            let int = r.uint_be(5)?.wrapping_sub(0x80_0000_0000);
            let micros = read_fraction(r, col.meta)?;
            let ymd = int >> 17;
            let ym = ymd >> 5;
            let hms = int & 0x1_FFFF;
            Cell::DateTime(DateTime {
                year: (ym / 13) as i64,
                month: (ym % 13) as u32,
                day: (ymd & 0x1F) as u32,
                hour: (hms >> 12) as u32,
                minute: ((hms >> 6) & 0x3F) as u32,
                second: (hms & 0x3F) as u32,
                micros,
            })
        }
        MYSQL_TYPE_TIMESTAMP => Cell::Timestamp(r.uint_le(4)? as i64, 0),
        MYSQL_TYPE_TIMESTAMP2 => {
            let secs = r.uint_be(4)? as i64;
            let micros = read_fraction(r, col.meta)?;
            Cell::Timestamp(secs, micros)
        }
        MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING => {
            let len = if col.meta < 256 {
                r.uint_le(1)?
            } else {
                r.uint_le(2)?
            };
            Cell::Bytes(r.take(len as usize)?)
        }
        MYSQL_TYPE_STRING => {
            let len = if col.meta < 256 {
                r.uint_le(1)?
            } else {
                r.uint_le(2)?
            };
            Cell::Bytes(r.take(len as usize)?)
        }
        MYSQL_TYPE_ENUM => Cell::Enum(r.uint_le(usize::from(col.meta.clamp(1, 2)))? as u16),
        MYSQL_TYPE_SET => Cell::Set(r.uint_le(usize::from(col.meta.clamp(1, 8)))?),
        MYSQL_TYPE_BIT => {
            let bits = usize::from(col.meta >> 8);
            let bytes = usize::from(col.meta & 0xFF);
            Cell::Bits(r.take(bytes + usize::from(bits > 0))?)
        }
        MYSQL_TYPE_TINY_BLOB
        | MYSQL_TYPE_MEDIUM_BLOB
        | MYSQL_TYPE_LONG_BLOB
        | MYSQL_TYPE_BLOB
        | MYSQL_TYPE_GEOMETRY => {
            let len = r.uint_le(usize::from(col.meta.clamp(1, 4)))?;
            Cell::Bytes(r.take(len as usize)?)
        }
        MYSQL_TYPE_JSON => {
            let len = r.uint_le(usize::from(col.meta.clamp(1, 4)))?;
            Cell::Jsonb(r.take(len as usize)?)
        }
        other => return Err(err(format!("binlog column type {other} is not supported"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(ty: u8, meta: u16) -> BinlogColumn {
        BinlogColumn { ty, meta }
    }

    #[test]
    fn decimals_decode_from_decimal2bin() {
        // DECIMAL(10,2) 1234567.89: intg 8 → (intg0 0, intg0x 8 → 4 bytes), frac 2 → 1 byte.
        let bytes = [0x80, 0x12, 0xD6, 0x87, 0x59];
        let d = read_decimal(&mut Reader::new(&bytes), 10, 2).unwrap();
        assert_eq!(d.to_string(), "1234567.89");
        // -0.50 is the bitwise complement of 0.50.
        let pos = [0x80, 0x00, 0x00, 0x00, 0x32];
        assert_eq!(
            read_decimal(&mut Reader::new(&pos), 10, 2)
                .unwrap()
                .to_string(),
            "0.50"
        );
        let neg: Vec<u8> = pos.iter().map(|b| !b).collect();
        assert_eq!(
            read_decimal(&mut Reader::new(&neg), 10, 2)
                .unwrap()
                .to_string(),
            "-0.50"
        );
        // DECIMAL(65,30) takes the string path.
        let size = 4 * 3 + DIG2BYTES[35 % 9] + 4 * 3 + DIG2BYTES[3];
        let mut big = vec![0u8; size];
        big[0] = 0x80;
        big[size - 1] = 7;
        let d = read_decimal(&mut Reader::new(&big), 65, 30).unwrap();
        assert_eq!(d.scale(), 30);
        assert_eq!(
            crate::mysql::types::plain_decimal(&d),
            format!("0.{}7", "0".repeat(29))
        );
    }

    /// MySQL's `decimal2bin` for a number given as its digits, for the round-trip test.
    fn decimal2bin(
        negative: bool,
        int: &str,
        frac: &str,
        precision: usize,
        scale: usize,
    ) -> Vec<u8> {
        let intg = precision - scale;
        let int = format!("{int:0>intg$}");
        let frac = format!("{frac:0<scale$}");
        let mut chunks: Vec<(usize, &str)> = Vec::new();
        let lead = intg % 9;
        if lead > 0 {
            chunks.push((lead, &int[..lead]));
        }
        for g in 0..intg / 9 {
            chunks.push((9, &int[lead + 9 * g..lead + 9 * g + 9]));
        }
        for g in 0..scale / 9 {
            chunks.push((9, &frac[9 * g..9 * g + 9]));
        }
        if scale % 9 > 0 {
            chunks.push((scale % 9, &frac[scale - scale % 9..]));
        }
        let mut out = Vec::new();
        for (width, digits) in chunks {
            let v: u32 = digits.parse().unwrap();
            let n = DIG2BYTES[width];
            out.extend_from_slice(&v.to_be_bytes()[4 - n..]);
        }
        out[0] ^= 0x80;
        if negative {
            for b in &mut out {
                *b = !*b;
            }
        }
        out
    }

    proptest::proptest! {
        /// Every precision (the i64, i128 and string paths) and scale, both signs.
        #[test]
        fn decimals_round_trip_through_decimal2bin(
            precision in 1usize..=65,
            scale_pick in 0usize..=30,
            negative in proptest::bool::ANY,
            seed in proptest::collection::vec(0u8..10, 65),
        ) {
            let scale = scale_pick.min(precision);
            let digit = |i: usize| char::from(b'0' + seed[i]);
            let int: String = (0..precision - scale).map(digit).collect();
            let frac: String = (precision - scale..precision).map(digit).collect();
            let bytes = decimal2bin(negative, &int, &frac, precision, scale);
            let d = read_decimal(&mut Reader::new(&bytes), precision, scale).unwrap();
            let int = int.trim_start_matches('0');
            let int = if int.is_empty() { "0" } else { int };
            let zero = int == "0" && frac.bytes().all(|b| b == b'0');
            let sign = if negative && !zero { "-" } else { "" };
            let expected = if scale == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            };
            proptest::prop_assert_eq!(crate::mysql::types::plain_decimal(&d), expected);
            proptest::prop_assert_eq!(d.scale(), scale as i32);
        }
    }

    #[test]
    fn temporal_cells_decode() {
        // DATETIME2(3) 2024-01-02 03:04:05.678
        let ym: u64 = 2024 * 13 + 1;
        let int = ((ym << 5 | 2) << 17) | (3 << 12 | 4 << 6 | 5);
        let packed = int + 0x80_0000_0000;
        let mut bytes = packed.to_be_bytes()[3..].to_vec();
        bytes.extend_from_slice(&6780u16.to_be_bytes()); // fsp 3-4: units of 100 µs
        match read_cell(&mut Reader::new(&bytes), col(MYSQL_TYPE_DATETIME2, 3)).unwrap() {
            Cell::DateTime(d) => assert_eq!(
                (d.year, d.month, d.day, d.hour, d.minute, d.second, d.micros),
                (2024, 1, 2, 3, 4, 5, 678_000)
            ),
            other => panic!("{other:?}"),
        }
        // TIMESTAMP2(6) epoch 1704164645.000001
        let mut ts = 1_704_164_645u32.to_be_bytes().to_vec();
        ts.extend_from_slice(&[0, 0, 1]);
        assert_eq!(
            read_cell(&mut Reader::new(&ts), col(MYSQL_TYPE_TIMESTAMP2, 6)).unwrap(),
            Cell::Timestamp(1_704_164_645, 1)
        );
        // TIME2(0) -01:00:00
        let t = ((-(1i64 << 12) << 24) >> 24) + 0x80_0000;
        let bytes = (t as u64).to_be_bytes()[5..].to_vec();
        assert_eq!(
            read_cell(&mut Reader::new(&bytes), col(MYSQL_TYPE_TIME2, 0)).unwrap(),
            Cell::Time(true, 3_600_000_000)
        );
        // DATE 2024-01-02
        let v: u32 = (2024 << 9) | (1 << 5) | 2;
        match read_cell(
            &mut Reader::new(&v.to_le_bytes()[..3]),
            col(MYSQL_TYPE_DATE, 0),
        )
        .unwrap()
        {
            Cell::Date(d) => assert_eq!((d.year, d.month, d.day), (2024, 1, 2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn images_honour_present_and_null_bitmaps() {
        let columns = [
            col(MYSQL_TYPE_LONG, 0),
            col(MYSQL_TYPE_VARCHAR, 64),
            col(MYSQL_TYPE_TINY, 0),
        ];
        // All present; column 2 null.
        let mut data = vec![0b010u8];
        data.extend_from_slice(&7u32.to_le_bytes());
        data.push(0xFF);
        let mut out = Vec::new();
        let mut r = Reader::new(&data);
        read_image(&mut r, &columns, &[0b111], |c| out.push(c)).unwrap();
        assert_eq!(
            out,
            vec![
                Some(Cell::Int(7, 4)),
                Some(Cell::Null),
                Some(Cell::Int(0xFF, 1))
            ]
        );
        assert!(r.remaining().is_empty());
        // Truncated data is an error naming the column.
        let mut r = Reader::new(&data[..3]);
        let e = read_image(&mut r, &columns, &[0b111], |_| {}).unwrap_err();
        assert!(e.0.starts_with("column 1"), "{e}");
        // Column 2 absent (a partial image): one null bit for the two present columns.
        let mut data = vec![0b00u8];
        data.extend_from_slice(&9u32.to_le_bytes());
        data.push(0x01);
        let mut out = Vec::new();
        let mut r = Reader::new(&data);
        read_image(&mut r, &columns, &[0b101], |c| out.push(c)).unwrap();
        assert_eq!(
            out,
            vec![Some(Cell::Int(9, 4)), None, Some(Cell::Int(1, 1))]
        );
        assert!(r.remaining().is_empty());
    }

    #[test]
    fn bits_are_counted_up_to_the_column_count() {
        assert_eq!(count_bits(&[0xFF, 0xFF], 9), 9);
        assert_eq!(count_bits(&[0xFF, 0xFE], 9), 8);
        assert_eq!(count_bits(&[0b101], 3), 2);
        assert_eq!(count_bits(&[0xFF], 3), 3);
        assert_eq!(count_bits(&[], 3), 0);
    }

    #[test]
    fn table_map_resolves_string_real_types() {
        let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(&[2, b'd', b'b', 0, 1, b't', 0]);
        body.push(4);
        body.extend_from_slice(&[
            MYSQL_TYPE_LONG,
            MYSQL_TYPE_STRING,
            MYSQL_TYPE_STRING,
            MYSQL_TYPE_NEWDECIMAL,
        ]);
        let meta = [MYSQL_TYPE_ENUM, 1, MYSQL_TYPE_STRING, 40, 10, 2];
        body.push(meta.len() as u8);
        body.extend_from_slice(&meta);
        body.push(0);
        let tm = TableMap::parse(&body).unwrap();
        assert_eq!(
            (tm.table_id, tm.db.as_str(), tm.table.as_str()),
            (1, "db", "t")
        );
        assert_eq!(
            tm.columns,
            vec![
                col(MYSQL_TYPE_LONG, 0),
                col(MYSQL_TYPE_ENUM, 1),
                col(MYSQL_TYPE_STRING, 40),
                col(MYSQL_TYPE_NEWDECIMAL, 10 << 8 | 2)
            ]
        );
    }
}
