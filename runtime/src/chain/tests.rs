//! Chain tests against the real built-in SMTs and predicates of `strait-smt`.

use strait_api::{
    ConfigDef, ConfigMap, ConnectError, PluginDesc, PluginFactory, PluginRegistry, Result, Schema,
    SourceRecord, Transformation, Value,
};

use super::{validate, TransformationChain};

/// A transform that always fails, to see how the chain reports a transform's error.
struct Failing;

impl Transformation for Failing {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }
    fn apply(&mut self, _record: SourceRecord) -> Result<Option<SourceRecord>> {
        Err(ConnectError::data("cannot transform"))
    }
}

fn registry() -> PluginRegistry {
    let mut registry = PluginRegistry::new();
    registry
        .add(strait_smt::filter::plugin())
        .add(strait_smt::regex_router::plugin())
        .add(strait_smt::predicates::topic_name_matches::plugin())
        .add(strait_smt::predicates::record_is_tombstone::plugin())
        .add(PluginDesc {
            class: "test.Failing",
            aliases: &[],
            version: "0",
            factory: PluginFactory::Transformation(|| Box::new(Failing)),
        });
    registry
}

fn map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn chain(pairs: &[(&str, &str)]) -> TransformationChain {
    TransformationChain::from_config(&map(pairs), &registry()).unwrap()
}

fn build_error(pairs: &[(&str, &str)]) -> (String, String) {
    match TransformationChain::from_config(&map(pairs), &registry()) {
        Err(ConnectError::Config { key, message }) => (key, message),
        Err(other) => panic!("expected a config error, got {other:?}"),
        Ok(chain) => panic!("expected a config error, got {chain:?}"),
    }
}

fn record(topic: &str) -> SourceRecord {
    SourceRecord::new(
        Default::default(),
        Default::default(),
        topic,
        Some(Schema::string()),
        Value::String("v".into()),
    )
}

fn tombstone(topic: &str) -> SourceRecord {
    SourceRecord::new(
        Default::default(),
        Default::default(),
        topic,
        None,
        Value::Null,
    )
}

/// The topic after the chain, or `None` when the record was dropped.
fn topic_after(chain: &mut TransformationChain, record: SourceRecord) -> Option<String> {
    chain.apply(record).unwrap().map(|r| r.topic)
}

const SUFFIX_A: [(&str, &str); 3] = [
    ("transforms.a.type", "RegexRouter"),
    ("transforms.a.regex", "(.*)"),
    ("transforms.a.replacement", "$1-a"),
];
const SUFFIX_B: [(&str, &str); 3] = [
    (
        "transforms.b.type",
        "org.apache.kafka.connect.transforms.RegexRouter",
    ),
    ("transforms.b.regex", "(.*)"),
    ("transforms.b.replacement", "$1-b"),
];

#[test]
fn no_transforms_passes_records_through() {
    let mut chain = chain(&[]);
    assert!(chain.is_empty());
    let r = record("t");
    assert_eq!(chain.apply(r.clone()).unwrap(), Some(r));
}

#[test]
fn transforms_apply_in_listed_order() {
    let both: Vec<(&str, &str)> = SUFFIX_A.iter().chain(&SUFFIX_B).copied().collect();
    let mut ab = chain(&[both.as_slice(), &[("transforms", "a,b")]].concat());
    assert_eq!(ab.aliases().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(topic_after(&mut ab, record("t")).as_deref(), Some("t-a-b"));
    let mut ba = chain(&[both.as_slice(), &[("transforms", " b , a ")]].concat());
    assert_eq!(topic_after(&mut ba, record("t")).as_deref(), Some("t-b-a"));
}

#[test]
fn predicate_decides_and_negate_inverts() {
    let base = [
        ("transforms", "dropFoo"),
        ("transforms.dropFoo.type", "Filter"),
        ("transforms.dropFoo.predicate", "isFoo"),
        ("predicates", "isFoo"),
        ("predicates.isFoo.type", "TopicNameMatches"),
        ("predicates.isFoo.pattern", "foo.*"),
    ];
    let mut plain = chain(&base);
    assert_eq!(topic_after(&mut plain, record("foo1")), None);
    assert_eq!(
        topic_after(&mut plain, record("bar")).as_deref(),
        Some("bar")
    );

    let mut negated = chain(&[&base[..], &[("transforms.dropFoo.negate", "true")]].concat());
    assert_eq!(
        topic_after(&mut negated, record("foo1")).as_deref(),
        Some("foo1")
    );
    assert_eq!(topic_after(&mut negated, record("bar")), None);

    let mut not_negated = chain(&[&base[..], &[("transforms.dropFoo.negate", "false")]].concat());
    assert_eq!(topic_after(&mut not_negated, record("foo1")), None);
}

#[test]
fn a_dropped_record_skips_the_rest_of_the_chain() {
    let mut chain = chain(
        &[
            &SUFFIX_A[..],
            &[
                ("transforms", "dropTombstones,a"),
                ("transforms.dropTombstones.type", "filter"),
                ("transforms.dropTombstones.predicate", "tomb"),
                ("predicates", "tomb"),
                ("predicates.tomb.type", "RecordIsTombstone"),
            ],
        ]
        .concat(),
    );
    assert_eq!(topic_after(&mut chain, tombstone("t")), None);
    assert_eq!(topic_after(&mut chain, record("t")).as_deref(), Some("t-a"));
}

#[test]
fn one_predicate_serves_several_transforms() {
    let mut chain = chain(
        &[
            &SUFFIX_A[..],
            &SUFFIX_B[..],
            &[
                ("transforms", "a,b"),
                ("transforms.a.predicate", "isT"),
                ("transforms.b.predicate", "isT"),
                ("transforms.b.negate", "true"),
                ("predicates", "isT"),
                ("predicates.isT.type", "TopicNameMatches"),
                ("predicates.isT.pattern", "t"),
            ],
        ]
        .concat(),
    );
    // a applies to "t"; b then sees "t-a", which is not "t", and its negated predicate holds.
    assert_eq!(
        topic_after(&mut chain, record("t")).as_deref(),
        Some("t-a-b")
    );
    assert_eq!(topic_after(&mut chain, record("u")).as_deref(), Some("u-b"));
}

#[test]
fn a_transform_error_names_the_transform() {
    let mut chain = chain(&[
        ("transforms", "boom"),
        ("transforms.boom.type", "test.Failing"),
    ]);
    let err = chain.apply(record("t")).unwrap_err();
    assert!(err.is_data(), "the error keeps its kind: {err:?}");
    assert_eq!(
        err.to_string(),
        "transformation boom (test.Failing): cannot transform"
    );
}

#[test]
fn unknown_type_is_kafkas_class_not_found() {
    assert_eq!(
        build_error(&[
            ("transforms", "x"),
            ("transforms.x.type", "com.example.Nope")
        ]),
        (
            "transforms.x.type".to_string(),
            "Invalid value com.example.Nope for configuration transforms.x.type: Class \
             com.example.Nope could not be found."
                .to_string()
        )
    );
}

#[test]
fn missing_type_is_a_missing_required_configuration() {
    assert_eq!(
        build_error(&[("transforms", "x")]),
        (
            "transforms.x.type".to_string(),
            "Missing required configuration \"transforms.x.type\" which has no default value."
                .to_string()
        )
    );
}

#[test]
fn a_predicate_class_is_not_a_transformation() {
    assert_eq!(
        build_error(&[
            ("transforms", "x"),
            ("transforms.x.type", "TopicNameMatches")
        ]),
        (
            "transforms.x.type".to_string(),
            "Class class org.apache.kafka.connect.transforms.predicates.TopicNameMatches does not \
             implement the Transformation interface"
                .to_string()
        )
    );
}

#[test]
fn negate_without_predicate_is_rejected() {
    assert_eq!(
        build_error(&[
            ("transforms", "x"),
            ("transforms.x.type", "Filter"),
            ("transforms.x.negate", "true"),
        ]),
        (
            "transforms.x.type".to_string(),
            "Config 'transforms.x.negate' was provided but there is no config \
             'transforms.x.predicate' defining a predicate to be negated."
                .to_string()
        )
    );
}

#[test]
fn predicate_alias_must_be_listed_in_predicates() {
    let (key, message) = build_error(&[
        ("transforms", "x"),
        ("transforms.x.type", "Filter"),
        ("transforms.x.predicate", "p"),
        ("predicates.p.type", "RecordIsTombstone"),
    ]);
    assert_eq!(key, "transforms.x.predicate");
    assert!(
        message.starts_with("Invalid value p for configuration transforms.x.predicate: "),
        "{message}"
    );
    assert!(message.contains("'predicates'"), "{message}");
}

#[test]
fn duplicate_aliases_are_rejected() {
    assert_eq!(
        build_error(&[
            ("transforms", "a,b,a"),
            ("transforms.a.type", "Filter"),
            ("transforms.b.type", "Filter"),
        ]),
        (
            "transforms".to_string(),
            "Invalid value [a, b, a] for configuration transforms: Duplicate alias provided."
                .to_string()
        )
    );
    assert_eq!(
        build_error(&[
            ("predicates", "p,p"),
            ("predicates.p.type", "RecordIsTombstone"),
        ])
        .0,
        "predicates"
    );
}

#[test]
fn a_transforms_own_key_errors_carry_its_prefix() {
    let route = |extra: &[(&'static str, &'static str)]| {
        build_error(
            &[
                &[
                    ("transforms", "route"),
                    ("transforms.route.type", "RegexRouter"),
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    assert_eq!(
        route(&[("transforms.route.replacement", "x")]),
        (
            "transforms.route.regex".to_string(),
            "Missing required configuration \"transforms.route.regex\" which has no default \
             value."
                .to_string()
        )
    );
    // Validator messages name the plain key, as Kafka's embedded validators do.
    let (key, message) = route(&[
        ("transforms.route.regex", "("),
        ("transforms.route.replacement", "x"),
    ]);
    assert_eq!(key, "transforms.route.regex");
    assert!(
        message.starts_with("Invalid value ( for configuration regex: Invalid regex: "),
        "{message}"
    );
    // A cross-field error found by `configure` lands on the key it names.
    assert_eq!(
        route(&[
            ("transforms.route.regex", "(a)"),
            ("transforms.route.replacement", "$2"),
        ]),
        (
            "transforms.route.replacement".to_string(),
            "Invalid value $2 for configuration replacement: No group 2".to_string()
        )
    );
    // The implicit negate key is typed.
    assert_eq!(
        route(&[
            ("transforms.route.regex", "a"),
            ("transforms.route.replacement", "b"),
            ("transforms.route.predicate", "p"),
            ("transforms.route.negate", "maybe"),
            ("predicates", "p"),
            ("predicates.p.type", "RecordIsTombstone"),
        ]),
        (
            "transforms.route.negate".to_string(),
            "Invalid value maybe for configuration transforms.route.negate: Expected value to be \
             either true or false"
                .to_string()
        )
    );
}

#[test]
fn a_predicates_own_key_errors_carry_its_prefix() {
    assert_eq!(
        build_error(&[
            ("predicates", "p"),
            ("predicates.p.type", "TopicNameMatches"),
        ]),
        (
            "predicates.p.pattern".to_string(),
            "Missing required configuration \"predicates.p.pattern\" which has no default value."
                .to_string()
        )
    );
}

#[test]
fn validate_reports_every_key_with_kafkas_groups_and_order() {
    let config = map(&[
        ("transforms", "route,bad"),
        ("transforms.route.type", "regex-router"),
        ("transforms.route.regex", "t(.*)"),
        ("transforms.route.replacement", "$1"),
        ("transforms.route.predicate", "p"),
        ("transforms.bad.type", "Nope"),
        ("transforms.bad.negate", "true"),
        ("predicates", "p"),
        ("predicates.p.type", "TopicNameMatches"),
    ]);
    let report = validate(&config, &registry());
    let keys: Vec<(&str, Option<&str>, i32)> = report
        .def()
        .keys()
        .iter()
        .map(|k| (k.name.as_str(), k.group.as_deref(), k.order_in_group))
        .collect();
    assert_eq!(
        keys,
        [
            ("transforms.route.type", Some("Transforms: route"), 0),
            ("transforms.route.regex", Some("Transforms: route"), 1),
            ("transforms.route.replacement", Some("Transforms: route"), 2),
            ("transforms.route.negate", Some("Transforms: route"), 3),
            ("transforms.route.predicate", Some("Transforms: route"), 4),
            ("transforms.bad.type", Some("Transforms: bad"), 0),
            ("predicates.p.type", Some("Predicates: p"), 0),
            ("predicates.p.pattern", Some("Predicates: p"), 1),
        ]
    );
    assert_eq!(
        report.def().groups(),
        ["Transforms: route", "Transforms: bad", "Predicates: p"]
    );
    let type_key = report.def().key("transforms.route.type").unwrap();
    assert_eq!(type_key.display_name, "Transformation type for route");
    assert_eq!(
        type_key.documentation,
        "Class for the 'route' transformation."
    );
    assert_eq!(
        report.def().key("predicates.p.type").unwrap().display_name,
        "Predicate type for p"
    );

    let values = report.values();
    let route_type = &values[0];
    assert_eq!(
        route_type.value.as_deref(),
        Some("org.apache.kafka.connect.transforms.RegexRouter"),
        "the value shown is the resolved class"
    );
    assert!(route_type
        .recommended_values
        .contains(&"org.apache.kafka.connect.transforms.Filter".to_string()));
    assert!(!route_type
        .recommended_values
        .iter()
        .any(|c| c.contains("predicates")));

    let errors: Vec<(&str, &str)> = report.errors().collect();
    assert_eq!(
        errors,
        [
            (
                "transforms.bad.type",
                "Invalid value Nope for configuration transforms.bad.type: Class Nope could not \
                 be found."
            ),
            (
                "transforms.bad.type",
                "Config 'transforms.bad.negate' was provided but there is no config \
                 'transforms.bad.predicate' defining a predicate to be negated."
            ),
            (
                "predicates.p.pattern",
                "Missing required configuration \"predicates.p.pattern\" which has no default \
                 value."
            ),
        ]
    );
    assert!(!report.is_valid());
    let names: Vec<String> = report.into_iter().map(|v| v.name).collect();
    assert_eq!(names.len(), 8, "one value per declared key: {names:?}");
}

#[test]
fn validate_reports_list_errors_under_the_list_key() {
    let report = validate(
        &map(&[("transforms", "a, a"), ("transforms.a.type", "Filter")]),
        &registry(),
    );
    let list = &report.values()[0];
    assert_eq!(list.name, "transforms");
    assert_eq!(list.value.as_deref(), Some("a,a"));
    assert_eq!(
        list.errors,
        ["Invalid value [a, a] for configuration transforms: Duplicate alias provided."]
    );
    assert!(report.def().key("transforms").is_none());
    assert_eq!(report.values()[1].name, "transforms.a.type");
}

#[test]
fn a_valid_config_validates_cleanly() {
    let config = map(&[
        &SUFFIX_A[..],
        &[
            ("transforms", "a"),
            ("transforms.a.predicate", "p"),
            ("predicates", "p"),
            ("predicates.p.type", "RecordIsTombstone"),
        ],
    ]
    .concat());
    let report = validate(&config, &registry());
    assert!(
        report.is_valid(),
        "{:?}",
        report.errors().collect::<Vec<_>>()
    );
    let negate = report
        .values()
        .iter()
        .find(|v| v.name == "transforms.a.negate")
        .unwrap();
    assert_eq!(negate.value.as_deref(), Some("false"), "defaults are shown");
}
