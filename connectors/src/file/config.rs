//! The connector's three keys, declared once with Kafka's names, defaults and documentation, and
//! parsed into [`FileStreamSourceConfig`] so the task never looks a key up again.

use std::sync::Arc;

use strait_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, ParsedValue, Validator};
use strait_api::{ConfigMap, ConnectError, Result};

/// The file to read (Kafka: `FILE_CONFIG`).
pub const FILE: &str = "file";
/// The destination topic (Kafka: `TOPIC_CONFIG`).
pub const TOPIC: &str = "topic";
/// The most lines one `poll` returns (Kafka: `TASK_BATCH_SIZE_CONFIG`).
pub const BATCH_SIZE: &str = "batch.size";
/// Kafka's `DEFAULT_TASK_BATCH_SIZE`.
pub const DEFAULT_BATCH_SIZE: usize = 2000;

const STDIN_UNSUPPORTED: &str = "Strait's FileStreamSourceConnector reads only files: set 'file' \
     to a path (reading the standard input, Kafka's behaviour when 'file' is not set, is not supported)";
const SINGLE_TOPIC: &str =
    "'topic' in FileStreamSourceConnector configuration requires definition of a single topic";

/// The parsed configuration of the connector and of its task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStreamSourceConfig {
    /// The file, exactly as configured (trimmed): it is also the source partition's `filename`.
    pub file: String,
    /// The destination topic.
    pub topic: String,
    /// The most records one `poll` returns; at least 1 (Kafka returns one line per poll when
    /// `batch.size` is zero or negative, so those values behave as 1).
    pub batch_size: usize,
}

impl FileStreamSourceConfig {
    /// Kafka's `CONFIG_DEF`, with `file` made mandatory and `topic` restricted to one name.
    pub fn def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(
                    FILE,
                    ConfigType::String,
                    Importance::High,
                    "Source filename. Strait requires it: Kafka reads the standard input when it \
                     is not specified, which a Strait worker does not support.",
                )
                .default_null()
                .validator(Validator::Custom(Arc::new(check_file))),
            )
            .define(
                ConfigKey::new(
                    TOPIC,
                    ConfigType::String,
                    Importance::High,
                    "The topic to publish data to",
                )
                .validator(Validator::Custom(Arc::new(check_topic))),
            )
            .define(
                ConfigKey::new(
                    BATCH_SIZE,
                    ConfigType::Int,
                    Importance::Low,
                    "The maximum number of records the source task can read from the file each \
                     time it is polled",
                )
                .default("2000"),
            )
    }

    /// Parses a connector or task configuration.
    ///
    /// # Errors
    /// A config error naming the first bad key, in Kafka's words.
    pub fn parse(config: &ConfigMap) -> Result<Self> {
        let parsed = Self::def().parse(config)?;
        let required = |key: &str| {
            parsed.string(key).map(str::to_string).ok_or_else(|| {
                ConnectError::config(
                    key,
                    format!("Missing required configuration \"{key}\" which has no default value."),
                )
            })
        };
        let batch_size = parsed
            .int(BATCH_SIZE)
            .map_or(DEFAULT_BATCH_SIZE, |n| usize::try_from(n).unwrap_or(0))
            .max(1);
        Ok(Self {
            file: required(FILE)?,
            topic: required(TOPIC)?,
            batch_size,
        })
    }
}

fn check_file(value: &ParsedValue) -> std::result::Result<(), String> {
    match value {
        ParsedValue::String(s) if !s.is_empty() => Ok(()),
        _ => Err(STDIN_UNSUPPORTED.to_string()),
    }
}

/// Kafka's `NonEmptyString` (which lets null through: a missing topic is reported once, as
/// missing) plus the single-topic rule.
fn check_topic(value: &ParsedValue) -> std::result::Result<(), String> {
    match value {
        ParsedValue::String(s) if s.is_empty() => Err("String must be non-empty".to_string()),
        ParsedValue::String(s) if s.contains(',') => Err(SINGLE_TOPIC.to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn errors(config: &ConfigMap) -> Vec<(String, String)> {
        FileStreamSourceConfig::def()
            .validate(config)
            .into_iter()
            .flat_map(|v| {
                let name = v.name;
                v.errors.into_iter().map(move |e| (name.clone(), e))
            })
            .collect()
    }

    fn parse_error(config: &ConfigMap) -> (String, String) {
        match FileStreamSourceConfig::parse(config) {
            Err(ConnectError::Config { key, message }) => (key, message),
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn parses_keys_with_kafka_defaults() {
        let c = FileStreamSourceConfig::parse(&map(&[("file", " /tmp/in.txt "), ("topic", "t")]))
            .unwrap();
        assert_eq!(
            c,
            FileStreamSourceConfig {
                file: "/tmp/in.txt".into(),
                topic: "t".into(),
                batch_size: 2000
            }
        );
        let c = FileStreamSourceConfig::parse(&map(&[
            ("file", "f"),
            ("topic", "t"),
            ("batch.size", "0"),
        ]))
        .unwrap();
        assert_eq!(
            c.batch_size, 1,
            "Kafka returns one line per poll for batch.size <= 0"
        );
    }

    #[test]
    fn missing_topic_is_reported_once_in_kafka_words() {
        let config = map(&[("file", "f")]);
        assert_eq!(
            errors(&config),
            [(
                "topic".to_string(),
                "Missing required configuration \"topic\" which has no default value.".to_string()
            )]
        );
        assert_eq!(parse_error(&config).0, "topic");
    }

    #[test]
    fn topic_list_is_rejected_with_kafkas_message() {
        let config = map(&[("file", "f"), ("topic", "a,b")]);
        let expected = "Invalid value a,b for configuration topic: 'topic' in \
                        FileStreamSourceConnector configuration requires definition of a single topic";
        assert_eq!(
            errors(&config),
            [("topic".to_string(), expected.to_string())]
        );
        assert_eq!(
            parse_error(&config),
            ("topic".to_string(), expected.to_string())
        );
    }

    #[test]
    fn empty_topic_is_rejected() {
        let config = map(&[("file", "f"), ("topic", "")]);
        assert_eq!(
            errors(&config),
            [(
                "topic".to_string(),
                "Invalid value  for configuration topic: String must be non-empty".to_string()
            )]
        );
    }

    #[test]
    fn batch_size_not_a_number_is_named() {
        let config = map(&[("file", "f"), ("topic", "t"), ("batch.size", "many")]);
        let expected = "Invalid value many for configuration batch.size: Not a number of type INT";
        assert_eq!(
            errors(&config),
            [("batch.size".to_string(), expected.to_string())]
        );
        assert_eq!(
            parse_error(&config),
            ("batch.size".to_string(), expected.to_string())
        );
    }

    #[test]
    fn missing_file_is_rejected_because_stdin_is_not_supported() {
        for config in [
            map(&[("topic", "t")]),
            map(&[("topic", "t"), ("file", "  ")]),
        ] {
            let errs = errors(&config);
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].0, "file");
            assert!(errs[0].1.contains("standard input"), "{}", errs[0].1);
            assert_eq!(parse_error(&config).0, "file");
        }
    }
}
