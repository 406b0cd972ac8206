//! State shared by every part of the server and the [`crate::EmulatorHandle`].

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use uuid::Uuid;

use crate::LinkedStorage;
use crate::auth::Keys;
use crate::persist::{Database, PersistError};
use crate::state::{Store, Timing};
use crate::{Clock, Faults, RequestRecord, Route};

/// Which emulated service a request addressed; each has its own rate budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Service {
    Sts,
    RemoteRendering,
}

/// What a request counts against: the service and the parsed account id.
pub(crate) type RateKey = (Service, String);

/// Who may use the admin routes. (No `Debug`: it holds the admin token.)
pub(crate) struct AdminAccess {
    /// Required as `Authorization: Bearer <token>` when set.
    pub(crate) token: Option<String>,
    /// Host names (besides loopback names and IP literals of the served
    /// addresses) accepted in the `Host` header.
    pub(crate) host_names: Vec<String>,
    /// The address really bound.
    pub(crate) bound: SocketAddr,
}

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
    /// The latest requests, oldest first; at most `log_capacity`.
    pub(crate) log: Mutex<VecDeque<RequestRecord>>,
    pub(crate) log_capacity: usize,
    /// Per service and account: start of the current window and requests
    /// seen in it.
    pub(crate) rate: Mutex<HashMap<RateKey, (Duration, u32)>>,
    pub(crate) scheme: &'static str,
    pub(crate) endpoint: url::Url,
    pub(crate) admin: AdminAccess,
    /// The `--data-dir` store, if any.
    pub(crate) db: Option<Arc<Database>>,
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

    pub(crate) fn log(&self) -> MutexGuard<'_, VecDeque<RequestRecord>> {
        lock(&self.log)
    }

    /// Appends to the request log, forgetting the oldest entry when full.
    pub(crate) fn record(&self, record: RequestRecord) {
        if self.log_capacity == 0 {
            return;
        }
        let mut log = self.log();
        while log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// Writes the resource a successful request of `route` (at `path`)
    /// changed to the data directory, if there is one. Runs before the
    /// response is sent, so every acknowledged change is on disk.
    pub(crate) fn persist_after(&self, route: Route, path: &str) -> Result<(), PersistError> {
        if self.db.is_none() {
            return Ok(());
        }
        let Some(segment) = path.trim_start_matches('/').split('/').nth(3) else {
            return Ok(());
        };
        // Decoded as the router decoded it for the handler (`a%2Db` is `a-b`).
        let id = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        match route {
            Route::CreateSession | Route::UpdateSession | Route::StopSession => {
                self.persist_session(&id)
            }
            Route::CreateConversion => self.persist_conversion(&id),
            _ => Ok(()),
        }
    }

    /// Writes one session's current state to the data directory, if any.
    pub(crate) fn persist_session(&self, id: &str) -> Result<(), PersistError> {
        let Some(db) = &self.db else { return Ok(()) };
        // The snapshot is taken and the write lock acquired under the store
        // lock, so writes land in snapshot order (a later change is never
        // overwritten by an earlier one); the synced write itself happens
        // after the store is released, so readers do not wait for the disk.
        let store = self.store();
        let Some(session) = store.session(id) else {
            return Ok(());
        };
        let staged = db.stage_session(&self.account_id.to_string(), session)?;
        drop(store);
        staged.commit()
    }

    /// Writes one conversion's current state to the data directory, if any.
    pub(crate) fn persist_conversion(&self, id: &str) -> Result<(), PersistError> {
        let Some(db) = &self.db else { return Ok(()) };
        let store = self.store();
        let Some(conversion) = store.conversion(id) else {
            return Ok(());
        };
        let staged = db.stage_conversion(&self.account_id.to_string(), conversion)?;
        drop(store);
        staged.commit()
    }

    /// Counts a request against its service's and account's limit;
    /// `Some(wait)` when over it.
    pub(crate) fn rate_limited(&self, key: RateKey) -> Option<Duration> {
        let (limit, window) = self.rate_limit?;
        let now = self.clock.elapsed();
        let mut rate = lock(&self.rate);
        let entry = rate.entry(key).or_insert((now, 0));
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
