//! The worker configuration: Kafka Connect's worker keys, parsed once into [`WorkerConfig`].
//!
//! A Kafka Connect `worker.properties` works unchanged: the same keys, defaults and validation
//! messages. Keys Kafka knows that only matter to the JVM (plugin paths, JMX metrics) are
//! accepted with a warning that they have no effect in Strait; keys that would change behaviour
//! Strait does not implement yet (TLS/SASL, config providers, exactly-once source support,
//! most producer overrides) are rejected with an error naming the key, so a user never believes
//! a setting is active when it is not. Unknown keys are warned about once, as Kafka does.

use std::collections::BTreeMap;

use strait_api::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Validator};
use strait_api::ConnectError;

use super::client_overrides::{parse_compression, OverridePolicy};
use crate::kafka::CompressionType;

/// Standalone or distributed, as chosen on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerMode {
    Standalone,
    Distributed,
}

/// The internal topic settings of distributed mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Extra topic configs from `<prefix>.storage.*` keys.
    pub configs: BTreeMap<String, String>,
}

/// Where the worker keeps its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateConfig {
    /// Kafka internal topics (distributed mode).
    Distributed {
        group_id: String,
        config: InternalTopic,
        offsets: InternalTopic,
        status: InternalTopic,
    },
    /// Offsets in a local file, configs and statuses in memory (standalone mode).
    Standalone { offsets_file: String },
}

/// A converter class with its settings (the `<kind>.converter.` prefix stripped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConverterConfig {
    pub class: String,
    pub settings: ConfigMap,
}

/// The parsed worker configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerConfig {
    pub mode: WorkerMode,
    pub bootstrap_servers: Vec<String>,
    pub state: StateConfig,
    pub key_converter: ConverterConfig,
    pub value_converter: ConverterConfig,
    pub header_converter: ConverterConfig,
    pub offset_flush_interval_ms: u64,
    pub offset_flush_timeout_ms: u64,
    pub task_shutdown_graceful_timeout_ms: u64,
    /// Host and port the REST server binds.
    pub rest_bind: (String, u16),
    /// `host:port` used as `worker_id` in statuses and for `Location` headers.
    pub advertised_url: String,
    pub topic_creation_enable: bool,
    pub topic_tracking_enable: bool,
    pub topic_tracking_allow_reset: bool,
    /// Producer settings Strait honours (`producer.` prefix stripped).
    pub producer: ProducerConfig,
    /// `connector.client.config.override.policy`: the `producer.override.*` keys connectors may
    /// set.
    pub client_override_policy: OverridePolicy,
}

/// The producer settings Strait implements (`producer.*` worker keys).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerConfig {
    pub client_id: Option<String>,
    /// `producer.compression.type`, `none` by default like Kafka's producer.
    pub compression: CompressionType,
}

/// Keys Kafka accepts that have no meaning for a Strait worker: accepted with a warning.
const NO_EFFECT_KEYS: &[&str] = &[
    "plugin.path",
    "plugin.discovery",
    "metric.reporters",
    "metrics.num.samples",
    "metrics.sample.window.ms",
    "metrics.recording.level",
    "auto.include.jmx.reporter",
    "client.dns.lookup",
    "metadata.max.age.ms",
    "scheduled.rebalance.max.delay.ms",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "rebalance.timeout.ms",
    "worker.sync.timeout.ms",
    "worker.unsync.backoff.ms",
    "connect.protocol",
    "inter.worker.key.generation.algorithm",
    "inter.worker.key.size",
    "inter.worker.key.ttl.ms",
    "inter.worker.signature.algorithm",
    "inter.worker.verification.algorithms",
    "response.http.headers.config",
    "access.control.allow.origin",
    "access.control.allow.methods",
    "rest.extension.classes",
    "request.timeout.ms",
    "retry.backoff.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "send.buffer.bytes",
    "receive.buffer.bytes",
    "client.id",
    "config.storage.cleanup.policy",
    "offset.storage.cleanup.policy",
    "status.storage.cleanup.policy",
];

/// Key prefixes that select features Strait does not implement yet: rejected.
const UNSUPPORTED_PREFIXES: &[(&str, &str)] = &[
    ("ssl.", "TLS to the brokers is not supported yet"),
    ("sasl.", "SASL authentication is not supported yet"),
    (
        "config.providers",
        "config providers (${provider:key} placeholders) are not supported yet",
    ),
    ("listeners.https.", "HTTPS listeners are not supported yet"),
    (
        "admin.listeners.https.",
        "HTTPS listeners are not supported yet",
    ),
    (
        "consumer.",
        "Strait runs source connectors only; consumer settings have no use yet",
    ),
    ("admin.", "admin client overrides are not supported yet"),
];

const PRODUCER_SUPPORTED: &[&str] = &["client.id", "compression.type"];

fn worker_def(mode: WorkerMode) -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    let k = |name: &str, ty, imp, doc: &str| ConfigKey::new(name, ty, imp, doc);
    let mut def = ConfigDef::new()
        .define(k("bootstrap.servers", List, High, "A list of host/port pairs used to establish the initial connection to the Kafka cluster.").default("localhost:9092"))
        .define(k("key.converter", Class, High, "Converter class for record keys."))
        .define(k("value.converter", Class, High, "Converter class for record values."))
        .define(k("header.converter", Class, Low, "Converter class for header values.").default("org.apache.kafka.connect.storage.SimpleHeaderConverter"))
        .define(k("offset.flush.interval.ms", Long, Low, "Interval at which to try committing offsets for tasks.").default("60000").validator(Validator::AtLeast(0.0)))
        .define(k("offset.flush.timeout.ms", Long, Low, "Maximum time to wait for records to flush and offsets to commit before cancelling.").default("5000").validator(Validator::AtLeast(0.0)))
        .define(k("task.shutdown.graceful.timeout.ms", Long, Low, "Time to wait for tasks to shut down gracefully.").default("5000").validator(Validator::AtLeast(0.0)))
        .define(k("listeners", List, Low, "List of comma-separated URIs the REST API will listen on.").default("http://:8083"))
        .define(k("rest.host.name", String, Low, "Legacy: hostname for the REST API.").default_null())
        .define(k("rest.port", Int, Low, "Legacy: port for the REST API.").default_null())
        .define(k("rest.advertised.host.name", String, Low, "Hostname given out to other workers and clients.").default_null())
        .define(k("rest.advertised.port", Int, Low, "Port given out to other workers and clients.").default_null())
        .define(k("rest.advertised.listener", String, Low, "Advertised listener (HTTP or HTTPS).").default_null())
        .define(k("admin.listeners", List, Low, "Listeners for the admin endpoints.").default_null())
        .define(k("topic.creation.enable", Boolean, Low, "Whether source connectors may create topics (KIP-158).").default("true"))
        .define(k("topic.tracking.enable", Boolean, Low, "Whether to track the topics connectors use.").default("true"))
        .define(k("topic.tracking.allow.reset", Boolean, Low, "Whether the active topics may be reset.").default("true"))
        .define(k("exactly.once.source.support", String, Low, "Exactly-once support for source connectors.").default("disabled").validator(Validator::OneOfIgnoreCase(vec!["disabled"])))
        .define(k("security.protocol", String, Medium, "Protocol used to communicate with brokers.").default("PLAINTEXT").validator(Validator::OneOfIgnoreCase(vec!["PLAINTEXT"])));
    match mode {
        WorkerMode::Distributed => {
            def = def
                .define(k("group.id", String, High, "A unique string that identifies the Connect cluster group this worker belongs to."))
                .define(k("config.storage.topic", String, High, "The name of the Kafka topic where connector configurations are stored."))
                .define(k("offset.storage.topic", String, High, "The name of the Kafka topic where source connector offsets are stored."))
                .define(k("status.storage.topic", String, High, "The name of the Kafka topic where connector and task status are stored."))
                .define(k("config.storage.replication.factor", Short, Low, "Replication factor used when creating the configuration storage topic.").default("3"))
                .define(k("offset.storage.replication.factor", Short, Low, "Replication factor used when creating the offset storage topic.").default("3"))
                .define(k("status.storage.replication.factor", Short, Low, "Replication factor used when creating the status storage topic.").default("3"))
                .define(k("offset.storage.partitions", Int, Low, "The number of partitions used when creating the offset storage topic.").default("25"))
                .define(k("status.storage.partitions", Int, Low, "The number of partitions used when creating the status storage topic.").default("5"));
        }
        WorkerMode::Standalone => {
            def = def.define(k(
                "offset.storage.file.filename",
                String,
                High,
                "File to store source connector offsets in.",
            ));
        }
    }
    def
}

fn prefixed(props: &ConfigMap, prefix: &str) -> ConfigMap {
    props
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|s| (s.to_string(), v.clone())))
        .collect()
}

fn parse_listener(raw: &str) -> Result<(String, u16), ConnectError> {
    let rest = raw.strip_prefix("http://").ok_or_else(|| {
        ConnectError::config(
            "listeners",
            format!("Invalid listener {raw}: only http:// listeners are supported"),
        )
    })?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| {
        ConnectError::config(
            "listeners",
            format!("Invalid listener {raw}: expected http://host:port"),
        )
    })?;
    let port: u16 = port.trim_end_matches('/').parse().map_err(|_| {
        ConnectError::config("listeners", format!("Invalid listener {raw}: bad port"))
    })?;
    let host = if host.is_empty() {
        "0.0.0.0"
    } else {
        host.trim_start_matches('[').trim_end_matches(']')
    };
    Ok((host.to_string(), port))
}

impl WorkerConfig {
    /// Parses and validates worker properties; logs a warning once per unknown or no-effect key.
    ///
    /// # Errors
    /// A config error naming the first invalid, missing or unsupported key.
    pub fn parse(mode: WorkerMode, props: &ConfigMap) -> Result<Self, ConnectError> {
        let def = worker_def(mode);
        for key in props.keys() {
            if let Some((_, why)) = UNSUPPORTED_PREFIXES
                .iter()
                .find(|(p, _)| key.starts_with(p))
            {
                return Err(ConnectError::config(
                    key,
                    format!("{key} is not supported by Strait: {why}"),
                ));
            }
            if let Some(rest) = key.strip_prefix("producer.") {
                if !PRODUCER_SUPPORTED.contains(&rest) {
                    return Err(ConnectError::config(
                        key,
                        format!("{key} is not supported by Strait yet (supported producer overrides: {})", PRODUCER_SUPPORTED.join(", ")),
                    ));
                }
                continue;
            }
            let converter_setting = ["key.converter.", "value.converter.", "header.converter."]
                .iter()
                .any(|p| key.starts_with(p));
            let storage_setting = ["config.storage.", "offset.storage.", "status.storage."]
                .iter()
                .any(|p| key.starts_with(p));
            if NO_EFFECT_KEYS.contains(&key.as_str()) {
                tracing::warn!(key = %key, "worker config key has no effect in strait");
            } else if def.key(key).is_none() && !converter_setting && !storage_setting {
                tracing::warn!(key = %key, "unknown worker config key");
            }
        }
        let parsed = def.parse(props)?;
        let converter = |kind: &str| -> ConverterConfig {
            let key = format!("{kind}.converter");
            ConverterConfig {
                class: parsed.string(&key).unwrap_or_default().to_string(),
                settings: prefixed(props, &format!("{key}.")),
            }
        };
        let rest_bind = match (parsed.int("rest.port"), props.contains_key("listeners")) {
            (Some(port), false) => {
                let port = u16::try_from(port).map_err(|_| {
                    ConnectError::config(
                        "rest.port",
                        format!("Invalid value {port} for configuration rest.port"),
                    )
                })?;
                (
                    parsed
                        .string("rest.host.name")
                        .unwrap_or("0.0.0.0")
                        .to_string(),
                    port,
                )
            }
            _ => {
                let listeners = parsed.list("listeners");
                let first = listeners
                    .first()
                    .ok_or_else(|| ConnectError::config("listeners", "Invalid value for configuration listeners: at least one listener is required"))?;
                parse_listener(first)?
            }
        };
        let adv_host = parsed
            .string("rest.advertised.host.name")
            .map(str::to_string)
            .unwrap_or_else(|| {
                if rest_bind.0 == "0.0.0.0" {
                    local_hostname()
                } else {
                    rest_bind.0.clone()
                }
            });
        let adv_port = parsed
            .int("rest.advertised.port")
            .map(|p| p as u16)
            .unwrap_or(rest_bind.1);
        let state = match mode {
            WorkerMode::Distributed => {
                let topic = |prefix: &str, partitions: i32| -> InternalTopic {
                    let mut configs = prefixed(props, &format!("{prefix}.storage."));
                    for k in [
                        "topic",
                        "partitions",
                        "replication.factor",
                        "cleanup.policy",
                        "file.filename",
                    ] {
                        configs.remove(k);
                    }
                    InternalTopic {
                        name: parsed
                            .string(&format!("{prefix}.storage.topic"))
                            .unwrap_or_default()
                            .to_string(),
                        partitions,
                        replication_factor: parsed
                            .short(&format!("{prefix}.storage.replication.factor"))
                            .unwrap_or(3),
                        configs,
                    }
                };
                StateConfig::Distributed {
                    group_id: parsed.string("group.id").unwrap_or_default().to_string(),
                    config: topic("config", 1),
                    offsets: topic(
                        "offset",
                        parsed.int("offset.storage.partitions").unwrap_or(25),
                    ),
                    status: topic(
                        "status",
                        parsed.int("status.storage.partitions").unwrap_or(5),
                    ),
                }
            }
            WorkerMode::Standalone => StateConfig::Standalone {
                offsets_file: parsed
                    .string("offset.storage.file.filename")
                    .unwrap_or_default()
                    .to_string(),
            },
        };
        Ok(Self {
            mode,
            bootstrap_servers: parsed.list("bootstrap.servers").to_vec(),
            state,
            key_converter: converter("key"),
            value_converter: converter("value"),
            header_converter: converter("header"),
            offset_flush_interval_ms: parsed.long("offset.flush.interval.ms").unwrap_or(60_000)
                as u64,
            offset_flush_timeout_ms: parsed.long("offset.flush.timeout.ms").unwrap_or(5_000) as u64,
            task_shutdown_graceful_timeout_ms: parsed
                .long("task.shutdown.graceful.timeout.ms")
                .unwrap_or(5_000) as u64,
            rest_bind,
            advertised_url: format!("{adv_host}:{adv_port}"),
            topic_creation_enable: parsed.boolean("topic.creation.enable").unwrap_or(true),
            topic_tracking_enable: parsed.boolean("topic.tracking.enable").unwrap_or(true),
            topic_tracking_allow_reset: parsed
                .boolean("topic.tracking.allow.reset")
                .unwrap_or(true),
            producer: ProducerConfig {
                client_id: props.get("producer.client.id").cloned(),
                compression: match props.get("producer.compression.type") {
                    Some(v) => parse_compression("producer.compression.type", v)
                        .map_err(|m| ConnectError::config("producer.compression.type", m))?,
                    None => CompressionType::None,
                },
            },
            client_override_policy: match props.get("connector.client.config.override.policy") {
                Some(v) => OverridePolicy::parse(v).map_err(|m| {
                    ConnectError::config("connector.client.config.override.policy", m)
                })?,
                None => OverridePolicy::All,
            },
        })
    }
}

fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn distributed() -> ConfigMap {
        props(&[
            ("bootstrap.servers", "b1:9092,b2:9092"),
            ("group.id", "connect-cluster"),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "false"),
            ("config.storage.topic", "connect-configs"),
            ("offset.storage.topic", "connect-offsets"),
            ("status.storage.topic", "connect-status"),
            ("config.storage.replication.factor", "1"),
            ("offset.storage.partitions", "10"),
            ("offset.storage.retention.ms", "-1"),
            ("listeners", "http://127.0.0.1:18083"),
        ])
    }

    #[test]
    fn parses_kafka_distributed_properties() {
        let c = WorkerConfig::parse(WorkerMode::Distributed, &distributed()).unwrap();
        assert_eq!(c.bootstrap_servers, ["b1:9092", "b2:9092"]);
        assert_eq!(c.rest_bind, ("127.0.0.1".to_string(), 18083));
        assert_eq!(c.advertised_url, "127.0.0.1:18083");
        assert_eq!(
            c.value_converter
                .settings
                .get("schemas.enable")
                .map(String::as_str),
            Some("false")
        );
        assert_eq!(
            c.header_converter.class,
            "org.apache.kafka.connect.storage.SimpleHeaderConverter"
        );
        assert_eq!(c.offset_flush_interval_ms, 60_000);
        match c.state {
            StateConfig::Distributed {
                group_id,
                config,
                offsets,
                status,
            } => {
                assert_eq!(group_id, "connect-cluster");
                assert_eq!((config.partitions, config.replication_factor), (1, 1));
                assert_eq!((offsets.partitions, offsets.replication_factor), (10, 3));
                assert_eq!(
                    offsets.configs.get("retention.ms").map(String::as_str),
                    Some("-1")
                );
                assert_eq!(status.partitions, 5);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_required_key_is_named() {
        let mut p = distributed();
        p.remove("group.id");
        let err = WorkerConfig::parse(WorkerMode::Distributed, &p).unwrap_err();
        assert!(err.to_string().contains("\"group.id\""), "{err}");
    }

    #[test]
    fn unsupported_features_are_rejected_not_ignored() {
        for (k, v) in [
            ("ssl.truststore.location", "/x"),
            ("producer.linger.ms", "5"),
            ("exactly.once.source.support", "enabled"),
        ] {
            let mut p = distributed();
            p.insert(k.to_string(), v.to_string());
            let err = WorkerConfig::parse(WorkerMode::Distributed, &p).unwrap_err();
            assert!(err.to_string().contains(k), "{k}: {err}");
        }
    }

    #[test]
    fn producer_compression_and_the_override_policy() {
        let c = WorkerConfig::parse(WorkerMode::Distributed, &distributed()).unwrap();
        assert_eq!(c.producer.compression, CompressionType::None);
        assert_eq!(c.client_override_policy, OverridePolicy::All);

        let mut p = distributed();
        p.insert("producer.compression.type".into(), "zstd".into());
        p.insert(
            "connector.client.config.override.policy".into(),
            "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy"
                .into(),
        );
        let c = WorkerConfig::parse(WorkerMode::Distributed, &p).unwrap();
        assert_eq!(c.producer.compression, CompressionType::Zstd);
        assert_eq!(c.client_override_policy, OverridePolicy::None);

        for (k, v) in [
            ("producer.compression.type", "brotli"),
            ("connector.client.config.override.policy", "Everything"),
            ("producer.compression.zstd.level", "9"),
        ] {
            let mut p = distributed();
            p.insert(k.to_string(), v.to_string());
            let err = WorkerConfig::parse(WorkerMode::Distributed, &p).unwrap_err();
            assert!(err.to_string().contains(k), "{k}: {err}");
        }
    }

    #[test]
    fn legacy_rest_port_and_standalone_file() {
        let p = props(&[
            ("key.converter", "json"),
            ("value.converter", "json"),
            ("offset.storage.file.filename", "/tmp/x.offsets"),
            ("rest.port", "8089"),
            ("rest.advertised.host.name", "worker-1"),
        ]);
        let c = WorkerConfig::parse(WorkerMode::Standalone, &p).unwrap();
        assert_eq!(c.rest_bind.1, 8089);
        assert_eq!(c.advertised_url, "worker-1:8089");
        assert_eq!(
            c.state,
            StateConfig::Standalone {
                offsets_file: "/tmp/x.offsets".into()
            }
        );
    }
}
