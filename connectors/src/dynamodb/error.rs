//! One error type for the connector, with the context a user needs (which table, which shard,
//! which AWS operation) and the classification the worker acts on: AWS throttling and network
//! failures are retried inside the connector and surface as retriable; a missing table, a
//! trimmed stream position or an unreadable offset fail the task with a message saying what to
//! do.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use strait_api::ConnectError;

/// AWS error codes that mean "slow down or try again".
const RETRIABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestTimeout",
];

/// What went wrong in the connector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DynamoDbError {
    /// An AWS call failed.
    #[error("{operation} failed{}: {message}", context.as_ref().map(|c| format!(" for {c}")).unwrap_or_default())]
    Aws {
        operation: &'static str,
        /// The table, stream or shard the call was about.
        context: Option<String>,
        /// The AWS error code, when the service sent one.
        code: Option<String>,
        message: String,
        retriable: bool,
    },
    /// A table the connector was told to capture does not exist.
    #[error("table {table} does not exist at {endpoint}")]
    TableNotFound { table: String, endpoint: String },
    /// A table's stream is missing or has the wrong view type.
    #[error("{0}")]
    StreamNotUsable(String),
    /// Changes after a committed stream position were trimmed (older than 24 h).
    #[error(
        "the stream of table {table} no longer holds the changes after the committed position \
         (shard {shard}, sequence number {sequence}): they are older than the stream's 24-hour \
         retention and were trimmed (TrimmedDataAccessException), so they are lost. To resume, \
         accept the loss by setting the stream offset of the table with PATCH \
         /connectors/<name>/offsets ({{\"partition\":{{\"stream\":\"{table}\"}},\"offset\":{{\"cdc.start.position.timestamp\":\"<time>\"}}}}), \
         or reset the connector's offsets to take a new snapshot"
    )]
    Trimmed {
        table: String,
        shard: String,
        sequence: String,
    },
    /// The task stopped while the work was under way: not a failure, the work just ends.
    #[error("the task stopped")]
    Stopped,
    /// A committed offset cannot be read.
    #[error("the committed offset {partition} cannot be used: {message}; reset or correct it with PATCH or DELETE /connectors/<name>/offsets")]
    Offset { partition: String, message: String },
}

impl DynamoDbError {
    /// Whether retrying the same call may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            Self::Aws {
                retriable: true,
                ..
            }
        )
    }

    /// The AWS error code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Classifies an SDK error of `operation` about `context`.
    pub fn aws<E, R>(
        operation: &'static str,
        context: impl Into<Option<String>>,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = err.code().map(str::to_string);
        let retriable = match &err {
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(_) => code
                .as_deref()
                .is_some_and(|c| RETRIABLE_CODES.contains(&c)),
            _ => false,
        };
        let message = match err.message() {
            Some(m) => format!("{}: {m}", code.as_deref().unwrap_or("error")),
            None => DisplayErrorContext(&err).to_string(),
        };
        Self::Aws {
            operation,
            context: context.into(),
            code,
            message,
            retriable,
        }
    }
}

impl From<DynamoDbError> for ConnectError {
    fn from(e: DynamoDbError) -> Self {
        if e.is_retriable() {
            ConnectError::retriable(e.to_string())
        } else {
            ConnectError::fatal(e.to_string())
        }
    }
}
