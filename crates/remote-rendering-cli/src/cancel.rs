//! Ctrl-C and SIGTERM for the whole process, in every phase of a command.
//!
//! The waits (`wait.rs`) handle a signal themselves: they know what to say
//! (the resume hint) and what to clean up (`--stop-on-cancel`). Outside a
//! wait (a create call against a hanging endpoint, loading settings, the
//! STS exchange) nobody would: [`until_unhandled_signal`] resolves on the
//! first signal no wait is listening for, and `main` then drops the command.
//! A second signal ends the process at once, without cleanup, whatever runs.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Waits (`Interrupt::recv`) listening right now.
static LISTENING: AtomicUsize = AtomicUsize::new(0);
/// Whether a wait has taken a signal (and is cleaning up or returning).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Whether "cancelling..." has been printed for the first signal.
static ANNOUNCED: AtomicBool = AtomicBool::new(false);

/// Says "cancelling..." once per process. Both a wait and the process-wide
/// handler wake on the same signal and either may finish first (a wait
/// returns and `main` exits), so whichever runs first says it.
pub(crate) fn announce() {
    if !ANNOUNCED.swap(true, Ordering::SeqCst) {
        eprintln!("cancelling...");
    }
}

/// What the exit code is for a second signal: 130, as for the first.
const HARD_EXIT: i32 = 130;

/// Held by a wait while it listens for a signal.
pub(crate) struct Listening(());

impl Listening {
    pub(crate) fn start() -> Self {
        LISTENING.fetch_add(1, Ordering::SeqCst);
        Self(())
    }

    /// The wait received the signal and handles it. Called before the
    /// guard drops, so the process-wide handler never sees a moment where
    /// nobody claims the signal.
    pub(crate) fn take(&mut self) {
        TAKEN.store(true, Ordering::SeqCst);
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        LISTENING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Resolves on the first SIGINT/SIGTERM that no wait handles; says
/// "cancelling..." on every first signal and ends the process on the second.
pub async fn until_unhandled_signal() {
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for Ctrl-C or SIGTERM");
            return std::future::pending().await;
        }
    };
    signals.recv().await;
    announce();
    // A wait woken by the same signal may not have claimed it yet.
    tokio::task::yield_now().await;
    let handled = LISTENING.load(Ordering::SeqCst) > 0 || TAKEN.load(Ordering::SeqCst);
    tokio::spawn(async move {
        signals.recv().await;
        eprintln!("aborted");
        std::process::exit(HARD_EXIT);
    });
    if handled {
        std::future::pending::<()>().await;
    }
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
pub(crate) struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// The next SIGINT or SIGTERM.
    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
