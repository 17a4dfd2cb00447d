//! Struct values, validated against their schema like `org.apache.kafka.connect.data.Struct`.

use crate::error::{ConnectError, Result};
use crate::schema::{Schema, SchemaType};
use crate::value::Value;

/// A struct value: one slot per field of its struct schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    schema: Schema,
    values: Vec<Value>,
}

impl Struct {
    /// An empty struct (every field null) for a struct schema.
    ///
    /// # Panics
    /// When `schema` is not a struct schema (a programming error).
    pub fn new(schema: Schema) -> Self {
        assert_eq!(
            schema.schema_type(),
            SchemaType::Struct,
            "Struct::new needs a struct schema"
        );
        // Not `vec![Value::Null; n]`: that clones through the out-of-line `Value::clone` once
        // per field, on every record's every struct.
        let n = schema.fields().len();
        let mut values = Vec::with_capacity(n);
        values.extend(std::iter::repeat_with(|| Value::Null).take(n));
        Self { schema, values }
    }

    /// A struct holding `values`, one per field in field order, without validation; for hot
    /// paths that build the values themselves (call [`Struct::validate`] in tests).
    ///
    /// # Panics
    /// When `schema` is not a struct schema or the count of values is not its field count (a
    /// programming error).
    pub fn from_values(schema: Schema, values: Vec<Value>) -> Self {
        assert_eq!(
            schema.schema_type(),
            SchemaType::Struct,
            "Struct::from_values needs a struct schema"
        );
        assert_eq!(
            values.len(),
            schema.fields().len(),
            "Struct::from_values needs one value per field"
        );
        Self { schema, values }
    }

    /// The struct's schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Sets a field by name after validating the value against the field's schema.
    ///
    /// # Errors
    /// A data error naming the field when it does not exist or the value does not match.
    pub fn put(&mut self, field: &str, value: impl Into<Value>) -> Result<&mut Self> {
        let f = self
            .schema
            .field(field)
            .ok_or_else(|| ConnectError::data(format!("{field} is not a valid field name")))?;
        let value = value.into();
        f.schema().validate_named(Some(field), &value)?;
        let i = f.index();
        self.values[i] = value;
        Ok(self)
    }

    /// Builder-style [`Struct::put`].
    ///
    /// # Errors
    /// As [`Struct::put`].
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Result<Self> {
        self.put(field, value)?;
        Ok(self)
    }

    /// Sets a field by position without validation; for hot paths whose values are known to
    /// match (call [`Struct::validate`] in tests).
    pub fn put_index(&mut self, index: usize, value: Value) {
        let old = std::mem::replace(&mut self.values[index], value);
        // The slot is almost always still null: skip the out-of-line drop (a call per field of
        // every record) when there is nothing to free.
        if !old.is_null() {
            drop(old);
        } else {
            std::mem::forget(old);
        }
    }

    /// A field's value, falling back to the field's default when the value is null (Java `get`).
    pub fn get(&self, field: &str) -> Option<&Value> {
        let f = self.schema.field(field)?;
        let v = &self.values[f.index()];
        match (v, f.schema().default_value()) {
            (Value::Null, Some(d)) => Some(d),
            _ => Some(v),
        }
    }

    /// A field's value as stored, without default substitution.
    pub fn get_without_default(&self, field: &str) -> Option<&Value> {
        self.schema.field(field).map(|f| &self.values[f.index()])
    }

    /// The stored values in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Checks that every required field without a default is set (Java `validate`).
    ///
    /// # Errors
    /// A data error naming the first invalid field.
    pub fn validate(&self) -> Result<()> {
        for f in self.schema.fields() {
            f.schema()
                .validate_named(Some(f.name()), &self.values[f.index()])?;
        }
        Ok(())
    }
}
