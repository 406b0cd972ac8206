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

/// Called with the new total advance whenever the clock is advanced (the
/// `--data-dir` store keeps it).
pub(crate) type AdvanceHook = Box<dyn Fn(Duration) + Send + Sync>;

struct ClockInner {
    manual: bool,
    started: Instant,
    /// Real time that passed before this process started (a clock resumed
    /// from a data directory); always zero for a manual clock.
    before_start: Duration,
    started_wall: SystemTime,
    offset: Mutex<Duration>,
    on_advance: Option<AdvanceHook>,
}

impl std::fmt::Debug for ClockInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockInner")
            .field("manual", &self.manual)
            .field("started_wall", &self.started_wall)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl Clock {
    pub(crate) fn new(manual: bool) -> Self {
        Self::resume(manual, SystemTime::now(), Duration::ZERO, None)
    }

    /// A clock whose emulated time zero was at wall-clock `epoch` and which
    /// was advanced by `advanced` so far: a real clock counts the time since
    /// `epoch` (including time the emulator was not running), a manual one
    /// only `advanced`.
    pub(crate) fn resume(
        manual: bool,
        epoch: SystemTime,
        advanced: Duration,
        on_advance: Option<AdvanceHook>,
    ) -> Self {
        let before_start = if manual {
            Duration::ZERO
        } else {
            SystemTime::now().duration_since(epoch).unwrap_or_default()
        };
        Self {
            inner: Arc::new(ClockInner {
                manual,
                started: Instant::now(),
                before_start,
                started_wall: epoch,
                offset: Mutex::new(advanced),
                on_advance,
            }),
        }
    }

    /// Emulated time elapsed since the emulator started (with `--data-dir`:
    /// since it first started on that directory).
    pub fn elapsed(&self) -> Duration {
        let offset = *self.inner.offset.lock().expect("clock lock poisoned");
        if self.inner.manual {
            offset
        } else {
            self.inner.before_start + self.inner.started.elapsed() + offset
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
        // Under the lock, so stored totals arrive in order.
        if let Some(hook) = &self.inner.on_advance {
            hook(*offset);
        }
    }
}
