//! Kafka's default partitioner for keyed records.
//!
//! A Connect source record without an explicit partition goes where the Java producer would put
//! it: `toPositive(murmur2(keyBytes)) % numPartitions` (`BuiltInPartitioner.partitionForKey`).
//! Matching it bit for bit keeps a drop-in Strait worker writing each key to the same partition a
//! Java worker did, so per-key ordering survives a switch between the two. The hash is Kafka's
//! `Utils.murmur2`, a murmur2 variant with a fixed seed whose arithmetic is Java's wrapping `int`
//! arithmetic with unsigned (`>>>`) shifts, reproduced here with `u32` and wrapping operations.
//! Records without a key use the producer's sticky partitioning, which is the caller's choice of
//! batch and not a function of the record, so it has no counterpart here.

/// Kafka's `Utils.murmur2` of `data`, as the Java `int` it returns.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java uses the `int` length; keys longer than 2 GiB cannot be produced anyway.
    let mut h: u32 = SEED ^ (data.len() as u32);

    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // The Java `switch` falls through from case 3 to case 1; the multiply happens only when
    // there was a tail at all.
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition the Java producer's default partitioner picks for a record with this key.
///
/// `partitions` must be positive; a non-positive count yields partition 0 rather than a panic,
/// since no partition can be produced to anyway and the broker reports that error better.
pub fn partition_for_key(key: &[u8], partitions: i32) -> i32 {
    if partitions <= 0 {
        return 0;
    }
    // Kafka's `Utils.toPositive`: clear the sign bit (not `abs`, which breaks on i32::MIN).
    (murmur2(key) & 0x7fff_ffff) % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of Kafka's `UtilsTest.testMurmur2`, as the Java `int`s it asserts.
    #[test]
    fn murmur2_matches_kafka_utils_test() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(
                murmur2(key),
                expected,
                "murmur2({:?})",
                String::from_utf8_lossy(key)
            );
        }
    }

    /// Every tail length (0..=3 trailing bytes) and the empty key, with values published for
    /// Kafka's murmur2 by clients that pin compatibility with the Java producer (Akka's
    /// `Murmur2Spec`, librdkafka's `rdmurmur2.c` unit test).
    #[test]
    fn murmur2_covers_every_tail_length() {
        let cases: [(&[u8], i32); 7] = [
            (b"", 0x106e_08d9),
            (b"1", -1_993_445_489),
            (b"12", 126_087_238),
            (b"123", -267_702_483),
            (b"1234", -1_614_185_708),
            (b"12345", -1_188_365_604),
            (b"kafka", 0xd067_cf64_u32 as i32),
        ];
        for (key, expected) in cases {
            assert_eq!(
                murmur2(key),
                expected,
                "murmur2({:?})",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn keyed_partition_clears_the_sign_bit_before_the_modulo() {
        // murmur2("21") is negative: -973932308 & 0x7fffffff = 1173551340.
        assert_eq!(partition_for_key(b"21", i32::MAX), 1_173_551_340);
        assert_eq!(partition_for_key(b"21", 7), 1_173_551_340 % 7);
        // murmur2("abc") is positive and is used as is.
        assert_eq!(partition_for_key(b"abc", 10), 479_470_107 % 10);
    }

    #[test]
    fn keyed_partition_is_always_in_range() {
        for n in 1..=64 {
            for i in 0..200u32 {
                let key = i.to_be_bytes();
                let p = partition_for_key(&key, n);
                assert!((0..n).contains(&p), "key {i} with {n} partitions gave {p}");
            }
        }
        assert_eq!(partition_for_key(b"abc", 0), 0);
    }
}
