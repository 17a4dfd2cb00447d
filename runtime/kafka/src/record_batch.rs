//! The adapter between Strait's records and `kafka-protocol`'s record batch codec.
//!
//! The record batch format (magic 2: batch header, CRC-32C, varint-framed records, compression
//! codecs) is Kafka's, and `kafka-protocol` already implements it, so this module does not: it
//! turns [`ProduceRecord`]s into `kafka_protocol::records::Record`s (moving their buffers, no
//! copies), hands them to `RecordBatchEncoder` in batches that fit the request size limit, and
//! turns what `RecordBatchDecoder` reads back into [`ConsumedRecord`]s. Produced batches are
//! uncompressed, like Connect's default `compression.type=none`, and non-idempotent (producer id,
//! epoch and base sequence `-1`); fetched batches in any codec are read.
//!
//! What is ours is the fetch-response framing around the codec, plus two header fields the codec
//! decodes but does not return:
//! - a fetch response may end in a partial batch, which the codec rejects, so the response is
//!   split into whole batches by their 12-byte `baseOffset | batchLength` prefix and the tail is
//!   left for the next fetch, as Kafka's consumer does;
//! - the offset after a batch is `baseOffset + lastOffsetDelta + 1`, not its last record's offset
//!   plus one (compaction can remove a batch's last records, or all of them), and records of a
//!   log-append-time batch carry the batch's `maxTimestamp`: both fields are read at their fixed
//!   places in the batch header, after the codec has checked the batch's CRC;
//! - control batches (transaction markers) are skipped but advance the offset.
//!
//! Known gap: `Record::headers` is an `IndexMap`, which keeps header order and null values but
//! cannot hold a key twice, while Connect headers may repeat a key (`Headers.add` appends). A
//! record whose headers repeat a key is rejected with [`EncodeError::RepeatedHeaderKey`] rather
//! than silently losing values, because the worker promises the bytes a Java worker would write.
//! The way to close the gap is to contribute a multi-valued header representation to
//! `kafka-protocol` (or wrap its encoder), not to write the format here again. Fetched records
//! with repeated keys are read with the last value at the first key's place, for the same reason.

use std::ops::Range;

use bytes::{Bytes, BytesMut};
use kafka_protocol::indexmap::map::Entry;
use kafka_protocol::indexmap::IndexMap;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
    NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE,
};

use crate::{CompressionType, ConsumedRecord, HeaderKey, ProduceRecord};

/// Bytes of `baseOffset i64 | batchLength i32`, the log's framing around every batch.
const LOG_OVERHEAD: usize = 12;
/// Size of a magic-2 batch header, from `baseOffset` to `recordCount`.
const BATCH_HEADER_SIZE: usize = 61;
/// Where `lastOffsetDelta i32` lies in a magic-2 batch header.
const LAST_OFFSET_DELTA: Range<usize> = 23..27;
/// Where `maxTimestamp i64` lies in a magic-2 batch header.
const MAX_TIMESTAMP: Range<usize> = 35..43;

/// Most bytes a record can take besides its key, value and headers: the varints for its length,
/// timestamp delta, offset delta, key and value lengths and header count, and its attributes.
/// Batches are sized with this bound so that none exceeds its budget once encoded.
const RECORD_OVERHEAD_BOUND: usize = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/// Most bytes a header can take besides its key and value: two length varints.
const HEADER_OVERHEAD_BOUND: usize = 5 + 5;

/// Why records could not be encoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum EncodeError {
    /// A record cannot fit in a batch, whose length is an `i32`; `size` is an upper bound.
    RecordTooLarge { index: usize, size: usize },
    /// A record's headers repeat a key, which `kafka-protocol`'s header map cannot hold.
    RepeatedHeaderKey { index: usize, key: String },
    /// A record's timestamp is negative; Kafka's producer refuses those too.
    NegativeTimestamp { index: usize, timestamp_ms: i64 },
    /// `kafka-protocol`'s encoder failed.
    Codec { message: String },
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RecordTooLarge { index, size } => write!(
                f,
                "record {index} is {size} bytes, more than a record batch can hold"
            ),
            Self::RepeatedHeaderKey { index, key } => write!(
                f,
                "record {index} has header '{key}' more than once, which Strait cannot produce \
                 yet (its record batch codec keeps one value per header key)"
            ),
            Self::NegativeTimestamp {
                index,
                timestamp_ms,
            } => write!(
                f,
                "record {index} has timestamp {timestamp_ms}; timestamps must be non-negative"
            ),
            Self::Codec { message } => write!(f, "cannot encode record batch: {message}"),
        }
    }
}

/// Moves `records` into `kafka-protocol`'s form, checking what the format or the codec cannot
/// carry. Keys, values and headers are moved, not copied (`Bytes::from(Vec<u8>)` keeps the
/// allocation); only records with headers allocate, for their header map.
///
/// A source task usually puts the same headers on every record (Debezium's
/// `__debezium.context.*`): a record whose headers equal the previous record's gets a clone of
/// that record's header map, which shares the keys and values and hashes nothing.
pub(crate) fn to_records(records: Vec<ProduceRecord>) -> Result<Vec<Record>, EncodeError> {
    let mut out: Vec<Record> = Vec::with_capacity(records.len());
    for (index, mut record) in records.into_iter().enumerate() {
        let list = std::mem::take(&mut record.headers);
        let headers = match out.last() {
            Some(previous) if !list.is_empty() && same_headers(&previous.headers, &list) => {
                previous.headers.clone()
            }
            _ => header_map(index, list)?,
        };
        out.push(to_record(index, record, headers)?);
    }
    Ok(out)
}

/// Whether `map` holds exactly `list`, in order.
fn same_headers(map: &Headers, list: &HeaderList) -> bool {
    map.len() == list.len()
        && map
            .iter()
            .zip(list)
            .all(|((k, v), (key, value))| **k == *key.as_str() && v == value)
}

/// A record's header map, as `kafka-protocol` carries it.
type Headers = IndexMap<StrBytes, Option<Bytes>>;

/// A record's headers, as [`ProduceRecord`] carries them.
type HeaderList = Vec<(HeaderKey, Option<Bytes>)>;

/// The header map of record `index`; a repeated key is refused.
fn header_map(index: usize, list: HeaderList) -> Result<Headers, EncodeError> {
    let mut headers = IndexMap::with_capacity(list.len());
    for (key, value) in list {
        match headers.entry(key.into_inner()) {
            Entry::Vacant(entry) => {
                entry.insert(value);
            }
            Entry::Occupied(entry) => {
                return Err(EncodeError::RepeatedHeaderKey {
                    index,
                    key: entry.key().to_string(),
                });
            }
        }
    }
    Ok(headers)
}

fn to_record(index: usize, record: ProduceRecord, headers: Headers) -> Result<Record, EncodeError> {
    if record.timestamp_ms < 0 {
        return Err(EncodeError::NegativeTimestamp {
            index,
            timestamp_ms: record.timestamp_ms,
        });
    }
    let record = Record {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
        producer_id: NO_PRODUCER_ID,
        producer_epoch: NO_PRODUCER_EPOCH,
        timestamp_type: TimestampType::Creation,
        offset: 0, // set per batch by `encode_batch`
        sequence: NO_SEQUENCE,
        timestamp: record.timestamp_ms,
        key: record.key,
        value: record.value,
        headers,
    };
    let size = BATCH_HEADER_SIZE + size_bound(&record);
    if size > i32::MAX as usize {
        return Err(EncodeError::RecordTooLarge { index, size });
    }
    Ok(record)
}

/// Encodes as many of `records` as fit in `max_bytes` (but at least one; measured before
/// compression) as one batch compressed with `compression`, appended to `buf`; returns how many
/// were encoded.
///
/// The batch's base offset is `0` (the broker assigns offsets), and its base sequence `-1`.
/// `kafka-protocol` derives the base sequence from the first record's `sequence` and starts a new
/// batch wherever `offset - sequence` changes, so each record's offset and sequence are set here
/// to its place in the batch and that place minus one.
pub(crate) fn encode_batch(
    buf: &mut BytesMut,
    records: &mut [Record],
    max_bytes: usize,
    compression: CompressionType,
) -> Result<usize, EncodeError> {
    // A batch's length is an `i32`; [`to_records`] made sure any one record fits.
    let limit = max_bytes.min(i32::MAX as usize);
    let mut total = BATCH_HEADER_SIZE;
    let mut count = 0usize;
    for (index, record) in records.iter_mut().enumerate() {
        let size = size_bound(record);
        if count > 0 && total + size > limit {
            break;
        }
        total += size;
        count += 1;
        // Every record takes at least one byte, so `index` fits the format's `i32` offset delta.
        record.offset = index as i64;
        record.sequence = NO_SEQUENCE.wrapping_add(index as i32);
    }
    if count == 0 {
        return Ok(0);
    }
    // A compressed batch is written through a growing writer: reserving its uncompressed size
    // would keep that much memory per batch in flight for bytes never written.
    buf.reserve(match compression {
        CompressionType::None => total,
        _ => BATCH_HEADER_SIZE + total / 8,
    });
    let options = RecordEncodeOptions {
        version: 2,
        compression: compression.codec(),
    };
    let encoded = match compression {
        CompressionType::Lz4 => RecordBatchEncoder::encode_with_custom_compression(
            buf,
            &records[..count],
            &options,
            Some(crate::compression::lz4_frame),
        ),
        _ => RecordBatchEncoder::encode(buf, &records[..count], &options),
    };
    encoded.map_err(|e| EncodeError::Codec {
        message: format!("{e:#}"),
    })?;
    Ok(count)
}

/// The records of one produce call, encoded into batches one at a time, in order.
pub(crate) struct Batches {
    records: Vec<Record>,
    /// Index of the first record not encoded yet.
    next: usize,
    max_bytes: usize,
    compression: CompressionType,
}

/// One encoded batch and how many records it holds.
pub(crate) struct EncodedBatch {
    pub count: usize,
    pub bytes: Bytes,
}

impl Batches {
    /// Batches of at most `max_bytes` (before compression; see [`encode_batch`]).
    pub(crate) fn new(
        records: Vec<Record>,
        max_bytes: usize,
        compression: CompressionType,
    ) -> Self {
        Self {
            records,
            next: 0,
            max_bytes,
            compression,
        }
    }

    /// How many records there are in all.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether every record has been encoded.
    pub(crate) fn is_done(&self) -> bool {
        self.next >= self.records.len()
    }

    /// Encodes the next batch; `None` once every record has been.
    pub(crate) fn encode_next(&mut self) -> Result<Option<EncodedBatch>, EncodeError> {
        if self.is_done() {
            return Ok(None);
        }
        let mut buf = BytesMut::new();
        let count = encode_batch(
            &mut buf,
            &mut self.records[self.next..],
            self.max_bytes,
            self.compression,
        )?;
        self.next += count;
        Ok(Some(EncodedBatch {
            count,
            bytes: buf.freeze(),
        }))
    }
}

/// An upper bound of a record's encoded size.
fn size_bound(record: &Record) -> usize {
    let len = |b: &Option<Bytes>| b.as_ref().map_or(0, Bytes::len);
    RECORD_OVERHEAD_BOUND
        + len(&record.key)
        + len(&record.value)
        + record
            .headers
            .iter()
            .map(|(key, value)| HEADER_OVERHEAD_BOUND + key.len() + len(value))
            .sum::<usize>()
}

/// Why fetched bytes could not be decoded, and at which batch.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// Base offset of the offending batch.
    pub offset: i64,
    pub message: String,
}

/// What [`decode_batches`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// The offset after the last complete batch, if there was one (control batches count).
    pub next_offset: Option<i64>,
}

/// Decodes the complete batches in a fetch response's `records`, appending each record whose
/// offset is in `from..until` to `out`. A trailing partial batch is ignored, as Kafka's consumer
/// does; the caller fetches again from [`Decoded::next_offset`].
pub(crate) fn decode_batches(
    mut data: Bytes,
    from: i64,
    until: i64,
    out: &mut Vec<ConsumedRecord>,
) -> Result<Decoded, DecodeError> {
    let mut decoded = Decoded::default();
    while data.len() >= LOG_OVERHEAD {
        let base_offset = read_i64(&data, 0..8);
        let batch_length = read_i32(&data, 8..12);
        let err = |message: String| DecodeError {
            offset: base_offset,
            message,
        };
        if batch_length < (BATCH_HEADER_SIZE - LOG_OVERHEAD) as i32 {
            return Err(err(format!(
                "batch length {batch_length} is shorter than a record batch header"
            )));
        }
        let size = LOG_OVERHEAD + batch_length as usize;
        if data.len() < size {
            break; // partial batch at the end of the response
        }
        let batch = data.split_to(size);
        let next = decode_batch(batch, base_offset, from, until, out).map_err(err)?;
        decoded.next_offset = Some(decoded.next_offset.map_or(next, |n: i64| n.max(next)));
    }
    Ok(decoded)
}

/// Decodes one complete batch; returns the offset after it.
fn decode_batch(
    batch: Bytes,
    base_offset: i64,
    from: i64,
    until: i64,
    out: &mut Vec<ConsumedRecord>,
) -> Result<i64, String> {
    // Header fields are trusted only once the codec has checked the CRC that covers them.
    let next_offset = |batch: &Bytes| {
        base_offset
            .saturating_add(i64::from(read_i32(batch, LAST_OFFSET_DELTA)))
            .saturating_add(1)
    };

    if next_offset(&batch) <= from || base_offset >= until {
        // Wholly outside the wanted range: check the header, skip the records.
        let infos = RecordBatchDecoder::decode_batch_info(&mut batch.clone())
            .map_err(|e| format!("{e:#}"))?;
        if infos.len() != 1 {
            return Err(format!(
                "message format v{} is not supported (only v2 record batches)",
                batch[16] as i8
            ));
        }
        return Ok(next_offset(&batch));
    }

    let set = RecordBatchDecoder::decode(&mut batch.clone()).map_err(|e| format!("{e:#}"))?;
    let max_timestamp = read_i64(&batch, MAX_TIMESTAMP);
    let compression = CompressionType::from_codec(set.compression);
    out.reserve(set.records.len());
    for record in set.records {
        // Control records (transaction markers) are never shown to consumers.
        if record.control || record.offset < from || record.offset >= until {
            continue;
        }
        let headers = record
            .headers
            .into_iter()
            .map(|(key, value)| (key.as_str().to_owned(), value.map(|v| v.to_vec())))
            .collect();
        out.push(ConsumedRecord {
            offset: record.offset,
            key: record.key.map(|k| k.to_vec()),
            value: record.value.map(|v| v.to_vec()),
            headers,
            timestamp_ms: match record.timestamp_type {
                TimestampType::LogAppend => max_timestamp,
                TimestampType::Creation => record.timestamp,
            },
            compression,
        });
    }
    Ok(next_offset(&batch))
}

/// A big-endian `i32` at `range`, which the caller has checked lies within `bytes`.
fn read_i32(bytes: &[u8], range: Range<usize>) -> i32 {
    let mut out = [0u8; 4];
    out.copy_from_slice(&bytes[range]);
    i32::from_be_bytes(out)
}

/// A big-endian `i64` at `range`, which the caller has checked lies within `bytes`.
fn read_i64(bytes: &[u8], range: Range<usize>) -> i64 {
    let mut out = [0u8; 8];
    out.copy_from_slice(&bytes[range]);
    i64::from_be_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::records::Compression;
    use proptest::prelude::*;

    fn record(key: &str, value: &str, ts: i64) -> ProduceRecord {
        ProduceRecord {
            key: Some(Bytes::copy_from_slice(key.as_bytes())),
            value: Some(Bytes::copy_from_slice(value.as_bytes())),
            headers: Vec::new(),
            timestamp_ms: ts,
        }
    }

    /// Encodes all of `records` as one batch with base offset `base`.
    fn batch(records: Vec<ProduceRecord>, base: i64) -> BytesMut {
        let mut records = to_records(records).unwrap();
        let mut buf = BytesMut::new();
        let n = encode_batch(&mut buf, &mut records, usize::MAX, CompressionType::None).unwrap();
        assert_eq!(n, records.len());
        buf[0..8].copy_from_slice(&base.to_be_bytes());
        buf
    }

    /// Changes a batch's header as a broker or another producer would, and fixes its CRC.
    fn forge(buf: &mut BytesMut, edit: impl FnOnce(&mut [u8])) {
        edit(&mut buf[..]);
        let crc = crc32c::crc32c(&buf[21..]);
        buf[17..21].copy_from_slice(&crc.to_be_bytes());
    }

    /// The header fields a non-idempotent producer writes, from Kafka's `DefaultRecordBatch`
    /// layout: checks what this adapter asks of the codec (notably the base sequence, which
    /// `kafka-protocol` derives from the records).
    #[test]
    fn batches_carry_a_plain_producers_header() {
        let mut records = to_records(vec![
            ProduceRecord {
                key: Some(Bytes::from_static(b"k")),
                value: Some(Bytes::from_static(b"v")),
                headers: vec![("h".into(), Some(Bytes::from_static(b"x")))],
                timestamp_ms: 1000,
            },
            record("k2", "v2", 1500),
        ])
        .unwrap();
        let mut buf = BytesMut::new();
        assert_eq!(
            encode_batch(&mut buf, &mut records, usize::MAX, CompressionType::None),
            Ok(2)
        );

        let field = |range: Range<usize>| {
            let mut v = 0i64;
            for &b in &buf[range.clone()] {
                v = (v << 8) | i64::from(b);
            }
            // Sign-extend from the field's width.
            let bits = 64 - 8 * range.len() as u32;
            (v << bits) >> bits
        };
        assert_eq!(field(0..8), 0, "base offset");
        assert_eq!(field(8..12) as usize, buf.len() - 12, "batch length");
        assert_eq!(field(12..16), -1, "partition leader epoch");
        assert_eq!(field(16..17), 2, "magic");
        assert_eq!(
            field(17..21) as u32,
            crc32c::crc32c(&buf[21..]),
            "crc32c of the rest"
        );
        assert_eq!(field(21..23), 0, "attributes");
        assert_eq!(field(23..27), 1, "last offset delta");
        assert_eq!(field(27..35), 1000, "base timestamp");
        assert_eq!(field(35..43), 1500, "max timestamp");
        assert_eq!(field(43..51), -1, "producer id");
        assert_eq!(field(51..53), -1, "producer epoch");
        assert_eq!(field(53..57), -1, "base sequence");
        assert_eq!(field(57..61), 2, "record count");
        let first: &[u8] = &[
            0x18, // length 12 (zigzag varint)
            0x00, // attributes
            0x00, // timestamp delta 0
            0x00, // offset delta 0
            0x02, b'k', // key
            0x02, b'v', // value
            0x02, // one header
            0x02, b'h', 0x02, b'x',
        ];
        assert_eq!(&buf[61..61 + first.len()], first);
    }

    #[test]
    fn null_keys_values_and_header_values_round_trip_in_order() {
        let records = vec![ProduceRecord {
            key: None,
            value: Some(Bytes::new()),
            headers: vec![
                ("b".into(), None),
                ("a".into(), Some(Bytes::from_static(b"1"))),
                ("c".into(), Some(Bytes::new())),
            ],
            timestamp_ms: 1_700_000_000_123,
        }];
        let buf = batch(records.clone(), 40);
        let mut out = Vec::new();
        let decoded = decode_batches(buf.freeze(), 0, i64::MAX, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(41));
        assert_eq!(
            out,
            vec![ConsumedRecord {
                offset: 40,
                key: None,
                value: Some(Vec::new()),
                headers: header_vecs(&records[0].headers),
                timestamp_ms: 1_700_000_000_123,
                compression: CompressionType::None,
            }]
        );
    }

    #[test]
    fn records_repeating_the_previous_headers_keep_them_all() {
        let a = vec![
            (
                HeaderKey::from("ctx.name"),
                Some(Bytes::from_static(b"shop")),
            ),
            (HeaderKey::from("ctx.task"), Some(Bytes::from_static(b"0"))),
        ];
        let b = vec![(
            HeaderKey::from("ctx.name"),
            Some(Bytes::from_static(b"other")),
        )];
        let lists = [
            a.clone(),
            a.clone(),
            b.clone(),
            a.clone(),
            Vec::new(),
            a.clone(),
        ];
        let records: Vec<ProduceRecord> = lists
            .iter()
            .enumerate()
            .map(|(i, h)| ProduceRecord {
                headers: h.clone(),
                ..record("k", &i.to_string(), 1)
            })
            .collect();
        let mut out = Vec::new();
        decode_batches(batch(records, 0).freeze(), 0, i64::MAX, &mut out).unwrap();
        let got: Vec<_> = out.iter().map(|r| r.headers.clone()).collect();
        let want: Vec<_> = lists.iter().map(|h| header_vecs(h)).collect();
        assert_eq!(got, want);
        // The reused map still refuses nothing it should not: a repeated key after a reuse.
        let mut repeated = a.clone();
        repeated.push((HeaderKey::from("ctx.task"), None));
        let err = to_records(vec![
            ProduceRecord {
                headers: a.clone(),
                ..record("k", "v", 1)
            },
            ProduceRecord {
                headers: a,
                ..record("k", "v", 1)
            },
            ProduceRecord {
                headers: repeated,
                ..record("k", "v", 1)
            },
        ])
        .unwrap_err();
        assert_eq!(
            err,
            EncodeError::RepeatedHeaderKey {
                index: 2,
                key: "ctx.task".into()
            }
        );
    }

    #[test]
    fn repeated_header_keys_are_refused_by_name() {
        let mut r = record("k", "v", 1);
        r.headers = vec![
            ("a".into(), Some(Bytes::from_static(b"1"))),
            ("b".into(), None),
            ("a".into(), Some(Bytes::from_static(b"2"))),
        ];
        let err = to_records(vec![record("k", "v", 1), r]).unwrap_err();
        assert_eq!(
            err,
            EncodeError::RepeatedHeaderKey {
                index: 1,
                key: "a".into()
            }
        );
        assert!(err.to_string().contains("header 'a'"), "{err}");
    }

    #[test]
    fn negative_timestamps_are_refused() {
        let err = to_records(vec![record("k", "v", 5), record("k", "v", -1)]).unwrap_err();
        assert_eq!(
            err,
            EncodeError::NegativeTimestamp {
                index: 1,
                timestamp_ms: -1
            }
        );
    }

    #[test]
    fn splits_at_max_bytes_but_always_takes_one_record() {
        let records: Vec<_> = (0..10)
            .map(|i| record("key", &"v".repeat(100), i))
            .collect();
        let mut records = to_records(records).unwrap();
        let mut buf = BytesMut::new();
        let n = encode_batch(&mut buf, &mut records, 500, CompressionType::None).unwrap();
        assert!(n > 1 && n < 10, "{n} records in 500 bytes");
        assert!(buf.len() <= 500, "{} bytes", buf.len());

        // The rest start a batch of their own, at offset delta 0.
        let mut rest = BytesMut::new();
        let m = encode_batch(&mut rest, &mut records[n..], 10, CompressionType::None).unwrap();
        assert_eq!(m, 1);
        let mut out = Vec::new();
        decode_batches(rest.freeze(), 0, i64::MAX, &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].offset, 0);
        assert_eq!(out[0].timestamp_ms, n as i64);
    }

    #[test]
    fn decoding_filters_the_offset_range_and_ignores_a_partial_tail() {
        let first = (0..5)
            .map(|i| record(&i.to_string(), "a", 10 + i))
            .collect();
        let second = (0..3)
            .map(|i| record(&i.to_string(), "b", 20 + i))
            .collect();
        let mut data = batch(first, 100);
        let two = batch(second, 105);
        data.extend_from_slice(&two);
        for cut in [5, 30, two.len() - 1] {
            let mut data = data.clone();
            data.extend_from_slice(&two[..cut]); // a truncated third batch

            let mut out = Vec::new();
            let decoded = decode_batches(data.freeze(), 102, 107, &mut out).unwrap();
            assert_eq!(decoded.next_offset, Some(108), "cut at {cut}");
            let offsets: Vec<_> = out.iter().map(|r| r.offset).collect();
            assert_eq!(offsets, vec![102, 103, 104, 105, 106]);
            assert_eq!(out[0].key.as_deref(), Some(&b"2"[..]));
            assert_eq!(out[0].timestamp_ms, 12);
            assert_eq!(out[3].value.as_deref(), Some(&b"b"[..]));
            assert_eq!(out[3].timestamp_ms, 20);
        }
    }

    #[test]
    fn a_flipped_bit_is_an_error_even_in_a_skipped_batch() {
        for (from, until) in [(0, i64::MAX), (10, i64::MAX), (0, 7)] {
            let mut buf = batch(vec![record("k", "value", 1)], 7);
            let last = buf.len() - 1;
            buf[last] ^= 0x01;
            let err = decode_batches(buf.freeze(), from, until, &mut Vec::new()).unwrap_err();
            assert_eq!(err.offset, 7, "{from}..{until}: {err:?}");
        }
    }

    #[test]
    fn control_batches_advance_the_offset_without_records() {
        let mut records = to_records(vec![record("k", "v", 1)]).unwrap();
        records[0].control = true;
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &mut records, usize::MAX, CompressionType::None).unwrap();
        buf[0..8].copy_from_slice(&7i64.to_be_bytes());
        buf.extend_from_slice(&batch(vec![record("k", "after", 2)], 8));
        let mut out = Vec::new();
        let decoded = decode_batches(buf.freeze(), 0, i64::MAX, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(9));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].offset, 8);
    }

    /// Compaction may remove a batch's last records (or all of them) but keeps its
    /// `lastOffsetDelta`: reading must go on after the batch, not after its last record.
    #[test]
    fn a_compacted_batch_ends_at_its_last_offset_delta() {
        let mut buf = batch(vec![record("a", "1", 1), record("b", "2", 2)], 50);
        forge(&mut buf, |b| {
            b[LAST_OFFSET_DELTA].copy_from_slice(&9i32.to_be_bytes())
        });
        let mut out = Vec::new();
        let decoded = decode_batches(buf.clone().freeze(), 0, i64::MAX, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(60));
        assert_eq!(out.iter().map(|r| r.offset).collect::<Vec<_>>(), [50, 51]);

        // Fetching from 55 returns the same batch again: it must still move past it.
        let mut out = Vec::new();
        let decoded = decode_batches(buf.freeze(), 55, i64::MAX, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(60));
        assert!(out.is_empty());
    }

    /// A topic with `message.timestamp.type=LogAppendTime` gives every record the time the
    /// broker wrote in the batch's `maxTimestamp`.
    #[test]
    fn log_append_time_batches_use_the_max_timestamp() {
        let mut buf = batch(vec![record("a", "1", 1), record("b", "2", 2)], 0);
        forge(&mut buf, |b| {
            b[22] |= 0x08; // timestamp type: log append time
            b[MAX_TIMESTAMP].copy_from_slice(&1_700_000_000_000i64.to_be_bytes());
        });
        let mut out = Vec::new();
        decode_batches(buf.freeze(), 0, i64::MAX, &mut out).unwrap();
        let timestamps: Vec<_> = out.iter().map(|r| r.timestamp_ms).collect();
        assert_eq!(timestamps, [1_700_000_000_000, 1_700_000_000_000]);
    }

    #[test]
    fn a_too_short_batch_length_is_an_error() {
        let mut buf = batch(vec![record("k", "v", 1)], 3);
        buf[8..12].copy_from_slice(&20i32.to_be_bytes());
        let err = decode_batches(buf.freeze(), 0, i64::MAX, &mut Vec::new()).unwrap_err();
        assert_eq!(err.offset, 3);
        assert!(err.message.contains("batch length 20"), "{err:?}");
    }

    /// Batches compressed by other producers, in every codec, decode to the same records.
    #[test]
    fn decodes_compressed_batches() {
        let records: Vec<_> = (0..4)
            .map(|i| ProduceRecord {
                key: Some(format!("key-{i}").into_bytes().into()),
                value: (i != 2).then(|| format!("value-{i}").repeat(20).into_bytes().into()),
                headers: vec![("h".into(), None)],
                timestamp_ms: 5000 + i,
            })
            .collect();
        let mut encoded = to_records(records.clone()).unwrap();
        for (i, r) in encoded.iter_mut().enumerate() {
            r.offset = 50 + i as i64;
            r.sequence = i as i32;
        }
        for compression in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let mut buf = BytesMut::new();
            let options = RecordEncodeOptions {
                version: 2,
                compression,
            };
            RecordBatchEncoder::encode(&mut buf, &encoded, &options).unwrap();
            let mut out = Vec::new();
            let decoded = decode_batches(buf.freeze(), 51, i64::MAX, &mut out).unwrap();
            assert_eq!(decoded.next_offset, Some(54), "{compression:?}");
            assert_eq!(out.len(), 3, "{compression:?}");
            for (got, want) in out.iter().zip(&records[1..]) {
                assert_eq!(got.key, vecs(&want.key), "{compression:?}");
                assert_eq!(got.value, vecs(&want.value), "{compression:?}");
                assert_eq!(got.headers, header_vecs(&want.headers), "{compression:?}");
                assert_eq!(got.timestamp_ms, want.timestamp_ms, "{compression:?}");
                assert_eq!(got.compression.codec(), compression);
            }
            assert_eq!(out[0].offset, 51);
        }
    }

    /// LZ4 batches are framed as Kafka's Java producer frames them: magic, FLG = version 1 with
    /// independent blocks and no checksums (0x60), BD = 64 KiB blocks (0x40).
    #[test]
    fn lz4_batches_are_framed_like_the_java_producer() {
        let records: Vec<_> = (0..20)
            .map(|i| ProduceRecord {
                value: Some(format!("value {i} ").repeat(50).into_bytes().into()),
                timestamp_ms: 1,
                ..ProduceRecord::default()
            })
            .collect();
        let mut encoded = to_records(records).unwrap();
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &mut encoded, usize::MAX, CompressionType::Lz4).unwrap();
        assert_eq!(
            &buf[BATCH_HEADER_SIZE..BATCH_HEADER_SIZE + 6],
            &[0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]
        );
    }

    /// Batches we compress carry the codec in their attributes and decode to the same records.
    #[test]
    fn encodes_compressed_batches_in_every_codec() {
        let records: Vec<_> = (0..50)
            .map(|i| ProduceRecord {
                key: Some(format!("key-{i}").into_bytes().into()),
                value: Some(
                    format!("{{\"schema\":{{}},\"payload\":{i}}}")
                        .repeat(40)
                        .into_bytes()
                        .into(),
                ),
                headers: vec![("h".into(), Some(Bytes::from_static(b"v")))],
                timestamp_ms: 7000 + i,
            })
            .collect();
        let mut plain = BytesMut::new();
        let mut encoded = to_records(records.clone()).unwrap();
        encode_batch(&mut plain, &mut encoded, usize::MAX, CompressionType::None).unwrap();
        for compression in CompressionType::ALL {
            let mut encoded = to_records(records.clone()).unwrap();
            let mut buf = BytesMut::new();
            let n = encode_batch(&mut buf, &mut encoded, usize::MAX, compression).unwrap();
            assert_eq!(n, records.len());
            // Attributes (i16 at byte 21): the low three bits are the codec.
            assert_eq!(i32::from(buf[22] & 0x07), compression.codec() as i32);
            if compression != CompressionType::None {
                assert!(
                    buf.len() < plain.len() / 4,
                    "{compression}: {} bytes",
                    buf.len()
                );
            }
            let mut out = Vec::new();
            decode_batches(buf.freeze(), 0, i64::MAX, &mut out).unwrap();
            assert_eq!(out.len(), records.len(), "{compression}");
            for (got, want) in out.iter().zip(&records) {
                assert_eq!(got.value, vecs(&want.value), "{compression}");
                assert_eq!(got.compression, compression);
            }
        }
    }

    fn arb_record() -> impl Strategy<Value = ProduceRecord> {
        let bytes = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300));
        (
            bytes(),
            bytes(),
            // Distinct header keys, not in sorted order.
            proptest::collection::btree_map("[a-z.]{0,12}", bytes(), 0..4)
                .prop_map(|headers| headers.into_iter().rev().collect::<Vec<_>>()),
            0..i64::MAX,
        )
            .prop_map(|(key, value, headers, timestamp_ms)| ProduceRecord {
                key: key.map(Bytes::from),
                value: value.map(Bytes::from),
                headers: headers
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.map(Bytes::from)))
                    .collect(),
                timestamp_ms,
            })
    }

    fn vecs(b: &Option<Bytes>) -> Option<Vec<u8>> {
        b.as_ref().map(|b| b.to_vec())
    }

    fn header_vecs(h: &[(HeaderKey, Option<Bytes>)]) -> Vec<(String, Option<Vec<u8>>)> {
        h.iter().map(|(k, v)| (k.to_string(), vecs(v))).collect()
    }

    proptest! {
        #[test]
        fn every_record_round_trips(
            records in proptest::collection::vec(arb_record(), 1..40),
            max_bytes in 100usize..20_000,
        ) {
            let mut encoded = to_records(records.clone()).unwrap();
            let mut data = BytesMut::new();
            let mut start = 0;
            while start < encoded.len() {
                let mut batch = BytesMut::new();
                let n = encode_batch(&mut batch, &mut encoded[start..], max_bytes, CompressionType::None).unwrap();
                prop_assert!(n >= 1);
                prop_assert!(n == 1 || batch.len() <= max_bytes);
                batch[0..8].copy_from_slice(&(start as i64).to_be_bytes());
                data.extend_from_slice(&batch);
                start += n;
            }
            let mut out = Vec::new();
            let decoded = decode_batches(data.freeze(), 0, i64::MAX, &mut out).unwrap();
            prop_assert_eq!(decoded.next_offset, Some(records.len() as i64));
            prop_assert_eq!(out.len(), records.len());
            for (i, (got, want)) in out.iter().zip(&records).enumerate() {
                prop_assert_eq!(got.offset, i as i64);
                prop_assert_eq!(&got.key, &vecs(&want.key));
                prop_assert_eq!(&got.value, &vecs(&want.value));
                prop_assert_eq!(&got.headers, &header_vecs(&want.headers));
                prop_assert_eq!(got.timestamp_ms, want.timestamp_ms);
            }
        }
    }
}
