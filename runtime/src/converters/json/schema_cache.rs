//! Rendered schema JSON, cached per schema so repeated records skip rendering.
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
use std::sync::Arc;

use strait_api::Schema;

struct Entry {
    schema: Schema,
    json: Arc<[u8]>,
}

/// A bounded cache from schema to its JSON rendering.
pub struct SchemaCache {
    young: HashMap<usize, Entry>,
    old: HashMap<usize, Entry>,
    generation_size: usize,
}

impl SchemaCache {
    /// A cache holding at most about `capacity` schemas; 0 disables caching.
    pub fn new(capacity: usize) -> Self {
        Self {
            young: HashMap::new(),
            old: HashMap::new(),
            generation_size: capacity.div_ceil(2),
        }
    }

    /// The cached rendering of `schema`, if any.
    pub fn get(&mut self, schema: &Schema) -> Option<Arc<[u8]>> {
        let id = schema.identity();
        if let Some(e) = self.young.get(&id) {
            return Some(e.json.clone());
        }
        let entry = self.old.remove(&id)?;
        let json = entry.json.clone();
        self.insert_entry(id, entry);
        Some(json)
    }

    /// Caches the rendering of `schema`.
    pub fn put(&mut self, schema: &Schema, json: Arc<[u8]>) {
        if self.generation_size == 0 {
            return;
        }
        let entry = Entry {
            schema: schema.clone(),
            json,
        };
        self.insert_entry(schema.identity(), entry);
    }

    fn insert_entry(&mut self, id: usize, entry: Entry) {
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
