//! Item 5 (issue 16): a fleet of sessions on one shared client. It starts
//! every session at once, awaits them all, keeps their leases alive with the
//! lease keeper for a number of extensions, and stops them; then the
//! emulator's request log tells how many requests each session cost.
//!
//! The emulator compresses lease time (`--lease-minute`), so that two
//! extension periods take seconds. The keeper checks once per emulated
//! minute and extends by two minutes when two or fewer are left: a check
//! always falls inside that two-minute window, and after an extension four
//! minutes are left, so each extension is exactly one PATCH.

use crate::measure;
use crate::target::{LoggedRequest, Target};
use anyhow::Result;
use remote_rendering::{
    Client, LeaseEvent, LeaseKeeperOptions, SessionId, SessionOptions, SessionSize,
};
use remote_rendering_emulator::Route;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Lease of a new fleet session, in (emulated) minutes.
const INITIAL_LEASE_MINUTES: u64 = 4;
/// The keeper extends when this many minutes or fewer are left, by as many.
const KEEPER_MINUTES: u64 = 2;
/// The id of the marker request sent between startup and lease keeping: a
/// GET of a session that does not exist, found again in the request log.
pub const PHASE_MARKER: &str = "fleet-phase-marker-keeping";
/// Upper bound on each phase.
const PHASE_TIMEOUT: Duration = Duration::from_secs(300);

/// The fleet's settings (the emulator must run with the same `startup` and
/// `lease_minute`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct FleetPlan {
    /// Sessions started at once.
    pub sessions: usize,
    /// The emulator's session startup time T.
    pub startup: Duration,
    /// The client's polling interval I.
    pub interval: Duration,
    /// How long one emulated lease minute lasts.
    pub lease_minute: Duration,
    /// Lease extensions per session before it is stopped.
    pub extensions: usize,
    /// The client's cap on requests in flight.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Run the fleet's child process on a current-thread runtime instead
    /// of the default multi-thread one (the client works on both).
    #[serde(default)]
    pub current_thread: bool,
}

fn default_max_in_flight() -> usize {
    remote_rendering::DEFAULT_MAX_CONCURRENT_REQUESTS
}

impl FleetPlan {
    /// The poller's bound on GETs per session: `ceil(T/I) + 1`.
    pub fn poll_bound(&self) -> usize {
        let (t, i) = (self.startup.as_nanos(), self.interval.as_nanos().max(1));
        t.div_ceil(i) as usize + 1
    }

    /// The lease keeper's options (see the module docs).
    pub fn keeper_options(&self) -> LeaseKeeperOptions {
        let minutes = Duration::from_secs(60 * KEEPER_MINUTES);
        LeaseKeeperOptions::default()
            .with_margin(minutes)
            .with_step(minutes)
            .with_check_interval(self.lease_minute)
    }
}

/// What the fleet child process reports (one JSON line).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Fleet {
    /// Sessions started.
    pub sessions: usize,
    /// Sessions that reached Ready.
    pub ready: usize,
    /// Sessions whose keeper made every extension.
    pub kept: usize,
    /// Sessions stopped at the end.
    pub stopped: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// From the first create to the last Ready.
    pub startup_ms: f64,
    /// From the start of lease keeping to the last stop.
    pub keeping_ms: f64,
    /// Peak RSS of the process (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
    /// STS exchanges the client made.
    pub sts_exchanges: u64,
    /// CPU time of the process (user + system) up to the last Ready.
    #[serde(default)]
    pub startup_cpu_ms: f64,
    /// CPU time of the process during lease keeping and stopping.
    #[serde(default)]
    pub keeping_cpu_ms: f64,
}

/// Runs the fleet (in its own process, so that its peak RSS is its own).
pub async fn run(target: &Target, plan: FleetPlan) -> Result<Fleet> {
    let client = target
        .client_builder()?
        .polling_interval(plan.interval)
        .max_concurrent_requests(plan.max_in_flight)
        .build()?;
    let mut fleet = Fleet {
        sessions: plan.sessions,
        ..Fleet::default()
    };
    let note = |fleet: &mut Fleet, error: String| {
        fleet.first_error.get_or_insert(error);
    };

    let started = Instant::now();
    let cpu_at_start = measure::process_cpu();
    let lease = Duration::from_secs(60 * INITIAL_LEASE_MINUTES);
    let tasks: Vec<_> = (0..plan.sessions)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let id = SessionId::generate();
                client
                    .start_session(&id, &SessionOptions::new(SessionSize::Standard, lease))
                    .await?
                    .with_timeout(PHASE_TIMEOUT)
                    .wait()
                    .await
                    .map(|_| id)
            })
        })
        .collect();
    let mut ready = Vec::with_capacity(plan.sessions);
    for result in futures::future::join_all(tasks).await {
        match result {
            Ok(Ok(id)) => ready.push(id),
            Ok(Err(e)) => note(&mut fleet, e.to_string()),
            Err(e) => note(&mut fleet, e.to_string()),
        }
    }
    fleet.ready = ready.len();
    fleet.startup_ms = started.elapsed().as_secs_f64() * 1e3;
    let cpu_at_ready = measure::process_cpu();
    fleet.startup_cpu_ms = cpu_at_ready.saturating_sub(cpu_at_start).as_secs_f64() * 1e3;

    // The marker separates the pollers' GETs from the keepers' in the log.
    let marker = SessionId::new(PHASE_MARKER)?;
    let _ = client.get_session(&marker).await;

    let keeping = Instant::now();
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|id| tokio::spawn(keep_then_stop(client.clone(), id, plan)))
        .collect();
    for result in futures::future::join_all(tasks).await {
        match result {
            Ok(outcome) => {
                fleet.kept += usize::from(outcome.kept);
                fleet.stopped += usize::from(outcome.stopped);
                if let Some(e) = outcome.error {
                    note(&mut fleet, e);
                }
            }
            Err(e) => note(&mut fleet, e.to_string()),
        }
    }
    fleet.keeping_ms = keeping.elapsed().as_secs_f64() * 1e3;
    fleet.keeping_cpu_ms = measure::process_cpu()
        .saturating_sub(cpu_at_ready)
        .as_secs_f64()
        * 1e3;
    fleet.peak_rss_kib = measure::peak_rss_kib().unwrap_or(0);
    fleet.sts_exchanges = client.sts_exchanges();
    Ok(fleet)
}

struct Kept {
    kept: bool,
    stopped: bool,
    error: Option<String>,
}

/// Keeps one session's lease alive for `plan.extensions` extensions, then
/// stops it.
async fn keep_then_stop(client: Client, id: SessionId, plan: FleetPlan) -> Kept {
    let mut error = None;
    let mut extended = 0;
    match client.keep_alive(id.clone(), plan.keeper_options()) {
        Ok(mut keeper) => {
            let waited = tokio::time::timeout(PHASE_TIMEOUT, async {
                while extended < plan.extensions {
                    match keeper.next_event().await {
                        Some(Ok(LeaseEvent::Extended { .. })) => extended += 1,
                        Some(Ok(other)) => return Err(format!("lease keeper: {other:?}")),
                        Some(Err(e)) => return Err(format!("lease keeper: {e}")),
                        None => return Err("the lease keeper ended".to_string()),
                    }
                }
                Ok(())
            })
            .await;
            match waited {
                Ok(Ok(())) => {}
                Ok(Err(e)) => error = Some(e),
                Err(_) => error = Some("the lease keeper timed out".to_string()),
            }
            // Dropping the keeper ends it before the session is stopped.
        }
        Err(e) => error = Some(e.to_string()),
    }
    let stopped = match client.stop_session(&id).await {
        Ok(_) => true,
        Err(e) => {
            error.get_or_insert(e.to_string());
            false
        }
    };
    Kept {
        kept: extended == plan.extensions,
        stopped,
        error,
    }
}

/// Requests per session, counted from the emulator's request log.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FleetCounts {
    /// Sessions created (distinct ids of create requests).
    pub sessions: usize,
    /// Most GETs one session's poller made (before the marker).
    pub max_poll_gets: usize,
    /// Mean GETs per session by the lease keepers (after the marker).
    pub mean_keeper_gets: f64,
    /// Fewest and most PATCHes one session received.
    pub patches: (usize, usize),
    /// Fewest and most stop requests one session received.
    pub stops: (usize, usize),
    /// STS requests.
    pub sts: usize,
    /// All requests.
    pub total: usize,
    /// Requests before the marker (creates, polls, the STS exchange).
    pub startup_requests: usize,
    /// Requests after the marker (keepers' GETs and PATCHes, stops).
    pub keeping_requests: usize,
}

#[derive(Default)]
struct PerSession {
    poll_gets: usize,
    keeper_gets: usize,
    patches: usize,
    stops: usize,
}

/// Counts what each session cost, from the request log of a fleet run.
pub fn count(log: &[LoggedRequest]) -> FleetCounts {
    // `/accounts/{a}/sessions/{id}` and `.../sessions/{id}/:stop`.
    let id_of = |r: &LoggedRequest| {
        let path = r.path.split('?').next().unwrap_or(&r.path);
        let mut segments = path.split('/').skip_while(|s| *s != "sessions");
        segments.nth(1).unwrap_or_default().to_string()
    };
    let mut sessions: HashMap<String, PerSession> = HashMap::new();
    let mut counts = FleetCounts {
        total: log.len(),
        ..FleetCounts::default()
    };
    let mut keeping = false;
    for record in log {
        if keeping {
            counts.keeping_requests += 1;
        } else {
            counts.startup_requests += 1;
        }
        let Some(route) = record.route else { continue };
        if route == Route::StsToken {
            counts.sts += 1;
            continue;
        }
        let id = id_of(record);
        if id == PHASE_MARKER {
            keeping = true;
            continue;
        }
        let entry = match route {
            Route::CreateSession => sessions.entry(id).or_default(),
            _ => match sessions.get_mut(&id) {
                Some(entry) => entry,
                None => continue,
            },
        };
        match (route, keeping) {
            (Route::GetSession, false) => entry.poll_gets += 1,
            (Route::GetSession, true) => entry.keeper_gets += 1,
            (Route::UpdateSession, _) => entry.patches += 1,
            (Route::StopSession, _) => entry.stops += 1,
            _ => {}
        }
    }
    let range = |f: fn(&PerSession) -> usize| {
        let min = sessions.values().map(f).min().unwrap_or(0);
        let max = sessions.values().map(f).max().unwrap_or(0);
        (min, max)
    };
    counts.sessions = sessions.len();
    counts.max_poll_gets = range(|s| s.poll_gets).1;
    counts.patches = range(|s| s.patches);
    counts.stops = range(|s| s.stops);
    let keeper_gets: usize = sessions.values().map(|s| s.keeper_gets).sum();
    counts.mean_keeper_gets = keeper_gets as f64 / sessions.len().max(1) as f64;
    counts
}
