//! Per-schema encoding plans: what [`Encoder::write_value`] decides per value, decided once.
//!
//! The generic writer looks at the schema of every value it writes: whether it has a logical
//! name, what its type is, how a null is written, and it escapes every struct field name. A
//! [`Plan`] is built once per cached schema and holds those answers: field keys rendered with
//! their separators (`{"id":`, `,"name":`), the bytes a null is written as (the rendered default
//! or `null`), a Decimal's parsed scale, and one node per nested schema. Writing a record then
//! only matches each value against what its node expects.
//!
//! Anything the plan does not expect (a value of another type, a required null, a struct built
//! with another schema allocation, arrays and maps, a Decimal whose scale does not match) is
//! handed to the generic writer, which writes it or returns its error; so the output and the
//! errors are the generic writer's by construction, and the plan only skips work.

use strait_api::decimal::twos_complement_i64;
use strait_api::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{Decimal, Result, Schema, SchemaType, Struct, Value};

use super::config::DecimalFormat;
use super::encode::Encoder;
use super::write::{self, Fragment};
use crate::converters::path::{Path, Step};

/// How a value of one schema is written.
#[derive(Debug)]
enum Kind {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    /// `org.apache.kafka.connect.data.Decimal`, with the schema's scale when it parses.
    Decimal(Option<i32>),
    /// Date and Time: an Int32 whatever the schema type.
    LogicalInt32,
    /// Timestamp: an Int64 whatever the schema type.
    LogicalInt64,
    Struct(StructPlan),
    /// Arrays, maps and anything else: always the generic writer.
    Generic,
}

/// The plan of one schema.
#[derive(Debug)]
pub struct Plan {
    schema: Schema,
    kind: Kind,
    /// The bytes a null is written as, or `None` when a null is an error.
    null: Option<Fragment>,
}

/// The plan of a struct schema's fields, in schema order.
#[derive(Debug)]
struct StructPlan {
    /// Each field's key with what precedes it: `{"first":`, then `,"second":`, ...
    keys: Vec<Fragment>,
    fields: Vec<Plan>,
}

impl Plan {
    /// The plan of `schema` under the encoder's settings.
    pub fn new(encoder: &Encoder, schema: &Schema) -> Self {
        Self {
            schema: schema.clone(),
            kind: kind(encoder, schema),
            null: null_bytes(encoder, schema),
        }
    }

    /// Writes `value` exactly as `encoder.write_value(out, Some(schema), value, path)` would.
    ///
    /// # Errors
    /// The generic writer's data errors.
    pub fn write(
        &self,
        encoder: &Encoder,
        out: &mut Vec<u8>,
        value: &Value,
        path: &Path<'_>,
    ) -> Result<()> {
        match (&self.kind, value) {
            (_, Value::Null) => match &self.null {
                Some(bytes) => bytes.write(out),
                None => return self.generic(encoder, out, value, path),
            },
            (Kind::Int8, Value::Int8(v)) => write::int(out, i64::from(*v)),
            (Kind::Int16, Value::Int16(v)) => write::int(out, i64::from(*v)),
            (Kind::Int32 | Kind::LogicalInt32, Value::Int32(v)) => write::int(out, i64::from(*v)),
            (Kind::Int64 | Kind::LogicalInt64, Value::Int64(v)) => write::int(out, *v),
            (Kind::Float32, Value::Float32(v)) => write::f32(out, *v),
            (Kind::Float64, Value::Float64(v)) => write::f64(out, *v),
            (Kind::Boolean, Value::Boolean(v)) => write::boolean(out, *v),
            (Kind::String, Value::String(v)) => write::string(out, v),
            (Kind::Bytes, Value::Bytes(v)) => write::base64(out, v),
            (Kind::Decimal(scale), Value::Decimal(d)) => {
                if !write_decimal(encoder, out, *scale, d) {
                    return self.generic(encoder, out, value, path);
                }
            }
            (Kind::Struct(plan), Value::Struct(s)) if s.schema().ptr_eq(&self.schema) => {
                return plan.write(encoder, out, &self.schema, s, path);
            }
            _ => return self.generic(encoder, out, value, path),
        }
        Ok(())
    }

    fn generic(
        &self,
        encoder: &Encoder,
        out: &mut Vec<u8>,
        value: &Value,
        path: &Path<'_>,
    ) -> Result<()> {
        encoder.write_value(out, Some(&self.schema), value, path)
    }
}

impl StructPlan {
    fn write(
        &self,
        encoder: &Encoder,
        out: &mut Vec<u8>,
        schema: &Schema,
        s: &Struct,
        path: &Path<'_>,
    ) -> Result<()> {
        let values = s.values();
        if self.fields.is_empty() || values.is_empty() {
            out.extend_from_slice(b"{}");
            return Ok(());
        }
        let names = schema.fields();
        for (((key, plan), value), field) in
            self.keys.iter().zip(&self.fields).zip(values).zip(names)
        {
            key.write(out);
            plan.write(encoder, out, value, &path.child(Step::Field(field.name())))?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// What `write_value` would do with a non-null value of `schema`, as far as the schema decides.
fn kind(encoder: &Encoder, schema: &Schema) -> Kind {
    match schema.name() {
        Some(DECIMAL_NAME) => return Kind::Decimal(logical::decimal_scale(schema).ok()),
        Some(DATE_NAME | TIME_NAME) => return Kind::LogicalInt32,
        Some(TIMESTAMP_NAME) => return Kind::LogicalInt64,
        _ => {}
    }
    match schema.schema_type() {
        SchemaType::Int8 => Kind::Int8,
        SchemaType::Int16 => Kind::Int16,
        SchemaType::Int32 => Kind::Int32,
        SchemaType::Int64 => Kind::Int64,
        SchemaType::Float32 => Kind::Float32,
        SchemaType::Float64 => Kind::Float64,
        SchemaType::Boolean => Kind::Boolean,
        SchemaType::String => Kind::String,
        SchemaType::Bytes => Kind::Bytes,
        SchemaType::Struct => {
            let fields: Vec<Plan> = schema
                .fields()
                .iter()
                .map(|f| Plan::new(encoder, f.schema()))
                .collect();
            let keys = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut key = vec![if i == 0 { b'{' } else { b',' }];
                    write::key(&mut key, f.name());
                    Fragment::new(&key)
                })
                .collect();
            Kind::Struct(StructPlan { keys, fields })
        }
        SchemaType::Array | SchemaType::Map => Kind::Generic,
    }
}

/// The bytes `write_value` writes for a null of `schema`, rendered now; `None` when that is an
/// error (left to the generic writer to report).
fn null_bytes(encoder: &Encoder, schema: &Schema) -> Option<Fragment> {
    match schema.default_value() {
        Some(default) if encoder.replace_null_with_default && !default.is_null() => {
            let mut out = Vec::new();
            encoder
                .write_value(&mut out, Some(schema), default, &Path::ROOT)
                .ok()?;
            Some(Fragment::new(&out))
        }
        _ if schema.is_optional() => Some(Fragment::new(b"null")),
        _ => None,
    }
}

/// Writes a Decimal the way the generic writer does when that is quick; `false` (nothing
/// written) otherwise: a scale that does not match or parse, or an unscaled value beyond i64.
fn write_decimal(encoder: &Encoder, out: &mut Vec<u8>, scale: Option<i32>, d: &Decimal) -> bool {
    match encoder.decimal_format {
        DecimalFormat::Numeric => {
            encoder.write_decimal_numeric(out, d);
            true
        }
        DecimalFormat::Base64 => {
            if scale != Some(d.scale()) {
                return false;
            }
            match d.unscaled_i64() {
                Some(unscaled) => {
                    let (bytes, start) = twos_complement_i64(unscaled);
                    write::base64(out, &bytes[start..]);
                    true
                }
                None => {
                    write::base64(out, &d.to_unscaled_bytes());
                    true
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use strait_api::{SchemaBuilder, Struct};

    use super::*;

    fn encoders() -> [Encoder; 4] {
        let mut all = [Encoder {
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
        }; 4];
        all[1].replace_null_with_default = false;
        all[2].decimal_format = DecimalFormat::Numeric;
        all[3].decimal_format = DecimalFormat::Numeric;
        all[3].replace_null_with_default = false;
        all
    }

    /// Both writers' output (or error message) for one value.
    fn both(encoder: &Encoder, schema: &Schema, value: &Value) -> (String, String) {
        let render = |r: Result<()>, out: Vec<u8>| match r {
            Ok(()) => String::from_utf8(out).unwrap(),
            Err(e) => format!("error: {e}"),
        };
        let mut generic = b"prefix".to_vec();
        let r = encoder.write_value(&mut generic, Some(schema), value, &Path::ROOT);
        let generic = render(r, generic);
        let mut planned = b"prefix".to_vec();
        let plan = Plan::new(encoder, schema);
        let r = plan.write(encoder, &mut planned, value, &Path::ROOT);
        (render(r, planned), generic)
    }

    fn assert_same(schema: &Schema, value: &Value) {
        for encoder in encoders() {
            let (planned, generic) = both(&encoder, schema, value);
            assert_eq!(planned, generic, "{encoder:?} {schema:?} {value:?}");
        }
    }

    fn row_schema() -> Schema {
        SchemaBuilder::struct_()
            .name("db.t.Value")
            .field("id", Schema::int32())
            .field("we\"ird\\\u{1}name", Schema::optional_string())
            .field("price", logical::decimal(2).build())
            .field(
                "status",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value(Value::String("false".into()))
                    .build(),
            )
            .field("day", logical::date().optional().build())
            .field("at", logical::timestamp().build())
            .field("score", Schema::float64())
            .field(
                "tags",
                SchemaBuilder::array(Schema::string()).optional().build(),
            )
            .optional()
            .build()
    }

    fn row(schema: &Schema, id: i32) -> Struct {
        let mut s = Struct::new(schema.clone());
        s.put_index(0, Value::Int32(id));
        s.put_index(1, Value::from(format!("name \"{id}\"\n")));
        s.put_index(2, Value::Decimal(Decimal::new(i64::from(id) * 101, 2)));
        s.put_index(5, Value::Int64(1_700_000_000_000 + i64::from(id)));
        s.put_index(6, Value::Float64(f64::from(id) * 0.25));
        s.put_index(7, Value::Array(vec![Value::String("a".into())]));
        s
    }

    #[test]
    fn nested_structs_match_the_generic_writer() {
        let value_schema = row_schema();
        let envelope = SchemaBuilder::struct_()
            .field("before", value_schema.clone())
            .field("after", value_schema.clone())
            .field("op", Schema::string())
            .build();
        let mut env = Struct::new(envelope.clone());
        env.put_index(1, Value::Struct(row(&value_schema, 7)));
        env.put_index(2, Value::String("c".into()));
        let (planned, _) = both(&encoders()[0], &envelope, &Value::Struct(env.clone()));
        assert_eq!(
            planned,
            "prefix{\"before\":null,\"after\":{\"id\":7,\"we\\\"ird\\\\\\u0001name\":\"name \\\"7\\\"\\n\",\
             \"price\":\"AsM=\",\"status\":\"false\",\"day\":null,\"at\":1700000000007,\
             \"score\":1.75,\"tags\":[\"a\"]},\"op\":\"c\"}"
        );
        assert_same(&envelope, &Value::Struct(env));
    }

    #[test]
    fn unexpected_values_fall_back_to_the_generic_writer() {
        let schema = row_schema();
        // A required field left null, with and without a default elsewhere.
        let mut missing = row(&schema, 3);
        missing.put_index(0, Value::Null);
        assert_same(&schema, &Value::Struct(missing));
        // A value of the wrong type.
        let mut wrong = row(&schema, 3);
        wrong.put_index(6, Value::Int32(1));
        assert_same(&schema, &Value::Struct(wrong));
        // A Decimal with another scale, and one beyond i64.
        let mut scale = row(&schema, 3);
        scale.put_index(2, Value::Decimal(Decimal::new(5, 3)));
        assert_same(&schema, &Value::Struct(scale));
        let mut big = row(&schema, 3);
        let huge = num_bigint::BigInt::from(i64::MAX) * 1000;
        big.put_index(2, Value::Decimal(Decimal::new(huge, 2)));
        assert_same(&schema, &Value::Struct(big));
        // A struct built with an equal schema in another allocation, and an unequal one.
        let twin = row_schema();
        assert_same(&schema, &Value::Struct(row(&twin, 4)));
        let other = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .build();
        let mut o = Struct::new(other);
        o.put_index(0, Value::Int32(1));
        assert_same(&schema, &Value::Struct(o));
        // The top-level null of an optional struct, and of a required one.
        assert_same(&schema, &Value::Null);
        assert_same(&schema.to_builder().required().build(), &Value::Null);
        // An empty struct.
        let empty = SchemaBuilder::struct_().build();
        assert_same(&empty, &Value::Struct(Struct::new(empty.clone())));
    }

    #[test]
    fn logical_names_on_other_types_follow_the_generic_writer() {
        let date_as_int64 = SchemaBuilder::new(SchemaType::Int64)
            .name(DATE_NAME)
            .build();
        assert_same(&date_as_int64, &Value::Int32(5));
        assert_same(&date_as_int64, &Value::Int64(5));
        let bad_scale = SchemaBuilder::new(SchemaType::Bytes)
            .name(DECIMAL_NAME)
            .parameter("scale", "x")
            .build();
        assert_same(&bad_scale, &Value::Decimal(Decimal::new(1, 0)));
        assert_same(&bad_scale, &Value::Bytes(vec![1]));
    }

    fn leaf() -> impl Strategy<Value = Schema> {
        prop_oneof![
            Just(Schema::int8()),
            Just(Schema::int16()),
            Just(Schema::int32()),
            Just(Schema::int64()),
            Just(Schema::float32()),
            Just(Schema::float64()),
            Just(Schema::boolean()),
            Just(Schema::string()),
            Just(Schema::bytes()),
            (0i32..4).prop_map(|s| logical::decimal(s).build()),
            Just(logical::date().build()),
            Just(logical::time().build()),
            Just(logical::timestamp().build()),
            Just(
                SchemaBuilder::new(SchemaType::String)
                    .default_value(Value::String("d\"ef".into()))
                    .build()
            ),
            Just(
                SchemaBuilder::new(SchemaType::Int64)
                    .name("io.debezium.time.MicroTimestamp")
                    .default_value(Value::Int64(-5))
                    .build()
            ),
        ]
    }

    fn schema() -> impl Strategy<Value = Schema> {
        let leaf = (leaf(), any::<bool>()).prop_map(|(s, optional)| {
            if optional {
                s.to_builder().optional().build()
            } else {
                s
            }
        });
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                inner
                    .clone()
                    .prop_map(|s| SchemaBuilder::array(s).optional().build()),
                (proptest::collection::vec(inner, 0..4), any::<bool>()).prop_map(
                    |(fields, opt)| {
                        let mut b = SchemaBuilder::struct_().name("p.S");
                        for (i, f) in fields.into_iter().enumerate() {
                            b = b.field(format!("f\"{i}"), f);
                        }
                        if opt {
                            b = b.optional();
                        }
                        b.build()
                    }
                ),
            ]
        })
    }

    /// Any value, matching the schema or not: nulls, each variant, structs of the schema.
    fn value(schema: &Schema) -> BoxedStrategy<Value> {
        let any_leaf = prop_oneof![
            Just(Value::Null),
            any::<i8>().prop_map(Value::Int8),
            any::<i16>().prop_map(Value::Int16),
            any::<i32>().prop_map(Value::Int32),
            any::<i64>().prop_map(Value::Int64),
            any::<f32>().prop_map(Value::Float32),
            any::<f64>().prop_map(Value::Float64),
            any::<bool>().prop_map(Value::Boolean),
            any::<String>().prop_map(Value::from),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
            (any::<i128>(), 0i32..4).prop_map(|(u, s)| Value::Decimal(Decimal::new(u, s))),
        ]
        .boxed();
        match schema.schema_type() {
            SchemaType::Struct => {
                let schema = schema.clone();
                let fields: Vec<BoxedStrategy<Value>> =
                    schema.fields().iter().map(|f| value(f.schema())).collect();
                prop_oneof![
                    1 => any_leaf,
                    4 => fields.prop_map(move |values| {
                        let mut s = Struct::new(schema.clone());
                        for (i, v) in values.into_iter().enumerate() {
                            s.put_index(i, v);
                        }
                        Value::Struct(s)
                    }),
                ]
                .boxed()
            }
            SchemaType::Array => {
                let items = value(schema.value_schema().unwrap());
                prop_oneof![
                    1 => any_leaf,
                    2 => proptest::collection::vec(items, 0..3).prop_map(Value::Array),
                ]
                .boxed()
            }
            _ => prop_oneof![1 => any_leaf, 3 => matching_leaf(schema)].boxed(),
        }
    }

    /// A value of the leaf schema's own type (Decimals with its scale).
    fn matching_leaf(schema: &Schema) -> BoxedStrategy<Value> {
        if let Ok(scale) = logical::decimal_scale(schema) {
            return prop_oneof![
                any::<i64>().prop_map(move |u| Value::Decimal(Decimal::new(u, scale))),
                any::<i128>().prop_map(move |u| Value::Decimal(Decimal::new(u, scale))),
            ]
            .boxed();
        }
        match schema.schema_type() {
            SchemaType::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
            SchemaType::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
            SchemaType::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
            SchemaType::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
            SchemaType::Float32 => any::<f32>().prop_map(Value::Float32).boxed(),
            SchemaType::Float64 => prop_oneof![
                any::<f64>(),
                (any::<i32>(), 0u32..10).prop_map(|(n, k)| f64::from(n) / 10f64.powi(k as i32)),
            ]
            .prop_map(Value::Float64)
            .boxed(),
            SchemaType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
            SchemaType::String => any::<String>().prop_map(Value::from).boxed(),
            _ => proptest::collection::vec(any::<u8>(), 0..8)
                .prop_map(Value::Bytes)
                .boxed(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn plans_write_what_the_generic_writer_writes(
            (schema, value) in schema().prop_flat_map(|s| {
                let v = value(&s);
                (Just(s), v)
            }),
        ) {
            for encoder in encoders() {
                let (planned, generic) = both(&encoder, &schema, &value);
                prop_assert_eq!(planned, generic);
            }
        }
    }
}
