//! `ConfigDef`: typed declarations of a plugin's configuration keys, with Kafka's parsing rules
//! and error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{ConnectError, Result};

/// A raw configuration: every value is a string, as in Kafka Connect's REST API.
pub type ConfigMap = BTreeMap<String, String>;

/// The type of a configuration key (`ConfigDef.Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    /// The upper-case name used in `ConfigKeyInfo.type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Short => "SHORT",
            Self::Long => "LONG",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
        }
    }
}

/// How important a key is (`ConfigDef.Importance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Importance {
    High,
    Medium,
    Low,
}

impl Importance {
    /// The upper-case name used in `ConfigKeyInfo.importance`.
    pub fn name(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }
}

/// The display width hint (`ConfigDef.Width`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    None,
    Short,
    Medium,
    Long,
}

impl Width {
    /// The upper-case name used in `ConfigKeyInfo.width`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Short => "SHORT",
            Self::Medium => "MEDIUM",
            Self::Long => "LONG",
        }
    }
}

/// A parsed configuration value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParsedValue {
    Null,
    Boolean(bool),
    String(String),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    List(Vec<String>),
    Class(String),
    Password(String),
}

impl ParsedValue {
    fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Int(v) => Some(v.into()),
            Self::Short(v) => Some(v.into()),
            Self::Long(v) => Some(v as f64),
            Self::Double(v) => Some(v),
            _ => None,
        }
    }

    /// The value as Java's `toString` shows it in `Invalid value X for configuration ...`.
    fn java_string(&self) -> String {
        match self {
            Self::Null => "null".to_string(),
            Self::List(items) => format!("[{}]", items.join(", ")),
            other => other.to_config_string().unwrap_or_default(),
        }
    }

    /// Kafka's `ConfigDef.convertToString`: how the value is shown in `ConfigValueInfo.value`.
    pub fn to_config_string(&self) -> Option<String> {
        match self {
            Self::Null => None,
            Self::Boolean(b) => Some(b.to_string()),
            Self::String(s) | Self::Class(s) => Some(s.clone()),
            Self::Int(v) => Some(v.to_string()),
            Self::Short(v) => Some(v.to_string()),
            Self::Long(v) => Some(v.to_string()),
            Self::Double(v) => Some(java_double(*v)),
            Self::List(items) => Some(items.join(",")),
            Self::Password(_) => Some("[hidden]".to_string()),
        }
    }
}

fn java_double(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

/// A custom validation function; returns the reason a value is invalid.
pub type ValidatorFn = Arc<dyn Fn(&ParsedValue) -> std::result::Result<(), String> + Send + Sync>;

/// Checks a parsed value (`ConfigDef.Validator`).
#[derive(Clone)]
pub enum Validator {
    /// Number at least this.
    AtLeast(f64),
    /// Number within these bounds (inclusive).
    Between(f64, f64),
    /// One of these strings (case-sensitive).
    OneOf(Vec<&'static str>),
    /// One of these strings, ignoring case.
    OneOfIgnoreCase(Vec<&'static str>),
    /// A non-empty string.
    NonEmptyString,
    /// Anything else.
    Custom(ValidatorFn),
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AtLeast(m) => write!(f, "AtLeast({m})"),
            Self::Between(a, b) => write!(f, "Between({a}, {b})"),
            Self::OneOf(v) => write!(f, "OneOf({v:?})"),
            Self::OneOfIgnoreCase(v) => write!(f, "OneOfIgnoreCase({v:?})"),
            Self::NonEmptyString => f.write_str("NonEmptyString"),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

fn fmt_bound(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

impl Validator {
    /// Why `value` is invalid, in Kafka's words, or `Ok`.
    fn check(&self, value: &ParsedValue) -> std::result::Result<(), String> {
        match self {
            Self::AtLeast(min) => match value.as_f64() {
                None => Err("Value must be non-null".into()),
                Some(n) if n < *min => Err(format!("Value must be at least {}", fmt_bound(*min))),
                Some(_) => Ok(()),
            },
            Self::Between(min, max) => match value.as_f64() {
                None => Err("Value must be non-null".into()),
                Some(n) if n < *min => Err(format!("Value must be at least {}", fmt_bound(*min))),
                Some(n) if n > *max => {
                    Err(format!("Value must be no more than {}", fmt_bound(*max)))
                }
                Some(_) => Ok(()),
            },
            Self::OneOf(options) => match value {
                ParsedValue::Null => Ok(()),
                ParsedValue::String(s) if options.contains(&s.as_str()) => Ok(()),
                _ => Err(format!("String must be one of: {}", options.join(", "))),
            },
            Self::OneOfIgnoreCase(options) => match value {
                ParsedValue::Null => Ok(()),
                ParsedValue::String(s) if options.iter().any(|o| o.eq_ignore_ascii_case(s)) => {
                    Ok(())
                }
                _ => Err(format!(
                    "String must be one of (case insensitive): {}",
                    options.join(", ")
                )),
            },
            // Kafka's NonEmptyString lets null through: a missing required key is reported once,
            // by the "Missing required configuration" check.
            Self::NonEmptyString => match value {
                ParsedValue::String(s) if s.is_empty() => Err("String must be non-empty".into()),
                _ => Ok(()),
            },
            Self::Custom(f) => f(value),
        }
    }

    /// The values to recommend, for the string-choice validators.
    fn recommended(&self) -> Vec<String> {
        match self {
            Self::OneOf(v) | Self::OneOfIgnoreCase(v) => v.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        }
    }
}

/// One declared configuration key (`ConfigDef.ConfigKey`).
#[derive(Clone, Debug)]
pub struct ConfigKey {
    pub name: String,
    pub config_type: ConfigType,
    /// `None`: no default, the key is required. `Some(None)`: the default is null.
    pub default: Option<Option<String>>,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    pub dependents: Vec<String>,
    pub validator: Option<Validator>,
}

impl ConfigKey {
    /// A required key (no default).
    pub fn new(
        name: &str,
        config_type: ConfigType,
        importance: Importance,
        documentation: &str,
    ) -> Self {
        Self {
            name: name.to_string(),
            config_type,
            default: None,
            importance,
            documentation: documentation.to_string(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            display_name: name.to_string(),
            dependents: Vec::new(),
            validator: None,
        }
    }
    /// Sets the default, written as a user would write the value.
    pub fn default(mut self, value: &str) -> Self {
        self.default = Some(Some(value.to_string()));
        self
    }
    /// Makes the default null (the key is optional with no value).
    pub fn default_null(mut self) -> Self {
        self.default = Some(None);
        self
    }
    /// Sets the validator.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }
    /// Sets the group and the key's order within it.
    pub fn group(mut self, group: &str, order: i32) -> Self {
        self.group = Some(group.to_string());
        self.order_in_group = order;
        self
    }
    /// Sets the width hint.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }
    /// Sets the display name.
    pub fn display_name(mut self, display_name: &str) -> Self {
        self.display_name = display_name.to_string();
        self
    }
    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }

    /// Parses a raw value with Kafka's rules (`ConfigDef.parseType`).
    ///
    /// # Errors
    /// Kafka's message: `Invalid value X for configuration K: Not a number of type INT`.
    pub fn parse_value(&self, raw: &str) -> std::result::Result<ParsedValue, String> {
        let trimmed = raw.trim();
        let invalid =
            |why: &str| format!("Invalid value {raw} for configuration {}: {why}", self.name);
        let ty = self.config_type;
        let not_number = || invalid(&format!("Not a number of type {}", ty.name()));
        Ok(match ty {
            ConfigType::Boolean => {
                if trimmed.eq_ignore_ascii_case("true") {
                    ParsedValue::Boolean(true)
                } else if trimmed.eq_ignore_ascii_case("false") {
                    ParsedValue::Boolean(false)
                } else {
                    return Err(invalid("Expected value to be either true or false"));
                }
            }
            ConfigType::String => ParsedValue::String(trimmed.to_string()),
            ConfigType::Password => ParsedValue::Password(raw.to_string()),
            ConfigType::Int => ParsedValue::Int(trimmed.parse().map_err(|_| not_number())?),
            ConfigType::Short => ParsedValue::Short(trimmed.parse().map_err(|_| not_number())?),
            ConfigType::Long => ParsedValue::Long(trimmed.parse().map_err(|_| not_number())?),
            ConfigType::Double => ParsedValue::Double(trimmed.parse().map_err(|_| not_number())?),
            ConfigType::List => ParsedValue::List(if trimmed.is_empty() {
                Vec::new()
            } else {
                trimmed.split(',').map(|s| s.trim().to_string()).collect()
            }),
            ConfigType::Class => ParsedValue::Class(trimmed.to_string()),
        })
    }

    /// The default as Kafka renders it in `ConfigKeyInfo.default_value`.
    pub fn default_string(&self) -> Option<String> {
        match &self.default {
            Some(Some(raw)) => match self.parse_value(raw) {
                Ok(v) => v.to_config_string(),
                Err(_) => Some(raw.clone()),
            },
            _ => None,
        }
    }
}

/// The result of validating one key: its value and every problem found.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigValue {
    pub name: String,
    /// The value as Kafka shows it (`[hidden]` for passwords); `None` when null or unparsable.
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl ConfigValue {
    /// A value entry with no errors.
    pub fn new(name: &str, value: Option<String>) -> Self {
        Self {
            name: name.to_string(),
            value,
            recommended_values: Vec::new(),
            errors: Vec::new(),
            visible: true,
        }
    }
}

/// A set of declared keys, in declaration order.
#[derive(Clone, Debug, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

impl ConfigDef {
    /// An empty definition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key.
    ///
    /// # Panics
    /// When the key is already defined (a programming error).
    pub fn define(mut self, key: ConfigKey) -> Self {
        assert!(
            self.key(&key.name).is_none(),
            "config key {} defined twice",
            key.name
        );
        self.keys.push(key);
        self
    }

    /// Adds every key of `other` not already defined here.
    pub fn merge(mut self, other: &ConfigDef) -> Self {
        for k in &other.keys {
            if self.key(&k.name).is_none() {
                self.keys.push(k.clone());
            }
        }
        self
    }

    /// The declared keys.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }

    /// One key by name.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The groups in first-appearance order (`ConfigDef.groups()`).
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for k in &self.keys {
            if let Some(g) = &k.group {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
        }
        groups
    }

    /// Validates every declared key of `config` and returns one entry per key, with every error.
    pub fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        self.keys
            .iter()
            .map(|key| {
                let (parsed, mut errors) = parse_for_validate(key, config);
                if let Some(v) = &key.validator {
                    if let Err(why) = v.check(&parsed) {
                        let shown = parsed.java_string();
                        errors.push(format!(
                            "Invalid value {shown} for configuration {}: {why}",
                            key.name
                        ));
                    }
                }
                ConfigValue {
                    name: key.name.clone(),
                    value: parsed.to_config_string(),
                    recommended_values: key
                        .validator
                        .as_ref()
                        .map(Validator::recommended)
                        .unwrap_or_default(),
                    errors,
                    visible: true,
                }
            })
            .collect()
    }

    /// Parses `config` into typed values.
    ///
    /// # Errors
    /// A config error naming the first bad key; use [`ConfigDef::validate`] to see every problem.
    pub fn parse(&self, config: &ConfigMap) -> Result<ParsedConfig> {
        let mut values = BTreeMap::new();
        for key in &self.keys {
            let (parsed, errors) = parse_for_validate(key, config);
            if let Some(first) = errors.into_iter().next() {
                return Err(ConnectError::config(&key.name, first));
            }
            if let Some(v) = &key.validator {
                if let Err(why) = v.check(&parsed) {
                    let shown = parsed.java_string();
                    return Err(ConnectError::config(
                        &key.name,
                        format!(
                            "Invalid value {shown} for configuration {}: {why}",
                            key.name
                        ),
                    ));
                }
            }
            values.insert(key.name.clone(), parsed);
        }
        Ok(ParsedConfig { values })
    }
}

fn parse_for_validate(key: &ConfigKey, config: &ConfigMap) -> (ParsedValue, Vec<String>) {
    match (config.get(&key.name), &key.default) {
        (Some(raw), _) => match key.parse_value(raw) {
            Ok(v) => (v, Vec::new()),
            Err(e) => (ParsedValue::Null, vec![e]),
        },
        (None, None) => (
            ParsedValue::Null,
            vec![format!(
                "Missing required configuration \"{}\" which has no default value.",
                key.name
            )],
        ),
        (None, Some(None)) => (ParsedValue::Null, Vec::new()),
        (None, Some(Some(raw))) => match key.parse_value(raw) {
            Ok(v) => (v, Vec::new()),
            Err(e) => (ParsedValue::Null, vec![e]),
        },
    }
}

/// Typed values parsed by [`ConfigDef::parse`].
///
/// The getters panic when asked for an undeclared key or with the wrong type: both are
/// programming errors in the plugin, caught by its tests, never by user input.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedConfig {
    values: BTreeMap<String, ParsedValue>,
}

impl ParsedConfig {
    fn get(&self, key: &str) -> &ParsedValue {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("config key {key} is not declared"))
    }
    /// The raw parsed value.
    pub fn value(&self, key: &str) -> &ParsedValue {
        self.get(key)
    }
    /// A STRING (or CLASS) key; `None` when null.
    pub fn string(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            ParsedValue::String(s) | ParsedValue::Class(s) => Some(s),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a string: {other:?}"),
        }
    }
    /// A PASSWORD key; `None` when null.
    pub fn password(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            ParsedValue::Password(s) => Some(s),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a password: {other:?}"),
        }
    }
    /// An INT key; `None` when null.
    pub fn int(&self, key: &str) -> Option<i32> {
        match self.get(key) {
            ParsedValue::Int(v) => Some(*v),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not an int: {other:?}"),
        }
    }
    /// A LONG key; `None` when null.
    pub fn long(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            ParsedValue::Long(v) => Some(*v),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a long: {other:?}"),
        }
    }
    /// A SHORT key; `None` when null.
    pub fn short(&self, key: &str) -> Option<i16> {
        match self.get(key) {
            ParsedValue::Short(v) => Some(*v),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a short: {other:?}"),
        }
    }
    /// A DOUBLE key; `None` when null.
    pub fn double(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            ParsedValue::Double(v) => Some(*v),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a double: {other:?}"),
        }
    }
    /// A BOOLEAN key; `None` when null.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        match self.get(key) {
            ParsedValue::Boolean(v) => Some(*v),
            ParsedValue::Null => None,
            other => panic!("config key {key} is not a boolean: {other:?}"),
        }
    }
    /// A LIST key; empty when null.
    pub fn list(&self, key: &str) -> &[String] {
        match self.get(key) {
            ParsedValue::List(v) => v,
            ParsedValue::Null => &[],
            other => panic!("config key {key} is not a list: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("tasks.max", ConfigType::Int, Importance::High, "Max tasks.")
                    .default("1")
                    .validator(Validator::AtLeast(1.0)),
            )
            .define(ConfigKey::new(
                "topic",
                ConfigType::String,
                Importance::High,
                "Topic.",
            ))
            .define(
                ConfigKey::new("mode", ConfigType::String, Importance::Low, "Mode.")
                    .default("a")
                    .validator(Validator::OneOf(vec!["a", "b"])),
            )
            .define(ConfigKey::new("list", ConfigType::List, Importance::Low, "List.").default(""))
    }

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn validate_collects_every_error_in_kafka_words() {
        let values = def().validate(&map(&[("tasks.max", "x"), ("mode", "c")]));
        let errs: Vec<_> = values.iter().flat_map(|v| v.errors.clone()).collect();
        assert_eq!(
            errs,
            vec![
                "Invalid value x for configuration tasks.max: Not a number of type INT",
                "Invalid value null for configuration tasks.max: Value must be non-null",
                "Missing required configuration \"topic\" which has no default value.",
                "Invalid value c for configuration mode: String must be one of: a, b",
            ]
        );
    }

    #[test]
    fn parse_gives_typed_values_and_defaults() {
        let p = def()
            .parse(&map(&[("topic", " t "), ("list", "a, b ,c")]))
            .unwrap();
        assert_eq!(p.int("tasks.max"), Some(1));
        assert_eq!(p.string("topic"), Some("t"));
        assert_eq!(p.list("list"), ["a", "b", "c"]);
    }

    #[test]
    fn parse_names_bad_key() {
        let err = def()
            .parse(&map(&[("topic", "t"), ("tasks.max", "0")]))
            .unwrap_err();
        match err {
            ConnectError::Config { key, message } => {
                assert_eq!(key, "tasks.max");
                assert_eq!(
                    message,
                    "Invalid value 0 for configuration tasks.max: Value must be at least 1"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
