//! The emulator's notion of time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Time source shared by every part of the emulator.
///
/// All lifecycle transitions (session startup, lease expiry, conversion
/// progress, token expiry, rate-limit windows) are computed from this clock
/// when a request arrives, so moving the clock moves the whole emulated
/// service at once.
///
/// * A **real** clock follows the machine's monotonic clock. [`Clock::advance`]
///   still works on it: it jumps ahead by the given amount on top of real time.
/// * A **manual** clock (see `EmulatorBuilder::manual_clock`) stands still
///   until [`Clock::advance`] is called, which makes lifecycle tests
///   deterministic.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

#[derive(Debug)]
struct ClockInner {
    manual: bool,
    started: Instant,
    started_wall: SystemTime,
    offset: Mutex<Duration>,
}

impl Clock {
    pub(crate) fn new(manual: bool) -> Self {
        Self {
            inner: Arc::new(ClockInner {
                manual,
                started: Instant::now(),
                started_wall: SystemTime::now(),
                offset: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// Emulated time elapsed since the emulator started.
    pub fn elapsed(&self) -> Duration {
        let offset = *self.inner.offset.lock().expect("clock lock poisoned");
        if self.inner.manual {
            offset
        } else {
            self.inner.started.elapsed() + offset
        }
    }

    /// Emulated wall-clock time ("now" as the emulated service sees it).
    pub fn now(&self) -> SystemTime {
        self.inner.started_wall + self.elapsed()
    }

    /// Moves emulated time forward by `by`.
    ///
    /// On a manual clock this is the only way time passes; on a real clock it
    /// adds to the time that passes anyway.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.inner.offset.lock().expect("clock lock poisoned");
        *offset += by;
    }
}
