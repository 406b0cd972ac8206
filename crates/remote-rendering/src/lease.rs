//! The lease keeper: keeps a session alive by extending its lease in time.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::ids::SessionId;
use crate::models::{Lease, SessionStatus};
use std::time::Duration;
use tokio::sync::mpsc;

/// When and how far the [`LeaseKeeper`] extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseKeeperOptions {
    /// Extend when less than this much lease is left (default 10 min).
    pub margin: Duration,
    /// Extend by this much each time, in whole minutes (default 30 min).
    pub step: Duration,
    /// How often the session is checked (default 1 min).
    pub check_interval: Duration,
}

impl Default for LeaseKeeperOptions {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(10 * 60),
            step: Duration::from_secs(30 * 60),
            check_interval: Duration::from_secs(60),
        }
    }
}

impl LeaseKeeperOptions {
    /// These options with `margin` set: extend when less than this much lease is left.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// These options with `step` set: extend by this much each time.
    pub fn with_step(mut self, step: Duration) -> Self {
        self.step = step;
        self
    }

    /// These options with `check_interval` set: how often the session is checked.
    pub fn with_check_interval(mut self, check_interval: Duration) -> Self {
        self.check_interval = check_interval;
        self
    }
}

/// What the keeper did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeaseEvent {
    /// The lease was raised from one total to another.
    Extended {
        /// The total lease before.
        from: Duration,
        /// The total lease now.
        to: Duration,
    },
    /// The lease is at the 1,440-minute maximum; it cannot grow further.
    AtMaximum {
        /// The lease.
        lease: Duration,
    },
    /// The session left the Starting/Ready states; the keeper has ended.
    Ended {
        /// Its final status.
        status: SessionStatus,
    },
}

/// A background task extending a session's lease before it runs out.
///
/// Opt-in and bounded by the 1,440-minute maximum. It ends when the session
/// ends or when this handle is dropped.
pub struct LeaseKeeper {
    events: mpsc::Receiver<Event>,
    task: tokio::task::JoinHandle<()>,
}

impl LeaseKeeper {
    pub(crate) fn start(
        client: Client,
        id: SessionId,
        options: LeaseKeeperOptions,
    ) -> Result<Self> {
        Lease::try_from(options.step)?;
        if options.check_interval.is_zero() {
            return Err(Error::validation("check interval", "must be positive"));
        }
        let (sender, events) = mpsc::channel(16);
        let task = tokio::spawn(run(client, id, options, sender));
        Ok(Self { events, task })
    }

    /// The next thing the keeper did; `None` once it has ended.
    pub async fn next_event(&mut self) -> Option<Result<LeaseEvent>> {
        self.events.recv().await.map(|event| *event)
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An event as the channel carries it: boxed, because a channel allocates
/// its first block of 32 slots up front, and 32 unboxed events cost ~2 KiB
/// per keeper (20 MiB for 10,000 keepers) where pointers cost 256 bytes.
type Event = Box<Result<LeaseEvent>>;

/// Reports an event without ever waiting for the reader: a keeper whose
/// events nobody reads must go on extending (the oldest unread events are
/// kept; newer ones are dropped while the buffer is full).
fn report(events: &mpsc::Sender<Event>, event: Result<LeaseEvent>) {
    if let Err(mpsc::error::TrySendError::Full(event)) = events.try_send(Box::new(event)) {
        tracing::debug!(?event, "lease keeper: event buffer full, event dropped");
    }
}

async fn run(
    client: Client,
    id: SessionId,
    options: LeaseKeeperOptions,
    events: mpsc::Sender<Event>,
) {
    let maximum = Lease::MAX.duration();
    let mut reported_maximum = false;
    loop {
        match client.get_session(&id).await {
            Ok(session) if session.status.is_terminal() => {
                // The end is always delivered, even to a slow reader.
                let _ = events
                    .send(Box::new(Ok(LeaseEvent::Ended {
                        status: session.status,
                    })))
                    .await;
                return;
            }
            Ok(session) => {
                let lease = session.max_lease.unwrap_or_default();
                let remaining = session.remaining_lease().unwrap_or_default();
                if remaining <= options.margin {
                    if lease >= maximum {
                        if !reported_maximum {
                            reported_maximum = true;
                            report(&events, Ok(LeaseEvent::AtMaximum { lease }));
                        }
                    } else {
                        let to = (lease + options.step).min(maximum);
                        let event = client
                            .update_lease(&id, to)
                            .await
                            .map(|_| LeaseEvent::Extended { from: lease, to });
                        tracing::info!(session = %id, ?lease, ?to, ok = event.is_ok(), "lease keeper");
                        let extended = event.is_ok();
                        report(&events, event);
                        // Behind real time (a late check, a slow call, a step
                        // smaller than the margin): one step may leave the
                        // lease still inside the margin. Catch up now rather
                        // than a check interval later, when it may have run out.
                        if extended && remaining + (to - lease) <= options.margin {
                            continue;
                        }
                    }
                }
            }
            Err(error) => {
                let fatal = !error.is_retryable();
                report(&events, Err(error));
                if fatal {
                    return;
                }
            }
        }
        tokio::time::sleep(options.check_interval).await;
    }
}
