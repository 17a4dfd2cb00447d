//! JsonConverter unit tests: data errors, envelope handling, decoding rules, the schema cache,
//! and serialize → deserialize round trips. Exact output bytes are covered by the golden tests
//! in `runtime/tests/converters_golden.rs`.

use proptest::prelude::*;
use strait_api::config::ConfigMap;
use strait_api::logical;
use strait_api::{
    ConnectError, Converter, Decimal, HeaderConverter, Schema, SchemaAndValue, SchemaBuilder,
    SchemaType, Struct, Value,
};

use super::config::{DecimalFormat, JsonConverterConfig};
use super::JsonConverter;
use crate::converters::converter_type::ConverterType;

fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
    let config: ConfigMap = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut c = JsonConverter::default();
    Converter::configure(&mut c, &config, false).unwrap();
    c
}

fn to_json(c: &JsonConverter, schema: Option<&Schema>, value: &Value) -> String {
    let bytes = c.from_connect_data("t", schema, value).unwrap().unwrap();
    String::from_utf8(bytes).unwrap()
}

fn from_json(c: &JsonConverter, json: &str) -> SchemaAndValue {
    c.to_connect_data("t", Some(json.as_bytes())).unwrap()
}

fn data_message(err: ConnectError) -> String {
    match err {
        ConnectError::Data { message } => message,
        other => panic!("expected a data error, got {other:?}"),
    }
}

fn address_schema() -> (Schema, Schema) {
    let address = SchemaBuilder::struct_()
        .name("Address")
        .field("street", Schema::string())
        .field("zip", Schema::int32())
        .build();
    let person = SchemaBuilder::struct_()
        .field("name", Schema::string())
        .field("address", address.clone())
        .build();
    (person, address)
}

#[test]
fn mismatched_nested_value_names_the_field_path() {
    let (person, address) = address_schema();
    let mut addr = Struct::new(address);
    addr.put("street", "Main St").unwrap();
    // Bypass Struct validation to simulate a connector bug.
    addr.put_index(1, Value::from("02134"));
    let p = Struct::new(person.clone())
        .with("name", "Ann")
        .unwrap()
        .with("address", addr)
        .unwrap();
    let err = converter(&[])
        .from_connect_data("t", Some(&person), &p.into())
        .unwrap_err();
    assert_eq!(
        data_message(err),
        "field \"address.zip\": Invalid type for INT32: String"
    );
}

#[test]
fn required_null_without_default_is_a_data_error() {
    let (person, _) = address_schema();
    let p = Struct::new(person.clone()).with("name", "Ann").unwrap();
    let err = converter(&[])
        .from_connect_data("t", Some(&person), &p.into())
        .unwrap_err();
    assert_eq!(
        data_message(err),
        "field \"address\": Conversion error: null value for field that is required and has no default value"
    );
    let err = converter(&[])
        .from_connect_data("t", Some(&Schema::int32()), &Value::Null)
        .unwrap_err();
    assert!(data_message(err).starts_with("Conversion error: null value"));
}

#[test]
fn errors_inside_arrays_and_maps_name_the_element() {
    let schema = SchemaBuilder::struct_()
        .field("tags", SchemaBuilder::array(Schema::string()).build())
        .field(
            "attrs",
            SchemaBuilder::map(Schema::string(), Schema::int64()).build(),
        )
        .build();
    let mut s = Struct::new(schema.clone());
    s.put_index(0, Value::Array(vec!["a".into(), Value::Int32(3)]));
    s.put_index(1, Value::Map(vec![]));
    let err = converter(&[])
        .from_connect_data("t", Some(&schema), &s.clone().into())
        .unwrap_err();
    assert_eq!(
        data_message(err),
        "field \"tags[1]\": Invalid type for STRING: Integer"
    );

    s.put_index(0, Value::Array(vec![]));
    s.put_index(1, Value::Map(vec![("color".into(), Value::from("red"))]));
    let err = converter(&[])
        .from_connect_data("t", Some(&schema), &s.into())
        .unwrap_err();
    assert_eq!(
        data_message(err),
        "field \"attrs[\"color\"]\": Invalid type for INT64: String"
    );
}

#[test]
fn struct_with_another_schema_is_rejected() {
    let (person, address) = address_schema();
    let a = Struct::new(address);
    let err = converter(&[])
        .from_connect_data("t", Some(&person), &a.into())
        .unwrap_err();
    assert_eq!(data_message(err), "Mismatching schema.");
}

#[test]
fn decimal_scale_must_match_in_base64_only() {
    let schema = logical::decimal(2).build();
    let value: Value = Decimal::new(15, 1).into();
    let err = converter(&[])
        .from_connect_data("t", Some(&schema), &value)
        .unwrap_err();
    assert_eq!(
        data_message(err),
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 1."
    );
    let numeric = converter(&[("decimal.format", "NUMERIC"), ("schemas.enable", "false")]);
    assert_eq!(to_json(&numeric, Some(&schema), &value), "1.5");
}

#[test]
fn schemaless_decimal_and_struct_are_rejected() {
    let c = converter(&[]);
    assert!(c
        .from_connect_data("t", None, &Decimal::new(1, 0).into())
        .unwrap_err()
        .is_data());
    let (_, address) = address_schema();
    assert!(c
        .from_connect_data("t", None, &Struct::new(address).into())
        .unwrap_err()
        .is_data());
}

#[test]
fn envelope_must_have_exactly_schema_and_payload() {
    let c = converter(&[]);
    for bad in [
        "{\"payload\":1}",
        "{\"schema\":null,\"payload\":1,\"extra\":2}",
        "[1]",
        "1",
        "",
        "{\"schema\":null,\"other\":1}",
    ] {
        let err = c.to_connect_data("t", Some(bad.as_bytes())).unwrap_err();
        assert!(
            data_message(err).starts_with("JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields."),
            "{bad:?}"
        );
    }
    let err = c.to_connect_data("t", Some(b"{oops")).unwrap_err();
    assert!(data_message(err).starts_with(
        "Converting byte[] to Kafka Connect data failed due to serialization error: "
    ));
}

#[test]
fn null_and_empty_input() {
    let c = converter(&[]);
    assert_eq!(
        c.to_connect_data("t", None).unwrap(),
        SchemaAndValue::null()
    );
    assert_eq!(
        from_json(&c, "{ \"schema\": null, \"payload\": null }"),
        SchemaAndValue::null()
    );
    let plain = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        plain.to_connect_data("t", Some(b"")).unwrap(),
        SchemaAndValue::null()
    );
    assert_eq!(
        from_json(&plain, "true"),
        SchemaAndValue::new(None, true.into())
    );
}

#[test]
fn schemaless_decoding_widens_numbers() {
    let c = converter(&[]);
    let sv = from_json(
        &c,
        r#"{ "schema": null, "payload": { "a": 12, "b": 12.24, "c": [1, "2", 3], "d": null, "e": "" } }"#,
    );
    assert_eq!(sv.schema, None);
    assert_eq!(
        sv.value,
        Value::Map(vec![
            ("a".into(), Value::Int64(12)),
            ("b".into(), Value::Float64(12.24)),
            (
                "c".into(),
                Value::Array(vec![Value::Int64(1), "2".into(), Value::Int64(3)])
            ),
            ("d".into(), Value::Null),
            ("e".into(), "".into()),
        ])
    );
}

#[test]
fn decodes_kafka_test_messages() {
    let c = converter(&[]);
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"int8\" }, \"payload\": 0012 }",
    );
    assert_eq!(
        sv,
        SchemaAndValue::new(Some(Schema::int8()), Value::Int8(12))
    );
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"boolean\", \"optional\": false, \"name\": \"bool\", \"version\": 2, \"doc\": \"the documentation\", \"parameters\": { \"foo\": \"bar\" }}, \"payload\": true }",
    );
    let want = SchemaBuilder::new(SchemaType::Boolean)
        .name("bool")
        .version(2)
        .doc("the documentation")
        .parameter("foo", "bar")
        .build();
    assert_eq!(sv, SchemaAndValue::new(Some(want), true.into()));
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"2\" } }, \"payload\": \"AJw=\" }",
    );
    assert_eq!(sv.schema, Some(logical::decimal(2).build()));
    assert_eq!(sv.value, Decimal::new(156, 2).into());
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"17\" } }, \"payload\": 1.23456789123456789 }",
    );
    assert_eq!(
        sv.value,
        Value::Decimal("1.23456789123456789".parse().unwrap())
    );
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"map\", \"keys\": { \"type\" : \"int32\" }, \"values\": { \"type\" : \"int32\" } }, \"payload\": [ [1, 12], [2, 15] ] }",
    );
    assert_eq!(
        sv.value,
        Value::Map(vec![
            (Value::Int32(1), Value::Int32(12)),
            (Value::Int32(2), Value::Int32(15)),
        ])
    );
    let sv = from_json(
        &c,
        "{ \"schema\": { \"type\": \"struct\", \"fields\": [{ \"field\":\"optional\", \"type\": \"string\", \"optional\": true }, {  \"field\": \"required\", \"type\": \"string\" }] }, \"payload\": { \"required\": \"required\" } }",
    );
    let schema = SchemaBuilder::struct_()
        .field("optional", Schema::optional_string())
        .field("required", Schema::string())
        .build();
    let want = Struct::new(schema.clone())
        .with("required", "required")
        .unwrap();
    assert_eq!(sv, SchemaAndValue::new(Some(schema), want.into()));
}

#[test]
fn decoding_errors_name_the_field() {
    let c = converter(&[]);
    let json = r#"{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"zip"}],"optional":false,"field":"address"}],"optional":false},"payload":{"address":{"zip":"x"}}}"#;
    let err = c.to_connect_data("t", Some(json.as_bytes())).unwrap_err();
    assert_eq!(
        data_message(err),
        "field \"address.zip\": Expected INT32 but found STRING"
    );
    let json = r#"{"schema":{"type":"int8"},"payload":300}"#;
    let err = c.to_connect_data("t", Some(json.as_bytes())).unwrap_err();
    assert!(data_message(err).contains("range of INT8"));
    let json = r#"{"schema":{"type":"int32"},"payload":null}"#;
    let err = c.to_connect_data("t", Some(json.as_bytes())).unwrap_err();
    assert_eq!(
        data_message(err),
        "Invalid null value for required INT32 field"
    );
}

#[test]
fn schema_json_errors_use_kafka_messages() {
    let c = converter(&[]);
    for (schema, want) in [
        (r#"{}"#, "Schema must contain 'type' field"),
        (r#"{"type":"nope"}"#, "Unknown schema type: nope"),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"int8"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"struct"}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8"}]}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"type":"int8","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
    ] {
        let json = format!("{{\"schema\":{schema},\"payload\":null}}");
        let err = c.to_connect_data("t", Some(json.as_bytes())).unwrap_err();
        assert_eq!(data_message(err), want, "{schema}");
    }
}

#[test]
fn null_with_default_follows_replace_null_with_default() {
    let schema = SchemaBuilder::new(SchemaType::String)
        .optional()
        .default_value("default".into())
        .build();
    let json = r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#;
    let replace = converter(&[]);
    assert_eq!(from_json(&replace, json).value, Value::from("default"));
    let keep = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(from_json(&keep, json).value, Value::Null);
    assert_eq!(from_json(&keep, json).schema, Some(schema));
}

#[test]
fn schema_cache_renders_once_per_schema() {
    let c = converter(&[("schemas.cache.size", "10")]);
    let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
    let v: Value = Struct::new(schema.clone()).with("a", 1i32).unwrap().into();
    let first = to_json(&c, Some(&schema), &v);
    assert_eq!(c.cached_schemas(), 1);
    let second = to_json(&c, Some(&schema), &v);
    assert_eq!(first, second);
    assert_eq!(c.cached_schemas(), 1);
    to_json(&c, Some(&Schema::optional_boolean()), &Value::Null);
    assert_eq!(c.cached_schemas(), 2);
}

#[test]
fn header_converter_is_the_same_format() {
    let mut c = JsonConverter::default();
    HeaderConverter::configure(&mut c, &ConfigMap::new()).unwrap();
    assert_eq!(c.config().converter_type, ConverterType::Header);
    let bytes = c
        .from_connect_header("t", "h", Some(&Schema::string()), &"test-string".into())
        .unwrap()
        .unwrap();
    assert_eq!(
        bytes,
        br#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#
    );
    let back = c.to_connect_header("t", "h", Some(&bytes)).unwrap();
    assert_eq!(back.value, Value::from("test-string"));
}

#[test]
fn configure_rejects_bad_values() {
    let mut c = JsonConverter::default();
    let bad: ConfigMap = [("decimal.format".to_string(), "HEX".to_string())].into();
    assert!(matches!(
        Converter::configure(&mut c, &bad, true),
        Err(ConnectError::Config { .. })
    ));
    assert_eq!(
        JsonConverter::with_config(JsonConverterConfig {
            decimal_format: DecimalFormat::Numeric,
            ..JsonConverterConfig::default()
        })
        .decimal_format(),
        DecimalFormat::Numeric
    );
}

// ---- round trips ----

fn primitive_schema() -> impl Strategy<Value = Schema> {
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
        (0i32..6).prop_map(|s| logical::decimal(s).build()),
        Just(logical::date().build()),
        Just(logical::time().build()),
        Just(logical::timestamp().build()),
    ]
}

fn optionalize(schema: Schema, optional: bool) -> Schema {
    if optional {
        schema.to_builder().optional().build()
    } else {
        schema
    }
}

fn schema_strategy() -> impl Strategy<Value = Schema> {
    let leaf = (primitive_schema(), any::<bool>()).prop_map(|(s, o)| optionalize(s, o));
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|s| SchemaBuilder::array(s).build()),
            (inner.clone(), any::<bool>()).prop_map(|(v, string_keys)| {
                let keys = if string_keys {
                    Schema::string()
                } else {
                    Schema::int32()
                };
                SchemaBuilder::map(keys, v).build()
            }),
            (proptest::collection::vec(inner, 1..4), any::<bool>()).prop_map(|(fields, opt)| {
                let mut b = SchemaBuilder::struct_().name("rt.Struct").version(3);
                for (i, f) in fields.into_iter().enumerate() {
                    b = b.field(format!("f{i}"), f);
                }
                optionalize(b.build(), opt)
            }),
        ]
    })
}

fn value_for(schema: &Schema) -> BoxedStrategy<Value> {
    let nullable = schema.is_optional();
    let base: BoxedStrategy<Value> = match (schema.name(), schema.schema_type()) {
        (Some(logical::DECIMAL_NAME), _) => {
            let scale = logical::decimal_scale(schema).unwrap();
            any::<i64>()
                .prop_map(move |u| Value::Decimal(Decimal::new(u, scale)))
                .boxed()
        }
        (_, SchemaType::Int8) => any::<i8>().prop_map(Value::Int8).boxed(),
        (_, SchemaType::Int16) => any::<i16>().prop_map(Value::Int16).boxed(),
        (_, SchemaType::Int32) => any::<i32>().prop_map(Value::Int32).boxed(),
        (_, SchemaType::Int64) => any::<i64>().prop_map(Value::Int64).boxed(),
        (_, SchemaType::Float32) => any::<f32>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(Value::Float32)
            .boxed(),
        (_, SchemaType::Float64) => any::<f64>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(Value::Float64)
            .boxed(),
        (_, SchemaType::Boolean) => any::<bool>().prop_map(Value::Boolean).boxed(),
        (_, SchemaType::String) => any::<String>().prop_map(Value::from).boxed(),
        (_, SchemaType::Bytes) => proptest::collection::vec(any::<u8>(), 0..16)
            .prop_map(Value::Bytes)
            .boxed(),
        (_, SchemaType::Array) => {
            proptest::collection::vec(value_for(schema.value_schema().unwrap()), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        (_, SchemaType::Map) => {
            let keys = value_for(&schema.key_schema().unwrap().to_builder().required().build());
            proptest::collection::vec((keys, value_for(schema.value_schema().unwrap())), 0..4)
                .prop_map(|entries| {
                    // Keys are unique in a Connect map.
                    let mut unique: Vec<(Value, Value)> = Vec::new();
                    for (k, v) in entries {
                        if !unique.iter().any(|(e, _)| *e == k) {
                            unique.push((k, v));
                        }
                    }
                    Value::Map(unique)
                })
                .boxed()
        }
        (_, SchemaType::Struct) => {
            let schema = schema.clone();
            let fields: Vec<BoxedStrategy<Value>> = schema
                .fields()
                .iter()
                .map(|f| value_for(f.schema()))
                .collect();
            fields
                .prop_map(move |values| {
                    let mut s = Struct::new(schema.clone());
                    for (i, v) in values.into_iter().enumerate() {
                        s.put_index(i, v);
                    }
                    Value::Struct(s)
                })
                .boxed()
        }
    };
    if nullable {
        prop_oneof![1 => Just(Value::Null), 4 => base].boxed()
    } else {
        base
    }
}

fn schema_and_value() -> impl Strategy<Value = (Schema, Value)> {
    schema_strategy().prop_flat_map(|s| {
        let v = value_for(&s);
        (Just(s), v)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn serialize_then_deserialize_gives_back_schema_and_value(
        (schema, value) in schema_and_value(),
        numeric in any::<bool>(),
    ) {
        let format = if numeric { "NUMERIC" } else { "BASE64" };
        let c = converter(&[("decimal.format", format)]);
        let bytes = c.from_connect_data("t", Some(&schema), &value).unwrap().unwrap();
        let back = c.to_connect_data("t", Some(&bytes)).unwrap();
        prop_assert_eq!(back.schema.as_ref(), Some(&schema));
        prop_assert_eq!(back.value, value);
    }

    #[test]
    fn schemaless_round_trip(value in schemaless_value()) {
        let c = converter(&[("schemas.enable", "false")]);
        // A top-level null is a tombstone (no bytes), which also reads back as null.
        let bytes = c.from_connect_data("t", None, &value).unwrap();
        let back = c.to_connect_data("t", bytes.as_deref()).unwrap();
        prop_assert_eq!(back, SchemaAndValue::new(None, value));
    }
}

fn schemaless_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Int64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float64),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{0,4}", inner, 0..4).prop_map(|m| {
                Value::Map(
                    m.into_iter()
                        .map(|(k, v)| (Value::String(k.into()), v))
                        .collect(),
                )
            }),
        ]
    })
}

#[test]
fn serialize_into_appends_to_a_reused_buffer() {
    let c = converter(&[("schemas.enable", "false")]);
    let mut buf = b"prefix:".to_vec();
    assert!(c
        .serialize_into(&mut buf, Some(&Schema::int32()), &Value::Int32(7))
        .unwrap());
    assert_eq!(buf, b"prefix:7");
    buf.clear();
    assert!(!c.serialize_into(&mut buf, None, &Value::Null).unwrap());
    assert!(buf.is_empty());
}
