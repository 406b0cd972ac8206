//! Retries with exponential backoff, jitter and `Retry-After`.

use crate::error::Error;
use std::time::{Duration, Instant};

/// The longest `Retry-After` honoured, for retries and polls alike: a
/// server asking for a day (or a date next year) is waited on this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The `tracing` target of the INFO event emitted before each retry, so that
/// an application can show retries in progress (`arr` prints them on a
/// terminal) without enabling the crate's other logs.
///
/// The event's message is one readable line, e.g. `retrying in 2s after 503
/// (attempt 2 of 6)`; its fields are `operation`, `attempt` (the attempt
/// about to be made, counted from 1), `max_attempts` (the first attempt plus
/// [`RetryPolicy::max_retries`]), `delay_ms` and `cause` (the HTTP status,
/// or what failed: `timeout`, `connection refused`...).
///
/// Why an event rather than a callback in [`RetryPolicy`]: the policy is a
/// plain `Copy` value that callers compare and rebuild, and every call
/// already runs inside the crate's `tracing` spans, so a subscriber sees
/// which call is retrying at no extra API.
pub const RETRY_EVENT_TARGET: &str = "remote_rendering::retry";

/// How failed calls are retried.
///
/// Every operation of this crate is safe to retry: creates use client-chosen
/// ids (an identical retried create returns 200), the lease update sends an
/// absolute total, and stopping a stopped session succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub initial_delay: Duration,
    /// Upper bound of one backoff delay.
    pub max_delay: Duration,
    /// Upper bound of the whole call, retries included: a retry that would
    /// start after it is not made.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// This policy with `max_retries` set: retries after the first attempt.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// This policy with `initial_delay` set: the delay before the first retry.
    pub fn with_initial_delay(mut self, initial_delay: Duration) -> Self {
        self.initial_delay = initial_delay;
        self
    }

    /// This policy with `max_delay` set: the upper bound of one backoff delay.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// This policy with `max_elapsed` set: the upper bound of the whole call.
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (0-based), with jitter: a
    /// random point in the upper half of the exponential delay, so that many
    /// clients throttled together do not come back together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponential = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.max_delay);
        let half = exponential / 2;
        // 53 random bits as a fraction in [0, 1); the middle if the OS
        // generator fails.
        let fraction = getrandom::u64().map_or(0.5, |r| (r >> 11) as f64 / (1u64 << 53) as f64);
        half + half.mul_f64(fraction)
    }

    /// The delay before retry number `retry` (0-based) after `error`, or
    /// `None` when the call must give up: the error is not retryable, the
    /// retries are used up, or the wait would overrun `max_elapsed`. The
    /// service's `Retry-After` wins over the computed backoff.
    pub fn next_delay(&self, error: &Error, retry: u32, started: Instant) -> Option<Duration> {
        if !error.is_retryable() || retry >= self.max_retries {
            return None;
        }
        // A closed port: one quick retry (a server restarting), then give up.
        if error.unreachable() == Some(crate::Unreachable::ConnectionRefused) {
            return (retry == 0).then(|| self.backoff(0));
        }
        let delay = error.retry_after().unwrap_or_else(|| self.backoff(retry));
        if started.elapsed() + delay > self.max_elapsed {
            tracing::debug!(?delay, "retry budget exhausted");
            return None;
        }
        Some(delay)
    }
}

/// Emits the [`RETRY_EVENT_TARGET`] event: retry number `retry` (0-based)
/// of `operation` after `error`, in `delay`.
pub(crate) fn report_retry(
    operation: &'static str,
    error: &Error,
    retry: u32,
    policy: &RetryPolicy,
    delay: Duration,
) {
    let cause = retry_cause(error);
    let attempt = retry.saturating_add(2);
    let max_attempts = policy.max_retries.saturating_add(1);
    tracing::info!(
        target: RETRY_EVENT_TARGET,
        operation,
        attempt,
        max_attempts,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        cause = %cause,
        "retrying in {} after {cause} (attempt {attempt} of {max_attempts})",
        remote_rendering_duration::format_duration(delay),
    );
}

/// What made an attempt fail, in a word or two: the status when there was
/// an answer.
fn retry_cause(error: &Error) -> String {
    if let Some(status) = error.status() {
        return status.to_string();
    }
    match error {
        Error::Timeout { .. } => "a timeout".into(),
        Error::InvalidResponse { .. } => "a damaged response".into(),
        _ if error.unreachable() == Some(crate::Unreachable::ConnectionRefused) => {
            "connection refused".into()
        }
        _ => "a transport error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default()
            .with_initial_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(1));
        for retry in 0..10 {
            let full = Duration::from_millis(100 * 2u64.pow(retry)).min(Duration::from_secs(1));
            let delay = policy.backoff(retry);
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?}"
            );
        }
    }

    #[test]
    fn gives_up_on_non_retryable_errors_and_after_the_bounds() {
        let policy = RetryPolicy::default()
            .with_max_retries(3)
            .with_initial_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(2))
            .with_max_elapsed(Duration::from_secs(5));
        let now = Instant::now();
        assert_eq!(
            policy.next_delay(&Error::validation("x", "bad"), 0, now),
            None
        );
        let timeout = Error::Timeout {
            operation: "test",
            after: Duration::ZERO,
        };
        assert!(policy.next_delay(&timeout, 2, now).is_some());
        assert_eq!(policy.next_delay(&timeout, 3, now), None);
        let long_ago = now - Duration::from_secs(10);
        assert_eq!(policy.next_delay(&timeout, 0, long_ago), None);
    }
}
