//! Java Object Serialization of exactly one type: `java.util.HashMap<byte[], byte[]>`.
//!
//! Kafka's standalone worker stores source offsets in `offset.storage.file.filename` by handing
//! a `HashMap<byte[],byte[]>` to `ObjectOutputStream.writeObject` (`FileOffsetBackingStore`).
//! To share that file with a Java worker we read and write the same stream (Java Object
//! Serialization Specification, chapter 6, and `HashMap.writeObject`):
//!
//! ```text
//! AC ED 00 05                                   stream magic, version 5
//! 73 72 <"java.util.HashMap"> <suid 362498820763181265> 03 (SC_WRITE_METHOD|SC_SERIALIZABLE)
//!    00 02  'F' <"loadFactor">  'I' <"threshold">  78 (end annotation)  70 (no superclass)
//! <loadFactor f32> <threshold i32>              HashMap.defaultWriteObject()
//! 77 08 <capacity i32> <size i32>               block data written by HashMap.writeObject
//! key, value, key, value ...                    each 70 (null) or 75 (array), class desc,
//!                                               i32 length, bytes; the "[B" class desc
//!                                               (suid -5984413125824719648) is written once,
//!                                               then referenced as 71 00 7E 00 02
//! 78                                            end of HashMap.writeObject's data
//! ```
//!
//! Java iterates a `HashMap` with `byte[]` keys in identity-hash order, which no reader depends
//! on; we keep entries in the order given, so decoding then encoding reproduces a file exactly.
//! The writer emulates `new HashMap<>()` plus one `put` per entry for `threshold` and the
//! capacity (16 buckets, doubled whenever size exceeds 0.75 of them).

/// Stream header: `STREAM_MAGIC` and `STREAM_VERSION`.
const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATALONG: u8 = 0x7A;
const BASE_WIRE_HANDLE: u32 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;

const HASHMAP_CLASS: &str = "java.util.HashMap";
const HASHMAP_SUID: i64 = 362_498_820_763_181_265;
const BYTE_ARRAY_CLASS: &str = "[B";
const BYTE_ARRAY_SUID: i64 = -5_984_413_125_824_719_648;
const LOAD_FACTOR: f32 = 0.75;

/// One map entry: key and value bytes, either of which may be Java `null`.
pub(crate) type RawEntry = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Why a stream could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The stream ended early (Kafka treats this like a missing file).
    Truncated,
    /// The stream is not a serialized `HashMap<byte[],byte[]>`.
    Invalid(String),
}

/// Serializes entries as `ObjectOutputStream.writeObject(HashMap<byte[],byte[]>)` does.
pub(crate) fn encode<'a, I>(entries: I) -> Vec<u8>
where
    I: ExactSizeIterator<Item = (Option<&'a [u8]>, Option<&'a [u8]>)>,
{
    let size = entries.len();
    let (capacity, threshold) = table_size(size);
    let mut out = Vec::with_capacity(128 + size * 64);
    out.extend_from_slice(&MAGIC);
    out.push(TC_OBJECT);
    out.push(TC_CLASSDESC);
    put_utf(&mut out, HASHMAP_CLASS);
    out.extend_from_slice(&HASHMAP_SUID.to_be_bytes());
    out.push(SC_WRITE_METHOD | SC_SERIALIZABLE);
    out.extend_from_slice(&2u16.to_be_bytes());
    out.push(b'F');
    put_utf(&mut out, "loadFactor");
    out.push(b'I');
    put_utf(&mut out, "threshold");
    out.push(TC_ENDBLOCKDATA);
    out.push(TC_NULL);
    out.extend_from_slice(&LOAD_FACTOR.to_bits().to_be_bytes());
    out.extend_from_slice(&threshold.to_be_bytes());
    out.push(TC_BLOCKDATA);
    out.push(8);
    out.extend_from_slice(&capacity.to_be_bytes());
    out.extend_from_slice(&i32::try_from(size).unwrap_or(i32::MAX).to_be_bytes());

    // Handles 0 and 1 are the HashMap class descriptor and the map itself.
    let mut byte_array_desc: Option<u32> = None;
    let mut next_handle = BASE_WIRE_HANDLE + 2;
    let mut put_array = |out: &mut Vec<u8>, bytes: Option<&[u8]>| {
        let Some(bytes) = bytes else {
            out.push(TC_NULL);
            return;
        };
        out.push(TC_ARRAY);
        match byte_array_desc {
            Some(handle) => {
                out.push(TC_REFERENCE);
                out.extend_from_slice(&handle.to_be_bytes());
            }
            None => {
                out.push(TC_CLASSDESC);
                put_utf(out, BYTE_ARRAY_CLASS);
                out.extend_from_slice(&BYTE_ARRAY_SUID.to_be_bytes());
                out.push(SC_SERIALIZABLE);
                out.extend_from_slice(&0u16.to_be_bytes());
                out.push(TC_ENDBLOCKDATA);
                out.push(TC_NULL);
                byte_array_desc = Some(next_handle);
                next_handle += 1;
            }
        }
        next_handle += 1; // the array object's own handle
        out.extend_from_slice(&i32::try_from(bytes.len()).unwrap_or(i32::MAX).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    for (key, value) in entries {
        put_array(&mut out, key);
        put_array(&mut out, value);
    }
    out.push(TC_ENDBLOCKDATA);
    out
}

/// `HashMap.capacity()` and `threshold` after `new HashMap<>()` and `size` puts.
fn table_size(size: usize) -> (i32, i32) {
    if size == 0 {
        // The table is never allocated: threshold stays 0, capacity() reports the default 16.
        return (16, 0);
    }
    let mut capacity: i64 = 16;
    let mut threshold: i64 = 12;
    while i64::try_from(size).unwrap_or(i64::MAX) > threshold && capacity < (1 << 30) {
        capacity *= 2;
        threshold *= 2;
    }
    let threshold = if capacity >= (1 << 30) {
        i64::from(i32::MAX)
    } else {
        threshold
    };
    (capacity as i32, threshold as i32)
}

/// Java's modified UTF-8 with a u16 length; our class and field names are ASCII.
fn put_utf(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u16::try_from(s.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Reads a serialized `HashMap<byte[],byte[]>`, returning its entries in stream order.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<RawEntry>, DecodeError> {
    let mut r = Reader {
        bytes,
        pos: 0,
        handles: Vec::new(),
    };
    if r.take(4)? != MAGIC {
        return Err(invalid("bad stream header (expected AC ED 00 05)"));
    }
    if r.u8()? != TC_OBJECT {
        return Err(invalid("top-level content is not an object"));
    }
    let desc = r.class_desc()?;
    let ClassDesc::Class {
        name,
        flags,
        fields,
    } = desc
    else {
        return Err(invalid("top-level object is an array"));
    };
    if name != HASHMAP_CLASS {
        return Err(invalid(&format!("expected {HASHMAP_CLASS}, found {name}")));
    }
    if flags & SC_WRITE_METHOD == 0 {
        return Err(invalid("HashMap class descriptor lacks SC_WRITE_METHOD"));
    }
    r.handles.push(Handle::Other); // the map object
    for type_code in fields {
        let width = match type_code {
            b'B' | b'Z' => 1,
            b'C' | b'S' => 2,
            b'F' | b'I' => 4,
            b'D' | b'J' => 8,
            other => {
                return Err(invalid(&format!(
                    "unsupported HashMap field type '{}'",
                    char::from(other)
                )))
            }
        };
        r.take(width)?;
    }
    let block = r.block_data()?;
    if block.len() < 8 {
        return Err(invalid("HashMap block data shorter than capacity and size"));
    }
    let size = i32::from_be_bytes([block[4], block[5], block[6], block[7]]);
    let size = usize::try_from(size).map_err(|_| invalid("negative HashMap size"))?;
    let mut entries = Vec::with_capacity(size.min(1 << 16));
    for _ in 0..size {
        let key = r.byte_array()?;
        let value = r.byte_array()?;
        entries.push((key, value));
    }
    if r.u8()? != TC_ENDBLOCKDATA {
        return Err(invalid("missing end of HashMap data"));
    }
    Ok(entries)
}

fn invalid(message: &str) -> DecodeError {
    DecodeError::Invalid(message.to_string())
}

enum ClassDesc {
    Class {
        name: String,
        flags: u8,
        /// Primitive type codes of the serializable fields, in stream order.
        fields: Vec<u8>,
    },
    ByteArray,
}

/// What a wire handle refers to.
enum Handle {
    ByteArrayDesc,
    ByteArray(Vec<u8>),
    Other,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn utf(&mut self) -> Result<String, DecodeError> {
        let len = usize::from(self.u16()?);
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| invalid("class or field name is not UTF-8"))
    }

    /// A new class descriptor (after its `TC_CLASSDESC` tag was read) or a reference to one.
    fn class_desc(&mut self) -> Result<ClassDesc, DecodeError> {
        let tag = self.u8()?;
        if tag == TC_REFERENCE {
            return match self.reference()? {
                Handle::ByteArrayDesc => Ok(ClassDesc::ByteArray),
                _ => Err(invalid(
                    "reference to something other than the byte[] class",
                )),
            };
        }
        if tag != TC_CLASSDESC {
            return Err(invalid(&format!(
                "expected a class descriptor, found tag {tag:#04x}"
            )));
        }
        let name = self.utf()?;
        let suid = i64::from_be_bytes(
            self.take(8)?
                .try_into()
                .map_err(|_| DecodeError::Truncated)?,
        );
        let flags = self.u8()?;
        let count = self.u16()?;
        let mut fields = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let type_code = self.u8()?;
            let _field_name = self.utf()?;
            if type_code == b'L' || type_code == b'[' {
                return Err(invalid("object-typed fields are not supported"));
            }
            fields.push(type_code);
        }
        let is_byte_array = name == BYTE_ARRAY_CLASS;
        if is_byte_array && suid != BYTE_ARRAY_SUID {
            return Err(invalid("unexpected serialVersionUID for byte[]"));
        }
        self.handles.push(if is_byte_array {
            Handle::ByteArrayDesc
        } else {
            Handle::Other
        });
        if self.u8()? != TC_ENDBLOCKDATA {
            return Err(invalid(&format!(
                "class annotations on {name} are not supported"
            )));
        }
        if self.u8()? != TC_NULL {
            return Err(invalid(&format!(
                "superclass descriptor on {name} is not supported"
            )));
        }
        Ok(if is_byte_array {
            ClassDesc::ByteArray
        } else {
            ClassDesc::Class {
                name,
                flags,
                fields,
            }
        })
    }

    fn reference(&mut self) -> Result<&Handle, DecodeError> {
        let handle = self.u32()?;
        let index = handle
            .checked_sub(BASE_WIRE_HANDLE)
            .and_then(|i| usize::try_from(i).ok())
            .ok_or_else(|| invalid("handle below the base wire handle"))?;
        self.handles
            .get(index)
            .ok_or_else(|| invalid(&format!("unknown handle {handle:#x}")))
    }

    /// The primitive data `writeObject` wrote before its first object.
    fn block_data(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = match self.u8()? {
            TC_BLOCKDATA => usize::from(self.u8()?),
            TC_BLOCKDATALONG => {
                usize::try_from(self.u32()?).map_err(|_| invalid("block data too long"))?
            }
            other => {
                return Err(invalid(&format!(
                    "expected HashMap block data, found tag {other:#04x}"
                )))
            }
        };
        self.take(len)
    }

    /// A `byte[]` object, `null`, or a reference to an earlier `byte[]`.
    fn byte_array(&mut self) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::ByteArray(bytes) => Ok(Some(bytes.clone())),
                _ => Err(invalid("reference to something other than a byte[]")),
            },
            TC_ARRAY => {
                if !matches!(self.class_desc()?, ClassDesc::ByteArray) {
                    return Err(invalid("array is not a byte[]"));
                }
                let len = usize::try_from(self.u32()? as i32)
                    .map_err(|_| invalid("negative array length"))?;
                let bytes = self.take(len)?.to_vec();
                self.handles.push(Handle::ByteArray(bytes.clone()));
                Ok(Some(bytes))
            }
            other => Err(invalid(&format!(
                "expected a byte[] key or value, found tag {other:#04x}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by `ObjectOutputStream.writeObject` on OpenJDK 17 (see `testdata/README.md`).
    const JAVA_DEBEZIUM: &[u8] = include_bytes!("../testdata/offsets-debezium.bin");
    const JAVA_EMPTY: &[u8] = include_bytes!("../testdata/offsets-empty.bin");
    const JAVA_MANY: &[u8] = include_bytes!("../testdata/offsets-many.bin");

    const DEBEZIUM_KEY: &str = r#"["inventory-connector",{"server":"dbserver1"}]"#;
    const DEBEZIUM_VALUE: &str = r#"{"transaction_id":null,"ts_sec":1700000000,"file":"mysql-bin.000003","pos":154,"gtids":"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5","row":1,"server_id":223344,"event":2}"#;

    fn encode_owned(entries: &[RawEntry]) -> Vec<u8> {
        encode(entries.iter().map(|(k, v)| (k.as_deref(), v.as_deref())))
    }

    #[test]
    fn reads_and_reproduces_a_java_written_debezium_offset() {
        let entries = decode(JAVA_DEBEZIUM).unwrap();
        assert_eq!(
            entries,
            vec![(
                Some(DEBEZIUM_KEY.as_bytes().to_vec()),
                Some(DEBEZIUM_VALUE.as_bytes().to_vec())
            )]
        );
        let ours = encode(
            [(
                Some(DEBEZIUM_KEY.as_bytes()),
                Some(DEBEZIUM_VALUE.as_bytes()),
            )]
            .into_iter(),
        );
        assert_eq!(ours, JAVA_DEBEZIUM);
    }

    #[test]
    fn empty_map_matches_java() {
        assert_eq!(decode(JAVA_EMPTY).unwrap(), Vec::<RawEntry>::new());
        assert_eq!(encode(std::iter::empty()), JAVA_EMPTY);
    }

    #[test]
    fn many_entries_with_null_value_round_trip_byte_for_byte() {
        let entries = decode(JAVA_MANY).unwrap();
        assert_eq!(entries.len(), 14);
        let tombstones: Vec<_> = entries.iter().filter(|(_, v)| v.is_none()).collect();
        assert_eq!(tombstones.len(), 1);
        assert_eq!(
            tombstones[0].0.as_deref(),
            Some(&br#"["file-source",{"filename":"deleted.txt"}]"#[..])
        );
        // 14 entries: capacity 32 and threshold 24, exactly as Java wrote them.
        assert_eq!(table_size(14), (32, 24));
        assert_eq!(encode_owned(&entries), JAVA_MANY);
    }

    #[test]
    fn table_sizes_follow_hashmap_growth() {
        assert_eq!(table_size(0), (16, 0));
        assert_eq!(table_size(1), (16, 12));
        assert_eq!(table_size(12), (16, 12));
        assert_eq!(table_size(13), (32, 24));
        assert_eq!(table_size(25), (64, 48));
    }

    #[test]
    fn truncated_stream_is_reported_as_truncated() {
        for cut in [0, 3, 20, JAVA_DEBEZIUM.len() - 1] {
            assert_eq!(
                decode(&JAVA_DEBEZIUM[..cut]),
                Err(DecodeError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn other_serialized_objects_are_rejected() {
        let mut wrong_magic = JAVA_DEBEZIUM.to_vec();
        wrong_magic[1] = 0;
        assert!(matches!(decode(&wrong_magic), Err(DecodeError::Invalid(_))));
        // A java.util.HashSet class name in place of HashMap (same length as "java.util.HashMap").
        let mut other_class = JAVA_DEBEZIUM.to_vec();
        let at = other_class
            .windows(HASHMAP_CLASS.len())
            .position(|w| w == HASHMAP_CLASS.as_bytes())
            .unwrap();
        other_class[at..at + HASHMAP_CLASS.len()].copy_from_slice(b"java.util.HashSut");
        assert!(matches!(decode(&other_class), Err(DecodeError::Invalid(_))));
    }

    #[test]
    fn shared_array_references_are_resolved() {
        // Same byte[] object used as two values: Java writes a back-reference the second time.
        let mut bytes = encode([(Some(&b"k1"[..]), Some(&b"v"[..]))].into_iter());
        // Rewrite to two entries: bump size, drop the end marker, append k2 and a reference
        // to the value array (handle 0x7E0004: map desc, map, [B desc, k1, v).
        let size_at = bytes.iter().position(|&b| b == TC_BLOCKDATA).unwrap() + 6;
        bytes[size_at..size_at + 4].copy_from_slice(&2i32.to_be_bytes());
        bytes.pop();
        bytes.extend_from_slice(&[
            TC_ARRAY,
            TC_REFERENCE,
            0x00,
            0x7E,
            0x00,
            0x02,
            0,
            0,
            0,
            2,
            b'k',
            b'2',
        ]);
        bytes.extend_from_slice(&[TC_REFERENCE, 0x00, 0x7E, 0x00, 0x04, TC_ENDBLOCKDATA]);
        let entries = decode(&bytes).unwrap();
        assert_eq!(entries[1], (Some(b"k2".to_vec()), Some(b"v".to_vec())));
    }
}
