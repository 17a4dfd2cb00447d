//! The shard state machine of one stream: which shards may be read now.
//!
//! DynamoDB Streams keeps changes of one item in order only along a shard's lineage: a shard
//! closes (on a partition split, or on its own every few hours) and its changes continue in a
//! child shard. Reading a child before its parent is drained delivers an item's later change
//! before its earlier one, so the rule here is the one KCL and Flink follow:
//!
//! - a shard becomes **ready** once its parent is **finished** — read until `GetRecords`
//!   returned no `NextShardIterator` — or is unknown (trimmed from the stream after 24 hours, or
//!   never listed): waiting for a parent that will never be listed again would stall forever;
//! - siblings (children of one parent) and unrelated shards are read in parallel;
//! - an empty page never finishes a shard, only the end of its iterator chain does (or the
//!   service saying the shard no longer exists);
//! - finished shards are forgotten once `DescribeStream` stops listing them, so the state stays
//!   bounded on streams that roll their shards over for months.
//!
//! The machine is pure — no I/O, no clock — so every transition is unit-tested, including the
//! lineages and expiries an emulator cannot produce. [`super::stream`] drives it.

use std::collections::BTreeMap;

/// One shard as `DescribeStream` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    pub id: String,
    pub parent: Option<String>,
}

impl ShardInfo {
    /// A shard with an optional parent.
    pub fn new(id: impl Into<String>, parent: Option<&str>) -> Self {
        Self {
            id: id.into(),
            parent: parent.map(str::to_string),
        }
    }
}

/// Where reading a shard starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// The oldest record still in the shard.
    TrimHorizon,
    /// Right after this sequence number.
    After(String),
}

/// The life of one shard in this task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardStatus {
    /// Listed, its parent is not finished yet.
    Waiting,
    /// Handed to a reader.
    Reading,
    /// Read to the end.
    Finished,
}

#[derive(Clone, Debug)]
struct Tracked {
    parent: Option<String>,
    status: ShardStatus,
    /// Whether the last listing still contained it.
    listed: bool,
}

/// The shards of one stream and their status.
#[derive(Clone, Debug, Default)]
pub struct ShardTracker {
    shards: BTreeMap<String, Tracked>,
}

impl ShardTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges a complete `DescribeStream` listing (all pages): new shards are added, finished
    /// shards no longer listed are forgotten. Shards being read stay until they finish, listed
    /// or not.
    pub fn update(&mut self, listing: &[ShardInfo]) {
        for tracked in self.shards.values_mut() {
            tracked.listed = false;
        }
        for shard in listing {
            self.shards
                .entry(shard.id.clone())
                .and_modify(|t| t.listed = true)
                .or_insert_with(|| Tracked {
                    parent: shard.parent.clone(),
                    status: ShardStatus::Waiting,
                    listed: true,
                });
        }
        self.shards
            .retain(|_, t| t.listed || t.status != ShardStatus::Finished);
    }

    fn parent_done(&self, parent: Option<&String>) -> bool {
        match parent.and_then(|p| self.shards.get(p)) {
            None => true,
            Some(p) => p.status == ShardStatus::Finished,
        }
    }

    /// The shards that may be read now, marked as being read, parents before children.
    pub fn take_ready(&mut self) -> Vec<String> {
        let ready: Vec<String> = self
            .shards
            .iter()
            .filter(|(_, t)| {
                t.status == ShardStatus::Waiting && self.parent_done(t.parent.as_ref())
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ready {
            if let Some(t) = self.shards.get_mut(id) {
                t.status = ShardStatus::Reading;
            }
        }
        ready
    }

    /// Records that a shard was read to its end (or no longer exists): its children may start.
    pub fn finish(&mut self, id: &str) {
        if let Some(t) = self.shards.get_mut(id) {
            t.status = ShardStatus::Finished;
        }
    }

    /// A shard's status, if tracked.
    pub fn status(&self, id: &str) -> Option<ShardStatus> {
        self.shards.get(id).map(|t| t.status)
    }

    /// How many shards are being read.
    pub fn reading(&self) -> usize {
        self.shards
            .values()
            .filter(|t| t.status == ShardStatus::Reading)
            .count()
    }

    /// Whether every tracked shard is finished (a disabled stream is then fully read).
    pub fn all_finished(&self) -> bool {
        self.shards
            .values()
            .all(|t| t.status == ShardStatus::Finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(pairs: &[(&str, Option<&str>)]) -> Vec<ShardInfo> {
        pairs
            .iter()
            .map(|(id, p)| ShardInfo::new(*id, *p))
            .collect()
    }

    #[test]
    fn children_wait_until_their_parent_is_finished() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[
            ("p", None),
            ("c1", Some("p")),
            ("c2", Some("p")),
        ]));
        assert_eq!(t.take_ready(), ["p"]);
        assert!(
            t.take_ready().is_empty(),
            "nothing new until the parent finishes"
        );
        assert_eq!(t.status("c1"), Some(ShardStatus::Waiting));
        t.finish("p");
        assert_eq!(t.take_ready(), ["c1", "c2"], "siblings run in parallel");
        assert_eq!(t.reading(), 2);
    }

    #[test]
    fn a_grandchild_waits_for_its_own_parent_not_the_root() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[("a", None), ("b", Some("a")), ("c", Some("b"))]));
        assert_eq!(t.take_ready(), ["a"]);
        t.finish("a");
        assert_eq!(t.take_ready(), ["b"]);
        t.finish("b");
        assert_eq!(t.take_ready(), ["c"]);
    }

    #[test]
    fn a_trimmed_parent_does_not_block_its_child() {
        let mut t = ShardTracker::new();
        // The parent is older than 24 h and no longer listed.
        t.update(&listing(&[("child", Some("gone"))]));
        assert_eq!(t.take_ready(), ["child"]);
    }

    #[test]
    fn children_listed_later_start_once_discovered() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[("p", None)]));
        assert_eq!(t.take_ready(), ["p"]);
        t.finish("p");
        assert!(t.take_ready().is_empty());
        // The child appears in a later DescribeStream, while the parent is still listed.
        t.update(&listing(&[("p", None), ("c", Some("p"))]));
        assert_eq!(t.take_ready(), ["c"]);
    }

    #[test]
    fn a_child_listed_before_its_parent_finishes_waits() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[("p", None)]));
        assert_eq!(t.take_ready(), ["p"]);
        // The split is listed while the parent is still being drained.
        t.update(&listing(&[("p", None), ("c", Some("p"))]));
        assert!(t.take_ready().is_empty());
        t.finish("p");
        assert_eq!(t.take_ready(), ["c"]);
    }

    #[test]
    fn finished_shards_are_forgotten_once_unlisted_and_readers_are_kept() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[("old", None), ("reading", None)]));
        assert_eq!(t.take_ready(), ["old", "reading"]);
        t.finish("old");
        t.update(&listing(&[("new", Some("old"))]));
        assert_eq!(t.status("old"), None, "trimmed and finished: forgotten");
        assert_eq!(
            t.status("reading"),
            Some(ShardStatus::Reading),
            "a shard being read stays even when unlisted"
        );
        assert_eq!(
            t.take_ready(),
            ["new"],
            "a forgotten parent counts as finished"
        );
        assert!(!t.all_finished());
        t.finish("new");
        t.finish("reading");
        assert!(t.all_finished());
    }

    #[test]
    fn relisting_does_not_restart_a_shard() {
        let mut t = ShardTracker::new();
        t.update(&listing(&[("s", None)]));
        assert_eq!(t.take_ready(), ["s"]);
        t.update(&listing(&[("s", None)]));
        assert!(
            t.take_ready().is_empty(),
            "a shard being read is not handed out twice"
        );
        t.finish("s");
        t.update(&listing(&[("s", None)]));
        assert!(
            t.take_ready().is_empty(),
            "a finished shard is not read again"
        );
    }
}
