//! The snapshot's read-capacity budget (`dynamodb.snapshot.max.rcu.percentage`).
//!
//! `Limit` alone does not bound what a Scan costs (capacity is charged on item size, and a page
//! can be up to 1 MB), so the budget is a token bucket refilled at `percentage × table RCU` per
//! second and **shared by the five segments**: a segment waits until the balance is positive,
//! scans, and then pays what the call actually consumed (`ReturnConsumedCapacity=TOTAL`),
//! which may drive the balance negative and make every segment wait. The bucket holds at most one
//! second of budget, so an idle pause cannot be spent as a burst.
//!
//! On-demand tables report 0 provisioned RCU. Their budget is the percentage of the table's
//! maximum on-demand read throughput when one is set; without one the snapshot is not throttled
//! (DynamoDB itself throttles an on-demand table far above any provisioned default).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A shared read-capacity budget; unlimited when built without a rate.
#[derive(Debug)]
pub struct ReadCapacityLimiter {
    bucket: Option<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    /// Capacity units per second.
    rate: f64,
    /// Balance; negative after an expensive call.
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        self.last = now;
    }
}

impl ReadCapacityLimiter {
    /// A limiter of `units_per_second` (`None` or a non-positive rate: unlimited).
    pub fn new(units_per_second: Option<f64>) -> Self {
        let bucket = units_per_second.filter(|r| *r > 0.0).map(|rate| {
            Mutex::new(Bucket {
                rate,
                tokens: rate,
                last: Instant::now(),
            })
        });
        Self { bucket }
    }

    /// The budget of a table: `percentage` of its provisioned read capacity, or of its on-demand
    /// maximum when it is on demand.
    pub fn for_table(
        percentage: u32,
        read_capacity_units: i64,
        on_demand_max_read_units: Option<i64>,
    ) -> Self {
        let base = if read_capacity_units > 0 {
            Some(read_capacity_units)
        } else {
            on_demand_max_read_units
        };
        Self::new(base.map(|units| units as f64 * f64::from(percentage) / 100.0))
    }

    /// Units per second, `None` when unlimited.
    pub fn rate(&self) -> Option<f64> {
        self.bucket.as_ref().map(|b| {
            b.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .rate
        })
    }

    /// Waits until the balance is positive.
    pub async fn acquire(&self) {
        let Some(bucket) = &self.bucket else {
            return;
        };
        loop {
            let wait = {
                let mut b = bucket
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                b.refill(Instant::now());
                if b.tokens > 0.0 {
                    return;
                }
                Duration::from_secs_f64((-b.tokens + 1e-3) / b.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Pays for a call that consumed `units`.
    pub fn consume(&self, units: f64) {
        if let Some(bucket) = &self.bucket {
            let mut b = bucket
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            b.refill(Instant::now());
            b.tokens -= units.max(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_paced_to_the_budget_across_callers() {
        // 2 units per second, each call costs 1 unit: 10 calls by two callers take 3.5 s — the
        // initial one-second balance pays two, a call is allowed as soon as the balance is
        // positive (the third goes at once), and the other seven wait half a second each.
        let limiter = std::sync::Arc::new(ReadCapacityLimiter::new(Some(2.0)));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..2 {
            let l = limiter.clone();
            handles.push(tokio::spawn(async move {
                for _ in 0..5 {
                    l.acquire().await;
                    l.consume(1.0);
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let took = start.elapsed().as_secs_f64();
        assert!((3.45..=3.7).contains(&took), "took {took}s");
    }

    #[tokio::test(start_paused = true)]
    async fn an_expensive_call_makes_the_next_wait() {
        let limiter = ReadCapacityLimiter::new(Some(10.0));
        limiter.acquire().await;
        limiter.consume(40.0);
        let start = Instant::now();
        limiter.acquire().await;
        let took = start.elapsed().as_secs_f64();
        assert!(
            (2.9..=3.1).contains(&took),
            "30 units of debt at 10/s: {took}s"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits_and_on_demand_uses_its_maximum() {
        let limiter = ReadCapacityLimiter::for_table(50, 0, None);
        assert_eq!(limiter.rate(), None);
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
            limiter.consume(1000.0);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(
            ReadCapacityLimiter::for_table(50, 10, None).rate(),
            Some(5.0)
        );
        assert_eq!(
            ReadCapacityLimiter::for_table(25, 0, Some(400)).rate(),
            Some(100.0)
        );
    }
}
