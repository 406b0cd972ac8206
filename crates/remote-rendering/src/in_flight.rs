//! The cap on requests in flight: one client (and its clones) sends at most
//! so many requests at once; the others wait their turn in the client.
//!
//! Why: `reqwest`'s pool has no cap on connections per host, so a burst of
//! calls (10,000 session tasks polling at the same moment) opens as many
//! connections, each with its buffers and connection task, and a request
//! that queues in the kernel behind thousands of others is late by seconds.
//! Queued here, a waiting call costs only its future, the pool stays at the
//! cap, and requests are served in the order they asked (the semaphore is
//! fair).

use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests one client sends at once unless
/// [`ClientOptions::max_concurrent_requests`](crate::ClientOptions::max_concurrent_requests)
/// says otherwise.
///
/// Enough for thousands of calls per second against the service (at tens of
/// milliseconds per call), few enough that a burst of calls keeps the
/// connection pool, and the memory it holds, small.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 128;

/// The shared slots; a clone shares them.
#[derive(Clone, Debug)]
pub(crate) struct RequestLimit {
    slots: Arc<Semaphore>,
}

impl RequestLimit {
    /// A cap of `max` requests at once (clamped to what a semaphore holds).
    pub(crate) fn new(max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(max)),
        }
    }

    /// Waits for a slot until `deadline` (if any); `None` if the deadline
    /// passed first. The slot is given back when the permit is dropped.
    pub(crate) async fn acquire(&self, deadline: Option<Instant>) -> Option<SemaphorePermit<'_>> {
        // Fast path: no timer when a slot is free.
        if let Ok(permit) = self.slots.try_acquire() {
            return Some(permit);
        }
        // The semaphore is never closed, so `acquire` fails only on timeout.
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), self.slots.acquire())
                .await
                .ok()?
                .ok(),
            None => self.slots.acquire().await.ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn waits_for_a_slot_until_the_deadline() {
        let limit = RequestLimit::new(1);
        let held = limit.acquire(None).await;
        assert!(held.is_some(), "a free slot is taken without waiting");
        let deadline = Some(Instant::now() + Duration::from_secs(1));
        assert!(
            limit.acquire(deadline).await.is_none(),
            "no slot before the deadline"
        );
        drop(held);
        assert!(
            limit.acquire(deadline).await.is_some(),
            "the slot came back"
        );
    }
}
