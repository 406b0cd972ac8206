//! Item 8 (issue 16, item 2): a one-shot command. `arr session list` as a fresh
//! process over TLS (one STS exchange, one list) against two `curl`
//! processes making the same two requests, rounds alternating between the
//! two so that a slow phase of the shared machine hits both.

use crate::measure::{self, millis};
use crate::process::{EmulatorProcess, own_executable};
use crate::report::Row;
use crate::scenarios::API_VERSION;
use crate::target::Target;
use anyhow::{Context as _, Result, bail};
use remote_rendering::STS_API_VERSION;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Target of issue 16, item 2: ours / curl ≤ 1.0 (median wall time).
const MAX_RATIO: f64 = 1.0;

/// Wall and CPU time of the rounds of one side.
#[derive(Default)]
struct Side {
    walls: Vec<Duration>,
    cpu: Duration,
}

impl Side {
    fn median(&mut self) -> Duration {
        measure::summarize(&mut self.walls).map_or(Duration::ZERO, |s| s.median)
    }

    fn cpu_per_round(&self) -> Duration {
        self.cpu / u32::try_from(self.walls.len().max(1)).unwrap_or(u32::MAX)
    }
}

/// Runs `rounds` rounds of each side (after two warm-up rounds) against an
/// emulator serving HTTPS; `arr` is looked up next to this executable.
pub async fn rows(bench_dir: &Path, rounds: usize) -> Result<Vec<Row>> {
    let metric =
        "one-shot `arr session list` over TLS: median wall time, ours / two curl processes";
    let Some(arr) = sibling("arr") else {
        return Ok(vec![Row::skipped(
            "8",
            metric,
            "skipped: no `arr` next to arr-bench (cargo build --release -p remote-rendering-cli)",
        )]);
    };
    if Command::new("curl").arg("--version").output().is_err() {
        return Ok(vec![Row::skipped("8", metric, "skipped: no curl")]);
    }
    let ca = bench_dir.join("oneshot-ca.pem");
    let emulator = EmulatorProcess::start(&[
        "--tls",
        "--ca-cert-path",
        ca.to_str().context("non-UTF-8 path")?,
    ])?;
    let target = emulator.target.clone();
    let header = bench_dir.join("oneshot-sts-header");
    write_private(
        &header,
        &format!(
            "Authorization: Bearer {}:{}\n",
            target.account_id, target.account_key
        ),
    )?;
    let (ours, curl) = tokio::task::spawn_blocking(move || {
        let mut ours = Side::default();
        let mut curl = Side::default();
        for round in 0..rounds + 2 {
            // Warm-up rounds (page cache, the emulator's first answers) are
            // not counted.
            let counted = round >= 2;
            for side in [round % 2, 1 - round % 2] {
                if side == 0 {
                    let (wall, cpu) = timed(|| arr_list(&arr, &target, &ca))?;
                    if counted {
                        ours.walls.push(wall);
                        ours.cpu += cpu;
                    }
                } else {
                    let (wall, cpu) = timed(|| curl_list(&target, &ca, &header))?;
                    if counted {
                        curl.walls.push(wall);
                        curl.cpu += cpu;
                    }
                }
            }
        }
        anyhow::Ok((ours, curl))
    })
    .await??;
    emulator.stop();
    let _ = std::fs::remove_file(bench_dir.join("oneshot-sts-header"));
    let (mut ours, mut curl) = (ours, curl);
    let (a, c) = (ours.median(), curl.median());
    let ratio = a.as_secs_f64() / c.as_secs_f64().max(1e-12);
    Ok(vec![
        Row::info(
            "8",
            format!("{metric} (n={rounds})"),
            format!("{} / {}", millis(a), millis(c)),
        ),
        Row::checked(
            "8",
            "one-shot ratio ours / curl (median wall time)",
            format!("{ratio:.2}"),
            format!("≤ {MAX_RATIO:.1}"),
            ratio <= MAX_RATIO,
        ),
        Row::info(
            "8",
            "one-shot CPU per round (user + system of the child processes): ours / curl",
            format!(
                "{} / {}",
                millis(ours.cpu_per_round()),
                millis(curl.cpu_per_round())
            ),
        ),
    ])
}

/// An executable next to this one (`target/release/NAME`).
fn sibling(name: &str) -> Option<PathBuf> {
    let path = own_executable().ok()?.parent()?.join(name);
    path.is_file().then_some(path)
}

/// A file readable by its owner only (it holds the account key).
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// Wall time of `run` and the CPU time of the child processes it waited for
/// (`RUSAGE_CHILDREN` grows by each child reaped; nothing else is reaped
/// meanwhile: the emulator runs until the end).
fn timed(run: impl FnOnce() -> Result<()>) -> Result<(Duration, Duration)> {
    let before = children_cpu();
    let started = Instant::now();
    run()?;
    Ok((started.elapsed(), children_cpu().saturating_sub(before)))
}

fn children_cpu() -> Duration {
    // SAFETY: getrusage with a valid out-pointer.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    measure::timeval(usage.ru_utime) + measure::timeval(usage.ru_stime)
}

fn checked(what: &str, output: std::io::Result<Output>) -> Result<Vec<u8>> {
    let output = output.with_context(|| format!("cannot run {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// `arr session list`, configured by environment variables only.
fn arr_list(arr: &Path, target: &Target, ca: &Path) -> Result<()> {
    let output = Command::new(arr)
        .args(["session", "list"])
        .env_clear()
        .env("ARR_ACCOUNT_ID", &target.account_id)
        .env("ARR_ACCOUNT_DOMAIN", &target.account_domain)
        .env("ARR_ACCOUNT_KEY", &target.account_key)
        .env("ARR_ENDPOINT", &target.endpoint)
        .env("ARR_STS_ENDPOINT", &target.sts_endpoint)
        .env("ARR_CA_CERT", ca)
        .stdin(Stdio::null())
        .output();
    checked("arr session list", output).map(drop)
}

/// The same two requests with curl: the STS exchange, then the list.
fn curl_list(target: &Target, ca: &Path, sts_header: &Path) -> Result<()> {
    let curl = |url: &str, header: &str| {
        Command::new("curl")
            .args(["-sS", "--fail", "--max-time", "10", "--cacert"])
            .arg(ca)
            .args(["-H", header, url])
            .stdin(Stdio::null())
            .output()
    };
    let sts = target.sts_endpoint.trim_end_matches('/');
    let token_url = format!(
        "{sts}/Accounts/{}/token?api-version={STS_API_VERSION}",
        target.account_id
    );
    let header_file = format!("@{}", sts_header.display());
    let body = checked("curl (STS)", curl(&token_url, &header_file))?;
    let reply: serde_json::Value = serde_json::from_slice(&body).context("STS reply")?;
    let token = reply["AccessToken"]
        .as_str()
        .context("no AccessToken in the STS reply")?;
    let list_url = format!(
        "{}/accounts/{}/sessions?api-version={API_VERSION}",
        target.base(),
        target.account_id
    );
    let bearer = format!("Authorization: Bearer {token}");
    checked("curl (list)", curl(&list_url, &bearer)).map(drop)
}
