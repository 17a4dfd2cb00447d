//! Where inside a value a conversion failed, for data errors like `field "address.zip": ...`.
//!
//! The path is a chain of stack frames (each recursion level borrows its parent), so tracking it
//! costs nothing until an error actually renders it.

use std::fmt;

use strait_api::{ConnectError, Value};

/// One step into a value.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// The value itself.
    Root,
    /// A struct field.
    Field(&'a str),
    /// An array element.
    Index(usize),
    /// The key of the n-th map entry.
    MapKey(usize),
    /// The value of the n-th map entry, with its key.
    MapValue(usize, &'a Value),
    /// The value of a JSON object entry (schemaless maps), by key.
    ObjectValue(&'a str),
}

/// A path from the root of a value to the part being converted.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

impl<'a> Path<'a> {
    /// The root path.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    /// A child of this path.
    pub fn child(&'a self, step: Step<'a>) -> Path<'a> {
        Path {
            parent: Some(self),
            step,
        }
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        matches!(self.step, Step::Root)
    }

    /// A data error, prefixed with `field "<path>": ` unless this is the root.
    pub fn error(&self, message: impl Into<String>) -> ConnectError {
        let message = message.into();
        if self.is_root() {
            ConnectError::data(message)
        } else {
            ConnectError::data(format!("field \"{self}\": {message}"))
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        let first = self.parent.is_none_or(Path::is_root);
        match self.step {
            Step::Root => Ok(()),
            Step::Field(name) | Step::ObjectValue(name) if first => f.write_str(name),
            Step::Field(name) => write!(f, ".{name}"),
            Step::ObjectValue(name) => write!(f, "[{name:?}]"),
            Step::Index(i) => write!(f, "[{i}]"),
            Step::MapKey(i) => write!(f, "[key #{i}]"),
            Step::MapValue(_, Value::String(k)) => write!(f, "[{k:?}]"),
            Step::MapValue(i, _) => write!(f, "[value #{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_paths() {
        let root = Path::ROOT;
        let address = root.child(Step::Field("address"));
        let zip = address.child(Step::Field("zip"));
        assert_eq!(zip.to_string(), "address.zip");
        let tags = zip.child(Step::Index(2));
        assert_eq!(tags.to_string(), "address.zip[2]");
        let key = Value::from("k");
        assert_eq!(root.child(Step::MapValue(0, &key)).to_string(), "[\"k\"]");
        match zip.error("boom") {
            ConnectError::Data { message } => assert_eq!(message, "field \"address.zip\": boom"),
            other => panic!("{other:?}"),
        }
        match root.error("boom") {
            ConnectError::Data { message } => assert_eq!(message, "boom"),
            other => panic!("{other:?}"),
        }
    }
}
