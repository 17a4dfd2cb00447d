//! Connect values.
//!
//! One enum covers what Java represents with boxed objects. Date, Time and Timestamp logical
//! values are carried as their underlying integers (days, milliseconds of the day, epoch
//! milliseconds); the schema's name says which logical type they are. Decimals have their own
//! variant because their scale and arbitrary precision matter on the wire.

use crate::decimal::Decimal;
use crate::structs::Struct;
use crate::text::Text;

/// A Connect value. [`Value::Null`] is Java's `null`.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Boolean(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    /// Owned, or shared between records (see [`Text`]).
    String(Text),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in insertion order (Java maps keep their own iteration order; ours is explicit).
    Map(Vec<(Value, Value)>),
    Struct(Struct),
    Decimal(Decimal),
}

impl Value {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The struct, if this is a struct value.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer variant widened to i64.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v.into()),
            Value::Int16(v) => Some(v.into()),
            Value::Int32(v) => Some(v.into()),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// A short description of the variant, used in error messages (Java class names).
    pub fn type_description(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "Boolean",
            Value::Int8(_) => "Byte",
            Value::Int16(_) => "Short",
            Value::Int32(_) => "Integer",
            Value::Int64(_) => "Long",
            Value::Float32(_) => "Float",
            Value::Float64(_) => "Double",
            Value::String(_) => "String",
            Value::Bytes(_) => "byte[]",
            Value::Array(_) => "List",
            Value::Map(_) => "Map",
            Value::Struct(_) => "Struct",
            Value::Decimal(_) => "BigDecimal",
        }
    }
}

macro_rules! from_impls {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(x: $t) -> Self { Value::$v(x) }
        })*
    };
}
from_impls!(bool => Boolean, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, f32 => Float32,
    f64 => Float64, Text => String, Vec<u8> => Bytes, Struct => Struct, Decimal => Decimal);

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
