//! Golden tests: the exact bytes Kafka's JsonConverter writes, one file per case in
//! `tests/golden/json/<case>.json`.
//!
//! The expected files were written by hand from Kafka's documented format (`JsonConverter.java`,
//! `JsonSchema.java`, the input/output pairs in `JsonConverterTest.java`) and Java's
//! `Float.toString`/`Double.toString`/`BigDecimal.toString` rules — not captured from this
//! serializer. A file with no content means "null record" (a tombstone). Every case whose
//! output reads back unchanged is also decoded and compared with its input.

use std::path::PathBuf;

use strait_api::config::ConfigMap;
use strait_api::logical;
use strait_api::{Converter, Decimal, Schema, SchemaBuilder, SchemaType, Struct, Value};
use strait_runtime::converters::JsonConverter;

/// One golden case: converter settings, input, and whether decoding gives the input back.
struct Case {
    name: &'static str,
    config: &'static [(&'static str, &'static str)],
    schema: Option<Schema>,
    value: Value,
    round_trips: bool,
}

fn case(name: &'static str, schema: Option<Schema>, value: impl Into<Value>) -> Case {
    Case {
        name,
        config: &[],
        schema,
        value: value.into(),
        round_trips: true,
    }
}

impl Case {
    fn config(mut self, config: &'static [(&'static str, &'static str)]) -> Self {
        self.config = config;
        self
    }
    fn one_way(mut self) -> Self {
        self.round_trips = false;
        self
    }
}

const NO_SCHEMAS: &[(&str, &str)] = &[("schemas.enable", "false")];
const NUMERIC: &[(&str, &str)] = &[("decimal.format", "NUMERIC")];
const NO_REPLACE: &[(&str, &str)] = &[("replace.null.with.default", "false")];

fn dec(s: &str) -> Value {
    Value::Decimal(s.parse::<Decimal>().expect("test decimal"))
}

fn array(items: Schema) -> Schema {
    SchemaBuilder::array(items).build()
}

fn optional_string_with_default() -> Schema {
    SchemaBuilder::new(SchemaType::String)
        .optional()
        .default_value("default".into())
        .build()
}

fn user() -> (Schema, Value) {
    let schema = SchemaBuilder::struct_()
        .name("com.example.User")
        .version(1)
        .field("id", Schema::int32())
        .field("name", Schema::optional_string())
        .build();
    let value = Struct::new(schema.clone()).with("id", 1i32).expect("id");
    (schema, value.into())
}

fn order() -> (Schema, Value) {
    let customer = SchemaBuilder::struct_()
        .name("com.example.Customer")
        .field("name", Schema::string())
        .field("email", Schema::optional_string())
        .build();
    let line = SchemaBuilder::struct_()
        .name("com.example.Line")
        .field("sku", Schema::string())
        .field("qty", Schema::int16())
        .field("price", logical::decimal(2).build())
        .build();
    let tags = SchemaBuilder::map(Schema::string(), array(Schema::string()))
        .optional()
        .build();
    let schema = SchemaBuilder::struct_()
        .name("com.example.Order")
        .version(2)
        .doc("An order")
        .field("id", Schema::int64())
        .field("customer", customer.clone())
        .field("lines", array(line.clone()))
        .field("tags", tags)
        .field("placed", logical::timestamp().optional().build())
        .build();
    let line = |sku: &str, qty: i16, price: &str| -> Value {
        Struct::new(line.clone())
            .with("sku", sku)
            .and_then(|s| s.with("qty", qty))
            .and_then(|s| s.with("price", dec(price)))
            .expect("line")
            .into()
    };
    let value = Struct::new(schema.clone())
        .with("id", 1001i64)
        .and_then(|s| {
            s.with(
                "customer",
                Struct::new(customer).with("name", "Ann").expect("customer"),
            )
        })
        .and_then(|s| {
            s.with(
                "lines",
                Value::Array(vec![line("A-1", 2, "9.99"), line("B-2", 1, "0.50")]),
            )
        })
        .and_then(|s| {
            s.with(
                "tags",
                Value::Map(vec![
                    ("gift".into(), Value::Array(vec!["yes".into()])),
                    ("rush".into(), Value::Array(vec![])),
                ]),
            )
        })
        .expect("order");
    (schema, value.into())
}

fn cases() -> Vec<Case> {
    let decimal2 = logical::decimal(2).build();
    let decimal4 = logical::decimal(4).build();
    let (user_schema, user_value) = user();
    let (order_schema, order_value) = order();
    let field_default = SchemaBuilder::struct_()
        .field("field1", optional_string_with_default())
        .build();
    let numeric_struct = SchemaBuilder::struct_()
        .field("neg", logical::decimal(2).build())
        .field("thousands", logical::decimal(-3).build())
        .field("tiny", logical::decimal(7).build())
        .build();
    let numeric_value = Struct::new(numeric_struct.clone())
        .with("neg", dec("-0.50"))
        .and_then(|s| s.with("thousands", Value::Decimal(Decimal::new(1, -3))))
        .and_then(|s| s.with("tiny", dec("0.0000001")))
        .expect("numeric struct");
    vec![
        case("int8", Some(Schema::int8()), 12i8),
        case("int16", Some(Schema::int16()), -300i16),
        case("int32", Some(Schema::int32()), i32::MAX),
        case(
            "int64_extremes",
            Some(array(Schema::int64())),
            Value::Array(vec![
                i64::MAX.into(),
                i64::MIN.into(),
                4_398_046_511_104i64.into(),
            ]),
        ),
        case(
            "float32_values",
            Some(array(Schema::float32())),
            Value::Array(
                [
                    0.1f32,
                    12.34,
                    1.0e10,
                    1.0e-5,
                    f32::MAX,
                    -2.5,
                    16_777_216.0,
                    1.0,
                ]
                .map(Value::Float32)
                .to_vec(),
            ),
        ),
        case(
            "float64_values",
            Some(array(Schema::float64())),
            Value::Array(
                [
                    1.0e10,
                    1.0e-5,
                    -0.0,
                    0.0,
                    1.0,
                    12.34,
                    1.0e7,
                    9_999_999.0,
                    0.001,
                    1.0e-4,
                    0.1 + 0.2,
                    4.9e-324,
                    f64::MAX,
                ]
                .map(Value::Float64)
                .to_vec(),
            ),
        ),
        case(
            "float_non_finite_schemaless",
            Some(array(Schema::float64())),
            Value::Array(
                [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]
                    .map(Value::Float64)
                    .to_vec(),
            ),
        )
        .config(NO_SCHEMAS)
        .one_way(),
        case("boolean", Some(Schema::boolean()), true),
        case(
            "string_escapes",
            Some(Schema::string()),
            "tab\tquote\"back\\slash/nl\ncr\rbs\u{8}ff\u{c}ctl\u{1}\u{1f} del\u{7f} é☃😀",
        ),
        case("bytes", Some(Schema::bytes()), b"test-string".to_vec()),
        case(
            "array_int32",
            Some(array(Schema::int32())),
            Value::Array(vec![1i32.into(), 2i32.into(), 3i32.into()]),
        ),
        case(
            "map_string_keys",
            Some(SchemaBuilder::map(Schema::string(), Schema::int32()).build()),
            Value::Map(vec![
                ("key1".into(), 12i32.into()),
                ("key2".into(), 15i32.into()),
            ]),
        ),
        case(
            "map_int_keys",
            Some(SchemaBuilder::map(Schema::int32(), Schema::int32()).build()),
            Value::Map(vec![
                (1i32.into(), 12i32.into()),
                (2i32.into(), 15i32.into()),
            ]),
        ),
        case(
            "struct_named",
            Some(user_schema.clone()),
            user_value.clone(),
        ),
        case("struct_schemas_disabled", Some(user_schema), user_value)
            .config(NO_SCHEMAS)
            .one_way(),
        case("struct_nested", Some(order_schema), order_value),
        case(
            "optional_null",
            Some(Schema::optional_string()),
            Value::Null,
        ),
        case(
            "optional_null_schemas_disabled",
            Some(Schema::optional_string()),
            Value::Null,
        )
        .config(NO_SCHEMAS)
        .one_way(),
        case("tombstone", None, Value::Null),
        case(
            "null_to_default",
            Some(optional_string_with_default()),
            Value::Null,
        )
        .one_way(),
        case(
            "null_kept_without_replace",
            Some(optional_string_with_default()),
            Value::Null,
        )
        .config(NO_REPLACE),
        case(
            "field_null_to_default",
            Some(field_default.clone()),
            Struct::new(field_default.clone()),
        )
        .one_way(),
        case(
            "field_null_kept_without_replace",
            Some(field_default.clone()),
            Struct::new(field_default),
        )
        .config(NO_REPLACE),
        case("decimal_base64", Some(decimal2.clone()), dec("1.56")),
        case(
            "decimal_base64_negative",
            Some(decimal4.clone()),
            dec("-10.2345"),
        ),
        case(
            "decimal_base64_zero_and_minus_cent",
            Some(array(decimal2.clone())),
            Value::Array(vec![dec("0.00"), dec("-0.01"), dec("-0.50")]),
        ),
        case(
            "decimal_numeric_trailing_zeros",
            Some(decimal4),
            dec("1.5600"),
        )
        .config(NUMERIC),
        case(
            "decimal_numeric_negative_and_exponent",
            Some(numeric_struct),
            numeric_value,
        )
        .config(NUMERIC),
        case(
            "decimal_default_in_schema",
            Some(
                logical::decimal(2)
                    .parameter("connect.decimal.precision", "5")
                    .optional()
                    .default_value(dec("1.56"))
                    .build(),
            ),
            dec("-0.01"),
        ),
        case("date", Some(logical::date().build()), Value::Int32(10_000)),
        case(
            "time",
            Some(logical::time().build()),
            Value::Int32(14_400_000),
        ),
        case(
            "timestamp",
            Some(logical::timestamp().build()),
            Value::Int64(4_000_000_000),
        ),
        case(
            "named_versioned_doc_params",
            Some(
                SchemaBuilder::new(SchemaType::Boolean)
                    .name("bool")
                    .version(3)
                    .doc("the documentation")
                    .parameter("foo", "bar")
                    .parameter("a.b", "c\"d")
                    .build(),
            ),
            true,
        ),
        case(
            "schemaless_map",
            None,
            Value::Map(vec![
                ("key1".into(), 12i32.into()),
                ("key2".into(), "string".into()),
                ("key3".into(), true.into()),
            ]),
        )
        .one_way(),
        case(
            "schemaless_map_non_string_keys",
            None,
            Value::Map(vec![
                ("string".into(), 12i32.into()),
                (52i32.into(), "string".into()),
                (false.into(), true.into()),
            ]),
        )
        .one_way(),
        case(
            "schemaless_array_schemas_disabled",
            None,
            Value::Array(vec![
                1i32.into(),
                "string".into(),
                true.into(),
                Value::Null,
                1.5f64.into(),
                Value::Bytes(vec![1, 2]),
            ]),
        )
        .config(NO_SCHEMAS)
        .one_way(),
    ]
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/json")
}

fn converter(config: &[(&str, &str)]) -> JsonConverter {
    let map: ConfigMap = config
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut c = JsonConverter::default();
    Converter::configure(&mut c, &map, false).expect("valid config");
    c
}

#[test]
fn json_converter_writes_kafkas_exact_bytes() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for case in &cases {
        let path = golden_dir().join(format!("{}.json", case.name));
        let expected = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("missing golden file {}: {e}", path.display()));
        let c = converter(case.config);
        let actual = c
            .from_connect_data("topic", case.schema.as_ref(), &case.value)
            .unwrap_or_else(|e| panic!("case {}: {e}", case.name));
        let actual = actual.unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "case {}:\n  expected {}\n  actual   {}",
                case.name,
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tombstone_is_a_null_record() {
    let c = converter(&[]);
    assert_eq!(
        c.from_connect_data("t", None, &Value::Null).expect("ok"),
        None
    );
    let plain = converter(NO_SCHEMAS);
    assert_eq!(
        plain
            .from_connect_data("t", None, &Value::Null)
            .expect("ok"),
        None
    );
}

#[test]
fn golden_bytes_read_back_as_their_input() {
    for case in cases().iter().filter(|c| c.round_trips) {
        let path = golden_dir().join(format!("{}.json", case.name));
        let bytes = std::fs::read(&path).expect("golden file");
        let c = converter(case.config);
        let input = (!bytes.is_empty()).then_some(bytes.as_slice());
        let back = c
            .to_connect_data("topic", input)
            .unwrap_or_else(|e| panic!("case {}: {e}", case.name));
        assert_eq!(back.schema, case.schema, "case {} schema", case.name);
        assert_eq!(back.value, case.value, "case {} value", case.name);
    }
}

#[test]
fn every_golden_file_has_a_case() {
    let names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    for entry in std::fs::read_dir(golden_dir()).expect("golden dir") {
        let file = entry.expect("entry").file_name();
        let file = file.to_string_lossy();
        let stem = file.trim_end_matches(".json");
        assert!(names.contains(&stem), "golden file {file} has no case");
    }
}
