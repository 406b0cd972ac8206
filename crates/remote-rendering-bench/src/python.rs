//! Item 7: the official Python SDK (`azure-mixedreality-remoterendering`
//! 1.0.0b3) as a peer, in a virtual environment under `target/`.
//!
//! The venv is installed from `tests/interop/requirements.txt`, the pins the
//! interop test already uses (including `six`, which the SDK imports without
//! declaring). The SDK refuses bearer tokens over plain HTTP, so this item
//! runs against an emulator with TLS, and both clients trust its CA (the
//! SDK's STS client ignores `connection_verify`, hence `REQUESTS_CA_BUNDLE`).

use crate::target::Target;
use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned requirements of the interop test, found from this crate's
/// source location (the workspace layout of a clone).
pub const REQUIREMENTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/interop/requirements.txt"
);

/// The peer script: `calls` sequential `get_rendering_session` after one
/// warm-up call (token exchange, connection), timed with the process's own
/// `getrusage`, printed as one JSON line. Connection details come from the
/// `ARR_BENCH_TARGET` environment variable (keeps the key out of `ps`).
pub const SCRIPT: &str = r#"
import json, os, resource, sys, time
from azure.core.credentials import AzureKeyCredential
from azure.mixedreality.remoterendering import RemoteRenderingClient

info = json.loads(os.environ["ARR_BENCH_TARGET"])
session_id, calls = sys.argv[1], int(sys.argv[2])
client = RemoteRenderingClient(
    endpoint=info["endpoint"].rstrip("/"),
    account_id=info["account_id"],
    account_domain=info["account_domain"],
    credential=AzureKeyCredential(info["account_key"]),
    authentication_endpoint_url=info["sts_endpoint"].rstrip("/"),
    connection_verify=info["ca_cert"],
)
client.get_rendering_session(session_id=session_id)

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

cpu0, wall0 = cpu(), time.perf_counter()
for _ in range(calls):
    session = client.get_rendering_session(session_id=session_id)
cpu1, wall1 = cpu(), time.perf_counter()
print(json.dumps({"cpu_s": cpu1 - cpu0, "wall_s": wall1 - wall0, "calls": calls,
                  "status": str(session.status)}))
"#;

/// What the peer script printed.
#[derive(Clone, Debug, Deserialize)]
pub struct PythonFigures {
    /// CPU seconds of the timed loop.
    pub cpu_s: f64,
    /// Wall seconds of the timed loop.
    pub wall_s: f64,
    /// Calls in the timed loop.
    pub calls: usize,
}

/// `python3`, when it runs.
pub fn find_python() -> Option<PathBuf> {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then(|| PathBuf::from("python3"))
}

/// Creates (once) a venv in `dir` with the interop requirements; returns its
/// interpreter. pip is quick when everything is installed already.
pub fn ensure_venv(python: &Path, dir: &Path, requirements: &Path) -> Result<PathBuf> {
    let venv_python = dir.join("bin").join("python");
    if !venv_python.exists() {
        run(
            "python3 -m venv",
            Command::new(python).arg("-m").arg("venv").arg(dir),
            Duration::from_secs(120),
        )
        .context("python3 -m venv failed")?;
    }
    run(
        "pip install",
        Command::new(&venv_python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(requirements),
        Duration::from_secs(300),
    )
    .context("pip install of the interop requirements failed")?;
    Ok(venv_python)
}

/// Runs the peer script against `target` (which must use TLS).
pub fn run_peer(
    venv_python: &Path,
    script: &Path,
    target: &Target,
    session_id: &str,
    calls: usize,
) -> Result<PythonFigures> {
    let ca = target
        .ca_cert
        .as_deref()
        .context("the Python SDK needs the emulator with TLS")?;
    let output = run(
        "the peer script",
        Command::new(venv_python)
            .arg(script)
            .arg(session_id)
            .arg(calls.to_string())
            .env("ARR_BENCH_TARGET", serde_json::to_string(target)?)
            .env("REQUESTS_CA_BUNDLE", ca),
        Duration::from_secs(300),
    )?;
    let line = output
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("the peer script printed no JSON")?;
    serde_json::from_str(line).context("the peer script's JSON is not as expected")
}

/// Runs a command to completion within `timeout`; returns its stdout, or an
/// error with the tail of its stderr. `what` names it in errors (never the
/// command's `Debug`, which would show the environment and so the key).
fn run(what: &str, command: &mut Command, timeout: Duration) -> Result<String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {what}"))?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let mut stderr = child.stderr.take().context("no stderr")?;
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{what} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("{what} exited with {status}:\n{}", tail.join("\n"));
    }
    Ok(stdout)
}
