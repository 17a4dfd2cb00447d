//! The committable offsets of a source task, latest per source partition.
//!
//! Every acknowledged record replaces its partition's entry, but only what is here at a flush
//! reaches the offset store. So the buffer keeps each record's [`SourceOffset`] as the connector
//! made it (a map, or a shared typed offset) and builds maps in [`OffsetBuffer::snapshot`] alone:
//! once per partition per `offset.flush.interval.ms`, not once per record.

use std::sync::Arc;

use strait_api::{OffsetMap, SourceOffset};

/// Committable offsets per source partition, in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct OffsetBuffer {
    entries: Vec<(Arc<OffsetMap>, SourceOffset)>,
}

impl OffsetBuffer {
    /// Makes `offset` the latest of `partition`.
    pub(crate) fn update(&mut self, partition: &Arc<OffsetMap>, offset: SourceOffset) {
        match self
            .entries
            .iter_mut()
            .find(|(p, _)| Arc::ptr_eq(p, partition) || **p == **partition)
        {
            Some(slot) => slot.1 = offset,
            None => self.entries.push((partition.clone(), offset)),
        }
    }

    /// The `(partition, offset)` maps to write, building the typed offsets' maps.
    pub(crate) fn snapshot(&self) -> Vec<(OffsetMap, Option<OffsetMap>)> {
        self.entries
            .iter()
            .map(|(p, o)| ((**p).clone(), Some(o.to_map().into_owned())))
            .collect()
    }

    /// Forgets everything (after a successful write).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use strait_api::TypedOffset;

    use super::*;

    #[derive(Debug)]
    struct Position(u64);

    impl TypedOffset for Position {
        fn to_map(&self) -> OffsetMap {
            map(json!({"pos": self.0, "file": "f.1"}))
        }
    }

    fn map(value: serde_json::Value) -> OffsetMap {
        match value {
            serde_json::Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn keeps_the_latest_offset_per_partition_in_first_seen_order() {
        let a = Arc::new(map(json!({"server": "a"})));
        let b = Arc::new(map(json!({"server": "b"})));
        let a_again = Arc::new(map(json!({"server": "a"})));
        let mut buffer = OffsetBuffer::default();
        buffer.update(&a, SourceOffset::typed(Position(1)));
        buffer.update(&b, map(json!({"n": 1})).into());
        buffer.update(&a, SourceOffset::typed(Position(2)));
        buffer.update(&a_again, SourceOffset::typed(Position(3)));
        let written = buffer.snapshot();
        assert_eq!(
            written,
            vec![
                ((*a).clone(), Some(Position(3).to_map())),
                ((*b).clone(), Some(map(json!({"n": 1})))),
            ]
        );
        let text = serde_json::to_string(written[0].1.as_ref().unwrap()).unwrap();
        assert_eq!(text, r#"{"pos":3,"file":"f.1"}"#);
        buffer.clear();
        assert!(buffer.snapshot().is_empty());
    }
}
