//! Backoff between retries of AWS calls that failed for a passing reason (throttling, network,
//! a 5xx), shared by the scan and the stream readers so both wait the same way.

use std::time::Duration;

use tokio::time::sleep;

use super::error::DynamoDbError;

/// Longest wait between retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Retry delays doubling from 200 ms up to [`MAX_BACKOFF`].
#[derive(Debug)]
pub struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Self(FIRST_BACKOFF)
    }
}

impl Backoff {
    /// A fresh backoff.
    pub fn new() -> Self {
        Self::default()
    }

    /// Logs the failure and waits the current delay, then doubles it.
    pub async fn wait(&mut self, what: &str, error: &DynamoDbError) {
        tracing::warn!(
            error = %error,
            retry_in_ms = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX),
            "{what} failed, retrying"
        );
        sleep(self.0).await;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
    }

    /// Back to the first delay after a success.
    pub fn reset(&mut self) {
        self.0 = FIRST_BACKOFF;
    }
}
