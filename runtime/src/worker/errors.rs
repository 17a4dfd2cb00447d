//! Error handling for the per-record stages (`errors.tolerance`, `errors.retry.timeout`,
//! `errors.log.enable`), as Kafka's `RetryWithToleranceOperator` does it.
//!
//! Retriable errors are retried with exponential backoff up to `errors.retry.timeout`
//! (`-1`: forever). An error that remains is either tolerated (`errors.tolerance=all`: the
//! record is skipped and optionally logged) or fails the task with "Tolerance exceeded in error
//! handler". The fast path — an operation that succeeds at once — is a single branch.

use std::time::Duration;

use tokio::time::Instant;

use strait_api::{ConnectError, SourceRecord};

/// `errors.tolerance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerance {
    None,
    All,
}

/// The stage a record was in when it failed (Kafka's `Stage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Transformation,
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    KafkaProduce,
}

impl Stage {
    /// Kafka's stage name, used in logs and traces.
    pub fn name(self) -> &'static str {
        match self {
            Self::Transformation => "TRANSFORMATION",
            Self::KeyConverter => "KEY_CONVERTER",
            Self::ValueConverter => "VALUE_CONVERTER",
            Self::HeaderConverter => "HEADER_CONVERTER",
            Self::KafkaProduce => "KAFKA_PRODUCE",
        }
    }
}

/// The parsed `errors.*` settings of a connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorPolicy {
    pub tolerance: Tolerance,
    pub retry_timeout_ms: i64,
    pub retry_delay_max_ms: u64,
    pub log_enable: bool,
    pub log_include_messages: bool,
}

impl Default for ErrorPolicy {
    fn default() -> Self {
        Self {
            tolerance: Tolerance::None,
            retry_timeout_ms: 0,
            retry_delay_max_ms: 60_000,
            log_enable: false,
            log_include_messages: false,
        }
    }
}

/// What became of a record stage.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The stage produced a value.
    Done(T),
    /// The stage failed and the failure was tolerated: skip the record.
    Skipped,
}

impl ErrorPolicy {
    /// Runs one stage of one record with retries and tolerance.
    ///
    /// # Errors
    /// A fatal error ("Tolerance exceeded in error handler") when the failure is not tolerated.
    pub async fn run<T>(
        &self,
        task: &str,
        stage: Stage,
        record: &SourceRecord,
        mut op: impl FnMut() -> Result<T, ConnectError>,
    ) -> Result<Outcome<T>, ConnectError> {
        let first = op();
        let err = match first {
            Ok(v) => return Ok(Outcome::Done(v)),
            Err(e) => e,
        };
        let err = match self.retry(err, &mut op).await {
            Ok(v) => return Ok(Outcome::Done(v)),
            Err(e) => e,
        };
        self.report(task, stage, record, &err);
        match self.tolerance {
            Tolerance::All => Ok(Outcome::Skipped),
            Tolerance::None => Err(tolerance_exceeded(err)),
        }
    }

    async fn retry<T>(
        &self,
        mut err: ConnectError,
        op: &mut impl FnMut() -> Result<T, ConnectError>,
    ) -> Result<T, ConnectError> {
        if !err.is_retriable() || self.retry_timeout_ms == 0 {
            return Err(err);
        }
        let deadline = (self.retry_timeout_ms > 0)
            .then(|| Instant::now() + Duration::from_millis(self.retry_timeout_ms as u64));
        let mut delay = Duration::from_millis(300);
        loop {
            let mut sleep = delay.min(Duration::from_millis(self.retry_delay_max_ms));
            if let Some(d) = deadline {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(err);
                }
                sleep = sleep.min(left);
            }
            tokio::time::sleep(sleep).await;
            match op() {
                Ok(v) => return Ok(v),
                Err(e) if e.is_retriable() => err = e,
                Err(e) => return Err(e),
            }
            delay = (delay * 2).min(Duration::from_millis(self.retry_delay_max_ms));
        }
    }

    /// Logs a failed record stage when `errors.log.enable` is set.
    pub fn report(&self, task: &str, stage: Stage, record: &SourceRecord, err: &ConnectError) {
        if !self.log_enable {
            return;
        }
        if self.log_include_messages {
            tracing::error!(task, stage = stage.name(), error = %err.chain(), record = ?record, "error encountered in task, executing stage");
        } else {
            tracing::error!(task, stage = stage.name(), topic = %record.topic, error = %err.chain(), "error encountered in task, executing stage");
        }
    }
}

/// The error a task fails with when a record failure is not tolerated.
pub fn tolerance_exceeded(cause: ConnectError) -> ConnectError {
    ConnectError::fatal_from("Tolerance exceeded in error handler", cause)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn record() -> SourceRecord {
        SourceRecord::new(
            Arc::new(Default::default()),
            Default::default(),
            "t",
            None,
            strait_api::Value::Null,
        )
    }

    #[tokio::test]
    async fn data_error_fails_without_tolerance_and_skips_with_it() {
        let none = ErrorPolicy::default();
        let err = none
            .run::<()>("c-0", Stage::ValueConverter, &record(), || {
                Err(ConnectError::data("bad field"))
            })
            .await
            .unwrap_err();
        assert!(
            err.chain()
                .contains("Tolerance exceeded in error handler\nCaused by: bad field"),
            "{}",
            err.chain()
        );
        let all = ErrorPolicy {
            tolerance: Tolerance::All,
            ..ErrorPolicy::default()
        };
        let out = all
            .run::<()>("c-0", Stage::ValueConverter, &record(), || {
                Err(ConnectError::data("bad"))
            })
            .await
            .unwrap();
        assert!(matches!(out, Outcome::Skipped));
    }

    #[tokio::test(start_paused = true)]
    async fn retriable_errors_are_retried_until_success() {
        let policy = ErrorPolicy {
            retry_timeout_ms: 10_000,
            ..ErrorPolicy::default()
        };
        let mut calls = 0;
        let out = policy
            .run("c-0", Stage::Transformation, &record(), || {
                calls += 1;
                if calls < 3 {
                    Err(ConnectError::retriable("not yet"))
                } else {
                    Ok(calls)
                }
            })
            .await
            .unwrap();
        assert!(matches!(out, Outcome::Done(3)));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_timeout() {
        let policy = ErrorPolicy {
            retry_timeout_ms: 1_000,
            ..ErrorPolicy::default()
        };
        let mut calls = 0;
        let err = policy
            .run::<()>("c-0", Stage::Transformation, &record(), || {
                calls += 1;
                Err(ConnectError::retriable("down"))
            })
            .await
            .unwrap_err();
        assert!(err.chain().contains("down"));
        assert!(calls > 1 && calls < 10, "calls = {calls}");
    }
}
