//! Connect schemas: the type system every record key, value and header is described by.
//!
//! This mirrors `org.apache.kafka.connect.data.{Schema, ConnectSchema, SchemaBuilder}`. A
//! [`Schema`] is immutable and cheap to clone (an `Arc`), because the same schema is attached to
//! millions of records. Parameters keep their insertion order, like Java's `LinkedHashMap`,
//! because converters write them in that order.

use std::fmt;
use std::sync::{Arc, LazyLock};

use crate::error::{ConnectError, Result};
use crate::logical;
use crate::value::Value;

/// The primitive and container types of the Connect type system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl SchemaType {
    /// The upper-case name Kafka uses in messages (`INT32`, `STRUCT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Int8 => "INT8",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::Float32 => "FLOAT32",
            Self::Float64 => "FLOAT64",
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Bytes => "BYTES",
            Self::Array => "ARRAY",
            Self::Map => "MAP",
            Self::Struct => "STRUCT",
        }
    }

    /// Whether values of this type are primitives (not array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field of a struct schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    name: String,
    index: usize,
    schema: Schema,
}

impl Field {
    /// Creates a field; `index` is its position in the struct.
    pub fn new(name: impl Into<String>, index: usize, schema: Schema) -> Self {
        Self {
            name: name.into(),
            index,
            schema,
        }
    }
    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The field's position in its struct.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The field's schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
}

#[derive(Debug, PartialEq)]
struct SchemaData {
    schema_type: SchemaType,
    optional: bool,
    default_value: Option<Value>,
    name: Option<String>,
    version: Option<i32>,
    doc: Option<String>,
    parameters: Vec<(String, String)>,
    fields: Vec<Field>,
    key_schema: Option<Schema>,
    value_schema: Option<Schema>,
}

/// An immutable Connect schema.
#[derive(Clone, PartialEq)]
pub struct Schema(Arc<SchemaData>);

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        let mut s = f.debug_struct("Schema");
        s.field("type", &d.schema_type)
            .field("optional", &d.optional);
        if let Some(n) = &d.name {
            s.field("name", n);
        }
        if !d.fields.is_empty() {
            s.field(
                "fields",
                &d.fields
                    .iter()
                    .map(|f| (&f.name, &f.schema))
                    .collect::<Vec<_>>(),
            );
        }
        if let Some(k) = &d.key_schema {
            s.field("keys", k);
        }
        if let Some(v) = &d.value_schema {
            s.field("values", v);
        }
        s.finish()
    }
}

macro_rules! primitive_schemas {
    ($($fn_name:ident, $opt_name:ident => $ty:ident;)*) => {
        $(
            #[doc = concat!("The required `", stringify!($ty), "` schema.")]
            pub fn $fn_name() -> Schema {
                static S: LazyLock<Schema> = LazyLock::new(|| SchemaBuilder::new(SchemaType::$ty).build());
                S.clone()
            }
            #[doc = concat!("The optional `", stringify!($ty), "` schema.")]
            pub fn $opt_name() -> Schema {
                static S: LazyLock<Schema> =
                    LazyLock::new(|| SchemaBuilder::new(SchemaType::$ty).optional().build());
                S.clone()
            }
        )*
    };
}

impl Schema {
    primitive_schemas! {
        int8, optional_int8 => Int8;
        int16, optional_int16 => Int16;
        int32, optional_int32 => Int32;
        int64, optional_int64 => Int64;
        float32, optional_float32 => Float32;
        float64, optional_float64 => Float64;
        boolean, optional_boolean => Boolean;
        string, optional_string => String;
        bytes, optional_bytes => Bytes;
    }

    /// Whether both handles share one allocation: a cheap identity check that hot paths try
    /// before the deep, by-content `==`.
    pub fn ptr_eq(&self, other: &Schema) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// An address identifying this schema's allocation while some handle to it is alive; keys
    /// identity caches (which must hold a clone so the address cannot be reused).
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The schema's type.
    pub fn schema_type(&self) -> SchemaType {
        self.0.schema_type
    }
    /// Whether null is an acceptable value.
    pub fn is_optional(&self) -> bool {
        self.0.optional
    }
    /// The default value, if any.
    pub fn default_value(&self) -> Option<&Value> {
        self.0.default_value.as_ref()
    }
    /// The schema name (logical types and named structs have one).
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// The schema version.
    pub fn version(&self) -> Option<i32> {
        self.0.version
    }
    /// The documentation string.
    pub fn doc(&self) -> Option<&str> {
        self.0.doc.as_deref()
    }
    /// Parameters, in insertion order.
    pub fn parameters(&self) -> &[(String, String)] {
        &self.0.parameters
    }
    /// One parameter by key.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.0
            .parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Struct fields in order (empty for other types).
    pub fn fields(&self) -> &[Field] {
        &self.0.fields
    }
    /// A struct field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.0.fields.iter().find(|f| f.name == name)
    }
    /// The key schema of a map.
    pub fn key_schema(&self) -> Option<&Schema> {
        self.0.key_schema.as_ref()
    }
    /// The element schema of an array, or the value schema of a map.
    pub fn value_schema(&self) -> Option<&Schema> {
        self.0.value_schema.as_ref()
    }

    /// A builder pre-filled with this schema, for deriving a modified copy.
    pub fn to_builder(&self) -> SchemaBuilder {
        let d = &self.0;
        SchemaBuilder {
            data: SchemaData {
                schema_type: d.schema_type,
                optional: d.optional,
                default_value: d.default_value.clone(),
                name: d.name.clone(),
                version: d.version,
                doc: d.doc.clone(),
                parameters: d.parameters.clone(),
                fields: d.fields.clone(),
                key_schema: d.key_schema.clone(),
                value_schema: d.value_schema.clone(),
            },
        }
    }

    /// Checks that `value` is acceptable for this schema, like `ConnectSchema.validateValue`.
    ///
    /// # Errors
    /// A data error naming the expected and actual types.
    pub fn validate_value(&self, value: &Value) -> Result<()> {
        self.validate_named(None, value)
    }

    pub(crate) fn validate_named(&self, field: Option<&str>, value: &Value) -> Result<()> {
        let describe = || match field {
            Some(f) => format!("field \"{f}\""),
            None => "value".to_string(),
        };
        if value.is_null() {
            if self.is_optional() || self.default_value().is_some() {
                return Ok(());
            }
            return Err(ConnectError::data(format!(
                "Invalid value: null used for required {}, schema type: {}",
                describe(),
                self.schema_type()
            )));
        }
        let ok = match (self.schema_type(), value) {
            (SchemaType::Int8, Value::Int8(_))
            | (SchemaType::Int16, Value::Int16(_))
            | (SchemaType::Int32, Value::Int32(_))
            | (SchemaType::Int64, Value::Int64(_))
            | (SchemaType::Float32, Value::Float32(_))
            | (SchemaType::Float64, Value::Float64(_))
            | (SchemaType::Boolean, Value::Boolean(_))
            | (SchemaType::String, Value::String(_)) => true,
            (SchemaType::Bytes, Value::Bytes(_)) => self.name() != Some(logical::DECIMAL_NAME),
            (SchemaType::Bytes, Value::Decimal(d)) => {
                if self.name() != Some(logical::DECIMAL_NAME) {
                    false
                } else {
                    let scale = logical::decimal_scale(self)?;
                    if d.scale() != scale {
                        return Err(ConnectError::data(format!(
                            "Decimal for {} has scale {} but its schema has scale {scale}",
                            describe(),
                            d.scale()
                        )));
                    }
                    true
                }
            }
            (SchemaType::Array, Value::Array(items)) => {
                let elem = self
                    .value_schema()
                    .expect("array schema has an element schema");
                for item in items {
                    elem.validate_named(field, item)?;
                }
                true
            }
            (SchemaType::Map, Value::Map(entries)) => {
                let ks = self.key_schema().expect("map schema has a key schema");
                let vs = self.value_schema().expect("map schema has a value schema");
                for (k, v) in entries {
                    ks.validate_named(field, k)?;
                    vs.validate_named(field, v)?;
                }
                true
            }
            (SchemaType::Struct, Value::Struct(s)) => {
                if s.schema() != self {
                    return Err(ConnectError::data(format!(
                        "Struct schemas do not match for {}",
                        describe()
                    )));
                }
                true
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(ConnectError::data(format!(
                "Invalid Java object for schema with type {}: {} for {}",
                self.schema_type(),
                value.type_description(),
                describe()
            )))
        }
    }
}

/// Builds a [`Schema`], like Java's `SchemaBuilder`.
#[derive(Debug)]
pub struct SchemaBuilder {
    data: SchemaData,
}

impl SchemaBuilder {
    /// A builder for a schema of the given type.
    pub fn new(schema_type: SchemaType) -> Self {
        Self {
            data: SchemaData {
                schema_type,
                optional: false,
                default_value: None,
                name: None,
                version: None,
                doc: None,
                parameters: Vec::new(),
                fields: Vec::new(),
                key_schema: None,
                value_schema: None,
            },
        }
    }
    /// A struct builder.
    pub fn struct_() -> Self {
        Self::new(SchemaType::Struct)
    }
    /// An array builder with the given element schema.
    pub fn array(items: Schema) -> Self {
        let mut b = Self::new(SchemaType::Array);
        b.data.value_schema = Some(items);
        b
    }
    /// A map builder with the given key and value schemas.
    pub fn map(keys: Schema, values: Schema) -> Self {
        let mut b = Self::new(SchemaType::Map);
        b.data.key_schema = Some(keys);
        b.data.value_schema = Some(values);
        b
    }
    /// Marks the schema optional.
    pub fn optional(mut self) -> Self {
        self.data.optional = true;
        self
    }
    /// Marks the schema required.
    pub fn required(mut self) -> Self {
        self.data.optional = false;
        self
    }
    /// Sets the schema name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.data.name = Some(name.into());
        self
    }
    /// Sets the schema version.
    pub fn version(mut self, version: i32) -> Self {
        self.data.version = Some(version);
        self
    }
    /// Sets the documentation.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.data.doc = Some(doc.into());
        self
    }
    /// Adds (or replaces) a parameter, keeping insertion order.
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        let value = value.into();
        match self.data.parameters.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.data.parameters.push((key, value)),
        }
        self
    }
    /// Sets the default value without validating it; see [`SchemaBuilder::try_default_value`].
    pub fn default_value(mut self, value: Value) -> Self {
        self.data.default_value = Some(value);
        self
    }
    /// Sets the default value after checking it against the schema built so far.
    ///
    /// # Errors
    /// A data error when the default does not match the schema.
    pub fn try_default_value(mut self, value: Value) -> Result<Self> {
        let probe = Schema(Arc::new(SchemaData {
            default_value: None,
            ..self.to_data_clone()
        }));
        probe.validate_value(&value)?;
        self.data.default_value = Some(value);
        Ok(self)
    }
    /// Appends a struct field.
    ///
    /// # Panics
    /// When the builder is not a struct or the field name is already used (programming errors).
    pub fn field(mut self, name: impl Into<String>, schema: Schema) -> Self {
        assert_eq!(
            self.data.schema_type,
            SchemaType::Struct,
            "fields can only be added to a struct schema"
        );
        let name = name.into();
        assert!(
            self.data.fields.iter().all(|f| f.name != name),
            "duplicate field {name}"
        );
        let index = self.data.fields.len();
        self.data.fields.push(Field {
            name,
            index,
            schema,
        });
        self
    }
    /// Finishes the schema.
    pub fn build(self) -> Schema {
        Schema(Arc::new(self.data))
    }

    fn to_data_clone(&self) -> SchemaData {
        SchemaData {
            schema_type: self.data.schema_type,
            optional: self.data.optional,
            default_value: self.data.default_value.clone(),
            name: self.data.name.clone(),
            version: self.data.version,
            doc: self.data.doc.clone(),
            parameters: self.data.parameters.clone(),
            fields: self.data.fields.clone(),
            key_schema: self.data.key_schema.clone(),
            value_schema: self.data.value_schema.clone(),
        }
    }
}

/// A schema (possibly absent, for schemaless data) together with a value.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaAndValue {
    /// The schema, or `None` for schemaless data.
    pub schema: Option<Schema>,
    /// The value; [`Value::Null`] for null.
    pub value: Value,
}

impl SchemaAndValue {
    /// The null schema and value (a tombstone).
    pub fn null() -> Self {
        Self {
            schema: None,
            value: Value::Null,
        }
    }
    /// Pairs a schema and a value.
    pub fn new(schema: Option<Schema>, value: Value) -> Self {
        Self { schema, value }
    }
}
