//! GTID sets as Debezium writes them into offsets: MySQL's `uuid:1-5:7-9` sets and MariaDB's
//! `domain-server-sequence` positions.
//!
//! The strings are part of the stored offset, so their text matters, not only their meaning:
//! Debezium's binlog client renders a MySQL interval as `start-end` even when it holds one
//! transaction (`uuid:5-5`), keeps UUIDs lower-case and in the order they were first seen, and
//! keeps one GTID per MariaDB replication domain. Parsing accepts what servers and older
//! Debezium versions write too: `uuid:5`, tagged MySQL 8.3 GTIDs (`uuid:tag:1-5`), and the
//! newlines `@@gtid_executed` puts after its commas.

use std::fmt;

/// One MySQL source (a server UUID, optionally with an 8.3 tag) and its transaction intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UuidSet {
    /// `uuid` or `uuid:tag`, lower-case.
    source: String,
    /// Sorted, non-overlapping, non-adjacent inclusive intervals.
    intervals: Vec<(u64, u64)>,
}

impl UuidSet {
    fn add(&mut self, start: u64, end: u64) {
        self.intervals.push((start, end));
        self.intervals.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.intervals.len());
        for &(s, e) in &self.intervals {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.intervals = merged;
    }

    fn contains(&self, n: u64) -> bool {
        self.intervals.iter().any(|&(s, e)| s <= n && n <= e)
    }
}

/// A server UUID and its `[start, end)` GNO intervals, as COM_BINLOG_DUMP_GTID sends them.
pub type SidBlock = ([u8; 16], Vec<(u64, u64)>);

/// A MySQL GTID set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MySqlGtidSet {
    sets: Vec<UuidSet>,
}

/// Why a GTID string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid GTID '{text}': {reason}")]
pub struct GtidError {
    pub text: String,
    pub reason: &'static str,
}

fn gtid_error(text: &str, reason: &'static str) -> GtidError {
    GtidError {
        text: text.to_string(),
        reason,
    }
}

impl MySqlGtidSet {
    /// Parses a GTID set (`uuid:1-5:7,uuid2[:tag]:3-4`); empty text is the empty set.
    ///
    /// # Errors
    /// The offending entry.
    pub fn parse(text: &str) -> Result<Self, GtidError> {
        let mut set = Self::default();
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for entry in cleaned.split(',').filter(|e| !e.is_empty()) {
            let mut parts = entry.split(':');
            let uuid = parts
                .next()
                .filter(|u| u.len() == 36)
                .ok_or_else(|| gtid_error(entry, "expected a 36-character server UUID"))?
                .to_ascii_lowercase();
            let mut source = uuid;
            for part in parts {
                if part.starts_with(|c: char| c.is_ascii_digit()) {
                    let (s, e) = match part.split_once('-') {
                        Some((s, e)) => (s, e),
                        None => (part, part),
                    };
                    let s: u64 = s
                        .parse()
                        .map_err(|_| gtid_error(entry, "interval start is not a number"))?;
                    let e: u64 = e
                        .parse()
                        .map_err(|_| gtid_error(entry, "interval end is not a number"))?;
                    if e < s {
                        return Err(gtid_error(entry, "interval ends before it starts"));
                    }
                    set.entry(&source).add(s, e);
                } else {
                    // An 8.3 tag applies to the intervals after it.
                    source = format!("{}:{}", &source[..36], part.to_ascii_lowercase());
                }
            }
        }
        Ok(set)
    }

    fn entry(&mut self, source: &str) -> &mut UuidSet {
        let idx = match self.sets.iter().position(|s| s.source == source) {
            Some(i) => i,
            None => {
                self.sets.push(UuidSet {
                    source: source.to_string(),
                    intervals: Vec::new(),
                });
                self.sets.len() - 1
            }
        };
        &mut self.sets[idx]
    }

    /// Adds one transaction, `source` being `uuid` or `uuid:tag`.
    pub fn add(&mut self, source: &str, gno: u64) {
        self.entry(&source.to_ascii_lowercase()).add(gno, gno);
    }

    /// Whether the set holds the transaction.
    pub fn contains(&self, source: &str, gno: u64) -> bool {
        self.sets
            .iter()
            .any(|s| s.source.eq_ignore_ascii_case(source) && s.contains(gno))
    }

    /// Adds every interval of `other`.
    pub fn union(&mut self, other: &MySqlGtidSet) {
        for set in &other.sets {
            let entry = self.entry(&set.source);
            for &(s, e) in &set.intervals {
                entry.add(s, e);
            }
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.sets.iter().all(|s| s.intervals.is_empty())
    }

    /// The `(uuid bytes, [(start, end_exclusive)])` blocks COM_BINLOG_DUMP_GTID expects; tagged
    /// sources are skipped (they need the tagged dump format).
    pub fn sid_blocks(&self) -> Vec<SidBlock> {
        let mut blocks = Vec::new();
        for set in &self.sets {
            if set.source.len() != 36 {
                continue;
            }
            let hex: String = set.source.chars().filter(|c| *c != '-').collect();
            let mut uuid = [0u8; 16];
            let ok = hex.len() == 32
                && (0..16).all(|i| match u8::from_str_radix(&hex[2 * i..2 * i + 2], 16) {
                    Ok(b) => {
                        uuid[i] = b;
                        true
                    }
                    Err(_) => false,
                });
            if ok {
                blocks.push((
                    uuid,
                    set.intervals.iter().map(|&(s, e)| (s, e + 1)).collect(),
                ));
            }
        }
        blocks
    }
}

impl fmt::Display for MySqlGtidSet {
    /// Debezium's rendering: `uuid:start-end[:start-end]`, sources joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for set in self.sets.iter().filter(|s| !s.intervals.is_empty()) {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            f.write_str(&set.source)?;
            for (s, e) in &set.intervals {
                write!(f, ":{s}-{e}")?;
            }
        }
        Ok(())
    }
}

/// One MariaDB GTID, `domain-server-sequence`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MariaDbGtid {
    pub domain: u32,
    pub server: u32,
    pub sequence: u64,
}

impl MariaDbGtid {
    /// Parses `domain-server-sequence`.
    ///
    /// # Errors
    /// When the text is not three dash-separated numbers.
    pub fn parse(text: &str) -> Result<Self, GtidError> {
        let mut parts = text.trim().split('-');
        let mut next = |what| {
            parts
                .next()
                .and_then(|p| p.parse::<u64>().ok())
                .ok_or_else(|| gtid_error(text, what))
        };
        let domain = next("domain is not a number")?;
        let server = next("server id is not a number")?;
        let sequence = next("sequence is not a number")?;
        let domain = u32::try_from(domain).map_err(|_| gtid_error(text, "domain out of range"))?;
        let server =
            u32::try_from(server).map_err(|_| gtid_error(text, "server id out of range"))?;
        if parts.next().is_some() {
            return Err(gtid_error(text, "expected domain-server-sequence"));
        }
        Ok(Self {
            domain,
            server,
            sequence,
        })
    }
}

impl fmt::Display for MariaDbGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain, self.server, self.sequence)
    }
}

/// A MariaDB GTID position: the last GTID of each replication domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MariaDbGtidSet {
    gtids: Vec<MariaDbGtid>,
}

impl MariaDbGtidSet {
    /// Parses `0-1-100,1-2-55`; empty text is the empty position.
    ///
    /// # Errors
    /// The offending GTID.
    pub fn parse(text: &str) -> Result<Self, GtidError> {
        let mut set = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.add(MariaDbGtid::parse(part)?);
        }
        Ok(set)
    }

    /// Records a GTID as the latest of its domain.
    pub fn add(&mut self, gtid: MariaDbGtid) {
        match self.gtids.iter_mut().find(|g| g.domain == gtid.domain) {
            Some(slot) => *slot = gtid,
            None => {
                self.gtids.push(gtid);
                self.gtids.sort_by_key(|g| g.domain);
            }
        }
    }

    /// Whether no domain is known.
    pub fn is_empty(&self) -> bool {
        self.gtids.is_empty()
    }
}

impl fmt::Display for MariaDbGtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.gtids.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{g}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "0b6e2c1a-0000-11e1-9e33-c80aa9429562";

    #[test]
    fn mysql_sets_render_like_debezium() {
        let set = MySqlGtidSet::parse(&format!("{},\n{B}:1-3:5", A.to_uppercase() + ":5")).unwrap();
        assert_eq!(set.to_string(), format!("{A}:5-5,{B}:1-3:5-5"));
        let mut set = MySqlGtidSet::parse(&format!("{A}:1-3")).unwrap();
        set.add(A, 4);
        set.add(A, 6);
        set.add(B, 1);
        assert_eq!(set.to_string(), format!("{A}:1-4:6-6,{B}:1-1"));
        set.add(A, 5);
        assert_eq!(set.to_string(), format!("{A}:1-6,{B}:1-1"));
        assert!(set.contains(A, 6) && !set.contains(A, 7));
        assert!(MySqlGtidSet::parse("").unwrap().is_empty());
    }

    #[test]
    fn mysql_tagged_and_invalid_sets() {
        let set = MySqlGtidSet::parse(&format!("{A}:1-2:Tag:5")).unwrap();
        assert_eq!(set.to_string(), format!("{A}:1-2,{A}:tag:5-5"));
        assert!(MySqlGtidSet::parse("short:1").is_err());
        assert!(MySqlGtidSet::parse(&format!("{A}:5-3")).is_err());
        assert!(
            MySqlGtidSet::parse(&format!("{A}:x")).is_ok(),
            "a non-numeric part is a tag"
        );
    }

    #[test]
    fn mysql_sid_blocks_have_exclusive_ends() {
        let set = MySqlGtidSet::parse(&format!("{A}:1-5:7")).unwrap();
        let blocks = set.sid_blocks();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].0[0], 0x3e);
        assert_eq!(blocks[0].1, vec![(1, 6), (7, 8)]);
    }

    #[test]
    fn mariadb_positions_keep_one_gtid_per_domain() {
        let mut set = MariaDbGtidSet::parse("1-2-55, 0-1-100").unwrap();
        assert_eq!(set.to_string(), "0-1-100,1-2-55");
        set.add(MariaDbGtid::parse("0-3-101").unwrap());
        assert_eq!(set.to_string(), "0-3-101,1-2-55");
        assert!(MariaDbGtidSet::parse("0-1").is_err());
        assert!(MariaDbGtidSet::parse("0-1-2-3").is_err());
        assert!(MariaDbGtidSet::parse("").unwrap().is_empty());
    }
}
