//! The one error type every plugin returns, classified by what the worker should do with it.
//!
//! Kafka Connect distinguishes `RetriableException` from everything else; Strait goes one step
//! further so the worker never has to match on strings: a *retriable* error is retried with
//! backoff while the task stays RUNNING, a *config* error is a 400 for the user, a *data* error is
//! one record that cannot be handled (`errors.tolerance` decides), and a *fatal* error fails the
//! task with a message telling the user what to do.

use std::fmt;

/// A boxed underlying cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result with [`ConnectError`] as the default error.
pub type Result<T, E = ConnectError> = std::result::Result<T, E>;

/// Errors raised by connectors, tasks, transforms and converters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A temporary condition (network, broker not ready, throttling): retry with backoff.
    #[error("{message}")]
    Retriable {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Bad user input: a configuration key has an invalid value or is missing.
    #[error("invalid value for configuration '{key}': {message}")]
    Config { key: String, message: String },
    /// One record could not be converted or transformed; `errors.tolerance` decides.
    #[error("{message}")]
    Data { message: String },
    /// The task cannot continue; the message tells the user how to recover.
    #[error("{message}")]
    Fatal {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl ConnectError {
    /// A retriable error with a message and no underlying cause.
    pub fn retriable(message: impl Into<String>) -> Self {
        Self::Retriable {
            message: message.into(),
            source: None,
        }
    }

    /// A retriable error wrapping its cause.
    pub fn retriable_from(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Retriable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A configuration error naming the offending key.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A data error: one record (or value) cannot be handled.
    pub fn data(message: impl Into<String>) -> Self {
        Self::Data {
            message: message.into(),
        }
    }

    /// A fatal error with a message telling the user what to do.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::Fatal {
            message: message.into(),
            source: None,
        }
    }

    /// A fatal error wrapping its cause.
    pub fn fatal_from(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Fatal {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// Whether the worker should retry the operation that raised this error.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Retriable { .. })
    }

    /// Whether this is a per-record data error (subject to `errors.tolerance`).
    pub fn is_data(&self) -> bool {
        matches!(self, Self::Data { .. })
    }

    /// Prefixes the message with context (for example the field path of a data error).
    pub fn context(self, context: impl fmt::Display) -> Self {
        match self {
            Self::Retriable { message, source } => Self::Retriable {
                message: format!("{context}: {message}"),
                source,
            },
            Self::Config { key, message } => Self::Config {
                key,
                message: format!("{context}: {message}"),
            },
            Self::Data { message } => Self::Data {
                message: format!("{context}: {message}"),
            },
            Self::Fatal { message, source } => Self::Fatal {
                message: format!("{context}: {message}"),
                source,
            },
        }
    }

    /// The message followed by every underlying cause, the way a Java stack trace summary reads.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(self);
        while let Some(err) = cur {
            out.push_str("\nCaused by: ");
            out.push_str(&err.to_string());
            cur = err.source();
        }
        out
    }
}
