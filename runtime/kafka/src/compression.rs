//! The producer's `compression.type`: which codec a produced record batch is compressed with.
//!
//! Names and values are the Java producer's (`none`, `gzip`, `snappy`, `lz4`, `zstd`, matched
//! case-sensitively as its `ValidString` validator does). gzip, snappy and zstd are
//! `kafka-protocol`'s codecs: gzip at flate2's default level (Kafka's `compression.gzip.level`
//! default), snappy in the xerial framing the Java client writes, zstd at level 3 (Kafka's
//! `compression.zstd.level` default). LZ4 goes through `kafka-protocol`'s custom-compressor hook
//! to [`lz4_frame`]: the same `lz4` crate, but in fast mode (level 1, the compressor Kafka's
//! producer used before KIP-390 made the level configurable) instead of `kafka-protocol`'s fixed
//! level 4, which is LZ4HC and costs several times the CPU of the rest of a record's pipeline.
//! The level keys themselves (`compression.*.level`) are not supported.

use std::fmt;
use std::io::Write;

use bytes::{BufMut, BytesMut};
use kafka_protocol::records::Compression;

/// LZ4 frame compression level: 1 is LZ4's fast mode (3 and above are LZ4HC).
const LZ4_LEVEL: u32 = 1;

/// A producer compression codec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompressionType {
    /// Kafka's default: batches are sent as they are.
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl CompressionType {
    /// Every codec, in the order Kafka lists them.
    pub const ALL: [CompressionType; 5] = [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ];

    /// The codec of a `compression.type` value, or `None` when it names no codec.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The `compression.type` value naming this codec.
    pub fn name(self) -> &'static str {
        match self {
            CompressionType::None => "none",
            CompressionType::Gzip => "gzip",
            CompressionType::Snappy => "snappy",
            CompressionType::Lz4 => "lz4",
            CompressionType::Zstd => "zstd",
        }
    }

    /// `none, gzip, snappy, lz4, zstd`, as Kafka's validator lists them in errors.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    pub(crate) fn codec(self) -> Compression {
        match self {
            CompressionType::None => Compression::None,
            CompressionType::Gzip => Compression::Gzip,
            CompressionType::Snappy => Compression::Snappy,
            CompressionType::Lz4 => Compression::Lz4,
            CompressionType::Zstd => Compression::Zstd,
        }
    }

    pub(crate) fn from_codec(codec: Compression) -> Self {
        match codec {
            Compression::None => CompressionType::None,
            Compression::Gzip => CompressionType::Gzip,
            Compression::Snappy => CompressionType::Snappy,
            Compression::Lz4 => CompressionType::Lz4,
            Compression::Zstd => CompressionType::Zstd,
        }
    }
}

/// Writes `records` to `out` as one LZ4 frame the way Kafka's `KafkaLZ4BlockOutputStream`
/// does: 64 KiB independent blocks, no content checksum; LZ4's fast mode.
///
/// # Errors
/// The LZ4 library's error.
pub(crate) fn lz4_frame(
    records: &mut BytesMut,
    out: &mut BytesMut,
    _codec: Compression,
) -> anyhow::Result<()> {
    let mut encoder = lz4::EncoderBuilder::new()
        .level(LZ4_LEVEL)
        .block_mode(lz4::BlockMode::Independent)
        .block_size(lz4::BlockSize::Max64KB)
        .block_checksum(lz4::liblz4::BlockChecksum::NoBlockChecksum)
        .checksum(lz4::ContentChecksum::NoChecksum)
        .build(out.writer())?;
    encoder.write_all(records)?;
    let (_, finished) = encoder.finish();
    finished?;
    Ok(())
}

impl fmt::Display for CompressionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive_like_kafka() {
        for c in CompressionType::ALL {
            assert_eq!(CompressionType::parse(c.name()), Some(c));
            assert_eq!(CompressionType::from_codec(c.codec()), c);
        }
        assert_eq!(CompressionType::parse("LZ4"), None);
        assert_eq!(CompressionType::parse("brotli"), None);
        assert_eq!(CompressionType::names(), "none, gzip, snappy, lz4, zstd");
    }
}
