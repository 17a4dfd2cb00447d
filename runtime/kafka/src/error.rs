//! Errors from the broker.
//!
//! Every error names what it was about (broker address, API, topic, partition, offset) because
//! the worker turns it into a task status message a user reads, and says whether retrying can
//! help: [`KafkaError::is_retriable`] follows Kafka's own split (`RetriableException`:
//! connection problems, leader elections, not-ready brokers) so the worker can map it onto
//! [`strait_api::ConnectError`] without matching strings. Broker error codes are kept as the raw
//! `i16` so `kafka-protocol` stays an implementation detail of this module.

use std::fmt;
use std::time::Duration;

use kafka_protocol::ResponseError;
use strait_api::ConnectError;

/// An error talking to the broker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KafkaError {
    /// The client was configured with an unusable bootstrap list.
    #[error("invalid Kafka client configuration: {message}")]
    Config { message: String },

    /// A TCP connection to a broker could not be opened.
    #[error("cannot connect to Kafka broker {broker}: {error}")]
    Connect {
        broker: String,
        /// The OS error (kept in the message rather than as a `source`, so it prints once).
        error: std::io::Error,
    },

    /// An open connection failed or was closed while a request was outstanding.
    #[error("connection to Kafka broker {broker} lost during {api}: {reason}")]
    ConnectionLost {
        broker: String,
        api: &'static str,
        reason: String,
    },

    /// A broker did not answer in time.
    #[error("Kafka broker {broker} did not answer {api} within {timeout:?}")]
    Timeout {
        broker: String,
        api: &'static str,
        timeout: Duration,
    },

    /// The broker supports no version of an API that this client can speak.
    #[error(
        "Kafka broker {broker} does not support a usable version of {api} (Strait speaks \
         {ours_min}..={ours_max}, the broker {})",
        broker_range(*.broker_min_max)
    )]
    UnsupportedVersion {
        broker: String,
        api: &'static str,
        ours_min: i16,
        ours_max: i16,
        broker_min_max: Option<(i16, i16)>,
    },

    /// A response could not be decoded.
    #[error("malformed {api} response from Kafka broker {broker}: {message}")]
    Protocol {
        broker: String,
        api: &'static str,
        message: String,
    },

    /// The broker answered a request with an error code.
    #[error(
        "{api} failed for {}: {} (error code {code}){}",
        Place { topic, partition: *partition, offset: *offset },
        ResponseError::try_from_code(*code).unwrap_or(ResponseError::Unknown(*code)),
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    )]
    Broker {
        api: &'static str,
        topic: String,
        partition: Option<i32>,
        offset: Option<i64>,
        code: i16,
        /// The broker's own message, when it sent one.
        message: Option<String>,
    },

    /// The topic does not exist (and was not auto-created).
    #[error("topic '{topic}' does not exist")]
    UnknownTopic { topic: String },

    /// The topic exists but has no such partition.
    #[error("topic '{topic}' has {partitions} partition(s); partition {partition} does not exist")]
    UnknownPartition {
        topic: String,
        partition: i32,
        partitions: i32,
    },

    /// The requested offset is not in the partition's log.
    #[error(
        "offset {offset} is out of range for topic '{topic}' partition {partition}{}",
        high_watermark.map(|h| format!(" (high watermark {h})")).unwrap_or_default()
    )]
    OffsetOutOfRange {
        topic: String,
        partition: i32,
        offset: i64,
        high_watermark: Option<i64>,
    },

    /// A fetched record batch failed its checksum or could not be parsed.
    #[error("corrupt record batch in topic '{topic}' partition {partition} at offset {offset}: {message}")]
    CorruptBatch {
        topic: String,
        partition: i32,
        offset: i64,
        message: String,
    },

    /// Fetches stopped returning records before the high watermark was reached.
    #[error(
        "reading topic '{topic}' partition {partition} made no progress at offset {offset} \
         (high watermark {high_watermark})"
    )]
    FetchStalled {
        topic: String,
        partition: i32,
        offset: i64,
        high_watermark: i64,
    },
}

/// `topic 'x' partition p offset o`, omitting what is unknown.
struct Place<'a> {
    topic: &'a str,
    partition: Option<i32>,
    offset: Option<i64>,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.topic.is_empty() {
            f.write_str("the cluster")?;
        } else {
            write!(f, "topic '{}'", self.topic)?;
        }
        if let Some(p) = self.partition {
            write!(f, " partition {p}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " offset {o}")?;
        }
        Ok(())
    }
}

fn broker_range(range: Option<(i16, i16)>) -> String {
    match range {
        Some((min, max)) => format!("supports {min}..={max}"),
        None => "does not offer it".to_string(),
    }
}

impl KafkaError {
    /// Whether retrying the same operation later can succeed: connection failures, timeouts,
    /// leader elections and other not-ready conditions (Kafka's `RetriableException`s).
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::ConnectionLost { .. }
            | Self::Timeout { .. }
            | Self::FetchStalled { .. } => true,
            Self::Broker { code, .. } => {
                ResponseError::try_from_code(*code).is_some_and(|e| e.is_retriable())
            }
            Self::Config { .. }
            | Self::UnsupportedVersion { .. }
            | Self::Protocol { .. }
            | Self::UnknownTopic { .. }
            | Self::UnknownPartition { .. }
            | Self::OffsetOutOfRange { .. }
            | Self::CorruptBatch { .. } => false,
        }
    }

    /// The Kafka error code the broker answered with, if this error came from one.
    pub fn error_code(&self) -> Option<i16> {
        match self {
            Self::Broker { code, .. } => Some(*code),
            Self::UnknownTopic { .. } | Self::UnknownPartition { .. } => {
                Some(ResponseError::UnknownTopicOrPartition.code())
            }
            Self::OffsetOutOfRange { .. } => Some(ResponseError::OffsetOutOfRange.code()),
            _ => None,
        }
    }

    /// A broker error with its context.
    pub(crate) fn broker(
        api: &'static str,
        topic: &str,
        partition: Option<i32>,
        code: i16,
        message: Option<String>,
    ) -> Self {
        Self::Broker {
            api,
            topic: topic.to_string(),
            partition,
            offset: None,
            code,
            message,
        }
    }
}

impl From<KafkaError> for ConnectError {
    fn from(err: KafkaError) -> Self {
        // The message already holds every cause, so no `source` is attached.
        if err.is_retriable() {
            ConnectError::retriable(err.to_string())
        } else {
            ConnectError::fatal(err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leader_elections_and_connection_failures_are_retriable() {
        let leader = KafkaError::broker("Produce", "t", Some(0), 5, None);
        assert!(leader.is_retriable(), "LEADER_NOT_AVAILABLE");
        let not_leader = KafkaError::broker("Produce", "t", Some(0), 6, None);
        assert!(not_leader.is_retriable(), "NOT_LEADER_OR_FOLLOWER");
        let lost = KafkaError::ConnectionLost {
            broker: "b:9092".into(),
            api: "Fetch",
            reason: "eof".into(),
        };
        assert!(lost.is_retriable());
        let refused = KafkaError::Connect {
            broker: "b:9092".into(),
            error: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        };
        assert!(refused.is_retriable());
    }

    #[test]
    fn bad_input_is_not_retriable() {
        let invalid = KafkaError::broker("CreateTopics", "t", None, 37, None);
        assert!(!invalid.is_retriable(), "INVALID_PARTITIONS");
        let unknown_code = KafkaError::broker("Produce", "t", Some(0), 999, None);
        assert!(!unknown_code.is_retriable());
        assert!(!KafkaError::UnknownTopic { topic: "t".into() }.is_retriable());
    }

    #[test]
    fn messages_carry_the_context() {
        let err = KafkaError::broker(
            "CreateTopics",
            "orders",
            None,
            37,
            Some("Number of partitions must be larger than 0.".into()),
        );
        let text = err.to_string();
        assert!(text.contains("CreateTopics"), "{text}");
        assert!(text.contains("topic 'orders'"), "{text}");
        assert!(text.contains("InvalidPartitions"), "{text}");
        assert!(text.contains("error code 37"), "{text}");
        assert!(text.contains("must be larger than 0"), "{text}");

        let err = KafkaError::broker("Produce", "orders", Some(2), 10, None);
        assert!(
            err.to_string().contains("topic 'orders' partition 2"),
            "{err}"
        );
    }

    #[test]
    fn converts_to_connect_error_by_retriability() {
        let retriable: ConnectError = KafkaError::broker("Fetch", "t", Some(0), 5, None).into();
        assert!(retriable.is_retriable());
        assert!(retriable.to_string().contains("topic 't' partition 0"));

        let fatal: ConnectError = KafkaError::OffsetOutOfRange {
            topic: "t".into(),
            partition: 1,
            offset: 42,
            high_watermark: Some(7),
        }
        .into();
        assert!(!fatal.is_retriable());
        assert!(matches!(fatal, ConnectError::Fatal { .. }));
        assert!(fatal.to_string().contains("offset 42"), "{fatal}");

        let refused: ConnectError = KafkaError::Connect {
            broker: "b:9092".into(),
            error: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        }
        .into();
        assert!(refused.is_retriable());
        assert!(refused.to_string().contains("refused"), "{refused}");
    }
}
