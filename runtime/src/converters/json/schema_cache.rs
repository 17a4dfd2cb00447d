//! What the converter derives from a schema (its rendered JSON and encoding plan), cached per
//! schema so repeated records skip deriving it.
//!
//! Connectors attach the same `Arc`-backed [`Schema`] to every record of a table, so the cache
//! is keyed by the schema's allocation ([`Schema::identity`]): a hit costs one hash lookup and a
//! copy, never a walk of the schema. Each entry holds a clone of its schema, which keeps the
//! allocation alive and so guarantees the address is not reused by another schema while cached.
//! A schema rebuilt with equal content misses and is rendered again, which is correct, only
//! slower. Eviction is a two-generation scheme (an approximation of Kafka's LRU with O(1)
//! cost): entries live in `young`; when it fills, it becomes `old` and the former `old` is
//! dropped; a hit in `old` moves the entry back to `young`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use strait_api::Schema;

struct Entry<T: ?Sized> {
    schema: Schema,
    json: Arc<T>,
}

/// Hashes an allocation address: a multiply folded back onto itself, so the always-zero low bits
/// of an aligned address do not crowd the table's buckets (SipHash would cost more than the
/// rest of a lookup).
#[derive(Default)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        let m = u128::from(v ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (m >> 64) as u64 ^ m as u64;
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

type Map<T> = HashMap<usize, Entry<T>, BuildHasherDefault<AddressHasher>>;

/// A bounded cache from schema to what was derived from it.
pub struct SchemaCache<T: ?Sized> {
    young: Map<T>,
    old: Map<T>,
    generation_size: usize,
}

impl<T: ?Sized> SchemaCache<T> {
    /// A cache holding at most about `capacity` schemas; 0 disables caching.
    pub fn new(capacity: usize) -> Self {
        Self {
            young: Map::default(),
            old: Map::default(),
            generation_size: capacity.div_ceil(2),
        }
    }

    /// Whether the cache keeps anything (`schemas.cache.size` above 0).
    pub fn enabled(&self) -> bool {
        self.generation_size > 0
    }

    /// The cached entry of `schema`, if any.
    pub fn get(&mut self, schema: &Schema) -> Option<Arc<T>> {
        let id = schema.identity();
        if let Some(e) = self.young.get(&id) {
            return Some(e.json.clone());
        }
        let entry = self.old.remove(&id)?;
        let json = entry.json.clone();
        self.insert_entry(id, entry);
        Some(json)
    }

    /// Caches the entry of `schema`.
    pub fn put(&mut self, schema: &Schema, json: Arc<T>) {
        if self.generation_size == 0 {
            return;
        }
        let entry = Entry {
            schema: schema.clone(),
            json,
        };
        self.insert_entry(schema.identity(), entry);
    }

    fn insert_entry(&mut self, id: usize, entry: Entry<T>) {
        debug_assert_eq!(entry.schema.identity(), id);
        if self.young.len() >= self.generation_size && !self.young.contains_key(&id) {
            self.old = std::mem::take(&mut self.young);
            self.old.remove(&id);
        }
        self.young.insert(id, entry);
    }

    /// The number of cached schemas.
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strait_api::{SchemaBuilder, SchemaType};

    fn json(s: &str) -> Arc<[u8]> {
        Arc::from(s.as_bytes())
    }

    #[test]
    fn address_hashes_spread_over_low_bits() {
        use std::hash::BuildHasher as _;
        let build = BuildHasherDefault::<AddressHasher>::default();
        // 64 addresses 16 bytes apart: unmixed, their low 8 bits would take only 16 of 256
        // values; mixed, about 57 (random placement), well above 40.
        let buckets: std::collections::HashSet<u64> = (0..64usize)
            .map(|i| build.hash_one(0x7f00_0000_1000 + i * 16) & 255)
            .collect();
        assert!(buckets.len() > 40, "{}", buckets.len());
    }

    #[test]
    fn hits_by_identity_and_stays_bounded() {
        let mut cache = SchemaCache::new(4);
        let schemas: Vec<Schema> = (0..10)
            .map(|i| SchemaBuilder::new(SchemaType::Int32).version(i).build())
            .collect();
        for (i, s) in schemas.iter().enumerate() {
            cache.put(s, json(&i.to_string()));
            assert!(cache.len() <= 4);
        }
        assert_eq!(cache.get(&schemas[9]).as_deref(), Some(&b"9"[..]));
        assert!(cache.get(&schemas[0]).is_none());
        // An equal schema in another allocation is a different key.
        let twin = SchemaBuilder::new(SchemaType::Int32).version(9).build();
        assert!(cache.get(&twin).is_none());
    }

    #[test]
    fn old_generation_hits_are_promoted() {
        let mut cache = SchemaCache::new(2);
        let a = SchemaBuilder::new(SchemaType::Int8).build();
        let b = SchemaBuilder::new(SchemaType::Int16).build();
        let c = SchemaBuilder::new(SchemaType::Int32).build();
        cache.put(&a, json("a"));
        cache.put(&b, json("b")); // a moves to old
        assert!(cache.get(&a).is_some()); // promoted; b moves to old
        cache.put(&c, json("c")); // a moves to old, b dropped
        assert!(cache.get(&b).is_none());
        assert!(cache.get(&a).is_some());
        assert!(cache.get(&c).is_some());
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let mut cache = SchemaCache::new(0);
        let a = Schema::int32();
        cache.put(&a, json("a"));
        assert!(cache.get(&a).is_none());
    }
}
