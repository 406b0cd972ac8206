//! Emulator throughput with `--data-dir` beside the in-memory figure
//! (issue 14): reads (`GET` of one session, through the lean load
//! generator) and acknowledged writes (session creates, each one SQLite
//! transaction committed before its answer) per second, in memory, with
//! `--data-dir`, and with `--data-dir --sync-every-write`.
//!
//! ```text
//! cargo run --release -p remote-rendering-bench --bin arr-bench -- data-dir
//! ```

use anyhow::{Context as _, Result, bail};
use futures::future::try_join_all;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::loadgen;
use crate::process::EmulatorProcess;

/// Flags of `arr-bench data-dir`.
#[derive(Debug, clap::Args)]
pub struct DataDirArgs {
    /// Length of each read and write run.
    #[arg(long, default_value = "3s", value_parser = remote_rendering_emulator::cli::parse_duration)]
    pub run_time: Duration,
    /// Concurrent connections for reads.
    #[arg(long, default_value_t = 16)]
    pub read_connections: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 8)]
    pub writers: usize,
}

/// The figures of one storage mode.
#[derive(Clone, Copy, Debug)]
pub struct Throughput {
    /// `GET` session answers per second.
    pub reads_per_sec: f64,
    /// Session creates per second.
    pub writes_per_sec: f64,
}

/// Runs both modes and prints a Markdown table.
pub async fn run(args: &DataDirArgs) -> Result<()> {
    let memory = measure(args, &[]).await.context("in memory")?;
    let dir = std::env::temp_dir().join(format!("arr-bench-data-dir-{}", std::process::id()));
    if dir.exists() {
        bail!("{} exists already", dir.display());
    }
    let dir_arg = dir.display().to_string();
    let on_disk = measure(args, &["--data-dir", &dir_arg]).await;
    let _ = std::fs::remove_dir_all(&dir);
    let on_disk = on_disk.context("with --data-dir")?;
    let synced = measure(args, &["--data-dir", &dir_arg, "--sync-every-write"]).await;
    let _ = std::fs::remove_dir_all(&dir);
    let synced = synced.context("with --data-dir --sync-every-write")?;
    println!("| storage | GET session / s (target ≥ 20,000) | writes / s (target ≥ 1,000) |");
    println!("|---|---|---|");
    for (name, t) in [
        ("in memory", memory),
        ("`--data-dir` (WAL, synchronous=NORMAL)", on_disk),
        (
            "`--data-dir --sync-every-write` (WAL, synchronous=FULL)",
            synced,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} |",
            t.reads_per_sec, t.writes_per_sec
        );
    }
    Ok(())
}

async fn measure(args: &DataDirArgs, flags: &[&str]) -> Result<Throughput> {
    let mut all_flags = vec!["--session-startup", "0s"];
    all_flags.extend_from_slice(flags);
    let emulator = EmulatorProcess::start(&all_flags)?;
    let target = &emulator.target;
    let http = target.http_client()?;
    let base = target.base().trim_end_matches('/').to_owned();
    let account = &target.account_id;
    let token: serde_json::Value = http
        .get(format!("{base}/Accounts/{account}/token"))
        .bearer_auth(format!("{account}:{}", target.account_key))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["AccessToken"]
        .as_str()
        .context("no AccessToken in the STS answer")?
        .to_owned();
    let session_url =
        |id: &str| format!("{base}/accounts/{account}/sessions/{id}?api-version=2021-01-01");
    let body = serde_json::json!({"maxLeaseTimeMinutes": 60, "size": "Standard"});
    http.put(session_url("read-me"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await?
        .error_for_status()?;

    let url = reqwest::Url::parse(&base)?;
    let host = format!(
        "{}:{}",
        url.host_str().context("no host")?,
        url.port().context("no port")?
    );
    let addr: SocketAddr = host.parse()?;
    let request = loadgen::get_request(
        &host,
        &format!("/accounts/{account}/sessions/read-me?api-version=2021-01-01"),
        &token,
    );
    let reads = loadgen::run(addr, request, args.read_connections, args.run_time).await?;

    let started = Instant::now();
    let deadline = started + args.run_time;
    let writers = (0..args.writers).map(|w| {
        let http = http.clone();
        let token = token.clone();
        let body = body.clone();
        async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                http.put(session_url(&format!("w{w}-{done}")))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?;
                done += 1;
            }
            anyhow::Ok(done)
        }
    });
    let writes: u64 = try_join_all(writers).await?.into_iter().sum();
    let write_wall = started.elapsed();
    emulator.stop();
    Ok(Throughput {
        reads_per_sec: reads.ok as f64 / reads.wall.as_secs_f64(),
        writes_per_sec: writes as f64 / write_wall.as_secs_f64(),
    })
}
