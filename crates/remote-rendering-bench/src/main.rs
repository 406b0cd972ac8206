//! `arr-bench`: measures the Azure Remote Rendering client against the local
//! emulator (issue 6, items 1 to 7) and prints one Markdown table.
//!
//! ```text
//! cargo run --release -p remote-rendering-bench --bin arr-bench -- all
//! ```
//!
//! Subcommands `emulator` and `fleet` are the child processes `all` starts:
//! the emulator runs apart so that CPU and memory figures are the client's
//! alone, and the fleet runs apart so that its peak RSS is a process of its
//! own.

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use remote_rendering_bench::fleet::{self, FleetPlan};
use remote_rendering_bench::measure::{micros, millis, setting};
use remote_rendering_bench::process::{self, EmulatorProcess};
use remote_rendering_bench::scenarios::{self, Callers, Kind, Throughput};
use remote_rendering_bench::sequential::{self, Placement};
use remote_rendering_bench::{Report, Row, Target, fleet_item, oneshot, python_item};
use remote_rendering_emulator::cli::{EmulatorArgs, parse_duration};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Environment variable carrying the target JSON to child processes (not a
/// flag, so the account key stays out of process listings).
const TARGET_ENV: &str = "ARR_BENCH_TARGET";

/// Benchmarks of the Azure Remote Rendering client against the local emulator.
#[derive(Debug, Parser)]
#[command(name = "arr-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every scenario (items 1-8 of issues 6 and 16) and writes the table.
    All(AllArgs),
    /// Runs the emulator in this process (started by `all`; arr-emulator's flags).
    Emulator(Box<EmulatorArgs>),
    /// Item 5's child: the fleet (target and plan from the ARR_BENCH_TARGET
    /// and ARR_BENCH_FLEET_PLAN environment variables), one JSON line.
    Fleet,
    /// Sequential calls through one kind of client against an emulator in a
    /// child process, for profilers (`valgrind --tool=callgrind arr-bench
    /// profile --kind a` traces the client only).
    Profile(ProfileArgs),
    /// A 256 MiB model folder uploaded to Azurite: remote-rendering-storage against the
    /// official Python azure-storage-blob, and our peak RSS (issue 11).
    Upload,
    /// Emulator throughput with `--data-dir` beside in memory (issue 14).
    DataDir(remote_rendering_bench::persistence::DataDirArgs),
}

#[derive(Debug, clap::Args)]
struct ProfileArgs {
    /// `a` (remote-rendering), `b` (remote-rendering-rest) or `c` (bare reqwest).
    #[arg(long, default_value = "a")]
    kind: String,
    /// Measured calls (after 50 warm-up calls).
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Serve HTTPS (the emulator's CA file is written to the system's temp directory).
    #[arg(long)]
    tls: bool,
    /// Make the calls on a current-thread runtime instead of the default
    /// multi-thread one.
    #[arg(long, conflicts_with = "spawned")]
    current_thread: bool,
    /// Make the calls in a task spawned on the default multi-thread runtime
    /// instead of its main thread.
    #[arg(long)]
    spawned: bool,
}

#[derive(Debug, clap::Args)]
struct AllArgs {
    /// Where to write the Markdown table (default: `<target dir>/bench/BENCHMARKS-run.md`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only these items, e.g. `--only 1,3`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<u8>,
    /// Skip item 7 (the Python SDK peer).
    #[arg(long)]
    skip_python: bool,
    /// Item 1: measured rounds (one call of each kind per round).
    #[arg(long, default_value_t = 3000)]
    rounds: usize,
    /// Item 2: length of one throughput run (each kind runs twice per concurrency).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    run_time: Duration,
    /// Item 3: concurrent first calls.
    #[arg(long, default_value_t = 1000)]
    fan_out: usize,
    /// Item 6: length of one load run.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    load_time: Duration,
    /// Item 7: sequential calls per client.
    #[arg(long, default_value_t = 1000)]
    peer_calls: usize,
    /// Item 8: rounds of the one-shot command (each side).
    #[arg(long, default_value_t = 30)]
    oneshot_rounds: usize,
    /// Item 5: the fleet.
    #[command(flatten)]
    fleet: FleetArgs,
}

#[derive(Debug, clap::Args)]
struct FleetArgs {
    /// Sessions to start at once.
    #[arg(long, default_value_t = 10_000)]
    sessions: usize,
    /// Polling interval I.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    interval: Duration,
    /// The emulator's session startup T.
    #[arg(long, default_value = "4s", value_parser = parse_duration)]
    startup: Duration,
    /// The emulator's lease minute (the lease keeper checks once per minute).
    /// Four of them must outlast the startup of the whole fleet (15-18 s for
    /// 10,000 sessions on a loaded 2-core machine).
    #[arg(long, default_value = "6s", value_parser = parse_duration)]
    lease_minute: Duration,
    /// Lease extensions per session before it is stopped.
    #[arg(long, default_value_t = 2)]
    extensions: usize,
    /// The fleet client's cap on requests in flight.
    #[arg(long, default_value_t = remote_rendering::DEFAULT_MAX_CONCURRENT_REQUESTS)]
    max_in_flight: usize,
    /// Run the fleet on a current-thread runtime (default: multi-thread, as
    /// `#[tokio::main]` builds).
    #[arg(long)]
    fleet_current_thread: bool,
}

impl FleetArgs {
    fn plan(&self) -> FleetPlan {
        FleetPlan {
            sessions: self.sessions,
            startup: self.startup,
            interval: self.interval,
            lease_minute: self.lease_minute,
            extensions: self.extensions,
            max_in_flight: self.max_in_flight,
            current_thread: self.fleet_current_thread,
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::All(args) => all(args).await,
        Command::Emulator(args) => remote_rendering_emulator::cli::run(*args)
            .await
            .map_err(anyhow::Error::msg),
        Command::Fleet => fleet_child().await,
        Command::Profile(args) => profile(args).await,
        Command::Upload => remote_rendering_bench::upload::run()
            .await
            .map(|figures| print!("{figures}")),
        Command::DataDir(args) => remote_rendering_bench::persistence::run(&args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("arr-bench: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn fleet_child() -> Result<()> {
    let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
    let target: Target = serde_json::from_str(&var(TARGET_ENV)?)?;
    let plan: FleetPlan = serde_json::from_str(&var(fleet_item::PLAN_ENV)?)?;
    let fleet = if plan.current_thread {
        // Its own thread: this one already runs the multi-thread runtime.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(fleet::run(&target, plan))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("the fleet thread panicked"))??
    } else {
        fleet::run(&target, plan).await?
    };
    println!("{}", serde_json::to_string(&fleet)?);
    Ok(())
}

async fn profile(args: ProfileArgs) -> Result<()> {
    let kind = match args.kind.as_str() {
        "a" => Kind::Ergonomic,
        "b" => Kind::Generated,
        "c" => Kind::Bare,
        other => anyhow::bail!("unknown kind `{other}`: use a, b or c"),
    };
    let ca = std::env::temp_dir().join(format!("arr-bench-profile-{}.pem", std::process::id()));
    let ca = ca.to_str().context("non-UTF-8 temp path")?;
    let tls_args = ["--tls", "--ca-cert-path", ca];
    let emulator = EmulatorProcess::start(if args.tls { &tls_args } else { &[] })?;
    let placement = if args.current_thread {
        Placement::CurrentThread
    } else if args.spawned {
        Placement::Spawned
    } else {
        Placement::MainThread
    };
    let figures = sequential::run(&emulator.target, kind, args.calls, placement).await;
    emulator.stop();
    let figures = figures?;
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / args.calls.max(1) as f64;
    println!(
        "{} ({}): {} calls, {:.1} µs wall/call, {:.1} µs CPU/call ({:.1} user + {:.1} system)",
        kind.label(),
        placement.label(),
        args.calls,
        per_call(figures.wall),
        per_call(figures.cpu()),
        per_call(figures.user),
        per_call(figures.system),
    );
    Ok(())
}

/// `target/` of the build that made this executable (`target/release/arr-bench`).
fn target_dir() -> Result<PathBuf> {
    let exe = process::own_executable()?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("cannot tell the target directory from the executable's path")
}

async fn all(args: AllArgs) -> Result<()> {
    let started = Instant::now();
    let bench_dir = target_dir()?.join("bench");
    std::fs::create_dir_all(&bench_dir)
        .with_context(|| format!("cannot create {}", bench_dir.display()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| bench_dir.join("BENCHMARKS-run.md"));
    let wants = |item: u8| args.only.is_empty() || args.only.contains(&item);
    let mut report = Report::default();
    let load_at_start = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    if wants(1) || wants(2) {
        eprintln!("items 1-2: per-call overhead and throughput");
        let rows = items_1_2(&args, wants(1), wants(2)).await;
        push(&mut report, "1-2", rows);
    }
    if wants(3) || wants(4) {
        eprintln!("items 3-4: token sharing and polling cost");
        let rows = items_3_4(&args, wants(3), wants(4)).await;
        push(&mut report, "3-4", rows);
    }
    if wants(5) {
        let plan = args.fleet.plan();
        eprintln!("item 5: fleet of {} sessions", plan.sessions);
        push(
            &mut report,
            "5",
            fleet_item::fleet_rows(plan, TARGET_ENV).await,
        );
        let probe = Duration::from_secs(1);
        let rows = fleet_item::scaling_rows(10, plan.sessions, probe).await;
        push(&mut report, "5", rows);
    }
    if wants(6) {
        eprintln!("item 6: emulator capacity");
        push(&mut report, "6", item_6(&args).await);
    }
    if wants(7) {
        eprintln!("item 7: Python SDK peer");
        let rows = python_item::rows(&bench_dir, args.peer_calls, args.skip_python).await;
        push(&mut report, "7", rows);
    }
    if wants(8) {
        eprintln!("item 8: one-shot command against curl");
        let rows = oneshot::rows(&bench_dir, args.oneshot_rounds).await;
        push(&mut report, "8", rows);
    }

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    report.preamble = vec![
        format!(
            "Command: `cargo run --release -p remote-rendering-bench --bin arr-bench -- {}`",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        format!(
            "Machine: {cpus} CPUs, shared with other work; load average at start: {}",
            load_at_start
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        format!(
            "Scenario wall time: {:.1} s; misses: {}",
            started.elapsed().as_secs_f64(),
            report.misses()
        ),
    ];
    let markdown = report.to_markdown();
    println!("{markdown}");
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, &markdown).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("table written to {}", out.display());
    Ok(())
}

/// A failed scenario becomes a missed row instead of ending the run.
fn push(report: &mut Report, item: &str, rows: Result<Vec<Row>>) {
    match rows {
        Ok(rows) => report.extend(rows),
        Err(error) => report.extend([Row::checked(
            item,
            "scenario ran",
            format!("failed: {error:#}"),
            "runs",
            false,
        )]),
    }
}

fn ratio(a: Duration, c: Duration) -> f64 {
    a.as_secs_f64() / c.as_secs_f64().max(1e-12)
}

async fn items_1_2(args: &AllArgs, item1: bool, item2: bool) -> Result<Vec<Row>> {
    let emulator = EmulatorProcess::start(&[])?;
    let callers = Arc::new(Callers::new(&emulator.target).await?);
    let mut rows = Vec::new();
    if item1 {
        let o = scenarios::per_call_overhead(&callers, 300, args.rounds, Duration::from_secs(90))
            .await?;
        for (kind, s) in [
            (Kind::Ergonomic, o.ergonomic),
            (Kind::Generated, o.generated),
            (Kind::Bare, o.bare),
        ] {
            rows.push(Row::info(
                "1",
                format!(
                    "get_session latency {}: median / p99 (n={})",
                    kind.label(),
                    s.count
                ),
                format!("{} / {}", micros(s.median), micros(s.p99)),
            ));
        }
        let a_c = ratio(o.ergonomic.median, o.bare.median);
        rows.push(Row::checked(
            "1",
            "a/c median latency",
            format!("{a_c:.3}"),
            "≤ 1.05",
            a_c <= 1.05,
        ));
        rows.push(Row::info(
            "1",
            "a/c p99 latency",
            format!("{:.3}", ratio(o.ergonomic.p99, o.bare.p99)),
        ));
        rows.push(Row::info(
            "1",
            "b/c median latency",
            format!("{:.3}", ratio(o.generated.median, o.bare.median)),
        ));
        rows.push(Row::info(
            "1",
            "b/c p99 latency",
            format!("{:.3}", ratio(o.generated.p99, o.bare.p99)),
        ));
    }
    if item2 {
        for concurrency in [1, 8, 64] {
            let mut totals: BTreeMap<&str, Throughput> = BTreeMap::new();
            // Two runs per kind, alternating, so slow phases of the shared
            // machine hit both kinds alike.
            for kinds in [[Kind::Ergonomic, Kind::Bare], [Kind::Bare, Kind::Ergonomic]] {
                for kind in kinds {
                    let run =
                        scenarios::throughput(callers.clone(), kind, concurrency, args.run_time)
                            .await?;
                    totals.entry(kind.label()).or_default().add(run);
                }
            }
            for kind in [Kind::Ergonomic, Kind::Bare] {
                let t = totals[kind.label()];
                rows.push(Row::info(
                    "2",
                    format!(
                        "{} with {concurrency} task(s): ops/s; client CPU per 1,000 ops",
                        kind.label()
                    ),
                    format!("{:.0} ops/s; {}", t.ops_per_sec(), millis(t.cpu_per_1000())),
                ));
            }
            let (a, c) = (totals[Kind::Ergonomic.label()], totals[Kind::Bare.label()]);
            rows.push(Row::info(
                "2",
                format!("a/c client CPU per op, {concurrency} task(s) (ops/s a/c)"),
                format!(
                    "{:.3} ({:.3})",
                    ratio(a.cpu_per_1000(), c.cpu_per_1000()),
                    a.ops_per_sec() / c.ops_per_sec().max(1e-9)
                ),
            ));
        }
    }
    emulator.stop();
    Ok(rows)
}

/// Item 4's settings: session startup T and interval I; conversion duration
/// and interval (the emulator's `Retry-After` is whole seconds, so the
/// conversion's interval is 1 s).
const SESSION_T: Duration = Duration::from_secs(2);
const SESSION_I: Duration = Duration::from_millis(250);
const CONVERSION_T: Duration = Duration::from_secs(3);
const CONVERSION_I: Duration = Duration::from_secs(1);

async fn items_3_4(args: &AllArgs, item3: bool, item4: bool) -> Result<Vec<Row>> {
    // Item 4 measures how the poller follows `Retry-After`, which the
    // emulator sends on polls only when asked (the service never did).
    let emulator = EmulatorProcess::start(&[
        "--session-startup",
        &format!("{}ms", SESSION_T.as_millis()),
        "--conversion-duration",
        &format!("{}ms", CONVERSION_T.as_millis()),
        "--poll-retry-after",
    ])?;
    let target = &emulator.target;
    let mut rows = Vec::new();
    if item3 {
        let t = scenarios::token_sharing(target, args.fan_out).await?;
        rows.push(Row::checked(
            "3",
            format!(
                "STS requests for {} concurrent first calls, cold cache (client count / emulator log)",
                t.calls
            ),
            format!("{} / {}", t.client_exchanges, t.sts_requests),
            "1",
            t.client_exchanges == 1 && t.sts_requests == 1 && t.failed == 0,
        ));
        rows.push(Row::info(
            "3",
            "time to the last completion (failed calls)",
            format!(
                "{} ({}{})",
                millis(t.wall),
                t.failed,
                t.first_error
                    .map(|e| format!(", first: {e}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if item4 {
        let (session, conversion) = (
            scenarios::session_polling(target, SESSION_T, SESSION_I).await?,
            scenarios::conversion_polling(target, CONVERSION_T, CONVERSION_I).await?,
        );
        for (what, cost) in [
            ("session", session),
            ("conversion (GET carries Retry-After)", conversion),
        ] {
            let label = format!(
                "{what}, T = {}, I = {}",
                setting(cost.duration),
                setting(cost.interval)
            );
            let waits: Vec<String> = cost.waits.iter().map(|w| setting(*w)).collect();
            rows.push(Row::checked(
                "4",
                format!("{label}: GET requests (waits: first, then after each poll)"),
                format!(
                    "{} ({}, then {})",
                    cost.gets,
                    setting(cost.interval),
                    waits.join(", ")
                ),
                format!("≤ ceil(T/I)+1 = {}", cost.request_bound()),
                cost.gets <= cost.request_bound(),
            ));
            rows.push(Row::checked(
                "4",
                format!("{label}: delay from Ready to the poller returning"),
                format!("{:.1} ms", cost.delay_secs * 1e3),
                format!("≤ I = {}", setting(cost.interval)),
                cost.delay_secs <= cost.interval.as_secs_f64(),
            ));
        }
    }
    emulator.stop();
    Ok(rows)
}

async fn item_6(args: &AllArgs) -> Result<Vec<Row>> {
    let emulator = EmulatorProcess::start(&[])?;
    let callers = Callers::new(&emulator.target).await?;
    let mut rows = Vec::new();
    for connections in [1, 8, 64] {
        let c = scenarios::capacity(
            &callers,
            &emulator.target,
            Some(emulator.pid()),
            connections,
            args.load_time,
        )
        .await?;
        rows.push(Row::info(
            "6",
            format!("emulator GET session throughput, {connections} connection(s)"),
            format!("{:.0} req/s ({} requests)", c.per_sec(), c.requests),
        ));
        rows.push(Row::info(
            "6",
            format!("CPU per request, {connections} connection(s): emulator / load generator"),
            format!(
                "{} / {}",
                c.emulator_cpu
                    .map(|cpu| micros(c.per_request(cpu)))
                    .unwrap_or_else(|| "n/a".into()),
                micros(c.per_request(c.generator_cpu))
            ),
        ));
    }
    emulator.stop();
    Ok(rows)
}
