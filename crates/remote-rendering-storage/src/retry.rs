//! Retry policy for transient storage failures: exponential backoff with jitter.

use rand::Rng as _;
use std::time::Duration;

/// How often and how patiently a failed request is tried again.
///
/// Transient failures are throttling (408, 429), server errors (500, 502, 503, 504) and lost
/// connections; every other failure is returned at once.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The delay before the first retry; it doubles for each further one.
    pub initial_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy with `max_attempts` attempts and the given first delay.
    pub fn new(max_attempts: u32, initial_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            initial_delay,
            max_delay,
        }
    }

    /// The delay after the `failures`-th failure (1-based), jittered by up to ±25% so parallel
    /// blocks do not retry in lockstep.
    pub(crate) fn delay(&self, failures: u32) -> Duration {
        let doubling = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        let base = self
            .initial_delay
            .saturating_mul(doubling)
            .min(self.max_delay);
        let jitter = rand::rng().random_range(0.75..=1.25);
        base.mul_f64(jitter).min(self.max_delay)
    }
}
