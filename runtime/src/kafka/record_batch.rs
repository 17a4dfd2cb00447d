//! Kafka's record batch format (magic 2), written straight from [`ProduceRecord`]s and read into
//! [`ConsumedRecord`]s.
//!
//! Connect headers are an ordered list that may repeat a key and may carry null values, and the
//! worker must put exactly those bytes on the wire. Neither client library can: rskafka keeps
//! headers in a `BTreeMap<String, Vec<u8>>` (no nulls, no order, no repeats) and kafka-protocol's
//! `Record` in an `IndexMap` (no repeats) that would also cost a conversion per record. So this
//! module encodes the batch itself, in one pass into one buffer per batch, with no allocation per
//! record. Decoding handles what other producers may have written too: every compression codec
//! (decompressed with kafka-protocol's codecs), control batches (skipped, but they advance the
//! offset), log-append-time batches, and the partial batch a broker may leave at the end of a
//! fetch response. Produced batches are uncompressed, like Connect's default
//! `compression.type=none`.
//!
//! Layout (Kafka's `DefaultRecordBatch`/`DefaultRecord`):
//! ```text
//! baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 = 2 | crc u32 (crc32c of
//! everything after it) | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 |
//! maxTimestamp i64 | producerId i64 | producerEpoch i16 | baseSequence i32 | recordCount i32 |
//! records: [length varint | attributes i8 | timestampDelta varlong | offsetDelta varint |
//!           keyLength varint | key | valueLength varint | value | headerCount varint |
//!           [keyLength varint | key | valueLength varint | value]]
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::compression::{Decompressor, Gzip, Lz4, Snappy, Zstd};

use super::{ConsumedRecord, ProduceRecord};

/// Bytes before `batchLength` ends: baseOffset + batchLength.
const LOG_OVERHEAD: usize = 12;
/// Size of a batch with no records.
pub(crate) const BATCH_OVERHEAD: usize = 61;
const MAGIC_OFFSET: usize = 16;
const CRC_OFFSET: usize = 17;
const ATTRIBUTES_OFFSET: usize = 21;
const MAGIC: i8 = 2;

const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
const CONTROL_MASK: i16 = 0x20;

/// Why a batch could not be encoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum EncodeError {
    /// A key, value, header or the whole record does not fit the format's `i32` lengths.
    RecordTooLarge { index: usize, size: usize },
}

/// Encodes as many of `records` as fit in `max_bytes` (but at least one) as one uncompressed
/// batch appended to `buf`; returns how many were encoded.
///
/// Base offset, producer id and sequence are left for the broker to assign (`0`/`-1`), as a
/// non-idempotent producer does; the base timestamp is the first record's.
pub(crate) fn encode_batch(
    buf: &mut BytesMut,
    records: &[ProduceRecord],
    max_bytes: usize,
) -> Result<usize, EncodeError> {
    let Some(first) = records.first() else {
        return Ok(0);
    };
    let base_timestamp = first.timestamp_ms;

    // Count the records that fit, so the header can be written first and patched only for
    // length and CRC.
    let mut total = BATCH_OVERHEAD;
    let mut count = 0usize;
    let mut max_timestamp = base_timestamp;
    for (index, record) in records.iter().enumerate() {
        let body = record_body_size(record, base_timestamp, index);
        let size = varint_size(zigzag32(clamp_i32(body))) + body;
        if count > 0 && total + size > max_bytes {
            break;
        }
        if total + size > i32::MAX as usize {
            return Err(EncodeError::RecordTooLarge { index, size });
        }
        total += size;
        count += 1;
        max_timestamp = max_timestamp.max(record.timestamp_ms);
    }

    buf.reserve(total);
    let start = buf.len();
    buf.put_i64(0); // baseOffset: assigned by the broker
    buf.put_i32((total - LOG_OVERHEAD) as i32);
    buf.put_i32(-1); // partitionLeaderEpoch
    buf.put_i8(MAGIC);
    buf.put_u32(0); // crc, patched below
    buf.put_i16(0); // attributes: no compression, create time, not transactional
    buf.put_i32(count as i32 - 1); // lastOffsetDelta
    buf.put_i64(base_timestamp);
    buf.put_i64(max_timestamp);
    buf.put_i64(-1); // producerId
    buf.put_i16(-1); // producerEpoch
    buf.put_i32(-1); // baseSequence
    buf.put_i32(count as i32);

    for (index, record) in records[..count].iter().enumerate() {
        let body = record_body_size(record, base_timestamp, index);
        put_varint(buf, body as i32);
        buf.put_i8(0); // record attributes (unused)
        put_varlong(buf, record.timestamp_ms.wrapping_sub(base_timestamp));
        put_varint(buf, index as i32);
        put_nullable_bytes(buf, record.key.as_deref());
        put_nullable_bytes(buf, record.value.as_deref());
        put_varint(buf, record.headers.len() as i32);
        for (key, value) in &record.headers {
            put_nullable_bytes(buf, Some(key.as_bytes()));
            put_nullable_bytes(buf, value.as_deref());
        }
    }
    debug_assert_eq!(buf.len() - start, total);

    let crc = crc32c::crc32c(&buf[start + ATTRIBUTES_OFFSET..]);
    buf[start + CRC_OFFSET..start + CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(count)
}

/// Size of a record after its length prefix.
fn record_body_size(record: &ProduceRecord, base_timestamp: i64, index: usize) -> usize {
    let mut size = 1 // attributes
        + varlong_size(zigzag64(record.timestamp_ms.wrapping_sub(base_timestamp)))
        + varint_size(zigzag32(clamp_i32(index)))
        + nullable_bytes_size(record.key.as_deref())
        + nullable_bytes_size(record.value.as_deref())
        + varint_size(zigzag32(clamp_i32(record.headers.len())));
    for (key, value) in &record.headers {
        size += nullable_bytes_size(Some(key.as_bytes())) + nullable_bytes_size(value.as_deref());
    }
    size
}

fn clamp_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn nullable_bytes_size(bytes: Option<&[u8]>) -> usize {
    match bytes {
        None => 1, // varint(-1)
        Some(b) => varint_size(zigzag32(clamp_i32(b.len()))) + b.len(),
    }
}

fn put_nullable_bytes(buf: &mut BytesMut, bytes: Option<&[u8]>) {
    match bytes {
        None => put_varint(buf, -1),
        Some(b) => {
            put_varint(buf, b.len() as i32);
            buf.put_slice(b);
        }
    }
}

fn zigzag32(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn varint_size(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn varlong_size(v: u64) -> usize {
    varint_size(v)
}

fn put_unsigned_varint(buf: &mut BytesMut, mut v: u64) {
    while v >= 0x80 {
        buf.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

fn put_varint(buf: &mut BytesMut, v: i32) {
    put_unsigned_varint(buf, zigzag32(v));
}

fn put_varlong(buf: &mut BytesMut, v: i64) {
    put_unsigned_varint(buf, zigzag64(v));
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
    while data.len() >= LOG_OVERHEAD + 5 {
        let base_offset = i64::from_be_bytes(array(&data[0..8]));
        let batch_length = i32::from_be_bytes(array(&data[8..12]));
        let err = |message: String| DecodeError {
            offset: base_offset,
            message,
        };
        if batch_length < (BATCH_OVERHEAD - LOG_OVERHEAD) as i32 {
            return Err(err(format!("batch length {batch_length} is too small")));
        }
        let size = LOG_OVERHEAD + batch_length as usize;
        if data.len() < size {
            break; // partial batch at the end of the response
        }
        let batch = data.split_to(size);
        let magic = batch[MAGIC_OFFSET] as i8;
        if magic != MAGIC {
            return Err(err(format!(
                "message format v{magic} is not supported (only v2 record batches)"
            )));
        }
        let next = decode_batch(batch, base_offset, from, until, out).map_err(err)?;
        decoded.next_offset = Some(decoded.next_offset.map_or(next, |n: i64| n.max(next)));
    }
    Ok(decoded)
}

/// Decodes one complete magic-2 batch; returns the offset after it.
fn decode_batch(
    batch: Bytes,
    base_offset: i64,
    from: i64,
    until: i64,
    out: &mut Vec<ConsumedRecord>,
) -> Result<i64, String> {
    let stored_crc = u32::from_be_bytes(array(&batch[CRC_OFFSET..CRC_OFFSET + 4]));
    let crc = crc32c::crc32c(&batch[ATTRIBUTES_OFFSET..]);
    if crc != stored_crc {
        return Err(format!(
            "checksum mismatch (stored {stored_crc:#010x}, computed {crc:#010x})"
        ));
    }

    let mut header = &batch[ATTRIBUTES_OFFSET..BATCH_OVERHEAD];
    let attributes = header.get_i16();
    let last_offset_delta = header.get_i32();
    let base_timestamp = header.get_i64();
    let max_timestamp = header.get_i64();
    let _producer_id = header.get_i64();
    let _producer_epoch = header.get_i16();
    let _base_sequence = header.get_i32();
    let count = header.get_i32();
    let next_offset = base_offset + i64::from(last_offset_delta) + 1;

    // Control batches (transaction markers) are never shown to consumers, and batches wholly
    // outside the wanted range need no decoding.
    if attributes & CONTROL_MASK != 0 || next_offset <= from || base_offset >= until {
        return Ok(next_offset);
    }
    let log_append_time = attributes & TIMESTAMP_TYPE_MASK != 0;

    let mut records = batch.slice(BATCH_OVERHEAD..);
    let records = match attributes & COMPRESSION_MASK {
        0 => records,
        1 => decompress::<Gzip>(&mut records)?,
        2 => decompress::<Snappy>(&mut records)?,
        3 => decompress::<Lz4>(&mut records)?,
        4 => decompress::<Zstd>(&mut records)?,
        other => return Err(format!("unknown compression codec {other}")),
    };

    let mut reader = Reader { buf: &records };
    // The count comes from the wire: bound the reservation by what the bytes can hold.
    out.reserve((count.max(0) as usize).min(records.len() / 7));
    for _ in 0..count {
        let length = reader.varint()?;
        let body = reader.bytes(length)?.ok_or("record with null length")?;
        let mut record = Reader { buf: body };
        let _attributes = record.u8()?;
        let timestamp_delta = record.varlong()?;
        let offset_delta = record.varint()?;
        let offset = base_offset + i64::from(offset_delta);
        if offset < from || offset >= until {
            continue;
        }
        let key_len = record.varint()?;
        let key = record.bytes(key_len)?.map(<[u8]>::to_vec);
        let value_len = record.varint()?;
        let value = record.bytes(value_len)?.map(<[u8]>::to_vec);
        let header_count = record.varint()?;
        let mut headers = Vec::with_capacity((header_count.max(0) as usize).min(body.len()));
        for _ in 0..header_count {
            let key_len = record.varint()?;
            let key = record.bytes(key_len)?.ok_or("header with a null key")?;
            let key = std::str::from_utf8(key)
                .map_err(|e| format!("header key at offset {offset} is not UTF-8: {e}"))?;
            let value_len = record.varint()?;
            let value = record.bytes(value_len)?.map(<[u8]>::to_vec);
            headers.push((key.to_string(), value));
        }
        out.push(ConsumedRecord {
            offset,
            key,
            value,
            headers,
            timestamp_ms: if log_append_time {
                max_timestamp
            } else {
                base_timestamp.wrapping_add(timestamp_delta)
            },
        });
    }
    Ok(next_offset)
}

fn decompress<D: Decompressor<Bytes>>(records: &mut Bytes) -> Result<Bytes, String> {
    D::decompress(records, |buf| Ok(buf.copy_to_bytes(buf.remaining())))
        .map_err(|e| format!("cannot decompress records: {e:#}"))
}

fn array<const N: usize>(slice: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(slice);
    out
}

/// A bounds-checked cursor over record bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.buf.split_first().ok_or("record truncated")?;
        self.buf = rest;
        Ok(b)
    }

    fn unsigned_varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.u8()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint is too long".to_string())
    }

    fn varlong(&mut self) -> Result<i64, String> {
        let v = self.unsigned_varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn varint(&mut self) -> Result<i32, String> {
        let v = self.varlong()?;
        i32::try_from(v).map_err(|_| format!("varint {v} out of range"))
    }

    /// `len` bytes, or `None` for a negative (null) length.
    fn bytes(&mut self, len: i32) -> Result<Option<&'a [u8]>, String> {
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        if self.buf.len() < len {
            return Err(format!(
                "record truncated: {len} bytes announced, {} left",
                self.buf.len()
            ));
        }
        let (head, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(Some(head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(key: &str, value: &str, ts: i64) -> ProduceRecord {
        ProduceRecord {
            key: Some(key.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: Vec::new(),
            timestamp_ms: ts,
        }
    }

    fn with_base_offset(mut buf: BytesMut, base: i64) -> Bytes {
        buf[0..8].copy_from_slice(&base.to_be_bytes());
        buf.freeze()
    }

    /// One record with key "k", value "v", timestamp 1000 and header ("h", "x"): the expected
    /// bytes below are written out from Kafka's `DefaultRecordBatch`/`DefaultRecord` layout.
    #[test]
    fn encodes_the_documented_layout() {
        let mut buf = BytesMut::new();
        let records = [ProduceRecord {
            key: Some(b"k".to_vec()),
            value: Some(b"v".to_vec()),
            headers: vec![("h".into(), Some(b"x".to_vec()))],
            timestamp_ms: 1000,
        }];
        assert_eq!(encode_batch(&mut buf, &records, usize::MAX), Ok(1));

        let record: &[u8] = &[
            0x18, // length 12 (zigzag varint)
            0x00, // attributes
            0x00, // timestamp delta 0
            0x00, // offset delta 0
            0x02, b'k', // key
            0x02, b'v', // value
            0x02, // one header
            0x02, b'h', 0x02, b'x',
        ];
        assert_eq!(buf.len(), BATCH_OVERHEAD + record.len());
        let mut header = &buf[..BATCH_OVERHEAD];
        assert_eq!(header.get_i64(), 0, "base offset");
        assert_eq!(header.get_i32() as usize, buf.len() - 12, "batch length");
        assert_eq!(header.get_i32(), -1, "partition leader epoch");
        assert_eq!(header.get_i8(), 2, "magic");
        let crc = header.get_u32();
        assert_eq!(header.get_i16(), 0, "attributes");
        assert_eq!(header.get_i32(), 0, "last offset delta");
        assert_eq!(header.get_i64(), 1000, "base timestamp");
        assert_eq!(header.get_i64(), 1000, "max timestamp");
        assert_eq!(header.get_i64(), -1, "producer id");
        assert_eq!(header.get_i16(), -1, "producer epoch");
        assert_eq!(header.get_i32(), -1, "base sequence");
        assert_eq!(header.get_i32(), 1, "record count");
        assert_eq!(&buf[BATCH_OVERHEAD..], record);
        // crc32c("123456789") = 0xe3069283 checks the crate is Castagnoli, not IEEE.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc, crc32c::crc32c(&buf[ATTRIBUTES_OFFSET..]));
    }

    #[test]
    fn null_keys_values_and_header_values_round_trip_in_order() {
        let records = vec![ProduceRecord {
            key: None,
            value: Some(Vec::new()),
            headers: vec![
                ("b".into(), None),
                ("a".into(), Some(b"1".to_vec())),
                ("b".into(), Some(Vec::new())),
            ],
            timestamp_ms: 1_700_000_000_123,
        }];
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &records, usize::MAX).unwrap();
        let mut out = Vec::new();
        let decoded = decode_batches(with_base_offset(buf, 40), 0, i64::MAX, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(41));
        assert_eq!(
            out,
            vec![ConsumedRecord {
                offset: 40,
                key: None,
                value: Some(Vec::new()),
                headers: records[0].headers.clone(),
                timestamp_ms: 1_700_000_000_123,
            }]
        );
    }

    #[test]
    fn splits_at_max_bytes_but_always_takes_one_record() {
        let records: Vec<_> = (0..10)
            .map(|i| record("key", &"v".repeat(100), i))
            .collect();
        let mut buf = BytesMut::new();
        let n = encode_batch(&mut buf, &records, 500).unwrap();
        assert!(n > 1 && n < 10, "{n} records in 500 bytes");
        assert!(buf.len() <= 500, "{} bytes", buf.len());

        let mut buf = BytesMut::new();
        assert_eq!(encode_batch(&mut buf, &records, 10).unwrap(), 1);
    }

    #[test]
    fn decoding_filters_the_offset_range_and_ignores_a_partial_tail() {
        let first: Vec<_> = (0..5)
            .map(|i| record(&i.to_string(), "a", 10 + i))
            .collect();
        let second: Vec<_> = (0..3)
            .map(|i| record(&i.to_string(), "b", 20 + i))
            .collect();
        let mut one = BytesMut::new();
        encode_batch(&mut one, &first, usize::MAX).unwrap();
        let mut two = BytesMut::new();
        encode_batch(&mut two, &second, usize::MAX).unwrap();
        let mut data = BytesMut::new();
        data.extend_from_slice(&with_base_offset(one, 100));
        let two = with_base_offset(two, 105);
        data.extend_from_slice(&two);
        data.extend_from_slice(&two[..30]); // a truncated third batch

        let mut out = Vec::new();
        let decoded = decode_batches(data.freeze(), 102, 107, &mut out).unwrap();
        assert_eq!(decoded.next_offset, Some(108));
        let offsets: Vec<_> = out.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![102, 103, 104, 105, 106]);
        assert_eq!(out[0].key.as_deref(), Some(&b"2"[..]));
        assert_eq!(out[0].timestamp_ms, 12);
        assert_eq!(out[3].value.as_deref(), Some(&b"b"[..]));
        assert_eq!(out[3].timestamp_ms, 20);
    }

    #[test]
    fn a_flipped_bit_fails_the_checksum() {
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &[record("k", "value", 1)], usize::MAX).unwrap();
        let last = buf.len() - 1;
        buf[last] ^= 0x01;
        let err = decode_batches(buf.freeze(), 0, i64::MAX, &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("checksum"), "{err:?}");
    }

    #[test]
    fn control_batches_advance_the_offset_without_records() {
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &[record("k", "v", 1)], usize::MAX).unwrap();
        buf[ATTRIBUTES_OFFSET + 1] |= CONTROL_MASK as u8;
        let crc = crc32c::crc32c(&buf[ATTRIBUTES_OFFSET..]);
        buf[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
        let mut out = Vec::new();
        let decoded = decode_batches(with_base_offset(buf, 7), 0, i64::MAX, &mut out).unwrap();
        assert!(out.is_empty());
        assert_eq!(decoded.next_offset, Some(8));
    }

    /// Batches written by kafka-protocol's encoder, gzip-compressed, decode to the same records:
    /// an independent implementation of the format checks ours.
    #[test]
    fn decodes_compressed_batches_from_another_encoder() {
        use kafka_protocol::indexmap::IndexMap;
        use kafka_protocol::protocol::StrBytes;
        use kafka_protocol::records::{
            Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
        };
        let records: Vec<Record> = (0..4)
            .map(|i| Record {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: 0,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: TimestampType::Creation,
                offset: 50 + i,
                sequence: -1,
                timestamp: 5000 + i,
                key: Some(Bytes::from(format!("key-{i}"))),
                value: if i == 2 {
                    None
                } else {
                    Some(Bytes::from(format!("value-{i}")))
                },
                headers: IndexMap::from([(StrBytes::from_static_str("h"), None)]),
            })
            .collect();
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let mut buf = BytesMut::new();
            RecordBatchEncoder::encode(
                &mut buf,
                &records,
                &RecordEncodeOptions {
                    version: 2,
                    compression,
                },
            )
            .unwrap();
            let mut out = Vec::new();
            let decoded = decode_batches(buf.freeze(), 0, i64::MAX, &mut out).unwrap();
            assert_eq!(decoded.next_offset, Some(54), "{compression:?}");
            assert_eq!(out.len(), 4, "{compression:?}");
            for (i, r) in out.iter().enumerate() {
                assert_eq!(r.offset, 50 + i as i64);
                assert_eq!(r.timestamp_ms, 5000 + i as i64);
                assert_eq!(r.key.as_deref(), Some(format!("key-{i}").as_bytes()));
                assert_eq!(r.headers, vec![("h".to_string(), None)]);
            }
            assert_eq!(out[2].value, None);
        }
    }

    /// kafka-protocol's decoder reads our batches the same way (for records without repeated
    /// header keys, which its map cannot hold).
    #[test]
    fn another_decoder_reads_our_batches() {
        use kafka_protocol::records::RecordBatchDecoder;
        let records = vec![
            ProduceRecord {
                key: Some(b"k1".to_vec()),
                value: None,
                headers: vec![("n".into(), None), ("v".into(), Some(b"x".to_vec()))],
                timestamp_ms: 1_000,
            },
            record("k2", "v2", 900),
        ];
        let mut buf = BytesMut::new();
        encode_batch(&mut buf, &records, usize::MAX).unwrap();
        let mut bytes = buf.freeze();
        let set = RecordBatchDecoder::decode(&mut bytes).unwrap();
        assert_eq!(set.records.len(), 2);
        assert_eq!(set.records[0].key.as_deref(), Some(&b"k1"[..]));
        assert_eq!(set.records[0].value, None);
        let headers: Vec<_> = set.records[0]
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_ref().map(|b| b.to_vec())))
            .collect();
        assert_eq!(headers, records[0].headers);
        assert_eq!(set.records[1].timestamp, 900);
        assert_eq!(set.records[1].offset, 1);
    }

    fn arb_record() -> impl Strategy<Value = ProduceRecord> {
        let bytes = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300));
        (
            bytes(),
            bytes(),
            proptest::collection::vec(("[a-z.]{0,12}", bytes()), 0..4),
            any::<i64>(),
        )
            .prop_map(|(key, value, headers, timestamp_ms)| ProduceRecord {
                key,
                value,
                headers,
                timestamp_ms,
            })
    }

    proptest! {
        #[test]
        fn every_record_round_trips(
            records in proptest::collection::vec(arb_record(), 1..40),
            max_bytes in 100usize..20_000,
        ) {
            let mut data = BytesMut::new();
            let mut offset = 0i64;
            let mut start = 0;
            while start < records.len() {
                let mut batch = BytesMut::new();
                let n = encode_batch(&mut batch, &records[start..], max_bytes).unwrap();
                prop_assert!(n >= 1);
                prop_assert!(n == 1 || batch.len() <= max_bytes);
                data.extend_from_slice(&with_base_offset(batch, offset));
                offset += n as i64;
                start += n;
            }
            let mut out = Vec::new();
            let decoded = decode_batches(data.freeze(), 0, i64::MAX, &mut out).unwrap();
            prop_assert_eq!(decoded.next_offset, Some(records.len() as i64));
            prop_assert_eq!(out.len(), records.len());
            for (i, (got, want)) in out.iter().zip(&records).enumerate() {
                prop_assert_eq!(got.offset, i as i64);
                prop_assert_eq!(&got.key, &want.key);
                prop_assert_eq!(&got.value, &want.value);
                prop_assert_eq!(&got.headers, &want.headers);
                prop_assert_eq!(got.timestamp_ms, want.timestamp_ms);
            }
        }
    }
}
