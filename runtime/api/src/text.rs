//! The string of a [`Value::String`](crate::Value::String).
//!
//! Many strings of a record repeat on every record of a source: a Debezium `source` block names
//! the connector, server, database, table and binlog file each time. [`Text`] lets a connector
//! build those once and hand each record a reference-counted copy, while a string decoded from
//! a row stays an ordinary owned `String`. Either way it reads as a `&str`.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string: owned, shared, or static. Compares, hashes and prints as its `str`.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    Shared(Arc<str>),
    Static(&'static str),
}

impl Text {
    /// A string that lives for the whole program; cloning it copies a pointer.
    pub const fn from_static(s: &'static str) -> Self {
        Self(Repr::Static(s))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            Repr::Shared(s) => s,
            Repr::Static(s) => s,
        }
    }

    /// The string as an owned `String` (without a copy when it is owned already).
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(s) => s,
            Repr::Shared(s) => s.to_string(),
            Repr::Static(s) => s.to_string(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Self::from_static("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(Repr::Owned(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(Repr::Owned(s.to_string()))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Self(Repr::Owned(s.clone()))
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(s: Cow<'_, str>) -> Self {
        Self(Repr::Owned(s.into_owned()))
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Self {
        Self(Repr::Shared(s))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.into_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_compares_and_hashes_as_its_string() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |t: &Text| {
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        let kinds = [
            Text::from("db1".to_string()),
            Text::from(Arc::<str>::from("db1")),
            Text::from_static("db1"),
        ];
        for a in &kinds {
            assert_eq!(a.as_str(), "db1");
            assert_eq!(format!("{a}|{a:?}"), "db1|\"db1\"");
            for b in &kinds {
                assert_eq!(a, b);
                assert_eq!(hash(a), hash(b));
            }
            assert_eq!(a.clone().into_string(), "db1");
        }
        let (a, b) = (Text::from_static("a"), Text::from(String::from("b")));
        assert!(a < b);
    }

    #[test]
    fn a_shared_clone_is_the_same_allocation() {
        let shared = Text::from(Arc::<str>::from("mysql-bin.000003"));
        let copy = shared.clone();
        assert!(std::ptr::eq(shared.as_str(), copy.as_str()));
    }
}
