//! `--timeout`: one overall deadline per command, waits included. Its
//! message states the real time spent, not the configured one.

use crate::duration::format_duration;
use std::time::{Duration, Instant};

/// When the command started and how long it may take.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    started: Instant,
    timeout: Option<Duration>,
}

/// How much later than a wait's own timeout `main` ends the command: the
/// wait's message (with its resume hint) comes first.
pub const GRACE: Duration = Duration::from_millis(500);

impl Deadline {
    /// Starts counting now.
    pub fn start(timeout: Option<Duration>) -> Self {
        Self {
            started: Instant::now(),
            timeout,
        }
    }

    /// The configured `--timeout`, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// How long is left, if there is a deadline.
    pub fn left(&self) -> Option<Duration> {
        self.timeout
            .map(|t| t.saturating_sub(self.started.elapsed()))
    }

    /// What to say when the deadline passed: the real elapsed time.
    pub fn message(&self, what: &str) -> String {
        format!(
            "gave up after {} (--timeout {}): {what}",
            format_duration(self.started.elapsed()),
            self.timeout.map(format_duration).unwrap_or_default()
        )
    }
}
