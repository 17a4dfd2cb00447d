//! The producer's `compression.type`: which codec a produced record batch is compressed with.
//!
//! Names and values are the Java producer's (`none`, `gzip`, `snappy`, `lz4`, `zstd`, matched
//! case-sensitively as its `ValidString` validator does). The codecs themselves are
//! `kafka-protocol`'s: gzip at flate2's default level (Kafka's `compression.gzip.level` default),
//! snappy in the xerial framing the Java client writes, LZ4 frames at level 4, zstd at level 3
//! (Kafka's `compression.zstd.level` default). The level keys themselves are not supported.

use std::fmt;

use kafka_protocol::records::Compression;

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
