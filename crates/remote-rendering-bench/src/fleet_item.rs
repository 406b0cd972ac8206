//! Item 5's table rows: the fleet child process (see [`crate::fleet`]) and
//! the emulator's GET latency with few and with many sessions.

use crate::fleet::{self, Fleet, FleetPlan};
use crate::measure::{self, micros, millis, setting};
use crate::process::{self, EmulatorProcess};
use crate::report::Row;
use crate::target::Target;
use crate::{loadgen, scenarios};
use anyhow::{Context as _, Result};
use futures::StreamExt as _;
use remote_rendering::{SessionId, SessionOptions, SessionSize};
use std::time::Duration;

/// Environment variable carrying the fleet plan (JSON) to the child.
pub const PLAN_ENV: &str = "ARR_BENCH_FLEET_PLAN";

/// Targets of issue 16, item 1.
const MAX_RSS_MIB: f64 = 96.0;
const MAX_CLIENT_CPU: Duration = Duration::from_secs(2);

/// Runs the fleet in a child process (`arr-bench fleet`, target and plan in
/// the environment variables `target_env` and [`PLAN_ENV`]) against an
/// emulator process, and counts requests in the emulator's log.
pub async fn fleet_rows(plan: FleetPlan, target_env: &str) -> Result<Vec<Row>> {
    let emulator = EmulatorProcess::start(&[
        "--session-startup",
        &format!("{}ms", plan.startup.as_millis()),
        "--lease-minute",
        &format!("{}ms", plan.lease_minute.as_millis()),
        // Every request of the run is counted: room for far more than the
        // ~9 requests a session makes.
        "--request-log-size",
        &(plan.sessions * 20 + 1_000).to_string(),
    ])?;
    let target_json = serde_json::to_string(&emulator.target)?;
    let plan_json = serde_json::to_string(&plan)?;
    let target_env = target_env.to_string();
    let outcome = tokio::task::spawn_blocking(move || {
        process::run_self(
            &["fleet"],
            &[(&target_env, &target_json), (PLAN_ENV, &plan_json)],
            Duration::from_secs(600),
        )
    })
    .await??;
    anyhow::ensure!(outcome.success, "the fleet child failed");
    let line = outcome
        .stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("the fleet child printed no JSON")?;
    let run: Fleet = serde_json::from_str(line)?;
    let admin = emulator.target.http_client()?;
    let log = emulator.target.request_log(&admin).await?;
    let emulator_rss = rss_kib(emulator.pid());
    emulator.stop();
    let counts = fleet::count(&log);

    let mib = |kib: u64| kib as f64 / 1024.0;
    let peak = run.peak_rss_kib.max(outcome.max_rss_kib);
    let n = plan.sessions;
    let all_done = run.ready == n && run.kept == n && run.stopped == n;
    Ok(vec![
        Row::checked(
            "5",
            format!(
                "peak RSS of the client process, {n} sessions, {} requests in flight at most, {} runtime (VmHWM; wait4 ru_maxrss)",
                plan.max_in_flight,
                if plan.current_thread {
                    "current-thread"
                } else {
                    "multi-thread"
                }
            ),
            format!(
                "{:.1} MiB ({:.1} MiB)",
                mib(run.peak_rss_kib),
                mib(outcome.max_rss_kib)
            ),
            format!("≤ {MAX_RSS_MIB:.0} MiB"),
            mib(peak) <= MAX_RSS_MIB,
        ),
        Row::checked(
            "5",
            "client CPU time, whole run (user + system, wait4)",
            millis(outcome.cpu),
            format!("≤ {}", setting(MAX_CLIENT_CPU)),
            outcome.cpu <= MAX_CLIENT_CPU,
        ),
        Row::checked(
            "5",
            "sessions Ready / kept for every extension / stopped",
            format!(
                "{}/{}/{} of {n}{}",
                run.ready,
                run.kept,
                run.stopped,
                run.first_error
                    .map(|e| format!(" (first error: {e})"))
                    .unwrap_or_default()
            ),
            "all",
            all_done,
        ),
        Row::checked(
            "5",
            format!(
                "poller GETs per session, most (T = {}, I = {})",
                setting(plan.startup),
                setting(plan.interval)
            ),
            counts.max_poll_gets.to_string(),
            format!("≤ ceil(T/I)+1 = {}", plan.poll_bound()),
            counts.sessions == n && counts.max_poll_gets <= plan.poll_bound(),
        ),
        Row::checked(
            "5",
            format!(
                "PATCHes per session, fewest / most ({} extensions)",
                plan.extensions
            ),
            format!("{} / {}", counts.patches.0, counts.patches.1),
            format!("exactly {} (1 per extension)", plan.extensions),
            counts.patches == (plan.extensions, plan.extensions),
        ),
        Row::checked(
            "5",
            "STS exchanges (client count / emulator log)",
            format!("{} / {}", run.sts_exchanges, counts.sts),
            "1",
            run.sts_exchanges == 1 && counts.sts == 1,
        ),
        Row::info(
            "5",
            format!(
                "lease keeper GETs per session, mean (check every {}, lease minute {})",
                setting(plan.lease_minute),
                setting(plan.lease_minute)
            ),
            format!("{:.2}", counts.mean_keeper_gets),
        ),
        Row::info(
            "5",
            "total requests; startup wall time; keeping + stopping wall time",
            format!(
                "{}; {:.0} ms; {:.0} ms",
                counts.total, run.startup_ms, run.keeping_ms
            ),
        ),
        Row::info(
            "5",
            "client CPU: startup (creates + polls) / keeping + stopping; per request of each phase",
            format!(
                "{:.0} ms / {:.0} ms; {:.1} µs / {:.1} µs",
                run.startup_cpu_ms,
                run.keeping_cpu_ms,
                run.startup_cpu_ms * 1e3 / counts.startup_requests.max(1) as f64,
                run.keeping_cpu_ms * 1e3 / counts.keeping_requests.max(1) as f64,
            ),
        ),
        Row::info(
            "5",
            "emulator RSS after the run",
            emulator_rss.map_or("n/a".into(), |kib| format!("{:.1} MiB", mib(kib))),
        ),
    ])
}

/// Resident set size of another process in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One latency probe of the emulator.
struct Probe {
    sessions: usize,
    latency: Duration,
    emulator_cpu: Option<Duration>,
}

/// Probes of each emulator in [`scaling_rows`], alternating.
const PROBE_ROUNDS: usize = 7;

/// An emulator process holding a number of sessions, one of which is probed.
struct Filled {
    emulator: EmulatorProcess,
    probed: SessionId,
    bearer: String,
    sessions: usize,
}

impl Filled {
    async fn start(sessions: usize) -> Result<Self> {
        let emulator = EmulatorProcess::start(&[])?;
        let client = emulator.target.client_builder()?.build()?;
        let probed = SessionId::generate();
        let mut ids = vec![probed.clone()];
        ids.extend((1..sessions).map(|_| SessionId::generate()));
        create_sessions(&client, ids).await?;
        let bearer = client.access_token().await?.secret().to_string();
        Ok(Self {
            emulator,
            probed,
            bearer,
            sessions,
        })
    }

    async fn probe(&self, duration: Duration) -> Result<Probe> {
        let pid = self.emulator.pid();
        let target = &self.emulator.target;
        probe(
            target,
            pid,
            &self.probed,
            &self.bearer,
            self.sessions,
            duration,
        )
        .await
    }
}

/// The median probe by latency (CPU: the median of those measured).
fn median(mut probes: Vec<Probe>) -> Probe {
    probes.sort_by_key(|p| p.latency);
    let mut cpus: Vec<Duration> = probes.iter().filter_map(|p| p.emulator_cpu).collect();
    cpus.sort();
    let middle = probes.swap_remove(probes.len() / 2);
    Probe {
        emulator_cpu: cpus.get(cpus.len() / 2).copied(),
        ..middle
    }
}

/// The emulator's GET session latency (one keep-alive connection, one
/// request at a time) holding `small` and holding `large` sessions: two
/// emulator processes, probed in turn for `duration` / 4 each,
/// `PROBE_ROUNDS` times, medians compared. Alternating short probes
/// cancels most of the load that other work puts on the machine, which a
/// probe of one and then a probe of the other would count against one side.
pub async fn scaling_rows(small: usize, large: usize, duration: Duration) -> Result<Vec<Row>> {
    let few = Filled::start(small).await?;
    let many = Filled::start(large).await?;
    let (mut few_probes, mut many_probes) = (Vec::new(), Vec::new());
    for _ in 0..PROBE_ROUNDS {
        few_probes.push(few.probe(duration / 4).await?);
        many_probes.push(many.probe(duration / 4).await?);
    }
    let rss = rss_kib(many.emulator.pid());
    few.emulator.stop();
    many.emulator.stop();
    let (first, second) = (median(few_probes), median(many_probes));
    let growth = second.latency.as_secs_f64() / first.latency.as_secs_f64().max(1e-12);
    let cpu = |p: &Probe| p.emulator_cpu.map_or("n/a".into(), micros);
    Ok(vec![
        Row::info(
            "5",
            format!(
                "emulator GET session latency, 1 connection: {} / {} sessions (emulator CPU per GET; medians of {PROBE_ROUNDS} alternating probes)",
                first.sessions, second.sessions
            ),
            format!(
                "{} / {} ({} / {})",
                micros(first.latency),
                micros(second.latency),
                cpu(&first),
                cpu(&second)
            ),
        ),
        Row::checked(
            "5",
            format!(
                "emulator GET latency ratio, {} / {} sessions",
                second.sessions, first.sessions
            ),
            format!("{growth:.2}"),
            "≤ 1.25 (no growth beyond noise)",
            growth <= 1.25,
        ),
        Row::info(
            "5",
            format!("emulator RSS holding {large} sessions"),
            rss.map_or("n/a".into(), |kib| {
                format!("{:.1} MiB", kib as f64 / 1024.0)
            }),
        ),
    ])
}

/// Creates the sessions, 64 requests at a time.
async fn create_sessions(client: &remote_rendering::Client, ids: Vec<SessionId>) -> Result<()> {
    let options = SessionOptions::new(SessionSize::Standard, Duration::from_secs(60 * 60));
    let results: Vec<_> = futures::stream::iter(ids)
        .map(|id| {
            let options = options.clone();
            async move { client.start_session(&id, &options).await.map(|_| ()) }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results.into_iter().collect::<Result<(), _>>()?;
    Ok(())
}

async fn probe(
    target: &Target,
    pid: u32,
    session: &SessionId,
    bearer: &str,
    sessions: usize,
    duration: Duration,
) -> Result<Probe> {
    let url = reqwest::Url::parse(&target.endpoint)?;
    let addr = *url
        .socket_addrs(|| None)?
        .first()
        .context("the endpoint has no address")?;
    let path = format!(
        "/accounts/{}/sessions/{}?api-version={}",
        target.account_id,
        session.as_str(),
        scenarios::API_VERSION
    );
    let request = loadgen::get_request(&addr.to_string(), &path, bearer);
    let before = measure::other_process_cpu(pid);
    let result = loadgen::run(addr, request, 1, duration).await?;
    let after = measure::other_process_cpu(pid);
    let requests = result.ok.max(1) as f64;
    Ok(Probe {
        sessions,
        latency: Duration::from_secs_f64(result.wall.as_secs_f64() / requests),
        emulator_cpu: before
            .zip(after)
            .map(|(b, a)| Duration::from_secs_f64(a.saturating_sub(b).as_secs_f64() / requests)),
    })
}
