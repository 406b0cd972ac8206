//! State shared by every part of the server and the [`crate::EmulatorHandle`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use uuid::Uuid;

use crate::LinkedStorage;
use crate::auth::Keys;
use crate::state::{Store, Timing};
use crate::{Clock, Faults, RequestRecord};

/// State shared by the server and the [`crate::EmulatorHandle`].
pub(crate) struct Shared {
    pub(crate) account_id: Uuid,
    pub(crate) account_key: String,
    pub(crate) account_domain: String,
    pub(crate) timing: Timing,
    pub(crate) page_size: usize,
    /// Whether conversion polls carry `Retry-After` (the service sent none).
    pub(crate) poll_retry_after: bool,
    /// Storage accounts usable without a SAS.
    pub(crate) linked_storage: Vec<LinkedStorage>,
    pub(crate) rate_limit: Option<(u32, Duration)>,
    pub(crate) token_lifetime: Duration,
    pub(crate) clock: Clock,
    pub(crate) faults: Faults,
    pub(crate) keys: Keys,
    pub(crate) store: Mutex<Store>,
    pub(crate) log: Mutex<Vec<RequestRecord>>,
    /// Per account: start of the current window and requests seen in it.
    pub(crate) rate: Mutex<HashMap<String, (Duration, u32)>>,
    pub(crate) scheme: &'static str,
    pub(crate) endpoint: url::Url,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Handlers never leave the state half-updated on panic, so a poisoned
    // lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, Vec<RequestRecord>> {
        lock(&self.log)
    }

    /// Counts a request against `account`'s limit; `Some(wait)` when over it.
    pub(crate) fn rate_limited(&self, account: &str) -> Option<Duration> {
        let (limit, window) = self.rate_limit?;
        let now = self.clock.elapsed();
        let mut rate = lock(&self.rate);
        let entry = rate.entry(account.to_ascii_lowercase()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Some((entry.0 + window).saturating_sub(now));
        }
        entry.1 += 1;
        None
    }
}
