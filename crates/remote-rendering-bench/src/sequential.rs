//! Sequential calls through one kind of client, timed in CPU per call, with
//! the calls made in one of three places of a tokio program (item 7 and
//! `arr-bench profile`).
//!
//! Where the calling task runs decides how many threads wake per call:
//! hyper runs each connection in a task of its own, so a call made from the
//! main thread of a multi-thread runtime (`#[tokio::main]`'s `block_on`)
//! wakes a worker thread to write the request and is woken back by it for
//! the response, while a call made on a current-thread runtime runs both
//! tasks on one thread.

use crate::measure;
use crate::scenarios::{Callers, Kind};
use crate::target::Target;
use anyhow::{Result, anyhow};
use std::time::{Duration, Instant};

/// Calls before the timed ones: token exchange, connection, TLS handshake.
pub const WARMUP_CALLS: usize = 50;

/// Where the calling task runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The future awaited by the caller: in `arr-bench` the `block_on` of
    /// the default multi-thread runtime's main thread, as in a
    /// `#[tokio::main] async fn main` that awaits its calls.
    MainThread,
    /// A task spawned on the default multi-thread runtime (the calls then
    /// run on a worker thread, like a server's request handler).
    Spawned,
    /// A current-thread runtime on a thread of its own.
    CurrentThread,
}

impl Placement {
    /// Short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::MainThread => "multi-thread runtime, main thread",
            Self::Spawned => "multi-thread runtime, spawned task",
            Self::CurrentThread => "current-thread runtime",
        }
    }
}

/// What a run of sequential calls cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential {
    /// Timed calls.
    pub calls: usize,
    /// Wall time of the timed calls.
    pub wall: Duration,
    /// CPU time of this process (all threads, user) during the timed calls.
    pub user: Duration,
    /// CPU time of this process (all threads, system) during the timed calls.
    pub system: Duration,
}

impl Sequential {
    /// User + system CPU time.
    pub fn cpu(&self) -> Duration {
        self.user + self.system
    }

    /// Adds another run.
    pub fn add(&mut self, other: Sequential) {
        self.calls += other.calls;
        self.wall += other.wall;
        self.user += other.user;
        self.system += other.system;
    }

    /// CPU µs per call.
    pub fn cpu_micros_per_call(&self) -> f64 {
        self.cpu().as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
}

/// Creates the clients (and a session) for `target` in `placement`, makes
/// [`WARMUP_CALLS`] calls through `kind`, then `calls` timed ones.
pub async fn run(
    target: &Target,
    kind: Kind,
    calls: usize,
    placement: Placement,
) -> Result<Sequential> {
    let target = target.clone();
    match placement {
        Placement::MainThread => measure_calls(target, kind, calls).await,
        Placement::Spawned => tokio::spawn(measure_calls(target, kind, calls)).await?,
        Placement::CurrentThread => {
            let thread = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
                    .block_on(measure_calls(target, kind, calls))
            });
            tokio::task::spawn_blocking(move || thread.join())
                .await?
                .map_err(|_| anyhow!("the measuring thread panicked"))?
        }
    }
}

async fn measure_calls(target: Target, kind: Kind, calls: usize) -> Result<Sequential> {
    let callers = Callers::new(&target).await?;
    for _ in 0..WARMUP_CALLS {
        callers.call(kind).await?;
    }
    let (user_before, system_before) = measure::process_cpu_split();
    let started = Instant::now();
    for _ in 0..calls {
        callers.call(kind).await?;
    }
    let wall = started.elapsed();
    let (user_after, system_after) = measure::process_cpu_split();
    Ok(Sequential {
        calls,
        wall,
        user: user_after.saturating_sub(user_before),
        system: system_after.saturating_sub(system_before),
    })
}
